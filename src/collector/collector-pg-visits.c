/* collector-pg-visits.c: visits and their media references in PostgreSQL
 *
 * Collectors sharing the database may store revisions of one visit at the
 * same moment. Each visit is decided by collector_rules_decide_visit() on
 * facts read in the transaction, then written conditionally: inserted only
 * if no row has the uuid, replaced only if the stored revision is still
 * the one the rule saw. A write that changes no row lost a race; the facts
 * are read again (READ COMMITTED reads what the winner committed) and the
 * rule asked again. A batch's visits are written in uuid order, so two
 * batches never wait for each other's rows crosswise.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <math.h>

#include "collector-error.h"
#include "collector-pg-private.h"
#include "collector-rules.h"

/* How often one visit may lose a race before the batch gives up: each
 * loss means another writer stored a higher revision, so this is never
 * reached in practice. */
#define MAX_RACES 100

typedef struct
{
  CollectorDevice *device;
  GPtrArray       *visits;
  GPtrArray       *outcomes;
} SubmitData;

static gboolean
read_facts (CollectorPgConn      *conn,
            CollectorDevice      *device,
            CollectorVisit       *v,
            CollectorVisitFacts  *facts,
            GError              **error)
{
  /* any assignment, active or withdrawn: see collector_rules_decide_visit() */
  static const char *sql =
    "SELECT EXISTS (SELECT 1 FROM assignments a WHERE a.household_id = $1 AND a.enumerator_id = $2),"
    " v.revision, v.enumerator_id"
    " FROM (VALUES (1)) AS one (x) LEFT JOIN visits v ON v.uuid = $3";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (v->household_id),
                                      PG_INT (device->enumerator_id), PG_TEXT (v->uuid), PG_END);

  if (res == NULL)
    return FALSE;
  facts->assigned = PQgetvalue (res, 0, 0)[0] == 't';
  facts->exists = !PQgetisnull (res, 0, 1);
  facts->revision = collector_pg_get_int (res, 0, 1);
  facts->owner = collector_pg_get_int (res, 0, 2);
  PQclear (res);
  return TRUE;
}

/* Writes @v if the store still holds what the rule saw: no row for an
 * insert, @revision for a replacement. FALSE in *won when it did not. */
static gboolean
write_visit (CollectorPgConn  *conn,
             CollectorDevice  *device,
             CollectorVisit   *v,
             gboolean          replace,
             gint64           revision,
             gint64            now,
             gboolean         *won,
             GError          **error)
{
  /* one statement for both: an insert whose conflict replaces the row only
   * at the revision seen ($21 NULL for an insert, which never matches) */
  static const char *sql =
    "INSERT INTO visits (uuid, revision, household_id, enumerator_id, device_id, form_id,"
    " form_version, result_code, started_at, finished_at, lat, lon, accuracy, altitude,"
    " fix_time, fix_source, answers, received_at, started_offset_min, finished_offset_min)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10::timestamptz, $11, $12, $13, $14,"
    " $15, $16, $17, to_timestamp ($18), $19, $20)"
    " ON CONFLICT (uuid) DO UPDATE SET revision = excluded.revision, household_id = excluded.household_id,"
    " enumerator_id = excluded.enumerator_id, device_id = excluded.device_id, form_id = excluded.form_id,"
    " form_version = excluded.form_version, result_code = excluded.result_code,"
    " started_at = excluded.started_at, finished_at = excluded.finished_at, lat = excluded.lat,"
    " lon = excluded.lon, accuracy = excluded.accuracy, altitude = excluded.altitude,"
    " fix_time = excluded.fix_time, fix_source = excluded.fix_source, answers = excluded.answers,"
    " received_at = excluded.received_at, started_offset_min = excluded.started_offset_min,"
    " finished_offset_min = excluded.finished_offset_min"
    " WHERE visits.revision = $21::bigint AND visits.enumerator_id = excluded.enumerator_id";
  static const char *clear_media_sql = "DELETE FROM visit_media WHERE visit_uuid = $1";
  static const char *media_sql =
    "INSERT INTO visit_media (visit_uuid, position, sha256, role, size, taken) VALUES ($1, $2, $3, $4, $5, $6)";
  gboolean located = v->has_location;
  char seen[24];
  gint64 changed;

  g_snprintf (seen, sizeof seen, "%" G_GINT64_FORMAT, revision);
  changed = collector_pg_command (conn, sql, error,
                                  PG_TEXT (v->uuid), PG_INT (v->revision), PG_TEXT (v->household_id),
                                  PG_INT (device->enumerator_id), PG_INT (device->id), PG_TEXT (v->form_id),
                                  PG_INT (v->form_version), PG_INT (v->result_code),
                                  PG_USEC (collector_time_to_utc_usec (v->started_at)),
                                  PG_USEC (collector_time_to_utc_usec (v->finished_at)),
                                  PG_REAL (located ? v->lat : NAN), PG_REAL (located ? v->lon : NAN),
                                  PG_REAL (located ? v->accuracy : NAN),
                                  PG_REAL (located && v->has_altitude ? v->altitude : NAN),
                                  PG_TEXT (located ? v->fix_time : NULL), PG_TEXT (located ? v->fix_source : NULL),
                                  PG_TEXT (v->answers_json), PG_INT (now),
                                  PG_INT (collector_time_offset_min (v->started_at)),
                                  PG_INT (collector_time_offset_min (v->finished_at)),
                                  PG_TEXT (replace ? seen : NULL),
                                  PG_END);
  if (changed < 0)
    return FALSE;
  if (!(*won = changed > 0))
    return TRUE;

  if (replace && collector_pg_command (conn, clear_media_sql, error, PG_TEXT (v->uuid), PG_END) < 0)
    return FALSE;
  for (guint i = 0; i < v->media->len; i++)
    {
      CollectorMediaRef *m = g_ptr_array_index (v->media, i);

      if (collector_pg_command (conn, media_sql, error, PG_TEXT (v->uuid), PG_INT (i), PG_TEXT (m->sha256),
                                PG_TEXT (m->role), PG_INT (m->size), PG_TEXT (m->taken), PG_END) < 0)
        return FALSE;
    }
  return TRUE;
}

static CollectorVisitOutcome *
submit_one (CollectorPgConn  *conn,
            CollectorDevice  *device,
            CollectorVisit   *v,
            gint64            now,
            GError          **error)
{
  for (guint race = 0; race < MAX_RACES; race++)
    {
      g_autoptr(CollectorVisitOutcome) outcome = NULL;
      CollectorVisitFacts facts = { 0 };
      CollectorVisitWrite write;
      gboolean won = TRUE;

      if (!read_facts (conn, device, v, &facts, error))
        return NULL;
      outcome = collector_rules_decide_visit (&facts, device->enumerator_id, v, &write);
      if (write != COLLECTOR_VISIT_WRITE_NONE &&
          !write_visit (conn, device, v, write == COLLECTOR_VISIT_WRITE_REPLACE, facts.revision, now, &won,
                        error))
        return NULL;
      if (won)
        return g_steal_pointer (&outcome);
      g_debug ("Visit %s changed while it was decided; deciding again", v->uuid);
    }
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
               "Visit %s kept changing while it was being stored", v->uuid);
  return NULL;
}

static int
compare_uuids (gconstpointer a,
               gconstpointer b,
               gpointer      visits)
{
  CollectorVisit *va = g_ptr_array_index ((GPtrArray *) visits, *(const guint *) a);
  CollectorVisit *vb = g_ptr_array_index ((GPtrArray *) visits, *(const guint *) b);
  int order = g_strcmp0 (va->uuid, vb->uuid);

  /* the same uuid twice: in the order sent */
  if (order == 0)
    return *(const guint *) a < *(const guint *) b ? -1 : 1;
  return order;
}

static gboolean
do_submit_visits (CollectorPgConn  *conn,
                  gpointer          data,
                  GError          **error)
{
  SubmitData *d = data;
  static const char *seen_sql = "UPDATE devices SET last_seen_at = to_timestamp ($1) WHERE id = $2";
  g_autofree guint *order = g_new (guint, d->visits->len);
  gint64 now = collector_pg_now ();

  if (collector_pg_command (conn, seen_sql, error, PG_INT (now), PG_INT (d->device->id), PG_END) < 0)
    return FALSE;

  for (guint i = 0; i < d->visits->len; i++)
    order[i] = i;
  g_qsort_with_data (order, d->visits->len, sizeof *order, compare_uuids, d->visits);
  g_ptr_array_set_size (d->outcomes, 0);
  g_ptr_array_set_size (d->outcomes, d->visits->len);
  for (guint i = 0; i < d->visits->len; i++)
    {
      CollectorVisitOutcome *outcome = submit_one (conn, d->device, g_ptr_array_index (d->visits, order[i]),
                                                   now, error);

      if (outcome == NULL)
        return FALSE;
      d->outcomes->pdata[order[i]] = outcome;
    }
  return TRUE;
}

static GPtrArray *
pg_submit_visits (CollectorVisitStore  *store,
                  CollectorDevice      *device,
                  GPtrArray            *visits,
                  GError              **error)
{
  g_autoptr(GPtrArray) outcomes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_outcome_free);
  SubmitData d = { device, visits, outcomes };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_submit_visits, &d, error))
    return NULL;
  g_assert (outcomes->len == visits->len);
  return g_steal_pointer (&outcomes);
}

/* ---------------------------------------------------------------- reading */

/* The columns collector_visit_from_row() reads, in its order, then a
 * photo's (collector_media_ref_from_row()): a visit comes on as many rows
 * as it has photos, or one. */
#define VISIT_COLUMNS \
  "v.uuid, v.revision, v.household_id, v.form_id, v.form_version, v.answers, v.result_code," \
  " " PG_USEC_OF ("v.started_at") ", v.started_offset_min," \
  " " PG_USEC_OF ("v.finished_at") " AS finished_us, v.finished_offset_min," \
  " v.lat, v.lon, v.accuracy, v.altitude, v.fix_time, v.fix_source," \
  " v.enumerator_id, e.name, v.device_id, h.village_code, " PG_SECONDS_OF ("v.received_at") " AS received_at"
#define VISIT_FROM \
  " FROM visits v JOIN enumerators e ON e.id = v.enumerator_id JOIN households h ON h.id = v.household_id"
#define MEDIA_COLUMNS "m.sha256, m.role, m.size, m.taken"

typedef struct
{
  const char                 *sql;
  /* the parameters of @sql: a page's (the key only after the first), or a range's */
  const CollectorVisitFilter *filter;
  const CollectorVisitKey    *after;
  guint                       limit;
  gint64                      from;
  gint64                      until;
  GPtrArray                  *out;
} VisitsQuery;

static PGresult *
run_visits_query (CollectorPgConn  *conn,
                  VisitsQuery      *q,
                  GError          **error)
{
  const char *prefix = q->filter != NULL ? q->filter->village_prefix : NULL;
  gint64 enumerator_id = q->filter != NULL ? q->filter->enumerator_id : 0;

  if (q->limit == 0)
    return collector_pg_query (conn, q->sql, error, PG_USEC (q->from), PG_USEC (q->until), PG_END);
  if (q->after == NULL)
    return collector_pg_query (conn, q->sql, error, PG_TEXT (prefix), PG_INT (enumerator_id), PG_INT (q->limit),
                               PG_END);
  return collector_pg_query (conn, q->sql, error, PG_TEXT (prefix), PG_INT (enumerator_id), PG_INT (q->limit),
                             PG_INT (q->after->received_at), PG_TEXT (q->after->uuid), PG_END);
}

static gboolean
do_read_visits (CollectorPgConn  *conn,
                gpointer          data,
                GError          **error)
{
  VisitsQuery *q = data;
  CollectorVisit *v = NULL;
  PGresult *res;

  if ((res = run_visits_query (conn, q, error)) == NULL)
    return FALSE;
  g_ptr_array_set_size (q->out, 0);
  for (int i = 0; i < PQntuples (res); i++)
    {
      CollectorPgRow pgrow = { res, i };
      CollectorRow row = COLLECTOR_PG_ROW (&pgrow);

      if (v == NULL || !g_str_equal (v->uuid, PQgetvalue (res, i, 0)))
        {
          v = collector_visit_from_row (&row, 0);
          g_ptr_array_add (q->out, v);
        }
      if (!PQgetisnull (res, i, COLLECTOR_VISIT_N_COLUMNS))
        g_ptr_array_add (v->media, collector_media_ref_from_row (&row, COLLECTOR_VISIT_N_COLUMNS));
    }
  PQclear (res);
  return TRUE;
}

static GPtrArray *
read_visits (CollectorPgStore  *self,
             VisitsQuery       *q,
             GError           **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);

  q->out = out;
  if (!collector_pg_read (self, do_read_visits, q, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* Keyset paging on visits_received: each page starts where the last one
 * ended, whatever was stored meanwhile, at the cost of one index seek. The
 * page is chosen first and its photos joined after, so that a visit's
 * photos never split across pages. The first page has a statement of its
 * own: a plan made once for both could not use the index for the key. */
#define PAGE_SQL(after_key) \
  "SELECT p.*, " MEDIA_COLUMNS " FROM (SELECT " VISIT_COLUMNS VISIT_FROM \
  " WHERE ($1::text IS NULL OR starts_with (h.village_code, $1::text))" \
  " AND ($2::bigint = 0 OR v.enumerator_id = $2::bigint)" \
  after_key \
  " ORDER BY v.received_at, v.uuid LIMIT $3) AS p" \
  " LEFT JOIN visit_media m ON m.visit_uuid = p.uuid ORDER BY p.received_at, p.uuid, m.position"

static GPtrArray *
pg_visits_page (CollectorVisitStore         *store,
                const CollectorVisitFilter  *filter,
                const CollectorVisitKey     *after,
                guint                        limit,
                GError                     **error)
{
  static const char *first_sql = PAGE_SQL ("");
  static const char *after_sql = PAGE_SQL (" AND (v.received_at, v.uuid) > (to_timestamp ($4::bigint), $5::text)");
  VisitsQuery q = { after != NULL ? after_sql : first_sql, filter, after, limit };

  return read_visits (COLLECTOR_PG_STORE (store), &q, error);
}

/* Each range is one of the finish's indexes. */
static GPtrArray *
pg_list_visits_finished (CollectorVisitStore  *store,
                         CollectorClock        clock,
                         gint64                from_usec,
                         gint64                until_usec,
                         GError              **error)
{
  static const char *utc_sql =
    "SELECT " VISIT_COLUMNS ", " MEDIA_COLUMNS VISIT_FROM
    " LEFT JOIN visit_media m ON m.visit_uuid = v.uuid"
    " WHERE v.finished_at >= $1::timestamptz AND v.finished_at < $2::timestamptz"
    " ORDER BY v.finished_at, v.uuid, m.position";
  /* the bounds are wall-clock readings written as UTC */
  static const char *device_sql =
    "SELECT " VISIT_COLUMNS ", " MEDIA_COLUMNS VISIT_FROM
    " LEFT JOIN visit_media m ON m.visit_uuid = v.uuid"
    " WHERE v.finished_local >= ($1::timestamptz AT TIME ZONE 'UTC')"
    " AND v.finished_local < ($2::timestamptz AT TIME ZONE 'UTC')"
    " ORDER BY v.finished_local, v.uuid, m.position";
  VisitsQuery q = { clock == COLLECTOR_CLOCK_UTC ? utc_sql : device_sql, .from = from_usec, .until = until_usec };

  return read_visits (COLLECTOR_PG_STORE (store), &q, error);
}

void
collector_pg_visits_iface_init (CollectorVisitStoreInterface *iface)
{
  iface->submit_visits = pg_submit_visits;
  iface->visits_page = pg_visits_page;
  iface->list_visits_finished = pg_list_visits_finished;
}
