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
  g_autofree char *data_dir = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *code = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(TestResponse) r = NULL;

  f->dir = g_dir_make_tmp ("verval-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (f->dir, "data", NULL);
  csv = g_build_filename (f->dir, "p3ke.csv", NULL);
  g_file_set_contents (csv, p3ke_csv, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "import", "--data-dir", data_dir, csv, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "enumerator", "add", "Siti Aminah",
                                 "--data-dir", data_dir, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "assign", "Siti Aminah", "--village", "5108062001",
                                 "--data-dir", data_dir, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (binary, &out, &err, "enroll-code", "Siti Aminah",
                                 "--data-dir", data_dir, NULL), ==, 0);
  code = test_parse_enrollment_code (out);

  f->server = test_spawn_server (binary, data_dir, NULL, FALSE, &f->uri);
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
  return g_test_run ();
}
