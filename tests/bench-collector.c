/* bench-collector.c: collector ingest and media upload on loopback
 *
 * ingest_visits_per_s: 8 concurrent clients send gzip'd batches of 100
 * realistic visits (the built-in form, all sections answered, a photo each)
 * to a real server on 127.0.0.1; the baseline is the same visits written
 * straight into the store by 8 threads, without HTTP, JSON or validation.
 * media_put_mb_per_s: 300 KB photos PUT one after another; the baseline is
 * writing the same bytes to files in the same folder with fsync.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "collector-visit.h"
#include "test-collector-util.h"

#define N_CLIENTS        8
#define BATCH_SIZE       100
#define BATCHES_PER_CLIENT 30
#define N_PHOTOS         60
#define PHOTO_SIZE       (300 * 1024)
#define VILLAGE          "5108062001"
#define N_HOUSEHOLDS     400

typedef struct {
  TestCollector *tc;
  char          *token;
  GPtrArray     *bodies;     /* gzip'd batches */
  gboolean       ok;
} Client;

static GBytes *
photo_bytes (guint seed)
{
  guint8 *data = g_malloc (PHOTO_SIZE);
  guint32 x = seed * 2654435761u + 1;

  /* incompressible, like JPEG data */
  for (gsize i = 0; i < PHOTO_SIZE; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = x & 0xff;
    }
  return g_bytes_new_take (data, PHOTO_SIZE);
}

static GPtrArray *
make_visits (guint       client,
             guint       batch,
             const char *sha)
{
  GPtrArray *visits = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  const char *media[] = { sha, NULL };

  for (guint i = 0; i < BATCH_SIZE; i++)
    {
      guint n = (client * BATCHES_PER_CLIENT + batch) * BATCH_SIZE + i;
      g_autofree char *uuid = g_strdup_printf ("%08x-%04x-4000-8000-%012x", g_random_int (), client, n);
      g_autofree char *household = g_strdup_printf ("HH-" VILLAGE "-%u", n % N_HOUSEHOLDS);

      g_ptr_array_add (visits, test_visit_new (uuid, 1, household, media));
    }
  return visits;
}

/* A device would be a separate process: keep the client side lean (no JSON
 * parsing of the answer) so it does not take CPU from the server it measures. */
static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (c->tc->uri, "api/v1/visits", NULL);
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
        c->ok = FALSE;
    }
  return NULL;
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

static double
bench_ingest (TestCollector *tc,
              SoupSession   *session,
              gint64         enumerator,
              const char    *sha)
{
  Client clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  gsize plain_bytes = 0, gzip_bytes = 0;
  gint64 start, elapsed;
  gboolean all_ok = TRUE;
  double rate;

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autofree char *name = g_strdup_printf ("tablet-%u", c);

      clients[c].tc = tc;
      clients[c].token = test_collector_enroll (tc, session, enumerator, name);
      clients[c].bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (guint b = 0; b < BATCHES_PER_CLIENT; b++)
        {
          g_autoptr(GPtrArray) visits = make_visits (c, b, sha);
          g_autoptr(GBytes) plain = test_batch_bytes (visits);
          GBytes *gz = test_gzip (plain);

          plain_bytes += g_bytes_get_size (plain);
          gzip_bytes += g_bytes_get_size (gz);
          g_ptr_array_add (clients[c].bodies, gz);
        }
    }

  start = g_get_monotonic_time ();
  for (guint c = 0; c < N_CLIENTS; c++)
    threads[c] = g_thread_new ("client", client_thread, &clients[c]);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      all_ok &= clients[c].ok;
    }
  elapsed = g_get_monotonic_time () - start;
  rate = (double) N_CLIENTS * BATCHES_PER_CLIENT * BATCH_SIZE / (elapsed / 1e6);

  printf ("ingest_clients=%u\n", N_CLIENTS);
  printf ("ingest_batch_size=%u\n", BATCH_SIZE);
  printf ("ingest_visits=%u\n", N_CLIENTS * BATCHES_PER_CLIENT * BATCH_SIZE);
  printf ("ingest_visit_json_bytes=%" G_GSIZE_FORMAT "\n", plain_bytes / (N_CLIENTS * BATCHES_PER_CLIENT * BATCH_SIZE));
  printf ("ingest_gzip_ratio=%.2f\n", (double) gzip_bytes / plain_bytes);
  printf ("ingest_all_acknowledged=%s\n", all_ok ? "true" : "false");
  printf ("ingest_seconds=%.3f\n", elapsed / 1e6);
  printf ("ingest_visits_per_s=%.0f\n", rate);
  printf ("ingest_target_visits_per_s=2000\n");

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_ptr_array_unref (clients[c].bodies);
      g_free (clients[c].token);
    }
  g_assert_true (all_ok);
  return rate;
}

static void
bench_direct_store (TestCollector *tc,
                    gint64         enumerator,
                    const char    *sha,
                    double         http_rate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = collector_store_list_devices (tc->store, &error);
  DirectClient clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  gint64 start, elapsed;
  double rate;

  g_assert_cmpuint (devices->len, >=, N_CLIENTS);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      clients[c].store = tc->store;
      clients[c].device = g_ptr_array_index (devices, c);
      clients[c].batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      for (guint b = 0; b < BATCHES_PER_CLIENT; b++)
        {
          g_autoptr(GPtrArray) nodes = make_visits (c + N_CLIENTS, b, sha);
          GPtrArray *visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);

          for (guint i = 0; i < nodes->len; i++)
            {
              g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
              g_autofree char *uuid = NULL;
              gint64 revision;
              CollectorVisit *v = collector_visit_parse (g_ptr_array_index (nodes, i), clients[c].device,
                                                         G_MAXUINT32, problems, &uuid, &revision);

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
}

static void
bench_media (TestCollector *tc,
             SoupSession   *session,
             const char    *token)
{
  g_autoptr(GPtrArray) photos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *raw_dir = g_build_filename (tc->dir, "raw", NULL);
  gint64 start, http_us, raw_us;
  double total_mb = (double) N_PHOTOS * PHOTO_SIZE / (1024.0 * 1024.0);

  for (guint i = 0; i < N_PHOTOS; i++)
    g_ptr_array_add (photos, photo_bytes (1000 + i));

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_PHOTOS; i++)
    {
      GBytes *photo = g_ptr_array_index (photos, i);
      g_autofree char *sha = test_sha256_hex (photo);
      g_autofree char *path = g_strconcat ("api/v1/media/", sha, NULL);
      g_autoptr(TestResponse) r = test_request (session, tc->uri, "PUT", path, token, "image/jpeg", NULL, photo);

      g_assert_cmpuint (r->status, ==, 201);
    }
  http_us = g_get_monotonic_time () - start;

  /* the same bytes, straight to disk with the same durability */
  g_assert_cmpint (g_mkdir_with_parents (raw_dir, 0700), ==, 0);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_PHOTOS; i++)
    {
      GBytes *photo = g_ptr_array_index (photos, i);
      g_autofree char *path = g_strdup_printf ("%s/%u.jpg", raw_dir, i);
      int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (write (fd, g_bytes_get_data (photo, NULL), PHOTO_SIZE), ==, PHOTO_SIZE);
      g_assert_cmpint (fsync (fd), ==, 0);
      close (fd);
    }
  raw_us = g_get_monotonic_time () - start;

  printf ("media_photos=%u\n", N_PHOTOS);
  printf ("media_photo_bytes=%u\n", PHOTO_SIZE);
  printf ("media_put_mb_per_s=%.1f\n", total_mb / (http_us / 1e6));
  printf ("media_raw_write_mb_per_s=%.1f\n", total_mb / (raw_us / 1e6));
  printf ("media_ratio_vs_raw_write=%.2f\n", (double) raw_us / http_us);
}

/* Run with G_SLICE=always-malloc, as verval-collector runs itself (see
 * src/collector/main.c): meson sets it for this benchmark. */
int
main (int   argc,
      char *argv[])
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GBytes) photo = photo_bytes (1);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *path = g_strconcat ("api/v1/media/", sha, NULL);
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  TestCollector *tc;
  gint64 enumerator;
  double rate;

  tc = test_collector_start (NULL);
  session = soup_session_new ();
  test_collector_add_households (tc, VILLAGE, N_HOUSEHOLDS);
  enumerator = test_collector_add_enumerator (tc, "Bench");
  g_assert_true (collector_store_assign (tc->store, enumerator, VILLAGE, NULL, NULL, &error));
  token = test_collector_enroll (tc, session, enumerator, "uploader");
  {
    g_autoptr(TestResponse) r = test_request (session, tc->uri, "PUT", path, token, "image/jpeg", NULL, photo);

    g_assert_cmpuint (r->status, ==, 201);
  }

  rate = bench_ingest (tc, session, enumerator, sha);
  bench_direct_store (tc, enumerator, sha, rate);
  bench_media (tc, session, token);

  g_clear_object (&session);
  test_collector_stop (tc);
  return 0;
}
