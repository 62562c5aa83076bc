/* collector-sqlite-devices.c: enumerators, enrollment codes and devices in SQLite
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

/* ---------------------------------------------------------------- enumerators */

typedef struct
{
  const char *name;
  const char *phone;
  gint64      id;
  gboolean    disabled;
} EnumeratorData;

static gboolean
do_add_enumerator (CollectorSqliteStore  *self,
                   CollectorSqliteConn   *conn,
                   gpointer               data,
                   GError               **error)
{
  EnumeratorData *d = data;
  static const char *sql =
    "INSERT INTO enumerators (name, phone, created_at) VALUES (?, ?, ?)";

  if (!collector_sqlite_run (conn, sql, error, SQL_TEXT (d->name), SQL_TEXT (d->phone),
                             SQL_INT (collector_sqlite_now ()), SQL_END))
    {
      if (collector_sqlite_failed_on (conn, SQLITE_CONSTRAINT_UNIQUE, error))
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS,
                     "An enumerator named “%s” already exists", d->name);
      return FALSE;
    }
  d->id = sqlite3_last_insert_rowid (conn->db);
  return TRUE;
}

static gboolean
sqlite_add_enumerator (CollectorDeviceStore  *store,
                       const char            *name,
                       const char            *phone,
                       gint64                *id,
                       GError               **error)
{
  EnumeratorData d = { name, phone, 0, FALSE };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_add_enumerator, &d, error))
    return FALSE;
  if (id != NULL)
    *id = d.id;
  return TRUE;
}

static GPtrArray *
sqlite_list_enumerators (CollectorDeviceStore  *store,
                         GError               **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT e.id, e.name, e.phone, e.disabled, e.created_at,"
    " (SELECT count(*) FROM assignments a WHERE a.enumerator_id = e.id AND a.active = 1),"
    " (SELECT count(*) FROM devices d WHERE d.enumerator_id = e.id AND d.revoked_at IS NULL)"
    " FROM enumerators e ORDER BY e.id";
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_enumerator_free);
  sqlite3_stmt *stmt;
  CollectorSqliteConn *conn;
  int rc;

  if ((stmt = collector_sqlite_reader_statement (self, sql, &conn, error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, collector_enumerator_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0));
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot list enumerators", error))
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
do_set_enumerator_disabled (CollectorSqliteStore  *self,
                            CollectorSqliteConn   *conn,
                            gpointer               data,
                            GError               **error)
{
  EnumeratorData *d = data;
  static const char *sql = "UPDATE enumerators SET disabled = ? WHERE id = ?";

  return collector_sqlite_run (conn, sql, error, SQL_INT (d->disabled ? 1 : 0), SQL_INT (d->id), SQL_END) &&
         collector_sqlite_check_found (conn, "enumerator", d->id, error);
}

static gboolean
sqlite_set_enumerator_disabled (CollectorDeviceStore  *store,
                                gint64                 id,
                                gboolean               disabled,
                                GError               **error)
{
  EnumeratorData d = { NULL, NULL, id, disabled };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_set_enumerator_disabled, &d,
                                     error);
}

/* ---------------------------------------------------------------- enrollment */

typedef struct
{
  gint64      enumerator_id;
  const char *code_hash;
  gint64      expires_at;
} CodeData;

static gboolean
do_add_enroll_code (CollectorSqliteStore  *self,
                    CollectorSqliteConn   *conn,
                    gpointer               data,
                    GError               **error)
{
  CodeData *d = data;
  static const char *sql =
    "INSERT INTO enroll_codes (code_hash, enumerator_id, created_at, expires_at) VALUES (?, ?, ?, ?)";

  if (collector_sqlite_run (conn, sql, error, SQL_TEXT (d->code_hash), SQL_INT (d->enumerator_id),
                            SQL_INT (collector_sqlite_now ()), SQL_INT (d->expires_at), SQL_END))
    return TRUE;
  if (collector_sqlite_failed_on (conn, SQLITE_CONSTRAINT_FOREIGNKEY, error))
    g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_NOT_FOUND,
                 "No enumerator number %" G_GINT64_FORMAT, d->enumerator_id);
  return FALSE;
}

static gboolean
sqlite_add_enroll_code (CollectorDeviceStore  *store,
                        gint64                 enumerator_id,
                        const char            *code_hash,
                        gint64                 expires_at,
                        GError               **error)
{
  CodeData d = { enumerator_id, code_hash, expires_at };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_add_enroll_code, &d, error);
}

static const char *device_select_sql =
  "SELECT d.id, d.enumerator_id, e.name, e.disabled, d.name, d.app_version,"
  " d.enrolled_at, d.revoked_at, d.last_seen_at, d.status"
  " FROM devices d JOIN enumerators e ON e.id = d.enumerator_id";

typedef struct
{
  const char      *code_hash;
  const char      *token_hash;
  const char      *device_name;
  const char      *app_version;
  gint64           now;
  CollectorDevice *device;
} EnrollData;

static gboolean
do_enroll_device (CollectorSqliteStore  *self,
                  CollectorSqliteConn   *conn,
                  gpointer               data,
                  GError               **error)
{
  EnrollData *d = data;
  static const char *code_sql =
    "SELECT c.enumerator_id, c.expires_at, c.used_at, e.disabled"
    " FROM enroll_codes c JOIN enumerators e ON e.id = c.enumerator_id WHERE c.code_hash = ?";
  static const char *use_sql = "UPDATE enroll_codes SET used_at = ? WHERE code_hash = ?";
  static const char *insert_sql =
    "INSERT INTO devices (enumerator_id, token_hash, name, app_version, enrolled_at, last_seen_at)"
    " VALUES (?, ?, ?, ?, ?, ?)";
  g_autofree char *by_id_sql = NULL;
  g_autoptr(sqlite3_stmt) by_id = NULL;
  sqlite3_stmt *stmt;
  CollectorEnrollCodeFacts code;
  gboolean found;
  gint64 device_id;
  int rc;

  if ((stmt = collector_sqlite_stmt (conn, code_sql, error)) == NULL)
    return FALSE;
  verval_sqlite_bind_text (stmt, 1, d->code_hash);
  rc = sqlite3_step (stmt);
  if ((found = rc == SQLITE_ROW))
    {
      code.enumerator_id = sqlite3_column_int64 (stmt, 0);
      code.expires_at = sqlite3_column_int64 (stmt, 1);
      code.used = sqlite3_column_type (stmt, 2) != SQLITE_NULL;
      code.enumerator_disabled = sqlite3_column_int (stmt, 3) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return verval_sqlite_set_error (error, conn->db, "Cannot read the enrollment code");
  /* decided inside the write transaction: the code is marked used by the
   * same commit that enrols, so it serves one device only */
  if (!collector_rules_check_enroll_code (found ? &code : NULL, d->now, error))
    return FALSE;

  if (!collector_sqlite_run (conn, use_sql, error, SQL_INT (d->now), SQL_TEXT (d->code_hash), SQL_END) ||
      !collector_sqlite_run (conn, insert_sql, error, SQL_INT (code.enumerator_id), SQL_TEXT (d->token_hash),
                             SQL_TEXT (d->device_name), SQL_TEXT (d->app_version), SQL_INT (d->now),
                             SQL_INT (d->now), SQL_END))
    return FALSE;
  device_id = sqlite3_last_insert_rowid (conn->db);

  /* read back through a one-off statement: this runs once per enrollment */
  by_id_sql = g_strconcat (device_select_sql, " WHERE d.id = ?", NULL);
  if ((by_id = verval_sqlite_prepare (conn->db, by_id_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (by_id, 1, device_id);
  if (sqlite3_step (by_id) != SQLITE_ROW)
    return verval_sqlite_set_error (error, conn->db, "Cannot read the device");
  d->device = collector_device_from_row (&COLLECTOR_SQLITE_ROW (by_id), 0);
  return TRUE;
}

static CollectorDevice *
sqlite_enroll_device (CollectorDeviceStore  *store,
                      const char            *code_hash,
                      const char            *token_hash,
                      const char            *device_name,
                      const char            *app_version,
                      gint64                 now,
                      GError               **error)
{
  EnrollData d = { code_hash, token_hash, device_name, app_version, now, NULL };

  if (!collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_enroll_device, &d, error))
    {
      g_clear_pointer (&d.device, collector_device_free);
      return NULL;
    }
  return d.device;
}

static GPtrArray *
read_devices (CollectorSqliteStore  *self,
              const char            *token_hash,
              GError               **error)
{
  static char *by_token_sql = NULL;
  static char *all_sql = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_device_free);
  sqlite3_stmt *stmt;
  CollectorSqliteConn *conn;
  int rc;

  if (g_once_init_enter (&by_token_sql))
    g_once_init_leave (&by_token_sql, g_strconcat (device_select_sql, " WHERE d.token_hash = ?", NULL));
  if (g_once_init_enter (&all_sql))
    g_once_init_leave (&all_sql, g_strconcat (device_select_sql, " ORDER BY d.id", NULL));

  if ((stmt = collector_sqlite_reader_statement (self, token_hash != NULL ? by_token_sql : all_sql,
                                                 &conn, error)) == NULL)
    return NULL;
  if (token_hash != NULL)
    verval_sqlite_bind_text (stmt, 1, token_hash);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, collector_device_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0));
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read devices", error))
    return NULL;
  return g_steal_pointer (&out);
}

static GPtrArray *
sqlite_find_by_token (CollectorDeviceStore  *store,
                      const char            *token_hash,
                      GError               **error)
{
  return read_devices (COLLECTOR_SQLITE_STORE (store), token_hash, error);
}

static GPtrArray *
sqlite_list_devices (CollectorDeviceStore  *store,
                     GError               **error)
{
  return read_devices (COLLECTOR_SQLITE_STORE (store), NULL, error);
}

typedef struct
{
  gint64      device_id;
  const char *status_json;
} DeviceData;

static gboolean
do_revoke_device (CollectorSqliteStore  *self,
                  CollectorSqliteConn   *conn,
                  gpointer               data,
                  GError               **error)
{
  DeviceData *d = data;
  static const char *sql =
    "UPDATE devices SET revoked_at = coalesce (revoked_at, ?) WHERE id = ?";

  return collector_sqlite_run (conn, sql, error, SQL_INT (collector_sqlite_now ()), SQL_INT (d->device_id), SQL_END) &&
         collector_sqlite_check_found (conn, "device", d->device_id, error);
}

static gboolean
sqlite_revoke_device (CollectorDeviceStore  *store,
                      gint64                 device_id,
                      GError               **error)
{
  DeviceData d = { device_id, NULL };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_revoke_device, &d, error);
}

typedef struct
{
  gint64      device_id;
  const char *status_json;
  gint64      now;
} StatusData;

static gboolean
do_record_status (CollectorSqliteStore  *self,
                  CollectorSqliteConn   *conn,
                  gpointer               data,
                  GError               **error)
{
  StatusData *d = data;
  static const char *latest_sql =
    "UPDATE devices SET status = ?1, status_at = ?2, last_seen_at = ?2,"
    " app_version = coalesce (json_extract (?1, '$.app_version'), app_version)"
    " WHERE id = ?3";
  /* a number that is no integer, or a code that is no string, is left out */
  static const char *history_sql =
    "INSERT INTO device_status_reports (device_id, at, queue_depth, error_code, status)"
    " VALUES (?3, ?2,"
    "  CASE json_type (?1, '$.queue_depth') WHEN 'integer' THEN json_extract (?1, '$.queue_depth') END,"
    "  CASE json_type (?1, '$.last_error_code') WHEN 'text' THEN json_extract (?1, '$.last_error_code') END,"
    "  ?1)";
  static const char *forget_sql = "DELETE FROM device_status_reports WHERE device_id = ? AND at < ?";

  return collector_sqlite_run (conn, latest_sql, error, SQL_TEXT (d->status_json), SQL_INT (d->now),
                               SQL_INT (d->device_id), SQL_END) &&
         collector_sqlite_run (conn, history_sql, error, SQL_TEXT (d->status_json), SQL_INT (d->now),
                               SQL_INT (d->device_id), SQL_END) &&
         collector_sqlite_run (conn, forget_sql, error, SQL_INT (d->device_id),
                               SQL_INT (d->now - COLLECTOR_STATUS_HISTORY_DAYS * 24 * 3600), SQL_END);
}

static gboolean
sqlite_record_status (CollectorDeviceStore  *store,
                      gint64                 device_id,
                      const char            *status_json,
                      gint64                 now,
                      GError               **error)
{
  StatusData d = { device_id, status_json, now };

  return collector_sqlite_run_write (COLLECTOR_SQLITE_STORE (store), do_record_status, &d, error);
}

static GPtrArray *
sqlite_status_history (CollectorDeviceStore  *store,
                       gint64                 device_id,
                       gint64                 since,
                       GError               **error)
{
  CollectorSqliteStore *self = COLLECTOR_SQLITE_STORE (store);
  static const char *sql =
    "SELECT at, coalesce (queue_depth, -1), error_code, status FROM device_status_reports"
    " WHERE device_id = ? AND at >= ? ORDER BY at, id";
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_status_report_free);
  CollectorSqliteConn *conn;
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = collector_sqlite_reader_statement (self, sql, &conn, error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_int64 (stmt, 2, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, collector_status_report_from_row (&COLLECTOR_SQLITE_ROW (stmt), 0));
  if (!collector_sqlite_reader_finish (self, conn, stmt, rc, "Cannot read status reports", error))
    return NULL;
  return g_steal_pointer (&out);
}

void
collector_sqlite_devices_iface_init (CollectorDeviceStoreInterface *iface)
{
  iface->add_enumerator = sqlite_add_enumerator;
  iface->list_enumerators = sqlite_list_enumerators;
  iface->set_enumerator_disabled = sqlite_set_enumerator_disabled;
  iface->add_enroll_code = sqlite_add_enroll_code;
  iface->enroll_device = sqlite_enroll_device;
  iface->find_by_token = sqlite_find_by_token;
  iface->list_devices = sqlite_list_devices;
  iface->revoke_device = sqlite_revoke_device;
  iface->record_status = sqlite_record_status;
  iface->status_history = sqlite_status_history;
}
