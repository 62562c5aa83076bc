/* collector-server.h: the HTTP API (libsoup 3)
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "collector-forms.h"
#include "collector-media.h"
#include "collector-store.h"

G_BEGIN_DECLS

typedef struct {
  guint64 max_body;          /* a JSON request body as sent (maybe gzip) */
  guint64 max_decompressed;  /* the same after gzip */
  guint64 max_media;         /* one photo */
  guint   max_batch;         /* visits per batch */
  guint   max_depth;         /* JSON nesting */
  guint   max_json_values;   /* values and member names in one JSON body */
  guint   max_page;          /* households or reviews per pull */
  guint   enroll_failures;   /* wrong enrollment codes per address ... */
  guint   enroll_window;     /* ... within this many seconds */
  guint   sign_in_failures;  /* failed sign-ins per address, and per name tried ... */
  guint   sign_in_window;    /* ... within this many seconds */
  guint   upload_stale;      /* seconds a photo upload may stay silent before another takes over */
} CollectorLimits;

#define COLLECTOR_DEFAULT_MAX_BODY          (8 * 1024 * 1024)
#define COLLECTOR_DEFAULT_MAX_DECOMPRESSED  (32 * 1024 * 1024)
#define COLLECTOR_DEFAULT_MAX_MEDIA         (20 * 1024 * 1024)
#define COLLECTOR_DEFAULT_MAX_BATCH         500
#define COLLECTOR_DEFAULT_MAX_DEPTH         32
/* The largest batch a device may send (500 of the fullest visits, with 32
 * photos each) holds ~222,000 (test-collector-hostile measures it); at
 * ~80 bytes a value in json-glib, one body never costs more than ~40 MB. */
#define COLLECTOR_DEFAULT_MAX_JSON_VALUES   524288
#define COLLECTOR_DEFAULT_MAX_PAGE          1000
#define COLLECTOR_DEFAULT_PAGE              200
#define COLLECTOR_DEFAULT_ENROLL_FAILURES   10
#define COLLECTOR_DEFAULT_ENROLL_WINDOW     (15 * 60)
#define COLLECTOR_DEFAULT_SIGN_IN_FAILURES  10
#define COLLECTOR_DEFAULT_SIGN_IN_WINDOW    (15 * 60)
#define COLLECTOR_DEFAULT_UPLOAD_STALE      60

void collector_limits_init_default (CollectorLimits *limits);

#define COLLECTOR_TYPE_SERVER (collector_server_get_type ())
G_DECLARE_FINAL_TYPE (CollectorServer, collector_server, COLLECTOR, SERVER, GObject)

/* Uses the thread-default main context of the caller. */
CollectorServer *collector_server_new            (CollectorStore        *store,
                                                  CollectorMedia        *media,
                                                  CollectorForms        *forms,
                                                  const CollectorLimits *limits);
/* With a certificate the server speaks HTTPS only. */
void             collector_server_set_tls_certificate (CollectorServer *self,
                                                  GTlsCertificate       *certificate);
/* address: "127.0.0.1:8080", "[::1]:0", "0.0.0.0:443". Plain HTTP is refused
 * on a non-loopback address unless behind_proxy: a TLS-terminating proxy
 * (nginx) is in front, on this machine or another, and its X-Forwarded-For
 * names each client. */
gboolean         collector_server_listen         (CollectorServer       *self,
                                                  const char            *address,
                                                  gboolean               behind_proxy,
                                                  GError               **error);
/* "http://127.0.0.1:40123/" */
char            *collector_server_get_uri        (CollectorServer       *self);
/* Refuses new requests (503), lets the ones in flight finish, then stops
 * listening and calls back. */
void             collector_server_shutdown_async (CollectorServer       *self,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
gboolean         collector_server_shutdown_finish (CollectorServer      *self,
                                                  GAsyncResult          *result,
                                                  GError               **error);

G_END_DECLS
