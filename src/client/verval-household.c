/* verval-household.c: one listed family, as shown in the list and the detail page
 *
 * List rows are built from the few columns a row shows, so 100k of them stay
 * cheap; the detail page loads the rest (housing fields, members, sources)
 * on the store thread.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-household"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "verval-household.h"

struct _VervalHousehold
{
  GObject              parent_instance;

  gint64               id;
  char                *family_id;
  char                *head_name;
  char                *nik;
  char                *kk;
  char                *address;
  char                *dusun;
  char                *rt;
  char                *rw;
  char                *village_code;
  char                *village_name;
  char                *kecamatan_name;
  int                  desil;
  VervalSourceFlags    sources;
  VervalProgrammeFlags programmes;
  int                  padan_dukcapil;
  VervalVisitState     visit_state;
  gboolean             refused;
  guint                n_members;

  gboolean             details_loaded;
  char                *fields[VERVAL_FAMILY_N_FIELDS];
  VervalSavingsFlags   savings;
  GPtrArray           *members;
  GPtrArray           *source_list;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_FAMILY_ID,
  PROP_HEAD_NAME,
  PROP_NIK,
  PROP_KK,
  PROP_ADDRESS,
  PROP_DUSUN,
  PROP_RT,
  PROP_RW,
  PROP_VILLAGE_CODE,
  PROP_VILLAGE_NAME,
  PROP_KECAMATAN_NAME,
  PROP_DESIL,
  PROP_SOURCES,
  PROP_PROGRAMMES,
  PROP_PADAN_DUKCAPIL,
  PROP_VISIT_STATE,
  PROP_REFUSED,
  PROP_N_MEMBERS,
  PROP_DETAILS_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (VervalHousehold, verval_household, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (VervalVisitState, verval_visit_state,
  G_DEFINE_ENUM_VALUE (VERVAL_VISIT_STATE_NONE, "none"),
  G_DEFINE_ENUM_VALUE (VERVAL_VISIT_STATE_DRAFT, "draft"),
  G_DEFINE_ENUM_VALUE (VERVAL_VISIT_STATE_FINAL, "final"),
  G_DEFINE_ENUM_VALUE (VERVAL_VISIT_STATE_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (VERVAL_VISIT_STATE_REJECTED, "rejected"))

G_DEFINE_FLAGS_TYPE (VervalSourceFlags, verval_source_flags,
  G_DEFINE_ENUM_VALUE (VERVAL_SOURCE_NONE, "none"),
  G_DEFINE_ENUM_VALUE (VERVAL_SOURCE_P3KE, "p3ke"),
  G_DEFINE_ENUM_VALUE (VERVAL_SOURCE_DTKS, "dtks"))

static const char * const visit_state_names[] = {
  "none", "draft", "final", "sent", "rejected",
};

const char *
verval_visit_state_to_string (VervalVisitState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (visit_state_names), "none");
  return visit_state_names[state];
}

gboolean
verval_visit_state_from_string (const char       *text,
                                VervalVisitState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (visit_state_names); i++)
    if (g_str_equal (text, visit_state_names[i]))
      {
        *state = (VervalVisitState) i;
        return TRUE;
      }
  return FALSE;
}

void
verval_household_source_free (VervalHouseholdSource *source)
{
  if (source == NULL)
    return;
  g_free (source->source_id);
  g_free (source->file_name);
  g_free (source);
}

static void
verval_household_finalize (GObject *object)
{
  VervalHousehold *self = VERVAL_HOUSEHOLD (object);

  g_free (self->family_id);
  g_free (self->head_name);
  g_free (self->nik);
  g_free (self->kk);
  g_free (self->address);
  g_free (self->dusun);
  g_free (self->rt);
  g_free (self->rw);
  g_free (self->village_code);
  g_free (self->village_name);
  g_free (self->kecamatan_name);
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    g_free (self->fields[i]);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->source_list, g_ptr_array_unref);

  G_OBJECT_CLASS (verval_household_parent_class)->finalize (object);
}

static void
verval_household_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VervalHousehold *self = VERVAL_HOUSEHOLD (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_FAMILY_ID:
      g_value_set_string (value, self->family_id);
      break;
    case PROP_HEAD_NAME:
      g_value_set_string (value, self->head_name);
      break;
    case PROP_NIK:
      g_value_set_string (value, self->nik);
      break;
    case PROP_KK:
      g_value_set_string (value, self->kk);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_DUSUN:
      g_value_set_string (value, self->dusun);
      break;
    case PROP_RT:
      g_value_set_string (value, self->rt);
      break;
    case PROP_RW:
      g_value_set_string (value, self->rw);
      break;
    case PROP_VILLAGE_CODE:
      g_value_set_string (value, self->village_code);
      break;
    case PROP_VILLAGE_NAME:
      g_value_set_string (value, self->village_name);
      break;
    case PROP_KECAMATAN_NAME:
      g_value_set_string (value, self->kecamatan_name);
      break;
    case PROP_DESIL:
      g_value_set_int (value, self->desil);
      break;
    case PROP_SOURCES:
      g_value_set_flags (value, self->sources);
      break;
    case PROP_PROGRAMMES:
      g_value_set_uint (value, self->programmes);
      break;
    case PROP_PADAN_DUKCAPIL:
      g_value_set_int (value, self->padan_dukcapil);
      break;
    case PROP_VISIT_STATE:
      g_value_set_enum (value, self->visit_state);
      break;
    case PROP_REFUSED:
      g_value_set_boolean (value, self->refused);
      break;
    case PROP_N_MEMBERS:
      g_value_set_uint (value, self->n_members);
      break;
    case PROP_DETAILS_LOADED:
      g_value_set_boolean (value, self->details_loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, "", G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
verval_household_class_init (VervalHouseholdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = verval_household_finalize;
  object_class->get_property = verval_household_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FAMILY_ID] = string_property ("family-id");
  properties[PROP_HEAD_NAME] = string_property ("head-name");
  properties[PROP_NIK] = string_property ("nik");
  properties[PROP_KK] = string_property ("kk");
  properties[PROP_ADDRESS] = string_property ("address");
  properties[PROP_DUSUN] = string_property ("dusun");
  properties[PROP_RT] = string_property ("rt");
  properties[PROP_RW] = string_property ("rw");
  properties[PROP_VILLAGE_CODE] = string_property ("village-code");
  properties[PROP_VILLAGE_NAME] = string_property ("village-name");
  properties[PROP_KECAMATAN_NAME] = string_property ("kecamatan-name");
  properties[PROP_DESIL] = g_param_spec_int ("desil", NULL, NULL, 0, 4, 0, flags);
  properties[PROP_SOURCES] = g_param_spec_flags ("sources", NULL, NULL, VERVAL_TYPE_SOURCE_FLAGS,
                                                 VERVAL_SOURCE_NONE, flags);
  properties[PROP_PROGRAMMES] = g_param_spec_uint ("programmes", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_PADAN_DUKCAPIL] = g_param_spec_int ("padan-dukcapil", NULL, NULL, -1, 1, -1, flags);
  properties[PROP_VISIT_STATE] = g_param_spec_enum ("visit-state", NULL, NULL,
                                                    VERVAL_TYPE_VISIT_STATE,
                                                    VERVAL_VISIT_STATE_NONE, flags);
  properties[PROP_REFUSED] = g_param_spec_boolean ("refused", NULL, NULL, FALSE, flags);
  properties[PROP_N_MEMBERS] = g_param_spec_uint ("n-members", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_DETAILS_LOADED] = g_param_spec_boolean ("details-loaded", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
verval_household_init (VervalHousehold *self)
{
  self->padan_dukcapil = -1;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

VervalHousehold *
verval_household_new_from_row (sqlite3_stmt *stmt)
{
  VervalHousehold *self;
  VervalVisitState state = VERVAL_VISIT_STATE_NONE;

  g_return_val_if_fail (stmt != NULL, NULL);

  self = g_object_new (VERVAL_TYPE_HOUSEHOLD, NULL);
  self->id = sqlite3_column_int64 (stmt, 0);
  self->family_id = column_dup (stmt, 1);
  self->head_name = column_dup (stmt, 2);
  self->nik = column_dup (stmt, 3);
  self->kk = column_dup (stmt, 4);
  self->address = column_dup (stmt, 5);
  self->dusun = column_dup (stmt, 6);
  self->rt = column_dup (stmt, 7);
  self->rw = column_dup (stmt, 8);
  self->village_code = column_dup (stmt, 9);
  self->village_name = column_dup (stmt, 10);
  self->kecamatan_name = column_dup (stmt, 11);
  self->desil = sqlite3_column_int (stmt, 12);
  self->sources = (VervalSourceFlags) sqlite3_column_int (stmt, 13);
  self->programmes = (VervalProgrammeFlags) sqlite3_column_int (stmt, 14);
  self->padan_dukcapil = sqlite3_column_int (stmt, 15);
  verval_visit_state_from_string ((const char *) sqlite3_column_text (stmt, 16), &state);
  self->visit_state = state;
  self->n_members = (guint) sqlite3_column_int (stmt, 17);
  self->refused = sqlite3_column_int (stmt, 18) != 0;
  return self;
}

gboolean
verval_household_load_details (VervalHousehold  *self,
                               sqlite3          *db,
                               GError          **error)
{
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) sources = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GString) sql = NULL;
  int rc;

  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD (self), FALSE);
  g_return_val_if_fail (db != NULL, FALSE);

  /* Column names come from our own table of keys, never from input. */
  sql = g_string_new ("SELECT savings");
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    g_string_append_printf (sql, ", %s", verval_family_field_get_key (i));
  g_string_append (sql, " FROM households WHERE id = ?1");
  if (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    goto sqlite_error;
  sqlite3_bind_int64 (stmt, 1, self->id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_finalize (stmt);
      g_set_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND,
                   _("The household is no longer in the list"));
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    goto sqlite_error;
  self->savings = (VervalSavingsFlags) sqlite3_column_int (stmt, 0);
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    {
      g_free (self->fields[i]);
      self->fields[i] = column_dup (stmt, (int) i + 1);
    }
  sqlite3_finalize (stmt);

  members = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_member_record_free);
  if (sqlite3_prepare_v2 (db, "SELECT individual_id, nik, name, relationship, sex, birth_date, "
                              "birth_place, mother_name, marital_status, is_head "
                              "FROM household_members WHERE household_id = ?1 "
                              "ORDER BY is_head DESC, source, position", -1, &stmt, NULL) != SQLITE_OK)
    goto sqlite_error;
  sqlite3_bind_int64 (stmt, 1, self->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      VervalMemberRecord *m = verval_member_record_new ();
      char **slots[] = {
        &m->individual_id, &m->nik, &m->name, &m->relationship, &m->sex,
        &m->birth_date, &m->birth_place, &m->mother_name, &m->marital_status,
      };

      for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
        {
          g_free (*slots[i]);
          *slots[i] = column_dup (stmt, (int) i);
        }
      m->is_head = sqlite3_column_int (stmt, (int) G_N_ELEMENTS (slots)) != 0;
      g_ptr_array_add (members, m);
    }
  if (rc != SQLITE_DONE)
    goto sqlite_error;
  sqlite3_finalize (stmt);

  sources = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_household_source_free);
  if (sqlite3_prepare_v2 (db, "SELECT source, source_id, file_name, imported_at "
                              "FROM household_sources WHERE household_id = ?1 ORDER BY source",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto sqlite_error;
  sqlite3_bind_int64 (stmt, 1, self->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      VervalHouseholdSource *source = g_new0 (VervalHouseholdSource, 1);

      source->source = (VervalSourceFlags) sqlite3_column_int (stmt, 0);
      source->source_id = column_dup (stmt, 1);
      source->file_name = column_dup (stmt, 2);
      source->imported_at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (sources, source);
    }
  if (rc != SQLITE_DONE)
    goto sqlite_error;
  sqlite3_finalize (stmt);

  g_clear_pointer (&self->members, g_ptr_array_unref);
  self->members = g_steal_pointer (&members);
  g_clear_pointer (&self->source_list, g_ptr_array_unref);
  self->source_list = g_steal_pointer (&sources);
  self->details_loaded = TRUE;
  return TRUE;

sqlite_error:
  verval_sqlite_set_error (error, db, "load household");
  sqlite3_finalize (stmt);
  return FALSE;
}

static gpointer
load_in_thread (sqlite3       *db,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  gint64 id = *(gint64 *) data;
  g_autoptr(VervalHousehold) household = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT " VERVAL_HOUSEHOLD_ROW_COLUMNS
                              " FROM households h WHERE h.id = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, db, "load household");
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    household = verval_household_new_from_row (stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND,
                 _("The household is no longer in the list"));
  else
    verval_sqlite_set_error (error, db, "load household");
  sqlite3_finalize (stmt);
  if (household == NULL || !verval_household_load_details (household, db, error))
    return NULL;
  return g_steal_pointer (&household);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  VervalHousehold *household = verval_store_run_finish (VERVAL_STORE (source), result, &error);

  if (household == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, household, g_object_unref);
}

void
verval_household_load_async (VervalStore         *store,
                             gint64               id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (VERVAL_IS_STORE (store));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_household_load_async);
  verval_store_run_async (store, load_in_thread, g_memdup2 (&id, sizeof id), g_free,
                          g_object_unref, cancellable, load_done, task);
}

VervalHousehold *
verval_household_load_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

#define GETTER(type, name, field) \
  type \
  verval_household_get_##name (VervalHousehold *self) \
  { \
    g_return_val_if_fail (VERVAL_IS_HOUSEHOLD (self), 0); \
    return self->field; \
  }

GETTER (gint64, id, id)
GETTER (const char *, family_id, family_id)
GETTER (const char *, head_name, head_name)
GETTER (const char *, nik, nik)
GETTER (const char *, kk, kk)
GETTER (const char *, address, address)
GETTER (const char *, dusun, dusun)
GETTER (const char *, rt, rt)
GETTER (const char *, rw, rw)
GETTER (const char *, village_code, village_code)
GETTER (const char *, village_name, village_name)
GETTER (const char *, kecamatan_name, kecamatan_name)
GETTER (int, desil, desil)
GETTER (VervalSourceFlags, sources, sources)
GETTER (VervalProgrammeFlags, programmes, programmes)
GETTER (int, padan_dukcapil, padan_dukcapil)
GETTER (VervalVisitState, visit_state, visit_state)
GETTER (gboolean, refused, refused)
GETTER (guint, n_members, n_members)
GETTER (gboolean, details_loaded, details_loaded)
GETTER (VervalSavingsFlags, savings, savings)
GETTER (GPtrArray *, members, members)
GETTER (GPtrArray *, source_list, source_list)

#undef GETTER

const char *
verval_household_get_field (VervalHousehold   *self,
                            VervalFamilyField  field)
{
  g_return_val_if_fail (VERVAL_IS_HOUSEHOLD (self), "");
  g_return_val_if_fail (field < VERVAL_FAMILY_N_FIELDS, "");
  return self->fields[field] != NULL ? self->fields[field] : "";
}
