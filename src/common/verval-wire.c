/* verval-wire.c: a listed family as the JSON object of the sync protocol
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-wire"

#include "config.h"

#include "verval-wire.h"

G_DEFINE_QUARK (verval-wire-error-quark, verval_wire_error)

/* Flag names in bit order (bit i is names[i]), as the protocol spells them. */
static const char * const programme_names[] = { "bpnt", "bpum", "bst", "pkh", "sembako", NULL };
static const char * const savings_names[] = { "money", "jewellery", "livestock", "other", NULL };

/* Member strings in wire order, with their offset in VervalMemberRecord. */
static const struct {
  const char *name;
  gsize       offset;
} member_strings[] = {
  { "individual_id", G_STRUCT_OFFSET (VervalMemberRecord, individual_id) },
  { "nik", G_STRUCT_OFFSET (VervalMemberRecord, nik) },
  { "name", G_STRUCT_OFFSET (VervalMemberRecord, name) },
  { "relationship", G_STRUCT_OFFSET (VervalMemberRecord, relationship) },
  { "sex", G_STRUCT_OFFSET (VervalMemberRecord, sex) },
  { "birth_date", G_STRUCT_OFFSET (VervalMemberRecord, birth_date) },
  { "birth_place", G_STRUCT_OFFSET (VervalMemberRecord, birth_place) },
  { "mother_name", G_STRUCT_OFFSET (VervalMemberRecord, mother_name) },
  { "marital_status", G_STRUCT_OFFSET (VervalMemberRecord, marital_status) },
};

#define MEMBER_STRING(m, i) (G_STRUCT_MEMBER_P ((m), member_strings[i].offset))

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value != NULL ? value : "");
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_flags (JsonBuilder        *b,
           const char         *name,
           guint               flags,
           const char * const *names)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; names[i] != NULL; i++)
    if (flags & (1u << i))
      json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
}

static void
build_data (JsonBuilder              *b,
            const VervalFamilyRecord *record)
{
  json_builder_begin_object (b);
  add_string (b, "dusun", record->dusun);
  add_string (b, "rt", record->rt);
  add_string (b, "rw", record->rw);
  add_int (b, "desil", record->desil);
  add_int (b, "padan_dukcapil", record->padan_dukcapil);
  add_int (b, "data_year", record->data_year);
  add_flags (b, "programmes", record->programmes, programme_names);
  add_flags (b, "savings", record->savings, savings_names);

  json_builder_set_member_name (b, "fields");
  json_builder_begin_object (b);
  for (guint f = 0; f < VERVAL_FAMILY_N_FIELDS; f++)
    add_string (b, verval_family_field_get_key (f), record->fields[f]);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "members");
  json_builder_begin_array (b);
  for (guint i = 0; record->members != NULL && i < record->members->len; i++)
    {
      VervalMemberRecord *m = g_ptr_array_index (record->members, i);

      json_builder_begin_object (b);
      for (guint s = 0; s < G_N_ELEMENTS (member_strings); s++)
        add_string (b, member_strings[s].name, *(char **) MEMBER_STRING (m, s));
      json_builder_set_member_name (b, "is_head");
      json_builder_add_boolean_value (b, m->is_head);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static const char *
source_name (VervalSourceFlags source)
{
  if (source & VERVAL_SOURCE_P3KE)
    return "p3ke";
  if (source & VERVAL_SOURCE_DTKS)
    return "dtks";
  return "";
}

JsonNode *
verval_wire_family_data_to_json (const VervalFamilyRecord *record)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (record != NULL, NULL);

  build_data (b, record);
  return json_builder_get_root (b);
}

JsonNode *
verval_wire_family_to_json (const VervalFamilyRecord *record)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (record != NULL, NULL);

  json_builder_begin_object (b);
  add_string (b, "id", record->family_id);
  add_string (b, "source", source_name (record->source));
  add_string (b, "village_code", record->village_code);
  add_string (b, "head_name", record->head_name);
  add_string (b, "nik", record->head_nik);
  add_string (b, "kk", record->kk);
  add_string (b, "address", record->address);
  json_builder_set_member_name (b, "data");
  build_data (b, record);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* --- decoding */

static gboolean
invalid (GError     **error,
         const char  *path,
         const char  *what)
{
  g_set_error (error, VERVAL_WIRE_ERROR, VERVAL_WIRE_ERROR_INVALID,
               "Household member “%s” %s", path, what);
  return FALSE;
}

/* The member, or NULL when it is absent or null. */
static JsonNode *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

/* *out: the member when it is an object or array (of type), NULL when it
 * is absent. FALSE when it is something else. */
static gboolean
container (JsonObject    *object,
           const char    *name,
           const char    *path,
           JsonNodeType   type,
           JsonNode     **out,
           GError       **error)
{
  JsonNode *node = member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_TYPE (node) != type)
    return invalid (error, path, type == JSON_NODE_OBJECT ? "is not an object" : "is not an array");
  *out = node;
  return TRUE;
}

/* Replaces *slot when the member is a string; leaves it when absent. */
static gboolean
read_string (JsonObject  *object,
             const char  *name,
             const char  *prefix,
             char       **slot,
             GError     **error)
{
  JsonNode *node = member (object, name);
  g_autofree char *path = NULL;

  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_free (*slot);
      *slot = g_strdup (json_node_get_string (node));
      return TRUE;
    }
  path = g_strconcat (prefix, name, NULL);
  return invalid (error, path, "is not a string");
}

static gboolean
read_int (JsonObject  *object,
          const char  *name,
          gint64       min,
          gint64       max,
          int         *slot,
          GError     **error)
{
  JsonNode *node = member (object, name);
  g_autofree char *path = g_strconcat ("data.", name, NULL);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, path, "is not an integer");
  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      g_set_error (error, VERVAL_WIRE_ERROR, VERVAL_WIRE_ERROR_INVALID,
                   "Household member “%s” is %" G_GINT64_FORMAT "; it must be %"
                   G_GINT64_FORMAT "–%" G_GINT64_FORMAT, path, value, min, max);
      return FALSE;
    }
  *slot = (int) value;
  return TRUE;
}

static gboolean
read_flags (JsonObject         *object,
            const char         *name,
            const char * const *names,
            guint              *flags,
            GError            **error)
{
  g_autofree char *path = g_strconcat ("data.", name, NULL);
  JsonNode *node;
  JsonArray *array;

  if (!container (object, name, path, JSON_NODE_ARRAY, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  array = json_node_get_array (node);
  *flags = 0;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *value;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_autofree char *item = g_strdup_printf ("%s[%u]", path, i);
          return invalid (error, item, "is not a string");
        }
      value = json_node_get_string (element);
      for (guint f = 0; names[f] != NULL; f++)
        if (g_str_equal (value, names[f]))
          *flags |= 1u << f;
    }
  return TRUE;
}

static gboolean
read_fields (JsonObject          *data,
             VervalFamilyRecord  *record,
             GError             **error)
{
  JsonNode *node;
  JsonObject *fields;

  if (!container (data, "fields", "data.fields", JSON_NODE_OBJECT, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  fields = json_node_get_object (node);
  for (guint f = 0; f < VERVAL_FAMILY_N_FIELDS; f++)
    if (!read_string (fields, verval_family_field_get_key (f), "data.fields.",
                      &record->fields[f], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_members (JsonObject          *data,
              VervalFamilyRecord  *record,
              GError             **error)
{
  JsonNode *node;
  JsonArray *array;

  if (!container (data, "members", "data.members", JSON_NODE_ARRAY, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(VervalMemberRecord) m = verval_member_record_new ();
      g_autofree char *prefix = g_strdup_printf ("data.members[%u].", i);
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *object;
      JsonNode *is_head;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_autofree char *path = g_strdup_printf ("data.members[%u]", i);
          return invalid (error, path, "is not an object");
        }
      object = json_node_get_object (element);
      for (guint s = 0; s < G_N_ELEMENTS (member_strings); s++)
        if (!read_string (object, member_strings[s].name, prefix,
                          (char **) MEMBER_STRING (m, s), error))
          return FALSE;
      is_head = member (object, "is_head");
      if (is_head != NULL)
        {
          if (!JSON_NODE_HOLDS_VALUE (is_head) || json_node_get_value_type (is_head) != G_TYPE_BOOLEAN)
            {
              g_autofree char *path = g_strconcat (prefix, "is_head", NULL);
              return invalid (error, path, "is not true or false");
            }
          m->is_head = json_node_get_boolean (is_head);
        }
      g_ptr_array_add (record->members, g_steal_pointer (&m));
    }
  return TRUE;
}

static gboolean
read_data (JsonObject          *household,
           VervalFamilyRecord  *record,
           GError             **error)
{
  JsonNode *node;
  JsonObject *data;
  guint programmes = 0, savings = 0;

  if (!container (household, "data", "data", JSON_NODE_OBJECT, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  data = json_node_get_object (node);
  if (!read_string (data, "dusun", "data.", &record->dusun, error) ||
      !read_string (data, "rt", "data.", &record->rt, error) ||
      !read_string (data, "rw", "data.", &record->rw, error) ||
      !read_int (data, "desil", 0, 4, &record->desil, error) ||
      !read_int (data, "padan_dukcapil", -1, 1, &record->padan_dukcapil, error) ||
      !read_int (data, "data_year", 0, 9999, &record->data_year, error) ||
      !read_flags (data, "programmes", programme_names, &programmes, error) ||
      !read_flags (data, "savings", savings_names, &savings, error) ||
      !read_fields (data, record, error) ||
      !read_members (data, record, error))
    return FALSE;
  record->programmes = programmes;
  record->savings = savings;
  return TRUE;
}

VervalFamilyRecord *
verval_wire_family_from_json (JsonNode  *node,
                              GError   **error)
{
  g_autoptr(VervalFamilyRecord) record = NULL;
  g_autofree char *source = NULL;
  JsonObject *household;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, VERVAL_WIRE_ERROR, VERVAL_WIRE_ERROR_INVALID,
                           "A household is not a JSON object");
      return NULL;
    }
  household = json_node_get_object (node);
  record = verval_family_record_new ();
  source = g_strdup ("");
  if (!read_string (household, "id", "", &record->family_id, error) ||
      !read_string (household, "source", "", &source, error) ||
      !read_string (household, "village_code", "", &record->village_code, error) ||
      !read_string (household, "head_name", "", &record->head_name, error) ||
      !read_string (household, "nik", "", &record->head_nik, error) ||
      !read_string (household, "kk", "", &record->kk, error) ||
      !read_string (household, "address", "", &record->address, error))
    return NULL;
  if (record->family_id[0] == '\0')
    {
      invalid (error, "id", "is missing or empty");
      return NULL;
    }
  /* Another list's name is not an error: a newer collector may know more. */
  if (g_str_equal (source, "p3ke"))
    record->source = VERVAL_SOURCE_P3KE;
  else if (g_str_equal (source, "dtks"))
    record->source = VERVAL_SOURCE_DTKS;
  if (!read_data (household, record, error))
    return NULL;
  return g_steal_pointer (&record);
}
