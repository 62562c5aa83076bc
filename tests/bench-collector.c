/* bench-collector.c: collector ingest and photo upload, loaded like devices do
 *
 * The collector is the built `verval-collector serve` (argv[1]) in its own
 * process on 127.0.0.1; the load comes from this process, so what is
 * measured is the server, not a client sharing its main loop.
 *
 * ingest_visits_per_s: 8 concurrent clients (one enumerator and device
 * each) send gzip'd batches of 100 varied visits of the built-in form:
 * households, results, answers, times, places, notes and photos differ
 * and every uuid is new. The baseline: as many other visits submitted
 * straight into the same store by 8 threads, without HTTP, JSON or
 * validation, once the server has stopped.
 * media_put_mb_per_s: 8 concurrent uploaders PUT distinct real JPEGs; the
 * baseline: 8 threads writing and fsyncing the same bytes into files of
 * the same file system.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector-pg-store.h"
#include "collector-sqlite-store.h"
#include "collector-token.h"
#include "collector-visit.h"
#include "photo-fixture.h"
#include "test-collector-util.h"
#include "test-pg.h"
#include "verval-wire-visit.h"

#define N_CLIENTS          8
#define BATCH_SIZE         100
#define BATCHES_PER_CLIENT 30
#define HOUSEHOLDS_EACH    250
#define N_POOL_PHOTOS      24     /* what found-at-home visits point at */
#define PHOTOS_EACH        24     /* per uploader and round */
#define MEDIA_ROUNDS       5
#define PHOTO_WIDTH        1600   /* what the app stores (≤ 1600 px) */
#define PHOTO_HEIGHT       1200

typedef struct {
  const char *uri;
  char       *token;
  GPtrArray  *bodies;     /* gzip'd batches */
  guint       n_visits;
  gboolean    ok;
} Client;

typedef struct {
  const char *uri;
  const char *token;
  GPtrArray  *photos;     /* GBytes */
  GPtrArray  *names;      /* their sha256, known before the clock starts */
  char       *dir;        /* baseline: files go here */
  gboolean    ok;
} Uploader;

static const char *first_names[] = {
  "Made", "Ketut", "Wayan", "Nyoman", "Putu", "Komang", "Gede", "Kadek", "Ni Luh", "I Gusti",
};
static const char *last_names[] = {
  "Suarta", "Widiastuti", "Arsana", "Sudarma", "Yasa", "Mertayasa", "Sukerti", "Budiarta",
};
static const char *notes[] = {
  "Rumah semi permanen, atap seng bocor di bagian dapur.",
  "Keluarga tinggal bersama orang tua, dapur dipakai bersama.",
  "Dinding bata belum diplester, lantai tanah di kamar belakang.",
  "Kepala keluarga bekerja sebagai buruh harian di kebun cengkeh.",
  "Air bersih dari sumur tetangga, listrik menumpang.",
  "Rumah kosong, tetangga bilang keluarga sedang ke kebun. Kunjungi lagi sore.",
  "Responden ragu menjawab penghasilan; perkiraan dari pengeluaran.",
  "",
};

static char *
village_of (guint client)
{
  return g_strdup_printf ("51080620%02u", client + 1);
}

static gint64
pick (GRand *rand,
      gint64 low,
      gint64 high)
{
  return g_rand_int_range (rand, low, high + 1);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_bool (JsonBuilder *b,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

/* One visit as the app would send it: found and verified (most), found
 * but moved, or nobody met (no photo needed), with answers, time, place
 * and photos drawn from rand. pool: the photos on the collector. */
static JsonNode *
varied_visit (GRand      *rand,
              guint       client,
              GPtrArray  *pool_names,
              GArray     *pool_sizes)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(VervalWireVisit) visit = verval_wire_visit_new ();
  g_autoptr(GTimeZone) wita = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) started = NULL;
  g_autoptr(GDateTime) fix_time = NULL;
  g_autofree char *village = village_of (client);
  g_autofree char *name = NULL;
  gint64 result = g_rand_int_range (rand, 0, 10) < 7 ? 1 : g_rand_int_range (rand, 0, 4) == 0 ? 2
                  : pick (rand, 3, 8);
  gboolean found = result == 1 || result == 2;
  gint64 members = pick (rand, 1, 9);
  VervalLocationFix *fix;
  guint n_photos = found ? pick (rand, 1, 3) : 0;
  guint first_photo;

  started = g_date_time_new (wita, 2026, 11, pick (rand, 2, 27), pick (rand, 7, 16), pick (rand, 0, 59),
                             pick (rand, 0, 59));
  fix_time = g_date_time_add_seconds (started, pick (rand, 10, 240));
  fix = verval_location_fix_new (g_rand_boolean (rand) ? VERVAL_LOCATION_SOURCE_GPS : VERVAL_LOCATION_SOURCE_NETWORK,
                                 -8.05 - g_rand_double (rand) * 0.2, 114.9 + g_rand_double (rand) * 0.4,
                                 3 + g_rand_double (rand) * 37, fix_time);
  if (g_rand_boolean (rand))
    {
      fix->has_altitude = TRUE;
      fix->altitude = pick (rand, 5, 900);
    }

  json_builder_begin_object (b);
  add_int (b, "result", result);
  if (found)
    {
      g_autofree char *nik = g_strdup_printf ("510806%02d%02d%02d%04d", (int) pick (rand, 1, 28),
                                              (int) pick (rand, 1, 12), (int) pick (rand, 50, 99),
                                              (int) pick (rand, 1, 9999));
      g_autofree char *kk = g_strdup_printf ("5108060%03d%02d%04d", (int) pick (rand, 101, 312),
                                             (int) pick (rand, 10, 24), (int) pick (rand, 1, 9999));
      g_autofree char *phone = g_strdup_printf ("08%02d%08d", (int) pick (rand, 11, 99), (int) pick (rand, 0, 99999999));
      gint64 occupation = pick (rand, 1, 8);
      gint64 lighting = pick (rand, 1, 4);

      name = g_strdup_printf ("%s %s", first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))],
                              last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))]);
      add_string (b, "head_nik", nik);
      add_string (b, "kk_number", kk);
      add_string (b, "head_name", name);
      add_int (b, "members", members);
      if (g_rand_boolean (rand))
        add_string (b, "phone", phone);
      add_int (b, "tenure", pick (rand, 1, 5));
      add_int (b, "floor_area", pick (rand, 12, 120));
      add_int (b, "floor", pick (rand, 1, 9));
      add_int (b, "walls", pick (rand, 1, 7));
      add_int (b, "wall_condition", pick (rand, 1, 4));
      add_int (b, "roof", pick (rand, 1, 8));
      add_int (b, "roof_condition", pick (rand, 1, 4));
      add_int (b, "water", pick (rand, 1, 11));
      add_int (b, "lighting", lighting);
      if (lighting == 1)
        add_int (b, "power", pick (rand, 1, 5));
      add_int (b, "cooking_fuel", pick (rand, 0, 9));
      add_int (b, "toilet", pick (rand, 1, 6));
      add_int (b, "occupation", occupation);
      if (occupation == 1)
        add_int (b, "farm_land_area", pick (rand, 0, 20000));
      add_int (b, "income", pick (rand, 0, 60) * 50000);
      add_int (b, "education", pick (rand, 1, 6));
      add_int (b, "meals_per_day", pick (rand, 1, 3));
      add_bool (b, "protein_once_a_week", g_rand_boolean (rand));
      add_bool (b, "one_clothes_set_a_year", g_rand_boolean (rand));
      add_bool (b, "can_afford_health_centre", g_rand_boolean (rand));
      add_bool (b, "has_savings", g_rand_boolean (rand));
      add_int (b, "health_insurance", pick (rand, 1, 5));
      add_bool (b, "elderly_alone", members == 1 && g_rand_boolean (rand));
      add_int (b, "disabled", pick (rand, 0, MIN (members, 2)));
      add_int (b, "disabled_severe", 0);
      add_bool (b, "female_head", g_rand_boolean (rand));
      add_int (b, "migrant_workers", pick (rand, 0, MIN (members, 1)));
      add_int (b, "pregnant", pick (rand, 0, MIN (members, 1)));
      add_int (b, "children_0_6", pick (rand, 0, MIN (members, 2)));
      add_int (b, "school_children", pick (rand, 0, MIN (members, 3)));
      add_int (b, "out_of_school", pick (rand, 0, MIN (members, 1)));
      add_bool (b, "prog_pkh", g_rand_boolean (rand));
      add_bool (b, "prog_bpnt", g_rand_boolean (rand));
      add_bool (b, "prog_blt_dd", g_rand_boolean (rand));
      add_bool (b, "prog_pbi_jk", g_rand_boolean (rand));
      add_bool (b, "prog_pip", g_rand_boolean (rand));
      add_bool (b, "prog_rtlh", g_rand_boolean (rand));
      add_bool (b, "prog_electricity", g_rand_boolean (rand));
      add_bool (b, "prog_pemda", g_rand_boolean (rand));
      add_bool (b, "prog_other", FALSE);
      json_builder_set_member_name (b, "needs");
      json_builder_begin_array (b);
      for (gint64 n = 1; n <= 9; n++)
        if (g_rand_int_range (rand, 0, 4) == 0)
          json_builder_add_int_value (b, n);
      json_builder_end_array (b);
      add_int (b, "eligible", pick (rand, 1, 2));
      /* a visit's photos are all different */
      first_photo = g_rand_int_range (rand, 0, N_POOL_PHOTOS);
      json_builder_set_member_name (b, "photo_house_front");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, g_ptr_array_index (pool_names, first_photo));
      json_builder_end_array (b);
      if (n_photos > 1)
        {
          json_builder_set_member_name (b, "photo_inside");
          json_builder_begin_array (b);
          for (guint i = 1; i < n_photos; i++)
            json_builder_add_string_value (b, g_ptr_array_index (pool_names, (first_photo + i) % N_POOL_PHOTOS));
          json_builder_end_array (b);
        }
    }
  else
    add_bool (b, "house_present", FALSE);
  add_int (b, "recommendation", pick (rand, 1, 4));
  /* nobody met: the note is required, and says why */
  if (!found || g_rand_boolean (rand))
    add_string (b, "note", notes[g_rand_int_range (rand, 0, G_N_ELEMENTS (notes) - (found ? 0 : 1))]);
  json_builder_set_member_name (b, "location");
  json_builder_add_value (b, verval_location_fix_to_answer (fix));
  json_builder_end_object (b);

  visit->uuid = g_uuid_string_random ();
  visit->revision = 1;
  visit->household_id = g_strdup_printf ("HH-%s-%u", village, g_rand_int_range (rand, 0, HOUSEHOLDS_EACH));
  visit->form_id = g_strdup ("verification");
  visit->form_version = 1;
  visit->answers = json_builder_get_root (b);
  visit->result_code = result;
  visit->started_at = g_date_time_ref (started);
  visit->finished_at = g_date_time_add_seconds (started, pick (rand, 300, 2400));
  visit->location = fix;
  /* the media list follows the answers: every photo they name, once */
  {
    JsonObject *answers = json_node_get_object (visit->answers);
    const char *fields[] = { "photo_house_front", "photo_inside" };
    const char *roles[] = { "house_front", "inside" };
    g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
      {
        JsonArray *names = json_object_has_member (answers, fields[f])
                           ? json_object_get_array_member (answers, fields[f]) : NULL;

        for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
          {
            const char *sha = json_array_get_string_element (names, i);
            g_autoptr(GDateTime) taken = g_date_time_add_seconds (started, pick (rand, 60, 600));

            if (!g_hash_table_add (listed, (gpointer) sha))
              continue;
            for (guint p = 0; p < pool_names->len; p++)
              if (g_str_equal (g_ptr_array_index (pool_names, p), sha))
                g_ptr_array_add (visit->media, verval_wire_media_new (sha, roles[f],
                                                                      g_array_index (pool_sizes, gsize, p), taken));
          }
      }
  }
  return verval_wire_visit_to_json (visit);
}

/* --------------------------------------------------------------- the collector */

/* The PostgreSQL database of the runs on it, NULL for SQLite's */
static char *database_url;
/* the built verval-collector */
static const char *collector_binary;

static CollectorStore *
open_store (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "collector.db", NULL);
  g_autoptr(GError) error = NULL;
  CollectorStore *store = database_url != NULL ? collector_pg_store_new (database_url, &error)
                                                : collector_sqlite_store_new (path, &error);

  g_assert_no_error (error);
  return store;
}

/* One enumerator and village per client, each with its households. */
static void
prepare_store (const char *data_dir,
               gint64     *enumerators)
{
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  store = open_store (data_dir);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
      g_autofree char *village = village_of (c);
      g_autofree char *name = g_strdup_printf ("%s %s", first_names[c % G_N_ELEMENTS (first_names)],
                                               last_names[c % G_N_ELEMENTS (last_names)]);
      guint n_new = 0, n_assigned = 0;

      for (guint i = 0; i < HOUSEHOLDS_EACH; i++)
        {
          CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

          h->id = g_strdup_printf ("HH-%s-%u", village, i);
          h->source = g_strdup ("p3ke");
          h->village_code = g_strdup (village);
          h->head_name = g_strdup_printf ("Kepala Keluarga %u", i);
          h->nik = g_strdup_printf ("5108064112%06u", c * HOUSEHOLDS_EACH + i);
          h->kk = g_strdup_printf ("5108060101%06u", c * HOUSEHOLDS_EACH + i);
          h->address = g_strdup_printf ("Banjar Dinas Kaja No. %u", i + 1);
          h->data_json = g_strdup_printf ("{\"desil\":%u}", 1 + i % 4);
          g_ptr_array_add (households, h);
        }
      g_assert_true (collector_store_upsert_households (store, households, &n_new, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (collector_store_add_enumerator (store, name, NULL, &enumerators[c], &error));
      g_assert_no_error (error);
      g_assert_true (collector_store_assign (store, enumerators[c], village, NULL, &n_assigned, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n_assigned, ==, HOUSEHOLDS_EACH);
    }
  collector_store_close (store);
}

/* A code issued through the store (as the CLI does), used over HTTP. */
static char *
enroll (SoupSession *session,
        const char  *uri,
        const char  *data_dir,
        gint64       enumerator,
        const char  *device_name)
{
  g_autoptr(CollectorStore) store = open_store (data_dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *normal = collector_enroll_code_normalize (code);
  g_autofree char *hash = collector_secret_hash (normal);
  g_autofree char *body = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TestResponse) response = NULL;

  g_assert_true (collector_store_add_enroll_code (store, enumerator, hash,
                                                  g_get_real_time () / G_USEC_PER_SEC + 3600, &error));
  g_assert_no_error (error);
  collector_store_close (store);
  body = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"%s\",\"app_version\":\"0.1.0\"}",
                          code, device_name);
  bytes = g_bytes_new (body, strlen (body));
  response = test_request (session, uri, "POST", "api/v1/enroll", NULL, "application/json", NULL, bytes);
  g_assert_cmpuint (response->status, ==, 201);
  return g_strdup (json_object_get_string_member (json_node_get_object (response->json), "token"));
}

/* CPU seconds (user + system) the collector process used so far. */
static double
process_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

/* --------------------------------------------------------------- photos */

/* A distinct JPEG: base with a comment segment (FF FE) right after SOI. */
static GBytes *
distinct_jpeg (GBytes *base,
               guint   n)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (base, &size);
  g_autofree char *comment = g_strdup_printf ("verval bench photo %u", n);
  gsize comment_length = strlen (comment);
  GByteArray *out = g_byte_array_sized_new (size + comment_length + 4);
  guint8 header[4] = { 0xff, 0xfe, (comment_length + 2) >> 8, (comment_length + 2) & 0xff };

  g_assert_true (size > 2 && data[0] == 0xff && data[1] == 0xd8);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, header, 4);
  g_byte_array_append (out, (const guint8 *) comment, comment_length);
  g_byte_array_append (out, data + 2, size - 2);
  return g_byte_array_free_to_bytes (out);
}

static GPtrArray *
base_jpegs (guint n,
            guint width,
            guint height)
{
  GPtrArray *bases = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autofree guint8 *rgb = fixture_scene (width, height, 7 + i);

      g_ptr_array_add (bases, fixture_jpeg (rgb, width, height, 85, NULL));
    }
  return bases;
}

static gboolean
put_photo (SoupSession *session,
           const char  *uri,
           const char  *token,
           GBytes      *photo,
           guint        expect)
{
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *path = g_strconcat ("api/v1/media/", sha, NULL);
  g_autoptr(TestResponse) r = test_request (session, uri, "PUT", path, token, "image/jpeg", NULL, photo);

  return r->status == expect;
}

/* --------------------------------------------------------------- ingest */

/* Keeps the client side lean (no JSON parsing of the answer): it shares
 * the machine with the server it measures. */
static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (c->uri, "api/v1/visits", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", c->token, NULL);
  g_autofree char *expected = g_strdup_printf ("\"stored\":%u", BATCH_SIZE);

  c->ok = TRUE;
  for (guint i = 0; i < c->bodies->len; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) error = NULL;
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

      soup_message_headers_replace (headers, "Authorization", auth);
      soup_message_headers_replace (headers, "Content-Encoding", "gzip");
      soup_message_set_request_body_from_bytes (msg, "application/json", g_ptr_array_index (c->bodies, i));
      reply = soup_session_send_and_read (session, msg, NULL, &error);
      if (reply == NULL || soup_message_get_status (msg) != 200 ||
          g_strstr_len (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), expected) == NULL)
        {
          const char *text = reply != NULL ? g_bytes_get_data (reply, NULL) : NULL;
          const char *refused = text != NULL ? g_strstr_len (text, g_bytes_get_size (reply), "\"rejected\"") : NULL;

          /* the first refusal says which rule a visit of the mix broke */
          if (c->ok)
            g_printerr ("batch %u: HTTP %u %.*s\n", i, soup_message_get_status (msg),
                        refused != NULL ? 400 : 200, refused != NULL ? refused : text != NULL ? text : "");
          c->ok = FALSE;
        }
    }
  return NULL;
}

/* CPU seconds of a PostgreSQL server: the postmaster and its children
 * (the backends serving the collectors, the WAL writer, the checkpointer). */
static double
server_cpu_seconds (GPid postmaster)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  double total = process_cpu_seconds (postmaster);

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *text = NULL;
      const char *after;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &text, NULL, NULL) ||
          (after = strrchr (text, ')')) == NULL)
        continue;
      /* "S PPID …" after the command */
      if (g_ascii_strtoll (after + 4, NULL, 10) == postmaster)
        total += process_cpu_seconds ((GPid) g_ascii_strtoll (name, NULL, 10));
    }
  return total;
}

/* The load of clients (each to its own uri) on the collectors @pids;
 * figures printed as PREFIX_…; with a PostgreSQL server, its CPU too. */
static double
bench_ingest_on (const char *prefix,
                 Client     *clients,
                 const GPid *pids,
                 guint       n_pids,
                 GPid        postmaster,
                 gboolean   *ok)
{
  GThread *threads[N_CLIENTS];
  gint64 start, elapsed;
  gboolean all_ok = TRUE;
  guint n_visits = 0;
  double cpu_before = 0, cpu = 0, server_before = 0, rate;

  for (guint p = 0; p < n_pids; p++)
    cpu_before += process_cpu_seconds (pids[p]);
  if (postmaster != 0)
    server_before = server_cpu_seconds (postmaster);
  start = g_get_monotonic_time ();
  for (guint c = 0; c < N_CLIENTS; c++)
    threads[c] = g_thread_new ("client", client_thread, &clients[c]);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      all_ok &= clients[c].ok;
      n_visits += clients[c].n_visits;
    }
  elapsed = g_get_monotonic_time () - start;
  for (guint p = 0; p < n_pids; p++)
    cpu += process_cpu_seconds (pids[p]);
  cpu -= cpu_before;
  rate = n_visits / (elapsed / 1e6);

  printf ("%s_all_acknowledged=%s\n", prefix, all_ok ? "true" : "false");
  printf ("%s_seconds=%.3f\n", prefix, elapsed / 1e6);
  printf ("%s_visits_per_s=%.0f\n", prefix, rate);
  printf ("%s_collector_cpu_ms_per_visit=%.3f\n", prefix, cpu * 1000 / n_visits);
  if (postmaster != 0)
    printf ("%s_postgresql_cpu_ms_per_visit=%.3f\n", prefix,
            (server_cpu_seconds (postmaster) - server_before) * 1000 / n_visits);
  *ok = all_ok;
  return rate;
}

static double
bench_ingest (const char *uri,
              Client     *clients,
              GPid        pid,
              gboolean   *ok)
{
  double rate = bench_ingest_on ("ingest", clients, &pid, 1, 0, ok);

  printf ("ingest_target_visits_per_s=4000\n");
  return rate;
}

/* --------------------------------------------------------------- PostgreSQL */

typedef struct {
  char        *data_dir;
  GSubprocess *servers[2];
  char        *uris[2];
  GPid         pids[2];
  char        *tokens[N_CLIENTS];
} PgRun;

/* A fresh database and media folder, @n collectors on them, the devices
 * enrolled (client c through collector c % n) and the photos of the pool
 * uploaded: the same start as the SQLite run's. */
static void
pg_run_start (PgRun      *run,
              const char *dir,
              guint       n,
              Client     *clients,
              GPtrArray  *pool)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  const char *extra[] = { "--database", NULL, NULL };
  gint64 enumerators[N_CLIENTS];

  g_free (database_url);
  database_url = verval_test_pg_new_database ();
  extra[1] = database_url;
  run->data_dir = g_build_filename (dir, n == 1 ? "pg-one" : "pg-two", NULL);
  prepare_store (run->data_dir, enumerators);
  for (guint s = 0; s < n; s++)
    {
      run->servers[s] = test_spawn_server (collector_binary, run->data_dir, extra, FALSE, &run->uris[s]);
      run->pids[s] = atoi (g_subprocess_get_identifier (run->servers[s]));
    }
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autofree char *name = g_strdup_printf ("tablet-%u", c);

      clients[c].uri = run->uris[c % n];
      run->tokens[c] = enroll (session, clients[c].uri, run->data_dir, enumerators[c], name);
      clients[c].token = run->tokens[c];
    }
  for (guint i = 0; i < pool->len; i++)
    g_assert_true (put_photo (session, run->uris[0], clients[0].token, g_ptr_array_index (pool, i), 201));
}

static void
pg_run_stop (PgRun *run)
{
  g_autoptr(GError) error = NULL;

  for (guint s = 0; s < 2; s++)
    {
      if (run->servers[s] == NULL)
        continue;
      g_subprocess_send_signal (run->servers[s], SIGTERM);
      g_assert_true (g_subprocess_wait (run->servers[s], NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&run->servers[s]);
      g_free (run->uris[s]);
    }
  verval_test_pg_drop_database (database_url);
  g_clear_pointer (&database_url, g_free);
  for (guint c = 0; c < N_CLIENTS; c++)
    g_free (run->tokens[c]);
  g_free (run->data_dir);
}

/* The same devices and visits on one collector on PostgreSQL, then on two
 * sharing one database: fsync and synchronous_commit on. */
static gboolean
bench_postgresql (const char *dir,
                  Client     *clients,
                  GPtrArray  *pool,
                  double      sqlite_rate)
{
  g_autofree char *settings = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean ok_one = FALSE, ok_two = FALSE;
  double one, two;
  GPid postmaster;

  {
    PgRun run = { 0 };

    pg_run_start (&run, dir, 1, clients, pool);
    postmaster = verval_test_pg_server_pid ();
    one = bench_ingest_on ("pg_ingest", clients, run.pids, 1, postmaster, &ok_one);
    pg_run_stop (&run);
  }
  {
    PgRun run = { 0 };

    pg_run_start (&run, dir, 2, clients, pool);
    two = bench_ingest_on ("pg2_ingest", clients, run.pids, 2, postmaster, &ok_two);
    pg_run_stop (&run);
  }
  printf ("pg_ingest_target_visits_per_s=2000\n");
  printf ("pg_ingest_ratio_vs_sqlite=%.2f\n", one / sqlite_rate);
  printf ("pg2_ingest_ratio_vs_one_collector=%.2f\n", two / one);
  settings = verval_test_pg_settings ();
  lines = g_strsplit (settings, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    printf ("pg_setting %s\n", lines[i]);
  return ok_one && ok_two;
}

typedef struct {
  CollectorStore  *store;
  CollectorDevice *device;
  GPtrArray       *batches;   /* GPtrArray of CollectorVisit* */
} DirectClient;

static gpointer
direct_thread (gpointer data)
{
  DirectClient *d = data;

  for (guint i = 0; i < d->batches->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) outcomes = collector_store_submit_visits (d->store, d->device,
                                                                     g_ptr_array_index (d->batches, i), &error);

      g_assert_no_error (error);
      g_assert_nonnull (outcomes);
    }
  return NULL;
}

/* The same amount of other visits of the same mix, straight into the store. */
static void
bench_direct_store (const char *data_dir,
                    GPtrArray  *pool_names,
                    GArray     *pool_sizes,
                    double      http_rate)
{
  g_autoptr(CollectorStore) store = open_store (data_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = collector_store_list_devices (store, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  DirectClient clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  gint64 start, elapsed;
  double rate;

  g_assert_no_error (error);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autofree char *name = g_strdup_printf ("tablet-%u", c);

      clients[c].store = store;
      clients[c].device = NULL;
      for (guint i = 0; i < devices->len; i++)
        {
          CollectorDevice *device = g_ptr_array_index (devices, i);

          if (g_strcmp0 (device->name, name) == 0)
            clients[c].device = device;
        }
      g_assert_nonnull (clients[c].device);
      clients[c].batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      for (guint b = 0; b < BATCHES_PER_CLIENT; b++)
        {
          GPtrArray *visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);

          for (guint i = 0; i < BATCH_SIZE; i++)
            {
              g_autoptr(JsonNode) node = varied_visit (rand, c, pool_names, pool_sizes);
              g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
              g_autofree char *uuid = NULL;
              gint64 revision;
              CollectorVisit *v = collector_visit_parse (node, clients[c].device, G_MAXUINT32, problems,
                                                         &uuid, &revision);

              g_assert_nonnull (v);
              g_ptr_array_add (visits, v);
            }
          g_ptr_array_add (clients[c].batches, visits);
        }
    }

  start = g_get_monotonic_time ();
  for (guint c = 0; c < N_CLIENTS; c++)
    threads[c] = g_thread_new ("direct", direct_thread, &clients[c]);
  for (guint c = 0; c < N_CLIENTS; c++)
    g_thread_join (threads[c]);
  elapsed = g_get_monotonic_time () - start;
  rate = (double) N_CLIENTS * BATCHES_PER_CLIENT * BATCH_SIZE / (elapsed / 1e6);

  printf ("store_direct_visits_per_s=%.0f\n", rate);
  printf ("ingest_ratio_vs_store_direct=%.2f\n", http_rate / rate);
  for (guint c = 0; c < N_CLIENTS; c++)
    g_ptr_array_unref (clients[c].batches);
  collector_store_close (store);
}

/* --------------------------------------------------------------- photos */

/* Reads one answer off a kept-alive connection; returns its status. */
static guint
read_answer (GDataInputStream *in)
{
  g_autofree char *status_line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  gsize length = 0;
  guint status = 0;

  if (status_line == NULL || sscanf (status_line, "HTTP/1.1 %u", &status) != 1)
    return 0;
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      if (line == NULL)
        return 0;
      g_strchomp (line);
      if (line[0] == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", strlen ("Content-Length:")) == 0)
        length = g_ascii_strtoull (line + strlen ("Content-Length:"), NULL, 10);
    }
  if (length > 0)
    {
      g_autofree char *body = g_malloc (length);
      gsize got = 0;

      if (!g_input_stream_read_all (G_INPUT_STREAM (in), body, length, &got, NULL, NULL) || got != length)
        return 0;
    }
  return status;
}

/* A device sending its photos one after another over one connection. Raw
 * HTTP/1.1 rather than libsoup: on a shared 2-core machine every cycle the
 * load generator spends is one the collector does not get, and a real
 * device's CPU is its own. */
static gpointer
uploader_thread (gpointer data)
{
  Uploader *u = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GUri) uri = g_uri_parse (u->uri, G_URI_FLAGS_NONE, NULL);
  GOutputStream *out;

  u->ok = uri != NULL;
  connection = uri != NULL ? g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, NULL)
                           : NULL;
  if (connection == NULL)
    {
      u->ok = FALSE;
      return NULL;
    }
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  for (guint i = 0; u->ok && i < u->photos->len; i++)
    {
      GBytes *photo = g_ptr_array_index (u->photos, i);
      const char *sha = g_ptr_array_index (u->names, i);
      g_autofree char *headers = g_strdup_printf ("PUT /api/v1/media/%s HTTP/1.1\r\n"
                                                  "Host: 127.0.0.1\r\n"
                                                  "Authorization: Bearer %s\r\n"
                                                  "Content-Type: image/jpeg\r\n"
                                                  "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                                                  sha, u->token, g_bytes_get_size (photo));
      GOutputVector vectors[2] = {
        { headers, strlen (headers) },
        { g_bytes_get_data (photo, NULL), g_bytes_get_size (photo) },
      };

      u->ok = g_output_stream_writev_all (out, vectors, 2, NULL, NULL, NULL) && read_answer (in) == 201;
    }
  return NULL;
}

static gpointer
writer_thread (gpointer data)
{
  Uploader *u = data;

  u->ok = TRUE;
  for (guint i = 0; i < u->photos->len; i++)
    {
      GBytes *photo = g_ptr_array_index (u->photos, i);
      g_autofree char *path = g_strdup_printf ("%s/%u.jpg", u->dir, i);
      gsize size;
      const guint8 *bytes = g_bytes_get_data (photo, &size);
      int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

      u->ok &= fd >= 0 && write (fd, bytes, size) == (ssize_t) size && fsync (fd) == 0;
      if (fd >= 0)
        close (fd);
    }
  return NULL;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Runs fn on 8 threads, one per uploader; returns the wall time in µs. */
static gint64
run_threads (Uploader     *uploaders,
             GThreadFunc   fn,
             gboolean     *all_ok)
{
  GThread *threads[N_CLIENTS];
  gint64 start = g_get_monotonic_time ();

  for (guint c = 0; c < N_CLIENTS; c++)
    threads[c] = g_thread_new ("load", fn, &uploaders[c]);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      *all_ok &= uploaders[c].ok;
    }
  return g_get_monotonic_time () - start;
}

/* Rounds of new photos, each written by the baseline and then uploaded;
 * medians, because a shared disk's fsync time wanders between runs. */
static gboolean
bench_media (const char *uri,
             const char *dir,
             char      **tokens,
             GPid        pid)
{
  g_autoptr(GPtrArray) bases = base_jpegs (4, PHOTO_WIDTH, PHOTO_HEIGHT);
  Uploader uploaders[N_CLIENTS];
  double put_rates[MEDIA_ROUNDS], raw_rates[MEDIA_ROUNDS], ratios[MEDIA_ROUNDS];
  double collector_cpu = 0, uploaders_cpu = 0, all_mb = 0;
  guint64 round_bytes = 0;
  gboolean all_ok = TRUE, raw_ok = TRUE;

  for (guint round = 0; round < MEDIA_ROUNDS; round++)
    {
      gint64 http_us, raw_us;
      double mb, cpu_before, self_before;

      round_bytes = 0;
      for (guint c = 0; c < N_CLIENTS; c++)
        {
          uploaders[c].uri = uri;
          uploaders[c].token = tokens[c];
          uploaders[c].photos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
          uploaders[c].names = g_ptr_array_new_with_free_func (g_free);
          uploaders[c].dir = g_strdup_printf ("%s/raw-%u-%u", dir, round, c);
          g_assert_cmpint (g_mkdir_with_parents (uploaders[c].dir, 0700), ==, 0);
          for (guint i = 0; i < PHOTOS_EACH; i++)
            {
              guint n = (round * N_CLIENTS + c) * PHOTOS_EACH + i;
              GBytes *photo = distinct_jpeg (g_ptr_array_index (bases, n % bases->len), n);

              round_bytes += g_bytes_get_size (photo);
              g_ptr_array_add (uploaders[c].photos, photo);
              g_ptr_array_add (uploaders[c].names, test_sha256_hex (photo));
            }
        }
      mb = round_bytes / (1024.0 * 1024.0);
      all_mb += mb;

      sync ();
      raw_us = run_threads (uploaders, writer_thread, &raw_ok);
      sync ();
      cpu_before = process_cpu_seconds (pid);
      self_before = process_cpu_seconds (getpid ());
      http_us = run_threads (uploaders, uploader_thread, &all_ok);
      collector_cpu += process_cpu_seconds (pid) - cpu_before;
      uploaders_cpu += process_cpu_seconds (getpid ()) - self_before;

      put_rates[round] = mb / (http_us / 1e6);
      raw_rates[round] = mb / (raw_us / 1e6);
      ratios[round] = (double) raw_us / http_us;
      for (guint c = 0; c < N_CLIENTS; c++)
        {
          g_ptr_array_unref (uploaders[c].photos);
          g_ptr_array_unref (uploaders[c].names);
          g_free (uploaders[c].dir);
        }
    }
  g_assert_true (raw_ok);

  printf ("media_uploaders=%u\n", N_CLIENTS);
  printf ("media_rounds=%u\n", MEDIA_ROUNDS);
  printf ("media_photos_per_round=%u\n", N_CLIENTS * PHOTOS_EACH);
  printf ("media_photo_bytes_mean=%" G_GUINT64_FORMAT "\n", round_bytes / (N_CLIENTS * PHOTOS_EACH));
  printf ("media_all_stored=%s\n", all_ok ? "true" : "false");
  printf ("media_put_mb_per_s=%.1f\n", median (put_rates, MEDIA_ROUNDS));
  printf ("media_collector_cpu_ms_per_mb=%.2f\n", collector_cpu * 1000 / all_mb);
  printf ("media_uploaders_cpu_ms_per_mb=%.2f\n", uploaders_cpu * 1000 / all_mb);
  printf ("media_raw_write_fsync_mb_per_s=%.1f\n", median (raw_rates, MEDIA_ROUNDS));
  printf ("media_ratio_vs_raw_write_fsync=%.2f\n", median (ratios, MEDIA_ROUNDS));
  printf ("media_target_ratio=0.80\n");
  return all_ok;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) pool_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) pool_sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GPtrArray) pool_bases = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *uri = NULL;
  gint64 enumerators[N_CLIENTS];
  char *tokens[N_CLIENTS];
  Client clients[N_CLIENTS];
  gsize plain_bytes = 0, gzip_bytes = 0;
  guint n_visits = 0;
  gboolean ingest_ok, media_ok;
  double rate;
  GPid pid;

  if (argc < 2)
    {
      g_printerr ("usage: %s VERVAL-COLLECTOR\n", argv[0]);
      return 1;
    }
  collector_binary = argv[1];
  /* in the same file system as the build, like a collector's data dir */
  dir = g_dir_make_tmp ("verval-bench-collector-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (dir, "data", NULL);
  prepare_store (data_dir, enumerators);
  server = test_spawn_server (argv[1], data_dir, NULL, FALSE, &uri);
  pid = atoi (g_subprocess_get_identifier (server));
  session = soup_session_new ();
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autofree char *name = g_strdup_printf ("tablet-%u", c);

      tokens[c] = enroll (session, uri, data_dir, enumerators[c], name);
    }

  /* the photos the visits point at are on the collector already */
  pool_bases = base_jpegs (2, 640, 480);
  for (guint i = 0; i < N_POOL_PHOTOS; i++)
    {
      GBytes *photo = distinct_jpeg (g_ptr_array_index (pool_bases, i % 2), 100000 + i);
      gsize size = g_bytes_get_size (photo);

      g_assert_true (put_photo (session, uri, tokens[0], photo, 201));
      g_ptr_array_add (pool, photo);
      g_ptr_array_add (pool_names, test_sha256_hex (photo));
      g_array_append_val (pool_sizes, size);
    }

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      clients[c].uri = uri;
      clients[c].token = tokens[c];
      clients[c].bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      clients[c].n_visits = 0;
      for (guint b = 0; b < BATCHES_PER_CLIENT; b++)
        {
          g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
          g_autoptr(GBytes) plain = NULL;
          GBytes *gz;

          for (guint i = 0; i < BATCH_SIZE; i++)
            g_ptr_array_add (visits, varied_visit (rand, c, pool_names, pool_sizes));
          plain = test_batch_bytes (visits);
          gz = test_gzip (plain);
          plain_bytes += g_bytes_get_size (plain);
          gzip_bytes += g_bytes_get_size (gz);
          g_ptr_array_add (clients[c].bodies, gz);
          clients[c].n_visits += BATCH_SIZE;
          n_visits += BATCH_SIZE;
        }
    }
  printf ("ingest_clients=%u\n", N_CLIENTS);
  printf ("ingest_batch_size=%u\n", BATCH_SIZE);
  printf ("ingest_visits=%u\n", n_visits);
  printf ("ingest_visit_json_bytes=%" G_GSIZE_FORMAT "\n", plain_bytes / n_visits);
  printf ("ingest_gzip_ratio=%.2f\n", (double) gzip_bytes / plain_bytes);
  rate = bench_ingest (uri, clients, pid, &ingest_ok);
  media_ok = bench_media (uri, dir, tokens, pid);

  g_subprocess_send_signal (server, SIGTERM);
  g_assert_true (g_subprocess_wait (server, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ingest_ok);
  g_assert_true (media_ok);
  bench_direct_store (data_dir, pool_names, pool_sizes, rate);
  g_assert_true (bench_postgresql (dir, clients, pool, rate));

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_ptr_array_unref (clients[c].bodies);
      g_free (tokens[c]);
    }
  g_clear_object (&session);
  test_rm_rf (dir);
  return 0;
}
