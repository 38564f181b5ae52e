/* The intake sources (intake.h): one row per door, and the adapters that
 * put each parser behind the one signature the doors call. */
#include "intake/intake.h"

#include "base/secret.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static int alertmanager_parse(const struct intake_input *in, struct intake_parsed *ret, struct field_errors *fe)
{
        const struct intake_text t = { .p = in->p, .len = in->len, .max_string = in->max_string, .why = in->why,
                                       .why_size = in->why_size };
        return intake_am_parse(&t, &ret->batch, fe);
}

static int webhook_parse(const struct intake_input *in, struct intake_parsed *ret, struct field_errors *fe)
{
        const struct intake_text t = { .p = in->p, .len = in->len, .max_string = in->max_string, .why = in->why,
                                       .why_size = in->why_size };
        return intake_am_webhook_parse(&t, &ret->batch, fe);
}

static int json_parse(const struct intake_input *in, struct intake_parsed *ret, struct field_errors *fe)
{
        return intake_json_parse(in->json, &ret->batch, fe);
}

/* The routing key in the body is the credential: a live integration key,
 * whose service every alert of the event belongs to. */
static int pagerduty_parse(const struct intake_input *in, struct intake_parsed *ret, struct field_errors *fe)
{
        struct pd_event ev;
        struct integration_key k;
        struct store_tx *tx;
        char dedup[INTAKE_REPLY_MAX];
        int r = intake_pd_parse(in->json, &ev, fe);
        if (r < 0)
                return r;
        uint8_t h[SECRET_DIGEST_BYTES];
        secret_token_digest(ev.routing_key, h);
        r = store_begin_read(in->store, &tx);
        if (r < 0)
                return r;
        r = store_integration_key_get_by_hash(tx, h, &k);
        store_rollback(tx);
        if (r == -VG_ENOTFOUND || (r >= 0 && k.revoked_at)) {
                ret->credential_refused = true;
                fielderr_add(fe, "routing_key", "is not a live integration key");
                return -VG_EVALIDATION;
        }
        if (r < 0)
                return r;
        if (ev.dedup_key)
                snprintf(dedup, sizeof dedup, "%s", ev.dedup_key);
        else
                intake_pd_new_dedup_key(dedup);
        snprintf(ret->reply, sizeof ret->reply, "%s", dedup);
        snprintf(ret->actor, sizeof ret->actor, "integration:%s", k.name);
        /* The key's service, whatever the routes say. */
        snprintf(ret->service, sizeof ret->service, "%s", k.service);
        /* An acknowledgement is accepted and commits nothing: acknowledging
         * pages arrives with on-call (it acknowledges the page, not the
         * alert). */
        if (ev.action == PD_ACK)
                return 0;
        r = intake_pd_batch(&ev, k.service, dedup, &ret->batch);
        if (r < 0)
                intake_batch_fini(&ret->batch);
        return r;
}

static int syslog_parse(const struct intake_input *in, struct intake_parsed *ret, struct field_errors *fe)
{
        (void)fe; /* syslog has no answer to carry field errors: in->why says it */
        return intake_syslog_parse(in->p, in->len, in->syslog, in->now, &ret->batch, in->why, in->why_size);
}

const struct intake_source intake_sources[INTAKE_SOURCE__COUNT] = {
        [INTAKE_SOURCE_ALERTMANAGER] = { "alertmanager", INTAKE_BODY_TEXT, alertmanager_parse, INTAKE_REPLY_EMPTY },
        [INTAKE_SOURCE_WEBHOOK] = { "webhook", INTAKE_BODY_TEXT, webhook_parse, INTAKE_REPLY_EMPTY },
        [INTAKE_SOURCE_PAGERDUTY] = { "pagerduty", INTAKE_BODY_JSON, pagerduty_parse, INTAKE_REPLY_PAGERDUTY },
        [INTAKE_SOURCE_JSON] = { "json", INTAKE_BODY_JSON, json_parse, INTAKE_REPLY_EMPTY },
        [INTAKE_SOURCE_SYSLOG] = { "syslog", INTAKE_BODY_MESSAGE, syslog_parse, INTAKE_REPLY_NONE },
};
