/* verval-household-page.h: everything known about one family
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-household.h"
#include "verval-store.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_HOUSEHOLD_PAGE (verval_household_page_get_type ())
G_DECLARE_FINAL_TYPE (VervalHouseholdPage, verval_household_page, VERVAL, HOUSEHOLD_PAGE, AdwBin)

/* Shows household at once with what the list row knows, then loads the
 * details (members, sources, listed fields) from store in the background. */
void             verval_household_page_set_household (VervalHouseholdPage *self,
                                                      VervalStore         *store,
                                                      VervalHousehold     *household);
VervalHousehold *verval_household_page_get_household (VervalHouseholdPage *self);

G_END_DECLS
