/* verval-sync-indicator.c: the header-bar button that says whether work reached the office
 *
 * A coordinator glances at it in the sun on a small tablet, so the button
 * itself carries the answer (icon, a few words, colour); the popover only
 * adds the sentence, the progress and the "Sync now" button.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-sync-indicator.h"

struct _VervalSyncIndicator
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkMenuButton  *button;
  GtkPopover     *popover;
  GtkImage       *popover_icon;
  GtkLabel       *popover_title;
  GtkLabel       *message_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *activity_label;
  GtkWidget      *sync_now_button;
  GtkImage       *icon;
  GtkLabel       *label;

  /* Owned */
  VervalSync     *sync;
  char           *icon_name;
  const char     *style_class;
  gboolean        enabled;
};

G_DEFINE_FINAL_TYPE (VervalSyncIndicator, verval_sync_indicator, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const style_classes[] = { "success", "warning", "error" };

char *
verval_sync_indicator_describe (VervalSyncState   state,
                                guint             queue_depth,
                                double            fraction,
                                gint64            last_success,
                                const char      **icon_name,
                                const char      **style_class)
{
  const char *icon = NULL;
  const char *style = NULL;
  char *text = NULL;

  switch (state)
    {
    case VERVAL_SYNC_STATE_NOT_ENROLLED:
      icon = "network-server-symbolic";
      text = g_strdup (_("Not connected"));
      break;
    case VERVAL_SYNC_STATE_SYNCING:
      icon = "network-transmit-symbolic";
      if (fraction > 0.0)
        /* Translators: the header bar while sending, e.g. "Sending 45%" */
        text = g_strdup_printf (_("Sending %d%%"), (int) CLAMP (fraction * 100.0, 0.0, 100.0));
      else
        text = g_strdup (_("Syncing…"));
      break;
    case VERVAL_SYNC_STATE_OFFLINE:
      icon = "network-offline-symbolic";
      style = queue_depth > 0 ? "warning" : NULL;
      if (queue_depth > 0)
        /* Translators: header bar, short: no network and N visits not sent */
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Offline, %u waiting", "Offline, %u waiting",
                                             queue_depth), queue_depth);
      else
        text = g_strdup (_("Offline"));
      break;
    case VERVAL_SYNC_STATE_IDLE:
    case VERVAL_SYNC_STATE_WAITING:
      icon = "content-loading-symbolic";
      style = queue_depth > 0 ? "warning" : NULL;
      if (queue_depth > 0)
        /* Translators: header bar, short: N visits not sent yet */
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u waiting", "%u waiting", queue_depth),
                                queue_depth);
      else if (state == VERVAL_SYNC_STATE_WAITING)
        text = g_strdup (_("Will retry"));
      else
        text = g_strdup (_("Not synced yet"));
      break;
    case VERVAL_SYNC_STATE_DONE:
      icon = "emblem-ok-symbolic";
      style = "success";
      if (last_success > 0)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (last_success);
          g_autofree char *time = g_date_time_format (when, "%H:%M");

          /* Translators: header bar, short: everything sent, at 17:42 */
          text = g_strdup_printf (_("All sent %s"), time);
        }
      else
        text = g_strdup (_("All sent"));
      break;
    case VERVAL_SYNC_STATE_PROBLEM:
    default:
      icon = "dialog-warning-symbolic";
      style = "error";
      text = g_strdup (_("Problem"));
      break;
    }

  if (icon_name != NULL)
    *icon_name = icon;
  if (style_class != NULL)
    *style_class = style;
  return text;
}

const char *
verval_sync_indicator_headline (VervalSyncState state)
{
  switch (state)
    {
    case VERVAL_SYNC_STATE_NOT_ENROLLED:
      return _("Not connected to an office server");
    case VERVAL_SYNC_STATE_IDLE:
      return _("Connected to the office server");
    case VERVAL_SYNC_STATE_SYNCING:
      return _("Sending your work to the office");
    case VERVAL_SYNC_STATE_OFFLINE:
      return _("No connection");
    case VERVAL_SYNC_STATE_WAITING:
      return _("Sending did not finish");
    case VERVAL_SYNC_STATE_DONE:
      return _("Your work has reached the office");
    case VERVAL_SYNC_STATE_PROBLEM:
    default:
      return _("Something needs your attention");
    }
}

static void
update (VervalSyncIndicator *self)
{
  g_autofree char *text = NULL;
  const char *icon = NULL;
  const char *style = NULL;
  VervalSyncState state;
  gboolean syncing;

  if (self->sync == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  state = verval_sync_get_state (self->sync);
  /* A coordinator who works from an imported list has nothing to sync:
   * the menu and the empty page offer to connect instead. */
  gtk_widget_set_visible (GTK_WIDGET (self), self->enabled && state != VERVAL_SYNC_STATE_NOT_ENROLLED);
  syncing = state == VERVAL_SYNC_STATE_SYNCING;
  text = verval_sync_indicator_describe (state,
                                         verval_sync_get_queue_depth (self->sync),
                                         verval_sync_get_fraction (self->sync),
                                         verval_sync_get_last_success (self->sync),
                                         &icon, &style);

  gtk_label_set_label (self->label, text);
  gtk_image_set_from_icon_name (self->icon, icon);
  gtk_image_set_from_icon_name (self->popover_icon, icon);
  g_free (self->icon_name);
  self->icon_name = g_strdup (icon);

  for (guint i = 0; i < G_N_ELEMENTS (style_classes); i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->button), style_classes[i]);
      gtk_widget_remove_css_class (GTK_WIDGET (self->popover_icon), style_classes[i]);
    }
  if (style != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->button), style);
      gtk_widget_add_css_class (GTK_WIDGET (self->popover_icon), style);
    }
  self->style_class = style;

  gtk_label_set_label (self->popover_title, verval_sync_indicator_headline (state));
  gtk_label_set_label (self->message_label, verval_sync_get_message (self->sync));
  gtk_widget_set_visible (GTK_WIDGET (self->message_label),
                          verval_sync_get_message (self->sync) != NULL &&
                          *verval_sync_get_message (self->sync) != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), syncing);
  gtk_progress_bar_set_fraction (self->progress_bar, verval_sync_get_fraction (self->sync));
  gtk_label_set_label (self->activity_label, verval_sync_get_activity (self->sync));
  gtk_widget_set_visible (GTK_WIDGET (self->activity_label),
                          syncing && verval_sync_get_activity (self->sync) != NULL &&
                          *verval_sync_get_activity (self->sync) != '\0');
  gtk_widget_set_visible (self->sync_now_button, state != VERVAL_SYNC_STATE_NOT_ENROLLED);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), verval_sync_indicator_headline (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  -1);
}

static void
details_clicked_cb (VervalSyncIndicator *self)
{
  gtk_popover_popdown (self->popover);
}

static void
verval_sync_indicator_dispose (GObject *object)
{
  GtkWidget *child;
  VervalSyncIndicator *self = VERVAL_SYNC_INDICATOR (object);

  verval_sync_indicator_set_sync (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VERVAL_TYPE_SYNC_INDICATOR);
  /* The template's unnamed root is ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (verval_sync_indicator_parent_class)->dispose (object);
}

static void
verval_sync_indicator_finalize (GObject *object)
{
  VervalSyncIndicator *self = VERVAL_SYNC_INDICATOR (object);

  g_free (self->icon_name);

  G_OBJECT_CLASS (verval_sync_indicator_parent_class)->finalize (object);
}

static void
verval_sync_indicator_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  VervalSyncIndicator *self = VERVAL_SYNC_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_sync_indicator_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  VervalSyncIndicator *self = VERVAL_SYNC_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_SYNC:
      verval_sync_indicator_set_sync (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_sync_indicator_class_init (VervalSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = verval_sync_indicator_dispose;
  object_class->finalize = verval_sync_indicator_finalize;
  object_class->get_property = verval_sync_indicator_get_property;
  object_class->set_property = verval_sync_indicator_set_property;

  properties[PROP_SYNC] =
    g_param_spec_object ("sync", NULL, NULL,
                         VERVAL_TYPE_SYNC,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "syncindicator");
  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, popover);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, popover_icon);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, popover_title);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, message_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, activity_label);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, sync_now_button);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, icon);
  gtk_widget_class_bind_template_child (widget_class, VervalSyncIndicator, label);
  gtk_widget_class_bind_template_callback (widget_class, details_clicked_cb);
}

static void
verval_sync_indicator_init (VervalSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->enabled = TRUE;
  update (self);
}

GtkWidget *
verval_sync_indicator_new (void)
{
  return g_object_new (VERVAL_TYPE_SYNC_INDICATOR, NULL);
}

VervalSync *
verval_sync_indicator_get_sync (VervalSyncIndicator *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC_INDICATOR (self), NULL);

  return self->sync;
}

void
verval_sync_indicator_set_sync (VervalSyncIndicator *self,
                                VervalSync          *sync)
{
  g_return_if_fail (VERVAL_IS_SYNC_INDICATOR (self));
  g_return_if_fail (sync == NULL || VERVAL_IS_SYNC (sync));

  if (self->sync == sync)
    return;
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_func (self->sync, update, self);
  g_set_object (&self->sync, sync);
  /* Every property feeds the button; one handler for all of them. */
  if (self->sync != NULL)
    g_signal_connect_object (self->sync, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
}

const char *
verval_sync_indicator_get_label (VervalSyncIndicator *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC_INDICATOR (self), NULL);

  return gtk_label_get_label (self->label);
}

const char *
verval_sync_indicator_get_icon_name (VervalSyncIndicator *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC_INDICATOR (self), NULL);

  return self->icon_name;
}

void
verval_sync_indicator_set_enabled (VervalSyncIndicator *self,
                                   gboolean             enabled)
{
  g_return_if_fail (VERVAL_IS_SYNC_INDICATOR (self));

  self->enabled = !!enabled;
  update (self);
}
