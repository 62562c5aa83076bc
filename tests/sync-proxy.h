/* sync-proxy.h: a TCP proxy between the sync engine and the collector, for
 * tests that need a bad link: a dropped answer, a 500, a hang, a slow line
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SyncProxy SyncProxy;

/* Listens on 127.0.0.1 (any free port) and forwards to 127.0.0.1:target. */
SyncProxy *sync_proxy_new                  (guint16     target_port);
void       sync_proxy_free                 (SyncProxy  *proxy);
guint16    sync_proxy_get_port             (SyncProxy  *proxy);
/* "http://127.0.0.1:PORT/" */
char      *sync_proxy_get_url              (SyncProxy  *proxy);
void       sync_proxy_set_target_port      (SyncProxy  *proxy,
                                            guint16     port);
/* The next n answers to "POST /api/v1/visits" are cut off: the collector
 * has committed, the client reads a dropped connection. */
void       sync_proxy_drop_visit_responses (SyncProxy  *proxy,
                                            guint       n);
/* The next n "POST /api/v1/visits" get "200 OK" with a body that is not
 * JSON, without reaching the collector. */
void       sync_proxy_garble_visit_responses (SyncProxy *proxy,
                                            guint       n);
/* The next n requests get "500 Internal Server Error" from the proxy. */
void       sync_proxy_fail_requests        (SyncProxy  *proxy,
                                            guint       n);
/* While set, requests are swallowed and never answered. */
void       sync_proxy_set_hang             (SyncProxy  *proxy,
                                            gboolean    hang);
/* Bytes per second each way, shared by all connections; 0 = no limit. */
void       sync_proxy_set_rate             (SyncProxy  *proxy,
                                            guint       bytes_per_second);
/* The next photo upload (PUT /api/v1/media/…) is cut off after this many
 * bytes of the request have gone through: the link breaks mid-body, and
 * new connections are refused for SYNC_PROXY_DOWN_MS after it. */
#define SYNC_PROXY_DOWN_MS 500
void       sync_proxy_cut_media_upload     (SyncProxy  *proxy,
                                            guint64     after_bytes);
/* Bytes of photo upload requests (headers and bodies) sent up so far. */
guint64    sync_proxy_get_media_bytes_up   (SyncProxy  *proxy);
guint      sync_proxy_get_n_cut            (SyncProxy  *proxy);
guint      sync_proxy_get_n_dropped        (SyncProxy  *proxy);
guint      sync_proxy_get_n_failed         (SyncProxy  *proxy);
guint      sync_proxy_get_n_connections    (SyncProxy  *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncProxy, sync_proxy_free)

G_END_DECLS
