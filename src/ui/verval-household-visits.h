/* verval-household-visits.h: a family's visits, and the button to start one
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-household.h"
#include "verval-visit-editor.h"
#include "verval-visit-store.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_HOUSEHOLD_VISITS (verval_household_visits_get_type ())
G_DECLARE_FINAL_TYPE (VervalHouseholdVisits, verval_household_visits, VERVAL, HOUSEHOLD_VISITS,
                      AdwPreferencesGroup)

GtkWidget         *verval_household_visits_new           (void);
/* Lists household's visits (newest first) from store; NULL clears. */
void               verval_household_visits_set_household (VervalHouseholdVisits *self,
                                                          VervalStore           *store,
                                                          VervalHousehold       *household);
void               verval_household_visits_reload        (VervalHouseholdVisits *self);
/* The visits shown (VervalVisit), and whether a list is being loaded. */
GListModel        *verval_household_visits_get_visits    (VervalHouseholdVisits *self);
gboolean           verval_household_visits_get_loading   (VervalHouseholdVisits *self);
/* The editor opened last by this widget, while it is open. */
VervalVisitEditor *verval_household_visits_get_editor    (VervalHouseholdVisits *self);

G_END_DECLS
