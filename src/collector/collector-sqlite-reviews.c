/* collector-sqlite-reviews.c: reviews in SQLite
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

/* ---------------------------------------------------------------- reviews */

typedef struct
{
  const char *visit_uuid;
  const char *decision;
  const char *comment;
  const char *reviewer;
} ReviewData;

static gboolean
do_add_review (CollectorSqliteStore  *self,
               CollectorSqliteConn   *conn,
               gpointer               data,
               GError               **error)
{
  ReviewData *d = data;
  static const char *sql =
    "INSERT INTO reviews (visit_uuid, revision, enumerator_id, decision, comment, reviewer, decided_at)"
    " SELECT uuid, revision, enumerator_id, ?, ?, ?, ? FROM visits WHERE uuid = ?";

  if (!collector_sqlite_run (conn, sql, error, SQL_TEXT (d->decision), SQL_TEXT (d->comment),
                             SQL_TEXT (d->reviewer), SQL_INT (collector_sqlite_now ()),
                             SQL_TEXT (d->visit_uuid), SQL_END))
    {
      if (collector_sqlite_failed_on (conn, SQLITE_CONSTRAINT_CHECK, error))
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                     "A decision is “approved” or “rejected”, not “%s”", d->decision);
      return FALSE;
    }
  if (sqlite3_changes (conn->db) == 0)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                   "No visit %s", d->visit_uuid);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_add_review (CollectorReviewStore  *store,
                   const char            *visit_uuid,
                   const char            *decision,
                   const char            *comment,
                   const char            *reviewer,
                   GError               **error)
{
  ReviewData d = { visit_uuid, decision, comment, reviewer };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_add_review, &d, error);
}

static CollectorReviewPage *
sqlite_pull_reviews (CollectorReviewStore  *store,
                     gint64                 enumerator_id,
                     gint64                 cursor,
                     guint                  limit,
                     GError               **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT r.seq, r.visit_uuid, r.revision, v.household_id, r.decision, r.comment,"
    " r.reviewer, r.decided_at"
    " FROM reviews r JOIN visits v ON v.uuid = r.visit_uuid"
    " WHERE r.enumerator_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?";
  static const char *highest_sql = "SELECT coalesce (max (seq), 0) FROM sqlite_sequence WHERE name = 'reviews'";
  g_autoptr(CollectorReviewPage) page = collector_review_page_new (cursor);

  if (!collector_sqlite_pull (self, sql, highest_sql, enumerator_id, cursor, limit,
                              (CollectorPageAddRow) collector_review_page_add_row, page, &page->more, error))
    return NULL;
  return g_steal_pointer (&page);
}

void
collector_sqlite_reviews_iface_init (CollectorReviewStoreInterface *iface)
{
  iface->add_review = sqlite_add_review;
  iface->pull_reviews = sqlite_pull_reviews;
}
