/* fuzz-csv.c: the CSV reader on arbitrary bytes
 *
 * Each input is read twice: from memory in one piece, and again behind
 * one full buffer of padding and then one byte per read, so that every byte
 * of it arrives at the end of the reader's buffer once. Both reads must
 * give the same rows, and every field must be UTF-8 whatever the bytes.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "verval-csv.h"

/* The reader's buffer size: the padding fills it exactly. */
#define PADDING_SIZE (64 * 1024)

typedef struct {
  GPtrArray *rows;       /* of GStrv */
  GArray    *lines;      /* of guint */
  GError    *error;
  char       delimiter;
  gboolean   had_bom;
} Reading;

static void
reading_clear (Reading *r)
{
  g_clear_pointer (&r->rows, g_ptr_array_unref);
  g_clear_pointer (&r->lines, g_array_unref);
  g_clear_error (&r->error);
}

/* Reads every row; @skip rows of padding are read but not kept. */
static void
read_all (VervalCsvReader *reader,
          gsize            size,
          guint            skip,
          Reading         *r)
{
  guint last_line = 0;

  r->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  r->lines = g_array_new (FALSE, FALSE, sizeof (guint));
  while (verval_csv_reader_next_row (reader, NULL, &r->error))
    {
      guint n = verval_csv_reader_get_n_fields (reader);
      guint line = verval_csv_reader_get_line (reader);
      GStrv row;

      g_assert_cmpuint (n, >=, 1);
      g_assert_cmpuint (n, <=, VERVAL_CSV_MAX_FIELDS);
      g_assert_cmpuint (line, >, last_line);
      last_line = line;
      if (skip > 0)
        {
          skip--;
          continue;
        }
      row = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        {
          const char *field = verval_csv_reader_get_field (reader, i);

          g_assert_nonnull (field);
          g_assert_true (g_utf8_validate (field, -1, NULL));
          row[i] = g_strdup (field);
        }
      g_assert_null (verval_csv_reader_get_field (reader, n));
      g_ptr_array_add (r->rows, row);
      g_array_append_val (r->lines, line);
    }
  g_assert_cmpuint (verval_csv_reader_get_offset (reader), <=, size);
  r->delimiter = verval_csv_reader_get_delimiter (reader);
  r->had_bom = verval_csv_reader_had_bom (reader);
}

/* One row of padding that ends where the reader's buffer does, after a
 * BOM or not. */
static GBytes *
padding_new (gboolean bom)
{
  guint8 *padding = g_malloc (PADDING_SIZE);
  gsize start = bom ? 3 : 0;

  memcpy (padding, "\xef\xbb\xbf", start);
  memset (padding + start, 'x', PADDING_SIZE - start - 1);
  padding[PADDING_SIZE - 1] = '\n';
  return g_bytes_new_take (padding, PADDING_SIZE);
}

static GBytes *padding[2];

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  padding[FALSE] = padding_new (FALSE);
  padding[TRUE] = padding_new (TRUE);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(GInputStream) whole = g_memory_input_stream_new_from_bytes (input);
  g_autoptr(VervalCsvReader) reader = verval_csv_reader_new (whole, 0);
  g_autoptr(VervalCsvReader) dripping = NULL;
  g_autoptr(GInputStream) drip = NULL;
  g_autoptr(GBytes) body = NULL;
  Reading first = { 0 }, second = { 0 };
  gsize bom = size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

  read_all (reader, size, 0, &first);
  g_assert_cmpint (first.had_bom, ==, bom > 0);
  g_assert_cmpint (first.delimiter, !=, 0);

  /* The delimiter the first read found, as the padding would hide it. */
  body = g_bytes_new (data + bom, size - bom);
  drip = fuzz_drip_stream_new (padding[bom > 0], body);
  dripping = verval_csv_reader_new (drip, first.delimiter);
  read_all (dripping, PADDING_SIZE + size - bom, 1, &second);

  g_assert_cmpuint (second.rows->len, ==, first.rows->len);
  for (guint i = 0; i < first.rows->len; i++)
    {
      GStrv a = first.rows->pdata[i];
      GStrv b = second.rows->pdata[i];

      g_assert_cmpuint (g_array_index (second.lines, guint, i), ==,
                        g_array_index (first.lines, guint, i) + 1);
      g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (b));
      for (guint k = 0; a[k] != NULL; k++)
        g_assert_cmpstr (a[k], ==, b[k]);
    }
  /* the same error or none; its line differs by the padding */
  g_assert_true ((first.error == NULL) == (second.error == NULL));
  if (first.error != NULL)
    g_assert_error (second.error, first.error->domain, first.error->code);

  reading_clear (&first);
  reading_clear (&second);
  return 0;
}
