/* test-ui-preferences.c: the Preferences window, through the application
 *
 * Each test runs the real VervalApplication on its own data directory, so
 * the settings reach the visit store the way they do in the app. The
 * server tests enrol against the built collector (first argument),
 * spawned on loopback.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <locale.h>
#include <string.h>

#include "photo-fixture.h"
#include "store-fixture.h"
#include "test-sync-util.h"
#include "ui-test-utils.h"
#include "ui-test-window.h"
#include "verval-enroll-dialog.h"
#include "verval-preferences-window.h"
#include "verval-visit-editor.h"
#include "verval-visit-store.h"
#include "verval-window.h"

static const char *collector_exe;

typedef struct {
  int width;
  int height;
} FixtureSize;

static const FixtureSize wide = { 1280, 800 };
static const FixtureSize narrow = { 360, 720 };

typedef struct {
  char              *tmp;
  VervalApplication *app;
  GSettings         *settings;
  VervalWindow      *window;
  VervalStore       *store;
  VervalVisitStore  *visits;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const FixtureSize *size = data != NULL ? data : &wide;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *app_id = NULL;
  static guint serial;

  f->tmp = g_dir_make_tmp ("verval-ui-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  dir = g_build_filename (f->tmp, "data", NULL);

  f->app = verval_application_new ();
  /* Tests run side by side: none may become another's remote, and each
   * exports its own objects on the bus. */
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE);
  app_id = g_strdup_printf ("%s.Test%u", APPLICATION_ID, ++serial);
  g_application_set_application_id (G_APPLICATION (f->app), app_id);
  verval_application_set_data_dir (f->app, dir);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_assert_no_error (error);

  f->settings = g_object_ref (verval_application_get_settings (f->app));
  g_settings_reset (f->settings, "photo-max-edge");
  g_settings_reset (f->settings, "location-max-accuracy");
  g_settings_reset (f->settings, "location-max-distance");
  g_settings_reset (f->settings, "filter-village");
  g_settings_reset (f->settings, "filter-desil");
  g_settings_reset (f->settings, "filter-visit-state");
  g_settings_set_int (f->settings, "window-width", size->width);
  g_settings_set_int (f->settings, "window-height", size->height);

  f->window = g_object_ref_sink (verval_window_new (f->app));
  f->store = verval_application_get_store (f->app, &error);
  g_assert_no_error (error);
  f->visits = verval_visit_store_get_default (f->store);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_wait_for (ui_test_window_ready, f->window));
  ui_test_settle ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GList *windows;

  ui_test_close_window (&f->window);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (f->app))) != NULL)
    gtk_window_destroy (windows->data);
  g_clear_object (&f->settings);
  f->store = NULL;
  f->visits = NULL;
  g_clear_object (&f->app);
  ui_test_settle ();
  ui_test_remove_tree (f->tmp);
  g_clear_pointer (&f->tmp, g_free);
}

static VervalPreferencesWindow *
find_preferences (Fixture *f)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    if (VERVAL_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
preferences_mapped (gpointer data)
{
  VervalPreferencesWindow *preferences = find_preferences (data);

  return preferences != NULL && gtk_widget_get_mapped (GTK_WIDGET (preferences));
}

static VervalPreferencesWindow *
open_preferences (Fixture *f)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  g_assert_true (ui_test_wait_for (preferences_mapped, f));
  ui_test_settle ();
  return find_preferences (f);
}

/* The enroll dialog over parent, if one is open. */
static GtkWindow *
find_enroll_dialog (GtkWindow *parent)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (VERVAL_IS_ENROLL_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          gtk_window_get_transient_for (window) == parent)
        return window;
    }
  return NULL;
}

/* The button under root whose label reads text (mnemonic included). */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *text)
{
  g_autoptr(GPtrArray) buttons = ui_test_find_widgets (root, GTK_TYPE_BUTTON, TRUE);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (g_ptr_array_index (buttons, i)), text) == 0)
      return g_ptr_array_index (buttons, i);
  return NULL;
}

/* A tap on a visible, sensitive button (activate would wait for its
 * pressed-look timeout). */
static void
click (GtkWidget  *root,
       const char *text)
{
  GtkWidget *button = find_button (root, text);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The preferences' combo rows, top to bottom: photo size, accuracy, distance. */
static AdwComboRow *
combo_row (VervalPreferencesWindow *preferences,
           guint                    index)
{
  g_autoptr(GPtrArray) rows = ui_test_find_widgets (GTK_WIDGET (preferences), ADW_TYPE_COMBO_ROW, FALSE);

  g_assert_cmpuint (rows->len, ==, 3);
  return g_ptr_array_index (rows, index);
}

/* Chooses the item of row labelled text, as a tap in its popover would. */
static void
choose (AdwComboRow *row,
        const char  *text)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), text) == 0)
      {
        adw_combo_row_set_selected (row, i);
        ui_test_settle ();
        return;
      }
  g_error ("No choice “%s”", text);
}

static const char *
chosen (AdwComboRow *row)
{
  return gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (row)),
                                     adw_combo_row_get_selected (row));
}

/* Whether a menu (or one of its sections) has an item for action. */
static gboolean
menu_has_action (GMenuModel *menu,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) &&
          g_strcmp0 (name, action) == 0)
        return TRUE;
      if (section != NULL && menu_has_action (section, action))
        return TRUE;
    }
  return FALSE;
}

static void
save_screenshots (VervalPreferencesWindow *preferences,
                  const char              *name)
{
  static const FixtureSize sizes[] = { { 1280, 800 }, { 360, 720 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *file = g_strdup_printf ("preferences-%s-%d", name, sizes[i].width);

      gtk_window_set_default_size (GTK_WINDOW (preferences), sizes[i].width, sizes[i].height);
      ui_test_settle ();
      ui_test_save_screenshot (GTK_WIDGET (preferences), file);
    }
}

static void
test_open (Fixture       *f,
           gconstpointer  data)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.preferences");
  VervalPreferencesWindow *preferences;
  g_autofree char *labels = NULL;

  g_autoptr(GPtrArray) menu_buttons = ui_test_find_widgets (GTK_WIDGET (f->window), GTK_TYPE_MENU_BUTTON, TRUE);

  g_assert_nonnull (accels);
  g_assert_cmpstr (accels[0], ==, "<Control>comma");
  /* The main menu offers it. */
  g_assert_cmpuint (menu_buttons->len, >, 0);
  g_assert_true (menu_has_action (gtk_menu_button_get_menu_model (g_ptr_array_index (menu_buttons, 0)),
                                  "app.preferences"));

  preferences = open_preferences (f);
  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (preferences)) == GTK_WINDOW (f->window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (preferences)));

  /* Not enrolled: says so and offers the way in. */
  labels = ui_test_collect_labels (GTK_WIDGET (preferences));
  g_assert_nonnull (strstr (labels, "Not connected"));
  g_assert_nonnull (find_button (GTK_WIDGET (preferences), "_Connect…"));
  g_assert_null (find_button (GTK_WIDGET (preferences), "_Switch Server…"));

  /* The defaults, as the rows show them. */
  g_assert_cmpstr (chosen (combo_row (preferences, 0)), ==, "1600 px");
  g_assert_cmpstr (chosen (combo_row (preferences, 1)), ==, "50 m");
  g_assert_cmpstr (chosen (combo_row (preferences, 2)), ==, "1 km");

  /* Asking again brings the same window forward. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  ui_test_settle ();
  g_assert_true (find_preferences (f) == preferences);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (f->app))), ==, 2);

  save_screenshots (preferences, "not-enrolled");

  /* Connect… is the main window's enrollment, over Preferences. */
  click (GTK_WIDGET (preferences), "_Connect…");
  ui_test_settle ();
  g_assert_nonnull (find_enroll_dialog (GTK_WINDOW (preferences)));
}

/* A value set outside the window (gsettings, an administrator) shows as
 * it is, not as the nearest choice. */
static void
test_other_value (Fixture       *f,
                  gconstpointer  data)
{
  VervalPreferencesWindow *preferences;

  g_settings_set_uint (f->settings, "location-max-distance", 1500);
  preferences = open_preferences (f);
  g_assert_cmpstr (chosen (combo_row (preferences, 2)), ==, "1.5 km");
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (combo_row (preferences, 2))), ==, 6);

  choose (combo_row (preferences, 2), "2 km");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "location-max-distance"), ==, 2000);
  g_settings_set_uint (f->settings, "location-max-distance", 500);
  ui_test_settle ();
  g_assert_cmpstr (chosen (combo_row (preferences, 2)), ==, "500 m");
}

typedef struct {
  GObject      *source;
  GAsyncResult *result;
} AsyncWait;

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
async_finished (gpointer data)
{
  return ((AsyncWait *) data)->result != NULL;
}

static VervalVisit *
start_visit (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { NULL, NULL };
  VervalVisit *visit;
  gint64 id;

  store_fixture_exec (f->store, "INSERT INTO households (head_name, address, village, kecamatan, desil) "
                                "VALUES ('SUKARMI', 'Dusun Kaja RT 002', 'Sukasada', 'Sukasada', 1)");
  id = store_fixture_count (f->store, "SELECT max (id) FROM households");
  verval_visit_store_start_async (f->visits, id, "verification", NULL, async_done, &wait);
  g_assert_true (ui_test_wait_for (async_finished, &wait));
  visit = verval_visit_store_start_finish (f->visits, wait.result, &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  return visit;
}

/* A 3000×2000 camera JPEG attached to the visit; checks the stored file. */
static void
attach_photo (Fixture     *f,
              VervalVisit *visit,
              const char  *field_id,
              guint        seed,
              guint        expect_width,
              guint        expect_height)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *rgb = fixture_scene (3000, 2000, seed);
  g_autoptr(GBytes) jpeg = fixture_jpeg (rgb, 3000, 2000, 92, NULL);
  g_autofree char *name = g_strdup_printf ("camera-%u.jpg", seed);
  g_autofree char *source = g_build_filename (f->tmp, name, NULL);
  g_autofree char *stored = NULL;
  const VervalVisitMedia *media;
  AsyncWait wait = { NULL, NULL };
  int width = 0, height = 0;

  g_assert_true (g_file_set_contents (source, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &error));
  g_assert_no_error (error);
  verval_visit_store_attach_photo_async (f->visits, visit, field_id, source, NULL, async_done, &wait);
  g_assert_true (ui_test_wait_for (async_finished, &wait));
  media = verval_visit_store_attach_photo_finish (f->visits, wait.result, &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);

  g_assert_cmpuint (media->width, ==, expect_width);
  g_assert_cmpuint (media->height, ==, expect_height);
  /* The file on disk, read back, not what the import said. */
  stored = verval_photo_build_path (verval_store_get_media_dir (f->store), media->sha256, FALSE);
  g_assert_nonnull (gdk_pixbuf_get_file_info (stored, &width, &height));
  g_assert_cmpint (width, ==, expect_width);
  g_assert_cmpint (height, ==, expect_height);
}

static void
test_photo_size (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  VervalPreferencesWindow *preferences = open_preferences (f);
  AdwComboRow *row = combo_row (preferences, 0);

  attach_photo (f, visit, "photo_house_front", 1, 1600, 1067);

  choose (row, "1280 px");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "photo-max-edge"), ==, 1280);
  g_assert_cmpuint (verval_visit_store_get_photo_options (f->visits)->max_edge, ==, 1280);
  attach_photo (f, visit, "photo_house_front", 2, 1280, 853);

  choose (row, "2048 px");
  attach_photo (f, visit, "photo_inside", 3, 2048, 1365);

  /* Quality and thumbnails do not follow. */
  g_assert_cmpuint (verval_visit_store_get_photo_options (f->visits)->quality, ==, VERVAL_PHOTO_DEFAULT_QUALITY);
  g_assert_cmpuint (verval_visit_store_get_photo_options (f->visits)->thumb_edge, ==,
                    VERVAL_PHOTO_DEFAULT_THUMB_EDGE);
}

static void
set_answers (VervalVisit *visit,
             double       latitude,
             double       longitude,
             double       accuracy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = json_node_new (JSON_NODE_VALUE);
  g_autoptr(VervalLocationFix) fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_MANUAL, latitude, longitude,
                                                              accuracy, NULL);
  g_autoptr(JsonNode) location = verval_location_fix_to_answer (fix);

  json_node_set_int (result, 1);
  g_assert_true (verval_visit_set_answer (visit, "result", result, &error));
  g_assert_no_error (error);
  g_assert_true (verval_visit_set_answer (visit, "location", location, &error));
  g_assert_no_error (error);
}

typedef struct {
  VervalVisitEditor *editor;
  const char        *expect;   /* a part of the message, or NULL for none */
} MessageWait;

static gboolean
message_is (gpointer data)
{
  MessageWait *wait = data;
  const char *message = verval_visit_editor_get_field_message (wait->editor, "location");

  if (wait->expect == NULL)
    return message == NULL;
  return message != NULL && strstr (message, wait->expect) != NULL;
}

static void
test_location (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(VervalVisit) visit = start_visit (f);
  VervalLocationReference house = { VERVAL_LOCATION_REFERENCE_HOUSEHOLD, -8.1123, 115.0912 };
  VervalPreferencesWindow *preferences;
  VervalVisitEditor *editor;
  MessageWait wait = { NULL, NULL };

  editor = verval_visit_editor_new (GTK_WINDOW (f->window), f->visits, visit, "SUKARMI");
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  gtk_window_present (GTK_WINDOW (editor));
  verval_visit_editor_set_location_reference (editor, &house);
  wait.editor = editor;

  /* 0.0135° of latitude is 1.5 km: farther than the default 1 km. */
  set_answers (visit, -8.1123 - 0.0135, 115.0912, 10);
  wait.expect = "from the household’s known location";
  g_assert_true (ui_test_wait_for (message_is, &wait));
  g_assert_nonnull (strstr (verval_visit_editor_get_field_message (editor, "location"), "more than 1.0 km"));

  /* 2 km allowed: the same fix is fine, while the visit stays open. */
  preferences = open_preferences (f);
  choose (combo_row (preferences, 2), "2 km");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "location-max-distance"), ==, 2000);
  wait.expect = NULL;
  g_assert_true (ui_test_wait_for (message_is, &wait));
  /* The village fallback follows: five times as far. */
  g_assert_cmpfloat (verval_visit_store_get_location_check_options (f->visits)->max_village_distance_m, ==, 10000);

  choose (combo_row (preferences, 2), "500 m");
  wait.expect = "from the household’s known location";
  g_assert_true (ui_test_wait_for (message_is, &wait));

  /* Accuracy: 40 m passes the default 50 m, not a stricter 30 m. */
  choose (combo_row (preferences, 2), "2 km");
  set_answers (visit, -8.1123, 115.0912, 40);
  wait.expect = NULL;
  g_assert_true (ui_test_wait_for (message_is, &wait));
  choose (combo_row (preferences, 1), "30 m");
  wait.expect = "more than 30 m";
  g_assert_true (ui_test_wait_for (message_is, &wait));

  gtk_window_destroy (GTK_WINDOW (preferences));
  gtk_window_destroy (GTK_WINDOW (editor));
  while (editor != NULL)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
enrolled_and_shown (gpointer data)
{
  VervalPreferencesWindow *preferences = data;
  g_autofree char *labels = ui_test_collect_labels (GTK_WIDGET (preferences));

  return strstr (labels, "Ni Luh Putu") != NULL && find_button (GTK_WIDGET (preferences), "_Switch Server…") != NULL;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
test_server (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SyncCollector) collector = sync_collector_new (collector_exe, 3);
  g_autofree char *code = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *name = NULL;
  VervalPreferencesWindow *preferences;
  GtkWindow *dialog;
  VervalSync *sync = verval_application_get_sync (f->app);

  sync_collector_start (collector);
  code = sync_collector_issue_code (collector);

  preferences = open_preferences (f);
  click (GTK_WIDGET (preferences), "_Connect…");
  ui_test_settle ();
  dialog = find_enroll_dialog (GTK_WINDOW (preferences));
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  verval_enroll_dialog_submit (VERVAL_ENROLL_DIALOG (dialog), collector->url, code);
  /* The dialog closes itself once enrolled and the first sync ran. */
  g_assert_true (ui_test_wait_for (pointer_cleared, &dialog));
  g_assert_cmpstr (verval_sync_get_collector_url (sync), ==, collector->url);

  g_assert_true (ui_test_wait_for (enrolled_and_shown, preferences));
  ui_test_settle ();
  labels = ui_test_collect_labels (GTK_WIDGET (preferences));
  g_assert_nonnull (strstr (labels, collector->url));
  g_assert_nonnull (strstr (labels, g_get_host_name ()));
  g_assert_null (strstr (labels, "Not connected"));
  /* The first sync ran with the enrollment. */
  g_assert_cmpint (verval_sync_get_last_success (sync), >, 0);
  g_assert_null (strstr (labels, "Not yet"));
  g_assert_nonnull (strstr (labels, "Today "));

  name = g_strdup_printf ("enrolled");
  save_screenshots (preferences, name);

  /* Switch Server… opens the same enrollment, over Preferences. */
  click (GTK_WIDGET (preferences), "_Switch Server…");
  ui_test_settle ();
  dialog = find_enroll_dialog (GTK_WINDOW (preferences));
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  ui_test_save_screenshot (GTK_WIDGET (dialog), "preferences-switch-server");
  gtk_window_destroy (dialog);
  g_assert_true (ui_test_wait_for (pointer_cleared, &dialog));

  verval_sync_shutdown (sync);
  sync_collector_stop (collector);
}

/* What coordinators read: the whole window in Indonesian. */
static void
test_indonesian (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *old_locale = NULL;
  g_autofree char *labels = NULL;
  VervalPreferencesWindow *preferences;

  if (!ui_test_use_indonesian (&old_locale))
    return;

  preferences = open_preferences (f);
  labels = ui_test_collect_labels (GTK_WIDGET (preferences));
  g_assert_nonnull (strstr (labels, "Sisi terpanjang foto"));
  g_assert_nonnull (strstr (labels, "Belum tersambung"));
  g_assert_nonnull (strstr (labels, "Peringatan Lokasi"));
  g_assert_nonnull (find_button (GTK_WIDGET (preferences), "_Sambungkan…"));
  save_screenshots (preferences, "indonesian");

  setlocale (LC_ALL, old_locale);
}

int
main (int   argc,
      char *argv[])
{
  /* Tokens go to a 0600 file in each test's store, never a real keyring. */
  g_setenv ("VERVAL_SECRET_BACKEND", "file", TRUE);
  ui_test_init (&argc, &argv);
  if (argc < 2)
    g_error ("usage: %s VERVAL-COLLECTOR", argv[0]);
  collector_exe = argv[1];

  g_test_add ("/ui/preferences/open", Fixture, &wide, fixture_setup, test_open, fixture_teardown);
  g_test_add ("/ui/preferences/other-value", Fixture, &wide, fixture_setup, test_other_value, fixture_teardown);
  g_test_add ("/ui/preferences/photo-size", Fixture, &wide, fixture_setup, test_photo_size, fixture_teardown);
  g_test_add ("/ui/preferences/location", Fixture, &narrow, fixture_setup, test_location, fixture_teardown);
  g_test_add ("/ui/preferences/server", Fixture, &wide, fixture_setup, test_server, fixture_teardown);
  g_test_add ("/ui/preferences/indonesian", Fixture, &wide, fixture_setup, test_indonesian, fixture_teardown);

  return g_test_run ();
}
