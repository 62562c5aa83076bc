/* test-store.c: the client store: migrations, import, merge, crash safety
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "store-fixture.h"
#include "verval-csv.h"
#include "verval-demo.h"
#include "verval-household.h"
#include "verval-regions.h"
#include "verval-store.h"

typedef struct {
  char        *dir;
  VervalStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = store_fixture_make_tmp ("store");
  f->store = verval_store_open (f->dir, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  store_fixture_rm_rf (f->dir);
  g_free (f->dir);
}

static int
user_version_of (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return version;
}

static void
test_migrate_empty (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *media = g_build_filename (f->dir, "media", NULL);
  g_autofree char *path = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (verval_store_get_schema_version (f->store), ==,
                   verval_store_get_latest_version ());
  g_assert_true (g_file_test (media, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 0);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM household_members"), ==, 0);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM household_sources"), ==, 0);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM meta"), ==, 0);
  /* The tables are STRICT. */
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM pragma_table_list "
                                        "WHERE name LIKE 'household%' AND strict = 1"), ==, 3);
  path = g_strdup (verval_store_get_db_path (f->store));
  g_clear_object (&f->store);
  g_assert_cmpint (user_version_of (path), ==, verval_store_get_latest_version ());

  /* WAL stays on in the file. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* From every earlier version: build the file up to version v with the
 * steps themselves, put a household in once there is a table for it, open. */
static void
test_migrate_each (void)
{
  guint n_steps;
  const VervalSqliteMigration *steps = verval_store_get_migrations (&n_steps);

  g_assert_cmpuint (n_steps, >=, 1);
  for (guint v = 0; v < n_steps; v++)
    {
      g_autofree char *dir = store_fixture_make_tmp ("migrate");
      g_autofree char *path = g_build_filename (dir, VERVAL_STORE_DB_NAME, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(VervalStore) store = NULL;
      sqlite3 *db = NULL;
      gboolean has_row = FALSE;

      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      for (guint i = 0; i < v; i++)
        {
          g_autofree char *set = g_strdup_printf ("PRAGMA user_version = %d", steps[i].version);

          g_assert_true (steps[i].sql == NULL || verval_sqlite_exec (db, steps[i].sql, &error));
          g_assert_no_error (error);
          g_assert_true (steps[i].func == NULL || steps[i].func (db, &error));
          g_assert_no_error (error);
          g_assert_true (verval_sqlite_exec (db, set, &error));
        }
      if (v >= 1)
        {
          g_assert_true (verval_sqlite_exec (db, "INSERT INTO households (family_id, head_name) "
                                                 "VALUES ('P1', 'Made')", &error));
          has_row = TRUE;
        }
      sqlite3_close (db);

      store = verval_store_open (dir, &error);
      g_assert_no_error (error);
      g_assert_cmpint (verval_store_get_schema_version (store), ==,
                       verval_store_get_latest_version ());
      g_assert_cmpint (store_fixture_count (store, "SELECT count(*) FROM households"), ==,
                       has_row ? 1 : 0);
      g_clear_object (&store);
      g_assert_cmpint (user_version_of (path), ==, verval_store_get_latest_version ());

      /* Opening again changes nothing. */
      store = verval_store_open (dir, &error);
      g_assert_no_error (error);
      g_clear_object (&store);
      store_fixture_rm_rf (dir);
    }
}

static void
test_too_new (void)
{
  g_autofree char *dir = store_fixture_make_tmp ("too-new");
  g_autofree char *path = g_build_filename (dir, VERVAL_STORE_DB_NAME, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalStore) store = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_true (verval_sqlite_exec (db, "CREATE TABLE future (x INTEGER) STRICT; "
                                         "PRAGMA user_version = 999", &error));
  sqlite3_close (db);

  store = verval_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_TOO_NEW);
  /* what the person holding the tablet reads */
  g_assert_nonnull (strstr (error->message, "newer version of Verval (schema 999)"));
  g_assert_cmpint (user_version_of (path), ==, 999);
  store_fixture_rm_rf (dir);
}

static void
test_not_a_database (void)
{
  g_autofree char *dir = store_fixture_make_tmp ("garbage");
  g_autofree char *path = store_fixture_write (dir, VERVAL_STORE_DB_NAME,
                                               "this is not an SQLite file, just text\n", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalStore) store = verval_store_open (dir, &error);
  g_autofree char *contents = NULL;

  g_assert_null (store);
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  /* Left as it was, for someone to look at. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "this is not an SQLite file, just text\n");
  store_fixture_rm_rf (dir);
}

static char *
write_demo (Fixture             *f,
            const char          *name,
            VervalListingFormat  format,
            guint                n)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (verval_demo_write_file (path, format, n, 7, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_import_reimport (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 300);
  g_autoptr(VervalImportReport) first = NULL;
  g_autoptr(VervalImportReport) second = NULL;

  first = store_fixture_import (f->store, path);
  g_assert_cmpint (first->format, ==, VERVAL_LISTING_FORMAT_P3KE);
  g_assert_cmpuint (first->imported, ==, 300);
  g_assert_cmpuint (first->updated, ==, 0);
  g_assert_cmpuint (first->refused, ==, 0);
  g_assert_cmpuint (first->warnings, ==, 0);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 300);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM household_sources "
                                        "WHERE source = 1 AND file_name = 'p3ke.csv'"), ==, 300);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM households WHERE sources = 1 "
                                        "AND desil BETWEEN 1 AND 4 AND length (village_code) = 10 "
                                        "AND village_code LIKE '5108%' AND search_text <> ''"), ==, 300);

  /* A visit state set in between survives a re-import. */
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'draft' WHERE id = 5");
  second = store_fixture_import (f->store, path);
  g_assert_cmpuint (second->imported, ==, 0);
  g_assert_cmpuint (second->updated, ==, 300);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 300);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM household_sources"), ==, 300);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM households WHERE visit_state = 'draft'"),
                   ==, 1);
}

static void
test_merge (Fixture       *f,
            gconstpointer  data)
{
  /* The demo DTKS file of the same seed describes the same families (same
   * heads) plus their members; a few P3KE-only and DTKS-only ones too. */
  g_autofree char *p3ke = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 120);
  g_autofree char *dtks = write_demo (f, "dtks.csv", VERVAL_LISTING_FORMAT_DTKS, 150);
  g_autoptr(VervalImportReport) first = NULL;
  g_autoptr(VervalImportReport) second = NULL;
  g_autoptr(VervalImportReport) third = NULL;

  first = store_fixture_import (f->store, p3ke);
  g_assert_cmpuint (first->imported, ==, 120);
  second = store_fixture_import (f->store, dtks);
  g_assert_cmpint (second->format, ==, VERVAL_LISTING_FORMAT_DTKS);
  g_assert_cmpuint (second->refused, ==, 0);
  g_assert_cmpuint (second->updated, ==, 120);
  g_assert_cmpuint (second->imported, ==, 30);

  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 150);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE sources = 3"),
                   ==, 120);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE sources = 2"),
                   ==, 30);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM household_sources WHERE source = 2"),
                   ==, 150);
  /* P3KE values stay (the family ID, desil), DTKS adds the KK and members. */
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM households WHERE sources = 3 AND "
                                        "family_id IS NOT NULL AND kk IS NOT NULL AND desil > 0 "
                                        "AND n_members >= 1 AND dusun <> ''"), ==, 120);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM household_members WHERE is_head"),
                   ==, 150);

  /* A family only DTKS lists is named by its head's iddtks, the id a
   * collector gives it too; the others keep their P3KE id. */
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM households h WHERE sources = 2 AND "
                                        "family_id = (SELECT individual_id FROM household_members m "
                                        "  WHERE m.household_id = h.id AND m.position = 0) AND "
                                        "family_id <> ''"), ==, 30);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM households WHERE sources = 3 AND "
                                        "family_id NOT IN (SELECT individual_id FROM household_members)"),
                   ==, 120);

  /* Importing the DTKS file again changes nothing but dates. */
  third = store_fixture_import (f->store, dtks);
  g_assert_cmpuint (third->imported, ==, 0);
  g_assert_cmpuint (third->updated, ==, 150);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 150);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM household_members WHERE is_head"),
                   ==, 150);

  /* Then the P3KE file once more: still one family each, both sources. */
  g_clear_pointer (&first, verval_import_report_free);
  first = store_fixture_import (f->store, p3ke);
  g_assert_cmpuint (first->updated, ==, 120);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE sources = 3"),
                   ==, 120);
}

static void
test_bad_file (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *good = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 20);
  g_autofree char *bad = store_fixture_write (f->dir, "bad.csv", "nama;umur\nBudi;40\n", -1);
  g_autofree char *broken = store_fixture_write (f->dir, "broken.csv",
                                                 "ID Keluarga P3KE;Kepala Keluarga;NIK\n"
                                                 "PX1;Budi;5108061211870001\n"
                                                 "PX2;\"Siti;5108066010900009\n", -1);
  g_autoptr(VervalImportReport) report = store_fixture_import (f->store, good);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  VervalImportReport *none;

  g_assert_cmpuint (report->imported, ==, 20);
  file = g_file_new_for_path (bad);
  none = verval_store_import_sync (f->store, file, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_NO_HEADER);
  g_clear_error (&error);
  g_clear_object (&file);

  /* A CSV error half-way: the rows before it are not kept either. */
  file = g_file_new_for_path (broken);
  none = verval_store_import_sync (f->store, file, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 20);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 2000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (verval_store_import_sync (f->store, file, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 0);
}

typedef struct {
  guint               progress_calls;
  double              last_fraction;
  gboolean            progress_freed;
  gboolean            done;
  guint               changed;
  VervalImportReport *report;
  GError             *error;
  GThread            *main_thread;
} AsyncImport;

static void
on_progress (double   fraction,
             guint    rows,
             gpointer user_data)
{
  AsyncImport *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  g_assert_cmpfloat (fraction, >=, state->last_fraction);
  state->last_fraction = fraction;
  state->progress_calls++;
}

static void
on_progress_freed (gpointer user_data)
{
  AsyncImport *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  state->progress_freed = TRUE;
}

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncImport *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  state->report = verval_store_import_finish (VERVAL_STORE (source), result, &state->error);
  state->done = TRUE;
}

static void
on_changed (VervalStore *store,
            gpointer     user_data)
{
  ((AsyncImport *) user_data)->changed++;
}

static void
test_import_async (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 3000);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  AsyncImport state = { 0 };
  guint generation = verval_store_get_households_generation (f->store);

  state.main_thread = g_thread_self ();
  g_signal_connect (f->store, "households-changed", G_CALLBACK (on_changed), &state);
  verval_store_import_async (f->store, file, on_progress, &state, on_progress_freed, NULL,
                             on_imported, &state);
  store_fixture_wait (&state.done);
  store_fixture_wait (&state.progress_freed);

  g_assert_no_error (state.error);
  g_assert_cmpuint (state.report->imported, ==, 3000);
  g_assert_cmpuint (state.progress_calls, >=, 2);
  g_assert_cmpfloat (state.last_fraction, ==, 1.0);
  g_assert_cmpuint (state.changed, ==, 1);
  g_assert_cmpuint (verval_store_get_households_generation (f->store), >, generation);
  verval_import_report_free (state.report);
  g_signal_handlers_disconnect_by_data (f->store, &state);
}

static void
on_progress_cancel (double   fraction,
                    guint    rows,
                    gpointer user_data)
{
  if (rows > 0)
    g_cancellable_cancel (user_data);
}

/* Cancelled while rows are being written: everything is rolled back. */
static void
test_cancel_midway (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 30000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  AsyncImport state = { 0 };

  state.main_thread = g_thread_self ();
  verval_store_import_async (f->store, file, on_progress_cancel, cancellable, NULL, cancellable,
                             on_imported, &state);
  store_fixture_wait (&state.done);
  g_assert_null (state.report);
  g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&state.error);
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 0);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM household_sources"), ==, 0);
}

static gpointer
thread_of (sqlite3       *db,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  g_assert_nonnull (db);
  g_assert_true (sqlite3_get_autocommit (db));
  if (data != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "asked to fail");
      return NULL;
    }
  return g_thread_self ();
}

/* What an async call delivered. */
typedef struct {
  gpointer  result;
  GError   *error;
  gboolean  done;
} Outcome;

static void
on_run (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Outcome *out = user_data;

  out->result = verval_store_run_finish (VERVAL_STORE (source), result, &out->error);
  out->done = TRUE;
}

static void
test_run (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Outcome out = { 0 };
  gpointer sync_thread;

  verval_store_run_async (f->store, thread_of, NULL, NULL, NULL, NULL, on_run, &out);
  store_fixture_wait (&out.done);
  g_assert_no_error (out.error);
  g_assert_nonnull (out.result);
  g_assert_true (out.result != g_thread_self ());

  sync_thread = verval_store_run_sync (f->store, thread_of, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sync_thread == out.result);

  g_assert_null (verval_store_run_sync (f->store, thread_of, GINT_TO_POINTER (1), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  verval_store_close (f->store);
  g_assert_null (verval_store_run_sync (f->store, thread_of, NULL, NULL, &error));
  g_assert_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_CLOSED);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Outcome *out = user_data;

  out->result = verval_household_load_finish (result, &out->error);
  out->done = TRUE;
}

#define HEAD_IDDTKS_IS_FAMILY_ID \
  "family_id = (SELECT individual_id FROM household_members m " \
  "  WHERE m.household_id = households.id AND m.source = 2 AND m.position = 0)"

/* DTKS first, then P3KE: one family each. P3KE ids are what collectors
 * hand out, so they replace the DTKS one, except on a family a collector
 * already assigned under that id. */
static void
test_merge_dtks_first (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *p3ke = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 120);
  g_autofree char *dtks = write_demo (f, "dtks.csv", VERVAL_LISTING_FORMAT_DTKS, 150);
  g_autoptr(VervalImportReport) first = NULL;
  g_autoptr(VervalImportReport) second = NULL;
  gint64 assigned_shared;

  first = store_fixture_import (f->store, dtks);
  g_assert_cmpuint (first->imported, ==, 150);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE "
                                        HEAD_IDDTKS_IS_FAMILY_ID), ==, 150);
  store_fixture_exec (f->store, "UPDATE households SET assignment = 'assigned' WHERE id % 2 = 0");

  second = store_fixture_import (f->store, p3ke);
  g_assert_cmpuint (second->imported, ==, 0);
  g_assert_cmpuint (second->updated, ==, 120);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 150);
  assigned_shared = store_fixture_count (f->store, "SELECT count(*) FROM households "
                                         "WHERE sources = 3 AND assignment = 'assigned'");
  g_assert_cmpint (assigned_shared, >, 0);
  g_assert_cmpint (assigned_shared, <, 120);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE sources = 3 "
                                        "AND assignment = 'assigned' AND " HEAD_IDDTKS_IS_FAMILY_ID),
                   ==, assigned_shared);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE sources = 3 "
                                        "AND assignment = '' AND NOT " HEAD_IDDTKS_IS_FAMILY_ID),
                   ==, 120 - assigned_shared);
}

typedef struct {
  VervalFamilyRecord *record;
  gboolean            inserted;
} PutData;

static gpointer
put_assigned_in_db (sqlite3       *db,
                    gpointer       data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  PutData *d = data;
  g_autoptr(VervalStoreWriter) writer = NULL;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  writer = verval_store_writer_new (db, error);
  ok = writer != NULL && verval_store_writer_put_assigned (writer, d->record, 1700000000, &d->inserted, error);
  g_clear_pointer (&writer, verval_store_writer_free);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

static void
put_assigned (Fixture            *f,
              VervalFamilyRecord *record,
              gboolean            expect_insert)
{
  g_autoptr(GError) error = NULL;
  PutData d = { record, FALSE };

  g_assert_nonnull (verval_store_run_sync (f->store, put_assigned_in_db, &d, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (d.inserted, ==, expect_insert);
}

static void
set_text (char       **slot,
          const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

/* The record writer as sync uses it: matched by family id, the collector's
 * values win, the visit state stays. */
static void
test_writer_assigned (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *dtks = write_demo (f, "dtks.csv", VERVAL_LISTING_FORMAT_DTKS, 10);
  g_autoptr(VervalImportReport) report = store_fixture_import (f->store, dtks);
  g_autoptr(VervalFamilyRecord) record = verval_family_record_new ();
  g_autoptr(VervalFamilyRecord) fresh = verval_family_record_new ();
  VervalMemberRecord *member = verval_member_record_new ();
  g_autofree char *family_id = NULL;
  g_autofree char *sql = NULL;

  g_assert_cmpuint (report->imported, ==, 10);
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'draft' WHERE id = 3");
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households WHERE id = 3 AND "
                                        HEAD_IDDTKS_IS_FAMILY_ID), ==, 1);
  /* the family id as the collector would send it */
  {
    sqlite3 *reader = verval_store_open_reader (f->store, NULL);
    sqlite3_stmt *stmt = NULL;

    g_assert_nonnull (reader);
    g_assert_cmpint (sqlite3_prepare_v2 (reader, "SELECT family_id FROM households WHERE id = 3",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    family_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    sqlite3_close (reader);
  }

  record->source = VERVAL_SOURCE_DTKS;
  set_text (&record->family_id, family_id);
  set_text (&record->head_name, "Made Yasa Baru");
  set_text (&record->village_code, "5108062001");
  set_text (&record->fields[VERVAL_FAMILY_FIELD_VILLAGE], "Panji Anom");
  set_text (&record->fields[VERVAL_FAMILY_FIELD_ROOF], "Seng");
  record->desil = 3;
  record->programmes = VERVAL_PROGRAMME_PKH;
  set_text (&member->name, "Made Yasa Baru");
  member->is_head = TRUE;
  g_ptr_array_add (record->members, member);
  put_assigned (f, record, FALSE);

  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 10);
  g_assert_cmpint (store_fixture_count (f->store,
                                        "SELECT count(*) FROM households WHERE id = 3 AND "
                                        "assignment = 'assigned' AND visit_state = 'draft' AND "
                                        "head_name = 'Made Yasa Baru' AND village = 'Panji Anom' AND "
                                        "roof = 'Seng' AND desil = 3 AND programmes = 8 AND "
                                        "kk IS NOT NULL AND n_members = 1 AND "
                                        "search_text LIKE 'made yasa baru%panji anom%'"), ==, 1);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM household_members "
                                        "WHERE household_id = 3"), ==, 1);
  /* only the import records list files */
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM household_sources"), ==, 10);

  /* An unknown id is a new household, even with a known KK. */
  fresh->source = VERVAL_SOURCE_P3KE;
  set_text (&fresh->family_id, "P3KE-NEW");
  set_text (&fresh->head_name, "Ketut Anom");
  put_assigned (f, fresh, TRUE);
  put_assigned (f, fresh, FALSE);
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM households"), ==, 11);
  sql = g_strdup ("SELECT count(*) FROM households WHERE family_id = 'P3KE-NEW' AND "
                  "assignment = 'assigned' AND visit_state = 'none'");
  g_assert_cmpint (store_fixture_count (f->store, sql), ==, 1);
}

static void
test_household_details (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *p3ke = write_demo (f, "p3ke.csv", VERVAL_LISTING_FORMAT_P3KE, 10);
  g_autofree char *dtks = write_demo (f, "dtks.csv", VERVAL_LISTING_FORMAT_DTKS, 10);
  g_autoptr(VervalImportReport) r1 = store_fixture_import (f->store, p3ke);
  g_autoptr(VervalImportReport) r2 = store_fixture_import (f->store, dtks);
  g_autoptr(VervalHousehold) household = NULL;
  g_autofree char *nik = verval_demo_family_nik (7, 3);
  Outcome out = { 0 };
  VervalHouseholdSource *source;
  VervalMemberRecord *head;

  g_assert_cmpuint (r1->imported, ==, 10);
  g_assert_cmpuint (r2->imported + r2->updated, ==, 10);
  verval_household_load_async (f->store, 4, NULL, on_loaded, &out);
  store_fixture_wait (&out.done);
  g_assert_no_error (out.error);
  household = out.result;

  g_assert_true (verval_household_get_details_loaded (household));
  g_assert_cmpint (verval_household_get_id (household), ==, 4);
  g_assert_cmpstr (verval_household_get_nik (household), ==, nik);
  g_assert_cmpint (verval_household_get_sources (household), ==,
                   VERVAL_SOURCE_P3KE | VERVAL_SOURCE_DTKS);
  g_assert_cmpint (verval_household_get_visit_state (household), ==, VERVAL_VISIT_STATE_NONE);
  g_assert_cmpuint (strlen (verval_household_get_kk (household)), ==, 16);
  g_assert_cmpstr (verval_household_get_field (household, VERVAL_FAMILY_FIELD_REGENCY), ==,
                   "KABUPATEN BULELENG");
  g_assert_cmpstr (verval_household_get_field (household, VERVAL_FAMILY_FIELD_ROOF), !=, "");
  g_assert_cmpuint (verval_household_get_source_list (household)->len, ==, 2);
  source = verval_household_get_source_list (household)->pdata[1];
  g_assert_cmpint (source->source, ==, VERVAL_SOURCE_DTKS);
  g_assert_cmpstr (source->source_id, ==, verval_household_get_kk (household));
  g_assert_cmpstr (source->file_name, ==, "dtks.csv");
  g_assert_cmpuint (verval_household_get_members (household)->len, >=, 1);
  g_assert_cmpuint (verval_household_get_n_members (household), ==,
                    verval_household_get_members (household)->len);
  head = verval_household_get_members (household)->pdata[0];
  g_assert_true (head->is_head);
  g_assert_cmpstr (head->nik, ==, nik);

  /* A household that is not there. */
  memset (&out, 0, sizeof out);
  verval_household_load_async (f->store, 99999, NULL, on_loaded, &out);
  store_fixture_wait (&out.done);
  g_assert_null (out.result);
  g_assert_error (out.error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND);
  g_error_free (out.error);
}

/* Crash safety: a child process is killed (SIGKILL) in the middle of a big
 * import; the store must be exactly as before the import. */
static char *
crash_dir (void)
{
  return g_strdup_printf ("%s/verval-crash-%d", g_get_tmp_dir (),
                          g_test_subprocess () ? (int) getppid () : (int) getpid ());
}

static void
on_progress_kill (double   fraction,
                  guint    rows,
                  gpointer user_data)
{
  /* Well inside the transaction: rows are written, nothing committed. */
  if (rows >= 2000)
    raise (SIGKILL);
}

static void
on_never (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_assert_not_reached ();
}

static void
test_crash_child (void)
{
  g_autofree char *dir = crash_dir ();
  g_autofree char *big = g_build_filename (dir, "big.csv", NULL);
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (big);
  g_autoptr(GError) error = NULL;

  store = verval_store_open (dir, &error);
  g_assert_no_error (error);
  verval_store_import_async (store, file, on_progress_kill, NULL, NULL, NULL, on_never, NULL);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_crash (void)
{
  g_autofree char *dir = crash_dir ();
  g_autofree char *small = g_build_filename (dir, "small.csv", NULL);
  g_autofree char *big = g_build_filename (dir, "big.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(VervalImportReport) report = NULL;

  store_fixture_rm_rf (dir);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (verval_demo_write_file (small, VERVAL_LISTING_FORMAT_P3KE, 25, 1, &error));
  g_assert_true (verval_demo_write_file (big, VERVAL_LISTING_FORMAT_P3KE, 60000, 2, &error));
  store = verval_store_open (dir, &error);
  g_assert_no_error (error);
  report = store_fixture_import (store, small);
  g_assert_cmpuint (report->imported, ==, 25);
  g_clear_object (&store);

  g_test_trap_subprocess ("/client/store/crash/subprocess", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  store = verval_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (store_fixture_count (store, "SELECT count(*) FROM households"), ==, 25);
  g_assert_cmpint (store_fixture_count (store, "SELECT count(*) FROM household_sources"), ==, 25);
  g_assert_cmpint (store_fixture_count (store, "PRAGMA quick_check = 1"), ==, 0);
  g_clear_object (&store);
  store_fixture_rm_rf (dir);
}

static void
villages_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GPtrArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = verval_store_list_villages_finish (VERVAL_STORE (source), result, &error);
  g_assert_no_error (error);
}

static void
test_villages (Fixture       *f,
               gconstpointer  data)
{
  /* Panji's row lacks its village and kecamatan names: the region table
   * fills them in. */
  static const char listing[] =
    "ID Keluarga P3KE;Kecamatan;Desa_Kelurahan;Kode Kemdagri;Kepala Keluarga;NIK\n"
    "F1;Buleleng;Banyuning;5108061006;Ni Luh Suryani;5108066010900009\n"
    "F2;Buleleng;Banyuning;5108061006;I Made Yasa;5108061211870001\n"
    "F3;;;5108052011;Wayan Sudiarta;5108050202810003\n"
    "F4;Buleleng;Kampung Baru;5108061001;Ketut Nunez;5108060505750005\n"
    "F5;Gerokgak;Pejarakan;5108012001;Kadek Yanti;5108014303950004\n";
  g_autofree char *path = store_fixture_write (f->dir, "list.csv", listing, -1);
  g_autoptr(VervalImportReport) report = store_fixture_import (f->store, path);
  g_autoptr(GPtrArray) villages = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);

  g_assert_cmpuint (report->imported, ==, 5);
  /* The first import into an empty table rebuilt the list index. */
  g_assert_cmpint (store_fixture_count (f->store, "SELECT count(*) FROM sqlite_schema "
                                                  "WHERE name = '" VERVAL_STORE_LIST_INDEX_NAME "'"),
                   ==, 1);

  verval_store_list_villages_async (f->store, NULL, villages_cb, &villages);
  while (villages == NULL)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < villages->len; i++)
    {
      const VervalVillage *v = villages->pdata[i];

      g_string_append_printf (seen, "%s:%s:%s:%s:%u\n", v->kecamatan_code, v->kecamatan_name,
                              v->code, v->name, v->n_households);
    }
  g_assert_cmpstr (seen->str, ==,
                   "510801:Gerokgak:5108012001:Pejarakan:1\n"
                   "510805:Sukasada:5108052011:Panji:1\n"
                   "510806:Buleleng:5108061006:Banyuning:2\n"
                   "510806:Buleleng:5108061001:Kampung Baru:1\n");
}

static void
test_fold (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "Ni Luh SURYANI", "ni luh suryani" },
    { "  José  Pérez-Ñúñez ", "jose perez nunez" },
    { "I Gusti Ngurah Rai, S.Pd.", "i gusti ngurah rai s pd" },
    { "5108061211870001", "5108061211870001" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folded = verval_store_fold_text (cases[i].in);
      g_assert_cmpstr (folded, ==, cases[i].out);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/client/store/migrate/empty", test_migrate_empty);
  g_test_add_func ("/client/store/migrate/each-version", test_migrate_each);
  g_test_add_func ("/client/store/migrate/too-new", test_too_new);
  g_test_add_func ("/client/store/migrate/not-a-database", test_not_a_database);
  ADD ("/client/store/import/reimport", test_import_reimport);
  ADD ("/client/store/import/merge", test_merge);
  ADD ("/client/store/import/merge-dtks-first", test_merge_dtks_first);
  ADD ("/client/store/writer/assigned", test_writer_assigned);
  ADD ("/client/store/import/bad-file", test_bad_file);
  ADD ("/client/store/import/cancel", test_cancel);
  ADD ("/client/store/import/async", test_import_async);
  ADD ("/client/store/import/cancel-midway", test_cancel_midway);
  ADD ("/client/store/run", test_run);
  ADD ("/client/store/household-details", test_household_details);
  g_test_add_func ("/client/store/crash", test_crash);
  g_test_add_func ("/client/store/crash/subprocess", test_crash_child);
  g_test_add_func ("/client/store/fold", test_fold);
  ADD ("/client/store/villages", test_villages);

#undef ADD

  return g_test_run ();
}
