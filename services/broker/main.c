/*  wfa-broker - routes calls from clients to live instances of services.

    Clients connect DEALERs to the frontend (ROUTER); service workers
    connect DEALERs to the backend (ROUTER) and say READY every second,
    with the command prefixes their route table serves. The broker has no
    table of services of its own: a call goes, round robin, to the next
    live worker of the service that announced the longest prefix of its
    command. A prefix belongs to the first service that announced it, for
    as long as the broker runs; a READY claiming one of another service's
    is refused, and so is one that would take a service past
    S_SERVICE_PREFIXES_MAX prefixes or the broker past S_OWNERS_MAX, so
    the table stays small whatever a key announces. A worker silent for
    three seconds is forgotten, its service's prefixes are not: a call the
    broker cannot place gets SERVICE_UNAVAILABLE at once. A command nobody
    announced gets SERVICE_UNAVAILABLE too while some service with a
    trusted key has not announced itself since the broker started (it may
    be that service's, down or not heard yet: a client retries), and
    UNKNOWN_COMMAND once every one has (then nobody serves it).

    Both ports are CURVE servers (Ironhouse): the ZAP handler admits only
    the certificates in WFA_KEYS/trusted, and each connection carries the
    principal its certificate names. A client gets an answer only when it
    is a known client principal; a worker gets calls only when its key
    is the very service it announces. Each call goes out with the
    caller's principal and a token of the broker's own; a reply counts
    only when it comes back with that token from the worker the call
    went to, and it goes to the client the broker recorded, nobody else.

    The broker keeps no state that matters: kill it and start it again,
    and within a second every worker has announced itself anew, while
    clients retry what was in flight. Run two and list both endpoints in
    clients and workers for redundancy. */
#include "wfa.h"

#define S_WORKER_TTL_MS 3000
#define S_PREFIXES_MAX 32       //  Prefixes one READY may announce
#define S_SERVICE_PREFIXES_MAX 32   //  Prefixes one service may own in all
#define S_OWNERS_MAX 256        //  Prefixes all services may own in all
//  Calls in flight the broker remembers; a call older than the last
//  S_SLOTS calls has long been retried by its client, so its slot is reused
#define S_SLOTS 65536

typedef struct {
    zframe_t *identity;         //  Routing id on the backend
    char service [32];          //  Service it serves
    char instance [96];         //  Its instance id, for logs
    zlist_t *prefixes;          //  The command prefixes it announced
    int64_t expires;            //  Forget it after this
} s_worker_t;

//  A call handed to a worker, waiting for its reply.
typedef struct {
    uint64_t token;             //  The broker's number for it (0: free)
    zframe_t *client;           //  Who asked
    zframe_t *worker;           //  Whom it went to
} s_slot_t;

typedef struct {
    zsock_t *frontend;          //  Clients
    zsock_t *backend;           //  Workers
    zhash_t *workers;           //  Identity (hex) -> s_worker_t
    zhash_t *rings;             //  Service -> zlist of identities (hex), round robin
    zhash_t *owners;            //  Command prefix -> the service that announced it
    zlist_t *keyed;             //  The services with a trusted key (wfa_keys_services)
    int64_t next_refusal_log;   //  Refused READYs are logged once per 10 s
    uint64_t routed;            //  Calls routed
    s_slot_t *slots;            //  Calls in flight, by token modulo S_SLOTS
    uint64_t next_token;
    wfa_revoked_t *revoked;     //  Keys revoked since their connection opened
} s_broker_t;

static void
s_worker_destroy (void *item)
{
    s_worker_t *worker = (s_worker_t *) item;
    zframe_destroy (&worker->identity);
    zlist_destroy (&worker->prefixes);
    free (worker);
}

static void
s_ring_destroy (void *item)
{
    zlist_t *ring = (zlist_t *) item;
    zlist_destroy (&ring);
}

//  The service that announced the longest prefix of command, or NULL;
//  the prefix into *prefix_p.
static const char *
s_service_of (s_broker_t *self, const char *command, const char **prefix_p)
{
    const char *service = NULL;
    size_t longest = 0;
    for (const char *owner = (const char *) zhash_first (self->owners); owner;
         owner = (const char *) zhash_next (self->owners)) {
        const char *prefix = zhash_cursor (self->owners);
        size_t len = strlen (prefix);
        if (len > longest && strncmp (command, prefix, len) == 0) {
            longest = len;
            service = owner;
            if (prefix_p)
                *prefix_p = prefix;
        }
    }
    return service;
}

//  The route a command takes, as a metric label: the service it goes to,
//  "broker" for SYSTEM.*, "none" if nobody serves it. Never the command
//  itself, which clients may invent, so the registry stays small (a
//  service is only a name a service key carries).
static const char *
s_route_label (s_broker_t *self, const char *command)
{
    if (strncmp (command, "SYSTEM.", 7) == 0)
        return "broker";
    const char *service = s_service_of (self, command, NULL);
    return service? service: "none";
}

//  Whether some service with a trusted key has not announced itself since
//  the broker started: a command nobody announced may then be its (it is
//  down, or not heard yet), so the broker cannot call the command unknown.
static bool
s_unheard (s_broker_t *self)
{
    for (char *name = (char *) zlist_first (self->keyed); name; name = (char *) zlist_next (self->keyed))
        if (!zhash_lookup (self->rings, name))
            return true;
    return false;
}

//  Count an answer the broker gives itself rather than relays.
static void
s_count_answer (wfa_code_t code)
{
    wfa_prom_add (wfa_prom (), "wfa_broker_replies_total", 1, "broker", NULL);
    if (code != WFA_OK)
        wfa_prom_add (wfa_prom (), "wfa_broker_errors_total", 1, wfa_error_name (code), NULL);
}

//  The broker's metrics.
static const wfa_prom_family_t s_metrics [] = {
    { "wfa_broker_calls_total", WFA_PROM_COUNTER, "route",
      "Calls received from clients, by route: the service the command goes to, broker for "
      "SYSTEM.*, none when nobody serves it." },
    { "wfa_broker_routed_total", WFA_PROM_COUNTER, "route",
      "Calls handed to a live worker, by service." },
    { "wfa_broker_replies_total", WFA_PROM_COUNTER, "route",
      "Replies sent to clients, by who answered: a service (relayed from its worker) or broker "
      "(its own answers)." },
    { "wfa_broker_errors_total", WFA_PROM_COUNTER, "code",
      "Error replies the broker gave itself, by reply code (BAD_FRAME, TOO_LARGE, "
      "UNKNOWN_COMMAND, SERVICE_UNAVAILABLE, ...)." },
    { "wfa_broker_heartbeats_total", WFA_PROM_COUNTER, "route",
      "READY messages received from workers, by service." },
    { "wfa_broker_dropped_total", WFA_PROM_COUNTER, "",
      "Malformed messages from workers, dropped." },
    { "wfa_broker_refused_total", WFA_PROM_COUNTER, "reason",
      "Messages the broker refused for who sent them, by reason: client_key (a key that is no "
      "client's: a service's, or none), worker_key (a READY whose key is not that service's), "
      "prefix_taken (a READY announcing a command prefix another service announced), "
      "too_many_prefixes (a READY whose new prefixes would take its service past 32 or the broker "
      "past 256), revoked "
      "(a key revoked since its connection opened), stray_reply (a reply from a worker the "
      "call did not go to, or to a call no longer in flight)." },
    { "wfa_broker_workers", WFA_PROM_GAUGE, "route",
      "Live workers, by service, sampled every second." },
    { NULL, WFA_PROM_COUNTER, NULL, NULL }
};

static void
s_declare_metrics (void)
{
    wfa_prom_t *prom = wfa_prom ();
    wfa_prom_declare_all (prom, s_metrics);
    const char *reasons [] = { "client_key", "worker_key", "prefix_taken", "too_many_prefixes",
                               "revoked", "stray_reply", NULL };
    for (int reason_nbr = 0; reasons [reason_nbr]; reason_nbr++)
        wfa_prom_add (prom, "wfa_broker_refused_total", 0, reasons [reason_nbr], NULL);
}

static void
s_refuse (const char *reason)
{
    wfa_prom_add (wfa_prom (), "wfa_broker_refused_total", 1, reason, NULL);
}

//  A service's route series read 0 from its first announcement on.
static void
s_declare_service (const char *service)
{
    wfa_prom_t *prom = wfa_prom ();
    wfa_prom_add (prom, "wfa_broker_calls_total", 0, service, NULL);
    wfa_prom_add (prom, "wfa_broker_routed_total", 0, service, NULL);
    wfa_prom_add (prom, "wfa_broker_replies_total", 0, service, NULL);
    wfa_prom_set (prom, "wfa_broker_workers", 0, service, NULL);
}

//  A worker said READY with its prefixes (the worker keeps the list, the
//  caller's pointer is nulled): remember or refresh it.
static void
s_worker_ready (s_broker_t *self, zframe_t *identity, const char *service, const char *instance,
                zlist_t **prefixes_p)
{
    char *key = zframe_strhex (identity);
    s_worker_t *worker = (s_worker_t *) zhash_lookup (self->workers, key);
    if (!worker) {
        worker = (s_worker_t *) zmalloc (sizeof (s_worker_t));
        worker->identity = zframe_dup (identity);
        snprintf (worker->service, sizeof worker->service, "%s", service);
        snprintf (worker->instance, sizeof worker->instance, "%s", instance);
        zhash_insert (self->workers, key, worker);
        zhash_freefn (self->workers, key, s_worker_destroy);
        zlist_t *ring = (zlist_t *) zhash_lookup (self->rings, service);
        if (!ring) {
            ring = zlist_new ();
            zlist_autofree (ring);
            zhash_insert (self->rings, service, ring);
            zhash_freefn (self->rings, service, s_ring_destroy);
            s_declare_service (service);
        }
        zlist_append (ring, key);
        wfa_log ("I", "worker %s (%s) joined", instance, service);
    }
    //  Its service owns what it announced from now on (s_worker_claims said it may)
    for (char *prefix = (char *) zlist_first (*prefixes_p); prefix;
         prefix = (char *) zlist_next (*prefixes_p))
        if (!zhash_lookup (self->owners, prefix)) {
            zhash_insert (self->owners, prefix, strdup (service));
            zhash_freefn (self->owners, prefix, free);
            wfa_log ("I", "%s serves %s", service, prefix);
        }
    zlist_destroy (&worker->prefixes);
    worker->prefixes = *prefixes_p;
    *prefixes_p = NULL;
    worker->expires = zclock_mono () + S_WORKER_TTL_MS;
    free (key);
}

//  The prefixes of a READY (its frames after service and instance), or
//  NULL when one is not a prefix: 2-64 of A-Z, 0-9, _ and dots, starting
//  with a letter and ending with a dot ("REQUEST.", "REQUEST.EXPORT."),
//  never the broker's own SYSTEM.; at least one, at most S_PREFIXES_MAX.
static zlist_t *
s_ready_prefixes (zmsg_t *msg)
{
    size_t count = zmsg_size (msg);
    if (count < 1 || count > S_PREFIXES_MAX)
        return NULL;
    zlist_t *prefixes = zlist_new ();
    zlist_autofree (prefixes);
    zlist_comparefn (prefixes, (zlist_compare_fn *) strcmp);
    for (zframe_t *frame = zmsg_first (msg); frame; frame = zmsg_next (msg)) {
        size_t size = zframe_size (frame);
        const char *data = (const char *) zframe_data (frame);
        bool valid = size >= 2 && size <= WFA_COMMAND_MAX && isupper ((unsigned char) data [0])
                  && data [size - 1] == '.' && !(size >= 7 && memcmp (data, "SYSTEM.", 7) == 0);
        for (size_t letter = 1; valid && letter + 1 < size; letter++)
            valid = isupper ((unsigned char) data [letter]) || isdigit ((unsigned char) data [letter])
                 || data [letter] == '_' || data [letter] == '.';
        if (!valid) {
            zlist_destroy (&prefixes);
            return NULL;
        }
        char *prefix = zframe_strdup (frame);
        zlist_append (prefixes, prefix);
        free (prefix);
    }
    return prefixes;
}

//  Refuse a READY for reason: counted, and logged once per 10 s.
static void
s_refuse_ready (s_broker_t *self, const char *reason, const char *instance, const char *service,
                const char *why)
{
    s_refuse (reason);
    if (zclock_mono () >= self->next_refusal_log) {
        wfa_log ("W", "worker %s (%s) refused: %s", instance, service, why);
        self->next_refusal_log = zclock_mono () + 10000;
    }
}

//  Whether service may serve every prefix it announced: none overlaps a
//  prefix of another service (equal to it, or one the start of the other:
//  "REQUEST." and "REQUEST.EXPORT."), so no service takes another's calls;
//  and those it does not own yet keep it within S_SERVICE_PREFIXES_MAX and
//  the broker within S_OWNERS_MAX, so no key can grow the table (and the
//  scans of it) without end.
static bool
s_worker_claims (s_broker_t *self, const char *service, const char *instance, zlist_t *prefixes)
{
    size_t owned = 0;
    for (const char *owner = (const char *) zhash_first (self->owners); owner;
         owner = (const char *) zhash_next (self->owners))
        if (streq (owner, service))
            owned++;
    size_t fresh = 0;
    char why [3 * WFA_COMMAND_MAX + 64];
    for (char *prefix = (char *) zlist_first (prefixes); prefix;
         prefix = (char *) zlist_next (prefixes)) {
        if (!zhash_lookup (self->owners, prefix))
            fresh++;
        for (const char *owner = (const char *) zhash_first (self->owners); owner;
             owner = (const char *) zhash_next (self->owners)) {
            const char *taken = zhash_cursor (self->owners);
            size_t shorter = MIN (strlen (prefix), strlen (taken));
            if (streq (owner, service) || strncmp (prefix, taken, shorter) != 0)
                continue;
            snprintf (why, sizeof why, "%s overlaps %s, served by %s", prefix, taken, owner);
            s_refuse_ready (self, "prefix_taken", instance, service, why);
            return false;
        }
    }
    if (owned + fresh > S_SERVICE_PREFIXES_MAX || zhash_size (self->owners) + fresh > S_OWNERS_MAX) {
        snprintf (why, sizeof why, "%zu new prefixes, its service owns %zu (at most %d), "
                  "all services %zu (at most %d)", fresh, owned, S_SERVICE_PREFIXES_MAX,
                  zhash_size (self->owners), S_OWNERS_MAX);
        s_refuse_ready (self, "too_many_prefixes", instance, service, why);
        return false;
    }
    return true;
}

//  Forget a worker.
static void
s_worker_forget (s_broker_t *self, const char *key)
{
    s_worker_t *worker = (s_worker_t *) zhash_lookup (self->workers, key);
    if (!worker)
        return;
    wfa_log ("I", "worker %s (%s) left", worker->instance, worker->service);
    zlist_t *ring = (zlist_t *) zhash_lookup (self->rings, worker->service);
    if (ring) {
        char *item = (char *) zlist_first (ring);
        while (item && !streq (item, key))
            item = (char *) zlist_next (ring);
        if (item)
            zlist_remove (ring, item);
    }
    zhash_delete (self->workers, key);
}

//  Live workers of a service.
static size_t
s_live_count (s_broker_t *self, const char *service)
{
    zlist_t *ring = (zlist_t *) zhash_lookup (self->rings, service);
    size_t count = 0;
    int64_t now = zclock_mono ();
    char *key = ring? (char *) zlist_first (ring): NULL;
    while (key) {
        s_worker_t *worker = (s_worker_t *) zhash_lookup (self->workers, key);
        if (worker && worker->expires > now)
            count++;
        key = (char *) zlist_next (ring);
    }
    return count;
}

//  Send a reply body to a client.
static void
s_reply (s_broker_t *self, zframe_t **client_p, const char *command, zframe_t **body_p)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, client_p);
    zmsg_addstr (msg, command);
    zmsg_append (msg, body_p);
    if (zmsg_send (&msg, self->frontend))
        zmsg_destroy (&msg);
}

//  Answer a call with an error code, echoing its id and language (read
//  from the body's leading entries when it does not decode). A problem of
//  the body itself comes first, unless the code is about the frames.
static void
s_reply_error (s_broker_t *self, zframe_t **client_p, const char *command, zframe_t *body,
               wfa_code_t code, const char *detail)
{
    wfa_call_t *call = wfa_call_new (command, body? zframe_data (body): NULL, body? zframe_size (body): 0);
    bool framing = code == WFA_E_BAD_FRAME || code == WFA_E_TOO_LARGE;
    if (framing)
        wfa_call_clear (call);
    if (!wfa_call_failed (call))
        wfa_call_error (call, code, NULL, detail, -1);
    s_count_answer (wfa_call_code (call));
    zframe_t *reply = wfa_call_encode_reply (call);
    wfa_call_destroy (&call);
    s_reply (self, client_p, command, &reply);
}

//  SYSTEM.PING: live instances per service, of every service announced.
static void
s_ping (s_broker_t *self, zframe_t **client_p, const char *command, zframe_t *body)
{
    wfa_call_t *call = wfa_call_new (command, zframe_data (body), zframe_size (body));
    if (!wfa_call_failed (call)) {
        if (!streq (command, "SYSTEM.PING"))
            wfa_call_error (call, WFA_E_UNKNOWN_COMMAND, NULL, command, -1);
        else {
            msgpack_packer *pk = wfa_call_reply (call, "services");
            msgpack_pack_map (pk, zhash_size (self->rings));
            for (zlist_t *ring = (zlist_t *) zhash_first (self->rings); ring;
                 ring = (zlist_t *) zhash_next (self->rings)) {
                wfa_mp_pack_str (pk, zhash_cursor (self->rings));
                msgpack_pack_uint64 (pk, s_live_count (self, zhash_cursor (self->rings)));
            }
        }
    }
    s_count_answer (wfa_call_code (call));
    zframe_t *reply = wfa_call_encode_reply (call);
    wfa_call_destroy (&call);
    s_reply (self, client_p, command, &reply);
}

//  The principal a message's connection authenticated as ("" if none),
//  and whether its key has been revoked since.
static const char *
s_principal_of (s_broker_t *self, zframe_t *frame, bool *revoked)
{
    const char *principal = zframe_meta (frame, "principal");
    *revoked = wfa_keys_revoked_has (self->revoked, zframe_meta (frame, "User-Id"));
    return principal? principal: "";
}


//  Hand a call to the next live worker of service; false if none took it.
static bool
s_route (s_broker_t *self, const char *service, const char *prefix, zframe_t *client,
         const char *principal, const char *command, zframe_t *body)
{
    zlist_t *ring = (zlist_t *) zhash_lookup (self->rings, service);
    size_t tries = ring? zlist_size (ring): 0;
    int64_t now = zclock_mono ();
    while (tries-- > 0) {
        char *key = (char *) zlist_pop (ring);
        s_worker_t *worker = (s_worker_t *) zhash_lookup (self->workers, key);
        //  Live, and announced the prefix (in a rolling upgrade not every
        //  worker of a service serves the same commands)
        if (!worker || worker->expires <= now || !zlist_exists (worker->prefixes, (void *) prefix)) {
            zlist_append (ring, key);
            free (key);
            continue;
        }
        zlist_append (ring, key);       //  To the back: round robin
        uint64_t token = ++self->next_token;
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, zframe_data (worker->identity), zframe_size (worker->identity));
        zmsg_addstr (msg, "CALL");
        zmsg_addmem (msg, &token, sizeof token);
        zmsg_addstr (msg, principal);
        zmsg_addstr (msg, command);
        zmsg_addmem (msg, zframe_data (body), zframe_size (body));
        if (zmsg_send (&msg, self->backend) == 0) {
            //  Remember where it went; an older call in the slot is forgotten
            s_slot_t *slot = &self->slots [token % S_SLOTS];
            zframe_destroy (&slot->client);
            zframe_destroy (&slot->worker);
            slot->token = token;
            slot->client = zframe_dup (client);
            slot->worker = zframe_dup (worker->identity);
            free (key);
            self->routed++;
            wfa_prom_add (wfa_prom (), "wfa_broker_routed_total", 1, service, NULL);
            return true;
        }
        //  Unroutable: the worker is gone
        zmsg_destroy (&msg);
        s_worker_forget (self, key);
        free (key);
    }
    return false;
}

//  A message from a client (the caller destroys msg).
static void
s_client_message (s_broker_t *self, zmsg_t *msg)
{
    zframe_t *client = zmsg_pop (msg);
    zframe_t *head = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    char command [WFA_COMMAND_MAX + 1] = "ERROR";
    bool sane_head = head && zframe_size (head) > 0 && zframe_size (head) <= WFA_COMMAND_MAX;
    if (sane_head) {
        memcpy (command, zframe_data (head), zframe_size (head));
        command [zframe_size (head)] = 0;
        for (char *letter = command; *letter; letter++)
            if (!isgraph ((unsigned char) *letter))
                sane_head = false;
        if (!sane_head)
            snprintf (command, sizeof command, "ERROR");
    }
    //  Who sent it: a client's key, still valid; anything else gets no answer
    bool revoked = false;
    wfa_principal_t principal;
    if (head)
        wfa_principal_parse (s_principal_of (self, head, &revoked), &principal);
    bool client_key = head && !revoked && principal.kind != WFA_PRINCIPAL_NONE
                   && principal.kind != WFA_PRINCIPAL_SERVICE;
    if (client && client_key)
        wfa_prom_add (wfa_prom (), "wfa_broker_calls_total", 1,
                      sane_head? s_route_label (self, command): "none", NULL);
    if (!client)
        ;                                   //  Nothing to answer to
    else
    if (!client_key)
        s_refuse (revoked? "revoked": "client_key");
    else
    if (!sane_head || !body || zmsg_size (msg) > 0) {
        char detail [64];
        if (!sane_head && head)
            snprintf (detail, sizeof detail, "frame 0: 1-64 ASCII");
        else
            snprintf (detail, sizeof detail, "%zu frames", zmsg_size (msg) + (head? 1: 0) + (body? 1: 0));
        s_reply_error (self, &client, command, body, WFA_E_BAD_FRAME, detail);
    }
    else
    if (zframe_size (body) > wfa_mp_protocol_limits.max_size) {
        char detail [64];
        snprintf (detail, sizeof detail, "%zu > %zu bytes", zframe_size (body),
                  wfa_mp_protocol_limits.max_size);
        s_reply_error (self, &client, command, body, WFA_E_TOO_LARGE, detail);
    }
    else
    if (strncmp (command, "SYSTEM.", 7) == 0)
        s_ping (self, &client, command, body);
    else {
        const char *prefix = NULL;
        const char *service = s_service_of (self, command, &prefix);
        //  The principal as the broker understood it, never the raw metadata
        char text [WFA_PRINCIPAL_MAX];
        wfa_principal_format (&principal, text, sizeof text);
        //  While a keyed service is unheard, an unclaimed command may be its
        if (!service)
            s_reply_error (self, &client, command, body, s_unheard (self)?
                           WFA_E_SERVICE_UNAVAILABLE: WFA_E_UNKNOWN_COMMAND, command);
        else
        if (!s_route (self, service, prefix, client, text, command, body))
            s_reply_error (self, &client, command, body, WFA_E_SERVICE_UNAVAILABLE, service);
    }
    zframe_destroy (&client);
    zframe_destroy (&head);
    zframe_destroy (&body);
}

//  A message from a worker (the caller destroys msg).
static void
s_worker_message (s_broker_t *self, zmsg_t *msg)
{
    zframe_t *identity = zmsg_pop (msg);
    //  Only a service's own key may serve, and only that service (the
    //  routing id the ROUTER made carries no metadata; the frames do)
    bool revoked = false;
    wfa_principal_t principal;
    zframe_t *first = zmsg_first (msg);
    wfa_principal_parse (first? s_principal_of (self, first, &revoked): "", &principal);
    bool service_key = principal.kind == WFA_PRINCIPAL_SERVICE && !revoked;
    char *kind = zmsg_popstr (msg);
    if (!service_key) {
        s_refuse (revoked? "revoked": "worker_key");
        //  A forgotten worker gets no more calls
        if (identity) {
            char *key = zframe_strhex (identity);
            s_worker_forget (self, key);
            free (key);
        }
    }
    else
    if (identity && kind && streq (kind, "READY") && zmsg_size (msg) >= 3) {
        char *service = zmsg_popstr (msg);
        char *instance = zmsg_popstr (msg);
        zlist_t *prefixes = s_ready_prefixes (msg);
        if (!streq (service, principal.name))
            s_refuse ("worker_key");
        else
        if (!prefixes)
            wfa_prom_add (wfa_prom (), "wfa_broker_dropped_total", 1, NULL);
        else
        if (s_worker_claims (self, service, instance, prefixes)) {
            s_worker_ready (self, identity, service, instance, &prefixes);
            wfa_prom_add (wfa_prom (), "wfa_broker_heartbeats_total", 1, service, NULL);
        }
        zlist_destroy (&prefixes);
        free (service);
        free (instance);
    }
    else
    if (identity && kind && streq (kind, "REPLY") && zmsg_size (msg) == 3) {
        zframe_t *token_frame = zmsg_pop (msg);
        char *command = zmsg_popstr (msg);
        zframe_t *body = zmsg_pop (msg);
        uint64_t token = 0;
        if (zframe_size (token_frame) == sizeof token)
            memcpy (&token, zframe_data (token_frame), sizeof token);
        s_slot_t *slot = &self->slots [token % S_SLOTS];
        //  The reply of the call in flight with that token, from its worker
        if (token && slot->token == token && slot->worker && zframe_eq (slot->worker, identity)) {
            wfa_prom_add (wfa_prom (), "wfa_broker_replies_total", 1,
                          command? s_route_label (self, command): "none", NULL);
            s_reply (self, &slot->client, command, &body);
            zframe_destroy (&slot->worker);
            slot->token = 0;
        }
        else {
            s_refuse ("stray_reply");
            zframe_destroy (&body);
        }
        zframe_destroy (&token_frame);
        free (command);
    }
    else {
        wfa_log ("W", "malformed message from a worker dropped");
        wfa_prom_add (wfa_prom (), "wfa_broker_dropped_total", 1, NULL);
    }
    free (kind);
    zframe_destroy (&identity);
}

//  A message on either port.
static int
s_on_message (zloop_t *loop, zsock_t *sock, void *arg)
{
    (void) loop;
    s_broker_t *self = (s_broker_t *) arg;
    zmsg_t *msg = zmsg_recv (sock);
    if (msg && sock == self->frontend)
        s_client_message (self, msg);
    else
    if (msg)
        s_worker_message (self, msg);
    zmsg_destroy (&msg);
    return 0;
}

//  Forget workers that stopped announcing themselves.
static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop; (void) timer_id;
    s_broker_t *self = (s_broker_t *) arg;
    int64_t now = zclock_mono ();
    zlist_t *keys = zhash_keys (self->workers);
    char *key = (char *) zlist_first (keys);
    while (key) {
        s_worker_t *worker = (s_worker_t *) zhash_lookup (self->workers, key);
        if (worker && worker->expires <= now)
            s_worker_forget (self, key);
        key = (char *) zlist_next (keys);
    }
    zlist_destroy (&keys);
    wfa_keys_revoked_refresh (self->revoked);
    for (zlist_t *ring = (zlist_t *) zhash_first (self->rings); ring;
         ring = (zlist_t *) zhash_next (self->rings))
        wfa_prom_set (wfa_prom (), "wfa_broker_workers",
                      (double) s_live_count (self, zhash_cursor (self->rings)),
                      zhash_cursor (self->rings), NULL);
    return 0;
}

static int
s_on_interrupt (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop; (void) timer_id; (void) arg;
    return zsys_interrupted? -1: 0;
}

int
main (int argc, char *argv [])
{
    argc = wfa_config_load (argc, argv);
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        if (streq (argv [arg_nbr], "--help") || streq (argv [arg_nbr], "-h")) {
            printf ("wfa-broker: routes Fleksi calls to service instances\n\n"
                    "Options (flag, environment, meaning):\n");
            wfa_config_print (stdout);
            return 0;
        }
        fprintf (stderr, "wfa-broker: unknown argument %s (try --help)\n", argv [arg_nbr]);
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    s_broker_t self = { 0 };
    const char *keys = wfa_config_get (WFA_CFG_KEYS);
    zactor_t *auth = wfa_keys_auth (keys);
    self.frontend = zsock_new (ZMQ_ROUTER);
    self.backend = zsock_new (ZMQ_ROUTER);
    assert (auth && self.frontend && self.backend);
    if (wfa_keys_server (self.frontend, keys) || wfa_keys_server (self.backend, keys)) {
        wfa_log ("E", "no broker key in %s (make one with: wfactl keys init %s)", keys, keys);
        zsock_destroy (&self.frontend);
        zsock_destroy (&self.backend);
        zactor_destroy (&auth);
        return 1;
    }
    //  Past 16 MiB ZeroMQ drops the connection; under it we answer TOO_LARGE
    zsock_set_maxmsgsize (self.frontend, 16 * 1024 * 1024);
    zsock_set_router_mandatory (self.backend, 1);
    zsock_set_sndhwm (self.frontend, 100000);
    zsock_set_rcvhwm (self.frontend, 100000);
    zsock_set_sndhwm (self.backend, 100000);
    zsock_set_rcvhwm (self.backend, 100000);
    zsock_set_linger (self.frontend, 0);
    zsock_set_linger (self.backend, 0);
    if (zsock_bind (self.frontend, "%s", wfa_config_get (WFA_CFG_FRONTEND)) < 0
    ||  zsock_bind (self.backend, "%s", wfa_config_get (WFA_CFG_BACKEND)) < 0) {
        wfa_log ("E", "cannot bind %s / %s: %s", wfa_config_get (WFA_CFG_FRONTEND),
                 wfa_config_get (WFA_CFG_BACKEND), zmq_strerror (zmq_errno ()));
        zsock_destroy (&self.frontend);
        zsock_destroy (&self.backend);
        zactor_destroy (&auth);
        return 1;
    }
    s_declare_metrics ();
    zactor_t *metrics = wfa_prom_start ("broker");
    self.slots = (s_slot_t *) calloc (S_SLOTS, sizeof (s_slot_t));
    assert (self.slots);
    self.revoked = wfa_keys_revoked_new (keys);
    self.workers = zhash_new ();
    self.rings = zhash_new ();
    self.owners = zhash_new ();
    self.keyed = wfa_keys_services (keys);
    zloop_t *loop = zloop_new ();
    zloop_reader (loop, self.frontend, s_on_message, &self);
    zloop_reader (loop, self.backend, s_on_message, &self);
    zloop_timer (loop, 1000, 0, s_on_timer, &self);
    zloop_timer (loop, 100, 0, s_on_interrupt, &self);
    wfa_log ("I", "broker ready (CURVE, keys %s): clients %s, workers %s", keys,
             wfa_config_get (WFA_CFG_FRONTEND), wfa_config_get (WFA_CFG_BACKEND));
    zloop_start (loop);
    wfa_log ("I", "broker stopping after %" PRIu64 " calls", self.routed);
    zloop_destroy (&loop);
    zhash_destroy (&self.owners);
    zlist_destroy (&self.keyed);
    zhash_destroy (&self.rings);
    zhash_destroy (&self.workers);
    zsock_destroy (&self.frontend);
    zsock_destroy (&self.backend);
    for (size_t slot_nbr = 0; slot_nbr < S_SLOTS; slot_nbr++) {
        zframe_destroy (&self.slots [slot_nbr].client);
        zframe_destroy (&self.slots [slot_nbr].worker);
    }
    free (self.slots);
    wfa_keys_revoked_destroy (&self.revoked);
    zactor_destroy (&auth);
    zactor_destroy (&metrics);
    return 0;
}
