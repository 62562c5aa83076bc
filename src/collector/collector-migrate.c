/* collector-migrate.c: a kabupaten's SQLite store copied into PostgreSQL
 *
 * Table by table, in the order their references need, each in pages of
 * rows in primary-key order: a page is read from SQLite, then written to
 * PostgreSQL in one transaction. A run that was interrupted is continued
 * from the last key the target holds; a page written twice writes nothing
 * the second time (ON CONFLICT DO NOTHING), so no row is ever copied twice.
 * Rows keep their numbers (enumerators, devices, cursors), so devices keep
 * their tokens and cursors across the move.
 *
 * Values cross as text, each cast by the INSERT to its column's type:
 * integers in decimal, reals in the shortest text that reads back exactly,
 * instants as the microseconds since 1970 they are.
 *
 * The target records which SQLite store it is being filled from
 * (migrated_from); one that holds anything else is refused.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-migrate"

#include "config.h"

#include <sqlite3.h>

#include "collector-error.h"
#include "collector-migrate.h"
#include "collector-pg-private.h"
#include "collector-sqlite-store.h"
#include "verval-sqlite.h"

#define PAGE_ROWS 1000
#define MAX_COLUMNS 24

/* PostgreSQL's instant from whole seconds, or from microseconds, given as text */
#define SECONDS(p) "to_timestamp (" p "::bigint)"
#define MICROS(p)  "(timestamptz 'epoch' + " p "::bigint * interval '1 microsecond')"

typedef struct
{
  const char *name;
  guint       n_key;          /* the first n_key columns are the primary key */
  gboolean    int_key;        /* a one-column integer key (else text, or text then integer) */
  /* reads a page: with the key's values bound first (after_sql only), then
   * the page size */
  const char *first_sql;
  const char *after_sql;
  /* the target's last key, in the same order */
  const char *last_sql;
  const char *insert_sql;
} Table;

static const Table tables[] = {
  { "enumerators", 1, TRUE,
    "SELECT id, name, phone, disabled, created_at FROM enumerators ORDER BY id LIMIT ?1",
    "SELECT id, name, phone, disabled, created_at FROM enumerators WHERE id > ?1 ORDER BY id LIMIT ?2",
    "SELECT id::text FROM enumerators ORDER BY id DESC LIMIT 1",
    "INSERT INTO enumerators (id, name, phone, disabled, created_at) OVERRIDING SYSTEM VALUE"
    " VALUES ($1::bigint, $2, $3, $4::integer <> 0, " SECONDS ("$5") ")"
    " ON CONFLICT DO NOTHING" },
  /* the dashboard's accounts, with their password hashes: the same
   * passwords sign in; their sessions are not copied, so everyone signs in
   * again */
  { "users", 1, TRUE,
    "SELECT id, name, role, region, password_hash, disabled, created_at, password_changed_at FROM users"
    " ORDER BY id LIMIT ?1",
    "SELECT id, name, role, region, password_hash, disabled, created_at, password_changed_at FROM users"
    " WHERE id > ?1 ORDER BY id LIMIT ?2",
    "SELECT id::text FROM users ORDER BY id DESC LIMIT 1",
    "INSERT INTO users (id, name, role, region, password_hash, disabled, created_at, password_changed_at)"
    " OVERRIDING SYSTEM VALUE"
    " VALUES ($1::bigint, $2, $3, $4, $5, $6::integer <> 0, " SECONDS ("$7") ", " SECONDS ("$8") ")"
    " ON CONFLICT DO NOTHING" },
  { "enroll_codes", 1, FALSE,
    "SELECT code_hash, enumerator_id, created_at, expires_at, used_at FROM enroll_codes"
    " ORDER BY code_hash LIMIT ?1",
    "SELECT code_hash, enumerator_id, created_at, expires_at, used_at FROM enroll_codes"
    " WHERE code_hash > ?1 ORDER BY code_hash LIMIT ?2",
    "SELECT code_hash FROM enroll_codes ORDER BY code_hash DESC LIMIT 1",
    "INSERT INTO enroll_codes (code_hash, enumerator_id, created_at, expires_at, used_at)"
    " VALUES ($1, $2::bigint, " SECONDS ("$3") ", " SECONDS ("$4") ", " SECONDS ("$5") ")"
    " ON CONFLICT DO NOTHING" },
  { "devices", 1, TRUE,
    "SELECT id, enumerator_id, token_hash, name, app_version, enrolled_at, revoked_at, last_seen_at,"
    " status, status_at FROM devices ORDER BY id LIMIT ?1",
    "SELECT id, enumerator_id, token_hash, name, app_version, enrolled_at, revoked_at, last_seen_at,"
    " status, status_at FROM devices WHERE id > ?1 ORDER BY id LIMIT ?2",
    "SELECT id::text FROM devices ORDER BY id DESC LIMIT 1",
    "INSERT INTO devices (id, enumerator_id, token_hash, name, app_version, enrolled_at, revoked_at,"
    " last_seen_at, status, status_at) OVERRIDING SYSTEM VALUE"
    " VALUES ($1::bigint, $2::bigint, $3, $4, $5, " SECONDS ("$6") ", " SECONDS ("$7") ", "
    SECONDS ("$8") ", $9, " SECONDS ("$10") ")"
    " ON CONFLICT DO NOTHING" },
  { "households", 1, FALSE,
    "SELECT id, source, village_code, head_name, nik, kk, address, data, updated_at FROM households"
    " ORDER BY id LIMIT ?1",
    "SELECT id, source, village_code, head_name, nik, kk, address, data, updated_at FROM households"
    " WHERE id > ?1 ORDER BY id LIMIT ?2",
    "SELECT id FROM households ORDER BY id DESC LIMIT 1",
    "INSERT INTO households (id, source, village_code, head_name, nik, kk, address, data, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, " SECONDS ("$9") ")"
    " ON CONFLICT DO NOTHING" },
  { "assignments", 2, FALSE,
    "SELECT household_id, enumerator_id, active, seq FROM assignments"
    " ORDER BY household_id, enumerator_id LIMIT ?1",
    "SELECT household_id, enumerator_id, active, seq FROM assignments"
    " WHERE (household_id, enumerator_id) > (?1, ?2) ORDER BY household_id, enumerator_id LIMIT ?3",
    "SELECT household_id, enumerator_id::text FROM assignments"
    " ORDER BY household_id DESC, enumerator_id DESC LIMIT 1",
    "INSERT INTO assignments (household_id, enumerator_id, active, seq)"
    " VALUES ($1, $2::bigint, $3::integer <> 0, $4::bigint)"
    " ON CONFLICT DO NOTHING" },
  { "visits", 1, FALSE,
    "SELECT uuid, revision, household_id, enumerator_id, device_id, form_id, form_version, result_code,"
    " started_utc_us, started_offset_min, finished_utc_us, finished_offset_min, lat, lon, accuracy,"
    " altitude, fix_time, fix_source, answers, received_at FROM visits ORDER BY uuid LIMIT ?1",
    "SELECT uuid, revision, household_id, enumerator_id, device_id, form_id, form_version, result_code,"
    " started_utc_us, started_offset_min, finished_utc_us, finished_offset_min, lat, lon, accuracy,"
    " altitude, fix_time, fix_source, answers, received_at FROM visits WHERE uuid > ?1 ORDER BY uuid"
    " LIMIT ?2",
    "SELECT uuid FROM visits ORDER BY uuid DESC LIMIT 1",
    "INSERT INTO visits (uuid, revision, household_id, enumerator_id, device_id, form_id, form_version,"
    " result_code, started_at, started_offset_min, finished_at, finished_offset_min, lat, lon, accuracy,"
    " altitude, fix_time, fix_source, answers, received_at)"
    " VALUES ($1, $2::bigint, $3, $4::bigint, $5::bigint, $6, $7::bigint, $8::bigint, " MICROS ("$9") ","
    " $10::integer, " MICROS ("$11") ", $12::integer, $13::double precision, $14::double precision,"
    " $15::double precision, $16::double precision, $17, $18, $19, " SECONDS ("$20") ")"
    " ON CONFLICT DO NOTHING" },
  { "visit_media", 2, FALSE,
    "SELECT visit_uuid, position, sha256, role, size, taken FROM visit_media"
    " ORDER BY visit_uuid, position LIMIT ?1",
    "SELECT visit_uuid, position, sha256, role, size, taken FROM visit_media"
    " WHERE (visit_uuid, position) > (?1, ?2) ORDER BY visit_uuid, position LIMIT ?3",
    "SELECT visit_uuid, position::text FROM visit_media ORDER BY visit_uuid DESC, position DESC LIMIT 1",
    "INSERT INTO visit_media (visit_uuid, position, sha256, role, size, taken)"
    " VALUES ($1, $2::integer, $3, $4, $5::bigint, $6)"
    " ON CONFLICT DO NOTHING" },
  { "reviews", 1, TRUE,
    "SELECT seq, visit_uuid, revision, enumerator_id, decision, comment, reviewer, decided_at FROM reviews"
    " ORDER BY seq LIMIT ?1",
    "SELECT seq, visit_uuid, revision, enumerator_id, decision, comment, reviewer, decided_at FROM reviews"
    " WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    "SELECT seq::text FROM reviews ORDER BY seq DESC LIMIT 1",
    "INSERT INTO reviews (seq, visit_uuid, revision, enumerator_id, decision, comment, reviewer, decided_at)"
    " VALUES ($1::bigint, $2, $3::bigint, $4::bigint, $5, $6, $7, " SECONDS ("$8") ")"
    " ON CONFLICT DO NOTHING" },
  { "device_status_reports", 1, TRUE,
    "SELECT id, device_id, at, queue_depth, error_code, status FROM device_status_reports ORDER BY id LIMIT ?1",
    "SELECT id, device_id, at, queue_depth, error_code, status FROM device_status_reports"
    " WHERE id > ?1 ORDER BY id LIMIT ?2",
    "SELECT id::text FROM device_status_reports ORDER BY id DESC LIMIT 1",
    "INSERT INTO device_status_reports (id, device_id, at, queue_depth, error_code, status)"
    " OVERRIDING SYSTEM VALUE"
    " VALUES ($1::bigint, $2::bigint, " SECONDS ("$3") ", $4::bigint, $5, $6)"
    " ON CONFLICT DO NOTHING" },
};

/* ---------------------------------------------------------------- the source */

typedef struct
{
  GPtrArray *rows;       /* of GStrv-like char*[MAX_COLUMNS], NULL for SQL null */
  guint      n_columns;
} Page;

static void
row_free (gpointer row)
{
  char **values = row;

  for (guint i = 0; i < MAX_COLUMNS; i++)
    g_free (values[i]);
  g_free (values);
}

/* One column as text that PostgreSQL reads back to the same value. */
static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_NULL:
      return NULL;
    case SQLITE_INTEGER:
      return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, column));
    case SQLITE_FLOAT:
      return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, sqlite3_column_double (stmt, column)));
    default:
      return g_strdup ((const char *) sqlite3_column_text (stmt, column));
    }
}

/* The page of @table after @key (NULL: from the start). */
static Page *
read_page (sqlite3      *db,
           const Table  *table,
           char * const *key,
           GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  Page *page;
  int rc, index = 1;

  if ((stmt = verval_sqlite_prepare (db, key != NULL ? table->after_sql : table->first_sql, error)) == NULL)
    return NULL;
  if (key != NULL)
    for (guint i = 0; i < table->n_key; i++, index++)
      {
        /* a key column compares by its type in SQLite: integers as integers */
        if ((i == 0 && table->int_key) || i == 1)
          sqlite3_bind_int64 (stmt, index, g_ascii_strtoll (key[i], NULL, 10));
        else
          verval_sqlite_bind_text (stmt, index, key[i]);
      }
  sqlite3_bind_int (stmt, index, PAGE_ROWS);

  page = g_new0 (Page, 1);
  page->rows = g_ptr_array_new_with_free_func (row_free);
  page->n_columns = sqlite3_column_count (stmt);
  g_assert (page->n_columns <= MAX_COLUMNS);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      char **row = g_new0 (char *, MAX_COLUMNS);

      for (guint c = 0; c < page->n_columns; c++)
        row[c] = column_text (stmt, c);
      g_ptr_array_add (page->rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "Cannot read the source");
      g_ptr_array_unref (page->rows);
      g_free (page);
      return NULL;
    }
  return page;
}

static void
page_free (Page *page)
{
  if (page == NULL)
    return;
  g_ptr_array_unref (page->rows);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)

static gint64
source_count (sqlite3    *db,
              const char *table,
              GError    **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, sql, error);

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      verval_sqlite_set_error (error, db, "Cannot count the source's rows");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

/* The one text value of a one-row query, or NULL for none. */
static char *
source_text (sqlite3    *db,
             const char *sql,
             GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    return column_text (stmt, 0);
  if (rc != SQLITE_DONE)
    verval_sqlite_set_error (error, db, "Cannot read the source");
  return NULL;
}

/* ---------------------------------------------------------------- the target */

typedef struct
{
  const Table *table;
  Page        *page;
} WriteData;

static gboolean
do_write_page (CollectorPgConn  *conn,
               gpointer          data,
               GError          **error)
{
  WriteData *d = data;

  for (guint r = 0; r < d->page->rows->len; r++)
    {
      char **row = g_ptr_array_index (d->page->rows, r);

      if (collector_pg_command_values (conn, d->table->insert_sql, d->page->n_columns,
                                       (const char * const *) row, error) < 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const char *sql;
  guint       n_columns;
  char       *values[2];   /* out: the first row, or NULLs */
  gboolean    found;
} ReadData;

static gboolean
do_read_row (CollectorPgConn  *conn,
             gpointer          data,
             GError          **error)
{
  ReadData *d = data;
  PGresult *res = collector_pg_query (conn, d->sql, error, PG_END);

  if (res == NULL)
    return FALSE;
  d->found = PQntuples (res) > 0;
  for (guint c = 0; c < d->n_columns; c++)
    {
      g_free (d->values[c]);
      d->values[c] = d->found ? collector_pg_get_dup (res, 0, c) : NULL;
    }
  PQclear (res);
  return TRUE;
}

static void
read_data_clear (ReadData *d)
{
  g_clear_pointer (&d->values[0], g_free);
  g_clear_pointer (&d->values[1], g_free);
}

typedef struct
{
  const char *source_id;
  const char *source_path;
  char       *other;       /* out: the store the target is filled from, if another */
  gint64      held;        /* out: rows the target holds when it names no source */
  const char *held_table;
} ClaimData;

/* The target is empty, or is being filled from this source: note that it
 * is. Anything else is left alone. */
static gboolean
do_claim (CollectorPgConn  *conn,
          gpointer          data,
          GError          **error)
{
  static const char *lock_sql = "LOCK TABLE migrated_from IN EXCLUSIVE MODE";
  static const char *from_sql = "SELECT source_id, source_path FROM migrated_from";
  static const char *claim_sql =
    "INSERT INTO migrated_from (source_id, source_path, started_at) VALUES ($1, $2, now ())";
  ClaimData *d = data;
  PGresult *res;
  gboolean ours = FALSE, empty = TRUE;

  g_clear_pointer (&d->other, g_free);
  d->held = 0;
  if (!collector_pg_exec (conn, lock_sql, error) ||
      (res = collector_pg_query (conn, from_sql, error, PG_END)) == NULL)
    return FALSE;
  for (int r = 0; r < PQntuples (res); r++)
    {
      if (g_str_equal (PQgetvalue (res, r, 0), d->source_id))
        ours = TRUE;
      else if (d->other == NULL)
        d->other = g_strdup (PQgetvalue (res, r, 1));
    }
  PQclear (res);
  if (ours || d->other != NULL)
    return TRUE;

  for (guint t = 0; t < G_N_ELEMENTS (tables) && empty; t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", tables[t].name);

      /* not a static string: prepared afresh, and only here */
      res = PQexec (conn->pg, sql);
      if (PQresultStatus (res) != PGRES_TUPLES_OK)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                       "Cannot count the target's %s: %s", tables[t].name, PQresultErrorMessage (res));
          PQclear (res);
          return FALSE;
        }
      d->held = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
      d->held_table = tables[t].name;
      empty = d->held == 0;
      PQclear (res);
    }
  if (!empty)
    return TRUE;
  return collector_pg_command (conn, claim_sql, error, PG_TEXT (d->source_id),
                               PG_TEXT (d->source_path), PG_END) >= 0;
}

typedef struct
{
  gint64 seq;
  gint64 reviews;
} CountersData;

/* Cursors go on from where the source's stopped, and new enumerators,
 * devices and accounts are numbered after the copied ones. */
static gboolean
do_finish (CollectorPgConn  *conn,
           gpointer          data,
           GError          **error)
{
  static const char *counter_sql =
    "UPDATE counters SET value = greatest (value, $2::bigint) WHERE name = $1";
  static const char *identity_sql =
    "SELECT setval (pg_get_serial_sequence ('enumerators', 'id'),"
    "               greatest ((SELECT max (id) FROM enumerators), 1)),"
    "       setval (pg_get_serial_sequence ('devices', 'id'),"
    "               greatest ((SELECT max (id) FROM devices), 1)),"
    "       setval (pg_get_serial_sequence ('users', 'id'),"
    "               greatest ((SELECT max (id) FROM users), 1)),"
    "       setval (pg_get_serial_sequence ('device_status_reports', 'id'),"
    "               greatest ((SELECT max (id) FROM device_status_reports), 1))";
  static const char *done_sql = "UPDATE migrated_from SET finished_at = now () WHERE finished_at IS NULL";
  CountersData *d = data;
  PGresult *res;

  if (collector_pg_command (conn, counter_sql, error, PG_TEXT ("seq"), PG_INT (d->seq), PG_END) < 0 ||
      collector_pg_command (conn, counter_sql, error, PG_TEXT ("reviews"), PG_INT (d->reviews), PG_END) < 0 ||
      (res = collector_pg_query (conn, identity_sql, error, PG_END)) == NULL)
    return FALSE;
  PQclear (res);
  return collector_pg_command (conn, done_sql, error, PG_END) >= 0;
}

typedef struct
{
  const char *table;
  gint64      count;
} CountData;

static gboolean
do_count (CollectorPgConn  *conn,
          gpointer          data,
          GError          **error)
{
  CountData *d = data;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", d->table);
  PGresult *res = PQexec (conn->pg, sql);

  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                   "Cannot count the target's %s: %s", d->table, PQresultErrorMessage (res));
      PQclear (res);
      return FALSE;
    }
  d->count = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  return TRUE;
}

/* ---------------------------------------------------------------- the copy */

static gboolean
copy_table (sqlite3                 *db,
            CollectorPgStore        *target,
            const Table             *table,
            CollectorMigrateProgress progress,
            gpointer                 user_data,
            GError                 **error)
{
  ReadData last = { table->last_sql, table->n_key, { NULL, NULL }, FALSE };
  guint64 copied = 0;
  gboolean ok = TRUE;

  /* what an earlier run wrote is there up to its last key */
  if (!collector_pg_read (target, do_read_row, &last, error))
    return FALSE;
  for (;;)
    {
      g_autoptr(Page) page = read_page (db, table, last.found ? last.values : NULL, error);
      WriteData write = { table, NULL };
      char **tail;

      if (page == NULL)
        {
          ok = FALSE;
          break;
        }
      if (page->rows->len == 0)
        break;
      write.page = page;
      if (!collector_pg_write (target, do_write_page, &write, error))
        {
          ok = FALSE;
          break;
        }
      copied += page->rows->len;
      tail = g_ptr_array_index (page->rows, page->rows->len - 1);
      for (guint i = 0; i < table->n_key; i++)
        {
          g_free (last.values[i]);
          last.values[i] = g_strdup (tail[i]);
        }
      last.found = TRUE;
      if (progress != NULL)
        progress (table->name, copied, user_data);
      if (page->rows->len < PAGE_ROWS)
        break;
    }
  read_data_clear (&last);
  return ok;
}

gboolean
collector_migrate_sqlite_to_pg (const char               *data_dir,
                                const char               *conninfo,
                                CollectorMigrateProgress  progress,
                                gpointer                  user_data,
                                GPtrArray               **counts,
                                GError                  **error)
{
  g_autofree char *path = g_build_filename (data_dir, "collector.db", NULL);
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autoptr(CollectorStore) source_store = NULL;
  g_autoptr(CollectorStore) target_store = NULL;
  g_autofree char *source_id = NULL;
  g_autofree char *seq = NULL;
  g_autofree char *reviews_seq = NULL;
  g_autoptr(GPtrArray) tally = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_migrate_count_free);
  ClaimData claim = { NULL, NULL, NULL, 0, NULL };
  CountersData counters;
  sqlite3 *db = NULL;
  gboolean ok = FALSE;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "%s holds no collector database (collector.db)", data_dir);
      return FALSE;
    }
  /* brings an older file to the schema this copy reads */
  if ((source_store = collector_sqlite_store_new (path, error)) == NULL)
    return FALSE;
  collector_store_close (source_store);
  if ((target_store = collector_pg_store_new (conninfo, error)) == NULL)
    return FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, db, "Cannot open the source");
      goto out;
    }
  /* one read transaction: the copy is of one moment of the source */
  if (!verval_sqlite_exec (db, "BEGIN", error))
    goto out;
  if ((source_id = source_text (db, "SELECT value FROM store_meta WHERE key = 'store_id'", error)) == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE, "The source has no store id");
      goto out;
    }

  claim.source_id = source_id;
  claim.source_path = absolute;
  if (!collector_pg_write (COLLECTOR_PG_STORE (target_store), do_claim, &claim, error))
    goto out;
  if (claim.other != NULL)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS,
                   "The target is being filled from another collector's data (%s); refusing to mix "
                   "two kabupaten's data in one copy", claim.other);
      goto out;
    }
  if (claim.held > 0)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS,
                   "The target already holds data (%" G_GINT64_FORMAT " rows of %s) that was not "
                   "copied from %s; copy into an empty database", claim.held, claim.held_table, data_dir);
      goto out;
    }

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    if (!copy_table (db, COLLECTOR_PG_STORE (target_store), &tables[t], progress, user_data, error))
      goto out;

  seq = source_text (db, "SELECT value FROM counters WHERE name = 'seq'", error);
  reviews_seq = source_text (db, "SELECT max (seq) FROM reviews", error);
  if (error != NULL && *error != NULL)
    goto out;
  counters.seq = seq != NULL ? g_ascii_strtoll (seq, NULL, 10) : 0;
  counters.reviews = reviews_seq != NULL ? g_ascii_strtoll (reviews_seq, NULL, 10) : 0;
  if (!collector_pg_write (COLLECTOR_PG_STORE (target_store), do_finish, &counters, error))
    goto out;

  /* the proof: as many rows on each side */
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      CollectorMigrateCount *count = g_new0 (CollectorMigrateCount, 1);
      CountData target_count = { tables[t].name, 0 };

      count->table = tables[t].name;
      g_ptr_array_add (tally, count);
      if ((count->source = source_count (db, tables[t].name, error)) < 0 ||
          !collector_pg_read (COLLECTOR_PG_STORE (target_store), do_count, &target_count, error))
        goto out;
      count->target = target_count.count;
    }
  for (guint t = 0; t < tally->len; t++)
    {
      CollectorMigrateCount *count = g_ptr_array_index (tally, t);

      if (count->source != count->target)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                       "The copy is incomplete: %s has %" G_GINT64_FORMAT " rows in the source and %"
                       G_GINT64_FORMAT " in the target", count->table, count->source, count->target);
          goto out;
        }
    }
  ok = TRUE;

out:
  if (db != NULL)
    sqlite3_close (db);
  g_free (claim.other);
  collector_store_close (target_store);
  if (counts != NULL)
    *counts = g_steal_pointer (&tally);
  return ok;
}

void
collector_migrate_count_free (CollectorMigrateCount *count)
{
  g_free (count);
}
