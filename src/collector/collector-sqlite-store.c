/* collector-sqlite-store.c: the embedded SQLite store
 *
 * One writer: every change goes through a queue to a single thread that owns
 * the write connection. It takes all the jobs waiting at once and commits
 * them in one transaction (each job in its own savepoint, so one failing job
 * leaves the others alone): concurrent batches share one fsync. Callers block
 * until their job is durable. Reads use a small pool of connections, which
 * WAL lets run beside the writer.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-sqlite-private.h"
#include "collector-sqlite-store.h"

#define N_READERS       4
#define MAX_GROUP_JOBS  64
#define BUSY_TIMEOUT_MS 10000

typedef struct
{
  sqlite3    *db;
  GHashTable *stmts;  /* SQL text (static, by pointer) → sqlite3_stmt* */
} Conn;

typedef gboolean (*WriteFunc) (CollectorSqliteStore *self,
                               Conn                 *conn,
                               gpointer              data,
                               GError              **error);

typedef struct
{
  WriteFunc  func;    /* NULL: stop the writer */
  gpointer   data;
  gboolean   ok;
  gboolean   done;
  GError    *error;
} WriteJob;

struct _CollectorSqliteStore
{
  GObject      parent_instance;

  char        *path;
  Conn        *writer;
  GThread     *writer_thread;
  GAsyncQueue *jobs;
  GAsyncQueue *readers;
  GPtrArray   *all_readers;

  GMutex       lock;      /* guards closed, and the done flags of jobs */
  GCond        done_cond;
  gboolean     closed;
};

static void collector_sqlite_store_iface_init (CollectorStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CollectorSqliteStore, collector_sqlite_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_STORE,
                                                      collector_sqlite_store_iface_init))

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

gboolean
collector_sqlite_set_error (GError    **error,
                            sqlite3    *db,
                            const char *what)
{
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
               "%s: %s (SQLite error %d)", what, sqlite3_errmsg (db),
               sqlite3_extended_errcode (db));
  return FALSE;
}

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
conn_free (Conn *conn)
{
  if (conn == NULL)
    return;
  g_clear_pointer (&conn->stmts, g_hash_table_unref);
  sqlite3_close_v2 (conn->db);
  g_free (conn);
}

static Conn *
conn_open (const char *path,
           gboolean    writer,
           GError    **error)
{
  Conn *conn = g_new0 (Conn, 1);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  static const char *writer_pragmas =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = FULL;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA temp_store = MEMORY;";
  static const char *reader_pragmas =
    "PRAGMA foreign_keys = ON;"
    "PRAGMA query_only = ON;";

  if (writer)
    flags |= SQLITE_OPEN_CREATE;
  conn->stmts = g_hash_table_new_full (NULL, NULL, NULL, stmt_finalize);
  if (sqlite3_open_v2 (path, &conn->db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                   "Cannot open the database %s: %s", path,
                   conn->db != NULL ? sqlite3_errmsg (conn->db) : "out of memory");
      conn_free (conn);
      return NULL;
    }
  sqlite3_extended_result_codes (conn->db, 1);
  sqlite3_busy_timeout (conn->db, BUSY_TIMEOUT_MS);
  if (sqlite3_exec (conn->db, writer ? writer_pragmas : reader_pragmas,
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      collector_sqlite_set_error (error, conn->db, "Cannot configure the database");
      conn_free (conn);
      return NULL;
    }
  return conn;
}

/* Statements are cached by the address of their (static) SQL text. */
static sqlite3_stmt *
conn_stmt (Conn       *conn,
           const char *sql,
           GError    **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (conn->stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      collector_sqlite_set_error (error, conn->db, "Cannot prepare a statement");
      return NULL;
    }
  g_hash_table_insert (conn->stmts, (gpointer) sql, stmt);
  return stmt;
}

static gboolean
conn_exec (Conn       *conn,
           const char *sql,
           GError    **error)
{
  if (sqlite3_exec (conn->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return collector_sqlite_set_error (error, conn->db, "Cannot run a statement");
  return TRUE;
}

/* Steps past any rows and readies the statement again: the last step's code. */
static int
stmt_step_all (sqlite3_stmt *stmt)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  return rc;
}

/* @rc: a step's code, or -1 when the statement could not be prepared. */
static gboolean
step_ok (Conn    *conn,
         int      rc,
         GError **error)
{
  if (rc == -1)
    return FALSE;
  if (rc != SQLITE_DONE)
    return collector_sqlite_set_error (error, conn->db, "Cannot write");
  return TRUE;
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
static gboolean
stmt_done (Conn         *conn,
           sqlite3_stmt *stmt,
           GError      **error)
{
  return step_ok (conn, stmt_step_all (stmt), error);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

/* Typed arguments for conn_step(): the casts keep the varargs honest. */
enum { ARG_END, ARG_TEXT, ARG_INT };
#define TEXT_ARG(s) ARG_TEXT, (const char *) (s)
#define INT_ARG(i)  ARG_INT, (gint64) (i)

/* Runs a cached statement with its parameters (TEXT_ARG, INT_ARG, …, ARG_END)
 * bound in order, ignoring any rows. Returns the last step's result code, or
 * -1 (with @error set) when the statement cannot be prepared: for writes
 * whose caller says what a failure (a constraint) means. */
static int
conn_step (Conn       *conn,
           const char *sql,
           GError    **error,
           ...)
{
  sqlite3_stmt *stmt = conn_stmt (conn, sql, error);
  va_list args;
  int type;

  if (stmt == NULL)
    return -1;
  va_start (args, error);
  for (int index = 1; (type = va_arg (args, int)) != ARG_END; index++)
    {
      if (type == ARG_TEXT)
        bind_text (stmt, index, va_arg (args, const char *));
      else
        sqlite3_bind_int64 (stmt, index, va_arg (args, gint64));
    }
  va_end (args);
  return stmt_step_all (stmt);
}

/* conn_step() for writes whose only outcome is success or a store error. */
#define conn_run(conn, sql, error, ...) \
  step_ok ((conn), conn_step ((conn), (sql), (error), __VA_ARGS__), (error))

/* After an UPDATE of the row @id of @table: no row changed means no such row. */
static gboolean
check_found (Conn       *conn,
             const char *table,
             gint64      id,
             GError    **error)
{
  if (sqlite3_changes (conn->db) != 0)
    return TRUE;
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
               "No %s number %" G_GINT64_FORMAT, table, id);
  return FALSE;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           index)
{
  const char *text = (const char *) sqlite3_column_text (stmt, index);

  return g_strdup (text);
}

/* ---------------------------------------------------------------- writer */

static void
run_group (CollectorSqliteStore *self,
           GPtrArray            *jobs)
{
  g_autoptr(GError) error = NULL;
  gboolean any = FALSE;

  for (guint i = 0; i < jobs->len; i++)
    any |= ((WriteJob *) g_ptr_array_index (jobs, i))->func != NULL;
  if (!any)
    return;

  if (!conn_exec (self->writer, "BEGIN IMMEDIATE;", &error))
    goto fail_all;
  for (guint i = 0; i < jobs->len; i++)
    {
      WriteJob *job = g_ptr_array_index (jobs, i);

      if (job->func == NULL)
        continue;
      if (!conn_exec (self->writer, "SAVEPOINT job;", &error))
        goto fail_all;
      job->ok = job->func (self, self->writer, job->data, &job->error);
      if (!job->ok)
        {
          g_assert (job->error != NULL);
          if (!conn_exec (self->writer, "ROLLBACK TO job;", &error))
            goto fail_all;
        }
      if (!conn_exec (self->writer, "RELEASE job;", &error))
        goto fail_all;
    }
  if (!conn_exec (self->writer, "COMMIT;", &error))
    goto fail_all;
  return;

fail_all:
  g_warning ("Write transaction failed: %s", error->message);
  sqlite3_exec (self->writer->db, "ROLLBACK;", NULL, NULL, NULL);
  for (guint i = 0; i < jobs->len; i++)
    {
      WriteJob *job = g_ptr_array_index (jobs, i);

      job->ok = FALSE;
      g_clear_error (&job->error);
      job->error = g_error_copy (error);
    }
}

static gpointer
writer_thread (gpointer data)
{
  CollectorSqliteStore *self = data;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
  gboolean stop = FALSE;

  while (!stop)
    {
      WriteJob *job = g_async_queue_pop (self->jobs);

      g_ptr_array_set_size (jobs, 0);
      g_ptr_array_add (jobs, job);
      stop = job->func == NULL;
      while (!stop && jobs->len < MAX_GROUP_JOBS &&
             (job = g_async_queue_try_pop (self->jobs)) != NULL)
        {
          g_ptr_array_add (jobs, job);
          stop = job->func == NULL;
        }

      run_group (self, jobs);

      g_mutex_lock (&self->lock);
      for (guint i = 0; i < jobs->len; i++)
        ((WriteJob *) g_ptr_array_index (jobs, i))->done = TRUE;
      g_cond_broadcast (&self->done_cond);
      g_mutex_unlock (&self->lock);
    }
  return NULL;
}

/* Takes the lock if the store is still open; the caller releases it. */
static gboolean
lock_if_open (CollectorSqliteStore *self,
              GError              **error)
{
  g_mutex_lock (&self->lock);
  if (!self->closed)
    return TRUE;
  g_mutex_unlock (&self->lock);
  g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN,
                       "The store is closed");
  return FALSE;
}

static gboolean
run_write (CollectorSqliteStore *self,
           WriteFunc             func,
           gpointer              data,
           GError              **error)
{
  WriteJob job = { func, data, FALSE, FALSE, NULL };

  if (!lock_if_open (self, error))
    return FALSE;
  g_async_queue_push (self->jobs, &job);
  while (!job.done)
    g_cond_wait (&self->done_cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (!job.ok)
    {
      g_propagate_error (error, job.error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
next_seq (Conn   *conn,
          gint64 *seq,
          GError **error)
{
  static const char *sql = "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value";
  sqlite3_stmt *stmt = conn_stmt (conn, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return collector_sqlite_set_error (error, conn->db, "Cannot advance the sequence");
    }
  *seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* ---------------------------------------------------------------- readers */

static Conn *
reader_acquire (CollectorSqliteStore *self,
                GError              **error)
{
  if (!lock_if_open (self, error))
    return NULL;
  g_mutex_unlock (&self->lock);
  return g_async_queue_pop (self->readers);
}

static void
reader_release (CollectorSqliteStore *self,
                Conn                 *conn)
{
  g_async_queue_push (self->readers, conn);
}

/* A reader with the statement ready; release the reader when done. */
static sqlite3_stmt *
reader_statement (CollectorSqliteStore *self,
                  const char           *sql,
                  Conn                **conn,
                  GError              **error)
{
  sqlite3_stmt *stmt;

  if ((*conn = reader_acquire (self, error)) == NULL)
    return NULL;
  if ((stmt = conn_stmt (*conn, sql, error)) == NULL)
    {
      reader_release (self, *conn);
      return NULL;
    }
  return stmt;
}

/* A page of one enumerator's rows after @cursor: the statement's parameters
 * are (enumerator, cursor, limit), and one row more than @limit is asked
 * for, to tell whether there are more. */
static sqlite3_stmt *
reader_page_statement (CollectorSqliteStore *self,
                       const char           *sql,
                       gint64                enumerator_id,
                       gint64                cursor,
                       guint                 limit,
                       Conn                **conn,
                       GError              **error)
{
  sqlite3_stmt *stmt = reader_statement (self, sql, conn, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, enumerator_id);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
  return stmt;
}

/* Ends a read from reader_statement(), @rc being the last step: a read
 * that stopped early on a row is fine. Releases the reader. */
static gboolean
reader_finish (CollectorSqliteStore *self,
               Conn                 *conn,
               sqlite3_stmt         *stmt,
               int                   rc,
               const char           *what,
               GError              **error)
{
  gboolean ok = rc == SQLITE_DONE || rc == SQLITE_ROW;

  sqlite3_reset (stmt);
  if (!ok)
    collector_sqlite_set_error (error, conn->db, what);
  reader_release (self, conn);
  return ok;
}

/* A cursor is a sequence number this collector gave; one past the highest
 * it ever gave (a collector restored from an older backup, a made-up value)
 * would silently return nothing for ever. @sql reads the highest given.
 * Only asked when a page came back empty: rows after the cursor prove it. */
static gboolean
check_cursor_given (CollectorSqliteStore *self,
                    const char           *sql,
                    gint64                cursor,
                    GError              **error)
{
  Conn *conn;
  sqlite3_stmt *stmt;
  int rc;
  gint64 highest;

  if (cursor == 0)
    return TRUE;
  if ((stmt = reader_statement (self, sql, &conn, error)) == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  highest = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  if (!reader_finish (self, conn, stmt, rc, "Cannot read the sequence", error))
    return FALSE;
  if (cursor > highest)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CURSOR,
                   "This collector never gave cursor %" G_GINT64_FORMAT " (it is at %" G_GINT64_FORMAT
                   "; was it restored from a backup?): pull again from 0", cursor, highest);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- households */

typedef struct
{
  GPtrArray *households;
  guint      n_new;
  guint      n_updated;
} UpsertData;

static gboolean
do_upsert_households (CollectorSqliteStore *self,
                      Conn                 *conn,
                      gpointer              data,
                      GError              **error)
{
  UpsertData *d = data;
  static const char *select_sql =
    "SELECT source, village_code, head_name, nik, kk, address, data FROM households WHERE id = ?";
  static const char *insert_sql =
    "INSERT INTO households (id, source, village_code, head_name, nik, kk, address, data, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET source = excluded.source, village_code = excluded.village_code,"
    " head_name = excluded.head_name, nik = excluded.nik, kk = excluded.kk,"
    " address = excluded.address, data = excluded.data, updated_at = excluded.updated_at";
  static const char *touch_sql =
    "UPDATE assignments SET seq = ? WHERE household_id = ? AND active = 1";
  gint64 now = now_seconds ();

  d->n_new = d->n_updated = 0;
  for (guint i = 0; i < d->households->len; i++)
    {
      CollectorHousehold *h = g_ptr_array_index (d->households, i);
      const char *values[] = { h->source, h->village_code, h->head_name, h->nik, h->kk,
                               h->address, h->data_json };
      sqlite3_stmt *stmt;
      gboolean exists = FALSE, same = FALSE;
      int rc;

      if ((stmt = conn_stmt (conn, select_sql, error)) == NULL)
        return FALSE;
      bind_text (stmt, 1, h->id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          exists = TRUE;
          same = TRUE;
          for (guint c = 0; c < G_N_ELEMENTS (values); c++)
            same &= g_strcmp0 ((const char *) sqlite3_column_text (stmt, c),
                               values[c] != NULL ? values[c] : "") == 0;
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return collector_sqlite_set_error (error, conn->db, "Cannot read a household");
      if (same)
        continue;

      if ((stmt = conn_stmt (conn, insert_sql, error)) == NULL)
        return FALSE;
      bind_text (stmt, 1, h->id);
      for (guint c = 0; c < G_N_ELEMENTS (values); c++)
        bind_text (stmt, c + 2, values[c] != NULL ? values[c] : "");
      sqlite3_bind_int64 (stmt, 9, now);
      if (!stmt_done (conn, stmt, error))
        return FALSE;

      if (exists)
        {
          gint64 seq;

          /* a changed household goes down again to whoever has it */
          if (!next_seq (conn, &seq, error) ||
              !conn_run (conn, touch_sql, error, INT_ARG (seq), TEXT_ARG (h->id), ARG_END))
            return FALSE;
          d->n_updated++;
        }
      else
        d->n_new++;
    }
  return TRUE;
}

static gboolean
sqlite_upsert_households (CollectorStore *store,
                          GPtrArray      *households,
                          guint          *n_new,
                          guint          *n_updated,
                          GError        **error)
{
  UpsertData d = { households, 0, 0 };

  if (!run_write (COLLECTOR_SQLITE_STORE (store), do_upsert_households, &d, error))
    return FALSE;
  if (n_new != NULL)
    *n_new = d.n_new;
  if (n_updated != NULL)
    *n_updated = d.n_updated;
  return TRUE;
}

/* ---------------------------------------------------------------- enumerators */

typedef struct
{
  const char *name;
  const char *phone;
  gint64      id;
  gboolean    disabled;
} EnumeratorData;

static gboolean
do_add_enumerator (CollectorSqliteStore *self,
                   Conn                 *conn,
                   gpointer              data,
                   GError              **error)
{
  EnumeratorData *d = data;
  static const char *sql =
    "INSERT INTO enumerators (name, phone, created_at) VALUES (?, ?, ?)";
  int rc = conn_step (conn, sql, error, TEXT_ARG (d->name), TEXT_ARG (d->phone),
                      INT_ARG (now_seconds ()), ARG_END);

  if (rc == -1)
    return FALSE;
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS,
                   "An enumerator named “%s” already exists", d->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return collector_sqlite_set_error (error, conn->db, "Cannot add the enumerator");
  d->id = sqlite3_last_insert_rowid (conn->db);
  return TRUE;
}

static gboolean
sqlite_add_enumerator (CollectorStore *store,
                       const char     *name,
                       const char     *phone,
                       gint64         *id,
                       GError        **error)
{
  EnumeratorData d = { name, phone, 0, FALSE };

  if (!run_write (COLLECTOR_SQLITE_STORE (store), do_add_enumerator, &d, error))
    return FALSE;
  if (id != NULL)
    *id = d.id;
  return TRUE;
}

static GPtrArray *
sqlite_list_enumerators (CollectorStore *store,
                         GError        **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT e.id, e.name, e.phone, e.disabled, e.created_at,"
    " (SELECT count(*) FROM assignments a WHERE a.enumerator_id = e.id AND a.active = 1),"
    " (SELECT count(*) FROM devices d WHERE d.enumerator_id = e.id AND d.revoked_at IS NULL)"
    " FROM enumerators e ORDER BY e.id";
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_enumerator_free);
  sqlite3_stmt *stmt;
  Conn *conn;
  int rc;

  if ((stmt = reader_statement (self, sql, &conn, error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CollectorEnumerator *e = g_new0 (CollectorEnumerator, 1);

      e->id = sqlite3_column_int64 (stmt, 0);
      e->name = column_dup (stmt, 1);
      e->phone = column_dup (stmt, 2);
      e->disabled = sqlite3_column_int (stmt, 3) != 0;
      e->created_at = sqlite3_column_int64 (stmt, 4);
      e->n_households = sqlite3_column_int (stmt, 5);
      e->n_devices = sqlite3_column_int (stmt, 6);
      g_ptr_array_add (out, e);
    }
  if (!reader_finish (self, conn, stmt, rc, "Cannot list enumerators", error))
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
do_set_enumerator_disabled (CollectorSqliteStore *self,
                            Conn                 *conn,
                            gpointer              data,
                            GError              **error)
{
  EnumeratorData *d = data;
  static const char *sql = "UPDATE enumerators SET disabled = ? WHERE id = ?";

  return conn_run (conn, sql, error, INT_ARG (d->disabled ? 1 : 0), INT_ARG (d->id), ARG_END) &&
         check_found (conn, "enumerator", d->id, error);
}

static gboolean
sqlite_set_enumerator_disabled (CollectorStore *store,
                                gint64          id,
                                gboolean        disabled,
                                GError        **error)
{
  EnumeratorData d = { NULL, NULL, id, disabled };

  return run_write (COLLECTOR_SQLITE_STORE (store), do_set_enumerator_disabled, &d, error);
}

/* ---------------------------------------------------------------- enrollment */

typedef struct
{
  gint64      enumerator_id;
  const char *code_hash;
  gint64      expires_at;
} CodeData;

static gboolean
do_add_enroll_code (CollectorSqliteStore *self,
                    Conn                 *conn,
                    gpointer              data,
                    GError              **error)
{
  CodeData *d = data;
  static const char *sql =
    "INSERT INTO enroll_codes (code_hash, enumerator_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
  int rc = conn_step (conn, sql, error, TEXT_ARG (d->code_hash), INT_ARG (d->enumerator_id),
                      INT_ARG (now_seconds ()), INT_ARG (d->expires_at), ARG_END);

  if (rc == -1)
    return FALSE;
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                   "No enumerator number %" G_GINT64_FORMAT, d->enumerator_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return collector_sqlite_set_error (error, conn->db, "Cannot store the enrollment code");
  return TRUE;
}

static gboolean
sqlite_add_enroll_code (CollectorStore *store,
                        gint64          enumerator_id,
                        const char     *code_hash,
                        gint64          expires_at,
                        GError        **error)
{
  CodeData d = { enumerator_id, code_hash, expires_at };

  return run_write (COLLECTOR_SQLITE_STORE (store), do_add_enroll_code, &d, error);
}

static const char *device_select_sql =
  "SELECT d.id, d.enumerator_id, e.name, e.disabled, d.name, d.app_version,"
  " d.enrolled_at, d.revoked_at, d.last_seen_at, d.status"
  " FROM devices d JOIN enumerators e ON e.id = d.enumerator_id";

static CollectorDevice *
device_from_row (sqlite3_stmt *stmt)
{
  CollectorDevice *device = g_new0 (CollectorDevice, 1);

  device->id = sqlite3_column_int64 (stmt, 0);
  device->enumerator_id = sqlite3_column_int64 (stmt, 1);
  device->enumerator_name = column_dup (stmt, 2);
  device->enumerator_disabled = sqlite3_column_int (stmt, 3) != 0;
  device->name = column_dup (stmt, 4);
  device->app_version = column_dup (stmt, 5);
  device->enrolled_at = sqlite3_column_int64 (stmt, 6);
  device->revoked_at = sqlite3_column_int64 (stmt, 7);
  device->last_seen_at = sqlite3_column_int64 (stmt, 8);
  device->status_json = column_dup (stmt, 9);
  return device;
}

typedef struct
{
  const char      *code_hash;
  const char      *token_hash;
  const char      *device_name;
  const char      *app_version;
  gint64           now;
  CollectorDevice *device;
} EnrollData;

static gboolean
do_enroll_device (CollectorSqliteStore *self,
                  Conn                 *conn,
                  gpointer              data,
                  GError              **error)
{
  EnrollData *d = data;
  static const char *code_sql =
    "SELECT c.enumerator_id, c.expires_at, c.used_at, e.disabled"
    " FROM enroll_codes c JOIN enumerators e ON e.id = c.enumerator_id WHERE c.code_hash = ?";
  static const char *use_sql = "UPDATE enroll_codes SET used_at = ? WHERE code_hash = ?";
  static const char *insert_sql =
    "INSERT INTO devices (enumerator_id, token_hash, name, app_version, enrolled_at, last_seen_at)"
    " VALUES (?, ?, ?, ?, ?, ?)";
  g_autofree char *by_id_sql = NULL;
  sqlite3_stmt *stmt;
  CollectorEnrollCodeFacts code;
  gboolean found;
  gint64 device_id;
  int rc;

  if ((stmt = conn_stmt (conn, code_sql, error)) == NULL)
    return FALSE;
  bind_text (stmt, 1, d->code_hash);
  rc = sqlite3_step (stmt);
  if ((found = rc == SQLITE_ROW))
    {
      code.enumerator_id = sqlite3_column_int64 (stmt, 0);
      code.expires_at = sqlite3_column_int64 (stmt, 1);
      code.used = sqlite3_column_type (stmt, 2) != SQLITE_NULL;
      code.enumerator_disabled = sqlite3_column_int (stmt, 3) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return collector_sqlite_set_error (error, conn->db, "Cannot read the enrollment code");
  /* decided inside the write transaction: the code is marked used by the
   * same commit that enrols, so it serves one device only */
  if (!collector_rules_check_enroll_code (found ? &code : NULL, d->now, error))
    return FALSE;

  if (!conn_run (conn, use_sql, error, INT_ARG (d->now), TEXT_ARG (d->code_hash), ARG_END) ||
      !conn_run (conn, insert_sql, error, INT_ARG (code.enumerator_id), TEXT_ARG (d->token_hash),
                 TEXT_ARG (d->device_name), TEXT_ARG (d->app_version), INT_ARG (d->now),
                 INT_ARG (d->now), ARG_END))
    return FALSE;
  device_id = sqlite3_last_insert_rowid (conn->db);

  /* read back through a one-off statement: this runs once per enrollment */
  by_id_sql = g_strconcat (device_select_sql, " WHERE d.id = ?", NULL);
  if (sqlite3_prepare_v2 (conn->db, by_id_sql, -1, &stmt, NULL) != SQLITE_OK)
    return collector_sqlite_set_error (error, conn->db, "Cannot read the device");
  sqlite3_bind_int64 (stmt, 1, device_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      collector_sqlite_set_error (error, conn->db, "Cannot read the device");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  d->device = device_from_row (stmt);
  sqlite3_finalize (stmt);
  return TRUE;
}

static CollectorDevice *
sqlite_enroll_device (CollectorStore *store,
                      const char     *code_hash,
                      const char     *token_hash,
                      const char     *device_name,
                      const char     *app_version,
                      gint64          now,
                      GError        **error)
{
  EnrollData d = { code_hash, token_hash, device_name, app_version, now, NULL };

  if (!run_write (COLLECTOR_SQLITE_STORE (store), do_enroll_device, &d, error))
    {
      g_clear_pointer (&d.device, collector_device_free);
      return NULL;
    }
  return d.device;
}

static GPtrArray *
read_devices (CollectorSqliteStore *self,
              const char           *token_hash,
              GError              **error)
{
  static char *by_token_sql = NULL;
  static char *all_sql = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_device_free);
  sqlite3_stmt *stmt;
  Conn *conn;
  int rc;

  if (g_once_init_enter (&by_token_sql))
    g_once_init_leave (&by_token_sql, g_strconcat (device_select_sql, " WHERE d.token_hash = ?", NULL));
  if (g_once_init_enter (&all_sql))
    g_once_init_leave (&all_sql, g_strconcat (device_select_sql, " ORDER BY d.id", NULL));

  if ((stmt = reader_statement (self, token_hash != NULL ? by_token_sql : all_sql, &conn, error)) == NULL)
    return NULL;
  if (token_hash != NULL)
    bind_text (stmt, 1, token_hash);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, device_from_row (stmt));
  if (!reader_finish (self, conn, stmt, rc, "Cannot read devices", error))
    return NULL;
  return g_steal_pointer (&out);
}

static CollectorDevice *
sqlite_authenticate (CollectorStore *store,
                     const char     *token_hash,
                     GError        **error)
{
  g_autoptr(GPtrArray) devices = read_devices (COLLECTOR_SQLITE_STORE (store), token_hash, error);

  if (devices == NULL ||
      !collector_rules_check_device (devices->len > 0 ? g_ptr_array_index (devices, 0) : NULL, error))
    return NULL;
  return g_ptr_array_steal_index (devices, 0);
}

static GPtrArray *
sqlite_list_devices (CollectorStore *store,
                     GError        **error)
{
  return read_devices (COLLECTOR_SQLITE_STORE (store), NULL, error);
}

typedef struct
{
  gint64      device_id;
  const char *status_json;
} DeviceData;

static gboolean
do_revoke_device (CollectorSqliteStore *self,
                  Conn                 *conn,
                  gpointer              data,
                  GError              **error)
{
  DeviceData *d = data;
  static const char *sql =
    "UPDATE devices SET revoked_at = coalesce (revoked_at, ?) WHERE id = ?";

  return conn_run (conn, sql, error, INT_ARG (now_seconds ()), INT_ARG (d->device_id), ARG_END) &&
         check_found (conn, "device", d->device_id, error);
}

static gboolean
sqlite_revoke_device (CollectorStore *store,
                      gint64          device_id,
                      GError        **error)
{
  DeviceData d = { device_id, NULL };

  return run_write (COLLECTOR_SQLITE_STORE (store), do_revoke_device, &d, error);
}

static gboolean
do_record_status (CollectorSqliteStore *self,
                  Conn                 *conn,
                  gpointer              data,
                  GError              **error)
{
  DeviceData *d = data;
  static const char *sql =
    "UPDATE devices SET status = ?1, status_at = ?2, last_seen_at = ?2,"
    " app_version = coalesce (json_extract (?1, '$.app_version'), app_version)"
    " WHERE id = ?3";

  return conn_run (conn, sql, error, TEXT_ARG (d->status_json), INT_ARG (now_seconds ()),
                   INT_ARG (d->device_id), ARG_END);
}

static gboolean
sqlite_record_status (CollectorStore *store,
                      gint64          device_id,
                      const char     *status_json,
                      GError        **error)
{
  DeviceData d = { device_id, status_json };

  return run_write (COLLECTOR_SQLITE_STORE (store), do_record_status, &d, error);
}

/* ---------------------------------------------------------------- assignments */

typedef struct
{
  gint64              enumerator_id;
  const char         *village_code;
  const char * const *household_ids;
  guint               n_assigned;
} AssignData;

static gboolean
assign_one (Conn       *conn,
            const char *household_id,
            gint64      enumerator_id,
            gboolean   *changed,
            GError    **error)
{
  static const char *current_sql =
    "SELECT enumerator_id FROM assignments WHERE household_id = ? AND active = 1";
  static const char *withdraw_sql =
    "UPDATE assignments SET active = 0, seq = ? WHERE household_id = ? AND enumerator_id = ?";
  static const char *assign_sql =
    "INSERT INTO assignments (household_id, enumerator_id, active, seq) VALUES (?, ?, 1, ?)"
    " ON CONFLICT (household_id, enumerator_id) DO UPDATE SET active = 1, seq = excluded.seq";
  sqlite3_stmt *stmt;
  gint64 current = 0, seq;
  int rc;

  *changed = FALSE;
  if ((stmt = conn_stmt (conn, current_sql, error)) == NULL)
    return FALSE;
  bind_text (stmt, 1, household_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    current = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return collector_sqlite_set_error (error, conn->db, "Cannot read an assignment");
  if (current == enumerator_id)
    return TRUE;

  if (current != 0)
    {
      if (!next_seq (conn, &seq, error) ||
          !conn_run (conn, withdraw_sql, error, INT_ARG (seq), TEXT_ARG (household_id),
                     INT_ARG (current), ARG_END))
        return FALSE;
    }
  if (!next_seq (conn, &seq, error) ||
      !conn_run (conn, assign_sql, error, TEXT_ARG (household_id), INT_ARG (enumerator_id),
                 INT_ARG (seq), ARG_END))
    return FALSE;
  *changed = TRUE;
  return TRUE;
}

static gboolean
do_assign (CollectorSqliteStore *self,
           Conn                 *conn,
           gpointer              data,
           GError              **error)
{
  AssignData *d = data;
  static const char *enumerator_sql = "SELECT disabled FROM enumerators WHERE id = ?";
  static const char *village_sql = "SELECT id FROM households WHERE village_code = ? ORDER BY id";
  static const char *exists_sql = "SELECT 1 FROM households WHERE id = ?";
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = conn_stmt (conn, enumerator_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, d->enumerator_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                   "No enumerator number %" G_GINT64_FORMAT, d->enumerator_id);
      return FALSE;
    }

  if (d->village_code != NULL)
    {
      if ((stmt = conn_stmt (conn, village_sql, error)) == NULL)
        return FALSE;
      bind_text (stmt, 1, d->village_code);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (ids, column_dup (stmt, 0));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return collector_sqlite_set_error (error, conn->db, "Cannot list the village");
      if (ids->len == 0)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                       "No households imported for village code %s", d->village_code);
          return FALSE;
        }
    }
  else
    {
      for (guint i = 0; d->household_ids[i] != NULL; i++)
        {
          if ((stmt = conn_stmt (conn, exists_sql, error)) == NULL)
            return FALSE;
          bind_text (stmt, 1, d->household_ids[i]);
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);
          if (rc != SQLITE_ROW)
            {
              g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                           "No household with id “%s”; nothing was assigned", d->household_ids[i]);
              return FALSE;
            }
          g_ptr_array_add (ids, g_strdup (d->household_ids[i]));
        }
    }

  d->n_assigned = 0;
  for (guint i = 0; i < ids->len; i++)
    {
      gboolean changed;

      if (!assign_one (conn, g_ptr_array_index (ids, i), d->enumerator_id, &changed, error))
        return FALSE;
      d->n_assigned += changed;
    }
  return TRUE;
}

static gboolean
sqlite_assign (CollectorStore     *store,
               gint64              enumerator_id,
               const char         *village_code,
               const char * const *household_ids,
               guint              *n_assigned,
               GError            **error)
{
  AssignData d = { enumerator_id, village_code, household_ids, 0 };

  if (!run_write (COLLECTOR_SQLITE_STORE (store), do_assign, &d, error))
    return FALSE;
  if (n_assigned != NULL)
    *n_assigned = d.n_assigned;
  return TRUE;
}

static CollectorAssignmentPage *
sqlite_pull_assignments (CollectorStore *store,
                         gint64          enumerator_id,
                         gint64          cursor,
                         guint           limit,
                         GError        **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT a.household_id, a.active, a.seq, h.source, h.village_code, h.head_name,"
    " h.nik, h.kk, h.address, h.data"
    " FROM assignments a JOIN households h ON h.id = a.household_id"
    " WHERE a.enumerator_id = ? AND a.seq > ? ORDER BY a.seq LIMIT ?";
  g_autoptr(CollectorAssignmentPage) page = g_new0 (CollectorAssignmentPage, 1);
  sqlite3_stmt *stmt;
  Conn *conn;
  guint n = 0;
  int rc;

  page->households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  page->withdrawn = g_ptr_array_new_with_free_func (g_free);
  page->next_cursor = cursor;

  stmt = reader_page_statement (self, sql, enumerator_id, cursor, limit, &conn, error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (++n > limit)
        {
          page->more = TRUE;
          break;
        }
      page->next_cursor = sqlite3_column_int64 (stmt, 2);
      if (sqlite3_column_int (stmt, 1) == 0)
        {
          g_ptr_array_add (page->withdrawn, column_dup (stmt, 0));
          continue;
        }
      else
        {
          CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

          h->id = column_dup (stmt, 0);
          h->source = column_dup (stmt, 3);
          h->village_code = column_dup (stmt, 4);
          h->head_name = column_dup (stmt, 5);
          h->nik = column_dup (stmt, 6);
          h->kk = column_dup (stmt, 7);
          h->address = column_dup (stmt, 8);
          h->data_json = column_dup (stmt, 9);
          g_ptr_array_add (page->households, h);
        }
    }
  if (!reader_finish (self, conn, stmt, rc, "Cannot read assignments", error) ||
      (n == 0 && !check_cursor_given (self, "SELECT value FROM counters WHERE name = 'seq'",
                                      cursor, error)))
    return NULL;
  return g_steal_pointer (&page);
}

/* ---------------------------------------------------------------- reviews */

typedef struct
{
  const char *visit_uuid;
  const char *decision;
  const char *comment;
  const char *reviewer;
} ReviewData;

static gboolean
do_add_review (CollectorSqliteStore *self,
               Conn                 *conn,
               gpointer              data,
               GError              **error)
{
  ReviewData *d = data;
  static const char *sql =
    "INSERT INTO reviews (visit_uuid, revision, enumerator_id, decision, comment, reviewer, decided_at)"
    " SELECT uuid, revision, enumerator_id, ?, ?, ?, ? FROM visits WHERE uuid = ?";
  int rc = conn_step (conn, sql, error, TEXT_ARG (d->decision), TEXT_ARG (d->comment),
                      TEXT_ARG (d->reviewer), INT_ARG (now_seconds ()),
                      TEXT_ARG (d->visit_uuid), ARG_END);

  if (rc == -1)
    return FALSE;
  if (rc == SQLITE_CONSTRAINT_CHECK)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "A decision is “approved” or “rejected”, not “%s”", d->decision);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return collector_sqlite_set_error (error, conn->db, "Cannot store the review");
  if (sqlite3_changes (conn->db) == 0)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                   "No visit %s", d->visit_uuid);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_add_review (CollectorStore *store,
                   const char     *visit_uuid,
                   const char     *decision,
                   const char     *comment,
                   const char     *reviewer,
                   GError        **error)
{
  ReviewData d = { visit_uuid, decision, comment, reviewer };

  return run_write (COLLECTOR_SQLITE_STORE (store), do_add_review, &d, error);
}

static CollectorReviewPage *
sqlite_pull_reviews (CollectorStore *store,
                     gint64          enumerator_id,
                     gint64          cursor,
                     guint           limit,
                     GError        **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT r.seq, r.visit_uuid, r.revision, v.household_id, r.decision, r.comment,"
    " r.reviewer, r.decided_at"
    " FROM reviews r JOIN visits v ON v.uuid = r.visit_uuid"
    " WHERE r.enumerator_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?";
  g_autoptr(CollectorReviewPage) page = g_new0 (CollectorReviewPage, 1);
  sqlite3_stmt *stmt;
  Conn *conn;
  guint n = 0;
  int rc;

  page->reviews = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_review_free);
  page->next_cursor = cursor;

  stmt = reader_page_statement (self, sql, enumerator_id, cursor, limit, &conn, error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CollectorReview *r;

      if (++n > limit)
        {
          page->more = TRUE;
          break;
        }
      r = g_new0 (CollectorReview, 1);
      r->seq = sqlite3_column_int64 (stmt, 0);
      r->visit_uuid = column_dup (stmt, 1);
      r->revision = sqlite3_column_int64 (stmt, 2);
      r->household_id = column_dup (stmt, 3);
      r->decision = column_dup (stmt, 4);
      r->comment = column_dup (stmt, 5);
      r->reviewer = column_dup (stmt, 6);
      r->decided_at = sqlite3_column_int64 (stmt, 7);
      page->next_cursor = r->seq;
      g_ptr_array_add (page->reviews, r);
    }
  if (!reader_finish (self, conn, stmt, rc, "Cannot read reviews", error) ||
      (n == 0 && !check_cursor_given (self, "SELECT coalesce (max (seq), 0) FROM sqlite_sequence"
                                      " WHERE name = 'reviews'", cursor, error)))
    return NULL;
  return g_steal_pointer (&page);
}

/* ---------------------------------------------------------------- visits */

typedef struct
{
  CollectorDevice *device;
  GPtrArray       *visits;
  GPtrArray       *outcomes;
} SubmitData;

static gboolean
write_visit (Conn            *conn,
             CollectorDevice *device,
             CollectorVisit  *v,
             gboolean         replace,
             gint64           now,
             GError         **error)
{
  static const char *insert_sql =
    "INSERT INTO visits (uuid, revision, household_id, enumerator_id, device_id, form_id,"
    " form_version, result_code, started_utc_us, finished_utc_us, lat, lon, accuracy, altitude,"
    " fix_time, fix_source, answers, received_at, started_offset_min, finished_offset_min)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20)";
  static const char *update_sql =
    "UPDATE visits SET revision = ?2, household_id = ?3, enumerator_id = ?4, device_id = ?5,"
    " form_id = ?6, form_version = ?7, result_code = ?8, started_utc_us = ?9, finished_utc_us = ?10,"
    " lat = ?11, lon = ?12, accuracy = ?13, altitude = ?14, fix_time = ?15, fix_source = ?16,"
    " answers = ?17, received_at = ?18, started_offset_min = ?19, finished_offset_min = ?20"
    " WHERE uuid = ?1";
  static const char *clear_media_sql = "DELETE FROM visit_media WHERE visit_uuid = ?";
  static const char *media_sql =
    "INSERT INTO visit_media (visit_uuid, position, sha256, role, size, taken) VALUES (?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *stmt;

  if ((stmt = conn_stmt (conn, replace ? update_sql : insert_sql, error)) == NULL)
    return FALSE;
  bind_text (stmt, 1, v->uuid);
  sqlite3_bind_int64 (stmt, 2, v->revision);
  bind_text (stmt, 3, v->household_id);
  sqlite3_bind_int64 (stmt, 4, device->enumerator_id);
  sqlite3_bind_int64 (stmt, 5, device->id);
  bind_text (stmt, 6, v->form_id);
  sqlite3_bind_int64 (stmt, 7, v->form_version);
  sqlite3_bind_int64 (stmt, 8, v->result_code);
  sqlite3_bind_int64 (stmt, 9, collector_time_to_utc_usec (v->started_at));
  sqlite3_bind_int64 (stmt, 10, collector_time_to_utc_usec (v->finished_at));
  sqlite3_bind_int (stmt, 19, collector_time_offset_min (v->started_at));
  sqlite3_bind_int (stmt, 20, collector_time_offset_min (v->finished_at));
  if (v->has_location)
    {
      sqlite3_bind_double (stmt, 11, v->lat);
      sqlite3_bind_double (stmt, 12, v->lon);
      if (!isnan (v->accuracy))
        sqlite3_bind_double (stmt, 13, v->accuracy);
      if (v->has_altitude)
        sqlite3_bind_double (stmt, 14, v->altitude);
      bind_text (stmt, 15, v->fix_time);
      bind_text (stmt, 16, v->fix_source);
    }
  bind_text (stmt, 17, v->answers_json);
  sqlite3_bind_int64 (stmt, 18, now);
  if (!stmt_done (conn, stmt, error))
    return FALSE;

  if (replace && !conn_run (conn, clear_media_sql, error, TEXT_ARG (v->uuid), ARG_END))
    return FALSE;
  for (guint i = 0; i < v->media->len; i++)
    {
      CollectorMediaRef *m = g_ptr_array_index (v->media, i);

      if (!conn_run (conn, media_sql, error, TEXT_ARG (v->uuid), INT_ARG (i),
                     TEXT_ARG (m->sha256), TEXT_ARG (m->role), INT_ARG (m->size),
                     TEXT_ARG (m->taken), ARG_END))
        return FALSE;
    }
  return TRUE;
}

static gboolean
do_submit_visits (CollectorSqliteStore *self,
                  Conn                 *conn,
                  gpointer              data,
                  GError              **error)
{
  SubmitData *d = data;
  static const char *seen_sql = "UPDATE devices SET last_seen_at = ? WHERE id = ?";
  /* any assignment, active or withdrawn: see collector_rules_decide_visit() */
  static const char *assigned_sql =
    "SELECT 1 FROM assignments WHERE household_id = ? AND enumerator_id = ?";
  static const char *existing_sql = "SELECT revision, enumerator_id FROM visits WHERE uuid = ?";
  gint64 now = now_seconds ();
  sqlite3_stmt *stmt;

  if (!conn_run (conn, seen_sql, error, INT_ARG (now), INT_ARG (d->device->id), ARG_END))
    return FALSE;

  g_ptr_array_set_size (d->outcomes, 0);
  for (guint i = 0; i < d->visits->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (d->visits, i);
      CollectorVisitFacts facts = { 0 };
      CollectorVisitWrite write;
      CollectorVisitOutcome *outcome;
      int rc;

      if ((stmt = conn_stmt (conn, assigned_sql, error)) == NULL)
        return FALSE;
      bind_text (stmt, 1, v->household_id);
      sqlite3_bind_int64 (stmt, 2, d->device->enumerator_id);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return collector_sqlite_set_error (error, conn->db, "Cannot read an assignment");
      facts.assigned = rc == SQLITE_ROW;

      if ((stmt = conn_stmt (conn, existing_sql, error)) == NULL)
        return FALSE;
      bind_text (stmt, 1, v->uuid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          facts.exists = TRUE;
          facts.revision = sqlite3_column_int64 (stmt, 0);
          facts.owner = sqlite3_column_int64 (stmt, 1);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return collector_sqlite_set_error (error, conn->db, "Cannot read a visit");

      /* one writer thread and one transaction: the facts cannot change
       * between reading them and writing */
      outcome = collector_rules_decide_visit (&facts, d->device->enumerator_id, v, &write);
      if (write != COLLECTOR_VISIT_WRITE_NONE &&
          !write_visit (conn, d->device, v, write == COLLECTOR_VISIT_WRITE_REPLACE, now, error))
        {
          collector_visit_outcome_free (outcome);
          return FALSE;
        }
      g_ptr_array_add (d->outcomes, outcome);
    }
  return TRUE;
}

static GPtrArray *
sqlite_submit_visits (CollectorStore  *store,
                      CollectorDevice *device,
                      GPtrArray       *visits,
                      GError         **error)
{
  g_autoptr(GPtrArray) outcomes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_outcome_free);
  SubmitData d = { device, visits, outcomes };

  if (!run_write (COLLECTOR_SQLITE_STORE (store), do_submit_visits, &d, error))
    return NULL;
  g_assert (outcomes->len == visits->len);
  return g_steal_pointer (&outcomes);
}

/* The columns read_visits() reads, in its order. */
#define VISIT_COLUMNS \
  "SELECT v.uuid, v.revision, v.household_id, v.form_id, v.form_version, v.answers," \
  " v.result_code, v.started_utc_us, v.started_offset_min, v.finished_utc_us," \
  " v.finished_offset_min, v.lat, v.lon, v.accuracy, v.altitude, v.fix_time, v.fix_source," \
  " v.enumerator_id, e.name, v.device_id, h.village_code, v.received_at" \
  " FROM visits v JOIN enumerators e ON e.id = v.enumerator_id" \
  " JOIN households h ON h.id = v.household_id"

static GDateTime *
column_instant (sqlite3_stmt *stmt,
                int           utc_column)
{
  gboolean has_offset = sqlite3_column_type (stmt, utc_column + 1) != SQLITE_NULL;

  return collector_time_new (sqlite3_column_int64 (stmt, utc_column), has_offset,
                             sqlite3_column_int (stmt, utc_column + 1));
}

typedef void (*BindFunc) (sqlite3_stmt *stmt,
                          gconstpointer data);

/* Runs @sql (VISIT_COLUMNS and its conditions, its parameters bound by
 * @bind) and reads every visit it selects with its media. */
static GPtrArray *
read_visits (CollectorSqliteStore *self,
             const char           *sql,
             BindFunc              bind,
             gconstpointer         data,
             GError              **error)
{
  static const char *media_sql =
    "SELECT sha256, role, size, taken FROM visit_media WHERE visit_uuid = ? ORDER BY position";
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
  sqlite3_stmt *stmt, *mstmt;
  Conn *conn;
  int rc;

  if ((conn = reader_acquire (self, error)) == NULL)
    return NULL;
  /* one read transaction: the visits and their media agree */
  if (!conn_exec (conn, "BEGIN;", error))
    {
      reader_release (self, conn);
      return NULL;
    }
  if ((stmt = conn_stmt (conn, sql, error)) == NULL)
    goto fail;
  bind (stmt, data);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CollectorVisit *v = collector_visit_new ();

      v->uuid = column_dup (stmt, 0);
      v->revision = sqlite3_column_int64 (stmt, 1);
      v->household_id = column_dup (stmt, 2);
      v->form_id = column_dup (stmt, 3);
      v->form_version = sqlite3_column_int64 (stmt, 4);
      v->answers_json = column_dup (stmt, 5);
      v->result_code = sqlite3_column_int64 (stmt, 6);
      v->started_at = column_instant (stmt, 7);
      v->finished_at = column_instant (stmt, 9);
      v->has_location = sqlite3_column_type (stmt, 11) != SQLITE_NULL;
      v->lat = sqlite3_column_double (stmt, 11);
      v->lon = sqlite3_column_double (stmt, 12);
      v->accuracy = sqlite3_column_type (stmt, 13) != SQLITE_NULL ? sqlite3_column_double (stmt, 13) : NAN;
      v->has_altitude = sqlite3_column_type (stmt, 14) != SQLITE_NULL;
      v->altitude = sqlite3_column_double (stmt, 14);
      v->fix_time = column_dup (stmt, 15);
      v->fix_source = column_dup (stmt, 16);
      v->enumerator_id = sqlite3_column_int64 (stmt, 17);
      v->enumerator_name = column_dup (stmt, 18);
      v->device_id = sqlite3_column_int64 (stmt, 19);
      v->village_code = column_dup (stmt, 20);
      v->received_at = sqlite3_column_int64 (stmt, 21);
      g_ptr_array_add (out, v);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      collector_sqlite_set_error (error, conn->db, "Cannot read visits");
      goto fail;
    }
  for (guint i = 0; i < out->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (out, i);

      if ((mstmt = conn_stmt (conn, media_sql, error)) == NULL)
        goto fail;
      bind_text (mstmt, 1, v->uuid);
      while ((rc = sqlite3_step (mstmt)) == SQLITE_ROW)
        {
          CollectorMediaRef *m = g_new0 (CollectorMediaRef, 1);

          m->sha256 = column_dup (mstmt, 0);
          m->role = column_dup (mstmt, 1);
          m->size = sqlite3_column_int64 (mstmt, 2);
          m->taken = column_dup (mstmt, 3);
          g_ptr_array_add (v->media, m);
        }
      sqlite3_reset (mstmt);
      if (rc != SQLITE_DONE)
        {
          collector_sqlite_set_error (error, conn->db, "Cannot read visit media");
          goto fail;
        }
    }
  conn_exec (conn, "COMMIT;", NULL);
  reader_release (self, conn);
  return g_steal_pointer (&out);

fail:
  sqlite3_exec (conn->db, "ROLLBACK;", NULL, NULL, NULL);
  reader_release (self, conn);
  return NULL;
}

typedef struct
{
  const CollectorVisitFilter *filter;
  const CollectorVisitKey    *after;
  guint                       limit;
} PageQuery;

static void
bind_page (sqlite3_stmt  *stmt,
           gconstpointer  data)
{
  const PageQuery *q = data;

  bind_text (stmt, 1, q->filter != NULL ? q->filter->village_prefix : NULL);
  sqlite3_bind_int64 (stmt, 2, q->filter != NULL ? q->filter->enumerator_id : 0);
  /* the statement is cached: every parameter is bound, also to null */
  if (q->after != NULL)
    sqlite3_bind_int64 (stmt, 3, q->after->received_at);
  else
    sqlite3_bind_null (stmt, 3);
  bind_text (stmt, 4, q->after != NULL ? q->after->uuid : NULL);
  sqlite3_bind_int64 (stmt, 5, q->limit);
}

/* Keyset paging on visits_received: each page starts where the last one
 * ended, whatever was stored meanwhile, at the cost of one index seek. */
static GPtrArray *
sqlite_visits_page (CollectorStore             *store,
                    const CollectorVisitFilter *filter,
                    const CollectorVisitKey    *after,
                    guint                       limit,
                    GError                    **error)
{
  static const char *sql =
    VISIT_COLUMNS
    " WHERE (?1 IS NULL OR substr (h.village_code, 1, length (?1)) = ?1)"
    " AND (?2 = 0 OR v.enumerator_id = ?2)"
    " AND (?3 IS NULL OR (v.received_at, v.uuid) > (?3, ?4))"
    " ORDER BY v.received_at, v.uuid LIMIT ?5";
  PageQuery q = { filter, after, limit };

  return read_visits (COLLECTOR_SQLITE_STORE (store), sql, bind_page, &q, error);
}

typedef struct
{
  gint64 from;
  gint64 until;
} Range;

static void
bind_range (sqlite3_stmt  *stmt,
            gconstpointer  data)
{
  const Range *range = data;

  sqlite3_bind_int64 (stmt, 1, range->from);
  sqlite3_bind_int64 (stmt, 2, range->until);
}

/* Each range is one of the finish's indexes (migration 3). */
static GPtrArray *
sqlite_list_visits_finished (CollectorStore *store,
                             CollectorClock  clock,
                             gint64          from_usec,
                             gint64          until_usec,
                             GError        **error)
{
  static const char *utc_sql =
    VISIT_COLUMNS " WHERE v.finished_utc_us >= ?1 AND v.finished_utc_us < ?2"
    " ORDER BY v.finished_utc_us, v.uuid";
  static const char *device_sql =
    VISIT_COLUMNS " WHERE v.finished_local_us >= ?1 AND v.finished_local_us < ?2"
    " ORDER BY v.finished_local_us, v.uuid";

  Range range = { from_usec, until_usec };

  return read_visits (COLLECTOR_SQLITE_STORE (store), clock == COLLECTOR_CLOCK_UTC ? utc_sql : device_sql,
                      bind_range, &range, error);
}

/* ---------------------------------------------------------------- lifecycle */

static void
sqlite_close (CollectorStore *store)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  WriteJob stop = { NULL, NULL, FALSE, FALSE, NULL };

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  g_mutex_unlock (&self->lock);

  /* jobs queued before this one still commit: that is the graceful part */
  if (self->writer_thread != NULL)
    {
      g_async_queue_push (self->jobs, &stop);
      g_thread_join (g_steal_pointer (&self->writer_thread));
    }
  if (self->writer != NULL)
    sqlite3_exec (self->writer->db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
  g_clear_pointer (&self->writer, conn_free);
  /* readers in use are returned before the caller closes: the server stops first */
  g_clear_pointer (&self->all_readers, g_ptr_array_unref);
}

static void
collector_sqlite_store_finalize (GObject *object)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (object);

  sqlite_close (COLLECTOR_STORE (self));
  g_clear_pointer (&self->jobs, g_async_queue_unref);
  g_clear_pointer (&self->readers, g_async_queue_unref);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done_cond);
  G_OBJECT_CLASS (collector_sqlite_store_parent_class)->finalize (object);
}

static void
collector_sqlite_store_class_init (CollectorSqliteStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = collector_sqlite_store_finalize;
}

static void
collector_sqlite_store_init (CollectorSqliteStore *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->done_cond);
  self->jobs = g_async_queue_new ();
  self->readers = g_async_queue_new ();
  self->all_readers = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
}

static void
collector_sqlite_store_iface_init (CollectorStoreInterface *iface)
{
  iface->upsert_households = sqlite_upsert_households;
  iface->add_enumerator = sqlite_add_enumerator;
  iface->list_enumerators = sqlite_list_enumerators;
  iface->set_enumerator_disabled = sqlite_set_enumerator_disabled;
  iface->add_enroll_code = sqlite_add_enroll_code;
  iface->enroll_device = sqlite_enroll_device;
  iface->authenticate = sqlite_authenticate;
  iface->list_devices = sqlite_list_devices;
  iface->revoke_device = sqlite_revoke_device;
  iface->assign = sqlite_assign;
  iface->pull_assignments = sqlite_pull_assignments;
  iface->add_review = sqlite_add_review;
  iface->pull_reviews = sqlite_pull_reviews;
  iface->submit_visits = sqlite_submit_visits;
  iface->record_status = sqlite_record_status;
  iface->visits_page = sqlite_visits_page;
  iface->list_visits_finished = sqlite_list_visits_finished;
  iface->close = sqlite_close;
}

CollectorStore *
collector_sqlite_store_new (const char *path,
                            GError    **error)
{
  g_autoptr(CollectorSqliteStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (COLLECTOR_TYPE_SQLITE_STORE, NULL);
  self->path = g_strdup (path);
  if ((self->writer = conn_open (path, TRUE, error)) == NULL)
    return NULL;
  if (!collector_sqlite_migrate (self->writer->db, error))
    return NULL;
  for (guint i = 0; i < N_READERS; i++)
    {
      Conn *reader = conn_open (path, FALSE, error);

      if (reader == NULL)
        return NULL;
      g_ptr_array_add (self->all_readers, reader);
      g_async_queue_push (self->readers, reader);
    }
  self->writer_thread = g_thread_new ("collector-writer", writer_thread, self);
  return COLLECTOR_STORE (g_steal_pointer (&self));
}
