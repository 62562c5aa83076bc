/* verval-household-visits.c: a family's visits, and the button to start one
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-household-visits.h"
#include "verval-ui-utils.h"

struct _VervalHouseholdVisits
{
  AdwPreferencesGroup  parent_instance;

  /* Template widgets */
  GtkWidget           *empty_row;
  GtkWidget           *start_button;
  AdwButtonContent    *start_content;

  /* Borrowed */
  VervalVisitStore    *visits;

  /* Owned */
  VervalStore         *store;
  VervalHousehold     *household;
  GListStore          *list;         /* VervalVisit */
  GPtrArray           *rows;
  GCancellable        *cancellable;
  VervalVisitEditor   *editor;       /* weak */
  gulong               changed_handler;
  gboolean             loading;
};

G_DEFINE_FINAL_TYPE (VervalHouseholdVisits, verval_household_visits, ADW_TYPE_PREFERENCES_GROUP)

static VervalVisit *
open_draft (VervalHouseholdVisits *self)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->list)); i++)
    {
      g_autoptr(VervalVisit) visit = g_list_model_get_item (G_LIST_MODEL (self->list), i);

      if (verval_visit_get_state (visit) == VERVAL_VISIT_STATE_DRAFT)
        return visit;
    }
  return NULL;
}

static char *
result_label (VervalHouseholdVisits *self,
              VervalVisit           *visit)
{
  VervalForm *form = verval_visit_store_get_form (self->visits, verval_visit_get_form_id (visit),
                                                  verval_visit_get_form_version (visit), NULL);
  const VervalFormField *field = form != NULL ? verval_form_lookup_field (form, "result") : NULL;
  const VervalFormOption *option = NULL;

  if (field != NULL && verval_visit_get_result_code (visit) >= 0)
    option = verval_form_field_lookup_option (field, verval_visit_get_result_code (visit));
  return option != NULL ? g_strdup (verval_form_text (&option->label)) : NULL;
}

static void editor_destroyed_cb (VervalHouseholdVisits *self);

/* The "far" warning needs to know where the visit should be; that comes
 * from the store a moment after the editor opens. */
static void
reference_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(VervalVisitEditor) editor = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;
  VervalLocationReference reference;
  gboolean found;

  g_weak_ref_clear (ref);
  g_free (ref);
  found = verval_visit_store_location_reference_finish (VERVAL_VISIT_STORE (source), result,
                                                        &reference, &error);
  if (error != NULL)
    g_debug ("No location reference: %s", error->message);
  if (found && editor != NULL)
    verval_visit_editor_set_location_reference (editor, &reference);
}

static void
open_editor (VervalHouseholdVisits *self,
             VervalVisit           *visit)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  VervalVisitEditor *editor;

  if (self->editor != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->editor));
      return;
    }
  editor = verval_visit_editor_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->visits,
                                    visit, verval_household_get_head_name (self->household));
  if (editor == NULL)
    return;
  g_set_weak_pointer (&self->editor, editor);
  g_signal_connect_object (editor, "destroy", G_CALLBACK (editor_destroyed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));

  {
    GWeakRef *ref = g_new0 (GWeakRef, 1);

    g_weak_ref_init (ref, editor);
    verval_visit_store_location_reference_async (self->visits, visit, NULL, reference_cb, ref);
  }
}

static void
row_activated_cb (AdwActionRow          *row,
                  VervalHouseholdVisits *self)
{
  open_editor (self, g_object_get_data (G_OBJECT (row), "visit"));
}

static GtkWidget *
make_row (VervalHouseholdVisits *self,
          VervalVisit           *visit)
{
  VervalVisitState state = verval_visit_get_state (visit);
  GtkWidget *row = adw_action_row_new ();
  GDateTime *when = verval_visit_get_finished (visit);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *time = NULL;
  g_autofree char *result = result_label (self, visit);
  g_autofree char *subtitle = NULL;
  const char *label;
  const char *icon = verval_ui_visit_state_icon (state, &label);
  /* The collector refused it: the reason is what the coordinator acts on. */
  const char *refusal = state == VERVAL_VISIT_STATE_FINAL ? verval_visit_get_sync_error (visit) : NULL;
  gboolean refused = refusal != NULL && refusal[0] != '\0';

  local = g_date_time_to_local (when != NULL ? when : verval_visit_get_started (visit));
  /* Translators: a date and time, see the strftime manual */
  time = g_date_time_format (local, _("%-d %b %Y, %H.%M"));
  /* A sent-back visit carries the supervisor's comment, a refused one the
   * collector's reason; never both. */
  subtitle = verval_ui_join_nonempty (" · ", time, result != NULL ? result : "",
                                      refused ? refusal : verval_visit_get_review_comment (visit),
                                      NULL);
  if (refused)
    {
      label = _("Refused by the server");
      icon = "dialog-warning-symbolic";
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (icon != NULL)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (icon));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "visit", g_object_ref (visit), g_object_unref);
  g_signal_connect (row, "activated", G_CALLBACK (row_activated_cb), self);
  if (state == VERVAL_VISIT_STATE_REJECTED || refused)
    gtk_widget_add_css_class (row, "warning");
  return row;
}

static void
update_rows (VervalHouseholdVisits *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  gboolean has_draft = open_draft (self) != NULL;

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  /* The button stays last: take it out and put it back. */
  g_object_ref (self->start_button);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), self->start_button);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VervalVisit) visit = g_list_model_get_item (G_LIST_MODEL (self->list), i);
      GtkWidget *row = make_row (self, visit);

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->start_button);
  g_object_unref (self->start_button);

  gtk_widget_set_visible (self->empty_row, n == 0 && !self->loading);
  adw_button_content_set_label (self->start_content,
                                has_draft ? _("_Continue Draft")
                                : n > 0 ? _("_Start New Visit") : _("_Start Visit"));
  gtk_widget_set_visible (self->start_button, self->household != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "visits.start",
                                 self->household != NULL && !self->loading);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  VervalHouseholdVisits *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) visits = verval_visit_store_list_finish (VERVAL_VISIT_STORE (source), result,
                                                               &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->loading = FALSE;
  if (visits == NULL)
    {
      g_warning ("Cannot list visits: %s", error->message);
      g_list_store_remove_all (self->list);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), error->message);
    }
  else
    {
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), NULL);
      g_list_store_splice (self->list, 0, g_list_model_get_n_items (G_LIST_MODEL (self->list)),
                           visits->pdata, visits->len);
    }
  update_rows (self);
}

void
verval_household_visits_reload (VervalHouseholdVisits *self)
{
  g_return_if_fail (VERVAL_IS_HOUSEHOLD_VISITS (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->household == NULL)
    {
      g_list_store_remove_all (self->list);
      update_rows (self);
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
  update_rows (self);
  verval_visit_store_list_async (self->visits, verval_household_get_id (self->household),
                                 self->cancellable, listed_cb, self);
}

static void
editor_destroyed_cb (VervalHouseholdVisits *self)
{
  verval_household_visits_reload (self);
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VervalHouseholdVisits) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalVisit) visit = verval_visit_store_start_finish (VERVAL_VISIT_STORE (source),
                                                                  result, &error);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "visits.start", TRUE);
  if (visit == NULL)
    {
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), error->message);
      return;
    }
  if (self->household == NULL ||
      verval_household_get_id (self->household) != verval_visit_get_household_id (visit))
    return;
  open_editor (self, visit);
  verval_household_visits_reload (self);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  VervalHouseholdVisits *self = VERVAL_HOUSEHOLD_VISITS (widget);
  VervalVisit *draft = open_draft (self);

  if (self->household == NULL)
    return;
  if (draft != NULL)
    {
      open_editor (self, draft);
      return;
    }
  gtk_widget_action_set_enabled (widget, "visits.start", FALSE);
  verval_visit_store_start_async (self->visits, verval_household_get_id (self->household),
                                  "verification", NULL, started_cb, g_object_ref (self));
}

static void
households_changed_cb (VervalHouseholdVisits *self)
{
  /* An editor open on this family reports through its own signals. */
  if (self->editor == NULL && self->household != NULL)
    verval_household_visits_reload (self);
}

void
verval_household_visits_set_household (VervalHouseholdVisits *self,
                                       VervalStore           *store,
                                       VervalHousehold       *household)
{
  g_return_if_fail (VERVAL_IS_HOUSEHOLD_VISITS (self));
  g_return_if_fail (store == NULL || VERVAL_IS_STORE (store));
  g_return_if_fail (household == NULL || VERVAL_IS_HOUSEHOLD (household));

  if (store != self->store)
    {
      if (self->store != NULL)
        g_clear_signal_handler (&self->changed_handler, self->store);
      g_set_object (&self->store, store);
      self->visits = store != NULL ? verval_visit_store_get_default (store) : NULL;
      if (store != NULL)
        self->changed_handler = g_signal_connect_swapped (store, "households-changed",
                                                          G_CALLBACK (households_changed_cb), self);
    }
  if (store == NULL)
    household = NULL;
  g_set_object (&self->household, household);
  verval_household_visits_reload (self);
}

GListModel *
verval_household_visits_get_visits (VervalHouseholdVisits *self)
{
  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD_VISITS (self), NULL);
  return G_LIST_MODEL (self->list);
}

gboolean
verval_household_visits_get_loading (VervalHouseholdVisits *self)
{
  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD_VISITS (self), FALSE);
  return self->loading;
}

VervalVisitEditor *
verval_household_visits_get_editor (VervalHouseholdVisits *self)
{
  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD_VISITS (self), NULL);
  return self->editor;
}

GtkWidget *
verval_household_visits_new (void)
{
  return g_object_new (VERVAL_TYPE_HOUSEHOLD_VISITS, NULL);
}

static void
verval_household_visits_dispose (GObject *object)
{
  VervalHouseholdVisits *self = VERVAL_HOUSEHOLD_VISITS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_handler, self->store);
  g_clear_weak_pointer (&self->editor);
  gtk_widget_dispose_template (GTK_WIDGET (self), VERVAL_TYPE_HOUSEHOLD_VISITS);

  G_OBJECT_CLASS (verval_household_visits_parent_class)->dispose (object);
}

static void
verval_household_visits_finalize (GObject *object)
{
  VervalHouseholdVisits *self = VERVAL_HOUSEHOLD_VISITS (object);

  g_clear_object (&self->household);
  g_clear_object (&self->store);
  g_clear_object (&self->list);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (verval_household_visits_parent_class)->finalize (object);
}

static void
verval_household_visits_class_init (VervalHouseholdVisitsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = verval_household_visits_dispose;
  object_class->finalize = verval_household_visits_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/id/verval/Verval/verval-household-visits.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdVisits, empty_row);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdVisits, start_button);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdVisits, start_content);
  gtk_widget_class_install_action (widget_class, "visits.start", NULL, start_action);
}

static void
verval_household_visits_init (VervalHouseholdVisits *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->list = g_list_store_new (VERVAL_TYPE_VISIT);
  self->rows = g_ptr_array_new ();
  update_rows (self);
}
