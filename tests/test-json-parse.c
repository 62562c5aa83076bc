/* test-json-parse.c: the strict JSON entry
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "verval-json-parse.h"
#include "verval-json.h"

static JsonNode *
parse (const char *text,
       GError    **error)
{
  return verval_json_parse (text, strlen (text), NULL, error);
}

/* RFC 8259 texts, with what json-glib must make of them. */
static void
test_accepts (void)
{
  static const struct {
    const char *text;
    const char *same_as;  /* json-glib's own output of the tree */
  } cases[] = {
    { "{}", "{}" },
    { "[]", "[]" },
    { " \t\r\n[ 1 , 2 ]\n", "[1,2]" },
    { "0", "0" },
    { "-0", "0" },
    { "9223372036854775807", "9223372036854775807" },
    { "-9223372036854775808", "-9223372036854775808" },
    { "[0.5, -1.25, 1e2, 1E-2, 2.5e+3]", "[0.5,-1.25,100.0,0.01,2500.0]" },
    { "1e-400", "0.0" },
    { "[true, false, null]", "[true,false,null]" },
    { "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\\" \\\\ / \\b \\f \\n \\r \\t\"" },
    { "\"\\u00e9 \\ud83d\\ude00 \xc3\xa9\"", "\"\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9\"" },
    { "{\"a\": {\"b\": [{}, []]}}", "{\"a\":{\"b\":[{},[]]}}" },
    { "\"\x7f\"", "\"\\u007f\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse (cases[i].text, &error);
      g_autofree char *out = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (node);
      out = json_to_string (node, FALSE);
      g_assert_cmpstr (out, ==, cases[i].same_as);
    }
}

/* What json-glib 1.6 takes (or mangles) and RFC 8259 or we do not. */
static void
test_refuses (void)
{
  static const struct {
    const char *text;
    gsize       length;   /* 0: strlen */
    gint        code;
    const char *says;
  } cases[] = {
    { "", 0, VERVAL_JSON_ERROR_SYNTAX, "no JSON value" },
    { " \n ", 0, VERVAL_JSON_ERROR_SYNTAX, "no JSON value" },
    { "{\"a\": 1} /* x */", 0, VERVAL_JSON_ERROR_SYNTAX, "data after the JSON value" },
    { "{\"a\": /* x */ 1}", 0, VERVAL_JSON_ERROR_SYNTAX, "comments are not JSON" },
    { "// x\n{}", 0, VERVAL_JSON_ERROR_SYNTAX, "comments are not JSON" },
    { "{'a': 1}", 0, VERVAL_JSON_ERROR_SYNTAX, "quoted with \"" },
    { "[1] [2]", 0, VERVAL_JSON_ERROR_SYNTAX, "data after the JSON value" },
    { "{}x", 0, VERVAL_JSON_ERROR_SYNTAX, "data after the JSON value" },
    { "[1,]", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected ']'" },
    { "{\"a\":1,}", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected '}'" },
    { "{\"a\" 1}", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected '1'" },
    { "{1: 2}", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected '1'" },
    { "[1}", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected '}'" },
    { "[", 0, VERVAL_JSON_ERROR_SYNTAX, "ends too early" },
    { "{\"a\":", 0, VERVAL_JSON_ERROR_SYNTAX, "ends too early" },
    { "\"abc", 0, VERVAL_JSON_ERROR_SYNTAX, "not closed" },
    { "\"a\\u0000b\"", 0, VERVAL_JSON_ERROR_SYNTAX, "U+0000" },
    { "\"a\0b\"", 5, VERVAL_JSON_ERROR_SYNTAX, "NUL" },
    { "\"\\ud800\"", 0, VERVAL_JSON_ERROR_SYNTAX, "high surrogate" },
    { "\"\\ud800\\u0041\"", 0, VERVAL_JSON_ERROR_SYNTAX, "high surrogate" },
    { "\"\\udc00\"", 0, VERVAL_JSON_ERROR_SYNTAX, "low surrogate" },
    { "\"\\x41\"", 0, VERVAL_JSON_ERROR_SYNTAX, "unknown escape" },
    { "\"\\u12\"", 0, VERVAL_JSON_ERROR_SYNTAX, "four hex digits" },
    { "\"a\tb\"", 0, VERVAL_JSON_ERROR_SYNTAX, "U+0009 must be escaped" },
    { "\"\xff\"", 0, VERVAL_JSON_ERROR_SYNTAX, "UTF-8" },
    { "\"\xed\xa0\x80\"", 0, VERVAL_JSON_ERROR_SYNTAX, "UTF-8" },
    { "\xef\xbb\xbf{}", 0, VERVAL_JSON_ERROR_SYNTAX, "byte-order mark" },
    { "01", 0, VERVAL_JSON_ERROR_SYNTAX, "start with 0" },
    { "1.", 0, VERVAL_JSON_ERROR_SYNTAX, "decimal point" },
    { ".5", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected '.'" },
    { "+1", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected '+'" },
    { "-", 0, VERVAL_JSON_ERROR_SYNTAX, "digits" },
    { "1e", 0, VERVAL_JSON_ERROR_SYNTAX, "exponent" },
    { "0x10", 0, VERVAL_JSON_ERROR_SYNTAX, "data after the JSON value" },
    { "[0x10]", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected 'x'" },
    { "NaN", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected 'N'" },
    { "Infinity", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected 'I'" },
    { "tru", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected 't'" },
    { "nullx", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected 'x'" },
    { "True", 0, VERVAL_JSON_ERROR_SYNTAX, "unexpected 'T'" },
    { "9223372036854775808", 0, VERVAL_JSON_ERROR_OUT_OF_RANGE, "64-bit" },
    { "-9223372036854775809", 0, VERVAL_JSON_ERROR_OUT_OF_RANGE, "64-bit" },
    { "18446744073709551617", 0, VERVAL_JSON_ERROR_OUT_OF_RANGE, "64-bit" },
    { "1e400", 0, VERVAL_JSON_ERROR_OUT_OF_RANGE, "too large" },
    { "-1e400", 0, VERVAL_JSON_ERROR_OUT_OF_RANGE, "too large" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize length = cases[i].length != 0 ? cases[i].length : strlen (cases[i].text);
      g_autoptr(JsonNode) node = verval_json_parse (cases[i].text, length, NULL, &error);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(parsed)");
      g_assert_null (node);
      g_assert_error (error, VERVAL_JSON_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

static char *
repeat (const char *piece,
        guint       times)
{
  GString *text = g_string_sized_new (strlen (piece) * times);

  for (guint i = 0; i < times; i++)
    g_string_append (text, piece);
  return g_string_free (text, FALSE);
}

/* Depth: at the limit is fine, one more is refused; with no limit at all,
 * a million levels are still checked without a stack to overflow. */
static void
test_depth (void)
{
  VervalJsonLimits limits = { 32, 1000 };
  g_autofree char *open = repeat ("[", 32);
  g_autofree char *close = repeat ("]", 32);
  g_autofree char *at_limit = g_strconcat (open, close, NULL);
  g_autofree char *beyond = g_strconcat ("[", at_limit, "]", NULL);
  g_autofree char *objects = repeat ("{\"a\":", 33);
  g_autofree char *million = repeat ("[", 1000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = verval_json_parse (at_limit, strlen (at_limit), &limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_false (verval_json_check (beyond, strlen (beyond), &limits, &error));
  g_assert_error (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "deeper than 32 levels"));
  g_clear_error (&error);
  g_assert_false (verval_json_check (objects, strlen (objects), &limits, &error));
  g_assert_error (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_TOO_DEEP);
  g_clear_error (&error);
  g_assert_false (verval_json_check (million, strlen (million),
                                     &(VervalJsonLimits) { G_MAXUINT, G_MAXUINT }, &error));
  g_assert_error (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "ends too early"));
}

/* Values and member names both count. */
static void
test_values (void)
{
  VervalJsonLimits limits = { 8, 5 };
  g_autoptr(GError) error = NULL;

  /* the array and its four elements */
  g_assert_true (verval_json_check ("[1,2,3,4]", 9, &limits, &error));
  g_assert_no_error (error);
  g_assert_false (verval_json_check ("[1,2,3,4,5]", 11, &limits, &error));
  g_assert_error (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_TOO_MANY_VALUES);
  g_assert_nonnull (strstr (error->message, "more than 5 values"));
  g_clear_error (&error);
  /* the object, two names, two values */
  g_assert_true (verval_json_check ("{\"a\":1,\"b\":2}", 13, &limits, &error));
  g_assert_false (verval_json_check ("{\"a\":1,\"b\":2,\"c\":3}", 19, &limits, &error));
  g_assert_error (error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_TOO_MANY_VALUES);
}

/* Errors say where, in characters, and name the file when given one. */
static void
test_position (void)
{
  const char *text = "{\n  \"name\": \"J\xc3\xa9r\xc3\xb4me\",\n  \"x\": 'y'\n}";
  g_autoptr(GError) error = NULL;

  g_assert_false (verval_json_check (text, strlen (text), NULL, &error));
  g_assert_cmpstr (error->message, ==, "line 3, column 8: strings must be quoted with \" in JSON, not '");
  g_clear_error (&error);
  g_assert_false (verval_json_check_file (text, strlen (text), NULL, "form.json", &error));
  g_assert_cmpstr (error->message, ==, "form.json:3:8: strings must be quoted with \" in JSON, not '");
  g_clear_error (&error);
  text = "{\"name\": \"J\xc3\xa9r\xc3\xb4me\", x}";
  g_assert_false (verval_json_check (text, strlen (text), NULL, &error));
  g_assert_cmpstr (error->message, ==, "line 1, column 20: unexpected 'x'");
}

/* What the project writes reads back: the same text as json-glib for
 * ordinary values, and valid JSON where json-glib's is not. */
static void
test_write (void)
{
  static const struct {
    const char *in;
    const char *out;   /* NULL: as json-glib writes it */
  } cases[] = {
    { "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\"}", NULL },
    { "{\"z\":1,\"a\":2,\"m\":3}", NULL },          /* members keep their order */
    { "[0.5,-0.25,1.0,-0.0,5e-324,0.1,123456.789]", NULL },
    { "[1e22]", "[1e+22]" },
    { "[1e308]", "[1e+308]" },
    { "[-1e300]", NULL },
    { "[1.5e22]", NULL },
    /* json-glib writes U+001F raw, which no reader may take */
    { "[\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f/é☃\\ud83d\\ude00\"]",
      "[\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f/é☃😀\"]" },
    { "{\"\\u0007key\":{}}", NULL },
    { "[]", NULL },
    { "{}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = verval_json_parse (cases[i].in, strlen (cases[i].in), NULL, &error);
      g_autofree char *ours = NULL;
      g_autofree char *theirs = NULL;
      gsize length;

      g_assert_no_error (error);
      ours = verval_json_to_string (node, &length);
      theirs = json_to_string (node, FALSE);
      g_test_message ("%s → %s (json-glib: %s)", cases[i].in, ours, theirs);
      g_assert_cmpuint (length, ==, strlen (ours));
      g_assert_cmpstr (ours, ==, cases[i].out != NULL ? cases[i].out : theirs);
      g_assert_true (verval_json_check (ours, length, NULL, &error));
      g_assert_no_error (error);
    }

  /* numbers no JSON holds are written as null */
  {
    g_autoptr(JsonNode) nan_node = json_node_init_double (json_node_alloc (), NAN);
    g_autoptr(JsonNode) inf_node = json_node_init_double (json_node_alloc (), -INFINITY);
    g_autofree char *a = verval_json_to_string (nan_node, NULL);
    g_autofree char *b = verval_json_to_string (inf_node, NULL);

    g_assert_cmpstr (a, ==, "null");
    g_assert_cmpstr (b, ==, "null");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/json-parse/accepts", test_accepts);
  g_test_add_func ("/common/json-parse/refuses", test_refuses);
  g_test_add_func ("/common/json-parse/depth", test_depth);
  g_test_add_func ("/common/json-parse/values", test_values);
  g_test_add_func ("/common/json-parse/position", test_position);
  g_test_add_func ("/common/json-parse/write", test_write);
  return g_test_run ();
}
