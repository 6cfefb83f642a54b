/*  wfa-approvals - opens approval steps and records decisions.

    Consumes request.submitted from the outbox and opens the step for the
    employee's atasan (shared/lua/open_step.lua: a no-op when the step is
    already open, so a redelivered event changes nothing). Serves
    APPROVAL.DECIDE, where only the assigned approver may decide, and
    APPROVAL.LIST, what awaits an approver. */
#include "wfa.h"

//  request.submitted: open step 1 for the supervisor.
static int
s_on_submitted (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char *request_id = wfa_mp_strdup (wfa_mp_get (event->data, "request_id"));
    if (!request_id) {
        wfa_log ("E", "request.submitted %s without request_id, skipped", event->id);
        return 0;
    }
    char prefix [WFA_PREFIX_MAX], now [24];
    wfa_store_prefix (event->pemda, prefix, sizeof prefix);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *argv [] = { prefix, request_id, now };
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_open_step, 1, 3, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_STATUS? 0: reply && reply->type == REDIS_REPLY_STRING? 0: -1;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        wfa_log ("E", "open_step %s: %s", request_id, reply->str);
    if (reply)
        freeReplyObject (reply);
    free (request_id);
    return rc;
}

//  The service's state: parsed policies, by pemda and version.
typedef struct {
    zhashx_t *policies;         //  wfa_store_policy_cache_new
} s_approvals_t;

static void
s_decide (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    s_approvals_t *self = (s_approvals_t *) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_nip (call, "as", true);
    const char *request_id = wfa_call_str (call, "request_id", 64, true);
    const char *decision = wfa_call_str (call, "decision", 16, true);
    const char *note = wfa_call_str (call, "note", 2000, false);
    if (decision && !streq (decision, "approve") && !streq (decision, "reject")
    &&  !streq (decision, "return"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "decision", "decision: approve | reject | return", -1);
    if (decision && streq (decision, "return") && (!note || !*note))
        wfa_call_error (call, WFA_E_MISSING_FIELD, "note", "note: what to revise", -1);
    char pemda [16];
    if (request_id && wfa_store_pemda_of_request (request_id, pemda, sizeof pemda))
        wfa_call_error (call, WFA_E_NOT_FOUND, "request_id", request_id, -1);
    if (wfa_call_failed (call))
        return;
    //  The OPD's capacity, as the policy the request was judged by says
    redisReply *request = wfa_redis_command (redis, "HMGET wfa:{%s}:req:%s opd policy_version",
                                             pemda, request_id);
    if (wfa_call_redis_down (call, request))
        return;
    char opd [WFA_CODE_MAX + 1] = "";
    int64_t version = 0;
    if (request->type == REDIS_REPLY_ARRAY && request->elements == 2) {
        if (request->element [0]->type == REDIS_REPLY_STRING)
            snprintf (opd, sizeof opd, "%s", request->element [0]->str);
        if (request->element [1]->type == REDIS_REPLY_STRING)
            version = atoll (request->element [1]->str);
    }
    freeReplyObject (request);
    wfa_policy_t *policy = wfa_store_policy (self->policies, redis, pemda, version);
    if (!policy) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return;
    }
    wfa_rules_t rules = wfa_policy_rules (policy, opd);
    char prefix [WFA_PREFIX_MAX], ttl [24], now [24], people [16], percent [16];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (people, sizeof people, "%d", rules.max_people_per_day);
    snprintf (percent, sizeof percent, "%d", rules.max_percent_per_day);
    const char *argv [] = { prefix, request_id, actor, decision, note? note: "", key, ttl, now,
                            people, percent };
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_decide, 1, 10, argv, NULL);
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
    ||  reply->element [0]->type != REDIS_REPLY_STRING || reply->element [1]->type != REDIS_REPLY_STRING)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    else
    if (streq (reply->element [0]->str, "err")) {
        int code = wfa_error_lookup (reply->element [1]->str);
        const char *detail = reply->elements > 2 && reply->element [2]->type == REDIS_REPLY_STRING?
                             reply->element [2]->str: NULL;
        wfa_call_error (call, code < 0? WFA_E_INTERNAL: (wfa_code_t) code, "request_id", detail, -1);
    }
    else {
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), request_id);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), reply->element [1]->str);
    }
    freeReplyObject (reply);
}

static void
s_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *actor = wfa_call_nip (call, "as", true);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    if (wfa_call_failed (call))
        return;
    char pemda [16], index [64];
    if (wfa_store_call_pemda (call, redis, "as", actor, pemda, sizeof pemda))
        return;
    snprintf (index, sizeof index, "idx:approver:%s", actor);
    wfa_store_reply_list (call, redis, pemda, index, limit, "pending", NULL, NULL);
}

static const wfa_route_t s_routes [] = {
    { "APPROVAL.DECIDE", s_decide },
    { "APPROVAL.LIST", s_list },
    { NULL, NULL }
};

static const wfa_event_route_t s_events [] = {
    { "request.submitted", s_on_submitted },
    { "request.resubmitted", s_on_submitted },
    { NULL, NULL }
};

int
main (int argc, char *argv [])
{
    s_approvals_t self = { wfa_store_policy_cache_new () };
    const wfa_service_def_t def = { "approvals", s_routes, s_events, &self, NULL };
    int rc = wfa_service_main (&def, argc, argv);
    zhashx_destroy (&self.policies);
    return rc;
}
