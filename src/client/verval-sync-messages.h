/* verval-sync-messages.h: sync errors and the words a coordinator reads
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VERVAL_SYNC_ERROR (verval_sync_error_quark ())

/* Stored in sync_log.error_code: append, never renumber. */
typedef enum {
  VERVAL_SYNC_ERROR_NONE,
  VERVAL_SYNC_ERROR_NOT_ENROLLED,     /* no collector or no token yet */
  VERVAL_SYNC_ERROR_CODE_REFUSED,     /* enrollment code unknown */
  VERVAL_SYNC_ERROR_CODE_EXPIRED,
  VERVAL_SYNC_ERROR_CODE_USED,
  VERVAL_SYNC_ERROR_TOKEN_REFUSED,    /* token unknown or revoked: enrol again */
  VERVAL_SYNC_ERROR_ACCOUNT_DISABLED,
  VERVAL_SYNC_ERROR_OFFLINE,          /* no route, name not resolved */
  VERVAL_SYNC_ERROR_UNREACHABLE,      /* the collector does not answer */
  VERVAL_SYNC_ERROR_DROPPED,          /* connection broke or stalled */
  VERVAL_SYNC_ERROR_SERVER,           /* 5xx or the collector shutting down */
  VERVAL_SYNC_ERROR_TLS,
  VERVAL_SYNC_ERROR_INSECURE_URL,
  VERVAL_SYNC_ERROR_INVALID_URL,
  VERVAL_SYNC_ERROR_PROTOCOL,         /* an answer we cannot read */
  VERVAL_SYNC_ERROR_REFUSED,          /* a 4xx we did not expect */
  VERVAL_SYNC_ERROR_LOCAL,            /* our own store or files */
  VERVAL_SYNC_ERROR_MEDIA_MISSING,    /* a photo file is gone from the device */
  VERVAL_SYNC_ERROR_CANCELLED,
  VERVAL_SYNC_ERROR_TOO_MANY_ATTEMPTS, /* too many wrong codes: wait (kept last, sync_log stores the number) */
} VervalSyncError;

GQuark    verval_sync_error_quark        (void);

/* The seconds a collector asked to be left alone (Retry-After on a 503 or
 * 429), carried by a VERVAL_SYNC_ERROR; 0 when it gave none. */
void      verval_sync_error_set_retry_after (GError       *error,
                                             guint         seconds);
guint     verval_sync_error_get_retry_after (const GError *error);

/* A stable, lower-case name of @code ("unreachable", "server", …), what a
 * device's status report calls its last failure (docs/protocol.md). */
const char *verval_sync_error_code_name (VervalSyncError code);

/* Whether trying again later may help (network, server trouble). */
gboolean  verval_sync_error_is_transient (VervalSyncError  code);

/* Maps any error of a sync (VERVAL_HTTP_ERROR, G_IO_ERROR, store errors…)
 * to a VervalSyncError code. */
VervalSyncError verval_sync_error_classify (const GError *error);

/* The sentence a coordinator reads, translated. next_retry (may be NULL)
 * becomes "… akan dicoba lagi pukul 17:45" for transient errors. */
char     *verval_sync_message_for_error  (VervalSyncError  code,
                                          GDateTime       *next_retry);

/* A collector's rejection of one visit (its problem codes and field) in
 * plain words; unknown codes fall back to a generic sentence with the
 * collector's English message. */
char     *verval_sync_message_for_problem (const char     *code,
                                           const char     *field,
                                           const char     *message);

G_END_DECLS
