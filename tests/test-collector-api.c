/* test-collector-api.c: the sync API against a real server on loopback
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "collector-export.h"
#include "collector-import.h"
#include "collector-rules.h"
#include "collector-throttle.h"
#include "collector-token.h"
#include "test-collector-util.h"
#include "test-pg.h"
#include "verval-wire.h"

#define VILLAGE_A "5108062001"
#define VILLAGE_B "5108062002"

typedef struct {
  TestCollector *tc;
  SoupSession   *session;
  gint64         enumerator_a;
  gint64         enumerator_b;
  char          *token_a;
  char          *token_b;
} Fixture;

static void
fixture_setup_limits (Fixture               *f,
                      const CollectorLimits *limits)
{
  g_autoptr(GError) error = NULL;

  f->tc = test_collector_start (limits);
  f->session = soup_session_new ();
  test_collector_add_households (f->tc, VILLAGE_A, 5);
  test_collector_add_households (f->tc, VILLAGE_B, 3);
  f->enumerator_a = test_collector_add_enumerator (f->tc, "Siti");
  f->enumerator_b = test_collector_add_enumerator (f->tc, "Budi");
  g_assert_true (collector_store_assign (f->tc->store, f->enumerator_a, VILLAGE_A, NULL, NULL, &error));
  g_assert_true (collector_store_assign (f->tc->store, f->enumerator_b, VILLAGE_B, NULL, NULL, &error));
  g_assert_no_error (error);
  f->token_a = test_collector_enroll (f->tc, f->session, f->enumerator_a, "tablet-a");
  f->token_b = test_collector_enroll (f->tc, f->session, f->enumerator_b, "laptop-b");
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_limits (f, NULL);
}

static void
fixture_setup_small (Fixture       *f,
                     gconstpointer  data)
{
  CollectorLimits limits;

  collector_limits_init_default (&limits);
  limits.max_body = 64 * 1024;
  limits.max_media = 32 * 1024;
  limits.max_batch = 3;
  fixture_setup_limits (f, &limits);
}

/* Three wrong enrollment codes per address in two seconds. */
static void
fixture_setup_throttle (Fixture       *f,
                        gconstpointer  data)
{
  CollectorLimits limits;

  collector_limits_init_default (&limits);
  limits.enroll_failures = 3;
  limits.enroll_window = 2;
  fixture_setup_limits (f, &limits);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  test_collector_stop (f->tc);
  g_free (f->token_a);
  g_free (f->token_b);
}

/* post_json() to another server than the fixture's */
static TestResponse *
post_json_to (Fixture    *f,
              const char *uri,
              const char *path,
              const char *token,
              const char *json)
{
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  return test_request (f->session, uri, "POST", path, token, "application/json", NULL, body);
}

static TestResponse *
post_json (Fixture    *f,
           const char *path,
           const char *token,
           const char *json)
{
  return post_json_to (f, f->tc->uri, path, token, json);
}

static TestResponse *
post_batch (Fixture    *f,
            const char *token,
            GPtrArray  *visits,
            gboolean    gzip)
{
  g_autoptr(GBytes) plain = test_batch_bytes (visits);
  g_autoptr(GBytes) body = gzip ? test_gzip (plain) : g_bytes_ref (plain);

  return test_request (f->session, f->tc->uri, "POST", "api/v1/visits", token, "application/json",
                       gzip ? "gzip" : NULL, body);
}

static GPtrArray *
visits_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
}

static const char *
result_status (TestResponse *r,
               guint         index)
{
  return json_object_get_string_member (test_batch_result (r, index), "status");
}

static const char *
result_first_error (TestResponse *r,
                    guint         index)
{
  JsonObject *result = test_batch_result (r, index);
  JsonArray *errors;

  if (!json_object_has_member (result, "errors"))
    return NULL;
  errors = json_object_get_array_member (result, "errors");
  return json_object_get_string_member (json_array_get_object_element (errors, 0), "code");
}

/* ---------------------------------------------------------------- enrollment */

static void
test_enroll_single_use (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *normal = collector_enroll_code_normalize (code);
  g_autofree char *hash = collector_secret_hash (normal);
  g_autofree char *json = NULL;
  g_autofree char *lower = g_ascii_strdown (code, -1);
  g_autoptr(TestResponse) first = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autoptr(TestResponse) unknown = NULL;
  g_autoptr(TestResponse) pull = NULL;
  const char *token;

  /* codes are typeable: ten letters of the unambiguous alphabet, one dash */
  g_assert_cmpuint (strlen (code), ==, 11);
  g_assert_nonnull (normal);
  g_assert_true (collector_store_add_enroll_code (f->tc->store, f->enumerator_a, hash,
                                                  g_get_real_time () / G_USEC_PER_SEC + 600, &error));

  /* typed in lower case: still accepted */
  json = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"tablet-2\"}", lower);
  first = post_json (f, "api/v1/enroll", NULL, json);
  g_assert_cmpuint (first->status, ==, 201);
  token = json_object_get_string_member (json_node_get_object (first->json), "token");
  g_assert_true (g_str_has_prefix (token, "vvt_"));
  g_assert_cmpuint (strlen (token), >=, 4 + 43);   /* 256 bits in base64 */

  again = post_json (f, "api/v1/enroll", NULL, json);
  g_assert_cmpuint (again->status, ==, 403);
  g_assert_cmpstr (test_response_error_code (again), ==, "enrollment_code_used");

  unknown = post_json (f, "api/v1/enroll", NULL, "{\"code\":\"XXXXX-XXXXX\",\"device_name\":\"x\"}");
  g_assert_cmpuint (unknown->status, ==, 403);
  g_assert_cmpstr (test_response_error_code (unknown), ==, "invalid_enrollment_code");

  /* the new token works */
  pull = test_request (f->session, f->tc->uri, "GET", "api/v1/assignments", token, NULL, NULL, NULL);
  g_assert_cmpuint (pull->status, ==, 200);
}

static void
test_enroll_expired (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *normal = collector_enroll_code_normalize (code);
  g_autofree char *hash = collector_secret_hash (normal);
  g_autofree char *json = NULL;
  g_autoptr(TestResponse) r = NULL;

  g_assert_true (collector_store_add_enroll_code (f->tc->store, f->enumerator_a, hash,
                                                  g_get_real_time () / G_USEC_PER_SEC - 1, &error));
  json = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"late\"}", code);
  r = post_json (f, "api/v1/enroll", NULL, json);
  g_assert_cmpuint (r->status, ==, 403);
  g_assert_cmpstr (test_response_error_code (r), ==, "enrollment_code_expired");
}

/* Guessing codes: after three wrong ones the address waits, even with the
 * right code, which stays unused and works once the window has passed. */
static void
test_enroll_throttled (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = collector_enroll_code_new (&error);
  g_autofree char *normal = collector_enroll_code_normalize (code);
  g_autofree char *hash = collector_secret_hash (normal);
  g_autofree char *json = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"patient\"}", code);
  g_autoptr(TestResponse) blocked = NULL;
  g_autoptr(TestResponse) right = NULL;
  g_autoptr(TestResponse) pulled = NULL;
  g_autoptr(TestResponse) later = NULL;
  const char *retry_after;
  guint64 seconds;

  g_assert_true (collector_store_add_enroll_code (f->tc->store, f->enumerator_a, hash,
                                                  g_get_real_time () / G_USEC_PER_SEC + 600, &error));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TestResponse) wrong = post_json (f, "api/v1/enroll", NULL,
                                                 "{\"code\":\"XXXXX-XXXXX\",\"device_name\":\"x\"}");

      g_assert_cmpuint (wrong->status, ==, 403);
      g_assert_cmpstr (test_response_error_code (wrong), ==, "invalid_enrollment_code");
    }

  blocked = post_json (f, "api/v1/enroll", NULL, "{\"code\":\"XXXXX-XXXXX\",\"device_name\":\"x\"}");
  g_assert_cmpuint (blocked->status, ==, 429);
  g_assert_cmpstr (test_response_error_code (blocked), ==, "too_many_attempts");
  retry_after = soup_message_headers_get_one (blocked->headers, "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, 2, &seconds, NULL));

  right = post_json (f, "api/v1/enroll", NULL, json);
  g_assert_cmpuint (right->status, ==, 429);

  /* enrolled devices are not held up */
  pulled = test_request (f->session, f->tc->uri, "GET", "api/v1/assignments", f->token_a, NULL, NULL, NULL);
  g_assert_cmpuint (pulled->status, ==, 200);

  g_usleep ((seconds + 1) * G_USEC_PER_SEC);
  later = post_json (f, "api/v1/enroll", NULL, json);
  g_assert_cmpuint (later->status, ==, 201);
}

/* What counts as one address. */
static void
test_throttle_key (void)
{
  g_autoptr(GInetAddress) v6 = g_inet_address_new_from_string ("2001:db8:1:2:aaaa::1");
  g_autoptr(GInetAddress) v6_same_net = g_inet_address_new_from_string ("2001:db8:1:2:bbbb::9");
  g_autoptr(GInetAddress) v4_mapped = g_inet_address_new_from_string ("::ffff:10.1.2.3");
  g_autofree char *key = collector_throttle_key (v6);
  g_autofree char *key_same = collector_throttle_key (v6_same_net);
  g_autofree char *key_mapped = collector_throttle_key (v4_mapped);

  /* one subscriber's /64 is one address; a mapped IPv4 is the IPv4 one */
  g_assert_cmpstr (key, ==, "2001:db8:1:2::/64");
  g_assert_cmpstr (key_same, ==, key);
  g_assert_cmpstr (key_mapped, ==, "10.1.2.3");
}

/* Two collectors on one store count one address's wrong codes together:
 * guessing at one and then at the other gains nothing. */
static void
test_enroll_throttled_shared (Fixture       *f,
                              gconstpointer  data)
{
  TestCollector *other = test_collector_start_beside (f->tc);
  g_autoptr(TestResponse) blocked = NULL;
  g_autoptr(GArray) recent = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TestResponse) wrong = post_json_to (f, i % 2 == 0 ? f->tc->uri : other->uri, "api/v1/enroll", NULL,
                                                    "{\"code\":\"XXXXX-XXXXX\",\"device_name\":\"x\"}");

      g_assert_cmpuint (wrong->status, ==, 403);
    }
  recent = collector_store_recent_failures (f->tc->store, COLLECTOR_FAILURE_ENROLL, "127.0.0.1", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 3);
  blocked = post_json_to (f, other->uri, "api/v1/enroll", NULL, "{\"code\":\"XXXXX-XXXXX\",\"device_name\":\"x\"}");
  g_assert_cmpuint (blocked->status, ==, 429);
  g_assert_nonnull (soup_message_headers_get_one (blocked->headers, "Retry-After"));
  test_collector_stop (other);
}

/* ---------------------------------------------------------------- assignments */

static TestResponse *
pull (Fixture    *f,
      const char *what,
      const char *token,
      const char *cursor,
      guint       limit)
{
  g_autofree char *path = g_strdup_printf ("api/v1/%s?cursor=%s&limit=%u", what, cursor, limit);

  return test_request (f->session, f->tc->uri, "GET", path, token, NULL, NULL, NULL);
}

static void
test_assignments_cursor (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestResponse) page1 = pull (f, "assignments", f->token_a, "0", 3);
  g_autoptr(TestResponse) page2 = NULL;
  g_autoptr(TestResponse) page3 = NULL;
  g_autoptr(TestResponse) after_move = NULL;
  g_autoptr(TestResponse) b_pull = NULL;
  g_autoptr(TestResponse) after_change = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  const char *moved[] = { "HH-" VILLAGE_A "-0", NULL };
  g_autofree char *cursor1 = NULL;
  g_autofree char *cursor2 = NULL;
  g_autofree char *cursor3 = NULL;
  JsonObject *obj;
  CollectorHousehold *h;
  gboolean found = FALSE;
  guint n_updated = 0;

  g_assert_cmpuint (page1->status, ==, 200);
  obj = json_node_get_object (page1->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "households")), ==, 3);
  g_assert_true (json_object_get_boolean_member (obj, "more"));
  cursor1 = g_strdup (json_object_get_string_member (obj, "next_cursor"));
  /* the household carries what the device needs to find the family */
  {
    JsonObject *h0 = json_array_get_object_element (json_object_get_array_member (obj, "households"), 0);

    g_assert_cmpstr (json_object_get_string_member (h0, "village_code"), ==, VILLAGE_A);
    g_assert_cmpuint (strlen (json_object_get_string_member (h0, "nik")), ==, 16);
    g_assert_true (json_object_has_member (json_object_get_object_member (h0, "data"), "desil"));
  }

  page2 = pull (f, "assignments", f->token_a, cursor1, 3);
  obj = json_node_get_object (page2->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "households")), ==, 2);
  g_assert_false (json_object_get_boolean_member (obj, "more"));
  cursor2 = g_strdup (json_object_get_string_member (obj, "next_cursor"));

  /* caught up: nothing new */
  page3 = pull (f, "assignments", f->token_a, cursor2, 3);
  obj = json_node_get_object (page3->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "households")), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "withdrawn")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (obj, "next_cursor"), ==, cursor2);

  /* reassignment moves the household: withdrawn for A, new for B */
  g_assert_true (collector_store_assign (f->tc->store, f->enumerator_b, NULL, moved, NULL, &error));
  g_assert_no_error (error);
  after_move = pull (f, "assignments", f->token_a, cursor2, 100);
  obj = json_node_get_object (after_move->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "households")), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "withdrawn")), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (obj, "withdrawn"), 0),
                   ==, moved[0]);
  cursor3 = g_strdup (json_object_get_string_member (obj, "next_cursor"));

  b_pull = pull (f, "assignments", f->token_b, "0", 100);
  obj = json_node_get_object (b_pull->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "households")), ==, 4);
  for (guint i = 0; i < 4; i++)
    found |= g_str_equal (json_object_get_string_member (
                            json_array_get_object_element (json_object_get_array_member (obj, "households"), i), "id"),
                          moved[0]);
  g_assert_true (found);

  /* a corrected listing goes down again to whoever holds the household */
  h = g_new0 (CollectorHousehold, 1);
  h->id = g_strdup ("HH-" VILLAGE_A "-1");
  h->source = g_strdup ("p3ke");
  h->village_code = g_strdup (VILLAGE_A);
  h->head_name = g_strdup ("Kepala 1 (diperbaiki)");
  h->nik = g_strdup ("3602041211800001");
  h->kk = g_strdup ("3602042001100001");
  h->address = g_strdup ("Jl. Melati No. 2");
  h->data_json = g_strdup ("{}");
  g_ptr_array_add (changed, h);
  g_assert_true (collector_store_upsert_households (f->tc->store, changed, NULL, &n_updated, &error));
  g_assert_cmpuint (n_updated, ==, 1);
  after_change = pull (f, "assignments", f->token_a, cursor3, 100);
  obj = json_node_get_object (after_change->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "households")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (obj, "households"), 0),
                     "head_name"), ==, "Kepala 1 (diperbaiki)");

  /* a cursor that is not a number */
  {
    g_autoptr(TestResponse) bad = pull (f, "assignments", f->token_a, "abc", 10);

    g_assert_cmpuint (bad->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (bad), ==, "invalid_cursor");
  }
}

static void
test_reviews_cursor (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = visits_new ();
  g_autoptr(TestResponse) stored = NULL;
  g_autoptr(TestResponse) empty = pull (f, "reviews", f->token_a, "0", 10);
  g_autoptr(TestResponse) one = NULL;
  g_autoptr(TestResponse) other = NULL;
  g_autoptr(TestResponse) none_after = NULL;
  const char *uuid = "0b0c3a5e-8f53-4f7e-9a55-2d9d2c1b0a01";
  JsonObject *obj, *review;

  g_assert_cmpuint (empty->status, ==, 200);
  obj = json_node_get_object (empty->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "reviews")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (obj, "next_cursor"), ==, "0");

  g_ptr_array_add (visits, test_visit_new (uuid, 1, "HH-" VILLAGE_A "-2", NULL));
  stored = post_batch (f, f->token_a, visits, FALSE);
  g_assert_cmpstr (result_status (stored, 0), ==, "stored");
  g_assert_true (collector_store_add_review (f->tc->store, uuid, "rejected",
                                             "Foto rumah buram, ulangi.", "korcam", &error));
  g_assert_no_error (error);

  one = pull (f, "reviews", f->token_a, "0", 10);
  obj = json_node_get_object (one->json);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "reviews")), ==, 1);
  review = json_array_get_object_element (json_object_get_array_member (obj, "reviews"), 0);
  g_assert_cmpstr (json_object_get_string_member (review, "visit_uuid"), ==, uuid);
  g_assert_cmpstr (json_object_get_string_member (review, "decision"), ==, "rejected");
  g_assert_cmpstr (json_object_get_string_member (review, "comment"), ==, "Foto rumah buram, ulangi.");

  none_after = pull (f, "reviews", f->token_a, json_object_get_string_member (obj, "next_cursor"), 10);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (none_after->json),
                                                                         "reviews")), ==, 0);
  /* another enumerator never sees it */
  other = pull (f, "reviews", f->token_b, "0", 10);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (other->json),
                                                                         "reviews")), ==, 0);
}

/* ---------------------------------------------------------------- media */

static void
test_media (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (300 * 1024, 1);
  g_autoptr(GBytes) other = test_photo_bytes (1000, 2);
  g_autofree char *sha = test_sha256_hex (photo);
  g_autofree char *path = g_strconcat ("api/v1/media/", sha, NULL);
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  {
    g_autoptr(TestResponse) head = test_request (f->session, f->tc->uri, "HEAD", path, f->token_a, NULL, NULL, NULL);

    g_assert_cmpuint (head->status, ==, 404);
  }
  {
    /* bytes that do not hash to the name are refused and leave nothing */
    g_autoptr(TestResponse) wrong = test_request (f->session, f->tc->uri, "PUT", path, f->token_a,
                                                  "image/jpeg", NULL, other);
    g_autoptr(TestResponse) head = test_request (f->session, f->tc->uri, "HEAD", path, f->token_a, NULL, NULL, NULL);

    g_assert_cmpuint (wrong->status, ==, 422);
    g_assert_cmpstr (test_response_error_code (wrong), ==, "hash_mismatch");
    g_assert_cmpuint (head->status, ==, 404);
  }
  {
    g_autoptr(TestResponse) put = test_request (f->session, f->tc->uri, "PUT", path, f->token_a,
                                                "image/jpeg", NULL, photo);

    g_assert_cmpuint (put->status, ==, 201);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (put->json), "status"), ==, "stored");
  }
  {
    g_autoptr(TestResponse) again = test_request (f->session, f->tc->uri, "PUT", path, f->token_b,
                                                  "image/jpeg", NULL, photo);
    g_autoptr(TestResponse) head = test_request (f->session, f->tc->uri, "HEAD", path, f->token_a, NULL, NULL, NULL);

    g_assert_cmpuint (again->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again->json), "status"), ==, "existed");
    g_assert_cmpuint (head->status, ==, 200);
    g_assert_cmpint (soup_message_headers_get_content_length (head->headers), ==, 300 * 1024);
  }

  /* stored once, under its hash, byte for byte */
  file = collector_media_get_path (f->tc->media, sha);
  g_assert_true (g_file_get_contents (file, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo));
  {
    g_autofree char *tmp = g_build_filename (f->tc->data_dir, "media", "tmp", NULL);
    g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);

    /* no temporary files left behind by the refused or duplicate uploads */
    g_assert_null (g_dir_read_name (dir));
  }

  /* names are only hashes */
  {
    g_autoptr(TestResponse) bad = test_request (f->session, f->tc->uri, "HEAD",
                                                "api/v1/media/..%2F..%2Fcollector.db", f->token_a,
                                                NULL, NULL, NULL);
    g_autoptr(TestResponse) upper = NULL;

    g_assert_cmpuint (bad->status, ==, 400);
    upper = test_request (f->session, f->tc->uri, "PUT", "api/v1/media/ABC", f->token_a,
                          "image/jpeg", NULL, other);
    g_assert_cmpuint (upper->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (upper), ==, "invalid_media_name");
  }
}

/* ---------------------------------------------------------------- batches */

static void
test_batch_outcomes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) photo = test_photo_bytes (4096, 3);
  g_autofree char *sha = test_sha256_hex (photo);
  const char *media[] = { sha, NULL };
  const char *u1 = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e01";
  const char *u2 = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e02";
  const char *u3 = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e03";
  const char *u4 = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e04";
  g_autoptr(GPtrArray) batch = visits_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  JsonNode *bad;
  JsonObject *result;

  g_ptr_array_add (batch, test_visit_new (u1, 1, "HH-" VILLAGE_A "-0", NULL));
  /* invalid: result code out of range and a broken location */
  bad = test_visit_new (u2, 1, "HH-" VILLAGE_A "-1", NULL);
  json_object_set_int_member (json_node_get_object (bad), "result_code", 42);
  json_object_set_double_member (json_object_get_object_member (json_node_get_object (bad), "location"),
                                 "lat", 123.0);
  g_ptr_array_add (batch, bad);
  g_ptr_array_add (batch, test_visit_new (u3, 1, "HH-" VILLAGE_A "-2", media));
  bad = test_visit_new (u4, 1, "HH-" VILLAGE_A "-3", NULL);
  json_object_set_int_member (json_object_get_object_member (json_node_get_object (bad), "form"), "version", 99);
  g_ptr_array_add (batch, bad);
  bad = test_visit_new ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e05", 1, "HH-" VILLAGE_A "-4", media);
  json_object_set_int_member (json_object_get_object_member (json_node_get_object (bad), "answers"), "members", 99);
  g_ptr_array_add (batch, bad);
  bad = test_visit_new ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e06", 1, "HH-" VILLAGE_A "-4", NULL);
  json_object_set_string_member (json_object_get_object_member (json_node_get_object (bad), "form"), "id", "sensus-2030");
  g_ptr_array_add (batch, bad);

  {
    g_autoptr(TestResponse) r = post_batch (f, f->token_a, batch, TRUE);
    JsonArray *missing;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (result_status (r, 0), ==, "stored");
    g_assert_cmpstr (result_status (r, 1), ==, "rejected");
    result = test_batch_result (r, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "errors")), ==, 2);
    g_assert_cmpstr (result_first_error (r, 1), ==, "invalid_result_code");
    g_assert_cmpstr (result_status (r, 2), ==, "missing_media");
    missing = json_object_get_array_member (test_batch_result (r, 2), "missing_media");
    g_assert_cmpuint (json_array_get_length (missing), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (missing, 0), ==, sha);
    g_assert_cmpstr (result_status (r, 3), ==, "rejected");
    g_assert_cmpstr (result_first_error (r, 3), ==, "unknown_form_version");
    /* answers the form refuses: rejected with the field named, the rest stored */
    g_assert_cmpstr (result_status (r, 4), ==, "rejected");
    g_assert_cmpstr (result_first_error (r, 4), ==, "invalid_answer");
    g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_object_get_array_member (test_batch_result (r, 4), "errors"), 0),
                       "field"), ==, "answers.members");
    g_assert_cmpstr (result_status (r, 5), ==, "rejected");
    g_assert_cmpstr (result_first_error (r, 5), ==, "unknown_form");
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (r->json),
                                                                                "summary"), "stored"), ==, 1);
  }

  /* the exact replay of a lost answer: nothing stored twice */
  {
    g_autoptr(TestResponse) r = post_batch (f, f->token_a, batch, FALSE);

    g_assert_cmpstr (result_status (r, 0), ==, "duplicate");
    g_assert_cmpint (json_object_get_int_member (test_batch_result (r, 0), "stored_revision"), ==, 1);
  }

  /* the photo arrives, then the visit goes through */
  {
    g_autofree char *path = g_strconcat ("api/v1/media/", sha, NULL);
    g_autoptr(TestResponse) put = test_request (f->session, f->tc->uri, "PUT", path, f->token_a,
                                                "image/jpeg", NULL, photo);
    g_autoptr(GPtrArray) again = visits_new ();
    g_autoptr(TestResponse) r = NULL;

    g_assert_cmpuint (put->status, ==, 201);
    g_ptr_array_add (again, json_node_copy (g_ptr_array_index (batch, 2)));
    r = post_batch (f, f->token_a, again, FALSE);
    g_assert_cmpstr (result_status (r, 0), ==, "stored");
  }

  /* a higher revision replaces, a lower one is refused */
  {
    g_autoptr(GPtrArray) rev = visits_new ();
    g_autoptr(TestResponse) r2 = NULL;
    g_autoptr(TestResponse) r1 = NULL;
    JsonNode *v2 = test_visit_new (u1, 2, "HH-" VILLAGE_A "-0", NULL);

    json_object_set_string_member (json_object_get_object_member (json_node_get_object (v2), "answers"),
                                   "note", "Kunjungan ulang: keluarga sudah pindah ke desa sebelah.");
    g_ptr_array_add (rev, v2);
    r2 = post_batch (f, f->token_a, rev, FALSE);
    g_assert_cmpstr (result_status (r2, 0), ==, "replaced");
    g_assert_cmpint (json_object_get_int_member (test_batch_result (r2, 0), "stored_revision"), ==, 2);

    g_ptr_array_set_size (rev, 0);
    g_ptr_array_add (rev, test_visit_new (u1, 1, "HH-" VILLAGE_A "-0", NULL));
    r1 = post_batch (f, f->token_a, rev, FALSE);
    g_assert_cmpstr (result_status (r1, 0), ==, "rejected");
    g_assert_cmpstr (result_first_error (r1, 0), ==, "stale_revision");
    g_assert_cmpint (json_object_get_int_member (test_batch_result (r1, 0), "stored_revision"), ==, 2);
  }

  stored = collector_store_list_visits (f->tc->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 2);
  for (guint i = 0; i < stored->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (stored, i);

      if (g_str_equal (v->uuid, u1))
        {
          g_assert_cmpint (v->revision, ==, 2);
          g_assert_nonnull (strstr (v->answers_json, "pindah ke desa sebelah"));
        }
      else
        {
          g_assert_cmpstr (v->uuid, ==, u3);
          g_assert_cmpuint (v->media->len, ==, 1);
          g_assert_true (v->has_location);
          g_assert_cmpfloat_with_epsilon (v->lat, -8.1123, 1e-9);
        }
    }
}

/* ---------------------------------------------------------------- instants */

/* A visit of test_visit_new() with other times, encoded again by the
 * app's own codec. */
static JsonNode *
visit_at (const char *uuid,
          const char *household_id,
          const char *started_at,
          const char *finished_at)
{
  g_autoptr(JsonNode) node = test_visit_new (uuid, 1, household_id, NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_wire_problem_free);
  g_autofree char *read_uuid = NULL;
  gint64 read_revision = 0;
  g_autoptr(VervalWireVisit) visit = verval_wire_visit_from_json (node, problems, &read_uuid, &read_revision);

  g_assert_nonnull (visit);
  g_date_time_unref (visit->started_at);
  g_date_time_unref (visit->finished_at);
  visit->started_at = g_date_time_new_from_iso8601 (started_at, NULL);
  visit->finished_at = g_date_time_new_from_iso8601 (finished_at, NULL);
  g_assert_nonnull (visit->started_at);
  g_assert_nonnull (visit->finished_at);
  return verval_wire_visit_to_json (visit);
}

static gint64
usec_of (const char *iso)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (t);
  return g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t);
}

/* The uuids of a store query, in its order, as "A B C". */
static char *
finished_between (Fixture        *f,
                  CollectorClock  clock,
                  gint64          from,
                  gint64          until)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = collector_store_list_visits_finished (f->tc->store, clock, from, until, &error);
  g_autoptr(GString) names = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < visits->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (visits, i);

      /* the uuids below end in the visit's letter */
      g_string_append_printf (names, "%s%c", i > 0 ? " " : "", g_ascii_toupper (v->uuid[strlen (v->uuid) - 1]));
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* Visits from WIB, WITA, WIT and UTC devices: each comes back, in the
 * store and in both exports, in its own offset and at its own instant, and
 * a day is asked on either clock. */
static void
test_visit_instants (Fixture       *f,
                     gconstpointer  data)
{
  static const struct {
    const char *uuid, *token_of, *household, *started, *finished, *exported;
  } visits[] = {
    /* WITA and WIT, finishing at the same instant */
    { "0b7e2c10-5a1d-4f7e-9c3b-00000000000a", "a", "HH-" VILLAGE_A "-0",
      "2026-11-20T10:12:30+08:00", "2026-11-20T10:27:30+08:00", "2026-11-20T10:27:30+08" },
    { "0b7e2c10-5a1d-4f7e-9c3b-00000000000b", "b", "HH-" VILLAGE_B "-0",
      "2026-11-20T11:12:30+09:00", "2026-11-20T11:27:30+09:00", "2026-11-20T11:27:30+09" },
    /* late on the 20th in WIB: the 20th in UTC too */
    { "0b7e2c10-5a1d-4f7e-9c3b-00000000000c", "a", "HH-" VILLAGE_A "-1",
      "2026-11-20T23:15:00+07:00", "2026-11-20T23:30:00+07:00", "2026-11-20T23:30:00+07" },
    /* the 21st in WIT, the 20th in UTC, with a fraction of a second */
    { "0b7e2c10-5a1d-4f7e-9c3b-00000000000d", "b", "HH-" VILLAGE_B "-1",
      "2026-11-21T01:15:00+09:00", "2026-11-21T01:30:00.25+09:00", "2026-11-21T01:30:00.250000+09" },
    /* a device on UTC */
    { "0b7e2c10-5a1d-4f7e-9c3b-00000000000e", "a", "HH-" VILLAGE_A "-2",
      "2026-11-19T23:45:00Z", "2026-11-19T23:59:59.5Z", "2026-11-19T23:59:59.500000Z" },
    /* just after midnight in WITA: the 19th in UTC */
    { "0b7e2c10-5a1d-4f7e-9c3b-00000000000f", "a", "HH-" VILLAGE_A "-3",
      "2026-11-20T00:15:00+08:00", "2026-11-20T00:30:00+08:00", "2026-11-20T00:30:00+08" },
  };
  g_autoptr(GPtrArray) batch_a = visits_new ();
  g_autoptr(GPtrArray) batch_b = visits_new ();
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GString) csv = NULL;
  g_autoptr(GString) geojson = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *features;
  gint64 day_20 = usec_of ("2026-11-20T00:00:00Z");
  gint64 day_21 = usec_of ("2026-11-21T00:00:00Z");
  g_autofree char *local_20 = NULL, *utc_20 = NULL, *before_20 = NULL, *local_21 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (visits); i++)
    g_ptr_array_add (g_str_equal (visits[i].token_of, "a") ? batch_a : batch_b,
                     visit_at (visits[i].uuid, visits[i].household, visits[i].started, visits[i].finished));
  {
    g_autoptr(TestResponse) ra = post_batch (f, f->token_a, batch_a, FALSE);
    g_autoptr(TestResponse) rb = post_batch (f, f->token_b, batch_b, TRUE);

    for (guint i = 0; i < batch_a->len; i++)
      g_assert_cmpstr (result_status (ra, i), ==, "stored");
    for (guint i = 0; i < batch_b->len; i++)
      g_assert_cmpstr (result_status (rb, i), ==, "stored");
  }

  /* kept as UTC with the offset beside it (the SQLite file, read directly) */
  if (!test_store_is_postgresql ())
    {
      g_autofree char *db_path = g_build_filename (f->tc->data_dir, "collector.db", NULL);
      sqlite3 *db = NULL;
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT started_utc_us, started_offset_min, finished_utc_us,"
                                               " finished_offset_min FROM visits WHERE uuid = ?",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      for (guint i = 0; i < G_N_ELEMENTS (visits); i++)
        {
          g_autoptr(GDateTime) finished = g_date_time_new_from_iso8601 (visits[i].finished, NULL);

          sqlite3_bind_text (stmt, 1, visits[i].uuid, -1, SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
          g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, usec_of (visits[i].started));
          g_assert_cmpint (sqlite3_column_int64 (stmt, 2), ==, usec_of (visits[i].finished));
          g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, sqlite3_column_int (stmt, 3));
          g_assert_cmpint ((gint64) sqlite3_column_int (stmt, 3) * 60 * G_USEC_PER_SEC, ==,
                           g_date_time_get_utc_offset (finished));
          sqlite3_reset (stmt);
        }
      g_assert_cmpint (usec_of (visits[0].finished), ==, usec_of (visits[1].finished));
      sqlite3_finalize (stmt);
      sqlite3_close (db);
    }

  stored = collector_store_list_visits (f->tc->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, G_N_ELEMENTS (visits));
  for (guint i = 0; i < stored->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (stored, i);
      g_autoptr(GDateTime) started = NULL;
      g_autoptr(GDateTime) finished = NULL;
      g_autofree char *finished_text = NULL;
      guint k;

      for (k = 0; k < G_N_ELEMENTS (visits) && !g_str_equal (visits[k].uuid, v->uuid); k++)
        ;
      g_assert_cmpuint (k, <, G_N_ELEMENTS (visits));
      started = g_date_time_new_from_iso8601 (visits[k].started, NULL);
      finished = g_date_time_new_from_iso8601 (visits[k].finished, NULL);
      g_assert_true (g_date_time_equal (v->started_at, started));
      g_assert_true (g_date_time_equal (v->finished_at, finished));
      g_assert_cmpint (g_date_time_get_utc_offset (v->started_at), ==, g_date_time_get_utc_offset (started));
      g_assert_cmpint (g_date_time_get_utc_offset (v->finished_at), ==, g_date_time_get_utc_offset (finished));
      finished_text = g_date_time_format_iso8601 (v->finished_at);
      g_assert_cmpstr (finished_text, ==, visits[k].exported);
    }

  /* CSV: the text as the device's codec wrote it, offset and fraction */
  csv = collector_export_csv (stored);
  lines = g_strsplit (csv->str, "\r\n", -1);
  for (guint i = 0; i < G_N_ELEMENTS (visits); i++)
    {
      g_autoptr(GDateTime) started = g_date_time_new_from_iso8601 (visits[i].started, NULL);
      g_autofree char *started_text = g_date_time_format_iso8601 (started);
      g_auto(GStrv) fields = NULL;
      guint n = 0;

      for (guint l = 1; lines[l] != NULL; l++)
        if (g_str_has_prefix (lines[l], visits[i].uuid))
          {
            g_clear_pointer (&fields, g_strfreev);
            fields = g_strsplit (lines[l], ",", 13);
            n++;
          }
      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpstr (fields[10], ==, started_text);
      g_assert_cmpstr (fields[11], ==, visits[i].exported);
    }

  /* GeoJSON: the same texts; the WITA and the WIT finish read as one instant */
  geojson = collector_export_geojson (stored);
  root = json_from_string (geojson->str, &error);
  g_assert_no_error (error);
  features = json_object_get_array_member (json_node_get_object (root), "features");
  {
    g_autoptr(GDateTime) wita = NULL;
    g_autoptr(GDateTime) wit = NULL;
    guint n = 0;

    for (guint i = 0; i < json_array_get_length (features); i++)
      {
        JsonObject *feature = json_array_get_object_element (features, i);
        JsonObject *props = json_object_get_object_member (feature, "properties");
        const char *id = json_object_get_string_member (feature, "id");
        const char *finished = json_object_get_string_member (props, "finished_at");

        for (guint k = 0; k < G_N_ELEMENTS (visits); k++)
          if (g_str_equal (id, visits[k].uuid))
            {
              g_assert_cmpstr (finished, ==, visits[k].exported);
              n++;
            }
        if (g_str_equal (id, visits[0].uuid))
          wita = g_date_time_new_from_iso8601 (finished, NULL);
        else if (g_str_equal (id, visits[1].uuid))
          wit = g_date_time_new_from_iso8601 (finished, NULL);
      }
    g_assert_cmpuint (n, ==, G_N_ELEMENTS (visits));
    g_assert_nonnull (wita);
    g_assert_nonnull (wit);
    g_assert_cmpint (g_date_time_get_utc_offset (wita), ==, 8 * G_TIME_SPAN_HOUR);
    g_assert_cmpint (g_date_time_get_utc_offset (wit), ==, 9 * G_TIME_SPAN_HOUR);
    g_assert_true (g_date_time_equal (wita, wit));
  }

  /* The 20th on each device's own calendar, across WIB, WITA and WIT; in
   * UTC; and a deadline */
  local_20 = finished_between (f, COLLECTOR_CLOCK_DEVICE, day_20, day_21);
  g_assert_cmpstr (local_20, ==, "F A B C");
  local_21 = finished_between (f, COLLECTOR_CLOCK_DEVICE, day_21, day_21 + G_TIME_SPAN_DAY);
  g_assert_cmpstr (local_21, ==, "D");
  utc_20 = finished_between (f, COLLECTOR_CLOCK_UTC, day_20, day_21);
  g_assert_cmpstr (utc_20, ==, "A B C D");
  before_20 = finished_between (f, COLLECTOR_CLOCK_UTC, G_MININT64, day_20);
  g_assert_cmpstr (before_20, ==, "F E");
  /* the bounds are exact to the microsecond */
  {
    g_autofree char *at_d = finished_between (f, COLLECTOR_CLOCK_UTC, usec_of (visits[3].finished),
                                              usec_of (visits[3].finished) + 1);
    g_autofree char *before_d = finished_between (f, COLLECTOR_CLOCK_UTC, usec_of (visits[2].finished),
                                                  usec_of (visits[3].finished));

    g_assert_cmpstr (at_d, ==, "D");
    g_assert_cmpstr (before_d, ==, "C");
  }

  /* the queries go by the finish's indexes, not through every visit */
  if (!test_store_is_postgresql ())
    {
      g_autofree char *db_path = g_build_filename (f->tc->data_dir, "collector.db", NULL);
      const char *plans[][2] = {
        { "EXPLAIN QUERY PLAN SELECT uuid FROM visits WHERE finished_local_us >= 0 AND finished_local_us < 1",
          "visits_finished_local" },
        { "EXPLAIN QUERY PLAN SELECT uuid FROM visits WHERE finished_utc_us >= 0 AND finished_utc_us < 1",
          "visits_finished" },
      };
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
      for (guint i = 0; i < G_N_ELEMENTS (plans); i++)
        {
          sqlite3_stmt *stmt = NULL;
          g_autofree char *index = g_strdup_printf ("USING INDEX %s ", plans[i][1]);
          gboolean used = FALSE;

          g_assert_cmpint (sqlite3_prepare_v2 (db, plans[i][0], -1, &stmt, NULL), ==, SQLITE_OK);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            used |= strstr ((const char *) sqlite3_column_text (stmt, 3), index) != NULL;
          sqlite3_finalize (stmt);
          g_assert_true (used);
        }
      sqlite3_close (db);
    }
}

/* ---------------------------------------------------------------- auth */

/* What the store keeps of a visit's accuracy: NAN when unknown. */
static double
stored_accuracy (Fixture    *f,
                 const char *uuid,
                 gboolean   *is_null)
{
  g_autoptr(GPtrArray) visits = NULL;
  g_autoptr(GError) error = NULL;

  visits = collector_store_list_visits (f->tc->store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < visits->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (visits, i);

      if (g_str_equal (v->uuid, uuid))
        {
          *is_null = isnan (v->accuracy);
          return v->accuracy;
        }
    }
  g_assert_not_reached ();
}

static JsonObject *
location_of (JsonNode *visit)
{
  return json_object_get_object_member (json_node_get_object (visit), "location");
}

/* A fix without an accuracy is a fix: stored, its accuracy unknown (not 0).
 * A negative or non-numeric one is still refused. */
static void
test_location_accuracy (Fixture       *f,
                        gconstpointer  data)
{
  const char *absent = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e11";
  const char *null = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e12";
  const char *negative = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e13";
  const char *text = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e14";
  const char *given = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e15";
  g_autoptr(GPtrArray) batch = visits_new ();
  g_autoptr(TestResponse) r = NULL;
  JsonObject *loc;
  JsonNode *visit;
  gboolean is_null = FALSE;

  visit = test_visit_new (absent, 1, "HH-" VILLAGE_A "-0", NULL);
  loc = location_of (visit);
  json_object_remove_member (loc, "accuracy");
  g_ptr_array_add (batch, visit);
  visit = test_visit_new (null, 1, "HH-" VILLAGE_A "-1", NULL);
  loc = location_of (visit);
  json_object_set_null_member (loc, "accuracy");
  g_ptr_array_add (batch, visit);
  visit = test_visit_new (negative, 1, "HH-" VILLAGE_A "-2", NULL);
  loc = location_of (visit);
  json_object_set_double_member (loc, "accuracy", -3.0);
  g_ptr_array_add (batch, visit);
  visit = test_visit_new (text, 1, "HH-" VILLAGE_A "-3", NULL);
  loc = location_of (visit);
  json_object_set_string_member (loc, "accuracy", "12 m");
  g_ptr_array_add (batch, visit);
  g_ptr_array_add (batch, test_visit_new (given, 1, "HH-" VILLAGE_A "-4", NULL));

  r = post_batch (f, f->token_a, batch, FALSE);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (result_status (r, 0), ==, "stored");
  g_assert_cmpstr (result_status (r, 1), ==, "stored");
  g_assert_cmpstr (result_status (r, 2), ==, "rejected");
  g_assert_cmpstr (result_first_error (r, 2), ==, "invalid_location");
  g_assert_cmpstr (result_status (r, 3), ==, "rejected");
  g_assert_cmpstr (result_first_error (r, 3), ==, "invalid_location");
  g_assert_cmpstr (result_status (r, 4), ==, "stored");

  stored_accuracy (f, absent, &is_null);
  g_assert_true (is_null);
  stored_accuracy (f, null, &is_null);
  g_assert_true (is_null);
  g_assert_cmpfloat (stored_accuracy (f, given, &is_null), ==, 12.5);
  g_assert_false (is_null);

  /* Read back and exported, an unknown accuracy stays unknown, never 0. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) visits = collector_store_list_visits (f->tc->store, &error);
    g_autoptr(GString) geojson = NULL;
    g_autoptr(JsonNode) root = NULL;
    guint n_unknown = 0, n_known = 0;

    g_assert_no_error (error);
    for (guint i = 0; i < visits->len; i++)
      {
        CollectorVisit *v = g_ptr_array_index (visits, i);

        if (g_strcmp0 (v->uuid, absent) == 0 || g_strcmp0 (v->uuid, null) == 0)
          {
            g_assert_true (isnan (v->accuracy));
            n_unknown++;
          }
        else if (g_strcmp0 (v->uuid, given) == 0)
          {
            g_assert_cmpfloat (v->accuracy, ==, 12.5);
            n_known++;
          }
      }
    g_assert_cmpuint (n_unknown, ==, 2);
    g_assert_cmpuint (n_known, ==, 1);

    geojson = collector_export_geojson (visits);
    root = json_from_string (geojson->str, &error);
    g_assert_no_error (error);
    n_unknown = 0;
    {
      JsonArray *features = json_object_get_array_member (json_node_get_object (root), "features");

      for (guint i = 0; i < json_array_get_length (features); i++)
        {
          JsonObject *feature = json_array_get_object_element (features, i);
          JsonObject *props = json_object_get_object_member (feature, "properties");
          const char *uuid = json_object_get_string_member_with_default (feature, "id", "");

          if (g_strcmp0 (uuid, absent) == 0 || g_strcmp0 (uuid, null) == 0)
            {
              g_assert_true (json_object_has_member (props, "accuracy"));
              g_assert_true (json_object_get_null_member (props, "accuracy"));
              n_unknown++;
            }
        }
    }
    g_assert_cmpuint (n_unknown, ==, 2);
  }
}

/* "SOURCE LAT" of a stored visit, "(null)" for no source. */
static char *
stored_source (Fixture    *f,
               const char *uuid)
{
  g_autoptr(GPtrArray) visits = NULL;
  g_autoptr(GError) error = NULL;

  visits = collector_store_list_visits (f->tc->store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < visits->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (visits, i);

      if (g_str_equal (v->uuid, uuid))
        return g_strdup_printf ("%s %g", v->fix_source != NULL ? v->fix_source : "(null)", v->lat);
    }
  g_assert_not_reached ();
}

/* A fix's source is one of the protocol's names, or left out: apps before
 * 0.2 left it out for the location service and photos, and their fixes are
 * kept, of unknown source. Any other value is refused. */
static void
test_location_source (Fixture       *f,
                      gconstpointer  data)
{
  const char *names[] = { "gps", "network", "manual", "exif" };
  const char *absent = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e21";
  const char *null = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e22";
  const char *old_name = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e23";
  const char *number = "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e24";
  g_autoptr(GPtrArray) batch = visits_new ();
  g_autoptr(GPtrArray) named = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = NULL;
  g_autoptr(GString) csv = NULL;
  JsonObject *loc;
  JsonNode *visit;
  JsonArray *errors;

  visit = test_visit_new (absent, 1, "HH-" VILLAGE_A "-0", NULL);
  loc = location_of (visit);
  json_object_remove_member (loc, "source");
  g_ptr_array_add (batch, visit);
  visit = test_visit_new (null, 1, "HH-" VILLAGE_A "-1", NULL);
  loc = location_of (visit);
  json_object_set_null_member (loc, "source");
  g_ptr_array_add (batch, visit);
  visit = test_visit_new (old_name, 1, "HH-" VILLAGE_A "-2", NULL);
  loc = location_of (visit);
  json_object_set_string_member (loc, "source", "gps-service");
  g_ptr_array_add (batch, visit);
  visit = test_visit_new (number, 1, "HH-" VILLAGE_A "-3", NULL);
  loc = location_of (visit);
  json_object_set_int_member (loc, "source", 1);
  g_ptr_array_add (batch, visit);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char *uuid = g_strdup_printf ("6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e3%u", i);

      visit = test_visit_new (uuid, 1, "HH-" VILLAGE_A "-4", NULL);
      loc = location_of (visit);
      json_object_set_string_member (loc, "source", names[i]);
      g_ptr_array_add (batch, visit);
      g_ptr_array_add (named, uuid);
    }

  r = post_batch (f, f->token_a, batch, FALSE);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (result_status (r, 0), ==, "stored");
  g_assert_cmpstr (result_status (r, 1), ==, "stored");
  for (guint i = 2; i < 4; i++)
    {
      g_assert_cmpstr (result_status (r, i), ==, "rejected");
      errors = json_object_get_array_member (test_batch_result (r, i), "errors");
      g_assert_cmpuint (json_array_get_length (errors), ==, 1);
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "code"), ==,
                       "invalid_location");
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "field"), ==,
                       "location.source");
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s -8.1123", names[i]);
      g_autofree char *stored = stored_source (f, named->pdata[i]);

      g_assert_cmpstr (result_status (r, 4 + i), ==, "stored");
      g_assert_cmpstr (stored, ==, expected);
    }
  {
    g_autofree char *stored_absent = stored_source (f, absent);
    g_autofree char *stored_null = stored_source (f, null);

    g_assert_cmpstr (stored_absent, ==, "(null) -8.1123");
    g_assert_cmpstr (stored_null, ==, "(null) -8.1123");
  }

  /* exported with the position and an empty source */
  visits = collector_store_list_visits (f->tc->store, &error);
  g_assert_no_error (error);
  csv = collector_export_csv (visits);
  {
    g_autofree char *line = g_strdup_printf ("%s,1,HH-" VILLAGE_A "-0,", absent);
    const char *row = strstr (csv->str, line);
    const char *end;

    g_assert_nonnull (row);
    end = strchr (row, '\n');
    g_assert_nonnull (strstr (row, ",-8.1123,115.0912,12.5,48,2026-11-20T09:13:05+07,,"));
    g_assert_true (strstr (row, ",-8.1123,115.0912,12.5,48,2026-11-20T09:13:05+07,,") < end);
  }
}

/* Everything the listing knows about a family reaches the device, in the
 * shared wire form. */
static void
test_assignments_full_record (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(VervalFamilyRecord) record = verval_family_record_new ();
  g_autoptr(VervalFamilyRecord) back = NULL;
  g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_household_free);
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  VervalMemberRecord *member = verval_member_record_new ();
  JsonArray *list;
  const char *ids[] = { "D-77", "BAD-1", NULL };
  CollectorHousehold *damaged;
  gboolean saw_damaged = FALSE;

  record->source = VERVAL_SOURCE_DTKS;
  g_free (record->family_id);
  record->family_id = g_strdup ("D-77");
  g_free (record->village_code);
  record->village_code = g_strdup (VILLAGE_A);
  g_free (record->head_name);
  record->head_name = g_strdup ("Ni Wayan Sárí");
  g_free (record->fields[VERVAL_FAMILY_FIELD_VILLAGE]);
  record->fields[VERVAL_FAMILY_FIELD_VILLAGE] = g_strdup ("PANJI");
  g_free (record->fields[VERVAL_FAMILY_FIELD_WALL]);
  record->fields[VERVAL_FAMILY_FIELD_WALL] = g_strdup ("Anyaman bambu");
  record->desil = 1;
  record->programmes = VERVAL_PROGRAMME_PKH | VERVAL_PROGRAMME_BPNT;
  g_free (member->name);
  member->name = g_strdup ("Ni Wayan Sárí");
  member->is_head = TRUE;
  g_ptr_array_add (record->members, member);
  g_ptr_array_add (households, collector_household_from_record (record));
  /* a row whose data the codec refuses still goes out, with its columns */
  damaged = collector_household_from_record (record);
  g_free (damaged->id);
  damaged->id = g_strdup ("BAD-1");
  g_free (damaged->data_json);
  damaged->data_json = g_strdup ("{\"desil\":9,\"members\":7}");
  g_ptr_array_add (households, damaged);
  g_assert_true (collector_store_upsert_households (f->tc->store, households, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (collector_store_assign (f->tc->store, f->enumerator_b, NULL, ids, NULL, &error));
  g_assert_no_error (error);

  r = pull (f, "assignments", f->token_b, "0", 100);
  g_assert_cmpuint (r->status, ==, 200);
  list = json_object_get_array_member (json_node_get_object (r->json), "households");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);

      const char *id = json_object_get_string_member (json_node_get_object (node), "id");

      if (g_strcmp0 (id, "BAD-1") == 0)
        {
          g_autoptr(VervalFamilyRecord) other = verval_wire_family_from_json (node, &error);

          g_assert_no_error (error);
          g_assert_cmpstr (other->head_name, ==, "Ni Wayan Sárí");
          g_assert_cmpint (other->desil, ==, 0);
          g_assert_cmpuint (other->members->len, ==, 0);
          saw_damaged = TRUE;
          continue;
        }
      if (g_strcmp0 (id, "D-77") != 0)
        {
          /* the others, stored with a bare {"desil": …}, decode too */
          g_autoptr(VervalFamilyRecord) other = verval_wire_family_from_json (node, &error);

          g_assert_no_error (error);
          g_assert_cmpint (other->desil, >, 0);
          continue;
        }
      back = verval_wire_family_from_json (node, &error);
      g_assert_no_error (error);
    }
  g_assert_true (saw_damaged);
  g_assert_nonnull (back);
  g_assert_cmpint (back->source, ==, VERVAL_SOURCE_DTKS);
  g_assert_cmpstr (back->head_name, ==, "Ni Wayan Sárí");
  g_assert_cmpstr (back->fields[VERVAL_FAMILY_FIELD_VILLAGE], ==, "PANJI");
  g_assert_cmpstr (back->fields[VERVAL_FAMILY_FIELD_WALL], ==, "Anyaman bambu");
  g_assert_cmpint (back->desil, ==, 1);
  g_assert_cmpuint (back->programmes, ==, VERVAL_PROGRAMME_PKH | VERVAL_PROGRAMME_BPNT);
  g_assert_cmpuint (back->members->len, ==, 1);
  g_assert_true (((VervalMemberRecord *) back->members->pdata[0])->is_head);
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) batch = visits_new ();
  gint64 device_b = 0;

  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/assignments",
                                              NULL, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 401);
    g_assert_cmpstr (test_response_error_code (r), ==, "auth_required");
    g_assert_nonnull (soup_message_headers_get_one (r->headers, "WWW-Authenticate"));
  }
  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/assignments",
                                              "vvt_not-a-real-token", NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 401);
    g_assert_cmpstr (test_response_error_code (r), ==, "invalid_token");
  }

  /* B cannot submit for A's household, but its own visit in the batch stores */
  g_ptr_array_add (batch, test_visit_new ("11111111-2222-4333-8444-555555555501", 1, "HH-" VILLAGE_A "-0", NULL));
  g_ptr_array_add (batch, test_visit_new ("11111111-2222-4333-8444-555555555502", 1, "HH-" VILLAGE_B "-0", NULL));
  {
    g_autoptr(TestResponse) r = post_batch (f, f->token_b, batch, FALSE);

    g_assert_cmpstr (result_status (r, 0), ==, "rejected");
    g_assert_cmpstr (result_first_error (r, 0), ==, "household_not_assigned");
    g_assert_cmpstr (result_status (r, 1), ==, "stored");
  }
  /* nor claim to be another device */
  {
    g_autoptr(GPtrArray) spoof = visits_new ();
    g_autoptr(TestResponse) r = NULL;
    JsonNode *v = test_visit_new ("11111111-2222-4333-8444-555555555503", 1, "HH-" VILLAGE_B "-1", NULL);

    json_object_set_int_member (json_node_get_object (v), "enumerator_id", f->enumerator_a);
    g_ptr_array_add (spoof, v);
    r = post_batch (f, f->token_b, spoof, FALSE);
    g_assert_cmpstr (result_first_error (r, 0), ==, "identity_mismatch");
  }
  /* nor overwrite A's visit by reusing its uuid */
  {
    g_autoptr(GPtrArray) mine = visits_new ();
    g_autoptr(GPtrArray) theirs = visits_new ();
    g_autoptr(TestResponse) ra = NULL;
    g_autoptr(TestResponse) rb = NULL;

    g_ptr_array_add (mine, test_visit_new ("11111111-2222-4333-8444-555555555504", 1, "HH-" VILLAGE_A "-1", NULL));
    ra = post_batch (f, f->token_a, mine, FALSE);
    g_assert_cmpstr (result_status (ra, 0), ==, "stored");
    g_ptr_array_add (theirs, test_visit_new ("11111111-2222-4333-8444-555555555504", 5, "HH-" VILLAGE_B "-1", NULL));
    rb = post_batch (f, f->token_b, theirs, FALSE);
    g_assert_cmpstr (result_first_error (rb, 0), ==, "visit_owned_by_other");
  }

  /* revocation takes effect on the very next request */
  devices = collector_store_list_devices (f->tc->store, &error);
  for (guint i = 0; i < devices->len; i++)
    {
      CollectorDevice *d = g_ptr_array_index (devices, i);

      if (d->enumerator_id == f->enumerator_b)
        device_b = d->id;
    }
  g_assert_cmpint (device_b, >, 0);
  g_assert_true (collector_store_revoke_device (f->tc->store, device_b, &error));
  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/assignments",
                                              f->token_b, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 401);
    g_assert_cmpstr (test_response_error_code (r), ==, "token_revoked");
  }

  /* a disabled enumerator is locked out on every device */
  g_assert_true (collector_store_set_enumerator_disabled (f->tc->store, f->enumerator_a, TRUE, &error));
  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/reviews",
                                              f->token_a, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 403);
    g_assert_cmpstr (test_response_error_code (r), ==, "enumerator_disabled");
  }
}

static void
test_status_report (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestResponse) ok = post_json (f, "api/v1/status", f->token_a,
                                          "{\"app_version\":\"0.2.0\",\"queue_depth\":12,"
                                          "\"oldest_unsent\":\"2026-11-19T16:00:00+08:00\","
                                          "\"free_disk\":1073741824,\"last_error\":\"timeout\"}");
  g_autoptr(TestResponse) bad = post_json (f, "api/v1/status", f->token_a, "{\"queue_depth\":\"many\"}");
  g_autoptr(GPtrArray) devices = collector_store_list_devices (f->tc->store, &error);
  gboolean seen = FALSE;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpuint (bad->status, ==, 400);
  g_assert_cmpstr (test_response_error_code (bad), ==, "invalid_request");
  for (guint i = 0; i < devices->len; i++)
    {
      CollectorDevice *d = g_ptr_array_index (devices, i);

      if (d->enumerator_id != f->enumerator_a)
        continue;
      seen = TRUE;
      g_assert_cmpstr (d->app_version, ==, "0.2.0");
      g_assert_nonnull (strstr (d->status_json, "\"queue_depth\":12"));
    }
  g_assert_true (seen);
}

/* ---------------------------------------------------------------- limits */

static void
test_limit_early_413 (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *request = g_strdup_printf ("POST /api/v1/visits HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: 5000000000\r\n"
                                              "\r\n", f->token_a);
  g_autofree char *reply = NULL;

  /* headers only, and the connection kept open: had the server waited for
   * the 5 GB body, nothing would come back before the client gives up */
  reply = test_raw_request (f->tc->port, request, strlen (request), 5000, TRUE);
  g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (reply, "\"body_too_large\""));
}

static void
test_limit_early_413_media (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *request = g_strdup_printf ("PUT /api/v1/media/%064d HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\n"
                                              "Content-Type: image/jpeg\r\n"
                                              "Content-Length: 40000\r\n"
                                              "\r\n", 0, f->token_a);
  g_autofree char *reply = test_raw_request (f->tc->port, request, strlen (request), 5000, TRUE);

  g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (reply, "\"media_too_large\""));
}

static void
test_limit_get_with_body (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *request = g_strdup_printf ("GET /api/v1/assignments HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\n"
                                              "Content-Length: 5000000000\r\n"
                                              "\r\n", f->token_a);
  g_autofree char *reply = test_raw_request (f->tc->port, request, strlen (request), 5000, TRUE);

  g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 413"));
}

static void
test_limit_chunked (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *chunk = g_strnfill (16 * 1024, ' ');
  g_autofree char *reply = NULL;

  g_string_append_printf (request, "POST /api/v1/visits HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\n"
                          "Content-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n"
                          "\r\n", f->token_a);
  /* 8 × 16 KiB: twice the 64 KiB limit, without a Content-Length */
  for (guint i = 0; i < 8; i++)
    g_string_append_printf (request, "%x\r\n%s\r\n", (guint) strlen (chunk), chunk);
  g_string_append (request, "0\r\n\r\n");
  reply = test_raw_request (f->tc->port, request->str, request->len, 5000, FALSE);
  g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (reply, "\"body_too_large\""));
}

static void
test_limit_batch_size (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = visits_new ();
  g_autoptr(TestResponse) r = NULL;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("22222222-2222-4333-8444-55555555550%u", i);

      g_ptr_array_add (batch, test_visit_new (uuid, 1, "HH-" VILLAGE_A "-0", NULL));
    }
  r = post_batch (f, f->token_a, batch, FALSE);
  g_assert_cmpuint (r->status, ==, 413);
  g_assert_cmpstr (test_response_error_code (r), ==, "batch_too_large");
}

static void
test_limit_bad_bodies (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("{\"visits\":");

  for (guint i = 0; i < 200; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 200; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  {
    g_autoptr(TestResponse) r = post_json (f, "api/v1/visits", f->token_a, deep->str);

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (r), ==, "json_too_deep");
  }
  {
    g_autoptr(TestResponse) r = post_json (f, "api/v1/visits", f->token_a, "{\"visits\": [ {\"uuid\": ");

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (r), ==, "malformed_json");
  }
  {
    g_autoptr(TestResponse) r = post_json (f, "api/v1/visits", f->token_a, "[1,2,3]");

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (r), ==, "invalid_request");
  }
  {
    static const char garbage[] = "\x1f\x8b\x08\x00 this is not deflate data at all";
    g_autoptr(GBytes) body = g_bytes_new_static (garbage, sizeof garbage - 1);
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "POST", "api/v1/visits", f->token_a,
                                              "application/json", "gzip", body);

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (test_response_error_code (r), ==, "bad_gzip");
  }
  {
    g_autoptr(GBytes) body = g_bytes_new_static ("visits=1", 8);
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "POST", "api/v1/visits", f->token_a,
                                              "application/x-www-form-urlencoded", NULL, body);

    g_assert_cmpuint (r->status, ==, 415);
    g_assert_cmpstr (test_response_error_code (r), ==, "unsupported_media_type");
  }
  {
    g_autoptr(GBytes) body = g_bytes_new_static ("{}", 2);
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "POST", "api/v1/visits", f->token_a,
                                              "application/json", "br", body);

    g_assert_cmpuint (r->status, ==, 415);
    g_assert_cmpstr (test_response_error_code (r), ==, "unsupported_encoding");
  }
  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "DELETE", "api/v1/visits", f->token_a,
                                              NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 405);
    g_assert_cmpstr (test_response_error_code (r), ==, "method_not_allowed");
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Allow"), ==, "POST");
  }
  {
    g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/nothing-here", NULL,
                                              NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 404);
    g_assert_cmpstr (test_response_error_code (r), ==, "not_found");
  }
  /* nothing of the above was stored */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) visits = collector_store_list_visits (f->tc->store, &error);

    g_assert_cmpuint (visits->len, ==, 0);
  }
}

static void
test_info (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(TestResponse) r = test_request (f->session, f->tc->uri, "GET", "api/v1/info", NULL,
                                            NULL, NULL, NULL);
  JsonObject *limits;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r->json), "api_version"), ==, 1);
  limits = json_object_get_object_member (json_node_get_object (r->json), "limits");
  g_assert_cmpint (json_object_get_int_member (limits, "max_batch_visits"), ==, COLLECTOR_DEFAULT_MAX_BATCH);
}

/* ---------------------------------------------------------------- concurrency */

#define N_CLIENTS   8
#define N_VISITS    400
#define BATCH       25

typedef struct {
  Fixture *f;
  guint    client;
  guint    stored;
  guint    duplicates;
  guint    other;
} ClientData;

static gpointer
client_thread (gpointer data)
{
  ClientData *cd = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (cd->client);
  guint order[N_VISITS];

  /* every client sends every visit, in its own order and batching, some twice */
  for (guint i = 0; i < N_VISITS; i++)
    order[i] = i;
  for (guint i = N_VISITS - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      guint t = order[i];

      order[i] = order[j];
      order[j] = t;
    }
  for (guint start = 0; start < N_VISITS; start += BATCH)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(TestResponse) r = NULL;
      guint rounds = g_rand_boolean (rand) ? 2 : 1;

      for (guint k = start; k < start + BATCH; k++)
        {
          g_autofree char *uuid = g_strdup_printf ("33333333-3333-4333-8333-%012u", order[k]);
          g_autofree char *household = g_strdup_printf ("HH-" VILLAGE_A "-%u", order[k] % 5);

          g_ptr_array_add (batch, test_visit_new (uuid, 1, household, NULL));
        }
      {
        g_autoptr(GBytes) plain = test_batch_bytes (batch);

        body = test_gzip (plain);
      }
      for (guint round = 0; round < rounds; round++)
        {
          g_clear_pointer (&r, test_response_free);
          r = test_request (session, cd->f->tc->uri, "POST", "api/v1/visits", cd->f->token_a,
                            "application/json", "gzip", body);
          g_assert_cmpuint (r->status, ==, 200);
          for (guint k = 0; k < BATCH; k++)
            {
              const char *status = result_status (r, k);

              if (g_str_equal (status, "stored"))
                cd->stored++;
              else if (g_str_equal (status, "duplicate"))
                cd->duplicates++;
              else
                cd->other++;
            }
        }
    }
  return NULL;
}

static void
test_concurrent_clients (Fixture       *f,
                         gconstpointer  data)
{
  ClientData clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint stored = 0, duplicates = 0;

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i] = (ClientData) { f, i, 0, 0, 0 };
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      stored += clients[i].stored;
      duplicates += clients[i].duplicates;
      g_assert_cmpuint (clients[i].other, ==, 0);
    }
  /* each visit was acknowledged as stored exactly once, everything else a duplicate */
  g_assert_cmpuint (stored, ==, N_VISITS);
  g_assert_cmpuint (stored + duplicates, >=, N_CLIENTS * N_VISITS);

  visits = collector_store_list_visits (f->tc->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (visits->len, ==, N_VISITS);
  for (guint i = 0; i < visits->len; i++)
    {
      CollectorVisit *v = g_ptr_array_index (visits, i);

      g_assert_false (g_hash_table_contains (seen, v->uuid));
      g_hash_table_add (seen, v->uuid);
    }
}

/* Pulls @what expecting the store to fail: 503 store_unavailable, with
 * SQLite's words (@warning) in the log and not in the answer. */
static void
assert_store_unavailable (Fixture    *f,
                          const char *what,
                          const char *warning)
{
  g_autoptr(TestResponse) response = NULL;

  g_test_expect_message ("collector-api", G_LOG_LEVEL_WARNING, warning);
  response = pull (f, what, f->token_a, "0", 10);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (response->status, ==, 503);
  g_assert_cmpstr (test_response_error_code (response), ==, "store_unavailable");
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Retry-After"), ==, "15");
  g_assert_null (g_strstr_len (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body),
                               "SQLite"));
  g_assert_null (g_strstr_len (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body),
                               "connect"));
}

/* A database that cannot answer is the store's fault, not the device's,
 * whether a read fails or the token check before it. */
static void
test_store_unavailable (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tc->data_dir, "collector.db", NULL);
  sqlite3 *db = NULL;

  if (test_store_is_postgresql ())
    {
      g_autoptr(TestResponse) again = NULL;

      /* the database server goes away while the collector serves */
      verval_test_pg_stop ();
      assert_store_unavailable (f, "reviews", "*");
      assert_store_unavailable (f, "assignments", "Cannot check a token: *");
      /* and comes back: the collector reconnects by itself */
      verval_test_pg_start ();
      again = pull (f, "reviews", f->token_a, "0", 10);
      g_assert_cmpuint (again->status, ==, 200);
      return;
    }
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE reviews RENAME TO reviews_away", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  assert_store_unavailable (f, "reviews", "*no such table: reviews*");
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE devices RENAME TO devices_away", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  assert_store_unavailable (f, "assignments", "Cannot check a token: *no such table*");
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, setup) \
  g_test_add (path, Fixture, NULL, setup, func, fixture_teardown)
  ADD ("/collector/api/enroll/single-use", test_enroll_single_use, fixture_setup);
  ADD ("/collector/api/enroll/expired", test_enroll_expired, fixture_setup);
  ADD ("/collector/api/enroll/throttled", test_enroll_throttled, fixture_setup_throttle);
  ADD ("/collector/api/enroll/throttled-shared", test_enroll_throttled_shared, fixture_setup_throttle);
  g_test_add_func ("/collector/throttle/key", test_throttle_key);
  ADD ("/collector/api/assignments/cursor", test_assignments_cursor, fixture_setup);
  ADD ("/collector/api/assignments/full-record", test_assignments_full_record, fixture_setup);
  ADD ("/collector/api/visits/location-accuracy", test_location_accuracy, fixture_setup);
  ADD ("/collector/api/visits/location-source", test_location_source, fixture_setup);
  ADD ("/collector/api/visits/instants", test_visit_instants, fixture_setup);
  ADD ("/collector/api/reviews/cursor", test_reviews_cursor, fixture_setup);
  ADD ("/collector/api/media", test_media, fixture_setup);
  ADD ("/collector/api/visits/outcomes", test_batch_outcomes, fixture_setup);
  ADD ("/collector/api/auth", test_auth, fixture_setup);
  ADD ("/collector/api/status", test_status_report, fixture_setup);
  ADD ("/collector/api/info", test_info, fixture_setup);
  ADD ("/collector/api/limits/early-413", test_limit_early_413, fixture_setup);
  ADD ("/collector/api/limits/early-413-media", test_limit_early_413_media, fixture_setup_small);
  ADD ("/collector/api/limits/get-with-body", test_limit_get_with_body, fixture_setup);
  ADD ("/collector/api/limits/chunked", test_limit_chunked, fixture_setup_small);
  ADD ("/collector/api/limits/batch-size", test_limit_batch_size, fixture_setup_small);
  ADD ("/collector/api/limits/bad-bodies", test_limit_bad_bodies, fixture_setup);
  ADD ("/collector/api/concurrency", test_concurrent_clients, fixture_setup);
  ADD ("/collector/api/store-unavailable", test_store_unavailable, fixture_setup);
#undef ADD

  return g_test_run ();
}
