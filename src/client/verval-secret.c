/* verval-secret.c: where the device token is kept
 *
 * The keyring when the session has a Secret Service (it encrypts at rest
 * and unlocks with the login); otherwise a file only the user can read,
 * written atomically. The token never goes into a log line or an error.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-secret"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>

#include "verval-secret.h"

#define NAME_OWNER_TIMEOUT_MS 1500

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "id.verval.Verval.DeviceToken", SECRET_SCHEMA_NONE,
    {
      { "collector", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "data-dir", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

/* Asking the bus who owns the name is quick and never starts anything;
 * without a session bus at all, do not let GDBus try to autolaunch one. */
static gboolean
keyring_running (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *socket = NULL;
  gboolean owned = FALSE;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      socket = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
      if (!g_file_test (socket, G_FILE_TEST_EXISTS))
        return FALSE;
    }
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       NAME_OWNER_TIMEOUT_MS, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

VervalSecretBackend
verval_secret_resolve_backend (VervalSecretBackend backend)
{
  const char *forced = g_getenv ("VERVAL_SECRET_BACKEND");

  if (g_strcmp0 (forced, "file") == 0)
    return VERVAL_SECRET_FILE;
  if (backend != VERVAL_SECRET_AUTO)
    return backend;
  return keyring_running () ? VERVAL_SECRET_KEYRING : VERVAL_SECRET_FILE;
}

static char *
token_path (const char *data_dir)
{
  return g_build_filename (data_dir, VERVAL_SECRET_FILE_NAME, NULL);
}

gboolean
verval_secret_store_token (const char           *data_dir,
                           const char           *collector_url,
                           const char           *token,
                           VervalSecretBackend   backend,
                           GCancellable         *cancellable,
                           GError              **error)
{
  g_autofree char *path = NULL;
  g_autofree char *content = NULL;
  gboolean ok;

  g_return_val_if_fail (data_dir != NULL && collector_url != NULL && token != NULL, FALSE);

  if (verval_secret_resolve_backend (backend) == VERVAL_SECRET_KEYRING)
    {
      g_autofree char *label = g_strdup_printf ("Verval device token (%s)", collector_url);

      if (!secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                                       cancellable, error,
                                       "collector", collector_url, "data-dir", data_dir, NULL))
        return FALSE;
      /* a token from the fallback must not linger next to the real one */
      path = token_path (data_dir);
      g_unlink (path);
      return TRUE;
    }

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", data_dir, g_strerror (saved));
      return FALSE;
    }
  path = token_path (data_dir);
  content = g_strdup_printf ("%s\n%s\n", collector_url, token);
  ok = g_file_set_contents_full (path, content, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error);
  memset (content, 0, strlen (content));
  return ok;
}

char *
verval_secret_lookup_token (const char           *data_dir,
                            const char           *collector_url,
                            VervalSecretBackend   backend,
                            GCancellable         *cancellable,
                            GError              **error)
{
  g_autofree char *path = NULL;
  g_autofree char *content = NULL;
  g_auto(GStrv) lines = NULL;
  GError *local_error = NULL;
  char *token = NULL;

  g_return_val_if_fail (data_dir != NULL && collector_url != NULL, NULL);

  if (verval_secret_resolve_backend (backend) == VERVAL_SECRET_KEYRING)
    {
      char *secret = secret_password_lookup_sync (token_schema (), cancellable, error,
                                                  "collector", collector_url,
                                                  "data-dir", data_dir, NULL);

      if (secret == NULL)
        return NULL;
      token = g_strdup (secret);
      secret_password_free (secret);
      return token;
    }

  path = token_path (data_dir);
  if (!g_file_get_contents (path, &content, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local_error);
          return NULL;
        }
      g_propagate_error (error, local_error);
      return NULL;
    }
  lines = g_strsplit (content, "\n", 3);
  memset (content, 0, strlen (content));
  /* a token for another collector is no token for this one */
  if (lines[0] != NULL && g_str_equal (lines[0], collector_url) &&
      lines[1] != NULL && lines[1][0] != '\0')
    token = g_strdup (lines[1]);
  for (guint i = 0; lines[i] != NULL; i++)
    memset (lines[i], 0, strlen (lines[i]));
  return token;
}

gboolean
verval_secret_clear_token (const char           *data_dir,
                           const char           *collector_url,
                           VervalSecretBackend   backend,
                           GCancellable         *cancellable,
                           GError              **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (data_dir != NULL && collector_url != NULL, FALSE);

  if (verval_secret_resolve_backend (backend) == VERVAL_SECRET_KEYRING)
    {
      GError *local_error = NULL;

      secret_password_clear_sync (token_schema (), cancellable, &local_error,
                                  "collector", collector_url, "data-dir", data_dir, NULL);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  path = token_path (data_dir);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot remove %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
