/* verval-sync-page.h: what is waiting, what was sent, what was refused and why
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "verval-store.h"
#include "verval-sync.h"
#include "verval-sync-summary.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_SYNC_PAGE (verval_sync_page_get_type ())
G_DECLARE_FINAL_TYPE (VervalSyncPage, verval_sync_page, VERVAL, SYNC_PAGE, GtkWidget)

/* Signal ::household-activated (gint64 household id): a refused or sent-back
 * visit was chosen. Properties: sync, store (both may be NULL). */
GtkWidget               *verval_sync_page_new          (void);
void                     verval_sync_page_set_sync     (VervalSyncPage *self,
                                                        VervalSync     *sync,
                                                        VervalStore    *store);
/* Reads the counts and the log again (done by itself when a sync ends or
 * the households change). */
void                     verval_sync_page_reload       (VervalSyncPage *self);
/* The last summary shown, NULL before the first load; and whether a load
 * is under way (for tests). */
const VervalSyncSummary *verval_sync_page_get_summary  (VervalSyncPage *self);
guint                    verval_sync_page_get_n_log_rows (VervalSyncPage *self);
gboolean                 verval_sync_page_get_loading  (VervalSyncPage *self);

G_END_DECLS
