/* verval-import-dialog.c: progress and report of one list import
 *
 * The report is plain text in a text view so a coordinator can select or
 * copy it whole and send it to whoever exported the list: the line numbers
 * are what they need to fix the spreadsheet.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-import-dialog.h"
#include "verval-ui-utils.h"

struct _VervalImportDialog
{
  AdwWindow        parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  GtkButton       *cancel_button;
  GtkButton       *done_button;
  GtkStack        *stack;
  GtkProgressBar  *progress_bar;
  GtkLabel        *progress_label;
  GtkImage        *result_icon;
  GtkLabel        *result_title;
  GtkLabel        *result_description;
  GtkWidget       *summary_group;
  GtkLabel        *imported_label;
  GtkLabel        *updated_label;
  GtkLabel        *refused_label;
  GtkLabel        *warnings_label;
  GtkTextView     *report_view;

  /* Owned */
  VervalStore     *store;
  GFile           *file;
  GCancellable    *cancellable;
  gboolean         running;
};

G_DEFINE_FINAL_TYPE (VervalImportDialog, verval_import_dialog, ADW_TYPE_WINDOW)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_count (GtkLabel *label,
           guint     n)
{
  g_autofree char *text = verval_ui_format_count (n);

  gtk_label_set_label (label, text);
}

static void
show_report (VervalImportDialog *self,
             VervalImportReport *report)
{
  g_autofree char *text = verval_import_report_to_text (report);
  guint stored = report->imported + report->updated;
  g_autofree char *description = NULL;

  if (stored == 0 && report->refused > 0)
    {
      gtk_image_set_from_icon_name (self->result_icon, "dialog-error-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "error");
      gtk_label_set_label (self->result_title, _("No Family Was Imported"));
      description = g_strdup (_("Every row of the list was refused. The report below says why, line by line."));
    }
  else if (report->refused > 0)
    {
      gtk_image_set_from_icon_name (self->result_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "warning");
      gtk_label_set_label (self->result_title, _("List Imported, Some Rows Refused"));
      description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "%u row was refused and the rest imported. Fix it in the spreadsheet and import the list again; nothing will be counted twice.",
                                                  "%u rows were refused and the rest imported. Fix them in the spreadsheet and import the list again; nothing will be counted twice.",
                                                  report->refused),
                                     report->refused);
    }
  else
    {
      gtk_image_set_from_icon_name (self->result_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "success");
      gtk_label_set_label (self->result_title, _("List Imported"));
      description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "%u family is ready to search.",
                                                  "%u families are ready to search.",
                                                  stored),
                                     stored);
    }
  gtk_label_set_label (self->result_description, description);

  set_count (self->imported_label, report->imported);
  set_count (self->updated_label, report->updated);
  set_count (self->refused_label, report->refused);
  set_count (self->warnings_label, report->warnings);
  gtk_widget_set_visible (self->summary_group, TRUE);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->report_view), text, -1);
}

static void
show_error (VervalImportDialog *self,
            const GError       *error)
{
  gtk_image_set_from_icon_name (self->result_icon, "dialog-error-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "error");
  gtk_label_set_label (self->result_title, _("The List Was Not Imported"));
  gtk_label_set_label (self->result_description,
                       _("Nothing was changed. Check that the file is the CSV export of a P3KE or DTKS list."));
  gtk_widget_set_visible (self->summary_group, FALSE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->report_view), error->message, -1);
}

static void
import_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(VervalImportDialog) self = user_data;
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = verval_store_import_finish (VERVAL_STORE (object), result, &error);
  self->running = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (report != NULL)
    show_report (self, report);
  else
    show_error (self, error);

  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->done_button), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "report");
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->done_button));
  gtk_widget_grab_focus (GTK_WIDGET (self->done_button));

  g_signal_emit (self, signals[FINISHED], 0, report, error);
}

static void
progress_cb (double   fraction,
             guint    rows_read,
             gpointer user_data)
{
  VervalImportDialog *self = user_data;
  g_autofree char *count = verval_ui_format_count (rows_read);
  g_autofree char *text = NULL;

  if (!self->running)
    return;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  /* Translators: %s is a number of rows */
  text = g_strdup_printf (_("%s rows read"), count);
  gtk_label_set_label (self->progress_label, text);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VervalImportDialog *self = VERVAL_IMPORT_DIALOG (widget);
  g_autofree char *text = verval_import_dialog_get_report_text (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Report copied")));
}

static gboolean
verval_import_dialog_close_request (GtkWindow *window)
{
  VervalImportDialog *self = VERVAL_IMPORT_DIALOG (window);

  /* The store rolls the whole import back. */
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (verval_import_dialog_parent_class)->close_request (window);
}

static void
verval_import_dialog_dispose (GObject *object)
{
  VervalImportDialog *self = VERVAL_IMPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (verval_import_dialog_parent_class)->dispose (object);
}

static void
verval_import_dialog_finalize (GObject *object)
{
  VervalImportDialog *self = VERVAL_IMPORT_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (verval_import_dialog_parent_class)->finalize (object);
}

static void
verval_import_dialog_class_init (VervalImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = verval_import_dialog_dispose;
  object_class->finalize = verval_import_dialog_finalize;
  window_class->close_request = verval_import_dialog_close_request;

  /**
   * VervalImportDialog::finished:
   * @report: (nullable): a VervalImportReport, owned by the emitter
   * @error: (nullable): why nothing was imported
   */
  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_ERROR);

  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, done_button);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, result_icon);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, result_title);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, result_description);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, summary_group);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, imported_label);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, updated_label);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, refused_label);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, warnings_label);
  gtk_widget_class_bind_template_child (widget_class, VervalImportDialog, report_view);

  gtk_widget_class_install_action (widget_class, "import.copy", NULL, copy_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
verval_import_dialog_init (VervalImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

VervalImportDialog *
verval_import_dialog_new (GtkWindow   *parent,
                          VervalStore *store,
                          GFile       *file)
{
  VervalImportDialog *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (VERVAL_TYPE_IMPORT_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->store = g_object_ref (store);
  self->file = g_object_ref (file);
  self->cancellable = g_cancellable_new ();
  self->running = TRUE;

  name = g_file_get_basename (file);
  adw_window_title_set_subtitle (self->window_title, name);

  verval_store_import_async (store, file,
                             progress_cb, g_object_ref (self), g_object_unref,
                             self->cancellable, import_cb, g_object_ref (self));
  return self;
}

gboolean
verval_import_dialog_get_running (VervalImportDialog *self)
{
  g_return_val_if_fail (VERVAL_IS_IMPORT_DIALOG (self), FALSE);

  return self->running;
}

char *
verval_import_dialog_get_report_text (VervalImportDialog *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (VERVAL_IS_IMPORT_DIALOG (self), NULL);

  buffer = gtk_text_view_get_buffer (self->report_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}
