/* verval-camera.c: live camera frames and still capture (GStreamer)
 *
 * The pipeline is "<source> ! videoconvert ! appsink" with RGBA caps. Debian 12
 * has no gtk4paintablesink, and the client may not know GTK anyway, so frames
 * leave here as GBytes that wrap the mapped GStreamer buffer (no copy); the UI
 * turns them into textures. The appsink keeps one buffer and drops the rest,
 * so a slow main loop shows fewer frames instead of queueing stale ones.
 *
 * Preview frames are the full-resolution frames: the still is taken from the
 * very frame the coordinator saw, with no second capture path to go wrong.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-camera"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <libexif/exif-data.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

#include "verval-camera.h"

/* A camera that opens but never delivers a picture (a wedged driver, a
 * virtual device without a producer) must not leave the dialog spinning. */
#define START_TIMEOUT_SECONDS 10

struct _VervalCamera
{
  GObject            parent_instance;

  char              *source;
  VervalCameraState  state;
  GError            *error;

  /* Owned while started; touched only on the main context. */
  GMainContext      *context;
  GstElement        *pipeline;
  GSource           *bus_source;
  GTask             *start_task;
  GSource           *start_timeout;
  GSource           *cancel_source;

  /* Shared with the streaming thread. */
  GMutex             lock;
  GstSample         *latest;
  GSource           *frame_source;
  guint64            n_frames;
};

G_DEFINE_FINAL_TYPE (VervalCamera, verval_camera, G_TYPE_OBJECT)
G_DEFINE_QUARK (verval-camera-error-quark, verval_camera_error)

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_STATE,
  N_PROPS
};

enum {
  SIGNAL_FRAME,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_state (VervalCamera      *self,
           VervalCameraState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Releases the pipeline and everything that could still call back into us.
 * Setting the pipeline to NULL joins the streaming thread, so after it no
 * new frame source can appear. */
static void
teardown (VervalCamera *self)
{
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_clear_object (&self->pipeline);
    }
  clear_source (&self->bus_source);
  clear_source (&self->start_timeout);
  clear_source (&self->cancel_source);

  g_mutex_lock (&self->lock);
  clear_source (&self->frame_source);
  g_clear_pointer (&self->latest, gst_sample_unref);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&self->context, g_main_context_unref);
}

/* Ends the current run with @error (taken): a pending start fails with it,
 * a running camera moves to the error state for the UI to show. */
static void
fail (VervalCamera *self,
      GError       *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_debug ("camera failed: %s", error->message);
  teardown (self);
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  set_state (self, VERVAL_CAMERA_STATE_ERROR);
  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static GError *
error_from_message (VervalCamera *self,
                    GstMessage   *message)
{
  g_autoptr(GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *element = NULL;
  gboolean running = self->state == VERVAL_CAMERA_STATE_RUNNING;

  gst_message_parse_error (message, &gst_error, &debug);
  element = GST_MESSAGE_SRC (message) ? gst_object_get_path_string (GST_MESSAGE_SRC (message))
                                      : g_strdup ("?");
  g_debug ("%s: %s (%s)", element, gst_error->message, debug ? debug : "");

  if (gst_error->domain == GST_RESOURCE_ERROR)
    {
      switch (gst_error->code)
        {
        case GST_RESOURCE_ERROR_NOT_FOUND:
          if (!running)
            return g_error_new (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA,
                                _("No camera found: %s"), gst_error->message);
          G_GNUC_FALLTHROUGH;
        case GST_RESOURCE_ERROR_READ:
        case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
          if (running)
            return g_error_new (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_DISCONNECTED,
                                _("The camera stopped working; it may have been unplugged (%s)"),
                                gst_error->message);
          break;
        case GST_RESOURCE_ERROR_NOT_AUTHORIZED:
          return g_error_new (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_PERMISSION,
                              _("This user may not use the camera: %s"), gst_error->message);
        case GST_RESOURCE_ERROR_BUSY:
          return g_error_new_literal (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_BUSY,
                                      _("The camera is in use by another application; close it and try again"));
        default:
          break;
        }
    }

  return g_error_new (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                      _("The camera failed: %s"), gst_error->message);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  VervalCamera *self = VERVAL_CAMERA (user_data);

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      fail (self, error_from_message (self, message));
      /* fail() destroyed this watch; returning REMOVE keeps GLib from
       * touching it a second time. */
      return G_SOURCE_REMOVE;

    case GST_MESSAGE_EOS:
      /* Cameras do not end; a source that does (a test pattern with
       * num-buffers, a device gone quietly) leaves the last frame usable. */
      if (self->start_task != NULL)
        {
          fail (self, g_error_new_literal (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_FRAME,
                                           _("The camera ended without delivering a picture")));
          return G_SOURCE_REMOVE;
        }
      g_debug ("end of stream after %" G_GUINT64_FORMAT " frames", self->n_frames);
      return G_SOURCE_CONTINUE;

    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) warning = NULL;
        g_autofree char *debug = NULL;

        /* Not g_warning(): tests run with fatal warnings, and a camera
         * warning (dropped frames, odd caps) is not a program error. */
        gst_message_parse_warning (message, &warning, &debug);
        g_debug ("GStreamer warning: %s (%s)", warning->message, debug ? debug : "");
        return G_SOURCE_CONTINUE;
      }

    default:
      return G_SOURCE_CONTINUE;
    }
}

typedef struct {
  GstVideoFrame frame;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *mapped = data;

  gst_video_frame_unmap (&mapped->frame);
  g_free (mapped);
}

/* Wraps the sample's pixels without copying; the GBytes keeps the buffer
 * mapped (and referenced) for as long as anyone holds it. */
static GBytes *
bytes_from_sample (GstSample *sample,
                   guint     *width,
                   guint     *height,
                   gsize     *stride)
{
  GstVideoInfo info;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  MappedFrame *mapped;
  gsize plane_stride;
  guint h;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;
  if (GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGBA)
    return NULL;

  mapped = g_new0 (MappedFrame, 1);
  if (!gst_video_frame_map (&mapped->frame, &info, buffer, GST_MAP_READ))
    {
      g_free (mapped);
      return NULL;
    }

  plane_stride = GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0);
  h = GST_VIDEO_FRAME_HEIGHT (&mapped->frame);
  if (width != NULL)
    *width = GST_VIDEO_FRAME_WIDTH (&mapped->frame);
  if (height != NULL)
    *height = h;
  if (stride != NULL)
    *stride = plane_stride;

  return g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0),
                                     plane_stride * h, mapped_frame_free, mapped);
}

static gboolean
deliver_frame (gpointer user_data)
{
  g_autoptr(VervalCamera) self = g_object_ref (VERVAL_CAMERA (user_data));
  g_autoptr(GstSample) sample = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GSource *source;
  guint width = 0, height = 0;
  gsize stride = 0;

  g_mutex_lock (&self->lock);
  source = g_steal_pointer (&self->frame_source);
  if (self->latest != NULL)
    sample = gst_sample_ref (self->latest);
  g_mutex_unlock (&self->lock);
  /* The context holds its own reference while dispatching. */
  g_clear_pointer (&source, g_source_unref);

  if (sample == NULL)
    return G_SOURCE_REMOVE;

  bytes = bytes_from_sample (sample, &width, &height, &stride);
  if (bytes == NULL)
    {
      fail (self, g_error_new_literal (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                                       _("The camera delivered a picture in a format that cannot be shown")));
      return G_SOURCE_REMOVE;
    }

  if (self->start_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

      clear_source (&self->start_timeout);
      clear_source (&self->cancel_source);
      set_state (self, VERVAL_CAMERA_STATE_RUNNING);
      g_task_return_boolean (task, TRUE);
    }

  /* The start callback may have stopped us already. */
  if (self->state == VERVAL_CAMERA_STATE_RUNNING)
    g_signal_emit (self, signals[SIGNAL_FRAME], 0, bytes, width, height, (guint) stride);

  return G_SOURCE_REMOVE;
}

/* Streaming thread. Only the newest sample is kept, and at most one
 * delivery is pending on the main context. */
static GstFlowReturn
on_new_sample (GstAppSink *sink,
               gpointer    user_data)
{
  VervalCamera *self = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->latest, gst_sample_unref);
  self->latest = sample;
  self->n_frames++;
  if (self->frame_source == NULL && self->context != NULL)
    {
      self->frame_source = g_idle_source_new ();
      g_source_set_priority (self->frame_source, G_PRIORITY_DEFAULT);
      g_source_set_name (self->frame_source, "[verval] camera frame");
      g_source_set_callback (self->frame_source, deliver_frame, self, NULL);
      g_source_attach (self->frame_source, self->context);
    }
  g_mutex_unlock (&self->lock);

  return GST_FLOW_OK;
}

static gboolean
on_start_timeout (gpointer user_data)
{
  VervalCamera *self = VERVAL_CAMERA (user_data);

  g_clear_pointer (&self->start_timeout, g_source_unref);
  fail (self, g_error_new (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_FRAME,
                           _("The camera did not deliver a picture within %d seconds"),
                           START_TIMEOUT_SECONDS));
  return G_SOURCE_REMOVE;
}

static gboolean
on_start_cancelled (GCancellable *cancellable,
                    gpointer      user_data)
{
  VervalCamera *self = VERVAL_CAMERA (user_data);

  g_clear_pointer (&self->cancel_source, g_source_unref);
  verval_camera_stop (self);
  return G_SOURCE_REMOVE;
}

static const char *
default_source (void)
{
  const char *env = g_getenv ("VERVAL_CAMERA_SOURCE");

  return env != NULL && *env != '\0' ? env : NULL;
}

/* The first capture device the system knows, or NULL. Video4Linux lists only
 * capture nodes here, not the metadata nodes that share /dev/video*. */
static GstElement *
create_default_source (GError **error)
{
  g_autoptr(GstDeviceMonitor) monitor = gst_device_monitor_new ();
  GList *devices;
  GstElement *element = NULL;

  gst_device_monitor_add_filter (monitor, "Video/Source", NULL);
  devices = gst_device_monitor_get_devices (monitor);
  if (devices != NULL)
    {
      g_autofree char *name = gst_device_get_display_name (devices->data);

      g_debug ("using camera “%s”", name);
      element = gst_device_create_element (devices->data, "source");
    }
  g_list_free_full (devices, gst_object_unref);

  if (element == NULL)
    g_set_error_literal (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA,
                         _("No camera found on this device"));
  return element;
}

/* A missing or forbidden device node is the common failure and GStreamer's
 * own message for it is cryptic; say it plainly before starting anything. */
static gboolean
check_v4l2_devices (GstElement  *source,
                    GError     **error)
{
  g_autoptr(GstIterator) iter = NULL;
  GValue item = G_VALUE_INIT;
  GstIteratorResult result;
  gboolean ok = TRUE;
  GList *elements = NULL;

  if (GST_IS_BIN (source))
    {
      iter = gst_bin_iterate_recurse (GST_BIN (source));
      while ((result = gst_iterator_next (iter, &item)) != GST_ITERATOR_DONE)
        {
          if (result == GST_ITERATOR_RESYNC)
            {
              g_list_free_full (g_steal_pointer (&elements), gst_object_unref);
              gst_iterator_resync (iter);
              continue;
            }
          if (result == GST_ITERATOR_ERROR)
            break;
          elements = g_list_prepend (elements, g_value_dup_object (&item));
          g_value_reset (&item);
        }
      g_value_unset (&item);
    }
  else
    elements = g_list_prepend (elements, gst_object_ref (source));

  for (GList *l = elements; l != NULL && ok; l = l->next)
    {
      GstElementFactory *factory = gst_element_get_factory (l->data);
      g_autofree char *device = NULL;

      if (factory == NULL
          || g_strcmp0 (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), "v4l2src") != 0)
        continue;

      g_object_get (l->data, "device", &device, NULL);
      if (device == NULL)
        continue;
      if (!g_file_test (device, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_CAMERA,
                       _("No camera found: %s does not exist"), device);
          ok = FALSE;
        }
      else if (g_access (device, R_OK | W_OK) != 0)
        {
          g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_PERMISSION,
                       _("This user may not use the camera %s (%s); ask for the user to be added to the “video” group"),
                       device, g_strerror (errno));
          ok = FALSE;
        }
    }

  g_list_free_full (elements, gst_object_unref);
  return ok;
}

static GstElement *
build_pipeline (VervalCamera  *self,
                GError       **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstElement *source;
  GstElement *convert;
  GstElement *sink;
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };
  const char *description = self->source != NULL ? self->source : default_source ();

  if (description != NULL)
    {
      g_autoptr(GError) parse_error = NULL;

      source = gst_parse_bin_from_description (description, TRUE, &parse_error);
      /* A misspelt property comes back as a bin plus an error; running it
       * would silently ignore what was asked for. */
      if (source == NULL || parse_error != NULL)
        {
          if (source != NULL)
            gst_object_unref (gst_object_ref_sink (source));
          g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                       _("The camera source “%s” cannot be used: %s"),
                       description, parse_error->message);
          return NULL;
        }
      gst_object_ref_sink (source);
    }
  else
    {
      source = create_default_source (error);
      if (source == NULL)
        return NULL;
      gst_object_ref_sink (source);
    }

  if (!check_v4l2_devices (source, error))
    {
      gst_object_unref (source);
      return NULL;
    }

  pipeline = gst_object_ref_sink (gst_pipeline_new ("verval-camera"));
  convert = gst_element_factory_make ("videoconvert", "convert");
  sink = gst_element_factory_make ("appsink", "sink");
  if (convert == NULL || sink == NULL)
    {
      gst_object_unref (source);
      if (convert != NULL)
        gst_object_unref (gst_object_ref_sink (convert));
      if (sink != NULL)
        gst_object_unref (gst_object_ref_sink (sink));
      g_set_error_literal (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                           _("The camera cannot be used: GStreamer's base plugins are not installed"));
      return NULL;
    }

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);
  g_object_set (sink,
                "caps", caps,
                "max-buffers", 1,
                "drop", TRUE,
                "enable-last-sample", FALSE,
                NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);

  gst_bin_add_many (GST_BIN (pipeline), source, convert, sink, NULL);
  gst_object_unref (source);
  if (!gst_element_link_many (source, convert, sink, NULL))
    {
      g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                   _("The camera source “%s” does not produce video"),
                   description != NULL ? description : "default");
      return NULL;
    }

  return g_steal_pointer (&pipeline);
}

static void
verval_camera_dispose (GObject *object)
{
  VervalCamera *self = VERVAL_CAMERA (object);

  /* A pending start holds a reference, so none can be pending here. */
  g_assert (self->start_task == NULL);
  teardown (self);

  G_OBJECT_CLASS (verval_camera_parent_class)->dispose (object);
}

static void
verval_camera_finalize (GObject *object)
{
  VervalCamera *self = VERVAL_CAMERA (object);

  g_free (self->source);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (verval_camera_parent_class)->finalize (object);
}

static void
verval_camera_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  VervalCamera *self = VERVAL_CAMERA (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_camera_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  VervalCamera *self = VERVAL_CAMERA (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_free (self->source);
      self->source = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_camera_class_init (VervalCameraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = verval_camera_dispose;
  object_class->finalize = verval_camera_finalize;
  object_class->get_property = verval_camera_get_property;
  object_class->set_property = verval_camera_set_property;

  /* A gst-launch style source description; NULL picks
   * $VERVAL_CAMERA_SOURCE, then the first camera the system lists. */
  properties[PROP_SOURCE] =
    g_param_spec_string ("source", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* A VervalCameraState; plain int to keep the client free of enum types. */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      VERVAL_CAMERA_STATE_STOPPED, VERVAL_CAMERA_STATE_ERROR,
                      VERVAL_CAMERA_STATE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* VervalCamera::frame: (pixels: GBytes, width, height, stride), RGBA with
   * opaque alpha, emitted on the main context the camera was started from. */
  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_BYTES, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
}

static void
verval_camera_init (VervalCamera *self)
{
  g_mutex_init (&self->lock);
}

VervalCamera *
verval_camera_new (const char *source_description)
{
  return g_object_new (VERVAL_TYPE_CAMERA, "source", source_description, NULL);
}

const char *
verval_camera_get_source (VervalCamera *self)
{
  g_return_val_if_fail (VERVAL_IS_CAMERA (self), NULL);

  return self->source != NULL ? self->source : default_source ();
}

VervalCameraState
verval_camera_get_state (VervalCamera *self)
{
  g_return_val_if_fail (VERVAL_IS_CAMERA (self), VERVAL_CAMERA_STATE_STOPPED);

  return self->state;
}

/* Why the camera is in the error state, or NULL. */
const GError *
verval_camera_get_error (VervalCamera *self)
{
  g_return_val_if_fail (VERVAL_IS_CAMERA (self), NULL);

  return self->error;
}

guint64
verval_camera_get_frame_count (VervalCamera *self)
{
  guint64 n;

  g_return_val_if_fail (VERVAL_IS_CAMERA (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_frames;
  g_mutex_unlock (&self->lock);
  return n;
}

/* Completes once the first frame has arrived (the preview shows a picture),
 * or fails with a VERVAL_CAMERA_ERROR. Frames and errors are delivered on the
 * thread-default main context of the caller. */
void
verval_camera_start_async (VervalCamera        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstStateChangeReturn ret;

  g_return_if_fail (VERVAL_IS_CAMERA (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_camera_start_async);

  if (self->state == VERVAL_CAMERA_STATE_STARTING || self->state == VERVAL_CAMERA_STATE_RUNNING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The camera is already started");
      return;
    }

  g_clear_error (&self->error);
  g_mutex_lock (&self->lock);
  self->n_frames = 0;
  g_mutex_unlock (&self->lock);

  if (!gst_init_check (NULL, NULL, &error))
    {
      fail (self, g_error_new (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                               _("The camera cannot be used: %s"), error->message));
      g_task_return_error (task, g_error_copy (self->error));
      return;
    }

  self->context = g_main_context_ref_thread_default ();
  self->pipeline = build_pipeline (self, &error);
  if (self->pipeline == NULL)
    {
      fail (self, g_steal_pointer (&error));
      g_task_return_error (task, g_error_copy (self->error));
      return;
    }

  self->start_task = g_steal_pointer (&task);
  set_state (self, VERVAL_CAMERA_STATE_STARTING);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, G_SOURCE_FUNC (on_bus_message), self, NULL);
  g_source_attach (self->bus_source, self->context);

  self->start_timeout = g_timeout_source_new_seconds (START_TIMEOUT_SECONDS);
  g_source_set_callback (self->start_timeout, on_start_timeout, self, NULL);
  g_source_attach (self->start_timeout, self->context);

  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_start_cancelled), self, NULL);
      g_source_attach (self->cancel_source, self->context);
    }

  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      /* The reason is on the bus already; take it now rather than after
       * another main loop turn. */
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (message != NULL)
        fail (self, error_from_message (self, message));
      else
        fail (self, g_error_new_literal (VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                                         _("The camera could not be started")));
    }
}

gboolean
verval_camera_start_finish (VervalCamera  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (VERVAL_IS_CAMERA (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Releases the device and forgets any error. A pending start fails with
 * G_IO_ERROR_CANCELLED. */
void
verval_camera_stop (VervalCamera *self)
{
  g_return_if_fail (VERVAL_IS_CAMERA (self));

  if (self->start_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Starting the camera was cancelled"));
    }
  teardown (self);
  g_clear_error (&self->error);
  set_state (self, VERVAL_CAMERA_STATE_STOPPED);
}

/* The newest frame (RGBA, opaque), or NULL before the first one. It stays
 * valid after the camera stops as long as the caller holds it. */
GBytes *
verval_camera_dup_frame (VervalCamera *self,
                         guint        *width,
                         guint        *height,
                         gsize        *stride)
{
  g_autoptr(GstSample) sample = NULL;

  g_return_val_if_fail (VERVAL_IS_CAMERA (self), NULL);

  g_mutex_lock (&self->lock);
  if (self->latest != NULL)
    sample = gst_sample_ref (self->latest);
  g_mutex_unlock (&self->lock);

  if (sample == NULL)
    return NULL;
  return bytes_from_sample (sample, width, height, stride);
}

/* Writes the newest frame as a JPEG into @dir; see verval_camera_write_jpeg(). */
gboolean
verval_camera_capture_to_file (VervalCamera  *self,
                               const char    *dir,
                               char         **out_path,
                               GError       **error)
{
  g_autoptr(GBytes) pixels = NULL;
  guint width = 0, height = 0;
  gsize stride = 0;

  g_return_val_if_fail (VERVAL_IS_CAMERA (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (out_path != NULL && *out_path == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pixels = verval_camera_dup_frame (self, &width, &height, &stride);
  if (pixels == NULL)
    {
      g_set_error_literal (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_NO_FRAME,
                           _("The camera has not delivered a picture yet"));
      return FALSE;
    }
  return verval_camera_write_jpeg (pixels, width, height, stride, dir, out_path, error);
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegError;

static void
jpeg_error_exit (j_common_ptr cinfo)
{
  JpegError *err = (JpegError *) cinfo->err;

  err->pub.format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
jpeg_silent (j_common_ptr cinfo)
{
}

/* The capture time as EXIF DateTimeOriginal, the field the photo pipeline
 * reads "taken at" from. Returns NULL if libexif cannot build it. */
static guchar *
exif_block_now (unsigned int *len)
{
  ExifData *exif = exif_data_new ();
  ExifEntry *entry;
  guchar *block = NULL;

  if (exif == NULL)
    return NULL;
  exif_data_set_byte_order (exif, EXIF_BYTE_ORDER_INTEL);
  entry = exif_entry_new ();
  if (entry != NULL)
    {
      exif_content_add_entry (exif->ifd[EXIF_IFD_EXIF], entry);
      /* Initialising a date tag fills in the current local time. */
      exif_entry_initialize (entry, EXIF_TAG_DATE_TIME_ORIGINAL);
      exif_entry_unref (entry);
      exif_data_save_data (exif, &block, len);
    }
  exif_data_unref (exif);
  return block;
}

static gboolean
encode_jpeg (const guint8   *pixels,
             guint           width,
             guint           height,
             gsize           stride,
             unsigned char **out,
             unsigned long  *out_len,
             GError        **error)
{
  struct jpeg_compress_struct cinfo;
  JpegError jerr;
  guchar *exif = NULL;
  unsigned int exif_len = 0;

  memset (&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  jerr.pub.output_message = jpeg_silent;
  *out = NULL;
  *out_len = 0;

  if (setjmp (jerr.jump))
    {
      g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                   _("The picture could not be encoded: %s"), jerr.message);
      jpeg_destroy_compress (&cinfo);
      free (*out);
      *out = NULL;
      free (exif);
      return FALSE;
    }

  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, out, out_len);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBX;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, VERVAL_CAMERA_JPEG_QUALITY, TRUE);
  cinfo.optimize_coding = TRUE;
  jpeg_start_compress (&cinfo, TRUE);

  exif = exif_block_now (&exif_len);
  if (exif != NULL && exif_len > 0 && exif_len <= 65533)
    jpeg_write_marker (&cinfo, JPEG_APP0 + 1, exif, exif_len);
  free (exif);
  exif = NULL;

  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) (pixels + (gsize) cinfo.next_scanline * stride);

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  return TRUE;
}

/* Encodes an RGBA frame as a JPEG in @dir under a fresh name. The file
 * appears complete or not at all: GLib writes a temporary file, syncs it and
 * renames it; the directory is synced after. */
gboolean
verval_camera_write_jpeg (GBytes      *rgba,
                          guint        width,
                          guint        height,
                          gsize        stride,
                          const char  *dir,
                          char       **out_path,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  unsigned char *jpeg = NULL;
  unsigned long jpeg_len = 0;
  gsize size;
  const guint8 *pixels;
  gboolean ok;
  int fd;

  g_return_val_if_fail (rgba != NULL, FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (out_path != NULL && *out_path == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pixels = g_bytes_get_data (rgba, &size);
  if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION
      || stride < (gsize) width * 4 || size < stride * (height - 1) + (gsize) width * 4)
    {
      g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                   _("The picture could not be encoded: a %u × %u frame does not fit its buffer"),
                   width, height);
      return FALSE;
    }

  if (!encode_jpeg (pixels, width, height, stride, &jpeg, &jpeg_len, error))
    return FALSE;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      free (jpeg);
      g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                   _("The photo could not be saved in %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Time for people browsing the folder, randomness for two captures in the
   * same millisecond. */
  do
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
      g_autofree char *name = g_strdup_printf ("camera-%s-%03d-%08x.jpg", stamp,
                                               g_date_time_get_microsecond (now) / 1000,
                                               g_random_int ());

      g_free (path);
      path = g_build_filename (dir, name, NULL);
    }
  while (g_file_test (path, G_FILE_TEST_EXISTS));

  ok = g_file_set_contents_full (path, (const char *) jpeg, jpeg_len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error);
  free (jpeg);
  if (!ok)
    {
      g_set_error (error, VERVAL_CAMERA_ERROR, VERVAL_CAMERA_ERROR_FAILED,
                   _("The photo could not be saved in %s: %s"), dir, local_error->message);
      return FALSE;
    }

  /* The rename itself is durable only once the directory is synced. */
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }

  *out_path = g_steal_pointer (&path);
  return TRUE;
}
