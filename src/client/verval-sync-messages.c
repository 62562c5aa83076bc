/* verval-sync-messages.c: sync errors and the words a coordinator reads
 *
 * Coordinators are not technicians: each message says what happened in
 * their terms and what will happen next (or what they should do), never a
 * curl code or an HTTP status.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-sync"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "verval-http.h"
#include "verval-store.h"
#include "verval-sync-messages.h"

typedef struct {
  guint retry_after;
} VervalSyncErrorPrivate;

static void
verval_sync_error_private_init (VervalSyncErrorPrivate *priv)
{
  priv->retry_after = 0;
}

static void
verval_sync_error_private_copy (const VervalSyncErrorPrivate *src,
                                VervalSyncErrorPrivate       *dest)
{
  dest->retry_after = src->retry_after;
}

static void
verval_sync_error_private_clear (VervalSyncErrorPrivate *priv)
{
}

/* GLib's macro finds the private part by stepping back from the GError
 * through a byte pointer; GLib allocates it aligned, which clang cannot see */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"
G_DEFINE_EXTENDED_ERROR (VervalSyncError, verval_sync_error)
#pragma GCC diagnostic pop

void
verval_sync_error_set_retry_after (GError *error,
                                   guint   seconds)
{
  VervalSyncErrorPrivate *priv;

  g_return_if_fail (error != NULL);

  if (error->domain == VERVAL_SYNC_ERROR && (priv = verval_sync_error_get_private (error)) != NULL)
    priv->retry_after = seconds;
}

guint
verval_sync_error_get_retry_after (const GError *error)
{
  VervalSyncErrorPrivate *priv;

  if (error == NULL || error->domain != VERVAL_SYNC_ERROR ||
      (priv = verval_sync_error_get_private (error)) == NULL)
    return 0;
  return priv->retry_after;
}

const char *
verval_sync_error_code_name (VervalSyncError code)
{
  /* stored by collectors: never rename one */
  static const char * const names[] = {
    [VERVAL_SYNC_ERROR_NONE] = "none",
    [VERVAL_SYNC_ERROR_NOT_ENROLLED] = "not_enrolled",
    [VERVAL_SYNC_ERROR_CODE_REFUSED] = "code_refused",
    [VERVAL_SYNC_ERROR_CODE_EXPIRED] = "code_expired",
    [VERVAL_SYNC_ERROR_CODE_USED] = "code_used",
    [VERVAL_SYNC_ERROR_TOKEN_REFUSED] = "token_refused",
    [VERVAL_SYNC_ERROR_ACCOUNT_DISABLED] = "account_disabled",
    [VERVAL_SYNC_ERROR_OFFLINE] = "offline",
    [VERVAL_SYNC_ERROR_UNREACHABLE] = "unreachable",
    [VERVAL_SYNC_ERROR_DROPPED] = "dropped",
    [VERVAL_SYNC_ERROR_SERVER] = "server",
    [VERVAL_SYNC_ERROR_TLS] = "tls",
    [VERVAL_SYNC_ERROR_INSECURE_URL] = "insecure_url",
    [VERVAL_SYNC_ERROR_INVALID_URL] = "invalid_url",
    [VERVAL_SYNC_ERROR_PROTOCOL] = "protocol",
    [VERVAL_SYNC_ERROR_REFUSED] = "refused",
    [VERVAL_SYNC_ERROR_LOCAL] = "local",
    [VERVAL_SYNC_ERROR_MEDIA_MISSING] = "media_missing",
    [VERVAL_SYNC_ERROR_CANCELLED] = "cancelled",
    [VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS] = "too_many_attempts",
  };

  if ((guint) code >= G_N_ELEMENTS (names) || names[code] == NULL)
    return "unknown";
  return names[code];
}

gboolean
verval_sync_error_is_transient (VervalSyncError code)
{
  switch (code)
    {
    case VERVAL_SYNC_ERROR_OFFLINE:
    case VERVAL_SYNC_ERROR_UNREACHABLE:
    case VERVAL_SYNC_ERROR_DROPPED:
    case VERVAL_SYNC_ERROR_SERVER:
    case VERVAL_SYNC_ERROR_PROTOCOL:
    case VERVAL_SYNC_ERROR_LOCAL:
    case VERVAL_SYNC_ERROR_REFUSED:
      return TRUE;
    case VERVAL_SYNC_ERROR_NONE:
    case VERVAL_SYNC_ERROR_NOT_ENROLLED:
    case VERVAL_SYNC_ERROR_CODE_REFUSED:
    case VERVAL_SYNC_ERROR_CODE_EXPIRED:
    case VERVAL_SYNC_ERROR_CODE_USED:
    case VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS:
    case VERVAL_SYNC_ERROR_TOKEN_REFUSED:
    case VERVAL_SYNC_ERROR_ACCOUNT_DISABLED:
    case VERVAL_SYNC_ERROR_TLS:
    case VERVAL_SYNC_ERROR_INSECURE_URL:
    case VERVAL_SYNC_ERROR_INVALID_URL:
    case VERVAL_SYNC_ERROR_MEDIA_MISSING:
    case VERVAL_SYNC_ERROR_CANCELLED:
    default:
      return FALSE;
    }
}

VervalSyncError
verval_sync_error_classify (const GError *error)
{
  if (error == NULL)
    return VERVAL_SYNC_ERROR_NONE;
  if (error->domain == VERVAL_SYNC_ERROR)
    return error->code;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return VERVAL_SYNC_ERROR_CANCELLED;
  if (error->domain == VERVAL_HTTP_ERROR)
    {
      switch ((VervalHttpError) error->code)
        {
        case VERVAL_HTTP_ERROR_INVALID_URL:
          return VERVAL_SYNC_ERROR_INVALID_URL;
        case VERVAL_HTTP_ERROR_INSECURE_URL:
          return VERVAL_SYNC_ERROR_INSECURE_URL;
        case VERVAL_HTTP_ERROR_RESOLVE:
          return VERVAL_SYNC_ERROR_OFFLINE;
        case VERVAL_HTTP_ERROR_CONNECT:
          return VERVAL_SYNC_ERROR_UNREACHABLE;
        case VERVAL_HTTP_ERROR_TIMEOUT:
        case VERVAL_HTTP_ERROR_DROPPED:
        case VERVAL_HTTP_ERROR_FAILED:
          return VERVAL_SYNC_ERROR_DROPPED;
        case VERVAL_HTTP_ERROR_TLS:
          return VERVAL_SYNC_ERROR_TLS;
        case VERVAL_HTTP_ERROR_FILE:
          return VERVAL_SYNC_ERROR_MEDIA_MISSING;
        case VERVAL_HTTP_ERROR_CANCELLED:
          return VERVAL_SYNC_ERROR_CANCELLED;
        default:
          return VERVAL_SYNC_ERROR_DROPPED;
        }
    }
  return VERVAL_SYNC_ERROR_LOCAL;
}

char *
verval_sync_message_for_error (VervalSyncError  code,
                               GDateTime       *next_retry)
{
  g_autofree char *when = NULL;
  const char *what;

  switch (code)
    {
    case VERVAL_SYNC_ERROR_NONE:
      return g_strdup (_("All data has been sent"));
    case VERVAL_SYNC_ERROR_NOT_ENROLLED:
      return g_strdup (_("This device is not registered with a server yet. Enter the enrollment code from your administrator."));
    case VERVAL_SYNC_ERROR_CODE_REFUSED:
      return g_strdup (_("The server refused the enrollment code. Check the code or ask your administrator for a new one."));
    case VERVAL_SYNC_ERROR_CODE_EXPIRED:
      return g_strdup (_("The enrollment code has expired. Ask your administrator for a new one."));
    case VERVAL_SYNC_ERROR_CODE_USED:
      return g_strdup (_("The enrollment code was already used. Ask your administrator for a new one."));
    case VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS:
      return g_strdup (_("The server is not taking enrollment codes from this network for a while, because too many wrong ones were tried. Check the code and try again later."));
    case VERVAL_SYNC_ERROR_TOKEN_REFUSED:
      return g_strdup (_("The server no longer accepts this device. Ask your administrator for a new enrollment code; your data stays on this device."));
    case VERVAL_SYNC_ERROR_ACCOUNT_DISABLED:
      return g_strdup (_("Your account on the server is disabled. Contact your administrator; your data stays on this device."));
    case VERVAL_SYNC_ERROR_TLS:
      return g_strdup (_("The server's security certificate could not be verified, so nothing was sent. Contact your administrator."));
    case VERVAL_SYNC_ERROR_INSECURE_URL:
      return g_strdup (_("The server address must start with https://."));
    case VERVAL_SYNC_ERROR_INVALID_URL:
      return g_strdup (_("The server address is not valid."));
    case VERVAL_SYNC_ERROR_MEDIA_MISSING:
      return g_strdup (_("A photo file is missing from this device. The visit that uses it cannot be sent."));
    case VERVAL_SYNC_ERROR_CANCELLED:
      return g_strdup (_("Sending was stopped. It continues the next time."));
    case VERVAL_SYNC_ERROR_OFFLINE:
      what = _("No internet connection");
      break;
    case VERVAL_SYNC_ERROR_UNREACHABLE:
      what = _("The server cannot be reached");
      break;
    case VERVAL_SYNC_ERROR_DROPPED:
      what = _("The connection was lost");
      break;
    case VERVAL_SYNC_ERROR_SERVER:
      what = _("The server has a problem");
      break;
    case VERVAL_SYNC_ERROR_PROTOCOL:
      what = _("The server's answer could not be read");
      break;
    case VERVAL_SYNC_ERROR_REFUSED:
      what = _("The server refused a request");
      break;
    case VERVAL_SYNC_ERROR_LOCAL:
    default:
      what = _("This device could not read or write its data");
      break;
    }

  if (next_retry == NULL)
    return g_strdup_printf (_("%s. It will be tried again."), what);
  {
    g_autoptr(GDateTime) local = g_date_time_to_local (next_retry);

    when = g_date_time_format (local, "%H:%M");
  }
  /* Translators: first %s is what went wrong, second a time like 17:45 */
  return g_strdup_printf (_("%s, will try again at %s"), what, when);
}

char *
verval_sync_message_for_problem (const char *code,
                                 const char *field,
                                 const char *message)
{
  if (code == NULL)
    code = "";
  if (g_str_equal (code, "household_not_assigned"))
    return g_strdup (_("The server says this household is not assigned to you."));
  if (g_str_equal (code, "visit_owned_by_other"))
    return g_strdup (_("The server already has this visit from another coordinator."));
  if (g_str_equal (code, "stale_revision"))
    return g_strdup (_("The server already has a newer version of this visit."));
  if (g_str_equal (code, "unknown_form") || g_str_equal (code, "unknown_form_version"))
    return g_strdup (_("The server does not know this questionnaire version. Update the app or contact your administrator."));
  if (g_str_equal (code, "identity_mismatch"))
    return g_strdup (_("The NIK or KK in this visit does not match the household."));
  if (g_str_equal (code, "invalid_location"))
    return g_strdup (_("The recorded location is not valid."));
  if (g_str_equal (code, "invalid_time"))
    return g_strdup (_("The visit's start or end time is not valid."));
  if (g_str_equal (code, "invalid_media") || g_str_equal (code, "media_not_listed") ||
      g_str_equal (code, "too_many_media"))
    return g_strdup (_("The server refused the visit's photos."));
  if (g_str_equal (code, "invalid_answer") || g_str_equal (code, "invalid_answers") ||
      g_str_equal (code, "result_mismatch") || g_str_equal (code, "invalid_result_code"))
    {
      if (field != NULL && field[0] != '\0')
        /* Translators: %s is a question's id, e.g. answers.floor_area */
        return g_strdup_printf (_("The server refused an answer (%s)."), field);
      return g_strdup (_("The server refused the answers."));
    }
  if (message != NULL && message[0] != '\0')
    /* Translators: %s is the server's own explanation, in English */
    return g_strdup_printf (_("The server refused this visit: %s"), message);
  return g_strdup (_("The server refused this visit."));
}
