/* collector-media.c: the content-addressed media folder
 *
 * media/ab/<sha256>: a file is written under tmp/, fsync'd, checked against
 * its name and renamed into place, then the directory is fsync'd, so a name
 * in the folder always means complete, verified bytes that survive a crash.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-media"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "collector-error.h"
#include "collector-media.h"
#include "collector-token.h"

struct _CollectorMedia
{
  GObject  parent_instance;

  char    *directory;
  char    *tmp_directory;
};

struct _CollectorMediaUpload
{
  CollectorMedia *media;
  char           *tmp_path;
  int             fd;
  GChecksum      *checksum;
  guint64         size;
  gboolean        moved;
};

G_DEFINE_FINAL_TYPE (CollectorMedia, collector_media, G_TYPE_OBJECT)

static void
collector_media_finalize (GObject *object)
{
  CollectorMedia *self = COLLECTOR_MEDIA (object);

  g_free (self->directory);
  g_free (self->tmp_directory);
  G_OBJECT_CLASS (collector_media_parent_class)->finalize (object);
}

static void
collector_media_class_init (CollectorMediaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = collector_media_finalize;
}

static void
collector_media_init (CollectorMedia *self)
{
}

static gboolean
set_errno_error (GError    **error,
                 int         saved,
                 const char *what,
                 const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               "%s %s: %s", what, path, g_strerror (saved));
  return FALSE;
}

static gboolean
fsync_directory (const char *path,
                 GError    **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error (error, errno, "Cannot open", path);
  if (fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      return set_errno_error (error, saved, "Cannot sync", path);
    }
  close (fd);
  return TRUE;
}

CollectorMedia *
collector_media_new (const char *directory,
                     GError    **error)
{
  g_autoptr(CollectorMedia) self = NULL;

  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (COLLECTOR_TYPE_MEDIA, NULL);
  self->directory = g_strdup (directory);
  self->tmp_directory = g_build_filename (directory, "tmp", NULL);
  if (g_mkdir_with_parents (self->tmp_directory, 0750) != 0)
    {
      set_errno_error (error, errno, "Cannot create", self->tmp_directory);
      return NULL;
    }
  /* all 256 fan-out folders up front, made durable once: an upload then
   * costs two fsyncs (file, folder), not three */
  for (guint i = 0; i < 256; i++)
    {
      g_autofree char *name = g_strdup_printf ("%02x", i);
      g_autofree char *path = g_build_filename (directory, name, NULL);

      if (g_mkdir (path, 0750) != 0 && errno != EEXIST)
        {
          set_errno_error (error, errno, "Cannot create", path);
          return NULL;
        }
    }
  if (!fsync_directory (directory, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
collector_media_get_directory (CollectorMedia *self)
{
  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), NULL);

  return self->directory;
}

char *
collector_media_get_path (CollectorMedia *self,
                          const char     *sha256)
{
  char prefix[3];

  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), NULL);
  g_return_val_if_fail (collector_is_sha256_hex (sha256), NULL);

  prefix[0] = sha256[0];
  prefix[1] = sha256[1];
  prefix[2] = '\0';
  return g_build_filename (self->directory, prefix, sha256, NULL);
}

gboolean
collector_media_has (CollectorMedia *self,
                     const char     *sha256,
                     goffset        *size)
{
  g_autofree char *path = NULL;
  GStatBuf st;

  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), FALSE);

  if (!collector_is_sha256_hex (sha256))
    return FALSE;
  path = collector_media_get_path (self, sha256);
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  if (size != NULL)
    *size = st.st_size;
  return TRUE;
}

CollectorMediaUpload *
collector_media_upload_new (CollectorMedia *self,
                            GError        **error)
{
  CollectorMediaUpload *upload;
  g_autofree char *tmpl = NULL;
  int fd;

  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), NULL);

  tmpl = g_build_filename (self->tmp_directory, "upload-XXXXXX", NULL);
  fd = g_mkstemp_full (tmpl, O_WRONLY | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      set_errno_error (error, errno, "Cannot create", tmpl);
      return NULL;
    }
  upload = g_new0 (CollectorMediaUpload, 1);
  upload->media = g_object_ref (self);
  upload->tmp_path = g_steal_pointer (&tmpl);
  upload->fd = fd;
  upload->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  return upload;
}

gboolean
collector_media_upload_write (CollectorMediaUpload *upload,
                              const guint8         *data,
                              gsize                 length,
                              GError              **error)
{
  gsize done = 0;

  g_return_val_if_fail (upload != NULL, FALSE);
  g_return_val_if_fail (upload->fd >= 0, FALSE);

  g_checksum_update (upload->checksum, data, length);
  while (done < length)
    {
      ssize_t n = write (upload->fd, data + done, length - done);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return set_errno_error (error, errno, "Cannot write", upload->tmp_path);
        }
      done += n;
    }
  upload->size += length;
  return TRUE;
}

guint64
collector_media_upload_get_size (CollectorMediaUpload *upload)
{
  g_return_val_if_fail (upload != NULL, 0);

  return upload->size;
}

gboolean
collector_media_upload_finish (CollectorMediaUpload *upload,
                               const char           *expected_sha256,
                               CollectorMediaResult *result,
                               GError              **error)
{
  CollectorMedia *self;
  g_autofree char *final_path = NULL;
  g_autofree char *parent = NULL;
  const char *actual;
  int fd;

  g_return_val_if_fail (upload != NULL, FALSE);
  g_return_val_if_fail (collector_is_sha256_hex (expected_sha256), FALSE);

  self = upload->media;
  fd = upload->fd;
  upload->fd = -1;
  if (fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      return set_errno_error (error, saved, "Cannot sync", upload->tmp_path);
    }
  if (close (fd) != 0)
    return set_errno_error (error, errno, "Cannot close", upload->tmp_path);

  actual = g_checksum_get_string (upload->checksum);
  if (g_strcmp0 (actual, expected_sha256) != 0)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_HASH_MISMATCH,
                   "The uploaded bytes hash to %s, not to the name %s",
                   actual, expected_sha256);
      return FALSE;
    }

  final_path = collector_media_get_path (self, expected_sha256);
  if (collector_media_has (self, expected_sha256, NULL))
    {
      if (result != NULL)
        *result = COLLECTOR_MEDIA_EXISTED;
      return TRUE;
    }
  parent = g_path_get_dirname (final_path);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      /* a new fan-out folder must itself survive a crash */
      if (g_mkdir_with_parents (parent, 0750) != 0)
        return set_errno_error (error, errno, "Cannot create", parent);
      if (!fsync_directory (self->directory, error))
        return FALSE;
    }
  /* two uploads of the same bytes may race here: both files are identical
   * and verified, so whichever rename lands last is fine */
  if (g_rename (upload->tmp_path, final_path) != 0)
    return set_errno_error (error, errno, "Cannot move into place", final_path);
  upload->moved = TRUE;
  if (!fsync_directory (parent, error))
    return FALSE;
  if (result != NULL)
    *result = COLLECTOR_MEDIA_STORED;
  return TRUE;
}

void
collector_media_upload_free (CollectorMediaUpload *upload)
{
  if (upload == NULL)
    return;
  if (upload->fd >= 0)
    close (upload->fd);
  if (!upload->moved)
    g_unlink (upload->tmp_path);
  g_checksum_free (upload->checksum);
  g_free (upload->tmp_path);
  g_object_unref (upload->media);
  g_free (upload);
}
