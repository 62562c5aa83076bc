/* collector-throttle.h: what counts as one client when counting its failures
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The address itself for IPv4 (also when IPv4-mapped), its /64 for IPv6. */
char *collector_throttle_key (GInetAddress *address);

G_END_DECLS
