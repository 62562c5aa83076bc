/* verval-regions.c: Indonesian administrative region codes and names
 *
 * The list (about 91,600 regions) is compiled into the library as a TSV
 * resource and read once, on first use. Each code becomes one 64-bit key
 * (province << 32 | regency << 24 | district << 16 | village), so sorting by
 * key is the hierarchical order: a region's subtree is the run of keys right
 * after it, and lookups are a binary search. Names are copied into one block
 * because the resource text is not NUL-terminated per name.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-regions"

#include "config.h"

#include <string.h>

#include "verval-common-resources.h"
#include "verval-regions.h"

#define REGIONS_RESOURCE "/id/verval/common/regions/regions.tsv"

struct _VervalRegions
{
  GObject  parent_instance;

  guint64 *keys;        /* sorted */
  guint32 *name_offsets;
  char    *names;       /* NUL-separated */
  gsize    names_size;
  guint    n_regions;
  guint    counts[VERVAL_REGION_LEVEL_VILLAGE + 1];
};

G_DEFINE_TYPE (VervalRegions, verval_regions, G_TYPE_OBJECT)
G_DEFINE_QUARK (verval-regions-error-quark, verval_regions_error)

static const guint segment_widths[] = { 2, 2, 2, 4 };
static const guint segment_shifts[] = { 32, 24, 16, 0 };

/* Everything below a level is zero in its key. */
static guint64
level_mask (VervalRegionLevel level)
{
  switch (level)
    {
    case VERVAL_REGION_LEVEL_PROVINCE:
      return G_GUINT64_CONSTANT (0xff) << 32;
    case VERVAL_REGION_LEVEL_REGENCY:
      return G_GUINT64_CONSTANT (0xffff) << 24;
    case VERVAL_REGION_LEVEL_DISTRICT:
      return G_GUINT64_CONSTANT (0xffffff) << 16;
    case VERVAL_REGION_LEVEL_VILLAGE:
      return G_MAXUINT64;
    case VERVAL_REGION_LEVEL_NONE:
    default:
      return 0;
    }
}

static VervalRegionLevel
key_level (guint64 key)
{
  if ((key & 0xffff) != 0)
    return VERVAL_REGION_LEVEL_VILLAGE;
  if (((key >> 16) & 0xff) != 0)
    return VERVAL_REGION_LEVEL_DISTRICT;
  if (((key >> 24) & 0xff) != 0)
    return VERVAL_REGION_LEVEL_REGENCY;
  return VERVAL_REGION_LEVEL_PROVINCE;
}

/* Reads digits[0..width) as a non-zero segment; FALSE if not digits or 0. */
static gboolean
parse_segment (const char *p,
               guint       width,
               guint      *value)
{
  guint v = 0;

  for (guint i = 0; i < width; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      v = v * 10 + (guint) (p[i] - '0');
    }
  *value = v;
  return v != 0;
}

/* Accepts "51.08.06.2001" or "5108062001" (len bytes, spaces around
 * ignored). Segments have fixed widths 2.2.2.4 and are never 0. */
static gboolean
parse_code (const char        *code,
            gsize              len,
            guint64           *key_out,
            VervalRegionLevel *level_out)
{
  const char *end = code + len;
  gboolean dotted;
  guint64 key = 0;
  guint n = 0;

  while (code < end && g_ascii_isspace (*code))
    code++;
  while (end > code && g_ascii_isspace (end[-1]))
    end--;
  if (code == end)
    return FALSE;

  dotted = memchr (code, '.', (gsize) (end - code)) != NULL;
  while (code < end)
    {
      guint value;

      if (n == G_N_ELEMENTS (segment_widths) ||
          (gsize) (end - code) < segment_widths[n] ||
          !parse_segment (code, segment_widths[n], &value))
        return FALSE;
      key |= (guint64) value << segment_shifts[n];
      code += segment_widths[n];
      n++;
      if (dotted && code < end)
        {
          if (*code != '.' || code + 1 == end)
            return FALSE;
          code++;
        }
    }
  *key_out = key;
  *level_out = (VervalRegionLevel) n;
  return TRUE;
}

static gboolean
parse_code_str (const char        *code,
                guint64           *key,
                VervalRegionLevel *level)
{
  return code != NULL && parse_code (code, strlen (code), key, level);
}

static void
format_key (guint64  key,
            gboolean dots,
            char     buf[VERVAL_REGION_CODE_SIZE])
{
  VervalRegionLevel level = key_level (key);
  char *p = buf;

  for (guint i = 0; i < (guint) level; i++)
    {
      guint value = (guint) ((key >> segment_shifts[i]) & (i == 3 ? 0xffff : 0xff));

      if (i > 0 && dots)
        *p++ = '.';
      p += g_snprintf (p, 5, "%0*u", (int) segment_widths[i], value);
    }
  *p = '\0';
}

VervalRegionLevel
verval_region_code_level (const char *code)
{
  guint64 key;
  VervalRegionLevel level;

  if (!parse_code_str (code, &key, &level))
    return VERVAL_REGION_LEVEL_NONE;
  return level;
}

static char *
reformat_code (const char *code,
               gboolean    dots)
{
  char buf[VERVAL_REGION_CODE_SIZE];
  guint64 key;
  VervalRegionLevel level;

  if (!parse_code_str (code, &key, &level))
    return NULL;
  format_key (key, dots, buf);
  return g_strdup (buf);
}

/* "5108062001" → "51.08.06.2001"; NULL if malformed. */
char *
verval_region_code_dotted (const char *code)
{
  return reformat_code (code, TRUE);
}

/* "51.08.06.2001" → "5108062001"; NULL if malformed. */
char *
verval_region_code_digits (const char *code)
{
  return reformat_code (code, FALSE);
}

/* Dotted parent code, or NULL for a province or a malformed code. */
char *
verval_region_code_parent (const char *code)
{
  char buf[VERVAL_REGION_CODE_SIZE];
  guint64 key;
  VervalRegionLevel level;

  if (!parse_code_str (code, &key, &level) || level == VERVAL_REGION_LEVEL_PROVINCE)
    return NULL;
  format_key (key & level_mask (level - 1), TRUE, buf);
  return g_strdup (buf);
}

static void
verval_regions_finalize (GObject *object)
{
  VervalRegions *self = VERVAL_REGIONS (object);

  g_free (self->keys);
  g_free (self->name_offsets);
  g_free (self->names);

  G_OBJECT_CLASS (verval_regions_parent_class)->finalize (object);
}

static void
verval_regions_class_init (VervalRegionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = verval_regions_finalize;
}

static void
verval_regions_init (VervalRegions *self)
{
}

/* Parses "code<TAB>name" lines in hierarchical order; '#' lines and blank
 * lines are skipped. A bad line fails the whole load with its line number. */
static gboolean
load (VervalRegions *self,
      const char    *data,
      gsize          size,
      GError       **error)
{
  const char *p = data, *end = data + size;
  guint64 last_of_level[VERVAL_REGION_LEVEL_VILLAGE + 1] = { 0 };
  guint64 prev_key = 0;
  gsize capacity = size / 16 + 64;
  GString *names = g_string_sized_new (size / 2 + 64);
  guint line_no = 0;

  self->keys = g_new (guint64, capacity);
  self->name_offsets = g_new (guint32, capacity);

  for (; p < end; line_no++)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      const char *line = p, *tab, *name;
      gsize name_len;
      guint64 key;
      VervalRegionLevel level;

      if (eol == NULL)
        eol = end;
      p = eol + 1;
      if (eol > line && eol[-1] == '\r')
        eol--;
      if (line == eol || *line == '#')
        continue;

      tab = memchr (line, '\t', (gsize) (eol - line));
      if (tab == NULL || !parse_code (line, (gsize) (tab - line), &key, &level))
        {
          g_set_error (error, VERVAL_REGIONS_ERROR, VERVAL_REGIONS_ERROR_MALFORMED,
                       "line %u: expected a region code, a tab and a name", line_no + 1);
          goto fail;
        }
      name = tab + 1;
      name_len = (gsize) (eol - name);
      if (name_len == 0 || !g_utf8_validate (name, (gssize) name_len, NULL) ||
          memchr (name, '\0', name_len) != NULL)
        {
          g_set_error (error, VERVAL_REGIONS_ERROR, VERVAL_REGIONS_ERROR_MALFORMED,
                       "line %u: the name is empty or not UTF-8", line_no + 1);
          goto fail;
        }
      if (key <= prev_key)
        {
          g_set_error (error, VERVAL_REGIONS_ERROR, VERVAL_REGIONS_ERROR_ORDER,
                       "line %u: code out of order or repeated", line_no + 1);
          goto fail;
        }
      /* In hierarchical order the parent is the latest entry one level up. */
      if (level > VERVAL_REGION_LEVEL_PROVINCE &&
          last_of_level[level - 1] != (key & level_mask (level - 1)))
        {
          g_set_error (error, VERVAL_REGIONS_ERROR, VERVAL_REGIONS_ERROR_ORPHAN,
                       "line %u: the parent region is not listed before it", line_no + 1);
          goto fail;
        }
      if (self->n_regions == capacity)
        {
          capacity *= 2;
          self->keys = g_renew (guint64, self->keys, capacity);
          self->name_offsets = g_renew (guint32, self->name_offsets, capacity);
        }
      if (names->len > G_MAXUINT32 - name_len - 1)
        {
          g_set_error (error, VERVAL_REGIONS_ERROR, VERVAL_REGIONS_ERROR_MALFORMED,
                       "line %u: too much data", line_no + 1);
          goto fail;
        }
      self->keys[self->n_regions] = key;
      self->name_offsets[self->n_regions] = (guint32) names->len;
      g_string_append_len (names, name, (gssize) name_len);
      g_string_append_c (names, '\0');
      self->n_regions++;
      self->counts[level]++;
      last_of_level[level] = key;
      prev_key = key;
    }

  /* Give back the slack of the estimates. */
  self->keys = g_renew (guint64, self->keys, MAX (self->n_regions, 1));
  self->name_offsets = g_renew (guint32, self->name_offsets, MAX (self->n_regions, 1));
  /* The length is read before the GString is freed: C leaves the order in
   * which a call's arguments are evaluated open. */
  self->names_size = names->len;
  self->names = g_realloc (g_string_free (names, FALSE), self->names_size + 1);
  return TRUE;

fail:
  g_string_free (names, TRUE);
  return FALSE;
}

VervalRegions *
verval_regions_new_from_bytes (GBytes  *tsv,
                               GError **error)
{
  g_autoptr(VervalRegions) self = NULL;
  gconstpointer data;
  gsize size;

  g_return_val_if_fail (tsv != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (VERVAL_TYPE_REGIONS, NULL);
  data = g_bytes_get_data (tsv, &size);
  if (!load (self, data, size, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* The built-in list, loaded on first use; safe to call from any thread. The
 * object is immutable afterwards, so readers need no lock. */
VervalRegions *
verval_regions_get_default (void)
{
  static VervalRegions *regions;

  if (g_once_init_enter (&regions))
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      VervalRegions *loaded = NULL;

      bytes = g_resource_lookup_data (verval_common_get_resource (), REGIONS_RESOURCE,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      if (bytes != NULL)
        loaded = verval_regions_new_from_bytes (bytes, &error);
      if (loaded == NULL)
        {
          /* A build defect, not user input: stay usable with an empty list. */
          g_critical ("Cannot load the built-in region list: %s", error->message);
          loaded = g_object_new (VERVAL_TYPE_REGIONS, NULL);
        }
      g_once_init_leave (&regions, loaded);
    }
  return regions;
}

static gboolean
find_key (VervalRegions *self,
          guint64        key,
          guint         *index)
{
  guint lo = 0, hi = self->n_regions;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->keys[mid] < key)
        lo = mid + 1;
      else if (self->keys[mid] > key)
        hi = mid;
      else
        {
          *index = mid;
          return TRUE;
        }
    }
  *index = lo;
  return FALSE;
}

static const char *
name_at (VervalRegions *self,
         guint          index)
{
  return self->names + self->name_offsets[index];
}

guint
verval_regions_get_count (VervalRegions     *self,
                          VervalRegionLevel  level)
{
  g_return_val_if_fail (VERVAL_IS_REGIONS (self), 0);

  if (level == VERVAL_REGION_LEVEL_NONE)
    return self->n_regions;
  if (level > VERVAL_REGION_LEVEL_VILLAGE)
    return 0;
  return self->counts[level];
}

/* Heap bytes held by the tables, for diagnostics. */
gsize
verval_regions_get_memory_size (VervalRegions *self)
{
  g_return_val_if_fail (VERVAL_IS_REGIONS (self), 0);

  return sizeof *self + self->n_regions * (sizeof (guint64) + sizeof (guint32)) +
         self->names_size + 1;
}

/* NULL if the code is malformed or not in the list. */
const char *
verval_regions_lookup_name (VervalRegions *self,
                            const char    *code)
{
  guint64 key;
  VervalRegionLevel level;
  guint index;

  g_return_val_if_fail (VERVAL_IS_REGIONS (self), NULL);

  if (!parse_code_str (code, &key, &level) || !find_key (self, key, &index))
    return NULL;
  return name_at (self, index);
}

/* The names from the region itself up to its province (desa, kecamatan,
 * kabupaten, provinsi), owned by self; NULL if the code is not known. */
GPtrArray *
verval_regions_name_chain (VervalRegions *self,
                           const char    *code)
{
  g_autoptr(GPtrArray) chain = NULL;
  guint64 key;
  VervalRegionLevel level;
  guint index;

  g_return_val_if_fail (VERVAL_IS_REGIONS (self), NULL);

  if (!parse_code_str (code, &key, &level) || !find_key (self, key, &index))
    return NULL;
  chain = g_ptr_array_sized_new (level);
  for (VervalRegionLevel l = level; l >= VERVAL_REGION_LEVEL_PROVINCE; l--)
    {
      if (find_key (self, key & level_mask (l), &index))
        g_ptr_array_add (chain, (gpointer) name_at (self, index));
    }
  return g_steal_pointer (&chain);
}

/* "Banjar Jawa, Buleleng, Kabupaten Buleleng, Bali", or NULL if unknown. */
char *
verval_regions_describe (VervalRegions *self,
                         const char    *code)
{
  g_autoptr(GPtrArray) chain = verval_regions_name_chain (self, code);

  if (chain == NULL)
    return NULL;
  g_ptr_array_add (chain, NULL);
  return g_strjoinv (", ", (char **) chain->pdata);
}

/* Calls func for each region of the given level inside the subtree of key
 * (all of them when whole is TRUE). */
static void
foreach_in_subtree (VervalRegions     *self,
                    guint64            key,
                    gboolean           whole,
                    VervalRegionLevel  want,
                    void             (*func) (VervalRegions *, guint, gpointer),
                    gpointer           user_data)
{
  guint start = 0;
  guint64 mask = 0;

  if (!whole)
    {
      if (!find_key (self, key, &start))
        return;
      mask = level_mask (key_level (key));
      start++;
    }
  for (guint i = start; i < self->n_regions && (self->keys[i] & mask) == key; i++)
    {
      if (key_level (self->keys[i]) == want)
        func (self, i, user_data);
    }
}

static void
add_child (VervalRegions *self,
           guint          index,
           gpointer       user_data)
{
  GPtrArray *children = user_data;
  VervalRegion *region = g_new (VervalRegion, 1);

  format_key (self->keys[index], TRUE, region->code);
  region->name = name_at (self, index);
  region->level = key_level (self->keys[index]);
  g_ptr_array_add (children, region);
}

/* The regions one level below code, in code order, as VervalRegion rows
 * (g_free'd with the array). NULL or "" lists the provinces. Malformed,
 * unknown and village codes give an empty array. */
GPtrArray *
verval_regions_children (VervalRegions *self,
                         const char    *code)
{
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_free);
  guint64 key;
  VervalRegionLevel level;

  g_return_val_if_fail (VERVAL_IS_REGIONS (self), NULL);

  if (code == NULL || *code == '\0')
    foreach_in_subtree (self, 0, TRUE, VERVAL_REGION_LEVEL_PROVINCE, add_child, children);
  else if (parse_code_str (code, &key, &level) && level < VERVAL_REGION_LEVEL_VILLAGE)
    foreach_in_subtree (self, key, FALSE, level + 1, add_child, children);
  return g_steal_pointer (&children);
}

static void
count_one (VervalRegions *self,
           guint          index,
           gpointer       user_data)
{
  (*(guint *) user_data)++;
}

/* How many regions of a level lie inside code (e.g. villages of a regency). */
guint
verval_regions_count_descendants (VervalRegions     *self,
                                  const char        *code,
                                  VervalRegionLevel  level)
{
  guint64 key;
  VervalRegionLevel code_level;
  guint n = 0;

  g_return_val_if_fail (VERVAL_IS_REGIONS (self), 0);

  if (parse_code_str (code, &key, &code_level) && level > code_level &&
      level <= VERVAL_REGION_LEVEL_VILLAGE)
    foreach_in_subtree (self, key, FALSE, level, count_one, &n);
  return n;
}

/* Whether the 6 leading digits of a NIK or KK number are a kecamatan in
 * today's list. FALSE only means "not known now": districts are split and
 * renumbered while old cards stay valid, so callers warn, never refuse. */
gboolean
verval_regions_has_id_prefix (VervalRegions *self,
                              const char    *digits16)
{
  guint64 key;
  VervalRegionLevel level;
  guint index;

  g_return_val_if_fail (VERVAL_IS_REGIONS (self), FALSE);
  g_return_val_if_fail (digits16 != NULL, FALSE);

  for (guint i = 0; i < 6; i++)
    {
      if (!g_ascii_isdigit (digits16[i]))
        return FALSE;
    }
  if (!parse_code (digits16, 6, &key, &level))
    return FALSE;
  return find_key (self, key, &index);
}
