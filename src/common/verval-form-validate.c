/* verval-form-validate.c: checking a visit's answers against its form
 *
 * The field app runs this on every change to show what is missing or wrong,
 * and the collector runs it again on each uploaded visit, so both agree.
 * Sections and fields are visited in form order: a field's relevance may
 * depend on earlier answers, and an answer to a hidden question is dropped
 * (a coordinator who changes "found" to "moved" must not upload the housing
 * answers typed before). Computed values are evaluated last, on the cleaned
 * answers.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-form"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "verval-form-validate.h"
#include "verval-json.h"
#include "verval-nik.h"
#include "verval-regions.h"

#define SHA256_HEX_LENGTH 64

/* The largest whole number a double holds exactly: 2^53 - 1. */
#define MAX_EXACT_INTEGER 9007199254740991.0

typedef struct {
  VervalForm       *form;
  JsonObject       *raw;
  VervalFormResult *result;
  GHashTable       *done;      /* field ids already checked */
  JsonNode         *self;      /* the value a constraint checks */
  GDateTime        *now;
} Context;

static void
issue_free (VervalFormIssue *issue)
{
  g_free (issue->field_id);
  g_free (issue->message);
  g_free (issue);
}

static void
add_issue (Context        *ctx,
           const char     *field_id,
           VervalSeverity  severity,
           char           *message)
{
  VervalFormIssue *issue = g_new (VervalFormIssue, 1);

  issue->field_id = g_strdup (field_id);
  issue->severity = severity;
  issue->message = message;
  g_ptr_array_add (ctx->result->issues, issue);
}

static void
add_error (Context         *ctx,
           const VervalFormField *field,
           char            *message)
{
  add_issue (ctx, field->id, VERVAL_SEVERITY_ERROR, message);
}

static char *
format_number (double n)
{
  return g_strdup_printf ("%.15g", n);
}

static void
lookup (const char  *name,
        VervalValue *value,
        gpointer     user_data)
{
  Context *ctx = user_data;
  VervalFormResult *result = ctx->result;
  JsonObject *constants = verval_form_get_constants (ctx->form);

  if (strcmp (name, ".") == 0)
    verval_value_from_node (ctx->self, value);
  else if (json_object_has_member (constants, name))
    verval_value_from_node (json_object_get_member (constants, name), value);
  else if (json_object_has_member (result->computed, name))
    verval_value_from_node (json_object_get_member (result->computed, name), value);
  else if (g_hash_table_contains (result->hidden, name))
    verval_value_from_node (NULL, value);
  else if (g_hash_table_contains (ctx->done, name))
    verval_value_from_node (json_object_get_member (result->answers, name), value);
  else
    /* a later question: what has been typed so far */
    verval_value_from_node (json_object_get_member (ctx->raw, name), value);
}

/* TRUE, FALSE, or -1 for unknown */
static int
condition (Context    *ctx,
           VervalExpr *expr)
{
  return verval_expr_evaluate_condition (expr, lookup, ctx);
}

/* Wraps a new container in a node without keeping a second reference. */
static JsonNode *
array_node_take (JsonArray *array)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  return node;
}

static JsonNode *
object_node_take (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static gboolean
node_is_empty (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      for (const char *p = json_node_get_string (node); *p != '\0'; p = g_utf8_next_char (p))
        {
          if (!g_unichar_isspace (g_utf8_get_char (p)))
            return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}

static gboolean
check_range (Context               *ctx,
             const VervalFormField *field,
             double                 n)
{
  g_autofree char *min = format_number (field->min);
  g_autofree char *max = format_number (field->max);

  if ((!field->has_min || n >= field->min) && (!field->has_max || n <= field->max))
    return TRUE;
  if (field->has_min && field->has_max)
    add_error (ctx, field, g_strdup_printf (_("Must be between %s and %s"), min, max));
  else if (field->has_min)
    add_error (ctx, field, g_strdup_printf (_("Must be at least %s"), min));
  else
    add_error (ctx, field, g_strdup_printf (_("Must be at most %s"), max));
  return FALSE;
}

static JsonNode *
check_number (Context               *ctx,
              const VervalFormField *field,
              JsonNode              *node)
{
  double n;

  if (!verval_json_number (node, &n))
    {
      add_error (ctx, field, g_strdup (field->type == VERVAL_FIELD_INTEGER
                                         ? _("Enter a whole number")
                                         : _("Enter a number")));
      return NULL;
    }
  if (field->type == VERVAL_FIELD_INTEGER && (n != floor (n) || fabs (n) > MAX_EXACT_INTEGER))
    {
      add_error (ctx, field, g_strdup (_("Enter a whole number")));
      return NULL;
    }
  if (!check_range (ctx, field, n))
    return NULL;
  if (field->type == VERVAL_FIELD_INTEGER)
    return json_node_init_int (json_node_alloc (), (gint64) n);
  return json_node_init_double (json_node_alloc (), n);
}

/* An answer's option code: a whole number that converts to gint64 exactly.
 * 1e300, an infinity or 1.5 name no option, and converting them would be
 * undefined. */
static gboolean
get_option_code (JsonNode *node,
                 gint64   *code)
{
  double n;

  if (!verval_json_number (node, &n) || n != floor (n) || fabs (n) > MAX_EXACT_INTEGER)
    return FALSE;
  *code = (gint64) n;
  return TRUE;
}

static JsonNode *
check_single_choice (Context               *ctx,
                     const VervalFormField *field,
                     JsonNode              *node)
{
  gint64 code;

  if (!get_option_code (node, &code) || verval_form_field_lookup_option (field, code) == NULL)
    {
      add_error (ctx, field, g_strdup (_("Choose one of the options")));
      return NULL;
    }
  return json_node_init_int (json_node_alloc (), code);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static JsonNode *
check_multiple_choice (Context               *ctx,
                       const VervalFormField *field,
                       JsonNode              *node)
{
  g_autoptr(GArray) codes = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonArray *array, *out;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      add_error (ctx, field, g_strdup (_("Choose one or more of the options")));
      return NULL;
    }
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      gint64 code;

      if (!get_option_code (json_array_get_element (array, i), &code) ||
          verval_form_field_lookup_option (field, code) == NULL)
        {
          add_error (ctx, field, g_strdup (_("Choose one or more of the options")));
          return NULL;
        }
      g_array_append_val (codes, code);
    }
  g_array_sort (codes, compare_int64);
  for (guint i = 1; i < codes->len; i++)
    {
      if (g_array_index (codes, gint64, i) == g_array_index (codes, gint64, i - 1))
        {
          add_error (ctx, field, g_strdup (_("An option is chosen twice")));
          return NULL;
        }
    }
  if (field->has_min && codes->len < field->min)
    {
      add_error (ctx, field, g_strdup_printf (_("Choose at least %u of the options"),
                                              (guint) field->min));
      return NULL;
    }
  if (field->has_max && codes->len > field->max)
    {
      add_error (ctx, field, g_strdup_printf (_("Choose at most %u of the options"),
                                              (guint) field->max));
      return NULL;
    }
  out = json_array_sized_new (codes->len);
  for (guint i = 0; i < codes->len; i++)
    json_array_add_int_element (out, g_array_index (codes, gint64, i));
  return array_node_take (out);
}

static JsonNode *
check_text (Context               *ctx,
            const VervalFormField *field,
            JsonNode              *node)
{
  const char *text = verval_json_string (node);
  g_autofree char *trimmed = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      add_error (ctx, field, g_strdup (_("Enter text")));
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (text));
  if (g_utf8_strlen (trimmed, -1) > field->max_length)
    {
      add_error (ctx, field, g_strdup_printf (_("The text is too long (at most %u characters)"),
                                              field->max_length));
      return NULL;
    }
  if (field->pattern != NULL && !g_regex_match (field->pattern, trimmed, 0, NULL))
    {
      if (field->pattern_message.en != NULL)
        add_error (ctx, field, g_strdup (verval_form_text (&field->pattern_message)));
      else
        add_error (ctx, field, g_strdup (_("The answer does not have the expected format")));
      return NULL;
    }
  return json_node_init_string (json_node_alloc (), trimmed);
}

static void
date_of (GDateTime *now,
         GDate     *date)
{
  g_date_set_dmy (date, (GDateDay) g_date_time_get_day_of_month (now),
                  (GDateMonth) g_date_time_get_month (now),
                  (GDateYear) g_date_time_get_year (now));
}

/* Resolves a "min"/"max" date limit ("today" or a date). */
static void
date_limit (Context    *ctx,
            const char *limit,
            GDate      *date)
{
  if (strcmp (limit, "today") == 0)
    date_of (ctx->now, date);
  else
    verval_form_parse_date (limit, date);
}

static JsonNode *
check_date (Context               *ctx,
            const VervalFormField *field,
            JsonNode              *node)
{
  const char *text = verval_json_string (node);
  GDate date, limit;

  g_date_clear (&date, 1);
  g_date_clear (&limit, 1);
  if (text == NULL || !verval_form_parse_date (text, &date))
    {
      add_error (ctx, field, g_strdup (_("Enter a date as YYYY-MM-DD")));
      return NULL;
    }
  if (field->min_date != NULL)
    {
      date_limit (ctx, field->min_date, &limit);
      if (g_date_compare (&date, &limit) < 0)
        {
          char buf[16];

          g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &limit);
          add_error (ctx, field, g_strdup_printf (_("The date cannot be before %s"), buf));
          return NULL;
        }
    }
  if (field->max_date != NULL)
    {
      date_limit (ctx, field->max_date, &limit);
      if (g_date_compare (&date, &limit) > 0)
        {
          char buf[16];

          if (strcmp (field->max_date, "today") == 0)
            add_error (ctx, field, g_strdup (_("The date cannot be in the future")));
          else
            {
              g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &limit);
              add_error (ctx, field, g_strdup_printf (_("The date cannot be after %s"), buf));
            }
          return NULL;
        }
    }
  return json_node_init_string (json_node_alloc (), text);
}

static JsonNode *
check_id_number (Context               *ctx,
                 const VervalFormField *field,
                 JsonNode              *node)
{
  g_autoptr(GError) error = NULL;
  const char *text = verval_json_string (node);
  char digits[VERVAL_ID_LENGTH + 1];
  gboolean ok;

  if (text == NULL)
    {
      add_error (ctx, field, g_strdup (_("Enter the number as text")));
      return NULL;
    }
  if (field->type == VERVAL_FIELD_NIK)
    {
      VervalNikInfo info;

      ok = verval_nik_parse (text, ctx->now, &info, &error);
      if (ok)
        memcpy (digits, info.digits, sizeof digits);
    }
  else
    ok = verval_kk_parse (text, digits, &error);
  if (!ok)
    {
      add_error (ctx, field, g_strdup (error->message));
      return NULL;
    }
  /* Districts are split and renumbered; an old number stays valid. */
  if (!verval_regions_has_id_prefix (verval_regions_get_default (), digits))
    add_issue (ctx, field->id, VERVAL_SEVERITY_WARNING,
               g_strdup_printf (_("The region code %.6s at the start of the number is not in "
                                  "today’s list of districts; check the number"), digits));
  return json_node_init_string (json_node_alloc (), digits);
}

static gboolean
is_sha256_hex (const char *s)
{
  gsize i;

  for (i = 0; s[i] != '\0'; i++)
    {
      if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
        return FALSE;
    }
  return i == SHA256_HEX_LENGTH;
}

static JsonNode *
check_photo (Context               *ctx,
             const VervalFormField *field,
             JsonNode              *node)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *array, *out;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      add_error (ctx, field, g_strdup (_("Expected a list of photos")));
      return NULL;
    }
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      const char *hash = verval_json_string (json_array_get_element (array, i));

      if (hash == NULL || !is_sha256_hex (hash))
        {
          add_error (ctx, field, g_strdup (_("A photo reference is not valid")));
          return NULL;
        }
      if (!g_hash_table_add (seen, (gpointer) hash))
        {
          add_error (ctx, field, g_strdup (_("The same photo is attached twice")));
          return NULL;
        }
    }
  if (n > field->max_count)
    {
      add_error (ctx, field, g_strdup_printf (_("Too many photos (at most %u)"), field->max_count));
      return NULL;
    }
  out = json_array_sized_new (n);
  for (guint i = 0; i < n; i++)
    json_array_add_string_element (out, json_array_get_string_element (array, i));
  return array_node_take (out);
}

static JsonNode *
check_location (Context               *ctx,
                const VervalFormField *field,
                JsonNode              *node)
{
  JsonObject *object, *out;
  double lat, lon, accuracy, altitude;
  gboolean has_accuracy;
  const char *source, *timestamp;

  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      !verval_json_number (json_object_get_member (object = json_node_get_object (node), "latitude"),
                    &lat) ||
      !verval_json_number (json_object_get_member (object, "longitude"), &lon))
    {
      add_error (ctx, field, g_strdup (_("Expected a location with latitude and longitude")));
      return NULL;
    }
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
    {
      add_error (ctx, field, g_strdup (_("The latitude or longitude is out of range")));
      return NULL;
    }
  has_accuracy = verval_json_number (json_object_get_member (object, "accuracy"), &accuracy);
  if (has_accuracy && accuracy < 0)
    {
      add_error (ctx, field, g_strdup (_("The location accuracy cannot be negative")));
      return NULL;
    }

  out = json_object_new ();
  json_object_set_double_member (out, "latitude", lat);
  json_object_set_double_member (out, "longitude", lon);
  if (has_accuracy)
    json_object_set_double_member (out, "accuracy", accuracy);
  if (verval_json_number (json_object_get_member (object, "altitude"), &altitude))
    json_object_set_double_member (out, "altitude", altitude);
  if ((source = verval_json_string (json_object_get_member (object, "source"))) != NULL)
    json_object_set_string_member (out, "source", source);
  if ((timestamp = verval_json_string (json_object_get_member (object, "time"))) != NULL)
    json_object_set_string_member (out, "time", timestamp);

  if (field->warn_accuracy > 0)
    {
      g_autofree char *limit = format_number (field->warn_accuracy);

      if (!has_accuracy)
        add_issue (ctx, field->id, VERVAL_SEVERITY_WARNING,
                   g_strdup (_("The location has no accuracy; it may be far off")));
      else if (accuracy > field->warn_accuracy)
        {
          g_autofree char *metres = format_number (round (accuracy));

          add_issue (ctx, field->id, VERVAL_SEVERITY_WARNING,
                     g_strdup_printf (_("The location is only accurate to %s m (more than %s m); "
                                        "wait for a better fix if you can"), metres, limit));
        }
    }
  return object_node_take (out);
}

static JsonNode *
check_value (Context               *ctx,
             const VervalFormField *field,
             JsonNode              *node)
{
  switch (field->type)
    {
    case VERVAL_FIELD_SINGLE_CHOICE:
      return check_single_choice (ctx, field, node);
    case VERVAL_FIELD_MULTIPLE_CHOICE:
      return check_multiple_choice (ctx, field, node);
    case VERVAL_FIELD_YES_NO:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          add_error (ctx, field, g_strdup (_("Answer yes or no")));
          return NULL;
        }
      return json_node_copy (node);
    case VERVAL_FIELD_INTEGER:
    case VERVAL_FIELD_DECIMAL:
      return check_number (ctx, field, node);
    case VERVAL_FIELD_TEXT:
      return check_text (ctx, field, node);
    case VERVAL_FIELD_DATE:
      return check_date (ctx, field, node);
    case VERVAL_FIELD_NIK:
    case VERVAL_FIELD_KK:
      return check_id_number (ctx, field, node);
    case VERVAL_FIELD_PHOTO:
      return check_photo (ctx, field, node);
    case VERVAL_FIELD_LOCATION:
    default:
      return check_location (ctx, field, node);
    }
}

static void
check_field (Context               *ctx,
             const VervalFormField *field,
             gboolean               section_shown)
{
  VervalFormResult *result = ctx->result;
  JsonNode *node = json_object_get_member (ctx->raw, field->id);
  JsonNode *clean;

  if (!section_shown || (field->relevant != NULL && condition (ctx, field->relevant) != TRUE))
    {
      g_hash_table_add (result->hidden, g_strdup (field->id));
      return;
    }
  if (field->required ||
      (field->required_if != NULL && condition (ctx, field->required_if) == TRUE))
    g_hash_table_add (result->required, g_strdup (field->id));

  g_hash_table_add (ctx->done, field->id);
  if (node_is_empty (node))
    {
      if (g_hash_table_contains (result->required, field->id))
        add_error (ctx, field, g_strdup (_("This answer is required")));
      return;
    }
  clean = check_value (ctx, field, node);
  if (clean == NULL)
    return;
  json_object_set_member (result->answers, field->id, clean);

  /* A constraint that cannot be decided (null) does not complain. */
  ctx->self = clean;
  for (guint i = 0; i < field->constraints->len; i++)
    {
      VervalFormConstraint *constraint = g_ptr_array_index (field->constraints, i);

      if (condition (ctx, constraint->expr) == FALSE)
        add_issue (ctx, field->id, constraint->severity,
                   g_strdup (verval_form_text (&constraint->message)));
    }
  ctx->self = NULL;
}

static void
check_unknown_answers (Context *ctx)
{
  g_autoptr(GList) members = json_object_get_members (ctx->raw);

  for (GList *m = members; m != NULL; m = m->next)
    {
      if (verval_form_lookup_field (ctx->form, m->data) == NULL)
        add_issue (ctx, m->data, VERVAL_SEVERITY_WARNING,
                   g_strdup (_("This answer is not part of the form and was ignored")));
    }
}

static void
compute (Context *ctx)
{
  GPtrArray *computed = verval_form_get_computed (ctx->form);

  for (guint i = 0; i < computed->len; i++)
    {
      VervalFormComputed *c = g_ptr_array_index (computed, i);
      VervalValue value = { VERVAL_VALUE_NULL, FALSE, 0, NULL, NULL };

      if (c->relevant == NULL || condition (ctx, c->relevant) == TRUE)
        verval_expr_evaluate (c->expr, lookup, ctx, &value);
      json_object_set_member (ctx->result->computed, c->id, verval_value_to_node (&value));
    }
}

/* Checks answers (field id → JSON value) against form. now is the time the
 * checks are relative to (birth dates, "today" limits); NULL for now. */
VervalFormResult *
verval_form_validate (VervalForm *form,
                      JsonObject *answers,
                      GDateTime  *now)
{
  g_autoptr(GDateTime) local_now = NULL;
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  VervalFormResult *result;
  GPtrArray *sections;
  Context ctx = { 0 };

  g_return_val_if_fail (VERVAL_IS_FORM (form), NULL);
  g_return_val_if_fail (answers != NULL, NULL);

  if (now == NULL)
    now = local_now = g_date_time_new_now_local ();

  result = g_new0 (VervalFormResult, 1);
  result->issues = g_ptr_array_new_with_free_func ((GDestroyNotify) issue_free);
  result->answers = json_object_new ();
  result->computed = json_object_new ();
  /* the result may outlive the form: own the ids */
  result->hidden = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  result->required = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ctx.form = form;
  ctx.raw = answers;
  ctx.result = result;
  ctx.done = done;
  ctx.now = now;

  sections = verval_form_get_sections (form);
  for (guint i = 0; i < sections->len; i++)
    {
      VervalFormSection *section = g_ptr_array_index (sections, i);
      gboolean shown = section->relevant == NULL || condition (&ctx, section->relevant) == TRUE;

      if (!shown)
        g_hash_table_add (result->hidden, g_strdup (section->id));
      for (guint j = 0; j < section->fields->len; j++)
        check_field (&ctx, g_ptr_array_index (section->fields, j), shown);
    }
  check_unknown_answers (&ctx);
  compute (&ctx);
  return result;
}

void
verval_form_result_free (VervalFormResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->issues);
  json_object_unref (result->answers);
  json_object_unref (result->computed);
  g_hash_table_unref (result->hidden);
  g_hash_table_unref (result->required);
  g_free (result);
}

gboolean
verval_form_result_has_errors (const VervalFormResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);

  for (guint i = 0; i < result->issues->len; i++)
    {
      const VervalFormIssue *issue = g_ptr_array_index (result->issues, i);

      if (issue->severity == VERVAL_SEVERITY_ERROR)
        return TRUE;
    }
  return FALSE;
}

/* Whether a section or field is shown for these answers. */
gboolean
verval_form_result_is_relevant (const VervalFormResult *result,
                                const char             *id)
{
  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return !g_hash_table_contains (result->hidden, id);
}

gboolean
verval_form_result_is_required (const VervalFormResult *result,
                                const char             *field_id)
{
  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (field_id != NULL, FALSE);

  return g_hash_table_contains (result->required, field_id);
}

/* The first (most important: errors before warnings) issue of a field. */
const VervalFormIssue *
verval_form_result_first_issue (const VervalFormResult *result,
                                const char             *field_id)
{
  const VervalFormIssue *warning = NULL;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (field_id != NULL, NULL);

  for (guint i = 0; i < result->issues->len; i++)
    {
      const VervalFormIssue *issue = g_ptr_array_index (result->issues, i);

      if (strcmp (issue->field_id, field_id) != 0)
        continue;
      if (issue->severity == VERVAL_SEVERITY_ERROR)
        return issue;
      if (warning == NULL)
        warning = issue;
    }
  return warning;
}
