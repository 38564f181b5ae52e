/* Queueing an outbound message: every door that tells someone something
 * (notices, obligation clocks) writes the same two rows. */
#include "cases/outbox.h"

#include "core/error.h"

#include <stdio.h>

int case_message_queue(struct store_tx *tx, struct outbox_msg *m, vg_usec_t now)
{
        int r = store_outbox_add(tx, m);
        if (r == -VG_ECONFLICT)
                return 0;
        if (r < 0)
                return r;
        char payload[64];
        snprintf(payload, sizeof payload, "{\"outbox_id\":%lld}", (long long)m->id);
        r = store_job_add(tx, "deliver", payload, now, NULL);
        return r < 0 ? r : 1;
}
