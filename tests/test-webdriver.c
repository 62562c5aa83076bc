/* test-webdriver.c: the browser the dashboard's tests drive, on a page of
 * the test's own
 *
 * Checks what the dashboard's browser tests rely on, against a page served
 * from this program on loopback: a headless Chromium starts from Debian's
 * packages, loads the page, runs its script, finds, reads, clicks and
 * types, and takes screenshots at the two widths the dashboard is tested
 * at. Text that looks like markup, put in with textContent, shows as text
 * and runs nothing: the rule every dashboard page follows.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "webdriver.h"

static const char page[] =
  "<!DOCTYPE html>\n"
  "<html lang=\"id\"><head><meta charset=\"utf-8\">"
  "<meta name=\"viewport\" content=\"width=device-width\">"
  "<title>Uji peramban</title></head><body>"
  "<h1 id=\"heading\">Ringkasan</h1>"
  "<p id=\"name\"></p>"
  "<button id=\"count\" type=\"button\">0</button>"
  "<input id=\"search\" type=\"search\">"
  "<ul id=\"villages\"></ul>"
  "<script src=\"/page.js\"></script>"
  "</body></html>\n";

static const char script[] =
  "const hostile = '<img src=x onerror=\"window.pwned = true\"><script>window.pwned = true</' + 'script>';\n"
  "document.getElementById ('name').textContent = hostile;\n"
  "for (const v of ['Sukasada', 'Panji', 'Ambengan']) {\n"
  "  const li = document.createElement ('li');\n"
  "  li.textContent = v;\n"
  "  document.getElementById ('villages').append (li);\n"
  "}\n"
  "const button = document.getElementById ('count');\n"
  "button.addEventListener ('click', () => { button.textContent = String (Number (button.textContent) + 1); });\n";

static void
serve_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  /* what the dashboard sends: no inline script may run */
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; object-src 'none'");
  if (g_str_equal (path, "/"))
    soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, page, strlen (page));
  else if (g_str_equal (path, "/page.js"))
    soup_server_message_set_response (msg, "text/javascript", SOUP_MEMORY_STATIC, script, strlen (script));
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

typedef struct {
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *uri;
  GMutex        lock;
  GCond         cond;
} Site;

static gpointer
site_thread (gpointer data)
{
  Site *site = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (site->context);
  site->server = soup_server_new ("server-header", "verval-test", NULL);
  soup_server_add_handler (site->server, NULL, serve_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (site->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (site->server);
  g_mutex_lock (&site->lock);
  site->uri = g_uri_to_string (uris->data);
  g_cond_signal (&site->cond);
  g_mutex_unlock (&site->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (site->loop);
  g_clear_object (&site->server);
  g_main_context_pop_thread_default (site->context);
  return NULL;
}

/* The PNG's width, from its header. */
static guint32
png_width (const char *path)
{
  g_autofree guchar *data = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, (char **) &data, &length, NULL));
  g_assert_cmpuint (length, >, 24);
  g_assert_cmpmem (data + 1, 3, "PNG", 3);
  return (guint32) data[16] << 24 | (guint32) data[17] << 16 | (guint32) data[18] << 8 | data[19];
}

static void
test_page (void)
{
  Site site = { 0 };
  g_autoptr(WebDriver) browser = NULL;
  g_autoptr(JsonNode) pwned = NULL;
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  g_autofree char *count = NULL;
  g_autofree char *button = NULL;
  g_autofree char *field = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *wide = NULL;
  g_autofree char *narrow = NULL;
  const char *artifacts = g_getenv ("VERVAL_TEST_ARTIFACTS");
  g_autofree char *dir = g_build_filename (artifacts != NULL ? artifacts : g_get_tmp_dir (), "webdriver", NULL);
  GThread *thread;

  g_mutex_init (&site.lock);
  g_cond_init (&site.cond);
  site.context = g_main_context_new ();
  site.loop = g_main_loop_new (site.context, FALSE);
  thread = g_thread_new ("site", site_thread, &site);
  g_mutex_lock (&site.lock);
  while (site.uri == NULL)
    g_cond_wait (&site.cond, &site.lock);
  g_mutex_unlock (&site.lock);

  browser = webdriver_new (1280, 800);
  webdriver_navigate (browser, site.uri);
  title = webdriver_get_title (browser);
  g_assert_cmpstr (title, ==, "Uji peramban");

  /* markup put in as text is shown as text, and nothing of it ran */
  g_assert_nonnull ((name = webdriver_find (browser, "#name", 5000)));
  shown = webdriver_text (browser, name);
  g_assert_true (g_str_has_prefix (shown, "<img src=x onerror="));
  g_assert_nonnull (strstr (shown, "<script>"));
  g_assert_cmpuint (webdriver_count (browser, "#name img"), ==, 0);
  pwned = webdriver_execute (browser, "return window.pwned === undefined;", NULL);
  g_assert_true (json_node_get_boolean (pwned));

  g_assert_cmpuint (webdriver_count (browser, "#villages li"), ==, 3);
  g_assert_null (webdriver_find (browser, "#no-such-thing", 200));

  button = webdriver_find (browser, "#count", 1000);
  webdriver_click (browser, button);
  webdriver_click (browser, button);
  count = webdriver_text (browser, button);
  g_assert_cmpstr (count, ==, "2");

  field = webdriver_find (browser, "#search", 1000);
  webdriver_type (browser, field, "Sukasada");
  {
    g_autoptr(JsonArray) args = json_array_new ();
    g_autoptr(JsonNode) value = NULL;

    json_array_add_string_element (args, "search");
    value = webdriver_execute (browser, "return document.getElementById (arguments[0]).value;", args);
    g_assert_cmpstr (json_node_get_string (value), ==, "Sukasada");
  }

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  wide = g_build_filename (dir, "page-1280.png", NULL);
  narrow = g_build_filename (dir, "page-360.png", NULL);
  webdriver_screenshot (browser, wide);
  g_assert_cmpuint (png_width (wide), ==, 1280);
  webdriver_set_size (browser, 360, 740);
  webdriver_screenshot (browser, narrow);
  g_assert_cmpuint (png_width (narrow), <=, 400);

  g_clear_pointer (&browser, webdriver_free);
  g_main_loop_quit (site.loop);
  g_thread_join (thread);
  g_main_loop_unref (site.loop);
  g_main_context_unref (site.context);
  g_free (site.uri);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/webdriver/page", test_page);
  return g_test_run ();
}
