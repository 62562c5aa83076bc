/* collector-store-devices.c: the devices concern of the store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-store.h"

G_DEFINE_INTERFACE (CollectorDeviceStore, collector_device_store, G_TYPE_OBJECT)

static void
collector_device_store_default_init (CollectorDeviceStoreInterface *iface)
{
}

#define IFACE(self) COLLECTOR_DEVICE_STORE_GET_IFACE (self)

gboolean
collector_store_add_enumerator (CollectorStore *self,
                                const char     *name,
                                const char     *phone,
                                gint64         *id,
                                GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return IFACE (self)->add_enumerator (COLLECTOR_DEVICE_STORE (self), name, phone, id, error);
}

GPtrArray *
collector_store_list_enumerators (CollectorStore *self,
                                  GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  return IFACE (self)->list_enumerators (COLLECTOR_DEVICE_STORE (self), error);
}

CollectorEnumerator *
collector_store_find_enumerator (CollectorStore *self,
                                 const char     *name_or_id,
                                 GError        **error)
{
  g_autoptr(GPtrArray) all = NULL;
  gint64 id = 0;
  char *end = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (name_or_id != NULL, NULL);

  all = collector_store_list_enumerators (self, error);
  if (all == NULL)
    return NULL;
  if (g_ascii_isdigit (name_or_id[0]))
    {
      id = g_ascii_strtoll (name_or_id, &end, 10);
      if (end == NULL || *end != '\0')
        id = 0;
    }
  for (guint i = 0; i < all->len; i++)
    {
      CollectorEnumerator *e = g_ptr_array_index (all, i);

      if ((id > 0 && e->id == id) || g_strcmp0 (e->name, name_or_id) == 0)
        return g_ptr_array_steal_index (all, i);
    }
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
               "No enumerator named or numbered “%s”", name_or_id);
  return NULL;
}

gboolean
collector_store_set_enumerator_disabled (CollectorStore *self,
                                         gint64          id,
                                         gboolean        disabled,
                                         GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);

  return IFACE (self)->set_enumerator_disabled (COLLECTOR_DEVICE_STORE (self), id, disabled, error);
}

gboolean
collector_store_add_enroll_code (CollectorStore *self,
                                 gint64          enumerator_id,
                                 const char     *code_hash,
                                 gint64          expires_at,
                                 GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (code_hash != NULL, FALSE);

  return IFACE (self)->add_enroll_code (COLLECTOR_DEVICE_STORE (self), enumerator_id, code_hash,
                                        expires_at, error);
}

CollectorDevice *
collector_store_enroll_device (CollectorStore *self,
                               const char     *code_hash,
                               const char     *token_hash,
                               const char     *device_name,
                               const char     *app_version,
                               gint64          now,
                               GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (code_hash != NULL, NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);
  g_return_val_if_fail (device_name != NULL, NULL);

  return IFACE (self)->enroll_device (COLLECTOR_DEVICE_STORE (self), code_hash, token_hash,
                                      device_name, app_version, now, error);
}

CollectorDevice *
collector_store_authenticate (CollectorStore *self,
                              const char     *token_hash,
                              GError        **error)
{
  g_autoptr(GPtrArray) found = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);

  /* the decision is the core's, whichever store read the device */
  found = IFACE (self)->find_by_token (COLLECTOR_DEVICE_STORE (self), token_hash, error);
  if (found == NULL ||
      !collector_rules_check_device (found->len > 0 ? g_ptr_array_index (found, 0) : NULL, error))
    return NULL;
  return g_ptr_array_steal_index (found, 0);
}

GPtrArray *
collector_store_list_devices (CollectorStore *self,
                              GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  return IFACE (self)->list_devices (COLLECTOR_DEVICE_STORE (self), error);
}

gboolean
collector_store_revoke_device (CollectorStore *self,
                               gint64          device_id,
                               GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);

  return IFACE (self)->revoke_device (COLLECTOR_DEVICE_STORE (self), device_id, error);
}

gboolean
collector_store_record_status (CollectorStore *self,
                               gint64          device_id,
                               const char     *status_json,
                               gint64          now,
                               GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (status_json != NULL, FALSE);

  return IFACE (self)->record_status (COLLECTOR_DEVICE_STORE (self), device_id, status_json, now, error);
}

GPtrArray *
collector_store_status_history (CollectorStore *self,
                                gint64          device_id,
                                gint64          since,
                                GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  return IFACE (self)->status_history (COLLECTOR_DEVICE_STORE (self), device_id, since, error);
}

void
collector_status_report_free (CollectorStatusReport *report)
{
  if (report == NULL)
    return;
  g_free (report->error_code);
  g_free (report->status_json);
  g_free (report);
}

void
collector_enumerator_free (CollectorEnumerator *enumerator)
{
  if (enumerator == NULL)
    return;
  g_free (enumerator->name);
  g_free (enumerator->phone);
  g_free (enumerator);
}

CollectorDevice *
collector_device_copy (const CollectorDevice *device)
{
  CollectorDevice *copy;

  g_return_val_if_fail (device != NULL, NULL);

  copy = g_new0 (CollectorDevice, 1);
  *copy = *device;
  copy->enumerator_name = g_strdup (device->enumerator_name);
  copy->name = g_strdup (device->name);
  copy->app_version = g_strdup (device->app_version);
  copy->status_json = g_strdup (device->status_json);
  return copy;
}

void
collector_device_free (CollectorDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->enumerator_name);
  g_free (device->name);
  g_free (device->app_version);
  g_free (device->status_json);
  g_free (device);
}
