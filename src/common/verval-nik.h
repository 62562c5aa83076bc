/* verval-nik.h: NIK (population number) and KK (family card number) checks
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VERVAL_ID_ERROR (verval_id_error_quark ())

typedef enum {
  VERVAL_ID_ERROR_EMPTY,
  VERVAL_ID_ERROR_SCIENTIFIC,  /* mangled by a spreadsheet into 3.27E+15 */
  VERVAL_ID_ERROR_NOT_DIGITS,
  VERVAL_ID_ERROR_LENGTH,
  VERVAL_ID_ERROR_DATE,
  VERVAL_ID_ERROR_SERIAL,
  VERVAL_ID_ERROR_REGION,      /* region part cannot be a region code (00) */
} VervalIdError;

typedef enum {
  VERVAL_SEX_UNKNOWN,
  VERVAL_SEX_MALE,
  VERVAL_SEX_FEMALE,
} VervalSex;

#define VERVAL_ID_LENGTH 16

/* What a valid NIK says about its holder. */
typedef struct {
  char      digits[VERVAL_ID_LENGTH + 1]; /* normalised: 16 digits, NUL */
  char      region[7];                    /* the 6 leading digits */
  VervalSex sex;
  guint     birth_day;
  guint     birth_month;
  guint     birth_year;                   /* four digits, never in the future */
} VervalNikInfo;

GQuark      verval_id_error_quark    (void);

gboolean    verval_nik_parse         (const char    *text,
                                      GDateTime     *today,
                                      VervalNikInfo *info,
                                      GError       **error);
gboolean    verval_kk_parse          (const char    *text,
                                      char           digits[VERVAL_ID_LENGTH + 1],
                                      GError       **error);
char       *verval_id_normalize      (const char    *text);
char       *verval_id_mask           (const char    *digits);
gboolean    verval_id_looks_scientific (const char  *text);

G_END_DECLS
