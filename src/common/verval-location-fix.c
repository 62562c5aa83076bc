/* verval-location-fix.c: a position, where it came from, and its names
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-location"

#include "config.h"

#include <math.h>

#include "verval-json.h"
#include "verval-location-fix.h"
#include "verval-time.h"

G_DEFINE_ENUM_TYPE (VervalLocationSource, verval_location_source,
  G_DEFINE_ENUM_VALUE (VERVAL_LOCATION_SOURCE_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (VERVAL_LOCATION_SOURCE_GPS, "gps"),
  G_DEFINE_ENUM_VALUE (VERVAL_LOCATION_SOURCE_NETWORK, "network"),
  G_DEFINE_ENUM_VALUE (VERVAL_LOCATION_SOURCE_MANUAL, "manual"),
  G_DEFINE_ENUM_VALUE (VERVAL_LOCATION_SOURCE_EXIF, "exif"))
G_DEFINE_BOXED_TYPE (VervalLocationFix, verval_location_fix,
                     verval_location_fix_copy, verval_location_fix_free)

const char *
verval_location_source_to_string (VervalLocationSource source)
{
  switch (source)
    {
    case VERVAL_LOCATION_SOURCE_GPS:
      return "gps";
    case VERVAL_LOCATION_SOURCE_NETWORK:
      return "network";
    case VERVAL_LOCATION_SOURCE_MANUAL:
      return "manual";
    case VERVAL_LOCATION_SOURCE_EXIF:
      return "exif";
    case VERVAL_LOCATION_SOURCE_UNKNOWN:
    default:
      return NULL;
    }
}

gboolean
verval_location_source_from_string (const char           *text,
                                    VervalLocationSource *source)
{
  g_return_val_if_fail (source != NULL, FALSE);

  *source = VERVAL_LOCATION_SOURCE_UNKNOWN;
  if (text == NULL)
    return FALSE;
  for (VervalLocationSource s = VERVAL_LOCATION_SOURCE_GPS; s <= VERVAL_LOCATION_SOURCE_LAST; s++)
    if (g_str_equal (text, verval_location_source_to_string (s)))
      {
        *source = s;
        return TRUE;
      }
  return FALSE;
}

static gboolean
on_earth (double latitude,
          double longitude)
{
  return isfinite (latitude) && fabs (latitude) <= 90 &&
         isfinite (longitude) && fabs (longitude) <= 180;
}

VervalLocationFix *
verval_location_fix_new (VervalLocationSource  source,
                         double                latitude,
                         double                longitude,
                         double                accuracy_m,
                         GDateTime            *time)
{
  VervalLocationFix *fix;

  if (!on_earth (latitude, longitude))
    return NULL;

  fix = g_new0 (VervalLocationFix, 1);
  fix->source = source;
  fix->latitude = latitude;
  fix->longitude = longitude;
  fix->accuracy_m = isfinite (accuracy_m) && accuracy_m >= 0 ? accuracy_m : -1;
  fix->time = time ? g_date_time_ref (time) : NULL;
  return fix;
}

VervalLocationFix *
verval_location_fix_copy (const VervalLocationFix *fix)
{
  VervalLocationFix *copy;

  g_return_val_if_fail (fix != NULL, NULL);

  copy = g_memdup2 (fix, sizeof *fix);
  copy->time = fix->time ? g_date_time_ref (fix->time) : NULL;
  return copy;
}

void
verval_location_fix_free (VervalLocationFix *fix)
{
  if (fix == NULL)
    return;
  g_clear_pointer (&fix->time, g_date_time_unref);
  g_free (fix);
}

gboolean
verval_location_fix_has_accuracy (const VervalLocationFix *fix)
{
  g_return_val_if_fail (fix != NULL, FALSE);
  return fix->accuracy_m >= 0;
}

JsonNode *
verval_location_fix_to_answer (const VervalLocationFix *fix)
{
  JsonObject *object;
  const char *source;

  g_return_val_if_fail (fix != NULL, NULL);

  object = json_object_new ();
  json_object_set_double_member (object, "latitude", fix->latitude);
  json_object_set_double_member (object, "longitude", fix->longitude);
  if (verval_location_fix_has_accuracy (fix))
    json_object_set_double_member (object, "accuracy", fix->accuracy_m);
  if (fix->has_altitude)
    json_object_set_double_member (object, "altitude", fix->altitude);
  if ((source = verval_location_source_to_string (fix->source)) != NULL)
    json_object_set_string_member (object, "source", source);
  if (fix->time != NULL)
    {
      g_autofree char *time = g_date_time_format_iso8601 (fix->time);

      json_object_set_string_member (object, "time", time);
    }
  return json_node_init_object (json_node_alloc (), object);
}

VervalLocationFix *
verval_location_fix_from_answer (JsonNode *node)
{
  g_autoptr(GDateTime) time = NULL;
  VervalLocationSource source;
  JsonObject *object;
  VervalLocationFix *fix;
  double latitude, longitude, accuracy = -1, altitude;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (!verval_json_number (json_object_get_member (object, "latitude"), &latitude) ||
      !verval_json_number (json_object_get_member (object, "longitude"), &longitude))
    return NULL;
  verval_json_number (json_object_get_member (object, "accuracy"), &accuracy);
  if ((text = verval_json_string (json_object_get_member (object, "time"))) != NULL)
    time = verval_time_parse (text);
  verval_location_source_from_string (verval_json_string (json_object_get_member (object, "source")), &source);

  fix = verval_location_fix_new (source, latitude, longitude, accuracy, time);
  if (fix != NULL && verval_json_number (json_object_get_member (object, "altitude"), &altitude))
    {
      fix->has_altitude = TRUE;
      fix->altitude = altitude;
    }
  return fix;
}
