/* collector-import.h: P3KE/DTKS lists into the collector's store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"
#include "verval-listing.h"

G_BEGIN_DECLS

/* The listed record as a household row: identifiers as columns, the rest
 * (members, programmes, housing fields…) as a JSON object. */
CollectorHousehold *collector_household_from_record (const VervalFamilyRecord *record);

/* Reads the file with the common listing rules and stores its families.
 * Returns the report (imported/updated filled in) or NULL on a fatal error. */
VervalImportReport *collector_import_file (CollectorStore *store,
                                           const char     *path,
                                           GError        **error);

G_END_DECLS
