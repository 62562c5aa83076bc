/* collector-throttle.c: failures counted against a client, and its wait
 *
 * Enrollment codes are long enough that guessing one is hopeless, but a
 * collector on the internet should still not answer guesses at full speed;
 * passwords are shorter than codes and chosen by people, so sign-ins are
 * counted both per address and per account. Each key may fail a number of
 * times within a window; after that it waits until the oldest failure has
 * left the window (collector_rules_throttle_wait()). Successful attempts
 * cost nothing, so an operator who mistypes once is never held up. The
 * failures are kept in the store, where every collector sharing it counts
 * them.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <string.h>

#include "collector-rules.h"
#include "collector-throttle.h"

/* One key per IPv4 address, and per /64 for IPv6, which is what a single
 * subscriber usually gets. */
char *
collector_throttle_key (GInetAddress *address)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  g_autoptr(GInetAddress) prefix = NULL;
  g_autofree char *text = NULL;
  guint8 bytes[16];

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return g_inet_address_to_string (address);
  memcpy (bytes, g_inet_address_to_bytes (address), sizeof bytes);
  if (memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0)
    {
      prefix = g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
      return g_inet_address_to_string (prefix);
    }
  memset (bytes + 8, 0, 8);
  prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (prefix);
  return g_strconcat (text, "/64", NULL);
}

gboolean
collector_throttle_check (const CollectorThrottle  *throttle,
                          CollectorStore           *store,
                          const char               *key,
                          gint64                    now,
                          guint                    *wait,
                          GError                  **error)
{
  g_autoptr(GArray) recent = NULL;

  g_return_val_if_fail (throttle != NULL && throttle->max_failures > 0, FALSE);
  g_return_val_if_fail (key != NULL && wait != NULL, FALSE);

  recent = collector_store_recent_failures (store, throttle->kind, key, now - throttle->window + 1,
                                            throttle->max_failures, error);
  if (recent == NULL)
    return FALSE;
  *wait = collector_rules_throttle_wait ((const gint64 *) (gpointer) recent->data, recent->len,
                                         throttle->max_failures, throttle->window, now);
  return TRUE;
}

void
collector_throttle_note (const CollectorThrottle *throttle,
                         CollectorStore          *store,
                         const char              *key,
                         gint64                   now)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (throttle != NULL && key != NULL);

  /* failures older than any window are no one's any more */
  if (!collector_store_note_failure (store, throttle->kind, key, now, now - throttle->window, &error))
    g_warning ("Cannot count a failure (%s): %s", collector_failure_kind_name (throttle->kind),
               error->message);
}
