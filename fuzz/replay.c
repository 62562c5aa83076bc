/* replay.c: runs a fuzz target over a saved corpus, without libFuzzer
 *
 * The normal build links each target with this instead of libFuzzer, and
 * the test suite replays fuzz/corpus/<name> with it: every seed and every
 * input that once crashed is run again on each test run, with gcc.
 *
 *   fuzz-csv DIR|FILE…
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Files under @path, depth first, in name order so a failure repeats. */
static void
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, names->pdata[i], NULL);

      collect (child, files);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s DIR|FILE…\n", argv[0]);
      return 2;
    }
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    collect (argv[i], files);
  /* an empty corpus would pass without testing anything: a wrong path */
  if (files->len == 0)
    {
      fprintf (stderr, "%s: no input files under the given paths\n", argv[0]);
      return 1;
    }
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      gsize size;

      if (!g_file_get_contents (path, &data, &size, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      /* named first: after a crash, the last line says which input it was */
      fprintf (stderr, "%s\n", path);
      LLVMFuzzerTestOneInput ((const uint8_t *) data, size);
    }
  printf ("replayed %u inputs\n", files->len);
  return 0;
}
