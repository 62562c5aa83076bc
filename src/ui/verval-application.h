/* verval-application.h: the field app, its store and its command line
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "verval-store.h"
#include "verval-sync.h"

G_BEGIN_DECLS

#define VERVAL_TYPE_APPLICATION (verval_application_get_type ())
G_DECLARE_FINAL_TYPE (VervalApplication, verval_application, VERVAL, APPLICATION, AdwApplication)

VervalApplication *verval_application_new           (void);

/* The directory holding the store: --data-dir, else $VERVAL_DATA_DIR,
 * else $XDG_DATA_HOME/verval. */
const char        *verval_application_get_data_dir  (VervalApplication *self);
void               verval_application_set_data_dir  (VervalApplication *self,
                                                     const char        *data_dir);
/* Opens the store on first use; NULL with error if it cannot be opened. */
VervalStore       *verval_application_get_store     (VervalApplication *self,
                                                     GError           **error);
GSettings         *verval_application_get_settings  (VervalApplication *self);
/* The sync engine on the store, made on first use; NULL if the store
 * cannot be opened. Started when the first window shows, shut down on quit. */
VervalSync        *verval_application_get_sync      (VervalApplication *self);
/* The app.preferences action: the Preferences window over the main window
 * (the one already open, if any); NULL without a main window. */
GtkWindow         *verval_application_show_preferences (VervalApplication *self);

/* Binds the text domain; $VERVAL_LOCALEDIR lets an uninstalled build use its
 * own catalogues. Call once from main(). */
void               verval_application_init_i18n     (void);

/* Headless import for administrators: prints the report to out, the error to
 * err; returns the process exit status (0 imported, 1 refused). */
int                verval_application_import_file   (const char        *data_dir,
                                                     const char        *path,
                                                     GCancellable      *cancellable,
                                                     FILE              *out,
                                                     FILE              *err);

/* Headless enrollment for administrators preparing devices: enrols, runs a
 * first sync and reports to out/err; returns the exit status (0 connected,
 * 1 refused or failed). */
int                verval_application_enroll        (const char        *data_dir,
                                                     const char        *url,
                                                     const char        *code,
                                                     GCancellable      *cancellable,
                                                     FILE              *out,
                                                     FILE              *err);

G_END_DECLS
