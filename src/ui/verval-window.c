/* verval-window.c: the main window, household list beside the household details
 *
 * The list is a GtkListView over VervalHouseholdModel: the model pages rows
 * in from the store on demand, so the window costs the same with 100 or
 * 100,000 families. Search and filters only set model properties; the
 * query runs on the store thread.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verval-enroll-dialog.h"
#include "verval-household-page.h"
#include "verval-household-row.h"
#include "verval-import-dialog.h"
#include "verval-region-list.h"
#include "verval-sync-indicator.h"
#include "verval-sync-page.h"
#include "verval-ui-utils.h"
#include "verval-window.h"

struct _VervalWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *error_page;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  AdwWindowTitle       *list_title;
  GtkWidget            *import_button;
  GtkToggleButton      *filter_button;
  GtkSearchEntry       *search_entry;
  AdwComboRow          *region_row;
  AdwComboRow          *desil_row;
  AdwComboRow          *visit_row;
  GtkStack             *list_stack;
  GtkListView          *list_view;
  AdwWindowTitle       *detail_title;
  GtkStack             *detail_stack;
  VervalHouseholdPage  *household_page;
  GtkWidget            *empty_enroll_button;
  VervalSyncIndicator  *sync_indicator;
  VervalSyncIndicator  *sync_strip;
  VervalSyncPage       *sync_page;       /* built on first use */

  /* Owned */
  VervalStore          *store;
  VervalSync           *sync;
  GCancellable         *cancellable;
  GSettings            *settings;
  VervalHouseholdModel *model;
  GtkSingleSelection   *selection;
  GtkSliceListModel    *rows;
  VervalRegionList     *regions;
  GError               *store_error;
  gulong                households_changed_id;
  guint                 rows_tick_id;
  gboolean              first_load_done;
  gboolean              exit_after_first_frame;
  gboolean              applying_filters;
};

G_DEFINE_FINAL_TYPE (VervalWindow, verval_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SETTINGS,
  PROP_STORE_ERROR,
  PROP_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GTK 4.8's list view keeps about 200 rows alive around its anchor, however
 * few fit on screen, and building and measuring them costs more than the rest
 * of the start together. The first frame gets the rows a tall window can
 * show; the rest follow a step per frame once it is on screen. */
#define FIRST_FRAME_ROWS 24
#define ROWS_PER_FRAME   24
#define LIST_VIEW_ROWS   224

/* The visit filter's rows, in order. */
static const int visit_filter_states[] = {
  VERVAL_HOUSEHOLD_MODEL_ANY_STATE,
  VERVAL_VISIT_STATE_NONE,
  VERVAL_VISIT_STATE_DRAFT,
  VERVAL_VISIT_STATE_FINAL,
  VERVAL_VISIT_STATE_SENT,
  VERVAL_VISIT_STATE_REJECTED,
  VERVAL_HOUSEHOLD_MODEL_REFUSED,
};

/* The filter's saved value: a stored visit state, "refused" or "any". */
static const char *
visit_filter_to_string (int state)
{
  if (state == VERVAL_HOUSEHOLD_MODEL_ANY_STATE)
    return "any";
  if (state == VERVAL_HOUSEHOLD_MODEL_REFUSED)
    return "refused";
  return verval_visit_state_to_string (state);
}

static int
visit_filter_from_string (const char *text)
{
  VervalVisitState state;

  if (g_strcmp0 (text, "refused") == 0)
    return VERVAL_HOUSEHOLD_MODEL_REFUSED;
  if (verval_visit_state_from_string (text, &state))
    return (int) state;
  return VERVAL_HOUSEHOLD_MODEL_ANY_STATE;
}

static const char *
visit_filter_label (int state)
{
  if (state == VERVAL_HOUSEHOLD_MODEL_REFUSED)
    return _("Refused by the server");
  return verval_ui_visit_state_label (state);
}

static void
update_titles (VervalWindow *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint n_total = verval_household_model_get_n_total (self->model);
  g_autofree char *items = verval_ui_format_count (n_items);
  g_autofree char *total = verval_ui_format_count (n_total);
  g_autofree char *subtitle = NULL;

  if (n_items == n_total)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s family", "%s families", n_total),
                                total);
  else
    /* Translators: "120 of 10,000 families" while searching or filtering */
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s family", "%s of %s families", n_total),
                                items, total);
  adw_window_title_set_subtitle (self->list_title, subtitle);
}

static void
after_paint_cb (GdkFrameClock *clock,
                VervalWindow  *self)
{
  g_autofree char *status = NULL;
  long rss_kb = 0;

  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, self);

  /* VmHWM: the peak, which is what the machine must have. */
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      const char *line = strstr (status, "VmHWM:");

      if (line != NULL)
        rss_kb = strtol (line + strlen ("VmHWM:"), NULL, 10);
    }
  printf ("first-frame n_items=%u n_total=%u rss_kb=%ld\n",
          g_list_model_get_n_items (G_LIST_MODEL (self->model)),
          verval_household_model_get_n_total (self->model), rss_kb);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
grow_rows_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  VervalWindow *self = VERVAL_WINDOW (widget);
  guint size = gtk_slice_list_model_get_size (self->rows);

  if (size + ROWS_PER_FRAME < LIST_VIEW_ROWS)
    {
      gtk_slice_list_model_set_size (self->rows, size + ROWS_PER_FRAME);
      return G_SOURCE_CONTINUE;
    }
  gtk_slice_list_model_set_size (self->rows, G_MAXUINT);
  self->rows_tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
first_paint_cb (GdkFrameClock *clock,
                VervalWindow  *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_paint_cb, self);
  if (self->rows_tick_id == 0 && gtk_slice_list_model_get_size (self->rows) != G_MAXUINT)
    self->rows_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), grow_rows_cb, NULL, NULL);
}

static void
update_state (VervalWindow *self)
{
  gboolean loading;
  guint n_items;
  guint n_total;
  const char *page;

  if (self->model == NULL)
    return;

  loading = verval_household_model_get_loading (self->model);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  n_total = verval_household_model_get_n_total (self->model);

  if (!loading && !self->first_load_done)
    {
      self->first_load_done = TRUE;
      /* Off the first frame's path: the store thread serves the list first. */
      verval_region_list_reload (self->regions);

      /* The remaining rows are built from the frame after the first one. */
      {
        GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

        if (clock != NULL)
          g_signal_connect_object (clock, "after-paint", G_CALLBACK (first_paint_cb), self, 0);
        else
          gtk_slice_list_model_set_size (self->rows, G_MAXUINT);
      }

      if (self->exit_after_first_frame)
        {
          GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

          if (clock != NULL)
            g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), self);
          gtk_widget_queue_draw (GTK_WIDGET (self));
        }
    }

  if (!self->first_load_done)
    page = "loading";
  else if (n_total == 0)
    page = "empty";
  else
    page = "households";
  gtk_stack_set_visible_child_name (self->main_stack, page);

  gtk_stack_set_visible_child_name (self->list_stack,
                                    n_items == 0 && !loading ? "no-results" : "list");
  update_titles (self);
}

static void
model_notify_cb (VervalWindow *self)
{
  update_state (self);
}

static void
model_items_changed_cb (VervalWindow *self)
{
  update_state (self);
}

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  gtk_list_item_set_child (item, verval_household_row_new ());
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  verval_household_row_set_household (VERVAL_HOUSEHOLD_ROW (gtk_list_item_get_child (item)),
                                      gtk_list_item_get_item (item));
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  user_data)
{
  verval_household_row_set_household (VERVAL_HOUSEHOLD_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
search_changed_cb (VervalWindow *self)
{
  if (self->model != NULL)
    verval_household_model_set_search_text (self->model,
                                            gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
search_stop_cb (VervalWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
search_activate_cb (VervalWindow *self)
{
  g_autoptr(VervalHousehold) first = NULL;

  /* Enter opens the best match, so a NIK typed in full needs no tap. */
  if (self->model == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0)
    return;
  first = g_list_model_get_item (G_LIST_MODEL (self->model), 0);
  gtk_single_selection_set_selected (self->selection, 0);
  verval_window_show_household (self, first);
}

static void
list_activate_cb (VervalWindow *self,
                  guint         position)
{
  g_autoptr(VervalHousehold) household = NULL;

  household = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (household == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  verval_window_show_household (self, household);
}

static void
region_selected_cb (VervalWindow *self)
{
  const char *code;

  if (self->model == NULL || self->applying_filters)
    return;
  code = verval_region_list_get_code (self->regions, adw_combo_row_get_selected (self->region_row));
  verval_household_model_set_village_code (self->model, code);
  g_settings_set_string (self->settings, "filter-village", code != NULL ? code : "");
}

static void
desil_selected_cb (VervalWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->desil_row);

  if (self->model == NULL || self->applying_filters || selected == GTK_INVALID_LIST_POSITION)
    return;
  verval_household_model_set_desil (self->model, (int) selected);
  g_settings_set_int (self->settings, "filter-desil", (int) selected);
}

static void
visit_selected_cb (VervalWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->visit_row);
  int state;

  if (self->model == NULL || self->applying_filters || selected >= G_N_ELEMENTS (visit_filter_states))
    return;
  state = visit_filter_states[selected];
  verval_household_model_set_visit_state (self->model, state);
  g_settings_set_string (self->settings, "filter-visit-state", visit_filter_to_string (state));
}

static void
regions_changed_cb (VervalWindow *self)
{
  g_autofree char *saved = g_settings_get_string (self->settings, "filter-village");
  guint position;

  /* The list was rebuilt: keep the chosen region selected if it still exists. */
  self->applying_filters = TRUE;
  position = verval_region_list_find (self->regions, saved);
  adw_combo_row_set_selected (self->region_row, position);
  self->applying_filters = FALSE;

  if (position == 0 && *saved != '\0')
    {
      verval_household_model_set_village_code (self->model, NULL);
      g_settings_set_string (self->settings, "filter-village", "");
    }
}

static void
restore_filters (VervalWindow *self)
{
  g_autofree char *village = g_settings_get_string (self->settings, "filter-village");
  g_autofree char *visit = g_settings_get_string (self->settings, "filter-visit-state");
  int desil = g_settings_get_int (self->settings, "filter-desil");
  int state = visit_filter_from_string (visit);
  guint visit_position = 0;

  for (guint i = 1; i < G_N_ELEMENTS (visit_filter_states); i++)
    if (visit_filter_states[i] == state)
      visit_position = i;

  self->applying_filters = TRUE;
  adw_combo_row_set_selected (self->desil_row, (guint) CLAMP (desil, 0, 4));
  adw_combo_row_set_selected (self->visit_row, visit_position);
  self->applying_filters = FALSE;

  verval_household_model_set_village_code (self->model, village);
  verval_household_model_set_desil (self->model, CLAMP (desil, 0, 4));
  verval_household_model_set_visit_state (self->model, visit_filter_states[visit_position]);
  gtk_toggle_button_set_active (self->filter_button,
                                *village != '\0' || desil != 0 || visit_position != 0);
}

static void
file_chooser_response_cb (GtkNativeDialog *chooser,
                          int              response,
                          VervalWindow    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GFile) parent = g_file_get_parent (file);

      if (parent != NULL && g_file_peek_path (parent) != NULL)
        g_settings_set_string (self->settings, "last-import-folder", g_file_peek_path (parent));
      verval_window_import_file (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VervalWindow *self = VERVAL_WINDOW (widget);
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  g_autofree char *folder = NULL;
  GtkFileChooserNative *chooser;

  if (self->store == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Import a Family List"),
                                         GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Import"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  gtk_file_filter_set_name (csv, _("P3KE or DTKS list (CSV)"));
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_filter_add_suffix (csv, "csv");
  gtk_file_filter_add_suffix (csv, "txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), csv);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);

  folder = g_settings_get_string (self->settings, "last-import-folder");
  if (*folder != '\0')
    {
      g_autoptr(GFile) dir = g_file_new_for_path (folder);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), dir, NULL);
    }

  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VervalWindow *self = VERVAL_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
toggle_filters_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  VervalWindow *self = VERVAL_WINDOW (widget);

  gtk_toggle_button_set_active (self->filter_button,
                                !gtk_toggle_button_get_active (self->filter_button));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VervalWindow *self = VERVAL_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
import_finished_cb (VervalImportDialog *dialog,
                    VervalImportReport *report,
                    const GError       *error,
                    VervalWindow       *self)
{
  g_autofree char *text = NULL;
  guint stored;

  if (report == NULL)
    return;
  stored = report->imported + report->updated;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u family imported", "%u families imported", stored),
                          stored);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* On a phone-width window the title needs the room; import stays in the
 * menu and the sync state moves to a row of its own under the header. */
static void
leaflet_folded_cb (VervalWindow *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  gtk_widget_set_visible (self->import_button, !folded);
  verval_sync_indicator_set_enabled (self->sync_indicator, !folded);
  verval_sync_indicator_set_enabled (self->sync_strip, folded);
}

static void
households_changed_cb (VervalWindow *self)
{
  if (self->first_load_done)
    verval_region_list_reload (self->regions);
}

static void
enrolled_cb (VervalEnrollDialog *dialog,
             const char         *notice,
             VervalWindow       *self)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (notice));
}

static void
enroll_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VervalWindow *self = VERVAL_WINDOW (widget);

  verval_window_show_enroll (self);
}

static void
show_sync_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  VervalWindow *self = VERVAL_WINDOW (widget);

  verval_window_show_sync (self);
}

static void
household_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(VervalWindow) self = user_data;
  g_autoptr(VervalHousehold) household = NULL;
  g_autoptr(GError) error = NULL;

  household = verval_household_load_finish (result, &error);
  if (household == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  verval_window_show_household (self, household);
}

static void
sync_household_activated_cb (VervalWindow *self,
                             gint64        household_id)
{
  verval_household_load_async (self->store, household_id, self->cancellable,
                               household_loaded_cb, g_object_ref (self));
}

/* Most starts never open the Sync page: its widgets and their styles are
 * built when it is first shown, not before the first frame. */
static VervalSyncPage *
ensure_sync_page (VervalWindow *self)
{
  if (self->sync_page == NULL)
    {
      self->sync_page = VERVAL_SYNC_PAGE (verval_sync_page_new ());
      g_signal_connect_object (self->sync_page, "household-activated",
                               G_CALLBACK (sync_household_activated_cb), self, G_CONNECT_SWAPPED);
      verval_sync_page_set_sync (self->sync_page, self->sync, self->store);
      gtk_stack_add_named (self->detail_stack, GTK_WIDGET (self->sync_page), "sync");
    }
  return self->sync_page;
}

static void
verval_window_constructed (GObject *object)
{
  VervalWindow *self = VERVAL_WINDOW (object);
  g_autoptr(GtkListItemFactory) factory = NULL;

  G_OBJECT_CLASS (verval_window_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  if (self->store == NULL)
    {
      adw_status_page_set_description (self->error_page,
                                       self->store_error != NULL ? self->store_error->message : NULL);
      gtk_stack_set_visible_child_name (self->main_stack, "error");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.enroll", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sync", FALSE);
      return;
    }

  verval_sync_indicator_set_sync (self->sync_indicator, self->sync);
  verval_sync_indicator_set_sync (self->sync_strip, self->sync);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.enroll", self->sync != NULL);
  gtk_widget_set_visible (self->empty_enroll_button, self->sync != NULL);

  self->model = verval_household_model_new (self->store);
  self->regions = verval_region_list_new (self->store);
  adw_combo_row_set_model (self->region_row, G_LIST_MODEL (self->regions));
  restore_filters (self);

  /* Offset 0: a position in the list is a position in the model. */
  self->rows = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->model)), 0, FIRST_FRAME_ROWS);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->rows)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (model_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::n-total", G_CALLBACK (model_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (model_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->regions, "items-changed", G_CALLBACK (regions_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  self->households_changed_id =
    g_signal_connect_object (self->store, "households-changed", G_CALLBACK (households_changed_cb), self,
                             G_CONNECT_SWAPPED);

  update_state (self);
}

static gboolean
verval_window_close_request (GtkWindow *window)
{
  VervalWindow *self = VERVAL_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (verval_window_parent_class)->close_request (window);
}

static void
verval_window_dispose (GObject *object)
{
  VervalWindow *self = VERVAL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->rows_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->rows_tick_id);
  self->rows_tick_id = 0;
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->model);
  g_clear_object (&self->regions);

  G_OBJECT_CLASS (verval_window_parent_class)->dispose (object);
}

static void
verval_window_finalize (GObject *object)
{
  VervalWindow *self = VERVAL_WINDOW (object);

  g_clear_object (&self->store);
  g_clear_object (&self->sync);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->store_error);

  G_OBJECT_CLASS (verval_window_parent_class)->finalize (object);
}

static void
verval_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  VervalWindow *self = VERVAL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_STORE_ERROR:
      g_value_set_boxed (value, self->store_error);
      break;
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  VervalWindow *self = VERVAL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_STORE_ERROR:
      self->store_error = g_value_dup_boxed (value);
      break;
    case PROP_SYNC:
      self->sync = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_window_class_init (VervalWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = verval_window_constructed;
  object_class->dispose = verval_window_dispose;
  object_class->finalize = verval_window_finalize;
  object_class->get_property = verval_window_get_property;
  object_class->set_property = verval_window_set_property;
  window_class->close_request = verval_window_close_request;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         VERVAL_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_STORE_ERROR] =
    g_param_spec_boxed ("store-error", NULL, NULL,
                        G_TYPE_ERROR,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SYNC] =
    g_param_spec_object ("sync", NULL, NULL,
                         VERVAL_TYPE_SYNC,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VERVAL_TYPE_HOUSEHOLD_PAGE);
  g_type_ensure (VERVAL_TYPE_SYNC_INDICATOR);

  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, content);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, import_button);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, filter_button);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, region_row);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, desil_row);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, visit_row);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, detail_title);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, household_page);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, sync_strip);
  gtk_widget_class_bind_template_child (widget_class, VervalWindow, empty_enroll_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, region_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, desil_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, visit_selected_cb);

  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-filters", NULL, toggle_filters_action);
  gtk_widget_class_install_action (widget_class, "win.enroll", NULL, enroll_action);
  gtk_widget_class_install_action (widget_class, "win.show-sync", NULL, show_sync_action);
}

static void
verval_window_init (VervalWindow *self)
{
  g_autoptr(GtkStringList) desils = NULL;
  g_autoptr(GtkStringList) visits = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->exit_after_first_frame = g_strcmp0 (g_getenv ("VERVAL_EXIT_AFTER_FIRST_FRAME"), "1") == 0;

  desils = gtk_string_list_new (NULL);
  gtk_string_list_append (desils, _("All deciles"));
  for (int i = 1; i <= 4; i++)
    {
      g_autofree char *label = g_strdup_printf (_("Decile %d"), i);

      gtk_string_list_append (desils, label);
    }
  adw_combo_row_set_model (self->desil_row, G_LIST_MODEL (desils));

  visits = gtk_string_list_new (NULL);
  gtk_string_list_append (visits, _("Any"));
  for (guint i = 1; i < G_N_ELEMENTS (visit_filter_states); i++)
    gtk_string_list_append (visits, visit_filter_label (visit_filter_states[i]));
  adw_combo_row_set_model (self->visit_row, G_LIST_MODEL (visits));

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  g_signal_connect_object (self->leaflet, "notify::folded", G_CALLBACK (leaflet_folded_cb), self,
                           G_CONNECT_SWAPPED);
  leaflet_folded_cb (self);
}

VervalWindow *
verval_window_new (VervalApplication *app)
{
  g_autoptr(GError) error = NULL;
  VervalStore *store;

  g_return_val_if_fail (VERVAL_IS_APPLICATION (app), NULL);

  store = verval_application_get_store (app, &error);
  return g_object_new (VERVAL_TYPE_WINDOW,
                       "application", app,
                       "store", store,
                       "store-error", error,
                       "sync", store != NULL ? verval_application_get_sync (app) : NULL,
                       "settings", verval_application_get_settings (app),
                       NULL);
}

VervalHouseholdModel *
verval_window_get_model (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return self->model;
}

GtkListView *
verval_window_get_list_view (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return self->list_view;
}

GtkEditable *
verval_window_get_search_entry (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return GTK_EDITABLE (self->search_entry);
}

AdwLeaflet *
verval_window_get_leaflet (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return self->leaflet;
}

const char *
verval_window_get_state (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->main_stack);
}

GtkWindow *
verval_window_import_file (VervalWindow *self,
                           GFile        *file)
{
  VervalImportDialog *dialog;

  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (self->store != NULL, NULL);

  dialog = verval_import_dialog_new (GTK_WINDOW (self), self->store, file);
  g_signal_connect_object (dialog, "finished", G_CALLBACK (import_finished_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

void
verval_window_show_household (VervalWindow    *self,
                              VervalHousehold *household)
{
  g_return_if_fail (VERVAL_IS_WINDOW (self));
  g_return_if_fail (VERVAL_IS_HOUSEHOLD (household));

  verval_household_page_set_household (self->household_page, self->store, household);
  adw_window_title_set_title (self->detail_title, verval_household_get_head_name (household));
  gtk_stack_set_visible_child_name (self->detail_stack, "detail");
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

GtkWindow *
verval_window_show_enroll (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return verval_window_show_enroll_over (self, GTK_WINDOW (self));
}

GtkWindow *
verval_window_show_enroll_over (VervalWindow *self,
                                GtkWindow    *parent)
{
  VervalEnrollDialog *dialog;

  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);
  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);

  if (self->sync == NULL)
    return NULL;
  dialog = verval_enroll_dialog_new (parent, self->sync);
  g_signal_connect_object (dialog, "enrolled", G_CALLBACK (enrolled_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

void
verval_window_show_sync (VervalWindow *self)
{
  g_return_if_fail (VERVAL_IS_WINDOW (self));

  if (self->store == NULL)
    return;
  /* The sync page lives in the detail pane, so it needs the household view. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "households") != 0)
    gtk_stack_set_visible_child_name (self->main_stack, "households");
  ensure_sync_page (self);
  adw_window_title_set_title (self->detail_title, _("Sync"));
  gtk_stack_set_visible_child_name (self->detail_stack, "sync");
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

VervalSyncPage *
verval_window_get_sync_page (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return ensure_sync_page (self);
}

VervalSyncIndicator *
verval_window_get_sync_indicator (VervalWindow *self)
{
  g_return_val_if_fail (VERVAL_IS_WINDOW (self), NULL);

  return adw_leaflet_get_folded (self->leaflet) ? self->sync_strip : self->sync_indicator;
}
