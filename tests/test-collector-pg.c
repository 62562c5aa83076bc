/* test-collector-pg.c: what only the PostgreSQL store has to get right
 *
 * The contract suite checks what every store promises; this checks what
 * comes with a database server shared by several collectors: the schema
 * migrated once however many start at once, a database from a newer
 * collector refused, a server that restarts or cuts connections survived,
 * a bounded pool, a close that lets calls in flight finish, and an address
 * shown in errors without its password.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libpq-fe.h>
#include <string.h>

#include "collector-error.h"
#include "collector-pg-private.h"
#include "collector-pg-store.h"
#include "test-pg.h"

static CollectorStore *
open_store (const char *url)
{
  g_autoptr(GError) error = NULL;
  CollectorStore *store = collector_pg_store_new (url, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
close_store (CollectorStore *store)
{
  collector_store_close (store);
  g_object_unref (store);
}

static gint64
query_int (const char *url,
           const char *sql)
{
  g_autofree char *value = verval_test_pg_exec (url, sql);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

/* ---------------------------------------------------------------- addresses */

static void
test_redact (void)
{
  static const struct {
    const char *conninfo;
    const char *shown;
  } cases[] = {
    { "postgresql://verval:s3cret@db.example:5432/verval", "postgresql://verval:***@db.example:5432/verval" },
    { "postgres://verval:s3cret@db.example/verval?sslmode=require",
      "postgres://verval:***@db.example/verval?sslmode=require" },
    { "postgresql://verval@db.example/verval", "postgresql://verval@db.example/verval" },
    { "postgresql:///verval?host=/run/postgresql", "postgresql:///verval?host=/run/postgresql" },
    /* a password with an '@', '?' or ':' unescaped still goes whole */
    { "postgresql://verval:p@ss?w:rd@db/verval", "postgresql://verval:***@db/verval" },
    /* as a parameter, also spelled with escapes */
    { "postgresql://db/verval?user=verval&password=s3cret&sslmode=verify-full",
      "postgresql://db/verval?user=verval&password=***&sslmode=verify-full" },
    { "postgresql://db/verval?%70assword=s3cret", "postgresql://db/verval?%70assword=***" },
    { "postgresql://db/verval?%zzpassword=s3cret", "postgresql://db/verval?%zzpassword=***" },
    /* keyword=value, quoted or not */
    { "host=db user=verval password=s3cret dbname=verval", "host=db user=verval password=*** dbname=verval" },
    { "password = 's3 \\'cret' host=/run/postgresql", "password=*** host=/run/postgresql" },
    { "dbname=verval passfile=/etc/verval/pgpass", "dbname=verval passfile=/etc/verval/pgpass" },
    { "dbname='postgresql://u:s3cret@db/verval'", "dbname=postgresql://u:***@db/verval" },
    /* what libpq could not read is not shown either */
    { "host=db password 's3cret'", "host=db …" },
    { "host=db password='s3cret", "host=db …" },
    { "verval", "…" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = collector_pg_conninfo_redact (cases[i].conninfo);

      g_test_message ("%s", cases[i].conninfo);
      g_assert_cmpstr (shown, ==, cases[i].shown);
      g_assert_null (strstr (shown, "s3"));
    }
}

/* Nothing listens on port 1: the error names the address, not the password. */
static void
test_unreachable (void)
{
  static const char * const addresses[] = {
    "postgresql://verval:s3cret-pw@127.0.0.1:1/verval?connect_timeout=5",
    "host=127.0.0.1 port=1 user=verval password='s3cret-pw' dbname=verval connect_timeout=5",
    "postgresql:///verval?host=/nonexistent&password=s3cret-pw",
    "host=127.0.0.1 port=1 password",
  };

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *shown = collector_pg_conninfo_redact (addresses[i]);
      gint64 started = g_get_monotonic_time ();
      CollectorStore *store = collector_pg_store_new (addresses[i], &error);

      g_test_message ("%s", error != NULL ? error->message : "(connected)");
      g_assert_null (store);
      g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE);
      g_assert_nonnull (strstr (error->message, shown));
      g_assert_null (strstr (error->message, "s3cret"));
      g_assert_cmpint (g_get_monotonic_time () - started, <, 6 * G_USEC_PER_SEC);
    }
}

/* ---------------------------------------------------------------- schema */

static void
test_migrate_twice (void)
{
  g_autofree char *url = verval_test_pg_new_database ();
  CollectorStore *store;

  store = open_store (url);
  g_assert_true (collector_store_add_enumerator (store, "Siti Aminah", NULL, NULL, NULL));
  close_store (store);
  /* a second start finds the schema current and the data there */
  store = open_store (url);
  {
    g_autoptr(GPtrArray) all = collector_store_list_enumerators (store, NULL);

    g_assert_cmpuint (all->len, ==, 1);
  }
  close_store (store);
  g_assert_cmpint (query_int (url, "SELECT count(*) FROM schema_version"), ==, 1);
  g_assert_cmpint (query_int (url, "SELECT version FROM schema_version"), ==, collector_pg_schema_version ());
  verval_test_pg_drop_database (url);
}

typedef struct {
  const char     *url;
  gint           *waiting;
  CollectorStore *store;
} Starter;

static gpointer
starter_thread (gpointer data)
{
  Starter *s = data;

  g_atomic_int_dec_and_test (s->waiting);
  while (g_atomic_int_get (s->waiting) > 0)
    g_thread_yield ();
  s->store = open_store (s->url);
  return NULL;
}

/* Collectors starting at once on an empty database: one migrates, the
 * others wait and find it done. */
static void
test_migrate_racing (void)
{
  g_autofree char *url = verval_test_pg_new_database ();
  Starter starters[6];
  GThread *threads[G_N_ELEMENTS (starters)];
  gint waiting = G_N_ELEMENTS (starters);

  for (guint i = 0; i < G_N_ELEMENTS (starters); i++)
    {
      starters[i] = (Starter) { url, &waiting, NULL };
      threads[i] = g_thread_new ("start", starter_thread, &starters[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (starters); i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (collector_store_add_enumerator (starters[i].store, "Made", NULL, NULL, NULL) == (i == 0));
      close_store (starters[i].store);
    }
  g_assert_cmpint (query_int (url, "SELECT version FROM schema_version"), ==, collector_pg_schema_version ());
  g_assert_cmpint (query_int (url, "SELECT count(*) FROM counters"), ==, 2);
  verval_test_pg_drop_database (url);
}

static void
test_newer_schema (void)
{
  g_autofree char *url = verval_test_pg_new_database ();
  g_autofree char *newer = g_strdup_printf ("UPDATE schema_version SET version = %d",
                                            collector_pg_schema_version () + 1);
  g_autoptr(GError) error = NULL;

  close_store (open_store (url));
  g_free (verval_test_pg_exec (url, newer));
  g_assert_null (collector_pg_store_new (url, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "newer than this collector knows"));
  /* and it changed nothing */
  g_assert_cmpint (query_int (url, "SELECT version FROM schema_version"), ==, collector_pg_schema_version () + 1);
  verval_test_pg_drop_database (url);
}

/* What schemas 3 and 4 added, taken away again: a database of schema 2,
 * which had no accounts, counted wrong enrollment codes in a table of their
 * own and kept no status history. */
static const char *back_to_schema_2 =
  "BEGIN;"
  "DROP TABLE device_status_reports;"
  "DROP TABLE sessions;"
  "DROP TABLE users;"
  "DROP TABLE auth_failures;"
  "CREATE TABLE enroll_failures (peer text COLLATE \"C\" NOT NULL, at timestamptz NOT NULL);"
  "INSERT INTO enroll_failures (peer, at) VALUES ('192.0.2.7', to_timestamp (1000)),"
  "  ('192.0.2.7', to_timestamp (1010)), ('2001:db8:1:2::/64', to_timestamp (1020));"
  "UPDATE schema_version SET version = 2;"
  "COMMIT;";

/* The wrong enrollment codes a database of schema 2 counted still count. */
static void
test_migrate_failures (void)
{
  g_autofree char *url = verval_test_pg_new_database ();
  g_autoptr(GArray) recent = NULL;
  g_autoptr(GError) error = NULL;
  CollectorStore *store;

  close_store (open_store (url));
  g_free (verval_test_pg_exec (url, back_to_schema_2));
  store = open_store (url);
  recent = collector_store_recent_failures (store, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 2);
  g_assert_cmpint (g_array_index (recent, gint64, 0), ==, 1010);
  close_store (store);
  g_assert_cmpint (query_int (url, "SELECT version FROM schema_version"), ==, collector_pg_schema_version ());
  g_assert_cmpint (query_int (url, "SELECT count(*) FROM auth_failures WHERE kind = 'enroll'"), ==, 3);
  g_assert_cmpint (query_int (url, "SELECT count(*) FROM pg_tables WHERE tablename = 'enroll_failures'"), ==, 0);
  verval_test_pg_drop_database (url);
}

/* ---------------------------------------------------------------- connections */

/* A store on a database of its own. */
typedef struct {
  char           *url;
  CollectorStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->url = verval_test_pg_new_database ();
  f->store = open_store (f->url);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  close_store (f->store);
  verval_test_pg_drop_database (f->url);
  g_free (f->url);
}

typedef struct {
  CollectorStore *store;
  guint           n_calls;
  guint           n_failed;
  GError         *first_error;
} Caller;

/* A call that reads and one that writes, @n_calls times. */
static gpointer
caller_thread (gpointer data)
{
  Caller *c = data;

  for (guint i = 0; i < c->n_calls; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) all = collector_store_list_enumerators (c->store, &error);
      static gint n_names;
      g_autofree char *name = g_strdup_printf ("Caller %d", g_atomic_int_add (&n_names, 1));

      if (all == NULL || !collector_store_add_enumerator (c->store, name, NULL, NULL, &error))
        {
          c->n_failed++;
          if (c->first_error == NULL)
            c->first_error = g_error_copy (error);
        }
    }
  return NULL;
}

/* Runs @n_threads callers at once; the number of calls that failed. */
static guint
call_at_once (CollectorStore *store,
              guint           n_threads,
              guint           n_calls,
              GError        **first_error)
{
  Caller callers[16];
  GThread *threads[G_N_ELEMENTS (callers)];
  guint failed = 0;

  g_assert_cmpuint (n_threads, <=, G_N_ELEMENTS (callers));
  for (guint i = 0; i < n_threads; i++)
    {
      callers[i] = (Caller) { store, n_calls, 0, NULL };
      threads[i] = g_thread_new ("caller", caller_thread, &callers[i]);
    }
  for (guint i = 0; i < n_threads; i++)
    {
      g_thread_join (threads[i]);
      failed += callers[i].n_failed;
      if (callers[i].first_error != NULL)
        g_test_message ("%s", callers[i].first_error->message);
      if (callers[i].first_error != NULL && first_error != NULL && *first_error == NULL)
        *first_error = g_steal_pointer (&callers[i].first_error);
      g_clear_error (&callers[i].first_error);
    }
  return failed;
}

static gint64
connections_to (const char *url)
{
  return query_int (url, "SELECT count(*) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()");
}

/* Sixteen threads share at most COLLECTOR_PG_POOL_SIZE connections. */
static void
test_pool_bounded (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpuint (call_at_once (f->store, 16, 20, NULL), ==, 0);
  g_assert_cmpint (connections_to (f->url), >, 1);
  g_assert_cmpint (connections_to (f->url), <=, COLLECTOR_PG_POOL_SIZE);
  collector_store_close (f->store);
  g_assert_cmpint (connections_to (f->url), ==, 0);
}

/* An administrator ends every session of the collector's: each pooled
 * connection is made anew on its next use, and no call fails for it. */
static void
test_backends_terminated (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 terminated;

  g_assert_cmpuint (call_at_once (f->store, 8, 5, NULL), ==, 0);
  terminated = query_int (f->url, "SELECT count(pg_terminate_backend (pid)) FROM pg_stat_activity"
                                  " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  g_assert_cmpint (terminated, >, 1);
  g_assert_cmpuint (call_at_once (f->store, 8, 5, &error), ==, 0);
  g_assert_no_error (error);
}

/* The server goes away: calls fail soon with a store error rather than
 * hang; once it is back, the next calls connect again and succeed. */
static void
test_server_restart (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 started;

  g_assert_cmpuint (call_at_once (f->store, 8, 3, NULL), ==, 0);
  verval_test_pg_stop ();
  started = g_get_monotonic_time ();
  g_assert_null (collector_store_list_enumerators (f->store, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (call_at_once (f->store, 4, 2, &error), ==, 8);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);

  verval_test_pg_start ();
  g_assert_cmpuint (call_at_once (f->store, 8, 3, &error), ==, 0);
  g_assert_no_error (error);
}

typedef struct {
  CollectorStore *store;
  gboolean        done;
  gboolean        ok;
} Pending;

static gpointer
add_thread (gpointer data)
{
  Pending *p = data;

  p->ok = collector_store_add_enumerator (p->store, "Ketut", NULL, NULL, NULL);
  g_atomic_int_set (&p->done, TRUE);
  return NULL;
}

static gpointer
close_thread (gpointer data)
{
  Pending *p = data;

  collector_store_close (p->store);
  g_atomic_int_set (&p->done, TRUE);
  return NULL;
}

/* Close waits for a call in flight, which commits; later calls are
 * refused as the store shutting down. */
static void
test_close_waits (Fixture       *f,
                  gconstpointer  data)
{
  PGconn *admin = PQconnectdb (f->url);
  Pending add = { f->store, FALSE, FALSE }, closing = { f->store, FALSE, FALSE };
  GThread *adder, *closer;
  g_autoptr(GError) error = NULL;

  /* the insert waits behind this lock, inside its transaction */
  g_assert_cmpint (PQstatus (admin), ==, CONNECTION_OK);
  PQclear (PQexec (admin, "BEGIN; LOCK TABLE enumerators IN ACCESS EXCLUSIVE MODE"));
  adder = g_thread_new ("add", add_thread, &add);
  while (query_int (f->url, "SELECT count(*) FROM pg_locks WHERE NOT granted") == 0)
    g_usleep (10000);
  closer = g_thread_new ("close", close_thread, &closing);
  g_usleep (200000);
  g_assert_false (g_atomic_int_get (&closing.done));
  g_assert_false (g_atomic_int_get (&add.done));

  PQclear (PQexec (admin, "COMMIT"));
  g_thread_join (adder);
  g_thread_join (closer);
  PQfinish (admin);
  g_assert_true (add.ok);
  g_assert_cmpint (query_int (f->url, "SELECT count(*) FROM enumerators WHERE name = 'Ketut'"), ==, 1);
  g_assert_null (collector_store_list_enumerators (f->store, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/collector/pg/redact", test_redact);
  g_test_add_func ("/collector/pg/unreachable", test_unreachable);
  g_test_add_func ("/collector/pg/migrate-twice", test_migrate_twice);
  g_test_add_func ("/collector/pg/migrate-racing", test_migrate_racing);
  g_test_add_func ("/collector/pg/newer-schema", test_newer_schema);
  g_test_add_func ("/collector/pg/migrate-failures", test_migrate_failures);
  g_test_add ("/collector/pg/pool-bounded", Fixture, NULL, fixture_setup, test_pool_bounded, fixture_teardown);
  g_test_add ("/collector/pg/backends-terminated", Fixture, NULL, fixture_setup, test_backends_terminated,
              fixture_teardown);
  g_test_add ("/collector/pg/server-restart", Fixture, NULL, fixture_setup, test_server_restart, fixture_teardown);
  g_test_add ("/collector/pg/close-waits", Fixture, NULL, fixture_setup, test_close_waits, fixture_teardown);
  return g_test_run ();
}
