/* verval-json-parse.c: RFC 8259 check before json-glib
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "verval-json-parse.h"

G_DEFINE_QUARK (verval-json-error-quark, verval_json_error)

/* What may come next. The open arrays and objects are kept in a byte array,
 * not in the C stack, so nesting costs memory bounded by max_depth only. */
typedef enum {
  WANT_VALUE,           /* the root, after ':' or after ',' in an array */
  WANT_VALUE_OR_CLOSE,  /* just after '[' */
  WANT_NAME,            /* after ',' in an object */
  WANT_NAME_OR_CLOSE,   /* just after '{' */
  WANT_COLON,
  WANT_COMMA_OR_CLOSE,
  WANT_END,             /* the root value is complete */
} Want;

typedef struct {
  const char             *data;
  gsize                   length;
  gsize                   pos;
  const VervalJsonLimits *limits;
  guint                   values;
  GByteArray             *open;    /* '[' or '{' per level */
  const char             *source;  /* a file name for messages, or NULL */
} Scanner;

static void
set_error_at (Scanner     *s,
              GError     **error,
              gint         code,
              gsize        offset,
              const char  *what)
{
  guint line = 1;
  gsize line_start = 0;
  glong column;

  for (gsize i = 0; i < offset && i < s->length; i++)
    if (s->data[i] == '\n')
      {
        line++;
        line_start = i + 1;
      }
  /* the text before offset is valid UTF-8: it was checked first */
  column = g_utf8_strlen (s->data + line_start, (gssize) (offset - line_start)) + 1;
  if (s->source != NULL)
    g_set_error (error, VERVAL_JSON_ERROR, code, "%s:%u:%ld: %s", s->source, line, column, what);
  else
    g_set_error (error, VERVAL_JSON_ERROR, code, "line %u, column %ld: %s", line, column, what);
}

/* Names the byte at pos for an error message. */
static char *
describe_unexpected (Scanner *s,
                     gsize    pos)
{
  guchar c = (guchar) s->data[pos];

  switch (c)
    {
    case '/':
      return g_strdup ("comments are not JSON");
    case '\'':
      return g_strdup ("strings must be quoted with \" in JSON, not '");
    default:
      break;
    }
  if (c >= 0x20 && c < 0x7f)
    return g_strdup_printf ("unexpected '%c'", c);
  if (c < 0x80)
    return g_strdup_printf ("unexpected control character U+%04X", c);
  return g_strdup_printf ("unexpected character U+%04X",
                          g_utf8_get_char (s->data + pos));
}

static gboolean
fail_unexpected (Scanner  *s,
                 GError  **error)
{
  g_autofree char *what = NULL;

  if (s->pos >= s->length)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, s->length, "the text ends too early");
      return FALSE;
    }
  what = describe_unexpected (s, s->pos);
  set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, s->pos, what);
  return FALSE;
}

static void
skip_whitespace (Scanner *s)
{
  while (s->pos < s->length)
    {
      char c = s->data[s->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      s->pos++;
    }
}

static gboolean
count_value (Scanner  *s,
             GError  **error)
{
  if (++s->values > s->limits->max_values)
    {
      g_autofree char *what = g_strdup_printf ("more than %u values", s->limits->max_values);

      set_error_at (s, error, VERVAL_JSON_ERROR_TOO_MANY_VALUES, s->pos, what);
      return FALSE;
    }
  return TRUE;
}

/* Four hex digits at pos, or -1. */
static gint
read_hex4 (Scanner *s,
           gsize    pos)
{
  gint value = 0;

  if (pos + 4 > s->length)
    return -1;
  for (guint i = 0; i < 4; i++)
    {
      gint digit = g_ascii_xdigit_value (s->data[pos + i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* A \u escape at s->pos (on the backslash); a high surrogate must be
 * followed by a low one. */
static gboolean
scan_unicode_escape (Scanner  *s,
                     GError  **error)
{
  gsize start = s->pos;
  gint unit = read_hex4 (s, s->pos + 2);
  gint low;

  if (unit < 0)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "\\u must be followed by four hex digits");
      return FALSE;
    }
  s->pos += 6;
  if (unit == 0)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "U+0000 is not allowed in a string");
      return FALSE;
    }
  if (unit >= 0xdc00 && unit <= 0xdfff)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "a low surrogate without a high one");
      return FALSE;
    }
  if (unit < 0xd800 || unit > 0xdbff)
    return TRUE;
  low = s->pos + 1 < s->length && s->data[s->pos] == '\\' && s->data[s->pos + 1] == 'u'
        ? read_hex4 (s, s->pos + 2) : -1;
  if (low < 0xdc00 || low > 0xdfff)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "a high surrogate without a low one");
      return FALSE;
    }
  s->pos += 6;
  return TRUE;
}

/* A string at s->pos (on the opening quote). */
static gboolean
scan_string (Scanner  *s,
             GError  **error)
{
  gsize start = s->pos++;

  while (s->pos < s->length)
    {
      guchar c = (guchar) s->data[s->pos];

      if (c == '"')
        {
          s->pos++;
          return TRUE;
        }
      if (c < 0x20)
        {
          g_autofree char *what = g_strdup_printf ("control character U+%04X must be escaped", c);

          set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, s->pos, what);
          return FALSE;
        }
      if (c != '\\')
        {
          s->pos++;
          continue;
        }
      if (s->pos + 1 >= s->length)
        break;
      switch (s->data[s->pos + 1])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          s->pos += 2;
          break;
        case 'u':
          if (!scan_unicode_escape (s, error))
            return FALSE;
          break;
        default:
          set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, s->pos, "unknown escape in a string");
          return FALSE;
        }
    }
  set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "a string is not closed");
  return FALSE;
}

static gsize
skip_digits (Scanner *s,
             gsize    pos)
{
  while (pos < s->length && g_ascii_isdigit (s->data[pos]))
    pos++;
  return pos;
}

/* json-glib wraps integers beyond gint64 and turns 1e400 into infinity;
 * both would reach the code as other numbers than were sent. */
static gboolean
number_in_range (const char *text,
                 gsize       length,
                 gboolean    integral)
{
  g_autofree char *copy = g_strndup (text, length);

  if (integral)
    {
      errno = 0;
      (void) g_ascii_strtoll (copy, NULL, 10);
      return errno != ERANGE;
    }
  return isfinite (g_ascii_strtod (copy, NULL));
}

static gboolean
scan_number (Scanner  *s,
             GError  **error)
{
  gsize start = s->pos, pos = s->pos, end;
  gboolean integral = TRUE;

  if (pos < s->length && s->data[pos] == '-')
    pos++;
  if (pos >= s->length || !g_ascii_isdigit (s->data[pos]))
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "a number must have digits");
      return FALSE;
    }
  end = skip_digits (s, pos);
  if (s->data[pos] == '0' && end > pos + 1)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "a number may not start with 0");
      return FALSE;
    }
  pos = end;
  if (pos < s->length && s->data[pos] == '.')
    {
      integral = FALSE;
      end = skip_digits (s, pos + 1);
      if (end == pos + 1)
        {
          set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "a decimal point must be followed by digits");
          return FALSE;
        }
      pos = end;
    }
  if (pos < s->length && (s->data[pos] == 'e' || s->data[pos] == 'E'))
    {
      integral = FALSE;
      pos++;
      if (pos < s->length && (s->data[pos] == '+' || s->data[pos] == '-'))
        pos++;
      end = skip_digits (s, pos);
      if (end == pos)
        {
          set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, start, "an exponent must have digits");
          return FALSE;
        }
      pos = end;
    }
  if (!number_in_range (s->data + start, pos - start, integral))
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_OUT_OF_RANGE, start,
                    integral ? "an integer outside the 64-bit range" : "a number too large for a double");
      return FALSE;
    }
  s->pos = pos;
  return TRUE;
}

static gboolean
scan_literal (Scanner  *s,
              GError  **error)
{
  static const char *const literals[] = { "true", "false", "null" };

  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize n = strlen (literals[i]);

      if (s->length - s->pos >= n && memcmp (s->data + s->pos, literals[i], n) == 0)
        {
          s->pos += n;
          /* "nullx" is one bad word, not null followed by junk */
          if (s->pos < s->length && g_ascii_isalnum (s->data[s->pos]))
            break;
          return TRUE;
        }
    }
  return fail_unexpected (s, error);
}

/* After a complete value: what the enclosing container wants next. */
static Want
after_value (Scanner *s)
{
  return s->open->len == 0 ? WANT_END : WANT_COMMA_OR_CLOSE;
}

static gboolean
open_container (Scanner  *s,
                guchar    bracket,
                GError  **error)
{
  if (s->open->len >= s->limits->max_depth)
    {
      g_autofree char *what = g_strdup_printf ("arrays and objects nest deeper than %u levels",
                                               s->limits->max_depth);

      set_error_at (s, error, VERVAL_JSON_ERROR_TOO_DEEP, s->pos, what);
      return FALSE;
    }
  g_byte_array_append (s->open, &bracket, 1);
  s->pos++;
  return TRUE;
}

/* A value at s->pos; containers are only opened here. */
static gboolean
scan_value (Scanner  *s,
            Want     *want,
            GError  **error)
{
  if (s->pos >= s->length)
    return fail_unexpected (s, error);
  if (!count_value (s, error))
    return FALSE;
  switch (s->data[s->pos])
    {
    case '[':
      *want = WANT_VALUE_OR_CLOSE;
      return open_container (s, '[', error);
    case '{':
      *want = WANT_NAME_OR_CLOSE;
      return open_container (s, '{', error);
    case '"':
      *want = after_value (s);
      return scan_string (s, error);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      *want = after_value (s);
      return scan_number (s, error);
    case 't': case 'f': case 'n':
      *want = after_value (s);
      return scan_literal (s, error);
    default:
      return fail_unexpected (s, error);
    }
}

/* ']' or '}' at s->pos, if it closes the innermost container. */
static gboolean
close_container (Scanner  *s,
                 Want     *want,
                 GError  **error)
{
  char c = s->data[s->pos];
  guchar top = s->open->data[s->open->len - 1];

  if ((c == ']' && top != '[') || (c == '}' && top != '{'))
    return fail_unexpected (s, error);
  g_byte_array_set_size (s->open, s->open->len - 1);
  s->pos++;
  *want = after_value (s);
  return TRUE;
}

static gboolean
scan (Scanner  *s,
      GError  **error)
{
  Want want = WANT_VALUE;

  for (;;)
    {
      char c;

      skip_whitespace (s);
      if (s->pos >= s->length)
        break;
      c = s->data[s->pos];
      switch (want)
        {
        case WANT_VALUE_OR_CLOSE:
          if (c == ']')
            {
              if (!close_container (s, &want, error))
                return FALSE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case WANT_VALUE:
          if (!scan_value (s, &want, error))
            return FALSE;
          break;
        case WANT_NAME_OR_CLOSE:
          if (c == '}')
            {
              if (!close_container (s, &want, error))
                return FALSE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case WANT_NAME:
          if (c != '"')
            return fail_unexpected (s, error);
          if (!count_value (s, error) || !scan_string (s, error))
            return FALSE;
          want = WANT_COLON;
          break;
        case WANT_COLON:
          if (c != ':')
            return fail_unexpected (s, error);
          s->pos++;
          want = WANT_VALUE;
          break;
        case WANT_COMMA_OR_CLOSE:
          if (c == ',')
            {
              s->pos++;
              want = s->open->data[s->open->len - 1] == '[' ? WANT_VALUE : WANT_NAME;
            }
          else if (c == ']' || c == '}')
            {
              if (!close_container (s, &want, error))
                return FALSE;
            }
          else
            return fail_unexpected (s, error);
          break;
        case WANT_END:
          set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, s->pos, "data after the JSON value");
          return FALSE;
        default:
          g_assert_not_reached ();
        }
    }
  if (want == WANT_END)
    return TRUE;
  if (want == WANT_VALUE && s->values == 0)
    {
      set_error_at (s, error, VERVAL_JSON_ERROR_SYNTAX, s->pos, "there is no JSON value");
      return FALSE;
    }
  return fail_unexpected (s, error);
}

gboolean
verval_json_check (const char             *data,
                   gsize                   length,
                   const VervalJsonLimits *limits,
                   GError                **error)
{
  return verval_json_check_file (data, length, limits, NULL, error);
}

gboolean
verval_json_check_file (const char             *data,
                        gsize                   length,
                        const VervalJsonLimits *limits,
                        const char             *source_name,
                        GError                **error)
{
  static const VervalJsonLimits defaults = {
    VERVAL_JSON_DEFAULT_MAX_DEPTH, VERVAL_JSON_DEFAULT_MAX_VALUES,
  };
  g_autoptr(GByteArray) open = g_byte_array_new ();
  Scanner s = { data, length, 0, limits != NULL ? limits : &defaults, 0, open, source_name };
  const char *end = NULL;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (data == NULL)
    s.data = data = "";
  /* g_utf8_validate_len() also refuses NUL bytes */
  if (!g_utf8_validate_len (data, length, &end))
    {
      set_error_at (&s, error, VERVAL_JSON_ERROR_SYNTAX, (gsize) (end - data),
                    "not valid UTF-8, or a NUL byte");
      return FALSE;
    }
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      set_error_at (&s, error, VERVAL_JSON_ERROR_SYNTAX, 0, "a byte-order mark is not allowed");
      return FALSE;
    }
  return scan (&s, error);
}

JsonNode *
verval_json_parse (const char             *data,
                   gsize                   length,
                   const VervalJsonLimits *limits,
                   GError                **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!verval_json_check (data, length, limits, error))
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* not expected after the check; never let it pass silently */
      g_set_error (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_SYNTAX, "%s", local_error->message);
      return NULL;
    }
  return json_parser_steal_root (parser);
}
