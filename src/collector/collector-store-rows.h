/* collector-store-rows.h: a store's result rows turned into the store's records
 *
 * Every store reads the same records back (an enumerator, a device, a
 * household, a visit and its photos, a review, an account and its session)
 * from rows whose columns come in the same order, whatever SQL produced
 * them. The conversion is written once here; each store only says how to
 * read one column of its rows.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"

G_BEGIN_DECLS

/* How one store reads a column of its current row. A NULL column reads
 * as 0, FALSE or NULL. */
typedef struct
{
  gboolean    (*is_null)  (gconstpointer row, int column);
  gint64      (*integer)  (gconstpointer row, int column);
  gboolean    (*boolean)  (gconstpointer row, int column);
  double      (*real)     (gconstpointer row, int column);
  const char *(*text)     (gconstpointer row, int column);
} CollectorRowReader;

/* One row: @data is whatever the reader needs to find it. */
typedef struct
{
  const CollectorRowReader *reader;
  gconstpointer             data;
} CollectorRow;

/* Each reads its columns from @first on, in the order its comment gives. */

/* id, name, phone, disabled, created_at, households assigned, devices not revoked */
CollectorEnumerator *collector_enumerator_from_row (const CollectorRow *row,
                                                    int                 first);
/* id, enumerator_id, enumerator name, enumerator disabled, name,
 * app_version, enrolled_at, revoked_at, last_seen_at, status */
CollectorDevice     *collector_device_from_row     (const CollectorRow *row,
                                                    int                 first);
/* at, queue_depth (-1 for none), error_code, status */
CollectorStatusReport *collector_status_report_from_row (const CollectorRow *row,
                                                         int                 first);
/* id, source, village_code, head_name, nik, kk, address, data */
CollectorHousehold  *collector_household_from_row  (const CollectorRow *row,
                                                    int                 first);
/* COLLECTOR_VISIT_N_COLUMNS columns: uuid, revision,
 * household_id, form_id, form_version, answers, result_code, started
 * (UTC microseconds, offset in minutes or NULL), finished (the same), lat,
 * lon, accuracy, altitude, fix_time, fix_source, enumerator_id, enumerator
 * name, device_id, village_code, received_at. The visit has no media. */
CollectorVisit      *collector_visit_from_row      (const CollectorRow *row,
                                                    int                 first);
#define COLLECTOR_VISIT_N_COLUMNS 22
/* sha256, role, size, taken */
CollectorMediaRef   *collector_media_ref_from_row  (const CollectorRow *row,
                                                    int                 first);
/* seq, visit_uuid, revision, household_id, decision, comment, reviewer, decided_at */
CollectorReview     *collector_review_from_row     (const CollectorRow *row,
                                                    int                 first);
/* COLLECTOR_USER_N_COLUMNS columns: id, name, role (its text), region,
 * password_hash, disabled, created_at, password_changed_at */
CollectorUser       *collector_user_from_row       (const CollectorRow *row,
                                                    int                 first);
#define COLLECTOR_USER_N_COLUMNS 8
/* csrf_token, created_at, last_used_at, then the account's columns
 * (collector_user_from_row()) */
CollectorSession    *collector_session_from_row    (const CollectorRow *row,
                                                    int                 first);

/* Adds one pulled row to a page (collector_assignment_page_add_row(), …):
 * what every store's pull loop calls. */
typedef void (*CollectorPageAddRow) (gpointer            page,
                                     const CollectorRow *row);

/* A pull's page, empty, that starts after @cursor. */
CollectorAssignmentPage *collector_assignment_page_new     (gint64              cursor);
CollectorReviewPage     *collector_review_page_new         (gint64              cursor);
/* Adds a pulled row, whose columns are: active, seq, then a household's
 * (collector_household_from_row()); the page's cursor moves to it. */
void                     collector_assignment_page_add_row (CollectorAssignmentPage *page,
                                                            const CollectorRow      *row);
/* Adds a pulled review's row (collector_review_from_row()); the page's
 * cursor moves to it. */
void                     collector_review_page_add_row     (CollectorReviewPage     *page,
                                                            const CollectorRow      *row);

G_END_DECLS
