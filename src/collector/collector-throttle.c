/* collector-throttle.c: failed attempts per client address, in a sliding window
 *
 * Enrollment codes are long enough that guessing one is hopeless, but a
 * collector on the internet should still not answer guesses at full speed.
 * Each address may fail a number of times within a window; after that it
 * waits until the oldest failure has left the window. Successful attempts
 * cost nothing, so an operator who mistypes a code once is never held up.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include <string.h>

#include "collector-throttle.h"

#define MAX_KEYS COLLECTOR_THROTTLE_MAX_KEYS

struct _CollectorThrottle
{
  GMutex      lock;
  guint       max_failures;
  gint64      window;
  GHashTable *entries;  /* key → GArray of gint64 failure times, oldest first */
};

CollectorThrottle *
collector_throttle_new (guint max_failures,
                        guint window_seconds)
{
  CollectorThrottle *self;

  g_return_val_if_fail (max_failures > 0 && window_seconds > 0, NULL);

  self = g_new0 (CollectorThrottle, 1);
  g_mutex_init (&self->lock);
  self->max_failures = max_failures;
  self->window = window_seconds;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_array_unref);
  return self;
}

void
collector_throttle_free (CollectorThrottle *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_mutex_clear (&self->lock);
  g_free (self);
}

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

/* Drops the failures that left the window; TRUE if none is left. */
static gboolean
expire (CollectorThrottle *self,
        GArray            *times,
        gint64             now)
{
  guint old = 0;

  while (old < times->len && g_array_index (times, gint64, old) <= now - self->window)
    old++;
  if (old > 0)
    g_array_remove_range (times, 0, old);
  return times->len == 0;
}

/* Seconds until key may try again; 0 if it may now. now is in seconds on a
 * clock that does not jump (g_get_monotonic_time () / G_USEC_PER_SEC). */
guint
collector_throttle_wait (CollectorThrottle *self,
                         const char        *key,
                         gint64             now)
{
  GArray *times;
  guint wait = 0;

  g_return_val_if_fail (self != NULL && key != NULL, 0);

  g_mutex_lock (&self->lock);
  times = g_hash_table_lookup (self->entries, key);
  if (times != NULL)
    {
      if (expire (self, times, now))
        g_hash_table_remove (self->entries, key);
      else if (times->len >= self->max_failures)
        wait = (guint) MAX (1, g_array_index (times, gint64, times->len - self->max_failures)
                               + self->window - now);
    }
  g_mutex_unlock (&self->lock);
  return wait;
}

/* Makes room for one more address: drops those whose failures all left
 * the window, and if none did, the one whose last failure is oldest. */
static void
forget_stale (CollectorThrottle *self,
              gint64             now)
{
  GHashTableIter iter;
  gpointer key, value;
  const char *oldest_key = NULL;
  gint64 oldest = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *times = value;

      if (expire (self, times, now))
        g_hash_table_iter_remove (&iter);
      else if (g_array_index (times, gint64, times->len - 1) < oldest)
        {
          oldest = g_array_index (times, gint64, times->len - 1);
          oldest_key = key;
        }
    }
  if (g_hash_table_size (self->entries) >= MAX_KEYS && oldest_key != NULL)
    g_hash_table_remove (self->entries, oldest_key);
}

void
collector_throttle_failed (CollectorThrottle *self,
                           const char        *key,
                           gint64             now)
{
  GArray *times;

  g_return_if_fail (self != NULL && key != NULL);

  g_mutex_lock (&self->lock);
  times = g_hash_table_lookup (self->entries, key);
  if (times == NULL)
    {
      if (g_hash_table_size (self->entries) >= MAX_KEYS)
        forget_stale (self, now);
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->entries, g_strdup (key), times);
    }
  else
    expire (self, times, now);
  g_array_append_val (times, now);
  /* Only the newest max_failures matter. */
  if (times->len > self->max_failures)
    g_array_remove_range (times, 0, times->len - self->max_failures);
  g_mutex_unlock (&self->lock);
}
