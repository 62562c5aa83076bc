/* verval-form.c: questionnaire definitions loaded from JSON (docs/forms.md)
 *
 * A form file is written by people, so every mistake in it is refused at load
 * time with the line and column where it is: an unknown member or field type,
 * a duplicate id, an expression that does not parse or names something the
 * form does not define. JsonParser only reports positions while it parses, so
 * the loader remembers where each object starts and finds members and string
 * values in the text from there.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-form"

#include "config.h"

#include <string.h>

#include "verval-common-resources.h"
#include "verval-form.h"
#include "verval-json-parse.h"

#define FORMS_RESOURCE_PATH "/id/verval/common/forms/"
#define DEFAULT_TEXT_MAX_LENGTH 2000

struct _VervalForm
{
  GObject         parent_instance;

  char           *id;
  gint64          version;
  VervalFormText  title;
  JsonObject     *constants;
  GPtrArray      *sections;   /* VervalFormSection */
  GPtrArray      *computed;   /* VervalFormComputed */
  GHashTable     *fields_by_id;
  GHashTable     *sections_by_id;
  GHashTable     *computed_by_id;
};

G_DEFINE_TYPE (VervalForm, verval_form, G_TYPE_OBJECT)
G_DEFINE_QUARK (verval-form-error-quark, verval_form_error)

static const char * const type_names[] = {
  [VERVAL_FIELD_SINGLE_CHOICE] = "single_choice",
  [VERVAL_FIELD_MULTIPLE_CHOICE] = "multiple_choice",
  [VERVAL_FIELD_YES_NO] = "yes_no",
  [VERVAL_FIELD_INTEGER] = "integer",
  [VERVAL_FIELD_DECIMAL] = "decimal",
  [VERVAL_FIELD_TEXT] = "text",
  [VERVAL_FIELD_DATE] = "date",
  [VERVAL_FIELD_NIK] = "nik",
  [VERVAL_FIELD_KK] = "kk",
  [VERVAL_FIELD_PHOTO] = "photo",
  [VERVAL_FIELD_LOCATION] = "location",
};

const char *
verval_field_type_to_string (VervalFieldType type)
{
  g_return_val_if_fail (type <= VERVAL_FIELD_LOCATION, NULL);

  return type_names[type];
}

static void
text_clear (VervalFormText *text)
{
  g_clear_pointer (&text->id, g_free);
  g_clear_pointer (&text->en, g_free);
}

static void
option_free (VervalFormOption *option)
{
  text_clear (&option->label);
  g_free (option);
}

static void
constraint_free (VervalFormConstraint *constraint)
{
  verval_expr_free (constraint->expr);
  text_clear (&constraint->message);
  g_free (constraint);
}

static void
field_free (VervalFormField *field)
{
  g_free (field->id);
  text_clear (&field->label);
  text_clear (&field->hint);
  verval_expr_free (field->required_if);
  verval_expr_free (field->relevant);
  g_clear_pointer (&field->constraints, g_ptr_array_unref);
  g_clear_pointer (&field->options, g_ptr_array_unref);
  g_free (field->min_date);
  g_free (field->max_date);
  g_clear_pointer (&field->pattern, g_regex_unref);
  text_clear (&field->pattern_message);
  g_free (field->role);
  g_free (field);
}

static void
section_free (VervalFormSection *section)
{
  g_free (section->id);
  text_clear (&section->title);
  verval_expr_free (section->relevant);
  g_clear_pointer (&section->fields, g_ptr_array_unref);
  g_free (section);
}

static void
computed_free (VervalFormComputed *computed)
{
  g_free (computed->id);
  text_clear (&computed->label);
  verval_expr_free (computed->expr);
  verval_expr_free (computed->relevant);
  g_free (computed);
}

static void
verval_form_finalize (GObject *object)
{
  VervalForm *self = VERVAL_FORM (object);

  g_free (self->id);
  text_clear (&self->title);
  g_clear_pointer (&self->constants, json_object_unref);
  g_clear_pointer (&self->sections, g_ptr_array_unref);
  g_clear_pointer (&self->computed, g_ptr_array_unref);
  g_clear_pointer (&self->fields_by_id, g_hash_table_unref);
  g_clear_pointer (&self->sections_by_id, g_hash_table_unref);
  g_clear_pointer (&self->computed_by_id, g_hash_table_unref);

  G_OBJECT_CLASS (verval_form_parent_class)->finalize (object);
}

static void
verval_form_class_init (VervalFormClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = verval_form_finalize;
}

static void
verval_form_init (VervalForm *self)
{
  self->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_free);
  self->computed = g_ptr_array_new_with_free_func ((GDestroyNotify) computed_free);
  self->fields_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->sections_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->computed_by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

/* ---- Positions in the source text ---- */

typedef struct {
  const char *name;
  const char *text;
  gsize       len;
  GArray     *line_starts;   /* gsize: offset of each line */
  GArray     *stack;         /* gsize: offsets of the objects being parsed */
  GHashTable *starts;        /* JsonObject * → offset of its '{' + 1 */
} Source;

static void
source_init (Source     *src,
             const char *name,
             const char *text,
             gsize       len)
{
  gsize zero = 0;

  src->name = name;
  src->text = text;
  src->len = len;
  src->line_starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  src->stack = g_array_new (FALSE, FALSE, sizeof (gsize));
  src->starts = g_hash_table_new (NULL, NULL);
  g_array_append_val (src->line_starts, zero);
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\n')
        {
          gsize next_line = i + 1;
          g_array_append_val (src->line_starts, next_line);
        }
    }
}

static void
source_clear (Source *src)
{
  g_clear_pointer (&src->line_starts, g_array_unref);
  g_clear_pointer (&src->stack, g_array_unref);
  g_clear_pointer (&src->starts, g_hash_table_unref);
}

static void
source_line_col (Source *src,
                 gsize   offset,
                 guint  *line,
                 guint  *column)
{
  guint lo = 0, hi = src->line_starts->len;

  /* the last line starting at or before offset */
  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (src->line_starts, gsize, mid) <= offset)
        lo = mid;
      else
        hi = mid;
    }
  *line = lo + 1;
  *column = (guint) g_utf8_strlen (src->text + g_array_index (src->line_starts, gsize, lo),
                                   (gssize) (offset - g_array_index (src->line_starts, gsize, lo))) + 1;
}

static void
on_object_start (JsonParser *parser,
                 Source     *src)
{
  guint line = json_parser_get_current_line (parser);
  guint pos = json_parser_get_current_pos (parser);
  gsize offset = src->len;

  if (line >= 1 && line <= src->line_starts->len)
    {
      offset = g_array_index (src->line_starts, gsize, line - 1) + (pos > 0 ? pos - 1 : 0);
      /* columns may count characters, not bytes: move on to the brace */
      while (offset < src->len && src->text[offset] != '{')
        offset++;
    }
  g_array_append_val (src->stack, offset);
}

static void
on_object_end (JsonParser *parser,
               JsonObject *object,
               Source     *src)
{
  gsize offset;

  if (src->stack->len == 0)
    return;
  offset = g_array_index (src->stack, gsize, src->stack->len - 1);
  g_array_set_size (src->stack, src->stack->len - 1);
  if (offset < src->len)
    g_hash_table_insert (src->starts, object, GSIZE_TO_POINTER (offset + 1));
}

static gsize
skip_string (Source *src,
             gsize   i)
{
  for (i++; i < src->len && src->text[i] != '"'; i++)
    {
      if (src->text[i] == '\\')
        i++;
    }
  return i + 1;
}

/* Finds member's key and value in the text of object, which JSON already
 * accepted, so only depth and strings need tracking. */
static gboolean
source_find_member (Source     *src,
                    JsonObject *object,
                    const char *member,
                    gsize      *key_offset,
                    gsize      *value_offset)
{
  gsize start = GPOINTER_TO_SIZE (g_hash_table_lookup (src->starts, object));
  gsize member_len = strlen (member);
  guint depth = 0;

  if (start == 0)
    return FALSE;
  for (gsize i = start - 1; i < src->len;)
    {
      char c = src->text[i];

      if (c == '{' || c == '[')
        depth++, i++;
      else if (c == '}' || c == ']')
        {
          if (--depth == 0)
            return FALSE;
          i++;
        }
      else if (c == '"')
        {
          gsize end = skip_string (src, i);

          if (depth == 1 && end - i - 2 == member_len &&
              memcmp (src->text + i + 1, member, member_len) == 0)
            {
              gsize j = end;

              while (j < src->len && g_ascii_isspace (src->text[j]))
                j++;
              if (j < src->len && src->text[j] == ':')
                {
                  j++;
                  while (j < src->len && g_ascii_isspace (src->text[j]))
                    j++;
                  *key_offset = i;
                  *value_offset = j;
                  return TRUE;
                }
            }
          i = end;
        }
      else
        i++;
    }
  return FALSE;
}

/* The raw offset of byte index in a JSON string literal starting at quote. */
static gsize
source_string_offset (Source *src,
                      gsize   quote,
                      guint   index)
{
  gsize i = quote + 1;
  guint decoded = 0;

  if (quote >= src->len || src->text[quote] != '"')
    return quote;
  while (i < src->len && src->text[i] != '"' && decoded < index)
    {
      if (src->text[i] == '\\' && i + 1 < src->len && src->text[i + 1] == 'u')
        {
          gunichar ch = (gunichar) g_ascii_strtoull (src->text + i + 2, NULL, 16);

          decoded += (guint) g_unichar_to_utf8 (ch, NULL);
          i += 6;
        }
      else
        {
          i += src->text[i] == '\\' ? 2 : 1;
          decoded++;
        }
    }
  return i;
}

/* ---- Loading ---- */

typedef enum {
  NAME_FIELD,
  NAME_CONSTANT,
  NAME_COMPUTED,
} NameKind;

typedef struct {
  NameKind kind;
  guint    index;      /* computed: position in the list */
} NameInfo;

typedef struct {
  Source      src;
  VervalForm *form;
  GError     *error;
  GHashTable *names;       /* id → NameInfo */
  /* what the expression being parsed may reference */
  gboolean    allow_self;
  gboolean    allow_computed;
  guint       computed_limit;
} Loader;

static gboolean
invalid_at (Loader     *l,
            gsize       offset,
            const char *format,
            ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid_at (Loader     *l,
            gsize       offset,
            const char *format,
            ...)
{
  g_autofree char *message = NULL;
  guint line = 1, column = 1;
  va_list args;

  if (l->error != NULL)
    return FALSE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (offset < l->src.len)
    source_line_col (&l->src, offset, &line, &column);
  g_set_error (&l->error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_INVALID,
               "%s:%u:%u: %s", l->src.name, line, column, message);
  return FALSE;
}

/* Where member of object is (its key), else the object, else the start. */
static gsize
member_offset (Loader     *l,
               JsonObject *object,
               const char *member)
{
  gsize key, value;
  gsize start = GPOINTER_TO_SIZE (g_hash_table_lookup (l->src.starts, object));

  if (member != NULL && source_find_member (&l->src, object, member, &key, &value))
    return key;
  return start > 0 ? start - 1 : 0;
}

#define invalid(l, object, member, ...) \
  invalid_at ((l), member_offset ((l), (object), (member)), __VA_ARGS__)

static gboolean
check_members (Loader            *l,
               JsonObject        *object,
               const char        *what,
               const char * const *allowed)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *m = members; m != NULL; m = m->next)
    {
      const char *name = m->data;

      if (strcmp (name, "comment") == 0 || g_strv_contains (allowed, name))
        continue;
      return invalid (l, object, name, "unknown member “%s” in %s", name, what);
    }
  return TRUE;
}

static JsonObject *
get_object (Loader     *l,
            JsonObject *object,
            const char *member,
            gboolean    required)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      if (required)
        invalid (l, object, NULL, "missing “%s”", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (l, object, member, "“%s” must be an object", member);
      return NULL;
    }
  return json_node_get_object (node);
}

static JsonArray *
get_array (Loader     *l,
           JsonObject *object,
           const char *member,
           gboolean    required)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      if (required)
        invalid (l, object, NULL, "missing “%s”", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      invalid (l, object, member, "“%s” must be an array", member);
      return NULL;
    }
  return json_node_get_array (node);
}

static gboolean
is_string_node (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_number_node (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
is_bool_node (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

/* FALSE on error; *out stays NULL when absent and optional. */
static gboolean
get_string (Loader      *l,
            JsonObject  *object,
            const char  *member,
            gboolean     required,
            const char **out)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL)
    return required ? invalid (l, object, NULL, "missing “%s”", member) : TRUE;
  if (!is_string_node (node) || *json_node_get_string (node) == '\0')
    return invalid (l, object, member, "“%s” must be a non-empty string", member);
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_number (Loader     *l,
            JsonObject *object,
            const char *member,
            gboolean   *present,
            double     *out)
{
  JsonNode *node = json_object_get_member (object, member);

  *present = node != NULL;
  if (node == NULL)
    return TRUE;
  if (!is_number_node (node))
    return invalid (l, object, member, "“%s” must be a number", member);
  *out = json_node_get_double (node);
  return TRUE;
}

static gboolean
get_count (Loader     *l,
           JsonObject *object,
           const char *member,
           guint       fallback,
           guint       min,
           guint      *out)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = fallback;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > G_MAXINT)
    return invalid (l, object, member, "“%s” must be a whole number of at least %u", member, min);
  *out = (guint) json_node_get_int (node);
  return TRUE;
}

static gboolean
get_bool (Loader     *l,
          JsonObject *object,
          const char *member,
          gboolean   *out)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = FALSE;
  if (node == NULL)
    return TRUE;
  if (!is_bool_node (node))
    return invalid (l, object, member, "“%s” must be true or false", member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A text is "plain" (both languages) or {"id": "…", "en": "…"}. */
static gboolean
get_text (Loader         *l,
          JsonObject     *object,
          const char     *member,
          gboolean        required,
          VervalFormText *out)
{
  static const char * const allowed[] = { "id", "en", NULL };
  JsonNode *node = json_object_get_member (object, member);
  JsonObject *text;
  const char *id, *en;

  if (node == NULL)
    return required ? invalid (l, object, NULL, "missing “%s”", member) : TRUE;
  if (is_string_node (node) && *json_node_get_string (node) != '\0')
    {
      out->id = g_strdup (json_node_get_string (node));
      out->en = g_strdup (out->id);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (l, object, member,
                    "“%s” must be a string or an object with “id” and “en” texts", member);
  text = json_node_get_object (node);
  if (!check_members (l, text, "a text", allowed) ||
      !get_string (l, text, "id", FALSE, &id) ||
      !get_string (l, text, "en", FALSE, &en))
    return FALSE;
  if (id == NULL && en == NULL)
    return invalid (l, object, member, "“%s” needs an “id” or an “en” text", member);
  out->id = g_strdup (id != NULL ? id : en);
  out->en = g_strdup (en != NULL ? en : id);
  return TRUE;
}

static gboolean
is_identifier (const char *s)
{
  static const char * const reserved[] = {
    "and", "or", "not", "in", "true", "false", "null", NULL
  };

  if (!g_ascii_isalpha (*s) && *s != '_')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_')
        return FALSE;
    }
  return !g_strv_contains (reserved, s);
}

static gboolean
get_identifier (Loader      *l,
                JsonObject  *object,
                const char **out)
{
  if (!get_string (l, object, "id", TRUE, out))
    return FALSE;
  if (!is_identifier (*out))
    return invalid (l, object, "id",
                    "“%s” is not a valid id (letters, digits and _, not starting with a digit, "
                    "not a keyword)", *out);
  return TRUE;
}

static gboolean
add_name (Loader     *l,
          JsonObject *object,
          const char *member,
          const char *name,
          NameKind    kind,
          guint       index)
{
  NameInfo *info;

  if (g_hash_table_contains (l->names, name))
    return invalid (l, object, member, "“%s” is defined twice", name);
  info = g_new (NameInfo, 1);
  info->kind = kind;
  info->index = index;
  g_hash_table_insert (l->names, g_strdup (name), info);
  return TRUE;
}

static gboolean
resolve_name (const char *name,
              gpointer    user_data)
{
  Loader *l = user_data;
  NameInfo *info;

  if (strcmp (name, ".") == 0)
    return l->allow_self;
  info = g_hash_table_lookup (l->names, name);
  if (info == NULL)
    return FALSE;
  if (info->kind == NAME_COMPUTED)
    return l->allow_computed && info->index < l->computed_limit;
  return TRUE;
}

/* Parses the expression in object.member; errors point into the string. */
static gboolean
parse_expr_value (Loader      *l,
                  JsonObject  *object,
                  const char  *member,
                  const char  *text,
                  VervalExpr **out)
{
  g_autoptr(GError) error = NULL;
  guint error_offset = 0;

  *out = verval_expr_parse (text, resolve_name, l, &error_offset, &error);
  if (*out == NULL)
    {
      gsize key, value;
      gsize offset;

      if (source_find_member (&l->src, object, member, &key, &value))
        offset = source_string_offset (&l->src, value, error_offset);
      else
        offset = member_offset (l, object, NULL);
      return invalid_at (l, offset, "in “%s”: %s", member, error->message);
    }
  return TRUE;
}

static gboolean
get_expr (Loader      *l,
          JsonObject  *object,
          const char  *member,
          gboolean     required,
          VervalExpr **out)
{
  const char *text;

  *out = NULL;
  if (!get_string (l, object, member, required, &text))
    return FALSE;
  if (text == NULL)
    return TRUE;
  return parse_expr_value (l, object, member, text, out);
}

static gboolean
load_constants (Loader     *l,
                JsonObject *root)
{
  JsonObject *constants = get_object (l, root, "constants", FALSE);
  g_autoptr(GList) members = NULL;

  if (constants == NULL)
    {
      l->form->constants = json_object_new ();
      return l->error == NULL;
    }
  members = json_object_get_members (constants);
  for (GList *m = members; m != NULL; m = m->next)
    {
      JsonNode *node = json_object_get_member (constants, m->data);

      if (!is_identifier (m->data))
        return invalid (l, constants, m->data, "“%s” is not a valid constant name",
                        (const char *) m->data);
      if (!is_number_node (node) && !is_string_node (node) && !is_bool_node (node))
        return invalid (l, constants, m->data,
                        "constant “%s” must be a number, a string or true/false",
                        (const char *) m->data);
      if (!add_name (l, constants, m->data, m->data, NAME_CONSTANT, 0))
        return FALSE;
    }
  l->form->constants = json_object_ref (constants);
  return TRUE;
}

static gboolean
load_options (Loader          *l,
              JsonObject      *object,
              VervalFormField *field)
{
  static const char * const allowed[] = { "code", "label", NULL };
  JsonArray *options = get_array (l, object, "options", TRUE);
  guint n;

  if (options == NULL)
    return FALSE;
  n = json_array_get_length (options);
  if (n == 0)
    return invalid (l, object, "options", "“options” is empty");
  field->options = g_ptr_array_new_with_free_func ((GDestroyNotify) option_free);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (options, i);
      JsonObject *o;
      JsonNode *code;
      VervalFormOption *option;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (l, object, "options", "option %u must be an object", i + 1);
      o = json_node_get_object (node);
      if (!check_members (l, o, "an option", allowed))
        return FALSE;
      code = json_object_get_member (o, "code");
      if (code == NULL || !JSON_NODE_HOLDS_VALUE (code) ||
          json_node_get_value_type (code) != G_TYPE_INT64)
        return invalid (l, o, "code", "an option needs a whole-number “code”");
      if (verval_form_field_lookup_option (field, json_node_get_int (code)) != NULL)
        return invalid (l, o, "code", "option code %" G_GINT64_FORMAT " is used twice",
                        json_node_get_int (code));
      option = g_new0 (VervalFormOption, 1);
      option->code = json_node_get_int (code);
      g_ptr_array_add (field->options, option);
      if (!get_text (l, o, "label", TRUE, &option->label))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_constraints (Loader          *l,
                  JsonObject      *object,
                  VervalFormField *field)
{
  static const char * const allowed[] = { "expr", "message", "severity", NULL };
  JsonArray *constraints = get_array (l, object, "constraints", FALSE);

  field->constraints = g_ptr_array_new_with_free_func ((GDestroyNotify) constraint_free);
  if (constraints == NULL)
    return l->error == NULL;
  for (guint i = 0; i < json_array_get_length (constraints); i++)
    {
      JsonNode *node = json_array_get_element (constraints, i);
      VervalFormConstraint *constraint;
      const char *severity;
      JsonObject *o;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (l, object, "constraints", "constraint %u must be an object", i + 1);
      o = json_node_get_object (node);
      if (!check_members (l, o, "a constraint", allowed))
        return FALSE;
      constraint = g_new0 (VervalFormConstraint, 1);
      g_ptr_array_add (field->constraints, constraint);
      if (!get_text (l, o, "message", TRUE, &constraint->message) ||
          !get_string (l, o, "severity", FALSE, &severity))
        return FALSE;
      if (severity == NULL || strcmp (severity, "error") == 0)
        constraint->severity = VERVAL_SEVERITY_ERROR;
      else if (strcmp (severity, "warning") == 0)
        constraint->severity = VERVAL_SEVERITY_WARNING;
      else
        return invalid (l, o, "severity", "“severity” must be “error” or “warning”");
      l->allow_self = TRUE;
      if (!get_expr (l, o, "expr", TRUE, &constraint->expr))
        return FALSE;
      l->allow_self = FALSE;
    }
  return TRUE;
}

/* An ISO calendar date "YYYY-MM-DD", the form answers use. */
gboolean
verval_form_parse_date (const char *text,
                        GDate      *date)
{
  static const guint digit_at[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
  guint y, m, d;

  g_return_val_if_fail (text != NULL, FALSE);

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (digit_at); i++)
    {
      if (!g_ascii_isdigit (text[digit_at[i]]))
        return FALSE;
    }
  y = (guint) g_ascii_strtoull (text, NULL, 10);
  m = (guint) g_ascii_strtoull (text + 5, NULL, 10);
  d = (guint) g_ascii_strtoull (text + 8, NULL, 10);
  if (!g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;
  if (date != NULL)
    g_date_set_dmy (date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

static gboolean
load_date_limit (Loader      *l,
                 JsonObject  *object,
                 const char  *member,
                 char       **out)
{
  const char *value;

  if (!get_string (l, object, member, FALSE, &value))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (strcmp (value, "today") != 0 && !verval_form_parse_date (value, NULL))
    return invalid (l, object, member, "“%s” must be a date (YYYY-MM-DD) or “today”", member);
  *out = g_strdup (value);
  return TRUE;
}

/* Which optional members each field type accepts. */
static gboolean
member_applies (VervalFieldType  type,
                const char      *member)
{
  if (strcmp (member, "options") == 0)
    return type == VERVAL_FIELD_SINGLE_CHOICE || type == VERVAL_FIELD_MULTIPLE_CHOICE;
  if (strcmp (member, "min") == 0 || strcmp (member, "max") == 0)
    return type == VERVAL_FIELD_INTEGER || type == VERVAL_FIELD_DECIMAL ||
           type == VERVAL_FIELD_DATE || type == VERVAL_FIELD_MULTIPLE_CHOICE;
  if (strcmp (member, "pattern") == 0 || strcmp (member, "pattern_message") == 0 ||
      strcmp (member, "max_length") == 0)
    return type == VERVAL_FIELD_TEXT;
  if (strcmp (member, "role") == 0 || strcmp (member, "max_count") == 0)
    return type == VERVAL_FIELD_PHOTO;
  if (strcmp (member, "warn_accuracy") == 0)
    return type == VERVAL_FIELD_LOCATION;
  return TRUE;
}

static gboolean
load_field_limits (Loader          *l,
                   JsonObject      *object,
                   VervalFormField *field)
{
  if (field->type == VERVAL_FIELD_DATE)
    return load_date_limit (l, object, "min", &field->min_date) &&
           load_date_limit (l, object, "max", &field->max_date);

  if (!get_number (l, object, "min", &field->has_min, &field->min) ||
      !get_number (l, object, "max", &field->has_max, &field->max))
    return FALSE;
  if (field->has_min && field->has_max && field->min > field->max)
    return invalid (l, object, "max", "“max” is below “min”");
  if (field->type == VERVAL_FIELD_INTEGER &&
      ((field->has_min && field->min != (double) (gint64) field->min) ||
       (field->has_max && field->max != (double) (gint64) field->max)))
    return invalid (l, object, field->has_min ? "min" : "max",
                    "limits of an integer field must be whole numbers");
  return TRUE;
}

static gboolean
load_field_type_specific (Loader          *l,
                          JsonObject      *object,
                          VervalFormField *field)
{
  const char *pattern, *role;

  switch (field->type)
    {
    case VERVAL_FIELD_SINGLE_CHOICE:
    case VERVAL_FIELD_MULTIPLE_CHOICE:
      return load_options (l, object, field);

    case VERVAL_FIELD_TEXT:
      if (!get_count (l, object, "max_length", DEFAULT_TEXT_MAX_LENGTH, 1, &field->max_length) ||
          !get_string (l, object, "pattern", FALSE, &pattern) ||
          !get_text (l, object, "pattern_message", FALSE, &field->pattern_message))
        return FALSE;
      if (pattern != NULL)
        {
          g_autoptr(GError) error = NULL;

          field->pattern = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &error);
          if (field->pattern == NULL)
            return invalid (l, object, "pattern", "bad “pattern”: %s", error->message);
        }
      return TRUE;

    case VERVAL_FIELD_PHOTO:
      if (!get_string (l, object, "role", FALSE, &role) ||
          !get_count (l, object, "max_count", 1, 1, &field->max_count))
        return FALSE;
      if (role != NULL && !is_identifier (role))
        return invalid (l, object, "role", "“role” must be a simple name like house_front");
      field->role = g_strdup (role != NULL ? role : field->id);
      return TRUE;

    case VERVAL_FIELD_LOCATION:
      {
        gboolean present;

        if (!get_number (l, object, "warn_accuracy", &present, &field->warn_accuracy))
          return FALSE;
        if (present && field->warn_accuracy <= 0)
          return invalid (l, object, "warn_accuracy", "“warn_accuracy” must be positive");
        return TRUE;
      }

    case VERVAL_FIELD_YES_NO:
    case VERVAL_FIELD_INTEGER:
    case VERVAL_FIELD_DECIMAL:
    case VERVAL_FIELD_DATE:
    case VERVAL_FIELD_NIK:
    case VERVAL_FIELD_KK:
    default:
      return TRUE;
    }
}

/* First pass over a field: everything but its expressions, which may name
 * fields further down the form. */
static gboolean
load_field (Loader            *l,
            JsonObject        *object,
            VervalFormSection *section)
{
  static const char * const allowed[] = {
    "id", "type", "label", "hint", "required", "relevant", "constraints", "options",
    "min", "max", "pattern", "pattern_message", "max_length", "role", "max_count",
    "sensitive", "warn_accuracy", NULL
  };
  g_autoptr(GList) members = NULL;
  VervalFormField *field;
  const char *id, *type;
  JsonNode *required;
  guint t;

  if (!get_identifier (l, object, &id) || !get_string (l, object, "type", TRUE, &type))
    return FALSE;
  for (t = 0; t < G_N_ELEMENTS (type_names); t++)
    {
      if (strcmp (type, type_names[t]) == 0)
        break;
    }
  if (t == G_N_ELEMENTS (type_names))
    return invalid (l, object, "type", "unknown field type “%s”", type);
  if (!check_members (l, object, "a field", allowed))
    return FALSE;
  members = json_object_get_members (object);
  for (GList *m = members; m != NULL; m = m->next)
    {
      if (!member_applies ((VervalFieldType) t, m->data))
        return invalid (l, object, m->data, "“%s” does not apply to %s fields",
                        (const char *) m->data, type);
    }
  if (g_hash_table_contains (l->form->sections_by_id, id) ||
      !add_name (l, object, "id", id, NAME_FIELD, 0))
    return invalid (l, object, "id", "“%s” is defined twice", id);

  field = g_new0 (VervalFormField, 1);
  field->id = g_strdup (id);
  field->type = (VervalFieldType) t;
  field->section = section;
  source_line_col (&l->src, member_offset (l, object, NULL), &field->line, &field->column);
  g_ptr_array_add (section->fields, field);
  g_hash_table_insert (l->form->fields_by_id, field->id, field);

  required = json_object_get_member (object, "required");
  if (required != NULL && !is_bool_node (required) && !is_string_node (required))
    return invalid (l, object, "required",
                    "“required” must be true, false or a condition");
  if (required != NULL && is_bool_node (required))
    field->required = json_node_get_boolean (required);

  return get_text (l, object, "label", TRUE, &field->label) &&
         get_text (l, object, "hint", FALSE, &field->hint) &&
         get_bool (l, object, "sensitive", &field->sensitive) &&
         load_field_limits (l, object, field) &&
         load_field_type_specific (l, object, field);
}

static gboolean
load_field_exprs (Loader          *l,
                  JsonObject      *object,
                  VervalFormField *field)
{
  JsonNode *required = json_object_get_member (object, "required");

  if (required != NULL && is_string_node (required) &&
      !get_expr (l, object, "required", TRUE, &field->required_if))
    return FALSE;
  return get_expr (l, object, "relevant", FALSE, &field->relevant) &&
         load_constraints (l, object, field);
}

static gboolean
for_each_object (Loader      *l,
                 JsonObject  *parent,
                 const char  *member,
                 JsonArray   *array,
                 const char  *what,
                 gboolean   (*func) (Loader *, JsonObject *, gpointer),
                 gpointer     data)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (l, parent, member, "%s %u must be an object", what, i + 1);
      if (!func (l, json_node_get_object (node), data))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_field_cb (Loader     *l,
               JsonObject *object,
               gpointer    section)
{
  return load_field (l, object, section);
}

static gboolean
load_section (Loader     *l,
              JsonObject *object,
              gpointer    user_data)
{
  static const char * const allowed[] = { "id", "title", "relevant", "fields", NULL };
  VervalFormSection *section;
  JsonArray *fields;
  const char *id;

  if (!check_members (l, object, "a section", allowed) || !get_identifier (l, object, &id))
    return FALSE;
  if (g_hash_table_contains (l->form->sections_by_id, id) || g_hash_table_contains (l->names, id))
    return invalid (l, object, "id", "“%s” is defined twice", id);
  section = g_new0 (VervalFormSection, 1);
  section->id = g_strdup (id);
  section->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  g_ptr_array_add (l->form->sections, section);
  g_hash_table_insert (l->form->sections_by_id, section->id, section);

  if (!get_text (l, object, "title", TRUE, &section->title))
    return FALSE;
  fields = get_array (l, object, "fields", TRUE);
  if (fields == NULL)
    return FALSE;
  if (json_array_get_length (fields) == 0)
    return invalid (l, object, "fields", "section “%s” has no fields", id);
  return for_each_object (l, object, "fields", fields, "field", load_field_cb, section);
}

/* Second pass, once every name is known: relevance, requirements and
 * constraints of sections and fields. The JSON was checked by the first. */
static gboolean
load_exprs (Loader    *l,
            JsonArray *sections)
{
  for (guint i = 0; i < json_array_get_length (sections); i++)
    {
      JsonObject *object = json_array_get_object_element (sections, i);
      VervalFormSection *section = g_ptr_array_index (l->form->sections, i);
      JsonArray *fields = json_object_get_array_member (object, "fields");

      if (!get_expr (l, object, "relevant", FALSE, &section->relevant))
        return FALSE;
      for (guint j = 0; j < json_array_get_length (fields); j++)
        {
          if (!load_field_exprs (l, json_array_get_object_element (fields, j),
                                 g_ptr_array_index (section->fields, j)))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_computed (Loader     *l,
               JsonObject *object,
               gpointer    user_data)
{
  static const char * const allowed[] = { "id", "label", "expr", "relevant", NULL };
  VervalFormComputed *computed;
  const char *id;
  gboolean ok;

  if (!check_members (l, object, "a computed value", allowed) ||
      !get_identifier (l, object, &id) ||
      !add_name (l, object, "id", id, NAME_COMPUTED, l->form->computed->len))
    return FALSE;
  computed = g_new0 (VervalFormComputed, 1);
  computed->id = g_strdup (id);
  g_ptr_array_add (l->form->computed, computed);
  g_hash_table_insert (l->form->computed_by_id, computed->id, computed);

  /* Only earlier computed values: the order is the evaluation order. */
  l->allow_computed = TRUE;
  l->computed_limit = l->form->computed->len - 1;
  ok = get_text (l, object, "label", TRUE, &computed->label) &&
       get_expr (l, object, "expr", TRUE, &computed->expr) &&
       get_expr (l, object, "relevant", FALSE, &computed->relevant);
  l->allow_computed = FALSE;
  return ok;
}

static gboolean
load_form (Loader     *l,
           JsonNode   *root_node)
{
  static const char * const allowed[] = {
    "id", "version", "title", "constants", "sections", "computed", NULL
  };
  VervalForm *form = l->form;
  JsonObject *root;
  JsonNode *version;
  JsonArray *sections, *computed;
  const char *id;

  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    return invalid_at (l, 0, "a form must be a JSON object");
  root = json_node_get_object (root_node);
  if (!check_members (l, root, "a form", allowed) || !get_identifier (l, root, &id))
    return FALSE;
  form->id = g_strdup (id);
  version = json_object_get_member (root, "version");
  if (version == NULL)
    return invalid (l, root, NULL, "missing “version”");
  if (!JSON_NODE_HOLDS_VALUE (version) || json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) < 1)
    return invalid (l, root, "version", "“version” must be a whole number of at least 1");
  form->version = json_node_get_int (version);
  if (!get_text (l, root, "title", TRUE, &form->title) || !load_constants (l, root))
    return FALSE;

  sections = get_array (l, root, "sections", TRUE);
  if (sections == NULL)
    return FALSE;
  if (json_array_get_length (sections) == 0)
    return invalid (l, root, "sections", "a form needs at least one section");
  if (!for_each_object (l, root, "sections", sections, "section", load_section, NULL) ||
      !load_exprs (l, sections))
    return FALSE;

  computed = get_array (l, root, "computed", FALSE);
  if (computed == NULL)
    return l->error == NULL;
  return for_each_object (l, root, "computed", computed, "computed value", load_computed, NULL);
}

VervalForm *
verval_form_new_from_bytes (GBytes      *json,
                            const char  *source_name,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(VervalForm) form = NULL;
  g_autoptr(GError) parse_error = NULL;
  Loader l = { 0 };
  const char *data;
  gsize size;
  gboolean ok;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (source_name == NULL)
    source_name = "form";
  data = g_bytes_get_data (json, &size);
  if (size > G_MAXSSIZE)
    size = G_MAXSSIZE;

  /* a form is data an office can change: held to the same strict JSON as
   * any request, before json-glib sees it */
  if (!verval_json_check_file (data, size, NULL, source_name, &parse_error))
    {
      g_set_error_literal (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_PARSE, parse_error->message);
      return NULL;
    }
  parser = json_parser_new ();
  source_init (&l.src, source_name, data, size);
  g_signal_connect (parser, "object-start", G_CALLBACK (on_object_start), &l.src);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_object_end), &l.src);
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) size, &parse_error))
    {
      /* json-glib says "<data>:line:column: …"; name the file instead */
      const char *message = parse_error->message;

      if (g_str_has_prefix (message, "<data>"))
        message += strlen ("<data>");
      else
        source_name = "";
      g_set_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_PARSE, "%s%s",
                   source_name, message);
      source_clear (&l.src);
      return NULL;
    }

  form = g_object_new (VERVAL_TYPE_FORM, NULL);
  l.form = form;
  l.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ok = load_form (&l, json_parser_get_root (parser));
  g_hash_table_unref (l.names);
  source_clear (&l.src);
  if (!ok)
    {
      g_assert (l.error != NULL);
      g_propagate_error (error, l.error);
      return NULL;
    }
  return g_steal_pointer (&form);
}

VervalForm *
verval_form_new_from_file (GFile         *file,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  bytes = g_file_load_bytes (file, cancellable, NULL, error);
  if (bytes == NULL)
    return NULL;
  name = g_file_get_basename (file);
  return verval_form_new_from_bytes (bytes, name, error);
}

/* Forms shipped inside the library, by id ("verification"). */
VervalForm *
verval_form_new_builtin (const char  *form_id,
                         GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (form_id != NULL, NULL);

  if (!is_identifier (form_id))
    {
      g_set_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_NOT_FOUND,
                   "No built-in form “%s”", form_id);
      return NULL;
    }
  name = g_strconcat (form_id, ".json", NULL);
  path = g_strconcat (FORMS_RESOURCE_PATH, name, NULL);
  bytes = g_resource_lookup_data (verval_common_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      g_set_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_NOT_FOUND,
                   "No built-in form “%s”", form_id);
      return NULL;
    }
  return verval_form_new_from_bytes (bytes, name, error);
}

const char *
verval_form_get_id (VervalForm *self)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);

  return self->id;
}

gint64
verval_form_get_version (VervalForm *self)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), 0);

  return self->version;
}

const VervalFormText *
verval_form_get_title (VervalForm *self)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);

  return &self->title;
}

/* VervalFormSection pointers, in order; owned by self. */
GPtrArray *
verval_form_get_sections (VervalForm *self)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);

  return self->sections;
}

/* VervalFormComputed pointers, in evaluation order; owned by self. */
GPtrArray *
verval_form_get_computed (VervalForm *self)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);

  return self->computed;
}

JsonObject *
verval_form_get_constants (VervalForm *self)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);

  return self->constants;
}

const VervalFormSection *
verval_form_lookup_section (VervalForm *self,
                            const char *section_id)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);
  g_return_val_if_fail (section_id != NULL, NULL);

  return g_hash_table_lookup (self->sections_by_id, section_id);
}

const VervalFormField *
verval_form_lookup_field (VervalForm *self,
                          const char *field_id)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);
  g_return_val_if_fail (field_id != NULL, NULL);

  return g_hash_table_lookup (self->fields_by_id, field_id);
}

const VervalFormComputed *
verval_form_lookup_computed (VervalForm *self,
                             const char *computed_id)
{
  g_return_val_if_fail (VERVAL_IS_FORM (self), NULL);
  g_return_val_if_fail (computed_id != NULL, NULL);

  return g_hash_table_lookup (self->computed_by_id, computed_id);
}

const VervalFormOption *
verval_form_field_lookup_option (const VervalFormField *field,
                                 gint64                 code)
{
  g_return_val_if_fail (field != NULL, NULL);

  if (field->options == NULL)
    return NULL;
  for (guint i = 0; i < field->options->len; i++)
    {
      const VervalFormOption *option = g_ptr_array_index (field->options, i);

      if (option->code == code)
        return option;
    }
  return NULL;
}

/* "id" or "en": Indonesian when the UI language is Indonesian. Follows the
 * same preference list gettext uses, so labels and messages agree. */
static const char *
ui_language (void)
{
  const char * const *names = g_get_language_names ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_has_prefix (names[i], "id") &&
          (names[i][2] == '\0' || names[i][2] == '_' || names[i][2] == '.' || names[i][2] == '@'))
        return "id";
      if (g_str_has_prefix (names[i], "en") || strcmp (names[i], "C") == 0 ||
          strcmp (names[i], "POSIX") == 0)
        return "en";
    }
  return "en";
}

const char *
verval_form_text_for_language (const VervalFormText *text,
                               const char           *language)
{
  g_return_val_if_fail (text != NULL, NULL);

  if (language != NULL && strcmp (language, "id") == 0)
    return text->id != NULL ? text->id : text->en;
  return text->en != NULL ? text->en : text->id;
}

/* The text in the UI language; NULL only for an absent optional text. */
const char *
verval_form_text (const VervalFormText *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  return verval_form_text_for_language (text, ui_language ());
}
