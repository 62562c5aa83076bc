/* verval-demo-data.c: writes a made-up P3KE or DTKS listing for demos and tests
 *
 *   verval-demo-data --families 1000 --format p3ke --seed 1 out.csv
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "verval-demo.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *format_name = NULL;
  int families = 1000;
  int seed = 1;
  VervalListingFormat format;
  GOptionEntry entries[] = {
    { "families", 'n', 0, G_OPTION_ARG_INT, &families, "Number of families", "N" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name, "p3ke or dtks", "FORMAT" },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, "Random seed", "S" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("OUT.csv");
  g_option_context_set_summary (context, "Write a made-up listing of Kabupaten Buleleng.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc != 2 || families < 0)
    {
      g_printerr ("Usage: verval-demo-data [--families N] [--format p3ke|dtks] [--seed S] OUT.csv\n");
      return 2;
    }
  if (format_name == NULL || g_ascii_strcasecmp (format_name, "p3ke") == 0)
    format = VERVAL_LISTING_FORMAT_P3KE;
  else if (g_ascii_strcasecmp (format_name, "dtks") == 0)
    format = VERVAL_LISTING_FORMAT_DTKS;
  else
    {
      g_printerr ("Unknown format “%s”: use p3ke or dtks\n", format_name);
      return 2;
    }
  if (!verval_demo_write_file (argv[1], format, (guint) families, (guint32) seed, &error))
    {
      g_printerr ("%s: %s\n", argv[1], error->message);
      return 1;
    }
  return 0;
}
