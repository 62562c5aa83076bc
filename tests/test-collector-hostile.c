/* test-collector-hostile.c: the hostile request corpus, replayed
 *
 * Each body in tests/corpus/hostile (see its MANIFEST) once took a
 * collector down, held its memory, or reached the code as something else
 * than was sent. Every run replays them through the one JSON entry, then as
 * requests to the built collector, which must answer each with its JSON
 * error, stay up, keep serving devices and not grow.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "collector-wire.h"
#include "verval-json-parse.h"
#include "verval-wire-visit.h"
#include "test-collector-util.h"

static const char *binary;

typedef struct {
  char    *file;
  gboolean enroll;
  gboolean visits;
  guint    status;
  char    *code;
  GBytes  *sent;   /* as in the file */
  GBytes  *plain;  /* inflated */
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->file);
  g_free (entry->code);
  g_bytes_unref (entry->sent);
  g_bytes_unref (entry->plain);
  g_free (entry);
}

static gboolean
is_gzip (const Entry *entry)
{
  return g_str_has_suffix (entry->file, ".gz");
}

static GBytes *
inflate (GBytes *compressed)
{
  g_autoptr(GConverter) decompressor = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_bytes (compressed);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (memory, decompressor);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static GPtrArray *
load_corpus (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "corpus", "hostile", NULL);
  g_autofree char *manifest_path = g_build_filename (dir, "MANIFEST", NULL);
  g_autofree char *manifest = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);

  g_file_get_contents (manifest_path, &manifest, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (manifest, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *path = NULL;
      g_autofree char *data = NULL;
      gsize length;
      Entry *entry;

      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      fields = g_regex_split_simple ("\\s+", lines[i], 0, 0);
      g_assert_cmpuint (g_strv_length (fields), ==, 4);
      entry = g_new0 (Entry, 1);
      entry->file = g_strdup (fields[0]);
      entry->enroll = strstr (fields[1], "enroll") != NULL;
      entry->visits = strstr (fields[1], "visits") != NULL;
      entry->status = (guint) g_ascii_strtoull (fields[2], NULL, 10);
      entry->code = g_strdup (fields[3]);
      path = g_build_filename (dir, entry->file, NULL);
      g_file_get_contents (path, &data, &length, &error);
      g_assert_no_error (error);
      entry->sent = g_bytes_new_take (g_steal_pointer (&data), length);
      entry->plain = is_gzip (entry) ? inflate (entry->sent) : g_bytes_ref (entry->sent);
      g_ptr_array_add (entries, entry);
    }
  g_assert_cmpuint (entries->len, >=, 20);
  return entries;
}

/* Through the entry every handler uses, with the collector's own limits. */
static void
test_parse (void)
{
  g_autoptr(GPtrArray) corpus = load_corpus ();
  CollectorLimits limits;

  collector_limits_init_default (&limits);
  for (guint i = 0; i < corpus->len; i++)
    {
      Entry *entry = corpus->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = NULL;

      root = collector_json_parse_object (entry->plain,
                                          &(VervalJsonLimits) { limits.max_depth, limits.max_json_values },
                                          &error);
      g_test_message ("%s: %s", entry->file, error != NULL ? error->message : "(parsed)");
      g_assert_null (root);
      g_assert_nonnull (error);
      g_assert_cmpstr (collector_error_code_name (error->code), ==, entry->code);
      g_assert_cmpuint (collector_error_http_status (error->code), ==, entry->status);
    }
}

/* Values and member names, as the limit counts them. */
static guint
count_values (JsonNode *node)
{
  guint n = 1;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        n += count_values (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member))
        n += 1 + count_values (member);
    }
  return n;
}

/* The limits must never refuse what a device honestly sends: the largest
 * batch allowed, of the fullest visits, with every photo a visit may list. */
static void
test_largest_batch (void)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GPtrArray) media = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  CollectorLimits limits;
  guint values;

  collector_limits_init_default (&limits);
  for (guint i = 0; i < VERVAL_WIRE_MAX_MEDIA_PER_VISIT; i++)
    g_ptr_array_add (media, g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) &i, sizeof i));
  g_ptr_array_add (media, NULL);
  for (guint i = 0; i < limits.max_batch; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("55555555-5555-4555-8555-%012u", i);

      g_ptr_array_add (batch, test_visit_new (uuid, 1, "P3KE-0001", (const char * const *) media->pdata));
    }
  body = test_batch_bytes (batch);
  root = collector_json_parse_object (body,
                                      &(VervalJsonLimits) { limits.max_depth, limits.max_json_values },
                                      &error);
  g_assert_no_error (error);
  values = count_values (root);
  g_test_message ("%u visits with %u photos each: %" G_GSIZE_FORMAT " bytes, %u values (limit %u)",
                  limits.max_batch, VERVAL_WIRE_MAX_MEDIA_PER_VISIT, g_bytes_get_size (body),
                  values, limits.max_json_values);
  g_assert_cmpuint (values, <=, limits.max_json_values);
}

typedef struct {
  char        *dir;
  char        *data_dir;
  GSubprocess *server;
  char        *uri;
  char        *token;
  SoupSession *session;
} Fixture;

/* One family to visit, assigned to the enrolled enumerator. */
static const char p3ke_csv[] =
  "ID Keluarga P3KE;Provinsi;Kabupaten_Kota;Kecamatan;Desa_Kelurahan;Kode Kemdagri;"
  "Desil Kesejahteraan;Alamat;Kepala Keluarga;NIK\r\n"
  "P3KE-0001;BALI;BULELENG;SUKASADA;PANJI;5108062001;1;Banjar Dinas Kelod;I Made Sutama;3602041211870001\r\n";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *code = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(TestResponse) r = NULL;

  f->dir = g_dir_make_tmp ("verval-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  csv = g_build_filename (f->dir, "p3ke.csv", NULL);
  g_file_set_contents (csv, p3ke_csv, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "import", "--data-dir", f->data_dir, csv, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "enumerator", "add", "Siti Aminah",
                                 "--data-dir", f->data_dir, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "assign", "Siti Aminah", "--village", "5108062001",
                                 "--data-dir", f->data_dir, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "enroll-code", "Siti Aminah",
                                 "--data-dir", f->data_dir, NULL), ==, 0);
  code = test_parse_enrollment_code (out);

  f->server = test_spawn_server (binary, f->data_dir, NULL, FALSE, &f->uri);
  f->session = soup_session_new ();
  json = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"tablet-siti\"}", code);
  body = g_bytes_new (json, strlen (json));
  r = test_request (f->session, f->uri, "POST", "api/v1/enroll", NULL, "application/json", NULL, body);
  g_assert_cmpuint (r->status, ==, 201);
  f->token = g_strdup (json_object_get_string_member (json_node_get_object (r->json), "token"));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (f->server, SIGTERM);
  g_assert_true (g_subprocess_wait (f->server, NULL, &error));
  g_assert_no_error (error);
  /* it stopped because it was asked to, cleanly, not because it crashed */
  g_assert_true (g_subprocess_get_if_exited (f->server));
  g_assert_cmpint (g_subprocess_get_exit_status (f->server), ==, 0);
  g_object_unref (f->server);
  g_object_unref (f->session);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
  g_free (f->uri);
  g_free (f->token);
}

static void
assert_alive (Fixture *f)
{
  g_autoptr(TestResponse) r = test_request (f->session, f->uri, "GET", "api/v1/info", NULL, NULL, NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
}

static void
send_entry (Fixture     *f,
            const Entry *entry,
            gboolean     to_visits)
{
  g_autoptr(TestResponse) r = NULL;
  gboolean gzip = to_visits && is_gzip (entry);

  r = test_request (f->session, f->uri, "POST", to_visits ? "api/v1/visits" : "api/v1/enroll",
                    to_visits ? f->token : NULL, "application/json", gzip ? "gzip" : NULL,
                    gzip ? entry->sent : entry->plain);
  if (r->status != entry->status || g_strcmp0 (test_response_error_code (r), entry->code) != 0)
    g_error ("%s to %s: %u %s, expected %u %s", entry->file, to_visits ? "visits" : "enroll",
             r->status, test_response_error_code (r), entry->status, entry->code);
  /* the error is explained, not only coded */
  g_assert_nonnull (r->json);
  g_assert_true (json_object_has_member (json_object_get_object_member (json_node_get_object (r->json), "error"),
                                         "message"));
}

static void
replay (Fixture   *f,
        GPtrArray *corpus)
{
  for (guint i = 0; i < corpus->len; i++)
    {
      const Entry *entry = corpus->pdata[i];

      if (entry->enroll)
        send_entry (f, entry, FALSE);
      if (entry->visits)
        send_entry (f, entry, TRUE);
      assert_alive (f);
    }
}

/* Every body answered as the manifest says; then the collector still takes
 * a real visit from the enrolled device. */
static void
test_server (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) corpus = load_corpus ();
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(TestResponse) r = NULL;

  replay (f, corpus);
  g_ptr_array_add (batch, test_visit_new ("55555555-5555-4555-8555-555555555501", 1, "P3KE-0001", NULL));
  body = test_batch_bytes (batch);
  r = test_request (f->session, f->uri, "POST", "api/v1/visits", f->token, "application/json", NULL, body);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (test_batch_result (r, 0), "status"), ==, "stored");
}

/* ---------------------------------------------------------------- requests as sent
 * What an outside test sent that libsoup's client would have normalised:
 * paths with encoded dots and NULs, other spellings of the scheme. */

/* text with its first @old replaced by @new */
static char *
replace_once (const char *text,
              const char *old,
              const char *new)
{
  const char *at = strstr (text, old);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, new, at + strlen (old));
}

static guint16
fixture_port (Fixture *f)
{
  g_autoptr(GUri) uri = g_uri_parse (f->uri, G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (uri);
  return (guint16) g_uri_get_port (uri);
}

typedef struct {
  guint     status;
  JsonNode *json;    /* the body, when it is JSON */
} RawReply;

static void
raw_reply_clear (RawReply *reply)
{
  g_clear_pointer (&reply->json, json_node_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RawReply, raw_reply_clear)

/* Sends one request line, headers and body exactly as given; the reply
 * must come whole, and every refusal must carry the JSON error body. */
static void
raw_send (Fixture    *f,
          const char *method,
          const char *path,
          const char *headers,
          const char *body,
          RawReply   *reply)
{
  g_autofree char *request =
    g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s"
                     "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                     method, path, headers, body != NULL ? strlen (body) : 0, body != NULL ? body : "");
  g_autofree char *text = test_raw_request (fixture_port (f), request, strlen (request), 10000, TRUE);
  const char *end = strstr (text, "\r\n\r\n");
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 "));
  g_assert_nonnull (end);
  reply->status = (guint) g_ascii_strtoull (text + strlen ("HTTP/1.1 "), NULL, 10);
  reply->json = end[4] != '\0' ? json_from_string (end + 4, &error) : NULL;
  g_assert_no_error (error);
  /* a HEAD reply has headers only */
  if (reply->status >= 400 && strcmp (method, "HEAD") != 0)
    {
      g_test_message ("%s %s: %s", method, path, end + 4);
      g_assert_nonnull (reply->json);
      g_assert_true (json_object_has_member (json_node_get_object (reply->json), "error"));
    }
}

static const char *
raw_error_code (RawReply *reply)
{
  JsonObject *error = json_object_get_object_member (json_node_get_object (reply->json), "error");

  return json_object_get_string_member (error, "code");
}

static void
assert_raw (Fixture    *f,
            const char *method,
            const char *path,
            const char *headers,
            const char *body,
            guint       status,
            const char *code)
{
  g_auto(RawReply) reply = { 0 };

  raw_send (f, method, path, headers, body, &reply);
  g_assert_cmpuint (reply.status, ==, status);
  if (code != NULL)
    g_assert_cmpstr (raw_error_code (&reply), ==, code);
}

/* Encoded dots, slashes and NULs in a path get the same JSON refusal as any
 * other bad name, never libsoup's empty 400. */
static void
test_paths (Fixture       *f,
            gconstpointer  data)
{
  static const char *const media[] = {
    "/api/v1/media/%2e%2e%2fetc",
    "/api/v1/media/abc%00",
    "/api/v1/media/..%2f..%2fpasswd",
    "/api/v1/media/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%00",
    "/api/v1/media/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  };
  static const char *const unknown[] = {
    "/api/v1/info%00", "/api/v1/in%2Ffo", "/api/v1/info/", "//api/v1/info",
    "/api/v1/media/../../etc/passwd",
  };
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s\r\nContent-Type: image/jpeg\r\n", f->token);

  for (guint i = 0; i < G_N_ELEMENTS (media); i++)
    {
      assert_raw (f, "PUT", media[i], auth, "x", 400, "invalid_media_name");
      assert_raw (f, "HEAD", media[i], auth, NULL, 400, NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    assert_raw (f, "GET", unknown[i], "", NULL, 404, "not_found");
  /* an encoded unreserved character or a dot segment names the same path
   * (RFC 3986, 6.2.2), and is answered as that path */
  assert_raw (f, "GET", "/api/v1/info", "", NULL, 200, NULL);
  assert_raw (f, "GET", "/api/v1/%69nfo", "", NULL, 200, NULL);
  assert_raw (f, "GET", "/api/v1/../v1/info", "", NULL, 200, NULL);
}

/* The scheme is case-insensitive and may be followed by several spaces;
 * the token is compared as sent. */
static void
test_authorization (Fixture       *f,
                    gconstpointer  data)
{
  const char *accepted[] = { "bearer TOKEN", "BEARER TOKEN", "Bearer   TOKEN", "bEaReR TOKEN" };
  const char *refused[] = { "Bearer", "Bearer ", "BearerTOKEN", "Basic TOKEN", "Token TOKEN" };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree char *value = strstr (accepted[i], "TOKEN") != NULL
                               ? replace_once (accepted[i], "TOKEN", f->token) : g_strdup (accepted[i]);
      g_autofree char *header = g_strdup_printf ("Authorization: %s\r\n", value);

      assert_raw (f, "GET", "/api/v1/assignments", header, NULL, 200, NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *value = strstr (refused[i], "TOKEN") != NULL
                               ? replace_once (refused[i], "TOKEN", f->token) : g_strdup (refused[i]);
      g_autofree char *header = g_strdup_printf ("Authorization: %s\r\n", value);

      assert_raw (f, "GET", "/api/v1/assignments", header, NULL, 401, "auth_required");
    }
  {
    g_autofree char *upper = g_ascii_strup (f->token, -1);
    g_autofree char *header = g_strdup_printf ("Authorization: Bearer %s\r\n", upper);

    if (g_strcmp0 (upper, f->token) != 0)
      assert_raw (f, "GET", "/api/v1/assignments", header, NULL, 401, NULL);
  }
}

/* A member of the wrong type is a 400, without a critical in the log: the
 * suite runs the collector with G_DEBUG=fatal-warnings, so a critical would
 * have killed it. */
static void
test_member_types (Fixture       *f,
                   gconstpointer  data)
{
  static const char *const bodies[] = {
    "{\"code\": 1234567890, \"device_name\": \"tablet\"}",
    "{\"code\": {\"a\": 1}, \"device_name\": \"tablet\"}",
    "{\"code\": [\"ABC34-DEF56\"], \"device_name\": \"tablet\"}",
    "{\"code\": \"ABC34-DEF56\", \"device_name\": 5}",
    "{\"code\": \"ABC34-DEF56\", \"device_name\": [\"tablet\"]}",
    "{\"code\": \"ABC34-DEF56\", \"device_name\": \"tablet\", \"app_version\": 2}",
    "{\"code\": \"ABC34-DEF56\", \"device_name\": \"tablet\", \"app_version\": {}}",
  };

  g_assert_cmpstr (g_getenv ("G_DEBUG"), !=, NULL);
  g_assert_nonnull (strstr (g_getenv ("G_DEBUG"), "fatal-warnings"));
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      assert_raw (f, "POST", "/api/v1/enroll", "Content-Type: application/json\r\n", bodies[i],
                  400, "invalid_request");
      assert_alive (f);
    }
}

static char *
repeat (const char *unit,
        guint       n)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (text, unit);
  return g_string_free (text, FALSE);
}

/* Lengths are counted in characters: a device named in full with accents
 * is not refused for its bytes. */
static void
test_characters (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *name_128 = repeat ("é", 128);
  g_autofree char *name_129 = repeat ("é", 129);
  g_autofree char *error_1024 = repeat ("ñ", 1024);
  g_autofree char *error_1025 = repeat ("ñ", 1025);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
                                           f->token);

  g_assert_cmpint (test_run_cli (binary, &out, &err, "enroll-code", "Siti Aminah",
                                 "--data-dir", f->data_dir, NULL), ==, 0);
  code = test_parse_enrollment_code (out);
  body = g_strdup_printf ("{\"code\": \"%s\", \"device_name\": \"%s\"}", code, name_129);
  assert_raw (f, "POST", "/api/v1/enroll", "Content-Type: application/json\r\n", body, 400, "invalid_request");
  g_free (body);
  body = g_strdup_printf ("{\"code\": \"%s\", \"device_name\": \"%s\"}", code, name_128);
  assert_raw (f, "POST", "/api/v1/enroll", "Content-Type: application/json\r\n", body, 201, NULL);

  g_free (body);
  body = g_strdup_printf ("{\"last_error\": \"%s\"}", error_1024);
  assert_raw (f, "POST", "/api/v1/status", auth, body, 200, NULL);
  g_free (body);
  body = g_strdup_printf ("{\"last_error\": \"%s\"}", error_1025);
  assert_raw (f, "POST", "/api/v1/status", auth, body, 400, "invalid_request");
}

/* A string holding U+0000 is refused, not cut short to a shorter valid id;
 * so is a second document after the first. */
static void
test_nul_and_trailing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
                                           f->token);
  g_autofree char *text = NULL;
  g_autofree char *cut_id = NULL;
  g_autofree char *cut_uuid = NULL;
  g_autofree char *twice = NULL;
  const char *uuid = "55555555-5555-4555-8555-555555555502";

  g_ptr_array_add (batch, test_visit_new (uuid, 1, "P3KE-0001", NULL));
  bytes = test_batch_bytes (batch);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  cut_id = replace_once (text, "\"P3KE-0001\"", "\"P3KE-0001\\u0000x\"");
  assert_raw (f, "POST", "/api/v1/visits", auth, cut_id, 400, "malformed_json");
  cut_uuid = replace_once (text, uuid, "55555555-5555-4555-8555-555555555502\\u0000");
  assert_raw (f, "POST", "/api/v1/visits", auth, cut_uuid, 400, "malformed_json");
  twice = g_strconcat (text, " ", text, NULL);
  assert_raw (f, "POST", "/api/v1/visits", auth, twice, 400, "malformed_json");

  /* nothing of them was stored: the visit arrives now as revision 1 */
  r = test_request (f->session, f->uri, "POST", "api/v1/visits", f->token, "application/json", NULL, bytes);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (test_batch_result (r, 0), "status"), ==, "stored");
}

/* A cursor this collector never gave is refused, so a device whose
 * collector was restored from an older backup learns it must start over
 * instead of silently missing what comes next. */
static void
test_cursor (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s\r\n", f->token);
  static const char *const endpoints[] = { "assignments", "reviews" };

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autofree char *first = g_strdup_printf ("/api/v1/%s?cursor=0", endpoints[i]);
      g_autofree char *never = g_strdup_printf ("/api/v1/%s?cursor=99999999", endpoints[i]);
      g_autofree char *negative = g_strdup_printf ("/api/v1/%s?cursor=-1", endpoints[i]);
      g_autofree char *text = g_strdup_printf ("/api/v1/%s?cursor=abc", endpoints[i]);
      g_autofree char *limit_zero = g_strdup_printf ("/api/v1/%s?limit=0", endpoints[i]);
      g_autofree char *limit_negative = g_strdup_printf ("/api/v1/%s?limit=-1", endpoints[i]);
      g_autofree char *again = NULL;
      g_auto(RawReply) reply = { 0 };
      const char *next;

      raw_send (f, "GET", first, auth, NULL, &reply);
      g_assert_cmpuint (reply.status, ==, 200);
      next = json_object_get_string_member (json_node_get_object (reply.json), "next_cursor");
      /* the last cursor given is still good, with nothing after it */
      again = g_strdup_printf ("/api/v1/%s?cursor=%s", endpoints[i], next);
      assert_raw (f, "GET", again, auth, NULL, 200, NULL);

      assert_raw (f, "GET", never, auth, NULL, 400, "invalid_cursor");
      assert_raw (f, "GET", negative, auth, NULL, 400, "invalid_cursor");
      assert_raw (f, "GET", text, auth, NULL, 400, "invalid_cursor");
      assert_raw (f, "GET", limit_zero, auth, NULL, 200, NULL);
      assert_raw (f, "GET", limit_negative, auth, NULL, 400, "invalid_request");
    }
}

/* A client that goes away mid-body is logged as an aborted request, not as
 * a 500: a server error in the log must mean one. */
static void
test_aborted_log (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) log = NULL;
  g_autofree char *request = NULL;
  g_autofree char *reply = NULL;
  char *line;
  gboolean seen = FALSE;

  /* the same collector again, now with its access log on */
  g_subprocess_send_signal (f->server, SIGTERM);
  g_assert_true (g_subprocess_wait_check (f->server, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&f->server);
  g_clear_pointer (&f->uri, g_free);
  f->server = test_spawn_server (binary, f->data_dir, NULL, TRUE, &f->uri);
  log = g_data_input_stream_new (g_subprocess_get_stderr_pipe (f->server));

  /* 1000 bytes announced, 11 sent, then the connection closes */
  request = g_strdup_printf ("POST /api/v1/visits HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                             "Content-Length: 1000\r\n\r\n{\"visits\":[", f->token);
  reply = test_raw_request (fixture_port (f), request, strlen (request), 500, FALSE);
  g_assert_cmpstr (reply, ==, "");

  while (!seen && (line = g_data_input_stream_read_line (log, NULL, NULL, &error)) != NULL)
    {
      g_test_message ("%s", line);
      if (strstr (line, "POST /api/v1/visits") != NULL)
        {
          g_assert_nonnull (strstr (line, "POST /api/v1/visits aborted "));
          g_assert_null (strstr (line, " 500 "));
          seen = TRUE;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_true (seen);
  assert_alive (f);
}

/* json-glib writes a double with an exponent and no point as "1e+22.0",
 * which nothing can read back: a device sending such a number (an answer
 * the form does not know, a fix's accuracy) made the stored answers and the
 * whole GeoJSON export unreadable. Every JSON written now reads back. */
static void
test_huge_numbers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(GRegex) accuracy = g_regex_new ("\"accuracy\":[-0-9.eE+]+", 0, 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *with_accuracy = NULL;
  g_autofree char *with_answer = NULL;
  const char *formats[] = { "geojson", "csv" };

  g_ptr_array_add (batch, test_visit_new ("55555555-5555-4555-8555-555555555503", 1, "P3KE-0001", NULL));
  bytes = test_batch_bytes (batch);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  with_accuracy = g_regex_replace_literal (accuracy, text, -1, 0, "\"accuracy\":1e22", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (with_accuracy, "\"accuracy\":1e22"));
  with_answer = replace_once (with_accuracy, "\"result\":", "\"meter_reading\":1e22,\"result\":");
  sent = g_bytes_new (with_answer, strlen (with_answer));
  r = test_request (f->session, f->uri, "POST", "api/v1/visits", f->token, "application/json", NULL, sent);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (test_batch_result (r, 0), "status"), ==, "stored");

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, formats[i], NULL);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *exported = NULL;
      gsize length;

      g_assert_cmpint (test_run_cli (binary, &out, &err, "export", "--data-dir", f->data_dir,
                                     "--format", formats[i], "--output", path, NULL), ==, 0);
      g_assert_true (g_file_get_contents (path, &exported, &length, &error));
      g_assert_no_error (error);
      g_assert_null (strstr (exported, "e+22.0"));
      g_assert_nonnull (strstr (exported, "1e+22"));
      if (i == 0)
        {
          /* the whole document reads back, strictly */
          g_assert_true (verval_json_check (exported, length, NULL, &error));
          g_assert_no_error (error);
        }
    }
}

static guint64
rss_kib (GSubprocess *process)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (process));
  g_autofree char *status = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;

  g_file_get_contents (path, &status, NULL, &error);
  g_assert_no_error (error);
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* Before the strict entry one trailing-data body held 1.3 GB for good. Once
 * the allocator has settled (the first round), five more rounds of the
 * whole corpus must not grow the collector by more than one body's worth. */
static void
test_memory (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) corpus = load_corpus ();
  guint64 settled, after;

  replay (f, corpus);
  settled = rss_kib (f->server);
  for (guint round = 0; round < 5; round++)
    replay (f, corpus);
  after = rss_kib (f->server);
  g_test_message ("collector RSS: %" G_GUINT64_FORMAT " KiB after one round, %" G_GUINT64_FORMAT
                  " KiB after six", settled, after);
  g_assert_cmpuint (after, <, settled + 64 * 1024);
}

int
main (int   argc,
      char *argv[])
{
  const char *asan = g_getenv ("ASAN_OPTIONS");

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, >=, 2);
  binary = argv[1];
  /* AddressSanitizer keeps freed memory aside (256 MB) to catch late uses;
   * that would read as growth here. A small quarantine still catches them. */
  if (asan != NULL)
    {
      g_autofree char *options = g_strconcat (asan, ":quarantine_size_mb=16", NULL);

      g_setenv ("ASAN_OPTIONS", options, TRUE);
    }
  g_test_add_func ("/collector/hostile/parse", test_parse);
  g_test_add_func ("/collector/hostile/largest-batch", test_largest_batch);
  g_test_add ("/collector/hostile/server", Fixture, NULL, fixture_setup, test_server, fixture_teardown);
  g_test_add ("/collector/hostile/memory", Fixture, NULL, fixture_setup, test_memory, fixture_teardown);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/collector/hostile/paths", test_paths);
  ADD ("/collector/hostile/authorization", test_authorization);
  ADD ("/collector/hostile/member-types", test_member_types);
  ADD ("/collector/hostile/characters", test_characters);
  ADD ("/collector/hostile/nul-and-trailing", test_nul_and_trailing);
  ADD ("/collector/hostile/cursor", test_cursor);
  ADD ("/collector/hostile/aborted-log", test_aborted_log);
  ADD ("/collector/hostile/huge-numbers", test_huge_numbers);
#undef ADD
  return g_test_run ();
}
