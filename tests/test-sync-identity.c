/* test-sync-identity.c: what enrollment recorded, read back from a real store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "store-fixture.h"
#include "verval-store.h"
#include "verval-sync-identity.h"
#include "verval-visit-store.h"

typedef struct {
  char        *tmp;
  VervalStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = store_fixture_make_tmp ("sync-identity");
  f->store = verval_store_open (f->tmp, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  verval_store_close (f->store);
  g_clear_object (&f->store);
  store_fixture_rm_rf (f->tmp);
  g_clear_pointer (&f->tmp, g_free);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  VervalSyncIdentity **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = verval_sync_identity_load_finish (VERVAL_STORE (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
loaded (gpointer data)
{
  return *(VervalSyncIdentity **) data != NULL;
}

static VervalSyncIdentity *
load (Fixture *f)
{
  VervalSyncIdentity *identity = NULL;

  verval_sync_identity_load_async (f->store, NULL, loaded_cb, &identity);
  while (!loaded (&identity))
    g_main_context_iteration (NULL, TRUE);
  return identity;
}

static void
test_not_enrolled (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(VervalSyncIdentity) identity = load (f);

  g_assert_cmpstr (identity->collector_url, ==, "");
  g_assert_cmpstr (identity->enumerator_name, ==, "");
  g_assert_cmpstr (identity->device_id, ==, "");
  g_assert_cmpstr (identity->device_name, ==, "");
  g_assert_cmpint (identity->last_success, ==, 0);
}

static void
test_enrolled (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(VervalSyncIdentity) identity = NULL;
  g_autoptr(VervalSyncIdentity) copy = NULL;

  store_fixture_exec (f->store,
                      "INSERT INTO sync_state (key, value) VALUES "
                      "('collector_url', 'https://verval.example.go.id/'), "
                      "('enumerator_name', 'Ni Luh Putu'), ('device_id', '42'), "
                      "('device_name', 'Tablet Sukasada 1'), "
                      "('last_success', '1795000000'), ('assignments_cursor', '17')");
  identity = load (f);
  g_assert_cmpstr (identity->device_name, ==, "Tablet Sukasada 1");
  g_assert_cmpstr (identity->collector_url, ==, "https://verval.example.go.id/");
  g_assert_cmpstr (identity->enumerator_name, ==, "Ni Luh Putu");
  g_assert_cmpstr (identity->device_id, ==, "42");
  g_assert_cmpint (identity->last_success, ==, 1795000000);

  copy = verval_sync_identity_copy (identity);
  g_assert_cmpstr (copy->enumerator_name, ==, "Ni Luh Putu");
  g_assert_true (copy->enumerator_name != identity->enumerator_name);
}

/* A collector that gave no device number stores 0: nothing to show. */
static void
test_no_device_number (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(VervalSyncIdentity) identity = NULL;

  store_fixture_exec (f->store,
                      "INSERT INTO sync_state (key, value) VALUES "
                      "('collector_url', 'http://127.0.0.1:8080/'), ('device_id', '0'), "
                      "('last_success', 'garbage')");
  identity = load (f);
  g_assert_cmpstr (identity->collector_url, ==, "http://127.0.0.1:8080/");
  g_assert_cmpstr (identity->device_id, ==, "");
  g_assert_cmpstr (identity->device_name, ==, "");
  g_assert_cmpint (identity->last_success, ==, 0);
}

static void
count_notify (guint *count)
{
  (*count)++;
}

/* The visit store's preferences: what the app binds its settings to. */
static void
test_visit_preferences (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(VervalVisitStore) visits = verval_visit_store_new (f->store);
  const VervalLocationCheckOptions *options = verval_visit_store_get_location_check_options (visits);
  guint notified = 0;

  g_assert_cmpuint (verval_visit_store_get_photo_options (visits)->max_edge, ==, VERVAL_PHOTO_DEFAULT_MAX_EDGE);
  g_assert_cmpfloat (options->max_accuracy_m, ==, 50);
  g_assert_cmpfloat (options->max_household_distance_m, ==, 1000);
  g_assert_cmpfloat (options->max_village_distance_m, ==, 5000);

  g_signal_connect_swapped (visits, "notify", G_CALLBACK (count_notify), &notified);
  g_object_set (visits, "photo-max-edge", 2048, "location-max-distance", 250, NULL);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (verval_visit_store_get_photo_options (visits)->max_edge, ==, 2048);
  g_assert_cmpfloat (options->max_household_distance_m, ==, 250);
  g_assert_cmpfloat (options->max_village_distance_m, ==, 1250);
  g_assert_cmpfloat (options->max_accuracy_m, ==, 50);

  /* The same values again: no notification. */
  g_object_set (visits, "photo-max-edge", 2048, "location-max-distance", 250, NULL);
  g_assert_cmpuint (notified, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/client/sync-identity/not-enrolled", Fixture, NULL, fixture_setup, test_not_enrolled,
              fixture_teardown);
  g_test_add ("/client/sync-identity/enrolled", Fixture, NULL, fixture_setup, test_enrolled, fixture_teardown);
  g_test_add ("/client/sync-identity/no-device-number", Fixture, NULL, fixture_setup, test_no_device_number,
              fixture_teardown);
  g_test_add ("/client/visit-store/preferences", Fixture, NULL, fixture_setup, test_visit_preferences,
              fixture_teardown);

  return g_test_run ();
}
