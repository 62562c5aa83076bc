/* verval-enroll-dialog.h: connecting the device to the office's collector
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-sync.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_ENROLL_DIALOG (verval_enroll_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VervalEnrollDialog, verval_enroll_dialog, VERVAL, ENROLL_DIALOG, AdwWindow)

/* Signal ::enrolled (const char *notice): the device is enrolled and the
 * first sync ran; notice is what a toast should say. The dialog closes
 * itself after emitting it. */
VervalEnrollDialog *verval_enroll_dialog_new        (GtkWindow          *parent,
                                                     VervalSync         *sync);
/* Fills the form and connects, as if typed; for tests and the command line. */
void                verval_enroll_dialog_submit     (VervalEnrollDialog *self,
                                                     const char         *url,
                                                     const char         *code);
/* The error shown under the form, or NULL. */
const char         *verval_enroll_dialog_get_error  (VervalEnrollDialog *self);
gboolean            verval_enroll_dialog_get_busy   (VervalEnrollDialog *self);

/* The sentence for a failed enrollment: the engine's words for code and
 * address problems, our own for a server that cannot be reached (where the
 * engine's words promise a retry that enrollment does not do). */
char               *verval_enroll_dialog_message_for_error (const GError *error);

G_END_DECLS
