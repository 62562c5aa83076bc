/* fuzz-listing.c: a P3KE/DTKS file read in memory, up to the wire
 *
 * The whole reading side of an import, without a store: header search,
 * column mapping, row checks and grouping (verval-listing), the household
 * row the collector would store, and the household object it would send.
 * What the listing yields the codec must take back.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "collector-import.h"
#include "collector-wire.h"
#include "fuzz-util.h"
#include "verval-wire.h"

static void
check_family (VervalFamilyRecord *record)
{
  g_autoptr(CollectorHousehold) household = collector_household_from_record (record);
  g_autoptr(JsonNode) sent = collector_household_to_json (household);
  g_autoptr(JsonNode) node = verval_wire_family_to_json (record);
  g_autoptr(VervalFamilyRecord) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (sent);
  back = verval_wire_family_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->family_id, ==, record->family_id);
  g_assert_cmpstr (back->kk, ==, record->kk);
  g_assert_cmpstr (back->head_nik, ==, record->head_nik);
  g_assert_cmpstr (back->village_code, ==, record->village_code);
  g_assert_cmpuint (back->members->len, ==, record->members->len);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (input);
  g_autoptr(VervalListingReader) reader = verval_listing_reader_new (stream, "fuzz.csv");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  VervalImportReport *report;
  guint families = 0;

  if (verval_listing_reader_open (reader, NULL, &error))
    {
      VervalFamilyRecord *record;

      while ((record = verval_listing_reader_next (reader, NULL, &error)) != NULL)
        {
          check_family (record);
          verval_family_record_free (record);
          families++;
        }
    }
  report = verval_listing_reader_get_report (reader);
  g_assert_cmpuint (report->families, ==, families);
  g_assert_cmpuint (report->problems->len, <=, VERVAL_IMPORT_REPORT_MAX_PROBLEMS);
  text = verval_import_report_to_text (report);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  return 0;
}
