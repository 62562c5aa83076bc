/* collector-store.h: what the collector keeps, behind an interface
 *
 * The embedded store is SQLite (CollectorSqliteStore); a PostgreSQL store for
 * larger deployments implements the same interface. Every method is
 * synchronous and thread-safe: the server calls them from worker threads.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "verval-wire-visit.h"

G_BEGIN_DECLS

typedef struct {
  gint64   id;
  char    *name;
  char    *phone;
  gboolean disabled;
  gint64   created_at;     /* unix seconds */
  guint    n_households;   /* currently assigned */
  guint    n_devices;      /* not revoked */
} CollectorEnumerator;

typedef struct {
  gint64   id;
  gint64   enumerator_id;
  char    *enumerator_name;
  gboolean enumerator_disabled;
  char    *name;
  char    *app_version;
  gint64   enrolled_at;
  gint64   revoked_at;     /* 0 if active */
  gint64   last_seen_at;   /* 0 if never */
  char    *status_json;    /* last status report, or NULL */
} CollectorDevice;

typedef struct {
  char *id;             /* family id from the list */
  char *source;         /* "p3ke", "dtks" */
  char *village_code;
  char *head_name;
  char *nik;
  char *kk;
  char *address;
  char *data_json;      /* the rest of the listed record, a JSON object */
} CollectorHousehold;

typedef struct {
  GPtrArray *households;   /* of CollectorHousehold*: new or changed */
  GPtrArray *withdrawn;    /* of char*: household ids no longer assigned */
  gint64     next_cursor;
  gboolean   more;
} CollectorAssignmentPage;

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

#define COLLECTOR_TYPE_STORE (collector_store_get_type ())
G_DECLARE_INTERFACE (CollectorStore, collector_store, COLLECTOR, STORE, GObject)

struct _CollectorStoreInterface
{
  GTypeInterface parent_iface;

  gboolean             (*upsert_households)   (CollectorStore *self,
                                               GPtrArray      *households,
                                               guint          *n_new,
                                               guint          *n_updated,
                                               GError        **error);
  gboolean             (*add_enumerator)      (CollectorStore *self,
                                               const char     *name,
                                               const char     *phone,
                                               gint64         *id,
                                               GError        **error);
  GPtrArray           *(*list_enumerators)    (CollectorStore *self,
                                               GError        **error);
  gboolean             (*set_enumerator_disabled) (CollectorStore *self,
                                               gint64          id,
                                               gboolean        disabled,
                                               GError        **error);
  gboolean             (*add_enroll_code)     (CollectorStore *self,
                                               gint64          enumerator_id,
                                               const char     *code_hash,
                                               gint64          expires_at,
                                               GError        **error);
  CollectorDevice     *(*enroll_device)       (CollectorStore *self,
                                               const char     *code_hash,
                                               const char     *token_hash,
                                               const char     *device_name,
                                               const char     *app_version,
                                               gint64          now,
                                               GError        **error);
  CollectorDevice     *(*authenticate)        (CollectorStore *self,
                                               const char     *token_hash,
                                               GError        **error);
  GPtrArray           *(*list_devices)        (CollectorStore *self,
                                               GError        **error);
  gboolean             (*revoke_device)       (CollectorStore *self,
                                               gint64          device_id,
                                               GError        **error);
  gboolean             (*assign)              (CollectorStore *self,
                                               gint64          enumerator_id,
                                               const char     *village_code,
                                               const char * const *household_ids,
                                               guint          *n_assigned,
                                               GError        **error);
  CollectorAssignmentPage *(*pull_assignments) (CollectorStore *self,
                                               gint64          enumerator_id,
                                               gint64          cursor,
                                               guint           limit,
                                               GError        **error);
  gboolean             (*add_review)          (CollectorStore *self,
                                               const char     *visit_uuid,
                                               const char     *decision,
                                               const char     *comment,
                                               const char     *reviewer,
                                               GError        **error);
  CollectorReviewPage *(*pull_reviews)        (CollectorStore *self,
                                               gint64          enumerator_id,
                                               gint64          cursor,
                                               guint           limit,
                                               GError        **error);
  GPtrArray           *(*submit_visits)       (CollectorStore *self,
                                               CollectorDevice *device,
                                               GPtrArray      *visits,
                                               GError        **error);
  gboolean             (*record_status)       (CollectorStore *self,
                                               gint64          device_id,
                                               const char     *status_json,
                                               GError        **error);
  /* At most @limit visits after @after (NULL: from the first), in
   * (received_at, uuid) order, each with its media. */
  GPtrArray           *(*visits_page)         (CollectorStore             *self,
                                               const CollectorVisitFilter *filter,
                                               const CollectorVisitKey    *after,
                                               guint                       limit,
                                               GError                    **error);
  GPtrArray           *(*list_visits_finished) (CollectorStore *self,
                                               CollectorClock  clock,
                                               gint64          from_usec,
                                               gint64          until_usec,
                                               GError        **error);
  void                 (*close)               (CollectorStore *self);
};

gboolean                 collector_store_upsert_households (CollectorStore *self,
                                                            GPtrArray      *households,
                                                            guint          *n_new,
                                                            guint          *n_updated,
                                                            GError        **error);
gboolean                 collector_store_add_enumerator   (CollectorStore *self,
                                                           const char     *name,
                                                           const char     *phone,
                                                           gint64         *id,
                                                           GError        **error);
GPtrArray               *collector_store_list_enumerators (CollectorStore *self,
                                                           GError        **error);
/* By numeric id or by exact name; NULL with COLLECTOR_ERROR_NOT_FOUND. */
CollectorEnumerator     *collector_store_find_enumerator  (CollectorStore *self,
                                                           const char     *name_or_id,
                                                           GError        **error);
gboolean                 collector_store_set_enumerator_disabled (CollectorStore *self,
                                                           gint64          id,
                                                           gboolean        disabled,
                                                           GError        **error);
gboolean                 collector_store_add_enroll_code  (CollectorStore *self,
                                                           gint64          enumerator_id,
                                                           const char     *code_hash,
                                                           gint64          expires_at,
                                                           GError        **error);
CollectorDevice         *collector_store_enroll_device    (CollectorStore *self,
                                                           const char     *code_hash,
                                                           const char     *token_hash,
                                                           const char     *device_name,
                                                           const char     *app_version,
                                                           gint64          now,
                                                           GError        **error);
CollectorDevice         *collector_store_authenticate     (CollectorStore *self,
                                                           const char     *token_hash,
                                                           GError        **error);
GPtrArray               *collector_store_list_devices     (CollectorStore *self,
                                                           GError        **error);
gboolean                 collector_store_revoke_device    (CollectorStore *self,
                                                           gint64          device_id,
                                                           GError        **error);
gboolean                 collector_store_assign           (CollectorStore *self,
                                                           gint64          enumerator_id,
                                                           const char     *village_code,
                                                           const char * const *household_ids,
                                                           guint          *n_assigned,
                                                           GError        **error);
CollectorAssignmentPage *collector_store_pull_assignments (CollectorStore *self,
                                                           gint64          enumerator_id,
                                                           gint64          cursor,
                                                           guint           limit,
                                                           GError        **error);
gboolean                 collector_store_add_review       (CollectorStore *self,
                                                           const char     *visit_uuid,
                                                           const char     *decision,
                                                           const char     *comment,
                                                           const char     *reviewer,
                                                           GError        **error);
CollectorReviewPage     *collector_store_pull_reviews     (CollectorStore *self,
                                                           gint64          enumerator_id,
                                                           gint64          cursor,
                                                           guint           limit,
                                                           GError        **error);
/* visits: of CollectorVisit*, already checked for shape, form and media.
 * Returns one CollectorVisitOutcome* per visit, in order, once durable. */
GPtrArray               *collector_store_submit_visits    (CollectorStore *self,
                                                           CollectorDevice *device,
                                                           GPtrArray      *visits,
                                                           GError        **error);
gboolean                 collector_store_record_status    (CollectorStore *self,
                                                           gint64          device_id,
                                                           const char     *status_json,
                                                           GError        **error);
/* Every visit, in (received_at, uuid) order: for small stores and tests;
 * anything that may meet a whole kabupaten iterates instead. */
GPtrArray               *collector_store_list_visits      (CollectorStore *self,
                                                           GError        **error);
/* page_size: visits read per round trip to the store (0: a default). */
CollectorVisitIter      *collector_store_iterate_visits   (CollectorStore             *self,
                                                           const CollectorVisitFilter *filter,
                                                           guint                       page_size);
/* The next visit, owned by the iterator until the next call; NULL at the
 * end, or with @error set. */
CollectorVisit          *collector_visit_iter_next        (CollectorVisitIter *iter,
                                                           GError            **error);
void                     collector_visit_iter_free        (CollectorVisitIter *iter);
/* The visits finished in [from_usec, until_usec), microseconds since 1970,
 * oldest first. On COLLECTOR_CLOCK_DEVICE the bounds are wall-clock
 * readings written as if they were UTC: 2026-11-20T00:00Z to
 * 2026-11-21T00:00Z is the 20th wherever each device was; visits whose
 * offset the store does not know are left out. A deadline is a range from
 * G_MININT64. */
GPtrArray               *collector_store_list_visits_finished (CollectorStore *self,
                                                           CollectorClock  clock,
                                                           gint64          from_usec,
                                                           gint64          until_usec,
                                                           GError        **error);
/* Finishes queued writes; later calls fail. */
void                     collector_store_close            (CollectorStore *self);

/* An instant as every store keeps it: microseconds since 1970 in UTC, and
 * the device's offset from UTC in whole minutes beside it. */
gint64     collector_time_to_utc_usec  (GDateTime *time);
int        collector_time_offset_min   (GDateTime *time);
/* The instant back in the device's offset, or in UTC without one; NULL
 * when the value is outside what GDateTime holds. */
GDateTime *collector_time_new          (gint64     utc_usec,
                                        gboolean   has_offset,
                                        int        offset_min);

void collector_enumerator_free       (CollectorEnumerator     *enumerator);
CollectorDevice *collector_device_copy (const CollectorDevice *device);
void collector_device_free           (CollectorDevice         *device);
void collector_household_free        (CollectorHousehold      *household);
void collector_assignment_page_free  (CollectorAssignmentPage *page);
void collector_review_free           (CollectorReview         *review);
void collector_review_page_free      (CollectorReviewPage     *page);
void collector_media_ref_free        (CollectorMediaRef       *ref);
CollectorVisit *collector_visit_new  (void);
void collector_visit_free            (CollectorVisit          *visit);
CollectorVisitOutcome *collector_visit_outcome_new (CollectorVisitStatus status);
void collector_visit_outcome_free    (CollectorVisitOutcome   *outcome);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorVisitIter, collector_visit_iter_free)
const char *collector_visit_status_to_string (CollectorVisitStatus status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorEnumerator, collector_enumerator_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorDevice, collector_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorHousehold, collector_household_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorAssignmentPage, collector_assignment_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorReviewPage, collector_review_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorVisit, collector_visit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorVisitOutcome, collector_visit_outcome_free)

G_END_DECLS
