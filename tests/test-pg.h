/* test-pg.h: a throw-away PostgreSQL cluster for the tests of one program
 *
 * The first call starts a cluster of its own in a temporary folder (initdb
 * and pg_ctl of the newest PostgreSQL installed, or of VERVAL_PG_BINDIR),
 * reached only through a socket in that folder. It is stopped and the
 * folder removed when the program exits, also when a test failed or it was
 * killed. A cluster that cannot be started fails the test that asked.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The cluster's "postgres" database as its superuser: a libpq URL. */
const char *verval_test_pg_url             (void);
/* A new, empty database: its URL. */
char       *verval_test_pg_new_database    (void);
/* Drops the database of @url, whoever is still connected to it. */
void        verval_test_pg_drop_database   (const char *url);
/* Runs @sql on the database of @url as the superuser; the test fails if
 * it does. Returns the first column of the first row, or NULL. */
char       *verval_test_pg_exec            (const char *url,
                                            const char *sql);
/* Stops the cluster (fast: connections are cut) and starts it again on
 * the same socket, for tests of a server that goes away. */
void        verval_test_pg_stop            (void);
void        verval_test_pg_start           (void);
/* The cluster's postmaster, whose children are the server's processes:
 * for benchmarks that count its CPU. */
GPid        verval_test_pg_server_pid      (void);
/* "name = value" lines of the server settings a benchmark reports. */
char       *verval_test_pg_settings        (void);

G_END_DECLS
