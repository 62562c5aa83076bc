/* verval-wire-visit.h: a visit as the JSON object of the sync protocol
 *
 * The field app encodes the visits it sends with this and the collector
 * decodes them with it (docs/protocol.md, "POST /api/v1/visits", the visit
 * object), so a member the app writes is a member the collector reads.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "verval-location-fix.h"

G_BEGIN_DECLS

#define VERVAL_WIRE_MAX_MEDIA_PER_VISIT 32
#define VERVAL_WIRE_MAX_ID_LENGTH       64

/* One photo the visit names. */
typedef struct {
  char      *sha256;       /* 64 lower-case hex digits */
  char      *role;         /* house_front, house_inside, … */
  gint64     size;         /* bytes, > 0 */
  GDateTime *taken;        /* or NULL when unknown */
} VervalWireMedia;

typedef struct {
  char              *uuid;           /* lower case once decoded */
  gint64             revision;       /* ≥ 1 */
  char              *household_id;
  char              *form_id;
  gint64             form_version;
  JsonNode          *answers;        /* an object: field id → answer */
  gint64             result_code;    /* 1–8; 0 unknown (sent as null, refused) */
  GDateTime         *started_at;     /* with the device's offset */
  GDateTime         *finished_at;
  VervalLocationFix *location;       /* where the coordinator stood, or NULL */
  GPtrArray         *media;          /* of VervalWireMedia* */
  gint64             enumerator_id;  /* optional echoes; 0 when not sent */
  gint64             device_id;
} VervalWireVisit;

/* Why a visit, or one member of it, was refused: the protocol's error
 * object ({"code", "field", "message"}). */
typedef struct {
  char *code;      /* stable, documented in docs/protocol.md */
  char *field;     /* a path into the visit ("location.lat", "media[0]"), or NULL */
  char *message;   /* English, for logs and administrators */
} VervalWireProblem;

VervalWireVisit   *verval_wire_visit_new        (void);
void               verval_wire_visit_free       (VervalWireVisit   *visit);
VervalWireMedia   *verval_wire_media_new        (const char        *sha256,
                                                 const char        *role,
                                                 gint64             size,
                                                 GDateTime         *taken);
void               verval_wire_media_free       (VervalWireMedia   *media);
VervalWireProblem *verval_wire_problem_new      (const char        *code,
                                                 const char        *field,
                                                 const char        *format,
                                                 ...) G_GNUC_PRINTF (3, 4);
void               verval_wire_problem_free     (VervalWireProblem *problem);

/* A photo's name on the wire: 64 lower-case hex digits, its SHA-256. */
gboolean           verval_wire_is_sha256_hex    (const char        *text);

/* The visit object. Times keep their offset; a location goes with the
 * members it has: no accuracy, altitude, time or source when unknown. */
JsonNode          *verval_wire_visit_to_json    (const VervalWireVisit *visit);

/* Checks the shape of one visit object and returns it, or NULL with every
 * problem found added to problems (of VervalWireProblem*), not just the
 * first. The uuid and revision that could be read are set on failure too,
 * for the outcome (NULL / 0 otherwise). Rules that need the collector's
 * state (forms, assignments, limits, who the device is) are not checked. */
VervalWireVisit   *verval_wire_visit_from_json  (JsonNode          *node,
                                                 GPtrArray         *problems,
                                                 char             **uuid,
                                                 gint64            *revision);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalWireVisit, verval_wire_visit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalWireMedia, verval_wire_media_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalWireProblem, verval_wire_problem_free)

G_END_DECLS
