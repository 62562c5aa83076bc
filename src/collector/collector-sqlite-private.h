/* collector-sqlite-private.h: what the SQLite store's files share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* Sets a COLLECTOR_ERROR_STORE naming @what and SQLite's own words and
 * extended code. Returns FALSE, for "return …". */
gboolean collector_sqlite_set_error (GError    **error,
                                     sqlite3    *db,
                                     const char *what);

/* Brings the file open on @db to the schema this collector knows; refuses
 * a file from a newer collector. */
gboolean collector_sqlite_migrate   (sqlite3    *db,
                                     GError    **error);

G_END_DECLS
