/* verval-visit-store.c: visits in the local store: drafts, autosave, photos, finalize
 *
 * The VervalVisit lives on the main thread. Every write takes a snapshot of
 * it there (answers as JSON text, the location columns, the photo to add or
 * drop) and runs it on the store thread in one transaction together with
 * the household's visit_state, so the list and the visit never disagree.
 * Visit writes commit with synchronous=FULL: a coordinator's battery can die
 * at any moment, and WAL's NORMAL mode may lose the last commits on power
 * loss (it only protects against the app crashing).
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-visit"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "verval-photo.h"
#include "verval-json.h"
#include "verval-visit-store.h"

struct _VervalVisitStore
{
  GObject      parent_instance;

  VervalStore *store;
  GHashTable  *forms;      /* "id/version" → VervalForm */
  GHashTable  *watched;    /* VervalVisit → handler id */
  GHashTable  *scheduled;  /* VervalVisit (ref) with unsaved changes */
  GHashTable  *in_flight;  /* VervalVisit → number of writes running */
  guint        autosave_source;
  guint        autosave_delay;
  gboolean     borrowed_store;

  /* The device's preferences, set on the main thread; an import copies
   * the photo options when it starts. */
  VervalPhotoOptions         photo_options;
  VervalLocationCheckOptions location_options;
};

enum {
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_PHOTO_MAX_EDGE,
  PROP_LOCATION_MAX_ACCURACY,
  PROP_LOCATION_MAX_DISTANCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The village-centre check is the fallback when a household's own location
 * is unknown; a village is wider than a yard, so it allows this many times
 * the household distance (5 km for the default 1 km). */
#define VILLAGE_DISTANCE_FACTOR 5

G_DEFINE_TYPE (VervalVisitStore, verval_visit_store, G_TYPE_OBJECT)

#define VISIT_COLUMNS \
  "uuid, household_id, form_id, form_version, answers, started_at, finished_at, " \
  "updated_at, enumerator_id, device_id, state, revision, sync_error, review_comment"

/* Changes households.visit_state only when it differs, so a draft's
 * autosave does not make the list reload. */
#define UPDATE_HOUSEHOLD_STATE_SQL \
  "UPDATE households SET visit_state = s.state FROM " \
  "  (SELECT COALESCE ((SELECT state FROM visits WHERE household_id = ?1 " \
  "                     ORDER BY started_at DESC, rowid DESC LIMIT 1), 'none') AS state) AS s " \
  "WHERE id = ?1 AND visit_state <> s.state"

/* Store-thread side ------------------------------------------------------ */

static int
read_synchronous (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int value = 1;

  if (sqlite3_prepare_v2 (db, "PRAGMA synchronous", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* BEGIN IMMEDIATE with synchronous=FULL; *old_sync restores it in end. */
static gboolean
durable_begin (sqlite3  *db,
               int      *old_sync,
               GError  **error)
{
  *old_sync = read_synchronous (db);
  return verval_sqlite_exec (db, "PRAGMA synchronous = FULL", error) && verval_sqlite_begin (db, error);
}

static gboolean
durable_end (sqlite3  *db,
             int       old_sync,
             gboolean  commit,
             GError  **error)
{
  /* The value comes from PRAGMA synchronous itself (0–3). */
  g_autofree char *restore = g_strdup_printf ("PRAGMA synchronous = %d;", CLAMP (old_sync, 0, 3));
  gboolean ok = verval_sqlite_end (db, commit, error);

  sqlite3_exec (db, restore, NULL, NULL, NULL);
  return ok;
}

static gboolean
update_household_state (sqlite3   *db,
                        gint64     household_id,
                        gboolean  *changed,
                        GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, UPDATE_HOUSEHOLD_STATE_SQL, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, household_id);
  if (!verval_sqlite_step_done (stmt, "update household visit state", error))
    return FALSE;
  if (sqlite3_changes (db) > 0)
    *changed = TRUE;
  return TRUE;
}

static GDateTime *
column_time (sqlite3_stmt *stmt,
             int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  return g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, column));
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? text : "";
}

static GPtrArray *
read_media (sqlite3     *db,
            const char  *uuid,
            GError     **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_visit_media_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = verval_sqlite_prepare (db,
                                "SELECT sha256, field_id, role, size, width, height, taken_at, "
                                "       latitude, longitude, accuracy, added_at "
                                "FROM visit_media WHERE visit_uuid = ? ORDER BY position",
                                error);
  if (stmt == NULL)
    return NULL;
  verval_sqlite_bind_text (stmt, 1, uuid);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      VervalVisitMedia *media = g_new0 (VervalVisitMedia, 1);

      g_strlcpy (media->sha256, column_text (stmt, 0), sizeof media->sha256);
      media->field_id = g_strdup (column_text (stmt, 1));
      media->role = g_strdup (column_text (stmt, 2));
      media->size = sqlite3_column_int64 (stmt, 3);
      media->width = sqlite3_column_int (stmt, 4);
      media->height = sqlite3_column_int (stmt, 5);
      media->taken = column_time (stmt, 6);
      media->has_location = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
      media->latitude = sqlite3_column_double (stmt, 7);
      media->longitude = sqlite3_column_double (stmt, 8);
      media->accuracy = sqlite3_column_type (stmt, 9) != SQLITE_NULL
                        ? sqlite3_column_double (stmt, 9) : -1;
      media->added_at = sqlite3_column_int64 (stmt, 10);
      g_ptr_array_add (list, media);
    }
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "read visit photos");
      sqlite3_finalize (stmt);
      return NULL;
    }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&list);
}

/* A visit from a row of VISIT_COLUMNS, with its photos. */
static VervalVisit *
read_visit (sqlite3       *db,
            sqlite3_stmt  *stmt,
            GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) started = column_time (stmt, 5);
  g_autoptr(GDateTime) finished = column_time (stmt, 6);
  g_autoptr(GPtrArray) media = NULL;
  const char *uuid = column_text (stmt, 0);
  VervalVisitState state;
  JsonNode *root;
  VervalVisit *visit;

  if (!json_parser_load_from_data (parser, column_text (stmt, 4), -1, &local_error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !verval_visit_state_from_string (column_text (stmt, 10), &state) ||
      state == VERVAL_VISIT_STATE_NONE || started == NULL)
    {
      g_set_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_CORRUPT,
                   _("The stored visit %s cannot be read; it was left as it is"), uuid);
      return NULL;
    }
  media = read_media (db, uuid, error);
  if (media == NULL)
    return NULL;

  visit = verval_visit_new_from_store (uuid,
                                       sqlite3_column_int64 (stmt, 1),
                                       column_text (stmt, 2),
                                       sqlite3_column_int64 (stmt, 3),
                                       json_node_get_object (root),
                                       started, finished,
                                       sqlite3_column_int64 (stmt, 7),
                                       column_text (stmt, 8),
                                       column_text (stmt, 9),
                                       state,
                                       sqlite3_column_int64 (stmt, 11),
                                       column_text (stmt, 12),
                                       column_text (stmt, 13));
  verval_visit_take_media_list (visit, g_steal_pointer (&media));
  return visit;
}

static VervalVisit *
load_visit (sqlite3     *db,
            const char  *uuid,
            GError     **error)
{
  sqlite3_stmt *stmt;
  VervalVisit *visit = NULL;
  int rc;

  stmt = verval_sqlite_prepare (db, "SELECT " VISIT_COLUMNS " FROM visits WHERE uuid = ?", error);
  if (stmt == NULL)
    return NULL;
  verval_sqlite_bind_text (stmt, 1, uuid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    visit = read_visit (db, stmt, error);
  else if (rc == SQLITE_DONE)
    g_set_error_literal (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND,
                         _("The visit is not in the data store"));
  else
    verval_sqlite_set_error (error, db, "load visit");
  sqlite3_finalize (stmt);
  return visit;
}

/* meta.device_id, made once per store: it names this installation. */
static char *
ensure_device_id (sqlite3  *db,
                  GError  **error)
{
  g_autofree char *fresh = g_uuid_string_random ();
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;

  insert = verval_sqlite_prepare (db, "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)",
                                  error);
  if (insert == NULL)
    return NULL;
  verval_sqlite_bind_text (insert, 1, fresh);
  if (!verval_sqlite_step_done (insert, "store device id", error))
    return NULL;

  select = verval_sqlite_prepare (db, "SELECT value FROM meta WHERE key = 'device_id'", error);
  if (select == NULL)
    return NULL;
  if (sqlite3_step (select) != SQLITE_ROW)
    {
      verval_sqlite_set_error (error, db, "read device id");
      return NULL;
    }
  return g_strdup (column_text (select, 0));
}

static char *
read_meta (sqlite3    *db,
           const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  if (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = ?", -1, &stmt, NULL) != SQLITE_OK)
    return g_strdup ("");
  verval_sqlite_bind_text (stmt, 1, key);
  value = g_strdup (sqlite3_step (stmt) == SQLITE_ROW ? column_text (stmt, 0) : "");
  sqlite3_finalize (stmt);
  return value;
}

typedef struct {
  VervalVisit *visit;               /* the result of start, load */
  GPtrArray   *visits;              /* of list */
  gboolean     households_changed;
  gint64       revision;            /* of a write */
  gint64       updated_at;
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  g_clear_object (&outcome->visit);
  g_clear_pointer (&outcome->visits, g_ptr_array_unref);
  g_free (outcome);
}

typedef struct {
  gint64  household_id;
  char   *form_id;
  gint64  form_version;
  char   *uuid;
  char   *uuid_found;
} StartData;

static void
start_data_free (StartData *data)
{
  g_free (data->form_id);
  g_free (data->uuid);
  g_free (data);
}

static gpointer
start_in_thread (sqlite3       *db,
                 gpointer       user_data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  StartData *data = user_data;
  g_autoptr(VervalVisit) visit = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *enumerator_id = NULL;
  g_autofree char *existing = NULL;
  sqlite3_stmt *stmt;
  Outcome *outcome;
  gboolean changed = FALSE;
  gboolean ok = FALSE;
  int old_sync, rc;

  if (!durable_begin (db, &old_sync, error))
    return NULL;

  stmt = verval_sqlite_prepare (db, "SELECT uuid FROM visits WHERE household_id = ? AND state = 'draft' "
                                    "ORDER BY started_at DESC, rowid DESC LIMIT 1", error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, data->household_id);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    existing = g_strdup (column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "find draft");
      goto out;
    }
  if (existing != NULL)
    {
      visit = load_visit (db, existing, error);
      ok = visit != NULL;
      goto out;
    }

  stmt = verval_sqlite_prepare (db, "SELECT 1 FROM households WHERE id = ?", error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, data->household_id);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    {
      g_set_error_literal (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND,
                           _("The family is not in the data store"));
      goto out;
    }

  device_id = ensure_device_id (db, error);
  if (device_id == NULL)
    goto out;
  enumerator_id = read_meta (db, "enumerator_id");

  visit = verval_visit_new (data->household_id, data->form_id, data->form_version);
  verval_visit_set_ids (visit, enumerator_id, device_id);
  stmt = verval_sqlite_prepare (db, "INSERT INTO visits (uuid, household_id, form_id, form_version, answers, "
                                    "  started_at, updated_at, enumerator_id, device_id, state, revision) "
                                    "VALUES (?, ?, ?, ?, '{}', ?, ?, ?, ?, 'draft', 0)", error);
  if (stmt == NULL)
    goto out;
  verval_sqlite_bind_text (stmt, 1, verval_visit_get_uuid (visit));
  sqlite3_bind_int64 (stmt, 2, data->household_id);
  verval_sqlite_bind_text (stmt, 3, data->form_id);
  sqlite3_bind_int64 (stmt, 4, data->form_version);
  sqlite3_bind_int64 (stmt, 5, g_date_time_to_unix (verval_visit_get_started (visit)));
  sqlite3_bind_int64 (stmt, 6, verval_visit_get_updated_at (visit));
  verval_sqlite_bind_text (stmt, 7, enumerator_id);
  verval_sqlite_bind_text (stmt, 8, device_id);
  ok = verval_sqlite_step_done (stmt, "insert visit", error);
  sqlite3_finalize (stmt);
  ok = ok && update_household_state (db, data->household_id, &changed, error);

out:
  if (!durable_end (db, old_sync, ok, error))
    return NULL;
  outcome = g_new0 (Outcome, 1);
  outcome->visit = g_steal_pointer (&visit);
  outcome->households_changed = changed;
  return outcome;
}

static gpointer
load_in_thread (sqlite3       *db,
                gpointer       user_data,
                GCancellable  *cancellable,
                GError       **error)
{
  VervalVisit *visit = load_visit (db, user_data, error);
  Outcome *outcome;

  if (visit == NULL)
    return NULL;
  outcome = g_new0 (Outcome, 1);
  outcome->visit = visit;
  return outcome;
}

static gpointer
list_in_thread (sqlite3       *db,
                gpointer       user_data,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GPtrArray) visits = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 *household_id = user_data;
  sqlite3_stmt *stmt;
  Outcome *outcome;
  int rc;

  stmt = verval_sqlite_prepare (db, "SELECT " VISIT_COLUMNS " FROM visits WHERE household_id = ? "
                                    "ORDER BY started_at DESC, rowid DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, *household_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      VervalVisit *visit = read_visit (db, stmt, error);

      if (visit == NULL)
        {
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_ptr_array_add (visits, visit);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "list visits");
      return NULL;
    }
  outcome = g_new0 (Outcome, 1);
  outcome->visits = g_steal_pointer (&visits);
  return outcome;
}

typedef enum {
  REVISION_KEEP_OR_BUMP,  /* a change: bump once the visit was finalized */
  REVISION_FINALIZE,      /* at least 1 */
  REVISION_BUMP,          /* always one more */
} RevisionRule;

/* One write of a visit, taken on the main thread. */
typedef struct {
  char             *uuid;
  gint64            household_id;
  char             *answers;       /* JSON text, NULL keeps the stored one */
  int               result_code;
  VervalLocationFix *location;     /* the first answered location field */
  VervalVisitState  from;
  VervalVisitState  to;
  RevisionRule      revision_rule;
  gint64            finished_at;   /* 0 keeps */
  gint64            now;
  VervalVisitMedia *add;
  GPtrArray        *remove;        /* sha256 strings */
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->uuid);
  g_free (snapshot->answers);
  g_clear_pointer (&snapshot->location, verval_location_fix_free);
  g_clear_pointer (&snapshot->add, verval_visit_media_free);
  g_clear_pointer (&snapshot->remove, g_ptr_array_unref);
  g_free (snapshot);
}

static gboolean
insert_media (sqlite3                *db,
              const char             *uuid,
              const VervalVisitMedia *media,
              gint64                  now,
              GError                **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = verval_sqlite_prepare (db,
                                "INSERT INTO visit_media (visit_uuid, sha256, field_id, role, position, "
                                "  size, width, height, taken_at, latitude, longitude, accuracy, added_at) "
                                "VALUES (?1, ?2, ?3, ?4, "
                                "  (SELECT COALESCE (MAX (position), 0) + 1 FROM visit_media "
                                "   WHERE visit_uuid = ?1), "
                                "  ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                error);
  if (stmt == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, uuid);
  verval_sqlite_bind_text (stmt, 2, media->sha256);
  verval_sqlite_bind_text (stmt, 3, media->field_id);
  verval_sqlite_bind_text (stmt, 4, media->role != NULL ? media->role : "");
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) media->size);
  sqlite3_bind_int (stmt, 6, media->width);
  sqlite3_bind_int (stmt, 7, media->height);
  if (media->taken != NULL)
    sqlite3_bind_int64 (stmt, 8, g_date_time_to_unix (media->taken));
  if (media->has_location)
    {
      sqlite3_bind_double (stmt, 9, media->latitude);
      sqlite3_bind_double (stmt, 10, media->longitude);
      if (media->accuracy >= 0)
        sqlite3_bind_double (stmt, 11, media->accuracy);
    }
  sqlite3_bind_int64 (stmt, 12, media->added_at != 0 ? media->added_at : now);
  return verval_sqlite_step_done (stmt, "insert visit photo", error);
}

static gboolean
delete_media (sqlite3     *db,
              const char  *uuid,
              GPtrArray   *hashes,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = verval_sqlite_prepare (db, "DELETE FROM visit_media WHERE visit_uuid = ? AND sha256 = ?", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < hashes->len; i++)
    {
      verval_sqlite_bind_text (stmt, 1, uuid);
      verval_sqlite_bind_text (stmt, 2, g_ptr_array_index (hashes, i));
      if (!verval_sqlite_step_done (stmt, "delete visit photo", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_stored_state (VervalVisitState   stored,
                    VervalVisitState   expected,
                    GError           **error)
{
  if (stored == expected)
    return TRUE;
  if (expected == VERVAL_VISIT_STATE_DRAFT)
    g_set_error_literal (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY,
                         _("This visit is finalized and can no longer be changed"));
  else
    g_set_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_CONFLICT,
                 _("The visit is “%s” now, not “%s”"),
                 verval_visit_state_to_string (stored), verval_visit_state_to_string (expected));
  return FALSE;
}

static gboolean
read_state (sqlite3           *db,
            const char        *uuid,
            VervalVisitState  *state,
            gint64            *revision,
            GError           **error)
{
  sqlite3_stmt *stmt = verval_sqlite_prepare (db, "SELECT state, revision FROM visits WHERE uuid = ?", error);
  gboolean ok = FALSE;
  int rc;

  if (stmt == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, uuid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ok = verval_visit_state_from_string (column_text (stmt, 0), state);
      *revision = sqlite3_column_int64 (stmt, 1);
      if (!ok)
        g_set_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_CORRUPT,
                     _("The stored visit %s cannot be read; it was left as it is"), uuid);
    }
  else if (rc == SQLITE_DONE)
    g_set_error_literal (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_NOT_FOUND,
                         _("The visit is not in the data store"));
  else
    verval_sqlite_set_error (error, db, "read visit state");
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
write_snapshot (sqlite3   *db,
                Snapshot  *s,
                Outcome   *outcome,
                GError   **error)
{
  VervalVisitState stored;
  gint64 revision;
  sqlite3_stmt *stmt;
  gboolean ok;

  if (!read_state (db, s->uuid, &stored, &revision, error) ||
      !check_stored_state (stored, s->from, error))
    return FALSE;

  switch (s->revision_rule)
    {
    case REVISION_KEEP_OR_BUMP:
      revision = revision > 0 ? revision + 1 : 0;
      break;
    case REVISION_FINALIZE:
      revision = MAX (revision, 1);
      break;
    case REVISION_BUMP:
    default:
      revision++;
      break;
    }

  if (s->remove != NULL && !delete_media (db, s->uuid, s->remove, error))
    return FALSE;
  if (s->add != NULL && !insert_media (db, s->uuid, s->add, s->now, error))
    return FALSE;

  stmt = verval_sqlite_prepare (db,
                                "UPDATE visits SET answers = COALESCE (?1, answers), "
                                "  result_code = CASE WHEN ?1 IS NULL THEN result_code ELSE ?2 END, "
                                "  latitude = CASE WHEN ?1 IS NULL THEN latitude ELSE ?3 END, "
                                "  longitude = CASE WHEN ?1 IS NULL THEN longitude ELSE ?4 END, "
                                "  accuracy = CASE WHEN ?1 IS NULL THEN accuracy ELSE ?5 END, "
                                "  location_source = CASE WHEN ?1 IS NULL THEN location_source ELSE ?6 END, "
                                "  altitude = CASE WHEN ?1 IS NULL THEN altitude ELSE ?12 END, "
                                "  location_time = CASE WHEN ?1 IS NULL THEN location_time ELSE ?13 END, "
                                "  state = ?7, revision = ?8, "
                                "  finished_at = COALESCE (?9, finished_at), updated_at = ?10 "
                                "WHERE uuid = ?11",
                                error);
  if (stmt == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, s->answers);
  if (s->result_code >= 0)
    sqlite3_bind_int (stmt, 2, s->result_code);
  if (s->location != NULL)
    {
      sqlite3_bind_double (stmt, 3, s->location->latitude);
      sqlite3_bind_double (stmt, 4, s->location->longitude);
      if (verval_location_fix_has_accuracy (s->location))
        sqlite3_bind_double (stmt, 5, s->location->accuracy_m);
      verval_sqlite_bind_text (stmt, 6, verval_location_source_to_string (s->location->source));
      if (s->location->has_altitude)
        sqlite3_bind_double (stmt, 12, s->location->altitude);
      if (s->location->time != NULL)
        sqlite3_bind_int64 (stmt, 13, g_date_time_to_unix (s->location->time));
    }
  verval_sqlite_bind_text (stmt, 7, verval_visit_state_to_string (s->to));
  sqlite3_bind_int64 (stmt, 8, revision);
  if (s->finished_at != 0)
    sqlite3_bind_int64 (stmt, 9, s->finished_at);
  sqlite3_bind_int64 (stmt, 10, s->now);
  verval_sqlite_bind_text (stmt, 11, s->uuid);
  ok = verval_sqlite_step_done (stmt, "update visit", error);
  sqlite3_finalize (stmt);

  if (ok)
    ok = update_household_state (db, s->household_id, &outcome->households_changed, error);
  outcome->revision = revision;
  outcome->updated_at = s->now;
  return ok;
}

static gpointer
write_in_thread (sqlite3       *db,
                 gpointer       user_data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree Outcome *outcome = g_new0 (Outcome, 1);
  gboolean ok;
  int old_sync;

  if (!durable_begin (db, &old_sync, error))
    return NULL;
  ok = write_snapshot (db, user_data, outcome, error);
  if (!durable_end (db, old_sync, ok, error))
    return NULL;
  return g_steal_pointer (&outcome);
}

gboolean
verval_visit_store_change_state_in_db (sqlite3           *db,
                                       const char        *uuid,
                                       VervalVisitState   to,
                                       gint64             revision,
                                       const char        *comment,
                                       GError           **error)
{
  VervalVisitState stored;
  gint64 stored_revision, household_id = 0;
  sqlite3_stmt *stmt;
  gboolean changed = FALSE;
  gboolean ok;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);

  if (!read_state (db, uuid, &stored, &stored_revision, error))
    return FALSE;
  if (to == VERVAL_VISIT_STATE_SENT && stored == VERVAL_VISIT_STATE_FINAL &&
      revision != stored_revision)
    return FALSE;
  if (!verval_visit_state_can_change (stored, to) ||
      (to != VERVAL_VISIT_STATE_SENT && to != VERVAL_VISIT_STATE_REJECTED))
    {
      g_set_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_TRANSITION,
                   _("A visit cannot go from “%s” to “%s”"),
                   verval_visit_state_to_string (stored), verval_visit_state_to_string (to));
      return FALSE;
    }

  stmt = verval_sqlite_prepare (db, "UPDATE visits SET state = ?1, "
                                    "  review_comment = CASE WHEN ?2 IS NULL THEN review_comment "
                                    "                   ELSE ?2 END, "
                                    "  sync_error = '', updated_at = ?3 "
                                    "WHERE uuid = ?4 RETURNING household_id", error);
  if (stmt == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, verval_visit_state_to_string (to));
  verval_sqlite_bind_text (stmt, 2,
                           to == VERVAL_VISIT_STATE_REJECTED ? (comment != NULL ? comment : "") : NULL);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
  verval_sqlite_bind_text (stmt, 4, uuid);
  ok = sqlite3_step (stmt) == SQLITE_ROW;
  if (ok)
    household_id = sqlite3_column_int64 (stmt, 0);
  else
    verval_sqlite_set_error (error, db, "change visit state");
  sqlite3_finalize (stmt);
  return ok && update_household_state (db, household_id, &changed, error);
}

/* Main-thread side ------------------------------------------------------- */

/* A watched visit the editor dropped without unwatching. */
static void
watched_visit_gone (gpointer  data,
                    GObject  *where_the_object_was)
{
  VervalVisitStore *self = data;

  g_hash_table_remove (self->watched, where_the_object_was);
}

static void
verval_visit_store_dispose (GObject *object)
{
  VervalVisitStore *self = VERVAL_VISIT_STORE (object);
  GHashTableIter iter;
  gpointer visit, handler;

  g_hash_table_iter_init (&iter, self->watched);
  while (g_hash_table_iter_next (&iter, &visit, &handler))
    {
      g_signal_handler_disconnect (visit, GPOINTER_TO_SIZE (handler));
      g_object_weak_unref (visit, watched_visit_gone, self);
    }
  g_hash_table_remove_all (self->watched);
  g_clear_handle_id (&self->autosave_source, g_source_remove);

  G_OBJECT_CLASS (verval_visit_store_parent_class)->dispose (object);
}

static void
verval_visit_store_finalize (GObject *object)
{
  VervalVisitStore *self = VERVAL_VISIT_STORE (object);

  g_hash_table_unref (self->forms);
  g_hash_table_unref (self->watched);
  g_hash_table_unref (self->scheduled);
  g_hash_table_unref (self->in_flight);
  if (!self->borrowed_store)
    g_clear_object (&self->store);

  G_OBJECT_CLASS (verval_visit_store_parent_class)->finalize (object);
}

static void
verval_visit_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  VervalVisitStore *self = VERVAL_VISIT_STORE (object);

  switch (prop_id)
    {
    case PROP_PHOTO_MAX_EDGE:
      g_value_set_uint (value, self->photo_options.max_edge);
      break;
    case PROP_LOCATION_MAX_ACCURACY:
      g_value_set_uint (value, (guint) self->location_options.max_accuracy_m);
      break;
    case PROP_LOCATION_MAX_DISTANCE:
      g_value_set_uint (value, (guint) self->location_options.max_household_distance_m);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_visit_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  VervalVisitStore *self = VERVAL_VISIT_STORE (object);

  switch (prop_id)
    {
    case PROP_PHOTO_MAX_EDGE:
      verval_visit_store_set_photo_max_edge (self, g_value_get_uint (value));
      break;
    case PROP_LOCATION_MAX_ACCURACY:
    case PROP_LOCATION_MAX_DISTANCE:
      {
        VervalLocationCheckOptions options = self->location_options;

        if (prop_id == PROP_LOCATION_MAX_ACCURACY)
          options.max_accuracy_m = g_value_get_uint (value);
        else
          {
            options.max_household_distance_m = g_value_get_uint (value);
            options.max_village_distance_m = options.max_household_distance_m * VILLAGE_DISTANCE_FACTOR;
          }
        verval_visit_store_set_location_check_options (self, &options);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_visit_store_class_init (VervalVisitStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = verval_visit_store_dispose;
  object_class->finalize = verval_visit_store_finalize;
  object_class->get_property = verval_visit_store_get_property;
  object_class->set_property = verval_visit_store_set_property;

  properties[PROP_PHOTO_MAX_EDGE] =
    g_param_spec_uint ("photo-max-edge", NULL, NULL,
                       VERVAL_VISIT_STORE_MIN_PHOTO_EDGE, VERVAL_VISIT_STORE_MAX_PHOTO_EDGE,
                       VERVAL_PHOTO_DEFAULT_MAX_EDGE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOCATION_MAX_ACCURACY] =
    g_param_spec_uint ("location-max-accuracy", NULL, NULL,
                       1, G_MAXUINT, 50,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOCATION_MAX_DISTANCE] =
    g_param_spec_uint ("location-max-distance", NULL, NULL,
                       1, G_MAXUINT / VILLAGE_DISTANCE_FACTOR, 1000,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::saved (VervalVisit *visit, gpointer error): error is a const GError*
   * or NULL, after every write of a visit. */
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 2, VERVAL_TYPE_VISIT, G_TYPE_POINTER);
}

static void
verval_visit_store_init (VervalVisitStore *self)
{
  self->forms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->watched = g_hash_table_new (NULL, NULL);
  self->scheduled = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->in_flight = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->autosave_delay = VERVAL_VISIT_STORE_AUTOSAVE_MS;
  verval_photo_options_init (&self->photo_options);
  verval_location_check_options_init (&self->location_options);
}

VervalVisitStore *
verval_visit_store_new (VervalStore *store)
{
  VervalVisitStore *self;

  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);

  self = g_object_new (VERVAL_TYPE_VISIT_STORE, NULL);
  self->store = g_object_ref (store);
  return self;
}

/* The store closed (the app quits): a scheduled autosave has nowhere to go.
 * Editors flush when they close, so this only drops a timer. */
static void
store_gone (gpointer  data,
            GObject  *where_the_object_was)
{
  VervalVisitStore *self = data;

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  self->store = NULL;
}

VervalVisitStore *
verval_visit_store_get_default (VervalStore *store)
{
  VervalVisitStore *self;

  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);

  self = g_object_get_data (G_OBJECT (store), "verval-visit-store");
  if (self != NULL)
    return self;
  /* Kept as the store's data, so it must not hold the store: that would be
   * a cycle and the store would never close. The store outlives it. */
  self = g_object_new (VERVAL_TYPE_VISIT_STORE, NULL);
  self->store = store;
  self->borrowed_store = TRUE;
  g_object_weak_ref (G_OBJECT (store), store_gone, self);
  g_object_set_data_full (G_OBJECT (store), "verval-visit-store", self, g_object_unref);
  return self;
}

VervalStore *
verval_visit_store_get_store (VervalVisitStore *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_STORE (self), NULL);
  return self->store;
}

void
verval_visit_store_set_photo_max_edge (VervalVisitStore *self,
                                       guint             max_edge)
{
  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (max_edge >= VERVAL_VISIT_STORE_MIN_PHOTO_EDGE &&
                    max_edge <= VERVAL_VISIT_STORE_MAX_PHOTO_EDGE);

  if (self->photo_options.max_edge == max_edge)
    return;
  self->photo_options.max_edge = max_edge;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHOTO_MAX_EDGE]);
}

const VervalPhotoOptions *
verval_visit_store_get_photo_options (VervalVisitStore *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_STORE (self), NULL);

  return &self->photo_options;
}

void
verval_visit_store_set_location_check_options (VervalVisitStore                 *self,
                                               const VervalLocationCheckOptions *options)
{
  VervalLocationCheckOptions old;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (options != NULL);

  old = self->location_options;
  self->location_options = *options;
  g_object_freeze_notify (G_OBJECT (self));
  if (old.max_accuracy_m != options->max_accuracy_m)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCATION_MAX_ACCURACY]);
  if (old.max_household_distance_m != options->max_household_distance_m)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCATION_MAX_DISTANCE]);
  g_object_thaw_notify (G_OBJECT (self));
}

const VervalLocationCheckOptions *
verval_visit_store_get_location_check_options (VervalVisitStore *self)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_STORE (self), NULL);

  return &self->location_options;
}

VervalForm *
verval_visit_store_get_form (VervalVisitStore  *self,
                             const char        *form_id,
                             gint64             form_version,
                             GError           **error)
{
  g_autofree char *key = NULL;
  VervalForm *form;

  g_return_val_if_fail (VERVAL_IS_VISIT_STORE (self), NULL);
  g_return_val_if_fail (form_id != NULL, NULL);

  key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, form_id, form_version);
  form = g_hash_table_lookup (self->forms, key);
  if (form != NULL)
    return form;

  form = verval_form_new_builtin (form_id, error);
  if (form == NULL)
    return NULL;
  /* 0 asks for whatever version is built in (starting a visit). */
  if (form_version != 0 && verval_form_get_version (form) != form_version)
    {
      g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, form_version);

      /* Translators: a form's name, then its version number */
      g_set_error (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_NOT_FOUND,
                   _("Form “%s” version %s is not available in this version of Verval"),
                   form_id, version);
      g_object_unref (form);
      return NULL;
    }
  g_hash_table_insert (self->forms, g_steal_pointer (&key), form);
  return form;
}

static void
take_outcome (VervalVisitStore *self,
              Outcome          *outcome)
{
  if (outcome->households_changed)
    verval_store_households_changed (self->store);
}

/* start, load, list */

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VervalVisitStore *self = g_task_get_source_object (task);
  GError *error = NULL;
  Outcome *outcome = verval_store_run_finish (VERVAL_STORE (source), result, &error);

  if (outcome == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  take_outcome (self, outcome);
  if (outcome->visits != NULL)
    g_task_return_pointer (task, g_steal_pointer (&outcome->visits),
                           (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_pointer (task, g_steal_pointer (&outcome->visit), g_object_unref);
  outcome_free (outcome);
}

void
verval_visit_store_start_async (VervalVisitStore    *self,
                                gint64               household_id,
                                const char          *form_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  VervalForm *form;
  StartData *data;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (form_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_start_async);
  form = verval_visit_store_get_form (self, form_id, 0, &error);
  if (form == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (StartData, 1);
  data->household_id = household_id;
  data->form_id = g_strdup (form_id);
  data->form_version = verval_form_get_version (form);
  verval_store_run_async (self->store, start_in_thread, data, (GDestroyNotify) start_data_free,
                          (GDestroyNotify) outcome_free, cancellable, read_done,
                          g_steal_pointer (&task));
}

VervalVisit *
verval_visit_store_start_finish (VervalVisitStore  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
verval_visit_store_load_async (VervalVisitStore    *self,
                               const char          *uuid,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (uuid != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_load_async);
  verval_store_run_async (self->store, load_in_thread, g_strdup (uuid), g_free,
                          (GDestroyNotify) outcome_free, cancellable, read_done, task);
}

VervalVisit *
verval_visit_store_load_finish (VervalVisitStore  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
verval_visit_store_list_async (VervalVisitStore    *self,
                               gint64               household_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_list_async);
  verval_store_run_async (self->store, list_in_thread, g_memdup2 (&household_id, sizeof household_id),
                          g_free, (GDestroyNotify) outcome_free, cancellable, read_done, task);
}

GPtrArray *
verval_visit_store_list_finish (VervalVisitStore  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* where a visit is expected to be */

/* Fixes less precise than this say little about where a house is. */
#define REFERENCE_MAX_ACCURACY_M 100.0
/* A village's middle is taken from this many of its other visits at least
 * (fewer say more about one house than about the village), at most. */
#define REFERENCE_MIN_VILLAGE_VISITS 3
#define REFERENCE_MAX_VILLAGE_VISITS 500

typedef struct {
  gint64  household_id;
  char   *uuid;
} ReferenceQuery;

typedef struct {
  gboolean                found;
  VervalLocationReference reference;
} ReferenceResult;

static void
reference_query_free (ReferenceQuery *query)
{
  g_free (query->uuid);
  g_free (query);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  if (values->len % 2 == 1)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1) +
          g_array_index (values, double, values->len / 2)) / 2;
}

/* The household's own last good fix from another visit; else the middle
 * (median latitude and longitude) of the village's other visits. */
static gpointer
reference_in_thread (sqlite3       *db,
                     gpointer       user_data,
                     GCancellable  *cancellable,
                     GError       **error)
{
  ReferenceQuery *query = user_data;
  g_autofree ReferenceResult *result = g_new0 (ReferenceResult, 1);
  g_autoptr(GArray) latitudes = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) longitudes = g_array_new (FALSE, FALSE, sizeof (double));
  sqlite3_stmt *stmt;
  int rc;

  stmt = verval_sqlite_prepare (db, "SELECT latitude, longitude FROM visits "
                                    "WHERE household_id = ?1 AND uuid <> ?2 "
                                    "  AND latitude IS NOT NULL AND longitude IS NOT NULL "
                                    "  AND (accuracy IS NULL OR accuracy <= ?3) "
                                    "ORDER BY coalesce (finished_at, updated_at) DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, query->household_id);
  verval_sqlite_bind_text (stmt, 2, query->uuid);
  sqlite3_bind_double (stmt, 3, REFERENCE_MAX_ACCURACY_M);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      result->found = TRUE;
      result->reference.kind = VERVAL_LOCATION_REFERENCE_HOUSEHOLD;
      result->reference.latitude = sqlite3_column_double (stmt, 0);
      result->reference.longitude = sqlite3_column_double (stmt, 1);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "household location");
      return NULL;
    }
  if (result->found)
    return g_steal_pointer (&result);

  stmt = verval_sqlite_prepare (db, "SELECT v.latitude, v.longitude FROM visits v "
                                    "JOIN households h ON h.id = v.household_id "
                                    "WHERE h.village_code = "
                                    "    (SELECT village_code FROM households WHERE id = ?1) "
                                    "  AND h.village_code <> '' AND v.household_id <> ?1 "
                                    "  AND v.latitude IS NOT NULL AND v.longitude IS NOT NULL "
                                    "  AND (v.accuracy IS NULL OR v.accuracy <= ?2) "
                                    "ORDER BY v.updated_at DESC LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, query->household_id);
  sqlite3_bind_double (stmt, 2, REFERENCE_MAX_ACCURACY_M);
  sqlite3_bind_int (stmt, 3, REFERENCE_MAX_VILLAGE_VISITS);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      double latitude = sqlite3_column_double (stmt, 0);
      double longitude = sqlite3_column_double (stmt, 1);

      g_array_append_val (latitudes, latitude);
      g_array_append_val (longitudes, longitude);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "village location");
      return NULL;
    }
  if (latitudes->len >= REFERENCE_MIN_VILLAGE_VISITS)
    {
      result->found = TRUE;
      result->reference.kind = VERVAL_LOCATION_REFERENCE_VILLAGE;
      result->reference.latitude = median (latitudes);
      result->reference.longitude = median (longitudes);
    }
  return g_steal_pointer (&result);
}

static void
reference_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  ReferenceResult *found = verval_store_run_finish (VERVAL_STORE (source), result, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, g_free);
}

void
verval_visit_store_location_reference_async (VervalVisitStore    *self,
                                             VervalVisit         *visit,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  ReferenceQuery *query;
  GTask *task;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_location_reference_async);
  query = g_new0 (ReferenceQuery, 1);
  query->household_id = verval_visit_get_household_id (visit);
  query->uuid = g_strdup (verval_visit_get_uuid (visit));
  verval_store_run_async (self->store, reference_in_thread, query,
                          (GDestroyNotify) reference_query_free, g_free, cancellable,
                          reference_done, task);
}

gboolean
verval_visit_store_location_reference_finish (VervalVisitStore         *self,
                                              GAsyncResult             *result,
                                              VervalLocationReference  *reference,
                                              GError                  **error)
{
  g_autofree ReferenceResult *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (reference != NULL, FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL || !found->found)
    return FALSE;
  *reference = found->reference;
  return TRUE;
}

/* writes */

static char *
answers_to_json (JsonObject *answers)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), answers);

  return verval_json_to_string (root, NULL);
}

static Snapshot *
snapshot_new (VervalVisitStore *self,
              VervalVisit      *visit,
              JsonObject       *answers,
              VervalVisitState  to,
              RevisionRule      rule)
{
  Snapshot *s = g_new0 (Snapshot, 1);
  VervalForm *form;

  s->uuid = g_strdup (verval_visit_get_uuid (visit));
  s->household_id = verval_visit_get_household_id (visit);
  s->from = verval_visit_get_state (visit);
  s->to = to;
  s->revision_rule = rule;
  s->now = g_get_real_time () / G_USEC_PER_SEC;
  s->result_code = -1;
  if (answers == NULL)
    return s;

  s->answers = answers_to_json (answers);
  if (json_object_has_member (answers, "result"))
    {
      JsonNode *node = json_object_get_member (answers, "result");

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        s->result_code = (int) CLAMP (json_node_get_int (node), 0, G_MAXINT);
    }

  /* The first answered location field feeds the location columns. */
  form = verval_visit_store_get_form (self, verval_visit_get_form_id (visit),
                                      verval_visit_get_form_version (visit), NULL);
  if (form != NULL)
    {
      GPtrArray *sections = verval_form_get_sections (form);

      for (guint i = 0; i < sections->len && s->location == NULL; i++)
        {
          VervalFormSection *section = g_ptr_array_index (sections, i);

          for (guint j = 0; j < section->fields->len && s->location == NULL; j++)
            {
              VervalFormField *field = g_ptr_array_index (section->fields, j);

              if (field->type == VERVAL_FIELD_LOCATION)
                s->location = verval_location_fix_from_answer (json_object_get_member (answers, field->id));
            }
        }
    }
  return s;
}

static guint
in_flight_count (VervalVisitStore *self,
                 VervalVisit      *visit)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->in_flight, visit));
}

static void
in_flight_add (VervalVisitStore *self,
               VervalVisit      *visit,
               int               delta)
{
  guint n = in_flight_count (self, visit) + delta;

  if (n == 0)
    g_hash_table_remove (self->in_flight, visit);
  else
    g_hash_table_replace (self->in_flight, g_object_ref (visit), GUINT_TO_POINTER (n));
}

typedef struct {
  VervalVisit      *visit;
  VervalVisitState  to;
  GDateTime        *finished;
  JsonObject       *answers;    /* replaces the visit's (finalize), or NULL */
  GPtrArray        *media;      /* replaces the visit's list (finalize), or NULL */
  char             *added;      /* sha256 of an attached photo */
  char             *removed;    /* sha256 of a removed photo, to put back on error */
  VervalVisitMedia *removed_media;
  VervalFormResult *issues;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_clear_object (&data->visit);
  g_clear_pointer (&data->finished, g_date_time_unref);
  g_clear_pointer (&data->answers, json_object_unref);
  g_clear_pointer (&data->media, g_ptr_array_unref);
  g_free (data->added);
  g_free (data->removed);
  g_clear_pointer (&data->removed_media, verval_visit_media_free);
  g_clear_pointer (&data->issues, verval_form_result_free);
  g_free (data);
}

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VervalVisitStore *self = g_task_get_source_object (task);
  WriteData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Outcome *outcome = verval_store_run_finish (VERVAL_STORE (source), result, &error);

  in_flight_add (self, data->visit, -1);
  if (outcome == NULL)
    {
      /* Put the in-memory visit back as the disk has it. */
      if (data->added != NULL)
        verval_visit_remove_media (data->visit, data->added, NULL);
      if (data->removed_media != NULL)
        verval_visit_add_media (data->visit, data->removed_media, NULL);
      g_warning ("Could not save visit %s: %s", verval_visit_get_uuid (data->visit),
                 error->message);
      g_signal_emit (self, signals[SIGNAL_SAVED], 0, data->visit, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->media != NULL)
    verval_visit_take_media_list (data->visit, g_steal_pointer (&data->media));
  verval_visit_set_committed (data->visit, data->to, outcome->revision,
                              data->to == VERVAL_VISIT_STATE_FINAL
                              ? data->finished : verval_visit_get_finished (data->visit),
                              data->answers, outcome->updated_at);
  take_outcome (self, outcome);
  outcome_free (outcome);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, data->visit, NULL);
  g_task_return_boolean (task, TRUE);
}

/* Queues snapshot; a scheduled autosave of the visit is dropped because
 * this write carries the same answers. */
static void
queue_write (VervalVisitStore *self,
             GTask            *task,
             WriteData        *data,
             Snapshot         *snapshot)
{
  g_task_set_task_data (task, data, (GDestroyNotify) write_data_free);
  g_hash_table_remove (self->scheduled, data->visit);
  in_flight_add (self, data->visit, 1);
  verval_store_run_async (self->store, write_in_thread, snapshot, (GDestroyNotify) snapshot_free,
                          (GDestroyNotify) outcome_free, NULL, write_done, task);
}

static WriteData *
write_data_new (VervalVisit      *visit,
                VervalVisitState  to)
{
  WriteData *data = g_new0 (WriteData, 1);

  data->visit = g_object_ref (visit);
  data->to = to;
  return data;
}

static void
save_draft (VervalVisitStore    *self,
            VervalVisit         *visit,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Snapshot *snapshot;

  g_task_set_source_tag (task, save_draft);
  if (!verval_visit_is_editable (visit))
    {
      g_hash_table_remove (self->scheduled, visit);
      g_task_return_new_error (task, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY,
                               _("This visit is finalized and can no longer be changed"));
      g_object_unref (task);
      return;
    }
  snapshot = snapshot_new (self, visit, verval_visit_get_answers (visit),
                           VERVAL_VISIT_STATE_DRAFT, REVISION_KEEP_OR_BUMP);
  queue_write (self, task, write_data_new (visit, VERVAL_VISIT_STATE_DRAFT), snapshot);
}

/* autosave */

static void
autosave_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  /* ::saved reported the outcome; nothing else waits for it. */
  g_task_propagate_boolean (G_TASK (result), NULL);
}

/* A reference to each visit with scheduled changes. */
static GPtrArray *
scheduled_visits (VervalVisitStore *self)
{
  GPtrArray *visits = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer visit;

  g_hash_table_iter_init (&iter, self->scheduled);
  while (g_hash_table_iter_next (&iter, &visit, NULL))
    g_ptr_array_add (visits, g_object_ref (visit));
  return visits;
}

static gboolean
autosave_cb (gpointer user_data)
{
  VervalVisitStore *self = user_data;
  g_autoptr(GPtrArray) visits = scheduled_visits (self);

  self->autosave_source = 0;
  for (guint i = 0; i < visits->len; i++)
    save_draft (self, g_ptr_array_index (visits, i), autosave_done, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (VervalVisitStore *self,
               VervalVisit      *visit)
{
  if (!verval_visit_is_editable (visit))
    return;
  if (!g_hash_table_contains (self->scheduled, visit))
    g_hash_table_add (self->scheduled, g_object_ref (visit));
  /* Not restarted on later changes: continuous typing still saves. The
   * source keeps the store alive until it ran. */
  if (self->autosave_source == 0)
    self->autosave_source = g_timeout_add_full (G_PRIORITY_DEFAULT, self->autosave_delay,
                                                autosave_cb, g_object_ref (self),
                                                g_object_unref);
}

static void
visit_changed_cb (VervalVisit      *visit,
                  VervalVisitStore *self)
{
  schedule_save (self, visit);
}

void
verval_visit_store_watch (VervalVisitStore *self,
                          VervalVisit      *visit)
{
  gulong handler;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));

  if (g_hash_table_contains (self->watched, visit))
    return;
  handler = g_signal_connect (visit, "changed", G_CALLBACK (visit_changed_cb), self);
  g_object_weak_ref (G_OBJECT (visit), watched_visit_gone, self);
  g_hash_table_insert (self->watched, visit, GSIZE_TO_POINTER (handler));
}

void
verval_visit_store_unwatch (VervalVisitStore *self,
                            VervalVisit      *visit)
{
  gpointer handler;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));

  if (g_hash_table_steal_extended (self->watched, visit, NULL, &handler))
    {
      g_signal_handler_disconnect (visit, GPOINTER_TO_SIZE (handler));
      g_object_weak_unref (G_OBJECT (visit), watched_visit_gone, self);
    }
}

void
verval_visit_store_set_autosave_delay (VervalVisitStore *self,
                                       guint             milliseconds)
{
  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  self->autosave_delay = milliseconds;
}

gboolean
verval_visit_store_has_pending (VervalVisitStore *self,
                                VervalVisit      *visit)
{
  g_return_val_if_fail (VERVAL_IS_VISIT_STORE (self), FALSE);
  g_return_val_if_fail (VERVAL_IS_VISIT (visit), FALSE);

  return g_hash_table_contains (self->scheduled, visit) || in_flight_count (self, visit) > 0;
}

typedef struct {
  guint   waiting;
  GError *error;
} FlushData;

static void
flush_data_free (FlushData *data)
{
  g_clear_error (&data->error);
  g_free (data);
}

static void
flush_step_done (GTask  *task,
                 GError *error)
{
  FlushData *data = g_task_get_task_data (task);

  if (error != NULL && data->error == NULL)
    data->error = g_error_copy (error);
  if (--data->waiting > 0)
    return;
  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
flush_save_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  flush_step_done (task, error);
}

static gpointer
barrier_in_thread (sqlite3       *db,
                   gpointer       user_data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return GINT_TO_POINTER (TRUE);
}

static void
flush_barrier_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  verval_store_run_finish (VERVAL_STORE (source), result, &error);
  flush_step_done (task, error);
}

void
verval_visit_store_flush_async (VervalVisitStore    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GPtrArray) visits = NULL;
  FlushData *data;
  GTask *task;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_flush_async);
  data = g_new0 (FlushData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) flush_data_free);

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  visits = scheduled_visits (self);
  /* One reference per step; the last step completes the task. */
  data->waiting = visits->len + 1;
  for (guint i = 0; i < visits->len; i++)
    save_draft (self, g_ptr_array_index (visits, i), flush_save_done, g_object_ref (task));
  /* The store thread works in queue order: once this runs, every write
   * queued before (autosaves in flight included) has committed. */
  verval_store_run_async (self->store, barrier_in_thread, NULL, NULL, NULL, NULL,
                          flush_barrier_done, task);
}

gboolean
verval_visit_store_flush_finish (VervalVisitStore  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* photos */

typedef struct {
  VervalVisit *visit;
  char        *field_id;
  char        *role;
  char         sha256[65];
} AttachData;

static void
attach_data_free (AttachData *data)
{
  g_clear_object (&data->visit);
  g_free (data->field_id);
  g_free (data->role);
  g_free (data);
}

static const VervalFormField *
lookup_photo_field (VervalVisitStore  *self,
                    VervalVisit       *visit,
                    const char        *field_id,
                    GError           **error)
{
  const VervalFormField *field = NULL;
  VervalForm *form;

  form = verval_visit_store_get_form (self, verval_visit_get_form_id (visit),
                                      verval_visit_get_form_version (visit), error);
  if (form == NULL)
    return NULL;
  field = verval_form_lookup_field (form, field_id);
  if (field == NULL || field->type != VERVAL_FIELD_PHOTO)
    {
      g_set_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_FIELD,
                   _("“%s” is not a photo question of this form"), field_id);
      return NULL;
    }
  return field;
}

static gboolean
check_photo_room (VervalVisit            *visit,
                  const VervalFormField  *field,
                  GError                **error)
{
  g_auto(GStrv) hashes = verval_visit_dup_photos (visit, field->id);

  if (field->max_count == 0 || g_strv_length (hashes) < field->max_count)
    return TRUE;
  g_set_error (error, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_FIELD,
               g_dngettext (GETTEXT_PACKAGE, "“%s” takes at most %u photo",
                            "“%s” takes at most %u photos", field->max_count),
               verval_form_text (&field->label), field->max_count);
  return FALSE;
}

static void
attach_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AttachData *attach = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, (gpointer) verval_visit_lookup_media (attach->visit,
                                                                        attach->sha256), NULL);
}

static void
attach_imported (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VervalVisitStore *self = g_task_get_source_object (task);
  AttachData *attach = g_task_get_task_data (task);
  g_autoptr(VervalVisitMedia) media = NULL;
  g_autoptr(VervalPhoto) photo = NULL;
  GError *error = NULL;
  const VervalFormField *field;
  WriteData *data;
  Snapshot *snapshot;

  photo = verval_photo_import_finish (result, &error);
  if (photo == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The visit may have changed while the photo was being stored. */
  field = lookup_photo_field (self, attach->visit, attach->field_id, &error);
  if (field == NULL || !check_photo_room (attach->visit, field, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  media = g_new0 (VervalVisitMedia, 1);
  g_strlcpy (media->sha256, photo->sha256, sizeof media->sha256);
  media->field_id = g_strdup (attach->field_id);
  media->role = g_strdup (attach->role);
  media->size = photo->size;
  media->width = photo->width;
  media->height = photo->height;
  media->taken = photo->taken != NULL ? g_date_time_ref (photo->taken) : NULL;
  media->has_location = photo->has_location;
  media->latitude = photo->latitude;
  media->longitude = photo->longitude;
  media->accuracy = photo->accuracy_m;
  media->added_at = g_get_real_time () / G_USEC_PER_SEC;
  if (!verval_visit_add_media (attach->visit, media, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_strlcpy (attach->sha256, media->sha256, sizeof attach->sha256);

  snapshot = snapshot_new (self, attach->visit, verval_visit_get_answers (attach->visit),
                           VERVAL_VISIT_STATE_DRAFT, REVISION_KEEP_OR_BUMP);
  snapshot->add = g_steal_pointer (&media);
  data = write_data_new (attach->visit, VERVAL_VISIT_STATE_DRAFT);
  data->added = g_strdup (attach->sha256);
  queue_write (self, g_task_new (self, NULL, attach_written, g_object_ref (task)), data, snapshot);
}

void
verval_visit_store_attach_photo_async (VervalVisitStore    *self,
                                       VervalVisit         *visit,
                                       const char          *field_id,
                                       const char          *path,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const VervalFormField *field;
  GError *error = NULL;
  AttachData *attach;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));
  g_return_if_fail (field_id != NULL);
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_attach_photo_async);
  if (!verval_visit_is_editable (visit))
    {
      g_task_return_new_error (task, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY,
                               _("This visit is finalized and can no longer be changed"));
      return;
    }
  field = lookup_photo_field (self, visit, field_id, &error);
  if (field == NULL || !check_photo_room (visit, field, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  attach = g_new0 (AttachData, 1);
  attach->visit = g_object_ref (visit);
  attach->field_id = g_strdup (field_id);
  attach->role = g_strdup (field->role != NULL ? field->role : field_id);
  g_task_set_task_data (task, attach, (GDestroyNotify) attach_data_free);
  verval_photo_import_file_async (path, verval_store_get_media_dir (self->store), &self->photo_options,
                                  cancellable, attach_imported, g_steal_pointer (&task));
}

const VervalVisitMedia *
verval_visit_store_attach_photo_finish (VervalVisitStore  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
verval_visit_store_remove_photo_async (VervalVisitStore    *self,
                                       VervalVisit         *visit,
                                       const char          *sha256,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(VervalVisitMedia) media = NULL;
  const VervalVisitMedia *found;
  GTask *task;
  GError *error = NULL;
  WriteData *data;
  Snapshot *snapshot;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));
  g_return_if_fail (sha256 != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_remove_photo_async);
  found = verval_visit_lookup_media (visit, sha256);
  if (found == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  media = verval_visit_media_copy (found);
  if (!verval_visit_remove_media (visit, sha256, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  snapshot = snapshot_new (self, visit, verval_visit_get_answers (visit),
                           VERVAL_VISIT_STATE_DRAFT, REVISION_KEEP_OR_BUMP);
  snapshot->remove = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (snapshot->remove, g_strdup (sha256));
  data = write_data_new (visit, VERVAL_VISIT_STATE_DRAFT);
  data->removed_media = g_steal_pointer (&media);
  queue_write (self, task, data, snapshot);
}

gboolean
verval_visit_store_remove_photo_finish (VervalVisitStore  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* finalize, reopen */

static char *
describe_issues (VervalForm             *form,
                 const VervalFormResult *result)
{
  GString *text = g_string_new (NULL);
  guint n = 0;

  for (guint i = 0; i < result->issues->len; i++)
    {
      const VervalFormIssue *issue = g_ptr_array_index (result->issues, i);

      if (issue->severity == VERVAL_SEVERITY_ERROR)
        n++;
    }
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                             "The visit cannot be finalized: %u answer needs attention",
                                             "The visit cannot be finalized: %u answers need attention",
                                             n), n);
  for (guint i = 0; i < result->issues->len; i++)
    {
      const VervalFormIssue *issue = g_ptr_array_index (result->issues, i);
      const VervalFormField *field = verval_form_lookup_field (form, issue->field_id);

      if (issue->severity != VERVAL_SEVERITY_ERROR)
        continue;
      g_string_append_printf (text, "\n• %s: %s",
                              field != NULL ? verval_form_text (&field->label) : issue->field_id,
                              issue->message);
    }
  return g_string_free (text, FALSE);
}

static gboolean
answers_hold_hash (JsonObject *answers,
                   const char *field_id,
                   const char *sha256)
{
  JsonNode *node = json_object_get_member (answers, field_id);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING &&
          strcmp (json_node_get_string (element), sha256) == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct {
  VervalFormResult *check;
} FinalizeData;

static void
finalize_data_free (FinalizeData *data)
{
  g_clear_pointer (&data->check, verval_form_result_free);
  g_free (data);
}

static void
finalize_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
verval_visit_store_finalize_async (VervalVisitStore    *self,
                                   VervalVisit         *visit,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDateTime) now = NULL;
  VervalFormResult *check;
  FinalizeData *finalize_data;
  GError *error = NULL;
  VervalForm *form;
  GPtrArray *media;
  WriteData *data;
  Snapshot *snapshot;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_finalize_async);
  if (!verval_visit_is_editable (visit))
    {
      g_task_return_new_error (task, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_READ_ONLY,
                               _("This visit is finalized and can no longer be changed"));
      return;
    }
  form = verval_visit_store_get_form (self, verval_visit_get_form_id (visit),
                                      verval_visit_get_form_version (visit), &error);
  if (form == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  now = g_date_time_new_now_utc ();
  check = verval_form_validate (form, verval_visit_get_answers (visit), now);
  finalize_data = g_new0 (FinalizeData, 1);
  finalize_data->check = check;
  g_task_set_task_data (task, finalize_data, (GDestroyNotify) finalize_data_free);
  if (verval_form_result_has_errors (check))
    {
      g_autofree char *message = describe_issues (form, check);

      g_task_return_new_error (task, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_INVALID,
                               "%s", message);
      return;
    }

  /* Hidden answers are dropped, and with them the photos they held. */
  data = write_data_new (visit, VERVAL_VISIT_STATE_FINAL);
  data->finished = g_date_time_ref (now);
  data->answers = json_object_ref (check->answers);
  data->media = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_visit_media_free);
  snapshot = snapshot_new (self, visit, check->answers, VERVAL_VISIT_STATE_FINAL,
                           REVISION_FINALIZE);
  snapshot->finished_at = g_date_time_to_unix (now);
  snapshot->remove = g_ptr_array_new_with_free_func (g_free);
  media = verval_visit_get_media (visit);
  for (guint i = 0; i < media->len; i++)
    {
      VervalVisitMedia *m = g_ptr_array_index (media, i);

      if (answers_hold_hash (check->answers, m->field_id, m->sha256))
        g_ptr_array_add (data->media, verval_visit_media_copy (m));
      else
        g_ptr_array_add (snapshot->remove, g_strdup (m->sha256));
    }
  queue_write (self, g_task_new (self, NULL, finalize_written, g_steal_pointer (&task)),
               data, snapshot);
}

gboolean
verval_visit_store_finalize_finish (VervalVisitStore  *self,
                                    GAsyncResult      *result,
                                    VervalFormResult **issues,
                                    GError           **error)
{
  FinalizeData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  data = g_task_get_task_data (G_TASK (result));
  if (issues != NULL)
    *issues = data != NULL ? g_steal_pointer (&data->check) : NULL;
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
verval_visit_store_reopen_async (VervalVisitStore    *self,
                                 VervalVisit         *visit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  Snapshot *snapshot;

  g_return_if_fail (VERVAL_IS_VISIT_STORE (self));
  g_return_if_fail (VERVAL_IS_VISIT (visit));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_visit_store_reopen_async);
  if (!verval_visit_state_can_change (verval_visit_get_state (visit), VERVAL_VISIT_STATE_DRAFT))
    {
      g_task_return_new_error (task, VERVAL_VISIT_ERROR, VERVAL_VISIT_ERROR_TRANSITION,
                               _("Only a visit sent back by a supervisor can be reopened"));
      g_object_unref (task);
      return;
    }
  snapshot = snapshot_new (self, visit, NULL, VERVAL_VISIT_STATE_DRAFT, REVISION_BUMP);
  queue_write (self, task, write_data_new (visit, VERVAL_VISIT_STATE_DRAFT), snapshot);
}

gboolean
verval_visit_store_reopen_finish (VervalVisitStore  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
