/* test-collector-contract-visits.c: what every collector store promises about visits
 *
 * Run against each store implementation (store-contract.c): the (uuid,
 * revision) rule holds with several writers at once, every field and photo
 * comes back as sent, a day is asked on UTC or on the devices' clocks, and
 * pages of any size meet every visit once.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "collector-export.h"
#include "store-contract.h"

/* ---------------------------------------------------------------- the rule */

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

static void
test_visit_rule (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *answers = NULL;
  const char *problem;
  gint64 stored;

  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (UUID, 2, 0), &stored, NULL), ==, COLLECTOR_VISIT_STORED);
  g_assert_cmpint (stored, ==, 2);
  /* the same (uuid, revision) again, even with other content */
  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (UUID, 2, 1), &stored, NULL), ==, COLLECTOR_VISIT_DUPLICATE);
  g_assert_cmpint (stored_revision_of (f, UUID, &answers), ==, 2);
  g_assert_nonnull (strstr (answers, "\"revision_seen\": 2"));
  /* older */
  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (UUID, 1, 0), &stored, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "stale_revision");
  g_assert_cmpint (stored, ==, 2);
  /* newer */
  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (UUID, 5, 0), &stored, NULL), ==, COLLECTOR_VISIT_REPLACED);
  g_assert_cmpint (stored_revision_of (f, UUID, NULL), ==, 5);
  /* another enumerator's uuid, and a household never assigned */
  g_assert_cmpint (contract_submit_one (f, f->other, contract_visit_new (UUID, 9, 0), NULL, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "household_not_assigned");
  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e02", 1, 22),
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

  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (UUID, 1, 0), NULL, NULL), ==, COLLECTOR_VISIT_STORED);
  /* the household moves to Wayan; Siti's visit stays hers */
  g_assert_true (collector_store_assign (f->store, f->wayan, NULL, ids, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (contract_submit_one (f, f->other, contract_visit_new (UUID, 2, 0), NULL, &problem), ==, COLLECTOR_VISIT_REJECTED);
  g_assert_cmpstr (problem, ==, "visit_owned_by_other");
  /* made before the reassignment, Siti's later revision still counts */
  g_assert_cmpint (contract_submit_one (f, f->device, contract_visit_new (UUID, 2, 0), NULL, NULL), ==, COLLECTOR_VISIT_REPLACED);
}

typedef struct {
  CollectorStore  *store;
  CollectorDevice *device;
  guint            writer;
  guint            counts[COLLECTOR_VISIT_MISSING_MEDIA + 1];
} Writer;

#define N_WRITERS   4
#define N_VISITS    40
#define N_REVISIONS 6

static char *
writer_uuid (guint i)
{
  return g_strdup_printf ("7a1d8a44-6a4c-4a3b-9d6e-%012u", i);
}

/* Each writer sends a random revision of every visit in its own order,
 * one batch per sweep: the draws are replayed to know what was sent. */
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
      guint start = g_rand_int_range (rand, 0, N_VISITS);

      for (guint k = 0; k < N_VISITS; k++)
        {
          guint i = (start + k) % N_VISITS;
          g_autofree char *uuid = writer_uuid (i);

          g_ptr_array_add (visits, contract_visit_new (uuid, g_rand_int_range (rand, 1, N_REVISIONS + 1), i % 20));
        }
      outcomes = collector_store_submit_visits (w->store, w->device, visits, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < outcomes->len; i++)
        w->counts[((CollectorVisitOutcome *) outcomes->pdata[i])->status]++;
    }
  return NULL;
}

/* The highest revision of visit @i that any writer sent. */
static gint64
highest_sent (guint i)
{
  gint64 highest = 0;

  for (guint w = 0; w < N_WRITERS; w++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (w + 1);

      for (guint round = 0; round < N_REVISIONS; round++)
        {
          guint start = g_rand_int_range (rand, 0, N_VISITS);

          for (guint k = 0; k < N_VISITS; k++)
            {
              gint64 revision = g_rand_int_range (rand, 1, N_REVISIONS + 1);

              if ((start + k) % N_VISITS == i)
                highest = MAX (highest, revision);
            }
        }
    }
  return highest;
}

/* Several writers at once on the same uuids, each a device of Siti's, half
 * of them through a second store on the same data (another collector
 * process): nothing is stored twice, the highest revision any writer sent
 * is the one kept, and every "stored" or "replaced" answer was a real
 * write (their sum bounds the rows). */
static void
test_visit_writers (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(CollectorStore) twin = contract_open_twin (f);
  Writer writers[N_WRITERS];
  GThread *threads[N_WRITERS];
  g_autoptr(GPtrArray) visits = NULL;
  guint stored = 0, replaced = 0, rejected = 0;

  for (guint i = 0; i < N_WRITERS; i++)
    {
      g_autofree char *code = g_strdup_printf ("code-writer-%u", i);
      g_autofree char *token = g_strdup_printf ("token-writer-%u", i);

      writers[i] = (Writer) { .store = i % 2 ? twin : f->store, .device = contract_enrol (f, f->siti, code, token),
                              .writer = i + 1 };
    }
  for (guint i = 0; i < N_WRITERS; i++)
    threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
  for (guint i = 0; i < N_WRITERS; i++)
    {
      g_thread_join (threads[i]);
      stored += writers[i].counts[COLLECTOR_VISIT_STORED];
      replaced += writers[i].counts[COLLECTOR_VISIT_REPLACED];
      rejected += writers[i].counts[COLLECTOR_VISIT_REJECTED];
      collector_device_free (writers[i].device);
    }
  collector_store_close (twin);
  g_test_message ("stored %u, replaced %u, rejected %u", stored, replaced, rejected);
  /* each uuid is stored once, then only replaced upwards */
  g_assert_cmpuint (stored, ==, N_VISITS);
  g_assert_cmpuint (replaced, <=, N_VISITS * (N_REVISIONS - 1));

  visits = collector_store_list_visits (f->store, NULL);
  g_assert_cmpuint (visits->len, ==, N_VISITS);
  for (guint i = 0; i < N_VISITS; i++)
    {
      g_autofree char *uuid = writer_uuid (i);

      g_assert_cmpint (stored_revision_of (f, uuid, NULL), ==, highest_sent (i));
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

          g_ptr_array_add (visits, contract_visit_new (uuid, 1, i % 20));
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

static CollectorMediaRef *
media_ref_new (const char *seed,
               const char *role,
               gint64      size,
               const char *taken)
{
  CollectorMediaRef *m = g_new0 (CollectorMediaRef, 1);

  m->sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, seed, -1);
  m->role = g_strdup (role);
  m->size = size;
  m->taken = g_strdup (taken);
  return m;
}

static CollectorVisit *
read_back (Fixture    *f,
           const char *uuid)
{
  g_autoptr(GPtrArray) visits = collector_store_list_visits (f->store, NULL);

  for (guint i = 0; i < visits->len; i++)
    if (g_str_equal (((CollectorVisit *) visits->pdata[i])->uuid, uuid))
      return g_ptr_array_steal_index (visits, i);
  g_assert_not_reached ();
}

static void
assert_same_instant (GDateTime *a,
                     GDateTime *b)
{
  g_assert_true (g_date_time_equal (a, b));
  g_assert_cmpint (g_date_time_get_utc_offset (a), ==, g_date_time_get_utc_offset (b));
}

/* Every field comes back as sent, with what the store adds; a new
 * revision replaces the location and the photos along with the rest. */
static void
test_visit_fields (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GTimeZone) wit = g_time_zone_new_offset (9 * 3600);
  g_autoptr(GTimeZone) nepal = g_time_zone_new_offset (5 * 3600 + 45 * 60);
  g_autoptr(CollectorVisit) back = NULL;
  g_autoptr(CollectorVisit) replaced = NULL;
  CollectorVisit *v = contract_visit_new (UUID, 3, 4);
  CollectorMediaRef *m;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_date_time_unref (v->started_at);
  g_date_time_unref (v->finished_at);
  v->started_at = g_date_time_new (wit, 2026, 11, 20, 23, 50, 0.5);
  v->finished_at = g_date_time_new (nepal, 2026, 11, 20, 20, 31, 7.123456);
  v->form_version = 4;
  v->result_code = 7;
  v->has_location = TRUE;
  v->lat = -8.112345678901234;
  v->lon = 115.09123456789012;
  v->accuracy = 12.5;
  v->has_altitude = TRUE;
  v->altitude = -3.25;
  v->fix_time = g_strdup ("2026-11-20T23:55:00+09:00");
  v->fix_source = g_strdup ("gps");
  g_ptr_array_add (v->media, media_ref_new ("front", "house_front", 123456, "2026-11-20T23:51:00+09:00"));
  g_ptr_array_add (v->media, media_ref_new ("inside", "house_inside", 9876543210, NULL));
  {
    g_autoptr(GDateTime) started = g_date_time_ref (v->started_at);
    g_autoptr(GDateTime) finished = g_date_time_ref (v->finished_at);

    g_assert_cmpint (contract_submit_one (f, f->device, v, NULL, NULL), ==, COLLECTOR_VISIT_STORED);
    back = read_back (f, UUID);
    assert_same_instant (back->started_at, started);
    assert_same_instant (back->finished_at, finished);
  }
  g_assert_cmpint (back->revision, ==, 3);
  g_assert_cmpstr (back->household_id, ==, "P3KE-0004");
  g_assert_cmpstr (back->form_id, ==, "verification");
  g_assert_cmpint (back->form_version, ==, 4);
  g_assert_cmpint (back->result_code, ==, 7);
  g_assert_cmpstr (back->answers_json, ==, "{\"result\": 1, \"revision_seen\": 3}");
  g_assert_true (back->has_location);
  g_assert_cmpfloat (back->lat, ==, -8.112345678901234);
  g_assert_cmpfloat (back->lon, ==, 115.09123456789012);
  g_assert_cmpfloat (back->accuracy, ==, 12.5);
  g_assert_true (back->has_altitude);
  g_assert_cmpfloat (back->altitude, ==, -3.25);
  g_assert_cmpstr (back->fix_time, ==, "2026-11-20T23:55:00+09:00");
  g_assert_cmpstr (back->fix_source, ==, "gps");
  g_assert_cmpuint (back->media->len, ==, 2);
  m = back->media->pdata[0];
  g_assert_cmpstr (m->role, ==, "house_front");
  g_assert_cmpint (m->size, ==, 123456);
  g_assert_cmpstr (m->taken, ==, "2026-11-20T23:51:00+09:00");
  m = back->media->pdata[1];
  g_assert_cmpstr (m->role, ==, "house_inside");
  g_assert_cmpint (m->size, ==, 9876543210);
  g_assert_null (m->taken);
  g_assert_cmpuint (strlen (m->sha256), ==, 64);
  g_assert_cmpint (back->enumerator_id, ==, f->siti);
  g_assert_cmpstr (back->enumerator_name, ==, "Siti Aminah");
  g_assert_cmpint (back->device_id, ==, f->device->id);
  g_assert_cmpstr (back->village_code, ==, VILLAGE);
  g_assert_cmpint (back->received_at, >=, now);
  g_assert_cmpint (back->received_at, <, now + 60);

  /* revision 4: no location, one other photo, a start before 1970 */
  v = contract_visit_new (UUID, 4, 4);
  g_date_time_unref (v->started_at);
  v->started_at = g_date_time_new_utc (1969, 12, 31, 23, 59, 59.75);
  g_ptr_array_add (v->media, media_ref_new ("yard", "yard", 1, NULL));
  g_assert_cmpint (contract_submit_one (f, f->device, v, NULL, NULL), ==, COLLECTOR_VISIT_REPLACED);
  replaced = read_back (f, UUID);
  g_assert_cmpint (replaced->revision, ==, 4);
  g_assert_false (replaced->has_location);
  g_assert_true (isnan (replaced->accuracy));
  g_assert_false (replaced->has_altitude);
  g_assert_null (replaced->fix_time);
  g_assert_null (replaced->fix_source);
  g_assert_cmpuint (replaced->media->len, ==, 1);
  g_assert_cmpstr (((CollectorMediaRef *) replaced->media->pdata[0])->role, ==, "yard");
  g_assert_cmpint (collector_time_to_utc_usec (replaced->started_at), ==, -250000);
  g_assert_cmpint (g_date_time_get_utc_offset (replaced->started_at), ==, 0);
}

static gint64
usec_of (const char *iso)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (t);
  return collector_time_to_utc_usec (t);
}

/* The last letters of the uuids a query returns, in its order. */
static char *
finished_between (Fixture        *f,
                  CollectorClock  clock,
                  gint64          from,
                  gint64          until)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = collector_store_list_visits_finished (f->store, clock, from, until, &error);
  g_autoptr(GString) names = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < visits->len; i++)
    {
      CollectorVisit *v = visits->pdata[i];

      g_string_append_c (names, v->uuid[strlen (v->uuid) - 1]);
      g_assert_cmpuint (v->media->len, ==, 1);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* A day is asked on UTC or on each device's own clock, and a deadline is
 * a range from the beginning of time. */
static void
test_visits_finished (Fixture       *f,
                      gconstpointer  data)
{
  static const struct {
    char letter;
    const char *finished;
  } visits[] = {
    /* WITA and WIT, finishing at the same instant */
    { 'a', "2026-11-20T10:27:30+08:00" },
    { 'b', "2026-11-20T11:27:30+09:00" },
    /* late on the 20th in WIB: the 20th in UTC too */
    { 'c', "2026-11-20T23:30:00+07:00" },
    /* the 21st in WIT, the 20th in UTC, with a fraction of a second */
    { 'd', "2026-11-21T01:30:00.25+09:00" },
    /* a device on UTC, just before midnight */
    { 'e', "2026-11-19T23:59:59.999999Z" },
    /* just after midnight in WITA: the 19th in UTC */
    { 'f', "2026-11-20T00:30:00+08:00" },
    /* exactly midnight UTC: the 20th */
    { 'g', "2026-11-20T00:00:00Z" },
  };
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
  g_autoptr(GPtrArray) outcomes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 day_19 = usec_of ("2026-11-19T00:00:00Z");
  gint64 day_20 = usec_of ("2026-11-20T00:00:00Z");
  gint64 day_21 = usec_of ("2026-11-21T00:00:00Z");
  gint64 day_22 = usec_of ("2026-11-22T00:00:00Z");
  g_autofree char *utc_20 = NULL, *local_20 = NULL, *local_21 = NULL, *before_20 = NULL, *ever = NULL;
  g_autofree char *none = NULL, *local_19 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (visits); i++)
    {
      g_autofree char *uuid = g_strdup_printf ("0b7e2c10-5a1d-4f7e-9c3b-00000000000%c", visits[i].letter);
      CollectorVisit *v = contract_visit_new (uuid, 1, i);

      g_date_time_unref (v->finished_at);
      v->finished_at = g_date_time_new_from_iso8601 (visits[i].finished, NULL);
      g_ptr_array_add (v->media, media_ref_new (uuid, "house_front", 100, NULL));
      g_ptr_array_add (batch, v);
    }
  outcomes = collector_store_submit_visits (f->store, f->device, batch, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < outcomes->len; i++)
    g_assert_cmpint (((CollectorVisitOutcome *) outcomes->pdata[i])->status, ==, COLLECTOR_VISIT_STORED);

  /* in the order they finished, the same instant by uuid */
  utc_20 = finished_between (f, COLLECTOR_CLOCK_UTC, day_20, day_21);
  g_assert_cmpstr (utc_20, ==, "gabcd");
  local_19 = finished_between (f, COLLECTOR_CLOCK_DEVICE, day_19, day_20);
  g_assert_cmpstr (local_19, ==, "e");
  local_20 = finished_between (f, COLLECTOR_CLOCK_DEVICE, day_20, day_21);
  g_assert_cmpstr (local_20, ==, "gfabc");
  local_21 = finished_between (f, COLLECTOR_CLOCK_DEVICE, day_21, day_22);
  g_assert_cmpstr (local_21, ==, "d");
  before_20 = finished_between (f, COLLECTOR_CLOCK_UTC, G_MININT64, day_20);
  g_assert_cmpstr (before_20, ==, "fe");
  ever = finished_between (f, COLLECTOR_CLOCK_DEVICE, G_MININT64, G_MAXINT64);
  g_assert_cmpstr (ever, ==, "egfabcd");
  none = finished_between (f, COLLECTOR_CLOCK_UTC, day_21, day_21);
  g_assert_cmpstr (none, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  static const ContractTest tests[] = {
    { "visit-rule", test_visit_rule },
    { "visit-owner", test_visit_owner },
    { "visit-writers", test_visit_writers },
    { "visit-fields", test_visit_fields },
    { "visits-finished", test_visits_finished },
    { "visit-pages", test_visit_pages },
    { "export-stream", test_export_stream },
  };

  return contract_run (argc, argv, tests, G_N_ELEMENTS (tests));
}
