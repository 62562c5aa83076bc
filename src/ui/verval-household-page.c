/* verval-household-page.c: everything known about one family
 *
 * The groups are rebuilt for each family because their rows depend on the
 * data (members exist only for DTKS families, listed fields may be empty).
 * The NIK and KK checks are the shared rules of src/common, shown here so a
 * coordinator can compare them with the family card at the door.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-household-page.h"
#include "verval-household-row.h"
#include "verval-household-visits.h"
#include "verval-nik.h"
#include "verval-regions.h"
#include "verval-ui-utils.h"

struct _VervalHouseholdPage
{
  AdwBin           parent_instance;

  /* Template widgets */
  GtkScrolledWindow *scroller;
  GtkLabel        *name_label;
  GtkLabel        *place_label;
  GtkLabel        *desil_label;
  GtkLabel        *visit_label;
  GtkBox          *groups_box;
  VervalHouseholdVisits *visits_group;
  GtkSpinner      *spinner;

  /* Owned */
  VervalHousehold *household;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (VervalHouseholdPage, verval_household_page, ADW_TYPE_BIN)

/* Digits in groups of four, as printed on the cards. */
static char *
group_digits (const char *digits)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; digits[i] != '\0'; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static GtkWidget *
add_row (AdwPreferencesGroup *group,
         const char          *title,
         const char          *value)
{
  GtkWidget *row;

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value != NULL && *value != '\0' ? value : "—");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);
  return row;
}

static void
add_row_if_set (AdwPreferencesGroup *group,
                const char          *title,
                const char          *value)
{
  if (value != NULL && *value != '\0')
    add_row (group, title, value);
}

static void
add_copy_button (GtkWidget  *row,
                 const char *digits)
{
  GtkWidget *button;

  button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Copy"));
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "household.copy");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", digits);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
}

static void
add_check_row (AdwPreferencesGroup *group,
               const char          *title,
               const char          *icon_name,
               const char          *style,
               const char          *text)
{
  GtkWidget *row;
  GtkWidget *icon;

  row = add_row (group, title, text);
  icon = gtk_image_new_from_icon_name (icon_name);
  gtk_widget_add_css_class (icon, style);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
}

static GtkWidget *
new_group (VervalHouseholdPage *self,
           const char          *title)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  gtk_box_append (self->groups_box, group);
  return group;
}

static const char *
sex_label (VervalSex sex)
{
  switch (sex)
    {
    case VERVAL_SEX_MALE:
      return _("male");
    case VERVAL_SEX_FEMALE:
      return _("female");
    case VERVAL_SEX_UNKNOWN:
    default:
      return _("sex unknown");
    }
}

static void
add_region_warning (AdwPreferencesGroup *group,
                    const char          *digits)
{
  g_autofree char *dotted = NULL;
  g_autofree char *text = NULL;
  char prefix[7];

  if (verval_regions_has_id_prefix (verval_regions_get_default (), digits))
    return;

  g_strlcpy (prefix, digits, sizeof prefix);
  dotted = verval_region_code_dotted (prefix);
  text = g_strdup_printf (_("The region code %s is not in today’s list of regions. The kecamatan may have been split or renamed; compare with the family card."),
                          dotted != NULL ? dotted : prefix);
  add_check_row (group, _("Region"), "dialog-warning-symbolic", "warning", text);
}

static void
add_nik_rows (AdwPreferencesGroup *group,
              const char          *nik)
{
  g_autoptr(GDateTime) today = g_date_time_new_now_local ();
  g_autoptr(GError) error = NULL;
  VervalNikInfo info;
  GtkWidget *row;

  if (*nik == '\0')
    {
      add_check_row (group, _("NIK"), "dialog-warning-symbolic", "warning",
                     _("The list has no NIK for the head of the family"));
      return;
    }

  {
    g_autofree char *grouped = group_digits (nik);

    row = add_row (group, _("NIK"), grouped);
    add_copy_button (row, nik);
  }

  if (verval_nik_parse (nik, today, &info, &error))
    {
      g_autofree char *born = verval_ui_format_date (info.birth_day, info.birth_month, info.birth_year);
      /* Translators: what a valid NIK says; the first %s is "male" or
       * "female", the second a date */
      g_autofree char *text = g_strdup_printf (_("Valid: %s, born %s"), sex_label (info.sex), born);

      add_check_row (group, _("NIK Check"), "emblem-ok-symbolic", "success", text);
      add_region_warning (group, info.digits);
    }
  else
    add_check_row (group, _("NIK Check"), "dialog-error-symbolic", "error", error->message);
}

static void
add_kk_rows (AdwPreferencesGroup *group,
             const char          *kk)
{
  g_autoptr(GError) error = NULL;
  char digits[VERVAL_ID_LENGTH + 1];
  GtkWidget *row;

  if (*kk == '\0')
    return;

  {
    g_autofree char *grouped = group_digits (kk);

    row = add_row (group, _("Family Card Number (KK)"), grouped);
    add_copy_button (row, kk);
  }

  if (verval_kk_parse (kk, digits, &error))
    add_region_warning (group, digits);
  else
    add_check_row (group, _("KK Check"), "dialog-error-symbolic", "error", error->message);
}

static char *
describe_programmes (VervalProgrammeFlags programmes)
{
  GPtrArray *names = g_ptr_array_new ();
  char *text;

  if (programmes & VERVAL_PROGRAMME_PKH)
    g_ptr_array_add (names, (char *) "PKH");
  if (programmes & VERVAL_PROGRAMME_BPNT)
    g_ptr_array_add (names, (char *) "BPNT");
  if (programmes & VERVAL_PROGRAMME_SEMBAKO)
    g_ptr_array_add (names, (char *) "Sembako");
  if (programmes & VERVAL_PROGRAMME_BPUM)
    g_ptr_array_add (names, (char *) "BPUM");
  if (programmes & VERVAL_PROGRAMME_BST)
    g_ptr_array_add (names, (char *) "BST");
  g_ptr_array_add (names, NULL);
  text = names->len > 1 ? g_strjoinv (", ", (char **) names->pdata) : g_strdup (_("None listed"));
  g_ptr_array_free (names, TRUE);
  return text;
}

static char *
describe_savings (VervalSavingsFlags savings)
{
  GPtrArray *names = g_ptr_array_new ();
  char *text;

  if (savings & VERVAL_SAVINGS_MONEY)
    g_ptr_array_add (names, (char *) _("money"));
  if (savings & VERVAL_SAVINGS_JEWELLERY)
    g_ptr_array_add (names, (char *) _("jewellery"));
  if (savings & VERVAL_SAVINGS_LIVESTOCK)
    g_ptr_array_add (names, (char *) _("livestock"));
  if (savings & VERVAL_SAVINGS_OTHER)
    g_ptr_array_add (names, (char *) _("other"));
  g_ptr_array_add (names, NULL);
  text = names->len > 1 ? g_strjoinv (", ", (char **) names->pdata) : g_strdup (_("None listed"));
  g_ptr_array_free (names, TRUE);
  return text;
}

static const char *
source_name (VervalSourceFlags source)
{
  if (source & VERVAL_SOURCE_P3KE)
    return "P3KE";
  if (source & VERVAL_SOURCE_DTKS)
    return "DTKS";
  return _("Other list");
}

static void
add_field_rows (VervalHouseholdPage *self,
                const char          *title,
                const VervalFamilyField *fields,
                guint                n_fields)
{
  VervalHousehold *h = self->household;
  AdwPreferencesGroup *group = NULL;

  for (guint i = 0; i < n_fields; i++)
    {
      const char *value = verval_household_get_field (h, fields[i]);

      if (*value == '\0')
        continue;
      if (group == NULL)
        group = ADW_PREFERENCES_GROUP (new_group (self, title));
      add_row (group, verval_family_field_get_label (fields[i]), value);
    }
}

static void
rebuild (VervalHouseholdPage *self)
{
  static const VervalFamilyField head_fields[] = {
    VERVAL_FAMILY_FIELD_OCCUPATION,
    VERVAL_FAMILY_FIELD_EDUCATION,
  };
  static const VervalFamilyField housing_fields[] = {
    VERVAL_FAMILY_FIELD_HOUSE_OWNERSHIP,
    VERVAL_FAMILY_FIELD_FLOOR,
    VERVAL_FAMILY_FIELD_WALL,
    VERVAL_FAMILY_FIELD_ROOF,
    VERVAL_FAMILY_FIELD_LIGHTING,
    VERVAL_FAMILY_FIELD_COOKING_FUEL,
    VERVAL_FAMILY_FIELD_DRINKING_WATER,
    VERVAL_FAMILY_FIELD_TOILET,
  };
  VervalHousehold *h = self->household;
  AdwPreferencesGroup *group;
  GtkWidget *child;
  g_autofree char *place = NULL;
  g_autofree char *rt_rw = NULL;
  g_autofree char *programmes = NULL;
  gboolean details;
  int desil;
  int padan;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->groups_box))) != NULL)
    gtk_box_remove (self->groups_box, child);

  if (h == NULL)
    return;

  details = verval_household_get_details_loaded (h);

  gtk_label_set_label (self->name_label, verval_household_get_head_name (h));
  place = verval_ui_join_nonempty (", ",
                                   verval_household_get_address (h),
                                   verval_household_get_village_name (h),
                                   verval_household_get_kecamatan_name (h),
                                   NULL);
  gtk_label_set_label (self->place_label, place);

  desil = verval_household_get_desil (h);
  verval_ui_set_desil_badge (self->desil_label, desil);
  /* A refused visit is still "final" locally; say what the coordinator must act on. */
  gtk_label_set_label (self->visit_label,
                       verval_household_get_refused (h)
                       ? _("Refused by the server")
                       : verval_ui_visit_state_label (verval_household_get_visit_state (h)));

  /* Identity */
  group = ADW_PREFERENCES_GROUP (new_group (self, _("Identity")));
  add_row (group, _("Head of the Family"), verval_household_get_head_name (h));
  add_nik_rows (group, verval_household_get_nik (h));
  add_kk_rows (group, verval_household_get_kk (h));
  if (details)
    {
      add_row_if_set (group, _("Sex (as listed)"),
                      verval_household_get_field (h, VERVAL_FAMILY_FIELD_SEX));
      add_row_if_set (group, _("Date of Birth (as listed)"),
                      verval_household_get_field (h, VERVAL_FAMILY_FIELD_BIRTH_DATE));
    }
  padan = verval_household_get_padan_dukcapil (h);
  if (padan >= 0)
    add_row (group, _("Matched with the Civil Registry"), padan ? _("Yes") : _("No"));
  add_row_if_set (group, _("Family ID"), verval_household_get_family_id (h));

  /* Address */
  group = ADW_PREFERENCES_GROUP (new_group (self, _("Address")));
  add_row (group, _("Address"), verval_household_get_address (h));
  add_row_if_set (group, _("Dusun"), verval_household_get_dusun (h));
  rt_rw = verval_ui_join_nonempty (" / ", verval_household_get_rt (h), verval_household_get_rw (h), NULL);
  add_row_if_set (group, _("RT / RW"), rt_rw);
  add_row (group, _("Village"), verval_household_get_village_name (h));
  add_row (group, _("Kecamatan"), verval_household_get_kecamatan_name (h));
  if (details)
    {
      add_row_if_set (group, _("Regency or City"),
                      verval_household_get_field (h, VERVAL_FAMILY_FIELD_REGENCY));
      add_row_if_set (group, _("Province"),
                      verval_household_get_field (h, VERVAL_FAMILY_FIELD_PROVINCE));
    }

  /* Welfare */
  group = ADW_PREFERENCES_GROUP (new_group (self, _("Welfare")));
  if (desil > 0)
    {
      g_autofree char *text = g_strdup_printf (_("Decile %d of 10 (1 is the poorest tenth)"), desil);

      add_row (group, _("Welfare Decile"), text);
    }
  else
    add_row (group, _("Welfare Decile"), _("Not listed"));
  programmes = describe_programmes (verval_household_get_programmes (h));
  add_row (group, _("Assistance Programmes"), programmes);
  if (details)
    {
      g_autofree char *savings = describe_savings (verval_household_get_savings (h));

      add_row (group, _("Savings or Goods"), savings);
      add_row_if_set (group, verval_family_field_get_label (VERVAL_FAMILY_FIELD_STUNTING_RISK),
                      verval_household_get_field (h, VERVAL_FAMILY_FIELD_STUNTING_RISK));
    }

  if (!details)
    return;

  add_field_rows (self, _("Head of the Family"), head_fields, G_N_ELEMENTS (head_fields));
  add_field_rows (self, _("Housing"), housing_fields, G_N_ELEMENTS (housing_fields));

  /* Members (DTKS lists and P3KE individual exports) */
  {
    GPtrArray *members = verval_household_get_members (h);

    if (members != NULL && members->len > 0)
      {
        g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%u Member", "%u Members",
                                                               members->len),
                                                  members->len);

        group = ADW_PREFERENCES_GROUP (new_group (self, title));
        for (guint i = 0; i < members->len; i++)
          {
            VervalMemberRecord *m = g_ptr_array_index (members, i);
            g_autofree char *masked = verval_household_row_mask_id (m->nik);
            g_autofree char *born = NULL;
            g_autofree char *subtitle = NULL;

            if (*m->birth_date != '\0')
              /* Translators: %s is a date as written in the list */
              born = g_strdup_printf (_("born %s"), m->birth_date);
            subtitle = verval_ui_join_nonempty (" · ", m->relationship, m->sex,
                                                born != NULL ? born : "", masked, NULL);
            add_row (group, *m->name != '\0' ? m->name : _("(no name)"), subtitle);
          }
      }
  }

  /* Sources */
  {
    GPtrArray *sources = verval_household_get_source_list (h);

    if (sources != NULL && sources->len > 0)
      {
        group = ADW_PREFERENCES_GROUP (new_group (self, _("Listed In")));
        adw_preferences_group_set_description (group,
                                               _("The lists this family was imported from"));
        for (guint i = 0; i < sources->len; i++)
          {
            VervalHouseholdSource *s = g_ptr_array_index (sources, i);
            g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (s->imported_at);
            g_autofree char *date = NULL;
            g_autofree char *id = NULL;
            g_autofree char *subtitle = NULL;

            if (when != NULL)
              date = verval_ui_format_date (g_date_time_get_day_of_month (when),
                                            g_date_time_get_month (when),
                                            g_date_time_get_year (when));
            if (*s->source_id != '\0')
              /* Translators: %s is the family's identifier in a list */
              id = g_strdup_printf (_("ID %s"), s->source_id);
            subtitle = verval_ui_join_nonempty (" · ", id != NULL ? id : "", s->file_name,
                                                date != NULL ? date : "", NULL);
            add_row (group, source_name (s->source), subtitle);
          }
      }
  }
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(VervalHouseholdPage) self = user_data;
  g_autoptr(VervalHousehold) loaded = NULL;
  g_autoptr(GError) error = NULL;

  loaded = verval_household_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  if (loaded == NULL)
    {
      g_warning ("Cannot load the details of a household: %s", error->message);
      return;
    }
  if (self->household == NULL || verval_household_get_id (loaded) != verval_household_get_id (self->household))
    return;

  g_set_object (&self->household, loaded);
  rebuild (self);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AdwToastOverlay *overlay;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), g_variant_get_string (parameter, NULL));
  overlay = (AdwToastOverlay *) gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (overlay, adw_toast_new (_("Copied")));
}

static void
verval_household_page_dispose (GObject *object)
{
  VervalHouseholdPage *self = VERVAL_HOUSEHOLD_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->household);

  G_OBJECT_CLASS (verval_household_page_parent_class)->dispose (object);
}

static void
verval_household_page_class_init (VervalHouseholdPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = verval_household_page_dispose;

  g_type_ensure (VERVAL_TYPE_HOUSEHOLD_VISITS);
  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-household-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, place_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, desil_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, visit_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, groups_box);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, visits_group);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdPage, spinner);

  gtk_widget_class_install_action (widget_class, "household.copy", "s", copy_action);
}

static void
verval_household_page_init (VervalHouseholdPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

VervalHousehold *
verval_household_page_get_household (VervalHouseholdPage *self)
{
  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD_PAGE (self), NULL);

  return self->household;
}

void
verval_household_page_set_household (VervalHouseholdPage *self,
                                     VervalStore         *store,
                                     VervalHousehold     *household)
{
  GtkAdjustment *vadjustment;

  g_return_if_fail (VERVAL_IS_HOUSEHOLD_PAGE (self));
  g_return_if_fail (store == NULL || VERVAL_IS_STORE (store));
  g_return_if_fail (household == NULL || VERVAL_IS_HOUSEHOLD (household));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->household, household);
  verval_household_visits_set_household (self->visits_group, store, household);

  vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_lower (vadjustment));
  rebuild (self);

  if (household == NULL || store == NULL || verval_household_get_details_loaded (household))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
      return;
    }

  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_set_spinning (self->spinner, TRUE);
  verval_household_load_async (store, verval_household_get_id (household),
                               self->cancellable, load_cb, g_object_ref (self));
}
