/* verval-wire-visit.c: a visit as the JSON object of the sync protocol
 *
 * Shape only: the form's rules, assignments, revisions and limits are the
 * collector's. Every problem is collected, not just the first, so that a
 * coordinator sees everything wrong with a refused visit at once.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-wire"

#include "config.h"

#include <math.h>
#include <string.h>

#include "verval-json.h"
#include "verval-time.h"
#include "verval-wire-visit.h"

/* Member names, once for both directions. */
#define M_UUID          "uuid"
#define M_REVISION      "revision"
#define M_HOUSEHOLD     "household_id"
#define M_FORM          "form"
#define M_FORM_ID       "id"
#define M_FORM_VERSION  "version"
#define M_ANSWERS       "answers"
#define M_RESULT_CODE   "result_code"
#define M_STARTED_AT    "started_at"
#define M_FINISHED_AT   "finished_at"
#define M_LOCATION      "location"
#define M_LAT           "lat"
#define M_LON           "lon"
#define M_ACCURACY      "accuracy"
#define M_ALTITUDE      "altitude"
#define M_TIME          "time"
#define M_SOURCE        "source"
#define M_MEDIA         "media"
#define M_SHA256        "sha256"
#define M_ROLE          "role"
#define M_SIZE          "size"
#define M_TAKEN         "taken"
#define M_ENUMERATOR_ID "enumerator_id"
#define M_DEVICE_ID     "device_id"

#define MAX_ROLE_LENGTH 32

VervalWireVisit *
verval_wire_visit_new (void)
{
  VervalWireVisit *visit = g_new0 (VervalWireVisit, 1);

  visit->media = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_media_free);
  return visit;
}

void
verval_wire_visit_free (VervalWireVisit *visit)
{
  if (visit == NULL)
    return;
  g_free (visit->uuid);
  g_free (visit->household_id);
  g_free (visit->form_id);
  g_clear_pointer (&visit->answers, json_node_unref);
  g_clear_pointer (&visit->started_at, g_date_time_unref);
  g_clear_pointer (&visit->finished_at, g_date_time_unref);
  g_clear_pointer (&visit->location, verval_location_fix_free);
  g_clear_pointer (&visit->media, g_ptr_array_unref);
  g_free (visit);
}

VervalWireMedia *
verval_wire_media_new (const char *sha256,
                       const char *role,
                       gint64      size,
                       GDateTime  *taken)
{
  VervalWireMedia *media = g_new0 (VervalWireMedia, 1);

  media->sha256 = g_strdup (sha256);
  media->role = g_strdup (role);
  media->size = size;
  media->taken = taken != NULL ? g_date_time_ref (taken) : NULL;
  return media;
}

void
verval_wire_media_free (VervalWireMedia *media)
{
  if (media == NULL)
    return;
  g_free (media->sha256);
  g_free (media->role);
  g_clear_pointer (&media->taken, g_date_time_unref);
  g_free (media);
}

VervalWireProblem *
verval_wire_problem_new (const char *code,
                         const char *field,
                         const char *format,
                         ...)
{
  VervalWireProblem *problem = g_new0 (VervalWireProblem, 1);
  va_list args;

  problem->code = g_strdup (code);
  problem->field = g_strdup (field);
  va_start (args, format);
  problem->message = g_strdup_vprintf (format, args);
  va_end (args);
  return problem;
}

void
verval_wire_problem_free (VervalWireProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->code);
  g_free (problem->field);
  g_free (problem->message);
  g_free (problem);
}

gboolean
verval_wire_is_sha256_hex (const char *text)
{
  guint i;

  if (text == NULL)
    return FALSE;
  for (i = 0; text[i] != '\0'; i++)
    if (i == 64 || (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f')))
      return FALSE;
  return i == 64;
}

/* --- Encoding ----------------------------------------------------------- */

static void
add_location (JsonBuilder             *b,
              const VervalLocationFix *fix)
{
  const char *source = verval_location_source_to_string (fix->source);

  json_builder_set_member_name (b, M_LOCATION);
  json_builder_begin_object (b);
  verval_json_add_double (b, M_LAT, fix->latitude);
  verval_json_add_double (b, M_LON, fix->longitude);
  if (verval_location_fix_has_accuracy (fix))
    verval_json_add_double (b, M_ACCURACY, fix->accuracy_m);
  if (fix->has_altitude)
    verval_json_add_double (b, M_ALTITUDE, fix->altitude);
  if (fix->time != NULL)
    verval_json_add_time (b, M_TIME, fix->time);
  if (source != NULL)
    verval_json_add_string (b, M_SOURCE, source);
  json_builder_end_object (b);
}

JsonNode *
verval_wire_visit_to_json (const VervalWireVisit *visit)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (visit != NULL, NULL);
  g_return_val_if_fail (visit->answers == NULL || JSON_NODE_HOLDS_OBJECT (visit->answers), NULL);

  json_builder_begin_object (b);
  verval_json_add_string (b, M_UUID, visit->uuid);
  verval_json_add_int (b, M_REVISION, visit->revision);
  verval_json_add_string (b, M_HOUSEHOLD, visit->household_id);
  json_builder_set_member_name (b, M_FORM);
  json_builder_begin_object (b);
  verval_json_add_string (b, M_FORM_ID, visit->form_id);
  verval_json_add_int (b, M_FORM_VERSION, visit->form_version);
  json_builder_end_object (b);
  json_builder_set_member_name (b, M_ANSWERS);
  if (visit->answers != NULL)
    json_builder_add_value (b, json_node_copy (visit->answers));
  else
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, M_RESULT_CODE);
  if (visit->result_code != 0)
    json_builder_add_int_value (b, visit->result_code);
  else
    json_builder_add_null_value (b);
  verval_json_add_time (b, M_STARTED_AT, visit->started_at);
  verval_json_add_time (b, M_FINISHED_AT, visit->finished_at);
  if (visit->location != NULL)
    add_location (b, visit->location);

  json_builder_set_member_name (b, M_MEDIA);
  json_builder_begin_array (b);
  for (guint i = 0; i < visit->media->len; i++)
    {
      const VervalWireMedia *m = g_ptr_array_index (visit->media, i);

      json_builder_begin_object (b);
      verval_json_add_string (b, M_SHA256, m->sha256);
      verval_json_add_string (b, M_ROLE, m->role);
      verval_json_add_int (b, M_SIZE, m->size);
      if (m->taken != NULL)
        verval_json_add_time (b, M_TAKEN, m->taken);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  if (visit->enumerator_id != 0)
    verval_json_add_int (b, M_ENUMERATOR_ID, visit->enumerator_id);
  if (visit->device_id != 0)
    verval_json_add_int (b, M_DEVICE_ID, visit->device_id);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* --- Decoding ----------------------------------------------------------- */

static void
problem (GPtrArray  *problems,
         const char *code,
         const char *field,
         const char *message)
{
  g_ptr_array_add (problems, verval_wire_problem_new (code, field, "%s", message));
}

static gboolean
is_null_or_absent (JsonObject *obj,
                   const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static gboolean
get_integer (JsonObject *obj,
             const char *member,
             gint64     *value)
{
  return verval_json_integer (json_object_get_member (obj, member), value);
}

static gboolean
get_number (JsonObject *obj,
            const char *member,
            double     *value)
{
  return verval_json_number (json_object_get_member (obj, member), value);
}

static const char *
get_string (JsonObject *obj,
            const char *member)
{
  return verval_json_string (json_object_get_member (obj, member));
}

/* The protocol's time grammar, which requires an offset: a time without
 * one is ambiguous across WIB, WITA and WIT. */
static GDateTime *
get_time (JsonObject *obj,
          const char *member)
{
  return verval_time_parse (get_string (obj, member));
}

static gboolean
is_role (const char *role)
{
  gsize len = strlen (role);

  if (len == 0 || len > MAX_ROLE_LENGTH)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_islower (role[i]) || g_ascii_isdigit (role[i]) || role[i] == '_'))
      return FALSE;
  return TRUE;
}

static VervalLocationFix *
decode_location (JsonObject *loc,
                 GPtrArray  *problems)
{
  g_autoptr(GDateTime) time = NULL;
  VervalLocationSource source = VERVAL_LOCATION_SOURCE_UNKNOWN;
  double lat = NAN, lon = NAN, accuracy = -1, altitude = NAN;
  guint before = problems->len;
  VervalLocationFix *fix;

  if (!get_number (loc, M_LAT, &lat) || lat < -90 || lat > 90)
    problem (problems, "invalid_location", "location.lat", "Latitude must be a number from -90 to 90");
  if (!get_number (loc, M_LON, &lon) || lon < -180 || lon > 180)
    problem (problems, "invalid_location", "location.lon", "Longitude must be a number from -180 to 180");
  /* A fix without an accuracy is still a fix: manual entries and most
   * photos give none. */
  if (!is_null_or_absent (loc, M_ACCURACY) &&
      (!get_number (loc, M_ACCURACY, &accuracy) || accuracy < 0))
    problem (problems, "invalid_location", "location.accuracy",
             "Accuracy must be a number of metres, 0 or more");
  if (!is_null_or_absent (loc, M_ALTITUDE) && !get_number (loc, M_ALTITUDE, &altitude))
    problem (problems, "invalid_location", "location.altitude", "Altitude must be a number");
  if (!is_null_or_absent (loc, M_TIME) && (time = get_time (loc, M_TIME)) == NULL)
    problem (problems, "invalid_time", "location.time",
             "The fix time must be ISO 8601 with a zone offset");
  /* Apps before 0.2 left the source out for fixes from the location service
   * and from photos: such a fix is kept, of unknown source. */
  if (!is_null_or_absent (loc, M_SOURCE) &&
      !verval_location_source_from_string (get_string (loc, M_SOURCE), &source))
    problem (problems, "invalid_location", "location.source",
             "The fix source must be one of gps, network, manual, exif, or left out");

  if (problems->len > before)
    return NULL;
  fix = verval_location_fix_new (source, lat, lon, accuracy, time);
  if (!isnan (altitude))
    {
      fix->has_altitude = TRUE;
      fix->altitude = altitude;
    }
  return fix;
}

static void
decode_media (JsonArray       *media,
              VervalWireVisit *visit,
              GPtrArray       *problems)
{
  guint n = json_array_get_length (media);

  if (n > VERVAL_WIRE_MAX_MEDIA_PER_VISIT)
    {
      g_ptr_array_add (problems,
                       verval_wire_problem_new ("too_many_media", M_MEDIA,
                                                "A visit may reference at most %u media",
                                                VERVAL_WIRE_MAX_MEDIA_PER_VISIT));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (media, i);
      g_autofree char *field = g_strdup_printf ("media[%u]", i);
      g_autoptr(GDateTime) taken = NULL;
      JsonObject *obj;
      const char *sha, *role;
      gint64 size;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          problem (problems, "invalid_media", field, "Each media entry must be an object");
          continue;
        }
      obj = json_node_get_object (node);
      sha = get_string (obj, M_SHA256);
      role = get_string (obj, M_ROLE);
      if (!verval_wire_is_sha256_hex (sha))
        {
          problem (problems, "invalid_media", field, "sha256 must be 64 lower-case hex digits");
          continue;
        }
      if (role == NULL || !is_role (role))
        {
          problem (problems, "invalid_media", field,
                   "role must be a short lower-case name such as house_front");
          continue;
        }
      if (!get_integer (obj, M_SIZE, &size) || size <= 0)
        {
          problem (problems, "invalid_media", field, "size must be the file size in bytes");
          continue;
        }
      if (!is_null_or_absent (obj, M_TAKEN) && (taken = get_time (obj, M_TAKEN)) == NULL)
        {
          problem (problems, "invalid_time", field, "taken must be ISO 8601 with a zone offset");
          continue;
        }
      g_ptr_array_add (visit->media, verval_wire_media_new (sha, role, size, taken));
    }
}

static void
decode_echo (JsonObject *obj,
             const char *member,
             gint64     *value,
             GPtrArray  *problems)
{
  if (is_null_or_absent (obj, member))
    return;
  if (!get_integer (obj, member, value) || *value <= 0)
    {
      *value = 0;
      g_ptr_array_add (problems, verval_wire_problem_new ("identity_mismatch", member,
                                                          "%s must be a positive integer", member));
    }
}

VervalWireVisit *
verval_wire_visit_from_json (JsonNode   *node,
                             GPtrArray  *problems,
                             char      **uuid_out,
                             gint64     *revision_out)
{
  g_autoptr(VervalWireVisit) visit = verval_wire_visit_new ();
  JsonObject *obj, *form;
  JsonNode *answers, *member;
  const char *uuid, *household, *form_id;
  guint before;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (problems != NULL, NULL);
  g_return_val_if_fail (uuid_out != NULL && revision_out != NULL, NULL);

  before = problems->len;
  *uuid_out = NULL;
  *revision_out = 0;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      problem (problems, "invalid_visit", NULL, "A visit must be a JSON object");
      return NULL;
    }
  obj = json_node_get_object (node);

  uuid = get_string (obj, M_UUID);
  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    problem (problems, "invalid_uuid", M_UUID, "uuid must be a UUID string");
  else
    {
      visit->uuid = g_ascii_strdown (uuid, -1);
      *uuid_out = g_strdup (visit->uuid);
    }

  if (!get_integer (obj, M_REVISION, &visit->revision) || visit->revision < 1)
    problem (problems, "invalid_revision", M_REVISION, "revision must be an integer, 1 or more");
  else
    *revision_out = visit->revision;

  household = get_string (obj, M_HOUSEHOLD);
  if (household == NULL || household[0] == '\0' || g_utf8_strlen (household, -1) > VERVAL_WIRE_MAX_ID_LENGTH)
    problem (problems, "invalid_household", M_HOUSEHOLD, "household_id must be a string of 1–64 characters");
  else
    visit->household_id = g_strdup (household);

  member = json_object_get_member (obj, M_FORM);
  form = member != NULL && JSON_NODE_HOLDS_OBJECT (member) ? json_node_get_object (member) : NULL;
  form_id = form != NULL ? get_string (form, M_FORM_ID) : NULL;
  if (form_id == NULL || form_id[0] == '\0' || g_utf8_strlen (form_id, -1) > VERVAL_WIRE_MAX_ID_LENGTH ||
      !get_integer (form, M_FORM_VERSION, &visit->form_version) || visit->form_version < 1)
    problem (problems, "invalid_form", M_FORM,
             "form must be an object with a string id and an integer version");
  else
    visit->form_id = g_strdup (form_id);

  answers = json_object_get_member (obj, M_ANSWERS);
  if (answers == NULL || !JSON_NODE_HOLDS_OBJECT (answers))
    problem (problems, "invalid_answers", M_ANSWERS, "answers must be a JSON object");
  else
    visit->answers = json_node_ref (answers);

  if (!get_integer (obj, M_RESULT_CODE, &visit->result_code) ||
      visit->result_code < 1 || visit->result_code > 8)
    problem (problems, "invalid_result_code", M_RESULT_CODE, "result_code must be an integer from 1 to 8");

  visit->started_at = get_time (obj, M_STARTED_AT);
  visit->finished_at = get_time (obj, M_FINISHED_AT);
  if (visit->started_at == NULL)
    problem (problems, "invalid_time", M_STARTED_AT, "started_at must be ISO 8601 with a zone offset");
  if (visit->finished_at == NULL)
    problem (problems, "invalid_time", M_FINISHED_AT, "finished_at must be ISO 8601 with a zone offset");
  if (visit->started_at != NULL && visit->finished_at != NULL &&
      g_date_time_compare (visit->finished_at, visit->started_at) < 0)
    problem (problems, "invalid_time", M_FINISHED_AT, "finished_at is before started_at");

  member = json_object_get_member (obj, M_LOCATION);
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    visit->location = decode_location (json_node_get_object (member), problems);
  else if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    problem (problems, "invalid_location", M_LOCATION, "location must be an object or null");

  member = json_object_get_member (obj, M_MEDIA);
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    decode_media (json_node_get_array (member), visit, problems);
  else if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    problem (problems, "invalid_media", M_MEDIA, "media must be an array");

  decode_echo (obj, M_ENUMERATOR_ID, &visit->enumerator_id, problems);
  decode_echo (obj, M_DEVICE_ID, &visit->device_id, problems);

  if (problems->len > before)
    return NULL;
  return g_steal_pointer (&visit);
}
