/* verval-http.c: the field app's HTTP client (libcurl)
 *
 * One curl easy handle per client, guarded by a mutex: curl keeps the
 * connection (and the TLS session) in the handle between requests, so a
 * sync of hundreds of requests costs one handshake. curl_easy_reset()
 * between requests clears options but keeps live connections.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-http"

#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "verval-http.h"
#include "verval-json-parse.h"

#define DEFAULT_CONNECT_SECONDS    20
#define DEFAULT_LOW_SPEED_BYTES    64
#define DEFAULT_LOW_SPEED_SECONDS  60

struct _VervalHttp
{
  GObject      parent_instance;

  char        *base_url;
  char        *token;
  char        *ca_file;
  guint        connect_seconds;
  guint        low_speed_bytes;
  guint        low_speed_seconds;

  GMutex       lock;          /* guards curl and the counters */
  CURL        *curl;
  guint64      bytes_sent;
  guint64      bytes_received;
  GThreadPool *worker;        /* one thread: async requests run in order */
};

G_DEFINE_FINAL_TYPE (VervalHttp, verval_http, G_TYPE_OBJECT)

G_DEFINE_QUARK (verval-http-error-quark, verval_http_error)

/* Per request, on the calling thread's stack. */
typedef struct
{
  GCancellable           *cancellable;
  GByteArray             *received;
  char                   *content_type;
  FILE                   *upload_file;
  goffset                 upload_file_start;   /* of the bytes sent */
  char                   *extra_header;        /* e.g. a Content-Range, or NULL */
  const guint8           *upload_data;
  gsize                   upload_length;
  gsize                   upload_offset;
  VervalHttpProgressFunc  progress;
  gpointer                progress_data;
} Transfer;

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  /* GUri keeps the brackets off IPv6 literals, but be lenient */
  if (host[0] == '[')
    bare = g_strndup (host + 1, strlen (host) - 2);
  else
    bare = g_strdup (host);
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

char *
verval_http_check_url (const char  *url,
                       GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme, *host;
  g_autofree char *text = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_INVALID_URL,
                   "“%s” is not a server address", url);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_INVALID_URL,
                   "A server address starts with https://, not %s://", scheme);
      return NULL;
    }
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !host_is_loopback (host))
    {
      g_set_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_INSECURE_URL,
                   "Plain http:// is only allowed to this computer; use https:// for %s", host);
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_INVALID_URL,
                           "A server address has no user name, query or fragment");
      return NULL;
    }
  text = g_uri_to_string (uri);
  if (!g_str_has_suffix (text, "/"))
    return g_strconcat (text, "/", NULL);
  return g_steal_pointer (&text);
}

/* ---------------------------------------------------------------- gzip */

GBytes *
verval_http_gzip (GBytes  *plain,
                  GError **error)
{
  /* the gzip wrapper, as Content-Encoding: gzip means; level 6 is zlib's
   * usual trade of time for size */
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_bytes (plain);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) local_error = NULL;

  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &local_error) < 0)
    {
      g_set_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_FAILED, "gzip failed: %s",
                   local_error->message);
      return NULL;
    }
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* ---------------------------------------------------------------- curl callbacks */

static size_t
write_cb (char   *data,
          size_t  size,
          size_t  n,
          void   *user_data)
{
  Transfer *t = user_data;

  g_byte_array_append (t->received, (const guint8 *) data, size * n);
  return size * n;
}

static size_t
header_cb (char   *data,
           size_t  size,
           size_t  n,
           void   *user_data)
{
  Transfer *t = user_data;
  gsize length = size * n;

  if (length > 13 && g_ascii_strncasecmp (data, "Content-Type:", 13) == 0)
    {
      g_free (t->content_type);
      t->content_type = g_strstrip (g_strndup (data + 13, length - 13));
    }
  return length;
}

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  n,
         void   *user_data)
{
  Transfer *t = user_data;
  size_t wanted = size * n;

  if (t->upload_file != NULL)
    {
      size_t got = fread (buffer, 1, wanted, t->upload_file);

      if (got == 0 && ferror (t->upload_file))
        return CURL_READFUNC_ABORT;
      return got;
    }
  wanted = MIN (wanted, t->upload_length - t->upload_offset);
  memcpy (buffer, t->upload_data + t->upload_offset, wanted);
  t->upload_offset += wanted;
  return wanted;
}

/* A rewind happens when curl retries a request on a connection the server
 * closed meanwhile. */
static int
seek_cb (void       *user_data,
         curl_off_t  offset,
         int         origin)
{
  Transfer *t = user_data;

  if (origin != SEEK_SET)
    return CURL_SEEKFUNC_CANTSEEK;
  if (t->upload_file != NULL)
    return fseeko (t->upload_file, t->upload_file_start + offset, SEEK_SET) == 0 ? CURL_SEEKFUNC_OK
                                                                                 : CURL_SEEKFUNC_FAIL;
  if ((gsize) offset > t->upload_length)
    return CURL_SEEKFUNC_FAIL;
  t->upload_offset = offset;
  return CURL_SEEKFUNC_OK;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Transfer *t = user_data;

  if (g_cancellable_is_cancelled (t->cancellable))
    return 1;
  if (t->progress != NULL && ultotal > 0)
    t->progress (ulnow, ultotal, t->progress_data);
  return 0;
}

static void
set_curl_error (GError   **error,
                CURLcode   code,
                const char *detail,
                const char *url)
{
  VervalHttpError kind;

  switch (code)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      kind = VERVAL_HTTP_ERROR_RESOLVE;
      break;
    case CURLE_COULDNT_CONNECT:
      kind = VERVAL_HTTP_ERROR_CONNECT;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      kind = VERVAL_HTTP_ERROR_TIMEOUT;
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      kind = VERVAL_HTTP_ERROR_CANCELLED;
      break;
    case CURLE_READ_ERROR:
      kind = VERVAL_HTTP_ERROR_FILE;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      kind = VERVAL_HTTP_ERROR_TLS;
      break;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      kind = VERVAL_HTTP_ERROR_DROPPED;
      break;
    default:
      kind = VERVAL_HTTP_ERROR_FAILED;
      break;
    }
  if (kind == VERVAL_HTTP_ERROR_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  else
    g_set_error (error, VERVAL_HTTP_ERROR, kind, "%s: %s", url,
                 detail != NULL && detail[0] != '\0' ? detail : curl_easy_strerror (code));
}

/* ---------------------------------------------------------------- requests */

static VervalHttpResponse *
perform (VervalHttp   *self,
         const char   *method,
         const char   *path,
         const char   *content_type,
         gboolean      gzip,
         Transfer     *t,
         curl_off_t    body_length,
         GError      **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autofree char *auth = NULL;
  g_autofree char *type = NULL;
  struct curl_slist *headers = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  VervalHttpResponse *response = NULL;
  curl_off_t sent = 0, received = 0, retry_after = 0;
  long status = 0, header_size = 0, request_size = 0;
  CURLcode rc;
  CURL *curl;

  if (g_cancellable_set_error_if_cancelled (t->cancellable, error))
    return NULL;

  g_mutex_lock (&self->lock);
  if (self->curl == NULL)
    self->curl = curl_easy_init ();
  curl = self->curl;
  curl_easy_reset (curl);

  curl_easy_setopt (curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* a redirect could lead to plain http or another host with the token */
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "verval/" PACKAGE_VERSION);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) self->connect_seconds);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, (long) self->low_speed_bytes);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, (long) self->low_speed_seconds);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (self->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, self->ca_file);
  curl_easy_setopt (curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, t);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, t);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, t);

  /* no "Expect: 100-continue": it costs a round trip (300 ms on a bad
   * link) and the collector refuses oversized bodies from the headers */
  headers = curl_slist_append (headers, "Expect:");
  headers = curl_slist_append (headers, "Accept: application/json");
  if (self->token != NULL)
    {
      auth = g_strconcat ("Authorization: Bearer ", self->token, NULL);
      headers = curl_slist_append (headers, auth);
    }
  if (content_type != NULL)
    {
      type = g_strconcat ("Content-Type: ", content_type, NULL);
      headers = curl_slist_append (headers, type);
    }
  if (gzip)
    headers = curl_slist_append (headers, "Content-Encoding: gzip");
  if (t->extra_header != NULL)
    headers = curl_slist_append (headers, t->extra_header);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);

  if (g_str_equal (method, "HEAD"))
    curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
  else if (g_str_equal (method, "PUT") || g_str_equal (method, "POST"))
    {
      if (g_str_equal (method, "PUT"))
        {
          curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
          curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, body_length);
        }
      else
        {
          curl_easy_setopt (curl, CURLOPT_POST, 1L);
          curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, body_length);
        }
      curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
      curl_easy_setopt (curl, CURLOPT_READDATA, t);
      curl_easy_setopt (curl, CURLOPT_SEEKFUNCTION, seek_cb);
      curl_easy_setopt (curl, CURLOPT_SEEKDATA, t);
    }
  else if (!g_str_equal (method, "GET"))
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);

  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (curl, CURLINFO_SIZE_UPLOAD_T, &sent);
  curl_easy_getinfo (curl, CURLINFO_SIZE_DOWNLOAD_T, &received);
  curl_easy_getinfo (curl, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo (curl, CURLINFO_REQUEST_SIZE, &request_size);
  /* both forms, seconds and an HTTP date, read by curl */
  if (curl_easy_getinfo (curl, CURLINFO_RETRY_AFTER, &retry_after) != CURLE_OK || retry_after < 0)
    retry_after = 0;
  self->bytes_sent += sent + request_size;
  self->bytes_received += received + header_size;
  curl_slist_free_all (headers);
  if (rc != CURLE_OK)
    {
      /* a half-done exchange leaves the connection in an unknown state */
      curl_easy_cleanup (g_steal_pointer (&self->curl));
      g_mutex_unlock (&self->lock);
      set_curl_error (error, rc, errbuf, url);
      g_debug ("%s %s failed: %s", method, path, error != NULL && *error != NULL ? (*error)->message : "");
      return NULL;
    }
  g_mutex_unlock (&self->lock);

  response = g_new0 (VervalHttpResponse, 1);
  response->status = status;
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&t->received));
  response->content_type = g_steal_pointer (&t->content_type);
  response->bytes_sent = sent + request_size;
  response->bytes_received = received + header_size;
  response->retry_after = (guint) MIN (retry_after, (curl_off_t) G_MAXUINT);
  g_debug ("%s %s → %u (%" G_GUINT64_FORMAT " bytes up)", method, path, response->status,
           response->bytes_sent);
  return response;
}

static void
transfer_clear (Transfer *t)
{
  if (t->received != NULL)
    g_byte_array_unref (t->received);
  g_free (t->content_type);
  g_free (t->extra_header);
  if (t->upload_file != NULL)
    fclose (t->upload_file);
}

VervalHttpResponse *
verval_http_request (VervalHttp   *self,
                     const char   *method,
                     const char   *path,
                     const char   *content_type,
                     GBytes       *body,
                     gboolean      gzip,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_autoptr(GBytes) payload = NULL;
  Transfer t = { 0 };
  VervalHttpResponse *response;

  g_return_val_if_fail (VERVAL_IS_HTTP (self), NULL);
  g_return_val_if_fail (method != NULL && path != NULL, NULL);

  if (body != NULL && gzip)
    {
      payload = verval_http_gzip (body, error);
      if (payload == NULL)
        return NULL;
    }
  else if (body != NULL)
    payload = g_bytes_ref (body);

  t.cancellable = cancellable;
  t.received = g_byte_array_new ();
  if (payload != NULL)
    t.upload_data = g_bytes_get_data (payload, &t.upload_length);
  response = perform (self, method, path, content_type, payload != NULL && gzip, &t,
                      payload != NULL ? (curl_off_t) t.upload_length : 0, error);
  transfer_clear (&t);
  return response;
}

VervalHttpResponse *
verval_http_put_file (VervalHttp             *self,
                      const char             *path,
                      const char             *file_path,
                      const char             *content_type,
                      VervalHttpProgressFunc  progress,
                      gpointer                progress_data,
                      GCancellable           *cancellable,
                      GError                **error)
{
  return verval_http_put_file_range (self, path, file_path, content_type, -1, progress, progress_data,
                                     cancellable, error);
}

VervalHttpResponse *
verval_http_put_file_range (VervalHttp             *self,
                            const char             *path,
                            const char             *file_path,
                            const char             *content_type,
                            goffset                 offset,
                            VervalHttpProgressFunc  progress,
                            gpointer                progress_data,
                            GCancellable           *cancellable,
                            GError                **error)
{
  Transfer t = { 0 };
  VervalHttpResponse *response;
  GStatBuf st;

  g_return_val_if_fail (VERVAL_IS_HTTP (self), NULL);
  g_return_val_if_fail (path != NULL && file_path != NULL, NULL);

  t.upload_file = fopen (file_path, "rbe");
  if (t.upload_file == NULL || fstat (fileno (t.upload_file), &st) != 0)
    {
      int saved = errno;

      if (t.upload_file != NULL)
        fclose (t.upload_file);
      g_set_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_FILE,
                   "Cannot read %s: %s", file_path, g_strerror (saved));
      return NULL;
    }
  if (offset >= 0)
    {
      if (offset >= st.st_size || fseeko (t.upload_file, offset, SEEK_SET) != 0)
        {
          fclose (t.upload_file);
          g_set_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_FILE,
                       "Cannot send %s from byte %" G_GOFFSET_FORMAT ": it has %" G_GOFFSET_FORMAT,
                       file_path, offset, (goffset) st.st_size);
          return NULL;
        }
      t.upload_file_start = offset;
      t.extra_header = g_strdup_printf ("Content-Range: bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT
                                        "/%" G_GOFFSET_FORMAT,
                                        offset, (goffset) st.st_size - 1, (goffset) st.st_size);
    }
  t.cancellable = cancellable;
  t.received = g_byte_array_new ();
  t.progress = progress;
  t.progress_data = progress_data;
  response = perform (self, "PUT", path, content_type, FALSE, &t, st.st_size - t.upload_file_start, error);
  transfer_clear (&t);
  return response;
}

/* ---------------------------------------------------------------- async */

typedef struct
{
  char   *method;
  char   *path;
  char   *content_type;
  GBytes *body;
  gboolean gzip;
} AsyncRequest;

static void
async_request_free (AsyncRequest *r)
{
  g_free (r->method);
  g_free (r->path);
  g_free (r->content_type);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r);
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  g_autoptr(GTask) task = data;
  VervalHttp *self = g_task_get_source_object (task);
  AsyncRequest *r = g_task_get_task_data (task);
  GError *error = NULL;
  VervalHttpResponse *response;

  response = verval_http_request (self, r->method, r->path, r->content_type, r->body, r->gzip,
                                  g_task_get_cancellable (task), &error);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) verval_http_response_free);
}

void
verval_http_request_async (VervalHttp          *self,
                           const char          *method,
                           const char          *path,
                           const char          *content_type,
                           GBytes              *body,
                           gboolean             gzip,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  AsyncRequest *r;

  g_return_if_fail (VERVAL_IS_HTTP (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_http_request_async);
  r = g_new0 (AsyncRequest, 1);
  r->method = g_strdup (method);
  r->path = g_strdup (path);
  r->content_type = g_strdup (content_type);
  r->body = body != NULL ? g_bytes_ref (body) : NULL;
  r->gzip = gzip;
  g_task_set_task_data (task, r, (GDestroyNotify) async_request_free);
  g_thread_pool_push (self->worker, task, NULL);
}

VervalHttpResponse *
verval_http_request_finish (VervalHttp   *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------- responses */

void
verval_http_response_free (VervalHttpResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response->content_type);
  g_free (response);
}

JsonNode *
verval_http_response_get_json (VervalHttpResponse *response,
                               GError            **error)
{
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (response != NULL, NULL);

  data = response->body != NULL ? g_bytes_get_data (response->body, &length) : NULL;
  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_SYNTAX, "Empty response");
      return NULL;
    }
  /* a collector, or whatever answers at its address, is outside input too */
  return verval_json_parse (data, length, NULL, error);
}

char *
verval_http_response_dup_error_code (VervalHttpResponse  *response,
                                     char               **message)
{
  g_autoptr(JsonNode) root = verval_http_response_get_json (response, NULL);
  JsonObject *error;
  JsonNode *member;

  if (message != NULL)
    *message = NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  member = json_object_get_member (json_node_get_object (root), "error");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return NULL;
  error = json_node_get_object (member);
  if (message != NULL)
    *message = g_strdup (json_object_get_string_member_with_default (error, "message", NULL));
  return g_strdup (json_object_get_string_member_with_default (error, "code", NULL));
}

/* ---------------------------------------------------------------- object */

static void
verval_http_finalize (GObject *object)
{
  VervalHttp *self = VERVAL_HTTP (object);

  /* queued tasks hold a reference, so the pool is idle here */
  g_thread_pool_free (self->worker, FALSE, TRUE);
  if (self->curl != NULL)
    curl_easy_cleanup (self->curl);
  g_mutex_clear (&self->lock);
  g_free (self->base_url);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_free (self->ca_file);
  G_OBJECT_CLASS (verval_http_parent_class)->finalize (object);
}

static void
verval_http_class_init (VervalHttpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = verval_http_finalize;
  curl_global_init (CURL_GLOBAL_DEFAULT);
}

static void
verval_http_init (VervalHttp *self)
{
  g_mutex_init (&self->lock);
  self->connect_seconds = DEFAULT_CONNECT_SECONDS;
  self->low_speed_bytes = DEFAULT_LOW_SPEED_BYTES;
  self->low_speed_seconds = DEFAULT_LOW_SPEED_SECONDS;
  self->worker = g_thread_pool_new (worker_func, self, 1, FALSE, NULL);
}

VervalHttp *
verval_http_new (const char  *base_url,
                 GError     **error)
{
  g_autofree char *url = NULL;
  VervalHttp *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  url = verval_http_check_url (base_url, error);
  if (url == NULL)
    return NULL;
  self = g_object_new (VERVAL_TYPE_HTTP, NULL);
  self->base_url = g_steal_pointer (&url);
  return self;
}

const char *
verval_http_get_base_url (VervalHttp *self)
{
  g_return_val_if_fail (VERVAL_IS_HTTP (self), NULL);

  return self->base_url;
}

/* The worker reads these settings for each request, under the lock. */
static void
set_string_locked (VervalHttp  *self,
                   char       **field,
                   const char  *value)
{
  g_mutex_lock (&self->lock);
  g_free (*field);
  *field = g_strdup (value);
  g_mutex_unlock (&self->lock);
}

void
verval_http_set_token (VervalHttp *self,
                       const char *token)
{
  g_return_if_fail (VERVAL_IS_HTTP (self));

  set_string_locked (self, &self->token, token);
}

void
verval_http_set_ca_file (VervalHttp *self,
                         const char *path)
{
  g_return_if_fail (VERVAL_IS_HTTP (self));

  set_string_locked (self, &self->ca_file, path);
}

void
verval_http_set_timeouts (VervalHttp *self,
                          guint       connect_seconds,
                          guint       low_speed_bytes,
                          guint       low_speed_seconds)
{
  g_return_if_fail (VERVAL_IS_HTTP (self));

  g_mutex_lock (&self->lock);
  self->connect_seconds = connect_seconds;
  self->low_speed_bytes = low_speed_bytes;
  self->low_speed_seconds = low_speed_seconds;
  g_mutex_unlock (&self->lock);
}

static guint64
read_counter (VervalHttp    *self,
              const guint64 *counter)
{
  guint64 value;

  g_mutex_lock (&self->lock);
  value = *counter;
  g_mutex_unlock (&self->lock);
  return value;
}

guint64
verval_http_get_bytes_sent (VervalHttp *self)
{
  g_return_val_if_fail (VERVAL_IS_HTTP (self), 0);

  return read_counter (self, &self->bytes_sent);
}

guint64
verval_http_get_bytes_received (VervalHttp *self)
{
  g_return_val_if_fail (VERVAL_IS_HTTP (self), 0);

  return read_counter (self, &self->bytes_received);
}

void
verval_http_reset_connection (VervalHttp *self)
{
  g_return_if_fail (VERVAL_IS_HTTP (self));

  g_mutex_lock (&self->lock);
  if (self->curl != NULL)
    curl_easy_cleanup (g_steal_pointer (&self->curl));
  g_mutex_unlock (&self->lock);
}
