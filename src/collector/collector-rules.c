/* collector-rules.c: the collector's decisions, with no SQL and no HTTP
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "collector-error.h"
#include "collector-rules.h"
#include "verval-regions.h"
#include "verval-wire-visit.h"

gboolean
collector_rules_check_enroll_code (const CollectorEnrollCodeFacts *code,
                                   gint64                          now,
                                   GError                        **error)
{
  if (code == NULL)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CODE,
                           "This enrollment code is not known");
      return FALSE;
    }
  /* a used code says so even once expired: the coordinator asks for a new
   * one either way, but "used" tells an office that someone else enrolled */
  if (code->used)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_USED,
                           "This enrollment code has already been used; ask for a new one");
      return FALSE;
    }
  if (code->expires_at <= now)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_CODE_EXPIRED,
                           "This enrollment code has expired; ask for a new one");
      return FALSE;
    }
  if (code->enumerator_disabled)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_ENUMERATOR_DISABLED,
                           "This enumerator account is disabled");
      return FALSE;
    }
  return TRUE;
}

gboolean
collector_rules_check_device (const CollectorDevice *device,
                              GError               **error)
{
  if (device == NULL)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_TOKEN,
                           "The device token is not valid; enrol the device again");
      return FALSE;
    }
  if (device->revoked_at != 0)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_TOKEN_REVOKED,
                           "This device has been revoked; enrol it again with a new code");
      return FALSE;
    }
  if (device->enumerator_disabled)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_ENUMERATOR_DISABLED,
                           "This enumerator account is disabled");
      return FALSE;
    }
  return TRUE;
}

static CollectorVisitOutcome *
rejected (const char *code,
          const char *field,
          char       *message)
{
  CollectorVisitOutcome *outcome = collector_visit_outcome_new (COLLECTOR_VISIT_REJECTED);

  g_ptr_array_add (outcome->problems, verval_wire_problem_new (code, field, "%s", message));
  g_free (message);
  return outcome;
}

CollectorVisitOutcome *
collector_rules_decide_visit (const CollectorVisitFacts *facts,
                              gint64                     enumerator_id,
                              const CollectorVisit      *visit,
                              CollectorVisitWrite       *write)
{
  CollectorVisitOutcome *outcome;

  g_return_val_if_fail (facts != NULL && visit != NULL && write != NULL, NULL);

  *write = COLLECTOR_VISIT_WRITE_NONE;
  /* a visit made before a reassignment still counts: the enumerator held
   * the household when they went there, so "was assigned" is enough */
  if (!facts->assigned)
    return rejected ("household_not_assigned", "household_id",
                     g_strdup_printf ("Household %s is not assigned to this enumerator",
                                      visit->household_id));
  if (facts->exists && facts->owner != enumerator_id)
    return rejected ("visit_owned_by_other", "uuid",
                     g_strdup_printf ("Visit %s belongs to another enumerator", visit->uuid));
  if (facts->exists && facts->revision == visit->revision)
    {
      /* contents are not compared: an edit raises the revision */
      outcome = collector_visit_outcome_new (COLLECTOR_VISIT_DUPLICATE);
      outcome->stored_revision = facts->revision;
      return outcome;
    }
  if (facts->exists && facts->revision > visit->revision)
    {
      outcome = rejected ("stale_revision", "revision",
                          g_strdup_printf ("Revision %" G_GINT64_FORMAT " is older than the stored"
                                           " revision %" G_GINT64_FORMAT,
                                           visit->revision, facts->revision));
      outcome->stored_revision = facts->revision;
      return outcome;
    }
  *write = facts->exists ? COLLECTOR_VISIT_WRITE_REPLACE : COLLECTOR_VISIT_WRITE_INSERT;
  outcome = collector_visit_outcome_new (facts->exists ? COLLECTOR_VISIT_REPLACED : COLLECTOR_VISIT_STORED);
  outcome->stored_revision = visit->revision;
  return outcome;
}

guint
collector_rules_throttle_wait (const gint64 *newest_first,
                               guint         n,
                               guint         max_failures,
                               guint         window,
                               gint64        now)
{
  gint64 free_at;

  g_return_val_if_fail (max_failures > 0, 0);

  if (n < max_failures)
    return 0;
  free_at = newest_first[max_failures - 1] + window;
  return free_at > now ? (guint) MIN (free_at - now, (gint64) G_MAXUINT) : 0;
}

gboolean
collector_rules_check_cursor (gint64   cursor,
                              gint64   highest,
                              GError **error)
{
  /* one past the highest ever given (a collector restored from an older
   * backup, a made-up value) would silently return nothing for ever */
  if (cursor > highest)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CURSOR,
                   "This collector never gave cursor %" G_GINT64_FORMAT " (it is at %" G_GINT64_FORMAT
                   "; was it restored from a backup?): pull again from 0", cursor, highest);
      return FALSE;
    }
  return TRUE;
}

char *
collector_rules_user_name (const char  *name,
                           GError     **error)
{
  g_autofree char *normal = NULL;
  glong length;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                           "A user name must be text");
      return NULL;
    }
  /* the same name typed on another keyboard may come composed otherwise */
  normal = g_strstrip (g_utf8_normalize (name, -1, G_NORMALIZE_NFC));
  length = g_utf8_strlen (normal, -1);
  if (length < 1 || length > 128)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                           "A user name has 1 to 128 characters");
      return NULL;
    }
  for (const char *p = normal; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                             "A user name cannot hold control characters");
        return NULL;
      }
  return g_steal_pointer (&normal);
}

char *
collector_rules_user_region (const char  *code,
                             GError     **error)
{
  /* an account sees its region's subtree: a region that does not exist
   * would be a subtree of nothing, or of a region created later */
  if (verval_region_code_level (code) == VERVAL_REGION_LEVEL_NONE)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a region code: give a province (51), kabupaten (5108), "
                   "kecamatan (510805) or desa (5108052001) code", code != NULL ? code : "");
      return NULL;
    }
  if (verval_regions_lookup_name (verval_regions_get_default (), code) == NULL)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (code));

      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "There is no region %s in the official list of region codes", trimmed);
      return NULL;
    }
  return verval_region_code_digits (code);
}

gboolean
collector_rules_check_password (const char  *password,
                                GError     **error)
{
  glong length;

  if (password == NULL || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                           "A password must be text");
      return FALSE;
    }
  length = g_utf8_strlen (password, -1);
  if (length < COLLECTOR_PASSWORD_MIN_LENGTH || length > COLLECTOR_PASSWORD_MAX_LENGTH)
    {
      g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_ARGUMENT,
                   "A password has %d to %d characters", COLLECTOR_PASSWORD_MIN_LENGTH,
                   COLLECTOR_PASSWORD_MAX_LENGTH);
      return FALSE;
    }
  return TRUE;
}

gboolean
collector_rules_check_sign_in (const CollectorUser  *user,
                               const char           *verified_hash,
                               GError              **error)
{
  /* one answer for every refusal: it must not tell a guesser which names
   * exist, nor which accounts are disabled */
  if (user == NULL || user->disabled || g_strcmp0 (user->password_hash, verified_hash) != 0)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_CREDENTIALS,
                           "The name or the password is wrong");
      return FALSE;
    }
  return TRUE;
}

gboolean
collector_rules_check_session (const CollectorSession  *session,
                               gint64                   now,
                               gboolean                *refresh,
                               GError                 **error)
{
  g_return_val_if_fail (refresh != NULL, FALSE);

  *refresh = FALSE;
  if (session == NULL || session->user->disabled)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_INVALID_SESSION,
                           "Not signed in; sign in again");
      return FALSE;
    }
  if (now - session->last_used_at >= COLLECTOR_SESSION_IDLE)
    {
      g_set_error_literal (error, COLLECTOR_ERROR, COLLECTOR_ERROR_SESSION_EXPIRED,
                           "Signed out after 12 hours without use; sign in again");
      return FALSE;
    }
  /* a last use ahead of @now is another collector's clock: leave it */
  *refresh = now - session->last_used_at >= COLLECTOR_SESSION_REFRESH;
  return TRUE;
}

void
collector_alert_settings_init_default (CollectorAlertSettings *settings)
{
  settings->queue_reports = COLLECTOR_ALERT_QUEUE_REPORTS;
  settings->queue_span = COLLECTOR_ALERT_QUEUE_SPAN;
  settings->error_repeats = COLLECTOR_ALERT_ERROR_REPEATS;
}

gboolean
collector_rules_queue_growing (GPtrArray                    *reports,
                               const CollectorAlertSettings *settings)
{
  const CollectorStatusReport *later = NULL;
  guint n = 0;

  g_return_val_if_fail (reports != NULL && settings != NULL, FALSE);
  g_return_val_if_fail (settings->queue_reports >= 2, FALSE);

  /* from the newest back, while each report held fewer than the next */
  for (guint i = reports->len; i > 0; i--)
    {
      const CollectorStatusReport *r = g_ptr_array_index (reports, i - 1);

      if (r->queue_depth < 0)
        continue;
      if (later != NULL && r->queue_depth >= later->queue_depth)
        break;
      n++;
      if (n >= settings->queue_reports &&
          ((const CollectorStatusReport *) g_ptr_array_index (reports, reports->len - 1))->at - r->at >=
            settings->queue_span)
        return TRUE;
      later = r;
    }
  return FALSE;
}

const char *
collector_rules_error_repeating (GPtrArray                    *reports,
                                 const CollectorAlertSettings *settings)
{
  const char *code = NULL;

  g_return_val_if_fail (reports != NULL && settings != NULL, NULL);
  g_return_val_if_fail (settings->error_repeats >= 1, NULL);

  if (reports->len < settings->error_repeats)
    return NULL;
  for (guint i = reports->len - settings->error_repeats; i < reports->len; i++)
    {
      const CollectorStatusReport *r = g_ptr_array_index (reports, i);

      if (r->error_code == NULL || (code != NULL && !g_str_equal (code, r->error_code)))
        return NULL;
      code = r->error_code;
    }
  return code;
}
