/* collector-store.h: what the collector keeps, behind interfaces
 *
 * A store is one object implementing one interface per concern: devices
 * (enumerators, enrollment, tokens, status), households (the list and the
 * assignments), visits (and their media) and reviews; users, sessions and
 * the dashboard's queries join as further interfaces. The embedded store is
 * SQLite (CollectorSqliteStore); PostgreSQL implements the same interfaces
 * for larger deployments. The store only stores: what may be written is
 * decided in collector-rules.c, which each store calls inside its own
 * transaction. Every method is synchronous and thread-safe: the server
 * calls them from worker threads. The collector_store_* functions take the
 * store object and reach the concern's interface themselves.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "collector-store-devices.h"
#include "collector-store-households.h"
#include "collector-store-reviews.h"
#include "collector-store-visits.h"

G_BEGIN_DECLS

/* Requires every concern interface above. */
#define COLLECTOR_TYPE_STORE (collector_store_get_type ())
G_DECLARE_INTERFACE (CollectorStore, collector_store, COLLECTOR, STORE, GObject)

struct _CollectorStoreInterface
{
  GTypeInterface parent_iface;

  void (*close) (CollectorStore *self);
};

/* Finishes queued writes; later calls fail. */
void collector_store_close (CollectorStore *self);

G_END_DECLS
