/* collector-pg-store.h: the PostgreSQL store, for collectors that share one database
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"

G_BEGIN_DECLS

#define COLLECTOR_TYPE_PG_STORE (collector_pg_store_get_type ())
G_DECLARE_FINAL_TYPE (CollectorPgStore, collector_pg_store, COLLECTOR, PG_STORE, GObject)

/* Connections each store keeps open at most, shared by its worker threads. */
#define COLLECTOR_PG_POOL_SIZE 8

/* Connects to the database named by @conninfo, a libpq URL
 * ("postgresql://verval@db.example:5432/verval") or keyword string
 * ("host=/run/postgresql dbname=verval"), and brings its schema up to
 * date. A password may be in @conninfo or come from PGPASSWORD or
 * PGPASSFILE; errors never show it. */
CollectorStore *collector_pg_store_new (const char  *conninfo,
                                        GError     **error);

/* @conninfo as it may be shown in a log or an error: the same text with
 * any password replaced by "***". */
char           *collector_pg_conninfo_redact (const char *conninfo);

G_END_DECLS
