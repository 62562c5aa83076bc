/* collector-pg-store.c: the PostgreSQL store
 *
 * Several collector processes may share one database, so every rule holds
 * in the database, not in this process: each method borrows a connection
 * from a small pool, runs one READ COMMITTED transaction whose writes are
 * conditional (collector-pg-visits.c, -devices.c) or ordered by a locked
 * counter row (collector_pg_next_seq()), and gives the connection back.
 * A deadlock or serialization failure runs the transaction again; a
 * connection lost before the commit is made anew and the transaction run
 * once more on it; one lost at the commit, or a database that cannot be
 * reached, is a COLLECTOR_ERROR_STORE error, and a later call connects
 * again. This file holds the pool, the statements and the transactions,
 * and the failures every throttle counts; each concern of the store has
 * its own file (collector-pg-devices.c, -households.c, -visits.c,
 * -reviews.c, -users.c), the schema is in collector-pg-schema.c and the address
 * shown without its password in collector-pg-conninfo.c.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <math.h>

#include "collector-error.h"
#include "collector-pg-private.h"
#include "collector-rules.h"

#define MAX_PARAMS     32
#define MAX_CONFLICTS  10

struct _CollectorPgStore
{
  GObject   parent_instance;

  char     *conninfo;
  char     *display;      /* conninfo without its password */

  GMutex    lock;         /* guards everything below */
  GCond     cond;         /* a connection came back, or the store closed */
  GQueue    idle;         /* of CollectorPgConn* */
  guint     n_open;       /* idle or borrowed */
  guint     n_busy;       /* borrowed */
  guint     epoch;        /* bumped when a connection was found lost */
  gboolean  closed;
};

typedef struct
{
  CollectorPgConn  base;
  guint            epoch;  /* of the pool when last known to work */
} PooledConn;

static void collector_pg_store_iface_init (CollectorStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CollectorPgStore, collector_pg_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_DEVICE_STORE,
                                                      collector_pg_devices_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_HOUSEHOLD_STORE,
                                                      collector_pg_households_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_VISIT_STORE,
                                                      collector_pg_visits_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_REVIEW_STORE,
                                                      collector_pg_reviews_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_USER_STORE,
                                                      collector_pg_users_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_STORE,
                                                      collector_pg_store_iface_init))

gint64
collector_pg_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---------------------------------------------------------------- statements */

/* libpq's messages end in a newline and may span lines. */
static char *
one_line (const char *message)
{
  g_auto(GStrv) words = g_strsplit_set (message != NULL ? message : "", " \t\n", -1);
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_string_append_printf (line, "%s%s", line->len > 0 ? " " : "", words[i]);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* Sets a COLLECTOR_ERROR_STORE from a failed result (or none, when libpq
 * could not even send) and keeps its SQLSTATE for the caller to look at. */
static gboolean
set_error (CollectorPgConn  *conn,
           const PGresult   *res,
           GError          **error)
{
  const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = res != NULL ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *message = one_line (primary != NULL ? primary : PQerrorMessage (conn->pg));

  g_strlcpy (conn->sqlstate, state != NULL ? state : "", sizeof conn->sqlstate);
  if (PQstatus (conn->pg) != CONNECTION_OK)
    g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                 "Lost the connection to the database: %s", message);
  else
    g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                 "The database refused a statement: %s (SQLSTATE %s)", message, conn->sqlstate);
  return FALSE;
}

static gboolean
result_ok (const PGresult *res)
{
  ExecStatusType status = PQresultStatus (res);

  return res != NULL && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
}

gboolean
collector_pg_exec (CollectorPgConn  *conn,
                   const char       *sql,
                   GError          **error)
{
  PGresult *res = PQexec (conn->pg, sql);
  gboolean ok = result_ok (res);

  if (!ok)
    set_error (conn, res, error);
  PQclear (res);
  return ok;
}

gboolean
collector_pg_failed_with (CollectorPgConn  *conn,
                          const char       *sqlstate,
                          GError          **error)
{
  if (!g_str_equal (conn->sqlstate, sqlstate))
    return FALSE;
  g_clear_error (error);
  return TRUE;
}

/* Statements are prepared once per connection, named after their order. */
static const char *
prepared_name (CollectorPgConn  *conn,
               const char       *sql,
               GError          **error)
{
  char *name = g_hash_table_lookup (conn->prepared, sql);
  PGresult *res;

  if (name != NULL)
    return name;
  name = g_strdup_printf ("verval_%u", ++conn->n_prepared);
  res = PQprepare (conn->pg, name, sql, 0, NULL);
  if (!result_ok (res))
    {
      set_error (conn, res, error);
      g_prefix_error (error, "Cannot prepare a statement: ");
      g_debug ("Cannot prepare: %s", sql);
      PQclear (res);
      g_free (name);
      return NULL;
    }
  PQclear (res);
  g_hash_table_insert (conn->prepared, (gpointer) sql, name);
  return name;
}

/* An instant as PostgreSQL reads it exactly, in UTC. */
static void
format_usec (gint64  usec,
             char   *buf,
             gsize   size)
{
  gint64 seconds = usec / G_USEC_PER_SEC;
  gint64 micro = usec % G_USEC_PER_SEC;
  g_autoptr(GDateTime) t = NULL;
  int year, month, day;

  if (micro < 0)
    {
      seconds--;
      micro += G_USEC_PER_SEC;
    }
  if ((t = g_date_time_new_from_unix_utc (seconds)) == NULL)
    {
      g_strlcpy (buf, usec < 0 ? "-infinity" : "infinity", size);
      return;
    }
  g_date_time_get_ymd (t, &year, &month, &day);
  g_snprintf (buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", year, month, day,
              g_date_time_get_hour (t), g_date_time_get_minute (t), g_date_time_get_second (t),
              (int) micro);
}

static PGresult *
query_valist (CollectorPgConn  *conn,
              const char       *sql,
              GError          **error,
              va_list           args)
{
  const char *values[MAX_PARAMS];
  char buffers[MAX_PARAMS][48];
  const char *name = prepared_name (conn, sql, error);
  PGresult *res;
  int type, n = 0;

  if (name == NULL)
    return NULL;
  while ((type = va_arg (args, int)) != PG_END)
    {
      g_assert (n < MAX_PARAMS);
      values[n] = buffers[n];
      switch (type)
        {
        case PG_ARG_TEXT:
          values[n] = va_arg (args, const char *);
          break;
        case PG_ARG_INT:
          g_snprintf (buffers[n], sizeof buffers[n], "%" G_GINT64_FORMAT, va_arg (args, gint64));
          break;
        case PG_ARG_BOOL:
          values[n] = va_arg (args, gboolean) ? "t" : "f";
          break;
        case PG_ARG_REAL:
          {
            double d = va_arg (args, double);

            if (isnan (d))
              values[n] = NULL;
            else
              g_ascii_dtostr (buffers[n], sizeof buffers[n], d);
          }
          break;
        case PG_ARG_USEC:
          format_usec (va_arg (args, gint64), buffers[n], sizeof buffers[n]);
          break;
        default:
          g_assert_not_reached ();
        }
      n++;
    }
  res = PQexecPrepared (conn->pg, name, n, values, NULL, NULL, 0);
  if (!result_ok (res))
    {
      set_error (conn, res, error);
      PQclear (res);
      return NULL;
    }
  return res;
}

PGresult *
collector_pg_query (CollectorPgConn  *conn,
                    const char       *sql,
                    GError          **error,
                    ...)
{
  va_list args;
  PGresult *res;

  va_start (args, error);
  res = query_valist (conn, sql, error, args);
  va_end (args);
  return res;
}

gint64
collector_pg_command (CollectorPgConn  *conn,
                      const char       *sql,
                      GError          **error,
                      ...)
{
  va_list args;
  PGresult *res;
  gint64 changed;

  va_start (args, error);
  res = query_valist (conn, sql, error, args);
  va_end (args);
  if (res == NULL)
    return -1;
  changed = g_ascii_strtoll (PQcmdTuples (res), NULL, 10);
  PQclear (res);
  return changed;
}

gint64
collector_pg_command_values (CollectorPgConn    *conn,
                             const char         *sql,
                             int                 n_values,
                             const char * const *values,
                             GError            **error)
{
  const char *name = prepared_name (conn, sql, error);
  PGresult *res;
  gint64 changed;

  if (name == NULL)
    return -1;
  res = PQexecPrepared (conn->pg, name, n_values, values, NULL, NULL, 0);
  if (!result_ok (res))
    {
      set_error (conn, res, error);
      PQclear (res);
      return -1;
    }
  changed = g_ascii_strtoll (PQcmdTuples (res), NULL, 10);
  PQclear (res);
  return changed;
}

/* ---------------------------------------------------------------- rows */

static gboolean
row_is_null (gconstpointer row,
             int           column)
{
  const CollectorPgRow *r = row;

  return PQgetisnull (r->res, r->row, column);
}

gint64
collector_pg_get_int (const PGresult *res,
                      int             row,
                      int             column)
{
  if (PQgetisnull (res, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (res, row, column), NULL, 10);
}

char *
collector_pg_get_dup (const PGresult *res,
                      int             row,
                      int             column)
{
  if (PQgetisnull (res, row, column))
    return NULL;
  return g_strdup (PQgetvalue (res, row, column));
}

static gint64
row_integer (gconstpointer row,
             int           column)
{
  const CollectorPgRow *r = row;

  return collector_pg_get_int (r->res, r->row, column);
}

static gboolean
row_boolean (gconstpointer row,
             int           column)
{
  const CollectorPgRow *r = row;

  return !PQgetisnull (r->res, r->row, column) && PQgetvalue (r->res, r->row, column)[0] == 't';
}

/* PostgreSQL writes floats exactly (extra_float_digits, set on connecting). */
static double
row_real (gconstpointer row,
          int           column)
{
  const CollectorPgRow *r = row;

  if (PQgetisnull (r->res, r->row, column))
    return 0;
  return g_ascii_strtod (PQgetvalue (r->res, r->row, column), NULL);
}

static const char *
row_text (gconstpointer row,
          int           column)
{
  const CollectorPgRow *r = row;

  if (PQgetisnull (r->res, r->row, column))
    return NULL;
  return PQgetvalue (r->res, r->row, column);
}

const CollectorRowReader collector_pg_row_reader = {
  row_is_null, row_integer, row_boolean, row_real, row_text,
};

void
collector_pg_add_rows (GPtrArray          *out,
                       PGresult           *res,
                       CollectorPgFromRow  convert)
{
  for (int i = 0; i < PQntuples (res); i++)
    {
      CollectorPgRow row = { res, i };

      g_ptr_array_add (out, convert (&COLLECTOR_PG_ROW (&row), 0));
    }
  PQclear (res);
}

void
collector_pg_set_not_found (GError     **error,
                            const char  *what,
                            gint64       id)
{
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
               "No %s number %" G_GINT64_FORMAT, what, id);
}

/* ---------------------------------------------------------------- counters */

gboolean
collector_pg_next_seq (CollectorPgConn  *conn,
                       const char       *counter,
                       gint64           *seq,
                       GError          **error)
{
  static const char *sql = "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (counter), PG_END);

  if (res == NULL)
    return FALSE;
  g_assert (PQntuples (res) == 1);
  *seq = collector_pg_get_int (res, 0, 0);
  PQclear (res);
  return TRUE;
}

gboolean
collector_pg_lock_seq (CollectorPgConn  *conn,
                       const char       *counter,
                       GError          **error)
{
  static const char *sql = "SELECT value FROM counters WHERE name = $1 FOR UPDATE";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (counter), PG_END);

  PQclear (res);
  return res != NULL;
}

/* Only asked when a page came back empty: rows after the cursor prove it. */
gboolean
collector_pg_check_cursor (CollectorPgConn  *conn,
                           const char       *counter,
                           gint64            cursor,
                           GError          **error)
{
  static const char *sql = "SELECT value FROM counters WHERE name = $1";
  PGresult *res;
  gint64 highest;

  if (cursor == 0)
    return TRUE;
  if ((res = collector_pg_query (conn, sql, error, PG_TEXT (counter), PG_END)) == NULL)
    return FALSE;
  highest = PQntuples (res) > 0 ? collector_pg_get_int (res, 0, 0) : 0;
  PQclear (res);
  return collector_rules_check_cursor (cursor, highest, error);
}

/* ---------------------------------------------------------------- connections */

static void
notice_to_debug (void       *data,
                 const char *message)
{
  g_autofree char *line = one_line (message);

  g_debug ("PostgreSQL: %s", line);
}

/* What every session of the store needs, after each (re)connection:
 * floats written so that they read back exactly. */
static gboolean
conn_setup (CollectorPgStore  *self,
            PooledConn        *pooled,
            guint              epoch,
            GError           **error)
{
  CollectorPgConn *conn = &pooled->base;

  g_hash_table_remove_all (conn->prepared);
  if (PQstatus (conn->pg) != CONNECTION_OK)
    {
      g_autofree char *message = one_line (PQerrorMessage (conn->pg));

      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                   "Cannot connect to the database %s: %s", self->display, message);
      return FALSE;
    }
  if (!collector_pg_exec (conn, "SET extra_float_digits = 3", error))
    return FALSE;
  pooled->epoch = epoch;
  return TRUE;
}

static PooledConn *
conn_open (CollectorPgStore *self)
{
  /* defaults before dbname, which the conninfo expands into and may
   * override; what the store relies on after it */
  static const char * const keywords[] = {
    "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "application_name",
    "dbname",
    "client_encoding",
    NULL
  };
  const char *values[] = {
    "10", "1", "30", "10",
    "3", "60000", "verval-collector",
    self->conninfo,
    "UTF8",
    NULL
  };
  PooledConn *pooled = g_new0 (PooledConn, 1);

  pooled->base.prepared = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  pooled->base.pg = PQconnectdbParams (keywords, values, 1);
  if (pooled->base.pg != NULL)
    PQsetNoticeProcessor (pooled->base.pg, notice_to_debug, NULL);
  return pooled;
}

static void
conn_free (PooledConn *pooled)
{
  if (pooled == NULL)
    return;
  PQfinish (pooled->base.pg);
  g_hash_table_unref (pooled->base.prepared);
  g_free (pooled);
}

/* A connection that works: made anew if it was lost, and checked with an
 * empty query if another connection was lost since it was last used (the
 * server restarted, say). */
static gboolean
conn_ready (CollectorPgStore  *self,
            PooledConn        *pooled,
            gboolean           fresh,
            GError           **error)
{
  PGconn *pg = pooled->base.pg;
  guint epoch;

  g_mutex_lock (&self->lock);
  epoch = self->epoch;
  g_mutex_unlock (&self->lock);

  if (pg == NULL)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE, "Out of memory for a database connection");
      return FALSE;
    }
  if (fresh)
    return conn_setup (self, pooled, epoch, error);
  if (PQstatus (pg) == CONNECTION_OK && pooled->epoch != epoch)
    {
      PGresult *res = PQexec (pg, "");

      PQclear (res);
      pooled->epoch = epoch;
    }
  if (PQstatus (pg) == CONNECTION_OK)
    return TRUE;
  g_debug ("Connecting again to %s", self->display);
  PQreset (pg);
  return conn_setup (self, pooled, epoch, error);
}

static void
note_lost (CollectorPgStore *self)
{
  g_mutex_lock (&self->lock);
  self->epoch++;
  g_mutex_unlock (&self->lock);
}

static gboolean
lock_if_open (CollectorPgStore  *self,
              GError           **error)
{
  g_mutex_lock (&self->lock);
  if (!self->closed)
    return TRUE;
  g_mutex_unlock (&self->lock);
  g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN, "The store is closed");
  return FALSE;
}

static void
pool_release (CollectorPgStore *self,
              PooledConn       *pooled)
{
  /* nothing may stay open on a connection handed to another call */
  if (PQstatus (pooled->base.pg) == CONNECTION_OK &&
      PQtransactionStatus (pooled->base.pg) != PQTRANS_IDLE)
    PQclear (PQexec (pooled->base.pg, "ROLLBACK"));

  g_mutex_lock (&self->lock);
  g_queue_push_head (&self->idle, pooled);
  self->n_busy--;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* An idle connection, or a new one while the pool is not full; waits for
 * one to come back otherwise. */
static PooledConn *
pool_acquire (CollectorPgStore  *self,
              GError           **error)
{
  PooledConn *pooled = NULL;

  if (!lock_if_open (self, error))
    return NULL;
  while (!self->closed && self->idle.length == 0 && self->n_open >= COLLECTOR_PG_POOL_SIZE)
    g_cond_wait (&self->cond, &self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN, "The store is closed");
      return NULL;
    }
  pooled = g_queue_pop_head (&self->idle);
  if (pooled == NULL)
    self->n_open++;
  self->n_busy++;
  g_mutex_unlock (&self->lock);

  /* connecting takes a while: not under the lock */
  if (pooled == NULL)
    {
      pooled = conn_open (self);
      if (!conn_ready (self, pooled, TRUE, error))
        {
          pool_release (self, pooled);
          return NULL;
        }
      return pooled;
    }
  if (!conn_ready (self, pooled, FALSE, error))
    {
      pool_release (self, pooled);
      return NULL;
    }
  return pooled;
}

static gboolean
is_conflict (const char *sqlstate)
{
  /* serialization_failure, deadlock_detected */
  return g_str_equal (sqlstate, "40001") || g_str_equal (sqlstate, "40P01");
}

static gboolean
run (CollectorPgStore  *self,
     gboolean           transaction,
     CollectorPgFunc    func,
     gpointer           data,
     GError           **error)
{
  PooledConn *pooled = pool_acquire (self, error);
  CollectorPgConn *conn;
  g_autoptr(GError) local_error = NULL;
  gboolean ok = FALSE, reconnected = FALSE;
  guint conflicts = 0;

  if (pooled == NULL)
    return FALSE;
  conn = &pooled->base;
  while (TRUE)
    {
      gboolean committing = FALSE;

      g_clear_error (&local_error);
      conn->sqlstate[0] = '\0';
      ok = !transaction || collector_pg_exec (conn, "BEGIN ISOLATION LEVEL READ COMMITTED", &local_error);
      ok = ok && func (conn, data, &local_error);
      if (ok && transaction)
        {
          committing = TRUE;
          ok = collector_pg_exec (conn, "COMMIT", &local_error);
        }
      if (ok)
        break;
      g_assert (local_error != NULL);

      if (PQstatus (conn->pg) != CONNECTION_OK)
        {
          note_lost (self);
          /* the server rolled back what it had not committed; a lost
           * COMMIT may have committed, and only the caller may try again */
          if (committing || reconnected)
            break;
          g_debug ("%s; connecting again", local_error->message);
          reconnected = TRUE;
          g_clear_error (&local_error);
          if (!conn_ready (self, pooled, FALSE, &local_error))
            break;
          continue;
        }
      if (transaction)
        PQclear (PQexec (conn->pg, "ROLLBACK"));
      if (!is_conflict (conn->sqlstate) || ++conflicts > MAX_CONFLICTS)
        break;
      /* another transaction won: let it finish before running again */
      g_debug ("%s; running the transaction again", local_error->message);
      g_usleep (g_random_int_range (1000, 5000) * conflicts);
    }
  pool_release (self, pooled);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

gboolean
collector_pg_write (CollectorPgStore  *self,
                    CollectorPgFunc    func,
                    gpointer           data,
                    GError           **error)
{
  return run (self, TRUE, func, data, error);
}

gboolean
collector_pg_read (CollectorPgStore  *self,
                   CollectorPgFunc    func,
                   gpointer           data,
                   GError           **error)
{
  return run (self, FALSE, func, data, error);
}

typedef struct
{
  const char        *sql;
  const char        *counter;
  gint64             enumerator_id;
  gint64             cursor;
  guint              limit;
  CollectorPageAddRow add;
  gpointer           page;
  gboolean          *more;
} PullData;

/* Run again after a lost connection, it adds no row twice: it adds rows
 * only after its last statement answered. */
static gboolean
do_pull (CollectorPgConn  *conn,
         gpointer          data,
         GError          **error)
{
  PullData *d = data;
  PGresult *res = collector_pg_query (conn, d->sql, error, PG_INT (d->enumerator_id), PG_INT (d->cursor),
                                      PG_INT ((gint64) d->limit + 1), PG_END);
  int n;

  if (res == NULL)
    return FALSE;
  if ((n = PQntuples (res)) == 0)
    {
      PQclear (res);
      return collector_pg_check_cursor (conn, d->counter, d->cursor, error);
    }
  for (int i = 0; i < MIN (n, (int) d->limit); i++)
    {
      CollectorPgRow row = { res, i };

      d->add (d->page, &COLLECTOR_PG_ROW (&row));
    }
  PQclear (res);
  *d->more = n > (int) d->limit;
  return TRUE;
}

gboolean
collector_pg_pull (CollectorPgStore   *self,
                   const char         *sql,
                   const char         *counter,
                   gint64              enumerator_id,
                   gint64              cursor,
                   guint               limit,
                   CollectorPageAddRow   add,
                   gpointer            page,
                   gboolean           *more,
                   GError            **error)
{
  PullData d = { sql, counter, enumerator_id, cursor, limit, add, page, more };

  return collector_pg_read (self, do_pull, &d, error);
}

/* ---------------------------------------------------------------- failures */

typedef struct
{
  const char *kind;
  const char *key;
  gint64      at;             /* noted, or the earliest asked for */
  gint64      forget_before;
  guint       limit;
  GArray     *times;
} FailureData;

static gboolean
do_note_failure (CollectorPgConn  *conn,
                 gpointer          data,
                 GError          **error)
{
  FailureData *d = data;
  static const char *forget_sql = "DELETE FROM auth_failures WHERE kind = $1 AND at < to_timestamp ($2)";
  static const char *note_sql = "INSERT INTO auth_failures (kind, key, at) VALUES ($1, $2, to_timestamp ($3))";

  return collector_pg_command (conn, forget_sql, error, PG_TEXT (d->kind), PG_INT (d->forget_before),
                               PG_END) >= 0 &&
         collector_pg_command (conn, note_sql, error, PG_TEXT (d->kind), PG_TEXT (d->key), PG_INT (d->at),
                               PG_END) >= 0;
}

static gboolean
pg_note_failure (CollectorStore  *store,
                 const char      *kind,
                 const char      *key,
                 gint64           at,
                 gint64           forget_before,
                 GError         **error)
{
  FailureData d = { kind, key, at, forget_before, 0, NULL };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_note_failure, &d, error);
}

static gboolean
do_recent_failures (CollectorPgConn  *conn,
                    gpointer          data,
                    GError          **error)
{
  FailureData *d = data;
  static const char *sql =
    "SELECT " PG_SECONDS_OF ("at") " FROM auth_failures"
    " WHERE kind = $1 AND key = $2 AND at >= to_timestamp ($3) ORDER BY at DESC LIMIT $4";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (d->kind), PG_TEXT (d->key), PG_INT (d->at),
                                      PG_INT (d->limit), PG_END);

  if (res == NULL)
    return FALSE;
  g_array_set_size (d->times, 0);
  for (int r = 0; r < PQntuples (res); r++)
    {
      gint64 at = collector_pg_get_int (res, r, 0);

      g_array_append_val (d->times, at);
    }
  PQclear (res);
  return TRUE;
}

static GArray *
pg_recent_failures (CollectorStore  *store,
                    const char      *kind,
                    const char      *key,
                    gint64           since,
                    guint            limit,
                    GError         **error)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  FailureData d = { kind, key, since, 0, limit, times };

  if (!collector_pg_read (COLLECTOR_PG_STORE (store), do_recent_failures, &d, error))
    return NULL;
  return g_steal_pointer (&times);
}

/* ---------------------------------------------------------------- lifecycle */

/* Waits for the calls in flight: they finish their transactions. */
static void
pg_close (CollectorStore *store)
{
  CollectorPgStore *self = COLLECTOR_PG_STORE (store);
  PooledConn *pooled;

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_cond_broadcast (&self->cond);
  while (self->n_busy > 0)
    g_cond_wait (&self->cond, &self->lock);
  while ((pooled = g_queue_pop_head (&self->idle)) != NULL)
    {
      conn_free (pooled);
      self->n_open--;
    }
  g_mutex_unlock (&self->lock);
}

static void
collector_pg_store_finalize (GObject *object)
{
  CollectorPgStore *self = COLLECTOR_PG_STORE (object);

  pg_close (COLLECTOR_STORE (self));
  g_free (self->conninfo);
  g_free (self->display);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (collector_pg_store_parent_class)->finalize (object);
}

static void
collector_pg_store_class_init (CollectorPgStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = collector_pg_store_finalize;
}

static void
collector_pg_store_init (CollectorPgStore *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->idle);
}

static void
collector_pg_store_iface_init (CollectorStoreInterface *iface)
{
  iface->close = pg_close;
  iface->note_failure = pg_note_failure;
  iface->recent_failures = pg_recent_failures;
}

static gboolean
do_migrate (CollectorPgConn  *conn,
            gpointer          data,
            GError          **error)
{
  return collector_pg_migrate (conn, error);
}

CollectorStore *
collector_pg_store_new (const char  *conninfo,
                        GError     **error)
{
  g_autoptr(CollectorPgStore) self = NULL;
  PQconninfoOption *options;

  g_return_val_if_fail (conninfo != NULL, NULL);

  self = g_object_new (COLLECTOR_TYPE_PG_STORE, NULL);
  self->conninfo = g_strdup (conninfo);
  self->display = collector_pg_conninfo_redact (conninfo);
  if (!PQisthreadsafe ())
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                           "This libpq is not thread-safe; the PostgreSQL store needs one that is");
      return NULL;
    }
  /* libpq's own complaint may quote a piece of the text, password and all */
  if ((options = PQconninfoParse (conninfo, NULL)) == NULL)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                   "Cannot read the database address %s: it is neither a postgresql:// URL nor "
                   "keyword=value settings that libpq knows", self->display);
      return NULL;
    }
  PQconninfoFree (options);
  /* each migration is its own transaction: run on its own, not in one */
  if (!run (self, FALSE, do_migrate, NULL, error))
    return NULL;
  return COLLECTOR_STORE (g_steal_pointer (&self));
}
