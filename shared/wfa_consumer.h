/*  wfa_consumer.h - reads a service's consumer group from every pemda's
    outbox stream and runs the event handlers.

    Delivery is at least once: an event is acknowledged (XACK) only after
    its handler succeeded; what a dead or stuck consumer left pending for
    longer than WFA_REDELIVER_MS is claimed (XAUTOCLAIM) and handled again,
    so handlers must be idempotent. */
#ifndef WFA_CONSUMER_H_INCLUDED
#define WFA_CONSUMER_H_INCLUDED

//  The consumer groups every outbox has, created with the stream.
extern const char *wfa_outbox_groups [];

//  Stream key of a pemda's outbox into buf.
char *wfa_outbox_key (const char *pemda, char *buf, size_t size);

//  Make sure the outbox stream of pemda exists with every consumer group,
//  and the pemda is in the registry (wfa:pemdas). Returns 0 or -1.
int wfa_outbox_register (wfa_redis_t *redis, const char *pemda);

//  Trim a pemda's outbox: drop entries older than the retention that every
//  group has acknowledged. Returns entries removed, or -1.
int wfa_outbox_trim (wfa_redis_t *redis, const char *pemda, int64_t retention_ms);

//  Start a consumer actor for group; routes end with a NULL type.
zactor_t *wfa_consumer_new (const char *group, const wfa_event_route_t *routes, void *state);

void wfa_consumer_test (bool verbose);

#endif
