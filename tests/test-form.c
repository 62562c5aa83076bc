/* test-form.c: form definitions, answer validation and the built-in form
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "verval-form.h"
#include "verval-form-validate.h"

#define PHOTO_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PHOTO_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A small form that uses every field type and rule. */
static const char fixture_form[] =
  "{\n"
  "  \"id\": \"fixture\",\n"
  "  \"version\": 3,\n"
  "  \"title\": {\"id\": \"Uji\", \"en\": \"Test\"},\n"
  "  \"constants\": {\"adult_age\": 18, \"poor_min\": 2},\n"
  "  \"sections\": [\n"
  "    {\n"
  "      \"id\": \"A\",\n"
  "      \"title\": \"A\",\n"
  "      \"fields\": [\n"
  "        {\"id\": \"result\", \"type\": \"single_choice\", \"label\": {\"id\": \"Hasil\", \"en\": \"Result\"},\n"
  "         \"required\": true,\n"
  "         \"options\": [{\"code\": 1, \"label\": {\"id\": \"Ditemukan\", \"en\": \"Found\"}},\n"
  "                     {\"code\": 2, \"label\": \"Dua\"}, {\"code\": 3, \"label\": \"Tiga\"}]},\n"
  "        {\"id\": \"reason\", \"type\": \"text\", \"label\": \"Reason\", \"relevant\": \"result = 3\",\n"
  "         \"required\": true}\n"
  "      ]\n"
  "    },\n"
  "    {\n"
  "      \"id\": \"B\",\n"
  "      \"title\": \"B\",\n"
  "      \"relevant\": \"result in (1, 2)\",\n"
  "      \"fields\": [\n"
  "        {\"id\": \"members\", \"type\": \"integer\", \"label\": \"Members\", \"required\": true,\n"
  "         \"min\": 1, \"max\": 30,\n"
  "         \"constraints\": [{\"expr\": \". <= 15\", \"severity\": \"warning\",\n"
  "                          \"message\": {\"id\": \"Besar sekali\", \"en\": \"Very large\"}}]},\n"
  "        {\"id\": \"adults\", \"type\": \"integer\", \"label\": \"Adults\", \"min\": 0,\n"
  "         \"constraints\": [{\"expr\": \". <= members\", \"message\": \"Too many adults\"}]},\n"
  "        {\"id\": \"area\", \"type\": \"decimal\", \"label\": \"Area\", \"min\": 0.5},\n"
  "        {\"id\": \"phone\", \"type\": \"text\", \"label\": \"Phone\", \"pattern\": \"^0[0-9]{9,12}$\",\n"
  "         \"max_length\": 13},\n"
  "        {\"id\": \"code\", \"type\": \"text\", \"label\": \"Code\", \"pattern\": \"^[A-Z]{3}$\",\n"
  "         \"pattern_message\": {\"id\": \"Tiga huruf\", \"en\": \"Three capitals\"}},\n"
  "        {\"id\": \"born\", \"type\": \"date\", \"label\": \"Born\", \"min\": \"1900-01-01\", \"max\": \"today\"},\n"
  "        {\"id\": \"nik\", \"type\": \"nik\", \"label\": \"NIK\"},\n"
  "        {\"id\": \"kk\", \"type\": \"kk\", \"label\": \"KK\", \"required\": \"members > 1\"},\n"
  "        {\"id\": \"needs\", \"type\": \"multiple_choice\", \"label\": \"Needs\", \"max\": 2,\n"
  "         \"options\": [{\"code\": 1, \"label\": \"W\"}, {\"code\": 2, \"label\": \"X\"},\n"
  "                     {\"code\": 3, \"label\": \"Y\"}]},\n"
  "        {\"id\": \"needs_other\", \"type\": \"text\", \"label\": \"Other need\",\n"
  "         \"relevant\": \"selected(needs, 3)\", \"required\": true},\n"
  "        {\"id\": \"owns\", \"type\": \"yes_no\", \"label\": \"Owns\"}\n"
  "      ]\n"
  "    },\n"
  "    {\n"
  "      \"id\": \"P\",\n"
  "      \"title\": \"Photos\",\n"
  "      \"fields\": [\n"
  "        {\"id\": \"front\", \"type\": \"photo\", \"role\": \"house_front\", \"label\": \"Front\",\n"
  "         \"required\": \"result in (1, 2)\", \"max_count\": 2},\n"
  "        {\"id\": \"card\", \"type\": \"photo\", \"label\": \"Card\", \"sensitive\": true},\n"
  "        {\"id\": \"where\", \"type\": \"location\", \"label\": \"Where\", \"required\": true,\n"
  "         \"warn_accuracy\": 50}\n"
  "      ]\n"
  "    }\n"
  "  ],\n"
  "  \"computed\": [\n"
  "    {\"id\": \"children\", \"label\": \"Children\", \"expr\": \"members - adults\"},\n"
  "    {\"id\": \"density\", \"label\": \"Area per person\", \"expr\": \"area / members\",\n"
  "     \"relevant\": \"result = 1\"},\n"
  "    {\"id\": \"flags\", \"label\": \"Flags\",\n"
  "     \"expr\": \"count_true(children > 1, count_selected(needs) >= 2, owns = false)\"},\n"
  "    {\"id\": \"poor\", \"label\": \"Poor\", \"expr\": \"flags >= poor_min\"}\n"
  "  ]\n"
  "}\n";

typedef struct {
  VervalForm *form;
  GDateTime  *now;
} Fixture;

static VervalForm *
load_text (const char  *text,
           GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return verval_form_new_from_bytes (bytes, "form.json", error);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->form = load_text (fixture_form, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->form);
  f->now = g_date_time_new_utc (2026, 11, 22, 10, 0, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->form);
  g_date_time_unref (f->now);
}

static void
log_issues (VervalFormResult *result)
{
  for (guint i = 0; i < result->issues->len; i++)
    {
      VervalFormIssue *issue = g_ptr_array_index (result->issues, i);

      g_test_message ("%s %s: %s", issue->severity == VERVAL_SEVERITY_ERROR ? "error" : "warning",
                      issue->field_id, issue->message);
    }
}

static VervalFormResult *
validate (Fixture    *f,
          const char *answers_json)
{
  g_autoptr(JsonObject) answers = parse_object (answers_json);
  VervalFormResult *result = verval_form_validate (f->form, answers, f->now);

  log_issues (result);
  return result;
}

static guint
count_issues (VervalFormResult *result,
              const char       *field_id,
              VervalSeverity    severity)
{
  guint n = 0;

  for (guint i = 0; i < result->issues->len; i++)
    {
      VervalFormIssue *issue = g_ptr_array_index (result->issues, i);

      if (strcmp (issue->field_id, field_id) == 0 && issue->severity == severity)
        n++;
    }
  return n;
}

static void
assert_error (VervalFormResult *result,
              const char       *field_id,
              const char       *message)
{
  const VervalFormIssue *issue = verval_form_result_first_issue (result, field_id);

  g_assert_nonnull (issue);
  g_assert_cmpint (issue->severity, ==, VERVAL_SEVERITY_ERROR);
  if (message != NULL)
    g_assert_cmpstr (issue->message, ==, message);
}

static void
test_form_structure (Fixture       *f,
                     gconstpointer  data)
{
  GPtrArray *sections = verval_form_get_sections (f->form);
  const VervalFormSection *b;
  const VervalFormField *result, *needs, *front, *where, *phone;
  const VervalFormOption *option;

  g_assert_cmpstr (verval_form_get_id (f->form), ==, "fixture");
  g_assert_cmpint (verval_form_get_version (f->form), ==, 3);
  g_assert_cmpstr (verval_form_text_for_language (verval_form_get_title (f->form), "id"), ==, "Uji");
  g_assert_cmpstr (verval_form_text_for_language (verval_form_get_title (f->form), "en"), ==, "Test");
  /* tests run in C.UTF-8: English */
  g_assert_cmpstr (verval_form_text (verval_form_get_title (f->form)), ==, "Test");
  g_assert_cmpuint (sections->len, ==, 3);
  b = verval_form_lookup_section (f->form, "B");
  g_assert_nonnull (b);
  g_assert_cmpuint (b->fields->len, ==, 11);
  g_assert_nonnull (b->relevant);

  result = verval_form_lookup_field (f->form, "result");
  g_assert_cmpint (result->type, ==, VERVAL_FIELD_SINGLE_CHOICE);
  g_assert_true (result->required);
  g_assert_cmpuint (result->options->len, ==, 3);
  g_assert_cmpuint (result->line, ==, 11);
  g_assert_cmpuint (result->column, ==, 9);
  option = verval_form_field_lookup_option (result, 1);
  g_assert_cmpstr (option->label.id, ==, "Ditemukan");
  g_assert_cmpstr (option->label.en, ==, "Found");
  option = verval_form_field_lookup_option (result, 2);
  g_assert_cmpstr (option->label.en, ==, "Dua");     /* a plain string is both languages */
  g_assert_null (verval_form_field_lookup_option (result, 4));

  needs = verval_form_lookup_field (f->form, "needs");
  g_assert_cmpint (needs->type, ==, VERVAL_FIELD_MULTIPLE_CHOICE);
  g_assert_true (needs->has_max);
  g_assert_cmpfloat (needs->max, ==, 2);
  g_assert_true (needs->section == b);

  front = verval_form_lookup_field (f->form, "front");
  g_assert_cmpstr (front->role, ==, "house_front");
  g_assert_cmpuint (front->max_count, ==, 2);
  g_assert_false (front->required);
  g_assert_nonnull (front->required_if);
  g_assert_cmpstr (verval_form_lookup_field (f->form, "card")->role, ==, "card");
  g_assert_true (verval_form_lookup_field (f->form, "card")->sensitive);

  where = verval_form_lookup_field (f->form, "where");
  g_assert_cmpfloat (where->warn_accuracy, ==, 50);
  phone = verval_form_lookup_field (f->form, "phone");
  g_assert_nonnull (phone->pattern);
  g_assert_cmpuint (phone->max_length, ==, 13);

  g_assert_cmpuint (verval_form_get_computed (f->form)->len, ==, 4);
  g_assert_nonnull (verval_form_lookup_computed (f->form, "poor"));
  g_assert_null (verval_form_lookup_field (f->form, "poor"));
  g_assert_cmpint (json_object_get_int_member (verval_form_get_constants (f->form), "poor_min"), ==, 2);
  g_assert_cmpstr (verval_field_type_to_string (VERVAL_FIELD_LOCATION), ==, "location");
}

static void
test_form_valid (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(VervalFormResult) r = NULL;
  JsonObject *loc;

  r = validate (f, "{\"result\": 1, \"members\": 4, \"adults\": 2, \"area\": 36,"
                   " \"phone\": \" 081234567890 \", \"code\": \"ABC\", \"born\": \"1987-11-12\","
                   " \"nik\": \"3602041211870001\", \"kk\": \"5108 0612 3456 0001\","
                   " \"needs\": [3, 1], \"needs_other\": \"wheelchair\", \"owns\": false,"
                   " \"front\": [\"" PHOTO_A "\"], \"card\": [],"
                   " \"where\": {\"latitude\": -8.112, \"longitude\": 115.09, \"accuracy\": 12,"
                   "             \"source\": \"gps\", \"extra\": 1}}");
  g_assert_false (verval_form_result_has_errors (r));
  g_assert_cmpuint (r->issues->len, ==, 0);

  /* normalised */
  g_assert_cmpstr (json_object_get_string_member (r->answers, "phone"), ==, "081234567890");
  g_assert_cmpstr (json_object_get_string_member (r->answers, "kk"), ==, "5108061234560001");
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (r->answers, "needs"), 0),
                   ==, 1);
  g_assert_false (json_object_has_member (r->answers, "card"));   /* empty = unanswered */
  loc = json_object_get_object_member (r->answers, "where");
  g_assert_cmpfloat (json_object_get_double_member (loc, "accuracy"), ==, 12);
  g_assert_false (json_object_has_member (loc, "extra"));

  /* computed: children 2 (> 1), two needs, owns = false: 3 flags */
  g_assert_cmpint (json_object_get_int_member (r->computed, "children"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (r->computed, "density"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (r->computed, "flags"), ==, 3);
  g_assert_true (json_object_get_boolean_member (r->computed, "poor"));

  g_assert_true (verval_form_result_is_relevant (r, "B"));
  g_assert_true (verval_form_result_is_relevant (r, "needs_other"));
  g_assert_false (verval_form_result_is_relevant (r, "reason"));
  g_assert_true (verval_form_result_is_required (r, "kk"));
  g_assert_true (verval_form_result_is_required (r, "front"));
  g_assert_false (verval_form_result_is_required (r, "nik"));
}

static void
test_form_relevance (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(VervalFormResult) r = NULL;

  /* result 3: section B is hidden and its answers are dropped, reason shown */
  r = validate (f, "{\"result\": 3, \"reason\": \"moved to Denpasar\", \"members\": 99,"
                   " \"needs\": [3], \"kk\": \"x\", \"where\": {\"latitude\": 1, \"longitude\": 2,"
                   " \"accuracy\": 5}}");
  g_assert_false (verval_form_result_has_errors (r));
  g_assert_false (verval_form_result_is_relevant (r, "B"));
  g_assert_false (verval_form_result_is_relevant (r, "members"));
  g_assert_false (verval_form_result_is_relevant (r, "needs_other"));
  g_assert_true (verval_form_result_is_relevant (r, "reason"));
  g_assert_false (verval_form_result_is_required (r, "front"));
  g_assert_false (json_object_has_member (r->answers, "members"));
  g_assert_false (json_object_has_member (r->answers, "needs"));
  g_assert_false (json_object_has_member (r->answers, "kk"));
  g_assert_cmpstr (json_object_get_string_member (r->answers, "reason"), ==, "moved to Denpasar");
  /* computed values on hidden answers are null; "relevant" hides density */
  g_assert_true (json_object_get_null_member (r->computed, "children"));
  g_assert_true (json_object_get_null_member (r->computed, "density"));
  g_assert_cmpint (json_object_get_int_member (r->computed, "flags"), ==, 0);
  g_assert_false (json_object_get_boolean_member (r->computed, "poor"));
}

static void
test_form_required (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VervalFormResult) empty = NULL;
  g_autoptr(VervalFormResult) r = NULL;

  empty = validate (f, "{}");
  g_assert_true (verval_form_result_has_errors (empty));
  assert_error (empty, "result", "This answer is required");
  assert_error (empty, "where", "This answer is required");
  /* everything depending on the result is hidden, not required */
  g_assert_cmpuint (empty->issues->len, ==, 2);

  r = validate (f, "{\"result\": 2, \"members\": 3, \"reason\": \"\", \"needs\": [3],"
                   " \"needs_other\": \"   \", \"front\": [], \"where\": {\"latitude\": 1,"
                   " \"longitude\": 2, \"accuracy\": 5}}");
  assert_error (r, "kk", "This answer is required");           /* members > 1 */
  assert_error (r, "front", "This answer is required");        /* result in (1, 2) */
  assert_error (r, "needs_other", "This answer is required");  /* blank is unanswered */
  g_assert_null (verval_form_result_first_issue (r, "reason")); /* hidden */
  g_assert_null (verval_form_result_first_issue (r, "nik"));    /* optional */
  g_assert_cmpuint (r->issues->len, ==, 3);
}

static void
test_form_ranges (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(VervalFormResult) r = NULL;
  g_autoptr(VervalFormResult) r2 = NULL;
  g_autoptr(VervalFormResult) r3 = NULL;

  r = validate (f, "{\"result\": 1, \"members\": 0, \"adults\": -1, \"area\": 0.25,"
                   " \"where\": {\"latitude\": 1, \"longitude\": 2, \"accuracy\": 5}}");
  assert_error (r, "members", "Must be between 1 and 30");
  assert_error (r, "adults", "Must be at least 0");
  assert_error (r, "area", "Must be at least 0.5");
  g_assert_false (json_object_has_member (r->answers, "members"));

  r2 = validate (f, "{\"result\": 1, \"members\": 2.5, \"adults\": \"2\", \"area\": true}");
  assert_error (r2, "members", "Enter a whole number");
  assert_error (r2, "adults", "Enter a whole number");
  assert_error (r2, "area", "Enter a number");

  /* a whole double is an integer; the warning constraint does not block */
  r3 = validate (f, "{\"result\": 1, \"members\": 20.0, \"adults\": 21, \"kk\": \"5108061234560001\","
                    " \"front\": [\"" PHOTO_A "\"], \"where\": {\"latitude\": 1,"
                    " \"longitude\": 2, \"accuracy\": 5}}");
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (r3->answers, "members")), ==,
                   G_TYPE_INT64);
  g_assert_cmpuint (count_issues (r3, "members", VERVAL_SEVERITY_WARNING), ==, 1);
  g_assert_cmpstr (verval_form_result_first_issue (r3, "members")->message, ==, "Very large");
  assert_error (r3, "adults", "Too many adults");
  g_assert_cmpuint (r3->issues->len, ==, 2);
}

static void
test_form_types (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(VervalFormResult) r = NULL;

  r = validate (f, "{\"result\": 4, \"members\": 2}");
  assert_error (r, "result", "Choose one of the options");
  g_clear_pointer (&r, verval_form_result_free);

  r = validate (f, "{\"result\": 1, \"members\": 1, \"phone\": \"12345\", \"code\": \"abc\","
                   " \"born\": \"2027-01-01\", \"nik\": \"3602043211870001\","
                   " \"needs\": [1, 2, 3], \"owns\": \"yes\", \"front\": [\"" PHOTO_A "\", \"" PHOTO_A "\"],"
                   " \"card\": [\"" PHOTO_A "\", \"" PHOTO_B "\"], \"where\": {\"latitude\": 91, \"longitude\": 2}}");
  assert_error (r, "phone", "The answer does not have the expected format");
  assert_error (r, "code", "Three capitals");
  assert_error (r, "born", "The date cannot be in the future");
  assert_error (r, "nik", NULL);
  assert_error (r, "needs", "Choose at most 2 of the options");
  assert_error (r, "owns", "Answer yes or no");
  assert_error (r, "front", "The same photo is attached twice");
  assert_error (r, "card", "Too many photos (at most 1)");
  assert_error (r, "where", "The latitude or longitude is out of range");
  g_clear_pointer (&r, verval_form_result_free);

  r = validate (f, "{\"result\": 1, \"members\": 1, \"born\": \"1899-12-31\", \"needs\": [2, 2],"
                   " \"phone\": \"0812345678901234\", \"front\": [\"ABC\"], \"card\": \"" PHOTO_A "\","
                   " \"where\": [1, 2]}");
  assert_error (r, "born", "The date cannot be before 1900-01-01");
  assert_error (r, "needs", "An option is chosen twice");
  assert_error (r, "phone", "The text is too long (at most 13 characters)");
  assert_error (r, "front", "A photo reference is not valid");
  assert_error (r, "card", "Expected a list of photos");
  assert_error (r, "where", "Expected a location with latitude and longitude");
  g_clear_pointer (&r, verval_form_result_free);

  r = validate (f, "{\"result\": 1, \"members\": 1, \"born\": \"1987-02-30\", \"needs\": [4],"
                   " \"where\": {\"latitude\": 1, \"longitude\": 2, \"accuracy\": -1}}");
  assert_error (r, "born", "Enter a date as YYYY-MM-DD");
  assert_error (r, "needs", "Choose one or more of the options");
  assert_error (r, "where", "The location accuracy cannot be negative");
}

/* An option code that no gint64 holds exactly is refused like any other
 * unknown code, never converted. */
static void
test_form_choice_codes (Fixture       *f,
                        gconstpointer  data)
{
  static const char *const refused[] = {
    "1e300", "-1e300", "1.5", "9223372036854775808.0", "-9223372036854775809.0",
    "9223372036854775807", "-9223372036854775808", "9007199254740993", "1.0000000000000002",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *single = g_strdup_printf ("{\"result\": %s, \"members\": 1}", refused[i]);
      g_autofree char *multiple = g_strdup_printf ("{\"result\": 1, \"members\": 1,"
                                                   " \"needs\": [1, %s]}", refused[i]);
      g_autoptr(VervalFormResult) r = validate (f, single);
      g_autoptr(VervalFormResult) r2 = validate (f, multiple);

      g_test_message ("%s", refused[i]);
      assert_error (r, "result", "Choose one of the options");
      g_assert_false (json_object_has_member (r->answers, "result"));
      assert_error (r2, "needs", "Choose one or more of the options");
      g_assert_false (json_object_has_member (r2->answers, "needs"));
    }
}

static void
test_form_warnings (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VervalFormResult) r = NULL;

  /* an unknown district in the NIK and a vague GPS fix only warn */
  r = validate (f, "{\"result\": 1, \"members\": 1, \"nik\": \"9999991211870001\","
                   " \"front\": [\"" PHOTO_B "\"], \"unknown_question\": 1,"
                   " \"where\": {\"latitude\": -8.1, \"longitude\": 115.1, \"accuracy\": 120.4}}");
  g_assert_false (verval_form_result_has_errors (r));
  g_assert_cmpuint (count_issues (r, "nik", VERVAL_SEVERITY_WARNING), ==, 1);
  g_assert_cmpuint (count_issues (r, "where", VERVAL_SEVERITY_WARNING), ==, 1);
  g_assert_nonnull (strstr (verval_form_result_first_issue (r, "where")->message, "120 m"));
  g_assert_cmpuint (count_issues (r, "unknown_question", VERVAL_SEVERITY_WARNING), ==, 1);
  g_assert_false (json_object_has_member (r->answers, "unknown_question"));
  g_assert_cmpstr (json_object_get_string_member (r->answers, "nik"), ==, "9999991211870001");
  g_clear_pointer (&r, verval_form_result_free);

  r = validate (f, "{\"result\": 1, \"members\": 1, \"nik\": \"5108061211870001\","
                   " \"front\": [\"" PHOTO_B "\"], \"where\": {\"latitude\": -8.1, \"longitude\": 115.1}}");
  g_assert_cmpuint (r->issues->len, ==, 1);
  g_assert_cmpuint (count_issues (r, "where", VERVAL_SEVERITY_WARNING), ==, 1);
}

/* "line:column" of needle (plus extra bytes) in text, as the loader counts. */
static char *
position_of (const char *text,
             const char *needle,
             guint       extra)
{
  const char *at = strstr (text, needle);
  guint line = 1, column = 1;

  g_assert_nonnull (at);
  at += extra;
  for (const char *p = text; p < at; p++)
    {
      if (*p == '\n')
        line++, column = 1;
      else
        column++;
    }
  return g_strdup_printf ("form.json:%u:%u:", line, column);
}

static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, 2);

  g_assert_nonnull (parts[1]);
  return g_strconcat (parts[0], to, parts[1], NULL);
}

static void
assert_refused (const char *text,
                const char *needle,
                guint       extra,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *where = position_of (text, needle, extra);
  VervalForm *form = load_text (text, &error);

  g_test_message ("%s", error != NULL ? error->message : "(loaded)");
  g_assert_null (form);
  g_assert_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_form_bad_definitions (void)
{
  struct {
    const char *from, *to, *needle;
    guint extra;
    const char *message;
  } cases[] = {
    /* an unknown field type points at "type" */
    { "\"type\": \"decimal\"", "\"type\": \"float\"", "\"type\": \"float\"", 0,
      "unknown field type “float”" },
    /* a bad expression points into the string, at the offending token */
    { "\"relevant\": \"result in (1, 2)\"", "\"relevant\": \"result in (1, 2) and\"",
      "result in (1, 2) and\"", 20, "unexpected end" },
    { "\"expr\": \". <= members\"", "\"expr\": \". <= member\"", ". <= member\"", 5,
      "unknown name “member”" },
    { "\"relevant\": \"selected(needs, 3)\"", "\"relevant\": \"selectd(needs, 3)\"",
      "selectd(needs", 0, "unknown function “selectd”" },
    { "\"required\": \"members > 1\"", "\"required\": \"members >> 1\"", "members >> 1", 9,
      "unexpected “>”" },
    /* relevance cannot use computed values, computed values only earlier ones */
    { "\"relevant\": \"result = 3\"", "\"relevant\": \"poor\"", "\"poor\"", 1, "unknown name “poor”" },
    { "\"expr\": \"members - adults\"", "\"expr\": \"flags\"", "\"flags\"", 1, "unknown name “flags”" },
    { "\"min\": 0.5", "\"minimum\": 0.5", "\"minimum\"", 0, "unknown member “minimum”" },
    { "\"pattern\": \"^[A-Z]{3}$\"", "\"pattern\": \"^[A-Z\"", "\"pattern\": \"^[A-Z\"", 0,
      "bad “pattern”" },
    { "\"max_count\": 2", "\"max_count\": 0", "\"max_count\"", 0, "“max_count” must be" },
    { "\"id\": \"adults\"", "\"id\": \"members\"", "\"id\": \"members\", \"type\": \"integer\", \"label\": \"Adults\"", 0,
      "“members” is defined twice" },
    { "\"id\": \"area\"", "\"id\": \"2area\"", "\"id\": \"2area\"", 0, "not a valid id" },
    { "\"warn_accuracy\": 50", "\"warn_accuracy\": 50, \"min\": 1", "50, \"min\": 1", 4,
      "“min” does not apply to location fields" },
    { "{\"code\": 3, \"label\": \"Tiga\"}", "{\"code\": 2, \"label\": \"Tiga\"}",
      "\"code\": 2, \"label\": \"Tiga\"", 0, "option code 2 is used twice" },
    { "\"version\": 3", "\"version\": \"3\"", "\"version\"", 0, "“version” must be" },
    { "\"max\": 30", "\"max\": 0", "\"max\": 0", 0, "“max” is below “min”" },
    { "\"title\": \"B\",\n", "", "{\n      \"id\": \"B\"", 0, "missing “title”" },
    { "\"max\": \"today\"", "\"max\": \"2026-02-30\"", "\"max\": \"2026-02-30\"", 0,
      "must be a date" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = replace (fixture_form, cases[i].from, cases[i].to);

      assert_refused (text, cases[i].needle, cases[i].extra, cases[i].message);
    }
}

static void
test_form_bad_json (void)
{
  const char *bad[] = {
    "",
    "{\"id\": \"x\",\n \"version\": 1,,}",
    "{\"id\": \"x\" \"version\": 1}",
    "\xff\xfe{}",
  };
  g_autoptr(GError) error = NULL;
  VervalForm *form;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      form = load_text (bad[i], &error);
      g_test_message ("%s", error != NULL ? error->message : "(loaded)");
      g_assert_null (form);
      g_assert_true (g_error_matches (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_PARSE) ||
                     g_error_matches (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_INVALID));
    }
  g_clear_error (&error);
  form = load_text ("{\"id\": \"x\",\n \"version\": 1,,}", &error);
  g_assert_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "form.json:2:"));

  g_clear_error (&error);
  form = load_text ("[1, 2]", &error);
  g_assert_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_INVALID);
  g_assert_null (form);

  g_clear_error (&error);
  form = verval_form_new_builtin ("no_such_form", &error);
  g_assert_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_NOT_FOUND);
  g_assert_null (form);
}

/* A form cut short anywhere is refused, never half loaded. */
static void
test_form_truncated (void)
{
  gsize len = strlen (fixture_form);

  for (gsize cut = 0; cut < len; cut += 3)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (fixture_form, cut);
      g_autoptr(GError) error = NULL;
      g_autoptr(VervalForm) form = verval_form_new_from_bytes (bytes, "cut.json", &error);

      g_assert_null (form);
      g_assert_nonnull (error);
      g_assert_true (error->domain == VERVAL_FORM_ERROR);
    }
}

static void
test_form_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("verval-form-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(VervalForm) form = NULL;
  g_autofree char *bad = replace (fixture_form, "\"type\": \"yes_no\"", "\"type\": \"boolean\"");

  g_assert_no_error (error);
  path = g_build_filename (dir, "fixture.json", NULL);
  file = g_file_new_for_path (path);
  g_assert_true (g_file_set_contents (path, fixture_form, -1, &error));
  form = verval_form_new_from_file (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (verval_form_get_id (form), ==, "fixture");

  g_assert_true (g_file_set_contents (path, bad, -1, &error));
  g_assert_null (verval_form_new_from_file (file, NULL, &error));
  g_assert_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "fixture.json:"));
  g_clear_error (&error);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_null (verval_form_new_from_file (file, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_form_language (Fixture       *f,
                    gconstpointer  data)
{
  const VervalFormField *result = verval_form_lookup_field (f->form, "result");
  const VervalFormText *found = &verval_form_field_lookup_option (result, 1)->label;
  VervalFormText only_en = { NULL, (char *) "English only" };

  g_setenv ("LANGUAGE", "id_ID:en", TRUE);
  g_assert_cmpstr (verval_form_text (found), ==, "Ditemukan");
  g_assert_cmpstr (verval_form_text (&only_en), ==, "English only");
  g_setenv ("LANGUAGE", "en_GB", TRUE);
  g_assert_cmpstr (verval_form_text (found), ==, "Found");
  g_setenv ("LANGUAGE", "fr:id", TRUE);     /* no French texts: the next one */
  g_assert_cmpstr (verval_form_text (found), ==, "Ditemukan");
  g_setenv ("LANGUAGE", "ida", TRUE);       /* not Indonesian */
  g_assert_cmpstr (verval_form_text (found), ==, "Found");
  g_unsetenv ("LANGUAGE");
  g_assert_cmpstr (verval_form_text (found), ==, "Found");
}

/* ---- the built-in verification form ---- */

static const char found_visit[] =
  "{"
  " \"result\": 2,"
  " \"head_nik\": \"5108064504800003\", \"kk_number\": \"5108061503120007\","
  " \"head_name\": \"Ni Made Sari\", \"members\": 5, \"phone\": \"081338123456\","
  " \"tenure\": 1, \"floor_area\": 30, \"floor\": 8, \"walls\": 4, \"wall_condition\": 3,"
  " \"roof\": 3, \"roof_condition\": 3, \"water\": 6, \"lighting\": 2, \"cooking_fuel\": 9,"
  " \"toilet\": 6,"
  " \"occupation\": 2, \"income\": 900000, \"education\": 3, \"meals_per_day\": 2,"
  " \"protein_once_a_week\": true, \"one_clothes_set_a_year\": false,"
  " \"can_afford_health_centre\": false, \"has_savings\": false, \"health_insurance\": 2,"
  " \"elderly_alone\": false, \"disabled\": 1, \"disabled_severe\": 1, \"female_head\": true,"
  " \"migrant_workers\": 0, \"pregnant\": 0, \"children_0_6\": 1, \"school_children\": 2,"
  " \"out_of_school\": 0,"
  " \"prog_pkh\": false, \"prog_bpnt\": false, \"prog_blt_dd\": false, \"prog_pbi_jk\": false,"
  " \"prog_pip\": false, \"prog_rtlh\": false, \"prog_electricity\": false, \"prog_pemda\": false,"
  " \"prog_other\": false, \"needs\": [1, 2, 3],"
  " \"eligible\": 1, \"recommendation\": 4, \"note\": \"Rumah bambu, atap bocor\","
  " \"photo_house_front\": [\"" PHOTO_A "\"], \"photo_inside\": [\"" PHOTO_B "\"],"
  " \"location\": {\"latitude\": -8.1125, \"longitude\": 115.0881, \"accuracy\": 8}"
  "}";

static void
test_builtin_loads (void)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(VervalForm) form = verval_form_new_builtin ("verification", &error);
  GPtrArray *sections;

  g_test_message ("load_builtin_ms=%.2f", (g_get_monotonic_time () - start) / 1000.0);
  const VervalFormField *result, *front, *card, *location;
  const char *ids[] = { "A", "B", "C", "D", "E", "F", "G", "H" };

  g_assert_no_error (error);
  g_assert_cmpstr (verval_form_get_id (form), ==, "verification");
  g_assert_cmpint (verval_form_get_version (form), >=, 1);
  sections = verval_form_get_sections (form);
  g_assert_cmpuint (sections->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < sections->len; i++)
    g_assert_cmpstr (((VervalFormSection *) g_ptr_array_index (sections, i))->id, ==, ids[i]);

  result = verval_form_lookup_field (form, "result");
  g_assert_cmpuint (result->options->len, ==, 8);
  g_assert_cmpstr (verval_form_field_lookup_option (result, 3)->label.id, ==, "Tidak ditemukan");
  g_assert_cmpstr (verval_form_field_lookup_option (result, 3)->label.en, ==, "Not found");
  g_assert_cmpuint (verval_form_lookup_field (form, "floor")->options->len, ==, 9);
  g_assert_cmpuint (verval_form_lookup_field (form, "water")->options->len, ==, 11);
  g_assert_cmpuint (verval_form_lookup_field (form, "cooking_fuel")->options->len, ==, 10);

  front = verval_form_lookup_field (form, "photo_house_front");
  g_assert_cmpint (front->type, ==, VERVAL_FIELD_PHOTO);
  g_assert_cmpstr (front->role, ==, "house_front");
  g_assert_true (front->required);
  card = verval_form_lookup_field (form, "photo_family_card");
  g_assert_true (card->sensitive);
  g_assert_false (card->required);
  location = verval_form_lookup_field (form, "location");
  g_assert_cmpfloat (location->warn_accuracy, ==, 50);

  /* thresholds live in the file */
  g_assert_cmpint (json_object_get_int_member (verval_form_get_constants (form),
                                              "poor_min_criteria"), ==, 9);
  g_assert_nonnull (verval_form_lookup_computed (form, "bps_criteria_count"));
  g_assert_nonnull (verval_form_lookup_computed (form, "exclusion_error"));
  g_assert_nonnull (verval_form_lookup_computed (form, "inclusion_error"));
}

static VervalFormResult *
validate_builtin (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalForm) form = verval_form_new_builtin ("verification", &error);
  g_autoptr(JsonObject) answers = parse_object (json);
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 11, 22, 10, 0, 0);
  VervalFormResult *result;

  g_assert_no_error (error);
  result = verval_form_validate (form, answers, now);
  log_issues (result);
  return result;
}

static void
test_builtin_found (void)
{
  g_autoptr(VervalFormResult) r = validate_builtin (found_visit);
  g_autoptr(VervalForm) form = verval_form_new_builtin ("verification", NULL);
  g_autoptr(JsonObject) answers = parse_object (found_visit);
  gint64 start;

  /* for the record, not asserted: what the collector pays per visit */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 200; i++)
    verval_form_result_free (verval_form_validate (form, answers, NULL));
  g_test_message ("validate_us_per_visit=%.1f",
                  (g_get_monotonic_time () - start) / 200.0);

  g_assert_cmpuint (r->issues->len, ==, 0);
  g_assert_false (verval_form_result_is_relevant (r, "house_present"));
  g_assert_false (verval_form_result_is_relevant (r, "power"));   /* lighting is not metered PLN */
  g_assert_false (verval_form_result_is_relevant (r, "farm_land_area"));
  g_assert_true (verval_form_result_is_relevant (r, "photo_family_card"));
  g_assert_cmpint (json_object_get_size (r->answers), ==, 51);

  /* 30 m² for 5 people = 6 < 8; earth floor; bamboo walls; no toilet; lighting
   * is electric; unprotected well; firewood; protein; clothes no; 2 meals;
   * cannot afford the health centre; farm labourer; primary school; no savings */
  g_assert_true (json_object_get_boolean_member (r->computed, "bps_floor_area"));
  g_assert_false (json_object_get_boolean_member (r->computed, "bps_lighting"));
  g_assert_false (json_object_get_boolean_member (r->computed, "bps_clothes"));
  g_assert_cmpint (json_object_get_int_member (r->computed, "bps_criteria_count"), ==, 12);
  g_assert_true (json_object_get_boolean_member (r->computed, "poor"));
  g_assert_cmpint (json_object_get_int_member (r->computed, "programme_count"), ==, 0);
  g_assert_true (json_object_get_boolean_member (r->computed, "exclusion_error"));
  g_assert_false (json_object_get_boolean_member (r->computed, "inclusion_error"));
}

static void
test_builtin_found_variants (void)
{
  g_autoptr(VervalFormResult) r = NULL;
  g_autofree char *rich = NULL;
  g_autofree char *tmp = NULL;

  /* a better-off family receiving PKH: an inclusion error, not poor */
  const char *better_off[][2] = {
    { "\"floor\": 8", "\"floor\": 2" },
    { "\"prog_pkh\": false", "\"prog_pkh\": true" },
    { "\"eligible\": 1", "\"eligible\": 2" },
    { "\"income\": 900000", "\"income\": 5000000" },
    { "\"occupation\": 2", "\"occupation\": 1, \"farm_land_area\": 2000" },
    { "\"walls\": 4", "\"walls\": 1" },
    { "\"water\": 6", "\"water\": 3" },
    { "\"cooking_fuel\": 9", "\"cooking_fuel\": 2" },
  };

  rich = g_strdup (found_visit);
  for (guint i = 0; i < G_N_ELEMENTS (better_off); i++)
    {
      tmp = rich;
      rich = replace (tmp, better_off[i][0], better_off[i][1]);
      g_free (tmp);
    }
  tmp = NULL;

  r = validate_builtin (rich);
  g_assert_false (verval_form_result_has_errors (r));
  g_assert_true (verval_form_result_is_relevant (r, "farm_land_area"));
  /* 12 minus floor, walls, water, cooking fuel, income = 7 */
  g_assert_cmpint (json_object_get_int_member (r->computed, "bps_criteria_count"), ==, 7);
  g_assert_false (json_object_get_boolean_member (r->computed, "poor"));
  g_assert_false (json_object_get_boolean_member (r->computed, "exclusion_error"));
  g_assert_true (json_object_get_boolean_member (r->computed, "inclusion_error"));
  g_clear_pointer (&r, verval_form_result_free);

  /* cross-field constraints: more severely disabled than disabled members */
  tmp = replace (found_visit, "\"disabled_severe\": 1", "\"disabled_severe\": 2");
  r = validate_builtin (tmp);
  assert_error (r, "disabled_severe", NULL);
  g_assert_cmpuint (r->issues->len, ==, 1);
}

static void
test_builtin_not_found (void)
{
  g_autoptr(VervalFormResult) r = NULL;
  g_autoptr(VervalFormResult) no_house = NULL;
  g_autoptr(VervalFormResult) no_note = NULL;
  g_autofree char *visit = NULL;
  const char *hidden_sections[] = { "B", "C", "D", "E", "F" };

  /* the coordinator first typed a "found" visit, then changed the result */
  visit = replace (found_visit, "\"result\": 2", "\"result\": 3, \"house_present\": true");
  r = validate_builtin (visit);
  g_assert_false (verval_form_result_has_errors (r));
  for (guint i = 0; i < G_N_ELEMENTS (hidden_sections); i++)
    g_assert_false (verval_form_result_is_relevant (r, hidden_sections[i]));
  g_assert_true (verval_form_result_is_relevant (r, "G"));
  g_assert_false (verval_form_result_is_relevant (r, "eligible"));
  g_assert_false (verval_form_result_is_relevant (r, "photo_inside"));
  g_assert_true (verval_form_result_is_required (r, "note"));
  /* B–F, eligibility and the inside photo are dropped */
  g_assert_false (json_object_has_member (r->answers, "head_nik"));
  g_assert_false (json_object_has_member (r->answers, "floor"));
  g_assert_false (json_object_has_member (r->answers, "needs"));
  g_assert_false (json_object_has_member (r->answers, "eligible"));
  g_assert_false (json_object_has_member (r->answers, "photo_inside"));
  g_assert_true (json_object_has_member (r->answers, "photo_house_front"));
  g_assert_true (json_object_has_member (r->answers, "location"));
  g_assert_true (json_object_has_member (r->answers, "note"));
  g_assert_cmpint (json_object_get_size (r->answers), ==, 6);
  g_assert_true (json_object_get_null_member (r->computed, "bps_criteria_count"));
  g_assert_true (json_object_get_null_member (r->computed, "poor"));
  g_assert_true (json_object_get_null_member (r->computed, "exclusion_error"));

  /* no house: no house-front photo needed; a missing note is an error */
  no_house = validate_builtin ("{\"result\": 4, \"house_present\": false, \"recommendation\": 2,"
                               " \"note\": \"Pindah ke Denpasar 2025\","
                               " \"location\": {\"latitude\": -8.11, \"longitude\": 115.08,"
                               " \"accuracy\": 65}}");
  g_assert_false (verval_form_result_has_errors (no_house));
  g_assert_false (verval_form_result_is_relevant (no_house, "photo_house_front"));
  g_assert_cmpuint (no_house->issues->len, ==, 1);   /* accuracy above 50 m */
  g_assert_cmpuint (count_issues (no_house, "location", VERVAL_SEVERITY_WARNING), ==, 1);

  no_note = validate_builtin ("{\"result\": 7, \"house_present\": true, \"recommendation\": 1}");
  assert_error (no_note, "note", "This answer is required");
  assert_error (no_note, "photo_house_front", "This answer is required");
  assert_error (no_note, "location", "This answer is required");
  g_assert_cmpuint (no_note->issues->len, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/common/form/structure", test_form_structure);
  ADD ("/common/form/valid", test_form_valid);
  ADD ("/common/form/relevance", test_form_relevance);
  ADD ("/common/form/required", test_form_required);
  ADD ("/common/form/ranges", test_form_ranges);
  ADD ("/common/form/types", test_form_types);
  ADD ("/common/form/choice-codes", test_form_choice_codes);
  ADD ("/common/form/warnings", test_form_warnings);
  ADD ("/common/form/language", test_form_language);
#undef ADD
  g_test_add_func ("/common/form/bad-definitions", test_form_bad_definitions);
  g_test_add_func ("/common/form/bad-json", test_form_bad_json);
  g_test_add_func ("/common/form/truncated", test_form_truncated);
  g_test_add_func ("/common/form/file", test_form_file);
  g_test_add_func ("/common/form/builtin/loads", test_builtin_loads);
  g_test_add_func ("/common/form/builtin/found", test_builtin_found);
  g_test_add_func ("/common/form/builtin/found-variants", test_builtin_found_variants);
  g_test_add_func ("/common/form/builtin/not-found", test_builtin_not_found);

  return g_test_run ();
}
