/*  wfa_service.c - the worker actor: broker connections, heartbeats and
    call dispatch.

    One thread, one zloop: a reader per broker DEALER and a one-second
    timer that announces READY and keeps Redis connected. Calls are
    handled in arrival order; throughput comes from running more
    instances, which the broker shares calls between. */
#include "wfa.h"

typedef struct {
    const wfa_service_def_t *def;   //  What we serve
    zsock_t *pipe;                  //  Actor pipe
    zlist_t *dealers;               //  One DEALER per broker
    wfa_redis_t *redis;             //  Our connection
    uint64_t calls;                 //  Calls handled
    zlist_t *prefixes;              //  What READY announces (wfa_service_prefixes)
} s_worker_t;

static char s_instance [96];

//  A unique name for this process.
const char *
wfa_instance_id (void)
{
    if (!*s_instance) {
        char host [64] = "host";
        gethostname (host, sizeof host - 1);
        host [sizeof host - 1] = 0;
        snprintf (s_instance, sizeof s_instance, "%s-%d-%04x", host, (int) getpid (),
                  (unsigned) (wfa_now_ms () & 0xffff));
    }
    return s_instance;
}

//  Answer REDIS_UNAVAILABLE (or STORAGE_FULL) if reply is NULL.
bool
wfa_call_redis_down (wfa_call_t *call, const redisReply *reply)
{
    if (reply)
        return false;
    wfa_call_error (call, wfa_redis_refused_full ()? WFA_E_STORAGE_FULL: WFA_E_REDIS_UNAVAILABLE,
                    NULL, NULL, -1);
    return true;
}

//  Path of the service's own secret certificate in the key folder.
static void
s_service_key (const char *name, char *buf, size_t size)
{
    wfa_principal_t principal = { .kind = WFA_PRINCIPAL_SERVICE };
    snprintf (principal.name, sizeof principal.name, "%s", name);
    wfa_keys_path (wfa_config_get (WFA_CFG_KEYS), &principal, true, buf, size);
}

//  The command prefixes of a route table.
zlist_t *
wfa_service_prefixes (const wfa_route_t *routes)
{
    zlist_t *prefixes = zlist_new ();
    zlist_autofree (prefixes);
    zlist_comparefn (prefixes, (zlist_compare_fn *) strcmp);
    for (const wfa_route_t *route = routes; route->command; route++) {
        const char *dot = strchr (route->command, '.');
        assert (dot && dot > route->command);   //  Every command is PREFIX.VERB
        char prefix [WFA_COMMAND_MAX + 1];
        snprintf (prefix, sizeof prefix, "%.*s", (int) (dot - route->command + 1), route->command);
        if (!zlist_exists (prefixes, prefix))
            zlist_append (prefixes, prefix);
    }
    return prefixes;
}

//  Announce this worker to every broker: READY, name, instance, prefixes.
static void
s_announce (s_worker_t *self)
{
    zsock_t *dealer = (zsock_t *) zlist_first (self->dealers);
    while (dealer) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, "READY");
        zmsg_addstr (msg, self->def->name);
        zmsg_addstr (msg, wfa_instance_id ());
        for (char *prefix = (char *) zlist_first (self->prefixes); prefix;
             prefix = (char *) zlist_next (self->prefixes))
            zmsg_addstr (msg, prefix);
        if (zmsg_send (&msg, dealer))
            zmsg_destroy (&msg);
        dealer = (zsock_t *) zlist_next (self->dealers);
    }
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop; (void) timer_id;
    s_worker_t *self = (s_worker_t *) arg;
    s_announce (self);
    if (wfa_redis_connect (self->redis) == 0 && self->def->housekeeping)
        self->def->housekeeping (self->redis, self->def->state);
    wfa_redis_export (self->redis, "worker");
    return 0;
}

//  The route of a command, or NULL.
static const wfa_route_t *
s_route_of (s_worker_t *self, const char *command)
{
    const wfa_route_t *route = self->def->routes;
    while (route->command && !streq (route->command, command))
        route++;
    return route->command? route: NULL;
}

//  A command as a metric label: one of our route table, or "other", so
//  that clients inventing commands cannot grow the registry.
static const char *
s_command_label (const wfa_route_t *route)
{
    return route? route->command: "other";
}

//  Run one call through its handler and return the reply frame.
static zframe_t *
s_dispatch (s_worker_t *self, const char *command, zframe_t *body, const char *principal_text)
{
    const wfa_route_t *route = s_route_of (self, command);
    wfa_call_t *call = wfa_call_new (command, zframe_data (body), zframe_size (body));
    //  Who the broker authenticated; a principal it could not name stays NONE
    wfa_principal_t principal;
    wfa_principal_parse (principal_text, &principal);
    wfa_call_set_principal (call, &principal);
    if (!wfa_call_failed (call) && route)
        wfa_call_check_fields (call, route->fields);
    if (!wfa_call_failed (call) && route)
        wfa_call_check_as (call);
    if (!wfa_call_failed (call)) {
        if (route)
            route->handler (call, self->redis, self->def->state);
        else
            wfa_call_error (call, WFA_E_UNKNOWN_COMMAND, NULL, wfa_call_command (call), -1);
    }
    wfa_code_t code = wfa_call_code (call);
    if (wfa_verbose ())
        wfa_log ("D", "call %s -> %s", command, wfa_error_name (code));
    if (code != WFA_OK)
        wfa_prom_add (wfa_prom (), "wfa_errors_total", 1, s_command_label (route),
                      wfa_error_name (code), NULL);
    zframe_t *reply = wfa_call_encode_reply (call);
    wfa_call_destroy (&call);
    self->calls++;
    return reply;
}

//  A message from a broker.
static int
s_on_dealer (zloop_t *loop, zsock_t *dealer, void *arg)
{
    (void) loop;
    s_worker_t *self = (s_worker_t *) arg;
    zmsg_t *msg = zmsg_recv (dealer);
    if (!msg)
        return 0;
    double started = wfa_prom_clock ();
    char *kind = zmsg_popstr (msg);
    zframe_t *token = zmsg_pop (msg);
    char *principal = zmsg_popstr (msg);
    char *command = zmsg_popstr (msg);
    zframe_t *body = zmsg_pop (msg);
    if (kind && streq (kind, "CALL") && token && principal && command && body
    &&  zmsg_size (msg) == 0) {
        const char *label = s_command_label (s_route_of (self, command));
        wfa_prom_add (wfa_prom (), "wfa_messages_in_total", 1, label, NULL);
        zframe_t *reply = s_dispatch (self, command, body, principal);
        zmsg_t *out = zmsg_new ();
        zmsg_addstr (out, "REPLY");
        zmsg_append (out, &token);
        zmsg_addstr (out, command);
        zmsg_append (out, &reply);
        if (zmsg_send (&out, dealer))
            zmsg_destroy (&out);
        else
            wfa_prom_add (wfa_prom (), "wfa_messages_out_total", 1, label, NULL);
        wfa_prom_observe (wfa_prom (), "wfa_call_duration_seconds",
                          wfa_prom_clock () - started, label, NULL);
    }
    else
        wfa_log ("W", "malformed message from broker dropped");
    free (kind);
    free (principal);
    free (command);
    zframe_destroy (&token);
    zframe_destroy (&body);
    zmsg_destroy (&msg);
    return 0;
}

static int
s_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop; (void) arg;
    char *command = zstr_recv (pipe);
    int rc = (!command || streq (command, "$TERM"))? -1: 0;
    free (command);
    return rc;
}

//  The worker actor.
static void
s_worker_actor (zsock_t *pipe, void *args)
{
    s_worker_t self = { 0 };
    self.def = (const wfa_service_def_t *) args;
    self.pipe = pipe;
    self.redis = wfa_redis_new (wfa_config_get (WFA_CFG_REDIS), 2000);
    self.prefixes = wfa_service_prefixes (self.def->routes);
    self.dealers = zlist_new ();
    zloop_t *loop = zloop_new ();
    char *endpoints = strdup (wfa_config_get (WFA_CFG_BROKER));
    char *saveptr = NULL;
    //  The service's own key proves to the broker which service it is
    char secret [PATH_MAX];
    s_service_key (self.def->name, secret, sizeof secret);
    for (char *endpoint = strtok_r (endpoints, ",", &saveptr); endpoint;
         endpoint = strtok_r (NULL, ",", &saveptr)) {
        zsock_t *dealer = zsock_new (ZMQ_DEALER);
        assert (dealer);
        char why [PATH_MAX + 64];
        if (wfa_keys_client (dealer, wfa_config_get (WFA_CFG_KEYS), secret, why, sizeof why))
            wfa_log ("E", "no key to sign in to the broker with: %s", why);
        zsock_set_linger (dealer, 0);
        zsock_set_sndhwm (dealer, 100000);
        zsock_set_rcvhwm (dealer, 100000);
        zsock_set_reconnect_ivl (dealer, 100);
        zsock_set_reconnect_ivl_max (dealer, 1000);
        if (zsock_connect (dealer, "%s", endpoint))
            wfa_log ("E", "cannot connect to broker %s", endpoint);
        zlist_append (self.dealers, dealer);
        zloop_reader (loop, dealer, s_on_dealer, &self);
    }
    free (endpoints);
    zloop_reader (loop, pipe, s_on_pipe, &self);
    zloop_timer (loop, 1000, 0, s_on_timer, &self);
    wfa_redis_connect (self.redis);
    wfa_redis_export (self.redis, "worker");
    s_announce (&self);
    zsock_signal (pipe, 0);

    zloop_start (loop);

    zloop_destroy (&loop);
    zsock_t *dealer = (zsock_t *) zlist_first (self.dealers);
    while (dealer) {
        zsock_destroy (&dealer);
        dealer = (zsock_t *) zlist_next (self.dealers);
    }
    zlist_destroy (&self.dealers);
    zlist_destroy (&self.prefixes);
    wfa_redis_destroy (&self.redis);
}

//  Declare the worker's metrics; every command of the table reads 0
//  before its first call, so rates start from the beginning.
static void
s_declare_metrics (const wfa_service_def_t *def)
{
    wfa_prom_t *prom = wfa_prom ();
    wfa_prom_declare (prom, "wfa_messages_in_total", WFA_PROM_COUNTER,
                      "Calls received from the broker, by command (other: a command this "
                      "service does not have).", "command", NULL, 0);
    wfa_prom_declare (prom, "wfa_messages_out_total", WFA_PROM_COUNTER,
                      "Replies sent back to the broker, by command.", "command", NULL, 0);
    wfa_prom_declare (prom, "wfa_errors_total", WFA_PROM_COUNTER,
                      "Replies with an error, by command and reply code (docs/protocol.md).",
                      "command,code", NULL, 0);
    wfa_prom_declare (prom, "wfa_call_duration_seconds", WFA_PROM_HISTOGRAM,
                      "Time from receiving a call to handing its reply to ZeroMQ, by command.",
                      "command", wfa_prom_latency_buckets, wfa_prom_latency_bucket_count);
    for (const wfa_route_t *route = def->routes; route->command; route++) {
        wfa_prom_add (prom, "wfa_messages_in_total", 0, route->command, NULL);
        wfa_prom_add (prom, "wfa_messages_out_total", 0, route->command, NULL);
    }
}

//  Start the worker actor.
zactor_t *
wfa_service_new (const wfa_service_def_t *def)
{
    s_declare_metrics (def);
    return zactor_new (s_worker_actor, (void *) def);
}

//  Run a service until interrupted.
int
wfa_service_main (const wfa_service_def_t *def, int argc, char **argv)
{
    argc = wfa_config_load (argc, argv);
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        if (streq (argv [arg_nbr], "--help") || streq (argv [arg_nbr], "-h")) {
            printf ("wfa-%s: the Fleksi %s service\n\nOptions (flag, environment, meaning):\n",
                    def->name, def->name);
            wfa_config_print (stdout);
            return 0;
        }
        fprintf (stderr, "wfa-%s: unknown argument %s (try --help)\n", def->name, argv [arg_nbr]);
        return 2;
    }
    if (wfa_redis_credentials (def->name))
        return 1;
    zsys_init ();
    zsys_set_logstream (NULL);
    //  Without its key a worker cannot sign in: say so and stop
    char secret [PATH_MAX], why [PATH_MAX + 64];
    s_service_key (def->name, secret, sizeof secret);
    zsock_t *probe = zsock_new (ZMQ_DEALER);
    int keyed = wfa_keys_client (probe, wfa_config_get (WFA_CFG_KEYS), secret, why, sizeof why);
    zsock_destroy (&probe);
    if (keyed) {
        wfa_log ("E", "%s: no key to sign in to the broker with: %s", def->name, why);
        return 1;
    }
    zactor_t *metrics = wfa_prom_start (def->name);
    zactor_t *worker = wfa_service_new (def);
    zactor_t *consumer = def->events? wfa_consumer_new (def->name, def->events, def->state): NULL;
    wfa_log ("I", "%s ready: redis %s, broker %s, instance %s", def->name,
             wfa_config_get (WFA_CFG_REDIS), wfa_config_get (WFA_CFG_BROKER), wfa_instance_id ());
    while (!zsys_interrupted)
        zclock_sleep (100);
    wfa_log ("I", "%s stopping", def->name);
    zactor_destroy (&consumer);
    zactor_destroy (&worker);
    zactor_destroy (&metrics);
    return 0;
}

static void
s_echo (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) redis;
    (*(int *) state)++;
    const char *text = wfa_call_str (call, "text", 100, true);
    const char *actor = wfa_call_actor (call);
    if (!wfa_call_failed (call)) {
        wfa_mp_pack_str (wfa_call_reply (call, "echo"), text);
        wfa_mp_pack_str (wfa_call_reply (call, "actor"), actor);
    }
}

void
wfa_service_test (bool verbose)
{
    //  A fake broker: a CURVE ROUTER the worker connects to with its key
    char keys [] = "/tmp/wfa-service-XXXXXX";
    assert (mkdtemp (keys));
    assert (wfa_keys_init (keys, NULL) > 0);
    wfa_config_set (WFA_CFG_KEYS, keys);
    zactor_t *auth = wfa_keys_auth (keys);
    zsock_t *broker = zsock_new (ZMQ_ROUTER);
    assert (broker && wfa_keys_server (broker, keys) == 0);
    assert (zsock_bind (broker, "tcp://127.0.0.1:*") > 0);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", zsock_endpoint (broker)?
              atoi (strrchr (zsock_endpoint (broker), ':') + 1): 0);
    wfa_config_set (WFA_CFG_BROKER, endpoint);
    wfa_config_set (WFA_CFG_REDIS, "127.0.0.1:1");  //  Nothing there
    //  A worker announces each command prefix of its table once, in table order
    static const wfa_route_t several [] = { { "REQUEST.SUBMIT", s_echo, "" },
                                            { "KEYS.ISSUE", s_echo, "" },
                                            { "REQUEST.GET", s_echo, "" }, { NULL, NULL, NULL } };
    zlist_t *prefixes = wfa_service_prefixes (several);
    assert (zlist_size (prefixes) == 2);
    assert (streq ((char *) zlist_first (prefixes), "REQUEST."));
    assert (streq ((char *) zlist_next (prefixes), "KEYS."));
    zlist_destroy (&prefixes);

    static const wfa_route_t routes [] = { { "TEST.ECHO", s_echo, "text" }, { NULL, NULL, NULL } };
    int handled = 0;
    wfa_service_def_t def = { "requests", routes, NULL, &handled, NULL };
    zactor_t *worker = wfa_service_new (&def);
    assert (worker);

    //  The worker announces itself and the prefix it serves
    zmsg_t *msg = zmsg_recv (broker);
    assert (msg && zmsg_size (msg) == 5);
    zframe_t *identity = zmsg_pop (msg);
    //  Signed in with the requests service's key
    assert (streq (zframe_meta (zmsg_first (msg), "principal"), "service:requests"));
    char *kind = zmsg_popstr (msg);
    char *name = zmsg_popstr (msg);
    assert (streq (kind, "READY") && streq (name, "requests"));
    free (kind);
    free (name);
    free (zmsg_popstr (msg));       //  Instance
    char *prefix = zmsg_popstr (msg);
    assert (streq (prefix, "TEST."));
    free (prefix);
    zmsg_destroy (&msg);

    //  A good call, an unknown command, a bad body, a call whose principal
    //  the broker could not name (acts as nobody), and a field the route
    //  does not accept (refused before the handler)
    const char *commands [] = { "TEST.ECHO", "TEST.NOPE", "TEST.ECHO", "TEST.ECHO", "TEST.ECHO" };
    const char *bodies [] = { "\x82\xa1v\x01\xa4text\xa2hi", "\x81\xa1v\x01", "\x93",
                              "\x82\xa1v\x01\xa4text\xa2hi", "\x83\xa1v\x01\xa4text\xa2hi\xa3zzz\x01" };
    size_t sizes [] = { 12, 4, 1, 12, 17 };
    const char *principals [] = { "employee:198507142010011003", "operator", "operator", "",
                                  "employee:198507142010011003" };
    const char *codes [] = { "OK", "UNKNOWN_COMMAND", "BAD_MSGPACK", "UNAUTHENTICATED", "BAD_FIELD" };
    for (int call_nbr = 0; call_nbr < 5; call_nbr++) {
        msg = zmsg_new ();
        zmsg_append (msg, &(zframe_t *) { zframe_dup (identity) });
        zmsg_addstr (msg, "CALL");
        zmsg_addstr (msg, "token-1");
        zmsg_addstr (msg, principals [call_nbr]);
        zmsg_addstr (msg, commands [call_nbr]);
        zmsg_addmem (msg, bodies [call_nbr], sizes [call_nbr]);
        zmsg_send (&msg, broker);
        //  Skip heartbeats until the reply arrives
        char *reply_kind = NULL;
        while (true) {
            msg = zmsg_recv (broker);
            zframe_t *from = zmsg_pop (msg);
            zframe_destroy (&from);
            reply_kind = zmsg_popstr (msg);
            if (streq (reply_kind, "REPLY"))
                break;
            free (reply_kind);
            zmsg_destroy (&msg);
        }
        free (reply_kind);
        char *client = zmsg_popstr (msg);
        char *command = zmsg_popstr (msg);
        assert (streq (client, "token-1") && streq (command, commands [call_nbr]));
        zframe_t *body = zmsg_pop (msg);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        size_t offset = 0;
        msgpack_unpack_next (&unpacked, (const char *) zframe_data (body), zframe_size (body), &offset);
        assert (wfa_mp_streq (wfa_mp_get (&unpacked.data, "code"), codes [call_nbr]));
        if (call_nbr == 0) {
            assert (wfa_mp_streq (wfa_mp_get (&unpacked.data, "echo"), "hi"));
            assert (wfa_mp_streq (wfa_mp_get (&unpacked.data, "actor"), "198507142010011003"));
        }
        msgpack_unpacked_destroy (&unpacked);
        zframe_destroy (&body);
        free (client);
        free (command);
        zmsg_destroy (&msg);
    }
    assert (handled == 2);         //  Not the unknown field's call
    zframe_destroy (&identity);
    zactor_destroy (&worker);
    //  Metrics by command; commands we do not have count as "other"
    wfa_prom_t *prom = wfa_prom ();
    assert (wfa_prom_value (prom, "wfa_messages_in_total", "TEST.ECHO", NULL) == 4);
    assert (wfa_prom_value (prom, "wfa_messages_in_total", "other", NULL) == 1);
    assert (wfa_prom_value (prom, "wfa_messages_out_total", "TEST.ECHO", NULL) == 4);
    assert (wfa_prom_value (prom, "wfa_call_duration_seconds", "TEST.ECHO", NULL) == 4);
    assert (wfa_prom_value (prom, "wfa_errors_total", "TEST.ECHO", "BAD_FIELD", NULL) == 1);
    assert (wfa_prom_value (prom, "wfa_errors_total", "TEST.ECHO", "BAD_MSGPACK", NULL) == 1);
    assert (wfa_prom_value (prom, "wfa_errors_total", "other", "UNKNOWN_COMMAND", NULL) == 1);
    assert (isnan (wfa_prom_value (prom, "wfa_errors_total", "TEST.ECHO", "OK", NULL)));
    zsock_destroy (&broker);
    zactor_destroy (&auth);
    zdir_t *tree = zdir_new (keys, NULL);
    zdir_remove (tree, true);
    zdir_destroy (&tree);
    for (int option_nbr = 0; option_nbr < WFA_CFG_COUNT; option_nbr++)
        wfa_config_set ((wfa_cfg_t) option_nbr, wfa_options [option_nbr].dflt);
    if (verbose)
        printf ("wfa_service: ok\n");
}
