/* verval-region-list.c: the villages and kecamatans present in the store,
 * as choices for the household list's region filter
 *
 * Only regions that have families are offered: a coordinator works a few
 * villages, and the region table of a whole regency would bury them. The
 * store lists them (verval_store_list_villages_async()); this file only
 * turns them into labels.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-ui"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-region-list.h"

struct _VervalRegionList
{
  GObject        parent_instance;

  /* Owned */
  VervalStore   *store;
  GtkStringList *labels;
  GPtrArray     *codes;   /* of char*, NULL at 0 */
  GCancellable  *cancellable;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VervalRegionList, verval_region_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
add_entry (VervalRegionList *self,
           GPtrArray        *labels,
           const char       *label,
           const char       *code)
{
  g_ptr_array_add (labels, g_strdup (label));
  g_ptr_array_add (self->codes, code != NULL ? g_strdup (code) : NULL);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(VervalRegionList) self = user_data;
  g_autoptr(GPtrArray) villages = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GError) error = NULL;
  const char *current_kecamatan = NULL;
  guint old_n;

  villages = verval_store_list_villages_finish (VERVAL_STORE (object), result, &error);
  if (villages == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot list the regions of the store: %s", error->message);
      return;
    }

  old_n = self->codes->len;
  g_ptr_array_set_size (self->codes, 0);
  labels = g_ptr_array_new_with_free_func (g_free);
  add_entry (self, labels, _("All villages"), NULL);

  /* Villages come by kecamatan: a kecamatan's entry heads its villages. */
  for (guint i = 0; i < villages->len; i++)
    {
      const VervalVillage *village = g_ptr_array_index (villages, i);

      if (village->kecamatan_code != NULL &&
          g_strcmp0 (current_kecamatan, village->kecamatan_code) != 0)
        {
          g_autofree char *label = NULL;

          current_kecamatan = village->kecamatan_code;
          /* Translators: a whole kecamatan in the village filter */
          label = g_strdup_printf (_("Kecamatan %s (all villages)"), village->kecamatan_name);
          add_entry (self, labels, label, village->kecamatan_code);
        }
      add_entry (self, labels, village->name, village->code);
    }

  g_ptr_array_add (labels, NULL);
  gtk_string_list_splice (self->labels, 0, old_n, (const char * const *) labels->pdata);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->codes->len);
}

static GType
verval_region_list_get_item_type (GListModel *model)
{
  return GTK_TYPE_STRING_OBJECT;
}

static guint
verval_region_list_get_n_items (GListModel *model)
{
  return VERVAL_REGION_LIST (model)->codes->len;
}

static gpointer
verval_region_list_get_item (GListModel *model,
                             guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (VERVAL_REGION_LIST (model)->labels), position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = verval_region_list_get_item_type;
  iface->get_n_items = verval_region_list_get_n_items;
  iface->get_item = verval_region_list_get_item;
}

static void
verval_region_list_finalize (GObject *object)
{
  VervalRegionList *self = VERVAL_REGION_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->labels);
  g_clear_pointer (&self->codes, g_ptr_array_unref);

  G_OBJECT_CLASS (verval_region_list_parent_class)->finalize (object);
}

static void
verval_region_list_class_init (VervalRegionListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = verval_region_list_finalize;
}

static void
verval_region_list_init (VervalRegionList *self)
{
  const char *all[] = { _("All villages"), NULL };

  self->labels = gtk_string_list_new (all);
  self->codes = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->codes, NULL);
}

VervalRegionList *
verval_region_list_new (VervalStore *store)
{
  VervalRegionList *self;

  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);

  self = g_object_new (VERVAL_TYPE_REGION_LIST, NULL);
  self->store = g_object_ref (store);
  return self;
}

void
verval_region_list_reload (VervalRegionList *self)
{
  g_return_if_fail (VERVAL_IS_REGION_LIST (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  verval_store_list_villages_async (self->store, self->cancellable, load_cb, g_object_ref (self));
}

const char *
verval_region_list_get_code (VervalRegionList *self,
                             guint             position)
{
  g_return_val_if_fail (VERVAL_IS_REGION_LIST (self), NULL);

  if (position >= self->codes->len)
    return NULL;
  return g_ptr_array_index (self->codes, position);
}

guint
verval_region_list_find (VervalRegionList *self,
                         const char       *code)
{
  g_return_val_if_fail (VERVAL_IS_REGION_LIST (self), 0);

  if (code == NULL || *code == '\0')
    return 0;
  for (guint i = 1; i < self->codes->len; i++)
    {
      if (g_strcmp0 (g_ptr_array_index (self->codes, i), code) == 0)
        return i;
    }
  return 0;
}
