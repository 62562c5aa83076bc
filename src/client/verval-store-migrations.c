/* verval-store-migrations.c: the store's schema, one step per user_version
 *
 * Append new steps at the end; never change a step that has shipped (devices
 * in the field already ran it). verval-store.h explains the rules.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-store"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "verval-json.h"
#include "verval-location-fix.h"
#include "verval-store.h"

/* Version 1: households as listed (P3KE/DTKS), their members and sources.
 * search_text is the folded text the list search scans (see
 * verval_store_fold_text()), starting with the head's name, so it also
 * orders the list by name. */
static const char schema_v1[] =
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ") STRICT;"
  "CREATE TABLE households ("
  "  id              INTEGER PRIMARY KEY,"
  "  family_id       TEXT,"                 /* ID Keluarga P3KE */
  "  kk              TEXT,"
  "  head_nik        TEXT,"
  "  head_name       TEXT NOT NULL DEFAULT '',"
  "  address         TEXT NOT NULL DEFAULT '',"
  "  dusun           TEXT NOT NULL DEFAULT '',"
  "  rt              TEXT NOT NULL DEFAULT '',"
  "  rw              TEXT NOT NULL DEFAULT '',"
  "  village_code    TEXT NOT NULL DEFAULT '',"  /* digits, 5108062001 */
  "  province        TEXT NOT NULL DEFAULT '',"
  "  regency         TEXT NOT NULL DEFAULT '',"
  "  kecamatan       TEXT NOT NULL DEFAULT '',"
  "  village         TEXT NOT NULL DEFAULT '',"
  "  sex             TEXT NOT NULL DEFAULT '',"
  "  birth_date      TEXT NOT NULL DEFAULT '',"
  "  occupation      TEXT NOT NULL DEFAULT '',"
  "  education       TEXT NOT NULL DEFAULT '',"
  "  house_ownership TEXT NOT NULL DEFAULT '',"
  "  roof            TEXT NOT NULL DEFAULT '',"
  "  wall            TEXT NOT NULL DEFAULT '',"
  "  floor           TEXT NOT NULL DEFAULT '',"
  "  lighting        TEXT NOT NULL DEFAULT '',"
  "  cooking_fuel    TEXT NOT NULL DEFAULT '',"
  "  drinking_water  TEXT NOT NULL DEFAULT '',"
  "  toilet          TEXT NOT NULL DEFAULT '',"
  "  stunting_risk   TEXT NOT NULL DEFAULT '',"
  "  desil           INTEGER NOT NULL DEFAULT 0 CHECK (desil BETWEEN 0 AND 4),"
  "  padan_dukcapil  INTEGER NOT NULL DEFAULT -1,"
  "  data_year       INTEGER NOT NULL DEFAULT 0,"
  "  sources         INTEGER NOT NULL DEFAULT 0,"
  "  programmes      INTEGER NOT NULL DEFAULT 0,"
  "  savings         INTEGER NOT NULL DEFAULT 0,"
  "  n_members       INTEGER NOT NULL DEFAULT 0,"
  "  visit_state     TEXT NOT NULL DEFAULT 'none'"
  /* Not "IN (…)": SQLite 3.40 builds a temporary table per row for that. */
  "                  CHECK (visit_state = 'none' OR visit_state = 'draft' OR"
  "                         visit_state = 'final' OR visit_state = 'sent' OR"
  "                         visit_state = 'rejected'),"
  "  search_text     TEXT NOT NULL DEFAULT '',"
  "  updated_at      INTEGER NOT NULL DEFAULT 0"
  ") STRICT;"
  "CREATE UNIQUE INDEX households_family_id ON households (family_id) WHERE family_id IS NOT NULL;"
  "CREATE INDEX households_kk ON households (kk) WHERE kk IS NOT NULL;"
  "CREATE INDEX households_head_nik ON households (head_nik) WHERE head_nik IS NOT NULL;"
  "CREATE TABLE household_members ("
  "  id             INTEGER PRIMARY KEY,"
  "  household_id   INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,"
  "  source         INTEGER NOT NULL,"
  "  position       INTEGER NOT NULL,"
  "  individual_id  TEXT NOT NULL DEFAULT '',"
  "  nik            TEXT NOT NULL DEFAULT '',"
  "  name           TEXT NOT NULL DEFAULT '',"
  "  relationship   TEXT NOT NULL DEFAULT '',"
  "  sex            TEXT NOT NULL DEFAULT '',"
  "  birth_date     TEXT NOT NULL DEFAULT '',"
  "  birth_place    TEXT NOT NULL DEFAULT '',"
  "  mother_name    TEXT NOT NULL DEFAULT '',"
  "  marital_status TEXT NOT NULL DEFAULT '',"
  "  is_head        INTEGER NOT NULL DEFAULT 0"
  ") STRICT;"
  "CREATE INDEX household_members_household ON household_members (household_id, source);"
  "CREATE TABLE household_sources ("
  "  household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,"
  "  source       INTEGER NOT NULL,"
  "  source_id    TEXT NOT NULL,"
  "  file_name    TEXT NOT NULL,"
  "  imported_at  INTEGER NOT NULL,"
  "  PRIMARY KEY (household_id, source)"
  ") STRICT, WITHOUT ROWID;";

/* Version 5: one name per fix source, the fix's altitude and time beside
 * its position, and the refusal's codes.
 *
 * Until version 4 the app named the location service's fixes "gps-service"
 * and photo fixes "photo-exif", and its sync left the source out of the
 * visit for those names, which the collector then refused ("invalid
 * location"). The names become the protocol's (verval-location-fix.h),
 * in the columns and in the answers alike, and the visits refused for that
 * reason go back to the send queue: nothing about them was wrong. */

/* What the app of version 4 wrote into sync_error for a collector's
 * invalid_location, in each language it shipped in. Historical text, on
 * purpose not run through gettext: a later translation must not change
 * what this step recognises. */
static const char * const refused_location_texts[] = {
  "The recorded location is not valid.",
  "Lokasi yang tercatat tidak sah.",
};

static const struct {
  const char *old_name;
  const char *name;
} renamed_sources[] = {
  { "gps-service", "gps" },
  { "photo-exif", "exif" },
};

static const char *
renamed_source (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (renamed_sources); i++)
    if (g_str_equal (name, renamed_sources[i].old_name))
      return renamed_sources[i].name;
  return NULL;
}

/* Renames the source of every location answer in place; TRUE if any. */
static gboolean
rename_answer_sources (JsonObject *answers)
{
  g_autoptr(GList) members = json_object_get_members (answers);
  gboolean changed = FALSE;

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (answers, l->data);
      JsonObject *object;
      JsonNode *source;
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      source = json_object_get_member (object, "source");
      if (source == NULL || !JSON_NODE_HOLDS_VALUE (source) ||
          json_node_get_value_type (source) != G_TYPE_STRING)
        continue;
      name = renamed_source (json_node_get_string (source));
      if (name != NULL)
        {
          json_object_set_string_member (object, "source", name);
          changed = TRUE;
        }
    }
  return changed;
}

/* The answer the visit's location columns were taken from: the location
 * answer at the same position. */
static VervalLocationFix *
column_fix (JsonObject *answers,
            double      latitude,
            double      longitude)
{
  g_autoptr(GList) members = json_object_get_members (answers);

  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autoptr(VervalLocationFix) fix =
        verval_location_fix_from_answer (json_object_get_member (answers, l->data));

      if (fix != NULL && fix->latitude == latitude && fix->longitude == longitude)
        return g_steal_pointer (&fix);
    }
  return NULL;
}

static gboolean
update_located_visits (sqlite3  *db,
                       GError  **error)
{
  g_autoptr(sqlite3_stmt) read = NULL;
  g_autoptr(sqlite3_stmt) write = NULL;
  gboolean ok = TRUE;
  int rc;

  read = verval_sqlite_prepare (db, "SELECT uuid, answers, latitude, longitude FROM visits "
                                    "WHERE latitude IS NOT NULL OR instr (answers, '\"source\"') > 0",
                                error);
  if (read == NULL)
    return FALSE;
  write = verval_sqlite_prepare (db, "UPDATE visits SET answers = coalesce (?2, answers), "
                                     "  altitude = ?3, location_time = ?4 WHERE uuid = ?1", error);
  if (write == NULL)
    return FALSE;
  while (ok && (rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) answers = json_from_string ((const char *) sqlite3_column_text (read, 1), NULL);
      g_autoptr(VervalLocationFix) fix = NULL;
      g_autofree char *renamed = NULL;

      /* damaged answers stay as they are: the sync reports them */
      if (answers == NULL || !JSON_NODE_HOLDS_OBJECT (answers))
        continue;
      if (rename_answer_sources (json_node_get_object (answers)))
        renamed = verval_json_to_string (answers, NULL);
      if (sqlite3_column_type (read, 2) != SQLITE_NULL)
        fix = column_fix (json_node_get_object (answers), sqlite3_column_double (read, 2),
                          sqlite3_column_double (read, 3));
      if (renamed == NULL && (fix == NULL || (!fix->has_altitude && fix->time == NULL)))
        continue;

      verval_sqlite_bind_text (write, 1, (const char *) sqlite3_column_text (read, 0));
      verval_sqlite_bind_text (write, 2, renamed);
      if (fix != NULL && fix->has_altitude)
        sqlite3_bind_double (write, 3, fix->altitude);
      if (fix != NULL && fix->time != NULL)
        sqlite3_bind_int64 (write, 4, g_date_time_to_unix (fix->time));
      ok = verval_sqlite_step_done (write, "update a visit's location", error);
    }
  if (ok && rc != SQLITE_DONE)
    return verval_sqlite_set_error (error, db, "read visits' locations");
  return ok;
}

static gboolean
rename_source_columns (sqlite3  *db,
                       GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, "UPDATE visits SET location_source = ?2 "
                                                            "WHERE location_source = ?1", error);
  gboolean ok = stmt != NULL;

  for (guint i = 0; ok && i < G_N_ELEMENTS (renamed_sources); i++)
    {
      verval_sqlite_bind_text (stmt, 1, renamed_sources[i].old_name);
      verval_sqlite_bind_text (stmt, 2, renamed_sources[i].name);
      ok = verval_sqlite_step_done (stmt, "rename location sources", error);
    }
  return ok;
}

/* A refusal names one reason a line (verval-sync.c, describe_refusal); the
 * location's line is enough: the collector checks the others again. */
static gboolean
release_refused_locations (sqlite3  *db,
                           GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok = TRUE;
  int released = 0;

  stmt = verval_sqlite_prepare (db,
                                "UPDATE visits SET quarantined = 0, sync_error = '' "
                                "WHERE state = 'final' AND quarantined = 1 "
                                "  AND (location_source = 'gps' OR location_source = 'exif') "
                                "  AND instr (char (10) || sync_error || char (10), "
                                "             char (10) || ?1 || char (10)) > 0",
                                error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; ok && i < G_N_ELEMENTS (refused_location_texts); i++)
    {
      verval_sqlite_bind_text (stmt, 1, refused_location_texts[i]);
      ok = verval_sqlite_step_done (stmt, "release visits refused for their location", error);
      released += sqlite3_changes (db);
    }
  if (ok && released > 0)
    g_message ("%d visits refused by the collector for their location go to it again", released);
  return ok;
}

static gboolean
migrate_v5 (sqlite3  *db,
            GError  **error)
{
  return update_located_visits (db, error) &&
         rename_source_columns (db, error) &&
         release_refused_locations (db, error);
}

static const VervalSqliteMigration migrations[] = {
  { 1, schema_v1, NULL },
  /* { 2, "CREATE TABLE visits (…) STRICT;", NULL }, */
  /* Version 2: visits and their photos (verval-visit-store.c). Visits never
   * go with their household: deleting one that has visits fails. */
  { 2,
    "CREATE TABLE visits ("
    "  uuid            TEXT PRIMARY KEY,"
    "  household_id    INTEGER NOT NULL REFERENCES households (id),"
    "  form_id         TEXT NOT NULL,"
    "  form_version    INTEGER NOT NULL,"
    "  answers         TEXT NOT NULL DEFAULT '{}',"   /* JSON object */
    "  result_code     INTEGER,"
    "  started_at      INTEGER NOT NULL,"              /* unix seconds */
    "  finished_at     INTEGER,"
    "  updated_at      INTEGER NOT NULL,"
    "  enumerator_id   TEXT NOT NULL DEFAULT '',"
    "  device_id       TEXT NOT NULL DEFAULT '',"
    "  latitude        REAL,"
    "  longitude       REAL,"
    "  accuracy        REAL,"
    "  location_source TEXT,"
    "  state           TEXT NOT NULL DEFAULT 'draft'"
    "                  CHECK (state = 'draft' OR state = 'final' OR state = 'sent' OR"
    "                         state = 'rejected'),"
    "  revision        INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),"
    "  sync_error      TEXT NOT NULL DEFAULT '',"
    "  review_comment  TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX visits_household ON visits (household_id, started_at);"
    "CREATE INDEX visits_state ON visits (state);"
    "CREATE TABLE visit_media ("
    "  visit_uuid  TEXT NOT NULL REFERENCES visits (uuid) ON DELETE CASCADE,"
    "  sha256      TEXT NOT NULL CHECK (length (sha256) = 64),"
    "  field_id    TEXT NOT NULL,"
    "  role        TEXT NOT NULL,"
    "  position    INTEGER NOT NULL,"
    "  size        INTEGER NOT NULL,"
    "  width       INTEGER NOT NULL,"
    "  height      INTEGER NOT NULL,"
    "  taken_at    INTEGER,"
    "  latitude    REAL,"
    "  longitude   REAL,"
    "  accuracy    REAL,"
    "  added_at    INTEGER NOT NULL,"
    "  uploaded    INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (visit_uuid, sha256)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX visit_media_sha256 ON visit_media (sha256);",
    NULL },
  /* Version 3: sync (verval-sync.c). sync_state keeps the pull cursors and
   * the last error; sync_log every attempt. A visit the collector refused
   * is quarantined (skipped until released) with the reason in sync_error.
   * households.assignment: '' imported locally, else what the collector
   * says; a withdrawn household stays (its visits must still go up). */
  { 3,
    "CREATE TABLE sync_state ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE sync_log ("
    "  id            INTEGER PRIMARY KEY,"
    "  started_at    INTEGER NOT NULL,"
    "  finished_at   INTEGER,"
    "  trigger       TEXT NOT NULL,"
    "  outcome       TEXT NOT NULL DEFAULT 'running'"
    "                CHECK (outcome = 'running' OR outcome = 'ok' OR outcome = 'failed' OR"
    "                       outcome = 'cancelled' OR outcome = 'interrupted'),"
    "  error_code    INTEGER NOT NULL DEFAULT 0,"
    "  message       TEXT NOT NULL DEFAULT '',"
    "  n_visits      INTEGER NOT NULL DEFAULT 0,"
    "  n_media       INTEGER NOT NULL DEFAULT 0,"
    "  n_rejected    INTEGER NOT NULL DEFAULT 0,"
    "  n_assignments INTEGER NOT NULL DEFAULT 0,"
    "  n_reviews     INTEGER NOT NULL DEFAULT 0,"
    "  bytes_sent    INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "ALTER TABLE visits ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX visits_outbox ON visits (state, quarantined, finished_at);"
    "ALTER TABLE households ADD COLUMN assignment TEXT NOT NULL DEFAULT '';",
    NULL },
  /* Version 4: the household list's order as an index, so the first page
   * of the list and its count are read without scanning or sorting
   * (verval-household-model.c). It covers desil and visit_state too, so
   * the list's filters and its search index read nothing else. */
  { 4, VERVAL_STORE_LIST_INDEX_SQL ";", NULL },
  /* Version 5: see migrate_v5. refusal_codes: the codes of the collector's
   * last refusal, one a line ("invalid_location"), so that a later version
   * can act on a reason without reading translated text. */
  { 5,
    "ALTER TABLE visits ADD COLUMN altitude REAL;"
    "ALTER TABLE visits ADD COLUMN location_time INTEGER;"   /* unix seconds */
    "ALTER TABLE visits ADD COLUMN refusal_codes TEXT NOT NULL DEFAULT '';",
    migrate_v5 },
};

const VervalSqliteMigration *
verval_store_get_migrations (guint *n_migrations)
{
  if (n_migrations != NULL)
    *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}

int
verval_store_get_latest_version (void)
{
  return migrations[G_N_ELEMENTS (migrations) - 1].version;
}
