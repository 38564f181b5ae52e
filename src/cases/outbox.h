/* Queueing an outbound message (src/cases/outbox.c): the outbox row and
 * the job that delivers it, in the caller's transaction, so that the
 * message goes out once the change that wrote it commits. */
#pragma once

#include "store/store.h"

/* Queue m (its idem_key, channel, address, subject, body and created_at
 * set) with a "deliver" job due at now. 1 when queued (m->id set), 0 when
 * a message with m->idem_key is queued already (nothing is added), or a
 * store error. */
int case_message_queue(struct store_tx *tx, struct outbox_msg *m, vg_usec_t now);
