/* collector-migrate.h: moving a collector's data from SQLite to PostgreSQL
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Rows of one table on each side once the copy is done. */
typedef struct {
  const char *table;
  gint64      source;
  gint64      target;
} CollectorMigrateCount;

/* Called after each page of rows: the table and the rows of it copied so
 * far by this run. */
typedef void (*CollectorMigrateProgress) (const char *table,
                                          guint64     copied,
                                          gpointer    user_data);

/* Copies every row of the SQLite store in @data_dir into the PostgreSQL
 * database @conninfo, keeping the numbers devices know (tokens, cursors).
 * The target must be empty, or hold a copy of this same store that an
 * earlier run did not finish (it is continued); anything else is refused
 * with COLLECTOR_ERROR_EXISTS. The collector using @data_dir must be
 * stopped. *counts (may be NULL) gets a CollectorMigrateCount per table;
 * a difference is an error. */
gboolean collector_migrate_sqlite_to_pg (const char               *data_dir,
                                         const char               *conninfo,
                                         CollectorMigrateProgress  progress,
                                         gpointer                  user_data,
                                         GPtrArray               **counts,
                                         GError                  **error);

void     collector_migrate_count_free   (CollectorMigrateCount    *count);

G_END_DECLS
