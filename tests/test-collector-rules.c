/* test-collector-rules.c: the collector's decisions, without a store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

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

/* A throttle's wait, on a made-up clock: two failures in 60 s. */
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

/* Names are compared in one form: NFC, without surrounding spaces. */
static void
test_user_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *composed = collector_rules_user_name ("  Korcam R\xc3\xa9 ", &error);
  g_autofree char *decomposed = collector_rules_user_name ("Korcam Re\xcc\x81", &error);
  g_autofree char *longest = g_strnfill (128, 'x');
  g_autofree char *too_long = g_strnfill (129, 'x');
  g_autofree char *kept = NULL;
  const char *refused[] = { "", "   ", "Tab\there", "New\nline", "\xff\xfe", too_long };

  g_assert_no_error (error);
  g_assert_cmpstr (composed, ==, "Korcam R\xc3\xa9");
  g_assert_cmpstr (decomposed, ==, composed);
  kept = collector_rules_user_name (longest, &error);
  g_assert_cmpstr (kept, ==, longest);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_null (collector_rules_user_name (refused[i], &error));
      g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_null (collector_rules_user_name (NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
}

/* A region must be one of the official list; it is kept as its digits. */
static void
test_user_region (void)
{
  static const struct {
    const char *code;
    const char *digits;    /* NULL: refused */
    const char *reason;
  } cases[] = {
    { "51", "51", NULL },
    { "51.08", "5108", NULL },
    { " 510805 ", "510805", NULL },
    { "51.08.05.2001", "5108052001", NULL },
    { "99", NULL, "no region 99 in the official list" },
    { "5108059999", NULL, "no region 5108059999 in the official list" },
    { "510", NULL, "not a region code" },
    { "51-08", NULL, "not a region code" },
    { "", NULL, "not a region code" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *digits = collector_rules_user_region (cases[i].code, &error);

      g_test_message ("region “%s”", cases[i].code);
      g_assert_cmpstr (digits, ==, cases[i].digits);
      if (cases[i].digits != NULL)
        g_assert_no_error (error);
      else
        {
          g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
          g_assert_nonnull (strstr (error->message, cases[i].reason));
        }
    }
}

static void
test_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *longest = g_strnfill (COLLECTOR_PASSWORD_MAX_LENGTH, 'k');
  g_autofree char *too_long = g_strnfill (COLLECTOR_PASSWORD_MAX_LENGTH + 1, 'k');
  const char *refused[] = { "", "pendek", "123456789", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6", too_long };

  g_assert_true (collector_rules_check_password ("1234567890", &error));
  /* characters, not bytes: ten accented letters are twenty bytes */
  g_assert_true (collector_rules_check_password ("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &error));
  g_assert_true (collector_rules_check_password (longest, &error));
  g_assert_no_error (error);
  g_assert_false (collector_rules_check_password ("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_false (collector_rules_check_password (refused[i], &error));
      g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
}

/* Every refusal of a sign-in is the same refusal. */
static void
test_sign_in (void)
{
  CollectorUser user = { 7, "Korcam", COLLECTOR_ROLE_SUPERVISOR, "510805", "hash-a", FALSE, 1000, 1000 };
  CollectorUser disabled = user;
  g_autoptr(GError) error = NULL;

  disabled.disabled = TRUE;
  g_assert_true (collector_rules_check_sign_in (&user, "hash-a", &error));
  g_assert_no_error (error);
  g_assert_false (collector_rules_check_sign_in (&user, "hash-b", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);
  g_assert_false (collector_rules_check_sign_in (&disabled, "hash-a", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);
  g_assert_false (collector_rules_check_sign_in (NULL, "hash-a", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS);
}

/* Twelve hours idle ends a session; its last use is written once a minute. */
static void
test_session (void)
{
  CollectorUser user = { 7, "Korcam", COLLECTOR_ROLE_SUPERVISOR, "510805", NULL, FALSE, 1000, 1000 };
  CollectorUser disabled = user;
  CollectorSession session = { &user, "csrf", 1000, 1000 };
  CollectorSession of_disabled = { &disabled, "csrf", 1000, 1000 };
  static const struct {
    gint64   now;
    int      code;       /* -1: usable */
    gboolean refresh;
  } cases[] = {
    { 1000, -1, FALSE },
    { 1059, -1, FALSE },
    { 1060, -1, TRUE },
    { 1000 + COLLECTOR_SESSION_IDLE - 1, -1, TRUE },
    { 1000 + COLLECTOR_SESSION_IDLE, COLLECTOR_ERROR_SESSION_EXPIRED, FALSE },
    /* another collector's clock behind this one's */
    { 900, -1, FALSE },
  };

  disabled.disabled = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean refresh = !cases[i].refresh;
      gboolean ok = collector_rules_check_session (&session, cases[i].now, &refresh, &error);

      g_test_message ("at %" G_GINT64_FORMAT, cases[i].now);
      g_assert_cmpint (refresh, ==, cases[i].refresh);
      if (cases[i].code < 0)
        {
          g_assert_true (ok);
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, COLLECTOR_ERROR, cases[i].code);
        }
    }
  {
    g_autoptr(GError) error = NULL;
    gboolean refresh;

    g_assert_false (collector_rules_check_session (NULL, 1000, &refresh, &error));
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_SESSION);
    g_clear_error (&error);
    g_assert_false (collector_rules_check_session (&of_disabled, 1000, &refresh, &error));
    g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_SESSION);
  }
}

static GPtrArray *
history (const gint64 *at,
         const gint64 *queue,
         const char  **codes,
         guint         n)
{
  GPtrArray *reports = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_status_report_free);

  for (guint i = 0; i < n; i++)
    {
      CollectorStatusReport *r = g_new0 (CollectorStatusReport, 1);

      r->at = at[i];
      r->queue_depth = queue[i];
      r->error_code = g_strdup (codes != NULL ? codes[i] : NULL);
      r->status_json = g_strdup ("{}");
      g_ptr_array_add (reports, r);
    }
  return reports;
}

/* A queue that grows sync after sync over a day, and one that only wobbles. */
static void
test_queue_growing (void)
{
  const gint64 hour = 3600;
  const gint64 at[] = { 0, 10 * hour, 20 * hour, 30 * hour };
  const gint64 growing[] = { 1, 4, 9, 15 };
  const gint64 wobbling[] = { 4, 9, 3, 15 };
  const gint64 unknown[] = { 4, 9, -1, 15 };
  CollectorAlertSettings settings;
  g_autoptr(GPtrArray) a = history (at, growing, NULL, 4);
  g_autoptr(GPtrArray) b = history (at, wobbling, NULL, 4);
  g_autoptr(GPtrArray) c = history (at, unknown, NULL, 4);
  g_autoptr(GPtrArray) quick = history (at, growing, NULL, 2);

  collector_alert_settings_init_default (&settings);
  g_assert_true (collector_rules_queue_growing (a, &settings));
  /* 3 then 15 is two reports: not yet a trend */
  g_assert_false (collector_rules_queue_growing (b, &settings));
  /* a report without a queue does not break the run */
  g_assert_true (collector_rules_queue_growing (c, &settings));
  g_assert_false (collector_rules_queue_growing (quick, &settings));
  settings.queue_span = 40 * hour;
  g_assert_false (collector_rules_queue_growing (a, &settings));
}

static void
test_error_repeating (void)
{
  const gint64 at[] = { 0, 1, 2, 3 };
  const gint64 queue[] = { 0, 0, 0, 0 };
  const char *same[] = { NULL, "server", "server", "server" };
  const char *mixed[] = { "server", "server", "dropped", "server" };
  const char *cleared[] = { "server", "server", "server", NULL };
  CollectorAlertSettings settings;
  g_autoptr(GPtrArray) a = history (at, queue, same, 4);
  g_autoptr(GPtrArray) b = history (at, queue, mixed, 4);
  g_autoptr(GPtrArray) c = history (at, queue, cleared, 4);

  collector_alert_settings_init_default (&settings);
  g_assert_cmpstr (collector_rules_error_repeating (a, &settings), ==, "server");
  g_assert_null (collector_rules_error_repeating (b, &settings));
  g_assert_null (collector_rules_error_repeating (c, &settings));
  settings.error_repeats = 4;
  g_assert_null (collector_rules_error_repeating (a, &settings));
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
  g_test_add_func ("/collector/rules/queue-growing", test_queue_growing);
  g_test_add_func ("/collector/rules/error-repeating", test_error_repeating);
  g_test_add_func ("/collector/rules/user-name", test_user_name);
  g_test_add_func ("/collector/rules/user-region", test_user_region);
  g_test_add_func ("/collector/rules/password", test_password);
  g_test_add_func ("/collector/rules/sign-in", test_sign_in);
  g_test_add_func ("/collector/rules/session", test_session);
  return g_test_run ();
}
