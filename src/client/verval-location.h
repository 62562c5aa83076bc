/* verval-location.h: where a visit took place: fixes, checks, sources
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-location-fix.h"
#include "verval-photo.h"

G_BEGIN_DECLS

#define VERVAL_LOCATION_ERROR (verval_location_error_quark ())

typedef enum {
  VERVAL_LOCATION_ERROR_INVALID,      /* typed text is not a coordinate */
  VERVAL_LOCATION_ERROR_OUT_OF_RANGE, /* a coordinate, but not on Earth */
  VERVAL_LOCATION_ERROR_NO_SERVICE,   /* no location service on this device */
  VERVAL_LOCATION_ERROR_TIMEOUT,      /* the service gave no fix in time */
  VERVAL_LOCATION_ERROR_DENIED,       /* the service refuses this app */
  VERVAL_LOCATION_ERROR_FAILED,
} VervalLocationError;

typedef enum {
  VERVAL_LOCATION_AXIS_LATITUDE,
  VERVAL_LOCATION_AXIS_LONGITUDE,
} VervalLocationAxis;

typedef enum {
  VERVAL_LOCATION_REFERENCE_HOUSEHOLD, /* the household's known location */
  VERVAL_LOCATION_REFERENCE_VILLAGE,   /* the village centre */
} VervalLocationReferenceKind;

typedef struct {
  VervalLocationReferenceKind kind;
  double                      latitude;
  double                      longitude;
} VervalLocationReference;

typedef struct {
  double    max_accuracy_m;           /* default 50 */
  double    max_household_distance_m; /* default 1000 */
  double    max_village_distance_m;   /* default 5000 */
  GTimeSpan max_age_before_visit;     /* default 0: any fix older than the visit */
} VervalLocationCheckOptions;

typedef enum {
  VERVAL_LOCATION_WARNING_NONE       = 0,
  VERVAL_LOCATION_WARNING_INACCURATE = 1 << 0,
  VERVAL_LOCATION_WARNING_STALE      = 1 << 1,
  VERVAL_LOCATION_WARNING_FAR        = 1 << 2,
} VervalLocationWarnings;

GQuark              verval_location_error_quark        (void);
/* From a photo's EXIF GPS; NULL if it has none. The time is the GPS clock's
 * if the photo has it, else the camera's. */
VervalLocationFix  *verval_location_fix_new_from_photo (const VervalPhoto    *photo);

/* Manual entry: decimal degrees with "." or "," as the decimal separator, a
 * sign or a hemisphere letter (N/S/E/W or Indonesian U/S/T/B), an optional
 * degree sign: "-8,1123", "8.1123 S", "115.0912°T". */
gboolean            verval_location_parse_coordinate   (const char           *text,
                                                        VervalLocationAxis    axis,
                                                        double               *value,
                                                        GError              **error);
/* Both in one string, as copied from a map: "-8.1123, 115.0912",
 * "-8,1123; 115,0912", "8.1123 S 115.0912 E". */
gboolean            verval_location_parse_pair         (const char           *text,
                                                        double               *latitude,
                                                        double               *longitude,
                                                        GError              **error);
VervalLocationFix  *verval_location_fix_new_manual     (const char           *latitude,
                                                        const char           *longitude,
                                                        GDateTime            *time,
                                                        GError              **error);

/* Great-circle distance in metres. */
double              verval_location_distance_m         (double                lat1,
                                                        double                lon1,
                                                        double                lat2,
                                                        double                lon2);

void                verval_location_check_options_init (VervalLocationCheckOptions *options);

/* Warnings, never errors: the coordinator decides. visit_started, reference
 * and options may be NULL. If warnings is given, it receives a new array of
 * translated sentences, one per warning. */
VervalLocationWarnings verval_location_fix_check       (const VervalLocationFix          *fix,
                                                        GDateTime                        *visit_started,
                                                        const VervalLocationReference    *reference,
                                                        const VervalLocationCheckOptions *options,
                                                        GPtrArray                       **warnings);

/* The fix a GeoClue 2 location object describes: what the location
 * service hands the visit editor. NULL if it is not on Earth. */
typedef struct _GClueLocation GClueLocation;
VervalLocationFix  *verval_location_fix_new_from_geoclue (GClueLocation     *location);

/* One fix from GeoClue 2. Fails promptly with VERVAL_LOCATION_ERROR_NO_SERVICE
 * when there is no GeoClue (or no system bus), with _TIMEOUT after
 * timeout_seconds without a fix, with _DENIED when GeoClue refuses the app. */
void                verval_location_service_get_fix_async  (const char          *desktop_id,
                                                            guint                timeout_seconds,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
VervalLocationFix  *verval_location_service_get_fix_finish (GAsyncResult        *result,
                                                            GError             **error);


G_END_DECLS
