/* verval-household.h: one listed family, as shown in the list and the detail page
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-listing.h"
#include "verval-store.h"

G_BEGIN_DECLS

/* Where the family's verification stands (households.visit_state). */
typedef enum {
  VERVAL_VISIT_STATE_NONE,      /* not visited yet */
  VERVAL_VISIT_STATE_DRAFT,
  VERVAL_VISIT_STATE_FINAL,     /* finished, waiting to upload */
  VERVAL_VISIT_STATE_SENT,
  VERVAL_VISIT_STATE_REJECTED,  /* sent back by a supervisor */
} VervalVisitState;

/* One source list entry of a family (household_sources). */
typedef struct {
  VervalSourceFlags  source;
  char              *source_id;    /* P3KE family ID or DTKS id */
  char              *file_name;    /* the file it was last imported from */
  gint64             imported_at;  /* unix seconds */
} VervalHouseholdSource;

#define VERVAL_TYPE_VISIT_STATE  (verval_visit_state_get_type ())
#define VERVAL_TYPE_SOURCE_FLAGS (verval_source_flags_get_type ())
#define VERVAL_TYPE_HOUSEHOLD    (verval_household_get_type ())
G_DECLARE_FINAL_TYPE (VervalHousehold, verval_household, VERVAL, HOUSEHOLD, GObject)

GType               verval_visit_state_get_type     (void);
GType               verval_source_flags_get_type    (void);
/* "none", "draft", "final", "sent", "rejected" (the stored values). */
const char         *verval_visit_state_to_string    (VervalVisitState state);
gboolean            verval_visit_state_from_string  (const char      *text,
                                                     VervalVisitState *state);

/* Properties (read-only, set when the row is loaded):
 * id (int64, households.id), family-id, head-name, nik, kk, address, dusun,
 * rt, rw, village-code (digits), village-name, kecamatan-name, desil (0–4),
 * sources (VervalSourceFlags), programmes (guint, VervalProgrammeFlags),
 * padan-dukcapil (int, -1 unknown), visit-state (VervalVisitState),
 * refused (boolean: a finished visit of the family was refused by the
 * collector and waits in quarantine), n-members (uint), details-loaded
 * (boolean). */
gint64              verval_household_get_id              (VervalHousehold *self);
const char         *verval_household_get_family_id       (VervalHousehold *self);
const char         *verval_household_get_head_name       (VervalHousehold *self);
const char         *verval_household_get_nik             (VervalHousehold *self);
const char         *verval_household_get_kk              (VervalHousehold *self);
const char         *verval_household_get_address         (VervalHousehold *self);
const char         *verval_household_get_dusun           (VervalHousehold *self);
const char         *verval_household_get_rt              (VervalHousehold *self);
const char         *verval_household_get_rw              (VervalHousehold *self);
const char         *verval_household_get_village_code    (VervalHousehold *self);
const char         *verval_household_get_village_name    (VervalHousehold *self);
const char         *verval_household_get_kecamatan_name  (VervalHousehold *self);
int                 verval_household_get_desil           (VervalHousehold *self);
VervalSourceFlags   verval_household_get_sources         (VervalHousehold *self);
VervalProgrammeFlags verval_household_get_programmes     (VervalHousehold *self);
int                 verval_household_get_padan_dukcapil  (VervalHousehold *self);
VervalVisitState    verval_household_get_visit_state     (VervalHousehold *self);
gboolean            verval_household_get_refused         (VervalHousehold *self);
guint               verval_household_get_n_members      (VervalHousehold *self);

/* Details: valid once details-loaded is TRUE (load_details or load_async). */
gboolean            verval_household_get_details_loaded  (VervalHousehold *self);
/* "" when unknown; never NULL. */
const char         *verval_household_get_field           (VervalHousehold  *self,
                                                          VervalFamilyField field);
VervalSavingsFlags  verval_household_get_savings         (VervalHousehold *self);
/* Of VervalMemberRecord*, head first. */
GPtrArray          *verval_household_get_members         (VervalHousehold *self);
/* Of VervalHouseholdSource*. */
GPtrArray          *verval_household_get_source_list     (VervalHousehold *self);

/* Loads one household with all its details on the store thread. */
void                verval_household_load_async          (VervalStore         *store,
                                                          gint64               id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
VervalHousehold    *verval_household_load_finish         (GAsyncResult        *result,
                                                          GError             **error);

/* For the store and the list model: the list-row columns, in this order,
 * and a household built from a statement selecting them. */
#define VERVAL_HOUSEHOLD_ROW_COLUMNS \
  "h.id, h.family_id, h.head_name, h.head_nik, h.kk, h.address, h.dusun, h.rt, h.rw, " \
  "h.village_code, h.village, h.kecamatan, h.desil, h.sources, h.programmes, " \
  "h.padan_dukcapil, h.visit_state, h.n_members, " VERVAL_HOUSEHOLD_REFUSED_SQL

/* True for a household h with a finished visit the collector refused: an
 * index lookup in visits_household, so it costs next to nothing per row. */
#define VERVAL_HOUSEHOLD_REFUSED_SQL \
  "EXISTS (SELECT 1 FROM visits rv WHERE rv.household_id = h.id" \
  " AND rv.state = 'final' AND rv.quarantined <> 0)"
VervalHousehold    *verval_household_new_from_row        (sqlite3_stmt *stmt);
/* Reads details, members and sources; call on the thread that owns db. */
gboolean            verval_household_load_details        (VervalHousehold *self,
                                                          sqlite3         *db,
                                                          GError         **error);

void                verval_household_source_free         (VervalHouseholdSource *source);

G_END_DECLS
