/* bench-photo.c: a 12 MP camera JPEG through the import, against gdk-pixbuf
 *
 * Prints one key=value per figure. The baseline is gdk-pixbuf loading the
 * same file, scaling it to the same size and saving it at the same quality,
 * timed in the same run. When the real camera photos of ../shared/testdata
 * are there (first argument), they go through the import too, as a
 * robustness check: the damaged one must be refused, the eight orientations
 * must come out alike, and the GPS positions must be read.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "photo-fixture.h"
#include "verval-photo.h"

#define RUNS 9

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v,
        guint   n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return v[n / 2];
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* Processor time as well as wall time: on a busy machine the first says
 * what the work costs, the second what a user waits. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
time_import (const char *source,
             const char *tmp,
             guint       run,
             double     *cpu)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  g_autofree char *media = g_strdup_printf ("%s/media-%u", tmp, run);
  gint64 start = g_get_monotonic_time ();
  double cpu_start = cpu_ms ();
  double ms;

  photo = verval_photo_import_file (source, media, NULL, NULL, &error);
  ms = ms_since (start);
  *cpu = cpu_ms () - cpu_start;
  if (photo == NULL)
    g_error ("import failed: %s", error->message);
  fixture_rm_rf (media);
  return ms;
}

static double
time_pixbuf (const char *source,
             const char *tmp,
             double     *cpu)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autofree char *out = g_build_filename (tmp, "pixbuf.jpg", NULL);
  gint64 start = g_get_monotonic_time ();
  double cpu_start = cpu_ms ();
  double ms;

  pixbuf = gdk_pixbuf_new_from_file (source, &error);
  if (pixbuf == NULL)
    g_error ("gdk-pixbuf load failed: %s", error->message);
  scaled = gdk_pixbuf_scale_simple (pixbuf, 1600, 1200, GDK_INTERP_BILINEAR);
  if (!gdk_pixbuf_save (scaled, out, "jpeg", &error, "quality", "80", NULL))
    g_error ("gdk-pixbuf save failed: %s", error->message);
  ms = ms_since (start);
  *cpu = cpu_ms () - cpu_start;
  g_unlink (out);
  return ms;
}

/* --- The real camera photos --------------------------------------------- */

static guint failures;

#define EXPECT(cond, ...) G_STMT_START {                                 \
    if (!(cond))                                                        \
      {                                                                 \
        failures++;                                                     \
        fprintf (stderr, "real photo check failed: " __VA_ARGS__);      \
        fputc ('\n', stderr);                                           \
      }                                                                 \
  } G_STMT_END

static GdkPixbuf *
load_stored (const char        *media,
             const VervalPhoto *photo)
{
  g_autofree char *path = g_build_filename (media, photo->relpath, NULL);

  return gdk_pixbuf_new_from_file (path, NULL);
}

/* Mean absolute difference per channel value, or +inf if sizes differ. */
static double
pixbuf_difference (GdkPixbuf *a,
                   GdkPixbuf *b)
{
  int w = gdk_pixbuf_get_width (a), h = gdk_pixbuf_get_height (a);
  int n = gdk_pixbuf_get_n_channels (a);
  guint64 sum = 0;

  if (w != gdk_pixbuf_get_width (b) || h != gdk_pixbuf_get_height (b)
      || n != gdk_pixbuf_get_n_channels (b))
    return INFINITY;
  for (int y = 0; y < h; y++)
    {
      const guint8 *pa = gdk_pixbuf_read_pixels (a) + (gsize) y * gdk_pixbuf_get_rowstride (a);
      const guint8 *pb = gdk_pixbuf_read_pixels (b) + (gsize) y * gdk_pixbuf_get_rowstride (b);

      for (int i = 0; i < w * n; i++)
        sum += ABS ((int) pa[i] - (int) pb[i]);
    }
  return (double) sum / ((double) w * h * n);
}

static void
check_location (GHashTable *photos,
                const char *name,
                double      lat,
                double      lon)
{
  VervalPhoto *photo = g_hash_table_lookup (photos, name);

  if (photo == NULL)
    return;  /* absent from this copy of the data, or already reported */
  EXPECT (photo->has_location, "%s: no location", name);
  EXPECT (fabs (photo->latitude - lat) < 0.001 && fabs (photo->longitude - lon) < 0.001,
          "%s: %.5f,%.5f instead of %.4f,%.4f", name, photo->latitude, photo->longitude, lat, lon);
}

static void
check_orientations (GHashTable *photos,
                    const char *media,
                    const char *kind)
{
  g_autofree char *first_name = g_strdup_printf ("orientation_%s_1.jpg", kind);
  g_autoptr(GdkPixbuf) first = NULL;
  g_autoptr(GdkPixbuf) mirrored = NULL;
  g_autoptr(GdkPixbuf) turned = NULL;
  VervalPhoto *photo = g_hash_table_lookup (photos, first_name);

  if (photo == NULL || (first = load_stored (media, photo)) == NULL)
    return;
  /* Each picture carries its own number, so "alike" means much closer to
   * the upright one than to its mirror image or its upside-down copy. */
  mirrored = gdk_pixbuf_flip (first, TRUE);
  turned = gdk_pixbuf_rotate_simple (first, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
  for (guint o = 2; o <= 8; o++)
    {
      g_autofree char *name = g_strdup_printf ("orientation_%s_%u.jpg", kind, o);
      g_autoptr(GdkPixbuf) other = NULL;
      double diff, wrong;

      photo = g_hash_table_lookup (photos, name);
      if (photo == NULL)
        continue;
      other = load_stored (media, photo);
      diff = other ? pixbuf_difference (first, other) : INFINITY;
      wrong = other ? MIN (pixbuf_difference (mirrored, other), pixbuf_difference (turned, other)) : 0;
      g_debug ("%s: %.1f from upright, %.1f from mirrored or upside down", name, diff, wrong);
      EXPECT (diff < 25.0 && diff * 2 < wrong,
              "%s does not look like %s (mean difference %.1f, %.1f to a wrong turn)",
              name, first_name, diff, wrong);
    }
}

static void
run_real_photos (const char *dir,
                 const char *tmp)
{
  g_autoptr(GHashTable) photos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) verval_photo_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *media = g_build_filename (tmp, "real-media", NULL);
  g_autoptr(GDir) d = NULL;
  const char *name;
  double total_ms = 0, max_ms = 0;
  VervalPhoto *photo;

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    {
      printf ("real_photos=skipped\n");
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".jpg"))
      g_ptr_array_add (names, g_strdup (name));

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = names->pdata[i];
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      double ms;

      photo = verval_photo_import_file (path, media, NULL, NULL, &error);
      ms = ms_since (start);
      total_ms += ms;
      max_ms = MAX (max_ms, ms);
      if (g_str_equal (file, "corrupted.jpg"))
        {
          EXPECT (photo == NULL && g_error_matches (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_CORRUPT),
                  "corrupted.jpg was not refused as corrupt");
          g_clear_pointer (&photo, verval_photo_free);
          continue;
        }
      EXPECT (photo != NULL, "%s refused: %s", file, error ? error->message : "?");
      if (photo != NULL)
        g_hash_table_insert (photos, g_strdup (file), photo);
    }

  check_orientations (photos, media, "landscape");
  check_orientations (photos, media, "portrait");
  check_location (photos, "gps_DSCN0010.jpg", 43.4674, 11.8851);
  check_location (photos, "gps_DSCN0012.jpg", 43.4672, 11.8854);
  check_location (photos, "gps_DSCN0021.jpg", 43.4671, 11.8845);
  check_location (photos, "Kodak_CX7530.jpg", -0.3713, 36.0564);
  check_location (photos, "hdr_iphone_hdr_NO.jpg", 40.4470, -3.7248);
  check_location (photos, "mobile_HMD_Nokia_8.3_5G.jpg", 60.1467, 24.9068);
  check_location (photos, "tests_67-0_length_string.jpg", 51.025, 7.592);
  photo = g_hash_table_lookup (photos, "tests_45-gps_ifd.jpg");
  EXPECT (photo == NULL || !photo->has_location, "tests_45-gps_ifd.jpg: a location from nothing");
  photo = g_hash_table_lookup (photos, "hdr_canon_hdr_NO.jpg");
  EXPECT (photo == NULL || (photo->orientation == 6 && photo->height > photo->width),
          "hdr_canon_hdr_NO.jpg: orientation 6 not applied");

  printf ("real_photos=%u\n", names->len);
  printf ("real_photo_ms_mean=%.1f\n", names->len ? total_ms / names->len : 0.0);
  printf ("real_photo_ms_max=%.1f\n", max_ms);
  printf ("real_photos_failed_checks=%u\n", failures);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("verval-bench-photo-XXXXXX", &error);
  g_autofree char *source = NULL;
  g_autofree guint8 *rgb = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  ExifData *exif;
  double ours[RUNS], theirs[RUNS], ours_cpu[RUNS], theirs_cpu[RUNS], ours_ms, theirs_ms, ignored;
  g_autofree char *shm = g_strdup ("/dev/shm/verval-bench-photo-XXXXXX");

  g_assert_no_error (error);

  /* A camera-like 4000×3000 JPEG at quality 92 with EXIF. */
  rgb = fixture_scene (4000, 3000, 1);
  exif = fixture_exif_new ();
  fixture_exif_set_ascii (exif, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "2026:11:22 09:30:00");
  fixture_exif_set_gps (exif, -8.1123, 115.0912, FALSE);
  jpeg = fixture_jpeg (rgb, 4000, 3000, 92, exif);
  exif_data_unref (exif);
  source = g_build_filename (tmp, "camera.jpg", NULL);
  if (!g_file_set_contents (source, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &error))
    g_error ("%s", error->message);

  /* Warm both up: page cache, libraries, loaders. */
  time_import (source, tmp, 0, &ignored);
  time_pixbuf (source, tmp, &ignored);
  for (guint i = 0; i < RUNS; i++)
    {
      ours[i] = time_import (source, tmp, i, &ours_cpu[i]);
      theirs[i] = time_pixbuf (source, tmp, &theirs_cpu[i]);
    }
  ours_ms = median (ours, RUNS);
  theirs_ms = median (theirs, RUNS);

  printf ("photo_source_bytes=%" G_GSIZE_FORMAT "\n", g_bytes_get_size (jpeg));
  printf ("photo_ms=%.1f\n", ours_ms);
  printf ("gdkpixbuf_ms=%.1f\n", theirs_ms);
  printf ("photo_ratio_vs_gdkpixbuf=%.3f\n", ours_ms / theirs_ms);
  printf ("photo_cpu_ms=%.1f\n", median (ours_cpu, RUNS));
  printf ("gdkpixbuf_cpu_ms=%.1f\n", median (theirs_cpu, RUNS));

  /* The same with media/ on tmpfs, where fsync costs nothing: what is left
   * is the computing, apart from this disk's flush latency. */
  if (g_mkdtemp (shm) != NULL)
    {
      for (guint i = 0; i < RUNS; i++)
        ours[i] = time_import (source, shm, i, &ignored);
      printf ("photo_ms_tmpfs=%.1f\n", median (ours, RUNS));
      fixture_rm_rf (shm);
    }

  /* The same picture taken with the phone turned (EXIF orientation 6): it
   * must be turned upright before it is encoded, so the encoding cannot run
   * beside the decoding as it does for an upright photo. */
  {
    g_autoptr(GBytes) turned = NULL;
    g_autofree char *turned_source = g_build_filename (tmp, "turned.jpg", NULL);

    exif = fixture_exif_new ();
    fixture_exif_set_orientation (exif, 6);
    turned = fixture_jpeg (rgb, 4000, 3000, 92, exif);
    exif_data_unref (exif);
    if (!g_file_set_contents (turned_source, g_bytes_get_data (turned, NULL),
                              g_bytes_get_size (turned), &error))
      g_error ("%s", error->message);
    time_import (turned_source, tmp, 0, &ignored);
    for (guint i = 0; i < RUNS; i++)
      ours[i] = time_import (turned_source, tmp, i, &ignored);
    printf ("photo_turned_ms=%.1f\n", median (ours, RUNS));
  }

  if (argc > 1)
    run_real_photos (argv[1], tmp);
  else
    printf ("real_photos=skipped\n");

  fixture_rm_rf (tmp);
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
