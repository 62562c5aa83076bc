/* test-wire.c: the household object of the sync protocol, both ways
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "verval-wire.h"

static void
set (char       **slot,
     const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

static VervalMemberRecord *
member_new (const char *id,
            const char *nik,
            const char *name,
            const char *relationship,
            gboolean    is_head)
{
  VervalMemberRecord *m = verval_member_record_new ();

  set (&m->individual_id, id);
  set (&m->nik, nik);
  set (&m->name, name);
  set (&m->relationship, relationship);
  set (&m->sex, is_head ? "LAKI-LAKI" : "PEREMPUAN");
  set (&m->birth_date, "12-11-1987");
  set (&m->birth_place, "Singaraja");
  set (&m->mother_name, "Ni Ketut “Kompyang”");
  set (&m->marital_status, "KAWIN");
  m->is_head = is_head;
  return m;
}

/* A DTKS family with every member of the record set. */
static VervalFamilyRecord *
full_record (void)
{
  VervalFamilyRecord *r = verval_family_record_new ();

  r->source = VERVAL_SOURCE_DTKS;
  set (&r->family_id, "D3");
  set (&r->kk, "5108060101050001");
  set (&r->head_nik, "5108061211870001");
  set (&r->head_name, "I Made Yasa");
  set (&r->address, "Jl. Pantai Indah No. 7 — gang \"Melati\"");
  set (&r->dusun, "Kaja");
  set (&r->rt, "001");
  set (&r->rw, "002");
  set (&r->village_code, "5108062001");
  r->desil = 2;
  r->padan_dukcapil = 1;
  r->data_year = 2023;
  r->programmes = VERVAL_PROGRAMME_PKH | VERVAL_PROGRAMME_SEMBAKO | VERVAL_PROGRAMME_BPNT;
  r->savings = VERVAL_SAVINGS_LIVESTOCK | VERVAL_SAVINGS_OTHER;
  for (guint f = 0; f < VERVAL_FAMILY_N_FIELDS; f++)
    {
      g_free (r->fields[f]);
      r->fields[f] = g_strdup_printf ("%s · nilai %u ✓", verval_family_field_get_key (f), f);
    }
  set (&r->fields[VERVAL_FAMILY_FIELD_VILLAGE], "Panji Anom");
  set (&r->fields[VERVAL_FAMILY_FIELD_KECAMATAN], "Sukasada");
  g_ptr_array_add (r->members, member_new ("D3", "5108061211870001", "I Made Yasa", "Kepala Keluarga", TRUE));
  g_ptr_array_add (r->members, member_new ("D1", "5108066010900009", "Ni Luh Suryani", "ISTRI", FALSE));
  g_ptr_array_add (r->members, member_new ("", "", "Putu Ayu 🌺", "ANAK", FALSE));
  return r;
}

static void
assert_records_equal (const VervalFamilyRecord *a,
                      const VervalFamilyRecord *b)
{
  g_assert_cmpint (a->source, ==, b->source);
  g_assert_cmpstr (a->family_id, ==, b->family_id);
  g_assert_cmpstr (a->kk, ==, b->kk);
  g_assert_cmpstr (a->head_nik, ==, b->head_nik);
  g_assert_cmpstr (a->head_name, ==, b->head_name);
  g_assert_cmpstr (a->address, ==, b->address);
  g_assert_cmpstr (a->dusun, ==, b->dusun);
  g_assert_cmpstr (a->rt, ==, b->rt);
  g_assert_cmpstr (a->rw, ==, b->rw);
  g_assert_cmpstr (a->village_code, ==, b->village_code);
  g_assert_cmpint (a->desil, ==, b->desil);
  g_assert_cmpint (a->padan_dukcapil, ==, b->padan_dukcapil);
  g_assert_cmpint (a->data_year, ==, b->data_year);
  g_assert_cmpuint (a->programmes, ==, b->programmes);
  g_assert_cmpuint (a->savings, ==, b->savings);
  for (guint f = 0; f < VERVAL_FAMILY_N_FIELDS; f++)
    g_assert_cmpstr (a->fields[f], ==, b->fields[f]);
  g_assert_cmpuint (a->members->len, ==, b->members->len);
  for (guint i = 0; i < a->members->len; i++)
    {
      const VervalMemberRecord *ma = a->members->pdata[i];
      const VervalMemberRecord *mb = b->members->pdata[i];

      g_assert_cmpstr (ma->individual_id, ==, mb->individual_id);
      g_assert_cmpstr (ma->nik, ==, mb->nik);
      g_assert_cmpstr (ma->name, ==, mb->name);
      g_assert_cmpstr (ma->relationship, ==, mb->relationship);
      g_assert_cmpstr (ma->sex, ==, mb->sex);
      g_assert_cmpstr (ma->birth_date, ==, mb->birth_date);
      g_assert_cmpstr (ma->birth_place, ==, mb->birth_place);
      g_assert_cmpstr (ma->mother_name, ==, mb->mother_name);
      g_assert_cmpstr (ma->marital_status, ==, mb->marital_status);
      g_assert_cmpint (ma->is_head, ==, mb->is_head);
    }
}

/* Through text, as it travels. */
static VervalFamilyRecord *
decode_text (const char  *text,
             GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &parse_error);

  g_assert_no_error (parse_error);
  g_assert_nonnull (node);
  return verval_wire_family_from_json (node, error);
}

static void
test_round_trip (void)
{
  g_autoptr(VervalFamilyRecord) record = full_record ();
  g_autoptr(VervalFamilyRecord) back = NULL;
  g_autoptr(JsonNode) node = verval_wire_family_to_json (record);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = json_to_string (node, FALSE);
  JsonObject *object = json_node_get_object (node);
  JsonObject *data = json_object_get_object_member (object, "data");

  /* The names docs/protocol.md gives. */
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "D3");
  g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "dtks");
  g_assert_cmpstr (json_object_get_string_member (object, "nik"), ==, "5108061211870001");
  g_assert_cmpint (json_object_get_int_member (data, "desil"), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (data, "programmes")), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (data, "programmes"), 0), ==, "bpnt");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (data, "fields"), "village"),
                   ==, "Panji Anom");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (data, "fields")), ==,
                    VERVAL_FAMILY_N_FIELDS);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (data, "members")), ==, 3);

  back = decode_text (text, &error);
  g_assert_no_error (error);
  assert_records_equal (record, back);

  /* The data object alone is the one inside the full object. */
  {
    g_autoptr(JsonNode) alone = verval_wire_family_data_to_json (record);

    g_assert_true (json_node_equal (alone, json_object_get_member (object, "data")));
  }
}

static void
test_p3ke_no_members (void)
{
  g_autoptr(VervalFamilyRecord) record = verval_family_record_new ();
  g_autoptr(VervalFamilyRecord) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  record->source = VERVAL_SOURCE_P3KE;
  set (&record->family_id, "P3KE-0001");
  set (&record->head_name, "I Made Sutama");
  record->desil = 1;
  node = verval_wire_family_to_json (record);
  text = json_to_string (node, FALSE);
  g_assert_nonnull (strstr (text, "\"kk\":\"\""));
  g_assert_nonnull (strstr (text, "\"padan_dukcapil\":-1"));
  back = decode_text (text, &error);
  g_assert_no_error (error);
  assert_records_equal (record, back);
}

/* What collectors sent before the codec, and what a newer one may add. */
static void
test_lenient (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VervalFamilyRecord) old = NULL;
  g_autoptr(VervalFamilyRecord) newer = NULL;
  g_autoptr(VervalFamilyRecord) bare = NULL;

  old = decode_text ("{\"id\":\"HH-1\",\"source\":\"p3ke\",\"village_code\":\"5108062001\","
                     "\"head_name\":\"Kepala\",\"nik\":\"5108064112000001\",\"kk\":null,"
                     "\"address\":\"Banjar\",\"data\":{\"desil\":2}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (old->family_id, ==, "HH-1");
  g_assert_cmpint (old->source, ==, VERVAL_SOURCE_P3KE);
  g_assert_cmpstr (old->kk, ==, "");
  g_assert_cmpint (old->desil, ==, 2);
  g_assert_cmpint (old->padan_dukcapil, ==, -1);
  g_assert_cmpstr (old->fields[VERVAL_FAMILY_FIELD_VILLAGE], ==, "");
  g_assert_cmpuint (old->members->len, ==, 0);

  newer = decode_text ("{\"id\":\"X-1\",\"source\":\"dtsen\",\"rank\":3,"
                       "\"data\":{\"programmes\":[\"pkh\",\"blt_dd\"],\"savings\":[\"gold\"],"
                       "\"fields\":{\"roof\":\"Genteng\",\"solar_panel\":\"ya\"},"
                       "\"members\":[{\"name\":\"Ketut\",\"disability\":true}]}}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (newer->source, ==, VERVAL_SOURCE_NONE);
  g_assert_cmpuint (newer->programmes, ==, VERVAL_PROGRAMME_PKH);
  g_assert_cmpuint (newer->savings, ==, VERVAL_SAVINGS_NONE);
  g_assert_cmpstr (newer->fields[VERVAL_FAMILY_FIELD_ROOF], ==, "Genteng");
  g_assert_cmpuint (newer->members->len, ==, 1);
  g_assert_cmpstr (((VervalMemberRecord *) newer->members->pdata[0])->name, ==, "Ketut");
  g_assert_false (((VervalMemberRecord *) newer->members->pdata[0])->is_head);

  bare = decode_text ("{\"id\":\"B\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bare->head_name, ==, "");
}

static void
test_malformed (void)
{
  static const struct {
    const char *json;
    const char *names;   /* in the message */
  } cases[] = {
    { "[]", "not a JSON object" },
    { "\"P3KE-1\"", "not a JSON object" },
    { "{}", "“id”" },
    { "{\"id\":\"\"}", "“id”" },
    { "{\"id\":7}", "“id”" },
    { "{\"id\":\"A\",\"head_name\":[\"x\"]}", "“head_name”" },
    { "{\"id\":\"A\",\"data\":[]}", "“data”" },
    { "{\"id\":\"A\",\"data\":{\"desil\":7}}", "“data.desil” is 7" },
    { "{\"id\":\"A\",\"data\":{\"desil\":\"2\"}}", "“data.desil”" },
    { "{\"id\":\"A\",\"data\":{\"desil\":1.5}}", "“data.desil”" },
    { "{\"id\":\"A\",\"data\":{\"padan_dukcapil\":-2}}", "“data.padan_dukcapil”" },
    { "{\"id\":\"A\",\"data\":{\"programmes\":\"pkh\"}}", "“data.programmes”" },
    { "{\"id\":\"A\",\"data\":{\"savings\":[1]}}", "“data.savings[0]”" },
    { "{\"id\":\"A\",\"data\":{\"fields\":[]}}", "“data.fields”" },
    { "{\"id\":\"A\",\"data\":{\"fields\":{\"roof\":{}}}}", "“data.fields.roof”" },
    { "{\"id\":\"A\",\"data\":{\"members\":{}}}", "“data.members”" },
    { "{\"id\":\"A\",\"data\":{\"members\":[{\"name\":\"a\"},7]}}", "“data.members[1]”" },
    { "{\"id\":\"A\",\"data\":{\"members\":[{\"nik\":5108061211870001}]}}", "“data.members[0].nik”" },
    { "{\"id\":\"A\",\"data\":{\"members\":[{\"is_head\":\"yes\"}]}}", "“data.members[0].is_head”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VervalFamilyRecord) record = decode_text (cases[i].json, &error);

      g_test_message ("%s", cases[i].json);
      g_assert_null (record);
      g_assert_error (error, VERVAL_WIRE_ERROR, VERVAL_WIRE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].names));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/wire/round-trip", test_round_trip);
  g_test_add_func ("/common/wire/p3ke-no-members", test_p3ke_no_members);
  g_test_add_func ("/common/wire/lenient", test_lenient);
  g_test_add_func ("/common/wire/malformed", test_malformed);
  return g_test_run ();
}
