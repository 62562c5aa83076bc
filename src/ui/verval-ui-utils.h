/* verval-ui-utils.h: small formatting helpers shared by the widgets
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "verval-household.h"

G_BEGIN_DECLS

/* Joins the non-empty strings of a NULL-terminated list. */
char       *verval_ui_join_nonempty      (const char       *separator,
                                          ...) G_GNUC_NULL_TERMINATED;
/* An icon name for a visit state, NULL for "not visited", and a translated
 * description in *label (never NULL). */
const char *verval_ui_visit_state_icon   (VervalVisitState  state,
                                          const char      **label);
/* Translated label for a visit state. */
const char *verval_ui_visit_state_label  (VervalVisitState  state);
/* "12 November 1987" in the user's language. */
char       *verval_ui_format_date        (guint             day,
                                          guint             month,
                                          guint             year);
/* Shows "Decile N" styled by decile on label, hides it for 0 (unknown). */
void        verval_ui_set_desil_badge    (GtkLabel         *label,
                                          int               desil);
/* "1.234" in the user's locale (thousands grouped). */
char       *verval_ui_format_count       (guint             n);
/* "Today 17:42" or "3 Nov 17:42" for a unix time, in local time. */
char       *verval_ui_format_when        (gint64            unix_seconds);

G_END_DECLS
