/* verval-demo.h: realistic made-up P3KE and DTKS listings for tests and demos
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-listing.h"

G_BEGIN_DECLS

/* Writes n_families made-up families of Kabupaten Buleleng as the export
 * people get: P3KE (one row per family) or DTKS (one row per person), with a
 * title block and ';' separators. Same seed, same file. NIK/KK are valid
 * with real kecamatan prefixes; names are Balinese/Indonesian. */
gboolean verval_demo_write_csv    (GOutputStream        *out,
                                   VervalListingFormat   format,
                                   guint                 n_families,
                                   guint32               seed,
                                   GCancellable         *cancellable,
                                   GError              **error);
gboolean verval_demo_write_file   (const char           *path,
                                   VervalListingFormat   format,
                                   guint                 n_families,
                                   guint32               seed,
                                   GError              **error);

/* The head NIK and family ID of family i (0-based) of a seed, as written,
 * so tests and benchmarks can search for them. Free with g_free. */
char    *verval_demo_family_nik   (guint32 seed, guint index);

G_END_DECLS
