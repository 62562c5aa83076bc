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

char *
verval_sync_state_get (sqlite3     *db,
                       const char  *key,
                       GError     **error)
{
  sqlite3_stmt *stmt;
  char *value = NULL;
  int rc;

  g_return_val_if_fail (db != NULL && key != NULL, NULL);

  stmt = verval_sqlite_prepare (db, "SELECT value FROM sync_state WHERE key = ?1", error);
  if (stmt == NULL)
    return NULL;
  verval_sqlite_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    verval_sqlite_set_error (error, db, "read the sync state");
  sqlite3_finalize (stmt);
  return value;
}

/* key's value into *value ("" when absent); FALSE on a read error */
static gboolean
read_key (sqlite3     *db,
          const char  *key,
          char       **value,
          GError     **error)
{
  GError *local_error = NULL;

  *value = verval_sync_state_get (db, key, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (*value == NULL)
    *value = g_strdup ("");
  return TRUE;
}

VervalSyncIdentity *
verval_sync_identity_read (sqlite3  *db,
                           GError  **error)
{
  g_autoptr(VervalSyncIdentity) identity = g_new0 (VervalSyncIdentity, 1);
  g_autofree char *last_success = NULL;

  g_return_val_if_fail (db != NULL, NULL);

  if (!read_key (db, VERVAL_SYNC_KEY_URL, &identity->collector_url, error) ||
      !read_key (db, VERVAL_SYNC_KEY_ENUMERATOR, &identity->enumerator_name, error) ||
      !read_key (db, VERVAL_SYNC_KEY_DEVICE, &identity->device_id, error) ||
      !read_key (db, VERVAL_SYNC_KEY_DEVICE_NAME, &identity->device_name, error) ||
      !read_key (db, VERVAL_SYNC_KEY_LAST_SUCCESS, &last_success, error))
    return NULL;
  identity->last_success = g_ascii_strtoll (last_success, NULL, 10);
  /* "0": the collector gave no number */
  if (g_str_equal (identity->device_id, "0"))
    {
      g_free (identity->device_id);
      identity->device_id = g_strdup ("");
    }
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
