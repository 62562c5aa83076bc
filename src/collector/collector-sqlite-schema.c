/* collector-sqlite-schema.c: the SQLite store's tables, and the migrations
 * that bring an older file to them
 *
 * One migration per PRAGMA user_version, run by verval_sqlite_migrate(),
 * each in its own transaction with foreign keys off (a rebuilt table is
 * dropped and renamed, which must not cascade) and every reference checked
 * before it commits.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-sqlite-private.h"
#include "collector-store.h"

static gboolean migrate_visit_times_after (sqlite3  *db,
                                           GError  **error);

static const VervalSqliteMigration migrations[] = {
  { .version = 1, .sql =
  "CREATE TABLE counters ("
  "  name TEXT PRIMARY KEY,"
  "  value INTEGER NOT NULL"
  ") STRICT;"
  "INSERT INTO counters (name, value) VALUES ('seq', 0);"
  "CREATE TABLE enumerators ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  phone TEXT,"
  "  disabled INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE TABLE enroll_codes ("
  "  code_hash TEXT PRIMARY KEY,"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  used_at INTEGER"
  ") STRICT;"
  "CREATE TABLE devices ("
  "  id INTEGER PRIMARY KEY,"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  app_version TEXT,"
  "  enrolled_at INTEGER NOT NULL,"
  "  revoked_at INTEGER,"
  "  last_seen_at INTEGER,"
  "  status TEXT,"
  "  status_at INTEGER"
  ") STRICT;"
  "CREATE TABLE households ("
  "  id TEXT PRIMARY KEY,"
  "  source TEXT NOT NULL,"
  "  village_code TEXT NOT NULL,"
  "  head_name TEXT NOT NULL,"
  "  nik TEXT NOT NULL,"
  "  kk TEXT NOT NULL,"
  "  address TEXT NOT NULL,"
  "  data TEXT NOT NULL,"
  "  updated_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX households_village ON households (village_code);"
  /* one row per (household, enumerator) ever assigned: withdrawn rows stay,
   * inactive, so the old enumerator's device learns of the withdrawal */
  "CREATE TABLE assignments ("
  "  household_id TEXT NOT NULL REFERENCES households (id),"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  active INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL,"
  "  PRIMARY KEY (household_id, enumerator_id)"
  ") STRICT;"
  "CREATE INDEX assignments_pull ON assignments (enumerator_id, seq);"
  "CREATE UNIQUE INDEX assignments_one_active ON assignments (household_id) WHERE active = 1;"
  "CREATE TABLE visits ("
  "  uuid TEXT PRIMARY KEY,"
  "  revision INTEGER NOT NULL,"
  "  household_id TEXT NOT NULL REFERENCES households (id),"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  form_id TEXT NOT NULL,"
  "  form_version INTEGER NOT NULL,"
  "  result_code INTEGER NOT NULL,"
  "  started_at TEXT NOT NULL,"
  "  finished_at TEXT NOT NULL,"
  "  lat REAL,"
  "  lon REAL,"
  "  accuracy REAL,"
  "  altitude REAL,"
  "  fix_time TEXT,"
  "  fix_source TEXT,"
  "  answers TEXT NOT NULL,"
  "  received_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX visits_household ON visits (household_id);"
  "CREATE TABLE visit_media ("
  "  visit_uuid TEXT NOT NULL REFERENCES visits (uuid) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  role TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  taken TEXT,"
  "  PRIMARY KEY (visit_uuid, position)"
  ") STRICT;"
  "CREATE INDEX visit_media_sha ON visit_media (sha256);"
  "CREATE TABLE reviews ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  visit_uuid TEXT NOT NULL REFERENCES visits (uuid),"
  "  revision INTEGER NOT NULL,"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),"
  "  comment TEXT,"
  "  reviewer TEXT NOT NULL,"
  "  decided_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX reviews_pull ON reviews (enumerator_id, seq);" },
  /* 2: apps before 0.2 sent a fix without an accuracy (typed ones, most
   * photos' and some of the location service's) without the visit's
   * location member, so those visits were stored without a position,
   * although their answers hold it. Take it from there: the first answer
   * that is a position on Earth, with the source names of that version
   * ("gps-service", "photo-exif") turned into the protocol's. */
  { .version = 2, .sql =
  "UPDATE visits SET"
  "  lat = json_extract (f.loc, '$.latitude'),"
  "  lon = json_extract (f.loc, '$.longitude'),"
  "  accuracy = CASE WHEN json_type (f.loc, '$.accuracy') IN ('integer', 'real')"
  "                   AND json_extract (f.loc, '$.accuracy') >= 0"
  "             THEN json_extract (f.loc, '$.accuracy') END,"
  "  altitude = CASE WHEN json_type (f.loc, '$.altitude') IN ('integer', 'real')"
  "             THEN json_extract (f.loc, '$.altitude') END,"
  "  fix_time = CASE WHEN json_type (f.loc, '$.time') = 'text' THEN json_extract (f.loc, '$.time') END,"
  "  fix_source = CASE json_extract (f.loc, '$.source')"
  "               WHEN 'gps-service' THEN 'gps' WHEN 'photo-exif' THEN 'exif'"
  "               WHEN 'gps' THEN 'gps' WHEN 'network' THEN 'network'"
  "               WHEN 'manual' THEN 'manual' WHEN 'exif' THEN 'exif' END "
  "FROM (SELECT v.uuid AS uuid,"
  "        (SELECT a.value FROM json_each (v.answers) AS a"
  "         WHERE a.type = 'object'"
  "           AND json_type (a.value, '$.latitude') IN ('integer', 'real')"
  "           AND json_type (a.value, '$.longitude') IN ('integer', 'real')"
  "           AND json_extract (a.value, '$.latitude') BETWEEN -90 AND 90"
  "           AND json_extract (a.value, '$.longitude') BETWEEN -180 AND 180"
  "         ORDER BY a.id LIMIT 1) AS loc"
  "      FROM visits v WHERE v.lat IS NULL AND json_valid (v.answers)) AS f "
  "WHERE visits.uuid = f.uuid AND f.loc IS NOT NULL;" },
  /* 3: a visit's start and finish were the device's ISO 8601 text, which
   * no index can order across WIB, WITA and WIT. Each becomes the instant in
   * UTC microseconds (what GDateTime holds, so fractional seconds come back
   * exactly) and the device's offset in minutes beside it; the finish's
   * wall-clock reading is a generated column so a local day is an index
   * range too. A text that names no offset keeps its reading as UTC and no
   * offset; a text that is no time at all takes the moment it was received.
   * Either way the row stays, and its texts are kept in visit_times_unread.
   * foreign_keys is off during migrations: dropping the old table must not
   * cascade to visit_media. */
  { .version = 3, .sql =
  "CREATE TABLE visits_utc ("
  "  uuid TEXT PRIMARY KEY,"
  "  revision INTEGER NOT NULL,"
  "  household_id TEXT NOT NULL REFERENCES households (id),"
  "  enumerator_id INTEGER NOT NULL REFERENCES enumerators (id),"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  form_id TEXT NOT NULL,"
  "  form_version INTEGER NOT NULL,"
  "  result_code INTEGER NOT NULL,"
  "  started_utc_us INTEGER NOT NULL,"
  "  started_offset_min INTEGER CHECK (started_offset_min BETWEEN -1440 AND 1440),"
  "  finished_utc_us INTEGER NOT NULL,"
  "  finished_offset_min INTEGER CHECK (finished_offset_min BETWEEN -1440 AND 1440),"
  "  finished_local_us INTEGER GENERATED ALWAYS AS"
  "    (finished_utc_us + finished_offset_min * 60000000) VIRTUAL,"
  "  lat REAL,"
  "  lon REAL,"
  "  accuracy REAL,"
  "  altitude REAL,"
  "  fix_time TEXT,"
  "  fix_source TEXT,"
  "  answers TEXT NOT NULL,"
  "  received_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE TABLE visit_times_unread ("
  "  visit_uuid TEXT PRIMARY KEY REFERENCES visits (uuid) ON DELETE CASCADE,"
  "  started_at TEXT NOT NULL,"
  "  finished_at TEXT NOT NULL"
  ") STRICT;"
  "INSERT INTO visit_times_unread (visit_uuid, started_at, finished_at)"
  "  SELECT uuid, started_at, finished_at FROM visits"
  "  WHERE verval_offset_min (started_at) IS NULL OR verval_offset_min (finished_at) IS NULL;"
  "INSERT INTO visits_utc (uuid, revision, household_id, enumerator_id, device_id, form_id,"
  "    form_version, result_code, started_utc_us, started_offset_min, finished_utc_us,"
  "    finished_offset_min, lat, lon, accuracy, altitude, fix_time, fix_source, answers, received_at)"
  "  SELECT uuid, revision, household_id, enumerator_id, device_id, form_id, form_version, result_code,"
  "    coalesce (verval_utc_usec (started_at), received_at * 1000000), verval_offset_min (started_at),"
  "    coalesce (verval_utc_usec (finished_at), received_at * 1000000), verval_offset_min (finished_at),"
  "    lat, lon, accuracy, altitude, fix_time, fix_source, answers, received_at"
  "  FROM visits;"
  "DROP TABLE visits;"
  "ALTER TABLE visits_utc RENAME TO visits;"
  "CREATE INDEX visits_household ON visits (household_id);"
  /* visits finished on a UTC day, or before a deadline */
  "CREATE INDEX visits_finished ON visits (finished_utc_us);"
  /* visits finished on a day of the device's own calendar */
  "CREATE INDEX visits_finished_local ON visits (finished_local_us);"
  /* exports and listings page through the visits in this order */
  "CREATE INDEX visits_received ON visits (received_at, uuid);",
    .func = migrate_visit_times_after },
  /* 4: what several collectors must share rather than keep in memory, and
   * a name for the store. store_id tells `migrate` which store a target
   * is being filled from. A wrong enrollment code counts against its
   * address (collector_rules_throttle_wait()) wherever it was sent. */
  { .version = 4, .sql =
  "CREATE TABLE store_meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ") STRICT;"
  "INSERT INTO store_meta (key, value) VALUES ('store_id', lower (hex (randomblob (16))));"
  "CREATE TABLE enroll_failures ("
  "  peer TEXT NOT NULL,"
  "  at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX enroll_failures_peer ON enroll_failures (peer, at);"
  "CREATE INDEX enroll_failures_at ON enroll_failures (at);" },
  /* 5: the dashboard's accounts, each tied to one region (its digits, so
   * that a subtree is the range of codes that begin with them), and their
   * sessions, kept by the hash of the cookie's token. A throttle for
   * sign-ins beside the one for enrollment codes: every failure a throttle
   * counts is a row of one table, by its kind
   * (collector_failure_kind_name()) and what it counts against. */
  { .version = 5, .sql =
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'viewer')),"
  "  region TEXT NOT NULL,"
  "  password_hash TEXT NOT NULL,"
  "  disabled INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  password_changed_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX users_region ON users (region);"
  "CREATE TABLE sessions ("
  "  token_hash TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  csrf_token TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  last_used_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX sessions_user ON sessions (user_id);"
  "CREATE INDEX sessions_last_used ON sessions (last_used_at);"
  "CREATE TABLE auth_failures ("
  "  kind TEXT NOT NULL,"
  "  key TEXT NOT NULL,"
  "  at INTEGER NOT NULL"
  ") STRICT;"
  "INSERT INTO auth_failures (kind, key, at) SELECT 'enroll', peer, at FROM enroll_failures;"
  "DROP TABLE enroll_failures;"
  "CREATE INDEX auth_failures_key ON auth_failures (kind, key, at);"
  "CREATE INDEX auth_failures_at ON auth_failures (kind, at);" },
  /* 6: every status report a device sends, kept for
   * COLLECTOR_STATUS_HISTORY_DAYS: a queue that grows or an error that
   * comes back is then a fact of the history, not a guess from the last
   * report. The two members the team page reads are columns. */
  { .version = 6, .sql =
  "CREATE TABLE device_status_reports ("
  "  id INTEGER PRIMARY KEY,"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  at INTEGER NOT NULL,"
  "  queue_depth INTEGER,"
  "  error_code TEXT,"
  "  status TEXT NOT NULL"
  ") STRICT;"
  "CREATE INDEX device_status_reports_device ON device_status_reports (device_id, at);" },
};

/* Reads a time as collectors before schema 3 stored it (GLib's ISO 8601).
 * The second reading in another zone tells whether the text named its
 * offset: only a text without one reads differently. */
static gboolean
parse_stored_time (const char *text,
                   gint64     *utc_usec,
                   gboolean   *has_offset,
                   int        *offset_min)
{
  static gsize zones_ready;
  static GTimeZone *utc, *other;
  g_autoptr(GDateTime) as_utc = NULL;
  g_autoptr(GDateTime) as_other = NULL;

  if (g_once_init_enter (&zones_ready))
    {
      utc = g_time_zone_new_utc ();
      other = g_time_zone_new_offset (3600);
      g_once_init_leave (&zones_ready, 1);
    }
  if (text == NULL || (as_utc = g_date_time_new_from_iso8601 (text, utc)) == NULL)
    return FALSE;
  as_other = g_date_time_new_from_iso8601 (text, other);
  *utc_usec = collector_time_to_utc_usec (as_utc);
  *has_offset = as_other != NULL && g_date_time_equal (as_utc, as_other);
  *offset_min = *has_offset ? collector_time_offset_min (as_utc) : 0;
  return TRUE;
}

/* verval_utc_usec (text): the instant, or NULL when the text is no time */
static void
sql_utc_usec (sqlite3_context *context,
              int              argc,
              sqlite3_value  **argv)
{
  gint64 usec;
  gboolean has_offset;
  int offset;

  if (parse_stored_time ((const char *) sqlite3_value_text (argv[0]), &usec, &has_offset, &offset))
    sqlite3_result_int64 (context, usec);
  else
    sqlite3_result_null (context);
}

/* verval_offset_min (text): the offset the text names, or NULL */
static void
sql_offset_min (sqlite3_context *context,
                int              argc,
                sqlite3_value  **argv)
{
  gint64 usec;
  gboolean has_offset;
  int offset;

  if (parse_stored_time ((const char *) sqlite3_value_text (argv[0]), &usec, &has_offset, &offset) &&
      has_offset)
    sqlite3_result_int (context, offset);
  else
    sqlite3_result_null (context);
}

/* Says how many visits kept a guessed time, so an administrator who reads
 * the log knows where to look; the migration itself goes on. */
static gboolean
migrate_visit_times_after (sqlite3  *db,
                           GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  if (sqlite3_prepare_v2 (db, "SELECT count(*), min (visit_uuid) FROM visit_times_unread",
                          -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return verval_sqlite_set_error (error, db, "Cannot count the visits whose times were not read");
    }
  n = sqlite3_column_int64 (stmt, 0);
  if (n > 0)
    g_message ("%" G_GINT64_FORMAT " visits (the first %s) had a start or finish without a zone "
               "offset, or no time at all: they are kept, with the time read as UTC or else the "
               "time they were received, and their original texts are in the table visit_times_unread",
               n, (const char *) sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  return TRUE;
}

gboolean
collector_sqlite_migrate (sqlite3  *db,
                          GError  **error)
{
  /* what schema 3 reads the old times with */
  if (sqlite3_create_function (db, "verval_utc_usec", 1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                               NULL, sql_utc_usec, NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function (db, "verval_offset_min", 1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                               NULL, sql_offset_min, NULL, NULL) != SQLITE_OK)
    return verval_sqlite_set_error (error, db, "Cannot prepare the migration");
  return verval_sqlite_migrate (db, migrations, G_N_ELEMENTS (migrations),
                                VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES, NULL, error);
}
