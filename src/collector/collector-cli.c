/* collector-cli.c: the verval-collector command line
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <gio/gio.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector-cli-private.h"
#include "collector-error.h"
#include "collector-export.h"
#include "collector-forms.h"
#include "collector-import.h"
#include "collector-media.h"
#include "collector-migrate.h"
#include "collector-pg-store.h"
#include "collector-server.h"
#include "collector-sqlite-store.h"
#include "collector-token.h"

#define EXIT_USAGE 2

static const char *usage_text =
  "Usage: verval-collector COMMAND [OPTIONS]\n"
  "\n"
  "Commands:\n"
  "  serve        --data-dir DIR --listen ADDR:PORT [--tls-cert FILE --tls-key FILE]\n"
  "  import       FILE...                           import P3KE/DTKS CSV lists\n"
  "  enumerator   add NAME [--phone PHONE] | list | disable WHO | enable WHO\n"
  "  enroll-code  WHO [--ttl-hours N]               issue a one-time enrollment code\n"
  "  assign       WHO (--village CODE | --households ID[,ID…] | --households-file FILE)\n"
  "  device       list | revoke DEVICE-ID\n"
  "  user         add NAME --role ROLE --region CODE | list [--region CODE]\n"
  "               | disable NAME | enable NAME | passwd NAME   dashboard accounts\n"
  "  export       --format csv|geojson [--output FILE]\n"
  "  migrate      --from DIR --to URL               copy a SQLite collector into PostgreSQL\n"
  "\n"
  "WHO is an enumerator's number or exact name. A user's ROLE is admin,\n"
  "supervisor or viewer, and CODE the region (51, 5108, 510805, 5108052001) whose\n"
  "subtree the account sees; its password is asked for, or read from\n"
  "--password-file or standard input. Every command finds the store with\n"
  "--data-dir DIR (SQLite, the default) or --database URL (PostgreSQL, also from\n"
  "VERVAL_DATABASE); serve always needs --data-dir, for the photos.\n"
  "Run “verval-collector COMMAND --help” for the options of one command.\n";

int
collector_cli_fail (GError *error)
{
  g_printerr ("verval-collector: error: %s\n", error->message);
  g_error_free (error);
  return 1;
}

int
collector_cli_usage_error (const char *command,
                           const char *message)
{
  g_printerr ("verval-collector %s: %s\nRun “verval-collector %s --help” for usage.\n",
              command, message, command);
  return EXIT_USAGE;
}

gboolean
collector_cli_parse_options (GOptionContext *context,
                             const char     *command,
                             int            *argc,
                             char         ***argv,
                             int            *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = collector_cli_usage_error (command, error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- the store */

/* --database as given, and the URL it stood for before its password was
 * blanked on the command line (scrub_passwords()) */
static char *database_option;
static char *database_secret;

const GOptionEntry collector_cli_store_entries[] = {
  { "database", 0, 0, G_OPTION_ARG_STRING, &database_option,
    "PostgreSQL database (libpq URL or keywords; also VERVAL_DATABASE) instead of SQLite in --data-dir; "
    "keep its password in ~/.pgpass or PGPASSFILE", "URL" },
  { NULL }
};

/* Where the password of a libpq URL or keyword string starts, and its
 * length; FALSE if it names none. */
static gboolean
find_password (const char *conninfo,
               gsize      *start,
               gsize      *length)
{
  const char *scheme_end = strstr (conninfo, "://");
  const char *p;

  if (scheme_end != NULL)
    {
      const char *authority = scheme_end + 3;
      gsize span = strcspn (authority, "/?#");
      const char *at = g_strrstr_len (authority, span, "@");
      const char *colon = at != NULL ? memchr (authority, ':', at - authority) : NULL;

      if (colon != NULL && at > colon + 1)
        {
          *start = colon + 1 - conninfo;
          *length = at - colon - 1;
          return TRUE;
        }
    }
  /* password=… as a keyword or in a URL's query */
  for (p = strstr (conninfo, "password"); p != NULL; p = strstr (p + 1, "password"))
    {
      const char *value = p + strlen ("password");

      if (p > conninfo && (g_ascii_isalnum (p[-1]) || p[-1] == '_'))
        continue;
      while (*value == ' ')
        value++;
      if (*value != '=')
        continue;
      value++;
      while (*value == ' ')
        value++;
      *start = value - conninfo;
      *length = strcspn (value, " &");
      return *length > 0;
    }
  return FALSE;
}

/* A password given with --database or --to is visible to every user of
 * the machine through ps while the command runs: keep the URL for
 * ourselves, blank the password where ps reads it, and say so. */
static void
scrub_passwords (int    argc,
                 char **argv)
{
  static const char * const options[] = { "--database", "--to", NULL };

  for (int i = 1; i < argc; i++)
    for (guint o = 0; options[o] != NULL; o++)
      {
        gsize name_length = strlen (options[o]);
        char *value = NULL;
        gsize start, length;

        if (g_str_equal (argv[i], options[o]) && i + 1 < argc)
          value = argv[i + 1];
        else if (g_str_has_prefix (argv[i], options[o]) && argv[i][name_length] == '=')
          value = argv[i] + name_length + 1;
        if (value == NULL || !find_password (value, &start, &length))
          continue;
        g_free (database_secret);
        database_secret = g_strdup (value);
        memset (value + start, '*', length);
        g_printerr ("verval-collector: warning: a password on the command line can be read by other "
                    "users of this machine; keep it in ~/.pgpass (or PGPASSFILE) instead\n");
      }
}

/* The URL a --database or --to option means, its password restored. */
static const char *
unscrubbed (const char *value)
{
  gsize start, length;

  if (value != NULL && database_secret != NULL && find_password (value, &start, &length) &&
      strlen (value) == strlen (database_secret) &&
      strncmp (value, database_secret, start) == 0 &&
      g_str_equal (value + start + length, database_secret + start + length))
    return database_secret;
  return value;
}

/* The PostgreSQL database to use, or NULL for the SQLite store. */
static const char *
database_url (void)
{
  const char *env = g_getenv ("VERVAL_DATABASE");

  if (database_option != NULL && database_option[0] != '\0')
    return unscrubbed (database_option);
  return env != NULL && env[0] != '\0' ? env : NULL;
}

int
collector_cli_check_store_named (const char *command,
                                 const char *data_dir)
{
  if (data_dir == NULL && database_url () == NULL)
    return collector_cli_usage_error (command, "--data-dir (SQLite) or --database (PostgreSQL) is required");
  return 0;
}

CollectorStore *
collector_cli_open_store (const char  *data_dir,
                          GError     **error)
{
  g_autofree char *path = NULL;

  if (database_url () != NULL)
    return collector_pg_store_new (database_url (), error);

  if (g_mkdir_with_parents (data_dir, 0750) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the data directory %s: %s", data_dir, g_strerror (saved));
      return NULL;
    }
  path = g_build_filename (data_dir, "collector.db", NULL);
  return collector_sqlite_store_new (path, error);
}

static CollectorMedia *
open_media (const char *data_dir,
            GError    **error)
{
  g_autofree char *path = g_build_filename (data_dir, "media", NULL);

  return collector_media_new (path, error);
}

/* ---------------------------------------------------------------- serve */

typedef struct
{
  GMainLoop       *loop;
  CollectorServer *server;
  gboolean         stopping;
  guint            timeout_id;
} ServeState;

static void
shutdown_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ServeState *state = user_data;

  collector_server_shutdown_finish (COLLECTOR_SERVER (source), result, NULL);
  g_main_loop_quit (state->loop);
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  ServeState *state = user_data;

  g_warning ("Requests still running after 30 s; stopping anyway");
  state->timeout_id = 0;
  g_main_loop_quit (state->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  ServeState *state = user_data;

  if (state->stopping)
    return G_SOURCE_CONTINUE;
  state->stopping = TRUE;
  g_message ("Shutting down: finishing requests in flight");
  collector_server_shutdown_async (state->server, shutdown_done_cb, state);
  state->timeout_id = g_timeout_add_seconds (30, shutdown_timeout_cb, state);
  return G_SOURCE_CONTINUE;
}

static gboolean quiet_access_log;

/* One line per message on stderr; the access log's fields are already in
 * its MESSAGE. Debug output stays with GLib's writer (G_MESSAGES_DEBUG). */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *message = NULL, *domain = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  const char *level_name;

  if (level & G_LOG_LEVEL_DEBUG)
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
      else if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
    }
  if ((level & G_LOG_LEVEL_INFO) && quiet_access_log)
    return G_LOG_WRITER_HANDLED;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    level_name = "error";
  else if (level & G_LOG_LEVEL_WARNING)
    level_name = "warning";
  else if (level & G_LOG_LEVEL_MESSAGE)
    level_name = "notice";
  else
    level_name = "info";
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  fprintf (stderr, "%s %s %s: %s\n", stamp, domain != NULL ? domain : "-", level_name,
           message != NULL ? message : "");
  fflush (stderr);
  if (level & G_LOG_LEVEL_ERROR)
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static int
cmd_serve (int    argc,
           char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  gboolean behind_proxy = FALSE;
  gint64 max_body = 0, max_media = 0;
  int max_batch = 0, enroll_attempts = 0, enroll_window = 0, upload_stale = 0;
  int sign_in_attempts = 0, sign_in_window = 0;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory (database and media)", "DIR" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Address and port, e.g. 127.0.0.1:8080 (port 0: any free port)", "ADDR:PORT" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "TLS certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "TLS private key (PEM)", "FILE" },
    { "behind-proxy", 0, 0, G_OPTION_ARG_NONE, &behind_proxy, "A TLS-terminating proxy is in front: allow plain HTTP off loopback and read each client's address from X-Forwarded-For", NULL },
    /* the name of --behind-proxy before it also covered a proxy on this machine */
    { "allow-insecure-http", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &behind_proxy, NULL, NULL },
    { "max-body", 0, 0, G_OPTION_ARG_INT64, &max_body, "Largest JSON request body in bytes", "BYTES" },
    { "max-media", 0, 0, G_OPTION_ARG_INT64, &max_media, "Largest photo in bytes", "BYTES" },
    { "max-batch", 0, 0, G_OPTION_ARG_INT, &max_batch, "Most visits in one batch", "N" },
    { "enroll-attempts", 0, 0, G_OPTION_ARG_INT, &enroll_attempts, "Wrong enrollment codes one address may send per window (default 10)", "N" },
    { "enroll-window", 0, 0, G_OPTION_ARG_INT, &enroll_window, "That window, in seconds (default 900)", "SECONDS" },
    { "sign-in-attempts", 0, 0, G_OPTION_ARG_INT, &sign_in_attempts, "Failed dashboard sign-ins one address, or one account, may have per window (default 10)", "N" },
    { "sign-in-window", 0, 0, G_OPTION_ARG_INT, &sign_in_window, "That window, in seconds (default 900)", "SECONDS" },
    { "upload-stale", 0, 0, G_OPTION_ARG_INT, &upload_stale, "Seconds a photo upload may send nothing before another may take it over (default 60)", "SECONDS" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet_access_log, "No access log", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- serve the devices' and the dashboard's APIs");
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(CollectorMedia) media = NULL;
  g_autoptr(CollectorForms) forms = NULL;
  g_autoptr(CollectorServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *uri = NULL;
  GError *error = NULL;
  CollectorLimits limits;
  ServeState state = { 0 };
  guint sigterm, sigint;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "serve", &argc, &argv, &status))
    return status;
  if (data_dir == NULL || listen == NULL)
    return collector_cli_usage_error ("serve", "--data-dir and --listen are required");
  if ((tls_cert == NULL) != (tls_key == NULL))
    return collector_cli_usage_error ("serve", "--tls-cert and --tls-key go together");
  if (argc > 1)
    return collector_cli_usage_error ("serve", "unexpected arguments");

  collector_limits_init_default (&limits);
  if (max_body > 0)
    limits.max_body = max_body;
  if (max_media > 0)
    limits.max_media = max_media;
  if (max_batch > 0)
    limits.max_batch = max_batch;
  if (enroll_attempts < 0 || enroll_window < 0 || upload_stale < 0 || sign_in_attempts < 0 || sign_in_window < 0)
    return collector_cli_usage_error ("serve", "--enroll-attempts, --enroll-window, --sign-in-attempts, "
                                      "--sign-in-window and --upload-stale must be positive");
  if (enroll_attempts > 0)
    limits.enroll_failures = enroll_attempts;
  if (enroll_window > 0)
    limits.enroll_window = enroll_window;
  if (upload_stale > 0)
    limits.upload_stale = upload_stale;
  if (sign_in_attempts > 0)
    limits.sign_in_failures = sign_in_attempts;
  if (sign_in_window > 0)
    limits.sign_in_window = sign_in_window;

  g_log_set_writer_func (log_writer, NULL, NULL);

  if ((store = collector_cli_open_store (data_dir, &error)) == NULL ||
      (media = open_media (data_dir, &error)) == NULL)
    return collector_cli_fail (error);
  forms = collector_forms_new ();
  server = collector_server_new (store, media, forms, &limits);
  if (tls_cert != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_files (tls_cert, tls_key, &error);

      if (certificate == NULL)
        return collector_cli_fail (error);
      collector_server_set_tls_certificate (server, certificate);
    }
  if (!collector_server_listen (server, listen, behind_proxy, &error))
    return collector_cli_fail (error);

  uri = collector_server_get_uri (server);
  /* machine-readable: scripts and tests read the port from this line */
  g_print ("listening on %s\n", uri);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.server = server;
  sigterm = g_unix_signal_add (SIGTERM, signal_cb, &state);
  sigint = g_unix_signal_add (SIGINT, signal_cb, &state);
  g_main_loop_run (loop);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  if (state.timeout_id != 0)
    g_source_remove (state.timeout_id);

  /* let the closed connections finish tearing down */
  g_clear_object (&server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* queued writes commit before the store lets go */
  collector_store_close (store);
  g_message ("Stopped");
  return 0;
}

/* ---------------------------------------------------------------- import */

static int
cmd_import (int    argc,
            char **argv)
{
  g_autofree char *data_dir = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE… - import P3KE or DTKS CSV lists");
  g_autoptr(CollectorStore) store = NULL;
  GError *error = NULL;
  gboolean all_ok = TRUE;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "import", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("import", data_dir)) != 0)
    return status;
  if (argc < 2)
    return collector_cli_usage_error ("import", "name at least one CSV file");
  if ((store = collector_cli_open_store (data_dir, &error)) == NULL)
    return collector_cli_fail (error);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(VervalImportReport) report = NULL;
      g_autofree char *text = NULL;

      report = collector_import_file (store, argv[i], &error);
      if (report == NULL)
        {
          g_printerr ("verval-collector: error: %s: %s\n", argv[i], error->message);
          g_clear_error (&error);
          all_ok = FALSE;
          continue;
        }
      text = verval_import_report_to_text (report);
      g_print ("%s\n", text);
      if (report->families == 0)
        all_ok = FALSE;
    }
  collector_store_close (store);
  return all_ok ? 0 : 1;
}

/* ---------------------------------------------------------------- enumerator */

static int
cmd_enumerator (int    argc,
                char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *phone = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &phone, "Phone number (add)", "PHONE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("add NAME | list | disable WHO | enable WHO - manage enumerators");
  g_autoptr(CollectorStore) store = NULL;
  GError *error = NULL;
  const char *action;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "enumerator", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("enumerator", data_dir)) != 0)
    return status;
  if (argc < 2)
    return collector_cli_usage_error ("enumerator", "say add, list, disable or enable");
  action = argv[1];
  if ((store = collector_cli_open_store (data_dir, &error)) == NULL)
    return collector_cli_fail (error);

  if (g_str_equal (action, "add"))
    {
      g_autofree char *name = NULL;
      gint64 id;

      if (argc != 3)
        return collector_cli_usage_error ("enumerator", "add takes one NAME (quote it if it has spaces)");
      name = g_strstrip (g_strdup (argv[2]));
      if (name[0] == '\0' || g_ascii_isdigit (name[0]) || !g_utf8_validate (name, -1, NULL))
        return collector_cli_usage_error ("enumerator", "a name must be text and not start with a digit");
      if (!collector_store_add_enumerator (store, name, phone, &id, &error))
        return collector_cli_fail (error);
      g_print ("Added enumerator %" G_GINT64_FORMAT ": %s\n", id, name);
    }
  else if (g_str_equal (action, "list"))
    {
      g_autoptr(GPtrArray) all = collector_store_list_enumerators (store, &error);

      if (all == NULL)
        return collector_cli_fail (error);
      g_print ("%-5s %-30s %-16s %-9s %10s %8s\n", "ID", "NAME", "PHONE", "STATUS", "HOUSEHOLDS", "DEVICES");
      for (guint i = 0; i < all->len; i++)
        {
          CollectorEnumerator *e = g_ptr_array_index (all, i);

          g_print ("%-5" G_GINT64_FORMAT " %-30s %-16s %-9s %10u %8u\n", e->id, e->name,
                   e->phone != NULL ? e->phone : "-", e->disabled ? "disabled" : "active",
                   e->n_households, e->n_devices);
        }
    }
  else if (g_str_equal (action, "disable") || g_str_equal (action, "enable"))
    {
      g_autoptr(CollectorEnumerator) e = NULL;
      gboolean disable = g_str_equal (action, "disable");

      if (argc != 3)
        return collector_cli_usage_error ("enumerator", "disable/enable take one enumerator number or name");
      if ((e = collector_store_find_enumerator (store, argv[2], &error)) == NULL ||
          !collector_store_set_enumerator_disabled (store, e->id, disable, &error))
        return collector_cli_fail (error);
      g_print ("%s enumerator %" G_GINT64_FORMAT ": %s\n", disable ? "Disabled" : "Enabled", e->id, e->name);
    }
  else
    return collector_cli_usage_error ("enumerator", "say add, list, disable or enable");
  collector_store_close (store);
  return 0;
}

/* ---------------------------------------------------------------- enroll-code */

static int
cmd_enroll_code (int    argc,
                 char **argv)
{
  g_autofree char *data_dir = NULL;
  int ttl_hours = 72;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { "ttl-hours", 0, 0, G_OPTION_ARG_INT, &ttl_hours, "Hours until the code expires (default 72)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("WHO - issue a one-time enrollment code");
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(CollectorEnumerator) e = NULL;
  g_autofree char *code = NULL;
  g_autofree char *normal = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *expires_text = NULL;
  GError *error = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "enroll-code", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("enroll-code", data_dir)) != 0)
    return status;
  if (argc != 2)
    return collector_cli_usage_error ("enroll-code", "name one enumerator (number or name)");
  if (ttl_hours < 1 || ttl_hours > 24 * 30)
    return collector_cli_usage_error ("enroll-code", "--ttl-hours must be from 1 to 720");
  if ((store = collector_cli_open_store (data_dir, &error)) == NULL ||
      (e = collector_store_find_enumerator (store, argv[1], &error)) == NULL)
    return collector_cli_fail (error);
  if (e->disabled)
    {
      g_set_error (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_ENUMERATOR_DISABLED,
                   "Enumerator %s is disabled; enable it first", e->name);
      return collector_cli_fail (error);
    }
  if ((code = collector_enroll_code_new (&error)) == NULL)
    return collector_cli_fail (error);
  normal = collector_enroll_code_normalize (code);
  hash = collector_secret_hash (normal);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    expires = g_date_time_add_hours (now, ttl_hours);
  }
  if (!collector_store_add_enroll_code (store, e->id, hash, g_date_time_to_unix (expires), &error))
    return collector_cli_fail (error);
  expires_text = g_date_time_format_iso8601 (expires);
  /* the only place a code is ever shown: it is stored hashed */
  g_print ("Enrollment code for %s (enumerator %" G_GINT64_FORMAT "): %s\n"
           "Single use; expires %s.\n", e->name, e->id, code, expires_text);
  collector_store_close (store);
  return 0;
}

/* ---------------------------------------------------------------- assign */

static int
cmd_assign (int    argc,
            char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *village = NULL;
  g_autofree char *households = NULL;
  g_autofree char *households_file = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { "village", 0, 0, G_OPTION_ARG_STRING, &village, "All households of this village (Kemendagri code)", "CODE" },
    { "households", 0, 0, G_OPTION_ARG_STRING, &households, "These households (comma-separated ids)", "ID,…" },
    { "households-file", 0, 0, G_OPTION_ARG_FILENAME, &households_file, "Household ids, one a line", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("WHO - assign households (moving them from whoever had them)");
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(CollectorEnumerator) e = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  guint n = 0, sources;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "assign", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("assign", data_dir)) != 0)
    return status;
  if (argc != 2)
    return collector_cli_usage_error ("assign", "name one enumerator (number or name)");
  sources = (village != NULL) + (households != NULL) + (households_file != NULL);
  if (sources != 1)
    return collector_cli_usage_error ("assign", "give exactly one of --village, --households, --households-file");

  if (households != NULL || households_file != NULL)
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) parts = NULL;

      if (households_file != NULL && !g_file_get_contents (households_file, &contents, NULL, &error))
        return collector_cli_fail (error);
      parts = g_strsplit_set (households != NULL ? households : contents, ",\n\r", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          char *id = g_strstrip (parts[i]);

          if (id[0] != '\0')
            g_ptr_array_add (ids, g_strdup (id));
        }
      if (ids->len == 0)
        return collector_cli_usage_error ("assign", "the household list is empty");
      g_ptr_array_add (ids, NULL);
    }

  if ((store = collector_cli_open_store (data_dir, &error)) == NULL ||
      (e = collector_store_find_enumerator (store, argv[1], &error)) == NULL)
    return collector_cli_fail (error);
  if (!collector_store_assign (store, e->id, village,
                               ids->len > 0 ? (const char * const *) ids->pdata : NULL,
                               &n, &error))
    return collector_cli_fail (error);
  g_print ("Assigned %u household(s) to %s (enumerator %" G_GINT64_FORMAT ")\n", n, e->name, e->id);
  collector_store_close (store);
  return 0;
}

/* ---------------------------------------------------------------- device */

static int
cmd_device (int    argc,
            char **argv)
{
  g_autofree char *data_dir = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("list | revoke DEVICE-ID - manage enrolled devices");
  g_autoptr(CollectorStore) store = NULL;
  GError *error = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "device", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("device", data_dir)) != 0)
    return status;
  if (argc < 2)
    return collector_cli_usage_error ("device", "say list or revoke");
  if ((store = collector_cli_open_store (data_dir, &error)) == NULL)
    return collector_cli_fail (error);

  if (g_str_equal (argv[1], "list"))
    {
      g_autoptr(GPtrArray) all = collector_store_list_devices (store, &error);

      if (all == NULL)
        return collector_cli_fail (error);
      g_print ("%-5s %-24s %-24s %-10s %-9s %-20s\n", "ID", "ENUMERATOR", "DEVICE", "VERSION", "STATUS", "LAST SEEN");
      for (guint i = 0; i < all->len; i++)
        {
          CollectorDevice *d = g_ptr_array_index (all, i);
          g_autoptr(GDateTime) seen = d->last_seen_at ? g_date_time_new_from_unix_utc (d->last_seen_at) : NULL;
          g_autofree char *seen_text = seen ? g_date_time_format (seen, "%Y-%m-%d %H:%M:%SZ") : g_strdup ("never");

          g_print ("%-5" G_GINT64_FORMAT " %-24s %-24s %-10s %-9s %-20s\n", d->id, d->enumerator_name,
                   d->name, d->app_version != NULL ? d->app_version : "-",
                   d->revoked_at ? "revoked" : "active", seen_text);
        }
    }
  else if (g_str_equal (argv[1], "revoke"))
    {
      guint64 id;

      if (argc != 3 || !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXINT64, &id, NULL))
        return collector_cli_usage_error ("device", "revoke takes one device number (see device list)");
      if (!collector_store_revoke_device (store, id, &error))
        return collector_cli_fail (error);
      g_print ("Revoked device %" G_GUINT64_FORMAT "; its token stops working on its next request\n", id);
    }
  else
    return collector_cli_usage_error ("device", "say list or revoke");
  collector_store_close (store);
  return 0;
}

/* ---------------------------------------------------------------- export */

static int
cmd_export (int    argc,
            char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *format = NULL;
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "csv or geojson", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write here instead of standard output (- for standard output)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- export stored visits");
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GOutputStream) out = NULL;
  GError *error = NULL;
  gboolean to_file;
  guint n = 0;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "export", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("export", data_dir)) != 0)
    return status;
  if (format == NULL)
    return collector_cli_usage_error ("export", "--format is required");
  if (!g_str_equal (format, "csv") && !g_str_equal (format, "geojson"))
    return collector_cli_usage_error ("export", "--format is csv or geojson");
  if (argc > 1)
    return collector_cli_usage_error ("export", "unexpected arguments");
  if ((store = collector_cli_open_store (data_dir, &error)) == NULL)
    return collector_cli_fail (error);
  /* "-" is standard output, as for most commands; a file is written beside
   * its name and renamed at the end, so a cut export leaves no half file */
  to_file = output != NULL && !g_str_equal (output, "-");
  if (to_file)
    {
      file = g_file_new_for_commandline_arg (output);
      out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                             NULL, &error));
      if (out == NULL)
        return collector_cli_fail (error);
    }
  else
    out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (!collector_export_write (store, NULL, g_str_equal (format, "csv") ? COLLECTOR_EXPORT_CSV
                                                                        : COLLECTOR_EXPORT_GEOJSON,
                               out, &n, NULL, &error) ||
      !g_output_stream_close (out, NULL, &error))
    return collector_cli_fail (error);
  if (to_file)
    g_printerr ("Exported %u visit(s) to %s\n", n, output);
  collector_store_close (store);
  return 0;
}

/* ---------------------------------------------------------------- migrate */

static void
migrate_progress (const char *table,
                  guint64     copied,
                  gpointer    user_data)
{
  g_printerr ("\r%-12s %" G_GUINT64_FORMAT " rows copied", table, copied);
}

static int
cmd_migrate (int    argc,
             char **argv)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &from, "Data directory of the SQLite collector (stopped)", "DIR" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, "PostgreSQL database to copy into (default: --database or VERVAL_DATABASE)", "URL" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("- copy a collector's SQLite store into PostgreSQL");
  g_autoptr(GPtrArray) counts = NULL;
  GError *error = NULL;
  const char *target;
  gboolean ok;
  int status;

  g_option_context_set_description (context,
    "Every household, assignment, visit, review, enumerator, device, token,\n"
    "enrollment code and dashboard account is copied with its numbers: devices\n"
    "keep their tokens and cursors, accounts their passwords (supervisors sign\n"
    "in again). Interrupted, a second run continues where the first stopped. The\n"
    "target must be empty, or hold an unfinished copy of the same store. The\n"
    "photos stay in DIR/media: point the collectors' --data-dir at them.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "migrate", &argc, &argv, &status))
    return status;
  target = to != NULL ? unscrubbed (to) : database_url ();
  if (from == NULL || target == NULL)
    return collector_cli_usage_error ("migrate", "--from and --to are required");
  if (argc > 1)
    return collector_cli_usage_error ("migrate", "unexpected arguments");

  ok = collector_migrate_sqlite_to_pg (from, target, isatty (STDERR_FILENO) ? migrate_progress : NULL,
                                       NULL, &counts, &error);
  if (isatty (STDERR_FILENO))
    g_printerr ("\r\033[K");
  if (counts != NULL && counts->len > 0)
    {
      g_print ("%-22s %12s %12s\n", "table", "SQLite", "PostgreSQL");
      for (guint i = 0; i < counts->len; i++)
        {
          CollectorMigrateCount *count = g_ptr_array_index (counts, i);

          g_print ("%-22s %12" G_GINT64_FORMAT " %12" G_GINT64_FORMAT "%s\n", count->table,
                   count->source, count->target, count->source == count->target ? "" : "  differs");
        }
    }
  if (!ok)
    return collector_cli_fail (error);
  g_print ("Copied; every table holds as many rows on both sides.\n");
  return 0;
}

int
collector_cli_main (int    argc,
                    char **argv)
{
  static const struct {
    const char *name;
    int (*func) (int, char **);
  } commands[] = {
    { "serve", cmd_serve },
    { "import", cmd_import },
    { "enumerator", cmd_enumerator },
    { "enroll-code", cmd_enroll_code },
    { "assign", cmd_assign },
    { "device", cmd_device },
    { "user", collector_cli_user },
    { "export", cmd_export },
    { "migrate", cmd_migrate },
  };

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      fputs (usage_text, argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_USAGE : 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("verval-collector %s\n", PACKAGE_VERSION);
      return 0;
    }
  scrub_passwords (argc, argv);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (argv[1], commands[i].name))
        {
          g_autofree char *prgname = g_strconcat ("verval-collector ", argv[1], NULL);

          g_set_prgname (prgname);
          return commands[i].func (argc - 1, argv + 1);
        }
    }
  g_printerr ("verval-collector: unknown command “%s”\n\n%s", argv[1], usage_text);
  return EXIT_USAGE;
}
