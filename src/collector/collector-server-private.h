/* collector-server-private.h: what the server and its endpoints share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "collector-forms.h"
#include "collector-media.h"
#include "collector-server.h"
#include "collector-store.h"
#include "collector-throttle.h"

G_BEGIN_DECLS

typedef struct _Request Request;

/* Methods a route takes; libsoup interns method names, so a request's
 * method is matched by pointer (collector-server.c, method_bit()). */
typedef enum {
  METHOD_GET    = 1 << 0,
  METHOD_HEAD   = 1 << 1,
  METHOD_POST   = 1 << 2,
  METHOD_PUT    = 1 << 3,
  METHOD_DELETE = 1 << 4,
} Method;

/* What changes something, and so needs the CSRF token on a session route. */
#define METHODS_CHANGING (METHOD_POST | METHOD_PUT | METHOD_DELETE)

typedef enum {
  AUTH_NONE,      /* anyone */
  AUTH_DEVICE,    /* Authorization: Bearer with a device token */
  AUTH_SESSION,   /* the dashboard's session cookie, and X-CSRF-Token on METHODS_CHANGING */
} RouteAuth;

typedef enum {
  BODY_NONE,
  BODY_JSON,        /* application/json, up to max_body */
  BODY_JSON_GZIP,   /* the same, optionally gzip'd (max_decompressed inflated) */
  BODY_MEDIA,       /* photo bytes, up to max_media, resumable */
} RouteBody;

/* One endpoint: everything the early handler checks before reading a body,
 * and the handler a worker runs once it is in. A path may have several
 * rows, for methods that differ in what they need. */
typedef struct {
  const char *path;        /* under API_PREFIX; ending in "/": a media name follows */
  Method      methods;
  RouteAuth   auth;
  RouteBody   body;
  gboolean    throttled;   /* failures count against the peer (enrollment, sign-in) */
  void      (*handle) (Request *req);
} Route;

/* The dashboard's session cookie. */
#define SESSION_COOKIE "verval_session"

/* names in one POST /api/v1/media/missing */
#define MAX_MISSING_QUERY 500

/* One request, from request-started until its message is gone: attached
 * to the message, it gathers the body on the main context, then goes whole
 * to a worker, which reads what it needs and writes the answer, and comes
 * back to the main context to reply. A request that needs a device token
 * or a session visits a worker first, paused before its body, to look the
 * token up.
 * While a worker holds it (in_worker) the main context touches only
 * aborted. */
struct _Request
{
  CollectorServer      *server;       /* borrowed: the server outlives its messages */
  SoupServerMessage    *msg;          /* borrowed; held (msg_ref) while in a worker */
  SoupServerMessage    *msg_ref;
  gint64                start_time;
  const Route          *route;
  const char           *method;
  GHashTable           *query;
  char                 *content_encoding;
  char                  media_name[65];
  char                 *peer;         /* the client's throttle key, for enrollment and sign-in */
  guint                 retry_after;  /* seconds, for a 429 */
  char                 *token_hash;   /* of the bearer token (AUTH_DEVICE) or the cookie's (AUTH_SESSION) */
  char                 *csrf_token;   /* X-CSRF-Token, for AUTH_SESSION on METHODS_CHANGING */
  gboolean              authenticating; /* a worker is looking the token up */
  GError               *auth_error;   /* what to answer when it was refused */
  CollectorDevice      *device;
  CollectorSession     *session;

  /* the body, as it arrives */
  GByteArray           *intake;
  CollectorMediaUpload *upload;
  guint64               limit;
  guint64               received;
  gboolean              too_large;
  gboolean              write_failed;
  gboolean              aborted;
  gboolean              abandoned;    /* gone mid-body: a worker keeps what came */
  gboolean              holds_upload; /* in server->uploads as the photo's uploader */
  gboolean              taken_over;   /* a later request took its upload over */
  gboolean              has_range;    /* PUT with Content-Range */
  guint64               range_start;
  guint64               range_end;
  guint64               range_total;
  gboolean              in_worker;

  /* for the worker */
  GBytes               *body;

  /* the answer */
  guint                 status;
  char                 *response;
  gsize                 response_length;
  goffset               head_length;
  gint64                upload_offset; /* HEAD 404: the partial's length */
  char                 *set_cookie;   /* a Set-Cookie to send, or NULL */
};

struct _CollectorServer
{
  GObject          parent_instance;

  SoupServer      *soup;
  GMainContext    *context;
  CollectorStore  *store;
  CollectorMedia  *media;
  CollectorForms  *forms;
  CollectorLimits  limits;
  GThreadPool     *workers;
  GHashTable      *uploads;       /* media name → Request receiving it */
  gboolean         behind_proxy;  /* plain HTTP off loopback: a TLS proxy in front */
  gboolean         secure;        /* the browser reaches us over TLS: cookies are Secure */
  guint            in_flight;
  gboolean         shutting_down;
  GTask           *shutdown_task;
};

/* The answer of a request whose handler failed: the error's JSON body and
 * status; store and internal details go to the log, not to the device. */
void collector_request_set_error   (Request      *req,
                                    const GError *error);
void collector_request_set_builder (Request      *req,
                                    guint         status,
                                    JsonBuilder  *builder);
/* The request's JSON body (inflated if it came gzip'd), within the
 * server's limits; the root is an object. */
JsonNode *collector_request_parse_json (Request   *req,
                                        GError   **error);
/* Sets the session cookie to @token (NULL: clears it). */
void collector_request_set_session_cookie (Request    *req,
                                           const char *token);

/* The device API (collector-device-api.c), one per route. */
void collector_api_info          (Request *req);
void collector_api_enroll        (Request *req);
void collector_api_assignments   (Request *req);
void collector_api_reviews       (Request *req);
void collector_api_visits        (Request *req);
void collector_api_status        (Request *req);
void collector_api_media_missing (Request *req);
void collector_api_media         (Request *req);

/* The dashboard's API (collector-dashboard-api.c). */
void collector_dashboard_sign_in (Request *req);
void collector_dashboard_session (Request *req);

G_END_DECLS
