/* verval-visit.h: one household visit, its answers, photos and life cycle
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "verval-household.h"
#include "verval-location-fix.h"

G_BEGIN_DECLS

#define VERVAL_VISIT_ERROR (verval_visit_error_quark ())

typedef enum {
  VERVAL_VISIT_ERROR_INVALID,     /* finalize refused: the answers have errors */
  VERVAL_VISIT_ERROR_READ_ONLY,   /* the visit is final (or sent) and cannot change */
  VERVAL_VISIT_ERROR_TRANSITION,  /* that state change is not allowed */
  VERVAL_VISIT_ERROR_DUPLICATE,   /* the photo is already attached to this visit */
  VERVAL_VISIT_ERROR_FIELD,       /* no such photo field, or it is full */
  VERVAL_VISIT_ERROR_CORRUPT,     /* a stored visit that cannot be read back */
  VERVAL_VISIT_ERROR_CONFLICT,    /* the stored visit changed state meanwhile */
} VervalVisitError;

/* One photo of a visit (visit_media). The answers hold the hashes in the
 * photo field's list; this carries what the list cannot. */
typedef struct {
  char       sha256[65];
  char      *field_id;     /* the form's photo field, e.g. photo_house_front */
  char      *role;         /* its media role, e.g. house_front */
  guint64    size;
  guint      width;
  guint      height;
  GDateTime *taken;        /* EXIF time, or NULL */
  gboolean   has_location; /* EXIF GPS */
  double     latitude;
  double     longitude;
  double     accuracy;     /* metres, -1 when unknown */
  gint64     added_at;     /* unix seconds */
} VervalVisitMedia;

#define VERVAL_TYPE_VISIT_MEDIA (verval_visit_media_get_type ())
#define VERVAL_TYPE_VISIT       (verval_visit_get_type ())
G_DECLARE_FINAL_TYPE (VervalVisit, verval_visit, VERVAL, VISIT, GObject)

GQuark            verval_visit_error_quark        (void);
GType             verval_visit_media_get_type     (void);
VervalVisitMedia *verval_visit_media_copy         (const VervalVisitMedia *media);
void              verval_visit_media_free         (VervalVisitMedia       *media);
/* The fix in the photo's GPS tags, or NULL when it has none. */
VervalLocationFix *verval_visit_media_get_fix     (const VervalVisitMedia *media);

/* Whether a visit may move from one state to the other:
 *   draft → final (finalize), final → sent (upload acknowledged),
 *   sent → rejected (a supervisor sent it back), rejected → draft (reopen). */
gboolean          verval_visit_state_can_change   (VervalVisitState        from,
                                                   VervalVisitState        to);

/* A new draft started now, with a random UUID. */
VervalVisit      *verval_visit_new                (gint64                  household_id,
                                                   const char             *form_id,
                                                   gint64                  form_version);

/* Properties (read-only unless said): uuid, household-id, form-id,
 * form-version, state (VervalVisitState), revision, result-code (-1 until
 * answered), editable (boolean), n-media. ::changed is emitted after every
 * change of the answers or photos (the autosave listens to it). */
const char       *verval_visit_get_uuid           (VervalVisit *self);
gint64            verval_visit_get_household_id   (VervalVisit *self);
const char       *verval_visit_get_form_id        (VervalVisit *self);
gint64            verval_visit_get_form_version   (VervalVisit *self);
VervalVisitState  verval_visit_get_state          (VervalVisit *self);
/* 0 until the first finalize, then 1; every change after that adds one, so
 * the collector can tell a corrected visit from the one it has. */
gint64            verval_visit_get_revision       (VervalVisit *self);
/* Only a draft may change. */
gboolean          verval_visit_is_editable        (VervalVisit *self);
/* The answer to the form's "result" question, or -1. */
int               verval_visit_get_result_code    (VervalVisit *self);
GDateTime        *verval_visit_get_started        (VervalVisit *self);
/* When it was finalized, or NULL. */
GDateTime        *verval_visit_get_finished       (VervalVisit *self);
gint64            verval_visit_get_updated_at     (VervalVisit *self);
const char       *verval_visit_get_enumerator_id  (VervalVisit *self);
const char       *verval_visit_get_device_id      (VervalVisit *self);
/* Why the last upload failed, and the supervisor's comment: "" when none. */
const char       *verval_visit_get_sync_error     (VervalVisit *self);
const char       *verval_visit_get_review_comment (VervalVisit *self);

/* Field id → JSON value, as docs/forms.md describes. Borrowed: do not change
 * it directly, use set_answer(). */
JsonObject       *verval_visit_get_answers        (VervalVisit *self);
JsonNode         *verval_visit_get_answer         (VervalVisit *self,
                                                   const char  *field_id);
/* Sets a copy of value, or clears the answer when value is NULL or a JSON
 * null. FALSE with READ_ONLY when not a draft. Emits ::changed only when the
 * value differs. */
gboolean          verval_visit_set_answer         (VervalVisit *self,
                                                   const char  *field_id,
                                                   JsonNode    *value,
                                                   GError     **error);

/* The answer of a location field as a fix, or NULL when unanswered. */
VervalLocationFix *verval_visit_get_location      (VervalVisit *self,
                                                   const char  *field_id);

/* Of VervalVisitMedia, in the order they were added. */
GPtrArray        *verval_visit_get_media          (VervalVisit *self);
const VervalVisitMedia *verval_visit_lookup_media (VervalVisit *self,
                                                   const char  *sha256);
/* The hashes attached to a photo field, in order (never NULL). */
GStrv             verval_visit_dup_photos         (VervalVisit *self,
                                                   const char  *field_id);

/* For verval-visit-store.c: photo bookkeeping and the rows read back.
 * add_media appends the hash to the field's answer list too; remove_media
 * takes it out of both. They refuse when the visit is not a draft. */
gboolean          verval_visit_add_media          (VervalVisit            *self,
                                                   const VervalVisitMedia *media,
                                                   GError                **error);
gboolean          verval_visit_remove_media       (VervalVisit            *self,
                                                   const char             *sha256,
                                                   GError                **error);
VervalVisit      *verval_visit_new_from_store     (const char             *uuid,
                                                   gint64                  household_id,
                                                   const char             *form_id,
                                                   gint64                  form_version,
                                                   JsonObject             *answers,
                                                   GDateTime              *started,
                                                   GDateTime              *finished,
                                                   gint64                  updated_at,
                                                   const char             *enumerator_id,
                                                   const char             *device_id,
                                                   VervalVisitState        state,
                                                   gint64                  revision,
                                                   const char             *sync_error,
                                                   const char             *review_comment);
void              verval_visit_set_ids            (VervalVisit            *self,
                                                   const char             *enumerator_id,
                                                   const char             *device_id);
void              verval_visit_take_media_list    (VervalVisit            *self,
                                                   GPtrArray              *media);
/* Applies a committed change of state (the store checked the transition). */
void              verval_visit_set_committed      (VervalVisit            *self,
                                                   VervalVisitState        state,
                                                   gint64                  revision,
                                                   GDateTime              *finished,
                                                   JsonObject             *answers,
                                                   gint64                  updated_at);
void              verval_visit_set_updated_at     (VervalVisit            *self,
                                                   gint64                  updated_at);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalVisitMedia, verval_visit_media_free)

G_END_DECLS
