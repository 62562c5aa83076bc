/* collector-device-api.c: the endpoints devices call, run on worker threads
 *
 * Each takes a whole Request (its body read, its device authenticated) and
 * fills in the answer; collector-server.c routes to them, reads bodies and
 * replies. See docs/protocol.md.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include <string.h>

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-server-private.h"
#include "collector-token.h"
#include "collector-visit.h"
#include "collector-wire.h"
#include "verval-json.h"
#include "verval-wire-visit.h"

static gboolean
query_int (Request        *req,
           const char *name,
           gint64      fallback,
           gint64      max,
           gint64     *value,
           GError    **error)
{
  const char *text = req->query != NULL ? g_hash_table_lookup (req->query, name) : NULL;
  guint64 parsed;

  if (text == NULL || text[0] == '\0')
    {
      *value = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &parsed, NULL))
    {
      g_set_error (error, COLLECTOR_ERROR,
                   g_str_equal (name, "cursor") ? COLLECTOR_ERROR_INVALID_CURSOR : COLLECTOR_ERROR_INVALID_REQUEST,
                   "%s must be a whole number from 0 to %" G_GINT64_FORMAT, name, max);
      return FALSE;
    }
  *value = parsed;
  return TRUE;
}

static void
add_time_member (JsonBuilder *builder,
                 const char  *name,
                 gint64       unix_seconds)
{
  g_autoptr(GDateTime) t = unix_seconds != 0 ? g_date_time_new_from_unix_utc (unix_seconds) : NULL;
  g_autofree char *text = t != NULL ? g_date_time_format_iso8601 (t) : NULL;

  verval_json_add_string (builder, name, text);
}

void
collector_api_info (Request *req)
{
  CollectorLimits *limits = &req->server->limits;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  verval_json_add_int (b, "api_version", 1);
  verval_json_add_string (b, "server_version", PACKAGE_VERSION);
  add_time_member (b, "server_time", g_get_real_time () / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "limits");
  json_builder_begin_object (b);
  verval_json_add_int (b, "max_body_bytes", limits->max_body);
  verval_json_add_int (b, "max_decompressed_bytes", limits->max_decompressed);
  verval_json_add_int (b, "max_media_bytes", limits->max_media);
  verval_json_add_int (b, "max_batch_visits", limits->max_batch);
  verval_json_add_int (b, "max_json_depth", limits->max_depth);
  verval_json_add_int (b, "max_json_values", limits->max_json_values);
  verval_json_add_int (b, "max_page", limits->max_page);
  verval_json_add_int (b, "max_missing_query", MAX_MISSING_QUERY);
  json_builder_end_object (b);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_OK, b);
}

/* The enrollment throttle of @req's server. */
static CollectorThrottle
enroll_throttle (Request *req)
{
  CollectorLimits *limits = &req->server->limits;

  return (CollectorThrottle) { COLLECTOR_FAILURE_ENROLL, limits->enroll_failures, limits->enroll_window };
}

/* An address that guessed wrong too often waits, whichever collector
 * sharing the store it guessed at: the 429 and its Retry-After. */
static gboolean
enroll_allowed (Request *req,
                gint64   now,
                GError **error)
{
  CollectorThrottle throttle = enroll_throttle (req);
  guint wait;

  if (!collector_throttle_check (&throttle, req->server->store, req->peer, now, &wait, error))
    return FALSE;
  if (wait == 0)
    return TRUE;
  req->retry_after = wait;
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_TOO_MANY_ATTEMPTS,
               "Too many wrong enrollment codes from this address; retry in %u seconds", wait);
  return FALSE;
}

/* A wrong, expired or used code counts against the address it came from. */
static void
count_enroll_failure (Request      *req,
                      gint64        now,
                      const GError *error)
{
  CollectorThrottle throttle = enroll_throttle (req);

  if (!g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CODE) &&
      !g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_EXPIRED) &&
      !g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_USED))
    return;
  collector_throttle_note (&throttle, req->server->store, req->peer, now);
}

/* A member that may be absent or null, or else must be a string. */
static gboolean
member_string (JsonObject  *obj,
               const char  *name,
               const char **value)
{
  JsonNode *node = json_object_get_member (obj, name);

  *value = verval_json_string (node);
  return node == NULL || JSON_NODE_HOLDS_NULL (node) || *value != NULL;
}

void
collector_api_enroll (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(CollectorDevice) device = NULL;
  g_autofree char *code = NULL;
  g_autofree char *code_hash = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  JsonObject *obj;
  const char *code_text, *device_name, *app_version;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* checked before the body is read: a guesser learns nothing from it */
  if (!enroll_allowed (req, now, &error))
    return collector_request_set_error (req, error);
  root = collector_request_parse_json (req, &error);
  if (root == NULL)
    return collector_request_set_error (req, error);
  obj = json_node_get_object (root);
  if (!member_string (obj, "code", &code_text) ||
      !member_string (obj, "device_name", &device_name) ||
      !member_string (obj, "app_version", &app_version) ||
      device_name == NULL || device_name[0] == '\0' || g_utf8_strlen (device_name, -1) > 128 ||
      (app_version != NULL && g_utf8_strlen (app_version, -1) > 64))
    {
      g_set_error_literal (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                           "code and device_name (1–128 characters) are required strings; "
                           "app_version is a string of at most 64 characters");
      return collector_request_set_error (req, error);
    }
  code = collector_enroll_code_normalize (code_text != NULL ? code_text : "");
  if (code == NULL)
    {
      g_set_error_literal (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CODE,
                           "This enrollment code is not known");
      count_enroll_failure (req, now, error);
      return collector_request_set_error (req, error);
    }
  code_hash = collector_secret_hash (code);
  token = collector_token_new (&error);
  if (token == NULL)
    return collector_request_set_error (req, error);
  token_hash = collector_secret_hash (token);
  device = collector_store_enroll_device (req->server->store, code_hash, token_hash, device_name,
                                          app_version, now, &error);
  if (device == NULL)
    {
      count_enroll_failure (req, now, error);
      return collector_request_set_error (req, error);
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  verval_json_add_int (b, "device_id", device->id);
  verval_json_add_string (b, "token", token);
  json_builder_set_member_name (b, "enumerator");
  json_builder_begin_object (b);
  verval_json_add_int (b, "id", device->enumerator_id);
  verval_json_add_string (b, "name", device->enumerator_name);
  json_builder_end_object (b);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_CREATED, b);
}

/* cursor and limit of a pull */
static gboolean
page_params (Request     *req,
             gint64  *cursor,
             gint64  *limit,
             GError **error)
{
  if (!query_int (req, "cursor", 0, G_MAXINT64, cursor, error) ||
      !query_int (req, "limit", COLLECTOR_DEFAULT_PAGE, req->server->limits.max_page, limit, error))
    return FALSE;
  if (*limit == 0)
    *limit = COLLECTOR_DEFAULT_PAGE;
  return TRUE;
}

/* A page reply: an object whose first member, @name, is an array, left open. */
static JsonBuilder *
begin_page (const char *name)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  return b;
}

/* Closes the array left open last and the page object begun by
 * begin_page(), and answers with it. */
static void
end_page (Request         *req,
          JsonBuilder *b,
          gint64       next_cursor,
          gboolean     more)
{
  g_autofree char *cursor_text = g_strdup_printf ("%" G_GINT64_FORMAT, next_cursor);

  json_builder_end_array (b);
  verval_json_add_string (b, "next_cursor", cursor_text);
  json_builder_set_member_name (b, "more");
  json_builder_add_boolean_value (b, more);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_OK, b);
}

void
collector_api_assignments (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CollectorAssignmentPage) page = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  gint64 cursor, limit;

  if (!page_params (req, &cursor, &limit, &error))
    return collector_request_set_error (req, error);
  page = collector_store_pull_assignments (req->server->store, req->device->enumerator_id,
                                           cursor, limit, &error);
  if (page == NULL)
    return collector_request_set_error (req, error);

  b = begin_page ("households");
  for (guint i = 0; i < page->households->len; i++)
    {
      CollectorHousehold *h = g_ptr_array_index (page->households, i);

      json_builder_add_value (b, collector_household_to_json (h));
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "withdrawn");
  json_builder_begin_array (b);
  for (guint i = 0; i < page->withdrawn->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (page->withdrawn, i));
  end_page (req, b, page->next_cursor, page->more);
}

void
collector_api_reviews (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CollectorReviewPage) page = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  gint64 cursor, limit;

  if (!page_params (req, &cursor, &limit, &error))
    return collector_request_set_error (req, error);
  page = collector_store_pull_reviews (req->server->store, req->device->enumerator_id,
                                       cursor, limit, &error);
  if (page == NULL)
    return collector_request_set_error (req, error);

  b = begin_page ("reviews");
  for (guint i = 0; i < page->reviews->len; i++)
    {
      CollectorReview *r = g_ptr_array_index (page->reviews, i);

      json_builder_begin_object (b);
      verval_json_add_string (b, "visit_uuid", r->visit_uuid);
      verval_json_add_int (b, "revision", r->revision);
      verval_json_add_string (b, "household_id", r->household_id);
      verval_json_add_string (b, "decision", r->decision);
      verval_json_add_string (b, "comment", r->comment);
      verval_json_add_string (b, "reviewer", r->reviewer);
      add_time_member (b, "decided_at", r->decided_at);
      json_builder_end_object (b);
    }
  end_page (req, b, page->next_cursor, page->more);
}

static void
add_outcome (JsonBuilder           *b,
             const char            *uuid,
             gint64                 revision,
             CollectorVisitOutcome *outcome)
{
  json_builder_begin_object (b);
  verval_json_add_string (b, "uuid", uuid);
  json_builder_set_member_name (b, "revision");
  if (revision > 0)
    json_builder_add_int_value (b, revision);
  else
    json_builder_add_null_value (b);
  verval_json_add_string (b, "status", collector_visit_status_to_string (outcome->status));
  if (outcome->stored_revision > 0)
    {
      verval_json_add_int (b, "stored_revision", outcome->stored_revision);
    }
  if (outcome->problems->len > 0)
    {
      json_builder_set_member_name (b, "errors");
      json_builder_begin_array (b);
      for (guint i = 0; i < outcome->problems->len; i++)
        {
          VervalWireProblem *p = g_ptr_array_index (outcome->problems, i);

          json_builder_begin_object (b);
          verval_json_add_string (b, "code", p->code);
          verval_json_add_string (b, "field", p->field);
          verval_json_add_string (b, "message", p->message);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  if (outcome->missing_media->len > 0)
    {
      json_builder_set_member_name (b, "missing_media");
      json_builder_begin_array (b);
      for (guint i = 0; i < outcome->missing_media->len; i++)
        json_builder_add_string_value (b, g_ptr_array_index (outcome->missing_media, i));
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

void
collector_api_visits (Request *req)
{
  CollectorServer *self = req->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = collector_request_parse_json (req, &error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(GPtrArray) outcomes = NULL;    /* one per visit in the batch */
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GArray) revisions = NULL;
  g_autoptr(GPtrArray) to_store = NULL;    /* CollectorVisit*, owned */
  g_autoptr(GArray) store_index = NULL;    /* batch position of each to_store */
  g_autoptr(GPtrArray) stored = NULL;
  guint counts[COLLECTOR_VISIT_MISSING_MEDIA + 1] = { 0 };
  JsonNode *visits_node;
  JsonArray *visits;
  guint n;

  if (root == NULL)
    return collector_request_set_error (req, error);
  visits_node = json_object_get_member (json_node_get_object (root), "visits");
  if (visits_node == NULL || !JSON_NODE_HOLDS_ARRAY (visits_node))
    {
      g_set_error_literal (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                           "The body must be an object with a \"visits\" array");
      return collector_request_set_error (req, error);
    }
  visits = json_node_get_array (visits_node);
  n = json_array_get_length (visits);
  if (n > self->limits.max_batch)
    {
      g_set_error (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_BATCH_TOO_LARGE,
                   "A batch holds at most %u visits; this one has %u", self->limits.max_batch, n);
      return collector_request_set_error (req, error);
    }

  outcomes = g_ptr_array_new_full (n, (GDestroyNotify) collector_visit_outcome_free);
  uuids = g_ptr_array_new_full (n, g_free);
  revisions = g_array_sized_new (FALSE, TRUE, sizeof (gint64), n);
  to_store = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_visit_free);
  store_index = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (visits, i);
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
      g_autoptr(CollectorVisit) visit = NULL;
      CollectorVisitOutcome *outcome = NULL;
      char *uuid = NULL;
      gint64 revision = 0;

      visit = collector_visit_parse (node, req->device, self->limits.max_media, problems, &uuid, &revision);
      g_ptr_array_add (uuids, uuid);
      g_array_append_val (revisions, revision);
      if (visit != NULL)
        {
          JsonObject *answers = json_object_get_object_member (json_node_get_object (node), "answers");

          collector_forms_check (self->forms, visit, answers, problems);
        }
      if (problems->len > 0)
        {
          outcome = collector_visit_outcome_new (COLLECTOR_VISIT_REJECTED);
          g_ptr_array_extend_and_steal (outcome->problems, g_steal_pointer (&problems));
        }
      else
        {
          /* media first: a visit is stored whole or not at all */
          for (guint m = 0; m < visit->media->len; m++)
            {
              CollectorMediaRef *ref = g_ptr_array_index (visit->media, m);

              if (!collector_media_has (self->media, ref->sha256, NULL))
                {
                  if (outcome == NULL)
                    outcome = collector_visit_outcome_new (COLLECTOR_VISIT_MISSING_MEDIA);
                  if (!g_ptr_array_find_with_equal_func (outcome->missing_media, ref->sha256,
                                                         g_str_equal, NULL))
                    g_ptr_array_add (outcome->missing_media, g_strdup (ref->sha256));
                }
            }
        }
      if (outcome == NULL)
        {
          g_array_append_val (store_index, i);
          g_ptr_array_add (to_store, g_steal_pointer (&visit));
        }
      g_ptr_array_add (outcomes, outcome);
    }

  if (to_store->len > 0)
    {
      stored = collector_store_submit_visits (self->store, req->device, to_store, &error);
      if (stored == NULL)
        return collector_request_set_error (req, error);
      for (guint k = 0; k < stored->len; k++)
        {
          guint i = g_array_index (store_index, guint, k);

          g_ptr_array_index (outcomes, i) = g_ptr_array_steal_index (stored, k);
          g_ptr_array_insert (stored, k, NULL);
        }
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      CollectorVisitOutcome *outcome = g_ptr_array_index (outcomes, i);

      counts[outcome->status]++;
      add_outcome (b, g_ptr_array_index (uuids, i), g_array_index (revisions, gint64, i), outcome);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "summary");
  json_builder_begin_object (b);
  for (guint s = 0; s < G_N_ELEMENTS (counts); s++)
    {
      json_builder_set_member_name (b, collector_visit_status_to_string (s));
      json_builder_add_int_value (b, counts[s]);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_OK, b);
}

void
collector_api_status (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = collector_request_parse_json (req, &error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autofree char *text = NULL;
  static const struct {
    const char *name;
    GType       type;
  } fields[] = {
    { "app_version", G_TYPE_STRING },
    { "queue_depth", G_TYPE_INT64 },
    { "oldest_unsent", G_TYPE_STRING },
    { "free_disk", G_TYPE_INT64 },
    { "last_error", G_TYPE_STRING },
    { "last_sync", G_TYPE_STRING },
  };
  JsonObject *obj;

  if (root == NULL)
    return collector_request_set_error (req, error);
  obj = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      JsonNode *node = json_object_get_member (obj, fields[i].name);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != fields[i].type ||
          (fields[i].type == G_TYPE_STRING && g_utf8_strlen (json_node_get_string (node), -1) > 1024))
        {
          g_set_error (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                       "%s must be a %s", fields[i].name,
                       fields[i].type == G_TYPE_STRING ? "string (at most 1024 characters)" : "whole number");
          return collector_request_set_error (req, error);
        }
    }
  text = verval_json_to_string (root, NULL);
  if (!collector_store_record_status (req->server->store, req->device->id, text,
                                      g_get_real_time () / G_USEC_PER_SEC, &error))
    return collector_request_set_error (req, error);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, TRUE);
  add_time_member (b, "server_time", g_get_real_time () / G_USEC_PER_SEC);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_OK, b);
}

static void
media_reply (Request        *req,
             guint       status,
             const char *what,
             guint64     size)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  verval_json_add_string (b, "sha256", req->media_name);
  verval_json_add_string (b, "status", what);
  /* a partial answers with how far it got, a complete photo with its size */
  json_builder_set_member_name (b, g_str_equal (what, "partial") ? "offset" : "size");
  json_builder_add_int_value (b, size);
  json_builder_end_object (b);
  collector_request_set_builder (req, status, b);
}

void
collector_api_media (Request *req)
{
  g_autoptr(GError) error = NULL;
  CollectorMediaResult result;
  goffset size = 0;
  guint64 uploaded;

  if (req->method == SOUP_METHOD_HEAD)
    {
      if (collector_media_has (req->server->media, req->media_name, &size))
        {
          req->status = SOUP_STATUS_OK;
          req->head_length = size;
        }
      else
        {
          guint64 offset;
          gboolean busy;

          collector_media_get_partial (req->server->media, req->media_name, &offset, &busy, NULL);
          req->status = SOUP_STATUS_NOT_FOUND;
          req->upload_offset = offset;
        }
      return;
    }

  if (req->abandoned)
    {
      /* the point of a partial: what arrived before the link broke stays */
      if (!req->write_failed && !collector_media_upload_keep (req->upload, &error))
        g_warning ("Cannot keep a partial upload: %s", error->message);
      return;
    }
  if (req->write_failed)
    {
      g_set_error_literal (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INTERNAL, "Cannot write media");
      return collector_request_set_error (req, error);
    }
  if (req->upload == NULL)
    {
      /* it was already there when the upload began: bytes were discarded */
      collector_media_has (req->server->media, req->media_name, &size);
      return media_reply (req, SOUP_STATUS_OK, "existed", size);
    }
  uploaded = collector_media_upload_get_size (req->upload);
  if (req->has_range && collector_media_upload_get_offset (req->upload) < req->range_total)
    {
      if (!collector_media_upload_keep (req->upload, &error))
        return collector_request_set_error (req, error);
      return media_reply (req, SOUP_STATUS_ACCEPTED, "partial", collector_media_upload_get_offset (req->upload));
    }
  if (!req->has_range && uploaded == 0)
    {
      g_set_error_literal (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                           "The media body is empty");
      return collector_request_set_error (req, error);
    }
  uploaded = collector_media_upload_get_offset (req->upload);
  if (!collector_media_upload_finish (req->upload, req->media_name, &result, &error))
    return collector_request_set_error (req, error);
  media_reply (req, result == COLLECTOR_MEDIA_STORED ? SOUP_STATUS_CREATED : SOUP_STATUS_OK,
               result == COLLECTOR_MEDIA_STORED ? "stored" : "existed", uploaded);
}

/* Which of these photos the collector lacks, and how much of each it holds. */
void
collector_api_media_missing (Request *req)
{
  CollectorMedia *media = req->server->media;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = collector_request_parse_json (req, &error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(GHashTable) seen = NULL;
  JsonNode *names_node;
  JsonArray *names;
  guint n;

  if (root == NULL)
    return collector_request_set_error (req, error);
  names_node = json_object_get_member (json_node_get_object (root), "sha256");
  if (names_node == NULL || !JSON_NODE_HOLDS_ARRAY (names_node))
    {
      g_set_error_literal (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                           "The body must be an object with a \"sha256\" array");
      return collector_request_set_error (req, error);
    }
  names = json_node_get_array (names_node);
  n = json_array_get_length (names);
  if (n > MAX_MISSING_QUERY)
    {
      g_set_error (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                   "At most %u names per request; this one has %u", MAX_MISSING_QUERY, n);
      return collector_request_set_error (req, error);
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (names, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !verval_wire_is_sha256_hex (json_node_get_string (node)))
        {
          g_set_error (&error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_MEDIA_NAME,
                       "sha256[%u] is not 64 lower-case hex digits", i);
          return collector_request_set_error (req, error);
        }
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "missing");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      const char *sha = json_array_get_string_element (names, i);
      guint64 offset = 0;
      gboolean busy = FALSE;
      gint64 idle = 0;
      const char *state;

      if (!g_hash_table_add (seen, (gpointer) sha) || collector_media_has (media, sha, NULL))
        continue;
      collector_media_get_partial (media, sha, &offset, &busy, &idle);
      /* a silent one is taken over by the next PUT: say what is durable */
      busy = busy && idle < (gint64) req->server->limits.upload_stale;
      state = busy ? "uploading" : offset > 0 ? "partial" : "missing";
      json_builder_begin_object (b);
      verval_json_add_string (b, "sha256", sha);
      verval_json_add_string (b, "state", state);
      verval_json_add_int (b, "offset", offset);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_OK, b);
}
