/* test-pg.c: a throw-away PostgreSQL cluster for the tests of one program
 *
 * initdb refuses to run as root, and CI runs as root: then the cluster
 * runs as the "postgres" user that Debian's postgresql package creates,
 * and its folder belongs to that user. The server keeps its usual
 * durability (fsync, synchronous_commit); only initdb skips syncing the
 * files it creates, which a cluster thrown away at exit never needs.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "test-pg.h"

/* The socket's name only: the server listens on no TCP port. */
#define PORT "5432"

typedef struct {
  char        *dir;         /* the socket, the data folder and the log */
  char        *data;
  char        *log;
  char        *bindir;
  char        *url;
  gboolean     as_postgres; /* root runs the server as "postgres" */
  GSubprocess *watchdog;
  guint        n_databases;
} Cluster;

static Cluster *cluster;
static GMutex cluster_lock;

/* The newest /usr/lib/postgresql/N/bin with an initdb, else the PATH's. */
static char *
find_bindir (void)
{
  const char *env = g_getenv ("VERVAL_PG_BINDIR");
  g_autoptr(GDir) dir = NULL;
  g_autofree char *initdb = NULL;
  g_autofree char *best = NULL;
  const char *name;
  gint64 best_version = -1;

  if (env != NULL)
    return g_strdup (env);
  if ((dir = g_dir_open ("/usr/lib/postgresql", 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *bin = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
        g_autofree char *tool = g_build_filename (bin, "initdb", NULL);
        gint64 version = g_ascii_strtoll (name, NULL, 10);

        if (version > best_version && g_file_test (tool, G_FILE_TEST_IS_EXECUTABLE))
          {
            best_version = version;
            g_free (best);
            best = g_steal_pointer (&bin);
          }
      }
  if (best != NULL)
    return g_steal_pointer (&best);
  if ((initdb = g_find_program_in_path ("initdb")) != NULL)
    return g_path_get_dirname (initdb);
  g_error ("PostgreSQL's initdb was found neither in /usr/lib/postgresql/*/bin nor on the PATH; "
           "install the postgresql package (build-aux/dev deps) or set VERVAL_PG_BINDIR");
}

/* argv for @tool of the cluster's PostgreSQL, as the user that owns it. */
static GPtrArray *
tool_argv (const char *tool)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  if (cluster->as_postgres)
    {
      g_ptr_array_add (argv, g_strdup ("setpriv"));
      g_ptr_array_add (argv, g_strdup ("--reuid=postgres"));
      g_ptr_array_add (argv, g_strdup ("--regid=postgres"));
      g_ptr_array_add (argv, g_strdup ("--clear-groups"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  g_ptr_array_add (argv, g_build_filename (cluster->bindir, tool, NULL));
  return argv;
}

static char *
log_tail (void)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!g_file_get_contents (cluster->log, &text, &length, NULL))
    return g_strdup ("(no server log)");
  return g_strdup (text + (length > 2000 ? length - 2000 : 0));
}

/* Runs a tool to its end; a failure fails the test with what it said. */
static void
run_tool (GPtrArray *argv_taken)
{
  g_autoptr(GPtrArray) argv = argv_taken;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *command = NULL;
  g_autofree char *tail = NULL;

  g_ptr_array_add (argv, NULL);
  command = g_strjoinv (" ", (char **) argv->pdata);
  /* the postgres user may not enter the caller's folder */
  g_subprocess_launcher_set_cwd (launcher, cluster->dir);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (process == NULL)
    g_error ("Cannot run %s: %s", command, error->message);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  if (error == NULL && g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    return;
  tail = log_tail ();
  g_error ("PostgreSQL for the tests failed: %s: %s\n%s\nServer log:\n%s", command,
           error != NULL ? error->message : "exited with an error", output != NULL ? output : "", tail);
}

/* pg_ctl @action on the cluster, waiting until it is done. */
static GPtrArray *
pg_ctl_argv (const char *action,
             const char *mode)
{
  GPtrArray *argv = tool_argv ("pg_ctl");

  g_ptr_array_add (argv, g_strdup ("--pgdata"));
  g_ptr_array_add (argv, g_strdup (cluster->data));
  g_ptr_array_add (argv, g_strdup ("--log"));
  g_ptr_array_add (argv, g_strdup (cluster->log));
  g_ptr_array_add (argv, g_strdup ("--wait"));
  g_ptr_array_add (argv, g_strdup ("--timeout=60"));
  if (mode != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--mode=%s", mode));
  g_ptr_array_add (argv, g_strdup (action));
  return argv;
}

static void
pg_ctl (const char *action,
        const char *mode)
{
  run_tool (pg_ctl_argv (action, mode));
}

/* At a normal exit: stop the server and remove its folder, now. */
static void
cleanup_at_exit (void)
{
  g_autoptr(GPtrArray) stop = NULL;
  const char *rm[] = { "rm", "-rf", "--", NULL, NULL };

  if (cluster == NULL)
    return;
  stop = pg_ctl_argv ("stop", "immediate");
  g_ptr_array_add (stop, NULL);
  g_spawn_sync (cluster->dir, (char **) stop->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
  rm[3] = cluster->dir;
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
new_session (gpointer data)
{
  setsid ();
}

/* A process that outlives this one by a moment: when a test aborts (an
 * assertion, a signal) no atexit handler runs, but this process's end
 * closes the pipe the watchdog reads, and it stops the server and removes
 * the folder. In a session of its own, so that killing the test's process
 * group does not kill the watchdog with it. */
static void
start_watchdog (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) stop = pg_ctl_argv ("stop", "immediate");
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_strdup ("sh"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup ("read _; \"$@\"; rm -rf -- \"$0\""));
  g_ptr_array_add (argv, g_strdup (cluster->dir));
  for (guint i = 0; i < stop->len; i++)
    g_ptr_array_add (argv, g_strdup (stop->pdata[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, new_session, NULL, NULL);
  cluster->watchdog = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (cluster->watchdog == NULL)
    g_error ("Cannot start the watchdog of the test cluster: %s", error->message);
}

static void
append_settings (void)
{
  g_autofree char *conf = g_build_filename (cluster->data, "postgresql.conf", NULL);
  g_autofree char *settings = g_strdup_printf ("\n# the tests' own\n"
                                               "listen_addresses = ''\n"
                                               "port = " PORT "\n"
                                               "unix_socket_directories = '%s'\n"
                                               "max_connections = 60\n"
                                               "shared_buffers = 32MB\n"
                                               "fsync = on\n"
                                               "synchronous_commit = on\n", cluster->dir);
  FILE *file = g_fopen (conf, "a");

  /* appended, so the file keeps its owner */
  if (file == NULL || fputs (settings, file) < 0 || fclose (file) != 0)
    g_error ("Cannot write %s: %s", conf, g_strerror (errno));
}

static void
start_cluster (void)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *initdb;
  gint64 started = g_get_monotonic_time ();

  cluster = g_new0 (Cluster, 1);
  cluster->bindir = find_bindir ();
  cluster->as_postgres = geteuid () == 0;
  /* /tmp when root: the postgres user must be able to reach the folder */
  cluster->dir = cluster->as_postgres ? g_mkdtemp (g_strdup ("/tmp/verval-pg-XXXXXX"))
                                      : g_dir_make_tmp ("verval-pg-XXXXXX", &error);
  if (cluster->dir == NULL)
    g_error ("Cannot make a folder for the test cluster: %s", error != NULL ? error->message : g_strerror (errno));
  cluster->data = g_build_filename (cluster->dir, "data", NULL);
  cluster->log = g_build_filename (cluster->dir, "server.log", NULL);
  if (cluster->as_postgres)
    {
      struct passwd *user = getpwnam ("postgres");

      if (user == NULL)
        g_error ("Running as root, the test cluster needs the postgres user, which the postgresql "
                 "package creates; install it (build-aux/dev deps)");
      if (chown (cluster->dir, user->pw_uid, user->pw_gid) != 0)
        g_error ("Cannot give %s to the postgres user: %s", cluster->dir, g_strerror (errno));
    }
  start_watchdog ();
  atexit (cleanup_at_exit);

  initdb = tool_argv ("initdb");
  g_ptr_array_add (initdb, g_strdup ("--pgdata"));
  g_ptr_array_add (initdb, g_strdup (cluster->data));
  g_ptr_array_add (initdb, g_strdup ("--username=postgres"));
  g_ptr_array_add (initdb, g_strdup ("--auth=trust"));
  g_ptr_array_add (initdb, g_strdup ("--encoding=UTF8"));
  g_ptr_array_add (initdb, g_strdup ("--no-locale"));
  g_ptr_array_add (initdb, g_strdup ("--no-sync"));
  run_tool (initdb);
  append_settings ();
  pg_ctl ("start", NULL);
  cluster->url = g_strdup_printf ("postgresql:///postgres?host=%s&port=" PORT "&user=postgres", cluster->dir);
  g_test_message ("PostgreSQL for the tests at %s, ready in %.1f s", cluster->dir,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
}

const char *
verval_test_pg_url (void)
{
  g_mutex_lock (&cluster_lock);
  if (cluster == NULL)
    start_cluster ();
  g_mutex_unlock (&cluster_lock);
  return cluster->url;
}

static PGconn *
connect_or_fail (const char *url)
{
  PGconn *conn = PQconnectdb (url);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test cluster (%s): %s", url, PQerrorMessage (conn));
  return conn;
}

char *
verval_test_pg_exec (const char *url,
                     const char *sql)
{
  PGconn *conn = connect_or_fail (url);
  PGresult *res = PQexec (conn, sql);
  char *value = NULL;

  if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) > 0 && !PQgetisnull (res, 0, 0))
    value = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);
  PQfinish (conn);
  return value;
}

char *
verval_test_pg_new_database (void)
{
  const char *admin = verval_test_pg_url ();
  g_autofree char *name = NULL;
  g_autofree char *sql = NULL;

  g_mutex_lock (&cluster_lock);
  /* a name made of numbers alone: formatting it into SQL is safe */
  name = g_strdup_printf ("verval_test_%d_%u", (int) getpid (), ++cluster->n_databases);
  g_mutex_unlock (&cluster_lock);
  sql = g_strdup_printf ("CREATE DATABASE %s", name);
  g_free (verval_test_pg_exec (admin, sql));
  return g_strdup_printf ("postgresql:///%s?host=%s&port=" PORT "&user=postgres", name, cluster->dir);
}

void
verval_test_pg_drop_database (const char *url)
{
  PQconninfoOption *options = PQconninfoParse (url, NULL);
  g_autofree char *sql = NULL;

  g_assert_nonnull (options);
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    if (g_str_equal (o->keyword, "dbname"))
      {
        g_assert_true (g_str_has_prefix (o->val, "verval_test_"));
        sql = g_strdup_printf ("DROP DATABASE %s WITH (FORCE)", o->val);
      }
  PQconninfoFree (options);
  g_assert_nonnull (sql);
  g_free (verval_test_pg_exec (verval_test_pg_url (), sql));
}

void
verval_test_pg_stop (void)
{
  verval_test_pg_url ();
  pg_ctl ("stop", "fast");
}

void
verval_test_pg_start (void)
{
  verval_test_pg_url ();
  pg_ctl ("start", NULL);
}

GPid
verval_test_pg_server_pid (void)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  verval_test_pg_url ();
  path = g_build_filename (cluster->data, "postmaster.pid", NULL);
  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("Cannot read the test cluster's postmaster.pid: %s", error->message);
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

char *
verval_test_pg_settings (void)
{
  return verval_test_pg_exec (verval_test_pg_url (),
                              "SELECT string_agg (name || ' = ' || current_setting (name), E'\\n'"
                              " ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit',"
                              " 'shared_buffers', 'wal_level', 'max_connections', 'full_page_writes',"
                              " 'commit_delay', 'wal_sync_method', 'server_version')");
}
