/* collector-cli-users.c: verval-collector user, the dashboard's accounts
 *
 * A password never comes on the command line, where every user of the
 * machine reads it through ps: it is typed at a prompt that does not echo
 * it, read from a file (--password-file), or read from standard input when
 * that is not a terminal (a script, a pipe from a password manager).
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "collector-cli-private.h"
#include "collector-error.h"
#include "collector-password.h"
#include "collector-rules.h"
#include "verval-regions.h"

/* ---------------------------------------------------------------- passwords */

/* One line of @stream without its line end; NULL at the end of the input. */
static char *
read_line (FILE *stream)
{
  g_autoptr(GString) line = g_string_new (NULL);
  char buffer[256];

  while (fgets (buffer, sizeof buffer, stream) != NULL)
    {
      g_string_append (line, buffer);
      if (line->len > 0 && line->str[line->len - 1] == '\n')
        break;
    }
  if (line->len == 0)
    return NULL;
  if (line->str[line->len - 1] == '\n')
    g_string_truncate (line, line->len - 1);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* The terminal as it was before the prompt turned echo off, for a signal
 * that ends the command meanwhile: the shell must not be left silent. */
static struct termios echoing;

static void
restore_echo (int signum)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &echoing);
  signal (signum, SIG_DFL);
  raise (signum);
}

/* Asks on the terminal, without echo; NULL if nothing was typed. */
static char *
prompt_hidden (const char *prompt)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  struct sigaction restore = { 0 }, previous[G_N_ELEMENTS (signals)];
  struct termios quiet;
  char *line;

  g_printerr ("%s", prompt);
  if (tcgetattr (STDIN_FILENO, &echoing) != 0)
    return read_line (stdin);
  quiet = echoing;
  quiet.c_lflag &= ~ECHO;
  quiet.c_lflag |= ECHONL;
  restore.sa_handler = restore_echo;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &restore, &previous[i]);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  line = read_line (stdin);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &echoing);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &previous[i], NULL);
  return line;
}

/* The new password of @name, from @password_file, the terminal or
 * standard input, checked by collector_rules_check_password(). */
static char *
read_new_password (const char  *name,
                   const char  *password_file,
                   GError     **error)
{
  g_autofree char *password = NULL;

  if (password_file != NULL)
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (password_file, &contents, NULL, error))
        return NULL;
      /* its first line: an editor ends a file with a newline */
      lines = g_strsplit_set (contents, "\r\n", 2);
      password = g_strdup (lines[0] != NULL ? lines[0] : "");
    }
  else if (isatty (STDIN_FILENO))
    {
      g_autofree char *prompt = g_strdup_printf ("Password for %s: ", name);
      g_autofree char *again = NULL;

      password = prompt_hidden (prompt);
      if (password != NULL && collector_rules_check_password (password, NULL))
        {
          again = prompt_hidden ("The same password again: ");
          if (g_strcmp0 (password, again) != 0)
            {
              g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                                   "The two passwords differ; nothing was changed");
              return NULL;
            }
        }
    }
  else
    password = read_line (stdin);
  /* nothing at all is a password too short */
  if (password == NULL)
    password = g_strdup ("");
  if (!collector_rules_check_password (password, error))
    return NULL;
  return g_steal_pointer (&password);
}

/* ---------------------------------------------------------------- actions */

static int
user_add (CollectorStore *store,
          const char     *name,
          const char     *role_text,
          const char     *region,
          const char     *password_file)
{
  g_autofree char *normal_name = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  GError *error = NULL;
  CollectorRole role;
  gint64 id;

  if (role_text == NULL || region == NULL)
    return collector_cli_usage_error ("user", "add needs --role and --region");
  if (!collector_role_from_string (role_text, &role))
    return collector_cli_usage_error ("user", "--role is admin, supervisor or viewer");
  /* refused before a password is asked for in vain */
  if ((normal_name = collector_rules_user_name (name, &error)) == NULL ||
      (digits = collector_rules_user_region (region, &error)) == NULL ||
      (password = read_new_password (normal_name, password_file, &error)) == NULL ||
      (hash = collector_password_hash (password, &error)) == NULL ||
      !collector_store_add_user (store, normal_name, role, digits, hash, &id, &error))
    return collector_cli_fail (error);
  g_print ("Added user %" G_GINT64_FORMAT ": %s, %s of %s %s\n", id, normal_name, role_text, digits,
           verval_regions_lookup_name (verval_regions_get_default (), digits));
  return 0;
}

static int
user_list (CollectorStore *store,
           const char     *region)
{
  VervalRegions *regions = verval_regions_get_default ();
  g_autoptr(GPtrArray) users = NULL;
  GError *error = NULL;

  if ((users = collector_store_list_users (store, region, &error)) == NULL)
    return collector_cli_fail (error);
  g_print ("%-30s %-10s %-10s %-24s %-8s %s\n", "NAME", "ROLE", "REGION", "REGION NAME", "STATUS", "CREATED");
  for (guint i = 0; i < users->len; i++)
    {
      CollectorUser *u = g_ptr_array_index (users, i);
      g_autoptr(GDateTime) created = g_date_time_new_from_unix_utc (u->created_at);
      g_autofree char *created_text = g_date_time_format (created, "%Y-%m-%d %H:%M:%SZ");
      const char *region_name = verval_regions_lookup_name (regions, u->region);

      g_print ("%-30s %-10s %-10s %-24s %-8s %s\n", u->name, collector_role_to_string (u->role), u->region,
               region_name != NULL ? region_name : "-", u->disabled ? "disabled" : "active", created_text);
    }
  return 0;
}

static int
user_set_disabled (CollectorStore *store,
                   const char     *name,
                   gboolean        disabled)
{
  g_autoptr(CollectorUser) user = NULL;
  GError *error = NULL;

  if ((user = collector_store_find_user_by_name (store, name, &error)) == NULL ||
      !collector_store_set_user_disabled (store, user->id, disabled, &error))
    return collector_cli_fail (error);
  if (disabled)
    g_print ("Disabled user %s; they are signed out everywhere\n", user->name);
  else
    g_print ("Enabled user %s\n", user->name);
  return 0;
}

static int
user_passwd (CollectorStore *store,
             const char     *name,
             const char     *password_file)
{
  g_autoptr(CollectorUser) user = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  GError *error = NULL;

  if ((user = collector_store_find_user_by_name (store, name, &error)) == NULL ||
      (password = read_new_password (user->name, password_file, &error)) == NULL ||
      (hash = collector_password_hash (password, &error)) == NULL ||
      !collector_store_set_user_password (store, user->id, hash, &error))
    return collector_cli_fail (error);
  g_print ("Changed the password of %s; they are signed out everywhere\n", user->name);
  return 0;
}

int
collector_cli_user (int    argc,
                    char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *role = NULL;
  g_autofree char *region = NULL;
  g_autofree char *password_file = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "admin, supervisor or viewer (add)", "ROLE" },
    { "region", 0, 0, G_OPTION_ARG_STRING, &region,
      "The region whose subtree the account sees (add), or whose accounts to list (list)", "CODE" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE (add, passwd)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("add NAME | list | disable NAME | enable NAME | passwd NAME - manage the dashboard's accounts");
  g_autoptr(CollectorStore) store = NULL;
  GError *error = NULL;
  const char *action;
  int status;

  g_option_context_set_description (context,
    "An account sees the subtree of its region: a province (51), a kabupaten\n"
    "(5108), a kecamatan (510805) or a desa (5108052001). Without\n"
    "--password-file the password is asked for on a terminal, or else read\n"
    "from the first line of standard input. It has at least 10 characters.\n"
    "Disabling an account or changing its password signs it out everywhere.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, collector_cli_store_entries, NULL);
  if (!collector_cli_parse_options (context, "user", &argc, &argv, &status))
    return status;
  if ((status = collector_cli_check_store_named ("user", data_dir)) != 0)
    return status;
  if (argc < 2)
    return collector_cli_usage_error ("user", "say add, list, disable, enable or passwd");
  action = argv[1];
  if (g_str_equal (action, "list") ? argc != 2 : argc != 3)
    return collector_cli_usage_error ("user", g_str_equal (action, "list")
                                              ? "list takes no NAME (--region lists one subtree)"
                                              : "name one user (quote the name if it has spaces)");
  if (!g_str_equal (action, "add") && !g_str_equal (action, "list") && !g_str_equal (action, "disable") &&
      !g_str_equal (action, "enable") && !g_str_equal (action, "passwd"))
    return collector_cli_usage_error ("user", "say add, list, disable, enable or passwd");
  if ((store = collector_cli_open_store (data_dir, &error)) == NULL)
    return collector_cli_fail (error);

  if (g_str_equal (action, "add"))
    status = user_add (store, argv[2], role, region, password_file);
  else if (g_str_equal (action, "list"))
    status = user_list (store, region);
  else if (g_str_equal (action, "passwd"))
    status = user_passwd (store, argv[2], password_file);
  else
    status = user_set_disabled (store, argv[2], g_str_equal (action, "disable"));
  collector_store_close (store);
  return status;
}
