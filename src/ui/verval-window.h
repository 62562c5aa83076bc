/* verval-window.h: the main window, household list beside the household details
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-application.h"
#include "verval-household-model.h"
#include "verval-store.h"
#include "verval-sync-indicator.h"
#include "verval-sync-page.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_WINDOW (verval_window_get_type ())
G_DECLARE_FINAL_TYPE (VervalWindow, verval_window, VERVAL, WINDOW, AdwApplicationWindow)

/* Properties: store (construct-only, may be NULL when opening failed:
 * the window then explains why), settings, sync (construct-only, may be
 * NULL: no sync UI). */
VervalWindow         *verval_window_new             (VervalApplication *app);

VervalHouseholdModel *verval_window_get_model       (VervalWindow      *self);
GtkListView          *verval_window_get_list_view   (VervalWindow      *self);
GtkEditable          *verval_window_get_search_entry (VervalWindow     *self);
AdwLeaflet           *verval_window_get_leaflet     (VervalWindow      *self);
/* The name of the visible page of the main stack: "loading", "empty",
 * "households" or "error". */
const char           *verval_window_get_state       (VervalWindow      *self);

/* Shows the import dialog for file (the file chooser's answer). */
GtkWindow            *verval_window_import_file     (VervalWindow      *self,
                                                     GFile             *file);
/* Shows a household in the detail pane (and navigates there when folded). */
void                  verval_window_show_household  (VervalWindow      *self,
                                                     VervalHousehold   *household);

/* The enrollment dialog (connect or switch server); NULL without sync. */
GtkWindow            *verval_window_show_enroll     (VervalWindow      *self);
/* The same over parent (a modal window of ours, e.g. Preferences, that
 * would otherwise block the dialog). */
GtkWindow            *verval_window_show_enroll_over (VervalWindow     *self,
                                                     GtkWindow         *parent);
/* Shows the Sync page in the detail pane. */
void                  verval_window_show_sync       (VervalWindow      *self);
VervalSyncPage       *verval_window_get_sync_page   (VervalWindow      *self);
/* The sync indicator of the current layout (header bar, or the row under
 * it on a narrow window). */
VervalSyncIndicator  *verval_window_get_sync_indicator (VervalWindow   *self);

G_END_DECLS
