/* collector-pg-reviews.c: reviews in PostgreSQL
 *
 * A review's number is its cursor, taken from the "reviews" counter in the
 * transaction that stores it (collector_pg_next_seq()), so reviews commit
 * in the order of their numbers and a pull never passes one still to come.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-pg-private.h"

typedef struct
{
  const char *visit_uuid;
  const char *decision;
  const char *comment;
  const char *reviewer;
} ReviewData;

static gboolean
do_add_review (CollectorPgConn  *conn,
               gpointer          data,
               GError          **error)
{
  ReviewData *d = data;
  static const char *sql =
    "INSERT INTO reviews (seq, visit_uuid, revision, enumerator_id, decision, comment, reviewer, decided_at)"
    " SELECT $1::bigint, uuid, revision, enumerator_id, $2::text, $3::text, $4::text, to_timestamp ($5)"
    " FROM visits WHERE uuid = $6";
  gint64 seq, changed;

  /* a number taken for a review that is then refused is given back by the rollback */
  if (!collector_pg_next_seq (conn, "reviews", &seq, error))
    return FALSE;
  changed = collector_pg_command (conn, sql, error, PG_INT (seq), PG_TEXT (d->decision), PG_TEXT (d->comment),
                                  PG_TEXT (d->reviewer), PG_INT (collector_pg_now ()), PG_TEXT (d->visit_uuid),
                                  PG_END);
  if (changed < 0)
    {
      if (collector_pg_failed_with (conn, PG_CHECK_VIOLATION, error))
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                     "A decision is “approved” or “rejected”, not “%s”", d->decision);
      return FALSE;
    }
  if (changed == 0)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND, "No visit %s", d->visit_uuid);
      return FALSE;
    }
  return TRUE;
}

static gboolean
pg_add_review (CollectorReviewStore  *store,
               const char            *visit_uuid,
               const char            *decision,
               const char            *comment,
               const char            *reviewer,
               GError               **error)
{
  ReviewData d = { visit_uuid, decision, comment, reviewer };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_add_review, &d, error);
}

static CollectorReviewPage *
pg_pull_reviews (CollectorReviewStore  *store,
                 gint64                 enumerator_id,
                 gint64                 cursor,
                 guint                  limit,
                 GError               **error)
{
  static const char *sql =
    "SELECT r.seq, r.visit_uuid, r.revision, v.household_id, r.decision, r.comment,"
    " r.reviewer, " PG_SECONDS_OF ("r.decided_at")
    " FROM reviews r JOIN visits v ON v.uuid = r.visit_uuid"
    " WHERE r.enumerator_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3";
  g_autoptr(CollectorReviewPage) page = collector_review_page_new (cursor);

  if (!collector_pg_pull (COLLECTOR_PG_STORE (store), sql, "reviews", enumerator_id, cursor, limit,
                          (CollectorPageAddRow) collector_review_page_add_row, page, &page->more, error))
    return NULL;
  return g_steal_pointer (&page);
}

void
collector_pg_reviews_iface_init (CollectorReviewStoreInterface *iface)
{
  iface->add_review = pg_add_review;
  iface->pull_reviews = pg_pull_reviews;
}
