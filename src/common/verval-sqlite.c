/* verval-sqlite.c: the SQLite plumbing the field app and the collector share
 *
 * Errors, statements, transactions and schema migrations, written once so
 * that the two programs report and recover from SQLite the same way. How a
 * connection is opened (pragmas, durability, threads) stays with each
 * program: their needs differ.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-sqlite"

#include "config.h"

#include "verval-sqlite.h"

G_DEFINE_QUARK (verval-sqlite-error-quark, verval_sqlite_error)

gboolean
verval_sqlite_set_error (GError     **error,
                         sqlite3     *db,
                         const char  *what)
{
  /* without a handle, sqlite3_open_v2() ran out of memory */
  int code = db != NULL ? sqlite3_extended_errcode (db) : SQLITE_NOMEM;

  g_set_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED,
               "%s: %s (SQLite error %d)", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code), code);
  return FALSE;
}

gboolean
verval_sqlite_exec (sqlite3     *db,
                    const char  *sql,
                    GError     **error)
{
  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  /* sqlite3_exec() leaves its message in the connection as well */
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return verval_sqlite_set_error (error, db, "Cannot run SQL");
  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         guint        flags,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  if (sqlite3_prepare_v3 (db, sql, -1, flags, &stmt, NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, db, "Cannot prepare a statement");
      return NULL;
    }
  return stmt;
}

sqlite3_stmt *
verval_sqlite_prepare (sqlite3     *db,
                       const char  *sql,
                       GError     **error)
{
  return prepare (db, sql, 0, error);
}

sqlite3_stmt *
verval_sqlite_prepare_persistent (sqlite3     *db,
                                  const char  *sql,
                                  GError     **error)
{
  return prepare (db, sql, SQLITE_PREPARE_PERSISTENT, error);
}

void
verval_sqlite_bind_text (sqlite3_stmt *stmt,
                         int           index,
                         const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
verval_sqlite_column_dup (sqlite3_stmt *stmt,
                          int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

gboolean
verval_sqlite_step_done (sqlite3_stmt  *stmt,
                         const char    *what,
                         GError       **error)
{
  int rc;

  g_return_val_if_fail (stmt != NULL, FALSE);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  /* The reset hands the step's error to the connection, where the error
   * and a caller looking for a constraint read it. Cleared bindings leave
   * no pointer to a caller's SQLITE_STATIC text behind. */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return verval_sqlite_set_error (error, sqlite3_db_handle (stmt), what);
  return TRUE;
}

gboolean
verval_sqlite_begin (sqlite3  *db,
                     GError  **error)
{
  return verval_sqlite_exec (db, "BEGIN IMMEDIATE", error);
}

gboolean
verval_sqlite_end (sqlite3   *db,
                   gboolean   commit,
                   GError   **error)
{
  if (commit && verval_sqlite_exec (db, "COMMIT", error))
    return TRUE;
  /* what failed is already said; a failing rollback has nothing to add */
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Migrations -------------------------------------------------------------- */

static gboolean
read_int (sqlite3     *db,
          const char  *sql,
          int         *value,
          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return verval_sqlite_set_error (error, db, sql);
  *value = sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
check_references (sqlite3  *db,
                  GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, "PRAGMA foreign_key_check", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED,
                   "a row of %s (rowid %" G_GINT64_FORMAT ") would point at a missing row of %s",
                   (const char *) sqlite3_column_text (stmt, 0), (gint64) sqlite3_column_int64 (stmt, 1),
                   (const char *) sqlite3_column_text (stmt, 2));
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return verval_sqlite_set_error (error, db, "Cannot check references");
  return TRUE;
}

static gboolean
migrate_step (sqlite3                      *db,
              const VervalSqliteMigration  *step,
              VervalSqliteMigrateFlags      flags,
              GError                      **error)
{
  g_autofree char *bump = NULL;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return FALSE;
  /* PRAGMA takes no bound parameters; the number comes from the table. */
  bump = g_strdup_printf ("PRAGMA user_version = %d", step->version);
  ok = (step->sql == NULL || verval_sqlite_exec (db, step->sql, error)) &&
       (step->func == NULL || step->func (db, error)) &&
       ((flags & VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES) == 0 || check_references (db, error)) &&
       verval_sqlite_exec (db, bump, error);
  return verval_sqlite_end (db, ok, error);
}

gboolean
verval_sqlite_migrate (sqlite3                      *db,
                       const VervalSqliteMigration  *steps,
                       guint                         n_steps,
                       VervalSqliteMigrateFlags      flags,
                       int                          *version,
                       GError                      **error)
{
  int current = -1;
  int latest;
  int foreign_keys = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (steps != NULL && n_steps > 0, FALSE);

  if (version != NULL)
    *version = -1;
  if (!read_int (db, "PRAGMA user_version", &current, error))
    return FALSE;
  if (version != NULL)
    *version = current;
  latest = steps[n_steps - 1].version;
  if (current > latest)
    {
      g_set_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_TOO_NEW,
                   "The file has schema version %d, newer than this program knows (%d)",
                   current, latest);
      return FALSE;
    }
  if (current == latest)
    return TRUE;

  /* foreign_keys can only change outside a transaction: once for all steps */
  if ((flags & VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES) != 0 &&
      (!read_int (db, "PRAGMA foreign_keys", &foreign_keys, error) ||
       !verval_sqlite_exec (db, "PRAGMA foreign_keys = OFF", error)))
    return FALSE;

  for (guint i = 0; ok && i < n_steps; i++)
    {
      if (steps[i].version <= current)
        continue;
      g_debug ("Migrating schema %d → %d", current, steps[i].version);
      ok = migrate_step (db, &steps[i], flags, error);
      if (ok)
        current = steps[i].version;
      else
        g_prefix_error (error, "Schema version %d: ", steps[i].version);
    }
  if (version != NULL)
    *version = current;

  /* back on whatever happened: a connection kept after a failure must
   * not go on without its references checked */
  if (foreign_keys != 0 && sqlite3_exec (db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK &&
      ok)
    return verval_sqlite_set_error (error, db, "Cannot turn foreign keys back on");
  return ok;
}
