/* collector-wire.h: request body decoding and JSON replies
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "collector-error.h"
#include "collector-store.h"
#include "verval-json-parse.h"

G_BEGIN_DECLS

/* Inflates a gzip body, refusing output beyond max_output bytes. */
GBytes     *collector_gunzip          (GBytes      *compressed,
                                       gsize        max_output,
                                       GError     **error);
/* Every request body is read here, through the strict entry of
 * verval-json-parse.h; the root must be an object. */
JsonNode   *collector_json_parse_object (GBytes                 *body,
                                         const VervalJsonLimits *limits,
                                         GError                **error);
/* {"error":{"code":…,"message":…}} */
char       *collector_json_error_body (const char  *code,
                                       const char  *message,
                                       gsize       *length);
char       *collector_json_to_string  (JsonBuilder *builder,
                                       gsize       *length);
/* The household object of GET /api/v1/assignments, through the shared
 * codec (verval-wire.h), so the page carries exactly what it documents. */
JsonNode   *collector_household_to_json (const CollectorHousehold *household);

G_END_DECLS
