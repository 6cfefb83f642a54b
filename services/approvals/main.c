/*  wfa-approvals - records decisions and runs the steps' clocks.

    Serves APPROVAL.DECIDE, where only the assigned approver (or their
    Plt/Plh) may decide, and opens the next step in the same Lua step
    (shared/lua/decide.lua); APPROVAL.LIST, what awaits an approver;
    APPROVAL.DELEGATE. Step 1 is opened by the submission itself
    (submit.lua), so this service consumes no event. Every second its
    housekeeping fires the due timers (reminders, escalations, expiry) and
    opens the steps that waited for a role nobody held. */
#include <openssl/sha.h>
#include "wfa.h"

//  The service's state: parsed policies, by pemda and version.
typedef struct {
    zhashx_t *policies;         //  wfa_store_policy_cache_new
} s_approvals_t;

//  What step_context.lua read of a request; fields NULL when not stored.
typedef struct {
    redisReply *reply;          //  Owns what the fields point into
    const char *opd, *chain, *nip, *dates, *position;
    int64_t policy_version;
    const redisReply *employee; //  HGETALL of the employee
    const redisReply *calendar; //  HKEYS of the pemda's days off
} s_context_t;

//  Read a request's step context in one round trip; -1 if Redis is down.
static int
s_context_read (wfa_redis_t *redis, const char *prefix, const char *request_id, s_context_t *context)
{
    memset (context, 0, sizeof *context);
    char pemda [16], rkey [WFA_KEY_MAX], calendar [WFA_KEY_MAX];
    if (wfa_store_pemda_of_request (request_id, pemda, sizeof pemda))
        return -1;
    const char *keys [] = { prefix, wfa_store_key (rkey, sizeof rkey, pemda, "req:%s", request_id),
                            wfa_store_key (calendar, sizeof calendar, pemda, "calendar") };
    redisReply *reply = wfa_store_step (redis, &wfa_script_step_context, 3, keys, 0, NULL, NULL);
    //  {"ok", request fields, employee, calendar}
    if (!wfa_store_step_ok (reply) || reply->elements != 4
    ||  reply->element [1]->type != REDIS_REPLY_ARRAY || reply->element [1]->elements != 6) {
        if (reply && reply->type == REDIS_REPLY_ERROR)
            wfa_log ("E", "step_context %s: %s", request_id, reply->str);
        if (reply)
            freeReplyObject (reply);
        return -1;
    }
    const redisReply *fields = reply->element [1];
    const char **slots [] = { &context->opd, NULL, &context->chain, &context->nip, &context->dates,
                              &context->position };
    for (size_t field_nbr = 0; field_nbr < 6; field_nbr++) {
        const char *value = fields->element [field_nbr]->type == REDIS_REPLY_STRING?
                            fields->element [field_nbr]->str: NULL;
        if (slots [field_nbr])
            *slots [field_nbr] = value;
        else
            context->policy_version = value? atoll (value): 0;
    }
    context->reply = reply;
    context->employee = reply->element [2];
    context->calendar = reply->element [3];
    return 0;
}

//  What APPROVAL.DECIDE may record of a step, in decide.lua's order: the
//  atasan's assessment, then the kepala OPD's proposal.
#define S_ATTESTED 4
static const char *s_attested [S_ATTESTED] = {
    "tasks_fit", "targets_measurable", "service_continues", "capacity_ok"
};

//  The field a Lua step's refusal names ({"err", CODE, detail, field}), or
//  dflt when it names none.
static const char *
s_refused_field (const redisReply *reply, const char *dflt)
{
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4
    &&  reply->element [3]->type == REDIS_REPLY_STRING)
        return reply->element [3]->str;
    return dflt;
}

//  The eligibility rules (art. 25) the employee of a request breaks today,
//  judged again at its final approval from the personnel data on record:
//  into problems (their count returned), and as "CODE: detail; ..." into text.
static size_t
s_judge_again (const wfa_rules_t *rules, const s_context_t *context, int today,
               wfa_eligibility_problem_t *problems, char *text, size_t size)
{
    *text = 0;
    if (!context->employee || context->employee->type != REDIS_REPLY_ARRAY
    ||  context->employee->elements == 0)
        return 0;               //  Not on record: decide.lua refuses the approver, not the employee
    int days [32];
    size_t count = 0;
    const char *cursor = context->dates? context->dates: "";
    while (*cursor && count < 32) {
        char date [11] = "";
        size_t len = strcspn (cursor, ",");
        snprintf (date, sizeof date, "%.*s", (int) (len < 10? len: 10), cursor);
        if (wfa_date_parse (date, &days [count]) == 0)
            count++;
        cursor += len + (cursor [len] == ',');
    }
    wfa_judge_employee_t employee;
    wfa_store_judge_employee (context->employee, context->nip, context->position, &employee);
    size_t found = wfa_eligibility_judge (rules, &employee.eligibility, today, days, count, problems);
    for (size_t problem_nbr = 0; problem_nbr < found; problem_nbr++)
        snprintf (text + strlen (text), size - strlen (text), "%s%s: %s", problem_nbr? "; ": "",
                  wfa_error_name (problems [problem_nbr].code), problems [problem_nbr].detail);
    return found;
}

static void
s_decide (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    s_approvals_t *self = (s_approvals_t *) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_writer (call);
    const char *request_id = wfa_call_str (call, "request_id", 64, true);
    const char *decision = wfa_call_str (call, "decision", 16, true);
    const char *note = wfa_call_str (call, "note", 2000, false);
    if (decision && !streq (decision, "approve") && !streq (decision, "reject")
    &&  !streq (decision, "return"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "decision", "decision: approve | reject | return", -1);
    if (decision && streq (decision, "return") && (!note || !*note))
        wfa_call_error (call, WFA_E_MISSING_FIELD, "note", "note: what to revise", -1);
    //  What the step records (decide.lua asks each role for its own):
    //  "1" yes, "0" no, "" not given
    char attested [S_ATTESTED][2];
    for (int field_nbr = 0; field_nbr < S_ATTESTED; field_nbr++) {
        const char *name = s_attested [field_nbr];
        bool given = wfa_mp_get (wfa_call_body (call), name) != NULL;
        bool value = wfa_call_bool (call, name, false);
        snprintf (attested [field_nbr], 2, "%s", given? (value? "1": "0"): "");
    }
    char pemda [16];
    wfa_store_call_request_pemda (call, request_id, pemda, sizeof pemda);
    if (wfa_call_failed (call) || wfa_authz_tenant (call, redis, actor, pemda))
        return;
    //  The request's context in one round trip: the OPD's capacity and the
    //  time zone as the policy the request was judged by says, the
    //  employee as on record now, the calendar for the next step's deadline
    char prefix [WFA_PREFIX_MAX];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    s_context_t context;
    if (s_context_read (redis, prefix, request_id, &context)) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return;
    }
    char opd [WFA_CODE_MAX + 1] = "";
    snprintf (opd, sizeof opd, "%s", context.opd? context.opd: "");
    wfa_policy_t *policy = wfa_store_policy (self->policies, redis, pemda, context.policy_version);
    if (!policy) {
        freeReplyObject (context.reply);
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return;
    }
    wfa_rules_t rules = wfa_policy_rules (policy, opd);
    char ttl [24], now [24], people [16], percent [16], today [11], dues [128] = "";
    char ineligible [WFA_ELIGIBILITY_PROBLEMS_MAX * 200] = "";
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    int64_t now_ms = wfa_now_ms ();
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (people, sizeof people, "%d", rules.max_people_per_day);
    snprintf (percent, sizeof percent, "%d", rules.max_percent_per_day);
    int today_day = wfa_date_today (rules.tz_minutes);
    wfa_date_format (today_day, today);
    //  The unit's capacity and the minimum at the office, checked with it
    char unit_people [16], unit_percent [16], min_present [16], unit_min_present [16];
    snprintf (unit_people, sizeof unit_people, "%d", rules.unit_max_people_per_day);
    snprintf (unit_percent, sizeof unit_percent, "%d", rules.unit_max_percent_per_day);
    snprintf (min_present, sizeof min_present, "%d", rules.min_present_per_day);
    snprintf (unit_min_present, sizeof unit_min_present, "%d", rules.unit_min_present_per_day);
    wfa_store_step_dues (context.chain, now_ms, context.calendar, rules.tz_minutes, dues, sizeof dues);
    //  An approval may be the final one (decide.lua knows): the employee is
    //  judged again by the rules the request was judged by
    wfa_eligibility_problem_t problems [WFA_ELIGIBILITY_PROBLEMS_MAX];
    size_t problem_count = streq (decision, "approve")?
        s_judge_again (&rules, &context, today_day, problems, ineligible, sizeof ineligible): 0;
    freeReplyObject (context.reply);
    char request_key [WFA_KEY_MAX], approver_key [WFA_KEY_MAX], idem_key [WFA_KEY_MAX];
    const char *keys [] = { prefix, wfa_store_key (request_key, sizeof request_key, pemda, "req:%s", request_id),
                            wfa_store_key (approver_key, sizeof approver_key, pemda, "emp:%s", actor),
                            wfa_store_key (idem_key, sizeof idem_key, pemda, "idem:decide:%s:%s:%s", actor,
                                           request_id, key) };
    const char *args [] = { "id", request_id, "as", actor, "decision", decision, "note", note,
                            "ttl", ttl, "now", now, "people", people, "percent", percent, "today", today,
                            "unit_people", unit_people, "unit_percent", unit_percent,
                            "min_present", min_present, "unit_min_present", unit_min_present,
                            s_attested [0], attested [0], s_attested [1], attested [1],
                            s_attested [2], attested [2], s_attested [3], attested [3],
                            "dues", dues, "ineligible", ineligible,
                            "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_decide, 4, keys, sizeof args / sizeof *args / 2,
                                        args, NULL);
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
    &&  reply->element [0]->type == REDIS_REPLY_STRING && streq (reply->element [0]->str, "ineligible")) {
        //  Refused at the final approval: every rule broken, each with its code
        for (size_t problem_nbr = 0; problem_nbr < problem_count; problem_nbr++)
            wfa_call_error (call, problems [problem_nbr].code, "as", problems [problem_nbr].detail, -1);
        freeReplyObject (reply);
        return;
    }
    //  A missing assessment names the first field it lacks
    const char *outcome = wfa_store_step_result (call, reply, s_refused_field (reply, "request_id"));
    if (outcome) {
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), request_id);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), outcome);
        //  The final approval's nomor persetujuan
        if (reply->elements > 2 && reply->element [2]->type == REDIS_REPLY_STRING
        &&  reply->element [2]->len > 0)
            wfa_mp_pack_str (wfa_call_reply (call, "approval_number"), reply->element [2]->str);
    }
    if (reply)
        freeReplyObject (reply);
}

static void
s_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    const char *actor = wfa_call_actor (call);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    if (wfa_call_failed (call))
        return;
    char pemda [16], index [64];
    if (wfa_store_call_pemda (call, redis, "as", actor, pemda, sizeof pemda))
        return;
    snprintf (index, sizeof index, "idx:approver:%s", actor);
    //  An acting official (Plt/Plh) also sees what awaits whoever delegated
    //  to them today: listed by a union of the indexes
    char today [11];
    //  Today as decide judges it: in the zone of the pemda's policy
    s_approvals_t *self = (s_approvals_t *) state;
    int64_t version = 0;
    wfa_policy_t *policy = wfa_store_policy_current (self->policies, redis, pemda, &version);
    int tz = policy? wfa_policy_rules (policy, NULL).tz_minutes: wfa_pemda_tz (pemda);
    wfa_date_format (wfa_date_today (tz), today);
    char prefix [WFA_PREFIX_MAX], keys_text [3][WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idx:approver:%s", actor),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "delegated_to:%s", actor),
        wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "idx:acting:%s", actor) };
    const char *args [] = { "nip", actor, "today", today };
    redisReply *principals = wfa_store_step (redis, &wfa_script_acting_index, 4, keys, 2, args, NULL);
    const char *acting = wfa_store_step_result (call, principals, "as");
    if (acting)
        snprintf (index, sizeof index, "%s", acting);
    if (principals)
        freeReplyObject (principals);
    if (!acting)
        return;
    wfa_store_reply_list (call, redis, pemda, index, limit, "pending", NULL, NULL, cursor);
    //  The BKD and admin pemda also see what waits for a role nobody holds
    //  (NO_APPROVER): nobody can decide it until someone holds that role.
    //  On the first page only (no cursor): the array has no cursor of its own
    wfa_actor_t watcher;
    unsigned watchers = (1u << WFA_ROLE_BKD) | (1u << WFA_ROLE_ADMIN_PEMDA);
    if (!wfa_call_failed (call) && !(cursor && *cursor) && wfa_authz_actor (call, redis, &watcher) == 0
    &&  (watcher.roles & watchers) && streq (watcher.pemda, pemda))
        wfa_store_pack_index (call, redis, pemda, "idx:no_approver", limit, "pending", "no_approver");
}

//  APPROVAL.DECIDE_MANY: each item is decided on its own, exactly as an
//  APPROVAL.DECIDE of its own under the call's key (its idempotency record
//  names its request, so a retry listing the items in another order finds
//  each answer), and the answer holds every item's reply in order. The
//  call as a whole has its record too (wfa:idem:decide_many:ACTOR:KEY, the
//  fingerprint of its items in any order): the same key with other items
//  is IDEMPOTENCY_MISMATCH before any item is decided.
static int
s_fingerprint_compare (const void *one, const void *two)
{
    return strcmp (*(const char * const *) one, *(const char * const *) two);
}

static void
s_decide_many (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    const char *key = wfa_call_str (call, "key", 48, true);
    const char *actor = wfa_call_writer (call);
    const msgpack_object *items = wfa_call_array (call, "items", 100, true, true);
    if (wfa_call_failed (call))
        return;
    //  Every item's fields are checked before any is decided
    char accepted [160] = "request_id decision note";
    for (int field_nbr = 0; field_nbr < S_ATTESTED; field_nbr++)
        snprintf (accepted + strlen (accepted), sizeof accepted - strlen (accepted), " %s", s_attested [field_nbr]);
    for (uint32_t item_nbr = 0; item_nbr < items->via.array.size; item_nbr++)
        wfa_call_check_map (call, &items->via.array.ptr [item_nbr], accepted, "items", (int) item_nbr);
    if (wfa_call_failed (call))
        return;
    const msgpack_object *lang = wfa_mp_get (wfa_call_body (call), "lang");
    uint32_t item_count = items->via.array.size;
    msgpack_sbuffer bodies [100];
    wfa_call_t *singles [100];
    const char *fingerprints [100];
    for (uint32_t item_nbr = 0; item_nbr < item_count; item_nbr++) {
        const msgpack_object *item = &items->via.array.ptr [item_nbr];
        msgpack_sbuffer *body = &bodies [item_nbr];
        msgpack_sbuffer_init (body);
        msgpack_packer pk;
        msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
        //  The item's fields, then those of the step's record it gives
        const char *fields [3 + S_ATTESTED] = { "request_id", "decision", "note" };
        int given = 0;
        for (int field_nbr = 0; field_nbr < S_ATTESTED; field_nbr++) {
            fields [3 + field_nbr] = s_attested [field_nbr];
            given += item->type == MSGPACK_OBJECT_MAP && wfa_mp_get (item, s_attested [field_nbr]) != NULL;
        }
        msgpack_pack_map (&pk, 4 + 3 + given + (lang? 1: 0));
        wfa_mp_pack_kv_int (&pk, "v", 1);
        wfa_mp_pack_kv_str (&pk, "key", key);
        wfa_mp_pack_kv_str (&pk, "as", actor);
        wfa_mp_pack_str (&pk, "id");
        msgpack_pack_uint32 (&pk, item_nbr);
        for (int field_nbr = 0; field_nbr < 3 + S_ATTESTED; field_nbr++) {
            const msgpack_object *value = item->type == MSGPACK_OBJECT_MAP?
                                          wfa_mp_get (item, fields [field_nbr]): NULL;
            if (field_nbr >= 3 && !value)
                continue;           //  Not given: the step asks for it or not
            wfa_mp_pack_str (&pk, fields [field_nbr]);
            if (value)
                msgpack_pack_object (&pk, *value);
            else
                msgpack_pack_nil (&pk);
        }
        if (lang) {
            wfa_mp_pack_str (&pk, "lang");
            msgpack_pack_object (&pk, *lang);
        }
        singles [item_nbr] = wfa_call_new ("APPROVAL.DECIDE", body->data, body->size);
        wfa_call_set_principal (singles [item_nbr], wfa_call_principal (call));
        fingerprints [item_nbr] = wfa_call_fingerprint (singles [item_nbr]);
    }
    //  The call's record: one round trip, SET NX GET (Redis 7)
    const char *sorted [100];
    memcpy (sorted, fingerprints, item_count * sizeof *sorted);
    qsort (sorted, item_count, sizeof *sorted, s_fingerprint_compare);
    char joined [100 * 17 + 1] = "";
    size_t joined_size = 0;
    for (uint32_t item_nbr = 0; item_nbr < item_count; item_nbr++)
        joined_size += snprintf (joined + joined_size, sizeof joined - joined_size, "%s,", sorted [item_nbr]);
    uint8_t digest [SHA256_DIGEST_LENGTH];
    SHA256 ((const uint8_t *) joined, joined_size, digest);
    char fingerprint [17];
    for (int byte_nbr = 0; byte_nbr < 8; byte_nbr++)
        snprintf (fingerprint + 2 * byte_nbr, 3, "%02x", digest [byte_nbr]);
    redisReply *record = wfa_redis_command (redis, "SET wfa:idem:decide_many:%s:%s %s NX GET EX %" PRId64,
                                            actor, key, fingerprint, wfa_config_int (WFA_CFG_IDEM_TTL));
    if (!wfa_call_redis_down (call, record)) {
        if (record->type == REDIS_REPLY_STRING && !streq (record->str, fingerprint))
            wfa_call_error (call, WFA_E_IDEMPOTENCY_MISMATCH, "key", "key", -1);
        freeReplyObject (record);
    }
    msgpack_packer *results = wfa_call_failed (call)? NULL: wfa_call_reply (call, "results");
    if (results)
        msgpack_pack_array (results, item_count);
    size_t approved = 0;
    for (uint32_t item_nbr = 0; item_nbr < item_count; item_nbr++) {
        wfa_call_t *single = singles [item_nbr];
        if (results) {
            if (!wfa_call_failed (single))
                s_decide (single, redis, state);
            approved += !wfa_call_failed (single);
            zframe_t *reply = wfa_call_encode_reply (single);
            wfa_store_pack_blob (results, (const char *) zframe_data (reply), zframe_size (reply));
            zframe_destroy (&reply);
        }
        wfa_call_destroy (&single);
        msgpack_sbuffer_destroy (&bodies [item_nbr]);
    }
    if (results)
        msgpack_pack_uint64 (wfa_call_reply (call, "done"), approved);
}

//  APPROVAL.DELEGATE: a superior (the kepala OPD of the approver's OPD, or
//  a BKD officer) appoints the acting official (Plt/Plh) for an approver,
//  with the order's reference; delegate.lua judges who may.
static void
s_delegate (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_writer (call);
    const char *approver = wfa_call_nip (call, "approver", true);
    bool withdraw = wfa_call_bool (call, "withdraw", false);
    const char *to = withdraw? NULL: wfa_call_nip (call, "to", true);
    const char *from = withdraw? NULL: wfa_call_str (call, "from", 10, true);
    const char *until = withdraw? NULL: wfa_call_str (call, "until", 10, true);
    const char *order_ref = withdraw? NULL: wfa_call_str (call, "order_ref", 100, true);
    const char *reason = wfa_call_str (call, "reason", 500, false);
    int from_day = 0, until_day = 0;
    wfa_call_check_date (call, "from", from, &from_day);
    wfa_call_check_date (call, "until", until, &until_day);
    if (from && until && !wfa_call_failed (call) && until_day < from_day)
        wfa_call_error (call, WFA_E_BAD_VALUE, "until", "until >= from", -1);
    if (to && approver && streq (to, approver))
        wfa_call_error (call, WFA_E_BAD_VALUE, "to", "not the approver", -1);
    if (order_ref && !*order_ref)
        wfa_call_error (call, WFA_E_MISSING_FIELD, "order_ref", "order_ref: nomor surat", -1);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_store_call_pemda (call, redis, "as", actor, pemda, sizeof pemda))
        return;
    char prefix [WFA_PREFIX_MAX], now [24];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    char ttl [24];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    char approver_key [WFA_KEY_MAX], delegation_key [WFA_KEY_MAX], idem_key [WFA_KEY_MAX];
    const char *keys [] = { prefix, wfa_store_key (approver_key, sizeof approver_key, pemda, "emp:%s", approver),
                            wfa_store_key (delegation_key, sizeof delegation_key, pemda, "delegation:%s", approver),
                            wfa_store_key (idem_key, sizeof idem_key, pemda, "idem:delegate:%s:%s", actor, key) };
    const char *args [] = { "as", actor, "approver", approver, "to", to, "from", from, "until", until,
                            "reason", reason, "now", now, "ttl", ttl, "order_ref", order_ref,
                            "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_delegate, 4, keys, sizeof args / sizeof *args / 2,
                                        args, NULL);
    const char *outcome = wfa_store_step_result (call, reply, s_refused_field (reply, "to"));
    if (outcome)
        wfa_mp_pack_str (wfa_call_reply (call, "delegation"), outcome);
    if (reply)
        freeReplyObject (reply);
}

//  Fire the due timers of one pemda.
static void
s_fire_timers (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    char timers [WFA_KEY_MAX];
    const char *keys [] = { prefix, wfa_store_key (timers, sizeof timers, pemda, "timers") };
    const char *args [] = { "now", (const char *) arg, "max", "100" };
    redisReply *reply = wfa_store_step (redis, &wfa_script_timers_due, 2, keys, 2, args, NULL);
    //  {"ok", timers that acted}
    bool ok = wfa_store_step_ok (reply) && reply->elements == 2
           && reply->element [1]->type == REDIS_REPLY_INTEGER;
    if (ok && reply->element [1]->integer > 0)
        wfa_log ("I", "%s: %lld timers fired", pemda, reply->element [1]->integer);
    else
    if (!ok && reply && reply->type == REDIS_REPLY_ERROR)
        wfa_log ("E", "timers of %s: %s", pemda, reply->str);
    if (reply)
        freeReplyObject (reply);
}

//  Open the steps of one pemda that waited for a role nobody held, now
//  that someone holds it, and show how many still wait (NO_APPROVER). The
//  script finds them first; each then opens with its deadlines counted in
//  the pemda's working time from now, as a step opened at submission.
static void
s_reopen_waiting (s_approvals_t *self, wfa_redis_t *redis, const char *pemda, const char *prefix,
                  const char *now)
{
    char waiting [WFA_KEY_MAX];
    const char *keys [] = { prefix, wfa_store_key (waiting, sizeof waiting, pemda, "idx:no_approver") };
    const char *find [] = { "now", now, "max", "100" };
    redisReply *reply = wfa_store_step (redis, &wfa_script_reopen_waiting, 2, keys, 2, find, NULL);
    //  {"ok", reopened, still waiting, REQUEST...}
    if (wfa_store_step_ok (reply) && reply->elements >= 3
    &&  reply->element [2]->type == REDIS_REPLY_INTEGER) {
        wfa_prom_set (wfa_prom (), "wfa_requests_no_approver",
                      (double) reply->element [2]->integer, pemda, NULL);
        //  {now, max, dues = {REQUEST = "DUE,DUE,...", ...}}: each request whose step can open
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, 3);
        wfa_mp_pack_kv_str (&pk, "now", now);
        wfa_mp_pack_kv_str (&pk, "max", "100");
        wfa_mp_pack_str (&pk, "dues");
        size_t opening = 0;
        char step_dues [reply->elements][128];
        const char *opening_ids [reply->elements];
        for (size_t ready_nbr = 3; ready_nbr < reply->elements; ready_nbr++) {
            const redisReply *id = reply->element [ready_nbr];
            s_context_t context;
            if (id->type != REDIS_REPLY_STRING || s_context_read (redis, prefix, id->str, &context))
                continue;
            wfa_policy_t *policy = context.opd? wfa_store_policy (self->policies, redis, pemda,
                                                                 context.policy_version): NULL;
            if (policy)
                wfa_store_step_dues (context.chain, atoll (now), context.calendar,
                                     wfa_policy_rules (policy, context.opd).tz_minutes,
                                     step_dues [opening], sizeof step_dues [opening]);
            freeReplyObject (context.reply);
            if (policy)         //  Its policy unreadable now: the next second tries again
                opening_ids [opening++] = id->str;
        }
        msgpack_pack_map (&pk, opening);
        for (size_t open_nbr = 0; open_nbr < opening; open_nbr++)
            wfa_mp_pack_kv_str (&pk, opening_ids [open_nbr], step_dues [open_nbr]);
        if (opening) {
            redisReply *opened = wfa_store_step_map (redis, &wfa_script_reopen_waiting, 2, keys, &buffer);
            if (wfa_store_step_ok (opened) && opened->elements >= 3
            &&  opened->element [1]->type == REDIS_REPLY_INTEGER && opened->element [1]->integer > 0)
                wfa_log ("I", "%s: %lld waiting steps opened", pemda, opened->element [1]->integer);
            else
            if (opened && opened->type == REDIS_REPLY_ERROR)
                wfa_log ("E", "waiting steps of %s: %s", pemda, opened->str);
            if (opened)
                freeReplyObject (opened);
        }
        msgpack_sbuffer_destroy (&buffer);
    }
    else
    if (reply && reply->type == REDIS_REPLY_ERROR)
        wfa_log ("E", "waiting steps of %s: %s", pemda, reply->str);
    if (reply)
        freeReplyObject (reply);
}

//  One pemda's second: its due timers, then its waiting steps.
typedef struct {
    s_approvals_t *self;
    char now [24];
} s_tick_t;

static void
s_tick_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    s_tick_t *tick = (s_tick_t *) arg;
    s_fire_timers (redis, pemda, prefix, tick->now);
    s_reopen_waiting (tick->self, redis, pemda, prefix, tick->now);
}

//  Every second: fire the due timers of every pemda (SLA reminders,
//  escalations, expiry), and open the steps that waited for a role someone
//  now holds. Any instance may; each Lua step acts once.
static void
s_housekeeping (wfa_redis_t *redis, void *state)
{
    s_tick_t tick = { (s_approvals_t *) state, "" };
    snprintf (tick.now, sizeof tick.now, "%" PRId64, wfa_now_ms ());
    wfa_store_each_pemda (redis, s_tick_pemda, &tick);
}

static const wfa_route_t s_routes [] = {
    { "APPROVAL.DECIDE", s_decide,
      "key request_id decision note tasks_fit targets_measurable service_continues capacity_ok" },
    { "APPROVAL.LIST", s_list,
      "limit cursor" },
    { "APPROVAL.DECIDE_MANY", s_decide_many,
      "key items" },
    { "APPROVAL.DELEGATE", s_delegate,
      "key approver to from until order_ref reason withdraw" },
    { NULL, NULL, NULL }
};

int
main (int argc, char *argv [])
{
    s_approvals_t self = { wfa_store_policy_cache_new () };
    wfa_prom_declare (wfa_prom (), "wfa_requests_no_approver", WFA_PROM_GAUGE,
                      "Requests waiting at a step whose role nobody holds (NO_APPROVER)", "pemda",
                      NULL, 0);
    //  No events: the chain opens in the submission's own step (submit.lua)
    const wfa_service_def_t def = { "approvals", s_routes, NULL, &self, s_housekeeping };
    int rc = wfa_service_main (&def, argc, argv);
    zhashx_destroy (&self.policies);
    return rc;
}
