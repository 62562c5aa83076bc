/* verval-nik.c: NIK (population number) and KK (family card number) checks
 *
 * A NIK is 16 digits: province (2), regency (2), kecamatan (2), day of birth
 * (2, plus 40 for women), month (2), year (2), serial (4). A KK number is 16
 * digits starting with the issuing region. Whether the region still exists is
 * a warning decided against today's region list (verval-regions), never here:
 * regions get split and renamed, and old cards stay valid.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-nik"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "verval-nik.h"

G_DEFINE_QUARK (verval-id-error-quark, verval_id_error)

/* Excel turns long numbers into floats: "3.27E+15", "3,27E+15", "3.27e15". */
gboolean
verval_id_looks_scientific (const char *text)
{
  const char *p;
  gboolean mantissa_digit = FALSE;

  g_return_val_if_fail (text != NULL, FALSE);

  p = text;
  while (g_ascii_isspace (*p))
    p++;
  while (g_ascii_isdigit (*p) || *p == '.' || *p == ',')
    {
      mantissa_digit |= g_ascii_isdigit (*p);
      p++;
    }
  if (!mantissa_digit || (*p != 'E' && *p != 'e'))
    return FALSE;
  p++;
  if (*p == '+' || *p == '-')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  while (g_ascii_isspace (*p))
    p++;
  return *p == '\0';
}

/* Strips what people and spreadsheets add around the digits: spaces, dots,
 * dashes, a leading apostrophe (Excel's text marker) and quotes. Returns NULL
 * if anything else is in the way. */
char *
verval_id_normalize (const char *text)
{
  GString *out;
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (VERVAL_ID_LENGTH + 1);
  for (p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (out, *p);
      else if (*p == ' ' || *p == '\t' || *p == '-' || *p == '.' || *p == '\'' || *p == '"')
        continue;
      else
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return g_string_free (out, FALSE);
}

static gboolean
check_digits (const char  *text,
              char         digits[VERVAL_ID_LENGTH + 1],
              GError     **error)
{
  g_autofree char *norm = NULL;
  gsize len;

  const char *p = text;

  while (p != NULL && g_ascii_isspace (*p))
    p++;
  if (p == NULL || *p == '\0')
    {
      g_set_error_literal (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_EMPTY,
                           _("The number is empty"));
      return FALSE;
    }
  if (verval_id_looks_scientific (text))
    {
      g_set_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_SCIENTIFIC,
                   _("“%s” was turned into a scientific number by a spreadsheet; "
                     "the digits are lost, format the column as text and export again"),
                   text);
      return FALSE;
    }
  norm = verval_id_normalize (text);
  if (norm == NULL)
    {
      g_set_error_literal (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_NOT_DIGITS,
                           _("The number may only contain digits"));
      return FALSE;
    }
  len = strlen (norm);
  if (len != VERVAL_ID_LENGTH)
    {
      g_set_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_LENGTH,
                   _("The number has %u digits instead of 16"), (guint) len);
      return FALSE;
    }
  if (norm[0] == '0' && norm[1] == '0')
    {
      g_set_error_literal (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_REGION,
                           _("The number does not start with a province code"));
      return FALSE;
    }
  memcpy (digits, norm, VERVAL_ID_LENGTH + 1);
  return TRUE;
}

static guint
two_digits (const char *p)
{
  return (guint) (p[0] - '0') * 10 + (guint) (p[1] - '0');
}

gboolean
verval_nik_parse (const char     *text,
                  GDateTime      *today,
                  VervalNikInfo  *info,
                  GError        **error)
{
  g_autoptr(GDateTime) now = NULL;
  VervalNikInfo parsed = { 0 };
  guint day, month, yy, year, this_year;

  if (!check_digits (text, parsed.digits, error))
    return FALSE;

  if (today == NULL)
    today = now = g_date_time_new_now_local ();
  this_year = (guint) g_date_time_get_year (today);

  memcpy (parsed.region, parsed.digits, 6);
  day = two_digits (parsed.digits + 6);
  month = two_digits (parsed.digits + 8);
  yy = two_digits (parsed.digits + 10);

  if (day > 40)
    {
      parsed.sex = VERVAL_SEX_FEMALE;
      day -= 40;
    }
  else
    parsed.sex = VERVAL_SEX_MALE;

  /* Two-digit years: the latest century that does not put the birth in the future. */
  year = (this_year / 100) * 100 + yy;
  if (year > this_year)
    year -= 100;

  if (month < 1 || month > 12 || day < 1 ||
      day > g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year))
    {
      g_set_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_DATE,
                   _("Digits 7–12 (%.6s) are not a possible date of birth"),
                   parsed.digits + 6);
      return FALSE;
    }
  if (year == this_year)
    {
      guint this_month = (guint) g_date_time_get_month (today);
      if (month > this_month ||
          (month == this_month && day > (guint) g_date_time_get_day_of_month (today)))
        year -= 100;
      if (month == 2 && day == 29 && !g_date_is_leap_year ((GDateYear) year))
        {
          g_set_error (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_DATE,
                       _("Digits 7–12 (%.6s) are not a possible date of birth"),
                       parsed.digits + 6);
          return FALSE;
        }
    }
  if (strcmp (parsed.digits + 12, "0000") == 0)
    {
      g_set_error_literal (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_SERIAL,
                           _("The last four digits (serial number) cannot be 0000"));
      return FALSE;
    }

  parsed.birth_day = day;
  parsed.birth_month = month;
  parsed.birth_year = year;
  if (info != NULL)
    *info = parsed;
  return TRUE;
}

gboolean
verval_kk_parse (const char  *text,
                 char         digits[VERVAL_ID_LENGTH + 1],
                 GError     **error)
{
  char parsed[VERVAL_ID_LENGTH + 1];

  if (!check_digits (text, parsed, error))
    return FALSE;
  if (strcmp (parsed + 12, "0000") == 0)
    {
      g_set_error_literal (error, VERVAL_ID_ERROR, VERVAL_ID_ERROR_SERIAL,
                           _("The last four digits (serial number) cannot be 0000"));
      return FALSE;
    }
  if (digits != NULL)
    memcpy (digits, parsed, sizeof parsed);
  return TRUE;
}

/* For display and logs: only the last four digits stay readable. */
char *
verval_id_mask (const char *digits)
{
  gsize len;
  GString *out;

  if (digits == NULL)
    return g_strdup ("");
  len = strlen (digits);
  if (len <= 4)
    return g_strdup (digits);
  out = g_string_sized_new (len + 1);
  for (gsize i = 0; i < len - 4; i++)
    g_string_append_c (out, '*');
  g_string_append (out, digits + len - 4);
  return g_string_free (out, FALSE);
}
