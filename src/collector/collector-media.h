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

/* A partial not written for this long is dropped when the collector starts. */
#define COLLECTOR_MEDIA_PARTIAL_MAX_AGE (7 * 24 * 3600)

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

/* Partials: the bytes of an upload that did not complete, kept per hash
 * under tmp/ so that the next request can continue where this one ended.
 * FALSE if there is none and no upload of the hash is running; otherwise
 * *offset is the durable length (what an upload must start at), *busy
 * tells whether an upload of the hash is running now and *idle_seconds
 * (may be NULL) how long that one has received nothing. */
gboolean               collector_media_get_partial    (CollectorMedia  *self,
                                                       const char      *sha256,
                                                       guint64         *offset,
                                                       gboolean        *busy,
                                                       gint64          *idle_seconds);
/* Removes partials not written for max_age_seconds and files those that
 * hash to their name (complete when the collector stopped); returns how
 * many were removed. */
guint                  collector_media_clean_partials (CollectorMedia  *self,
                                                       gint64           max_age_seconds);

/* A streamed upload into the hash's partial file. start is the offset the
 * body begins at: it must equal the partial's length (else
 * COLLECTOR_ERROR_OFFSET_MISMATCH, and *held tells the length), or -1 for
 * a whole body that replaces any partial. total is the photo's size when
 * known (0 if not): a partial that holds that many bytes or more cannot
 * be continued, so a start of 0 replaces it and any other start drops it
 * (OFFSET_MISMATCH, *held 0). Only one upload of a hash runs at a time
 * (else COLLECTOR_ERROR_UPLOAD_BUSY). write() only writes, so it is cheap
 * on a main loop; finish() fsyncs, hashes the whole file, compares and
 * renames into place: run it on a worker. keep() fsyncs and leaves the
 * bytes for a later request; free() without either drops them. */
CollectorMediaUpload  *collector_media_upload_begin   (CollectorMedia  *self,
                                                       const char      *sha256,
                                                       gint64           start,
                                                       guint64          total,
                                                       guint64         *held,
                                                       GError         **error);
gboolean               collector_media_upload_write   (CollectorMediaUpload *upload,
                                                       const guint8    *data,
                                                       gsize            length,
                                                       GError         **error);
/* Bytes this request wrote. */
guint64                collector_media_upload_get_size (CollectorMediaUpload *upload);
/* Bytes the partial holds now, from its start. */
guint64                collector_media_upload_get_offset (CollectorMediaUpload *upload);
gboolean               collector_media_upload_finish  (CollectorMediaUpload *upload,
                                                       const char      *expected_sha256,
                                                       CollectorMediaResult *result,
                                                       GError         **error);
gboolean               collector_media_upload_keep    (CollectorMediaUpload *upload,
                                                       GError         **error);
/* Always frees and releases the hash for the next upload. */
void                   collector_media_upload_free    (CollectorMediaUpload *upload);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorMediaUpload, collector_media_upload_free)

G_END_DECLS
