/* verval-visit-store.h: visits in the local store: drafts, autosave, photos, finalize
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "verval-form.h"
#include "verval-form-validate.h"
#include "verval-location.h"
#include "verval-photo.h"
#include "verval-store.h"
#include "verval-visit.h"

G_BEGIN_DECLS

/* Autosave waits this long after the first unsaved change, so a burst of
 * typing becomes one write and continuous typing still saves. */
#define VERVAL_VISIT_STORE_AUTOSAVE_MS 500

#define VERVAL_TYPE_VISIT_STORE (verval_visit_store_get_type ())
G_DECLARE_FINAL_TYPE (VervalVisitStore, verval_visit_store, VERVAL, VISIT_STORE, GObject)

VervalVisitStore *verval_visit_store_new            (VervalStore          *store);
VervalStore      *verval_visit_store_get_store      (VervalVisitStore     *self);
/* The one visit store of store, made on first use and kept with it, so
 * every widget shares the same autosave queue. Main thread only. */
VervalVisitStore *verval_visit_store_get_default    (VervalStore          *store);

/* The device's preferences, kept in sync with the app's settings:
 * properties photo-max-edge (pixels, applies to photos attached from
 * then on), location-max-accuracy and location-max-distance (metres; the
 * village-centre limit follows the household one, five times as wide). */
#define VERVAL_VISIT_STORE_MIN_PHOTO_EDGE 320
#define VERVAL_VISIT_STORE_MAX_PHOTO_EDGE 8192
void              verval_visit_store_set_photo_max_edge (VervalVisitStore *self,
                                                     guint                 max_edge);
/* Quality and thumbnail stay at their defaults. */
const VervalPhotoOptions *verval_visit_store_get_photo_options (VervalVisitStore *self);
void              verval_visit_store_set_location_check_options (VervalVisitStore *self,
                                                     const VervalLocationCheckOptions *options);
const VervalLocationCheckOptions *verval_visit_store_get_location_check_options (VervalVisitStore *self);

/* The form a visit was recorded with (built-in forms, loaded once). */
VervalForm       *verval_visit_store_get_form       (VervalVisitStore     *self,
                                                     const char           *form_id,
                                                     gint64                form_version,
                                                     GError              **error);

/* The household's open draft if it has one, else a new draft, written to
 * disk before the callback (a crash right after "Start visit" keeps it). */
void              verval_visit_store_start_async    (VervalVisitStore     *self,
                                                     gint64                household_id,
                                                     const char           *form_id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
VervalVisit      *verval_visit_store_start_finish   (VervalVisitStore     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

void              verval_visit_store_load_async     (VervalVisitStore     *self,
                                                     const char           *uuid,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
VervalVisit      *verval_visit_store_load_finish    (VervalVisitStore     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* A household's visits, newest first (GPtrArray of VervalVisit). */
void              verval_visit_store_list_async     (VervalVisitStore     *self,
                                                     gint64                household_id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray        *verval_visit_store_list_finish    (VervalVisitStore     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Where visit is expected to be, for the location's "far" warning: the
 * household's last good fix from another visit, else the middle of the
 * village's other visits (at least three). FALSE with no error when there
 * is nothing to go by yet. */
void              verval_visit_store_location_reference_async  (VervalVisitStore    *self,
                                                                VervalVisit         *visit,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
gboolean          verval_visit_store_location_reference_finish (VervalVisitStore         *self,
                                                                GAsyncResult             *result,
                                                                VervalLocationReference  *reference,
                                                                GError                  **error);

/* Autosave: while watched, every ::changed of the visit schedules a write
 * (coalesced, VERVAL_VISIT_STORE_AUTOSAVE_MS). ::saved (visit, GError or
 * NULL) follows each write. unwatch does not drop a pending write: call
 * flush to make sure it is on disk. */
void              verval_visit_store_watch          (VervalVisitStore     *self,
                                                     VervalVisit          *visit);
void              verval_visit_store_unwatch        (VervalVisitStore     *self,
                                                     VervalVisit          *visit);
void              verval_visit_store_set_autosave_delay (VervalVisitStore *self,
                                                     guint                 milliseconds);
/* Whether a write of the visit is scheduled or running. */
gboolean          verval_visit_store_has_pending    (VervalVisitStore     *self,
                                                     VervalVisit          *visit);
/* Writes every scheduled change now; completes once all writes queued so
 * far committed (FALSE with the first write's error). */
void              verval_visit_store_flush_async    (VervalVisitStore     *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          verval_visit_store_flush_finish   (VervalVisitStore     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Imports the photo at path (verval_photo_import_file on a worker thread:
 * the stored file is durable first), then commits it to the visit's field
 * together with the current answers. A photo that fails leaves the visit
 * as it was. Returns the VervalVisitMedia added (owned by the visit). */
void              verval_visit_store_attach_photo_async (VervalVisitStore *self,
                                                     VervalVisit          *visit,
                                                     const char           *field_id,
                                                     const char           *path,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
const VervalVisitMedia *verval_visit_store_attach_photo_finish (VervalVisitStore *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Takes a photo off the visit (the file stays: others may share it). */
void              verval_visit_store_remove_photo_async (VervalVisitStore *self,
                                                     VervalVisit          *visit,
                                                     const char           *sha256,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          verval_visit_store_remove_photo_finish (VervalVisitStore *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Validates the answers with the visit's form; with errors it refuses at
 * once with VERVAL_VISIT_ERROR_INVALID (message: the problems, one a line)
 * and *issues (optional) holds the full result. Otherwise it keeps only the
 * relevant answers, marks the visit final and completes after the
 * transaction committed with full sync: then, and only then, it is saved. */
void              verval_visit_store_finalize_async (VervalVisitStore     *self,
                                                     VervalVisit          *visit,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          verval_visit_store_finalize_finish (VervalVisitStore    *self,
                                                     GAsyncResult         *result,
                                                     VervalFormResult    **issues,
                                                     GError              **error);

/* A rejected visit back to draft for correction; its revision goes up. */
void              verval_visit_store_reopen_async   (VervalVisitStore     *self,
                                                     VervalVisit          *visit,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          verval_visit_store_reopen_finish  (VervalVisitStore     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* For sync, on the store thread inside the caller's transaction: final →
 * sent when revision is still the stored one (an older acknowledgement
 * changes nothing and returns FALSE without error), sent → rejected with
 * the supervisor's comment. Keeps households.visit_state in step; the
 * caller calls verval_store_households_changed() afterwards. */
gboolean          verval_visit_store_change_state_in_db (sqlite3          *db,
                                                     const char           *uuid,
                                                     VervalVisitState      to,
                                                     gint64                revision,
                                                     const char           *comment,
                                                     GError              **error);

G_END_DECLS
