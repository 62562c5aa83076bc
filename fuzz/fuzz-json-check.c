/* fuzz-json-check.c: the strict JSON entry against json-glib
 *
 * verval_json_check() stands in front of json-glib for everything read
 * from outside, so besides not crashing it must agree with it: json-glib
 * must parse every text the check lets through, and what the project's
 * writer (verval_json_to_string()) makes of the tree must pass the check
 * again and read as the same tree. (json-glib's own writer fails that: it
 * writes 1e22 as "1e+22.0"; this target found it.)
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "verval-json-parse.h"
#include "verval-json.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const VervalJsonLimits tight = { 4, 64 };
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) tight_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *written = NULL;
  gboolean ok, ok_tight;

  ok = verval_json_check (text, size, NULL, &error);
  g_assert_true (ok == (error == NULL));
  if (!ok)
    {
      g_assert_true (error->domain == VERVAL_JSON_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  /* tighter limits only ever refuse more */
  ok_tight = verval_json_check_file (text, size, &tight, "fuzz.json", &tight_error);
  g_assert_true (!ok_tight || ok);
  if (!ok_tight)
    g_assert_true (g_str_has_prefix (tight_error->message, "fuzz.json:"));
  g_clear_error (&error);
  node = verval_json_parse (text, size, NULL, &error);
  g_assert_true ((node != NULL) == ok);
  if (node == NULL)
    return 0;

  written = verval_json_to_string (node, NULL);
  g_assert_true (verval_json_check (written, strlen (written), NULL, &error));
  g_assert_no_error (error);
  again = verval_json_parse (written, strlen (written), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (node, again));
  return 0;
}
