/* store-fixture.c: helpers shared by the listing, store and search tests
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "store-fixture.h"

char *
store_fixture_make_tmp (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("verval-%s-XXXXXX", name);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
store_fixture_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        store_fixture_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

char *
store_fixture_write (const char *dir,
                     const char *name,
                     const char *contents,
                     gssize      len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  return path;
}

VervalImportReport *
store_fixture_import (VervalStore *store,
                      const char  *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  VervalImportReport *report = verval_store_import_sync (store, file, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

void
store_fixture_wait (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static gpointer
count_in_thread (sqlite3       *db,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *count = g_new0 (gint64, 1);

  if (sqlite3_prepare_v2 (db, data, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      verval_sqlite_set_error (error, db, data);
      sqlite3_finalize (stmt);
      g_free (count);
      return NULL;
    }
  *count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

gint64
store_fixture_count (VervalStore *store,
                     const char  *sql)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *count = verval_store_run_sync (store, count_in_thread, (gpointer) sql,
                                                    NULL, &error);

  g_assert_no_error (error);
  return *count;
}

static gpointer
exec_in_thread (sqlite3       *db,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  if (!verval_sqlite_exec (db, data, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

void
store_fixture_exec (VervalStore *store,
                    const char  *sql)
{
  g_autoptr(GError) error = NULL;

  verval_store_run_sync (store, exec_in_thread, (gpointer) sql, NULL, &error);
  g_assert_no_error (error);
}
