/* collector-error.h: the collector's error domain and the API error codes
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define COLLECTOR_ERROR (collector_error_quark ())

/* Each value maps to one stable wire code (collector_error_code_name()) and
 * one HTTP status; docs/protocol.md lists them. Never renumber: append. */
typedef enum {
  COLLECTOR_ERROR_INTERNAL,
  COLLECTOR_ERROR_STORE,
  COLLECTOR_ERROR_NOT_FOUND,
  COLLECTOR_ERROR_METHOD_NOT_ALLOWED,
  COLLECTOR_ERROR_AUTH_REQUIRED,
  COLLECTOR_ERROR_INVALID_TOKEN,
  COLLECTOR_ERROR_TOKEN_REVOKED,
  COLLECTOR_ERROR_ENUMERATOR_DISABLED,
  COLLECTOR_ERROR_INVALID_CODE,
  COLLECTOR_ERROR_CODE_EXPIRED,
  COLLECTOR_ERROR_CODE_USED,
  COLLECTOR_ERROR_BODY_TOO_LARGE,
  COLLECTOR_ERROR_MEDIA_TOO_LARGE,
  COLLECTOR_ERROR_BATCH_TOO_LARGE,
  COLLECTOR_ERROR_JSON_TOO_DEEP,
  COLLECTOR_ERROR_UNSUPPORTED_MEDIA_TYPE,
  COLLECTOR_ERROR_UNSUPPORTED_ENCODING,
  COLLECTOR_ERROR_BAD_GZIP,
  COLLECTOR_ERROR_MALFORMED_JSON,
  COLLECTOR_ERROR_INVALID_REQUEST,
  COLLECTOR_ERROR_INVALID_CURSOR,
  COLLECTOR_ERROR_INVALID_MEDIA_NAME,
  COLLECTOR_ERROR_HASH_MISMATCH,
  COLLECTOR_ERROR_LENGTH_REQUIRED,
  COLLECTOR_ERROR_SHUTTING_DOWN,
  COLLECTOR_ERROR_INVALID_ARGUMENT,   /* admin commands: bad option or name */
  COLLECTOR_ERROR_EXISTS,             /* admin commands: already there */
  COLLECTOR_ERROR_TOO_MANY_ATTEMPTS,
  COLLECTOR_ERROR_OFFSET_MISMATCH,    /* Content-Range start is not the partial's length */
  COLLECTOR_ERROR_UPLOAD_BUSY,        /* another upload of the same photo is running */
  COLLECTOR_ERROR_INVALID_RANGE,      /* a Content-Range that cannot be used */
  COLLECTOR_ERROR_JSON_TOO_MANY_VALUES,
  COLLECTOR_ERROR_INVALID_CREDENTIALS, /* sign-in: no such name, or not its password */
  COLLECTOR_ERROR_INVALID_SESSION,     /* a session cookie that is not (or no longer) known */
  COLLECTOR_ERROR_SESSION_EXPIRED,     /* unused for too long */
  COLLECTOR_ERROR_CSRF_TOKEN,          /* a state-changing request without the session's CSRF token */
} CollectorError;

GQuark       collector_error_quark        (void);
const char  *collector_error_code_name    (CollectorError code);
guint        collector_error_http_status  (CollectorError code);

G_END_DECLS
