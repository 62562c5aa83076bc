/* verval-sync-summary.c: what the Sync page shows: visit counts and the refused ones
 *
 * Counts come from the visits table itself rather than from the sync log,
 * so they are right even after a crash in the middle of a sync.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-sync"

#include "config.h"

#include "verval-sync-summary.h"

static void
problem_free (gpointer data)
{
  VervalSyncProblem *p = data;

  g_free (p->uuid);
  g_free (p->head_name);
  g_free (p->village_name);
  g_free (p->reason);
  g_free (p);
}

static gpointer
problem_copy (gconstpointer src,
              gpointer      user_data)
{
  const VervalSyncProblem *p = src;
  VervalSyncProblem *copy = g_new0 (VervalSyncProblem, 1);

  *copy = *p;
  copy->uuid = g_strdup (p->uuid);
  copy->head_name = g_strdup (p->head_name);
  copy->village_name = g_strdup (p->village_name);
  copy->reason = g_strdup (p->reason);
  return copy;
}

VervalSyncSummary *
verval_sync_summary_copy (const VervalSyncSummary *summary)
{
  VervalSyncSummary *copy;

  g_return_val_if_fail (summary != NULL, NULL);

  copy = g_new0 (VervalSyncSummary, 1);
  *copy = *summary;
  copy->problems = g_ptr_array_copy (summary->problems, problem_copy, NULL);
  g_ptr_array_set_free_func (copy->problems, problem_free);
  return copy;
}

void
verval_sync_summary_free (VervalSyncSummary *summary)
{
  if (summary == NULL)
    return;
  g_clear_pointer (&summary->problems, g_ptr_array_unref);
  g_free (summary);
}

G_DEFINE_BOXED_TYPE (VervalSyncSummary, verval_sync_summary,
                     verval_sync_summary_copy, verval_sync_summary_free)

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? (const char *) text : "");
}

VervalSyncSummary *
verval_sync_summary_read (sqlite3  *db,
                          guint     max_problems,
                          GError  **error)
{
  g_autoptr(VervalSyncSummary) summary = g_new0 (VervalSyncSummary, 1);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (db != NULL, NULL);

  summary->problems = g_ptr_array_new_with_free_func (problem_free);

  /* One pass over the visits_state index instead of five counts. */
  if (sqlite3_prepare_v2 (db,
                          "SELECT state, quarantined, count(*) FROM visits GROUP BY state, quarantined",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, db, "count visits");
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *state = (const char *) sqlite3_column_text (stmt, 0);
      gboolean quarantined = sqlite3_column_int (stmt, 1) != 0;
      guint n = (guint) sqlite3_column_int64 (stmt, 2);

      if (g_strcmp0 (state, "draft") == 0)
        summary->n_drafts += n;
      else if (g_strcmp0 (state, "final") == 0 && quarantined)
        summary->n_quarantined += n;
      else if (g_strcmp0 (state, "final") == 0)
        summary->n_waiting += n;
      else if (g_strcmp0 (state, "sent") == 0)
        summary->n_sent += n;
      else if (g_strcmp0 (state, "rejected") == 0)
        summary->n_sent_back += n;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "count visits");
      return NULL;
    }

  if (max_problems == 0)
    return g_steal_pointer (&summary);

  if (sqlite3_prepare_v2 (db,
                          "SELECT v.uuid, v.household_id, h.head_name, h.village, "
                          "  v.state = 'rejected', "
                          "  CASE WHEN v.state = 'rejected' THEN v.review_comment ELSE v.sync_error END, "
                          "  v.updated_at "
                          "FROM visits v JOIN households h ON h.id = v.household_id "
                          "WHERE (v.state = 'final' AND v.quarantined <> 0) OR v.state = 'rejected' "
                          "ORDER BY v.state = 'rejected', v.updated_at DESC "
                          "LIMIT ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      verval_sqlite_set_error (error, db, "list refused visits");
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, max_problems);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      VervalSyncProblem *p = g_new0 (VervalSyncProblem, 1);

      p->uuid = column_text (stmt, 0);
      p->household_id = sqlite3_column_int64 (stmt, 1);
      p->head_name = column_text (stmt, 2);
      p->village_name = column_text (stmt, 3);
      p->sent_back = sqlite3_column_int (stmt, 4) != 0;
      p->reason = column_text (stmt, 5);
      p->updated_at = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (summary->problems, p);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      verval_sqlite_set_error (error, db, "list refused visits");
      return NULL;
    }
  return g_steal_pointer (&summary);
}

static gpointer
load_func (sqlite3       *db,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  return verval_sync_summary_read (db, GPOINTER_TO_UINT (data), error);
}

void
verval_sync_summary_load_async (VervalStore         *store,
                                guint                max_problems,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (VERVAL_IS_STORE (store));

  verval_store_run_async (store, load_func, GUINT_TO_POINTER (max_problems), NULL,
                          (GDestroyNotify) verval_sync_summary_free,
                          cancellable, callback, user_data);
}

VervalSyncSummary *
verval_sync_summary_load_finish (VervalStore   *store,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (VERVAL_IS_STORE (store), NULL);

  return verval_store_run_finish (store, result, error);
}
