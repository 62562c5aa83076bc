/* test-collector-rules.c: the collector's decisions, without a store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "collector-error.h"
#include "collector-rules.h"
#include "verval-wire-visit.h"

static void
test_enroll_code (void)
{
  static const struct {
    gboolean                 known;
    CollectorEnrollCodeFacts facts;
    int                      code;   /* -1: accepted */
  } cases[] = {
    { FALSE, { 0 }, COLLECTOR_ERROR_INVALID_CODE },
    { TRUE, { 7, 1001, FALSE, FALSE }, -1 },
    { TRUE, { 7, 1000, FALSE, FALSE }, COLLECTOR_ERROR_CODE_EXPIRED },   /* expiry is exclusive */
    { TRUE, { 7, 1001, TRUE, FALSE }, COLLECTOR_ERROR_CODE_USED },
    { TRUE, { 7, 900, TRUE, TRUE }, COLLECTOR_ERROR_CODE_USED },         /* used says more than expired */
    { TRUE, { 7, 1001, FALSE, TRUE }, COLLECTOR_ERROR_ENUMERATOR_DISABLED },
    { TRUE, { 7, 900, FALSE, TRUE }, COLLECTOR_ERROR_CODE_EXPIRED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = collector_rules_check_enroll_code (cases[i].known ? &cases[i].facts : NULL, 1000, &error);

      g_test_message ("case %u", i);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, COLLECTOR_ERROR, cases[i].code);
        }
    }
}

static void
test_device (void)
{
  CollectorDevice device = { .id = 3, .enumerator_id = 7 };
  g_autoptr(GError) error = NULL;

  g_assert_true (collector_rules_check_device (&device, &error));
  g_assert_no_error (error);
  g_assert_false (collector_rules_check_device (NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_TOKEN);
  g_clear_error (&error);
  device.enumerator_disabled = TRUE;
  g_assert_false (collector_rules_check_device (&device, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_ENUMERATOR_DISABLED);
  g_clear_error (&error);
  /* revoked says more than disabled: the device itself is gone */
  device.revoked_at = 1000;
  g_assert_false (collector_rules_check_device (&device, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_TOKEN_REVOKED);
}

static void
test_visit (void)
{
  static const struct {
    CollectorVisitFacts  facts;
    gint64               revision;
    CollectorVisitStatus status;
    CollectorVisitWrite  write;
    const char          *problem;
    gint64               stored_revision;
  } cases[] = {
    { { TRUE, FALSE, 0, 0 }, 1, COLLECTOR_VISIT_STORED, COLLECTOR_VISIT_WRITE_INSERT, NULL, 1 },
    { { TRUE, TRUE, 7, 2 }, 2, COLLECTOR_VISIT_DUPLICATE, COLLECTOR_VISIT_WRITE_NONE, NULL, 2 },
    { { TRUE, TRUE, 7, 2 }, 3, COLLECTOR_VISIT_REPLACED, COLLECTOR_VISIT_WRITE_REPLACE, NULL, 3 },
    { { TRUE, TRUE, 7, 2 }, 1, COLLECTOR_VISIT_REJECTED, COLLECTOR_VISIT_WRITE_NONE, "stale_revision", 2 },
    { { TRUE, TRUE, 8, 2 }, 3, COLLECTOR_VISIT_REJECTED, COLLECTOR_VISIT_WRITE_NONE, "visit_owned_by_other", 0 },
    { { TRUE, TRUE, 8, 2 }, 2, COLLECTOR_VISIT_REJECTED, COLLECTOR_VISIT_WRITE_NONE, "visit_owned_by_other", 0 },
    { { FALSE, FALSE, 0, 0 }, 1, COLLECTOR_VISIT_REJECTED, COLLECTOR_VISIT_WRITE_NONE, "household_not_assigned", 0 },
    { { FALSE, TRUE, 7, 1 }, 2, COLLECTOR_VISIT_REJECTED, COLLECTOR_VISIT_WRITE_NONE, "household_not_assigned", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CollectorVisit *visit = collector_visit_new ();
      CollectorVisitWrite write = -1;
      CollectorVisitOutcome *outcome;

      visit->uuid = g_strdup ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e01");
      visit->household_id = g_strdup ("P3KE-0001");
      visit->revision = cases[i].revision;
      outcome = collector_rules_decide_visit (&cases[i].facts, 7, visit, &write);
      g_test_message ("case %u", i);
      g_assert_cmpint (outcome->status, ==, cases[i].status);
      g_assert_cmpint (write, ==, cases[i].write);
      g_assert_cmpint (outcome->stored_revision, ==, cases[i].stored_revision);
      if (cases[i].problem != NULL)
        {
          g_assert_cmpuint (outcome->problems->len, ==, 1);
          g_assert_cmpstr (((VervalWireProblem *) outcome->problems->pdata[0])->code, ==, cases[i].problem);
        }
      else
        g_assert_cmpuint (outcome->problems->len, ==, 0);
      collector_visit_outcome_free (outcome);
      collector_visit_free (visit);
    }
}

/* The enrollment throttle's wait, on a made-up clock: two failures in 60 s. */
static void
test_throttle_wait (void)
{
  const gint64 one[] = { 1000 };
  const gint64 two[] = { 1030, 1000 };
  const gint64 three[] = { 1061, 1030, 1000 };

  g_assert_cmpuint (collector_rules_throttle_wait (NULL, 0, 2, 60, 1000), ==, 0);
  g_assert_cmpuint (collector_rules_throttle_wait (one, 1, 2, 60, 1010), ==, 0);
  /* two failures: wait until the first leaves the window */
  g_assert_cmpuint (collector_rules_throttle_wait (two, 2, 2, 60, 1030), ==, 30);
  g_assert_cmpuint (collector_rules_throttle_wait (two, 2, 2, 60, 1059), ==, 1);
  g_assert_cmpuint (collector_rules_throttle_wait (two, 2, 2, 60, 1060), ==, 0);
  /* a failure now counts with the one at 1030 */
  g_assert_cmpuint (collector_rules_throttle_wait (three, 3, 2, 60, 1061), ==, 29);
  g_assert_cmpuint (collector_rules_throttle_wait (three, 3, 2, 60, 1200), ==, 0);
  /* a higher limit is not reached by the same failures */
  g_assert_cmpuint (collector_rules_throttle_wait (three, 3, 4, 60, 1061), ==, 0);
}

static void
test_cursor (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (collector_rules_check_cursor (0, 0, &error));
  g_assert_true (collector_rules_check_cursor (41, 42, &error));
  g_assert_true (collector_rules_check_cursor (42, 42, &error));
  g_assert_no_error (error);
  /* one past the highest given: the store was restored from an older backup */
  g_assert_false (collector_rules_check_cursor (43, 42, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CURSOR);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/collector/rules/enroll-code", test_enroll_code);
  g_test_add_func ("/collector/rules/device", test_device);
  g_test_add_func ("/collector/rules/visit", test_visit);
  g_test_add_func ("/collector/rules/throttle-wait", test_throttle_wait);
  g_test_add_func ("/collector/rules/cursor", test_cursor);
  return g_test_run ();
}
