/* collector-cli-private.h: what the verval-collector commands share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "collector-cli.h"
#include "collector-store.h"

G_BEGIN_DECLS

/* --database, for every command that opens the store */
extern const GOptionEntry collector_cli_store_entries[];

/* Prints @error (taken) and returns the exit status of a failure, 1. */
int             collector_cli_fail              (GError          *error);
/* Prints @message with a pointer to --help; returns 2. */
int             collector_cli_usage_error       (const char      *command,
                                                 const char      *message);
/* FALSE with *status set when the options cannot be read. */
gboolean        collector_cli_parse_options     (GOptionContext  *context,
                                                 const char      *command,
                                                 int             *argc,
                                                 char          ***argv,
                                                 int             *status);
/* The usage error of a command that has neither store named, or 0. */
int             collector_cli_check_store_named (const char      *command,
                                                 const char      *data_dir);
/* PostgreSQL when --database or VERVAL_DATABASE names one, else SQLite
 * in @data_dir. */
CollectorStore *collector_cli_open_store        (const char      *data_dir,
                                                 GError         **error);

/* verval-collector user (collector-cli-users.c) */
int             collector_cli_user              (int              argc,
                                                 char           **argv);

G_END_DECLS
