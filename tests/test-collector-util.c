/* test-collector-util.c: a collector on a loopback port for tests and benchmarks
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector-pg-store.h"
#include "collector-token.h"
#include "test-collector-util.h"
#include "test-pg.h"
#include "verval-wire-visit.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
server_thread (gpointer data)
{
  TestCollector *tc = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (tc->context);
  tc->server = collector_server_new (tc->store, tc->media, tc->forms, &tc->limits);
  g_assert_true (collector_server_listen (tc->server, "127.0.0.1:0", tc->behind_proxy, &error));
  g_assert_no_error (error);
  tc->uri = collector_server_get_uri (tc->server);
  {
    g_autoptr(GUri) uri = g_uri_parse (tc->uri, G_URI_FLAGS_NONE, NULL);

    tc->port = g_uri_get_port (uri);
  }

  g_mutex_lock (&tc->lock);
  tc->ready = TRUE;
  g_cond_signal (&tc->cond);
  g_mutex_unlock (&tc->lock);

  g_main_loop_run (tc->loop);
  g_clear_object (&tc->server);
  /* let idle callbacks of finished requests run before the context goes */
  while (g_main_context_iteration (tc->context, FALSE))
    ;
  g_main_context_pop_thread_default (tc->context);
  return NULL;
}

gboolean
test_store_is_postgresql (void)
{
  return g_strcmp0 (g_getenv ("VERVAL_TEST_STORE"), "postgresql") == 0;
}

static void
run_server_thread (TestCollector *tc)
{
  g_mutex_init (&tc->lock);
  g_cond_init (&tc->cond);
  tc->context = g_main_context_new ();
  tc->loop = g_main_loop_new (tc->context, FALSE);
  tc->thread = g_thread_new ("test-collector", server_thread, tc);
  g_mutex_lock (&tc->lock);
  while (!tc->ready)
    g_cond_wait (&tc->cond, &tc->lock);
  g_mutex_unlock (&tc->lock);
}

TestCollector *
test_collector_start (const CollectorLimits *limits)
{
  return test_collector_start_full (limits, FALSE);
}

TestCollector *
test_collector_start_full (const CollectorLimits *limits,
                           gboolean               behind_proxy)
{
  TestCollector *tc = g_new0 (TestCollector, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *media = NULL;

  tc->dir = g_dir_make_tmp ("verval-collector-XXXXXX", &error);
  g_assert_no_error (error);
  tc->data_dir = g_build_filename (tc->dir, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (tc->data_dir, 0700), ==, 0);
  db = g_build_filename (tc->data_dir, "collector.db", NULL);
  media = g_build_filename (tc->data_dir, "media", NULL);
  if (test_store_is_postgresql ())
    {
      tc->database = verval_test_pg_new_database ();
      tc->store = collector_pg_store_new (tc->database, &error);
    }
  else
    tc->store = collector_sqlite_store_new (db, &error);
  g_assert_no_error (error);
  tc->media = collector_media_new (media, &error);
  g_assert_no_error (error);
  tc->forms = collector_forms_new ();
  if (limits != NULL)
    tc->limits = *limits;
  else
    collector_limits_init_default (&tc->limits);
  tc->behind_proxy = behind_proxy;
  run_server_thread (tc);
  return tc;
}

TestCollector *
test_collector_start_beside (TestCollector *first)
{
  TestCollector *tc = g_new0 (TestCollector, 1);

  tc->beside = TRUE;
  tc->dir = g_strdup (first->dir);
  tc->data_dir = g_strdup (first->data_dir);
  tc->store = g_object_ref (first->store);
  tc->database = g_strdup (first->database);
  tc->media = g_object_ref (first->media);
  tc->forms = collector_forms_new ();
  tc->limits = first->limits;
  tc->behind_proxy = first->behind_proxy;
  run_server_thread (tc);
  return tc;
}

const char *
test_collector_binary (int    argc,
                       char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s PATH-TO-verval-collector\n", argv[0]);
      exit (1);
    }
  return argv[1];
}

void
test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            test_rm_rf (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

void
test_collector_stop (TestCollector *tc)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, quit_cb, tc->loop, NULL);
  g_source_attach (source, tc->context);
  g_source_unref (source);
  g_thread_join (tc->thread);

  if (!tc->beside)
    collector_store_close (tc->store);
  g_clear_object (&tc->store);
  if (tc->database != NULL && !tc->beside)
    verval_test_pg_drop_database (tc->database);
  g_free (tc->database);
  g_clear_object (&tc->media);
  g_clear_object (&tc->forms);
  g_main_loop_unref (tc->loop);
  g_main_context_unref (tc->context);
  g_mutex_clear (&tc->lock);
  g_cond_clear (&tc->cond);
  if (!tc->beside)
    test_rm_rf (tc->dir);
  g_free (tc->dir);
  g_free (tc->data_dir);
  g_free (tc->uri);
  g_free (tc);
}

void
test_collector_add_households (TestCollector *tc,
                               const char    *village,
                               guint          n)
{
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GError) error = NULL;
  guint n_new = 0;

  for (guint i = 0; i < n; i++)
    {
      CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

      h->id = g_strdup_printf ("HH-%s-%u", village, i);
      h->source = g_strdup ("p3ke");
      h->village_code = g_strdup (village);
      h->head_name = g_strdup_printf ("Kepala %u", i);
      h->nik = g_strdup_printf ("36020412118%05u", i);
      h->kk = g_strdup_printf ("36020420010%05u", i);
      h->address = g_strdup_printf ("Jl. Melati No. %u", i + 1);
      h->data_json = g_strdup ("{\"desil\":1,\"programmes\":[\"pkh\"]}");
      g_ptr_array_add (households, h);
    }
  g_assert_true (collector_store_upsert_households (tc->store, households, &n_new, NULL, &error));
  g_assert_no_error (error);
}

gint64
test_collector_add_enumerator (TestCollector *tc,
                               const char    *name)
{
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  g_assert_true (collector_store_add_enumerator (tc->store, name, NULL, &id, &error));
  g_assert_no_error (error);
  return id;
}

char *
test_collector_enroll (TestCollector *tc,
                       SoupSession   *session,
                       gint64         enumerator_id,
                       const char    *device_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *normal = collector_enroll_code_normalize (code);
  g_autofree char *hash = collector_secret_hash (normal);
  g_autofree char *body = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TestResponse) response = NULL;
  JsonObject *obj;

  g_assert_true (collector_store_add_enroll_code (tc->store, enumerator_id, hash,
                                                  g_get_real_time () / G_USEC_PER_SEC + 3600, &error));
  g_assert_no_error (error);
  body = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"%s\",\"app_version\":\"0.1.0\"}",
                          code, device_name);
  bytes = g_bytes_new (body, strlen (body));
  response = test_request (session, tc->uri, "POST", "api/v1/enroll", NULL, "application/json", NULL, bytes);
  g_assert_cmpuint (response->status, ==, 201);
  obj = json_node_get_object (response->json);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "enumerator"), "id"),
                   ==, enumerator_id);
  return g_strdup (json_object_get_string_member (obj, "token"));
}

TestResponse *
test_request (SoupSession *session,
              const char  *base_uri,
              const char  *method,
              const char  *path,
              const char  *token,
              const char  *content_type,
              const char  *content_encoding,
              GBytes      *body)
{
  return test_request_with_headers (session, base_uri, method, path, token, NULL, content_type,
                                    content_encoding, body);
}

TestResponse *
test_request_with_headers (SoupSession        *session,
                           const char         *base_uri,
                           const char         *method,
                           const char         *path,
                           const char         *token,
                           const char * const *headers,
                           const char         *content_type,
                           const char         *content_encoding,
                           GBytes             *body)
{
  g_autofree char *uri = g_strconcat (base_uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GError) error = NULL;
  TestResponse *response;
  const char *type;

  g_assert_nonnull (msg);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);
  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (content_encoding != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Encoding",
                                  content_encoding);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  response = g_new0 (TestResponse, 1);
  response->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  type = soup_message_headers_get_content_type (response->headers, NULL);
  if (g_strcmp0 (type, "application/json") == 0)
    {
      gsize length;
      const char *data = g_bytes_get_data (response->body, &length);
      /* the body is not NUL-terminated */
      g_autofree char *text = g_strndup (data != NULL ? data : "", length);

      response->json = json_from_string (text, &error);
      g_assert_no_error (error);
    }
  return response;
}

void
test_response_free (TestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

const char *
test_response_error_code (TestResponse *response)
{
  JsonObject *obj;

  if (response->json == NULL || !JSON_NODE_HOLDS_OBJECT (response->json))
    return NULL;
  obj = json_node_get_object (response->json);
  if (!json_object_has_member (obj, "error"))
    return NULL;
  return json_object_get_string_member (json_object_get_object_member (obj, "error"), "code");
}

/* Headers and as many body bytes as Content-Length says. */
static gboolean
response_complete (GString *reply)
{
  const char *end = strstr (reply->str, "\r\n\r\n");
  const char *length;

  if (end == NULL)
    return FALSE;
  length = strstr (reply->str, "Content-Length: ");
  if (length == NULL || length > end)
    return FALSE;
  return (gsize) (reply->len - (end + 4 - reply->str)) >= g_ascii_strtoull (length + 16, NULL, 10);
}

char *
test_raw_request (guint16     port,
                  const char *request,
                  gsize       length,
                  guint       timeout_ms,
                  gboolean    keep_open_after_write)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  GOutputStream *out;
  GSocket *socket;
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_assert_true (g_output_stream_write_all (out, request, length, NULL, NULL, &error));
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);
  if (!keep_open_after_write)
    g_socket_shutdown (socket, FALSE, TRUE, NULL);

  for (;;)
    {
      char buffer[4096];
      gssize n;
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        break;
      g_clear_error (&error);
      if (!g_socket_condition_timed_wait (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, left, NULL, &error))
        break;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n <= 0)
        break;
      g_string_append_len (reply, buffer, n);
      if (response_complete (reply))
        break;
    }
  return g_string_free (g_steal_pointer (&reply), FALSE);
}

JsonNode *
test_visit_new (const char         *uuid,
                gint64              revision,
                const char         *household_id,
                const char * const *media)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(VervalWireVisit) visit = verval_wire_visit_new ();
  g_autoptr(GDateTime) fix_time = g_date_time_new_from_iso8601 ("2026-11-20T09:13:05+07:00", NULL);
  g_autoptr(GDateTime) taken = g_date_time_new_from_iso8601 ("2026-11-20T09:14:00+07:00", NULL);
  g_autoptr(JsonNode) location = NULL;
  VervalLocationFix *fix;
  gboolean found;

  /* The fix of a location service, as the app records and sends it. */
  fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1123, 115.0912, 12.5, fix_time);
  fix->has_altitude = TRUE;
  fix->altitude = 48;
  location = verval_location_fix_to_answer (fix);

  /* With photos: a family found and verified (sections A–H of the built-in
   * form). Without: nobody at home, which needs no photo of a house. */
  found = media != NULL && media[0] != NULL;
  json_builder_begin_object (b);
#define ANSWER_INT(k, v) json_builder_set_member_name (b, k); json_builder_add_int_value (b, v)
#define ANSWER_STR(k, v) json_builder_set_member_name (b, k); json_builder_add_string_value (b, v)
#define ANSWER_BOOL(k, v) json_builder_set_member_name (b, k); json_builder_add_boolean_value (b, v)
  if (found)
    {
      ANSWER_INT ("result", 1);
      ANSWER_STR ("head_nik", "3602041211870001");
      ANSWER_STR ("kk_number", "3602042001100001");
      ANSWER_STR ("head_name", "Ahmad Suryadi");
      ANSWER_INT ("members", 5);
      ANSWER_STR ("phone", "081234567890");
      ANSWER_INT ("tenure", 1);
      ANSWER_INT ("floor_area", 36);
      ANSWER_INT ("floor", 8);
      ANSWER_INT ("walls", 4);
      ANSWER_INT ("wall_condition", 2);
      ANSWER_INT ("roof", 3);
      ANSWER_INT ("roof_condition", 3);
      ANSWER_INT ("water", 6);
      ANSWER_INT ("lighting", 1);
      ANSWER_INT ("power", 2);
      ANSWER_INT ("cooking_fuel", 2);
      ANSWER_INT ("toilet", 1);
      ANSWER_INT ("occupation", 2);
      ANSWER_INT ("income", 850000);
      ANSWER_INT ("education", 3);
      ANSWER_INT ("meals_per_day", 2);
      ANSWER_BOOL ("protein_once_a_week", TRUE);
      ANSWER_BOOL ("one_clothes_set_a_year", FALSE);
      ANSWER_BOOL ("can_afford_health_centre", FALSE);
      ANSWER_BOOL ("has_savings", FALSE);
      ANSWER_INT ("health_insurance", 2);
      ANSWER_BOOL ("elderly_alone", FALSE);
      ANSWER_INT ("disabled", 1);
      ANSWER_INT ("disabled_severe", 0);
      ANSWER_BOOL ("female_head", FALSE);
      ANSWER_INT ("migrant_workers", 0);
      ANSWER_INT ("pregnant", 0);
      ANSWER_INT ("children_0_6", 1);
      ANSWER_INT ("school_children", 2);
      ANSWER_INT ("out_of_school", 0);
      ANSWER_BOOL ("prog_pkh", TRUE);
      ANSWER_BOOL ("prog_bpnt", TRUE);
      ANSWER_BOOL ("prog_blt_dd", FALSE);
      ANSWER_BOOL ("prog_pbi_jk", TRUE);
      ANSWER_BOOL ("prog_pip", FALSE);
      ANSWER_BOOL ("prog_rtlh", FALSE);
      ANSWER_BOOL ("prog_electricity", TRUE);
      ANSWER_BOOL ("prog_pemda", FALSE);
      ANSWER_BOOL ("prog_other", FALSE);
      json_builder_set_member_name (b, "needs");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, 1);
      json_builder_add_int_value (b, 2);
      json_builder_end_array (b);
      ANSWER_INT ("eligible", 1);
      ANSWER_INT ("recommendation", 1);
      ANSWER_STR ("note", "Rumah semi permanen, atap seng bocor di bagian dapur.");
      json_builder_set_member_name (b, "photo_house_front");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, media[0]);
      json_builder_end_array (b);
      if (media[1] != NULL)
        {
          json_builder_set_member_name (b, "photo_inside");
          json_builder_begin_array (b);
          json_builder_add_string_value (b, media[1]);
          json_builder_end_array (b);
        }
    }
  else
    {
      ANSWER_INT ("result", 7);
      ANSWER_BOOL ("house_present", FALSE);
      ANSWER_INT ("recommendation", 1);
      ANSWER_STR ("note", "Rumah kosong, tetangga bilang keluarga sedang ke kebun. Kunjungi lagi sore.");
    }
  json_builder_set_member_name (b, "location");
  json_builder_add_value (b, g_steal_pointer (&location));
#undef ANSWER_INT
#undef ANSWER_STR
#undef ANSWER_BOOL
  json_builder_end_object (b);

  visit->uuid = g_strdup (uuid);
  visit->revision = revision;
  visit->household_id = g_strdup (household_id);
  visit->form_id = g_strdup ("verification");
  visit->form_version = 1;
  visit->answers = json_builder_get_root (b);
  visit->result_code = found ? 1 : 7;
  visit->started_at = g_date_time_new_from_iso8601 ("2026-11-20T09:12:00+07:00", NULL);
  visit->finished_at = g_date_time_new_from_iso8601 ("2026-11-20T09:27:30+07:00", NULL);
  visit->location = fix;
  for (guint i = 0; media != NULL && media[i] != NULL; i++)
    g_ptr_array_add (visit->media, verval_wire_media_new (media[i], i == 0 ? "house_front" : "house_inside",
                                                          307200, taken));
  return verval_wire_visit_to_json (visit);
}

GBytes *
test_batch_bytes (GPtrArray *visits)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonArray *array = json_array_sized_new (visits->len);
  char *text;

  for (guint i = 0; i < visits->len; i++)
    json_array_add_element (array, json_node_copy (g_ptr_array_index (visits, i)));
  json_object_set_array_member (obj, "visits", array);
  json_node_set_object (root, obj);
  text = json_to_string (root, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

GBytes *
test_gzip (GBytes *plain)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;
  gsize length;
  const void *data = g_bytes_get_data (plain, &length);

  g_assert_true (g_output_stream_write_all (out, data, length, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

GBytes *
test_photo_bytes (gsize  size,
                  guint8 seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + seed * 7 + (i >> 8));
  data[0] = 0xff;
  data[1] = 0xd8;
  return g_bytes_new_take (data, size);
}

char *
test_sha256_hex (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

JsonObject *
test_batch_result (TestResponse *response,
                   guint         index)
{
  JsonArray *results;

  g_assert_nonnull (response->json);
  results = json_object_get_array_member (json_node_get_object (response->json), "results");
  g_assert_cmpuint (index, <, json_array_get_length (results));
  return json_array_get_object_element (results, index);
}

GSubprocess *
test_spawn_server (const char         *binary,
                   const char         *data_dir,
                   const char * const *extra,
                   gboolean            log,
                   char              **uri)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *line = NULL;
  g_autofree char *options = NULL;
  GSubprocess *process;

  g_ptr_array_add (args, (gpointer) binary);
  g_ptr_array_add (args, (gpointer) "serve");
  if (!log)
    g_ptr_array_add (args, (gpointer) "--quiet");
  g_ptr_array_add (args, (gpointer) "--data-dir");
  g_ptr_array_add (args, (gpointer) data_dir);
  g_ptr_array_add (args, (gpointer) "--listen");
  g_ptr_array_add (args, (gpointer) "127.0.0.1:0");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                       (log ? G_SUBPROCESS_FLAGS_STDERR_PIPE : 0));
  /* libsoup 3.2 leaks the socket of an idle connection the client closed
   * (fixed in 3.3): under LeakSanitizer the server would exit non-zero for
   * that alone. The server code's own leaks are checked by the in-process
   * tests (test-collector-api), which run the same code. */
  options = g_strconcat (g_getenv ("ASAN_OPTIONS") != NULL ? g_getenv ("ASAN_OPTIONS") : "",
                         g_getenv ("ASAN_OPTIONS") != NULL ? ":" : "", "detect_leaks=0", NULL);
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:") ||
                 g_str_has_prefix (line, "listening on https://127.0.0.1:"));
  *uri = g_strdup (line + strlen ("listening on "));
  return process;
}

/* The enrollment code ("ABC34-DEF56") in what the CLI printed. */
char *
test_parse_enrollment_code (const char *output)
{
  g_autoptr(GRegex) regex = g_regex_new ("([3-9A-Z]{5}-[3-9A-Z]{5})", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_true (g_regex_match (regex, output, 0, &match));
  return g_match_info_fetch (match, 1);
}

int
test_run_cli_argv (const char         *binary,
                   const char         *input,
                   const char * const *args,
                   char              **out,
                   char              **err)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) built = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_strv_builder_add (argv, binary);
  g_strv_builder_addv (argv, (const char **) args);
  built = g_strv_builder_end (argv);
  process = g_subprocess_newv ((const char * const *) built,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                               (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0), &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static int
run_cli_valist (const char *binary,
                const char *input,
                char      **out,
                char      **err,
                va_list     ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;

  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);
  return test_run_cli_argv (binary, input, (const char * const *) args->pdata, out, err);
}

int
test_run_cli (const char *binary,
              char      **out,
              char      **err,
              ...)
{
  va_list ap;
  int status;

  va_start (ap, err);
  status = run_cli_valist (binary, NULL, out, err, ap);
  va_end (ap);
  return status;
}

int
test_run_cli_input (const char *binary,
                    const char *input,
                    char      **out,
                    char      **err,
                    ...)
{
  va_list ap;
  int status;

  va_start (ap, err);
  status = run_cli_valist (binary, input, out, err, ap);
  va_end (ap);
  return status;
}
