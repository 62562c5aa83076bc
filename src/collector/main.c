/* main.c: verval-collector, the collector server and its admin commands
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "collector-cli.h"

int
main (int    argc,
      char **argv)
{
  /* GLib 2.74's slice allocator serialises the server's worker threads on
   * its magazine locks (ingest ran at a third of its speed); plain malloc
   * does not, and newer GLib uses it anyway. The allocator is chosen before
   * main() runs, so the only way in is the environment of a fresh image.
   * An explicit G_SLICE is respected. */
  if (getenv ("G_SLICE") == NULL)
    {
      setenv ("G_SLICE", "always-malloc", 1);
      execv ("/proc/self/exe", argv);
      /* no /proc: run on with the slower allocator */
    }
  setlocale (LC_ALL, "");
  return collector_cli_main (argc, argv);
}
