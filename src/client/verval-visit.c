/* verval-visit.c: one household visit, its answers, photos and life cycle
 *
 * The object lives on the main thread; the store writes snapshots of it
 * (verval-visit-store.c). Only a draft changes: every setter checks that, so
 * a finalized visit cannot be edited by any path, whatever the UI shows.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-visit"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "verval-visit.h"

struct _VervalVisit
{
  GObject           parent_instance;

  char             *uuid;
  gint64            household_id;
  char             *form_id;
  gint64            form_version;
  JsonObject       *answers;
  GDateTime        *started;
  GDateTime        *finished;
  gint64            updated_at;
  char             *enumerator_id;
  char             *device_id;
  VervalVisitState  state;
  gint64            revision;
  char             *sync_error;
  char             *review_comment;
  GPtrArray        *media;           /* VervalVisitMedia */
};

enum {
  PROP_0,
  PROP_UUID,
  PROP_HOUSEHOLD_ID,
  PROP_FORM_ID,
  PROP_FORM_VERSION,
  PROP_STATE,
  PROP_REVISION,
  PROP_RESULT_CODE,
  PROP_EDITABLE,
  PROP_N_MEDIA,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (VervalVisit, verval_visit, G_TYPE_OBJECT)
G_DEFINE_QUARK (verval-visit-error-quark, verval_visit_error)
G_DEFINE_BOXED_TYPE (VervalVisitMedia, verval_visit_media,
                     verval_visit_media_copy, verval_visit_media_free)

VervalVisitMedia *
verval_visit_media_copy (const VervalVisitMedia *media)
{
  VervalVisitMedia *copy;

  g_return_val_if_fail (media != NULL, NULL);

  copy = g_memdup2 (media, sizeof *media);
  copy->field_id = g_strdup (media->field_id);
  copy->role = g_strdup (media->role);
  copy->taken = media->taken != NULL ? g_date_time_ref (media->taken) : NULL;
  return copy;
}

void
verval_visit_media_free (VervalVisitMedia *media)
{
  if (media == NULL)
    return;
  g_free (media->field_id);
  g_free (media->role);
  g_clear_pointer (&media->taken, g_date_time_unref);
  g_free (media);
}

VervalLocationFix *
verval_visit_media_get_fix (const VervalVisitMedia *media)
{
  g_return_val_if_fail (media != NULL, NULL);

  if (!media->has_location)
    return NULL;
  return verval_location_fix_new (VERVAL_LOCATION_SOURCE_EXIF, media->latitude, media->longitude,
                                  media->accuracy, media->taken);
}

gboolean
verval_visit_state_can_change (VervalVisitState from,
                               VervalVisitState to)
{
  switch (from)
    {
    case VERVAL_VISIT_STATE_DRAFT:
      return to == VERVAL_VISIT_STATE_FINAL;
    case VERVAL_VISIT_STATE_FINAL:
      return to == VERVAL_VISIT_STATE_SENT;
    case VERVAL_VISIT_STATE_SENT:
      return to == VERVAL_VISIT_STATE_REJECTED;
    case VERVAL_VISIT_STATE_REJECTED:
      return to == VERVAL_VISIT_STATE_DRAFT;
    case VERVAL_VISIT_STATE_NONE:
    default:
      return FALSE;
    }
}

static void
verval_visit_finalize (GObject *object)
{
  VervalVisit *self = VERVAL_VISIT (object);

  g_free (self->uuid);
  g_free (self->form_id);
  g_clear_pointer (&self->answers, json_object_unref);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_free (self->enumerator_id);
  g_free (self->device_id);
  g_free (self->sync_error);
  g_free (self->review_comment);
  g_ptr_array_unref (self->media);

  G_OBJECT_CLASS (verval_visit_parent_class)->finalize (object);
}

static void
verval_visit_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  VervalVisit *self = VERVAL_VISIT (object);

  switch (prop_id)
    {
    case PROP_UUID:
      g_value_set_string (value, self->uuid);
      break;
    case PROP_HOUSEHOLD_ID:
      g_value_set_int64 (value, self->household_id);
      break;
    case PROP_FORM_ID:
      g_value_set_string (value, self->form_id);
      break;
    case PROP_FORM_VERSION:
      g_value_set_int64 (value, self->form_version);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_REVISION:
      g_value_set_int64 (value, self->revision);
      break;
    case PROP_RESULT_CODE:
      g_value_set_int (value, verval_visit_get_result_code (self));
      break;
    case PROP_EDITABLE:
      g_value_set_boolean (value, verval_visit_is_editable (self));
      break;
    case PROP_N_MEDIA:
      g_value_set_uint (value, self->media->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_visit_class_init (VervalVisitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = verval_visit_finalize;
  object_class->get_property = verval_visit_get_property;

  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, flags);
  properties[PROP_HOUSEHOLD_ID] = g_param_spec_int64 ("household-id", NULL, NULL,
                                                      0, G_MAXINT64, 0, flags);
  properties[PROP_FORM_ID] = g_param_spec_string ("form-id", NULL, NULL, NULL, flags);
  properties[PROP_FORM_VERSION] = g_param_spec_int64 ("form-version", NULL, NULL,
                                                      0, G_MAXINT64, 0, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, VERVAL_TYPE_VISIT_STATE,
                                              VERVAL_VISIT_STATE_DRAFT, flags);
  properties[PROP_REVISION] = g_param_spec_int64 ("revision", NULL, NULL,
                                                  0, G_MAXINT64, 0, flags);
  properties[PROP_RESULT_CODE] = g_param_spec_int ("result-code", NULL, NULL,
                                                   -1, G_MAXINT, -1, flags);
  properties[PROP_EDITABLE] = g_param_spec_boolean ("editable", NULL, NULL, TRUE, flags);
  properties[PROP_N_MEDIA] = g_param_spec_uint ("n-media", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
verval_visit_init (VervalVisit *self)
{
  self->answers = json_object_new ();
  self->state = VERVAL_VISIT_STATE_DRAFT;
  self->media = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_visit_media_free);
  self->enumerator_id = g_strdup ("");
  self->device_id = g_strdup ("");
  self->sync_error = g_strdup ("");
  self->review_comment = g_strdup ("");
}

VervalVisit *
verval_visit_new (gint64      household_id,
                  const char *form_id,
                  gint64      form_version)
{
  VervalVisit *self;

  g_return_val_if_fail (household_id > 0, NULL);
  g_return_val_if_fail (form_id != NULL && *form_id != '\0', NULL);

  self = g_object_new (VERVAL_TYPE_VISIT, NULL);
  self->uuid = g_uuid_string_random ();
  self->household_id = household_id;
  self->form_id = g_strdup (form_id);
  self->form_version = form_version;
  self->started = g_date_time_new_now_utc ();
  self->updated_at = g_date_time_to_unix (self->started);
  return self;
}

VervalVisit *
verval_visit_new_from_store (const char       *uuid,
                             gint64            household_id,
                             const char       *form_id,
                             gint64            form_version,
                             JsonObject       *answers,
                             GDateTime        *started,
                             GDateTime        *finished,
                             gint64            updated_at,
                             const char       *enumerator_id,
                             const char       *device_id,
                             VervalVisitState  state,
                             gint64            revision,
                             const char       *sync_error,
                             const char       *review_comment)
{
  VervalVisit *self;

  g_return_val_if_fail (uuid != NULL, NULL);
  g_return_val_if_fail (answers != NULL, NULL);
  g_return_val_if_fail (started != NULL, NULL);

  self = g_object_new (VERVAL_TYPE_VISIT, NULL);
  self->uuid = g_strdup (uuid);
  self->household_id = household_id;
  self->form_id = g_strdup (form_id);
  self->form_version = form_version;
  json_object_unref (self->answers);
  self->answers = json_object_ref (answers);
  self->started = g_date_time_ref (started);
  self->finished = finished != NULL ? g_date_time_ref (finished) : NULL;
  self->updated_at = updated_at;
  verval_visit_set_ids (self, enumerator_id, device_id);
  self->state = state;
  self->revision = revision;
  g_free (self->sync_error);
  self->sync_error = g_strdup (sync_error != NULL ? sync_error : "");
  g_free (self->review_comment);
  self->review_comment = g_strdup (review_comment != NULL ? review_comment : "");
  return self;
}

void
verval_visit_set_ids (VervalVisit *self,
                      const char  *enumerator_id,
                      const char  *device_id)
{
  g_return_if_fail (VERVAL_IS_VISIT (self));

  g_free (self->enumerator_id);
  self->enumerator_id = g_strdup (enumerator_id != NULL ? enumerator_id : "");
  g_free (self->device_id);
  self->device_id = g_strdup (device_id != NULL ? device_id : "");
}

const char *
verval_visit_get_uuid (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->uuid;
}

gint64
verval_visit_get_household_id (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), 0);
  return self->household_id;
}

const char *
verval_visit_get_form_id (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->form_id;
}

gint64
verval_visit_get_form_version (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), 0);
  return self->form_version;
}

VervalVisitState
verval_visit_get_state (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), VERVAL_VISIT_STATE_NONE);
  return self->state;
}

gint64
verval_visit_get_revision (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), 0);
  return self->revision;
}

gboolean
verval_visit_is_editable (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), FALSE);
  return self->state == VERVAL_VISIT_STATE_DRAFT;
}

int
verval_visit_get_result_code (VervalVisit *self)
{
  JsonNode *node;

  g_return_val_if_fail (VERVAL_IS_VISIT (self), -1);

  node = json_object_get_member (self->answers, "result");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (int) CLAMP (json_node_get_int (node), -1, G_MAXINT);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE && !isnan (json_node_get_double (node)))
    return (int) CLAMP (json_node_get_double (node), -1, G_MAXINT);
  return -1;
}

GDateTime *
verval_visit_get_started (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->started;
}

GDateTime *
verval_visit_get_finished (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->finished;
}

gint64
verval_visit_get_updated_at (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), 0);
  return self->updated_at;
}

void
verval_visit_set_updated_at (VervalVisit *self,
                             gint64       updated_at)
{
  g_return_if_fail (VERVAL_IS_VISIT (self));
  self->updated_at = updated_at;
}

const char *
verval_visit_get_enumerator_id (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->enumerator_id;
}

const char *
verval_visit_get_device_id (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->device_id;
}

const char *
verval_visit_get_sync_error (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->sync_error;
}

const char *
verval_visit_get_review_comment (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->review_comment;
}

JsonObject *
verval_visit_get_answers (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->answers;
}

JsonNode *
verval_visit_get_answer (VervalVisit *self,
                         const char  *field_id)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  g_return_val_if_fail (field_id != NULL, NULL);
  return json_object_get_member (self->answers, field_id);
}

static gboolean
check_editable (VervalVisit  *self,
                GError      **error)
{
  if (self->state == VERVAL_VISIT_STATE_DRAFT)
    return TRUE;
  g_set_error_literal (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY,
                       _("This visit is finalized and can no longer be changed"));
  return FALSE;
}

static void
emit_changed (VervalVisit *self,
              gboolean     result_changed)
{
  if (result_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT_CODE]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

gboolean
verval_visit_set_answer (VervalVisit  *self,
                         const char   *field_id,
                         JsonNode     *value,
                         GError      **error)
{
  JsonNode *old;

  g_return_val_if_fail (VERVAL_IS_VISIT (self), FALSE);
  g_return_val_if_fail (field_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_editable (self, error))
    return FALSE;

  old = json_object_get_member (self->answers, field_id);
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    {
      if (old == NULL)
        return TRUE;
      json_object_remove_member (self->answers, field_id);
    }
  else
    {
      if (old != NULL && json_node_equal (old, value))
        return TRUE;
      json_object_set_member (self->answers, field_id, json_node_copy (value));
    }
  emit_changed (self, strcmp (field_id, "result") == 0);
  return TRUE;
}

VervalLocationFix *
verval_visit_get_location (VervalVisit *self,
                           const char  *field_id)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  g_return_val_if_fail (field_id != NULL, NULL);

  return verval_location_fix_from_answer (json_object_get_member (self->answers, field_id));
}

GPtrArray *
verval_visit_get_media (VervalVisit *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  return self->media;
}

const VervalVisitMedia *
verval_visit_lookup_media (VervalVisit *self,
                           const char  *sha256)
{
  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  for (guint i = 0; i < self->media->len; i++)
    {
      VervalVisitMedia *media = g_ptr_array_index (self->media, i);

      if (strcmp (media->sha256, sha256) == 0)
        return media;
    }
  return NULL;
}

GStrv
verval_visit_dup_photos (VervalVisit *self,
                         const char  *field_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node;

  g_return_val_if_fail (VERVAL_IS_VISIT (self), NULL);
  g_return_val_if_fail (field_id != NULL, NULL);

  node = json_object_get_member (self->answers, field_id);
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
    }
  return g_strv_builder_end (builder);
}

gboolean
verval_visit_add_media (VervalVisit             *self,
                        const VervalVisitMedia  *media,
                        GError                 **error)
{
  g_auto(GStrv) hashes = NULL;
  JsonArray *array;
  guint n;

  g_return_val_if_fail (VERVAL_IS_VISIT (self), FALSE);
  g_return_val_if_fail (media != NULL && media->field_id != NULL, FALSE);

  if (!check_editable (self, error))
    return FALSE;
  if (verval_visit_lookup_media (self, media->sha256) != NULL)
    {
      g_set_error_literal (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_DUPLICATE,
                           _("This photo is already part of this visit"));
      return FALSE;
    }

  hashes = verval_visit_dup_photos (self, media->field_id);
  n = g_strv_length (hashes);
  array = json_array_sized_new (n + 1);
  for (guint i = 0; i < n; i++)
    json_array_add_string_element (array, hashes[i]);
  json_array_add_string_element (array, media->sha256);
  json_object_set_array_member (self->answers, media->field_id, array);
  g_ptr_array_add (self->media, verval_visit_media_copy (media));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MEDIA]);
  emit_changed (self, FALSE);
  return TRUE;
}

gboolean
verval_visit_remove_media (VervalVisit  *self,
                           const char   *sha256,
                           GError      **error)
{
  g_auto(GStrv) hashes = NULL;
  const VervalVisitMedia *media;
  JsonArray *array;
  guint i;

  g_return_val_if_fail (VERVAL_IS_VISIT (self), FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);

  if (!check_editable (self, error))
    return FALSE;
  media = verval_visit_lookup_media (self, sha256);
  if (media == NULL)
    return TRUE;

  hashes = verval_visit_dup_photos (self, media->field_id);
  array = json_array_new ();
  for (i = 0; hashes[i] != NULL; i++)
    {
      if (strcmp (hashes[i], sha256) != 0)
        json_array_add_string_element (array, hashes[i]);
    }
  if (json_array_get_length (array) == 0)
    {
      json_array_unref (array);
      json_object_remove_member (self->answers, media->field_id);
    }
  else
    json_object_set_array_member (self->answers, media->field_id, array);
  g_ptr_array_remove (self->media, (gpointer) media);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MEDIA]);
  emit_changed (self, FALSE);
  return TRUE;
}

void
verval_visit_take_media_list (VervalVisit *self,
                              GPtrArray   *media)
{
  g_return_if_fail (VERVAL_IS_VISIT (self));
  g_return_if_fail (media != NULL);

  g_ptr_array_unref (self->media);
  self->media = media;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MEDIA]);
}

void
verval_visit_set_committed (VervalVisit      *self,
                            VervalVisitState  state,
                            gint64            revision,
                            GDateTime        *finished,
                            JsonObject       *answers,
                            gint64            updated_at)
{
  gboolean state_changed, revision_changed;

  g_return_if_fail (VERVAL_IS_VISIT (self));

  state_changed = self->state != state;
  revision_changed = self->revision != revision;
  self->state = state;
  self->revision = revision;
  self->updated_at = updated_at;
  if (finished != self->finished)
    {
      g_clear_pointer (&self->finished, g_date_time_unref);
      self->finished = finished != NULL ? g_date_time_ref (finished) : NULL;
    }
  if (answers != NULL && answers != self->answers)
    {
      json_object_unref (self->answers);
      self->answers = json_object_ref (answers);
    }

  if (state_changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITABLE]);
    }
  if (revision_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVISION]);
}
