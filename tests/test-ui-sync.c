/* test-ui-sync.c: enrollment, the sync indicator and the Sync page against a real collector
 *
 * The collector is the built verval-collector binary (first argument),
 * spawned on 127.0.0.1 port 0; enumerators, assignments and enrollment
 * codes are made with its own command line, as an administrator would.
 * The second argument is the verval binary, for its --enroll.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "ui-test-utils.h"
#include "ui-test-window.h"
#include "verval-demo.h"
#include "verval-enroll-dialog.h"
#include "verval-sync-indicator.h"
#include "verval-sync-page.h"
#include "verval-window.h"

#define N_FAMILIES 120
#define SEED       20261122

/* One collector for the program; each test enrols its own enumerator. */
static const char *collector_exe;
static const char *verval_exe;
static char *collector_dir;
static char *collector_url;
static GSubprocess *collector;

typedef struct {
  char         *tmp;
  VervalStore  *store;
  VervalSync   *sync;
  GSettings    *settings;
  VervalWindow *window;
  char         *enumerator;
  char         *code;
} Fixture;

typedef struct {
  int width;
  int height;
} FixtureSize;

static const FixtureSize wide = { 1280, 800 };
static const FixtureSize narrow = { 360, 720 };

/* Runs a collector command and returns its standard output. */
static char *
collector_cli (const char *first,
               ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list args;

  g_ptr_array_add (argv, (char *) collector_exe);
  g_ptr_array_add (argv, (char *) first);
  va_start (args, first);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, collector_dir);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("verval-collector %s failed: %s", first, err);
  return g_steal_pointer (&out);
}

static void
start_collector (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GDataInputStream) stdout_lines = NULL;

  collector_dir = g_dir_make_tmp ("verval-ui-sync-XXXXXX", &error);
  g_assert_no_error (error);
  csv = g_build_filename (collector_dir, "p3ke.csv", NULL);
  g_assert_true (verval_demo_write_file (csv, VERVAL_LISTING_FORMAT_P3KE, N_FAMILIES, SEED, &error));
  g_assert_no_error (error);
  out = collector_cli ("import", csv, NULL);
  g_assert_nonnull (strstr (out, "Families:"));

  collector = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                collector_exe, "serve", "--data-dir", collector_dir,
                                "--listen", "127.0.0.1:0", "--quiet", NULL);
  g_assert_no_error (error);
  stdout_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (collector));
  line = g_data_input_stream_read_line_utf8 (stdout_lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on "));
  collector_url = g_strdup (line + strlen ("listening on "));
}

static void
stop_collector (void)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (collector, SIGTERM);
  g_subprocess_wait (collector, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&collector);
  ui_test_remove_tree (collector_dir);
  g_clear_pointer (&collector_dir, g_free);
  g_clear_pointer (&collector_url, g_free);
}

/* The village codes of the generated list, most families first. */
static GPtrArray *
villages_of_list (guint n)
{
  g_autofree char *csv = g_build_filename (collector_dir, "p3ke.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint best_count = 0;

  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], ";", 7);

      if (g_strv_length (cells) >= 6 && strlen (cells[5]) == 10 && g_ascii_isdigit (cells[5][0]))
        {
          guint c = GPOINTER_TO_UINT (g_hash_table_lookup (counts, cells[5]));

          g_hash_table_replace (counts, g_strdup (cells[5]), GUINT_TO_POINTER (c + 1));
        }
    }
  /* Take the n largest, ties broken by code so every run picks the same. */
  while (out->len < n && g_hash_table_size (counts) > 0)
    {
      GHashTableIter iter;
      gpointer key, value;
      const char *best = NULL;

      best_count = 0;
      g_hash_table_iter_init (&iter, counts);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (best == NULL || GPOINTER_TO_UINT (value) > best_count ||
            (GPOINTER_TO_UINT (value) == best_count && strcmp (key, best) < 0))
          {
            best = key;
            best_count = GPOINTER_TO_UINT (value);
          }
      g_ptr_array_add (out, g_strdup (best));
      g_hash_table_remove (counts, best);
    }
  return out;
}

static guint
assigned_count (const char *cli_output)
{
  const char *p = strstr (cli_output, "Assigned ");

  g_assert_nonnull (p);
  return (guint) g_ascii_strtoull (p + strlen ("Assigned "), NULL, 10);
}

static char *
issue_code (const char *enumerator)
{
  g_autofree char *out = collector_cli ("enroll-code", enumerator, NULL);
  const char *colon = strstr (out, "): ");
  const char *end;

  g_assert_nonnull (colon);
  colon += 3;
  end = strchr (colon, '\n');
  g_assert_nonnull (end);
  return g_strndup (colon, end - colon);
}

static void
open_window (Fixture           *f,
             const FixtureSize *size)
{
  g_settings_set_int (f->settings, "window-width", size->width);
  g_settings_set_int (f->settings, "window-height", size->height);
  f->window = g_object_new (VERVAL_TYPE_WINDOW,
                            "store", f->store,
                            "sync", f->sync,
                            "settings", f->settings,
                            NULL);
  g_object_ref_sink (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_wait_for (ui_test_window_ready, f->window));
  ui_test_settle ();
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  f->tmp = g_dir_make_tmp ("verval-ui-sync-app-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = verval_store_open (f->tmp, &error);
  g_assert_no_error (error);
  f->sync = verval_sync_new (f->store, NULL);
  /* Retries come quickly: the test waits on outcomes, never on clocks. */
  verval_sync_set_backoff (f->sync, 50, 200);
  verval_sync_set_secret_backend (f->sync, VERVAL_SECRET_FILE);

  f->settings = g_settings_new (APPLICATION_ID);
  g_settings_reset (f->settings, "filter-village");
  g_settings_reset (f->settings, "filter-desil");
  g_settings_reset (f->settings, "filter-visit-state");

  f->enumerator = g_strdup_printf ("Koordinator %u", ++serial);
  out = collector_cli ("enumerator", "add", f->enumerator, NULL);
  g_assert_nonnull (strstr (out, f->enumerator));
  f->code = issue_code (f->enumerator);

  open_window (f, data);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ui_test_close_window (&f->window);
  verval_sync_shutdown (f->sync);
  g_clear_object (&f->sync);
  g_clear_object (&f->settings);
  verval_store_close (f->store);
  g_clear_object (&f->store);
  ui_test_remove_tree (f->tmp);
  g_clear_pointer (&f->tmp, g_free);
  g_clear_pointer (&f->enumerator, g_free);
  g_clear_pointer (&f->code, g_free);
}

static gboolean
dialog_idle (gpointer data)
{
  return !verval_enroll_dialog_get_busy (data);
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Submits url and code; returns the error the dialog shows. */
static char *
enroll_expecting_error (VervalEnrollDialog *dialog,
                        const char         *url,
                        const char         *code)
{
  verval_enroll_dialog_submit (dialog, url, code);
  g_assert_true (ui_test_wait_for (dialog_idle, dialog));
  ui_test_settle ();
  g_assert_nonnull (verval_enroll_dialog_get_error (dialog));
  return g_strdup (verval_enroll_dialog_get_error (dialog));
}

/* Every unused enrollment code expires now (the CLI's shortest is 1 hour). */
static void
expire_codes (void)
{
  g_autofree char *path = g_build_filename (collector_dir, "collector.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE enroll_codes SET expires_at = 1 WHERE used_at IS NULL",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), >, 0);
  sqlite3_close (db);
}

static char *
expected_message (VervalSyncError code)
{
  return verval_sync_message_for_error (code, NULL);
}

static void
test_enroll_errors (Fixture       *f,
                    gconstpointer  data)
{
  VervalEnrollDialog *dialog;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *labels = NULL;

  /* The empty store offers both ways in: the office's server and a list. */
  g_assert_cmpstr (verval_window_get_state (f->window), ==, "empty");
  labels = ui_test_collect_labels (GTK_WIDGET (f->window));
  g_assert_nonnull (strstr (labels, "Connect to Your Office’s Server…"));
  g_assert_nonnull (strstr (labels, "Import a List…"));
  ui_test_save_screenshot (GTK_WIDGET (f->window), "sync-empty-offers-both");

  dialog = VERVAL_ENROLL_DIALOG (verval_window_show_enroll (f->window));
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  ui_test_settle ();

  /* A code the collector does not know. */
  message = enroll_expecting_error (dialog, collector_url, "ZZZZZ-ZZZZZ");
  expected = expected_message (VERVAL_SYNC_ERROR_CODE_REFUSED);
  g_assert_cmpstr (message, ==, expected);
  ui_test_save_screenshot (GTK_WIDGET (dialog), "sync-enroll-wrong-code");
  g_clear_pointer (&message, g_free);
  g_clear_pointer (&expected, g_free);

  /* Plain HTTP off loopback is refused before anything is sent. */
  message = enroll_expecting_error (dialog, "http://collector.example.org/", f->code);
  expected = expected_message (VERVAL_SYNC_ERROR_INSECURE_URL);
  g_assert_cmpstr (message, ==, expected);
  g_clear_pointer (&message, g_free);
  g_clear_pointer (&expected, g_free);

  /* Nothing listens on port 1. */
  message = enroll_expecting_error (dialog, "http://127.0.0.1:1/", f->code);
  g_assert_nonnull (strstr (message, "No server answers at this address"));
  g_clear_pointer (&message, g_free);

  /* A code past its time, as the administrator's database says. */
  expire_codes ();
  message = enroll_expecting_error (dialog, collector_url, f->code);
  expected = expected_message (VERVAL_SYNC_ERROR_CODE_EXPIRED);
  g_assert_cmpstr (message, ==, expected);
  ui_test_save_screenshot (GTK_WIDGET (dialog), "sync-enroll-expired-code");
  g_clear_pointer (&message, g_free);
  g_clear_pointer (&expected, g_free);

  /* Nothing was enrolled by the failures. */
  g_assert_nonnull (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (ui_test_wait_for (pointer_cleared, &dialog));
  g_assert_null (verval_sync_get_collector_url (f->sync));
  g_assert_cmpstr (verval_window_get_state (f->window), ==, "empty");
}

static gboolean
sync_done (gpointer data)
{
  VervalSync *sync = data;

  return !verval_sync_get_running (sync) &&
         (verval_sync_get_state (sync) == VERVAL_SYNC_STATE_DONE ||
          verval_sync_get_state (sync) == VERVAL_SYNC_STATE_PROBLEM);
}

typedef struct {
  VervalWindow *window;
  guint         n_total;
} ListWait;

static gboolean
list_has (gpointer data)
{
  ListWait *wait = data;
  VervalHouseholdModel *model = verval_window_get_model (wait->window);

  return g_strcmp0 (verval_window_get_state (wait->window), "households") == 0 &&
         !verval_household_model_get_loading (model) &&
         verval_household_model_get_n_total (model) == wait->n_total;
}

static gboolean
page_loaded (gpointer data)
{
  return !verval_sync_page_get_loading (data) && verval_sync_page_get_summary (data) != NULL;
}

typedef struct {
  VervalSyncPage *page;
  guint           n_quarantined;
} PageWait;

static gboolean
page_shows_quarantined (gpointer data)
{
  PageWait *wait = data;
  const VervalSyncSummary *s = verval_sync_page_get_summary (wait->page);

  return !verval_sync_page_get_loading (wait->page) && s != NULL &&
         s->n_quarantined == wait->n_quarantined;
}

/* A finished visit the collector must refuse: its answers are empty. */
static char *
add_refusable_visit (Fixture *f)
{
  g_autofree char *uuid = g_uuid_string_random ();
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpint (sqlite3_open_v2 (verval_store_get_db_path (f->store), &db, SQLITE_OPEN_READWRITE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO visits (uuid, household_id, form_id, form_version, answers, "
                                       "  result_code, started_at, finished_at, updated_at, state, revision) "
                                       "SELECT ?1, id, 'verification', 1, '{}', 1, ?2 - 600, ?2, ?2, 'final', 1 "
                                       "FROM households ORDER BY id LIMIT 1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, now);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  verval_store_households_changed (f->store);
  return g_steal_pointer (&uuid);
}

static void
run_sync (Fixture *f)
{
  verval_sync_sync_now (f->sync);
  g_assert_true (ui_test_wait_for (sync_done, f->sync));
  ui_test_settle ();
}

static void
test_loop (Fixture       *f,
           gconstpointer  data)
{
  const FixtureSize *size = data;
  g_autoptr(GPtrArray) villages = villages_of_list (2);
  g_autofree char *out = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *name = NULL;
  VervalEnrollDialog *dialog;
  VervalSyncIndicator *indicator = NULL;
  VervalSyncPage *page = verval_window_get_sync_page (f->window);
  ListWait list_wait = { f->window, 0 };
  PageWait page_wait = { page, 1 };
  const VervalSyncSummary *summary;
  g_autoptr(GPtrArray) buttons = NULL;
  GtkWidget *popover;

  for (guint i = 0; i < villages->len; i++)
    {
      g_clear_pointer (&out, g_free);
      out = collector_cli ("assign", f->enumerator, "--village", g_ptr_array_index (villages, i), NULL);
      list_wait.n_total += assigned_count (out);
    }
  g_assert_cmpuint (list_wait.n_total, >, 0);

  dialog = VERVAL_ENROLL_DIALOG (verval_window_show_enroll (f->window));
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  ui_test_settle ();
  name = g_strdup_printf ("sync-enroll-%d", size->width);
  ui_test_save_screenshot (GTK_WIDGET (dialog), name);

  /* Not enrolled: nothing to sync, no indicator to puzzle over. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (verval_window_get_sync_indicator (f->window))));

  /* The good code: enrolled, first sync, dialog gone, families listed. */
  verval_enroll_dialog_submit (dialog, collector_url, f->code);
  g_assert_true (ui_test_wait_for (pointer_cleared, &dialog));
  g_assert_cmpstr (verval_sync_get_collector_url (f->sync), ==, collector_url);
  g_assert_true (ui_test_wait_for (list_has, &list_wait));
  ui_test_settle ();

  verval_sync_start (f->sync);
  g_assert_true (ui_test_wait_for (sync_done, f->sync));
  ui_test_settle ();
  g_assert_cmpint (verval_sync_get_state (f->sync), ==, VERVAL_SYNC_STATE_DONE);
  indicator = verval_window_get_sync_indicator (f->window);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (indicator)));
  g_assert_true (g_str_has_prefix (verval_sync_indicator_get_label (indicator), "All sent"));
  g_assert_cmpstr (verval_sync_indicator_get_icon_name (indicator), ==, "emblem-ok-symbolic");
  g_clear_pointer (&name, g_free);
  name = g_strdup_printf ("sync-all-sent-%d", size->width);
  ui_test_save_screenshot (GTK_WIDGET (f->window), name);

  /* The popover says it in a sentence and offers Sync now. */
  buttons = ui_test_find_widgets (GTK_WIDGET (indicator), GTK_TYPE_MENU_BUTTON, TRUE);
  g_assert_cmpuint (buttons->len, ==, 1);
  gtk_menu_button_popup (g_ptr_array_index (buttons, 0));
  ui_test_settle ();
  popover = GTK_WIDGET (gtk_menu_button_get_popover (g_ptr_array_index (buttons, 0)));
  g_assert_true (gtk_widget_get_mapped (popover));
  labels = ui_test_collect_labels (popover);
  g_assert_nonnull (strstr (labels, "Your work has reached the office"));
  g_clear_pointer (&name, g_free);
  name = g_strdup_printf ("sync-popover-%d", size->width);
  ui_test_save_screenshot (popover, name);
  gtk_popover_popdown (GTK_POPOVER (popover));
  ui_test_settle ();
  g_clear_pointer (&labels, g_free);

  /* A visit the collector refuses is quarantined; the rest flows on. */
  uuid = add_refusable_visit (f);
  run_sync (f);
  g_assert_cmpuint (verval_sync_get_n_quarantined (f->sync), ==, 1);
  g_assert_cmpint (verval_sync_get_state (f->sync), ==, VERVAL_SYNC_STATE_PROBLEM);
  g_assert_cmpstr (verval_sync_indicator_get_label (indicator), ==, "Problem");

  verval_window_show_sync (f->window);
  g_assert_true (ui_test_wait_for (page_shows_quarantined, &page_wait));
  g_assert_true (ui_test_wait_for (page_loaded, page));
  ui_test_settle ();
  summary = verval_sync_page_get_summary (page);
  g_assert_cmpuint (summary->n_waiting, ==, 0);
  g_assert_cmpuint (summary->problems->len, ==, 1);
  g_assert_cmpstr (((VervalSyncProblem *) g_ptr_array_index (summary->problems, 0))->uuid, ==, uuid);
  g_assert_cmpstr (((VervalSyncProblem *) g_ptr_array_index (summary->problems, 0))->reason, !=, "");
  /* enroll + start + manual, newest first */
  g_assert_cmpuint (verval_sync_page_get_n_log_rows (page), >=, 3);

  labels = ui_test_collect_labels (GTK_WIDGET (page));
  g_assert_nonnull (strstr (labels, "Needs Your Attention"));
  g_assert_nonnull (strstr (labels, ((VervalSyncProblem *) g_ptr_array_index (summary->problems, 0))->reason));
  g_assert_nonnull (strstr (labels, "Recent Attempts"));
  g_assert_nonnull (strstr (labels, "families received"));
  g_assert_nonnull (strstr (labels, collector_url));
  g_clear_pointer (&name, g_free);
  name = g_strdup_printf ("sync-page-%d", size->width);
  ui_test_save_screenshot (GTK_WIDGET (f->window), name);
}

static void
test_indonesian (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *mo = g_build_filename (podir, "id", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *old_locale = g_strdup (setlocale (LC_ALL, NULL));
  g_autofree char *labels = NULL;
  g_autoptr(GPtrArray) villages = villages_of_list (3);
  g_autofree char *out = NULL;
  ListWait list_wait = { NULL, 0 };
  VervalEnrollDialog *dialog;

  if (!g_file_test (mo, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the Indonesian catalogue is not built");
      return;
    }
  if (setlocale (LC_ALL, "id_ID.UTF-8") == NULL)
    {
      g_test_skip ("the id_ID.UTF-8 locale is not generated (build-aux/dev deps does it)");
      return;
    }
  bindtextdomain (GETTEXT_PACKAGE, podir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  out = collector_cli ("assign", f->enumerator, "--village", g_ptr_array_index (villages, 2), NULL);
  list_wait.n_total = assigned_count (out);

  for (guint i = 0; i < 2; i++)
    {
      const FixtureSize *size = i == 0 ? &wide : &narrow;
      g_autofree char *name = NULL;
      g_autofree char *message = NULL;
      g_autofree char *expected = NULL;

      ui_test_close_window (&f->window);
      open_window (f, size);
      list_wait.window = f->window;

      if (i == 0)
        {
          labels = ui_test_collect_labels (GTK_WIDGET (f->window));
          g_assert_nonnull (strstr (labels, "Belum Ada Keluarga"));
          ui_test_save_screenshot (GTK_WIDGET (f->window), "sync-empty-offers-both-id");

          dialog = VERVAL_ENROLL_DIALOG (verval_window_show_enroll (f->window));
          g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
          message = enroll_expecting_error (dialog, collector_url, "ZZZZZ-ZZZZZ");
          expected = expected_message (VERVAL_SYNC_ERROR_CODE_REFUSED);
          g_assert_cmpstr (message, ==, expected);
          ui_test_save_screenshot (GTK_WIDGET (dialog), "sync-enroll-wrong-code-id");
          verval_enroll_dialog_submit (dialog, collector_url, f->code);
          g_assert_true (ui_test_wait_for (pointer_cleared, &dialog));
          verval_sync_start (f->sync);
        }

      g_assert_true (ui_test_wait_for (list_has, &list_wait));
      g_assert_true (ui_test_wait_for (sync_done, f->sync));
      ui_test_settle ();
      name = g_strdup_printf ("sync-list-%d-id", size->width);
      ui_test_save_screenshot (GTK_WIDGET (f->window), name);

      verval_window_show_sync (f->window);
      g_assert_true (ui_test_wait_for (page_loaded, verval_window_get_sync_page (f->window)));
      ui_test_settle ();
      g_clear_pointer (&labels, g_free);
      labels = ui_test_collect_labels (GTK_WIDGET (f->window));
      g_assert_null (strstr (labels, "Recent Attempts"));
      g_assert_nonnull (strstr (labels, "Percobaan Terakhir"));
      g_assert_nonnull (strstr (labels, "Kunjungan di Perangkat Ini"));
      g_clear_pointer (&name, g_free);
      name = g_strdup_printf ("sync-page-%d-id", size->width);
      ui_test_save_screenshot (GTK_WIDGET (f->window), name);
    }

  setlocale (LC_ALL, old_locale);
}

/* Runs the field app's command line; returns its exit status. */
static int
run_verval (char       **out,
            char       **err,
            const char  *first,
            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, (char *) verval_exe);
  g_ptr_array_add (argv, (char *) first);
  va_start (args, first);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

/* An administrator preparing a laptop: enrol headless, then the app opens
 * on the assigned families. */
static void
test_cli_enroll (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) villages = villages_of_list (4);
  g_autofree char *dir = g_build_filename (f->tmp, "laptop", NULL);
  g_autofree char *assigned = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n;

  assigned = collector_cli ("assign", f->enumerator, "--village", g_ptr_array_index (villages, 3), NULL);
  n = assigned_count (assigned);

  g_assert_cmpint (run_verval (&out, &err, "--data-dir", dir, "--enroll", collector_url, "ZZZZZ-ZZZZZ", NULL), ==, 1);
  expected = expected_message (VERVAL_SYNC_ERROR_CODE_REFUSED);
  g_assert_nonnull (strstr (err, expected));
  g_assert_nonnull (strstr (err, "not connected"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A missing code is a usage error, not an attempt. */
  g_assert_cmpint (run_verval (&out, &err, "--data-dir", dir, "--enroll", collector_url, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--enroll URL CODE"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_verval (&out, &err, "--data-dir", dir, "--enroll", collector_url, f->code, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Connected to"));
  g_assert_nonnull (strstr (out, collector_url));

  /* A code works once. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_verval (&out, &err, "--data-dir", dir, "--enroll", collector_url, f->code, NULL), ==, 1);
  g_clear_pointer (&expected, g_free);
  expected = expected_message (VERVAL_SYNC_ERROR_CODE_USED);
  g_assert_nonnull (strstr (err, expected));

  store = verval_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open_v2 (verval_store_get_db_path (store), &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM households WHERE assignment = 'assigned'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, n);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  verval_store_close (store);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Tokens go to a 0600 file in each test's store, never a real keyring. */
  g_setenv ("VERVAL_SECRET_BACKEND", "file", TRUE);
  ui_test_init (&argc, &argv);
  if (argc < 3)
    g_error ("usage: %s VERVAL-COLLECTOR VERVAL", argv[0]);
  collector_exe = argv[1];
  verval_exe = argv[2];
  start_collector ();

  g_test_add ("/ui/sync/enroll-errors", Fixture, &wide, fixture_setup, test_enroll_errors, fixture_teardown);
  g_test_add ("/ui/sync/loop-1280", Fixture, &wide, fixture_setup, test_loop, fixture_teardown);
  g_test_add ("/ui/sync/loop-360", Fixture, &narrow, fixture_setup, test_loop, fixture_teardown);
  g_test_add ("/ui/sync/cli-enroll", Fixture, &wide, fixture_setup, test_cli_enroll, fixture_teardown);
  g_test_add ("/ui/sync/indonesian", Fixture, &wide, fixture_setup, test_indonesian, fixture_teardown);

  status = g_test_run ();
  stop_collector ();
  return status;
}
