/* webdriver.c: a real headless Chromium for the dashboard's browser tests
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "test-port.h"
#include "webdriver.h"

/* what WebDriver calls an element reference's member */
#define ELEMENT_KEY "element-6066-11e4-a52e-4f735466cecf"
#define START_TIMEOUT_S 30

struct _WebDriver
{
  GSubprocess *driver;
  SoupSession *session;
  char        *base;       /* "http://127.0.0.1:PORT/session/ID/" once a session is open */
  char        *profile;
};

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* One request; the answer's "value", or NULL with *status set when the
 * browser answered with an error (then *error_code is its "error"). */
static JsonNode *
request (WebDriver   *driver,
         const char  *method,
         const char  *url,
         JsonNode    *body,
         guint       *status,
         char       **error_code)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonNode *value;

  g_assert_nonnull (msg);
  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (driver->session, msg, NULL, &error);
  if (answer == NULL)
    g_error ("WebDriver %s %s: %s", method, url, error->message);
  *status = soup_message_get_status (msg);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_error ("WebDriver %s %s answered %u with no JSON", method, url, *status);
  root = json_node_get_object (json_parser_get_root (parser));
  value = json_object_get_member (root, "value");
  if (*status != SOUP_STATUS_OK)
    {
      JsonObject *problem = value != NULL && JSON_NODE_HOLDS_OBJECT (value) ? json_node_get_object (value) : NULL;

      if (error_code != NULL)
        *error_code = g_strdup (problem != NULL ? json_object_get_string_member_with_default (problem, "error", "")
                                                : "");
      /* looking for what is not there (yet) is how webdriver_find() waits */
      if (problem != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (problem, "error", ""), "no such element") != 0)
        g_test_message ("WebDriver %s %s: %s", method, url,
                        json_object_get_string_member_with_default (problem, "message", ""));
      return NULL;
    }
  return value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL);
}

/* A request that must succeed: its value. */
static JsonNode *
call (WebDriver  *driver,
      const char *method,
      const char *path,
      JsonNode   *body)
{
  g_autofree char *url = g_strconcat (driver->base, path, NULL);
  g_autofree char *code = NULL;
  guint status;
  JsonNode *value = request (driver, method, url, body, &status, &code);

  if (value == NULL)
    g_error ("WebDriver %s %s failed: HTTP %u %s", method, path, status, code);
  return value;
}

static JsonNode *
object_node (JsonBuilder *builder)
{
  return json_builder_get_root (builder);
}

static void
start_session (WebDriver *driver,
               guint      width,
               guint      height,
               guint16    port)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *chromium = g_find_program_in_path ("chromium");
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/session", port);
  g_autofree char *size = g_strdup_printf ("--window-size=%u,%u", width, height);
  g_autofree char *profile_arg = g_strconcat ("--user-data-dir=", driver->profile, NULL);
  const char *args[] = {
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--lang=id",
    size, profile_arg,
  };
  guint status = 0;

  if (chromium == NULL)
    g_error ("No chromium on PATH: install Debian's chromium and chromium-driver (build-aux/dev deps)");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "capabilities");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "alwaysMatch");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "browserName");
  json_builder_add_string_value (b, "chrome");
  json_builder_set_member_name (b, "goog:chromeOptions");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "binary");
  json_builder_add_string_value (b, chromium);
  json_builder_set_member_name (b, "args");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    json_builder_add_string_value (b, args[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  body = object_node (b);

  value = request (driver, "POST", url, body, &status, NULL);
  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    g_error ("Chromium did not start (HTTP %u from chromedriver)", status);
  driver->base = g_strdup_printf ("http://127.0.0.1:%u/session/%s/", port,
                                  json_object_get_string_member (json_node_get_object (value), "sessionId"));
}

WebDriver *
webdriver_new (guint width,
               guint height)
{
  WebDriver *driver = g_new0 (WebDriver, 1);
  g_autofree char *chromedriver = g_find_program_in_path ("chromedriver");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_arg = NULL;
  g_autofree char *status_url = NULL;
  gint64 deadline;
  guint16 port;

  if (chromedriver == NULL)
    g_error ("No chromedriver on PATH: install Debian's chromium-driver (build-aux/dev deps)");
  driver->session = soup_session_new_with_options ("timeout", 60, NULL);
  driver->profile = g_dir_make_tmp ("verval-chromium-XXXXXX", &error);
  g_assert_no_error (error);
  port = test_free_port ();
  port_arg = g_strdup_printf ("--port=%u", port);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  driver->driver = g_subprocess_launcher_spawn (launcher, &error, chromedriver, port_arg,
                                                "--allowed-ips=127.0.0.1", NULL);
  if (driver->driver == NULL)
    g_error ("Cannot start chromedriver: %s", error->message);

  /* ready once it answers its status */
  status_url = g_strdup_printf ("http://127.0.0.1:%u/status", port);
  deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", status_url);
      g_autoptr(GBytes) answer = soup_session_send_and_read (driver->session, msg, NULL, NULL);

      if (answer != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("chromedriver did not answer on port %u within %d s", port, START_TIMEOUT_S);
      g_usleep (50 * 1000);
    }
  start_session (driver, width, height, port);
  return driver;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                                   NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

void
webdriver_free (WebDriver *driver)
{
  if (driver == NULL)
    return;
  if (driver->base != NULL)
    {
      guint status;
      /* the session's URL without its trailing "/" */
      g_autofree char *url = g_strndup (driver->base, strlen (driver->base) - 1);
      JsonNode *ignored = request (driver, "DELETE", url, NULL, &status, NULL);

      g_clear_pointer (&ignored, json_node_unref);
    }
  if (driver->driver != NULL)
    {
      g_subprocess_send_signal (driver->driver, SIGTERM);
      g_subprocess_wait (driver->driver, NULL, NULL);
      g_object_unref (driver->driver);
    }
  remove_tree (driver->profile);
  g_free (driver->profile);
  g_free (driver->base);
  g_object_unref (driver->session);
  g_free (driver);
}

void
webdriver_set_size (WebDriver *driver,
                    guint      width,
                    guint      height)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) value = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, height);
  json_builder_end_object (b);
  body = object_node (b);
  value = call (driver, "POST", "window/rect", body);
}

static JsonNode *
string_body (const char *name,
             const char *text)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  return object_node (b);
}

void
webdriver_navigate (WebDriver  *driver,
                    const char *url)
{
  g_autoptr(JsonNode) body = string_body ("url", url);
  JsonNode *value = call (driver, "POST", "url", body);

  json_node_unref (value);
}

static char *
get_string (WebDriver  *driver,
            const char *path)
{
  g_autoptr(JsonNode) value = call (driver, "GET", path, NULL);

  return g_strdup (JSON_NODE_HOLDS_VALUE (value) ? json_node_get_string (value) : NULL);
}

char *
webdriver_get_url (WebDriver *driver)
{
  return get_string (driver, "url");
}

char *
webdriver_get_title (WebDriver *driver)
{
  return get_string (driver, "title");
}

static JsonNode *
locator (const char *selector)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "using");
  json_builder_add_string_value (b, "css selector");
  json_builder_set_member_name (b, "value");
  json_builder_add_string_value (b, selector);
  json_builder_end_object (b);
  return object_node (b);
}

char *
webdriver_find (WebDriver  *driver,
                const char *selector,
                guint       timeout_ms)
{
  g_autoptr(JsonNode) body = locator (selector);
  g_autofree char *url = g_strconcat (driver->base, "element", NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *code = NULL;
      guint status;
      g_autoptr(JsonNode) value = request (driver, "POST", url, body, &status, &code);

      if (value != NULL)
        return g_strdup (json_object_get_string_member (json_node_get_object (value), ELEMENT_KEY));
      if (g_strcmp0 (code, "no such element") != 0)
        g_error ("WebDriver could not look for %s: HTTP %u %s", selector, status, code);
      if (g_get_monotonic_time () >= deadline)
        return NULL;
      g_usleep (50 * 1000);
    }
}

guint
webdriver_count (WebDriver  *driver,
                 const char *selector)
{
  g_autoptr(JsonNode) body = locator (selector);
  g_autoptr(JsonNode) value = call (driver, "POST", "elements", body);

  return json_array_get_length (json_node_get_array (value));
}

char *
webdriver_text (WebDriver  *driver,
                const char *element)
{
  g_autofree char *path = g_strdup_printf ("element/%s/text", element);

  return get_string (driver, path);
}

void
webdriver_click (WebDriver  *driver,
                 const char *element)
{
  g_autofree char *path = g_strdup_printf ("element/%s/click", element);
  g_autoptr(JsonNode) body = json_from_string ("{}", NULL);
  JsonNode *value = call (driver, "POST", path, body);

  json_node_unref (value);
}

void
webdriver_type (WebDriver  *driver,
                const char *element,
                const char *text)
{
  g_autofree char *path = g_strdup_printf ("element/%s/value", element);
  g_autoptr(JsonNode) body = string_body ("text", text);
  JsonNode *value = call (driver, "POST", path, body);

  json_node_unref (value);
}

JsonNode *
webdriver_execute (WebDriver  *driver,
                   const char *script,
                   JsonArray  *args)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonArray) none = json_array_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "script");
  json_builder_add_string_value (b, script);
  json_builder_set_member_name (b, "args");
  /* the node takes its own reference to the array */
  json_builder_add_value (b, json_node_init_array (json_node_alloc (), args != NULL ? args : none));
  json_builder_end_object (b);
  body = object_node (b);
  return call (driver, "POST", "execute/sync", body);
}

void
webdriver_screenshot (WebDriver  *driver,
                      const char *path)
{
  g_autofree char *base64 = get_string (driver, "screenshot");
  g_autofree guchar *png = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  png = g_base64_decode (base64, &length);
  if (!g_file_set_contents (path, (const char *) png, length, &error))
    g_error ("Cannot keep the screenshot %s: %s", path, error->message);
}
