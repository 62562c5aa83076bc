/* collector-store-reviews.h: supervisors' decisions on visits, as a store keeps them
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* the object every concern of the store is reached through (collector-store.h) */
typedef struct _CollectorStore CollectorStore;

typedef struct {
  gint64  seq;
  char   *visit_uuid;
  gint64  revision;
  char   *household_id;
  char   *decision;        /* "approved" or "rejected" */
  char   *comment;
  char   *reviewer;
  gint64  decided_at;
} CollectorReview;

typedef struct {
  GPtrArray *reviews;      /* of CollectorReview* */
  gint64     next_cursor;
  gboolean   more;
} CollectorReviewPage;

#define COLLECTOR_TYPE_REVIEW_STORE (collector_review_store_get_type ())
G_DECLARE_INTERFACE (CollectorReviewStore, collector_review_store, COLLECTOR, REVIEW_STORE, GObject)

struct _CollectorReviewStoreInterface
{
  GTypeInterface parent_iface;

  gboolean             (*add_review)   (CollectorReviewStore *self,
                                        const char           *visit_uuid,
                                        const char           *decision,
                                        const char           *comment,
                                        const char           *reviewer,
                                        GError              **error);
  /* Decisions on @enumerator_id's visits after @cursor, keyset-paged. */
  CollectorReviewPage *(*pull_reviews) (CollectorReviewStore *self,
                                        gint64                enumerator_id,
                                        gint64                cursor,
                                        guint                 limit,
                                        GError              **error);
};

gboolean             collector_store_add_review   (CollectorStore *self,
                                                   const char     *visit_uuid,
                                                   const char     *decision,
                                                   const char     *comment,
                                                   const char     *reviewer,
                                                   GError        **error);
CollectorReviewPage *collector_store_pull_reviews (CollectorStore *self,
                                                   gint64          enumerator_id,
                                                   gint64          cursor,
                                                   guint           limit,
                                                   GError        **error);

void collector_review_free      (CollectorReview     *review);
void collector_review_page_free (CollectorReviewPage *page);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorReviewPage, collector_review_page_free)

G_END_DECLS
