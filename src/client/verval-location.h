/* verval-location.h: where a visit took place: fixes, checks, sources
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

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
  VERVAL_LOCATION_SOURCE_GPS_SERVICE, /*< nick=gps-service >*/
  VERVAL_LOCATION_SOURCE_PHOTO_EXIF,  /*< nick=photo-exif >*/
  VERVAL_LOCATION_SOURCE_MANUAL,      /*< nick=manual >*/
} VervalLocationSource;

typedef enum {
  VERVAL_LOCATION_AXIS_LATITUDE,
  VERVAL_LOCATION_AXIS_LONGITUDE,
} VervalLocationAxis;

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
GType               verval_location_source_get_type    (void) G_GNUC_CONST;
#define VERVAL_TYPE_LOCATION_SOURCE (verval_location_source_get_type ())
GType               verval_location_fix_get_type       (void) G_GNUC_CONST;
#define VERVAL_TYPE_LOCATION_FIX (verval_location_fix_get_type ())

/* "gps-service", "photo-exif", "manual": the form kept in the database. */
const char         *verval_location_source_to_string   (VervalLocationSource source);
gboolean            verval_location_source_from_string (const char           *text,
                                                        VervalLocationSource *source);

VervalLocationFix  *verval_location_fix_new            (VervalLocationSource  source,
                                                        double                latitude,
                                                        double                longitude,
                                                        double                accuracy_m,
                                                        GDateTime            *time);
VervalLocationFix  *verval_location_fix_copy           (const VervalLocationFix *fix);
void                verval_location_fix_free           (VervalLocationFix    *fix);

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalLocationFix, verval_location_fix_free)

G_END_DECLS
