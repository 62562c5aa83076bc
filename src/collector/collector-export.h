/* collector-export.h: stored visits as CSV or GeoJSON, streamed
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"

G_BEGIN_DECLS

typedef enum {
  COLLECTOR_EXPORT_CSV,       /* RFC 4180, with a UTF-8 BOM for Excel */
  COLLECTOR_EXPORT_GEOJSON,   /* a FeatureCollection, one Feature per visit */
} CollectorExportFormat;

/* Streams the visits @filter selects (NULL: all) to @out, reading the
 * store a page at a time: memory stays flat whatever the table's size.
 * *n_visits: how many were written. */
gboolean collector_export_write   (CollectorStore             *store,
                                   const CollectorVisitFilter *filter,
                                   CollectorExportFormat       format,
                                   GOutputStream              *out,
                                   guint                      *n_visits,
                                   GCancellable               *cancellable,
                                   GError                    **error);

/* The same, of visits already in memory (CollectorVisit*). */
GString *collector_export_csv     (GPtrArray *visits);
GString *collector_export_geojson (GPtrArray *visits);

G_END_DECLS
