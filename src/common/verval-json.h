/* verval-json.h: typed reads of json-glib nodes that never warn
 *
 * json-glib's getters complain (or convert) when a value is of another
 * type; input from devices and form files is read with these instead, which
 * answer "not that" for a missing node, a null or a value of another type.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An integer or a decimal, finite. */
gboolean    verval_json_number  (JsonNode *node,
                                 double   *value);
/* An integer only (1, not 1.0). */
gboolean    verval_json_integer (JsonNode *node,
                                 gint64   *value);
/* A string, or NULL. */
const char *verval_json_string  (JsonNode *node);

/* @node as compact JSON text that any RFC 8259 reader takes back. The same
 * text json-glib writes, except for what it gets wrong: a double it prints
 * with an exponent and no point (1e22) gets ".0" appended ("1e+22.0",
 * which nothing can read), and a NaN or an infinity is no JSON at all;
 * here they are "1e+22" and null. Every JSON the project writes goes
 * through this. *length: the text's length, if not NULL. */
char       *verval_json_to_string (JsonNode *node,
                                   gsize    *length);

/* Members of an object being built; a NULL string is written as null. */
void        verval_json_add_string (JsonBuilder *builder,
                                    const char  *name,
                                    const char  *value);
void        verval_json_add_int    (JsonBuilder *builder,
                                    const char  *name,
                                    gint64       value);
void        verval_json_add_double (JsonBuilder *builder,
                                    const char  *name,
                                    double       value);
/* A member holding the time as ISO 8601 with its offset, or null. */
void        verval_json_add_time (JsonBuilder *builder,
                                  const char  *name,
                                  GDateTime   *time);

G_END_DECLS
