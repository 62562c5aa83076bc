/* verval-http.h: the field app's HTTP client (libcurl), one connection per sync
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VERVAL_HTTP_ERROR (verval_http_error_quark ())

/* Transport failures only: an HTTP status, even 500, is a response. */
typedef enum {
  VERVAL_HTTP_ERROR_INVALID_URL,
  VERVAL_HTTP_ERROR_INSECURE_URL,  /* plain http:// to a host that is not loopback */
  VERVAL_HTTP_ERROR_RESOLVE,       /* the name did not resolve: offline, most often */
  VERVAL_HTTP_ERROR_CONNECT,       /* nobody answered on the port */
  VERVAL_HTTP_ERROR_TIMEOUT,       /* connect or low-speed timeout */
  VERVAL_HTTP_ERROR_DROPPED,       /* the connection broke mid-way */
  VERVAL_HTTP_ERROR_TLS,           /* certificate not trusted, handshake failed */
  VERVAL_HTTP_ERROR_FILE,          /* a file to upload cannot be read */
  VERVAL_HTTP_ERROR_CANCELLED,
  VERVAL_HTTP_ERROR_FAILED,
} VervalHttpError;

typedef struct {
  guint    status;
  GBytes  *body;           /* decoded (the server may gzip it) */
  char    *content_type;   /* or NULL */
  guint64  bytes_sent;     /* request line, headers and body as sent */
  guint64  bytes_received;
  guint    retry_after;    /* seconds the server asked to wait (Retry-After), or 0 */
} VervalHttpResponse;

/* Bytes of the request body sent so far, of total; on the calling thread. */
typedef void (*VervalHttpProgressFunc) (guint64   sent,
                                        guint64   total,
                                        gpointer  user_data);

#define VERVAL_TYPE_HTTP (verval_http_get_type ())
G_DECLARE_FINAL_TYPE (VervalHttp, verval_http, VERVAL, HTTP, GObject)

GQuark              verval_http_error_quark      (void);

/* https:// anywhere; http:// only to 127.0.0.0/8, ::1 or localhost.
 * Normalises to end with one "/". */
char               *verval_http_check_url        (const char   *url,
                                                  GError      **error);

/* A client for one collector. Requests from several threads are
 * serialised on one curl handle, so one connection serves a whole sync. */
VervalHttp         *verval_http_new              (const char   *base_url,
                                                  GError      **error);
const char         *verval_http_get_base_url     (VervalHttp   *self);
/* Sent as "Authorization: Bearer …"; NULL for none. Never logged. */
void                verval_http_set_token        (VervalHttp   *self,
                                                  const char   *token);
/* PEM file of extra trusted CAs (self-hosted collectors); NULL: system. */
void                verval_http_set_ca_file      (VervalHttp   *self,
                                                  const char   *path);
/* connect: seconds to establish; a transfer slower than low_speed_bytes
 * per second for low_speed_seconds is given up. */
void                verval_http_set_timeouts     (VervalHttp   *self,
                                                  guint         connect_seconds,
                                                  guint         low_speed_bytes,
                                                  guint         low_speed_seconds);
/* Total bytes sent and received since the object was made. */
guint64             verval_http_get_bytes_sent   (VervalHttp   *self);
guint64             verval_http_get_bytes_received (VervalHttp *self);

/* Blocking: call it from a worker thread. path is relative to the base URL
 * ("api/v1/visits"). body (may be NULL) is gzip-compressed on the way when
 * gzip is TRUE. */
VervalHttpResponse *verval_http_request          (VervalHttp   *self,
                                                  const char   *method,
                                                  const char   *path,
                                                  const char   *content_type,
                                                  GBytes       *body,
                                                  gboolean      gzip,
                                                  GCancellable *cancellable,
                                                  GError      **error);
/* PUT of a file streamed from disk, never held in memory whole. */
VervalHttpResponse *verval_http_put_file         (VervalHttp   *self,
                                                  const char   *path,
                                                  const char   *file_path,
                                                  const char   *content_type,
                                                  VervalHttpProgressFunc progress,
                                                  gpointer      progress_data,
                                                  GCancellable *cancellable,
                                                  GError      **error);

/* The bytes of the file from offset on, with "Content-Range: bytes
 * offset-(size-1)/size", to continue an upload the collector holds part
 * of; offset -1 sends the whole file without a Content-Range. */
VervalHttpResponse *verval_http_put_file_range   (VervalHttp   *self,
                                                  const char   *path,
                                                  const char   *file_path,
                                                  const char   *content_type,
                                                  goffset       offset,
                                                  VervalHttpProgressFunc progress,
                                                  gpointer      progress_data,
                                                  GCancellable *cancellable,
                                                  GError      **error);

/* The same on the client's own worker thread, for callers on a main loop. */
void                verval_http_request_async    (VervalHttp   *self,
                                                  const char   *method,
                                                  const char   *path,
                                                  const char   *content_type,
                                                  GBytes       *body,
                                                  gboolean      gzip,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer      user_data);
VervalHttpResponse *verval_http_request_finish   (VervalHttp   *self,
                                                  GAsyncResult *result,
                                                  GError      **error);

/* Drops the connection (the next request opens a new one). */
void                verval_http_reset_connection (VervalHttp   *self);

void                verval_http_response_free    (VervalHttpResponse *response);
/* The body parsed as JSON (NULL with an error if it is not). */
JsonNode           *verval_http_response_get_json (VervalHttpResponse *response,
                                                  GError            **error);
/* error.code and error.message of a collector error body, or NULL. */
char               *verval_http_response_dup_error_code (VervalHttpResponse *response,
                                                  char              **message);

/* gzip (RFC 1952) of bytes, as sent for request bodies. */
GBytes             *verval_http_gzip             (GBytes       *plain,
                                                  GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalHttpResponse, verval_http_response_free)

G_END_DECLS
