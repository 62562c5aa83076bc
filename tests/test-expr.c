/* test-expr.c: the form expression language: parsing, precedence, nulls, errors
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "verval-expr.h"

typedef struct {
  JsonObject *values;
  gboolean    allow_self;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser,
                              "{\"x\": 2, \"half\": 0.5, \"name\": \"Wayan\", \"yes\": true,"
                              " \"no\": false, \"needs\": [3, 4, 7], \"none\": [],"
                              " \".\": 5, \"date\": \"2026-11-22\", \"empty\": \"\","
                              " \"y\": null, \"loc\": {\"latitude\": -8.1}}",
                              -1, &error);
  g_assert_no_error (error);
  f->values = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  json_object_unref (f->values);
}

static gboolean
resolve (const char *name,
         gpointer    user_data)
{
  Fixture *f = user_data;

  if (strcmp (name, ".") == 0)
    return f->allow_self;
  return json_object_has_member (f->values, name) || strcmp (name, "missing") == 0;
}

static void
lookup (const char  *name,
        VervalValue *value,
        gpointer     user_data)
{
  Fixture *f = user_data;

  verval_value_from_node (json_object_get_member (f->values, name), value);
}

static VervalExpr *
parse_ok (Fixture    *f,
          const char *text)
{
  g_autoptr(GError) error = NULL;
  VervalExpr *expr = verval_expr_parse (text, resolve, f, NULL, &error);

  if (error != NULL)
    g_test_message ("“%s”: %s", text, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (expr);
  g_assert_cmpstr (verval_expr_get_source (expr), ==, text);
  return expr;
}

static void
eval (Fixture     *f,
      const char  *text,
      VervalValue *value)
{
  g_autoptr(VervalExpr) expr = parse_ok (f, text);

  verval_expr_evaluate (expr, lookup, f, value);
}

static void
assert_number (Fixture    *f,
               const char *text,
               double      expected)
{
  VervalValue v;

  eval (f, text, &v);
  g_test_message ("%s", text);
  g_assert_cmpint (v.type, ==, VERVAL_VALUE_NUMBER);
  g_assert_cmpfloat_with_epsilon (v.number, expected, 1e-9);
}

static void
assert_bool (Fixture    *f,
             const char *text,
             gboolean    expected)
{
  VervalValue v;

  eval (f, text, &v);
  g_test_message ("%s", text);
  g_assert_cmpint (v.type, ==, VERVAL_VALUE_BOOLEAN);
  g_assert_cmpint (v.boolean, ==, expected);
}

static void
assert_null (Fixture    *f,
             const char *text)
{
  VervalValue v;

  eval (f, text, &v);
  g_test_message ("%s", text);
  g_assert_cmpint (v.type, ==, VERVAL_VALUE_NULL);
}

static void
test_expr_arithmetic (Fixture       *f,
                      gconstpointer  data)
{
  assert_number (f, "1 + 2 * 3", 7);
  assert_number (f, "(1 + 2) * 3", 9);
  assert_number (f, "2 * 3 - 4 / 2", 4);
  assert_number (f, "10 - 4 - 3", 3);        /* left associative */
  assert_number (f, "64 / 4 / 2", 8);
  assert_number (f, "-2 * 3", -6);
  assert_number (f, "- -2", 2);
  assert_number (f, "10 % 4", 2);
  assert_number (f, "x * half + 1.25", 2.25);
  assert_number (f, "0.5", 0.5);
  assert_null (f, "1 / 0");
  assert_null (f, "1 % 0");
  assert_null (f, "x + name");
  assert_null (f, "-name");
}

static void
test_expr_logic (Fixture       *f,
                 gconstpointer  data)
{
  assert_bool (f, "true or false and false", TRUE);  /* and binds tighter */
  assert_bool (f, "(true or false) and false", FALSE);
  assert_bool (f, "not true or true", TRUE);         /* (not true) or true */
  assert_bool (f, "not x = 3", TRUE);                /* not (x = 3) */
  assert_bool (f, "not not yes", TRUE);
  assert_bool (f, "x = 2 and name = 'Wayan'", TRUE);
  assert_bool (f, "x == 2 and name != \"Ketut\"", TRUE);
  assert_bool (f, "x <> 2", FALSE);
  assert_bool (f, "x + 1 > 2 and x - 1 < 2", TRUE);
  assert_bool (f, "x >= 2 and x <= 2", TRUE);
  assert_bool (f, "date < '2026-12-01' and date > '2026-01-31'", TRUE);
  assert_bool (f, "x = '2'", FALSE);                  /* no silent conversions */
  assert_bool (f, "yes = true and no = false", TRUE);
  assert_bool (f, "'it\\'s' = \"it's\"", TRUE);
}

static void
test_expr_in (Fixture       *f,
              gconstpointer  data)
{
  assert_bool (f, "x in (1, 2, 3)", TRUE);
  assert_bool (f, "x in (3)", FALSE);
  assert_bool (f, "x not in (1, 3)", TRUE);
  assert_bool (f, "x + 1 in (3, 4)", TRUE);
  assert_bool (f, "needs in (1, 4)", TRUE);           /* any chosen */
  assert_bool (f, "needs in (1, 2)", FALSE);
  assert_bool (f, "7 in needs", TRUE);
  assert_bool (f, "8 in needs", FALSE);
  assert_bool (f, "name in ('Made', 'Wayan')", TRUE);
  assert_bool (f, "not x in (2) or x in (2)", TRUE);
  assert_null (f, "missing in (1, 2)");
  assert_null (f, "none in (1, 2)");
  assert_null (f, "missing not in (1, 2)");
}

static void
test_expr_functions (Fixture       *f,
                     gconstpointer  data)
{
  assert_bool (f, "selected(needs, 4)", TRUE);
  assert_bool (f, "selected(needs, 5)", FALSE);
  assert_bool (f, "selected(x, 2)", TRUE);
  assert_bool (f, "selected(missing, 2)", FALSE);
  assert_number (f, "count_selected(needs)", 3);
  assert_number (f, "count_selected(none)", 0);
  assert_number (f, "count_selected(missing)", 0);
  assert_number (f, "count_selected(x)", 1);
  assert_number (f, "if(x > 1, 10, 20)", 10);
  assert_number (f, "if(missing > 1, 10, 20)", 20);
  assert_number (f, "count_true(yes, no, x = 2, missing, needs, none)", 3);
  assert_number (f, "sum(x, half, missing, 3)", 5.5);
  assert_number (f, "min(x, half, missing)", 0.5);
  assert_number (f, "max(x, half, missing)", 2);
  assert_null (f, "max(missing, name)");
  assert_number (f, "coalesce(missing, empty, x)", 2);
  assert_bool (f, "answered(x) and answered(loc) and not answered(missing)", TRUE);
  assert_bool (f, "answered(empty) or answered(none) or answered(y)", FALSE);
  assert_number (f, "round(2.5)", 3);
  assert_number (f, "round(1.26, 1)", 1.3);
  assert_number (f, "abs(-3 * x)", 6);
  assert_number (f, "x * count_selected(needs) + 1", 7);
}

static void
test_expr_nulls (Fixture       *f,
                 gconstpointer  data)
{
  assert_bool (f, "missing = 1", FALSE);
  assert_bool (f, "missing != 1", TRUE);
  assert_bool (f, "missing = null and y = null", TRUE);
  assert_null (f, "missing < 3");
  assert_null (f, "not (missing < 3)");
  assert_null (f, "missing + 1");
  assert_null (f, "true and missing < 3");
  assert_bool (f, "false and missing < 3", FALSE);
  assert_bool (f, "true or missing < 3", TRUE);
  assert_null (f, "false or missing < 3");
  assert_null (f, "name < 3");
}

static void
test_expr_self (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  VervalExpr *expr;

  f->allow_self = FALSE;
  expr = verval_expr_parse (". > 3", resolve, f, NULL, &error);
  g_assert_null (expr);
  g_assert_error (error, VERVAL_EXPR_ERROR, VERVAL_EXPR_ERROR_UNKNOWN_NAME);

  f->allow_self = TRUE;
  assert_bool (f, ". > 3 and . <= x * 3", TRUE);
}

static void
test_expr_condition (Fixture       *f,
                     gconstpointer  data)
{
  struct {
    const char *text;
    int expected;
  } cases[] = {
    { "x = 2", TRUE }, { "x = 3", FALSE }, { "missing > 1", -1 }, { "needs", TRUE },
    { "none", FALSE }, { "name", TRUE }, { "empty", FALSE }, { "0", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VervalExpr) expr = parse_ok (f, cases[i].text);

      g_assert_cmpint (verval_expr_evaluate_condition (expr, lookup, f), ==, cases[i].expected);
    }
}

static void
test_expr_errors (Fixture       *f,
                  gconstpointer  data)
{
  struct {
    const char *text;
    int code;
    guint offset;
  } cases[] = {
    { "", VERVAL_EXPR_ERROR_SYNTAX, 0 },
    { "   ", VERVAL_EXPR_ERROR_SYNTAX, 0 },
    { "1 +", VERVAL_EXPR_ERROR_SYNTAX, 3 },
    { "(1 + 2", VERVAL_EXPR_ERROR_SYNTAX, 6 },
    { "1 + 2)", VERVAL_EXPR_ERROR_SYNTAX, 5 },
    { "x = = 1", VERVAL_EXPR_ERROR_SYNTAX, 4 },
    { "x 2", VERVAL_EXPR_ERROR_SYNTAX, 2 },
    { "foo = 1", VERVAL_EXPR_ERROR_UNKNOWN_NAME, 0 },
    { "x = 1 and resul = 2", VERVAL_EXPR_ERROR_UNKNOWN_NAME, 10 },
    { "bar(1)", VERVAL_EXPR_ERROR_UNKNOWN_FUNCTION, 0 },
    { "1 + selected(x)", VERVAL_EXPR_ERROR_ARGUMENTS, 4 },
    { "if(x, 1)", VERVAL_EXPR_ERROR_ARGUMENTS, 0 },
    { "count_true()", VERVAL_EXPR_ERROR_ARGUMENTS, 0 },
    { "round(1, 2, 3)", VERVAL_EXPR_ERROR_ARGUMENTS, 0 },
    { "1 < 2 < 3", VERVAL_EXPR_ERROR_SYNTAX, 6 },
    { "x in (1, 2) in (3)", VERVAL_EXPR_ERROR_SYNTAX, 12 },
    { "'abc", VERVAL_EXPR_ERROR_SYNTAX, 0 },
    { "x # 2", VERVAL_EXPR_ERROR_SYNTAX, 2 },
    { "x = 1.2.3", VERVAL_EXPR_ERROR_SYNTAX, 4 },
    { "2x", VERVAL_EXPR_ERROR_SYNTAX, 0 },
    { "and", VERVAL_EXPR_ERROR_SYNTAX, 0 },
    { "x in ()", VERVAL_EXPR_ERROR_SYNTAX, 6 },
    { "x not 3", VERVAL_EXPR_ERROR_SYNTAX, 2 },
    { "selected(x, 1", VERVAL_EXPR_ERROR_SYNTAX, 13 },
    { "x = ñ", VERVAL_EXPR_ERROR_SYNTAX, 4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint offset = G_MAXUINT;
      VervalExpr *expr = verval_expr_parse (cases[i].text, resolve, f, &offset, &error);

      g_test_message ("“%s”: %s at %u", cases[i].text, error ? error->message : "(none)", offset);
      g_assert_null (expr);
      g_assert_error (error, VERVAL_EXPR_ERROR, cases[i].code);
      g_assert_cmpuint (offset, ==, cases[i].offset);
    }
}

static void
test_expr_depth (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) fine = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalExpr) ok = NULL;
  VervalExpr *expr;

  for (guint i = 0; i < 1000; i++)
    g_string_append_c (deep, '(');
  g_string_append_c (deep, '1');
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (deep, ')');
  expr = verval_expr_parse (deep->str, resolve, f, NULL, &error);
  g_assert_null (expr);
  g_assert_error (error, VERVAL_EXPR_ERROR, VERVAL_EXPR_ERROR_TOO_DEEP);

  g_clear_error (&error);
  g_string_assign (deep, "");
  for (guint i = 0; i < 1000; i++)
    g_string_append (deep, "not ");
  g_string_append (deep, "true");
  expr = verval_expr_parse (deep->str, resolve, f, NULL, &error);
  g_assert_null (expr);
  g_assert_error (error, VERVAL_EXPR_ERROR, VERVAL_EXPR_ERROR_TOO_DEEP);

  /* a realistic depth is fine */
  for (guint i = 0; i < 20; i++)
    g_string_append_c (fine, '(');
  g_string_append (fine, "x");
  for (guint i = 0; i < 20; i++)
    g_string_append (fine, " + 1)");
  ok = parse_ok (f, fine->str);
}

/* Builds "head" followed by n - 1 times "sep item", then "tail". */
static char *
chain (const char *head,
       const char *sep,
       const char *item,
       guint       n,
       const char *tail)
{
  GString *text = g_string_new (head);

  for (guint i = 1; i < n; i++)
    {
      g_string_append (text, sep);
      g_string_append (text, item);
    }
  g_string_append (text, tail);
  return g_string_free (text, FALSE);
}

static void
assert_refused (Fixture    *f,
                const char *text,
                int         code,
                const char *limit)
{
  g_autoptr(GError) error = NULL;
  guint offset = G_MAXUINT;
  VervalExpr *expr = verval_expr_parse (text, resolve, f, &offset, &error);

  g_assert_null (expr);
  g_assert_error (error, VERVAL_EXPR_ERROR, code);
  g_test_message ("%.40s…: %s at %u", text, error->message, offset);
  g_assert_nonnull (strstr (error->message, limit));
  g_assert_cmpuint (offset, <, strlen (text));
}

/* Long flat chains are parsed without recursing per element, and the tree
 * they build is bounded, since freeing and evaluating it recurse: 300,000
 * terms are refused by name, the largest allowed chain still evaluates. */
static void
test_expr_chains (Fixture       *f,
                  gconstpointer  data)
{
  static const struct {
    const char *head, *sep, *item, *tail;
    int         code;
    const char *limit;
  } refused[] = {
    { "1", " + ", "1", "", VERVAL_EXPR_ERROR_TOO_DEEP, "256 levels" },
    { "x", " * ", "1", "", VERVAL_EXPR_ERROR_TOO_DEEP, "256 levels" },
    { "yes", " and ", "yes", "", VERVAL_EXPR_ERROR_TOO_DEEP, "256 levels" },
    { "x = 1", " or ", "x = 2", "", VERVAL_EXPR_ERROR_TOO_DEEP, "256 levels" },
    { "-", " ", "-", "1", VERVAL_EXPR_ERROR_TOO_DEEP, "nested too deeply" },
    { "not", " ", "not", " yes", VERVAL_EXPR_ERROR_TOO_DEEP, "nested too deeply" },
    { "sum(1", ", ", "1", ")", VERVAL_EXPR_ERROR_TOO_LONG, "4096" },
    { "x in (1", ", ", "2", ")", VERVAL_EXPR_ERROR_TOO_LONG, "4096" },
    { "count_true(yes", ", ", "x > 1", ")", VERVAL_EXPR_ERROR_TOO_LONG, "4096" },
  };
  g_autofree char *sum = NULL, *sum_long = NULL, *ors = NULL, *in = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *text = chain (refused[i].head, refused[i].sep, refused[i].item,
                                     300000, refused[i].tail);

      assert_refused (f, text, refused[i].code, refused[i].limit);
    }

  /* at the bounds */
  sum = chain ("1", " + ", "1", 256, "");
  assert_number (f, sum, 256);
  g_free (sum);
  sum = chain ("1", " + ", "1", 257, "");
  assert_refused (f, sum, VERVAL_EXPR_ERROR_TOO_DEEP, "256 levels");
  sum_long = chain ("sum(1", ", ", "1", 4095, ")");
  assert_number (f, sum_long, 4095);
  g_free (sum_long);
  sum_long = chain ("sum(1", ", ", "1", 4096, ")");
  assert_refused (f, sum_long, VERVAL_EXPR_ERROR_TOO_LONG, "4096");

  /* what real forms write stays far inside */
  ors = chain ("x = 1", " or ", "x = 2", 100, "");
  assert_bool (f, ors, TRUE);
  in = chain ("x in (1", ", ", "2", 1000, ")");
  assert_bool (f, in, TRUE);
}

/* Whatever the text, parsing either succeeds or fails with an offset inside it. */
static void
test_expr_garbage (Fixture       *f,
                   gconstpointer  data)
{
  static const char * const pieces[] = {
    "x", "needs", "1", "2.5", "'s'", "\"t\"", "(", ")", ",", ".", "+", "-", "*", "/",
    "%", "=", "!=", "<", ">=", "and", "or", "not", "in", "true", "null", "selected(",
    "count_true(", "if(", " ", "'", "\\", "#",
  };
  const char *full = "not (x + 2 * -half) in (1, 2) or selected(needs, 3) and "
                     "count_true(yes, no, if(x > 1, true, false)) >= 2";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261122);
  g_autoptr(VervalExpr) whole = NULL;

  f->allow_self = TRUE;
  for (gsize len = 0; len <= strlen (full); len++)
    {
      g_autofree char *prefix = g_strndup (full, len);
      g_autoptr(GError) error = NULL;
      guint offset = 0;
      g_autoptr(VervalExpr) expr = verval_expr_parse (prefix, resolve, f, &offset, &error);

      g_assert_true ((expr == NULL) == (error != NULL));
      if (expr == NULL)
        g_assert_cmpuint (offset, <=, len);
      else
        {
          VervalValue v;

          verval_expr_evaluate (expr, lookup, f, &v);
        }
    }
  whole = parse_ok (f, full);

  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = (guint) g_rand_int_range (rand, 1, 12);
      g_autoptr(GError) error = NULL;
      guint offset = 0;
      g_autoptr(VervalExpr) expr = NULL;

      for (guint j = 0; j < n; j++)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      expr = verval_expr_parse (text->str, resolve, f, &offset, &error);
      g_assert_true ((expr == NULL) == (error != NULL));
      if (expr == NULL)
        g_assert_cmpuint (offset, <=, text->len);
      else
        {
          VervalValue v;

          verval_expr_evaluate (expr, lookup, f, &v);
        }
    }
}

static void
test_expr_to_node (void)
{
  VervalValue v = { VERVAL_VALUE_NUMBER, FALSE, 14, NULL, NULL };
  g_autoptr(JsonNode) whole = verval_value_to_node (&v);
  g_autoptr(JsonNode) fraction = NULL;
  g_autoptr(JsonNode) null = NULL;

  g_assert_cmpint (json_node_get_value_type (whole), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (whole), ==, 14);
  v.number = 2.5;
  fraction = verval_value_to_node (&v);
  g_assert_cmpint (json_node_get_value_type (fraction), ==, G_TYPE_DOUBLE);
  v.type = VERVAL_VALUE_NULL;
  null = verval_value_to_node (&v);
  g_assert_true (JSON_NODE_HOLDS_NULL (null));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/common/expr/arithmetic", test_expr_arithmetic);
  ADD ("/common/expr/logic", test_expr_logic);
  ADD ("/common/expr/in", test_expr_in);
  ADD ("/common/expr/functions", test_expr_functions);
  ADD ("/common/expr/nulls", test_expr_nulls);
  ADD ("/common/expr/self", test_expr_self);
  ADD ("/common/expr/condition", test_expr_condition);
  ADD ("/common/expr/errors", test_expr_errors);
  ADD ("/common/expr/depth", test_expr_depth);
  ADD ("/common/expr/chains", test_expr_chains);
  ADD ("/common/expr/garbage", test_expr_garbage);
#undef ADD
  g_test_add_func ("/common/expr/to-node", test_expr_to_node);

  return g_test_run ();
}
