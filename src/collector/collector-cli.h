/* collector-cli.h: the verval-collector command line
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the process exit status: 0 done, 1 failed, 2 usage error. */
int  collector_cli_main      (int    argc,
                              char **argv);

G_END_DECLS
