/* test-collector-password.c: supervisors' passwords, hashed with argon2id
 *
 * The suites sign in with libsodium's smallest limits
 * (VERVAL_TEST_FAST_PASSWORD_HASH); this program checks the limits a real
 * collector uses, and that a hash made with either verifies.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "collector-password.h"

#define PASSWORD "kopi tubruk panas"

/* argon2id at the interactive limits: 64 MiB, two passes, one lane */
static void
test_interactive (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *again = NULL;

  g_assert_null (g_getenv (COLLECTOR_PASSWORD_FAST_ENV));
  hash = collector_password_hash (PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (hash, "$argon2id$v=19$m=65536,t=2,p=1$"));
  g_assert_true (collector_password_verify (hash, PASSWORD));
  g_assert_false (collector_password_verify (hash, "kopi tubruk dingin"));
  g_assert_false (collector_password_verify (hash, ""));
  /* a new salt each time */
  again = collector_password_hash (PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, !=, hash);
  g_assert_true (collector_password_verify (again, PASSWORD));
}

/* The tests' limits are the smallest; their hashes verify anywhere, and
 * one from the interactive limits verifies under them. */
static void
test_fast (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *strong = collector_password_hash (PASSWORD, &error);
  g_autofree char *fast = NULL;

  g_assert_no_error (error);
  g_setenv (COLLECTOR_PASSWORD_FAST_ENV, "1", TRUE);
  fast = collector_password_hash (PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (fast, "$argon2id$v=19$m=8,t=1,p=1$"));
  g_assert_true (collector_password_verify (fast, PASSWORD));
  g_assert_true (collector_password_verify (strong, PASSWORD));
  g_unsetenv (COLLECTOR_PASSWORD_FAST_ENV);
  g_assert_true (collector_password_verify (fast, PASSWORD));
}

/* No hash (an unknown user) is never a match, whatever the password, and
 * a string that is no hash at all is not one either. */
static void
test_no_hash (void)
{
  g_assert_false (collector_password_verify (NULL, PASSWORD));
  g_assert_false (collector_password_verify (NULL, ""));
  g_assert_false (collector_password_verify ("", PASSWORD));
  g_assert_false (collector_password_verify ("$argon2id$v=19$m=8,t=1,p=1$bm90IGEgc2FsdA$", PASSWORD));
}

typedef struct {
  const char *hash;
  guint       matched;
} Shared;

static gpointer
verify_thread (gpointer data)
{
  Shared *shared = data;

  if (collector_password_verify (shared->hash, PASSWORD))
    g_atomic_int_inc (&shared->matched);
  return NULL;
}

/* Many sign-ins at once all get their answer; only a few hash at a time. */
static void
test_concurrent (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = collector_password_hash (PASSWORD, &error);
  GThread *threads[8];
  Shared shared = { hash, 0 };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("verify", verify_thread, &shared);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (shared.matched, ==, G_N_ELEMENTS (threads));
}

int
main (int   argc,
      char *argv[])
{
  /* the suite's environment asks for the fast limits; this program checks
   * the real ones first */
  g_unsetenv (COLLECTOR_PASSWORD_FAST_ENV);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/collector/password/interactive", test_interactive);
  g_test_add_func ("/collector/password/fast", test_fast);
  g_test_add_func ("/collector/password/no-hash", test_no_hash);
  g_test_add_func ("/collector/password/concurrent", test_concurrent);
  return g_test_run ();
}
