/* bench-sync.c: sync throughput on loopback and goodput over a shaped link
 *
 * argv: verval-collector, sync-driver, and the curl command line tool (the
 * baseline: a raw upload of the same bytes in the same run).
 *
 * The shaped link is a pair of network namespaces joined by an emulated
 * line (1 Mbit/s, 150 ms each way = 300 ms RTT, 2 % loss). Plain HTTP
 * is only allowed to loopback, so the collector there speaks HTTPS with a
 * certificate made for the run, which the client trusts via its CA option.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE  /* setns() */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "test-sync-util.h"
#include "verval-photo.h"

#define LOOP_VISITS      1000
#define LOOP_PHOTOS      3
#define LOOP_PHOTO_BYTES 100000
#define LINK_VISITS      25
#define LINK_PHOTOS      3
#define LINK_PHOTO_BYTES 100000
#define LINK_BITS        1000000.0
#define NS_CLIENT        "verval-bench-c"
#define NS_SERVER        "verval-bench-s"
#define SERVER_IP        "10.213.77.2"

static const char *collector_exe;
static const char *driver_exe;
static const char *curl_exe;

static char *
read_token (const char *client_dir)
{
  g_autofree char *path = g_build_filename (client_dir, "device-token", NULL);
  g_autofree char *content = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  lines = g_strsplit (content, "\n", 3);
  return g_strdup (lines[1]);
}

/* A curl config that PUTs every file to base/api/v1/media/<sha> on one
 * connection, the way a hand-made uploader would. */
static char *
write_curl_config (const char *dir,
                   const char *base,
                   const char *token,
                   const char *ca_file,
                   GPtrArray  *paths,
                   GPtrArray  *hashes)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = g_build_filename (dir, "curl.cfg", NULL);

  g_string_append_printf (text, "silent\nshow-error\nfail\nheader = \"Authorization: Bearer %s\"\n"
                                "header = \"Content-Type: image/jpeg\"\nheader = \"Expect:\"\n", token);
  if (ca_file != NULL)
    g_string_append_printf (text, "cacert = \"%s\"\n", ca_file);
  for (guint i = 0; i < paths->len; i++)
    g_string_append_printf (text, "url = \"%sapi/v1/media/%s\"\nupload-file = \"%s\"\noutput = \"/dev/null\"\n",
                            base, (char *) g_ptr_array_index (hashes, i), (char *) g_ptr_array_index (paths, i));
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
  return g_steal_pointer (&path);
}

static double
run_timed (const char * const *argv,
           char              **out)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, out, NULL, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_printerr ("%s failed\n", argv[0]);
      return -1;
    }
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* Random photo-sized files for the baseline: same sizes, other bytes. */
static void
make_files (const char *dir,
            guint       n,
            gsize       size,
            GPtrArray  *paths,
            GPtrArray  *hashes)
{
  g_autofree guint8 *buffer = g_malloc (size);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("raw-%u.jpg", i);
      char *path = g_build_filename (dir, name, NULL);

      for (gsize k = 0; k < size; k += 4)
        {
          guint32 r = g_random_int ();

          memcpy (buffer + k, &r, MIN (4, size - k));
        }
      g_assert_true (g_file_set_contents (path, (const char *) buffer, size, NULL));
      g_ptr_array_add (paths, path);
      g_ptr_array_add (hashes, g_compute_checksum_for_data (G_CHECKSUM_SHA256, buffer, size));
    }
}

static void
bench_loopback (void)
{
  g_autoptr(SyncCollector) sc = sync_collector_new (collector_exe, LOOP_VISITS);
  g_autoptr(SyncCollector) baseline = sync_collector_new (collector_exe, 1);
  g_autoptr(GPtrArray) uuids = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *code2 = NULL;
  g_autofree char *token = NULL;
  g_autofree char *config = NULL;
  SyncClient *client, *other;
  guint64 bytes_before, bytes;
  double payload, sync_s, curl_s = -1;
  gint64 start;

  sync_collector_start (sc);
  sync_collector_start (baseline);
  client = sync_client_new (NULL);
  verval_sync_set_timeouts (client->sync, 20, 64, 60);
  code = sync_collector_issue_code (sc);
  g_assert_true (verval_sync_enroll_sync (client->sync, sc->url, code, "bench", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (verval_sync_run_sync (client->sync, "bench", NULL, &error));
  g_assert_no_error (error);
  uuids = sync_client_add_visits (client, 0, LOOP_VISITS, LOOP_PHOTOS, LOOP_PHOTO_BYTES);

  bytes_before = verval_sync_get_bytes_sent (client->sync);
  start = g_get_monotonic_time ();
  g_assert_true (verval_sync_run_sync (client->sync, "bench", NULL, &error));
  g_assert_no_error (error);
  sync_s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  bytes = verval_sync_get_bytes_sent (client->sync) - bytes_before;
  g_assert_cmpint (sync_collector_query_int (sc, "SELECT count(*) FROM visits"), ==, LOOP_VISITS);
  g_assert_cmpint (sync_client_query_int (client, "SELECT count(*) FROM visits WHERE state = 'sent'"), ==,
                   LOOP_VISITS);
  payload = (double) LOOP_VISITS * LOOP_PHOTOS * LOOP_PHOTO_BYTES;

  /* the same photo bytes, PUT by the curl tool on one connection to a
   * collector that has none of them */
  if (curl_exe != NULL)
    {
      const char *media_dir = verval_store_get_media_dir (client->store);
      g_autofree char *dir = g_dir_make_tmp ("verval-bench-curl-XXXXXX", NULL);

      other = sync_client_new (dir);
      code2 = sync_collector_issue_code (baseline);
      g_assert_true (verval_sync_enroll_sync (other->sync, baseline->url, code2, "curl", NULL, &error));
      g_assert_no_error (error);
      token = read_token (dir);
      {
        g_autoptr(GDir) top = g_dir_open (media_dir, 0, NULL);
        const char *sub;

        while (top != NULL && (sub = g_dir_read_name (top)) != NULL)
          {
            g_autofree char *subdir = g_build_filename (media_dir, sub, NULL);
            g_autoptr(GDir) d = strlen (sub) == 2 ? g_dir_open (subdir, 0, NULL) : NULL;
            const char *name;

            while (d != NULL && (name = g_dir_read_name (d)) != NULL)
              if (g_str_has_suffix (name, ".jpg") && strlen (name) == 68)
                {
                  g_ptr_array_add (paths, g_build_filename (subdir, name, NULL));
                  g_ptr_array_add (hashes, g_strndup (name, 64));
                }
          }
      }
      g_assert_cmpuint (paths->len, ==, LOOP_VISITS * LOOP_PHOTOS);
      config = write_curl_config (dir, baseline->url, token, NULL, paths, hashes);
      curl_s = run_timed ((const char *[]) { curl_exe, "-K", config, NULL }, NULL);
      g_assert_cmpfloat (curl_s, >, 0);
      sync_client_free (other, TRUE);
    }

  printf ("sync_visits=%u\n", LOOP_VISITS);
  printf ("sync_photos=%u\n", LOOP_VISITS * LOOP_PHOTOS);
  printf ("sync_photo_bytes=%.0f\n", payload);
  printf ("sync_1000_s=%.2f\n", sync_s);
  printf ("sync_visits_per_s=%.0f\n", LOOP_VISITS / sync_s);
  /* everything the engine put on the wire, over the photo bytes alone */
  printf ("sync_bytes_ratio=%.4f\n", bytes / payload);
  if (curl_s > 0)
    {
      printf ("raw_curl_upload_s=%.2f\n", curl_s);
      printf ("sync_ratio_vs_raw_curl=%.2f\n", sync_s / curl_s);
    }
  else
    printf ("raw_curl_upload_s=skipped (no curl tool)\n");
  fflush (stdout);
  sync_client_free (client, TRUE);
}

/* ---------------------------------------------------------------- shaped link
 *
 * The link is emulated in this process at the IP layer: each namespace has
 * a TUN interface, and two threads carry packets between them, dropping 2 %
 * at random, serialising at 1 Mbit/s (a 100-packet queue, tail drop) and
 * delivering 150 ms later. The kernels' TCP stacks see a real long, lossy,
 * narrow link. (tc netem would do the same, but not every kernel has it.) */

#define LINK_DELAY_US   150000
#define LINK_LOSS       0.02
#define LINK_QUEUE      100

typedef struct {
  gint64  at;
  gsize   length;
  guint8  data[2048];
} Packet;

typedef struct {
  int           in;
  int           out;
  volatile gint stop;
  guint         n_dropped;
  guint         n_packets;
} Pipe;

static Pipe   link_pipes[2];
static GThread *link_threads[2];
static int    link_fds[2] = { -1, -1 };

static gpointer
pipe_loop (gpointer data)
{
  Pipe *p = data;
  GQueue queue = G_QUEUE_INIT;
  gint64 link_free = 0;

  while (!g_atomic_int_get (&p->stop))
    {
      struct pollfd pfd = { p->in, POLLIN, 0 };
      Packet *head = g_queue_peek_head (&queue);
      gint64 now = g_get_monotonic_time ();
      int timeout = 20;

      if (head != NULL)
        timeout = CLAMP ((head->at - now + 999) / 1000, 0, 20);
      if (poll (&pfd, 1, timeout) > 0 && (pfd.revents & POLLIN))
        {
          Packet *packet = g_new (Packet, 1);
          gssize n = read (p->in, packet->data, sizeof packet->data);

          now = g_get_monotonic_time ();
          if (n <= 0 || g_random_double () < LINK_LOSS || g_queue_get_length (&queue) >= LINK_QUEUE)
            {
              if (n > 0)
                p->n_dropped++;
              g_free (packet);
            }
          else
            {
              /* serialisation at the link rate, then the propagation delay */
              link_free = MAX (link_free, now) + (gint64) (n * 8 * 1e6 / LINK_BITS);
              packet->length = n;
              packet->at = link_free + LINK_DELAY_US;
              g_queue_push_tail (&queue, packet);
              p->n_packets++;
            }
        }
      now = g_get_monotonic_time ();
      while ((head = g_queue_peek_head (&queue)) != NULL && head->at <= now)
        {
          if (write (p->out, head->data, head->length) < 0)
            p->n_dropped++;
          g_free (g_queue_pop_head (&queue));
        }
    }
  g_queue_clear_full (&queue, g_free);
  return NULL;
}

typedef struct {
  const char *ns;
  const char *name;
  int         fd;
} TunRequest;

/* setns() changes only the calling thread: make the TUN in a throwaway one. */
static gpointer
make_tun (gpointer data)
{
  TunRequest *r = data;
  g_autofree char *path = g_build_filename ("/run/netns", r->ns, NULL);
  struct ifreq ifr = { 0 };
  int ns = open (path, O_RDONLY | O_CLOEXEC);

  r->fd = -1;
  if (ns < 0 || setns (ns, CLONE_NEWNET) != 0)
    {
      if (ns >= 0)
        close (ns);
      return NULL;
    }
  close (ns);
  r->fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (r->fd < 0)
    return NULL;
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  g_strlcpy (ifr.ifr_name, r->name, IFNAMSIZ);
  if (ioctl (r->fd, TUNSETIFF, &ifr) < 0)
    {
      close (r->fd);
      r->fd = -1;
    }
  return NULL;
}

static gboolean
sh (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  if (!g_spawn_command_line_sync (command, NULL, &err, &status, &error) || !g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("# %s: %s\n", command, error != NULL ? error->message : err);
      return FALSE;
    }
  return TRUE;
}

static void
teardown_link (void)
{
  for (guint i = 0; i < 2; i++)
    if (link_threads[i] != NULL)
      {
        g_atomic_int_set (&link_pipes[i].stop, 1);
        g_thread_join (g_steal_pointer (&link_threads[i]));
      }
  for (guint i = 0; i < 2; i++)
    if (link_fds[i] >= 0)
      {
        close (link_fds[i]);
        link_fds[i] = -1;
      }
  g_spawn_command_line_sync ("ip netns del " NS_CLIENT, NULL, NULL, NULL, NULL);
  g_spawn_command_line_sync ("ip netns del " NS_SERVER, NULL, NULL, NULL, NULL);
}

static gboolean
setup_link (void)
{
  static const char * const commands[] = {
    "ip -n " NS_CLIENT " addr add 10.213.77.1/24 dev vvb-c",
    "ip -n " NS_SERVER " addr add " SERVER_IP "/24 dev vvb-s",
    "ip -n " NS_CLIENT " link set vvb-c up",
    "ip -n " NS_SERVER " link set vvb-s up",
    "ip -n " NS_CLIENT " link set lo up",
    "ip -n " NS_SERVER " link set lo up",
    NULL
  };
  TunRequest c = { NS_CLIENT, "vvb-c", -1 }, s = { NS_SERVER, "vvb-s", -1 };

  g_spawn_command_line_sync ("ip netns del " NS_CLIENT, NULL, NULL, NULL, NULL);
  g_spawn_command_line_sync ("ip netns del " NS_SERVER, NULL, NULL, NULL, NULL);
  if (!sh ("ip netns add " NS_CLIENT) || !sh ("ip netns add " NS_SERVER))
    {
      teardown_link ();
      return FALSE;
    }
  g_thread_join (g_thread_new ("tun", make_tun, &c));
  g_thread_join (g_thread_new ("tun", make_tun, &s));
  link_fds[0] = c.fd;
  link_fds[1] = s.fd;
  if (c.fd < 0 || s.fd < 0)
    {
      g_printerr ("# cannot make TUN interfaces in the namespaces\n");
      teardown_link ();
      return FALSE;
    }
  for (guint i = 0; commands[i] != NULL; i++)
    if (!sh (commands[i]))
      {
        teardown_link ();
        return FALSE;
      }
  link_pipes[0] = (Pipe) { c.fd, s.fd, 0, 0, 0 };
  link_pipes[1] = (Pipe) { s.fd, c.fd, 0, 0, 0 };
  link_threads[0] = g_thread_new ("link-up", pipe_loop, &link_pipes[0]);
  link_threads[1] = g_thread_new ("link-down", pipe_loop, &link_pipes[1]);
  return TRUE;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
bench_shaped (void)
{
  g_autoptr(SyncCollector) sc = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = NULL;
  g_autofree char *client_dir = NULL;
  g_autofree char *crt = NULL;
  g_autofree char *key = NULL;
  g_autofree char *command = NULL;
  g_autofree char *line = NULL;
  g_autofree char *code = NULL;
  g_autofree char *token = NULL;
  g_autofree char *config = NULL;
  g_autofree char *output = NULL;
  g_autofree char *n_visits = g_strdup_printf ("%u", LINK_VISITS);
  g_autofree char *n_photos = g_strdup_printf ("%u", LINK_PHOTOS);
  g_autofree char *photo_bytes = g_strdup_printf ("%u", LINK_PHOTO_BYTES);
  const char *url = "https://" SERVER_IP ":8443/";
  double payload = (double) LINK_VISITS * LINK_PHOTOS * LINK_PHOTO_BYTES;
  double sync_s, curl_s = -1;

  if (geteuid () != 0 || !setup_link ())
    {
      printf ("sync_goodput_pct=skipped (needs root, ip netns and /dev/net/tun; not here)\n");
      return;
    }

  dir = g_dir_make_tmp ("verval-bench-link-XXXXXX", NULL);
  crt = g_build_filename (dir, "collector.crt", NULL);
  key = g_build_filename (dir, "collector.key", NULL);
  command = g_strdup_printf ("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" SERVER_IP
                             " -addext subjectAltName=IP:" SERVER_IP " -keyout %s -out %s", key, crt);
  if (!sh (command))
    {
      printf ("sync_goodput_pct=skipped (openssl could not make a certificate)\n");
      teardown_link ();
      sync_test_rm_rf (dir);
      return;
    }

  sc = sync_collector_new (collector_exe, LINK_VISITS);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, "ip", "netns", "exec", NS_SERVER, collector_exe,
                                        "serve", "--data-dir", sc->data_dir, "--listen", SERVER_IP ":8443",
                                        "--tls-cert", crt, "--tls-key", key, "--quiet", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  client_dir = g_build_filename (dir, "client", NULL);
  code = sync_collector_issue_code (sc);
  g_assert_cmpfloat (run_timed ((const char *[]) { "ip", "netns", "exec", NS_CLIENT, driver_exe, "--data-dir",
                                                 client_dir, "--patient", "--ca-file", crt,
                                                 "enroll", url, code, NULL }, NULL), >, 0);
  g_assert_cmpfloat (run_timed ((const char *[]) { "ip", "netns", "exec", NS_CLIENT, driver_exe, "--data-dir",
                                                 client_dir, "--patient", "--ca-file", crt, "sync", NULL }, NULL), >, 0);
  g_assert_cmpfloat (run_timed ((const char *[]) { driver_exe, "--data-dir", client_dir, "add-visits", "0",
                                                 n_visits, n_photos, photo_bytes, NULL }, NULL), >, 0);
  sync_s = run_timed ((const char *[]) { "ip", "netns", "exec", NS_CLIENT, driver_exe, "--data-dir",
                                         client_dir, "--patient", "--ca-file", crt, "sync", NULL }, &output);
  g_assert_cmpfloat (sync_s, >, 0);
  g_assert_cmpint (sync_collector_query_int (sc, "SELECT count(*) FROM visits"), ==, LINK_VISITS);

  if (curl_exe != NULL)
    {
      make_files (dir, LINK_VISITS * LINK_PHOTOS, LINK_PHOTO_BYTES, paths, hashes);
      token = read_token (client_dir);
      config = write_curl_config (dir, url, token, crt, paths, hashes);
      curl_s = run_timed ((const char *[]) { "ip", "netns", "exec", NS_CLIENT, curl_exe, "-K", config, NULL }, NULL);
    }

  printf ("link=1mbit_300ms_rtt_2pct_loss\n");
  printf ("link_packets_dropped=%u\n", link_pipes[0].n_dropped + link_pipes[1].n_dropped);
  printf ("link_photo_bytes=%.0f\n", payload);
  printf ("link_sync_s=%.2f\n", sync_s);
  /* photo bytes only: headers, JSON, handshakes and pulls are overhead */
  printf ("sync_goodput_pct=%.1f\n", payload * 8 / sync_s / LINK_BITS * 100);
  if (curl_s > 0)
    {
      printf ("link_raw_curl_s=%.2f\n", curl_s);
      printf ("raw_curl_goodput_pct=%.1f\n", payload * 8 / curl_s / LINK_BITS * 100);
      printf ("sync_goodput_vs_raw_curl=%.2f\n", curl_s / sync_s);
    }
  fflush (stdout);

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  teardown_link ();
  sync_test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  if (argc < 3)
    {
      g_printerr ("usage: %s VERVAL-COLLECTOR SYNC-DRIVER [CURL]\n", argv[0]);
      return 1;
    }
  g_setenv ("VERVAL_SECRET_BACKEND", "file", TRUE);
  collector_exe = argv[1];
  driver_exe = argv[2];
  curl_exe = argc > 3 ? argv[3] : NULL;

  /* VERVAL_BENCH_SYNC=loopback or =link runs one half */
  if (g_strcmp0 (g_getenv ("VERVAL_BENCH_SYNC"), "link") != 0)
    bench_loopback ();
  if (g_strcmp0 (g_getenv ("VERVAL_BENCH_SYNC"), "loopback") != 0)
    bench_shaped ();
  return 0;
}
