/* collector-pg-devices.c: enumerators, enrollment codes and devices in PostgreSQL
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-store"

#include "config.h"

#include "collector-error.h"
#include "collector-pg-private.h"
#include "collector-rules.h"

/* ---------------------------------------------------------------- enumerators */

typedef struct
{
  const char *name;
  const char *phone;
  gint64      id;
  gboolean    disabled;
} EnumeratorData;

static gboolean
do_add_enumerator (CollectorPgConn  *conn,
                   gpointer          data,
                   GError          **error)
{
  EnumeratorData *d = data;
  static const char *sql =
    "INSERT INTO enumerators (name, phone, created_at) VALUES ($1, $2, to_timestamp ($3)) RETURNING id";
  PGresult *res = collector_pg_query (conn, sql, error, PG_TEXT (d->name), PG_TEXT (d->phone),
                                      PG_INT (collector_pg_now ()), PG_END);

  if (res == NULL)
    {
      if (collector_pg_failed_with (conn, PG_UNIQUE_VIOLATION, error))
        g_set_error (error, COLLECTOR_ERROR, COLLECTOR_ERROR_EXISTS,
                     "An enumerator named “%s” already exists", d->name);
      return FALSE;
    }
  d->id = collector_pg_get_int (res, 0, 0);
  PQclear (res);
  return TRUE;
}

static gboolean
pg_add_enumerator (CollectorDeviceStore  *store,
                   const char            *name,
                   const char            *phone,
                   gint64                *id,
                   GError               **error)
{
  EnumeratorData d = { name, phone, 0, FALSE };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_add_enumerator, &d, error))
    return FALSE;
  if (id != NULL)
    *id = d.id;
  return TRUE;
}

static gboolean
do_list_enumerators (CollectorPgConn  *conn,
                     gpointer          data,
                     GError          **error)
{
  GPtrArray *out = data;
  static const char *sql =
    "SELECT e.id, e.name, e.phone, e.disabled, " PG_SECONDS_OF ("e.created_at") ","
    " (SELECT count(*) FROM assignments a WHERE a.enumerator_id = e.id AND a.active),"
    " (SELECT count(*) FROM devices d WHERE d.enumerator_id = e.id AND d.revoked_at IS NULL)"
    " FROM enumerators e ORDER BY e.id";
  PGresult *res = collector_pg_query (conn, sql, error, PG_END);

  if (res == NULL)
    return FALSE;
  g_ptr_array_set_size (out, 0);
  collector_pg_add_rows (out, res, (CollectorPgFromRow) collector_enumerator_from_row);
  return TRUE;
}

static GPtrArray *
pg_list_enumerators (CollectorDeviceStore  *store,
                     GError               **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_enumerator_free);

  if (!collector_pg_read (COLLECTOR_PG_STORE (store), do_list_enumerators, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
do_set_enumerator_disabled (CollectorPgConn  *conn,
                            gpointer          data,
                            GError          **error)
{
  EnumeratorData *d = data;
  static const char *sql = "UPDATE enumerators SET disabled = $1 WHERE id = $2";
  gint64 changed = collector_pg_command (conn, sql, error, PG_BOOL (d->disabled), PG_INT (d->id), PG_END);

  if (changed == 0)
    collector_pg_set_not_found (error, "enumerator", d->id);
  return changed > 0;
}

static gboolean
pg_set_enumerator_disabled (CollectorDeviceStore  *store,
                            gint64                 id,
                            gboolean               disabled,
                            GError               **error)
{
  EnumeratorData d = { NULL, NULL, id, disabled };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_set_enumerator_disabled, &d, error);
}

/* ---------------------------------------------------------------- enrollment */

typedef struct
{
  gint64      enumerator_id;
  const char *code_hash;
  gint64      expires_at;
} CodeData;

static gboolean
do_add_enroll_code (CollectorPgConn  *conn,
                    gpointer          data,
                    GError          **error)
{
  CodeData *d = data;
  static const char *sql =
    "INSERT INTO enroll_codes (code_hash, enumerator_id, created_at, expires_at)"
    " VALUES ($1, $2, to_timestamp ($3), to_timestamp ($4))";

  if (collector_pg_command (conn, sql, error, PG_TEXT (d->code_hash), PG_INT (d->enumerator_id),
                            PG_INT (collector_pg_now ()), PG_INT (d->expires_at), PG_END) >= 0)
    return TRUE;
  if (collector_pg_failed_with (conn, PG_FOREIGN_KEY_VIOLATION, error))
    collector_pg_set_not_found (error, "enumerator", d->enumerator_id);
  return FALSE;
}

static gboolean
pg_add_enroll_code (CollectorDeviceStore  *store,
                    gint64                 enumerator_id,
                    const char            *code_hash,
                    gint64                 expires_at,
                    GError               **error)
{
  CodeData d = { enumerator_id, code_hash, expires_at };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_add_enroll_code, &d, error);
}

#define DEVICE_SELECT \
  "SELECT d.id, d.enumerator_id, e.name, e.disabled, d.name, d.app_version," \
  " " PG_SECONDS_OF ("d.enrolled_at") ", " PG_SECONDS_OF ("d.revoked_at") "," \
  " " PG_SECONDS_OF ("d.last_seen_at") ", d.status" \
  " FROM devices d JOIN enumerators e ON e.id = d.enumerator_id"

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
do_enroll_device (CollectorPgConn  *conn,
                  gpointer          data,
                  GError          **error)
{
  EnrollData *d = data;
  /* the code's row stays locked until the commit: a second device racing
   * for it waits here, then reads it used */
  static const char *code_sql =
    "SELECT c.enumerator_id, " PG_SECONDS_OF ("c.expires_at") ", c.used_at IS NOT NULL, e.disabled"
    " FROM enroll_codes c JOIN enumerators e ON e.id = c.enumerator_id"
    " WHERE c.code_hash = $1 FOR UPDATE OF c";
  static const char *use_sql =
    "UPDATE enroll_codes SET used_at = to_timestamp ($1) WHERE code_hash = $2 AND used_at IS NULL";
  static const char *insert_sql =
    "INSERT INTO devices (enumerator_id, token_hash, name, app_version, enrolled_at, last_seen_at)"
    " VALUES ($1, $2, $3, $4, to_timestamp ($5), to_timestamp ($5)) RETURNING id";
  static const char *by_id_sql = DEVICE_SELECT " WHERE d.id = $1";
  CollectorEnrollCodeFacts code = { 0 };
  CollectorPgRow row;
  PGresult *res;
  gboolean found;
  gint64 device_id;

  g_clear_pointer (&d->device, collector_device_free);
  if ((res = collector_pg_query (conn, code_sql, error, PG_TEXT (d->code_hash), PG_END)) == NULL)
    return FALSE;
  if ((found = PQntuples (res) > 0))
    {
      code.enumerator_id = collector_pg_get_int (res, 0, 0);
      code.expires_at = collector_pg_get_int (res, 0, 1);
      code.used = PQgetvalue (res, 0, 2)[0] == 't';
      code.enumerator_disabled = PQgetvalue (res, 0, 3)[0] == 't';
    }
  PQclear (res);
  if (!collector_rules_check_enroll_code (found ? &code : NULL, d->now, error))
    return FALSE;

  /* the lock makes this hold already; the condition says so in the write */
  switch (collector_pg_command (conn, use_sql, error, PG_INT (d->now), PG_TEXT (d->code_hash), PG_END))
    {
    case -1:
      return FALSE;
    case 0:
      return collector_rules_check_enroll_code (&(CollectorEnrollCodeFacts) { .used = TRUE }, d->now, error);
    default:
      break;
    }
  if ((res = collector_pg_query (conn, insert_sql, error, PG_INT (code.enumerator_id), PG_TEXT (d->token_hash),
                                 PG_TEXT (d->device_name), PG_TEXT (d->app_version), PG_INT (d->now),
                                 PG_END)) == NULL)
    return FALSE;
  device_id = collector_pg_get_int (res, 0, 0);
  PQclear (res);

  if ((res = collector_pg_query (conn, by_id_sql, error, PG_INT (device_id), PG_END)) == NULL)
    return FALSE;
  row = (CollectorPgRow) { res, 0 };
  d->device = collector_device_from_row (&COLLECTOR_PG_ROW (&row), 0);
  PQclear (res);
  return TRUE;
}

static CollectorDevice *
pg_enroll_device (CollectorDeviceStore  *store,
                  const char            *code_hash,
                  const char            *token_hash,
                  const char            *device_name,
                  const char            *app_version,
                  gint64                 now,
                  GError               **error)
{
  EnrollData d = { code_hash, token_hash, device_name, app_version, now, NULL };

  if (!collector_pg_write (COLLECTOR_PG_STORE (store), do_enroll_device, &d, error))
    {
      g_clear_pointer (&d.device, collector_device_free);
      return NULL;
    }
  return d.device;
}

typedef struct
{
  const char *token_hash;   /* NULL: every device */
  GPtrArray  *out;
} DevicesQuery;

static gboolean
do_read_devices (CollectorPgConn  *conn,
                 gpointer          data,
                 GError          **error)
{
  DevicesQuery *q = data;
  static const char *by_token_sql = DEVICE_SELECT " WHERE d.token_hash = $1";
  static const char *all_sql = DEVICE_SELECT " ORDER BY d.id";
  PGresult *res = q->token_hash != NULL
                  ? collector_pg_query (conn, by_token_sql, error, PG_TEXT (q->token_hash), PG_END)
                  : collector_pg_query (conn, all_sql, error, PG_END);

  if (res == NULL)
    return FALSE;
  g_ptr_array_set_size (q->out, 0);
  collector_pg_add_rows (q->out, res, (CollectorPgFromRow) collector_device_from_row);
  return TRUE;
}

static GPtrArray *
read_devices (CollectorPgStore  *self,
              const char        *token_hash,
              GError           **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_device_free);
  DevicesQuery q = { token_hash, out };

  if (!collector_pg_read (self, do_read_devices, &q, error))
    return NULL;
  return g_steal_pointer (&out);
}

static GPtrArray *
pg_find_by_token (CollectorDeviceStore  *store,
                  const char            *token_hash,
                  GError               **error)
{
  return read_devices (COLLECTOR_PG_STORE (store), token_hash, error);
}

static GPtrArray *
pg_list_devices (CollectorDeviceStore  *store,
                 GError               **error)
{
  return read_devices (COLLECTOR_PG_STORE (store), NULL, error);
}

typedef struct
{
  gint64      device_id;
  const char *status_json;
} DeviceData;

static gboolean
do_revoke_device (CollectorPgConn  *conn,
                  gpointer          data,
                  GError          **error)
{
  DeviceData *d = data;
  static const char *sql =
    "UPDATE devices SET revoked_at = coalesce (revoked_at, to_timestamp ($1)) WHERE id = $2";
  gint64 changed = collector_pg_command (conn, sql, error, PG_INT (collector_pg_now ()), PG_INT (d->device_id),
                                         PG_END);

  if (changed == 0)
    collector_pg_set_not_found (error, "device", d->device_id);
  return changed > 0;
}

static gboolean
pg_revoke_device (CollectorDeviceStore  *store,
                  gint64                 device_id,
                  GError               **error)
{
  DeviceData d = { device_id, NULL };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_revoke_device, &d, error);
}

typedef struct
{
  gint64      device_id;
  const char *status_json;
  gint64      now;
  GPtrArray  *reports;
} StatusData;

static gboolean
do_record_status (CollectorPgConn  *conn,
                  gpointer          data,
                  GError          **error)
{
  StatusData *d = data;
  /* the report is kept as sent; only its version is read out of it */
  static const char *latest_sql =
    "UPDATE devices SET status = $1::text, status_at = to_timestamp ($2), last_seen_at = to_timestamp ($2),"
    " app_version = coalesce ($1::text::jsonb ->> 'app_version', app_version)"
    " WHERE id = $3";
  /* a number that is no integer, or a code that is no string, is left out */
  static const char *history_sql =
    "INSERT INTO device_status_reports (device_id, at, queue_depth, error_code, status)"
    " SELECT $3, to_timestamp ($2),"
    "  CASE WHEN jsonb_typeof (s -> 'queue_depth') = 'number' AND (s ->> 'queue_depth') ~ '^-?[0-9]{1,18}$'"
    "       THEN (s ->> 'queue_depth')::bigint END,"
    "  CASE WHEN jsonb_typeof (s -> 'last_error_code') = 'string' THEN s ->> 'last_error_code' END,"
    "  $1::text"
    " FROM (SELECT $1::text::jsonb AS s) AS report";
  static const char *forget_sql =
    "DELETE FROM device_status_reports WHERE device_id = $1 AND at < to_timestamp ($2)";

  return collector_pg_command (conn, latest_sql, error, PG_TEXT (d->status_json), PG_INT (d->now),
                               PG_INT (d->device_id), PG_END) >= 0 &&
         collector_pg_command (conn, history_sql, error, PG_TEXT (d->status_json), PG_INT (d->now),
                               PG_INT (d->device_id), PG_END) >= 0 &&
         collector_pg_command (conn, forget_sql, error, PG_INT (d->device_id),
                               PG_INT (d->now - COLLECTOR_STATUS_HISTORY_DAYS * 24 * 3600), PG_END) >= 0;
}

static gboolean
pg_record_status (CollectorDeviceStore  *store,
                  gint64                 device_id,
                  const char            *status_json,
                  gint64                 now,
                  GError               **error)
{
  StatusData d = { device_id, status_json, now, NULL };

  return collector_pg_write (COLLECTOR_PG_STORE (store), do_record_status, &d, error);
}

static gboolean
do_status_history (CollectorPgConn  *conn,
                   gpointer          data,
                   GError          **error)
{
  StatusData *d = data;
  static const char *sql =
    "SELECT " PG_SECONDS_OF ("at") ", coalesce (queue_depth, -1), error_code, status"
    " FROM device_status_reports WHERE device_id = $1 AND at >= to_timestamp ($2) ORDER BY at, id";
  PGresult *res = collector_pg_query (conn, sql, error, PG_INT (d->device_id), PG_INT (d->now), PG_END);

  if (res == NULL)
    return FALSE;
  g_ptr_array_set_size (d->reports, 0);
  for (int r = 0; r < PQntuples (res); r++)
    {
      CollectorPgRow row = { res, r };

      g_ptr_array_add (d->reports, collector_status_report_from_row (&COLLECTOR_PG_ROW (&row), 0));
    }
  PQclear (res);
  return TRUE;
}

static GPtrArray *
pg_status_history (CollectorDeviceStore  *store,
                   gint64                 device_id,
                   gint64                 since,
                   GError               **error)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) collector_status_report_free);
  StatusData d = { device_id, NULL, since, reports };

  if (!collector_pg_read (COLLECTOR_PG_STORE (store), do_status_history, &d, error))
    return NULL;
  return g_steal_pointer (&reports);
}

void
collector_pg_devices_iface_init (CollectorDeviceStoreInterface *iface)
{
  iface->add_enumerator = pg_add_enumerator;
  iface->list_enumerators = pg_list_enumerators;
  iface->set_enumerator_disabled = pg_set_enumerator_disabled;
  iface->add_enroll_code = pg_add_enroll_code;
  iface->enroll_device = pg_enroll_device;
  iface->find_by_token = pg_find_by_token;
  iface->list_devices = pg_list_devices;
  iface->revoke_device = pg_revoke_device;
  iface->record_status = pg_record_status;
  iface->status_history = pg_status_history;
}
