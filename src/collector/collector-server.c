/* collector-server.c: the HTTP API (libsoup 3)
 *
 * The server runs on one main context and never waits on disk there beyond
 * appending received photo bytes to a temporary file. Everything else (JSON
 * decoding, validation, store calls, fsync) runs on a worker pool while the
 * message is paused; the answer is set back on the main context.
 *
 * Limits are enforced as early as libsoup allows: method, content type,
 * token and Content-Length are checked when the headers arrive, before a
 * byte of the body is read; bodies without a length are counted as they
 * arrive and dropped past the limit.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "collector-error.h"
#include "collector-server-private.h"
#include "collector-throttle.h"
#include "collector-token.h"
#include "verval-json.h"
#include "verval-sqlite.h"
#include "verval-wire-visit.h"
#include "collector-wire.h"

#define API_PREFIX   "/api/"
#define N_WORKERS    8
#define REQUEST_KEY  "collector-request"

/* The device API (collector-device-api.c, docs/protocol.md) and the
 * dashboard's (collector-dashboard-api.c, docs/dashboard-api.md). */
static const Route routes[] = {
  { "v1/info",               METHOD_GET,                  AUTH_NONE,    BODY_NONE,      FALSE, collector_api_info },
  { "v1/enroll",             METHOD_POST,                 AUTH_NONE,    BODY_JSON,      TRUE,  collector_api_enroll },
  { "v1/assignments",        METHOD_GET,                  AUTH_DEVICE,  BODY_NONE,      FALSE, collector_api_assignments },
  { "v1/reviews",            METHOD_GET,                  AUTH_DEVICE,  BODY_NONE,      FALSE, collector_api_reviews },
  { "v1/visits",             METHOD_POST,                 AUTH_DEVICE,  BODY_JSON_GZIP, FALSE, collector_api_visits },
  { "v1/status",             METHOD_POST,                 AUTH_DEVICE,  BODY_JSON,      FALSE, collector_api_status },
  { "v1/media/missing",      METHOD_POST,                 AUTH_DEVICE,  BODY_JSON,      FALSE, collector_api_media_missing },
  { "v1/media/",             METHOD_HEAD | METHOD_PUT,    AUTH_DEVICE,  BODY_MEDIA,     FALSE, collector_api_media },
  /* signing in needs no session: it makes one */
  { "dashboard/v1/session",  METHOD_POST,                 AUTH_NONE,    BODY_JSON,      TRUE,  collector_dashboard_sign_in },
  { "dashboard/v1/session",  METHOD_GET | METHOD_DELETE,  AUTH_SESSION, BODY_NONE,      FALSE, collector_dashboard_session },
};

G_DEFINE_FINAL_TYPE (CollectorServer, collector_server, G_TYPE_OBJECT)

void
collector_limits_init_default (CollectorLimits *limits)
{
  limits->max_body = COLLECTOR_DEFAULT_MAX_BODY;
  limits->max_decompressed = COLLECTOR_DEFAULT_MAX_DECOMPRESSED;
  limits->max_media = COLLECTOR_DEFAULT_MAX_MEDIA;
  limits->max_batch = COLLECTOR_DEFAULT_MAX_BATCH;
  limits->max_depth = COLLECTOR_DEFAULT_MAX_DEPTH;
  limits->max_json_values = COLLECTOR_DEFAULT_MAX_JSON_VALUES;
  limits->max_page = COLLECTOR_DEFAULT_MAX_PAGE;
  limits->enroll_failures = COLLECTOR_DEFAULT_ENROLL_FAILURES;
  limits->enroll_window = COLLECTOR_DEFAULT_ENROLL_WINDOW;
  limits->sign_in_failures = COLLECTOR_DEFAULT_SIGN_IN_FAILURES;
  limits->sign_in_window = COLLECTOR_DEFAULT_SIGN_IN_WINDOW;
  limits->upload_stale = COLLECTOR_DEFAULT_UPLOAD_STALE;
}

static void
collector_gstring_free (GString *string)
{
  g_string_free (string, TRUE);
}

static void request_forget_upload (Request *req);

static void
request_free (Request *req)
{
  request_forget_upload (req);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_free (req->content_encoding);
  g_free (req->peer);
  g_free (req->token_hash);
  g_free (req->csrf_token);
  g_clear_error (&req->auth_error);
  g_clear_pointer (&req->device, collector_device_free);
  g_clear_pointer (&req->session, collector_session_free);
  g_clear_pointer (&req->intake, g_byte_array_unref);
  g_clear_pointer (&req->upload, collector_media_upload_free);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_free (req->response);
  g_free (req->set_cookie);
  g_free (req);
}

/* ---------------------------------------------------------------- routing */

static Method method_bit (const char *method);

/* The route of @path for @method, or NULL. The first route whose path
 * matches names the endpoint; another row of the same path may serve
 * @method instead. An endpoint without a row for @method gives its first,
 * for the 405 (route_allowed_methods() lists them all). Under "v1/media/"
 * the rest must be a photo's name; anything else there sets
 * *bad_media_name. */
static const Route *
route_for_path (const char *path,
                const char *method,
                char        media_name[65],
                gboolean   *bad_media_name)
{
  const Route *first = NULL, *chosen = NULL;
  const char *rest;

  *bad_media_name = FALSE;
  if (!g_str_has_prefix (path, API_PREFIX))
    return NULL;
  rest = path + strlen (API_PREFIX);
  for (guint i = 0; i < G_N_ELEMENTS (routes) && chosen == NULL; i++)
    {
      const Route *route = &routes[i];

      if (first != NULL ? !g_str_equal (route->path, first->path)
          : g_str_has_suffix (route->path, "/") ? !g_str_has_prefix (rest, route->path)
          : !g_str_equal (rest, route->path))
        continue;
      if (first == NULL)
        first = route;
      if (route->methods & method_bit (method))
        chosen = route;
    }
  if (chosen == NULL)
    chosen = first;
  if (chosen != NULL && g_str_has_suffix (chosen->path, "/"))
    {
      const char *name = rest + strlen (chosen->path);

      if (!verval_wire_is_sha256_hex (name))
        *bad_media_name = TRUE;
      else
        memcpy (media_name, name, 65);
    }
  return chosen;
}

static Method
method_bit (const char *method)
{
  if (method == SOUP_METHOD_GET)
    return METHOD_GET;
  if (method == SOUP_METHOD_HEAD)
    return METHOD_HEAD;
  if (method == SOUP_METHOD_POST)
    return METHOD_POST;
  if (method == SOUP_METHOD_PUT)
    return METHOD_PUT;
  if (method == SOUP_METHOD_DELETE)
    return METHOD_DELETE;
  return 0;
}

/* The Allow header of a 405: the methods of every route of @route's path. */
static char *
route_allowed_methods (const Route *route)
{
  static const struct {
    Method      bit;
    const char *name;
  } names[] = {
    { METHOD_GET, "GET" }, { METHOD_HEAD, "HEAD" }, { METHOD_POST, "POST" }, { METHOD_PUT, "PUT" },
    { METHOD_DELETE, "DELETE" },
  };
  GString *allow = g_string_new (NULL);
  Method methods = 0;

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_equal (routes[i].path, route->path))
      methods |= routes[i].methods;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (methods & names[i].bit)
      g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "", names[i].name);
  return g_string_free (allow, FALSE);
}

/* ---------------------------------------------------------------- replies */

/* What a 503 (store unavailable, shutting down) asks a device to wait:
 * long enough for a database to come back or a collector to restart, short
 * enough that a field day loses little. */
#define RETRY_AFTER_UNAVAILABLE "15"

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            char              *body,
            gsize              length)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE && soup_message_headers_get_one (headers, "Retry-After") == NULL)
    soup_message_headers_replace (headers, "Retry-After", RETRY_AFTER_UNAVAILABLE);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, length);
}

/* A 401 asks a device for its bearer token; a browser signs in on the
 * dashboard's page instead, which a Bearer challenge would only confuse. */
static void
add_challenge (SoupServerMessage *msg,
               const Route       *route)
{
  if (route == NULL || route->auth == AUTH_DEVICE)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "WWW-Authenticate", "Bearer realm=\"verval\"");
}

static void
reply_error (SoupServerMessage *msg,
             CollectorError     code,
             const char        *message)
{
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
  gsize length;
  char *body = collector_json_error_body (collector_error_code_name (code), message, &length);
  guint status = collector_error_http_status (code);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    add_challenge (msg, req != NULL ? req->route : NULL);
  reply_json (msg, status, body, length);
}

/* A 409 of an upload tells where the collector stands, so the client can
 * continue from there: {"error": {…}, "offset": N}. */
static char *
offset_error_body (CollectorError  code,
                   const char     *message,
                   guint64         offset,
                   gsize          *length)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, collector_error_code_name (code));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "offset");
  json_builder_add_int_value (b, offset);
  json_builder_end_object (b);
  return collector_json_to_string (b, length);
}

void
collector_request_set_error (Request      *req,
                             const GError *error)
{
  CollectorError code = COLLECTOR_ERROR_INTERNAL;
  const char *message = "Internal error";

  if (error->domain == COLLECTOR_ERROR)
    {
      code = error->code;
      message = error->message;
    }
  /* the SQLite store's own failures: the database, not the request */
  else if (error->domain == VERVAL_SQLITE_ERROR)
    code = COLLECTOR_ERROR_STORE;
  else
    g_warning ("Internal error: %s", error->message);
  if (code == COLLECTOR_ERROR_STORE || code == COLLECTOR_ERROR_INTERNAL)
    {
      /* the details are for the log, not for the device */
      g_warning ("%s", error->message);
      message = code == COLLECTOR_ERROR_STORE ? "The store is unavailable; retry later"
                                              : "Internal error";
    }
  g_free (req->response);
  req->status = collector_error_http_status (code);
  req->response = collector_json_error_body (collector_error_code_name (code), message,
                                             &req->response_length);
}

void
collector_request_set_builder (Request     *req,
                               guint        status,
                               JsonBuilder *builder)
{
  req->status = status;
  req->response = collector_json_to_string (builder, &req->response_length);
}

JsonNode *
collector_request_parse_json (Request  *req,
                              GError  **error)
{
  CollectorLimits *limits = &req->server->limits;
  g_autoptr(GBytes) plain = NULL;

  if (req->content_encoding != NULL && g_ascii_strcasecmp (req->content_encoding, "gzip") == 0)
    {
      plain = collector_gunzip (req->body, limits->max_decompressed, error);
      if (plain == NULL)
        return NULL;
    }
  else
    plain = g_bytes_ref (req->body);
  return collector_json_parse_object (plain,
                                      &(VervalJsonLimits) { limits->max_depth, limits->max_json_values },
                                      error);
}

/* HttpOnly: no script reads it, not even one injected into the page;
 * SameSite=Strict: no other site's page sends it; Secure whenever the
 * browser reaches the collector over TLS, itself or through its proxy. */
void
collector_request_set_session_cookie (Request    *req,
                                      const char *token)
{
  g_free (req->set_cookie);
  req->set_cookie = g_strdup_printf ("%s=%s; %sHttpOnly; SameSite=Strict; Path=/%s", SESSION_COOKIE,
                                     token != NULL ? token : "", token != NULL ? "" : "Max-Age=0; ",
                                     req->server->secure ? "; Secure" : "");
}

/* ---------------------------------------------------------------- logging */

static void
log_request (SoupServerMessage *msg,
             Request        *req,
             gboolean           aborted)
{
  SoupMessageBody *response = soup_server_message_get_response_body (msg);
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;
  double ms = (g_get_monotonic_time () - req->start_time) / 1000.0;
  /* libsoup gives a request the client dropped a 500: it was no answer of
   * ours, and counting it as a server error would hide real ones */
  g_autofree char *status_text = aborted ? g_strdup ("aborted")
                                         : g_strdup_printf ("%u", soup_server_message_get_status (msg));
  g_autofree char *in_text = g_strdup_printf ("%" G_GUINT64_FORMAT, req->received);
  g_autofree char *out_text = g_strdup_printf ("%" G_GINT64_FORMAT, response->length);
  g_autofree char *ms_text = g_strdup_printf ("%.1f", ms);
  g_autofree char *device_text = req->device != NULL
    ? g_strdup_printf ("%" G_GINT64_FORMAT, req->device->id) : g_strdup ("-");
  /* a dashboard account by its number: its name is personal data */
  g_autofree char *user_text = req->session != NULL
    ? g_strdup_printf ("%" G_GINT64_FORMAT, req->session->user->id) : g_strdup ("-");

  /* the path holds no secret: tokens travel in a header or a cookie,
   * media names are content hashes and queries carry only cursors */
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "METHOD", method != NULL ? method : "-",
                    "PATH", path != NULL ? path : "-",
                    "STATUS", status_text,
                    "BYTES_IN", in_text,
                    "BYTES_OUT", out_text,
                    "DURATION_MS", ms_text,
                    "DEVICE", device_text,
                    "USER", user_text,
                    "MESSAGE", "%s %s %s in=%s out=%s %sms device=%s%s%s",
                    method != NULL ? method : "-", path != NULL ? path : "-", status_text,
                    in_text, out_text, ms_text, device_text,
                    req->session != NULL ? " user=" : "", req->session != NULL ? user_text : "");
}

/* ---------------------------------------------------------------- body intake */

/* ---------------------------------------------------------------- uploads in progress
 * server->uploads: media name → the Request receiving its body, on the
 * main context. A connection that goes silent without closing (a dead
 * mobile link: no FIN ever comes, and libsoup has no read timeout) would
 * hold its photo for ever; after limits.upload_stale seconds of silence the
 * next request for the photo takes the upload over. */

static void
request_forget_upload (Request *req)
{
  if (!req->holds_upload)
    return;
  req->holds_upload = FALSE;
  if (g_hash_table_lookup (req->server->uploads, req->media_name) == req)
    g_hash_table_remove (req->server->uploads, req->media_name);
}

static void
request_hold_upload (Request *req)
{
  g_hash_table_replace (req->server->uploads, req->media_name, req);
  req->holds_upload = TRUE;
}

/* TRUE if a silent upload of name was ended (its bytes kept), so that the
 * caller may begin one. */
static gboolean
take_over_silent_upload (CollectorServer *self,
                         const char      *name)
{
  Request *holder = g_hash_table_lookup (self->uploads, name);
  g_autoptr(GError) error = NULL;
  guint64 offset;
  gboolean busy;
  gint64 idle = 0;

  if (holder == NULL || holder->upload == NULL)
    return FALSE;
  collector_media_get_partial (self->media, name, &offset, &busy, &idle);
  if (idle < (gint64) self->limits.upload_stale)
    return FALSE;
  g_message ("The upload of %s was silent for %" G_GINT64_FORMAT " s; a new request takes over",
             name, idle);
  holder->taken_over = TRUE;
  request_forget_upload (holder);
  /* one fsync on the main context, for a rare event */
  if (!holder->write_failed && !collector_media_upload_keep (holder->upload, &error))
    g_warning ("Cannot keep a partial upload: %s", error->message);
  g_clear_pointer (&holder->upload, collector_media_upload_free);
  return TRUE;
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              Request        *req)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (chunk, &length);

  req->received += length;
  if (req->too_large)
    return;
  if (req->received > req->limit)
    {
      /* keep reading so the connection stays in step, but keep nothing */
      req->too_large = TRUE;
      request_forget_upload (req);
      g_clear_pointer (&req->upload, collector_media_upload_free);
      g_clear_pointer (&req->intake, g_byte_array_unref);
      return;
    }
  if (req->upload != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!req->write_failed &&
          !collector_media_upload_write (req->upload, data, length, &error))
        {
          g_warning ("%s", error->message);
          req->write_failed = TRUE;
        }
    }
  else if (req->intake != NULL)
    g_byte_array_append (req->intake, data, length);
}

static gboolean
content_type_is (SoupMessageHeaders *headers,
                 const char * const *accepted)
{
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_strv_contains (accepted, type);
}

/* The hash of the request's bearer token, or NULL after answering 401:
 * only the header is read here; the store is asked on a worker. */
static char *
bearer_token_hash (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *token;

  /* the scheme is case-insensitive (RFC 7235), the token is not */
  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", strlen ("Bearer ")) != 0)
    token = NULL;
  else
    for (token = authorization + strlen ("Bearer "); *token == ' '; token++)
      ;
  if (token == NULL || *token == '\0')
    {
      reply_error (msg, COLLECTOR_ERROR_AUTH_REQUIRED,
                   "This request needs an Authorization: Bearer header with the device token");
      return NULL;
    }
  return collector_secret_hash (token);
}

/* The hash of the session cookie's token, or NULL after answering 401:
 * only the header is read here; the store is asked on a worker. */
static char *
session_token_hash (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *cookie = soup_message_headers_get_one (headers, "Cookie");
  g_autoptr(GHashTable) cookies = cookie != NULL ? soup_header_parse_semi_param_list (cookie) : NULL;
  const char *token = cookies != NULL ? g_hash_table_lookup (cookies, SESSION_COOKIE) : NULL;

  if (token == NULL || *token == '\0')
    {
      reply_error (msg, COLLECTOR_ERROR_AUTH_REQUIRED, "Sign in first");
      return NULL;
    }
  return collector_secret_hash (token);
}

/* On a worker: the session behind req->token_hash, and for a change the
 * CSRF token it was given at sign-in, or the error to answer. */
static gboolean
authenticate_session (Request  *req,
                      GError  **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  req->session = collector_store_lookup_session (req->server->store, req->token_hash, now, error);
  if (req->session == NULL)
    return FALSE;
  if (req->csrf_token != NULL && !collector_secret_equal (req->csrf_token, req->session->csrf_token))
    {
      g_clear_pointer (&req->session, collector_session_free);
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CSRF_TOKEN,
                           "X-CSRF-Token is not this session's; nothing was changed");
      return FALSE;
    }
  return TRUE;
}

/* On a worker: the device or the session behind req->token_hash, or the
 * error to answer. */
static void
authenticate (Request *req)
{
  g_autoptr(GError) error = NULL;

  if (req->route->auth == AUTH_SESSION)
    {
      if (authenticate_session (req, &error))
        return;
    }
  else if ((req->device = collector_store_authenticate (req->server->store, req->token_hash, &error)) != NULL)
    return;
  if (error->domain == COLLECTOR_ERROR &&
      error->code != COLLECTOR_ERROR_STORE && error->code != COLLECTOR_ERROR_INTERNAL)
    {
      req->auth_error = g_steal_pointer (&error);
      return;
    }
  g_warning ("Cannot check a token: %s", error->message);
  req->auth_error = g_error_new_literal (COLLECTOR_ERROR, COLLECTOR_ERROR_STORE,
                                         "The store is unavailable; retry later");
}

static gboolean
request_has_body (SoupMessageHeaders *headers)
{
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_EOF:
      return TRUE;
    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_BYTERANGES:
    default:
      return FALSE;
    }
}

/* A refused request whose body is still on the wire. */
typedef struct
{
  GIOStream    *stream;
  GSocket      *socket;
  GCancellable *cancellable;
  guint         timeout_id;
  guint64       drained;
  guint8        buffer[16384];
} Refusal;

#define REFUSAL_DRAIN_MAX      (4 * 1024 * 1024)
#define REFUSAL_DRAIN_SECONDS  2

static void
refusal_closed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Refusal *refusal = user_data;

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  if (refusal->timeout_id != 0)
    g_source_remove (refusal->timeout_id);
  g_clear_object (&refusal->cancellable);
  g_clear_object (&refusal->stream);
  g_clear_object (&refusal->socket);
  g_free (refusal);
}

static void
refusal_close (Refusal *refusal)
{
  g_io_stream_close_async (refusal->stream, G_PRIORITY_DEFAULT, NULL, refusal_closed_cb, refusal);
}

static gboolean
refusal_timeout_cb (gpointer user_data)
{
  Refusal *refusal = user_data;

  refusal->timeout_id = 0;
  g_cancellable_cancel (refusal->cancellable);
  return G_SOURCE_REMOVE;
}

static void
refusal_drained_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || (refusal->drained += n) > REFUSAL_DRAIN_MAX)
    {
      refusal_close (refusal);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), refusal->buffer, sizeof refusal->buffer,
                             G_PRIORITY_DEFAULT, refusal->cancellable, refusal_drained_cb, refusal);
}

static void
refusal_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      refusal_close (refusal);
      return;
    }
  /* Closing with unread bytes in the socket makes the kernel send a reset,
   * which can destroy the answer before the client reads it. Half-close,
   * then swallow what the client still sends, for a short while. */
  if (refusal->socket != NULL && !G_IS_TLS_CONNECTION (refusal->stream))
    g_socket_shutdown (refusal->socket, FALSE, TRUE, NULL);
  refusal->timeout_id = g_timeout_add_seconds (REFUSAL_DRAIN_SECONDS, refusal_timeout_cb, refusal);
  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream),
                             refusal->buffer, sizeof refusal->buffer, G_PRIORITY_DEFAULT,
                             refusal->cancellable, refusal_drained_cb, refusal);
}

/* libsoup reads a request body before it answers unless the client asked
 * for "100 Continue". A refused body is never read: the connection is taken
 * over, the answer written by hand, and the connection closed. */
static void
refuse_without_reading (SoupServerMessage *msg,
                        Request        *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) flat = soup_message_body_flatten (body);
  guint status = soup_server_message_get_status (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  GString *raw = g_string_new (NULL);
  Refusal *refusal;
  gsize length;
  const char *data = g_bytes_get_data (flat, &length);

  g_string_append_printf (raw, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Content-Length") != 0 &&
          g_ascii_strcasecmp (name, "Connection") != 0)
        g_string_append_printf (raw, "%s: %s\r\n", name, value);
    }
  g_string_append_printf (raw, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n", length);
  g_string_append_len (raw, data, length);

  log_request (msg, req, FALSE);

  refusal = g_new0 (Refusal, 1);
  refusal->cancellable = g_cancellable_new ();
  refusal->socket = g_object_ref (soup_server_message_get_socket (msg));
  refusal->stream = soup_server_message_steal_connection (msg);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (refusal->stream),
                                   raw->str, raw->len, G_PRIORITY_DEFAULT, NULL,
                                   refusal_written_cb, refusal);
  /* the buffer must outlive the write */
  g_object_set_data_full (G_OBJECT (refusal->cancellable), "response",
                          raw, (GDestroyNotify) collector_gstring_free);
}

/* Where a request comes from, as the throttle counts it. Behind a TLS proxy
 * every request comes from the proxy, which names the client as the last
 * entry of X-Forwarded-For. */
static char *
peer_key (CollectorServer   *self,
          SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  const char *forwarded;

  if (self->behind_proxy &&
      (forwarded = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                                  "X-Forwarded-For")) != NULL)
    {
      const char *last = strrchr (forwarded, ',');
      g_autofree char *text = g_strstrip (g_strdup (last != NULL ? last + 1 : forwarded));
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

      if (address != NULL)
        return collector_throttle_key (address);
    }
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    return collector_throttle_key (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  return g_strdup ("unknown");
}

/* "bytes START-END/TOTAL" with START ≤ END < TOTAL. libsoup reads the
 * syntax (and accepts an unknown total, or an end past it); the bounds
 * are checked here. */
static gboolean
parse_content_range (SoupMessageHeaders *headers,
                     guint64            *start,
                     guint64            *end,
                     guint64            *total)
{
  goffset s, e, t;

  if (!soup_message_headers_get_content_range (headers, &s, &e, &t) ||
      s < 0 || e < s || t <= e)
    return FALSE;
  *start = s;
  *end = e;
  *total = t;
  return TRUE;
}

/* Checks a media PUT's Content-Range against its Content-Length and the
 * limit, before the body is read. */
static gboolean
accept_content_range (CollectorServer   *self,
                      SoupServerMessage *msg,
                      Request        *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *range = soup_message_headers_get_one (headers, "Content-Range");
  g_autofree char *message = NULL;
  goffset length;

  if (range == NULL)
    return TRUE;
  if (!parse_content_range (headers, &req->range_start, &req->range_end, &req->range_total))
    {
      reply_error (msg, COLLECTOR_ERROR_INVALID_RANGE,
                   "Content-Range must be \"bytes START-END/TOTAL\" with START ≤ END < TOTAL");
      return FALSE;
    }
  if (req->range_total > self->limits.max_media)
    {
      message = g_strdup_printf ("The photo is %" G_GUINT64_FORMAT " bytes; the limit is %" G_GUINT64_FORMAT,
                                 req->range_total, self->limits.max_media);
      reply_error (msg, COLLECTOR_ERROR_MEDIA_TOO_LARGE, message);
      return FALSE;
    }
  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    {
      reply_error (msg, COLLECTOR_ERROR_LENGTH_REQUIRED, "A Content-Range upload needs a Content-Length");
      return FALSE;
    }
  length = soup_message_headers_get_content_length (headers);
  if ((guint64) length != req->range_end - req->range_start + 1)
    {
      message = g_strdup_printf ("Content-Length is %" G_GINT64_FORMAT " but the range holds %" G_GUINT64_FORMAT " bytes",
                                 (gint64) length, req->range_end - req->range_start + 1);
      reply_error (msg, COLLECTOR_ERROR_INVALID_RANGE, message);
      return FALSE;
    }
  req->has_range = TRUE;
  return TRUE;
}

static void request_to_worker (Request           *req);
static gboolean accept_body    (CollectorServer   *self,
                               SoupServerMessage *msg,
                               Request           *req);

/* Runs when the headers are in, before any of the body is read. Setting a
 * status here makes libsoup answer without reading the body. */
static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  CollectorServer *self = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  static const char * const json_types[] = { "application/json", NULL };
  static const char * const media_types[] = {
    "image/jpeg", "image/png", "image/webp", "application/octet-stream", NULL
  };
  gboolean bad_media_name, has_body, is_media;
  const char *encoding;
  goffset length;

  g_assert (req != NULL);

  /* nothing the API answers is for a cache: not a page of households, not
   * who is signed in */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  req->route = route_for_path (path, method, req->media_name, &bad_media_name);
  if (req->route == NULL)
    {
      reply_error (msg, COLLECTOR_ERROR_NOT_FOUND, "No such endpoint");
      goto refuse;
    }
  if (self->shutting_down)
    {
      reply_error (msg, COLLECTOR_ERROR_SHUTTING_DOWN, "The collector is shutting down; retry later");
      goto refuse;
    }
  if ((req->route->methods & method_bit (method)) == 0)
    {
      g_autofree char *allow = route_allowed_methods (req->route);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
      reply_error (msg, COLLECTOR_ERROR_METHOD_NOT_ALLOWED,
                   "This method is not allowed on this endpoint");
      goto refuse;
    }
  if (bad_media_name)
    {
      reply_error (msg, COLLECTOR_ERROR_INVALID_MEDIA_NAME,
                   "A media name is the SHA-256 of its bytes: 64 lower-case hex digits");
      goto refuse;
    }
  /* the throttle itself is asked on a worker: it is in the store */
  if (req->route->throttled)
    req->peer = peer_key (self, msg);

  has_body = method == SOUP_METHOD_POST || method == SOUP_METHOD_PUT;
  is_media = req->route->body == BODY_MEDIA;
  if (!has_body && request_has_body (headers))
    {
      /* libsoup would otherwise read (and keep) whatever follows */
      reply_error (msg, COLLECTOR_ERROR_BODY_TOO_LARGE, "This request takes no body");
      goto refuse;
    }
  if (has_body)
    {
      if (!content_type_is (headers, is_media ? media_types : json_types))
        {
          reply_error (msg, COLLECTOR_ERROR_UNSUPPORTED_MEDIA_TYPE,
                       is_media ? "Media must be sent as image/jpeg, image/png, image/webp or application/octet-stream"
                                : "The body must be application/json");
          goto refuse;
        }
      encoding = soup_message_headers_get_one (headers, "Content-Encoding");
      if (encoding != NULL && g_ascii_strcasecmp (encoding, "identity") != 0 &&
          (req->route->body != BODY_JSON_GZIP || g_ascii_strcasecmp (encoding, "gzip") != 0))
        {
          reply_error (msg, COLLECTOR_ERROR_UNSUPPORTED_ENCODING,
                       "Only gzip is accepted, and only for visit batches");
          goto refuse;
        }
      req->limit = is_media ? self->limits.max_media : self->limits.max_body;
      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
        {
          length = soup_message_headers_get_content_length (headers);
          if ((guint64) length > req->limit)
            {
              g_autofree char *message =
                g_strdup_printf ("The body is %" G_GINT64_FORMAT " bytes; the limit is %" G_GUINT64_FORMAT,
                                 (gint64) length, req->limit);

              reply_error (msg, is_media ? COLLECTOR_ERROR_MEDIA_TOO_LARGE : COLLECTOR_ERROR_BODY_TOO_LARGE,
                           message);
              goto refuse;
            }
        }
      if (is_media && !accept_content_range (self, msg, req))
        goto refuse;
    }

  if (req->route->auth == AUTH_SESSION && (method_bit (method) & METHODS_CHANGING))
    {
      const char *csrf = soup_message_headers_get_one (headers, "X-CSRF-Token");

      /* a page of another site can send the cookie (were SameSite not
       * there) but cannot read the token to send beside it */
      if (csrf == NULL || csrf[0] == '\0')
        {
          reply_error (msg, COLLECTOR_ERROR_CSRF_TOKEN,
                       "This request changes something: it needs the session's X-CSRF-Token");
          goto refuse;
        }
      req->csrf_token = g_strdup (csrf);
    }
  if (req->route->auth != AUTH_NONE)
    {
      /* the store may be a network away: the token is looked up on a
       * worker while the message waits, its body unread */
      req->token_hash = req->route->auth == AUTH_DEVICE ? bearer_token_hash (msg) : session_token_hash (msg);
      if (req->token_hash == NULL)
        goto refuse;
      soup_server_message_pause (msg);
      req->authenticating = TRUE;
      request_to_worker (req);
      return;
    }
  accept_body (self, msg, req);
  return;

refuse:
  if (request_has_body (headers))
    refuse_without_reading (msg, req);
}

/* The request passed every check its headers allow: start taking its body
 * in, or refuse it. FALSE when the refusal took the connection over (the
 * body is left unread), so libsoup has nothing more to do with it. */
static gboolean
accept_body (CollectorServer   *self,
             SoupServerMessage *msg,
             Request           *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  gboolean has_body = method == SOUP_METHOD_POST || method == SOUP_METHOD_PUT;
  gboolean is_media = req->route->body == BODY_MEDIA;

  if (has_body)
    {
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      if (is_media && !collector_media_has (self->media, req->media_name, NULL))
        {
          g_autoptr(GError) error = NULL;
          guint64 held = 0;

          /* a whole body (no Content-Range) starts the photo afresh */
          req->upload = collector_media_upload_begin (self->media, req->media_name,
                                                      req->has_range ? (gint64) req->range_start : -1,
                                                      req->has_range ? req->range_total : 0,
                                                      &held, &error);
          if (req->upload == NULL && g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_UPLOAD_BUSY) &&
              take_over_silent_upload (self, req->media_name))
            {
              g_clear_error (&error);
              req->upload = collector_media_upload_begin (self->media, req->media_name,
                                                          req->has_range ? (gint64) req->range_start : -1,
                                                          req->has_range ? req->range_total : 0,
                                                          &held, &error);
            }
          if (req->upload == NULL &&
              (g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_OFFSET_MISMATCH) ||
               g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_UPLOAD_BUSY)))
            {
              gsize body_length;
              char *body = offset_error_body (error->code, error->message, held, &body_length);

              reply_json (msg, collector_error_http_status (error->code), body, body_length);
              goto refuse;
            }
          if (req->upload == NULL)
            {
              g_warning ("%s", error->message);
              reply_error (msg, COLLECTOR_ERROR_INTERNAL, "Cannot store media now; retry later");
              goto refuse;
            }
          request_hold_upload (req);
        }
      else if (!is_media)
        req->intake = g_byte_array_new ();
      g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), req);
    }
  return TRUE;

refuse:
  if (!request_has_body (headers))
    return TRUE;
  refuse_without_reading (msg, req);
  return FALSE;
}

/* Gives a request to a worker: it keeps its message (and so itself) and
 * the server alive until request_finish_cb() is done with it. */
static void
request_to_worker (Request *req)
{
  CollectorServer *self = req->server;

  req->in_worker = TRUE;
  req->msg_ref = g_object_ref (req->msg);
  g_object_ref (self);
  self->in_flight++;
  g_thread_pool_push (self->workers, req, NULL);
}

/* Back from a worker, on the main context: lets go of what
 * request_to_worker() held. */
static void
request_release (Request *req)
{
  CollectorServer *self = req->server;

  req->in_worker = FALSE;
  g_assert (self->in_flight > 0);
  self->in_flight--;
  if (self->shutting_down && self->in_flight == 0 && self->shutdown_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

      soup_server_disconnect (self->soup);
      g_task_return_boolean (task, TRUE);
    }
  /* last: this may be the message's last reference, and req goes with it */
  g_clear_object (&req->msg_ref);
  g_object_unref (self);
}

/* The token was looked up: take the body in, or answer and refuse it. */
static gboolean
request_authenticated_cb (gpointer data)
{
  Request *req = data;
  SoupServerMessage *msg = req->msg;

  req->authenticating = FALSE;
  if (!req->aborted)
    {
      if (req->auth_error != NULL)
        {
          /* a browser holding a cookie that no longer works forgets it */
          if (g_error_matches (req->auth_error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_SESSION) ||
              g_error_matches (req->auth_error, COLLECTOR_ERROR, COLLECTOR_ERROR_SESSION_EXPIRED))
            {
              collector_request_set_session_cookie (req, NULL);
              soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie",
                                           req->set_cookie);
            }
          reply_error (msg, req->auth_error->code, req->auth_error->message);
          if (request_has_body (soup_server_message_get_request_headers (msg)))
            refuse_without_reading (msg, req);
          else
            soup_server_message_unpause (msg);
        }
      else
        {
          if (accept_body (req->server, msg, req))
            soup_server_message_unpause (msg);
        }
    }
  request_release (req);
  return G_SOURCE_REMOVE;
}

static gboolean
request_finish_cb (gpointer data)
{
  Request *req = data;
  SoupServerMessage *msg = req->msg;

  /* the photo is free for the next upload as soon as this one is done */
  g_clear_pointer (&req->upload, collector_media_upload_free);
  if (!req->aborted)
    {
      if (req->set_cookie != NULL)
        soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie",
                                     req->set_cookie);
      if (req->response != NULL)
        {
          if (req->status == SOUP_STATUS_UNAUTHORIZED)
            add_challenge (msg, req->route);
          if (req->retry_after > 0)
            {
              g_autofree char *seconds = g_strdup_printf ("%u", req->retry_after);

              soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                            "Retry-After", seconds);
            }
          reply_json (msg, req->status, g_steal_pointer (&req->response), req->response_length);
        }
      else
        {
          soup_server_message_set_status (msg, req->status, NULL);
          if (req->route->body == BODY_MEDIA && req->status == SOUP_STATUS_NOT_FOUND)
            {
              g_autofree char *offset = g_strdup_printf ("%" G_GINT64_FORMAT, req->upload_offset);

              soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                            "Upload-Offset", offset);
            }
          if (req->head_length > 0)
            soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                                     req->head_length);
        }
      soup_server_message_unpause (msg);
    }
  request_release (req);
  return G_SOURCE_REMOVE;
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  Request *req = data;

  if (req->authenticating)
    {
      authenticate (req);
      g_main_context_invoke (req->server->context, request_authenticated_cb, req);
      return;
    }
  req->route->handle (req);
  g_main_context_invoke (req->server->context, request_finish_cb, req);
}

/* Runs when the whole body is in (or at once for a body-less request). */
static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  g_assert (req != NULL);

  if (req->too_large)
    {
      reply_error (msg, req->route->body == BODY_MEDIA ? COLLECTOR_ERROR_MEDIA_TOO_LARGE : COLLECTOR_ERROR_BODY_TOO_LARGE,
                   "The body is larger than the limit");
      return;
    }
  if (req->taken_over)
    {
      reply_error (msg, COLLECTOR_ERROR_UPLOAD_BUSY, "Another request took this upload over");
      return;
    }
  request_forget_upload (req);

  req->method = soup_server_message_get_method (msg);
  req->body = req->intake != NULL ? g_byte_array_free_to_bytes (g_steal_pointer (&req->intake))
                                  : g_bytes_new (NULL, 0);
  req->content_encoding = g_strdup (soup_message_headers_get_one (headers, "Content-Encoding"));
  /* libsoup frees the table once handlers have returned */
  req->query = query != NULL ? g_hash_table_ref (query) : NULL;
  soup_server_message_pause (msg);
  request_to_worker (req);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    CollectorServer   *self)
{
  Request *req = g_new0 (Request, 1);

  req->server = self;
  req->msg = msg;
  req->start_time = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), REQUEST_KEY, req, (GDestroyNotify) request_free);
}

static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 CollectorServer   *self)
{
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);

  if (req != NULL)
    log_request (msg, req, FALSE);
}

static void
request_aborted_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    CollectorServer   *self)
{
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);

  if (req == NULL)
    return;
  req->aborted = TRUE;
  log_request (msg, req, TRUE);
  if (req->in_worker)
    return;
  request_forget_upload (req);

  /* The body ended early: the client went away or the link broke. What
   * was written is kept (fsync'd on a worker) for the client to continue. */
  if (req->upload != NULL)
    {
      req->method = SOUP_METHOD_PUT;
      req->abandoned = TRUE;
      request_to_worker (req);
    }
}

/* ---------------------------------------------------------------- object */

static void
collector_server_dispose (GObject *object)
{
  CollectorServer *self = COLLECTOR_SERVER (object);

  if (self->workers != NULL)
    {
      /* a request in a worker holds a reference to the server, so none is pending here */
      g_thread_pool_free (g_steal_pointer (&self->workers), FALSE, TRUE);
    }
  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  if (self->uploads != NULL)
    {
      GHashTableIter iter;
      gpointer req;

      /* a message that outlives the server must not look for it */
      g_hash_table_iter_init (&iter, self->uploads);
      while (g_hash_table_iter_next (&iter, NULL, &req))
        ((Request *) req)->holds_upload = FALSE;
      g_clear_pointer (&self->uploads, g_hash_table_unref);
    }
  g_clear_object (&self->store);
  g_clear_object (&self->media);
  g_clear_object (&self->forms);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (collector_server_parent_class)->dispose (object);
}

static void
collector_server_class_init (CollectorServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = collector_server_dispose;
}

static void
collector_server_init (CollectorServer *self)
{
}

CollectorServer *
collector_server_new (CollectorStore        *store,
                      CollectorMedia        *media,
                      CollectorForms        *forms,
                      const CollectorLimits *limits)
{
  CollectorServer *self;

  g_return_val_if_fail (COLLECTOR_IS_STORE (store), NULL);
  g_return_val_if_fail (COLLECTOR_IS_MEDIA (media), NULL);
  g_return_val_if_fail (COLLECTOR_IS_FORMS (forms), NULL);

  self = g_object_new (COLLECTOR_TYPE_SERVER, NULL);
  self->store = g_object_ref (store);
  self->media = g_object_ref (media);
  self->forms = g_object_ref (forms);
  if (limits != NULL)
    self->limits = *limits;
  else
    collector_limits_init_default (&self->limits);
  if (self->limits.enroll_failures == 0 || self->limits.enroll_window == 0)
    {
      self->limits.enroll_failures = COLLECTOR_DEFAULT_ENROLL_FAILURES;
      self->limits.enroll_window = COLLECTOR_DEFAULT_ENROLL_WINDOW;
    }
  if (self->limits.sign_in_failures == 0 || self->limits.sign_in_window == 0)
    {
      self->limits.sign_in_failures = COLLECTOR_DEFAULT_SIGN_IN_FAILURES;
      self->limits.sign_in_window = COLLECTOR_DEFAULT_SIGN_IN_WINDOW;
    }
  if (self->limits.upload_stale == 0)
    self->limits.upload_stale = COLLECTOR_DEFAULT_UPLOAD_STALE;
  self->uploads = g_hash_table_new (g_str_hash, g_str_equal);
  self->context = g_main_context_ref_thread_default ();
  self->workers = g_thread_pool_new (worker_func, self, N_WORKERS, FALSE, NULL);
  /* raw-paths: libsoup would otherwise decode the path itself and refuse
   * some (a "%00", a "/../") with an empty 400 before any handler runs; the
   * API's paths are plain ASCII, so anything encoded is simply unknown and
   * refused by the routes with a JSON error like every other refusal. */
  self->soup = soup_server_new ("server-header", "verval-collector/" PACKAGE_VERSION " ",
                                "raw-paths", TRUE,
                                NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_done_cb), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (request_aborted_cb), self);
  return self;
}

void
collector_server_set_tls_certificate (CollectorServer *self,
                                      GTlsCertificate *certificate)
{
  g_return_if_fail (COLLECTOR_IS_SERVER (self));

  g_object_set (self->soup, "tls-certificate", certificate, NULL);
}

gboolean
collector_server_listen (CollectorServer *self,
                         const char      *address,
                         gboolean         behind_proxy,
                         GError         **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  GTlsCertificate *certificate = NULL;
  const char *host;
  guint16 port;
  gboolean tls;

  g_return_val_if_fail (COLLECTOR_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  connectable = g_network_address_parse (address, 0, error);
  if (connectable == NULL)
    return FALSE;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));
  if (g_str_equal (host, "localhost"))
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "Listen on an IP address (e.g. 0.0.0.0:8443 or [::1]:8080), not “%s”", host);
      return FALSE;
    }

  g_object_get (self->soup, "tls-certificate", &certificate, NULL);
  tls = certificate != NULL;
  g_clear_object (&certificate);
  if (!tls && !behind_proxy && !g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "Refusing plain HTTP on %s: give a TLS certificate and key, listen on "
                   "loopback, or pass --behind-proxy behind a TLS-terminating proxy", address);
      return FALSE;
    }

  /* a proxy on this machine talks to a loopback address too */
  self->behind_proxy = !tls && behind_proxy;
  self->secure = tls || behind_proxy;
  socket_address = g_inet_socket_address_new (inet, port);
  return soup_server_listen (self->soup, socket_address, tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error);
}

char *
collector_server_get_uri (CollectorServer *self)
{
  GSList *listeners;
  GTlsCertificate *certificate = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *host = NULL;
  g_autofree char *text = NULL;
  GInetAddress *inet;
  gboolean tls;

  g_return_val_if_fail (COLLECTOR_IS_SERVER (self), NULL);

  /* built here rather than with soup_server_get_uris(), which leaks the
   * listener's address in libsoup 3.2 */
  listeners = soup_server_get_listeners (self->soup);
  if (listeners == NULL)
    return NULL;
  address = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  g_object_get (self->soup, "tls-certificate", &certificate, NULL);
  tls = certificate != NULL;
  g_clear_object (&certificate);
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  text = g_inet_address_to_string (inet);
  host = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
    ? g_strdup_printf ("[%s]", text) : g_strdup (text);
  return g_strdup_printf ("%s://%s:%u/", tls ? "https" : "http", host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

void
collector_server_shutdown_async (CollectorServer     *self,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (COLLECTOR_IS_SERVER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, collector_server_shutdown_async);
  self->shutting_down = TRUE;
  if (self->in_flight == 0)
    {
      soup_server_disconnect (self->soup);
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_return_if_fail (self->shutdown_task == NULL);
  self->shutdown_task = g_steal_pointer (&task);
}

gboolean
collector_server_shutdown_finish (CollectorServer *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
