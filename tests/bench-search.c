/* bench-search.c: search-as-you-type over 100,000 families
 *
 * 1,000 keystrokes (1–6 characters of names, NIK digits and villages), each
 * timed from setting the text to having the first 50 rows of the model.
 * Baseline in the same run: the same queries as a plain SQLite LIKE scan
 * (SELECT … WHERE search_text LIKE '%q%' LIMIT 50) on the same file.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-fixture.h"
#include "verval-demo.h"
#include "verval-household-model.h"

#define N_FAMILIES 100000
#define N_QUERIES 1000
#define FIRST_ROWS 50

static const char * const words[] = {
  "wayan", "made", "nyoman", "ketut", "putu", "kadek", "komang", "gede", "ngurah", "luh",
  "sudiarta", "astawa", "suryani", "artini", "mertayasa", "wahyuni", "santoso", "saputra",
  "sukasada", "seririt", "gerokgak", "banjar", "tejakula", "kubutambahan", "sawan",
  "busungbiu", "buleleng", "banyuning", "pemaron", "anturan", "kaliasem",
};

static int
compare_doubles (const void *a,
                 const void *b)
{
  double da = *(const double *) a, db = *(const double *) b;
  return (da > db) - (da < db);
}

static double
percentile (double *values,
            guint   n,
            double  p)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return values[MIN (n - 1, (guint) (p * n))];
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtod (line + 6, NULL) / 1024.0 : 0;
}

/* The keystrokes: prefixes of a word (or of a NIK) typed one by one. */
static GPtrArray *
make_queries (void)
{
  GPtrArray *queries = g_ptr_array_new_with_free_func (g_free);
  GRand *rand = g_rand_new_with_seed (42);

  while (queries->len < N_QUERIES)
    {
      g_autofree char *word = NULL;
      guint kind = (guint) g_rand_int_range (rand, 0, 3);
      guint len = (guint) g_rand_int_range (rand, 1, 7);

      if (kind == 2)
        {
          /* NIK digits from the middle: kecamatan, birth date, serial. */
          g_autofree char *nik = verval_demo_family_nik (1, (guint) g_rand_int_range (rand, 0, N_FAMILIES));
          guint start = (guint) g_rand_int_range (rand, 0, 10);
          word = g_strndup (nik + start, 6);
        }
      else
        word = g_strdup (words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
      for (guint i = 1; i <= len && i <= strlen (word) && queries->len < N_QUERIES; i++)
        g_ptr_array_add (queries, g_strndup (word, i));
    }
  g_rand_free (rand);
  return queries;
}

static double
time_model_query (VervalHouseholdModel *model,
                  const char           *text)
{
  gint64 start = g_get_monotonic_time ();
  guint n;

  verval_household_model_set_search_text (model, text);
  while (verval_household_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  n = MIN (FIRST_ROWS, g_list_model_get_n_items (G_LIST_MODEL (model)));
  for (guint i = 0; i < n; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
  return (double) (g_get_monotonic_time () - start) / 1000.0;
}

static double
time_like_query (sqlite3    *db,
                 const char *text)
{
  static sqlite3_stmt *stmt;
  g_autofree char *folded = verval_store_fold_text (text);
  g_autofree char *pattern = g_strdup_printf ("%%%s%%", folded);
  gint64 start = g_get_monotonic_time ();

  if (stmt == NULL)
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT " VERVAL_HOUSEHOLD_ROW_COLUMNS
                                             " FROM households h WHERE h.search_text LIKE ?1 "
                                             "LIMIT 50", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_object_unref (verval_household_new_from_row (stmt));
  sqlite3_reset (stmt);
  return (double) (g_get_monotonic_time () - start) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_fixture_make_tmp ("bench-search");
  g_autofree char *csv = g_build_filename (dir, "p3ke.csv", NULL);
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(VervalHouseholdModel) model = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GPtrArray) queries = NULL;
  g_autofree double *ours = g_new (double, N_QUERIES);
  g_autofree double *baseline = g_new (double, N_QUERIES);
  g_autofree double *pages = g_new (double, 200);
  sqlite3 *db;
  double first_ms, index_ms, p95, like_p95;
  gint64 start;

  g_assert_true (verval_demo_write_file (csv, VERVAL_LISTING_FORMAT_P3KE, N_FAMILIES, 1, &error));
  store = verval_store_open (dir, &error);
  g_assert_no_error (error);
  report = store_fixture_import (store, csv);
  g_assert_cmpuint (report->imported, ==, N_FAMILIES);

  /* The first list after start comes from SQL; the in-memory search index
   * is built behind it, and the keystrokes below start once it is ready. */
  start = g_get_monotonic_time ();
  model = verval_household_model_new (store);
  while (verval_household_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  first_ms = (double) (g_get_monotonic_time () - start) / 1000.0;
  while (!verval_household_model_get_search_ready (model))
    g_main_context_iteration (NULL, TRUE);
  index_ms = (double) (g_get_monotonic_time () - start) / 1000.0;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_FAMILIES);

  /* Reading one page of rows on the main thread, cold, 200 times. */
  for (guint i = 0; i < 200; i++)
    {
      guint position = (guint) ((i * 7919u) % N_FAMILIES) / 64 * 64;

      verval_household_model_refresh (model);
      while (verval_household_model_get_loading (model))
        g_main_context_iteration (NULL, TRUE);
      start = g_get_monotonic_time ();
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), position));
      pages[i] = (double) (g_get_monotonic_time () - start) / 1000.0;
    }

  queries = make_queries ();
  for (guint i = 0; i < N_QUERIES; i++)
    ours[i] = time_model_query (model, queries->pdata[i]);

  db = verval_store_open_reader (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_QUERIES; i++)
    baseline[i] = time_like_query (db, queries->pdata[i]);

  printf ("search_first_list_ms=%.2f\n", first_ms);
  printf ("search_index_ready_ms=%.2f\n", index_ms);
  printf ("page_read_64_rows_p50_ms=%.3f\n", percentile (pages, 200, 0.50));
  printf ("search_p50_ms=%.2f\n", percentile (ours, N_QUERIES, 0.50));
  p95 = percentile (ours, N_QUERIES, 0.95);
  printf ("search_p95_ms=%.2f\n", p95);
  printf ("search_max_ms=%.2f\n", percentile (ours, N_QUERIES, 1.0));
  printf ("like_scan_p50_ms=%.2f\n", percentile (baseline, N_QUERIES, 0.50));
  like_p95 = percentile (baseline, N_QUERIES, 0.95);
  printf ("like_scan_p95_ms=%.2f\n", like_p95);
  printf ("search_p95_ratio_vs_like_scan=%.2f\n", p95 / like_p95);
  printf ("search_target_p95_ms=10\n");
  printf ("rss_mb=%.1f\n", rss_mb ());

  sqlite3_close (db);
  g_clear_object (&model);
  g_clear_object (&store);
  store_fixture_rm_rf (dir);
  return 0;
}
