/* test-sqlite.c: the shared SQLite layer: errors, steps, transactions and
 * the migration runner, on databases in memory
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "verval-sqlite.h"

static sqlite3 *
open_memory (void)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  sqlite3_extended_result_codes (db, 1);
  g_assert_true (verval_sqlite_exec (db, "PRAGMA foreign_keys = ON", NULL));
  return db;
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = verval_sqlite_prepare (db, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
test_sqlite_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db = open_memory ();

  g_assert_null (verval_sqlite_prepare (db, "SELECT * FROM nowhere", &error));
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no such table: nowhere"));
  g_assert_nonnull (strstr (error->message, "(SQLite error 1)"));
  g_clear_error (&error);

  g_assert_false (verval_sqlite_exec (db, "CREATE TABLE", &error));
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_clear_error (&error);

  /* the extended code, not just SQLITE_CONSTRAINT, and what was being done */
  g_assert_true (verval_sqlite_exec (db, "CREATE TABLE t (name TEXT UNIQUE) STRICT;"
                                         "INSERT INTO t VALUES ('a')", &error));
  g_assert_no_error (error);
  stmt = verval_sqlite_prepare (db, "INSERT INTO t VALUES (?1)", &error);
  g_assert_no_error (error);
  verval_sqlite_bind_text (stmt, 1, "a");
  g_assert_false (verval_sqlite_step_done (stmt, "add a name", &error));
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "add a name: UNIQUE constraint failed: t.name"));
  g_assert_true (g_str_has_suffix (error->message, "(SQLite error 2067)"));
  g_assert_cmpint (sqlite3_extended_errcode (db), ==, SQLITE_CONSTRAINT_UNIQUE);
  g_clear_error (&error);

  /* NULL stays NULL both ways */
  g_assert_true (verval_sqlite_step_done (stmt, "add no name", &error));
  g_assert_no_error (error);
  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = verval_sqlite_prepare (db, "SELECT name FROM t ORDER BY name NULLS FIRST", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_null (verval_sqlite_column_dup (stmt, 0));

  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (db);
}

static void
test_sqlite_step_done (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db = open_memory ();
  char *text;

  g_assert_true (verval_sqlite_exec (db, "CREATE TABLE t (n INTEGER, label TEXT) STRICT", &error));
  /* a statement with rows runs to its end: every row is inserted */
  stmt = verval_sqlite_prepare (db, "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5) "
                                    "INSERT INTO t (n, label) SELECT n, ?1 FROM s RETURNING n", &error);
  g_assert_no_error (error);
  text = g_strdup ("first");
  verval_sqlite_bind_text (stmt, 1, text);
  g_free (text);   /* the binding holds its own copy */
  g_assert_true (verval_sqlite_step_done (stmt, "fill", &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t WHERE label = 'first'"), ==, 5);

  /* reset and unbound: ready to run again with nothing left bound */
  g_assert_true (verval_sqlite_step_done (stmt, "fill again", &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 10);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t WHERE label IS NULL"), ==, 5);

  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (db);
}

static void
test_sqlite_transaction (void)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = open_memory ();

  g_assert_true (verval_sqlite_exec (db, "CREATE TABLE t (n INTEGER) STRICT", &error));
  g_assert_true (verval_sqlite_begin (db, &error));
  g_assert_true (verval_sqlite_exec (db, "INSERT INTO t VALUES (1)", &error));
  g_assert_true (verval_sqlite_end (db, TRUE, &error));
  g_assert_no_error (error);

  g_assert_true (verval_sqlite_begin (db, &error));
  g_assert_true (verval_sqlite_exec (db, "INSERT INTO t VALUES (2)", &error));
  g_assert_false (verval_sqlite_end (db, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (sqlite3_get_autocommit (db));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 1);

  /* a commit that fails is rolled back and says why */
  g_assert_true (verval_sqlite_exec (db, "CREATE TABLE p (id INTEGER PRIMARY KEY) STRICT;"
                                         "CREATE TABLE c (p INTEGER REFERENCES p (id) "
                                         "  DEFERRABLE INITIALLY DEFERRED) STRICT", &error));
  g_assert_true (verval_sqlite_begin (db, &error));
  g_assert_true (verval_sqlite_exec (db, "INSERT INTO c VALUES (7); INSERT INTO t VALUES (3)", &error));
  g_assert_false (verval_sqlite_end (db, TRUE, &error));
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_assert_true (sqlite3_get_autocommit (db));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 1);

  sqlite3_close (db);
}

/* Migrations ------------------------------------------------------------- */

/* What the steps' functions did, in order: they get no user data. */
static GString *ran;

typedef struct {
  sqlite3 *db;
  int      version;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->db = open_memory ();
  f->version = -2;
  ran = g_string_new (NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_string_free (g_steal_pointer (&ran), TRUE);
  sqlite3_close (f->db);
}

static gboolean
note_func (sqlite3  *db,
           GError  **error)
{
  g_string_append_printf (ran, "func@%d ", (int) query_int (db, "SELECT count(*) FROM b"));
  return verval_sqlite_exec (db, "INSERT INTO b VALUES ('from func')", error);
}

static gboolean
failing_func (sqlite3  *db,
              GError  **error)
{
  g_string_append (ran, "failing ");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the data cannot move");
  return FALSE;
}

static const VervalSqliteMigration good_steps[] = {
  { 1, "CREATE TABLE a (x INTEGER) STRICT;", NULL },
  /* the SQL runs before the function, in the same transaction */
  { 2, "CREATE TABLE b (y TEXT) STRICT; INSERT INTO b VALUES ('from sql');", note_func },
  { 4, "ALTER TABLE a ADD COLUMN z TEXT;", NULL },
};

static gboolean
migrate_good (Fixture                   *f,
              VervalSqliteMigrateFlags   flags,
              GError                   **error)
{
  return verval_sqlite_migrate (f->db, good_steps, G_N_ELEMENTS (good_steps), flags, &f->version, error);
}

static void
test_sqlite_migrate_order (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (migrate_good (f, VERVAL_SQLITE_MIGRATE_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f->version, ==, 4);
  g_assert_cmpint (query_int (f->db, "PRAGMA user_version"), ==, 4);
  g_assert_cmpstr (ran->str, ==, "func@1 ");
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM b"), ==, 2);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM pragma_table_info ('a') WHERE name = 'z'"), ==, 1);
  g_assert_true (sqlite3_get_autocommit (f->db));

  /* at the last version: nothing runs again */
  g_assert_true (migrate_good (f, VERVAL_SQLITE_MIGRATE_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f->version, ==, 4);
  g_assert_cmpstr (ran->str, ==, "func@1 ");
}

/* A file at version 1 takes only the steps after it. */
static void
test_sqlite_migrate_from_older (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_sqlite_exec (f->db, "CREATE TABLE a (x INTEGER) STRICT; PRAGMA user_version = 1",
                                     &error));
  g_assert_true (migrate_good (f, VERVAL_SQLITE_MIGRATE_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f->version, ==, 4);
  g_assert_cmpstr (ran->str, ==, "func@1 ");
}

/* A step whose SQL (data: 0) or function (1) fails leaves nothing behind. */
static void
test_sqlite_migrate_failing_step (Fixture       *f,
                                  gconstpointer  data)
{
  static const VervalSqliteMigration sql_fails[] = {
    { 1, "CREATE TABLE a (x INTEGER) STRICT;", NULL },
    { 2, "CREATE TABLE half (x INTEGER) STRICT; INSERT INTO a VALUES (1); INSERT INTO nowhere VALUES (1);",
      NULL },
    { 3, "CREATE TABLE never (x INTEGER) STRICT;", NULL },
  };
  static const VervalSqliteMigration func_fails[] = {
    { 1, "CREATE TABLE a (x INTEGER) STRICT;", NULL },
    { 2, "CREATE TABLE half (x INTEGER) STRICT; INSERT INTO a VALUES (1);", failing_func },
    { 3, "CREATE TABLE never (x INTEGER) STRICT;", NULL },
  };
  gboolean in_func = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  g_assert_false (verval_sqlite_migrate (f->db, in_func ? func_fails : sql_fails, 3,
                                         VERVAL_SQLITE_MIGRATE_NONE, &f->version, &error));
  if (in_func)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  else
    g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Schema version 2: "));
  /* the first step stays, the failing one left nothing, the next never ran */
  g_assert_cmpint (f->version, ==, 1);
  g_assert_cmpint (query_int (f->db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM a"), ==, 0);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('half', 'never')"),
                   ==, 0);
  g_assert_cmpstr (ran->str, ==, in_func ? "failing " : "");
  g_assert_true (sqlite3_get_autocommit (f->db));
}

static void
test_sqlite_migrate_too_new (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_sqlite_exec (f->db, "CREATE TABLE future (x INTEGER) STRICT; PRAGMA user_version = 9",
                                     &error));
  g_assert_false (migrate_good (f, VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES, &error));
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_TOO_NEW);
  g_assert_cmpint (f->version, ==, 9);
  /* not touched */
  g_assert_cmpint (query_int (f->db, "PRAGMA user_version"), ==, 9);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM sqlite_schema"), ==, 1);
  g_assert_cmpint (query_int (f->db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpstr (ran->str, ==, "");
}

/* With foreign keys off a parent table can be rebuilt without cascading to
 * its children; a step that loses a parent row is refused all the same. */
static void
test_sqlite_migrate_references (Fixture       *f,
                                gconstpointer  data)
{
  static const VervalSqliteMigration steps[] = {
    { 1,
      "CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;"
      "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE) STRICT;"
      "INSERT INTO parent VALUES (1), (2);"
      "INSERT INTO child VALUES (1), (2);", NULL },
    /* a rebuild that keeps every row */
    { 2,
      "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '') STRICT;"
      "INSERT INTO parent_new (id) SELECT id FROM parent;"
      "DROP TABLE parent;"
      "ALTER TABLE parent_new RENAME TO parent;", NULL },
    /* a rebuild that forgets parent 2, which a child points at */
    { 3,
      "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '') STRICT;"
      "INSERT INTO parent_new (id) SELECT id FROM parent WHERE id = 1;"
      "DROP TABLE parent;"
      "ALTER TABLE parent_new RENAME TO parent;", NULL },
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (verval_sqlite_migrate (f->db, steps, 2, VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES,
                                        &f->version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f->version, ==, 2);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM child"), ==, 2);
  g_assert_cmpint (query_int (f->db, "PRAGMA foreign_keys"), ==, 1);

  g_assert_false (verval_sqlite_migrate (f->db, steps, 3, VERVAL_SQLITE_MIGRATE_CHECK_REFERENCES,
                                         &f->version, &error));
  g_assert_error (error, VERVAL_SQLITE_ERROR, VERVAL_SQLITE_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Schema version 3: "));
  g_assert_nonnull (strstr (error->message, "child"));
  g_assert_cmpint (f->version, ==, 2);
  g_assert_cmpint (query_int (f->db, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM parent"), ==, 2);
  g_assert_cmpint (query_int (f->db, "SELECT count(*) FROM child"), ==, 2);
  /* the connection checks references again */
  g_assert_cmpint (query_int (f->db, "PRAGMA foreign_keys"), ==, 1);
}

#define add_migrate_test(path, data, func) \
  g_test_add ("/common/sqlite/migrate/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/sqlite/error", test_sqlite_error);
  g_test_add_func ("/common/sqlite/step-done", test_sqlite_step_done);
  g_test_add_func ("/common/sqlite/transaction", test_sqlite_transaction);
  add_migrate_test ("order", NULL, test_sqlite_migrate_order);
  add_migrate_test ("from-older", NULL, test_sqlite_migrate_from_older);
  add_migrate_test ("failing-sql", GINT_TO_POINTER (FALSE), test_sqlite_migrate_failing_step);
  add_migrate_test ("failing-func", GINT_TO_POINTER (TRUE), test_sqlite_migrate_failing_step);
  add_migrate_test ("too-new", NULL, test_sqlite_migrate_too_new);
  add_migrate_test ("references", NULL, test_sqlite_migrate_references);
  return g_test_run ();
}
