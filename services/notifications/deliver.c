/*  wfa-notifications: the durable outbound delivery queue.

    Channels (webhook, email) register a sender; nt_deliver_enqueue writes
    a delivery in one Lua step (services/notifications/lua/deliver_*.lua);
    sender threads, each with its own Redis connection, claim due
    deliveries with a lease, send them (blocking: libcurl) and record the
    outcome in one Lua step. The keys and the guarantees are described in
    notifications.h. Nothing here runs in the event-consumer thread but
    nt_deliver_enqueue, one Redis round trip. */
#include "notifications.h"

#define S_CHANNELS_MAX  8       //  Channels at most
#define S_THREADS_MAX   32      //  Sender threads at most
#define S_CLAIM_MAX     4       //  Deliveries one claim takes from one pemda

static nt_channel_t s_channels [S_CHANNELS_MAX];
static size_t s_channel_count;
static zactor_t *s_senders [S_THREADS_MAX];
static int s_sender_count;
static bool s_started;

//  The metrics of the queue (docs/operations.md).
static const wfa_prom_family_t s_metrics [] = {
    { "wfa_deliveries_sent_total", WFA_PROM_COUNTER, "channel",
      "Outbound deliveries sent (e.g. a webhook answered 2xx), by channel." },
    { "wfa_deliveries_failed_total", WFA_PROM_COUNTER, "channel",
      "Failed attempts of outbound deliveries (each is retried or dead), by channel." },
    { "wfa_deliveries_dead_total", WFA_PROM_COUNTER, "channel",
      "Outbound deliveries that became dead letters, by channel." },
    { "wfa_deliveries_queued", WFA_PROM_GAUGE, "",
      "Deliveries in the queues of every pemda (due or leased), as a sender last counted." },
    { "wfa_delivery_duration_seconds", WFA_PROM_HISTOGRAM, "channel",
      "Time of one send attempt, by channel." },
    { NULL, 0, NULL, NULL }
};

int
nt_deliver_channel (const nt_channel_t *channel)
{
    assert (channel && channel->name && channel->send);
    if (s_channel_count == S_CHANNELS_MAX)
        return -1;
    for (size_t channel_nbr = 0; channel_nbr < s_channel_count; channel_nbr++)
        if (streq (s_channels [channel_nbr].name, channel->name))
            return -1;
    s_channels [s_channel_count++] = *channel;
    return 0;
}

static const nt_channel_t *
s_channel (const char *name)
{
    for (size_t channel_nbr = 0; channel_nbr < s_channel_count; channel_nbr++)
        if (streq (s_channels [channel_nbr].name, name))
            return &s_channels [channel_nbr];
    return NULL;
}

int64_t
nt_deliver_backoff (int attempts, int64_t base_ms, int64_t cap_ms, double random01)
{
    if (attempts < 1)
        attempts = 1;
    int64_t ceiling = base_ms;
    for (int step = 1; step < attempts && ceiling < cap_ms; step++)
        ceiling *= 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    if (random01 < 0)
        random01 = 0;
    if (random01 >= 1)
        random01 = 0.999999999;
    return (int64_t) (random01 * (double) (ceiling + 1));
}

int
nt_deliver_enqueue (wfa_redis_t *redis, const char *pemda, const char *id, const char *channel,
                    const char *target, const char *group, const char *payload,
                    size_t payload_size, bool replay)
{
    assert (id && channel && target && group && payload);
    if (strlen (id) > NT_DELIVERY_ID_MAX || payload_size > NT_PAYLOAD_MAX) {
        wfa_log ("E", "delivery %s: id or payload too long, not queued", id);
        return 1;
    }
    char prefix [WFA_PREFIX_MAX], now [24];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix) };
    const char *args [] = { "id", id, "channel", channel, "target", target, "group", group,
                            "payload", payload, "now", now, "replay", replay? "1": "" };
    const size_t lens [] = { strlen (id), strlen (channel), strlen (target), strlen (group),
                             payload_size, strlen (now), replay? 1: 0 };
    redisReply *reply = wfa_store_step (redis, &wfa_script_deliver_enqueue, 1, keys,
                                        sizeof args / sizeof *args / 2, args, lens);
    int rc = -1;
    if (wfa_store_step_ok (reply))
        rc = streq (reply->element [0]->str, "ok")? 0: 1;
    else
        wfa_log ("E", "deliver_enqueue %s: %s", id,
                 reply && reply->type == REDIS_REPLY_ERROR? reply->str: "no reply");
    if (reply)
        freeReplyObject (reply);
    return rc;
}

int
nt_deliver_resume (wfa_redis_t *redis, const char *pemda, const char *group)
{
    char prefix [WFA_PREFIX_MAX], now [24];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix) };
    const char *args [] = { "group", group, "now", now };
    redisReply *reply = wfa_store_step (redis, &wfa_script_deliver_resume, 1, keys, 2, args, NULL);
    int rc = -1;
    if (wfa_store_step_ok (reply) && reply->elements >= 2
    &&  reply->element [1]->type == REDIS_REPLY_INTEGER)
        rc = (int) reply->element [1]->integer;
    if (reply)
        freeReplyObject (reply);
    return rc;
}

// ---------------------------------------------------------------------
//  The sender threads

typedef struct {
    wfa_redis_t *redis;         //  This thread's own connection
    int64_t lease_ms, base_ms, cap_ms;
    int max_attempts;
    size_t claimed;             //  Deliveries claimed in the current pass
    int64_t queued;             //  Deliveries counted in the queues this pass
} s_sender_t;

//  A string element of a claimed row ("" when it is not one).
static const char *
s_elem (const redisReply *row, size_t index, size_t *len)
{
    if (index >= row->elements || row->element [index]->type != REDIS_REPLY_STRING) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = row->element [index]->len;
    return row->element [index]->str;
}

//  Record the outcome of one attempt.
static void
s_record (s_sender_t *self, const char *prefix, const nt_delivery_t *delivery, const char *lease,
          const nt_channel_t *channel, nt_outcome_t outcome, int status, const char *error)
{
    char now [24], due [24], status_text [16], max_attempts [16], pause_after [16];
    int64_t now_ms = wfa_now_ms ();
    int64_t delay = nt_deliver_backoff (delivery->attempts + 1, self->base_ms, self->cap_ms,
                                        (double) randof (1000000) / 1000000.0);
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (due, sizeof due, "%" PRId64, now_ms + delay);
    snprintf (status_text, sizeof status_text, "%d", status);
    snprintf (max_attempts, sizeof max_attempts, "%d", self->max_attempts);
    snprintf (pause_after, sizeof pause_after, "%d", channel? channel->pause_after: 0);
    const char *keys [] = { prefix };
    const char *args [] = { "id", delivery->id, "lease", lease,
        "outcome", outcome == NT_SENT? "sent": outcome == NT_RETRY? "retry": "dead",
        "status", status_text, "error", error, "now", now, "due", due,
        "max_attempts", max_attempts, "pause_after", pause_after,
        "paused_event", channel && channel->paused_event? channel->paused_event: "" };
    redisReply *reply = wfa_store_step (self->redis, &wfa_script_deliver_done, 1, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    const char *label = channel? channel->name: "unknown";
    if (wfa_store_step_ok (reply) && streq (reply->element [0]->str, "ok")) {
        const char *state = s_elem (reply, 1, NULL);
        if (outcome == NT_SENT)
            wfa_prom_add (wfa_prom (), "wfa_deliveries_sent_total", 1, label, NULL);
        else
            wfa_prom_add (wfa_prom (), "wfa_deliveries_failed_total", 1, label, NULL);
        if (streq (state, "dead"))
            wfa_prom_add (wfa_prom (), "wfa_deliveries_dead_total", 1, label, NULL);
        if (wfa_verbose ())
            wfa_log ("D", "delivery %s: %s (%d %s)", delivery->id, state, status, error);
    }
    else
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        //  Not recorded: the lease runs out and the delivery is sent again
        wfa_log ("E", "deliver_done %s: %s", delivery->id,
                 reply && reply->type == REDIS_REPLY_ERROR? reply->str: "no reply");
    if (reply)
        freeReplyObject (reply);
}

//  Claim what is due in one pemda and send it.
static void
s_sender_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    s_sender_t *self = (s_sender_t *) arg;
    char queue [WFA_KEY_MAX];
    redisReply *depth = wfa_redis_command (redis, "ZCARD %s",
                                           wfa_store_key (queue, sizeof queue, pemda, "dlvq"));
    bool empty = !depth || depth->type != REDIS_REPLY_INTEGER || depth->integer == 0;
    if (depth && depth->type == REDIS_REPLY_INTEGER)
        self->queued += depth->integer;
    if (depth)
        freeReplyObject (depth);
    if (empty)
        return;
    char now [24], lease [24], max [8];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (lease, sizeof lease, "%" PRId64, self->lease_ms);
    snprintf (max, sizeof max, "%d", S_CLAIM_MAX);
    const char *keys [] = { prefix };
    const char *args [] = { "now", now, "lease", lease, "max", max };
    redisReply *reply = wfa_store_step (redis, &wfa_script_deliver_claim, 1, keys, 3, args, NULL);
    if (!wfa_store_step_ok (reply) || reply->elements < 2
    ||  reply->element [1]->type != REDIS_REPLY_ARRAY) {
        if (reply && reply->type == REDIS_REPLY_ERROR)
            wfa_log ("E", "deliver_claim %s: %s", pemda, reply->str);
        if (reply)
            freeReplyObject (reply);
        return;
    }
    const redisReply *rows = reply->element [1];
    for (size_t row_nbr = 0; row_nbr < rows->elements; row_nbr++) {
        const redisReply *row = rows->element [row_nbr];
        if (row->type != REDIS_REPLY_ARRAY || row->elements != 7)
            continue;
        self->claimed++;
        size_t payload_size;
        nt_delivery_t delivery = { pemda, s_elem (row, 0, NULL), s_elem (row, 1, NULL),
                                   s_elem (row, 2, NULL), s_elem (row, 3, NULL),
                                   s_elem (row, 4, &payload_size), 0, atoi (s_elem (row, 5, NULL)) };
        delivery.payload_size = payload_size;
        const nt_channel_t *channel = s_channel (delivery.channel);
        char error [256] = "";
        int status = 0;
        nt_outcome_t outcome = NT_DEAD;
        double started = wfa_prom_clock ();
        if (channel)
            outcome = channel->send (&delivery, redis, &status, error, sizeof error);
        else
            snprintf (error, sizeof error, "no channel %s", delivery.channel);
        wfa_prom_observe (wfa_prom (), "wfa_delivery_duration_seconds", wfa_prom_clock () - started,
                          channel? channel->name: "unknown", NULL);
        s_record (self, prefix, &delivery, s_elem (row, 6, NULL), channel, outcome, status, error);
    }
    freeReplyObject (reply);
}

//  One sender thread: pass over every pemda's queue; rest a moment when a
//  pass found nothing due.
static void
s_sender_actor (zsock_t *pipe, void *args)
{
    (void) args;
    s_sender_t self = { NULL, wfa_config_int (WFA_CFG_DELIVER_LEASE_MS),
                        wfa_config_int (WFA_CFG_DELIVER_BASE_MS),
                        wfa_config_int (WFA_CFG_DELIVER_CAP_MS),
                        (int) wfa_config_int (WFA_CFG_DELIVER_MAX_ATTEMPTS), 0, 0 };
    self.redis = wfa_redis_new (wfa_config_get (WFA_CFG_REDIS), 5000);
    zpoller_t *poller = zpoller_new (pipe, NULL);
    zsock_signal (pipe, 0);
    int wait_ms = 0;
    while (true) {
        if (zpoller_wait (poller, wait_ms) == pipe) {
            char *command = zstr_recv (pipe);
            bool stop = !command || streq (command, "$TERM");
            free (command);
            if (stop)
                break;
        }
        if (zpoller_terminated (poller))
            break;
        self.claimed = 0;
        self.queued = 0;
        if (wfa_redis_connected (self.redis) || wfa_redis_connect (self.redis) == 0) {
            if (wfa_store_each_pemda (self.redis, s_sender_pemda, &self) == 0)
                wfa_prom_set (wfa_prom (), "wfa_deliveries_queued", (double) self.queued, NULL);
        }
        wait_ms = self.claimed? 0: 100;
    }
    zpoller_destroy (&poller);
    wfa_redis_destroy (&self.redis);
}

int
nt_deliver_start (void)
{
    if (s_started)
        return 0;
    s_started = true;
    wfa_prom_declare_all (wfa_prom (), s_metrics);
    for (size_t channel_nbr = 0; channel_nbr < s_channel_count; channel_nbr++) {
        wfa_prom_add (wfa_prom (), "wfa_deliveries_sent_total", 0, s_channels [channel_nbr].name, NULL);
        wfa_prom_add (wfa_prom (), "wfa_deliveries_failed_total", 0, s_channels [channel_nbr].name, NULL);
        wfa_prom_add (wfa_prom (), "wfa_deliveries_dead_total", 0, s_channels [channel_nbr].name, NULL);
    }
    int threads = (int) wfa_config_int (WFA_CFG_DELIVER_THREADS);
    if (threads < 1)
        threads = 1;
    if (threads > S_THREADS_MAX)
        threads = S_THREADS_MAX;
    for (s_sender_count = 0; s_sender_count < threads; s_sender_count++) {
        s_senders [s_sender_count] = zactor_new (s_sender_actor, NULL);
        if (!s_senders [s_sender_count])
            return -1;
    }
    return 0;
}

void
nt_deliver_housekeeping (wfa_redis_t *redis, void *state)
{
    (void) redis;
    (void) state;
    if (!s_started && nt_deliver_start ())
        wfa_log ("E", "notifications: cannot start the delivery senders");
}

void
nt_deliver_stop (void)
{
    for (int sender_nbr = 0; sender_nbr < s_sender_count; sender_nbr++)
        zactor_destroy (&s_senders [sender_nbr]);
    s_sender_count = 0;
}

void
nt_deliver_test (bool verbose)
{
    if (verbose)
        printf (" * nt_deliver: ");
    //  Full jitter: 0 at the bottom, the ceiling at the top
    assert (nt_deliver_backoff (1, 1000, 3600000, 0) == 0);
    assert (nt_deliver_backoff (1, 1000, 3600000, 0.999999999) == 1000);
    //  The ceiling doubles per attempt
    assert (nt_deliver_backoff (2, 1000, 3600000, 0.999999999) == 2000);
    assert (nt_deliver_backoff (4, 1000, 3600000, 0.999999999) == 8000);
    assert (nt_deliver_backoff (3, 1000, 3600000, 0.5) == 2000);
    //  ... up to the cap, however many attempts
    assert (nt_deliver_backoff (13, 1000, 3600000, 0.999999999) == 3600000);
    assert (nt_deliver_backoff (1000, 1000, 3600000, 0.999999999) == 3600000);
    //  Out-of-range input is clamped, never beyond the ceiling
    assert (nt_deliver_backoff (0, 1000, 3600000, 2.0) == 1000);
    assert (nt_deliver_backoff (1, 1000, 3600000, -1) == 0);
    for (int attempt = 1; attempt < 40; attempt++)
        for (int draw = 0; draw < 20; draw++) {
            int64_t delay = nt_deliver_backoff (attempt, 50, 400, draw / 20.0);
            assert (delay >= 0 && delay <= 400);
        }
    if (verbose)
        printf ("OK\n");
}
