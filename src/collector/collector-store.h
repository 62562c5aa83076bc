/* collector-store.h: what the collector keeps, behind interfaces
 *
 * A store is one object implementing one interface per concern: devices
 * (enumerators, enrollment, tokens, status), households (the list and the
 * assignments), visits (and their media), reviews, and the dashboard's
 * users and their sessions; the dashboard's queries join as further
 * interfaces. What several concerns share (the failures a throttle
 * counts) is on the store's own interface. The embedded store is
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
#include "collector-store-users.h"
#include "collector-store-visits.h"

G_BEGIN_DECLS

/* What a throttle counts: failures of one kind, each against a key (an
 * address as collector_throttle_key() gives it, or the name a sign-in
 * tried). */
typedef enum {
  COLLECTOR_FAILURE_ENROLL,            /* a wrong enrollment code, per address */
  COLLECTOR_FAILURE_SIGN_IN_ADDRESS,   /* a failed sign-in, per address */
  COLLECTOR_FAILURE_SIGN_IN_ACCOUNT,   /* a failed sign-in, per name tried */
} CollectorFailureKind;

/* Requires every concern interface above. */
#define COLLECTOR_TYPE_STORE (collector_store_get_type ())
G_DECLARE_INTERFACE (CollectorStore, collector_store, COLLECTOR, STORE, GObject)

struct _CollectorStoreInterface
{
  GTypeInterface parent_iface;

  void     (*close)           (CollectorStore  *self);
  /* @kind: collector_failure_kind_name() */
  gboolean (*note_failure)    (CollectorStore  *self,
                               const char      *kind,
                               const char      *key,
                               gint64           at,
                               gint64           forget_before,
                               GError         **error);
  GArray  *(*recent_failures) (CollectorStore  *self,
                               const char      *kind,
                               const char      *key,
                               gint64           since,
                               guint            limit,
                               GError         **error);
};

/* Finishes queued writes; later calls fail. */
void        collector_store_close           (CollectorStore        *self);

/* A failure of @kind against @key at @at, unix seconds; every failure of
 * that kind before @forget_before is forgotten. Kept in the store, so
 * every collector sharing it counts the same failures. */
gboolean    collector_store_note_failure    (CollectorStore        *self,
                                             CollectorFailureKind   kind,
                                             const char            *key,
                                             gint64                 at,
                                             gint64                 forget_before,
                                             GError               **error);
/* The times of @key's failures of @kind at or after @since, newest first,
 * at most @limit: a GArray of gint64. */
GArray     *collector_store_recent_failures (CollectorStore        *self,
                                             CollectorFailureKind   kind,
                                             const char            *key,
                                             gint64                 since,
                                             guint                  limit,
                                             GError               **error);
/* The kind as the stores keep it: "enroll", "sign_in_address", … */
const char *collector_failure_kind_name     (CollectorFailureKind   kind);

G_END_DECLS
