/* verval-form.h: questionnaire definitions loaded from JSON (docs/forms.md)
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "verval-expr.h"

G_BEGIN_DECLS

#define VERVAL_FORM_ERROR (verval_form_error_quark ())

typedef enum {
  VERVAL_FORM_ERROR_PARSE,     /* not JSON */
  VERVAL_FORM_ERROR_INVALID,   /* JSON, but not a valid form; message has line:column */
  VERVAL_FORM_ERROR_NOT_FOUND, /* no such built-in form */
} VervalFormError;

typedef enum {
  VERVAL_FIELD_SINGLE_CHOICE,
  VERVAL_FIELD_MULTIPLE_CHOICE,
  VERVAL_FIELD_YES_NO,
  VERVAL_FIELD_INTEGER,
  VERVAL_FIELD_DECIMAL,
  VERVAL_FIELD_TEXT,
  VERVAL_FIELD_DATE,
  VERVAL_FIELD_NIK,
  VERVAL_FIELD_KK,
  VERVAL_FIELD_PHOTO,
  VERVAL_FIELD_LOCATION,
} VervalFieldType;

typedef enum {
  VERVAL_SEVERITY_WARNING,     /* shown, does not block saving */
  VERVAL_SEVERITY_ERROR,       /* the visit cannot be finalised */
} VervalSeverity;

/* A text in Indonesian and English; verval_form_text() picks one. */
typedef struct {
  char *id;
  char *en;
} VervalFormText;

typedef struct {
  gint64         code;
  VervalFormText label;
} VervalFormOption;

typedef struct {
  VervalExpr     *expr;
  VervalFormText  message;
  VervalSeverity  severity;
} VervalFormConstraint;

typedef struct _VervalFormSection VervalFormSection;

/* Everything here is read-only and owned by the VervalForm. */
typedef struct {
  char              *id;
  VervalFieldType    type;
  VervalFormSection *section;
  VervalFormText     label;
  VervalFormText     hint;           /* may be empty */
  gboolean           required;       /* always required */
  VervalExpr        *required_if;    /* or required when this is true */
  VervalExpr        *relevant;       /* NULL: always shown (if the section is) */
  GPtrArray         *constraints;    /* VervalFormConstraint */
  GPtrArray         *options;        /* VervalFormOption (choice fields) */
  gboolean           has_min;
  gboolean           has_max;
  double             min;            /* numbers; count of choices/photos */
  double             max;
  char              *min_date;       /* "YYYY-MM-DD" or "today" */
  char              *max_date;
  GRegex            *pattern;        /* text */
  VervalFormText     pattern_message;
  guint              max_length;     /* text, in characters */
  char              *role;           /* photo: media role, e.g. house_front */
  guint              max_count;      /* photo: at most this many */
  gboolean           sensitive;      /* e.g. a photo of the family card */
  double             warn_accuracy;  /* location: warn above this many metres */
  guint              line;           /* of the field in the form file */
  guint              column;
} VervalFormField;

struct _VervalFormSection
{
  char           *id;
  VervalFormText  title;
  VervalExpr     *relevant;
  GPtrArray      *fields;            /* VervalFormField */
};

/* A derived value, evaluated after relevance, in order. */
typedef struct {
  char           *id;
  VervalFormText  label;
  VervalExpr     *expr;
  VervalExpr     *relevant;          /* NULL when always computed */
} VervalFormComputed;

#define VERVAL_TYPE_FORM (verval_form_get_type ())
G_DECLARE_FINAL_TYPE (VervalForm, verval_form, VERVAL, FORM, GObject)

GQuark                    verval_form_error_quark    (void);

VervalForm               *verval_form_new_from_bytes (GBytes        *json,
                                                      const char    *source_name,
                                                      GError       **error);
VervalForm               *verval_form_new_from_file  (GFile         *file,
                                                      GCancellable  *cancellable,
                                                      GError       **error);
VervalForm               *verval_form_new_builtin    (const char    *form_id,
                                                      GError       **error);

const char               *verval_form_get_id         (VervalForm    *self);
gint64                    verval_form_get_version    (VervalForm    *self);
const VervalFormText     *verval_form_get_title      (VervalForm    *self);
GPtrArray                *verval_form_get_sections   (VervalForm    *self);
GPtrArray                *verval_form_get_computed   (VervalForm    *self);
JsonObject               *verval_form_get_constants  (VervalForm    *self);
const VervalFormSection  *verval_form_lookup_section (VervalForm    *self,
                                                      const char    *section_id);
const VervalFormField    *verval_form_lookup_field   (VervalForm    *self,
                                                      const char    *field_id);
const VervalFormComputed *verval_form_lookup_computed (VervalForm   *self,
                                                       const char   *computed_id);
const VervalFormOption   *verval_form_field_lookup_option (const VervalFormField *field,
                                                           gint64                 code);

const char               *verval_form_text           (const VervalFormText *text);
const char               *verval_form_text_for_language (const VervalFormText *text,
                                                         const char           *language);
const char               *verval_field_type_to_string (VervalFieldType type);
gboolean                  verval_form_parse_date     (const char    *text,
                                                      GDate         *date);

G_END_DECLS
