/* collector-store-rows.c: a store's result rows turned into the store's records
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include <math.h>

#include "collector-store-rows.h"

static inline gint64
get_int (const CollectorRow *row,
         int                 column)
{
  return row->reader->integer (row->data, column);
}

static inline char *
get_dup (const CollectorRow *row,
         int                 column)
{
  return g_strdup (row->reader->text (row->data, column));
}

static inline gboolean
get_null (const CollectorRow *row,
          int                 column)
{
  return row->reader->is_null (row->data, column);
}

CollectorEnumerator *
collector_enumerator_from_row (const CollectorRow *row,
                               int                 first)
{
  CollectorEnumerator *e = g_new0 (CollectorEnumerator, 1);

  e->id = get_int (row, first);
  e->name = get_dup (row, first + 1);
  e->phone = get_dup (row, first + 2);
  e->disabled = row->reader->boolean (row->data, first + 3);
  e->created_at = get_int (row, first + 4);
  e->n_households = get_int (row, first + 5);
  e->n_devices = get_int (row, first + 6);
  return e;
}

CollectorDevice *
collector_device_from_row (const CollectorRow *row,
                           int                 first)
{
  CollectorDevice *device = g_new0 (CollectorDevice, 1);

  device->id = get_int (row, first);
  device->enumerator_id = get_int (row, first + 1);
  device->enumerator_name = get_dup (row, first + 2);
  device->enumerator_disabled = row->reader->boolean (row->data, first + 3);
  device->name = get_dup (row, first + 4);
  device->app_version = get_dup (row, first + 5);
  device->enrolled_at = get_int (row, first + 6);
  device->revoked_at = get_int (row, first + 7);
  device->last_seen_at = get_int (row, first + 8);
  device->status_json = get_dup (row, first + 9);
  return device;
}

CollectorStatusReport *
collector_status_report_from_row (const CollectorRow *row,
                                  int                 first)
{
  CollectorStatusReport *report = g_new0 (CollectorStatusReport, 1);

  report->at = get_int (row, first);
  report->queue_depth = get_int (row, first + 1);
  report->error_code = get_dup (row, first + 2);
  report->status_json = get_dup (row, first + 3);
  return report;
}

CollectorHousehold *
collector_household_from_row (const CollectorRow *row,
                              int                 first)
{
  CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

  h->id = get_dup (row, first);
  h->source = get_dup (row, first + 1);
  h->village_code = get_dup (row, first + 2);
  h->head_name = get_dup (row, first + 3);
  h->nik = get_dup (row, first + 4);
  h->kk = get_dup (row, first + 5);
  h->address = get_dup (row, first + 6);
  h->data_json = get_dup (row, first + 7);
  return h;
}

/* An instant kept as UTC microseconds with the device's offset beside it. */
static GDateTime *
get_instant (const CollectorRow *row,
             int                 utc_column)
{
  return collector_time_new (get_int (row, utc_column), !get_null (row, utc_column + 1),
                             (int) get_int (row, utc_column + 1));
}

CollectorVisit *
collector_visit_from_row (const CollectorRow *row,
                          int                 first)
{
  CollectorVisit *v = collector_visit_new ();
  const int c = first;

  v->uuid = get_dup (row, c);
  v->revision = get_int (row, c + 1);
  v->household_id = get_dup (row, c + 2);
  v->form_id = get_dup (row, c + 3);
  v->form_version = get_int (row, c + 4);
  v->answers_json = get_dup (row, c + 5);
  v->result_code = get_int (row, c + 6);
  v->started_at = get_instant (row, c + 7);
  v->finished_at = get_instant (row, c + 9);
  v->has_location = !get_null (row, c + 11);
  v->lat = row->reader->real (row->data, c + 11);
  v->lon = row->reader->real (row->data, c + 12);
  v->accuracy = get_null (row, c + 13) ? NAN : row->reader->real (row->data, c + 13);
  v->has_altitude = !get_null (row, c + 14);
  v->altitude = row->reader->real (row->data, c + 14);
  v->fix_time = get_dup (row, c + 15);
  v->fix_source = get_dup (row, c + 16);
  v->enumerator_id = get_int (row, c + 17);
  v->enumerator_name = get_dup (row, c + 18);
  v->device_id = get_int (row, c + 19);
  v->village_code = get_dup (row, c + 20);
  v->received_at = get_int (row, c + 21);
  G_STATIC_ASSERT (COLLECTOR_VISIT_N_COLUMNS == 22);
  return v;
}

CollectorMediaRef *
collector_media_ref_from_row (const CollectorRow *row,
                              int                 first)
{
  CollectorMediaRef *m = g_new0 (CollectorMediaRef, 1);

  m->sha256 = get_dup (row, first);
  m->role = get_dup (row, first + 1);
  m->size = get_int (row, first + 2);
  m->taken = get_dup (row, first + 3);
  return m;
}

CollectorReview *
collector_review_from_row (const CollectorRow *row,
                           int                 first)
{
  CollectorReview *r = g_new0 (CollectorReview, 1);

  r->seq = get_int (row, first);
  r->visit_uuid = get_dup (row, first + 1);
  r->revision = get_int (row, first + 2);
  r->household_id = get_dup (row, first + 3);
  r->decision = get_dup (row, first + 4);
  r->comment = get_dup (row, first + 5);
  r->reviewer = get_dup (row, first + 6);
  r->decided_at = get_int (row, first + 7);
  return r;
}

CollectorAssignmentPage *
collector_assignment_page_new (gint64 cursor)
{
  CollectorAssignmentPage *page = g_new0 (CollectorAssignmentPage, 1);

  page->households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  page->withdrawn = g_ptr_array_new_with_free_func (g_free);
  page->next_cursor = cursor;
  return page;
}

void
collector_assignment_page_add_row (CollectorAssignmentPage *page,
                                   const CollectorRow      *row)
{
  page->next_cursor = get_int (row, 1);
  if (row->reader->boolean (row->data, 0))
    g_ptr_array_add (page->households, collector_household_from_row (row, 2));
  else
    g_ptr_array_add (page->withdrawn, get_dup (row, 2));
}

CollectorReviewPage *
collector_review_page_new (gint64 cursor)
{
  CollectorReviewPage *page = g_new0 (CollectorReviewPage, 1);

  page->reviews = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_review_free);
  page->next_cursor = cursor;
  return page;
}

void
collector_review_page_add_row (CollectorReviewPage *page,
                               const CollectorRow  *row)
{
  CollectorReview *review = collector_review_from_row (row, 0);

  page->next_cursor = review->seq;
  g_ptr_array_add (page->reviews, review);
}

CollectorUser *
collector_user_from_row (const CollectorRow *row,
                         int                 first)
{
  CollectorUser *user = g_new0 (CollectorUser, 1);

  user->id = get_int (row, first);
  user->name = get_dup (row, first + 1);
  /* the tables allow no other role */
  if (!collector_role_from_string (row->reader->text (row->data, first + 2), &user->role))
    user->role = COLLECTOR_ROLE_VIEWER;
  user->region = get_dup (row, first + 3);
  user->password_hash = get_dup (row, first + 4);
  user->disabled = row->reader->boolean (row->data, first + 5);
  user->created_at = get_int (row, first + 6);
  user->password_changed_at = get_int (row, first + 7);
  return user;
}

CollectorSession *
collector_session_from_row (const CollectorRow *row,
                            int                 first)
{
  CollectorSession *session = g_new0 (CollectorSession, 1);

  session->csrf_token = get_dup (row, first);
  session->created_at = get_int (row, first + 1);
  session->last_used_at = get_int (row, first + 2);
  session->user = collector_user_from_row (row, first + 3);
  return session;
}
