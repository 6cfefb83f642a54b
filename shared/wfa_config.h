/*  wfa_config.h - every configuration option, in one table.

    Each option has a name (the --flag), an environment variable and a
    default; a flag beats the environment, which beats the default.
    deploy/fleksi.env is the commented reference. */
#ifndef WFA_CONFIG_H_INCLUDED
#define WFA_CONFIG_H_INCLUDED

typedef enum {
    WFA_CFG_REDIS,              //  host:port of Redis
    WFA_CFG_BROKER,             //  Broker backend endpoint(s) workers connect to
    WFA_CFG_FRONTEND,           //  Broker: bind for clients
    WFA_CFG_BACKEND,            //  Broker: bind for workers
    WFA_CFG_ENDPOINT,           //  Clients: broker frontend endpoint(s)
    WFA_CFG_REDELIVER_MS,       //  Idle time before an unacknowledged event is reclaimed
    WFA_CFG_IDEM_TTL,           //  Seconds an idempotency key is remembered
    WFA_CFG_RETENTION_H,        //  Hours an acknowledged event stays in the outbox
    WFA_CFG_TRIM_MS,            //  How often each consumer trims the outboxes
    WFA_CFG_TIMEOUT_MS,         //  Client: reply timeout per try
    WFA_CFG_RETRIES,            //  Client: tries before TIMEOUT
    WFA_CFG_SLA_HOUR_MS,        //  Length of an SLA hour in ms (tests shorten it)
    WFA_CFG_VERBOSE,            //  1 logs every call and event
    WFA_CFG_METRICS_ADDR,       //  host:port to serve Prometheus metrics on, "" for none
    WFA_CFG_KEYS,               //  Folder of CURVE certificates and the audit key
    WFA_CFG_REDIS_USER,         //  Redis ACL user this process signs in as
    WFA_CFG_REDIS_PASSWORD_FILE,//  File holding that user's password
    WFA_CFG_AUDIT_ANCHORS,      //  Append-only file the audit chain heads are anchored in
    WFA_CFG_AUDIT_ANCHOR_MS,    //  How often the audit seals are anchored there
    WFA_CFG_LIBRARY_CHECK_MS,   //  How often a connection checks the Lua library is its own
    WFA_CFG_HTTP,               //  Gateway: host:port to serve HTTP/JSON on
    WFA_CFG_HTTP_THREADS,       //  Gateway: threads, each with its broker socket and Redis connection
    WFA_CFG_HTTP_PER_IP,        //  Gateway: connections one client address may hold at once
    WFA_CFG_HTTP_TIMEOUT_S,     //  Gateway: seconds a connection may stay idle
    WFA_CFG_HTTP_BODY_BUDGET,   //  Gateway: request body bytes held over all connections at once
    WFA_CFG_HTTP_CALL_TRIES,    //  Gateway: tries of one native call
    WFA_CFG_HTTP_DEADLINE_MS,   //  Gateway: the most one native call may take, over all its tries
    WFA_CFG_RATE_TOKEN,         //  Gateway: requests per second per credential
    WFA_CFG_RATE_TOKEN_BURST,   //  Gateway: burst per credential
    WFA_CFG_RATE_PEMDA,         //  Gateway: requests per second per pemda
    WFA_CFG_RATE_PEMDA_BURST,   //  Gateway: burst per pemda
    WFA_CFG_JWT_LEEWAY_S,       //  Gateway: clock leeway for a JWT's exp and nbf
    WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK,    //  Tests: a jwks_uri may be http://127.0.0.1 or localhost
    WFA_CFG_SMTP_URL,           //  Notifications: smtp:// or smtps:// server, "" email off
    WFA_CFG_SMTP_FROM,          //  Notifications: the sender address of email
    WFA_CFG_SMTP_USER,          //  Notifications: SMTP AUTH user, "" none
    WFA_CFG_SMTP_PASSWORD_FILE, //  Notifications: file holding the SMTP AUTH password
    WFA_CFG_SMTP_TLS,           //  Notifications: off|try|require STARTTLS
    WFA_CFG_SMTP_TIMEOUT_MS,    //  Notifications: how long one SMTP exchange may take
    WFA_CFG_EMAIL_TRIES,        //  Notifications: tries of one email before it is given up
    WFA_CFG_DIGEST_HOUR,        //  Notifications: local hour after which the daily digest is sent
    WFA_CFG_DELIVER_THREADS,    //  Notifications: threads sending deliveries (webhooks, email)
    WFA_CFG_DELIVER_BASE_MS,    //  Notifications: first retry delay (doubles per attempt)
    WFA_CFG_DELIVER_CAP_MS,     //  Notifications: longest retry delay
    WFA_CFG_DELIVER_MAX_ATTEMPTS,   //  Notifications: attempts before a delivery is a dead letter
    WFA_CFG_DELIVER_LEASE_MS,   //  Notifications: how long a claimed delivery is held by its sender
    WFA_CFG_DELIVER_TIMEOUT_MS, //  Notifications: the most one send may take
    WFA_CFG_DELIVER_PAUSE_AFTER,    //  Notifications: consecutive failures that pause an endpoint
    WFA_CFG_WEBHOOK_ALLOW_HTTP_LOOPBACK,    //  Tests: a webhook URL may be http://127.0.0.1 or localhost
    WFA_CFG_COUNT
} wfa_cfg_t;

typedef struct {
    const char *name;           //  Flag without dashes, e.g. "redis"
    const char *env;            //  Environment variable
    const char *dflt;           //  Default value
    const char *help;           //  One line for --help
} wfa_option_t;

//  The table of all options.
extern const wfa_option_t wfa_options [WFA_CFG_COUNT];

//  Load options from the environment, then from argv (--name value or
//  --name=value). Unknown flags and positional arguments are left in
//  place for the caller: returns the new argc with them compacted to the
//  front of argv (argv[0] kept).
int wfa_config_load (int argc, char **argv);

//  Current value of an option.
const char *wfa_config_get (wfa_cfg_t option);

//  Current value as an integer.
int64_t wfa_config_int (wfa_cfg_t option);

//  Override an option (tests).
void wfa_config_set (wfa_cfg_t option, const char *value);

//  Print every option with its value to stream.
void wfa_config_print (FILE *stream);

//  Log a line to stderr with time, program and level.
void wfa_log (const char *level, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  True when WFA_VERBOSE is on.
bool wfa_verbose (void);

void wfa_config_test (bool verbose);

#endif
