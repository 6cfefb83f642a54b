/*  wfa_service.h - the skeleton every Fleksi service runs on.

    A service is a table of call handlers (and, for event consumers, a
    table of event handlers) given to wfa_service_main. The worker actor
    connects a DEALER to each broker, announces itself every second, and
    runs each call through its handler with its own Redis connection. The
    consumer actor (wfa_consumer.h) reads the outbox in another thread.

    Worker <-> broker frames (internal, see docs/architecture.md), over
    CURVE with the service's own key (WFA_KEYS/services/NAME.key):
      worker -> broker  READY, service, instance, prefix...   (every second)
      broker -> worker  CALL, token, principal, command, body
      worker -> broker  REPLY, token, command, reply
    The prefixes (one frame each, "REQUEST." ...) are what the worker's
    route table serves (wfa_service_prefixes): the broker routes by them.
    The token is the broker's own number for the call, echoed; the
    principal is who the broker authenticated the caller as. */
#ifndef WFA_SERVICE_H_INCLUDED
#define WFA_SERVICE_H_INCLUDED

//  Handle a call: read fields from call, use redis, add reply fields or
//  record errors on call. Must not block beyond Redis calls.
typedef void (wfa_handler_fn) (wfa_call_t *call, wfa_redis_t *redis, void *state);

//  A route: a command, its handler, and the call fields the command
//  accepts besides the common ones (v, id, lang, as), space-separated,
//  "key" among them where the command takes an idempotency key. The
//  worker refuses a call with any other field (BAD_FIELD) before the
//  handler runs (wfa_call_check_fields).
typedef struct {
    const char *command;        //  e.g. "REQUEST.SUBMIT"
    wfa_handler_fn *handler;
    const char *fields;         //  e.g. "key request_id reason from"
} wfa_route_t;

typedef struct {
    const char *pemda;          //  Pemda of the stream
    const char *stream;         //  Stream key
    const char *id;             //  Stream entry id
    const char *type;           //  e.g. "request.submitted"
    const msgpack_object *data; //  Event data map
} wfa_event_t;

//  Handle one event idempotently. Return 0 when done (it is acknowledged),
//  -1 to have it delivered again later (e.g. Redis unavailable).
typedef int (wfa_event_fn) (const wfa_event_t *event, wfa_redis_t *redis, void *state);

typedef struct {
    const char *type;           //  Event type handled
    wfa_event_fn *handler;
} wfa_event_route_t;

//  Periodic work of a service (every second, in the worker thread).
typedef void (wfa_housekeeping_fn) (wfa_redis_t *redis, void *state);

typedef struct {
    const char *name;                   //  "requests", "approvals", ...
    const wfa_route_t *routes;          //  Ends with a NULL command
    const wfa_event_route_t *events;    //  NULL, or ends with a NULL type
    void *state;                        //  Passed to every handler
    wfa_housekeeping_fn *housekeeping;  //  NULL, or called every second
} wfa_service_def_t;

//  Run a service until SIGINT/SIGTERM: parse config, start the worker and
//  (if it has events) consumer actors, and the metrics server when
//  WFA_METRICS_ADDR is set (wfa_prom.h). Returns the exit code.
int wfa_service_main (const wfa_service_def_t *def, int argc, char **argv);

//  Start the worker actor of def (config must be loaded).
zactor_t *wfa_service_new (const wfa_service_def_t *def);

//  The command prefixes a route table serves, as its worker announces them
//  in READY: each command up to and including its first dot ("REQUEST."),
//  once each, in table order. The caller destroys the list.
zlist_t *wfa_service_prefixes (const wfa_route_t *routes);

//  A unique name for this process: host-pid-random.
const char *wfa_instance_id (void);

//  Answer REDIS_UNAVAILABLE on call if reply is NULL (STORAGE_FULL when
//  Redis refused a write for want of memory); returns true if so.
bool wfa_call_redis_down (wfa_call_t *call, const redisReply *reply);

void wfa_service_test (bool verbose);

#endif
