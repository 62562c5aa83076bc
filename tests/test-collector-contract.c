/* test-collector-contract.c: what every collector store promises about
 * enumerators, devices, households, pulls and reviews
 *
 * One set of tests, run against each store implementation
 * (store-contract.c): enrollment codes serve one device, tokens of revoked
 * devices or disabled enumerators are refused, a household has one
 * enumerator at a time, and pulls page by cursor without loss, also while
 * others write. The decisions come from collector-rules.c; these tests
 * check that a store feeds them the right facts and carries their answers
 * out atomically. The visits are in test-collector-contract-visits.c.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "store-contract.h"

/* ---------------------------------------------------------------- devices */

static void
test_enroll (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  CollectorDevice *device;

  g_assert_cmpint (f->device->enumerator_id, ==, f->siti);

  /* a code serves one device */
  device = collector_store_enroll_device (f->store, "code-siti", "token-2", "tablet", NULL, now, &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_USED);
  g_clear_error (&error);

  device = collector_store_enroll_device (f->store, "no-such-code", "token-3", "tablet", NULL, now, &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CODE);
  g_clear_error (&error);

  g_assert_true (collector_store_add_enroll_code (f->store, f->siti, "code-old", now - 1, &error));
  device = collector_store_enroll_device (f->store, "code-old", "token-4", "tablet", NULL, now, &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_EXPIRED);
  g_clear_error (&error);

  g_assert_true (collector_store_add_enroll_code (f->store, f->wayan, "code-w2", now + 60, &error));
  g_assert_true (collector_store_set_enumerator_disabled (f->store, f->wayan, TRUE, &error));
  device = collector_store_enroll_device (f->store, "code-w2", "token-5", "tablet", NULL, now, &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_ENUMERATOR_DISABLED);
  g_clear_error (&error);

  /* none of the refusals left a device behind */
  device = collector_store_authenticate (f->store, "token-2", &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_TOKEN);
}

typedef struct {
  CollectorStore *store;
  const char     *code;
  guint           index;
  gint           *waiting;    /* racers not yet at the start */
  gboolean        enrolled;
} EnrollRace;

static gpointer
enroll_race_thread (gpointer data)
{
  EnrollRace *race = data;
  g_autofree char *token = g_strdup_printf ("%s-token-%u", race->code, race->index);
  g_autoptr(GError) error = NULL;
  CollectorDevice *device;

  /* all at once */
  g_atomic_int_dec_and_test (race->waiting);
  while (g_atomic_int_get (race->waiting) > 0)
    g_thread_yield ();
  device = collector_store_enroll_device (race->store, race->code, token, "tablet", NULL,
                                          g_get_real_time () / G_USEC_PER_SEC, &error);
  race->enrolled = device != NULL;
  if (device == NULL)
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_USED);
  collector_device_free (device);
  return NULL;
}

#define N_RACES 5

/* Eight devices racing for one code, through two collectors sharing the
 * data, a few times over: each time exactly one is enrolled. */
static void
test_enroll_race (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(CollectorStore) twin = contract_open_twin (f);
  g_autoptr(GError) error = NULL;

  for (guint round = 0; round < N_RACES; round++)
    {
      g_autofree char *code = g_strdup_printf ("code-race-%u", round);
      EnrollRace races[8];
      GThread *threads[G_N_ELEMENTS (races)];
      gint waiting = G_N_ELEMENTS (races);
      guint enrolled = 0;

      g_assert_true (collector_store_add_enroll_code (f->store, f->siti, code,
                                                      g_get_real_time () / G_USEC_PER_SEC + 60, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        {
          races[i] = (EnrollRace) { i % 2 ? twin : f->store, code, i, &waiting, FALSE };
          threads[i] = g_thread_new ("enrol", enroll_race_thread, &races[i]);
        }
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        {
          g_thread_join (threads[i]);
          enrolled += races[i].enrolled;
        }
      g_assert_cmpuint (enrolled, ==, 1);
    }
  collector_store_close (twin);
}

static void
test_authenticate (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CollectorDevice *device;

  device = collector_store_authenticate (f->store, "token-siti", &error);
  g_assert_no_error (error);
  g_assert_cmpint (device->id, ==, f->device->id);
  collector_device_free (device);

  device = collector_store_authenticate (f->store, "token-unknown", &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  g_assert_true (collector_store_set_enumerator_disabled (f->store, f->wayan, TRUE, &error));
  device = collector_store_authenticate (f->store, "token-wayan", &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_ENUMERATOR_DISABLED);
  g_clear_error (&error);

  g_assert_true (collector_store_revoke_device (f->store, f->device->id, &error));
  device = collector_store_authenticate (f->store, "token-siti", &error);
  g_assert_null (device);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_TOKEN_REVOKED);
}

/* Names are unique, counts follow assignments and devices, and an unknown
 * number is refused by every call that takes one. */
static void
test_enumerators (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  CollectorEnumerator *e;
  gint64 made, now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_false (collector_store_add_enumerator (f->store, "Siti Aminah", "0812", NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (collector_store_add_enumerator (f->store, "Made Wirawan", "081234567890", &made, &error));
  g_assert_no_error (error);
  g_assert_cmpint (made, >, f->wayan);

  all = collector_store_list_enumerators (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  e = all->pdata[0];
  g_assert_cmpint (e->id, ==, f->siti);
  g_assert_cmpstr (e->name, ==, "Siti Aminah");
  g_assert_null (e->phone);
  g_assert_false (e->disabled);
  g_assert_cmpint (e->created_at, <=, now);
  g_assert_cmpint (e->created_at, >, now - 60);
  g_assert_cmpuint (e->n_households, ==, N_HOUSEHOLDS - 5);
  g_assert_cmpuint (e->n_devices, ==, 1);
  e = all->pdata[2];
  g_assert_cmpint (e->id, ==, made);
  g_assert_cmpstr (e->phone, ==, "081234567890");
  g_assert_cmpuint (e->n_households, ==, 0);
  g_assert_cmpuint (e->n_devices, ==, 0);

  /* by number or by name */
  {
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, f->wayan);
    g_autoptr(CollectorEnumerator) by_number = collector_store_find_enumerator (f->store, number, &error);
    g_autoptr(CollectorEnumerator) by_name = collector_store_find_enumerator (f->store, "Wayan Sudirta", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (by_number->name, ==, "Wayan Sudirta");
    g_assert_cmpint (by_name->id, ==, f->wayan);
    g_assert_null (collector_store_find_enumerator (f->store, "Nobody", &error));
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  g_assert_true (collector_store_set_enumerator_disabled (f->store, made, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = collector_store_list_enumerators (f->store, &error);
  g_assert_true (((CollectorEnumerator *) all->pdata[2])->disabled);
  g_assert_false (((CollectorEnumerator *) all->pdata[0])->disabled);

  g_assert_false (collector_store_set_enumerator_disabled (f->store, made + 1000, TRUE, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (collector_store_add_enroll_code (f->store, made + 1000, "code-nobody", now + 60, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
}

static CollectorDevice *
find_device (GPtrArray *devices,
             gint64     id)
{
  for (guint i = 0; i < devices->len; i++)
    if (((CollectorDevice *) devices->pdata[i])->id == id)
      return devices->pdata[i];
  g_assert_not_reached ();
}

/* A status report is kept as sent and tells the app's version; revoking
 * keeps the first time a device was revoked. */
static void
test_devices (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;
  static const char *status = "{\"app_version\":\"0.3.1\",\"queue_depth\":4,\"last_error\":null}";
  CollectorDevice *d;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC, revoked_at;

  devices = collector_store_list_devices (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_cmpint (((CollectorDevice *) devices->pdata[0])->id, <, ((CollectorDevice *) devices->pdata[1])->id);
  d = find_device (devices, f->device->id);
  g_assert_cmpint (d->enumerator_id, ==, f->siti);
  g_assert_cmpstr (d->enumerator_name, ==, "Siti Aminah");
  g_assert_cmpstr (d->name, ==, "tablet");
  g_assert_cmpstr (d->app_version, ==, "1.0");
  g_assert_cmpint (d->enrolled_at, <=, now);
  g_assert_cmpint (d->enrolled_at, >, now - 60);
  g_assert_cmpint (d->revoked_at, ==, 0);
  g_assert_null (d->status_json);
  /* what enrollment gave back is what the store holds */
  g_assert_cmpint (f->device->enrolled_at, ==, d->enrolled_at);
  g_assert_cmpstr (f->device->enumerator_name, ==, d->enumerator_name);

  g_assert_true (collector_store_record_status (f->store, f->device->id, status,
                                                g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_true (collector_store_record_status (f->store, f->other->id, "{\"queue_depth\":0}",
                                                 g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_no_error (error);
  g_clear_pointer (&devices, g_ptr_array_unref);
  devices = collector_store_list_devices (f->store, &error);
  d = find_device (devices, f->device->id);
  g_assert_cmpstr (d->status_json, ==, status);
  g_assert_cmpstr (d->app_version, ==, "0.3.1");
  g_assert_cmpint (d->last_seen_at, >=, now);
  /* a report without a version keeps the one known */
  d = find_device (devices, f->other->id);
  g_assert_cmpstr (d->status_json, ==, "{\"queue_depth\":0}");
  g_assert_cmpstr (d->app_version, ==, "1.0");

  g_assert_true (collector_store_revoke_device (f->store, f->other->id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&devices, g_ptr_array_unref);
  devices = collector_store_list_devices (f->store, &error);
  revoked_at = find_device (devices, f->other->id)->revoked_at;
  g_assert_cmpint (revoked_at, >=, now);
  g_assert_cmpint (find_device (devices, f->device->id)->revoked_at, ==, 0);
  /* revoking again is no error, and the device stays revoked */
  g_assert_true (collector_store_revoke_device (f->store, f->other->id, &error));
  g_clear_pointer (&devices, g_ptr_array_unref);
  devices = collector_store_list_devices (f->store, &error);
  g_assert_cmpint (find_device (devices, f->other->id)->revoked_at, ==, revoked_at);
  {
    g_autoptr(GPtrArray) all = collector_store_list_enumerators (f->store, &error);

    g_assert_cmpuint (((CollectorEnumerator *) all->pdata[1])->n_devices, ==, 0);
  }

  g_assert_false (collector_store_revoke_device (f->store, f->other->id + 1000, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
}

/* ---------------------------------------------------------------- households */

static CollectorHousehold *
household_new (guint       i,
               const char *village,
               const char *head_name)
{
  CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

  h->id = contract_household_id (i);
  h->source = g_strdup ("p3ke");
  h->village_code = g_strdup (village);
  h->head_name = g_strdup (head_name);
  h->nik = g_strdup ("5108061207800001");
  h->data_json = g_strdup ("{\"desil\": 1}");
  return h;
}

/* Everything after @cursor for @enumerator, all pages: household ids, with
 * "-" before a withdrawn one. Moves @cursor to the end. */
static char *
pull_all (Fixture *f,
          gint64   enumerator,
          gint64  *cursor)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;

  while (more)
    {
      g_autoptr(CollectorAssignmentPage) page = collector_store_pull_assignments (f->store, enumerator, *cursor, 4,
                                                                                  &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->households->len; i++)
        g_string_append_printf (out, "%s ", ((CollectorHousehold *) page->households->pdata[i])->id);
      for (guint i = 0; i < page->withdrawn->len; i++)
        g_string_append_printf (out, "-%s ", (char *) page->withdrawn->pdata[i]);
      *cursor = page->next_cursor;
      more = page->more;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_pulled (Fixture    *f,
               gint64      enumerator,
               gint64     *cursor,
               const char *expected)
{
  g_autofree char *pulled = pull_all (f, enumerator, cursor);

  g_assert_cmpstr (pulled, ==, expected);
}

/* Importing the same list again changes nothing; a changed household is
 * counted and goes down again to whoever has it. */
static void
test_households (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *after_same = NULL;
  g_autofree char *after_change = NULL;
  gint64 cursor = 0, wayan_cursor = 0;
  guint n_new = 99, n_updated = 99;

  first = pull_all (f, f->siti, &cursor);
  g_assert_cmpuint (strlen (first), >, 0);
  {
    g_autoptr(CollectorAssignmentPage) page = collector_store_pull_assignments (f->store, f->siti, 0, 100, &error);
    CollectorHousehold *h = page->households->pdata[0];

    g_assert_no_error (error);
    g_assert_cmpuint (page->households->len, ==, N_HOUSEHOLDS - 5);
    g_assert_cmpuint (page->withdrawn->len, ==, 0);
    g_assert_false (page->more);
    g_assert_cmpint (page->next_cursor, ==, cursor);
    /* as imported: a missing value reads as empty */
    g_assert_cmpstr (h->source, ==, "p3ke");
    g_assert_cmpstr (h->village_code, ==, VILLAGE);
    g_assert_cmpstr (h->nik, ==, "");
    g_assert_cmpstr (h->kk, ==, "");
    g_assert_cmpstr (h->address, ==, "");
    g_assert_cmpstr (h->data_json, ==, "{}");
  }

  for (guint i = 0; i < N_HOUSEHOLDS; i++)
    {
      g_autofree char *head = g_strdup_printf ("Kepala %u", i);
      CollectorHousehold *h = household_new (i, VILLAGE, head);

      g_clear_pointer (&h->nik, g_free);
      g_clear_pointer (&h->data_json, g_free);
      h->data_json = g_strdup ("{}");
      g_ptr_array_add (again, h);
    }
  g_assert_true (collector_store_upsert_households (f->store, again, &n_new, &n_updated, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 0);
  g_assert_cmpuint (n_updated, ==, 0);
  after_same = pull_all (f, f->siti, &cursor);
  g_assert_cmpstr (after_same, ==, "");

  /* one assigned household renamed, one unassigned moved, one new */
  g_ptr_array_set_size (again, 0);
  g_ptr_array_add (again, household_new (3, VILLAGE, "Kepala Baru"));
  g_ptr_array_add (again, household_new (22, "5108062002", "Kepala 22"));
  g_ptr_array_add (again, household_new (N_HOUSEHOLDS, "5108062002", "Kepala Lain"));
  g_assert_true (collector_store_upsert_households (f->store, again, &n_new, &n_updated, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, 1);
  g_assert_cmpuint (n_updated, ==, 2);
  after_change = pull_all (f, f->siti, &cursor);
  g_assert_cmpstr (after_change, ==, "P3KE-0003 ");
  {
    g_autoptr(CollectorAssignmentPage) page = collector_store_pull_assignments (f->store, f->siti, cursor - 1, 10,
                                                                                &error);
    CollectorHousehold *h = page->households->pdata[0];

    g_assert_no_error (error);
    g_assert_cmpstr (h->head_name, ==, "Kepala Baru");
    g_assert_cmpstr (h->nik, ==, "5108061207800001");
    g_assert_cmpstr (h->data_json, ==, "{\"desil\": 1}");
  }
  assert_pulled (f, f->wayan, &wayan_cursor, "");
}

/* A household has one enumerator at a time: assigning it elsewhere
 * withdraws it from the one who had it, in the order things happened. */
static void
test_assign (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *siti_all = NULL;
  g_autofree char *siti_moved = NULL;
  g_autofree char *wayan_all = NULL;
  g_autofree char *wayan_back = NULL;
  const char *two[] = { "P3KE-0001", "P3KE-0021", NULL };
  const char *bad[] = { "P3KE-0002", "NO-SUCH-HOUSEHOLD", NULL };
  gint64 siti_cursor = 0, wayan_cursor = 0;
  guint n = 99;

  siti_all = pull_all (f, f->siti, &siti_cursor);
  g_assert_cmpuint (strlen (siti_all), >, 0);

  /* to whom it already belongs: nothing changes */
  g_assert_true (collector_store_assign (f->store, f->siti, NULL, two, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  assert_pulled (f, f->siti, &siti_cursor, "P3KE-0021 ");

  /* one unknown id: nothing at all is assigned */
  g_assert_false (collector_store_assign (f->store, f->wayan, NULL, bad, &n, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (collector_store_assign (f->store, f->wayan + 1000, NULL, two, &n, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (collector_store_assign (f->store, f->wayan, "9999999999", NULL, &n, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_pulled (f, f->wayan, &wayan_cursor, "");

  /* the whole village to Wayan, in id order */
  g_assert_true (collector_store_assign (f->store, f->wayan, VILLAGE, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, N_HOUSEHOLDS);
  wayan_all = pull_all (f, f->wayan, &wayan_cursor);
  g_assert_true (g_str_has_prefix (wayan_all, "P3KE-0000 P3KE-0001 P3KE-0002 "));
  g_assert_true (g_str_has_suffix (wayan_all, "P3KE-0023 P3KE-0024 "));
  siti_moved = pull_all (f, f->siti, &siti_cursor);
  g_assert_true (g_str_has_prefix (siti_moved, "-P3KE-0000 -P3KE-0001 "));
  g_assert_true (g_str_has_suffix (siti_moved, "-P3KE-0021 "));
  g_assert_null (strstr (siti_moved, "0022"));
  g_assert_true (collector_store_assign (f->store, f->wayan, VILLAGE, NULL, &n, &error));
  g_assert_cmpuint (n, ==, 0);

  /* and one back to Siti */
  g_assert_true (collector_store_assign (f->store, f->siti, NULL, (const char *[]) { "P3KE-0007", NULL }, &n,
                                         &error));
  assert_pulled (f, f->siti, &siti_cursor, "P3KE-0007 ");
  wayan_back = pull_all (f, f->wayan, &wayan_cursor);
  g_assert_cmpstr (wayan_back, ==, "-P3KE-0007 ");
  {
    g_autoptr(GPtrArray) all = collector_store_list_enumerators (f->store, &error);

    g_assert_cmpuint (((CollectorEnumerator *) all->pdata[0])->n_households, ==, 1);
    g_assert_cmpuint (((CollectorEnumerator *) all->pdata[1])->n_households, ==, N_HOUSEHOLDS - 1);
  }
}

typedef struct {
  Fixture  *f;
  guint     seed;
  gint     *writers_left;
} Mover;

#define N_MOVES 30

/* Moves random households between Siti and Wayan, and now and then edits
 * one, which sends it down again. */
static gpointer
mover_thread (gpointer data)
{
  Mover *m = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (m->seed);

  for (guint i = 0; i < N_MOVES; i++)
    {
      g_autofree char *id = contract_household_id (g_rand_int_range (rand, 0, N_HOUSEHOLDS));
      const char *ids[] = { id, NULL };
      g_autoptr(GError) error = NULL;

      if (g_rand_int_range (rand, 0, 4) == 0)
        {
          g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
          g_autofree char *head = g_strdup_printf ("Kepala %u-%u", m->seed, i);

          g_ptr_array_add (one, household_new (g_rand_int_range (rand, 0, N_HOUSEHOLDS), VILLAGE, head));
          g_assert_true (collector_store_upsert_households (m->f->store, one, NULL, NULL, &error));
        }
      else
        g_assert_true (collector_store_assign (m->f->store, g_rand_boolean (rand) ? m->f->siti : m->f->wayan,
                                               NULL, ids, NULL, &error));
      g_assert_no_error (error);
    }
  g_atomic_int_dec_and_test (m->writers_left);
  return NULL;
}

/* Pulls the next change after *cursor, one at a time so that the cursor
 * names that very change, into what a device knows: household id → the
 * cursor of its last change, negative when it was a withdrawal. FALSE when
 * there was nothing more to pull. */
static gboolean
pull_one (Fixture    *f,
          GHashTable *known,
          gint64     *cursor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CollectorAssignmentPage) page = collector_store_pull_assignments (f->store, f->siti, *cursor, 1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (page->households->len + page->withdrawn->len, <=, 1);
  if (page->households->len == 0 && page->withdrawn->len == 0)
    {
      g_assert_cmpint (page->next_cursor, ==, *cursor);
      return FALSE;
    }
  g_assert_cmpint (page->next_cursor, >, *cursor);
  *cursor = page->next_cursor;
  if (page->households->len > 0)
    g_hash_table_insert (known, g_strdup (((CollectorHousehold *) page->households->pdata[0])->id),
                         GINT_TO_POINTER ((int) *cursor));
  else
    g_hash_table_insert (known, g_strdup (page->withdrawn->pdata[0]), GINT_TO_POINTER (-(int) *cursor));
  return TRUE;
}

/* A device pulling while assignments change under it ends up knowing
 * exactly what a device pulling once at the end learns, change by change:
 * no change was committed after a pull with a cursor lower than that pull
 * gave, where the first device would never see it. */
static void
test_pull_while_writing (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GHashTable) incremental = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) once = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Mover movers[3];
  GThread *threads[G_N_ELEMENTS (movers)];
  gint writers_left = G_N_ELEMENTS (movers);
  gint64 cursor = 0, last_cursor = 0;
  guint pulls = 0;
  gboolean writing = TRUE;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < G_N_ELEMENTS (movers); i++)
    {
      movers[i] = (Mover) { f, i + 1, &writers_left };
      threads[i] = g_thread_new ("mover", mover_thread, &movers[i]);
    }
  /* pull until the writers are done and a pull after that found nothing */
  while (TRUE)
    {
      writing = g_atomic_int_get (&writers_left) > 0;
      pulls++;
      if (pull_one (f, incremental, &cursor))
        continue;
      if (!writing)
        break;
      g_usleep (500);
    }
  for (guint i = 0; i < G_N_ELEMENTS (movers); i++)
    g_thread_join (threads[i]);
  g_test_message ("%u pulls while writing", pulls);

  while (pull_one (f, once, &last_cursor))
    ;
  g_assert_cmpint (last_cursor, ==, cursor);
  g_assert_cmpuint (g_hash_table_size (incremental), ==, g_hash_table_size (once));
  g_hash_table_iter_init (&iter, once);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_hash_table_contains (incremental, key));
      g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (incremental, key)), ==, GPOINTER_TO_INT (value));
    }
}

/* Paging by cursor hands out every assigned household once, in small
 * pages, and a cursor the store never gave is refused. */
static void
test_pull_pages (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  gint64 cursor = 0;
  guint pages = 0;
  CollectorAssignmentPage *page;

  do
    {
      page = collector_store_pull_assignments (f->store, f->siti, cursor, 3, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->households->len, <=, 3);
      for (guint i = 0; i < page->households->len; i++)
        {
          CollectorHousehold *h = page->households->pdata[i];

          g_assert_true (g_hash_table_add (seen, g_strdup (h->id)));
        }
      g_assert_cmpint (page->next_cursor, >=, cursor);
      cursor = page->next_cursor;
      pages++;
      if (!page->more)
        {
          collector_assignment_page_free (page);
          break;
        }
      collector_assignment_page_free (page);
    }
  while (TRUE);
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_HOUSEHOLDS - 5);
  g_assert_cmpuint (pages, >=, (N_HOUSEHOLDS - 5) / 3);

  /* the last cursor given is good and empty; one past anything given is not */
  page = collector_store_pull_assignments (f->store, f->siti, cursor, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->households->len, ==, 0);
  collector_assignment_page_free (page);
  page = collector_store_pull_assignments (f->store, f->siti, cursor + 1000, 3, &error);
  g_assert_null (page);
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CURSOR);
  g_clear_error (&error);

  /* reviews: nothing given yet, so only 0 is a cursor */
  {
    CollectorReviewPage *reviews = collector_store_pull_reviews (f->store, f->siti, 0, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (reviews->reviews->len, ==, 0);
    collector_review_page_free (reviews);
    reviews = collector_store_pull_reviews (f->store, f->siti, 1, 10, &error);
    g_assert_null (reviews);
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CURSOR);
  }
}

/* ---------------------------------------------------------------- reviews */

/* Decisions go down to the visit's enumerator by cursor, one page at a
 * time, as they were made. */
static void
test_reviews (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_review_free);
  g_autoptr(GError) error = NULL;
  gint64 cursor = 0, now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean more = TRUE;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("9c1d8a44-6a4c-4a3b-9d6e-00000000000%u", i);

      g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (uuid, i + 1, i), NULL, NULL), ==, COLLECTOR_VISIT_STORED);
      g_assert_true (collector_store_add_review (f->store, uuid, i % 2 ? "rejected" : "approved",
                                                 i % 2 ? "Foto rumah buram" : NULL, "Korcam Sukasada", &error));
      g_assert_no_error (error);
    }
  g_assert_false (collector_store_add_review (f->store, "9c1d8a44-6a4c-4a3b-9d6e-000000000000", "maybe", NULL,
                                              "Korcam", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (collector_store_add_review (f->store, "9c1d8a44-6a4c-4a3b-9d6e-999999999999", "approved", NULL,
                                              "Korcam", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  while (more)
    {
      g_autoptr(CollectorReviewPage) page = collector_store_pull_reviews (f->store, f->siti, cursor, 2, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->reviews->len, <=, 2);
      for (guint i = 0; i < page->reviews->len; i++)
        {
          CollectorReview *r = page->reviews->pdata[i];

          g_assert_cmpint (r->seq, >, cursor);
          g_assert_cmpint (r->seq, <=, page->next_cursor);
          g_ptr_array_add (got, g_steal_pointer (&page->reviews->pdata[i]));
        }
      cursor = page->next_cursor;
      more = page->more;
    }
  g_assert_cmpuint (got->len, ==, 5);
  for (guint i = 0; i < got->len; i++)
    {
      CollectorReview *r = got->pdata[i];
      g_autofree char *uuid = g_strdup_printf ("9c1d8a44-6a4c-4a3b-9d6e-00000000000%u", i);
      g_autofree char *household = contract_household_id (i);

      g_assert_cmpstr (r->visit_uuid, ==, uuid);
      g_assert_cmpint (r->revision, ==, i + 1);
      g_assert_cmpstr (r->household_id, ==, household);
      g_assert_cmpstr (r->decision, ==, i % 2 ? "rejected" : "approved");
      g_assert_cmpstr (r->comment, ==, i % 2 ? "Foto rumah buram" : NULL);
      g_assert_cmpstr (r->reviewer, ==, "Korcam Sukasada");
      g_assert_cmpint (r->decided_at, >=, now);
      g_assert_cmpint (r->decided_at, <, now + 60);
    }

  /* the last cursor is good and empty, one past it is not; Wayan has none */
  {
    g_autoptr(CollectorReviewPage) last = collector_store_pull_reviews (f->store, f->siti, cursor, 2, &error);
    g_autoptr(CollectorReviewPage) wayan = collector_store_pull_reviews (f->store, f->wayan, 0, 2, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (last->reviews->len, ==, 0);
    g_assert_false (last->more);
    g_assert_cmpuint (wayan->reviews->len, ==, 0);
    g_assert_null (collector_store_pull_reviews (f->store, f->siti, cursor + 1, 2, &error));
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CURSOR);
  }
}

/* The failures a throttle counts: per kind and key, newest first, within
 * the asked time, seen by another store on the same data, and forgotten
 * once older than what a later failure of their kind says to keep. */
static void
test_failures (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(CollectorStore) twin = contract_open_twin (f);
  g_autoptr(GArray) recent = NULL;
  g_autoptr(GArray) other = NULL;
  g_autoptr(GArray) kept = NULL;
  g_autoptr(GArray) sign_in = NULL;
  g_autoptr(GArray) account = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (collector_store_note_failure (f->store, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 1000, 0, &error));
  g_assert_true (collector_store_note_failure (twin, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 1030, 0, &error));
  g_assert_true (collector_store_note_failure (f->store, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 1060, 0, &error));
  g_assert_true (collector_store_note_failure (twin, COLLECTOR_FAILURE_ENROLL, "2001:db8:1:2::/64", 1061, 0,
                                               &error));
  /* the same address signing in is another count */
  g_assert_true (collector_store_note_failure (twin, COLLECTOR_FAILURE_SIGN_IN_ADDRESS, "192.0.2.7", 1062, 0,
                                               &error));
  g_assert_true (collector_store_note_failure (f->store, COLLECTOR_FAILURE_SIGN_IN_ACCOUNT, "Made Korcam", 1062,
                                               0, &error));
  g_assert_no_error (error);

  recent = collector_store_recent_failures (twin, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 1000, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 2);
  g_assert_cmpint (g_array_index (recent, gint64, 0), ==, 1060);
  g_assert_cmpint (g_array_index (recent, gint64, 1), ==, 1030);
  other = collector_store_recent_failures (f->store, COLLECTOR_FAILURE_ENROLL, "2001:db8:1:2::/64", 1031, 10,
                                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (other->len, ==, 1);
  g_assert_cmpint (g_array_index (other, gint64, 0), ==, 1061);

  /* an enrollment failure at 1100 that keeps 60 seconds forgets 1000 and
   * 1030, and no sign-in */
  g_assert_true (collector_store_note_failure (f->store, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 1100, 1040,
                                               &error));
  kept = collector_store_recent_failures (f->store, COLLECTOR_FAILURE_ENROLL, "192.0.2.7", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kept->len, ==, 2);
  g_assert_cmpint (g_array_index (kept, gint64, 0), ==, 1100);
  g_assert_cmpint (g_array_index (kept, gint64, 1), ==, 1060);
  sign_in = collector_store_recent_failures (f->store, COLLECTOR_FAILURE_SIGN_IN_ADDRESS, "192.0.2.7", 0, 10,
                                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sign_in->len, ==, 1);
  g_assert_cmpint (g_array_index (sign_in, gint64, 0), ==, 1062);
  account = collector_store_recent_failures (twin, COLLECTOR_FAILURE_SIGN_IN_ACCOUNT, "Made Korcam", 0, 10,
                                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (account->len, ==, 1);
  collector_store_close (twin);
}

/* Each status report is kept, with its queue and error code read out, for
 * thirty days; another store on the same data reads the same history. */
static void
test_status_history (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CollectorStore) twin = contract_open_twin (f);
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GError) error = NULL;
  const gint64 day = 24 * 3600, start = 1796000000;
  CollectorStatusReport *r;

  g_assert_true (collector_store_record_status (f->store, f->device->id,
                                                "{\"queue_depth\": 3, \"last_error_code\": \"unreachable\"}",
                                                start, &error));
  g_assert_true (collector_store_record_status (twin, f->device->id, "{\"queue_depth\": 5}", start + day,
                                                &error));
  /* what is not an integer or a string is not read out, and is kept as sent */
  g_assert_true (collector_store_record_status (f->store, f->device->id,
                                                "{\"queue_depth\": 2.5, \"last_error_code\": 7}", start + 2 * day,
                                                &error));
  g_assert_true (collector_store_record_status (f->store, f->other->id, "{\"queue_depth\": 0}", start + day,
                                                &error));
  g_assert_no_error (error);

  history = collector_store_status_history (twin, f->device->id, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 3);
  r = history->pdata[0];
  g_assert_cmpint (r->at, ==, start);
  g_assert_cmpint (r->queue_depth, ==, 3);
  g_assert_cmpstr (r->error_code, ==, "unreachable");
  r = history->pdata[1];
  g_assert_cmpint (r->queue_depth, ==, 5);
  g_assert_null (r->error_code);
  r = history->pdata[2];
  g_assert_cmpint (r->queue_depth, ==, -1);
  g_assert_null (r->error_code);
  g_assert_nonnull (strstr (r->status_json, "2.5"));

  /* a report thirty days and one second after the first drops it */
  g_assert_true (collector_store_record_status (f->store, f->device->id, "{}",
                                                start + COLLECTOR_STATUS_HISTORY_DAYS * day + 1, &error));
  g_assert_no_error (error);
  recent = collector_store_status_history (f->store, f->device->id, start + day, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 3);
  g_clear_pointer (&history, g_ptr_array_unref);
  history = collector_store_status_history (f->store, f->device->id, 0, &error);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpint (((CollectorStatusReport *) history->pdata[0])->at, ==, start + day);
  collector_store_close (twin);
}

/* After close, every call says the store is shutting down. */
static void
test_close (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);

  collector_store_close (f->store);
  g_assert_null (collector_store_list_enumerators (f->store, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_assert_false (collector_store_add_enumerator (f->store, "Late", NULL, NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_ptr_array_add (visits, contract_visit_new (UUID, 1, 0));
  g_assert_null (collector_store_submit_visits (f->store, f->device, visits, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN);
  g_clear_error (&error);
  g_assert_null (collector_store_authenticate (f->store, "token-siti", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SHUTTING_DOWN);
}

int
main (int   argc,
      char *argv[])
{
  static const ContractTest tests[] = {
    { "enumerators", test_enumerators },
    { "enroll", test_enroll },
    { "enroll-race", test_enroll_race },
    { "status-history", test_status_history },
    { "failures", test_failures },
    { "authenticate", test_authenticate },
    { "devices", test_devices },
    { "households", test_households },
    { "assign", test_assign },
    { "pull-pages", test_pull_pages },
    { "pull-while-writing", test_pull_while_writing },
    { "reviews", test_reviews },
    { "close", test_close },
  };

  return contract_run (argc, argv, tests, G_N_ELEMENTS (tests));
}
