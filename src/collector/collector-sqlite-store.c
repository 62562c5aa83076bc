/* collector-sqlite-store.c: the embedded SQLite store
 *
 * One writer: every change goes through a queue to a single thread that owns
 * the write connection. It takes all the jobs waiting at once and commits
 * them in one transaction (each job in its own savepoint, so one failing job
 * leaves the others alone): concurrent batches share one fsync. Callers block
 * until their job is durable. Reads use a small pool of connections, which
 * WAL lets run beside the writer. This file holds the connections, the
 * writer and the readers, and the failures every throttle counts; each
 * concern of the store has its own file
 * (collector-sqlite-devices.c, -households.c, -visits.c, -reviews.c,
 * -users.c) and the schema is in collector-sqlite-schema.c.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <sqlite3.h>

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-sqlite-private.h"
#include "collector-sqlite-store.h"

#define N_READERS       4
#define MAX_GROUP_JOBS  64
#define BUSY_TIMEOUT_MS 10000

typedef struct
{
  CollectorSqliteWriteFunc  func;    /* NULL: stop the writer */
  gpointer                  data;
  gboolean                  ok;
  gboolean                  done;
  GError                   *error;
} WriteJob;

struct _CollectorSqliteStore
{
  GObject              parent_instance;

  char                *path;
  CollectorSqliteConn *writer;
  GThread             *writer_thread;
  GAsyncQueue         *jobs;
  GAsyncQueue         *readers;
  GPtrArray           *all_readers;

  GMutex               lock;      /* guards closed, and the done flags of jobs */
  GCond                done_cond;
  gboolean             closed;
};

static void collector_sqlite_store_iface_init (CollectorStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CollectorSqliteStore, collector_sqlite_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_DEVICE_STORE,
                                                      collector_sqlite_devices_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_HOUSEHOLD_STORE,
                                                      collector_sqlite_households_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_VISIT_STORE,
                                                      collector_sqlite_visits_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_REVIEW_STORE,
                                                      collector_sqlite_reviews_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_USER_STORE,
                                                      collector_sqlite_users_iface_init)
                               G_IMPLEMENT_INTERFACE (COLLECTOR_TYPE_STORE,
                                                      collector_sqlite_store_iface_init))

gint64
collector_sqlite_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
conn_free (CollectorSqliteConn *conn)
{
  if (conn == NULL)
    return;
  g_clear_pointer (&conn->stmts, g_hash_table_unref);
  sqlite3_close_v2 (conn->db);
  g_free (conn);
}

static CollectorSqliteConn *
conn_open (const char  *path,
           gboolean     writer,
           GError     **error)
{
  CollectorSqliteConn *conn = g_new0 (CollectorSqliteConn, 1);
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
      g_autofree char *what = g_strdup_printf ("Cannot open the database %s", path);

      verval_sqlite_set_error (error, conn->db, what);
      conn_free (conn);
      return NULL;
    }
  sqlite3_extended_result_codes (conn->db, 1);
  sqlite3_busy_timeout (conn->db, BUSY_TIMEOUT_MS);
  if (sqlite3_exec (conn->db, writer ? writer_pragmas : reader_pragmas,
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, conn->db, "Cannot configure the database");
      conn_free (conn);
      return NULL;
    }
  return conn;
}

/* Statements are cached by the address of their (static) SQL text. */
sqlite3_stmt *
collector_sqlite_stmt (CollectorSqliteConn  *conn,
                       const char           *sql,
                       GError              **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (conn->stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if ((stmt = verval_sqlite_prepare_persistent (conn->db, sql, error)) == NULL)
    return NULL;
  g_hash_table_insert (conn->stmts, (gpointer) sql, stmt);
  return stmt;
}

gboolean
collector_sqlite_run (CollectorSqliteConn  *conn,
                      const char           *sql,
                      GError              **error,
                      ...)
{
  sqlite3_stmt *stmt = collector_sqlite_stmt (conn, sql, error);
  va_list args;
  int type;

  if (stmt == NULL)
    return FALSE;
  va_start (args, error);
  for (int index = 1; (type = va_arg (args, int)) != SQL_END; index++)
    {
      if (type == SQL_ARG_TEXT)
        verval_sqlite_bind_text (stmt, index, va_arg (args, const char *));
      else
        sqlite3_bind_int64 (stmt, index, va_arg (args, gint64));
    }
  va_end (args);
  return verval_sqlite_step_done (stmt, "Cannot write", error);
}

gboolean
collector_sqlite_failed_on (CollectorSqliteConn  *conn,
                            int                   constraint,
                            GError              **error)
{
  if (sqlite3_extended_errcode (conn->db) != constraint)
    return FALSE;
  g_clear_error (error);
  return TRUE;
}

/* After an UPDATE of the row @id of @table: no row changed means no such row. */
gboolean
collector_sqlite_check_found (CollectorSqliteConn  *conn,
                              const char           *table,
                              gint64                id,
                              GError              **error)
{
  if (sqlite3_changes (conn->db) != 0)
    return TRUE;
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
               "No %s number %" G_GINT64_FORMAT, table, id);
  return FALSE;
}

static gboolean
row_is_null (gconstpointer row,
             int           column)
{
  return sqlite3_column_type ((sqlite3_stmt *) row, column) == SQLITE_NULL;
}

static gint64
row_integer (gconstpointer row,
             int           column)
{
  return sqlite3_column_int64 ((sqlite3_stmt *) row, column);
}

static gboolean
row_boolean (gconstpointer row,
             int           column)
{
  return sqlite3_column_int ((sqlite3_stmt *) row, column) != 0;
}

static double
row_real (gconstpointer row,
          int           column)
{
  return sqlite3_column_double ((sqlite3_stmt *) row, column);
}

static const char *
row_text (gconstpointer row,
          int           column)
{
  return (const char *) sqlite3_column_text ((sqlite3_stmt *) row, column);
}

const CollectorRowReader collector_sqlite_row_reader = {
  row_is_null, row_integer, row_boolean, row_real, row_text,
};

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

  if (!verval_sqlite_begin (self->writer->db, &error))
    goto fail_all;
  for (guint i = 0; i < jobs->len; i++)
    {
      WriteJob *job = g_ptr_array_index (jobs, i);

      if (job->func == NULL)
        continue;
      if (!verval_sqlite_exec (self->writer->db, "SAVEPOINT job;", &error))
        goto fail_all;
      job->ok = job->func (self, self->writer, job->data, &job->error);
      if (!job->ok)
        {
          g_assert (job->error != NULL);
          if (!verval_sqlite_exec (self->writer->db, "ROLLBACK TO job;", &error))
            goto fail_all;
        }
      if (!verval_sqlite_exec (self->writer->db, "RELEASE job;", &error))
        goto fail_all;
    }
  if (!verval_sqlite_exec (self->writer->db, "COMMIT;", &error))
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
lock_if_open (CollectorSqliteStore  *self,
              GError               **error)
{
  g_mutex_lock (&self->lock);
  if (!self->closed)
    return TRUE;
  g_mutex_unlock (&self->lock);
  g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN,
                       "The store is closed");
  return FALSE;
}

gboolean
collector_sqlite_run_write (CollectorSqliteStore      *self,
                            CollectorSqliteWriteFunc   func,
                            gpointer                   data,
                            GError                   **error)
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

gboolean
collector_sqlite_next_seq (CollectorSqliteConn  *conn,
                           gint64               *seq,
                           GError              **error)
{
  static const char *sql = "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value";
  sqlite3_stmt *stmt = collector_sqlite_stmt (conn, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return verval_sqlite_set_error (error, conn->db, "Cannot advance the sequence");
    }
  *seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* ---------------------------------------------------------------- readers */

CollectorSqliteConn *
collector_sqlite_reader_acquire (CollectorSqliteStore  *self,
                                 GError               **error)
{
  if (!lock_if_open (self, error))
    return NULL;
  g_mutex_unlock (&self->lock);
  return g_async_queue_pop (self->readers);
}

void
collector_sqlite_reader_release (CollectorSqliteStore *self,
                                 CollectorSqliteConn  *conn)
{
  g_async_queue_push (self->readers, conn);
}

/* A reader with the statement ready; release the reader when done. */
sqlite3_stmt *
collector_sqlite_reader_statement (CollectorSqliteStore  *self,
                                   const char            *sql,
                                   CollectorSqliteConn  **conn,
                                   GError               **error)
{
  sqlite3_stmt *stmt;

  if ((*conn = collector_sqlite_reader_acquire (self, error)) == NULL)
    return NULL;
  if ((stmt = collector_sqlite_stmt (*conn, sql, error)) == NULL)
    {
      collector_sqlite_reader_release (self, *conn);
      return NULL;
    }
  return stmt;
}

gboolean
collector_sqlite_pull (CollectorSqliteStore  *self,
                       const char            *sql,
                       const char            *highest_sql,
                       gint64                 enumerator_id,
                       gint64                 cursor,
                       guint                  limit,
                       CollectorPageAddRow    add,
                       gpointer               page,
                       gboolean              *more,
                       GError               **error)
{
  CollectorSqliteConn *conn;
  sqlite3_stmt *stmt = collector_sqlite_reader_statement (self, sql, &conn, error);
  guint n = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, enumerator_id);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (++n > limit)
        {
          *more = TRUE;
          break;
        }
      add (page, &COLLECTOR_SQLITE_ROW (stmt));
    }
  return collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read a pull", error) &&
         (n > 0 || collector_sqlite_check_cursor (self, highest_sql, cursor, error));
}

/* Ends a read from collector_sqlite_reader_statement(), @rc being the last step: a read
 * that stopped early on a row is fine. Releases the reader. */
gboolean
collector_sqlite_reader_finish (CollectorSqliteStore  *self,
                                CollectorSqliteConn   *conn,
                                sqlite3_stmt          *stmt,
                                int                    rc,
                                const char            *what,
                                GError               **error)
{
  gboolean ok = rc == SQLITE_DONE || rc == SQLITE_ROW;

  sqlite3_reset (stmt);
  if (!ok)
    verval_sqlite_set_error (error, conn->db, what);
  collector_sqlite_reader_release (self, conn);
  return ok;
}

/* @sql reads the highest cursor given. Only asked when a page came back
 * empty: rows after the cursor prove it. */
gboolean
collector_sqlite_check_cursor (CollectorSqliteStore  *self,
                               const char            *sql,
                               gint64                 cursor,
                               GError               **error)
{
  CollectorSqliteConn *conn;
  sqlite3_stmt *stmt;
  int rc;
  gint64 highest;

  if (cursor == 0)
    return TRUE;
  if ((stmt = collector_sqlite_reader_statement (self, sql, &conn, error)) == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  highest = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read the sequence", error))
    return FALSE;
  return collector_rules_check_cursor (cursor, highest, error);
}

/* ---------------------------------------------------------------- failures */

typedef struct
{
  const char *kind;
  const char *key;
  gint64      at;
  gint64      forget_before;
} FailureData;

static gboolean
do_note_failure (CollectorSqliteStore  *self,
                 CollectorSqliteConn   *conn,
                 gpointer               data,
                 GError               **error)
{
  FailureData *d = data;
  static const char *forget_sql = "DELETE FROM auth_failures WHERE kind = ? AND at < ?";
  static const char *note_sql = "INSERT INTO auth_failures (kind, key, at) VALUES (?, ?, ?)";

  return collector_sqlite_run (conn, forget_sql, error, SQL_TEXT (d->kind), SQL_INT (d->forget_before), SQL_END) &&
         collector_sqlite_run (conn, note_sql, error, SQL_TEXT (d->kind), SQL_TEXT (d->key), SQL_INT (d->at),
                               SQL_END);
}

static gboolean
sqlite_note_failure (CollectorStore  *store,
                     const char      *kind,
                     const char      *key,
                     gint64           at,
                     gint64           forget_before,
                     GError         **error)
{
  FailureData d = { kind, key, at, forget_before };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_note_failure, &d, error);
}

static GArray *
sqlite_recent_failures (CollectorStore  *store,
                        const char      *kind,
                        const char      *key,
                        gint64           since,
                        guint            limit,
                        GError         **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT at FROM auth_failures WHERE kind = ? AND key = ? AND at >= ? ORDER BY at DESC LIMIT ?";
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  CollectorSqliteConn *conn;
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = collector_sqlite_reader_statement (self, sql, &conn, error)) == NULL)
    return NULL;
  verval_sqlite_bind_text (stmt, 1, kind);
  verval_sqlite_bind_text (stmt, 2, key);
  sqlite3_bind_int64 (stmt, 3, since);
  sqlite3_bind_int64 (stmt, 4, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 at = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (times, at);
    }
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read the failures", error))
    return NULL;
  return g_steal_pointer (&times);
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
  iface->close = sqlite_close;
  iface->note_failure = sqlite_note_failure;
  iface->recent_failures = sqlite_recent_failures;
}

CollectorStore *
collector_sqlite_store_new (const char  *path,
                            GError     **error)
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
      CollectorSqliteConn *reader = conn_open (path, FALSE, error);

      if (reader == NULL)
        return NULL;
      g_ptr_array_add (self->all_readers, reader);
      g_async_queue_push (self->readers, reader);
    }
  self->writer_thread = g_thread_new ("collector-writer", writer_thread, self);
  return COLLECTOR_STORE (g_steal_pointer (&self));
}
