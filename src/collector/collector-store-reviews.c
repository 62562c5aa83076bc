/* collector-store-reviews.c: the reviews concern of the store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-store.h"

G_DEFINE_INTERFACE (CollectorReviewStore, collector_review_store, G_TYPE_OBJECT)

static void
collector_review_store_default_init (CollectorReviewStoreInterface *iface)
{
}

#define IFACE(self) COLLECTOR_REVIEW_STORE_GET_IFACE (self)

gboolean
collector_store_add_review (CollectorStore *self,
                            const char     *visit_uuid,
                            const char     *decision,
                            const char     *comment,
                            const char     *reviewer,
                            GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (visit_uuid != NULL && decision != NULL && reviewer != NULL, FALSE);

  return IFACE (self)->add_review (COLLECTOR_REVIEW_STORE (self), visit_uuid, decision, comment,
                                   reviewer, error);
}

CollectorReviewPage *
collector_store_pull_reviews (CollectorStore *self,
                              gint64          enumerator_id,
                              gint64          cursor,
                              guint           limit,
                              GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (limit > 0, NULL);

  return IFACE (self)->pull_reviews (COLLECTOR_REVIEW_STORE (self), enumerator_id, cursor, limit,
                                     error);
}

void
collector_review_free (CollectorReview *review)
{
  if (review == NULL)
    return;
  g_free (review->visit_uuid);
  g_free (review->household_id);
  g_free (review->decision);
  g_free (review->comment);
  g_free (review->reviewer);
  g_free (review);
}

void
collector_review_page_free (CollectorReviewPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->reviews, g_ptr_array_unref);
  g_free (page);
}
