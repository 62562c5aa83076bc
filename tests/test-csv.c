/* test-csv.c: the CSV reader against what spreadsheets write
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "verval-csv.h"

static VervalCsvReader *
reader_for (const char *text,
            gssize      len,
            char        delimiter)
{
  g_autoptr(GInputStream) stream = NULL;

  if (len < 0)
    len = (gssize) strlen (text);
  stream = g_memory_input_stream_new_from_data (g_memdup2 (text, (gsize) len), len, g_free);
  return verval_csv_reader_new (stream, delimiter);
}

/* Reads the next row and checks its fields and line. */
static void
expect_row (VervalCsvReader     *reader,
            guint                line,
            const char * const  *fields)
{
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length ((char **) fields);

  g_assert_true (verval_csv_reader_next_row (reader, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (verval_csv_reader_get_line (reader), ==, line);
  g_assert_cmpuint (verval_csv_reader_get_n_fields (reader), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (verval_csv_reader_get_field (reader, i), ==, fields[i]);
}

static void
expect_end (VervalCsvReader *reader)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (verval_csv_reader_next_row (reader, NULL, &error));
  g_assert_no_error (error);
}

static void
test_quotes (void)
{
  g_autoptr(VervalCsvReader) reader =
    reader_for ("a,b,c\r\n"
                "\"x, y\",\"he said \"\"hi\"\"\",plain\r\n"
                "\"two\r\nlines\",,\"\"\r\n"
                "last,row,\"no newline at end\"", -1, 0);

  expect_row (reader, 1, (const char *[]) { "a", "b", "c", NULL });
  g_assert_cmpint (verval_csv_reader_get_delimiter (reader), ==, ',');
  expect_row (reader, 2, (const char *[]) { "x, y", "he said \"hi\"", "plain", NULL });
  expect_row (reader, 3, (const char *[]) { "two\nlines", "", "", NULL });
  /* The quoted line break moved the physical line on. */
  expect_row (reader, 5, (const char *[]) { "last", "row", "no newline at end", NULL });
  expect_end (reader);
}

static void
test_detect (void)
{
  g_autoptr(VervalCsvReader) semi = NULL;
  g_autoptr(VervalCsvReader) tab = NULL;
  g_autoptr(VervalCsvReader) forced = NULL;

  /* A comma inside an address must not win over the real separator. */
  semi = reader_for ("\xef\xbb\xbfNama;Alamat;Desa\n"
                     "Made;Jl. Raya, No. 5;Banjar\n", -1, 0);
  expect_row (semi, 1, (const char *[]) { "Nama", "Alamat", "Desa", NULL });
  g_assert_cmpint (verval_csv_reader_get_delimiter (semi), ==, ';');
  g_assert_true (verval_csv_reader_had_bom (semi));
  expect_row (semi, 2, (const char *[]) { "Made", "Jl. Raya, No. 5", "Banjar", NULL });
  expect_end (semi);

  tab = reader_for ("a\tb\n1\t2\n", -1, 0);
  expect_row (tab, 1, (const char *[]) { "a", "b", NULL });
  g_assert_cmpint (verval_csv_reader_get_delimiter (tab), ==, '\t');
  g_assert_false (verval_csv_reader_had_bom (tab));

  forced = reader_for ("a;b,c\n", -1, ',');
  expect_row (forced, 1, (const char *[]) { "a;b", "c", NULL });
}

static void
test_blank_lines (void)
{
  g_autoptr(VervalCsvReader) reader = reader_for ("\n\r\na;b\n\n\nc;d\n\n", -1, 0);

  expect_row (reader, 3, (const char *[]) { "a", "b", NULL });
  expect_row (reader, 6, (const char *[]) { "c", "d", NULL });
  expect_end (reader);
}

static void
test_unterminated (void)
{
  g_autoptr(VervalCsvReader) reader = reader_for ("a;b\n\"open;x\ny\n", -1, 0);
  g_autoptr(GError) error = NULL;

  expect_row (reader, 1, (const char *[]) { "a", "b", NULL });
  g_assert_false (verval_csv_reader_next_row (reader, NULL, &error));
  g_assert_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_nonnull (strstr (error->message, "2"));
}

static void
test_binary (void)
{
  static const char data[] = "a;b\nc\0d;e\n";
  g_autoptr(VervalCsvReader) reader = reader_for (data, sizeof data - 1, 0);
  g_autoptr(GError) error = NULL;

  expect_row (reader, 1, (const char *[]) { "a", "b", NULL });
  g_assert_false (verval_csv_reader_next_row (reader, NULL, &error));
  g_assert_error (error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_BINARY);
}

static void
test_windows_1252 (void)
{
  /* "José" saved by Excel on Windows: é is the single byte 0xE9. */
  g_autoptr(VervalCsvReader) reader = reader_for ("Nama;Desa\nJos\xe9;Pem\xe9" "cutan\n", -1, 0);

  expect_row (reader, 1, (const char *[]) { "Nama", "Desa", NULL });
  expect_row (reader, 2, (const char *[]) { "José", "Pemécutan", NULL });
}

static void
test_long_file (void)
{
  /* Rows crossing the reader's internal buffer boundaries, with quoted
   * fields split across reads. */
  g_autoptr(GString) text = g_string_new ("id;nama;alamat\n");
  g_autoptr(VervalCsvReader) reader = NULL;
  guint n = 0;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (text, "%u;\"Nama \"\"%u\"\"\";\"Jl. %u;\nBanjar\"\n", i, i, i);
  reader = reader_for (text->str, (gssize) text->len, 0);
  expect_row (reader, 1, (const char *[]) { "id", "nama", "alamat", NULL });
  while (verval_csv_reader_next_row (reader, NULL, NULL))
    {
      g_autofree char *name = g_strdup_printf ("Nama \"%u\"", n);
      g_autofree char *address = g_strdup_printf ("Jl. %u;\nBanjar", n);

      g_assert_cmpuint (verval_csv_reader_get_line (reader), ==, 2 + 2 * n);
      g_assert_cmpstr (verval_csv_reader_get_field (reader, 1), ==, name);
      g_assert_cmpstr (verval_csv_reader_get_field (reader, 2), ==, address);
      n++;
    }
  g_assert_cmpuint (n, ==, 20000);
  g_assert_cmpuint (verval_csv_reader_get_offset (reader), ==, text->len);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/csv/quotes", test_quotes);
  g_test_add_func ("/common/csv/detect", test_detect);
  g_test_add_func ("/common/csv/blank-lines", test_blank_lines);
  g_test_add_func ("/common/csv/unterminated", test_unterminated);
  g_test_add_func ("/common/csv/binary", test_binary);
  g_test_add_func ("/common/csv/windows-1252", test_windows_1252);
  g_test_add_func ("/common/csv/long-file", test_long_file);

  return g_test_run ();
}
