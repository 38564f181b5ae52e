/* libFuzzer harness for the intake parsers. Built once per parser with
 * -DFUZZ_PARSER=<n> (0 Alertmanager v2, 1 webhook, 2 PagerDuty, 3 JSON/OCSF,
 * 4 syslog/CEF). The Alertmanager doors (0, 1) take the bytes as the
 * body's text, as the server hands it to them; for 2-3 the bytes are
 * parsed as JSON, then handed to the parser; syslog takes the bytes as
 * one message. Whatever a parser accepts is turned into the pipeline's batch
 * and freed. Nothing may crash, leak or read out of bounds. */
#include "intake/intake.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct field_errors fe;
        struct intake_batch b;
        if (FUZZ_PARSER == 4) {
                static const struct syslog_opts o = { .min_severity = 7, .resolve_timeout = 3600, .peer = "192.0.2.1" };
                char why[256];
                if (intake_syslog_parse((const char *)data, size, &o, INT64_C(1795392000000000), &b, why,
                                        sizeof why) == 0)
                        intake_batch_fini(&b);
                return 0;
        }
        fielderr_init(&fe);
        if (FUZZ_PARSER <= 1) {
                /* The Alertmanager doors parse the text themselves. */
                char why[256];
                const struct intake_text t = { .p = (const char *)data, .len = size, .max_string = 65536,
                                               .why = why, .why_size = sizeof why };
                int r = FUZZ_PARSER == 0 ? intake_am_parse(&t, &b, &fe) : intake_am_webhook_parse(&t, &b, &fe);
                if (r == 0)
                        intake_batch_fini(&b);
                return 0;
        }
        json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!j)
                return 0;
        switch (FUZZ_PARSER) {
        case 2: {
                struct pd_event ev;
                if (intake_pd_parse(j, &ev, &fe) == 0) {
                        const char *dk = ev.dedup_key ? ev.dedup_key : "generated";
                        if (intake_pd_batch(&ev, "svc", dk, &b) >= 0)
                                intake_batch_fini(&b);
                        else
                                intake_batch_fini(&b);
                }
                break;
        }
        default:
                if (intake_json_parse(j, &b, &fe) == 0)
                        intake_batch_fini(&b);
                break;
        }
        json_decref(j);
        return 0;
}
