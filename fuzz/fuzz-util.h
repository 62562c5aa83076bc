/* fuzz-util.h: what every fuzz target defines, and what they share
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The libFuzzer entry points; replay.c calls them the same way. */
int           LLVMFuzzerInitialize   (int            *argc,
                                      char         ***argv);
int           LLVMFuzzerTestOneInput (const uint8_t  *data,
                                      size_t          size);

/* Once per process: a fixed locale, quiet logs, criticals and warnings fatal. */
void          fuzz_init              (void);

/* A stream that returns @head in reads as large as asked for, then @body
 * one byte per read, so that every byte of @body arrives on its own. */
GInputStream *fuzz_drip_stream_new   (GBytes         *head,
                                      GBytes         *body);

G_END_DECLS
