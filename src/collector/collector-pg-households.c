/* collector-pg-households.c: the listed households and the assignments in PostgreSQL
 *
 * Every change a device pulls takes its cursor from the "seq" counter
 * (collector_pg_next_seq()), whose row stays locked until the change
 * commits; an assignment also takes that lock before it reads who holds a
 * household. Writers of assignments therefore run one after the other and
 * commit in cursor order, so a pull never passes a cursor below which a
 * change is still to commit, and two collectors never both hand out one
 * household.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-pg-private.h"

/* ---------------------------------------------------------------- households */

typedef struct
{
  GPtrArray *households;
  guint      n_new;
  guint      n_updated;
} UpsertData;

static gboolean
do_upsert_households (CollectorPgConn  *conn,
                      gpointer          data,
                      GError          **error)
{
  UpsertData *d = data;
  static const char *insert_sql =
    "INSERT INTO households (id, source, village_code, head_name, nik, kk, address, data, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp ($9)) ON CONFLICT (id) DO NOTHING";
  /* an unchanged household is not written, and not sent down again */
  static const char *update_sql =
    "UPDATE households SET source = $2::text, village_code = $3::text, head_name = $4::text,"
    " nik = $5::text, kk = $6::text, address = $7::text, data = $8::text, updated_at = to_timestamp ($9)"
    " WHERE id = $1 AND (source, village_code, head_name, nik, kk, address, data)"
    " IS DISTINCT FROM ($2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text)";
  static const char *touch_sql = "UPDATE assignments SET seq = $1 WHERE household_id = $2 AND active";
  gint64 now = collector_pg_now ();

  /* a changed household takes a cursor: in order with the assignments */
  if (!collector_pg_lock_seq (conn, "seq", error))
    return FALSE;
  d->n_new = d->n_updated = 0;
  for (guint i = 0; i < d->households->len; i++)
    {
      CollectorHousehold *h = g_ptr_array_index (d->households, i);
#define OR_EMPTY(s) ((s) != NULL ? (s) : "")
      const char *source = OR_EMPTY (h->source), *village = OR_EMPTY (h->village_code);
      const char *head = OR_EMPTY (h->head_name), *nik = OR_EMPTY (h->nik), *kk = OR_EMPTY (h->kk);
      const char *address = OR_EMPTY (h->address), *json = OR_EMPTY (h->data_json);
#undef OR_EMPTY
      gint64 changed, seq;

      changed = collector_pg_command (conn, insert_sql, error, PG_TEXT (h->id), PG_TEXT (source),
                                      PG_TEXT (village), PG_TEXT (head), PG_TEXT (nik), PG_TEXT (kk),
                                      PG_TEXT (address), PG_TEXT (json), PG_INT (now), PG_END);
      if (changed < 0)
        return FALSE;
      if (changed > 0)
        {
          d->n_new++;
          continue;
        }
      changed = collector_pg_command (conn, update_sql, error, PG_TEXT (h->id), PG_TEXT (source),
                                      PG_TEXT (village), PG_TEXT (head), PG_TEXT (nik), PG_TEXT (kk),
                                      PG_TEXT (address), PG_TEXT (json), PG_INT (now), PG_END);
      if (changed < 0)
        return FALSE;
      if (changed == 0)
        continue;
      /* a changed household goes down again to whoever has it */
      if (!collector_pg_next_seq (conn, "seq", &seq, error) ||
          collector_pg_command (conn, touch_sql, error, PG_INT (seq), PG_TEXT (h->id), PG_END) < 0)
        return FALSE;
      d->n_updated++;
    }
  return TRUE;
}

static gboolean
pg_upsert_households (CollectorHouseholdStore  *store,
                      GPtrArray                *households,
                      guint                    *n_new,
                      guint                    *n_updated,
                      GError                  **error)
{
  UpsertData d = { households, 0, 0 };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_upsert_households, &d, error))
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
assign_one (CollectorPgConn  *conn,
            const char       *household_id,
            gint64            enumerator_id,
            gboolean         *changed,
            GError          **error)
{
  static const char *current_sql =
    "SELECT enumerator_id FROM assignments WHERE household_id = $1 AND active";
  static const char *withdraw_sql =
    "UPDATE assignments SET active = false, seq = $1 WHERE household_id = $2 AND enumerator_id = $3";
  static const char *assign_sql =
    "INSERT INTO assignments (household_id, enumerator_id, active, seq) VALUES ($1, $2, true, $3)"
    " ON CONFLICT (household_id, enumerator_id) DO UPDATE SET active = true, seq = excluded.seq";
  PGresult *res;
  gint64 current = 0, seq;

  *changed = FALSE;
  if ((res = collector_pg_query (conn, current_sql, error, PG_TEXT (household_id), PG_END)) == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    current = collector_pg_get_int (res, 0, 0);
  PQclear (res);
  if (current == enumerator_id)
    return TRUE;

  if (current != 0 &&
      (!collector_pg_next_seq (conn, "seq", &seq, error) ||
       collector_pg_command (conn, withdraw_sql, error, PG_INT (seq), PG_TEXT (household_id),
                             PG_INT (current), PG_END) < 0))
    return FALSE;
  if (!collector_pg_next_seq (conn, "seq", &seq, error) ||
      collector_pg_command (conn, assign_sql, error, PG_TEXT (household_id), PG_INT (enumerator_id),
                            PG_INT (seq), PG_END) < 0)
    return FALSE;
  *changed = TRUE;
  return TRUE;
}

/* The ids @d names, each known: a village's in id order, or the list. */
static GPtrArray *
household_ids (CollectorPgConn  *conn,
               AssignData       *d,
               GError          **error)
{
  static const char *village_sql = "SELECT id FROM households WHERE village_code = $1 ORDER BY id";
  static const char *exists_sql = "SELECT 1 FROM households WHERE id = $1";
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  PGresult *res;

  if (d->village_code != NULL)
    {
      if ((res = collector_pg_query (conn, village_sql, error, PG_TEXT (d->village_code), PG_END)) == NULL)
        return NULL;
      for (int i = 0; i < PQntuples (res); i++)
        g_ptr_array_add (ids, collector_pg_get_dup (res, i, 0));
      PQclear (res);
      if (ids->len == 0)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                       "No households imported for village code %s", d->village_code);
          return NULL;
        }
      return g_steal_pointer (&ids);
    }
  for (guint i = 0; d->household_ids[i] != NULL; i++)
    {
      gboolean found;

      if ((res = collector_pg_query (conn, exists_sql, error, PG_TEXT (d->household_ids[i]), PG_END)) == NULL)
        return NULL;
      found = PQntuples (res) > 0;
      PQclear (res);
      if (!found)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                       "No household with id “%s”; nothing was assigned", d->household_ids[i]);
          return NULL;
        }
      g_ptr_array_add (ids, g_strdup (d->household_ids[i]));
    }
  return g_steal_pointer (&ids);
}

static gboolean
do_assign (CollectorPgConn  *conn,
           gpointer          data,
           GError          **error)
{
  AssignData *d = data;
  static const char *enumerator_sql = "SELECT 1 FROM enumerators WHERE id = $1";
  g_autoptr(GPtrArray) ids = NULL;
  PGresult *res;
  gboolean found;

  /* first: who holds a household is read after every earlier assignment
   * committed, and no other can start until this one does */
  if (!collector_pg_lock_seq (conn, "seq", error))
    return FALSE;
  if ((res = collector_pg_query (conn, enumerator_sql, error, PG_INT (d->enumerator_id), PG_END)) == NULL)
    return FALSE;
  found = PQntuples (res) > 0;
  PQclear (res);
  if (!found)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                   "No enumerator number %" G_GINT64_FORMAT, d->enumerator_id);
      return FALSE;
    }
  if ((ids = household_ids (conn, d, error)) == NULL)
    return FALSE;

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
pg_assign (CollectorHouseholdStore  *store,
           gint64                    enumerator_id,
           const char               *village_code,
           const char * const       *household_ids,
           guint                    *n_assigned,
           GError                  **error)
{
  AssignData d = { enumerator_id, village_code, household_ids, 0 };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_assign, &d, error))
    return FALSE;
  if (n_assigned != NULL)
    *n_assigned = d.n_assigned;
  return TRUE;
}

static CollectorAssignmentPage *
pg_pull_assignments (CollectorHouseholdStore  *store,
                     gint64                    enumerator_id,
                     gint64                    cursor,
                     guint                     limit,
                     GError                  **error)
{
  static const char *sql =
    "SELECT a.active, a.seq, a.household_id, h.source, h.village_code, h.head_name,"
    " h.nik, h.kk, h.address, h.data"
    " FROM assignments a JOIN households h ON h.id = a.household_id"
    " WHERE a.enumerator_id = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3";
  g_autoptr(CollectorAssignmentPage) page = collector_assignment_page_new (cursor);

  if (!collector_pg_pull (COLLECTOR_PG_STORE (store), sql, "seq", enumerator_id, cursor, limit,
                          (CollectorPageAddRow) collector_assignment_page_add_row, page, &page->more, error))
    return NULL;
  return g_steal_pointer (&page);
}

void
collector_pg_households_iface_init (CollectorHouseholdStoreInterface *iface)
{
  iface->upsert_households = pg_upsert_households;
  iface->assign = pg_assign;
  iface->pull_assignments = pg_pull_assignments;
}
