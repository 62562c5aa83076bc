/* test-sync-util.c: the real collector binary and a client store for sync
 * tests and benchmarks
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "collector-pg-store.h"
#include "collector-sqlite-store.h"
#include "collector-token.h"
#include "test-pg.h"
#include "test-sync-util.h"
#include "verval-location-fix.h"
#include "verval-photo.h"

void
sync_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          sync_test_rm_rf (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

CollectorStore *
sync_collector_open_store (SyncCollector *sc)
{
  g_autofree char *path = g_build_filename (sc->data_dir, "collector.db", NULL);
  g_autoptr(GError) error = NULL;
  CollectorStore *store;

  g_assert_cmpint (g_mkdir_with_parents (sc->data_dir, 0700), ==, 0);
  if (sc->database != NULL)
    store = collector_pg_store_new (sc->database, &error);
  else
    store = collector_sqlite_store_new (path, &error);
  g_assert_no_error (error);
  return store;
}

SyncCollector *
sync_collector_new (const char *exe,
                    guint       n_households)
{
  SyncCollector *sc = g_new0 (SyncCollector, 1);
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GError) error = NULL;
  guint n_new = 0, n_assigned = 0;

  sc->exe = g_strdup (exe);
  sc->dir = g_dir_make_tmp ("verval-sync-collector-XXXXXX", &error);
  g_assert_no_error (error);
  sc->data_dir = g_build_filename (sc->dir, "data", NULL);
  /* the same tests, run again with the collector on PostgreSQL */
  if (g_strcmp0 (g_getenv ("VERVAL_TEST_STORE"), "postgresql") == 0)
    sc->database = verval_test_pg_new_database ();
  store = sync_collector_open_store (sc);

  for (guint i = 0; i < n_households; i++)
    {
      CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

      h->id = g_strdup_printf ("HH-%u", i);
      h->source = g_strdup ("p3ke");
      h->village_code = g_strdup (SYNC_TEST_VILLAGE);
      h->head_name = g_strdup_printf ("Kepala Keluarga %u", i);
      h->nik = g_strdup_printf ("5108064112%06u", i);
      h->kk = g_strdup_printf ("5108060101%06u", i);
      h->address = g_strdup_printf ("Banjar Dinas Kaja No. %u", i + 1);
      h->data_json = g_strdup ("{\"desil\":2}");
      g_ptr_array_add (households, h);
    }
  g_assert_true (collector_store_upsert_households (store, households, &n_new, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (collector_store_add_enumerator (store, "Ni Luh Putu", NULL, &sc->enumerator_id, &error));
  g_assert_no_error (error);
  g_assert_true (collector_store_assign (store, sc->enumerator_id, SYNC_TEST_VILLAGE, NULL, &n_assigned, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_assigned, ==, n_households);
  collector_store_close (store);
  return sc;
}

char *
sync_collector_issue_code (SyncCollector *sc)
{
  g_autoptr(CollectorStore) store = sync_collector_open_store (sc);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *normal = collector_enroll_code_normalize (code);
  g_autofree char *hash = collector_secret_hash (normal);

  g_assert_true (collector_store_add_enroll_code (store, sc->enumerator_id, hash,
                                                  g_get_real_time () / G_USEC_PER_SEC + 3600, &error));
  g_assert_no_error (error);
  collector_store_close (store);
  return g_steal_pointer (&code);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
sync_collector_start (SyncCollector *sc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", sc->port);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  const char *prefix = "listening on ";
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  g_assert_null (sc->process);
  /* a test that dies must not leave its collector behind */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* the database by the environment, as an administrator would keep its
   * address out of ps */
  if (sc->database != NULL)
    g_subprocess_launcher_setenv (launcher, "VERVAL_DATABASE", sc->database, TRUE);
  /* a store that fails is a warning in the collector's log, which tests
   * provoke on purpose; criticals stay fatal */
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "gc-friendly,fatal-criticals", TRUE);
  sc->process = g_subprocess_launcher_spawn (launcher, &error,
                                             sc->exe, "serve", "--data-dir", sc->data_dir, "--listen", listen,
                                             "--quiet", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sc->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  g_free (sc->url);
  sc->url = g_strdup (line + strlen (prefix));
  if (sc->port == 0)
    {
      g_autoptr(GUri) uri = g_uri_parse (sc->url, G_URI_FLAGS_NONE, &error);

      g_assert_no_error (error);
      sc->port = g_uri_get_port (uri);
    }
}

void
sync_collector_stop (SyncCollector *sc)
{
  g_autoptr(GError) error = NULL;

  if (sc->process == NULL)
    return;
  g_subprocess_send_signal (sc->process, SIGTERM);
  g_subprocess_wait (sc->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&sc->process);
}

gint64
sync_collector_query_int (SyncCollector *sc,
                          const char    *sql)
{
  g_autofree char *path = g_build_filename (sc->data_dir, "collector.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  if (sc->database != NULL)
    {
      g_autofree char *text = verval_test_pg_exec (sc->database, sql);

      g_assert_nonnull (text);
      return g_ascii_strtoll (text, NULL, 10);
    }
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

void
sync_collector_add_review (SyncCollector *sc,
                           const char    *uuid,
                           const char    *decision,
                           const char    *comment)
{
  g_autoptr(CollectorStore) store = sync_collector_open_store (sc);
  g_autoptr(GError) error = NULL;

  g_assert_true (collector_store_add_review (store, uuid, decision, comment, "Korcam Sukasada", &error));
  g_assert_no_error (error);
  collector_store_close (store);
}

void
sync_collector_free (SyncCollector *sc)
{
  if (sc == NULL)
    return;
  sync_collector_stop (sc);
  sync_test_rm_rf (sc->dir);
  if (sc->database != NULL)
    verval_test_pg_drop_database (sc->database);
  g_free (sc->database);
  g_free (sc->exe);
  g_free (sc->dir);
  g_free (sc->data_dir);
  g_free (sc->url);
  g_free (sc);
}

/* ---------------------------------------------------------------- client */

static void
running_cb (VervalSync *sync,
            GParamSpec *pspec,
            SyncClient *client)
{
  if (!verval_sync_get_running (sync))
    client->n_runs_done++;
}

SyncClient *
sync_client_new (const char *dir)
{
  return sync_client_new_full (dir, NULL);
}

SyncClient *
sync_client_new_full (const char      *dir,
                      GNetworkMonitor *monitor)
{
  SyncClient *client = g_new0 (SyncClient, 1);
  g_autoptr(GError) error = NULL;

  if (dir != NULL)
    client->dir = g_strdup (dir);
  else
    {
      client->dir = g_dir_make_tmp ("verval-sync-client-XXXXXX", &error);
      g_assert_no_error (error);
    }
  client->store = verval_store_open (client->dir, &error);
  g_assert_no_error (error);
  client->sync = verval_sync_new (client->store, monitor);
  verval_sync_set_secret_backend (client->sync, VERVAL_SECRET_FILE);
  verval_sync_set_backoff (client->sync, 100, 1000);
  verval_sync_set_periodic (client->sync, 0);
  verval_sync_set_timeouts (client->sync, 5, 100, 3);
  g_signal_connect (client->sync, "notify::running", G_CALLBACK (running_cb), client);
  return client;
}

void
sync_client_free (SyncClient *client,
                  gboolean    remove_dir)
{
  verval_sync_shutdown (client->sync);
  /* let a cancelled run come back before the store closes */
  while (verval_sync_get_running (client->sync))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_signal_handlers_disconnect_by_data (client->sync, client);
  g_clear_object (&client->sync);
  verval_store_close (client->store);
  g_clear_object (&client->store);
  if (remove_dir)
    sync_test_rm_rf (client->dir);
  g_free (client->dir);
  g_free (client);
}

/* A verified family (result 1) as the built-in form wants it. */
static const char answers_template[] =
  "{\"result\":1,\"head_nik\":\"3602041211870001\",\"kk_number\":\"3602042001100001\","
  "\"head_name\":\"Ahmad Suryadi\",\"members\":5,\"phone\":\"081234567890\",\"tenure\":1,"
  "\"floor_area\":36,\"floor\":8,\"walls\":4,\"wall_condition\":2,\"roof\":3,\"roof_condition\":3,"
  "\"water\":6,\"lighting\":1,\"power\":2,\"cooking_fuel\":2,\"toilet\":1,\"occupation\":2,"
  "\"income\":850000,\"education\":3,\"meals_per_day\":2,\"protein_once_a_week\":true,"
  "\"one_clothes_set_a_year\":false,\"can_afford_health_centre\":false,\"has_savings\":false,"
  "\"health_insurance\":2,\"elderly_alone\":false,\"disabled\":1,\"disabled_severe\":0,"
  "\"female_head\":false,\"migrant_workers\":0,\"pregnant\":0,\"children_0_6\":1,"
  "\"school_children\":2,\"out_of_school\":0,\"prog_pkh\":true,\"prog_bpnt\":true,"
  "\"prog_blt_dd\":false,\"prog_pbi_jk\":true,\"prog_pip\":false,\"prog_rtlh\":false,"
  "\"prog_electricity\":true,\"prog_pemda\":false,\"prog_other\":false,\"needs\":[1,2],"
  "\"eligible\":1,\"recommendation\":1,"
  "\"note\":\"Rumah semi permanen, atap seng bocor di bagian dapur.\"";

/* Visit i's fix, varied the way the field gives them: the location service
 * with an accuracy, a photo's GPS and a typed position without one. */
static VervalLocationFix *
visit_fix (guint   i,
           gint64  when)
{
  static const VervalLocationSource sources[] = {
    VERVAL_LOCATION_SOURCE_GPS, VERVAL_LOCATION_SOURCE_EXIF, VERVAL_LOCATION_SOURCE_GPS,
    VERVAL_LOCATION_SOURCE_MANUAL,
  };
  VervalLocationSource source = sources[i % G_N_ELEMENTS (sources)];
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (when);
  VervalLocationFix *fix;

  fix = verval_location_fix_new (source, -8.1123 + (i % 97) * 0.0004, 115.0912 + (i % 89) * 0.0003,
                                 source == VERVAL_LOCATION_SOURCE_GPS ? 4 + (i % 37) : -1,
                                 source == VERVAL_LOCATION_SOURCE_MANUAL ? NULL : time);
  if (source == VERVAL_LOCATION_SOURCE_GPS)
    {
      fix->has_altitude = TRUE;
      fix->altitude = 40 + (i % 23);
    }
  return fix;
}

typedef struct {
  GPtrArray *uuids;
  GPtrArray *photos;     /* per visit: GPtrArray of sha256 */
  guint      first;
  gsize      photo_size;
} AddData;

static gpointer
db_add_visits (sqlite3       *db,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  AddData *d = data;
  sqlite3_stmt *visit = NULL, *media = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "INSERT INTO visits (uuid, household_id, form_id, form_version, answers, result_code, started_at, "
    "  finished_at, updated_at, latitude, longitude, accuracy, location_source, altitude, location_time, "
    "  state, revision) "
    "SELECT ?1, id, 'verification', 1, ?2, 1, ?3, ?4, ?4, ?6, ?7, ?8, ?9, ?10, ?11, 'final', 1 "
    "FROM households WHERE family_id = ?5", -1, &visit, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "INSERT INTO visit_media (visit_uuid, sha256, field_id, role, position, size, width, height, added_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1600, 1200, ?7)", -1, &media, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < d->uuids->len; i++)
    {
      GPtrArray *photos = g_ptr_array_index (d->photos, i);
      g_autofree char *family = g_strdup_printf ("HH-%u", d->first + i);
      GString *answers = g_string_new (answers_template);
      g_autoptr(VervalLocationFix) fix = visit_fix (d->first + i, now - 600 - i);
      g_autoptr(JsonNode) location = verval_location_fix_to_answer (fix);
      g_autofree char *location_text = json_to_string (location, FALSE);

      /* the answer and the columns as the visit store writes them */
      g_string_append_printf (answers, ",\"location\":%s", location_text);

      for (guint p = 0; p < photos->len; p++)
        {
          /* the first photo is the house front, the others inside */
          if (p == 0)
            g_string_append_printf (answers, ",\"photo_house_front\":[\"%s\"]",
                                    (char *) g_ptr_array_index (photos, p));
          else if (p == 1)
            g_string_append_printf (answers, ",\"photo_inside\":[\"%s\"", (char *) g_ptr_array_index (photos, p));
          else
            g_string_append_printf (answers, ",\"%s\"", (char *) g_ptr_array_index (photos, p));
        }
      if (photos->len > 1)
        g_string_append_c (answers, ']');
      g_string_append_c (answers, '}');

      sqlite3_reset (visit);
      sqlite3_bind_text (visit, 1, g_ptr_array_index (d->uuids, i), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (visit, 2, answers->str, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (visit, 3, now - 900 - i);
      sqlite3_bind_int64 (visit, 4, now - i);
      sqlite3_bind_text (visit, 5, family, -1, SQLITE_TRANSIENT);
      sqlite3_bind_double (visit, 6, fix->latitude);
      sqlite3_bind_double (visit, 7, fix->longitude);
      if (verval_location_fix_has_accuracy (fix))
        sqlite3_bind_double (visit, 8, fix->accuracy_m);
      sqlite3_bind_text (visit, 9, verval_location_source_to_string (fix->source), -1, SQLITE_STATIC);
      if (fix->has_altitude)
        sqlite3_bind_double (visit, 10, fix->altitude);
      if (fix->time != NULL)
        sqlite3_bind_int64 (visit, 11, g_date_time_to_unix (fix->time));
      g_assert_cmpint (sqlite3_step (visit), ==, SQLITE_DONE);
      g_assert_cmpint (sqlite3_changes (db), ==, 1);
      g_string_free (answers, TRUE);
      for (guint p = 0; p < photos->len; p++)
        {
          sqlite3_reset (media);
          sqlite3_bind_text (media, 1, g_ptr_array_index (d->uuids, i), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (media, 2, g_ptr_array_index (photos, p), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (media, 3, p == 0 ? "photo_house_front" : "photo_inside", -1, SQLITE_STATIC);
          sqlite3_bind_text (media, 4, p == 0 ? "house_front" : "inside", -1, SQLITE_STATIC);
          sqlite3_bind_int (media, 5, p);
          sqlite3_bind_int64 (media, 6, d->photo_size);
          sqlite3_bind_int64 (media, 7, now);
          g_assert_cmpint (sqlite3_step (media), ==, SQLITE_DONE);
        }
    }
  sqlite3_finalize (visit);
  sqlite3_finalize (media);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE households SET visit_state = 'final' WHERE id IN "
                                     "(SELECT household_id FROM visits WHERE state = 'final'); COMMIT",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  return GINT_TO_POINTER (TRUE);
}

GPtrArray *
sync_client_add_visits (SyncClient *client,
                        guint       first,
                        guint       n,
                        guint       n_photos,
                        gsize       photo_size)
{
  const char *media_dir = verval_store_get_media_dir (client->store);
  g_autoptr(GPtrArray) photos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = g_malloc (photo_size);
  GPtrArray *uuids = g_ptr_array_new_with_free_func (g_free);
  AddData d = { uuids, photos, first, photo_size };

  for (guint i = 0; i < n; i++)
    {
      GPtrArray *list = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (uuids, g_uuid_string_random ());
      for (guint p = 0; p < n_photos; p++)
        {
          g_autofree char *sha = NULL;
          g_autofree char *path = NULL;
          g_autofree char *parent = NULL;

          /* incompressible, like JPEG data */
          for (gsize k = 0; k < photo_size; k += 4)
            {
              guint32 r = g_random_int ();

              memcpy (buffer + k, &r, MIN (4, photo_size - k));
            }
          sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, buffer, photo_size);
          path = verval_photo_build_path (media_dir, sha, FALSE);
          parent = g_path_get_dirname (path);
          g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
          g_assert_true (g_file_set_contents (path, (const char *) buffer, photo_size, &error));
          g_assert_no_error (error);
          g_ptr_array_add (list, g_steal_pointer (&sha));
        }
      g_ptr_array_add (photos, list);
    }
  verval_store_run_sync (client->store, db_add_visits, &d, NULL, &error);
  g_assert_no_error (error);
  return uuids;
}

typedef struct {
  const char *sql;
  gint64      value;
} QueryData;

static gpointer
db_query (sqlite3       *db,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  QueryData *q = data;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, q->sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  q->value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return GINT_TO_POINTER (TRUE);
}

gint64
sync_client_query_int (SyncClient *client,
                       const char *sql)
{
  g_autoptr(GError) error = NULL;
  QueryData q = { sql, 0 };

  verval_store_run_sync (client->store, db_query, &q, NULL, &error);
  g_assert_no_error (error);
  return q.value;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sync_client_wait_run (SyncClient *client,
                      guint       timeout_ms)
{
  guint target = client->n_runs_done + 1;
  gboolean expired = FALSE;
  guint source = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (client->n_runs_done < target && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (source);
  return client->n_runs_done >= target;
}

void
sync_test_keep_result (GObject      *source,
                       GAsyncResult *result,
                       gpointer      slot)
{
  GAsyncResult **kept = slot;

  g_assert_null (*kept);
  *kept = g_object_ref (result);
}

GAsyncResult *
sync_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

void
sync_test_answer (VervalVisit *visit,
                  const char  *field,
                  JsonNode    *node)
{
  g_autoptr(JsonNode) owned = node;
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_visit_set_answer (visit, field, owned, &error));
  g_assert_no_error (error);
}
