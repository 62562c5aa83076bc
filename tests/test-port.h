/* test-port.h: a loopback port nobody listens on
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A TCP port on 127.0.0.1 that was free a moment ago: for a server that
 * must be told its port, or for a client that must find nobody there. */
guint16 test_free_port (void);

G_END_DECLS
