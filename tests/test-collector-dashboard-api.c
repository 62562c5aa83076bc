/* test-collector-dashboard-api.c: signing in to the dashboard, against a
 * real server on loopback
 *
 * The accounts are made through the store as `verval-collector user add`
 * makes them; everything else goes through HTTP as a browser sends it,
 * cookies and headers written by hand so that each test says exactly what
 * the browser holds. With VERVAL_TEST_STORE=postgresql every collector
 * here keeps its records in PostgreSQL.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "collector-error.h"
#include "collector-password.h"
#include "collector-rules.h"
#include "collector-token.h"
#include "test-collector-util.h"
#include "test-pg.h"

#define SESSION_PATH "api/dashboard/v1/session"
#define KORCAM       "Korcam Sukasada"
#define KORCAM_PASS  "kopi tubruk panas"
#define KORKAB       "Korkab Buleleng"
#define KORKAB_PASS  "teh manis hangat"

typedef struct {
  TestCollector *tc;
  SoupSession   *session;
  gint64         korcam;
  gint64         korkab;
} Fixture;

static gint64
add_user (Fixture       *f,
          const char    *name,
          CollectorRole  role,
          const char    *region,
          const char    *password)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = collector_password_hash (password, &error);
  gint64 id = 0;

  g_assert_no_error (error);
  g_assert_true (collector_store_add_user (f->tc->store, name, role, region, hash, &id, &error));
  g_assert_no_error (error);
  return id;
}

static void
setup_server (Fixture  *f,
              gboolean  behind_proxy)
{
  f->tc = test_collector_start_full (NULL, behind_proxy);
  f->session = soup_session_new ();
  f->korcam = add_user (f, KORCAM, COLLECTOR_ROLE_SUPERVISOR, "510805", KORCAM_PASS);
  f->korkab = add_user (f, KORKAB, COLLECTOR_ROLE_ADMIN, "5108", KORKAB_PASS);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  setup_server (f, FALSE);
}

/* Behind a TLS proxy: cookies are Secure, and each request names its
 * client in X-Forwarded-For. */
static void
fixture_setup_proxy (Fixture       *f,
                     gconstpointer  data)
{
  setup_server (f, TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  test_collector_stop (f->tc);
}

/* ---------------------------------------------------------------- requests */

static TestResponse *
sign_in_from (Fixture    *f,
              const char *uri,
              const char *client,
              const char *name,
              const char *password)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *headers[] = { "X-Forwarded-For", client, NULL };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "password");
  json_builder_add_string_value (b, password);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  body = g_bytes_new (json, strlen (json));
  return test_request_with_headers (f->session, uri, "POST", SESSION_PATH, NULL,
                                    client != NULL ? headers : NULL, "application/json", NULL, body);
}

static TestResponse *
sign_in (Fixture    *f,
         const char *name,
         const char *password)
{
  return sign_in_from (f, f->tc->uri, NULL, name, password);
}

/* GET or DELETE on the session, with the cookie (if any) and the CSRF
 * token (if any). */
static TestResponse *
session_request (Fixture    *f,
                 const char *method,
                 const char *token,
                 const char *csrf)
{
  g_autofree char *cookie = token != NULL ? g_strconcat ("theme=dark; verval_session=", token, NULL) : NULL;
  const char *headers[5] = { NULL };
  guint n = 0;

  if (cookie != NULL)
    {
      headers[n++] = "Cookie";
      headers[n++] = cookie;
    }
  if (csrf != NULL)
    {
      headers[n++] = "X-CSRF-Token";
      headers[n++] = csrf;
    }
  return test_request_with_headers (f->session, f->tc->uri, method, SESSION_PATH, NULL, headers, NULL, NULL,
                                    NULL);
}

static const char *
header (TestResponse *r,
        const char   *name)
{
  return soup_message_headers_get_one (r->headers, name);
}

/* The token the Set-Cookie of @r gives, after checking what goes with it. */
static char *
cookie_token (TestResponse *r,
              gboolean      secure)
{
  const char *set_cookie = header (r, "Set-Cookie");
  g_auto(GStrv) attributes = NULL;

  g_assert_nonnull (set_cookie);
  attributes = g_strsplit (set_cookie, "; ", -1);
  g_assert_true (g_str_has_prefix (attributes[0], "verval_session=vvs_"));
  g_assert_true (g_strv_contains ((const char * const *) attributes, "HttpOnly"));
  g_assert_true (g_strv_contains ((const char * const *) attributes, "SameSite=Strict"));
  g_assert_true (g_strv_contains ((const char * const *) attributes, "Path=/"));
  g_assert_cmpint (g_strv_contains ((const char * const *) attributes, "Secure"), ==, secure);
  /* ends with the browser: the collector ends it after 12 h idle */
  g_assert_null (strstr (set_cookie, "Max-Age"));
  g_assert_null (strstr (set_cookie, "Expires"));
  return g_strdup (attributes[0] + strlen ("verval_session="));
}

static void
assert_cookie_cleared (TestResponse *r)
{
  const char *set_cookie = header (r, "Set-Cookie");

  g_assert_nonnull (set_cookie);
  g_assert_true (g_str_has_prefix (set_cookie, "verval_session=;"));
  g_assert_nonnull (strstr (set_cookie, "Max-Age=0"));
}

static JsonObject *
answer_user (TestResponse *r)
{
  return json_object_get_object_member (json_node_get_object (r->json), "user");
}

static const char *
answer_csrf (TestResponse *r)
{
  return json_object_get_string_member (json_node_get_object (r->json), "csrf_token");
}

static void
assert_refused (TestResponse *r,
                guint         status,
                const char   *code)
{
  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (test_response_error_code (r), ==, code);
  g_assert_cmpstr (header (r, "Cache-Control"), ==, "no-store");
  /* a browser signs in on the page; a Bearer challenge is for devices */
  g_assert_null (header (r, "WWW-Authenticate"));
}

/* ---------------------------------------------------------------- tests */

/* Signed in: who, the CSRF token, the cookie; the same answer asked again
 * with the cookie; the store holds only the token's hash. */
static void
test_sign_in (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TestResponse) signed_in = sign_in (f, KORCAM, KORCAM_PASS);
  g_autoptr(TestResponse) who = NULL;
  g_autoptr(CollectorSession) by_hash = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  JsonObject *user;

  g_assert_cmpuint (signed_in->status, ==, 200);
  g_assert_cmpstr (header (signed_in, "Cache-Control"), ==, "no-store");
  token = cookie_token (signed_in, FALSE);
  user = answer_user (signed_in);
  g_assert_cmpstr (json_object_get_string_member (user, "name"), ==, KORCAM);
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "supervisor");
  g_assert_cmpstr (json_object_get_string_member (user, "region"), ==, "510805");
  g_assert_cmpstr (json_object_get_string_member (user, "region_name"), ==, "Sukasada");
  g_assert_cmpuint (strlen (answer_csrf (signed_in)), >=, 43);
  /* the answer is about the account, never its secrets */
  g_assert_false (json_object_has_member (user, "password_hash"));
  g_assert_null (g_strstr_len (g_bytes_get_data (signed_in->body, NULL), g_bytes_get_size (signed_in->body),
                               "argon2"));

  who = session_request (f, "GET", token, NULL);
  g_assert_cmpuint (who->status, ==, 200);
  g_assert_cmpstr (header (who, "Cache-Control"), ==, "no-store");
  g_assert_null (header (who, "Set-Cookie"));
  g_assert_cmpstr (json_object_get_string_member (answer_user (who), "name"), ==, KORCAM);
  g_assert_cmpstr (json_object_get_string_member (answer_user (who), "region_name"), ==, "Sukasada");
  g_assert_cmpstr (answer_csrf (who), ==, answer_csrf (signed_in));

  g_assert_null (collector_store_lookup_session (f->tc->store, token, g_get_real_time () / G_USEC_PER_SEC,
                                                 &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_SESSION);
  g_clear_error (&error);
  token_hash = collector_secret_hash (token);
  by_hash = collector_store_lookup_session (f->tc->store, token_hash, g_get_real_time () / G_USEC_PER_SEC,
                                            &error);
  g_assert_no_error (error);
  g_assert_cmpint (by_hash->user->id, ==, f->korcam);
}

/* Behind a TLS proxy the browser speaks HTTPS: the cookie is Secure. */
static void
test_cookie_secure (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TestResponse) signed_in = sign_in_from (f, f->tc->uri, "203.0.113.5", KORKAB, KORKAB_PASS);
  g_autofree char *token = NULL;

  g_assert_cmpuint (signed_in->status, ==, 200);
  token = cookie_token (signed_in, TRUE);
  g_assert_true (g_str_has_prefix (token, "vvs_"));
  g_assert_cmpstr (json_object_get_string_member (answer_user (signed_in), "role"), ==, "admin");
  g_assert_cmpstr (json_object_get_string_member (answer_user (signed_in), "region_name"), ==,
                   "Kabupaten Buleleng");
}

/* A wrong password, a name nobody has and a disabled account with its
 * right password get the same answer, byte for byte; none sets a cookie. */
static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TestResponse) wrong = sign_in (f, KORCAM, "kopi tubruk dingin");
  g_autoptr(TestResponse) unknown = sign_in (f, "Korcam Sawan", KORCAM_PASS);
  g_autoptr(TestResponse) disabled = NULL;
  g_autoptr(TestResponse) no_password = NULL;
  g_autoptr(GBytes) name_only = g_bytes_new_static ("{\"name\":\"x\"}", strlen ("{\"name\":\"x\"}"));
  g_autoptr(GError) error = NULL;

  assert_refused (wrong, 401, "invalid_credentials");
  assert_refused (unknown, 401, "invalid_credentials");
  g_assert_true (g_bytes_equal (wrong->body, unknown->body));
  g_assert_null (header (wrong, "Set-Cookie"));
  g_assert_null (header (unknown, "Set-Cookie"));

  g_assert_true (collector_store_set_user_disabled (f->tc->store, f->korcam, TRUE, &error));
  g_assert_no_error (error);
  disabled = sign_in (f, KORCAM, KORCAM_PASS);
  assert_refused (disabled, 401, "invalid_credentials");
  g_assert_true (g_bytes_equal (wrong->body, disabled->body));
  g_assert_null (header (disabled, "Set-Cookie"));

  /* a body that is no sign-in at all is a bad request, not a failure */
  no_password = test_request (f->session, f->tc->uri, "POST", SESSION_PATH, NULL, "application/json", NULL,
                              name_only);
  assert_refused (no_password, 400, "invalid_request");
}

static void
assert_throttled (TestResponse *r)
{
  const char *retry_after = header (r, "Retry-After");
  guint64 seconds;

  assert_refused (r, 429, "too_many_attempts");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, COLLECTOR_DEFAULT_SIGN_IN_WINDOW, &seconds,
                                             NULL));
}

/* Ten failed sign-ins on one account, from ten addresses and at two
 * collectors sharing the store: the account waits, even with its right
 * password and from a new address; another account does not. */
static void
test_throttle_account (Fixture       *f,
                       gconstpointer  data)
{
  TestCollector *other = test_collector_start_beside (f->tc);
  g_autoptr(TestResponse) blocked = NULL;
  g_autoptr(TestResponse) right = NULL;
  g_autoptr(TestResponse) other_account = NULL;

  for (guint i = 0; i < COLLECTOR_DEFAULT_SIGN_IN_FAILURES; i++)
    {
      g_autofree char *client = g_strdup_printf ("198.51.100.%u", i + 1);
      g_autoptr(TestResponse) wrong = sign_in_from (f, i % 2 ? other->uri : f->tc->uri, client, KORCAM,
                                                    "bukan kata sandinya");

      assert_refused (wrong, 401, "invalid_credentials");
    }
  blocked = sign_in_from (f, f->tc->uri, "198.51.100.99", KORCAM, "bukan kata sandinya");
  assert_throttled (blocked);
  right = sign_in_from (f, other->uri, "192.0.2.1", KORCAM, KORCAM_PASS);
  assert_throttled (right);
  g_assert_null (header (right, "Set-Cookie"));
  other_account = sign_in_from (f, f->tc->uri, "192.0.2.2", KORKAB, KORKAB_PASS);
  g_assert_cmpuint (other_account->status, ==, 200);
  test_collector_stop (other);
}

/* Ten failed sign-ins from one address, each on another name: that
 * address waits, for every account; another address does not. */
static void
test_throttle_address (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(TestResponse) blocked = NULL;
  g_autoptr(TestResponse) elsewhere = NULL;

  for (guint i = 0; i < COLLECTOR_DEFAULT_SIGN_IN_FAILURES; i++)
    {
      g_autofree char *name = g_strdup_printf ("Tebakan %u", i);
      g_autoptr(TestResponse) wrong = sign_in_from (f, f->tc->uri, "203.0.113.7", name, "bukan kata sandinya");

      assert_refused (wrong, 401, "invalid_credentials");
    }
  blocked = sign_in_from (f, f->tc->uri, "203.0.113.7", KORKAB, KORKAB_PASS);
  assert_throttled (blocked);
  elsewhere = sign_in_from (f, f->tc->uri, "203.0.113.8", KORKAB, KORKAB_PASS);
  g_assert_cmpuint (elsewhere->status, ==, 200);
}

/* No cookie, a cookie the collector never gave, one that does not look
 * like one: 401, and a cookie that does not work is cleared. */
static void
test_forged_cookie (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *forged = NULL;
  g_autoptr(TestResponse) none = session_request (f, "GET", NULL, NULL);
  g_autoptr(TestResponse) made_up = NULL;
  g_autoptr(TestResponse) garbage = NULL;
  g_autoptr(GError) error = NULL;

  assert_refused (none, 401, "auth_required");
  forged = collector_secret_new ("vvs_", &error);
  g_assert_no_error (error);
  made_up = session_request (f, "GET", forged, NULL);
  assert_refused (made_up, 401, "invalid_session");
  assert_cookie_cleared (made_up);
  garbage = session_request (f, "GET", "\"'; DROP TABLE sessions; --", NULL);
  assert_refused (garbage, 401, "invalid_session");
}

/* Twelve hours after its last use, a session is over. */
static void
test_expired (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TestResponse) signed_in = sign_in (f, KORCAM, KORCAM_PASS);
  g_autoptr(TestResponse) later = NULL;
  g_autofree char *token = cookie_token (signed_in, FALSE);
  g_autofree char *db_path = g_build_filename (f->tc->data_dir, "collector.db", NULL);
  g_autofree char *age = g_strdup_printf (test_store_is_postgresql ()
                                          ? "UPDATE sessions SET last_used_at = last_used_at - interval '%d seconds'"
                                          : "UPDATE sessions SET last_used_at = last_used_at - %d",
                                          COLLECTOR_SESSION_IDLE);

  /* the session as the store keeps it, twelve hours older */
  if (test_store_is_postgresql ())
    g_free (verval_test_pg_exec (f->tc->database, age));
  else
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, age, NULL, NULL, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_changes (db), ==, 1);
      sqlite3_close (db);
    }
  later = session_request (f, "GET", token, NULL);
  assert_refused (later, 401, "session_expired");
  assert_cookie_cleared (later);
}

/* Signing out needs the CSRF token: without it, or with another, nothing
 * changes; with it the session is gone and the cookie cleared. */
static void
test_sign_out (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TestResponse) signed_in = sign_in (f, KORCAM, KORCAM_PASS);
  g_autoptr(TestResponse) other = sign_in (f, KORKAB, KORKAB_PASS);
  g_autoptr(TestResponse) no_csrf = NULL;
  g_autoptr(TestResponse) wrong_csrf = NULL;
  g_autoptr(TestResponse) still = NULL;
  g_autoptr(TestResponse) out = NULL;
  g_autoptr(TestResponse) gone = NULL;
  g_autoptr(TestResponse) other_still = NULL;
  g_autofree char *token = cookie_token (signed_in, FALSE);
  g_autofree char *other_token = cookie_token (other, FALSE);

  no_csrf = session_request (f, "DELETE", token, NULL);
  assert_refused (no_csrf, 403, "csrf_token_invalid");
  g_assert_null (header (no_csrf, "Set-Cookie"));
  /* another session's token is not this one's */
  wrong_csrf = session_request (f, "DELETE", token, answer_csrf (other));
  assert_refused (wrong_csrf, 403, "csrf_token_invalid");
  still = session_request (f, "GET", token, NULL);
  g_assert_cmpuint (still->status, ==, 200);

  out = session_request (f, "DELETE", token, answer_csrf (signed_in));
  g_assert_cmpuint (out->status, ==, 204);
  g_assert_cmpstr (header (out, "Cache-Control"), ==, "no-store");
  assert_cookie_cleared (out);
  gone = session_request (f, "GET", token, NULL);
  assert_refused (gone, 401, "invalid_session");
  /* only that one */
  other_still = session_request (f, "GET", other_token, NULL);
  g_assert_cmpuint (other_still->status, ==, 200);
}

/* An account disabled, or given a new password, is signed out. */
static void
test_account_changed (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TestResponse) korcam = sign_in (f, KORCAM, KORCAM_PASS);
  g_autoptr(TestResponse) korkab = sign_in (f, KORKAB, KORKAB_PASS);
  g_autoptr(TestResponse) disabled = NULL;
  g_autoptr(TestResponse) new_password = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autofree char *korcam_token = cookie_token (korcam, FALSE);
  g_autofree char *korkab_token = cookie_token (korkab, FALSE);
  g_autofree char *hash = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (collector_store_set_user_disabled (f->tc->store, f->korcam, TRUE, &error));
  g_assert_no_error (error);
  disabled = session_request (f, "GET", korcam_token, NULL);
  assert_refused (disabled, 401, "invalid_session");

  hash = collector_password_hash ("kata sandi baru sekali", &error);
  g_assert_true (collector_store_set_user_password (f->tc->store, f->korkab, hash, &error));
  g_assert_no_error (error);
  new_password = session_request (f, "GET", korkab_token, NULL);
  assert_refused (new_password, 401, "invalid_session");
  again = sign_in (f, KORKAB, "kata sandi baru sekali");
  g_assert_cmpuint (again->status, ==, 200);
}

/* The session's methods, and no others. */
static void
test_methods (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TestResponse) put = test_request (f->session, f->tc->uri, "PUT", SESSION_PATH, NULL, NULL, NULL, NULL);
  g_autoptr(TestResponse) unknown = test_request (f->session, f->tc->uri, "GET", "api/dashboard/v1/nothing", NULL,
                                                  NULL, NULL, NULL);
  g_autoptr(TestResponse) device_api = test_request (f->session, f->tc->uri, "GET", "api/v1/info", NULL, NULL,
                                                     NULL, NULL);

  assert_refused (put, 405, "method_not_allowed");
  g_assert_cmpstr (header (put, "Allow"), ==, "GET, POST, DELETE");
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpuint (device_api->status, ==, 200);
  g_assert_cmpstr (header (device_api, "Cache-Control"), ==, "no-store");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, setup) \
  g_test_add (path, Fixture, NULL, setup, func, fixture_teardown)
  ADD ("/collector/dashboard/sign-in", test_sign_in, fixture_setup);
  ADD ("/collector/dashboard/cookie-secure", test_cookie_secure, fixture_setup_proxy);
  ADD ("/collector/dashboard/wrong-password", test_wrong_password, fixture_setup);
  ADD ("/collector/dashboard/throttle-account", test_throttle_account, fixture_setup_proxy);
  ADD ("/collector/dashboard/throttle-address", test_throttle_address, fixture_setup_proxy);
  ADD ("/collector/dashboard/forged-cookie", test_forged_cookie, fixture_setup);
  ADD ("/collector/dashboard/expired", test_expired, fixture_setup);
  ADD ("/collector/dashboard/sign-out", test_sign_out, fixture_setup);
  ADD ("/collector/dashboard/account-changed", test_account_changed, fixture_setup);
  ADD ("/collector/dashboard/methods", test_methods, fixture_setup);
#undef ADD

  return g_test_run ();
}
