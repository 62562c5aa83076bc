/* verval-location.c: where a visit took place: fixes, checks, sources
 *
 * A fix comes from the device's location service (GeoClue 2), from the GPS
 * tags of the visit's photos, or is typed in. Checks only warn: a house at
 * the edge of a village, or a fix that took a while, are real situations
 * that the coordinator judges better than a rule.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-location"

#include "config.h"

#include <geoclue.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "verval-location.h"

/* Mean Earth radius (IUGG), metres. */
#define EARTH_RADIUS_M 6371008.8

G_DEFINE_QUARK (verval-location-error-quark, verval_location_error)

/* --- Fixes -------------------------------------------------------------- */

VervalLocationFix *
verval_location_fix_new_from_photo (const VervalPhoto *photo)
{
  VervalLocationFix *fix;

  g_return_val_if_fail (photo != NULL, NULL);

  if (!photo->has_location)
    return NULL;
  fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_EXIF,
                                 photo->latitude, photo->longitude, photo->accuracy_m,
                                 photo->gps_time ? photo->gps_time : photo->taken);
  if (fix != NULL)
    {
      fix->has_altitude = photo->has_altitude;
      fix->altitude = photo->altitude;
    }
  return fix;
}

/* --- Manual entry ------------------------------------------------------- */

static void
skip_spaces (const char **p)
{
  while (g_ascii_isspace (**p))
    (*p)++;
}

/* +1 or -1 for a hemisphere letter of this axis, 0 if it is not one. English
 * and Indonesian: Utara, Selatan, Timur, Barat. */
static int
hemisphere_sign (char               letter,
                 VervalLocationAxis axis)
{
  letter = g_ascii_toupper (letter);
  if (axis == VERVAL_LOCATION_AXIS_LATITUDE)
    return (letter == 'N' || letter == 'U') ? 1 : letter == 'S' ? -1 : 0;
  return (letter == 'E' || letter == 'T') ? 1 : (letter == 'W' || letter == 'B') ? -1 : 0;
}

static gboolean
set_invalid (GError    **error,
             const char *text)
{
  g_set_error (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_INVALID,
               _("“%s” is not a coordinate in decimal degrees (for example −8.1123 or 115,0912)"),
               text);
  return FALSE;
}

gboolean
verval_location_parse_coordinate (const char          *text,
                                  VervalLocationAxis   axis,
                                  double              *value,
                                  GError             **error)
{
  g_autoptr(GString) norm = NULL;
  g_autoptr(GString) number = g_string_new (NULL);
  const char *p;
  char letter = '\0';
  int sign = 0;
  guint int_digits = 0, frac_digits = 0;
  double v;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  /* The typographic minus and the degree signs people type or paste. */
  norm = g_string_new (text);
  g_string_replace (norm, "−", "-", 0);
  g_string_replace (norm, "°", "", 0);
  g_string_replace (norm, "º", "", 0);
  p = norm->str;
  skip_spaces (&p);
  if (*p == '\0')
    {
      g_set_error_literal (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_INVALID,
                           _("The coordinate is empty"));
      return FALSE;
    }

  if (g_ascii_isalpha (*p))
    {
      letter = *p++;
      skip_spaces (&p);
    }
  if (*p == '-' || *p == '+')
    {
      sign = *p == '-' ? -1 : 1;
      p++;
    }
  for (; g_ascii_isdigit (*p); p++, int_digits++)
    g_string_append_c (number, *p);
  if (*p == '.' || *p == ',')
    {
      g_string_append_c (number, '.');
      for (p++; g_ascii_isdigit (*p); p++, frac_digits++)
        g_string_append_c (number, *p);
      if (frac_digits == 0)
        return set_invalid (error, text);
    }
  skip_spaces (&p);
  if (g_ascii_isalpha (*p) && letter == '\0')
    {
      letter = *p++;
      skip_spaces (&p);
    }
  if (*p != '\0' || int_digits == 0 || int_digits > 3 || frac_digits > 12)
    return set_invalid (error, text);

  if (letter != '\0')
    {
      int hemisphere = hemisphere_sign (letter, axis);

      if (hemisphere == 0)
        {
          g_set_error_literal (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_INVALID,
                               axis == VERVAL_LOCATION_AXIS_LATITUDE
                               ? _("A latitude is north or south: use N/U or S, or a minus sign for south")
                               : _("A longitude is east or west: use E/T or W/B, or a minus sign for west"));
          return FALSE;
        }
      if (sign == -1)
        {
          g_set_error_literal (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_INVALID,
                               _("Use either a minus sign or a hemisphere letter, not both"));
          return FALSE;
        }
      sign = hemisphere;
    }

  v = g_ascii_strtod (number->str, NULL) * (sign < 0 ? -1 : 1);
  if (axis == VERVAL_LOCATION_AXIS_LATITUDE && fabs (v) > 90)
    {
      g_set_error_literal (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_OUT_OF_RANGE,
                           _("A latitude must be between −90 and 90 degrees"));
      return FALSE;
    }
  if (axis == VERVAL_LOCATION_AXIS_LONGITUDE && fabs (v) > 180)
    {
      g_set_error_literal (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_OUT_OF_RANGE,
                           _("A longitude must be between −180 and 180 degrees"));
      return FALSE;
    }
  *value = v == 0 ? 0 : v;  /* no -0 */
  return TRUE;
}

static gboolean
is_hemisphere_token (const char *token)
{
  return g_ascii_isalpha (token[0]) && token[1] == '\0';
}

/* Splits "8.1 S 115.0 E" or "S 8.1 E 115.0" into the two coordinates. */
static gboolean
split_on_spaces (const char *text,
                 char      **first,
                 char      **second)
{
  g_auto(GStrv) tokens = g_strsplit_set (text, " \t", -1);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) group = g_string_new (NULL);
  gboolean prefix_style = FALSE, group_has_number = FALSE, first_token = TRUE;

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      const char *t = tokens[i];

      if (t[0] == '\0')
        continue;
      if (first_token)
        prefix_style = is_hemisphere_token (t);
      first_token = FALSE;

      if (is_hemisphere_token (t) && !prefix_style)
        {
          g_string_append_c (group, ' ');
          g_string_append (group, t);
          g_ptr_array_add (groups, g_strdup (group->str));
          g_string_truncate (group, 0);
          group_has_number = FALSE;
          continue;
        }
      if (!is_hemisphere_token (t) && group_has_number)
        {
          g_ptr_array_add (groups, g_strdup (group->str));
          g_string_truncate (group, 0);
          group_has_number = FALSE;
        }
      if (is_hemisphere_token (t) && group->len > 0)
        {
          g_ptr_array_add (groups, g_strdup (group->str));
          g_string_truncate (group, 0);
          group_has_number = FALSE;
        }
      if (group->len > 0)
        g_string_append_c (group, ' ');
      g_string_append (group, t);
      group_has_number |= !is_hemisphere_token (t);
    }
  if (group->len > 0)
    g_ptr_array_add (groups, g_strdup (group->str));
  if (groups->len != 2)
    return FALSE;
  *first = g_strdup (groups->pdata[0]);
  *second = g_strdup (groups->pdata[1]);
  return TRUE;
}

gboolean
verval_location_parse_pair (const char  *text,
                            double      *latitude,
                            double      *longitude,
                            GError     **error)
{
  g_autofree char *s = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *semicolon, *comma;
  guint commas = 0;
  double lat, lon;

  g_return_val_if_fail (text != NULL, FALSE);

  s = g_strstrip (g_strdup (text));
  for (const char *p = s; *p != '\0'; p++)
    commas += *p == ',';
  semicolon = strchr (s, ';');
  comma = strchr (s, ',');

  /* A comma separates the two when it cannot be a decimal comma: the
   * numbers use dots, or a space follows it as in "-8, 115". */
  if (semicolon != NULL)
    {
      first = g_strndup (s, semicolon - s);
      second = g_strdup (semicolon + 1);
    }
  else if (commas == 1 && (strchr (s, '.') != NULL || g_ascii_isspace (comma[1])))
    {
      first = g_strndup (s, comma - s);
      second = g_strdup (comma + 1);
    }
  else if (!split_on_spaces (s, &first, &second))
    {
      g_set_error_literal (error, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_INVALID,
                           _("Enter the latitude and the longitude separated by a comma or a semicolon, "
                             "for example −8.1123, 115.0912"));
      return FALSE;
    }

  if (!verval_location_parse_coordinate (first, VERVAL_LOCATION_AXIS_LATITUDE, &lat, error)
      || !verval_location_parse_coordinate (second, VERVAL_LOCATION_AXIS_LONGITUDE, &lon, error))
    return FALSE;
  *latitude = lat;
  *longitude = lon;
  return TRUE;
}

VervalLocationFix *
verval_location_fix_new_manual (const char  *latitude,
                                const char  *longitude,
                                GDateTime   *time,
                                GError     **error)
{
  double lat, lon;

  g_return_val_if_fail (latitude != NULL, NULL);
  g_return_val_if_fail (longitude != NULL, NULL);

  if (!verval_location_parse_coordinate (latitude, VERVAL_LOCATION_AXIS_LATITUDE, &lat, error)
      || !verval_location_parse_coordinate (longitude, VERVAL_LOCATION_AXIS_LONGITUDE, &lon, error))
    return NULL;
  return verval_location_fix_new (VERVAL_LOCATION_SOURCE_MANUAL, lat, lon, -1, time);
}

/* --- Checks ------------------------------------------------------------- */

double
verval_location_distance_m (double lat1,
                            double lon1,
                            double lat2,
                            double lon2)
{
  double phi1 = lat1 * G_PI / 180, phi2 = lat2 * G_PI / 180;
  double dphi = phi2 - phi1;
  double dlambda = (lon2 - lon1) * G_PI / 180;
  double a = sin (dphi / 2) * sin (dphi / 2)
             + cos (phi1) * cos (phi2) * sin (dlambda / 2) * sin (dlambda / 2);

  /* haversine; the clamp keeps rounding from taking asin out of its domain */
  return 2 * EARTH_RADIUS_M * asin (sqrt (CLAMP (a, 0.0, 1.0)));
}

void
verval_location_check_options_init (VervalLocationCheckOptions *options)
{
  g_return_if_fail (options != NULL);

  options->max_accuracy_m = 50;
  options->max_household_distance_m = 1000;
  options->max_village_distance_m = 5000;
  options->max_age_before_visit = 0;
}

static char *
format_distance (double metres)
{
  if (metres < 1000)
    return g_strdup_printf (_("%.0f m"), metres);
  return g_strdup_printf (_("%.1f km"), metres / 1000);
}

static char *
format_time (GDateTime *time,
             GDateTime *other)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (time);
  g_autoptr(GDateTime) other_local = g_date_time_to_local (other);

  if (g_date_time_get_year (local) == g_date_time_get_year (other_local)
      && g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (other_local))
    return g_date_time_format (local, "%H:%M");
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

VervalLocationWarnings
verval_location_fix_check (const VervalLocationFix          *fix,
                           GDateTime                        *visit_started,
                           const VervalLocationReference    *reference,
                           const VervalLocationCheckOptions *options,
                           GPtrArray                       **warnings)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  VervalLocationCheckOptions defaults;
  VervalLocationWarnings found = VERVAL_LOCATION_WARNING_NONE;

  g_return_val_if_fail (fix != NULL, VERVAL_LOCATION_WARNING_NONE);

  if (options == NULL)
    {
      verval_location_check_options_init (&defaults);
      options = &defaults;
    }

  if (fix->accuracy_m >= 0 && fix->accuracy_m > options->max_accuracy_m)
    {
      found |= VERVAL_LOCATION_WARNING_INACCURATE;
      g_ptr_array_add (messages,
                       g_strdup_printf (_("The location is only accurate to %.0f m (more than %.0f m); "
                                          "wait for a better fix if you can"),
                                        fix->accuracy_m, options->max_accuracy_m));
    }

  if (visit_started != NULL && fix->time != NULL
      && g_date_time_difference (visit_started, fix->time) > options->max_age_before_visit)
    {
      g_autofree char *at = format_time (fix->time, visit_started);
      g_autofree char *started = format_time (visit_started, fix->time);

      found |= VERVAL_LOCATION_WARNING_STALE;
      g_ptr_array_add (messages,
                       g_strdup_printf (_("The location was recorded at %s, before this visit started at %s"),
                                        at, started));
    }

  if (reference != NULL)
    {
      double d = verval_location_distance_m (fix->latitude, fix->longitude,
                                             reference->latitude, reference->longitude);
      gboolean household = reference->kind == VERVAL_LOCATION_REFERENCE_HOUSEHOLD;
      double limit = household ? options->max_household_distance_m : options->max_village_distance_m;

      if (d > limit)
        {
          g_autofree char *distance = format_distance (d);
          g_autofree char *max = format_distance (limit);

          found |= VERVAL_LOCATION_WARNING_FAR;
          g_ptr_array_add (messages,
                           household
                           ? g_strdup_printf (_("The location is %s from the household’s known location "
                                                "(more than %s)"), distance, max)
                           : g_strdup_printf (_("The location is %s from the village centre (more than %s)"),
                                              distance, max));
        }
    }

  if (warnings != NULL)
    *warnings = g_steal_pointer (&messages);
  return found;
}

/* --- GeoClue ------------------------------------------------------------ */

typedef struct {
  GCancellable *inner;    /* cancels the GeoClue request on timeout */
  GCancellable *outer;
  gulong        outer_id;
  GSource      *timeout;
  guint         timeout_seconds;
  gboolean      done;
} ServiceRequest;

static void
service_request_free (ServiceRequest *r)
{
  if (r->outer_id != 0)
    g_cancellable_disconnect (r->outer, r->outer_id);
  if (r->timeout != NULL)
    {
      g_source_destroy (r->timeout);
      g_source_unref (r->timeout);
    }
  g_clear_object (&r->outer);
  g_clear_object (&r->inner);
  g_free (r);
}

static gboolean
dbus_error_means_absent (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    return error->code != G_IO_ERROR_DBUS_ERROR;  /* no bus to connect to */
  if (error->domain != G_DBUS_ERROR)
    return FALSE;
  switch (error->code)
    {
    case G_DBUS_ERROR_SERVICE_UNKNOWN:
    case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
    case G_DBUS_ERROR_NO_SERVER:
    case G_DBUS_ERROR_DISCONNECTED:
    case G_DBUS_ERROR_UNKNOWN_METHOD:
    case G_DBUS_ERROR_UNKNOWN_OBJECT:
    case G_DBUS_ERROR_UNKNOWN_INTERFACE:
    case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
    case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
    case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
    case G_DBUS_ERROR_SPAWN_FAILED:
    case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
      return TRUE;
    default:
      return FALSE;
    }
}

static GError *
timeout_error (guint timeout_seconds)
{
  return g_error_new (VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_TIMEOUT,
                      _("No location fix after waiting %u s. Try again outdoors, or take the "
                        "location from a photo or type it in."), timeout_seconds);
}

static GError *
service_error (GError *error,
               guint   timeout_seconds)
{
  const char *reason;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  g_dbus_error_strip_remote_error (error);
  reason = error->message;
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return g_error_new_literal (VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_DENIED,
                                _("This device does not let Verval use its location. Allow it in the "
                                  "privacy settings, or take the location from a photo or type it in."));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY))
    return timeout_error (timeout_seconds);
  if (dbus_error_means_absent (error))
    return g_error_new (VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_NO_SERVICE,
                        _("There is no location service on this device (%s). Take the location "
                          "from a photo or type it in."), reason);
  return g_error_new (VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_FAILED,
                      _("The location service failed: %s"), reason);
}

static gboolean
on_service_timeout (gpointer user_data)
{
  GTask *task = user_data;
  ServiceRequest *r = g_task_get_task_data (task);

  if (!r->done)
    {
      r->done = TRUE;
      g_debug ("no fix after %u s", r->timeout_seconds);
      g_task_return_error (task, timeout_error (r->timeout_seconds));
      g_cancellable_cancel (r->inner);
    }
  return G_SOURCE_REMOVE;
}

static void
on_outer_cancelled (GCancellable *outer,
                    gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

VervalLocationFix *
verval_location_fix_new_from_geoclue (GClueLocation *location)
{
  g_autoptr(GDateTime) time = NULL;
  VervalLocationFix *fix;
  GVariant *stamp;
  double altitude;

  g_return_val_if_fail (GCLUE_IS_LOCATION (location), NULL);

  stamp = gclue_location_get_timestamp (location);
  if (stamp != NULL && g_variant_is_of_type (stamp, G_VARIANT_TYPE ("(tt)")))
    {
      guint64 seconds, micro;
      g_autoptr(GDateTime) whole = NULL;

      g_variant_get (stamp, "(tt)", &seconds, &micro);
      whole = g_date_time_new_from_unix_utc ((gint64) seconds);
      if (whole != NULL)
        time = g_date_time_add (whole, (GTimeSpan) MIN (micro, G_USEC_PER_SEC - 1));
    }
  if (time == NULL)
    time = g_date_time_new_now_utc ();

  /* GeoClue does not say which of its sources (satellites, Wi-Fi, cells)
   * gave the fix; the protocol names all of them "gps", the device's
   * location service, and the accuracy says how good it is. */
  fix = verval_location_fix_new (VERVAL_LOCATION_SOURCE_GPS,
                                 gclue_location_get_latitude (location),
                                 gclue_location_get_longitude (location),
                                 gclue_location_get_accuracy (location),
                                 time);
  altitude = gclue_location_get_altitude (location);
  if (fix != NULL && altitude != -G_MAXDOUBLE && isfinite (altitude))
    {
      fix->has_altitude = TRUE;
      fix->altitude = altitude;
    }
  return fix;
}

static void
on_simple_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ServiceRequest *r = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GClueSimple) simple = gclue_simple_new_finish (result, &error);
  VervalLocationFix *fix;
  GClueLocation *location;

  if (r->done)
    return;  /* timed out already; this is the cancellation arriving */
  r->done = TRUE;
  if (r->timeout != NULL)
    g_source_destroy (r->timeout);

  if (simple == NULL)
    {
      g_debug ("GeoClue: %s", error->message);
      g_task_return_error (task, service_error (error, r->timeout_seconds));
      return;
    }
  location = gclue_simple_get_location (simple);
  fix = location != NULL ? verval_location_fix_new_from_geoclue (location) : NULL;
  if (fix == NULL)
    {
      g_task_return_new_error (task, VERVAL_LOCATION_ERROR, VERVAL_LOCATION_ERROR_FAILED,
                               _("The location service gave no position"));
      return;
    }
  g_task_return_pointer (task, fix, (GDestroyNotify) verval_location_fix_free);
}

void
verval_location_service_get_fix_async (const char          *desktop_id,
                                       guint                timeout_seconds,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ServiceRequest *r;

  g_return_if_fail (desktop_id != NULL);
  g_return_if_fail (timeout_seconds > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_location_service_get_fix_async);
  r = g_new0 (ServiceRequest, 1);
  r->inner = g_cancellable_new ();
  r->timeout_seconds = timeout_seconds;
  g_task_set_task_data (task, r, (GDestroyNotify) service_request_free);

  if (cancellable != NULL)
    {
      r->outer = g_object_ref (cancellable);
      r->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (on_outer_cancelled),
                                           g_object_ref (r->inner), g_object_unref);
    }

  r->timeout = g_timeout_source_new_seconds (timeout_seconds);
  g_source_set_callback (r->timeout, on_service_timeout, g_object_ref (task), g_object_unref);
  g_source_attach (r->timeout, g_task_get_context (task));

  gclue_simple_new (desktop_id, GCLUE_ACCURACY_LEVEL_EXACT, r->inner,
                    on_simple_ready, g_object_ref (task));
}

VervalLocationFix *
verval_location_service_get_fix_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == verval_location_service_get_fix_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
