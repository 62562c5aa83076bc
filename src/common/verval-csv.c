/* verval-csv.c: streaming reader for the CSV files people save from Excel
 *
 * Real listings arrive as whatever Excel or LibreOffice wrote: ';' in
 * Indonesian locales, ',' elsewhere, sometimes a BOM, CR LF, quoted fields
 * holding line breaks, and now and then Windows-1252 instead of UTF-8. The
 * reader keeps physical line numbers so every reported problem points at the
 * line a person sees in a text editor.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-csv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "verval-csv.h"

#define BUFFER_SIZE (64 * 1024)
#define DETECT_LINES 50

struct _VervalCsvReader
{
  GInputStream *stream;
  guint8       *buf;
  gsize         buf_len;
  gsize         buf_pos;
  gboolean      eof;
  guint64       offset;       /* bytes consumed from the stream before buf */

  char          delimiter;
  gboolean      detected;
  gboolean      had_bom;

  guint         line;         /* physical line of the next byte */
  guint         row_line;     /* line on which the current row starts */

  GString      *row;          /* fields, each NUL-terminated */
  GArray       *starts;       /* of guint: offsets into row */
  GPtrArray    *fields;       /* pointers into row or into converted */
  GPtrArray    *converted;    /* Windows-1252 fields re-encoded */
};

G_DEFINE_QUARK (verval-csv-error-quark, verval_csv_error)

VervalCsvReader *
verval_csv_reader_new (GInputStream *stream,
                       char          delimiter)
{
  VervalCsvReader *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (delimiter == 0 || delimiter == ';' || delimiter == ',' ||
                        delimiter == '\t', NULL);

  self = g_new0 (VervalCsvReader, 1);
  self->stream = g_object_ref (stream);
  self->buf = g_malloc (BUFFER_SIZE);
  self->delimiter = delimiter;
  self->line = 1;
  self->row = g_string_sized_new (1024);
  self->starts = g_array_sized_new (FALSE, FALSE, sizeof (guint), 64);
  self->fields = g_ptr_array_sized_new (64);
  self->converted = g_ptr_array_new_with_free_func (g_free);
  return self;
}

VervalCsvReader *
verval_csv_reader_new_for_path (const char  *path,
                                char         delimiter,
                                GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return NULL;
  return verval_csv_reader_new (G_INPUT_STREAM (stream), delimiter);
}

void
verval_csv_reader_free (VervalCsvReader *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->stream);
  g_free (self->buf);
  g_string_free (self->row, TRUE);
  g_array_unref (self->starts);
  g_ptr_array_unref (self->fields);
  g_ptr_array_unref (self->converted);
  g_free (self);
}

/* Reads more input; keeps unconsumed bytes. Returns FALSE on error. */
static gboolean
fill (VervalCsvReader  *self,
      gsize             want,
      GCancellable     *cancellable,
      GError          **error)
{
  if (self->buf_pos > 0)
    {
      memmove (self->buf, self->buf + self->buf_pos, self->buf_len - self->buf_pos);
      self->offset += self->buf_pos;
      self->buf_len -= self->buf_pos;
      self->buf_pos = 0;
    }
  while (!self->eof && self->buf_len < want)
    {
      gssize n = g_input_stream_read (self->stream, self->buf + self->buf_len,
                                      BUFFER_SIZE - self->buf_len, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        self->eof = TRUE;
      self->buf_len += (gsize) n;
    }
  return TRUE;
}

/* Counts each candidate outside quotes over the first lines; the one seen
 * most wins. A title block has few separators, the header and data many. */
static void
detect (VervalCsvReader *self)
{
  static const char candidates[] = { ';', ',', '\t' };
  guint counts[G_N_ELEMENTS (candidates)] = { 0 };
  gboolean quoted = FALSE;
  guint lines = 0;
  guint best = 0;

  for (gsize i = self->buf_pos; i < self->buf_len && lines < DETECT_LINES; i++)
    {
      char c = (char) self->buf[i];

      if (c == '"')
        quoted = !quoted;
      else if (!quoted && c == '\n')
        lines++;
      else if (!quoted)
        for (guint k = 0; k < G_N_ELEMENTS (candidates); k++)
          if (c == candidates[k])
            counts[k]++;
    }
  for (guint k = 1; k < G_N_ELEMENTS (candidates); k++)
    if (counts[k] > counts[best])
      best = k;
  self->delimiter = counts[best] > 0 ? candidates[best] : ',';
}

static gboolean
start (VervalCsvReader  *self,
       GCancellable     *cancellable,
       GError          **error)
{
  if (!fill (self, BUFFER_SIZE, cancellable, error))
    return FALSE;
  if (self->buf_len >= 3 && memcmp (self->buf, "\xef\xbb\xbf", 3) == 0)
    {
      self->had_bom = TRUE;
      self->buf_pos = 3;
    }
  if (self->delimiter == 0)
    detect (self);
  self->detected = TRUE;
  return TRUE;
}

static void
end_field (VervalCsvReader *self)
{
  guint start_at = self->row->len + 1;

  g_string_append_c (self->row, '\0');
  g_array_append_val (self->starts, start_at);
}

static void
finish_row (VervalCsvReader *self)
{
  gboolean ascii = TRUE;

  g_ptr_array_set_size (self->fields, 0);
  g_ptr_array_set_size (self->converted, 0);
  /* Most rows are plain ASCII: check that once instead of each field. */
  for (gsize i = 0; i < self->row->len && ascii; i++)
    ascii = (guchar) self->row->str[i] < 0x80;
  /* The last start points one past the final NUL. */
  for (guint i = 0; i + 1 < self->starts->len; i++)
    {
      const char *field = self->row->str + g_array_index (self->starts, guint, i);

      if (!ascii && !g_utf8_validate (field, -1, NULL))
        {
          char *utf8 = g_convert_with_fallback (field, -1, "UTF-8", "WINDOWS-1252",
                                                "?", NULL, NULL, NULL);
          if (utf8 == NULL)
            utf8 = g_utf8_make_valid (field, -1);
          g_ptr_array_add (self->converted, utf8);
          field = utf8;
        }
      g_ptr_array_add (self->fields, (gpointer) field);
    }
}

gboolean
verval_csv_reader_next_row (VervalCsvReader  *self,
                            GCancellable     *cancellable,
                            GError          **error)
{
  gboolean quoted = FALSE;
  gboolean field_started = FALSE;  /* anything seen on this row */
  gboolean after_quote = FALSE;
  guint start_line;
  char delim;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->detected && !start (self, cancellable, error))
    return FALSE;

  delim = self->delimiter;

next_row:
  g_string_truncate (self->row, 0);
  g_array_set_size (self->starts, 0);
  {
    guint zero = 0;
    g_array_append_val (self->starts, zero);
  }
  quoted = FALSE;
  after_quote = FALSE;
  field_started = FALSE;
  start_line = self->line;

  for (;;)
    {
      const guint8 *p, *end;

      if (self->buf_pos >= self->buf_len)
        {
          if (!fill (self, 1, cancellable, error))
            return FALSE;
          if (self->buf_len == 0)
            {
              /* End of input. */
              if (quoted)
                {
                  g_set_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_UNTERMINATED_QUOTE,
                               _("Line %u: a quoted field is never closed"), start_line);
                  return FALSE;
                }
              if (!field_started)
                return FALSE;
              end_field (self);
              break;
            }
        }

      p = self->buf + self->buf_pos;
      end = self->buf + self->buf_len;

      if (quoted)
        {
          /* Copy the run up to the next quote or line break in one go. */
          const guint8 *q = p;
          while (q < end && *q != '"' && *q != '\n' && *q != '\0')
            q++;
          g_string_append_len (self->row, (const char *) p, q - p);
          self->buf_pos += (gsize) (q - p);
          if (q == end)
            goto check_size;
          if (*q == '\0')
            goto binary;
          if (*q == '\n')
            {
              /* A quoted CR LF becomes LF like everywhere else in the app. */
              if (self->row->len > 0 && self->row->str[self->row->len - 1] == '\r')
                g_string_truncate (self->row, self->row->len - 1);
              g_string_append_c (self->row, '\n');
              self->line++;
              self->buf_pos++;
              goto check_size;
            }
          /* A quote: doubled means a literal quote, else the field closes. */
          if (q + 1 == end)
            {
              if (!fill (self, 2, cancellable, error))
                return FALSE;
              p = self->buf + self->buf_pos;
              end = self->buf + self->buf_len;
              q = p;
            }
          if (q + 1 < end && q[1] == '"')
            {
              g_string_append_c (self->row, '"');
              self->buf_pos += 2;
            }
          else
            {
              quoted = FALSE;
              after_quote = TRUE;
              self->buf_pos++;
            }
          goto check_size;
        }
      else
        {
          const guint8 *q = p;
          char c;

          while (q < end && *q != (guint8) delim && *q != '\n' && *q != '\r' &&
                 *q != '"' && *q != '\0')
            q++;
          if (q > p)
            {
              g_string_append_len (self->row, (const char *) p, q - p);
              field_started = TRUE;
            }
          self->buf_pos += (gsize) (q - p);
          if (q == end)
            goto check_size;
          c = (char) *q;
          self->buf_pos++;
          if (c == delim)
            {
              field_started = TRUE;
              after_quote = FALSE;
              end_field (self);
            }
          else if (c == '\n' || c == '\r')
            {
              /* A CR is dropped when an LF follows (that ends the row); a
               * lone CR is a line break too (old Mac exports). */
              if (c == '\r')
                {
                  if (self->buf_pos >= self->buf_len && !fill (self, 1, cancellable, error))
                    return FALSE;
                  if (self->buf_pos < self->buf_len && self->buf[self->buf_pos] == '\n')
                    continue;
                }
              self->line++;
              if (!field_started)
                {
                  start_line = self->line;
                  continue;
                }
              end_field (self);
              break;
            }
          else if (c == '"')
            {
              gsize field_start = g_array_index (self->starts, guint, self->starts->len - 1);

              field_started = TRUE;
              if (self->row->len == field_start && !after_quote)
                quoted = TRUE;
              else
                g_string_append_c (self->row, '"');  /* stray quote inside a field */
            }
          else
            goto binary;
        }

check_size:
      if (self->row->len > VERVAL_CSV_MAX_ROW_BYTES)
        {
          g_set_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_FIELD_TOO_LONG,
                       _("Line %u: the row is longer than %u bytes; is a quote missing?"),
                       start_line, (guint) VERVAL_CSV_MAX_ROW_BYTES);
          return FALSE;
        }
      if (self->starts->len > VERVAL_CSV_MAX_FIELDS + 1)
        {
          g_set_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_TOO_MANY_FIELDS,
                       _("Line %u: more than %u columns"),
                       start_line, (guint) VERVAL_CSV_MAX_FIELDS);
          return FALSE;
        }
    }

  self->row_line = start_line;
  finish_row (self);
  if (self->fields->len == 1 && ((const char *) self->fields->pdata[0])[0] == '\0')
    goto next_row;
  return TRUE;

binary:
  g_set_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_BINARY,
               _("Line %u: the file contains binary data; save it as CSV text"),
               self->line);
  return FALSE;
}

guint
verval_csv_reader_get_n_fields (VervalCsvReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->fields->len;
}

const char *
verval_csv_reader_get_field (VervalCsvReader *self,
                             guint            index)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (index >= self->fields->len)
    return NULL;
  return self->fields->pdata[index];
}

guint
verval_csv_reader_get_line (VervalCsvReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->row_line;
}

char
verval_csv_reader_get_delimiter (VervalCsvReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->delimiter;
}

gboolean
verval_csv_reader_had_bom (VervalCsvReader *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->had_bom;
}

guint64
verval_csv_reader_get_offset (VervalCsvReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->offset + self->buf_pos;
}
