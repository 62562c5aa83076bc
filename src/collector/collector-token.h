/* collector-token.h: device tokens, session tokens and enrollment codes
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Letters and digits nobody confuses when reading them aloud or typing them
 * from paper: no 0/O, 1/I/L, 5/S, 8/B, 2/Z. */
#define COLLECTOR_CODE_ALPHABET "34679ACDEFGHJKMNPQRTUVWXY"
#define COLLECTOR_CODE_LENGTH   10

gboolean  collector_random_bytes       (guint8       *buffer,
                                        gsize         length,
                                        GError      **error);
/* 256 random bits, URL-safe (base64url without padding), after @prefix. */
char     *collector_secret_new         (const char   *prefix,
                                        GError      **error);
/* A device token: collector_secret_new ("vvt_"). */
char     *collector_token_new          (GError      **error);
/* 10 characters of COLLECTOR_CODE_ALPHABET, shown as XXXXX-XXXXX. */
char     *collector_enroll_code_new    (GError      **error);
/* Upper-cases and drops spaces and dashes; NULL if anything else is wrong. */
char     *collector_enroll_code_normalize (const char *code);
/* Lower-case hex SHA-256 of the text: how tokens and codes are kept. */
char     *collector_secret_hash        (const char   *secret);
/* Whether two secrets are the same, in a time that does not depend on
 * where they differ. */
gboolean  collector_secret_equal       (const char   *a,
                                        const char   *b);

G_END_DECLS
