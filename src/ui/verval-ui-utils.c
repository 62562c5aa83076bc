/* verval-ui-utils.c: small formatting helpers shared by the widgets
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdarg.h>

#include "verval-ui-utils.h"

char *
verval_ui_join_nonempty (const char *separator,
                         ...)
{
  GString *out = g_string_new (NULL);
  const char *part;
  va_list args;

  va_start (args, separator);
  while ((part = va_arg (args, const char *)) != NULL)
    {
      if (*part == '\0')
        continue;
      if (out->len > 0)
        g_string_append (out, separator);
      g_string_append (out, part);
    }
  va_end (args);
  return g_string_free (out, FALSE);
}

const char *
verval_ui_visit_state_label (VervalVisitState state)
{
  switch (state)
    {
    case VERVAL_VISIT_STATE_NONE:
      return _("Not visited yet");
    case VERVAL_VISIT_STATE_DRAFT:
      return _("Visit started, not finished");
    case VERVAL_VISIT_STATE_FINAL:
      return _("Visited, waiting to upload");
    case VERVAL_VISIT_STATE_SENT:
      return _("Visited and uploaded");
    case VERVAL_VISIT_STATE_REJECTED:
      return _("Sent back by a supervisor");
    default:
      return "";
    }
}

const char *
verval_ui_visit_state_icon (VervalVisitState   state,
                            const char       **label)
{
  *label = verval_ui_visit_state_label (state);
  switch (state)
    {
    case VERVAL_VISIT_STATE_DRAFT:
      return "document-edit-symbolic";
    case VERVAL_VISIT_STATE_FINAL:
      return "document-send-symbolic";
    case VERVAL_VISIT_STATE_SENT:
      return "emblem-ok-symbolic";
    case VERVAL_VISIT_STATE_REJECTED:
      return "dialog-warning-symbolic";
    case VERVAL_VISIT_STATE_NONE:
    default:
      return NULL;
    }
}

char *
verval_ui_format_date (guint day,
                       guint month,
                       guint year)
{
  g_autoptr(GDateTime) date = NULL;

  date = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (date == NULL)
    return g_strdup_printf ("%02u-%02u-%04u", day, month, year);
  /* Translators: a full date, see the strftime manual; keep %-d for no padding */
  return g_date_time_format (date, _("%-d %B %Y"));
}

char *
verval_ui_format_count (guint n)
{
  return g_strdup_printf ("%'u", n);
}

char *
verval_ui_format_when (gint64 unix_seconds)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (unix_seconds);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (when == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    {
      g_autofree char *time = g_date_time_format (when, "%H:%M");

      /* Translators: a sync attempt's time, e.g. "Today 17:42" */
      return g_strdup_printf (_("Today %s"), time);
    }
  /* Translators: a sync attempt's date and time, strftime format, e.g. "3 Nov 17:42" */
  return g_date_time_format (when, _("%-d %b %H:%M"));
}

void
verval_ui_set_desil_badge (GtkLabel *label,
                           int       desil)
{
  g_autofree char *text = NULL;
  g_autofree char *klass = NULL;

  gtk_widget_set_visible (GTK_WIDGET (label), desil > 0);
  if (desil <= 0)
    return;

  text = g_strdup_printf (_("Decile %d"), desil);
  klass = g_strdup_printf ("desil-%d", CLAMP (desil, 1, 4));
  gtk_label_set_label (label, text);
  gtk_widget_set_css_classes (GTK_WIDGET (label), (const char *[]) { "desil-badge", klass, NULL });
}
