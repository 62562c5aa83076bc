/* test-sync-summary.c: the Sync page's counts and refused visits, read from a real store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "store-fixture.h"
#include "verval-demo.h"
#include "verval-store.h"
#include "verval-sync-summary.h"

typedef struct {
  char        *tmp;
  VervalStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autofree char *path = NULL;

  f->tmp = store_fixture_make_tmp ("sync-summary");
  path = g_build_filename (f->tmp, "p3ke.csv", NULL);
  g_assert_true (verval_demo_write_file (path, VERVAL_LISTING_FORMAT_P3KE, 10, 7, &error));
  f->store = verval_store_open (f->tmp, &error);
  g_assert_no_error (error);
  report = store_fixture_import (f->store, path);
  g_assert_cmpuint (report->families, ==, 10);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  verval_store_close (f->store);
  g_clear_object (&f->store);
  store_fixture_rm_rf (f->tmp);
  g_clear_pointer (&f->tmp, g_free);
}

/* household: the n-th household by id (0-based) */
static void
add_visit (Fixture    *f,
           const char *uuid,
           guint       household,
           const char *state,
           gboolean    quarantined,
           const char *sync_error,
           const char *comment,
           gint64      updated_at)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (verval_store_get_db_path (f->store), &db, SQLITE_OPEN_READWRITE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO visits (uuid, household_id, form_id, form_version, "
                                       "  started_at, updated_at, state, quarantined, sync_error, review_comment) "
                                       "SELECT ?1, id, 'verification', 1, ?6, ?6, ?2, ?3, ?4, ?5 "
                                       "FROM households ORDER BY id LIMIT 1 OFFSET ?7",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, quarantined);
  sqlite3_bind_text (stmt, 4, sync_error, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, comment, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, updated_at);
  sqlite3_bind_int (stmt, 7, household);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static VervalSyncSummary *
load (Fixture  *f,
      guint     max_problems,
      GError  **error)
{
  GAsyncResult *result = NULL;
  VervalSyncSummary *summary;

  verval_sync_summary_load_async (f->store, max_problems, NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  summary = verval_sync_summary_load_finish (f->store, result, error);
  g_object_unref (result);
  return summary;
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalSyncSummary) s = load (f, 10, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (s->n_drafts + s->n_waiting + s->n_sent + s->n_quarantined + s->n_sent_back, ==, 0);
  g_assert_cmpuint (s->problems->len, ==, 0);
}

static void
test_counts (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalSyncSummary) s = NULL;
  g_autoptr(VervalSyncSummary) copy = NULL;
  g_autoptr(VervalSyncSummary) limited = NULL;
  VervalSyncProblem *p;

  add_visit (f, "00000000-0000-4000-8000-000000000001", 0, "draft", FALSE, "", "", 100);
  add_visit (f, "00000000-0000-4000-8000-000000000002", 1, "final", FALSE, "", "", 110);
  add_visit (f, "00000000-0000-4000-8000-000000000003", 2, "final", FALSE, "", "", 120);
  add_visit (f, "00000000-0000-4000-8000-000000000004", 3, "sent", FALSE, "", "", 130);
  add_visit (f, "00000000-0000-4000-8000-000000000005", 4, "final", TRUE, "Not assigned to you.", "", 140);
  add_visit (f, "00000000-0000-4000-8000-000000000006", 5, "final", TRUE, "A photo is missing.", "", 150);
  add_visit (f, "00000000-0000-4000-8000-000000000007", 6, "rejected", FALSE, "old error", "Foto rumah buram", 160);

  s = load (f, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->n_drafts, ==, 1);
  g_assert_cmpuint (s->n_waiting, ==, 2);
  g_assert_cmpuint (s->n_sent, ==, 1);
  g_assert_cmpuint (s->n_quarantined, ==, 2);
  g_assert_cmpuint (s->n_sent_back, ==, 1);

  /* Refused first (newest first), then sent back, each with its reason. */
  g_assert_cmpuint (s->problems->len, ==, 3);
  p = g_ptr_array_index (s->problems, 0);
  g_assert_cmpstr (p->uuid, ==, "00000000-0000-4000-8000-000000000006");
  g_assert_false (p->sent_back);
  g_assert_cmpstr (p->reason, ==, "A photo is missing.");
  g_assert_cmpint (p->updated_at, ==, 150);
  g_assert_cmpstr (p->head_name, !=, "");
  p = g_ptr_array_index (s->problems, 1);
  g_assert_cmpstr (p->uuid, ==, "00000000-0000-4000-8000-000000000005");
  p = g_ptr_array_index (s->problems, 2);
  g_assert_true (p->sent_back);
  /* the supervisor's comment, not a stale sync error */
  g_assert_cmpstr (p->reason, ==, "Foto rumah buram");

  copy = verval_sync_summary_copy (s);
  g_assert_cmpuint (copy->problems->len, ==, 3);
  g_assert_cmpstr (((VervalSyncProblem *) g_ptr_array_index (copy->problems, 2))->reason, ==,
                   "Foto rumah buram");

  limited = load (f, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (limited->problems->len, ==, 1);
  g_assert_cmpuint (limited->n_quarantined, ==, 2);
}

static void
test_closed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalSyncSummary) s = NULL;

  verval_store_close (f->store);
  s = load (f, 10, &error);
  g_assert_null (s);
  g_assert_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_CLOSED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/client/sync-summary/empty", Fixture, NULL, fixture_setup, test_empty, fixture_teardown);
  g_test_add ("/client/sync-summary/counts", Fixture, NULL, fixture_setup, test_counts, fixture_teardown);
  g_test_add ("/client/sync-summary/closed", Fixture, NULL, fixture_setup, test_closed, fixture_teardown);

  return g_test_run ();
}
