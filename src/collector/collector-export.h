/* collector-export.h: stored visits as CSV or GeoJSON
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"

G_BEGIN_DECLS

/* visits: of CollectorVisit*, as from collector_store_list_visits() */
GString *collector_export_csv     (GPtrArray *visits);
GString *collector_export_geojson (GPtrArray *visits);

G_END_DECLS
