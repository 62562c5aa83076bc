/* collector-throttle.h: failed attempts per client address, in a sliding window
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CollectorThrottle CollectorThrottle;

/* Addresses remembered at most; beyond it, those whose failures all left
 * the window go first, then the one whose last failure is oldest. */
#define COLLECTOR_THROTTLE_MAX_KEYS 4096

CollectorThrottle *collector_throttle_new    (guint              max_failures,
                                              guint              window_seconds);
void               collector_throttle_free   (CollectorThrottle *self);

char              *collector_throttle_key    (GInetAddress      *address);

guint              collector_throttle_wait   (CollectorThrottle *self,
                                              const char        *key,
                                              gint64             now);
void               collector_throttle_failed (CollectorThrottle *self,
                                              const char        *key,
                                              gint64             now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorThrottle, collector_throttle_free)

G_END_DECLS
