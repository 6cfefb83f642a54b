/*  wfa-requests: flexible-work requests. REQUEST.SUBMIT and RESUBMIT
    (judged completely, then stored with their event in one Lua step),
    REQUEST.CANCEL and REVOKE, REQUEST.GET and REQUEST.LIST. */
#include "requests.h"

#define S_DATES_MAX WFA_JUDGE_DATES_MAX
#define S_PLAN_MAX 20

// ---------------------------------------------------------------------
//  REQUEST.SUBMIT

//  Days off in day order.
static int
s_compare_day (const void *left, const void *right)
{
    const wfa_judge_day_off_t *a = (const wfa_judge_day_off_t *) left, *b = (const wfa_judge_day_off_t *) right;
    return (a->day > b->day) - (a->day < b->day);
}

//  Answer a request's id and state.
static void
s_answer (wfa_call_t *call, const char *request_id, const char *state)
{
    wfa_mp_pack_str (wfa_call_reply (call, "request_id"), request_id);
    wfa_mp_pack_str (wfa_call_reply (call, "state"), state);
}

//  If key was already answered for nip, replace the call's errors with that
//  answer and return 1; 0 if not; -1 if Redis is unavailable (errors kept).
static int
s_submit_answered (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *nip,
                   const char *key)
{
    const char *again = streq (wfa_call_command (call), "REQUEST.RESUBMIT")?
                        wfa_call_str (call, "request_id", 64, false): "";
    char answer [WFA_KEY_MAX];
    wfa_store_key (answer, sizeof answer, pemda, "idem:submit:%s:%s:%s", nip, again? again: "", key);
    redisReply *reply = wfa_redis_command (redis, "GET %s", answer);
    if (!reply)
        return -1;
    int answered = reply->type == REDIS_REPLY_STRING? 1: 0;
    const char *first = answered? wfa_store_idem_answer (call, reply->str): NULL;
    if (answered && !first) {
        //  The key was used for another body: that is the answer
        wfa_call_clear (call);
        wfa_call_error (call, WFA_E_IDEMPOTENCY_MISMATCH, "key", "key", -1);
    }
    else
    if (answered) {
        //  The first answer: the request as it stands, its approver and
        //  step, and the policy it was judged by (the fields of a first reply)
        char request_key [WFA_KEY_MAX];
        const char *argv [] = { "HMGET", wfa_store_key (request_key, sizeof request_key, pemda, "req:%s",
                                                        first), "state", "approver", "step", "policy_version" };
        redisReply *request = wfa_redis_argv (redis, 6, argv, NULL);
        if (!request || request->type != REDIS_REPLY_ARRAY || request->elements != 4) {
            if (request)
                freeReplyObject (request);
            freeReplyObject (reply);
            return -1;
        }
        wfa_call_clear (call);
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), first);
        const char *names [] = { "state", "approver" };
        for (size_t field_nbr = 0; field_nbr < 2; field_nbr++)
            wfa_mp_pack_str (wfa_call_reply (call, names [field_nbr]),
                             request->element [field_nbr]->type == REDIS_REPLY_STRING?
                             request->element [field_nbr]->str: "");
        msgpack_pack_int64 (wfa_call_reply (call, "step"), request->element [2]->type == REDIS_REPLY_STRING?
                            atoll (request->element [2]->str): 0);
        wfa_mp_pack_str (wfa_call_reply (call, "policy_version"), request->element [3]->type == REDIS_REPLY_STRING?
                         request->element [3]->str: "0");
        freeReplyObject (request);
    }
    freeReplyObject (reply);
    return answered;
}

//  The pemda's calendar of a context reply (HGETALL calendar: date ->
//  "kind|name"; HGETALL ramadan: date -> name) as the judge reads it,
//  sorted; the arrays are the caller's to free, the names point into the
//  replies.
static void
s_calendar_read (const redisReply *days_off, const redisReply *ramadan, wfa_judge_calendar_t *calendar)
{
    size_t off_size = days_off && days_off->type == REDIS_REPLY_ARRAY? days_off->elements / 2: 0;
    size_t ramadan_size = ramadan && ramadan->type == REDIS_REPLY_ARRAY? ramadan->elements / 2: 0;
    wfa_judge_day_off_t *off = (wfa_judge_day_off_t *) calloc (off_size + 1, sizeof (wfa_judge_day_off_t));
    int *fasting = (int *) calloc (ramadan_size + 1, sizeof (int));
    assert (off && fasting);
    *calendar = (wfa_judge_calendar_t) { off, 0, fasting, 0 };
    for (size_t item_nbr = 0; item_nbr < off_size; item_nbr++) {
        const char *date = days_off->element [2 * item_nbr]->str;
        const char *stored = days_off->element [2 * item_nbr + 1]->str;
        wfa_judge_day_off_t *day = &off [calendar->off_count];
        if (!date || !stored || !*stored || wfa_date_parse (date, &day->day))
            continue;
        const char *bar = strchr (stored, '|');
        snprintf (day->kind, sizeof day->kind, "%.*s", bar? (int) (bar - stored): 0, stored);
        day->name = bar? bar + 1: "";
        calendar->off_count++;
    }
    qsort (off, calendar->off_count, sizeof (wfa_judge_day_off_t), s_compare_day);
    for (size_t item_nbr = 0; item_nbr < ramadan_size; item_nbr++) {
        const char *date = ramadan->element [2 * item_nbr]->str;
        const char *name = ramadan->element [2 * item_nbr + 1]->str;
        if (date && name && *name && wfa_date_parse (date, &fasting [calendar->ramadan_count]) == 0)
            calendar->ramadan_count++;
    }
}

//  The schedule of a call (a list of {date, start, end} maps) into the ask,
//  in shifts (room for WFA_JUDGE_SHIFTS_MAX); the texts are copies, for
//  s_schedule_free.
static void
s_schedule_read (wfa_call_t *call, wfa_judge_ask_t *ask, wfa_judge_shift_t *shifts)
{
    const msgpack_object *schedule = wfa_mp_get (wfa_call_body (call), "schedule");
    ask->schedule_not_list = schedule && schedule->type != MSGPACK_OBJECT_ARRAY;
    if (!schedule || ask->schedule_not_list)
        return;
    ask->shifts = shifts;
    for (uint32_t entry_nbr = 0; entry_nbr < schedule->via.array.size && entry_nbr < WFA_JUDGE_SHIFTS_MAX;
         entry_nbr++) {
        const msgpack_object *entry = &schedule->via.array.ptr [entry_nbr];
        wfa_call_check_map (call, entry, "date start end", "schedule", (int) entry_nbr);
        shifts [ask->shift_count++] = (wfa_judge_shift_t) { wfa_mp_strdup (wfa_mp_get (entry, "date")),
            wfa_mp_strdup (wfa_mp_get (entry, "start")), wfa_mp_strdup (wfa_mp_get (entry, "end")) };
    }
}

//  Free what s_schedule_read copied.
static void
s_schedule_free (wfa_judge_ask_t *ask)
{
    for (size_t shift_nbr = 0; ask->shifts && shift_nbr < ask->shift_count; shift_nbr++) {
        free ((char *) ask->shifts [shift_nbr].date);
        free ((char *) ask->shifts [shift_nbr].start);
        free ((char *) ask->shifts [shift_nbr].end);
    }
}

void
requests_submit (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    requests_t *self = (requests_t *) state;
    //  The dates and the schedule as the judge reads them (wfa_judge_ask_t)
    const char *asked [S_DATES_MAX + 1];
    wfa_judge_shift_t shifts [WFA_JUDGE_SHIFTS_MAX];
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_writer (call);
    const char *kind = wfa_call_str (call, "kind", 32, true);
    const char *time_kind = wfa_call_str (call, "time_kind", 32, false);
    zlist_t *dates = wfa_call_strs (call, "dates", S_DATES_MAX, 32, true);
    const char *location = wfa_call_str (call, "location", 500, true);
    const char *reason = wfa_call_str (call, "reason", 2000, true);
    zlist_t *plan = wfa_call_strs (call, "plan", S_PLAN_MAX, 500, false);
    //  REQUEST.RESUBMIT: the same rules, for a request returned for revision
    bool resubmit = streq (wfa_call_command (call), "REQUEST.RESUBMIT");
    const char *again = resubmit? wfa_call_str (call, "request_id", 64, true): "";

    //  The employee's pemda, then in one round trip what judging needs:
    //  the policy version in force, the employee, the calendar
    char pemda [16] = "";
    if (nip && wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda)
    &&  wfa_call_code (call) == WFA_E_REDIS_UNAVAILABLE)
        return;
    char again_pemda [16];
    if (resubmit && again && *pemda && wfa_store_pemda_of_request (again, again_pemda, sizeof again_pemda) == 0
    &&  !streq (again_pemda, pemda))
        wfa_call_error (call, WFA_E_FORBIDDEN, "request_id", wfa_text (WFA_T_DETAIL_ANOTHER_PEMDA, wfa_call_lang (call)), -1);
    redisReply *context = NULL;
    wfa_policy_t *policy = NULL;
    char prefix [WFA_PREFIX_MAX], policy_version [24] = "0";
    if (*pemda) {
        char keys_text [4][WFA_KEY_MAX];
        const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
            wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "policy:current"),
            wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "emp:%s", nip? nip: ""),
            wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "calendar"),
            wfa_store_key (keys_text [3], WFA_KEY_MAX, pemda, "ramadan") };
        context = wfa_store_step (redis, &wfa_script_context, 5, keys, 0, NULL, NULL);
        //  {"ok", policy version, employee, calendar, Ramadan days}
        const char *version = wfa_store_step_result (call, context, NULL);
        if (version && context->elements != 5) {
            wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
            version = NULL;
        }
        if (!version) {
            if (context)
                freeReplyObject (context);
            return;
        }
        snprintf (policy_version, sizeof policy_version, "%s", version);
        policy = wfa_store_policy (self->policies, redis, pemda, atoll (policy_version));
        if (!policy) {
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
            freeReplyObject (context);
            return;
        }
    }
    //  Everything read: judge it, purely (wfa_judge.h)
    wfa_policy_t *fallback = policy? NULL: wfa_policy_default ("35");
    wfa_judge_employee_t employee;
    wfa_store_judge_employee (context? context->element [2]: NULL, nip? nip: "", NULL, &employee);
    wfa_judge_calendar_t calendar;
    s_calendar_read (context? context->element [3]: NULL, context? context->element [4]: NULL, &calendar);
    wfa_judge_ask_t ask = { kind, time_kind, asked, 0, NULL, 0, false, wfa_call_failed (call) };
    for (char *date = dates? (char *) zlist_first (dates): NULL; date && ask.date_count < S_DATES_MAX;
         date = (char *) zlist_next (dates))
        asked [ask.date_count++] = date;
    s_schedule_read (call, &ask, shifts);
    wfa_rules_t rules = wfa_judge_rules (policy? policy: fallback, &employee);
    int today = wfa_date_today (rules.tz_minutes);
    wfa_judge_verdict_t *verdict = self->verdict;
    wfa_judge_submission (&rules, policy? policy: fallback, &employee, &calendar, &ask, today, verdict);
    for (size_t problem_nbr = 0; problem_nbr < verdict->count; problem_nbr++)
        wfa_call_error (call, verdict->problems [problem_nbr].code, verdict->problems [problem_nbr].field,
                        verdict->problems [problem_nbr].detail, -1);
    const char **sorted = verdict->dates;
    const int *days_sorted = verdict->days;
    size_t sorted_count = verdict->day_count;
    const char *schedule = verdict->schedule;
    int cap = verdict->cap;
    //  The approval chain, as the policy says for the employee's OPD today
    char chain [WFA_POLICY_STEPS_MAX * 48] = "";
    wfa_policy_t *chain_policy = policy? policy: NULL;
    for (size_t step_nbr = 0; chain_policy && step_nbr < wfa_policy_steps (chain_policy); step_nbr++) {
        const wfa_step_t *step = wfa_policy_step (chain_policy, step_nbr);
        char entry [48];
        //  The SLA goes in ms, so the timer needs no clock arithmetic in Lua
        snprintf (entry, sizeof entry, "%s%s:%" PRId64 ":%s", step_nbr? ",": "", step->role,
                  (int64_t) step->sla_hours * wfa_config_int (WFA_CFG_SLA_HOUR_MS), step->on_timeout);
        strcat (chain, entry);
    }
    //  The chain opens in the same step as the submission: the deadlines of
    //  its steps in the pemda's working time, by the calendar read above
    int64_t now_ms = wfa_now_ms ();
    char dues [WFA_POLICY_STEPS_MAX * 24];
    wfa_store_step_dues (chain, now_ms, context? context->element [3]: NULL, rules.tz_minutes, dues, sizeof dues);
    s_schedule_free (&ask);
    free ((void *) calendar.days_off);
    free ((void *) calendar.ramadan);
    wfa_policy_destroy (&fallback);
    if (context)
        freeReplyObject (context);

    //  A refused call may be the retry of one answered before the clock
    //  moved on (23:59 -> 00:00): then the first answer stands
    if (wfa_call_failed (call) && *pemda && key && nip
    &&  s_submit_answered (call, redis, pemda, nip, key) != 0)
        return;
    if (wfa_call_failed (call))
        return;
    //  Dates and their ISO weeks joined; plan packed as a msgpack array
    char joined [S_DATES_MAX * 11 + 1] = "", weeks [S_DATES_MAX * 9 + 1] = "";
    for (size_t date_nbr = 0; date_nbr < sorted_count; date_nbr++) {
        char week [9];
        if (date_nbr) {
            strcat (joined, ",");
            strcat (weeks, ",");
        }
        strcat (joined, sorted [date_nbr]);
        strcat (weeks, wfa_date_iso_week (days_sorted [date_nbr], week));
    }
    msgpack_sbuffer plan_buffer;
    msgpack_sbuffer_init (&plan_buffer);
    msgpack_packer plan_packer;
    msgpack_packer_init (&plan_packer, &plan_buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&plan_packer, zlist_size (plan));
    for (char *item = (char *) zlist_first (plan); item; item = (char *) zlist_next (plan))
        wfa_mp_pack_str (&plan_packer, item);

    char ttl [24], now [24], cap_text [16];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (cap_text, sizeof cap_text, "%d", cap);
    //  Still undecided when the first day begins (local midnight), it expires
    char starts [24];
    snprintf (starts, sizeof starts, "%" PRId64,
              (int64_t) days_sorted [0] * 86400000 - (int64_t) rules.tz_minutes * 60000);
    char employee_key [WFA_KEY_MAX], idem_key [WFA_KEY_MAX];
    const char *keys [] = { prefix, wfa_store_key (employee_key, sizeof employee_key, pemda, "emp:%s", nip),
                            wfa_store_key (idem_key, sizeof idem_key, pemda, "idem:submit:%s:%s:%s", nip,
                                           again? again: "", key) };
    const char *args [] = { "pemda", pemda, "ttl", ttl, "nip", nip, "kind", kind, "dates", joined,
                            "location", location, "reason", reason, "plan", plan_buffer.data,
                            "now", now, "weeks", weeks, "cap", cap_text, "policy", policy_version,
                            "chain", chain, "again", again? again: "", "starts", starts,
                            "schedule", schedule, "time_kind", time_kind? time_kind: "", "dues", dues, "fp", wfa_call_fingerprint (call) };
    size_t lens [sizeof args / sizeof *args / 2];
    for (size_t pair_nbr = 0; pair_nbr < sizeof lens / sizeof *lens; pair_nbr++)
        lens [pair_nbr] = pair_nbr == 7? plan_buffer.size: strlen (args [2 * pair_nbr + 1]);
    redisReply *reply = wfa_store_step (redis, &wfa_script_submit, 3, keys, sizeof lens / sizeof *lens,
                                        args, lens);
    msgpack_sbuffer_destroy (&plan_buffer);
    if (wfa_call_redis_down (call, reply))
        return;
    bool shaped = reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
               && reply->element [0]->type == REDIS_REPLY_STRING;
    if (!shaped)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    else
    if (streq (reply->element [0]->str, "errs")) {
        //  Every rule the atomic step found broken: code, detail pairs
        for (size_t item_nbr = 1; item_nbr + 1 < reply->elements; item_nbr += 2) {
            int code = wfa_error_lookup (reply->element [item_nbr]->str);
            wfa_call_error (call, code < 0? WFA_E_INTERNAL: (wfa_code_t) code, "dates",
                            reply->element [item_nbr + 1]->str, -1);
        }
    }
    else
    if (streq (reply->element [0]->str, "err"))
        wfa_store_step_result (call, reply, "as");
    else
    if (reply->elements == 5 && reply->element [2]->type == REDIS_REPLY_STRING
    &&  reply->element [3]->type == REDIS_REPLY_STRING && reply->element [4]->type == REDIS_REPLY_STRING) {
        //  {"ok"|"dup", request_id, state, approver, step}: the chain opened with it
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), reply->element [1]->str);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), reply->element [2]->str);
        wfa_mp_pack_str (wfa_call_reply (call, "approver"), reply->element [3]->str);
        msgpack_pack_int64 (wfa_call_reply (call, "step"), atoll (reply->element [4]->str));
        wfa_mp_pack_str (wfa_call_reply (call, "policy_version"), policy_version);
    }
    else
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  REQUEST.CANCEL and REQUEST.REVOKE

void
requests_end (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_writer (call);
    const char *request_id = wfa_call_str (call, "request_id", 64, true);
    const char *from = wfa_call_str (call, "from", 10, false);
    bool revoke = streq (wfa_call_command (call), "REQUEST.REVOKE");     //  A revoke says why
    const char *reason = wfa_call_str (call, "reason", 2000, revoke);
    int from_day = 0;
    if (from && wfa_date_parse (from, &from_day))
        wfa_call_error (call, WFA_E_BAD_DATE, "from", from, -1);
    char pemda [16];
    wfa_store_call_request_pemda (call, request_id, pemda, sizeof pemda);
    if (wfa_call_failed (call) || wfa_authz_tenant (call, redis, actor, pemda))
        return;
    char prefix [WFA_PREFIX_MAX], ttl [24], now [24], today [11];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    int64_t now_ms = wfa_now_ms ();
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    wfa_date_format (wfa_date_today (wfa_store_pemda_tz (redis, pemda)), today);
    const char *action = revoke? "revoke": "cancel";
    char request_key [WFA_KEY_MAX], idem_key [WFA_KEY_MAX];
    const char *keys [] = { prefix, wfa_store_key (request_key, sizeof request_key, pemda, "req:%s", request_id),
                            wfa_store_key (idem_key, sizeof idem_key, pemda, "idem:%s:%s:%s:%s", action,
                                           actor, request_id, key) };
    const char *args [] = { "id", request_id, "as", actor, "action", action, "from", from,
                            "reason", reason, "ttl", ttl, "now", now, "today", today, "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_cancel, 3, keys, sizeof args / sizeof *args / 2,
                                        args, NULL);
    const char *outcome = wfa_store_step_result (call, reply, "request_id");
    if (outcome)
        s_answer (call, request_id, outcome);
    if (reply)
        freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  REQUEST.GET and REQUEST.LIST

//  True if actor is one of the comma-separated approvers of a pending
//  request's step, or the acting official (Plt/Plh) one of them named for
//  today.
static bool
s_awaits (wfa_redis_t *redis, const char *pemda, const char *approvers, const char *actor)
{
    bool awaits = false;
    char today [11];
    wfa_date_format (wfa_date_today (wfa_store_pemda_tz (redis, pemda)), today);
    while (approvers && *approvers && !awaits) {
        size_t len = strcspn (approvers, ",");
        char approver [24];
        snprintf (approver, sizeof approver, "%.*s", (int) (len < 23? len: 23), approvers);
        awaits = streq (approver, actor);
        if (!awaits) {
            char delegation [WFA_KEY_MAX];
            wfa_store_key (delegation, sizeof delegation, pemda, "delegation:%s", approver);
            redisReply *to = wfa_redis_command (redis, "HMGET %s to from until", delegation);
            awaits = to && to->type == REDIS_REPLY_ARRAY && to->elements == 3
                  && to->element [0]->str && streq (to->element [0]->str, actor)
                  && to->element [1]->str && strcmp (to->element [1]->str, today) <= 0
                  && to->element [2]->str && strcmp (today, to->element [2]->str) <= 0;
            if (to)
                freeReplyObject (to);
        }
        approvers += len + (approvers [len] == ',');
    }
    return awaits;
}

//  The "request_id" of a call that reads one request, once the actor in
//  "as" may read it (the employee, their atasan, whoever it awaits, and
//  the wider roles of the matrix), its pemda into pemda and its key into
//  key (WFA_KEY_MAX); NULL with the error on call. A request of another
//  pemda is FORBIDDEN before it is looked up.
static const char *
s_request_readable (wfa_call_t *call, wfa_redis_t *redis, char *pemda, size_t size, char *key)
{
    const char *request_id = wfa_call_str (call, "request_id", 64, true);
    if (wfa_call_failed (call) || wfa_store_call_request_pemda (call, request_id, pemda, size))
        return NULL;
    wfa_store_key (key, WFA_KEY_MAX, pemda, "req:%s", request_id);
    wfa_actor_t actor;
    if (wfa_authz_actor (call, redis, &actor))
        return NULL;
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    if (wfa_authz_check (call, &actor, WFA_ACT_REQUEST_READ, &target) == 0)
        return request_id;      //  Reaches the whole pemda
    if (!streq (actor.pemda, pemda))
        return NULL;            //  Another pemda: nothing more to look at
    wfa_call_clear (call);
    redisReply *fields = wfa_redis_command (redis, "HMGET %s opd nip supervisor_nip approver state", key);
    if (wfa_call_redis_down (call, fields))
        return NULL;
    if (fields->type == REDIS_REPLY_ARRAY && fields->elements == 5) {
        target.opd = fields->element [0]->str;
        target.nip = fields->element [1]->str;
        target.supervisor = fields->element [2]->str;
        //  Only a step that is open awaits anyone
        target.awaiting = fields->element [4]->str && streq (fields->element [4]->str, "pending")
                       && s_awaits (redis, pemda, fields->element [3]->str, actor.nip);
    }
    int denied = wfa_authz_check (call, &actor, WFA_ACT_REQUEST_READ, &target);
    freeReplyObject (fields);
    return denied? NULL: request_id;
}

redisReply *
requests_read (wfa_call_t *call, wfa_redis_t *redis, const char *command, requests_one_t *request)
{
    request->id = s_request_readable (call, redis, request->pemda, sizeof request->pemda, request->key);
    if (!request->id)
        return NULL;
    redisReply *reply = wfa_redis_command (redis, command, request->key);
    if (wfa_call_redis_down (call, reply))
        return NULL;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        wfa_call_error (call, WFA_E_NOT_FOUND, "request_id", request->id, -1);
        freeReplyObject (reply);
        return NULL;
    }
    return reply;
}

void
requests_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    requests_one_t request;
    redisReply *fields = requests_read (call, redis, "HGETALL %s", &request);
    if (!fields)
        return;
    redisReply *history = wfa_redis_command (redis, "LRANGE %s:hist 0 -1", request.key);
    if (!wfa_call_redis_down (call, history)) {
        wfa_store_pack_request (wfa_call_reply (call, "request"), fields, history);
        freeReplyObject (history);
    }
    freeReplyObject (fields);
}

void
requests_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    wfa_actor_t actor;          //  Who lists, and so what they reach
    const char *pemda = wfa_call_pemda (call, "pemda", false);
    const char *opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    const char *nip = wfa_call_nip (call, "nip", false);
    const char *wanted = wfa_call_str (call, "state", 32, false);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    //  A state filter names a state of the state table, or lists nothing
    static const char *s_states = " submitted pending returned approved rejected cancelled revoked expired ";
    char padded [40];
    snprintf (padded, sizeof padded, " %s ", wanted? wanted: "");
    if (wanted && *wanted && (strchr (wanted, ' ') || !strstr (s_states, padded)))
        wfa_call_error (call, WFA_E_BAD_VALUE, "state",
                        "state: submitted | pending | returned | approved | rejected | cancelled | revoked | expired", -1);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    //  A sync: the requests changed since a point, in the order of change
    bool sync = wfa_mp_get (wfa_call_body (call), "changed_since") != NULL;
    const char *changed_since = sync? wfa_store_call_cursor (call, "changed_since"): NULL;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return;
    bool opd_given = opd && *opd, nip_given = nip && *nip;
    if (!pemda || !*pemda) {
        pemda = actor.pemda;    //  By default, the actor's own pemda
        if (!*pemda) {
            wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", NULL, -1);
            return;
        }
    }
    //  Without a filter, a narrow reader lists what they reach: an OPD
    //  head their OPD, anyone else their own requests
    wfa_scope_t scope = wfa_authz_scope (actor.roles, WFA_ACT_REQUEST_LIST);
    if ((!nip || !*nip) && (!opd || !*opd) && scope < WFA_SCOPE_PEMDA) {
        if (scope == WFA_SCOPE_OPD)
            opd = actor.opd;
        else
            nip = actor.nip;
    }
    //  The filter is the target: one employee, one OPD, or the pemda
    wfa_target_t target = { pemda, opd && *opd? opd: NULL, NULL, NULL, false };
    redisReply *held = NULL;
    char nip_pemda [16];
    int denied = 0;
    if (nip && *nip) {
        if (wfa_authz_employee (call, redis, nip, nip_pemda, sizeof nip_pemda, &target, &held))
            return;
        //  What is listed is this pemda's index; a NIP asked for on record
        //  nowhere and one out of reach are both NOT_FOUND. A NIP on record
        //  in another pemda is on record nowhere here, unless it left
        //  requests here (moved): then its OPD and atasan there reach
        //  nothing here, only this pemda's wider readers do
        if (nip_given && *nip_pemda && !streq (nip_pemda, pemda)) {
            char index [WFA_KEY_MAX];
            wfa_store_key (index, sizeof index, pemda, "idx:nip:%s", nip);
            redisReply *here = wfa_redis_command (redis, "EXISTS %s", index);
            if (wfa_call_redis_down (call, here)) {
                if (held)
                    freeReplyObject (held);
                return;
            }
            bool left_requests = here->type == REDIS_REPLY_INTEGER && here->integer > 0;
            freeReplyObject (here);
            target.opd = NULL;
            target.supervisor = NULL;
            if (!left_requests)
                *nip_pemda = 0;
        }
        target.pemda = pemda;
        if (nip_given && !*nip_pemda)
            target.pemda = "";
        denied = nip_given? wfa_authz_check_person (call, &actor, WFA_ACT_REQUEST_LIST, &target, "nip"):
                            wfa_authz_check (call, &actor, WFA_ACT_REQUEST_LIST, &target);
    }
    else
        denied = wfa_authz_check (call, &actor, WFA_ACT_REQUEST_LIST, &target);
    if (held)
        freeReplyObject (held);
    if (denied || (opd_given && wfa_store_call_opd (call, redis, "opd", pemda, opd)))
        return;
    if (sync) {
        wfa_store_reply_changes (call, redis, pemda, limit, wanted, opd, nip, changed_since);
        return;
    }
    char index [128];
    if (nip && *nip)
        snprintf (index, sizeof index, "idx:nip:%s", nip);
    else
    if (opd && *opd && wanted && *wanted)
        snprintf (index, sizeof index, "idx:opd:%s:state:%s", opd, wanted);
    else
    if (opd && *opd)
        snprintf (index, sizeof index, "idx:opd:%s", opd);
    else
    if (wanted && *wanted)
        snprintf (index, sizeof index, "idx:state:%s", wanted);
    else
        snprintf (index, sizeof index, "idx:all");
    wfa_store_reply_list (call, redis, pemda, index, limit, wanted, opd, nip, cursor);
}

