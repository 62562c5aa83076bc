/* verval-demo.c: realistic made-up P3KE and DTKS listings for tests and demos
 *
 * Every family is drawn from its own small random generator seeded with
 * (seed, index), so a file is the same for the same seed and a test can ask
 * for family i's NIK without generating the file. NIK and KK serials are
 * derived from the index, which keeps them unique however many families.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-demo"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "verval-demo.h"
#include "verval-regions.h"

#define BULELENG "51.08"
/* Serial blocks: c = person counter per kecamatan; serial c % 9999 + 1 and the
 * block c / 9999 goes into the birth year, so (kecamatan, date, serial) never
 * repeats. */
#define MAX_BLOCKS 16
#define PERSONS_PER_FAMILY 6

static const char * const male_first[] = {
  "I Wayan", "I Made", "I Nyoman", "I Ketut", "I Putu", "I Kadek", "I Komang", "I Gede",
  "I Gusti Ngurah", "Ida Bagus", "Wayan", "Made", "Nyoman", "Ketut", "Putu", "Gede",
  "Agus", "Budi", "Slamet", "Ahmad", "Muhammad", "Hendra", "Dedi", "Rudi",
};
static const char * const female_first[] = {
  "Ni Luh", "Ni Made", "Ni Nyoman", "Ni Ketut", "Ni Putu", "Ni Kadek", "Ni Komang",
  "Ni Wayan", "Desak", "Ayu", "Siti", "Sri", "Dewi", "Nur", "Kadek", "Luh",
};
static const char * const male_last[] = {
  "Sudiarta", "Astawa", "Mertayasa", "Ardana", "Sukarta", "Suparta", "Wirawan", "Darmawan",
  "Arsana", "Budiasa", "Suarjana", "Yasa", "Sudarma", "Widiada", "Sujana", "Parwata",
  "Antara", "Sumerta", "Gunawan", "Santoso", "Saputra", "Hidayat", "Kurniawan", "Setiawan",
};
static const char * const female_last[] = {
  "Suryani", "Astuti", "Artini", "Sukerti", "Sariasih", "Wahyuni", "Kartini", "Rusmini",
  "Sumiati", "Mariani", "Suciati", "Widiastuti", "Yuliani", "Rahayu", "Lestari", "Purnami",
};
static const char * const streets[] = {
  "Jl. Raya", "Jl. Pura Desa", "Jl. Pantai", "Jl. Subak", "Gg. Melati", "Jl. Bukit",
  "Jl. Pasar", "Jl. Sekolah", "Gg. Kenanga", "Jl. Banjar",
};
static const char * const banjar[] = {
  "Kaja", "Kelod", "Kangin", "Kauh", "Tengah", "Anyar", "Dangin Margi", "Dauh Margi",
};
static const char * const occupations[] = {
  "PETANI/PEKEBUN", "BURUH TANI", "NELAYAN", "BURUH BANGUNAN", "PEDAGANG",
  "WIRASWASTA", "TIDAK BEKERJA", "MENGURUS RUMAH TANGGA",
};
static const char * const educations[] = {
  "TIDAK/BELUM SEKOLAH", "TIDAK TAMAT SD", "SD/SEDERAJAT", "SMP/SEDERAJAT", "SMA/SEDERAJAT",
};
static const char * const ownerships[] = { "MILIK SENDIRI", "KONTRAK/SEWA", "BEBAS SEWA", "LAINNYA" };
static const char * const savings[] = { "TIDAK", "YA", "UANG", "TERNAK", "PERHIASAN" };
static const char * const roofs[] = { "GENTENG", "SENG", "ASBES", "BETON", "JERAMI/IJUK/DAUN" };
static const char * const walls[] = { "TEMBOK", "KAYU/PAPAN", "ANYAMAN BAMBU", "BAMBU" };
static const char * const floors[] = { "SEMEN/BATA MERAH", "KERAMIK", "TANAH", "KAYU/PAPAN", "UBIN/TEGEL" };
static const char * const lights[] = { "LISTRIK PLN DENGAN METERAN", "LISTRIK PLN TANPA METERAN", "LISTRIK NON PLN", "BUKAN LISTRIK" };
static const char * const fuels[] = { "LPG 3 KG", "KAYU BAKAR", "MINYAK TANAH", "LISTRIK", "ARANG" };
static const char * const waters[] = { "SUMUR BOR/POMPA", "LEDING", "SUMUR TERLINDUNG", "MATA AIR TERLINDUNG", "AIR ISI ULANG" };
static const char * const toilets[] = { "YA, SENDIRI", "YA, BERSAMA", "YA, MCK UMUM", "TIDAK ADA" };

typedef struct {
  guint64 state;
} Rng;

/* splitmix64: tiny, fast, good enough for made-up people. */
static guint64
rng_next (Rng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static guint
rng_below (Rng   *rng,
           guint  n)
{
  return (guint) (rng_next (rng) % n);
}

#define PICK(rng, array) ((array)[rng_below ((rng), G_N_ELEMENTS (array))])

static Rng
family_rng (guint32 seed,
            guint   index)
{
  Rng rng = { ((guint64) seed << 32) ^ (guint64) index ^ G_GUINT64_CONSTANT (0xA5A5A5A55A5A5A5A) };

  rng_next (&rng);
  return rng;
}

typedef struct {
  GPtrArray *kecamatan;   /* of VervalRegion*, Buleleng's kecamatan */
  GPtrArray *villages;    /* of GPtrArray of VervalRegion*, per kecamatan */
} Places;

static void
places_clear (Places *places)
{
  g_clear_pointer (&places->kecamatan, g_ptr_array_unref);
  g_clear_pointer (&places->villages, g_ptr_array_unref);
}

static gboolean
places_load (Places  *places,
             GError **error)
{
  VervalRegions *regions = verval_regions_get_default ();

  if (regions == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "region list not available");
      return FALSE;
    }
  places->kecamatan = verval_regions_children (regions, BULELENG);
  places->villages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < places->kecamatan->len; i++)
    {
      VervalRegion *kec = places->kecamatan->pdata[i];
      g_ptr_array_add (places->villages, verval_regions_children (regions, kec->code));
    }
  if (places->kecamatan->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "no kecamatan of Buleleng in the region list");
      places_clear (places);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  char nik[17];
  char name[96];
  gboolean female;
  guint day, month, year;
} Person;

static void
make_person (Person     *person,
             Rng        *rng,
             const char *kec_digits,
             guint       counter,
             gboolean    female,
             gboolean    child,
             const char *family_name)
{
  guint serial = counter % 9999 + 1;
  guint block = counter / 9999;

  g_assert (block < MAX_BLOCKS);
  person->female = female;
  person->day = rng_below (rng, 28) + 1;
  person->month = rng_below (rng, 12) + 1;
  person->year = child ? 2006 + block : 1945 + rng_below (rng, 3) * MAX_BLOCKS + block;
  g_snprintf (person->nik, sizeof person->nik, "%s%02u%02u%02u%04u", kec_digits,
              person->day + (female ? 40 : 0), person->month, person->year % 100, serial);
  if (family_name != NULL)
    g_snprintf (person->name, sizeof person->name, "%s %s",
                female ? PICK (rng, female_first) : PICK (rng, male_first), family_name);
  else
    g_snprintf (person->name, sizeof person->name, "%s %s",
                female ? PICK (rng, female_first) : PICK (rng, male_first),
                female ? PICK (rng, female_last) : PICK (rng, male_last));
}

typedef struct {
  guint          index;
  Rng            rng;
  VervalRegion  *kec;
  VervalRegion  *village;
  char           kec_digits[7];
  char           village_digits[11];
  guint          family_counter;    /* index within its kecamatan */
  Person         head;
  char           kk[17];
  char           address[160];
  const char    *dusun;
  guint          rt, rw;
  guint          desil;
} Family;

static void
make_family (Family       *family,
             Places       *places,
             guint32       seed,
             guint         index)
{
  guint k = index % places->kecamatan->len;
  GPtrArray *villages = places->villages->pdata[k];
  g_autofree char *kec_digits = NULL;
  g_autofree char *village_digits = NULL;
  guint kk_serial, kk_block;

  memset (family, 0, sizeof *family);
  family->index = index;
  family->rng = family_rng (seed, index);
  family->kec = places->kecamatan->pdata[k];
  family->village = villages->len > 0 ? villages->pdata[rng_below (&family->rng, villages->len)] : NULL;
  kec_digits = verval_region_code_digits (family->kec->code);
  g_strlcpy (family->kec_digits, kec_digits, sizeof family->kec_digits);
  if (family->village != NULL)
    {
      village_digits = verval_region_code_digits (family->village->code);
      g_strlcpy (family->village_digits, village_digits, sizeof family->village_digits);
    }
  family->family_counter = index / places->kecamatan->len;

  /* About one family in six is headed by a woman. */
  make_person (&family->head, &family->rng, family->kec_digits,
               family->family_counter * PERSONS_PER_FAMILY,
               rng_below (&family->rng, 6) == 0, FALSE, NULL);

  kk_serial = family->family_counter % 9999 + 1;
  kk_block = family->family_counter / 9999;
  g_snprintf (family->kk, sizeof family->kk, "%s%02u%02u%02u%04u", family->kec_digits,
              rng_below (&family->rng, 28) + 1, rng_below (&family->rng, 12) + 1,
              (2005 + kk_block) % 100, kk_serial);
  g_snprintf (family->address, sizeof family->address, "%s No. %u, Banjar Dinas %s",
              PICK (&family->rng, streets), rng_below (&family->rng, 120) + 1,
              PICK (&family->rng, banjar));
  family->dusun = PICK (&family->rng, banjar);
  family->rt = rng_below (&family->rng, 12) + 1;
  family->rw = rng_below (&family->rng, 6) + 1;
  family->desil = 1 + rng_below (&family->rng, 4);
}

char *
verval_demo_family_nik (guint32 seed,
                        guint   index)
{
  Places places = { 0 };
  Family family;

  if (!places_load (&places, NULL))
    return NULL;
  make_family (&family, &places, seed, index);
  places_clear (&places);
  return g_strdup (family.head.nik);
}

static void
append_field (GString    *line,
              const char *value,
              gboolean    last)
{
  /* Quote what needs it, as spreadsheets do. */
  if (strpbrk (value, ";\"\n,") != NULL)
    {
      g_string_append_c (line, '"');
      for (const char *p = value; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (line, '"');
          g_string_append_c (line, *p);
        }
      g_string_append_c (line, '"');
    }
  else
    g_string_append (line, value);
  g_string_append_c (line, last ? '\n' : ';');
}

static void
append_date (GString      *line,
             const Person *person)
{
  char date[16];

  g_snprintf (date, sizeof date, "%02u-%02u-%04u", person->day, person->month, person->year);
  append_field (line, date, FALSE);
}

static const char p3ke_header[] =
  "ID Keluarga P3KE;Provinsi;Kabupaten_Kota;Kecamatan;Desa_Kelurahan;Kode Kemdagri;"
  "Desil Kesejahteraan;Alamat;Kepala Keluarga;NIK;Padan Dukcapil;Jenis Kelamin;"
  "Tanggal Lahir;Pekerjaan;Pendidikan;Kepemilikan Rumah;"
  "Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya;Jenis Atap;Jenis Dinding;Jenis Lantai;"
  "Sumber Penerangan;Bahan Bakar Memasak;Sumber Air Minum;"
  "Memiliki Fasilitas Buang Air Besar;Penerima BPNT;Penerima BPUM;Penerima BST;"
  "Penerima PKH;Penerima Sembako;Resiko Stunting\n";

static const char dtks_header[] =
  "iddtks;provinsi;kabupaten_kota;kecamatan;desa_kelurahan;alamat;dusun;rt;rw;nomor_kk;"
  "nomor_nik;nama;tanggal_lahir;tempat_lahir;jenis_kelamin;nama_ibu_kandung;"
  "hubungan_keluarga;tahun_data\n";

static void
write_p3ke_family (GString *line,
                   Family  *f,
                   guint32  seed)
{
  Rng *rng = &f->rng;
  char buf[64];

  g_snprintf (buf, sizeof buf, "P3KE%s%07u", f->kec_digits, f->index + 1);
  append_field (line, buf, FALSE);
  append_field (line, "BALI", FALSE);
  append_field (line, "KABUPATEN BULELENG", FALSE);
  append_field (line, f->kec->name, FALSE);
  append_field (line, f->village != NULL ? f->village->name : "", FALSE);
  append_field (line, f->village_digits, FALSE);
  g_snprintf (buf, sizeof buf, "%u", f->desil);
  append_field (line, buf, FALSE);
  append_field (line, f->address, FALSE);
  append_field (line, f->head.name, FALSE);
  append_field (line, f->head.nik, FALSE);
  append_field (line, rng_below (rng, 10) == 0 ? "TIDAK PADAN" : "PADAN", FALSE);
  append_field (line, f->head.female ? "PEREMPUAN" : "LAKI-LAKI", FALSE);
  append_date (line, &f->head);
  append_field (line, PICK (rng, occupations), FALSE);
  append_field (line, PICK (rng, educations), FALSE);
  append_field (line, PICK (rng, ownerships), FALSE);
  append_field (line, PICK (rng, savings), FALSE);
  append_field (line, PICK (rng, roofs), FALSE);
  append_field (line, PICK (rng, walls), FALSE);
  append_field (line, PICK (rng, floors), FALSE);
  append_field (line, PICK (rng, lights), FALSE);
  append_field (line, PICK (rng, fuels), FALSE);
  append_field (line, PICK (rng, waters), FALSE);
  append_field (line, PICK (rng, toilets), FALSE);
  for (guint i = 0; i < 5; i++)
    append_field (line, rng_below (rng, 3) == 0 ? "YA" : "TIDAK", FALSE);
  append_field (line, rng_below (rng, 8) == 0 ? "YA" : "TIDAK", TRUE);
}

static void
write_dtks_person (GString      *line,
                   Family       *f,
                   const Person *p,
                   guint         person_index,
                   const char   *relationship,
                   const char   *mother)
{
  char buf[64];

  g_snprintf (buf, sizeof buf, "DTKS%s%07u%u", f->kec_digits, f->index + 1, person_index);
  append_field (line, buf, FALSE);
  append_field (line, "BALI", FALSE);
  append_field (line, "BULELENG", FALSE);
  append_field (line, f->kec->name, FALSE);
  append_field (line, f->village != NULL ? f->village->name : "", FALSE);
  append_field (line, f->address, FALSE);
  append_field (line, f->dusun, FALSE);
  g_snprintf (buf, sizeof buf, "%03u", f->rt);
  append_field (line, buf, FALSE);
  g_snprintf (buf, sizeof buf, "%03u", f->rw);
  append_field (line, buf, FALSE);
  append_field (line, f->kk, FALSE);
  append_field (line, p->nik, FALSE);
  append_field (line, p->name, FALSE);
  append_date (line, p);
  append_field (line, "BULELENG", FALSE);
  append_field (line, p->female ? "PEREMPUAN" : "LAKI-LAKI", FALSE);
  append_field (line, mother, FALSE);
  append_field (line, relationship, FALSE);
  append_field (line, "2023", TRUE);
}

static void
write_dtks_family (GString *line,
                   Family  *f)
{
  Person spouse, child;
  guint n_children;
  guint counter = f->family_counter * PERSONS_PER_FAMILY;
  const char *last_space = strrchr (f->head.name, ' ');
  const char *family_name = last_space != NULL ? last_space + 1 : NULL;

  write_dtks_person (line, f, &f->head, 0, "KEPALA KELUARGA",
                     PICK (&f->rng, female_first));
  if (!f->head.female)
    {
      make_person (&spouse, &f->rng, f->kec_digits, counter + 1, TRUE, FALSE, NULL);
      write_dtks_person (line, f, &spouse, 1, "ISTRI", PICK (&f->rng, female_first));
    }
  n_children = rng_below (&f->rng, PERSONS_PER_FAMILY - 2);
  for (guint i = 0; i < n_children; i++)
    {
      gboolean female = rng_below (&f->rng, 2);

      make_person (&child, &f->rng, f->kec_digits, counter + 2 + i, female, TRUE,
                   female ? NULL : family_name);
      write_dtks_person (line, f, &child, 2 + i, "ANAK",
                         f->head.female ? f->head.name : spouse.name);
    }
}

gboolean
verval_demo_write_csv (GOutputStream        *out,
                       VervalListingFormat   format,
                       guint                 n_families,
                       guint32               seed,
                       GCancellable         *cancellable,
                       GError              **error)
{
  Places places = { 0 };
  g_autoptr(GString) text = g_string_sized_new (256 * 1024);
  gboolean ok = TRUE;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (format == VERVAL_LISTING_FORMAT_P3KE ||
                        format == VERVAL_LISTING_FORMAT_DTKS, FALSE);

  if (!places_load (&places, error))
    return FALSE;
  if ((guint64) n_families / places.kecamatan->len * PERSONS_PER_FAMILY >= 9999 * MAX_BLOCKS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "at most %u families", 9999 * MAX_BLOCKS / PERSONS_PER_FAMILY * places.kecamatan->len);
      places_clear (&places);
      return FALSE;
    }

  /* The title block real exports carry above the header row. */
  if (format == VERVAL_LISTING_FORMAT_P3KE)
    g_string_append (text, "DATA KELUARGA P3KE;;;\n"
                           "Provinsi: BALI;Kabupaten: BULELENG;;\n"
                           ";;;\n");
  else
    g_string_append (text, "DATA TERPADU KESEJAHTERAAN SOSIAL (DTKS);;;\n"
                           "Kabupaten Buleleng;;;\n"
                           "\n");
  g_string_append (text, format == VERVAL_LISTING_FORMAT_P3KE ? p3ke_header : dtks_header);

  for (guint i = 0; i < n_families && ok; i++)
    {
      Family family;

      make_family (&family, &places, seed, i);
      if (format == VERVAL_LISTING_FORMAT_P3KE)
        write_p3ke_family (text, &family, seed);
      else
        write_dtks_family (text, &family);
      if (text->len > 200 * 1024)
        {
          ok = g_output_stream_write_all (out, text->str, text->len, NULL, cancellable, error);
          g_string_truncate (text, 0);
        }
    }
  if (ok)
    ok = g_output_stream_write_all (out, text->str, text->len, NULL, cancellable, error);
  places_clear (&places);
  return ok;
}

gboolean
verval_demo_write_file (const char           *path,
                        VervalListingFormat   format,
                        guint                 n_families,
                        guint32               seed,
                        GError              **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (out == NULL)
    return FALSE;
  if (!verval_demo_write_csv (G_OUTPUT_STREAM (out), format, n_families, seed, NULL, error))
    return FALSE;
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}
