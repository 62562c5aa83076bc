/* sync-proxy.c: a TCP proxy for sync tests (dropped answers, 500s, hangs,
 * throttling)
 *
 * Blocking sockets and two pump threads per connection: simple to reason
 * about, and the tests never open more than a handful of connections.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "sync-proxy.h"

#define CHUNK 4096

typedef struct _Conn Conn;

struct _SyncProxy
{
  GSocket      *listener;
  guint16       port;
  GThread      *accept_thread;
  GCancellable *cancellable;

  GMutex        lock;
  guint16       target_port;
  guint         drop_visits;
  guint         garble_visits;
  guint         fail_requests;
  gboolean      hang;
  guint         rate;
  gint64        next_slot[2];   /* monotonic µs when each direction is free */
  guint         n_dropped;
  guint         n_failed;
  guint         n_connections;
  GPtrArray    *conns;
  guint64       cut_media_after;  /* 0: off */
  gint64        down_until;       /* after a cut, the link stays down a while */
  guint         n_cut;
  guint64       media_bytes_up;   /* of PUT /api/v1/media/… requests */
};

struct _Conn
{
  SyncProxy *proxy;
  GSocket   *client;
  GSocket   *server;
  GThread   *up;        /* client → server */
  GThread   *down;      /* server → client */
  gboolean   drop_next_answer;
  gboolean   closed;
  gboolean   in_media_put;   /* the request going up is a photo upload */
  gboolean   cutting;        /* forward cut_left more bytes, then close */
  guint64    cut_left;
};

static void
conn_close (Conn *c)
{
  g_mutex_lock (&c->proxy->lock);
  c->closed = TRUE;
  g_mutex_unlock (&c->proxy->lock);
  g_socket_shutdown (c->client, TRUE, TRUE, NULL);
  if (c->server != NULL)
    g_socket_shutdown (c->server, TRUE, TRUE, NULL);
}

/* Waits for the shared line to carry n bytes in one direction. */
static void
throttle (SyncProxy *proxy,
          int        direction,
          gsize      n)
{
  gint64 now, start, wait;

  g_mutex_lock (&proxy->lock);
  if (proxy->rate == 0)
    {
      g_mutex_unlock (&proxy->lock);
      return;
    }
  now = g_get_monotonic_time ();
  start = MAX (now, proxy->next_slot[direction]);
  proxy->next_slot[direction] = start + (gint64) n * G_USEC_PER_SEC / proxy->rate;
  wait = proxy->next_slot[direction] - now;
  g_mutex_unlock (&proxy->lock);
  if (wait > 0)
    g_usleep (wait);
}

static gboolean
send_all (GSocket     *socket,
          const char  *data,
          gsize        length)
{
  while (length > 0)
    {
      gssize n = g_socket_send (socket, data, length, NULL, NULL);

      if (n <= 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

static gboolean
starts_request (const char *data,
                gssize      n)
{
  static const char * const methods[] = { "GET ", "POST ", "PUT ", "HEAD ", NULL };

  for (guint i = 0; methods[i] != NULL; i++)
    if (n >= (gssize) strlen (methods[i]) && memcmp (data, methods[i], strlen (methods[i])) == 0)
      return TRUE;
  return FALSE;
}

static gpointer
pump_up (gpointer data)
{
  Conn *c = data;
  SyncProxy *proxy = c->proxy;
  char buffer[CHUNK];

  for (;;)
    {
      gssize n = g_socket_receive (c->client, buffer, sizeof buffer, NULL, NULL);
      gboolean fail = FALSE, garble = FALSE, hang;

      if (n <= 0)
        break;
      g_mutex_lock (&proxy->lock);
      hang = proxy->hang;
      if (starts_request (buffer, n))
        {
          c->in_media_put = n > 18 && memcmp (buffer, "PUT /api/v1/media/", 18) == 0;
          if (c->in_media_put && proxy->cut_media_after > 0)
            {
              c->cutting = TRUE;
              c->cut_left = proxy->cut_media_after;
              proxy->cut_media_after = 0;
              proxy->n_cut++;
            }
          if (proxy->fail_requests > 0)
            {
              proxy->fail_requests--;
              proxy->n_failed++;
              fail = TRUE;
            }
          else if (proxy->garble_visits > 0 && n > 20 && memcmp (buffer, "POST /api/v1/visits", 19) == 0)
            {
              proxy->garble_visits--;
              garble = TRUE;
            }
          else if (proxy->drop_visits > 0 && n > 20 && memcmp (buffer, "POST /api/v1/visits", 19) == 0)
            {
              proxy->drop_visits--;
              c->drop_next_answer = TRUE;
            }
        }
      g_mutex_unlock (&proxy->lock);
      if (hang)
        continue;
      if (garble)
        {
          static const char reply[] =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n"
            "Connection: close\r\n\r\nnot json!";

          send_all (c->client, reply, strlen (reply));
          break;
        }
      if (fail)
        {
          static const char body[] = "{\"error\":{\"code\":\"internal\",\"message\":\"proxy failure\"}}";
          g_autofree char *reply =
            g_strdup_printf ("HTTP/1.1 500 Internal Server Error\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s", strlen (body), body);

          send_all (c->client, reply, strlen (reply));
          break;
        }
      if (c->cutting)
        n = MIN ((guint64) n, c->cut_left);
      g_mutex_lock (&proxy->lock);
      if (c->in_media_put)
        proxy->media_bytes_up += n;
      g_mutex_unlock (&proxy->lock);
      throttle (proxy, 0, n);
      if (!send_all (c->server, buffer, n))
        break;
      if (c->cutting && (c->cut_left -= n) == 0)
        {
          /* the link breaks mid-body: both ends see the connection go,
           * and a reconnection fails for a while, as on a real link */
          g_mutex_lock (&proxy->lock);
          proxy->down_until = g_get_monotonic_time () + SYNC_PROXY_DOWN_MS * 1000;
          g_mutex_unlock (&proxy->lock);
          break;
        }
    }
  conn_close (c);
  return NULL;
}

static gpointer
pump_down (gpointer data)
{
  Conn *c = data;
  SyncProxy *proxy = c->proxy;
  char buffer[CHUNK];

  for (;;)
    {
      gssize n = g_socket_receive (c->server, buffer, sizeof buffer, NULL, NULL);
      gboolean drop;

      if (n <= 0)
        break;
      g_mutex_lock (&proxy->lock);
      drop = c->drop_next_answer;
      if (drop)
        proxy->n_dropped++;
      g_mutex_unlock (&proxy->lock);
      if (drop)
        break;
      throttle (proxy, 1, n);
      if (!send_all (c->client, buffer, n))
        break;
    }
  conn_close (c);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  SyncProxy *proxy = data;

  for (;;)
    {
      g_autoptr(GSocket) client = g_socket_accept (proxy->listener, proxy->cancellable, NULL);
      g_autoptr(GSocket) server = NULL;
      g_autoptr(GInetAddress) loopback = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      Conn *c;
      guint16 target;
      gboolean down;

      if (client == NULL)
        break;
      g_mutex_lock (&proxy->lock);
      target = proxy->target_port;
      proxy->n_connections++;
      down = g_get_monotonic_time () < proxy->down_until;
      g_mutex_unlock (&proxy->lock);
      if (down)
        {
          g_socket_close (client, NULL);
          continue;
        }

      loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      address = g_inet_socket_address_new (loopback, target);
      server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      if (server == NULL || !g_socket_connect (server, address, NULL, NULL))
        {
          /* the collector is down: the client sees a refused connection */
          g_socket_close (client, NULL);
          continue;
        }
      c = g_new0 (Conn, 1);
      c->proxy = proxy;
      c->client = g_steal_pointer (&client);
      c->server = g_steal_pointer (&server);
      g_mutex_lock (&proxy->lock);
      g_ptr_array_add (proxy->conns, c);
      g_mutex_unlock (&proxy->lock);
      c->up = g_thread_new ("proxy-up", pump_up, c);
      c->down = g_thread_new ("proxy-down", pump_down, c);
    }
  return NULL;
}

SyncProxy *
sync_proxy_new (guint16 target_port)
{
  SyncProxy *proxy = g_new0 (SyncProxy, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&proxy->lock);
  proxy->target_port = target_port;
  proxy->cancellable = g_cancellable_new ();
  proxy->conns = g_ptr_array_new ();
  proxy->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_option (proxy->listener, SOL_SOCKET, SO_REUSEADDR, 1, NULL);
  g_assert_true (g_socket_bind (proxy->listener, address, TRUE, &error));
  g_assert_true (g_socket_listen (proxy->listener, &error));
  bound = g_socket_get_local_address (proxy->listener, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  proxy->accept_thread = g_thread_new ("proxy-accept", accept_loop, proxy);
  return proxy;
}

void
sync_proxy_free (SyncProxy *proxy)
{
  g_cancellable_cancel (proxy->cancellable);
  g_thread_join (proxy->accept_thread);
  for (guint i = 0; i < proxy->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (proxy->conns, i);

      conn_close (c);
      g_thread_join (c->up);
      g_thread_join (c->down);
      g_object_unref (c->client);
      g_object_unref (c->server);
      g_free (c);
    }
  g_ptr_array_unref (proxy->conns);
  g_socket_close (proxy->listener, NULL);
  g_object_unref (proxy->listener);
  g_object_unref (proxy->cancellable);
  g_mutex_clear (&proxy->lock);
  g_free (proxy);
}

guint16
sync_proxy_get_port (SyncProxy *proxy)
{
  return proxy->port;
}

char *
sync_proxy_get_url (SyncProxy *proxy)
{
  return g_strdup_printf ("http://127.0.0.1:%u/", proxy->port);
}

#define SETTER(name, field, type)             \
  void                                        \
  sync_proxy_##name (SyncProxy *proxy,        \
                     type       value)        \
  {                                           \
    g_mutex_lock (&proxy->lock);              \
    proxy->field = value;                     \
    g_mutex_unlock (&proxy->lock);            \
  }

SETTER (set_target_port, target_port, guint16)
SETTER (drop_visit_responses, drop_visits, guint)
SETTER (fail_requests, fail_requests, guint)
SETTER (garble_visit_responses, garble_visits, guint)
SETTER (set_hang, hang, gboolean)
SETTER (set_rate, rate, guint)
SETTER (cut_media_upload, cut_media_after, guint64)

#define GETTER(name, field)                   \
  guint                                       \
  sync_proxy_##name (SyncProxy *proxy)        \
  {                                           \
    guint value;                              \
    g_mutex_lock (&proxy->lock);              \
    value = proxy->field;                     \
    g_mutex_unlock (&proxy->lock);            \
    return value;                             \
  }

GETTER (get_n_dropped, n_dropped)
GETTER (get_n_failed, n_failed)
GETTER (get_n_connections, n_connections)
GETTER (get_n_cut, n_cut)

guint64
sync_proxy_get_media_bytes_up (SyncProxy *proxy)
{
  guint64 value;

  g_mutex_lock (&proxy->lock);
  value = proxy->media_bytes_up;
  g_mutex_unlock (&proxy->lock);
  return value;
}
