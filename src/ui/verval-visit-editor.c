/* verval-visit-editor.c: the questionnaire of one visit, a section per page
 *
 * The pages are built from the form definition. Each question is a
 * preferences group (its label wraps at 360 px) with touch-sized rows and a
 * message line under it. Every answer goes straight into the VervalVisit,
 * which the visit store autosaves; the form is validated again after each
 * change, which hides the questions and sections the answers skip and
 * refreshes the messages. "Required" errors wait until the first attempt
 * to finalize, so an empty form does not start out red.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "verval-camera.h"
#include "verval-camera-dialog.h"
#include "verval-location.h"
#include "verval-photo.h"
#include "verval-visit-editor.h"

/* How long "get location" waits for a fix before it gives up. */
#define LOCATION_TIMEOUT_SECONDS 60
#define THUMB_SIZE               120
#define TOUCH_SIZE               44

typedef struct _VervalVisitEditor VervalVisitEditor;

typedef struct {
  const VervalFormSection *section;
  GtkWidget               *page;     /* the stack child */
  GtkWidget               *content;  /* the questions */
} SectionView;

typedef struct {
  VervalVisitEditor     *editor;
  const VervalFormField *field;
  GtkWidget             *box;        /* group + message */
  AdwPreferencesGroup   *group;
  GtkLabel              *message;
  GPtrArray             *choices;    /* GtkCheckButton, in option order (yes, no) */
  AdwEntryRow           *entry;
  /* photo */
  GtkFlowBox            *thumbs;
  GtkWidget             *photo_buttons;
  GtkWidget             *photo_row;
  GtkWidget             *no_photo_row;
  GtkWidget             *photo_spinner;
  /* location */
  AdwActionRow          *location_row;
  GtkWidget             *location_buttons;
  GtkWidget             *location_spinner;
  GtkWidget             *photo_location_button;
  AdwExpanderRow        *manual_row;
  AdwEntryRow           *latitude_entry;
  AdwEntryRow           *longitude_entry;
  char                  *location_warning; /* from the location checks */
} FieldView;

struct _VervalVisitEditor
{
  AdwWindow          parent_instance;

  /* Template widgets */
  AdwToastOverlay   *toasts;
  AdwWindowTitle    *window_title;
  GtkProgressBar    *progress;
  GtkLabel          *save_label;
  GtkRevealer       *notice_revealer;
  GtkImage          *notice_icon;
  GtkLabel          *notice_label;
  GtkWidget         *reopen_button;
  GtkStack          *stack;
  GtkWidget         *nav_bar;
  GtkWidget         *back_button;
  GtkWidget         *next_button;
  AdwButtonContent  *next_content;

  /* Owned */
  VervalVisitStore  *visits;
  VervalVisit       *visit;
  VervalForm        *form;
  VervalFormResult  *result;
  GPtrArray         *sections;       /* SectionView */
  GHashTable        *fields;         /* id → FieldView */
  GCancellable      *cancellable;
  char              *household_name;
  guint              validate_idle;
  gulong             changed_handler;
  gulong             saved_handler;
  gulong             accuracy_handler;
  gulong             distance_handler;
  VervalLocationReference *reference; /* where the visit should be, or NULL */
  gboolean           syncing;        /* widgets follow the answers: ignore them */
  gboolean           show_all_errors;
  gboolean           finalizing;
  gboolean           closing;
};

G_DEFINE_FINAL_TYPE (VervalVisitEditor, verval_visit_editor, ADW_TYPE_WINDOW)

static void refresh (VervalVisitEditor *self);
static void sync_field_widgets (FieldView *view);

static void
section_view_free (SectionView *view)
{
  g_free (view);
}

static void
field_view_free (FieldView *view)
{
  g_clear_pointer (&view->choices, g_ptr_array_unref);
  g_free (view->location_warning);
  g_free (view);
}

static void
toast (VervalVisitEditor *self,
       const char        *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toasts, t);
}

static gboolean
is_editable (VervalVisitEditor *self)
{
  return verval_visit_is_editable (self->visit) && !self->finalizing;
}

static void
set_answer (VervalVisitEditor *self,
            const char        *field_id,
            JsonNode          *value)
{
  g_autoptr(GError) error = NULL;

  if (self->syncing)
    return;
  if (!is_editable (self) ||
      !verval_visit_set_answer (self->visit, field_id, value, &error))
    {
      /* Put the widget back as the visit has it. */
      if (error != NULL)
        toast (self, error->message);
      sync_field_widgets (g_hash_table_lookup (self->fields, field_id));
    }
}

/* Answers from widgets ----------------------------------------------------- */

static void
choice_toggled_cb (GtkCheckButton *button,
                   FieldView      *view)
{
  VervalVisitEditor *self = view->editor;
  const VervalFormField *field = view->field;
  g_autoptr(JsonNode) node = NULL;
  guint index;

  if (self->syncing)
    return;
  if (!g_ptr_array_find (view->choices, button, &index))
    return;

  if (field->type == VERVAL_FIELD_MULTIPLE_CHOICE)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < view->choices->len; i++)
        {
          const VervalFormOption *option = g_ptr_array_index (field->options, i);

          if (gtk_check_button_get_active (g_ptr_array_index (view->choices, i)))
            json_array_add_int_element (array, option->code);
        }
      node = json_node_init_array (json_node_alloc (), array);
      json_array_unref (array);
      set_answer (self, field->id, json_array_get_length (json_node_get_array (node)) > 0
                                   ? node : NULL);
      return;
    }

  /* Radio groups: only the newly active button answers. */
  if (!gtk_check_button_get_active (button))
    return;
  if (field->type == VERVAL_FIELD_YES_NO)
    node = json_node_init_boolean (json_node_alloc (), index == 0);
  else
    {
      const VervalFormOption *option = g_ptr_array_index (field->options, index);

      node = json_node_init_int (json_node_alloc (), option->code);
    }
  set_answer (self, field->id, node);
}

/* Numbers as typed: "1.500.000" and "12,5" are what people write here. */
static JsonNode *
parse_number (const VervalFormField *field,
              const char            *text)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  char *end = NULL;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ')
        continue;
      if (field->type == VERVAL_FIELD_INTEGER && *p == '.')
        continue;
      g_string_append_c (clean, *p == ',' ? '.' : *p);
    }
  if (clean->len == 0)
    return NULL;
  if (field->type == VERVAL_FIELD_INTEGER)
    {
      gint64 n = g_ascii_strtoll (clean->str, &end, 10);

      if (end != NULL && *end == '\0')
        return json_node_init_int (json_node_alloc (), n);
    }
  else
    {
      double d = g_ascii_strtod (clean->str, &end);

      if (end != NULL && *end == '\0')
        return json_node_init_double (json_node_alloc (), d);
    }
  return NULL;
}

static void
entry_changed_cb (GtkEditable *editable,
                  FieldView   *view)
{
  const char *text = gtk_editable_get_text (editable);
  g_autoptr(JsonNode) node = NULL;

  if (view->editor->syncing)
    return;
  if (*text != '\0')
    {
      if (view->field->type == VERVAL_FIELD_INTEGER || view->field->type == VERVAL_FIELD_DECIMAL)
        node = parse_number (view->field, text);
      /* Kept as typed when it is not a number: the message says why. */
      if (node == NULL)
        node = json_node_init_string (json_node_alloc (), text);
    }
  set_answer (view->editor, view->field->id, node);
}

/* Widgets from answers ----------------------------------------------------- */

static char *
format_number_node (JsonNode *node)
{
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.10g", json_node_get_double (node)));
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return g_strdup ("");
}

static gboolean
array_has_code (JsonNode *node,
                gint64    code)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_INT64 &&
          json_node_get_int (element) == code)
        return TRUE;
    }
  return FALSE;
}

static void update_photos (FieldView *view);
static void update_location (FieldView *view);

static void
sync_field_widgets (FieldView *view)
{
  VervalVisitEditor *self;
  JsonNode *node;
  gboolean was_syncing;

  if (view == NULL)
    return;
  self = view->editor;
  node = verval_visit_get_answer (self->visit, view->field->id);
  was_syncing = self->syncing;
  self->syncing = TRUE;

  switch (view->field->type)
    {
    case VERVAL_FIELD_SINGLE_CHOICE:
    case VERVAL_FIELD_YES_NO:
      for (guint i = 0; i < view->choices->len; i++)
        {
          gboolean active = FALSE;

          if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
            {
              if (view->field->type == VERVAL_FIELD_YES_NO)
                active = json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
                         json_node_get_boolean (node) == (i == 0);
              else
                active = json_node_get_value_type (node) == G_TYPE_INT64 &&
                         json_node_get_int (node) ==
                         ((VervalFormOption *) g_ptr_array_index (view->field->options, i))->code;
            }
          gtk_check_button_set_active (g_ptr_array_index (view->choices, i), active);
        }
      break;
    case VERVAL_FIELD_MULTIPLE_CHOICE:
      for (guint i = 0; i < view->choices->len; i++)
        {
          const VervalFormOption *option = g_ptr_array_index (view->field->options, i);

          gtk_check_button_set_active (g_ptr_array_index (view->choices, i),
                                       array_has_code (node, option->code));
        }
      break;
    case VERVAL_FIELD_PHOTO:
      update_photos (view);
      break;
    case VERVAL_FIELD_LOCATION:
      update_location (view);
      break;
    case VERVAL_FIELD_INTEGER:
    case VERVAL_FIELD_DECIMAL:
    case VERVAL_FIELD_TEXT:
    case VERVAL_FIELD_DATE:
    case VERVAL_FIELD_NIK:
    case VERVAL_FIELD_KK:
    default:
      if (view->entry != NULL)
        {
          g_autofree char *text = node != NULL && JSON_NODE_HOLDS_VALUE (node)
                                  ? format_number_node (node) : g_strdup ("");

          if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (view->entry))) != 0)
            gtk_editable_set_text (GTK_EDITABLE (view->entry), text);
        }
      break;
    }
  self->syncing = was_syncing;
}

/* Photos ------------------------------------------------------------------- */

static void photo_attached_cb (GObject *source, GAsyncResult *result, gpointer user_data);

typedef struct {
  FieldView *view;
  GPtrArray *paths;          /* still to attach */
  gboolean   delete_after;   /* camera captures are temporary files */
} PhotoQueue;

static void
photo_queue_free (PhotoQueue *queue)
{
  g_ptr_array_unref (queue->paths);
  g_free (queue);
}

static void
photo_queue_next (PhotoQueue *queue)
{
  FieldView *view = queue->view;
  VervalVisitEditor *self = view->editor;

  if (queue->paths->len == 0 || !is_editable (self))
    {
      gtk_widget_set_visible (view->photo_spinner, FALSE);
      gtk_widget_set_sensitive (view->photo_buttons, TRUE);
      photo_queue_free (queue);
      g_object_unref (self);
      return;
    }
  gtk_widget_set_visible (view->photo_spinner, TRUE);
  gtk_widget_set_sensitive (view->photo_buttons, FALSE);
  verval_visit_store_attach_photo_async (self->visits, self->visit, view->field->id,
                                         g_ptr_array_index (queue->paths, 0), self->cancellable,
                                         photo_attached_cb, queue);
}

static void
photo_attached_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PhotoQueue *queue = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_ptr_array_steal_index (queue->paths, 0);
  VervalVisitEditor *self = queue->view->editor;

  if (verval_visit_store_attach_photo_finish (VERVAL_VISIT_STORE (source), result, &error) == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_ptr_array_set_size (queue->paths, 0);
          photo_queue_next (queue);
          return;
        }
      /* Translators: a photo file name, then why it was refused */
      text = queue->delete_after ? g_strdup (error->message)
                                 : g_strdup_printf (_("%s: %s"), base, error->message);
      toast (self, text);
    }
  if (queue->delete_after)
    g_unlink (path);
  photo_queue_next (queue);
}

static void
attach_paths (FieldView *view,
              GPtrArray *paths,
              gboolean   delete_after)
{
  PhotoQueue *queue = g_new0 (PhotoQueue, 1);

  queue->view = view;
  queue->paths = paths;
  queue->delete_after = delete_after;
  g_object_ref (view->editor);
  photo_queue_next (queue);
}

static void
file_chooser_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          FieldView       *view)
{
  g_autoptr(GListModel) files = NULL;
  GPtrArray *paths;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      paths = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          char *path = g_file_get_path (file);

          if (path != NULL)
            g_ptr_array_add (paths, path);
        }
      attach_paths (view, paths, FALSE);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
choose_files (FieldView *view)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose Photos"), GTK_WINDOW (view->editor),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/heif");
  gtk_file_filter_add_suffix (filter, "jpg");
  gtk_file_filter_add_suffix (filter, "jpeg");
  gtk_file_filter_add_suffix (filter, "JPG");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), view);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
choose_files_clicked_cb (GtkButton *button,
                         FieldView *view)
{
  choose_files (view);
}

typedef struct {
  VervalVisitEditor *editor;
  char              *field_id;
} CameraRun;

static void
camera_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CameraRun *run = user_data;
  g_autoptr(VervalVisitEditor) self = run->editor;
  g_autoptr(GError) error = NULL;
  g_autofree char *field_id = run->field_id;
  g_autofree char *path = verval_camera_dialog_run_finish (result, &error);
  FieldView *view;

  g_free (run);
  view = g_hash_table_lookup (self->fields, field_id);
  if (self->closing || view == NULL)
    {
      if (path != NULL)
        g_unlink (path);
      return;
    }
  if (path != NULL)
    {
      GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (paths, g_steal_pointer (&path));
      attach_paths (view, paths, TRUE);
    }
  else if (error->domain == VERVAL_CAMERA_ERROR)
    /* The dialog offered files instead and the coordinator took it. */
    choose_files (view);
}

static void
take_photo_clicked_cb (GtkButton *button,
                       FieldView *view)
{
  CameraRun *run = g_new0 (CameraRun, 1);

  run->editor = g_object_ref (view->editor);
  run->field_id = g_strdup (view->field->id);
  verval_camera_dialog_run_async (GTK_WINDOW (view->editor), NULL, view->editor->cancellable,
                                  camera_done_cb, run);
}

static void
photo_removed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(VervalVisitEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!verval_visit_store_remove_photo_finish (VERVAL_VISIT_STORE (source), result, &error))
    toast (self, error->message);
  else
    toast (self, _("Photo removed"));
}

static void
remove_photo_clicked_cb (GtkButton *button,
                         FieldView *view)
{
  const char *sha256 = g_object_get_data (G_OBJECT (button), "sha256");

  verval_visit_store_remove_photo_async (view->editor->visits, view->editor->visit, sha256,
                                         NULL, photo_removed_cb, g_object_ref (view->editor));
}

static GtkWidget *
make_thumbnail (FieldView  *view,
                const char *sha256)
{
  VervalStore *store = verval_visit_store_get_store (view->editor->visits);
  g_autofree char *path = verval_photo_build_path (verval_store_get_media_dir (store), sha256, TRUE);
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *image = gtk_image_new_from_file (path);

  /* A square slot; the thumbnail keeps its shape inside it. */
  gtk_image_set_pixel_size (GTK_IMAGE (image), THUMB_SIZE);
  gtk_widget_add_css_class (image, "card");
  gtk_overlay_set_child (GTK_OVERLAY (overlay), image);

  if (is_editable (view->editor))
    {
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      gtk_widget_set_tooltip_text (remove, _("Remove Photo"));
      gtk_widget_set_halign (remove, GTK_ALIGN_END);
      gtk_widget_set_valign (remove, GTK_ALIGN_START);
      gtk_widget_set_margin_top (remove, 4);
      gtk_widget_set_margin_end (remove, 4);
      gtk_widget_add_css_class (remove, "circular");
      gtk_widget_add_css_class (remove, "osd");
      g_object_set_data_full (G_OBJECT (remove), "sha256", g_strdup (sha256), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_photo_clicked_cb), view);
      gtk_overlay_add_overlay (GTK_OVERLAY (overlay), remove);
    }
  return overlay;
}

static void
update_photos (FieldView *view)
{
  g_auto(GStrv) hashes = verval_visit_dup_photos (view->editor->visit, view->field->id);
  guint n = g_strv_length (hashes);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (view->thumbs))) != NULL)
    gtk_flow_box_remove (view->thumbs, child);
  for (guint i = 0; i < n; i++)
    gtk_flow_box_append (view->thumbs, make_thumbnail (view, hashes[i]));
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (view->thumbs)), n > 0);
  gtk_widget_set_visible (view->photo_row, is_editable (view->editor) &&
                          (view->field->max_count == 0 || n < view->field->max_count));
  gtk_widget_set_visible (view->no_photo_row, n == 0 && !is_editable (view->editor));
}

/* Location ------------------------------------------------------------------ */

static const char *
source_label (VervalLocationSource source)
{
  switch (source)
    {
    case VERVAL_LOCATION_SOURCE_GPS:
    case VERVAL_LOCATION_SOURCE_NETWORK:
      return _("Device location");
    case VERVAL_LOCATION_SOURCE_EXIF:
      return _("From a photo");
    case VERVAL_LOCATION_SOURCE_MANUAL:
      return _("Entered by hand");
    case VERVAL_LOCATION_SOURCE_UNKNOWN:
    default:
      return _("Unknown source");
    }
}

static const VervalVisitMedia *
photo_with_location (VervalVisitEditor *self)
{
  GPtrArray *media = verval_visit_get_media (self->visit);

  for (guint i = media->len; i > 0; i--)
    {
      const VervalVisitMedia *m = g_ptr_array_index (media, i - 1);

      if (m->has_location)
        return m;
    }
  return NULL;
}

/* The location's own checks (a fix older than the visit, a poor GPS
 * accuracy), shown when the form has nothing to say. */
static void
location_checks (FieldView               *view,
                 const VervalLocationFix *fix)
{
  g_autoptr(GPtrArray) warnings = NULL;

  g_clear_pointer (&view->location_warning, g_free);
  if (verval_location_fix_check (fix, verval_visit_get_started (view->editor->visit), view->editor->reference,
                                 verval_visit_store_get_location_check_options (view->editor->visits),
                                 &warnings) != VERVAL_LOCATION_WARNING_NONE &&
      warnings != NULL && warnings->len > 0)
    view->location_warning = g_strdup (g_ptr_array_index (warnings, 0));
}

static void
update_location (FieldView *view)
{
  VervalVisitEditor *self = view->editor;
  g_autoptr(VervalLocationFix) fix = verval_visit_get_location (self->visit, view->field->id);

  if (fix != NULL)
    {
      g_autofree char *title = g_strdup_printf ("%.6f, %.6f", fix->latitude, fix->longitude);
      g_autofree char *subtitle = NULL;

      if (verval_location_fix_has_accuracy (fix))
        /* Translators: accuracy in metres, then where the location came from */
        subtitle = g_strdup_printf (_("± %.0f m · %s"), fix->accuracy_m, source_label (fix->source));
      else
        /* Translators: where the location came from */
        subtitle = g_strdup_printf (_("Accuracy unknown · %s"), source_label (fix->source));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (view->location_row), title);
      adw_action_row_set_subtitle (view->location_row, subtitle);
      location_checks (view, fix);
    }
  else
    {
      g_clear_pointer (&view->location_warning, g_free);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (view->location_row),
                                     _("No location recorded yet"));
      adw_action_row_set_subtitle (view->location_row,
                                   _("Stand at the house and get the location"));
    }
  gtk_widget_set_visible (view->location_buttons, is_editable (self));
  gtk_widget_set_visible (GTK_WIDGET (view->manual_row), is_editable (self));
  gtk_widget_set_sensitive (view->photo_location_button, photo_with_location (self) != NULL);
}

/* The answer holds the fix as the store, the sync and the collector read it
 * (verval_location_fix_to_answer). */
static void
set_location_fix (FieldView               *view,
                  const VervalLocationFix *fix)
{
  g_autoptr(JsonNode) node = verval_location_fix_to_answer (fix);

  set_answer (view->editor, view->field->id, node);
}

static void
location_fix_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  FieldView *view = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalLocationFix) fix = verval_location_service_get_fix_finish (result, &error);
  VervalVisitEditor *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = view->editor;
  gtk_widget_set_visible (view->location_spinner, FALSE);
  gtk_widget_set_sensitive (view->location_buttons, TRUE);
  if (fix == NULL)
    {
      toast (self, error->message);
      /* No service or no fix: typing it in is the way forward. */
      adw_expander_row_set_expanded (view->manual_row, TRUE);
      return;
    }
  set_location_fix (view, fix);
}

static void
get_location_clicked_cb (GtkButton *button,
                         FieldView *view)
{
  gtk_widget_set_visible (view->location_spinner, TRUE);
  gtk_widget_set_sensitive (view->location_buttons, FALSE);
  verval_location_service_get_fix_async (APPLICATION_ID, LOCATION_TIMEOUT_SECONDS,
                                         view->editor->cancellable, location_fix_cb, view);
}

static void
photo_location_clicked_cb (GtkButton *button,
                           FieldView *view)
{
  const VervalVisitMedia *media = photo_with_location (view->editor);
  g_autoptr(VervalLocationFix) fix = media != NULL ? verval_visit_media_get_fix (media) : NULL;

  if (fix != NULL)
    set_location_fix (view, fix);
}

static void
manual_apply_cb (GtkWidget *widget,
                 FieldView *view)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(VervalLocationFix) fix = NULL;

  fix = verval_location_fix_new_manual (gtk_editable_get_text (GTK_EDITABLE (view->latitude_entry)),
                                        gtk_editable_get_text (GTK_EDITABLE (view->longitude_entry)),
                                        now, &error);
  if (fix == NULL)
    {
      gtk_label_set_label (view->message, error->message);
      gtk_widget_remove_css_class (GTK_WIDGET (view->message), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (view->message), "error");
      gtk_widget_set_visible (GTK_WIDGET (view->message), TRUE);
      return;
    }
  set_location_fix (view, fix);
  adw_expander_row_set_expanded (view->manual_row, FALSE);
}

/* Building the pages --------------------------------------------------------- */

static GtkWidget *
touch_button (const char *icon_name,
              const char *label)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *content = adw_button_content_new ();

  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), icon_name);
  adw_button_content_set_label (ADW_BUTTON_CONTENT (content), label);
  adw_button_content_set_use_underline (ADW_BUTTON_CONTENT (content), TRUE);
  gtk_button_set_child (GTK_BUTTON (button), content);
  gtk_widget_set_size_request (button, -1, TOUCH_SIZE);
  gtk_widget_set_hexpand (button, TRUE);
  return button;
}

/* A row that holds widgets rather than a title. */
static GtkWidget *
plain_row (GtkWidget *child)
{
  /* A preferences row, so the group puts it in its list. */
  GtkWidget *row = adw_preferences_row_new ();

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (child, 6);
  gtk_widget_set_margin_bottom (child, 6);
  gtk_widget_set_margin_start (child, 6);
  gtk_widget_set_margin_end (child, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), child);
  return row;
}

static void
add_choice_rows (FieldView *view)
{
  const VervalFormField *field = view->field;
  GtkCheckButton *group = NULL;
  guint n = field->type == VERVAL_FIELD_YES_NO ? 2 : field->options->len;

  view->choices = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      const char *label;

      if (field->type == VERVAL_FIELD_YES_NO)
        label = i == 0 ? _("Yes") : _("No");
      else
        label = verval_form_text (&((VervalFormOption *) g_ptr_array_index (field->options, i))->label);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      if (field->type != VERVAL_FIELD_MULTIPLE_CHOICE)
        {
          if (group == NULL)
            group = GTK_CHECK_BUTTON (check);
          else
            gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
        }
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_signal_connect (check, "toggled", G_CALLBACK (choice_toggled_cb), view);
      g_ptr_array_add (view->choices, check);
      adw_preferences_group_add (view->group, row);
    }
}

static void
add_entry_row (FieldView *view)
{
  const VervalFormField *field = view->field;
  GtkWidget *row = adw_entry_row_new ();
  GtkInputPurpose purpose = GTK_INPUT_PURPOSE_FREE_FORM;
  const char *title = _("Answer");

  switch (field->type)
    {
    case VERVAL_FIELD_INTEGER:
      purpose = GTK_INPUT_PURPOSE_DIGITS;
      title = _("Number");
      break;
    case VERVAL_FIELD_DECIMAL:
      purpose = GTK_INPUT_PURPOSE_NUMBER;
      title = _("Number");
      break;
    case VERVAL_FIELD_NIK:
    case VERVAL_FIELD_KK:
      purpose = GTK_INPUT_PURPOSE_DIGITS;
      title = _("16 digits");
      break;
    case VERVAL_FIELD_DATE:
      title = _("Date (YYYY-MM-DD)");
      break;
    case VERVAL_FIELD_TEXT:
      if (g_str_has_prefix (field->id, "phone"))
        purpose = GTK_INPUT_PURPOSE_PHONE;
      break;
    case VERVAL_FIELD_SINGLE_CHOICE:
    case VERVAL_FIELD_MULTIPLE_CHOICE:
    case VERVAL_FIELD_YES_NO:
    case VERVAL_FIELD_PHOTO:
    case VERVAL_FIELD_LOCATION:
    default:
      break;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_text_set_input_purpose (GTK_TEXT (gtk_editable_get_delegate (GTK_EDITABLE (row))), purpose);
  if (field->max_length > 0)
    gtk_editable_set_max_width_chars (GTK_EDITABLE (row), MIN (field->max_length, 40));
  view->entry = ADW_ENTRY_ROW (row);
  g_signal_connect (row, "changed", G_CALLBACK (entry_changed_cb), view);
  adw_preferences_group_add (view->group, row);
}

static void
add_photo_rows (FieldView *view)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *take = touch_button ("camera-photo-symbolic", _("_Take Photo"));
  GtkWidget *choose = touch_button ("folder-pictures-symbolic", _("_Choose Files"));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  view->thumbs = GTK_FLOW_BOX (gtk_flow_box_new ());
  gtk_flow_box_set_selection_mode (view->thumbs, GTK_SELECTION_NONE);
  gtk_widget_set_halign (GTK_WIDGET (view->thumbs), GTK_ALIGN_START);
  gtk_flow_box_set_max_children_per_line (view->thumbs, 6);
  gtk_flow_box_set_column_spacing (view->thumbs, 6);
  gtk_flow_box_set_row_spacing (view->thumbs, 6);
  adw_preferences_group_add (view->group, plain_row (GTK_WIDGET (view->thumbs)));

  g_signal_connect (take, "clicked", G_CALLBACK (take_photo_clicked_cb), view);
  g_signal_connect (choose, "clicked", G_CALLBACK (choose_files_clicked_cb), view);
  gtk_widget_add_css_class (take, "suggested-action");
  gtk_box_append (GTK_BOX (box), take);
  gtk_box_append (GTK_BOX (box), choose);
  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_box_append (GTK_BOX (buttons), box);
  view->photo_spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (view->photo_spinner));
  gtk_widget_set_visible (view->photo_spinner, FALSE);
  gtk_widget_set_size_request (view->photo_spinner, 24, 24);
  gtk_box_append (GTK_BOX (buttons), view->photo_spinner);
  view->photo_buttons = box;
  view->photo_row = plain_row (buttons);
  adw_preferences_group_add (view->group, view->photo_row);
  view->no_photo_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (view->no_photo_row), _("No photo"));
  gtk_widget_add_css_class (view->no_photo_row, "dim-label");
  adw_preferences_group_add (view->group, view->no_photo_row);
}

static void
add_location_rows (FieldView *view)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *get = touch_button ("find-location-symbolic", _("_Get Location"));
  GtkWidget *from_photo = touch_button ("image-x-generic-symbolic", _("From _Photo"));
  GtkWidget *apply = touch_button ("object-select-symbolic", _("_Use These Coordinates"));
  GtkWidget *icon = gtk_image_new_from_icon_name ("mark-location-symbolic");

  view->location_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_action_row_add_prefix (view->location_row, icon);
  view->location_spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (view->location_spinner));
  gtk_widget_set_visible (view->location_spinner, FALSE);
  adw_action_row_add_suffix (view->location_row, view->location_spinner);
  adw_preferences_group_add (view->group, GTK_WIDGET (view->location_row));

  g_signal_connect (get, "clicked", G_CALLBACK (get_location_clicked_cb), view);
  g_signal_connect (from_photo, "clicked", G_CALLBACK (photo_location_clicked_cb), view);
  gtk_widget_add_css_class (get, "suggested-action");
  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_box_append (GTK_BOX (box), get);
  gtk_box_append (GTK_BOX (box), from_photo);
  view->location_buttons = plain_row (box);
  view->photo_location_button = from_photo;
  adw_preferences_group_add (view->group, view->location_buttons);

  view->manual_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (view->manual_row), _("Enter by Hand"));
  adw_expander_row_set_subtitle (view->manual_row, _("Decimal degrees, e.g. -8.1123 and 115.0912"));
  view->latitude_entry = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (view->latitude_entry), _("Latitude"));
  view->longitude_entry = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (view->longitude_entry), _("Longitude"));
  g_signal_connect (view->longitude_entry, "entry-activated", G_CALLBACK (manual_apply_cb), view);
  adw_expander_row_add_row (view->manual_row, GTK_WIDGET (view->latitude_entry));
  adw_expander_row_add_row (view->manual_row, GTK_WIDGET (view->longitude_entry));
  g_signal_connect (apply, "clicked", G_CALLBACK (manual_apply_cb), view);
  adw_expander_row_add_row (view->manual_row, plain_row (apply));
  adw_preferences_group_add (view->group, GTK_WIDGET (view->manual_row));
}

static FieldView *
build_field (VervalVisitEditor     *self,
             const VervalFormField *field)
{
  FieldView *view = g_new0 (FieldView, 1);
  const char *hint = verval_form_text (&field->hint);

  view->editor = self;
  view->field = field;
  view->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  view->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (view->group, verval_form_text (&field->label));
  if (hint != NULL && *hint != '\0')
    adw_preferences_group_set_description (view->group, hint);
  gtk_box_append (GTK_BOX (view->box), GTK_WIDGET (view->group));

  view->message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (view->message, 0);
  gtk_label_set_wrap (view->message, TRUE);
  gtk_label_set_wrap_mode (view->message, PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_margin_start (GTK_WIDGET (view->message), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (view->message), 12);
  gtk_widget_set_visible (GTK_WIDGET (view->message), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (view->message), "field-message");
  gtk_box_append (GTK_BOX (view->box), GTK_WIDGET (view->message));

  switch (field->type)
    {
    case VERVAL_FIELD_SINGLE_CHOICE:
    case VERVAL_FIELD_MULTIPLE_CHOICE:
    case VERVAL_FIELD_YES_NO:
      add_choice_rows (view);
      break;
    case VERVAL_FIELD_PHOTO:
      add_photo_rows (view);
      break;
    case VERVAL_FIELD_LOCATION:
      add_location_rows (view);
      break;
    case VERVAL_FIELD_INTEGER:
    case VERVAL_FIELD_DECIMAL:
    case VERVAL_FIELD_TEXT:
    case VERVAL_FIELD_DATE:
    case VERVAL_FIELD_NIK:
    case VERVAL_FIELD_KK:
    default:
      add_entry_row (view);
      break;
    }
  return view;
}

static void
build_pages (VervalVisitEditor *self)
{
  GPtrArray *sections = verval_form_get_sections (self->form);

  for (guint i = 0; i < sections->len; i++)
    {
      const VervalFormSection *section = g_ptr_array_index (sections, i);
      SectionView *view = g_new0 (SectionView, 1);
      GtkWidget *scroller = gtk_scrolled_window_new ();
      GtkWidget *clamp = adw_clamp_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
      GtkWidget *heading = gtk_label_new (verval_form_text (&section->title));

      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                      GTK_POLICY_AUTOMATIC);
      adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
      adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), 480);
      gtk_widget_set_margin_top (box, 12);
      gtk_widget_set_margin_bottom (box, 24);
      gtk_widget_set_margin_start (box, 12);
      gtk_widget_set_margin_end (box, 12);
      gtk_label_set_xalign (GTK_LABEL (heading), 0);
      gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
      gtk_widget_add_css_class (heading, "title-2");
      gtk_box_append (GTK_BOX (box), heading);

      for (guint j = 0; j < section->fields->len; j++)
        {
          const VervalFormField *field = g_ptr_array_index (section->fields, j);
          FieldView *field_view = build_field (self, field);

          gtk_box_append (GTK_BOX (box), field_view->box);
          g_hash_table_insert (self->fields, field->id, field_view);
          sync_field_widgets (field_view);
        }
      adw_clamp_set_child (ADW_CLAMP (clamp), box);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
      view->section = section;
      view->page = scroller;
      view->content = box;
      gtk_stack_add_named (self->stack, scroller, section->id);
      g_ptr_array_add (self->sections, view);
    }
}

/* State ----------------------------------------------------------------------- */

static gboolean
section_shown (VervalVisitEditor *self,
               SectionView       *view)
{
  return self->result == NULL || verval_form_result_is_relevant (self->result, view->section->id);
}

/* Index of the visible page in self->sections, or -1. */
static int
current_index (VervalVisitEditor *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->stack);

  for (guint i = 0; i < self->sections->len; i++)
    {
      SectionView *view = g_ptr_array_index (self->sections, i);

      if (view->page == child)
        return i;
    }
  return -1;
}

static int
neighbour (VervalVisitEditor *self,
           int                from,
           int                step)
{
  for (int i = from + step; i >= 0 && i < (int) self->sections->len; i += step)
    {
      if (section_shown (self, g_ptr_array_index (self->sections, i)))
        return i;
    }
  return -1;
}

static void
update_navigation (VervalVisitEditor *self)
{
  int index = current_index (self);
  guint n_shown = 0, position = 0;
  gboolean last;
  g_autofree char *subtitle = NULL;

  for (guint i = 0; i < self->sections->len; i++)
    {
      if (!section_shown (self, g_ptr_array_index (self->sections, i)))
        continue;
      n_shown++;
      if ((int) i <= index)
        position = n_shown;
    }
  last = neighbour (self, index, 1) < 0;

  gtk_progress_bar_set_fraction (self->progress, n_shown > 0 ? (double) position / n_shown : 0);
  /* Translators: section 2 of 8, then the family's name */
  subtitle = g_strdup_printf (_("Section %u of %u · %s"), position, n_shown, self->household_name);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  if (index >= 0)
    adw_window_title_set_title (self->window_title,
                                verval_form_text (&((SectionView *) g_ptr_array_index (self->sections, index))->section->title));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.previous", neighbour (self, index, -1) >= 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.next", !last);
  if (last && is_editable (self))
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->next_button), "editor.finalize");
      adw_button_content_set_label (self->next_content, _("_Finish Visit"));
      adw_button_content_set_icon_name (self->next_content, "object-select-symbolic");
      gtk_widget_add_css_class (self->next_button, "suggested-action");
    }
  else
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->next_button), "editor.next");
      adw_button_content_set_label (self->next_content, _("_Next"));
      adw_button_content_set_icon_name (self->next_content, "go-next-symbolic");
      gtk_widget_remove_css_class (self->next_button, "suggested-action");
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.finalize", is_editable (self));
}

static void
update_messages (VervalVisitEditor *self)
{
  GHashTableIter iter;
  FieldView *view;

  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &view))
    {
      const VervalFormIssue *issue = verval_form_result_first_issue (self->result, view->field->id);
      gboolean answered = verval_visit_get_answer (self->visit, view->field->id) != NULL;
      gboolean relevant = verval_form_result_is_relevant (self->result, view->field->id);
      GtkWidget *message = GTK_WIDGET (view->message);

      gtk_widget_set_visible (view->box, relevant);
      if (issue != NULL && (answered || self->show_all_errors || issue->severity == VERVAL_SEVERITY_WARNING))
        {
          gboolean error = issue->severity == VERVAL_SEVERITY_ERROR;

          gtk_label_set_label (view->message, issue->message);
          gtk_widget_remove_css_class (message, error ? "warning" : "error");
          gtk_widget_add_css_class (message, error ? "error" : "warning");
          gtk_widget_set_visible (message, TRUE);
        }
      else if (view->location_warning != NULL && relevant)
        {
          gtk_label_set_label (view->message, view->location_warning);
          gtk_widget_remove_css_class (message, "error");
          gtk_widget_add_css_class (message, "warning");
          gtk_widget_set_visible (message, TRUE);
        }
      else
        gtk_widget_set_visible (message, FALSE);
    }
}

static void
update_notice (VervalVisitEditor *self)
{
  VervalVisitState state = verval_visit_get_state (self->visit);
  const char *comment = verval_visit_get_review_comment (self->visit);
  g_autofree char *text = NULL;
  const char *icon = "document-edit-symbolic";

  switch (state)
    {
    case VERVAL_VISIT_STATE_FINAL:
      {
        GDateTime *finished = verval_visit_get_finished (self->visit);
        g_autoptr(GDateTime) local = finished != NULL ? g_date_time_to_local (finished) : NULL;
        g_autofree char *time = local != NULL ? g_date_time_format (local, "%H.%M") : g_strdup ("");

        /* Translators: %s is a time of day */
        text = g_strdup_printf (_("Finished and saved on this device at %s. It will be sent "
                                  "when there is a connection; it can no longer be changed."), time);
        icon = "emblem-ok-symbolic";
      }
      break;
    case VERVAL_VISIT_STATE_SENT:
      text = g_strdup (_("Sent to the collector. It can no longer be changed."));
      icon = "emblem-ok-symbolic";
      break;
    case VERVAL_VISIT_STATE_REJECTED:
      /* Translators: the supervisor's comment follows */
      text = g_strdup_printf (_("Sent back by the supervisor: %s"),
                              *comment != '\0' ? comment : _("no comment"));
      icon = "dialog-warning-symbolic";
      break;
    case VERVAL_VISIT_STATE_DRAFT:
    case VERVAL_VISIT_STATE_NONE:
    default:
      if (*comment != '\0')
        {
          /* Translators: the supervisor's comment follows */
          text = g_strdup_printf (_("To correct: %s"), comment);
          icon = "dialog-warning-symbolic";
        }
      break;
    }
  gtk_revealer_set_reveal_child (self->notice_revealer, text != NULL);
  if (text != NULL)
    {
      gtk_label_set_label (self->notice_label, text);
      gtk_image_set_from_icon_name (self->notice_icon, icon);
    }
  gtk_widget_set_visible (self->reopen_button, state == VERVAL_VISIT_STATE_REJECTED);
}

static void
refresh (VervalVisitEditor *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  int index;

  g_clear_handle_id (&self->validate_idle, g_source_remove);
  g_clear_pointer (&self->result, verval_form_result_free);
  self->result = verval_form_validate (self->form, verval_visit_get_answers (self->visit), now);
  update_messages (self);

  for (guint i = 0; i < self->sections->len; i++)
    {
      SectionView *view = g_ptr_array_index (self->sections, i);

      gtk_widget_set_visible (view->page, section_shown (self, view));
    }
  /* The section on screen was just skipped: go to the nearest one left. */
  index = current_index (self);
  if (index >= 0 && !section_shown (self, g_ptr_array_index (self->sections, index)))
    {
      int to = neighbour (self, index, -1);

      if (to < 0)
        to = neighbour (self, index, 1);
      if (to >= 0)
        gtk_stack_set_visible_child (self->stack, ((SectionView *) g_ptr_array_index (self->sections, to))->page);
    }
  update_navigation (self);
  update_notice (self);
}

static gboolean
validate_idle_cb (gpointer user_data)
{
  VervalVisitEditor *self = user_data;

  self->validate_idle = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
visit_changed_cb (VervalVisit       *visit,
                  VervalVisitEditor *self)
{
  GHashTableIter iter;
  FieldView *view;

  /* Photos and locations are set from outside their widgets. */
  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &view))
    {
      if (view->field->type == VERVAL_FIELD_PHOTO || view->field->type == VERVAL_FIELD_LOCATION)
        sync_field_widgets (view);
    }
  gtk_label_set_label (self->save_label, _("Saving…"));
  if (self->validate_idle == 0)
    self->validate_idle = g_idle_add (validate_idle_cb, self);
}

static void
visit_saved_cb (VervalVisitStore  *visits,
                VervalVisit       *visit,
                const GError      *error,
                VervalVisitEditor *self)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;

  if (visit != self->visit)
    return;
  if (error != NULL)
    {
      /* Translators: why the draft could not be written to disk */
      text = g_strdup_printf (_("Not saved: %s"), error->message);
      gtk_label_set_label (self->save_label, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_label), text);
      return;
    }
  if (verval_visit_store_has_pending (visits, visit))
    return;
  now = g_date_time_new_now_local ();
  time = g_date_time_format (now, "%H.%M");
  /* Translators: %s is a time of day */
  text = g_strdup_printf (_("Saved %s"), time);
  gtk_label_set_label (self->save_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_label), NULL);
}

static void
apply_editable (VervalVisitEditor *self)
{
  gboolean editable = is_editable (self);
  GHashTableIter iter;
  FieldView *view;

  for (guint i = 0; i < self->sections->len; i++)
    {
      SectionView *section = g_ptr_array_index (self->sections, i);

      /* Not insensitive: grey text is hard to read in the sun. The visit
       * refuses changes anyway; this only keeps taps from landing. */
      gtk_widget_set_can_target (section->content, editable);
      gtk_widget_set_can_focus (section->content, editable);
    }
  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &view))
    sync_field_widgets (view);
}

/* Actions ---------------------------------------------------------------------- */

/* A new section starts at its first question. */
static void
show_page (VervalVisitEditor *self,
           SectionView       *view)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (view->page));

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
  gtk_stack_set_visible_child (self->stack, view->page);
  update_navigation (self);
}

static void
go (VervalVisitEditor *self,
    int                step)
{
  int to = neighbour (self, current_index (self), step);

  if (to >= 0)
    show_page (self, g_ptr_array_index (self->sections, to));
}

static void
previous_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  go (VERVAL_VISIT_EDITOR (widget), -1);
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  go (VERVAL_VISIT_EDITOR (widget), 1);
}

static void
show_field (VervalVisitEditor *self,
            const char        *field_id)
{
  FieldView *view = g_hash_table_lookup (self->fields, field_id);

  if (view == NULL)
    return;
  verval_visit_editor_show_section (self, view->field->section->id);
  gtk_widget_grab_focus (GTK_WIDGET (view->group));
  gtk_widget_child_focus (GTK_WIDGET (view->group), GTK_DIR_TAB_FORWARD);
}

static void
problems_response_cb (AdwMessageDialog  *dialog,
                      const char        *response,
                      VervalVisitEditor *self)
{
  const VervalFormIssue *first = NULL;

  if (g_strcmp0 (response, "show") != 0 || self->result == NULL)
    return;
  for (guint i = 0; i < self->result->issues->len && first == NULL; i++)
    {
      const VervalFormIssue *issue = g_ptr_array_index (self->result->issues, i);

      if (issue->severity == VERVAL_SEVERITY_ERROR)
        first = issue;
    }
  if (first != NULL)
    show_field (self, first->field_id);
}

static void
finalized_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(VervalVisitEditor) self = user_data;
  g_autoptr(VervalFormResult) issues = NULL;
  g_autoptr(GError) error = NULL;

  self->finalizing = FALSE;
  if (!verval_visit_store_finalize_finish (VERVAL_VISIT_STORE (source), result, &issues, &error))
    {
      AdwMessageDialog *dialog;

      self->show_all_errors = TRUE;
      refresh (self);
      apply_editable (self);
      if (!g_error_matches (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_INVALID))
        {
          toast (self, error->message);
          return;
        }
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                           _("The Visit Cannot Be Finished Yet"),
                                                           error->message));
      adw_message_dialog_add_responses (dialog, "close", _("_Close"),
                                        "show", _("_Show First Problem"), NULL);
      adw_message_dialog_set_default_response (dialog, "show");
      adw_message_dialog_set_response_appearance (dialog, "show", ADW_RESPONSE_SUGGESTED);
      g_signal_connect (dialog, "response", G_CALLBACK (problems_response_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  /* Only now, with the transaction committed, does the app say so. */
  toast (self, _("Visit finished and saved"));
  refresh (self);
  apply_editable (self);
}

static void
finalize_confirmed_cb (AdwMessageDialog  *dialog,
                       const char        *response,
                       VervalVisitEditor *self)
{
  if (g_strcmp0 (response, "finish") != 0 || !is_editable (self))
    return;
  self->finalizing = TRUE;
  apply_editable (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.finalize", FALSE);
  verval_visit_store_finalize_async (self->visits, self->visit, NULL, finalized_cb,
                                     g_object_ref (self));
}

static void
finalize_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  VervalVisitEditor *self = VERVAL_VISIT_EDITOR (widget);
  AdwMessageDialog *dialog;

  if (!is_editable (self))
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Finish the Visit?"),
                                                       _("A finished visit is ready to be sent and "
                                                         "its answers can no longer be changed.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Keep Editing"),
                                    "finish", _("_Finish"), NULL);
  adw_message_dialog_set_default_response (dialog, "finish");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_appearance (dialog, "finish", ADW_RESPONSE_SUGGESTED);
  g_signal_connect (dialog, "response", G_CALLBACK (finalize_confirmed_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
reopened_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VervalVisitEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!verval_visit_store_reopen_finish (VERVAL_VISIT_STORE (source), result, &error))
    toast (self, error->message);
  refresh (self);
  apply_editable (self);
}

static void
reopen_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VervalVisitEditor *self = VERVAL_VISIT_EDITOR (widget);

  verval_visit_store_reopen_async (self->visits, self->visit, NULL, reopened_cb,
                                   g_object_ref (self));
}

/* Closing waits for the last autosave: nothing typed is lost. */
static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VervalVisitEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!verval_visit_store_flush_finish (VERVAL_VISIT_STORE (source), result, &error))
    g_warning ("Could not save the visit before closing: %s", error->message);
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
verval_visit_editor_close_request (GtkWindow *window)
{
  VervalVisitEditor *self = VERVAL_VISIT_EDITOR (window);

  if (self->closing)
    return TRUE;
  self->closing = TRUE;
  g_cancellable_cancel (self->cancellable);
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  verval_visit_store_flush_async (self->visits, NULL, flushed_cb, g_object_ref (self));
  return TRUE;
}

static void
verval_visit_editor_dispose (GObject *object)
{
  VervalVisitEditor *self = VERVAL_VISIT_EDITOR (object);

  g_clear_handle_id (&self->validate_idle, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->visit != NULL)
    {
      g_clear_signal_handler (&self->changed_handler, self->visit);
      verval_visit_store_unwatch (self->visits, self->visit);
      /* Destroyed without closing (the app quits): queue the last write
       * now, the store finishes queued work before it closes. */
      if (verval_visit_store_has_pending (self->visits, self->visit))
        verval_visit_store_flush_async (self->visits, NULL, NULL, NULL);
    }
  g_clear_signal_handler (&self->saved_handler, self->visits);
  g_clear_signal_handler (&self->accuracy_handler, self->visits);
  g_clear_signal_handler (&self->distance_handler, self->visits);
  gtk_widget_dispose_template (GTK_WIDGET (self), VERVAL_TYPE_VISIT_EDITOR);

  G_OBJECT_CLASS (verval_visit_editor_parent_class)->dispose (object);
}

static void
verval_visit_editor_finalize (GObject *object)
{
  VervalVisitEditor *self = VERVAL_VISIT_EDITOR (object);

  g_clear_pointer (&self->result, verval_form_result_free);
  g_clear_pointer (&self->fields, g_hash_table_unref);
  g_clear_pointer (&self->sections, g_ptr_array_unref);
  g_clear_object (&self->visit);
  g_clear_object (&self->visits);
  g_clear_object (&self->form);
  g_clear_object (&self->cancellable);
  g_free (self->household_name);
  g_free (self->reference);

  G_OBJECT_CLASS (verval_visit_editor_parent_class)->finalize (object);
}

static void
verval_visit_editor_class_init (VervalVisitEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = verval_visit_editor_dispose;
  object_class->finalize = verval_visit_editor_finalize;
  window_class->close_request = verval_visit_editor_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/id/verval/Verval/verval-visit-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, toasts);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, progress);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, save_label);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, notice_icon);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, notice_label);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, reopen_button);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, nav_bar);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, back_button);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, next_button);
  gtk_widget_class_bind_template_child (widget_class, VervalVisitEditor, next_content);

  gtk_widget_class_install_action (widget_class, "editor.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "editor.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "editor.finalize", NULL, finalize_action);
  gtk_widget_class_install_action (widget_class, "editor.reopen", NULL, reopen_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_ALT_MASK, "editor.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_ALT_MASK, "editor.previous", NULL);
}

static void
verval_visit_editor_init (VervalVisitEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_view_free);
  self->fields = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) field_view_free);
  self->cancellable = g_cancellable_new ();
}

static void
recheck_locations (VervalVisitEditor *self)
{
  GHashTableIter iter;
  FieldView *view;

  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &view))
    if (view->field->type == VERVAL_FIELD_LOCATION)
      update_location (view);
  update_messages (self);
}

VervalVisitEditor *
verval_visit_editor_new (GtkWindow        *parent,
                         VervalVisitStore *visits,
                         VervalVisit      *visit,
                         const char       *household_name)
{
  g_autoptr(GError) error = NULL;
  VervalVisitEditor *self;
  VervalForm *form;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (VERVAL_IS_VISIT_STORE (visits), NULL);
  g_return_val_if_fail (VERVAL_IS_VISIT (visit), NULL);

  form = verval_visit_store_get_form (visits, verval_visit_get_form_id (visit),
                                      verval_visit_get_form_version (visit), &error);
  if (form == NULL)
    {
      g_warning ("Cannot open visit %s: %s", verval_visit_get_uuid (visit), error->message);
      return NULL;
    }

  self = g_object_new (VERVAL_TYPE_VISIT_EDITOR,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "destroy-with-parent", TRUE,
                       NULL);
  if (parent != NULL)
    {
      int width = gtk_widget_get_width (GTK_WIDGET (parent));
      int height = gtk_widget_get_height (GTK_WIDGET (parent));

      /* On a tablet the editor covers the main window. */
      if (width > 0 && height > 0)
        gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      if (gtk_window_is_maximized (parent))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  self->visits = g_object_ref (visits);
  self->visit = g_object_ref (visit);
  self->form = g_object_ref (form);
  self->household_name = g_strdup (household_name != NULL ? household_name : "");
  gtk_window_set_title (GTK_WINDOW (self), _("Visit"));

  build_pages (self);
  verval_visit_store_watch (visits, visit);
  self->changed_handler = g_signal_connect (visit, "changed", G_CALLBACK (visit_changed_cb), self);
  self->saved_handler = g_signal_connect (visits, "saved", G_CALLBACK (visit_saved_cb), self);
  /* The warning limits are the device's preferences: they may change
   * while a visit is open. */
  self->accuracy_handler = g_signal_connect_swapped (visits, "notify::location-max-accuracy",
                                                     G_CALLBACK (recheck_locations), self);
  self->distance_handler = g_signal_connect_swapped (visits, "notify::location-max-distance",
                                                     G_CALLBACK (recheck_locations), self);
  if (verval_visit_is_editable (visit))
    {
      g_autoptr(GDateTime) updated = g_date_time_new_from_unix_local (verval_visit_get_updated_at (visit));
      g_autofree char *time = g_date_time_format (updated, "%H.%M");
      g_autofree char *text = g_strdup_printf (_("Saved %s"), time);

      gtk_label_set_label (self->save_label, text);
    }
  refresh (self);
  apply_editable (self);
  return self;
}

void
verval_visit_editor_set_location_reference (VervalVisitEditor             *self,
                                            const VervalLocationReference *reference)
{
  g_return_if_fail (VERVAL_IS_VISIT_EDITOR (self));

  g_clear_pointer (&self->reference, g_free);
  if (reference != NULL)
    self->reference = g_memdup2 (reference, sizeof *reference);
  recheck_locations (self);
}

VervalVisit *
verval_visit_editor_get_visit (VervalVisitEditor *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_EDITOR (self), NULL);
  return self->visit;
}

const char *
verval_visit_editor_get_section (VervalVisitEditor *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_EDITOR (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

guint
verval_visit_editor_get_n_sections (VervalVisitEditor *self)
{
  guint n = 0;

  g_return_val_if_fail (VERVAL_IS_VISIT_EDITOR (self), 0);

  for (guint i = 0; i < self->sections->len; i++)
    n += section_shown (self, g_ptr_array_index (self->sections, i));
  return n;
}

gboolean
verval_visit_editor_show_section (VervalVisitEditor *self,
                                  const char        *section_id)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_EDITOR (self), FALSE);
  g_return_val_if_fail (section_id != NULL, FALSE);

  for (guint i = 0; i < self->sections->len; i++)
    {
      SectionView *view = g_ptr_array_index (self->sections, i);

      if (g_strcmp0 (view->section->id, section_id) == 0 && section_shown (self, view))
        {
          if (view->page != gtk_stack_get_visible_child (self->stack))
            show_page (self, view);
          return TRUE;
        }
    }
  return FALSE;
}

GtkWidget *
verval_visit_editor_get_field_widget (VervalVisitEditor *self,
                                      const char        *field_id)
{
  FieldView *view;

  g_return_val_if_fail (VERVAL_IS_VISIT_EDITOR (self), NULL);
  g_return_val_if_fail (field_id != NULL, NULL);

  view = g_hash_table_lookup (self->fields, field_id);
  return view != NULL ? view->box : NULL;
}

const char *
verval_visit_editor_get_field_message (VervalVisitEditor *self,
                                       const char        *field_id)
{
  FieldView *view;

  g_return_val_if_fail (VERVAL_IS_VISIT_EDITOR (self), NULL);
  g_return_val_if_fail (field_id != NULL, NULL);

  view = g_hash_table_lookup (self->fields, field_id);
  if (view == NULL || !gtk_widget_get_visible (GTK_WIDGET (view->message)))
    return NULL;
  return gtk_label_get_label (view->message);
}
