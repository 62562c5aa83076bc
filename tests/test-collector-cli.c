/* test-collector-cli.c: the admin commands, end to end, on the built binary
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "collector-password.h"
#include "test-collector-util.h"
#include "test-pg.h"
#include "test-port.h"

static const char *binary;
static const char *demo_data;   /* tools/verval-demo-data, optional */

/* A P3KE family export as people save it from Excel: a title block, ';' as
 * separator, one family without a valid NIK. */
static const char p3ke_csv[] =
  "DATA P3KE KABUPATEN BULELENG;;;;;;;;;\r\n"
  ";;;;;;;;;\r\n"
  "ID Keluarga P3KE;Provinsi;Kabupaten_Kota;Kecamatan;Desa_Kelurahan;Kode Kemdagri;"
  "Desil Kesejahteraan;Alamat;Kepala Keluarga;NIK\r\n"
  "P3KE-0001;BALI;BULELENG;SUKASADA;PANJI;5108062001;1;Banjar Dinas Kelod;I Made Sutama;3602041211870001\r\n"
  "P3KE-0002;BALI;BULELENG;SUKASADA;PANJI;5108062001;2;Banjar Dinas Kaja;Ni Luh Sari;3273056010900009\r\n"
  "P3KE-0003;BALI;BULELENG;SUKASADA;AMBENGAN;5108062002;1;Jl. Raya Ambengan;Ketut Arta;5108067101050003\r\n"
  "P3KE-0004;BALI;BULELENG;SUKASADA;AMBENGAN;5108062002;3;Jl. Raya Ambengan 2;Nyoman Rai;3.60204E+15\r\n";

typedef struct {
  char *dir;
  char *data_dir;
  char *database;   /* on PostgreSQL: every command's, by VERVAL_DATABASE */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("verval-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  /* the same commands on PostgreSQL, named as an administrator would */
  if (test_store_is_postgresql ())
    {
      f->database = verval_test_pg_new_database ();
      g_setenv ("VERVAL_DATABASE", f->database, TRUE);
    }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->database != NULL)
    {
      g_unsetenv ("VERVAL_DATABASE");
      verval_test_pg_drop_database (f->database);
      g_free (f->database);
    }
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
}

/* The first column of @sql's first row, from whichever store the
 * commands use. */
static char *
query_text (Fixture    *f,
            const char *sql)
{
  g_autofree char *db_path = g_build_filename (f->data_dir, "collector.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text;

  if (f->database != NULL)
    return verval_test_pg_exec (f->database, sql);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return text;
}

#define CLI(out, err, ...) test_run_cli (binary, out, err, __VA_ARGS__, NULL)

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->dir, "p3ke.csv", NULL);
  g_autofree char *geojson_path = g_build_filename (f->dir, "visits.geojson", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *code = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *token = NULL;
  g_autofree char *geojson = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonNode) collection = NULL;
  JsonArray *features;
  JsonObject *feature;

  g_assert_true (g_file_set_contents (csv, p3ke_csv, -1, &error));

  /* import: three families in, the mangled NIK reported with its line */
  g_assert_cmpint (CLI (&out, &err, "import", "--data-dir", f->data_dir, csv), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Families: 3 new, 0 updated"));
  g_assert_nonnull (strstr (out, "Line 7, refused"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* enumerators */
  g_assert_cmpint (CLI (&out, &err, "enumerator", "add", "Siti Aminah", "--phone", "081200000001",
                        "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Added enumerator 1: Siti Aminah"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "enumerator", "add", "Siti Aminah", "--data-dir", f->data_dir), ==, 1);
  g_assert_nonnull (strstr (err, "already exists"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "enumerator", "add", "Budi", "--data-dir", f->data_dir), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* assign a village, then move one family to Budi */
  g_assert_cmpint (CLI (&out, &err, "assign", "Siti Aminah", "--village", "5108062001",
                        "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Assigned 2 household(s)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "assign", "Budi", "--households", "P3KE-0002,P3KE-0003",
                        "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Assigned 2 household(s)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "assign", "Budi", "--village", "9999999999",
                        "--data-dir", f->data_dir), ==, 1);
  g_assert_nonnull (strstr (err, "No households"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "enumerator", "list", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Siti Aminah"));
  g_assert_nonnull (strstr (out, "081200000001"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a code, shown once */
  g_assert_cmpint (CLI (&out, &err, "enroll-code", "Siti Aminah", "--ttl-hours", "2",
                        "--data-dir", f->data_dir), ==, 0);
  code = test_parse_enrollment_code (out);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a device enrols and sends a visit; SIGTERM stops the server cleanly */
  server = test_spawn_server (binary, f->data_dir, NULL, TRUE, &uri);
  {
    g_autofree char *json = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"tablet-siti\"}", code);
    g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
    g_autoptr(TestResponse) r = test_request (session, uri, "POST", "api/v1/enroll", NULL,
                                              "application/json", NULL, body);
    g_autoptr(TestResponse) pull = NULL;

    g_assert_cmpuint (r->status, ==, 201);
    token = g_strdup (json_object_get_string_member (json_node_get_object (r->json), "token"));
    pull = test_request (session, uri, "GET", "api/v1/assignments", token, NULL, NULL, NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (pull->json),
                                                                           "households")), ==, 1);
  }
  {
    g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(TestResponse) r = NULL;

    g_ptr_array_add (batch, test_visit_new ("55555555-5555-4555-8555-555555555501", 1, "P3KE-0001", NULL));
    body = test_batch_bytes (batch);
    r = test_request (session, uri, "POST", "api/v1/visits", token, "application/json", NULL, body);
    g_assert_cmpstr (json_object_get_string_member (test_batch_result (r, 0), "status"), ==, "stored");
  }
  g_subprocess_send_signal (server, SIGTERM);
  {
    g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
    g_autofree char *log = NULL;

    /* to the end of the log, which comes when the server exits */
    g_assert_cmpint (g_output_stream_splice (memory, g_subprocess_get_stderr_pipe (server),
                                             G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error), >, 0);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait (server, NULL, &error));
    log = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (memory)),
                     g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)));
    g_test_message ("%s", log);
    /* one structured line per request, with the device, never a secret */
    g_assert_nonnull (strstr (log, "POST /api/v1/visits 200"));
    g_assert_nonnull (strstr (log, "device=1"));
    g_assert_null (strstr (log, token));
    g_assert_null (strstr (log, code));
    g_assert_null (strstr (log, "3602041211870001"));
  }
  g_assert_true (g_subprocess_get_if_exited (server));
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);

  /* the device shows up and can be revoked */
  g_assert_cmpint (CLI (&out, &err, "device", "list", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "tablet-siti"));
  g_assert_nonnull (strstr (out, "active"));
  g_assert_null (strstr (out, token));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "device", "revoke", "1", "--data-dir", f->data_dir), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "device", "revoke", "99", "--data-dir", f->data_dir), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* export: CSV to stdout, GeoJSON to a file */
  g_assert_cmpint (CLI (&out, &err, "export", "--format", "csv", "--data-dir", f->data_dir), ==, 0);
  g_assert_true (g_str_has_prefix (out, "\xef\xbb\xbfvisit_uuid,revision,household_id"));
  g_assert_nonnull (strstr (out, "55555555-5555-4555-8555-555555555501,1,P3KE-0001,5108062001,1,Siti Aminah"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "export", "--format", "geojson", "--output", geojson_path,
                        "--data-dir", f->data_dir), ==, 0);
  g_assert_true (g_file_get_contents (geojson_path, &geojson, NULL, &error));
  collection = json_from_string (geojson, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (collection), "type"), ==,
                   "FeatureCollection");
  features = json_object_get_array_member (json_node_get_object (collection), "features");
  g_assert_cmpuint (json_array_get_length (features), ==, 1);
  feature = json_array_get_object_element (features, 0);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (
                                    json_object_get_array_member (json_object_get_object_member (feature, "geometry"),
                                                                  "coordinates"), 0), 115.0912, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (feature, "properties"),
                                                  "household_id"), ==, "P3KE-0001");
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (CLI (&out, &err, "frobnicate"), ==, 2);
  g_assert_nonnull (strstr (err, "unknown command"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "--help"), ==, 0);
  g_assert_nonnull (strstr (out, "enroll-code"));
  g_assert_nonnull (strstr (out, "passwd NAME"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "export", "--format", "xml", "--data-dir", f->data_dir), ==, 2);
  g_assert_nonnull (strstr (err, "csv or geojson"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "serve", "--data-dir", f->data_dir), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* plain HTTP off loopback is refused without the explicit option */
  g_assert_cmpint (CLI (&out, &err, "serve", "--data-dir", f->data_dir, "--listen", "0.0.0.0:0"), ==, 1);
  g_assert_nonnull (strstr (err, "Refusing plain HTTP"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "enroll-code", "Nobody", "--data-dir", f->data_dir), ==, 1);
  g_assert_nonnull (strstr (err, "No enumerator"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "import", "--data-dir", f->data_dir, "/nonexistent/list.csv"), ==, 1);
  g_assert_nonnull (strstr (err, "list.csv"));
}

/* ---------------------------------------------------------------- users */

#define CLI_INPUT(input, out, err, ...) test_run_cli_input (binary, input, out, err, __VA_ARGS__, NULL)

static void
assert_password (Fixture    *f,
                 const char *name,
                 const char *password)
{
  g_autofree char *sql = g_strdup_printf ("SELECT password_hash FROM users WHERE name = '%s'", name);
  g_autofree char *hash = query_text (f, sql);

  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  g_assert_true (collector_password_verify (hash, password));
}

/* Accounts added with a password from a file and from standard input,
 * listed whole and by subtree, disabled, enabled and given new passwords. */
static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *password_file = g_build_filename (f->dir, "password", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *new_hash = NULL;
  g_autoptr(GError) error = NULL;

  /* a file as an editor leaves it, with a newline */
  g_assert_true (g_file_set_contents (password_file, "kopi tubruk panas\n", -1, &error));
  g_assert_cmpint (CLI (&out, &err, "user", "add", "Korcam Sukasada", "--role", "supervisor", "--region", "510805",
                        "--password-file", password_file, "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Added user 1: Korcam Sukasada, supervisor of 510805 Sukasada"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* standard input that is no terminal: its first line; a dotted code */
  g_assert_cmpint (CLI_INPUT ("teh manis hangat\n", &out, &err, "user", "add", "Korkab Buleleng", "--role",
                              "admin", "--region", "51.08", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "admin of 5108 Kabupaten Buleleng"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI_INPUT ("es kelapa muda", &out, &err, "user", "add", "Bappeda Pancasari", "--role",
                              "viewer", "--region", "5108052001", "--data-dir", f->data_dir), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  assert_password (f, "Korcam Sukasada", "kopi tubruk panas");
  assert_password (f, "Korkab Buleleng", "teh manis hangat");
  assert_password (f, "Bappeda Pancasari", "es kelapa muda");

  g_assert_cmpint (CLI (&out, &err, "user", "list", "--data-dir", f->data_dir), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Korcam Sukasada"));
  g_assert_nonnull (strstr (out, "Kabupaten Buleleng"));
  g_assert_nonnull (strstr (out, "Pancasari"));
  g_assert_nonnull (strstr (out, "viewer"));
  g_assert_null (strstr (out, "disabled"));
  g_assert_null (strstr (out, "argon2"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "user", "list", "--region", "510805", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Korcam Sukasada"));
  g_assert_nonnull (strstr (out, "Bappeda Pancasari"));
  g_assert_null (strstr (out, "Korkab Buleleng"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CLI (&out, &err, "user", "disable", "Korcam Sukasada", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Disabled user Korcam Sukasada"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "user", "list", "--region", "510805", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "disabled"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "user", "enable", "Korcam Sukasada", "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Enabled user Korcam Sukasada"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "user", "list", "--data-dir", f->data_dir), ==, 0);
  g_assert_null (strstr (out, "disabled"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CLI_INPUT ("kopi susu gula aren\n", &out, &err, "user", "passwd", "Korcam Sukasada",
                              "--data-dir", f->data_dir), ==, 0);
  g_assert_nonnull (strstr (out, "Changed the password of Korcam Sukasada"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  assert_password (f, "Korcam Sukasada", "kopi susu gula aren");
  new_hash = query_text (f, "SELECT password_hash FROM users WHERE name = 'Korcam Sukasada'");
  g_assert_false (collector_password_verify (new_hash, "kopi tubruk panas"));
  g_assert_true (g_file_set_contents (password_file, "wedang jahe merah\r\nsecond line", -1, &error));
  g_assert_cmpint (CLI (&out, &err, "user", "passwd", "Korkab Buleleng", "--password-file", password_file,
                        "--data-dir", f->data_dir), ==, 0);
  assert_password (f, "Korkab Buleleng", "wedang jahe merah");
}

/* Each refusal says why, and leaves nothing behind. */
static void
test_users_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *empty_file = g_build_filename (f->dir, "empty", NULL);
  g_autofree char *missing_file = g_build_filename (f->dir, "missing", NULL);
  g_autoptr(GError) error = NULL;
  static const struct {
    const char *input;        /* standard input, or NULL for --password-file */
    const char *file;         /* "empty" or "missing" */
    const char *name;
    const char *role;
    const char *region;
    int         status;
    const char *says;
  } cases[] = {
    { "kopi tubruk panas\n", NULL, "Budi", "boss", "510805", 2, "admin, supervisor or viewer" },
    { "kopi tubruk panas\n", NULL, "Budi", NULL, "510805", 2, "needs --role and --region" },
    { "kopi tubruk panas\n", NULL, "Budi", "viewer", NULL, 2, "needs --role and --region" },
    { "kopi tubruk panas\n", NULL, "Budi", "viewer", "5199", 1, "no region 5199 in the official list" },
    { "kopi tubruk panas\n", NULL, "Budi", "viewer", "510", 1, "not a region code" },
    { "kopi tubruk panas\n", NULL, "Korcam Sukasada", "viewer", "51", 1, "already exists" },
    { "pendek\n", NULL, "Budi", "viewer", "51", 1, "10 to 1024 characters" },
    { "\n", NULL, "Budi", "viewer", "51", 1, "10 to 1024 characters" },
    { "", NULL, "Budi", "viewer", "51", 1, "10 to 1024 characters" },
    { NULL, "empty", "Budi", "viewer", "51", 1, "10 to 1024 characters" },
    { NULL, "missing", "Budi", "viewer", "51", 1, "missing" },
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_true (g_file_set_contents (empty_file, "", -1, &error));
  g_assert_cmpint (CLI_INPUT ("kopi tubruk panas\n", &out, &err, "user", "add", "Korcam Sukasada", "--role",
                              "supervisor", "--region", "510805", "--data-dir", f->data_dir), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) args = NULL;
      g_autofree char *case_out = NULL;
      g_autofree char *case_err = NULL;
      const char *file = cases[i].file == NULL ? NULL
                         : g_str_equal (cases[i].file, "empty") ? empty_file : missing_file;
      g_autofree char *role = g_strconcat ("--role=", cases[i].role, NULL);
      g_autofree char *region = g_strconcat ("--region=", cases[i].region, NULL);
      g_autofree char *password_file = g_strconcat ("--password-file=", file, NULL);

      g_test_message ("case %u: %s", i, cases[i].says);
      g_strv_builder_add_many (builder, "user", "add", cases[i].name, "--data-dir", f->data_dir, NULL);
      if (cases[i].role != NULL)
        g_strv_builder_add (builder, role);
      if (cases[i].region != NULL)
        g_strv_builder_add (builder, region);
      if (file != NULL)
        g_strv_builder_add (builder, password_file);
      args = g_strv_builder_end (builder);
      g_assert_cmpint (test_run_cli_argv (binary, cases[i].input != NULL ? cases[i].input : "",
                                          (const char * const *) args, &case_out, &case_err), ==,
                       cases[i].status);
      g_assert_nonnull (strstr (case_err, cases[i].says));
    }

  g_assert_cmpint (CLI (&out, &err, "user", "disable", "Nobody", "--data-dir", f->data_dir), ==, 1);
  g_assert_nonnull (strstr (err, "No user named “Nobody”"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI_INPUT ("kopi tubruk panas\n", &out, &err, "user", "passwd", "Nobody",
                              "--data-dir", f->data_dir), ==, 1);
  g_assert_nonnull (strstr (err, "No user named “Nobody”"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI_INPUT ("pendek\n", &out, &err, "user", "passwd", "Korcam Sukasada",
                              "--data-dir", f->data_dir), ==, 1);
  g_assert_nonnull (strstr (err, "10 to 1024 characters"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "user", "list", "Korcam Sukasada", "--data-dir", f->data_dir), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* one account, its first password */
  g_assert_cmpint (CLI (&out, &err, "user", "list", "--data-dir", f->data_dir), ==, 0);
  g_assert_null (strstr (out, "Budi"));
  assert_password (f, "Korcam Sukasada", "kopi tubruk panas");
}

/* Generated listings of both kinds, imported twice: the second time
 * changes nothing. DTKS rows name their village; the code is looked up. */
static void
test_demo_import (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *p3ke = g_build_filename (f->dir, "p3ke.csv", NULL);
  g_autofree char *dtks = g_build_filename (f->dir, "dtks.csv", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *village = NULL;
  g_autofree char *n_village = NULL;
  g_autofree char *n_without = NULL;
  g_autofree char *village_sql = NULL;
  g_autofree char *expected = NULL;

  if (demo_data == NULL)
    {
      g_test_skip ("verval-demo-data not given");
      return;
    }
  g_assert_cmpint (test_run_cli (demo_data, &out, &err, "--families", "200", "--format", "p3ke",
                                 "--seed", "7", p3ke, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (test_run_cli (demo_data, &out, &err, "--families", "200", "--format", "dtks",
                                 "--seed", "8", dtks, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (CLI (&out, &err, "import", "--data-dir", f->data_dir, p3ke, dtks), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Families: 200 new, 0 updated"));
  g_assert_nonnull (strstr (strstr (out, "dtks.csv"), "Families: 200 new, 0 updated"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "import", "--data-dir", f->data_dir, p3ke), ==, 0);
  g_assert_nonnull (strstr (out, "Families: 0 new, 0 updated"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* on PostgreSQL, the data directory holds no database of its own */
  if (f->database != NULL)
    {
      g_autofree char *db_path = g_build_filename (f->data_dir, "collector.db", NULL);

      g_assert_false (g_file_test (db_path, G_FILE_TEST_EXISTS));
    }
  n_without = query_text (f, "SELECT count(*) FROM households WHERE village_code = ''");
  g_assert_cmpstr (n_without, ==, "0");
  village = query_text (f, "SELECT min (village_code) FROM households WHERE source = 'dtks'");
  village_sql = g_strdup_printf ("SELECT count(*) FROM households WHERE village_code = '%s'", village);
  n_village = query_text (f, village_sql);

  g_assert_cmpint (CLI (&out, &err, "enumerator", "add", "Komang", "--data-dir", f->data_dir), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "assign", "Komang", "--village", village, "--data-dir", f->data_dir), ==, 0);
  expected = g_strdup_printf ("Assigned %s household(s)", n_village);
  g_assert_nonnull (strstr (out, expected));
}

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  /* the test's own self-signed certificate */
  return TRUE;
}

static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *cert = g_build_filename (f->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (f->dir, "key.pem", NULL);
  g_autofree char *uri = NULL;
  g_autofree char *info_uri = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;
  const char *extra[] = { "--tls-cert", cert, "--tls-key", key, NULL };
  const char *argv[] = { NULL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                         "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert, NULL };

  if (openssl == NULL || !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("needs the openssl command and a GIO TLS backend");
      return;
    }
  argv[0] = openssl;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  server = test_spawn_server (binary, f->data_dir, extra, FALSE, &uri);
  g_assert_true (g_str_has_prefix (uri, "https://127.0.0.1:"));
  info_uri = g_strconcat (uri, "api/v1/info", NULL);
  msg = soup_message_new ("GET", info_uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

  g_subprocess_send_signal (server, SIGTERM);
  g_assert_true (g_subprocess_wait (server, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
}

/* A database that cannot be reached: a clear error that names it without
 * its password, and a failed exit, for serve as for every admin command. */
static void
test_database_unreachable (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("postgresql://verval:s3cret-pw@127.0.0.1:%u/verval", test_free_port ());
  g_autofree char *err = NULL;
  g_autofree char *serve_err = NULL;

  g_assert_cmpint (CLI (NULL, &err, "enumerator", "list", "--database", url), ==, 1);
  g_assert_nonnull (strstr (err, "127.0.0.1"));
  g_assert_null (strstr (err, "s3cret-pw"));
  g_assert_cmpint (CLI (NULL, &serve_err, "serve", "--data-dir", f->data_dir, "--listen", "127.0.0.1:0",
                        "--database", url), ==, 1);
  g_assert_nonnull (strstr (serve_err, "127.0.0.1"));
  g_assert_null (strstr (serve_err, "s3cret-pw"));
}

static gboolean
accepted_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  GPtrArray *held = user_data;

  /* held open and never answered: the client waits for the server */
  g_ptr_array_add (held, g_object_ref (connection));
  return TRUE;
}

/* A password given on the command line is not what ps shows while the
 * command runs. */
static void
test_database_password_hidden (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSubprocess) cli = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *proc = NULL;
  g_autofree char *cmdline = NULL;
  gsize length;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (accepted_cb), held);
  url = g_strdup_printf ("postgresql://verval:s3cret-pw@127.0.0.1:%u/verval?connect_timeout=30", port);
  cli = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          binary, "enumerator", "list", "--database", url, NULL);
  g_assert_no_error (error);
  /* once it connects, it has read its options */
  for (guint i = 0; i < 500 && held->len == 0; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_cmpuint (held->len, >, 0);
  proc = g_strdup_printf ("/proc/%s/cmdline", g_subprocess_get_identifier (cli));
  g_assert_true (g_file_get_contents (proc, &cmdline, &length, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i + 1 < length; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  g_test_message ("ps: %s", cmdline);
  g_assert_null (strstr (cmdline, "s3cret-pw"));
  g_assert_nonnull (strstr (cmdline, "verval:*********@127.0.0.1"));
  g_subprocess_force_exit (cli);
  g_subprocess_wait (cli, NULL, NULL);
}

static guint
enroll_from (SoupSession *session,
             const char  *uri,
             const char  *forwarded_for)
{
  g_autofree char *url = g_strconcat (uri, "api/v1/enroll", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  static const char json[] = "{\"code\":\"XXXXX-XXXXX\",\"device_name\":\"x\"}";
  g_autoptr(GBytes) request = g_bytes_new_static (json, strlen (json));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Forwarded-For", forwarded_for);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

/* nginx on the same machine talks to a collector on loopback: with
 * --behind-proxy each client is its own address, the one the proxy adds
 * last, for the enrollment throttle as for everything else. */
static void
test_behind_proxy (Fixture       *f,
                   gconstpointer  data)
{
  const char *extra[] = { "--behind-proxy", "--enroll-attempts", "2", NULL };
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  server = test_spawn_server (binary, f->data_dir, extra, FALSE, &uri);
  g_assert_cmpuint (enroll_from (session, uri, "192.0.2.7, 198.51.100.1"), ==, 403);
  g_assert_cmpuint (enroll_from (session, uri, "198.51.100.1"), ==, 403);
  g_assert_cmpuint (enroll_from (session, uri, "198.51.100.1"), ==, 429);
  /* the proxy's own address and a client's spoofed first entry do not count */
  g_assert_cmpuint (enroll_from (session, uri, "198.51.100.1, 203.0.113.9"), ==, 403);
  g_assert_cmpuint (enroll_from (session, uri, "203.0.113.10"), ==, 403);

  g_subprocess_send_signal (server, SIGTERM);
  g_assert_true (g_subprocess_wait (server, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  binary = test_collector_binary (argc, argv);
  demo_data = argc > 2 ? argv[2] : NULL;
  g_test_add ("/collector/cli/round-trip", Fixture, NULL, fixture_setup, test_round_trip, fixture_teardown);
  g_test_add ("/collector/cli/demo-import", Fixture, NULL, fixture_setup, test_demo_import, fixture_teardown);
  g_test_add ("/collector/cli/tls", Fixture, NULL, fixture_setup, test_tls, fixture_teardown);
  g_test_add ("/collector/cli/behind-proxy", Fixture, NULL, fixture_setup, test_behind_proxy, fixture_teardown);
  g_test_add ("/collector/cli/database-unreachable", Fixture, NULL, fixture_setup, test_database_unreachable,
              fixture_teardown);
  g_test_add ("/collector/cli/database-password-hidden", Fixture, NULL, fixture_setup,
              test_database_password_hidden, fixture_teardown);
  g_test_add ("/collector/cli/usage-errors", Fixture, NULL, fixture_setup, test_usage_errors, fixture_teardown);
  g_test_add ("/collector/cli/users", Fixture, NULL, fixture_setup, test_users, fixture_teardown);
  g_test_add ("/collector/cli/users-refused", Fixture, NULL, fixture_setup, test_users_refused, fixture_teardown);
  return g_test_run ();
}
