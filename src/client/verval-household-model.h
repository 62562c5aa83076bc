/* verval-household-model.h: the searchable list of households, for a GtkListView
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-household.h"
#include "verval-store.h"

G_BEGIN_DECLS

/* visit-state filter value meaning "any state". */
#define VERVAL_HOUSEHOLD_MODEL_ANY_STATE (-1)
/* visit-state filter value for the families with a finished visit the
 * collector refused (quarantined, see verval_household_get_refused()).
 * Those are left out of VERVAL_VISIT_STATE_FINAL, which then means
 * "finished and waiting to be sent". */
#define VERVAL_HOUSEHOLD_MODEL_REFUSED (VERVAL_VISIT_STATE_REJECTED + 1)

#define VERVAL_TYPE_HOUSEHOLD_MODEL (verval_household_model_get_type ())
G_DECLARE_FINAL_TYPE (VervalHouseholdModel, verval_household_model, VERVAL, HOUSEHOLD_MODEL, GObject)

/* A GListModel of VervalHousehold. Filters run on the store thread; a
 * change of any filter supersedes the query in flight, and the model emits
 * one items-changed per finished query. Rows are read in pages on demand.
 *
 * Properties: store (construct-only), search-text (string), village-code
 * (string: a village, kecamatan or regency code as digits or dotted; prefix
 * match; NULL/"" for all), desil (int 0 = any, 1–4), visit-state (int,
 * VERVAL_HOUSEHOLD_MODEL_ANY_STATE, a VervalVisitState or
 * VERVAL_HOUSEHOLD_MODEL_REFUSED), loading (boolean,
 * read-only: a query is in flight), n-total (uint, read-only: households in
 * the store, unfiltered), search-ready (boolean, read-only: the in-memory
 * search index is built for the store's current data). Refreshes itself on
 * VervalStore::households-changed.
 *
 * Without search text the first page comes from SQLite (the list index)
 * and the search index is built on the store thread after it has been
 * shown; a search typed before then waits on the store thread, not here. */
VervalHouseholdModel *verval_household_model_new             (VervalStore          *store);

VervalStore          *verval_household_model_get_store       (VervalHouseholdModel *self);
const char           *verval_household_model_get_search_text (VervalHouseholdModel *self);
void                  verval_household_model_set_search_text (VervalHouseholdModel *self,
                                                              const char           *text);
const char           *verval_household_model_get_village_code (VervalHouseholdModel *self);
void                  verval_household_model_set_village_code (VervalHouseholdModel *self,
                                                               const char           *code);
int                   verval_household_model_get_desil       (VervalHouseholdModel *self);
void                  verval_household_model_set_desil       (VervalHouseholdModel *self,
                                                              int                   desil);
int                   verval_household_model_get_visit_state (VervalHouseholdModel *self);
void                  verval_household_model_set_visit_state (VervalHouseholdModel *self,
                                                              int                   state);
gboolean              verval_household_model_get_loading     (VervalHouseholdModel *self);
guint                 verval_household_model_get_n_total     (VervalHouseholdModel *self);
gboolean              verval_household_model_get_search_ready (VervalHouseholdModel *self);

/* Runs the query again (after imports, visit changes). */
void                  verval_household_model_refresh         (VervalHouseholdModel *self);

/* Folds text the way the search index does: lower case, accents removed,
 * punctuation to spaces. Exposed for tests and for highlighting matches. */
char                 *verval_household_model_fold_text       (const char           *text);

G_END_DECLS
