/* test-collector-contract-users.c: what every collector store promises
 * about the dashboard's accounts and sessions
 *
 * Run against each store implementation (store-contract.c): names are
 * unique in their canonical form, regions exist and a region's subtree is
 * listed whole; a session is found by the hash of its token only while its
 * account may use it, it idles out on the clock it is given, and it ends
 * when the account is disabled or given a new password; failed sign-ins
 * are counted for every collector sharing the store. The password hashes
 * here are stand-ins: the store keeps them, it never reads them.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "collector-rules.h"
#include "collector-throttle.h"
#include "store-contract.h"

#define HASH_A "$argon2id$v=19$m=8,t=1,p=1$stand-in-a"
#define HASH_B "$argon2id$v=19$m=8,t=1,p=1$stand-in-b"

static gint64
add_user (Fixture       *f,
          const char    *name,
          CollectorRole  role,
          const char    *region)
{
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  g_assert_true (collector_store_add_user (f->store, name, role, region, HASH_A, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static const char *
user_name_at (GPtrArray *users,
              guint      i)
{
  return ((CollectorUser *) g_ptr_array_index (users, i))->name;
}

/* ---------------------------------------------------------------- accounts */

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CollectorUser) by_name = NULL;
  g_autoptr(CollectorUser) by_id = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gint64 admin, korcam;

  admin = add_user (f, "Dinas Sosial Bali", COLLECTOR_ROLE_ADMIN, "51");
  add_user (f, "Korkab Buleleng", COLLECTOR_ROLE_SUPERVISOR, "51.08");
  korcam = add_user (f, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, " 510805 ");
  add_user (f, "Bappeda Pancasari", COLLECTOR_ROLE_VIEWER, "5108052001");

  by_name = collector_store_find_user_by_name (f->store, "Korcam Sukasada", &error);
  g_assert_no_error (error);
  g_assert_cmpint (by_name->id, ==, korcam);
  g_assert_cmpint (by_name->role, ==, COLLECTOR_ROLE_SUPERVISOR);
  /* kept as digits, whatever way the code was written */
  g_assert_cmpstr (by_name->region, ==, "510805");
  g_assert_cmpstr (by_name->password_hash, ==, HASH_A);
  g_assert_false (by_name->disabled);
  g_assert_cmpint (by_name->created_at, >, 0);
  g_assert_cmpint (by_name->password_changed_at, ==, by_name->created_at);
  by_id = collector_store_find_user_by_id (f->store, admin, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_id->name, ==, "Dinas Sosial Bali");
  g_assert_cmpstr (by_id->region, ==, "51");
  g_assert_cmpint (by_id->role, ==, COLLECTOR_ROLE_ADMIN);

  g_assert_null (collector_store_find_user_by_name (f->store, "korcam sukasada", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (collector_store_find_user_by_id (f->store, 9999, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* by name, and a list is no place for password hashes */
  all = collector_store_list_users (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpstr (user_name_at (all, 0), ==, "Bappeda Pancasari");
  g_assert_cmpstr (user_name_at (all, 3), ==, "Korkab Buleleng");
  for (guint i = 0; i < all->len; i++)
    g_assert_null (((CollectorUser *) all->pdata[i])->password_hash);
}

/* A region's subtree is the region and everything below it, nothing
 * beside it: not Kabupaten 5108's neighbour 5180, nor 510806 next to
 * 510805. */
static void
test_users_subtree (Fixture       *f,
                    gconstpointer  data)
{
  static const struct {
    const char *region;
    const char *names[5];
  } cases[] = {
    { "51", { "Bali", "Buleleng", "Denpasar", "Pancasari", "Sukasada" } },
    { "5108", { "Buleleng", "Pancasari", "Sukasada", NULL } },
    { "51.08.05", { "Pancasari", "Sukasada", NULL } },
    { "5108052001", { "Pancasari", NULL } },
    { "510806", { NULL } },
    { "52", { NULL } },
  };
  g_autoptr(GError) error = NULL;

  add_user (f, "Bali", COLLECTOR_ROLE_ADMIN, "51");
  add_user (f, "Buleleng", COLLECTOR_ROLE_SUPERVISOR, "5108");
  add_user (f, "Denpasar", COLLECTOR_ROLE_SUPERVISOR, "5171");
  add_user (f, "Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805");
  add_user (f, "Pancasari", COLLECTOR_ROLE_VIEWER, "5108052001");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) users = collector_store_list_users (f->store, cases[i].region, &error);
      guint n = 0;

      g_test_message ("subtree of %s", cases[i].region);
      g_assert_no_error (error);
      while (n < G_N_ELEMENTS (cases[i].names) && cases[i].names[n] != NULL)
        n++;
      g_assert_cmpuint (users->len, ==, n);
      for (guint u = 0; u < n; u++)
        g_assert_cmpstr (user_name_at (users, u), ==, cases[i].names[u]);
    }

  /* a list asked of a region that does not exist says so */
  g_assert_null (collector_store_list_users (f->store, "5199", &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
}

/* What is refused, and why; nothing refused is kept. */
static void
test_users_refused (Fixture       *f,
                    gconstpointer  data)
{
  /* "Ré" with its accent composed, then as e and a combining accent */
  static const char composed[] = "Korcam R\xc3\xa9";
  static const char decomposed[] = "Korcam Re\xcc\x81";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(CollectorUser) found = NULL;
  g_autofree char *too_long = g_strnfill (129, 'a');
  g_autofree char *longest = g_strnfill (128, 'a');

  add_user (f, composed, COLLECTOR_ROLE_SUPERVISOR, "510805");
  g_assert_false (collector_store_add_user (f->store, composed, COLLECTOR_ROLE_VIEWER, "51", HASH_B, NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS);
  g_clear_error (&error);
  /* the same name typed otherwise is the same name */
  g_assert_false (collector_store_add_user (f->store, decomposed, COLLECTOR_ROLE_VIEWER, "51", HASH_B, NULL,
                                            &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS);
  g_clear_error (&error);
  found = collector_store_find_user_by_name (f->store, decomposed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->name, ==, composed);

  /* a code that is no region, and one that is well formed but not listed */
  g_assert_false (collector_store_add_user (f->store, "Nobody", COLLECTOR_ROLE_VIEWER, "51080", HASH_B, NULL,
                                            &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not a region code"));
  g_clear_error (&error);
  g_assert_false (collector_store_add_user (f->store, "Nobody", COLLECTOR_ROLE_VIEWER, "5199", HASH_B, NULL,
                                            &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no region 5199 in the official list"));
  g_clear_error (&error);

  /* names: 1 to 128 characters */
  g_assert_false (collector_store_add_user (f->store, "  ", COLLECTOR_ROLE_VIEWER, "51", HASH_B, NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (collector_store_add_user (f->store, too_long, COLLECTOR_ROLE_VIEWER, "51", HASH_B, NULL, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (collector_store_add_user (f->store, "Tab\there", COLLECTOR_ROLE_VIEWER, "51", HASH_B, NULL,
                                            &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  add_user (f, longest, COLLECTOR_ROLE_VIEWER, "51");

  all = collector_store_list_users (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
}

static void
test_users_disable_passwd (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add_user (f, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805");
  CollectorUser *user;

  g_assert_true (collector_store_set_user_disabled (f->store, id, TRUE, &error));
  g_assert_no_error (error);
  user = collector_store_find_user_by_id (f->store, id, &error);
  g_assert_true (user->disabled);
  collector_user_free (user);
  g_assert_true (collector_store_set_user_disabled (f->store, id, FALSE, &error));
  user = collector_store_find_user_by_id (f->store, id, &error);
  g_assert_false (user->disabled);
  collector_user_free (user);

  g_assert_true (collector_store_set_user_password (f->store, id, HASH_B, &error));
  g_assert_no_error (error);
  user = collector_store_find_user_by_id (f->store, id, &error);
  g_assert_cmpstr (user->password_hash, ==, HASH_B);
  g_assert_cmpint (user->password_changed_at, >=, user->created_at);
  collector_user_free (user);

  g_assert_false (collector_store_set_user_disabled (f->store, 9999, TRUE, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (collector_store_set_user_password (f->store, 9999, HASH_B, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND);
}

/* ---------------------------------------------------------------- sessions */

static CollectorSession *
sign_in (Fixture    *f,
         gint64      user_id,
         const char *token_hash,
         gint64      now)
{
  g_autoptr(GError) error = NULL;
  CollectorSession *session = collector_store_create_session (f->store, user_id, HASH_A, token_hash, "csrf-1",
                                                              now, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static void
assert_no_session (Fixture    *f,
                   const char *token_hash,
                   gint64      now,
                   int         code)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (collector_store_lookup_session (f->store, token_hash, now, &error));
  g_assert_error (error, COLLECTOR_ERROR, code);
}

static gint64
last_used (Fixture    *f,
           const char *token_hash,
           gint64      now)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CollectorSession) session = collector_store_lookup_session (f->store, token_hash, now, &error);

  g_assert_no_error (error);
  return session->last_used_at;
}

/* Created, found, refreshed at most once a minute, idle out after twelve
 * hours on the clock the store is given, signed out. */
static void
test_sessions (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add_user (f, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805");
  g_autoptr(CollectorSession) created = sign_in (f, id, "hash-1", 1000);
  g_autoptr(CollectorSession) found = NULL;

  g_assert_cmpint (created->user->id, ==, id);
  g_assert_null (created->user->password_hash);
  g_assert_cmpstr (created->csrf_token, ==, "csrf-1");
  g_assert_cmpint (created->created_at, ==, 1000);
  g_assert_cmpint (created->last_used_at, ==, 1000);

  found = collector_store_lookup_session (f->store, "hash-1", 1030, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->user->name, ==, "Korcam Sukasada");
  g_assert_cmpstr (found->user->region, ==, "510805");
  g_assert_null (found->user->password_hash);
  g_assert_cmpstr (found->csrf_token, ==, "csrf-1");
  g_assert_cmpint (found->created_at, ==, 1000);
  /* less than a minute: not written */
  g_assert_cmpint (found->last_used_at, ==, 1000);
  g_assert_cmpint (last_used (f, "hash-1", 1059), ==, 1000);
  /* a minute: written, and read back so */
  g_assert_cmpint (last_used (f, "hash-1", 1060), ==, 1060);
  g_assert_cmpint (last_used (f, "hash-1", 1061), ==, 1060);
  /* an earlier clock (another collector's) does not move it back */
  g_assert_cmpint (last_used (f, "hash-1", 1000), ==, 1060);

  /* twelve hours after its last use, and not a second before */
  g_assert_cmpint (last_used (f, "hash-1", 1060 + COLLECTOR_SESSION_IDLE - 1), ==,
                   1060 + COLLECTOR_SESSION_IDLE - 1);
  assert_no_session (f, "hash-1", 1060 + 2 * COLLECTOR_SESSION_IDLE - 1, COLLECTOR_ERROR_SESSION_EXPIRED);

  assert_no_session (f, "no-such-hash", 1000, COLLECTOR_ERROR_INVALID_SESSION);

  /* signed out: gone, and signing out again is no error */
  g_clear_pointer (&created, collector_session_free);
  created = sign_in (f, id, "hash-2", 2000);
  g_assert_true (collector_store_end_session (f->store, "hash-2", &error));
  g_assert_no_error (error);
  assert_no_session (f, "hash-2", 2001, COLLECTOR_ERROR_INVALID_SESSION);
  g_assert_true (collector_store_end_session (f->store, "hash-2", &error));
  g_assert_no_error (error);
}

/* A sign-in's session is written only for the account and password that
 * were checked: not for an account disabled or given a new password since,
 * nor one that is not there. */
static void
test_sessions_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add_user (f, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805");

  g_assert_null (collector_store_create_session (f->store, id, HASH_B, "hash-1", "csrf", 1000, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);
  g_assert_null (collector_store_create_session (f->store, 9999, HASH_A, "hash-1", "csrf", 1000, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);
  g_assert_true (collector_store_set_user_disabled (f->store, id, TRUE, &error));
  g_assert_null (collector_store_create_session (f->store, id, HASH_A, "hash-1", "csrf", 1000, &error));
  g_assert_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);
  assert_no_session (f, "hash-1", 1000, COLLECTOR_ERROR_INVALID_SESSION);
}

/* Disabling an account or giving it a new password ends its sessions, and
 * only its own; enabling it again brings none back. */
static void
test_sessions_ended (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 korcam = add_user (f, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805");
  gint64 korkab = add_user (f, "Korkab Buleleng", COLLECTOR_ROLE_SUPERVISOR, "5108");

  collector_session_free (sign_in (f, korcam, "korcam-laptop", 1000));
  collector_session_free (sign_in (f, korcam, "korcam-phone", 1000));
  collector_session_free (sign_in (f, korkab, "korkab-laptop", 1000));

  g_assert_true (collector_store_set_user_disabled (f->store, korcam, TRUE, &error));
  g_assert_no_error (error);
  assert_no_session (f, "korcam-laptop", 1001, COLLECTOR_ERROR_INVALID_SESSION);
  assert_no_session (f, "korcam-phone", 1001, COLLECTOR_ERROR_INVALID_SESSION);
  g_assert_cmpint (last_used (f, "korkab-laptop", 1001), ==, 1000);
  g_assert_true (collector_store_set_user_disabled (f->store, korcam, FALSE, &error));
  assert_no_session (f, "korcam-laptop", 1002, COLLECTOR_ERROR_INVALID_SESSION);

  g_assert_true (collector_store_set_user_password (f->store, korkab, HASH_B, &error));
  g_assert_no_error (error);
  assert_no_session (f, "korkab-laptop", 1003, COLLECTOR_ERROR_INVALID_SESSION);
}

/* A session long idle is not only refused but forgotten, once another
 * sign-in comes: the table does not grow with every browser ever used. */
static void
test_sessions_forgotten (Fixture       *f,
                         gconstpointer  data)
{
  gint64 id = add_user (f, "Korcam Sukasada", COLLECTOR_ROLE_SUPERVISOR, "510805");

  collector_session_free (sign_in (f, id, "old", 1000));
  collector_session_free (sign_in (f, id, "recent", 1000 + COLLECTOR_SESSION_IDLE - 10));
  collector_session_free (sign_in (f, id, "new", 1000 + COLLECTOR_SESSION_IDLE));
  /* asked with a clock at which it would still be valid: it is gone */
  assert_no_session (f, "old", 1001, COLLECTOR_ERROR_INVALID_SESSION);
  g_assert_cmpint (last_used (f, "recent", 1000 + COLLECTOR_SESSION_IDLE), ==,
                   1000 + COLLECTOR_SESSION_IDLE - 10);
}

/* ---------------------------------------------------------------- throttling */

/* Ten failed sign-ins on one account, half of them at another collector on
 * the same store: the account waits at both, another account does not. */
static void
test_sign_in_throttle (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CollectorStore) twin = contract_open_twin (f);
  g_autoptr(GError) error = NULL;
  const CollectorThrottle throttle = { COLLECTOR_FAILURE_SIGN_IN_ACCOUNT, 10, 900 };
  guint wait = 0;

  for (guint i = 0; i < 9; i++)
    collector_throttle_note (&throttle, i % 2 ? twin : f->store, "Korcam Sukasada", 1000 + i);
  g_assert_true (collector_throttle_check (&throttle, f->store, "Korcam Sukasada", 1010, &wait, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wait, ==, 0);
  collector_throttle_note (&throttle, twin, "Korcam Sukasada", 1010);
  /* until the first of the ten leaves the window */
  g_assert_true (collector_throttle_check (&throttle, f->store, "Korcam Sukasada", 1010, &wait, &error));
  g_assert_cmpuint (wait, ==, 890);
  g_assert_true (collector_throttle_check (&throttle, twin, "Korcam Sukasada", 1899, &wait, &error));
  g_assert_cmpuint (wait, ==, 1);
  g_assert_true (collector_throttle_check (&throttle, twin, "Korcam Sukasada", 1900, &wait, &error));
  g_assert_cmpuint (wait, ==, 0);
  g_assert_true (collector_throttle_check (&throttle, twin, "Korkab Buleleng", 1010, &wait, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wait, ==, 0);
  collector_store_close (twin);
}

int
main (int   argc,
      char *argv[])
{
  static const ContractTest tests[] = {
    { "users", test_users },
    { "users-subtree", test_users_subtree },
    { "users-refused", test_users_refused },
    { "users-disable-passwd", test_users_disable_passwd },
    { "sessions", test_sessions },
    { "sessions-refused", test_sessions_refused },
    { "sessions-ended", test_sessions_ended },
    { "sessions-forgotten", test_sessions_forgotten },
    { "sign-in-throttle", test_sign_in_throttle },
  };

  return contract_run (argc, argv, tests, G_N_ELEMENTS (tests));
}
