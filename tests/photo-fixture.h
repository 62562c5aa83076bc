/* photo-fixture.h: JPEGs with chosen EXIF, written by the tests themselves
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <libexif/exif-data.h>

G_BEGIN_DECLS

/* Intel byte order, no maker note; free with exif_data_unref (). */
ExifData *fixture_exif_new             (void);
void      fixture_exif_set_orientation (ExifData     *exif,
                                        guint         orientation);
void      fixture_exif_set_ascii       (ExifData     *exif,
                                        ExifIfd       ifd,
                                        ExifTag       tag,
                                        const char   *text);
/* Hemisphere letters from the signs; some phones write SRATIONAL. */
void      fixture_exif_set_gps         (ExifData     *exif,
                                        double        latitude,
                                        double        longitude,
                                        gboolean      srational);
/* Three decimals are kept: n/1000. */
void      fixture_exif_set_rationals   (ExifData     *exif,
                                        ExifIfd       ifd,
                                        ExifTag       tag,
                                        const double *values,
                                        guint         count);
void      fixture_exif_set_altitude    (ExifData     *exif,
                                        double        metres);

/* Packed RGB in, JPEG out (4:2:0, no JFIF), with an Exif APP1 if given. */
GBytes   *fixture_jpeg                 (const guint8 *rgb,
                                        guint         width,
                                        guint         height,
                                        guint         quality,
                                        ExifData     *exif);

/* Photo-like content (gradients, edges, fine texture) so the entropy coder
 * has real work; the seed makes each image, and so each hash, distinct. */
guint8   *fixture_scene                (guint         width,
                                        guint         height,
                                        guint         seed);

/* A fixture_scene JPEG written to dir/name (quality 85, exif if given);
 * returns its path. */
char     *fixture_write_photo          (const char   *dir,
                                        const char   *name,
                                        guint         width,
                                        guint         height,
                                        guint         seed,
                                        ExifData     *exif);

/* Removes a test's temporary tree. */
void      fixture_rm_rf                (const char   *path);

G_END_DECLS
