/* test-camera.c: camera pipeline, frames, JPEG capture and failures, headless
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libexif/exif-data.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "verval-camera.h"

/* Generous: a loaded CI machine may take a while to load the plugins the
 * first time; a hang still ends the test. */
#define WAIT_SECONDS 20

#define TEST_SOURCE "videotestsrc pattern=smpte num-buffers=600 ! capsfilter caps=video/x-raw,width=320,height=240,framerate=30/1"

typedef struct {
  char         *dir;
  VervalCamera *camera;

  gboolean      start_done;
  gboolean      started;
  GError       *start_error;

  guint         n_frames;
  guint         width;
  guint         height;
  guint         stride;
  gsize         size;
  gboolean      stop_in_frame;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("verval-camera-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->camera != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (f->camera), (gpointer *) &f->camera);
      g_object_unref (f->camera);
      /* Nothing else may keep the camera (and its device) alive. */
      g_assert_null (f->camera);
    }
  g_clear_error (&f->start_error);
  remove_dir (f->dir);
  g_free (f->dir);
}

static gboolean
on_wait_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until *flag is set; a hang fails the test instead of
 * blocking the suite. */
static void
wait_for (gboolean *flag)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_wait_timeout, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
}

static void
on_started (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *f = user_data;

  f->started = verval_camera_start_finish (VERVAL_CAMERA (object), result, &f->start_error);
  f->start_done = TRUE;
}

static void
on_frame (VervalCamera *camera,
          GBytes       *pixels,
          guint         width,
          guint         height,
          guint         stride,
          gpointer      user_data)
{
  Fixture *f = user_data;

  f->n_frames++;
  f->width = width;
  f->height = height;
  f->stride = stride;
  f->size = g_bytes_get_size (pixels);
  if (f->stop_in_frame)
    verval_camera_stop (camera);
}

static void
start (Fixture    *f,
       const char *source)
{
  f->camera = verval_camera_new (source);
  g_signal_connect (f->camera, "frame", G_CALLBACK (on_frame), f);
  verval_camera_start_async (f->camera, NULL, on_started, f);
  wait_for (&f->start_done);
}

typedef gboolean (*Condition) (Fixture *f,
                               guint    n);

/* Iterates until @cond holds; FALSE if it did not within WAIT_SECONDS. */
static gboolean
wait_until (Fixture   *f,
            Condition  cond,
            guint      n)
{
  gboolean held;
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_wait_timeout, &timed_out);

  while (!(held = cond (f, n)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return held;
}

static gboolean
has_frames (Fixture *f,
            guint    n)
{
  return f->n_frames >= n;
}

static gboolean
has_pulled (Fixture *f,
            guint    n)
{
  return verval_camera_get_frame_count (f->camera) >= n;
}

static gboolean
has_state (Fixture *f,
           guint    state)
{
  return verval_camera_get_state (f->camera) == (VervalCameraState) state;
}

static gboolean
frames_at_least (Fixture *f,
                 guint    n)
{
  return wait_until (f, has_frames, n);
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
} TestJpegError;

static void
test_jpeg_error_exit (j_common_ptr cinfo)
{
  longjmp (((TestJpegError *) cinfo->err)->jump, 1);
}

/* Decodes @path and returns how many distinct colours (coarsely binned)
 * it holds, so a black or single-colour frame is caught. */
static guint
decode_jpeg (const char *path,
             guint      *width,
             guint      *height)
{
  struct jpeg_decompress_struct cinfo;
  TestJpegError jerr;
  g_autofree guint8 *row = NULL;
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  FILE *file = fopen (path, "rb");

  g_assert_nonnull (file);
  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = test_jpeg_error_exit;
  if (setjmp (jerr.jump))
    {
      jpeg_destroy_decompress (&cinfo);
      fclose (file);
      g_assert_not_reached ();
    }
  jpeg_create_decompress (&cinfo);
  jpeg_stdio_src (&cinfo, file);
  g_assert_cmpint (jpeg_read_header (&cinfo, TRUE), ==, JPEG_HEADER_OK);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress (&cinfo);
  *width = cinfo.output_width;
  *height = cinfo.output_height;
  row = g_malloc ((gsize) cinfo.output_width * 3);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW rows[1] = { row };

      jpeg_read_scanlines (&cinfo, rows, 1);
      for (guint x = 0; x < cinfo.output_width; x += 8)
        {
          guint key = (row[x * 3] >> 5) << 6 | (row[x * 3 + 1] >> 5) << 3 | (row[x * 3 + 2] >> 5);

          g_hash_table_add (colours, GUINT_TO_POINTER (key + 1));
        }
    }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  fclose (file);
  return g_hash_table_size (colours);
}

static guint
count_files (const char *path,
             const char *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (suffix == NULL || g_str_has_suffix (name, suffix))
      n++;
  return n;
}

static void
test_frames_and_capture (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *second = NULL;
  g_autofree char *photos = g_build_filename (f->dir, "photos", NULL);
  g_autoptr(GBytes) frame = NULL;
  ExifData *exif;
  ExifEntry *taken;
  guint width = 0, height = 0;
  gsize stride = 0;

  start (f, TEST_SOURCE);
  g_assert_no_error (f->start_error);
  g_assert_true (f->started);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_RUNNING);
  g_assert_null (verval_camera_get_error (f->camera));
  g_assert_cmpstr (verval_camera_get_source (f->camera), ==, TEST_SOURCE);

  g_assert_true (frames_at_least (f, 3));
  g_assert_cmpuint (f->width, ==, 320);
  g_assert_cmpuint (f->height, ==, 240);
  g_assert_cmpuint (f->stride, >=, 320 * 4);
  g_assert_cmpuint (f->size, >=, (gsize) f->stride * 239 + 320 * 4);
  g_assert_cmpuint (verval_camera_get_frame_count (f->camera), >=, f->n_frames);

  frame = verval_camera_dup_frame (f->camera, &width, &height, &stride);
  g_assert_nonnull (frame);
  g_assert_cmpuint (width, ==, 320);
  g_assert_cmpuint (height, ==, 240);
  /* RGBA with opaque alpha: the UI shows it as a straight-alpha texture. */
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (frame, NULL))[3], ==, 255);

  /* The photo folder is created on demand. */
  g_assert_true (verval_camera_capture_to_file (f->camera, photos, &path, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, photos));
  g_assert_true (g_str_has_suffix (path, ".jpg"));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  /* Nothing else: no temporary file left behind. */
  g_assert_cmpuint (count_files (photos, NULL), ==, 1);

  /* SMPTE bars: many colours, full size. */
  g_assert_cmpuint (decode_jpeg (path, &width, &height), >=, 6);
  g_assert_cmpuint (width, ==, 320);
  g_assert_cmpuint (height, ==, 240);

  exif = exif_data_new_from_file (path);
  g_assert_nonnull (exif);
  taken = exif_content_get_entry (exif->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
  g_assert_nonnull (taken);
  g_assert_cmpuint (taken->size, ==, 20);
  exif_data_unref (exif);

  /* Two captures never share a name. */
  g_assert_true (verval_camera_capture_to_file (f->camera, photos, &second, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (path, !=, second);
  g_assert_cmpuint (count_files (photos, ".jpg"), ==, 2);

  verval_camera_stop (f->camera);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_STOPPED);
  g_assert_null (verval_camera_dup_frame (f->camera, NULL, NULL, NULL));
  /* A frame taken before stopping stays readable. */
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (frame, NULL))[3], ==, 255);
}

/* A source that ends (a test pattern with num-buffers) keeps its last frame
 * for capture instead of failing. */
static void
test_end_of_stream (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint width, height;

  start (f, "videotestsrc pattern=ball num-buffers=4 ! capsfilter caps=video/x-raw,width=64,height=48");
  g_assert_no_error (f->start_error);
  g_assert_true (frames_at_least (f, 1));
  g_assert_true (wait_until (f, has_pulled, 4));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_RUNNING);
  g_assert_true (verval_camera_capture_to_file (f->camera, f->dir, &path, &error));
  g_assert_no_error (error);
  decode_jpeg (path, &width, &height);
  g_assert_cmpuint (width, ==, 64);
  g_assert_cmpuint (height, ==, 48);
}

static void
test_no_device (Fixture       *f,
                gconstpointer  data)
{
  const GError *state_error;

  start (f, "v4l2src device=/dev/video99");
  g_assert_false (f->started);
  g_assert_error (f->start_error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA);
  g_assert_nonnull (strstr (f->start_error->message, "/dev/video99"));
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_ERROR);
  state_error = verval_camera_get_error (f->camera);
  g_assert_error ((GError *) state_error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA);
  g_assert_cmpuint (f->n_frames, ==, 0);
}

/* Without a configured source the system's camera list decides; on a machine
 * with none (CI) that must be the same clear error. */
static void
test_default_without_camera (Fixture       *f,
                             gconstpointer  data)
{
  if (g_file_test ("/dev/video0", G_FILE_TEST_EXISTS)
      || g_file_test ("/dev/video1", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this machine has a camera");
      return;
    }
  g_unsetenv ("VERVAL_CAMERA_SOURCE");
  start (f, NULL);
  g_assert_error (f->start_error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA);
  g_assert_null (verval_camera_get_source (f->camera));
}

static void
test_environment_source (Fixture       *f,
                         gconstpointer  data)
{
  g_setenv ("VERVAL_CAMERA_SOURCE", "videotestsrc ! capsfilter caps=video/x-raw,width=32,height=16", TRUE);
  start (f, NULL);
  g_unsetenv ("VERVAL_CAMERA_SOURCE");
  g_assert_no_error (f->start_error);
  g_assert_true (frames_at_least (f, 1));
  g_assert_cmpuint (f->width, ==, 32);
  g_assert_cmpuint (f->height, ==, 16);
}

static void
test_bad_source (Fixture       *f,
                 gconstpointer  data)
{
  const char *source = data;

  start (f, source);
  g_assert_error (f->start_error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_ERROR);
}

/* An error after the preview is up (what an unplugged camera looks like)
 * moves the camera to the error state and releases the pipeline. */
static void
test_error_while_running (Fixture       *f,
                          gconstpointer  data)
{
  start (f, "videotestsrc ! video/x-raw,width=64,height=48 ! identity error-after=8");
  g_assert_no_error (f->start_error);
  g_assert_true (f->started);

  g_assert_true (wait_until (f, has_state, VERVAL_CAMERA_STATE_ERROR));
  g_assert_error ((GError *) verval_camera_get_error (f->camera),
                  VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED);
  g_assert_cmpuint (f->n_frames, <, 8);
  g_assert_null (verval_camera_dup_frame (f->camera, NULL, NULL, NULL));

  /* Stopping acknowledges the failure. */
  verval_camera_stop (f->camera);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_STOPPED);
  g_assert_null (verval_camera_get_error (f->camera));
}

static void
test_stop_while_starting (Fixture       *f,
                          gconstpointer  data)
{
  f->camera = verval_camera_new (TEST_SOURCE);
  verval_camera_start_async (f->camera, NULL, on_started, f);
  verval_camera_stop (f->camera);
  wait_for (&f->start_done);
  g_assert_error (f->start_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_STOPPED);
}

static void
test_cancel_start (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  f->camera = verval_camera_new (TEST_SOURCE);
  verval_camera_start_async (f->camera, cancellable, on_started, f);
  g_cancellable_cancel (cancellable);
  wait_for (&f->start_done);
  g_assert_error (f->start_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_STOPPED);
}

/* Stopping from the frame handler, with the next frame likely pending on
 * the main context, must not deliver into a torn-down camera. */
static void
test_stop_in_frame (Fixture       *f,
                    gconstpointer  data)
{
  f->stop_in_frame = TRUE;
  start (f, "videotestsrc ! capsfilter caps=video/x-raw,width=640,height=480,framerate=120/1");
  g_assert_no_error (f->start_error);
  g_assert_true (frames_at_least (f, 1));
  g_assert_cmpuint (f->n_frames, ==, 1);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_frames, ==, 1);
  g_assert_cmpint (verval_camera_get_state (f->camera), ==, VERVAL_CAMERA_STATE_STOPPED);

  /* And it starts again. */
  f->stop_in_frame = FALSE;
  f->start_done = FALSE;
  verval_camera_start_async (f->camera, NULL, on_started, f);
  wait_for (&f->start_done);
  g_assert_no_error (f->start_error);
  g_assert_true (frames_at_least (f, 3));
}

static void
test_capture_without_frame (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->camera = verval_camera_new (TEST_SOURCE);
  g_assert_false (verval_camera_capture_to_file (f->camera, f->dir, &path, &error));
  g_assert_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_FRAME);
  g_assert_null (path);
  g_assert_cmpuint (count_files (f->dir, NULL), ==, 0);
}

/* Bad frames and unwritable folders give an error and leave nothing behind. */
static void
test_write_jpeg_errors (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *blocker = g_build_filename (f->dir, "file", NULL);
  g_autofree char *below_file = g_build_filename (blocker, "photos", NULL);
  g_autoptr(GBytes) small = g_bytes_new_take (g_malloc0 (16 * 4 * 8), 16 * 4 * 8);

  /* 16 × 8 fits, 16 × 9 does not. */
  g_assert_false (verval_camera_write_jpeg (small, 16, 9, 16 * 4, f->dir, &path, &error));
  g_assert_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (verval_camera_write_jpeg (small, 16, 8, 15 * 4, f->dir, &path, &error));
  g_assert_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (verval_camera_write_jpeg (small, 0, 8, 16 * 4, f->dir, &path, &error));
  g_assert_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (path);
  g_assert_cmpuint (count_files (f->dir, NULL), ==, 0);

  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  g_assert_false (verval_camera_write_jpeg (small, 16, 8, 16 * 4, below_file, &path, &error));
  g_assert_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED);
  g_assert_null (path);
  g_assert_cmpuint (count_files (f->dir, NULL), ==, 1);

  g_clear_error (&error);
  g_assert_true (verval_camera_write_jpeg (small, 16, 8, 16 * 4, f->dir, &path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (f->dir, ".jpg"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/client/camera/frames-and-capture", test_frames_and_capture, NULL);
  ADD ("/client/camera/end-of-stream", test_end_of_stream, NULL);
  ADD ("/client/camera/no-device", test_no_device, NULL);
  ADD ("/client/camera/default-without-camera", test_default_without_camera, NULL);
  ADD ("/client/camera/environment-source", test_environment_source, NULL);
  ADD ("/client/camera/unknown-element", test_bad_source, "nosuchcamerasrc");
  ADD ("/client/camera/malformed-description", test_bad_source, "videotestsrc ! ! !");
  ADD ("/client/camera/not-video", test_bad_source, "audiotestsrc");
  ADD ("/client/camera/misspelt-property", test_bad_source, "videotestsrc patern=smpte");
  ADD ("/client/camera/error-while-running", test_error_while_running, NULL);
  ADD ("/client/camera/stop-while-starting", test_stop_while_starting, NULL);
  ADD ("/client/camera/cancel-start", test_cancel_start, NULL);
  ADD ("/client/camera/stop-in-frame", test_stop_in_frame, NULL);
  ADD ("/client/camera/capture-without-frame", test_capture_without_frame, NULL);
  ADD ("/client/camera/write-jpeg-errors", test_write_jpeg_errors, NULL);

#undef ADD

  return g_test_run ();
}
