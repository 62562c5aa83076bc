/* test-sync-util.h: the real collector binary and a client store for sync
 * tests and benchmarks
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"
#include "verval-store.h"
#include "verval-sync.h"
#include "verval-visit.h"

G_BEGIN_DECLS

#define SYNC_TEST_VILLAGE "5108062001"

/* verval-collector serve, spawned; set up through its own store first. */
typedef struct {
  char        *exe;
  char        *dir;
  char        *data_dir;
  char        *database;   /* with VERVAL_TEST_STORE=postgresql: its URL */
  GSubprocess *process;
  guint16      port;
  char        *url;
  gint64       enumerator_id;
} SyncCollector;

/* n households "HH-<i>" in SYNC_TEST_VILLAGE, one enumerator, all assigned. */
SyncCollector *sync_collector_new          (const char    *exe,
                                            guint          n_households);
char          *sync_collector_issue_code   (SyncCollector *sc);
/* The collector's own store, opened beside it (SQLite or PostgreSQL). */
CollectorStore *sync_collector_open_store  (SyncCollector *sc);
/* On port (0: any free one the first time, the same one after). */
void           sync_collector_start        (SyncCollector *sc);
void           sync_collector_stop         (SyncCollector *sc);
gint64         sync_collector_query_int    (SyncCollector *sc,
                                            const char    *sql);
void           sync_collector_add_review   (SyncCollector *sc,
                                            const char    *uuid,
                                            const char    *decision,
                                            const char    *comment);
void           sync_collector_free         (SyncCollector *sc);

typedef struct {
  char        *dir;
  VervalStore *store;
  VervalSync  *sync;
  guint        n_runs_done;   /* runs the engine finished on its own */
} SyncClient;

/* Store in dir (a new temp dir if NULL) with a token file, short backoff. */
SyncClient    *sync_client_new             (const char    *dir);
/* The same with a network monitor of the test's own. */
SyncClient    *sync_client_new_full        (const char      *dir,
                                            GNetworkMonitor *monitor);
void           sync_client_free            (SyncClient    *client,
                                            gboolean       remove_dir);
/* n final visits to households HH-<first>… (pulled before), each with
 * n_photos random "photos" of photo_size bytes, written like the app
 * does (files first, then one transaction). Returns the UUIDs. */
GPtrArray     *sync_client_add_visits      (SyncClient    *client,
                                            guint          first,
                                            guint          n,
                                            guint          n_photos,
                                            gsize          photo_size);
gint64         sync_client_query_int       (SyncClient    *client,
                                            const char    *sql);
/* Runs the main context until the engine finished one more run than
 * n_runs_done was at the call, or the deadline passed. */
gboolean       sync_client_wait_run        (SyncClient    *client,
                                            guint          timeout_ms);

void           sync_test_rm_rf             (const char    *path);

/* Sets one answer of a visit, taking node. */
void           sync_test_answer            (VervalVisit   *visit,
                                            const char    *field,
                                            JsonNode      *node);

/* An async call's result: give sync_test_keep_result and &slot as its
 * callback and data, then take it with sync_test_wait_result (&slot). */
void           sync_test_keep_result       (GObject       *source,
                                            GAsyncResult  *result,
                                            gpointer       slot);
GAsyncResult  *sync_test_wait_result       (GAsyncResult **slot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncCollector, sync_collector_free)

G_END_DECLS
