/* main.c: the verval executable
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "verval-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(VervalApplication) app = NULL;

  verval_application_init_i18n ();
  app = verval_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
