/* collector-throttle.h: failures counted against a client, and its wait
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "collector-store.h"

G_BEGIN_DECLS

/* One throttle: at most max_failures of a kind per key within window seconds. */
typedef struct {
  CollectorFailureKind kind;
  guint                max_failures;
  guint                window;
} CollectorThrottle;

/* The address itself for IPv4 (also when IPv4-mapped), its /64 for IPv6. */
char     *collector_throttle_key   (GInetAddress            *address);

/* How long @key must wait before its next try, in seconds (0: it may go
 * on), from the failures the store holds. FALSE if the store cannot say. */
gboolean  collector_throttle_check (const CollectorThrottle *throttle,
                                    CollectorStore          *store,
                                    const char              *key,
                                    gint64                   now,
                                    guint                   *wait,
                                    GError                 **error);
/* Counts a failure of @key at @now, and forgets the failures of its kind
 * that no window holds any more. A store that cannot note it is logged:
 * the answer to the client does not change. */
void      collector_throttle_note  (const CollectorThrottle *throttle,
                                    CollectorStore          *store,
                                    const char              *key,
                                    gint64                   now);

G_END_DECLS
