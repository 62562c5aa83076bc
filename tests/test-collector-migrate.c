/* test-collector-migrate.c: `verval-collector migrate`, SQLite to PostgreSQL
 *
 * A kabupaten's SQLite store is filled through the store interface (what
 * the server writes), copied by the built binary, and read back through the
 * PostgreSQL store: what a device and a supervisor see must not change,
 * tokens and cursors included. Then the faults: a copy cut off half-way
 * and run again, a target that holds other data.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "collector-error.h"
#include "collector-pg-store.h"
#include "collector-sqlite-store.h"
#include "test-collector-util.h"
#include "test-pg.h"

static const char *binary;

#define VILLAGES 3
#define PER_VILLAGE 40
#define N_VISITS 90

typedef struct {
  char   *dir;
  char   *data_dir;
  char   *url;
  gint64  enumerators[3];
  gint64  cursor_mid;     /* an assignment cursor a device holds, half-way */
} Fixture;

static char *
household_id (guint i)
{
  return g_strdup_printf ("P3KE-%02u-%04u", i / PER_VILLAGE, i % PER_VILLAGE);
}

/* A kabupaten in small: households in three villages, three enumerators
 * (one disabled), devices (one revoked), codes used and unused, visits of
 * several revisions with places and photos, reviews, and the dashboard's
 * accounts. */
static void
fill_source (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->data_dir, "collector.db", NULL);
  g_autoptr(CollectorStore) store = NULL;
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GTimeZone) wita = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GTimeZone) wib = g_time_zone_new_offset (7 * 3600);
  g_autoptr(GError) error = NULL;
  CollectorDevice *devices[3];
  guint n_new, n_updated, n;

  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0700), ==, 0);
  store = collector_sqlite_store_new (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < VILLAGES * PER_VILLAGE; i++)
    {
      CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

      h->id = household_id (i);
      h->source = g_strdup (i % 3 == 0 ? "dtks" : "p3ke");
      h->village_code = g_strdup_printf ("510806200%u", i / PER_VILLAGE + 1);
      h->head_name = g_strdup_printf ("Kepala Keluarga %u", i);
      h->nik = g_strdup_printf ("5108%012u", i);
      h->kk = g_strdup_printf ("5108%012u", 900000 + i);
      h->address = g_strdup_printf ("Banjar %u, Desa Ñusa", i % 7);
      h->data_json = g_strdup_printf ("{\"desil\": %u, \"anggota\": %u}", i % 10 + 1, i % 6 + 1);
      g_ptr_array_add (households, h);
    }
  g_assert_true (collector_store_upsert_households (store, households, &n_new, &n_updated, &error));
  g_assert_no_error (error);

  for (guint e = 0; e < 3; e++)
    {
      g_autofree char *name = g_strdup_printf ("Petugas %u", e);
      g_autofree char *code = g_strdup_printf ("code-%u", e);
      g_autofree char *token = g_strdup_printf ("token-%u", e);
      g_autofree char *village = g_strdup_printf ("510806200%u", e + 1);

      g_assert_true (collector_store_add_enumerator (store, name, e == 1 ? "0812 3456 789" : NULL,
                                                     &f->enumerators[e], &error));
      g_assert_true (collector_store_assign (store, f->enumerators[e], village, NULL, &n, &error));
      g_assert_true (collector_store_add_enroll_code (store, f->enumerators[e], code,
                                                      g_get_real_time () / G_USEC_PER_SEC + 3600, &error));
      devices[e] = collector_store_enroll_device (store, code, token, "tablet", "0.3",
                                                  g_get_real_time () / G_USEC_PER_SEC, &error);
      g_assert_no_error (error);
      g_assert_true (collector_store_record_status (store, devices[e]->id,
                                                    "{\"app_version\": \"0.3.1\", \"queue_depth\": 2}",
                                                    g_get_real_time () / G_USEC_PER_SEC, &error));
      if (e == 0)
        f->cursor_mid = 20;
    }
  /* the dashboard's accounts, one disabled, one signed in */
  {
    CollectorSession *session;
    gint64 user_id;

    g_assert_true (collector_store_add_user (store, "Dinas Sosial Buleleng", COLLECTOR_ROLE_ADMIN, "5108",
                                             "$argon2id$stand-in-1", NULL, &error));
    g_assert_true (collector_store_add_user (store, "Korcam Buleleng", COLLECTOR_ROLE_SUPERVISOR, "510806",
                                             "$argon2id$stand-in-2", &user_id, &error));
    g_assert_true (collector_store_set_user_disabled (store, user_id, TRUE, &error));
    session = collector_store_create_session (store, 1, "$argon2id$stand-in-1", "session-hash", "csrf",
                                              g_get_real_time () / G_USEC_PER_SEC, &error);
    g_assert_no_error (error);
    collector_session_free (session);
  }
  /* an unused code, for the first enumerator's next tablet */
  g_assert_true (collector_store_add_enroll_code (store, f->enumerators[0], "code-spare",
                                                  g_get_real_time () / G_USEC_PER_SEC + 3600, &error));
  /* the second enumerator moves one household to the first */
  {
    g_autofree char *moved = household_id (PER_VILLAGE + 3);
    const char *ids[] = { moved, NULL };

    g_assert_true (collector_store_assign (store, f->enumerators[0], NULL, ids, &n, &error));
  }

  for (guint v = 0; v < N_VISITS; v++)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
      g_autoptr(GPtrArray) outcomes = NULL;
      CollectorVisit *visit = collector_visit_new ();
      guint e = v % 3;
      guint hh = e * PER_VILLAGE + (v / 3) % PER_VILLAGE;

      visit->uuid = g_strdup_printf ("6f1d8a44-6a4c-4a3b-9d6e-%012u", v);
      visit->revision = v % 4 == 0 ? 2 : 1;
      visit->household_id = household_id (hh);
      visit->form_id = g_strdup ("verification");
      visit->form_version = 1;
      visit->result_code = v % 5 + 1;
      visit->answers_json = g_strdup_printf ("{\"result\": %u, \"note\": \"kunjungan %u — rumah panggung\"}",
                                             v % 5 + 1, v);
      visit->started_at = g_date_time_new (v % 2 ? wita : wib, 2026, 11, 1 + v % 28, 8 + v % 9, v % 60,
                                           (v * 7 % 60) + 0.123456);
      visit->finished_at = g_date_time_add_seconds (visit->started_at, 600 + v);
      visit->has_location = v % 6 != 0;
      visit->lat = -8.65 - v * 0.000123456789;
      visit->lon = 115.21 + v * 0.000987654321;
      visit->accuracy = v % 4 == 1 ? NAN : 3.5 + v;
      visit->has_altitude = v % 3 == 0;
      visit->altitude = 12.25 + v;
      visit->fix_time = visit->has_location ? g_strdup ("2026-11-02T09:00:00+08:00") : NULL;
      visit->fix_source = visit->has_location ? g_strdup (v % 2 ? "gps" : "photo") : NULL;
      for (guint m = 0; m < v % 3; m++)
        {
          CollectorMediaRef *ref = g_new0 (CollectorMediaRef, 1);

          ref->sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, visit->uuid + m, -1);
          ref->role = g_strdup (m == 0 ? "house_front" : "inside");
          ref->size = 100000 + v * 10 + m;
          ref->taken = m == 0 ? g_strdup ("2026-11-02T09:01:00+08:00") : NULL;
          g_ptr_array_add (visit->media, ref);
        }
      g_ptr_array_add (batch, visit);
      outcomes = collector_store_submit_visits (store, devices[e], batch, &error);
      g_assert_no_error (error);
      g_assert_cmpint (((CollectorVisitOutcome *) outcomes->pdata[0])->status, ==, COLLECTOR_VISIT_STORED);
      if (v % 7 == 0)
        g_assert_true (collector_store_add_review (store, visit->uuid, v % 2 ? "approved" : "rejected",
                                                   v % 2 ? NULL : "Foto rumah kurang jelas", "korcam", &error));
      g_assert_no_error (error);
    }
  g_assert_true (collector_store_set_enumerator_disabled (store, f->enumerators[2], TRUE, &error));
  g_assert_true (collector_store_revoke_device (store, devices[1]->id, &error));
  g_assert_no_error (error);
  for (guint e = 0; e < 3; e++)
    collector_device_free (devices[e]);
  collector_store_close (store);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("verval-migrate-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  f->url = verval_test_pg_new_database ();
  fill_source (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  verval_test_pg_drop_database (f->url);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
  g_free (f->url);
}

static CollectorStore *
open_source (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->data_dir, "collector.db", NULL);
  g_autoptr(GError) error = NULL;
  CollectorStore *store = collector_sqlite_store_new (path, &error);

  g_assert_no_error (error);
  return store;
}

static CollectorStore *
open_target (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  CollectorStore *store = collector_pg_store_new (f->url, &error);

  g_assert_no_error (error);
  return store;
}

static int
run_migrate (Fixture  *f,
             char    **out,
             char    **err)
{
  return test_run_cli (binary, out, err, "migrate", "--from", f->data_dir, "--to", f->url, NULL);
}

static void
assert_same_time (GDateTime *a,
                  GDateTime *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (g_date_time_equal (a, b));
  g_assert_cmpint (g_date_time_get_utc_offset (a), ==, g_date_time_get_utc_offset (b));
}

static void
assert_same_visits (CollectorStore *source,
                    CollectorStore *target)
{
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GError) error = NULL;

  a = collector_store_list_visits (source, &error);
  g_assert_no_error (error);
  b = collector_store_list_visits (target, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, N_VISITS);
  g_assert_cmpuint (b->len, ==, a->len);
  for (guint i = 0; i < a->len; i++)
    {
      CollectorVisit *x = a->pdata[i], *y = b->pdata[i];

      g_assert_cmpstr (x->uuid, ==, y->uuid);
      g_assert_cmpint (x->revision, ==, y->revision);
      g_assert_cmpstr (x->household_id, ==, y->household_id);
      g_assert_cmpstr (x->answers_json, ==, y->answers_json);
      g_assert_cmpint (x->result_code, ==, y->result_code);
      assert_same_time (x->started_at, y->started_at);
      assert_same_time (x->finished_at, y->finished_at);
      g_assert_cmpint (x->has_location, ==, y->has_location);
      if (x->has_location)
        {
          /* to the last bit */
          g_assert_true (x->lat == y->lat && x->lon == y->lon);
          g_assert_true ((isnan (x->accuracy) && isnan (y->accuracy)) || x->accuracy == y->accuracy);
        }
      g_assert_cmpint (x->has_altitude, ==, y->has_altitude);
      g_assert_cmpstr (x->fix_source, ==, y->fix_source);
      g_assert_cmpint (x->enumerator_id, ==, y->enumerator_id);
      g_assert_cmpint (x->device_id, ==, y->device_id);
      g_assert_cmpint (x->received_at, ==, y->received_at);
      g_assert_cmpuint (x->media->len, ==, y->media->len);
      for (guint m = 0; m < x->media->len; m++)
        {
          CollectorMediaRef *p = x->media->pdata[m], *q = y->media->pdata[m];

          g_assert_cmpstr (p->sha256, ==, q->sha256);
          g_assert_cmpstr (p->role, ==, q->role);
          g_assert_cmpint (p->size, ==, q->size);
          g_assert_cmpstr (p->taken, ==, q->taken);
        }
    }
}

/* Everything a device or a supervisor reads is the same after the move. */
static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(CollectorStore) source = NULL;
  g_autoptr(CollectorStore) target = NULL;
  g_autoptr(GPtrArray) enumerators_a = NULL;
  g_autoptr(GPtrArray) enumerators_b = NULL;
  g_autoptr(GPtrArray) devices_a = NULL;
  g_autoptr(GPtrArray) devices_b = NULL;
  g_autoptr(GPtrArray) users_a = NULL;
  g_autoptr(GPtrArray) users_b = NULL;
  g_autoptr(CollectorUser) user = NULL;
  g_autoptr(CollectorDevice) device = NULL;
  g_autoptr(CollectorDevice) spare = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gint64 new_id = 0, new_user = 0;

  g_assert_cmpint (run_migrate (f, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Copied"));
  g_assert_nonnull (strstr (out, "visits"));

  source = open_source (f);
  target = open_target (f);

  enumerators_a = collector_store_list_enumerators (source, &error);
  enumerators_b = collector_store_list_enumerators (target, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (enumerators_b->len, ==, enumerators_a->len);
  for (guint i = 0; i < enumerators_a->len; i++)
    {
      CollectorEnumerator *x = enumerators_a->pdata[i], *y = enumerators_b->pdata[i];

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpstr (x->phone, ==, y->phone);
      g_assert_cmpint (x->disabled, ==, y->disabled);
      g_assert_cmpint (x->created_at, ==, y->created_at);
      g_assert_cmpuint (x->n_households, ==, y->n_households);
      g_assert_cmpuint (x->n_devices, ==, y->n_devices);
    }
  devices_a = collector_store_list_devices (source, &error);
  devices_b = collector_store_list_devices (target, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices_b->len, ==, devices_a->len);
  for (guint i = 0; i < devices_a->len; i++)
    {
      CollectorDevice *x = devices_a->pdata[i], *y = devices_b->pdata[i];

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpint (x->revoked_at, ==, y->revoked_at);
      g_assert_cmpint (x->last_seen_at, ==, y->last_seen_at);
      g_assert_cmpstr (x->app_version, ==, y->app_version);
      g_assert_cmpstr (x->status_json, ==, y->status_json);
    }

  users_a = collector_store_list_users (source, NULL, &error);
  users_b = collector_store_list_users (target, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users_b->len, ==, 2);
  g_assert_cmpuint (users_b->len, ==, users_a->len);
  for (guint i = 0; i < users_a->len; i++)
    {
      CollectorUser *x = users_a->pdata[i], *y = users_b->pdata[i];

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpint (x->role, ==, y->role);
      g_assert_cmpstr (x->region, ==, y->region);
      g_assert_cmpint (x->disabled, ==, y->disabled);
      g_assert_cmpint (x->created_at, ==, y->created_at);
      g_assert_cmpint (x->password_changed_at, ==, y->password_changed_at);
    }
  /* the same password signs in; the session did not come along */
  user = collector_store_find_user_by_name (target, "Dinas Sosial Buleleng", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->password_hash, ==, "$argon2id$stand-in-1");
  g_assert_null (collector_store_lookup_session (target, "session-hash", g_get_real_time () / G_USEC_PER_SEC,
                                                 &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_SESSION);
  g_clear_error (&error);

  /* a device goes on with its token; the revoked one does not */
  device = collector_store_authenticate (target, "token-0", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->enumerator_id, ==, f->enumerators[0]);
  g_assert_null (collector_store_authenticate (target, "token-1", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_TOKEN_REVOKED);
  g_clear_error (&error);

  /* pulls from a cursor a device held, and from the start, read the same */
  for (guint e = 0; e < 3; e++)
    for (gint64 cursor = 0; cursor <= f->cursor_mid; cursor += f->cursor_mid)
      {
        g_autoptr(CollectorAssignmentPage) a = collector_store_pull_assignments (source, f->enumerators[e],
                                                                                  cursor, 500, &error);
        g_autoptr(CollectorAssignmentPage) b = collector_store_pull_assignments (target, f->enumerators[e],
                                                                                  cursor, 500, &error);

        g_assert_no_error (error);
        g_assert_cmpuint (a->households->len, ==, b->households->len);
        g_assert_cmpuint (a->withdrawn->len, ==, b->withdrawn->len);
        g_assert_cmpint (a->next_cursor, ==, b->next_cursor);
        for (guint i = 0; i < a->households->len; i++)
          {
            CollectorHousehold *x = a->households->pdata[i], *y = b->households->pdata[i];

            g_assert_cmpstr (x->id, ==, y->id);
            g_assert_cmpstr (x->head_name, ==, y->head_name);
            g_assert_cmpstr (x->address, ==, y->address);
            g_assert_cmpstr (x->data_json, ==, y->data_json);
          }
      }
  for (guint e = 0; e < 3; e++)
    {
      g_autoptr(CollectorReviewPage) a = collector_store_pull_reviews (source, f->enumerators[e], 0, 500, &error);
      g_autoptr(CollectorReviewPage) b = collector_store_pull_reviews (target, f->enumerators[e], 0, 500, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (a->reviews->len, ==, b->reviews->len);
      g_assert_cmpint (a->next_cursor, ==, b->next_cursor);
      for (guint i = 0; i < a->reviews->len; i++)
        {
          CollectorReview *x = a->reviews->pdata[i], *y = b->reviews->pdata[i];

          g_assert_cmpint (x->seq, ==, y->seq);
          g_assert_cmpstr (x->decision, ==, y->decision);
          g_assert_cmpstr (x->comment, ==, y->comment);
          g_assert_cmpint (x->decided_at, ==, y->decided_at);
        }
    }
  assert_same_visits (source, target);

  /* the unused code still enrols; new rows are numbered after the copied */
  spare = collector_store_enroll_device (target, "code-spare", "token-spare", "tablet 2", "0.3",
                                         g_get_real_time () / G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  g_assert_cmpint (spare->id, >, 3);
  g_assert_null (collector_store_enroll_device (target, "code-0", "token-again", "x", NULL,
                                                g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_USED);
  g_clear_error (&error);
  g_assert_true (collector_store_add_enumerator (target, "Petugas Baru", NULL, &new_id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (new_id, >, f->enumerators[2]);
  g_assert_true (collector_store_add_user (target, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805",
                                           "$argon2id$stand-in-3", &new_user, &error));
  g_assert_no_error (error);
  g_assert_cmpint (new_user, ==, 3);
  {
    g_autofree char *hh = household_id (5);
    const char *ids[] = { hh, NULL };
    g_autoptr(CollectorAssignmentPage) before = collector_store_pull_assignments (target, f->enumerators[0],
                                                                                  0, 500, &error);
    g_autoptr(CollectorAssignmentPage) after = NULL;
    guint n;

    g_assert_true (collector_store_assign (target, new_id, NULL, ids, &n, &error));
    g_assert_no_error (error);
    /* the withdrawal comes after everything the device had */
    after = collector_store_pull_assignments (target, f->enumerators[0], before->next_cursor, 500, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (after->withdrawn->len, ==, 1);
  }

  collector_store_close (source);
  collector_store_close (target);
}

/* A copy cut off half-way (its last pages of visits and media lost, as if
 * killed) is finished by a second run, with nothing twice. */
static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(CollectorStore) source = NULL;
  g_autoptr(CollectorStore) target = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *left = NULL;

  g_assert_cmpint (run_migrate (f, NULL, NULL), ==, 0);
  g_free (verval_test_pg_exec (f->url,
                               "DELETE FROM reviews WHERE visit_uuid > '6f1d8a44-6a4c-4a3b-9d6e-000000000040';"
                               "DELETE FROM visit_media WHERE visit_uuid > '6f1d8a44-6a4c-4a3b-9d6e-000000000040';"
                               "DELETE FROM visits WHERE uuid > '6f1d8a44-6a4c-4a3b-9d6e-000000000040';"
                               "UPDATE migrated_from SET finished_at = NULL"));
  left = verval_test_pg_exec (f->url, "SELECT count(*) FROM visits");
  g_assert_cmpstr (left, ==, "41");

  g_assert_cmpint (run_migrate (f, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Copied"));
  source = open_source (f);
  target = open_target (f);
  assert_same_visits (source, target);
  collector_store_close (source);
  collector_store_close (target);

  /* and a third run of a finished copy changes nothing and says so */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_migrate (f, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Copied"));
}

/* A database in use, or filled from another collector, is left alone. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *other_dir = g_build_filename (f->dir, "other", NULL);
  g_autofree char *count = NULL;

  /* in use: a collector on it has its own enumerator */
  {
    g_autoptr(CollectorStore) target = open_target (f);
    g_autoptr(GError) error = NULL;

    g_assert_true (collector_store_add_enumerator (target, "Someone Else", NULL, NULL, &error));
    g_assert_no_error (error);
    collector_store_close (target);
  }
  g_assert_cmpint (run_migrate (f, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "already holds data"));
  count = verval_test_pg_exec (f->url, "SELECT count(*) FROM enumerators");
  g_assert_cmpstr (count, ==, "1");

  /* filled from another collector's store */
  g_free (verval_test_pg_exec (f->url, "DELETE FROM enumerators"));
  g_assert_cmpint (run_migrate (f, NULL, NULL), ==, 0);
  {
    Fixture other = { .dir = f->dir, .data_dir = other_dir, .url = f->url };

    fill_source (&other);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_migrate (&other, NULL, &err), !=, 0);
    g_assert_nonnull (strstr (err, "another collector"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  binary = test_collector_binary (argc, argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/collector/migrate/copy", test_copy);
  ADD ("/collector/migrate/resume", test_resume);
  ADD ("/collector/migrate/refused", test_refused);
#undef ADD
  return g_test_run ();
}
