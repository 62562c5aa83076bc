/* collector-error.c: the collector's error domain and the API error codes
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector"

#include "config.h"

#include "collector-error.h"

G_DEFINE_QUARK (collector-error-quark, collector_error)

static const struct {
  const char *name;
  guint       status;
} codes[] = {
  [COLLECTOR_ERROR_INTERNAL] = { "internal", 500 },
  [COLLECTOR_ERROR_STORE] = { "store_unavailable", 503 },
  [COLLECTOR_ERROR_NOT_FOUND] = { "not_found", 404 },
  [COLLECTOR_ERROR_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405 },
  [COLLECTOR_ERROR_AUTH_REQUIRED] = { "auth_required", 401 },
  [COLLECTOR_ERROR_INVALID_TOKEN] = { "invalid_token", 401 },
  [COLLECTOR_ERROR_TOKEN_REVOKED] = { "token_revoked", 401 },
  [COLLECTOR_ERROR_ENUMERATOR_DISABLED] = { "enumerator_disabled", 403 },
  [COLLECTOR_ERROR_INVALID_CODE] = { "invalid_enrollment_code", 403 },
  [COLLECTOR_ERROR_CODE_EXPIRED] = { "enrollment_code_expired", 403 },
  [COLLECTOR_ERROR_CODE_USED] = { "enrollment_code_used", 403 },
  [COLLECTOR_ERROR_BODY_TOO_LARGE] = { "body_too_large", 413 },
  [COLLECTOR_ERROR_MEDIA_TOO_LARGE] = { "media_too_large", 413 },
  [COLLECTOR_ERROR_BATCH_TOO_LARGE] = { "batch_too_large", 413 },
  [COLLECTOR_ERROR_JSON_TOO_DEEP] = { "json_too_deep", 400 },
  [COLLECTOR_ERROR_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415 },
  [COLLECTOR_ERROR_UNSUPPORTED_ENCODING] = { "unsupported_encoding", 415 },
  [COLLECTOR_ERROR_BAD_GZIP] = { "bad_gzip", 400 },
  [COLLECTOR_ERROR_MALFORMED_JSON] = { "malformed_json", 400 },
  [COLLECTOR_ERROR_INVALID_REQUEST] = { "invalid_request", 400 },
  [COLLECTOR_ERROR_INVALID_CURSOR] = { "invalid_cursor", 400 },
  [COLLECTOR_ERROR_INVALID_MEDIA_NAME] = { "invalid_media_name", 400 },
  [COLLECTOR_ERROR_HASH_MISMATCH] = { "hash_mismatch", 422 },
  [COLLECTOR_ERROR_LENGTH_REQUIRED] = { "length_required", 411 },
  [COLLECTOR_ERROR_SHUTTING_DOWN] = { "shutting_down", 503 },
  [COLLECTOR_ERROR_INVALID_ARGUMENT] = { "invalid_argument", 400 },
  [COLLECTOR_ERROR_EXISTS] = { "exists", 409 },
  [COLLECTOR_ERROR_TOO_MANY_ATTEMPTS] = { "too_many_attempts", 429 },
  [COLLECTOR_ERROR_OFFSET_MISMATCH] = { "offset_mismatch", 409 },
  [COLLECTOR_ERROR_UPLOAD_BUSY] = { "upload_in_progress", 409 },
  [COLLECTOR_ERROR_INVALID_RANGE] = { "invalid_content_range", 400 },
  [COLLECTOR_ERROR_JSON_TOO_MANY_VALUES] = { "json_too_many_values", 400 },
  [COLLECTOR_ERROR_INVALID_CREDENTIALS] = { "invalid_credentials", 401 },
  [COLLECTOR_ERROR_INVALID_SESSION] = { "invalid_session", 401 },
  [COLLECTOR_ERROR_SESSION_EXPIRED] = { "session_expired", 401 },
  [COLLECTOR_ERROR_CSRF_TOKEN] = { "csrf_token_invalid", 403 },
};

const char *
collector_error_code_name (CollectorError code)
{
  if ((guint) code >= G_N_ELEMENTS (codes) || codes[code].name == NULL)
    return "internal";
  return codes[code].name;
}

guint
collector_error_http_status (CollectorError code)
{
  if ((guint) code >= G_N_ELEMENTS (codes) || codes[code].name == NULL)
    return 500;
  return codes[code].status;
}
