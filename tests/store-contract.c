/* store-contract.c: what the store contract tests share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "collector-pg-store.h"
#include "collector-sqlite-store.h"
#include "store-contract.h"
#include "test-collector-util.h"
#include "test-pg.h"

typedef CollectorStore *(*StoreOpen) (Fixture *f);

static CollectorStore *
open_sqlite (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "collector.db", NULL);
  g_autoptr(GError) error = NULL;
  CollectorStore *store = collector_sqlite_store_new (path, &error);

  g_assert_no_error (error);
  return store;
}

static CollectorStore *
open_pg_twin (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  CollectorStore *store = collector_pg_store_new (f->database, &error);

  g_assert_no_error (error);
  return store;
}

/* Each test on a new database of the program's own cluster (test-pg.c). */
static CollectorStore *
open_pg (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  CollectorStore *store;

  f->database = verval_test_pg_new_database ();
  store = collector_pg_store_new (f->database, &error);
  g_assert_no_error (error);
  return store;
}

struct _StoreKind {
  const char *name;
  StoreOpen   open;
  StoreOpen   open_twin;   /* on what open made */
};

static const StoreKind stores[] = {
  { "sqlite", open_sqlite, open_sqlite },
  { "postgresql", open_pg, open_pg_twin },
};

CollectorStore *
contract_open_twin (Fixture *f)
{
  return f->kind->open_twin (f);
}

char *
contract_household_id (guint i)
{
  return g_strdup_printf ("P3KE-%04u", i);
}

CollectorDevice *
contract_enrol (Fixture    *f,
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
  const StoreKind *kind = data;
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint n_new, n_updated, n_assigned;

  f->kind = kind;
  f->dir = g_dir_make_tmp ("verval-contract-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = kind->open (f);
  for (guint i = 0; i < N_HOUSEHOLDS; i++)
    {
      CollectorHousehold *h = g_new0 (CollectorHousehold, 1);

      h->id = contract_household_id (i);
      h->source = g_strdup ("p3ke");
      h->village_code = g_strdup (VILLAGE);
      h->head_name = g_strdup_printf ("Kepala %u", i);
      h->data_json = g_strdup ("{}");
      g_ptr_array_add (households, h);
      if (i < N_HOUSEHOLDS - 5)
        g_ptr_array_add (ids, contract_household_id (i));
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
  f->device = contract_enrol (f, f->siti, "code-siti", "token-siti");
  f->other = contract_enrol (f, f->wayan, "code-wayan", "token-wayan");
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
  if (f->database != NULL)
    verval_test_pg_drop_database (f->database);
  g_free (f->database);
}

CollectorVisit *
contract_visit_new (const char *uuid,
                    gint64      revision,
                    guint       household)
{
  CollectorVisit *v = collector_visit_new ();
  g_autoptr(GTimeZone) wita = g_time_zone_new_offset (8 * 3600);

  v->uuid = g_strdup (uuid);
  v->revision = revision;
  v->household_id = contract_household_id (household);
  v->form_id = g_strdup ("verification");
  v->form_version = 1;
  v->answers_json = g_strdup_printf ("{\"result\": 1, \"revision_seen\": %" G_GINT64_FORMAT "}", revision);
  v->result_code = 1;
  v->started_at = g_date_time_new (wita, 2026, 11, 20, 9, 0, 0);
  v->finished_at = g_date_time_new (wita, 2026, 11, 20, 9, 20, (gdouble) revision);
  v->accuracy = NAN;
  return v;
}

CollectorVisitStatus
contract_submit_one (Fixture         *f,
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
int
contract_run (int                 argc,
              char               *argv[],
              const ContractTest *tests,
              guint               n_tests)
{
  g_test_init (&argc, &argv, NULL);
  for (guint s = 0; s < G_N_ELEMENTS (stores); s++)
    for (guint t = 0; t < n_tests; t++)
      {
        g_autofree char *path = g_strdup_printf ("/collector/store-contract/%s/%s", stores[s].name, tests[t].name);

        g_test_add (path, Fixture, &stores[s], fixture_setup, tests[t].func, fixture_teardown);
      }
  return g_test_run ();
}
