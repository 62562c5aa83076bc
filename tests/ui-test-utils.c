/* ui-test-utils.c: waiting, widget lookup and screenshots for the widget tests
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "ui-test-utils.h"

static gboolean
timeout_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
ui_test_wait_for (UiTestCondition condition,
                  gpointer        data)
{
  gboolean expired = FALSE;
  guint id;

  id = g_timeout_add_seconds (UI_TEST_WAIT_SECONDS, timeout_cb, &expired);
  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return condition (data);
}

static gboolean
settle_cb (gpointer data)
{
  gboolean *done = data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

void
ui_test_settle (void)
{
  gboolean done = FALSE;

  /* A few frames at 60 Hz: enough for a resize, allocation and paint. */
  g_timeout_add (150, settle_cb, &done);
  ui_test_wait_for (is_true, &done);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
ui_test_close_window (gpointer window_ptr)
{
  GtkWindow **window = window_ptr;

  gtk_window_destroy (*window);
  g_clear_object (window);
  ui_test_settle ();
}

void
ui_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        ui_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
ui_test_save_screenshot (GtkWidget  *widget,
                         const char *name)
{
  const char *dir = g_getenv ("VERVAL_TEST_ARTIFACTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width, height;

  if (dir == NULL || *dir == '\0')
    return;

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  /* A window that has not drawn yet renders to nothing: give it frames. */
  paintable = gtk_widget_paintable_new (widget);
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      if (node == NULL)
        ui_test_settle ();
    }
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  g_mkdir_with_parents (dir, 0755);
  file_name = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file_name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
find_widgets (GtkWidget *widget,
              GType      type,
              gboolean   mapped_only,
              GPtrArray *out)
{
  if (mapped_only && !gtk_widget_get_mapped (widget))
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_widgets (child, type, mapped_only, out);
}

GPtrArray *
ui_test_find_widgets (GtkWidget *root,
                      GType      type,
                      gboolean   mapped_only)
{
  GPtrArray *out = g_ptr_array_new ();

  find_widgets (root, type, mapped_only, out);
  return out;
}

char *
ui_test_collect_labels (GtkWidget *root)
{
  g_autoptr(GPtrArray) labels = ui_test_find_widgets (root, GTK_TYPE_LABEL, TRUE);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < labels->len; i++)
    {
      g_string_append (out, gtk_label_get_text (g_ptr_array_index (labels, i)));
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

gboolean
ui_test_use_indonesian (char **old_locale)
{
  g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *mo = g_build_filename (podir, "id", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *previous = g_strdup (setlocale (LC_ALL, NULL));

  if (!g_file_test (mo, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the Indonesian catalogue is not built");
      return FALSE;
    }
  if (setlocale (LC_ALL, "id_ID.UTF-8") == NULL)
    {
      g_test_skip ("the id_ID.UTF-8 locale is not generated (build-aux/dev deps does it)");
      return FALSE;
    }
  bindtextdomain (GETTEXT_PACKAGE, podir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  *old_locale = g_steal_pointer (&previous);
  return TRUE;
}

void
ui_test_init (int    *argc,
              char ***argv)
{
  g_test_init (argc, argv, NULL);
  gtk_init ();
  adw_init ();
  /* Screenshots and mapped-widget checks must not catch a transition midway. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/id/verval/Verval/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                      "/id/verval/Verval/icons");
  }
}
