/* verval-sync.h: the sync engine: enrollment, upload, pulls and when to run
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-secret.h"
#include "verval-store.h"
#include "verval-sync-messages.h"

G_BEGIN_DECLS

/* What a header-bar indicator shows. */
typedef enum {
  VERVAL_SYNC_STATE_NOT_ENROLLED,  /* no collector yet */
  VERVAL_SYNC_STATE_IDLE,          /* enrolled, nothing known yet */
  VERVAL_SYNC_STATE_SYNCING,       /* see fraction and activity */
  VERVAL_SYNC_STATE_OFFLINE,       /* no network; retries when it returns */
  VERVAL_SYNC_STATE_WAITING,       /* a try failed; next-attempt says when */
  VERVAL_SYNC_STATE_DONE,          /* all sent (last-success says when) */
  VERVAL_SYNC_STATE_PROBLEM,       /* needs a person: message says what */
} VervalSyncState;

/* One row of sync_log. */
typedef struct {
  gint64           id;
  gint64           started_at;     /* unix seconds */
  gint64           finished_at;    /* 0 while running */
  char            *trigger;        /* "start", "network", "timer", "manual", "queue" */
  char            *outcome;        /* running, ok, failed, cancelled, interrupted */
  VervalSyncError  error_code;
  char            *message;        /* the coordinator's words */
  guint            n_visits;
  guint            n_media;
  guint            n_rejected;
  guint            n_assignments;
  guint            n_reviews;
  guint64          bytes_sent;
} VervalSyncLogEntry;

#define VERVAL_TYPE_SYNC_STATE     (verval_sync_state_get_type ())
#define VERVAL_TYPE_SYNC_LOG_ENTRY (verval_sync_log_entry_get_type ())
#define VERVAL_TYPE_SYNC           (verval_sync_get_type ())
G_DECLARE_FINAL_TYPE (VervalSync, verval_sync, VERVAL, SYNC, GObject)

GType               verval_sync_state_get_type     (void) G_GNUC_CONST;
GType               verval_sync_log_entry_get_type (void) G_GNUC_CONST;
VervalSyncLogEntry *verval_sync_log_entry_copy     (const VervalSyncLogEntry *entry);
void                verval_sync_log_entry_free     (VervalSyncLogEntry       *entry);

/* monitor: NULL for g_network_monitor_get_default(). The engine does
 * nothing by itself until verval_sync_start(). Callbacks and notifications
 * run on the thread-default main context of the caller of new(). */
VervalSync      *verval_sync_new                 (VervalStore          *store,
                                                  GNetworkMonitor      *monitor);

/* Properties (read-only, notify on change): state (VervalSyncState),
 * fraction (0..1 while syncing), activity ("Sending photo 3 of 12"),
 * message (the human sentence for the current state), queue-depth (visits
 * waiting), n-quarantined (visits the collector refused), last-success and
 * next-attempt (unix seconds, 0 if none), collector-url, running. */
VervalSyncState  verval_sync_get_state           (VervalSync *self);
double           verval_sync_get_fraction        (VervalSync *self);
const char      *verval_sync_get_activity        (VervalSync *self);
const char      *verval_sync_get_message         (VervalSync *self);
guint            verval_sync_get_queue_depth     (VervalSync *self);
guint            verval_sync_get_n_quarantined   (VervalSync *self);
gint64           verval_sync_get_last_success    (VervalSync *self);
gint64           verval_sync_get_next_attempt    (VervalSync *self);
const char      *verval_sync_get_collector_url   (VervalSync *self);
gboolean         verval_sync_get_running         (VervalSync *self);

/* Tuning, mostly for tests and benchmarks. Backoff after a failure is
 * base·2ⁿ capped at cap, then a random point in its upper half. */
void             verval_sync_set_backoff         (VervalSync *self,
                                                  guint       base_ms,
                                                  guint       cap_ms);
/* A sync now and then even without events (pulls new assignments). */
void             verval_sync_set_periodic        (VervalSync *self,
                                                  guint       seconds);
void             verval_sync_set_timeouts        (VervalSync *self,
                                                  guint       connect_seconds,
                                                  guint       low_speed_bytes,
                                                  guint       low_speed_seconds);
/* Visits per batch and uncompressed bytes per batch. */
void             verval_sync_set_batch_limits    (VervalSync *self,
                                                  guint       max_visits,
                                                  gsize       max_bytes);
/* Photo uploads in flight at once (1 = one connection for everything). */
void             verval_sync_set_parallel_uploads (VervalSync *self,
                                                  guint       n);
void             verval_sync_set_ca_file         (VervalSync *self,
                                                  const char *path);
void             verval_sync_set_secret_backend  (VervalSync *self,
                                                  VervalSecretBackend backend);

/* Exchanges a one-time enrollment code for the device token, which goes
 * into the keyring (or the 0600 file), and remembers the collector. */
void             verval_sync_enroll_async        (VervalSync          *self,
                                                  const char          *url,
                                                  const char          *code,
                                                  const char          *device_name,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean         verval_sync_enroll_finish       (VervalSync          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* One whole sync: status, assignments, photos, visits, reviews. A call
 * while a sync runs completes after a fresh sync that follows it, so
 * what was queued before the call is covered; never two run at once.
 * trigger names the cause in the log. */
void             verval_sync_run_async           (VervalSync          *self,
                                                  const char          *trigger,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean         verval_sync_run_finish          (VervalSync          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Turns the triggers on: a sync now (app start), on network-up and
 * network-changed, periodically, and after failures with backoff. */
void             verval_sync_start               (VervalSync *self);
/* The "Sync now" action: also skips a pending backoff. */
void             verval_sync_sync_now            (VervalSync *self);
/* Call after a visit was finalized: a sync follows shortly. */
void             verval_sync_queue_changed       (VervalSync *self);
/* Stops triggers and cancels a running sync; what was acknowledged stays,
 * the rest goes next time. */
void             verval_sync_shutdown            (VervalSync *self);

/* Puts refused visits back in the queue (uuid NULL: all of them), e.g.
 * after an administrator fixed an assignment. */
void             verval_sync_release_quarantined_async  (VervalSync          *self,
                                                  const char          *uuid,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean         verval_sync_release_quarantined_finish (VervalSync          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* The newest limit rows of sync_log (GPtrArray of VervalSyncLogEntry). */
void             verval_sync_list_log_async      (VervalSync          *self,
                                                  guint                limit,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GPtrArray       *verval_sync_list_log_finish     (VervalSync          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Blocking helpers for command-line drivers and tests (not the UI thread). */
gboolean         verval_sync_enroll_sync         (VervalSync          *self,
                                                  const char          *url,
                                                  const char          *code,
                                                  const char          *device_name,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
gboolean         verval_sync_run_sync            (VervalSync          *self,
                                                  const char          *trigger,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
/* Bytes the engine sent over the network so far (all connections). */
guint64          verval_sync_get_bytes_sent      (VervalSync          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalSyncLogEntry, verval_sync_log_entry_free)

G_END_DECLS
