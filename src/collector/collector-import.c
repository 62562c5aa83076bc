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
#include "verval-regions.h"

/* Families stored per transaction: large enough to be fast, small enough
 * that a huge file does not sit in memory. */
#define IMPORT_CHUNK 5000

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value != NULL ? value : "");
}

static void
add_flags (JsonBuilder *b,
           const char  *name,
           guint        flags,
           const char * const *names)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; names[i] != NULL; i++)
    if (flags & (1u << i))
      json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
}

/* DTKS families have no family id of their own: the head's DTKS id names
 * the family, as the field app does; the KK number when there is no head. */
static const char *
household_id (const VervalFamilyRecord *record)
{
  const VervalMemberRecord *head;

  if (record->family_id[0] != '\0')
    return record->family_id;
  head = record->members != NULL && record->members->len > 0 ? g_ptr_array_index (record->members, 0) : NULL;
  if (head != NULL && head->individual_id[0] != '\0')
    return head->individual_id;
  return record->kk;
}

CollectorHousehold *
collector_household_from_record (const VervalFamilyRecord *record)
{
  static const char * const programmes[] = { "bpnt", "bpum", "bst", "pkh", "sembako", NULL };
  static const char * const savings[] = { "money", "jewellery", "livestock", "other", NULL };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  CollectorHousehold *h;

  g_return_val_if_fail (record != NULL, NULL);

  json_builder_begin_object (b);
  add_string (b, "dusun", record->dusun);
  add_string (b, "rt", record->rt);
  add_string (b, "rw", record->rw);
  json_builder_set_member_name (b, "desil");
  json_builder_add_int_value (b, record->desil);
  json_builder_set_member_name (b, "padan_dukcapil");
  json_builder_add_int_value (b, record->padan_dukcapil);
  json_builder_set_member_name (b, "data_year");
  json_builder_add_int_value (b, record->data_year);
  add_flags (b, "programmes", record->programmes, programmes);
  add_flags (b, "savings", record->savings, savings);
  json_builder_set_member_name (b, "fields");
  json_builder_begin_object (b);
  for (guint f = 0; f < VERVAL_FAMILY_N_FIELDS; f++)
    add_string (b, verval_family_field_get_key (f), record->fields[f]);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "members");
  json_builder_begin_array (b);
  for (guint i = 0; record->members != NULL && i < record->members->len; i++)
    {
      const VervalMemberRecord *m = g_ptr_array_index (record->members, i);

      json_builder_begin_object (b);
      add_string (b, "individual_id", m->individual_id);
      add_string (b, "nik", m->nik);
      add_string (b, "name", m->name);
      add_string (b, "relationship", m->relationship);
      add_string (b, "sex", m->sex);
      add_string (b, "birth_date", m->birth_date);
      add_string (b, "birth_place", m->birth_place);
      add_string (b, "mother_name", m->mother_name);
      add_string (b, "marital_status", m->marital_status);
      json_builder_set_member_name (b, "is_head");
      json_builder_add_boolean_value (b, m->is_head);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  h = g_new0 (CollectorHousehold, 1);
  h->id = g_strdup (household_id (record));
  h->source = g_strdup ((record->source & VERVAL_SOURCE_DTKS) ? "dtks" : "p3ke");
  h->village_code = g_strdup (record->village_code);
  h->head_name = g_strdup (record->head_name);
  h->nik = g_strdup (record->head_nik);
  h->kk = g_strdup (record->kk);
  h->address = g_strdup (record->address);
  h->data_json = json_to_string (root, FALSE);
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
      if (household_id (record)[0] == '\0')
        {
          verval_import_report_add_problem (report, record->line, FALSE,
                                            "A family without an id, DTKS id or KK number; refused");
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
