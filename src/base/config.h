/* The server's configuration, read from YAML. A loaded config is immutable:
 * SIGHUP loads a new snapshot rather than editing one in place. */
#pragma once

#include "base/log.h"
#include "base/netlist.h"
#include "core/alert.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config_limits {
        size_t max_body;         /* bytes in one request body */
        size_t max_import;       /* bytes in one bulk upload (tenant import) */
        unsigned max_json_depth; /* nesting of arrays and objects */
        size_t max_string;       /* bytes in one JSON string or key */
        unsigned page_default;   /* items per page when none is asked */
        unsigned page_max;       /* most items per page */
};

struct config_session {
        int64_t idle_timeout;     /* seconds without a request */
        int64_t absolute_timeout; /* seconds after sign-in */
};

struct config_login {
        unsigned max_failures_user;    /* per user name per window */
        unsigned max_failures_address; /* per client address per window */
        int64_t window;                /* seconds */
};

/* Reports through the customer portal, each an incident that pages: at
 * most this many per window, per tenant administrator and per tenant. */
struct config_portal {
        unsigned max_reports_user;
        unsigned max_reports_tenant;
        int64_t window; /* seconds */
};

struct config_intake {
        char *token;  /* owns: bearer token monitoring may send instead of an API token; NULL: none */
        char *allow;  /* owns: comma-separated CIDRs whose senders need no credentials; NULL: none */
        struct netlist allow_nets;
        int64_t group_wait;     /* seconds: the default route's */
        int64_t group_interval; /* seconds: the default route's */
        struct alert_routing routing; /* routes in order, and the default */
};

struct config_syslog {
        char *udp;             /* owns: "host:port" to listen on, NULL: none */
        char *tcp;             /* owns */
        char *udp_host, *tcp_host; /* owns: split from udp and tcp */
        uint16_t udp_port, tcp_port;
        char *allow;           /* owns: who may send (addresses, CIDRs); required with a listener */
        struct netlist allow_nets;
        size_t max_message;    /* bytes in one message */
        int min_severity;      /* 0 emerg .. 7 debug: plain messages above it are dropped */
        int64_t resolve_timeout; /* seconds an episode stays open after its last message */
        int64_t idle_timeout;  /* seconds a TCP connection may send nothing before it is closed */
        unsigned max_connections_per_address; /* open TCP connections from one sender address */
        size_t receive_buffer; /* bytes of UDP receive buffer asked of the kernel (SO_RCVBUF) */
};

struct config_smtp {
        char *url;      /* owns: smtp://host:port or smtps://host:port; NULL: no email */
        char *from;     /* owns: the envelope and From address */
        char *username; /* owns: NULL: no AUTH */
        char *password; /* owns */
        char *starttls; /* owns: "auto" (use when offered), "required", "never" */
        int64_t timeout; /* seconds for one message */
};

struct config_notify {
        char *webhook_secret; /* owns: HMAC-SHA256 key for X-Vigil-Signature; NULL: unsigned */
        char *sms_url;        /* owns: HTTP gateway taking {to, text} as JSON; NULL: no SMS */
        int64_t timeout;      /* seconds for one webhook call */
        unsigned max_attempts; /* per message before it is failed */
        unsigned connections;  /* SMTP sessions (and webhook requests) at once */
        bool allow_private_webhooks; /* webhooks may reach internal addresses (netlist_addr_internal) */
};

/* The provider's own facts, for the rules that concern its service
 * (NIS2, CERT-In, FedRAMP): where it operates and what it is. */
struct config_provider {
        char *jurisdictions; /* owns: "DE, IN, US" as written */
        char *sectors;       /* owns: "digital_infrastructure, government" */
        size_t n_jur, n_sectors;
        char jur[32][8];
        char sector[16][32];
        /* Seconds from its anchor to the internal target of a duty "without
         * undue delay" whose rule sets none (provider.asap_target; 24 h;
         * 0 here means the same). */
        int64_t asap_target;
};

struct config {
        char *path;         /* owns: the file it was read from */
        char *listen;       /* owns: "host:port" as written */
        char *listen_host;  /* owns */
        uint16_t listen_port;
        char *database;     /* owns: "sqlite:PATH" or "postgresql://..." */
        char *node;         /* owns: this node's name (logs, /metrics, job leases); the host's */
        char *public_url;   /* owns: "http://127.0.0.1:8080" */
        bool secure_cookies;/* public_url is https */
        enum log_level log_level;
        unsigned threads;   /* HTTP worker threads */
        int64_t shutdown_grace; /* seconds to finish requests on SIGTERM */
        int64_t vigilance_window; /* seconds of enhanced vigilance after recovery */
        struct config_limits limits;
        struct config_session session;
        struct config_login login;
        struct config_portal portal;
        struct config_intake intake;
        struct config_syslog syslog;
        struct config_smtp smtp;
        struct config_notify notify;
        int64_t job_lease; /* seconds a worker holds a job */
        int64_t training_interval; /* seconds between incident-response trainings (IR-2) */
        char *rules;       /* owns: the notification rules file */
        char *web_root;    /* owns: the directory of the web pages */
        struct config_provider provider;
        struct {
                char *two_person;     /* owns: severities whose notices need a second person to release */
                size_t n_two_person;
                char two_person_sev[4][8];
                char *templates;      /* owns: the directory of notice templates */
        } notices;
};

/* Read and validate FILE. On failure returns -VG_ECONFIG (or -errno when the
 * file cannot be read) and writes "FILE:LINE: what is wrong" to err. */
int config_load(const char *path, struct config **ret, char *err, size_t errlen);
/* A config with every default; database and listen must still be set. */
int config_defaults(struct config **ret);
struct config *config_free(struct config *c);
