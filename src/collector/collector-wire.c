/* collector-wire.c: request body decoding and JSON replies
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include <gio/gio.h>

#include "collector-wire.h"
#include "verval-json.h"
#include "verval-json-parse.h"
#include "verval-nik.h"
#include "verval-wire.h"

GBytes *
collector_gunzip (GBytes  *compressed,
                  gsize    max_output,
                  GError **error)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const guint8 *in;
  gsize in_len, in_pos = 0;
  guint8 buffer[65536];

  in = g_bytes_get_data (compressed, &in_len);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (decompressor),
                                    in + in_pos, in_len - in_pos,
                                    buffer, sizeof buffer,
                                    G_CONVERTER_INPUT_AT_END,
                                    &read, &written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_BAD_GZIP,
                       "The gzip body cannot be decompressed: %s", local_error->message);
          return NULL;
        }
      in_pos += read;
      if (out->len + written > max_output)
        {
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_BODY_TOO_LARGE,
                       "The decompressed body is larger than %" G_GSIZE_FORMAT " bytes",
                       max_output);
          return NULL;
        }
      g_byte_array_append (out, buffer, written);
      if (result == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0)
        {
          g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_BAD_GZIP,
                               "The gzip body is truncated");
          return NULL;
        }
    }
  if (in_pos != in_len)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_BAD_GZIP,
                           "Unexpected bytes after the gzip stream");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

JsonNode *
collector_json_parse_object (GBytes                 *body,
                             const VervalJsonLimits *limits,
                             GError                **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *data;
  gsize length;

  data = g_bytes_get_data (body, &length);
  if (length == 0)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_MALFORMED_JSON,
                           "The request body is empty");
      return NULL;
    }
  root = verval_json_parse (data, length, limits, &local_error);
  if (root == NULL)
    {
      CollectorError code = COLLECTOR_ERROR_MALFORMED_JSON;

      if (g_error_matches (local_error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_TOO_DEEP))
        code = COLLECTOR_ERROR_JSON_TOO_DEEP;
      else if (g_error_matches (local_error, VERVAL_JSON_ERROR, VERVAL_JSON_ERROR_TOO_MANY_VALUES))
        code = COLLECTOR_ERROR_JSON_TOO_MANY_VALUES;
      g_set_error (error, COLLECTOR_ERROR, code, "The request body is not accepted JSON: %s",
                   local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                           "The request body must be a JSON object");
      return NULL;
    }
  return g_steal_pointer (&root);
}

char *
collector_json_to_string (JsonBuilder *builder,
                          gsize       *length)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return verval_json_to_string (root, length);
}

char *
collector_json_error_body (const char *code,
                           const char *message,
                           gsize      *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return collector_json_to_string (builder, length);
}

JsonNode *
collector_household_to_json (const CollectorHousehold *household)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) data = NULL;
  g_autoptr(VervalFamilyRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (household != NULL, NULL);

  const char *columns[][2] = {
    { "id", household->id }, { "source", household->source },
    { "village_code", household->village_code }, { "head_name", household->head_name },
    { "nik", household->nik }, { "kk", household->kk }, { "address", household->address },
  };
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    json_object_set_string_member (object, columns[i][0], columns[i][1] != NULL ? columns[i][1] : "");
  if (household->data_json != NULL)
    data = json_from_string (household->data_json, NULL);
  if (data != NULL)
    json_object_set_member (object, "data", g_steal_pointer (&data));
  json_node_set_object (node, object);

  record = verval_wire_family_from_json (node, &error);
  if (record == NULL)
    {
      /* A stored record the codec refuses is a bug or a damaged row: the
       * device still gets the household, with what the columns hold. A
       * DTKS family may be named by its KK number: never log that whole. */
      g_autofree char *shown = g_str_has_prefix (household->id, "KK-")
                               ? verval_id_mask (household->id) : g_strdup (household->id);

      g_message ("Household %s: stored data not sent: %s", shown, error->message);
      json_object_remove_member (object, "data");
      g_clear_error (&error);
      record = verval_wire_family_from_json (node, &error);
      if (record == NULL)
        return g_steal_pointer (&node);
    }
  return verval_wire_family_to_json (record);
}
