/* store-contract.h: what the store contract tests share
 *
 * The contract suite runs each of its tests against every store
 * implementation (the list in store-contract.c), each test on a new, empty
 * store holding the same households, enumerators and devices.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "collector-error.h"
#include "collector-store.h"
#include "verval-wire-visit.h"

G_BEGIN_DECLS

typedef struct _StoreKind StoreKind;

typedef struct {
  const StoreKind *kind;
  char            *dir;
  char            *database;   /* a PostgreSQL store's, to drop afterwards */
  CollectorStore  *store;
  gint64           siti;       /* enumerators */
  gint64           wayan;
  CollectorDevice *device;     /* Siti's */
  CollectorDevice *other;      /* Wayan's */
} Fixture;

/* N_HOUSEHOLDS households "P3KE-0000"… in VILLAGE; Siti holds all but the
 * last five, Wayan none; each has one device. */
#define VILLAGE "5108062001"
#define N_HOUSEHOLDS 25
#define UUID "6f1d8a44-6a4c-4a3b-9d6e-1a2b3c4d5e01"

typedef struct {
  const char *name;
  void      (*func) (Fixture *f, gconstpointer data);
} ContractTest;

/* Adds each test for each store, as /collector/store-contract/STORE/NAME,
 * and runs them. */
int              contract_run          (int                 argc,
                                        char               *argv[],
                                        const ContractTest *tests,
                                        guint               n_tests);

char            *contract_household_id (guint               i);
CollectorDevice *contract_enrol        (Fixture            *f,
                                        gint64              enumerator,
                                        const char         *code_hash,
                                        const char         *token_hash);
/* A visit to household number @household, finished in WITA. */
CollectorVisit  *contract_visit_new    (const char         *uuid,
                                        gint64              revision,
                                        guint               household);
/* Another store on the same data, as another collector process sharing
 * it would open; close and unref it before the test ends. */
CollectorStore  *contract_open_twin    (Fixture            *f);
/* Submits @visit (taken) alone; the outcome's status, and its stored
 * revision and first problem's code (valid until the next call). */
CollectorVisitStatus contract_submit_one (Fixture          *f,
                                        CollectorDevice    *device,
                                        CollectorVisit     *visit,
                                        gint64             *stored_revision,
                                        const char        **problem);

G_END_DECLS
