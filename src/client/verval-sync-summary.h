/* verval-sync-summary.h: what the Sync page shows: visit counts and the refused ones
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-store.h"

G_BEGIN_DECLS

/* A visit that needs the coordinator: refused by the collector
 * (quarantined, reason in sync_error) or sent back by a supervisor. */
typedef struct {
  char     *uuid;
  gint64    household_id;
  char     *head_name;
  char     *village_name;
  gboolean  sent_back;     /* FALSE: quarantined */
  char     *reason;        /* sync_error or review_comment; never NULL */
  gint64    updated_at;    /* unix seconds */
} VervalSyncProblem;

typedef struct {
  guint      n_drafts;
  guint      n_waiting;      /* final, not quarantined */
  guint      n_sent;
  guint      n_quarantined;
  guint      n_sent_back;
  GPtrArray *problems;       /* VervalSyncProblem: quarantined first, newest first */
} VervalSyncSummary;

#define VERVAL_TYPE_SYNC_SUMMARY (verval_sync_summary_get_type ())

GType              verval_sync_summary_get_type   (void) G_GNUC_CONST;
VervalSyncSummary *verval_sync_summary_copy       (const VervalSyncSummary *summary);
void               verval_sync_summary_free       (VervalSyncSummary       *summary);

/* Reads the counts and at most max_problems problem visits on the store
 * thread. */
void               verval_sync_summary_load_async (VervalStore          *store,
                                                   guint                 max_problems,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
VervalSyncSummary *verval_sync_summary_load_finish (VervalStore         *store,
                                                   GAsyncResult         *result,
                                                   GError              **error);
/* The same, on the thread that owns db. */
VervalSyncSummary *verval_sync_summary_read       (sqlite3              *db,
                                                   guint                 max_problems,
                                                   GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalSyncSummary, verval_sync_summary_free)

G_END_DECLS
