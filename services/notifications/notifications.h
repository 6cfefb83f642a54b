/*  notifications.h - what the files of wfa-notifications share.

    main.c      the service: its events, each told to the right people
    inbox.c     INBOX.LIST and INBOX.READ: a person's own inbox
    deliver.c   the durable outbound delivery queue (below)
    hooks.c     webhooks, its "webhook" channel (hooks.h)

    The durable outbound delivery queue (deliver.c) and its channels: a
    delivery is one message to send out of Fleksi (a webhook POST, an
    email), kept in the pemda's Redis keys until it is sent or dead:

      wfa:{P}:dlv:ID          hash: channel, target, group, payload,
                              attempts, state (queued|held|sent|dead),
                              due, lease, last_error, last_status, ...
      wfa:{P}:dlvq            sorted set: queued deliveries by due time
                              (a claimed one by the end of its lease)
      wfa:{P}:dlvheld:GROUP   sorted set: deliveries held while GROUP
                              is paused (RESUME moves them back)
      wfa:{P}:dlvdead:GROUP   sorted set: GROUP's dead letters by time
      wfa:{P}:dlvgrp:GROUP    hash: sent, failed, dead, in_a_row,
                              paused (the reason, "" when active)

    A group is who the deliveries go to (a webhook endpoint "hook:ID", an
    email channel's own choice): its failures pause it, its dead letters
    are listed and replayed together.

    Enqueueing is idempotent by delivery id: the same id again is a no-op
    (an event the outbox redelivers makes no second delivery). Sender
    threads (WFA_DELIVER_THREADS, each with its own Redis connection) claim
    due deliveries with a lease (WFA_DELIVER_LEASE_MS): the claim moves the
    score to now + lease, so a delivery whose sender was killed is claimed
    again when the lease ends (at least once). The outcome is recorded in
    one Lua step: sent; failed, retried after a full-jitter exponential
    backoff (WFA_DELIVER_BASE_MS doubling to WFA_DELIVER_CAP_MS); dead
    after WFA_DELIVER_MAX_ATTEMPTS attempts or a permanent failure. */
#ifndef NOTIFICATIONS_H_INCLUDED
#define NOTIFICATIONS_H_INCLUDED

#include "wfa.h"

//  INBOX.LIST and INBOX.READ (inbox.c)
wfa_handler_fn notifications_inbox_list, notifications_inbox_read;

#define NT_DELIVERY_ID_MAX  200     //  Longest delivery id
#define NT_PAYLOAD_MAX  (256 * 1024)    //  Largest payload of a delivery

//  What a sender says of one attempt.
typedef enum {
    NT_SENT,                    //  Delivered (e.g. a 2xx answer)
    NT_RETRY,                   //  Failed for now: try again after a backoff
    NT_DEAD                     //  Cannot succeed (target gone): a dead letter now
} nt_outcome_t;

//  One claimed delivery, as a sender sees it (strings owned by the queue).
typedef struct {
    const char *pemda;          //  Whose keys it lives in
    const char *id;             //  Delivery id (stable over retries and replays)
    const char *channel;        //  "webhook", "email", ...
    const char *target;         //  Channel's own: an endpoint id, an address
    const char *group;          //  Paused / dead-lettered together, e.g. "hook:ID"
    const char *payload;        //  What to send (channel's own format)
    size_t payload_size;
    int attempts;               //  Attempts before this one
} nt_delivery_t;

//  Send one delivery, blocking (in a sender thread, never the event loop).
//  redis is the thread's own connection. Write the answer's status (e.g.
//  the HTTP status, 0 when none) into *status and a short reason into
//  error on failure.
typedef nt_outcome_t (nt_send_fn) (const nt_delivery_t *delivery, wfa_redis_t *redis,
                                   int *status, char *error, size_t error_size);

//  A channel: its name and its sender. pause_after: consecutive failures
//  that pause a group of it (0: never paused); paused_event: the outbox
//  event the pause emits (e.g. "webhook.paused"), NULL for none.
typedef struct {
    const char *name;
    nt_send_fn *send;
    int pause_after;
    const char *paused_event;
} nt_channel_t;

//  Register a channel (before nt_deliver_start). Returns 0, or -1 if the
//  table is full or the name taken.
int nt_deliver_channel (const nt_channel_t *channel);

//  Start the sender threads (once; later calls do nothing). 0 or -1.
int nt_deliver_start (void);

//  The service's housekeeping (every second, worker thread): starts the
//  sender threads the first time, once the configuration is loaded.
void nt_deliver_housekeeping (wfa_redis_t *redis, void *state);

//  Stop the sender threads (at exit).
void nt_deliver_stop (void);

//  Enqueue a delivery in pemda's keys, due now: one Lua step. The same id
//  again does nothing (returns 1) unless replay, which queues it anew
//  (attempts reset, out of the dead letters, same id). A delivery of a
//  paused group is held until it is resumed. Returns 0 queued, 1
//  already there, -1 Redis failed (the caller retries: the event is
//  redelivered).
int nt_deliver_enqueue (wfa_redis_t *redis, const char *pemda, const char *id,
                        const char *channel, const char *target, const char *group,
                        const char *payload, size_t payload_size, bool replay);

//  Unpause group: its held deliveries are queued, due now. Returns how
//  many, or -1.
int nt_deliver_resume (wfa_redis_t *redis, const char *pemda, const char *group);

//  Delay before the next attempt after `attempts` failed ones: a random
//  whole number of ms in [0, min(cap, base * 2^(attempts-1))] (full
//  jitter), random01 in [0, 1).
int64_t nt_deliver_backoff (int attempts, int64_t base_ms, int64_t cap_ms, double random01);

//  Pure parts: backoff.
void nt_deliver_test (bool verbose);

#endif
