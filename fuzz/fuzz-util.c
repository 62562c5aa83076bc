/* fuzz-util.c: set-up shared by the fuzz targets
 *
 * A g_return_if_fail() reached from outside input is a bug like a crash, so
 * criticals and warnings abort; messages and debug output are dropped, as
 * the fuzzer runs a target many thousand times a second.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "fuzz-util.h"

static GLogWriterOutput
quiet_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  /* messages are translated: keep them the same from run to run */
  setlocale (LC_ALL, "C.UTF-8");
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_writer_func (quiet_writer, NULL, NULL);
}

#define FUZZ_TYPE_DRIP_STREAM (fuzz_drip_stream_get_type ())
G_DECLARE_FINAL_TYPE (FuzzDripStream, fuzz_drip_stream, FUZZ, DRIP_STREAM, GInputStream)

struct _FuzzDripStream
{
  GInputStream  parent_instance;

  GBytes       *head;
  GBytes       *body;
  gsize         pos;     /* over head, then body */
};

G_DEFINE_FINAL_TYPE (FuzzDripStream, fuzz_drip_stream, G_TYPE_INPUT_STREAM)

static gssize
fuzz_drip_stream_read (GInputStream  *stream,
                       void          *buffer,
                       gsize          count,
                       GCancellable  *cancellable,
                       GError       **error)
{
  FuzzDripStream *self = FUZZ_DRIP_STREAM (stream);
  gsize head_len, body_len;
  const guint8 *head = g_bytes_get_data (self->head, &head_len);
  const guint8 *body = g_bytes_get_data (self->body, &body_len);
  gsize n;

  if (count == 0)
    return 0;
  if (self->pos < head_len)
    {
      n = MIN (count, head_len - self->pos);
      memcpy (buffer, head + self->pos, n);
    }
  else if (self->pos - head_len < body_len)
    {
      n = 1;
      memcpy (buffer, body + (self->pos - head_len), n);
    }
  else
    return 0;
  self->pos += n;
  return (gssize) n;
}

static void
fuzz_drip_stream_finalize (GObject *object)
{
  FuzzDripStream *self = FUZZ_DRIP_STREAM (object);

  g_bytes_unref (self->head);
  g_bytes_unref (self->body);
  G_OBJECT_CLASS (fuzz_drip_stream_parent_class)->finalize (object);
}

static void
fuzz_drip_stream_class_init (FuzzDripStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fuzz_drip_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = fuzz_drip_stream_read;
}

static void
fuzz_drip_stream_init (FuzzDripStream *self)
{
}

GInputStream *
fuzz_drip_stream_new (GBytes *head,
                      GBytes *body)
{
  FuzzDripStream *self = g_object_new (FUZZ_TYPE_DRIP_STREAM, NULL);

  self->head = g_bytes_ref (head);
  self->body = g_bytes_ref (body);
  return G_INPUT_STREAM (self);
}
