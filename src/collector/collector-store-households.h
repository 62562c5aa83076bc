/* collector-store-households.h: the listed families and who is assigned which, as a store keeps them
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* the object every concern of the store is reached through (collector-store.h) */
typedef struct _CollectorStore CollectorStore;

typedef struct {
  char *id;             /* family id from the list */
  char *source;         /* "p3ke", "dtks" */
  char *village_code;
  char *head_name;
  char *nik;
  char *kk;
  char *address;
  char *data_json;      /* the rest of the listed record, a JSON object */
} CollectorHousehold;

typedef struct {
  GPtrArray *households;   /* of CollectorHousehold*: new or changed */
  GPtrArray *withdrawn;    /* of char*: household ids no longer assigned */
  gint64     next_cursor;
  gboolean   more;
} CollectorAssignmentPage;

#define COLLECTOR_TYPE_HOUSEHOLD_STORE (collector_household_store_get_type ())
G_DECLARE_INTERFACE (CollectorHouseholdStore, collector_household_store, COLLECTOR, HOUSEHOLD_STORE, GObject)

struct _CollectorHouseholdStoreInterface
{
  GTypeInterface parent_iface;

  gboolean                 (*upsert_households) (CollectorHouseholdStore *self,
                                                 GPtrArray               *households,
                                                 guint                   *n_new,
                                                 guint                   *n_updated,
                                                 GError                 **error);
  gboolean                 (*assign)            (CollectorHouseholdStore *self,
                                                 gint64                   enumerator_id,
                                                 const char              *village_code,
                                                 const char * const      *household_ids,
                                                 guint                   *n_assigned,
                                                 GError                 **error);
  /* Changes after @cursor in the order they happened, keyset-paged. */
  CollectorAssignmentPage *(*pull_assignments)  (CollectorHouseholdStore *self,
                                                 gint64                   enumerator_id,
                                                 gint64                   cursor,
                                                 guint                    limit,
                                                 GError                 **error);
};

gboolean                 collector_store_upsert_households (CollectorStore *self,
                                                            GPtrArray      *households,
                                                            guint          *n_new,
                                                            guint          *n_updated,
                                                            GError        **error);
/* Either every household of @village_code or the listed ids. */
gboolean                 collector_store_assign           (CollectorStore *self,
                                                           gint64          enumerator_id,
                                                           const char     *village_code,
                                                           const char * const *household_ids,
                                                           guint          *n_assigned,
                                                           GError        **error);
CollectorAssignmentPage *collector_store_pull_assignments (CollectorStore *self,
                                                           gint64          enumerator_id,
                                                           gint64          cursor,
                                                           guint           limit,
                                                           GError        **error);

void collector_household_free       (CollectorHousehold      *household);
void collector_assignment_page_free (CollectorAssignmentPage *page);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorHousehold, collector_household_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorAssignmentPage, collector_assignment_page_free)

G_END_DECLS
