/* verval-preferences-window.c: office server, photo size, location warnings
 *
 * The rows write GSettings and nothing else: the application applies the
 * keys to the visit store, so a setting changed elsewhere (gsettings, a
 * managed device) works the same as one changed here. The server rows
 * read what enrollment recorded, on the store thread, and follow the sync
 * engine while the window is open.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-photo.h"
#include "verval-preferences-window.h"
#include "verval-sync-identity.h"
#include "verval-ui-utils.h"

typedef char *(*ChoiceLabelFunc) (guint value);

/* One combo row over a uint key: a few fixed choices, plus the stored
 * value when it is none of them (set by an administrator), so the row
 * never lies about what applies. */
typedef struct {
  GSettings       *settings;
  AdwComboRow     *row;
  char            *key;
  const guint     *choices;
  guint            n_choices;
  ChoiceLabelFunc  label;
  GArray          *values;     /* guint, what each item of the model means */
  gboolean         updating;
} ChoiceRow;

struct _VervalPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwActionRow         *not_enrolled_row;
  GtkWidget            *connect_button;
  AdwActionRow         *server_row;
  AdwActionRow         *enumerator_row;
  AdwActionRow         *device_row;
  AdwActionRow         *last_sync_row;
  AdwActionRow         *switch_row;
  AdwComboRow          *photo_size_row;
  AdwComboRow          *accuracy_row;
  AdwComboRow          *distance_row;

  /* Borrowed */
  VervalWindow         *window;     /* weak */

  /* Owned */
  VervalSync           *sync;
  VervalStore          *store;
  GSettings            *settings;
  GCancellable         *cancellable;
  VervalSyncIdentity   *identity;
  GPtrArray            *choice_rows;
};

G_DEFINE_FINAL_TYPE (VervalPreferencesWindow, verval_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The rows' choices, smallest first: pixels, then metres. */
static const guint photo_edges[] = { 1280, VERVAL_PHOTO_DEFAULT_MAX_EDGE, 2048 };
/* No looser than 50 m: the verification form warns above that on its own,
 * so a looser setting would change nothing. */
static const guint accuracy_choices[] = { 10, 20, 30, 50 };
static const guint distance_choices[] = { 250, 500, 1000, 2000, 5000 };

static char *
pixels_label (guint value)
{
  /* Translators: a photo's size in pixels, e.g. "1600 px" */
  return g_strdup_printf (_("%u px"), value);
}

static char *
metres_label (guint value)
{
  if (value >= 1000 && value % 1000 == 0)
    /* Translators: a distance in kilometres, e.g. "2 km" */
    return g_strdup_printf (_("%u km"), value / 1000);
  if (value >= 1000)
    /* Translators: a distance in kilometres with one decimal, e.g. "1.5 km" */
    return g_strdup_printf (_("%.1f km"), value / 1000.0);
  /* Translators: a distance in metres, e.g. "50 m" */
  return g_strdup_printf (_("%u m"), value);
}

static void
choice_row_free (ChoiceRow *c)
{
  g_signal_handlers_disconnect_by_data (c->settings, c);
  g_signal_handlers_disconnect_by_data (c->row, c);
  g_clear_object (&c->settings);
  g_clear_pointer (&c->key, g_free);
  g_clear_pointer (&c->values, g_array_unref);
  g_free (c);
}

static void
choice_row_load (ChoiceRow *c)
{
  g_autoptr(GtkStringList) labels = NULL;
  guint current = g_settings_get_uint (c->settings, c->key);
  guint selected = 0;

  for (guint i = 0; i < c->values->len; i++)
    if (g_array_index (c->values, guint, i) == current)
      {
        c->updating = TRUE;
        adw_combo_row_set_selected (c->row, i);
        c->updating = FALSE;
        return;
      }

  labels = gtk_string_list_new (NULL);
  g_array_set_size (c->values, 0);
  for (guint i = 0; i < c->n_choices; i++)
    {
      if (current < c->choices[i] && (i == 0 || current > c->choices[i - 1]))
        g_array_append_val (c->values, current);
      g_array_append_val (c->values, c->choices[i]);
    }
  if (current > c->choices[c->n_choices - 1])
    g_array_append_val (c->values, current);

  for (guint i = 0; i < c->values->len; i++)
    {
      guint value = g_array_index (c->values, guint, i);
      g_autofree char *label = c->label (value);

      gtk_string_list_append (labels, label);
      if (value == current)
        selected = i;
    }

  c->updating = TRUE;
  adw_combo_row_set_model (c->row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (c->row, selected);
  c->updating = FALSE;
}

static void
choice_row_selected_cb (ChoiceRow *c)
{
  guint selected = adw_combo_row_get_selected (c->row);

  if (c->updating || selected >= c->values->len)
    return;
  /* Not rebuilt by our own write: the row is in the middle of selecting. */
  c->updating = TRUE;
  g_settings_set_uint (c->settings, c->key, g_array_index (c->values, guint, selected));
  c->updating = FALSE;
}

static void
choice_row_changed_cb (ChoiceRow *c)
{
  if (!c->updating)
    choice_row_load (c);
}

static void
bind_choice_row (VervalPreferencesWindow *self,
                 AdwComboRow             *row,
                 const char              *key,
                 const guint             *choices,
                 guint                    n_choices,
                 ChoiceLabelFunc          label)
{
  ChoiceRow *c = g_new0 (ChoiceRow, 1);
  g_autofree char *signal = g_strconcat ("changed::", key, NULL);

  c->settings = g_object_ref (self->settings);
  c->row = row;
  c->key = g_strdup (key);
  c->choices = choices;
  c->n_choices = n_choices;
  c->label = label;
  c->values = g_array_new (FALSE, FALSE, sizeof (guint));
  g_ptr_array_add (self->choice_rows, c);

  choice_row_load (c);
  g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (choice_row_selected_cb), c);
  g_signal_connect_swapped (self->settings, signal, G_CALLBACK (choice_row_changed_cb), c);
}

static void
update_server (VervalPreferencesWindow *self)
{
  const char *url = self->sync != NULL ? verval_sync_get_collector_url (self->sync) : NULL;
  gboolean enrolled = url != NULL;
  const char *enumerator = self->identity != NULL ? self->identity->enumerator_name : "";
  const char *device_id = self->identity != NULL ? self->identity->device_id : "";
  const char *device_name = self->identity != NULL && *self->identity->device_name != '\0'
                            ? self->identity->device_name : g_get_host_name ();
  gint64 last_success = enrolled ? verval_sync_get_last_success (self->sync) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->not_enrolled_row), !enrolled);
  gtk_widget_set_sensitive (self->connect_button, self->sync != NULL && self->window != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->server_row), enrolled);
  gtk_widget_set_visible (GTK_WIDGET (self->enumerator_row), enrolled && *enumerator != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->device_row), enrolled);
  gtk_widget_set_visible (GTK_WIDGET (self->last_sync_row), enrolled);
  gtk_widget_set_visible (GTK_WIDGET (self->switch_row), enrolled);
  gtk_widget_set_sensitive (GTK_WIDGET (self->switch_row), self->window != NULL);
  if (!enrolled)
    return;

  adw_action_row_set_subtitle (self->server_row, url);
  adw_action_row_set_subtitle (self->enumerator_row, enumerator);
  /* The name it enrolled with, as the collector shows it to supervisors. */
  if (*device_id != '\0')
    {
      /* Translators: the device's name, then the number the office's server gave it */
      g_autofree char *text = g_strdup_printf (_("%s · number %s at the office"), device_name, device_id);

      adw_action_row_set_subtitle (self->device_row, text);
    }
  else
    adw_action_row_set_subtitle (self->device_row, device_name);
  if (last_success > 0)
    {
      g_autofree char *when = verval_ui_format_when (last_success);

      adw_action_row_set_subtitle (self->last_sync_row, when);
    }
  else
    adw_action_row_set_subtitle (self->last_sync_row, _("Not yet"));
}

static void
identity_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(VervalPreferencesWindow) self = user_data;
  g_autoptr(VervalSyncIdentity) identity = NULL;
  g_autoptr(GError) error = NULL;

  identity = verval_sync_identity_load_finish (VERVAL_STORE (source), result, &error);
  if (identity == NULL)
    {
      /* The rows still show what the engine knows; the rest waits for the
       * next change. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot read the enrollment: %s", error->message);
      return;
    }
  g_clear_pointer (&self->identity, verval_sync_identity_free);
  self->identity = g_steal_pointer (&identity);
  update_server (self);
}

static void
reload_identity (VervalPreferencesWindow *self)
{
  if (self->store == NULL)
    return;
  verval_sync_identity_load_async (self->store, self->cancellable, identity_loaded_cb, g_object_ref (self));
}

static void
collector_url_changed_cb (VervalPreferencesWindow *self)
{
  update_server (self);
  reload_identity (self);
}

static void
enrolled_cb (GtkWindow               *dialog,
             const char              *notice,
             VervalPreferencesWindow *self)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (notice));
}

/* Connect and Switch are the main window's enrollment, only shown over
 * this window: a modal window would keep input from a dialog over its
 * parent. */
static void
enroll_clicked_cb (VervalPreferencesWindow *self)
{
  GtkWindow *dialog;

  if (self->window == NULL)
    return;
  dialog = verval_window_show_enroll_over (self->window, GTK_WINDOW (self));
  if (dialog != NULL)
    g_signal_connect_object (dialog, "enrolled", G_CALLBACK (enrolled_cb), self, 0);
}

static void
verval_preferences_window_dispose (GObject *object)
{
  VervalPreferencesWindow *self = VERVAL_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->choice_rows, g_ptr_array_unref);
  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  self->window = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), VERVAL_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (verval_preferences_window_parent_class)->dispose (object);
}

static void
verval_preferences_window_finalize (GObject *object)
{
  VervalPreferencesWindow *self = VERVAL_PREFERENCES_WINDOW (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->identity, verval_sync_identity_free);

  G_OBJECT_CLASS (verval_preferences_window_parent_class)->finalize (object);
}

static void
verval_preferences_window_class_init (VervalPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = verval_preferences_window_dispose;
  object_class->finalize = verval_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, not_enrolled_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, connect_button);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, enumerator_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, device_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, last_sync_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, switch_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, photo_size_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, accuracy_row);
  gtk_widget_class_bind_template_child (widget_class, VervalPreferencesWindow, distance_row);
  gtk_widget_class_bind_template_callback (widget_class, enroll_clicked_cb);
}

static void
verval_preferences_window_init (VervalPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->choice_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_row_free);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

VervalPreferencesWindow *
verval_preferences_window_new (VervalWindow *window)
{
  VervalPreferencesWindow *self;

  g_return_val_if_fail (VERVAL_IS_WINDOW (window), NULL);

  self = g_object_new (VERVAL_TYPE_PREFERENCES_WINDOW,
                       "application", gtk_window_get_application (GTK_WINDOW (window)),
                       "transient-for", window,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  g_object_get (window,
                "sync", &self->sync,
                "store", &self->store,
                "settings", &self->settings,
                NULL);
  g_return_val_if_fail (G_IS_SETTINGS (self->settings), self);

  bind_choice_row (self, self->photo_size_row, "photo-max-edge",
                   photo_edges, G_N_ELEMENTS (photo_edges), pixels_label);
  bind_choice_row (self, self->accuracy_row, "location-max-accuracy",
                   accuracy_choices, G_N_ELEMENTS (accuracy_choices), metres_label);
  bind_choice_row (self, self->distance_row, "location-max-distance",
                   distance_choices, G_N_ELEMENTS (distance_choices), metres_label);

  if (self->sync != NULL)
    {
      g_signal_connect_object (self->sync, "notify::collector-url", G_CALLBACK (collector_url_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync, "notify::last-success", G_CALLBACK (update_server), self,
                               G_CONNECT_SWAPPED);
    }
  update_server (self);
  reload_identity (self);
  return self;
}
