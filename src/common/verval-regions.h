/* verval-regions.h: Indonesian administrative region codes and names
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define VERVAL_REGIONS_ERROR (verval_regions_error_quark ())

typedef enum {
  VERVAL_REGIONS_ERROR_MALFORMED,   /* a line is not "code<TAB>name" */
  VERVAL_REGIONS_ERROR_ORDER,       /* codes not in hierarchical order, or repeated */
  VERVAL_REGIONS_ERROR_ORPHAN,      /* a code whose parent is not listed before it */
} VervalRegionsError;

typedef enum {
  VERVAL_REGION_LEVEL_NONE,         /* not a well-formed code */
  VERVAL_REGION_LEVEL_PROVINCE,     /* 51 */
  VERVAL_REGION_LEVEL_REGENCY,      /* 51.08 (kabupaten/kota) */
  VERVAL_REGION_LEVEL_DISTRICT,     /* 51.08.06 (kecamatan) */
  VERVAL_REGION_LEVEL_VILLAGE,      /* 51.08.06.2001 (desa/kelurahan) */
} VervalRegionLevel;

/* Longest dotted code plus NUL: "51.08.06.2001" */
#define VERVAL_REGION_CODE_SIZE 14

/* One row of verval_regions_children(); name belongs to the VervalRegions. */
typedef struct {
  char               code[VERVAL_REGION_CODE_SIZE]; /* dotted */
  const char        *name;
  VervalRegionLevel  level;
} VervalRegion;

#define VERVAL_TYPE_REGIONS (verval_regions_get_type ())
G_DECLARE_FINAL_TYPE (VervalRegions, verval_regions, VERVAL, REGIONS, GObject)

GQuark             verval_regions_error_quark   (void);

/* Codes: dotted ("51.08.06") or digits ("510806"), surrounding spaces ignored. */
VervalRegionLevel  verval_region_code_level     (const char    *code);
char              *verval_region_code_dotted    (const char    *code);
char              *verval_region_code_digits    (const char    *code);
char              *verval_region_code_parent    (const char    *code);

VervalRegions     *verval_regions_get_default   (void);
VervalRegions     *verval_regions_new_from_bytes (GBytes       *tsv,
                                                 GError      **error);

guint              verval_regions_get_count     (VervalRegions *self,
                                                 VervalRegionLevel level);
gsize              verval_regions_get_memory_size (VervalRegions *self);
const char        *verval_regions_lookup_name   (VervalRegions *self,
                                                 const char    *code);
GPtrArray         *verval_regions_name_chain    (VervalRegions *self,
                                                 const char    *code);
char              *verval_regions_describe      (VervalRegions *self,
                                                 const char    *code);
GPtrArray         *verval_regions_children      (VervalRegions *self,
                                                 const char    *code);
guint              verval_regions_count_descendants (VervalRegions    *self,
                                                     const char       *code,
                                                     VervalRegionLevel level);
gboolean           verval_regions_has_id_prefix (VervalRegions *self,
                                                 const char    *digits16);

G_END_DECLS
