/* test-visit.c: visit life cycle: drafts, autosave, photos, finalize, revisions
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "photo-fixture.h"
#include "verval-photo.h"
#include "verval-visit-store.h"

typedef struct {
  char             *dir;
  VervalStore      *store;
  VervalVisitStore *visits;
  gint64            household_id;
  guint             households_changed;
  guint             saved;
  GAsyncResult     *result;
} Fixture;

static gpointer
insert_household (sqlite3       *db,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  if (!verval_sqlite_exec (db, "INSERT INTO households (head_name, village) "
                               "VALUES ('SUKARMI', 'Sukasada')", error))
    return NULL;
  return g_memdup2 (&(gint64) { sqlite3_last_insert_rowid (db) }, sizeof (gint64));
}

static void
on_households_changed (VervalStore *store,
                       Fixture     *f)
{
  f->households_changed++;
}

static void
on_saved (VervalVisitStore *visits,
          VervalVisit      *visit,
          const GError     *error,
          Fixture          *f)
{
  g_assert_no_error (error);
  f->saved++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *id = NULL;

  f->dir = g_dir_make_tmp ("verval-visit-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = verval_store_open (f->dir, &error);
  g_assert_no_error (error);
  id = verval_store_run_sync (f->store, insert_household, NULL, NULL, &error);
  g_assert_no_error (error);
  f->household_id = *id;
  f->visits = verval_visit_store_new (f->store);
  verval_visit_store_set_autosave_delay (f->visits, 20);
  g_signal_connect (f->store, "households-changed", G_CALLBACK (on_households_changed), f);
  g_signal_connect (f->visits, "saved", G_CALLBACK (on_saved), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->visits);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (f->store != NULL)
    verval_store_close (f->store);
  g_clear_object (&f->store);
  g_clear_object (&f->result);
  fixture_rm_rf (f->dir);
  g_free (f->dir);
}

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->result);
  f->result = g_object_ref (result);
}

/* Waits for the operation just started with on_result and hands its result over. */
static GAsyncResult *
wait_result (Fixture *f)
{
  while (f->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&f->result);
}

static VervalVisit *
start_visit (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  VervalVisit *visit;

  verval_visit_store_start_async (f->visits, f->household_id, "verification", NULL, on_result, f);
  result = wait_result (f);
  visit = verval_visit_store_start_finish (f->visits, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (visit);
  return visit;
}

static VervalVisit *
load_visit (Fixture    *f,
            const char *uuid,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  verval_visit_store_load_async (f->visits, uuid, NULL, on_result, f);
  result = wait_result (f);
  return verval_visit_store_load_finish (f->visits, result, error);
}

static void
flush (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  verval_visit_store_flush_async (f->visits, NULL, on_result, f);
  result = wait_result (f);
  g_assert_true (verval_visit_store_flush_finish (f->visits, result, &error));
  g_assert_no_error (error);
}

static gboolean
finalize_visit (Fixture           *f,
                VervalVisit       *visit,
                VervalFormResult **issues,
                GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  verval_visit_store_finalize_async (f->visits, visit, NULL, on_result, f);
  result = wait_result (f);
  return verval_visit_store_finalize_finish (f->visits, result, issues, error);
}

static void
set_int (VervalVisit *visit,
         const char  *field,
         gint64       value)
{
  g_autoptr(JsonNode) node = json_node_init_int (json_node_alloc (), value);
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_visit_set_answer (visit, field, node, &error));
  g_assert_no_error (error);
}

static void
set_string (VervalVisit *visit,
            const char  *field,
            const char  *value)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), value);
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_visit_set_answer (visit, field, node, &error));
  g_assert_no_error (error);
}

static void
set_location (VervalVisit *visit)
{
  g_autoptr(VervalLocationFix) fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_MANUAL, -8.1123, 115.0912,
                                                              12, NULL);
  g_autoptr(JsonNode) node = verval_location_fix_to_answer (fix);
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_visit_set_answer (visit, "location", node, &error));
  g_assert_no_error (error);
}

/* A "not found" visit: sections B–F skip themselves. */
static void
fill_not_found (VervalVisit *visit)
{
  g_autoptr(JsonNode) no = json_node_init_boolean (json_node_alloc (), FALSE);
  g_autoptr(GError) error = NULL;

  set_int (visit, "result", 3);
  g_assert_true (verval_visit_set_answer (visit, "house_present", no, &error));
  g_assert_no_error (error);
  set_string (visit, "note", "Menurut kepala dusun keluarga sudah pindah ke Denpasar");
  set_int (visit, "recommendation", 2);
  set_location (visit);
}

/* Reads a column of the visit row through a connection of our own, as a
 * restarted app would see it. */
static char *
query_text (Fixture    *f,
            const char *sql,
            const char *uuid)
{
  g_autofree char *path = g_build_filename (f->dir, VERVAL_STORE_DB_NAME, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (uuid != NULL)
    sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static char *
household_state (Fixture *f)
{
  return query_text (f, "SELECT visit_state FROM households LIMIT 1", NULL);
}

static void
test_start (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = NULL;
  g_autoptr(VervalVisit) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  VervalVisit *missing;

  visit = start_visit (f);
  g_assert_cmpint (verval_visit_get_state (visit), ==, VERVAL_VISIT_STATE_DRAFT);
  g_assert_cmpint (verval_visit_get_revision (visit), ==, 0);
  g_assert_cmpint (verval_visit_get_household_id (visit), ==, f->household_id);
  g_assert_cmpstr (verval_visit_get_form_id (visit), ==, "verification");
  g_assert_cmpint (verval_visit_get_form_version (visit), >=, 1);
  g_assert_true (g_uuid_string_is_valid (verval_visit_get_uuid (visit)));
  g_assert_true (g_uuid_string_is_valid (verval_visit_get_device_id (visit)));
  g_assert_nonnull (verval_visit_get_started (visit));
  g_assert_null (verval_visit_get_finished (visit));
  g_assert_cmpint (verval_visit_get_result_code (visit), ==, -1);
  /* Widgets share one visit store per store (and so one autosave queue). */
  g_assert_true (verval_visit_store_get_default (f->store) == verval_visit_store_get_default (f->store));
  g_assert_true (verval_visit_store_get_store (verval_visit_store_get_default (f->store)) == f->store);

  /* On disk before the callback, and the list knows. */
  state = query_text (f, "SELECT state FROM visits WHERE uuid = ?", verval_visit_get_uuid (visit));
  g_assert_cmpstr (state, ==, "draft");
  g_clear_pointer (&state, g_free);
  state = household_state (f);
  g_assert_cmpstr (state, ==, "draft");
  g_assert_cmpuint (f->households_changed, ==, 1);

  /* A second "Start visit" continues the open draft. */
  again = start_visit (f);
  g_assert_cmpstr (verval_visit_get_uuid (again), ==, verval_visit_get_uuid (visit));
  g_assert_cmpstr (verval_visit_get_device_id (again), ==, verval_visit_get_device_id (visit));
  g_assert_cmpuint (f->households_changed, ==, 1);

  verval_visit_store_start_async (f->visits, f->household_id + 100, "verification", NULL,
                                  on_result, f);
  result = wait_result (f);
  missing = verval_visit_store_start_finish (f->visits, result, &error);
  g_assert_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND);
  g_assert_null (missing);
  g_clear_object (&result);
  g_clear_error (&error);

  verval_visit_store_start_async (f->visits, f->household_id, "no-such-form", NULL, on_result, f);
  result = wait_result (f);
  missing = verval_visit_store_start_finish (f->visits, result, &error);
  g_assert_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_NOT_FOUND);
  g_assert_null (missing);
}

static void
test_autosave (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalVisit) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answers = NULL;
  const char *uuid = verval_visit_get_uuid (visit);

  verval_visit_store_watch (f->visits, visit);
  set_int (visit, "result", 1);
  set_string (visit, "head_name", "S");
  set_string (visit, "head_name", "SU");
  set_string (visit, "head_name", "SUKARMI");
  set_int (visit, "members", 4);
  /* Setting the same value again is no change. */
  set_int (visit, "members", 4);
  g_assert_true (verval_visit_store_has_pending (f->visits, visit));
  g_assert_cmpint (verval_visit_get_result_code (visit), ==, 1);

  /* Nothing written yet: the write is debounced. */
  answers = query_text (f, "SELECT answers FROM visits WHERE uuid = ?", uuid);
  g_assert_cmpstr (answers, ==, "{}");
  g_clear_pointer (&answers, g_free);

  /* The burst becomes one write, without anyone asking. */
  while (f->saved == 0)
    g_main_context_iteration (NULL, TRUE);
  flush (f);
  g_assert_cmpuint (f->saved, ==, 1);
  g_assert_false (verval_visit_store_has_pending (f->visits, visit));

  answers = query_text (f, "SELECT answers FROM visits WHERE uuid = ?", uuid);
  g_assert_nonnull (strstr (answers, "\"SUKARMI\""));
  g_clear_pointer (&answers, g_free);
  answers = query_text (f, "SELECT result_code FROM visits WHERE uuid = ?", uuid);
  g_assert_cmpstr (answers, ==, "1");
  g_clear_pointer (&answers, g_free);

  /* A change, then flush at once (closing the editor): on disk. */
  set_string (visit, "phone", "081234567890");
  flush (f);
  g_assert_cmpuint (f->saved, ==, 2);
  g_assert_cmpint (verval_visit_get_revision (visit), ==, 0);

  /* kill -9 now: the files as they are on disk, the store still open,
   * nothing closed or checkpointed. A copy opens with the draft in it. */
  {
    g_autofree char *crash_dir = g_build_filename (f->dir, "crash", NULL);
    g_autoptr(VervalStore) crashed = NULL;
    g_autoptr(VervalVisitStore) crashed_visits = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(VervalVisit) survivor = NULL;
    const char *suffixes[] = { "", "-wal" };

    g_assert_cmpint (g_mkdir (crash_dir, 0700), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *name = g_strconcat (VERVAL_STORE_DB_NAME, suffixes[i], NULL);
        g_autofree char *from = g_build_filename (f->dir, name, NULL);
        g_autofree char *to = g_build_filename (crash_dir, name, NULL);
        g_autofree char *contents = NULL;
        gsize length;

        if (!g_file_get_contents (from, &contents, &length, NULL))
          continue;
        g_file_set_contents (to, contents, length, &error);
        g_assert_no_error (error);
      }
    crashed = verval_store_open (crash_dir, &error);
    g_assert_no_error (error);
    crashed_visits = verval_visit_store_new (crashed);
    verval_visit_store_load_async (crashed_visits, uuid, NULL, on_result, f);
    result = wait_result (f);
    survivor = verval_visit_store_load_finish (crashed_visits, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_node_get_string (verval_visit_get_answer (survivor, "phone")), ==,
                     "081234567890");
    g_clear_object (&crashed_visits);
    verval_store_close (crashed);
  }

  /* The app closes; the draft is there on restart. */
  verval_visit_store_unwatch (f->visits, visit);
  g_clear_object (&f->visits);
  verval_store_close (f->store);
  g_clear_object (&f->store);
  f->store = verval_store_open (f->dir, &error);
  g_assert_no_error (error);
  f->visits = verval_visit_store_new (f->store);
  loaded = load_visit (f, uuid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (verval_visit_get_state (loaded), ==, VERVAL_VISIT_STATE_DRAFT);
  g_assert_true (json_node_equal (verval_visit_get_answer (loaded, "phone"),
                                  verval_visit_get_answer (visit, "phone")));
  g_assert_cmpstr (json_node_get_string (verval_visit_get_answer (loaded, "head_name")), ==,
                   "SUKARMI");
  g_assert_cmpint (json_node_get_int (verval_visit_get_answer (loaded, "members")), ==, 4);
  g_assert_true (g_date_time_equal (verval_visit_get_started (loaded),
                                    verval_visit_get_started (visit)) ||
                 g_date_time_to_unix (verval_visit_get_started (loaded)) ==
                 g_date_time_to_unix (verval_visit_get_started (visit)));
}

static void
test_finalize_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalFormResult) issues = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;

  /* Found, but nothing of B–F answered and no location. */
  set_int (visit, "result", 1);
  set_string (visit, "head_nik", "3602043211870001");  /* day 32 */
  g_assert_false (finalize_visit (f, visit, &issues, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_INVALID);
  /* The message names the problems, one a line. */
  g_assert_nonnull (strstr (error->message, "\n• "));
  g_assert_nonnull (issues);
  g_assert_true (verval_form_result_has_errors (issues));
  g_assert_nonnull (verval_form_result_first_issue (issues, "location"));
  g_assert_nonnull (verval_form_result_first_issue (issues, "kk_number"));
  g_assert_nonnull (verval_form_result_first_issue (issues, "head_nik"));

  g_assert_cmpint (verval_visit_get_state (visit), ==, VERVAL_VISIT_STATE_DRAFT);
  g_assert_true (verval_visit_is_editable (visit));
  state = query_text (f, "SELECT state FROM visits WHERE uuid = ?", verval_visit_get_uuid (visit));
  g_assert_cmpstr (state, ==, "draft");
}

static void
test_finalize (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalVisit) loaded = NULL;
  g_autoptr(VervalFormResult) issues = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *household = NULL;
  guint changed_before;

  verval_visit_store_watch (f->visits, visit);
  /* Typed while the family seemed found, then corrected to "not found". */
  set_int (visit, "result", 1);
  set_string (visit, "head_name", "SUKARMI");
  fill_not_found (visit);
  changed_before = f->households_changed;

  finalize_visit (f, visit, &issues, &error);
  g_assert_no_error (error);
  g_assert_nonnull (issues);
  g_assert_false (verval_form_result_has_errors (issues));

  g_assert_cmpint (verval_visit_get_state (visit), ==, VERVAL_VISIT_STATE_FINAL);
  g_assert_cmpint (verval_visit_get_revision (visit), ==, 1);
  g_assert_nonnull (verval_visit_get_finished (visit));
  g_assert_false (verval_visit_is_editable (visit));
  /* The hidden answer is gone, in memory and on disk. */
  g_assert_null (verval_visit_get_answer (visit, "head_name"));
  g_assert_cmpint (verval_visit_get_result_code (visit), ==, 3);

  /* Committed before the callback: a fresh connection sees it. */
  text = query_text (f, "SELECT state || ' ' || revision || ' ' || result_code || ' ' || "
                        "location_source || ' ' || (finished_at IS NOT NULL) "
                        "FROM visits WHERE uuid = ?", verval_visit_get_uuid (visit));
  g_assert_cmpstr (text, ==, "final 1 3 manual 1");
  g_clear_pointer (&text, g_free);
  text = query_text (f, "SELECT answers FROM visits WHERE uuid = ?", verval_visit_get_uuid (visit));
  g_assert_null (strstr (text, "SUKARMI"));
  household = household_state (f);
  g_assert_cmpstr (household, ==, "final");
  g_assert_cmpuint (f->households_changed, ==, changed_before + 1);

  loaded = load_visit (f, verval_visit_get_uuid (visit), &error);
  g_assert_no_error (error);
  g_assert_cmpint (verval_visit_get_state (loaded), ==, VERVAL_VISIT_STATE_FINAL);
  g_assert_cmpint (verval_visit_get_revision (loaded), ==, 1);
  g_assert_nonnull (verval_visit_get_finished (loaded));
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalVisit) next = NULL;
  g_autoptr(JsonNode) node = json_node_init_int (json_node_alloc (), 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answers = NULL;
  g_autofree char *after = NULL;
  const char *uuid = verval_visit_get_uuid (visit);

  verval_visit_store_watch (f->visits, visit);
  fill_not_found (visit);
  g_assert_true (finalize_visit (f, visit, NULL, &error));
  g_assert_no_error (error);
  answers = query_text (f, "SELECT answers FROM visits WHERE uuid = ?", uuid);

  g_assert_false (verval_visit_set_answer (visit, "result", node, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_cmpint (verval_visit_get_result_code (visit), ==, 3);

  g_assert_false (finalize_visit (f, visit, NULL, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY);
  g_clear_error (&error);

  verval_visit_store_attach_photo_async (f->visits, visit, "photo_house_front", "/nonexistent.jpg",
                                         NULL, on_result, f);
  result = wait_result (f);
  g_assert_null (verval_visit_store_attach_photo_finish (f->visits, result, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_clear_object (&result);

  /* Only a visit sent back can be reopened. */
  verval_visit_store_reopen_async (f->visits, visit, NULL, on_result, f);
  result = wait_result (f);
  g_assert_false (verval_visit_store_reopen_finish (f->visits, result, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_TRANSITION);
  g_clear_error (&error);

  flush (f);
  after = query_text (f, "SELECT answers FROM visits WHERE uuid = ?", uuid);
  g_assert_cmpstr (after, ==, answers);

  /* The family can be visited again (e.g. nobody was at home): a new draft. */
  next = start_visit (f);
  g_assert_cmpstr (verval_visit_get_uuid (next), !=, uuid);
  g_clear_pointer (&after, g_free);
  after = household_state (f);
  g_assert_cmpstr (after, ==, "draft");
}

typedef struct {
  const char       *uuid;
  VervalVisitState  to;
  gint64            revision;
  const char       *comment;
} StateChange;

static gpointer
change_state_in_thread (sqlite3       *db,
                        gpointer       data,
                        GCancellable  *cancellable,
                        GError       **error)
{
  StateChange *change = data;
  gboolean changed;

  if (!verval_sqlite_exec (db, "BEGIN;", error))
    return NULL;
  changed = verval_visit_store_change_state_in_db (db, change->uuid, change->to, change->revision,
                                                   change->comment, error);
  if (!verval_sqlite_end (db, changed, error) && changed)
    return NULL;
  return GINT_TO_POINTER (changed ? 2 : (error != NULL && *error != NULL ? 0 : 1));
}

/* 2 changed, 1 nothing to do, 0 error */
static int
change_state (Fixture          *f,
              const char       *uuid,
              VervalVisitState  to,
              gint64            revision,
              const char       *comment,
              GError          **error)
{
  StateChange change = { uuid, to, revision, comment };

  return GPOINTER_TO_INT (verval_store_run_sync (f->store, change_state_in_thread, &change,
                                                 NULL, error));
}

static void
test_revision (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalVisit) rejected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *uuid = verval_visit_get_uuid (visit);

  verval_visit_store_watch (f->visits, visit);
  fill_not_found (visit);

  /* A draft cannot jump to sent. */
  g_assert_cmpint (change_state (f, uuid, VERVAL_VISIT_STATE_SENT, 0, NULL, &error), ==, 0);
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_TRANSITION);
  g_clear_error (&error);

  g_assert_true (finalize_visit (f, visit, NULL, &error));
  g_assert_cmpint (verval_visit_get_revision (visit), ==, 1);

  /* An acknowledgement of another revision changes nothing. */
  g_assert_cmpint (change_state (f, uuid, VERVAL_VISIT_STATE_SENT, 7, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (change_state (f, uuid, VERVAL_VISIT_STATE_SENT, 1, NULL, &error), ==, 2);
  g_assert_no_error (error);
  text = household_state (f);
  g_assert_cmpstr (text, ==, "sent");
  g_clear_pointer (&text, g_free);

  g_assert_cmpint (change_state (f, uuid, VERVAL_VISIT_STATE_REJECTED, 1,
                                 "Foto rumah buram, ulangi", &error), ==, 2);
  g_assert_no_error (error);
  text = household_state (f);
  g_assert_cmpstr (text, ==, "rejected");
  g_clear_pointer (&text, g_free);

  rejected = load_visit (f, uuid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (verval_visit_get_state (rejected), ==, VERVAL_VISIT_STATE_REJECTED);
  g_assert_cmpstr (verval_visit_get_review_comment (rejected), ==, "Foto rumah buram, ulangi");
  g_assert_false (verval_visit_is_editable (rejected));

  /* Reopened for correction: a new revision, editable again. */
  verval_visit_store_watch (f->visits, rejected);
  verval_visit_store_reopen_async (f->visits, rejected, NULL, on_result, f);
  result = wait_result (f);
  g_assert_true (verval_visit_store_reopen_finish (f->visits, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (verval_visit_get_state (rejected), ==, VERVAL_VISIT_STATE_DRAFT);
  g_assert_cmpint (verval_visit_get_revision (rejected), ==, 2);
  g_assert_true (verval_visit_is_editable (rejected));

  /* Every change after that is one more. */
  set_string (rejected, "note", "Keluarga pindah ke Denpasar sejak Januari");
  flush (f);
  g_assert_cmpint (verval_visit_get_revision (rejected), ==, 3);
  set_string (rejected, "note", "Keluarga pindah ke Denpasar sejak Januari 2026");
  flush (f);
  g_assert_cmpint (verval_visit_get_revision (rejected), ==, 4);

  /* Finalizing again keeps the revision the collector will get. */
  g_assert_true (finalize_visit (f, rejected, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (verval_visit_get_revision (rejected), ==, 4);
  text = query_text (f, "SELECT state || ' ' || revision FROM visits WHERE uuid = ?", uuid);
  g_assert_cmpstr (text, ==, "final 4");
}

static char *
write_photo (Fixture *f,
             guint    seed)
{
  g_autofree guint8 *rgb = fixture_scene (320, 240, seed);
  g_autoptr(GBytes) jpeg = fixture_jpeg (rgb, 320, 240, 85, NULL);
  g_autofree char *name = g_strdup_printf ("camera-%u.jpg", seed);
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &error);
  g_assert_no_error (error);
  return path;
}

static const VervalVisitMedia *
attach (Fixture     *f,
        VervalVisit *visit,
        const char  *field,
        const char  *path,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  verval_visit_store_attach_photo_async (f->visits, visit, field, path, NULL, on_result, f);
  result = wait_result (f);
  return verval_visit_store_attach_photo_finish (f->visits, result, error);
}

static void
test_photos (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalVisit) loaded = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *front = write_photo (f, 1);
  g_autofree char *inside = write_photo (f, 2);
  g_autofree char *junk = g_build_filename (f->dir, "not-a-photo.jpg", NULL);
  g_autofree char *stored = NULL;
  g_autofree char *count = NULL;
  g_autofree char *sha_front = NULL;
  g_autofree char *sha_inside = NULL;
  g_auto(GStrv) hashes = NULL;
  const VervalVisitMedia *media;
  const char *uuid = verval_visit_get_uuid (visit);

  verval_visit_store_watch (f->visits, visit);
  set_int (visit, "result", 1);

  media = attach (f, visit, "photo_house_front", front, &error);
  g_assert_no_error (error);
  g_assert_nonnull (media);
  sha_front = g_strdup (media->sha256);
  g_assert_cmpstr (media->role, ==, "house_front");
  g_assert_cmpuint (media->width, ==, 320);
  stored = verval_photo_build_path (verval_store_get_media_dir (f->store), sha_front, FALSE);
  g_assert_true (g_file_test (stored, G_FILE_TEST_IS_REGULAR));
  hashes = verval_visit_dup_photos (visit, "photo_house_front");
  g_assert_cmpuint (g_strv_length (hashes), ==, 1);
  g_assert_cmpstr (hashes[0], ==, sha_front);
  count = query_text (f, "SELECT count(*) || ' ' || min (role) FROM visit_media WHERE visit_uuid = ?",
                      uuid);
  g_assert_cmpstr (count, ==, "1 house_front");
  g_clear_pointer (&count, g_free);

  /* The same photo twice is refused and changes nothing. */
  g_assert_null (attach (f, visit, "photo_inside", front, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_cmpuint (verval_visit_get_media (visit)->len, ==, 1);
  g_assert_null (verval_visit_get_answer (visit, "photo_inside"));

  /* A file that is no photo leaves nothing behind. */
  g_file_set_contents (junk, "Kartu Keluarga.pdf", -1, &error);
  g_assert_no_error (error);
  g_assert_null (attach (f, visit, "photo_inside", junk, &error));
  g_assert_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_NOT_IMAGE);
  g_clear_error (&error);
  g_assert_null (verval_visit_get_answer (visit, "photo_inside"));

  /* Not a photo question. */
  g_assert_null (attach (f, visit, "head_name", inside, &error));
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_FIELD);
  g_clear_error (&error);

  media = attach (f, visit, "photo_inside", inside, &error);
  g_assert_no_error (error);
  sha_inside = g_strdup (media->sha256);
  flush (f);
  count = query_text (f, "SELECT count(*) FROM visit_media WHERE visit_uuid = ?", uuid);
  g_assert_cmpstr (count, ==, "2");
  g_clear_pointer (&count, g_free);

  loaded = load_visit (f, uuid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (verval_visit_get_media (loaded)->len, ==, 2);
  g_assert_nonnull (verval_visit_lookup_media (loaded, sha_inside));
  g_clear_object (&loaded);

  /* Removing takes the row and the answer, not the file. */
  verval_visit_store_remove_photo_async (f->visits, visit, sha_front, NULL, on_result, f);
  result = wait_result (f);
  g_assert_true (verval_visit_store_remove_photo_finish (f->visits, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_null (verval_visit_get_answer (visit, "photo_house_front"));
  count = query_text (f, "SELECT group_concat (field_id) FROM visit_media WHERE visit_uuid = ?",
                      uuid);
  g_assert_cmpstr (count, ==, "photo_inside");
  g_clear_pointer (&count, g_free);
  g_assert_true (g_file_test (stored, G_FILE_TEST_IS_REGULAR));

  /* Finalized as "not found": the inside photo's question is hidden, so the
   * photo leaves the visit with it; the house front stays. */
  media = attach (f, visit, "photo_house_front", front, &error);
  g_assert_no_error (error);
  fill_not_found (visit);
  {
    g_autoptr(JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);

    g_assert_true (verval_visit_set_answer (visit, "house_present", yes, &error));
  }
  g_assert_true (finalize_visit (f, visit, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (verval_visit_get_media (visit)->len, ==, 1);
  g_assert_nonnull (verval_visit_lookup_media (visit, sha_front));
  count = query_text (f, "SELECT group_concat (field_id) FROM visit_media WHERE visit_uuid = ?",
                      uuid);
  g_assert_cmpstr (count, ==, "photo_house_front");
}

static gpointer
corrupt_in_thread (sqlite3       *db,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "UPDATE visits SET answers = '{\"result\": 1, ' WHERE uuid = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, data, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return GINT_TO_POINTER (TRUE);
}

static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  g_autoptr(VervalVisit) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answers = NULL;
  GPtrArray *list;

  verval_store_run_sync (f->store, corrupt_in_thread, (gpointer) verval_visit_get_uuid (visit),
                         NULL, &error);
  g_assert_no_error (error);

  again = load_visit (f, verval_visit_get_uuid (visit), &error);
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_CORRUPT);
  g_assert_null (again);
  g_clear_error (&error);

  verval_visit_store_list_async (f->visits, f->household_id, NULL, on_result, f);
  result = wait_result (f);
  list = verval_visit_store_list_finish (f->visits, result, &error);
  g_assert_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_CORRUPT);
  g_assert_null (list);
  g_clear_error (&error);

  /* The bytes are left for someone to rescue. */
  answers = query_text (f, "SELECT answers FROM visits WHERE uuid = ?", verval_visit_get_uuid (visit));
  g_assert_cmpstr (answers, ==, "{\"result\": 1, ");

  g_assert_null (load_visit (f, "00000000-0000-4000-8000-000000000000", &error));
  g_assert_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND);
}

static void
test_list (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(VervalVisit) first = start_visit (f);
  g_autoptr(VervalVisit) second = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  fill_not_found (first);
  g_assert_true (finalize_visit (f, first, NULL, &error));
  g_assert_no_error (error);
  second = start_visit (f);

  verval_visit_store_list_async (f->visits, f->household_id, NULL, on_result, f);
  result = wait_result (f);
  list = verval_visit_store_list_finish (f->visits, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  /* Newest first */
  g_assert_cmpstr (verval_visit_get_uuid (g_ptr_array_index (list, 0)), ==,
                   verval_visit_get_uuid (second));
  g_assert_cmpint (verval_visit_get_state (g_ptr_array_index (list, 1)), ==,
                   VERVAL_VISIT_STATE_FINAL);
}

static gpointer
exec_sql (sqlite3       *db,
          gpointer       sql,
          GCancellable  *cancellable,
          GError       **error)
{
  return verval_sqlite_exec (db, sql, error) ? GINT_TO_POINTER (1) : NULL;
}

static void
run_sql (Fixture    *f,
         const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (verval_store_run_sync (f->store, exec_sql, (gpointer) sql, NULL, &error));
  g_assert_no_error (error);
}

/* A visit row of household id with a fix (accuracy -1: unknown). */
static void
add_located_visit (Fixture *f,
                   gint64   household_id,
                   double   latitude,
                   double   longitude,
                   double   accuracy,
                   gint64   when)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *sql = NULL;
  char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE], acc[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (lat, sizeof lat, latitude);
  g_ascii_dtostr (lon, sizeof lon, longitude);
  g_ascii_dtostr (acc, sizeof acc, accuracy);
  sql = g_strdup_printf ("INSERT INTO visits (uuid, household_id, form_id, form_version, started_at, "
                         "  finished_at, updated_at, latitude, longitude, accuracy, state) "
                         "VALUES ('%s', %" G_GINT64_FORMAT ", 'verification', 1, %" G_GINT64_FORMAT ", "
                         "  %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %s, %s, %s, 'final')",
                         uuid, household_id, when, when, when, lat, lon,
                         accuracy < 0 ? "NULL" : acc);
  run_sql (f, sql);
}

/* Returns whether there is a reference, and it in *reference. */
static gboolean
reference_for (Fixture                 *f,
               VervalVisit             *visit,
               VervalLocationReference *reference)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found;

  verval_visit_store_location_reference_async (f->visits, visit, NULL, on_result, f);
  result = wait_result (f);
  found = verval_visit_store_location_reference_finish (f->visits, result, reference, &error);
  g_assert_no_error (error);
  return found;
}

/* Where a visit should be: the household's own last good fix from another
 * visit, else the middle of at least three of the village's other visits;
 * poor fixes, other villages and the visit itself never count. */
static void
test_location_reference (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  VervalLocationReference reference;
  gint64 first = f->household_id;

  run_sql (f, "UPDATE households SET village_code = '5108062001'");
  run_sql (f, "INSERT INTO households (id, head_name, village_code) VALUES "
              "(101, 'B', '5108062001'), (102, 'C', '5108062001'), (103, 'D', '5108062001'), "
              "(104, 'E', '5108062001'), (201, 'F', '5108062002')");

  /* the visit's own fix says nothing about where it should be */
  verval_visit_store_watch (f->visits, visit);
  set_location (visit);
  flush (f);
  g_assert_cmpint (f->saved, ==, 1);
  g_assert_false (reference_for (f, visit, &reference));

  /* two neighbours are not a village yet; a poor fix and another village never count */
  add_located_visit (f, 101, -8.1000, 115.0900, 10, 1000);
  add_located_visit (f, 102, -8.1020, 115.0940, -1, 1001);
  add_located_visit (f, 104, -7.0000, 114.0000, 500, 1002);
  add_located_visit (f, 201, -8.3000, 115.3000, 5, 1003);
  g_assert_false (reference_for (f, visit, &reference));

  /* the third: the median of the three, coordinate by coordinate */
  add_located_visit (f, 103, -8.1050, 115.0910, 20, 1004);
  g_assert_true (reference_for (f, visit, &reference));
  g_assert_cmpint (reference.kind, ==, VERVAL_LOCATION_REFERENCE_VILLAGE);
  g_assert_cmpfloat_with_epsilon (reference.latitude, -8.1020, 1e-9);
  g_assert_cmpfloat_with_epsilon (reference.longitude, 115.0910, 1e-9);

  /* an earlier visit to this household: its newest good fix wins */
  add_located_visit (f, first, -8.2000, 115.2000, 15, 900);
  add_located_visit (f, first, -8.2100, 115.2100, 8, 950);
  add_located_visit (f, first, -6.0000, 110.0000, 250, 990);
  g_assert_true (reference_for (f, visit, &reference));
  g_assert_cmpint (reference.kind, ==, VERVAL_LOCATION_REFERENCE_HOUSEHOLD);
  g_assert_cmpfloat_with_epsilon (reference.latitude, -8.2100, 1e-9);
  g_assert_cmpfloat_with_epsilon (reference.longitude, 115.2100, 1e-9);
  verval_visit_store_unwatch (f->visits, visit);
}

static void
test_transitions (void)
{
  const VervalVisitState all[] = {
    VERVAL_VISIT_STATE_NONE, VERVAL_VISIT_STATE_DRAFT, VERVAL_VISIT_STATE_FINAL,
    VERVAL_VISIT_STATE_SENT, VERVAL_VISIT_STATE_REJECTED,
  };
  guint allowed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    for (guint j = 0; j < G_N_ELEMENTS (all); j++)
      allowed += verval_visit_state_can_change (all[i], all[j]);
  g_assert_cmpuint (allowed, ==, 4);
  g_assert_true (verval_visit_state_can_change (VERVAL_VISIT_STATE_DRAFT, VERVAL_VISIT_STATE_FINAL));
  g_assert_true (verval_visit_state_can_change (VERVAL_VISIT_STATE_FINAL, VERVAL_VISIT_STATE_SENT));
  g_assert_true (verval_visit_state_can_change (VERVAL_VISIT_STATE_SENT, VERVAL_VISIT_STATE_REJECTED));
  g_assert_true (verval_visit_state_can_change (VERVAL_VISIT_STATE_REJECTED, VERVAL_VISIT_STATE_DRAFT));
  g_assert_false (verval_visit_state_can_change (VERVAL_VISIT_STATE_FINAL, VERVAL_VISIT_STATE_DRAFT));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/visit/transitions", test_transitions);
#define ADD(path, func) \
  g_test_add ("/client/visit/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("start", test_start);
  ADD ("autosave", test_autosave);
  ADD ("finalize-refused", test_finalize_refused);
  ADD ("finalize", test_finalize);
  ADD ("read-only", test_read_only);
  ADD ("revision", test_revision);
  ADD ("photos", test_photos);
  ADD ("corrupt", test_corrupt);
  ADD ("list", test_list);
  ADD ("location-reference", test_location_reference);
#undef ADD

  return g_test_run ();
}
