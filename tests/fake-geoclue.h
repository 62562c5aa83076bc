/* fake-geoclue.h: a stand-in for the GeoClue daemon on a private bus
 *
 * It owns org.freedesktop.GeoClue2 on a bus the test starts, and either
 * takes the calls and never answers, like a hung daemon, or serves one
 * position: -8.1123, 115.0912, ± 12.5 m, 35 m up, at FAKE_GEOCLUE_FIX_TIME
 * plus 0.25 s.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FAKE_GEOCLUE_FIX_TIME G_GINT64_CONSTANT (1795312800)  /* 2026-11-22 02:00 UTC */

typedef struct _FakeGeoClue FakeGeoClue;

/* Starts a private bus, points DBUS_SYSTEM_BUS_ADDRESS at it and returns;
 * fake_geoclue_serve() then takes the name. NULL (and a skip) without
 * dbus-daemon. */
FakeGeoClue *fake_geoclue_new_bus        (void);
const char  *fake_geoclue_get_address    (FakeGeoClue *fake);
void         fake_geoclue_serve          (FakeGeoClue *fake,
                                          gboolean     hang);
void         fake_geoclue_set_hang       (FakeGeoClue *fake,
                                          gboolean     hang);
/* Calls taken while hanging; fake_geoclue_release() answers them with an
 * error so that their callers can finish. */
guint        fake_geoclue_get_n_swallowed (FakeGeoClue *fake);
void         fake_geoclue_release        (FakeGeoClue *fake);
const char  *fake_geoclue_get_desktop_id (FakeGeoClue *fake);
/* Leaves the name, closes the bus. */
void         fake_geoclue_free           (FakeGeoClue *fake);

G_END_DECLS
