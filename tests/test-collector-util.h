/* test-collector-util.h: a collector on a loopback port for tests and benchmarks
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "collector-server.h"
#include "collector-sqlite-store.h"

G_BEGIN_DECLS

/* A server running on its own thread and main context, on 127.0.0.1:0. */
typedef struct {
  char            *dir;
  char            *data_dir;
  char            *database;   /* the PostgreSQL store's, or NULL for SQLite */
  CollectorStore  *store;
  CollectorMedia  *media;
  CollectorForms  *forms;
  CollectorLimits  limits;
  CollectorServer *server;
  char            *uri;        /* "http://127.0.0.1:PORT/" */
  guint16          port;
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GMutex           lock;
  GCond            cond;
  gboolean         ready;
  gboolean         beside;     /* shares another's store and media */
  gboolean         behind_proxy; /* as if a TLS proxy were in front (X-Forwarded-For) */
} TestCollector;

typedef struct {
  guint     status;
  GBytes   *body;
  JsonNode *json;      /* parsed body if it was JSON */
  SoupMessageHeaders *headers;
} TestResponse;

/* Whether the collectors of this test program keep their records in
 * PostgreSQL (VERVAL_TEST_STORE=postgresql: the same tests run again on
 * that store) rather than SQLite in their data directory. */
gboolean       test_store_is_postgresql  (void);

/* limits: NULL for the defaults */
TestCollector *test_collector_start      (const CollectorLimits *limits);
/* behind_proxy: as collector_server_listen() takes it: cookies are
 * Secure, and X-Forwarded-For names each client */
TestCollector *test_collector_start_full (const CollectorLimits *limits,
                                          gboolean               behind_proxy);
/* A second server on @first's store and media folder, as a second collector
 * process on one database and one shared folder is; stop it first. */
TestCollector *test_collector_start_beside (TestCollector *first);
void           test_collector_stop       (TestCollector *tc);

/* n households "HH-<village>-<i>" in village code @village */
void           test_collector_add_households (TestCollector *tc,
                                              const char    *village,
                                              guint          n);
gint64         test_collector_add_enumerator (TestCollector *tc,
                                              const char    *name);
/* Issues a code with the store and enrols through the API; returns the token. */
char          *test_collector_enroll     (TestCollector *tc,
                                          SoupSession   *session,
                                          gint64         enumerator_id,
                                          const char    *device_name);

TestResponse  *test_request              (SoupSession   *session,
                                          const char    *base_uri,
                                          const char    *method,
                                          const char    *path,
                                          const char    *token,
                                          const char    *content_type,
                                          const char    *content_encoding,
                                          GBytes        *body);
/* headers: name, value, …, NULL; or NULL */
TestResponse  *test_request_with_headers (SoupSession   *session,
                                          const char    *base_uri,
                                          const char    *method,
                                          const char    *path,
                                          const char    *token,
                                          const char * const *headers,
                                          const char    *content_type,
                                          const char    *content_encoding,
                                          GBytes        *body);
void           test_response_free        (TestResponse  *response);
/* error.code of an error body, or NULL */
const char    *test_response_error_code  (TestResponse  *response);

/* Writes raw bytes on a fresh connection and reads the reply until the
 * server closes or timeout_ms pass; returns what was read. */
char          *test_raw_request          (guint16        port,
                                          const char    *request,
                                          gsize          length,
                                          guint          timeout_ms,
                                          gboolean       keep_open_after_write);

/* A realistic visit of the built-in form; media: NULL-terminated sha256s. */
JsonNode      *test_visit_new            (const char    *uuid,
                                          gint64         revision,
                                          const char    *household_id,
                                          const char * const *media);
GBytes        *test_batch_bytes          (GPtrArray     *visits /* JsonNode* */);
GBytes        *test_gzip                 (GBytes        *plain);
char          *test_sha256_hex           (GBytes        *bytes);
/* size bytes that start like a JPEG and differ with seed */
GBytes        *test_photo_bytes          (gsize          size,
                                          guint8         seed);
/* results[index] of a batch response */
JsonObject    *test_batch_result         (TestResponse  *response,
                                          guint          index);

/* Spawns "verval-collector serve" on 127.0.0.1:0 and reads the address it
 * prints; extra: NULL-terminated extra arguments, or NULL. With log, the
 * access log goes to the process's stderr pipe; without, it is off. */
GSubprocess   *test_spawn_server         (const char    *binary,
                                          const char    *data_dir,
                                          const char * const *extra,
                                          gboolean       log,
                                          char         **uri);
void           test_rm_rf                (const char    *path);
/* The built verval-collector a test program was given as its first
 * argument (after g_test_init()); exits with a usage line without one. */
const char    *test_collector_binary     (int            argc,
                                          char         **argv);
/* The enrollment code ("ABC34-DEF56") in what the CLI printed. */
char          *test_parse_enrollment_code (const char   *output);
/* Runs the binary to completion; returns its exit status. */
int            test_run_cli              (const char    *binary,
                                          char         **out,
                                          char         **err,
                                          ...) G_GNUC_NULL_TERMINATED;
/* The same with @input on its standard input (a pipe, not a terminal). */
int            test_run_cli_argv         (const char    *binary,
                                          const char    *input,
                                          const char * const *args,
                                          char         **out,
                                          char         **err);
int            test_run_cli_input        (const char    *binary,
                                          const char    *input,
                                          char         **out,
                                          char         **err,
                                          ...) G_GNUC_NULL_TERMINATED;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestResponse, test_response_free)

G_END_DECLS
