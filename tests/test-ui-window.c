/* test-ui-window.c: the main window on a store of 10,000 families
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

#include "store-fixture.h"
#include "ui-test-utils.h"
#include "ui-test-window.h"
#include "verval-demo.h"
#include "verval-household-page.h"
#include "verval-household-row.h"
#include "verval-nik.h"
#include "verval-window.h"

/* 10,000 families: a P3KE list and a DTKS list (whose families have members). */
#define N_FAMILIES 10000
#define N_DTKS     300
#define SEED       20261122
#define DTKS_SEED  20261123

/* One store of 10,000 families for the whole program: the tests only read it. */
static char *shared_dir;
static VervalStore *shared_store;

typedef struct {
  char         *tmp;    /* this test's own directory, for an empty store */
  VervalStore  *store;
  GSettings    *settings;
  VervalWindow *window;
} Fixture;

typedef struct {
  int      width;
  int      height;
  gboolean empty;
} FixtureSize;

static const FixtureSize wide = { 1280, 800, FALSE };
static const FixtureSize narrow = { 360, 720, FALSE };
static const FixtureSize wide_empty = { 1280, 800, TRUE };

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const FixtureSize *size = data;
  g_autoptr(GError) error = NULL;

  if (size->empty)
    {
      f->tmp = g_dir_make_tmp ("verval-ui-XXXXXX", &error);
      g_assert_no_error (error);
      f->store = verval_store_open (f->tmp, &error);
      g_assert_no_error (error);
    }
  else
    f->store = g_object_ref (shared_store);

  /* GSETTINGS_BACKEND=memory lives as long as the process: start each
   * fixture from the defaults, as a first start would. */
  f->settings = g_settings_new (APPLICATION_ID);
  g_settings_reset (f->settings, "filter-village");
  g_settings_reset (f->settings, "filter-desil");
  g_settings_reset (f->settings, "filter-visit-state");
  g_settings_set_int (f->settings, "window-width", size->width);
  g_settings_set_int (f->settings, "window-height", size->height);

  f->window = g_object_new (VERVAL_TYPE_WINDOW,
                            "store", f->store,
                            "settings", f->settings,
                            NULL);
  g_object_ref_sink (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_wait_for (ui_test_window_ready, f->window));
  ui_test_settle ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ui_test_close_window (&f->window);
  g_clear_object (&f->settings);
  if (f->tmp != NULL)
    verval_store_close (f->store);
  g_clear_object (&f->store);
  ui_test_remove_tree (f->tmp);
  g_clear_pointer (&f->tmp, g_free);
}

/* The households the list view shows right now (mapped rows). */
static GPtrArray *
shown_households (Fixture *f)
{
  g_autoptr(GPtrArray) rows = ui_test_find_widgets (GTK_WIDGET (verval_window_get_list_view (f->window)),
                                                    VERVAL_TYPE_HOUSEHOLD_ROW, TRUE);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      VervalHousehold *h = verval_household_row_get_household (g_ptr_array_index (rows, i));

      if (h != NULL)
        g_ptr_array_add (out, h);
    }
  return out;
}

typedef struct {
  VervalWindow *window;
  const char   *text;
} SearchWait;

static gboolean
search_done (gpointer data)
{
  SearchWait *wait = data;
  VervalHouseholdModel *model = verval_window_get_model (wait->window);

  const char *current = verval_household_model_get_search_text (model);

  /* The model keeps an empty search as NULL. */
  return g_strcmp0 (current != NULL ? current : "", wait->text) == 0
         && !verval_household_model_get_loading (model);
}

static void
type_search (Fixture    *f,
             const char *text)
{
  SearchWait wait = { f->window, text };

  gtk_editable_set_text (verval_window_get_search_entry (f->window), text);
  g_assert_true (ui_test_wait_for (search_done, &wait));
  ui_test_settle ();
}

static void
test_opens (Fixture       *f,
            gconstpointer  data)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(VervalHousehold) first = NULL;
  g_autofree char *labels = NULL;

  g_assert_cmpstr (verval_window_get_state (f->window), ==, "households");
  g_assert_cmpuint (verval_household_model_get_n_total (model), ==, N_FAMILIES);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FAMILIES);
  g_assert_false (adw_leaflet_get_folded (verval_window_get_leaflet (f->window)));

  /* A list view creates rows only for what is on screen, never 10,000. */
  shown = shown_households (f);
  g_assert_cmpuint (shown->len, >, 3);
  g_assert_cmpuint (shown->len, <, 200);

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  labels = ui_test_collect_labels (GTK_WIDGET (verval_window_get_list_view (f->window)));
  g_assert_nonnull (strstr (labels, verval_household_get_head_name (first)));
  /* The NIK is masked in the list: only its last four digits show. */
  if (*verval_household_get_nik (first) != '\0')
    {
      const char *nik = verval_household_get_nik (first);

      g_assert_null (strstr (labels, nik));
      g_assert_nonnull (strstr (labels, nik + strlen (nik) - 4));
    }

  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-1280");
}

static void
assert_all_match (Fixture    *f,
                  const char *needle)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autofree char *folded_needle = verval_household_model_fold_text (needle);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; i < MIN (n, 300); i++)
    {
      g_autoptr(VervalHousehold) h = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autofree char *all = g_strjoin (" ",
                                        verval_household_get_head_name (h),
                                        verval_household_get_nik (h),
                                        verval_household_get_kk (h),
                                        verval_household_get_address (h),
                                        verval_household_get_village_name (h),
                                        NULL);
      g_autofree char *folded = verval_household_model_fold_text (all);

      if (strstr (folded, folded_needle) == NULL)
        g_error ("row %u (%s) does not match “%s”", i, folded, needle);
    }
}

static void
test_search_nik (Fixture       *f,
                 gconstpointer  data)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autofree char *nik = verval_demo_family_nik (SEED, 4321);
  g_autofree char *digits = verval_id_normalize (nik);
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(VervalHousehold) first = NULL;
  gboolean found = FALSE;
  guint n;

  type_search (f, digits);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <, 5);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VervalHousehold) h = g_list_model_get_item (G_LIST_MODEL (model), i);

      found |= g_strcmp0 (verval_household_get_nik (h), digits) == 0;
    }
  g_assert_true (found);

  /* The list view shows exactly the model's rows. */
  shown = shown_households (f);
  g_assert_cmpuint (shown->len, ==, n);
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (verval_household_get_nik (g_ptr_array_index (shown, 0)), ==,
                   verval_household_get_nik (first));

  /* Clearing the search brings everyone back. */
  type_search (f, "");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FAMILIES);
}

static void
test_search_name (Fixture       *f,
                  gconstpointer  data)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autoptr(VervalHousehold) sample = g_list_model_get_item (G_LIST_MODEL (model), 777);
  g_auto(GStrv) words = g_strsplit (verval_household_get_head_name (sample), " ", -1);
  g_autoptr(GPtrArray) shown = NULL;
  const char *word = words[0];
  g_autofree char *part = NULL;
  guint n;

  for (guint i = 1; words[i] != NULL; i++)
    if (strlen (words[i]) > strlen (word))
      word = words[i];
  g_assert_cmpuint (strlen (word), >=, 3);

  /* Part of a name, the way people type it: lower case, a prefix. */
  part = g_utf8_strdown (word, MIN (strlen (word), 5));
  type_search (f, part);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <, N_FAMILIES);
  assert_all_match (f, part);

  shown = shown_households (f);
  g_assert_cmpuint (shown->len, >=, MIN (n, 3));
  for (guint i = 0; i < shown->len; i++)
    {
      g_autofree char *folded = verval_household_model_fold_text (
        verval_household_get_head_name (g_ptr_array_index (shown, i)));
      g_autofree char *place = verval_household_model_fold_text (
        verval_household_get_address (g_ptr_array_index (shown, i)));
      g_autofree char *village = verval_household_model_fold_text (
        verval_household_get_village_name (g_ptr_array_index (shown, i)));

      g_assert_true (strstr (folded, part) != NULL || strstr (place, part) != NULL
                     || strstr (village, part) != NULL);
    }
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-1280-search");

  /* A search that matches nobody says so. */
  type_search (f, "zzqxzzqx");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

static void
test_detail (Fixture       *f,
             gconstpointer  data)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autoptr(VervalHousehold) h = g_list_model_get_item (G_LIST_MODEL (model), 42);
  g_autoptr(GPtrArray) pages = NULL;
  g_autofree char *labels = NULL;

  verval_window_show_household (f->window, h);
  ui_test_settle ();
  ui_test_settle ();

  pages = ui_test_find_widgets (GTK_WIDGET (f->window), ADW_TYPE_PREFERENCES_GROUP, TRUE);
  g_assert_cmpuint (pages->len, >=, 3);
  labels = ui_test_collect_labels (GTK_WIDGET (f->window));
  g_assert_nonnull (strstr (labels, verval_household_get_head_name (h)));
  g_assert_nonnull (strstr (labels, "NIK Check"));
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-1280-detail");
}

static gboolean
regions_loaded (gpointer data)
{
  return g_list_model_get_n_items (adw_combo_row_get_model (data)) > 2;
}

static gboolean
model_idle (gpointer data)
{
  return !verval_household_model_get_loading (data);
}

/* Picks a village in the filter and a decile; every row shown must match. */
static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autoptr(GPtrArray) combos = ui_test_find_widgets (GTK_WIDGET (f->window), ADW_TYPE_COMBO_ROW, FALSE);
  AdwComboRow *region_row, *desil_row;
  const char *code;
  guint n;

  g_assert_cmpuint (combos->len, >=, 3);
  region_row = g_ptr_array_index (combos, 0);
  desil_row = g_ptr_array_index (combos, 1);
  g_assert_true (ui_test_wait_for (regions_loaded, region_row));

  /* 0 is "all", 1 the first kecamatan, 2 its first village. */
  adw_combo_row_set_selected (region_row, 2);
  code = verval_household_model_get_village_code (model);
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 10);
  g_assert_true (ui_test_wait_for (model_idle, model));
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, <, N_FAMILIES);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VervalHousehold) h = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpstr (verval_household_get_village_code (h), ==, code);
    }

  adw_combo_row_set_selected (desil_row, 1);
  g_assert_true (ui_test_wait_for (model_idle, model));
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VervalHousehold) h = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpint (verval_household_get_desil (h), ==, 1);
      g_assert_cmpstr (verval_household_get_village_code (h), ==, code);
    }

  /* The choice is remembered for the next start. */
  g_assert_cmpint (g_settings_get_int (f->settings, "filter-desil"), ==, 1);
  {
    g_autofree char *saved = g_settings_get_string (f->settings, "filter-village");

    g_assert_cmpstr (saved, ==, code);
  }
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.toggle-filters", NULL);
  ui_test_settle ();
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-1280-filters");
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  AdwLeaflet *leaflet = verval_window_get_leaflet (f->window);
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autoptr(VervalHousehold) h = NULL;
  g_autoptr(GPtrArray) shown = NULL;

  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 400);
  g_assert_true (adw_leaflet_get_folded (leaflet));
  /* Folded on the list: the list is the one pane. */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (verval_window_get_list_view (f->window))));
  shown = shown_households (f);
  g_assert_cmpuint (shown->len, >, 3);
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-360");

  /* Opening a family replaces the list with its details. */
  h = g_list_model_get_item (G_LIST_MODEL (model), 5);
  verval_window_show_household (f->window, h);
  ui_test_settle ();
  ui_test_settle ();
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (verval_window_get_list_view (f->window))));
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-360-detail");

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL);
  ui_test_settle ();
  ui_test_settle ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (verval_window_get_list_view (f->window))));
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *labels = NULL;

  g_assert_cmpstr (verval_window_get_state (f->window), ==, "empty");
  labels = ui_test_collect_labels (GTK_WIDGET (f->window));
  g_assert_nonnull (strstr (labels, "No Families Yet"));
  g_assert_nonnull (strstr (labels, "CSV"));
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-empty");
}

static gboolean
window_shows_households (gpointer data)
{
  return ui_test_window_ready (data) && g_strcmp0 (verval_window_get_state (data), "households") == 0;
}

static gboolean
page_shows_refusal (gpointer page)
{
  g_autofree char *labels = ui_test_collect_labels (page);

  return strstr (labels, "bad answers") != NULL;
}

/* A visit the collector refused: the row says so, and the visit filter
 * finds it. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  VervalHouseholdModel *model = verval_window_get_model (f->window);
  g_autoptr(GPtrArray) combos = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(VervalHousehold) h = NULL;
  g_autofree char *csv = g_build_filename (f->tmp, "list.csv", NULL);
  g_autofree char *labels = NULL;
  g_autofree char *saved = NULL;
  AdwComboRow *visit_row;
  GListModel *choices;

  g_assert_true (verval_demo_write_file (csv, VERVAL_LISTING_FORMAT_P3KE, 40, SEED, &error));
  file = g_file_new_for_path (csv);
  report = verval_store_import_sync (f->store, file, NULL, &error);
  g_assert_no_error (error);
  store_fixture_exec (f->store,
                      "INSERT INTO visits (uuid, household_id, form_id, form_version, started_at, "
                      "                    updated_at, state, quarantined, sync_error) "
                      "SELECT 'refused-visit', id, 'form', 1, 0, 0, 'final', 1, 'bad answers' "
                      "FROM households ORDER BY id LIMIT 1");
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'final' WHERE id = "
                                "(SELECT household_id FROM visits WHERE uuid = 'refused-visit')");
  verval_store_households_changed (f->store);
  g_assert_true (ui_test_wait_for (window_shows_households, f->window));
  labels = ui_test_collect_labels (GTK_WIDGET (verval_window_get_list_view (f->window)));
  g_assert_nonnull (strstr (labels, "Refused by the server"));
  g_clear_pointer (&labels, g_free);

  /* The last choice of the visit filter. */
  combos = ui_test_find_widgets (GTK_WIDGET (f->window), ADW_TYPE_COMBO_ROW, FALSE);
  visit_row = g_ptr_array_index (combos, 2);
  choices = adw_combo_row_get_model (visit_row);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices),
                                               g_list_model_get_n_items (choices) - 1),
                   ==, "Refused by the server");
  adw_combo_row_set_selected (visit_row, g_list_model_get_n_items (choices) - 1);
  g_assert_true (ui_test_wait_for (model_idle, model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  h = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (verval_household_get_refused (h));
  saved = g_settings_get_string (f->settings, "filter-visit-state");
  g_assert_cmpstr (saved, ==, "refused");

  ui_test_settle ();
  labels = ui_test_collect_labels (GTK_WIDGET (verval_window_get_list_view (f->window)));
  g_assert_nonnull (strstr (labels, verval_household_get_head_name (h)));
  g_assert_nonnull (strstr (labels, "Refused by the server"));
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-1280-refused");
  g_clear_pointer (&labels, g_free);

  /* The family's page says the same, not "waiting to upload". */
  verval_window_show_household (f->window, h);
  ui_test_settle ();
  ui_test_settle ();
  {
    g_autoptr(GPtrArray) pages = ui_test_find_widgets (GTK_WIDGET (f->window),
                                                       VERVAL_TYPE_HOUSEHOLD_PAGE, TRUE);

    g_assert_cmpuint (pages->len, ==, 1);
    /* The visits group loads on its own; the reason shows once it has. */
    g_assert_true (ui_test_wait_for (page_shows_refusal, g_ptr_array_index (pages, 0)));
    labels = ui_test_collect_labels (g_ptr_array_index (pages, 0));
    g_assert_nonnull (strstr (labels, "Refused by the server"));
    g_assert_null (strstr (labels, "waiting to upload"));
  }
}

/* The app starts in Indonesian on an Indonesian system. */
static void
show_dtks_family (VervalWindow *window)
{
  g_autofree char *nik = verval_demo_family_nik (DTKS_SEED, 3);
  g_autofree char *digits = verval_id_normalize (nik);
  VervalHouseholdModel *model = verval_window_get_model (window);
  g_autoptr(VervalHousehold) h = NULL;
  SearchWait wait = { window, digits };

  gtk_editable_set_text (verval_window_get_search_entry (window), digits);
  g_assert_true (ui_test_wait_for (search_done, &wait));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >=, 1);
  h = g_list_model_get_item (G_LIST_MODEL (model), 0);
  verval_window_show_household (window, h);
  ui_test_settle ();
  ui_test_settle ();
}

static void
test_members (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *labels = NULL;

  show_dtks_family (f->window);
  labels = ui_test_collect_labels (GTK_WIDGET (f->window));
  g_assert_nonnull (strstr (labels, "Member"));
  g_assert_nonnull (strstr (labels, "DTKS"));
  ui_test_save_screenshot (GTK_WIDGET (f->window), "window-1280-dtks-detail");
}

static void
test_indonesian (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *mo = g_build_filename (podir, "id", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *labels = NULL;
  g_autofree char *old_locale = g_strdup (setlocale (LC_ALL, NULL));
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  VervalWindow *window;

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

  window = g_object_new (VERVAL_TYPE_WINDOW, "store", f->store, "settings", settings, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_test_wait_for (ui_test_window_ready, window));
  ui_test_settle ();
  labels = ui_test_collect_labels (GTK_WIDGET (window));
  g_assert_null (strstr (labels, "No Families Yet"));
  g_assert_nonnull (strstr (labels, "Belum Ada Keluarga"));
  ui_test_save_screenshot (GTK_WIDGET (window), "window-empty-id");
  gtk_window_destroy (GTK_WINDOW (window));
  ui_test_settle ();

  /* The full list, filters open, and a DTKS family, on a tablet held upright. */
  g_settings_set_int (settings, "window-width", 360);
  g_settings_set_int (settings, "window-height", 720);
  window = g_object_new (VERVAL_TYPE_WINDOW, "store", shared_store, "settings", settings, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_test_wait_for (ui_test_window_ready, window));
  ui_test_settle ();
  g_clear_pointer (&labels, g_free);
  labels = ui_test_collect_labels (GTK_WIDGET (window));
  g_assert_nonnull (strstr (labels, "keluarga"));
  ui_test_save_screenshot (GTK_WIDGET (window), "window-360-id");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-filters", NULL);
  ui_test_settle ();
  ui_test_save_screenshot (GTK_WIDGET (window), "window-360-filters-id");
  show_dtks_family (window);
  g_clear_pointer (&labels, g_free);
  labels = ui_test_collect_labels (GTK_WIDGET (window));
  g_assert_nonnull (strstr (labels, "Anggota Keluarga"));
  ui_test_save_screenshot (GTK_WIDGET (window), "window-360-dtks-detail-id");
  gtk_window_destroy (GTK_WINDOW (window));
  ui_test_settle ();

  setlocale (LC_ALL, old_locale);
}

static void
make_shared_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(VervalImportReport) dtks_report = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) dtks_file = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *dtks_csv = NULL;
  g_autofree char *data_dir = NULL;

  shared_dir = g_dir_make_tmp ("verval-ui-window-XXXXXX", &error);
  g_assert_no_error (error);
  csv = g_build_filename (shared_dir, "p3ke.csv", NULL);
  g_assert_true (verval_demo_write_file (csv, VERVAL_LISTING_FORMAT_P3KE, N_FAMILIES - N_DTKS, SEED, &error));
  g_assert_no_error (error);
  dtks_csv = g_build_filename (shared_dir, "dtks.csv", NULL);
  g_assert_true (verval_demo_write_file (dtks_csv, VERVAL_LISTING_FORMAT_DTKS, N_DTKS, DTKS_SEED, &error));
  g_assert_no_error (error);

  data_dir = g_build_filename (shared_dir, "data", NULL);
  shared_store = verval_store_open (data_dir, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (csv);
  report = verval_store_import_sync (shared_store, file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, N_FAMILIES - N_DTKS);
  dtks_file = g_file_new_for_path (dtks_csv);
  dtks_report = verval_store_import_sync (shared_store, dtks_file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dtks_report->imported, ==, N_DTKS);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  ui_test_init (&argc, &argv);
  make_shared_store ();

  g_test_add ("/ui/window/opens", Fixture, &wide, fixture_setup, test_opens, fixture_teardown);
  g_test_add ("/ui/window/search-nik", Fixture, &wide, fixture_setup, test_search_nik, fixture_teardown);
  g_test_add ("/ui/window/search-name", Fixture, &wide, fixture_setup, test_search_name, fixture_teardown);
  g_test_add ("/ui/window/detail", Fixture, &wide, fixture_setup, test_detail, fixture_teardown);
  g_test_add ("/ui/window/filters", Fixture, &wide, fixture_setup, test_filters, fixture_teardown);
  g_test_add ("/ui/window/members", Fixture, &wide, fixture_setup, test_members, fixture_teardown);
  g_test_add ("/ui/window/narrow", Fixture, &narrow, fixture_setup, test_narrow, fixture_teardown);
  g_test_add ("/ui/window/empty", Fixture, &wide_empty, fixture_setup, test_empty, fixture_teardown);
  g_test_add ("/ui/window/refused", Fixture, &wide_empty, fixture_setup, test_refused, fixture_teardown);
  g_test_add ("/ui/window/indonesian", Fixture, &wide_empty, fixture_setup, test_indonesian, fixture_teardown);

  status = g_test_run ();

  verval_store_close (shared_store);
  g_clear_object (&shared_store);
  ui_test_remove_tree (shared_dir);
  g_free (shared_dir);
  return status;
}
