/* collector-store-devices.h: enumerators, enrollment and devices, as a store keeps them
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* the object every concern of the store is reached through (collector-store.h) */
typedef struct _CollectorStore CollectorStore;

typedef struct {
  gint64   id;
  char    *name;
  char    *phone;
  gboolean disabled;
  gint64   created_at;     /* unix seconds */
  guint    n_households;   /* currently assigned */
  guint    n_devices;      /* not revoked */
} CollectorEnumerator;

/* How long each device's status reports are kept: long enough to see a
 * queue grow or an error come back over a round's weeks. */
#define COLLECTOR_STATUS_HISTORY_DAYS 30

/* One status report of a device, with what the team page reads of it. */
typedef struct {
  gint64  at;            /* unix seconds, as received */
  gint64  queue_depth;   /* -1 when the report gave none */
  char   *error_code;    /* last_error_code, or NULL after a sync that succeeded */
  char   *status_json;   /* the report as sent */
} CollectorStatusReport;

typedef struct {
  gint64   id;
  gint64   enumerator_id;
  char    *enumerator_name;
  gboolean enumerator_disabled;
  char    *name;
  char    *app_version;
  gint64   enrolled_at;
  gint64   revoked_at;     /* 0 if active */
  gint64   last_seen_at;   /* 0 if never */
  char    *status_json;    /* last status report, or NULL */
} CollectorDevice;

#define COLLECTOR_TYPE_DEVICE_STORE (collector_device_store_get_type ())
G_DECLARE_INTERFACE (CollectorDeviceStore, collector_device_store, COLLECTOR, DEVICE_STORE, GObject)

struct _CollectorDeviceStoreInterface
{
  GTypeInterface parent_iface;

  gboolean         (*add_enumerator)          (CollectorDeviceStore *self,
                                               const char           *name,
                                               const char           *phone,
                                               gint64               *id,
                                               GError              **error);
  GPtrArray       *(*list_enumerators)        (CollectorDeviceStore *self,
                                               GError              **error);
  gboolean         (*set_enumerator_disabled) (CollectorDeviceStore *self,
                                               gint64                id,
                                               gboolean              disabled,
                                               GError              **error);
  gboolean         (*add_enroll_code)         (CollectorDeviceStore *self,
                                               gint64                enumerator_id,
                                               const char           *code_hash,
                                               gint64                expires_at,
                                               GError              **error);
  /* Takes the code and creates the device in one transaction, asking
   * collector_rules_enroll() whether the code may be used. */
  CollectorDevice *(*enroll_device)           (CollectorDeviceStore *self,
                                               const char           *code_hash,
                                               const char           *token_hash,
                                               const char           *device_name,
                                               const char           *app_version,
                                               gint64                now,
                                               GError              **error);
  /* The device whose token hashes to @token_hash (revoked or not), as a
   * list of none or one; collector_store_authenticate() decides. */
  GPtrArray       *(*find_by_token)           (CollectorDeviceStore *self,
                                               const char           *token_hash,
                                               GError              **error);
  GPtrArray       *(*list_devices)            (CollectorDeviceStore *self,
                                               GError              **error);
  gboolean         (*revoke_device)           (CollectorDeviceStore *self,
                                               gint64                device_id,
                                               GError              **error);
  gboolean         (*record_status)           (CollectorDeviceStore *self,
                                               gint64                device_id,
                                               const char           *status_json,
                                               gint64                now,
                                               GError              **error);
  GPtrArray       *(*status_history)          (CollectorDeviceStore *self,
                                               gint64                device_id,
                                               gint64                since,
                                               GError              **error);
};

gboolean             collector_store_add_enumerator   (CollectorStore *self,
                                                       const char     *name,
                                                       const char     *phone,
                                                       gint64         *id,
                                                       GError        **error);
GPtrArray           *collector_store_list_enumerators (CollectorStore *self,
                                                       GError        **error);
/* By numeric id or by exact name; NULL with COLLECTOR_ERROR_NOT_FOUND. */
CollectorEnumerator *collector_store_find_enumerator  (CollectorStore *self,
                                                       const char     *name_or_id,
                                                       GError        **error);
gboolean             collector_store_set_enumerator_disabled (CollectorStore *self,
                                                       gint64          id,
                                                       gboolean        disabled,
                                                       GError        **error);
gboolean             collector_store_add_enroll_code  (CollectorStore *self,
                                                       gint64          enumerator_id,
                                                       const char     *code_hash,
                                                       gint64          expires_at,
                                                       GError        **error);
CollectorDevice     *collector_store_enroll_device    (CollectorStore *self,
                                                       const char     *code_hash,
                                                       const char     *token_hash,
                                                       const char     *device_name,
                                                       const char     *app_version,
                                                       gint64          now,
                                                       GError        **error);
CollectorDevice     *collector_store_authenticate     (CollectorStore *self,
                                                       const char     *token_hash,
                                                       GError        **error);
GPtrArray           *collector_store_list_devices     (CollectorStore *self,
                                                       GError        **error);
gboolean             collector_store_revoke_device    (CollectorStore *self,
                                                       gint64          device_id,
                                                       GError        **error);
/* Keeps a device's status report (docs/protocol.md, POST /status) as its
 * latest, received at @now (unix seconds), and in its history, from which
 * reports older than COLLECTOR_STATUS_HISTORY_DAYS are dropped. */
gboolean             collector_store_record_status    (CollectorStore *self,
                                                       gint64          device_id,
                                                       const char     *status_json,
                                                       gint64          now,
                                                       GError        **error);
/* The device's reports received at or after @since, oldest first: a
 * GPtrArray of CollectorStatusReport*. */
GPtrArray           *collector_store_status_history   (CollectorStore *self,
                                                       gint64          device_id,
                                                       gint64          since,
                                                       GError        **error);

void             collector_status_report_free (CollectorStatusReport *report);
void             collector_enumerator_free (CollectorEnumerator   *enumerator);
CollectorDevice *collector_device_copy     (const CollectorDevice *device);
void             collector_device_free     (CollectorDevice       *device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorEnumerator, collector_enumerator_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorDevice, collector_device_free)

G_END_DECLS
