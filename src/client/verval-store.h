/* verval-store.h: the field app's local SQLite store, owned by one thread
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "verval-listing.h"
#include "verval-sqlite.h"

G_BEGIN_DECLS

#define VERVAL_STORE_ERROR (verval_store_error_quark ())

/* The store's own conditions. SQLite's failures come as VERVAL_SQLITE_ERROR,
 * a file written by a newer Verval as VERVAL_SQLITE_ERROR_TOO_NEW. */
typedef enum {
  VERVAL_STORE_ERROR_CLOSED,     /* the store was closed before the work ran */
  VERVAL_STORE_ERROR_IO,         /* data or media directory not usable */
  VERVAL_STORE_ERROR_NOT_FOUND,
} VervalStoreError;

/* The household list's order: village, then the folded text, which starts
 * with the head's name. The index makes reading it in that order a plain
 * walk; a first import into an empty table builds it once at the end,
 * which is cheaper than growing it row by row. Changing the index needs a
 * new migration step. */
#define VERVAL_STORE_LIST_ORDER "village_code, search_text, desil, visit_state, id"
#define VERVAL_STORE_LIST_INDEX_NAME "households_list_order"
#define VERVAL_STORE_LIST_INDEX_SQL \
  "CREATE INDEX IF NOT EXISTS " VERVAL_STORE_LIST_INDEX_NAME \
  " ON households (village_code, search_text, desil, visit_state)"

/* Name of the database file inside the data directory, and of the media dir. */
#define VERVAL_STORE_DB_NAME    "verval.db"
#define VERVAL_STORE_MEDIA_NAME "media"

/* Schema migrations
 *
 * The schema is built by a list of steps in verval-store-migrations.c, one per
 * PRAGMA user_version, run by verval_sqlite_migrate() on opening (see
 * verval-sqlite.h). To change the schema, append a step (never edit a
 * released one):
 *
 *   { 2, "CREATE TABLE visits (…) STRICT;", NULL },
 */

/* Runs on the store thread with the store's connection. Return a result
 * (may be NULL) or set error. Check the cancellable between long steps. */
typedef gpointer (*VervalStoreFunc) (sqlite3       *db,
                                     gpointer       data,
                                     GCancellable  *cancellable,
                                     GError       **error);

/* Import progress, called on the main context of the caller of import_async,
 * at most ~20 times a second. fraction is 0..1 (bytes read / file size). */
typedef void (*VervalStoreProgressFunc) (double    fraction,
                                         guint     rows_read,
                                         gpointer  user_data);

#define VERVAL_TYPE_STORE (verval_store_get_type ())
G_DECLARE_FINAL_TYPE (VervalStore, verval_store, VERVAL, STORE, GObject)

GQuark         verval_store_error_quark     (void);

/* The migration list (read-only) and the version it reaches. */
const VervalSqliteMigration *verval_store_get_migrations (guint *n_migrations);
int            verval_store_get_latest_version (void);

/* Creates data_dir, data_dir/verval.db and data_dir/media/ as needed, migrates
 * and starts the store thread. The sync variant blocks: for CLIs and tests. */
VervalStore   *verval_store_open            (const char           *data_dir,
                                             GError              **error);
void           verval_store_open_async      (const char           *data_dir,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
VervalStore   *verval_store_open_finish     (GAsyncResult         *result,
                                             GError              **error);

const char    *verval_store_get_data_dir    (VervalStore          *self);
const char    *verval_store_get_db_path     (VervalStore          *self);
const char    *verval_store_get_media_dir   (VervalStore          *self);
int            verval_store_get_schema_version (VervalStore       *self);

/* Queues func on the store thread; callback runs on the thread-default main
 * context of the caller. Work runs in queue order, one job at a time, each
 * with the connection in autocommit mode (open and end any transaction
 * within func). data_destroy runs after func (on the store thread) and must
 * not drop the last reference to the store; result_destroy frees a result
 * nobody took. The store stays alive until the callback ran. */
void           verval_store_run_async       (VervalStore          *self,
                                             VervalStoreFunc       func,
                                             gpointer              data,
                                             GDestroyNotify        data_destroy,
                                             GDestroyNotify        result_destroy,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gpointer       verval_store_run_finish      (VervalStore          *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/* Blocks until func ran on the store thread. Never from the UI thread. */
gpointer       verval_store_run_sync        (VervalStore          *self,
                                             VervalStoreFunc       func,
                                             gpointer              data,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* A new read-only connection to the same file (WAL readers never wait on the
 * writer). For short reads on the main thread, e.g. a page of list rows. */
sqlite3       *verval_store_open_reader     (VervalStore          *self,
                                             GError              **error);

/* Imports a P3KE or DTKS CSV in one transaction: new families are inserted,
 * known ones (same P3KE family ID, head NIK or KK) updated and marked with
 * the list. Cancelling rolls everything back. Emits ::households-changed. */
void           verval_store_import_async    (VervalStore          *self,
                                             GFile                *file,
                                             VervalStoreProgressFunc progress,
                                             gpointer              progress_data,
                                             GDestroyNotify        progress_destroy,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
VervalImportReport *verval_store_import_finish (VervalStore       *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/* Same, blocking, on the calling thread's view of the store thread. */
VervalImportReport *verval_store_import_sync (VervalStore         *self,
                                             GFile                *file,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* The household writer of the import, for one family at a time inside a
 * transaction of the caller's, on the store thread (a VervalStoreFunc).
 * Its statements are prepared once per writer: keep one for a batch. */
typedef struct _VervalStoreWriter VervalStoreWriter;

VervalStoreWriter *verval_store_writer_new  (sqlite3              *db,
                                             GError              **error);
void           verval_store_writer_free     (VervalStoreWriter    *self);
/* Writes a family the collector assigned (record->family_id must be set):
 * matched by family id only, else inserted; the record's non-empty values,
 * its desil, programmes and savings replace the stored ones, its members
 * replace those of the same list, the search text is rebuilt and the
 * assignment set to 'assigned'. Visit state and visits are not touched,
 * nor household_sources (that records list files). */
gboolean       verval_store_writer_put_assigned (VervalStoreWriter       *self,
                                             const VervalFamilyRecord *record,
                                             gint64                    now,
                                             gboolean                 *inserted,
                                             GError                  **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalStoreWriter, verval_store_writer_free)

/* A village that has households in the store: a choice of the list's
 * region filter. */
typedef struct {
  char  *code;            /* digits: 5108062001 */
  char  *name;            /* as listed, else from the region table, else the code */
  char  *kecamatan_code;  /* its first six digits; NULL for a shorter code */
  char  *kecamatan_name;  /* as listed, else from the region table, else the code */
  guint  n_households;
} VervalVillage;

void           verval_village_free          (VervalVillage        *village);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalVillage, verval_village_free)

/* Lists the villages of the store's households on the store thread, by
 * kecamatan code, then village name: a GPtrArray of VervalVillage. */
void           verval_store_list_villages_async  (VervalStore          *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray     *verval_store_list_villages_finish (VervalStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Tell listeners (list models) that households or their visit state changed;
 * call it from the main thread after a write that affects the list. Bumps the
 * generation and emits ::households-changed. Import does it by itself. */
void           verval_store_households_changed (VervalStore       *self);
/* Increases on every change of households; readable from any thread. */
guint          verval_store_get_households_generation (VervalStore *self);

/* Folds text for search: lower case, accents removed, anything but letters
 * and digits becomes one space. households.search_text holds it folded. */
char          *verval_store_fold_text       (const char           *text);

/* Finishes queued work and closes the connection; later calls fail with
 * VERVAL_STORE_ERROR_CLOSED. Also done on finalize. */
void           verval_store_close           (VervalStore          *self);

G_END_DECLS
