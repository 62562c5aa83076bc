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

static const VervalStoreMigration migrations[] = {
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
};

const VervalStoreMigration *
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
