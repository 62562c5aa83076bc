/* verval-sqlite.h: the SQLite plumbing the field app and the collector share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define VERVAL_SQLITE_ERROR (verval_sqlite_error_quark ())

typedef enum {
  VERVAL_SQLITE_ERROR_FAILED,   /* what was being done, SQLite's words, the extended code */
  VERVAL_SQLITE_ERROR_TOO_NEW,  /* the file was written by a newer program */
} VervalSqliteError;

GQuark         verval_sqlite_error_quark    (void);

/* Sets a VERVAL_SQLITE_ERROR_FAILED naming @what, with the connection's
 * last error and extended code (@db may be NULL when opening ran out of
 * memory). Returns FALSE, for "return …". */
gboolean       verval_sqlite_set_error      (GError             **error,
                                             sqlite3             *db,
                                             const char          *what);
/* Runs SQL without results; several statements allowed. */
gboolean       verval_sqlite_exec           (sqlite3             *db,
                                             const char          *sql,
                                             GError             **error);
sqlite3_stmt  *verval_sqlite_prepare        (sqlite3             *db,
                                             const char          *sql,
                                             GError             **error);
/* For a statement kept and run many times (SQLITE_PREPARE_PERSISTENT). */
sqlite3_stmt  *verval_sqlite_prepare_persistent (sqlite3         *db,
                                             const char          *sql,
                                             GError             **error);
/* Binds a copy of @text, or SQL NULL when @text is NULL. */
void           verval_sqlite_bind_text      (sqlite3_stmt        *stmt,
                                             int                  index,
                                             const char          *text);
/* A copy of a text column; NULL for SQL NULL. */
char          *verval_sqlite_column_dup     (sqlite3_stmt        *stmt,
                                             int                  index);
/* Runs @stmt to its end, past any rows it returns, then resets it and
 * clears its bindings for the next use. On failure the error names @what,
 * and sqlite3_extended_errcode() of the connection still tells a
 * constraint apart. */
gboolean       verval_sqlite_step_done      (sqlite3_stmt        *stmt,
                                             const char          *what,
                                             GError             **error);

/* BEGIN IMMEDIATE: a writer takes the lock up front rather than failing
 * with SQLITE_BUSY when a read inside the transaction turns into a write. */
gboolean       verval_sqlite_begin          (sqlite3             *db,
                                             GError             **error);
/* Commits when @commit, else rolls back; a commit that fails rolls back
 * too. TRUE only when the transaction was committed. */
gboolean       verval_sqlite_end            (sqlite3             *db,
                                             gboolean             commit,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Schema migrations
 *
 * A schema is a table of steps, one per PRAGMA user_version: the step for
 * version N takes a file at a lower version to N. Each missing step runs in
 * its own transaction together with the new user_version, so a crash or a
 * failing step leaves the file at a whole version. `sql` runs first (may
 * hold several statements), then `func` if set, for what SQL alone cannot
 * do. Never change a step that has shipped; append one.
 */
typedef gboolean (*VervalSqliteMigrationFunc) (sqlite3  *db,
                                               GError  **error);
typedef struct {
  int                        version;
  const char                *sql;
  VervalSqliteMigrationFunc  func;
} VervalSqliteMigration;

typedef enum {
  VERVAL_SQLITE_MIGRATE_NONE = 0,
  /* Foreign keys off while the steps run, so that a table rebuilt by
   * dropping and renaming does not cascade; each step must still leave
   * every reference whole (PRAGMA foreign_key_check) to commit. */
  VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES = 1 << 0,
} VervalSqliteMigrateFlags;

/* Brings the file open on @db to the last step's version. A file of a
 * higher version is refused with VERVAL_SQLITE_ERROR_TOO_NEW and not
 * touched. @version, if not NULL, is set to the file's version on return:
 * the last step's, the one a failing step left, or the newer one found. */
gboolean       verval_sqlite_migrate        (sqlite3                      *db,
                                             const VervalSqliteMigration  *steps,
                                             guint                         n_steps,
                                             VervalSqliteMigrateFlags      flags,
                                             int                          *version,
                                             GError                      **error);

G_END_DECLS
