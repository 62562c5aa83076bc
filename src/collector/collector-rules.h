/* collector-rules.h: the collector's decisions, with no SQL and no HTTP
 *
 * Every store gathers the facts a decision needs inside its own
 * transaction (what an enrollment code row says, which revision of a visit
 * is stored and by whom) and asks these functions what to do; it only
 * carries the answer out. A second store therefore cannot decide
 * differently, and the rules are tested without any store.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-store.h"

G_BEGIN_DECLS

/* What a store holds for an enrollment code, looked up by its hash. */
typedef struct {
  gint64   enumerator_id;
  gint64   expires_at;           /* unix seconds */
  gboolean used;
  gboolean enumerator_disabled;
} CollectorEnrollCodeFacts;

/* code: NULL when the store holds no such code. TRUE if a device may be
 * enrolled with it at @now; else an error of COLLECTOR_ERROR (INVALID_CODE,
 * CODE_USED, CODE_EXPIRED, ENUMERATOR_DISABLED). */
gboolean collector_rules_check_enroll_code (const CollectorEnrollCodeFacts *code,
                                            gint64                          now,
                                            GError                        **error);

/* device: the device whose token hash matched, or NULL. TRUE if it may make
 * requests; else INVALID_TOKEN, TOKEN_REVOKED or ENUMERATOR_DISABLED. */
gboolean collector_rules_check_device      (const CollectorDevice *device,
                                            GError               **error);

/* What a store holds for a visit's uuid when a device sends it. */
typedef struct {
  gboolean assigned;      /* the household is (or was) assigned to the sender */
  gboolean exists;        /* a revision of this uuid is stored */
  gint64   owner;         /* its enumerator, when it exists */
  gint64   revision;      /* its revision, when it exists */
} CollectorVisitFacts;

typedef enum {
  COLLECTOR_VISIT_WRITE_NONE,     /* store nothing */
  COLLECTOR_VISIT_WRITE_INSERT,   /* a new visit */
  COLLECTOR_VISIT_WRITE_REPLACE,  /* replace the stored revision, facts->revision */
} CollectorVisitWrite;

/* The (uuid, revision) rule for @visit sent by @enumerator_id: the outcome
 * to answer, and in *write what the store must do. A store that writes
 * concurrently replaces only if the stored revision is still
 * facts->revision (a conditional write), and asks again if not. */
CollectorVisitOutcome *collector_rules_decide_visit (const CollectorVisitFacts *facts,
                                                     gint64                     enumerator_id,
                                                     const CollectorVisit      *visit,
                                                     CollectorVisitWrite       *write);

/* How long a throttled key (an address sending enrollment codes, a name
 * signing in) must wait before its next try, in seconds (0: it may go
 * on). @newest_first: the times of its recent failures, newest first, at
 * least @max_failures of them when there are that many in the window. It
 * waits once @max_failures fell within @window seconds, until the oldest
 * of those leaves the window. */
guint collector_rules_throttle_wait (const gint64 *newest_first,
                                     guint         n,
                                     guint         max_failures,
                                     guint         window,
                                     gint64        now);

/* What a password must be, in characters. */
#define COLLECTOR_PASSWORD_MIN_LENGTH 10
#define COLLECTOR_PASSWORD_MAX_LENGTH 1024

/* A session ends after this many seconds unused; its last use is written
 * again only once it is this many seconds old, so that a page making many
 * requests does not make as many writes. */
#define COLLECTOR_SESSION_IDLE     (12 * 60 * 60)
#define COLLECTOR_SESSION_REFRESH  60

/* An account's name as kept and compared: in NFC, without surrounding
 * spaces, 1–128 characters and no control characters; else NULL with
 * INVALID_ARGUMENT. */
char    *collector_rules_user_name         (const char             *name,
                                            GError                **error);
/* An account's region as kept: the digits of a code (dotted or not) that
 * is in the official list of regions; else NULL with INVALID_ARGUMENT
 * saying why. */
char    *collector_rules_user_region       (const char             *code,
                                            GError                **error);
/* TRUE if @password may be an account's; else INVALID_ARGUMENT. */
gboolean collector_rules_check_password    (const char             *password,
                                            GError                **error);

/* user: the account as the store holds it (with its password hash) when
 * the session is written, or NULL; @verified_hash: the hash the password
 * was checked against. TRUE if the account may sign in; else
 * INVALID_CREDENTIALS, the answer a wrong password gets, whether it is
 * disabled or changed its password meanwhile. */
gboolean collector_rules_check_sign_in     (const CollectorUser    *user,
                                            const char             *verified_hash,
                                            GError                **error);
/* session: the session a cookie's token found, with its account, or NULL.
 * TRUE if it may be used at @now, with *refresh saying whether its last
 * use must be written; else INVALID_SESSION or SESSION_EXPIRED. */
gboolean collector_rules_check_session     (const CollectorSession *session,
                                            gint64                  now,
                                            gboolean               *refresh,
                                            GError                **error);

/* A pull's cursor is a sequence number this collector gave; @highest is
 * the highest it ever gave. TRUE if @cursor may be used; else
 * INVALID_CURSOR. */
gboolean collector_rules_check_cursor     (gint64   cursor,
                                           gint64   highest,
                                           GError **error);

/* When a device's status history says something is wrong; the team
 * page's settings. */
typedef struct {
  guint  queue_reports;    /* the queue grew across this many reports in a row… */
  gint64 queue_span;       /* …spanning at least this many seconds */
  guint  error_repeats;    /* the same error code in this many reports in a row */
} CollectorAlertSettings;

#define COLLECTOR_ALERT_QUEUE_REPORTS 3
#define COLLECTOR_ALERT_QUEUE_SPAN    (24 * 3600)
#define COLLECTOR_ALERT_ERROR_REPEATS 3

void     collector_alert_settings_init_default (CollectorAlertSettings *settings);

/* @reports: a device's CollectorStatusReport*, oldest first. TRUE if its
 * last settings->queue_reports reports each held more unsent visits than
 * the one before, over settings->queue_span or more: a queue that grows
 * however often the device syncs. Reports without a queue are skipped. */
gboolean collector_rules_queue_growing  (GPtrArray                    *reports,
                                         const CollectorAlertSettings *settings);
/* The error code the last settings->error_repeats reports all name, or
 * NULL: a failure that comes back sync after sync. */
const char *collector_rules_error_repeating (GPtrArray                    *reports,
                                             const CollectorAlertSettings *settings);

G_END_DECLS
