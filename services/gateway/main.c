/*  main.c - wfa-gateway: HTTP/1.1 JSON under /v1/ on libmicrohttpd, a native
    client of the broker with the gateway's CURVE key.

    Threads: libmicrohttpd's pool of WFA_HTTP_THREADS threads, each polling
    its share of the connections. A thread makes, on its first request, its
    own DEALER to the broker and its own Redis connection (neither is shared
    between threads), and handles one request at a time from there to the
    reply: as many calls are in flight as there are threads, and more
    gateways behind a load balancer serve more (the rate limits are in Redis,
    so they hold across gateways). */
#include "gateway.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>

//  What one pool thread owns
typedef struct {
    wfa_client_t *client;       //  DEALER to the broker, gateway's key
    wfa_redis_t *redis;         //  Credential lookups and rate limits
} s_thread_t;

//  One HTTP request, from its first callback to its completion
typedef struct {
    double started;             //  wfa_prom_clock () at the headers
    char request_id [72];       //  X-Request-Id: the client's if valid, else ours
    char *body;                 //  Upload so far (at most GW_BODY_MAX bytes)
    size_t body_size;
    bool too_large;             //  The upload went past GW_BODY_MAX
    int status;                 //  The response's, once queued
    const char *route;          //  operationId, or "unmatched"
    char method [8];            //  For the log line
    char path [160];            //  Its first 159 bytes, for the log line
    char subject [96];          //  The credential's subject, "-" for none
    const gw_route_t *target;   //  The route matched at the headers, or NULL
    gw_match_t match;           //  Its path parameters (pointing into match.copy)
    const char *lang;           //  "id" or "en"
    wfa_auth_result_t who;      //  The credential, checked at the headers
    size_t reserved;            //  Body bytes counted in s_body_held for this request
    bool busy;                  //  The body budget was spent: 503 at the end
} s_request_t;

static _Thread_local s_thread_t *s_thread;
static zlist_t *s_threads;      //  Every s_thread_t made, for the end
static pthread_mutex_t s_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static wfa_auth_t *s_auth;      //  Thread-safe: each thread passes its own Redis
static char s_secret [PATH_MAX];    //  The gateway's secret certificate
static char s_id_prefix [16];   //  Random per process: generated request ids are unique
static uint64_t s_id_sequence;  //  Atomic
static uint64_t s_call_sequence;    //  Atomic: every call's own number
static size_t s_body_held;      //  Atomic: body bytes held over every connection
static size_t s_body_budget;    //  WFA_HTTP_BODY_BUDGET

//  The last readiness probe, shared by every thread: a load balancer's
//  loop of GET /v1/ready costs one probe a second, not one per request
typedef struct {
    double at;                  //  wfa_prom_clock () of the probe, 0 for none yet
    bool key_ok;                //  The gateway's key could be read
    bool redis_ok;              //  Redis answered PING
    bool broker_ok;             //  The broker answered SYSTEM.PING
    json_t *services;           //  Live workers by service name
} s_readiness_t;

#define GW_READY_CACHE_S 1.0
static s_readiness_t s_readiness;
static pthread_mutex_t s_readiness_lock = PTHREAD_MUTEX_INITIALIZER;     //  Guards s_readiness
static pthread_mutex_t s_readiness_probe = PTHREAD_MUTEX_INITIALIZER;    //  One prober at a time

static const wfa_prom_family_t s_metrics [] = {
    { "wfa_gateway_requests_total", WFA_PROM_COUNTER, "route,status",
      "HTTP requests answered, by route (the operationId of docs/openapi.yaml; unmatched for "
      "none) and HTTP status." },
    { "wfa_gateway_request_seconds", WFA_PROM_HISTOGRAM, "route",
      "Time from a request's headers to its response, by route." },
    { "wfa_gateway_rate_limited_total", WFA_PROM_COUNTER, "",
      "Requests refused by a rate limit (429)." },
    { NULL, 0, NULL, NULL }
};

//  The calling pool thread's own broker socket and Redis connection.
static s_thread_t *
s_thread_state (void)
{
    if (!s_thread) {
        s_thread = (s_thread_t *) zmalloc (sizeof (s_thread_t));
        assert (s_thread);
        char why [PATH_MAX + 64] = "";
        //  NULL if the key became unreadable since the start: every call is then 503
        s_thread->client = wfa_client_new (wfa_config_get (WFA_CFG_ENDPOINT), s_secret,
                                           (int) wfa_config_int (WFA_CFG_TIMEOUT_MS),
                                           (int) wfa_config_int (WFA_CFG_RETRIES), why, sizeof why);
        s_thread->redis = wfa_redis_new (wfa_config_get (WFA_CFG_REDIS), 2000);
        pthread_mutex_lock (&s_threads_lock);
        zlist_append (s_threads, s_thread);
        pthread_mutex_unlock (&s_threads_lock);
    }
    return s_thread;
}

//  -------------------------------------------------------------------------
//  Responses

//  Queue body (taken) with status and the headers every response carries.
static enum MHD_Result
s_send (struct MHD_Connection *connection, s_request_t *request, int status, char *body,
        size_t size, const char *content_type, const char *const *headers)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (size, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (response, "Content-Type", content_type);
    MHD_add_response_header (response, "X-Request-Id", request->request_id);
    MHD_add_response_header (response, "Cache-Control", "no-store");
    for (int header_nbr = 0; headers && headers [header_nbr]; header_nbr += 2)
        MHD_add_response_header (response, headers [header_nbr], headers [header_nbr + 1]);
    enum MHD_Result rc = MHD_queue_response (connection, (unsigned) status, response);
    MHD_destroy_response (response);
    request->status = status;
    return rc;
}

//  Queue json (taken) as the response.
static enum MHD_Result
s_send_json (struct MHD_Connection *connection, s_request_t *request, int status, json_t *json,
             const char *const *headers)
{
    char *text = json_dumps (json, JSON_COMPACT | JSON_REAL_PRECISION (15) | JSON_ENCODE_ANY);
    assert (text);
    json_decref (json);
    return s_send (connection, request, status, text, strlen (text),
                   "application/json; charset=utf-8", headers);
}

//  The error shape {code, message, field?}.
static json_t *
s_error_json (wfa_code_t code, const char *lang, const char *detail, const char *field)
{
    char message [1024];
    wfa_error_format (code, wfa_lang_parse (lang, strlen (lang)), detail, message, sizeof message);
    json_t *json = json_object ();
    json_object_set_new (json, "code", json_string (wfa_error_name (code)));
    json_object_set_new (json, "message", wfa_json_string (message, strlen (message)));
    if (field && *field)
        json_object_set_new (json, "field", wfa_json_string (field, strlen (field)));
    return json;
}

static enum MHD_Result
s_send_error (struct MHD_Connection *connection, s_request_t *request, wfa_code_t code,
              const char *lang, const char *detail, const char *field, const char *const *headers)
{
    return s_send_json (connection, request, gw_status (wfa_error_name (code)),
                        s_error_json (code, lang, detail, field), headers);
}

//  405: the path has other methods, which Allow lists.
static enum MHD_Result
s_send_not_allowed (struct MHD_Connection *connection, s_request_t *request, const char *lang,
                    const char *method, const char *allow)
{
    char detail [128];
    snprintf (detail, sizeof detail, "%.16s; allow: %s", method, allow);
    const char *headers [] = { "Allow", allow, NULL };
    return s_send_json (connection, request, 405,
                        s_error_json (WFA_E_BAD_VALUE, lang, detail, "method"), headers);
}

//  An error's field "as" (the services' word for who acts) as "Authorization"
static void
s_rename_as (json_t *error)
{
    const char *field = json_string_value (json_object_get (error, "field"));
    if (field && streq (field, "as"))
        json_object_set_new (error, "field", json_string ("Authorization"));
}

//  A native reply as HTTP: the data fields with 200, or the error shape with
//  the status of its code.
static enum MHD_Result
s_send_reply (struct MHD_Connection *connection, s_request_t *request, const msgpack_object *reply,
              const char *lang)
{
    json_t *json = wfa_json_of (reply);
    const char *code = json_string_value (json_object_get (json, "code"));
    bool ok = json_is_object (json)
           && wfa_mp_streq (wfa_mp_get (reply, "status"), "ok");
    if (ok) {
        const char *envelope [] = { "v", "id", "status", "code", "message", NULL };
        for (int key_nbr = 0; envelope [key_nbr]; key_nbr++)
            json_object_del (json, envelope [key_nbr]);
        return s_send_json (connection, request, 200, json, NULL);
    }
    json_t *error = json_object ();
    const char *keep [] = { "code", "message", "field", "errors", NULL };
    for (int key_nbr = 0; keep [key_nbr] && json_is_object (json); key_nbr++) {
        json_t *value = json_object_get (json, keep [key_nbr]);
        if (value)
            json_object_set (error, keep [key_nbr], value);
    }
    //  Over HTTP the one who acts is the bearer credential's, never a field:
    //  the services' "as" is named as the Authorization it came from
    s_rename_as (error);
    json_t *item;
    size_t item_nbr;
    json_array_foreach (json_object_get (error, "errors"), item_nbr, item)
        s_rename_as (item);
    if (!code) {
        code = "INTERNAL";
        json_object_set_new (error, "code", json_string (code));
    }
    if (!json_is_string (json_object_get (error, "message"))) {
        //  Every error says something, in the caller's language
        int known = wfa_error_lookup (code);
        char message [256];
        wfa_error_format (known < 0? WFA_E_INTERNAL: (wfa_code_t) known,
                          wfa_lang_parse (lang, strlen (lang)), NULL, message, sizeof message);
        json_object_set_new (error, "message", json_string (message));
    }
    int status = gw_status (code);
    json_decref (json);
    const char *headers [] = { "WWW-Authenticate", "Bearer", NULL };
    return s_send_json (connection, request, status, error, status == 401? headers: NULL);
}

//  -------------------------------------------------------------------------
//  The gateway's own routes

static enum MHD_Result
s_health (struct MHD_Connection *connection, s_request_t *request)
{
    json_t *json = json_object ();
    json_object_set_new (json, "alive", json_true ());
    return s_send_json (connection, request, 200, json, NULL);
}

//  Probe readiness now: Redis answers PING and the broker lists a live
//  worker of every service whose key it trusts.
static void
s_ready_probe (s_readiness_t *result, const char *request_id)
{
    s_thread_t *thread = s_thread_state ();
    result->services = json_object ();
    result->key_ok = thread->client != NULL;
    if (!result->key_ok)
        return;
    redisReply *pong = wfa_redis_command (thread->redis, "PING");
    result->redis_ok = pong && pong->type == REDIS_REPLY_STATUS && streq (pong->str, "PONG");
    if (pong)
        freeReplyObject (pong);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    char call_id [GW_CALL_ID_MAX + 1];
    gw_call_id (call_id, sizeof call_id, request_id,
                __atomic_add_fetch (&s_call_sequence, 1, __ATOMIC_RELAXED));
    wfa_client_begin (thread->client);
    const msgpack_object *listed = NULL;
    //  One short try: a load balancer asks often, and wants its answer now
    if (wfa_client_call_named (thread->client, "SYSTEM.PING", call_id, 1000, 1, &reply) == 0)
        listed = wfa_mp_get (&reply.data, "services");
    result->broker_ok = listed != NULL;
    zlist_t *expected = wfa_keys_services (wfa_config_get (WFA_CFG_KEYS));
    for (const char *name = (const char *) zlist_first (expected); name && listed;
         name = (const char *) zlist_next (expected)) {
        int64_t live = 0;
        wfa_mp_int (wfa_mp_get (listed, name), &live);
        json_object_set_new (result->services, name, json_integer (live));
    }
    zlist_destroy (&expected);
    msgpack_unpacked_destroy (&reply);
}

//  A copy of the shared readiness, into copy (its services a deep copy).
static void
s_readiness_copy (s_readiness_t *copy)
{
    pthread_mutex_lock (&s_readiness_lock);
    *copy = s_readiness;
    copy->services = s_readiness.services? json_deep_copy (s_readiness.services): json_object ();
    pthread_mutex_unlock (&s_readiness_lock);
}

//  Ready: the readiness of at most GW_READY_CACHE_S ago. One thread probes
//  when it is older; the others answer with the last one meanwhile (and
//  wait for the probe only when there is none yet).
static enum MHD_Result
s_ready (struct MHD_Connection *connection, s_request_t *request, const char *lang)
{
    s_readiness_t state;
    s_readiness_copy (&state);
    bool fresh = state.at > 0 && wfa_prom_clock () - state.at < GW_READY_CACHE_S;
    if (!fresh) {
        bool probing = pthread_mutex_trylock (&s_readiness_probe) == 0;
        if (!probing && state.at == 0) {
            pthread_mutex_lock (&s_readiness_probe);    //  The first probe: wait for it
            pthread_mutex_unlock (&s_readiness_probe);
            json_decref (state.services);
            s_readiness_copy (&state);
        }
        if (probing) {
            json_decref (state.services);
            s_ready_probe (&state, request->request_id);
            state.at = wfa_prom_clock ();
            pthread_mutex_lock (&s_readiness_lock);
            json_decref (s_readiness.services);
            s_readiness = state;
            s_readiness.services = json_deep_copy (state.services);
            pthread_mutex_unlock (&s_readiness_lock);
            pthread_mutex_unlock (&s_readiness_probe);
        }
    }
    json_t *services = state.services;
    if (!state.key_ok) {
        json_decref (services);
        return s_send_error (connection, request, WFA_E_SERVICE_UNAVAILABLE, lang, "gateway key",
                             NULL, NULL);
    }
    json_t *problems = json_array ();
    if (!state.redis_ok)
        json_array_append_new (problems, s_error_json (WFA_E_REDIS_UNAVAILABLE, lang, NULL, "redis"));
    if (!state.broker_ok)
        json_array_append_new (problems, s_error_json (WFA_E_TIMEOUT, lang, "broker", "broker"));
    const char *name;
    json_t *live;
    json_object_foreach (services, name, live)
        if (json_integer_value (live) <= 0)
            json_array_append_new (problems,
                                   s_error_json (WFA_E_SERVICE_UNAVAILABLE, lang, name, name));
    if (json_array_size (problems)) {
        json_t *json = s_error_json (WFA_E_SERVICE_UNAVAILABLE, lang, NULL, NULL);
        json_object_set_new (json, "errors", problems);
        json_decref (services);
        return s_send_json (connection, request, 503, json, NULL);
    }
    json_decref (problems);
    json_t *json = json_object ();
    json_object_set_new (json, "ready", json_true ());
    json_object_set_new (json, "services", services);
    return s_send_json (connection, request, 200, json, NULL);
}

static enum MHD_Result
s_openapi (struct MHD_Connection *connection, s_request_t *request)
{
    const char *text = gw_openapi_text ();
    char *copy = strdup (text);
    assert (copy);
    return s_send (connection, request, 200, copy, strlen (copy), "application/yaml; charset=utf-8",
                   NULL);
}

//  A file of the dashboard: no credential, no data; a strict CSP (script only
//  from the gateway, no inline script, no framing), nosniff, short caching.
static enum MHD_Result
s_static (struct MHD_Connection *connection, s_request_t *request, const gw_static_t *file)
{
    const char *csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                      "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    if (!file->file) {
        struct MHD_Response *response = MHD_create_response_from_buffer (0, NULL, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header (response, "Location", "/dash/");
        MHD_add_response_header (response, "X-Request-Id", request->request_id);
        enum MHD_Result rc = MHD_queue_response (connection, 302, response);
        MHD_destroy_response (response);
        request->status = 302;
        return rc;
    }
    size_t size = 0;
    char *text = gw_static_read (file, &size);
    if (!text)
        return s_send_error (connection, request, WFA_E_NOT_FOUND, request->lang, file->file, NULL, NULL);
    struct MHD_Response *response = MHD_create_response_from_buffer (size, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (response, "Content-Type", file->type);
    MHD_add_response_header (response, "X-Request-Id", request->request_id);
    MHD_add_response_header (response, "Cache-Control", "public, max-age=300");
    MHD_add_response_header (response, "Content-Security-Policy", csp);
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "X-Frame-Options", "DENY");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    enum MHD_Result rc = MHD_queue_response (connection, 200, response);
    MHD_destroy_response (response);
    request->status = 200;
    return rc;
}

//  -------------------------------------------------------------------------
//  Calls

typedef struct {
    struct MHD_Connection *connection;
    zlist_t *names;             //  Query argument names, for the check
} s_query_t;

static const char *
s_query_value (void *arg, const char *name)
{
    s_query_t *query = (s_query_t *) arg;
    return MHD_lookup_connection_value (query->connection, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result
s_query_name (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    (void) value;
    zlist_append ((zlist_t *) cls, (void *) key);
    return MHD_YES;
}

//  The bearer credential of the Authorization header, or NULL.
static const char *
s_bearer (struct MHD_Connection *connection)
{
    const char *header = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Authorization");
    if (!header || strncasecmp (header, "Bearer ", 7) != 0)
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header? header: NULL;
}

//  At the headers of a native command, before any of its body is read: the
//  credential and the rate limit. MHD_YES with nothing queued when both pass.
static enum MHD_Result
s_credential (struct MHD_Connection *connection, s_request_t *request, const char *lang)
{
    s_thread_t *thread = s_thread_state ();
    if (!thread->client)
        return s_send_error (connection, request, WFA_E_SERVICE_UNAVAILABLE, lang, "gateway key",
                             NULL, NULL);
    const char *unauthenticated [] = { "WWW-Authenticate", "Bearer", NULL };
    const char *bearer = s_bearer (connection);
    if (!bearer)
        return s_send_error (connection, request, WFA_E_UNAUTHENTICATED, lang,
                             "Authorization: Bearer", "Authorization", unauthenticated);
    wfa_auth_result_t *who = &request->who;
    const char *detail = NULL;
    wfa_code_t code = wfa_auth_check (s_auth, thread->redis, bearer, who, &detail);
    if (code != WFA_OK) {
        const char *invalid [] = { "WWW-Authenticate", "Bearer error=\"invalid_token\"", NULL };
        return s_send_error (connection, request, code, lang, detail, "Authorization",
                             code == WFA_E_UNAUTHENTICATED? invalid: NULL);
    }
    snprintf (request->subject, sizeof request->subject, "%s", who->subject);
    int retry_after = 0;
    int limited = gw_rate_take (thread->redis, who->subject, who->pemda, &retry_after);
    if (limited < 0)
        return s_send_error (connection, request, WFA_E_REDIS_UNAVAILABLE, lang, NULL, NULL, NULL);
    if (limited) {
        char seconds [16];
        snprintf (seconds, sizeof seconds, "%d", retry_after);
        const char *headers [] = { "Retry-After", seconds, NULL };
        wfa_prom_add (wfa_prom (), "wfa_gateway_rate_limited_total", 1, NULL);
        return s_send_error (connection, request, WFA_E_RATE_LIMITED, lang, NULL, NULL, headers);
    }
    return MHD_YES;
}

//  A route with x-fleksi-render: the reply as that document (shared/
//  wfa_report.c), its Content-Disposition named after the route's path
//  parameters ("report-35.08-2026-12.csv"); HTML shown, the others saved.
static enum MHD_Result
s_send_document (struct MHD_Connection *connection, s_request_t *request, const gw_route_t *route,
                 const gw_match_t *match, const msgpack_object *reply, const char *lang)
{
    int format = wfa_report_format (route->render);
    wfa_lang_t language = wfa_lang_parse (lang, strlen (lang));
    zchunk_t *document = format == WFA_REPORT_XLSX? wfa_report_xlsx (reply, language)
                       : format >= 0? wfa_report_render (reply, (wfa_report_format_t) format, language): NULL;
    if (!document)
        return s_send_error (connection, request, WFA_E_INTERNAL, lang, NULL, NULL, NULL);
    char name [160] = "report";
    for (size_t value_nbr = 0; value_nbr < match->count; value_nbr++) {
        size_t used = strlen (name);
        snprintf (name + used, sizeof name - used, "-%s", match->values [value_nbr]);
    }
    for (char *at = name; *at; at++)
        if (!isalnum ((unsigned char) *at) && *at != '.' && *at != '-')
            *at = '_';
    char disposition [224];
    snprintf (disposition, sizeof disposition, "%s; filename=\"%s.%s\"",
              format == WFA_REPORT_HTML? "inline": "attachment", name, wfa_report_extension ((wfa_report_format_t) format));
    const char *headers [] = { "Content-Disposition", disposition, NULL };
    size_t size = zchunk_size (document);
    char *body = (char *) malloc (size? size: 1);
    assert (body);
    memcpy (body, zchunk_data (document), size);
    zchunk_destroy (&document);
    return s_send (connection, request, 200, body, size, wfa_report_content_type ((wfa_report_format_t) format),
                   headers);
}

//  A request to a native command, its credential checked: fields, call, reply.
static enum MHD_Result
s_command (struct MHD_Connection *connection, s_request_t *request, const gw_route_t *route,
           const gw_match_t *match, const char *lang)
{
    s_thread_t *thread = s_thread_state ();
    const wfa_auth_result_t *who = &request->who;
    wfa_code_t code;
    //  The idempotency key of every POST
    const char *key = NULL;
    if (streq (route->method, "POST")) {
        key = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Idempotency-Key");
        if (!key || !*key)
            return s_send_error (connection, request, WFA_E_MISSING_FIELD, lang, "Idempotency-Key",
                                 "Idempotency-Key", NULL);
    }
    //  The body: one JSON object
    json_t *body = NULL;
    if (route->body) {
        char field [256];
        code = wfa_json_precheck (request->body, request->body_size, &wfa_mp_protocol_limits,
                                  field, sizeof field);
        if (code != WFA_OK)
            return s_send_error (connection, request, code, lang, field, field, NULL);
        json_error_t error;
        body = request->body_size? json_loadb (request->body, request->body_size,
                                               JSON_REJECT_DUPLICATES, &error): NULL;
        if (!body) {
            char why [256];
            snprintf (why, sizeof why, "%s", request->body_size? error.text: "no body");
            return s_send_error (connection, request, WFA_E_BAD_JSON, lang, why, NULL, NULL);
        }
        if (!json_is_object (body)) {
            json_decref (body);
            return s_send_error (connection, request, WFA_E_BAD_JSON, lang, "not an object",
                                 NULL, NULL);
        }
    }
    s_query_t query = { connection, zlist_new () };
    MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, s_query_name, query.names);
    char field [256];
    wfa_client_begin (thread->client);
    code = gw_route_fields (route, match, s_query_value, &query, query.names, body,
                            thread->client, field, sizeof field);
    zlist_destroy (&query.names);
    json_decref (body);
    if (code != WFA_OK)
        return s_send_error (connection, request, code, lang, field, field, NULL);
    wfa_mp_pack_str (wfa_client_field (thread->client, "as"), who->as);
    wfa_mp_pack_str (wfa_client_field (thread->client, "lang"), lang);
    if (key)
        wfa_mp_pack_str (wfa_client_field (thread->client, "key"), key);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    enum MHD_Result rc;
    char call_id [GW_CALL_ID_MAX + 1];
    gw_call_id (call_id, sizeof call_id, request->request_id,
                __atomic_add_fetch (&s_call_sequence, 1, __ATOMIC_RELAXED));
    //  Tries of WFA_TIMEOUT_MS, all within WFA_HTTP_DEADLINE_MS: a stalled
    //  service holds this thread (and its connections) that long at most
    int64_t tries = wfa_config_int (WFA_CFG_HTTP_CALL_TRIES);
    tries = tries < 1? 1: tries > 10? 10: tries;
    int64_t timeout_ms = wfa_config_int (WFA_CFG_TIMEOUT_MS);
    int64_t deadline_ms = wfa_config_int (WFA_CFG_HTTP_DEADLINE_MS);
    if (deadline_ms < 100)
        deadline_ms = 100;
    if (timeout_ms < 1 || timeout_ms * tries > deadline_ms)
        timeout_ms = deadline_ms / tries;
    if (wfa_client_call_named (thread->client, route->command, call_id, (int) timeout_ms,
                               (int) tries, &reply) == 0)
        rc = route->render && wfa_mp_streq (wfa_mp_get (&reply.data, "status"), "ok")
           ? s_send_document (connection, request, route, match, &reply.data, lang)
           : s_send_reply (connection, request, &reply.data, lang);
    else
        rc = s_send_error (connection, request, WFA_E_TIMEOUT, lang, NULL, NULL, NULL);
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  -------------------------------------------------------------------------
//  libmicrohttpd's callbacks

//  The headers: the request's id, and a body over the limit refused before
//  any of it is read.
static s_request_t *
s_request_new (struct MHD_Connection *connection, const char *method, const char *url)
{
    s_request_t *request = (s_request_t *) zmalloc (sizeof (s_request_t));
    assert (request);
    request->started = wfa_prom_clock ();
    request->route = "unmatched";
    snprintf (request->method, sizeof request->method, "%s", method);
    //  The path as logged: printable ASCII only, so a log line stays one line
    size_t used = 0;
    for (const char *at = url; *at && used < sizeof request->path - 1; at++)
        request->path [used++] = *at > ' ' && *at < 127? *at: '?';
    snprintf (request->subject, sizeof request->subject, "-");
    const char *given = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "X-Request-Id");
    if (gw_request_id_valid (given))
        snprintf (request->request_id, sizeof request->request_id, "%s", given);
    else
        snprintf (request->request_id, sizeof request->request_id, GW_ID_PREFIX "%s-%" PRIx64, s_id_prefix,
                  __atomic_add_fetch (&s_id_sequence, 1, __ATOMIC_RELAXED));
    const char *length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull (length, NULL, 10) > GW_BODY_MAX)
        request->too_large = true;
    return request;
}

//  Count size more body bytes as held; false (nothing counted) when that
//  would go past WFA_HTTP_BODY_BUDGET.
static bool
s_body_reserve (s_request_t *request, size_t size)
{
    size_t held = __atomic_add_fetch (&s_body_held, size, __ATOMIC_RELAXED);
    if (held > s_body_budget) {
        __atomic_sub_fetch (&s_body_held, size, __ATOMIC_RELAXED);
        return false;
    }
    request->reserved += size;
    return true;
}

static void
s_body_release (s_request_t *request)
{
    __atomic_sub_fetch (&s_body_held, request->reserved, __ATOMIC_RELAXED);
    request->reserved = 0;
}

static enum MHD_Result
s_send_busy (struct MHD_Connection *connection, s_request_t *request, const char *lang)
{
    const char *headers [] = { "Retry-After", "1", NULL };
    return s_send_error (connection, request, WFA_E_SERVICE_UNAVAILABLE, lang, "body budget",
                         NULL, headers);
}

//  The headers, before any of the body is read: route (404, 405), a body
//  where none belongs, size (413), credential (401) and rate (429), and room
//  for the body in the budget (503). MHD_YES with nothing queued to go on.
static enum MHD_Result
s_on_headers (struct MHD_Connection *connection, s_request_t *request, const char *method,
              const char *url)
{
    const char *lang = request->lang = gw_lang (MHD_lookup_connection_value (
        connection, MHD_HEADER_KIND, "Accept-Language"));
    const gw_static_t *file = gw_static_find (url);
    if (file && (streq (method, "GET") || streq (method, "HEAD"))) {
        request->route = "static";
        return s_static (connection, request, file);
    }
    int status = 0;
    char allow [64];
    const gw_route_t *route = gw_route_find (method, url, &request->match, &status, allow,
                                             sizeof allow);
    if (route)
        request->route = route->operation;
    if (!route && status == 405)
        return s_send_not_allowed (connection, request, lang, method, allow);
    if (!route)
        return s_send_error (connection, request, WFA_E_NOT_FOUND, lang, NULL, NULL, NULL);
    request->target = route;
    const char *length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Content-Length");
    bool chunked = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                "Transfer-Encoding") != NULL;
    unsigned long long declared = length? strtoull (length, NULL, 10): 0;
    if (!route->body && (declared || chunked))
        return s_send_error (connection, request, WFA_E_BAD_FIELD, lang, "no body expected",
                             "body", NULL);
    if (request->too_large) {
        char limit [32];
        snprintf (limit, sizeof limit, "body > %d bytes", GW_BODY_MAX);
        return s_send_error (connection, request, WFA_E_TOO_LARGE, lang, limit, NULL, NULL);
    }
    if (!route->local) {
        enum MHD_Result rc = s_credential (connection, request, lang);
        if (request->status)
            return rc;
    }
    if (declared && !s_body_reserve (request, (size_t) declared))
        return s_send_busy (connection, request, lang);
    return MHD_YES;
}

static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
              const char *version, const char *upload_data, size_t *upload_data_size,
              void **con_cls)
{
    (void) cls;
    (void) version;
    s_request_t *request = (s_request_t *) *con_cls;
    if (!request) {
        *con_cls = request = s_request_new (connection, method, url);
        return s_on_headers (connection, request, method, url);
    }
    if (request->status)
        return MHD_YES;         //  Answered already, at the headers
    if (*upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (request->too_large || request->busy || request->body_size + size > GW_BODY_MAX) {
            request->too_large = !request->busy;
            zstr_free (&request->body);
            request->body_size = 0;
            s_body_release (request);
            return MHD_YES;
        }
        //  A body without Content-Length is counted as it comes
        if (request->body_size + size > request->reserved
        &&  !s_body_reserve (request, request->body_size + size - request->reserved)) {
            request->busy = true;
            zstr_free (&request->body);
            request->body_size = 0;
            s_body_release (request);
            return MHD_YES;
        }
        char *grown = (char *) realloc (request->body, request->body_size + size);
        assert (grown);
        request->body = grown;
        memcpy (request->body + request->body_size, upload_data, size);
        request->body_size += size;
        return MHD_YES;
    }
    const char *lang = request->lang;
    if (request->busy)
        return s_send_busy (connection, request, lang);
    if (request->too_large) {
        char limit [32];
        snprintf (limit, sizeof limit, "body > %d bytes", GW_BODY_MAX);
        return s_send_error (connection, request, WFA_E_TOO_LARGE, lang, limit, NULL, NULL);
    }
    const gw_route_t *route = request->target;
    if (route->local && streq (route->local, "health"))
        return s_health (connection, request);
    if (route->local && streq (route->local, "ready"))
        return s_ready (connection, request, lang);
    if (route->local)
        return s_openapi (connection, request);
    return s_command (connection, request, route, &request->match, lang);
}

//  A request is over: its log line and metrics, then it is freed.
static void
s_on_completed (void *cls, struct MHD_Connection *connection, void **con_cls,
                enum MHD_RequestTerminationCode why)
{
    (void) cls;
    (void) connection;
    s_request_t *request = (s_request_t *) *con_cls;
    if (!request)
        return;
    double seconds = wfa_prom_clock () - request->started;
    char status [8];
    snprintf (status, sizeof status, "%d", request->status);
    wfa_prom_add (wfa_prom (), "wfa_gateway_requests_total", 1, request->route, status, NULL);
    wfa_prom_observe (wfa_prom (), "wfa_gateway_request_seconds", seconds, request->route, NULL);
    wfa_log ("I", "http %s %s %d %.1fms id=%s subject=%s route=%s%s", request->method,
             request->path, request->status, seconds * 1000, request->request_id,
             request->subject, request->route,
             why == MHD_REQUEST_TERMINATED_COMPLETED_OK? "": " (connection ended early)");
    s_body_release (request);
    free (request->body);
    free (request);
    *con_cls = NULL;
}

//  Parse "host:port" into addr; -1 if it does not parse.
static int
s_address (const char *text, struct sockaddr_in *addr)
{
    char host [64];
    const char *colon = strrchr (text, ':');
    if (!colon || colon - text >= (ptrdiff_t) sizeof host)
        return -1;
    snprintf (host, sizeof host, "%.*s", (int) (colon - text), text);
    char *end = NULL;
    long port = strtol (colon + 1, &end, 10);
    memset (addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons ((uint16_t) port);
    if (*end || port < 0 || port > 65535
    ||  inet_pton (AF_INET, *host? host: "0.0.0.0", &addr->sin_addr) != 1)
        return -1;
    return 0;
}

static void
s_selftest (void)
{
    gw_route_test (false);
    gw_status_test (false);
    gw_rate_test (false);
    printf ("wfa-gateway: selftest passed\n");
}

int
main (int argc, char *argv [])
{
    if (argc == 2 && streq (argv [1], "--selftest")) {
        s_selftest ();
        return 0;
    }
    if (argc == 2 && streq (argv [1], "--statuses")) {
        gw_status_print (stdout);
        return 0;
    }
    argc = wfa_config_load (argc, argv);
    if (argc > 1) {
        fprintf (stderr, "usage: wfa-gateway [--option value ...]\n");
        wfa_config_print (stderr);
        return 2;
    }
    char why [128];
    if (gw_rate_config_check (why, sizeof why)) {
        wfa_log ("E", "%s", why);
        return 2;
    }
    if (wfa_redis_credentials ("gateway"))
        return 1;
    struct sockaddr_in addr;
    if (s_address (wfa_config_get (WFA_CFG_HTTP), &addr)) {
        wfa_log ("E", "WFA_HTTP %s is not host:port", wfa_config_get (WFA_CFG_HTTP));
        return 2;
    }
    wfa_principal_t principal = { .kind = WFA_PRINCIPAL_GATEWAY };
    wfa_keys_path (wfa_config_get (WFA_CFG_KEYS), &principal, true, s_secret, sizeof s_secret);
    if (access (s_secret, R_OK)) {
        wfa_log ("E", "no gateway key at %s (wfactl keys init makes one)", s_secret);
        return 1;
    }
    //  SIGINT and SIGTERM go to sigwait below, not to any thread
    sigset_t stops;
    sigemptyset (&stops);
    sigaddset (&stops, SIGINT);
    sigaddset (&stops, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &stops, NULL);
    zsys_init ();
    zsys_handler_set (NULL);
    snprintf (s_id_prefix, sizeof s_id_prefix, "%08x", (unsigned) randof (0x7fffffff) ^ (unsigned) getpid ());
    s_threads = zlist_new ();
    s_auth = wfa_auth_new ();
    wfa_prom_declare_all (wfa_prom (), s_metrics);
    zactor_t *metrics = wfa_prom_start ("gateway");
    int64_t threads = wfa_config_int (WFA_CFG_HTTP_THREADS);
    threads = threads < 1? 1: threads > 256? 256: threads;
    int64_t per_ip = wfa_config_int (WFA_CFG_HTTP_PER_IP);
    per_ip = per_ip < 1? 1: per_ip > 4096? 4096: per_ip;
    int64_t idle_s = wfa_config_int (WFA_CFG_HTTP_TIMEOUT_S);
    idle_s = idle_s < 1? 1: idle_s > 3600? 3600: idle_s;
    int64_t budget = wfa_config_int (WFA_CFG_HTTP_BODY_BUDGET);
    s_body_budget = budget < GW_BODY_MAX? GW_BODY_MAX: (size_t) budget;
    struct MHD_Daemon *daemon = MHD_start_daemon (
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, s_on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned) threads,
        MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) idle_s,
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, NULL,
        MHD_OPTION_END);
    int rc = 0;
    if (!daemon) {
        wfa_log ("E", "cannot listen on %s: %s", wfa_config_get (WFA_CFG_HTTP), strerror (errno));
        rc = 1;
    }
    else {
        wfa_log ("I", "gateway ready: http://%s/v1/ (%d threads), broker %s", wfa_config_get (WFA_CFG_HTTP),
                 (int) threads, wfa_config_get (WFA_CFG_ENDPOINT));
        int signal_nbr = 0;
        sigwait (&stops, &signal_nbr);
        wfa_log ("I", "gateway stopping (signal %d)", signal_nbr);
        MHD_stop_daemon (daemon);
    }
    for (s_thread_t *thread = (s_thread_t *) zlist_first (s_threads); thread;
         thread = (s_thread_t *) zlist_next (s_threads)) {
        wfa_client_destroy (&thread->client);
        wfa_redis_destroy (&thread->redis);
        free (thread);
    }
    zlist_destroy (&s_threads);
    json_decref (s_readiness.services);
    wfa_auth_destroy (&s_auth);
    zactor_destroy (&metrics);
    return rc;
}
