/* test-collector-store.c: the SQLite store opening stores of older schemas
 *
 * A store of schema 2 is written here as the collector of that version
 * left it: its visits' times are the ISO 8601 texts GLib formatted from
 * what the devices sent. Opening it must give every visit back at the same
 * instant and in the same offset, and keep the few whose texts are not
 * times at all.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "collector-error.h"
#include "collector-export.h"
#include "collector-sqlite-store.h"
#include "test-collector-util.h"
#include "verval-sqlite.h"

/* The tables of schema 2, as its collector created them. */
static const char *schema_2 =
  "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;"
  "INSERT INTO counters (name, value) VALUES ('seq', 0);"
  "CREATE TABLE enumerators (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, phone TEXT,"
  "  disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL) STRICT;"
  "CREATE TABLE enroll_codes (code_hash TEXT PRIMARY KEY,"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id), created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL, used_at INTEGER) STRICT;"
  "CREATE TABLE devices (id INTEGER PRIMARY KEY,"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id), token_hash TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL, app_version TEXT, enrolled_at INTEGER NOT NULL, revoked_at INTEGER,"
  "  last_seen_at INTEGER, status TEXT, status_at INTEGER) STRICT;"
  "CREATE TABLE households (id TEXT PRIMARY KEY, source TEXT NOT NULL, village_code TEXT NOT NULL,"
  "  head_name TEXT NOT NULL, nik TEXT NOT NULL, kk TEXT NOT NULL, address TEXT NOT NULL,"
  "  data TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;"
  "CREATE INDEX households_village ON households (village_code);"
  "CREATE TABLE assignments (household_id TEXT NOT NULL REFERENCES households (id),"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id), active INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL, PRIMARY KEY (household_id, enumerator_id)) STRICT;"
  "CREATE INDEX assignments_pull ON assignments (enumerator_id, seq);"
  "CREATE UNIQUE INDEX assignments_one_active ON assignments (household_id) WHERE active = 1;"
  "CREATE TABLE visits (uuid TEXT PRIMARY KEY, revision INTEGER NOT NULL,"
  "  household_id TEXT NOT NULL REFERENCES households (id),"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  device_id INTEGER NOT NULL REFERENCES devices (id), form_id TEXT NOT NULL,"
  "  form_version INTEGER NOT NULL, result_code INTEGER NOT NULL, started_at TEXT NOT NULL,"
  "  finished_at TEXT NOT NULL, lat REAL, lon REAL, accuracy REAL, altitude REAL, fix_time TEXT,"
  "  fix_source TEXT, answers TEXT NOT NULL, received_at INTEGER NOT NULL) STRICT;"
  "CREATE INDEX visits_household ON visits (household_id);"
  "CREATE TABLE visit_media (visit_uuid TEXT NOT NULL REFERENCES visits (uuid) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL, sha256 TEXT NOT NULL, role TEXT NOT NULL, size INTEGER NOT NULL,"
  "  taken TEXT, PRIMARY KEY (visit_uuid, position)) STRICT;"
  "CREATE INDEX visit_media_sha ON visit_media (sha256);"
  "CREATE TABLE reviews (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  visit_uuid TEXT NOT NULL REFERENCES visits (uuid), revision INTEGER NOT NULL,"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')), comment TEXT,"
  "  reviewer TEXT NOT NULL, decided_at INTEGER NOT NULL) STRICT;"
  "CREATE INDEX reviews_pull ON reviews (enumerator_id, seq);"
  "PRAGMA user_version = 2;";

/* received at 2026-11-22T03:00:00Z */
#define RECEIVED G_GINT64_CONSTANT (1795316400)

typedef struct {
  const char *uuid;
  const char *started;     /* as stored by schema 2 */
  const char *finished;
  /* what schema 3 must hold */
  const char *started_instant;   /* ISO 8601 of the instant, or NULL: received_at */
  const char *finished_instant;
  gboolean    started_known;     /* the offset was read */
  gboolean    finished_known;
  int         started_offset;    /* minutes */
  int         finished_offset;
  const char *exported_finish;   /* what the export writes */
} OldVisit;

static const OldVisit old_visits[] = {
  /* as GLib wrote them: WIB, WITA, WIT, UTC, a fraction of a second */
  { "00000000-0000-4000-8000-000000000001", "2026-11-20T09:12:00+07", "2026-11-20T09:27:30+07",
    "2026-11-20T02:12:00Z", "2026-11-20T02:27:30Z", TRUE, TRUE, 420, 420, "2026-11-20T09:27:30+07" },
  { "00000000-0000-4000-8000-000000000002", "2026-11-20T10:12:00+08", "2026-11-20T10:27:30+08",
    "2026-11-20T02:12:00Z", "2026-11-20T02:27:30Z", TRUE, TRUE, 480, 480, "2026-11-20T10:27:30+08" },
  { "00000000-0000-4000-8000-000000000003", "2026-11-21T00:50:00+09", "2026-11-21T01:05:00.250000+09",
    "2026-11-20T15:50:00Z", "2026-11-20T16:05:00.25Z", TRUE, TRUE, 540, 540, "2026-11-21T01:05:00.250000+09" },
  { "00000000-0000-4000-8000-000000000004", "2026-11-19T23:45:00Z", "2026-11-19T23:59:59.999999Z",
    "2026-11-19T23:45:00Z", "2026-11-19T23:59:59.999999Z", TRUE, TRUE, 0, 0, "2026-11-19T23:59:59.999999Z" },
  /* other spellings an older text may have: the offset with minutes, a
   * negative one, milliseconds, a start and finish in different zones */
  { "00000000-0000-4000-8000-000000000005", "2026-11-20T08:00:00+07:00", "2026-11-20T09:30:00.5+08:00",
    "2026-11-20T01:00:00Z", "2026-11-20T01:30:00.5Z", TRUE, TRUE, 420, 480, "2026-11-20T09:30:00.500000+08" },
  { "00000000-0000-4000-8000-000000000006", "2026-11-20T08:00:00-03:30", "2026-11-20T08:10:00-03:30",
    "2026-11-20T11:30:00Z", "2026-11-20T11:40:00Z", TRUE, TRUE, -210, -210, "2026-11-20T08:10:00-03:30" },
  /* no offset: the instant read as UTC, the offset unknown */
  { "00000000-0000-4000-8000-000000000007", "2026-11-20T09:12:00", "2026-11-20T09:27:30+08",
    "2026-11-20T09:12:00Z", "2026-11-20T01:27:30Z", FALSE, TRUE, 0, 480, "2026-11-20T09:27:30+08" },
  /* no time at all: when it was received */
  { "00000000-0000-4000-8000-000000000008", "kemarin sore", "",
    NULL, NULL, FALSE, FALSE, 0, 0, "2026-11-22T03:00:00Z" },
};

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static char *
write_store_2 (const char *dir)
{
  char *path = g_build_filename (dir, "collector.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *visit = NULL, *media = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, schema_2);
  exec_sql (db, "INSERT INTO enumerators (id, name, created_at) VALUES (1, 'Siti', 1795000000);"
                "INSERT INTO devices (id, enumerator_id, token_hash, name, enrolled_at)"
                "  VALUES (1, 1, 'hash', 'tablet-a', 1795000000);"
                "INSERT INTO households (id, source, village_code, head_name, nik, kk, address, data, updated_at)"
                "  VALUES ('HH-1', 'p3ke', '5108062001', 'Ahmad', '3602041211870001', '', 'Panji', '{}', 1795000000);"
                "INSERT INTO assignments VALUES ('HH-1', 1, 1, 1);");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO visits (uuid, revision, household_id, enumerator_id,"
                                           " device_id, form_id, form_version, result_code, started_at,"
                                           " finished_at, lat, lon, fix_time, fix_source, answers, received_at)"
                                           " VALUES (?1, 1, 'HH-1', 1, 1, 'verification', 1, 7, ?2, ?3,"
                                           " -8.1123, 115.0912, '2026-11-20T09:13:05+07', 'gps',"
                                           " '{\"result\":7}', ?4)", -1, &visit, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO visit_media VALUES (?1, 0, ?2, 'house_front', 4096,"
                                           " '2026-11-20T09:14:00+07')", -1, &media, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (old_visits); i++)
    {
      g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, old_visits[i].uuid, -1);

      sqlite3_bind_text (visit, 1, old_visits[i].uuid, -1, SQLITE_STATIC);
      sqlite3_bind_text (visit, 2, old_visits[i].started, -1, SQLITE_STATIC);
      sqlite3_bind_text (visit, 3, old_visits[i].finished, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (visit, 4, RECEIVED);
      g_assert_cmpint (sqlite3_step (visit), ==, SQLITE_DONE);
      sqlite3_reset (visit);
      sqlite3_bind_text (media, 1, old_visits[i].uuid, -1, SQLITE_STATIC);
      sqlite3_bind_text (media, 2, sha, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (media), ==, SQLITE_DONE);
      sqlite3_reset (media);
    }
  sqlite3_finalize (visit);
  sqlite3_finalize (media);
  exec_sql (db, "INSERT INTO reviews (visit_uuid, revision, enumerator_id, decision, reviewer, decided_at)"
                "  VALUES ('00000000-0000-4000-8000-000000000003', 1, 1, 'approved', 'Made', 1795320000);");
  sqlite3_close (db);
  return path;
}

static gint64
usec_of (const char *iso)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (t);
  return g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t);
}

static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
assert_migrated_row (const char     *path,
                     const OldVisit *old)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 started = old->started_instant != NULL ? usec_of (old->started_instant) : RECEIVED * G_USEC_PER_SEC;
  gint64 finished = old->finished_instant != NULL ? usec_of (old->finished_instant) : RECEIVED * G_USEC_PER_SEC;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT started_utc_us, started_offset_min, finished_utc_us,"
                                           " finished_offset_min, finished_local_us FROM visits WHERE uuid = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, old->uuid, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_test_message ("%s: %s / %s", old->uuid, old->started, old->finished);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, started);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 2), ==, finished);
  if (old->started_known)
    {
      g_assert_cmpint (sqlite3_column_type (stmt, 1), ==, SQLITE_INTEGER);
      g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, old->started_offset);
    }
  else
    g_assert_cmpint (sqlite3_column_type (stmt, 1), ==, SQLITE_NULL);
  if (old->finished_known)
    {
      g_assert_cmpint (sqlite3_column_int (stmt, 3), ==, old->finished_offset);
      /* the device's wall clock, for local days */
      g_assert_cmpint (sqlite3_column_int64 (stmt, 4), ==,
                       finished + (gint64) old->finished_offset * 60 * G_USEC_PER_SEC);
    }
  else
    {
      g_assert_cmpint (sqlite3_column_type (stmt, 3), ==, SQLITE_NULL);
      g_assert_cmpint (sqlite3_column_type (stmt, 4), ==, SQLITE_NULL);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_migrate_visit_times (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("verval-collector-store-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GPtrArray) visits = NULL;
  g_autoptr(GString) csv = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  path = write_store_2 (dir);

  g_test_expect_message ("collector-store", G_LOG_LEVEL_MESSAGE,
                         "2 visits (the first 00000000-0000-4000-8000-000000000007)*visit_times_unread");
  store = collector_sqlite_store_new (path, &error);
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
  g_assert_nonnull (store);

  /* read back: the same instants, in the same offsets; the exports write
   * what the old store held */
  visits = collector_store_list_visits (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (visits->len, ==, G_N_ELEMENTS (old_visits));
  csv = collector_export_csv (visits);
  lines = g_strsplit (csv->str, "\r\n", -1);
  for (guint i = 0; i < G_N_ELEMENTS (old_visits); i++)
    {
      const OldVisit *old = &old_visits[i];
      CollectorVisit *v = NULL;
      g_autofree char *finished = NULL;
      const char *line = NULL;

      for (guint k = 0; k < visits->len; k++)
        if (g_str_equal (((CollectorVisit *) visits->pdata[k])->uuid, old->uuid))
          v = visits->pdata[k];
      g_assert_nonnull (v);
      g_assert_cmpuint (v->media->len, ==, 1);
      finished = g_date_time_format_iso8601 (v->finished_at);
      g_assert_cmpstr (finished, ==, old->exported_finish);
      for (guint l = 1; lines[l] != NULL; l++)
        if (g_str_has_prefix (lines[l], old->uuid))
          line = lines[l];
      g_assert_nonnull (line);
      {
        g_auto(GStrv) fields = g_strsplit (line, ",", 13);

        g_assert_cmpstr (fields[11], ==, old->exported_finish);
        /* texts GLib wrote itself are written again unchanged */
        if (i < 4)
          {
            g_assert_cmpstr (fields[10], ==, old->started);
            g_assert_cmpstr (fields[11], ==, old->finished);
          }
      }
    }

  /* a local day and a deadline on the migrated rows */
  {
    g_autoptr(GPtrArray) local_20 =
      collector_store_list_visits_finished (store, COLLECTOR_CLOCK_DEVICE, usec_of ("2026-11-20T00:00:00Z"),
                                            usec_of ("2026-11-21T00:00:00Z"), &error);
    g_autoptr(GPtrArray) before_20 = NULL;

    g_assert_no_error (error);
    /* WIB, WITA, the one in two zones, the one of -03:30 and the one
     * whose start had no offset; not the WIT one of the 21st nor UTC's 19th */
    g_assert_cmpuint (local_20->len, ==, 5);
    for (guint i = 0; i < local_20->len; i++)
      {
        const char *uuid = ((CollectorVisit *) local_20->pdata[i])->uuid;

        g_assert_false (g_str_equal (uuid, old_visits[2].uuid));
        g_assert_false (g_str_equal (uuid, old_visits[3].uuid));
        g_assert_false (g_str_equal (uuid, old_visits[7].uuid));
      }
    before_20 = collector_store_list_visits_finished (store, COLLECTOR_CLOCK_UTC, G_MININT64,
                                                      usec_of ("2026-11-20T00:00:00Z"), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (before_20->len, ==, 1);
    g_assert_cmpstr (((CollectorVisit *) before_20->pdata[0])->uuid, ==, old_visits[3].uuid);
  }
  collector_store_close (store);
  g_clear_object (&store);

  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, 6);
  for (guint i = 0; i < G_N_ELEMENTS (old_visits); i++)
    assert_migrated_row (path, &old_visits[i]);
  /* nothing cascaded from the rebuilt table, and nothing was left behind */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM visit_media"), ==, G_N_ELEMENTS (old_visits));
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM reviews"), ==, 1);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'visits_utc'"), ==, 0);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM pragma_table_info ('visits') "
                                    "WHERE name IN ('started_at', 'finished_at')"), ==, 0);
  g_assert_cmpint (query_int (path, "SELECT strict FROM pragma_table_list ('visits')"), ==, 1);
  /* the texts that were not times, kept as they were */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM visit_times_unread"), ==, 2);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM visit_times_unread WHERE "
                                    "visit_uuid = '00000000-0000-4000-8000-000000000007' AND "
                                    "started_at = '2026-11-20T09:12:00' AND "
                                    "finished_at = '2026-11-20T09:27:30+08'"), ==, 1);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM visit_times_unread WHERE "
                                    "visit_uuid = '00000000-0000-4000-8000-000000000008' AND "
                                    "started_at = 'kemarin sore' AND finished_at = ''"), ==, 1);

  /* opened again: nothing to do */
  store = collector_sqlite_store_new (path, &error);
  g_assert_no_error (error);
  collector_store_close (store);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM visits"), ==, G_N_ELEMENTS (old_visits));

  test_rm_rf (dir);
}

/* A migration that fails leaves the store as it was, at its old version. */
static void
test_migrate_refuses_broken_reference (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("verval-collector-store-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(CollectorStore) store = NULL;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  path = write_store_2 (dir);
  /* a photo row of a visit that is not there, as only a hand edit makes */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "INSERT INTO visit_media VALUES ('00000000-0000-4000-8000-0000000000ff', 0,"
                " 'aa', 'house_front', 1, NULL);");
  sqlite3_close (db);

  store = collector_sqlite_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "visit_media"));
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM pragma_table_info ('visits') "
                                    "WHERE name = 'started_at'"), ==, 1);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM visit_media"), ==, G_N_ELEMENTS (old_visits) + 1);

  test_rm_rf (dir);
}
/* What schemas 5 and 6 added, taken away again: the store of a collector
 * of schema 4, which had no accounts, counted wrong enrollment codes in a
 * table of their own and kept no status history. */
static const char *back_to_schema_4 =
  "BEGIN;"
  "DROP TABLE device_status_reports;"
  "DROP TABLE sessions;"
  "DROP TABLE users;"
  "DROP TABLE auth_failures;"
  "CREATE TABLE enroll_failures (peer TEXT NOT NULL, at INTEGER NOT NULL) STRICT;"
  "CREATE INDEX enroll_failures_peer ON enroll_failures (peer, at);"
  "CREATE INDEX enroll_failures_at ON enroll_failures (at);"
  "PRAGMA user_version = 4;"
  "COMMIT;";

/* The wrong enrollment codes a store of schema 4 counted still count: an
 * address that was waiting still waits. */
static void
test_migrate_failures (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("verval-collector-store-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GArray) recent = NULL;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "collector.db", NULL);
  store = collector_sqlite_store_new (path, &error);
  g_assert_no_error (error);
  collector_store_close (store);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, back_to_schema_4);
  exec_sql (db, "INSERT INTO enroll_failures (peer, at) VALUES ('192.0.2.7', 1000), ('192.0.2.7', 1010),"
                "  ('2001:db8:1:2::/64', 1020);");
  sqlite3_close (db);

  store = collector_sqlite_store_new (path, &error);
  g_assert_no_error (error);
  recent = collector_store_recent_failures (store, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 2);
  g_assert_cmpint (g_array_index (recent, gint64, 0), ==, 1010);
  collector_store_close (store);
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, 6);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM auth_failures WHERE kind = 'enroll'"), ==, 3);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'enroll_failures'"), ==, 0);

  test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/collector/store/migrate/visit-times", test_migrate_visit_times);
  g_test_add_func ("/collector/store/migrate/refuses-broken-reference", test_migrate_refuses_broken_reference);
  g_test_add_func ("/collector/store/migrate/failures", test_migrate_failures);
  return g_test_run ();
}
