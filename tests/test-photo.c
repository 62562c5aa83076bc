/* test-photo.c: photo import, from JPEGs the test writes itself
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "photo-fixture.h"
#include "verval-photo.h"

#define CHILD_ENV "VERVAL_TEST_PHOTO_CHILD_DIR"

typedef struct {
  char *dir;
  char *media;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("verval-test-photo-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->dir, "media", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->media);
}

/* --- helpers ------------------------------------------------------------ */

static guint8 *
pixbuf_to_rgb (GdkPixbuf *pixbuf)
{
  int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  guint8 *rgb = g_malloc ((gsize) w * h * 3);

  for (int y = 0; y < h; y++)
    {
      const guint8 *s = gdk_pixbuf_read_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf);

      for (int x = 0; x < w; x++)
        memcpy (rgb + ((gsize) y * w + x) * 3, s + x * n, 3);
    }
  return rgb;
}

static GBytes *
jpeg_from_pixbuf (GdkPixbuf *pixbuf,
                  ExifData  *exif)
{
  g_autofree guint8 *rgb = pixbuf_to_rgb (pixbuf);

  return fixture_jpeg (rgb, gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf), 95, exif);
}

static GBytes *
plain_jpeg (guint     width,
            guint     height,
            guint     seed,
            ExifData *exif)
{
  g_autofree guint8 *rgb = fixture_scene (width, height, seed);

  return fixture_jpeg (rgb, width, height, 90, exif);
}

static GdkPixbuf *
load_stored (Fixture           *f,
             const VervalPhoto *photo,
             gboolean           thumbnail)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->media, thumbnail ? photo->thumb_relpath : photo->relpath, NULL);
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file (path, &error);

  g_assert_no_error (error);
  return pixbuf;
}

static VervalPhoto *
import_ok (Fixture                  *f,
           GBytes                   *bytes,
           const VervalPhotoOptions *options)
{
  g_autoptr(GError) error = NULL;
  VervalPhoto *photo = verval_photo_import_bytes (bytes, f->media, options, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (photo);
  return photo;
}

static void
assert_color (GdkPixbuf    *pixbuf,
              int           x,
              int           y,
              const guint8  expected[3])
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf)
                    + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf)
                    + (gsize) x * gdk_pixbuf_get_n_channels (pixbuf);

  for (int c = 0; c < 3; c++)
    if (ABS ((int) p[c] - (int) expected[c]) > 48)
      g_error ("pixel %d,%d is %u,%u,%u, expected about %u,%u,%u",
               x, y, p[0], p[1], p[2], expected[0], expected[1], expected[2]);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_files (path);
      else
        n++;
    }
  return n;
}

static gboolean
contains (const char *haystack,
          gsize       len,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static char *
sha256_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) contents, len);
}

/* --- orientation -------------------------------------------------------- */

static const guint8 RED[3] = { 255, 0, 0 };
static const guint8 GREEN[3] = { 0, 255, 0 };
static const guint8 BLUE[3] = { 0, 0, 255 };
static const guint8 WHITE[3] = { 255, 255, 255 };

/* An upright picture whose quadrants tell every turn and mirror apart. */
static GdkPixbuf *
upright_quadrants (int w,
                   int h)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *c = y < h / 2 ? (x < w / 2 ? RED : GREEN) : (x < w / 2 ? BLUE : WHITE);

        memcpy (pixels + (gsize) y * stride + x * 3, c, 3);
      }
  return pixbuf;
}

/* What a camera stores with EXIF orientation o for this upright scene:
 * the inverse of the turn the viewer must apply, made with gdk-pixbuf's own
 * rotations so the test does not share the importer's arithmetic. */
static GdkPixbuf *
as_stored (GdkPixbuf *upright,
           guint      orientation)
{
  g_autoptr(GdkPixbuf) tmp = NULL;

  switch (orientation)
    {
    case 1: return g_object_ref (upright);
    case 2: return gdk_pixbuf_flip (upright, TRUE);
    case 3: return gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
    case 4: return gdk_pixbuf_flip (upright, FALSE);
    case 5: /* transpose */
      tmp = gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_CLOCKWISE);
      return gdk_pixbuf_flip (tmp, TRUE);
    case 6: /* the viewer turns it clockwise */
      return gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
    case 7: /* transverse */
      tmp = gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
      return gdk_pixbuf_flip (tmp, TRUE);
    case 8: /* the viewer turns it counter-clockwise */
      return gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_CLOCKWISE);
    default:
      g_assert_not_reached ();
    }
}

static void
test_orientation (Fixture       *f,
                  gconstpointer  data)
{
  guint orientation = GPOINTER_TO_UINT (data);
  const int w = 320, h = 192;
  g_autoptr(GdkPixbuf) upright = upright_quadrants (w, h);
  g_autoptr(GdkPixbuf) stored = as_stored (upright, orientation);
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GdkPixbuf) thumb = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  VervalPhotoOptions options;
  ExifData *exif = fixture_exif_new ();

  fixture_exif_set_orientation (exif, orientation);
  jpeg = jpeg_from_pixbuf (stored, exif);
  exif_data_unref (exif);

  verval_photo_options_init (&options);
  options.thumb_edge = 160;
  photo = import_ok (f, jpeg, &options);
  g_assert_cmpuint (photo->orientation, ==, orientation);
  g_assert_cmpuint (photo->width, ==, w);
  g_assert_cmpuint (photo->height, ==, h);

  result = load_stored (f, photo, FALSE);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, w);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, h);
  assert_color (result, w / 4, h / 4, RED);
  assert_color (result, 3 * w / 4, h / 4, GREEN);
  assert_color (result, w / 4, 3 * h / 4, BLUE);
  assert_color (result, 3 * w / 4, 3 * h / 4, WHITE);

  /* The thumbnail is upright too. */
  thumb = load_stored (f, photo, TRUE);
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, 160);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, 96);
  assert_color (thumb, 40, 24, RED);
  assert_color (thumb, 120, 72, WHITE);

  /* Scaled down as well: the rows are turned as the scaler makes them. */
  options.max_edge = 200;
  options.thumb_edge = 100;
  g_clear_pointer (&photo, verval_photo_free);
  g_clear_object (&result);
  g_clear_object (&thumb);
  photo = import_ok (f, jpeg, &options);
  g_assert_cmpuint (photo->width, ==, 200);
  g_assert_cmpuint (photo->height, ==, 120);
  result = load_stored (f, photo, FALSE);
  assert_color (result, 50, 30, RED);
  assert_color (result, 150, 30, GREEN);
  assert_color (result, 50, 90, BLUE);
  assert_color (result, 150, 90, WHITE);
  thumb = load_stored (f, photo, TRUE);
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, 100);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, 60);
  assert_color (thumb, 25, 15, RED);
  assert_color (thumb, 75, 15, GREEN);
  assert_color (thumb, 25, 45, BLUE);
  assert_color (thumb, 75, 45, WHITE);
}

/* --- sizes -------------------------------------------------------------- */

static void
test_scale_camera (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (3264, 2448, 1, NULL);
  g_autoptr(GBytes) odd = plain_jpeg (3001, 2001, 2, NULL);
  g_autoptr(VervalPhoto) photo = import_ok (f, jpeg, NULL);
  g_autoptr(VervalPhoto) odd_photo = import_ok (f, odd, NULL);
  g_autoptr(GdkPixbuf) stored = load_stored (f, photo, FALSE);

  g_assert_cmpuint (photo->width, ==, 1600);
  g_assert_cmpuint (photo->height, ==, 1200);
  g_assert_cmpuint (photo->thumb_width, ==, 320);
  g_assert_cmpuint (photo->thumb_height, ==, 240);
  g_assert_cmpint (gdk_pixbuf_get_width (stored), ==, 1600);
  g_assert_cmpint (gdk_pixbuf_get_height (stored), ==, 1200);

  /* 3001 × 2001 → 1600 × 1066.9, rounded */
  g_assert_cmpuint (odd_photo->width, ==, 1600);
  g_assert_cmpuint (odd_photo->height, ==, 1067);
}

static void
test_scale_small (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (640, 480, 3, NULL);
  g_autoptr(VervalPhoto) photo = import_ok (f, jpeg, NULL);

  /* never upscaled */
  g_assert_cmpuint (photo->width, ==, 640);
  g_assert_cmpuint (photo->height, ==, 480);
  g_assert_cmpuint (photo->thumb_width, ==, 320);
  g_assert_cmpuint (photo->thumb_height, ==, 240);
}

static void
test_scale_options (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (1200, 1600, 4, NULL);
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(VervalPhoto) better = NULL;
  VervalPhotoOptions options;

  verval_photo_options_init (&options);
  g_assert_cmpuint (options.max_edge, ==, 1600);
  g_assert_cmpuint (options.quality, ==, 80);
  g_assert_cmpuint (options.thumb_edge, ==, 320);

  options.max_edge = 800;
  options.thumb_edge = 100;
  options.quality = 40;
  photo = import_ok (f, jpeg, &options);
  g_assert_cmpuint (photo->width, ==, 600);
  g_assert_cmpuint (photo->height, ==, 800);
  g_assert_cmpuint (photo->thumb_width, ==, 75);
  g_assert_cmpuint (photo->thumb_height, ==, 100);

  options.quality = 95;
  better = import_ok (f, jpeg, &options);
  g_assert_cmpuint (better->size, >, photo->size);
  g_assert_cmpstr (better->sha256, !=, photo->sha256);
}

/* A one-pixel checkerboard must shrink to grey, not to a moiré of black and
 * white: the resampler averages areas instead of picking pixels. */
static void
test_scale_area_average (Fixture       *f,
                         gconstpointer  data)
{
  const guint n = 1203;  /* not a multiple of the scale: fractional weights */
  g_autofree guint8 *rgb = g_malloc ((gsize) n * n * 3);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(GdkPixbuf) stored = NULL;
  VervalPhotoOptions options;
  double sum = 0, sum2 = 0;
  guint count = 0;

  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; x++)
      memset (rgb + ((gsize) y * n + x) * 3, ((x + y) & 1) ? 255 : 0, 3);
  jpeg = fixture_jpeg (rgb, n, n, 100, NULL);

  verval_photo_options_init (&options);
  options.max_edge = 301;
  photo = import_ok (f, jpeg, &options);
  stored = load_stored (f, photo, FALSE);
  g_assert_cmpint (gdk_pixbuf_get_width (stored), ==, 301);

  for (int y = 2; y < 299; y++)
    for (int x = 2; x < 299; x++)
      {
        const guint8 *p = gdk_pixbuf_read_pixels (stored) + (gsize) y * gdk_pixbuf_get_rowstride (stored) + x * 3;

        sum += p[1];
        sum2 += (double) p[1] * p[1];
        count++;
      }
  g_assert_cmpfloat (fabs (sum / count - 127.5), <, 12);
  g_assert_cmpfloat (sqrt (sum2 / count - (sum / count) * (sum / count)), <, 12);
}

/* --- EXIF metadata ------------------------------------------------------ */

static VervalPhoto *
import_with_exif (Fixture  *f,
                  ExifData *exif)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (64, 48, 5, exif);

  exif_data_unref (exif);
  return import_ok (f, jpeg, NULL);
}

static void
test_gps_hemispheres (Fixture       *f,
                      gconstpointer  data)
{
  const struct { double lat, lon; } cases[] = {
    { 60.146711, 24.906772 },   /* N E: Helsinki */
    { 40.446972, -3.724750 },   /* N W: Madrid */
    { -8.112350, 115.091240 },  /* S E: Singaraja, Buleleng */
    { -12.046374, -77.042793 }, /* S W: Lima */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ExifData *exif = fixture_exif_new ();
      g_autoptr(VervalPhoto) photo = NULL;

      fixture_exif_set_gps (exif, cases[i].lat, cases[i].lon, FALSE);
      photo = import_with_exif (f, exif);
      g_assert_true (photo->has_location);
      g_assert_cmpfloat_with_epsilon (photo->latitude, cases[i].lat, 1e-6);
      g_assert_cmpfloat_with_epsilon (photo->longitude, cases[i].lon, 1e-6);
      g_assert_false (photo->has_altitude);
      g_assert_cmpfloat (photo->accuracy_m, <, 0);
    }
}

/* The Nokia 8.3 writes its coordinates as SRATIONAL. */
static void
test_gps_srational (Fixture       *f,
                    gconstpointer  data)
{
  ExifData *exif = fixture_exif_new ();
  g_autoptr(VervalPhoto) photo = NULL;

  fixture_exif_set_gps (exif, -0.371300, 36.056400, TRUE);
  photo = import_with_exif (f, exif);
  g_assert_true (photo->has_location);
  g_assert_cmpfloat_with_epsilon (photo->latitude, -0.3713, 1e-6);
  g_assert_cmpfloat_with_epsilon (photo->longitude, 36.0564, 1e-6);
}

static void
test_gps_altitude (Fixture       *f,
                   gconstpointer  data)
{
  ExifData *exif = fixture_exif_new ();
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(VervalPhoto) below = NULL;

  fixture_exif_set_gps (exif, -8.2, 115.1, FALSE);
  fixture_exif_set_altitude (exif, 639.6);
  photo = import_with_exif (f, exif);
  g_assert_true (photo->has_altitude);
  g_assert_cmpfloat_with_epsilon (photo->altitude, 639.6, 1e-9);

  exif = fixture_exif_new ();
  fixture_exif_set_gps (exif, 31.5, 35.4, FALSE);
  fixture_exif_set_altitude (exif, -430.5);  /* the Dead Sea shore */
  below = import_with_exif (f, exif);
  g_assert_cmpfloat_with_epsilon (below->altitude, -430.5, 1e-9);
}

static void
test_gps_unusable (Fixture       *f,
                   gconstpointer  data)
{
  ExifData *exif;
  g_autoptr(VervalPhoto) void_fix = NULL;
  g_autoptr(VervalPhoto) no_ref = NULL;
  g_autoptr(VervalPhoto) zero = NULL;
  g_autoptr(VervalPhoto) none = NULL;
  ExifEntry *ref;

  /* the receiver said "V": no fix */
  exif = fixture_exif_new ();
  fixture_exif_set_gps (exif, -8.2, 115.1, FALSE);
  fixture_exif_set_ascii (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_STATUS, "V");
  void_fix = import_with_exif (f, exif);
  g_assert_false (void_fix->has_location);

  /* no hemisphere letter: better nothing than the wrong half of the world */
  exif = fixture_exif_new ();
  fixture_exif_set_gps (exif, -8.2, 115.1, FALSE);
  ref = exif_content_get_entry (exif->ifd[EXIF_IFD_GPS], EXIF_TAG_GPS_LATITUDE_REF);
  exif_content_remove_entry (exif->ifd[EXIF_IFD_GPS], ref);
  no_ref = import_with_exif (f, exif);
  g_assert_false (no_ref->has_location);

  /* 0,0 is what some cameras write without a fix */
  exif = fixture_exif_new ();
  fixture_exif_set_gps (exif, 0, 0, FALSE);
  zero = import_with_exif (f, exif);
  g_assert_false (zero->has_location);

  exif = fixture_exif_new ();
  fixture_exif_set_orientation (exif, 1);
  none = import_with_exif (f, exif);
  g_assert_false (none->has_location);
  g_assert_null (none->taken);
  g_assert_null (none->gps_time);
}

static void
test_exif_times (Fixture       *f,
                 gconstpointer  data)
{
  ExifData *exif = fixture_exif_new ();
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(VervalPhoto) blank = NULL;
  g_autoptr(GDateTime) expected = NULL;
  g_autoptr(GTimeZone) wita = g_time_zone_new_identifier ("+08:00");
  const double hms[3] = { 1, 29, 57.5 };

  fixture_exif_set_ascii (exif, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "2026:11:22 09:30:15");
  fixture_exif_set_ascii (exif, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+08:00");
  fixture_exif_set_gps (exif, -8.2, 115.1, FALSE);
  fixture_exif_set_ascii (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_DATE_STAMP, "2026:11:22");
  fixture_exif_set_rationals (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_TIME_STAMP, hms, 3);
  photo = import_with_exif (f, exif);

  g_assert_nonnull (photo->taken);
  expected = g_date_time_new (wita, 2026, 11, 22, 9, 30, 15);
  g_assert_true (g_date_time_equal (photo->taken, expected));
  g_assert_cmpint (g_date_time_get_utc_offset (photo->taken), ==, 8 * G_TIME_SPAN_HOUR);

  g_assert_nonnull (photo->gps_time);
  g_clear_pointer (&expected, g_date_time_unref);
  expected = g_date_time_new_utc (2026, 11, 22, 1, 29, 57.5);
  g_assert_true (g_date_time_equal (photo->gps_time, expected));

  /* "0000:00:00 00:00:00" is a blank, not a date */
  exif = fixture_exif_new ();
  fixture_exif_set_ascii (exif, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "0000:00:00 00:00:00");
  blank = import_with_exif (f, exif);
  g_assert_null (blank->taken);
}

/* The stored file carries no EXIF: the location and the original camera's
 * details stay in the database, not in a file that travels. */
static void
test_exif_stripped (Fixture       *f,
                    gconstpointer  data)
{
  ExifData *exif = fixture_exif_new ();
  g_autoptr(VervalPhoto) photo = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  fixture_exif_set_gps (exif, -8.2, 115.1, FALSE);
  fixture_exif_set_ascii (exif, EXIF_IFD_0, EXIF_TAG_MAKE, "VervalTestCam");
  photo = import_with_exif (f, exif);
  g_assert_true (photo->has_location);

  path = g_build_filename (f->media, photo->relpath, NULL);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, photo->size);
  g_assert_cmpuint ((guint8) contents[0], ==, 0xff);
  g_assert_cmpuint ((guint8) contents[1], ==, 0xd8);
  g_assert_false (contains (contents, len, "Exif"));
  g_assert_false (contains (contents, len, "VervalTestCam"));
}

/* --- storage ------------------------------------------------------------ */

static void
test_store_content_addressed (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (800, 600, 6, NULL);
  g_autoptr(VervalPhoto) photo = import_ok (f, jpeg, NULL);
  g_autoptr(VervalPhoto) again = NULL;
  g_autoptr(VervalPhoto) copy = NULL;
  g_autofree char *path = verval_photo_build_path (f->media, photo->sha256, FALSE);
  g_autofree char *thumb = verval_photo_build_path (f->media, photo->sha256, TRUE);
  g_autofree char *hash = sha256_of_file (path);
  g_autofree char *expected_rel = g_strdup_printf ("%.2s/%s.jpg", photo->sha256, photo->sha256);
  g_autofree char *expected_thumb = g_strdup_printf ("thumbs/%.2s/%s.jpg", photo->sha256, photo->sha256);
  g_autofree char *from_rel = g_build_filename (f->media, photo->relpath, NULL);

  g_assert_cmpuint (strlen (photo->sha256), ==, 64);
  g_assert_cmpstr (hash, ==, photo->sha256);
  g_assert_cmpstr (photo->relpath, ==, expected_rel);
  g_assert_cmpstr (photo->thumb_relpath, ==, expected_thumb);
  g_assert_cmpstr (from_rel, ==, path);
  g_assert_true (g_file_test (thumb, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (f->media), ==, 2);

  /* The same picture again: same name, still one copy. */
  again = import_ok (f, jpeg, NULL);
  g_assert_cmpstr (again->sha256, ==, photo->sha256);
  g_assert_cmpuint (count_files (f->media), ==, 2);

  copy = verval_photo_copy (photo);
  g_assert_cmpstr (copy->relpath, ==, photo->relpath);
  g_assert_cmpuint (copy->width, ==, photo->width);

  /* Names are only ever hex hashes. */
  g_assert_null (verval_photo_build_path (f->media, "../../etc/passwd", FALSE));
  g_assert_null (verval_photo_build_path (f->media, "ABCDEF", FALSE));
  g_assert_null (verval_photo_build_path (f->media,
                                          "A3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                                          FALSE));
}

static void
test_store_unwritable (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (64, 48, 7, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  g_autofree char *blocker = g_build_filename (f->dir, "not-a-folder", NULL);
  g_autofree char *media = g_build_filename (blocker, "media", NULL);

  /* media/ below a plain file cannot be created */
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  photo = verval_photo_import_bytes (jpeg, media, NULL, NULL, &error);
  g_assert_null (photo);
  g_assert_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not-a-folder"));
}

static void
test_stale_temp (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (64, 48, 8, NULL);
  g_autoptr(VervalPhoto) photo = import_ok (f, jpeg, NULL);
  g_autofree char *shard = g_strndup (photo->sha256, 2);
  g_autofree char *old = g_build_filename (f->media, shard, ".import-AbC123", NULL);
  g_autofree char *thumb_old = g_build_filename (f->media, "thumbs", shard, ".import-XyZ789", NULL);
  g_autofree char *path = g_build_filename (f->media, photo->relpath, NULL);
  struct utimbuf times = { 1000, 1000 };

  g_assert_true (g_file_set_contents (old, "half a photo", -1, NULL));
  g_assert_true (g_file_set_contents (thumb_old, "half a thumb", -1, NULL));

  /* young temporaries may belong to an import running now */
  g_assert_cmpuint (verval_photo_remove_stale_temp (f->media, 3600), ==, 0);
  g_assert_true (g_file_test (old, G_FILE_TEST_EXISTS));

  g_assert_cmpint (g_utime (old, &times), ==, 0);
  g_assert_cmpint (g_utime (thumb_old, &times), ==, 0);
  g_assert_cmpuint (verval_photo_remove_stale_temp (f->media, 3600), ==, 2);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (thumb_old, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* --- refusals ----------------------------------------------------------- */

static void
assert_refused (Fixture    *f,
                GBytes     *bytes,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalPhoto) photo = verval_photo_import_bytes (bytes, f->media, NULL, NULL, &error);

  g_assert_null (photo);
  g_assert_error (error, VERVAL_PHOTO_ERROR, code);
  g_assert_cmpstr (error->message, !=, "");
  /* nothing half-written, not even a temporary */
  g_assert_cmpuint (count_files (f->media), ==, 0);
}

static void
test_refuse_truncated (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (1024, 768, 9, NULL);
  g_autoptr(GBytes) cut = NULL;
  g_autofree char *path = g_build_filename (f->dir, "cut.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalPhoto) photo = NULL;

  /* Without this check libjpeg paints the missing part grey and succeeds. */
  cut = g_bytes_new_from_bytes (jpeg, 0, g_bytes_get_size (jpeg) * 6 / 10);
  assert_refused (f, cut, VERVAL_PHOTO_ERROR_CORRUPT);

  /* The same from a file, with the file's problem in the message. */
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (cut, NULL), g_bytes_get_size (cut), NULL));
  photo = verval_photo_import_file (path, f->media, NULL, NULL, &error);
  g_assert_null (photo);
  g_assert_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_CORRUPT);
  g_assert_cmpuint (count_files (f->media), ==, 0);

  /* Cut inside the headers. */
  g_clear_pointer (&cut, g_bytes_unref);
  cut = g_bytes_new_from_bytes (jpeg, 0, 200);
  assert_refused (f, cut, VERVAL_PHOTO_ERROR_CORRUPT);
}

static void
test_refuse_damaged (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (512, 384, 10, NULL);
  g_autoptr(GBytes) damaged = NULL;
  gsize len;
  guint8 *bytes = g_bytes_unref_to_data (g_bytes_ref (jpeg), &len);

  /* A marker in the middle of the entropy-coded data. */
  bytes[len / 2] = 0xff;
  bytes[len / 2 + 1] = 0xd9;
  damaged = g_bytes_new_take (bytes, len);
  assert_refused (f, damaged, VERVAL_PHOTO_ERROR_CORRUPT);
}

static void
test_refuse_not_image (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "rumah.jpg", NULL);
  g_autofree char *folder = g_build_filename (f->dir, "folder.jpg", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.jpg", NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("Ini bukan foto.\n", 16);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) soi_only = g_bytes_new_static ("\xff\xd8\xff\xe0 garbage", 14);
  g_autoptr(GBytes) gif = g_bytes_new_static ("GIF89a\x01\x00\x01\x00", 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalPhoto) photo = NULL;

  /* a text file named .jpg */
  g_assert_true (g_file_set_contents (path, "Ini bukan foto.\n", -1, NULL));
  photo = verval_photo_import_file (path, f->media, NULL, NULL, &error);
  g_assert_null (photo);
  g_assert_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_NOT_IMAGE);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  photo = verval_photo_import_file (folder, f->media, NULL, NULL, &error);
  g_assert_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_NOT_IMAGE);
  g_clear_error (&error);

  photo = verval_photo_import_file (missing, f->media, NULL, NULL, &error);
  g_assert_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.jpg"));

  assert_refused (f, text, VERVAL_PHOTO_ERROR_NOT_IMAGE);
  assert_refused (f, empty, VERVAL_PHOTO_ERROR_NOT_IMAGE);
  assert_refused (f, soi_only, VERVAL_PHOTO_ERROR_CORRUPT);
  assert_refused (f, gif, VERVAL_PHOTO_ERROR_UNSUPPORTED);
}

/* A few bytes that announce gigapixels are refused before any allocation. */
static void
test_refuse_too_large (Fixture       *f,
                       gconstpointer  data)
{
  static const guint8 png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0x9c, 0x40, 0, 0, 0x9c, 0x40, 8, 2, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
  };
  g_autoptr(GBytes) png_bytes = g_bytes_new_static (png, sizeof png);
  g_autoptr(GBytes) jpeg = plain_jpeg (64, 48, 12, NULL);
  g_autoptr(GBytes) huge = NULL;
  gsize len;
  guint8 *bytes = g_bytes_unref_to_data (g_bytes_ref (jpeg), &len);
  gboolean patched = FALSE;

  assert_refused (f, png_bytes, VERVAL_PHOTO_ERROR_TOO_LARGE);

  /* the frame header of a 64 × 48 JPEG, made to say 60000 × 60000 */
  for (gsize i = 0; i + 9 < len && !patched; i++)
    if (bytes[i] == 0xff && bytes[i + 1] == 0xc0)
      {
        bytes[i + 5] = bytes[i + 7] = 60000 >> 8;
        bytes[i + 6] = bytes[i + 8] = 60000 & 0xff;
        patched = TRUE;
      }
  g_assert_true (patched);
  huge = g_bytes_new_take (bytes, len);
  assert_refused (f, huge, VERVAL_PHOTO_ERROR_TOO_LARGE);
}

/* --- other formats ------------------------------------------------------ */

static void
test_png (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 200, 100);
  g_autoptr(GdkPixbuf) stored = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *buf = NULL;
  gsize len;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  /* left half opaque blue, right half fully transparent */
  for (int y = 0; y < 100; y++)
    for (int x = 0; x < 200; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + x * 4;

        p[0] = 0;
        p[1] = 0;
        p[2] = 255;
        p[3] = x < 100 ? 255 : 0;
      }
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buf, &len, "png", &error, NULL));
  png = g_bytes_new_take (g_steal_pointer (&buf), len);

  photo = import_ok (f, png, NULL);
  g_assert_cmpuint (photo->width, ==, 200);
  g_assert_cmpuint (photo->height, ==, 100);
  stored = load_stored (f, photo, FALSE);
  assert_color (stored, 50, 50, BLUE);
  assert_color (stored, 150, 50, WHITE);  /* transparency becomes white */

  fixture_rm_rf (f->media);
  cut = g_bytes_new_from_bytes (png, 0, g_bytes_get_size (png) / 2);
  assert_refused (f, cut, VERVAL_PHOTO_ERROR_CORRUPT);
}

static gboolean
have_pixbuf_format (const char *name)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *format_name = gdk_pixbuf_format_get_name (l->data);

      if (g_str_equal (format_name, name) && gdk_pixbuf_format_is_writable (l->data))
        return TRUE;
    }
  return FALSE;
}

static void
test_webp (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) webp = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  g_autoptr(GdkPixbuf) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *buf = NULL;
  gsize len;

  if (!have_pixbuf_format ("webp"))
    {
      g_test_skip ("no WebP loader for gdk-pixbuf (webp-pixbuf-loader)");
      return;
    }
  pixbuf = upright_quadrants (2400, 1600);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buf, &len, "webp", &error, "quality", "90", NULL));
  g_assert_no_error (error);
  webp = g_bytes_new_take (g_steal_pointer (&buf), len);

  photo = import_ok (f, webp, NULL);
  g_assert_cmpuint (photo->width, ==, 1600);
  g_assert_cmpuint (photo->height, ==, 1067);
  stored = load_stored (f, photo, FALSE);
  assert_color (stored, 400, 266, RED);
  assert_color (stored, 1200, 800, WHITE);
}

/* --- async, threads, cancellation --------------------------------------- */

typedef struct {
  GPtrArray *photos;
  guint      pending;
} AsyncState;

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;
  VervalPhoto *photo = verval_photo_import_finish (result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (state->photos, photo);
  state->pending--;
}

static void
test_async_parallel (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) photos = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_photo_free);
  AsyncState state = { photos, 0 };
  g_autofree char *path = g_build_filename (f->dir, "camera.jpg", NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  /* Several photos at once: the pipeline keeps no shared state. */
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(GBytes) jpeg = plain_jpeg (1800, 1200, 100 + i, NULL);

      if (i == 0)
        {
          g_assert_true (g_file_set_contents (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), NULL));
          verval_photo_import_file_async (path, f->media, NULL, NULL, on_imported, &state);
        }
      else
        verval_photo_import_bytes_async (jpeg, f->media, NULL, NULL, on_imported, &state);
      state.pending++;
    }
  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (photos->len, ==, 6);
  for (guint i = 0; i < photos->len; i++)
    {
      VervalPhoto *photo = photos->pdata[i];
      g_autofree char *file = verval_photo_build_path (f->media, photo->sha256, FALSE);
      g_autofree char *hash = sha256_of_file (file);

      g_assert_cmpuint (photo->width, ==, 1600);
      g_assert_cmpstr (hash, ==, photo->sha256);
      g_assert_false (g_hash_table_contains (seen, photo->sha256));
      g_hash_table_add (seen, photo->sha256);
    }
}

static void
on_cancelled_import (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GError **error = user_data;
  VervalPhoto *photo = verval_photo_import_finish (result, error);

  g_assert_null (photo);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = plain_jpeg (640, 480, 11, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalPhoto) photo = NULL;

  g_cancellable_cancel (cancellable);
  photo = verval_photo_import_bytes (jpeg, f->media, NULL, cancellable, &error);
  g_assert_null (photo);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  verval_photo_import_bytes_async (jpeg, f->media, NULL, cancellable, on_cancelled_import, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (count_files (f->media), ==, 0);
}

/* --- kill -9 during saves ----------------------------------------------- */

/* The child plays the visit store: import a photo, then commit a row that
 * points to it, over and over, until it is killed. */
static int
child_main (const char *dir)
{
  g_autofree char *media = g_build_filename (dir, "media", NULL);
  g_autofree char *db_path = g_build_filename (dir, "visits.db", NULL);
  sqlite3 *db;
  sqlite3_stmt *insert;

  if (sqlite3_open (db_path, &db) != SQLITE_OK)
    return 2;
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db,
                    "PRAGMA journal_mode=WAL;"
                    "CREATE TABLE IF NOT EXISTS media (sha256 TEXT PRIMARY KEY, relpath TEXT NOT NULL) STRICT;",
                    NULL, NULL, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "INSERT OR IGNORE INTO media (sha256, relpath) VALUES (?1, ?2)",
                             -1, &insert, NULL) != SQLITE_OK)
    return 2;

  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) jpeg = plain_jpeg (1024, 768, (guint) getpid () * 1000 + i, NULL);
      g_autoptr(VervalPhoto) photo = verval_photo_import_bytes (jpeg, media, NULL, NULL, &error);

      if (photo == NULL)
        return 3;
      /* Only now, with the file durable, may the row commit. */
      sqlite3_bind_text (insert, 1, photo->sha256, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 2, photo->relpath, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (insert) != SQLITE_DONE)
        return 4;
      sqlite3_reset (insert);
      printf ("%u\n", i);
      fflush (stdout);
    }
  sqlite3_finalize (insert);
  sqlite3_close (db);
  return 0;
}

static void
check_media_tree (const char *dir,
                  gboolean    thumbs)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          check_media_tree (path, thumbs || g_str_equal (name, "thumbs"));
          continue;
        }
      /* Only complete files under their final names remain. */
      g_assert_true (g_str_has_suffix (name, ".jpg"));
      g_assert_cmpuint (strlen (name), ==, 64 + 4);
      if (!thumbs)
        {
          g_autofree char *hash = sha256_of_file (path);

          g_assert_cmpint (strncmp (hash, name, 64), ==, 0);
        }
    }
}

static void
test_kill9 (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *db_path = g_build_filename (f->dir, "visits.db", NULL);
  sqlite3 *db;
  sqlite3_stmt *select;
  guint rows = 0;

  if (self == NULL)
    {
      g_test_skip ("needs /proc/self/exe");
      return;
    }

  for (guint round = 0; round < 6; round++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GDataInputStream) lines = NULL;
      g_autoptr(GError) error = NULL;

      g_subprocess_launcher_setenv (launcher, CHILD_ENV, f->dir, TRUE);
      child = g_subprocess_launcher_spawn (launcher, &error, self, NULL);
      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      /* Let it commit a few, then kill it somewhere inside the next save. */
      for (guint i = 0; i <= round; i++)
        {
          g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);

          g_assert_no_error (error);
          g_assert_nonnull (line);
        }
      g_usleep (g_test_rand_int_range (0, 40000));
      g_subprocess_force_exit (child);
      g_assert_true (g_subprocess_wait (child, NULL, NULL));
      g_assert_false (g_subprocess_get_if_exited (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
    }

  /* Every committed row points to a complete file. */
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sha256, relpath FROM media", -1, &select, NULL), ==, SQLITE_OK);
  while (sqlite3_step (select) == SQLITE_ROW)
    {
      const char *sha = (const char *) sqlite3_column_text (select, 0);
      g_autofree char *path = g_build_filename (f->media, (const char *) sqlite3_column_text (select, 1), NULL);
      g_autofree char *thumb = verval_photo_build_path (f->media, sha, TRUE);
      g_autofree char *hash = sha256_of_file (path);
      g_autoptr(GdkPixbuf) pixbuf = NULL;

      g_assert_cmpstr (hash, ==, sha);
      pixbuf = gdk_pixbuf_new_from_file (thumb, NULL);
      g_assert_nonnull (pixbuf);
      rows++;
    }
  sqlite3_finalize (select);
  sqlite3_close (db);
  g_assert_cmpuint (rows, >=, 1 + 2 + 3 + 4 + 5 + 6);

  /* What a kill left behind is temporaries only, and the sweep takes them. */
  verval_photo_remove_stale_temp (f->media, 0);
  check_media_tree (f->media, FALSE);
}

int
main (int    argc,
      char **argv)
{
  const char *child_dir = g_getenv (CHILD_ENV);

  if (child_dir != NULL)
    return child_main (child_dir);

  g_test_init (&argc, &argv, NULL);

  for (guint o = 1; o <= 8; o++)
    {
      g_autofree char *path = g_strdup_printf ("/client/photo/orientation/%u", o);

      g_test_add (path, Fixture, GUINT_TO_POINTER (o), fixture_setup, test_orientation, fixture_teardown);
    }
  g_test_add ("/client/photo/scale/camera", Fixture, NULL, fixture_setup, test_scale_camera, fixture_teardown);
  g_test_add ("/client/photo/scale/small", Fixture, NULL, fixture_setup, test_scale_small, fixture_teardown);
  g_test_add ("/client/photo/scale/options", Fixture, NULL, fixture_setup, test_scale_options, fixture_teardown);
  g_test_add ("/client/photo/scale/area-average", Fixture, NULL, fixture_setup, test_scale_area_average, fixture_teardown);
  g_test_add ("/client/photo/gps/hemispheres", Fixture, NULL, fixture_setup, test_gps_hemispheres, fixture_teardown);
  g_test_add ("/client/photo/gps/srational", Fixture, NULL, fixture_setup, test_gps_srational, fixture_teardown);
  g_test_add ("/client/photo/gps/altitude", Fixture, NULL, fixture_setup, test_gps_altitude, fixture_teardown);
  g_test_add ("/client/photo/gps/unusable", Fixture, NULL, fixture_setup, test_gps_unusable, fixture_teardown);
  g_test_add ("/client/photo/exif/times", Fixture, NULL, fixture_setup, test_exif_times, fixture_teardown);
  g_test_add ("/client/photo/exif/stripped", Fixture, NULL, fixture_setup, test_exif_stripped, fixture_teardown);
  g_test_add ("/client/photo/store/content-addressed", Fixture, NULL, fixture_setup, test_store_content_addressed, fixture_teardown);
  g_test_add ("/client/photo/store/unwritable", Fixture, NULL, fixture_setup, test_store_unwritable, fixture_teardown);
  g_test_add ("/client/photo/store/stale-temp", Fixture, NULL, fixture_setup, test_stale_temp, fixture_teardown);
  g_test_add ("/client/photo/store/kill9", Fixture, NULL, fixture_setup, test_kill9, fixture_teardown);
  g_test_add ("/client/photo/refuse/truncated", Fixture, NULL, fixture_setup, test_refuse_truncated, fixture_teardown);
  g_test_add ("/client/photo/refuse/damaged", Fixture, NULL, fixture_setup, test_refuse_damaged, fixture_teardown);
  g_test_add ("/client/photo/refuse/not-image", Fixture, NULL, fixture_setup, test_refuse_not_image, fixture_teardown);
  g_test_add ("/client/photo/refuse/too-large", Fixture, NULL, fixture_setup, test_refuse_too_large, fixture_teardown);
  g_test_add ("/client/photo/format/png", Fixture, NULL, fixture_setup, test_png, fixture_teardown);
  g_test_add ("/client/photo/format/webp", Fixture, NULL, fixture_setup, test_webp, fixture_teardown);
  g_test_add ("/client/photo/async/parallel", Fixture, NULL, fixture_setup, test_async_parallel, fixture_teardown);
  g_test_add ("/client/photo/async/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);

  return g_test_run ();
}
