/* collector-store.c: the store object, its concerns, and what they share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-store.h"

G_DEFINE_INTERFACE_WITH_CODE (CollectorStore, collector_store, G_TYPE_OBJECT,
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_DEVICE_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_HOUSEHOLD_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_VISIT_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_REVIEW_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_USER_STORE))

static void
collector_store_default_init (CollectorStoreInterface *iface)
{
}

void
collector_store_close (CollectorStore *self)
{
  g_return_if_fail (COLLECTOR_IS_STORE (self));

  COLLECTOR_STORE_GET_IFACE (self)->close (self);
}

static const char * const failure_kinds[] = {
  [COLLECTOR_FAILURE_ENROLL] = "enroll",
  [COLLECTOR_FAILURE_SIGN_IN_ADDRESS] = "sign_in_address",
  [COLLECTOR_FAILURE_SIGN_IN_ACCOUNT] = "sign_in_account",
};

const char *
collector_failure_kind_name (CollectorFailureKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (failure_kinds), NULL);

  return failure_kinds[kind];
}

gboolean
collector_store_note_failure (CollectorStore        *self,
                              CollectorFailureKind   kind,
                              const char            *key,
                              gint64                 at,
                              gint64                 forget_before,
                              GError               **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (failure_kinds), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return COLLECTOR_STORE_GET_IFACE (self)->note_failure (self, failure_kinds[kind], key, at,
                                                         forget_before, error);
}

GArray *
collector_store_recent_failures (CollectorStore        *self,
                                 CollectorFailureKind   kind,
                                 const char            *key,
                                 gint64                 since,
                                 guint                  limit,
                                 GError               **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (failure_kinds), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (limit > 0, NULL);

  return COLLECTOR_STORE_GET_IFACE (self)->recent_failures (self, failure_kinds[kind], key, since, limit,
                                                            error);
}
