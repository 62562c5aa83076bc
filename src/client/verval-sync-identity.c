/* verval-sync-identity.c: who this device is at the office, as enrollment recorded it
 *
 * The sync engine writes these rows of sync_state when it enrolls and after
 * each complete sync; reading them here keeps the engine's API to what a
 * sync needs, and lets a settings window show them without a network trip.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-sync"

#include "config.h"

#include <sqlite3.h>

#include "verval-sync-identity.h"

VervalSyncIdentity *
verval_sync_identity_copy (const VervalSyncIdentity *identity)
{
  VervalSyncIdentity *copy;

  g_return_val_if_fail (identity != NULL, NULL);

  copy = g_new0 (VervalSyncIdentity, 1);
  copy->collector_url = g_strdup (identity->collector_url);
  copy->enumerator_name = g_strdup (identity->enumerator_name);
  copy->device_id = g_strdup (identity->device_id);
  copy->device_name = g_strdup (identity->device_name);
  copy->last_success = identity->last_success;
  return copy;
}

void
verval_sync_identity_free (VervalSyncIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->collector_url);
  g_free (identity->enumerator_name);
  g_free (identity->device_id);
  g_free (identity->device_name);
  g_free (identity);
}

G_DEFINE_BOXED_TYPE (VervalSyncIdentity, verval_sync_identity,
                     verval_sync_identity_copy, verval_sync_identity_free)

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

VervalSyncIdentity *
verval_sync_identity_read (sqlite3  *db,
                           GError  **error)
{
  g_autoptr(VervalSyncIdentity) identity = g_new0 (VervalSyncIdentity, 1);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (db != NULL, NULL);

  stmt = verval_store_prepare (db, "SELECT key, value FROM sync_state WHERE key IN (?1, ?2, ?3, ?4, ?5)",
                               error);
  if (stmt == NULL)
    return NULL;
  verval_store_bind_text (stmt, 1, VERVAL_SYNC_KEY_URL);
  verval_store_bind_text (stmt, 2, VERVAL_SYNC_KEY_ENUMERATOR);
  verval_store_bind_text (stmt, 3, VERVAL_SYNC_KEY_DEVICE);
  verval_store_bind_text (stmt, 4, VERVAL_SYNC_KEY_DEVICE_NAME);
  verval_store_bind_text (stmt, 5, VERVAL_SYNC_KEY_LAST_SUCCESS);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0);
      const char *value = (const char *) sqlite3_column_text (stmt, 1);

      if (g_strcmp0 (key, VERVAL_SYNC_KEY_URL) == 0)
        replace_string (&identity->collector_url, value);
      else if (g_strcmp0 (key, VERVAL_SYNC_KEY_ENUMERATOR) == 0)
        replace_string (&identity->enumerator_name, value);
      else if (g_strcmp0 (key, VERVAL_SYNC_KEY_DEVICE) == 0)
        replace_string (&identity->device_id, value);
      else if (g_strcmp0 (key, VERVAL_SYNC_KEY_DEVICE_NAME) == 0)
        replace_string (&identity->device_name, value);
      else
        identity->last_success = value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_store_set_sqlite_error (error, db, "read the sync state");
      return NULL;
    }

  if (identity->collector_url == NULL)
    identity->collector_url = g_strdup ("");
  if (identity->enumerator_name == NULL)
    identity->enumerator_name = g_strdup ("");
  if (identity->device_name == NULL)
    identity->device_name = g_strdup ("");
  /* "0": the collector gave no number */
  if (identity->device_id == NULL || g_strcmp0 (identity->device_id, "0") == 0)
    replace_string (&identity->device_id, "");
  return g_steal_pointer (&identity);
}

static gpointer
load_func (sqlite3       *db,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  return verval_sync_identity_read (db, error);
}

void
verval_sync_identity_load_async (VervalStore         *store,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (VERVAL_IS_STORE (store));

  verval_store_run_async (store, load_func, NULL, NULL, (GDestroyNotify) verval_sync_identity_free,
                          cancellable, callback, user_data);
}

VervalSyncIdentity *
verval_sync_identity_load_finish (VervalStore   *store,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);

  return verval_store_run_finish (store, result, error);
}
