/* collector-pg-users.c: the dashboard's accounts and sessions in PostgreSQL
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-pg-private.h"
#include "collector-rules.h"

#define USER_COLUMNS \
  "u.id, u.name, u.role, u.region, u.password_hash, u.disabled, " PG_SECONDS_OF ("u.created_at") ", " \
  PG_SECONDS_OF ("u.password_changed_at")
/* the same without the password hash, for everything but a sign-in */
#define USER_COLUMNS_NO_HASH \
  "u.id, u.name, u.role, u.region, NULL, u.disabled, " PG_SECONDS_OF ("u.created_at") ", " \
  PG_SECONDS_OF ("u.password_changed_at")

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
do_add_user (CollectorPgConn  *conn,
             gpointer          data,
             GError          **error)
{
  UserData *d = data;
  static const char *sql =
    "INSERT INTO users (name, role, region, password_hash, created_at, password_changed_at)"
    " VALUES ($1, $2, $3, $4, to_timestamp ($5), to_timestamp ($5)) RETURNING id";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (d->name),
                                      PG_TEXT (collector_role_to_string (d->role)), PG_TEXT (d->region),
                                      PG_TEXT (d->password_hash), PG_INT (collector_pg_now ()), PG_END);

  if (res == NULL)
    {
      if (collector_pg_failed_with (conn, PG_UNIQUE_VIOLATION, error))
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS, "A user named “%s” already exists", d->name);
      return FALSE;
    }
  d->id = collector_pg_get_int (res, 0, 0);
  PQclear (res);
  return TRUE;
}

static gboolean
pg_add_user (CollectorUserStore  *store,
             const char          *name,
             CollectorRole        role,
             const char          *region,
             const char          *password_hash,
             gint64              *id,
             GError             **error)
{
  UserData d = { name, role, region, password_hash, 0, FALSE };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_add_user, &d, error))
    return FALSE;
  if (id != NULL)
    *id = d.id;
  return TRUE;
}

typedef struct
{
  const char *name;       /* by name, or else */
  gint64      id;         /* by id, or else */
  const char *region;     /* the subtree of, or all when NULL */
  GPtrArray  *out;
} UsersQuery;

static gboolean
do_read_users (CollectorPgConn  *conn,
               gpointer          data,
               GError          **error)
{
  UsersQuery *q = data;
  static const char *by_name_sql = "SELECT " USER_COLUMNS " FROM users u WHERE u.name = $1";
  static const char *by_id_sql = "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1";
  static const char *all_sql = "SELECT " USER_COLUMNS_NO_HASH " FROM users u ORDER BY u.name";
  /* a subtree's codes all begin with its digits, and ':' sorts right after
   * '9' in the "C" collation: the range is the subtree, read through
   * users_region */
  static const char *subtree_sql =
    "SELECT " USER_COLUMNS_NO_HASH " FROM users u"
    " WHERE u.region >= $1 AND u.region < $1 || ':' ORDER BY u.name";
  PGresult *res;

  if (q->name != NULL)
    res = collector_pg_query (conn, by_name_sql, error, PG_TEXT (q->name), PG_END);
  else if (q->id != 0)
    res = collector_pg_query (conn, by_id_sql, error, PG_INT (q->id), PG_END);
  else if (q->region != NULL)
    res = collector_pg_query (conn, subtree_sql, error, PG_TEXT (q->region), PG_END);
  else
    res = collector_pg_query (conn, all_sql, error, PG_END);
  if (res == NULL)
    return FALSE;
  g_ptr_array_set_size (q->out, 0);
  collector_pg_add_rows (q->out, res, (CollectorPgFromRow) collector_user_from_row);
  return TRUE;
}

static GPtrArray *
read_users (CollectorPgStore  *self,
            UsersQuery        *q,
            GError           **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_user_free);

  q->out = out;
  if (!collector_pg_read (self, do_read_users, q, error))
    return NULL;
  return g_steal_pointer (&out);
}

static CollectorUser *
pg_find_user (CollectorUserStore  *store,
              const char          *name,
              gint64               id,
              GError             **error)
{
  UsersQuery q = { name, name != NULL ? 0 : id, NULL, NULL };
  g_autoptr(GPtrArray) users = NULL;

  /* no account has number 0, and the query would list them all */
  if (name == NULL && id == 0)
    return NULL;
  users = read_users (COLLECTOR_PG_STORE (store), &q, error);
  if (users == NULL || users->len == 0)
    return NULL;
  return g_ptr_array_steal_index (users, 0);
}

static GPtrArray *
pg_list_users (CollectorUserStore  *store,
               const char          *region,
               GError             **error)
{
  UsersQuery q = { NULL, 0, region, NULL };

  return read_users (COLLECTOR_PG_STORE (store), &q, error);
}

static gboolean
do_set_user_disabled (CollectorPgConn  *conn,
                      gpointer          data,
                      GError          **error)
{
  UserData *d = data;
  static const char *sql = "UPDATE users SET disabled = $1 WHERE id = $2";
  static const char *end_sql = "DELETE FROM sessions WHERE user_id = $1";
  gint64 changed = collector_pg_command (conn, sql, error, PG_BOOL (d->disabled), PG_INT (d->id), PG_END);

  if (changed == 0)
    collector_pg_set_not_found (error, "user", d->id);
  if (changed <= 0)
    return FALSE;
  return !d->disabled || collector_pg_command (conn, end_sql, error, PG_INT (d->id), PG_END) >= 0;
}

static gboolean
pg_set_user_disabled (CollectorUserStore  *store,
                      gint64               id,
                      gboolean             disabled,
                      GError             **error)
{
  UserData d = { NULL, 0, NULL, NULL, id, disabled };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_set_user_disabled, &d, error);
}

static gboolean
do_set_user_password (CollectorPgConn  *conn,
                      gpointer          data,
                      GError          **error)
{
  UserData *d = data;
  static const char *sql =
    "UPDATE users SET password_hash = $1, password_changed_at = to_timestamp ($2) WHERE id = $3";
  /* a sign-in writing its session now holds the account's row (FOR SHARE
   * in do_create_session()): the UPDATE waited for it, and this statement
   * sees its session and ends it */
  static const char *end_sql = "DELETE FROM sessions WHERE user_id = $1";
  gint64 changed = collector_pg_command (conn, sql, error, PG_TEXT (d->password_hash), PG_INT (collector_pg_now ()),
                                         PG_INT (d->id), PG_END);

  if (changed == 0)
    collector_pg_set_not_found (error, "user", d->id);
  if (changed <= 0)
    return FALSE;
  return collector_pg_command (conn, end_sql, error, PG_INT (d->id), PG_END) >= 0;
}

static gboolean
pg_set_user_password (CollectorUserStore  *store,
                      gint64               id,
                      const char          *password_hash,
                      GError             **error)
{
  UserData d = { NULL, 0, NULL, password_hash, id, FALSE };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_set_user_password, &d, error);
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
do_create_session (CollectorPgConn  *conn,
                   gpointer          data,
                   GError          **error)
{
  SessionData *d = data;
  /* the account's row stays shared-locked until the commit: a new
   * password or a disabling waits for this session, then ends it */
  static const char *user_sql = "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1 FOR SHARE";
  static const char *forget_sql = "DELETE FROM sessions WHERE last_used_at <= to_timestamp ($1)";
  static const char *insert_sql =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_used_at)"
    " VALUES ($1, $2, $3, to_timestamp ($4), to_timestamp ($4))";
  g_autoptr(CollectorUser) user = NULL;
  PGresult *res;

  g_clear_pointer (&d->session, collector_session_free);
  if ((res = collector_pg_query (conn, user_sql, error, PG_INT (d->user_id), PG_END)) == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      CollectorPgRow row = { res, 0 };

      user = collector_user_from_row (&COLLECTOR_PG_ROW (&row), 0);
    }
  PQclear (res);
  /* decided in the transaction that writes the session: a password changed
   * or an account disabled since the password was checked wins */
  if (!collector_rules_check_sign_in (user, d->verified_hash, error))
    return FALSE;
  if (collector_pg_command (conn, forget_sql, error, PG_INT (d->now - COLLECTOR_SESSION_IDLE), PG_END) < 0 ||
      collector_pg_command (conn, insert_sql, error, PG_TEXT (d->token_hash), PG_INT (d->user_id),
                            PG_TEXT (d->csrf_token), PG_INT (d->now), PG_END) < 0)
    return FALSE;

  d->session = collector_session_new (g_steal_pointer (&user), d->csrf_token, d->now);
  return TRUE;
}

static CollectorSession *
pg_create_session (CollectorUserStore  *store,
                   gint64               user_id,
                   const char          *verified_hash,
                   const char          *token_hash,
                   const char          *csrf_token,
                   gint64               now,
                   GError             **error)
{
  SessionData d = { user_id, verified_hash, token_hash, csrf_token, now, NULL };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_create_session, &d, error))
    {
      g_clear_pointer (&d.session, collector_session_free);
      return NULL;
    }
  return d.session;
}

static gboolean
do_read_session (CollectorPgConn  *conn,
                 gpointer          data,
                 GError          **error)
{
  SessionData *d = data;
  static const char *sql =
    "SELECT s.csrf_token, " PG_SECONDS_OF ("s.created_at") ", " PG_SECONDS_OF ("s.last_used_at") ", "
    USER_COLUMNS_NO_HASH " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (d->token_hash), PG_END);

  if (res == NULL)
    return FALSE;
  g_clear_pointer (&d->session, collector_session_free);
  if (PQntuples (res) > 0)
    {
      CollectorPgRow row = { res, 0 };

      d->session = collector_session_from_row (&COLLECTOR_PG_ROW (&row), 0);
    }
  PQclear (res);
  return TRUE;
}

static gboolean
do_touch_session (CollectorPgConn  *conn,
                  gpointer          data,
                  GError          **error)
{
  SessionData *d = data;
  /* another request, maybe at another collector, may have written a later
   * use meanwhile */
  static const char *sql =
    "UPDATE sessions SET last_used_at = to_timestamp ($1)"
    " WHERE token_hash = $2 AND last_used_at < to_timestamp ($1)";

  return collector_pg_command (conn, sql, error, PG_INT (d->now), PG_TEXT (d->token_hash), PG_END) >= 0;
}

static CollectorSession *
pg_lookup_session (CollectorUserStore  *store,
                   const char          *token_hash,
                   gint64               now,
                   GError             **error)
{
  CollectorPgStore *self = COLLECTOR_PG_STORE (store);
  SessionData d = { 0, NULL, token_hash, NULL, now, NULL };
  g_autoptr(CollectorSession) session = NULL;
  gboolean refresh;

  if (!collector_pg_read (self, do_read_session, &d, error))
    return NULL;
  session = g_steal_pointer (&d.session);
  if (!collector_rules_check_session (session, now, &refresh, error))
    return NULL;
  if (refresh)
    {
      if (!collector_pg_write (self, do_touch_session, &d, error))
        return NULL;
      session->last_used_at = now;
    }
  return g_steal_pointer (&session);
}

static gboolean
do_end_session (CollectorPgConn  *conn,
                gpointer          data,
                GError          **error)
{
  SessionData *d = data;
  static const char *sql = "DELETE FROM sessions WHERE token_hash = $1";

  return collector_pg_command (conn, sql, error, PG_TEXT (d->token_hash), PG_END) >= 0;
}

static gboolean
pg_end_session (CollectorUserStore  *store,
                const char          *token_hash,
                GError             **error)
{
  SessionData d = { 0, NULL, token_hash, NULL, 0, NULL };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_end_session, &d, error);
}

void
collector_pg_users_iface_init (CollectorUserStoreInterface *iface)
{
  iface->add_user = pg_add_user;
  iface->find_user = pg_find_user;
  iface->list_users = pg_list_users;
  iface->set_user_disabled = pg_set_user_disabled;
  iface->set_user_password = pg_set_user_password;
  iface->create_session = pg_create_session;
  iface->lookup_session = pg_lookup_session;
  iface->end_session = pg_end_session;
}
