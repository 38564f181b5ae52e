/* bench/incidents: seed N incidents (default 1,000,000) through the store
 * interface, then time typical list and show queries and print p50/p99.
 * A benchmark, not a test: no assertions on time.
 *
 * usage: bench-incidents [--count N] [--db PATH] [--queries Q]
 */
#include "base/clock.h"
#include "base/secret.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const services[] = { "auth-api", "billing", "storage", "edge", "search",
                                        "ci", "mail", "dns", "admin-portal", "web" };
static const char *const words[] = { "phishing", "ddos", "malware", "leak", "scan", "bruteforce",
                                     "exfiltration", "misconfig", "ransomware", "insider" };

static int cmp(const void *a, const void *b)
{
        vg_usec_t x = *(const vg_usec_t *)a, y = *(const vg_usec_t *)b;
        return x < y ? -1 : x > y;
}

static int count_row(const struct incident *inc, void *userdata)
{
        (void)inc;
        (*(int *)userdata)++;
        return 0;
}

static int count_service(const char *service, void *userdata)
{
        (void)service;
        (*(int *)userdata)++;
        return 0;
}

static int keep_last(const struct incident *inc, void *userdata)
{
        *(int64_t *)userdata = inc->id;
        return 0;
}

struct query {
        const char *name;
        struct incident_filter f;
        bool second_page;
};

static void report(const char *name, vg_usec_t *t, int n)
{
        qsort(t, (size_t)n, sizeof *t, cmp);
        printf("%-42s p50 %8.3f ms   p99 %8.3f ms   (n=%d)\n", name, (double)t[n / 2] / 1000.0,
               (double)t[(n * 99) / 100] / 1000.0, n);
}

int main(int argc, char **argv)
{
        long count = 1000000, queries = 200;
        const char *path = "/tmp/vigil-bench-incidents.db";
        char url[512] = "", err[256];
        struct store *s;

        for (int i = 1; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--count") == 0)
                        count = strtol(argv[i + 1], NULL, 10);
                else if (strcmp(argv[i], "--db") == 0)
                        path = argv[i + 1];
                else if (strcmp(argv[i], "--url") == 0)
                        snprintf(url, sizeof url, "%s", argv[i + 1]);
                else if (strcmp(argv[i], "--queries") == 0)
                        queries = strtol(argv[i + 1], NULL, 10);
        }
        if (secret_init() < 0)
                return 1;
        if (!url[0]) { /* a SQLite file, new; --url names any store, which must be empty */
                snprintf(url, sizeof url, "sqlite:%s", path);
                unlink(path);
        }
        if (store_open(url, &s, err, sizeof err) < 0) {
                fprintf(stderr, "bench: %s\n", err);
                return 1;
        }

        /* Seed in transactions of 10,000, spread over one year. */
        vg_usec_t t0 = clock_mono(), base = INT64_C(1767225600000000); /* 2026-01-01 */
        srand(42);
        for (long i = 0; i < count;) {
                struct store_tx *tx;
                if (store_begin(s, &tx) < 0)
                        return 1;
                for (long k = 0; k < 10000 && i < count; k++, i++) {
                        struct incident inc = { 0 };
                        snprintf(inc.title, sizeof inc.title, "%s on %s #%ld", words[rand() % 10],
                                 services[rand() % 10], i);
                        inc.description = "seeded by bench/incidents";
                        inc.severity = (enum severity)(rand() % SEV__COUNT);
                        inc.source = (enum incident_source)(rand() % SOURCE__COUNT);
                        snprintf(inc.reporter, sizeof inc.reporter, "bench");
                        /* Most incidents are long closed; a few are open. */
                        inc.phase = rand() % 100 < 97 ? PHASE_CLOSED : (enum incident_phase)(rand() % PHASE_CLOSED);
                        inc.classification = (enum incident_class)(rand() % CLASS__COUNT);
                        inc.created_at = inc.updated_at = inc.detected_at = inc.reported_at =
                                base + (vg_usec_t)i * (INT64_C(31536000000000) / count);
                        const char *svc[] = { services[rand() % 10] };
                        if (store_incident_insert(tx, &inc) < 0 ||
                            store_incident_services_set(tx, inc.id, svc, 1) < 0) {
                                fprintf(stderr, "bench: seeding failed at %ld\n", i);
                                return 1;
                        }
                }
                if (store_commit(tx) < 0)
                        return 1;
        }
        double seed_s = (double)(clock_mono() - t0) / 1e6;
        printf("seeded %ld incidents in %.1f s (%.0f/s)\n", count, seed_s, (double)count / seed_s);
        /* What a server's housekeeping would have done by now (PostgreSQL's
         * autovacuum: ANALYZE, so the planner knows the table's size). */
        const char *after = getenv("BENCH_AFTER_SEED");
        fflush(stdout);
        if (after && *after && system(after) != 0)
                fprintf(stderr, "bench: BENCH_AFTER_SEED failed: %s\n", after);

        struct query qs[] = {
                { "list newest 50 (no filter)", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, NULL }, false },
                { "list newest 50, second page", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, NULL }, true },
                { "list open: phase=containment", { PHASE_CONTAINMENT, CLASS__INVALID, SEV__INVALID, NULL, NULL }, false },
                { "list severity=sev1", { PHASE__INVALID, CLASS__INVALID, SEV1, NULL, NULL }, false },
                { "list service=billing", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, "billing", NULL }, false },
                { "list phase=analysis & service=dns", { PHASE_ANALYSIS, CLASS__INVALID, SEV__INVALID, "dns", NULL }, false },
                { "list text='ransomware'", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, "ransomware" }, false },
                { "list phase=eradication & sev1 & service=mail", { PHASE_ERADICATION, CLASS__INVALID, SEV1, "mail", NULL }, false },
                { "list text matching nothing", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, "no-such-words" }, false },
                { "list text='#77777' (11 at 1M)", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, "#77777" }, false },
                { "list text='#4242' (111 at 1M)", { PHASE__INVALID, CLASS__INVALID, SEV__INVALID, NULL, "#4242" }, false },
                { "list text='ransomware' & phase=containment", { PHASE_CONTAINMENT, CLASS__INVALID, SEV__INVALID, NULL, "ransomware" }, false },
        };
        vg_usec_t *t = calloc((size_t)queries, sizeof *t);
        for (size_t q = 0; q < sizeof qs / sizeof qs[0]; q++) {
                for (long i = 0; i < queries; i++) {
                        struct store_tx *tx;
                        int rows = 0;
                        int64_t before = 0;
                        vg_usec_t a = clock_mono();
                        store_begin_read(s, &tx);
                        if (qs[q].second_page)
                                store_incident_list(tx, &qs[q].f, 0, 50, keep_last, &before);
                        store_incident_list(tx, &qs[q].f, before, 50, count_row, &rows);
                        store_rollback(tx);
                        t[i] = clock_mono() - a;
                }
                report(qs[q].name, t, (int)queries);
        }
        /* Show: one incident by key, with its services. */
        for (long i = 0; i < queries; i++) {
                char key[32];
                struct incident inc;
                struct store_tx *tx;
                int n = 0;
                snprintf(key, sizeof key, "INC-2026-%04ld", 1 + (long)rand() % count);
                vg_usec_t a = clock_mono();
                store_begin_read(s, &tx);
                if (store_incident_get(tx, key, &inc) == 0) {
                        store_incident_services_list(tx, inc.id, count_service, &n);
                        incident_fini(&inc);
                }
                store_rollback(tx);
                t[i] = clock_mono() - a;
        }
        report("show one incident by key", t, (int)queries);
        free(t);
        store_close(s);
        return 0;
}
