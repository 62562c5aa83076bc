/* verval-time.c: the protocol's one grammar for an instant
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "verval-time.h"

/* Reads exactly n digits at *p; advances past them. */
static gboolean
read_digits (const char **p,
             guint        n,
             int         *value)
{
  *value = 0;
  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      *value = *value * 10 + ((*p)[i] - '0');
    }
  *p += n;
  return TRUE;
}

static gboolean
expect (const char **p,
        char         c)
{
  if (**p != c)
    return FALSE;
  (*p)++;
  return TRUE;
}

GDateTime *
verval_time_parse (const char *text)
{
  const char *p = text;
  int year, month, day, hour, minute, second, offset_h = 0, offset_m = 0, sign = 1;
  int micro = 0, digits = 0;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) whole = NULL;

  if (text == NULL)
    return NULL;
  if (!read_digits (&p, 4, &year) || !expect (&p, '-') || !read_digits (&p, 2, &month) ||
      !expect (&p, '-') || !read_digits (&p, 2, &day) ||
      (*p != 'T' && *p != 't') || !(p++, read_digits (&p, 2, &hour)) ||
      !expect (&p, ':') || !read_digits (&p, 2, &minute) ||
      !expect (&p, ':') || !read_digits (&p, 2, &second))
    return NULL;
  if (*p == '.')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++, digits++)
        if (digits < 6)
          micro = micro * 10 + (*p - '0');
      if (digits == 0 || digits > 9)
        return NULL;
      for (int i = digits; i < 6; i++)
        micro *= 10;
    }
  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      sign = *p++ == '-' ? -1 : 1;
      if (!read_digits (&p, 2, &offset_h))
        return NULL;
      if (*p == ':')
        {
          p++;
          if (!read_digits (&p, 2, &offset_m))
            return NULL;
        }
      else if (g_ascii_isdigit (*p) && !read_digits (&p, 2, &offset_m))
        return NULL;
      if (offset_m > 59 || offset_h * 60 + offset_m > 14 * 60)
        return NULL;
    }
  else
    return NULL;
  if (*p != '\0')
    return NULL;
  /* GDateTime checks the calendar (2026-02-29, 25:00); a second of 60
   * would be clamped, so it is refused here */
  if (hour > 23 || minute > 59 || second > 59)
    return NULL;
  tz = g_time_zone_new_offset (sign * (offset_h * 3600 + offset_m * 60));
  whole = g_date_time_new (tz, year, month, day, hour, minute, second);
  /* the fraction added as an integer: a double of seconds can land a
   * microsecond short */
  return whole != NULL ? g_date_time_add (whole, micro) : NULL;
}
