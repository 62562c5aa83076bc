/* ui-test-utils.h: waiting, widget lookup and screenshots for the widget tests
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Seconds a test waits for the UI before it gives up: a hang guard, not a
 * timing assertion. */
#define UI_TEST_WAIT_SECONDS 60

typedef gboolean (*UiTestCondition) (gpointer data);

/* Iterates the main context until condition holds; FALSE on the hang guard. */
gboolean    ui_test_wait_for          (UiTestCondition  condition,
                                       gpointer         data);
/* Lets pending layout and frames happen. */
void        ui_test_settle            (void);
/* Destroys *window, drops the test's reference and lets the teardown run. */
void        ui_test_close_window      (gpointer         window_ptr);
/* Removes a directory tree made by a test. */
void        ui_test_remove_tree       (const char      *path);
/* Renders widget to $VERVAL_TEST_ARTIFACTS/name.png (skipped when unset). */
void        ui_test_save_screenshot   (GtkWidget       *widget,
                                       const char      *name);
/* The mapped descendants of root of the given type, in tree order. */
GPtrArray  *ui_test_find_widgets      (GtkWidget       *root,
                                       GType            type,
                                       gboolean         mapped_only);
/* The text of every mapped GtkLabel under root, joined by newlines. */
char       *ui_test_collect_labels    (GtkWidget       *root);
/* Switches messages to Indonesian from the built catalogue; FALSE, with
 * the test marked skipped, without the catalogue or the id_ID.UTF-8
 * locale. *old_locale receives the locale to restore with setlocale(). */
gboolean    ui_test_use_indonesian    (char           **old_locale);
/* Loads the app's resources and style once per process. */
void        ui_test_init              (int             *argc,
                                       char          ***argv);

G_END_DECLS
