/*  wfa-requests: SCHEDULE.GET, who works where on a date. The approved
    requests holding a date are indexed per pemda and per OPD and day
    (sched:DATE, sched:opd:OPD:DATE, kept by wfa_transition in
    shared/lua/lib/workflow.lua at the final approval and at a cancel or
    revoke), so a read costs the size of its answer. */
#include "requests.h"

//  The names of schedule.lua's entry fields, in its order.
static const char *s_entry_fields [] = {
    "nip", "name", "opd", "unit", "kind", "location", "time_kind", "request_id", "start", "end"
};
#define S_ENTRY_FIELDS (sizeof s_entry_fields / sizeof *s_entry_fields)

//  Pack one schedule.lua entry; start and end only for a scheduled day.
static void
s_pack_entry (msgpack_packer *pk, const redisReply *entry)
{
    bool scheduled = entry->element [8]->len > 0;
    msgpack_pack_map (pk, S_ENTRY_FIELDS - (scheduled? 0: 2));
    for (size_t field_nbr = 0; field_nbr < S_ENTRY_FIELDS; field_nbr++)
        if (scheduled || field_nbr < 8) {
            wfa_mp_pack_str (pk, s_entry_fields [field_nbr]);
            wfa_mp_pack_strn (pk, entry->element [field_nbr]->str, entry->element [field_nbr]->len);
        }
}

//  True if a schedule.lua reply is what it says it is.
static bool
s_shaped (const redisReply *reply)
{
    if (reply->elements != 3 || reply->element [1]->type != REDIS_REPLY_ARRAY
    ||  reply->element [2]->type != REDIS_REPLY_STRING)
        return false;
    for (size_t entry_nbr = 0; entry_nbr < reply->element [1]->elements; entry_nbr++) {
        const redisReply *entry = reply->element [1]->element [entry_nbr];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != S_ENTRY_FIELDS)
            return false;
        for (size_t field_nbr = 0; field_nbr < S_ENTRY_FIELDS; field_nbr++)
            if (entry->element [field_nbr]->type != REDIS_REPLY_STRING)
                return false;
    }
    return true;
}

void
schedule_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *date = wfa_call_str (call, "date", 10, true);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    int day = 0;
    if (date)
        wfa_call_check_date (call, "date", date, &day);
    char pemda [16], opd [WFA_CODE_MAX + 1];
    if (wfa_call_failed (call) || personnel_list_reach (call, redis, WFA_ACT_REQUEST_LIST, pemda, opd))
        return;
    char prefix [WFA_PREFIX_MAX], index [WFA_KEY_MAX], limit_text [24];
    if (*opd)
        wfa_store_key (index, sizeof index, pemda, "sched:opd:%s:%s", opd, date);
    else
        wfa_store_key (index, sizeof index, pemda, "sched:%s", date);
    snprintf (limit_text, sizeof limit_text, "%" PRId64, limit);
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix), index };
    const char *args [] = { "cursor", cursor, "limit", limit_text, "date", date };
    redisReply *reply = wfa_store_step (redis, &wfa_script_schedule, 2, keys, 3, args, NULL);
    if (wfa_store_step_reply (call, reply, "cursor")) {
        if (s_shaped (reply)) {
            const redisReply *entries = reply->element [1];
            wfa_mp_pack_str (wfa_call_reply (call, "date"), date);
            msgpack_packer *pk = wfa_call_reply (call, "entries");
            msgpack_pack_array (pk, entries->elements);
            for (size_t entry_nbr = 0; entry_nbr < entries->elements; entry_nbr++)
                s_pack_entry (pk, entries->element [entry_nbr]);
            msgpack_pack_uint64 (wfa_call_reply (call, "count"), entries->elements);
            wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), reply->element [2]->str);
        }
        else
            wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    }
    if (reply)
        freeReplyObject (reply);
}
