/* collector-dashboard-api.c: the dashboard's endpoints, run on worker threads
 *
 * Signing in, who is signed in, signing out; see docs/dashboard-api.md.
 * collector-server.c has already found the session of every route that
 * needs one, and checked the CSRF token of every request that changes
 * something, before a handler here runs.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include "collector-error.h"
#include "collector-password.h"
#include "collector-rules.h"
#include "collector-server-private.h"
#include "collector-token.h"
#include "verval-json.h"
#include "verval-regions.h"

/* {"user": {...}, "csrf_token": "..."}: who is signed in, and what a page
 * sends back in X-CSRF-Token */
static void
set_session_answer (Request          *req,
                    CollectorSession *session)
{
  CollectorUser *user = session->user;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "user");
  json_builder_begin_object (b);
  verval_json_add_string (b, "name", user->name);
  verval_json_add_string (b, "role", collector_role_to_string (user->role));
  verval_json_add_string (b, "region", user->region);
  verval_json_add_string (b, "region_name", verval_regions_lookup_name (verval_regions_get_default (),
                                                                        user->region));
  json_builder_end_object (b);
  verval_json_add_string (b, "csrf_token", session->csrf_token);
  json_builder_end_object (b);
  collector_request_set_builder (req, SOUP_STATUS_OK, b);
}

/* A sign-in is throttled per address and per name tried, whichever
 * collector sharing the store was tried. */
static void
sign_in_throttles (Request           *req,
                   CollectorThrottle  throttles[2],
                   const char        *keys[2],
                   const char        *name)
{
  CollectorLimits *limits = &req->server->limits;

  throttles[0] = (CollectorThrottle) { COLLECTOR_FAILURE_SIGN_IN_ADDRESS, limits->sign_in_failures,
                                       limits->sign_in_window };
  throttles[1] = (CollectorThrottle) { COLLECTOR_FAILURE_SIGN_IN_ACCOUNT, limits->sign_in_failures,
                                       limits->sign_in_window };
  keys[0] = req->peer;
  keys[1] = name;
}

/* Checked before the password: a name or an address that must wait learns
 * nothing, whatever it sends, and costs no hash. */
static gboolean
sign_in_allowed (Request     *req,
                 const char  *name,
                 gint64       now,
                 GError     **error)
{
  CollectorThrottle throttles[2];
  const char *keys[2];
  guint wait = 0;

  sign_in_throttles (req, throttles, keys, name);
  for (guint i = 0; i < G_N_ELEMENTS (throttles); i++)
    {
      guint this_wait;

      if (!collector_throttle_check (&throttles[i], req->server->store, keys[i], now, &this_wait, error))
        return FALSE;
      wait = MAX (wait, this_wait);
    }
  if (wait == 0)
    return TRUE;
  req->retry_after = wait;
  g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_TOO_MANY_ATTEMPTS,
               "Too many failed sign-ins; retry in %u seconds", wait);
  return FALSE;
}

static void
count_sign_in_failure (Request    *req,
                       const char *name,
                       gint64      now)
{
  CollectorThrottle throttles[2];
  const char *keys[2];

  sign_in_throttles (req, throttles, keys, name);
  for (guint i = 0; i < G_N_ELEMENTS (throttles); i++)
    collector_throttle_note (&throttles[i], req->server->store, keys[i], now);
}

/* The name and password of a sign-in's body; FALSE with INVALID_REQUEST
 * when they are not both strings of a length they could have. */
static gboolean
read_credentials (JsonObject  *obj,
                  char       **name,
                  const char **password,
                  GError     **error)
{
  const char *name_text = verval_json_string (json_object_get_member (obj, "name"));

  *password = verval_json_string (json_object_get_member (obj, "password"));
  if (name_text == NULL || *password == NULL ||
      !g_utf8_validate (*password, -1, NULL) || g_utf8_strlen (*password, -1) > COLLECTOR_PASSWORD_MAX_LENGTH ||
      (*name = collector_rules_user_name (name_text, NULL)) == NULL)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_REQUEST,
                   "name (1–128 characters) and password (at most %d characters) are required strings",
                   COLLECTOR_PASSWORD_MAX_LENGTH);
      return FALSE;
    }
  return TRUE;
}

/* POST /api/dashboard/v1/session */
void
collector_dashboard_sign_in (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CollectorUser) user = NULL;
  g_autofree char *name = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *csrf_token = NULL;
  const char *password;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if ((root = collector_request_parse_json (req, &error)) == NULL ||
      !read_credentials (json_node_get_object (root), &name, &password, &error) ||
      !sign_in_allowed (req, name, now, &error))
    return collector_request_set_error (req, error);

  user = collector_store_find_user_by_name (req->server->store, name, &error);
  if (user == NULL && !g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND))
    return collector_request_set_error (req, error);
  g_clear_error (&error);
  /* an unknown name is checked against a stand-in hash: it takes as long
   * as a wrong password, and gets the same answer */
  if (!collector_password_verify (user != NULL ? user->password_hash : NULL, password))
    {
      count_sign_in_failure (req, name, now);
      collector_rules_check_sign_in (NULL, NULL, &error);
      return collector_request_set_error (req, error);
    }

  if ((token = collector_secret_new ("vvs_", &error)) == NULL ||
      (csrf_token = collector_secret_new ("", &error)) == NULL)
    return collector_request_set_error (req, error);
  token_hash = collector_secret_hash (token);
  req->session = collector_store_create_session (req->server->store, user->id, user->password_hash, token_hash,
                                                 csrf_token, now, &error);
  if (req->session == NULL)
    {
      /* disabled, or given another password a moment ago */
      if (g_error_matches (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS))
        count_sign_in_failure (req, name, now);
      return collector_request_set_error (req, error);
    }
  collector_request_set_session_cookie (req, token);
  set_session_answer (req, req->session);
}

/* GET and DELETE /api/dashboard/v1/session */
void
collector_dashboard_session (Request *req)
{
  g_autoptr(GError) error = NULL;

  if (req->method == SOUP_METHOD_GET)
    return set_session_answer (req, req->session);

  g_assert (req->method == SOUP_METHOD_DELETE);
  if (!collector_store_end_session (req->server->store, req->token_hash, &error))
    return collector_request_set_error (req, error);
  collector_request_set_session_cookie (req, NULL);
  req->status = SOUP_STATUS_NO_CONTENT;
}
