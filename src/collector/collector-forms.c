/* collector-forms.c: the form definitions visits are checked against
 *
 * The rules are the common form engine's (the field app checks the same
 * answers with the same code before it lets a visit be finalised), so a
 * visit the app accepted is accepted here; the collector re-checks because
 * it cannot trust a device. Only errors reject a visit: warnings (an
 * inaccurate fix, an old region code) are the supervisor's business.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "collector-api"

#include "config.h"

#include "collector-forms.h"
#include "verval-form-validate.h"

struct _CollectorForms
{
  GObject     parent_instance;

  GMutex      lock;
  GHashTable *forms;    /* form id → VervalForm, or NULL when not built in */
};

G_DEFINE_FINAL_TYPE (CollectorForms, collector_forms, G_TYPE_OBJECT)

static void
collector_forms_finalize (GObject *object)
{
  CollectorForms *self = COLLECTOR_FORMS (object);

  g_hash_table_unref (self->forms);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (collector_forms_parent_class)->finalize (object);
}

static void
collector_forms_class_init (CollectorFormsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = collector_forms_finalize;
}

static void
collector_forms_init (CollectorForms *self)
{
  g_mutex_init (&self->lock);
  self->forms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

CollectorForms *
collector_forms_new (void)
{
  return g_object_new (COLLECTOR_TYPE_FORMS, NULL);
}

/* Returns a new reference, or NULL if there is no such built-in form. */
static VervalForm *
lookup_form (CollectorForms *self,
             const char     *form_id)
{
  VervalForm *form;

  g_mutex_lock (&self->lock);
  form = g_hash_table_lookup (self->forms, form_id);
  if (form == NULL)
    {
      g_autoptr(GError) error = NULL;

      form = verval_form_new_builtin (form_id, &error);
      if (form != NULL)
        g_hash_table_insert (self->forms, g_strdup (form_id), form);
      else if (!g_error_matches (error, VERVAL_FORM_ERROR, VERVAL_FORM_ERROR_NOT_FOUND))
        g_warning ("Built-in form %s does not load: %s", form_id, error->message);
    }
  if (form != NULL)
    g_object_ref (form);
  g_mutex_unlock (&self->lock);
  return form;
}

/* Every photo the answers point at must be in the visit's media list: the
 * list is what the media-first rule checks. */
static void
check_photos_listed (VervalForm     *form,
                     CollectorVisit *visit,
                     JsonObject     *answers,
                     GPtrArray      *problems)
{
  g_autoptr(GList) members = json_object_get_members (answers);

  for (GList *m = members; m != NULL; m = m->next)
    {
      const VervalFormField *field = verval_form_lookup_field (form, m->data);
      JsonNode *node = json_object_get_member (answers, m->data);
      JsonArray *array;

      if (field == NULL || field->type != VERVAL_FIELD_PHOTO || !JSON_NODE_HOLDS_ARRAY (node))
        continue;
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *sha = JSON_NODE_HOLDS_VALUE (element) ? json_node_get_string (element) : NULL;
          gboolean listed = FALSE;

          for (guint k = 0; sha != NULL && k < visit->media->len; k++)
            listed |= g_strcmp0 (((CollectorMediaRef *) g_ptr_array_index (visit->media, k))->sha256, sha) == 0;
          if (sha != NULL && !listed)
            {
              g_autofree char *path = g_strconcat ("answers.", (const char *) m->data, NULL);

              g_ptr_array_add (problems,
                               verval_wire_problem_new ("media_not_listed", path,
                                                        "Photo %s is answered but not in the media list", sha));
            }
        }
    }
}

gboolean
collector_forms_check (CollectorForms *self,
                       CollectorVisit *visit,
                       JsonObject     *answers,
                       GPtrArray      *problems)
{
  g_autoptr(VervalForm) form = NULL;
  g_autoptr(VervalFormResult) result = NULL;
  guint before;

  g_return_val_if_fail (COLLECTOR_IS_FORMS (self), FALSE);
  g_return_val_if_fail (visit != NULL && answers != NULL && problems != NULL, FALSE);

  before = problems->len;
  form = lookup_form (self, visit->form_id);
  if (form == NULL)
    {
      g_ptr_array_add (problems,
                       verval_wire_problem_new ("unknown_form", "form.id",
                                                "Form “%s” is not known to this collector", visit->form_id));
      return FALSE;
    }
  if (verval_form_get_version (form) != visit->form_version)
    {
      g_ptr_array_add (problems,
                       verval_wire_problem_new ("unknown_form_version", "form.version",
                                                "Form “%s” version %" G_GINT64_FORMAT " is not known to this "
                                                "collector (it has version %" G_GINT64_FORMAT ")",
                                                visit->form_id, visit->form_version,
                                                verval_form_get_version (form)));
      return FALSE;
    }

  result = verval_form_validate (form, answers, NULL);
  for (guint i = 0; i < result->issues->len; i++)
    {
      VervalFormIssue *issue = g_ptr_array_index (result->issues, i);
      g_autofree char *path = NULL;

      if (issue->severity != VERVAL_SEVERITY_ERROR)
        continue;
      path = g_strconcat ("answers.", issue->field_id, NULL);
      g_ptr_array_add (problems, verval_wire_problem_new ("invalid_answer", path, "%s", issue->message));
    }

  /* the result travels twice (for indexing and inside the answers): they must agree */
  if (json_object_has_member (answers, "result"))
    {
      JsonNode *node = json_object_get_member (answers, "result");

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) != visit->result_code)
        g_ptr_array_add (problems,
                         verval_wire_problem_new ("result_mismatch", "result_code",
                                                  "result_code does not match answers.result"));
    }
  check_photos_listed (form, visit, answers, problems);
  return problems->len == before;
}
