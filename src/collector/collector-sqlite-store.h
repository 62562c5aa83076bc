/* collector-sqlite-store.h: the embedded SQLite store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"

G_BEGIN_DECLS

#define COLLECTOR_TYPE_SQLITE_STORE (collector_sqlite_store_get_type ())
G_DECLARE_FINAL_TYPE (CollectorSqliteStore, collector_sqlite_store, COLLECTOR, SQLITE_STORE, GObject)

/* Opens (creating and migrating if needed) the database file at @path. */
CollectorStore *collector_sqlite_store_new (const char  *path,
                                            GError     **error);

G_END_DECLS
