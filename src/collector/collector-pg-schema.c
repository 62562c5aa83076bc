/* collector-pg-schema.c: the PostgreSQL store's tables, and the migrations
 * that bring an older database to them
 *
 * The schema's version is the one row of schema_version. Every collector
 * sharing the database checks it when it starts, each migration in its own
 * transaction that first takes a transaction-level advisory lock: of two
 * collectors starting at once, the second waits, then finds the work done.
 * A database from a newer collector is refused rather than written in a
 * way its tables no longer mean.
 *
 * The tables are SQLite's (collector-sqlite-schema.c) in PostgreSQL's
 * types: instants are timestamptz, a visit's start and finish with the
 * device's offset in minutes beside them, and ids that are compared or
 * ordered are in the "C" collation, so that the order of pages does not
 * depend on the server's locale.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-pg-private.h"

/* pg_advisory_xact_lock()'s key for migrating: "VERVA" in ASCII. */
#define MIGRATION_LOCK G_GINT64_CONSTANT (0x5645525641)

static const char * const migrations[] = {
  /* 1 */
  /* the sequences that cursors are made of: a row each, updated in the
   * transaction that uses the value (see collector_pg_next_seq()) */
  "CREATE TABLE counters ("
  "  name text COLLATE \"C\" PRIMARY KEY,"
  "  value bigint NOT NULL"
  ");"
  "INSERT INTO counters (name, value) VALUES ('seq', 0), ('reviews', 0);"
  "CREATE TABLE enumerators ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  name text NOT NULL UNIQUE,"
  "  phone text,"
  "  disabled boolean NOT NULL DEFAULT false,"
  "  created_at timestamptz NOT NULL"
  ");"
  "CREATE TABLE enroll_codes ("
  "  code_hash text COLLATE \"C\" PRIMARY KEY,"
  "  enumerator_id bigint NOT NULL REFERENCES enumerators (id),"
  "  created_at timestamptz NOT NULL,"
  "  expires_at timestamptz NOT NULL,"
  "  used_at timestamptz"
  ");"
  "CREATE TABLE devices ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  enumerator_id bigint NOT NULL REFERENCES enumerators (id),"
  "  token_hash text COLLATE \"C\" NOT NULL UNIQUE,"
  "  name text NOT NULL,"
  "  app_version text,"
  "  enrolled_at timestamptz NOT NULL,"
  "  revoked_at timestamptz,"
  "  last_seen_at timestamptz,"
  "  status text,"
  "  status_at timestamptz"
  ");"
  "CREATE INDEX devices_enumerator ON devices (enumerator_id);"
  "CREATE TABLE households ("
  "  id text COLLATE \"C\" PRIMARY KEY,"
  "  source text NOT NULL,"
  "  village_code text COLLATE \"C\" NOT NULL,"
  "  head_name text NOT NULL,"
  "  nik text NOT NULL,"
  "  kk text NOT NULL,"
  "  address text NOT NULL,"
  "  data text NOT NULL,"
  "  updated_at timestamptz NOT NULL"
  ");"
  "CREATE INDEX households_village ON households (village_code);"
  /* one row per (household, enumerator) ever assigned: withdrawn rows stay,
   * inactive, so the old enumerator's device learns of the withdrawal */
  "CREATE TABLE assignments ("
  "  household_id text COLLATE \"C\" NOT NULL REFERENCES households (id),"
  "  enumerator_id bigint NOT NULL REFERENCES enumerators (id),"
  "  active boolean NOT NULL,"
  "  seq bigint NOT NULL,"
  "  PRIMARY KEY (household_id, enumerator_id)"
  ");"
  "CREATE INDEX assignments_pull ON assignments (enumerator_id, seq);"
  "CREATE UNIQUE INDEX assignments_one_active ON assignments (household_id) WHERE active;"
  "CREATE TABLE visits ("
  "  uuid text COLLATE \"C\" PRIMARY KEY,"
  "  revision bigint NOT NULL,"
  "  household_id text COLLATE \"C\" NOT NULL REFERENCES households (id),"
  "  enumerator_id bigint NOT NULL REFERENCES enumerators (id),"
  "  device_id bigint NOT NULL REFERENCES devices (id),"
  "  form_id text NOT NULL,"
  "  form_version bigint NOT NULL,"
  "  result_code bigint NOT NULL,"
  "  started_at timestamptz NOT NULL,"
  "  started_offset_min integer CHECK (started_offset_min BETWEEN -1440 AND 1440),"
  "  finished_at timestamptz NOT NULL,"
  "  finished_offset_min integer CHECK (finished_offset_min BETWEEN -1440 AND 1440),"
  /* the finish on the device's wall clock, so a local day is an index range */
  "  finished_local timestamp GENERATED ALWAYS AS"
  "    ((finished_at AT TIME ZONE 'UTC') + finished_offset_min * interval '1 minute') STORED,"
  "  lat double precision,"
  "  lon double precision,"
  "  accuracy double precision,"
  "  altitude double precision,"
  "  fix_time text,"
  "  fix_source text,"
  "  answers text NOT NULL,"
  "  received_at timestamptz NOT NULL"
  ");"
  "CREATE INDEX visits_household ON visits (household_id);"
  "CREATE INDEX visits_device ON visits (device_id);"
  /* visits finished on a UTC day, or before a deadline */
  "CREATE INDEX visits_finished ON visits (finished_at);"
  /* visits finished on a day of the device's own calendar */
  "CREATE INDEX visits_finished_local ON visits (finished_local);"
  /* exports and listings page through the visits in this order, all of
   * them or one enumerator's */
  "CREATE INDEX visits_received ON visits (received_at, uuid);"
  "CREATE INDEX visits_enumerator_received ON visits (enumerator_id, received_at, uuid);"
  "CREATE TABLE visit_media ("
  "  visit_uuid text COLLATE \"C\" NOT NULL REFERENCES visits (uuid) ON DELETE CASCADE,"
  "  position integer NOT NULL,"
  "  sha256 text COLLATE \"C\" NOT NULL,"
  "  role text NOT NULL,"
  "  size bigint NOT NULL,"
  "  taken text,"
  "  PRIMARY KEY (visit_uuid, position)"
  ");"
  "CREATE INDEX visit_media_sha ON visit_media (sha256);"
  "CREATE TABLE reviews ("
  "  seq bigint PRIMARY KEY,"
  "  visit_uuid text COLLATE \"C\" NOT NULL REFERENCES visits (uuid),"
  "  revision bigint NOT NULL,"
  "  enumerator_id bigint NOT NULL REFERENCES enumerators (id),"
  "  decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),"
  "  comment text,"
  "  reviewer text NOT NULL,"
  "  decided_at timestamptz NOT NULL"
  ");"
  "CREATE INDEX reviews_pull ON reviews (enumerator_id, seq);"
  "CREATE INDEX reviews_visit ON reviews (visit_uuid);",
  /* 2 */
  /* wrong enrollment codes per address, counted by every collector on this
   * database (collector_rules_throttle_wait()) */
  "CREATE TABLE enroll_failures ("
  "  peer text COLLATE \"C\" NOT NULL,"
  "  at timestamptz NOT NULL"
  ");"
  "CREATE INDEX enroll_failures_peer ON enroll_failures (peer, at);"
  "CREATE INDEX enroll_failures_at ON enroll_failures (at);"
  /* which collector's SQLite store `migrate` is filling this database from */
  "CREATE TABLE migrated_from ("
  "  source_id text PRIMARY KEY,"
  "  source_path text NOT NULL,"
  "  started_at timestamptz NOT NULL,"
  "  finished_at timestamptz"
  ");",
  /* 3 */
  /* the dashboard's accounts, each tied to one region (its digits, so that
   * a subtree is the range of codes that begin with them), and their
   * sessions, kept by the hash of the cookie's token */
  "CREATE TABLE users ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  name text COLLATE \"C\" NOT NULL UNIQUE,"
  "  role text NOT NULL CHECK (role IN ('admin', 'supervisor', 'viewer')),"
  "  region text COLLATE \"C\" NOT NULL,"
  "  password_hash text NOT NULL,"
  "  disabled boolean NOT NULL DEFAULT false,"
  "  created_at timestamptz NOT NULL,"
  "  password_changed_at timestamptz NOT NULL"
  ");"
  "CREATE INDEX users_region ON users (region);"
  "CREATE TABLE sessions ("
  "  token_hash text COLLATE \"C\" PRIMARY KEY,"
  "  user_id bigint NOT NULL REFERENCES users (id),"
  "  csrf_token text NOT NULL,"
  "  created_at timestamptz NOT NULL,"
  "  last_used_at timestamptz NOT NULL"
  ");"
  "CREATE INDEX sessions_user ON sessions (user_id);"
  "CREATE INDEX sessions_last_used ON sessions (last_used_at);"
  /* a throttle for sign-ins beside the one for enrollment codes: every
   * failure a throttle counts is a row of one table, by its kind
   * (collector_failure_kind_name()) and what it counts against */
  "CREATE TABLE auth_failures ("
  "  kind text COLLATE \"C\" NOT NULL,"
  "  key text COLLATE \"C\" NOT NULL,"
  "  at timestamptz NOT NULL"
  ");"
  "INSERT INTO auth_failures (kind, key, at) SELECT 'enroll', peer, at FROM enroll_failures;"
  "DROP TABLE enroll_failures;"
  "CREATE INDEX auth_failures_key ON auth_failures (kind, key, at);"
  "CREATE INDEX auth_failures_at ON auth_failures (kind, at);",
  /* 4 */
  /* every status report a device sends, kept for
   * COLLECTOR_STATUS_HISTORY_DAYS (as SQLite's schema 6) */
  "CREATE TABLE device_status_reports ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  device_id bigint NOT NULL REFERENCES devices (id),"
  "  at timestamptz NOT NULL,"
  "  queue_depth bigint,"
  "  error_code text,"
  "  status text NOT NULL"
  ");"
  "CREATE INDEX device_status_reports_device ON device_status_reports (device_id, at);",
};

int
collector_pg_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

/* Inside a migration's transaction, under its lock: the version, 0 for a
 * database the collector never used. */
static gboolean
read_version (CollectorPgConn  *conn,
              int              *version,
              GError          **error)
{
  static const char *exists_sql = "SELECT to_regclass ('schema_version') IS NOT NULL";
  static const char *version_sql = "SELECT version FROM schema_version";
  PGresult *res;
  gboolean exists;

  if ((res = collector_pg_query (conn, exists_sql, error, PG_END)) == NULL)
    return FALSE;
  exists = PQgetvalue (res, 0, 0)[0] == 't';
  PQclear (res);
  if (!exists)
    {
      *version = 0;
      /* one row at most */
      return collector_pg_exec (conn,
                                "CREATE TABLE schema_version ("
                                "  one boolean PRIMARY KEY DEFAULT true CHECK (one),"
                                "  version integer NOT NULL"
                                ")", error);
    }
  if ((res = collector_pg_query (conn, version_sql, error, PG_END)) == NULL)
    return FALSE;
  *version = PQntuples (res) > 0 ? (int) collector_pg_get_int (res, 0, 0) : 0;
  PQclear (res);
  return TRUE;
}

/* One step: TRUE with *done when the schema is current. */
static gboolean
migrate_step (CollectorPgConn  *conn,
              gboolean         *done,
              GError          **error)
{
  static const char *lock_sql = "SELECT pg_advisory_xact_lock ($1)";
  static const char *bump_sql =
    "INSERT INTO schema_version (version) VALUES ($1)"
    " ON CONFLICT (one) DO UPDATE SET version = excluded.version";
  const int known = G_N_ELEMENTS (migrations);
  PGresult *res;
  int version;

  if ((res = collector_pg_query (conn, lock_sql, error, PG_INT (MIGRATION_LOCK), PG_END)) == NULL)
    return FALSE;
  PQclear (res);
  if (!read_version (conn, &version, error))
    return FALSE;
  if (version > known)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                   "The database has schema version %d, newer than this collector knows (%d)",
                   version, known);
      return FALSE;
    }
  if ((*done = version == known))
    return TRUE;
  g_debug ("Migrating the database to schema version %d", version + 1);
  return collector_pg_exec (conn, migrations[version], error) &&
         collector_pg_command (conn, bump_sql, error, PG_INT (version + 1), PG_END) >= 0;
}

gboolean
collector_pg_migrate (CollectorPgConn  *conn,
                      GError          **error)
{
  gboolean done = FALSE;

  while (!done)
    {
      if (!collector_pg_exec (conn, "BEGIN", error))
        return FALSE;
      if (!migrate_step (conn, &done, error) ||
          !collector_pg_exec (conn, "COMMIT", error))
        {
          if (PQstatus (conn->pg) == CONNECTION_OK)
            PQclear (PQexec (conn->pg, "ROLLBACK"));
          return FALSE;
        }
    }
  return TRUE;
}
