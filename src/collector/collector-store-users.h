/* collector-store-users.h: the supervisors' accounts and sessions, as a store keeps them
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* the object every concern of the store is reached through (collector-store.h) */
typedef struct _CollectorStore CollectorStore;

typedef enum {
  COLLECTOR_ROLE_ADMIN,        /* Dinas Sosial staff running the round */
  COLLECTOR_ROLE_SUPERVISOR,   /* Korkab, Korcam */
  COLLECTOR_ROLE_VIEWER,       /* Bappeda, TKPK: reports only */
} CollectorRole;

/* An account of the dashboard, tied to one region and its subtree. */
typedef struct {
  gint64         id;
  char          *name;
  CollectorRole  role;
  char          *region;               /* digits: 2, 4, 6 or 10 of them */
  char          *password_hash;        /* argon2id; NULL in lists */
  gboolean       disabled;
  gint64         created_at;           /* unix seconds */
  gint64         password_changed_at;
} CollectorUser;

/* A signed-in browser: found by the hash of its cookie's token. */
typedef struct {
  CollectorUser *user;                 /* without its password hash */
  char          *csrf_token;           /* what state-changing requests send back */
  gint64         created_at;
  gint64         last_used_at;
} CollectorSession;

#define COLLECTOR_TYPE_USER_STORE (collector_user_store_get_type ())
G_DECLARE_INTERFACE (CollectorUserStore, collector_user_store, COLLECTOR, USER_STORE, GObject)

struct _CollectorUserStoreInterface
{
  GTypeInterface parent_iface;

  gboolean          (*add_user)          (CollectorUserStore  *self,
                                          const char          *name,
                                          CollectorRole        role,
                                          const char          *region,
                                          const char          *password_hash,
                                          gint64              *id,
                                          GError             **error);
  /* by @name, or by @id when @name is NULL; NULL without an error when
   * there is no such account */
  CollectorUser    *(*find_user)         (CollectorUserStore  *self,
                                          const char          *name,
                                          gint64               id,
                                          GError             **error);
  /* @region: NULL for all */
  GPtrArray        *(*list_users)        (CollectorUserStore  *self,
                                          const char          *region,
                                          GError             **error);
  gboolean          (*set_user_disabled) (CollectorUserStore  *self,
                                          gint64               id,
                                          gboolean             disabled,
                                          GError             **error);
  gboolean          (*set_user_password) (CollectorUserStore  *self,
                                          gint64               id,
                                          const char          *password_hash,
                                          GError             **error);
  /* Asks collector_rules_check_sign_in() with the account as it is in the
   * transaction that writes the session. */
  CollectorSession *(*create_session)    (CollectorUserStore  *self,
                                          gint64               user_id,
                                          const char          *verified_hash,
                                          const char          *token_hash,
                                          const char          *csrf_token,
                                          gint64               now,
                                          GError             **error);
  /* Asks collector_rules_check_session(), and writes the new last use
   * when the rule says it is due. */
  CollectorSession *(*lookup_session)    (CollectorUserStore  *self,
                                          const char          *token_hash,
                                          gint64               now,
                                          GError             **error);
  gboolean          (*end_session)       (CollectorUserStore  *self,
                                          const char          *token_hash,
                                          GError             **error);
};

/* Adds an account. @name and @region are checked by the rules
 * (collector_rules_user_name(), collector_rules_user_region()) and kept
 * in their canonical forms: the name in NFC, the region as digits. A name
 * taken already is COLLECTOR_ERROR_EXISTS. */
gboolean          collector_store_add_user          (CollectorStore  *self,
                                                     const char      *name,
                                                     CollectorRole    role,
                                                     const char      *region,
                                                     const char      *password_hash,
                                                     gint64          *id,
                                                     GError         **error);
/* With its password hash; NULL with COLLECTOR_ERROR_NOT_FOUND. */
CollectorUser    *collector_store_find_user_by_name (CollectorStore  *self,
                                                     const char      *name,
                                                     GError         **error);
CollectorUser    *collector_store_find_user_by_id   (CollectorStore  *self,
                                                     gint64           id,
                                                     GError         **error);
/* Every account by name, or those whose region lies in the subtree of
 * @region (the region itself and every region below it). */
GPtrArray        *collector_store_list_users        (CollectorStore  *self,
                                                     const char      *region,
                                                     GError         **error);
/* Disabling an account ends its sessions. */
gboolean          collector_store_set_user_disabled (CollectorStore  *self,
                                                     gint64           id,
                                                     gboolean         disabled,
                                                     GError         **error);
/* A new password ends the account's sessions. */
gboolean          collector_store_set_user_password (CollectorStore  *self,
                                                     gint64           id,
                                                     const char      *password_hash,
                                                     GError         **error);
/* Signs @user_id in at @now, once its password was checked against
 * @verified_hash: refused (COLLECTOR_ERROR_INVALID_CREDENTIALS) if the
 * account was disabled or given another password since. Only the hash of
 * the cookie's token is kept; sessions idle too long are forgotten. */
CollectorSession *collector_store_create_session    (CollectorStore  *self,
                                                     gint64           user_id,
                                                     const char      *verified_hash,
                                                     const char      *token_hash,
                                                     const char      *csrf_token,
                                                     gint64           now,
                                                     GError         **error);
/* The session whose token hashes to @token_hash, with its account, as of
 * @now: COLLECTOR_ERROR_INVALID_SESSION or SESSION_EXPIRED when it may not
 * be used. Its last use is written at most once a minute. */
CollectorSession *collector_store_lookup_session    (CollectorStore  *self,
                                                     const char      *token_hash,
                                                     gint64           now,
                                                     GError         **error);
/* Signs out: the session is gone, if it was there at all. */
gboolean          collector_store_end_session       (CollectorStore  *self,
                                                     const char      *token_hash,
                                                     GError         **error);

/* "admin", "supervisor", "viewer" */
const char       *collector_role_to_string          (CollectorRole    role);
gboolean          collector_role_from_string        (const char      *text,
                                                     CollectorRole   *role);

/* A session begun at @now for @user (taken; its password hash is dropped). */
CollectorSession *collector_session_new             (CollectorUser   *user,
                                                     const char      *csrf_token,
                                                     gint64           now);
void              collector_user_free               (CollectorUser   *user);
void              collector_session_free            (CollectorSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorUser, collector_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CollectorSession, collector_session_free)

G_END_DECLS
