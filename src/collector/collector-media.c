/* collector-media.c: the content-addressed media folder
 *
 * media/ab/<sha256>: a file is written under tmp/, fsync'd, checked against
 * its name and renamed into place, then the directory is fsync'd, so a name
 * in the folder always means complete, verified bytes that survive a crash.
 *
 * An upload writes into tmp/<sha256>.part. One that is cut off keeps its
 * bytes there, fsync'd before anyone is told their length, so a later
 * request (Content-Range) continues from that length. Its length is the
 * only state: what the bytes are worth is decided by the hash once the
 * file is complete. One upload per hash at a time: held in memory within
 * a process, and by an open-file-description lock on the partial between
 * processes, so collectors sharing one media folder (NFSv4, CephFS) never
 * write one partial together. A lock is taken on the file a name leads to
 * and kept only if the name still leads there once held: a partial renamed
 * into place or dropped meanwhile is never written again.
 *
 * Bytes arrive on the server's main loop, so an upload only writes them
 * there; the hash is taken from the file in finish(), which the server
 * runs on a worker. A partial may hold the whole photo (the collector
 * died between the last byte and the check): start-up files it if it
 * hashes to its name, and an upload that finds one it cannot continue
 * starts the photo afresh instead of refusing for ever.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-media"
#define _GNU_SOURCE   /* F_OFD_SETLK */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector-error.h"
#include "collector-media.h"
#include "collector-token.h"
#include "verval-wire-visit.h"

struct _CollectorMedia
{
  GObject  parent_instance;

  char       *directory;
  char       *tmp_directory;

  GMutex      lock;
  GHashTable *busy;     /* sha256 → the CollectorMediaUpload running */
};

struct _CollectorMediaUpload
{
  CollectorMedia *media;
  char            sha256[65];
  char           *tmp_path;
  int             fd;
  guint8         *buffer;     /* bytes not yet written: fewer, larger writes */
  gsize           buffered;
  guint64         start;
  guint64         size;
  gint            last_write; /* monotonic seconds, atomic: to tell a silent upload */
  gboolean        synced;     /* finish() or keep() ran: no more writes */
  gboolean        done;       /* moved into place, kept or dropped already */
};

#define PARTIAL_SUFFIX ".part"
/* libsoup hands a body over in 8 KiB chunks: a write each would be some
 * 40 system calls on the main loop for one photo. Small enough for many
 * uploads at once. */
#define WRITE_BUFFER   (64 * 1024)

G_DEFINE_FINAL_TYPE (CollectorMedia, collector_media, G_TYPE_OBJECT)

static void
collector_media_finalize (GObject *object)
{
  CollectorMedia *self = COLLECTOR_MEDIA (object);

  g_free (self->directory);
  g_free (self->tmp_directory);
  g_hash_table_unref (self->busy);
  g_mutex_clear (&self->lock);
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
  g_mutex_init (&self->lock);
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
  collector_media_clean_partials (self, COLLECTOR_MEDIA_PARTIAL_MAX_AGE);
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
  g_return_val_if_fail (verval_wire_is_sha256_hex (sha256), NULL);

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

  if (!verval_wire_is_sha256_hex (sha256))
    return FALSE;
  path = collector_media_get_path (self, sha256);
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  if (size != NULL)
    *size = st.st_size;
  return TRUE;
}

static gint
monotonic_seconds (void)
{
  return g_get_monotonic_time () / G_USEC_PER_SEC;
}

static char *
partial_path (CollectorMedia *self,
              const char     *sha256)
{
  g_autofree char *name = g_strconcat (sha256, PARTIAL_SUFFIX, NULL);

  return g_build_filename (self->tmp_directory, name, NULL);
}

/* Opens @path (creating it if @create) and takes its write lock without
 * waiting: -1 with EWOULDBLOCK when another upload, here or in another
 * collector, holds it; -1 with ENOENT when the file is gone and not to be
 * created. The lock goes with the descriptor's last close. */
static int
open_locked (const char *path,
             gboolean    create)
{
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
      struct stat held, named;
      int fd = open (path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0640);

      if (fd < 0)
        return -1;
      if (fcntl (fd, F_OFD_SETLK, &lock) != 0)
        {
          int saved = errno == EACCES ? EWOULDBLOCK : errno;

          close (fd);
          errno = saved;
          return -1;
        }
      /* renamed into place or dropped between the open and the lock: this
       * descriptor is not the partial any more */
      if (fstat (fd, &held) == 0 && stat (path, &named) == 0 &&
          held.st_dev == named.st_dev && held.st_ino == named.st_ino)
        return fd;
      close (fd);
    }
  errno = EWOULDBLOCK;
  return -1;
}

/* Whether another upload (this process or another) holds @path's lock. */
static gboolean
partial_is_locked (const char *path)
{
  struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  gboolean locked;

  if (fd < 0)
    return FALSE;
  locked = fcntl (fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  close (fd);
  return locked;
}

/* SHA-256 of a file as lower-case hex. libcrypto's, not GChecksum's: it
 * uses the CPU's SHA instructions where there are some (about 3× faster
 * here), and hashing was half of a collector's CPU for photos. */
static char *
hash_file (const char *path,
           GError    **error)
{
  static const char hex[] = "0123456789abcdef";
  g_autofree guint8 *buffer = g_malloc (256 * 1024);
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  char *text;

  if (fd < 0 || md == NULL || EVP_DigestInit_ex (md, EVP_sha256 (), NULL) != 1)
    {
      int saved = fd < 0 ? errno : ENOMEM;

      if (fd >= 0)
        close (fd);
      EVP_MD_CTX_free (md);
      set_errno_error (error, saved, "Cannot hash", path);
      return NULL;
    }
  for (;;)
    {
      ssize_t n = read (fd, buffer, 256 * 1024);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          EVP_MD_CTX_free (md);
          set_errno_error (error, saved, "Cannot read", path);
          return NULL;
        }
      if (n == 0)
        break;
      EVP_DigestUpdate (md, buffer, n);
    }
  close (fd);
  EVP_DigestFinal_ex (md, digest, &digest_length);
  EVP_MD_CTX_free (md);
  g_assert (digest_length == 32);
  text = g_malloc (65);
  for (guint i = 0; i < 32; i++)
    {
      text[2 * i] = hex[digest[i] >> 4];
      text[2 * i + 1] = hex[digest[i] & 0xf];
    }
  text[64] = '\0';
  return text;
}

/* Moves a complete, fsync'd, checked file into place under its name. */
static gboolean
place_file (CollectorMedia       *self,
            const char           *tmp_path,
            const char           *sha256,
            CollectorMediaResult *result,
            GError              **error)
{
  g_autofree char *final_path = collector_media_get_path (self, sha256);
  g_autofree char *parent = g_path_get_dirname (final_path);

  if (collector_media_has (self, sha256, NULL))
    {
      if (result != NULL)
        *result = COLLECTOR_MEDIA_EXISTED;
      return TRUE;
    }
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      /* a new fan-out folder must itself survive a crash */
      if (g_mkdir_with_parents (parent, 0750) != 0)
        return set_errno_error (error, errno, "Cannot create", parent);
      if (!fsync_directory (self->directory, error))
        return FALSE;
    }
  if (g_rename (tmp_path, final_path) != 0)
    return set_errno_error (error, errno, "Cannot move into place", final_path);
  if (result != NULL)
    *result = COLLECTOR_MEDIA_STORED;
  return fsync_directory (parent, error);
}

/* A partial that hashes to its name is a photo whose upload got its last
 * byte but not its check (the collector died in between): file it. */
static gboolean
finish_complete_partial (CollectorMedia *self,
                         const char     *path,
                         const char     *name)
{
  g_autofree char *sha256 = g_strndup (name, strlen (name) - strlen (PARTIAL_SUFFIX));
  g_autofree char *actual = NULL;
  g_autoptr(GError) error = NULL;
  CollectorMediaResult result;

  if (!verval_wire_is_sha256_hex (sha256))
    return FALSE;
  actual = hash_file (path, &error);
  if (actual == NULL || !g_str_equal (actual, sha256))
    return FALSE;
  if (!place_file (self, path, sha256, &result, &error))
    {
      g_warning ("Cannot file the complete partial %s: %s", sha256, error->message);
      return FALSE;
    }
  if (result == COLLECTOR_MEDIA_EXISTED)
    g_unlink (path);
  g_message ("Filed photo %s, complete but unchecked when the collector stopped", sha256);
  return TRUE;
}

guint
collector_media_clean_partials (CollectorMedia *self,
                                gint64          max_age_seconds)
{
  g_autoptr(GDir) dir = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;
  guint removed = 0, filed = 0;

  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), 0);

  dir = g_dir_open (self->tmp_directory, 0, NULL);
  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->tmp_directory, name, NULL);
      gboolean partial = g_str_has_suffix (name, PARTIAL_SUFFIX);
      GStatBuf st;

      int fd;

      if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      /* another collector on this folder may be writing it */
      if ((fd = open_locked (path, FALSE)) < 0)
        continue;
      if (now - (gint64) st.st_mtime > max_age_seconds || (!partial && g_str_has_prefix (name, "upload-")))
        {
          /* upload-*: whole-body temporaries of older collectors */
          if (g_unlink (path) == 0)
            removed++;
        }
      else if (partial)
        {
          /* bytes written before a crash may not have reached the disk:
           * the length reported from now on must be one that survives */
          fsync (fd);
          if (finish_complete_partial (self, path, name))
            filed++;
        }
      close (fd);
    }
  if (removed > 0)
    g_info ("Removed %u stale partial uploads", removed);
  if (filed > 0)
    g_info ("Filed %u complete partial uploads", filed);
  return removed;
}

gboolean
collector_media_get_partial (CollectorMedia *self,
                             const char     *sha256,
                             guint64        *offset,
                             gboolean       *busy,
                             gint64         *idle_seconds)
{
  g_autofree char *path = NULL;
  CollectorMediaUpload *running;
  GStatBuf st;

  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), FALSE);
  g_return_val_if_fail (verval_wire_is_sha256_hex (sha256), FALSE);

  *offset = 0;
  *busy = FALSE;
  if (idle_seconds != NULL)
    *idle_seconds = 0;
  /* an upload leaves the table (free()) before it is freed */
  g_mutex_lock (&self->lock);
  running = g_hash_table_lookup (self->busy, sha256);
  if (running != NULL)
    {
      *offset = running->start;
      *busy = TRUE;
      if (idle_seconds != NULL)
        *idle_seconds = monotonic_seconds () - g_atomic_int_get (&running->last_write);
    }
  g_mutex_unlock (&self->lock);
  if (*busy)
    return TRUE;
  path = partial_path (self, sha256);
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  *offset = st.st_size;
  if (partial_is_locked (path))
    {
      /* another collector's upload: its last write is the file's */
      *busy = TRUE;
      if (idle_seconds != NULL)
        *idle_seconds = MAX (g_get_real_time () / G_USEC_PER_SEC - (gint64) st.st_mtime, 0);
    }
  return TRUE;
}

static void upload_destroy (CollectorMediaUpload *upload);

static void
release (CollectorMedia *self,
         const char     *sha256)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->busy, sha256);
  g_mutex_unlock (&self->lock);
}

CollectorMediaUpload *
collector_media_upload_begin (CollectorMedia *self,
                              const char     *sha256,
                              gint64          start,
                              guint64         total,
                              guint64        *held,
                              GError        **error)
{
  CollectorMediaUpload *upload;
  struct stat st;
  int fd;

  g_return_val_if_fail (COLLECTOR_IS_MEDIA (self), NULL);
  g_return_val_if_fail (verval_wire_is_sha256_hex (sha256), NULL);

  if (held != NULL)
    *held = 0;
  upload = g_new0 (CollectorMediaUpload, 1);
  upload->media = g_object_ref (self);
  memcpy (upload->sha256, sha256, 65);
  upload->fd = -1;
  upload->buffer = g_malloc (WRITE_BUFFER);
  upload->last_write = monotonic_seconds ();

  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->busy, sha256))
    {
      CollectorMediaUpload *running = g_hash_table_lookup (self->busy, sha256);

      if (held != NULL)
        *held = running->start;
      g_mutex_unlock (&self->lock);
      upload_destroy (upload);
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_UPLOAD_BUSY,
                   "Another upload of %s is running; retry later", sha256);
      return NULL;
    }
  g_hash_table_insert (self->busy, g_strdup (sha256), upload);
  g_mutex_unlock (&self->lock);

  /* the table holds it now: fields others read are set before it leaves
   * the lock or never change after */
  upload->tmp_path = partial_path (self, sha256);
  fd = open_locked (upload->tmp_path, TRUE);
  if (fd < 0 && errno == EWOULDBLOCK)
    {
      GStatBuf other;

      /* another collector on this media folder is receiving it */
      if (held != NULL && g_stat (upload->tmp_path, &other) == 0)
        *held = other.st_size;
      upload->done = TRUE;   /* its bytes are the other upload's */
      collector_media_upload_free (upload);
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_UPLOAD_BUSY,
                   "Another upload of %s is running; retry later", sha256);
      return NULL;
    }
  /* a whole body starts afresh: truncated only once the lock is held */
  if (fd < 0 || (start < 0 && ftruncate (fd, 0) != 0) ||
      fstat (fd, &st) != 0 || lseek (fd, 0, SEEK_END) < 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      set_errno_error (error, saved, "Cannot open", upload->tmp_path);
      upload->done = TRUE;   /* an error here is no reason to drop its bytes */
      collector_media_upload_free (upload);
      return NULL;
    }
  upload->fd = fd;
  if (start >= 0 && total > 0 && (guint64) st.st_size >= total)
    {
      /* as long as the photo or longer: no range can continue it, and
       * left alone it would be refused for ever. Complete ones are filed
       * at start-up, so these bytes are unchecked or damaged: a body from
       * 0 replaces them, any other start is told to send from 0. */
      g_message ("The partial of %s holds %" G_GINT64_FORMAT " bytes of %" G_GUINT64_FORMAT "; starting afresh",
                 sha256, (gint64) st.st_size, total);
      if (start != 0 || ftruncate (fd, 0) != 0 || lseek (fd, 0, SEEK_SET) != 0)
        {
          collector_media_upload_free (upload);   /* drops the file */
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_OFFSET_MISMATCH,
                       "The upload starts at %" G_GINT64_FORMAT "; the collector holds nothing of it", start);
          return NULL;
        }
      st.st_size = 0;
    }
  /* the length is durable: written by a request that fsync'd it, or
   * fsync'd at start-up (collector_media_clean_partials) */
  g_mutex_lock (&self->lock);
  upload->start = st.st_size;
  g_mutex_unlock (&self->lock);
  if (held != NULL)
    *held = st.st_size;
  if (start >= 0 && (guint64) start != (guint64) st.st_size)
    {
      /* keep what is held; an empty file was made by this open */
      upload->done = st.st_size > 0;
      collector_media_upload_free (upload);
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_OFFSET_MISMATCH,
                   "The upload starts at %" G_GINT64_FORMAT "; the collector holds %" G_GUINT64_FORMAT " bytes",
                   start, (guint64) st.st_size);
      return NULL;
    }
  return upload;
}

static gboolean
write_all (CollectorMediaUpload *upload,
           const guint8         *data,
           gsize                 length,
           GError              **error)
{
  gsize done = 0;

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
  return TRUE;
}

static gboolean
flush (CollectorMediaUpload *upload,
       GError              **error)
{
  gsize buffered = upload->buffered;

  upload->buffered = 0;
  return buffered == 0 || write_all (upload, upload->buffer, buffered, error);
}

gboolean
collector_media_upload_write (CollectorMediaUpload *upload,
                              const guint8         *data,
                              gsize                 length,
                              GError              **error)
{
  g_return_val_if_fail (upload != NULL, FALSE);
  g_return_val_if_fail (upload->fd >= 0, FALSE);

  if (upload->buffered + length > WRITE_BUFFER && !flush (upload, error))
    return FALSE;
  if (length >= WRITE_BUFFER)
    {
      if (!write_all (upload, data, length, error))
        return FALSE;
    }
  else
    {
      memcpy (upload->buffer + upload->buffered, data, length);
      upload->buffered += length;
    }
  upload->size += length;
  g_atomic_int_set (&upload->last_write, monotonic_seconds ());
  return TRUE;
}

guint64
collector_media_upload_get_size (CollectorMediaUpload *upload)
{
  g_return_val_if_fail (upload != NULL, 0);

  return upload->size;
}

guint64
collector_media_upload_get_offset (CollectorMediaUpload *upload)
{
  g_return_val_if_fail (upload != NULL, 0);

  return upload->start + upload->size;
}

/* The bytes on disk. The descriptor stays open, and with it the lock,
 * until free(): the partial is checked and renamed (or kept) by its owner. */
static gboolean
sync_file (CollectorMediaUpload *upload,
           GError              **error)
{
  upload->synced = TRUE;
  if (!flush (upload, error))
    return FALSE;
  if (fsync (upload->fd) != 0)
    return set_errno_error (error, errno, "Cannot sync", upload->tmp_path);
  return TRUE;
}

gboolean
collector_media_upload_finish (CollectorMediaUpload *upload,
                               const char           *expected_sha256,
                               CollectorMediaResult *result,
                               GError              **error)
{
  g_autofree char *actual = NULL;
  CollectorMediaResult placed;

  g_return_val_if_fail (upload != NULL, FALSE);
  g_return_val_if_fail (upload->fd >= 0 && !upload->synced, FALSE);
  g_return_val_if_fail (verval_wire_is_sha256_hex (expected_sha256), FALSE);

  if (!sync_file (upload, error))
    return FALSE;
  if ((actual = hash_file (upload->tmp_path, error)) == NULL)
    return FALSE;
  if (!g_str_equal (actual, expected_sha256))
    {
      /* free() drops the bytes: they can never become this photo, and the
       * next upload starts from 0 */
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_HASH_MISMATCH,
                   "The uploaded bytes hash to %s, not to the name %s",
                   actual, expected_sha256);
      return FALSE;
    }
  if (!place_file (upload->media, upload->tmp_path, expected_sha256, &placed, error))
    {
      /* moved already if only the folder's fsync failed: keep it there */
      upload->done = !g_file_test (upload->tmp_path, G_FILE_TEST_EXISTS);
      return FALSE;
    }
  /* the photo was there already: free() drops this copy */
  upload->done = placed == COLLECTOR_MEDIA_STORED;
  if (result != NULL)
    *result = placed;
  return TRUE;
}

gboolean
collector_media_upload_keep (CollectorMediaUpload *upload,
                             GError              **error)
{
  g_return_val_if_fail (upload != NULL, FALSE);
  g_return_val_if_fail (upload->fd >= 0 && !upload->synced, FALSE);

  if (!sync_file (upload, error))
    return FALSE;
  if (upload->start + upload->size == 0)
    return TRUE;   /* nothing worth keeping: free() removes the file */
  upload->done = TRUE;
  g_debug ("Kept %" G_GUINT64_FORMAT " bytes of %s", upload->start + upload->size, upload->sha256);
  return TRUE;
}

static void
upload_destroy (CollectorMediaUpload *upload)
{
  g_free (upload->buffer);
  g_free (upload->tmp_path);
  g_object_unref (upload->media);
  g_free (upload);
}

void
collector_media_upload_free (CollectorMediaUpload *upload)
{
  if (upload == NULL)
    return;
  /* dropped while the lock is still held: nobody can have taken it over */
  if (!upload->done && upload->fd >= 0)
    g_unlink (upload->tmp_path);
  if (upload->fd >= 0)
    close (upload->fd);
  release (upload->media, upload->sha256);
  upload_destroy (upload);
}
