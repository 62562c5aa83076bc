/* test-collector-contract.c: what every collector store promises
 *
 * One set of tests, run against each store implementation (the list in
 * main()): enrollment codes serve one device, tokens of revoked devices or
 * disabled enumerators are refused, the (uuid, revision) rule holds with
 * several writers at once, and pulls page by cursor without loss. The
 * decisions come from collector-rules.c; these tests check that a store
 * feeds them the right facts and carries their answers out atomically.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "collector-error.h"
#include "collector-export.h"
#include "collector-sqlite-store.h"
#include "test-collector-util.h"

typedef CollectorStore *(*StoreOpen) (const char *dir);

static CollectorStore *
open_sqlite (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "collector.db", NULL);
  g_autoptr(GError) error = NULL;
  CollectorStore *store = collector_sqlite_store_new (path, &error);

  g_assert_no_error (error);
  return store;
}

typedef struct {
  char           *dir;
  CollectorStore *store;
  gint64          siti;      /* enumerators */
  gint64          wayan;
  CollectorDevice *device;   /* Siti's */
  CollectorDevice *other;    /* Wayan's */
} Fixture;

#define VILLAGE "5108062001"
#define N_HOUSEHOLDS 25

static char *
household_id (guint i)
{
  return g_strdup_printf ("P3KE-%04u", i);
}

static CollectorDevice *
enrol (Fixture    *f,
       gint64      enumerator,
       const char *code_hash,
       const char *token_hash)
{
  g_autoptr(GError) error = NULL;
  CollectorDevice *device;

  g_assert_true (collector_store_add_enroll_code (f->store, enumerator, code_hash,
                                                  g_get_real_time () / G_USEC_PER_SEC + 3600, &error));
  g_assert_no_error (error);
  device = collector_store_enroll_device (f->store, code_hash, token_hash, "tablet", "1.0",
                                          g_get_real_time () / G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  return device;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  StoreOpen open = (StoreOpen) data;
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint n_new, n_updated, n_assigned;

  f->dir = g_dir_make_tmp ("verval-contract-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = open (f->dir);
  for (guint i = 0; i < N_HOUSEHOLDS; i++)
    {
      CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

      h->id = household_id (i);
      h->source = g_strdup ("p3ke");
      h->village_code = g_strdup (VILLAGE);
      h->head_name = g_strdup_printf ("Kepala %u", i);
      h->data_json = g_strdup ("{}");
      g_ptr_array_add (households, h);
      if (i < N_HOUSEHOLDS - 5)
        g_ptr_array_add (ids, household_id (i));
    }
  g_ptr_array_add (ids, NULL);
  g_assert_true (collector_store_upsert_households (f->store, households, &n_new, &n_updated, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, N_HOUSEHOLDS);
  g_assert_true (collector_store_add_enumerator (f->store, "Siti Aminah", NULL, &f->siti, &error));
  g_assert_true (collector_store_add_enumerator (f->store, "Wayan Sudirta", NULL, &f->wayan, &error));
  g_assert_no_error (error);
  /* Siti holds the first twenty households, Wayan none */
  g_assert_true (collector_store_assign (f->store, f->siti, NULL, (const char * const *) ids->pdata,
                                         &n_assigned, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_assigned, ==, N_HOUSEHOLDS - 5);
  f->device = enrol (f, f->siti, "code-siti", "token-siti");
  f->other = enrol (f, f->wayan, "code-wayan", "token-wayan");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  collector_device_free (f->device);
  collector_device_free (f->other);
  collector_store_close (f->store);
  g_object_unref (f->store);
  test_rm_rf (f->dir);
  g_free (f->dir);
}

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
  Fixture *f;
  guint    index;
  gboolean enrolled;
} EnrollRace;

static gpointer
enroll_race_thread (gpointer data)
{
  EnrollRace *race = data;
  g_autofree char *token = g_strdup_printf ("race-token-%u", race->index);
  g_autoptr(GError) error = NULL;
  CollectorDevice *device = collector_store_enroll_device (race->f->store, "code-race", token, "tablet", NULL,
                                                           g_get_real_time () / G_USEC_PER_SEC, &error);

  race->enrolled = device != NULL;
  if (device == NULL)
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_USED);
  collector_device_free (device);
  return NULL;
}

/* Eight devices racing for one code: exactly one is enrolled. */
static void
test_enroll_race (Fixture       *f,
                  gconstpointer  data)
{
  EnrollRace races[8];
  GThread *threads[8];
  g_autoptr(GError) error = NULL;
  guint enrolled = 0;

  g_assert_true (collector_store_add_enroll_code (f->store, f->siti, "code-race",
                                                  g_get_real_time () / G_USEC_PER_SEC + 60, &error));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      races[i] = (EnrollRace) { f, i, FALSE };
      threads[i] = g_thread_new ("enrol", enroll_race_thread, &races[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      enrolled += races[i].enrolled;
    }
  g_assert_cmpuint (enrolled, ==, 1);
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

/* ---------------------------------------------------------------- visits */

static CollectorVisit *
visit_new (const char *uuid,
           gint64      revision,
           guint       household)
{
  CollectorVisit *v = collector_visit_new ();
  g_autoptr(GTimeZone) wita = g_time_zone_new_offset (8 * 3600);

  v->uuid = g_strdup (uuid);
  v->revision = revision;
  v->household_id = household_id (household);
  v->form_id = g_strdup ("verification");
  v->form_version = 1;
  v->answers_json = g_strdup_printf ("{\"result\": 1, \"revision_seen\": %" G_GINT64_FORMAT "}", revision);
  v->result_code = 1;
  v->started_at = g_date_time_new (wita, 2026, 11, 20, 9, 0, 0);
  v->finished_at = g_date_time_new (wita, 2026, 11, 20, 9, 20, (gdouble) revision);
  v->accuracy = NAN;
  return v;
}

static CollectorVisitStatus
submit_one (Fixture         *f,
            CollectorDevice *device,
            CollectorVisit  *visit,
            gint64          *stored_revision,
            const char     **problem)
{
  g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
  g_autoptr(GPtrArray) outcomes = NULL;
  g_autoptr(GError) error = NULL;
  CollectorVisitOutcome *outcome;
  static char code[64];

  g_ptr_array_add (visits, visit);
  outcomes = collector_store_submit_visits (f->store, device, visits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outcomes->len, ==, 1);
  outcome = outcomes->pdata[0];
  if (stored_revision != NULL)
    *stored_revision = outcome->stored_revision;
  if (problem != NULL)
    {
      code[0] = '\0';
      if (outcome->problems->len > 0)
        g_strlcpy (code, ((VervalWireProblem *) outcome->problems->pdata[0])->code, sizeof code);
      *problem = code;
    }
  return outcome->status;
}

static gint64
stored_revision_of (Fixture    *f,
                    const char *uuid,
                    char      **answers)
{
  g_autoptr(GPtrArray) visits = collector_store_list_visits (f->store, NULL);
  gint64 revision = 0;
  guint n = 0;

  for (guint i = 0; i < visits->len; i++)
    {
      CollectorVisit *v = visits->pdata[i];

      if (g_str_equal (v->uuid, uuid))
        {
          n++;
          revision = v->revision;
          if (answers != NULL)
            *answers = g_strdup (v->answers_json);
        }
    }
  g_assert_cmpuint (n, <=, 1);
  return revision;
}

#define UUID "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e01"

static void
test_visit_rule (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *answers = NULL;
  const char *problem;
  gint64 stored;

  g_assert_cmpint (submit_one (f, f->device, visit_new (UUID, 2, 0), &stored, NULL), ==, COLLECTOR_VISIT_STORED);
  g_assert_cmpint (stored, ==, 2);
  /* the same (uuid, revision) again, even with other content */
  g_assert_cmpint (submit_one (f, f->device, visit_new (UUID, 2, 1), &stored, NULL), ==, COLLECTOR_VISIT_DUPLICATE);
  g_assert_cmpint (stored_revision_of (f, UUID, &answers), ==, 2);
  g_assert_nonnull (strstr (answers, "\"revision_seen\": 2"));
  /* older */
  g_assert_cmpint (submit_one (f, f->device, visit_new (UUID, 1, 0), &stored, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "stale_revision");
  g_assert_cmpint (stored, ==, 2);
  /* newer */
  g_assert_cmpint (submit_one (f, f->device, visit_new (UUID, 5, 0), &stored, NULL), ==, COLLECTOR_VISIT_REPLACED);
  g_assert_cmpint (stored_revision_of (f, UUID, NULL), ==, 5);
  /* another enumerator's uuid, and a household never assigned */
  g_assert_cmpint (submit_one (f, f->other, visit_new (UUID, 9, 0), NULL, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "household_not_assigned");
  g_assert_cmpint (submit_one (f, f->device, visit_new ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e02", 1, 22),
                               NULL, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "household_not_assigned");
  g_assert_cmpint (stored_revision_of (f, UUID, NULL), ==, 5);
}

static void
test_visit_owner (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *ids[] = { "P3KE-0000", NULL };
  const char *problem;
  guint n;

  g_assert_cmpint (submit_one (f, f->device, visit_new (UUID, 1, 0), NULL, NULL), ==, COLLECTOR_VISIT_STORED);
  /* the household moves to Wayan; Siti's visit stays hers */
  g_assert_true (collector_store_assign (f->store, f->wayan, NULL, ids, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (submit_one (f, f->other, visit_new (UUID, 2, 0), NULL, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "visit_owned_by_other");
  /* made before the reassignment, Siti's later revision still counts */
  g_assert_cmpint (submit_one (f, f->device, visit_new (UUID, 2, 0), NULL, NULL), ==, COLLECTOR_VISIT_REPLACED);
}

typedef struct {
  Fixture *f;
  guint    writer;
  guint    counts[COLLECTOR_VISIT_MISSING_MEDIA + 1];
} Writer;

#define N_WRITERS   4
#define N_VISITS    40
#define N_REVISIONS 6

/* Each writer sends every revision of every visit in its own order, one
 * batch per revision sweep. */
static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (w->writer);

  for (guint round = 0; round < N_REVISIONS; round++)
    {
      g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
      g_autoptr(GPtrArray) outcomes = NULL;
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < N_VISITS; i++)
        {
          g_autofree char *uuid = g_strdup_printf ("7a1d8a44-6a4c-4a3b-9d6e-%012u", i);

          g_ptr_array_add (visits, visit_new (uuid, g_rand_int_range (rand, 1, N_REVISIONS + 1), i % 20));
        }
      outcomes = collector_store_submit_visits (w->f->store, w->f->device, visits, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < outcomes->len; i++)
        w->counts[((CollectorVisitOutcome *) outcomes->pdata[i])->status]++;
    }
  return NULL;
}

/* Several writers at once on the same uuids: nothing is stored twice, the
 * highest revision any writer sent is the one kept, and every "stored" or
 * "replaced" answer was a real write (their sum bounds the rows). */
static void
test_visit_writers (Fixture       *f,
                    gconstpointer  data)
{
  Writer writers[N_WRITERS];
  GThread *threads[N_WRITERS];
  g_autoptr(GPtrArray) visits = NULL;
  guint stored = 0, replaced = 0, rejected = 0;

  for (guint i = 0; i < N_WRITERS; i++)
    {
      writers[i] = (Writer) { .f = f, .writer = i + 1 };
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  for (guint i = 0; i < N_WRITERS; i++)
    {
      g_thread_join (threads[i]);
      stored += writers[i].counts[COLLECTOR_VISIT_STORED];
      replaced += writers[i].counts[COLLECTOR_VISIT_REPLACED];
      rejected += writers[i].counts[COLLECTOR_VISIT_REJECTED];
    }
  g_test_message ("stored %u, replaced %u, rejected %u", stored, replaced, rejected);
  /* each uuid is stored once, then only replaced upwards */
  g_assert_cmpuint (stored, ==, N_VISITS);
  g_assert_cmpuint (replaced, <=, N_VISITS * (N_REVISIONS - 1));

  visits = collector_store_list_visits (f->store, NULL);
  g_assert_cmpuint (visits->len, ==, N_VISITS);
  for (guint i = 0; i < N_VISITS; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("7a1d8a44-6a4c-4a3b-9d6e-%012u", i);
      gint64 highest = 0;

      /* replay the writers' draws to know the highest revision sent */
      for (guint w = 0; w < N_WRITERS; w++)
        {
          g_autoptr(GRand) rand = g_rand_new_with_seed (w + 1);

          for (guint round = 0; round < N_REVISIONS; round++)
            for (guint k = 0; k < N_VISITS; k++)
              {
                gint64 revision = g_rand_int_range (rand, 1, N_REVISIONS + 1);

                if (k == i)
                  highest = MAX (highest, revision);
              }
        }
      g_assert_cmpint (stored_revision_of (f, uuid, NULL), ==, highest);
    }
}

/* ---------------------------------------------------------------- reading visits */

#define N_MANY 1234

static void
store_many (Fixture *f)
{
  for (guint batch = 0; batch * 200 < N_MANY; batch++)
    {
      g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
      g_autoptr(GPtrArray) outcomes = NULL;
      g_autoptr(GError) error = NULL;

      for (guint i = batch * 200; i < MIN (N_MANY, (batch + 1) * 200); i++)
        {
          g_autofree char *uuid = g_strdup_printf ("8b1d8a44-6a4c-4a3b-9d6e-%012u", (i * 7919) % 100000);

          g_ptr_array_add (visits, visit_new (uuid, 1, i % 20));
        }
      outcomes = collector_store_submit_visits (f->store, f->device, visits, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < outcomes->len; i++)
        g_assert_cmpint (((CollectorVisitOutcome *) outcomes->pdata[i])->status, ==, COLLECTOR_VISIT_STORED);
    }
}

/* Pages of any size meet every visit once, in (received_at, uuid) order,
 * and a filter is applied inside the store. */
static void
test_visit_pages (Fixture       *f,
                  gconstpointer  data)
{
  static const guint sizes[] = { 1, 7, 500, 5000 };
  CollectorVisitFilter other = { NULL, 0 };
  g_autoptr(GError) error = NULL;

  store_many (f);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(CollectorVisitIter) iter = collector_store_iterate_visits (f->store, NULL, sizes[s]);
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autofree char *last_uuid = NULL;
      gint64 last_received = G_MININT64;
      CollectorVisit *v;

      while ((v = collector_visit_iter_next (iter, &error)) != NULL)
        {
          g_assert_true (g_hash_table_add (seen, g_strdup (v->uuid)));
          g_assert_true (v->received_at > last_received ||
                         (v->received_at == last_received && g_strcmp0 (v->uuid, last_uuid) > 0));
          last_received = v->received_at;
          g_free (last_uuid);
          last_uuid = g_strdup (v->uuid);
        }
      g_assert_no_error (error);
      g_assert_cmpuint (g_hash_table_size (seen), ==, N_MANY);
      /* past the end it stays at the end */
      g_assert_null (collector_visit_iter_next (iter, &error));
      g_assert_no_error (error);
    }

  /* by region: the village's regency, then a regency with none of them */
  {
    CollectorVisitFilter regency = { "5108", 0 };
    CollectorVisitFilter elsewhere = { "5171", 0 };
    g_autoptr(CollectorVisitIter) a = collector_store_iterate_visits (f->store, &regency, 100);
    g_autoptr(CollectorVisitIter) b = collector_store_iterate_visits (f->store, &elsewhere, 100);
    guint n = 0;

    while (collector_visit_iter_next (a, &error) != NULL)
      n++;
    g_assert_cmpuint (n, ==, N_MANY);
    g_assert_null (collector_visit_iter_next (b, &error));
    g_assert_no_error (error);
  }

  /* by enumerator: Wayan sent nothing */
  other.enumerator_id = f->wayan;
  {
    g_autoptr(CollectorVisitIter) iter = collector_store_iterate_visits (f->store, &other, 100);

    g_assert_null (collector_visit_iter_next (iter, &error));
    g_assert_no_error (error);
  }
}

/* The streamed export writes what the in-memory one does, byte for byte,
 * across many pages. */
static void
test_export_stream (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) visits = NULL;
  g_autoptr(GError) error = NULL;
  const CollectorExportFormat formats[] = { COLLECTOR_EXPORT_CSV, COLLECTOR_EXPORT_GEOJSON };

  store_many (f);
  visits = collector_store_list_visits (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (visits->len, ==, N_MANY);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autoptr(GString) whole = formats[i] == COLLECTOR_EXPORT_CSV ? collector_export_csv (visits)
                                                                   : collector_export_geojson (visits);
      guint n = 0;

      g_assert_true (collector_export_write (f->store, NULL, formats[i], out, &n, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_output_stream_close (out, NULL, &error));
      g_assert_cmpuint (n, ==, N_MANY);
      g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                       g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                       whole->str, whole->len);
    }
  /* the GeoJSON is one valid document */
  {
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(JsonParser) parser = json_parser_new ();

    g_assert_true (collector_export_write (f->store, NULL, COLLECTOR_EXPORT_GEOJSON, out, NULL, NULL, &error));
    g_assert_true (g_output_stream_close (out, NULL, &error));
    g_assert_true (json_parser_load_from_data (parser, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                               g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                               &error));
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                                           "features")), ==, N_MANY);
  }
}

/* ---------------------------------------------------------------- pulls */

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

int
main (int   argc,
      char *argv[])
{
  static const struct {
    const char *name;
    StoreOpen   open;
  } stores[] = {
    { "sqlite", open_sqlite },
  };
  static const struct {
    const char *name;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "enroll", test_enroll },
    { "enroll-race", test_enroll_race },
    { "authenticate", test_authenticate },
    { "visit-rule", test_visit_rule },
    { "visit-owner", test_visit_owner },
    { "visit-writers", test_visit_writers },
    { "pull-pages", test_pull_pages },
    { "visit-pages", test_visit_pages },
    { "export-stream", test_export_stream },
  };

  g_test_init (&argc, &argv, NULL);
  for (guint s = 0; s < G_N_ELEMENTS (stores); s++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        g_autofree char *path = g_strdup_printf ("/collector/store-contract/%s/%s", stores[s].name, tests[t].name);

        g_test_add (path, Fixture, (gconstpointer) stores[s].open, fixture_setup, tests[t].func, fixture_teardown);
      }
  return g_test_run ();
}
