/* verval-household-row.c: one family in the household list
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "verval-household-row.h"
#include "verval-ui-utils.h"

struct _VervalHouseholdRow
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkLabel        *name_label;
  GtkLabel        *nik_label;
  GtkLabel        *place_label;
  GtkLabel        *desil_label;
  GtkImage        *visit_image;
  GtkLabel        *refused_label;

  /* Owned */
  VervalHousehold *household;
};

G_DEFINE_FINAL_TYPE (VervalHouseholdRow, verval_household_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_HOUSEHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
verval_household_row_mask_id (const char *digits)
{
  GString *out;
  gsize len;

  if (digits == NULL || *digits == '\0')
    return g_strdup ("");

  len = strlen (digits);
  out = g_string_sized_new (len * 4);
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (out, ' ');
      if (i + 4 < len)
        g_string_append (out, "•");
      else
        g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static void
verval_household_row_update (VervalHouseholdRow *self)
{
  VervalHousehold *h = self->household;
  g_autofree char *masked = NULL;
  g_autofree char *place = NULL;
  g_autofree char *nik_text = NULL;
  const char *icon;
  const char *tooltip;
  gboolean refused;

  if (h == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      gtk_label_set_label (self->nik_label, "");
      gtk_label_set_label (self->place_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->desil_label), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->visit_image), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->refused_label), FALSE);
      return;
    }

  gtk_label_set_label (self->name_label, verval_household_get_head_name (h));

  masked = verval_household_row_mask_id (verval_household_get_nik (h));
  /* Translators: %s is a NIK with all but the last four digits hidden */
  nik_text = *masked != '\0' ? g_strdup_printf (_("NIK %s"), masked) : g_strdup (_("No NIK"));
  gtk_label_set_label (self->nik_label, nik_text);

  place = verval_ui_join_nonempty (", ",
                                   verval_household_get_address (h),
                                   verval_household_get_village_name (h),
                                   NULL);
  gtk_label_set_label (self->place_label, place);

  verval_ui_set_desil_badge (self->desil_label, verval_household_get_desil (h));

  /* A refusal outranks the state: the visit is stuck until someone acts. */
  refused = verval_household_get_refused (h);
  gtk_widget_set_visible (GTK_WIDGET (self->refused_label), refused);
  icon = refused ? NULL : verval_ui_visit_state_icon (verval_household_get_visit_state (h), &tooltip);
  gtk_widget_set_visible (GTK_WIDGET (self->visit_image), icon != NULL);
  if (icon != NULL)
    {
      gtk_image_set_from_icon_name (self->visit_image, icon);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->visit_image), tooltip);
    }
}

static void
verval_household_row_dispose (GObject *object)
{
  VervalHouseholdRow *self = VERVAL_HOUSEHOLD_ROW (object);
  GtkWidget *child;

  g_clear_object (&self->household);
  /* The boxes are the direct children; the bound labels go with them. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (verval_household_row_parent_class)->dispose (object);
}

static void
verval_household_row_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  VervalHouseholdRow *self = VERVAL_HOUSEHOLD_ROW (object);

  switch (prop_id)
    {
    case PROP_HOUSEHOLD:
      g_value_set_object (value, self->household);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_household_row_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  VervalHouseholdRow *self = VERVAL_HOUSEHOLD_ROW (object);

  switch (prop_id)
    {
    case PROP_HOUSEHOLD:
      verval_household_row_set_household (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_household_row_class_init (VervalHouseholdRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = verval_household_row_dispose;
  object_class->get_property = verval_household_row_get_property;
  object_class->set_property = verval_household_row_set_property;

  properties[PROP_HOUSEHOLD] =
    g_param_spec_object ("household", NULL, NULL,
                         VERVAL_TYPE_HOUSEHOLD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/id/verval/Verval/verval-household-row.ui");
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdRow, nik_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdRow, place_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdRow, desil_label);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdRow, visit_image);
  gtk_widget_class_bind_template_child (widget_class, VervalHouseholdRow, refused_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "householdrow");
}

static void
verval_household_row_init (VervalHouseholdRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 12);
}

GtkWidget *
verval_household_row_new (void)
{
  return g_object_new (VERVAL_TYPE_HOUSEHOLD_ROW, NULL);
}

VervalHousehold *
verval_household_row_get_household (VervalHouseholdRow *self)
{
  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD_ROW (self), NULL);

  return self->household;
}

void
verval_household_row_set_household (VervalHouseholdRow *self,
                                    VervalHousehold    *household)
{
  g_return_if_fail (VERVAL_IS_HOUSEHOLD_ROW (self));
  g_return_if_fail (household == NULL || VERVAL_IS_HOUSEHOLD (household));

  if (g_set_object (&self->household, household))
    {
      verval_household_row_update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOUSEHOLD]);
    }
}
