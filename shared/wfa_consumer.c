/*  wfa_consumer.c - the outbox reader.

    Loop: every second, refresh the list of pemda streams and claim events
    that stayed pending too long; otherwise block on XREADGROUP for new
    events (at most 500 ms, so $TERM is seen promptly). Acks are sent in
    one XACK per stream per batch. */
#include "wfa.h"

//  One group per service that runs event handlers on the outbox: a group
//  nobody reads holds every entry back from trimming.
const char *wfa_outbox_groups [] = { "notifications", "metrics", "monev", NULL };

//  Groups an older version created and no service reads any more: the
//  trimmer destroys them (approvals stopped consuming when submit came to
//  open step 1 itself).
const char *wfa_outbox_retired [] = { "approvals", NULL };

typedef struct {
    const char *group;                  //  Our consumer group
    const wfa_event_route_t *routes;    //  Handlers by type
    void *state;                        //  Handler state
    wfa_redis_t *redis;                 //  Our own connection
    zlist_t *pemdas;                    //  Known pemda codes
    int64_t redeliver_ms;               //  Idle time before reclaiming
    int64_t next_housekeeping;          //  When to refresh and reclaim
    int64_t next_trim;                  //  When to trim
    uint64_t handled;                   //  Events handled
    size_t registry_size;               //  Size of wfa:pemdas at the last refresh
} s_consumer_t;

char *
wfa_outbox_key (const char *pemda, char *buf, size_t size)
{
    return wfa_store_key (buf, size, pemda, "events");
}

//  Create the stream and its groups; register the pemda.
int
wfa_outbox_register (wfa_redis_t *redis, const char *pemda)
{
    char key [64];
    wfa_outbox_key (pemda, key, sizeof key);
    for (int group_nbr = 0; wfa_outbox_groups [group_nbr]; group_nbr++) {
        redisReply *reply = wfa_redis_command (redis, "XGROUP CREATE %s %s 0 MKSTREAM",
                                               key, wfa_outbox_groups [group_nbr]);
        if (!reply)
            return -1;
        bool failed = reply->type == REDIS_REPLY_ERROR && !wfa_redis_is_error (reply, "BUSYGROUP");
        freeReplyObject (reply);
        if (failed)
            return -1;
    }
    redisReply *reply = wfa_redis_command (redis, "SADD wfa:pemdas %s", pemda);
    if (!reply)
        return -1;
    freeReplyObject (reply);
    return 0;
}

//  Compare two stream ids "ms-seq".
static int
s_id_compare (const char *left, const char *right)
{
    unsigned long long left_ms = 0, left_seq = 0, right_ms = 0, right_seq = 0;
    sscanf (left, "%llu-%llu", &left_ms, &left_seq);
    sscanf (right, "%llu-%llu", &right_ms, &right_seq);
    if (left_ms != right_ms)
        return left_ms < right_ms? -1: 1;
    return left_seq < right_seq? -1: left_seq > right_seq? 1: 0;
}

//  Field value of a flat key/value array reply (XINFO).
static const redisReply *
s_kv (const redisReply *reply, const char *key)
{
    for (size_t item_nbr = 0; item_nbr + 1 < reply->elements; item_nbr += 2)
        if (reply->element [item_nbr]->type == REDIS_REPLY_STRING
        &&  streq (reply->element [item_nbr]->str, key))
            return reply->element [item_nbr + 1];
    return NULL;
}

//  True if name is a group of wfa_outbox_retired.
static bool
s_retired (const char *name)
{
    for (int retired_nbr = 0; wfa_outbox_retired [retired_nbr]; retired_nbr++)
        if (streq (name, wfa_outbox_retired [retired_nbr]))
            return true;
    return false;
}

//  Trim what every group has acknowledged and is older than retention;
//  destroy a retired group first, which nobody will acknowledge again.
int
wfa_outbox_trim (wfa_redis_t *redis, const char *pemda, int64_t retention_ms)
{
    char key [64];
    wfa_outbox_key (pemda, key, sizeof key);
    char keep_from [64];
    snprintf (keep_from, sizeof keep_from, "%" PRId64 "-0", zclock_time () - retention_ms);
    int groups_seen = 0;
    redisReply *groups = wfa_redis_command (redis, "XINFO GROUPS %s", key);
    if (!groups || groups->type != REDIS_REPLY_ARRAY) {
        if (groups)
            freeReplyObject (groups);
        return -1;
    }
    int rc = 0;
    for (size_t group_nbr = 0; group_nbr < groups->elements && rc == 0; group_nbr++) {
        const redisReply *info = groups->element [group_nbr];
        const redisReply *name = s_kv (info, "name");
        const redisReply *pending = s_kv (info, "pending");
        const redisReply *delivered = s_kv (info, "last-delivered-id");
        if (!name || !pending || !delivered || name->type != REDIS_REPLY_STRING
        ||  delivered->type != REDIS_REPLY_STRING) {
            rc = -1;
            break;
        }
        if (s_retired (name->str)) {
            //  Not drained before the upgrade (docs/operations.md): what it
            //  had not handled is not handled by anyone now; say so
            const redisReply *lag_value = s_kv (info, "lag");
            long long lag = lag_value && lag_value->type == REDIS_REPLY_INTEGER?
                            lag_value->integer: -1;     //  -1: Redis cannot tell
            bool drained = pending->integer == 0 && lag == 0;
            redisReply *reply = wfa_redis_command (redis, "XGROUP DESTROY %s %s", key, name->str);
            if (reply && reply->type == REDIS_REPLY_INTEGER) {
                if (drained)
                    wfa_log ("I", "outbox %s: retired group %s destroyed", key, name->str);
                else
                    wfa_log ("W", "outbox %s: retired group %s destroyed before it was drained "
                             "(%lld pending, lag %lld): requests it did not open may stay submitted",
                             key, name->str, (long long) pending->integer, lag);
            }
            else
                rc = -1;    //  Still there: it holds its entries back
            if (reply)
                freeReplyObject (reply);
            continue;
        }
        for (int known_nbr = 0; wfa_outbox_groups [known_nbr]; known_nbr++)
            if (streq (name->str, wfa_outbox_groups [known_nbr]))
                groups_seen++;
        //  Keep everything not yet delivered to this group
        if (s_id_compare (delivered->str, keep_from) < 0)
            snprintf (keep_from, sizeof keep_from, "%s", delivered->str);
        if (pending->integer > 0) {
            //  ...and everything still pending in it
            redisReply *summary = wfa_redis_command (redis, "XPENDING %s %s", key, name->str);
            if (summary && summary->type == REDIS_REPLY_ARRAY && summary->elements >= 2
            &&  summary->element [1]->type == REDIS_REPLY_STRING) {
                if (s_id_compare (summary->element [1]->str, keep_from) < 0)
                    snprintf (keep_from, sizeof keep_from, "%s", summary->element [1]->str);
            }
            else
                rc = -1;
            if (summary)
                freeReplyObject (summary);
        }
    }
    freeReplyObject (groups);
    int expected = 0;
    while (wfa_outbox_groups [expected])
        expected++;
    if (rc || groups_seen < expected)
        return -1;          //  A group is missing: trimming could lose its events
    redisReply *reply = wfa_redis_command (redis, "XTRIM %s MINID %s", key, keep_from);
    if (!reply)
        return -1;
    rc = reply->type == REDIS_REPLY_INTEGER? (int) reply->integer: -1;
    freeReplyObject (reply);
    return rc;
}

//  Refresh the pemda list and make sure our group exists on each stream.
static void
s_refresh (s_consumer_t *self)
{
    redisReply *reply = wfa_redis_command (self->redis, "SMEMBERS wfa:pemdas");
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ARRAY) {
        self->registry_size = reply->elements;
        zlist_purge (self->pemdas);
        for (size_t item_nbr = 0; item_nbr < reply->elements; item_nbr++) {
            const char *pemda = reply->element [item_nbr]->str;
            if (!pemda || !wfa_pemda_valid (pemda))
                continue;
            if (wfa_outbox_register (self->redis, pemda) == 0)
                zlist_append (self->pemdas, (void *) pemda);    //  autofree copies
        }
    }
    freeReplyObject (reply);
}

//  Run one entry [id, [field, value, ...]] of stream through its handler.
//  Returns true if it may be acknowledged.
static bool
s_handle_entry (s_consumer_t *self, const char *pemda, const char *stream,
                const redisReply *entry)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2
    ||  entry->element [0]->type != REDIS_REPLY_STRING)
        return false;
    const char *id = entry->element [0]->str;
    const redisReply *fields = entry->element [1];
    if (fields->type != REDIS_REPLY_ARRAY)
        return true;            //  Deleted entry: nothing to do
    const redisReply *type = s_kv (fields, "type");
    const redisReply *data = s_kv (fields, "data");
    if (!type || !data || type->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING) {
        wfa_log ("E", "%s: event %s %s malformed, skipped", self->group, stream, id);
        wfa_prom_add (wfa_prom (), "wfa_events_malformed_total", 1, NULL);
        return true;
    }
    //  The route of the type, and a catch-all route ("*") if the table has
    //  one: both run, and the event is acknowledged when both succeeded
    const wfa_event_route_t *matched [2] = { NULL, NULL };
    for (const wfa_event_route_t *route = self->routes; route->type; route++) {
        if (!matched [0] && streq (route->type, type->str))
            matched [0] = route;
        else
        if (!matched [1] && streq (route->type, "*"))
            matched [1] = route;
    }
    if (!matched [0] && !matched [1])
        return true;            //  Not for us
    static const wfa_mp_limits_t limits = { 1024 * 1024, 65536, 65536, 4096, 6 };
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    if (wfa_mp_check (data->str, data->len, &limits) != WFA_OK
    ||  msgpack_unpack_next (&unpacked, data->str, data->len, &offset) != MSGPACK_UNPACK_SUCCESS) {
        wfa_log ("E", "%s: event %s %s data does not decode, skipped", self->group, stream, id);
        wfa_prom_add (wfa_prom (), "wfa_events_malformed_total", 1, NULL);
        msgpack_unpacked_destroy (&unpacked);
        return true;
    }
    wfa_event_t event = { pemda, stream, id, type->str, &unpacked.data };
    int rc = 0;
    for (int match_nbr = 0; match_nbr < 2 && rc == 0; match_nbr++) {
        const wfa_event_route_t *route = matched [match_nbr];
        if (!route)
            continue;
        double started = wfa_prom_clock ();
        rc = route->handler (&event, self->redis, self->state);
        //  The route's type, not the entry's: a static string from our table
        wfa_prom_observe (wfa_prom (), "wfa_event_duration_seconds", wfa_prom_clock () - started,
                          route->type, NULL);
        if (rc == 0) {
            self->handled += match_nbr == 0 || !matched [0];
            wfa_prom_add (wfa_prom (), "wfa_events_handled_total", 1, route->type, NULL);
            if (wfa_verbose ())
                wfa_log ("D", "%s: event %s %s handled", self->group, type->str, id);
        }
        else
            wfa_prom_add (wfa_prom (), "wfa_events_failed_total", 1, route->type, NULL);
    }
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0;
}

//  Handle a list of entries from one stream and acknowledge the done ones.
static void
s_handle_entries (s_consumer_t *self, const char *pemda, const char *stream,
                  const redisReply *entries)
{
    size_t count = entries->elements;
    if (count == 0)
        return;
    const char **argv = (const char **) calloc (count + 3, sizeof (char *));
    assert (argv);
    int argc = 0;
    argv [argc++] = "XACK";
    argv [argc++] = stream;
    argv [argc++] = self->group;
    for (size_t entry_nbr = 0; entry_nbr < count; entry_nbr++) {
        const redisReply *entry = entries->element [entry_nbr];
        if (s_handle_entry (self, pemda, stream, entry))
            argv [argc++] = entry->element [0]->str;
    }
    if (argc > 3) {
        redisReply *reply = wfa_redis_argv (self->redis, argc, argv, NULL);
        if (reply)
            freeReplyObject (reply);
    }
    free (argv);
}

//  Claim and handle what stayed pending too long, on every stream.
static void
s_reclaim (s_consumer_t *self)
{
    char idle [32];
    snprintf (idle, sizeof idle, "%" PRId64, self->redeliver_ms);
    char *pemda = (char *) zlist_first (self->pemdas);
    while (pemda) {
        char stream [64];
        wfa_outbox_key (pemda, stream, sizeof stream);
        char start [64] = "0-0";
        for (int round_nbr = 0; round_nbr < 10; round_nbr++) {
            const char *argv [] = { "XAUTOCLAIM", stream, self->group, wfa_instance_id (),
                                    idle, start, "COUNT", "100" };
            redisReply *reply = wfa_redis_argv (self->redis, 8, argv, NULL);
            if (!reply)
                return;
            bool more = false;
            if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
            &&  reply->element [0]->type == REDIS_REPLY_STRING
            &&  reply->element [1]->type == REDIS_REPLY_ARRAY) {
                if (reply->element [1]->elements > 0) {
                    wfa_log ("I", "%s: redelivering %zu events of %s", self->group,
                             reply->element [1]->elements, stream);
                    wfa_prom_add (wfa_prom (), "wfa_events_redelivered_total",
                                  (double) reply->element [1]->elements, NULL);
                }
                s_handle_entries (self, pemda, stream, reply->element [1]);
                snprintf (start, sizeof start, "%s", reply->element [0]->str);
                more = !streq (start, "0-0");
            }
            freeReplyObject (reply);
            if (!more)
                break;
        }
        pemda = (char *) zlist_next (self->pemdas);
    }
}

//  How far group is behind on a pemda's outbox.
int
wfa_outbox_behind (wfa_redis_t *redis, const char *pemda, const char *group, int64_t *lag,
                   int64_t *pending)
{
    char key [64];
    wfa_outbox_key (pemda, key, sizeof key);
    redisReply *groups = wfa_redis_command (redis, "XINFO GROUPS %s", key);
    int rc = -1;
    for (size_t group_nbr = 0; groups && groups->type == REDIS_REPLY_ARRAY
                               && group_nbr < groups->elements; group_nbr++) {
        const redisReply *info = groups->element [group_nbr];
        const redisReply *name = s_kv (info, "name");
        if (!name || name->type != REDIS_REPLY_STRING || !streq (name->str, group))
            continue;
        //  Redis answers nil for lag when it cannot tell (after XDEL)
        const redisReply *lag_value = s_kv (info, "lag");
        const redisReply *pending_value = s_kv (info, "pending");
        *lag = lag_value && lag_value->type == REDIS_REPLY_INTEGER? lag_value->integer: -1;
        *pending = pending_value && pending_value->type == REDIS_REPLY_INTEGER?
                   pending_value->integer: -1;
        rc = 0;
    }
    if (groups)
        freeReplyObject (groups);
    return rc;
}

//  Sample how far our group is behind on a pemda's outbox.
static void
s_sample_outbox (s_consumer_t *self, const char *pemda)
{
    int64_t lag = -1, pending = -1;
    if (wfa_outbox_behind (self->redis, pemda, self->group, &lag, &pending))
        return;
    wfa_prom_set (wfa_prom (), "wfa_outbox_lag", lag >= 0? (double) lag: NAN, pemda, NULL);
    if (pending >= 0)
        wfa_prom_set (wfa_prom (), "wfa_outbox_pending", (double) pending, pemda, NULL);
}

//  Read new events on every stream, blocking up to block_ms.
static int
s_read (s_consumer_t *self, int block_ms)
{
    size_t streams = zlist_size (self->pemdas);
    const char **argv = (const char **) calloc (2 * streams + 10, sizeof (char *));
    char (*keys) [64] = calloc (streams, 64);
    assert (argv && keys);
    char block [16];
    snprintf (block, sizeof block, "%d", block_ms);
    int argc = 0;
    argv [argc++] = "XREADGROUP";
    argv [argc++] = "GROUP";
    argv [argc++] = self->group;
    argv [argc++] = wfa_instance_id ();
    argv [argc++] = "COUNT";
    argv [argc++] = "200";
    argv [argc++] = "BLOCK";
    argv [argc++] = block;
    argv [argc++] = "STREAMS";
    size_t key_nbr = 0;
    char *pemda = (char *) zlist_first (self->pemdas);
    while (pemda) {
        wfa_outbox_key (pemda, keys [key_nbr], 64);
        argv [argc++] = keys [key_nbr++];
        pemda = (char *) zlist_next (self->pemdas);
    }
    for (key_nbr = 0; key_nbr < streams; key_nbr++)
        argv [argc++] = ">";
    redisReply *reply = wfa_redis_argv (self->redis, argc, argv, NULL);
    int rc = 0;
    if (!reply)
        rc = -1;
    else
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t stream_nbr = 0; stream_nbr < reply->elements; stream_nbr++) {
            const redisReply *item = reply->element [stream_nbr];
            if (item->type != REDIS_REPLY_ARRAY || item->elements != 2)
                continue;
            const char *stream = item->element [0]->str;
            //  Pemda code is between the braces of the key
            char pemda_code [16] = "";
            const char *open = strchr (stream, '{');
            const char *close = strchr (stream, '}');
            if (open && close && close > open && close - open - 1 < (int) sizeof pemda_code)
                snprintf (pemda_code, sizeof pemda_code, "%.*s", (int) (close - open - 1), open + 1);
            s_handle_entries (self, pemda_code, stream, item->element [1]);
            rc += (int) item->element [1]->elements;
        }
    }
    else
    if (reply->type == REDIS_REPLY_ERROR) {
        wfa_log ("W", "%s: %s", self->group, reply->str);
        self->next_housekeeping = 0;    //  e.g. NOGROUP: refresh now
        rc = -1;
    }
    if (reply)
        freeReplyObject (reply);
    free (keys);
    free (argv);
    return rc;
}

//  The consumer actor.
static void
s_consumer_actor (zsock_t *pipe, void *args)
{
    s_consumer_t *self = (s_consumer_t *) args;
    self->redis = wfa_redis_new (wfa_config_get (WFA_CFG_REDIS), 5000);
    self->pemdas = zlist_new ();
    zlist_autofree (self->pemdas);
    self->redeliver_ms = wfa_config_int (WFA_CFG_REDELIVER_MS);
    int64_t retention_ms = wfa_config_int (WFA_CFG_RETENTION_H) * 3600 * 1000;
    zpoller_t *poller = zpoller_new (pipe, NULL);
    zsock_signal (pipe, 0);
    while (true) {
        //  Poll the pipe without waiting unless there is nothing to read
        int wait_ms = zlist_size (self->pemdas) == 0 || !wfa_redis_connected (self->redis)? 200: 0;
        if (zpoller_wait (poller, wait_ms) == pipe) {
            char *command = zstr_recv (pipe);
            bool stop = !command || streq (command, "$TERM");
            free (command);
            if (stop)
                break;
        }
        if (zpoller_terminated (poller))
            break;
        int64_t now = zclock_mono ();
        if (now >= self->next_housekeeping) {
            self->next_housekeeping = now + 1000;
            s_refresh (self);
            s_reclaim (self);
            char *pemda = (char *) zlist_first (self->pemdas);
            while (pemda) {
                s_sample_outbox (self, pemda);
                pemda = (char *) zlist_next (self->pemdas);
            }
            wfa_redis_export (self->redis, "consumer");
            if (now >= self->next_trim) {
                self->next_trim = now + wfa_config_int (WFA_CFG_TRIM_MS);
                char *pemda = (char *) zlist_first (self->pemdas);
                while (pemda) {
                    wfa_outbox_trim (self->redis, pemda, retention_ms);
                    pemda = (char *) zlist_next (self->pemdas);
                }
            }
        }
        if (zlist_size (self->pemdas) > 0)
            s_read (self, 500);
        //  A pemda registered since the last refresh: watch its stream now
        redisReply *reply = wfa_redis_command (self->redis, "SCARD wfa:pemdas");
        if (reply && reply->type == REDIS_REPLY_INTEGER
        &&  (size_t) reply->integer != self->registry_size)
            self->next_housekeeping = 0;
        if (reply)
            freeReplyObject (reply);
    }
    zpoller_destroy (&poller);
    zlist_destroy (&self->pemdas);
    wfa_redis_destroy (&self->redis);
    free (self);
}

//  Declare the consumer's metrics; every type of the table reads 0
//  before its first event.
//  The consumer's metrics (docs/operations.md).
static const wfa_prom_family_t s_metrics [] = {
    { "wfa_events_handled_total", WFA_PROM_COUNTER, "type",
      "Outbox events handled and acknowledged by this consumer, by type." },
    { "wfa_events_failed_total", WFA_PROM_COUNTER, "type",
      "Event deliveries whose handler failed (the event stays pending and comes again), by type." },
    { "wfa_events_malformed_total", WFA_PROM_COUNTER, "",
      "Outbox entries skipped because they do not decode." },
    { "wfa_event_duration_seconds", WFA_PROM_HISTOGRAM, "type",
      "Time to handle one event, by type." },
    { "wfa_events_redelivered_total", WFA_PROM_COUNTER, "",
      "Events claimed again (XAUTOCLAIM) after WFA_REDELIVER_MS unacknowledged: "
      "left by a dead consumer or a failed handler." },
    { "wfa_outbox_lag", WFA_PROM_GAUGE, "pemda",
      "Entries of a pemda's outbox not yet delivered to this service's "
      "consumer group (NaN when Redis cannot tell), sampled every second." },
    { "wfa_outbox_pending", WFA_PROM_GAUGE, "pemda",
      "Entries of a pemda's outbox delivered to this service's consumer group "
      "but not yet acknowledged, sampled every second." },
    { NULL, WFA_PROM_COUNTER, NULL, NULL }
};

static void
s_declare_metrics (const wfa_event_route_t *routes)
{
    wfa_prom_t *prom = wfa_prom ();
    wfa_prom_declare_all (prom, s_metrics);
    for (const wfa_event_route_t *route = routes; route->type; route++) {
        wfa_prom_add (prom, "wfa_events_handled_total", 0, route->type, NULL);
        wfa_prom_add (prom, "wfa_events_failed_total", 0, route->type, NULL);
    }
}

typedef struct {
    const char *group;
    int64_t before;             //  Marks older than this go
} s_forget_t;

static void
s_forget_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    (void) pemda;
    const s_forget_t *forget = (const s_forget_t *) arg;
    redisReply *reply = wfa_redis_command (redis, "ZREMRANGEBYSCORE %sdone:%s -inf %" PRId64,
                                           prefix, forget->group, forget->before);
    if (reply)
        freeReplyObject (reply);
}

//  Forget the done marks of group older than keep_ms.
void
wfa_consumer_forget_done (wfa_redis_t *redis, const char *group, int64_t keep_ms)
{
    s_forget_t forget = { group, wfa_now_ms () - keep_ms };
    wfa_store_each_pemda (redis, s_forget_pemda, &forget);
}

//  Start a consumer actor for group.
zactor_t *
wfa_consumer_new (const char *group, const wfa_event_route_t *routes, void *state)
{
    s_declare_metrics (routes);
    s_consumer_t *self = (s_consumer_t *) zmalloc (sizeof (s_consumer_t));
    assert (self);
    self->group = group;
    self->routes = routes;
    self->state = state;
    return zactor_new (s_consumer_actor, self);
}

//  Test handler: counts events, fails the first time for "flaky".
static int
s_count_event (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) redis;
    int *counts = (int *) state;
    const msgpack_object *flaky = wfa_mp_get (event->data, "flaky");
    if (flaky && counts [1]++ == 0)
        return -1;
    counts [0]++;
    return 0;
}

void
wfa_consumer_test (bool verbose)
{
    char dir [] = "/tmp/wfa-consumer-test-XXXXXX";
    assert (mkdtemp (dir));
    int port = wfa_spare_port ();
    assert (port > 0);
    char command [512];
    snprintf (command, sizeof command,
              "redis-server --port %d --dir %s --save '' --bind 127.0.0.1 --daemonize yes "
              "--pidfile %s/redis.pid --logfile %s/redis.log", port, dir, dir, dir);
    int rc = system (command);
    assert (rc == 0);
    char address [64];
    snprintf (address, sizeof address, "127.0.0.1:%d", port);
    wfa_config_set (WFA_CFG_REDIS, address);
    wfa_config_set (WFA_CFG_REDELIVER_MS, "200");
    wfa_redis_t *redis = wfa_redis_new (address, 1000);
    redisReply *reply = NULL;
    for (int try_nbr = 0; try_nbr < 100 && !reply; try_nbr++) {
        reply = wfa_redis_command (redis, "PING");
        if (!reply)
            zclock_sleep (50);
    }
    assert (reply);
    freeReplyObject (reply);
    assert (wfa_outbox_register (redis, "35.08") == 0);
    assert (wfa_outbox_register (redis, "35.08") == 0);     //  Idempotent

    //  Three events before the consumer starts, one after
    const char *plain = "\x81\xa1x\x01";
    const char *flaky = "\x81\xa5" "flaky\xc3";
    for (int event_nbr = 0; event_nbr < 4; event_nbr++) {
        if (event_nbr == 3)
            zclock_sleep (10);
        const char *data = event_nbr == 1? flaky: plain;
        char stream [WFA_KEY_MAX];
        const char *argv [] = { "XADD", wfa_outbox_key ("35.08", stream, sizeof stream), "*", "type",
                                event_nbr == 2? "other.type": "test.event", "data", data };
        size_t lens [] = { 4, strlen (stream), 1, 4, strlen (argv [4]), 4, event_nbr == 1? 8: 4 };
        reply = wfa_redis_argv (redis, 7, argv, lens);
        assert (reply && reply->type == REDIS_REPLY_STRING);
        freeReplyObject (reply);
    }
    static const wfa_event_route_t routes [] = { { "test.event", s_count_event }, { NULL, NULL } };
    int counts [2] = { 0, 0 };
    zactor_t *consumer = wfa_consumer_new ("metrics", routes, counts);
    //  Three test.event entries: one fails first and is redelivered later
    for (int wait_nbr = 0; wait_nbr < 100 && counts [0] < 3; wait_nbr++)
        zclock_sleep (50);
    assert (counts [0] == 3 && counts [1] == 2);
    zactor_destroy (&consumer);
    //  Metrics: the flaky one failed once, was claimed again and handled
    wfa_prom_t *prom = wfa_prom ();
    assert (wfa_prom_value (prom, "wfa_events_handled_total", "test.event", NULL) == 3);
    assert (wfa_prom_value (prom, "wfa_events_failed_total", "test.event", NULL) == 1);
    assert (wfa_prom_value (prom, "wfa_event_duration_seconds", "test.event", NULL) == 4);
    assert (wfa_prom_value (prom, "wfa_events_redelivered_total", NULL) >= 1);
    assert (wfa_prom_value (prom, "wfa_redis_connected", "consumer", NULL) == 1);
    assert (wfa_prom_value (prom, "wfa_outbox_pending", "35.08", NULL) >= 0);
    assert (wfa_prom_value (prom, "wfa_outbox_lag", "35.08", NULL) >= 0);
    //  Everything acknowledged: nothing pending for metrics
    reply = wfa_redis_command (redis, "XPENDING wfa:{35.08}:events metrics");
    assert (reply && reply->type == REDIS_REPLY_ARRAY && reply->element [0]->integer == 0);
    freeReplyObject (reply);
    //  A group of an older version that nobody reads (approvals consumed
    //  the outbox once): the trim destroys it rather than keep everything
    //  for it forever, and lists no retired group as one to create
    for (int retired_nbr = 0; wfa_outbox_retired [retired_nbr]; retired_nbr++)
        for (int group_nbr = 0; wfa_outbox_groups [group_nbr]; group_nbr++)
            assert (!streq (wfa_outbox_retired [retired_nbr], wfa_outbox_groups [group_nbr]));
    reply = wfa_redis_command (redis, "XGROUP CREATE wfa:{35.08}:events approvals 0");
    assert (reply && reply->type == REDIS_REPLY_STATUS);
    freeReplyObject (reply);
    //  Trim keeps what other groups have not read, even past retention
    assert (wfa_outbox_trim (redis, "35.08", 0) == 0);
    reply = wfa_redis_command (redis, "XLEN wfa:{35.08}:events");
    assert (reply && reply->integer == 4);
    freeReplyObject (reply);
    reply = wfa_redis_command (redis, "XINFO GROUPS wfa:{35.08}:events");
    assert (reply && reply->type == REDIS_REPLY_ARRAY);
    size_t groups = 0;
    while (wfa_outbox_groups [groups])
        groups++;
    assert (reply->elements == groups);
    for (size_t group_nbr = 0; group_nbr < reply->elements; group_nbr++) {
        const redisReply *name = s_kv (reply->element [group_nbr], "name");
        assert (name && name->type == REDIS_REPLY_STRING && !s_retired (name->str));
    }
    freeReplyObject (reply);
    //  Once every group has read and acknowledged, old entries go. Here
    //  the groups but metrics are read by hand; that each group has a
    //  service reading it, so that the outbox is trimmed at all, is for
    //  the system tests (test_outbox.py) to show, with the real services.
    for (int group_nbr = 0; wfa_outbox_groups [group_nbr]; group_nbr++) {
        if (streq (wfa_outbox_groups [group_nbr], "metrics"))
            continue;           //  Read and acknowledged above
        reply = wfa_redis_command (redis, "XREADGROUP GROUP %s t STREAMS wfa:{35.08}:events >",
                                   wfa_outbox_groups [group_nbr]);
        freeReplyObject (reply);
        reply = wfa_redis_command (redis, "XAUTOCLAIM wfa:{35.08}:events %s t 0 0-0 COUNT 10 JUSTID",
                                   wfa_outbox_groups [group_nbr]);
        for (size_t id_nbr = 0; id_nbr < reply->element [1]->elements; id_nbr++) {
            redisReply *ack = wfa_redis_command (redis, "XACK wfa:{35.08}:events %s %s",
                wfa_outbox_groups [group_nbr], reply->element [1]->element [id_nbr]->str);
            freeReplyObject (ack);
        }
        freeReplyObject (reply);
    }
    assert (wfa_outbox_trim (redis, "35.08", 0) >= 3);
    wfa_redis_destroy (&redis);
    snprintf (command, sizeof command, "kill $(cat %s/redis.pid); sleep 0.2; rm -rf %s", dir, dir);
    if (system (command)) {}
    for (int option_nbr = 0; option_nbr < WFA_CFG_COUNT; option_nbr++)
        wfa_config_set ((wfa_cfg_t) option_nbr, wfa_options [option_nbr].dflt);
    if (verbose)
        printf ("wfa_consumer: ok\n");
}
