/* verval-sync.c: the sync engine: enrollment, upload, pulls and when to run
 *
 * A sync runs on a worker thread from start to end, in the order the
 * protocol wants: device status, assignments (by cursor), photos the
 * collector lacks, visits in bounded gzip'd batches, review decisions (by
 * cursor). Reads and writes of the store go through the store thread
 * (verval_store_run_sync), each change in one transaction together with the
 * cursor or acknowledgement it depends on, so a sync cut at any point —
 * crash, kill -9, a dropped link — leaves a store from which the next sync
 * simply continues: an acknowledged visit is marked sent in the same
 * transaction that reads the answer, an unacknowledged one goes again and
 * the collector answers "duplicate".
 *
 * The scheduler lives on the main context: app start, network-up and
 * network-changed, a periodic timer, "Sync now", a finalized visit, and
 * retries with exponential backoff and jitter after a failure.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "verval-http.h"
#include "verval-photo.h"
#include "verval-regions.h"
#include "verval-sync.h"
#include "verval-sync-identity.h"
#include "verval-visit-store.h"
#include "verval-wire.h"
#include "verval-json.h"
#include "verval-wire-visit.h"

#define DEFAULT_BACKOFF_BASE_MS   (30 * 1000)
#define DEFAULT_BACKOFF_CAP_MS    (30 * 60 * 1000)
#define DEFAULT_PERIODIC_SECONDS  (20 * 60)
#define DEFAULT_BATCH_VISITS      100
#define DEFAULT_BATCH_BYTES       (1024 * 1024)
#define DEFAULT_PARALLEL_UPLOADS  6
#define PAGE_SIZE                 500
#define QUEUE_DELAY_MS            2000
#define NETWORK_DELAY_MS          1000
#define MAX_MEDIA_ROUNDS          3
#define MARK_EVERY                8
#define MISSING_QUERY_MAX         500   /* names per POST /media/missing */
#define MAX_PUT_ATTEMPTS          4     /* per photo: continue from where the collector is */
#define BUSY_WAIT_MS              1000

/* sync_state keys */
#define KEY_URL                VERVAL_SYNC_KEY_URL
#define KEY_ENUMERATOR         VERVAL_SYNC_KEY_ENUMERATOR
#define KEY_DEVICE             VERVAL_SYNC_KEY_DEVICE
#define KEY_DEVICE_NAME        VERVAL_SYNC_KEY_DEVICE_NAME
#define KEY_ASSIGNMENTS_CURSOR "assignments_cursor"
#define KEY_REVIEWS_CURSOR     "reviews_cursor"
#define KEY_LAST_SUCCESS       VERVAL_SYNC_KEY_LAST_SUCCESS
#define KEY_LAST_ERROR         "last_error"
#define KEY_LAST_ERROR_CODE    "last_error_code"

struct _VervalSync
{
  GObject              parent_instance;

  VervalStore         *store;
  GNetworkMonitor     *monitor;
  gulong               monitor_handler;
  GMainContext        *context;

  /* settings (set on the main thread before syncs; read by workers) */
  guint                backoff_base_ms;
  guint                backoff_cap_ms;
  guint                periodic_seconds;
  guint                connect_seconds;
  guint                low_speed_bytes;
  guint                low_speed_seconds;
  guint                max_batch_visits;
  gsize                max_batch_bytes;
  guint                parallel_uploads;
  char                *ca_file;
  VervalSecretBackend  secret_backend;

  GMutex               lock;        /* http, bytes_sent_done */
  GMutex               run_lock;    /* held by whichever thread syncs */
  VervalHttp          *http;
  guint64              bytes_sent_done;

  /* published state (main context) */
  VervalSyncState      state;
  double               fraction;
  char                *activity;
  char                *message;
  guint                queue_depth;
  guint                n_quarantined;
  gint64               last_success;
  gint64               next_attempt;
  char                *collector_url;
  gboolean             running;

  /* scheduler (main context) */
  gboolean             started;
  gboolean             shut_down;
  guint                failures;
  guint                retry_source;
  guint                periodic_source;
  guint                soon_source;
  GCancellable        *cancellable;  /* of the running sync */
  GPtrArray           *current;      /* GTasks this run completes */
  GPtrArray           *waiting;      /* GTasks for the run after it */
  char                *again_trigger;
};

G_DEFINE_FINAL_TYPE (VervalSync, verval_sync, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (VervalSyncState, verval_sync_state,
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_NOT_ENROLLED, "not-enrolled"),
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_DONE, "done"),
  G_DEFINE_ENUM_VALUE (VERVAL_SYNC_STATE_PROBLEM, "problem"))

G_DEFINE_BOXED_TYPE (VervalSyncLogEntry, verval_sync_log_entry,
                     verval_sync_log_entry_copy, verval_sync_log_entry_free)

enum {
  PROP_0,
  PROP_STATE,
  PROP_FRACTION,
  PROP_ACTIVITY,
  PROP_MESSAGE,
  PROP_QUEUE_DEPTH,
  PROP_N_QUARANTINED,
  PROP_LAST_SUCCESS,
  PROP_NEXT_ATTEMPT,
  PROP_COLLECTOR_URL,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule_after_run (VervalSync *self);

VervalSyncLogEntry *
verval_sync_log_entry_copy (const VervalSyncLogEntry *entry)
{
  VervalSyncLogEntry *copy = g_memdup2 (entry, sizeof *entry);

  copy->trigger = g_strdup (entry->trigger);
  copy->outcome = g_strdup (entry->outcome);
  copy->message = g_strdup (entry->message);
  return copy;
}

void
verval_sync_log_entry_free (VervalSyncLogEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->trigger);
  g_free (entry->outcome);
  g_free (entry->message);
  g_free (entry);
}

/* ================================================================ store side
 * Everything below up to "worker side" runs on the store thread. */

static char *
state_get (sqlite3    *db,
           const char *key)
{
  /* a missing table reads as a missing value: the next write says why */
  return verval_sync_state_get (db, key, NULL);
}

static gboolean
state_set (sqlite3     *db,
           const char  *key,
           const char  *value,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = verval_sqlite_prepare (db, "INSERT INTO sync_state (key, value) VALUES (?1, ?2) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, key);
  verval_sqlite_bind_text (stmt, 2, value != NULL ? value : "");
  return verval_sqlite_step_done (stmt, "save sync state", error);
}

static gint64
state_get_int (sqlite3    *db,
               const char *key)
{
  g_autofree char *text = state_get (db, key);

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
}

static gboolean
state_set_int (sqlite3     *db,
               const char  *key,
               gint64       value,
               GError     **error)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  return state_set (db, key, text, error);
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* --- config and counts */

typedef struct {
  char   *url;
  gint64  last_success;
  char   *last_error;
  char   *last_error_code;   /* verval_sync_error_code_name() of the last failure */
  guint   queue_depth;
  guint   n_quarantined;
  gint64  oldest_unsent;
  gint64  log_id;
} Snapshot;

static void
snapshot_free (Snapshot *s)
{
  g_free (s->url);
  g_free (s->last_error);
  g_free (s->last_error_code);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static void
snapshot_counts (sqlite3  *db,
                 Snapshot *s)
{
  s->queue_depth = query_int (db, "SELECT count(*) FROM visits WHERE state = 'final' AND quarantined = 0");
  s->n_quarantined = query_int (db, "SELECT count(*) FROM visits WHERE state = 'final' AND quarantined = 1");
  s->oldest_unsent = query_int (db, "SELECT coalesce (min (finished_at), 0) FROM visits "
                                    "WHERE state = 'final' AND quarantined = 0");
}

static gpointer
db_snapshot (sqlite3       *db,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  Snapshot *s = g_new0 (Snapshot, 1);

  s->url = state_get (db, KEY_URL);
  if (s->url != NULL && s->url[0] == '\0')
    g_clear_pointer (&s->url, g_free);
  s->last_success = state_get_int (db, KEY_LAST_SUCCESS);
  s->last_error = state_get (db, KEY_LAST_ERROR);
  s->last_error_code = state_get (db, KEY_LAST_ERROR_CODE);
  snapshot_counts (db, s);
  return s;
}

/* Opens the log row; a row still "running" is from a sync that was killed. */
static gpointer
db_begin_run (sqlite3       *db,
              gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  const char *trigger = data;
  g_autoptr(Snapshot) s = NULL;
  g_autoptr(sqlite3_stmt) interrupted = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  interrupted = verval_sqlite_prepare (db, "UPDATE sync_log SET outcome = 'interrupted', finished_at = ?1 "
                                           "WHERE outcome = 'running'", error);
  if (interrupted == NULL)
    return NULL;
  sqlite3_bind_int64 (interrupted, 1, now);
  if (!verval_sqlite_step_done (interrupted, "close interrupted syncs", error))
    return NULL;
  insert = verval_sqlite_prepare (db, "INSERT INTO sync_log (started_at, trigger) VALUES (?1, ?2)", error);
  if (insert == NULL)
    return NULL;
  sqlite3_bind_int64 (insert, 1, now);
  verval_sqlite_bind_text (insert, 2, trigger);
  if (!verval_sqlite_step_done (insert, "open sync log", error))
    return NULL;
  s = db_snapshot (db, NULL, NULL, error);
  s->log_id = sqlite3_last_insert_rowid (db);
  return g_steal_pointer (&s);
}

typedef struct {
  gint64           log_id;
  gboolean         ok;
  gboolean         cancelled;
  VervalSyncError  code;
  char            *message;
  guint            n_visits, n_media, n_rejected, n_assignments, n_reviews;
  guint64          bytes_sent;
} RunEnd;

static gpointer
db_end_run (sqlite3       *db,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  RunEnd *e = data;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  stmt = verval_sqlite_prepare (db, "UPDATE sync_log SET finished_at = ?1, outcome = ?2, error_code = ?3, "
                                    "  message = ?4, n_visits = ?5, n_media = ?6, n_rejected = ?7, "
                                    "  n_assignments = ?8, n_reviews = ?9, bytes_sent = ?10 WHERE id = ?11",
                                error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, now);
      verval_sqlite_bind_text (stmt, 2, e->ok ? "ok" : e->cancelled ? "cancelled" : "failed");
      sqlite3_bind_int (stmt, 3, e->code);
      verval_sqlite_bind_text (stmt, 4, e->message);
      sqlite3_bind_int (stmt, 5, e->n_visits);
      sqlite3_bind_int (stmt, 6, e->n_media);
      sqlite3_bind_int (stmt, 7, e->n_rejected);
      sqlite3_bind_int (stmt, 8, e->n_assignments);
      sqlite3_bind_int (stmt, 9, e->n_reviews);
      sqlite3_bind_int64 (stmt, 10, e->bytes_sent);
      sqlite3_bind_int64 (stmt, 11, e->log_id);
      ok = verval_sqlite_step_done (stmt, "close sync log", error);
    }
  if (ok && e->ok)
    ok = state_set_int (db, KEY_LAST_SUCCESS, now, error) && state_set (db, KEY_LAST_ERROR, "", error) &&
         state_set (db, KEY_LAST_ERROR_CODE, "", error);
  else if (ok && !e->cancelled)
    ok = state_set (db, KEY_LAST_ERROR, e->message, error) &&
         state_set (db, KEY_LAST_ERROR_CODE, verval_sync_error_code_name (e->code), error);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return db_snapshot (db, NULL, NULL, error);
}

/* --- enrollment */

typedef struct {
  char *url;
  char *enumerator;
  char *device_id;
  char *device_name;
} EnrollData;

static void
enroll_data_free (EnrollData *d)
{
  g_free (d->url);
  g_free (d->enumerator);
  g_free (d->device_id);
  g_free (d->device_name);
  g_free (d);
}

static gpointer
db_save_enrollment (sqlite3       *db,
                    gpointer       data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  EnrollData *d = data;
  g_autofree char *old_url = state_get (db, KEY_URL);
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  ok = state_set (db, KEY_URL, d->url, error) &&
       state_set (db, KEY_ENUMERATOR, d->enumerator, error) &&
       state_set (db, KEY_DEVICE, d->device_id, error) &&
       state_set (db, KEY_DEVICE_NAME, d->device_name, error);
  /* cursors belong to one collector */
  if (ok && g_strcmp0 (old_url, d->url) != 0)
    ok = state_set_int (db, KEY_ASSIGNMENTS_CURSOR, 0, error) &&
         state_set_int (db, KEY_REVIEWS_CURSOR, 0, error);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

/* --- assignments */

typedef struct {
  JsonObject *page;
  char       *cursor;  /* next_cursor as sent */
  guint       n;       /* out: households new, changed or withdrawn */
} PageData;

/* The list names its villages; a collector that only knows the code still
 * gives the list a name to show, from the region table. */
static void
fill_region_names (VervalFamilyRecord *record)
{
  static const struct {
    VervalFamilyField field;
    guint             digits;  /* of the village code naming that level */
  } levels[] = {
    { VERVAL_FAMILY_FIELD_VILLAGE, 10 },
    { VERVAL_FAMILY_FIELD_KECAMATAN, 6 },
  };
  VervalRegions *regions = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autofree char *digits = NULL;
      const char *name;

      if (record->fields[levels[i].field][0] != '\0' ||
          strlen (record->village_code) < levels[i].digits)
        continue;
      if (regions == NULL)
        regions = verval_regions_get_default ();
      digits = g_strndup (record->village_code, levels[i].digits);
      name = verval_regions_lookup_name (regions, digits);
      if (name != NULL)
        {
          g_free (record->fields[levels[i].field]);
          record->fields[levels[i].field] = g_strdup (name);
        }
    }
}

static gpointer
db_apply_assignments (sqlite3       *db,
                      gpointer       data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  PageData *d = data;
  JsonArray *households = json_object_get_array_member (d->page, "households");
  JsonArray *withdrawn = json_object_get_array_member (d->page, "withdrawn");
  g_autoptr(VervalStoreWriter) writer = NULL;
  g_autoptr(sqlite3_stmt) withdraw = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  /* The import's own writer: a family the coordinator imported from a list
   * becomes the collector's (same family id, so its visits stay attached),
   * and an assigned family is as complete as an imported one. */
  writer = verval_store_writer_new (db, error);
  withdraw = writer == NULL ? NULL :
    verval_sqlite_prepare (db, "UPDATE households SET assignment = 'withdrawn', updated_at = ?2 "
                               "WHERE family_id = ?1 AND assignment <> 'withdrawn'", error);
  ok = withdraw != NULL;

  for (guint i = 0; ok && households != NULL && i < json_array_get_length (households); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(VervalFamilyRecord) record = NULL;

      record = verval_wire_family_from_json (json_array_get_element (households, i), &local_error);
      if (record == NULL)
        {
          /* One bad record must not stop the cursor: the others are fine,
           * and the collector sends this one again when it changes. */
          g_message ("Assignment %u of the page skipped: %s", i, local_error->message);
          continue;
        }
      fill_region_names (record);
      ok = verval_store_writer_put_assigned (writer, record, now, NULL, error);
      d->n++;
    }
  for (guint i = 0; ok && withdrawn != NULL && i < json_array_get_length (withdrawn); i++)
    {
      const char *id = json_array_get_string_element (withdrawn, i);

      if (id == NULL)
        continue;
      verval_sqlite_bind_text (withdraw, 1, id);
      sqlite3_bind_int64 (withdraw, 2, now);
      ok = verval_sqlite_step_done (withdraw, "withdraw a household", error);
      d->n += sqlite3_changes (db);
    }
  g_clear_pointer (&withdraw, sqlite3_finalize);
  g_clear_pointer (&writer, verval_store_writer_free);
  if (ok)
    ok = state_set (db, KEY_ASSIGNMENTS_CURSOR, d->cursor, error);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

/* --- reviews */

static gpointer
db_apply_reviews (sqlite3       *db,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  PageData *d = data;
  JsonArray *reviews = json_object_get_array_member (d->page, "reviews");
  sqlite3_stmt *read = NULL;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  read = verval_sqlite_prepare (db, "SELECT state, revision FROM visits WHERE uuid = ?1", error);
  ok = read != NULL;
  for (guint i = 0; ok && reviews != NULL && i < json_array_get_length (reviews); i++)
    {
      JsonNode *node = json_array_get_element (reviews, i);
      JsonObject *r = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *uuid, *decision;
      gint64 revision;

      if (r == NULL)
        continue;
      uuid = json_object_get_string_member_with_default (r, "visit_uuid", NULL);
      decision = json_object_get_string_member_with_default (r, "decision", NULL);
      revision = json_object_get_int_member_with_default (r, "revision", 0);
      if (uuid == NULL || g_strcmp0 (decision, "rejected") != 0)
        continue;
      sqlite3_reset (read);
      verval_sqlite_bind_text (read, 1, uuid);
      if (sqlite3_step (read) != SQLITE_ROW)
        continue;
      /* a decision on a revision we have since replaced is moot */
      if (g_strcmp0 ((const char *) sqlite3_column_text (read, 0), "sent") != 0 ||
          sqlite3_column_int64 (read, 1) != revision)
        {
          g_debug ("Review of %s r%" G_GINT64_FORMAT " does not apply", uuid, revision);
          continue;
        }
      sqlite3_reset (read);
      ok = verval_visit_store_change_state_in_db (db, uuid, VERVAL_VISIT_STATE_REJECTED, revision,
                                                  json_object_get_string_member_with_default (r, "comment", ""),
                                                  error);
      if (ok)
        d->n++;
    }
  sqlite3_finalize (read);
  if (ok)
    ok = state_set (db, KEY_REVIEWS_CURSOR, d->cursor, error);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

static gpointer
db_get_cursor (sqlite3       *db,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  char *value = state_get (db, data);

  return value != NULL ? value : g_strdup ("0");
}

/* Starts a pull over: the collector no longer knows the stored cursor. */
static gpointer
db_restart_cursor (sqlite3       *db,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return state_set (db, data, "0", error) ? GINT_TO_POINTER (TRUE) : NULL;
}

/* --- media */

typedef struct {
  char    sha256[65];
  guint64 size;
  guint64  offset;   /* bytes the collector already holds */
  gboolean busy;     /* an upload of it is running on the collector */
} MediaItem;

static gpointer
db_media_todo (sqlite3       *db,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  GArray *items = g_array_new (FALSE, FALSE, sizeof (MediaItem));
  sqlite3_stmt *stmt;
  int rc;

  stmt = verval_sqlite_prepare (db, "SELECT m.sha256, max (m.size) FROM visit_media m "
                                    "JOIN visits v ON v.uuid = m.visit_uuid "
                                    "WHERE v.state = 'final' AND v.quarantined = 0 AND m.uploaded = 0 "
                                    "GROUP BY m.sha256 ORDER BY min (v.finished_at), m.sha256", error);
  if (stmt == NULL)
    {
      g_array_unref (items);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      MediaItem item = { 0 };

      g_strlcpy (item.sha256, (const char *) sqlite3_column_text (stmt, 0), sizeof item.sha256);
      item.size = sqlite3_column_int64 (stmt, 1);
      g_array_append_val (items, item);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "list photos to send");
      g_array_unref (items);
      return NULL;
    }
  return items;
}

typedef struct {
  GPtrArray *hashes;   /* char* */
  gboolean   uploaded;
  char      *reason;   /* quarantine the visits using them, if set */
} MarkData;

static void
mark_data_free (MarkData *d)
{
  g_ptr_array_unref (d->hashes);
  g_free (d->reason);
  g_free (d);
}

static gpointer
db_mark_media (sqlite3       *db,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  MarkData *d = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  if (d->reason != NULL)
    stmt = verval_sqlite_prepare (db, "UPDATE visits SET quarantined = 1, sync_error = ?2 "
                                      "WHERE state = 'final' AND uuid IN "
                                      "  (SELECT visit_uuid FROM visit_media WHERE sha256 = ?1)", error);
  else
    stmt = verval_sqlite_prepare (db, "UPDATE visit_media SET uploaded = ?2 WHERE sha256 = ?1", error);
  ok = stmt != NULL;
  for (guint i = 0; ok && i < d->hashes->len; i++)
    {
      verval_sqlite_bind_text (stmt, 1, g_ptr_array_index (d->hashes, i));
      if (d->reason != NULL)
        verval_sqlite_bind_text (stmt, 2, d->reason);
      else
        sqlite3_bind_int (stmt, 2, d->uploaded ? 1 : 0);
      ok = verval_sqlite_step_done (stmt, "mark photos", error);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

/* --- visits */

typedef struct {
  /* in */
  char      *after_uuid;      /* keyset: (finished_at, uuid) > these */
  gint64     after_time;
  guint      max_visits;
  gsize      max_bytes;
  /* out */
  GString   *json;
  GPtrArray *uuids;
  GArray    *revisions;
  guint      n_local_refused;
} BatchData;

static void
batch_data_free (BatchData *d)
{
  g_free (d->after_uuid);
  if (d->json != NULL)
    g_string_free (d->json, TRUE);
  g_clear_pointer (&d->uuids, g_ptr_array_unref);
  g_clear_pointer (&d->revisions, g_array_unref);
  g_free (d);
}

/* Device times go with the device's offset: the collector keeps it for
 * local-time questions (WIB, WITA, WIT). */
static GDateTime *
column_time (sqlite3_stmt *stmt,
             int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  return g_date_time_new_from_unix_local (sqlite3_column_int64 (stmt, column));
}

static void
add_time (JsonBuilder *b,
          const char  *name,
          gint64       unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_seconds);

  verval_json_add_time (b, name, time);
}

static gboolean
quarantine_locally (sqlite3     *db,
                    const char  *uuid,
                    const char  *reason)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = verval_sqlite_prepare (db, "UPDATE visits SET quarantined = 1, sync_error = ?2 WHERE uuid = ?1",
                                NULL);
  if (stmt == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, uuid);
  verval_sqlite_bind_text (stmt, 2, reason);
  return verval_sqlite_step_done (stmt, "quarantine a visit", NULL);
}

/* The visit's fix as recorded: a missing accuracy, altitude, time or
 * source goes as missing, never with the fix dropped. */
static VervalLocationFix *
column_fix (sqlite3_stmt *row)
{
  g_autoptr(GDateTime) time = NULL;
  VervalLocationSource source;
  VervalLocationFix *fix;

  if (sqlite3_column_type (row, 9) == SQLITE_NULL || sqlite3_column_type (row, 10) == SQLITE_NULL)
    return NULL;
  time = column_time (row, 14);
  verval_location_source_from_string ((const char *) sqlite3_column_text (row, 12), &source);
  fix = verval_location_fix_new (source, sqlite3_column_double (row, 9), sqlite3_column_double (row, 10),
                                 sqlite3_column_type (row, 11) != SQLITE_NULL
                                 ? sqlite3_column_double (row, 11) : -1, time);
  if (fix != NULL && sqlite3_column_type (row, 13) != SQLITE_NULL)
    {
      fix->has_altitude = TRUE;
      fix->altitude = sqlite3_column_double (row, 13);
    }
  return fix;
}

/* One visit as the wire wants it, or NULL (and a reason) if it cannot go. */
static JsonNode *
visit_to_json (sqlite3_stmt  *row,
               sqlite3_stmt  *media,
               char         **reason)
{
  g_autoptr(VervalWireVisit) visit = verval_wire_visit_new ();
  const char *uuid = (const char *) sqlite3_column_text (row, 0);
  const char *family_id = (const char *) sqlite3_column_text (row, 2);
  int rc;

  if (family_id == NULL || family_id[0] == '\0')
    {
      *reason = g_strdup (_("This household did not come from the server, so the visit cannot be sent."));
      return NULL;
    }
  visit->answers = json_from_string ((const char *) sqlite3_column_text (row, 5), NULL);
  if (visit->answers == NULL || !JSON_NODE_HOLDS_OBJECT (visit->answers))
    {
      *reason = g_strdup (_("The stored answers of this visit are damaged."));
      return NULL;
    }

  visit->uuid = g_strdup (uuid);
  visit->revision = sqlite3_column_int64 (row, 1);
  visit->household_id = g_strdup (family_id);
  visit->form_id = g_strdup ((const char *) sqlite3_column_text (row, 3));
  visit->form_version = sqlite3_column_int64 (row, 4);
  visit->result_code = sqlite3_column_int64 (row, 6);
  visit->started_at = column_time (row, 7);
  visit->finished_at = column_time (row, 8);
  visit->location = column_fix (row);

  sqlite3_reset (media);
  verval_sqlite_bind_text (media, 1, uuid);
  while ((rc = sqlite3_step (media)) == SQLITE_ROW)
    {
      g_autoptr(GDateTime) taken = column_time (media, 3);

      g_ptr_array_add (visit->media,
                       verval_wire_media_new ((const char *) sqlite3_column_text (media, 0),
                                              (const char *) sqlite3_column_text (media, 1),
                                              sqlite3_column_int64 (media, 2), taken));
    }
  if (rc != SQLITE_DONE)
    return NULL;
  return verval_wire_visit_to_json (visit);
}

static gpointer
db_read_batch (sqlite3       *db,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  BatchData *d = data;
  sqlite3_stmt *rows, *media;
  int rc;

  rows = verval_sqlite_prepare (db, "SELECT v.uuid, v.revision, h.family_id, v.form_id, v.form_version, "
                                    "  v.answers, v.result_code, v.started_at, "
                                    "  coalesce (v.finished_at, v.updated_at), v.latitude, v.longitude, "
                                    "  v.accuracy, v.location_source, v.altitude, v.location_time "
                                    "FROM visits v JOIN households h ON h.id = v.household_id "
                                    "WHERE v.state = 'final' AND v.quarantined = 0 "
                                    "  AND (coalesce (v.finished_at, v.updated_at), v.uuid) > (?1, ?2) "
                                    "ORDER BY coalesce (v.finished_at, v.updated_at), v.uuid LIMIT ?3",
                                error);
  if (rows == NULL)
    return NULL;
  media = verval_sqlite_prepare (db, "SELECT sha256, role, size, taken_at FROM visit_media "
                                     "WHERE visit_uuid = ?1 ORDER BY position, sha256", error);
  if (media == NULL)
    {
      sqlite3_finalize (rows);
      return NULL;
    }
  sqlite3_bind_int64 (rows, 1, d->after_time);
  verval_sqlite_bind_text (rows, 2, d->after_uuid != NULL ? d->after_uuid : "");
  sqlite3_bind_int (rows, 3, d->max_visits);

  d->json = g_string_new ("{\"visits\":[");
  d->uuids = g_ptr_array_new_with_free_func (g_free);
  d->revisions = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (rows)) == SQLITE_ROW)
    {
      const char *uuid = (const char *) sqlite3_column_text (rows, 0);
      g_autofree char *reason = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;
      gsize length;
      gint64 revision = sqlite3_column_int64 (rows, 1);

      node = visit_to_json (rows, media, &reason);
      if (node == NULL)
        {
          if (reason != NULL)
            {
              g_message ("Visit %s stays on the device: %s", uuid, reason);
              quarantine_locally (db, uuid, reason);
              d->n_local_refused++;
            }
        }
      else
        {
          text = verval_json_to_string (node, &length);
          /* a visit that does not fit opens the next batch */
          if (d->uuids->len > 0 && d->json->len + length + 2 > d->max_bytes)
            break;
          if (d->uuids->len > 0)
            g_string_append_c (d->json, ',');
          g_string_append_len (d->json, text, length);
          g_ptr_array_add (d->uuids, g_strdup (uuid));
          g_array_append_val (d->revisions, revision);
        }
      d->after_time = sqlite3_column_int64 (rows, 8);
      g_free (d->after_uuid);
      d->after_uuid = g_strdup (uuid);
    }
  sqlite3_finalize (rows);
  sqlite3_finalize (media);
  g_string_append (d->json, "]}");
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      verval_sqlite_set_error (error, db, "read visits to send");
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

typedef struct {
  JsonArray *results;
  GPtrArray *uuids;
  GArray    *revisions;
  guint      n_sent;
  guint      n_rejected;
  guint      n_missing;
  GPtrArray *missing;   /* char*: hashes the collector lacks */
} OutcomeData;

/* Adds line to a text of lines unless it holds it already: the same
 * sentence for ten bad answers is noise. */
static void
append_line_once (GString    *text,
                  const char *line)
{
  g_autofree char *lines = g_strconcat ("\n", text->str, "\n", NULL);
  g_autofree char *bounded = g_strconcat ("\n", line, "\n", NULL);

  if (strstr (lines, bounded) != NULL)
    return;
  if (text->len > 0)
    g_string_append_c (text, '\n');
  g_string_append (text, line);
}

/* A refusal as the coordinator reads it, one reason a line, and its codes,
 * one a line and each once, kept beside it so that a later version can
 * tell the reasons apart without reading translated text. */
static char *
describe_refusal (JsonObject  *result,
                  char       **codes_out)
{
  JsonNode *member = json_object_get_member (result, "errors");
  JsonArray *errors = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
  GString *text = g_string_new (NULL);
  GString *codes = g_string_new (NULL);

  for (guint i = 0; errors != NULL && i < json_array_get_length (errors); i++)
    {
      JsonNode *node = json_array_get_element (errors, i);
      JsonObject *p = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *code;
      g_autofree char *line = NULL;

      if (p == NULL)
        continue;
      code = verval_json_string (json_object_get_member (p, "code"));
      line = verval_sync_message_for_problem (code, verval_json_string (json_object_get_member (p, "field")),
                                              verval_json_string (json_object_get_member (p, "message")));
      append_line_once (text, line);
      if (code != NULL)
        append_line_once (codes, code);
    }
  if (text->len == 0)
    g_string_append (text, _("The server refused this visit."));
  *codes_out = g_string_free (codes, FALSE);
  return g_string_free (text, FALSE);
}

/* Applies a batch's answer in one transaction: an acknowledgement is
 * recorded whole or (on a crash) not at all, and then sent again. */
static gpointer
db_apply_outcomes (sqlite3       *db,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  OutcomeData *d = data;
  g_autoptr(sqlite3_stmt) refuse = NULL;
  g_autoptr(sqlite3_stmt) unmark = NULL;
  gboolean ok;

  if (!verval_sqlite_begin (db, error))
    return NULL;
  refuse = verval_sqlite_prepare (db, "UPDATE visits SET quarantined = 1, sync_error = ?3, "
                                      "  refusal_codes = ?4 "
                                      "WHERE uuid = ?1 AND revision = ?2 AND state = 'final'", error);
  unmark = refuse == NULL ? NULL :
    verval_sqlite_prepare (db, "UPDATE visit_media SET uploaded = 0 WHERE sha256 = ?1", error);
  ok = unmark != NULL;
  for (guint i = 0; ok && i < json_array_get_length (d->results); i++)
    {
      JsonObject *r = json_array_get_object_element (d->results, i);
      const char *uuid = g_ptr_array_index (d->uuids, i);
      gint64 revision = g_array_index (d->revisions, gint64, i);
      const char *status = json_object_get_string_member_with_default (r, "status", "");

      if (g_str_equal (status, "stored") || g_str_equal (status, "duplicate") ||
          g_str_equal (status, "replaced"))
        {
          if (verval_visit_store_change_state_in_db (db, uuid, VERVAL_VISIT_STATE_SENT, revision, NULL, error))
            d->n_sent++;
          else if (error != NULL && *error != NULL)
            ok = FALSE;
        }
      else if (g_str_equal (status, "rejected"))
        {
          g_autofree char *codes = NULL;
          g_autofree char *reason = describe_refusal (r, &codes);

          verval_sqlite_bind_text (refuse, 1, uuid);
          sqlite3_bind_int64 (refuse, 2, revision);
          verval_sqlite_bind_text (refuse, 3, reason);
          verval_sqlite_bind_text (refuse, 4, codes);
          ok = verval_sqlite_step_done (refuse, "quarantine a visit", error);
          d->n_rejected++;
          g_message ("Visit %s r%" G_GINT64_FORMAT " refused by the collector", uuid, revision);
        }
      else if (g_str_equal (status, "missing_media"))
        {
          JsonArray *missing = json_object_has_member (r, "missing_media") &&
                               JSON_NODE_HOLDS_ARRAY (json_object_get_member (r, "missing_media"))
                               ? json_object_get_array_member (r, "missing_media") : NULL;

          d->n_missing++;
          for (guint m = 0; ok && missing != NULL && m < json_array_get_length (missing); m++)
            {
              const char *sha = json_array_get_string_element (missing, m);

              if (sha == NULL)
                continue;
              verval_sqlite_bind_text (unmark, 1, sha);
              ok = verval_sqlite_step_done (unmark, "mark a photo to send again", error);
              g_ptr_array_add (d->missing, g_strdup (sha));
            }
        }
    }
  g_clear_pointer (&refuse, sqlite3_finalize);
  g_clear_pointer (&unmark, sqlite3_finalize);
  if (!verval_sqlite_end (db, ok, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

typedef struct {
  char *uuid;
  guint n;
} ReleaseData;

static void
release_data_free (ReleaseData *d)
{
  g_free (d->uuid);
  g_free (d);
}

static gpointer
db_release (sqlite3       *db,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  ReleaseData *d = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = verval_sqlite_prepare (db, "UPDATE visits SET quarantined = 0, sync_error = '', refusal_codes = '' "
                                    "WHERE quarantined = 1 AND (?1 IS NULL OR uuid = ?1)", error);
  if (stmt == NULL)
    return NULL;
  verval_sqlite_bind_text (stmt, 1, d->uuid);
  if (!verval_sqlite_step_done (stmt, "release visits", error))
    return NULL;
  return db_snapshot (db, NULL, NULL, error);
}

static gpointer
db_list_log (sqlite3       *db,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_sync_log_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = verval_sqlite_prepare (db, "SELECT id, started_at, coalesce (finished_at, 0), trigger, outcome, "
                                    "  error_code, message, n_visits, n_media, n_rejected, n_assignments, "
                                    "  n_reviews, bytes_sent "
                                    "FROM sync_log ORDER BY id DESC LIMIT ?1", error);
  if (stmt == NULL)
    {
      g_ptr_array_unref (entries);
      return NULL;
    }
  sqlite3_bind_int (stmt, 1, GPOINTER_TO_UINT (data));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      VervalSyncLogEntry *e = g_new0 (VervalSyncLogEntry, 1);

      e->id = sqlite3_column_int64 (stmt, 0);
      e->started_at = sqlite3_column_int64 (stmt, 1);
      e->finished_at = sqlite3_column_int64 (stmt, 2);
      e->trigger = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      e->outcome = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      e->error_code = sqlite3_column_int (stmt, 5);
      e->message = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      e->n_visits = sqlite3_column_int (stmt, 7);
      e->n_media = sqlite3_column_int (stmt, 8);
      e->n_rejected = sqlite3_column_int (stmt, 9);
      e->n_assignments = sqlite3_column_int (stmt, 10);
      e->n_reviews = sqlite3_column_int (stmt, 11);
      e->bytes_sent = sqlite3_column_int64 (stmt, 12);
      g_ptr_array_add (entries, e);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "read the sync log");
      g_ptr_array_unref (entries);
      return NULL;
    }
  return entries;
}

/* ================================================================ worker side
 * A sync's own thread. The store is reached through verval_store_run_sync;
 * the main context only through invoke (progress, results). */

typedef struct {
  VervalSync   *self;
  char         *trigger;
  GCancellable *cancellable;
  VervalHttp   *http;
  char         *url;
  char         *media_dir;
  gint64        log_id;
  guint64       bytes_before;
  guint64       bytes_extra;     /* of the extra upload connections */
  guint         n_visits, n_media, n_rejected, n_assignments, n_reviews;
  gboolean      households_changed;

  /* parallel photo uploads */
  GMutex        media_lock;
  GArray       *media;           /* MediaItem */
  GArray       *media_retry;     /* MediaItem handed back by a failed connection */
  guint         media_next;
  guint         media_total;
  guint         media_done;
  GPtrArray    *media_uploaded;  /* char*, not yet marked in the store */
  GPtrArray    *media_corrupt;   /* char* */
  GPtrArray    *media_gone;      /* char* */
  GError       *media_error;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->self);
  g_free (run->trigger);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->http);
  g_free (run->url);
  g_free (run->media_dir);
  g_mutex_clear (&run->media_lock);
  g_clear_pointer (&run->media, g_array_unref);
  g_clear_pointer (&run->media_retry, g_array_unref);
  g_clear_pointer (&run->media_uploaded, g_ptr_array_unref);
  g_clear_pointer (&run->media_corrupt, g_ptr_array_unref);
  g_clear_pointer (&run->media_gone, g_ptr_array_unref);
  g_clear_error (&run->media_error);
  g_free (run);
}

typedef struct {
  VervalSync *self;
  double      fraction;
  char       *activity;
  gboolean    households_changed;
} Progress;

static void
progress_free (Progress *p)
{
  g_object_unref (p->self);
  g_free (p->activity);
  g_free (p);
}

static gboolean
progress_cb (gpointer data)
{
  Progress *p = data;
  VervalSync *self = p->self;

  if (p->households_changed)
    {
      verval_store_households_changed (self->store);
      return G_SOURCE_REMOVE;
    }
  if (!self->running)
    return G_SOURCE_REMOVE;
  if (self->fraction != p->fraction)
    {
      self->fraction = p->fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  if (g_strcmp0 (self->activity, p->activity) != 0)
    {
      g_free (self->activity);
      self->activity = g_strdup (p->activity);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVITY]);
    }
  return G_SOURCE_REMOVE;
}

/* Phases share the bar: status 2%, assignments 8%, photos 60%, visits 25%,
 * reviews 5%. */
static void
report (Run        *run,
        double      base,
        double      span,
        double      part,
        const char *activity)
{
  Progress *p = g_new0 (Progress, 1);

  p->self = g_object_ref (run->self);
  p->fraction = CLAMP (base + span * CLAMP (part, 0.0, 1.0), 0.0, 1.0);
  p->activity = g_strdup (activity);
  g_main_context_invoke_full (run->self->context, G_PRIORITY_DEFAULT, progress_cb, p,
                              (GDestroyNotify) progress_free);
}

static void
report_households_changed (Run *run)
{
  Progress *p = g_new0 (Progress, 1);

  p->self = g_object_ref (run->self);
  p->households_changed = TRUE;
  g_main_context_invoke_full (run->self->context, G_PRIORITY_DEFAULT, progress_cb, p,
                              (GDestroyNotify) progress_free);
}

/* An HTTP status that is not among the expected ones becomes a sync error. */
static gboolean
check_status (VervalHttpResponse  *response,
              const char          *what,
              GError             **error)
{
  g_autofree char *message = NULL;
  g_autofree char *code = NULL;
  VervalSyncError kind;

  if (response->status >= 200 && response->status < 300)
    return TRUE;
  code = verval_http_response_dup_error_code (response, &message);
  if (response->status >= 500)
    kind = VERVAL_SYNC_ERROR_SERVER;
  else if (g_strcmp0 (code, "invalid_token") == 0 || g_strcmp0 (code, "token_revoked") == 0 ||
           g_strcmp0 (code, "auth_required") == 0 || response->status == 401)
    kind = VERVAL_SYNC_ERROR_TOKEN_REFUSED;
  else if (g_strcmp0 (code, "enumerator_disabled") == 0)
    kind = VERVAL_SYNC_ERROR_ACCOUNT_DISABLED;
  else if (g_strcmp0 (code, "invalid_enrollment_code") == 0)
    kind = VERVAL_SYNC_ERROR_CODE_REFUSED;
  else if (g_strcmp0 (code, "enrollment_code_expired") == 0)
    kind = VERVAL_SYNC_ERROR_CODE_EXPIRED;
  else if (g_strcmp0 (code, "enrollment_code_used") == 0)
    kind = VERVAL_SYNC_ERROR_CODE_USED;
  else if (g_strcmp0 (code, "too_many_attempts") == 0 || response->status == 429)
    kind = VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS;
  else if (code == NULL && response->status != 404)
    kind = VERVAL_SYNC_ERROR_PROTOCOL;
  else
    kind = VERVAL_SYNC_ERROR_REFUSED;
  /* English, for the log; the coordinator reads verval_sync_message_for_error */
  g_set_error (error, VERVAL_SYNC_ERROR, kind, "%s: HTTP %u %s%s%s", what, response->status,
               code != NULL ? code : "", message != NULL ? ": " : "", message != NULL ? message : "");
  if (error != NULL)
    verval_sync_error_set_retry_after (*error, response->retry_after);
  return FALSE;
}

static JsonObject *
response_object (VervalHttpResponse  *response,
                 const char          *what,
                 GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = verval_http_response_get_json (response, &local_error);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL, "%s: the answer is not a JSON object%s%s",
                   what, local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static VervalHttp *
new_http (VervalSync  *self,
          const char  *url,
          const char  *token,
          GError     **error)
{
  VervalHttp *http = verval_http_new (url, error);

  if (http == NULL)
    return NULL;
  verval_http_set_token (http, token);
  verval_http_set_ca_file (http, self->ca_file);
  verval_http_set_timeouts (http, self->connect_seconds, self->low_speed_bytes, self->low_speed_seconds);
  return http;
}

/* The main connection is kept between syncs (a warm TLS session). */
static VervalHttp *
get_http (VervalSync  *self,
          const char  *url,
          const char  *token,
          GError     **error)
{
  VervalHttp *http;

  g_mutex_lock (&self->lock);
  if (self->http != NULL && g_strcmp0 (verval_http_get_base_url (self->http), url) != 0)
    {
      self->bytes_sent_done += verval_http_get_bytes_sent (self->http);
      g_clear_object (&self->http);
    }
  if (self->http == NULL)
    self->http = new_http (self, url, token, error);
  else
    {
      verval_http_set_token (self->http, token);
      verval_http_set_ca_file (self->http, self->ca_file);
      verval_http_set_timeouts (self->http, self->connect_seconds, self->low_speed_bytes,
                                self->low_speed_seconds);
    }
  http = self->http != NULL ? g_object_ref (self->http) : NULL;
  g_mutex_unlock (&self->lock);
  return http;
}

/* --- steps */

static gboolean
step_status (Run       *run,
             Snapshot  *snapshot,
             GError   **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GFile) dir = g_file_new_for_path (run->media_dir);
  g_autoptr(GFileInfo) fs = NULL;
  g_autoptr(VervalHttpResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  gsize length;

  report (run, 0.0, 0.02, 0.0, _("Reporting the device status"));
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "app_version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "queue_depth");
  json_builder_add_int_value (b, snapshot->queue_depth);
  if (snapshot->oldest_unsent > 0)
    add_time (b, "oldest_unsent", snapshot->oldest_unsent);
  fs = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, run->cancellable, NULL);
  if (fs != NULL)
    {
      json_builder_set_member_name (b, "free_disk");
      json_builder_add_int_value (b, g_file_info_get_attribute_uint64 (fs, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
    }
  if (snapshot->last_error != NULL && snapshot->last_error[0] != '\0')
    {
      /* g_utf8_substring() reads past the end of a shorter string. */
      g_autofree char *clipped = g_utf8_strlen (snapshot->last_error, -1) > 300
                                   ? g_utf8_substring (snapshot->last_error, 0, 300)
                                   : g_strdup (snapshot->last_error);

      json_builder_set_member_name (b, "last_error");
      json_builder_add_string_value (b, clipped);
    }
  /* the message is for people and changes with the language; the code is
   * what a supervisor's dashboard counts repeats of */
  if (snapshot->last_error_code != NULL && snapshot->last_error_code[0] != '\0')
    {
      json_builder_set_member_name (b, "last_error_code");
      json_builder_add_string_value (b, snapshot->last_error_code);
    }
  if (snapshot->last_success > 0)
    add_time (b, "last_sync", snapshot->last_success);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = verval_json_to_string (root, &length);
  body = g_bytes_new_take (g_steal_pointer (&text), length);

  response = verval_http_request (run->http, "POST", "api/v1/status", "application/json", body, FALSE,
                                  run->cancellable, error);
  return response != NULL && check_status (response, "status", error);
}

/* Pulls pages until the collector says there is no more; each page and its
 * cursor are committed together. */
static gboolean
step_pull (Run         *run,
           const char  *endpoint,
           const char  *cursor_key,
           VervalStoreFunc apply,
           double       base,
           double       span,
           const char  *activity,
           guint       *n_applied,
           GError     **error)
{
  gboolean more = TRUE, restarted = FALSE;
  guint pages = 0;

  report (run, base, span, 0.0, activity);
  while (more)
    {
      g_autofree char *cursor = NULL;
      g_autofree char *escaped = NULL;
      g_autofree char *path = NULL;
      g_autoptr(VervalHttpResponse) response = NULL;
      g_autoptr(JsonObject) page = NULL;
      PageData d = { 0 };
      JsonNode *next;

      cursor = verval_store_run_sync (run->self->store, db_get_cursor, (gpointer) cursor_key,
                                      run->cancellable, error);
      if (cursor == NULL)
        return FALSE;
      /* cursors are opaque: whatever came back goes back, escaped */
      escaped = g_uri_escape_string (cursor, NULL, FALSE);
      path = g_strdup_printf ("api/v1/%s?cursor=%s&limit=%u", endpoint, escaped, PAGE_SIZE);
      response = verval_http_request (run->http, "GET", path, NULL, NULL, FALSE, run->cancellable, error);
      if (response != NULL && response->status == 400 && !restarted &&
          !g_str_equal (cursor, "0"))
        {
          g_autofree char *code = verval_http_response_dup_error_code (response, NULL);

          /* a collector restored from an older backup has not given this
           * cursor yet: pull everything again, once (applying is by id,
           * so nothing doubles) */
          if (g_strcmp0 (code, "invalid_cursor") == 0)
            {
              g_message ("The collector does not know the %s cursor %s; pulling again from the start",
                         endpoint, cursor);
              restarted = TRUE;
              if (verval_store_run_sync (run->self->store, db_restart_cursor, (gpointer) cursor_key,
                                         NULL, error) == NULL)
                return FALSE;
              continue;
            }
        }
      if (response == NULL || !check_status (response, endpoint, error))
        return FALSE;
      page = response_object (response, endpoint, error);
      if (page == NULL)
        return FALSE;
      next = json_object_get_member (page, "next_cursor");
      if (next == NULL || !JSON_NODE_HOLDS_VALUE (next))
        {
          g_set_error (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL, "%s: no next_cursor", endpoint);
          return FALSE;
        }
      if (json_node_get_value_type (next) == G_TYPE_STRING)
        d.cursor = g_strdup (json_node_get_string (next));
      else
        d.cursor = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (next));
      more = json_object_get_boolean_member_with_default (page, "more", FALSE);
      d.page = page;
      /* once the answer is here it is applied even if the sync is cancelled */
      if (verval_store_run_sync (run->self->store, apply, &d, NULL, error) == NULL)
        {
          g_free (d.cursor);
          return FALSE;
        }
      *n_applied += d.n;
      g_free (d.cursor);
      report (run, base, span, 1.0 - 1.0 / (++pages + 1), activity);
      if (more && g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
mark_media (Run         *run,
            GPtrArray   *hashes,
            const char  *reason,
            GError     **error)
{
  MarkData *d;
  gboolean ok;

  if (hashes->len == 0)
    return TRUE;
  d = g_new0 (MarkData, 1);
  d->hashes = g_ptr_array_ref (hashes);
  d->uploaded = TRUE;
  d->reason = g_strdup (reason);
  ok = verval_store_run_sync (run->self->store, db_mark_media, d, NULL, error) != NULL;
  mark_data_free (d);
  return ok;
}

static void
add_locked (Run       *run,
            GPtrArray *list,
            const char *sha)
{
  g_mutex_lock (&run->media_lock);
  g_ptr_array_add (list, g_strdup (sha));
  g_mutex_unlock (&run->media_lock);
}

/* The offset in a collector's answer to a PUT: an acknowledged partial
 * (202) or a refused start (409 offset_mismatch); -1 if there is none. */
static gint64
answer_offset (VervalHttpResponse *response)
{
  g_autoptr(JsonNode) root = verval_http_response_get_json (response, NULL);
  JsonNode *member;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return -1;
  member = json_object_get_member (json_node_get_object (root), "offset");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (member);
}

/* A short wait that a cancellation cuts short. */
static void
wait_cancellable (GCancellable *cancellable,
                  guint         ms)
{
  for (guint waited = 0; waited < ms && !g_cancellable_is_cancelled (cancellable); waited += 50)
    g_usleep (50 * 1000);
}

typedef struct {
  guint64  offset;
  gboolean busy;
} MissingState;

/* POST /media/missing for n items: a table sha256 → MissingState of those
 * the collector lacks (all of them, from 0, for a collector that predates
 * the query), or NULL with an error. */
static GHashTable *
query_missing (Run         *run,
               VervalHttp  *http,
               MediaItem   *items,
               guint        n,
               GError     **error)
{
  g_autoptr(GHashTable) missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(VervalHttpResponse) response = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GBytes) body = NULL;
  JsonNode *list;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sha256");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    json_builder_add_string_value (b, items[i].sha256);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = verval_json_to_string (root, NULL);
  body = g_bytes_new_take (text, strlen (text));
  response = verval_http_request (http, "POST", "api/v1/media/missing", "application/json", body,
                                  FALSE, run->cancellable, error);
  if (response == NULL)
    return NULL;
  if (response->status == 404 || response->status == 405)
    {
      /* a collector from before the query: send them all, whole */
      for (guint i = 0; i < n; i++)
        g_hash_table_insert (missing, g_strdup (items[i].sha256), g_new0 (MissingState, 1));
      return g_steal_pointer (&missing);
    }
  if (!check_status (response, "media/missing", error) ||
      (answer = response_object (response, "media/missing", error)) == NULL)
    return NULL;
  list = json_object_get_member (answer, "missing");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL,
                           "media/missing: the answer has no \"missing\" list");
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (list), i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *sha = entry != NULL ? json_object_get_string_member_with_default (entry, "sha256", NULL) : NULL;
      MissingState *state;

      if (sha == NULL)
        continue;
      state = g_new0 (MissingState, 1);
      state->offset = MAX (json_object_get_int_member_with_default (entry, "offset", 0), 0);
      state->busy = g_strcmp0 (json_object_get_string_member_with_default (entry, "state", NULL),
                               "uploading") == 0;
      g_hash_table_insert (missing, g_strdup (sha), state);
    }
  return g_steal_pointer (&missing);
}

/* PUTs a photo from the offset the collector holds. A 409 tells where the
 * collector really is (a cut-off upload it kept more of than it had said,
 * a partial another connection of ours left) or that another upload of the
 * photo is running: continue from there, or wait a little. Returns NULL
 * with an error on a transport failure; otherwise the last answer. */
static VervalHttpResponse *
put_photo (Run         *run,
           VervalHttp  *use,
           const char  *path,
           const char  *file,
           MediaItem   *item,
           GError     **error)
{
  VervalHttpResponse *put = NULL;

  for (guint attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++)
    {
      g_autofree char *code = NULL;
      gint64 offset;

      if (item->busy)
        {
          g_autoptr(GHashTable) missing = NULL;
          MissingState *state;

          /* an upload of it is running (most often ours, cut off, that the
           * collector has not given up yet): wait, then ask where it
           * stands, rather than send the body to have it refused */
          g_debug ("Photo %s is being uploaded by another request; waiting", item->sha256);
          wait_cancellable (run->cancellable, BUSY_WAIT_MS);
          missing = query_missing (run, use, item, 1, error);
          if (missing == NULL)
            {
              g_clear_pointer (&put, verval_http_response_free);
              return NULL;
            }
          state = g_hash_table_lookup (missing, item->sha256);
          if (state == NULL)
            {
              /* it completed meanwhile: a PUT of the last byte says "existed" */
              item->offset = item->size - 1;
              item->busy = FALSE;
            }
          else
            {
              item->offset = state->offset;
              item->busy = state->busy;
              if (item->busy)
                continue;
            }
        }
      if (item->offset >= item->size)
        item->offset = 0;   /* nonsense for this file: let the collector say */
      g_clear_pointer (&put, verval_http_response_free);
      put = verval_http_put_file_range (use, path, file, "image/jpeg", item->offset, NULL, NULL,
                                        run->cancellable, error);
      if (put == NULL)
        return NULL;
      if (put->status != 409 && put->status != 202)
        break;
      offset = answer_offset (put);
      code = verval_http_response_dup_error_code (put, NULL);
      if (put->status == 409 && g_strcmp0 (code, "upload_in_progress") == 0)
        {
          item->busy = TRUE;
          continue;
        }
      if (offset < 0 || (guint64) offset >= item->size)
        break;
      g_debug ("Photo %s: the collector holds %" G_GINT64_FORMAT " bytes; continuing from there",
               item->sha256, offset);
      item->offset = offset;
    }
  if (put == NULL)
    {
      /* busy all along: stands for the collector's 409 */
      put = g_new0 (VervalHttpResponse, 1);
      put->status = 409;
    }
  return put;
}

/* Whether the device's own copy of a photo still hashes to its name. A
 * 422 from the collector may come from its partial (its disk, a bad
 * earlier connection) as well as from this file: only this check tells
 * a photo damaged here from one worth sending again. */
static gboolean
local_photo_intact (const char *file,
                    const char *sha256)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  g_autoptr(GFile) gfile = g_file_new_for_path (file);
  gssize n;

  in = g_file_read (gfile, NULL, NULL);
  if (in == NULL)
    return FALSE;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, 64 * 1024, NULL, NULL)) > 0)
    g_checksum_update (checksum, buffer, n);
  return n == 0 && g_str_equal (g_checksum_get_string (checksum), sha256);
}

/* One upload connection: PUT what the collector lacks, each photo from
 * what it already holds. */
typedef struct {
  Run        *run;
  VervalHttp *http;
  gboolean    extra;   /* not the sync's main connection */
} Uploader;

static gpointer
media_worker (gpointer data)
{
  Uploader *u = data;
  Run *run = u->run;
  VervalHttp *use = u->http;

  for (;;)
    {
      g_autoptr(VervalHttpResponse) put = NULL;
      g_autofree char *path = NULL;
      g_autofree char *file = NULL;
      g_autofree char *activity = NULL;
      g_autoptr(GPtrArray) flush = NULL;
      GError *error = NULL;
      MediaItem item;
      guint index, done, total;

      g_mutex_lock (&run->media_lock);
      if (run->media_error != NULL || run->media_next >= run->media->len ||
          g_cancellable_is_cancelled (run->cancellable))
        {
          g_mutex_unlock (&run->media_lock);
          break;
        }
      index = run->media_next++;
      item = g_array_index (run->media, MediaItem, index);
      g_mutex_unlock (&run->media_lock);

      file = verval_photo_build_path (run->media_dir, item.sha256, FALSE);
      if (file == NULL || !g_file_test (file, G_FILE_TEST_IS_REGULAR))
        {
          g_message ("Photo %s is missing from %s", item.sha256, run->media_dir);
          add_locked (run, run->media_gone, item.sha256);
          continue;
        }
      path = g_strconcat ("api/v1/media/", item.sha256, NULL);
      put = put_photo (run, use, path, file, &item, &error);
      if (put != NULL && put->status == 422 && local_photo_intact (file, item.sha256))
        {
          /* the collector's bytes were bad, not ours; it dropped them, so
           * the photo goes again whole */
          g_message ("The collector could not verify photo %s; sending it again from the start", item.sha256);
          g_clear_pointer (&put, verval_http_response_free);
          item.offset = 0;
          item.busy = FALSE;
          put = put_photo (run, use, path, file, &item, &error);
          if (put != NULL && put->status == 422)
            {
              /* not this device's fault either: the visit waits, and the
               * sync says it was not delivered */
              g_message ("Photo %s was refused again; it stays queued", item.sha256);
              continue;
            }
        }
      if (put != NULL && put->status == 422)
        {
          g_message ("Photo %s does not match its name on this device", item.sha256);
          add_locked (run, run->media_corrupt, item.sha256);
          continue;
        }
      if (put != NULL && put->status == 409)
        {
          /* still busy elsewhere: the visits' answer brings it back */
          g_message ("Photo %s could not be sent now: HTTP 409", item.sha256);
          continue;
        }
      if (put != NULL && (put->status == 202 || !check_status (put, "media", &error)))
        {
          if (put->status == 202)
            g_set_error (&error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL,
                         "media: the collector did not take photo %s whole", item.sha256);
          g_clear_pointer (&put, verval_http_response_free);
        }

      if (put == NULL)
        {
          g_mutex_lock (&run->media_lock);
          /* an extra connection that fails hands its photo back and
           * retires; the main one carries on, and only its failure (or a
           * refusal by the collector) ends the sync */
          if (u->extra && error->domain == VERVAL_HTTP_ERROR)
            {
              g_debug ("Upload connection gave up: %s", error->message);
              g_array_append_val (run->media_retry, item);
              g_error_free (error);
            }
          else if (run->media_error == NULL)
            run->media_error = error;
          else
            g_error_free (error);
          g_mutex_unlock (&run->media_lock);
          break;
        }
      g_mutex_lock (&run->media_lock);
      g_ptr_array_add (run->media_uploaded, g_strdup (item.sha256));
      done = ++run->media_done;
      total = run->media_total;
      run->n_media++;
      /* now and then, so a sync cut short does not ask about them again */
      if (run->media_uploaded->len >= MARK_EVERY)
        {
          flush = g_steal_pointer (&run->media_uploaded);
          run->media_uploaded = g_ptr_array_new_with_free_func (g_free);
        }
      g_mutex_unlock (&run->media_lock);
      if (flush != NULL && !mark_media (run, flush, NULL, &error))
        {
          g_warning ("Cannot mark photos as sent: %s", error->message);
          g_clear_error (&error);
        }
      activity = g_strdup_printf (_("Sending photo %u of %u"), done, total);
      report (run, 0.10, 0.60, (double) done / total, activity);
    }
  return NULL;
}

/* One round trip per MISSING_QUERY_MAX photos instead of a HEAD each (300
 * ms apiece on a bad link): which of run->media the collector lacks, and how
 * much of each it holds already. run->media keeps only those, each with its
 * offset; the ones the collector has go to media_uploaded to be marked. */
static gboolean
ask_missing (Run     *run,
             GError **error)
{
  g_autoptr(GArray) todo = g_array_new (FALSE, FALSE, sizeof (MediaItem));

  for (guint first = 0; first < run->media->len; first += MISSING_QUERY_MAX)
    {
      guint n = MIN (MISSING_QUERY_MAX, run->media->len - first);
      g_autoptr(GHashTable) missing = NULL;

      missing = query_missing (run, run->http, &g_array_index (run->media, MediaItem, first), n, error);
      if (missing == NULL)
        return FALSE;
      for (guint i = first; i < first + n; i++)
        {
          MediaItem item = g_array_index (run->media, MediaItem, i);
          MissingState *state = g_hash_table_lookup (missing, item.sha256);

          if (state != NULL)
            {
              item.offset = state->offset;
              item.busy = state->busy;
              g_array_append_val (todo, item);
            }
          else
            g_ptr_array_add (run->media_uploaded, g_strdup (item.sha256));
        }
    }
  g_array_unref (run->media);
  run->media = g_steal_pointer (&todo);
  return TRUE;
}

static gboolean
step_media (Run        *run,
            const char *token,
            GError    **error)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autofree Uploader *uploaders = NULL;
  guint n_workers;
  gboolean ok = TRUE;

  g_clear_pointer (&run->media, g_array_unref);
  run->media = verval_store_run_sync (run->self->store, db_media_todo, NULL, run->cancellable, error);
  if (run->media == NULL)
    return FALSE;
  if (run->media->len == 0)
    return TRUE;
  report (run, 0.10, 0.60, 0.0, _("Sending photos"));
  if (!ask_missing (run, error))
    return FALSE;
  run->media_next = 0;
  run->media_done = 0;
  run->media_total = run->media->len;
  n_workers = MIN (MAX (run->self->parallel_uploads, 1), run->media->len);

  /* One TCP connection cannot fill a lossy long link (its window halves on
   * every loss); a few in parallel can. Each worker owns one curl handle
   * and keeps its connection for the whole sync. */
  uploaders = g_new0 (Uploader, n_workers);
  for (guint i = 0; i < n_workers; i++)
    {
      uploaders[i].run = run;
      uploaders[i].extra = i > 0;
      uploaders[i].http = i == 0 ? g_object_ref (run->http) : new_http (run->self, run->url, token, NULL);
      if (uploaders[i].http == NULL)
        break;
      g_ptr_array_add (threads, g_thread_new ("verval-upload", media_worker, &uploaders[i]));
    }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  /* what retired connections handed back goes over the main one */
  if (run->media_error == NULL && run->media_retry->len > 0)
    {
      g_array_unref (run->media);
      run->media = g_steal_pointer (&run->media_retry);
      run->media_retry = g_array_new (FALSE, FALSE, sizeof (MediaItem));
      run->media_next = 0;
      media_worker (&uploaders[0]);
    }
  for (guint i = 0; i < n_workers && uploaders[i].http != NULL; i++)
    {
      if (i > 0)
        run->bytes_extra += verval_http_get_bytes_sent (uploaders[i].http);
      g_object_unref (uploaders[i].http);
    }

  ok = mark_media (run, run->media_uploaded, NULL, error);
  g_ptr_array_set_size (run->media_uploaded, 0);
  if (ok && (run->media_corrupt->len > 0 || run->media_gone->len > 0))
    report_households_changed (run);
  if (ok && run->media_corrupt->len > 0)
    ok = mark_media (run, run->media_corrupt,
                     _("A photo of this visit is damaged on this device and cannot be sent."), error);
  g_ptr_array_set_size (run->media_corrupt, 0);
  if (ok && run->media_gone->len > 0)
    ok = mark_media (run, run->media_gone,
                     _("A photo of this visit is missing from this device, so the visit cannot be sent."), error);
  g_ptr_array_set_size (run->media_gone, 0);
  if (ok && run->media_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&run->media_error));
      ok = FALSE;
    }
  return ok;
}

/* Sends every queued visit in bounded batches. *n_missing counts visits
 * the collector answered "missing media" for (their photos are marked to
 * go again). */
static gboolean
step_visits (Run     *run,
             guint   *n_missing,
             GError **error)
{
  g_autofree char *after_uuid = NULL;
  gint64 after_time = G_MININT64;
  guint n_batches = 0;
  guint max_visits = run->self->max_batch_visits;
  gsize max_bytes = run->self->max_batch_bytes;

  *n_missing = 0;
  for (;;)
    {
      g_autoptr(VervalHttpResponse) response = NULL;
      g_autoptr(JsonObject) answer = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autofree char *activity = NULL;
      BatchData *batch = g_new0 (BatchData, 1);
      OutcomeData outcome = { 0 };
      JsonArray *results;
      gboolean ok;

      batch->after_uuid = g_strdup (after_uuid);
      batch->after_time = after_time;
      batch->max_visits = max_visits;
      batch->max_bytes = max_bytes;
      if (verval_store_run_sync (run->self->store, db_read_batch, batch, run->cancellable, error) == NULL)
        {
          batch_data_free (batch);
          return FALSE;
        }
      /* Visits refused on the device change the household list too. */
      if (batch->n_local_refused > 0)
        report_households_changed (run);
      if (batch->uuids->len == 0)
        {
          gboolean more = batch->n_local_refused > 0;

          run->n_rejected += batch->n_local_refused;
          batch_data_free (batch);
          if (more)
            continue;
          break;
        }
      run->n_rejected += batch->n_local_refused;

      activity = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Sending %u visit", "Sending %u visits",
                                               batch->uuids->len), batch->uuids->len);
      report (run, 0.70, 0.25, 1.0 - 1.0 / (n_batches + 1.5), activity);
      body = g_bytes_new (batch->json->str, batch->json->len);
      response = verval_http_request (run->http, "POST", "api/v1/visits", "application/json", body, TRUE,
                                      run->cancellable, error);
      /* a collector with smaller limits: the same visits in halves */
      if (response != NULL && response->status == 413 && batch->uuids->len > 1)
        {
          max_visits = MAX (batch->uuids->len / 2, 1);
          max_bytes = MAX (batch->json->len / 2, 1024);
          g_debug ("Batch of %u visits too large; trying %u", batch->uuids->len, max_visits);
          batch_data_free (batch);
          continue;
        }
      /* the keyset moves on only once this batch has an answer */
      g_free (after_uuid);
      after_uuid = g_strdup (batch->after_uuid);
      after_time = batch->after_time;
      if (response == NULL || !check_status (response, "visits", error) ||
          (answer = response_object (response, "visits", error)) == NULL)
        {
          batch_data_free (batch);
          return FALSE;
        }
      results = json_object_has_member (answer, "results") &&
                JSON_NODE_HOLDS_ARRAY (json_object_get_member (answer, "results"))
                ? json_object_get_array_member (answer, "results") : NULL;
      ok = results != NULL && json_array_get_length (results) == batch->uuids->len;
      for (guint i = 0; ok && i < batch->uuids->len; i++)
        {
          JsonNode *node = json_array_get_element (results, i);

          ok = JSON_NODE_HOLDS_OBJECT (node) &&
               g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node), "uuid", NULL),
                          g_ptr_array_index (batch->uuids, i)) == 0;
        }
      if (!ok)
        {
          batch_data_free (batch);
          g_set_error_literal (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL,
                               "visits: the results do not match the batch");
          return FALSE;
        }

      outcome.results = results;
      outcome.uuids = batch->uuids;
      outcome.revisions = batch->revisions;
      outcome.missing = g_ptr_array_new_with_free_func (g_free);
      /* never cancelled: the collector has committed, so must we */
      ok = verval_store_run_sync (run->self->store, db_apply_outcomes, &outcome, NULL, error) != NULL;
      g_ptr_array_unref (outcome.missing);
      batch_data_free (batch);
      if (!ok)
        return FALSE;
      run->n_visits += outcome.n_sent;
      run->n_rejected += outcome.n_rejected;
      *n_missing += outcome.n_missing;
      run->households_changed = TRUE;
      n_batches++;
      report_households_changed (run);
      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/* The whole sync. Returns the snapshot after it (counts for the indicator)
 * or NULL; *error says why it stopped. */
static Snapshot *
do_sync (Run     *run,
         GError **error)
{
  VervalSync *self = run->self;
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *token = NULL;
  RunEnd e = { 0 };
  Snapshot *after;

  before = verval_store_run_sync (self->store, db_begin_run, run->trigger, NULL, error);
  if (before == NULL)
    return NULL;
  run->log_id = before->log_id;
  run->media_dir = g_strdup (verval_store_get_media_dir (self->store));

  if (before->url == NULL)
    g_set_error_literal (&local_error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_NOT_ENROLLED, "Not enrolled");
  else
    {
      run->url = g_strdup (before->url);
      token = verval_secret_lookup_token (verval_store_get_data_dir (self->store), run->url,
                                          self->secret_backend, run->cancellable, &local_error);
      if (token == NULL && local_error == NULL)
        g_set_error_literal (&local_error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_NOT_ENROLLED,
                             "No device token stored");
      else if (local_error != NULL)
        g_prefix_error (&local_error, "Cannot read the device token: ");
    }
  if (local_error == NULL)
    run->http = get_http (self, run->url, token, &local_error);
  if (run->http != NULL)
    run->bytes_before = verval_http_get_bytes_sent (run->http);

  if (local_error == NULL)
    {
      guint rounds = 0, n_missing = 0;
      gboolean ok;

      ok = step_status (run, before, &local_error) &&
           step_pull (run, "assignments", KEY_ASSIGNMENTS_CURSOR, db_apply_assignments, 0.02, 0.08,
                      _("Checking for new assignments"), &run->n_assignments, &local_error);
      if (ok && run->n_assignments > 0)
        report_households_changed (run);
      /* photos first: a batch whose photos are not there is not stored */
      while (ok && rounds++ < MAX_MEDIA_ROUNDS)
        {
          ok = step_media (run, token, &local_error) && step_visits (run, &n_missing, &local_error);
          if (n_missing == 0)
            break;
          g_debug ("%u visits lacked photos on the collector; again", n_missing);
        }
      if (ok)
        ok = step_pull (run, "reviews", KEY_REVIEWS_CURSOR, db_apply_reviews, 0.95, 0.05,
                        _("Checking for review decisions"), &run->n_reviews, &local_error);
      if (ok && run->n_reviews > 0)
        report_households_changed (run);
      /* a visit whose photos the collector still lacks did not arrive: a
       * sync that leaves one behind is no success, and its retry (with
       * backoff) is what gets the visit there */
      if (ok && n_missing > 0)
        g_set_error (&local_error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_SERVER,
                     "%u visits were not delivered: the collector still lacks their photos", n_missing);
    }

  e.log_id = run->log_id;
  e.ok = local_error == NULL;
  e.cancelled = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  e.code = verval_sync_error_classify (local_error);
  if (local_error != NULL)
    {
      e.message = verval_sync_message_for_error (e.code, NULL);
      g_message ("Sync (%s) stopped: %s", run->trigger, local_error->message);
    }
  else
    e.message = g_strdup ("");
  e.n_visits = run->n_visits;
  e.n_media = run->n_media;
  e.n_rejected = run->n_rejected;
  e.n_assignments = run->n_assignments;
  e.n_reviews = run->n_reviews;
  if (run->http != NULL)
    e.bytes_sent = verval_http_get_bytes_sent (run->http) - run->bytes_before + run->bytes_extra;
  g_mutex_lock (&self->lock);
  self->bytes_sent_done += run->bytes_extra;
  g_mutex_unlock (&self->lock);
  after = verval_store_run_sync (self->store, db_end_run, &e, NULL, error);
  g_free (e.message);
  if (after == NULL)
    return NULL;
  if (local_error != NULL)
    {
      snapshot_free (after);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return after;
}

static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Run *run = task_data;
  GError *error = NULL;
  Snapshot *after;

  g_mutex_lock (&run->self->run_lock);
  after = do_sync (run, &error);
  g_mutex_unlock (&run->self->run_lock);
  if (after == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, after, (GDestroyNotify) snapshot_free);
}

static Run *
run_new (VervalSync   *self,
         const char   *trigger,
         GCancellable *cancellable)
{
  Run *run = g_new0 (Run, 1);

  run->self = g_object_ref (self);
  run->trigger = g_strdup (trigger != NULL ? trigger : "manual");
  run->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  g_mutex_init (&run->media_lock);
  run->media_uploaded = g_ptr_array_new_with_free_func (g_free);
  run->media_retry = g_array_new (FALSE, FALSE, sizeof (MediaItem));
  run->media_corrupt = g_ptr_array_new_with_free_func (g_free);
  run->media_gone = g_ptr_array_new_with_free_func (g_free);
  return run;
}

/* --- enrollment (worker) */

typedef struct {
  char *url;
  char *code;
  char *device_name;
} EnrollRequest;

static void
enroll_request_free (EnrollRequest *r)
{
  g_free (r->url);
  if (r->code != NULL)
    memset (r->code, 0, strlen (r->code));
  g_free (r->code);
  g_free (r->device_name);
  g_free (r);
}

static gboolean
do_enroll (VervalSync     *self,
           EnrollRequest  *r,
           char          **url_out,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autoptr(VervalHttp) http = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(VervalHttpResponse) response = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text = NULL;
  EnrollData *d;
  JsonObject *enumerator;
  const char *token;
  gsize length;
  gboolean ok;

  url = verval_http_check_url (r->url, error);
  if (url == NULL)
    return FALSE;
  http = new_http (self, url, NULL, error);
  if (http == NULL)
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, r->code);
  json_builder_set_member_name (b, "device_name");
  json_builder_add_string_value (b, r->device_name);
  json_builder_set_member_name (b, "app_version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = verval_json_to_string (root, &length);
  body = g_bytes_new_take (g_steal_pointer (&text), length);

  response = verval_http_request (http, "POST", "api/v1/enroll", "application/json", body, FALSE,
                                  cancellable, error);
  if (response == NULL || !check_status (response, "enroll", error) ||
      (answer = response_object (response, "enroll", error)) == NULL)
    return FALSE;
  token = json_object_get_string_member_with_default (answer, "token", NULL);
  if (token == NULL || strlen (token) < 16)
    {
      g_set_error_literal (error, VERVAL_SYNC_ERROR, VERVAL_SYNC_ERROR_PROTOCOL, "enroll: no token in the answer");
      return FALSE;
    }
  if (!verval_secret_store_token (verval_store_get_data_dir (self->store), url, token,
                                  self->secret_backend, cancellable, error))
    {
      g_prefix_error (error, "Cannot keep the device token: ");
      return FALSE;
    }

  d = g_new0 (EnrollData, 1);
  d->url = g_strdup (url);
  enumerator = json_object_has_member (answer, "enumerator") &&
               JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "enumerator"))
               ? json_object_get_object_member (answer, "enumerator") : NULL;
  d->enumerator = g_strdup (enumerator != NULL ? json_object_get_string_member_with_default (enumerator, "name", "") : "");
  d->device_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member_with_default (answer, "device_id", 0));
  d->device_name = g_strdup (r->device_name);
  ok = verval_store_run_sync (self->store, db_save_enrollment, d, NULL, error) != NULL;
  enroll_data_free (d);
  if (ok && url_out != NULL)
    *url_out = g_steal_pointer (&url);
  return ok;
}

static void
enroll_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  char *url = NULL;

  if (do_enroll (source_object, task_data, &url, cancellable, &error))
    g_task_return_pointer (task, url, g_free);
  else
    g_task_return_error (task, error);
}

/* ================================================================ main context */

static void
set_string (VervalSync  *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_uint (VervalSync *self,
          guint      *field,
          guint       value,
          guint       prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int64 (VervalSync *self,
           gint64     *field,
           gint64      value,
           guint       prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_state (VervalSync      *self,
           VervalSyncState  state,
           const char      *message)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  set_string (self, &self->message, message, PROP_MESSAGE);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
apply_snapshot (VervalSync *self,
                Snapshot   *s)
{
  set_string (self, &self->collector_url, s->url, PROP_COLLECTOR_URL);
  set_uint (self, &self->queue_depth, s->queue_depth, PROP_QUEUE_DEPTH);
  set_uint (self, &self->n_quarantined, s->n_quarantined, PROP_N_QUARANTINED);
  set_int64 (self, &self->last_success, s->last_success, PROP_LAST_SUCCESS);
}

static void
show_done (VervalSync *self)
{
  g_autofree char *message = NULL;

  if (self->n_quarantined > 0)
    {
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "The server refused %u visit; open it to see why",
                                              "The server refused %u visits; open them to see why",
                                              self->n_quarantined), self->n_quarantined);
      set_state (self, VERVAL_SYNC_STATE_PROBLEM, message);
      return;
    }
  if (self->last_success > 0)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (self->last_success);
      g_autofree char *when = g_date_time_format (t, "%H:%M");

      /* Translators: %s is a time like 17:45 */
      message = g_strdup_printf (_("All sent at %s"), when);
    }
  set_state (self, VERVAL_SYNC_STATE_DONE, message);
}

static gboolean retry_cb (gpointer data);
static gboolean periodic_cb (gpointer data);

/* A collector's Retry-After is honoured up to this: a typo on the server
 * must not silence a device for days. */
#define MAX_RETRY_AFTER_S (6 * 60 * 60)

static guint
backoff_ms (VervalSync *self)
{
  guint64 delay = self->backoff_base_ms;

  for (guint i = 1; i < self->failures && delay < self->backoff_cap_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->backoff_cap_ms);
  /* the upper half at random: devices that lost the network together do
   * not come back together */
  return (guint) (delay / 2 + g_random_int_range (0, (gint32) MAX (delay / 2, 1)));
}

static void
schedule_retry (VervalSync *self,
                guint       delay_ms)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, retry_cb, self, NULL);
  set_int64 (self, &self->next_attempt, g_get_real_time () / G_USEC_PER_SEC + (delay_ms + 999) / 1000,
             PROP_NEXT_ATTEMPT);
}

static void start_run (VervalSync *self,
                       const char *trigger);

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  VervalSync *self = VERVAL_SYNC (source);
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->current);
  g_autoptr(GError) error = NULL;
  g_autoptr(Snapshot) after = g_task_propagate_pointer (G_TASK (result), &error);
  VervalSyncError code = verval_sync_error_classify (error);

  self->current = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_object (&self->cancellable);
  self->running = FALSE;
  self->fraction = 0;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  set_string (self, &self->activity, NULL, PROP_ACTIVITY);

  if (after != NULL)
    {
      apply_snapshot (self, after);
      self->failures = 0;
      set_int64 (self, &self->next_attempt, 0, PROP_NEXT_ATTEMPT);
      show_done (self);
    }
  else if (code == VERVAL_SYNC_ERROR_CANCELLED)
    set_state (self, VERVAL_SYNC_STATE_IDLE, NULL);
  else if (code == VERVAL_SYNC_ERROR_NOT_ENROLLED)
    {
      g_autofree char *message = verval_sync_message_for_error (code, NULL);

      set_state (self, VERVAL_SYNC_STATE_NOT_ENROLLED, message);
    }
  else
    {
      g_autofree char *message = NULL;
      gboolean transient = verval_sync_error_is_transient (code);

      self->failures++;
      if (!self->shut_down && self->started)
        {
          g_autoptr(GDateTime) next = NULL;
          /* a problem a person must fix is still retried, but rarely */
          guint64 delay = transient ? backoff_ms (self) : self->backoff_cap_ms;
          guint retry_after = MIN (verval_sync_error_get_retry_after (error), MAX_RETRY_AFTER_S);

          /* never sooner than the collector asked: a store that is down
           * or an address throttled is not helped by knocking */
          schedule_retry (self, (guint) MAX (delay, (guint64) retry_after * 1000));
          next = g_date_time_new_from_unix_utc (self->next_attempt);
          message = verval_sync_message_for_error (code, transient ? next : NULL);
        }
      else
        message = verval_sync_message_for_error (code, NULL);
      if (transient && (code == VERVAL_SYNC_ERROR_OFFLINE || code == VERVAL_SYNC_ERROR_UNREACHABLE) &&
          !g_network_monitor_get_network_available (self->monitor))
        set_state (self, VERVAL_SYNC_STATE_OFFLINE, message);
      else
        set_state (self, transient ? VERVAL_SYNC_STATE_WAITING : VERVAL_SYNC_STATE_PROBLEM, message);
    }
  g_object_thaw_notify (G_OBJECT (self));

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }

  if (self->again_trigger != NULL && !self->shut_down)
    {
      g_autofree char *trigger = g_steal_pointer (&self->again_trigger);
      g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

      self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_extend_and_steal (self->current, g_steal_pointer (&waiting));
      start_run (self, trigger);
      return;
    }
  schedule_after_run (self);
}

static void
start_run (VervalSync *self,
           const char *trigger)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_assert (!self->running);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->soon_source, g_source_remove);
  self->cancellable = g_cancellable_new ();
  run = run_new (self, trigger, self->cancellable);
  self->running = TRUE;
  self->fraction = 0;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  set_int64 (self, &self->next_attempt, 0, PROP_NEXT_ATTEMPT);
  set_state (self, VERVAL_SYNC_STATE_SYNCING, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  task = g_task_new (self, NULL, run_done_cb, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  g_task_run_in_thread (task, sync_thread);
}

/* A run for a trigger: now if idle, else right after the current one. */
static void
request_run (VervalSync *self,
             const char *trigger,
             GTask      *task)
{
  if (self->shut_down)
    {
      if (task != NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The sync engine was shut down");
      return;
    }
  if (!self->running)
    {
      if (task != NULL)
        g_ptr_array_add (self->current, g_object_ref (task));
      start_run (self, trigger);
      return;
    }
  if (task != NULL)
    g_ptr_array_add (self->waiting, g_object_ref (task));
  if (self->again_trigger == NULL)
    self->again_trigger = g_strdup (trigger);
}

static gboolean
retry_cb (gpointer data)
{
  VervalSync *self = data;

  self->retry_source = 0;
  request_run (self, "retry", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
soon_cb (gpointer data)
{
  VervalSync *self = data;
  const char *trigger = g_object_get_data (G_OBJECT (self), "soon-trigger");

  self->soon_source = 0;
  request_run (self, trigger != NULL ? trigger : "queue", NULL);
  return G_SOURCE_REMOVE;
}

static void
run_soon (VervalSync *self,
          const char *trigger,
          guint       delay_ms)
{
  if (self->shut_down || self->soon_source != 0)
    return;
  g_object_set_data_full (G_OBJECT (self), "soon-trigger", g_strdup (trigger), g_free);
  self->soon_source = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, soon_cb, self, NULL);
}

static gboolean
periodic_cb (gpointer data)
{
  VervalSync *self = data;

  if (!self->running && self->retry_source == 0)
    request_run (self, "timer", NULL);
  return G_SOURCE_CONTINUE;
}

static void
schedule_after_run (VervalSync *self)
{
  if (!self->started || self->shut_down || self->periodic_source != 0 || self->periodic_seconds == 0)
    return;
  self->periodic_source = g_timeout_add_seconds (self->periodic_seconds, periodic_cb, self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    VervalSync      *self)
{
  if (!available)
    {
      if (!self->running && self->state == VERVAL_SYNC_STATE_WAITING)
        set_state (self, VERVAL_SYNC_STATE_OFFLINE, self->message);
      return;
    }
  /* the link came back or changed: whatever the backoff said, try now */
  g_debug ("Network changed; syncing soon");
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->failures = 0;
  run_soon (self, "network", NETWORK_DELAY_MS);
}

/* ================================================================ public API */

void
verval_sync_run_async (VervalSync          *self,
                       const char          *trigger,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VERVAL_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_sync_run_async);
  request_run (self, trigger != NULL ? trigger : "manual", task);
}

gboolean
verval_sync_run_finish (VervalSync    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
verval_sync_run_sync (VervalSync    *self,
                      const char    *trigger,
                      GCancellable  *cancellable,
                      GError       **error)
{
  Run *run;
  Snapshot *after;

  g_return_val_if_fail (VERVAL_IS_SYNC (self), FALSE);

  run = run_new (self, trigger, cancellable);
  g_mutex_lock (&self->run_lock);
  after = do_sync (run, error);
  g_mutex_unlock (&self->run_lock);
  run_free (run);
  if (after == NULL)
    return FALSE;
  snapshot_free (after);
  return TRUE;
}

void
verval_sync_enroll_async (VervalSync          *self,
                          const char          *url,
                          const char          *code,
                          const char          *device_name,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  EnrollRequest *r;

  g_return_if_fail (VERVAL_IS_SYNC (self));
  g_return_if_fail (url != NULL && code != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_sync_enroll_async);
  r = g_new0 (EnrollRequest, 1);
  r->url = g_strdup (url);
  r->code = g_strdup (code);
  r->device_name = g_strdup (device_name != NULL && device_name[0] != '\0' ? device_name : g_get_host_name ());
  g_task_set_task_data (task, r, (GDestroyNotify) enroll_request_free);
  g_task_run_in_thread (task, enroll_thread);
}

gboolean
verval_sync_enroll_finish (VervalSync    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_autofree char *url = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  url = g_task_propagate_pointer (G_TASK (result), error);
  if (url == NULL)
    return FALSE;
  set_string (self, &self->collector_url, url, PROP_COLLECTOR_URL);
  set_state (self, VERVAL_SYNC_STATE_IDLE, NULL);
  /* the first sync brings the assignments */
  if (self->started)
    run_soon (self, "enroll", 0);
  return TRUE;
}

gboolean
verval_sync_enroll_sync (VervalSync    *self,
                         const char    *url,
                         const char    *code,
                         const char    *device_name,
                         GCancellable  *cancellable,
                         GError       **error)
{
  EnrollRequest r = { (char *) url, (char *) code,
                      (char *) (device_name != NULL ? device_name : g_get_host_name ()) };

  g_return_val_if_fail (VERVAL_IS_SYNC (self), FALSE);
  g_return_val_if_fail (url != NULL && code != NULL, FALSE);

  return do_enroll (self, &r, NULL, cancellable, error);
}

static void
snapshot_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(VervalSync) self = user_data;
  g_autoptr(Snapshot) s = verval_store_run_finish (VERVAL_STORE (source), result, NULL);

  if (s == NULL)
    return;
  apply_snapshot (self, s);
  if (self->running)
    return;
  if (s->url == NULL)
    {
      g_autofree char *message = verval_sync_message_for_error (VERVAL_SYNC_ERROR_NOT_ENROLLED, NULL);

      set_state (self, VERVAL_SYNC_STATE_NOT_ENROLLED, message);
    }
  else if (self->state == VERVAL_SYNC_STATE_NOT_ENROLLED)
    set_state (self, VERVAL_SYNC_STATE_IDLE, NULL);
}

static void
refresh_snapshot (VervalSync *self)
{
  verval_store_run_async (self->store, db_snapshot, NULL, NULL, (GDestroyNotify) snapshot_free, NULL,
                          snapshot_done_cb, g_object_ref (self));
}

void
verval_sync_start (VervalSync *self)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  if (self->started || self->shut_down)
    return;
  self->started = TRUE;
  self->monitor_handler = g_signal_connect (self->monitor, "network-changed",
                                            G_CALLBACK (network_changed_cb), self);
  request_run (self, "start", NULL);
}

void
verval_sync_sync_now (VervalSync *self)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->failures = 0;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  request_run (self, "manual", NULL);
}

void
verval_sync_queue_changed (VervalSync *self)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  refresh_snapshot (self);
  /* during a backoff the retry will take it along */
  if (self->started && self->retry_source == 0)
    run_soon (self, "queue", QUEUE_DELAY_MS);
}

void
verval_sync_shutdown (VervalSync *self)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->shut_down = TRUE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->periodic_source, g_source_remove);
  g_clear_handle_id (&self->soon_source, g_source_remove);
  g_clear_signal_handler (&self->monitor_handler, self->monitor);
  g_clear_pointer (&self->again_trigger, g_free);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->waiting->len; i++)
    g_task_return_new_error (g_ptr_array_index (self->waiting, i), G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The sync engine was shut down");
  g_ptr_array_set_size (self->waiting, 0);
}

static void
release_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VervalSync *self = g_task_get_source_object (task);
  GError *error = NULL;
  Snapshot *s = verval_store_run_finish (VERVAL_STORE (source), result, &error);

  if (s == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  apply_snapshot (self, s);
  snapshot_free (s);
  /* Released visits leave the "refused" filter of the household list. */
  verval_store_households_changed (self->store);
  if (self->started)
    run_soon (self, "queue", 0);
  g_task_return_boolean (task, TRUE);
}

void
verval_sync_release_quarantined_async (VervalSync          *self,
                                       const char          *uuid,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  ReleaseData *d;

  g_return_if_fail (VERVAL_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_sync_release_quarantined_async);
  d = g_new0 (ReleaseData, 1);
  d->uuid = g_strdup (uuid);
  verval_store_run_async (self->store, db_release, d, (GDestroyNotify) release_data_free,
                          (GDestroyNotify) snapshot_free, cancellable, release_done_cb, task);
}

gboolean
verval_sync_release_quarantined_finish (VervalSync    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
list_log_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *entries = verval_store_run_finish (VERVAL_STORE (source), result, &error);

  if (entries == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

void
verval_sync_list_log_async (VervalSync          *self,
                            guint                limit,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (VERVAL_IS_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_sync_list_log_async);
  verval_store_run_async (self->store, db_list_log, GUINT_TO_POINTER (MAX (limit, 1)), NULL,
                          (GDestroyNotify) g_ptr_array_unref, cancellable, list_log_done_cb, task);
}

GPtrArray *
verval_sync_list_log_finish (VervalSync    *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint64
verval_sync_get_bytes_sent (VervalSync *self)
{
  guint64 total;

  g_return_val_if_fail (VERVAL_IS_SYNC (self), 0);

  g_mutex_lock (&self->lock);
  total = self->bytes_sent_done + (self->http != NULL ? verval_http_get_bytes_sent (self->http) : 0);
  g_mutex_unlock (&self->lock);
  return total;
}

/* --- settings */

void
verval_sync_set_backoff (VervalSync *self,
                         guint       base_ms,
                         guint       cap_ms)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->backoff_base_ms = MAX (base_ms, 1);
  self->backoff_cap_ms = MAX (cap_ms, self->backoff_base_ms);
}

void
verval_sync_set_periodic (VervalSync *self,
                          guint       seconds)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->periodic_seconds = seconds;
  g_clear_handle_id (&self->periodic_source, g_source_remove);
  schedule_after_run (self);
}

void
verval_sync_set_timeouts (VervalSync *self,
                          guint       connect_seconds,
                          guint       low_speed_bytes,
                          guint       low_speed_seconds)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->connect_seconds = connect_seconds;
  self->low_speed_bytes = low_speed_bytes;
  self->low_speed_seconds = low_speed_seconds;
}

void
verval_sync_set_batch_limits (VervalSync *self,
                              guint       max_visits,
                              gsize       max_bytes)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->max_batch_visits = MAX (max_visits, 1);
  self->max_batch_bytes = MAX (max_bytes, 1024);
}

void
verval_sync_set_parallel_uploads (VervalSync *self,
                                  guint       n)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->parallel_uploads = CLAMP (n, 1, 8);
}

void
verval_sync_set_ca_file (VervalSync *self,
                         const char *path)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  g_mutex_lock (&self->lock);
  g_free (self->ca_file);
  self->ca_file = g_strdup (path);
  g_mutex_unlock (&self->lock);
}

void
verval_sync_set_secret_backend (VervalSync          *self,
                                VervalSecretBackend  backend)
{
  g_return_if_fail (VERVAL_IS_SYNC (self));

  self->secret_backend = backend;
}

/* --- getters */

VervalSyncState
verval_sync_get_state (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), VERVAL_SYNC_STATE_IDLE);
  return self->state;
}

double
verval_sync_get_fraction (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), 0);
  return self->fraction;
}

const char *
verval_sync_get_activity (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), NULL);
  return self->activity;
}

const char *
verval_sync_get_message (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), NULL);
  return self->message;
}

guint
verval_sync_get_queue_depth (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), 0);
  return self->queue_depth;
}

guint
verval_sync_get_n_quarantined (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), 0);
  return self->n_quarantined;
}

gint64
verval_sync_get_last_success (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), 0);
  return self->last_success;
}

gint64
verval_sync_get_next_attempt (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), 0);
  return self->next_attempt;
}

const char *
verval_sync_get_collector_url (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), NULL);
  return self->collector_url;
}

gboolean
verval_sync_get_running (VervalSync *self)
{
  g_return_val_if_fail (VERVAL_IS_SYNC (self), FALSE);
  return self->running;
}

/* --- object */

static void
verval_sync_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  VervalSync *self = VERVAL_SYNC (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_ACTIVITY:
      g_value_set_string (value, self->activity);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_QUEUE_DEPTH:
      g_value_set_uint (value, self->queue_depth);
      break;
    case PROP_N_QUARANTINED:
      g_value_set_uint (value, self->n_quarantined);
      break;
    case PROP_LAST_SUCCESS:
      g_value_set_int64 (value, self->last_success);
      break;
    case PROP_NEXT_ATTEMPT:
      g_value_set_int64 (value, self->next_attempt);
      break;
    case PROP_COLLECTOR_URL:
      g_value_set_string (value, self->collector_url);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
verval_sync_dispose (GObject *object)
{
  VervalSync *self = VERVAL_SYNC (object);

  verval_sync_shutdown (self);
  G_OBJECT_CLASS (verval_sync_parent_class)->dispose (object);
}

static void
verval_sync_finalize (GObject *object)
{
  VervalSync *self = VERVAL_SYNC (object);

  g_clear_object (&self->http);
  g_clear_object (&self->store);
  g_clear_object (&self->monitor);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->current);
  g_ptr_array_unref (self->waiting);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->ca_file);
  g_free (self->activity);
  g_free (self->message);
  g_free (self->collector_url);
  g_free (self->again_trigger);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->run_lock);
  G_OBJECT_CLASS (verval_sync_parent_class)->finalize (object);
}

static void
verval_sync_class_init (VervalSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = verval_sync_get_property;
  object_class->dispose = verval_sync_dispose;
  object_class->finalize = verval_sync_finalize;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, VERVAL_TYPE_SYNC_STATE, VERVAL_SYNC_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACTIVITY] =
    g_param_spec_string ("activity", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUEUE_DEPTH] =
    g_param_spec_uint ("queue-depth", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_QUARANTINED] =
    g_param_spec_uint ("n-quarantined", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SUCCESS] =
    g_param_spec_int64 ("last-success", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NEXT_ATTEMPT] =
    g_param_spec_int64 ("next-attempt", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLLECTOR_URL] =
    g_param_spec_string ("collector-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
verval_sync_init (VervalSync *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->run_lock);
  self->backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
  self->backoff_cap_ms = DEFAULT_BACKOFF_CAP_MS;
  self->periodic_seconds = DEFAULT_PERIODIC_SECONDS;
  self->connect_seconds = 20;
  self->low_speed_bytes = 64;
  self->low_speed_seconds = 60;
  self->max_batch_visits = DEFAULT_BATCH_VISITS;
  self->max_batch_bytes = DEFAULT_BATCH_BYTES;
  self->parallel_uploads = DEFAULT_PARALLEL_UPLOADS;
  self->secret_backend = VERVAL_SECRET_AUTO;
  self->state = VERVAL_SYNC_STATE_IDLE;
  self->current = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
}

VervalSync *
verval_sync_new (VervalStore     *store,
                 GNetworkMonitor *monitor)
{
  VervalSync *self;

  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);
  g_return_val_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor), NULL);

  self = g_object_new (VERVAL_TYPE_SYNC, NULL);
  self->store = g_object_ref (store);
  self->monitor = g_object_ref (monitor != NULL ? monitor : g_network_monitor_get_default ());
  self->context = g_main_context_ref_thread_default ();
  refresh_snapshot (self);
  return self;
}
