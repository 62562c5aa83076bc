/* collector-store-users.c: the accounts and sessions concern of the store
 *
 * What an account may be is checked here, before either store sees it, so
 * that the two stores cannot differ on it.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-rules.h"
#include "collector-store.h"

G_DEFINE_INTERFACE (CollectorUserStore, collector_user_store, G_TYPE_OBJECT)

static void
collector_user_store_default_init (CollectorUserStoreInterface *iface)
{
}

#define IFACE(self) COLLECTOR_USER_STORE_GET_IFACE (self)

static const char * const role_names[] = {
  [COLLECTOR_ROLE_ADMIN] = "admin",
  [COLLECTOR_ROLE_SUPERVISOR] = "supervisor",
  [COLLECTOR_ROLE_VIEWER] = "viewer",
};

const char *
collector_role_to_string (CollectorRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);

  return role_names[role];
}

gboolean
collector_role_from_string (const char    *text,
                            CollectorRole *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (g_strcmp0 (text, role_names[i]) == 0)
      {
        *role = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
collector_store_add_user (CollectorStore  *self,
                          const char      *name,
                          CollectorRole    role,
                          const char      *region,
                          const char      *password_hash,
                          gint64          *id,
                          GError         **error)
{
  g_autofree char *normal_name = NULL;
  g_autofree char *digits = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), FALSE);
  g_return_val_if_fail (password_hash != NULL, FALSE);

  if ((normal_name = collector_rules_user_name (name, error)) == NULL ||
      (digits = collector_rules_user_region (region, error)) == NULL)
    return FALSE;
  return IFACE (self)->add_user (COLLECTOR_USER_STORE (self), normal_name, role, digits, password_hash, id,
                                 error);
}

CollectorUser *
collector_store_find_user_by_name (CollectorStore  *self,
                                   const char      *name,
                                   GError         **error)
{
  g_autofree char *normal_name = NULL;
  CollectorUser *user;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* a name no account can have is no account's */
  if ((normal_name = collector_rules_user_name (name, NULL)) != NULL &&
      (user = IFACE (self)->find_user (COLLECTOR_USER_STORE (self), normal_name, 0, error)) != NULL)
    return user;
  if (error == NULL || *error == NULL)
    g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND, "No user named “%s”", name);
  return NULL;
}

CollectorUser *
collector_store_find_user_by_id (CollectorStore  *self,
                                 gint64           id,
                                 GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  CollectorUser *user;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  if ((user = IFACE (self)->find_user (COLLECTOR_USER_STORE (self), NULL, id, &local_error)) != NULL)
    return user;
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND, "No user number %" G_GINT64_FORMAT, id);
  return NULL;
}

GPtrArray *
collector_store_list_users (CollectorStore  *self,
                            const char      *region,
                            GError         **error)
{
  g_autofree char *digits = NULL;

  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);

  if (region != NULL && (digits = collector_rules_user_region (region, error)) == NULL)
    return NULL;
  return IFACE (self)->list_users (COLLECTOR_USER_STORE (self), digits, error);
}

gboolean
collector_store_set_user_disabled (CollectorStore  *self,
                                   gint64           id,
                                   gboolean         disabled,
                                   GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);

  return IFACE (self)->set_user_disabled (COLLECTOR_USER_STORE (self), id, disabled, error);
}

gboolean
collector_store_set_user_password (CollectorStore  *self,
                                   gint64           id,
                                   const char      *password_hash,
                                   GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (password_hash != NULL, FALSE);

  return IFACE (self)->set_user_password (COLLECTOR_USER_STORE (self), id, password_hash, error);
}

CollectorSession *
collector_store_create_session (CollectorStore  *self,
                                gint64           user_id,
                                const char      *verified_hash,
                                const char      *token_hash,
                                const char      *csrf_token,
                                gint64           now,
                                GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (verified_hash != NULL, NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);
  g_return_val_if_fail (csrf_token != NULL, NULL);

  return IFACE (self)->create_session (COLLECTOR_USER_STORE (self), user_id, verified_hash, token_hash,
                                       csrf_token, now, error);
}

CollectorSession *
collector_store_lookup_session (CollectorStore  *self,
                                const char      *token_hash,
                                gint64           now,
                                GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);

  return IFACE (self)->lookup_session (COLLECTOR_USER_STORE (self), token_hash, now, error);
}

gboolean
collector_store_end_session (CollectorStore  *self,
                             const char      *token_hash,
                             GError         **error)
{
  g_return_val_if_fail (COLLECTOR_IS_STORE (self), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);

  return IFACE (self)->end_session (COLLECTOR_USER_STORE (self), token_hash, error);
}

void
collector_user_free (CollectorUser *user)
{
  if (user == NULL)
    return;
  g_free (user->name);
  g_free (user->region);
  g_free (user->password_hash);
  g_free (user);
}

CollectorSession *
collector_session_new (CollectorUser *user,
                       const char    *csrf_token,
                       gint64         now)
{
  CollectorSession *session;

  g_return_val_if_fail (user != NULL && csrf_token != NULL, NULL);

  session = g_new0 (CollectorSession, 1);
  g_clear_pointer (&user->password_hash, g_free);
  session->user = user;
  session->csrf_token = g_strdup (csrf_token);
  session->created_at = now;
  session->last_used_at = now;
  return session;
}

void
collector_session_free (CollectorSession *session)
{
  if (session == NULL)
    return;
  collector_user_free (session->user);
  g_free (session->csrf_token);
  g_free (session);
}
