/* test-collector-cluster.c: two collector processes on one PostgreSQL database
 *
 * The province deployment in small: two built collectors (`serve
 * --database`) on one database and one media folder, eight devices sending
 * at once. Every batch goes through both collectors, in either order and
 * overlapping, as a device whose answer was lost resends it through
 * whichever collector the balancer picks: every visit is stored once, at
 * its newest revision. Then one collector is killed (SIGKILL) while the
 * devices send: every visit either collector acknowledged is in the
 * database, and the devices finish through the other.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "collector-pg-store.h"
#include "collector-token.h"
#include "test-collector-util.h"
#include "test-pg.h"

static const char *binary;

#define N_DEVICES   8
#define PER_DEVICE  40      /* households each, and visits each in the overlap test */
#define KILL_VISITS 250     /* visits each while a collector is killed */
#define BATCH       10

typedef struct {
  char        *dir;
  char        *data_dir;
  char        *url;
  GSubprocess *collectors[2];
  char        *uris[2];
} Fixture;

typedef struct {
  Fixture    *f;
  guint       device;
  const char *first_uuid_prefix;
  gint64      revision;
  guint       n_visits;
  gboolean    overlap;       /* every batch through both collectors */
  gboolean    ok;
  GHashTable *acknowledged;  /* uuid → revision, as the collectors answered */
  guint       failovers;
} Client;

static char *
household_id (guint device,
              guint i)
{
  return g_strdup_printf ("HH-%u-%03u", device, i);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GError) error = NULL;
  const char *extra[] = { "--database", NULL, NULL };
  guint n;

  f->dir = g_dir_make_tmp ("verval-cluster-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->dir, "shared", NULL);
  f->url = verval_test_pg_new_database ();
  store = collector_pg_store_new (f->url, &error);
  g_assert_no_error (error);
  for (guint d = 0; d < N_DEVICES; d++)
    for (guint i = 0; i < PER_DEVICE; i++)
      {
        CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

        h->id = household_id (d, i);
        h->source = g_strdup ("p3ke");
        h->village_code = g_strdup_printf ("51080620%02u", d + 1);
        h->head_name = g_strdup_printf ("Kepala %u-%u", d, i);
        h->data_json = g_strdup ("{}");
        g_ptr_array_add (households, h);
      }
  g_assert_true (collector_store_upsert_households (store, households, &n, NULL, &error));
  g_assert_no_error (error);
  for (guint d = 0; d < N_DEVICES; d++)
    {
      g_autofree char *name = g_strdup_printf ("Petugas %u", d);
      g_autofree char *code = g_strdup_printf ("code-%u", d);
      g_autofree char *token = g_strdup_printf ("token-of-device-%u", d);
      g_autofree char *token_hash = collector_secret_hash (token);
      g_autofree char *village = g_strdup_printf ("51080620%02u", d + 1);
      g_autoptr(CollectorDevice) device = NULL;
      gint64 id;

      g_assert_true (collector_store_add_enumerator (store, name, NULL, &id, &error));
      g_assert_true (collector_store_assign (store, id, village, NULL, &n, &error));
      g_assert_true (collector_store_add_enroll_code (store, id, code,
                                                      g_get_real_time () / G_USEC_PER_SEC + 600, &error));
      device = collector_store_enroll_device (store, code, token_hash, "tablet", "0.3",
                                              g_get_real_time () / G_USEC_PER_SEC, &error);
      g_assert_no_error (error);
    }
  collector_store_close (store);

  extra[1] = f->url;
  for (guint c = 0; c < 2; c++)
    f->collectors[c] = test_spawn_server (binary, f->data_dir, extra, FALSE, &f->uris[c]);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  for (guint c = 0; c < 2; c++)
    {
      if (f->collectors[c] != NULL)
        {
          g_subprocess_force_exit (f->collectors[c]);
          g_subprocess_wait (f->collectors[c], NULL, NULL);
          g_clear_object (&f->collectors[c]);
        }
      g_free (f->uris[c]);
    }
  verval_test_pg_drop_database (f->url);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
  g_free (f->url);
}

static GBytes *
batch_bytes (Client *client,
             guint   first)
{
  g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GBytes) plain = NULL;

  for (guint i = first; i < first + BATCH; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("%s%02u%010u", client->first_uuid_prefix, client->device, i);
      /* a household may be visited more than once (a revisit) */
      g_autofree char *household = household_id (client->device, i % PER_DEVICE);

      g_ptr_array_add (visits, test_visit_new (uuid, client->revision, household, NULL));
    }
  plain = test_batch_bytes (visits);
  return test_gzip (plain);
}

/* One batch through one collector: TRUE with what it acknowledged, FALSE
 * when the collector could not be reached or did not answer 200. */
static gboolean
send_batch (Client      *client,
            SoupSession *session,
            const char  *uri,
            GBytes      *body)
{
  g_autofree char *token = g_strdup_printf ("token-of-device-%u", client->device);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *url = g_strconcat (uri, "api/v1/visits", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *results;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Encoding", "gzip");
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL || soup_message_get_status (msg) != 200)
    return FALSE;
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                             &error));
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "results");
  g_assert_cmpuint (json_array_get_length (results), ==, BATCH);
  for (guint i = 0; i < BATCH; i++)
    {
      JsonObject *r = json_array_get_object_element (results, i);
      const char *status = json_object_get_string_member (r, "status");

      /* the same visit again is a duplicate, a newer revision replaces */
      if (!g_str_equal (status, "stored") && !g_str_equal (status, "duplicate") &&
          !g_str_equal (status, "replaced"))
        {
          g_test_message ("unexpected %s for %s", status, json_object_get_string_member (r, "uuid"));
          client->ok = FALSE;
          continue;
        }
      g_hash_table_insert (client->acknowledged, g_strdup (json_object_get_string_member (r, "uuid")),
                           GINT_TO_POINTER ((int) client->revision));
    }
  return TRUE;
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 20, NULL);

  for (guint first = 0; first < client->n_visits && client->ok; first += BATCH)
    {
      g_autoptr(GBytes) body = batch_bytes (client, first);
      /* half the devices start at the other collector */
      guint at = (client->device + first / BATCH) % 2;

      if (client->overlap)
        {
          client->ok &= send_batch (client, session, client->f->uris[at], body);
          client->ok &= send_batch (client, session, client->f->uris[1 - at], body);
          continue;
        }
      /* a collector that does not answer: the next one, as a balancer would */
      for (guint attempt = 0; attempt < 4; attempt++, at = 1 - at)
        {
          if (send_batch (client, session, client->f->uris[at], body))
            break;
          client->failovers++;
          if (attempt == 3)
            client->ok = FALSE;
        }
    }
  return NULL;
}

/* Runs the eight devices; returns what they were told was stored. */
static GHashTable *
run_clients (Fixture    *f,
             const char *uuid_prefix,
             gint64      revision,
             guint       n_visits,
             gboolean    overlap,
             void      (*meanwhile) (Fixture *f),
             guint      *failovers)
{
  Client clients[N_DEVICES];
  GThread *threads[N_DEVICES];
  GHashTable *acknowledged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  *failovers = 0;
  for (guint d = 0; d < N_DEVICES; d++)
    {
      clients[d] = (Client) { f, d, uuid_prefix, revision, n_visits, overlap, TRUE,
                              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0 };
      threads[d] = g_thread_new ("device", client_thread, &clients[d]);
    }
  if (meanwhile != NULL)
    meanwhile (f);
  for (guint d = 0; d < N_DEVICES; d++)
    {
      GHashTableIter iter;
      gpointer uuid, rev;

      g_thread_join (threads[d]);
      g_assert_true (clients[d].ok);
      *failovers += clients[d].failovers;
      g_hash_table_iter_init (&iter, clients[d].acknowledged);
      while (g_hash_table_iter_next (&iter, &uuid, &rev))
        g_hash_table_insert (acknowledged, g_strdup (uuid), rev);
      g_hash_table_unref (clients[d].acknowledged);
    }
  return acknowledged;
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autofree char *text = verval_test_pg_exec (f->url, sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

/* Each acknowledged visit is in the database at the revision acknowledged. */
static void
assert_stored (Fixture    *f,
               GHashTable *acknowledged)
{
  g_autofree char *all = verval_test_pg_exec (f->url,
                                              "SELECT string_agg (uuid || '=' || revision, ',') FROM visits");
  g_auto(GStrv) rows = g_strsplit (all != NULL ? all : "", ",", -1);
  g_autoptr(GHashTable) stored = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer uuid, rev;

  for (guint i = 0; rows[i] != NULL; i++)
    {
      char *equals = strchr (rows[i], '=');

      g_assert_nonnull (equals);
      *equals = '\0';
      g_hash_table_insert (stored, rows[i], GINT_TO_POINTER ((int) g_ascii_strtoll (equals + 1, NULL, 10)));
    }
  g_hash_table_iter_init (&iter, acknowledged);
  while (g_hash_table_iter_next (&iter, &uuid, &rev))
    {
      g_assert_true (g_hash_table_contains (stored, uuid));
      g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (stored, uuid)), ==, GPOINTER_TO_INT (rev));
    }
}

static void
test_overlapping (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  guint failovers;

  first = run_clients (f, "6f1d8a44-6a4c-4a3b-9d6e-", 1, PER_DEVICE, TRUE, NULL, &failovers);
  g_assert_cmpuint (g_hash_table_size (first), ==, N_DEVICES * PER_DEVICE);
  /* the same visits again, edited: revision 2 through both */
  second = run_clients (f, "6f1d8a44-6a4c-4a3b-9d6e-", 2, PER_DEVICE, TRUE, NULL, &failovers);
  g_assert_cmpuint (g_hash_table_size (second), ==, N_DEVICES * PER_DEVICE);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM visits"), ==, N_DEVICES * PER_DEVICE);
  g_assert_cmpint (query_int (f, "SELECT count(DISTINCT uuid) FROM visits"), ==, N_DEVICES * PER_DEVICE);
  g_assert_cmpint (query_int (f, "SELECT min (revision) FROM visits"), ==, 2);
  assert_stored (f, second);
}

static void
kill_first_collector (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  /* mid-ingest: some batches are in, most are not */
  while (query_int (f, "SELECT count(*) FROM visits") < N_DEVICES * BATCH)
    g_usleep (2 * 1000);
  g_subprocess_send_signal (f->collectors[0], SIGKILL);
  g_subprocess_wait (f->collectors[0], NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (f->collectors[0]));
  g_clear_object (&f->collectors[0]);
}

static void
test_killed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GHashTable) acknowledged = NULL;
  guint failovers;

  acknowledged = run_clients (f, "7a2e9b55-7b5d-4b4c-8e7f-", 1, KILL_VISITS, FALSE, kill_first_collector,
                              &failovers);
  g_test_message ("%u batches went to the other collector", failovers);
  g_assert_cmpuint (failovers, >, 0);
  g_assert_cmpuint (g_hash_table_size (acknowledged), ==, N_DEVICES * KILL_VISITS);
  assert_stored (f, acknowledged);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM visits"), ==, N_DEVICES * KILL_VISITS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  binary = test_collector_binary (argc, argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/collector/cluster/overlapping", test_overlapping);
  ADD ("/collector/cluster/killed", test_killed);
#undef ADD
  return g_test_run ();
}
