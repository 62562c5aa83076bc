/* verval-camera-dialog.h: live camera preview, capture and review
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VERVAL_TYPE_CAMERA_DIALOG (verval_camera_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VervalCameraDialog, verval_camera_dialog, VERVAL, CAMERA_DIALOG, AdwWindow)

/* Opens the dialog over @parent and completes with the path of a JPEG the
 * coordinator accepted ("Use Photo"). The file lies in the user's cache; the
 * caller imports it (verval_photo_import_file) and then deletes it.
 *
 * Errors: G_IO_ERROR_CANCELLED when the dialog was closed or @cancellable
 * fired; a VERVAL_CAMERA_ERROR when the camera failed and the coordinator
 * chose to pick photo files instead, so the caller opens a file chooser.
 *
 * @source: a GStreamer source description, or NULL for the default camera
 * (see verval_camera_new()). */
void        verval_camera_dialog_run_async  (GtkWindow           *parent,
                                             const char          *source,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char       *verval_camera_dialog_run_finish (GAsyncResult        *result,
                                             GError             **error);

/* "starting", "preview", "review" or "error": what the dialog shows. */
const char *verval_camera_dialog_get_page   (VervalCameraDialog  *self);

G_END_DECLS
