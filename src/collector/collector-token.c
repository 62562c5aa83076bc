/* collector-token.c: device tokens, session tokens and enrollment codes
 *
 * Tokens (a device's, a dashboard session's) carry 256 bits from the
 * kernel's CSPRNG, so a plain SHA-256 is enough to keep them at rest. Enrollment codes are short (about 46 bits) but
 * single use and expiring, which is what makes their entropy sufficient.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "collector-error.h"
#include "collector-token.h"

gboolean
collector_random_bytes (guint8  *buffer,
                        gsize    length,
                        GError **error)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INTERNAL,
                       "No random numbers: %s", g_strerror (saved));
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

char *
collector_secret_new (const char  *prefix,
                      GError     **error)
{
  guint8 raw[32];
  g_autofree char *b64 = NULL;
  char *p;

  if (!collector_random_bytes (raw, sizeof raw, error))
    return NULL;
  b64 = g_base64_encode (raw, sizeof raw);
  memset (raw, 0, sizeof raw);
  /* URL- and header-safe: no '+', '/' or padding */
  for (p = b64; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return g_strconcat (prefix, b64, NULL);
}

char *
collector_token_new (GError **error)
{
  return collector_secret_new ("vvt_", error);
}

char *
collector_enroll_code_new (GError **error)
{
  static const char alphabet[] = COLLECTOR_CODE_ALPHABET;
  const guint n = sizeof alphabet - 1;
  /* rejection sampling keeps every letter equally likely */
  const guint limit = 256 - (256 % n);
  GString *code = g_string_sized_new (COLLECTOR_CODE_LENGTH + 2);

  while (code->len < COLLECTOR_CODE_LENGTH + 1)
    {
      guint8 raw[16];

      if (!collector_random_bytes (raw, sizeof raw, error))
        {
          g_string_free (code, TRUE);
          return NULL;
        }
      for (guint i = 0; i < sizeof raw && code->len < COLLECTOR_CODE_LENGTH + 1; i++)
        {
          if (raw[i] >= limit)
            continue;
          if (code->len == COLLECTOR_CODE_LENGTH / 2)
            g_string_append_c (code, '-');
          g_string_append_c (code, alphabet[raw[i] % n]);
        }
    }
  return g_string_free (code, FALSE);
}

char *
collector_enroll_code_normalize (const char *code)
{
  GString *out;

  g_return_val_if_fail (code != NULL, NULL);

  out = g_string_sized_new (COLLECTOR_CODE_LENGTH + 1);
  for (const char *p = code; *p != '\0'; p++)
    {
      char c = g_ascii_toupper (*p);

      if (c == ' ' || c == '-')
        continue;
      if (strchr (COLLECTOR_CODE_ALPHABET, c) == NULL || out->len >= COLLECTOR_CODE_LENGTH)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, c);
    }
  if (out->len != COLLECTOR_CODE_LENGTH)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

char *
collector_secret_hash (const char *secret)
{
  g_return_val_if_fail (secret != NULL, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, -1);
}

gboolean
collector_secret_equal (const char *a,
                        const char *b)
{
  gsize length;
  guint8 differ = 0;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  /* the length is no secret: every token of a kind has the same */
  if ((length = strlen (a)) != strlen (b))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    differ |= (guint8) a[i] ^ (guint8) b[i];
  return differ == 0;
}
