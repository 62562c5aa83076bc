/* collector-store-visits.c: the visits concern of the store: submitting, paging, iterating
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <stdlib.h>

#include "collector-error.h"
#include "collector-store.h"

G_DEFINE_INTERFACE (CollectorVisitStore, collector_visit_store, G_TYPE_OBJECT)

static void
collector_visit_store_default_init (CollectorVisitStoreInterface *iface)
{
}

#define IFACE(self) COLLECTOR_VISIT_STORE_GET_IFACE (self)

struct _CollectorVisitIter
{
  CollectorStore       *store;
  CollectorVisitFilter  filter;      /* owns village_prefix */
  guint                 page_size;
  GPtrArray            *page;        /* of CollectorVisit* */
  guint                 position;    /* next row of page */
  CollectorVisitKey     after;       /* the end of page */
  gboolean              done;
};

#define DEFAULT_PAGE_SIZE 500

GPtrArray *
collector_store_submit_visits (CollectorStore  *self,
                               CollectorDevice *device,
                               GPtrArray       *visits,
                               GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (device != NULL, NULL);
  g_return_val_if_fail (visits != NULL, NULL);

  return IFACE (self)->submit_visits (COLLECTOR_VISIT_STORE (self), device, visits, error);
}

GPtrArray *
collector_store_list_visits (CollectorStore *self,
                             GError        **error)
{
  g_autoptr(CollectorVisitIter) iter = NULL;
  g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
  GError *local_error = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  iter = collector_store_iterate_visits (self, NULL, 0);
  /* the visits move out of the iterator's page instead of being copied */
  while (collector_visit_iter_next (iter, &local_error) != NULL)
    g_ptr_array_add (visits, g_steal_pointer (&iter->page->pdata[iter->position - 1]));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&visits);
}

CollectorVisitIter *
collector_store_iterate_visits (CollectorStore             *self,
                                const CollectorVisitFilter *filter,
                                guint                       page_size)
{
  CollectorVisitIter *iter;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  iter = g_new0 (CollectorVisitIter, 1);
  iter->store = g_object_ref (self);
  iter->filter.village_prefix = filter != NULL ? g_strdup (filter->village_prefix) : NULL;
  iter->filter.enumerator_id = filter != NULL ? filter->enumerator_id : 0;
  iter->page_size = page_size > 0 ? page_size : DEFAULT_PAGE_SIZE;
  return iter;
}

CollectorVisit *
collector_visit_iter_next (CollectorVisitIter *iter,
                           GError            **error)
{
  g_return_val_if_fail (iter != NULL, NULL);

  if (iter->page != NULL && iter->position < iter->page->len)
    return iter->page->pdata[iter->position++];
  /* a short page was the last one */
  if (iter->done || (iter->page != NULL && iter->page->len < iter->page_size))
    {
      iter->done = TRUE;
      return NULL;
    }
  g_clear_pointer (&iter->page, g_ptr_array_unref);
  iter->position = 0;
  iter->page = IFACE (iter->store)->visits_page (COLLECTOR_VISIT_STORE (iter->store), &iter->filter,
                                                 iter->after.uuid != NULL ? &iter->after : NULL,
                                                 iter->page_size, error);
  if (iter->page == NULL || iter->page->len == 0)
    {
      iter->done = TRUE;
      return NULL;
    }
  /* the key of this page's end, taken now: collector_store_list_visits()
   * takes the rows out of the page as it goes */
  {
    CollectorVisit *last = iter->page->pdata[iter->page->len - 1];

    g_free (iter->after.uuid);
    iter->after.uuid = g_strdup (last->uuid);
    iter->after.received_at = last->received_at;
  }
  return iter->page->pdata[iter->position++];
}

void
collector_visit_iter_free (CollectorVisitIter *iter)
{
  if (iter == NULL)
    return;
  g_clear_pointer (&iter->page, g_ptr_array_unref);
  g_free ((char *) iter->filter.village_prefix);
  g_free (iter->after.uuid);
  g_object_unref (iter->store);
  g_free (iter);
}

GPtrArray *
collector_store_list_visits_finished (CollectorStore *self,
                                      CollectorClock  clock,
                                      gint64          from_usec,
                                      gint64          until_usec,
                                      GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (clock == COLLECTOR_CLOCK_UTC || clock == COLLECTOR_CLOCK_DEVICE, NULL);

  return IFACE (self)->list_visits_finished (COLLECTOR_VISIT_STORE (self), clock, from_usec,
                                             until_usec, error);
}

gint64
collector_time_to_utc_usec (GDateTime *time)
{
  g_return_val_if_fail (time != NULL, 0);

  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

int
collector_time_offset_min (GDateTime *time)
{
  g_return_val_if_fail (time != NULL, 0);

  /* ISO 8601 offsets are whole minutes, so nothing is lost */
  return (int) (g_date_time_get_utc_offset (time) / (60 * G_TIME_SPAN_SECOND));
}

GDateTime *
collector_time_new (gint64   utc_usec,
                    gboolean has_offset,
                    int      offset_min)
{
  gint64 seconds = utc_usec / G_USEC_PER_SEC;
  gint64 usec = utc_usec % G_USEC_PER_SEC;
  g_autoptr(GDateTime) whole = NULL;
  g_autoptr(GDateTime) exact = NULL;
  g_autoptr(GTimeZone) zone = NULL;

  /* C division truncates toward zero; an instant before 1970 needs the floor */
  if (usec < 0)
    {
      seconds--;
      usec += G_USEC_PER_SEC;
    }
  if ((whole = g_date_time_new_from_unix_utc (seconds)) == NULL ||
      (exact = g_date_time_add (whole, usec)) == NULL)
    return NULL;
  zone = has_offset ? g_time_zone_new_offset (offset_min * 60) : g_time_zone_new_utc ();
  return g_date_time_to_timezone (exact, zone);
}

void
collector_media_ref_free (CollectorMediaRef *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->sha256);
  g_free (ref->role);
  g_free (ref->taken);
  g_free (ref);
}

CollectorVisit *
collector_visit_new (void)
{
  CollectorVisit *visit = g_new0 (CollectorVisit, 1);

  visit->media = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_media_ref_free);
  return visit;
}

void
collector_visit_free (CollectorVisit *visit)
{
  if (visit == NULL)
    return;
  g_free (visit->uuid);
  g_free (visit->household_id);
  g_free (visit->form_id);
  g_free (visit->answers_json);
  g_clear_pointer (&visit->started_at, g_date_time_unref);
  g_clear_pointer (&visit->finished_at, g_date_time_unref);
  g_free (visit->fix_time);
  g_free (visit->fix_source);
  g_clear_pointer (&visit->media, g_ptr_array_unref);
  g_free (visit->enumerator_name);
  g_free (visit->village_code);
  g_free (visit);
}

CollectorVisitOutcome *
collector_visit_outcome_new (CollectorVisitStatus status)
{
  CollectorVisitOutcome *outcome = g_new0 (CollectorVisitOutcome, 1);

  outcome->status = status;
  outcome->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  outcome->missing_media = g_ptr_array_new_with_free_func (g_free);
  return outcome;
}

void
collector_visit_outcome_free (CollectorVisitOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_clear_pointer (&outcome->problems, g_ptr_array_unref);
  g_clear_pointer (&outcome->missing_media, g_ptr_array_unref);
  g_free (outcome);
}

const char *
collector_visit_status_to_string (CollectorVisitStatus status)
{
  switch (status)
    {
    case COLLECTOR_VISIT_STORED:
      return "stored";
    case COLLECTOR_VISIT_DUPLICATE:
      return "duplicate";
    case COLLECTOR_VISIT_REPLACED:
      return "replaced";
    case COLLECTOR_VISIT_REJECTED:
      return "rejected";
    case COLLECTOR_VISIT_MISSING_MEDIA:
      return "missing_media";
    default:
      g_assert_not_reached ();
    }
}
