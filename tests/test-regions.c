/* test-regions.c: region code list, lookups and code forms
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "verval-regions.h"

static void
test_regions_load (void)
{
  gint64 start = g_get_monotonic_time ();
  VervalRegions *regions = verval_regions_get_default ();
  gint64 elapsed = g_get_monotonic_time () - start;

  g_test_message ("load_ms=%.2f memory_kib=%" G_GSIZE_FORMAT,
                  elapsed / 1000.0, verval_regions_get_memory_size (regions) / 1024);

  g_assert_nonnull (regions);
  g_assert_true (regions == verval_regions_get_default ());
  g_assert_cmpuint (verval_regions_get_count (regions, VERVAL_REGION_LEVEL_PROVINCE), ==, 38);
  g_assert_cmpuint (verval_regions_get_count (regions, VERVAL_REGION_LEVEL_REGENCY), ==, 514);
  g_assert_cmpuint (verval_regions_get_count (regions, VERVAL_REGION_LEVEL_DISTRICT), ==, 7285);
  g_assert_cmpuint (verval_regions_get_count (regions, VERVAL_REGION_LEVEL_VILLAGE), ==, 83762);
  g_assert_cmpuint (verval_regions_get_count (regions, VERVAL_REGION_LEVEL_NONE), ==, 91599);
}

static gpointer
get_default_thread (gpointer data)
{
  return verval_regions_get_default ();
}

static void
test_regions_threads (void)
{
  GThread *threads[4];
  gpointer results[G_N_ELEMENTS (threads)];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("regions", get_default_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    results[i] = g_thread_join (threads[i]);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_assert_nonnull (results[i]);
      g_assert_true (results[i] == verval_regions_get_default ());
    }
}

static void
test_regions_buleleng (void)
{
  VervalRegions *regions = verval_regions_get_default ();
  g_autoptr(GPtrArray) districts = verval_regions_children (regions, "51.08");
  g_autoptr(GPtrArray) villages = NULL;
  VervalRegion *first, *last;

  g_assert_cmpuint (districts->len, ==, 9);
  first = g_ptr_array_index (districts, 0);
  last = g_ptr_array_index (districts, 8);
  g_assert_cmpstr (first->code, ==, "51.08.01");
  g_assert_cmpstr (first->name, ==, "Gerokgak");
  g_assert_cmpint (first->level, ==, VERVAL_REGION_LEVEL_DISTRICT);
  g_assert_cmpstr (last->code, ==, "51.08.09");
  g_assert_cmpstr (last->name, ==, "Tejakula");
  for (guint i = 1; i < districts->len; i++)
    {
      VervalRegion *a = g_ptr_array_index (districts, i - 1);
      VervalRegion *b = g_ptr_array_index (districts, i);
      g_assert_cmpint (strcmp (a->code, b->code), <, 0);
    }

  g_assert_cmpuint (verval_regions_count_descendants (regions, "5108",
                                                      VERVAL_REGION_LEVEL_VILLAGE), ==, 148);
  g_assert_cmpuint (verval_regions_count_descendants (regions, "51.08",
                                                      VERVAL_REGION_LEVEL_DISTRICT), ==, 9);
  /* a level above or equal to the code's own counts nothing */
  g_assert_cmpuint (verval_regions_count_descendants (regions, "51.08",
                                                      VERVAL_REGION_LEVEL_REGENCY), ==, 0);

  villages = verval_regions_children (regions, "510806");
  g_assert_cmpuint (villages->len, >, 0);
  for (guint i = 0; i < villages->len; i++)
    {
      VervalRegion *v = g_ptr_array_index (villages, i);
      g_assert_true (g_str_has_prefix (v->code, "51.08.06."));
      g_assert_cmpint (v->level, ==, VERVAL_REGION_LEVEL_VILLAGE);
    }
}

static void
test_regions_provinces (void)
{
  VervalRegions *regions = verval_regions_get_default ();
  g_autoptr(GPtrArray) provinces = verval_regions_children (regions, NULL);
  g_autoptr(GPtrArray) none = verval_regions_children (regions, "51.08.06.1006");
  VervalRegion *first;

  g_assert_cmpuint (provinces->len, ==, 38);
  first = g_ptr_array_index (provinces, 0);
  g_assert_cmpstr (first->code, ==, "11");
  g_assert_cmpstr (first->name, ==, "Aceh");
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_regions_lookup (void)
{
  VervalRegions *regions = verval_regions_get_default ();

  g_assert_cmpstr (verval_regions_lookup_name (regions, "51"), ==, "Bali");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "51.08"), ==, "Kabupaten Buleleng");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "5108"), ==, "Kabupaten Buleleng");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "51.08.06"), ==, "Buleleng");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "510806"), ==, "Buleleng");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "51.08.06.1006"), ==, "Banyuasri");
  g_assert_cmpstr (verval_regions_lookup_name (regions, " 5108061006 "), ==, "Banyuasri");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "11.01.01.2001"), ==, "Keude Bakongan");
  g_assert_cmpstr (verval_regions_lookup_name (regions, "96.71.10.1004"), ==, "Tanjung Kasuari");
}

static void
test_regions_unknown (void)
{
  VervalRegions *regions = verval_regions_get_default ();
  const char *unknown[] = { "99", "51.99", "51.08.99", "51.08.06.9999", "5108069999" };
  const char *malformed[] = {
    "", " ", "5", "510", "51080", "51.8", "5.108", "51..08", "51.08.", ".51",
    "51.0806", "51.08.06.201", "5108062001x", "ab", "00", "51.00", "51.08.06.0000",
    "51.08.06.2001.01", "51080620011",
  };

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_assert_null (verval_regions_lookup_name (regions, unknown[i]));
      g_assert_null (verval_regions_name_chain (regions, unknown[i]));
      g_assert_cmpint (verval_region_code_level (unknown[i]), !=, VERVAL_REGION_LEVEL_NONE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr(GPtrArray) children = verval_regions_children (regions, malformed[i][0] ? malformed[i] : "x");

      g_test_message ("malformed: “%s”", malformed[i]);
      g_assert_null (verval_regions_lookup_name (regions, malformed[i]));
      g_assert_cmpint (verval_region_code_level (malformed[i]), ==, VERVAL_REGION_LEVEL_NONE);
      g_assert_null (verval_region_code_dotted (malformed[i]));
      g_assert_null (verval_region_code_digits (malformed[i]));
      g_assert_cmpuint (children->len, ==, 0);
    }
  g_assert_null (verval_regions_lookup_name (regions, NULL));
}

static void
test_regions_codes (void)
{
  struct {
    const char *in, *dotted, *digits, *parent;
    VervalRegionLevel level;
  } cases[] = {
    { "51", "51", "51", NULL, VERVAL_REGION_LEVEL_PROVINCE },
    { "5108", "51.08", "5108", "51", VERVAL_REGION_LEVEL_REGENCY },
    { "51.08.06", "51.08.06", "510806", "51.08", VERVAL_REGION_LEVEL_DISTRICT },
    { "5108062001", "51.08.06.2001", "5108062001", "51.08.06", VERVAL_REGION_LEVEL_VILLAGE },
    { " 51.08.06.1006\n", "51.08.06.1006", "5108061006", "51.08.06", VERVAL_REGION_LEVEL_VILLAGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dotted = verval_region_code_dotted (cases[i].in);
      g_autofree char *digits = verval_region_code_digits (cases[i].in);
      g_autofree char *parent = verval_region_code_parent (cases[i].in);

      g_assert_cmpstr (dotted, ==, cases[i].dotted);
      g_assert_cmpstr (digits, ==, cases[i].digits);
      g_assert_cmpstr (parent, ==, cases[i].parent);
      g_assert_cmpint (verval_region_code_level (cases[i].in), ==, cases[i].level);
    }
  g_assert_null (verval_region_code_parent ("51.8"));
}

static void
test_regions_chain (void)
{
  VervalRegions *regions = verval_regions_get_default ();
  g_autoptr(GPtrArray) chain = verval_regions_name_chain (regions, "5108061006");
  g_autoptr(GPtrArray) top = verval_regions_name_chain (regions, "51");
  g_autofree char *described = verval_regions_describe (regions, "51.08.06.1006");
  g_autofree char *unknown = verval_regions_describe (regions, "51.08.06.9999");

  g_assert_cmpuint (chain->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (chain, 0), ==, "Banyuasri");
  g_assert_cmpstr (g_ptr_array_index (chain, 1), ==, "Buleleng");
  g_assert_cmpstr (g_ptr_array_index (chain, 2), ==, "Kabupaten Buleleng");
  g_assert_cmpstr (g_ptr_array_index (chain, 3), ==, "Bali");
  g_assert_cmpuint (top->len, ==, 1);
  g_assert_cmpstr (described, ==, "Banyuasri, Buleleng, Kabupaten Buleleng, Bali");
  g_assert_null (unknown);
}

static void
test_regions_id_prefix (void)
{
  VervalRegions *regions = verval_regions_get_default ();

  g_assert_true (verval_regions_has_id_prefix (regions, "5108061211870001"));
  g_assert_true (verval_regions_has_id_prefix (regions, "510806"));
  g_assert_false (verval_regions_has_id_prefix (regions, "9999991211870001"));
  g_assert_false (verval_regions_has_id_prefix (regions, "5108991211870001"));
  g_assert_false (verval_regions_has_id_prefix (regions, "51080"));
  g_assert_false (verval_regions_has_id_prefix (regions, "51.08.06"));
  g_assert_false (verval_regions_has_id_prefix (regions, ""));
}

static void
test_regions_malformed (void)
{
  struct {
    const char *text;
    int code;
    const char *where;
  } bad[] = {
    { "51\tBali\n51.08 Kabupaten Buleleng\n", VERVAL_REGIONS_ERROR_MALFORMED, "line 2" },
    { "51\tBali\n51.8\tX\n", VERVAL_REGIONS_ERROR_MALFORMED, "line 2" },
    { "51\tBali\n51.08\t\n", VERVAL_REGIONS_ERROR_MALFORMED, "line 2" },
    { "# c\n51\tBali\n51.08\t\xff\xfe\n", VERVAL_REGIONS_ERROR_MALFORMED, "line 3" },
    { "52\tNTB\n51\tBali\n", VERVAL_REGIONS_ERROR_ORDER, "line 2" },
    { "51\tBali\n51\tBali\n", VERVAL_REGIONS_ERROR_ORDER, "line 2" },
    { "51\tBali\n51.08.06\tBuleleng\n", VERVAL_REGIONS_ERROR_ORPHAN, "line 2" },
    { "51.08\tKabupaten Buleleng\n", VERVAL_REGIONS_ERROR_ORPHAN, "line 1" },
  };
  static const char good_text[] =
    "# header\r\n51\tBali\r\n\r\n51.08\tKabupaten Buleleng\r\n51.08.06\tBuleleng";
  g_autoptr(GBytes) good = NULL;
  g_autoptr(VervalRegions) small = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (bad[i].text, strlen (bad[i].text));
      g_autoptr(VervalRegions) regions = NULL;
      g_autoptr(GError) bad_error = NULL;

      regions = verval_regions_new_from_bytes (bytes, &bad_error);
      g_assert_null (regions);
      g_assert_error (bad_error, VERVAL_REGIONS_ERROR, bad[i].code);
      g_assert_nonnull (strstr (bad_error->message, bad[i].where));
    }

  /* comments, blank lines, CRLF and a missing final newline are fine */
  good = g_bytes_new_static (good_text, sizeof good_text - 1);
  small = verval_regions_new_from_bytes (good, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (verval_regions_get_count (small, VERVAL_REGION_LEVEL_NONE), ==, 3);
  g_assert_cmpstr (verval_regions_lookup_name (small, "5108"), ==, "Kabupaten Buleleng");
  g_assert_cmpstr (verval_regions_lookup_name (small, "510806"), ==, "Buleleng");
  g_assert_true (verval_regions_has_id_prefix (small, "5108061211870001"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/regions/load", test_regions_load);
  g_test_add_func ("/common/regions/threads", test_regions_threads);
  g_test_add_func ("/common/regions/buleleng", test_regions_buleleng);
  g_test_add_func ("/common/regions/provinces", test_regions_provinces);
  g_test_add_func ("/common/regions/lookup", test_regions_lookup);
  g_test_add_func ("/common/regions/unknown", test_regions_unknown);
  g_test_add_func ("/common/regions/codes", test_regions_codes);
  g_test_add_func ("/common/regions/chain", test_regions_chain);
  g_test_add_func ("/common/regions/id-prefix", test_regions_id_prefix);
  g_test_add_func ("/common/regions/malformed", test_regions_malformed);

  return g_test_run ();
}
