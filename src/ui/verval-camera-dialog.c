/* verval-camera-dialog.c: live camera preview, capture and review
 *
 * The dialog only binds a VervalCamera to widgets: frames become textures
 * for the preview, a capture freezes the newest frame for review, and only
 * "Use Photo" writes a JPEG, so retakes leave no files behind.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-camera.h"
#include "verval-camera-dialog.h"

struct _VervalCameraDialog
{
  AdwWindow       parent_instance;

  /* Template widgets */
  GtkStack       *stack;
  GtkSpinner     *spinner;
  GtkPicture     *preview_picture;
  GtkPicture     *still_picture;
  GtkButton      *capture_button;
  GtkButton      *use_button;
  GtkButton      *choose_files_button;
  AdwStatusPage  *status_page;

  /* Owned */
  VervalCamera   *camera;
  GCancellable   *start_cancellable;
  GTask          *task;
  GSource        *caller_cancel_source;
  GBytes         *still;
  guint           still_width;
  guint           still_height;
  gsize           still_stride;
  GError         *save_error;
};

G_DEFINE_FINAL_TYPE (VervalCameraDialog, verval_camera_dialog, ADW_TYPE_WINDOW)

/* Camera frames are opaque, so the premultiplied format is exact and spares
 * GTK a per-frame conversion before upload. */
static GdkTexture *
texture_from_frame (GBytes *pixels,
                    guint   width,
                    guint   height,
                    gsize   stride)
{
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8_PREMULTIPLIED,
                                 pixels, stride);
}

static char *
capture_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "verval", "camera", NULL);
}

static void
show_page (VervalCameraDialog *self,
           const char         *name)
{
  gboolean preview = g_str_equal (name, "preview");
  gboolean review = g_str_equal (name, "review");
  gboolean error = g_str_equal (name, "error");

  gtk_stack_set_visible_child_name (self->stack, name);
  gtk_spinner_set_spinning (self->spinner, g_str_equal (name, "starting"));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "camera.capture", preview);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "camera.retake", review);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "camera.use", review);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "camera.choose-files", error);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "camera.retry", error);

  /* Space and Enter act on the focused button: capture, then accept. */
  if (preview)
    gtk_widget_grab_focus (GTK_WIDGET (self->capture_button));
  else if (review)
    gtk_widget_grab_focus (GTK_WIDGET (self->use_button));
  else if (error)
    gtk_widget_grab_focus (GTK_WIDGET (self->choose_files_button));
}

static void
show_error (VervalCameraDialog *self,
            const GError       *error)
{
  const char *title;
  const char *hint;
  const char *icon = "camera-disabled-symbolic";
  g_autofree char *description = NULL;

  if (self->save_error != NULL)
    {
      title = _("The Photo Could Not Be Saved");
      hint = _("Free some disk space, or choose photo files instead.");
      icon = "dialog-warning-symbolic";
    }
  else if (g_error_matches (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA))
    {
      title = _("No Camera Found");
      hint = _("Connect a camera and try again, or choose photo files instead.");
      icon = "camera-hardware-disabled-symbolic";
    }
  else if (g_error_matches (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_PERMISSION))
    {
      title = _("Camera Not Allowed");
      hint = _("Ask for camera access for this user, or choose photo files instead.");
    }
  else if (g_error_matches (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_BUSY))
    {
      title = _("Camera In Use");
      hint = _("Close the other application that uses the camera and try again, or choose photo files instead.");
    }
  else if (g_error_matches (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_DISCONNECTED))
    {
      title = _("Camera Disconnected");
      hint = _("Reconnect the camera and try again, or choose photo files instead.");
    }
  else
    {
      title = _("Camera Unavailable");
      hint = _("Try again, or choose photo files instead.");
    }

  description = g_markup_printf_escaped ("%s\n<small>%s</small>", hint,
                                         error != NULL ? error->message : "");
  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  show_page (self, "error");
}

/* Completes the caller's request once; @error is taken. */
static void
complete (VervalCameraDialog *self,
          char               *path,
          GError             *error,
          gboolean            close)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (self->caller_cancel_source != NULL)
    {
      g_source_destroy (self->caller_cancel_source);
      g_clear_pointer (&self->caller_cancel_source, g_source_unref);
    }
  if (self->camera != NULL)
    verval_camera_stop (self->camera);
  if (close)
    gtk_window_destroy (GTK_WINDOW (self));

  if (task == NULL)
    {
      g_free (path);
      g_clear_error (&error);
    }
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

static void
on_camera_started (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(VervalCameraDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Failures arrive through the camera's state, started or not. */
  if (verval_camera_start_finish (VERVAL_CAMERA (object), result, &error))
    show_page (self, "preview");
}

static void
start_camera (VervalCameraDialog *self)
{
  g_clear_error (&self->save_error);
  show_page (self, "starting");
  verval_camera_start_async (self->camera, self->start_cancellable,
                             on_camera_started, g_object_ref (self));
}

static void
on_camera_frame (VervalCamera       *camera,
                 GBytes             *pixels,
                 guint               width,
                 guint               height,
                 guint               stride,
                 VervalCameraDialog *self)
{
  g_autoptr(GdkTexture) texture = NULL;

  /* While reviewing, the still stays on screen; new frames are ignored. */
  if (!g_str_equal (verval_camera_dialog_get_page (self), "preview"))
    return;
  texture = texture_from_frame (pixels, width, height, stride);
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (texture));
}

static void
on_camera_state (VervalCamera       *camera,
                 GParamSpec         *pspec,
                 VervalCameraDialog *self)
{
  const GError *error = verval_camera_get_error (camera);

  if (verval_camera_get_state (camera) != VERVAL_CAMERA_STATE_ERROR)
    return;
  /* A frozen still can still be used after the camera went away. */
  if (g_str_equal (verval_camera_dialog_get_page (self), "review"))
    return;
  show_error (self, error);
}

static void
capture_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (widget);
  g_autoptr(GdkTexture) texture = NULL;

  g_clear_pointer (&self->still, g_bytes_unref);
  self->still = verval_camera_dup_frame (self->camera, &self->still_width,
                                         &self->still_height, &self->still_stride);
  if (self->still == NULL)
    return;

  texture = texture_from_frame (self->still, self->still_width, self->still_height,
                                self->still_stride);
  gtk_picture_set_paintable (self->still_picture, GDK_PAINTABLE (texture));
  show_page (self, "review");
}

static void
retake_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (widget);

  g_clear_pointer (&self->still, g_bytes_unref);
  gtk_picture_set_paintable (self->still_picture, NULL);
  if (verval_camera_get_state (self->camera) == VERVAL_CAMERA_STATE_RUNNING)
    show_page (self, "preview");
  else if (verval_camera_get_state (self->camera) == VERVAL_CAMERA_STATE_ERROR)
    show_error (self, verval_camera_get_error (self->camera));
  else
    start_camera (self);
}

static void
use_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (widget);
  g_autofree char *dir = capture_dir ();
  g_autofree char *path = NULL;

  if (self->still == NULL)
    return;

  if (!verval_camera_write_jpeg (self->still, self->still_width, self->still_height,
                                 self->still_stride, dir, &path, &self->save_error))
    {
      g_debug ("saving the photo failed: %s", self->save_error->message);
      show_error (self, self->save_error);
      return;
    }
  complete (self, g_steal_pointer (&path), NULL, TRUE);
}

static void
choose_files_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (widget);
  const GError *error = self->save_error;

  if (error == NULL)
    error = verval_camera_get_error (self->camera);
  complete (self, NULL,
            error != NULL ? g_error_copy (error)
                          : g_error_new_literal (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                                                 _("The camera is not available")),
            TRUE);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (widget);

  if (self->save_error != NULL && self->still != NULL)
    {
      g_clear_error (&self->save_error);
      show_page (self, "review");
      return;
    }
  verval_camera_stop (self->camera);
  start_camera (self);
}

static gboolean
verval_camera_dialog_close_request (GtkWindow *window)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (window);

  complete (self, NULL,
            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("No photo was taken")),
            FALSE);
  return GTK_WINDOW_CLASS (verval_camera_dialog_parent_class)->close_request (window);
}

static void
verval_camera_dialog_dispose (GObject *object)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (object);

  /* Destroyed with its parent while open: the caller still hears back. */
  if (self->task != NULL)
    complete (self, NULL,
              g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("No photo was taken")),
              FALSE);
  g_cancellable_cancel (self->start_cancellable);
  if (self->camera != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->camera, self);
      verval_camera_stop (self->camera);
      g_clear_object (&self->camera);
    }
  g_clear_pointer (&self->still, g_bytes_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), VERVAL_TYPE_CAMERA_DIALOG);

  G_OBJECT_CLASS (verval_camera_dialog_parent_class)->dispose (object);
}

static void
verval_camera_dialog_finalize (GObject *object)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (object);

  g_clear_object (&self->start_cancellable);
  g_clear_error (&self->save_error);

  G_OBJECT_CLASS (verval_camera_dialog_parent_class)->finalize (object);
}

static void
verval_camera_dialog_class_init (VervalCameraDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = verval_camera_dialog_dispose;
  object_class->finalize = verval_camera_dialog_finalize;
  window_class->close_request = verval_camera_dialog_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-camera-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, still_picture);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, capture_button);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, use_button);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, choose_files_button);
  gtk_widget_class_bind_template_child (widget_class, VervalCameraDialog, status_page);

  gtk_widget_class_install_action (widget_class, "camera.capture", NULL, capture_action);
  gtk_widget_class_install_action (widget_class, "camera.retake", NULL, retake_action);
  gtk_widget_class_install_action (widget_class, "camera.use", NULL, use_action);
  gtk_widget_class_install_action (widget_class, "camera.choose-files", NULL, choose_files_action);
  gtk_widget_class_install_action (widget_class, "camera.retry", NULL, retry_action);

  /* Space and Enter also capture when focus wandered off the button. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "camera.capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "camera.capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "camera.capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
verval_camera_dialog_init (VervalCameraDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->start_cancellable = g_cancellable_new ();
}

const char *
verval_camera_dialog_get_page (VervalCameraDialog *self)
{
  const char *name;

  g_return_val_if_fail (VERVAL_IS_CAMERA_DIALOG (self), NULL);

  name = gtk_stack_get_visible_child_name (self->stack);
  return name != NULL ? name : "starting";
}

static gboolean
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  VervalCameraDialog *self = VERVAL_CAMERA_DIALOG (user_data);

  g_clear_pointer (&self->caller_cancel_source, g_source_unref);
  complete (self, NULL,
            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("No photo was taken")),
            TRUE);
  return G_SOURCE_REMOVE;
}

void
verval_camera_dialog_run_async (GtkWindow           *parent,
                                const char          *source,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  VervalCameraDialog *self;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The window list owns the dialog until it is destroyed. */
  self = g_object_new (VERVAL_TYPE_CAMERA_DIALOG,
                       "transient-for", parent,
                       NULL);
  /* the camera keeps the source description; the dialog needs no copy */
  self->camera = verval_camera_new (source);
  g_signal_connect (self->camera, "frame", G_CALLBACK (on_camera_frame), self);
  g_signal_connect (self->camera, "notify::state", G_CALLBACK (on_camera_state), self);
  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, verval_camera_dialog_run_async);

  if (cancellable != NULL)
    {
      self->caller_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->caller_cancel_source, G_SOURCE_FUNC (on_caller_cancelled),
                             self, NULL);
      g_source_attach (self->caller_cancel_source, NULL);
    }

  gtk_window_present (GTK_WINDOW (self));
  start_camera (self);
}

char *
verval_camera_dialog_run_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == verval_camera_dialog_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
