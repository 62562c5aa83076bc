/* collector-media.h: the content-addressed media folder
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define COLLECTOR_TYPE_MEDIA (collector_media_get_type ())
G_DECLARE_FINAL_TYPE (CollectorMedia, collector_media, COLLECTOR, MEDIA, GObject)

typedef struct _CollectorMediaUpload CollectorMediaUpload;

typedef enum {
  COLLECTOR_MEDIA_STORED,      /* new file in place */
  COLLECTOR_MEDIA_EXISTED,     /* the same bytes were already there */
} CollectorMediaResult;

CollectorMedia        *collector_media_new            (const char      *directory,
                                                       GError         **error);
const char            *collector_media_get_directory  (CollectorMedia  *self);
gboolean               collector_media_has            (CollectorMedia  *self,
                                                       const char      *sha256,
                                                       goffset         *size);
char                  *collector_media_get_path       (CollectorMedia  *self,
                                                       const char      *sha256);

/* A streamed upload: bytes go to a temporary file in the media folder while
 * their hash is computed; finish() fsyncs, compares and renames into place. */
CollectorMediaUpload  *collector_media_upload_new     (CollectorMedia  *self,
                                                       GError         **error);
gboolean               collector_media_upload_write   (CollectorMediaUpload *upload,
                                                       const guint8    *data,
                                                       gsize            length,
                                                       GError         **error);
guint64                collector_media_upload_get_size (CollectorMediaUpload *upload);
gboolean               collector_media_upload_finish  (CollectorMediaUpload *upload,
                                                       const char      *expected_sha256,
                                                       CollectorMediaResult *result,
                                                       GError         **error);
/* Drops the temporary file unless finish() moved it; always frees. */
void                   collector_media_upload_free    (CollectorMediaUpload *upload);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorMediaUpload, collector_media_upload_free)

G_END_DECLS
