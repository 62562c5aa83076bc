/* photo-fixture.c: JPEGs with chosen EXIF, written by the tests themselves
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <jpeglib.h>

#include "photo-fixture.h"

ExifData *
fixture_exif_new (void)
{
  ExifData *exif = exif_data_new ();

  exif_data_set_byte_order (exif, EXIF_BYTE_ORDER_INTEL);
  exif_data_set_data_type (exif, EXIF_DATA_TYPE_COMPRESSED);
  return exif;
}

static ExifEntry *
put_entry (ExifData  *exif,
           ExifIfd    ifd,
           ExifTag    tag,
           ExifFormat format,
           guint      components)
{
  ExifMem *mem = exif_mem_new_default ();
  ExifEntry *entry = exif_entry_new_mem (mem);
  ExifEntry *old = exif_content_get_entry (exif->ifd[ifd], tag);
  guint size = exif_format_get_size (format) * components;

  if (old != NULL)
    exif_content_remove_entry (exif->ifd[ifd], old);
  entry->tag = tag;
  entry->format = format;
  entry->components = components;
  entry->size = size;
  entry->data = size > 0 ? exif_mem_alloc (mem, size) : NULL;
  exif_content_add_entry (exif->ifd[ifd], entry);
  exif_entry_unref (entry);
  exif_mem_unref (mem);
  return entry;
}

void
fixture_exif_set_orientation (ExifData *exif,
                              guint     orientation)
{
  ExifEntry *e = put_entry (exif, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1);

  exif_set_short (e->data, EXIF_BYTE_ORDER_INTEL, orientation);
}

void
fixture_exif_set_ascii (ExifData   *exif,
                        ExifIfd     ifd,
                        ExifTag     tag,
                        const char *text)
{
  gsize len = strlen (text);
  ExifEntry *e = put_entry (exif, ifd, tag, EXIF_FORMAT_ASCII, len + 1);

  memcpy (e->data, text, len + 1);
}

static void
set_dms (ExifData *exif,
         ExifTag   tag,
         double    degrees,
         gboolean  srational)
{
  ExifEntry *e = put_entry (exif, EXIF_IFD_GPS, tag,
                            srational ? EXIF_FORMAT_SRATIONAL : EXIF_FORMAT_RATIONAL, 3);
  double d = fabs (degrees);
  guint deg = (guint) d;
  guint min = (guint) ((d - deg) * 60);
  guint sec_x1000 = (guint) llround (((d - deg) * 60 - min) * 60 * 1000);
  guint values[3][2] = { { deg, 1 }, { min, 1 }, { sec_x1000, 1000 } };

  for (guint i = 0; i < 3; i++)
    {
      if (srational)
        {
          ExifSRational r = { (ExifSLong) values[i][0], (ExifSLong) values[i][1] };
          exif_set_srational (e->data + 8 * i, EXIF_BYTE_ORDER_INTEL, r);
        }
      else
        {
          ExifRational r = { values[i][0], values[i][1] };
          exif_set_rational (e->data + 8 * i, EXIF_BYTE_ORDER_INTEL, r);
        }
    }
}

void
fixture_exif_set_gps (ExifData *exif,
                      double    latitude,
                      double    longitude,
                      gboolean  srational)
{
  fixture_exif_set_ascii (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, latitude < 0 ? "S" : "N");
  fixture_exif_set_ascii (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, longitude < 0 ? "W" : "E");
  set_dms (exif, EXIF_TAG_GPS_LATITUDE, latitude, srational);
  set_dms (exif, EXIF_TAG_GPS_LONGITUDE, longitude, srational);
}

void
fixture_exif_set_rationals (ExifData     *exif,
                            ExifIfd       ifd,
                            ExifTag       tag,
                            const double *values,
                            guint         count)
{
  ExifEntry *e = put_entry (exif, ifd, tag, EXIF_FORMAT_RATIONAL, count);

  for (guint i = 0; i < count; i++)
    {
      ExifRational r = { (ExifLong) llround (values[i] * 1000), 1000 };

      exif_set_rational (e->data + 8 * i, EXIF_BYTE_ORDER_INTEL, r);
    }
}

void
fixture_exif_set_altitude (ExifData *exif,
                           double    metres)
{
  ExifEntry *ref = put_entry (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE_REF, EXIF_FORMAT_BYTE, 1);
  ExifEntry *alt = put_entry (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE, EXIF_FORMAT_RATIONAL, 1);
  ExifRational r = { (ExifLong) llround (fabs (metres) * 10), 10 };

  ref->data[0] = metres < 0 ? 1 : 0;
  exif_set_rational (alt->data, EXIF_BYTE_ORDER_INTEL, r);
}

GBytes *
fixture_jpeg (const guint8 *rgb,
              guint         width,
              guint         height,
              guint         quality,
              ExifData     *exif)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buf = NULL;
  unsigned long len = 0;
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buf, &len);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  cinfo.write_JFIF_header = FALSE;
  jpeg_start_compress (&cinfo, TRUE);
  if (exif != NULL)
    {
      unsigned char *data = NULL;
      unsigned int size = 0;

      exif_data_save_data (exif, &data, &size);
      g_assert_nonnull (data);
      jpeg_write_marker (&cinfo, JPEG_APP0 + 1, data, size);
      free (data);
    }
  while (cinfo.next_scanline < height)
    {
      JSAMPROW row = (JSAMPROW) rgb + (gsize) cinfo.next_scanline * width * 3;

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

guint8 *
fixture_scene (guint width,
               guint height,
               guint seed)
{
  guint8 *rgb = g_malloc ((gsize) width * height * 3);
  guint32 state = 0x9e3779b9u ^ (seed * 0x85ebca6bu);
  guint tint = seed * 37;

  for (guint y = 0; y < height; y++)
    {
      guint8 *p = rgb + (gsize) y * width * 3;

      for (guint x = 0; x < width; x++, p += 3)
        {
          /* xorshift: the fine grain a phone leaves after its denoiser */
          int noise;
          int block = (int) (((x / 256) + (y / 192)) & 1);

          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          noise = (int) (state & 15) - 8;
          p[0] = CLAMP ((int) (x * 200 / width) + 30 * block + noise, 0, 255);
          p[1] = CLAMP ((int) (y * 200 / height) + (int) (tint & 63) + noise, 0, 255);
          p[2] = CLAMP (180 - (int) ((x + y) * 120 / (width + height)) - 40 * block + noise, 0, 255);
        }
    }
  return rgb;
}

char *
fixture_write_photo (const char *dir,
                     const char *name,
                     guint       width,
                     guint       height,
                     guint       seed,
                     ExifData   *exif)
{
  g_autofree guint8 *rgb = fixture_scene (width, height, seed);
  g_autoptr(GBytes) jpeg = fixture_jpeg (rgb, width, height, 85, exif);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &error));
  g_assert_no_error (error);
  return path;
}

void
fixture_rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);

          fixture_rm_rf (child);
          g_free (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}
