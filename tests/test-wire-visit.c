/* test-wire-visit.c: the visit object of the sync protocol, both ways
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "verval-wire-visit.h"

#define SHA_A "9f2c1f0e5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d"
#define SHA_B "41aa1f0e5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d"

static VervalWireVisit *
visit_new (VervalLocationFix *location)
{
  VervalWireVisit *v = verval_wire_visit_new ();
  g_autoptr(GDateTime) taken = g_date_time_new_from_iso8601 ("2026-11-20T09:14:00+07:00", NULL);

  v->uuid = g_strdup ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e01");
  v->revision = 2;
  v->household_id = g_strdup ("P3KE-0001");
  v->form_id = g_strdup ("verification");
  v->form_version = 1;
  v->answers = json_from_string ("{\"result\": 1, \"members\": 5, \"photo_house_front\": [\"" SHA_A "\"]}",
                                 NULL);
  v->result_code = 1;
  v->started_at = g_date_time_new_from_iso8601 ("2026-11-20T09:12:00+08:00", NULL);
  v->finished_at = g_date_time_new_from_iso8601 ("2026-11-20T09:27:30.5+08:00", NULL);
  v->location = location;
  g_ptr_array_add (v->media, verval_wire_media_new (SHA_A, "house_front", 307200, taken));
  g_ptr_array_add (v->media, verval_wire_media_new (SHA_B, "family_card", 1024, NULL));
  return v;
}

static VervalWireVisit *
decode (JsonNode  *node,
        GPtrArray *problems)
{
  g_autofree char *uuid = NULL;
  gint64 revision;

  return verval_wire_visit_from_json (node, problems, &uuid, &revision);
}

static void
test_round_trip (void)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 ("2026-11-20T09:13:05+08:00", NULL);
  VervalLocationFix *fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS, -8.1123, 115.0912, 12.5, time);
  g_autoptr(VervalWireVisit) visit = NULL;
  g_autoptr(VervalWireVisit) back = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object, *location;
  VervalWireMedia *m;

  fix->has_altitude = TRUE;
  fix->altitude = 48;
  visit = visit_new (fix);
  node = verval_wire_visit_to_json (visit);
  object = json_node_get_object (node);
  /* the members docs/protocol.md names, as it names them */
  g_assert_cmpstr (json_object_get_string_member (object, "uuid"), ==, visit->uuid);
  g_assert_cmpint (json_object_get_int_member (object, "revision"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "household_id"), ==, "P3KE-0001");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "form"), "id"), ==,
                   "verification");
  g_assert_cmpint (json_object_get_int_member (object, "result_code"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "started_at"), ==, "2026-11-20T09:12:00+08");
  location = json_object_get_object_member (object, "location");
  g_assert_cmpfloat (json_object_get_double_member (location, "lat"), ==, -8.1123);
  g_assert_cmpfloat (json_object_get_double_member (location, "lon"), ==, 115.0912);
  g_assert_cmpfloat (json_object_get_double_member (location, "accuracy"), ==, 12.5);
  g_assert_cmpfloat (json_object_get_double_member (location, "altitude"), ==, 48);
  g_assert_cmpstr (json_object_get_string_member (location, "source"), ==, "gps");
  g_assert_cmpstr (json_object_get_string_member (location, "time"), ==, "2026-11-20T09:13:05+08");
  g_assert_false (json_object_has_member (object, "enumerator_id"));

  back = decode (node, problems);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->uuid, ==, visit->uuid);
  g_assert_cmpint (back->revision, ==, 2);
  g_assert_cmpstr (back->household_id, ==, "P3KE-0001");
  g_assert_cmpstr (back->form_id, ==, "verification");
  g_assert_cmpint (back->form_version, ==, 1);
  g_assert_true (json_node_equal (back->answers, visit->answers));
  g_assert_true (g_date_time_equal (back->started_at, visit->started_at));
  g_assert_true (g_date_time_equal (back->finished_at, visit->finished_at));
  g_assert_cmpint (g_date_time_get_utc_offset (back->started_at), ==, 8 * G_TIME_SPAN_HOUR);
  g_assert_nonnull (back->location);
  g_assert_cmpint (back->location->source, ==, VERVAL_LOCATION_SOURCE_GPS);
  g_assert_cmpfloat (back->location->latitude, ==, -8.1123);
  g_assert_cmpfloat (back->location->accuracy_m, ==, 12.5);
  g_assert_true (back->location->has_altitude);
  g_assert_true (g_date_time_equal (back->location->time, time));
  g_assert_cmpuint (back->media->len, ==, 2);
  m = g_ptr_array_index (back->media, 0);
  g_assert_cmpstr (m->sha256, ==, SHA_A);
  g_assert_cmpstr (m->role, ==, "house_front");
  g_assert_cmpint (m->size, ==, 307200);
  g_assert_nonnull (m->taken);
  m = g_ptr_array_index (back->media, 1);
  g_assert_null (m->taken);
}

/* A fix without an accuracy, altitude, time or source travels with what it
 * has: the position is never dropped. Every source survives the trip. */
static void
test_partial_fix (void)
{
  for (VervalLocationSource s = VERVAL_LOCATION_SOURCE_UNKNOWN; s <= VERVAL_LOCATION_SOURCE_LAST; s++)
    {
      g_autoptr(VervalWireVisit) visit = visit_new (verval_location_fix_new (s, -8.1, 115.2, -1, NULL));
      g_autoptr(JsonNode) node = verval_wire_visit_to_json (visit);
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
      g_autoptr(VervalWireVisit) back = NULL;
      JsonObject *location = json_object_get_object_member (json_node_get_object (node), "location");

      g_assert_nonnull (location);
      g_assert_cmpuint (json_object_get_size (location), ==, s == VERVAL_LOCATION_SOURCE_UNKNOWN ? 2 : 3);
      back = decode (node, problems);
      g_assert_nonnull (back);
      g_assert_nonnull (back->location);
      g_assert_cmpint (back->location->source, ==, s);
      g_assert_false (verval_location_fix_has_accuracy (back->location));
      g_assert_false (back->location->has_altitude);
      g_assert_null (back->location->time);
    }
}

static const char *
first_field (GPtrArray  *problems,
             const char *code)
{
  for (guint i = 0; i < problems->len; i++)
    {
      VervalWireProblem *p = g_ptr_array_index (problems, i);

      if (g_str_equal (p->code, code))
        return p->field != NULL ? p->field : "";
    }
  return NULL;
}

static gboolean
has_problem (GPtrArray  *problems,
             const char *code,
             const char *field)
{
  for (guint i = 0; i < problems->len; i++)
    {
      VervalWireProblem *p = g_ptr_array_index (problems, i);

      if (g_str_equal (p->code, code) && g_strcmp0 (p->field, field) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Everything wrong is reported at once, each with its member's path. */
static void
test_problems (void)
{
  const char *text =
    "{\"uuid\": \"not-a-uuid\", \"revision\": 0, \"household_id\": \"\","
    " \"form\": {\"id\": \"verification\"}, \"answers\": [], \"result_code\": 9,"
    " \"started_at\": \"2026-11-20T09:12:00\", \"finished_at\": \"2026-11-20 09:00:00+07:00\","
    " \"location\": {\"lat\": 95, \"lon\": \"115\", \"accuracy\": -1, \"altitude\": \"high\","
    "   \"time\": \"yesterday\", \"source\": \"gps-service\"},"
    " \"media\": [{\"sha256\": \"ABC\", \"role\": \"house_front\", \"size\": 1}, 7,"
    "   {\"sha256\": \"" SHA_A "\", \"role\": \"Front Door\", \"size\": 1},"
    "   {\"sha256\": \"" SHA_A "\", \"role\": \"house_front\", \"size\": 0},"
    "   {\"sha256\": \"" SHA_A "\", \"role\": \"house_front\", \"size\": 5, \"taken\": \"noon\"}],"
    " \"enumerator_id\": \"3\"}";
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  g_autofree char *uuid = NULL;
  gint64 revision = -1;
  const char *expected[][2] = {
    { "invalid_uuid", "uuid" }, { "invalid_revision", "revision" },
    { "invalid_household", "household_id" }, { "invalid_form", "form" },
    { "invalid_answers", "answers" }, { "invalid_result_code", "result_code" },
    { "invalid_time", "started_at" }, { "invalid_location", "location.lat" },
    { "invalid_media", "media[0]" }, { "identity_mismatch", "enumerator_id" },
  };
  const char *all[][2] = {
    { "invalid_location", "location.lat" }, { "invalid_location", "location.lon" },
    { "invalid_location", "location.accuracy" }, { "invalid_location", "location.altitude" },
    { "invalid_time", "location.time" }, { "invalid_location", "location.source" },
    { "invalid_media", "media[0]" }, { "invalid_media", "media[1]" }, { "invalid_media", "media[2]" },
    { "invalid_media", "media[3]" }, { "invalid_time", "media[4]" },
    /* a space for the T: GLib would read it, the protocol's grammar does not */
    { "invalid_time", "finished_at" },
  };

  g_assert_null (verval_wire_visit_from_json (node, problems, &uuid, &revision));
  g_assert_null (uuid);
  g_assert_cmpint (revision, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (first_field (problems, expected[i][0]), ==, expected[i][1]);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_assert_true (has_problem (problems, all[i][0], all[i][1]));
  g_assert_cmpuint (problems->len, ==, 20);

  /* not an object at all */
  g_ptr_array_set_size (problems, 0);
  g_clear_pointer (&node, json_node_unref);
  node = json_from_string ("[1, 2]", NULL);
  g_assert_null (decode (node, problems));
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpstr (((VervalWireProblem *) problems->pdata[0])->code, ==, "invalid_visit");
}

/* A good uuid and revision are reported even when the rest is refused, for
 * the outcome; a location of null is no location. */
static void
test_identity_on_failure (void)
{
  g_autoptr(JsonNode) node = json_from_string (
    "{\"uuid\": \"6F1D8A44-6A4C-4A3B-9D6E-1A2B3C4D5E01\", \"revision\": 3, \"location\": null}", NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  g_autofree char *uuid = NULL;
  gint64 revision = 0;

  g_assert_null (verval_wire_visit_from_json (node, problems, &uuid, &revision));
  g_assert_cmpstr (uuid, ==, "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e01");
  g_assert_cmpint (revision, ==, 3);
  g_assert_null (first_field (problems, "invalid_location"));
}

static void
test_too_many_media (void)
{
  g_autoptr(VervalWireVisit) visit = visit_new (NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);

  for (guint i = visit->media->len; i <= VERVAL_WIRE_MAX_MEDIA_PER_VISIT; i++)
    g_ptr_array_add (visit->media, verval_wire_media_new (SHA_B, "house_inside", 10 + i, NULL));
  node = verval_wire_visit_to_json (visit);
  g_assert_false (json_object_has_member (json_node_get_object (node), "location"));
  g_assert_null (decode (node, problems));
  g_assert_cmpstr (first_field (problems, "too_many_media"), ==, "media");
}

static void
test_sha256_names (void)
{
  g_assert_true (verval_wire_is_sha256_hex (SHA_A));
  g_assert_false (verval_wire_is_sha256_hex (NULL));
  g_assert_false (verval_wire_is_sha256_hex (""));
  g_assert_false (verval_wire_is_sha256_hex (SHA_A "0"));
  g_assert_false (verval_wire_is_sha256_hex ("9F2C1F0E5A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D"));
  g_assert_false (verval_wire_is_sha256_hex ("../../etc/passwd"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/wire-visit/round-trip", test_round_trip);
  g_test_add_func ("/common/wire-visit/partial-fix", test_partial_fix);
  g_test_add_func ("/common/wire-visit/problems", test_problems);
  g_test_add_func ("/common/wire-visit/identity-on-failure", test_identity_on_failure);
  g_test_add_func ("/common/wire-visit/too-many-media", test_too_many_media);
  g_test_add_func ("/common/wire-visit/sha256-names", test_sha256_names);
  return g_test_run ();
}
