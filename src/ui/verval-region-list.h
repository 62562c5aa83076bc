/* verval-region-list.h: the villages and kecamatans present in the store,
 * as choices for the household list's region filter
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "verval-store.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_REGION_LIST (verval_region_list_get_type ())
G_DECLARE_FINAL_TYPE (VervalRegionList, verval_region_list, VERVAL, REGION_LIST, GObject)

/* A GListModel of GtkStringObject labels: position 0 is "All villages",
 * then each kecamatan followed by its villages. Empty until reloaded. */
VervalRegionList *verval_region_list_new      (VervalStore      *store);
/* Reads the regions again on the store thread; items-changed follows. */
void              verval_region_list_reload   (VervalRegionList *self);
/* The code (digits) to filter by at position, NULL for "all". */
const char       *verval_region_list_get_code (VervalRegionList *self,
                                               guint             position);
/* The position of code, 0 ("all") when absent or empty. */
guint             verval_region_list_find     (VervalRegionList *self,
                                               const char       *code);

G_END_DECLS
