/* verval-wire.h: a listed family as the JSON object of the sync protocol
 *
 * The collector encodes the households it hands out with this, and the field
 * app decodes them with it, so both read docs/protocol.md the same way
 * ("GET /api/v1/assignments", the household object).
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "verval-listing.h"

G_BEGIN_DECLS

#define VERVAL_WIRE_ERROR (verval_wire_error_quark ())

typedef enum {
  VERVAL_WIRE_ERROR_INVALID,   /* a member is missing, of the wrong type or out of range */
} VervalWireError;

GQuark              verval_wire_error_quark       (void);

/* The household object: id (record->family_id), source, village_code,
 * head_name, nik, kk, address and data. */
JsonNode           *verval_wire_family_to_json    (const VervalFamilyRecord *record);
/* Only its "data" object (dusun, rt, rw, desil, …, fields, members). */
JsonNode           *verval_wire_family_data_to_json (const VervalFamilyRecord *record);

/* Decodes a household object. Members that are absent or null take the
 * record's defaults (older collectors send less); unknown members,
 * programmes, savings and field keys are ignored, so a newer collector can
 * add to the object. A missing or empty "id", a member of the wrong type or
 * a number out of range fails with VERVAL_WIRE_ERROR_INVALID and a message
 * that names the member ("data.members[2].nik"). */
VervalFamilyRecord *verval_wire_family_from_json  (JsonNode                 *node,
                                                   GError                  **error);

G_END_DECLS
