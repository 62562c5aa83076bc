/* collector-store-households.c: the households concern of the store
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-store.h"

G_DEFINE_INTERFACE (CollectorHouseholdStore, collector_household_store, G_TYPE_OBJECT)

static void
collector_household_store_default_init (CollectorHouseholdStoreInterface *iface)
{
}

#define IFACE(self) COLLECTOR_HOUSEHOLD_STORE_GET_IFACE (self)

gboolean
collector_store_upsert_households (CollectorStore *self,
                                   GPtrArray      *households,
                                   guint          *n_new,
                                   guint          *n_updated,
                                   GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (households != NULL, FALSE);

  return IFACE (self)->upsert_households (COLLECTOR_HOUSEHOLD_STORE (self), households, n_new,
                                          n_updated, error);
}

gboolean
collector_store_assign (CollectorStore     *self,
                        gint64              enumerator_id,
                        const char         *village_code,
                        const char * const *household_ids,
                        guint              *n_assigned,
                        GError            **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail ((village_code != NULL) != (household_ids != NULL), FALSE);

  return IFACE (self)->assign (COLLECTOR_HOUSEHOLD_STORE (self), enumerator_id, village_code,
                               household_ids, n_assigned, error);
}

CollectorAssignmentPage *
collector_store_pull_assignments (CollectorStore *self,
                                  gint64          enumerator_id,
                                  gint64          cursor,
                                  guint           limit,
                                  GError        **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (limit > 0, NULL);

  return IFACE (self)->pull_assignments (COLLECTOR_HOUSEHOLD_STORE (self), enumerator_id, cursor,
                                         limit, error);
}

void
collector_household_free (CollectorHousehold *household)
{
  if (household == NULL)
    return;
  g_free (household->id);
  g_free (household->source);
  g_free (household->village_code);
  g_free (household->head_name);
  g_free (household->nik);
  g_free (household->kk);
  g_free (household->address);
  g_free (household->data_json);
  g_free (household);
}

void
collector_assignment_page_free (CollectorAssignmentPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->households, g_ptr_array_unref);
  g_clear_pointer (&page->withdrawn, g_ptr_array_unref);
  g_free (page);
}
