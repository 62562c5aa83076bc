/* test-household-model.c: search and filters of the household list model
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "store-fixture.h"
#include "verval-demo.h"
#include "verval-household-model.h"

/* Hand-made families with the names and places the searches look for. */
static const char listing[] =
  "ID Keluarga P3KE;Kecamatan;Desa_Kelurahan;Kode Kemdagri;Desil Kesejahteraan;Alamat;"
  "Kepala Keluarga;NIK\n"
  "F1;Buleleng;Banyuning;5108061006;1;Jl. Ahmad Yani;Ni Luh Suryani;5108066010900009\n"
  "F2;Buleleng;Banyuning;5108061006;2;Jl. Pantai;I Made Yasa;5108061211870001\n"
  "F3;Sukasada;Panji;5108052009;1;Gg. Melati;José Pérez;5108050101800002\n"
  "F4;Sukasada;Panji;5108052009;3;Jl. Surya;Wayan Sudiarta;5108050202810003\n"
  "F5;Gerokgak;Pejarakan;5108012001;4;Jl. Raya;Kadek Yanti;5108014303950004\n"
  "F6;Buleleng;Kampung Baru;5108061001;2;Jl. Gajah Mada;Ketut ÑUÑEZ;5108060505750005\n";

typedef struct {
  char                 *dir;
  VervalStore          *store;
  VervalHouseholdModel *model;
  guint                 items_changed;
} Fixture;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  g_assert_cmpuint (position, ==, 0);
  f->items_changed++;
}

static void
wait_idle (Fixture *f)
{
  while (verval_household_model_get_loading (f->model))
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(VervalImportReport) report = NULL;

  f->dir = store_fixture_make_tmp ("model");
  f->store = verval_store_open (f->dir, &error);
  g_assert_no_error (error);
  path = store_fixture_write (f->dir, "list.csv", listing, -1);
  report = store_fixture_import (f->store, path);
  g_assert_cmpuint (report->imported, ==, 6);
  f->model = verval_household_model_new (f->store);
  g_signal_connect (f->model, "items-changed", G_CALLBACK (on_items_changed), f);
  wait_idle (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->model);
  g_clear_object (&f->store);
  store_fixture_rm_rf (f->dir);
  g_free (f->dir);
}

/* The family IDs in the model, in order, joined by spaces. */
static char *
ids_of (Fixture *f)
{
  GString *out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (f->model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VervalHousehold) household = g_list_model_get_item (G_LIST_MODEL (f->model), i);

      g_assert_true (VERVAL_IS_HOUSEHOLD (household));
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, verval_household_get_family_id (household));
    }
  return g_string_free (out, FALSE);
}

static void
expect_search (Fixture    *f,
               const char *text,
               const char *ids)
{
  g_autofree char *found = NULL;

  verval_household_model_set_search_text (f->model, text);
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, ids);
}

static void
test_all (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *found = ids_of (f);
  g_autoptr(VervalHousehold) first = NULL;

  /* No text: by village code, then name. */
  g_assert_cmpstr (found, ==, "F5 F3 F4 F6 F2 F1");
  g_assert_cmpuint (verval_household_model_get_n_total (f->model), ==, 6);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (f->model)) == VERVAL_TYPE_HOUSEHOLD);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (f->model), 6));

  first = g_list_model_get_item (G_LIST_MODEL (f->model), 0);
  g_assert_cmpstr (verval_household_get_head_name (first), ==, "Kadek Yanti");
  g_assert_cmpstr (verval_household_get_village_name (first), ==, "Pejarakan");
  g_assert_cmpstr (verval_household_get_kecamatan_name (first), ==, "Gerokgak");
  g_assert_cmpstr (verval_household_get_village_code (first), ==, "5108012001");
  g_assert_cmpint (verval_household_get_desil (first), ==, 4);
  g_assert_cmpint (verval_household_get_sources (first), ==, VERVAL_SOURCE_P3KE);
  g_assert_false (verval_household_get_details_loaded (first));
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  /* Prefix of a name. */
  expect_search (f, "sur", "F4 F1");
  /* Word starts rank before matches inside words ("wayan"). */
  expect_search (f, "yan", "F5 F1 F4");
  /* The head's name starting with it ranks first of all. */
  expect_search (f, "ni", "F1 F2");
  expect_search (f, "Suryani", "F1");
  /* Middle of a name. */
  expect_search (f, "arta", "F4");
  /* Several words, any order. */
  expect_search (f, "made pantai", "F2");
  expect_search (f, "pantai made", "F2");
  /* NIK digits, start and middle, and the P3KE ID. */
  expect_search (f, "510806", "F6 F2 F1");
  expect_search (f, "1211870", "F2");
  expect_search (f, "f3", "F3");
  /* Case and accents, both ways. */
  expect_search (f, "JOSE", "F3");
  expect_search (f, "pérez", "F3");
  expect_search (f, "nunez", "F6");
  expect_search (f, "ÑúÑez", "F6");
  /* Villages and kecamatan. */
  expect_search (f, "panji", "F3 F4");
  expect_search (f, "kampung b", "F6");
  expect_search (f, "gerok", "F5");
  /* Nothing, then everything again. */
  expect_search (f, "zzz", "");
  expect_search (f, "  ", "F5 F3 F4 F6 F2 F1");
  expect_search (f, NULL, "F5 F3 F4 F6 F2 F1");
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *found = NULL;

  verval_household_model_set_village_code (f->model, "51.08.06");
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, "F6 F2 F1");
  g_clear_pointer (&found, g_free);
  g_assert_cmpstr (verval_household_model_get_village_code (f->model), ==, "510806");

  verval_household_model_set_village_code (f->model, "5108061006");
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, "F2 F1");
  g_clear_pointer (&found, g_free);

  verval_household_model_set_desil (f->model, 1);
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, "F1");
  g_clear_pointer (&found, g_free);

  verval_household_model_set_village_code (f->model, NULL);
  expect_search (f, "a", "F1 F3");
  verval_household_model_set_search_text (f->model, NULL);
  verval_household_model_set_desil (f->model, 0);

  /* Visit state: another module changes it and says so. */
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'final' "
                                "WHERE family_id IN ('F2', 'F4')");
  verval_store_households_changed (f->store);
  verval_household_model_set_visit_state (f->model, VERVAL_VISIT_STATE_FINAL);
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, "F4 F2");
  g_clear_pointer (&found, g_free);

  verval_household_model_set_visit_state (f->model, VERVAL_VISIT_STATE_NONE);
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, "F5 F3 F6 F1");
  g_clear_pointer (&found, g_free);

  verval_household_model_set_visit_state (f->model, VERVAL_HOUSEHOLD_MODEL_ANY_STATE);
  wait_idle (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 6);
}

static void
expect_state (Fixture    *f,
              int         state,
              const char *ids)
{
  g_autofree char *found = NULL;

  verval_household_model_set_visit_state (f->model, state);
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, ids);
}

/* A visit the collector refused stays final with a quarantine flag; the
 * list shows it under its own filter and on the row, from SQL and from the
 * search index alike. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(VervalHousehold) refused = NULL;
  g_autoptr(VervalHousehold) waiting = NULL;

  store_fixture_exec (f->store,
                      "INSERT INTO visits (uuid, household_id, form_id, form_version, started_at, "
                      "                    updated_at, state, quarantined) "
                      "SELECT 'visit-' || family_id, id, 'form', 1, 0, 0, "
                      "       CASE family_id WHEN 'F3' THEN 'sent' WHEN 'F5' THEN 'draft' ELSE 'final' END, "
                      "       family_id <> 'F4' "
                      "FROM households WHERE family_id IN ('F2', 'F3', 'F4', 'F5')");
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'final' WHERE family_id IN ('F2', 'F4')");
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'sent' WHERE family_id = 'F3'");
  store_fixture_exec (f->store, "UPDATE households SET visit_state = 'draft' WHERE family_id = 'F5'");
  verval_store_households_changed (f->store);

  /* Only a final visit counts: a flag left on a sent or reopened one does not. */
  expect_state (f, VERVAL_HOUSEHOLD_MODEL_REFUSED, "F2");
  refused = g_list_model_get_item (G_LIST_MODEL (f->model), 0);
  g_assert_true (verval_household_get_refused (refused));
  g_assert_cmpint (verval_household_get_visit_state (refused), ==, VERVAL_VISIT_STATE_FINAL);

  /* "Waiting to upload" is what is really on its way. */
  expect_state (f, VERVAL_VISIT_STATE_FINAL, "F4");
  waiting = g_list_model_get_item (G_LIST_MODEL (f->model), 0);
  g_assert_false (verval_household_get_refused (waiting));
  expect_state (f, VERVAL_VISIT_STATE_SENT, "F3");
  expect_state (f, VERVAL_VISIT_STATE_DRAFT, "F5");

  /* The same through the search index. */
  verval_household_model_set_search_text (f->model, "ya");
  expect_state (f, VERVAL_HOUSEHOLD_MODEL_REFUSED, "F2");
  expect_state (f, VERVAL_VISIT_STATE_FINAL, "F4");
  expect_state (f, VERVAL_HOUSEHOLD_MODEL_ANY_STATE, "F5 F2 F1 F4");
  verval_household_model_set_search_text (f->model, NULL);

  /* Released for another try: waiting again, and the list follows. */
  store_fixture_exec (f->store, "UPDATE visits SET quarantined = 0");
  verval_store_households_changed (f->store);
  expect_state (f, VERVAL_HOUSEHOLD_MODEL_REFUSED, "");
  expect_state (f, VERVAL_VISIT_STATE_FINAL, "F4 F2");
  verval_household_model_set_search_text (f->model, "ya");
  expect_state (f, VERVAL_HOUSEHOLD_MODEL_REFUSED, "");
  expect_state (f, VERVAL_VISIT_STATE_FINAL, "F2 F4");
}

static void
test_supersede (Fixture       *f,
                gconstpointer  data)
{
  static const char * const keystrokes[] = { "k", "ke", "ket", "ketu", "ketut", "ketut ñ" };
  g_autofree char *found = NULL;

  f->items_changed = 0;

  /* A burst of typing between two main-loop turns: one result arrives,
   * for the last text. */
  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    verval_household_model_set_search_text (f->model, keystrokes[i]);
  g_assert_true (verval_household_model_get_loading (f->model));
  wait_idle (f);
  found = ids_of (f);
  g_assert_cmpstr (found, ==, "F6");
  g_assert_cmpuint (f->items_changed, ==, 1);
}

static void
test_refresh_after_import (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "demo.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GFile) file = NULL;

  g_assert_true (verval_demo_write_file (path, VERVAL_LISTING_FORMAT_P3KE, 1000, 3, &error));
  file = g_file_new_for_path (path);
  f->items_changed = 0;
  report = verval_store_import_sync (f->store, file, NULL, &error);
  g_assert_no_error (error);
  /* The sync import does not signal by itself; the caller does. */
  verval_store_households_changed (f->store);
  wait_idle (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 1006);
  g_assert_cmpuint (verval_household_model_get_n_total (f->model), ==, 1006);
  g_assert_cmpuint (f->items_changed, ==, 1);

  /* Rows far down the list, read page by page. */
  for (guint i = 0; i < 1006; i += 97)
    {
      g_autoptr(VervalHousehold) household = g_list_model_get_item (G_LIST_MODEL (f->model), i);
      g_assert_cmpstr (verval_household_get_head_name (household), !=, "");
      g_assert_cmpuint (strlen (verval_household_get_nik (household)), ==, 16);
    }
}

/* What the model did, in order, while it started on a bigger store. */
typedef struct {
  VervalHouseholdModel *model;
  GString              *events;
  char                 *first_rows;   /* family IDs of rows 0..199 at the first page */
} StartLog;

static char *
family_ids (VervalHouseholdModel *model,
            guint                 n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VervalHousehold) household = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_nonnull (household);
      g_string_append_printf (out, "%s ", verval_household_get_family_id (household));
    }
  return g_string_free (out, FALSE);
}

static void
on_start_items_changed (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        StartLog   *log)
{
  g_string_append_printf (log->events, "items-changed(+%u,search-ready=%d) ", added,
                          verval_household_model_get_search_ready (log->model));
  /* Rows past the first page come from SQL too while the index builds. */
  if (log->first_rows == NULL)
    log->first_rows = family_ids (log->model, 200);
}

static void
on_start_search_ready (VervalHouseholdModel *model,
                       GParamSpec           *pspec,
                       StartLog             *log)
{
  g_string_append_printf (log->events, "search-ready=%d ",
                          verval_household_model_get_search_ready (model));
}

/* A fresh store in dir holding 1,000 demo families of seed. */
static VervalStore *
open_demo_store (const char *dir,
                 guint32     seed)
{
  g_autofree char *path = g_build_filename (dir, "demo.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  VervalStore *store;

  g_assert_true (verval_demo_write_file (path, VERVAL_LISTING_FORMAT_P3KE, 1000, seed, &error));
  store = verval_store_open (dir, &error);
  g_assert_no_error (error);
  report = store_fixture_import (store, path);
  g_assert_cmpuint (report->imported, ==, 1000);
  return store;
}

static void
test_first_page_before_index (void)
{
  g_autofree char *dir = store_fixture_make_tmp ("model-start");
  g_autoptr(VervalStore) store = open_demo_store (dir, 5);
  g_autofree char *rows_after = NULL;
  StartLog log = { NULL, g_string_new (NULL), NULL };

  log.model = verval_household_model_new (store);
  g_assert_false (verval_household_model_get_search_ready (log.model));
  g_signal_connect (log.model, "items-changed", G_CALLBACK (on_start_items_changed), &log);
  g_signal_connect (log.model, "notify::search-ready", G_CALLBACK (on_start_search_ready), &log);

  /* The whole list is announced with the first page, before the search
   * index exists; the index arrives afterwards and changes no row. */
  while (!verval_household_model_get_search_ready (log.model))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpstr (log.events->str, ==, "items-changed(+1000,search-ready=0) search-ready=1 ");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log.model)), ==, 1000);
  g_assert_cmpuint (verval_household_model_get_n_total (log.model), ==, 1000);

  /* SQL and the index agree on the order. */
  rows_after = family_ids (log.model, 200);
  g_assert_cmpstr (log.first_rows, ==, rows_after);

  /* A search now runs from memory and finds a family by its NIK. */
  {
    g_autofree char *nik = verval_demo_family_nik (5, 321);
    g_autoptr(VervalHousehold) found = NULL;

    verval_household_model_set_search_text (log.model, nik);
    while (verval_household_model_get_loading (log.model))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log.model)), ==, 1);
    found = g_list_model_get_item (G_LIST_MODEL (log.model), 0);
    g_assert_cmpstr (verval_household_get_nik (found), ==, nik);
  }

  /* New data: the index is stale until it is rebuilt behind the list. The
   * rebuild may already be running on the store thread once the signal
   * returns, so the stale state is read from the notification, which is
   * emitted before the model starts it. */
  g_string_truncate (log.events, 0);
  store_fixture_exec (store, "UPDATE households SET visit_state = 'draft' WHERE id = 1");
  verval_store_households_changed (store);
  g_assert_cmpstr (log.events->str, ==, "search-ready=0 ");
  while (!verval_household_model_get_search_ready (log.model))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (g_str_has_suffix (log.events->str, "search-ready=1 "));

  g_clear_object (&log.model);
  g_string_free (log.events, TRUE);
  g_free (log.first_rows);
  verval_store_close (store);
  store_fixture_rm_rf (dir);
}

/* Filters without search text before the index exists: SQL answers them,
 * including rows past the first pages. */
static void
test_filters_before_index (void)
{
  g_autofree char *dir = store_fixture_make_tmp ("model-filter");
  g_autoptr(VervalStore) store = open_demo_store (dir, 6);
  g_autoptr(VervalHouseholdModel) model = NULL;
  gint64 expected;
  guint n;

  expected = store_fixture_count (store, "SELECT count(*) FROM households WHERE desil = 2");
  g_assert_cmpint (expected, >, 2 * 64);

  model = verval_household_model_new (store);
  verval_household_model_set_desil (model, 2);
  while (verval_household_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpint (n, ==, expected);
  /* Read back to front: the last pages come by offset unless the index
   * has already filled in the list; either way every row has desil 2. */
  for (guint i = n; i-- > 0;)
    {
      g_autoptr(VervalHousehold) household = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpint (verval_household_get_desil (household), ==, 2);
    }

  while (!verval_household_model_get_search_ready (model))
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&model);
  verval_store_close (store);
  store_fixture_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/client/household-model/all", test_all);
  ADD ("/client/household-model/search", test_search);
  ADD ("/client/household-model/filters", test_filters);
  ADD ("/client/household-model/refused", test_refused);
  ADD ("/client/household-model/supersede", test_supersede);
  ADD ("/client/household-model/refresh-after-import", test_refresh_after_import);
  g_test_add_func ("/client/household-model/first-page-before-index",
                   test_first_page_before_index);
  g_test_add_func ("/client/household-model/filters-before-index", test_filters_before_index);

#undef ADD

  return g_test_run ();
}
