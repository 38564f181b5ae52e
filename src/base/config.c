#include "base/config.h"

#include "core/error.h"
#include "core/names.h"
#include "core/incident.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* Directives, nginx style: one row per key, the value's type, where it goes
 * and its bounds. A key absent from the table is an error. */
enum dtype { D_STRING, D_UINT, D_SIZE, D_DURATION, D_LOGLEVEL, D_BOOL, D_SECTION, D_CUSTOM };

struct loader;

struct directive {
        const char *section; /* NULL for top level */
        const char *key;
        enum dtype type;
        size_t offset;
        int64_t min, max;
        int (*custom)(struct loader *l, const char *qkey, yaml_node_t *v); /* D_CUSTOM */
};

static int load_group_by(struct loader *l, const char *qkey, yaml_node_t *v);
static int load_syslog_severity(struct loader *l, const char *qkey, yaml_node_t *v);
static int load_routes(struct loader *l, const char *qkey, yaml_node_t *v);

#define OFF(f) offsetof(struct config, f)
static const struct directive directives[] = {
        { NULL, "listen", D_STRING, OFF(listen), 0, 0 },
        { NULL, "database", D_STRING, OFF(database), 0, 0 },
        { NULL, "node", D_STRING, OFF(node), 0, 0 },
        { NULL, "public_url", D_STRING, OFF(public_url), 0, 0 },
        { NULL, "log_level", D_LOGLEVEL, OFF(log_level), 0, 0 },
        { NULL, "threads", D_UINT, OFF(threads), 1, 256 },
        { NULL, "shutdown_grace", D_DURATION, OFF(shutdown_grace), 0, 3600 },
        { NULL, "vigilance_window", D_DURATION, OFF(vigilance_window), 3600, 366 * 86400 },
        { NULL, "limits", D_SECTION, 0, 0, 0 },
        { NULL, "session", D_SECTION, 0, 0, 0 },
        { NULL, "login", D_SECTION, 0, 0, 0 },
        { NULL, "portal", D_SECTION, 0, 0, 0 },
        { "portal", "max_reports_user", D_UINT, OFF(portal.max_reports_user), 1, 10000 },
        { "portal", "max_reports_tenant", D_UINT, OFF(portal.max_reports_tenant), 1, 100000 },
        { "portal", "window", D_DURATION, OFF(portal.window), 1, 7 * 86400 },
        { NULL, "intake", D_SECTION, 0, 0, 0 },
        { "intake", "token", D_STRING, OFF(intake.token), 0, 0 },
        { "intake", "allow", D_STRING, OFF(intake.allow), 0, 0 },
        { "intake", "group_by", D_CUSTOM, 0, 0, 0, load_group_by },
        { "intake", "group_wait", D_DURATION, OFF(intake.group_wait), 0, 86400 },
        { "intake", "group_interval", D_DURATION, OFF(intake.group_interval), 0, 366 * 86400 },
        { "intake", "routes", D_CUSTOM, 0, 0, 0, load_routes },
        { NULL, "syslog", D_SECTION, 0, 0, 0 },
        { "syslog", "udp", D_STRING, OFF(syslog.udp), 0, 0 },
        { "syslog", "tcp", D_STRING, OFF(syslog.tcp), 0, 0 },
        { "syslog", "allow", D_STRING, OFF(syslog.allow), 0, 0 },
        { "syslog", "max_message", D_SIZE, OFF(syslog.max_message), 480, INT64_C(1) << 20 },
        { "syslog", "min_severity", D_CUSTOM, 0, 0, 0, load_syslog_severity },
        { "syslog", "resolve_timeout", D_DURATION, OFF(syslog.resolve_timeout), 60, 30 * 86400 },
        { "syslog", "idle_timeout", D_DURATION, OFF(syslog.idle_timeout), 1, 86400 },
        { "syslog", "max_connections_per_address", D_UINT, OFF(syslog.max_connections_per_address), 1, 256 },
        { "syslog", "receive_buffer", D_SIZE, OFF(syslog.receive_buffer), 4096, INT64_C(256) << 20 },
        { NULL, "smtp", D_SECTION, 0, 0, 0 },
        { "smtp", "url", D_STRING, OFF(smtp.url), 0, 0 },
        { "smtp", "from", D_STRING, OFF(smtp.from), 0, 0 },
        { "smtp", "username", D_STRING, OFF(smtp.username), 0, 0 },
        { "smtp", "password", D_STRING, OFF(smtp.password), 0, 0 },
        { "smtp", "starttls", D_STRING, OFF(smtp.starttls), 0, 0 },
        { "smtp", "timeout", D_DURATION, OFF(smtp.timeout), 1, 600 },
        { NULL, "notify", D_SECTION, 0, 0, 0 },
        { "notify", "webhook_secret", D_STRING, OFF(notify.webhook_secret), 0, 0 },
        { "notify", "timeout", D_DURATION, OFF(notify.timeout), 1, 600 },
        { "notify", "sms_url", D_STRING, OFF(notify.sms_url), 0, 0 },
        { "notify", "max_attempts", D_UINT, OFF(notify.max_attempts), 1, 100 },
        { "notify", "smtp_connections", D_UINT, OFF(notify.connections), 1, 64 },
        { "notify", "allow_private_webhooks", D_BOOL, OFF(notify.allow_private_webhooks), 0, 0 },
        { NULL, "job_lease", D_DURATION, OFF(job_lease), 5, 3600 },
        { NULL, "training_interval", D_DURATION, OFF(training_interval), 86400, 3 * 366 * 86400 },
        { NULL, "rules", D_STRING, OFF(rules), 0, 0 },
        { NULL, "web_root", D_STRING, OFF(web_root), 0, 0 },
        { NULL, "notices", D_SECTION, 0, 0, 0 },
        { "notices", "two_person", D_STRING, OFF(notices.two_person), 0, 0 },
        { "notices", "templates", D_STRING, OFF(notices.templates), 0, 0 },
        { NULL, "provider", D_SECTION, 0, 0, 0 },
        { "provider", "jurisdictions", D_STRING, OFF(provider.jurisdictions), 0, 0 },
        { "provider", "sectors", D_STRING, OFF(provider.sectors), 0, 0 },
        { "provider", "asap_target", D_DURATION, OFF(provider.asap_target), 60, 366 * 86400 },
        { "limits", "max_body", D_SIZE, OFF(limits.max_body), 1024, INT64_C(1) << 30 },
        { "limits", "max_import", D_SIZE, OFF(limits.max_import), 1024, INT64_C(4) << 30 },
        { "limits", "max_json_depth", D_UINT, OFF(limits.max_json_depth), 2, 1000 },
        { "limits", "max_string", D_SIZE, OFF(limits.max_string), 64, INT64_C(1) << 26 },
        { "limits", "page_default", D_UINT, OFF(limits.page_default), 1, 10000 },
        { "limits", "page_max", D_UINT, OFF(limits.page_max), 1, 10000 },
        { "session", "idle_timeout", D_DURATION, OFF(session.idle_timeout), 1, 86400 * 30 },
        { "session", "absolute_timeout", D_DURATION, OFF(session.absolute_timeout), 1, 86400 * 90 },
        { "login", "max_failures_user", D_UINT, OFF(login.max_failures_user), 1, 1000 },
        { "login", "max_failures_address", D_UINT, OFF(login.max_failures_address), 1, 100000 },
        { "login", "window", D_DURATION, OFF(login.window), 1, 86400 },
};
#undef OFF

/* What a node's name may hold (it ends log lines unquoted). */
#define NODE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

int config_defaults(struct config **ret)
{
        struct config *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->listen = strdup("127.0.0.1:8080");
        c->database = strdup("sqlite:var/vigil.db");
        char host[64] = "";
        if (gethostname(host, sizeof host - 1) < 0 || !host[0])
                snprintf(host, sizeof host, "vigil");
        host[strspn(host, NODE_CHARS)] = '\0';
        c->node = strdup(host[0] ? host : "vigil");
        c->public_url = strdup("http://127.0.0.1:8080");
        c->rules = strdup(VIGIL_RULES_DEFAULT);
        c->notices.templates = strdup(VIGIL_TEMPLATES_DEFAULT);
        c->web_root = strdup(VIGIL_WEB_DEFAULT);
        if (!c->listen || !c->database || !c->node || !c->public_url || !c->rules || !c->notices.templates || !c->web_root) {
                config_free(c);
                return -ENOMEM;
        }
        c->log_level = LOG_LVL_INFO;
        c->threads = 4;
        c->shutdown_grace = 10;
        c->vigilance_window = 14 * 86400;
        c->provider.asap_target = 24 * 3600;
        c->limits = (struct config_limits){ .max_body = 1 << 20,
                                            .max_import = 256 << 20,
                                            .max_json_depth = 32,
                                            .max_string = 64 << 10,
                                            .page_default = 50,
                                            .page_max = 500 };
        c->session = (struct config_session){ .idle_timeout = 30 * 60,
                                              .absolute_timeout = 12 * 3600 };
        alert_route_default(&c->intake.routing.def);
        c->syslog.max_message = 64 << 10;
        c->smtp.timeout = 30;
        c->notify.timeout = 10;
        c->notify.max_attempts = 8;
        c->notify.connections = 8;
        c->job_lease = 60;
        c->training_interval = 365 * 86400;
        c->syslog.min_severity = 4; /* warning */
        c->syslog.resolve_timeout = 3600;
        c->syslog.idle_timeout = 600;
        c->syslog.max_connections_per_address = 16;
        c->syslog.receive_buffer = 4 << 20;
        c->login = (struct config_login){ .max_failures_user = 5,
                                          .max_failures_address = 50,
                                          .window = 15 * 60 };
        c->portal = (struct config_portal){ .max_reports_user = 5, .max_reports_tenant = 10, .window = 3600 };
        *ret = c;
        return 0;
}

struct config *config_free(struct config *c)
{
        if (!c)
                return NULL;
        free(c->path);
        free(c->listen);
        free(c->listen_host);
        free(c->database);
        free(c->node);
        free(c->public_url);
        free(c->intake.token);
        free(c->intake.allow);
        alert_routing_fini(&c->intake.routing);
        free(c->syslog.udp);
        free(c->syslog.tcp);
        free(c->syslog.udp_host);
        free(c->syslog.tcp_host);
        free(c->syslog.allow);
        free(c->rules);
        free(c->web_root);
        free(c->notices.two_person);
        free(c->notices.templates);
        free(c->provider.jurisdictions);
        free(c->provider.sectors);
        free(c->smtp.url);
        free(c->smtp.from);
        free(c->smtp.username);
        if (c->smtp.password)
                memset(c->smtp.password, 0, strlen(c->smtp.password));
        free(c->smtp.password);
        free(c->smtp.starttls);
        if (c->notify.webhook_secret)
                memset(c->notify.webhook_secret, 0, strlen(c->notify.webhook_secret));
        free(c->notify.webhook_secret);
        free(c->notify.sms_url);
        free(c);
        return NULL;
}

/* "90" or "90s", "15m", "12h", "7d" -> seconds. */
static int parse_duration(const char *s, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || v < 0)
                return -EINVAL;
        int64_t mul = 1;
        if (*end == '\0' || strcmp(end, "s") == 0)
                mul = 1;
        else if (strcmp(end, "m") == 0)
                mul = 60;
        else if (strcmp(end, "h") == 0)
                mul = 3600;
        else if (strcmp(end, "d") == 0)
                mul = 86400;
        else
                return -EINVAL;
        if (v > INT64_MAX / mul)
                return -ERANGE;
        *ret = v * mul;
        return 0;
}

/* "1048576", "64KiB", "1MiB", "1GiB" -> bytes. */
static int parse_size(const char *s, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || v < 0)
                return -EINVAL;
        int shift = 0;
        if (*end == '\0' || strcmp(end, "B") == 0)
                shift = 0;
        else if (strcmp(end, "KiB") == 0)
                shift = 10;
        else if (strcmp(end, "MiB") == 0)
                shift = 20;
        else if (strcmp(end, "GiB") == 0)
                shift = 30;
        else
                return -EINVAL;
        if (v > (INT64_MAX >> shift))
                return -ERANGE;
        *ret = (int64_t)v << shift;
        return 0;
}

static int parse_uint(const char *s, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end || v < 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

#define N_DIRECTIVES (sizeof directives / sizeof directives[0])

struct loader {
        const char *path;
        yaml_document_t *doc;
        struct config *c;
        char *err;
        size_t errlen;
        yaml_node_t *node_of[N_DIRECTIVES]; /* where each key was set, for errors */
};

static int fail(struct loader *l, const yaml_node_t *n, const char *fmt, const char *a,
                const char *b)
{
        char msg[512];
        snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
        snprintf(l->err, l->errlen, "%s:%lu: %s", l->path,
                 n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
        return -VG_ECONFIG;
}

static const struct directive *find_directive(const char *section, const char *key)
{
        for (size_t i = 0; i < N_DIRECTIVES; i++) {
                const struct directive *d = &directives[i];
                if (((!section && !d->section) ||
                     (section && d->section && strcmp(section, d->section) == 0)) &&
                    strcmp(key, d->key) == 0)
                        return d;
        }
        return NULL;
}

static int load_mapping(struct loader *l, const char *section, yaml_node_t *map);

static int load_value(struct loader *l, const char *section, const char *key,
                      const struct directive *d, yaml_node_t *v)
{
        char qkey[128];
        snprintf(qkey, sizeof qkey, "%s%s%s", section ? section : "", section ? "." : "", key);

        if (d->type == D_SECTION) {
                if (v->type != YAML_MAPPING_NODE)
                        return fail(l, v, "key '%s': expected a mapping%s", qkey, NULL);
                return load_mapping(l, key, v);
        }
        if (d->type == D_CUSTOM)
                return d->custom(l, qkey, v);
        if (v->type != YAML_SCALAR_NODE)
                return fail(l, v, "key '%s': expected a single value%s", qkey, NULL);

        const char *s = (const char *)v->data.scalar.value;
        void *dst = (char *)l->c + d->offset;
        int64_t n = 0;
        int r = 0;

        switch (d->type) {
        case D_STRING: {
                if (!*s)
                        return fail(l, v, "key '%s': must not be empty%s", qkey, NULL);
                char *dup = strdup(s);
                if (!dup)
                        return -ENOMEM;
                free(*(char **)dst);
                *(char **)dst = dup;
                return 0;
        }
        case D_LOGLEVEL:
                r = log_level_from_string(s);
                if (r < 0)
                        return fail(l, v, "key '%s': '%s' is not one of error, warn, info, debug",
                                    qkey, s);
                *(enum log_level *)dst = (enum log_level)r;
                return 0;
        case D_BOOL:
                /* Only the two YAML 1.2 words: "no" or "off" for a switch
                 * that opens a door would be read differently by people. */
                if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
                        return fail(l, v, "key '%s': '%s' is not true or false", qkey, s);
                *(bool *)dst = strcmp(s, "true") == 0;
                return 0;
        case D_UINT:
                r = parse_uint(s, &n);
                break;
        case D_SIZE:
                r = parse_size(s, &n);
                break;
        case D_DURATION:
                r = parse_duration(s, &n);
                break;
        case D_SECTION:
        case D_CUSTOM:
                break;
        }
        if (r < 0) {
                const char *what = d->type == D_SIZE       ? "'%s': not a size (like 1048576, 64KiB, 1MiB)"
                                   : d->type == D_DURATION ? "'%s': not a duration (like 90s, 15m, 12h, 7d)"
                                                           : "'%s': not a whole number";
                char fmt[160];
                snprintf(fmt, sizeof fmt, "key %s", what);
                return fail(l, v, fmt, qkey, NULL);
        }
        if (n < d->min || n > d->max) {
                char range[80];
                snprintf(range, sizeof range, "%" PRId64 " to %" PRId64, d->min, d->max);
                return fail(l, v, "key '%s': out of range (%s)", qkey, range);
        }
        if (d->type == D_UINT)
                *(unsigned *)dst = (unsigned)n;
        else if (d->type == D_SIZE)
                *(size_t *)dst = (size_t)n;
        else
                *(int64_t *)dst = n;
        return 0;
}

static int load_mapping(struct loader *l, const char *section, yaml_node_t *map)
{
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
                yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
                if (!k || !v || k->type != YAML_SCALAR_NODE)
                        return fail(l, k, "keys must be plain names%s%s", NULL, NULL);
                const char *key = (const char *)k->data.scalar.value;
                const struct directive *d = find_directive(section, key);
                if (!d) {
                        if (section)
                                return fail(l, k, "unknown key '%s' in '%s'", key, section);
                        return fail(l, k, "unknown key '%s'%s", key, NULL);
                }
                l->node_of[d - directives] = k;
                int r = load_value(l, section, key, d, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Split "host:port" / "[v6]:port"; checks the port range. */
/* "host:port" / "[v6]:port" into *host and *port; checks the port range. */
static int split_hostport(const char *s, char **host, uint16_t *ret_port)
{
        const char *colon = strrchr(s, ':');
        if (!colon || colon == s)
                return -EINVAL;
        int64_t port;
        if (parse_uint(colon + 1, &port) < 0 || port < 0 || port > 65535)
                return -EINVAL;
        const char *h = s;
        size_t hl = (size_t)(colon - s);
        if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
                h++;
                hl -= 2;
        }
        free(*host);
        *host = strndup(h, hl);
        if (!*host)
                return -ENOMEM;
        *ret_port = (uint16_t)port;
        return 0;
}

static int split_listen(struct config *c)
{
        return split_hostport(c->listen, &c->listen_host, &c->listen_port);
}

static const char *const syslog_severities[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

static int load_syslog_severity(struct loader *l, const char *qkey, yaml_node_t *v)
{
        const char *s = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
        for (int i = 0; i < 8; i++)
                if (strcmp(s, syslog_severities[i]) == 0) {
                        l->c->syslog.min_severity = i;
                        return 0;
                }
        return fail(l, v, "key '%s': '%s' is not one of emerg, alert, crit, err, warning, notice, info, debug",
                    qkey, s);
}

/* The node where key was set, or the root when it was left at its default. */
static yaml_node_t *where(struct loader *l, yaml_node_t *root, const char *section, const char *key)
{
        const struct directive *d = find_directive(section, key);
        yaml_node_t *n = d ? l->node_of[d - directives] : NULL;
        return n ? n : root;
}


/* group_by: a list of label names, or "..." for every label. */
static int group_by_into(struct loader *l, const char *qkey, yaml_node_t *v, struct alert_route *r)
{
        r->n_group_by = 0;
        r->group_all = false;
        if (v->type == YAML_SCALAR_NODE && strcmp((const char *)v->data.scalar.value, "...") == 0) {
                r->group_all = true;
                return 0;
        }
        if (v->type != YAML_SEQUENCE_NODE)
                return fail(l, v, "key '%s': expected a list of label names, or '...'%s", qkey, NULL);
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                yaml_node_t *e = yaml_document_get_node(l->doc, *it);
                const char *name = e && e->type == YAML_SCALAR_NODE ? (const char *)e->data.scalar.value : NULL;
                if (name && strcmp(name, "...") == 0) {
                        r->group_all = true;
                        continue;
                }
                if (!name || !label_name_valid(name))
                        return fail(l, e ? e : v, "key '%s': '%s' is not a label name", qkey, name ? name : "");
                if (r->n_group_by == ROUTE_GROUP_BY_MAX)
                        return fail(l, e, "key '%s': more than 16 labels%s", qkey, NULL);
                snprintf(r->group_by[r->n_group_by++], LABEL_NAME_MAX, "%s", name);
        }
        return 0;
}

static int load_group_by(struct loader *l, const char *qkey, yaml_node_t *v)
{
        return group_by_into(l, qkey, v, &l->c->intake.routing.def);
}

static int scalar_of(struct loader *l, const char *qkey, yaml_node_t *v, const char **ret)
{
        if (v->type != YAML_SCALAR_NODE || !*(const char *)v->data.scalar.value)
                return fail(l, v, "key '%s': expected a single value%s", qkey, NULL);
        *ret = (const char *)v->data.scalar.value;
        return 0;
}

/* One entry of intake.routes. Durations left out stay -1 and are filled
 * from intake.group_wait and intake.group_interval in finish(). */
static int load_route(struct loader *l, size_t idx, yaml_node_t *map, struct alert_route *r)
{
        char qkey[96];
        bool has_group_by = false;
        r->group_wait = r->group_interval = -1;
        snprintf(r->name, sizeof r->name, "routes[%zu]", idx);
        snprintf(qkey, sizeof qkey, "intake.routes[%zu]", idx);
        if (!map || map->type != YAML_MAPPING_NODE)
                return fail(l, map, "key '%s': expected a mapping of match, service, group_by, group_wait, "
                                    "group_interval, name%s", qkey, NULL);
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
                const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
                const char *s;
                int64_t secs;
                snprintf(qkey, sizeof qkey, "intake.routes[%zu].%s", idx, key);
                if (!v)
                        return fail(l, k, "key '%s': no value%s", qkey, NULL);
                if (strcmp(key, "name") == 0) {
                        if (scalar_of(l, qkey, v, &s) < 0)
                                return -VG_ECONFIG;
                        if (strlen(s) >= sizeof r->name || strpbrk(s, "{}\"\\"))
                                return fail(l, v, "key '%s': '%s' is too long or has {, }, \" or \\", qkey, s);
                        snprintf(r->name, sizeof r->name, "%s", s);
                } else if (strcmp(key, "service") == 0) {
                        if (scalar_of(l, qkey, v, &s) < 0)
                                return -VG_ECONFIG;
                        if (!tenant_id_valid(s))
                                return fail(l, v, "key '%s': '%s' is not a service name (1-64 of A-Z a-z 0-9 . _ -)", qkey, s);
                        snprintf(r->service, sizeof r->service, "%s", s);
                } else if (strcmp(key, "group_by") == 0) {
                        if (group_by_into(l, qkey, v, r) < 0)
                                return -VG_ECONFIG;
                        has_group_by = true;
                } else if (strcmp(key, "group_wait") == 0 || strcmp(key, "group_interval") == 0) {
                        if (scalar_of(l, qkey, v, &s) < 0)
                                return -VG_ECONFIG;
                        if (parse_duration(s, &secs) < 0 || secs > 366 * 86400)
                                return fail(l, v, "key '%s': '%s': not a duration (like 90s, 15m, 12h, 7d)", qkey, s);
                        *(key[6] == 'w' ? &r->group_wait : &r->group_interval) = secs;
                } else if (strcmp(key, "match") == 0) {
                        if (v->type != YAML_SEQUENCE_NODE)
                                return fail(l, v, "key '%s': expected a list of matchers like 'severity=\"critical\"'%s", qkey, NULL);
                        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
                        if (n > ROUTE_MATCHERS_MAX)
                                return fail(l, v, "key '%s': more than 16 matchers%s", qkey, NULL);
                        alert_route_fini(r);
                        r->m = calloc(n ? n : 1, sizeof *r->m);
                        if (!r->m)
                                return -ENOMEM;
                        for (size_t i = 0; i < n; i++) {
                                yaml_node_t *e = yaml_document_get_node(l->doc, v->data.sequence.items.start[i]);
                                struct field_errors fe;
                                fielderr_init(&fe);
                                if (!e || e->type != YAML_SCALAR_NODE ||
                                    matcher_parse(&r->m[i], (const char *)e->data.scalar.value, &fe, qkey) < 0)
                                        return fail(l, e ? e : v, "key '%s': %s", qkey,
                                                    fe.n ? fe.e[0].message : "expected a matcher");
                                r->n_m = i + 1;
                        }
                } else {
                        return fail(l, k, "unknown key '%s' in 'intake.routes' (match, service, group_by, group_wait, "
                                          "group_interval, name)%s", key, NULL);
                }
        }
        if (!has_group_by)
                r->n_group_by = SIZE_MAX; /* inherit: filled in routing_finish() */
        return 0;
}

static int load_routes(struct loader *l, const char *qkey, yaml_node_t *v)
{
        struct alert_routing *rt = &l->c->intake.routing;
        if (v->type != YAML_SEQUENCE_NODE)
                return fail(l, v, "key '%s': expected a list of routes%s", qkey, NULL);
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n > 1000)
                return fail(l, v, "key '%s': more than 1000 routes%s", qkey, NULL);
        for (size_t i = 0; i < rt->n; i++)
                alert_route_fini(&rt->routes[i]);
        free(rt->routes);
        rt->n = 0;
        rt->routes = calloc(n ? n : 1, sizeof *rt->routes);
        if (!rt->routes)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                rt->n = i + 1; /* so config_free releases what this one holds */
                int r = load_route(l, i, yaml_document_get_node(l->doc, v->data.sequence.items.start[i]),
                                   &rt->routes[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Routes inherit what they leave out from the default route; durations
 * become microseconds. */
static void routing_finish(struct config_intake *in)
{
        struct alert_route *def = &in->routing.def;
        def->group_wait = in->group_wait * VG_USEC_PER_SEC;
        def->group_interval = in->group_interval * VG_USEC_PER_SEC;
        for (size_t i = 0; i < in->routing.n; i++) {
                struct alert_route *r = &in->routing.routes[i];
                if (r->n_group_by == SIZE_MAX) {
                        memcpy(r->group_by, def->group_by, sizeof r->group_by);
                        r->n_group_by = def->n_group_by;
                        r->group_all = def->group_all;
                }
                r->group_wait = r->group_wait < 0 ? def->group_wait : r->group_wait * VG_USEC_PER_SEC;
                r->group_interval = r->group_interval < 0 ? def->group_interval : r->group_interval * VG_USEC_PER_SEC;
        }
}

/* "a, b c" into out[][width]; -EINVAL when an item is too long or too many. */
static int split_list(const char *text, char *out, size_t width, size_t max, size_t *n)
{
        char buf[1024];
        *n = 0;
        if (!text)
                return 0;
        if (strlen(text) >= sizeof buf)
                return -EINVAL;
        snprintf(buf, sizeof buf, "%s", text);
        char *save = NULL;
        for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                if (*n == max || strlen(t) >= width)
                        return -EINVAL;
                snprintf(out + *n * width, width, "%s", t);
                (*n)++;
        }
        return 0;
}

static int finish(struct loader *l, yaml_node_t *root)
{
        struct config *c = l->c;
        if (netlist_parse(c->intake.allow, &c->intake.allow_nets) < 0)
                return fail(l, where(l, root, "intake", "allow"),
                            "key 'intake.allow': '%s' is not a comma-separated list of addresses or CIDRs (at most 32)",
                            c->intake.allow, NULL);
        if (c->intake.token && strlen(c->intake.token) < 16)
                return fail(l, where(l, root, "intake", "token"),
                            "key 'intake.token': must be at least 16 characters%s%s", NULL, NULL);
        routing_finish(&c->intake);
        if (split_list(c->provider.jurisdictions, &c->provider.jur[0][0], sizeof c->provider.jur[0], 32, &c->provider.n_jur) < 0)
                return fail(l, where(l, root, "provider", "jurisdictions"),
                            "key 'provider.jurisdictions': '%s' is not a list of ISO 3166 codes (at most 32)%s",
                            c->provider.jurisdictions, NULL);
        if (split_list(c->notices.two_person, &c->notices.two_person_sev[0][0], sizeof c->notices.two_person_sev[0], 4,
                       &c->notices.n_two_person) < 0)
                return fail(l, where(l, root, "notices", "two_person"),
                            "key 'notices.two_person': '%s' is not a list of severities (sev1..sev4)%s",
                            c->notices.two_person, NULL);
        for (size_t i = 0; i < c->notices.n_two_person; i++)
                if (severity_from_string(c->notices.two_person_sev[i]) == SEV__INVALID)
                        return fail(l, where(l, root, "notices", "two_person"),
                                    "key 'notices.two_person': '%s' is not a severity (sev1..sev4)%s",
                                    c->notices.two_person_sev[i], NULL);
        if (split_list(c->provider.sectors, &c->provider.sector[0][0], sizeof c->provider.sector[0], 16,
                       &c->provider.n_sectors) < 0)
                return fail(l, where(l, root, "provider", "sectors"), "key 'provider.sectors': '%s' is not a list of sectors%s",
                            c->provider.sectors, NULL);
        if (c->smtp.url && strncmp(c->smtp.url, "smtp://", 7) != 0 && strncmp(c->smtp.url, "smtps://", 8) != 0)
                return fail(l, where(l, root, "smtp", "url"), "key 'smtp.url': '%s' must start with smtp:// or smtps://%s",
                            c->smtp.url, NULL);
        if (c->smtp.url && !c->smtp.from)
                return fail(l, where(l, root, "smtp", "url"), "key 'smtp.from': required with smtp.url%s%s", NULL, NULL);
        if (c->smtp.starttls && strcmp(c->smtp.starttls, "auto") != 0 && strcmp(c->smtp.starttls, "required") != 0 &&
            strcmp(c->smtp.starttls, "never") != 0)
                return fail(l, where(l, root, "smtp", "starttls"), "key 'smtp.starttls': '%s' is not auto, required or never%s",
                            c->smtp.starttls, NULL);
        if (c->syslog.udp && split_hostport(c->syslog.udp, &c->syslog.udp_host, &c->syslog.udp_port) < 0)
                return fail(l, where(l, root, "syslog", "udp"), "key 'syslog.udp': '%s' is not HOST:PORT%s",
                            c->syslog.udp, NULL);
        if (c->syslog.tcp && split_hostport(c->syslog.tcp, &c->syslog.tcp_host, &c->syslog.tcp_port) < 0)
                return fail(l, where(l, root, "syslog", "tcp"), "key 'syslog.tcp': '%s' is not HOST:PORT%s",
                            c->syslog.tcp, NULL);
        if (netlist_parse(c->syslog.allow, &c->syslog.allow_nets) < 0)
                return fail(l, where(l, root, "syslog", "allow"),
                            "key 'syslog.allow': '%s' is not a comma-separated list of addresses or CIDRs (at most 32)",
                            c->syslog.allow, NULL);
        if ((c->syslog.udp || c->syslog.tcp) && !c->syslog.allow)
                return fail(l, where(l, root, NULL, "syslog"),
                            "key 'syslog.allow': required with syslog.udp or syslog.tcp (syslog senders cannot "
                            "authenticate, so say which addresses may send)%s%s", NULL, NULL);
        if (split_listen(c) < 0)
                return fail(l, where(l, root, NULL, "listen"), "key 'listen': '%s' is not HOST:PORT%s", c->listen, NULL);
        if (!(strncmp(c->database, "sqlite:", 7) == 0 && c->database[7]) &&
            strncmp(c->database, "postgresql://", 13) != 0 && strncmp(c->database, "postgres://", 11) != 0)
                return fail(l, where(l, root, NULL, "database"),
                            "key 'database': expected sqlite:PATH or a postgresql://... URL%s%s", NULL, NULL);
        size_t node_len = strlen(c->node);
        if (node_len == 0 || node_len > 63 ||
            strspn(c->node, NODE_CHARS) != node_len)
                return fail(l, where(l, root, NULL, "node"),
                            "key 'node': 1 to 63 letters, digits, '.', '-' or '_'%s%s", NULL, NULL);
        if (strncmp(c->public_url, "http://", 7) != 0 && strncmp(c->public_url, "https://", 8) != 0)
                return fail(l, where(l, root, NULL, "public_url"), "key 'public_url': '%s' must start with http:// or https://",
                            c->public_url, NULL);
        c->secure_cookies = strncmp(c->public_url, "https://", 8) == 0;
        if (c->limits.page_default > c->limits.page_max)
                return fail(l, where(l, root, "limits", "page_default"), "key 'limits.page_default': larger than limits.page_max%s%s",
                            NULL, NULL);
        if (c->session.idle_timeout > c->session.absolute_timeout)
                return fail(l, where(l, root, "session", "idle_timeout"),
                            "key 'session.idle_timeout': longer than session.absolute_timeout%s%s",
                            NULL, NULL);
        return 0;
}

int config_load(const char *path, struct config **ret, char *err, size_t errlen)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        struct config *c = NULL;
        int r;

        FILE *f = fopen(path, "rb");
        if (!f) {
                r = -errno;
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return r;
        }
        r = config_defaults(&c);
        if (r < 0) {
                fclose(f);
                return r;
        }
        c->path = strdup(path);
        if (!c->path || !yaml_parser_initialize(&parser)) {
                fclose(f);
                config_free(c);
                return -ENOMEM;
        }
        yaml_parser_set_input_file(&parser, f);
        if (!yaml_parser_load(&parser, &doc)) {
                snprintf(err, errlen, "%s:%lu: %s", path,
                         (unsigned long)parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "not valid YAML");
                yaml_parser_delete(&parser);
                fclose(f);
                config_free(c);
                return -VG_ECONFIG;
        }
        struct loader l = { .path = path, .doc = &doc, .c = c, .err = err, .errlen = errlen };
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
                r = fail(&l, NULL, "the file is empty%s%s", NULL, NULL);
        } else if (root->type != YAML_MAPPING_NODE) {
                r = fail(&l, root, "the top level must be a mapping of keys%s%s", NULL, NULL);
        } else {
                r = load_mapping(&l, NULL, root);
                if (r >= 0)
                        r = finish(&l, root);
        }
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        fclose(f);
        if (r < 0) {
                config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}
