/* The syslog and CEF parser: messages as rsyslog, logger and security
 * appliances write them, and the malformed ones it must refuse. */
#include "core/error.h"
#include "intake/intake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define NOW INT64_C(1795392000000000) /* 2026-11-23T00:00:00Z */

static const struct syslog_opts opts = { .min_severity = 7, .resolve_timeout = 3600 * VG_USEC_PER_SEC,
                                         .peer = "192.0.2.10" };

static struct intake_batch parse_ok(const char *msg)
{
        struct intake_batch b;
        char why[256];
        int r = intake_syslog_parse(msg, strlen(msg), &opts, NOW, &b, why, sizeof why);
        if (r != 0)
                fail_msg("'%s' refused (%d): %s", msg, r, why);
        assert_int_equal(b.n, 1);
        return b;
}

static const char *lab(const struct intake_batch *b, const char *name)
{
        return labelset_get(&b->alerts[0].labels, name);
}

static const char *ann(const struct intake_batch *b, const char *path1, const char *path2)
{
        json_t *v = json_object_get(b->alerts[0].annotations, path1);
        if (path2)
                v = json_object_get(v, path2);
        return json_string_value(v);
}

static void rfc5424_with_structured_data(void **state)
{
        (void)state;
        struct intake_batch b = parse_ok(
                "<34>1 2026-11-22T23:59:58.123Z fw-7.example.net sshd 4242 AUTHFAIL "
                "[origin ip=\"192.0.2.1\"][vigil@32473 service=\"bastion\" tenant=\"acme\" note=\"a \\\"q\\\" \\] b\"] "
                "\xEF\xBB\xBF" "Failed password for root from 198.51.100.23 port 2222");
        assert_string_equal(lab(&b, "alertname"), "sshd");
        assert_string_equal(lab(&b, "host"), "fw-7.example.net");
        assert_string_equal(lab(&b, "severity"), "critical"); /* 34 = auth.crit */
        assert_string_equal(lab(&b, "facility"), "auth");
        assert_string_equal(lab(&b, "service"), "bastion");
        assert_string_equal(lab(&b, "tenant"), "acme");
        assert_string_equal(ann(&b, "summary", NULL), "Failed password for root from 198.51.100.23 port 2222");
        assert_string_equal(ann(&b, "syslog", "format"), "rfc5424");
        assert_string_equal(ann(&b, "syslog", "msgid"), "AUTHFAIL");
        assert_string_equal(ann(&b, "syslog", "procid"), "4242");
        assert_string_equal(ann(&b, "syslog", "peer"), "192.0.2.10");
        json_t *sd = json_object_get(json_object_get(b.alerts[0].annotations, "syslog"), "structured_data");
        assert_string_equal(json_string_value(json_object_get(json_object_get(sd, "vigil@32473"), "note")),
                            "a \"q\" ] b");
        assert_int_equal(b.alerts[0].starts_at, NOW - 1877000);
        assert_int_equal(b.alerts[0].ends_at, NOW + 3600 * VG_USEC_PER_SEC);
        intake_batch_fini(&b);

        /* Nil fields and no message. */
        b = parse_ok("<165>1 - - - - - -");
        assert_string_equal(lab(&b, "alertname"), "syslog");
        assert_null(lab(&b, "host"));
        assert_string_equal(lab(&b, "facility"), "local4");
        assert_string_equal(lab(&b, "severity"), "info");
        assert_int_equal(b.alerts[0].starts_at, NOW);
        intake_batch_fini(&b);
}

static void rfc3164_as_logger_sends(void **state)
{
        (void)state;
        struct intake_batch b = parse_ok("<12>Nov 22 23:50:01 web-3 auditd[812]: type=EXECVE argc=3 a0=\"nc\"\n");
        assert_string_equal(lab(&b, "alertname"), "auditd");
        assert_string_equal(lab(&b, "host"), "web-3");
        assert_string_equal(lab(&b, "severity"), "warning");
        assert_string_equal(ann(&b, "syslog", "procid"), "812");
        assert_string_equal(ann(&b, "summary", NULL), "type=EXECVE argc=3 a0=\"nc\"");
        assert_string_equal(ann(&b, "syslog", "timestamp"), "Nov 22 23:50:01");
        intake_batch_fini(&b);
        /* Space-padded day; a date after now is last year's. */
        b = parse_ok("<13>Dec  1 10:00:00 host tag: text");
        assert_string_equal(lab(&b, "alertname"), "tag");
        intake_batch_fini(&b);
        /* Only PRI and text: RFC 3164 says the rest is the message. */
        b = parse_ok("<11>something odd happened");
        assert_string_equal(lab(&b, "alertname"), "syslog");
        assert_string_equal(ann(&b, "summary", NULL), "something odd happened");
        intake_batch_fini(&b);
}

static void cef_fields_and_escapes(void **state)
{
        (void)state;
        struct intake_batch b = parse_ok(
                "<134>1 2026-11-22T23:00:00Z ids-1 - - - - CEF:0|Acme|Sentinel\\|IDS|4.2|1001|"
                "SQL injection attempt|9|src=203.0.113.5 dst=10.0.0.8 suser=bob "
                "msg=union select \\= x\\nnext line cs1Label=service cs1=shop request=/q?a\\=1");
        assert_string_equal(lab(&b, "alertname"), "SQL injection attempt");
        assert_string_equal(lab(&b, "severity"), "critical");
        assert_string_equal(lab(&b, "cef_vendor"), "Acme");
        assert_string_equal(lab(&b, "cef_product"), "Sentinel|IDS");
        assert_string_equal(lab(&b, "signature_id"), "1001");
        assert_string_equal(lab(&b, "src"), "203.0.113.5");
        assert_string_equal(lab(&b, "dst"), "10.0.0.8");
        assert_string_equal(lab(&b, "suser"), "bob");
        assert_string_equal(lab(&b, "service"), "shop");
        assert_string_equal(lab(&b, "host"), "ids-1");
        json_t *ext = json_object_get(json_object_get(b.alerts[0].annotations, "cef"), "extension");
        assert_string_equal(json_string_value(json_object_get(ext, "msg")), "union select = x\nnext line");
        assert_string_equal(json_string_value(json_object_get(ext, "request")), "/q?a=1");
        assert_string_equal(ann(&b, "cef", "device_version"), "4.2");
        intake_batch_fini(&b);
        /* CEF after a BSD header, word severities. */
        b = parse_ok("<14>Nov 22 23:00:00 fw CEF:0|V|P|1|fw-drop|Blocked|Medium|src=192.0.2.77");
        assert_string_equal(lab(&b, "alertname"), "Blocked");
        assert_string_equal(lab(&b, "severity"), "warning");
        assert_string_equal(lab(&b, "host"), "fw");
        assert_string_equal(lab(&b, "src"), "192.0.2.77");
        intake_batch_fini(&b);
}

static void refused_and_dropped(void **state)
{
        (void)state;
        static const struct {
                const char *msg;
                const char *why;
        } bad[] = {
                { "no pri at all", "no <PRI>" },
                { "<192>1 - - - - - -", "no <PRI>" },
                { "<01>x", "no <PRI>" },
                { "<13", "no <PRI>" },
                { "<13>1 yesterday host app - - -", "not RFC 3339" },
                { "<13>1 2026-11-22T00:00:00Z host", "header fields" },
                { "<13>1 - h a p m [unterminated", "structured data" },
                { "<13>1 - h a p m [id k=v]", "structured data" },
                { "<13>1 - h a p m [id k=\"v\"]x", "not followed by a space" },
                { "<13>1 - h a p m -", NULL }, /* fine: no message */
                { "<13>CEF:0|only|three", "CEF header" },
                { "<13>CEF:0|a|b|c|d|e|5|=novalue", "CEF extension" },
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct intake_batch b;
                char why[256];
                int r = intake_syslog_parse(bad[i].msg, strlen(bad[i].msg), &opts, NOW, &b, why, sizeof why);
                if (!bad[i].why) {
                        assert_int_equal(r, 0);
                        intake_batch_fini(&b);
                        continue;
                }
                if (r != -VG_EVALIDATION || !strstr(why, bad[i].why))
                        fail_msg("case %zu '%s': got %d '%s', want '%s'", i, bad[i].msg, r, why, bad[i].why);
                assert_int_equal(b.n, 0);
        }
        /* Below min_severity: dropped on purpose, but never CEF. */
        struct syslog_opts strict = opts;
        strict.min_severity = 4;
        struct intake_batch b;
        char why[256];
        const char *info = "<14>1 - h app - - - all is well";
        assert_int_equal(intake_syslog_parse(info, strlen(info), &strict, NOW, &b, why, sizeof why), 1);
        assert_non_null(strstr(why, "below syslog.min_severity"));
        const char *cef = "<14>1 - h - - - - CEF:0|V|P|1|x|Low one|1|";
        assert_int_equal(intake_syslog_parse(cef, strlen(cef), &strict, NOW, &b, why, sizeof why), 0);
        assert_string_equal(lab(&b, "severity"), "info");
        intake_batch_fini(&b);
}

static void bad_bytes_become_valid_text(void **state)
{
        (void)state;
        const char msg[] = "<11>1 - h\xff\xfe app - - - bad \xc3\x28 utf8 \xe2\x82\xac ok\x01";
        struct intake_batch b;
        char why[256];
        /* A hostname must be printable ASCII. */
        assert_int_equal(intake_syslog_parse(msg, sizeof msg - 1, &opts, NOW, &b, why, sizeof why), -VG_EVALIDATION);
        const char msg2[] = "<11>1 - h app - - - bad \xc3\x28 utf8 \xe2\x82\xac ok\x01 \x00tail";
        assert_int_equal(intake_syslog_parse(msg2, sizeof msg2 - 1, &opts, NOW, &b, why, sizeof why), 0);
        assert_string_equal(ann(&b, "summary", NULL), "bad ?( utf8 \xe2\x82\xac ok   tail");
        intake_batch_fini(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rfc5424_with_structured_data),
                cmocka_unit_test(rfc3164_as_logger_sends),
                cmocka_unit_test(cef_fields_and_escapes),
                cmocka_unit_test(refused_and_dropped),
                cmocka_unit_test(bad_bytes_become_valid_text),
        };
        return cmocka_run_group_tests_name("intake/syslog", tests, NULL, NULL);
}
