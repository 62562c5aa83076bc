/* collector-password.c: supervisors' passwords, hashed with argon2id
 *
 * libsodium's crypto_pwhash_str() at its interactive limits (2 passes over
 * 64 MiB, about a tenth of a second): slow enough that a stolen database
 * gives up its passwords one expensive guess at a time, fast enough for a
 * sign-in. The string keeps its own parameters and salt, so a hash made
 * with other limits still verifies.
 *
 * Each hash holds 64 MiB while it runs, on a server worker; a burst of
 * sign-ins must not take the memory and the workers from the devices, so
 * only a few hashes run at once and the rest wait their turn.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "collector-error.h"
#include "collector-password.h"

#define MAX_CONCURRENT_HASHES 2

static GMutex turn_lock;
static GCond  turn_cond;
static guint  n_hashing;

static gboolean
sodium_ready (void)
{
  static gsize ready;
  static gboolean ok;

  if (g_once_init_enter (&ready))
    {
      /* 0: initialised now, 1: already was; -1: no usable random source */
      ok = sodium_init () >= 0;
      g_once_init_leave (&ready, 1);
    }
  return ok;
}

static void
take_turn (void)
{
  g_mutex_lock (&turn_lock);
  while (n_hashing >= MAX_CONCURRENT_HASHES)
    g_cond_wait (&turn_cond, &turn_lock);
  n_hashing++;
  g_mutex_unlock (&turn_lock);
}

static void
end_turn (void)
{
  g_mutex_lock (&turn_lock);
  n_hashing--;
  g_cond_signal (&turn_cond);
  g_mutex_unlock (&turn_lock);
}

static void
get_limits (unsigned long long *ops,
            size_t             *mem)
{
  if (g_strcmp0 (g_getenv (COLLECTOR_PASSWORD_FAST_ENV), "1") == 0)
    {
      *ops = crypto_pwhash_OPSLIMIT_MIN;
      *mem = crypto_pwhash_MEMLIMIT_MIN;
      return;
    }
  *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

static char *
hash_with_limits (const char  *password,
                  GError     **error)
{
  char out[crypto_pwhash_STRBYTES];
  unsigned long long ops;
  size_t mem;
  int rc;

  if (!sodium_ready ())
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INTERNAL,
                           "libsodium cannot start: no random numbers");
      return NULL;
    }
  get_limits (&ops, &mem);
  take_turn ();
  rc = crypto_pwhash_str_alg (out, password, strlen (password), ops, mem, crypto_pwhash_ALG_ARGON2ID13);
  end_turn ();
  if (rc != 0)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INTERNAL,
                           "Not enough memory to hash a password");
      return NULL;
    }
  return g_strdup (out);
}

char *
collector_password_hash (const char  *password,
                         GError     **error)
{
  g_return_val_if_fail (password != NULL, NULL);

  return hash_with_limits (password, error);
}

/* Made once, with the limits of the day, from a password nobody has. */
static const char *
dummy_hash (void)
{
  static char *dummy;

  if (g_once_init_enter (&dummy))
    {
      guint8 secret[32];
      g_autofree char *text = NULL;
      char *hash;

      randombytes_buf (secret, sizeof secret);
      text = g_base64_encode (secret, sizeof secret);
      hash = hash_with_limits (text, NULL);
      /* the memory was there a moment ago; without it, verify() says no */
      g_once_init_leave (&dummy, hash != NULL ? hash : g_strdup (""));
    }
  return dummy;
}

gboolean
collector_password_verify (const char *hash,
                           const char *password)
{
  const char *against;
  gboolean ok;

  g_return_val_if_fail (password != NULL, FALSE);

  if (!sodium_ready ())
    return FALSE;
  against = hash != NULL ? hash : dummy_hash ();
  take_turn ();
  ok = crypto_pwhash_str_verify (against, password, strlen (password)) == 0;
  end_turn ();
  return ok && hash != NULL;
}
