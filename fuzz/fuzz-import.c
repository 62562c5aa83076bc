/* fuzz-import.c: the collector's import command, into a real store
 *
 * What `verval-collector import` does with a file: the listing rules, the
 * village found from region names when a DTKS row has no code, and the
 * upsert into SQLite. One store in a temporary directory per process, not
 * per input: families from earlier inputs are there to be updated.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "collector-import.h"
#include "collector-sqlite-store.h"
#include "fuzz-util.h"
#include "verval-csv.h"

static char *tmp_dir;
static char *csv_path;
static CollectorStore *store;

static void
remove_tmp_dir (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&store);
  dir = g_dir_open (tmp_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (tmp_dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;

  fuzz_init ();
  tmp_dir = g_dir_make_tmp ("verval-fuzz-import-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_tmp_dir);
  csv_path = g_build_filename (tmp_dir, "listing.csv", NULL);
  db_path = g_build_filename (tmp_dir, "collector.db", NULL);
  store = collector_sqlite_store_new (db_path, &error);
  g_assert_no_error (error);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (csv_path, (const char *) data, (gssize) size,
                            G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  report = collector_import_file (store, csv_path, &error);
  /* a file refused whole is fine; a store error is not */
  if (report == NULL)
    g_assert_true (error->domain == VERVAL_LISTING_ERROR || error->domain == VERVAL_CSV_ERROR);
  else
    g_assert_cmpuint (report->imported + report->updated, <=, report->families);
  return 0;
}
