/* fuzz-visits.c: a POST /api/v1/visits body, as the collector reads it
 *
 * The steps of the visits endpoint before the store: gzip when the body
 * starts like gzip, the strict JSON entry with the server's default limits,
 * the "visits" array, each visit through the common codec and the device
 * rules, and the form check. Each visit the codec accepts must survive a
 * trip through its encoder unchanged.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "collector-forms.h"
#include "collector-server.h"
#include "collector-visit.h"
#include "collector-wire.h"
#include "fuzz-util.h"

/* Far below the server's 32 MB: enough to reach every branch, small
 * enough that libFuzzer's memory limit means a leak, not a big body. */
#define MAX_DECOMPRESSED (1024 * 1024)

static CollectorForms *forms;
static CollectorDevice device = { .id = 7, .enumerator_id = 3 };

static void
check_round_trip (JsonNode *node)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  g_autoptr(VervalWireVisit) visit = NULL;
  g_autoptr(VervalWireVisit) back = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *uuid_back = NULL;
  gint64 revision, revision_back;

  visit = verval_wire_visit_from_json (node, problems, &uuid, &revision);
  g_assert_true ((visit == NULL) == (problems->len > 0));
  for (guint i = 0; i < problems->len; i++)
    {
      VervalWireProblem *p = problems->pdata[i];

      g_assert_nonnull (p->code);
      g_assert_nonnull (p->message);
    }
  if (visit == NULL)
    return;

  encoded = verval_wire_visit_to_json (visit);
  back = verval_wire_visit_from_json (encoded, problems, &uuid_back, &revision_back);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->uuid, ==, visit->uuid);
  g_assert_cmpint (back->revision, ==, visit->revision);
  g_assert_cmpstr (back->household_id, ==, visit->household_id);
  g_assert_cmpstr (back->form_id, ==, visit->form_id);
  g_assert_cmpint (back->form_version, ==, visit->form_version);
  g_assert_cmpint (back->result_code, ==, visit->result_code);
  g_assert_true (json_node_equal (back->answers, visit->answers));
  g_assert_true (g_date_time_equal (back->started_at, visit->started_at));
  g_assert_true (g_date_time_equal (back->finished_at, visit->finished_at));
  g_assert_cmpint (g_date_time_get_utc_offset (back->started_at), ==,
                   g_date_time_get_utc_offset (visit->started_at));
  g_assert_true ((back->location == NULL) == (visit->location == NULL));
  if (visit->location != NULL)
    {
      g_assert_cmpfloat (back->location->latitude, ==, visit->location->latitude);
      g_assert_cmpfloat (back->location->longitude, ==, visit->location->longitude);
      g_assert_cmpint (back->location->source, ==, visit->location->source);
      g_assert_cmpint (back->location->has_altitude, ==, visit->location->has_altitude);
    }
  g_assert_cmpuint (back->media->len, ==, visit->media->len);
  g_assert_cmpint (back->enumerator_id, ==, visit->enumerator_id);
  g_assert_cmpint (back->device_id, ==, visit->device_id);
}

static void
check_visit (JsonNode *node)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  g_autoptr(CollectorVisit) visit = NULL;
  g_autofree char *uuid = NULL;
  gint64 revision = 0;

  visit = collector_visit_parse (node, &device, COLLECTOR_DEFAULT_MAX_MEDIA, problems, &uuid, &revision);
  g_assert_true ((visit == NULL) == (problems->len > 0));
  if (visit != NULL)
    {
      JsonObject *answers = json_object_get_object_member (json_node_get_object (node), "answers");

      g_assert_nonnull (visit->uuid);
      g_assert_cmpstr (visit->uuid, ==, uuid);
      g_assert_nonnull (visit->answers_json);
      collector_forms_check (forms, visit, answers, problems);
    }
  check_round_trip (node);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  forms = collector_forms_new ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const VervalJsonLimits limits = { COLLECTOR_DEFAULT_MAX_DEPTH, COLLECTOR_DEFAULT_MAX_JSON_VALUES };
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *visits;
  JsonArray *array;

  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    {
      GBytes *plain = collector_gunzip (body, MAX_DECOMPRESSED, &error);

      if (plain == NULL)
        {
          g_assert_true (error->domain == COLLECTOR_ERROR);
          return 0;
        }
      g_assert_cmpuint (g_bytes_get_size (plain), <=, MAX_DECOMPRESSED);
      g_bytes_unref (body);
      body = plain;
    }
  root = collector_json_parse_object (body, &limits, &error);
  if (root == NULL)
    {
      g_assert_true (error->domain == COLLECTOR_ERROR);
      return 0;
    }
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  visits = json_object_get_member (json_node_get_object (root), "visits");
  if (visits == NULL || !JSON_NODE_HOLDS_ARRAY (visits))
    return 0;
  array = json_node_get_array (visits);
  if (json_array_get_length (array) > COLLECTOR_DEFAULT_MAX_BATCH)
    return 0;
  for (guint i = 0; i < json_array_get_length (array); i++)
    check_visit (json_array_get_element (array, i));
  return 0;
}
