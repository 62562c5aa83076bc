/* verval-time.h: the protocol's one grammar for an instant
 *
 * GLib's ISO 8601 reader also takes week and ordinal dates, the basic
 * format, a space or a comma, a leap second (read as :59) and, without an
 * offset, the reader's own zone; a third-party client could not tell which
 * of these the collector keeps. Instants on the wire follow RFC 3339 with
 * the offset forms devices write, and nothing else (docs/protocol.md,
 * "Times").
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* YYYY-MM-DDTHH:MM:SS[.f…] then Z, ±HH:MM, ±HHMM or ±HH; "t" and "z" may be
 * lower case; 1 to 9 fraction digits, kept to the microsecond. NULL for
 * anything else, an impossible date or time, or an offset past ±14:00. */
GDateTime *verval_time_parse (const char *text);

G_END_DECLS
