/* sync-driver.c: the sync engine as a command, for tests that kill it
 *
 *   sync-driver --data-dir DIR enroll URL CODE
 *   sync-driver --data-dir DIR [--batch N] [--parallel N] [--patient] [--ca-file PEM] sync
 *   sync-driver --data-dir DIR add-visits FIRST N PHOTOS BYTES
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "test-sync-util.h"

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *ca_file = NULL;
  gboolean patient = FALSE;
  int batch = 0, parallel = 0;
  const GOptionEntry entries[] = {
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Extra trusted CA (PEM)", "FILE" },
    { "patient", 0, 0, G_OPTION_ARG_NONE, &patient, "Production timeouts (for slow links)", NULL },
    { "parallel", 0, 0, G_OPTION_ARG_INT, &parallel, "Photo uploads at once", "N" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Client data directory", "DIR" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Visits per batch", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND …");
  g_autoptr(GError) error = NULL;
  SyncClient *client;
  gboolean ok = TRUE;

  g_setenv ("VERVAL_SECRET_BACKEND", "file", TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || data_dir == NULL || argc < 2)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "usage: sync-driver --data-dir DIR COMMAND …");
      return 2;
    }

  client = sync_client_new (data_dir);
  if (batch > 0)
    verval_sync_set_batch_limits (client->sync, batch, 1024 * 1024);
  if (parallel > 0)
    verval_sync_set_parallel_uploads (client->sync, parallel);
  if (patient)
    verval_sync_set_timeouts (client->sync, 20, 64, 60);
  verval_sync_set_ca_file (client->sync, ca_file);
  if (g_str_equal (argv[1], "enroll") && argc == 4)
    ok = verval_sync_enroll_sync (client->sync, argv[2], argv[3], "sync-driver", NULL, &error);
  else if (g_str_equal (argv[1], "sync") && argc == 2)
    {
      ok = verval_sync_run_sync (client->sync, "driver", NULL, &error);
      g_print ("bytes_sent=%" G_GUINT64_FORMAT "\n", verval_sync_get_bytes_sent (client->sync));
    }
  else if (g_str_equal (argv[1], "add-visits") && argc == 6)
    {
      g_autoptr(GPtrArray) uuids = sync_client_add_visits (client, atoi (argv[2]), atoi (argv[3]),
                                                           atoi (argv[4]), atoi (argv[5]));
      g_print ("%u visits\n", uuids->len);
    }
  else
    {
      g_printerr ("unknown command or wrong arguments: %s\n", argv[1]);
      ok = FALSE;
    }
  if (!ok && error != NULL)
    g_printerr ("%s\n", error->message);
  sync_client_free (client, FALSE);
  return ok ? 0 : 1;
}
