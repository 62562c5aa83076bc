/* verval-store.c: the field app's local SQLite store, owned by one thread
 *
 * One connection, one thread: every read and write that is not a quick page
 * read goes through a queue to the store thread, so the UI never waits on the
 * disk and SQLite never sees two writers from this process. Results come back
 * as GTask completions on the caller's main context.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "verval-regions.h"
#include "verval-store.h"

#define BUSY_TIMEOUT_MS 5000
#define PROGRESS_INTERVAL_US (50 * 1000)

struct _VervalStore
{
  GObject       parent_instance;

  char         *data_dir;
  char         *db_path;
  char         *media_dir;
  int           schema_version;

  sqlite3      *db;           /* owned by the store thread once it runs */
  GThread      *thread;
  GAsyncQueue  *queue;
  gint          closed;       /* atomic */
  guint         generation;   /* atomic */
  gboolean      checkpoint_pending; /* store thread only */
};

enum {
  SIGNAL_HOUSEHOLDS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VervalStore, verval_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (verval-store-error-quark, verval_store_error)

typedef struct {
  VervalStoreFunc  func;
  gpointer         data;
  GDestroyNotify   data_destroy;
  GDestroyNotify   result_destroy;
  GCancellable    *cancellable;
  GTask           *task;       /* async jobs */
  gboolean         quit;
  /* sync jobs */
  GMutex           mutex;
  GCond            cond;
  gboolean         done;
  gpointer         result;
  GError          *error;
} Job;

/* Folding for search ---------------------------------------------------- */

static void
fold_append (GString    *out,
             const char *text)
{
  gboolean space = out->len == 0 || out->str[out->len - 1] == ' ';

  for (const char *p = text; p != NULL && *p != '\0';)
    {
      guchar c = (guchar) *p;

      if (c < 0x80)
        {
          if (g_ascii_isalnum (c))
            {
              g_string_append_c (out, g_ascii_tolower (c));
              space = FALSE;
            }
          else if (!space)
            {
              g_string_append_c (out, ' ');
              space = TRUE;
            }
          p++;
        }
      else
        {
          gunichar u = g_utf8_get_char_validated (p, -1);
          gunichar decomposed[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];

          if (u == (gunichar) -1 || u == (gunichar) -2)
            {
              p++;
              continue;
            }
          p = g_utf8_next_char (p);
          /* "é" decomposes into "e" + accent: keep the base letter. */
          if (g_unichar_fully_decompose (u, FALSE, decomposed, G_N_ELEMENTS (decomposed)) > 0 &&
              decomposed[0] < 0x80 && g_ascii_isalnum ((char) decomposed[0]))
            {
              g_string_append_c (out, g_ascii_tolower ((char) decomposed[0]));
              space = FALSE;
            }
          else if (g_unichar_isalnum (u))
            {
              g_string_append_unichar (out, g_unichar_tolower (u));
              space = FALSE;
            }
          else if (g_unichar_ismark (u))
            continue;
          else if (!space)
            {
              g_string_append_c (out, ' ');
              space = TRUE;
            }
        }
    }
}

static void
fold_finish (GString *out)
{
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
}

char *
verval_store_fold_text (const char *text)
{
  GString *out = g_string_sized_new (text != NULL ? strlen (text) + 1 : 1);

  fold_append (out, text);
  fold_finish (out);
  return g_string_free (out, FALSE);
}

/* The searchable text of a household: the head's name comes first so that a
 * prefix of the name can be ranked above matches elsewhere. */
static char *
build_search_text (const char * const *parts,
                   guint               n_parts)
{
  GString *out = g_string_sized_new (128);

  for (guint i = 0; i < n_parts; i++)
    {
      if (parts[i] == NULL || parts[i][0] == '\0')
        continue;
      if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
      fold_append (out, parts[i]);
    }
  fold_finish (out);
  return g_string_free (out, FALSE);
}

static void
sql_fold (sqlite3_context  *ctx,
          int               argc,
          sqlite3_value   **argv)
{
  char *folded = verval_store_fold_text ((const char *) sqlite3_value_text (argv[0]));

  sqlite3_result_text (ctx, folded, -1, g_free);
}

static void
sql_search_text (sqlite3_context  *ctx,
                 int               argc,
                 sqlite3_value   **argv)
{
  const char *parts[16];
  char *text;

  argc = MIN (argc, (int) G_N_ELEMENTS (parts));
  for (int i = 0; i < argc; i++)
    parts[i] = (const char *) sqlite3_value_text (argv[i]);
  text = build_search_text (parts, (guint) argc);
  sqlite3_result_text (ctx, text, -1, g_free);
}

/* Opening and migrating --------------------------------------------------- */

static gboolean
setup_connection (sqlite3  *db,
                  gboolean  writer,
                  GError  **error)
{
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (db, 1);
  if (sqlite3_create_function (db, "verval_fold", 1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                               NULL, sql_fold, NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function (db, "verval_search_text", -1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                               NULL, sql_search_text, NULL, NULL) != SQLITE_OK)
    {
      return verval_sqlite_set_error (error, db, "create functions");
    }
  if (!writer)
    return verval_sqlite_exec (db, "PRAGMA foreign_keys = ON;"
                                   "PRAGMA query_only = ON;", error);
  /* NORMAL under WAL: a crash never corrupts or half-applies a transaction;
   * only the very last commits may be lost on power failure, not on kill. */
  return verval_sqlite_exec (db,
                             "PRAGMA journal_mode = WAL;"
                             "PRAGMA synchronous = NORMAL;"
                             "PRAGMA foreign_keys = ON;"
                             "PRAGMA temp_store = MEMORY;"
                             "PRAGMA cache_size = -8192;",
                             error);
}

static gboolean
migrate (sqlite3  *db,
         int      *version,
         GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  const VervalSqliteMigration *steps;
  guint n_steps;

  steps = verval_store_get_migrations (&n_steps);
  if (verval_sqlite_migrate (db, steps, n_steps, VERVAL_SQLITE_MIGRATE_NONE, version, &local_error))
    return TRUE;
  /* the layer's words are for a log; these are for the person holding the tablet */
  if (g_error_matches (local_error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_TOO_NEW))
    g_set_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_TOO_NEW,
                 _("The data was saved by a newer version of Verval (schema %d); "
                   "update the app to open it"), *version);
  else
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("Could not update the data: "));
  return FALSE;
}

/* The store thread ------------------------------------------------------- */

static void
job_free (Job *job)
{
  g_clear_object (&job->cancellable);
  g_clear_object (&job->task);
  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
  g_free (job);
}

/* Unlike g_main_context_invoke(), never runs func on the calling thread,
 * even when nobody iterates the context right now. */
static void
run_in_context (GMainContext   *context,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[verval-store] result");
  g_source_attach (source, context);
  g_source_unref (source);
}

static gboolean
unref_in_context (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gpointer
store_thread (gpointer user_data)
{
  VervalStore *self = user_data;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);
      g_autoptr(GError) error = NULL;
      gpointer result = NULL;

      if (job->quit)
        {
          job_free (job);
          break;
        }

      if (!g_cancellable_set_error_if_cancelled (job->cancellable, &error))
        result = job->func (self->db, job->data, job->cancellable, &error);
      if (job->data_destroy != NULL)
        job->data_destroy (job->data);

      if (job->task != NULL)
        {
          GTask *task = g_steal_pointer (&job->task);

          if (error != NULL)
            {
              if (result != NULL && job->result_destroy != NULL)
                job->result_destroy (result);
              g_task_return_error (task, g_steal_pointer (&error));
            }
          else
            g_task_return_pointer (task, result, job->result_destroy);
          job_free (job);
          /* The task holds the store: its last reference must never go on
           * this thread, where finalizing the store would join itself. */
          run_in_context (g_task_get_context (task), unref_in_context, task, NULL);
        }
      else
        {
          g_mutex_lock (&job->mutex);
          job->result = result;
          job->error = g_steal_pointer (&error);
          job->done = TRUE;
          g_cond_signal (&job->cond);
          g_mutex_unlock (&job->mutex);
        }

      /* A big import leaves its pages in the WAL; copy them back into the
       * database when nothing else is waiting, not while the user waits. */
      if (self->checkpoint_pending && g_async_queue_length (self->queue) <= 0)
        {
          self->checkpoint_pending = FALSE;
          sqlite3_exec (self->db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL);
        }
    }
  return NULL;
}

VervalStore *
verval_store_open (const char  *data_dir,
                   GError     **error)
{
  g_autoptr(VervalStore) self = NULL;
  int rc;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (VERVAL_TYPE_STORE, NULL);
  self->data_dir = g_strdup (data_dir);
  self->db_path = g_build_filename (data_dir, VERVAL_STORE_DB_NAME, NULL);
  self->media_dir = g_build_filename (data_dir, VERVAL_STORE_MEDIA_NAME, NULL);

  /* 0700: the store holds personal data of families. */
  if (g_mkdir_with_parents (data_dir, 0700) != 0 ||
      g_mkdir_with_parents (self->media_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_IO,
                   _("Could not create the data folder “%s”: %s"),
                   data_dir, g_strerror (saved));
      return NULL;
    }

  rc = sqlite3_open_v2 (self->db_path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      verval_sqlite_set_error (error, self->db, _("Could not open the data file"));
      return NULL;
    }
  if (!setup_connection (self->db, TRUE, error) ||
      !migrate (self->db, &self->schema_version, error))
    return NULL;

  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("verval-store", store_thread, self);
  return g_steal_pointer (&self);
}

static void
open_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  VervalStore *store = verval_store_open (task_data, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

void
verval_store_open_async (const char          *data_dir,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (data_dir != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_store_open_async);
  g_task_set_task_data (task, g_strdup (data_dir), g_free);
  g_task_run_in_thread (task, open_in_thread);
}

VervalStore *
verval_store_open_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
verval_store_close (VervalStore *self)
{
  Job *job;

  g_return_if_fail (VERVAL_IS_STORE (self));

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  if (self->thread == g_thread_self ())
    {
      g_critical ("The last reference to the store was dropped on its own thread; "
                  "keep a reference in the caller until the work is done");
      return;
    }
  if (self->thread != NULL)
    {
      job = g_new0 (Job, 1);
      job->quit = TRUE;
      g_async_queue_push (self->queue, job);
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  if (self->db != NULL)
    {
      /* Folds the WAL back so the next start opens a small file. */
      sqlite3_exec (self->db, "PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);",
                    NULL, NULL, NULL);
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
}

static void
verval_store_finalize (GObject *object)
{
  VervalStore *self = VERVAL_STORE (object);

  verval_store_close (self);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_free (self->data_dir);
  g_free (self->db_path);
  g_free (self->media_dir);

  G_OBJECT_CLASS (verval_store_parent_class)->finalize (object);
}

static void
verval_store_class_init (VervalStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = verval_store_finalize;

  /**
   * VervalStore::households-changed:
   *
   * Households were added, updated or changed visit state. Emitted on the
   * main context that called verval_store_households_changed() or imported.
   */
  signals[SIGNAL_HOUSEHOLDS_CHANGED] =
    g_signal_new ("households-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
verval_store_init (VervalStore *self)
{
}

const char *
verval_store_get_data_dir (VervalStore *self)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  return self->data_dir;
}

const char *
verval_store_get_db_path (VervalStore *self)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  return self->db_path;
}

const char *
verval_store_get_media_dir (VervalStore *self)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  return self->media_dir;
}

int
verval_store_get_schema_version (VervalStore *self)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), -1);
  return self->schema_version;
}

guint
verval_store_get_households_generation (VervalStore *self)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), 0);
  return (guint) g_atomic_int_get (&self->generation);
}

void
verval_store_households_changed (VervalStore *self)
{
  g_return_if_fail (VERVAL_IS_STORE (self));

  g_atomic_int_inc (&self->generation);
  g_signal_emit (self, signals[SIGNAL_HOUSEHOLDS_CHANGED], 0);
}

void
verval_store_run_async (VervalStore         *self,
                        VervalStoreFunc      func,
                        gpointer             data,
                        GDestroyNotify       data_destroy,
                        GDestroyNotify       result_destroy,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Job *job;
  GTask *task;

  g_return_if_fail (VERVAL_IS_STORE (self));
  g_return_if_fail (func != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_store_run_async);

  if (g_atomic_int_get (&self->closed))
    {
      if (data_destroy != NULL)
        data_destroy (data);
      g_task_return_new_error (task, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_CLOSED,
                               _("The data store is closed"));
      g_object_unref (task);
      return;
    }

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->data_destroy = data_destroy;
  job->result_destroy = result_destroy;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->task = task;
  g_async_queue_push (self->queue, job);
}

gpointer
verval_store_run_finish (VervalStore   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gpointer
verval_store_run_sync (VervalStore   *self,
                       VervalStoreFunc func,
                       gpointer       data,
                       GCancellable  *cancellable,
                       GError       **error)
{
  Job *job;
  gpointer result;

  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (g_thread_self () != self->thread, NULL);

  if (g_atomic_int_get (&self->closed))
    {
      g_set_error_literal (error, VERVAL_STORE_ERROR, VERVAL_STORE_ERROR_CLOSED,
                           _("The data store is closed"));
      return NULL;
    }

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);

  g_mutex_lock (&job->mutex);
  g_async_queue_push (self->queue, job);
  while (!job->done)
    g_cond_wait (&job->cond, &job->mutex);
  g_mutex_unlock (&job->mutex);

  result = job->result;
  if (job->error != NULL)
    g_propagate_error (error, job->error);
  job_free (job);
  return result;
}

sqlite3 *
verval_store_open_reader (VervalStore  *self,
                          GError      **error)
{
  sqlite3 *db = NULL;

  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);

  if (sqlite3_open_v2 (self->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, db, _("Could not open the data file"));
      sqlite3_close_v2 (db);
      return NULL;
    }
  if (!setup_connection (db, FALSE, error))
    {
      sqlite3_close_v2 (db);
      return NULL;
    }
  return db;
}

/* Villages ---------------------------------------------------------------- */

#define KECAMATAN_CODE_LENGTH 6

void
verval_village_free (VervalVillage *village)
{
  if (village == NULL)
    return;
  g_free (village->code);
  g_free (village->name);
  g_free (village->kecamatan_code);
  g_free (village->kecamatan_name);
  g_free (village);
}

static int
compare_villages (gconstpointer a,
                  gconstpointer b)
{
  const VervalVillage *va = *(VervalVillage * const *) a;
  const VervalVillage *vb = *(VervalVillage * const *) b;
  int c = g_strcmp0 (va->kecamatan_code, vb->kecamatan_code);

  if (c == 0)
    c = strcmp (va->name, vb->name);
  if (c == 0)
    c = strcmp (va->code, vb->code);
  return c;
}

/* The listed name if there is one, else the region table's, else the code. */
static char *
region_name (const char *listed,
             const char *code)
{
  const char *official;

  if (listed != NULL && listed[0] != '\0')
    return g_strdup (listed);
  official = verval_regions_lookup_name (verval_regions_get_default (), code);
  return g_strdup (official != NULL ? official : code);
}

/* The counts walk the list index (village_code first); names are one row
 * per village, not an aggregate over every household. */
static gpointer
list_villages_in_thread (sqlite3       *db,
                         gpointer       data,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GPtrArray) villages = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_village_free);
  sqlite3_stmt *counts = NULL;
  sqlite3_stmt *names = NULL;
  int rc;

  if (!verval_sqlite_exec (db, "BEGIN", error))
    return NULL;
  counts = verval_sqlite_prepare (db, "SELECT village_code, count(*) FROM households "
                                      "WHERE village_code <> '' GROUP BY village_code", error);
  if (counts == NULL)
    goto fail;
  names = verval_sqlite_prepare (db, "SELECT village, kecamatan FROM households "
                                     "WHERE village_code = ?1 AND (village <> '' OR kecamatan <> '') "
                                     "LIMIT 1", error);
  if (names == NULL)
    goto fail;
  while ((rc = sqlite3_step (counts)) == SQLITE_ROW)
    {
      VervalVillage *village = g_new0 (VervalVillage, 1);
      const char *listed_village = NULL, *listed_kecamatan = NULL;

      village->code = g_strdup ((const char *) sqlite3_column_text (counts, 0));
      village->n_households = (guint) sqlite3_column_int64 (counts, 1);
      g_ptr_array_add (villages, village);

      sqlite3_bind_text (names, 1, village->code, -1, SQLITE_STATIC);
      if (sqlite3_step (names) == SQLITE_ROW)
        {
          listed_village = (const char *) sqlite3_column_text (names, 0);
          listed_kecamatan = (const char *) sqlite3_column_text (names, 1);
        }
      village->name = region_name (listed_village, village->code);
      if (strlen (village->code) > KECAMATAN_CODE_LENGTH)
        {
          village->kecamatan_code = g_strndup (village->code, KECAMATAN_CODE_LENGTH);
          village->kecamatan_name = region_name (listed_kecamatan, village->kecamatan_code);
        }
      sqlite3_reset (names);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "listing villages");
      goto fail;
    }
  sqlite3_finalize (counts);
  sqlite3_finalize (names);
  verval_sqlite_end (db, TRUE, NULL);
  g_ptr_array_sort (villages, compare_villages);
  return g_steal_pointer (&villages);

fail:
  sqlite3_finalize (counts);
  sqlite3_finalize (names);
  verval_sqlite_end (db, FALSE, NULL);
  return NULL;
}

void
verval_store_list_villages_async (VervalStore         *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (VERVAL_IS_STORE (self));

  verval_store_run_async (self, list_villages_in_thread, NULL, NULL,
                          (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
verval_store_list_villages_finish (VervalStore   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return verval_store_run_finish (self, result, error);
}

/* Import ------------------------------------------------------------------ */

/* Progress reports hop to the caller's context; the state lives until the
 * last report ran there, then the caller's destroy notify runs there too. */
typedef struct {
  gatomicrefcount          ref;
  GMainContext            *context;
  VervalStoreProgressFunc  func;
  gpointer                 data;
  GDestroyNotify           destroy;
} Progress;

typedef struct {
  Progress *progress;
  double    fraction;
  guint     rows;
} ProgressReport;

static gboolean
progress_destroy_in_context (gpointer user_data)
{
  Progress *progress = user_data;

  if (progress->destroy != NULL)
    progress->destroy (progress->data);
  g_main_context_unref (progress->context);
  g_free (progress);
  return G_SOURCE_REMOVE;
}

static void
progress_unref (Progress *progress)
{
  if (progress == NULL || !g_atomic_ref_count_dec (&progress->ref))
    return;
  run_in_context (progress->context, progress_destroy_in_context, progress, NULL);
}

static gboolean
progress_report_in_context (gpointer user_data)
{
  ProgressReport *report = user_data;

  report->progress->func (report->fraction, report->rows, report->progress->data);
  return G_SOURCE_REMOVE;
}

static void
progress_report_free (gpointer user_data)
{
  ProgressReport *report = user_data;

  progress_unref (report->progress);
  g_free (report);
}

static void
progress_post (Progress *progress,
               double    fraction,
               guint     rows)
{
  ProgressReport *report;

  if (progress == NULL || progress->func == NULL)
    return;
  report = g_new0 (ProgressReport, 1);
  report->progress = progress;
  g_atomic_ref_count_inc (&progress->ref);
  report->fraction = CLAMP (fraction, 0.0, 1.0);
  report->rows = rows;
  run_in_context (progress->context, progress_report_in_context, report, progress_report_free);
}

typedef struct {
  VervalStore *store;
  GFile       *file;
  Progress    *progress;
} ImportJob;

static void
import_job_free (ImportJob *job)
{
  g_object_unref (job->file);
  progress_unref (job->progress);
  g_free (job);
}

/* Record fields in statement parameter order (1-based after the fixed ones). */
enum {
  P_FAMILY_ID = 1, P_KK, P_HEAD_NIK, P_HEAD_NAME, P_ADDRESS, P_DUSUN, P_RT, P_RW,
  P_VILLAGE_CODE, P_FIELDS, /* VERVAL_FAMILY_N_FIELDS text fields follow */
  P_DESIL = P_FIELDS + VERVAL_FAMILY_N_FIELDS, P_PADAN, P_YEAR, P_SOURCES,
  P_PROGRAMMES, P_SAVINGS, P_N_MEMBERS, P_SEARCH_TEXT, P_UPDATED_AT,
  P_ID,
};

static const char * const text_columns[] = {
  "head_name", "address", "dusun", "rt", "rw", "village_code",
};

typedef struct {
  sqlite3_stmt *insert;
  sqlite3_stmt *update_override;
  sqlite3_stmt *update_fill;
  sqlite3_stmt *refresh_search;
  sqlite3_stmt *by_family_id;
  sqlite3_stmt *by_nik;
  sqlite3_stmt *by_kk;
  sqlite3_stmt *source;
  sqlite3_stmt *delete_members;
  sqlite3_stmt *insert_member;
  sqlite3_stmt *count_members;
  sqlite3_stmt *set_assigned;
} ImportStatements;

static void
import_statements_clear (ImportStatements *s)
{
  sqlite3_stmt **stmts = (sqlite3_stmt **) s;

  for (guint i = 0; i < sizeof *s / sizeof (sqlite3_stmt *); i++)
    sqlite3_finalize (stmts[i]);
}

/* The UPDATE text is assembled from our own column names (never from input);
 * values are bound. override: non-empty new values win; else only empty
 * columns are filled (a DTKS row never overwrites what P3KE said). */
static void
append_assignment (GString    *sql,
                   const char *column,
                   int         param,
                   gboolean    override)
{
  if (override)
    g_string_append_printf (sql, "%s = CASE WHEN ?%d <> '' THEN ?%d ELSE %s END, ",
                            column, param, param, column);
  else
    g_string_append_printf (sql, "%s = CASE WHEN %s = '' THEN ?%d ELSE %s END, ",
                            column, column, param, column);
}

static char *
build_update_sql (gboolean override)
{
  GString *sql = g_string_new (NULL);

  /* A family first read from DTKS takes the P3KE id when P3KE lists it too
   * (P3KE ids are what collectors hand out), unless a collector already
   * assigned it under the id it has. */
  g_string_append_printf (sql,
                          "UPDATE households SET family_id = CASE WHEN family_id IS NULL OR "
                          "(?%d = %d AND (sources & %d) = 0 AND assignment = '') "
                          "THEN COALESCE (?1, family_id) ELSE family_id END, ",
                          P_SOURCES, VERVAL_SOURCE_P3KE, VERVAL_SOURCE_P3KE);

  if (override)
    g_string_append (sql, "kk = COALESCE (?2, kk), head_nik = COALESCE (?3, head_nik), ");
  else
    g_string_append (sql, "kk = COALESCE (kk, ?2), head_nik = COALESCE (head_nik, ?3), ");

  for (guint i = 0; i < G_N_ELEMENTS (text_columns); i++)
    append_assignment (sql, text_columns[i], P_HEAD_NAME + (int) i, override);
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    append_assignment (sql, verval_family_field_get_key (i), P_FIELDS + (int) i, override);
  g_string_append_printf (sql,
                          "desil = CASE WHEN ?%d > 0 AND (%d OR desil = 0) THEN ?%d ELSE desil END, "
                          "padan_dukcapil = CASE WHEN ?%d >= 0 AND (%d OR padan_dukcapil < 0) THEN ?%d ELSE padan_dukcapil END, "
                          "data_year = CASE WHEN ?%d > 0 THEN ?%d ELSE data_year END, "
                          "sources = sources | ?%d, "
                          "programmes = CASE WHEN %d THEN ?%d ELSE programmes | ?%d END, "
                          "savings = CASE WHEN %d THEN ?%d ELSE savings | ?%d END, "
                          "updated_at = ?%d "
                          "WHERE id = ?%d",
                          P_DESIL, override, P_DESIL,
                          P_PADAN, override, P_PADAN,
                          P_YEAR, P_YEAR,
                          P_SOURCES,
                          override, P_PROGRAMMES, P_PROGRAMMES,
                          override, P_SAVINGS, P_SAVINGS,
                          P_UPDATED_AT, P_ID);
  return g_string_free (sql, FALSE);
}

static char *
build_insert_sql (void)
{
  GString *sql = g_string_new ("INSERT INTO households (family_id, kk, head_nik");
  GString *values = g_string_new ("?1, ?2, ?3");
  int param = P_HEAD_NAME;

  for (guint i = 0; i < G_N_ELEMENTS (text_columns); i++, param++)
    {
      g_string_append_printf (sql, ", %s", text_columns[i]);
      g_string_append_printf (values, ", ?%d", param);
    }
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++, param++)
    {
      g_string_append_printf (sql, ", %s", verval_family_field_get_key (i));
      g_string_append_printf (values, ", ?%d", param);
    }
  g_assert (param == P_DESIL);
  g_string_append (sql, ", desil, padan_dukcapil, data_year, sources, programmes, savings, "
                        "n_members, search_text, updated_at) VALUES (");
  g_string_append_printf (values, ", ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)",
                          P_DESIL, P_PADAN, P_YEAR, P_SOURCES, P_PROGRAMMES, P_SAVINGS,
                          P_N_MEMBERS, P_SEARCH_TEXT, P_UPDATED_AT);
  g_string_append (sql, values->str);
  g_string_free (values, TRUE);
  return g_string_free (sql, FALSE);
}

#define SEARCH_TEXT_COLUMNS \
  "head_name, head_nik, kk, family_id, address, dusun, village, kecamatan"

static gboolean
prepare (sqlite3        *db,
         const char     *sql,
         sqlite3_stmt  **stmt,
         GError        **error)
{
  *stmt = verval_sqlite_prepare_persistent (db, sql, error);
  return *stmt != NULL;
}

static gboolean
import_statements_prepare (sqlite3          *db,
                           ImportStatements *s,
                           GError          **error)
{
  g_autofree char *insert = build_insert_sql ();
  g_autofree char *update_override = build_update_sql (TRUE);
  g_autofree char *update_fill = build_update_sql (FALSE);

  return prepare (db, insert, &s->insert, error) &&
         prepare (db, update_override, &s->update_override, error) &&
         prepare (db, update_fill, &s->update_fill, error) &&
         prepare (db, "UPDATE households SET search_text = verval_search_text ("
                      SEARCH_TEXT_COLUMNS ") "
                      "WHERE id = ?1", &s->refresh_search, error) &&
         prepare (db, "SELECT id, sources FROM households WHERE family_id = ?1",
                  &s->by_family_id, error) &&
         prepare (db, "SELECT id, sources FROM households WHERE head_nik = ?1 LIMIT 1",
                  &s->by_nik, error) &&
         prepare (db, "SELECT id, sources FROM households WHERE kk = ?1 LIMIT 1",
                  &s->by_kk, error) &&
         prepare (db, "INSERT INTO household_sources (household_id, source, source_id, "
                      "file_name, imported_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                      "ON CONFLICT (household_id, source) DO UPDATE SET "
                      "source_id = excluded.source_id, file_name = excluded.file_name, "
                      "imported_at = excluded.imported_at",
                  &s->source, error) &&
         prepare (db, "DELETE FROM household_members WHERE household_id = ?1 AND source = ?2",
                  &s->delete_members, error) &&
         prepare (db, "INSERT INTO household_members (household_id, source, position, "
                      "individual_id, nik, name, relationship, sex, birth_date, birth_place, "
                      "mother_name, marital_status, is_head) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                  &s->insert_member, error) &&
         prepare (db, "UPDATE households SET n_members = (SELECT count (DISTINCT nik) "
                      "FROM household_members WHERE household_id = ?1) WHERE id = ?1",
                  &s->count_members, error) &&
         prepare (db, "UPDATE households SET assignment = 'assigned' WHERE id = ?1",
                  &s->set_assigned, error);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           param,
                   const char   *text)
{
  if (text == NULL || text[0] == '\0')
    sqlite3_bind_null (stmt, param);
  else
    sqlite3_bind_text (stmt, param, text, -1, SQLITE_STATIC);
}

static void
bind_record (sqlite3_stmt             *stmt,
             const VervalFamilyRecord *record,
             const char               *search_text,
             gint64                    now)
{
  bind_text_or_null (stmt, P_FAMILY_ID, record->family_id);
  bind_text_or_null (stmt, P_KK, record->kk);
  bind_text_or_null (stmt, P_HEAD_NIK, record->head_nik);
  sqlite3_bind_text (stmt, P_HEAD_NAME, record->head_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, P_ADDRESS, record->address, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, P_DUSUN, record->dusun, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, P_RT, record->rt, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, P_RW, record->rw, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, P_VILLAGE_CODE, record->village_code, -1, SQLITE_STATIC);
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    sqlite3_bind_text (stmt, P_FIELDS + (int) i, record->fields[i], -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, P_DESIL, record->desil);
  sqlite3_bind_int (stmt, P_PADAN, record->padan_dukcapil);
  sqlite3_bind_int (stmt, P_YEAR, record->data_year);
  sqlite3_bind_int (stmt, P_SOURCES, (int) record->source);
  sqlite3_bind_int (stmt, P_PROGRAMMES, (int) record->programmes);
  sqlite3_bind_int (stmt, P_SAVINGS, (int) record->savings);
  if (search_text != NULL)
    {
      sqlite3_bind_int (stmt, P_N_MEMBERS, (int) record->members->len);
      sqlite3_bind_text (stmt, P_SEARCH_TEXT, search_text, -1, SQLITE_STATIC);
    }
  sqlite3_bind_int64 (stmt, P_UPDATED_AT, now);
}

/* Returns the household id for key, 0 when there is none. */
static gint64
lookup (sqlite3_stmt       *stmt,
        const char         *key,
        VervalSourceFlags  *sources)
{
  gint64 id = 0;

  if (key == NULL || key[0] == '\0')
    return 0;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      *sources = (VervalSourceFlags) sqlite3_column_int (stmt, 1);
    }
  sqlite3_reset (stmt);
  return id;
}

static char *
record_search_text (const VervalFamilyRecord *record)
{
  const char *parts[] = {
    record->head_name, record->head_nik, record->kk, record->family_id,
    record->address, record->dusun, record->fields[VERVAL_FAMILY_FIELD_VILLAGE],
    record->fields[VERVAL_FAMILY_FIELD_KECAMATAN],
  };

  return build_search_text (parts, G_N_ELEMENTS (parts));
}

/* How store_record() finds and writes a family. */
typedef enum {
  STORE_IMPORT,     /* from a list file: matched by id, KK or NIK; sources recorded */
  STORE_ASSIGNED,   /* from the collector: matched by family id only, marked assigned */
} StoreMode;

static gboolean
store_record (sqlite3                   *db,
              ImportStatements          *s,
              const VervalFamilyRecord  *record,
              const char                *search_text,
              StoreMode                  mode,
              gboolean                   table_was_empty,
              gboolean                   sources_later,
              const char                *file_name,
              gint64                     now,
              VervalImportReport        *report,
              GError                   **error)
{
  VervalSourceFlags sources = VERVAL_SOURCE_NONE;
  gint64 id = 0;
  gboolean inserted = FALSE;
  gboolean override;
  const char *source_id;

  /* Within one file the reader refuses duplicates, so into an empty table
   * every family is new: skip the lookups (the 100k first import). The
   * family id comes first for every list: a DTKS family assigned by a
   * collector carries the id verval-listing derives for it. */
  if (!table_was_empty)
    {
      id = lookup (s->by_family_id, record->family_id, &sources);
      if (id == 0 && mode == STORE_IMPORT)
        {
          if (record->source == VERVAL_SOURCE_DTKS)
            id = lookup (s->by_kk, record->kk, &sources);
          if (id == 0)
            id = lookup (s->by_nik, record->head_nik, &sources);
          if (id == 0 && record->source != VERVAL_SOURCE_DTKS)
            id = lookup (s->by_kk, record->kk, &sources);
        }
    }

  if (id == 0)
    {
      bind_record (s->insert, record, search_text, now);
      if (!verval_sqlite_step_done (s->insert, "import", error))
        return FALSE;
      id = sqlite3_last_insert_rowid (db);
      inserted = TRUE;
      report->imported++;
    }
  else
    {
      sqlite3_stmt *update;

      /* A family only this list knows is replaced by the list's values;
       * one that another list also describes keeps what P3KE said. What
       * the collector sends is the current record: it always wins. */
      override = mode == STORE_ASSIGNED || record->source == VERVAL_SOURCE_P3KE ||
                 (sources & ~record->source) == 0;
      update = override ? s->update_override : s->update_fill;

      bind_record (update, record, NULL, now);
      sqlite3_bind_int64 (update, P_ID, id);
      if (!verval_sqlite_step_done (update, "import", error))
        return FALSE;
      sqlite3_bind_int64 (s->refresh_search, 1, id);
      if (!verval_sqlite_step_done (s->refresh_search, "import", error))
        return FALSE;
      report->updated++;
    }

  if (mode == STORE_ASSIGNED)
    {
      sqlite3_bind_int64 (s->set_assigned, 1, id);
      if (!verval_sqlite_step_done (s->set_assigned, "import", error))
        return FALSE;
    }
  else if (!sources_later)
    {
      source_id = record->source == VERVAL_SOURCE_DTKS ? record->kk : record->family_id;
      sqlite3_bind_int64 (s->source, 1, id);
      sqlite3_bind_int (s->source, 2, (int) record->source);
      sqlite3_bind_text (s->source, 3, source_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (s->source, 4, file_name, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s->source, 5, now);
      if (!verval_sqlite_step_done (s->source, "import", error))
        return FALSE;
    }

  if (record->members->len > 0 || !inserted)
    {
      if (!inserted)
        {
          sqlite3_bind_int64 (s->delete_members, 1, id);
          sqlite3_bind_int (s->delete_members, 2, (int) record->source);
          if (!verval_sqlite_step_done (s->delete_members, "import", error))
            return FALSE;
        }
      for (guint i = 0; i < record->members->len; i++)
        {
          const VervalMemberRecord *m = record->members->pdata[i];
          sqlite3_stmt *st = s->insert_member;

          sqlite3_bind_int64 (st, 1, id);
          sqlite3_bind_int (st, 2, (int) record->source);
          sqlite3_bind_int (st, 3, (int) i);
          sqlite3_bind_text (st, 4, m->individual_id, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 5, m->nik, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 6, m->name, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 7, m->relationship, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 8, m->sex, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 9, m->birth_date, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 10, m->birth_place, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 11, m->mother_name, -1, SQLITE_STATIC);
          sqlite3_bind_text (st, 12, m->marital_status, -1, SQLITE_STATIC);
          sqlite3_bind_int (st, 13, m->is_head);
          if (!verval_sqlite_step_done (st, "import", error))
            return FALSE;
        }
      if (!inserted)
        {
          sqlite3_bind_int64 (s->count_members, 1, id);
          if (!verval_sqlite_step_done (s->count_members, "import", error))
            return FALSE;
        }
    }
  return TRUE;
}

struct _VervalStoreWriter {
  sqlite3          *db;
  ImportStatements  statements;
};

VervalStoreWriter *
verval_store_writer_new (sqlite3  *db,
                         GError  **error)
{
  g_autoptr(VervalStoreWriter) self = g_new0 (VervalStoreWriter, 1);

  g_return_val_if_fail (db != NULL, NULL);

  self->db = db;
  if (!import_statements_prepare (db, &self->statements, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
verval_store_writer_free (VervalStoreWriter *self)
{
  if (self == NULL)
    return;
  import_statements_clear (&self->statements);
  g_free (self);
}

gboolean
verval_store_writer_put_assigned (VervalStoreWriter         *self,
                                  const VervalFamilyRecord  *record,
                                  gint64                     now,
                                  gboolean                  *inserted,
                                  GError                   **error)
{
  VervalImportReport counts = { 0 };
  g_autofree char *search_text = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (record != NULL && record->family_id[0] != '\0', FALSE);

  search_text = record_search_text (record);
  if (!store_record (self->db, &self->statements, record, search_text, STORE_ASSIGNED,
                     FALSE, FALSE, NULL, now, &counts, error))
    return FALSE;
  if (inserted != NULL)
    *inserted = counts.imported > 0;
  return TRUE;
}

static gboolean
table_is_empty (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gboolean empty = FALSE;

  if (sqlite3_prepare_v2 (db, "SELECT NOT EXISTS (SELECT 1 FROM households)", -1, &stmt,
                          NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    empty = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return empty;
}

static gboolean
insert_all_sources (sqlite3     *db,
                    gboolean     dtks,
                    const char  *file_name,
                    gint64       now,
                    GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = verval_sqlite_prepare (db, "INSERT INTO household_sources (household_id, source, source_id, "
                                    "file_name, imported_at) "
                                    "SELECT id, sources, CASE WHEN ?1 THEN kk ELSE family_id END, ?2, ?3 "
                                    "FROM households", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, dtks);
  sqlite3_bind_text (stmt, 2, file_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  return verval_sqlite_step_done (stmt, "import", error);
}

/* Reading and checking the CSV runs on a thread of its own while the store
 * thread writes: the two take about the same time, so on two cores the
 * import costs the longer of them rather than their sum. Batches keep the
 * hand-over cheap; at most MAX_BATCHES wait, so memory stays bounded. */
#define BATCH_SIZE 256
#define MAX_BATCHES 16

typedef struct {
  GPtrArray *records;   /* of VervalFamilyRecord* */
  GPtrArray *texts;     /* their search texts, built on the reading thread */
} Batch;

static Batch *
batch_new (void)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->records = g_ptr_array_new_full (BATCH_SIZE, (GDestroyNotify) verval_family_record_free);
  batch->texts = g_ptr_array_new_full (BATCH_SIZE, g_free);
  return batch;
}

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->records);
  g_ptr_array_unref (batch->texts);
  g_free (batch);
}

typedef struct {
  VervalListingReader *reader;
  GCancellable        *cancellable;
  GMutex               mutex;
  GCond                cond;
  GQueue               batches;   /* of Batch*, read and waiting to be written */
  GQueue               spent;     /* of Batch*, written, to be freed by the reader */
  gboolean             done;      /* the reader has finished */
  gboolean             abort;     /* the writer gave up */
  GError              *error;
  guint64              offset;
  guint                rows;
} Pipe;

static gboolean
pipe_push (Pipe  *pipe,
           Batch *batch)
{
  GQueue spent = G_QUEUE_INIT;
  gboolean go_on;

  g_mutex_lock (&pipe->mutex);
  while (pipe->batches.length >= MAX_BATCHES && !pipe->abort)
    g_cond_wait (&pipe->cond, &pipe->mutex);
  go_on = !pipe->abort;
  if (go_on)
    g_queue_push_tail (&pipe->batches, batch);
  pipe->offset = verval_listing_reader_get_offset (pipe->reader);
  pipe->rows = verval_listing_reader_get_report (pipe->reader)->rows_read;
  spent = pipe->spent;
  g_queue_init (&pipe->spent);
  g_cond_broadcast (&pipe->cond);
  g_mutex_unlock (&pipe->mutex);

  /* Freeing on the thread that allocated is cheaper for malloc, and it
   * keeps this work off the writer, which is the slower side. */
  g_queue_clear_full (&spent, (GDestroyNotify) batch_free);
  if (!go_on)
    batch_free (batch);
  return go_on;
}

static gpointer
pipe_reader_thread (gpointer data)
{
  Pipe *pipe = data;
  GError *error = NULL;
  Batch *batch = NULL;
  VervalFamilyRecord *record;

  for (;;)
    {
      if (batch == NULL)
        batch = batch_new ();
      record = verval_listing_reader_next (pipe->reader, pipe->cancellable, &error);
      if (record == NULL)
        break;
      g_ptr_array_add (batch->records, record);
      g_ptr_array_add (batch->texts, record_search_text (record));
      if (batch->records->len == BATCH_SIZE && !pipe_push (pipe, g_steal_pointer (&batch)))
        break;
    }
  if (batch != NULL && batch->records->len > 0)
    pipe_push (pipe, g_steal_pointer (&batch));
  g_clear_pointer (&batch, batch_free);

  g_mutex_lock (&pipe->mutex);
  pipe->done = TRUE;
  pipe->error = error;
  g_cond_broadcast (&pipe->cond);
  g_mutex_unlock (&pipe->mutex);
  return NULL;
}

/* The next batch, or NULL when the reader is done. spent: the batch just
 * written, handed back to the reader to free. */
static Batch *
pipe_pop (Pipe  *pipe,
          Batch *spent)
{
  Batch *batch;

  g_mutex_lock (&pipe->mutex);
  if (spent != NULL)
    g_queue_push_tail (&pipe->spent, spent);
  while (pipe->batches.length == 0 && !pipe->done)
    g_cond_wait (&pipe->cond, &pipe->mutex);
  batch = g_queue_pop_head (&pipe->batches);
  g_cond_broadcast (&pipe->cond);
  g_mutex_unlock (&pipe->mutex);
  return batch;
}

static void
pipe_abort (Pipe *pipe)
{
  g_mutex_lock (&pipe->mutex);
  pipe->abort = TRUE;
  g_cond_broadcast (&pipe->cond);
  g_mutex_unlock (&pipe->mutex);
}

static void
pipe_clear (Pipe *pipe)
{
  g_queue_clear_full (&pipe->batches, (GDestroyNotify) batch_free);
  g_queue_clear_full (&pipe->spent, (GDestroyNotify) batch_free);
  g_clear_error (&pipe->error);
  g_mutex_clear (&pipe->mutex);
  g_cond_clear (&pipe->cond);
}

static gpointer
import_in_thread (sqlite3       *db,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  ImportJob *job = data;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(VervalListingReader) reader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  ImportStatements statements = { 0 };
  VervalImportReport counts = { 0 };
  VervalImportReport *report;
  GThread *reader_thread = NULL;
  Pipe pipe = { 0 };
  Batch *batch = NULL;
  guint64 size = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 last_progress = 0;
  gboolean empty;
  gboolean dtks;

  stream = g_file_read (job->file, cancellable, error);
  if (stream == NULL)
    return NULL;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
  if (info != NULL)
    size = (guint64) g_file_info_get_size (info);
  name = g_file_get_basename (job->file);
  reader = verval_listing_reader_new (G_INPUT_STREAM (stream), name);
  if (!verval_listing_reader_open (reader, cancellable, error))
    return NULL;
  dtks = verval_listing_reader_get_format (reader) == VERVAL_LISTING_FORMAT_DTKS;

  progress_post (job->progress, 0.0, 0);
  if (!verval_sqlite_exec (db, "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0; "
                               "BEGIN IMMEDIATE", error))
    return NULL;
  empty = table_is_empty (db);
  /* Dropped before the statements are prepared, so they plan without it. */
  if (empty && !verval_sqlite_exec (db, "DROP INDEX IF EXISTS " VERVAL_STORE_LIST_INDEX_NAME,
                                    &local_error))
    goto fail;
  if (!import_statements_prepare (db, &statements, &local_error))
    goto fail;

  pipe.reader = reader;
  pipe.cancellable = cancellable;
  g_mutex_init (&pipe.mutex);
  g_cond_init (&pipe.cond);
  reader_thread = g_thread_new ("verval-import-read", pipe_reader_thread, &pipe);

  while ((batch = pipe_pop (&pipe, batch)) != NULL)
    {
      gint64 t;

      for (guint i = 0; i < batch->records->len; i++)
        if (!store_record (db, &statements, batch->records->pdata[i], batch->texts->pdata[i],
                           STORE_IMPORT, empty, empty, name, now, &counts, &local_error))
          break;
      if (local_error != NULL || g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        goto fail;
      t = g_get_monotonic_time ();
      if (t - last_progress >= PROGRESS_INTERVAL_US)
        {
          guint64 offset;
          guint rows;

          last_progress = t;
          g_mutex_lock (&pipe.mutex);
          offset = pipe.offset;
          rows = pipe.rows;
          g_mutex_unlock (&pipe.mutex);
          progress_post (job->progress, size > 0 ? (double) offset / (double) size : 0.0, rows);
        }
    }
  g_thread_join (g_steal_pointer (&reader_thread));
  if (pipe.error != NULL)
    {
      g_propagate_error (&local_error, g_steal_pointer (&pipe.error));
      goto fail;
    }

  /* Into an empty table every household came from this file: one statement
   * records the source of all of them, far cheaper than a row at a time. */
  if (empty && !insert_all_sources (db, dtks, name, now, &local_error))
    goto fail;
  if (empty && !verval_sqlite_exec (db, VERVAL_STORE_LIST_INDEX_SQL, &local_error))
    goto fail;

  import_statements_clear (&statements);
  if (!verval_sqlite_exec (db, "COMMIT", &local_error))
    goto fail;
  verval_sqlite_exec (db, "PRAGMA cache_size = -8192; PRAGMA wal_autocheckpoint = 1000", NULL);
  job->store->checkpoint_pending = TRUE;
  g_atomic_int_inc (&job->store->generation);
  pipe_clear (&pipe);

  report = verval_listing_reader_get_report (reader);
  report->imported = counts.imported;
  report->updated = counts.updated;
  progress_post (job->progress, 1.0, report->rows_read);
  g_debug ("Imported %s: %u new, %u updated, %u refused", name, report->imported,
           report->updated, report->refused);
  return verval_listing_reader_steal_report (reader);

fail:
  if (reader_thread != NULL)
    {
      pipe_abort (&pipe);
      g_thread_join (reader_thread);
    }
  g_clear_pointer (&batch, batch_free);
  if (pipe.reader != NULL)
    pipe_clear (&pipe);
  import_statements_clear (&statements);
  sqlite3_exec (db, "ROLLBACK; PRAGMA cache_size = -8192; PRAGMA wal_autocheckpoint = 1000",
                NULL, NULL, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static ImportJob *
import_job_new (VervalStore             *self,
                GFile                   *file,
                VervalStoreProgressFunc  progress,
                gpointer                 progress_data,
                GDestroyNotify           progress_destroy)
{
  ImportJob *job = g_new0 (ImportJob, 1);

  job->store = self;
  job->file = g_object_ref (file);
  if (progress != NULL || progress_destroy != NULL)
    {
      job->progress = g_new0 (Progress, 1);
      g_atomic_ref_count_init (&job->progress->ref);
      job->progress->context = g_main_context_ref_thread_default ();
      job->progress->func = progress;
      job->progress->data = progress_data;
      job->progress->destroy = progress_destroy;
    }
  return job;
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VervalStore *self = VERVAL_STORE (source);
  GError *error = NULL;
  VervalImportReport *report = verval_store_run_finish (self, result, &error);

  if (report == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_HOUSEHOLDS_CHANGED], 0);
  g_task_return_pointer (task, report, (GDestroyNotify) verval_import_report_free);
}

void
verval_store_import_async (VervalStore             *self,
                           GFile                   *file,
                           VervalStoreProgressFunc  progress,
                           gpointer                 progress_data,
                           GDestroyNotify           progress_destroy,
                           GCancellable            *cancellable,
                           GAsyncReadyCallback      callback,
                           gpointer                 user_data)
{
  GTask *task;

  g_return_if_fail (VERVAL_IS_STORE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, verval_store_import_async);
  verval_store_run_async (self, import_in_thread,
                          import_job_new (self, file, progress, progress_data, progress_destroy),
                          (GDestroyNotify) import_job_free,
                          (GDestroyNotify) verval_import_report_free,
                          cancellable, import_done, task);
}

VervalImportReport *
verval_store_import_finish (VervalStore   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

VervalImportReport *
verval_store_import_sync (VervalStore   *self,
                          GFile         *file,
                          GCancellable  *cancellable,
                          GError       **error)
{
  ImportJob *job;
  VervalImportReport *report;

  g_return_val_if_fail (VERVAL_IS_STORE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  job = import_job_new (self, file, NULL, NULL, NULL);
  report = verval_store_run_sync (self, import_in_thread, job, cancellable, error);
  import_job_free (job);
  return report;
}
