/* test-location.c: location fixes, manual entry, checks, GeoClue states
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "fake-geoclue.h"
#include "verval-location.h"

/* --- manual entry ------------------------------------------------------- */

static void
assert_coordinate (const char        *text,
                   VervalLocationAxis axis,
                   double             expected)
{
  g_autoptr(GError) error = NULL;
  double value = NAN;

  if (!verval_location_parse_coordinate (text, axis, &value, &error))
    g_error ("“%s” refused: %s", text, error->message);
  g_assert_cmpfloat_with_epsilon (value, expected, 1e-12);
}

static void
assert_bad_coordinate (const char        *text,
                       VervalLocationAxis axis,
                       int                code)
{
  g_autoptr(GError) error = NULL;
  double value = 42;

  if (verval_location_parse_coordinate (text, axis, &value, &error))
    g_error ("“%s” accepted as %f", text, value);
  g_assert_error (error, VERVAL_LOCATION_ERROR, code);
  g_assert_cmpfloat (value, ==, 42);  /* untouched */
}

static void
test_parse_coordinate (void)
{
  const VervalLocationAxis LAT = VERVAL_LOCATION_AXIS_LATITUDE;
  const VervalLocationAxis LON = VERVAL_LOCATION_AXIS_LONGITUDE;

  assert_coordinate ("-8.1123", LAT, -8.1123);
  assert_coordinate ("-8,1123", LAT, -8.1123);
  assert_coordinate ("  -8.1123  ", LAT, -8.1123);
  assert_coordinate ("−8.1123", LAT, -8.1123);      /* typographic minus */
  assert_coordinate ("8.1123 S", LAT, -8.1123);
  assert_coordinate ("8,1123S", LAT, -8.1123);
  assert_coordinate ("S 8.1123", LAT, -8.1123);
  assert_coordinate ("8.1123° S", LAT, -8.1123);
  assert_coordinate ("1.5 U", LAT, 1.5);            /* Utara */
  assert_coordinate ("1.5 n", LAT, 1.5);
  assert_coordinate ("+1.5", LAT, 1.5);
  assert_coordinate ("90", LAT, 90);
  assert_coordinate ("-90.0", LAT, -90);
  assert_coordinate ("0", LAT, 0);
  assert_coordinate ("115.0912", LON, 115.0912);
  assert_coordinate ("115,0912 T", LON, 115.0912);  /* Timur */
  assert_coordinate ("115.0912 E", LON, 115.0912);
  assert_coordinate ("77.0428 B", LON, -77.0428);   /* Barat */
  assert_coordinate ("W 77.0428", LON, -77.0428);
  assert_coordinate ("-180", LON, -180);
  assert_coordinate ("180.000", LON, 180);

  assert_bad_coordinate ("", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("   ", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("abc", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("8.1.2", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("1.234,5", LON, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("8.", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate (".5", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("--8", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("1e5", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("nan", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("inf", LON, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("8 1 2", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("8.1123 E", LAT, VERVAL_LOCATION_ERROR_INVALID);  /* wrong axis */
  assert_bad_coordinate ("115 S", LON, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("-8.1123 S", LAT, VERVAL_LOCATION_ERROR_INVALID); /* both */
  assert_bad_coordinate ("N 8 S", LAT, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("1234", LON, VERVAL_LOCATION_ERROR_INVALID);
  assert_bad_coordinate ("90.0001", LAT, VERVAL_LOCATION_ERROR_OUT_OF_RANGE);
  assert_bad_coordinate ("-91", LAT, VERVAL_LOCATION_ERROR_OUT_OF_RANGE);
  assert_bad_coordinate ("180.5", LON, VERVAL_LOCATION_ERROR_OUT_OF_RANGE);
  assert_bad_coordinate ("181 W", LON, VERVAL_LOCATION_ERROR_OUT_OF_RANGE);
}

static void
test_parse_pair (void)
{
  const struct { const char *text; double lat, lon; } good[] = {
    { "-8.1123, 115.0912", -8.1123, 115.0912 },
    { "-8.1123,115.0912", -8.1123, 115.0912 },
    { "-8,1123; 115,0912", -8.1123, 115.0912 },
    { "-8.1123 115.0912", -8.1123, 115.0912 },
    { "-8,1123 115,0912", -8.1123, 115.0912 },
    { "8.1123 S 115.0912 E", -8.1123, 115.0912 },
    { "8.1123S 115.0912E", -8.1123, 115.0912 },
    { "S 8.1123 T 115.0912", -8.1123, 115.0912 },
    { "-8, 115", -8, 115 },
  };
  const char *bad[] = {
    "",
    "-8.1123",
    "-8,1123,115,0912",
    "-8.1123, 115.0912, 3",
    "1 2 3",
    "115.0912, -8.1123 S",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      double lat, lon;

      if (!verval_location_parse_pair (good[i].text, &lat, &lon, &error))
        g_error ("“%s” refused: %s", good[i].text, error->message);
      g_assert_cmpfloat_with_epsilon (lat, good[i].lat, 1e-12);
      g_assert_cmpfloat_with_epsilon (lon, good[i].lon, 1e-12);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      double lat, lon;

      if (verval_location_parse_pair (bad[i], &lat, &lon, &error))
        g_error ("“%s” accepted as %f, %f", bad[i], lat, lon);
      g_assert_true (error->domain == VERVAL_LOCATION_ERROR);
    }
}

static void
test_manual_fix (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 11, 22, 2, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalLocationFix) fix = verval_location_fix_new_manual ("-8,1123", "115,0912", now, &error);
  g_autoptr(VervalLocationFix) copy = NULL;
  g_autoptr(VervalLocationFix) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (fix->source, ==, VERVAL_LOCATION_SOURCE_MANUAL);
  g_assert_cmpfloat_with_epsilon (fix->latitude, -8.1123, 1e-12);
  g_assert_cmpfloat_with_epsilon (fix->longitude, 115.0912, 1e-12);
  g_assert_cmpfloat (fix->accuracy_m, <, 0);
  g_assert_false (fix->has_altitude);
  g_assert_true (g_date_time_equal (fix->time, now));

  copy = verval_location_fix_copy (fix);
  g_assert_true (copy->time == fix->time);
  g_assert_cmpfloat (copy->latitude, ==, fix->latitude);

  bad = verval_location_fix_new_manual ("-8,1123", "200", now, &error);
  g_assert_null (bad);
  g_assert_error (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_OUT_OF_RANGE);
}

static void
test_source_strings (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (VERVAL_TYPE_LOCATION_SOURCE);
  const char *wire[] = { "gps", "network", "manual", "exif" };
  VervalLocationSource source;

  /* the protocol's names (docs/protocol.md, "Visit"), and only those */
  for (VervalLocationSource s = VERVAL_LOCATION_SOURCE_GPS; s <= VERVAL_LOCATION_SOURCE_LAST; s++)
    {
      const char *text = verval_location_source_to_string (s);

      g_assert_cmpstr (text, ==, wire[s - VERVAL_LOCATION_SOURCE_GPS]);
      g_assert_true (verval_location_source_from_string (text, &source));
      g_assert_cmpint (source, ==, s);
      g_assert_cmpstr (g_enum_get_value (klass, s)->value_nick, ==, text);
    }
  g_assert_null (verval_location_source_to_string (VERVAL_LOCATION_SOURCE_UNKNOWN));
  /* the names of version 0.1 are gone from the device */
  g_assert_false (verval_location_source_from_string ("gps-service", &source));
  g_assert_cmpint (source, ==, VERVAL_LOCATION_SOURCE_UNKNOWN);
  g_assert_false (verval_location_source_from_string ("photo-exif", &source));
  g_assert_false (verval_location_source_from_string ("GPS", &source));
  g_assert_false (verval_location_source_from_string (NULL, &source));
}

/* A fix goes into the answers and comes back whole, with what is unknown
 * left unknown. */
static void
test_answer_round_trip (void)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 ("2026-11-22T09:00:05+08:00", NULL);
  g_autoptr(VervalLocationFix) full = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1123, 115.0912,
                                                               12.5, time);
  g_autoptr(VervalLocationFix) bare = verval_location_fix_new (VERVAL_LOCATION_SOURCE_MANUAL, -8.1, 115.1,
                                                               -1, NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) broken = NULL;
  g_autoptr(VervalLocationFix) back = NULL;
  JsonObject *object;

  full->has_altitude = TRUE;
  full->altitude = 48;
  node = verval_location_fix_to_answer (full);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "gps");
  g_assert_cmpstr (json_object_get_string_member (object, "time"), ==, "2026-11-22T09:00:05+08");
  back = verval_location_fix_from_answer (node);
  g_assert_nonnull (back);
  g_assert_cmpint (back->source, ==, VERVAL_LOCATION_SOURCE_GPS);
  g_assert_cmpfloat (back->latitude, ==, -8.1123);
  g_assert_cmpfloat (back->longitude, ==, 115.0912);
  g_assert_cmpfloat (back->accuracy_m, ==, 12.5);
  g_assert_true (back->has_altitude);
  g_assert_cmpfloat (back->altitude, ==, 48);
  g_assert_true (g_date_time_equal (back->time, time));
  g_clear_pointer (&back, verval_location_fix_free);
  g_clear_pointer (&node, json_node_unref);

  node = verval_location_fix_to_answer (bare);
  object = json_node_get_object (node);
  g_assert_false (json_object_has_member (object, "accuracy"));
  g_assert_false (json_object_has_member (object, "altitude"));
  g_assert_false (json_object_has_member (object, "time"));
  back = verval_location_fix_from_answer (node);
  g_assert_nonnull (back);
  g_assert_false (verval_location_fix_has_accuracy (back));
  g_assert_false (back->has_altitude);
  g_assert_null (back->time);
  g_assert_cmpint (back->source, ==, VERVAL_LOCATION_SOURCE_MANUAL);

  /* not a location, off the Earth, or a source this version does not know */
  broken = json_from_string ("{\"latitude\": \"-8\", \"longitude\": 115}", NULL);
  g_assert_null (verval_location_fix_from_answer (broken));
  g_clear_pointer (&broken, json_node_unref);
  broken = json_from_string ("{\"latitude\": -91, \"longitude\": 115}", NULL);
  g_assert_null (verval_location_fix_from_answer (broken));
  g_clear_pointer (&broken, json_node_unref);
  g_assert_null (verval_location_fix_from_answer (NULL));
  broken = json_from_string ("{\"latitude\": -8, \"longitude\": 115, \"accuracy\": -3, \"source\": \"wifi\"}",
                             NULL);
  g_clear_pointer (&back, verval_location_fix_free);
  back = verval_location_fix_from_answer (broken);
  g_assert_nonnull (back);
  g_assert_false (verval_location_fix_has_accuracy (back));
  g_assert_cmpint (back->source, ==, VERVAL_LOCATION_SOURCE_UNKNOWN);
  g_assert_null (verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, NAN, 115, 5, NULL));
}

static void
test_from_photo (void)
{
  VervalPhoto photo = { .has_location = FALSE };
  g_autoptr(VervalLocationFix) none = verval_location_fix_new_from_photo (&photo);
  g_autoptr(VervalLocationFix) fix = NULL;
  g_autoptr(VervalLocationFix) camera_time = NULL;
  g_autoptr(GDateTime) taken = g_date_time_new_utc (2026, 11, 22, 1, 30, 0);
  g_autoptr(GDateTime) gps = g_date_time_new_utc (2026, 11, 22, 1, 29, 58);

  g_assert_null (none);

  photo.has_location = TRUE;
  photo.latitude = -0.3713;
  photo.longitude = 36.0564;
  photo.has_altitude = TRUE;
  photo.altitude = 1800;
  photo.accuracy_m = 12;
  photo.taken = taken;
  photo.gps_time = gps;
  fix = verval_location_fix_new_from_photo (&photo);
  g_assert_cmpint (fix->source, ==, VERVAL_LOCATION_SOURCE_EXIF);
  g_assert_cmpfloat (fix->latitude, ==, -0.3713);
  g_assert_cmpfloat (fix->longitude, ==, 36.0564);
  g_assert_true (fix->has_altitude);
  g_assert_cmpfloat (fix->altitude, ==, 1800);
  g_assert_cmpfloat (fix->accuracy_m, ==, 12);
  g_assert_true (g_date_time_equal (fix->time, gps));

  photo.gps_time = NULL;
  camera_time = verval_location_fix_new_from_photo (&photo);
  g_assert_true (g_date_time_equal (camera_time->time, taken));
}

/* --- distance and checks ------------------------------------------------ */

static void
test_distance (void)
{
  /* One degree along a meridian is R·π/180 with R = 6371008.8 m. */
  const double degree = 6371008.8 * G_PI / 180;

  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (0, 0, 1, 0), degree, 0.01);
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (-8, 115, -9, 115), degree, 0.01);
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (0, 0, 0, 180), 180 * degree, 0.1);
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (90, 0, -90, 0), 180 * degree, 0.1);
  /* across the antimeridian, the short way */
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (0, 179.5, 0, -179.5), degree, 0.01);
  g_assert_cmpfloat (verval_location_distance_m (-8.1123, 115.0912, -8.1123, 115.0912), ==, 0);
  /* symmetric; on the equator a degree of longitude is a degree of arc */
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (-8.11, 115.09, -8.65, 115.22),
                                  verval_location_distance_m (-8.65, 115.22, -8.11, 115.09), 1e-6);
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (0, 10, 0, 11), degree, 0.01);
  /* 60° north: half as long */
  g_assert_cmpfloat_with_epsilon (verval_location_distance_m (60, 10, 60, 10.001),
                                  degree * 0.001 * 0.5, 0.01);
}

static void
test_check (void)
{
  g_autoptr(GDateTime) started = g_date_time_new_utc (2026, 11, 22, 2, 0, 0);
  g_autoptr(GDateTime) during = g_date_time_add_minutes (started, 5);
  g_autoptr(GDateTime) before = g_date_time_add_minutes (started, -20);
  g_autoptr(VervalLocationFix) good = NULL;
  g_autoptr(VervalLocationFix) rough = NULL;
  g_autoptr(VervalLocationFix) old = NULL;
  g_autoptr(VervalLocationFix) unknown = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  VervalLocationReference house = { VERVAL_LOCATION_REFERENCE_HOUSEHOLD, -8.1123, 115.0912 };
  VervalLocationReference village = { VERVAL_LOCATION_REFERENCE_VILLAGE, -8.1123, 115.0912 };
  VervalLocationCheckOptions options;
  VervalLocationWarnings found;

  verval_location_check_options_init (&options);
  g_assert_cmpfloat (options.max_accuracy_m, ==, 50);

  /* 8 m accurate, during the visit, ~220 m from the house: nothing to say */
  good = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1103, 115.0912, 8, during);
  found = verval_location_fix_check (good, started, &house, NULL, &warnings);
  g_assert_cmpint (found, ==, VERVAL_LOCATION_WARNING_NONE);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* 51 m is worse than 50 m; 50 m itself is fine */
  rough = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1103, 115.0912, 51, during);
  found = verval_location_fix_check (rough, started, NULL, NULL, &warnings);
  g_assert_cmpint (found, ==, VERVAL_LOCATION_WARNING_INACCURATE);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (warnings->pdata[0], "51 m"));
  g_clear_pointer (&warnings, g_ptr_array_unref);
  rough->accuracy_m = 50;
  g_assert_cmpint (verval_location_fix_check (rough, started, NULL, NULL, NULL), ==, 0);

  /* taken 20 minutes before the visit started */
  old = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1103, 115.0912, 8, before);
  found = verval_location_fix_check (old, started, NULL, NULL, &warnings);
  g_assert_cmpint (found, ==, VERVAL_LOCATION_WARNING_STALE);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  options.max_age_before_visit = 30 * G_TIME_SPAN_MINUTE;
  g_assert_cmpint (verval_location_fix_check (old, started, NULL, &options, NULL), ==, 0);
  options.max_age_before_visit = 0;
  /* no visit time, no stale warning */
  g_assert_cmpint (verval_location_fix_check (old, NULL, NULL, NULL, NULL), ==, 0);

  /* ~1.1 km from the house: far from the house, not from the village */
  good->latitude = -8.1023;
  found = verval_location_fix_check (good, started, &house, NULL, &warnings);
  g_assert_cmpint (found, ==, VERVAL_LOCATION_WARNING_FAR);
  g_assert_nonnull (strstr (warnings->pdata[0], "1.1 km"));
  g_clear_pointer (&warnings, g_ptr_array_unref);
  g_assert_cmpint (verval_location_fix_check (good, started, &village, NULL, NULL), ==, 0);
  /* the threshold is configurable */
  options.max_household_distance_m = 2000;
  g_assert_cmpint (verval_location_fix_check (good, started, &house, &options, NULL), ==, 0);
  /* ~11 km from the village centre */
  good->latitude = -8.0123;
  g_assert_cmpint (verval_location_fix_check (good, started, &village, NULL, NULL), ==,
                   VERVAL_LOCATION_WARNING_FAR);
  options.max_village_distance_m = 20000;
  g_assert_cmpint (verval_location_fix_check (good, started, &village, &options, NULL), ==, 0);

  /* everything at once */
  old->accuracy_m = 300;
  old->latitude = -8.2;
  found = verval_location_fix_check (old, started, &house, NULL, &warnings);
  g_assert_cmpint (found, ==, VERVAL_LOCATION_WARNING_INACCURATE | VERVAL_LOCATION_WARNING_STALE
                              | VERVAL_LOCATION_WARNING_FAR);
  g_assert_cmpuint (warnings->len, ==, 3);
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* unknown accuracy (typed in) is not "inaccurate" */
  unknown = verval_location_fix_new (VERVAL_LOCATION_SOURCE_MANUAL, -8.1123, 115.0912, -1, during);
  g_assert_cmpint (verval_location_fix_check (unknown, started, &house, NULL, NULL), ==, 0);
}

/* --- GeoClue ------------------------------------------------------------ */

typedef struct {
  gboolean           done;
  VervalLocationFix *fix;
  GError            *error;
  gint64             elapsed_us;
  gint64             start;
} ServiceResult;

static void
on_fix (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  ServiceResult *r = user_data;

  r->fix = verval_location_service_get_fix_finish (result, &r->error);
  r->elapsed_us = g_get_monotonic_time () - r->start;
  r->done = TRUE;
}

static gboolean
cancel_now (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
request_fix (guint          timeout_seconds,
             GCancellable  *cancellable,
             guint          cancel_after_ms,
             ServiceResult *r)
{
  memset (r, 0, sizeof *r);
  r->start = g_get_monotonic_time ();
  verval_location_service_get_fix_async ("id.verval.Verval.Devel", timeout_seconds, cancellable, on_fix, r);
  if (cancellable != NULL)
    g_timeout_add_full (G_PRIORITY_DEFAULT, cancel_after_ms, cancel_now,
                        g_object_ref (cancellable), g_object_unref);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (r->fix);
  g_assert_nonnull (r->error);
  g_test_message ("after %.2f s: %s", r->elapsed_us / 1e6, r->error->message);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, set_flag, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

static void
service_result_clear (ServiceResult *r)
{
  g_clear_pointer (&r->fix, verval_location_fix_free);
  g_clear_error (&r->error);
}

static void
test_service_states (void)
{
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GDateTime) expected_time = NULL;
  FakeGeoClue *fake;
  ServiceResult r;

  /* No system bus at all (a minimal container): told at once. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/verval-test/system_bus_socket", TRUE);
  request_fix (30, NULL, 0, &r);
  g_assert_error (r.error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_NO_SERVICE);
  g_assert_cmpint (r.elapsed_us, <, 5 * G_USEC_PER_SEC);
  service_result_clear (&r);

  /* A system bus without GeoClue on it: told at once, not after 30 s. */
  fake = fake_geoclue_new_bus ();
  if (fake == NULL)
    return;
  request_fix (30, NULL, 0, &r);
  g_assert_error (r.error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_NO_SERVICE);
  g_assert_cmpint (r.elapsed_us, <, 5 * G_USEC_PER_SEC);
  service_result_clear (&r);

  /* Our GeoClue takes the name, and hangs: the timeout answers. */
  fake_geoclue_serve (fake, TRUE);
  request_fix (1, NULL, 0, &r);
  g_assert_error (r.error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_TIMEOUT);
  g_assert_cmpint (r.elapsed_us, >=, G_USEC_PER_SEC / 2);
  g_assert_cmpint (r.elapsed_us, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (fake_geoclue_get_n_swallowed (fake), >=, 1);  /* it did reach our GeoClue */
  service_result_clear (&r);

  /* The caller gives up first. */
  cancellable = g_cancellable_new ();
  request_fix (30, cancellable, 200, &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (r.elapsed_us, <, 5 * G_USEC_PER_SEC);
  service_result_clear (&r);

  /* Answer what was swallowed, so the abandoned requests can finish. */
  fake_geoclue_release (fake);
  spin (300);

  /* It works: one fix, with everything GeoClue said about it. */
  fake_geoclue_set_hang (fake, FALSE);
  memset (&r, 0, sizeof r);
  r.start = g_get_monotonic_time ();
  verval_location_service_get_fix_async ("id.verval.Verval.Devel", 10, NULL, on_fix, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.fix);
  g_assert_cmpint (r.fix->source, ==, VERVAL_LOCATION_SOURCE_GPS);
  g_assert_cmpfloat (r.fix->latitude, ==, -8.1123);
  g_assert_cmpfloat (r.fix->longitude, ==, 115.0912);
  g_assert_cmpfloat (r.fix->accuracy_m, ==, 12.5);
  g_assert_true (r.fix->has_altitude);
  g_assert_cmpfloat (r.fix->altitude, ==, 35.0);
  expected_time = g_date_time_new_utc (2026, 11, 22, 2, 0, 0.25);
  g_assert_true (g_date_time_equal (r.fix->time, expected_time));
  g_assert_cmpstr (fake_geoclue_get_desktop_id (fake), ==, "id.verval.Verval.Devel");
  service_result_clear (&r);
  spin (100);

  fake_geoclue_free (fake);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/location/parse/coordinate", test_parse_coordinate);
  g_test_add_func ("/client/location/parse/pair", test_parse_pair);
  g_test_add_func ("/client/location/fix/manual", test_manual_fix);
  g_test_add_func ("/client/location/fix/from-photo", test_from_photo);
  g_test_add_func ("/client/location/fix/source-strings", test_source_strings);
  g_test_add_func ("/client/location/fix/answer-round-trip", test_answer_round_trip);
  g_test_add_func ("/client/location/distance", test_distance);
  g_test_add_func ("/client/location/check", test_check);
  g_test_add_func ("/client/location/service/states", test_service_states);

  return g_test_run ();
}
