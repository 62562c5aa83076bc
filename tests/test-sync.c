/* test-sync.c: the sync engine against the real collector binary on loopback
 *
 * argv[1] is verval-collector, argv[2] the sync driver (for the kill test).
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "collector-import.h"
#include "collector-sqlite-store.h"
#include "photo-fixture.h"
#include "sync-proxy.h"
#include "test-pg.h"
#include "test-sync-util.h"
#include "verval-http.h"
#include "verval-photo.h"
#include "verval-regions.h"
#include "verval-secret.h"
#include "verval-visit-store.h"

static const char *collector_exe;
static const char *driver_exe;

typedef struct {
  SyncCollector *collector;
  SyncClient    *client;
  SyncProxy     *proxy;
  GAsyncResult  *result;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->collector = sync_collector_new (collector_exe, 40);
  sync_collector_start (f->collector);
  f->client = sync_client_new (NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->client != NULL)
    sync_client_free (f->client, TRUE);
  g_clear_pointer (&f->proxy, sync_proxy_free);
  sync_collector_free (f->collector);
  g_clear_object (&f->result);
}

/* Enrols through url (the collector's or the proxy's). */
static void
enroll (Fixture    *f,
        const char *url)
{
  g_autofree char *code = sync_collector_issue_code (f->collector);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  verval_sync_enroll_async (f->client->sync, url, code, "Tablet Sukasada 1", NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  g_assert_true (verval_sync_enroll_finish (f->client->sync, result, &error));
  g_assert_no_error (error);
  /* kept for the Preferences window */
  g_assert_cmpint (sync_client_query_int (f->client, "SELECT count(*) FROM sync_state "
                             "WHERE key = 'device_name' AND value = 'Tablet Sukasada 1'"), ==, 1);
}

static gboolean
run (Fixture  *f,
     GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  verval_sync_run_async (f->client->sync, "manual", NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  return verval_sync_run_finish (f->client->sync, result, error);
}

static void
run_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (run (f, &error));
  g_assert_no_error (error);
}

static gint64
local (Fixture    *f,
       const char *sql)
{
  return sync_client_query_int (f->client, sql);
}

static gint64
remote (Fixture    *f,
        const char *sql)
{
  return sync_collector_query_int (f->collector, sql);
}

/* ---------------------------------------------------------------- units */

static void
test_url_rules (void)
{
  static const struct {
    const char *url;
    const char *normal;
    int         error;
  } cases[] = {
    { "https://verval.example.id", "https://verval.example.id/", -1 },
    { "https://verval.example.id/kab/", "https://verval.example.id/kab/", -1 },
    { "http://127.0.0.1:8080", "http://127.0.0.1:8080/", -1 },
    { "http://127.8.9.10/", "http://127.8.9.10/", -1 },
    { "http://[::1]:9000/", "http://[::1]:9000/", -1 },
    { "http://localhost:1234/", "http://localhost:1234/", -1 },
    { "http://verval.example.id/", NULL, VERVAL_HTTP_ERROR_INSECURE_URL },
    { "http://192.168.1.10:8080/", NULL, VERVAL_HTTP_ERROR_INSECURE_URL },
    { "http://localhost.example.id/", NULL, VERVAL_HTTP_ERROR_INSECURE_URL },
    { "ftp://verval.example.id/", NULL, VERVAL_HTTP_ERROR_INVALID_URL },
    { "verval.example.id", NULL, VERVAL_HTTP_ERROR_INVALID_URL },
    { "https://user:pw@verval.example.id/", NULL, VERVAL_HTTP_ERROR_INVALID_URL },
    { "", NULL, VERVAL_HTTP_ERROR_INVALID_URL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normal = verval_http_check_url (cases[i].url, &error);

      g_test_message ("%s", cases[i].url);
      g_assert_cmpstr (normal, ==, cases[i].normal);
      if (cases[i].error >= 0)
        g_assert_error (error, VERVAL_HTTP_ERROR, cases[i].error);
      else
        g_assert_no_error (error);
    }
}

static void
test_gzip (void)
{
  g_autoptr(GString) text = g_string_new ("{\"visits\":[");
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GConverter) inflate = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  gsize read, written;
  const guint8 *data;

  for (guint i = 0; i < 500; i++)
    g_string_append_printf (text, "%s{\"uuid\":\"%u\",\"answers\":{\"result\":1}}", i ? "," : "", i);
  g_string_append (text, "]}");
  plain = g_bytes_new (text->str, text->len);
  packed = verval_http_gzip (plain, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (packed, NULL);
  g_assert_cmpuint (data[0], ==, 0x1f);
  g_assert_cmpuint (data[1], ==, 0x8b);
  g_assert_cmpuint (g_bytes_get_size (packed), <, text->len / 4);
  out = g_malloc (text->len + 16);
  g_assert_cmpint (g_converter_convert (inflate, data, g_bytes_get_size (packed), out, text->len + 16,
                                        G_CONVERTER_INPUT_AT_END, &read, &written, &error),
                   ==, G_CONVERTER_FINISHED);
  g_assert_no_error (error);
  g_assert_cmpuint (written, ==, text->len);
  g_assert_cmpmem (out, written, text->str, text->len);
}

static void
test_secret_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("verval-secret-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, VERVAL_SECRET_FILE_NAME, NULL);
  g_autofree char *token = NULL;
  g_autofree char *other = NULL;
  g_autofree char *none = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpint (verval_secret_resolve_backend (VERVAL_SECRET_AUTO), ==, VERVAL_SECRET_FILE);
  g_assert_true (verval_secret_store_token (dir, "https://a.example.id/", "tok-0123456789abcdef",
                                            VERVAL_SECRET_FILE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  token = verval_secret_lookup_token (dir, "https://a.example.id/", VERVAL_SECRET_FILE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-0123456789abcdef");
  /* a token is only good for the collector that issued it */
  other = verval_secret_lookup_token (dir, "https://b.example.id/", VERVAL_SECRET_FILE, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (other);
  g_assert_true (verval_secret_clear_token (dir, "https://a.example.id/", VERVAL_SECRET_FILE, NULL, &error));
  g_assert_no_error (error);
  none = verval_secret_lookup_token (dir, "https://a.example.id/", VERVAL_SECRET_FILE, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (none);
  sync_test_rm_rf (dir);
}

static void
test_messages (void)
{
  g_autoptr(GDateTime) at = g_date_time_new_local (2026, 11, 22, 17, 45, 0);
  g_autofree char *dropped = verval_sync_message_for_error (VERVAL_SYNC_ERROR_DROPPED, at);
  g_autofree char *code = verval_sync_message_for_error (VERVAL_SYNC_ERROR_CODE_REFUSED, NULL);
  g_autofree char *problem = verval_sync_message_for_problem ("household_not_assigned", "household_id", "x");
  g_autofree char *unknown = verval_sync_message_for_problem ("new_rule", NULL, "Photo is blurred");
  g_autoptr(GError) offline = g_error_new_literal (VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_RESOLVE, "x");
  g_autoptr(GError) refused = g_error_new_literal (VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_CONNECT, "x");

  g_assert_nonnull (strstr (dropped, "17:45"));
  g_assert_nonnull (strstr (code, "enrollment code"));
  g_assert_nonnull (strstr (problem, "not assigned"));
  g_assert_nonnull (strstr (unknown, "Photo is blurred"));
  g_assert_cmpint (verval_sync_error_classify (offline), ==, VERVAL_SYNC_ERROR_OFFLINE);
  g_assert_cmpint (verval_sync_error_classify (refused), ==, VERVAL_SYNC_ERROR_UNREACHABLE);
  g_assert_true (verval_sync_error_is_transient (VERVAL_SYNC_ERROR_SERVER));
  g_assert_false (verval_sync_error_is_transient (VERVAL_SYNC_ERROR_TOKEN_REFUSED));
}

/* ---------------------------------------------------------------- enrollment */

static void
test_enroll_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  verval_sync_enroll_async (f->client->sync, f->collector->url, "ZZZZ-ZZZZ-ZZZZ", "Tablet", NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  g_assert_false (verval_sync_enroll_finish (f->client->sync, result, &error));
  g_assert_error (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_CODE_REFUSED);
  message = verval_sync_message_for_error (error->code, NULL);
  g_assert_nonnull (strstr (message, "refused the enrollment code"));
  g_clear_error (&error);

  /* nothing stored: a sync says "not enrolled" and touches no network */
  g_assert_false (run (f, &error));
  g_assert_error (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_NOT_ENROLLED);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_NOT_ENROLLED);
  g_clear_error (&error);

  /* plain http to a host that is not this computer is refused before sending */
  verval_sync_enroll_async (f->client->sync, "http://verval.example.id/", "ABCD", "Tablet", NULL, sync_test_keep_result, &f->result);
  result2 = sync_test_wait_result (&f->result);
  g_assert_false (verval_sync_enroll_finish (f->client->sync, result2, &error));
  g_assert_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_INSECURE_URL);
  g_clear_error (&error);

  /* Guessing: after ten wrong codes (the collector's default) this address
   * is told to wait, in words that say so. */
  for (guint i = 1; i <= 10; i++)
    {
      g_autoptr(GAsyncResult) guess = NULL;

      verval_sync_enroll_async (f->client->sync, f->collector->url, "ZZZZ-ZZZZ-ZZZZ", "Tablet", NULL, sync_test_keep_result, &f->result);
      guess = sync_test_wait_result (&f->result);
      g_assert_false (verval_sync_enroll_finish (f->client->sync, guess, &error));
      g_assert_error (error, VERVAL_SYNC_ERROR,
                      (i < 10 ? VERVAL_SYNC_ERROR_CODE_REFUSED : VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS));
      if (i < 10)
        g_clear_error (&error);
    }
  g_free (message);
  message = verval_sync_message_for_error (error->code, NULL);
  g_assert_nonnull (strstr (message, "too many wrong ones"));
  g_assert_false (verval_sync_error_is_transient (error->code));
}

/* ---------------------------------------------------------------- round trip */

static char *
write_photo (const char *dir,
             guint       seed)
{
  g_autofree char *name = g_strdup_printf ("camera-%u.jpg", seed);

  return fixture_write_photo (dir, name, 640, 480, seed, NULL);
}

/* A visit through the visit layer as the app records it: nobody home, the
 * house photographed twice, finalized. */
static VervalVisit *
record_visit (Fixture          *f,
              VervalVisitStore *visits,
              const char       *family_id,
              guint             seed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM households WHERE family_id = '%s'", family_id);
  g_autofree char *front1 = write_photo (f->client->dir, seed);
  g_autofree char *front2 = write_photo (f->client->dir, seed + 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(VervalLocationFix) fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1123, 115.0912,
                                                              8, now);
  gint64 household = local (f, sql);
  VervalVisit *visit;

  g_assert_cmpint (household, >, 0);
  verval_visit_store_start_async (visits, household, "verification", NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  visit = verval_visit_store_start_finish (visits, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  sync_test_answer (visit, "result", json_node_init_int (json_node_alloc (), 7));
  sync_test_answer (visit, "house_present", json_node_init_boolean (json_node_alloc (), TRUE));
  sync_test_answer (visit, "note", json_node_init_string (json_node_alloc (), "Rumah terkunci, tetangga bilang ke sawah."));
  sync_test_answer (visit, "recommendation", json_node_init_int (json_node_alloc (), 1));
  sync_test_answer (visit, "location", verval_location_fix_to_answer (fix));

  for (guint i = 0; i < 2; i++)
    {
      verval_visit_store_attach_photo_async (visits, visit, "photo_house_front", i == 0 ? front1 : front2,
                                             NULL, sync_test_keep_result, &f->result);
      result = sync_test_wait_result (&f->result);
      g_assert_nonnull (verval_visit_store_attach_photo_finish (visits, result, &error));
      g_assert_no_error (error);
      g_clear_object (&result);
    }
  verval_visit_store_finalize_async (visits, visit, NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  g_assert_true (verval_visit_store_finalize_finish (visits, result, NULL, &error));
  g_assert_no_error (error);
  return visit;
}

static gint64
last_log_int (Fixture    *f,
              const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM sync_log ORDER BY id DESC LIMIT 1", column);

  return local (f, sql);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(VervalVisitStore) visits = verval_visit_store_new (f->client->store);
  g_autoptr(VervalVisit) visit = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *media_dir = g_build_filename (f->collector->data_dir, "media", NULL);

  enroll (f, f->collector->url);
  g_assert_cmpstr (verval_sync_get_collector_url (f->client->sync), ==, f->collector->url);
  run_ok (f);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households WHERE assignment = 'assigned'"), ==, 40);
  g_assert_cmpint (last_log_int (f, "n_assignments"), ==, 40);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_DONE);

  visit = record_visit (f, visits, "HH-3", 1);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  sql = g_strdup_printf ("SELECT count(*) FROM visit_media WHERE visit_uuid = '%s'", verval_visit_get_uuid (visit));
  g_assert_cmpint (remote (f, sql), ==, 2);
  g_assert_cmpint (remote (f, "SELECT count(DISTINCT sha256) FROM visit_media"), ==, 2);
  g_assert_cmpint (remote (f, "SELECT revision FROM visits"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visit_media WHERE uploaded = 1"), ==, 2);
  g_assert_cmpint (last_log_int (f, "n_visits"), ==, 1);
  g_assert_cmpint (last_log_int (f, "n_media"), ==, 2);
  g_assert_cmpint (verval_sync_get_queue_depth (f->client->sync), ==, 0);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM devices WHERE status IS NOT NULL"), ==, 1);

  /* the second sync has nothing to send */
  run_ok (f);
  g_assert_cmpint (last_log_int (f, "n_visits"), ==, 0);
  g_assert_cmpint (last_log_int (f, "n_media"), ==, 0);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE outcome = 'ok'"), ==, 3);
  g_assert_true (g_file_test (media_dir, G_FILE_TEST_IS_DIR));
}

/* ---------------------------------------------------------------- listings */

#define DTKS_HEADER \
  "iddtks;provinsi;kabupaten_kota;kecamatan;desa_kelurahan;alamat;dusun;rt;rw;nomor_kk;" \
  "nomor_nik;nama;tanggal_lahir;tempat_lahir;jenis_kelamin;nama_ibu_kandung;" \
  "hubungan_keluarga;tahun_data\n"
#define P3KE_HEADER \
  "ID Keluarga P3KE;Provinsi;Kabupaten_Kota;Kecamatan;Desa_Kelurahan;Kode Kemdagri;" \
  "Desil Kesejahteraan;Alamat;Kepala Keluarga;NIK;Padan Dukcapil;Jenis Atap;" \
  "Penerima BPNT;Penerima PKH;Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya\n"

static char *
write_listing (Fixture    *f,
               const char *name,
               const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->client->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  return path;
}

/* Imports a list into the collector's store, as `verval-collector import`
 * does, and assigns the families named to the test's enumerator. */
static void
collector_import (Fixture            *f,
                  const char         *path,
                  const char * const *assign)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CollectorStore) store = sync_collector_open_store (f->collector);
  g_autoptr(VervalImportReport) report = NULL;
  guint n_assigned = 0;

  report = collector_import_file (store, path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->refused, ==, 0);
  if (assign != NULL)
    {
      g_assert_true (collector_store_assign (store, f->collector->enumerator_id, NULL, assign,
                                             &n_assigned, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n_assigned, ==, g_strv_length ((char **) assign));
    }
  collector_store_close (store);
}

static gint64
local_count (Fixture    *f,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gint64
local_count (Fixture    *f,
             const char *format,
             ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  return local (f, sql);
}

/* A synced family is as complete as an imported one: names, desil,
 * programmes, housing and (DTKS) members; a family imported on the device
 * from DTKS and then assigned is the same household, and its visit goes up
 * under the collector's id; a corrected listing updates the device. */
static void
test_pull_complete (Fixture       *f,
                    gconstpointer  data)
{
  const char * const ids[] = { "DT-901", "P3KE-9001", NULL };
  VervalRegions *regions = verval_regions_get_default ();
  const char *village = verval_regions_lookup_name (regions, SYNC_TEST_VILLAGE);
  g_autofree char *kecamatan_code = g_strndup (SYNC_TEST_VILLAGE, 6);
  const char *kecamatan = verval_regions_lookup_name (regions, kecamatan_code);
  g_autofree char *dtks = write_listing (f, "dtks.csv",
    DTKS_HEADER
    "DT-902;BALI;BULELENG;BULELENG;KALIBUKBUK;Jl. Singaraja-Seririt;Banjar Dinas Kaja;003;001;"
    "5108060101050001;5108066010900009;Ni Luh Sari;20-10-1990;Singaraja;PEREMPUAN;Ni Wayan;ISTRI;2023\n"
    "DT-901;BALI;BULELENG;BULELENG;KALIBUKBUK;Jl. Singaraja-Seririt;Banjar Dinas Kaja;003;001;"
    "5108060101050001;5108061211870001;I Ketut Darma;12-11-1987;Singaraja;LAKI-LAKI;Ni Made;Kepala Keluarga;2023\n");
  g_autofree char *p3ke = write_listing (f, "p3ke.csv",
    P3KE_HEADER
    "P3KE-9001;BALI;BULELENG;;;" SYNC_TEST_VILLAGE ";1;Jl. Raya Lovina;Made Wirawan;"
    "5108060101800003;PADAN;SENG;YA;YA;TERNAK\n");
  g_autofree char *p3ke2 = write_listing (f, "p3ke-2.csv",
    P3KE_HEADER
    "P3KE-9001;BALI;BULELENG;;;" SYNC_TEST_VILLAGE ";2;Jl. Raya Lovina Gg. 3;Made Wirawan;"
    "5108060101800003;PADAN;GENTENG;TIDAK;YA;TERNAK\n");
  g_autoptr(VervalVisitStore) visits = verval_visit_store_new (f->client->store);
  g_autoptr(VervalVisit) visit = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (dtks);
  g_autoptr(VervalImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint64 dtks_row;

  g_assert_nonnull (village);
  g_assert_nonnull (kecamatan);
  collector_import (f, p3ke, NULL);
  collector_import (f, dtks, ids);

  /* the coordinator had imported the DTKS list on the device already */
  report = verval_store_import_sync (f->client->store, file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 1);
  dtks_row = local (f, "SELECT id FROM households WHERE family_id = 'DT-901'");
  g_assert_cmpint (dtks_row, >, 0);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households WHERE family_id = 'DT-901' "
                             "AND assignment = '' AND village_code = ''"), ==, 1);

  enroll (f, f->collector->url);
  run_ok (f);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households"), ==, 42);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households WHERE assignment = 'assigned'"), ==, 42);
  g_assert_cmpint (local (f, "SELECT id FROM households WHERE family_id = 'DT-901'"), ==, dtks_row);

  /* DTKS: names as listed, members, the village code the collector found */
  g_assert_cmpint (local (f, "SELECT count(*) FROM households WHERE family_id = 'DT-901' AND "
                             "village_code = '" SYNC_TEST_VILLAGE "' AND village = 'KALIBUKBUK' AND "
                             "kecamatan = 'BULELENG' AND dusun = 'Banjar Dinas Kaja' AND rt = '003' AND "
                             "kk = '5108060101050001' AND head_name = 'I Ketut Darma' AND "
                             "data_year = 2023 AND n_members = 2 AND sources = 2"), ==, 1);
  g_assert_cmpint (local_count (f, "SELECT count(*) FROM household_members WHERE household_id = %"
                                G_GINT64_FORMAT " AND source = 2", dtks_row), ==, 2);
  g_assert_cmpint (local_count (f, "SELECT count(*) FROM household_members WHERE household_id = %"
                                G_GINT64_FORMAT " AND position = 0 AND is_head AND "
                                "individual_id = 'DT-901' AND mother_name = 'Ni Made'", dtks_row), ==, 1);

  /* P3KE: desil, programmes, savings, housing; names from the region table */
  g_assert_cmpint (local_count (f, "SELECT count(*) FROM households WHERE family_id = 'P3KE-9001' AND "
                                "village = '%s' AND kecamatan = '%s' AND desil = 1 AND "
                                "programmes = %d AND savings = %d AND roof = 'SENG' AND "
                                "padan_dukcapil = 1 AND province = 'BALI' AND "
                                "search_text LIKE 'made wirawan%%'",
                                village, kecamatan,
                                VERVAL_PROGRAMME_BPNT | VERVAL_PROGRAMME_PKH,
                                VERVAL_SAVINGS_LIVESTOCK), ==, 1);
  /* the collector's own test families: desil and the village's name */
  g_assert_cmpint (local_count (f, "SELECT count(*) FROM households WHERE family_id LIKE 'HH-%%' AND "
                                "desil = 2 AND village = '%s'", village), ==, 40);

  /* the visit of the family imported on the device goes up under its id */
  visit = record_visit (f, visits, "DT-901", 11);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits WHERE household_id = 'DT-901'"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 1);

  /* a corrected listing comes down again and replaces what changed */
  collector_import (f, p3ke2, NULL);
  run_ok (f);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households"), ==, 42);
  g_assert_cmpint (local_count (f, "SELECT count(*) FROM households WHERE family_id = 'P3KE-9001' AND "
                                "desil = 2 AND programmes = %d AND roof = 'GENTENG' AND "
                                "address = 'Jl. Raya Lovina Gg. 3' AND assignment = 'assigned'",
                                VERVAL_PROGRAMME_PKH), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households WHERE family_id = 'DT-901' AND "
                             "visit_state = 'sent'"), ==, 1);
}

static gpointer
db_cursors_from_elsewhere (sqlite3       *db,
                           gpointer       data,
                           GCancellable  *cancellable,
                           GError       **error)
{
  return verval_sqlite_exec (db, "UPDATE sync_state SET value = '99999999' "
                                 "WHERE key IN ('assignments_cursor', 'reviews_cursor')", error)
         ? GINT_TO_POINTER (TRUE) : NULL;
}

/* The collector was restored from an older backup: the device's cursors
 * are past anything it gave. It answers invalid_cursor, and the device
 * pulls everything again, once, instead of missing what comes next. */
static void
test_restored_collector (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *p3ke = write_listing (f, "p3ke.csv",
    P3KE_HEADER
    "P3KE-9001;BALI;BULELENG;;;" SYNC_TEST_VILLAGE ";1;Jl. Raya Lovina;Made Wirawan;"
    "5108060101800003;PADAN;SENG;YA;YA;TERNAK\n");
  g_autoptr(GError) error = NULL;

  enroll (f, f->collector->url);
  run_ok (f);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households"), ==, 40);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_state WHERE key IN "
                             "('assignments_cursor', 'reviews_cursor')"), ==, 2);
  g_assert_nonnull (verval_store_run_sync (f->client->store, db_cursors_from_elsewhere, NULL, NULL, &error));
  g_assert_no_error (error);

  /* a family assigned after the restore still reaches the device */
  collector_import (f, p3ke, (const char * const[]) { "P3KE-9001", NULL });
  run_ok (f);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households"), ==, 41);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households WHERE family_id = 'P3KE-9001' "
                             "AND assignment = 'assigned'"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_state WHERE value = '99999999'"), ==, 0);
  /* and the next sync is an ordinary one */
  run_ok (f);
  g_assert_cmpint (local (f, "SELECT count(*) FROM households"), ==, 41);
}

/* ---------------------------------------------------------------- bad links */

static void
setup_with_proxy (Fixture *f)
{
  g_autofree char *url = NULL;

  f->proxy = sync_proxy_new (f->collector->port);
  url = sync_proxy_get_url (f->proxy);
  enroll (f, url);
  run_ok (f);
}

static void
test_lost_response (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GError) error = NULL;

  setup_with_proxy (f);
  uuids = sync_client_add_visits (f->client, 0, 12, 1, 20000);
  /* several answers are lost after the collector committed */
  sync_proxy_drop_visit_responses (f->proxy, 3);
  verval_sync_set_batch_limits (f->client->sync, 5, 1024 * 1024);
  for (guint i = 0; i < 6 && local (f, "SELECT count(*) FROM visits WHERE state = 'final'") > 0; i++)
    {
      if (!run (f, &error))
        {
          g_test_message ("attempt %u: %s", i, error->message);
          g_assert_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_DROPPED);
        }
      g_clear_error (&error);
    }
  g_assert_cmpuint (sync_proxy_get_n_dropped (f->proxy), ==, 3);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 12);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 12);
  g_assert_cmpint (remote (f, "SELECT count(DISTINCT uuid) FROM visits"), ==, 12);
  g_assert_cmpint (remote (f, "SELECT max (revision) FROM visits"), ==, 1);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visit_media"), ==, 12);
}

static void
test_server_trouble (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  gint64 next;

  setup_with_proxy (f);
  verval_sync_set_backoff (f->client->sync, 200, 800);
  verval_sync_start (f->client->sync);
  g_assert_true (sync_client_wait_run (f->client, 10000));

  /* 500s: the engine waits, then gets through by itself */
  sync_proxy_fail_requests (f->proxy, 2);
  uuids = sync_client_add_visits (f->client, 0, 4, 2, 10000);
  verval_sync_queue_changed (f->client->sync);
  g_assert_true (sync_client_wait_run (f->client, 10000));
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_WAITING);
  next = verval_sync_get_next_attempt (f->client->sync);
  g_assert_cmpint (next, >, 0);
  g_assert_nonnull (strstr (verval_sync_get_message (f->client->sync), "will try again at"));
  for (guint i = 0; i < 5 && verval_sync_get_state (f->client->sync) != VERVAL_SYNC_STATE_DONE; i++)
    g_assert_true (sync_client_wait_run (f->client, 10000));
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_DONE);
  g_assert_cmpuint (sync_proxy_get_n_failed (f->proxy), ==, 2);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 4);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE outcome = 'failed' AND error_code = 10"), >=, 1);

  /* a collector that answers nothing: the low-speed timeout gives up
   * (a new engine on the same store, without automatic triggers) */
  dir = g_strdup (f->client->dir);
  sync_client_free (f->client, FALSE);
  f->client = sync_client_new (dir);
  g_clear_pointer (&uuids, g_ptr_array_unref);
  uuids = sync_client_add_visits (f->client, 4, 2, 1, 10000);
  sync_proxy_set_hang (f->proxy, TRUE);
  g_assert_false (run (f, &error));
  g_assert_error (error, VERVAL_HTTP_ERROR, VERVAL_HTTP_ERROR_TIMEOUT);
  g_clear_error (&error);
  sync_proxy_set_hang (f->proxy, FALSE);

  /* collector down altogether */
  sync_collector_stop (f->collector);
  g_assert_false (run (f, &error));
  g_assert_true (verval_sync_error_is_transient (verval_sync_error_classify (error)));
  g_clear_error (&error);
  sync_collector_start (f->collector);

  /* a slow line (40 kB/s each way) still completes */
  sync_proxy_set_rate (f->proxy, 40000);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 6);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'final'"), ==, 0);
}

/* A fake network monitor the test can switch. */
#define FAKE_TYPE_MONITOR (fake_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FakeMonitor, fake_monitor, FAKE, MONITOR, GObject)

struct _FakeMonitor
{
  GObject  parent_instance;
  gboolean available;
};

static void fake_monitor_iface_init (GNetworkMonitorInterface *iface);
static void fake_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeMonitor, fake_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, fake_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, fake_monitor_iface_init))

static gboolean
fake_initable_init (GInitable     *initable,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return TRUE;
}

static void
fake_initable_iface_init (GInitableIface *iface)
{
  iface->init = fake_initable_init;
}

enum { FAKE_PROP_0, FAKE_PROP_AVAILABLE, FAKE_PROP_METERED, FAKE_PROP_CONNECTIVITY };

static void
fake_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FakeMonitor *self = FAKE_MONITOR (object);

  switch (prop_id)
    {
    case FAKE_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case FAKE_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case FAKE_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fake_monitor_class_init (FakeMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_monitor_get_property;
  g_object_class_override_property (object_class, FAKE_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, FAKE_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, FAKE_PROP_CONNECTIVITY, "connectivity");
}

static void
fake_monitor_iface_init (GNetworkMonitorInterface *iface)
{
}

static void
fake_monitor_init (FakeMonitor *self)
{
}

static void
fake_monitor_set (FakeMonitor *self,
                  gboolean     available)
{
  self->available = available;
  g_signal_emit_by_name (self, "network-changed", available);
}

static void
test_network_up (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(FakeMonitor) monitor = g_object_new (FAKE_TYPE_MONITOR, NULL);
  g_autoptr(GPtrArray) uuids = NULL;
  g_autofree char *dir = g_strdup (f->client->dir);
  gint64 started;

  enroll (f, f->collector->url);
  run_ok (f);
  /* the same store, with an engine on the fake monitor */
  sync_client_free (f->client, FALSE);
  f->client = sync_client_new_full (dir, G_NETWORK_MONITOR (monitor));

  /* offline: the collector is down, a visit is finalized, the engine tries
   * and fails; its backoff is long so only the network event can help */
  verval_sync_set_backoff (f->client->sync, 60000, 120000);
  sync_collector_stop (f->collector);
  monitor->available = FALSE;
  uuids = sync_client_add_visits (f->client, 0, 3, 1, 5000);
  verval_sync_start (f->client->sync);
  while (verval_sync_get_running (f->client->sync) || verval_sync_get_state (f->client->sync) == VERVAL_SYNC_STATE_SYNCING)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_OFFLINE);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 0);

  /* the network returns together with the collector: no user action */
  sync_collector_start (f->collector);
  started = g_get_monotonic_time ();
  fake_monitor_set (monitor, TRUE);
  while (verval_sync_get_state (f->client->sync) != VERVAL_SYNC_STATE_DONE &&
         g_get_monotonic_time () - started < 15 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_DONE);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 3);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE trigger = 'network' AND outcome = 'ok'"), ==, 1);
}

static void
test_backoff_timer (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  gint64 started;

  enroll (f, f->collector->url);
  run_ok (f);
  /* down when the visit is finalized; back later; the timer finds it */
  sync_collector_stop (f->collector);
  verval_sync_set_backoff (f->client->sync, 300, 2000);
  verval_sync_start (f->client->sync);
  uuids = sync_client_add_visits (f->client, 0, 2, 1, 5000);
  verval_sync_queue_changed (f->client->sync);
  g_assert_true (sync_client_wait_run (f->client, 10000));
  g_assert_true (sync_client_wait_run (f->client, 10000));
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_WAITING);
  sync_collector_start (f->collector);
  started = g_get_monotonic_time ();
  /* within the cap (2 s) plus a run */
  while (verval_sync_get_state (f->client->sync) != VERVAL_SYNC_STATE_DONE &&
         g_get_monotonic_time () - started < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_DONE);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 2);
  /* the status the successful sync reported names the failure before it */
  g_assert_cmpint (remote (f, "SELECT count(*) FROM devices WHERE status LIKE '%\"last_error_code\":\"unreachable\"%'"),
                   ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_state WHERE key = 'last_error_code' AND value = ''"), ==, 1);
}

/* Takes the collector's database away under the running collector, or
 * gives it back: the server stopped on PostgreSQL, a table renamed on
 * SQLite. Either way the token check fails in the store. */
static void
store_away (Fixture  *f,
            gboolean  away)
{
  g_autofree char *path = g_build_filename (f->collector->data_dir, "collector.db", NULL);
  sqlite3 *db = NULL;

  if (f->collector->database != NULL)
    {
      if (away)
        verval_test_pg_stop ();
      else
        verval_test_pg_start ();
      return;
    }
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, away ? "ALTER TABLE devices RENAME TO devices_away"
                                          : "ALTER TABLE devices_away RENAME TO devices",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* The collector's database is lost mid-day: every request is answered 503
 * store_unavailable with Retry-After: 15. The app waits at least that long,
 * though its own backoff would try again within a second, and sends
 * everything once the database is back. */
static void
test_store_down (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  gint64 now, next;

  enroll (f, f->collector->url);
  run_ok (f);
  store_away (f, TRUE);
  verval_sync_set_backoff (f->client->sync, 200, 800);
  verval_sync_start (f->client->sync);
  uuids = sync_client_add_visits (f->client, 0, 3, 1, 5000);
  verval_sync_queue_changed (f->client->sync);
  for (guint i = 0; i < 3 && verval_sync_get_state (f->client->sync) != VERVAL_SYNC_STATE_WAITING; i++)
    g_assert_true (sync_client_wait_run (f->client, 20000));
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_WAITING);
  now = g_get_real_time () / G_USEC_PER_SEC;
  next = verval_sync_get_next_attempt (f->client->sync);
  g_test_message ("next attempt in %" G_GINT64_FORMAT " s", next - now);
  g_assert_cmpint (next, >=, now + 13);
  g_assert_cmpint (next, <=, now + 17);
  /* one failed run, no hammering while the database is down */
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE outcome = 'failed'"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE outcome = 'failed' AND error_code = 10"), ==, 1);

  store_away (f, FALSE);
  /* a coordinator's tap does not wait for the timer */
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 3);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'final'"), ==, 0);
}

/* ---------------------------------------------------------------- refusals and reviews */

static void
test_quarantine (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GError) error = NULL;

  enroll (f, f->collector->url);
  run_ok (f);
  uuids = sync_client_add_visits (f->client, 0, 6, 1, 4000);
  /* one bad record: its answers contradict its result code, and two of
   * them are out of range */
  sql = g_strdup_printf ("UPDATE visits SET result_code = 3, "
                         "  answers = json_set (answers, '$.members', 999, '$.floor_area', -5) "
                         "WHERE uuid = '%s' RETURNING 1",
                         (char *) g_ptr_array_index (uuids, 2));
  g_assert_cmpint (local (f, sql), ==, 1);
  verval_sync_set_batch_limits (f->client->sync, 4, 1024 * 1024);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 5);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 5);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1 AND length (sync_error) > 0"), ==, 1);
  g_assert_cmpint (verval_sync_get_n_quarantined (f->client->sync), ==, 1);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_PROBLEM);
  g_assert_nonnull (strstr (verval_sync_get_message (f->client->sync), "refused 1 visit"));
  g_assert_cmpint (last_log_int (f, "n_rejected"), ==, 1);

  /* the refusal's codes are kept beside its text, each once */
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1 AND instr (char (10) || "
                             "refusal_codes || char (10), char (10) || 'result_mismatch' || char (10)) > 0"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1 AND instr (char (10) || "
                             "refusal_codes || char (10), char (10) || 'invalid_answer' || char (10)) > 0"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits v, json_each ('[\"' || replace (v.refusal_codes, "
                             "char (10), '\",\"') || '\"]') AS c WHERE v.quarantined = 1"), ==,
                   local (f, "SELECT count(DISTINCT c.value) FROM visits v, json_each ('[\"' || "
                             "replace (v.refusal_codes, char (10), '\",\"') || '\"]') AS c WHERE v.quarantined = 1"));

  /* later syncs do not send it again and again */
  run_ok (f);
  g_assert_cmpint (last_log_int (f, "n_rejected"), ==, 0);
  g_assert_cmpint (last_log_int (f, "n_visits"), ==, 0);

  /* released by the coordinator, it goes again, with neither text nor codes
   * left over; the collector refuses it again for the same reason */
  {
    g_autoptr(GAsyncResult) result = NULL;

    verval_sync_release_quarantined_async (f->client->sync, NULL, NULL, sync_test_keep_result, &f->result);
    result = sync_test_wait_result (&f->result);
    g_assert_true (verval_sync_release_quarantined_finish (f->client->sync, result, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 0 AND state = 'final' "
                             "AND sync_error = '' AND refusal_codes = ''"), ==, 1);
  run_ok (f);
  g_assert_cmpint (last_log_int (f, "n_rejected"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1 AND refusal_codes <> ''"), ==, 1);
}

static void
test_sent_back (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(VervalVisitStore) visits = verval_visit_store_new (f->client->store);
  g_autoptr(VervalVisit) visit = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *uuid = NULL;

  enroll (f, f->collector->url);
  run_ok (f);
  visit = record_visit (f, visits, "HH-7", 7);
  uuid = g_strdup (verval_visit_get_uuid (visit));
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);

  sync_collector_add_review (f->collector, uuid, "rejected", "Foto rumah buram, ulangi dari depan pagar.");
  run_ok (f);
  g_assert_cmpint (last_log_int (f, "n_reviews"), ==, 1);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND state = 'rejected' AND "
                         "review_comment = 'Foto rumah buram, ulangi dari depan pagar.'", uuid);
  g_assert_cmpint (local (f, sql), ==, 1);
  g_clear_pointer (&sql, g_free);

  /* the coordinator corrects it; revision 2 replaces revision 1 */
  g_clear_object (&visit);
  verval_visit_store_load_async (visits, uuid, NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  visit = verval_visit_store_load_finish (visits, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  verval_visit_store_reopen_async (visits, visit, NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  g_assert_true (verval_visit_store_reopen_finish (visits, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  sync_test_answer (visit, "note", json_node_init_string (json_node_alloc (), "Foto diulang, rumah terkunci."));
  verval_visit_store_finalize_async (visits, visit, NULL, sync_test_keep_result, &f->result);
  result = sync_test_wait_result (&f->result);
  g_assert_true (verval_visit_store_finalize_finish (visits, result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (verval_visit_get_revision (visit), ==, 2);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  g_assert_cmpint (remote (f, "SELECT revision FROM visits"), ==, 2);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND state = 'sent'", uuid);
  g_assert_cmpint (local (f, sql), ==, 1);
  /* the old decision does not come back */
  run_ok (f);
  g_assert_cmpint (local (f, sql), ==, 1);
}

/* ---------------------------------------------------------------- bad input */

/* The path of a visit's (only) photo. */
static char *
photo_of (Fixture    *f,
          const char *uuid,
          const char *media_dir)
{
  VervalStore *store = f->client->store;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *sha = NULL;
  g_autoptr(GError) error = NULL;

  db = verval_store_open_reader (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sha256 FROM visit_media WHERE visit_uuid = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  sha = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return verval_photo_build_path (media_dir, sha, FALSE);
}


static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *corrupt = NULL;
  g_autofree char *gone = NULL;
  const char *media_dir;

  setup_with_proxy (f);
  uuids = sync_client_add_visits (f->client, 0, 4, 1, 6000);
  media_dir = verval_store_get_media_dir (f->client->store);

  /* one photo damaged on disk (its bytes no longer match its name), one
   * deleted: those two visits stay here, quarantined, the others go */
  corrupt = photo_of (f, g_ptr_array_index (uuids, 0), media_dir);
  gone = photo_of (f, g_ptr_array_index (uuids, 1), media_dir);
  g_assert_true (g_file_set_contents (corrupt, "not the photo any more", -1, NULL));
  g_assert_cmpint (g_unlink (gone), ==, 0);

  /* an answer that is not JSON changes nothing here */
  sync_proxy_garble_visit_responses (f->proxy, 1);
  g_assert_false (run (f, &error));
  g_assert_error (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 0);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 0);

  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 2);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 2);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'final' AND quarantined = 1"), ==, 2);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND sync_error LIKE '%%damaged%%'",
                         (char *) g_ptr_array_index (uuids, 0));
  g_assert_cmpint (local (f, sql), ==, 1);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND sync_error LIKE '%%missing%%'",
                         (char *) g_ptr_array_index (uuids, 1));
  g_assert_cmpint (local (f, sql), ==, 1);

  /* nothing was deleted: the visits and their rows are all still here */
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits"), ==, 4);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visit_media"), ==, 4);
}

/* ---------------------------------------------------------------- kill -9 */

static void
driver (const char *dir,
        const char *const *args,
        int         expect_status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) driver_exe);
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  if (expect_status >= 0)
    g_assert_cmpint (g_subprocess_get_exit_status (process), ==, expect_status);
}

static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *dir = g_strdup (f->client->dir);
  g_autofree char *url = NULL;
  g_autofree char *code = sync_collector_issue_code (f->collector);
  gint64 n_sent;

  /* the driver works on the same data dir; this process keeps out of it */
  sync_client_free (f->client, FALSE);
  f->client = NULL;
  f->proxy = sync_proxy_new (f->collector->port);
  url = sync_proxy_get_url (f->proxy);
  driver (dir, (const char *[]) { "enroll", url, code, NULL }, 0);
  driver (dir, (const char *[]) { "sync", NULL }, 0);
  driver (dir, (const char *[]) { "add-visits", "0", "30", "2", "10000", NULL }, 0);

  /* a slow line, and kill -9 at several points while photos go up */
  sync_proxy_set_rate (f->proxy, 100000);
  for (guint round = 0; round < 4; round++)
    {
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      const char *argv[] = { driver_exe, "--data-dir", dir, "--batch", "4", "sync", NULL };

      process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
      g_assert_no_error (error);
      /* later and later: photos first, then in the middle of the batches */
      g_usleep ((300 + round * 500 + g_random_int_range (0, 400)) * 1000);
      g_subprocess_send_signal (process, SIGKILL);
      g_subprocess_wait (process, NULL, NULL);
      g_test_message ("round %u: collector has %" G_GINT64_FORMAT " visits, %" G_GINT64_FORMAT " media files",
                      round, remote (f, "SELECT count(*) FROM visits"),
                      remote (f, "SELECT count(*) FROM visit_media"));
    }
  /* killed right after the collector stored the first batch: the next
   * batches and the acknowledgement of this one are still to come */
  {
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GError) error = NULL;
    const char *argv[] = { driver_exe, "--data-dir", dir, "--batch", "4", "sync", NULL };
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    gint64 stored = 0;

    sync_proxy_set_rate (f->proxy, 20000);
    process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
    g_assert_no_error (error);
    while ((stored = remote (f, "SELECT count(*) FROM visits")) == 0 && g_get_monotonic_time () < deadline)
      g_usleep (5000);
    g_subprocess_send_signal (process, SIGKILL);
    g_subprocess_wait (process, NULL, NULL);
    g_test_message ("killed with %" G_GINT64_FORMAT " visits stored", stored);
    g_assert_cmpint (stored, >, 0);
    g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), <, 30);
  }

  sync_proxy_set_rate (f->proxy, 0);
  driver (dir, (const char *[]) { "sync", NULL }, 0);

  f->client = sync_client_new (dir);
  n_sent = local (f, "SELECT count(*) FROM visits WHERE state = 'sent'");
  g_assert_cmpint (n_sent, ==, 30);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visit_media WHERE uploaded = 1"), ==, 60);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 30);
  g_assert_cmpint (remote (f, "SELECT count(DISTINCT uuid) FROM visits"), ==, 30);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visit_media"), ==, 60);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE outcome = 'running'"), ==, 0);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE outcome = 'interrupted'"), >=, 1);
}

/* ---------------------------------------------------------------- resume */

/* A photo upload cut off mid-body continues where it stopped on the next
 * sync, because the collector keeps what arrived. */
static void
test_resume_photo (Fixture       *f,
                   gconstpointer  data)
{
  const gsize size = 300 * 1000;
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *local_photo = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *remote_photo = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  gsize mine_length, theirs_length;
  guint64 sent;

  setup_with_proxy (f);
  uuids = sync_client_add_visits (f->client, 0, 1, 1, size);
  sync_proxy_cut_media_upload (f->proxy, 200000);
  g_assert_false (run (f, &error));
  g_test_message ("cut off: %s", error->message);
  g_assert_cmpuint (sync_proxy_get_n_cut (f->proxy), ==, 1);
  g_assert_cmpuint (sync_proxy_get_media_bytes_up (f->proxy), ==, 200000);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 0);

  /* the link comes back */
  g_usleep ((SYNC_PROXY_DOWN_MS + 100) * 1000);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visit_media"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visit_media WHERE uploaded = 1"), ==, 1);
  g_assert_cmpint (last_log_int (f, "n_media"), ==, 1);

  /* the collector holds the photo once, byte for byte */
  local_photo = photo_of (f, g_ptr_array_index (uuids, 0), verval_store_get_media_dir (f->client->store));
  g_assert_true (g_file_get_contents (local_photo, &mine, &mine_length, NULL));
  g_assert_cmpuint (mine_length, ==, size);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) mine, mine_length);
  remote_photo = g_strdup_printf ("%s/media/%.2s/%s", f->collector->data_dir, sha, sha);
  g_assert_true (g_file_get_contents (remote_photo, &theirs, &theirs_length, NULL));
  g_assert_cmpmem (mine, mine_length, theirs, theirs_length);
  tmp = g_build_filename (f->collector->data_dir, "media", "tmp", NULL);
  {
    g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);

    g_assert_null (g_dir_read_name (dir));
  }

  /* the first 200,000 bytes went once: well under two whole photos */
  sent = sync_proxy_get_media_bytes_up (f->proxy);
  g_test_message ("photo of %" G_GSIZE_FORMAT " bytes: %" G_GUINT64_FORMAT " bytes of uploads in all", size, sent);
  g_assert_cmpuint (sent, >, size);
  g_assert_cmpuint (sent, <, size + size / 10);

  /* and the next sync sends no photo at all */
  run_ok (f);
  g_assert_cmpuint (sync_proxy_get_media_bytes_up (f->proxy), ==, sent);
  g_assert_cmpint (last_log_int (f, "n_media"), ==, 0);
}

/* ---------------------------------------------------------------- collector trouble with photos */

/* The bytes and name of a visit's (only) photo on the device. */
static GBytes *
photo_bytes_of (Fixture     *f,
                const char  *uuid,
                char       **sha)
{
  g_autofree char *path = photo_of (f, uuid, verval_store_get_media_dir (f->client->store));
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  return g_bytes_new_take (contents, length);
}

static char *
collector_partial_path (Fixture    *f,
                        const char *sha)
{
  g_autofree char *name = g_strconcat (sha, ".part", NULL);

  return g_build_filename (f->collector->data_dir, "media", "tmp", name, NULL);
}

static void
assert_collector_has (Fixture    *f,
                      const char *sha,
                      GBytes     *photo)
{
  g_autofree char *path = g_strdup_printf ("%s/media/%.2s/%s", f->collector->data_dir, sha, sha);
  g_autofree char *partial = collector_partial_path (f, sha);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

/* A collector killed after a photo's last byte arrived, before it checked
 * and filed it, leaves a partial that holds the whole photo (written the
 * way the collector writes it: tmp/SHA.part). No upload can continue
 * from there; the collector must finish it itself, so that the visit
 * arrives. restart: found by the collector starting up, else by the
 * running one when the photo is sent. */
static void
full_partial (Fixture  *f,
              gboolean  restart)
{
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *partial = NULL;
  g_autoptr(GError) error = NULL;

  enroll (f, f->collector->url);
  run_ok (f);
  uuids = sync_client_add_visits (f->client, 0, 1, 1, 250 * 1000);
  photo = photo_bytes_of (f, g_ptr_array_index (uuids, 0), &sha);
  partial = collector_partial_path (f, sha);

  if (restart)
    sync_collector_stop (f->collector);
  g_assert_true (g_file_set_contents (partial, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo), &error));
  g_assert_no_error (error);
  if (restart)
    sync_collector_start (f->collector);

  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visit_media"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE quarantined = 1"), ==, 0);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visit_media WHERE uploaded = 1"), ==, 1);
  assert_collector_has (f, sha, photo);
  g_assert_cmpint (verval_sync_get_queue_depth (f->client->sync), ==, 0);
}

static void
test_full_partial_restart (Fixture       *f,
                           gconstpointer  data)
{
  full_partial (f, TRUE);
}

static void
test_full_partial_running (Fixture       *f,
                           gconstpointer  data)
{
  full_partial (f, FALSE);
}

/* The collector's partial is damaged (its disk, not the device's file):
 * the resumed upload is answered 422. The device's file is fine, so the
 * photo goes again whole and the visit arrives; a visit whose photo is
 * damaged on the device is still held back here. */
static void
test_damaged_partial (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *damaged = NULL;
  g_autofree char *garbage = NULL;
  g_autofree char *sql = NULL;
  gsize held;

  setup_with_proxy (f);
  first = sync_client_add_visits (f->client, 0, 1, 1, 300 * 1000);
  photo = photo_bytes_of (f, g_ptr_array_index (first, 0), &sha);
  partial = collector_partial_path (f, sha);
  sync_proxy_cut_media_upload (f->proxy, 200 * 1000);
  g_assert_false (run (f, &error));
  g_test_message ("cut off: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (sync_proxy_get_n_cut (f->proxy), ==, 1);

  /* the collector keeps what arrived once it sees the close: wait until
   * the partial stops growing, then damage it in place */
  held = 0;
  for (guint i = 0, still = 0; i < 200 && still < 4; i++)
    {
      GStatBuf st;
      gsize size = g_stat (partial, &st) == 0 ? (gsize) st.st_size : 0;

      still = size > 0 && size == held ? still + 1 : 0;
      held = size;
      g_usleep (50 * 1000);
    }
  g_assert_cmpuint (held, >, 1000);
  garbage = g_malloc (held);
  memset (garbage, 0x5a, held);
  g_assert_true (g_file_set_contents (partial, garbage, held, NULL));

  /* a second visit whose photo is damaged on this device */
  second = sync_client_add_visits (f->client, 1, 1, 1, 20 * 1000);
  damaged = photo_of (f, g_ptr_array_index (second, 0), verval_store_get_media_dir (f->client->store));
  g_assert_true (g_file_set_contents (damaged, "not the photo any more", -1, NULL));

  g_usleep ((SYNC_PROXY_DOWN_MS + 100) * 1000);
  run_ok (f);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND state = 'sent' AND quarantined = 0",
                         (char *) g_ptr_array_index (first, 0));
  g_assert_cmpint (local (f, sql), ==, 1);
  assert_collector_has (f, sha, photo);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM visits WHERE uuid = '%s' AND state = 'final' "
                         "AND quarantined = 1 AND sync_error LIKE '%%damaged%%'",
                         (char *) g_ptr_array_index (second, 0));
  g_assert_cmpint (local (f, sql), ==, 1);
}

/* A photo the collector will not take now (another upload of it holds it
 * for the whole sync): the visit cannot go, so the sync must not end "ok";
 * the visit stays queued, and goes once the photo is free. */
static void
test_photo_held_not_ok (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *token = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *partial = NULL;
  GOutputStream *out;

  enroll (f, f->collector->url);
  run_ok (f);
  uuids = sync_client_add_visits (f->client, 0, 1, 1, 100 * 1000);
  photo = photo_bytes_of (f, g_ptr_array_index (uuids, 0), &sha);
  partial = collector_partial_path (f, sha);

  /* an upload of the photo by this device's token that sends its headers
   * and a little, then nothing */
  token = verval_secret_lookup_token (verval_store_get_data_dir (f->client->store), f->collector->url,
                                      VERVAL_SECRET_FILE, NULL, &error);
  g_assert_no_error (error);
  headers = g_strdup_printf ("PUT /api/v1/media/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer %s\r\nContent-Type: image/jpeg\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                             sha, token, g_bytes_get_size (photo));
  holder = g_socket_client_connect_to_host (socket_client, "127.0.0.1", f->collector->port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (holder));
  g_assert_true (g_output_stream_write_all (out, headers, strlen (headers), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (out, g_bytes_get_data (photo, NULL), 1000, NULL, NULL, &error));
  g_assert_true (g_output_stream_flush (out, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !g_file_test (partial, G_FILE_TEST_EXISTS); i++)
    g_usleep (20 * 1000);
  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));

  g_assert_false (run (f, &error));
  g_test_message ("held: %s", error->message);
  g_assert_error (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_SERVER);
  g_clear_error (&error);
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 0);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'final' AND quarantined = 0"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM sync_log WHERE id = (SELECT max (id) FROM sync_log) "
                             "AND outcome = 'failed'"), ==, 1);
  g_assert_cmpint (verval_sync_get_state (f->client->sync), ==, VERVAL_SYNC_STATE_WAITING);

  /* the other upload goes away; its bytes are kept and the next sync
   * finishes the photo */
  g_assert_true (g_io_stream_close (G_IO_STREAM (holder), NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100; i++)
    {
      if (!run (f, &error))
        {
          g_test_message ("after the close: %s", error->message);
          g_clear_error (&error);
          g_usleep (100 * 1000);
          continue;
        }
      break;
    }
  g_assert_cmpint (remote (f, "SELECT count(*) FROM visits"), ==, 1);
  g_assert_cmpint (local (f, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==, 1);
  assert_collector_has (f, sha, photo);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("VERVAL_SECRET_BACKEND", "file", TRUE);
  g_test_init (&argc, &argv, NULL);

  if (argc < 3)
    {
      g_printerr ("usage: %s VERVAL-COLLECTOR SYNC-DRIVER\n", argv[0]);
      return 1;
    }
  collector_exe = argv[1];
  driver_exe = argv[2];

  g_test_add_func ("/client/sync/url-rules", test_url_rules);
  g_test_add_func ("/client/sync/gzip", test_gzip);
  g_test_add_func ("/client/sync/secret-file", test_secret_file);
  g_test_add_func ("/client/sync/messages", test_messages);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/client/sync/enroll-refused", test_enroll_refused);
  ADD ("/client/sync/round-trip", test_round_trip);
  ADD ("/client/sync/pull-complete", test_pull_complete);
  ADD ("/client/sync/restored-collector", test_restored_collector);
  ADD ("/client/sync/lost-response", test_lost_response);
  ADD ("/client/sync/server-trouble", test_server_trouble);
  ADD ("/client/sync/network-up", test_network_up);
  ADD ("/client/sync/backoff-timer", test_backoff_timer);
  ADD ("/client/sync/store-down", test_store_down);
  ADD ("/client/sync/quarantine", test_quarantine);
  ADD ("/client/sync/sent-back", test_sent_back);
  ADD ("/client/sync/bad-input", test_bad_input);
  ADD ("/client/sync/kill", test_kill);
  ADD ("/client/sync/resume-photo", test_resume_photo);
  ADD ("/client/sync/full-partial/restart", test_full_partial_restart);
  ADD ("/client/sync/full-partial/running", test_full_partial_running);
  ADD ("/client/sync/damaged-partial", test_damaged_partial);
  ADD ("/client/sync/photo-held-not-ok", test_photo_held_not_ok);
#undef ADD
  return g_test_run ();
}
