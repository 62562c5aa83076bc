/* collector-visit.h: a visit as it arrives on the wire
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "collector-store.h"

G_BEGIN_DECLS

/* Decodes one visit object with the common codec (docs/protocol.md,
 * "Visit"), checks it against this device and the photo size limit, and
 * returns the store's record, or NULL with the reasons (VervalWireProblem*)
 * added to @problems. @uuid and @revision receive what could be read, for
 * the outcome, even on failure. */
CollectorVisit *collector_visit_parse (JsonNode        *node,
                                       CollectorDevice *device,
                                       guint64          max_media_size,
                                       GPtrArray       *problems,
                                       char           **uuid,
                                       gint64          *revision);

G_END_DECLS
