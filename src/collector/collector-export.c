/* collector-export.c: stored visits as CSV or GeoJSON
 *
 * CSV is RFC 4180 with a UTF-8 BOM so Excel opens it with the right
 * encoding; identifiers stay text. GeoJSON has one Feature per visit, with a
 * null geometry when no fix was recorded. A visit's start and finish are
 * written in the offset its device gave, as it sent them, although the
 * store keeps them in UTC.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "collector-export.h"
#include "verval-json.h"

static void
csv_field (GString    *out,
           const char *value,
           gboolean    last)
{
  if (value == NULL)
    value = "";
  if (strpbrk (value, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *p = value; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, value);
  g_string_append (out, last ? "\r\n" : ",");
}

static char *
number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* the shortest text that reads back as the same double: -8.1123, not
   * -8.1122999999999994, for the people who open the file */
  for (int digits = 15; digits < 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        return g_strdup (buffer);
    }
  return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, value));
}

static char *
media_list (CollectorVisit *v)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < v->media->len; i++)
    {
      CollectorMediaRef *m = g_ptr_array_index (v->media, i);

      g_string_append_printf (s, "%s%s:%s", i > 0 ? ";" : "", m->role, m->sha256);
    }
  return g_string_free (s, FALSE);
}

static char *
time_text (gint64 unix_seconds)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format_iso8601 (t);
}

static char *
instant_text (GDateTime *time)
{
  return time != NULL ? g_date_time_format_iso8601 (time) : NULL;
}

static const char *const csv_header[] = {
  "visit_uuid", "revision", "household_id", "village_code", "enumerator_id", "enumerator",
  "device_id", "form_id", "form_version", "result_code", "started_at", "finished_at",
  "lat", "lon", "accuracy", "altitude", "fix_time", "fix_source", "media", "received_at",
  "answers",
};

static void
csv_begin (GString *out)
{
  g_string_append (out, "\xef\xbb\xbf");
  for (guint i = 0; i < G_N_ELEMENTS (csv_header); i++)
    csv_field (out, csv_header[i], i + 1 == G_N_ELEMENTS (csv_header));
}

static void
csv_row (GString        *out,
         CollectorVisit *v,
         gboolean        first)
{
  g_autofree char *revision = g_strdup_printf ("%" G_GINT64_FORMAT, v->revision);
  g_autofree char *enumerator_id = g_strdup_printf ("%" G_GINT64_FORMAT, v->enumerator_id);
  g_autofree char *device_id = g_strdup_printf ("%" G_GINT64_FORMAT, v->device_id);
  g_autofree char *form_version = g_strdup_printf ("%" G_GINT64_FORMAT, v->form_version);
  g_autofree char *result_code = g_strdup_printf ("%" G_GINT64_FORMAT, v->result_code);
  g_autofree char *lat = v->has_location ? number (v->lat) : NULL;
  g_autofree char *lon = v->has_location ? number (v->lon) : NULL;
  g_autofree char *accuracy = v->has_location && !isnan (v->accuracy) ? number (v->accuracy) : NULL;
  g_autofree char *altitude = v->has_altitude ? number (v->altitude) : NULL;
  g_autofree char *media = media_list (v);
  g_autofree char *received = time_text (v->received_at);
  g_autofree char *started = instant_text (v->started_at);
  g_autofree char *finished = instant_text (v->finished_at);

  csv_field (out, v->uuid, FALSE);
  csv_field (out, revision, FALSE);
  csv_field (out, v->household_id, FALSE);
  csv_field (out, v->village_code, FALSE);
  csv_field (out, enumerator_id, FALSE);
  csv_field (out, v->enumerator_name, FALSE);
  csv_field (out, device_id, FALSE);
  csv_field (out, v->form_id, FALSE);
  csv_field (out, form_version, FALSE);
  csv_field (out, result_code, FALSE);
  csv_field (out, started, FALSE);
  csv_field (out, finished, FALSE);
  csv_field (out, lat, FALSE);
  csv_field (out, lon, FALSE);
  csv_field (out, accuracy, FALSE);
  csv_field (out, altitude, FALSE);
  csv_field (out, v->fix_time, FALSE);
  csv_field (out, v->fix_source, FALSE);
  csv_field (out, media, FALSE);
  csv_field (out, received, FALSE);
  csv_field (out, v->answers_json, TRUE);
}

static void
geojson_begin (GString *out)
{
  g_string_append (out, "{\"type\":\"FeatureCollection\",\"features\":[");
}

/* One Feature, as json-glib writes it compactly; the collection around
 * the features is written by hand so that they stream one by one. */
static void
geojson_feature (GString        *out,
                 CollectorVisit *v,
                 gboolean        first)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) answers = json_from_string (v->answers_json, NULL);
  g_autoptr(JsonNode) feature = NULL;
  g_autofree char *received = time_text (v->received_at);
  g_autofree char *started = instant_text (v->started_at);
  g_autofree char *finished = instant_text (v->finished_at);
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  verval_json_add_string (b, "type", "Feature");
  verval_json_add_string (b, "id", v->uuid);
  json_builder_set_member_name (b, "geometry");
  if (v->has_location)
    {
      json_builder_begin_object (b);
      verval_json_add_string (b, "type", "Point");
      json_builder_set_member_name (b, "coordinates");
      json_builder_begin_array (b);
      json_builder_add_double_value (b, v->lon);
      json_builder_add_double_value (b, v->lat);
      if (v->has_altitude)
        json_builder_add_double_value (b, v->altitude);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  verval_json_add_int (b, "revision", v->revision);
  verval_json_add_string (b, "household_id", v->household_id);
  verval_json_add_string (b, "village_code", v->village_code);
  verval_json_add_string (b, "enumerator", v->enumerator_name);
  verval_json_add_string (b, "form_id", v->form_id);
  verval_json_add_int (b, "form_version", v->form_version);
  verval_json_add_int (b, "result_code", v->result_code);
  verval_json_add_string (b, "started_at", started);
  verval_json_add_string (b, "finished_at", finished);
  if (v->has_location)
    {
      /* an unknown accuracy (NAN) is written as null */
      verval_json_add_double (b, "accuracy", v->accuracy);
      /* null: a fix from an app that did not name its source */
      verval_json_add_string (b, "fix_source", v->fix_source);
    }
  verval_json_add_string (b, "received_at", received);
  json_builder_set_member_name (b, "answers");
  if (answers != NULL)
    json_builder_add_value (b, g_steal_pointer (&answers));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  feature = json_builder_get_root (b);
  text = verval_json_to_string (feature, NULL);
  if (!first)
    g_string_append_c (out, ',');
  g_string_append (out, text);
}

static void
geojson_end (GString *out)
{
  g_string_append (out, "]}");
}

typedef struct {
  void (*begin) (GString *out);
  void (*row)   (GString *out, CollectorVisit *v, gboolean first);
  void (*end)   (GString *out);   /* or NULL */
} Writer;

static const Writer writers[] = {
  [COLLECTOR_EXPORT_CSV] = { csv_begin, csv_row, NULL },
  [COLLECTOR_EXPORT_GEOJSON] = { geojson_begin, geojson_feature, geojson_end },
};

static GString *
export_array (CollectorExportFormat  format,
              GPtrArray             *visits)
{
  const Writer *w = &writers[format];
  GString *out = g_string_new (NULL);

  w->begin (out);
  for (guint i = 0; i < visits->len; i++)
    w->row (out, g_ptr_array_index (visits, i), i == 0);
  if (w->end != NULL)
    w->end (out);
  return out;
}

GString *
collector_export_csv (GPtrArray *visits)
{
  g_return_val_if_fail (visits != NULL, NULL);

  return export_array (COLLECTOR_EXPORT_CSV, visits);
}

GString *
collector_export_geojson (GPtrArray *visits)
{
  g_return_val_if_fail (visits != NULL, NULL);

  return export_array (COLLECTOR_EXPORT_GEOJSON, visits);
}

/* Written out whenever this much has gathered: a few rows at a time, so
 * neither the table nor the file is ever held whole. */
#define FLUSH_SIZE (64 * 1024)

static gboolean
flush (GOutputStream *out,
       GString       *buffer,
       GCancellable  *cancellable,
       GError       **error)
{
  if (!g_output_stream_write_all (out, buffer->str, buffer->len, NULL, cancellable, error))
    return FALSE;
  g_string_truncate (buffer, 0);
  return TRUE;
}

gboolean
collector_export_write (CollectorStore             *store,
                        const CollectorVisitFilter *filter,
                        CollectorExportFormat       format,
                        GOutputStream              *out,
                        guint                      *n_visits,
                        GCancellable               *cancellable,
                        GError                    **error)
{
  const Writer *w;
  g_autoptr(CollectorVisitIter) iter = NULL;
  g_autoptr(GString) buffer = g_string_sized_new (FLUSH_SIZE * 2);
  GError *local_error = NULL;
  CollectorVisit *v;
  guint n = 0;

  g_return_val_if_fail (COLLECTOR_IS_STORE (store), FALSE);
  g_return_val_if_fail (format < G_N_ELEMENTS (writers), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  w = &writers[format];
  iter = collector_store_iterate_visits (store, filter, 0);
  w->begin (buffer);
  while ((v = collector_visit_iter_next (iter, &local_error)) != NULL)
    {
      w->row (buffer, v, n++ == 0);
      if (buffer->len >= FLUSH_SIZE && !flush (out, buffer, cancellable, error))
        return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (w->end != NULL)
    w->end (buffer);
  if (!flush (out, buffer, cancellable, error))
    return FALSE;
  if (n_visits != NULL)
    *n_visits = n;
  return TRUE;
}
