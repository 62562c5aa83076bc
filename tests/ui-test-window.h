/* ui-test-window.h: waiting for the field app's window in widget tests
 *
 * Header-only, because ui-test-utils does not link the app's code.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "verval-household-model.h"
#include "verval-window.h"

/* A UiTestCondition: the window is shown and its list has loaded. */
static inline gboolean
ui_test_window_ready (gpointer data)
{
  VervalWindow *window = data;
  VervalHouseholdModel *model = verval_window_get_model (window);

  return model != NULL
         && !verval_household_model_get_loading (model)
         && g_strcmp0 (verval_window_get_state (window), "loading") != 0
         && gtk_widget_get_mapped (GTK_WIDGET (window));
}
