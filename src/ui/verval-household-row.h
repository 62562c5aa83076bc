/* verval-household-row.h: one family in the household list
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "verval-household.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_HOUSEHOLD_ROW (verval_household_row_get_type ())
G_DECLARE_FINAL_TYPE (VervalHouseholdRow, verval_household_row, VERVAL, HOUSEHOLD_ROW, GtkWidget)

GtkWidget       *verval_household_row_new            (void);
VervalHousehold *verval_household_row_get_household  (VervalHouseholdRow *self);
void             verval_household_row_set_household  (VervalHouseholdRow *self,
                                                      VervalHousehold    *household);

/* "•••• •••• •••• 1234": a 16-digit number with all but the last 4 hidden,
 * grouped for reading aloud. "" for an empty number. */
char            *verval_household_row_mask_id        (const char         *digits);

G_END_DECLS
