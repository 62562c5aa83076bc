/* verval-sync-identity.h: who this device is at the office, as enrollment recorded it
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-store.h"

G_BEGIN_DECLS

/* The sync_state keys enrollment and sync write. */
#define VERVAL_SYNC_KEY_URL          "collector_url"
#define VERVAL_SYNC_KEY_ENUMERATOR   "enumerator_name"
#define VERVAL_SYNC_KEY_DEVICE       "device_id"
#define VERVAL_SYNC_KEY_DEVICE_NAME  "device_name"
#define VERVAL_SYNC_KEY_LAST_SUCCESS "last_success"

/* Strings are never NULL; empty when the device is not enrolled (or the
 * collector did not say). */
typedef struct {
  char   *collector_url;
  char   *enumerator_name;
  char   *device_id;       /* the collector's number for this device */
  char   *device_name;     /* the name it enrolled with (older enrollments: empty) */
  gint64  last_success;    /* unix seconds of the last complete sync, 0 if none */
} VervalSyncIdentity;

#define VERVAL_TYPE_SYNC_IDENTITY (verval_sync_identity_get_type ())

GType               verval_sync_identity_get_type    (void) G_GNUC_CONST;
VervalSyncIdentity *verval_sync_identity_copy        (const VervalSyncIdentity *identity);
void                verval_sync_identity_free        (VervalSyncIdentity       *identity);

/* Reads the sync state on the store thread. */
void                verval_sync_identity_load_async  (VervalStore          *store,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
VervalSyncIdentity *verval_sync_identity_load_finish (VervalStore          *store,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* A sync_state value, NULL when absent or on error (then set), on the
 * thread that owns db. */
char               *verval_sync_state_get            (sqlite3              *db,
                                                      const char           *key,
                                                      GError              **error);
/* The same as verval_sync_identity_load_async, on the thread that owns db. */
VervalSyncIdentity *verval_sync_identity_read        (sqlite3              *db,
                                                      GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalSyncIdentity, verval_sync_identity_free)

G_END_DECLS
