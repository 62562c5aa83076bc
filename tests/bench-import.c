/* bench-import.c: import of a 100,000-family P3KE CSV into the client store
 *
 * Prints import_100k_s and, as a baseline measured in the same run on the
 * same file, the sqlite3 shell's .import (import_ratio_vs_sqlite3).
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "store-fixture.h"
#include "verval-demo.h"
#include "verval-store.h"

#define N_FAMILIES 100000

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *store_dir = NULL;
  g_autofree char *baseline_db = NULL;
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GFile) file = NULL;
  const char *sqlite3_shell = argc > 1 ? argv[1] : "sqlite3";
  gint64 start;
  double ours, baseline = 0;
  int status = 0;

  tmp = store_fixture_make_tmp ("bench-import");
  csv = g_build_filename (tmp, "p3ke.csv", NULL);
  store_dir = g_build_filename (tmp, "store", NULL);
  baseline_db = g_build_filename (tmp, "baseline.db", NULL);

  if (!verval_demo_write_file (csv, VERVAL_LISTING_FORMAT_P3KE, N_FAMILIES, 1, &error))
    g_error ("%s", error->message);

  store = verval_store_open (store_dir, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (csv);

  start = g_get_monotonic_time ();
  report = verval_store_import_sync (store, file, NULL, &error);
  ours = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_assert_no_error (error);
  if (report->imported != N_FAMILIES)
    g_error ("imported %u of %u families", report->imported, N_FAMILIES);

  /* Baseline: the sqlite3 shell loading the same file into one plain table
   * (no validation, no indexes), skipping the title block. */
  {
    const char *shell_argv[] = {
      sqlite3_shell, baseline_db, "-cmd", ".mode csv", "-cmd", ".separator ;",
      NULL, NULL
    };
    g_autofree char *import_cmd = g_strdup_printf (".import --skip 3 %s raw", csv);

    shell_argv[6] = import_cmd;
    start = g_get_monotonic_time ();
    if (g_spawn_sync (NULL, (char **) shell_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      NULL, NULL, &status, &error) && g_spawn_check_wait_status (status, NULL))
      baseline = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
    else
      g_printerr ("sqlite3 shell baseline not available: %s\n",
                  error != NULL ? error->message : "failed");
    g_clear_error (&error);
  }

  printf ("import_100k_s=%.3f\n", ours);
  if (baseline > 0)
    {
      printf ("sqlite3_import_100k_s=%.3f\n", baseline);
      printf ("import_ratio_vs_sqlite3=%.2f\n", ours / baseline);
    }
  printf ("import_target_s=2.0\n");

  verval_store_close (store);
  store_fixture_rm_rf (tmp);
  return 0;
}
