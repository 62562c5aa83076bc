/* verval-photo.c: import a camera photo into the content-addressed media folder
 *
 * A 12 MP camera JPEG is decoded by libjpeg with DCT scaling to the smallest
 * size that is still at least the target, so most of the pixels are never
 * produced; an area-averaging resampler, fed one scanline at a time, brings
 * it to the exact size without holding the decoded image. The EXIF
 * orientation is applied, then photo and thumbnail are encoded without any
 * metadata and written under their SHA-256: temporary file, fsync, rename,
 * fsync of the folder. Only then does the caller get the result, so a row
 * that points to the file can never commit before the file is durable.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-photo"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <libexif/exif-data.h>

#include "verval-photo.h"

/* Over this, a file is not a phone photo; refuse before reading it all. */
#define MAX_SOURCE_BYTES (64 * 1024 * 1024)
/* 120 MP covers today's phones; progressive JPEGs of this size already need
 * a few hundred MB of coefficients. */
#define MAX_SOURCE_PIXELS (120u * 1000 * 1000)
#define TEMP_PREFIX ".import-"

G_DEFINE_QUARK (verval-photo-error-quark, verval_photo_error)
G_DEFINE_BOXED_TYPE (VervalPhoto, verval_photo, verval_photo_copy, verval_photo_free)

/* 8-bit RGBX, four bytes a pixel: libjpeg-turbo decodes and encodes it as
 * fast as RGB, and a whole pixel fits one vector lane group. */
#define BPP 4

typedef struct {
  guint8 *pixels;
  guint   width;
  guint   height;
} Image;

static void
image_clear (Image *image)
{
  g_clear_pointer (&image->pixels, g_free);
  image->width = image->height = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Image, image_clear)

void
verval_photo_options_init (VervalPhotoOptions *options)
{
  g_return_if_fail (options != NULL);

  options->max_edge = VERVAL_PHOTO_DEFAULT_MAX_EDGE;
  options->quality = VERVAL_PHOTO_DEFAULT_QUALITY;
  options->thumb_edge = VERVAL_PHOTO_DEFAULT_THUMB_EDGE;
}

VervalPhoto *
verval_photo_copy (const VervalPhoto *photo)
{
  VervalPhoto *copy;

  g_return_val_if_fail (photo != NULL, NULL);

  copy = g_memdup2 (photo, sizeof *photo);
  copy->relpath = g_strdup (photo->relpath);
  copy->thumb_relpath = g_strdup (photo->thumb_relpath);
  copy->taken = photo->taken ? g_date_time_ref (photo->taken) : NULL;
  copy->gps_time = photo->gps_time ? g_date_time_ref (photo->gps_time) : NULL;
  return copy;
}

void
verval_photo_free (VervalPhoto *photo)
{
  if (photo == NULL)
    return;
  g_free (photo->relpath);
  g_free (photo->thumb_relpath);
  g_clear_pointer (&photo->taken, g_date_time_unref);
  g_clear_pointer (&photo->gps_time, g_date_time_unref);
  g_free (photo);
}

/* --- Area-averaging resampler ------------------------------------------- */

/* Each output pixel is the mean of the input area it covers, partial input
 * pixels weighted by their overlap: no aliasing on the way down, no blur
 * beyond what the size change requires. Rows arrive one at a time, so a
 * decoder can feed it scanline by scanline; they are summed vertically as
 * they come (16-bit lanes, weights in 1/256 that add up to exactly 256 per
 * output row, so a sum never exceeds 255 × 256), and the horizontal pass
 * runs once per output row with 1/16384 weights in 32 bits. */
#define V_ONE 256
#define H_BITS 14
#define H_ONE (1 << H_BITS)

typedef struct {
  guint    in_w, in_h, out_w, out_h;
  double   sy;
  guint    taps;       /* input pixels per output pixel, some weights 0 */
  guint   *x_start;
  guint32 *x_weight;   /* out_w × taps */
  guint16 *acc;        /* input-width row being summed vertically */
  guint    acc_weight; /* of the output row being summed, out of V_ONE */
  guint    in_y;
  guint    out_y;
  guint8  *out;        /* out_w × out_h × BPP */
} Resampler;

static void
resampler_clear (Resampler *r)
{
  g_clear_pointer (&r->x_start, g_free);
  g_clear_pointer (&r->x_weight, g_free);
  g_clear_pointer (&r->acc, g_free);
  g_clear_pointer (&r->out, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Resampler, resampler_clear)

static void
resampler_init (Resampler *r,
                guint      in_w,
                guint      in_h,
                guint      out_w,
                guint      out_h)
{
  double sx = (double) in_w / out_w;

  g_assert (in_w > 0 && in_h > 0 && out_w > 0 && out_h > 0);

  memset (r, 0, sizeof *r);
  r->in_w = in_w;
  r->in_h = in_h;
  r->out_w = out_w;
  r->out_h = out_h;
  r->sy = (double) in_h / out_h;
  r->out = g_malloc ((gsize) out_w * out_h * BPP);
  if (in_w == out_w && in_h == out_h)
    return;  /* rows are copied as they come */

  /* A fixed number of taps, zeros included, keeps the horizontal pass free
   * of data-dependent branches; it is the widest span any output pixel
   * really covers (2 for 5:4, not the 3 that ceil (1.25) + 1 would say). */
  for (guint x = 0; x < out_w; x++)
    {
      double x0 = x * sx;
      double x1 = MIN ((x + 1) * sx, (double) in_w);
      guint first = (guint) floor (x0);
      guint last = (guint) MAX (ceil (x1 - 1e-9) - 1, (double) first);

      r->taps = MAX (r->taps, last - first + 1);
    }
  r->taps = MIN (r->taps, in_w);
  r->x_start = g_new (guint, out_w);
  r->x_weight = g_new0 (guint32, (gsize) out_w * r->taps);
  r->acc = g_new0 (guint16, (gsize) in_w * BPP);

  for (guint x = 0; x < out_w; x++)
    {
      double x0 = x * sx;
      double x1 = MIN ((x + 1) * sx, (double) in_w);
      guint first = MIN ((guint) floor (x0), in_w - r->taps);
      guint32 *w = r->x_weight + (gsize) x * r->taps;
      guint32 sum = 0;
      guint largest = 0;

      r->x_start[x] = first;
      for (guint t = 0; t < r->taps; t++)
        {
          double p0 = MAX (x0, (double) (first + t));
          double p1 = MIN (x1, (double) (first + t + 1));

          if (p1 > p0)
            w[t] = (guint32) floor ((p1 - p0) / (x1 - x0) * H_ONE + 0.5);
          sum += w[t];
          if (w[t] > w[largest])
            largest = t;
        }
      /* Exactly one in total, so flat areas stay exactly flat. */
      w[largest] += H_ONE - sum;
    }
}

#if defined(__GNUC__)
typedef guint8 U8x16 __attribute__ ((vector_size (16)));
typedef guint16 U16x16 __attribute__ ((vector_size (32)));
typedef guint16 U16x4 __attribute__ ((vector_size (8)));
typedef guint32 U32x4 __attribute__ ((vector_size (16)));
typedef guint8 U8x4 __attribute__ ((vector_size (4)));
#endif

/* The horizontal pass over the vertical sum: one pixel's four channels at a
 * time. Inlined per tap count so the common counts get unrolled loops. The
 * sums cannot pass 255: the vertical weights add up to 256, the horizontal
 * ones to H_ONE, and every input is at most 255. */
static G_ALWAYS_INLINE inline void
emit_row (const Resampler *r,
          guint8          *dst,
          guint            taps)
{
  const guint32 half = 1u << (H_BITS + 7);

  for (guint x = 0; x < r->out_w; x++, dst += BPP)
    {
      const guint16 *a = r->acc + (gsize) r->x_start[x] * BPP;
      const guint32 *w = r->x_weight + (gsize) x * taps;
#if defined(__GNUC__)
      U32x4 sum = { half, half, half, half };

      for (guint t = 0; t < taps; t++, a += BPP)
        {
          U16x4 v;

          memcpy (&v, a, sizeof v);
          sum += __builtin_convertvector (v, U32x4) * w[t];
        }
      sum >>= H_BITS + 8;
      {
        U8x4 bytes = __builtin_convertvector (sum, U8x4);

        memcpy (dst, &bytes, sizeof bytes);
      }
#else
      guint32 sum[BPP] = { half, half, half, half };

      for (guint t = 0; t < taps; t++, a += BPP)
        for (guint c = 0; c < BPP; c++)
          sum[c] += w[t] * a[c];
      for (guint c = 0; c < BPP; c++)
        dst[c] = (guint8) (sum[c] >> (H_BITS + 8));
#endif
    }
}

static void
resampler_emit (Resampler *r)
{
  guint8 *dst = r->out + (gsize) r->out_y * r->out_w * BPP;

  switch (r->taps)
    {
    case 2: emit_row (r, dst, 2); break;
    case 3: emit_row (r, dst, 3); break;
    case 4: emit_row (r, dst, 4); break;
    default: emit_row (r, dst, r->taps); break;
    }
  memset (r->acc, 0, (gsize) r->in_w * BPP * sizeof *r->acc);
  r->acc_weight = 0;
  r->out_y++;
}

static void
accumulate (guint16      *acc,
            const guint8 *in,
            gsize         n,
            guint16       w)
{
  gsize i = 0;

#if defined(__GNUC__)
  /* 16 values at a time in vector registers, even at -O2. */
  for (; i + 16 <= n; i += 16)
    {
      U8x16 v;
      U16x16 a;

      memcpy (&v, in + i, sizeof v);
      memcpy (&a, acc + i, sizeof a);
      a += __builtin_convertvector (v, U16x16) * w;
      memcpy (acc + i, &a, sizeof a);
    }
#endif
  for (; i < n; i++)
    acc[i] += in[i] * w;
}

static void
resampler_push (Resampler    *r,
                const guint8 *in)
{
  double top = r->in_y;
  double bottom = top + 1.0;
  gsize n = (gsize) r->in_w * BPP;

  if (r->in_y >= r->in_h)
    return;
  if (r->acc == NULL)
    {
      memcpy (r->out + (gsize) r->in_y * n, in, n);
      r->in_y++;
      r->out_y++;
      return;
    }

  while (r->out_y < r->out_h)
    {
      double y0 = r->out_y * r->sy;
      double y1 = y0 + r->sy;
      double overlap = MIN (bottom, y1) - MAX (top, y0);
      gboolean last = y1 <= bottom + 1e-9 || r->in_y + 1 == r->in_h;
      guint w = 0;

      /* The row that completes an output row takes what is left of 256,
       * so rounding never pushes a sum past 16 bits. */
      if (last)
        w = V_ONE - r->acc_weight;
      else if (overlap > 0)
        w = MIN ((guint) floor (overlap / r->sy * V_ONE + 0.5), V_ONE - r->acc_weight);
      if (w > 0)
        {
          accumulate (r->acc, in, n, w);
          r->acc_weight += w;
        }
      if (!last)
        break;
      resampler_emit (r);
      if (y1 > bottom + 1e-9)
        break;  /* the final input row, rounding left an output row open */
    }
  r->in_y++;
  if (r->in_y == r->in_h)
    while (r->out_y < r->out_h)
      resampler_emit (r);
}

/* Takes the finished image out of the resampler. */
static void
resampler_steal (Resampler *r,
                 Image     *image)
{
  g_assert (r->out_y == r->out_h);
  image->pixels = g_steal_pointer (&r->out);
  image->width = r->out_w;
  image->height = r->out_h;
}

/* The size that fits max_edge, keeping the aspect ratio, never upscaled. */
static void
fit_size (guint  width,
          guint  height,
          guint  max_edge,
          guint *out_w,
          guint *out_h)
{
  guint long_edge = MAX (width, height);

  if (long_edge <= max_edge)
    {
      *out_w = width;
      *out_h = height;
      return;
    }
  *out_w = MAX (1, (guint) floor ((double) width * max_edge / long_edge + 0.5));
  *out_h = MAX (1, (guint) floor ((double) height * max_edge / long_edge + 0.5));
}

static void
scale_image (const Image *src,
             guint        max_edge,
             Image       *dst)
{
  g_auto(Resampler) r = { 0 };
  guint w, h;

  fit_size (src->width, src->height, max_edge, &w, &h);
  resampler_init (&r, src->width, src->height, w, h);
  for (guint y = 0; y < src->height; y++)
    resampler_push (&r, src->pixels + (gsize) y * src->width * BPP);
  resampler_steal (&r, dst);
}

/* --- Orientation -------------------------------------------------------- */

/* EXIF orientation says how the stored pixels must be turned to be upright.
 * Row y of the stored image (sw × sh) lands in the upright one (dw wide)
 * starting at pixel base and moving by step per stored pixel; rows can so
 * be placed one at a time, as they are produced. */
static void
orient_row (guint8       *dst,
            guint         dw,
            guint         sw,
            guint         sh,
            guint         orientation,
            guint         y,
            const guint8 *row)
{
  gssize base, step;

  switch (orientation)
    {
    case 2: base = (gssize) y * dw + sw - 1;                 step = -1;           break;
    case 3: base = (gssize) (sh - 1 - y) * dw + sw - 1;      step = -1;           break;
    case 4: base = (gssize) (sh - 1 - y) * dw;               step = 1;            break;
    case 5: base = y;                                        step = dw;           break;
    case 6: base = sh - 1 - y;                               step = dw;           break;
    case 7: base = (gssize) (sw - 1) * dw + sh - 1 - y;      step = -(gssize) dw; break;
    case 8: base = (gssize) (sw - 1) * dw + y;               step = -(gssize) dw; break;
    default:
      memcpy (dst + (gsize) y * dw * BPP, row, (gsize) sw * BPP);
      return;
    }
  for (guint x = 0; x < sw; x++, base += step)
    memcpy (dst + base * BPP, row + (gsize) x * BPP, BPP);
}

/* Whether orient_row () moves anything for this EXIF orientation. */
static gboolean
orientation_turns (guint orientation)
{
  return orientation >= 2 && orientation <= 8;
}

/* An empty image of the upright size of a stored sw × sh one. */
static void
orient_alloc (Image *upright,
              guint  sw,
              guint  sh,
              guint  orientation)
{
  upright->width = orientation >= 5 && orientation <= 8 ? sh : sw;
  upright->height = orientation >= 5 && orientation <= 8 ? sw : sh;
  upright->pixels = g_malloc ((gsize) upright->width * upright->height * BPP);
}

static void
orient_image (Image *image,
              guint  orientation)
{
  Image upright;

  if (!orientation_turns (orientation))
    return;
  orient_alloc (&upright, image->width, image->height, orientation);
  for (guint y = 0; y < image->height; y++)
    orient_row (upright.pixels, upright.width, image->width, image->height, orientation, y,
                image->pixels + (gsize) y * image->width * BPP);
  g_free (image->pixels);
  *image = upright;
}

/* --- EXIF --------------------------------------------------------------- */

static const ExifEntry *
exif_entry (ExifData  *data,
            ExifIfd    ifd,
            ExifTag    tag,
            ExifFormat format,
            guint      min_components)
{
  ExifEntry *entry = exif_content_get_entry (data->ifd[ifd], tag);

  if (entry == NULL || entry->format != format || entry->data == NULL
      || entry->components < min_components
      || entry->size < exif_format_get_size (format) * min_components)
    return NULL;
  return entry;
}

/* Copies an ASCII entry into buf; zero-length and unterminated strings occur
 * in the wild. */
static gboolean
exif_ascii (ExifData *data,
            ExifIfd   ifd,
            ExifTag   tag,
            char     *buf,
            gsize     buf_size)
{
  const ExifEntry *entry = exif_entry (data, ifd, tag, EXIF_FORMAT_ASCII, 1);
  gsize n;

  if (entry == NULL)
    return FALSE;
  n = MIN (entry->size, buf_size - 1);
  memcpy (buf, entry->data, n);
  buf[n] = '\0';
  g_strstrip (buf);
  return buf[0] != '\0';
}

/* RATIONAL by the standard; some phones (Nokia 8.3) write SRATIONAL. */
static gboolean
exif_rationals (ExifData *data,
                ExifIfd   ifd,
                ExifTag   tag,
                guint     count,
                double   *values)
{
  const ExifEntry *entry = exif_entry (data, ifd, tag, EXIF_FORMAT_RATIONAL, count);
  ExifByteOrder order = exif_data_get_byte_order (data);
  gboolean is_signed = FALSE;

  if (entry == NULL)
    {
      entry = exif_entry (data, ifd, tag, EXIF_FORMAT_SRATIONAL, count);
      is_signed = TRUE;
    }
  if (entry == NULL)
    return FALSE;
  for (guint i = 0; i < count; i++)
    {
      if (is_signed)
        {
          ExifSRational r = exif_get_srational (entry->data + 8 * i, order);

          if (r.denominator == 0)
            return FALSE;
          values[i] = (double) r.numerator / r.denominator;
        }
      else
        {
          ExifRational r = exif_get_rational (entry->data + 8 * i, order);

          if (r.denominator == 0)
            return FALSE;
          values[i] = (double) r.numerator / r.denominator;
        }
    }
  return TRUE;
}

/* "2026:11:22 10:15:00" in the given zone; NULL for the all-zero blanks some
 * cameras write. */
static GDateTime *
parse_exif_datetime (const char *text,
                     GTimeZone  *tz)
{
  int y, mo, d, h = 0, mi = 0;
  double s = 0;

  if (sscanf (text, "%4d:%2d:%2d %2d:%2d:%lf", &y, &mo, &d, &h, &mi, &s) < 3
      || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31
      || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s >= 60)
    return NULL;
  return g_date_time_new (tz, y, mo, d, h, mi, s);
}

/* The sign is the hemisphere letter's business alone. */
static double
exif_dms (const double dms[3])
{
  return fabs (dms[0]) + fabs (dms[1]) / 60.0 + fabs (dms[2]) / 3600.0;
}

static void
read_location (ExifData    *data,
               VervalPhoto *photo)
{
  char lat_ref[4], lon_ref[4], status[4], date[16];
  double lat[3], lon[3], value, hms[3];
  const ExifEntry *alt_ref;

  if (exif_ascii (data, EXIF_IFD_GPS, EXIF_TAG_GPS_STATUS, status, sizeof status)
      && status[0] == 'V')
    return;  /* the receiver said it had no fix */
  if (!exif_ascii (data, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, lat_ref, sizeof lat_ref)
      || !exif_ascii (data, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, lon_ref, sizeof lon_ref)
      || !exif_rationals (data, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE, 3, lat)
      || !exif_rationals (data, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE, 3, lon))
    return;
  /* Without the hemisphere letters a position could be in the wrong half of
   * the world (most of Indonesia is south): better none. */
  if ((lat_ref[0] != 'N' && lat_ref[0] != 'S') || (lon_ref[0] != 'E' && lon_ref[0] != 'W'))
    return;

  photo->latitude = exif_dms (lat) * (lat_ref[0] == 'S' ? -1 : 1);
  photo->longitude = exif_dms (lon) * (lon_ref[0] == 'W' ? -1 : 1);
  if (!isfinite (photo->latitude) || !isfinite (photo->longitude)
      || fabs (photo->latitude) > 90 || fabs (photo->longitude) > 180
      || (photo->latitude == 0 && photo->longitude == 0))
    {
      photo->latitude = photo->longitude = 0;
      return;
    }
  photo->has_location = TRUE;

  if (exif_rationals (data, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE, 1, &value) && isfinite (value))
    {
      alt_ref = exif_entry (data, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE_REF, EXIF_FORMAT_BYTE, 1);
      photo->has_altitude = TRUE;
      photo->altitude = (alt_ref != NULL && alt_ref->data[0] == 1) ? -fabs (value) : value;
    }
  if (exif_rationals (data, EXIF_IFD_GPS, EXIF_TAG_GPS_H_POSITIONING_ERROR, 1, &value)
      && isfinite (value) && value >= 0)
    photo->accuracy_m = value;

  if (exif_ascii (data, EXIF_IFD_GPS, EXIF_TAG_GPS_DATE_STAMP, date, sizeof date)
      && exif_rationals (data, EXIF_IFD_GPS, EXIF_TAG_GPS_TIME_STAMP, 3, hms)
      && hms[0] >= 0 && hms[0] < 24 && hms[1] >= 0 && hms[1] < 60 && hms[2] >= 0 && hms[2] < 60)
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autofree char *text = g_strdup_printf ("%s %02d:%02d:%09.6f", date,
                                               (int) hms[0], (int) hms[1], hms[2]);

      photo->gps_time = parse_exif_datetime (text, utc);
    }
}

/* Reads what we keep from an APP1 "Exif\0\0" payload. */
static void
read_exif (const guint8 *app1,
           gsize         len,
           VervalPhoto  *photo)
{
  g_autoptr(GTimeZone) tz = NULL;
  ExifData *data;
  const ExifEntry *entry;
  char text[64], offset[16];

  data = exif_data_new ();
  if (data == NULL)
    return;
  /* Read what is there, do not "repair" it into something else. */
  exif_data_unset_option (data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_unset_option (data, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
  exif_data_load_data (data, app1, (unsigned int) len);

  entry = exif_entry (data, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1);
  if (entry != NULL)
    {
      ExifShort o = exif_get_short (entry->data, exif_data_get_byte_order (data));

      if (o >= 1 && o <= 8)
        photo->orientation = o;
    }

  /* Camera clocks are local time; newer phones say which zone. */
  if (exif_ascii (data, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, offset, sizeof offset)
      && (offset[0] == '+' || offset[0] == '-'))
    tz = g_time_zone_new_identifier (offset);
  if (tz == NULL)
    tz = g_time_zone_new_local ();
  if (exif_ascii (data, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, text, sizeof text)
      || exif_ascii (data, EXIF_IFD_0, EXIF_TAG_DATE_TIME, text, sizeof text))
    photo->taken = parse_exif_datetime (text, tz);

  read_location (data, photo);
  exif_data_unref (data);
}

/* --- JPEG decode and encode --------------------------------------------- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  gboolean              damaged;
  char                  message[JMSG_LENGTH_MAX];
} JpegErrorMgr;

static void
jpeg_on_error_exit (j_common_ptr cinfo)
{
  JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;

  cinfo->err->format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

/* libjpeg carries on past missing or broken entropy data with a warning and
 * paints the rest grey; for evidence photos that is a corrupt file. */
static void
jpeg_on_emit_message (j_common_ptr cinfo,
                      int          level)
{
  JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;

  if (level >= 0)
    return;
  cinfo->err->num_warnings++;
  switch (cinfo->err->msg_code)
    {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
      err->damaged = TRUE;
      cinfo->err->format_message (cinfo, err->message);
      longjmp (err->jump, 1);
    default:
      break;
    }
}

static void
jpeg_on_output_message (j_common_ptr cinfo)
{
}

static void
jpeg_error_mgr_init (JpegErrorMgr *err)
{
  jpeg_std_error (&err->pub);
  err->pub.error_exit = jpeg_on_error_exit;
  err->pub.emit_message = jpeg_on_emit_message;
  err->pub.output_message = jpeg_on_output_message;
  err->damaged = FALSE;
  err->message[0] = '\0';
}

static void
set_corrupt_error (GError    **error,
                   const char *detail)
{
  g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_CORRUPT,
               _("The photo is damaged and cannot be used (%s). Take the photo again."),
               detail);
}

static void
cmyk_to_rgbx (guint8   *row,
              guint     width,
              gboolean  inverted)
{
  for (guint x = 0; x < width; x++)
    {
      guint c = row[x * 4], m = row[x * 4 + 1], y = row[x * 4 + 2], k = row[x * 4 + 3];

      if (!inverted)
        {
          c = 255 - c;
          m = 255 - m;
          y = 255 - y;
          k = 255 - k;
        }
      row[x * 4] = c * k / 255;
      row[x * 4 + 1] = m * k / 255;
      row[x * 4 + 2] = y * k / 255;
    }
}

/* --- Encoding, all at once or row by row -------------------------------- */

typedef struct {
  struct jpeg_compress_struct cinfo;
  JpegErrorMgr                err;
  unsigned char              *buf;
  unsigned char              *initial;  /* ours; libjpeg does not free it if it grows */
  unsigned long               len;
  gboolean                    failed;
} JpegEncoder;

static void
encoder_free (JpegEncoder *enc)
{
  jpeg_destroy_compress (&enc->cinfo);
  if (enc->buf != enc->initial)
    free (enc->buf);
  free (enc->initial);
  g_free (enc);
}

/* Never NULL: a libjpeg failure is kept for encoder_finish () to report. */
static JpegEncoder *
encoder_new (guint width,
             guint height,
             guint quality)
{
  JpegEncoder *enc = g_new0 (JpegEncoder, 1);

  enc->cinfo.err = &enc->err.pub;
  jpeg_error_mgr_init (&enc->err);
  if (setjmp (enc->err.jump))
    {
      enc->failed = TRUE;
      return enc;
    }

  jpeg_create_compress (&enc->cinfo);
  /* Room for a generous quality-80 result up front, so the buffer is not
   * grown and copied over and over; untouched pages cost nothing. */
  enc->len = (unsigned long) width * height + 65536;
  enc->buf = enc->initial = malloc (enc->len);
  if (enc->buf == NULL)
    enc->len = 0;
  jpeg_mem_dest (&enc->cinfo, &enc->buf, &enc->len);
  enc->cinfo.image_width = width;
  enc->cinfo.image_height = height;
  enc->cinfo.input_components = BPP;
  enc->cinfo.in_color_space = JCS_EXT_RGBX;
  jpeg_set_defaults (&enc->cinfo);
  jpeg_set_quality (&enc->cinfo, CLAMP ((int) quality, 1, 100), TRUE);
  /* Smaller files for slow links, at the price of a second pass. */
  enc->cinfo.optimize_coding = TRUE;
  jpeg_start_compress (&enc->cinfo, TRUE);
  return enc;
}

static void
encoder_write (JpegEncoder  *enc,
               const guint8 *pixels,
               guint         n_rows,
               gsize         stride)
{
  if (enc->failed)
    return;
  if (setjmp (enc->err.jump))
    {
      enc->failed = TRUE;
      return;
    }
  for (guint i = 0; i < n_rows; i++)
    {
      JSAMPROW rows[1] = { (JSAMPROW) pixels + i * stride };

      jpeg_write_scanlines (&enc->cinfo, rows, 1);
    }
}

/* Consumes enc. */
static GBytes *
encoder_finish (JpegEncoder  *enc,
                GError      **error)
{
  GBytes *bytes;

  if (!enc->failed)
    {
      if (setjmp (enc->err.jump))
        enc->failed = TRUE;
      else
        jpeg_finish_compress (&enc->cinfo);
    }
  if (enc->failed)
    {
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_IO,
                   _("Could not encode the photo: %s"), enc->err.message);
      encoder_free (enc);
      return NULL;
    }

  if (enc->buf != enc->initial)
    g_clear_pointer (&enc->initial, free);
  bytes = g_bytes_new_with_free_func (enc->buf, enc->len, free, enc->buf);
  enc->buf = enc->initial = NULL;
  encoder_free (enc);
  return bytes;
}

static GBytes *
encode_jpeg (const Image *image,
             guint        quality,
             GError     **error)
{
  JpegEncoder *enc = encoder_new (image->width, image->height, quality);

  encoder_write (enc, image->pixels, image->height, (gsize) image->width * BPP);
  return encoder_finish (enc, error);
}

/* --- Scaling (and encoding) beside the decoder --------------------------- */

/* Decoding a camera JPEG is bound by its entropy decoding, which cannot be
 * split; everything after it can run beside it. The decoder writes rows
 * into a small ring and a second thread takes them out and feeds the
 * resampler; each finished output row then goes on to the thumbnail's
 * resampler and either straight to the encoder (a photo that needs no
 * turning) or to its upright place (one that does, encoded afterwards). */
#define RING_ROWS 32

typedef struct {
  GMutex       lock;
  GCond        cond;
  guint8      *ring;
  gsize        row_bytes;
  guint        produced;  /* rows the decoder has put in the ring */
  guint        consumed;  /* rows the scaler has taken out of it */
  gboolean     finished;  /* no more rows will come */
  gboolean     aborted;   /* stop now, the result is not wanted */
  Resampler    resampler;
  Resampler    thumb;
  guint        orientation;
  Image        upright;   /* when the photo needs turning */
  JpegEncoder *encoder;   /* when it does not */
  guint        done_rows; /* output rows passed on */
  GThread     *thread;
} ScalePipe;

/* Passes on the output rows the resampler has finished since last time. */
static void
scale_pipe_pass_on (ScalePipe *pipe)
{
  Resampler *r = &pipe->resampler;
  gsize stride = (gsize) r->out_w * BPP;

  if (pipe->done_rows == r->out_y)
    return;
  if (pipe->encoder != NULL)
    encoder_write (pipe->encoder, r->out + pipe->done_rows * stride,
                   r->out_y - pipe->done_rows, stride);
  for (guint y = pipe->done_rows; y < r->out_y; y++)
    {
      const guint8 *row = r->out + y * stride;

      resampler_push (&pipe->thumb, row);
      if (pipe->upright.pixels != NULL)
        orient_row (pipe->upright.pixels, pipe->upright.width, r->out_w, r->out_h,
                    pipe->orientation, y, row);
    }
  pipe->done_rows = r->out_y;
}

static gpointer
scale_pipe_thread (gpointer data)
{
  ScalePipe *pipe = data;

  for (;;)
    {
      const guint8 *row;

      g_mutex_lock (&pipe->lock);
      while (pipe->produced == pipe->consumed && !pipe->finished && !pipe->aborted)
        g_cond_wait (&pipe->cond, &pipe->lock);
      if (pipe->aborted || pipe->produced == pipe->consumed)
        {
          g_mutex_unlock (&pipe->lock);
          break;
        }
      row = pipe->ring + (gsize) (pipe->consumed % RING_ROWS) * pipe->row_bytes;
      g_mutex_unlock (&pipe->lock);

      resampler_push (&pipe->resampler, row);
      scale_pipe_pass_on (pipe);

      g_mutex_lock (&pipe->lock);
      pipe->consumed++;
      g_cond_signal (&pipe->cond);
      g_mutex_unlock (&pipe->lock);
    }
  return NULL;
}

static void
scale_pipe_start (ScalePipe                *pipe,
                  guint                     in_w,
                  guint                     in_h,
                  guint                     out_w,
                  guint                     out_h,
                  guint                     orientation,
                  const VervalPhotoOptions *options)
{
  guint thumb_w, thumb_h;

  g_mutex_init (&pipe->lock);
  g_cond_init (&pipe->cond);
  pipe->row_bytes = (gsize) in_w * BPP;
  pipe->ring = g_malloc (pipe->row_bytes * RING_ROWS);
  resampler_init (&pipe->resampler, in_w, in_h, out_w, out_h);
  fit_size (out_w, out_h, options->thumb_edge, &thumb_w, &thumb_h);
  resampler_init (&pipe->thumb, out_w, out_h, thumb_w, thumb_h);
  pipe->orientation = orientation;
  if (orientation_turns (orientation))
    orient_alloc (&pipe->upright, out_w, out_h, orientation);
  else
    pipe->encoder = encoder_new (out_w, out_h, options->quality);
  pipe->thread = g_thread_new ("verval-photo-scale", scale_pipe_thread, pipe);
}

/* The ring row to decode into next, once the scaler has made room. */
static guint8 *
scale_pipe_next_row (ScalePipe *pipe)
{
  guint8 *row;

  g_mutex_lock (&pipe->lock);
  while (pipe->produced - pipe->consumed == RING_ROWS)
    g_cond_wait (&pipe->cond, &pipe->lock);
  row = pipe->ring + (gsize) (pipe->produced % RING_ROWS) * pipe->row_bytes;
  g_mutex_unlock (&pipe->lock);
  return row;
}

static void
scale_pipe_push_row (ScalePipe *pipe)
{
  g_mutex_lock (&pipe->lock);
  pipe->produced++;
  g_cond_signal (&pipe->cond);
  g_mutex_unlock (&pipe->lock);
}

/* Waits for the scaler; safe on a pipe that never started. */
static void
scale_pipe_stop (ScalePipe *pipe,
                 gboolean   abort)
{
  if (pipe->thread == NULL)
    return;
  g_mutex_lock (&pipe->lock);
  pipe->finished = TRUE;
  pipe->aborted = abort;
  g_cond_signal (&pipe->cond);
  g_mutex_unlock (&pipe->lock);
  g_clear_pointer (&pipe->thread, g_thread_join);
  g_clear_pointer (&pipe->ring, g_free);
  g_mutex_clear (&pipe->lock);
  g_cond_clear (&pipe->cond);
}

static void
scale_pipe_abort (ScalePipe *pipe)
{
  scale_pipe_stop (pipe, TRUE);
  g_clear_pointer (&pipe->encoder, encoder_free);
  resampler_clear (&pipe->resampler);
  resampler_clear (&pipe->thumb);
  image_clear (&pipe->upright);
}

/* After the last row: the upright scaled image and thumbnail, and the
 * image's encoding if it was made on the way. */
static gboolean
scale_pipe_finish (ScalePipe  *pipe,
                   Image      *image,
                   Image      *thumb,
                   GBytes    **encoded,
                   GError    **error)
{
  scale_pipe_stop (pipe, FALSE);
  if (pipe->upright.pixels != NULL)
    {
      *image = pipe->upright;
      pipe->upright = (Image) { 0 };
    }
  else
    resampler_steal (&pipe->resampler, image);
  resampler_clear (&pipe->resampler);
  resampler_steal (&pipe->thumb, thumb);
  resampler_clear (&pipe->thumb);
  orient_image (thumb, pipe->orientation);
  if (pipe->encoder != NULL)
    {
      *encoded = encoder_finish (g_steal_pointer (&pipe->encoder), error);
      if (*encoded == NULL)
        return FALSE;
    }
  return TRUE;
}

/* --- JPEG decoding ------------------------------------------------------ */

typedef struct {
  struct jpeg_decompress_struct cinfo;
  JpegErrorMgr                  err;
  ScalePipe                     pipe;
} JpegDecoder;

/* Decodes, scales to fit options->max_edge and turns upright, and makes
 * the thumbnail. When the photo needs no turning, the scaled image is also
 * encoded on the way into *encoded. */
static gboolean
decode_jpeg (const guint8             *data,
             gsize                     len,
             const VervalPhotoOptions *options,
             VervalPhoto              *photo,
             Image                    *image,
             Image                    *thumb,
             GBytes                  **encoded,
             GError                  **error)
{
  /* Everything a longjmp must be able to clean up lives in the heap block. */
  g_autofree JpegDecoder *dec = g_new0 (JpegDecoder, 1);
  guint out_w, out_h;
  gboolean cmyk;

  dec->cinfo.err = &dec->err.pub;
  jpeg_error_mgr_init (&dec->err);
  if (setjmp (dec->err.jump))
    {
      set_corrupt_error (error, dec->err.message);
      jpeg_destroy_decompress (&dec->cinfo);
      scale_pipe_abort (&dec->pipe);
      return FALSE;
    }

  jpeg_create_decompress (&dec->cinfo);
  jpeg_mem_src (&dec->cinfo, data, (unsigned long) len);
  jpeg_save_markers (&dec->cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header (&dec->cinfo, TRUE);

  for (jpeg_saved_marker_ptr m = dec->cinfo.marker_list; m != NULL; m = m->next)
    if (m->marker == JPEG_APP0 + 1 && m->data_length > 6
        && memcmp (m->data, "Exif\0\0", 6) == 0)
      {
        read_exif (m->data, m->data_length, photo);
        break;
      }

  if ((guint64) dec->cinfo.image_width * dec->cinfo.image_height > MAX_SOURCE_PIXELS)
    {
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_TOO_LARGE,
                   _("The photo is too large (%u × %u pixels)"),
                   dec->cinfo.image_width, dec->cinfo.image_height);
      jpeg_destroy_decompress (&dec->cinfo);
      return FALSE;
    }

  cmyk = dec->cinfo.jpeg_color_space == JCS_CMYK || dec->cinfo.jpeg_color_space == JCS_YCCK;
  dec->cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBX;

  /* The smallest DCT scale (n/8) whose output still covers the target. */
  fit_size (dec->cinfo.image_width, dec->cinfo.image_height, options->max_edge, &out_w, &out_h);
  for (guint num = 1; num <= 8; num++)
    {
      dec->cinfo.scale_num = num;
      dec->cinfo.scale_denom = 8;
      jpeg_calc_output_dimensions (&dec->cinfo);
      if (dec->cinfo.output_width >= out_w && dec->cinfo.output_height >= out_h)
        break;
    }
  /* When the resampler shrinks further anyway, libjpeg's merged (box)
   * chroma upsampling is as good as the smooth one, and cheaper. */
  if (dec->cinfo.output_width > out_w)
    dec->cinfo.do_fancy_upsampling = FALSE;
  g_debug ("decoding %ux%u at %u/8 to %ux%u, then %ux%u",
           dec->cinfo.image_width, dec->cinfo.image_height, dec->cinfo.scale_num,
           dec->cinfo.output_width, dec->cinfo.output_height, out_w, out_h);

  jpeg_start_decompress (&dec->cinfo);
  scale_pipe_start (&dec->pipe, dec->cinfo.output_width, dec->cinfo.output_height,
                    out_w, out_h, photo->orientation, options);
  while (dec->cinfo.output_scanline < dec->cinfo.output_height)
    {
      JSAMPROW rows[1] = { scale_pipe_next_row (&dec->pipe) };

      if (jpeg_read_scanlines (&dec->cinfo, rows, 1) != 1)
        ERREXIT (&dec->cinfo, JERR_INPUT_EMPTY);
      if (cmyk)
        cmyk_to_rgbx (rows[0], dec->cinfo.output_width, dec->cinfo.saw_Adobe_marker);
      scale_pipe_push_row (&dec->pipe);
    }
  /* No jpeg_finish_decompress (): the pixels are all here, and a missing EOI
   * or trailing bytes after them do not make the photo worse. */
  jpeg_destroy_decompress (&dec->cinfo);
  return scale_pipe_finish (&dec->pipe, image, thumb, encoded, error);
}

/* --- Other formats through gdk-pixbuf ----------------------------------- */

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint32
read_le24 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16;
}

/* The size a PNG or WebP header announces, before any decoder sees it. */
static gboolean
peek_dimensions (const guint8 *d,
                 gsize         len,
                 const char   *type,
                 guint        *w,
                 guint        *h)
{
  if (g_str_equal (type, "png") && len >= 24 && memcmp (d + 12, "IHDR", 4) == 0)
    {
      *w = read_be32 (d + 16);
      *h = read_be32 (d + 20);
      return TRUE;
    }
  if (!g_str_equal (type, "webp") || len < 30)
    return FALSE;
  if (memcmp (d + 12, "VP8X", 4) == 0)
    {
      *w = read_le24 (d + 24) + 1;
      *h = read_le24 (d + 27) + 1;
      return TRUE;
    }
  if (memcmp (d + 12, "VP8 ", 4) == 0)
    {
      *w = (d[26] | d[27] << 8) & 0x3fff;
      *h = (d[28] | d[29] << 8) & 0x3fff;
      return TRUE;
    }
  if (memcmp (d + 12, "VP8L", 4) == 0)
    {
      guint32 bits = (guint32) d[21] | (guint32) d[22] << 8 | (guint32) d[23] << 16 | (guint32) d[24] << 24;

      *w = (bits & 0x3fff) + 1;
      *h = ((bits >> 14) & 0x3fff) + 1;
      return TRUE;
    }
  return FALSE;
}

static gboolean
decode_with_pixbuf (const guint8 *data,
                    gsize         len,
                    const char   *type,
                    guint         max_edge,
                    VervalPhoto  *photo,
                    Image        *image,
                    GError      **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(Image) rgb = { 0 };
  GdkPixbuf *pixbuf;
  const char *orientation;
  const guint8 *pixels;
  guint w, h, channels, stride;
  guint32 riff_size = 0;

  /* gdk-pixbuf's progressive loaders accept a file cut short and fill in
   * the rest; check that the container is whole first. */
  if (g_str_equal (type, "webp"))
    memcpy (&riff_size, data + 4, sizeof riff_size);
  if ((g_str_equal (type, "png")
       && (len < 8 + 12 || memcmp (data + len - 8, "IEND\xae\x42\x60\x82", 8) != 0))
      || (g_str_equal (type, "webp") && GUINT32_FROM_LE (riff_size) > len - 8))
    {
      set_corrupt_error (error, _("the file is incomplete"));
      return FALSE;
    }
  /* A few bytes can announce gigapixels; refuse before anything allocates. */
  if (peek_dimensions (data, len, type, &w, &h) && (guint64) w * h > MAX_SOURCE_PIXELS)
    {
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_TOO_LARGE,
                   _("The photo is too large (%u × %u pixels)"), w, h);
      return FALSE;
    }

  loader = gdk_pixbuf_loader_new_with_type (type, &local_error);
  if (loader == NULL)
    {
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_UNSUPPORTED,
                   _("This device cannot read %s pictures"), type);
      return FALSE;
    }
  if (!gdk_pixbuf_loader_write (loader, data, len, &local_error)
      || !gdk_pixbuf_loader_close (loader, &local_error))
    {
      set_corrupt_error (error, local_error->message);
      return FALSE;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8)
    {
      set_corrupt_error (error, type);
      return FALSE;
    }

  w = gdk_pixbuf_get_width (pixbuf);
  h = gdk_pixbuf_get_height (pixbuf);
  if ((guint64) w * h > MAX_SOURCE_PIXELS)
    {
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_TOO_LARGE,
                   _("The photo is too large (%u × %u pixels)"), w, h);
      return FALSE;
    }
  orientation = gdk_pixbuf_get_option (pixbuf, "orientation");
  if (orientation != NULL && orientation[0] >= '1' && orientation[0] <= '8' && orientation[1] == '\0')
    photo->orientation = orientation[0] - '0';

  /* Flatten onto white: transparent screenshots should not turn black. */
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  rgb.width = w;
  rgb.height = h;
  rgb.pixels = g_malloc ((gsize) w * h * BPP);
  for (guint y = 0; y < h; y++)
    {
      const guint8 *s = pixels + (gsize) y * stride;
      guint8 *d = rgb.pixels + (gsize) y * w * BPP;

      for (guint x = 0; x < w; x++, s += channels, d += BPP)
        {
          guint a = channels == 4 ? s[3] : 255;

          for (guint c = 0; c < 3; c++)
            d[c] = (s[c] * a + 255 * (255 - a) + 127) / 255;
          d[3] = 255;
        }
    }
  scale_image (&rgb, max_edge, image);
  return TRUE;
}

/* --- Sniffing ----------------------------------------------------------- */

typedef enum {
  FORMAT_NONE,
  FORMAT_JPEG,
  FORMAT_PNG,
  FORMAT_WEBP,
  FORMAT_OTHER_IMAGE,
} Format;

static Format
sniff (const guint8 *d,
       gsize         n,
       const char  **name)
{
  *name = NULL;
  if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
    return FORMAT_JPEG;
  if (n >= 8 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return (*name = "png"), FORMAT_PNG;
  if (n >= 12 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return (*name = "webp"), FORMAT_WEBP;
  if (n >= 6 && (memcmp (d, "GIF87a", 6) == 0 || memcmp (d, "GIF89a", 6) == 0))
    return (*name = "GIF"), FORMAT_OTHER_IMAGE;
  if (n >= 4 && (memcmp (d, "II*\0", 4) == 0 || memcmp (d, "MM\0*", 4) == 0))
    return (*name = "TIFF"), FORMAT_OTHER_IMAGE;
  if (n >= 2 && d[0] == 'B' && d[1] == 'M')
    return (*name = "BMP"), FORMAT_OTHER_IMAGE;
  if (n >= 12 && memcmp (d + 4, "ftyp", 4) == 0
      && (memcmp (d + 8, "heic", 4) == 0 || memcmp (d + 8, "heix", 4) == 0
          || memcmp (d + 8, "mif1", 4) == 0 || memcmp (d + 8, "avif", 4) == 0))
    return (*name = "HEIF"), FORMAT_OTHER_IMAGE;
  return FORMAT_NONE;
}

/* --- Durable, content-addressed files ----------------------------------- */

static gboolean
is_hex_hash (const char *s)
{
  gsize i;

  for (i = 0; s[i] != '\0'; i++)
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return i == 64;
}

char *
verval_photo_build_path (const char *media_dir,
                         const char *sha256,
                         gboolean    thumbnail)
{
  char shard[3] = { 0 };
  g_autofree char *name = NULL;

  g_return_val_if_fail (media_dir != NULL, NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  if (!is_hex_hash (sha256))
    return NULL;
  memcpy (shard, sha256, 2);
  name = g_strconcat (sha256, ".jpg", NULL);
  if (thumbnail)
    return g_build_filename (media_dir, "thumbs", shard, name, NULL);
  return g_build_filename (media_dir, shard, name, NULL);
}

typedef enum {
  IO_READ,
  IO_WRITE,
  IO_FOLDER,
} IoStep;

static gboolean
set_io_error (GError    **error,
              int         saved_errno,
              IoStep      step,
              const char *path)
{
  g_autofree char *display = g_filename_display_name (path);
  const char *reason = g_strerror (saved_errno);

  switch (step)
    {
    case IO_READ:
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_IO,
                   _("Could not read the photo “%s”: %s"), display, reason);
      break;
    case IO_WRITE:
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_IO,
                   _("Could not save the photo in “%s”: %s"), display, reason);
      break;
    case IO_FOLDER:
    default:
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_IO,
                   _("Could not prepare the photo folder “%s”: %s"), display, reason);
      break;
    }
  return FALSE;
}

static gboolean
fsync_dir (const char *path,
           GError    **error)
{
  int fd = g_open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int saved_errno;

  if (fd < 0)
    return set_io_error (error, errno, IO_FOLDER, path);
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      saved_errno = errno;
      close (fd);
      return set_io_error (error, saved_errno, IO_FOLDER, path);
    }
  close (fd);
  return TRUE;
}

/* Creates dir if needed; a new entry is only durable once its parent is. */
static gboolean
ensure_dir (const char *dir,
            GError    **error)
{
  g_autofree char *parent = NULL;

  if (g_mkdir (dir, 0755) != 0)
    {
      if (errno == EEXIST && g_file_test (dir, G_FILE_TEST_IS_DIR))
        return TRUE;
      if (errno != ENOENT)
        return set_io_error (error, errno, IO_FOLDER, dir);
      parent = g_path_get_dirname (dir);
      if (!ensure_dir (parent, error))
        return FALSE;
      if (g_mkdir (dir, 0755) != 0 && errno != EEXIST)
        return set_io_error (error, errno, IO_FOLDER, dir);
    }
  if (parent == NULL)
    parent = g_path_get_dirname (dir);
  return fsync_dir (parent, error);
}

static gboolean
write_durably (const char *path,
               GBytes     *bytes,
               GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = NULL;
  const guint8 *p;
  gsize left;
  struct stat st;
  int fd, saved_errno;

  /* Same name, same bytes: a photo that is already stored is not rewritten. */
  if (g_stat (path, &st) == 0 && (gsize) st.st_size == g_bytes_get_size (bytes))
    return TRUE;

  if (!ensure_dir (dir, error))
    return FALSE;

  tmp = g_build_filename (dir, TEMP_PREFIX "XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    return set_io_error (error, errno, IO_WRITE, dir);

  p = g_bytes_get_data (bytes, &left);
  while (left > 0)
    {
      gssize n = write (fd, p, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto fail;
      p += n;
      left -= n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (g_rename (tmp, path) != 0)
    goto fail;
  return fsync_dir (dir, error);

fail:
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return set_io_error (error, saved_errno, IO_WRITE, path);
}

static guint
remove_stale_in (const char *dir,
                 gint64      cutoff)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint removed = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;

      if (strlen (name) == 2 && g_ascii_isxdigit (name[0]) && g_ascii_isxdigit (name[1]))
        removed += remove_stale_in (path, cutoff);
      else if (g_str_has_prefix (name, TEMP_PREFIX) && g_lstat (path, &st) == 0
               && S_ISREG (st.st_mode) && st.st_mtime <= cutoff && g_unlink (path) == 0)
        removed++;
    }
  return removed;
}

guint
verval_photo_remove_stale_temp (const char *media_dir,
                                guint       min_age_seconds)
{
  g_autofree char *thumbs = NULL;
  gint64 cutoff;

  g_return_val_if_fail (media_dir != NULL, 0);

  cutoff = g_get_real_time () / G_USEC_PER_SEC - min_age_seconds;
  thumbs = g_build_filename (media_dir, "thumbs", NULL);
  return remove_stale_in (media_dir, cutoff) + remove_stale_in (thumbs, cutoff);
}

/* --- Import ------------------------------------------------------------- */

static void
set_file_too_large (GError **error,
                    guint64  size)
{
  g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_TOO_LARGE,
               _("The file is too large for a photo (%u MB)"), (guint) (size / (1024 * 1024)));
}

VervalPhoto *
verval_photo_import_bytes (GBytes                   *source,
                           const char               *media_dir,
                           const VervalPhotoOptions *options,
                           GCancellable             *cancellable,
                           GError                  **error)
{
  g_autoptr(VervalPhoto) photo = g_new0 (VervalPhoto, 1);
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) thumb_encoded = NULL;
  g_autofree char *path = NULL;
  g_autofree char *thumb_path = NULL;
  g_auto(Image) image = { 0 };
  g_auto(Image) thumb = { 0 };
  VervalPhotoOptions defaults;
  const char *format_name;
  const guint8 *data;
  gsize len;
  gboolean ok, streamed;
  gint64 t_start = g_get_monotonic_time (), t_decoded, t_thumb, t_encoded;

  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (media_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      verval_photo_options_init (&defaults);
      options = &defaults;
    }
  g_return_val_if_fail (options->max_edge > 0 && options->thumb_edge > 0, NULL);

  data = g_bytes_get_data (source, &len);
  if (len > MAX_SOURCE_BYTES)
    {
      set_file_too_large (error, len);
      return NULL;
    }

  photo->orientation = 1;
  photo->accuracy_m = -1;
  switch (sniff (data, len, &format_name))
    {
    case FORMAT_JPEG:
      ok = decode_jpeg (data, len, options, photo, &image, &thumb, &encoded, error);
      break;
    case FORMAT_PNG:
    case FORMAT_WEBP:
      ok = decode_with_pixbuf (data, len, format_name, options->max_edge, photo, &image, error);
      break;
    case FORMAT_OTHER_IMAGE:
      g_set_error (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_UNSUPPORTED,
                   _("%s pictures are not supported; use a JPEG, PNG or WebP photo"),
                   format_name);
      return NULL;
    case FORMAT_NONE:
    default:
      g_set_error_literal (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_NOT_IMAGE,
                           _("The file is not a photo"));
      return NULL;
    }
  if (!ok || g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  t_decoded = g_get_monotonic_time ();
  streamed = encoded != NULL;

  /* The JPEG path did this on the way. */
  if (thumb.pixels == NULL)
    {
      orient_image (&image, photo->orientation);
      scale_image (&image, options->thumb_edge, &thumb);
    }
  t_thumb = g_get_monotonic_time ();

  if (encoded == NULL)
    encoded = encode_jpeg (&image, options->quality, error);
  if (encoded == NULL)
    return NULL;
  thumb_encoded = encode_jpeg (&thumb, options->quality, error);
  if (thumb_encoded == NULL)
    return NULL;
  t_encoded = g_get_monotonic_time ();

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  g_strlcpy (photo->sha256, g_checksum_get_string (checksum), sizeof photo->sha256);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* The thumbnail first: the photo's own file is what a row points to, so it
   * lands last, when everything it implies is already there. */
  path = verval_photo_build_path (media_dir, photo->sha256, FALSE);
  thumb_path = verval_photo_build_path (media_dir, photo->sha256, TRUE);
  if (!write_durably (thumb_path, thumb_encoded, error)
      || !write_durably (path, encoded, error))
    return NULL;
  g_debug ("%.8s: decode+scale%s %.1f ms, orient+thumbnail %.1f ms, encode %.1f ms, hash+store %.1f ms",
           photo->sha256, streamed ? "+encode" : "", (t_decoded - t_start) / 1000.0,
           (t_thumb - t_decoded) / 1000.0,
           (t_encoded - t_thumb) / 1000.0, (g_get_monotonic_time () - t_encoded) / 1000.0);

  photo->relpath = g_strdup_printf ("%.2s/%s.jpg", photo->sha256, photo->sha256);
  photo->thumb_relpath = g_strdup_printf ("thumbs/%.2s/%s.jpg", photo->sha256, photo->sha256);
  photo->width = image.width;
  photo->height = image.height;
  photo->size = g_bytes_get_size (encoded);
  photo->thumb_width = thumb.width;
  photo->thumb_height = thumb.height;
  return g_steal_pointer (&photo);
}

VervalPhoto *
verval_photo_import_file (const char               *source_path,
                          const char               *media_dir,
                          const VervalPhotoOptions *options,
                          GCancellable             *cancellable,
                          GError                  **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *contents = NULL;
  struct stat st;
  gsize len;
  int saved_errno;

  g_return_val_if_fail (source_path != NULL, NULL);
  g_return_val_if_fail (media_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_stat (source_path, &st) != 0)
    {
      saved_errno = errno;
      set_io_error (error, saved_errno, IO_READ, source_path);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error_literal (error, VERVAL_PHOTO_ERROR, VERVAL_PHOTO_ERROR_NOT_IMAGE,
                           _("The file is not a photo"));
      return NULL;
    }
  if (st.st_size > MAX_SOURCE_BYTES)
    {
      set_file_too_large (error, st.st_size);
      return NULL;
    }
  if (!g_file_get_contents (source_path, &contents, &len, NULL))
    {
      saved_errno = errno;
      set_io_error (error, saved_errno, IO_READ, source_path);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  return verval_photo_import_bytes (bytes, media_dir, options, cancellable, error);
}

typedef struct {
  char              *source_path;
  GBytes            *source;
  char              *media_dir;
  VervalPhotoOptions options;
} ImportData;

static void
import_data_free (ImportData *d)
{
  g_free (d->source_path);
  g_clear_pointer (&d->source, g_bytes_unref);
  g_free (d->media_dir);
  g_free (d);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *d = task_data;
  GError *error = NULL;
  VervalPhoto *photo;

  if (d->source != NULL)
    photo = verval_photo_import_bytes (d->source, d->media_dir, &d->options, cancellable, &error);
  else
    photo = verval_photo_import_file (d->source_path, d->media_dir, &d->options, cancellable, &error);
  if (photo == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, photo, (GDestroyNotify) verval_photo_free);
}

static void
import_async (const char               *source_path,
              GBytes                   *source,
              const char               *media_dir,
              const VervalPhotoOptions *options,
              GCancellable             *cancellable,
              GAsyncReadyCallback       callback,
              gpointer                  user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ImportData *d = g_new0 (ImportData, 1);

  d->source_path = g_strdup (source_path);
  d->source = source ? g_bytes_ref (source) : NULL;
  d->media_dir = g_strdup (media_dir);
  if (options != NULL)
    d->options = *options;
  else
    verval_photo_options_init (&d->options);
  g_task_set_source_tag (task, import_async);
  g_task_set_task_data (task, d, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (task, import_thread);
}

void
verval_photo_import_file_async (const char               *source_path,
                                const char               *media_dir,
                                const VervalPhotoOptions *options,
                                GCancellable             *cancellable,
                                GAsyncReadyCallback       callback,
                                gpointer                  user_data)
{
  g_return_if_fail (source_path != NULL);
  g_return_if_fail (media_dir != NULL);

  import_async (source_path, NULL, media_dir, options, cancellable, callback, user_data);
}

void
verval_photo_import_bytes_async (GBytes                   *source,
                                 const char               *media_dir,
                                 const VervalPhotoOptions *options,
                                 GCancellable             *cancellable,
                                 GAsyncReadyCallback       callback,
                                 gpointer                  user_data)
{
  g_return_if_fail (source != NULL);
  g_return_if_fail (media_dir != NULL);

  import_async (NULL, source, media_dir, options, cancellable, callback, user_data);
}

VervalPhoto *
verval_photo_import_finish (GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == import_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
