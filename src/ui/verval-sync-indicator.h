/* verval-sync-indicator.h: the header-bar button that says whether work reached the office
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "verval-sync.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_SYNC_INDICATOR (verval_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (VervalSyncIndicator, verval_sync_indicator, VERVAL, SYNC_INDICATOR, GtkWidget)

/* Property: sync (VervalSync, may be NULL: the indicator hides). */
GtkWidget   *verval_sync_indicator_new        (void);
VervalSync  *verval_sync_indicator_get_sync   (VervalSyncIndicator *self);
void         verval_sync_indicator_set_sync   (VervalSyncIndicator *self,
                                               VervalSync          *sync);
/* Whether this indicator may show at all (default TRUE): a window has one
 * in the header bar and one under it for narrow screens. It also hides
 * while there is no sync or the device is not enrolled. */
void         verval_sync_indicator_set_enabled (VervalSyncIndicator *self,
                                                gboolean             enabled);
/* What the button shows now (for tests and screen readers). */
const char  *verval_sync_indicator_get_label  (VervalSyncIndicator *self);
const char  *verval_sync_indicator_get_icon_name (VervalSyncIndicator *self);

/* The short words and icon for a state; style_class (may be NULL) is
 * "success", "warning", "error" or NULL. */
char        *verval_sync_indicator_describe   (VervalSyncState      state,
                                               guint                queue_depth,
                                               double               fraction,
                                               gint64               last_success,
                                               const char         **icon_name,
                                               const char         **style_class);

/* A whole sentence for a state: "Your work has reached the office". */
const char  *verval_sync_indicator_headline   (VervalSyncState      state);

G_END_DECLS
