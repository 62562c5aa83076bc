/* verval-form-validate.h: checking a visit's answers against its form
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "verval-form.h"

G_BEGIN_DECLS

typedef struct {
  char           *field_id;   /* a field id, or an unknown answer key */
  VervalSeverity  severity;
  char           *message;    /* translated, for the coordinator */
} VervalFormIssue;

typedef struct {
  GPtrArray  *issues;         /* VervalFormIssue, in form order */
  JsonObject *answers;        /* relevant, valid answers only, normalised */
  JsonObject *computed;       /* every computed id → value or null */
  GHashTable *hidden;         /* ids of sections and fields not shown */
  GHashTable *required;       /* ids of fields required by these answers */
} VervalFormResult;

VervalFormResult *verval_form_validate                (VervalForm             *form,
                                                       JsonObject             *answers,
                                                       GDateTime              *now);
void              verval_form_result_free             (VervalFormResult       *result);
gboolean          verval_form_result_has_errors       (const VervalFormResult *result);
gboolean          verval_form_result_is_relevant      (const VervalFormResult *result,
                                                       const char             *id);
gboolean          verval_form_result_is_required      (const VervalFormResult *result,
                                                       const char             *field_id);
const VervalFormIssue *verval_form_result_first_issue (const VervalFormResult *result,
                                                       const char             *field_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalFormResult, verval_form_result_free)

G_END_DECLS
