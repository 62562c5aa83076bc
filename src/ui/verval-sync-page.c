/* verval-sync-page.c: what is waiting, what was sent, what was refused and why
 *
 * The counts come from the visits themselves and the attempts from the
 * sync log, both read on the store thread; the page reloads when a sync
 * ends or the households change, never on a timer.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

#include "verval-sync-indicator.h"
#include "verval-sync-page.h"
#include "verval-ui-utils.h"

/* Enough to scroll back over a few days of evenings. */
#define LOG_ROWS      20
#define PROBLEM_ROWS  200

struct _VervalSyncPage
{
  GtkWidget            parent_instance;

  /* Template widgets */
  GtkProgressBar      *progress_bar;
  AdwActionRow        *status_row;
  GtkImage            *status_icon;
  GtkWidget           *sync_now_button;
  GtkLabel            *waiting_label;
  GtkLabel            *sent_label;
  GtkLabel            *quarantined_label;
  GtkLabel            *sent_back_label;
  GtkLabel            *drafts_label;
  AdwPreferencesGroup *problems_group;
  GtkWidget           *retry_button;
  AdwPreferencesGroup *log_group;
  GtkWidget           *no_log_row;
  AdwActionRow        *server_row;
  GtkButton           *switch_button;

  /* Owned */
  VervalSync          *sync;
  VervalStore         *store;
  GCancellable        *cancellable;
  VervalSyncSummary   *summary;
  GPtrArray           *problem_rows;
  GPtrArray           *log_rows;
  guint                pending;
  VervalSyncState      last_state;
};

G_DEFINE_FINAL_TYPE (VervalSyncPage, verval_sync_page, GTK_TYPE_WIDGET)

enum {
  HOUSEHOLD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_count (GtkLabel   *label,
           guint       n,
           const char *alert_class)
{
  g_autofree char *text = verval_ui_format_count (n);

  gtk_label_set_label (label, text);
  if (alert_class != NULL && n > 0)
    gtk_widget_add_css_class (GTK_WIDGET (label), alert_class);
  else if (alert_class != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (label), alert_class);
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static void
problem_row_activated_cb (AdwActionRow   *row,
                          VervalSyncPage *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "household-id"));

  g_signal_emit (self, signals[HOUSEHOLD_ACTIVATED], 0, id);
}

static void
show_summary (VervalSyncPage *self)
{
  VervalSyncSummary *s = self->summary;

  set_count (self->waiting_label, s->n_waiting, NULL);
  set_count (self->sent_label, s->n_sent, NULL);
  set_count (self->quarantined_label, s->n_quarantined, "error");
  set_count (self->sent_back_label, s->n_sent_back, "warning");
  set_count (self->drafts_label, s->n_drafts, NULL);

  clear_rows (self->problems_group, self->problem_rows);
  for (guint i = 0; i < s->problems->len; i++)
    {
      VervalSyncProblem *p = g_ptr_array_index (s->problems, i);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon;

      title = verval_ui_join_nonempty (" · ",
                                       *p->head_name != '\0' ? p->head_name : _("Unnamed family"),
                                       p->village_name, NULL);
      if (p->sent_back)
        subtitle = *p->reason != '\0'
          /* Translators: %s is the supervisor's comment */
          ? g_strdup_printf (_("Sent back by the supervisor: “%s”"), p->reason)
          : g_strdup (_("Sent back by the supervisor"));
      else
        subtitle = g_strdup (*p->reason != '\0' ? p->reason : _("The server refused this visit."));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      icon = gtk_image_new_from_icon_name (p->sent_back ? "mail-reply-sender-symbolic" : "dialog-warning-symbolic");
      gtk_widget_add_css_class (icon, p->sent_back ? "warning" : "error");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "household-id", GSIZE_TO_POINTER ((gsize) p->household_id));
      g_signal_connect_object (row, "activated", G_CALLBACK (problem_row_activated_cb), self, 0);
      adw_preferences_group_add (self->problems_group, row);
      g_ptr_array_add (self->problem_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), s->problems->len > 0);
  gtk_widget_set_visible (self->retry_button, s->n_quarantined > 0 && self->sync != NULL);
}

static void
append_part (GString    *text,
             const char *part)
{
  if (text->len > 0)
    g_string_append (text, ", ");
  g_string_append (text, part);
}

/* "3 visits sent, 5 photos sent, 12 families received" */
static char *
describe_attempt (const VervalSyncLogEntry *e)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *part = NULL;

  if (g_strcmp0 (e->outcome, "running") == 0)
    return g_strdup (_("Running"));
  if (g_strcmp0 (e->outcome, "cancelled") == 0)
    return g_strdup (_("Stopped; continues next time"));
  if (g_strcmp0 (e->outcome, "interrupted") == 0)
    return g_strdup (_("Interrupted; continues next time"));
  if (g_strcmp0 (e->outcome, "ok") != 0)
    return g_strdup (_("Failed"));

  /* Each count in its own g_dngettext so the catalogue has every plural form. */
  if (e->n_visits > 0)
    {
      part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u visit sent", "%u visits sent", e->n_visits),
                              e->n_visits);
      append_part (text, part);
      g_clear_pointer (&part, g_free);
    }
  if (e->n_media > 0)
    {
      part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo sent", "%u photos sent", e->n_media),
                              e->n_media);
      append_part (text, part);
      g_clear_pointer (&part, g_free);
    }
  if (e->n_rejected > 0)
    {
      part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u visit refused", "%u visits refused",
                                           e->n_rejected), e->n_rejected);
      append_part (text, part);
      g_clear_pointer (&part, g_free);
    }
  if (e->n_assignments > 0)
    {
      part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u family received", "%u families received",
                                           e->n_assignments), e->n_assignments);
      append_part (text, part);
      g_clear_pointer (&part, g_free);
    }
  if (e->n_reviews > 0)
    {
      part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u review received", "%u reviews received",
                                           e->n_reviews), e->n_reviews);
      append_part (text, part);
      g_clear_pointer (&part, g_free);
    }

  if (text->len == 0)
    return g_strdup (_("Nothing new"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static const char *
describe_trigger (const char *trigger)
{
  if (g_strcmp0 (trigger, "start") == 0)
    return _("When the app started");
  if (g_strcmp0 (trigger, "network") == 0)
    return _("When a connection appeared");
  if (g_strcmp0 (trigger, "timer") == 0)
    return _("Regular check");
  if (g_strcmp0 (trigger, "manual") == 0)
    return _("Sync Now was pressed");
  if (g_strcmp0 (trigger, "queue") == 0)
    return _("After a visit was finished");
  if (g_strcmp0 (trigger, "enroll") == 0)
    return _("First connection");
  return _("Retry");
}

static void
show_log (VervalSyncPage *self,
          GPtrArray      *entries)
{
  clear_rows (self->log_group, self->log_rows);
  for (guint i = 0; i < entries->len; i++)
    {
      const VervalSyncLogEntry *e = g_ptr_array_index (entries, i);
      g_autofree char *when = verval_ui_format_when (e->started_at);
      g_autofree char *what = describe_attempt (e);
      g_autofree char *title = g_strdup_printf ("%s · %s", when, what);
      gboolean failed = g_strcmp0 (e->outcome, "failed") == 0;
      /* A sync that went through but had visits refused is not all good. */
      gboolean ok = g_strcmp0 (e->outcome, "ok") == 0 && e->n_rejected == 0;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon;
      const char *subtitle;

      subtitle = failed && e->message != NULL && *e->message != '\0'
                 ? e->message : describe_trigger (e->trigger);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      icon = gtk_image_new_from_icon_name (ok ? "emblem-ok-symbolic"
                                           : failed || e->n_rejected > 0 ? "dialog-warning-symbolic"
                                           : "content-loading-symbolic");
      if (ok)
        gtk_widget_add_css_class (icon, "success");
      else if (failed || e->n_rejected > 0)
        gtk_widget_add_css_class (icon, "warning");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_preferences_group_add (self->log_group, row);
      g_ptr_array_add (self->log_rows, row);
    }
  gtk_widget_set_visible (self->no_log_row, entries->len == 0);
}

static void
load_finished (VervalSyncPage *self)
{
  g_assert (self->pending > 0);
  self->pending--;
}

static void
summary_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(VervalSyncPage) self = user_data;
  g_autoptr(GError) error = NULL;
  VervalSyncSummary *summary;

  summary = verval_sync_summary_load_finish (VERVAL_STORE (source), result, &error);
  if (summary == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot read the visit counts: %s", error->message);
    }
  else
    {
      g_clear_pointer (&self->summary, verval_sync_summary_free);
      self->summary = summary;
      show_summary (self);
    }
  load_finished (self);
}

static void
log_loaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(VervalSyncPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  entries = verval_sync_list_log_finish (VERVAL_SYNC (source), result, &error);
  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot read the sync log: %s", error->message);
    }
  else
    show_log (self, entries);
  load_finished (self);
}

void
verval_sync_page_reload (VervalSyncPage *self)
{
  g_return_if_fail (VERVAL_IS_SYNC_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->store != NULL)
    {
      self->pending++;
      verval_sync_summary_load_async (self->store, PROBLEM_ROWS, self->cancellable,
                                      summary_loaded_cb, g_object_ref (self));
    }
  if (self->sync != NULL)
    {
      self->pending++;
      verval_sync_list_log_async (self->sync, LOG_ROWS, self->cancellable,
                                  log_loaded_cb, g_object_ref (self));
    }
}

static void
update_status (VervalSyncPage *self)
{
  VervalSyncState state;
  const char *icon = NULL;
  const char *style = NULL;
  const char *message;
  const char *url;
  g_autofree char *label = NULL;
  gboolean syncing;

  if (self->sync == NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), _("Not connected to an office server"));
      adw_action_row_set_subtitle (self->status_row,
                                   _("Visits stay on this device. Connect to your office's server to send them."));
      gtk_image_set_from_icon_name (self->status_icon, "network-server-symbolic");
      gtk_widget_set_visible (self->sync_now_button, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      return;
    }

  state = verval_sync_get_state (self->sync);
  syncing = state == VERVAL_SYNC_STATE_SYNCING;
  label = verval_sync_indicator_describe (state,
                                          verval_sync_get_queue_depth (self->sync),
                                          verval_sync_get_fraction (self->sync),
                                          verval_sync_get_last_success (self->sync),
                                          &icon, &style);
  message = syncing && verval_sync_get_activity (self->sync) != NULL
            ? verval_sync_get_activity (self->sync) : verval_sync_get_message (self->sync);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), verval_sync_indicator_headline (state));
  adw_action_row_set_subtitle (self->status_row, message != NULL && *message != '\0' ? message : label);
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "error");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), style);
  gtk_widget_set_visible (self->sync_now_button, state != VERVAL_SYNC_STATE_NOT_ENROLLED);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), syncing);
  gtk_progress_bar_set_fraction (self->progress_bar, verval_sync_get_fraction (self->sync));

  url = verval_sync_get_collector_url (self->sync);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row),
                                 url != NULL ? _("Connected to") : _("Not connected"));
  adw_action_row_set_subtitle (self->server_row,
                               url != NULL ? url : _("Visits stay on this device until it is connected."));
  gtk_button_set_label (self->switch_button, url != NULL ? _("Switch…") : _("Connect…"));

  /* A sync that just ended changed the counts and the log. */
  if (self->last_state == VERVAL_SYNC_STATE_SYNCING && !syncing)
    verval_sync_page_reload (self);
  self->last_state = state;
}

static void
retry_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(VervalSyncPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!verval_sync_release_quarantined_finish (VERVAL_SYNC (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot put the refused visits back in the queue: %s", error->message);
      return;
    }
  verval_sync_page_reload (self);
  verval_sync_sync_now (VERVAL_SYNC (source));
}

static void
retry_clicked_cb (VervalSyncPage *self)
{
  if (self->sync == NULL)
    return;
  verval_sync_release_quarantined_async (self->sync, NULL, self->cancellable,
                                         retry_done_cb, g_object_ref (self));
}

static void
households_changed_cb (VervalSyncPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    verval_sync_page_reload (self);
}

static void
verval_sync_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (verval_sync_page_parent_class)->map (widget);
  verval_sync_page_reload (VERVAL_SYNC_PAGE (widget));
}

static void
verval_sync_page_dispose (GObject *object)
{
  GtkWidget *child;
  VervalSyncPage *self = VERVAL_SYNC_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  verval_sync_page_set_sync (self, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VERVAL_TYPE_SYNC_PAGE);
  /* The template's unnamed root is ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (verval_sync_page_parent_class)->dispose (object);
}

static void
verval_sync_page_finalize (GObject *object)
{
  VervalSyncPage *self = VERVAL_SYNC_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->summary, verval_sync_summary_free);
  g_clear_pointer (&self->problem_rows, g_ptr_array_unref);
  g_clear_pointer (&self->log_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (verval_sync_page_parent_class)->finalize (object);
}

static void
verval_sync_page_class_init (VervalSyncPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = verval_sync_page_dispose;
  object_class->finalize = verval_sync_page_finalize;
  widget_class->map = verval_sync_page_map;

  signals[HOUSEHOLD_ACTIVATED] =
    g_signal_new ("household-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-sync-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, status_row);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, sync_now_button);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, sent_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, quarantined_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, sent_back_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, drafts_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, problems_group);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, log_group);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, no_log_row);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncPage, switch_button);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
}

static void
verval_sync_page_init (VervalSyncPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->problem_rows = g_ptr_array_new ();
  self->log_rows = g_ptr_array_new ();
  update_status (self);
}

GtkWidget *
verval_sync_page_new (void)
{
  return g_object_new (VERVAL_TYPE_SYNC_PAGE, NULL);
}

void
verval_sync_page_set_sync (VervalSyncPage *self,
                           VervalSync     *sync,
                           VervalStore    *store)
{
  g_return_if_fail (VERVAL_IS_SYNC_PAGE (self));
  g_return_if_fail (sync == NULL || VERVAL_IS_SYNC (sync));
  g_return_if_fail (store == NULL || VERVAL_IS_STORE (store));

  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_func (self->sync, update_status, self);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, households_changed_cb, self);
  g_set_object (&self->sync, sync);
  g_set_object (&self->store, store);
  if (self->sync != NULL)
    g_signal_connect_object (self->sync, "notify", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  if (self->store != NULL)
    g_signal_connect_object (self->store, "households-changed", G_CALLBACK (households_changed_cb), self,
                             G_CONNECT_SWAPPED);
  update_status (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    verval_sync_page_reload (self);
}

const VervalSyncSummary *
verval_sync_page_get_summary (VervalSyncPage *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC_PAGE (self), NULL);

  return self->summary;
}

guint
verval_sync_page_get_n_log_rows (VervalSyncPage *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC_PAGE (self), 0);

  return self->log_rows->len;
}

gboolean
verval_sync_page_get_loading (VervalSyncPage *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC_PAGE (self), FALSE);

  return self->pending > 0;
}
