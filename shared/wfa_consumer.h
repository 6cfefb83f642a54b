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

//  Groups of older versions that no service reads: wfa_outbox_trim
//  destroys them.
extern const char *wfa_outbox_retired [];

//  Stream key of a pemda's outbox into buf.
char *wfa_outbox_key (const char *pemda, char *buf, size_t size);

//  Make sure the outbox stream of pemda exists with every consumer group,
//  and the pemda is in the registry (wfa:pemdas). Returns 0 or -1.
int wfa_outbox_register (wfa_redis_t *redis, const char *pemda);

//  Trim a pemda's outbox: drop entries older than the retention that every
//  group has acknowledged, after destroying any retired group (XGROUP
//  DESTROY). Returns entries removed, or -1.
int wfa_outbox_trim (wfa_redis_t *redis, const char *pemda, int64_t retention_ms);

//  A consumer that records each event it handled in the sorted set
//  {pemda}done:GROUP (scored by when) forgets, on every pemda, the marks
//  older than keep_ms: an event is acknowledged right after it is handled,
//  and the outbox keeps acknowledged events for WFA_RETENTION_H only, so a
//  week later no redelivery can bring it back.
void wfa_consumer_forget_done (wfa_redis_t *redis, const char *group, int64_t keep_ms);

//  How far group is behind on a pemda's outbox: entries not yet delivered
//  to it into *lag (-1 when Redis cannot tell, after XDEL), delivered but
//  not acknowledged into *pending. -1 when Redis does not answer or the
//  group is not there.
int wfa_outbox_behind (wfa_redis_t *redis, const char *pemda, const char *group, int64_t *lag,
                       int64_t *pending);

//  Start a consumer actor for group; routes end with a NULL type. A route
//  of type "*" takes every event too (after the route of its own type, if
//  any): an event is acknowledged once every route it matched succeeded.
zactor_t *wfa_consumer_new (const char *group, const wfa_event_route_t *routes, void *state);

void wfa_consumer_test (bool verbose);

#endif
