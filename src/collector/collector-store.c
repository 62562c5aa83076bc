/* collector-store.c: the store interface and its record types
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <stdlib.h>

#include "collector-error.h"
#include "collector-store.h"

G_DEFINE_INTERFACE (CollectorStore, collector_store, G_TYPE_OBJECT)

static void
collector_store_default_init (CollectorStoreInterface *iface)
{
}

#define STORE_IFACE(self) COLLECTOR_STORE_GET_IFACE (self)

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

gboolean
collector_store_upsert_households (CollectorStore *self,
                                   GPtrArray      *households,
                                   guint          *n_new,
                                   guint          *n_updated,
                                   GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (households != NULL, FALSE);

  return STORE_IFACE (self)->upsert_households (self, households, n_new, n_updated, error);
}

gboolean
collector_store_add_enumerator (CollectorStore *self,
                                const char     *name,
                                const char     *phone,
                                gint64         *id,
                                GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return STORE_IFACE (self)->add_enumerator (self, name, phone, id, error);
}

GPtrArray *
collector_store_list_enumerators (CollectorStore *self,
                                  GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  return STORE_IFACE (self)->list_enumerators (self, error);
}

CollectorEnumerator *
collector_store_find_enumerator (CollectorStore *self,
                                 const char     *name_or_id,
                                 GError        **error)
{
  g_autoptr(GPtrArray) all = NULL;
  gint64 id = 0;
  char *end = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (name_or_id != NULL, NULL);

  all = collector_store_list_enumerators (self, error);
  if (all == NULL)
    return NULL;
  if (g_ascii_isdigit (name_or_id[0]))
    {
      id = g_ascii_strtoll (name_or_id, &end, 10);
      if (end == NULL || *end != '\0')
        id = 0;
    }
  for (guint i = 0; i < all->len; i++)
    {
      CollectorEnumerator *e = g_ptr_array_index (all, i);

      if ((id > 0 && e->id == id) || g_strcmp0 (e->name, name_or_id) == 0)
        return g_ptr_array_steal_index (all, i);
    }
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
               "No enumerator named or numbered “%s”", name_or_id);
  return NULL;
}

gboolean
collector_store_set_enumerator_disabled (CollectorStore *self,
                                         gint64          id,
                                         gboolean        disabled,
                                         GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);

  return STORE_IFACE (self)->set_enumerator_disabled (self, id, disabled, error);
}

gboolean
collector_store_add_enroll_code (CollectorStore *self,
                                 gint64          enumerator_id,
                                 const char     *code_hash,
                                 gint64          expires_at,
                                 GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (code_hash != NULL, FALSE);

  return STORE_IFACE (self)->add_enroll_code (self, enumerator_id, code_hash, expires_at, error);
}

CollectorDevice *
collector_store_enroll_device (CollectorStore *self,
                               const char     *code_hash,
                               const char     *token_hash,
                               const char     *device_name,
                               const char     *app_version,
                               gint64          now,
                               GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (code_hash != NULL, NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);
  g_return_val_if_fail (device_name != NULL, NULL);

  return STORE_IFACE (self)->enroll_device (self, code_hash, token_hash, device_name,
                                            app_version, now, error);
}

CollectorDevice *
collector_store_authenticate (CollectorStore *self,
                              const char     *token_hash,
                              GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);

  return STORE_IFACE (self)->authenticate (self, token_hash, error);
}

GPtrArray *
collector_store_list_devices (CollectorStore *self,
                              GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  return STORE_IFACE (self)->list_devices (self, error);
}

gboolean
collector_store_revoke_device (CollectorStore *self,
                               gint64          device_id,
                               GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);

  return STORE_IFACE (self)->revoke_device (self, device_id, error);
}

gboolean
collector_store_assign (CollectorStore     *self,
                        gint64              enumerator_id,
                        const char         *village_code,
                        const char * const *household_ids,
                        guint              *n_assigned,
                        GError            **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail ((village_code != NULL) != (household_ids != NULL), FALSE);

  return STORE_IFACE (self)->assign (self, enumerator_id, village_code, household_ids,
                                     n_assigned, error);
}

CollectorAssignmentPage *
collector_store_pull_assignments (CollectorStore *self,
                                  gint64          enumerator_id,
                                  gint64          cursor,
                                  guint           limit,
                                  GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (limit > 0, NULL);

  return STORE_IFACE (self)->pull_assignments (self, enumerator_id, cursor, limit, error);
}

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

  return STORE_IFACE (self)->add_review (self, visit_uuid, decision, comment, reviewer, error);
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

  return STORE_IFACE (self)->pull_reviews (self, enumerator_id, cursor, limit, error);
}

GPtrArray *
collector_store_submit_visits (CollectorStore  *self,
                               CollectorDevice *device,
                               GPtrArray       *visits,
                               GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (device != NULL, NULL);
  g_return_val_if_fail (visits != NULL, NULL);

  return STORE_IFACE (self)->submit_visits (self, device, visits, error);
}

gboolean
collector_store_record_status (CollectorStore *self,
                               gint64          device_id,
                               const char     *status_json,
                               GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (status_json != NULL, FALSE);

  return STORE_IFACE (self)->record_status (self, device_id, status_json, error);
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

/* ---------------------------------------------------------------- iterating visits */

#define DEFAULT_PAGE_SIZE 500

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
  iter->page = STORE_IFACE (iter->store)->visits_page (iter->store, &iter->filter,
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

  return STORE_IFACE (self)->list_visits_finished (self, clock, from_usec, until_usec, error);
}

void
collector_store_close (CollectorStore *self)
{
  g_return_if_fail (COLLECTOR_IS_STORE (self));

  STORE_IFACE (self)->close (self);
}

void
collector_enumerator_free (CollectorEnumerator *enumerator)
{
  if (enumerator == NULL)
    return;
  g_free (enumerator->name);
  g_free (enumerator->phone);
  g_free (enumerator);
}

CollectorDevice *
collector_device_copy (const CollectorDevice *device)
{
  CollectorDevice *copy;

  g_return_val_if_fail (device != NULL, NULL);

  copy = g_new0 (CollectorDevice, 1);
  *copy = *device;
  copy->enumerator_name = g_strdup (device->enumerator_name);
  copy->name = g_strdup (device->name);
  copy->app_version = g_strdup (device->app_version);
  copy->status_json = g_strdup (device->status_json);
  return copy;
}

void
collector_device_free (CollectorDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->enumerator_name);
  g_free (device->name);
  g_free (device->app_version);
  g_free (device->status_json);
  g_free (device);
}

void
collector_household_free (CollectorHousehold *household)
{
  if (household == NULL)
    return;
  g_free (household->id);
  g_free (household->source);
  g_free (household->village_code);
  g_free (household->head_name);
  g_free (household->nik);
  g_free (household->kk);
  g_free (household->address);
  g_free (household->data_json);
  g_free (household);
}

void
collector_assignment_page_free (CollectorAssignmentPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->households, g_ptr_array_unref);
  g_clear_pointer (&page->withdrawn, g_ptr_array_unref);
  g_free (page);
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
