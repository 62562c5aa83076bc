/* test-collector-durability.c: kill -9 while clients send, then check
 *
 * The built binary is spawned; clients upload photos and send batches as
 * fast as they can and remember every acknowledgement. The server is killed
 * with SIGKILL mid-stream. Afterwards every acknowledged visit and photo must
 * be there, the database must pass integrity_check, and the server must
 * start again on the same data and stop cleanly on SIGTERM.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "collector-media.h"
#include "collector-token.h"
#include "test-collector-util.h"

#define VILLAGE    "5108062001"
#define N_CLIENTS  4
#define BATCH      50

static const char *binary;

typedef struct {
  char          *uri;
  char          *token;
  guint          client;
  GMutex        *lock;
  GHashTable    *acked_visits;   /* uuid → revision */
  GHashTable    *acked_media;    /* sha256 */
  volatile gint *stop;
} Client;

static GBytes *
photo_bytes (guint client,
             guint n)
{
  g_autofree char *text = g_strdup_printf ("photo %u/%u ", client, n);
  GString *s = g_string_new (NULL);
  gsize length;

  while (s->len < 20000)
    g_string_append (s, text);
  length = s->len;
  return g_bytes_new_take (g_string_free (s, FALSE), length);
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  guint n = 0;

  soup_session_set_timeout (session, 10);
  while (!g_atomic_int_get (c->stop))
    {
      g_autoptr(GBytes) photo = photo_bytes (c->client, n);
      g_autofree char *sha = test_sha256_hex (photo);
      g_autofree char *media_uri = g_strconcat (c->uri, "api/v1/media/", sha, NULL);
      g_autofree char *visits_uri = g_strconcat (c->uri, "api/v1/visits", NULL);
      g_autofree char *auth = g_strconcat ("Bearer ", c->token, NULL);
      g_autoptr(SoupMessage) put = soup_message_new ("PUT", media_uri);
      g_autoptr(SoupMessage) post = NULL;
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(JsonNode) root = NULL;
      const char *media[] = { sha, NULL };
      JsonArray *results;

      soup_message_headers_replace (soup_message_get_request_headers (put), "Authorization", auth);
      soup_message_set_request_body_from_bytes (put, "image/jpeg", photo);
      reply = soup_session_send_and_read (session, put, NULL, NULL);
      if (reply == NULL || !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (put)))
        break;
      g_mutex_lock (c->lock);
      g_hash_table_add (c->acked_media, g_strdup (sha));
      g_mutex_unlock (c->lock);
      g_clear_pointer (&reply, g_bytes_unref);

      for (guint i = 0; i < BATCH; i++)
        {
          g_autofree char *uuid = g_strdup_printf ("44444444-4444-4444-8444-%04u%08u", c->client, n * BATCH + i);
          g_autofree char *household = g_strdup_printf ("HH-" VILLAGE "-%u", i % 10);

          g_ptr_array_add (batch, test_visit_new (uuid, 1, household, i == 0 ? media : NULL));
        }
      body = test_batch_bytes (batch);
      post = soup_message_new ("POST", visits_uri);
      soup_message_headers_replace (soup_message_get_request_headers (post), "Authorization", auth);
      soup_message_set_request_body_from_bytes (post, "application/json", body);
      reply = soup_session_send_and_read (session, post, NULL, NULL);
      if (reply == NULL || soup_message_get_status (post) != 200)
        break;
      {
        g_autofree char *text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));

        root = json_from_string (text, NULL);
      }
      if (root == NULL)
        break;
      results = json_object_get_array_member (json_node_get_object (root), "results");
      g_mutex_lock (c->lock);
      for (guint i = 0; i < json_array_get_length (results); i++)
        {
          JsonObject *r = json_array_get_object_element (results, i);

          g_assert_cmpstr (json_object_get_string_member (r, "status"), ==, "stored");
          g_hash_table_insert (c->acked_visits, g_strdup (json_object_get_string_member (r, "uuid")),
                               GINT_TO_POINTER (json_object_get_int_member (r, "revision")));
        }
      g_mutex_unlock (c->lock);
      n++;
    }
  return NULL;
}

static char *
sqlite_text (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

static void
test_kill_9 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("verval-durability-XXXXXX", &error);
  g_autofree char *db_path = g_build_filename (dir, "collector.db", NULL);
  g_autofree char *media_path = g_build_filename (dir, "media", NULL);
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *uri = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocess) again = NULL;
  g_autoptr(GHashTable) acked_visits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) acked_media = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(CollectorMedia) media = NULL;
  Client clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  GMutex lock;
  volatile gint stop = 0;
  GHashTableIter iter;
  gpointer key, value;
  sqlite3 *db = NULL;
  g_autofree char *integrity = NULL;
  guint missing = 0;

  g_assert_no_error (error);
  g_mutex_init (&lock);

  /* an enumerator with ten households and an enrollment code, prepared offline */
  {
    g_autoptr(CollectorStore) store = collector_sqlite_store_new (db_path, &error);
    g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
    g_autofree char *normal = collector_enroll_code_normalize (code);
    g_autofree char *hash = collector_secret_hash (normal);
    gint64 enumerator;

    g_assert_no_error (error);
    for (guint i = 0; i < 10; i++)
      {
        CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

        h->id = g_strdup_printf ("HH-" VILLAGE "-%u", i);
        h->source = g_strdup ("p3ke");
        h->village_code = g_strdup (VILLAGE);
        h->head_name = g_strdup ("Kepala");
        h->nik = g_strdup ("3602041211870001");
        h->kk = g_strdup ("");
        h->address = g_strdup ("Jl. Kenanga");
        h->data_json = g_strdup ("{}");
        g_ptr_array_add (households, h);
      }
    g_assert_true (collector_store_upsert_households (store, households, NULL, NULL, &error));
    g_assert_true (collector_store_add_enumerator (store, "Wayan", NULL, &enumerator, &error));
    g_assert_true (collector_store_assign (store, enumerator, VILLAGE, NULL, NULL, &error));
    g_assert_true (collector_store_add_enroll_code (store, enumerator, hash,
                                                    g_get_real_time () / G_USEC_PER_SEC + 600, &error));
    g_assert_no_error (error);
    collector_store_close (store);
  }

  server = test_spawn_server (binary, dir, NULL, FALSE, &uri);
  {
    g_autofree char *json = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"tablet\"}", code);
    g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
    g_autoptr(TestResponse) r = test_request (session, uri, "POST", "api/v1/enroll", NULL,
                                              "application/json", NULL, body);

    g_assert_cmpuint (r->status, ==, 201);
    token = g_strdup (json_object_get_string_member (json_node_get_object (r->json), "token"));
  }

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i] = (Client) { uri, token, i, &lock, acked_visits, acked_media, &stop };
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  /* let the clients get going, then pull the plug while they are mid-request */
  for (guint waited = 0; waited < 200; waited++)
    {
      guint n;

      g_usleep (20 * 1000);
      g_mutex_lock (&lock);
      n = g_hash_table_size (acked_visits);
      g_mutex_unlock (&lock);
      if (n >= 10 * BATCH)
        break;
    }
  g_subprocess_send_signal (server, SIGKILL);
  g_assert_true (g_subprocess_wait (server, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (server));
  g_assert_cmpint (g_subprocess_get_term_sig (server), ==, SIGKILL);
  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);
  g_test_message ("%u visits and %u photos acknowledged before the kill",
                  g_hash_table_size (acked_visits), g_hash_table_size (acked_media));
  g_assert_cmpuint (g_hash_table_size (acked_visits), >, 0);

  /* everything acknowledged is there, and the file is sound */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  integrity = sqlite_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
  g_hash_table_iter_init (&iter, acked_visits);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT revision FROM visits WHERE uuid = ?", -1, &stmt, NULL),
                       ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_int64 (stmt, 0) != GPOINTER_TO_INT (value))
        missing++;
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  g_assert_cmpuint (missing, ==, 0);

  media = collector_media_new (media_path, &error);
  g_assert_no_error (error);
  g_hash_table_iter_init (&iter, acked_media);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autofree char *path = collector_media_get_path (media, key);
      g_autofree char *contents = NULL;
      g_autofree char *sha = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
      g_assert_cmpstr (sha, ==, key);
    }

  /* the next run simply continues, and stops cleanly when asked */
  g_clear_pointer (&uri, g_free);
  again = test_spawn_server (binary, dir, NULL, FALSE, &uri);
  {
    g_autoptr(TestResponse) r = test_request (session, uri, "GET", "api/v1/assignments", token,
                                              NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  g_subprocess_send_signal (again, SIGTERM);
  g_assert_true (g_subprocess_wait (again, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (again));
  g_assert_cmpint (g_subprocess_get_exit_status (again), ==, 0);

  g_mutex_clear (&lock);
  test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  binary = test_collector_binary (argc, argv);
  g_test_add_func ("/collector/durability/kill-9", test_kill_9);
  return g_test_run ();
}
