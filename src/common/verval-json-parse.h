/* verval-json-parse.h: the one way JSON from outside is read
 *
 * json-glib 1.6 accepts more than JSON (comments, single-quoted strings,
 * "\x" escapes, values after the root, integers that wrap around) and parses
 * recursively. Every text that comes from a device, a collector or a form
 * file is first checked here against RFC 8259 and against limits, by a
 * tokenizer that keeps no stack of its own calls, and only then handed to
 * json-glib.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VERVAL_JSON_ERROR (verval_json_error_quark ())

typedef enum {
  VERVAL_JSON_ERROR_SYNTAX,           /* not RFC 8259 JSON, or not UTF-8 */
  VERVAL_JSON_ERROR_TOO_DEEP,         /* more arrays and objects open at once than allowed */
  VERVAL_JSON_ERROR_TOO_MANY_VALUES,  /* more values and member names than allowed */
  VERVAL_JSON_ERROR_OUT_OF_RANGE,     /* a number json-glib cannot hold exactly enough */
} VervalJsonError;

typedef struct {
  guint max_depth;   /* arrays and objects open at once; 0: none at all */
  guint max_values;  /* values and member names in the whole text */
} VervalJsonLimits;

#define VERVAL_JSON_DEFAULT_MAX_DEPTH   64
#define VERVAL_JSON_DEFAULT_MAX_VALUES  (1024 * 1024)

GQuark    verval_json_error_quark (void);

/* Checks that data is one JSON text as RFC 8259 defines it and within
 * limits (NULL: the defaults above). Besides the grammar, refuses what the
 * RFC leaves to implementations and json-glib would get wrong: U+0000 and
 * lone surrogates in strings (raw or escaped), a byte-order mark, integers
 * outside gint64 and numbers too large for a double. Errors name the line
 * and column. */
gboolean  verval_json_check       (const char             *data,
                                   gsize                   length,
                                   const VervalJsonLimits *limits,
                                   GError                **error);
/* The same; errors read "source_name:line:column: reason", as a
 * compiler names a place in a file. */
gboolean  verval_json_check_file  (const char             *data,
                                   gsize                   length,
                                   const VervalJsonLimits *limits,
                                   const char             *source_name,
                                   GError                **error);
/* verval_json_check(), then json-glib. The root may be any value. */
JsonNode *verval_json_parse       (const char             *data,
                                   gsize                   length,
                                   const VervalJsonLimits *limits,
                                   GError                **error);

G_END_DECLS
