/* collector-sqlite-private.h: what the SQLite store's files share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "collector-sqlite-store.h"
#include "collector-store-rows.h"
#include "verval-sqlite.h"

G_BEGIN_DECLS

/* One SQLite connection and its prepared statements. */
typedef struct
{
  sqlite3    *db;
  GHashTable *stmts;  /* SQL text (static, by pointer) → sqlite3_stmt* */
} CollectorSqliteConn;

/* A change, run by the writer thread inside its own savepoint. */
typedef gboolean (*CollectorSqliteWriteFunc) (CollectorSqliteStore  *self,
                                              CollectorSqliteConn   *conn,
                                              gpointer               data,
                                              GError               **error);

/* Typed arguments for collector_sqlite_run(): the casts keep the varargs honest. */
enum { SQL_END, SQL_ARG_TEXT, SQL_ARG_INT };
#define SQL_TEXT(s) SQL_ARG_TEXT, (const char *) (s)
#define SQL_INT(i)  SQL_ARG_INT, (gint64) (i)

/* Reads the current row of a statement for the shared row conversions. */
extern const CollectorRowReader collector_sqlite_row_reader;
#define COLLECTOR_SQLITE_ROW(stmt) ((CollectorRow) { &collector_sqlite_row_reader, (stmt) })

/* Unix seconds now. */
gint64         collector_sqlite_now            (void);
/* Brings the file open on @db to the schema this collector knows; refuses
 * a file from a newer collector. */
gboolean       collector_sqlite_migrate        (sqlite3              *db,
                                                GError              **error);

/* The cached statement for @sql (a static string: cached by its address),
 * reset and unbound. */
sqlite3_stmt  *collector_sqlite_stmt           (CollectorSqliteConn  *conn,
                                                const char           *sql,
                                                GError              **error);
/* Runs the cached statement for @sql with its parameters (SQL_TEXT,
 * SQL_INT, …, SQL_END) bound in order, ignoring any rows. On failure,
 * sqlite3_extended_errcode (@conn->db) tells a constraint apart. */
gboolean       collector_sqlite_run            (CollectorSqliteConn  *conn,
                                                const char           *sql,
                                                GError              **error,
                                                ...);
/* After a collector_sqlite_run() that failed: whether it failed on
 * @constraint (an extended code), in which case @error is cleared for the
 * caller to say what that means. */
gboolean       collector_sqlite_failed_on      (CollectorSqliteConn  *conn,
                                                int                   constraint,
                                                GError              **error);
/* After an UPDATE of the row @id of @table: no row changed means no such row. */
gboolean       collector_sqlite_check_found    (CollectorSqliteConn  *conn,
                                                const char           *table,
                                                gint64                id,
                                                GError              **error);
/* The next value of the store's one sequence, inside a write. */
gboolean       collector_sqlite_next_seq       (CollectorSqliteConn  *conn,
                                                gint64               *seq,
                                                GError              **error);

/* Queues @func for the writer thread and waits until it is durable. */
gboolean       collector_sqlite_run_write      (CollectorSqliteStore      *self,
                                                CollectorSqliteWriteFunc   func,
                                                gpointer                   data,
                                                GError                   **error);

CollectorSqliteConn *collector_sqlite_reader_acquire (CollectorSqliteStore  *self,
                                                      GError               **error);
void           collector_sqlite_reader_release (CollectorSqliteStore *self,
                                                CollectorSqliteConn  *conn);
/* A reader with the statement ready; release the reader when done. */
sqlite3_stmt  *collector_sqlite_reader_statement (CollectorSqliteStore  *self,
                                                  const char            *sql,
                                                  CollectorSqliteConn  **conn,
                                                  GError               **error);
/* Reads one page of a pull into @page: @sql's parameters are (enumerator,
 * cursor, limit) and it is asked for one row more than @limit, to set
 * *more; each row up to @limit goes to @add. An empty page checks @cursor
 * against the highest @highest_sql reads. */
gboolean       collector_sqlite_pull           (CollectorSqliteStore  *self,
                                                const char            *sql,
                                                const char            *highest_sql,
                                                gint64                 enumerator_id,
                                                gint64                 cursor,
                                                guint                  limit,
                                                CollectorPageAddRow    add,
                                                gpointer               page,
                                                gboolean              *more,
                                                GError               **error);
/* Ends a read, @rc being the last step: a read that stopped early on a row
 * is fine. Releases the reader. */
gboolean       collector_sqlite_reader_finish  (CollectorSqliteStore  *self,
                                                CollectorSqliteConn   *conn,
                                                sqlite3_stmt          *stmt,
                                                int                    rc,
                                                const char            *what,
                                                GError               **error);
/* Refuses a cursor higher than any this collector gave (@sql reads the
 * highest): asked when a page came back empty. */
gboolean       collector_sqlite_check_cursor   (CollectorSqliteStore  *self,
                                                const char            *sql,
                                                gint64                 cursor,
                                                GError               **error);

void collector_sqlite_devices_iface_init    (CollectorDeviceStoreInterface    *iface);
void collector_sqlite_households_iface_init (CollectorHouseholdStoreInterface *iface);
void collector_sqlite_visits_iface_init     (CollectorVisitStoreInterface     *iface);
void collector_sqlite_reviews_iface_init    (CollectorReviewStoreInterface    *iface);
void collector_sqlite_users_iface_init      (CollectorUserStoreInterface      *iface);

G_END_DECLS
