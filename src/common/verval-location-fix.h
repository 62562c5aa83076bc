/* verval-location-fix.h: a position, where it came from, and its names
 *
 * One fix type from the moment the app measures a position to the row the
 * collector stores: the visit editor writes it into the answers, the device
 * store keeps it in the visit's columns, the sync sends it and the collector
 * reads it back, all with the names defined here.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where a fix came from. The names (verval_location_source_to_string) are
 * the protocol's (docs/protocol.md, "Visit"), the device store's and the
 * form answers' alike. */
typedef enum {
  VERVAL_LOCATION_SOURCE_UNKNOWN, /*< nick=unknown >*/
  VERVAL_LOCATION_SOURCE_GPS,     /*< nick=gps >*/     /* the device's location service */
  VERVAL_LOCATION_SOURCE_NETWORK, /*< nick=network >*/ /* cell or Wi-Fi positioning only */
  VERVAL_LOCATION_SOURCE_MANUAL,  /*< nick=manual >*/  /* typed in by the coordinator */
  VERVAL_LOCATION_SOURCE_EXIF,    /*< nick=exif >*/    /* a photo's GPS tags */
} VervalLocationSource;

#define VERVAL_LOCATION_SOURCE_LAST VERVAL_LOCATION_SOURCE_EXIF

/* A position and how much to trust it. */
typedef struct {
  double                latitude;     /* decimal degrees, south negative */
  double                longitude;    /* decimal degrees, west negative */
  double                accuracy_m;   /* horizontal, metres; < 0 if unknown */
  gboolean              has_altitude;
  double                altitude;     /* metres above sea level */
  GDateTime            *time;         /* when it was measured, or NULL */
  VervalLocationSource  source;
} VervalLocationFix;

GType               verval_location_source_get_type    (void) G_GNUC_CONST;
#define VERVAL_TYPE_LOCATION_SOURCE (verval_location_source_get_type ())
GType               verval_location_fix_get_type       (void) G_GNUC_CONST;
#define VERVAL_TYPE_LOCATION_FIX (verval_location_fix_get_type ())

/* "gps", "network", "manual", "exif"; NULL for UNKNOWN, which is never
 * written: a fix of unknown source goes without a name. */
const char         *verval_location_source_to_string   (VervalLocationSource  source);
/* The names above; FALSE (and UNKNOWN) for anything else, NULL included. */
gboolean            verval_location_source_from_string (const char           *text,
                                                        VervalLocationSource *source);

/* NULL if latitude or longitude is not a finite number on Earth. A negative
 * or non-finite accuracy_m means unknown. */
VervalLocationFix  *verval_location_fix_new            (VervalLocationSource  source,
                                                        double                latitude,
                                                        double                longitude,
                                                        double                accuracy_m,
                                                        GDateTime            *time);
VervalLocationFix  *verval_location_fix_copy           (const VervalLocationFix *fix);
void                verval_location_fix_free           (VervalLocationFix    *fix);
gboolean            verval_location_fix_has_accuracy   (const VervalLocationFix *fix);

/* The answer of a location field (docs/forms.md): latitude, longitude and,
 * when known, accuracy, altitude, source and time. */
JsonNode           *verval_location_fix_to_answer      (const VervalLocationFix *fix);
/* NULL unless node is an object with numeric latitude and longitude on
 * Earth. Missing, negative or non-numeric extras read as unknown; a source
 * name this version does not know reads as UNKNOWN. */
VervalLocationFix  *verval_location_fix_from_answer    (JsonNode             *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalLocationFix, verval_location_fix_free)

G_END_DECLS
