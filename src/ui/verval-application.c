/* verval-application.c: the field app, its store and its command line
 *
 * The store is opened on first use, not at startup, so `verval --import`
 * and a second launch that only activates the running instance never touch
 * the display or the database needlessly. The sync engine belongs to the
 * application, not a window: closing the window must not stop an upload.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>

#include "verval-application.h"
#include "verval-enroll-dialog.h"
#include "verval-preferences-window.h"
#include "verval-visit-store.h"
#include "verval-window.h"

struct _VervalApplication
{
  AdwApplication  parent_instance;

  /* Owned */
  char           *data_dir;
  VervalStore    *store;
  VervalSync     *sync;
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (VervalApplication, verval_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "import", 'i', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Import a P3KE or DTKS list (CSV), print the report and exit"), N_("FILE") },
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep the families in DIR instead of the default place"), N_("DIR") },
  { "enroll", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Connect this device to the office server at URL with the enrollment CODE, download the assigned families and exit"),
    N_("URL CODE") },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL, NULL, NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { NULL }
};

void
verval_application_init_i18n (void)
{
  const char *localedir = g_getenv ("VERVAL_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* The command-line modes say why the store cannot be opened and stop. */
static VervalStore *
open_store_for_cli (const char *data_dir,
                    FILE       *err)
{
  g_autoptr(GError) error = NULL;
  VervalStore *store = verval_store_open (data_dir, &error);

  if (store == NULL)
    /* Translators: %s is the reason */
    fprintf (err, _("Cannot open the family store: %s\n"), error->message);
  return store;
}

int
verval_application_import_file (const char   *data_dir,
                                const char   *path,
                                GCancellable *cancellable,
                                FILE         *out,
                                FILE         *err)
{
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (data_dir != NULL, 1);
  g_return_val_if_fail (path != NULL, 1);

  if ((store = open_store_for_cli (data_dir, err)) == NULL)
    return 1;

  file = g_file_new_for_commandline_arg (path);
  report = verval_store_import_sync (store, file, cancellable, &error);
  if (report == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (file);

      /* Translators: the first %s is a file name, the second the reason */
      fprintf (err, _("The list “%s” was not imported: %s\n"), name, error->message);
      return 1;
    }

  text = verval_import_report_to_text (report);
  fputs (text, out);
  if (!g_str_has_suffix (text, "\n"))
    fputc ('\n', out);
  fflush (out);
  verval_store_close (store);

  /* A file in which every row was refused is a refused file. */
  return report->families == 0 && report->refused > 0 ? 1 : 0;
}

int
verval_application_enroll (const char   *data_dir,
                           const char   *url,
                           const char   *code,
                           GCancellable *cancellable,
                           FILE         *out,
                           FILE         *err)
{
  g_autoptr(VervalStore) store = NULL;
  g_autoptr(VervalSync) sync = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (data_dir != NULL, 1);
  g_return_val_if_fail (url != NULL, 1);
  g_return_val_if_fail (code != NULL, 1);

  if ((store = open_store_for_cli (data_dir, err)) == NULL)
    return 1;

  sync = verval_sync_new (store, NULL);
  if (!verval_sync_enroll_sync (sync, url, code, g_get_host_name (), cancellable, &error))
    {
      g_autofree char *message = verval_enroll_dialog_message_for_error (error);

      /* Translators: %s is the reason, a sentence */
      fprintf (err, _("This device was not connected: %s\n"), message);
      return 1;
    }

  if (!verval_sync_run_sync (sync, "enroll", cancellable, &error))
    {
      g_autofree char *message = verval_sync_message_for_error (verval_sync_error_classify (error), NULL);

      /* Translators: %s is the server address, then the reason */
      fprintf (out, _("Connected to %s, but the families could not be downloaded yet: %s\n"),
               url, message);
    }
  else
    {
      /* Translators: %s is the server address */
      fprintf (out, _("Connected to %s; the assigned families are on this device.\n"), url);
    }
  fflush (out);
  verval_sync_shutdown (sync);
  g_clear_object (&sync);
  verval_store_close (store);
  return 0;
}

/* The visit store takes the device's photo and location preferences from
 * the settings, now and whenever they change. */
static void
bind_visit_preferences (VervalApplication *self)
{
  VervalVisitStore *visits = verval_visit_store_get_default (self->store);
  GSettings *settings = verval_application_get_settings (self);

  g_settings_bind (settings, "photo-max-edge", visits, "photo-max-edge", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "location-max-accuracy", visits, "location-max-accuracy", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "location-max-distance", visits, "location-max-distance", G_SETTINGS_BIND_GET);
}

static char *
default_data_dir (void)
{
  const char *env = g_getenv ("VERVAL_DATA_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "verval", NULL);
}

static int
verval_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  VervalApplication *self = VERVAL_APPLICATION (app);
  const char *data_dir = NULL;
  const char *import_path = NULL;
  const char *enroll_url = NULL;
  g_autofree const char **remaining = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "data-dir", "^&ay", &data_dir))
    verval_application_set_data_dir (self, data_dir);

  if (g_variant_dict_lookup (options, "import", "^&ay", &import_path))
    return verval_application_import_file (self->data_dir, import_path, NULL, stdout, stderr);

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &remaining);
  if (g_variant_dict_lookup (options, "enroll", "&s", &enroll_url))
    {
      if (remaining == NULL || remaining[0] == NULL || remaining[1] != NULL)
        {
          g_printerr (_("Usage: verval --enroll URL CODE\n"));
          return 2;
        }
      return verval_application_enroll (self->data_dir, enroll_url, remaining[0], NULL, stdout, stderr);
    }
  if (remaining != NULL && remaining[0] != NULL)
    {
      /* Translators: %s is what was typed */
      g_printerr (_("Unexpected argument “%s”; see verval --help\n"), remaining[0]);
      return 2;
    }

  return G_APPLICATION_CLASS (verval_application_parent_class)->handle_local_options (app, options);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  VervalApplication *self = user_data;
  static const char *developers[] = { "The Verval developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", "Verval",
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Verval developers"),
                        "developers", developers,
                        "comments", _("Verify listed families door to door, even without a signal"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Verval developers",
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  VervalApplication *self = user_data;

  verval_application_show_preferences (self);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows;

  /* Close windows first so each saves its size and filters. */
  while ((windows = gtk_application_get_windows (app)) != NULL)
    gtk_window_destroy (windows->data);
  g_application_quit (G_APPLICATION (app));
}

static void
sync_now_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  VervalApplication *self = user_data;

  if (self->sync != NULL)
    verval_sync_sync_now (self->sync);
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "preferences", preferences_action },
  { "sync-now", sync_now_action },
  { "quit", quit_action },
};

static void
verval_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *import_accels[] = { "<Control>o", NULL };
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *preferences_accels[] = { "<Primary>comma", NULL };

  G_APPLICATION_CLASS (verval_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.import", import_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.search", search_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
}

static void
verval_application_activate (GApplication *app)
{
  VervalApplication *self = VERVAL_APPLICATION (app);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (verval_window_new (self));
  gtk_window_present (window);

  /* After the window: the first sync must not delay the first frame. */
  if (self->sync != NULL)
    verval_sync_start (self->sync);
}

static void
verval_application_shutdown (GApplication *app)
{
  VervalApplication *self = VERVAL_APPLICATION (app);

  /* Stops the triggers and a running sync; acknowledged work is kept and
   * the rest goes on the next start. */
  if (self->sync != NULL)
    verval_sync_shutdown (self->sync);

  G_APPLICATION_CLASS (verval_application_parent_class)->shutdown (app);
}

static void
verval_application_finalize (GObject *object)
{
  VervalApplication *self = VERVAL_APPLICATION (object);

  if (self->sync != NULL)
    verval_sync_shutdown (self->sync);
  g_clear_object (&self->sync);
  if (self->store != NULL)
    verval_store_close (self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->data_dir, g_free);

  G_OBJECT_CLASS (verval_application_parent_class)->finalize (object);
}

static void
verval_application_class_init (VervalApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = verval_application_finalize;
  app_class->handle_local_options = verval_application_handle_local_options;
  app_class->startup = verval_application_startup;
  app_class->activate = verval_application_activate;
  app_class->shutdown = verval_application_shutdown;
}

static void
verval_application_init (VervalApplication *self)
{
  self->data_dir = default_data_dir ();

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Verify listed families door to door."));
}

VervalApplication *
verval_application_new (void)
{
  return g_object_new (VERVAL_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "resource-base-path", "/id/verval/Verval",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

const char *
verval_application_get_data_dir (VervalApplication *self)
{
  g_return_val_if_fail (VERVAL_IS_APPLICATION (self), NULL);

  return self->data_dir;
}

void
verval_application_set_data_dir (VervalApplication *self,
                                 const char        *data_dir)
{
  g_return_if_fail (VERVAL_IS_APPLICATION (self));
  g_return_if_fail (data_dir != NULL);
  g_return_if_fail (self->store == NULL);

  g_free (self->data_dir);
  self->data_dir = g_strdup (data_dir);
}

VervalStore *
verval_application_get_store (VervalApplication  *self,
                              GError            **error)
{
  g_return_val_if_fail (VERVAL_IS_APPLICATION (self), NULL);

  if (self->store == NULL)
    {
      self->store = verval_store_open (self->data_dir, error);
      if (self->store != NULL)
        bind_visit_preferences (self);
    }
  return self->store;
}

GtkWindow *
verval_application_show_preferences (VervalApplication *self)
{
  GtkWindow *window = NULL;
  VervalPreferencesWindow *preferences;

  g_return_val_if_fail (VERVAL_IS_APPLICATION (self), NULL);

  /* The active window may be a dialog (or Preferences itself). */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (VERVAL_IS_PREFERENCES_WINDOW (l->data))
        {
          gtk_window_present (l->data);
          return l->data;
        }
      if (window == NULL && VERVAL_IS_WINDOW (l->data))
        window = l->data;
    }
  if (window == NULL)
    return NULL;

  preferences = verval_preferences_window_new (VERVAL_WINDOW (window));
  gtk_window_present (GTK_WINDOW (preferences));
  return GTK_WINDOW (preferences);
}

GSettings *
verval_application_get_settings (VervalApplication *self)
{
  g_return_val_if_fail (VERVAL_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    self->settings = g_settings_new (APPLICATION_ID);
  return self->settings;
}

/* A visit finalized (or reopened) changes its household's state: a sync
 * shortly after sends it while the connection lasts. The sync's own writes
 * (sent, assignments) arrive while it runs and are not a reason for more. */
static void
households_changed_cb (VervalApplication *self)
{
  if (self->sync != NULL &&
      verval_sync_get_collector_url (self->sync) != NULL &&
      !verval_sync_get_running (self->sync))
    verval_sync_queue_changed (self->sync);
}

/* "Sync now" means nothing before the device is enrolled. */
static void
collector_url_changed_cb (VervalApplication *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "sync-now");

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                                 self->sync != NULL && verval_sync_get_collector_url (self->sync) != NULL);
}

VervalSync *
verval_application_get_sync (VervalApplication *self)
{
  g_return_val_if_fail (VERVAL_IS_APPLICATION (self), NULL);

  if (self->sync == NULL && verval_application_get_store (self, NULL) != NULL)
    {
      self->sync = verval_sync_new (self->store, NULL);
      g_signal_connect_object (self->store, "households-changed", G_CALLBACK (households_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync, "notify::collector-url", G_CALLBACK (collector_url_changed_cb), self,
                               G_CONNECT_SWAPPED);
      collector_url_changed_cb (self);
    }
  return self->sync;
}
