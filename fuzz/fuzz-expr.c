/* fuzz-expr.c: form expressions, parsed and evaluated
 *
 * The input is the text of a relevance or constraint expression. It is
 * parsed with names a form might define ("." included), and each tree is
 * evaluated twice: against answers of every type, and against a form with
 * nothing answered, where everything must come out without a fault.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "verval-expr.h"

static JsonObject *answers;

static gboolean
resolve (const char *name,
         gpointer    user_data)
{
  return strcmp (name, ".") == 0 || json_object_has_member (answers, name) ||
         strcmp (name, "unanswered") == 0;
}

static void
lookup (const char  *name,
        VervalValue *value,
        gpointer     user_data)
{
  g_assert_true (resolve (name, NULL));
  verval_value_from_node (json_object_get_member (answers, name), value);
}

static void
lookup_nothing (const char  *name,
                VervalValue *value,
                gpointer     user_data)
{
  verval_value_from_node (NULL, value);
}

static void
check_value (const VervalValue *value)
{
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpint (value->type, >=, VERVAL_VALUE_NULL);
  g_assert_cmpint (value->type, <=, VERVAL_VALUE_OBJECT);
  if (value->type == VERVAL_VALUE_STRING)
    g_assert_true (g_utf8_validate (value->string, -1, NULL));
  node = verval_value_to_node (value);
  (void) verval_value_is_true (value);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(JsonNode) root = NULL;

  fuzz_init ();
  /* one answer of each kind a form holds, with the names of the built-in form */
  root = json_from_string ("{\"result\": 1, \"members\": 5, \"income\": 1500000.5,"
                           " \"occupation\": 2, \"name\": \"Ni Luh Suryani\", \"empty\": \"\","
                           " \"has_savings\": false, \"house_present\": true,"
                           " \"programmes\": [\"pkh\", \"bpnt\", 3], \"none\": [],"
                           " \"visit_date\": \"2026-11-22\", \"skipped\": null,"
                           " \"location\": {\"latitude\": -8.1123, \"longitude\": 115.0912},"
                           " \".\": 12}",
                           NULL);
  answers = json_object_ref (json_node_get_object (root));
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* form files are UTF-8 (the JSON check sees to it), so the text is too */
  g_autofree char *text = g_utf8_make_valid ((const char *) data, (gssize) size);
  g_autoptr(VervalExpr) expr = NULL;
  g_autoptr(GError) error = NULL;
  VervalValue value;
  guint offset = G_MAXUINT;
  int condition;

  expr = verval_expr_parse (text, resolve, NULL, &offset, &error);
  if (expr == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == VERVAL_EXPR_ERROR);
      g_assert_cmpuint (offset, <=, strlen (text));
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (verval_expr_get_source (expr), ==, text);

  verval_expr_evaluate (expr, lookup, NULL, &value);
  check_value (&value);
  condition = verval_expr_evaluate_condition (expr, lookup, NULL);
  g_assert_true (condition == TRUE || condition == FALSE || condition == -1);
  verval_expr_evaluate (expr, lookup_nothing, NULL, &value);
  check_value (&value);
  condition = verval_expr_evaluate_condition (expr, lookup_nothing, NULL);
  g_assert_true (condition == TRUE || condition == FALSE || condition == -1);
  return 0;
}
