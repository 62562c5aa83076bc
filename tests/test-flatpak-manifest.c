/* test-flatpak-manifest.c: the Flatpak manifest parses and keeps its promises
 *
 * It cannot be built here (no network to Flathub), so this checks what a
 * reviewer would: the runtime, the local checkout as the app's source,
 * minimal permissions, and every downloaded source pinned by sha256.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

static JsonObject *manifest;

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static void
test_runtime (void)
{
  const char *version;

  g_assert_cmpstr (json_object_get_string_member (manifest, "id"), ==, "id.verval.Verval");
  g_assert_cmpstr (json_object_get_string_member (manifest, "runtime"), ==, "org.gnome.Platform");
  g_assert_cmpstr (json_object_get_string_member (manifest, "sdk"), ==, "org.gnome.Sdk");
  g_assert_cmpstr (json_object_get_string_member (manifest, "command"), ==, "verval");
  /* GNOME 44 ships GTK 4.10 / libadwaita 1.3, 45 GTK 4.12 / libadwaita 1.4. */
  version = json_object_get_string_member (manifest, "runtime-version");
  g_assert_true (g_strcmp0 (version, "44") == 0 || g_strcmp0 (version, "45") == 0);
}

static void
test_permissions (void)
{
  JsonArray *args = json_object_get_array_member (manifest, "finish-args");
  static const char *required[] = {
    "--socket=wayland", "--socket=fallback-x11", "--share=ipc", "--share=network",
    "--device=all", "--system-talk-name=org.freedesktop.GeoClue2",
    "--talk-name=org.freedesktop.secrets",
  };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    g_assert_true (array_has_string (args, required[i]));

  /* Lists come in through the file chooser portal: no file-system access,
   * no X11 alongside Wayland, no session-bus wildcard. */
  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      const char *arg = json_array_get_string_element (args, i);

      g_assert_false (g_str_has_prefix (arg, "--filesystem="));
      g_assert_cmpstr (arg, !=, "--socket=x11");
      g_assert_cmpstr (arg, !=, "--socket=session-bus");
      g_assert_cmpstr (arg, !=, "--socket=system-bus");
    }
}

static void
test_sources (void)
{
  JsonArray *modules = json_object_get_array_member (manifest, "modules");
  guint n = json_array_get_length (modules);
  JsonObject *app;
  JsonObject *source;

  g_assert_cmpuint (n, >=, 1);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *module = json_array_get_object_element (modules, i);
      JsonArray *sources = json_object_get_array_member (module, "sources");

      g_assert_nonnull (json_object_get_string_member (module, "name"));
      g_assert_nonnull (sources);
      for (guint j = 0; j < json_array_get_length (sources); j++)
        {
          const char *type;

          source = json_array_get_object_element (sources, j);
          type = json_object_get_string_member (source, "type");
          if (g_strcmp0 (type, "archive") == 0 || g_strcmp0 (type, "file") == 0)
            {
              const char *url = json_object_get_string_member_with_default (source, "url", NULL);
              const char *sha = json_object_get_string_member_with_default (source, "sha256", NULL);

              g_assert_true (g_str_has_prefix (url, "https://"));
              if (!is_sha256 (sha))
                g_error ("module %s: %s is not pinned by sha256",
                         json_object_get_string_member (module, "name"), url);
            }
          else if (g_strcmp0 (type, "git") == 0)
            g_assert_true (json_object_has_member (source, "commit"));
          else
            g_assert_cmpstr (type, ==, "dir");
        }
    }

  /* The app itself is the last module, built from this checkout. */
  app = json_array_get_object_element (modules, n - 1);
  g_assert_cmpstr (json_object_get_string_member (app, "name"), ==, "verval");
  g_assert_cmpstr (json_object_get_string_member (app, "buildsystem"), ==, "meson");
  source = json_array_get_object_element (json_object_get_array_member (app, "sources"), 0);
  g_assert_cmpstr (json_object_get_string_member (source, "type"), ==, "dir");
  g_assert_cmpstr (json_object_get_string_member (source, "path"), ==, "..");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "..", "flatpak", "id.verval.Verval.json", NULL);
  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  manifest = json_node_get_object (json_parser_get_root (parser));

  g_test_add_func ("/data/flatpak/runtime", test_runtime);
  g_test_add_func ("/data/flatpak/permissions", test_permissions);
  g_test_add_func ("/data/flatpak/sources", test_sources);

  return g_test_run ();
}
