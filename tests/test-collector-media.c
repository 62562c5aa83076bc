/* test-collector-media.c: resumable photo uploads and the missing-photo
 * query, against a real server on loopback
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <utime.h>

#include "test-collector-util.h"

#define PHOTO_SIZE (300 * 1024)

typedef struct {
  TestCollector *tc;
  SoupSession   *session;
  char          *token;
} Fixture;

static void
fixture_setup_limits (Fixture               *f,
                      const CollectorLimits *limits)
{
  gint64 enumerator;

  f->tc = test_collector_start (limits);
  f->session = soup_session_new ();
  enumerator = test_collector_add_enumerator (f->tc, "Siti");
  f->token = test_collector_enroll (f->tc, f->session, enumerator, "tablet-a");
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_limits (f, NULL);
}

static void
fixture_setup_small (Fixture       *f,
                     gconstpointer  data)
{
  CollectorLimits limits;

  collector_limits_init_default (&limits);
  limits.max_media = 32 * 1024;
  fixture_setup_limits (f, &limits);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  test_collector_stop (f->tc);
  g_free (f->token);
}

/* PUT of bytes [start, end] of photo under name, with a Content-Range. */
static TestResponse *
put_range (Fixture    *f,
           const char *name,
           GBytes     *photo,
           gsize       start,
           gsize       end)
{
  g_autofree char *uri = g_strconcat (f->tc->uri, "api/v1/media/", name, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", f->token, NULL);
  g_autofree char *range = g_strdup_printf ("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
                                            start, end, g_bytes_get_size (photo));
  g_autoptr(SoupMessage) msg = soup_message_new ("PUT", uri);
  g_autoptr(GBytes) part = g_bytes_new_from_bytes (photo, start, end - start + 1);
  g_autoptr(GError) error = NULL;
  TestResponse *response = g_new0 (TestResponse, 1);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "Authorization", auth);
  soup_message_headers_replace (headers, "Content-Range", range);
  soup_message_set_request_body_from_bytes (msg, "image/jpeg", part);
  response->body = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (g_strcmp0 (soup_message_headers_get_content_type (response->headers, NULL), "application/json") == 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body));

      response->json = json_from_string (text, &error);
      g_assert_no_error (error);
    }
  return response;
}

static gint64
json_int (TestResponse *r,
          const char   *member)
{
  g_assert_nonnull (r->json);
  return json_object_get_int_member (json_node_get_object (r->json), member);
}

static const char *
json_str (TestResponse *r,
          const char   *member)
{
  g_assert_nonnull (r->json);
  return json_object_get_string_member (json_node_get_object (r->json), member);
}

static TestResponse *
head (Fixture    *f,
      const char *name)
{
  g_autofree char *path = g_strconcat ("api/v1/media/", name, NULL);

  return test_request (f->session, f->tc->uri, "HEAD", path, f->token, NULL, NULL, NULL);
}

static gint64
head_offset (TestResponse *r)
{
  const char *value = soup_message_headers_get_one (r->headers, "Upload-Offset");

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static TestResponse *
ask_missing (Fixture    *f,
             const char *token,
             const char *json)
{
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  return test_request (f->session, f->tc->uri, "POST", "api/v1/media/missing", token,
                       "application/json", NULL, body);
}

static void
assert_stored (Fixture    *f,
               const char *name,
               GBytes     *photo)
{
  g_autofree char *file = collector_media_get_path (f->tc->media, name);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (file, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo));
}

static guint
count_tmp_files (Fixture *f)
{
  g_autofree char *tmp = g_build_filename (f->tc->data_dir, "media", "tmp", NULL);
  g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* ---------------------------------------------------------------- ranges */

static void
test_two_parts (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 1);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autoptr(TestResponse) first = put_range (f, sha, photo, 0, 149999);
  g_autoptr(TestResponse) probe = NULL;
  g_autoptr(TestResponse) second = NULL;
  g_autoptr(TestResponse) again = NULL;

  g_assert_cmpuint (first->status, ==, 202);
  g_assert_cmpstr (json_str (first, "status"), ==, "partial");
  g_assert_cmpint (json_int (first, "offset"), ==, 150000);
  g_assert_false (collector_media_has (f->tc->media, sha, NULL));

  probe = head (f, sha);
  g_assert_cmpuint (probe->status, ==, 404);
  g_assert_cmpint (head_offset (probe), ==, 150000);

  second = put_range (f, sha, photo, 150000, PHOTO_SIZE - 1);
  g_assert_cmpuint (second->status, ==, 201);
  g_assert_cmpstr (json_str (second, "status"), ==, "stored");
  g_assert_cmpint (json_int (second, "size"), ==, PHOTO_SIZE);
  assert_stored (f, sha, photo);
  g_assert_cmpuint (count_tmp_files (f), ==, 0);

  /* a photo the collector has: any range is answered "existed" */
  again = put_range (f, sha, photo, 0, PHOTO_SIZE - 1);
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpstr (json_str (again, "status"), ==, "existed");
}

static void
test_wrong_start (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 2);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autoptr(TestResponse) fresh = put_range (f, sha, photo, 500, 999);
  g_autoptr(TestResponse) first = NULL;
  g_autoptr(TestResponse) behind = NULL;
  g_autoptr(TestResponse) ahead = NULL;
  g_autoptr(TestResponse) probe = NULL;
  g_autoptr(TestResponse) rest = NULL;

  /* nothing held yet: only 0 is a valid start */
  g_assert_cmpuint (fresh->status, ==, 409);
  g_assert_cmpstr (test_response_error_code (fresh), ==, "offset_mismatch");
  g_assert_cmpint (json_int (fresh, "offset"), ==, 0);
  g_assert_cmpuint (count_tmp_files (f), ==, 0);

  first = put_range (f, sha, photo, 0, 9999);
  g_assert_cmpuint (first->status, ==, 202);
  behind = put_range (f, sha, photo, 0, 19999);
  g_assert_cmpuint (behind->status, ==, 409);
  g_assert_cmpstr (test_response_error_code (behind), ==, "offset_mismatch");
  g_assert_cmpint (json_int (behind, "offset"), ==, 10000);
  ahead = put_range (f, sha, photo, 20000, 29999);
  g_assert_cmpuint (ahead->status, ==, 409);
  g_assert_cmpint (json_int (ahead, "offset"), ==, 10000);

  /* the refused requests changed nothing */
  probe = head (f, sha);
  g_assert_cmpint (head_offset (probe), ==, 10000);
  rest = put_range (f, sha, photo, 10000, PHOTO_SIZE - 1);
  g_assert_cmpuint (rest->status, ==, 201);
  assert_stored (f, sha, photo);
}

/* Headers only, the connection kept open: an answer proves the body was
 * never waited for. */
static char *
refused_headers (Fixture    *f,
                 const char *extra_headers)
{
  g_autofree char *request =
    g_strdup_printf ("PUT /api/v1/media/%064d HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\n"
                     "Content-Type: image/jpeg\r\n"
                     "%s"
                     "\r\n", 0, f->token, extra_headers);

  return test_raw_request (f->tc->port, request, strlen (request), 5000, TRUE);
}

static void
test_bad_range (Fixture       *f,
                gconstpointer  data)
{
  static const char * const malformed[] = {
    "Content-Range: bytes 5-2/10\r\nContent-Length: 4\r\n",
    "Content-Range: bytes 0-9/5\r\nContent-Length: 10\r\n",
    "Content-Range: bytes=0-9/10\r\nContent-Length: 10\r\n",
    "Content-Range: bytes 0-9/*\r\nContent-Length: 10\r\n",
    "Content-Range: bytes -1-9/10\r\nContent-Length: 11\r\n",
    "Content-Range: bytes 0-9/0\r\nContent-Length: 10\r\n",
    "Content-Range: pages 0-9/10\r\nContent-Length: 10\r\n",
    "Content-Range: bytes 0-9/10junk\r\nContent-Length: 10\r\n",
    "Content-Range: bytes 0-10/10\r\nContent-Length: 11\r\n",
    "Content-Range: bytes 0x1-9/10\r\nContent-Length: 9\r\n",
    /* a total past goffset, which libsoup reads as negative */
    "Content-Range: bytes 0-9/9223372036854775808\r\nContent-Length: 10\r\n",
    /* inconsistent with Content-Length */
    "Content-Range: bytes 0-9999/20000\r\nContent-Length: 5000\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *reply = refused_headers (f, malformed[i]);

      g_test_message ("%s", malformed[i]);
      g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 400"));
      g_assert_nonnull (strstr (reply, "\"invalid_content_range\""));
    }
  {
    /* TOTAL over the limit (32 KiB here), even for a small part */
    g_autofree char *reply = refused_headers (f, "Content-Range: bytes 0-999/40000\r\nContent-Length: 1000\r\n");

    g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 413"));
    g_assert_nonnull (strstr (reply, "\"media_too_large\""));
  }
  {
    g_autofree char *reply = refused_headers (f, "Content-Range: bytes 0-999/2000\r\nTransfer-Encoding: chunked\r\n");

    g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 411"));
    g_assert_nonnull (strstr (reply, "\"length_required\""));
  }
  g_assert_cmpuint (count_tmp_files (f), ==, 0);
}

static void
test_range_hash_mismatch (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 3);
  g_autoptr(GBytes) other = test_photo_bytes (PHOTO_SIZE, 4);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autoptr(TestResponse) first = put_range (f, sha, photo, 0, 99999);
  g_autoptr(TestResponse) wrong = NULL;
  g_autoptr(TestResponse) probe = NULL;

  g_assert_cmpuint (first->status, ==, 202);
  /* the second part from other bytes: the whole file no longer matches */
  wrong = put_range (f, sha, other, 100000, PHOTO_SIZE - 1);
  g_assert_cmpuint (wrong->status, ==, 422);
  g_assert_cmpstr (test_response_error_code (wrong), ==, "hash_mismatch");
  g_assert_false (collector_media_has (f->tc->media, sha, NULL));
  probe = head (f, sha);
  g_assert_cmpuint (probe->status, ==, 404);
  g_assert_cmpint (head_offset (probe), ==, 0);
  g_assert_cmpuint (count_tmp_files (f), ==, 0);
}

/* ---------------------------------------------------------------- cut off */

/* A connection that sent headers and the first bytes of body, still
 * open; range: an extra header line or NULL. */
static GSocketConnection *
open_partial_put (Fixture    *f,
                  const char *sha,
                  GBytes     *body,
                  gsize       sent,
                  const char *range)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *headers = NULL;
  GSocketConnection *connection;
  GOutputStream *out;

  headers = g_strdup_printf ("PUT /api/v1/media/%s HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\n"
                             "Authorization: Bearer %s\r\n"
                             "Content-Type: image/jpeg\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                             "%s"
                             "\r\n", sha, f->token, g_bytes_get_size (body), range != NULL ? range : "");
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", f->tc->port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_assert_true (g_output_stream_write_all (out, headers, strlen (headers), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (out, g_bytes_get_data (body, NULL), sent, NULL, NULL, &error));
  g_assert_no_error (error);
  return connection;
}

/* The partial is kept by a worker once the server sees the close: wait
 * (bounded) until HEAD reports it. */
static gint64
wait_head_offset (Fixture    *f,
                  const char *sha,
                  gint64      expected)
{
  gint64 offset = -1;

  for (guint i = 0; i < 100 && offset != expected; i++)
    {
      g_autoptr(TestResponse) probe = head (f, sha);

      g_assert_cmpuint (probe->status, ==, 404);
      offset = head_offset (probe);
      if (offset != expected)
        g_usleep (50 * 1000);
    }
  return offset;
}

static void
test_cut_off (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 5);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *query = g_strdup_printf ("{\"sha256\":[\"%s\"]}", sha);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(TestResponse) missing = NULL;
  g_autoptr(TestResponse) rest = NULL;
  JsonObject *entry;

  /* an old client's whole-body PUT, cut off after 100,000 bytes */
  connection = open_partial_put (f, sha, photo, 100000, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_assert_cmpint (wait_head_offset (f, sha, 100000), ==, 100000);

  missing = ask_missing (f, f->token, query);
  g_assert_cmpuint (missing->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (missing->json),
                                                                         "missing")), ==, 1);
  entry = json_array_get_object_element (json_object_get_array_member (json_node_get_object (missing->json),
                                                                       "missing"), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "sha256"), ==, sha);
  g_assert_cmpstr (json_object_get_string_member (entry, "state"), ==, "partial");
  g_assert_cmpint (json_object_get_int_member (entry, "offset"), ==, 100000);

  /* a resumed range upload, cut off again: its bytes add up */
  {
    g_autoptr(GBytes) tail = g_bytes_new_from_bytes (photo, 100000, PHOTO_SIZE - 100000);
    g_autoptr(GSocketConnection) again = NULL;
    g_autofree char *range = g_strdup_printf ("Content-Range: bytes 100000-%d/%d\r\n", PHOTO_SIZE - 1, PHOTO_SIZE);

    again = open_partial_put (f, sha, tail, 50000, range);
    g_io_stream_close (G_IO_STREAM (again), NULL, NULL);
    g_assert_cmpint (wait_head_offset (f, sha, 150000), ==, 150000);
  }

  rest = put_range (f, sha, photo, 150000, PHOTO_SIZE - 1);
  g_assert_cmpuint (rest->status, ==, 201);
  assert_stored (f, sha, photo);
  g_assert_cmpuint (count_tmp_files (f), ==, 0);
}

static void
test_busy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 6);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *query = g_strdup_printf ("{\"sha256\":[\"%s\"]}", sha);
  g_autoptr(GSocketConnection) holder = NULL;
  g_autoptr(TestResponse) second = NULL;
  g_autoptr(TestResponse) whole = NULL;
  g_autoptr(TestResponse) rest = NULL;
  g_autofree char *state = NULL;

  holder = open_partial_put (f, sha, photo, 20000, NULL);
  /* the first upload holds the photo once its headers are read */
  for (guint i = 0; i < 100 && g_strcmp0 (state, "uploading") != 0; i++)
    {
      g_autoptr(TestResponse) missing = ask_missing (f, f->token, query);
      JsonArray *list = json_object_get_array_member (json_node_get_object (missing->json), "missing");

      g_free (state);
      state = g_strdup (json_object_get_string_member (json_array_get_object_element (list, 0), "state"));
      if (g_strcmp0 (state, "uploading") != 0)
        g_usleep (20 * 1000);
    }
  g_assert_cmpstr (state, ==, "uploading");

  second = put_range (f, sha, photo, 0, PHOTO_SIZE - 1);
  g_assert_cmpuint (second->status, ==, 409);
  g_assert_cmpstr (test_response_error_code (second), ==, "upload_in_progress");
  whole = test_request (f->session, f->tc->uri, "PUT", "api/v1/media/missing", f->token, "image/jpeg", NULL, photo);
  g_assert_cmpuint (whole->status, ==, 405);

  g_io_stream_close (G_IO_STREAM (holder), NULL, NULL);
  g_assert_cmpint (wait_head_offset (f, sha, 20000), ==, 20000);
  rest = put_range (f, sha, photo, 20000, PHOTO_SIZE - 1);
  g_assert_cmpuint (rest->status, ==, 201);
  assert_stored (f, sha, photo);
}

static void
fixture_setup_stale (Fixture       *f,
                     gconstpointer  data)
{
  CollectorLimits limits;

  collector_limits_init_default (&limits);
  limits.upload_stale = 1;
  fixture_setup_limits (f, &limits);
}

static char *
missing_state (Fixture    *f,
               const char *query,
               gint64     *offset)
{
  g_autoptr(TestResponse) missing = ask_missing (f, f->token, query);
  JsonArray *list = json_object_get_array_member (json_node_get_object (missing->json), "missing");
  JsonObject *entry = json_array_get_object_element (list, 0);

  *offset = json_object_get_int_member (entry, "offset");
  return g_strdup (json_object_get_string_member (entry, "state"));
}

/* A link that dies without a close (no FIN ever arrives) must not hold the
 * photo for ever: after upload_stale seconds of silence the next request
 * takes over, and the silent one's bytes are kept. */
static void
test_silent_upload (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 10);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *query = g_strdup_printf ("{\"sha256\":[\"%s\"]}", sha);
  g_autoptr(GSocketConnection) silent = NULL;
  g_autoptr(TestResponse) takeover = NULL;
  g_autoptr(TestResponse) rest = NULL;
  g_autofree char *state = NULL;
  gint64 offset = -1;

  silent = open_partial_put (f, sha, photo, 20000, NULL);
  for (guint i = 0; i < 100 && g_strcmp0 (state, "uploading") != 0; i++)
    {
      g_free (state);
      state = missing_state (f, query, &offset);
      if (g_strcmp0 (state, "uploading") != 0)
        g_usleep (20 * 1000);
    }
  g_assert_cmpstr (state, ==, "uploading");

  /* silent for longer than upload_stale: no longer reported as running */
  g_usleep (2500 * 1000);
  g_free (state);
  state = missing_state (f, query, &offset);
  g_assert_cmpstr (state, ==, "missing");
  g_assert_cmpint (offset, ==, 0);

  /* the next PUT takes over; the 20,000 bytes are kept and it is told so */
  takeover = put_range (f, sha, photo, 0, PHOTO_SIZE - 1);
  g_assert_cmpuint (takeover->status, ==, 409);
  g_assert_cmpstr (test_response_error_code (takeover), ==, "offset_mismatch");
  g_assert_cmpint (json_int (takeover, "offset"), ==, 20000);
  rest = put_range (f, sha, photo, 20000, PHOTO_SIZE - 1);
  g_assert_cmpuint (rest->status, ==, 201);
  assert_stored (f, sha, photo);

  /* the silent request's late bytes change nothing */
  {
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (silent));

    g_output_stream_write_all (out, (const guint8 *) g_bytes_get_data (photo, NULL) + 20000,
                               PHOTO_SIZE - 20000, NULL, NULL, NULL);
    g_io_stream_close (G_IO_STREAM (silent), NULL, NULL);
  }
  assert_stored (f, sha, photo);
}

/* ---------------------------------------------------------------- missing query */

static void
test_missing_query (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) stored = test_photo_bytes (20000, 7);
  g_autoptr(GBytes) partial = test_photo_bytes (20000, 8);
  g_autoptr(GBytes) unknown = test_photo_bytes (20000, 9);
  g_autofree char *sha_stored = test_sha256_hex (stored);
  g_autofree char *sha_partial = test_sha256_hex (partial);
  g_autofree char *sha_unknown = test_sha256_hex (unknown);
  g_autofree char *path = g_strconcat ("api/v1/media/", sha_stored, NULL);
  g_autofree char *query = NULL;
  g_autoptr(TestResponse) put = NULL;
  g_autoptr(TestResponse) part = NULL;
  g_autoptr(TestResponse) answer = NULL;
  JsonArray *list;

  put = test_request (f->session, f->tc->uri, "PUT", path, f->token, "image/jpeg", NULL, stored);
  g_assert_cmpuint (put->status, ==, 201);
  part = put_range (f, sha_partial, partial, 0, 4999);
  g_assert_cmpuint (part->status, ==, 202);

  /* in request order, each once, without the stored one */
  query = g_strdup_printf ("{\"sha256\":[\"%s\",\"%s\",\"%s\",\"%s\"]}",
                           sha_stored, sha_unknown, sha_partial, sha_unknown);
  answer = ask_missing (f, f->token, query);
  g_assert_cmpuint (answer->status, ==, 200);
  list = json_object_get_array_member (json_node_get_object (answer->json), "missing");
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "sha256"), ==, sha_unknown);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "state"), ==, "missing");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (list, 0), "offset"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 1), "sha256"), ==, sha_partial);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 1), "state"), ==, "partial");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (list, 1), "offset"), ==, 5000);

  {
    g_autoptr(TestResponse) empty = ask_missing (f, f->token, "{\"sha256\":[]}");

    g_assert_cmpuint (empty->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (empty->json),
                                                                           "missing")), ==, 0);
  }
}

static void
test_missing_query_refused (Fixture       *f,
                            gconstpointer  data)
{
  static const struct {
    const char *body;
    const char *code;
  } bad[] = {
    { "{\"sha256\":[\"abc\"]}", "invalid_media_name" },
    { "{\"sha256\":[\"" "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789" "\"]}", "invalid_media_name" },
    { "{\"sha256\":[\"../../collector.db\"]}", "invalid_media_name" },
    { "{\"sha256\":[42]}", "invalid_media_name" },
    { "{\"sha256\":\"0000\"}", "invalid_request" },
    { "{\"names\":[]}", "invalid_request" },
    { "[1,2]", "invalid_request" },
    { "not json", "malformed_json" },
  };
  g_autoptr(GString) many = g_string_new ("{\"sha256\":[");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TestResponse) r = ask_missing (f, f->token, bad[i].body);

      g_test_message ("%s", bad[i].body);
      g_assert_cmpuint (r->status, ==, 400);
      g_assert_cmpstr (test_response_error_code (r), ==, bad[i].code);
    }

  /* 501 names: one too many */
  for (guint i = 0; i < 501; i++)
    g_string_append_printf (many, "%s\"%064x\"", i > 0 ? "," : "", i);
  g_string_append (many, "]}");
  {
    g_autoptr(TestResponse) r = ask_missing (f, f->token, many->str);

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (r), ==, "invalid_request");
  }
  {
    g_autoptr(TestResponse) r = ask_missing (f, NULL, "{\"sha256\":[]}");

    g_assert_cmpuint (r->status, ==, 401);
    g_assert_cmpstr (test_response_error_code (r), ==, "auth_required");
  }
  {
    g_autoptr(TestResponse) r = ask_missing (f, "vvt_not-a-token", "{\"sha256\":[]}");

    g_assert_cmpuint (r->status, ==, 401);
    g_assert_cmpstr (test_response_error_code (r), ==, "invalid_token");
  }
  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/media/missing", f->token,
                                              NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 405);
  }
}

/* ---------------------------------------------------------------- start-up */

static void
test_stale_partials (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *media_dir = g_build_filename (f->tc->data_dir, "media", NULL);
  g_autofree char *old_part = g_build_filename (media_dir, "tmp", "1111111111111111111111111111111111111111111111111111111111111111.part", NULL);
  g_autofree char *new_part = g_build_filename (media_dir, "tmp", "2222222222222222222222222222222222222222222222222222222222222222.part", NULL);
  g_autoptr(CollectorMedia) restarted = NULL;
  g_autoptr(GError) error = NULL;
  struct utimbuf times;
  guint64 offset;
  gboolean busy;

  g_assert_true (g_file_set_contents (old_part, "eight days old", -1, NULL));
  g_assert_true (g_file_set_contents (new_part, "six days old", -1, NULL));
  times.actime = times.modtime = g_get_real_time () / G_USEC_PER_SEC - 8 * 24 * 3600;
  g_assert_cmpint (utime (old_part, &times), ==, 0);
  times.actime = times.modtime = g_get_real_time () / G_USEC_PER_SEC - 6 * 24 * 3600;
  g_assert_cmpint (utime (new_part, &times), ==, 0);

  /* what a collector starting on this folder does */
  restarted = collector_media_new (media_dir, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (old_part, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (new_part, G_FILE_TEST_EXISTS));
  g_assert_true (collector_media_get_partial (restarted, "2222222222222222222222222222222222222222222222222222222222222222",
                                              &offset, &busy, NULL));
  g_assert_cmpuint (offset, ==, strlen ("six days old"));
  g_assert_false (busy);
}

/* ---------------------------------------------------------------- collectors sharing one folder */

/* A second collector on the same media folder (a shared file system) is a
 * second CollectorMedia on it: its upload of a photo holds the partial
 * against this server's, its start-up leaves the partial alone, and once
 * it lets go, the server continues the bytes it wrote. */
static void
test_shared_folder (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *media_dir = g_build_filename (f->tc->data_dir, "media", NULL);
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 30);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *part = g_strconcat (media_dir, "/tmp/", sha, ".part", NULL);
  g_autofree char *query = g_strdup_printf ("{\"sha256\":[\"%s\"]}", sha);
  g_autoptr(CollectorMedia) other = NULL;
  g_autoptr(CollectorMedia) third = NULL;
  g_autoptr(CollectorMediaUpload) upload = NULL;
  g_autoptr(TestResponse) refused = NULL;
  g_autoptr(TestResponse) rest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  struct utimbuf times;
  gint64 offset = -1;
  guint64 held = 1;

  other = collector_media_new (media_dir, &error);
  g_assert_no_error (error);
  upload = collector_media_upload_begin (other, sha, -1, PHOTO_SIZE, &held, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (held, ==, 0);
  /* more than one write buffer, so bytes are on disk */
  g_assert_true (collector_media_upload_write (upload, g_bytes_get_data (photo, NULL), 100000, &error));
  g_assert_no_error (error);

  /* this server sees the other collector's upload and will not join it */
  state = missing_state (f, query, &offset);
  g_assert_cmpstr (state, ==, "uploading");
  refused = put_range (f, sha, photo, 0, PHOTO_SIZE - 1);
  g_assert_cmpuint (refused->status, ==, 409);
  g_assert_cmpstr (test_response_error_code (refused), ==, "upload_in_progress");

  /* a third collector starting now, with the partial looking a week old,
   * leaves it to its owner */
  times.actime = times.modtime = g_get_real_time () / G_USEC_PER_SEC - 8 * 24 * 3600;
  g_assert_cmpint (utime (part, &times), ==, 0);
  third = collector_media_new (media_dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));

  /* the other collector's link breaks: it keeps what it got */
  g_assert_true (collector_media_upload_keep (upload, &error));
  g_assert_no_error (error);
  g_clear_pointer (&upload, collector_media_upload_free);
  g_free (state);
  state = missing_state (f, query, &offset);
  g_assert_cmpstr (state, ==, "partial");
  g_assert_cmpint (offset, ==, 100000);

  rest = put_range (f, sha, photo, 100000, PHOTO_SIZE - 1);
  g_assert_cmpuint (rest->status, ==, 201);
  assert_stored (f, sha, photo);
  g_assert_true (collector_media_has (other, sha, NULL));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

/* ---------------------------------------------------------------- a partial that holds the whole photo */

/* What a collector killed between a photo's last byte and its check
 * leaves behind: tmp/SHA.part with every byte. */
static char *
write_partial (const char *media_dir,
               const char *sha,
               GBytes     *bytes)
{
  g_autofree char *name = g_strconcat (sha, ".part", NULL);
  char *path = g_build_filename (media_dir, "tmp", name, NULL);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  return path;
}

static void
test_full_partial_startup (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *media_dir = g_build_filename (f->tc->data_dir, "media", NULL);
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 20);
  g_autoptr(GBytes) other = test_photo_bytes (PHOTO_SIZE, 21);
  g_autoptr(GBytes) half = g_bytes_new_from_bytes (other, 0, PHOTO_SIZE / 2);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *other_sha = test_sha256_hex (other);
  g_autofree char *whole_part = write_partial (media_dir, sha, photo);
  g_autofree char *half_part = write_partial (media_dir, other_sha, half);
  g_autoptr(CollectorMedia) restarted = NULL;
  g_autoptr(GError) error = NULL;
  guint64 offset;
  gboolean busy;

  /* the collector starting on this folder files the complete one and
   * leaves the other to be continued */
  restarted = collector_media_new (media_dir, &error);
  g_assert_no_error (error);
  g_assert_true (collector_media_has (restarted, sha, NULL));
  assert_stored (f, sha, photo);
  g_assert_false (g_file_test (whole_part, G_FILE_TEST_EXISTS));
  g_assert_false (collector_media_get_partial (restarted, sha, &offset, &busy, NULL));
  g_assert_false (collector_media_has (restarted, other_sha, NULL));
  g_assert_true (collector_media_get_partial (restarted, other_sha, &offset, &busy, NULL));
  g_assert_cmpuint (offset, ==, PHOTO_SIZE / 2);
  g_assert_true (g_file_test (half_part, G_FILE_TEST_EXISTS));
}

static void
test_full_partial_put (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *media_dir = g_build_filename (f->tc->data_dir, "media", NULL);
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 22);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *part = NULL;
  g_autofree char *query = NULL;
  g_autoptr(TestResponse) missing = NULL;
  g_autoptr(TestResponse) put = NULL;

  /* left by a crash while this collector ran on (a restart files it) */
  part = write_partial (media_dir, sha, photo);
  query = g_strdup_printf ("{\"sha256\": [\"%s\"]}", sha);
  missing = ask_missing (f, f->token, query);
  g_assert_cmpuint (missing->status, ==, 200);

  /* no range can continue a partial that holds every byte: one from 0
   * sends the photo again and replaces it */
  put = put_range (f, sha, photo, 0, PHOTO_SIZE - 1);
  g_assert_cmpuint (put->status, ==, 201);
  g_assert_cmpstr (json_str (put, "status"), ==, "stored");
  assert_stored (f, sha, photo);
  g_assert_cmpuint (count_tmp_files (f), ==, 0);
}

static void
test_full_partial_damaged (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *media_dir = g_build_filename (f->tc->data_dir, "media", NULL);
  g_autoptr(GBytes) photo = test_photo_bytes (PHOTO_SIZE, 23);
  g_autoptr(GBytes) garbage = test_photo_bytes (PHOTO_SIZE + 100, 24);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *part = write_partial (media_dir, sha, garbage);
  g_autoptr(TestResponse) later = NULL;
  g_autoptr(TestResponse) probe = NULL;
  g_autoptr(TestResponse) whole = NULL;

  /* more bytes than the photo has: they cannot be this photo; dropped,
   * and the client is told to start from 0 */
  later = put_range (f, sha, photo, PHOTO_SIZE / 2, PHOTO_SIZE - 1);
  g_assert_cmpuint (later->status, ==, 409);
  g_assert_cmpstr (test_response_error_code (later), ==, "offset_mismatch");
  g_assert_cmpint (json_int (later, "offset"), ==, 0);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  probe = head (f, sha);
  g_assert_cmpint (head_offset (probe), ==, 0);
  whole = put_range (f, sha, photo, 0, PHOTO_SIZE - 1);
  g_assert_cmpuint (whole->status, ==, 201);
  assert_stored (f, sha, photo);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, setup) \
  g_test_add (path, Fixture, NULL, setup, func, fixture_teardown)
  ADD ("/collector/media/range/two-parts", test_two_parts, fixture_setup);
  ADD ("/collector/media/range/wrong-start", test_wrong_start, fixture_setup);
  ADD ("/collector/media/range/refused-early", test_bad_range, fixture_setup_small);
  ADD ("/collector/media/range/hash-mismatch", test_range_hash_mismatch, fixture_setup);
  ADD ("/collector/media/cut-off", test_cut_off, fixture_setup);
  ADD ("/collector/media/busy", test_busy, fixture_setup);
  ADD ("/collector/media/silent-upload", test_silent_upload, fixture_setup_stale);
  ADD ("/collector/media/missing", test_missing_query, fixture_setup);
  ADD ("/collector/media/missing/refused", test_missing_query_refused, fixture_setup);
  ADD ("/collector/media/stale-partials", test_stale_partials, fixture_setup);
  ADD ("/collector/media/shared-folder", test_shared_folder, fixture_setup);
  ADD ("/collector/media/full-partial/startup", test_full_partial_startup, fixture_setup);
  ADD ("/collector/media/full-partial/put", test_full_partial_put, fixture_setup);
  ADD ("/collector/media/full-partial/damaged", test_full_partial_damaged, fixture_setup);
#undef ADD

  return g_test_run ();
}
