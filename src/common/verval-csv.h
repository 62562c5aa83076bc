/* verval-csv.h: streaming reader for the CSV files people save from Excel
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VERVAL_CSV_ERROR (verval_csv_error_quark ())

typedef enum {
  VERVAL_CSV_ERROR_UNTERMINATED_QUOTE, /* a quoted field runs to the end of the file */
  VERVAL_CSV_ERROR_FIELD_TOO_LONG,     /* one field or row beyond sanity limits */
  VERVAL_CSV_ERROR_TOO_MANY_FIELDS,
  VERVAL_CSV_ERROR_BINARY,             /* NUL bytes: not a text file */
} VervalCsvError;

/* Sanity limits: a row is refused beyond these, the file stops there. */
#define VERVAL_CSV_MAX_FIELDS     1024
#define VERVAL_CSV_MAX_ROW_BYTES  (1024 * 1024)

typedef struct _VervalCsvReader VervalCsvReader;

GQuark            verval_csv_error_quark          (void);

/* delimiter: ';', ',', '\t', or 0 to detect it from the start of the stream
 * (the candidate that occurs most often outside quotes). A UTF-8 BOM is skipped. */
VervalCsvReader  *verval_csv_reader_new           (GInputStream     *stream,
                                                   char              delimiter);
VervalCsvReader  *verval_csv_reader_new_for_path  (const char       *path,
                                                   char              delimiter,
                                                   GError          **error);
void              verval_csv_reader_free          (VervalCsvReader  *self);

/* Reads the next row. Returns FALSE at the end of the input (error unset) or
 * on an error. Blank lines are skipped. CR LF, LF and quoted fields with
 * delimiters, doubled quotes and line breaks are handled. Fields that are not
 * valid UTF-8 are read as Windows-1252 (what Excel writes on Windows). */
gboolean          verval_csv_reader_next_row      (VervalCsvReader  *self,
                                                   GCancellable     *cancellable,
                                                   GError          **error);

/* The current row; valid until the next call to next_row(). */
guint             verval_csv_reader_get_n_fields  (VervalCsvReader  *self);
const char       *verval_csv_reader_get_field     (VervalCsvReader  *self,
                                                   guint             index);
/* Physical line (1-based) on which the current row starts. */
guint             verval_csv_reader_get_line      (VervalCsvReader  *self);
/* 0 until the first row was read when detecting. */
char              verval_csv_reader_get_delimiter (VervalCsvReader  *self);
gboolean          verval_csv_reader_had_bom       (VervalCsvReader  *self);
/* Bytes consumed so far (for progress against the file size). */
guint64           verval_csv_reader_get_offset    (VervalCsvReader  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalCsvReader, verval_csv_reader_free)

G_END_DECLS
