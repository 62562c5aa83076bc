/* verval-secret.h: where the device token is kept
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  VERVAL_SECRET_AUTO,     /* the keyring when a Secret Service runs, else the file */
  VERVAL_SECRET_KEYRING,
  VERVAL_SECRET_FILE,     /* data_dir/device-token, mode 0600 */
} VervalSecretBackend;

/* Name of the token file inside the data directory. */
#define VERVAL_SECRET_FILE_NAME "device-token"

/* VERVAL_SECRET_BACKEND=file in the environment forces the file (tests). */
VervalSecretBackend verval_secret_resolve_backend (VervalSecretBackend  backend);

/* Blocking (keyring calls go over D-Bus): call from a worker thread.
 * The token is keyed by the collector's URL and the data directory, so two
 * profiles on one account keep theirs apart. */
gboolean  verval_secret_store_token  (const char           *data_dir,
                                      const char           *collector_url,
                                      const char           *token,
                                      VervalSecretBackend   backend,
                                      GCancellable         *cancellable,
                                      GError              **error);
/* NULL without error when no token is stored. */
char     *verval_secret_lookup_token (const char           *data_dir,
                                      const char           *collector_url,
                                      VervalSecretBackend   backend,
                                      GCancellable         *cancellable,
                                      GError              **error);
gboolean  verval_secret_clear_token  (const char           *data_dir,
                                      const char           *collector_url,
                                      VervalSecretBackend   backend,
                                      GCancellable         *cancellable,
                                      GError              **error);

G_END_DECLS
