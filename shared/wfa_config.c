/*  wfa_config.c - the option table and a small logger.

    Values are set once at start-up, before any thread starts, and only
    read afterwards, so they need no locking. */
#include "wfa.h"

const wfa_option_t wfa_options [WFA_CFG_COUNT] = {
    [WFA_CFG_REDIS] = { "redis", "WFA_REDIS", "127.0.0.1:7379",
        "Redis address host:port" },
    [WFA_CFG_BROKER] = { "broker", "WFA_BROKER", "tcp://127.0.0.1:7401",
        "broker backend endpoint(s), comma-separated, that service workers connect to" },
    [WFA_CFG_FRONTEND] = { "frontend", "WFA_FRONTEND", "tcp://127.0.0.1:7400",
        "broker: endpoint to bind for clients" },
    [WFA_CFG_BACKEND] = { "backend", "WFA_BACKEND", "tcp://127.0.0.1:7401",
        "broker: endpoint to bind for service workers" },
    [WFA_CFG_ENDPOINT] = { "endpoint", "WFA_ENDPOINT", "tcp://127.0.0.1:7400",
        "clients: broker frontend endpoint(s), comma-separated" },
    [WFA_CFG_REDELIVER_MS] = { "redeliver-ms", "WFA_REDELIVER_MS", "5000",
        "ms an event may stay unacknowledged before another consumer takes it" },
    [WFA_CFG_IDEM_TTL] = { "idem-ttl", "WFA_IDEM_TTL", "86400",
        "seconds an idempotency key and its answer are remembered" },
    [WFA_CFG_RETENTION_H] = { "retention-h", "WFA_RETENTION_H", "24",
        "hours an event acknowledged by every group stays in the outbox" },
    [WFA_CFG_TRIM_MS] = { "trim-ms", "WFA_TRIM_MS", "60000",
        "ms between two trims of the outboxes by each consumer (tests shorten it)" },
    [WFA_CFG_TIMEOUT_MS] = { "timeout-ms", "WFA_TIMEOUT_MS", "3000",
        "clients: ms to wait for a reply before retrying" },
    [WFA_CFG_RETRIES] = { "retries", "WFA_RETRIES", "3",
        "clients: tries before giving up with TIMEOUT" },
    [WFA_CFG_SLA_HOUR_MS] = { "sla-hour-ms", "WFA_SLA_HOUR_MS", "3600000",
        "ms in one hour of an approval SLA (only tests and demos change it; then no calendar)" },
    [WFA_CFG_VERBOSE] = { "verbose", "WFA_VERBOSE", "0",
        "1 logs every call and event" },
    [WFA_CFG_METRICS_ADDR] = { "metrics-addr", "WFA_METRICS_ADDR", "",
        "host:port to serve Prometheus metrics on at /metrics (empty: off)" },
    [WFA_CFG_KEYS] = { "keys", "WFA_KEYS", "var/keys",
        "folder of CURVE certificates (broker, services, people) and the audit key" },
    [WFA_CFG_REDIS_USER] = { "redis-user", "WFA_REDIS_USER", "",
        "Redis ACL user to sign in as (empty: the service's own name)" },
    [WFA_CFG_REDIS_PASSWORD_FILE] = { "redis-password-file", "WFA_REDIS_PASSWORD_FILE", "",
        "file holding the Redis user's password (empty: no AUTH)" },
    [WFA_CFG_AUDIT_ANCHORS] = { "audit-anchors", "WFA_AUDIT_ANCHORS", "var/audit/anchors.log",
        "append-only file the audit chain heads are anchored in, outside Redis" },
    [WFA_CFG_AUDIT_ANCHOR_MS] = { "audit-anchor-ms", "WFA_AUDIT_ANCHOR_MS", "60000",
        "ms between two anchors of a pemda's audit seal (only when it moved)" },
    [WFA_CFG_LIBRARY_CHECK_MS] = { "library-check-ms", "WFA_LIBRARY_CHECK_MS", "10000",
        "ms between two checks that the Lua library in Redis is this build's, word for word" },
    [WFA_CFG_HTTP] = { "http", "WFA_HTTP", "127.0.0.1:7480",
        "gateway: host:port to serve HTTP/JSON on (/v1/)" },
    [WFA_CFG_HTTP_THREADS] = { "http-threads", "WFA_HTTP_THREADS", "16",
        "gateway: threads serving HTTP, each with its own broker socket and Redis connection" },
    [WFA_CFG_HTTP_PER_IP] = { "http-per-ip", "WFA_HTTP_PER_IP", "64",
        "gateway: connections one client address may hold at once (more are closed at once)" },
    [WFA_CFG_HTTP_TIMEOUT_S] = { "http-timeout-s", "WFA_HTTP_TIMEOUT_S", "30",
        "gateway: seconds a connection may stay idle, mid-request or between requests" },
    [WFA_CFG_HTTP_BODY_BUDGET] = { "http-body-budget", "WFA_HTTP_BODY_BUDGET", "67108864",
        "gateway: request body bytes held over all connections at once (past it: 503, Retry-After)" },
    [WFA_CFG_HTTP_CALL_TRIES] = { "http-call-tries", "WFA_HTTP_CALL_TRIES", "2",
        "gateway: tries of one native call (each of timeout-ms, within http-deadline-ms)" },
    [WFA_CFG_HTTP_DEADLINE_MS] = { "http-deadline-ms", "WFA_HTTP_DEADLINE_MS", "5000",
        "gateway: the most one native call may take over all its tries, then 503 TIMEOUT" },
    [WFA_CFG_RATE_TOKEN] = { "rate-token", "WFA_RATE_TOKEN", "20",
        "gateway: requests per second one credential may make, over every gateway (a decimal; 0: no limit)" },
    [WFA_CFG_RATE_TOKEN_BURST] = { "rate-token-burst", "WFA_RATE_TOKEN_BURST", "40",
        "gateway: requests one credential may make at once beyond its rate" },
    [WFA_CFG_RATE_PEMDA] = { "rate-pemda", "WFA_RATE_PEMDA", "200",
        "gateway: requests per second all the credentials of one pemda may make (a decimal; 0: no limit)" },
    [WFA_CFG_RATE_PEMDA_BURST] = { "rate-pemda-burst", "WFA_RATE_PEMDA_BURST", "400",
        "gateway: requests one pemda's credentials may make at once beyond its rate" },
    [WFA_CFG_JWT_LEEWAY_S] = { "jwt-leeway-s", "WFA_JWT_LEEWAY_S", "60",
        "gateway: seconds of clock leeway for an OIDC token's exp and nbf" },
    [WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK] = { "idp-allow-http-loopback", "WFA_IDP_ALLOW_HTTP_LOOPBACK", "0",
        "for tests only: 1 lets a jwks_uri be plain http on 127.0.0.1 or localhost (else https only)" },
    [WFA_CFG_SMTP_URL] = { "smtp-url", "WFA_SMTP_URL", "",
        "notifications: SMTP server for email, smtp://host:port or smtps://host:port (empty: email off)" },
    [WFA_CFG_SMTP_FROM] = { "smtp-from", "WFA_SMTP_FROM", "fleksi@localhost.localdomain",
        "notifications: the From address of email (its domain ends each Message-ID)" },
    [WFA_CFG_SMTP_USER] = { "smtp-user", "WFA_SMTP_USER", "",
        "notifications: SMTP AUTH user name (empty: no AUTH)" },
    [WFA_CFG_SMTP_PASSWORD_FILE] = { "smtp-password-file", "WFA_SMTP_PASSWORD_FILE", "",
        "notifications: file holding the SMTP AUTH password" },
    [WFA_CFG_SMTP_TLS] = { "smtp-tls", "WFA_SMTP_TLS", "try",
        "notifications: STARTTLS on smtp://: off, try (when offered) or require" },
    [WFA_CFG_SMTP_TIMEOUT_MS] = { "smtp-timeout-ms", "WFA_SMTP_TIMEOUT_MS", "20000",
        "notifications: the longest one email's SMTP exchange may take (ms); its send claim lasts a second more" },
    [WFA_CFG_EMAIL_TRIES] = { "email-tries", "WFA_EMAIL_TRIES", "8",
        "notifications: tries of one email on transient failures (4xx, no connection) before it is given up" },
    [WFA_CFG_DIGEST_HOUR] = { "digest-hour", "WFA_DIGEST_HOUR", "7",
        "notifications: the local hour (0-23, the pemda's zone) after which each day's email digest is sent; 24 or more: no digest" },
    [WFA_CFG_DELIVER_THREADS] = { "deliver-threads", "WFA_DELIVER_THREADS", "4",
        "notifications: threads sending deliveries (webhooks, email), each with its Redis connection" },
    [WFA_CFG_DELIVER_BASE_MS] = { "deliver-base-ms", "WFA_DELIVER_BASE_MS", "1000",
        "notifications: retry delay after a first failure, doubling per attempt (full jitter)" },
    [WFA_CFG_DELIVER_CAP_MS] = { "deliver-cap-ms", "WFA_DELIVER_CAP_MS", "3600000",
        "notifications: longest retry delay of a delivery" },
    [WFA_CFG_DELIVER_MAX_ATTEMPTS] = { "deliver-max-attempts", "WFA_DELIVER_MAX_ATTEMPTS", "12",
        "notifications: failed attempts after which a delivery is a dead letter of its endpoint" },
    [WFA_CFG_DELIVER_LEASE_MS] = { "deliver-lease-ms", "WFA_DELIVER_LEASE_MS", "60000",
        "notifications: a claimed delivery not recorded sent or failed within this is sent again" },
    [WFA_CFG_DELIVER_TIMEOUT_MS] = { "deliver-timeout-ms", "WFA_DELIVER_TIMEOUT_MS", "10000",
        "notifications: the most one webhook POST may take (connect and answer)" },
    [WFA_CFG_DELIVER_PAUSE_AFTER] = { "deliver-pause-after", "WFA_DELIVER_PAUSE_AFTER", "20",
        "notifications: consecutive failed attempts that pause a webhook endpoint" },
    [WFA_CFG_WEBHOOK_ALLOW_HTTP_LOOPBACK] = { "webhook-allow-http-loopback",
        "WFA_WEBHOOK_ALLOW_HTTP_LOOPBACK", "0",
        "for tests only: 1 lets a webhook URL be plain http on 127.0.0.1 or localhost (else https only)" },
};

static char *s_values [WFA_CFG_COUNT];
static char s_program [32] = "wfa";

static void
s_set (wfa_cfg_t option, const char *value)
{
    free (s_values [option]);
    s_values [option] = strdup (value);
}

//  Load options from the environment, then argv.
int
wfa_config_load (int argc, char **argv)
{
    if (argc > 0 && argv [0]) {
        const char *base = strrchr (argv [0], '/');
        snprintf (s_program, sizeof s_program, "%s", base? base + 1: argv [0]);
    }
    for (int option_nbr = 0; option_nbr < WFA_CFG_COUNT; option_nbr++) {
        const char *env = getenv (wfa_options [option_nbr].env);
        s_set ((wfa_cfg_t) option_nbr, env && *env? env: wfa_options [option_nbr].dflt);
    }
    //  The files of make run live in its data folder, WFA_VAR (default var/)
    const char *var = getenv ("WFA_VAR");
    if (var && *var) {
        char path [PATH_MAX];
        if (!(getenv ("WFA_KEYS") && *getenv ("WFA_KEYS"))) {
            snprintf (path, sizeof path, "%s/keys", var);
            s_set (WFA_CFG_KEYS, path);
        }
        if (!(getenv ("WFA_AUDIT_ANCHORS") && *getenv ("WFA_AUDIT_ANCHORS"))) {
            snprintf (path, sizeof path, "%s/audit/anchors.log", var);
            s_set (WFA_CFG_AUDIT_ANCHORS, path);
        }
    }
    int kept = 1;
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        char *arg = argv [arg_nbr];
        bool matched = false;
        if (strncmp (arg, "--", 2) == 0) {
            for (int option_nbr = 0; option_nbr < WFA_CFG_COUNT && !matched; option_nbr++) {
                const char *name = wfa_options [option_nbr].name;
                size_t len = strlen (name);
                if (strncmp (arg + 2, name, len) != 0)
                    continue;
                if (arg [2 + len] == '=') {
                    s_set ((wfa_cfg_t) option_nbr, arg + 3 + len);
                    matched = true;
                }
                else
                if (arg [2 + len] == 0) {
                    if (streq (name, "verbose"))
                        s_set ((wfa_cfg_t) option_nbr, "1");
                    else
                    if (arg_nbr + 1 < argc)
                        s_set ((wfa_cfg_t) option_nbr, argv [++arg_nbr]);
                    matched = true;
                }
            }
        }
        if (!matched)
            argv [kept++] = arg;
    }
    return argc > 0? kept: 0;
}

const char *
wfa_config_get (wfa_cfg_t option)
{
    if (!s_values [option])
        s_set (option, wfa_options [option].dflt);
    return s_values [option];
}

int64_t
wfa_config_int (wfa_cfg_t option)
{
    return strtoll (wfa_config_get (option), NULL, 10);
}

void
wfa_config_set (wfa_cfg_t option, const char *value)
{
    s_set (option, value);
}

//  Print every option with its value.
void
wfa_config_print (FILE *stream)
{
    for (int option_nbr = 0; option_nbr < WFA_CFG_COUNT; option_nbr++)
        fprintf (stream, "  --%-14s %-18s %s\n      (now: %s)\n",
                 wfa_options [option_nbr].name, wfa_options [option_nbr].env,
                 wfa_options [option_nbr].help,
                 wfa_config_get ((wfa_cfg_t) option_nbr));
}

bool
wfa_verbose (void)
{
    return wfa_config_int (WFA_CFG_VERBOSE) > 0;
}

//  Log a line to stderr.
void
wfa_log (const char *level, const char *format, ...)
{
    char text [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    char now [WFA_DATE_MS_SIZE];
    fprintf (stderr, "%s %s[%d] %s %s\n", wfa_date_format_ms (wfa_now_ms (), now), s_program,
             (int) getpid (), level, text);
}

void
wfa_config_test (bool verbose)
{
    setenv ("WFA_REDELIVER_MS", "1234", 1);
    char *argv [] = { (char *) "/x/wfa-test", (char *) "--redis", (char *) "h:1",
                      (char *) "keep", (char *) "--idem-ttl=9", (char *) "--other",
                      (char *) "--verbose", NULL };
    int argc = wfa_config_load (7, argv);
    assert (argc == 3);
    assert (streq (argv [1], "keep") && streq (argv [2], "--other"));
    assert (streq (wfa_config_get (WFA_CFG_REDIS), "h:1"));
    assert (wfa_config_int (WFA_CFG_REDELIVER_MS) == 1234);
    assert (wfa_config_int (WFA_CFG_IDEM_TTL) == 9);
    assert (wfa_verbose ());
    unsetenv ("WFA_REDELIVER_MS");
    //  Back to defaults for the other tests
    for (int option_nbr = 0; option_nbr < WFA_CFG_COUNT; option_nbr++)
        wfa_config_set ((wfa_cfg_t) option_nbr, wfa_options [option_nbr].dflt);
    assert (!wfa_verbose ());
    if (verbose)
        wfa_config_print (stdout);
}
