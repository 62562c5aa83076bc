/* verval-visit-editor.h: the questionnaire of one visit, a section per page
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-visit-store.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_VISIT_EDITOR (verval_visit_editor_get_type ())
G_DECLARE_FINAL_TYPE (VervalVisitEditor, verval_visit_editor, VERVAL, VISIT_EDITOR, AdwWindow)

/* A window over parent editing visit (read-only unless it is a draft).
 * Every change is autosaved through visits; closing waits for the last
 * write. household_name is shown in the title. */
VervalVisitEditor *verval_visit_editor_new          (GtkWindow         *parent,
                                                     VervalVisitStore  *visits,
                                                     VervalVisit       *visit,
                                                     const char        *household_name);
VervalVisit       *verval_visit_editor_get_visit    (VervalVisitEditor *self);
/* Where the visit is expected to take place (the household's known
 * location or the village centre), for the "far" warning; NULL: none.
 * The warning limits come from the visit store. */
void               verval_visit_editor_set_location_reference (VervalVisitEditor             *self,
                                                     const VervalLocationReference *reference);

/* The section shown, and the sections the answers make relevant. */
const char        *verval_visit_editor_get_section  (VervalVisitEditor *self);
guint              verval_visit_editor_get_n_sections (VervalVisitEditor *self);
gboolean           verval_visit_editor_show_section (VervalVisitEditor *self,
                                                     const char        *section_id);
/* The widget of one question (its group and message), for tests and for
 * scrolling to a problem. */
GtkWidget         *verval_visit_editor_get_field_widget (VervalVisitEditor *self,
                                                     const char        *field_id);
/* The message shown under a question, or NULL. */
const char        *verval_visit_editor_get_field_message (VervalVisitEditor *self,
                                                     const char        *field_id);

G_END_DECLS
