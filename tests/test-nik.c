/* test-nik.c: NIK and KK vectors
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "verval-nik.h"

static GDateTime *
fixed_today (void)
{
  return g_date_time_new_utc (2026, 11, 22, 12, 0, 0);
}

static void
test_nik_male (void)
{
  g_autoptr(GDateTime) today = fixed_today ();
  g_autoptr(GError) error = NULL;
  VervalNikInfo info;

  g_assert_true (verval_nik_parse ("3602041211870001", today, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info.digits, ==, "3602041211870001");
  g_assert_cmpstr (info.region, ==, "360204");
  g_assert_cmpint (info.sex, ==, VERVAL_SEX_MALE);
  g_assert_cmpuint (info.birth_day, ==, 12);
  g_assert_cmpuint (info.birth_month, ==, 11);
  g_assert_cmpuint (info.birth_year, ==, 1987);
}

static void
test_nik_female (void)
{
  g_autoptr(GDateTime) today = fixed_today ();
  g_autoptr(GError) error = NULL;
  VervalNikInfo info;

  g_assert_true (verval_nik_parse ("3273056010900009", today, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.sex, ==, VERVAL_SEX_FEMALE);
  g_assert_cmpuint (info.birth_day, ==, 20);
  g_assert_cmpuint (info.birth_month, ==, 10);
  g_assert_cmpuint (info.birth_year, ==, 1990);

  /* 71 = the 31st for a woman */
  g_assert_true (verval_nik_parse ("5108067101050003", today, &info, &error));
  g_assert_cmpuint (info.birth_day, ==, 31);
  g_assert_cmpuint (info.birth_year, ==, 2005);
}

static void
test_nik_century (void)
{
  g_autoptr(GDateTime) today = fixed_today ();
  VervalNikInfo info;

  /* born 1 Nov 2026: this year, already past */
  g_assert_true (verval_nik_parse ("5108060111260001", today, &info, NULL));
  g_assert_cmpuint (info.birth_year, ==, 2026);
  /* 1 Dec '26 would be in the future, so it is 1926 */
  g_assert_true (verval_nik_parse ("5108060112260001", today, &info, NULL));
  g_assert_cmpuint (info.birth_year, ==, 1926);
  /* '27 is 1927 */
  g_assert_true (verval_nik_parse ("5108060112270001", today, &info, NULL));
  g_assert_cmpuint (info.birth_year, ==, 1927);
}

static void
test_nik_bad_dates (void)
{
  g_autoptr(GDateTime) today = fixed_today ();
  const char *bad[] = {
    "3602043211870001", /* day 32 */
    "3602040011870001", /* day 0 */
    "3602047211870001", /* day 72 = 32 for a woman */
    "3602044011870001", /* day 40 = 0 for a woman */
    "3602041213870001", /* month 13 */
    "3602041200870001", /* month 0 */
    "3602043102870001", /* 31 February */
    "3602042902010001", /* 29 February 2001, not a leap year */
    "3602043104900001", /* 31 April */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (verval_nik_parse (bad[i], today, NULL, &error));
      g_assert_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_DATE);
    }

  /* 29 February 2000 and 2004 exist, for a woman too */
  g_assert_true (verval_nik_parse ("3602042902000001", today, NULL, NULL));
  g_assert_true (verval_nik_parse ("3602046902040001", today, NULL, NULL));
}

static void
test_nik_bad_format (void)
{
  g_autoptr(GDateTime) today = fixed_today ();
  struct { const char *text; int code; } cases[] = {
    { "", VERVAL_ID_ERROR_EMPTY },
    { "   ", VERVAL_ID_ERROR_EMPTY },
    { "3.27E+15", VERVAL_ID_ERROR_SCIENTIFIC },
    { "3,27E+15", VERVAL_ID_ERROR_SCIENTIFIC },
    { "3.60204E15", VERVAL_ID_ERROR_SCIENTIFIC },
    { "360204121187000", VERVAL_ID_ERROR_LENGTH },
    { "36020412118700011", VERVAL_ID_ERROR_LENGTH },
    { "36020412118700O1", VERVAL_ID_ERROR_NOT_DIGITS },
    { "3602041211870000", VERVAL_ID_ERROR_SERIAL },
    { "0002041211870001", VERVAL_ID_ERROR_REGION },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (verval_nik_parse (cases[i].text, today, NULL, &error));
      g_assert_error (error, VERVAL_ID_ERROR, cases[i].code);
      g_assert_nonnull (error->message);
    }
}

static void
test_nik_normalize (void)
{
  g_autoptr(GDateTime) today = fixed_today ();
  VervalNikInfo info;
  g_autofree char *masked = NULL;

  /* Excel's text marker and spaces around groups are harmless */
  g_assert_true (verval_nik_parse ("'3602041211870001", today, &info, NULL));
  g_assert_cmpstr (info.digits, ==, "3602041211870001");
  g_assert_true (verval_nik_parse (" 3602 0412 1187 0001 ", today, &info, NULL));
  g_assert_cmpstr (info.digits, ==, "3602041211870001");

  masked = verval_id_mask ("3602041211870001");
  g_assert_cmpstr (masked, ==, "************0001");
}

static void
test_kk (void)
{
  char digits[VERVAL_ID_LENGTH + 1];
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_kk_parse ("5108061203150007", digits, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (digits, ==, "5108061203150007");
  g_assert_false (verval_kk_parse ("5.10806E+15", digits, &error));
  g_assert_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_SCIENTIFIC);
  g_clear_error (&error);
  g_assert_false (verval_kk_parse ("51080612031500", digits, &error));
  g_assert_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_LENGTH);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/nik/male", test_nik_male);
  g_test_add_func ("/common/nik/female", test_nik_female);
  g_test_add_func ("/common/nik/century", test_nik_century);
  g_test_add_func ("/common/nik/bad-dates", test_nik_bad_dates);
  g_test_add_func ("/common/nik/bad-format", test_nik_bad_format);
  g_test_add_func ("/common/nik/normalize", test_nik_normalize);
  g_test_add_func ("/common/kk/parse", test_kk);
  return g_test_run ();
}
