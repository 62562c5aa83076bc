/* verval-preferences-window.h: office server, photo size, location warnings
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-window.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_PREFERENCES_WINDOW (verval_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (VervalPreferencesWindow, verval_preferences_window,
                      VERVAL, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* A modal window over window, showing its sync engine and store and
 * editing its settings. */
VervalPreferencesWindow *verval_preferences_window_new (VervalWindow *window);

G_END_DECLS
