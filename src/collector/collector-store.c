/* collector-store.c: the store object and its concerns
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-store.h"

G_DEFINE_INTERFACE_WITH_CODE (CollectorStore, collector_store, G_TYPE_OBJECT,
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_DEVICE_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_HOUSEHOLD_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_VISIT_STORE);
                              g_type_interface_add_prerequisite (g_define_type_id, COLLECTOR_TYPE_REVIEW_STORE))

static void
collector_store_default_init (CollectorStoreInterface *iface)
{
}

void
collector_store_close (CollectorStore *self)
{
  g_return_if_fail (COLLECTOR_IS_STORE (self));

  COLLECTOR_STORE_GET_IFACE (self)->close (self);
}
