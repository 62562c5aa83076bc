/* verval-expr.h: the small expression language of form definitions
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VERVAL_EXPR_ERROR (verval_expr_error_quark ())

typedef enum {
  VERVAL_EXPR_ERROR_SYNTAX,
  VERVAL_EXPR_ERROR_UNKNOWN_NAME,
  VERVAL_EXPR_ERROR_UNKNOWN_FUNCTION,
  VERVAL_EXPR_ERROR_ARGUMENTS,
  VERVAL_EXPR_ERROR_TOO_DEEP,
  VERVAL_EXPR_ERROR_TOO_LONG,
} VervalExprError;

typedef enum {
  VERVAL_VALUE_NULL,     /* unanswered, hidden, or undefined (x / 0) */
  VERVAL_VALUE_BOOLEAN,
  VERVAL_VALUE_NUMBER,
  VERVAL_VALUE_STRING,
  VERVAL_VALUE_LIST,     /* a multiple-choice answer or photo list */
  VERVAL_VALUE_OBJECT,   /* e.g. a location: only "answered or not" */
} VervalValueType;

/* Strings and lists are borrowed from the answers or the expression. */
typedef struct {
  VervalValueType  type;
  gboolean         boolean;
  double           number;
  const char      *string;
  JsonArray       *list;
} VervalValue;

typedef struct _VervalExpr VervalExpr;

/* At parse time: whether name may be referenced ("." is the value being
 * checked, offered only to constraints). */
typedef gboolean (*VervalExprResolveFunc) (const char *name,
                                           gpointer    user_data);
/* At evaluation time: the current value of a name accepted at parse time. */
typedef void     (*VervalExprLookupFunc)  (const char  *name,
                                           VervalValue *value,
                                           gpointer     user_data);

GQuark       verval_expr_error_quark  (void);

VervalExpr  *verval_expr_parse        (const char            *text,
                                       VervalExprResolveFunc  resolve,
                                       gpointer               user_data,
                                       guint                 *error_offset,
                                       GError               **error);
void         verval_expr_free         (VervalExpr            *expr);
const char  *verval_expr_get_source   (VervalExpr            *expr);
void         verval_expr_evaluate     (VervalExpr            *expr,
                                       VervalExprLookupFunc   lookup,
                                       gpointer               user_data,
                                       VervalValue           *result);
/* Three-valued: TRUE, FALSE, or -1 when the result is null (unknown). */
int          verval_expr_evaluate_condition (VervalExpr           *expr,
                                             VervalExprLookupFunc  lookup,
                                             gpointer              user_data);

void         verval_value_from_node   (JsonNode              *node,
                                       VervalValue           *value);
JsonNode    *verval_value_to_node     (const VervalValue     *value);
gboolean     verval_value_is_true     (const VervalValue     *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalExpr, verval_expr_free)

G_END_DECLS
