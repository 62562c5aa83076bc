/* verval-listing.h: reading P3KE and DTKS listings (CSV) into family records
 *
 * Shared by the field app and the collector: this file knows the published
 * column names, finds the header row below a title block, validates each row
 * and yields one VervalFamilyRecord per family. It knows nothing about any
 * store; the caller writes the records wherever it keeps them and counts
 * inserts/updates into the report.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VERVAL_LISTING_ERROR (verval_listing_error_quark ())

typedef enum {
  VERVAL_LISTING_ERROR_NO_HEADER,       /* no row maps the expected columns */
  VERVAL_LISTING_ERROR_MISSING_COLUMN,  /* header found, a required column absent */
  VERVAL_LISTING_ERROR_EMPTY,           /* nothing but blank lines */
} VervalListingError;

typedef enum {
  VERVAL_LISTING_FORMAT_UNKNOWN,
  VERVAL_LISTING_FORMAT_P3KE,        /* P3KE family export: one row per family */
  VERVAL_LISTING_FORMAT_P3KE_MEMBERS,/* P3KE individual export: rows per person */
  VERVAL_LISTING_FORMAT_DTKS,        /* DTKS: one row per person */
} VervalListingFormat;

/* The lists a family came from; a family found in both is one family. */
typedef enum /*< flags >*/ {
  VERVAL_SOURCE_NONE = 0,
  VERVAL_SOURCE_P3KE = 1 << 0,
  VERVAL_SOURCE_DTKS = 1 << 1,
} VervalSourceFlags;

/* Assistance programmes marked YA in the P3KE export. */
typedef enum /*< flags >*/ {
  VERVAL_PROGRAMME_NONE    = 0,
  VERVAL_PROGRAMME_BPNT    = 1 << 0,
  VERVAL_PROGRAMME_BPUM    = 1 << 1,
  VERVAL_PROGRAMME_BST     = 1 << 2,
  VERVAL_PROGRAMME_PKH     = 1 << 3,
  VERVAL_PROGRAMME_SEMBAKO = 1 << 4,
} VervalProgrammeFlags;

/* Savings and goods ("Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya"). */
typedef enum /*< flags >*/ {
  VERVAL_SAVINGS_NONE      = 0,
  VERVAL_SAVINGS_MONEY     = 1 << 0,
  VERVAL_SAVINGS_JEWELLERY = 1 << 1,
  VERVAL_SAVINGS_LIVESTOCK = 1 << 2,
  VERVAL_SAVINGS_OTHER     = 1 << 3,
} VervalSavingsFlags;

/* Text fields of a family beyond the identifiers, in a fixed order so a
 * store can keep them as columns and a UI can list them with labels. */
typedef enum {
  VERVAL_FAMILY_FIELD_PROVINCE,
  VERVAL_FAMILY_FIELD_REGENCY,
  VERVAL_FAMILY_FIELD_KECAMATAN,
  VERVAL_FAMILY_FIELD_VILLAGE,
  VERVAL_FAMILY_FIELD_SEX,              /* of the head, as written */
  VERVAL_FAMILY_FIELD_BIRTH_DATE,       /* of the head, as written */
  VERVAL_FAMILY_FIELD_OCCUPATION,
  VERVAL_FAMILY_FIELD_EDUCATION,
  VERVAL_FAMILY_FIELD_HOUSE_OWNERSHIP,
  VERVAL_FAMILY_FIELD_ROOF,
  VERVAL_FAMILY_FIELD_WALL,
  VERVAL_FAMILY_FIELD_FLOOR,
  VERVAL_FAMILY_FIELD_LIGHTING,
  VERVAL_FAMILY_FIELD_COOKING_FUEL,
  VERVAL_FAMILY_FIELD_DRINKING_WATER,
  VERVAL_FAMILY_FIELD_TOILET,
  VERVAL_FAMILY_FIELD_STUNTING_RISK,
  VERVAL_FAMILY_N_FIELDS
} VervalFamilyField;

/* One person (DTKS row or P3KE individual row). Strings are never NULL
 * ("" when absent); NIK/KK are normalised 16 digits or "". */
typedef struct {
  guint     line;
  char     *individual_id;   /* ID individu / iddtks */
  char     *nik;
  char     *name;
  char     *relationship;    /* hubungan dengan kepala keluarga, as written */
  char     *sex;
  char     *birth_date;
  char     *birth_place;
  char     *mother_name;
  char     *marital_status;
  gboolean  is_head;
} VervalMemberRecord;

/* One family as read from one list. Strings are never NULL ("" when absent).
 *
 * family_id names the family in the field app's store and on the collector
 * (the household id of docs/protocol.md). P3KE: its ID Keluarga P3KE. DTKS
 * has no family id, so both sides derive the same stable one: the iddtks of
 * the family's head (members[0]: the Kepala Keluarga, or the member taken as
 * head when there is none), else "KK-" followed by the 16-digit KK number. */
typedef struct {
  guint                 line;          /* physical line of its (first) row */
  VervalSourceFlags     source;        /* exactly one bit: the list read */
  char                 *family_id;     /* ID Keluarga P3KE; for DTKS see below */
  char                 *kk;            /* 16 digits or "" (P3KE has no KK column) */
  char                 *head_nik;      /* 16 digits or "" */
  char                 *head_name;
  char                 *address;
  char                 *dusun;
  char                 *rt;
  char                 *rw;
  char                 *village_code;  /* Kemendagri code as digits, "5108062001", or "" */
  int                   desil;         /* 1–4, 0 when unknown */
  int                   padan_dukcapil;/* 1 matched, 0 not, -1 unknown */
  int                   data_year;     /* DTKS tahun_data, 0 when unknown */
  VervalProgrammeFlags  programmes;
  VervalSavingsFlags    savings;
  char                 *fields[VERVAL_FAMILY_N_FIELDS];
  GPtrArray            *members;       /* of VervalMemberRecord*, head first; may be empty */
} VervalFamilyRecord;

typedef struct {
  guint     line;      /* physical line, 0 for the whole file */
  gboolean  warning;   /* TRUE: imported anyway; FALSE: the row was refused */
  char     *message;   /* translated, no full NIK/KK in it */
} VervalImportProblem;

/* Counts filled by the reader (rows_read, families, refused, warnings,
 * problems) and by the caller that stores the families (imported, updated). */
typedef struct {
  char                *file_name;  /* display name */
  VervalListingFormat  format;
  char                 delimiter;
  gboolean             had_bom;
  guint                header_line;
  guint                rows_read;  /* data rows below the header */
  guint                families;   /* valid family records yielded */
  guint                imported;   /* new families (set by the caller) */
  guint                updated;    /* existing families updated (set by the caller) */
  guint                refused;    /* rows refused */
  guint                warnings;
  GPtrArray           *problems;   /* of VervalImportProblem*, in line order, capped */
  guint                problems_dropped; /* beyond the cap, counted only */
} VervalImportReport;

/* Problems kept in detail; beyond this they are only counted. */
#define VERVAL_IMPORT_REPORT_MAX_PROBLEMS 1000

typedef struct _VervalListingReader VervalListingReader;

GQuark               verval_listing_error_quark       (void);

const char          *verval_listing_format_to_string  (VervalListingFormat format);
/* Translated label for a field, e.g. "Roof" / "Jenis atap". */
const char          *verval_family_field_get_label    (VervalFamilyField   field);
/* Stable ASCII key for a field, usable as a column name ("roof"). */
const char          *verval_family_field_get_key      (VervalFamilyField   field);

VervalMemberRecord  *verval_member_record_new         (void);
void                 verval_member_record_free        (VervalMemberRecord *record);
VervalFamilyRecord  *verval_family_record_new         (void);
void                 verval_family_record_free        (VervalFamilyRecord *record);

VervalImportReport  *verval_import_report_new         (const char         *file_name);
void                 verval_import_report_free        (VervalImportReport *report);
void                 verval_import_report_add_problem (VervalImportReport *report,
                                                       guint               line,
                                                       gboolean            warning,
                                                       const char         *format,
                                                       ...) G_GNUC_PRINTF (4, 5);
/* A translated multi-line summary for the CLI and a copyable UI text. */
char                *verval_import_report_to_text     (VervalImportReport *report);

/* stream: the CSV file; file_name: for the report (may be NULL). */
VervalListingReader *verval_listing_reader_new        (GInputStream       *stream,
                                                       const char         *file_name);
VervalListingReader *verval_listing_reader_new_for_path (const char       *path,
                                                         GError          **error);
void                 verval_listing_reader_free       (VervalListingReader *self);

/* Finds the header row and the format. Fails with VERVAL_LISTING_ERROR_NO_HEADER
 * (message names the expected columns) when no row in the first 50 looks like a
 * P3KE or DTKS header. Called by next() if not called before. */
gboolean             verval_listing_reader_open       (VervalListingReader *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
VervalListingFormat  verval_listing_reader_get_format (VervalListingReader *self);

/* The next valid family, or NULL at the end (error unset) or on a fatal error
 * (I/O, cancelled, broken CSV). Invalid rows are skipped and recorded in the
 * report with their line and reason. Person-per-row formats (DTKS, P3KE
 * individuals) are grouped into families by KK (DTKS) or family ID (P3KE):
 * the whole file is read on the first call. Free the record with
 * verval_family_record_free(). */
VervalFamilyRecord  *verval_listing_reader_next       (VervalListingReader *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);

/* Owned by the reader; the caller may add to imported/updated. */
VervalImportReport  *verval_listing_reader_get_report (VervalListingReader *self);
/* Moves the report out (the reader keeps an empty one). */
VervalImportReport  *verval_listing_reader_steal_report (VervalListingReader *self);
/* Bytes consumed and total size if known (0 when unknown), for progress. */
guint64              verval_listing_reader_get_offset (VervalListingReader *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalMemberRecord, verval_member_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalFamilyRecord, verval_family_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalImportReport, verval_import_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VervalListingReader, verval_listing_reader_free)

G_END_DECLS
