/* test-time.c: the protocol's grammar for an instant
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "verval-time.h"

static void
test_time_accepted (void)
{
  static const struct {
    const char *text;
    gint64      unix_usec;
    int         offset_min;
  } cases[] = {
    { "2026-11-22T10:00:00+07", 1795316400000000, 420 },
    { "2026-11-22T10:00:00+0700", 1795316400000000, 420 },
    { "2026-11-22T10:00:00+07:00", 1795316400000000, 420 },
    { "2026-11-22T11:00:00+08:00", 1795316400000000, 480 },
    { "2026-11-22T12:00:00+09", 1795316400000000, 540 },
    { "2026-11-22T03:00:00Z", 1795316400000000, 0 },
    { "2026-11-22t03:00:00z", 1795316400000000, 0 },
    { "2026-11-22T03:00:00-03:30", 1795329000000000, -210 },
    { "2026-11-22T10:00:00.5+07", 1795316400500000, 420 },
    { "2026-11-22T10:00:00.123456+07", 1795316400123456, 420 },
    /* past the microsecond the digits are dropped, not rounded */
    { "2026-11-22T10:00:00.123456789+07", 1795316400123456, 420 },
    { "2026-11-22T10:00:00.000001+07", 1795316400000001, 420 },
    { "2024-02-29T23:59:59+14:00", 1709200799000000, 840 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GDateTime) t = verval_time_parse (cases[i].text);

      g_test_message ("%s", cases[i].text);
      g_assert_nonnull (t);
      g_assert_cmpint (g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t), ==,
                       cases[i].unix_usec);
      g_assert_cmpint (g_date_time_get_utc_offset (t) / G_TIME_SPAN_MINUTE, ==, cases[i].offset_min);
    }
}

/* Forms GLib's own reader would take, or clamp, or read in its own zone. */
static void
test_time_refused (void)
{
  static const char *const cases[] = {
    "2026-11-22T10:00:00",            /* no offset: which of WIB, WITA, WIT? */
    "2026-11-22 10:00:00+07:00",      /* a space */
    "2026-11-22T10:00+07:00",         /* no seconds */
    "20261122T100000+0700",           /* the basic format */
    "2026-W47-7T10:00:00Z",           /* a week date */
    "2026-326T10:00:00Z",             /* an ordinal date */
    "2026-11-22T10:00:00,5Z",         /* a comma */
    "2026-11-22T10:00:60Z",           /* a leap second, which GLib reads as :59 */
    "2026-11-22T24:00:00Z",
    "2026-11-22T10:60:00Z",
    "2026-02-29T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "2026-11-22T10:00:00.Z",
    "2026-11-22T10:00:00.1234567890Z",
    "2026-11-22T10:00:00+14:01",
    "2026-11-22T10:00:00+07:60",
    "2026-11-22T10:00:00+7",
    "2026-11-22T10:00:00+07:0",
    "2026-11-22T10:00:00Z ",
    " 2026-11-22T10:00:00Z",
    "2026-11-22T10:00:00ZZ",
    "2026-11-22T10:00:00UTC",
    "+2026-11-22T10:00:00Z",
    "",
  };

  g_assert_null (verval_time_parse (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GDateTime) t = verval_time_parse (cases[i]);

      g_test_message ("“%s”", cases[i]);
      g_assert_null (t);
    }
}

/* What GLib writes (the app's own times) reads back as the same instant. */
static void
test_time_round_trip (void)
{
  static const char *const zones[] = { "+07:00", "+08:00", "+09:00", "Z", "-03:30" };

  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zones[i]);
      g_autoptr(GDateTime) whole = g_date_time_new (tz, 2026, 11, 22, 10, 11, 12);
      g_autoptr(GDateTime) t = g_date_time_add (whole, 345678);
      g_autofree char *text = g_date_time_format_iso8601 (t);
      g_autoptr(GDateTime) back = verval_time_parse (text);

      g_test_message ("%s", text);
      g_assert_nonnull (back);
      g_assert_true (g_date_time_equal (t, back));
      g_assert_cmpint (g_date_time_get_utc_offset (t), ==, g_date_time_get_utc_offset (back));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/time/accepted", test_time_accepted);
  g_test_add_func ("/common/time/refused", test_time_refused);
  g_test_add_func ("/common/time/round-trip", test_time_round_trip);
  return g_test_run ();
}
