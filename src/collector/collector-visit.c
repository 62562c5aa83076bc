/* collector-visit.c: a visit as it arrives on the wire
 *
 * Shape only: form rules are CollectorForms' job, assignment and revision
 * rules the store's. Every problem is collected, not just the first, so a
 * coordinator sees everything wrong with a quarantined visit at once.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include <math.h>
#include <string.h>

#include "collector-token.h"
#include "collector-visit.h"

#define MAX_ID_LENGTH 64

static void
problem (GPtrArray  *problems,
         const char *code,
         const char *field,
         const char *message)
{
  g_ptr_array_add (problems, collector_problem_new (code, field, "%s", message));
}

static gboolean
get_integer (JsonObject *obj,
             const char *member,
             gint64     *value)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean
get_number (JsonObject *obj,
            const char *member,
            double     *value)
{
  JsonNode *node = json_object_get_member (obj, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return isfinite (*value);
}

static const char *
get_string (JsonObject *obj,
            const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
is_null_or_absent (JsonObject *obj,
                   const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

/* ISO 8601 with a zone offset: a time without one is ambiguous across WIB,
 * WITA and WIT. */
static GDateTime *
parse_time (const char *text)
{
  if (text == NULL)
    return NULL;
  return g_date_time_new_from_iso8601 (text, NULL);
}

static gboolean
is_role (const char *role)
{
  gsize len = strlen (role);

  if (len == 0 || len > 32)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_islower (role[i]) || g_ascii_isdigit (role[i]) || role[i] == '_'))
      return FALSE;
  return TRUE;
}

static void
parse_location (JsonObject     *loc,
                CollectorVisit *visit,
                GPtrArray      *problems)
{
  static const char *sources[] = { "gps", "network", "manual", "exif", NULL };
  const char *source, *time_text;
  double value;

  visit->has_location = TRUE;
  if (!get_number (loc, "lat", &visit->lat) || visit->lat < -90 || visit->lat > 90)
    problem (problems, "invalid_location", "location.lat", "Latitude must be a number from -90 to 90");
  if (!get_number (loc, "lon", &visit->lon) || visit->lon < -180 || visit->lon > 180)
    problem (problems, "invalid_location", "location.lon", "Longitude must be a number from -180 to 180");
  /* A fix without an accuracy is still a fix (some receivers and manual
   * entries give none); NaN binds as NULL in the store: "unknown". */
  visit->accuracy = NAN;
  if (!is_null_or_absent (loc, "accuracy") &&
      (!get_number (loc, "accuracy", &visit->accuracy) || visit->accuracy < 0))
    problem (problems, "invalid_location", "location.accuracy",
             "Accuracy must be a number of metres, 0 or more");
  if (!is_null_or_absent (loc, "altitude"))
    {
      if (get_number (loc, "altitude", &value))
        {
          visit->has_altitude = TRUE;
          visit->altitude = value;
        }
      else
        problem (problems, "invalid_location", "location.altitude", "Altitude must be a number");
    }
  time_text = get_string (loc, "time");
  if (!is_null_or_absent (loc, "time"))
    {
      g_autoptr(GDateTime) t = parse_time (time_text);

      if (t == NULL)
        problem (problems, "invalid_time", "location.time",
                 "The fix time must be ISO 8601 with a zone offset");
      else
        visit->fix_time = g_strdup (time_text);
    }
  source = get_string (loc, "source");
  if (source == NULL || !g_strv_contains (sources, source))
    problem (problems, "invalid_location", "location.source",
             "The fix source must be one of gps, network, manual, exif");
  else
    visit->fix_source = g_strdup (source);
}

static void
parse_media (JsonArray      *media,
             CollectorVisit *visit,
             guint64         max_media_size,
             GPtrArray      *problems)
{
  guint n = json_array_get_length (media);

  if (n > COLLECTOR_MAX_MEDIA_PER_VISIT)
    {
      g_ptr_array_add (problems,
                       collector_problem_new ("too_many_media", "media",
                                              "A visit may reference at most %u media",
                                              COLLECTOR_MAX_MEDIA_PER_VISIT));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (media, i);
      g_autofree char *field = g_strdup_printf ("media[%u]", i);
      JsonObject *obj;
      const char *sha, *role, *taken;
      gint64 size;
      CollectorMediaRef *ref;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          problem (problems, "invalid_media", field, "Each media entry must be an object");
          continue;
        }
      obj = json_node_get_object (node);
      sha = get_string (obj, "sha256");
      role = get_string (obj, "role");
      taken = get_string (obj, "taken");
      if (!collector_is_sha256_hex (sha))
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
      if (!get_integer (obj, "size", &size) || size <= 0 || (guint64) size > max_media_size)
        {
          problem (problems, "invalid_media", field, "size must be the file size in bytes");
          continue;
        }
      if (!is_null_or_absent (obj, "taken"))
        {
          g_autoptr(GDateTime) t = parse_time (taken);

          if (t == NULL)
            {
              problem (problems, "invalid_time", field,
                       "taken must be ISO 8601 with a zone offset");
              continue;
            }
        }
      ref = g_new0 (CollectorMediaRef, 1);
      ref->sha256 = g_strdup (sha);
      ref->role = g_strdup (role);
      ref->size = size;
      ref->taken = g_strdup (taken);
      g_ptr_array_add (visit->media, ref);
    }
}

CollectorVisit *
collector_visit_parse (JsonNode        *node,
                       CollectorDevice *device,
                       guint64          max_media_size,
                       GPtrArray       *problems,
                       char           **uuid_out,
                       gint64          *revision_out)
{
  g_autoptr(CollectorVisit) visit = collector_visit_new ();
  g_autoptr(GDateTime) started = NULL;
  g_autoptr(GDateTime) finished = NULL;
  JsonObject *obj, *form;
  JsonNode *answers, *member;
  const char *uuid, *household, *form_id;
  guint before = problems->len;
  gint64 id;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (problems != NULL, NULL);

  *uuid_out = NULL;
  *revision_out = 0;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      problem (problems, "invalid_visit", NULL, "A visit must be a JSON object");
      return NULL;
    }
  obj = json_node_get_object (node);

  uuid = get_string (obj, "uuid");
  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    problem (problems, "invalid_uuid", "uuid", "uuid must be a UUID string");
  else
    {
      visit->uuid = g_ascii_strdown (uuid, -1);
      *uuid_out = g_strdup (visit->uuid);
    }

  if (!get_integer (obj, "revision", &visit->revision) || visit->revision < 1)
    problem (problems, "invalid_revision", "revision", "revision must be an integer, 1 or more");
  else
    *revision_out = visit->revision;

  household = get_string (obj, "household_id");
  if (household == NULL || household[0] == '\0' || strlen (household) > MAX_ID_LENGTH)
    problem (problems, "invalid_household", "household_id", "household_id must be a non-empty string");
  else
    visit->household_id = g_strdup (household);

  member = json_object_get_member (obj, "form");
  form = member != NULL && JSON_NODE_HOLDS_OBJECT (member) ? json_node_get_object (member) : NULL;
  form_id = form != NULL ? get_string (form, "id") : NULL;
  if (form_id == NULL || form_id[0] == '\0' || strlen (form_id) > MAX_ID_LENGTH ||
      !get_integer (form, "version", &visit->form_version) || visit->form_version < 1)
    problem (problems, "invalid_form", "form",
             "form must be an object with a string id and an integer version");
  else
    visit->form_id = g_strdup (form_id);

  answers = json_object_get_member (obj, "answers");
  if (answers == NULL || !JSON_NODE_HOLDS_OBJECT (answers))
    problem (problems, "invalid_answers", "answers", "answers must be a JSON object");
  else
    visit->answers_json = json_to_string (answers, FALSE);

  if (!get_integer (obj, "result_code", &visit->result_code) ||
      visit->result_code < 1 || visit->result_code > 8)
    problem (problems, "invalid_result_code", "result_code", "result_code must be an integer from 1 to 8");

  started = parse_time (get_string (obj, "started_at"));
  finished = parse_time (get_string (obj, "finished_at"));
  if (started == NULL)
    problem (problems, "invalid_time", "started_at", "started_at must be ISO 8601 with a zone offset");
  else
    visit->started_at = g_strdup (get_string (obj, "started_at"));
  if (finished == NULL)
    problem (problems, "invalid_time", "finished_at", "finished_at must be ISO 8601 with a zone offset");
  else
    visit->finished_at = g_strdup (get_string (obj, "finished_at"));
  if (started != NULL && finished != NULL && g_date_time_compare (finished, started) < 0)
    problem (problems, "invalid_time", "finished_at", "finished_at is before started_at");

  member = json_object_get_member (obj, "location");
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    parse_location (json_node_get_object (member), visit, problems);
  else if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    problem (problems, "invalid_location", "location", "location must be an object or null");

  member = json_object_get_member (obj, "media");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    parse_media (json_node_get_array (member), visit, max_media_size, problems);
  else if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    problem (problems, "invalid_media", "media", "media must be an array");

  /* optional echoes: a device must not speak for another */
  if (!is_null_or_absent (obj, "enumerator_id") &&
      (!get_integer (obj, "enumerator_id", &id) || id != device->enumerator_id))
    problem (problems, "identity_mismatch", "enumerator_id",
             "enumerator_id does not match the enrolled device");
  if (!is_null_or_absent (obj, "device_id") &&
      (!get_integer (obj, "device_id", &id) || id != device->id))
    problem (problems, "identity_mismatch", "device_id",
             "device_id does not match the enrolled device");

  if (problems->len > before)
    return NULL;
  return g_steal_pointer (&visit);
}
