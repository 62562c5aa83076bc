/* test-ui-import.c: importing a list from the window, and from the command line
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "ui-test-utils.h"
#include "verval-application.h"
#include "verval-demo.h"
#include "verval-import-dialog.h"
#include "verval-window.h"

#define N_FAMILIES 40
#define SEED       7
#define BAD_INDEX  17

typedef struct {
  char         *tmp;
  char         *csv;       /* demo list with one NIK mangled by a spreadsheet */
  guint         bad_line;  /* its physical line, 1-based */
  VervalStore  *store;
  GSettings    *settings;
  VervalWindow *window;
} Fixture;

/* Writes the demo list and turns the NIK of one family into what Excel
 * makes of a long number, remembering the line it is on. */
static void
write_list_with_bad_row (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *nik = verval_demo_family_nik (SEED, BAD_INDEX);
  g_auto(GStrv) lines = NULL;
  g_autofree char *joined = NULL;

  g_assert_true (verval_demo_write_file (f->csv, VERVAL_LISTING_FORMAT_P3KE, N_FAMILIES, SEED, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (f->csv, &contents, NULL, &error));
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *at = strstr (lines[i], nik);

      if (at != NULL && f->bad_line == 0)
        {
          g_autofree char *fixed = NULL;

          *at = '\0';
          fixed = g_strconcat (lines[i], "5.10806E+15", at + strlen (nik), NULL);
          g_free (lines[i]);
          lines[i] = g_steal_pointer (&fixed);
          f->bad_line = i + 1;
        }
    }
  g_assert_cmpuint (f->bad_line, >, 0);
  joined = g_strjoinv ("\n", lines);
  g_assert_true (g_file_set_contents (f->csv, joined, -1, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;

  f->tmp = g_dir_make_tmp ("verval-ui-import-XXXXXX", &error);
  g_assert_no_error (error);
  f->csv = g_build_filename (f->tmp, "p3ke-desa.csv", NULL);
  write_list_with_bad_row (f);

  data_dir = g_build_filename (f->tmp, "data", NULL);
  f->store = verval_store_open (data_dir, &error);
  g_assert_no_error (error);
  f->settings = g_settings_new (APPLICATION_ID);
  g_settings_set_int (f->settings, "window-width", 1000);
  g_settings_set_int (f->settings, "window-height", 700);
  f->window = g_object_new (VERVAL_TYPE_WINDOW, "store", f->store, "settings", f->settings, NULL);
  g_object_ref_sink (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
  ui_test_settle ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ui_test_close_window (&f->window);
  g_clear_object (&f->settings);
  verval_store_close (f->store);
  g_clear_object (&f->store);
  ui_test_remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->csv);
}

static gboolean
import_done (gpointer data)
{
  return !verval_import_dialog_get_running (data);
}

static gboolean
window_has_families (gpointer data)
{
  return g_strcmp0 (verval_window_get_state (data), "households") == 0;
}

static void
test_bad_row (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path (f->csv);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  g_autofree char *labels = NULL;
  GtkWindow *dialog;
  VervalHouseholdModel *model;

  g_assert_cmpstr (verval_window_get_state (f->window), ==, "empty");

  dialog = verval_window_import_file (f->window, file);
  g_object_ref (dialog);
  g_assert_true (ui_test_wait_for (import_done, dialog));
  ui_test_settle ();

  /* The report is in the text view the user sees and copies. */
  text = verval_import_dialog_get_report_text (VERVAL_IMPORT_DIALOG (dialog));
  g_test_message ("report:\n%s", text);
  line = g_strdup_printf ("%u", f->bad_line);
  g_assert_nonnull (strstr (text, line));
  g_assert_nonnull (strstr (text, "scientific"));
  {
    g_autoptr(GPtrArray) views = ui_test_find_widgets (GTK_WIDGET (dialog), GTK_TYPE_TEXT_VIEW, TRUE);

    g_assert_cmpuint (views->len, ==, 1);
  }
  labels = ui_test_collect_labels (GTK_WIDGET (dialog));
  g_assert_nonnull (strstr (labels, "Some Rows Refused"));
  ui_test_save_screenshot (GTK_WIDGET (dialog), "import-report");

  /* The good rows are in, and the window left its empty state. */
  g_assert_true (ui_test_wait_for (window_has_families, f->window));
  model = verval_window_get_model (f->window);
  g_assert_cmpuint (verval_household_model_get_n_total (model), ==, N_FAMILIES - 1);

  gtk_window_close (dialog);
  g_object_unref (dialog);
}

static void
test_not_a_list (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmp, "notes.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *text = NULL;
  GtkWindow *dialog;

  g_assert_true (g_file_set_contents (path, "just;some;notes\n1;2;3\n", -1, NULL));
  dialog = verval_window_import_file (f->window, file);
  g_object_ref (dialog);
  g_assert_true (ui_test_wait_for (import_done, dialog));
  ui_test_settle ();

  text = verval_import_dialog_get_report_text (VERVAL_IMPORT_DIALOG (dialog));
  g_assert_cmpstr (text, !=, "");
  g_assert_cmpstr (verval_window_get_state (f->window), ==, "empty");
  g_assert_cmpuint (verval_household_model_get_n_total (verval_window_get_model (f->window)), ==, 0);
  ui_test_save_screenshot (GTK_WIDGET (dialog), "import-refused");

  gtk_window_close (dialog);
  g_object_unref (dialog);
}

static char *
read_stream (FILE *stream)
{
  GString *out = g_string_new (NULL);
  char buf[1024];
  size_t n;

  rewind (stream);
  while ((n = fread (buf, 1, sizeof buf, stream)) > 0)
    g_string_append_len (out, buf, n);
  return g_string_free (out, FALSE);
}

/* `verval --import FILE --data-dir DIR`, the way administrators run it. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *data_dir = g_build_filename (f->tmp, "cli-data", NULL);
  g_autofree char *bad = g_build_filename (f->tmp, "empty.csv", NULL);
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *line = g_strdup_printf ("%u", f->bad_line);
  FILE *out = tmpfile ();
  FILE *err = tmpfile ();
  int status;

  status = verval_application_import_file (data_dir, f->csv, NULL, out, err);
  g_assert_cmpint (status, ==, 0);
  out_text = read_stream (out);
  g_assert_nonnull (strstr (out_text, line));
  g_assert_true (g_file_test (data_dir, G_FILE_TEST_IS_DIR));

  g_assert_true (g_file_set_contents (bad, "", -1, NULL));
  status = verval_application_import_file (data_dir, bad, NULL, out, err);
  g_assert_cmpint (status, !=, 0);
  err_text = read_stream (err);
  g_assert_cmpstr (err_text, !=, "");

  fclose (out);
  fclose (err);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add ("/ui/import/bad-row", Fixture, NULL, fixture_setup, test_bad_row, fixture_teardown);
  g_test_add ("/ui/import/not-a-list", Fixture, NULL, fixture_setup, test_not_a_list, fixture_teardown);
  g_test_add ("/ui/import/cli", Fixture, NULL, fixture_setup, test_cli, fixture_teardown);

  return g_test_run ();
}
