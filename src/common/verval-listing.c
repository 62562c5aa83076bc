/* verval-listing.c: reading P3KE and DTKS listings (CSV) into family records
 *
 * The header row is wherever the first row is that names enough known
 * columns: exports carry a title block (report name, region, date) above it.
 * Column names are compared folded (lower case, letters and digits only), so
 * "Kabupaten_Kota", "KABUPATEN KOTA" and "kabupaten/kota" are the same.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-listing"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdarg.h>
#include <string.h>

#include "verval-csv.h"
#include "verval-listing.h"
#include "verval-nik.h"
#include "verval-regions.h"

#define HEADER_SEARCH_ROWS 50
#define MIN_HEADER_COLUMNS 3

typedef enum {
  COL_FAMILY_ID,
  COL_PROVINCE,
  COL_REGENCY,
  COL_KECAMATAN,
  COL_VILLAGE,
  COL_VILLAGE_CODE,
  COL_DESIL,
  COL_ADDRESS,
  COL_HEAD_NAME,
  COL_NIK,
  COL_PADAN,
  COL_SEX,
  COL_BIRTH_DATE,
  COL_OCCUPATION,
  COL_EDUCATION,
  COL_OWNERSHIP,
  COL_SAVINGS,
  COL_ROOF,
  COL_WALL,
  COL_FLOOR,
  COL_LIGHTING,
  COL_FUEL,
  COL_WATER,
  COL_TOILET,
  COL_BPNT,
  COL_BPUM,
  COL_BST,
  COL_PKH,
  COL_SEMBAKO,
  COL_STUNTING,
  COL_INDIVIDUAL_ID,
  COL_NAME,
  COL_RELATIONSHIP,
  COL_MARITAL,
  COL_IDDTKS,
  COL_DUSUN,
  COL_RT,
  COL_RW,
  COL_KK,
  COL_BIRTH_PLACE,
  COL_MOTHER,
  COL_YEAR,
  N_COLS
} Column;

/* Published names, folded; several spellings seen in the wild per column. */
static const struct {
  Column      column;
  const char *folded;
} column_names[] = {
  { COL_FAMILY_ID, "idkeluargap3ke" }, { COL_FAMILY_ID, "idkeluarga" },
  { COL_PROVINCE, "provinsi" },
  { COL_REGENCY, "kabupatenkota" }, { COL_REGENCY, "kabupaten" }, { COL_REGENCY, "kota" },
  { COL_KECAMATAN, "kecamatan" },
  { COL_VILLAGE, "desakelurahan" }, { COL_VILLAGE, "desa" }, { COL_VILLAGE, "kelurahan" },
  { COL_VILLAGE_CODE, "kodekemdagri" }, { COL_VILLAGE_CODE, "kodewilayah" },
  { COL_VILLAGE_CODE, "kodedesa" },
  { COL_DESIL, "desilkesejahteraan" }, { COL_DESIL, "desil" },
  { COL_ADDRESS, "alamat" },
  { COL_HEAD_NAME, "kepalakeluarga" }, { COL_HEAD_NAME, "namakepalakeluarga" },
  { COL_NIK, "nik" }, { COL_NIK, "nomornik" }, { COL_NIK, "nikkepalakeluarga" },
  { COL_PADAN, "padandukcapil" },
  { COL_SEX, "jeniskelamin" },
  { COL_BIRTH_DATE, "tanggallahir" },
  { COL_OCCUPATION, "pekerjaan" },
  { COL_EDUCATION, "pendidikan" },
  { COL_OWNERSHIP, "kepemilikanrumah" },
  { COL_SAVINGS, "memilikisimpananuangperhiasanternaklainnya" },
  { COL_SAVINGS, "memilikisimpanan" },
  { COL_ROOF, "jenisatap" },
  { COL_WALL, "jenisdinding" },
  { COL_FLOOR, "jenislantai" },
  { COL_LIGHTING, "sumberpenerangan" },
  { COL_FUEL, "bahanbakarmemasak" },
  { COL_WATER, "sumberairminum" },
  { COL_TOILET, "memilikifasilitasbuangairbesar" }, { COL_TOILET, "fasilitasbuangairbesar" },
  { COL_BPNT, "penerimabpnt" },
  { COL_BPUM, "penerimabpum" },
  { COL_BST, "penerimabst" },
  { COL_PKH, "penerimapkh" },
  { COL_SEMBAKO, "penerimasembako" },
  { COL_STUNTING, "resikostunting" }, { COL_STUNTING, "risikostunting" },
  { COL_INDIVIDUAL_ID, "idindividu" },
  { COL_NAME, "nama" },
  { COL_RELATIONSHIP, "hubungandengankepalakeluarga" },
  { COL_RELATIONSHIP, "hubungankeluarga" },
  { COL_MARITAL, "statuskawin" },
  { COL_IDDTKS, "iddtks" },
  { COL_DUSUN, "dusun" },
  { COL_RT, "rt" },
  { COL_RW, "rw" },
  { COL_KK, "nomorkk" }, { COL_KK, "nokk" }, { COL_KK, "kk" },
  { COL_BIRTH_PLACE, "tempatlahir" },
  { COL_MOTHER, "namaibukandung" },
  { COL_YEAR, "tahundata" },
};

static const struct {
  const char *key;
  const char *label;
  Column      column;
} family_fields[VERVAL_FAMILY_N_FIELDS] = {
  [VERVAL_FAMILY_FIELD_PROVINCE] = { "province", N_("Province"), COL_PROVINCE },
  [VERVAL_FAMILY_FIELD_REGENCY] = { "regency", N_("Regency/city"), COL_REGENCY },
  [VERVAL_FAMILY_FIELD_KECAMATAN] = { "kecamatan", N_("District (kecamatan)"), COL_KECAMATAN },
  [VERVAL_FAMILY_FIELD_VILLAGE] = { "village", N_("Village"), COL_VILLAGE },
  [VERVAL_FAMILY_FIELD_SEX] = { "sex", N_("Sex of the head"), COL_SEX },
  [VERVAL_FAMILY_FIELD_BIRTH_DATE] = { "birth_date", N_("Date of birth of the head"), COL_BIRTH_DATE },
  [VERVAL_FAMILY_FIELD_OCCUPATION] = { "occupation", N_("Occupation"), COL_OCCUPATION },
  [VERVAL_FAMILY_FIELD_EDUCATION] = { "education", N_("Education"), COL_EDUCATION },
  [VERVAL_FAMILY_FIELD_HOUSE_OWNERSHIP] = { "house_ownership", N_("House ownership"), COL_OWNERSHIP },
  [VERVAL_FAMILY_FIELD_ROOF] = { "roof", N_("Roof"), COL_ROOF },
  [VERVAL_FAMILY_FIELD_WALL] = { "wall", N_("Walls"), COL_WALL },
  [VERVAL_FAMILY_FIELD_FLOOR] = { "floor", N_("Floor"), COL_FLOOR },
  [VERVAL_FAMILY_FIELD_LIGHTING] = { "lighting", N_("Lighting"), COL_LIGHTING },
  [VERVAL_FAMILY_FIELD_COOKING_FUEL] = { "cooking_fuel", N_("Cooking fuel"), COL_FUEL },
  [VERVAL_FAMILY_FIELD_DRINKING_WATER] = { "drinking_water", N_("Drinking water"), COL_WATER },
  [VERVAL_FAMILY_FIELD_TOILET] = { "toilet", N_("Toilet"), COL_TOILET },
  [VERVAL_FAMILY_FIELD_STUNTING_RISK] = { "stunting_risk", N_("Stunting risk"), COL_STUNTING },
};

struct _VervalListingReader
{
  VervalCsvReader     *csv;
  VervalImportReport  *report;
  gboolean             opened;
  int                  map[N_COLS];   /* column index in the file, -1 when absent */
  VervalRegions       *regions;
  GDateTime           *today;

  GHashTable          *seen_ids;      /* family / individual IDs -> line */
  GHashTable          *seen_niks;     /* NIK -> line */

  /* Person-per-row formats: families in order of first appearance. */
  gboolean             grouped;
  GPtrArray           *groups;
  guint                next_group;
};

G_DEFINE_QUARK (verval-listing-error-quark, verval_listing_error)

const char *
verval_listing_format_to_string (VervalListingFormat format)
{
  switch (format)
    {
    case VERVAL_LISTING_FORMAT_P3KE:
      return _("P3KE family export");
    case VERVAL_LISTING_FORMAT_P3KE_MEMBERS:
      return _("P3KE individual export");
    case VERVAL_LISTING_FORMAT_DTKS:
      return _("DTKS individual rows");
    case VERVAL_LISTING_FORMAT_UNKNOWN:
    default:
      return _("Unknown format");
    }
}

const char *
verval_family_field_get_label (VervalFamilyField field)
{
  g_return_val_if_fail (field < VERVAL_FAMILY_N_FIELDS, NULL);
  return _(family_fields[field].label);
}

const char *
verval_family_field_get_key (VervalFamilyField field)
{
  g_return_val_if_fail (field < VERVAL_FAMILY_N_FIELDS, NULL);
  return family_fields[field].key;
}

VervalMemberRecord *
verval_member_record_new (void)
{
  VervalMemberRecord *record = g_new0 (VervalMemberRecord, 1);

  record->individual_id = g_strdup ("");
  record->nik = g_strdup ("");
  record->name = g_strdup ("");
  record->relationship = g_strdup ("");
  record->sex = g_strdup ("");
  record->birth_date = g_strdup ("");
  record->birth_place = g_strdup ("");
  record->mother_name = g_strdup ("");
  record->marital_status = g_strdup ("");
  return record;
}

void
verval_member_record_free (VervalMemberRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->individual_id);
  g_free (record->nik);
  g_free (record->name);
  g_free (record->relationship);
  g_free (record->sex);
  g_free (record->birth_date);
  g_free (record->birth_place);
  g_free (record->mother_name);
  g_free (record->marital_status);
  g_free (record);
}

/* A record whose strings are still NULL; ensure_strings() makes it public. */
static VervalFamilyRecord *
family_record_alloc (void)
{
  VervalFamilyRecord *record = g_new0 (VervalFamilyRecord, 1);

  record->padan_dukcapil = -1;
  record->members = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_member_record_free);
  return record;
}

static void
ensure_string (char **slot)
{
  if (*slot == NULL)
    *slot = g_strdup ("");
}

static void
ensure_strings (VervalFamilyRecord *record)
{
  ensure_string (&record->family_id);
  ensure_string (&record->kk);
  ensure_string (&record->head_nik);
  ensure_string (&record->head_name);
  ensure_string (&record->address);
  ensure_string (&record->dusun);
  ensure_string (&record->rt);
  ensure_string (&record->rw);
  ensure_string (&record->village_code);
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    ensure_string (&record->fields[i]);
}

VervalFamilyRecord *
verval_family_record_new (void)
{
  VervalFamilyRecord *record = g_new0 (VervalFamilyRecord, 1);

  record->family_id = g_strdup ("");
  record->kk = g_strdup ("");
  record->head_nik = g_strdup ("");
  record->head_name = g_strdup ("");
  record->address = g_strdup ("");
  record->dusun = g_strdup ("");
  record->rt = g_strdup ("");
  record->rw = g_strdup ("");
  record->village_code = g_strdup ("");
  record->padan_dukcapil = -1;
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    record->fields[i] = g_strdup ("");
  record->members = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_member_record_free);
  return record;
}

void
verval_family_record_free (VervalFamilyRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->family_id);
  g_free (record->kk);
  g_free (record->head_nik);
  g_free (record->head_name);
  g_free (record->address);
  g_free (record->dusun);
  g_free (record->rt);
  g_free (record->rw);
  g_free (record->village_code);
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    g_free (record->fields[i]);
  g_ptr_array_unref (record->members);
  g_free (record);
}

static void
problem_free (VervalImportProblem *problem)
{
  g_free (problem->message);
  g_free (problem);
}

VervalImportReport *
verval_import_report_new (const char *file_name)
{
  VervalImportReport *report = g_new0 (VervalImportReport, 1);

  report->file_name = g_strdup (file_name != NULL ? file_name : "");
  report->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  return report;
}

void
verval_import_report_free (VervalImportReport *report)
{
  if (report == NULL)
    return;
  g_free (report->file_name);
  g_ptr_array_unref (report->problems);
  g_free (report);
}

static void G_GNUC_PRINTF (4, 0)
add_problem_valist (VervalImportReport *report,
                    guint               line,
                    gboolean            warning,
                    const char         *format,
                    va_list             args)
{
  VervalImportProblem *problem;

  if (warning)
    report->warnings++;
  if (report->problems->len >= VERVAL_IMPORT_REPORT_MAX_PROBLEMS)
    {
      report->problems_dropped++;
      return;
    }
  problem = g_new0 (VervalImportProblem, 1);
  problem->line = line;
  problem->warning = warning;
  problem->message = g_strdup_vprintf (format, args);
  g_ptr_array_add (report->problems, problem);
}

void
verval_import_report_add_problem (VervalImportReport *report,
                                  guint               line,
                                  gboolean            warning,
                                  const char         *format,
                                  ...)
{
  va_list args;

  g_return_if_fail (report != NULL);
  g_return_if_fail (format != NULL);

  va_start (args, format);
  add_problem_valist (report, line, warning, format, args);
  va_end (args);
}

static int
compare_problems (gconstpointer a,
                  gconstpointer b)
{
  const VervalImportProblem *pa = *(VervalImportProblem * const *) a;
  const VervalImportProblem *pb = *(VervalImportProblem * const *) b;

  return (pa->line > pb->line) - (pa->line < pb->line);
}

char *
verval_import_report_to_text (VervalImportReport *report)
{
  GString *out;
  const char *delim_name;

  g_return_val_if_fail (report != NULL, NULL);

  /* Grouped formats report problems while grouping, out of line order. */
  g_ptr_array_sort (report->problems, compare_problems);

  switch (report->delimiter)
    {
    case ';':
      delim_name = _("semicolon");
      break;
    case '\t':
      delim_name = _("tab");
      break;
    default:
      delim_name = _("comma");
      break;
    }

  out = g_string_new (NULL);
  if (report->file_name[0] != '\0')
    g_string_append_printf (out, _("File: %s"), report->file_name);
  else
    g_string_append (out, _("File: (unnamed)"));
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Format: %s, separated by %s, header on line %u"),
                          verval_listing_format_to_string (report->format),
                          delim_name, report->header_line);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Rows read: %u"), report->rows_read);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Families: %u new, %u updated"),
                          report->imported, report->updated);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Rows refused: %u"), report->refused);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Warnings: %u"), report->warnings);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < report->problems->len; i++)
    {
      const VervalImportProblem *problem = report->problems->pdata[i];

      if (problem->line == 0)
        g_string_append_printf (out, problem->warning ? _("Warning: %s") : _("Refused: %s"),
                                problem->message);
      else
        g_string_append_printf (out,
                                problem->warning ? _("Line %u, warning: %s")
                                                 : _("Line %u, refused: %s"),
                                problem->line, problem->message);
      g_string_append_c (out, '\n');
    }
  if (report->problems_dropped > 0)
    {
      g_string_append_printf (out, _("… and %u more problems not listed"),
                              report->problems_dropped);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static char *
fold_column_name (const char *name)
{
  GString *out = g_string_sized_new (32);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

VervalListingReader *
verval_listing_reader_new (GInputStream *stream,
                           const char   *file_name)
{
  VervalListingReader *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = g_new0 (VervalListingReader, 1);
  self->csv = verval_csv_reader_new (stream, 0);
  self->report = verval_import_report_new (file_name);
  for (guint i = 0; i < N_COLS; i++)
    self->map[i] = -1;
  self->regions = verval_regions_get_default ();
  self->today = g_date_time_new_now_local ();
  self->seen_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->seen_niks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

VervalListingReader *
verval_listing_reader_new_for_path (const char  *path,
                                    GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return NULL;
  base = g_path_get_basename (path);
  return verval_listing_reader_new (G_INPUT_STREAM (stream), base);
}

void
verval_listing_reader_free (VervalListingReader *self)
{
  if (self == NULL)
    return;
  verval_csv_reader_free (self->csv);
  verval_import_report_free (self->report);
  g_date_time_unref (self->today);
  g_hash_table_unref (self->seen_ids);
  g_hash_table_unref (self->seen_niks);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_free (self);
}

VervalImportReport *
verval_listing_reader_get_report (VervalListingReader *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->report;
}

VervalImportReport *
verval_listing_reader_steal_report (VervalListingReader *self)
{
  VervalImportReport *report;

  g_return_val_if_fail (self != NULL, NULL);
  report = self->report;
  self->report = verval_import_report_new (report->file_name);
  g_ptr_array_sort (report->problems, compare_problems);
  return report;
}

guint64
verval_listing_reader_get_offset (VervalListingReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return verval_csv_reader_get_offset (self->csv);
}

VervalListingFormat
verval_listing_reader_get_format (VervalListingReader *self)
{
  g_return_val_if_fail (self != NULL, VERVAL_LISTING_FORMAT_UNKNOWN);
  return self->report->format;
}

/* Maps one candidate header row; returns how many known columns it names. */
static guint
map_header (VervalCsvReader *csv,
            int              map[N_COLS])
{
  guint n = verval_csv_reader_get_n_fields (csv);
  guint found = 0;

  for (guint i = 0; i < N_COLS; i++)
    map[i] = -1;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *folded = fold_column_name (verval_csv_reader_get_field (csv, i));

      for (guint k = 0; k < G_N_ELEMENTS (column_names); k++)
        if (strcmp (folded, column_names[k].folded) == 0)
          {
            /* The first column of a name wins; later copies are ignored. */
            if (map[column_names[k].column] < 0)
              {
                map[column_names[k].column] = (int) i;
                found++;
              }
            break;
          }
    }
  return found;
}

/* Required columns per format, and how they are spelt in messages. */
static const Column p3ke_required[] = { COL_FAMILY_ID, COL_HEAD_NAME, COL_NIK };
static const Column p3ke_members_required[] = { COL_FAMILY_ID, COL_INDIVIDUAL_ID, COL_NAME, COL_NIK };
static const Column dtks_required[] = { COL_KK, COL_NIK, COL_NAME, COL_RELATIONSHIP };

static const char *
column_display_name (Column column)
{
  switch (column)
    {
    case COL_FAMILY_ID: return "ID Keluarga P3KE";
    case COL_HEAD_NAME: return "Kepala Keluarga";
    case COL_NIK: return "NIK";
    case COL_INDIVIDUAL_ID: return "ID Individu";
    case COL_NAME: return "Nama";
    case COL_KK: return "nomor_kk";
    case COL_RELATIONSHIP: return "hubungan_keluarga";
    default: return "?";
    }
}

static char *
missing_columns (const int     map[N_COLS],
                 const Column *required,
                 guint         n_required)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n_required; i++)
    if (map[required[i]] < 0)
      {
        if (out->len > 0)
          g_string_append (out, ", ");
        g_string_append_printf (out, "“%s”", column_display_name (required[i]));
      }
  return g_string_free (out, FALSE);
}

gboolean
verval_listing_reader_open (VervalListingReader  *self,
                            GCancellable         *cancellable,
                            GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  guint rows = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->opened)
    return TRUE;

  while (rows < HEADER_SEARCH_ROWS)
    {
      int map[N_COLS];
      guint found;
      g_autofree char *p3ke_missing = NULL;
      g_autofree char *members_missing = NULL;
      g_autofree char *dtks_missing = NULL;

      if (!verval_csv_reader_next_row (self->csv, cancellable, &local_error))
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          break;
        }
      rows++;
      found = map_header (self->csv, map);
      if (found < MIN_HEADER_COLUMNS)
        continue;

      p3ke_missing = missing_columns (map, p3ke_required, G_N_ELEMENTS (p3ke_required));
      members_missing = missing_columns (map, p3ke_members_required,
                                         G_N_ELEMENTS (p3ke_members_required));
      dtks_missing = missing_columns (map, dtks_required, G_N_ELEMENTS (dtks_required));

      if (members_missing[0] == '\0')
        self->report->format = VERVAL_LISTING_FORMAT_P3KE_MEMBERS;
      else if (p3ke_missing[0] == '\0')
        self->report->format = VERVAL_LISTING_FORMAT_P3KE;
      else if (dtks_missing[0] == '\0')
        self->report->format = VERVAL_LISTING_FORMAT_DTKS;
      else
        {
          /* Looks like a header, but of which list? Name what the closer one lacks. */
          gboolean dtks_like = map[COL_KK] >= 0 || map[COL_IDDTKS] >= 0;

          g_set_error (error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_MISSING_COLUMN,
                       _("Line %u looks like the header row of a %s, but the column(s) %s "
                         "are missing"),
                       verval_csv_reader_get_line (self->csv),
                       dtks_like ? verval_listing_format_to_string (VERVAL_LISTING_FORMAT_DTKS)
                                 : verval_listing_format_to_string (VERVAL_LISTING_FORMAT_P3KE),
                       dtks_like ? dtks_missing : p3ke_missing);
          return FALSE;
        }

      memcpy (self->map, map, sizeof map);
      self->report->header_line = verval_csv_reader_get_line (self->csv);
      self->report->delimiter = verval_csv_reader_get_delimiter (self->csv);
      self->report->had_bom = verval_csv_reader_had_bom (self->csv);
      self->grouped = self->report->format != VERVAL_LISTING_FORMAT_P3KE;
      self->opened = TRUE;
      return TRUE;
    }

  if (rows == 0)
    {
      g_set_error_literal (error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_EMPTY,
                           _("The file is empty"));
      return FALSE;
    }
  g_set_error (error, VERVAL_LISTING_ERROR, VERVAL_LISTING_ERROR_NO_HEADER,
               _("No header row found in the first %u rows. Expected a P3KE family "
                 "export (columns “ID Keluarga P3KE”, “Kepala Keluarga”, “NIK”, "
                 "“Desa_Kelurahan”, “Desil Kesejahteraan”, …) or DTKS rows (columns "
                 "“nomor_kk”, “nomor_nik”, “nama”, “hubungan_keluarga”, …)"),
               rows);
  return FALSE;
}

/* The trimmed value of a column in the current row, "" when absent. */
static const char *
cell (VervalListingReader *self,
      Column               column,
      char               **owned)
{
  const char *value;
  int index = self->map[column];

  if (index < 0)
    return "";
  value = verval_csv_reader_get_field (self->csv, (guint) index);
  if (value == NULL)
    return "";
  if (g_ascii_isspace (value[0]) || (value[0] != '\0' && g_ascii_isspace (value[strlen (value) - 1])))
    {
      g_free (*owned);
      *owned = g_strstrip (g_strdup (value));
      return *owned;
    }
  return value;
}

static char *
cell_dup (VervalListingReader *self,
          Column               column)
{
  char *owned = NULL;
  const char *value = cell (self, column, &owned);

  return owned != NULL ? owned : g_strdup (value);
}

static void
replace (char       **slot,
         char        *value)
{
  g_free (*slot);
  *slot = value;
}

static gboolean
is_yes (const char *value)
{
  return g_ascii_strcasecmp (value, "YA") == 0 || g_ascii_strcasecmp (value, "Y") == 0 ||
         g_ascii_strcasecmp (value, "1") == 0 || g_ascii_strcasecmp (value, "YES") == 0;
}

static VervalSavingsFlags
parse_savings (const char *value)
{
  g_autofree char *lower = g_ascii_strdown (value, -1);
  VervalSavingsFlags flags = VERVAL_SAVINGS_NONE;

  if (strstr (lower, "uang") != NULL)
    flags |= VERVAL_SAVINGS_MONEY;
  if (strstr (lower, "perhiasan") != NULL)
    flags |= VERVAL_SAVINGS_JEWELLERY;
  if (strstr (lower, "ternak") != NULL)
    flags |= VERVAL_SAVINGS_LIVESTOCK;
  if (strstr (lower, "lain") != NULL || (flags == 0 && is_yes (value)))
    flags |= VERVAL_SAVINGS_OTHER;
  return flags;
}

/* Records why the current row is not imported. */
static void G_GNUC_PRINTF (2, 3)
refuse (VervalListingReader *self,
        const char          *format,
        ...)
{
  va_list args;

  self->report->refused++;
  va_start (args, format);
  add_problem_valist (self->report, verval_csv_reader_get_line (self->csv), FALSE,
                      format, args);
  va_end (args);
}

/* Checks an ID; on error records the refusal and returns FALSE. */
static gboolean
check_nik (VervalListingReader *self,
           const char          *column_name,
           const char          *text,
           char                 digits[VERVAL_ID_LENGTH + 1])
{
  g_autoptr(GError) error = NULL;
  VervalNikInfo info;

  if (!verval_nik_parse (text, self->today, &info, &error))
    {
      refuse (self, "%s: %s", column_name, error->message);
      return FALSE;
    }
  memcpy (digits, info.digits, VERVAL_ID_LENGTH + 1);
  return TRUE;
}

static void
warn_region (VervalListingReader *self,
             const char          *column_name,
             const char          *digits)
{
  if (self->regions != NULL && !verval_regions_has_id_prefix (self->regions, digits))
    verval_import_report_add_problem (self->report, verval_csv_reader_get_line (self->csv),
                                      TRUE,
                                      _("%s: the region code %.6s is not in today's region list"),
                                      column_name, digits);
}

static gboolean
refuse_empty (VervalListingReader *self,
              Column               column,
              const char          *value)
{
  if (value[0] != '\0')
    return FALSE;
  refuse (self, _("the required column “%s” is empty"), column_display_name (column));
  return TRUE;
}

/* Returns TRUE (and records the refusal) when key was seen before. */
static gboolean
refuse_duplicate (VervalListingReader *self,
                  GHashTable          *seen,
                  const char          *what,
                  const char          *key,
                  gboolean             mask)
{
  guint line = verval_csv_reader_get_line (self->csv);
  gpointer first;

  if (g_hash_table_lookup_extended (seen, key, NULL, &first))
    {
      g_autofree char *shown = mask ? verval_id_mask (key) : g_strdup (key);

      refuse (self, _("duplicate %s %s, first seen on line %u"),
              what, shown, GPOINTER_TO_UINT (first));
      return TRUE;
    }
  g_hash_table_insert (seen, g_strdup (key), GUINT_TO_POINTER (line));
  return FALSE;
}

/* Fills the family-level columns shared by all formats. */
static void
fill_family (VervalListingReader *self,
             VervalFamilyRecord  *record)
{
  char *owned = NULL;
  const char *value;

  record->line = verval_csv_reader_get_line (self->csv);
  replace (&record->address, cell_dup (self, COL_ADDRESS));
  replace (&record->dusun, cell_dup (self, COL_DUSUN));
  replace (&record->rt, cell_dup (self, COL_RT));
  replace (&record->rw, cell_dup (self, COL_RW));
  for (guint i = 0; i < VERVAL_FAMILY_N_FIELDS; i++)
    replace (&record->fields[i], cell_dup (self, family_fields[i].column));

  value = cell (self, COL_VILLAGE_CODE, &owned);
  if (value[0] != '\0')
    {
      g_autofree char *digits = verval_region_code_digits (value);

      if (digits != NULL && strlen (digits) == 10)
        {
          if (record->fields[VERVAL_FAMILY_FIELD_VILLAGE][0] == '\0' && self->regions != NULL)
            {
              const char *name = verval_regions_lookup_name (self->regions, digits);
              if (name != NULL)
                replace (&record->fields[VERVAL_FAMILY_FIELD_VILLAGE], g_strdup (name));
            }
          replace (&record->village_code, g_steal_pointer (&digits));
        }
      else
        verval_import_report_add_problem (self->report, record->line, TRUE,
                                          _("“%s” is not a village code (10 digits)"), value);
    }

  value = cell (self, COL_DESIL, &owned);
  if (value[0] != '\0')
    {
      guint64 desil = 0;

      if (g_ascii_string_to_unsigned (value, 10, 1, 4, &desil, NULL))
        record->desil = (int) desil;
      else
        verval_import_report_add_problem (self->report, record->line, TRUE,
                                          _("welfare decile “%s” is not 1–4; left empty"),
                                          value);
    }

  value = cell (self, COL_PADAN, &owned);
  if (value[0] != '\0')
    record->padan_dukcapil = is_yes (value) || g_ascii_strncasecmp (value, "padan", 5) == 0;

  value = cell (self, COL_YEAR, &owned);
  if (value[0] != '\0')
    {
      guint64 year = 0;
      if (g_ascii_string_to_unsigned (value, 10, 1900, 2999, &year, NULL))
        record->data_year = (int) year;
    }

  value = cell (self, COL_SAVINGS, &owned);
  record->savings = parse_savings (value);
  {
    static const struct { Column column; VervalProgrammeFlags flag; } programmes[] = {
      { COL_BPNT, VERVAL_PROGRAMME_BPNT }, { COL_BPUM, VERVAL_PROGRAMME_BPUM },
      { COL_BST, VERVAL_PROGRAMME_BST }, { COL_PKH, VERVAL_PROGRAMME_PKH },
      { COL_SEMBAKO, VERVAL_PROGRAMME_SEMBAKO },
    };
    for (guint i = 0; i < G_N_ELEMENTS (programmes); i++)
      if (is_yes (cell (self, programmes[i].column, &owned)))
        record->programmes |= programmes[i].flag;
  }
  g_free (owned);
}

/* One P3KE family row; NULL when refused. */
static VervalFamilyRecord *
read_p3ke_row (VervalListingReader *self)
{
  g_autoptr(VervalFamilyRecord) record = NULL;
  g_autofree char *id = cell_dup (self, COL_FAMILY_ID);
  g_autofree char *name = cell_dup (self, COL_HEAD_NAME);
  g_autofree char *nik_text = cell_dup (self, COL_NIK);
  char nik[VERVAL_ID_LENGTH + 1];

  if (refuse_empty (self, COL_FAMILY_ID, id) ||
      refuse_empty (self, COL_HEAD_NAME, name) ||
      refuse_empty (self, COL_NIK, nik_text))
    return NULL;
  if (!check_nik (self, "NIK", nik_text, nik))
    return NULL;
  if (refuse_duplicate (self, self->seen_ids, "ID Keluarga P3KE", id, FALSE) ||
      refuse_duplicate (self, self->seen_niks, "NIK", nik, TRUE))
    return NULL;
  warn_region (self, "NIK", nik);

  record = family_record_alloc ();
  record->source = VERVAL_SOURCE_P3KE;
  fill_family (self, record);
  replace (&record->family_id, g_steal_pointer (&id));
  replace (&record->head_name, g_steal_pointer (&name));
  replace (&record->head_nik, g_strdup (nik));
  ensure_strings (record);
  return g_steal_pointer (&record);
}

static gboolean
is_head_relationship (const char *value)
{
  g_autofree char *folded = fold_column_name (value);

  return strcmp (folded, "kepalakeluarga") == 0 || strcmp (folded, "kepalarumahtangga") == 0 ||
         strcmp (folded, "kk") == 0 || strcmp (folded, "1") == 0;
}

/* One person row of a grouped format, added to its family. */
static void
read_person_row (VervalListingReader *self,
                 GHashTable          *families)
{
  g_autoptr(VervalMemberRecord) member = NULL;
  VervalFamilyRecord *family;
  g_autofree char *key = NULL;
  g_autofree char *kk_digits = NULL;
  g_autofree char *nik_text = cell_dup (self, COL_NIK);
  g_autofree char *name = cell_dup (self, COL_NAME);
  g_autofree char *person_id = NULL;
  char nik[VERVAL_ID_LENGTH + 1];
  gboolean dtks = self->report->format == VERVAL_LISTING_FORMAT_DTKS;

  if (dtks)
    {
      g_autofree char *kk_text = cell_dup (self, COL_KK);
      g_autoptr(GError) error = NULL;
      char kk[VERVAL_ID_LENGTH + 1];

      if (refuse_empty (self, COL_KK, kk_text))
        return;
      if (!verval_kk_parse (kk_text, kk, &error))
        {
          refuse (self, "%s: %s", "nomor_kk", error->message);
          return;
        }
      kk_digits = g_strdup (kk);
      key = g_strdup (kk);
      person_id = cell_dup (self, COL_IDDTKS);
    }
  else
    {
      key = cell_dup (self, COL_FAMILY_ID);
      if (refuse_empty (self, COL_FAMILY_ID, key))
        return;
      person_id = cell_dup (self, COL_INDIVIDUAL_ID);
    }

  if (refuse_empty (self, COL_NAME, name) || refuse_empty (self, COL_NIK, nik_text))
    return;
  if (!check_nik (self, dtks ? "nomor_nik" : "NIK", nik_text, nik))
    return;
  if ((person_id[0] != '\0' &&
       refuse_duplicate (self, self->seen_ids, dtks ? "iddtks" : "ID Individu", person_id, FALSE)) ||
      refuse_duplicate (self, self->seen_niks, "NIK", nik, TRUE))
    return;
  warn_region (self, dtks ? "nomor_nik" : "NIK", nik);

  member = verval_member_record_new ();
  member->line = verval_csv_reader_get_line (self->csv);
  replace (&member->individual_id, g_steal_pointer (&person_id));
  replace (&member->nik, g_strdup (nik));
  replace (&member->name, g_steal_pointer (&name));
  replace (&member->relationship, cell_dup (self, COL_RELATIONSHIP));
  replace (&member->sex, cell_dup (self, COL_SEX));
  replace (&member->birth_date, cell_dup (self, COL_BIRTH_DATE));
  replace (&member->birth_place, cell_dup (self, COL_BIRTH_PLACE));
  replace (&member->mother_name, cell_dup (self, COL_MOTHER));
  replace (&member->marital_status, cell_dup (self, COL_MARITAL));
  member->is_head = is_head_relationship (member->relationship);

  family = g_hash_table_lookup (families, key);
  if (family == NULL)
    {
      family = verval_family_record_new ();
      family->source = dtks ? VERVAL_SOURCE_DTKS : VERVAL_SOURCE_P3KE;
      fill_family (self, family);
      if (dtks)
        replace (&family->kk, g_steal_pointer (&kk_digits));
      else
        replace (&family->family_id, g_strdup (key));
      g_hash_table_insert (families, g_strdup (key), family);
      g_ptr_array_add (self->groups, family);
    }

  if (member->is_head)
    {
      VervalMemberRecord *head = family->members->len > 0 ? family->members->pdata[0] : NULL;

      if (head != NULL && head->is_head)
        {
          verval_import_report_add_problem (self->report, member->line, TRUE,
                                            _("a second Kepala Keluarga in the same family; "
                                              "the one on line %u stays the head"),
                                            head->line);
          member->is_head = FALSE;
          g_ptr_array_add (family->members, g_steal_pointer (&member));
          return;
        }
      /* The head's row carries the family's own columns. */
      fill_family (self, family);
      replace (&family->head_nik, g_strdup (member->nik));
      replace (&family->head_name, g_strdup (member->name));
      g_ptr_array_insert (family->members, 0, g_steal_pointer (&member));
    }
  else
    g_ptr_array_add (family->members, g_steal_pointer (&member));
}

static gboolean
read_groups (VervalListingReader  *self,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autoptr(GHashTable) families = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;

  self->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) verval_family_record_free);
  while (verval_csv_reader_next_row (self->csv, cancellable, &local_error))
    {
      self->report->rows_read++;
      read_person_row (self, families);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint i = 0; i < self->groups->len; i++)
    {
      VervalFamilyRecord *family = self->groups->pdata[i];
      VervalMemberRecord *head = family->members->pdata[0];

      if (!head->is_head)
        {
          verval_import_report_add_problem (self->report, family->line, TRUE,
                                            _("no member is Kepala Keluarga; %s is taken as the head"),
                                            head->name);
          replace (&family->head_nik, g_strdup (head->nik));
          replace (&family->head_name, g_strdup (head->name));
        }
      /* DTKS has no family id: the collector and the field app must name
       * the family alike (verval-listing.h says how) */
      if (family->source == VERVAL_SOURCE_DTKS)
        replace (&family->family_id, head->individual_id[0] != '\0'
                                     ? g_strdup (head->individual_id)
                                     : g_strconcat ("KK-", family->kk, NULL));
    }
  return TRUE;
}

VervalFamilyRecord *
verval_listing_reader_next (VervalListingReader  *self,
                            GCancellable         *cancellable,
                            GError              **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->opened && !verval_listing_reader_open (self, cancellable, error))
    return NULL;

  if (self->grouped)
    {
      if (self->groups == NULL)
        {
          if (!read_groups (self, cancellable, error))
            return NULL;
        }
      if (self->next_group >= self->groups->len)
        return NULL;
      self->report->families++;
      return g_steal_pointer (&self->groups->pdata[self->next_group++]);
    }

  while (verval_csv_reader_next_row (self->csv, cancellable, &local_error))
    {
      VervalFamilyRecord *record;

      self->report->rows_read++;
      record = read_p3ke_row (self);
      if (record != NULL)
        {
          self->report->families++;
          return record;
        }
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}
