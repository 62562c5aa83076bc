/* collector-sqlite-visits.c: visits and their media references in SQLite
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <math.h>
#include <string.h>

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-sqlite-private.h"
#include "collector-sqlite-store.h"

/* ---------------------------------------------------------------- visits */

typedef struct
{
  CollectorDevice *device;
  GPtrArray       *visits;
  GPtrArray       *outcomes;
} SubmitData;

static gboolean
write_visit (CollectorSqliteConn  *conn,
             CollectorDevice      *device,
             CollectorVisit       *v,
             gboolean              replace,
             gint64                now,
             GError              **error)
{
  static const char *insert_sql =
    "INSERT INTO visits (uuid, revision, household_id, enumerator_id, device_id, form_id,"
    " form_version, result_code, started_utc_us, finished_utc_us, lat, lon, accuracy, altitude,"
    " fix_time, fix_source, answers, received_at, started_offset_min, finished_offset_min)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20)";
  static const char *update_sql =
    "UPDATE visits SET revision = ?2, household_id = ?3, enumerator_id = ?4, device_id = ?5,"
    " form_id = ?6, form_version = ?7, result_code = ?8, started_utc_us = ?9, finished_utc_us = ?10,"
    " lat = ?11, lon = ?12, accuracy = ?13, altitude = ?14, fix_time = ?15, fix_source = ?16,"
    " answers = ?17, received_at = ?18, started_offset_min = ?19, finished_offset_min = ?20"
    " WHERE uuid = ?1";
  static const char *clear_media_sql = "DELETE FROM visit_media WHERE visit_uuid = ?";
  static const char *media_sql =
    "INSERT INTO visit_media (visit_uuid, position, sha256, role, size, taken) VALUES (?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *stmt;

  if ((stmt = collector_sqlite_stmt (conn, replace ? update_sql : insert_sql, error)) == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, v->uuid);
  sqlite3_bind_int64 (stmt, 2, v->revision);
  verval_sqlite_bind_text (stmt, 3, v->household_id);
  sqlite3_bind_int64 (stmt, 4, device->enumerator_id);
  sqlite3_bind_int64 (stmt, 5, device->id);
  verval_sqlite_bind_text (stmt, 6, v->form_id);
  sqlite3_bind_int64 (stmt, 7, v->form_version);
  sqlite3_bind_int64 (stmt, 8, v->result_code);
  sqlite3_bind_int64 (stmt, 9, collector_time_to_utc_usec (v->started_at));
  sqlite3_bind_int64 (stmt, 10, collector_time_to_utc_usec (v->finished_at));
  sqlite3_bind_int (stmt, 19, collector_time_offset_min (v->started_at));
  sqlite3_bind_int (stmt, 20, collector_time_offset_min (v->finished_at));
  if (v->has_location)
    {
      sqlite3_bind_double (stmt, 11, v->lat);
      sqlite3_bind_double (stmt, 12, v->lon);
      if (!isnan (v->accuracy))
        sqlite3_bind_double (stmt, 13, v->accuracy);
      if (v->has_altitude)
        sqlite3_bind_double (stmt, 14, v->altitude);
      verval_sqlite_bind_text (stmt, 15, v->fix_time);
      verval_sqlite_bind_text (stmt, 16, v->fix_source);
    }
  verval_sqlite_bind_text (stmt, 17, v->answers_json);
  sqlite3_bind_int64 (stmt, 18, now);
  if (!verval_sqlite_step_done (stmt, "Cannot write", error))
    return FALSE;

  if (replace && !collector_sqlite_run (conn, clear_media_sql, error, SQL_TEXT (v->uuid), SQL_END))
    return FALSE;
  for (guint i = 0; i < v->media->len; i++)
    {
      CollectorMediaRef *m = g_ptr_array_index (v->media, i);

      if (!collector_sqlite_run (conn, media_sql, error, SQL_TEXT (v->uuid), SQL_INT (i),
                                 SQL_TEXT (m->sha256), SQL_TEXT (m->role), SQL_INT (m->size),
                                 SQL_TEXT (m->taken), SQL_END))
        return FALSE;
    }
  return TRUE;
}

static gboolean
do_submit_visits (CollectorSqliteStore  *self,
                  CollectorSqliteConn   *conn,
                  gpointer               data,
                  GError               **error)
{
  SubmitData *d = data;
  static const char *seen_sql = "UPDATE devices SET last_seen_at = ? WHERE id = ?";
  /* any assignment, active or withdrawn: see collector_rules_decide_visit() */
  static const char *assigned_sql =
    "SELECT 1 FROM assignments WHERE household_id = ? AND enumerator_id = ?";
  static const char *existing_sql = "SELECT revision, enumerator_id FROM visits WHERE uuid = ?";
  gint64 now = collector_sqlite_now ();
  sqlite3_stmt *stmt;

  if (!collector_sqlite_run (conn, seen_sql, error, SQL_INT (now), SQL_INT (d->device->id),
                             SQL_END))
    return FALSE;

  g_ptr_array_set_size (d->outcomes, 0);
  for (guint i = 0; i < d->visits->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (d->visits, i);
      CollectorVisitFacts facts = { 0 };
      CollectorVisitWrite write;
      CollectorVisitOutcome *outcome;
      int rc;

      if ((stmt = collector_sqlite_stmt (conn, assigned_sql, error)) == NULL)
        return FALSE;
      verval_sqlite_bind_text (stmt, 1, v->household_id);
      sqlite3_bind_int64 (stmt, 2, d->device->enumerator_id);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return verval_sqlite_set_error (error, conn->db, "Cannot read an assignment");
      facts.assigned = rc == SQLITE_ROW;

      if ((stmt = collector_sqlite_stmt (conn, existing_sql, error)) == NULL)
        return FALSE;
      verval_sqlite_bind_text (stmt, 1, v->uuid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          facts.exists = TRUE;
          facts.revision = sqlite3_column_int64 (stmt, 0);
          facts.owner = sqlite3_column_int64 (stmt, 1);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return verval_sqlite_set_error (error, conn->db, "Cannot read a visit");

      /* one writer thread and one transaction: the facts cannot change
       * between reading them and writing */
      outcome = collector_rules_decide_visit (&facts, d->device->enumerator_id, v, &write);
      if (write != COLLECTOR_VISIT_WRITE_NONE &&
          !write_visit (conn, d->device, v, write == COLLECTOR_VISIT_WRITE_REPLACE, now, error))
        {
          collector_visit_outcome_free (outcome);
          return FALSE;
        }
      g_ptr_array_add (d->outcomes, outcome);
    }
  return TRUE;
}

static GPtrArray *
sqlite_submit_visits (CollectorVisitStore  *store,
                      CollectorDevice      *device,
                      GPtrArray            *visits,
                      GError              **error)
{
  g_autoptr(GPtrArray) outcomes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_outcome_free);
  SubmitData d = { device, visits, outcomes };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_submit_visits, &d, error))
    return NULL;
  g_assert (outcomes->len == visits->len);
  return g_steal_pointer (&outcomes);
}

/* The columns collector_visit_from_row() reads, in its order. */
#define VISIT_COLUMNS \
  "SELECT v.uuid, v.revision, v.household_id, v.form_id, v.form_version, v.answers," \
  " v.result_code, v.started_utc_us, v.started_offset_min, v.finished_utc_us," \
  " v.finished_offset_min, v.lat, v.lon, v.accuracy, v.altitude, v.fix_time, v.fix_source," \
  " v.enumerator_id, e.name, v.device_id, h.village_code, v.received_at" \
  " FROM visits v JOIN enumerators e ON e.id = v.enumerator_id" \
  " JOIN households h ON h.id = v.household_id"

typedef void (*BindFunc) (sqlite3_stmt *stmt,
                          gconstpointer data);

/* Runs @sql (VISIT_COLUMNS and its conditions, its parameters bound by
 * @bind) and reads every visit it selects with its media. */
static GPtrArray *
read_visits (CollectorSqliteStore  *self,
             const char            *sql,
             BindFunc               bind,
             gconstpointer          data,
             GError               **error)
{
  static const char *media_sql =
    "SELECT sha256, role, size, taken FROM visit_media WHERE visit_uuid = ? ORDER BY position";
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
  sqlite3_stmt *stmt, *mstmt;
  CollectorSqliteConn *conn;
  int rc;

  if ((conn = collector_sqlite_reader_acquire (self, error)) == NULL)
    return NULL;
  /* one read transaction: the visits and their media agree */
  if (!verval_sqlite_exec (conn->db, "BEGIN;", error))
    {
      collector_sqlite_reader_release (self, conn);
      return NULL;
    }
  if ((stmt = collector_sqlite_stmt (conn, sql, error)) == NULL)
    goto fail;
  bind (stmt, data);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, collector_visit_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, conn->db, "Cannot read visits");
      goto fail;
    }
  for (guint i = 0; i < out->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (out, i);

      if ((mstmt = collector_sqlite_stmt (conn, media_sql, error)) == NULL)
        goto fail;
      verval_sqlite_bind_text (mstmt, 1, v->uuid);
      while ((rc = sqlite3_step (mstmt)) == SQLITE_ROW)
        g_ptr_array_add (v->media, collector_media_ref_from_row (&COLLECTOR_SQLITE_ROW (mstmt), 0));
      sqlite3_reset (mstmt);
      if (rc != SQLITE_DONE)
        {
          verval_sqlite_set_error (error, conn->db, "Cannot read visit media");
          goto fail;
        }
    }
  verval_sqlite_end (conn->db, TRUE, NULL);
  collector_sqlite_reader_release (self, conn);
  return g_steal_pointer (&out);

fail:
  verval_sqlite_end (conn->db, FALSE, NULL);
  collector_sqlite_reader_release (self, conn);
  return NULL;
}

typedef struct
{
  const CollectorVisitFilter *filter;
  const CollectorVisitKey    *after;
  guint                       limit;
} PageQuery;

static void
bind_page (sqlite3_stmt  *stmt,
           gconstpointer  data)
{
  const PageQuery *q = data;

  verval_sqlite_bind_text (stmt, 1, q->filter != NULL ? q->filter->village_prefix : NULL);
  sqlite3_bind_int64 (stmt, 2, q->filter != NULL ? q->filter->enumerator_id : 0);
  /* the statement is cached: every parameter is bound, also to null */
  if (q->after != NULL)
    sqlite3_bind_int64 (stmt, 3, q->after->received_at);
  else
    sqlite3_bind_null (stmt, 3);
  verval_sqlite_bind_text (stmt, 4, q->after != NULL ? q->after->uuid : NULL);
  sqlite3_bind_int64 (stmt, 5, q->limit);
}

/* Keyset paging on visits_received: each page starts where the last one
 * ended, whatever was stored meanwhile, at the cost of one index seek. */
static GPtrArray *
sqlite_visits_page (CollectorVisitStore         *store,
                    const CollectorVisitFilter  *filter,
                    const CollectorVisitKey     *after,
                    guint                        limit,
                    GError                     **error)
{
  static const char *sql =
    VISIT_COLUMNS
    " WHERE (?1 IS NULL OR substr (h.village_code, 1, length (?1)) = ?1)"
    " AND (?2 = 0 OR v.enumerator_id = ?2)"
    " AND (?3 IS NULL OR (v.received_at, v.uuid) > (?3, ?4))"
    " ORDER BY v.received_at, v.uuid LIMIT ?5";
  PageQuery q = { filter, after, limit };

  return read_visits (COLLECTOR_SQLITE_STORE (store), sql, bind_page, &q, error);
}

typedef struct
{
  gint64 from;
  gint64 until;
} Range;

static void
bind_range (sqlite3_stmt  *stmt,
            gconstpointer  data)
{
  const Range *range = data;

  sqlite3_bind_int64 (stmt, 1, range->from);
  sqlite3_bind_int64 (stmt, 2, range->until);
}

/* Each range is one of the finish's indexes (migration 3). */
static GPtrArray *
sqlite_list_visits_finished (CollectorVisitStore  *store,
                             CollectorClock        clock,
                             gint64                from_usec,
                             gint64                until_usec,
                             GError              **error)
{
  static const char *utc_sql =
    VISIT_COLUMNS " WHERE v.finished_utc_us >= ?1 AND v.finished_utc_us < ?2"
    " ORDER BY v.finished_utc_us, v.uuid";
  static const char *device_sql =
    VISIT_COLUMNS " WHERE v.finished_local_us >= ?1 AND v.finished_local_us < ?2"
    " ORDER BY v.finished_local_us, v.uuid";

  Range range = { from_usec, until_usec };

  return read_visits (COLLECTOR_SQLITE_STORE (store),
                      clock == COLLECTOR_CLOCK_UTC ? utc_sql : device_sql, bind_range, &range,
                      error);
}

void
collector_sqlite_visits_iface_init (CollectorVisitStoreInterface *iface)
{
  iface->submit_visits = sqlite_submit_visits;
  iface->visits_page = sqlite_visits_page;
  iface->list_visits_finished = sqlite_list_visits_finished;
}
