/* verval-camera.h: live camera frames and still capture (GStreamer)
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VERVAL_CAMERA_ERROR (verval_camera_error_quark ())

typedef enum {
  VERVAL_CAMERA_ERROR_NO_CAMERA,     /* no video device, or the named one is absent */
  VERVAL_CAMERA_ERROR_PERMISSION,    /* the device exists but may not be opened */
  VERVAL_CAMERA_ERROR_BUSY,          /* another application holds the camera */
  VERVAL_CAMERA_ERROR_DISCONNECTED,  /* it stopped delivering while running */
  VERVAL_CAMERA_ERROR_NO_FRAME,      /* nothing captured yet, or start timed out */
  VERVAL_CAMERA_ERROR_FAILED,
} VervalCameraError;

typedef enum {
  VERVAL_CAMERA_STATE_STOPPED,
  VERVAL_CAMERA_STATE_STARTING,
  VERVAL_CAMERA_STATE_RUNNING,
  VERVAL_CAMERA_STATE_ERROR,
} VervalCameraState;

/* JPEG quality of captured stills: high, the photo pipeline re-encodes. */
#define VERVAL_CAMERA_JPEG_QUALITY 92

#define VERVAL_TYPE_CAMERA (verval_camera_get_type ())
G_DECLARE_FINAL_TYPE (VervalCamera, verval_camera, VERVAL, CAMERA, GObject)

GQuark             verval_camera_error_quark      (void);

/* @source_description: a gst-launch style source ("v4l2src device=/dev/video2",
 * "v4l2src ! image/jpeg,width=1920 ! jpegdec", "videotestsrc pattern=smpte");
 * caps at its end need an explicit "capsfilter caps=…". NULL means
 * $VERVAL_CAMERA_SOURCE, else the first camera the system lists. */
VervalCamera      *verval_camera_new              (const char          *source_description);
const char        *verval_camera_get_source       (VervalCamera        *self);
VervalCameraState  verval_camera_get_state        (VervalCamera        *self);
const GError      *verval_camera_get_error        (VervalCamera        *self);
guint64            verval_camera_get_frame_count  (VervalCamera        *self);

void               verval_camera_start_async      (VervalCamera        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean           verval_camera_start_finish     (VervalCamera        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void               verval_camera_stop             (VervalCamera        *self);

GBytes            *verval_camera_dup_frame        (VervalCamera        *self,
                                                   guint               *width,
                                                   guint               *height,
                                                   gsize               *stride);
gboolean           verval_camera_capture_to_file  (VervalCamera        *self,
                                                   const char          *dir,
                                                   char               **out_path,
                                                   GError             **error);

gboolean           verval_camera_write_jpeg       (GBytes              *rgba,
                                                   guint                width,
                                                   guint                height,
                                                   gsize                stride,
                                                   const char          *dir,
                                                   char               **out_path,
                                                   GError             **error);

G_END_DECLS
