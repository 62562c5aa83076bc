/* test-ui-camera.c: the camera dialog on a test pattern, under a display
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ui-test-utils.h"
#include "verval-camera.h"
#include "verval-camera-dialog.h"

#define TEST_SOURCE "videotestsrc is-live=true pattern=smpte ! capsfilter caps=video/x-raw,width=640,height=480,framerate=30/1"

typedef struct {
  GtkWindow *parent;
  gboolean   done;
  char      *path;
  GError    *error;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->parent = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->parent, 800, 600);
  gtk_window_present (f->parent);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->parent);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (f->path);
  g_clear_error (&f->error);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
on_elapsed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the live preview run for a while: frames, page transitions. Not
 * ui_test_settle(): it drains the main context, which a 30 fps source never
 * leaves empty. */
static void
run_preview (void)
{
  gboolean elapsed = FALSE;

  g_timeout_add (600, on_elapsed, &elapsed);
  g_assert_true (ui_test_wait_for (is_true, &elapsed));
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *f = user_data;

  f->path = verval_camera_dialog_run_finish (result, &f->error);
  f->done = TRUE;
}

static VervalCameraDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (VERVAL_IS_CAMERA_DIALOG (window))
        return VERVAL_CAMERA_DIALOG (window);
    }
  return NULL;
}

typedef struct {
  VervalCameraDialog *dialog;
  const char         *page;
} PageWait;

static gboolean
page_shown (gpointer data)
{
  PageWait *wait = data;

  return g_str_equal (verval_camera_dialog_get_page (wait->dialog), wait->page);
}

static void
wait_for_page (VervalCameraDialog *dialog,
               const char         *page)
{
  PageWait wait = { dialog, page };

  ui_test_wait_for (page_shown, &wait);
  g_assert_cmpstr (verval_camera_dialog_get_page (dialog), ==, page);
}

static void
wait_done (Fixture *f)
{
  g_assert_true (ui_test_wait_for (is_true, &f->done));
}

typedef struct {
  GtkWidget  *widget;
  const char *name;
  gboolean    saved;
} Screenshot;

/* The live preview invalidates the window's render nodes between paints, so
 * the screenshot is taken right after one. */
static void
on_after_paint (GdkFrameClock *clock,
                Screenshot    *shot)
{
  if (shot->saved)
    return;
  ui_test_save_screenshot (shot->widget, shot->name);
  shot->saved = TRUE;
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  Screenshot shot = { widget, name, FALSE };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gulong handler;

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &shot);
  gtk_widget_queue_draw (widget);
  ui_test_wait_for (is_true, &shot.saved);
  g_signal_handler_disconnect (clock, handler);
  g_assert_true (shot.saved);
}

static void
test_capture_and_use (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) photo = NULL;
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "verval", "camera", NULL);
  VervalCameraDialog *dialog;

  verval_camera_dialog_run_async (f->parent, TEST_SOURCE, NULL, on_done, f);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == f->parent);

  wait_for_page (dialog, "preview");
  /* Let frames reach the screen and the page transition end before the
   * screenshot. */
  run_preview ();
  save_screenshot (GTK_WIDGET (dialog), "camera-dialog-preview");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.capture", NULL));
  g_assert_cmpstr (verval_camera_dialog_get_page (dialog), ==, "review");
  run_preview ();
  save_screenshot (GTK_WIDGET (dialog), "camera-dialog-review");

  /* Retaking goes back to the live picture and leaves no file behind. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.retake", NULL));
  g_assert_cmpstr (verval_camera_dialog_get_page (dialog), ==, "preview");
  g_assert_false (g_file_test (cache, G_FILE_TEST_EXISTS));
  run_preview ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.capture", NULL));
  g_assert_false (f->done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.use", NULL));

  wait_done (f);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->path);
  g_assert_true (g_str_has_prefix (f->path, cache));
  g_assert_true (g_str_has_suffix (f->path, ".jpg"));
  g_assert_null (find_dialog ());

  photo = gdk_texture_new_from_filename (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (photo), ==, 640);
  g_assert_cmpint (gdk_texture_get_height (photo), ==, 480);
  g_assert_cmpint (g_unlink (f->path), ==, 0);
}

static void
test_no_camera (Fixture       *f,
                gconstpointer  data)
{
  VervalCameraDialog *dialog;

  verval_camera_dialog_run_async (f->parent, "v4l2src device=/dev/video99", NULL, on_done, f);
  dialog = find_dialog ();
  wait_for_page (dialog, "error");
  /* The live actions are off while there is no picture: Space does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.capture", NULL);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.use", NULL);
  g_assert_false (f->done);
  g_assert_cmpstr (verval_camera_dialog_get_page (dialog), ==, "error");
  run_preview ();
  save_screenshot (GTK_WIDGET (dialog), "camera-dialog-no-camera");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "camera.choose-files", NULL));
  wait_done (f);
  g_assert_error (f->error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA);
  g_assert_null (f->path);
  g_assert_null (find_dialog ());
}

/* Escape is bound to window.close; closing is a cancel, not an error. */
static void
test_close_cancels (Fixture       *f,
                    gconstpointer  data)
{
  VervalCameraDialog *dialog;

  verval_camera_dialog_run_async (f->parent, TEST_SOURCE, NULL, on_done, f);
  dialog = find_dialog ();
  wait_for_page (dialog, "preview");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  wait_done (f);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (find_dialog ());
}

static void
test_cancellable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  verval_camera_dialog_run_async (f->parent, TEST_SOURCE, cancellable, on_done, f);
  g_assert_nonnull (find_dialog ());
  /* Cancelled while the camera is still starting. */
  g_cancellable_cancel (cancellable);
  wait_done (f);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (find_dialog ());
}

/* The camera fails after the preview is up: the dialog says so instead of
 * freezing on the last frame. */
static void
test_error_while_running (Fixture       *f,
                          gconstpointer  data)
{
  VervalCameraDialog *dialog;

  verval_camera_dialog_run_async (f->parent,
                                  "videotestsrc is-live=true ! identity error-after=15",
                                  NULL, on_done, f);
  dialog = find_dialog ();
  wait_for_page (dialog, "error");
  g_assert_false (f->done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  wait_done (f);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Space and Enter capture, Escape closes, wherever the focus is. */
static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GListModel) controllers = NULL;
  g_autoptr(GHashTable) bindings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  VervalCameraDialog *dialog;

  verval_camera_dialog_run_async (f->parent, TEST_SOURCE, NULL, on_done, f);
  dialog = find_dialog ();
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (dialog));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          g_hash_table_insert (bindings,
                               gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut)),
                               gtk_shortcut_action_to_string (gtk_shortcut_get_action (shortcut)));
        }
    }
  g_assert_cmpstr (g_hash_table_lookup (bindings, "space"), ==, "action(camera.capture)");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "Return"), ==, "action(camera.capture)");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "KP_Enter"), ==, "action(camera.capture)");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "Escape"), ==, "action(window.close)");

  gtk_window_close (GTK_WINDOW (dialog));
  wait_done (f);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cache = NULL;
  int status;

  /* Captured photos go to the user cache: keep them in a directory of the
   * test's own. Only the cache moves; GTK still finds its schemas. */
  cache = g_dir_make_tmp ("verval-ui-camera-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);

  ui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ui/camera/capture-and-use", test_capture_and_use);
  ADD ("/ui/camera/no-camera", test_no_camera);
  ADD ("/ui/camera/close-cancels", test_close_cancels);
  ADD ("/ui/camera/cancellable", test_cancellable);
  ADD ("/ui/camera/error-while-running", test_error_while_running);
  ADD ("/ui/camera/keyboard", test_keyboard);

#undef ADD

  status = g_test_run ();
  ui_test_remove_tree (cache);
  return status;
}
