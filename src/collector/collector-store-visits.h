/* collector-store-visits.h: visits and their photos, as a store keeps and reads them
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "collector-store-devices.h"
#include "verval-wire-visit.h"

G_BEGIN_DECLS

/* the object every concern of the store is reached through (collector-store.h) */
typedef struct _CollectorStore CollectorStore;

typedef struct {
  char   *sha256;
  char   *role;
  gint64  size;
  char   *taken;           /* ISO 8601 or NULL */
} CollectorMediaRef;

typedef struct {
  char      *uuid;
  gint64     revision;
  char      *household_id;
  char      *form_id;
  gint64     form_version;
  char      *answers_json;
  gint64     result_code;
  GDateTime *started_at;   /* in the device's offset; UTC when the store lost it */
  GDateTime *finished_at;
  gboolean   has_location;
  double     lat;
  double     lon;
  double     accuracy;     /* metres; NAN when the device gave none */
  gboolean   has_altitude;
  double     altitude;
  char      *fix_time;
  char      *fix_source;
  GPtrArray *media;        /* of CollectorMediaRef* */

  /* filled by the store when reading back */
  gint64     enumerator_id;
  char      *enumerator_name;
  gint64     device_id;
  char      *village_code;
  gint64     received_at;
} CollectorVisit;

/* Which clock a range of instants is read on: UTC, or each device's own
 * wall clock (a local day is one range across WIB, WITA and WIT). */
typedef enum {
  COLLECTOR_CLOCK_UTC,
  COLLECTOR_CLOCK_DEVICE,
} CollectorClock;

/* Which visits an export or a listing reads; zero fields take all. */
typedef struct {
  const char *village_prefix;   /* a region code: province, regency, district or village */
  gint64      enumerator_id;
} CollectorVisitFilter;

/* Where a page of visits in (received_at, uuid) order stops: the next page
 * starts after it. */
typedef struct {
  gint64  received_at;
  char   *uuid;
} CollectorVisitKey;

/* Reads the visits a filter selects one page at a time, so a table of any
 * size is read in bounded memory. */
typedef struct _CollectorVisitIter CollectorVisitIter;

typedef enum {
  COLLECTOR_VISIT_STORED,
  COLLECTOR_VISIT_DUPLICATE,
  COLLECTOR_VISIT_REPLACED,
  COLLECTOR_VISIT_REJECTED,
  COLLECTOR_VISIT_MISSING_MEDIA,
} CollectorVisitStatus;

typedef struct {
  CollectorVisitStatus status;
  gint64               stored_revision;  /* revision the collector holds after this */
  GPtrArray           *problems;         /* of VervalWireProblem*, for REJECTED */
  GPtrArray           *missing_media;    /* of char*, for MISSING_MEDIA */
} CollectorVisitOutcome;

#define COLLECTOR_TYPE_VISIT_STORE (collector_visit_store_get_type ())
G_DECLARE_INTERFACE (CollectorVisitStore, collector_visit_store, COLLECTOR, VISIT_STORE, GObject)

struct _CollectorVisitStoreInterface
{
  GTypeInterface parent_iface;

  /* Each visit decided by collector_rules_visit() on what the store holds,
   * written conditionally in one transaction: two writers racing on one
   * (uuid, revision) both get an answer the rule allows. */
  GPtrArray *(*submit_visits)        (CollectorVisitStore        *self,
                                      CollectorDevice            *device,
                                      GPtrArray                  *visits,
                                      GError                    **error);
  /* At most @limit visits after @after (NULL: from the first), in
   * (received_at, uuid) order, each with its media. */
  GPtrArray *(*visits_page)          (CollectorVisitStore        *self,
                                      const CollectorVisitFilter *filter,
                                      const CollectorVisitKey    *after,
                                      guint                       limit,
                                      GError                    **error);
  GPtrArray *(*list_visits_finished) (CollectorVisitStore        *self,
                                      CollectorClock              clock,
                                      gint64                      from_usec,
                                      gint64                      until_usec,
                                      GError                    **error);
};

/* visits: of CollectorVisit*, already checked for shape, form and media.
 * Returns one CollectorVisitOutcome* per visit, in order, once durable. */
GPtrArray          *collector_store_submit_visits    (CollectorStore  *self,
                                                      CollectorDevice *device,
                                                      GPtrArray       *visits,
                                                      GError         **error);
/* Every visit, in (received_at, uuid) order: for small stores and tests;
 * anything that may meet a whole kabupaten iterates instead. */
GPtrArray          *collector_store_list_visits      (CollectorStore *self,
                                                      GError        **error);
/* page_size: visits read per round trip to the store (0: a default). */
CollectorVisitIter *collector_store_iterate_visits   (CollectorStore             *self,
                                                      const CollectorVisitFilter *filter,
                                                      guint                       page_size);
/* The next visit, owned by the iterator until the next call; NULL at the
 * end, or with @error set. */
CollectorVisit     *collector_visit_iter_next        (CollectorVisitIter *iter,
                                                      GError            **error);
void                collector_visit_iter_free        (CollectorVisitIter *iter);
/* The visits finished in [from_usec, until_usec), microseconds since 1970,
 * oldest first. On COLLECTOR_CLOCK_DEVICE the bounds are wall-clock
 * readings written as if they were UTC: 2026-11-20T00:00Z to
 * 2026-11-21T00:00Z is the 20th wherever each device was; visits whose
 * offset the store does not know are left out. A deadline is a range from
 * G_MININT64. */
GPtrArray          *collector_store_list_visits_finished (CollectorStore *self,
                                                      CollectorClock  clock,
                                                      gint64          from_usec,
                                                      gint64          until_usec,
                                                      GError        **error);

/* An instant as every store keeps it: microseconds since 1970 in UTC, and
 * the device's offset from UTC in whole minutes beside it. */
gint64     collector_time_to_utc_usec  (GDateTime *time);
int        collector_time_offset_min   (GDateTime *time);
/* The instant back in the device's offset, or in UTC without one; NULL
 * when the value is outside what GDateTime holds. */
GDateTime *collector_time_new          (gint64     utc_usec,
                                        gboolean   has_offset,
                                        int        offset_min);

void                   collector_media_ref_free         (CollectorMediaRef     *ref);
CollectorVisit        *collector_visit_new              (void);
void                   collector_visit_free             (CollectorVisit        *visit);
CollectorVisitOutcome *collector_visit_outcome_new      (CollectorVisitStatus   status);
void                   collector_visit_outcome_free     (CollectorVisitOutcome *outcome);
const char            *collector_visit_status_to_string (CollectorVisitStatus   status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorVisitIter, collector_visit_iter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorVisit, collector_visit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorVisitOutcome, collector_visit_outcome_free)

G_END_DECLS
