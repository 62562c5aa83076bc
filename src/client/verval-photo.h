/* verval-photo.h: import a camera photo into the content-addressed media folder
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VERVAL_PHOTO_ERROR (verval_photo_error_quark ())

typedef enum {
  VERVAL_PHOTO_ERROR_NOT_IMAGE,   /* not a picture at all (text, PDF, …) */
  VERVAL_PHOTO_ERROR_CORRUPT,     /* a picture, but damaged or truncated */
  VERVAL_PHOTO_ERROR_UNSUPPORTED, /* a picture format we cannot read */
  VERVAL_PHOTO_ERROR_TOO_LARGE,   /* file or pixel count over the limits */
  VERVAL_PHOTO_ERROR_IO,          /* reading the source or writing media failed */
} VervalPhotoError;

#define VERVAL_PHOTO_DEFAULT_MAX_EDGE   1600
#define VERVAL_PHOTO_DEFAULT_QUALITY    80
#define VERVAL_PHOTO_DEFAULT_THUMB_EDGE 320

typedef struct {
  guint max_edge;    /* long edge of the stored photo, never upscaled */
  guint quality;     /* JPEG quality 1–100, stored photo and thumbnail */
  guint thumb_edge;  /* long edge of the thumbnail */
} VervalPhotoOptions;

/* The result of an import. Paths are relative to the media folder given to
 * the import and are derived from the hash alone:
 *   relpath        "ab/abcdef….jpg"         (the stored photo)
 *   thumb_relpath  "thumbs/ab/abcdef….jpg"  (named after the photo's hash)
 * The stored files carry no EXIF: time and location are here, for the caller
 * to keep as metadata. */
typedef struct {
  char       sha256[65];      /* of the stored JPEG's bytes, lowercase hex */
  char      *relpath;
  char      *thumb_relpath;
  guint      width;           /* of the stored photo, upright */
  guint      height;
  guint64    size;            /* bytes of the stored photo */
  guint      thumb_width;
  guint      thumb_height;
  guint      orientation;     /* the source's EXIF orientation (1–8), applied */
  GDateTime *taken;           /* EXIF DateTimeOriginal, or NULL */
  GDateTime *gps_time;        /* EXIF GPS date + time (UTC), or NULL */
  gboolean   has_location;
  double     latitude;        /* decimal degrees, south negative */
  double     longitude;       /* decimal degrees, west negative */
  gboolean   has_altitude;
  double     altitude;        /* metres above sea level */
  double     accuracy_m;      /* EXIF GPSHPositioningError, or -1 if unknown */
} VervalPhoto;

GType        verval_photo_get_type          (void) G_GNUC_CONST;
#define VERVAL_TYPE_PHOTO (verval_photo_get_type ())

GQuark       verval_photo_error_quark       (void);

void         verval_photo_options_init      (VervalPhotoOptions  *options);

VervalPhoto *verval_photo_copy              (const VervalPhoto   *photo);
void         verval_photo_free              (VervalPhoto         *photo);

/* Synchronous and CPU/disk heavy: run it in a worker (or use the _async
 * variants). When it returns, both files are fsync'd and renamed into place,
 * so the caller may commit a row that points to them. Thread-safe. */
VervalPhoto *verval_photo_import_file       (const char          *source_path,
                                             const char          *media_dir,
                                             const VervalPhotoOptions *options,
                                             GCancellable        *cancellable,
                                             GError             **error);
VervalPhoto *verval_photo_import_bytes      (GBytes              *source,
                                             const char          *media_dir,
                                             const VervalPhotoOptions *options,
                                             GCancellable        *cancellable,
                                             GError             **error);

void         verval_photo_import_file_async (const char          *source_path,
                                             const char          *media_dir,
                                             const VervalPhotoOptions *options,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void         verval_photo_import_bytes_async (GBytes             *source,
                                             const char          *media_dir,
                                             const VervalPhotoOptions *options,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
VervalPhoto *verval_photo_import_finish     (GAsyncResult        *result,
                                             GError             **error);

/* "media_dir/ab/abcdef….jpg" (or the thumbnail's) for a hash, or NULL if
 * sha256 is not 64 lowercase hex digits: a stored name never escapes media/. */
char        *verval_photo_build_path        (const char          *media_dir,
                                             const char          *sha256,
                                             gboolean             thumbnail);

/* Removes temporary files left by an import that was killed, if older than
 * min_age_seconds (imports running now are younger). Returns how many. */
guint        verval_photo_remove_stale_temp (const char          *media_dir,
                                             guint                min_age_seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalPhoto, verval_photo_free)

G_END_DECLS
