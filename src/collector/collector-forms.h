/* collector-forms.h: the form definitions visits are checked against
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "collector-store.h"

G_BEGIN_DECLS

#define COLLECTOR_TYPE_FORMS (collector_forms_get_type ())
G_DECLARE_FINAL_TYPE (CollectorForms, collector_forms, COLLECTOR, FORMS, GObject)

/* The built-in forms, loaded on first use. */
CollectorForms *collector_forms_new   (void);
/* Adds problems (unknown_form, invalid_answer…) for @visit; TRUE if none.
 * Thread-safe. */
gboolean        collector_forms_check (CollectorForms *self,
                                       CollectorVisit *visit,
                                       JsonObject     *answers,
                                       GPtrArray      *problems);

G_END_DECLS
