/*  hooks.h - webhooks (hooks.c): the "webhook" channel of the delivery
    queue, the events it takes, WEBHOOK.* */
#ifndef HOOKS_H_INCLUDED
#define HOOKS_H_INCLUDED

#include "notifications.h"

//  Register the webhook channel with the delivery queue (once the
//  configuration is loaded, before the senders start).
void hooks_register (void);

//  The "*" event route: queue the event for every endpoint of its pemda
//  whose types take it. 0, or -1 (Redis failed: the event comes again).
int hooks_on_event (const wfa_event_t *event, wfa_redis_t *redis, void *state);

//  WEBHOOK.ADD, LIST, REMOVE, REPLAY, RESUME
void hooks_add (wfa_call_t *call, wfa_redis_t *redis, void *state);
void hooks_list (wfa_call_t *call, wfa_redis_t *redis, void *state);
void hooks_remove (wfa_call_t *call, wfa_redis_t *redis, void *state);
void hooks_replay (wfa_call_t *call, wfa_redis_t *redis, void *state);
void hooks_resume (wfa_call_t *call, wfa_redis_t *redis, void *state);

//  Pure parts: an endpoint's types take type ("" = all; "prefix.*"); a
//  URL an endpoint may have; the Standard Webhooks signature
//  ("v1,BASE64") of body under secret ("whsec_BASE64"), 0 or -1.
bool hooks_type_matches (const char *types, const char *type);
bool hooks_url_valid (const char *url, bool allow_http_loopback);
int hooks_sign (const char *secret, const char *id, const char *timestamp, const char *body,
                size_t body_size, char *signature, size_t size);
void hooks_test (bool verbose);

#endif
