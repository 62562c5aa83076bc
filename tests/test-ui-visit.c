/* test-ui-visit.c: a whole visit through the widgets, under a display
 *
 * Open a family, start a visit, try to finish it empty (refused, inline
 * messages), fill the built-in form, take a photo from a test pattern,
 * type the location, finish, and check what the store holds.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

#include "fake-geoclue.h"
#include "photo-fixture.h"
#include "ui-test-utils.h"
#include "verval-camera-dialog.h"
#include "verval-household-visits.h"
#include "verval-photo.h"
#include "verval-visit-editor.h"

#define TEST_CAMERA "videotestsrc is-live=true pattern=smpte ! " \
                    "capsfilter caps=video/x-raw,width=640,height=480,framerate=30/1"

typedef struct {
  char                  *dir;
  VervalStore           *store;
  VervalHousehold       *household;
  GtkWindow             *window;
  VervalHouseholdVisits *visits;
  VervalForm            *form;
  gboolean               indonesian;
} Fixture;

static gpointer
insert_household (sqlite3       *db,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  if (!verval_sqlite_exec (db, "INSERT INTO households (head_name, address, village, kecamatan, desil) "
                               "VALUES ('SUKARMI', 'Dusun Kaja RT 002', 'Sukasada', 'Sukasada', 1)",
                           error))
    return NULL;
  return g_memdup2 (&(gint64) { sqlite3_last_insert_rowid (db) }, sizeof (gint64));
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  f->household = verval_household_load_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
household_loaded (gpointer data)
{
  return ((Fixture *) data)->household != NULL;
}

static gboolean
visits_loaded (gpointer data)
{
  Fixture *f = data;

  return !verval_household_visits_get_loading (f->visits) &&
         gtk_widget_get_mapped (GTK_WIDGET (f->visits));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *id = NULL;
  g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *mo = g_build_filename (podir, "id", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  GtkWidget *page;

  /* What coordinators see: Indonesian, when the catalogue and locale exist. */
  if (g_file_test (mo, G_FILE_TEST_EXISTS) && setlocale (LC_ALL, "id_ID.UTF-8") != NULL)
    {
      bindtextdomain (GETTEXT_PACKAGE, podir);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      /* The form's own texts follow the language list, not the locale. */
      g_setenv ("LANGUAGE", "id", TRUE);
      f->indonesian = TRUE;
    }

  f->dir = g_dir_make_tmp ("verval-ui-visit-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = verval_store_open (f->dir, &error);
  g_assert_no_error (error);
  id = verval_store_run_sync (f->store, insert_household, NULL, NULL, &error);
  g_assert_no_error (error);
  verval_household_load_async (f->store, *id, NULL, on_loaded, f);
  g_assert_true (ui_test_wait_for (household_loaded, f));
  f->form = verval_form_new_builtin ("verification", &error);
  g_assert_no_error (error);

  f->window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (f->window, 1280, 800);
  page = adw_preferences_page_new ();
  f->visits = VERVAL_HOUSEHOLD_VISITS (verval_household_visits_new ());
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (f->visits));
  adw_window_set_content (ADW_WINDOW (f->window), page);
  verval_household_visits_set_household (f->visits, f->store, f->household);
  gtk_window_present (f->window);
  g_assert_true (ui_test_wait_for (visits_loaded, f));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  ui_test_settle ();
  g_clear_object (&f->household);
  g_clear_object (&f->form);
  verval_store_close (f->store);
  g_clear_object (&f->store);
  ui_test_remove_tree (f->dir);
  g_free (f->dir);
  setlocale (LC_ALL, "C.UTF-8");
  g_unsetenv ("LANGUAGE");
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WINDOW (window);
    }
  return NULL;
}

static gboolean
editor_shown (gpointer data)
{
  Fixture *f = data;
  VervalVisitEditor *editor = verval_household_visits_get_editor (f->visits);

  return editor != NULL && gtk_widget_get_mapped (GTK_WIDGET (editor));
}

/* A message dialog that has the response id: the confirmation has
 * "finish", the list of problems "show". */
static AdwMessageDialog *
find_message_dialog (const char *response)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (window), response))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_message_dialog (data) != NULL;
}

static AdwMessageDialog *
wait_message_dialog (const char *response)
{
  if (!ui_test_wait_for (message_dialog_shown, (gpointer) response))
    g_error ("no dialog with a “%s” response", response);
  return find_message_dialog (response);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
on_elapsed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean elapsed = FALSE;

  g_timeout_add (ms, on_elapsed, &elapsed);
  g_assert_true (ui_test_wait_for (is_true, &elapsed));
}

static GtkWidget *
field_widget (VervalVisitEditor *editor,
              const char        *field_id)
{
  GtkWidget *widget = verval_visit_editor_get_field_widget (editor, field_id);

  g_assert_nonnull (widget);
  return widget;
}

static void
choose (VervalVisitEditor *editor,
        const char        *field_id,
        guint              index)
{
  g_autoptr(GPtrArray) checks = ui_test_find_widgets (field_widget (editor, field_id),
                                                      GTK_TYPE_CHECK_BUTTON, FALSE);

  g_assert_cmpuint (index, <, checks->len);
  /* Through the row, as a tap would. */
  gtk_widget_activate (gtk_widget_get_ancestor (g_ptr_array_index (checks, index),
                                                ADW_TYPE_ACTION_ROW));
  ui_test_settle ();
}

static void
type_text (VervalVisitEditor *editor,
           const char        *field_id,
           guint              index,
           const char        *text)
{
  g_autoptr(GPtrArray) entries = ui_test_find_widgets (field_widget (editor, field_id),
                                                       ADW_TYPE_ENTRY_ROW, FALSE);

  g_assert_cmpuint (index, <, entries->len);
  gtk_editable_set_text (GTK_EDITABLE (g_ptr_array_index (entries, index)), text);
}

/* The button of a question whose label or icon matches. */
static GtkWidget *
find_button (VervalVisitEditor *editor,
             const char        *field_id,
             const char        *icon_name)
{
  g_autoptr(GPtrArray) contents = ui_test_find_widgets (field_widget (editor, field_id),
                                                        ADW_TYPE_BUTTON_CONTENT, FALSE);

  for (guint i = 0; i < contents->len; i++)
    {
      AdwButtonContent *content = g_ptr_array_index (contents, i);

      if (g_strcmp0 (adw_button_content_get_icon_name (content), icon_name) == 0)
        return gtk_widget_get_ancestor (GTK_WIDGET (content), GTK_TYPE_BUTTON);
    }
  g_assert_not_reached ();
}

typedef struct {
  VervalCameraDialog *dialog;
  const char         *page;
} PageWait;

static gboolean
camera_page_shown (gpointer data)
{
  PageWait *wait = data;

  wait->dialog = VERVAL_CAMERA_DIALOG (find_toplevel (VERVAL_TYPE_CAMERA_DIALOG));
  return wait->dialog != NULL &&
         g_strcmp0 (verval_camera_dialog_get_page (wait->dialog), wait->page) == 0;
}

static gboolean
has_media (gpointer data)
{
  VervalVisitEditor *editor = data;
  VervalVisit *visit = verval_visit_editor_get_visit (editor);

  return verval_visit_get_media (visit)->len > 0 && find_toplevel (VERVAL_TYPE_CAMERA_DIALOG) == NULL;
}

static void
take_photo (VervalVisitEditor *editor,
            const char        *field_id)
{
  PageWait wait = { NULL, "preview" };

  gtk_widget_activate (find_button (editor, field_id, "camera-photo-symbolic"));
  g_assert_true (ui_test_wait_for (camera_page_shown, &wait));
  iterate_for (300);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (wait.dialog), "camera.capture", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (wait.dialog), "camera.use", NULL));
  g_assert_true (ui_test_wait_for (has_media, editor));
}

static gboolean
location_set (gpointer data)
{
  return verval_visit_get_answer (verval_visit_editor_get_visit (data), "location") != NULL;
}

/* Answers a question of the "found" path the way a coordinator might. */
static void
answer (VervalVisitEditor     *editor,
        const VervalFormField *field)
{
  const char *id = field->id;

  switch (field->type)
    {
    case VERVAL_FIELD_SINGLE_CHOICE:
    case VERVAL_FIELD_MULTIPLE_CHOICE:
      choose (editor, id, 0);
      break;
    case VERVAL_FIELD_YES_NO:
      choose (editor, id, 1);
      break;
    case VERVAL_FIELD_NIK:
      type_text (editor, id, 0, "3602041211870001");
      break;
    case VERVAL_FIELD_KK:
      type_text (editor, id, 0, "3602040101090012");
      break;
    case VERVAL_FIELD_INTEGER:
      if (g_str_equal (id, "members"))
        type_text (editor, id, 0, "4");
      else if (g_str_equal (id, "income"))
        type_text (editor, id, 0, "1.250.000");
      else if (g_str_equal (id, "farm_land_area"))
        type_text (editor, id, 0, "300");
      else
        type_text (editor, id, 0, g_str_equal (id, "school_children") ? "2" : "0");
      break;
    case VERVAL_FIELD_DECIMAL:
      type_text (editor, id, 0, "36,5");
      break;
    case VERVAL_FIELD_TEXT:
      if (g_str_equal (id, "phone"))
        type_text (editor, id, 0, "081234567890");
      else if (g_str_equal (id, "head_name"))
        type_text (editor, id, 0, "SUKARMI");
      else
        type_text (editor, id, 0, "Rumah semi permanen, atap bocor di dapur");
      break;
    case VERVAL_FIELD_PHOTO:
      if (field->required)
        take_photo (editor, id);
      break;
    case VERVAL_FIELD_LOCATION:
      {
        g_autoptr(GPtrArray) expanders = ui_test_find_widgets (field_widget (editor, id),
                                                               ADW_TYPE_EXPANDER_ROW, FALSE);

        g_assert_cmpuint (expanders->len, ==, 1);
        adw_expander_row_set_expanded (g_ptr_array_index (expanders, 0), TRUE);
        ui_test_settle ();
      }
      type_text (editor, id, 0, "-8,1123");
      type_text (editor, id, 1, "115.0912 T");
      gtk_widget_activate (find_button (editor, id, "object-select-symbolic"));
      if (!ui_test_wait_for (location_set, editor))
        g_error ("location not set: %s", verval_visit_editor_get_field_message (editor, id));
      break;
    case VERVAL_FIELD_DATE:
    default:
      g_assert_not_reached ();
    }
}

static char *
query_text (Fixture    *f,
            const char *sql)
{
  g_autofree char *path = g_build_filename (f->dir, VERVAL_STORE_DB_NAME, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static gboolean
visit_final (gpointer data)
{
  return verval_visit_get_state (verval_visit_editor_get_visit (data)) == VERVAL_VISIT_STATE_FINAL;
}

static gboolean
editor_gone (gpointer data)
{
  Fixture *f = data;

  return verval_household_visits_get_editor (f->visits) == NULL &&
         !verval_household_visits_get_loading (f->visits);
}

/* Screenshots of the editor at a tablet's landscape and a phone's width. */
static gboolean
is_narrow (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) <= 400;
}

static void
screenshot_both (VervalVisitEditor *editor,
                 const char        *name)
{
  g_autofree char *wide = g_strdup_printf ("visit-editor-1280-%s", name);
  g_autofree char *narrow = g_strdup_printf ("visit-editor-360-%s", name);

  gtk_window_set_default_size (GTK_WINDOW (editor), 1280, 800);
  iterate_for (200);
  ui_test_save_screenshot (GTK_WIDGET (editor), wide);
  gtk_window_set_default_size (GTK_WINDOW (editor), 360, 720);
  g_assert_true (ui_test_wait_for (is_narrow, editor));
  iterate_for (200);
  ui_test_save_screenshot (GTK_WIDGET (editor), narrow);
}

static void
test_full_visit (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(VervalVisit) visit = NULL;
  GPtrArray *sections = verval_form_get_sections (f->form);
  VervalVisitEditor *editor;
  AdwMessageDialog *dialog;
  GListModel *list;
  const VervalVisitMedia *media;

  /* The family has no visit yet. */
  list = verval_household_visits_get_visits (f->visits);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->visits), "visits.start", NULL));
  g_assert_true (ui_test_wait_for (editor_shown, f));
  editor = verval_household_visits_get_editor (f->visits);
  visit = g_object_ref (verval_visit_editor_get_visit (editor));
  g_assert_cmpint (verval_visit_get_state (visit), ==, VERVAL_VISIT_STATE_DRAFT);
  g_assert_cmpstr (verval_visit_editor_get_section (editor), ==, "A");
  /* Until the result is known, only what is always asked is shown. */
  g_assert_cmpuint (verval_visit_editor_get_n_sections (editor), ==, 3);
  text = query_text (f, "SELECT visit_state FROM households");
  g_assert_cmpstr (text, ==, "draft");
  g_clear_pointer (&text, g_free);

  /* Finishing an empty visit is refused with the reasons, inline too. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.finalize", NULL));
  dialog = wait_message_dialog ("finish");
  adw_message_dialog_response (dialog, "finish");
  ui_test_settle ();
  dialog = wait_message_dialog ("show");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "\n• "));
  adw_message_dialog_response (dialog, "close");
  ui_test_settle ();
  g_assert_cmpint (verval_visit_get_state (visit), ==, VERVAL_VISIT_STATE_DRAFT);
  g_assert_nonnull (verval_visit_editor_get_field_message (editor, "result"));
  g_assert_nonnull (verval_visit_editor_get_field_message (editor, "location"));
  screenshot_both (editor, "refused");

  /* Found: the other sections appear. */
  choose (editor, "result", 0);
  g_assert_cmpint (verval_visit_get_result_code (visit), ==, 1);
  g_assert_cmpuint (verval_visit_editor_get_n_sections (editor), ==, 8);
  g_assert_null (verval_visit_editor_get_field_message (editor, "result"));
  g_assert_false (gtk_widget_get_visible (field_widget (editor, "house_present")));

  for (guint i = 0; i < sections->len; i++)
    {
      VervalFormSection *section = g_ptr_array_index (sections, i);

      g_assert_true (verval_visit_editor_show_section (editor, section->id));
      for (guint j = 0; j < section->fields->len; j++)
        {
          const VervalFormField *field = g_ptr_array_index (section->fields, j);

          if (verval_visit_get_answer (visit, field->id) != NULL ||
              !gtk_widget_get_visible (field_widget (editor, field->id)))
            continue;
          answer (editor, field);
          ui_test_settle ();
          if (field->type == VERVAL_FIELD_LOCATION)
            {
              GtkWidget *scroller = gtk_widget_get_ancestor (field_widget (editor, field->id),
                                                             GTK_TYPE_SCROLLED_WINDOW);
              GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

              gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
              iterate_for (200);
              ui_test_save_screenshot (GTK_WIDGET (editor), "visit-editor-360-location");
            }
          /* Skip logic, live: the farm's size is asked of farmers only. */
          if (g_str_equal (field->id, "occupation"))
            g_assert_true (gtk_widget_get_visible (field_widget (editor, "farm_land_area")));
        }
      ui_test_settle ();
      for (guint j = 0; j < section->fields->len; j++)
        {
          const VervalFormField *field = g_ptr_array_index (section->fields, j);
          const VervalFormIssue *issue = NULL;
          g_autoptr(VervalFormResult) result = verval_form_validate (f->form,
                                                                     verval_visit_get_answers (visit),
                                                                     NULL);

          issue = verval_form_result_first_issue (result, field->id);
          if (issue != NULL && issue->severity == VERVAL_SEVERITY_ERROR)
            g_error ("%s: %s", field->id, issue->message);
        }
      if (g_str_equal (section->id, "C") || g_str_equal (section->id, "H"))
        {
          /* Back and forth, as a coordinator checking the page would. */
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.previous", NULL));
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.next", NULL));
          g_assert_cmpstr (verval_visit_editor_get_section (editor), ==, section->id);
          screenshot_both (editor, g_str_equal (section->id, "C") ? "housing" : "photos");
        }
    }
  g_assert_cmpint (json_node_get_int (verval_visit_get_answer (visit, "income")), ==, 1250000);
  g_assert_cmpfloat (json_node_get_double (verval_visit_get_answer (visit, "floor_area")), ==, 36.5);

  /* Finish: saved on disk before the editor says so. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.finalize", NULL));
  dialog = wait_message_dialog ("finish");
  adw_message_dialog_response (dialog, "finish");
  g_assert_true (ui_test_wait_for (visit_final, editor));
  text = query_text (f, "SELECT state || ' ' || revision || ' ' || result_code || ' ' || "
                        "location_source || ' ' || printf ('%.4f', latitude) FROM visits");
  g_assert_cmpstr (text, ==, "final 1 1 manual -8.1123");
  g_clear_pointer (&text, g_free);
  text = query_text (f, "SELECT visit_state FROM households");
  g_assert_cmpstr (text, ==, "final");
  g_clear_pointer (&text, g_free);
  text = query_text (f, "SELECT count(*) || ' ' || group_concat (role) FROM visit_media");
  g_assert_cmpstr (text, ==, "1 house_front");
  g_clear_pointer (&text, g_free);
  text = query_text (f, "SELECT json_extract (answers, '$.head_name') || ' ' || "
                        "json_extract (answers, '$.members') FROM visits");
  g_assert_cmpstr (text, ==, "SUKARMI 4");
  media = g_ptr_array_index (verval_visit_get_media (visit), 0);
  photo = verval_photo_build_path (verval_store_get_media_dir (f->store), media->sha256, FALSE);
  g_assert_true (g_file_test (photo, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (media->width, ==, 640);

  /* Read-only now. */
  g_assert_false (verval_visit_is_editable (visit));
  choose (editor, "tenure", 1);
  g_assert_cmpint (json_node_get_int (verval_visit_get_answer (visit, "tenure")), ==, 1);
  screenshot_both (editor, "finished");

  /* Back on the family: the visit is listed as finished. */
  gtk_window_close (GTK_WINDOW (editor));
  g_assert_true (ui_test_wait_for (editor_gone, f));
  ui_test_settle ();
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  {
    g_autoptr(VervalVisit) listed = g_list_model_get_item (list, 0);

    g_assert_cmpint (verval_visit_get_state (listed), ==, VERVAL_VISIT_STATE_FINAL);
    g_assert_cmpstr (verval_visit_get_uuid (listed), ==, verval_visit_get_uuid (visit));
  }
  labels = ui_test_collect_labels (GTK_WIDGET (f->window));
  /* The form's own labels follow the form's language choice. */
  g_assert_true (strstr (labels, "Ditemukan, data sesuai") != NULL ||
                 strstr (labels, "Found, data correct") != NULL);
  ui_test_save_screenshot (GTK_WIDGET (f->window), "household-visits-1280");
  gtk_window_set_default_size (f->window, 360, 640);
  g_assert_true (ui_test_wait_for (is_narrow, f->window));
  iterate_for (200);
  ui_test_save_screenshot (GTK_WIDGET (f->window), "household-visits-360");
}

static void
test_draft_continues (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = NULL;
  g_autofree char *text = NULL;
  VervalVisitEditor *editor;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->visits), "visits.start", NULL));
  g_assert_true (ui_test_wait_for (editor_shown, f));
  editor = verval_household_visits_get_editor (f->visits);
  visit = g_object_ref (verval_visit_editor_get_visit (editor));
  choose (editor, "result", 2);
  type_text (editor, "note", 0, "Kata tetangga keluarga sudah pindah");

  /* Closing writes what was typed, at once. */
  gtk_window_close (GTK_WINDOW (editor));
  g_assert_true (ui_test_wait_for (editor_gone, f));
  text = query_text (f, "SELECT json_extract (answers, '$.note') FROM visits");
  g_assert_cmpstr (text, ==, "Kata tetangga keluarga sudah pindah");

  /* "Continue draft" opens the same visit, with its answers. */
  g_assert_cmpuint (g_list_model_get_n_items (verval_household_visits_get_visits (f->visits)), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->visits), "visits.start", NULL));
  g_assert_true (ui_test_wait_for (editor_shown, f));
  editor = verval_household_visits_get_editor (f->visits);
  g_assert_cmpstr (verval_visit_get_uuid (verval_visit_editor_get_visit (editor)), ==,
                   verval_visit_get_uuid (visit));
  /* Not found: B–F skip themselves. */
  g_assert_cmpuint (verval_visit_editor_get_n_sections (editor), ==, 3);
  g_assert_true (gtk_widget_get_visible (field_widget (editor, "house_present")));
  screenshot_both (editor, "not-found");
  gtk_window_close (GTK_WINDOW (editor));
  g_assert_true (ui_test_wait_for (editor_gone, f));
}

/* The fix as the store keeps it and the sync reads it. */
static char *
stored_fix (Fixture *f)
{
  return query_text (f, "SELECT location_source || ' ' || printf ('%.4f %.4f', latitude, longitude) || ' ' || "
                        "  coalesce (accuracy, 'unknown') || ' ' || coalesce (altitude, 'unknown') || ' ' || "
                        "  (location_time IS NOT NULL) || ' ' || json_extract (answers, '$.location.source') "
                        "FROM visits");
}

typedef struct {
  Fixture    *f;
  const char *expect;
} StoredWait;

static gboolean
stored_fix_is (gpointer data)
{
  StoredWait *wait = data;
  g_autofree char *text = stored_fix (wait->f);

  return g_strcmp0 (text, wait->expect) == 0;
}

static void
wait_stored_fix (Fixture    *f,
                 const char *expect)
{
  StoredWait wait = { f, expect };

  if (!ui_test_wait_for (stored_fix_is, &wait))
    {
      g_autofree char *seen = stored_fix (f);

      g_error ("stored fix: %s, not %s", seen, expect);
    }
}

static gboolean
photo_button_ready (gpointer data)
{
  return gtk_widget_get_sensitive (find_button (data, "location", "image-x-generic-symbolic"));
}

static void
on_attached (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (verval_visit_store_attach_photo_finish (VERVAL_VISIT_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* The location's buttons write what the sync sends and the collector
 * accepts: the location service's fix through a stand-in GeoClue, then a
 * photo's GPS tags, each with the protocol's name for its source. */
static void
test_location_sources (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(VervalVisitStore) store = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *row = NULL;
  const VervalFormField *field = verval_form_lookup_field (f->form, "location");
  VervalVisitEditor *editor;
  FakeGeoClue *fake;
  ExifData *exif;
  gboolean attached = FALSE;
  double accuracy = 7;

  fake = fake_geoclue_new_bus ();
  if (fake == NULL)
    return;
  fake_geoclue_serve (fake, FALSE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->visits), "visits.start", NULL));
  g_assert_true (ui_test_wait_for (editor_shown, f));
  editor = verval_household_visits_get_editor (f->visits);
  choose (editor, "result", 0);
  g_assert_true (verval_visit_editor_show_section (editor, field->section->id));
  ui_test_settle ();

  /* "Get Location": the service's fix, whole */
  gtk_widget_activate (find_button (editor, "location", "find-location-symbolic"));
  wait_stored_fix (f, "gps -8.1123 115.0912 12.5 35.0 1 gps");
  /* and the row says how good it is and where it came from */
  {
    g_autoptr(GPtrArray) rows = ui_test_find_widgets (field_widget (editor, "location"), ADW_TYPE_ACTION_ROW, FALSE);

    for (guint i = 0; i < rows->len && row == NULL; i++)
      {
        const char *subtitle = adw_action_row_get_subtitle (rows->pdata[i]);

        if (subtitle != NULL && strstr (subtitle, "12 m") != NULL)
          row = g_strdup (subtitle);
      }
    g_assert_nonnull (row);
    g_assert_nonnull (strstr (row, f->indonesian ? "Lokasi perangkat" : "Device location"));
  }

  /* A photo with GPS tags makes "From Photo" usable; it takes the tags */
  photo = g_build_filename (f->dir, "gps.jpg", NULL);
  exif = fixture_exif_new ();
  fixture_exif_set_gps (exif, -8.1131, 115.0507, FALSE);
  fixture_exif_set_rationals (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_H_POSITIONING_ERROR, &accuracy, 1);
  g_free (fixture_write_photo (f->dir, "gps.jpg", 800, 600, 7, exif));
  exif_data_unref (exif);
  store = verval_visit_store_new (f->store);
  verval_visit_store_attach_photo_async (store, verval_visit_editor_get_visit (editor), "photo_house_front",
                                         photo, NULL, on_attached, &attached);
  g_assert_true (ui_test_wait_for (is_true, &attached));
  g_assert_true (ui_test_wait_for (photo_button_ready, editor));
  gtk_widget_activate (find_button (editor, "location", "image-x-generic-symbolic"));
  wait_stored_fix (f, "exif -8.1131 115.0507 7.0 unknown 0 exif");

  gtk_window_close (GTK_WINDOW (editor));
  g_assert_true (ui_test_wait_for (editor_gone, f));
  fake_geoclue_free (fake);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("VERVAL_CAMERA_SOURCE", TEST_CAMERA, TRUE);
  ui_test_init (&argc, &argv);

  g_test_add ("/ui/visit/full", Fixture, NULL, fixture_setup, test_full_visit, fixture_teardown);
  g_test_add ("/ui/visit/draft-continues", Fixture, NULL, fixture_setup, test_draft_continues,
              fixture_teardown);
  g_test_add ("/ui/visit/location-sources", Fixture, NULL, fixture_setup, test_location_sources,
              fixture_teardown);

  return g_test_run ();
}
