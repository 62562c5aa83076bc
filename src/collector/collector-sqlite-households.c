/* collector-sqlite-households.c: the listed households and the assignments in SQLite
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-sqlite-private.h"
#include "collector-sqlite-store.h"

/* ---------------------------------------------------------------- households */

typedef struct
{
  GPtrArray *households;
  guint      n_new;
  guint      n_updated;
} UpsertData;

static gboolean
do_upsert_households (CollectorSqliteStore  *self,
                      CollectorSqliteConn   *conn,
                      gpointer               data,
                      GError               **error)
{
  UpsertData *d = data;
  static const char *select_sql =
    "SELECT source, village_code, head_name, nik, kk, address, data FROM households WHERE id = ?";
  static const char *insert_sql =
    "INSERT INTO households (id, source, village_code, head_name, nik, kk, address, data, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET source = excluded.source, village_code = excluded.village_code,"
    " head_name = excluded.head_name, nik = excluded.nik, kk = excluded.kk,"
    " address = excluded.address, data = excluded.data, updated_at = excluded.updated_at";
  static const char *touch_sql =
    "UPDATE assignments SET seq = ? WHERE household_id = ? AND active = 1";
  gint64 now = collector_sqlite_now ();

  d->n_new = d->n_updated = 0;
  for (guint i = 0; i < d->households->len; i++)
    {
      CollectorHousehold *h = g_ptr_array_index (d->households, i);
      const char *values[] = { h->source, h->village_code, h->head_name, h->nik, h->kk,
                               h->address, h->data_json };
      sqlite3_stmt *stmt;
      gboolean exists = FALSE, same = FALSE;
      int rc;

      if ((stmt = collector_sqlite_stmt (conn, select_sql, error)) == NULL)
        return FALSE;
      verval_sqlite_bind_text (stmt, 1, h->id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          exists = TRUE;
          same = TRUE;
          for (guint c = 0; c < G_N_ELEMENTS (values); c++)
            same &= g_strcmp0 ((const char *) sqlite3_column_text (stmt, c),
                               values[c] != NULL ? values[c] : "") == 0;
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return verval_sqlite_set_error (error, conn->db, "Cannot read a household");
      if (same)
        continue;

      if ((stmt = collector_sqlite_stmt (conn, insert_sql, error)) == NULL)
        return FALSE;
      verval_sqlite_bind_text (stmt, 1, h->id);
      for (guint c = 0; c < G_N_ELEMENTS (values); c++)
        verval_sqlite_bind_text (stmt, c + 2, values[c] != NULL ? values[c] : "");
      sqlite3_bind_int64 (stmt, 9, now);
      if (!verval_sqlite_step_done (stmt, "Cannot write", error))
        return FALSE;

      if (exists)
        {
          gint64 seq;

          /* a changed household goes down again to whoever has it */
          if (!collector_sqlite_next_seq (conn, &seq, error) ||
              !collector_sqlite_run (conn, touch_sql, error, SQL_INT (seq), SQL_TEXT (h->id), SQL_END))
            return FALSE;
          d->n_updated++;
        }
      else
        d->n_new++;
    }
  return TRUE;
}

static gboolean
sqlite_upsert_households (CollectorHouseholdStore  *store,
                          GPtrArray                *households,
                          guint                    *n_new,
                          guint                    *n_updated,
                          GError                  **error)
{
  UpsertData d = { households, 0, 0 };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_upsert_households, &d, error))
    return FALSE;
  if (n_new != NULL)
    *n_new = d.n_new;
  if (n_updated != NULL)
    *n_updated = d.n_updated;
  return TRUE;
}

/* ---------------------------------------------------------------- assignments */

typedef struct
{
  gint64              enumerator_id;
  const char         *village_code;
  const char * const *household_ids;
  guint               n_assigned;
} AssignData;

static gboolean
assign_one (CollectorSqliteConn  *conn,
            const char           *household_id,
            gint64                enumerator_id,
            gboolean             *changed,
            GError              **error)
{
  static const char *current_sql =
    "SELECT enumerator_id FROM assignments WHERE household_id = ? AND active = 1";
  static const char *withdraw_sql =
    "UPDATE assignments SET active = 0, seq = ? WHERE household_id = ? AND enumerator_id = ?";
  static const char *assign_sql =
    "INSERT INTO assignments (household_id, enumerator_id, active, seq) VALUES (?, ?, 1, ?)"
    " ON CONFLICT (household_id, enumerator_id) DO UPDATE SET active = 1, seq = excluded.seq";
  sqlite3_stmt *stmt;
  gint64 current = 0, seq;
  int rc;

  *changed = FALSE;
  if ((stmt = collector_sqlite_stmt (conn, current_sql, error)) == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, household_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    current = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return verval_sqlite_set_error (error, conn->db, "Cannot read an assignment");
  if (current == enumerator_id)
    return TRUE;

  if (current != 0)
    {
      if (!collector_sqlite_next_seq (conn, &seq, error) ||
          !collector_sqlite_run (conn, withdraw_sql, error, SQL_INT (seq), SQL_TEXT (household_id),
                                 SQL_INT (current), SQL_END))
        return FALSE;
    }
  if (!collector_sqlite_next_seq (conn, &seq, error) ||
      !collector_sqlite_run (conn, assign_sql, error, SQL_TEXT (household_id), SQL_INT (enumerator_id),
                             SQL_INT (seq), SQL_END))
    return FALSE;
  *changed = TRUE;
  return TRUE;
}

static gboolean
do_assign (CollectorSqliteStore  *self,
           CollectorSqliteConn   *conn,
           gpointer               data,
           GError               **error)
{
  AssignData *d = data;
  static const char *enumerator_sql = "SELECT disabled FROM enumerators WHERE id = ?";
  static const char *village_sql = "SELECT id FROM households WHERE village_code = ? ORDER BY id";
  static const char *exists_sql = "SELECT 1 FROM households WHERE id = ?";
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = collector_sqlite_stmt (conn, enumerator_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, d->enumerator_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                   "No enumerator number %" G_GINT64_FORMAT, d->enumerator_id);
      return FALSE;
    }

  if (d->village_code != NULL)
    {
      if ((stmt = collector_sqlite_stmt (conn, village_sql, error)) == NULL)
        return FALSE;
      verval_sqlite_bind_text (stmt, 1, d->village_code);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (ids, verval_sqlite_column_dup (stmt, 0));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return verval_sqlite_set_error (error, conn->db, "Cannot list the village");
      if (ids->len == 0)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                       "No households imported for village code %s", d->village_code);
          return FALSE;
        }
    }
  else
    {
      for (guint i = 0; d->household_ids[i] != NULL; i++)
        {
          if ((stmt = collector_sqlite_stmt (conn, exists_sql, error)) == NULL)
            return FALSE;
          verval_sqlite_bind_text (stmt, 1, d->household_ids[i]);
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);
          if (rc != SQLITE_ROW)
            {
              g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                           "No household with id “%s”; nothing was assigned", d->household_ids[i]);
              return FALSE;
            }
          g_ptr_array_add (ids, g_strdup (d->household_ids[i]));
        }
    }

  d->n_assigned = 0;
  for (guint i = 0; i < ids->len; i++)
    {
      gboolean changed;

      if (!assign_one (conn, g_ptr_array_index (ids, i), d->enumerator_id, &changed, error))
        return FALSE;
      d->n_assigned += changed;
    }
  return TRUE;
}

static gboolean
sqlite_assign (CollectorHouseholdStore  *store,
               gint64                    enumerator_id,
               const char               *village_code,
               const char * const       *household_ids,
               guint                    *n_assigned,
               GError                  **error)
{
  AssignData d = { enumerator_id, village_code, household_ids, 0 };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_assign, &d, error))
    return FALSE;
  if (n_assigned != NULL)
    *n_assigned = d.n_assigned;
  return TRUE;
}

static CollectorAssignmentPage *
sqlite_pull_assignments (CollectorHouseholdStore  *store,
                         gint64                    enumerator_id,
                         gint64                    cursor,
                         guint                     limit,
                         GError                  **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT a.active, a.seq, a.household_id, h.source, h.village_code, h.head_name,"
    " h.nik, h.kk, h.address, h.data"
    " FROM assignments a JOIN households h ON h.id = a.household_id"
    " WHERE a.enumerator_id = ? AND a.seq > ? ORDER BY a.seq LIMIT ?";
  static const char *highest_sql = "SELECT value FROM counters WHERE name = 'seq'";
  g_autoptr(CollectorAssignmentPage) page = collector_assignment_page_new (cursor);

  if (!collector_sqlite_pull (self, sql, highest_sql, enumerator_id, cursor, limit,
                              (CollectorPageAddRow) collector_assignment_page_add_row, page, &page->more, error))
    return NULL;
  return g_steal_pointer (&page);
}

void
collector_sqlite_households_iface_init (CollectorHouseholdStoreInterface *iface)
{
  iface->upsert_households = sqlite_upsert_households;
  iface->assign = sqlite_assign;
  iface->pull_assignments = sqlite_pull_assignments;
}
