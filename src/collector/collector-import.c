/* collector-import.c: P3KE/DTKS lists into the collector's store
 *
 * Reading, validating and grouping are verval-listing's (the field app
 * imports with the same rules); this file only maps records to rows.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "collector-import.h"
#include "verval-json.h"
#include "verval-regions.h"
#include "verval-wire.h"

/* Families stored per transaction: large enough to be fast, small enough
 * that a huge file does not sit in memory. */
#define IMPORT_CHUNK 5000

/* The columns the store keeps apart and the rest of the wire object as
 * data_json: both come from the shared encoder, so what the assignments
 * endpoint sends is what verval-wire decodes. */
CollectorHousehold *
collector_household_from_record (const VervalFamilyRecord *record)
{
  g_autoptr(JsonNode) data = NULL;
  CollectorHousehold *h;

  g_return_val_if_fail (record != NULL, NULL);

  data = verval_wire_family_data_to_json (record);
  h = g_new0 (CollectorHousehold, 1);
  h->id = g_strdup (record->family_id);
  h->source = g_strdup ((record->source & VERVAL_SOURCE_DTKS) ? "dtks" : "p3ke");
  h->village_code = g_strdup (record->village_code);
  h->head_name = g_strdup (record->head_name);
  h->nik = g_strdup (record->head_nik);
  h->kk = g_strdup (record->kk);
  h->address = g_strdup (record->address);
  h->data_json = verval_json_to_string (data, NULL);
  return h;
}

/* Lower-case letters and digits only: "KAB. BULELENG" → "kabbuleleng". */
static char *
fold_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

/* Lists name a regency "BULELENG", "KAB. BULELENG" or "Kabupaten Buleleng". */
static const char *
strip_regency_prefix (const char *folded)
{
  static const char *prefixes[] = { "kabupaten", "kab", NULL };

  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (folded, prefixes[i]) && folded[strlen (prefixes[i])] != '\0')
      return folded + strlen (prefixes[i]);
  return folded;
}

/* The child of @parent (NULL: the provinces) whose name is @name. */
static char *
find_child (VervalRegions *regions,
            const char    *parent,
            const char    *name)
{
  g_autoptr(GPtrArray) children = verval_regions_children (regions, parent);
  g_autofree char *wanted = fold_name (name);
  char *loose = NULL;
  guint n_loose = 0;

  if (wanted[0] == '\0')
    return NULL;
  for (guint i = 0; i < children->len; i++)
    {
      const char *code = g_ptr_array_index (children, i);
      g_autofree char *have = fold_name (verval_regions_lookup_name (regions, code));

      if (g_str_equal (have, wanted))
        {
          g_free (loose);
          return g_strdup (code);
        }
      if (g_str_equal (strip_regency_prefix (have), strip_regency_prefix (wanted)))
        {
          n_loose++;
          g_free (loose);
          loose = g_strdup (code);
        }
    }
  /* "KOTA X" and "KAB. X" both exist in places: a loose match must be unique */
  if (n_loose == 1)
    return loose;
  g_free (loose);
  return NULL;
}

/* DTKS rows carry region names, not codes: find the village code from the
 * names, or NULL. Results are cached per name tuple. */
static char *
resolve_village (GHashTable               *cache,
                 const VervalFamilyRecord *record)
{
  VervalRegions *regions = verval_regions_get_default ();
  const char *names[] = {
    record->fields[VERVAL_FAMILY_FIELD_PROVINCE],
    record->fields[VERVAL_FAMILY_FIELD_REGENCY],
    record->fields[VERVAL_FAMILY_FIELD_KECAMATAN],
    record->fields[VERVAL_FAMILY_FIELD_VILLAGE],
    NULL
  };
  g_autofree char *key = g_strjoinv ("\t", (char **) names);
  g_autofree char *code = NULL;
  const char *cached;

  if (g_hash_table_lookup_extended (cache, key, NULL, (gpointer *) &cached))
    return g_strdup (cached);
  for (guint level = 0; names[level] != NULL; level++)
    {
      char *child = find_child (regions, code, names[level]);

      g_free (code);
      code = child;
      if (code == NULL)
        break;
    }
  if (code != NULL)
    {
      char *digits = verval_region_code_digits (code);

      g_free (code);
      code = digits;
    }
  g_hash_table_insert (cache, g_steal_pointer (&key), g_strdup (code));
  return g_steal_pointer (&code);
}

static gboolean
flush (CollectorStore     *store,
       GPtrArray          *pending,
       VervalImportReport *report,
       GError            **error)
{
  guint n_new = 0, n_updated = 0;

  if (pending->len == 0)
    return TRUE;
  if (!collector_store_upsert_households (store, pending, &n_new, &n_updated, error))
    return FALSE;
  report->imported += n_new;
  report->updated += n_updated;
  g_ptr_array_set_size (pending, 0);
  return TRUE;
}

VervalImportReport *
collector_import_file (CollectorStore *store,
                       const char     *path,
                       GError        **error)
{
  g_autoptr(VervalListingReader) reader = NULL;
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(GHashTable) villages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  VervalImportReport *report;
  GError *local_error = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  reader = verval_listing_reader_new_for_path (path, error);
  if (reader == NULL)
    return NULL;
  if (!verval_listing_reader_open (reader, NULL, error))
    return NULL;
  report = verval_listing_reader_get_report (reader);
  for (;;)
    {
      g_autoptr(VervalFamilyRecord) record = verval_listing_reader_next (reader, NULL, &local_error);

      if (record == NULL)
        break;
      /* the listing names every family it yields; this guards the store's key */
      if (record->family_id[0] == '\0')
        {
          verval_import_report_add_problem (report, record->line, FALSE,
                                            "A family without an id; refused");
          report->refused++;
          continue;
        }
      if (record->village_code[0] == '\0')
        {
          g_autofree char *code = resolve_village (villages, record);

          if (code != NULL)
            {
              g_free (record->village_code);
              record->village_code = g_steal_pointer (&code);
            }
          else
            /* still importable, and assignable by household list */
            verval_import_report_add_problem (report, record->line, TRUE,
                                              "Village “%s” (%s, %s) is not in the region list; "
                                              "assign this family by its id",
                                              record->fields[VERVAL_FAMILY_FIELD_VILLAGE],
                                              record->fields[VERVAL_FAMILY_FIELD_KECAMATAN],
                                              record->fields[VERVAL_FAMILY_FIELD_REGENCY]);
        }
      g_ptr_array_add (pending, collector_household_from_record (record));
      if (pending->len >= IMPORT_CHUNK && !flush (store, pending, report, &local_error))
        break;
    }
  if (local_error == NULL)
    flush (store, pending, report, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return verval_listing_reader_steal_report (reader);
}
