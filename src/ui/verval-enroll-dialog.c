/* verval-enroll-dialog.c: connecting the device to the office's collector
 *
 * Enrolling is followed at once by a first sync, so the coordinator leaves
 * the dialog with their assigned families on the list, not with an empty
 * screen and a promise.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "verval-enroll-dialog.h"

struct _VervalEnrollDialog
{
  AdwWindow      parent_instance;

  /* Template widgets */
  AdwEntryRow   *url_row;
  AdwEntryRow   *code_row;
  GtkLabel      *error_label;
  GtkWidget     *progress_box;
  GtkSpinner    *spinner;
  GtkLabel      *progress_label;
  GtkWidget     *connect_button;

  /* Owned */
  VervalSync    *sync;
  GCancellable  *cancellable;
  gboolean       busy;
};

G_DEFINE_FINAL_TYPE (VervalEnrollDialog, verval_enroll_dialog, ADW_TYPE_WINDOW)

enum {
  ENROLLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
verval_enroll_dialog_message_for_error (const GError *error)
{
  VervalSyncError code;

  g_return_val_if_fail (error != NULL, NULL);

  code = verval_sync_error_classify (error);
  switch (code)
    {
    case VERVAL_SYNC_ERROR_OFFLINE:
      return g_strdup (_("This device is not online, or the server name is unknown. Check the connection and the address."));
    case VERVAL_SYNC_ERROR_UNREACHABLE:
    case VERVAL_SYNC_ERROR_DROPPED:
      return g_strdup (_("No server answers at this address. Check the address, and that this device is online."));
    case VERVAL_SYNC_ERROR_SERVER:
      return g_strdup (_("The server has a problem. Try again later or tell your office."));
    case VERVAL_SYNC_ERROR_PROTOCOL:
    case VERVAL_SYNC_ERROR_REFUSED:
      return g_strdup (_("This address does not answer like a Verval server. Check the address."));
    case VERVAL_SYNC_ERROR_LOCAL:
      /* Translators: %s is the technical reason */
      return g_strdup_printf (_("This device could not keep the connection details: %s"), error->message);
    default:
      return verval_sync_message_for_error (code, NULL);
    }
}

static void
set_error (VervalEnrollDialog *self,
           const char         *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
set_busy (VervalEnrollDialog *self,
          const char         *progress)
{
  self->busy = progress != NULL;
  gtk_widget_set_visible (self->progress_box, self->busy);
  gtk_spinner_set_spinning (self->spinner, self->busy);
  gtk_label_set_label (self->progress_label, progress != NULL ? progress : "");
  /* Not insensitive: that would take the focus away from under the text
   * entry; typing while busy is harmless, connect_cb ignores it. */
  gtk_editable_set_editable (GTK_EDITABLE (self->url_row), !self->busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->code_row), !self->busy);
  gtk_widget_set_visible (self->connect_button, !self->busy);
}

static void
form_changed_cb (VervalEnrollDialog *self)
{
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  g_autofree char *code = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->code_row))));

  gtk_widget_set_sensitive (self->connect_button, *url != '\0' && *code != '\0');
}

/* People type "kantor.example.id" or "10.0.0.5:8443": the scheme is implied. */
static char *
normalize_url (const char *text)
{
  g_autofree char *url = g_strstrip (g_strdup (text));

  if (*url == '\0' || strstr (url, "://") != NULL)
    return g_steal_pointer (&url);
  return g_strconcat ("https://", url, NULL);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VervalEnrollDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *notice = NULL;

  if (!verval_sync_run_finish (VERVAL_SYNC (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Enrolled all the same: the next sync brings the families. */
      notice = g_strdup (_("Connected to your office. The families could not be downloaded yet; this is tried again by itself."));
    }
  else
    notice = g_strdup (_("Connected to your office"));

  set_busy (self, NULL);
  g_signal_emit (self, signals[ENROLLED], 0, notice);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Whether the user should look at the code rather than the address. */
static gboolean
code_is_the_problem (VervalSyncError code)
{
  switch (code)
    {
    case VERVAL_SYNC_ERROR_CODE_REFUSED:
    case VERVAL_SYNC_ERROR_CODE_EXPIRED:
    case VERVAL_SYNC_ERROR_CODE_USED:
    case VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
enroll_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(VervalEnrollDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!verval_sync_enroll_finish (VERVAL_SYNC (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Enrollment failed: %s", error->message);
      message = verval_enroll_dialog_message_for_error (error);
      set_busy (self, NULL);
      set_error (self, message);
      gtk_widget_grab_focus (GTK_WIDGET (code_is_the_problem (verval_sync_error_classify (error))
                                         ? self->code_row : self->url_row));
      return;
    }

  set_busy (self, _("Connected. Downloading your families…"));
  verval_sync_run_async (self->sync, "enroll", self->cancellable, run_done_cb, g_object_ref (self));
}

static void
connect_cb (VervalEnrollDialog *self)
{
  g_autofree char *url = normalize_url (gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  g_autofree char *code = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->code_row))));

  if (self->busy)
    return;
  if (*url == '\0')
    {
      set_error (self, _("Type the server address from your office."));
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }
  if (*code == '\0')
    {
      set_error (self, _("Type the enrollment code from your office."));
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }

  set_error (self, NULL);
  set_busy (self, _("Connecting…"));
  verval_sync_enroll_async (self->sync, url, code, g_get_host_name (), self->cancellable,
                            enroll_done_cb, g_object_ref (self));
}

static void
url_activated_cb (VervalEnrollDialog *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
}

static void
verval_enroll_dialog_dispose (GObject *object)
{
  VervalEnrollDialog *self = VERVAL_ENROLL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (verval_enroll_dialog_parent_class)->dispose (object);
}

static gboolean
verval_enroll_dialog_close_request (GtkWindow *window)
{
  VervalEnrollDialog *self = VERVAL_ENROLL_DIALOG (window);

  /* What the collector already acknowledged stays; the rest is dropped. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (verval_enroll_dialog_parent_class)->close_request (window);
}

static void
verval_enroll_dialog_finalize (GObject *object)
{
  VervalEnrollDialog *self = VERVAL_ENROLL_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->sync);

  G_OBJECT_CLASS (verval_enroll_dialog_parent_class)->finalize (object);
}

static void
verval_enroll_dialog_class_init (VervalEnrollDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = verval_enroll_dialog_dispose;
  object_class->finalize = verval_enroll_dialog_finalize;
  window_class->close_request = verval_enroll_dialog_close_request;

  signals[ENROLLED] =
    g_signal_new ("enrolled",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-enroll-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, code_row);
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, progress_box);
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, VervalEnrollDialog, connect_button);
  gtk_widget_class_bind_template_callback (widget_class, connect_cb);
  gtk_widget_class_bind_template_callback (widget_class, url_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, form_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
verval_enroll_dialog_init (VervalEnrollDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

VervalEnrollDialog *
verval_enroll_dialog_new (GtkWindow  *parent,
                          VervalSync *sync)
{
  VervalEnrollDialog *self;
  const char *url;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (VERVAL_IS_SYNC (sync), NULL);

  self = g_object_new (VERVAL_TYPE_ENROLL_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->sync = g_object_ref (sync);

  /* On a tablet held upright the dialog takes the window's width. */
  if (parent != NULL && gtk_widget_get_width (GTK_WIDGET (parent)) > 0 &&
      gtk_widget_get_width (GTK_WIDGET (parent)) < 520)
    gtk_window_set_default_size (GTK_WINDOW (self), gtk_widget_get_width (GTK_WIDGET (parent)),
                                 MAX (gtk_widget_get_height (GTK_WIDGET (parent)), 480));

  /* Switching server: start from the one in use, the code is always new. */
  url = verval_sync_get_collector_url (sync);
  if (url != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
  return self;
}

void
verval_enroll_dialog_submit (VervalEnrollDialog *self,
                             const char         *url,
                             const char         *code)
{
  g_return_if_fail (VERVAL_IS_ENROLL_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url != NULL ? url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), code != NULL ? code : "");
  connect_cb (self);
}

const char *
verval_enroll_dialog_get_error (VervalEnrollDialog *self)
{
  g_return_val_if_fail (VERVAL_IS_ENROLL_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

gboolean
verval_enroll_dialog_get_busy (VervalEnrollDialog *self)
{
  g_return_val_if_fail (VERVAL_IS_ENROLL_DIALOG (self), FALSE);

  return self->busy;
}
