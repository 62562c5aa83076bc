/* collector-pg-private.h: what the PostgreSQL store's files share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "collector-pg-store.h"
#include "collector-store-rows.h"

G_BEGIN_DECLS

/* One connection of the pool and the statements prepared on it. */
typedef struct
{
  PGconn     *pg;
  GHashTable *prepared;     /* SQL text (static, by address) → statement name */
  guint       n_prepared;
  char        sqlstate[6];  /* of the last statement that failed, or "" */
} CollectorPgConn;

/* Typed parameters for collector_pg_query() and collector_pg_command();
 * the casts keep the varargs honest. A NULL text and a NAN real are SQL
 * nulls. PG_USEC is an instant in microseconds since 1970, bound as a UTC
 * timestamp text so no precision is lost; beyond what GDateTime holds it
 * is ±infinity. */
enum { PG_END, PG_ARG_TEXT, PG_ARG_INT, PG_ARG_BOOL, PG_ARG_REAL, PG_ARG_USEC };
#define PG_TEXT(s)  PG_ARG_TEXT, (const char *) (s)
#define PG_INT(i)   PG_ARG_INT, (gint64) (i)
#define PG_BOOL(b)  PG_ARG_BOOL, (gboolean) (b)
#define PG_REAL(d)  PG_ARG_REAL, (double) (d)
#define PG_USEC(t)  PG_ARG_USEC, (gint64) (t)

/* SQL reading an instant column back: whole unix seconds, or microseconds. */
#define PG_SECONDS_OF(column) "extract (epoch FROM " column ")::bigint"
#define PG_USEC_OF(column)    "(extract (epoch FROM " column ") * 1000000)::bigint"

/* SQLSTATEs the store reacts to. */
#define PG_UNIQUE_VIOLATION      "23505"
#define PG_FOREIGN_KEY_VIOLATION "23503"
#define PG_CHECK_VIOLATION       "23514"

/* Reads a row of a result for the shared row conversions. */
typedef struct
{
  const PGresult *res;
  int             row;
} CollectorPgRow;

extern const CollectorRowReader collector_pg_row_reader;
#define COLLECTOR_PG_ROW(pgrow) ((CollectorRow) { &collector_pg_row_reader, (pgrow) })

/* One value of a result: NULL reads as 0 or NULL. */
gint64     collector_pg_get_int        (const PGresult    *res,
                                        int                row,
                                        int                column);
char      *collector_pg_get_dup        (const PGresult    *res,
                                        int                row,
                                        int                column);

/* A record of the store from a row (collector_device_from_row(), …). */
typedef gpointer (*CollectorPgFromRow) (const CollectorRow *row,
                                        int                 first);

/* Adds each row of @res to @out, converted by @convert, and clears @res. */
void       collector_pg_add_rows       (GPtrArray          *out,
                                        PGresult           *res,
                                        CollectorPgFromRow  convert);
/* COLLECTOR_ERROR_NOT_FOUND for the row @id of @what: after an UPDATE
 * that changed no row. */
void       collector_pg_set_not_found  (GError           **error,
                                        const char        *what,
                                        gint64             id);

/* Work done on one borrowed connection; inside a transaction for
 * collector_pg_write(). It may run more than once (after a lost connection
 * or a deadlock), so it sets its results afresh each time. */
typedef gboolean (*CollectorPgFunc) (CollectorPgConn  *conn,
                                     gpointer          data,
                                     GError          **error);

/* Unix seconds now. */
gint64     collector_pg_now            (void);

/* Runs @func in one READ COMMITTED transaction on a connection of the
 * pool, again after a deadlock or a serialization failure, and again once
 * on a new connection when the old one was lost before the commit. */
gboolean   collector_pg_write          (CollectorPgStore  *self,
                                        CollectorPgFunc    func,
                                        gpointer           data,
                                        GError           **error);
/* Runs @func's statements each on its own (reads), on a new connection
 * once when the old one was lost. */
gboolean   collector_pg_read           (CollectorPgStore  *self,
                                        CollectorPgFunc    func,
                                        gpointer           data,
                                        GError           **error);

/* Runs @sql (a static string: prepared once per connection, found again
 * by its address) with its parameters (PG_TEXT, …, PG_END): the result, or
 * NULL with a COLLECTOR_ERROR_STORE error and conn->sqlstate set. */
PGresult  *collector_pg_query          (CollectorPgConn   *conn,
                                        const char        *sql,
                                        GError           **error,
                                        ...);
/* collector_pg_query() for statements without rows: the number of rows
 * they changed, or -1 with @error set. */
gint64     collector_pg_command        (CollectorPgConn   *conn,
                                        const char        *sql,
                                        GError           **error,
                                        ...);
/* collector_pg_command() with @n_values parameters given as text (NULL
 * for SQL null), each cast by @sql: for statements whose parameters come
 * as text already (migrate). */
gint64     collector_pg_command_values (CollectorPgConn    *conn,
                                        const char         *sql,
                                        int                 n_values,
                                        const char * const *values,
                                        GError            **error);
/* Runs SQL text without parameters: transaction control and the schema. */
gboolean   collector_pg_exec           (CollectorPgConn   *conn,
                                        const char        *sql,
                                        GError           **error);
/* TRUE if the last failure on @conn was @sqlstate; it replaces @error. */
gboolean   collector_pg_failed_with    (CollectorPgConn   *conn,
                                        const char        *sqlstate,
                                        GError           **error);

/* Takes the next value of @counter ("seq" for assignments, "reviews"),
 * inside a write. The counter's row stays locked until the commit, so
 * writers of one counter commit in the order of the values they took. */
gboolean   collector_pg_next_seq       (CollectorPgConn   *conn,
                                        const char        *counter,
                                        gint64            *seq,
                                        GError           **error);
/* Takes the lock of @counter without a value: for a write whose reads must
 * already see every write ordered before it. */
gboolean   collector_pg_lock_seq       (CollectorPgConn   *conn,
                                        const char        *counter,
                                        GError           **error);
/* Refuses a cursor higher than any @counter gave. */
gboolean   collector_pg_check_cursor   (CollectorPgConn   *conn,
                                        const char        *counter,
                                        gint64             cursor,
                                        GError           **error);

/* Reads one page of a pull into @page: @sql's parameters are (enumerator,
 * cursor, limit) and it is asked for one row more than @limit, to set
 * *more; each row up to @limit goes to @add. An empty page checks @cursor
 * against @counter. */
gboolean   collector_pg_pull           (CollectorPgStore  *self,
                                        const char        *sql,
                                        const char        *counter,
                                        gint64             enumerator_id,
                                        gint64             cursor,
                                        guint              limit,
                                        CollectorPageAddRow add,
                                        gpointer           page,
                                        gboolean          *more,
                                        GError           **error);

/* Brings the database open on @conn to the schema this collector knows,
 * one migration at a time, refusing a database from a newer collector. */
gboolean   collector_pg_migrate        (CollectorPgConn   *conn,
                                        GError           **error);
/* The schema version this collector writes. */
int        collector_pg_schema_version (void);

void collector_pg_devices_iface_init    (CollectorDeviceStoreInterface    *iface);
void collector_pg_households_iface_init (CollectorHouseholdStoreInterface *iface);
void collector_pg_visits_iface_init     (CollectorVisitStoreInterface     *iface);
void collector_pg_reviews_iface_init    (CollectorReviewStoreInterface    *iface);
void collector_pg_users_iface_init      (CollectorUserStoreInterface      *iface);

G_END_DECLS
