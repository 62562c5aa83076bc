/* test-listing.c: header detection, column mapping and row checks of P3KE/DTKS files
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "verval-csv.h"
#include "verval-listing.h"

/* Valid NIKs with Buleleng prefixes (510806 = Kecamatan Buleleng). */
#define NIK_A "5108061211870001"
#define NIK_B "5108066010900009"
#define NIK_C "5108020101800002"
#define KK_A  "5108060101100001"
#define KK_B  "5108060202110002"

typedef struct {
  VervalListingReader *reader;
  GPtrArray           *families;
  GError              *error;
} Read;

static void
read_clear (Read *read)
{
  g_clear_pointer (&read->reader, verval_listing_reader_free);
  g_clear_pointer (&read->families, g_ptr_array_unref);
  g_clear_error (&read->error);
}

static void
read_all (Read       *read,
          const char *text)
{
  g_autoptr(GInputStream) stream =
    g_memory_input_stream_new_from_data (g_strdup (text), (gssize) strlen (text), g_free);
  VervalFamilyRecord *record;

  read->reader = verval_listing_reader_new (stream, "test.csv");
  read->families = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_family_record_free);
  while ((record = verval_listing_reader_next (read->reader, NULL, &read->error)) != NULL)
    g_ptr_array_add (read->families, record);
}

static VervalImportReport *
report_of (Read *read)
{
  return verval_listing_reader_get_report (read->reader);
}

/* The problem reported for line, or NULL. */
static const VervalImportProblem *
problem_on (Read  *read,
            guint  line)
{
  GPtrArray *problems = report_of (read)->problems;

  for (guint i = 0; i < problems->len; i++)
    {
      const VervalImportProblem *problem = problems->pdata[i];
      if (problem->line == line)
        return problem;
    }
  return NULL;
}

static const char p3ke_header[] =
  "ID Keluarga P3KE;Provinsi;Kabupaten_Kota;Kecamatan;Desa_Kelurahan;Kode Kemdagri;"
  "Desil Kesejahteraan;Alamat;Kepala Keluarga;NIK;Padan Dukcapil;Jenis Atap;"
  "Penerima BPNT;Penerima PKH;Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya\r\n";

static void
test_p3ke_good (void)
{
  g_autofree char *text = NULL;
  Read read = { 0 };
  VervalFamilyRecord *family;

  text = g_strconcat ("\xef\xbb\xbf"
                      "DATA P3KE KABUPATEN BULELENG;;;\r\n"
                      "Dicetak: 01-02-2026;;;\r\n"
                      ";;;\r\n",
                      p3ke_header,
                      "P001;BALI;BULELENG;Buleleng;Kampung Baru;51.08.06.1001;1;"
                      "\"Jl. Gajah Mada No. 3;\r\nBanjar Tegal\";Ni Luh Suryani;" NIK_B ";PADAN;SENG;YA;TIDAK;TERNAK\r\n"
                      "P002;BALI;BULELENG;Buleleng;Kampung Baru;5108061001;4;Jl. Pantai;I Made Yasa;"
                      "'" NIK_A ";TIDAK PADAN;GENTENG;TIDAK;YA;TIDAK\r\n",
                      NULL);
  read_all (&read, text);
  g_assert_no_error (read.error);

  g_assert_cmpint (report_of (&read)->format, ==, VERVAL_LISTING_FORMAT_P3KE);
  g_assert_cmpint (report_of (&read)->delimiter, ==, ';');
  g_assert_true (report_of (&read)->had_bom);
  g_assert_cmpuint (report_of (&read)->header_line, ==, 4);
  g_assert_cmpuint (report_of (&read)->rows_read, ==, 2);
  g_assert_cmpuint (report_of (&read)->refused, ==, 0);
  g_assert_cmpuint (report_of (&read)->warnings, ==, 0);
  g_assert_cmpuint (read.families->len, ==, 2);

  family = read.families->pdata[0];
  g_assert_cmpuint (family->line, ==, 5);
  g_assert_cmpint (family->source, ==, VERVAL_SOURCE_P3KE);
  g_assert_cmpstr (family->family_id, ==, "P001");
  g_assert_cmpstr (family->head_name, ==, "Ni Luh Suryani");
  g_assert_cmpstr (family->head_nik, ==, NIK_B);
  g_assert_cmpstr (family->kk, ==, "");
  g_assert_cmpstr (family->address, ==, "Jl. Gajah Mada No. 3;\nBanjar Tegal");
  g_assert_cmpstr (family->village_code, ==, "5108061001");
  g_assert_cmpstr (family->fields[VERVAL_FAMILY_FIELD_VILLAGE], ==, "Kampung Baru");
  g_assert_cmpstr (family->fields[VERVAL_FAMILY_FIELD_KECAMATAN], ==, "Buleleng");
  g_assert_cmpstr (family->fields[VERVAL_FAMILY_FIELD_ROOF], ==, "SENG");
  g_assert_cmpint (family->desil, ==, 1);
  g_assert_cmpint (family->padan_dukcapil, ==, 1);
  g_assert_cmpint (family->programmes, ==, VERVAL_PROGRAMME_BPNT);
  g_assert_cmpint (family->savings, ==, VERVAL_SAVINGS_LIVESTOCK);

  /* The line after a quoted line break is 7, and Excel's ' text marker goes. */
  family = read.families->pdata[1];
  g_assert_cmpuint (family->line, ==, 7);
  g_assert_cmpstr (family->head_nik, ==, NIK_A);
  g_assert_cmpint (family->desil, ==, 4);
  g_assert_cmpint (family->padan_dukcapil, ==, 0);
  g_assert_cmpint (family->programmes, ==, VERVAL_PROGRAMME_PKH);
  g_assert_cmpint (family->savings, ==, VERVAL_SAVINGS_NONE);

  read_clear (&read);
}

static void
test_header_names (void)
{
  Read read = { 0 };

  /* Case, spacing, underscores and a comma separator. */
  read_all (&read,
            "Laporan,,\n"
            "id_keluarga_p3ke , KEPALA  KELUARGA,nik,DESIL_KESEJAHTERAAN,desa / kelurahan\n"
            "P9,Wayan Sudiarta," NIK_A ",2,Banyuning\n");
  g_assert_no_error (read.error);
  g_assert_cmpuint (report_of (&read)->header_line, ==, 2);
  g_assert_cmpint (report_of (&read)->delimiter, ==, ',');
  g_assert_cmpuint (read.families->len, ==, 1);
  g_assert_cmpstr (((VervalFamilyRecord *) read.families->pdata[0])->head_name, ==,
                   "Wayan Sudiarta");
  g_assert_cmpstr (((VervalFamilyRecord *) read.families->pdata[0])->fields[VERVAL_FAMILY_FIELD_VILLAGE],
                   ==, "Banyuning");
  g_assert_cmpint (((VervalFamilyRecord *) read.families->pdata[0])->desil, ==, 2);
  read_clear (&read);
}

static void
test_p3ke_bad_rows (void)
{
  g_autofree char *text = NULL;
  g_autofree char *summary = NULL;
  const VervalImportProblem *problem;
  Read read = { 0 };

  text = g_strconcat (p3ke_header,
                      /* 2 */ "P1;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;Jl. A;Made A;3.27E+15;;;;;\n"
                      /* 3 */ "P2;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;Jl. B;Made B;51080612118700;;;;;\n"
                      /* 4 */ "P3;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;Jl. C;;" NIK_A ";;;;;\n"
                      /* 5 */ "P4;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;Jl. D;Made D;" NIK_A ";;;;;\n"
                      /* 6 */ "P4;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;Jl. E;Made E;" NIK_B ";;;;;\n"
                      /* 7 */ "P5;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;Jl. F;Made F;" NIK_A ";;;;;\n"
                      /* 8 */ "P6;BALI;BULELENG;Buleleng;Banyuning;5108061006;9;Jl. G;Made G;9901011201900001;;;;;\n"
                      /* 9 */ "P7;BALI;BULELENG;Buleleng;Banyuning;5108061006;3;Jl. H;Made H;5108063213870001;;;;;\n"
                      /* 10 */ "P8;BALI\n",
                      NULL);
  read_all (&read, text);
  g_assert_no_error (read.error);

  /* Only P4 (line 5) and P6 (line 8, with warnings) get through. */
  g_assert_cmpuint (read.families->len, ==, 2);
  g_assert_cmpstr (((VervalFamilyRecord *) read.families->pdata[0])->family_id, ==, "P4");
  g_assert_cmpstr (((VervalFamilyRecord *) read.families->pdata[1])->family_id, ==, "P6");
  g_assert_cmpint (((VervalFamilyRecord *) read.families->pdata[1])->desil, ==, 0);
  g_assert_cmpuint (report_of (&read)->rows_read, ==, 9);
  g_assert_cmpuint (report_of (&read)->refused, ==, 7);
  g_assert_cmpuint (report_of (&read)->families, ==, 2);

  problem = problem_on (&read, 2);
  g_assert_nonnull (problem);
  g_assert_false (problem->warning);
  g_assert_nonnull (strstr (problem->message, "3.27E+15"));
  g_assert_nonnull (strstr (problem->message, "scientific"));

  problem = problem_on (&read, 3);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem->message, "14 digits"));

  problem = problem_on (&read, 4);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem->message, "Kepala Keluarga"));

  problem = problem_on (&read, 6);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem->message, "duplicate ID Keluarga P3KE P4"));
  g_assert_nonnull (strstr (problem->message, "line 5"));

  /* Same head NIK twice: refused, and the NIK is masked in the message. */
  problem = problem_on (&read, 7);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem->message, "duplicate NIK"));
  g_assert_null (strstr (problem->message, NIK_A));

  /* Unknown province 99: a warning, imported anyway; desil 9 too. */
  problem = problem_on (&read, 8);
  g_assert_nonnull (problem);
  g_assert_true (problem->warning);
  g_assert_cmpuint (report_of (&read)->warnings, ==, 2);

  problem = problem_on (&read, 9);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem->message, "date of birth"));

  problem = problem_on (&read, 10);
  g_assert_nonnull (problem);
  g_assert_false (problem->warning);

  summary = verval_import_report_to_text (report_of (&read));
  g_assert_nonnull (strstr (summary, "Rows refused: 7"));
  g_assert_nonnull (strstr (summary, "Line 2, refused:"));
  g_assert_nonnull (strstr (summary, "Line 8, warning:"));
  g_assert_nonnull (strstr (summary, "header on line 1"));
  read_clear (&read);
}

static void
test_no_header (void)
{
  Read read = { 0 };

  read_all (&read, "nama;umur\nBudi;40\nSiti;38\n");
  g_assert_error (read.error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_NO_HEADER);
  g_assert_nonnull (strstr (read.error->message, "ID Keluarga P3KE"));
  g_assert_nonnull (strstr (read.error->message, "nomor_kk"));
  g_assert_cmpuint (read.families->len, ==, 0);
  read_clear (&read);

  read_all (&read, "\n\n");
  g_assert_error (read.error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_EMPTY);
  read_clear (&read);
}

static void
test_missing_column (void)
{
  Read read = { 0 };

  read_all (&read, "ID Keluarga P3KE;Kepala Keluarga;Alamat;Desil Kesejahteraan\nP1;Budi;Jl. A;1\n");
  g_assert_error (read.error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_MISSING_COLUMN);
  g_assert_nonnull (strstr (read.error->message, "“NIK”"));
  read_clear (&read);
}

static const char dtks_header[] =
  "iddtks;provinsi;kabupaten_kota;kecamatan;desa_kelurahan;alamat;dusun;rt;rw;nomor_kk;"
  "nomor_nik;nama;tanggal_lahir;tempat_lahir;jenis_kelamin;nama_ibu_kandung;"
  "hubungan_keluarga;tahun_data\n";

static void
test_dtks_grouping (void)
{
  g_autofree char *text = NULL;
  VervalFamilyRecord *family;
  VervalMemberRecord *member;
  Read read = { 0 };

  text = g_strconcat ("DTKS Buleleng;;\n",
                      dtks_header,
                      /* 3 */ "D1;BALI;BULELENG;Buleleng;Banyuning;Jl. A;Kaja;001;002;" KK_A ";" NIK_B ";Ni Luh Suryani;20-10-1990;Singaraja;PEREMPUAN;Ni Made;ISTRI;2023\n"
                      /* 4 */ "D2;BALI;BULELENG;Buleleng;Banyuning;Jl. B;Kelod;003;004;" KK_B ";" NIK_C ";Ketut Anom;01-01-1980;Singaraja;LAKI-LAKI;Luh;ANAK;2023\n"
                      /* 5 */ "D3;BALI;BULELENG;Buleleng;Banyuning;Jl. A;Kaja;001;002;" KK_A ";" NIK_A ";I Made Yasa;12-11-1987;Singaraja;LAKI-LAKI;Ni Ketut;Kepala Keluarga;2023\n"
                      /* 6 */ "D4;BALI;BULELENG;Buleleng;Banyuning;Jl. A;Kaja;001;002;3.27E+15;5108060101050003;Putu;01-01-2005;Singaraja;LAKI-LAKI;Ni Luh;ANAK;2023\n",
                      NULL);
  read_all (&read, text);
  g_assert_no_error (read.error);
  g_assert_cmpint (report_of (&read)->format, ==, VERVAL_LISTING_FORMAT_DTKS);
  g_assert_cmpuint (report_of (&read)->rows_read, ==, 4);
  g_assert_cmpuint (report_of (&read)->refused, ==, 1);
  g_assert_nonnull (problem_on (&read, 6));
  g_assert_cmpuint (read.families->len, ==, 2);

  /* KK A: the head is the Kepala Keluarga of line 5, though the wife came
   * first; the family is named by the head's iddtks. */
  family = read.families->pdata[0];
  g_assert_cmpint (family->source, ==, VERVAL_SOURCE_DTKS);
  g_assert_cmpstr (family->family_id, ==, "D3");
  g_assert_cmpstr (family->kk, ==, KK_A);
  g_assert_cmpstr (family->head_nik, ==, NIK_A);
  g_assert_cmpstr (family->head_name, ==, "I Made Yasa");
  g_assert_cmpstr (family->dusun, ==, "Kaja");
  g_assert_cmpstr (family->rt, ==, "001");
  g_assert_cmpint (family->data_year, ==, 2023);
  g_assert_cmpuint (family->members->len, ==, 2);
  member = family->members->pdata[0];
  g_assert_true (member->is_head);
  g_assert_cmpstr (member->nik, ==, NIK_A);
  g_assert_cmpstr (member->individual_id, ==, "D3");
  member = family->members->pdata[1];
  g_assert_false (member->is_head);
  g_assert_cmpstr (member->name, ==, "Ni Luh Suryani");
  g_assert_cmpstr (member->relationship, ==, "ISTRI");
  g_assert_cmpstr (member->mother_name, ==, "Ni Made");

  /* KK B has no Kepala Keluarga: its only member is taken, with a warning. */
  family = read.families->pdata[1];
  g_assert_cmpstr (family->kk, ==, KK_B);
  g_assert_cmpstr (family->family_id, ==, "D2");
  g_assert_cmpstr (family->head_nik, ==, NIK_C);
  g_assert_nonnull (problem_on (&read, 4));
  g_assert_true (problem_on (&read, 4)->warning);
  read_clear (&read);
}

/* Without an iddtks on the head's row the KK number names the family, with
 * a prefix so it can never be taken for a P3KE or DTKS id. */
static void
test_dtks_family_id (void)
{
  g_autofree char *text = NULL;
  VervalFamilyRecord *family;
  Read read = { 0 };

  text = g_strconcat (dtks_header,
                      ";BALI;BULELENG;Buleleng;Banyuning;Jl. A;Kaja;001;002;" KK_A ";" NIK_A ";I Made Yasa;12-11-1987;Singaraja;LAKI-LAKI;Ni Ketut;Kepala Keluarga;2023\n"
                      "D9;BALI;BULELENG;Buleleng;Banyuning;Jl. A;Kaja;001;002;" KK_A ";" NIK_B ";Ni Luh Suryani;20-10-1990;Singaraja;PEREMPUAN;Ni Made;ISTRI;2023\n",
                      NULL);
  read_all (&read, text);
  g_assert_no_error (read.error);
  g_assert_cmpuint (read.families->len, ==, 1);
  family = read.families->pdata[0];
  g_assert_cmpstr (family->family_id, ==, "KK-" KK_A);
  g_assert_cmpstr (family->head_nik, ==, NIK_A);
  read_clear (&read);
}

static void
test_p3ke_members (void)
{
  Read read = { 0 };
  VervalFamilyRecord *family;

  read_all (&read,
            "ID Keluarga P3KE;ID Individu;Nama;NIK;Hubungan Dengan Kepala Keluarga;Desil Kesejahteraan\n"
            "P1;I1;Ni Luh Suryani;" NIK_B ";ISTRI;2\n"
            "P1;I2;I Made Yasa;" NIK_A ";KEPALA KELUARGA;2\n"
            "P2;I3;Ketut Anom;" NIK_C ";KEPALA KELUARGA;3\n");
  g_assert_no_error (read.error);
  g_assert_cmpint (report_of (&read)->format, ==, VERVAL_LISTING_FORMAT_P3KE_MEMBERS);
  g_assert_cmpuint (read.families->len, ==, 2);
  family = read.families->pdata[0];
  g_assert_cmpint (family->source, ==, VERVAL_SOURCE_P3KE);
  g_assert_cmpstr (family->family_id, ==, "P1");
  g_assert_cmpstr (family->head_name, ==, "I Made Yasa");
  g_assert_cmpuint (family->members->len, ==, 2);
  g_assert_cmpint (family->desil, ==, 2);
  read_clear (&read);
}

static void
test_broken_csv (void)
{
  Read read = { 0 };
  g_autofree char *text = g_strconcat (p3ke_header,
                                       "P1;BALI;BULELENG;Buleleng;Banyuning;5108061006;2;\"Jl. A;Made A;" NIK_A "\n",
                                       NULL);

  /* A quote that never closes stops the file with an error, never a
   * half-read family. */
  read_all (&read, text);
  g_assert_error (read.error, VERVAL_CSV_ERROR, VERVAL_CSV_ERROR_UNTERMINATED_QUOTE);
  read_clear (&read);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/listing/p3ke-good", test_p3ke_good);
  g_test_add_func ("/common/listing/header-names", test_header_names);
  g_test_add_func ("/common/listing/p3ke-bad-rows", test_p3ke_bad_rows);
  g_test_add_func ("/common/listing/no-header", test_no_header);
  g_test_add_func ("/common/listing/missing-column", test_missing_column);
  g_test_add_func ("/common/listing/dtks-grouping", test_dtks_grouping);
  g_test_add_func ("/common/listing/dtks-family-id", test_dtks_family_id);
  g_test_add_func ("/common/listing/p3ke-members", test_p3ke_members);
  g_test_add_func ("/common/listing/broken-csv", test_broken_csv);

  return g_test_run ();
}
