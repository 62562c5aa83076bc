/* store-fixture.h: helpers shared by the listing, store and search tests
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "verval-store.h"

G_BEGIN_DECLS

/* A fresh temporary directory; remove it with store_fixture_rm_rf(). */
char               *store_fixture_make_tmp (const char *name);
void                store_fixture_rm_rf    (const char *path);
/* Writes contents (len -1: NUL-terminated) to dir/name; returns the path. */
char               *store_fixture_write    (const char *dir,
                                            const char *name,
                                            const char *contents,
                                            gssize      len);
/* Imports path synchronously; fails the test on error. */
VervalImportReport *store_fixture_import   (VervalStore *store,
                                            const char  *path);
/* Iterates the thread-default main context until *flag is TRUE. */
void                store_fixture_wait     (gboolean   *flag);
/* SELECT count(*) … on the store thread; sql must return one integer. */
gint64              store_fixture_count    (VervalStore *store,
                                            const char  *sql);
/* Runs SQL that changes data on the store thread. */
void                store_fixture_exec     (VervalStore *store,
                                            const char  *sql);

G_END_DECLS
