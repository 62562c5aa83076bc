/* test-located-visits.c: a visit's location from every place the app takes
 * one, through the real sync engine and the real collector, to the export
 *
 * Each fix is made by the app's own code: the location service's (from a
 * GeoClue location object, as the service hands it over), a photo's GPS
 * tags (a JPEG this test writes, and a real camera's from ../shared when it
 * is there), and typed coordinates. The visit editor turns a fix into the
 * answer with verval_location_fix_to_answer(), as here. What arrives is read
 * from `verval-collector export`, CSV and GeoJSON.
 *
 * argv[1] is verval-collector, argv[2] the folder of real camera photos.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <geoclue.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "photo-fixture.h"
#include "test-sync-util.h"
#include "verval-csv.h"
#include "verval-location.h"
#include "verval-visit-store.h"

static const char *collector_exe;
static const char *photos_dir;

/* 2026-11-22 02:00:00.25 UTC, the location service's clock */
#define SERVICE_FIX_TIME G_GINT64_CONSTANT (1795312800)

typedef enum {
  FROM_SERVICE,            /* the location service: accuracy, altitude, time */
  FROM_PHOTO,              /* the GPS tags of the photo the visit holds */
  FROM_TYPED,              /* typed coordinates: no accuracy */
} LocatedBy;

typedef struct {
  SyncCollector    *collector;
  SyncClient       *client;
  VervalVisitStore *visits;
  GAsyncResult     *result;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->collector = sync_collector_new (collector_exe, 16);
  sync_collector_start (f->collector);
  f->client = sync_client_new (NULL);
  f->visits = verval_visit_store_new (f->client->store);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->visits);
  if (f->client != NULL)
    sync_client_free (f->client, TRUE);
  sync_collector_free (f->collector);
  g_clear_object (&f->result);
}

static void
sync_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_sync_run_sync (f->client->sync, "manual", NULL, &error));
  g_assert_no_error (error);
}

static void
enroll_and_pull (Fixture *f)
{
  g_autofree char *code = sync_collector_issue_code (f->collector);
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_sync_enroll_sync (f->client->sync, f->collector->url, code, "Tablet Panji 2",
                                          NULL, &error));
  g_assert_no_error (error);
  sync_ok (f);
  g_assert_cmpint (sync_client_query_int (f->client, "SELECT count(*) FROM households"), ==, 16);
}

static gint64
local (Fixture    *f,
       const char *sql)
{
  return sync_client_query_int (f->client, sql);
}

/* A camera JPEG with GPS tags, written by the test: Panji, Buleleng, with
 * the receiver's horizontal error when accuracy >= 0. */
static char *
write_gps_photo (Fixture *f,
                 guint    seed,
                 double   accuracy)
{
  g_autofree char *name = g_strdup_printf ("gps-%u.jpg", seed);
  ExifData *exif = fixture_exif_new ();
  char *path;

  fixture_exif_set_gps (exif, -8.1131, 115.0507, FALSE);
  fixture_exif_set_altitude (exif, 112);
  if (accuracy >= 0)
    fixture_exif_set_rationals (exif, EXIF_IFD_GPS, EXIF_TAG_GPS_H_POSITIONING_ERROR, &accuracy, 1);
  path = fixture_write_photo (f->client->dir, name, 800, 600, seed, exif);
  exif_data_unref (exif);
  return path;
}

static char *
write_plain_photo (Fixture *f,
                   guint    seed)
{
  g_autofree char *name = g_strdup_printf ("plain-%u.jpg", seed);

  return fixture_write_photo (f->client->dir, name, 640, 480, seed, NULL);
}

/* What GeoClue's client object holds once it has a fix. */
static VervalLocationFix *
service_fix (double accuracy,
             double altitude)
{
  g_autoptr(GClueLocation) location = gclue_location_skeleton_new ();

  gclue_location_set_latitude (location, -8.1123);
  gclue_location_set_longitude (location, 115.0912);
  gclue_location_set_accuracy (location, accuracy);
  gclue_location_set_altitude (location, altitude);
  gclue_location_set_timestamp (location, g_variant_new ("(tt)", (guint64) SERVICE_FIX_TIME, (guint64) 250000));
  return verval_location_fix_new_from_geoclue (location);
}

/* A visit as the editor records it: nobody home, the house photographed,
 * the location from where the coordinator chose, finalized. */
static char *
record_visit (Fixture            *f,
              const char         *family_id,
              const char         *photo,
              VervalLocationFix  *service)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalVisit) visit = NULL;
  g_autoptr(VervalLocationFix) fix = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM households WHERE family_id = '%s'", family_id);
  gint64 household = local (f, sql);
  const VervalVisitMedia *media;

  g_assert_cmpint (household, >, 0);
  verval_visit_store_start_async (f->visits, household, "verification", NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  visit = verval_visit_store_start_finish (f->visits, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  sync_test_answer (visit, "result", json_node_init_int (json_node_alloc (), 7));
  sync_test_answer (visit, "house_present", json_node_init_boolean (json_node_alloc (), TRUE));
  sync_test_answer (visit, "note", json_node_init_string (json_node_alloc (), "Rumah kosong, keluarga ke kebun."));
  sync_test_answer (visit, "recommendation", json_node_init_int (json_node_alloc (), 1));

  verval_visit_store_attach_photo_async (f->visits, visit, "photo_house_front", photo, NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  media = verval_visit_store_attach_photo_finish (f->visits, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (media);
  g_clear_object (&result);

  if (service != NULL)
    fix = verval_location_fix_copy (service);
  else if (media->has_location)
    fix = verval_visit_media_get_fix (media);
  else
    {
      fix = verval_location_fix_new_manual ("8,1140 S", "115.0921°T", NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_nonnull (fix);
  sync_test_answer (visit, "location", verval_location_fix_to_answer (fix));

  verval_visit_store_finalize_async (f->visits, visit, NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  g_assert_true (verval_visit_store_finalize_finish (f->visits, result, NULL, &error));
  g_assert_no_error (error);
  return g_strdup (verval_visit_get_uuid (visit));
}

/* --- the export, as a supervisor gets it */

typedef struct {
  char *lat, *lon, *accuracy, *altitude, *fix_time, *fix_source;
} CsvLocation;

static void
csv_location_free (CsvLocation *l)
{
  g_free (l->lat);
  g_free (l->lon);
  g_free (l->accuracy);
  g_free (l->altitude);
  g_free (l->fix_time);
  g_free (l->fix_source);
  g_free (l);
}

static GBytes *
export (Fixture    *f,
        const char *format)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, collector_exe, "export",
                              "--data-dir", f->collector->data_dir, "--format", format,
                              "--output", "-", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return g_steal_pointer (&out);
}

/* uuid → CsvLocation* */
static GHashTable *
export_csv (Fixture *f)
{
  g_autoptr(GBytes) bytes = export (f, "csv");
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(VervalCsvReader) reader = verval_csv_reader_new (stream, ',');
  g_autoptr(GError) error = NULL;
  GHashTable *rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) csv_location_free);
  const char *want[] = { "visit_uuid", "lat", "lon", "accuracy", "altitude", "fix_time", "fix_source" };
  guint column[G_N_ELEMENTS (want)];

  g_assert_true (verval_csv_reader_next_row (reader, NULL, &error));
  for (guint w = 0; w < G_N_ELEMENTS (want); w++)
    {
      column[w] = G_MAXUINT;
      for (guint c = 0; c < verval_csv_reader_get_n_fields (reader); c++)
        if (g_str_equal (verval_csv_reader_get_field (reader, c), want[w]))
          column[w] = c;
      g_assert_cmpuint (column[w], !=, G_MAXUINT);
    }
  while (verval_csv_reader_next_row (reader, NULL, &error))
    {
      CsvLocation *l = g_new0 (CsvLocation, 1);

      l->lat = g_strdup (verval_csv_reader_get_field (reader, column[1]));
      l->lon = g_strdup (verval_csv_reader_get_field (reader, column[2]));
      l->accuracy = g_strdup (verval_csv_reader_get_field (reader, column[3]));
      l->altitude = g_strdup (verval_csv_reader_get_field (reader, column[4]));
      l->fix_time = g_strdup (verval_csv_reader_get_field (reader, column[5]));
      l->fix_source = g_strdup (verval_csv_reader_get_field (reader, column[6]));
      g_hash_table_insert (rows, g_strdup (verval_csv_reader_get_field (reader, column[0])), l);
    }
  g_assert_no_error (error);
  return rows;
}

/* uuid → the feature's JsonObject; the root stays in *root. */
static GHashTable *
export_geojson (Fixture   *f,
                JsonNode **root)
{
  g_autoptr(GBytes) bytes = export (f, "geojson");
  g_autoptr(GError) error = NULL;
  GHashTable *features = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  JsonArray *array;

  *root = json_from_string (text, &error);
  g_assert_no_error (error);
  array = json_object_get_array_member (json_node_get_object (*root), "features");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *feature = json_array_get_object_element (array, i);

      g_hash_table_insert (features, (char *) json_object_get_string_member (feature, "id"), feature);
    }
  return features;
}

static double
number (const char *text)
{
  char *end = NULL;
  double value;

  g_assert_nonnull (text);
  g_assert_cmpstr (text, !=, "");
  value = g_ascii_strtod (text, &end);
  g_assert_cmpint (*end, ==, '\0');
  return value;
}

/* One visit's location in both exports. accuracy and altitude < -1000 mean
 * "must be empty / null". */
static void
assert_exported (GHashTable *csv,
                 GHashTable *geojson,
                 const char *uuid,
                 double      lat,
                 double      lon,
                 double      accuracy,
                 double      altitude,
                 const char *source)
{
  CsvLocation *row = g_hash_table_lookup (csv, uuid);
  JsonObject *feature = g_hash_table_lookup (geojson, uuid);
  JsonObject *geometry, *properties;
  JsonArray *coordinates;

  g_assert_nonnull (row);
  g_assert_cmpfloat_with_epsilon (number (row->lat), lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (number (row->lon), lon, 1e-6);
  if (accuracy < -1000)
    g_assert_cmpstr (row->accuracy, ==, "");
  else
    g_assert_cmpfloat_with_epsilon (number (row->accuracy), accuracy, 1e-6);
  if (altitude < -1000)
    g_assert_cmpstr (row->altitude, ==, "");
  else
    g_assert_cmpfloat_with_epsilon (number (row->altitude), altitude, 1e-6);
  g_assert_cmpstr (row->fix_source, ==, source);

  g_assert_nonnull (feature);
  geometry = json_object_get_object_member (feature, "geometry");
  g_assert_nonnull (geometry);
  coordinates = json_object_get_array_member (geometry, "coordinates");
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (coordinates, 0), lon, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (coordinates, 1), lat, 1e-6);
  g_assert_cmpuint (json_array_get_length (coordinates), ==, altitude < -1000 ? 2 : 3);
  properties = json_object_get_object_member (feature, "properties");
  if (accuracy < -1000)
    g_assert_true (json_object_get_null_member (properties, "accuracy"));
  else
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (properties, "accuracy"), accuracy, 1e-6);
  g_assert_cmpstr (json_object_get_string_member (properties, "fix_source"), ==, source);
}

#define NONE (-9999.0)

static void
test_every_source (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(VervalLocationFix) service = service_fix (12.5, 35);
  g_autoptr(VervalLocationFix) service_rough = service_fix (180, -G_MAXDOUBLE);
  g_autofree char *photo_accurate = write_gps_photo (f, 1, 6.5);
  g_autofree char *photo_plain_gps = write_gps_photo (f, 2, -1);
  g_autofree char *plain1 = write_plain_photo (f, 3);
  g_autofree char *plain2 = write_plain_photo (f, 4);
  g_autofree char *plain3 = write_plain_photo (f, 5);
  g_autofree char *camera = g_build_filename (photos_dir, "gps_DSCN0010.jpg", NULL);
  g_autofree char *by_service = NULL, *by_rough_service = NULL, *by_photo = NULL;
  g_autofree char *by_photo_no_accuracy = NULL, *by_typed = NULL, *by_camera = NULL;
  g_autoptr(GHashTable) csv = NULL;
  g_autoptr(GHashTable) geojson = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *fix_time = NULL;
  gboolean have_camera = g_file_test (camera, G_FILE_TEST_IS_REGULAR);
  guint n = have_camera ? 6 : 5;
  CsvLocation *row;

  enroll_and_pull (f);
  by_service = record_visit (f, "HH-1", plain1, service);
  by_rough_service = record_visit (f, "HH-2", plain2, service_rough);
  by_photo = record_visit (f, "HH-3", photo_accurate, NULL);
  by_photo_no_accuracy = record_visit (f, "HH-4", photo_plain_gps, NULL);
  by_typed = record_visit (f, "HH-5", plain3, NULL);
  if (have_camera)
    by_camera = record_visit (f, "HH-6", camera, NULL);

  /* the device kept the protocol's names */
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE location_source = 'gps'"), ==, 2);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE location_source = 'exif'"), ==,
                   have_camera ? 3 : 2);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE location_source = 'manual'"), ==, 1);

  sync_ok (f);
  /* every one arrived: none refused, none waiting */
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, n);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined <> 0"), ==, 0);
  g_assert_cmpint (sync_collector_query_int (f->collector, "SELECT count(*) FROM visits"), ==, n);
  g_assert_cmpint (sync_collector_query_int (f->collector, "SELECT count(*) FROM visits WHERE lat IS NULL"),
                   ==, 0);

  csv = export_csv (f);
  geojson = export_geojson (f, &root);
  g_assert_cmpuint (g_hash_table_size (csv), ==, n);
  g_assert_cmpuint (g_hash_table_size (geojson), ==, n);
  assert_exported (csv, geojson, by_service, -8.1123, 115.0912, 12.5, 35, "gps");
  assert_exported (csv, geojson, by_rough_service, -8.1123, 115.0912, 180, NONE, "gps");
  /* the fixture writes three decimals of a degree's minutes and seconds */
  assert_exported (csv, geojson, by_photo, -8.1131, 115.0507, 6.5, NONE, "exif");
  assert_exported (csv, geojson, by_photo_no_accuracy, -8.1131, 115.0507, NONE, NONE, "exif");
  assert_exported (csv, geojson, by_typed, -8.1140, 115.0921, NONE, NONE, "manual");
  if (have_camera)
    {
      row = g_hash_table_lookup (csv, by_camera);
      g_assert_nonnull (row);
      g_assert_cmpfloat_with_epsilon (number (row->lat), 43.4674, 0.001);
      g_assert_cmpfloat_with_epsilon (number (row->lon), 11.8851, 0.001);
      g_assert_cmpstr (row->accuracy, ==, "");
      g_assert_cmpstr (row->fix_source, ==, "exif");
    }
  else
    g_test_message ("no real camera photos at %s: that case was left out", photos_dir);

  /* the service's clock travels with its fix */
  row = g_hash_table_lookup (csv, by_service);
  fix_time = g_strdup (row->fix_time);
  {
    g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (fix_time, NULL);

    g_assert_nonnull (t);
    g_assert_cmpint (g_date_time_to_unix (t), ==, SERVICE_FIX_TIME);
  }
}

/* --- a device updated from 0.1 ------------------------------------------ */

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Turns the closed store into what the app of version 0.1 left after its
 * sync met the collector: the old source names in the columns and the
 * answers, no columns of version 5, and the visits whose fix went up with
 * an accuracy but without a source refused with the sentence it wrote. */
static void
age_to_v4 (const char *dir,
           const char *refusal)
{
  g_autofree char *path = g_build_filename (dir, "verval.db", NULL);
  sqlite3 *db = NULL;
  char *refuse;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "BEGIN;"
                "ALTER TABLE visits DROP COLUMN altitude;"
                "ALTER TABLE visits DROP COLUMN location_time;"
                "ALTER TABLE visits DROP COLUMN refusal_codes;"
                "UPDATE visits SET location_source = 'gps-service' WHERE location_source = 'gps';"
                "UPDATE visits SET location_source = 'photo-exif' WHERE location_source = 'exif';"
                "UPDATE visits SET answers = replace (replace (answers, '\"source\":\"gps\"', "
                "  '\"source\":\"gps-service\"'), '\"source\":\"exif\"', '\"source\":\"photo-exif\"');"
                "PRAGMA user_version = 4;"
                "COMMIT;");
  refuse = sqlite3_mprintf ("UPDATE visits SET quarantined = 1, sync_error = %Q "
                            "WHERE state = 'final' AND accuracy IS NOT NULL "
                            "  AND location_source IN ('gps-service', 'photo-exif')", refusal);
  exec_sql (db, refuse);
  sqlite3_free (refuse);
  sqlite3_close (db);
}

static void
refuse_one (const char *dir,
            const char *uuid,
            const char *reason)
{
  g_autofree char *path = g_build_filename (dir, "verval.db", NULL);
  sqlite3 *db = NULL;
  char *sql;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sql = sqlite3_mprintf ("UPDATE visits SET quarantined = 1, sync_error = %Q WHERE uuid = %Q", reason, uuid);
  exec_sql (db, sql);
  sqlite3_free (sql);
  sqlite3_close (db);
}

static void
test_update_releases_refused (Fixture       *f,
                              gconstpointer  data)
{
  const char *refusal = data;
  g_autoptr(VervalLocationFix) service = service_fix (8, 48);
  g_autoptr(GPtrArray) photos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) located = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *typed = NULL, *other_reason = NULL, *two_reasons = NULL, *by_photo = NULL;
  g_autofree char *dir = g_strdup (f->client->dir);

  enroll_and_pull (f);
  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (photos, write_plain_photo (f, 10 + i));
  g_ptr_array_add (photos, write_gps_photo (f, 20, 4));
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *family = g_strdup_printf ("HH-%u", i + 1);

      g_ptr_array_add (located, record_visit (f, family, photos->pdata[i], service));
    }
  by_photo = record_visit (f, "HH-5", photos->pdata[8], NULL);
  other_reason = record_visit (f, "HH-6", photos->pdata[4], service);
  two_reasons = record_visit (f, "HH-7", photos->pdata[5], service);
  typed = record_visit (f, "HH-8", photos->pdata[6], NULL);

  /* the app of 0.1 stops here, with its store as the sync left it */
  g_clear_object (&f->visits);
  sync_client_free (f->client, FALSE);
  f->client = NULL;
  age_to_v4 (dir, refusal);
  refuse_one (dir, other_reason, "The server says this household is not assigned to you.");
  {
    g_autofree char *both = g_strdup_printf ("The server refused an answer (answers.members).\n%s", refusal);

    refuse_one (dir, two_reasons, both);
  }
  /* a typed fix never went up with an accuracy: a refusal of it is another
   * story, and is left to the coordinator */
  refuse_one (dir, typed, refusal);

  /* the updated app opens it */
  f->client = sync_client_new (dir);
  f->visits = verval_visit_store_new (f->client->store);
  g_assert_cmpint (local (f, "PRAGMA user_version"), ==, 5);
  /* 4 from the service, 1 from a photo, 1 with a second reason */
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 0 AND state = 'final'"), ==, 6);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1"), ==, 2);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE sync_error <> ''"), ==, 2);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE location_source IN ('gps-service', 'photo-exif')"),
                   ==, 0);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE instr (answers, 'gps-service') > 0 "
                             "  OR instr (answers, 'photo-exif') > 0"), ==, 0);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE location_source = 'gps' AND altitude = 48 "
                             "  AND location_time IS NOT NULL"), ==, 6);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE location_source = 'exif'"), ==, 1);

  sync_ok (f);
  /* all six went up with their fixes; the two others wait for the coordinator */
  g_assert_cmpint (sync_collector_query_int (f->collector, "SELECT count(*) FROM visits"), ==, 6);
  g_assert_cmpint (sync_collector_query_int (f->collector,
                                             "SELECT count(*) FROM visits WHERE fix_source = 'gps' "
                                             "AND accuracy = 8 AND altitude = 48 AND fix_time IS NOT NULL"), ==, 5);
  g_assert_cmpint (sync_collector_query_int (f->collector,
                                             "SELECT count(*) FROM visits WHERE fix_source = 'exif' "
                                             "AND accuracy = 4"), ==, 1);
  for (guint i = 0; i < located->len; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND state = 'sent'",
                                              (char *) located->pdata[i]);

      g_assert_cmpint (local (f, sql), ==, 1);
    }
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1"), ==, 2);
}

/* Turns the stopped collector's store back into schema 2's: its visits'
 * times were the texts GLib wrote from what the device sent (the offset in
 * hours when whole, "Z" for UTC, no fraction when there is none: the app
 * sends whole seconds), and the tables of schemas 4 and 5 were not there. */
static void
age_collector_times (sqlite3 *db)
{
#define ISO(at) \
  "strftime ('%Y-%m-%dT%H:%M:%S', " at "_utc_us / 1000000 + " at "_offset_min * 60, 'unixepoch') ||" \
  " CASE WHEN " at "_offset_min = 0 THEN 'Z' ELSE" \
  "  printf ('%s%02d', CASE WHEN " at "_offset_min < 0 THEN '-' ELSE '+' END, abs (" at "_offset_min) / 60) ||" \
  "  CASE WHEN abs (" at "_offset_min) % 60 = 0 THEN '' ELSE printf (':%02d', abs (" at "_offset_min) % 60) END" \
  " END"
  exec_sql (db, "BEGIN;"
                "CREATE TABLE visits_old (uuid TEXT PRIMARY KEY, revision INTEGER NOT NULL,"
                "  household_id TEXT NOT NULL REFERENCES households (id),"
                "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
                "  device_id INTEGER NOT NULL REFERENCES devices (id), form_id TEXT NOT NULL,"
                "  form_version INTEGER NOT NULL, result_code INTEGER NOT NULL, started_at TEXT NOT NULL,"
                "  finished_at TEXT NOT NULL, lat REAL, lon REAL, accuracy REAL, altitude REAL,"
                "  fix_time TEXT, fix_source TEXT, answers TEXT NOT NULL, received_at INTEGER NOT NULL) STRICT;"
                "INSERT INTO visits_old SELECT uuid, revision, household_id, enumerator_id, device_id, form_id,"
                "  form_version, result_code, " ISO ("started") ", " ISO ("finished") ", lat, lon, accuracy,"
                "  altitude, fix_time, fix_source, answers, received_at FROM visits;"
                "DROP TABLE visits;"
                "DROP TABLE visit_times_unread;"
                "DROP TABLE store_meta;"
                "DROP TABLE device_status_reports;"
                "DROP TABLE auth_failures;"
                "DROP TABLE sessions;"
                "DROP TABLE users;"
                "ALTER TABLE visits_old RENAME TO visits;"
                "CREATE INDEX visits_household ON visits (household_id);"
                "PRAGMA user_version = 2;"
                "COMMIT;");
#undef ISO
}

/* The collector of 0.1 stored the visits whose fix had no accuracy without
 * a position (the app left the location out); the updated collector takes
 * it from their answers when it starts. */
static void
test_collector_fills_old_fixes (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(VervalLocationFix) service = service_fix (-1, 51);
  g_autofree char *photo_gps = write_gps_photo (f, 30, -1);
  g_autofree char *plain1 = write_plain_photo (f, 31);
  g_autofree char *plain2 = write_plain_photo (f, 32);
  g_autofree char *by_service = NULL, *by_photo = NULL, *by_typed = NULL;
  g_autofree char *db_path = g_build_filename (f->collector->data_dir, "collector.db", NULL);
  g_autoptr(GHashTable) csv = NULL;
  g_autoptr(GHashTable) geojson = NULL;
  g_autoptr(JsonNode) root = NULL;
  sqlite3 *db = NULL;

  enroll_and_pull (f);
  by_service = record_visit (f, "HH-1", plain1, service);
  by_photo = record_visit (f, "HH-2", photo_gps, NULL);
  by_typed = record_visit (f, "HH-3", plain2, NULL);
  sync_ok (f);
  g_assert_cmpint (sync_collector_query_int (f->collector, "SELECT count(*) FROM visits"), ==, 3);

  /* as the collector of 0.1 kept what the app of 0.1 sent */
  sync_collector_stop (f->collector);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  age_collector_times (db);
  exec_sql (db, "UPDATE visits SET lat = NULL, lon = NULL, accuracy = NULL, altitude = NULL, "
                "  fix_time = NULL, fix_source = NULL, "
                "  answers = replace (replace (answers, '\"source\":\"gps\"', '\"source\":\"gps-service\"'), "
                "    '\"source\":\"exif\"', '\"source\":\"photo-exif\"');"
                "PRAGMA user_version = 1;");
  sqlite3_close (db);
  sync_collector_start (f->collector);

  g_assert_cmpint (sync_collector_query_int (f->collector, "PRAGMA user_version"), ==, 6);
  csv = export_csv (f);
  geojson = export_geojson (f, &root);
  assert_exported (csv, geojson, by_service, -8.1123, 115.0912, NONE, 51, "gps");
  assert_exported (csv, geojson, by_photo, -8.1131, 115.0507, NONE, NONE, "exif");
  assert_exported (csv, geojson, by_typed, -8.1140, 115.0921, NONE, NONE, "manual");
}

/* --- times, from the device's clock to the export ------------------------ */

/* The value of @uuid's row in the column @name of a CSV export. */
static char *
csv_value (GBytes     *bytes,
           const char *uuid,
           const char *name)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(VervalCsvReader) reader = verval_csv_reader_new (stream, ',');
  g_autoptr(GError) error = NULL;
  guint uuid_column = G_MAXUINT, column = G_MAXUINT;
  char *value = NULL;

  g_assert_true (verval_csv_reader_next_row (reader, NULL, &error));
  for (guint c = 0; c < verval_csv_reader_get_n_fields (reader); c++)
    {
      if (g_str_equal (verval_csv_reader_get_field (reader, c), "visit_uuid"))
        uuid_column = c;
      if (g_str_equal (verval_csv_reader_get_field (reader, c), name))
        column = c;
    }
  g_assert_cmpuint (uuid_column, !=, G_MAXUINT);
  g_assert_cmpuint (column, !=, G_MAXUINT);
  while (verval_csv_reader_next_row (reader, NULL, &error))
    if (g_str_equal (verval_csv_reader_get_field (reader, uuid_column), uuid))
      {
        g_assert_null (value);
        value = g_strdup (verval_csv_reader_get_field (reader, column));
      }
  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

/* The device's time of a visit (a column of unix seconds of the app's
 * store) as ISO 8601 in the device's offset, as the app sends it. */
static char *
device_time (Fixture    *f,
             const char *column,
             const char *uuid,
             gint64     *unix_seconds)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM visits WHERE uuid = '%s'", column, uuid);
  g_autoptr(GDateTime) time = NULL;

  *unix_seconds = local (f, sql);
  time = g_date_time_new_from_unix_local (*unix_seconds);
  return g_date_time_format_iso8601 (time);
}

/* A visit made on a WITA device: the collector keeps its instants in UTC
 * with +08:00 beside them, and both exports give back what the device
 * sent; a collector of schema 2 holding the same visit, once updated,
 * exports the same bytes. */
static void
test_times_intact (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *photo = write_plain_photo (f, 40);
  g_autofree char *uuid = NULL;
  g_autofree char *started = NULL, *finished = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *db_path = g_build_filename (f->collector->data_dir, "collector.db", NULL);
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GBytes) csv_after = NULL;
  g_autoptr(GHashTable) features = NULL;
  g_autoptr(JsonNode) root = NULL;
  gint64 started_s, finished_s;
  sqlite3 *db = NULL;

  enroll_and_pull (f);
  uuid = record_visit (f, "HH-1", photo, NULL);
  started = device_time (f, "started_at", uuid, &started_s);
  finished = device_time (f, "finished_at", uuid, &finished_s);
  /* main() put the device in WITA */
  g_assert_true (g_str_has_suffix (started, "+08"));
  g_assert_true (g_str_has_suffix (finished, "+08"));
  sync_ok (f);

  sql = g_strdup_printf ("SELECT started_utc_us FROM visits WHERE uuid = '%s'", uuid);
  g_assert_cmpint (sync_collector_query_int (f->collector, sql), ==, started_s * G_USEC_PER_SEC);
  g_free (sql);
  sql = g_strdup_printf ("SELECT finished_utc_us FROM visits WHERE uuid = '%s'", uuid);
  g_assert_cmpint (sync_collector_query_int (f->collector, sql), ==, finished_s * G_USEC_PER_SEC);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND started_offset_min = 480 "
                         "AND finished_offset_min = 480", uuid);
  g_assert_cmpint (sync_collector_query_int (f->collector, sql), ==, 1);

  csv = export (f, "csv");
  {
    g_autofree char *csv_started = csv_value (csv, uuid, "started_at");
    g_autofree char *csv_finished = csv_value (csv, uuid, "finished_at");

    g_assert_cmpstr (csv_started, ==, started);
    g_assert_cmpstr (csv_finished, ==, finished);
  }

  /* the same visit in a store of schema 2, then opened by this collector */
  sync_collector_stop (f->collector);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  age_collector_times (db);
  sqlite3_close (db);
  g_free (sql);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND started_at = '%s' "
                         "AND finished_at = '%s'", uuid, started, finished);
  g_assert_cmpint (sync_collector_query_int (f->collector, sql), ==, 1);
  sync_collector_start (f->collector);
  g_assert_cmpint (sync_collector_query_int (f->collector, "PRAGMA user_version"), ==, 6);
  csv_after = export (f, "csv");
  g_assert_true (g_bytes_equal (csv, csv_after));

  features = export_geojson (f, &root);
  {
    JsonObject *feature = g_hash_table_lookup (features, uuid);
    JsonObject *properties;

    g_assert_nonnull (feature);
    properties = json_object_get_object_member (feature, "properties");
    g_assert_cmpstr (json_object_get_string_member (properties, "started_at"), ==, started);
    g_assert_cmpstr (json_object_get_string_member (properties, "finished_at"), ==, finished);
  }
}

int
main (int    argc,
      char **argv)
{
  /* the field devices' clock: Bali, WITA. Set before any thread starts;
   * GLib reads TZ for local time, and a POSIX rule needs no tzdata. */
  g_setenv ("TZ", "WITA-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, >=, 2);
  collector_exe = argv[1];
  photos_dir = argc > 2 ? argv[2] : "/nonexistent";

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/located-visits/every-source", NULL, test_every_source);
  ADD ("/located-visits/collector-fills-old-fixes", NULL, test_collector_fills_old_fixes);
  ADD ("/located-visits/times-intact", NULL, test_times_intact);
  ADD ("/located-visits/update-releases-refused/english", "The recorded location is not valid.",
       test_update_releases_refused);
  ADD ("/located-visits/update-releases-refused/indonesian", "Lokasi yang tercatat tidak sah.",
       test_update_releases_refused);
#undef ADD
  return g_test_run ();
}
