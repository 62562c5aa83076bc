/* bench-startup.c: verval's start to its first frame on 100,000 families
 *
 * Imports 100,000 made-up families into a temporary store once, then starts
 * the real executable several times with VERVAL_EXIT_AFTER_FIRST_FRAME=1 and
 * times it from spawn to the "first-frame" line it prints, next to the same
 * figure for an empty AdwApplicationWindow (bench-empty-window) measured in
 * the same run. Prints startup_ms, rss_mb and the ratios as key=value lines.
 * The first frame counted is the first one with the list filled in, not the
 * loading state: a run whose first frame has no rows fails.
 *
 * Both sides run on the cairo renderer (GSK_RENDERER=cairo): under Xvfb
 * there is no GPU, and GL would mean llvmpipe, whose start-up and memory
 * dominate an empty window. The same renderer on both sides keeps the
 * ratio fair; the output says which one it was.
 *
 * Usage: bench-startup VERVAL BENCH_EMPTY_WINDOW
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "verval-demo.h"
#include "verval-store.h"

#define N_FAMILIES 100000
#define N_RUNS     7
#define RENDERER   "cairo"

typedef struct {
  double ms;
  double rss_mb;
} Run;

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, (int (*) (const void *, const void *)) compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static gboolean
run_once (const char  *program,
          const char  *data_dir,
          Run         *run,
          GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  const char *rss;
  gint64 start;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "VERVAL_EXIT_AFTER_FIRST_FRAME", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "VERVAL_DATA_DIR", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", RENDERER, TRUE);

  start = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, error, program, NULL);
  if (process == NULL)
    return FALSE;

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error)) != NULL)
    {
      if (g_str_has_prefix (line, "first-frame"))
        break;
      g_clear_pointer (&line, g_free);
    }
  if (line == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s exited before its first frame", program);
      return FALSE;
    }
  /* From spawn (before exec) to the line printed after the frame. */
  run->ms = (g_get_monotonic_time () - start) / 1000.0;
  if (strstr (line, "n_items=0 ") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: first frame without rows: %s",
                   program, line);
      return FALSE;
    }
  rss = strstr (line, "rss_kb=");
  run->rss_mb = rss != NULL ? g_ascii_strtod (rss + strlen ("rss_kb="), NULL) / 1024.0 : 0;
  g_printerr ("  %s: %.1f ms, %.1f MB (%s)\n", program, run->ms, run->rss_mb, line);

  /* The figure is taken; how the app shuts down is for its tests to judge,
   * but say so when it did not end cleanly (e.g. a warning under
   * G_DEBUG=fatal-warnings). */
  if (!g_subprocess_wait (process, NULL, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    g_printerr ("  warning: %s did not exit cleanly after its first frame\n", program);
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *data_dir = NULL;
  double app_ms[N_RUNS], app_rss[N_RUNS], base_ms[N_RUNS], base_rss[N_RUNS];
  double startup_ms, rss_mb, baseline_ms, baseline_rss;

  if (argc != 3)
    {
      g_printerr ("usage: %s VERVAL BENCH_EMPTY_WINDOW\n", argv[0]);
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("SKIP: no display (run under build-aux/dev bench)\n");
      return 77;
    }

  tmp = g_dir_make_tmp ("verval-bench-startup-XXXXXX", &error);
  g_assert_no_error (error);
  csv = g_build_filename (tmp, "p3ke.csv", NULL);
  data_dir = g_build_filename (tmp, "data", NULL);
  if (!verval_demo_write_file (csv, VERVAL_LISTING_FORMAT_P3KE, N_FAMILIES, 1, &error))
    g_error ("demo list: %s", error->message);
  store = verval_store_open (data_dir, &error);
  if (store == NULL)
    g_error ("store: %s", error->message);
  file = g_file_new_for_path (csv);
  report = verval_store_import_sync (store, file, NULL, &error);
  if (report == NULL)
    g_error ("import: %s", error->message);
  verval_store_close (store);
  g_printerr ("imported %u families\n", report->imported + report->updated);

  /* One untimed start of each warms the page cache like a second launch. */
  {
    Run warm;

    if (!run_once (argv[1], data_dir, &warm, &error) || !run_once (argv[2], data_dir, &warm, &error))
      g_error ("warm-up: %s", error->message);
  }

  /* Interleaved, so drift on the machine hits both the same. */
  for (guint i = 0; i < N_RUNS; i++)
    {
      Run app, base;

      if (!run_once (argv[2], data_dir, &base, &error) || !run_once (argv[1], data_dir, &app, &error))
        g_error ("run %u: %s", i, error->message);
      app_ms[i] = app.ms;
      app_rss[i] = app.rss_mb;
      base_ms[i] = base.ms;
      base_rss[i] = base.rss_mb;
    }

  startup_ms = median (app_ms, N_RUNS);
  rss_mb = median (app_rss, N_RUNS);
  baseline_ms = median (base_ms, N_RUNS);
  baseline_rss = median (base_rss, N_RUNS);

  g_print ("families=%u\n", N_FAMILIES);
  g_print ("renderer=%s\n", RENDERER);
  g_print ("startup_ms=%.1f\n", startup_ms);
  g_print ("rss_mb=%.1f\n", rss_mb);
  g_print ("empty_window_startup_ms=%.1f\n", baseline_ms);
  g_print ("empty_window_rss_mb=%.1f\n", baseline_rss);
  g_print ("startup_ratio_vs_empty_window=%.2f\n", startup_ms / baseline_ms);
  g_print ("rss_ratio_vs_empty_window=%.2f\n", rss_mb / baseline_rss);
  /* The renderer's memory lands in both figures; the difference is what
   * the list and its store cost. */
  g_print ("rss_above_empty_window_mb=%.1f\n", rss_mb - baseline_rss);

  remove_tree (tmp);
  return 0;
}
