/* verval-import-dialog.h: progress and report of one list import
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-store.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_IMPORT_DIALOG (verval_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VervalImportDialog, verval_import_dialog, VERVAL, IMPORT_DIALOG, AdwWindow)

/* Starts importing file into store at once; closing the dialog while the
 * import runs cancels it (nothing is kept). Emits ::finished (report or
 * NULL, error or NULL) when the import ends. */
VervalImportDialog *verval_import_dialog_new             (GtkWindow          *parent,
                                                          VervalStore        *store,
                                                          GFile              *file);
/* TRUE while the import runs. */
gboolean            verval_import_dialog_get_running     (VervalImportDialog *self);
/* The text shown in the report (what "Copy" copies); "" while running. */
char               *verval_import_dialog_get_report_text (VervalImportDialog *self);

G_END_DECLS
