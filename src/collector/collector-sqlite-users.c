/* collector-sqlite-users.c: the dashboard's accounts and sessions in SQLite
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-sqlite-private.h"
#include "collector-sqlite-store.h"

#define USER_COLUMNS \
  "u.id, u.name, u.role, u.region, u.password_hash, u.disabled, u.created_at, u.password_changed_at"
/* the same without the password hash, for everything but a sign-in */
#define USER_COLUMNS_NO_HASH \
  "u.id, u.name, u.role, u.region, NULL, u.disabled, u.created_at, u.password_changed_at"

/* ---------------------------------------------------------------- accounts */

typedef struct
{
  const char    *name;
  CollectorRole  role;
  const char    *region;
  const char    *password_hash;
  gint64         id;
  gboolean       disabled;
} UserData;

static gboolean
do_add_user (CollectorSqliteStore  *self,
             CollectorSqliteConn   *conn,
             gpointer               data,
             GError               **error)
{
  UserData *d = data;
  static const char *sql =
    "INSERT INTO users (name, role, region, password_hash, created_at, password_changed_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5)";

  if (!collector_sqlite_run (conn, sql, error, SQL_TEXT (d->name), SQL_TEXT (collector_role_to_string (d->role)),
                             SQL_TEXT (d->region), SQL_TEXT (d->password_hash),
                             SQL_INT (collector_sqlite_now ()), SQL_END))
    {
      if (collector_sqlite_failed_on (conn, SQLITE_CONSTRAINT_UNIQUE, error))
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS, "A user named “%s” already exists", d->name);
      return FALSE;
    }
  d->id = sqlite3_last_insert_rowid (conn->db);
  return TRUE;
}

static gboolean
sqlite_add_user (CollectorUserStore  *store,
                 const char          *name,
                 CollectorRole        role,
                 const char          *region,
                 const char          *password_hash,
                 gint64              *id,
                 GError             **error)
{
  UserData d = { name, role, region, password_hash, 0, FALSE };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_add_user, &d, error))
    return FALSE;
  if (id != NULL)
    *id = d.id;
  return TRUE;
}

/* The rows of @sql, whose first parameter is @text if not NULL, else @id. */
static GPtrArray *
read_users (CollectorSqliteStore  *self,
            const char            *sql,
            const char            *text,
            gint64                 id,
            GError               **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_user_free);
  CollectorSqliteConn *conn;
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = collector_sqlite_reader_statement (self, sql, &conn, error)) == NULL)
    return NULL;
  if (text != NULL)
    verval_sqlite_bind_text (stmt, 1, text);
  else if (id != 0)
    sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, collector_user_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0));
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read users", error))
    return NULL;
  return g_steal_pointer (&out);
}

static CollectorUser *
sqlite_find_user (CollectorUserStore  *store,
                  const char          *name,
                  gint64               id,
                  GError             **error)
{
  static const char *by_name_sql = "SELECT " USER_COLUMNS " FROM users u WHERE u.name = ?";
  static const char *by_id_sql = "SELECT " USER_COLUMNS " FROM users u WHERE u.id = ?";
  g_autoptr(GPtrArray) users = read_users (COLLECTOR_SQLITE_STORE (store), name != NULL ? by_name_sql : by_id_sql,
                                           name, id, error);

  if (users == NULL || users->len == 0)
    return NULL;
  return g_ptr_array_steal_index (users, 0);
}

static GPtrArray *
sqlite_list_users (CollectorUserStore  *store,
                   const char          *region,
                   GError             **error)
{
  static const char *all_sql = "SELECT " USER_COLUMNS_NO_HASH " FROM users u ORDER BY u.name";
  /* a subtree's codes all begin with its digits, and ':' sorts right
   * after '9': the range is the subtree, read through users_region */
  static const char *subtree_sql =
    "SELECT " USER_COLUMNS_NO_HASH " FROM users u"
    " WHERE u.region >= ?1 AND u.region < ?1 || ':' ORDER BY u.name";

  return read_users (COLLECTOR_SQLITE_STORE (store), region != NULL ? subtree_sql : all_sql, region, 0, error);
}

static gboolean
do_set_user_disabled (CollectorSqliteStore  *self,
                      CollectorSqliteConn   *conn,
                      gpointer               data,
                      GError               **error)
{
  UserData *d = data;
  static const char *sql = "UPDATE users SET disabled = ? WHERE id = ?";
  static const char *end_sql = "DELETE FROM sessions WHERE user_id = ?";

  if (!collector_sqlite_run (conn, sql, error, SQL_INT (d->disabled ? 1 : 0), SQL_INT (d->id), SQL_END) ||
      !collector_sqlite_check_found (conn, "user", d->id, error))
    return FALSE;
  return !d->disabled || collector_sqlite_run (conn, end_sql, error, SQL_INT (d->id), SQL_END);
}

static gboolean
sqlite_set_user_disabled (CollectorUserStore  *store,
                          gint64               id,
                          gboolean             disabled,
                          GError             **error)
{
  UserData d = { NULL, 0, NULL, NULL, id, disabled };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_set_user_disabled, &d, error);
}

static gboolean
do_set_user_password (CollectorSqliteStore  *self,
                      CollectorSqliteConn   *conn,
                      gpointer               data,
                      GError               **error)
{
  UserData *d = data;
  static const char *sql = "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?";
  static const char *end_sql = "DELETE FROM sessions WHERE user_id = ?";

  return collector_sqlite_run (conn, sql, error, SQL_TEXT (d->password_hash), SQL_INT (collector_sqlite_now ()),
                               SQL_INT (d->id), SQL_END) &&
         collector_sqlite_check_found (conn, "user", d->id, error) &&
         collector_sqlite_run (conn, end_sql, error, SQL_INT (d->id), SQL_END);
}

static gboolean
sqlite_set_user_password (CollectorUserStore  *store,
                          gint64               id,
                          const char          *password_hash,
                          GError             **error)
{
  UserData d = { NULL, 0, NULL, password_hash, id, FALSE };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_set_user_password, &d, error);
}

/* ---------------------------------------------------------------- sessions */

typedef struct
{
  gint64            user_id;
  const char       *verified_hash;
  const char       *token_hash;
  const char       *csrf_token;
  gint64            now;
  CollectorSession *session;
} SessionData;

static gboolean
do_create_session (CollectorSqliteStore  *self,
                   CollectorSqliteConn   *conn,
                   gpointer               data,
                   GError               **error)
{
  SessionData *d = data;
  static const char *user_sql = "SELECT " USER_COLUMNS " FROM users u WHERE u.id = ?";
  static const char *forget_sql = "DELETE FROM sessions WHERE last_used_at <= ?";
  static const char *insert_sql =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?4)";
  g_autoptr(CollectorUser) user = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = collector_sqlite_stmt (conn, user_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, d->user_id);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    user = collector_user_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return verval_sqlite_set_error (error, conn->db, "Cannot read the user");
  /* decided in the transaction that writes the session: a password changed
   * or an account disabled since the password was checked wins */
  if (!collector_rules_check_sign_in (user, d->verified_hash, error))
    return FALSE;
  if (!collector_sqlite_run (conn, forget_sql, error, SQL_INT (d->now - COLLECTOR_SESSION_IDLE), SQL_END) ||
      !collector_sqlite_run (conn, insert_sql, error, SQL_TEXT (d->token_hash), SQL_INT (d->user_id),
                             SQL_TEXT (d->csrf_token), SQL_INT (d->now), SQL_END))
    return FALSE;

  d->session = collector_session_new (g_steal_pointer (&user), d->csrf_token, d->now);
  return TRUE;
}

static CollectorSession *
sqlite_create_session (CollectorUserStore  *store,
                       gint64               user_id,
                       const char          *verified_hash,
                       const char          *token_hash,
                       const char          *csrf_token,
                       gint64               now,
                       GError             **error)
{
  SessionData d = { user_id, verified_hash, token_hash, csrf_token, now, NULL };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_create_session, &d, error))
    {
      g_clear_pointer (&d.session, collector_session_free);
      return NULL;
    }
  return d.session;
}

static gboolean
do_touch_session (CollectorSqliteStore  *self,
                  CollectorSqliteConn   *conn,
                  gpointer               data,
                  GError               **error)
{
  SessionData *d = data;
  /* another request may have written a later use meanwhile */
  static const char *sql = "UPDATE sessions SET last_used_at = ?1 WHERE token_hash = ?2 AND last_used_at < ?1";

  return collector_sqlite_run (conn, sql, error, SQL_INT (d->now), SQL_TEXT (d->token_hash), SQL_END);
}

static CollectorSession *
sqlite_lookup_session (CollectorUserStore  *store,
                       const char          *token_hash,
                       gint64               now,
                       GError             **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT s.csrf_token, s.created_at, s.last_used_at, " USER_COLUMNS_NO_HASH
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?";
  g_autoptr(CollectorSession) session = NULL;
  SessionData d = { 0, NULL, token_hash, NULL, now, NULL };
  CollectorSqliteConn *conn;
  sqlite3_stmt *stmt;
  gboolean refresh;
  int rc;

  if ((stmt = collector_sqlite_reader_statement (self, sql, &conn, error)) == NULL)
    return NULL;
  verval_sqlite_bind_text (stmt, 1, token_hash);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    session = collector_session_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0);
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read the session", error) ||
      !collector_rules_check_session (session, now, &refresh, error))
    return NULL;
  if (refresh)
    {
      if (!collector_sqlite_run_write (self, do_touch_session, &d, error))
        return NULL;
      session->last_used_at = now;
    }
  return g_steal_pointer (&session);
}

static gboolean
do_end_session (CollectorSqliteStore  *self,
                CollectorSqliteConn   *conn,
                gpointer               data,
                GError               **error)
{
  SessionData *d = data;
  static const char *sql = "DELETE FROM sessions WHERE token_hash = ?";

  return collector_sqlite_run (conn, sql, error, SQL_TEXT (d->token_hash), SQL_END);
}

static gboolean
sqlite_end_session (CollectorUserStore  *store,
                    const char          *token_hash,
                    GError             **error)
{
  SessionData d = { 0, NULL, token_hash, NULL, 0, NULL };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_end_session, &d, error);
}

void
collector_sqlite_users_iface_init (CollectorUserStoreInterface *iface)
{
  iface->add_user = sqlite_add_user;
  iface->find_user = sqlite_find_user;
  iface->list_users = sqlite_list_users;
  iface->set_user_disabled = sqlite_set_user_disabled;
  iface->set_user_password = sqlite_set_user_password;
  iface->create_session = sqlite_create_session;
  iface->lookup_session = sqlite_lookup_session;
  iface->end_session = sqlite_end_session;
}
