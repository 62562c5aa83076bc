/* collector-password.h: supervisors' passwords, hashed with argon2id
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Set to 1 by the test suites only: hashes with libsodium's smallest
 * limits instead of the interactive ones, so that a test signing in a
 * hundred times is not slow. Never set it on a real collector. */
#define COLLECTOR_PASSWORD_FAST_ENV "VERVAL_TEST_FAST_PASSWORD_HASH"

/* The argon2id string of @password (its parameters and salt included), or
 * NULL with COLLECTOR_ERROR_INTERNAL when the memory cannot be had. */
char     *collector_password_hash   (const char *password,
                                     GError    **error);
/* Whether @password is the one @hash was made from. A NULL @hash is
 * checked against a hash of nothing in particular, at the same cost, and
 * is FALSE: an unknown user takes as long to refuse as a wrong password. */
gboolean  collector_password_verify (const char *hash,
                                     const char *password);

G_END_DECLS
