/* collector-pg-conninfo.c: a PostgreSQL address as it may be shown
 *
 * Errors and logs name the database a collector could not reach, and a
 * libpq address may carry a password: in a URL's user part, as a URL
 * parameter, or as a keyword. Each is replaced by "***"; what cannot be
 * read the way libpq reads it is not shown at all.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "collector-pg-store.h"

/* A URL: the password of its user part and of a "password" parameter. The
 * user part ends at the last '@' before the path, so a password holding an
 * unescaped '@' or '?' is still hidden whole. */
static char *
redact_url (const char *url)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *authority = strstr (url, "://") + 3;
  const char *path = authority + strcspn (authority, "/");
  const char *at = g_strrstr_len (authority, path - authority, "@");
  const char *p = authority;
  const char *query;

  g_string_append_len (out, url, authority - url);
  if (at != NULL)
    {
      const char *colon = memchr (authority, ':', at - authority);

      g_string_append_len (out, authority, (colon != NULL ? colon : at) - authority);
      if (colon != NULL)
        g_string_append (out, ":***");
      p = at;
    }
  if ((query = strchr (p, '?')) == NULL)
    {
      g_string_append (out, p);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  g_string_append_len (out, p, query + 1 - p);
  for (p = query + 1; ; )
    {
      const char *end = p + strcspn (p, "&");
      const char *equals = memchr (p, '=', end - p);
      g_autofree char *key = g_uri_unescape_segment (p, equals != NULL ? equals : end, NULL);

      /* a key that does not even decode is not worth the risk */
      if (equals != NULL && (key == NULL || g_str_equal (key, "password")))
        {
          g_string_append_len (out, p, equals - p);
          g_string_append (out, "=***");
        }
      else
        g_string_append_len (out, p, end - p);
      if (*end == '\0')
        break;
      g_string_append_c (out, '&');
      p = end + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The value of a keyword=value pair that runs from @value to @end, as libpq
 * reads it: without its quotes and escapes. */
static char *
unquote (const char *value,
         const char *end)
{
  GString *out = g_string_new (NULL);
  gboolean quoted = *value == '\'';

  for (const char *p = value + quoted; p < end - quoted; p++)
    {
      if (*p == '\\' && p + 1 < end - quoted)
        p++;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Keyword=value pairs, values perhaps 'quoted' with \-escapes, as libpq
 * reads them. Anything it could not read ends the text with "…" rather
 * than risk showing a password. */
static char *
redact_keywords (const char *conninfo)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = conninfo;
  gboolean unread = FALSE;

  while (*p != '\0')
    {
      const char *key = p, *key_end, *value;
      g_autofree char *name = NULL;

      if (g_ascii_isspace (*p))
        {
          g_string_append_c (out, *p++);
          continue;
        }
      while (*p != '\0' && *p != '=' && !g_ascii_isspace (*p))
        p++;
      key_end = p;
      while (g_ascii_isspace (*p))
        p++;
      if ((unread = *p != '='))
        break;
      for (p++; g_ascii_isspace (*p); p++)
        ;
      value = p;
      if (*p == '\'')
        {
          for (p++; *p != '\0' && *p != '\''; p++)
            if (*p == '\\' && p[1] != '\0')
              p++;
          if ((unread = *p != '\''))
            break;
          p++;
        }
      else
        for (; *p != '\0' && !g_ascii_isspace (*p); p++)
          if (*p == '\\' && p[1] != '\0')
            p++;

      name = g_strndup (key, key_end - key);
      g_string_append_printf (out, "%s=", name);
      if (g_str_equal (name, "password"))
        g_string_append (out, "***");
      else if (g_str_equal (name, "dbname"))
        {
          /* a database name may itself be a connection string */
          g_autofree char *inner = unquote (value, p);
          g_autofree char *hidden = collector_pg_conninfo_redact (inner);

          if (strchr (inner, '=') != NULL || strstr (inner, "://") != NULL)
            g_string_append (out, hidden);
          else
            g_string_append_len (out, value, p - value);
        }
      else
        g_string_append_len (out, value, p - value);
    }
  if (unread)
    g_string_append (out, "…");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
collector_pg_conninfo_redact (const char *conninfo)
{
  g_return_val_if_fail (conninfo != NULL, NULL);

  if (g_str_has_prefix (conninfo, "postgresql://") || g_str_has_prefix (conninfo, "postgres://"))
    return redact_url (conninfo);
  return redact_keywords (conninfo);
}
