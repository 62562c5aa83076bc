/* collector-visit.c: a visit as it arrives on the wire
 *
 * The shape is the common codec's (verval-wire-visit.h), the same one the
 * field app encodes with; this adds what only the collector knows (its
 * photo size limit, which device is speaking) and turns the visit into the
 * store's record. Form rules are CollectorForms' job, assignment and
 * revision rules the store's.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include <math.h>

#include "collector-visit.h"
#include "verval-json.h"

static char *
time_text (GDateTime *time)
{
  return time != NULL ? g_date_time_format_iso8601 (time) : NULL;
}

static void
check_device_rules (const VervalWireVisit *wire,
                    CollectorDevice       *device,
                    guint64                max_media_size,
                    GPtrArray             *problems)
{
  for (guint i = 0; i < wire->media->len; i++)
    {
      const VervalWireMedia *m = g_ptr_array_index (wire->media, i);

      if ((guint64) m->size > max_media_size)
        {
          g_autofree char *field = g_strdup_printf ("media[%u]", i);

          g_ptr_array_add (problems,
                           verval_wire_problem_new ("invalid_media", field,
                                                    "size is above the photo limit of %" G_GUINT64_FORMAT
                                                    " bytes", max_media_size));
        }
    }
  /* optional echoes: a device must not speak for another */
  if (wire->enumerator_id != 0 && wire->enumerator_id != device->enumerator_id)
    g_ptr_array_add (problems, verval_wire_problem_new ("identity_mismatch", "enumerator_id",
                                                        "enumerator_id does not match the enrolled device"));
  if (wire->device_id != 0 && wire->device_id != device->id)
    g_ptr_array_add (problems, verval_wire_problem_new ("identity_mismatch", "device_id",
                                                        "device_id does not match the enrolled device"));
}

static CollectorVisit *
to_store_record (VervalWireVisit *wire)
{
  CollectorVisit *visit = collector_visit_new ();
  const VervalLocationFix *fix = wire->location;

  visit->uuid = g_steal_pointer (&wire->uuid);
  visit->revision = wire->revision;
  visit->household_id = g_steal_pointer (&wire->household_id);
  visit->form_id = g_steal_pointer (&wire->form_id);
  visit->form_version = wire->form_version;
  visit->answers_json = verval_json_to_string (wire->answers, NULL);
  visit->result_code = wire->result_code;
  /* the instants themselves, offset and all: the store keeps them in UTC
   * with the offset beside, and gives back the same time */
  visit->started_at = g_steal_pointer (&wire->started_at);
  visit->finished_at = g_steal_pointer (&wire->finished_at);
  if (fix != NULL)
    {
      visit->has_location = TRUE;
      visit->lat = fix->latitude;
      visit->lon = fix->longitude;
      /* NaN binds as NULL in the store: "unknown" */
      visit->accuracy = verval_location_fix_has_accuracy (fix) ? fix->accuracy_m : NAN;
      visit->has_altitude = fix->has_altitude;
      visit->altitude = fix->altitude;
      visit->fix_time = time_text (fix->time);
      visit->fix_source = g_strdup (verval_location_source_to_string (fix->source));
    }
  for (guint i = 0; i < wire->media->len; i++)
    {
      VervalWireMedia *m = g_ptr_array_index (wire->media, i);
      CollectorMediaRef *ref = g_new0 (CollectorMediaRef, 1);

      ref->sha256 = g_steal_pointer (&m->sha256);
      ref->role = g_steal_pointer (&m->role);
      ref->size = m->size;
      ref->taken = time_text (m->taken);
      g_ptr_array_add (visit->media, ref);
    }
  return visit;
}

CollectorVisit *
collector_visit_parse (JsonNode        *node,
                       CollectorDevice *device,
                       guint64          max_media_size,
                       GPtrArray       *problems,
                       char           **uuid_out,
                       gint64          *revision_out)
{
  g_autoptr(VervalWireVisit) wire = NULL;
  guint before;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (device != NULL, NULL);
  g_return_val_if_fail (problems != NULL, NULL);

  before = problems->len;
  wire = verval_wire_visit_from_json (node, problems, uuid_out, revision_out);
  if (wire == NULL)
    return NULL;
  check_device_rules (wire, device, max_media_size, problems);
  if (problems->len > before)
    return NULL;
  return to_store_record (wire);
}
