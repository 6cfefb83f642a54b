/*  wfa_store.c - key names, the Lua steps, stored records to protocol maps. */
#include "wfa.h"

const wfa_lua_library_t wfa_lua_wfa =
#include "lua/wfa.lib.h"
;
#define WFA_LUA_STEP(library, step, read_only) \
    const wfa_script_t wfa_script_##step = { &wfa_lua_##library, #step, read_only };
#include "lua/wfa.steps.h"
#undef WFA_LUA_STEP

char *
wfa_store_prefix (const char *pemda, char *buf, size_t size)
{
    return wfa_store_key (buf, size, pemda, "%s", "");
}

char *
wfa_store_key (char *buf, size_t size, const char *pemda, const char *format, ...)
{
    assert (buf && size && pemda && format);
    int used = snprintf (buf, size, "wfa:{%s}:", pemda);
    if (used >= 0 && (size_t) used < size) {
        va_list args;
        va_start (args, format);
        vsnprintf (buf + used, size - (size_t) used, format, args);
        va_end (args);
    }
    return buf;
}

//  Pemda of an employee.
int
wfa_store_pemda_of_nip (wfa_redis_t *redis, const char *nip, char *buf, size_t size)
{
    redisReply *reply = wfa_redis_command (redis, "GET wfa:nip:%s", nip);
    if (!reply)
        return -2;
    int rc = -1;
    if (reply->type == REDIS_REPLY_STRING && wfa_pemda_valid (reply->str)) {
        snprintf (buf, size, "%s", reply->str);
        rc = 0;
    }
    else
    if (reply->type == REDIS_REPLY_ERROR)
        rc = -2;
    freeReplyObject (reply);
    return rc;
}

int
wfa_store_pemda_tz (wfa_redis_t *redis, const char *pemda)
{
    char key [WFA_KEY_MAX];
    redisReply *reply = wfa_redis_command (redis, "GET %s", wfa_store_key (key, sizeof key, pemda, "policy:tz"));
    int tz = reply && reply->type == REDIS_REPLY_STRING? atoi (reply->str): 0;
    if (reply)
        freeReplyObject (reply);
    return tz == WFA_TZ_WIB || tz == WFA_TZ_WITA || tz == WFA_TZ_WIT? tz: wfa_pemda_tz (pemda);
}

//  Pemda of the person in a call's field, or an error on the call.
int
wfa_store_call_pemda (wfa_call_t *call, wfa_redis_t *redis, const char *field,
                      const char *nip, char *buf, size_t size)
{
    //  The actor of a write: a national account only reads, even if its
    //  NIP were on record in a pemda
    if (streq (field, "as") && wfa_call_national (call)) {
        wfa_call_error (call, WFA_E_FORBIDDEN, field, "kemendagri: read-only", -1);
        return -1;
    }
    int found = wfa_store_pemda_of_nip (redis, nip, buf, size);
    if (found == -2)
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
    else
    if (found == -1)
        wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, field, nip, -1);
    return found == 0? 0: -1;
}

//  An OPD filter of a call: known in the pemda, or NOT_FOUND.
int
wfa_store_call_opd (wfa_call_t *call, wfa_redis_t *redis, const char *field, const char *pemda,
                    const char *opd)
{
    char opds [WFA_KEY_MAX];
    const char *argv [] = { "SISMEMBER", wfa_store_key (opds, sizeof opds, pemda, "opds"), opd };
    redisReply *reply = wfa_redis_argv (redis, 3, argv, NULL);
    if (wfa_call_redis_down (call, reply))
        return -1;
    bool known = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    freeReplyObject (reply);
    if (!known)
        wfa_call_error (call, WFA_E_NOT_FOUND, field, opd, -1);
    return known? 0: -1;
}

//  Pemda of a request id in a call, or NOT_FOUND on the call.
int
wfa_store_call_request_pemda (wfa_call_t *call, const char *request_id, char *buf, size_t size)
{
    if (!request_id)
        return -1;
    if (wfa_store_pemda_of_request (request_id, buf, size) == 0)
        return 0;
    wfa_call_error (call, WFA_E_NOT_FOUND, "request_id", request_id, -1);
    return -1;
}

redisReply *
wfa_store_step (wfa_redis_t *redis, const wfa_script_t *script, int nkeys, const char **keys,
                size_t pair_count, const char **pairs, const size_t *lens)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    size_t given = 0;
    for (size_t pair_nbr = 0; pair_nbr < pair_count; pair_nbr++)
        given += pairs [2 * pair_nbr + 1] != NULL;
    msgpack_pack_map (&pk, given);
    for (size_t pair_nbr = 0; pair_nbr < pair_count; pair_nbr++) {
        const char *value = pairs [2 * pair_nbr + 1];
        if (!value)
            continue;
        wfa_mp_pack_str (&pk, pairs [2 * pair_nbr]);
        wfa_mp_pack_strn (&pk, value, lens? lens [pair_nbr]: strlen (value));
    }
    redisReply *reply = wfa_store_step_map (redis, script, nkeys, keys, &buffer);
    msgpack_sbuffer_destroy (&buffer);
    return reply;
}

//  Run a Lua step with nkeys keys and the msgpack map the caller packed.
redisReply *
wfa_store_step_map (wfa_redis_t *redis, const wfa_script_t *script, int nkeys, const char **keys,
                    const msgpack_sbuffer *map)
{
    const char *argv [nkeys + 1];
    size_t argv_lens [nkeys + 1];
    for (int key_nbr = 0; key_nbr < nkeys; key_nbr++) {
        argv [key_nbr] = keys [key_nbr];
        argv_lens [key_nbr] = strlen (keys [key_nbr]);
    }
    argv [nkeys] = map->data;
    argv_lens [nkeys] = map->size;
    return wfa_redis_fcall (redis, script, nkeys, nkeys + 1, argv, argv_lens);
}

//  Read a Lua step's {"ok"|"dup", value, ...} or {"err", CODE, detail} reply.
redisReply *
wfa_store_call_step (wfa_call_t *call, wfa_redis_t *redis, const wfa_script_t *script,
                     int nkeys, const char **keys, const msgpack_sbuffer *map)
{
    redisReply *reply = wfa_store_step_map (redis, script, nkeys, keys, map);
    if (wfa_store_step_reply (call, reply, NULL))
        return reply;
    if (reply)
        freeReplyObject (reply);
    return NULL;
}

const redisReply *
wfa_store_step_reply (wfa_call_t *call, const redisReply *reply, const char *field)
{
    if (wfa_call_redis_down (call, reply))
        return NULL;
    if (wfa_store_step_ok (reply))
        return reply;
    bool refused = reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
                && reply->element [0]->type == REDIS_REPLY_STRING
                && reply->element [1]->type == REDIS_REPLY_STRING;
    if (!refused) {
        wfa_log ("E", "unexpected reply from a Lua step: %s",
                 reply->type == REDIS_REPLY_ERROR? reply->str: "?");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        return NULL;
    }
    int code = wfa_error_lookup (reply->element [1]->str);
    const char *detail = reply->elements > 2 && reply->element [2]->type == REDIS_REPLY_STRING?
                         reply->element [2]->str: NULL;
    //  A step may name the field itself: {"err", CODE, detail, field}
    if (reply->elements > 3 && reply->element [3]->type == REDIS_REPLY_STRING && reply->element [3]->len > 0)
        field = reply->element [3]->str;
    wfa_call_error (call, code < 0? WFA_E_INTERNAL: (wfa_code_t) code, field, detail, -1);
    return NULL;
}

//  The answer an idempotency record keeps, or NULL on a reused key.
const char *
wfa_store_idem_answer (wfa_call_t *call, const char *stored)
{
    size_t hex = strspn (stored, "0123456789abcdef");
    if (hex != 16 || stored [16] != '=')
        return stored;              //  Written before fingerprints
    if (memcmp (stored, wfa_call_fingerprint (call), 16) != 0) {
        wfa_call_error (call, WFA_E_IDEMPOTENCY_MISMATCH, "key", "key", -1);
        return NULL;
    }
    return stored + 17;
}

//  An idempotency record's value for answer.
const char *
wfa_store_idem_value (wfa_call_t *call, const char *answer, char *buf, size_t size)
{
    snprintf (buf, size, "%s=%s", wfa_call_fingerprint (call), answer);
    return buf;
}

//  The value of a Lua step's reply, when it is a string.
const char *
wfa_store_step_result (wfa_call_t *call, const redisReply *reply, const char *field)
{
    if (!wfa_store_step_reply (call, reply, field))
        return NULL;
    if (reply->elements < 2 || reply->element [1]->type != REDIS_REPLY_STRING) {
        wfa_log ("E", "unexpected reply from a Lua step: no value");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        return NULL;
    }
    return reply->element [1]->str;
}

//  True if a Lua step answered {"ok"|"dup", ...}.
bool
wfa_store_step_ok (const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1
        && reply->element [0]->type == REDIS_REPLY_STRING
        && (streq (reply->element [0]->str, "ok") || streq (reply->element [0]->str, "dup"));
}

//  Run list.lua on an index of pemda (filters NULL or "": any).
static redisReply *
s_list (wfa_redis_t *redis, const char *pemda, const char *index, int64_t limit,
        const char *state, const char *opd, const char *nip, const char *cursor, bool changed)
{
    char prefix [WFA_PREFIX_MAX], index_key [WFA_KEY_MAX], limit_text [24];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (index_key, sizeof index_key, pemda, "%s", index) };
    snprintf (limit_text, sizeof limit_text, "%" PRId64, limit);
    const char *args [] = { "limit", limit_text, "state", state, "opd", opd, "nip", nip,
                            "cursor", cursor? cursor: "", "changed", changed? "1": "0" };
    return wfa_store_step (redis, &wfa_script_list, 2, keys, 6, args, NULL);
}

//  The requests of list.lua's {"ok", requests, next_cursor[, sync_cursor]}
//  reply, or NULL after recording the error on call.
static const redisReply *
s_list_requests (wfa_call_t *call, const redisReply *reply, const char *field)
{
    if (!wfa_store_step_reply (call, reply, field))
        return NULL;
    if (reply->elements >= 3 && reply->element [1]->type == REDIS_REPLY_ARRAY
    &&  reply->element [2]->type == REDIS_REPLY_STRING)
        return reply->element [1];
    wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    return NULL;
}

//  Answer a list call with the requests of a list.lua reply.
static void
s_reply_requests (wfa_call_t *call, redisReply *reply, const char *field)
{
    const redisReply *requests = s_list_requests (call, reply, field);
    if (requests) {
        wfa_store_pack_requests (wfa_call_reply (call, "requests"), requests);
        msgpack_pack_uint64 (wfa_call_reply (call, "count"), requests->elements);
        wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), reply->element [2]->str);
        if (reply->elements > 3 && reply->element [3]->type == REDIS_REPLY_STRING)
            wfa_mp_pack_str (wfa_call_reply (call, "sync_cursor"), reply->element [3]->str);
    }
    if (reply)
        freeReplyObject (reply);
}

//  Answer a call with requests from an index.
void
wfa_store_reply_list (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                      const char *index, int64_t limit, const char *state,
                      const char *opd, const char *nip, const char *cursor)
{
    s_reply_requests (call, s_list (redis, pemda, index, limit, state, opd, nip, cursor, false), "cursor");
}

//  Answer a call with the requests changed after a sync cursor.
void
wfa_store_reply_changes (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                         int64_t limit, const char *state, const char *opd,
                         const char *nip, const char *changed_since)
{
    s_reply_requests (call, s_list (redis, pemda, "idx:changed", limit, state, opd, nip,
                                    changed_since, true), "changed_since");
}

//  One page of a sorted set.
redisReply *
wfa_store_page (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                const char *index, const char *cursor, int64_t limit, bool desc)
{
    char prefix [WFA_PREFIX_MAX], index_key [WFA_KEY_MAX], limit_text [24];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (index_key, sizeof index_key, pemda, "%s", index) };
    snprintf (limit_text, sizeof limit_text, "%" PRId64, limit);
    const char *args [] = { "cursor", cursor? cursor: "", "limit", limit_text, "order", desc? "desc": "asc" };
    redisReply *reply = wfa_store_step (redis, &wfa_script_page, 2, keys, 3, args, NULL);
    if (!wfa_store_step_reply (call, reply, "cursor")) {
        if (reply)
            freeReplyObject (reply);
        return NULL;
    }
    if (reply->elements != 3 || reply->element [1]->type != REDIS_REPLY_ARRAY
    ||  reply->element [2]->type != REDIS_REPLY_STRING) {
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return NULL;
    }
    return reply;
}

//  A list call's cursor field ("" when absent).
const char *
wfa_store_call_cursor (wfa_call_t *call, const char *field)
{
    const char *cursor = wfa_call_str (call, field, 512, false);
    if (!cursor)
        return wfa_call_failed (call)? NULL: "";
    for (const char *digit = cursor; *digit; digit++)
        if (!isdigit ((unsigned char) *digit) && !(*digit >= 'a' && *digit <= 'f')) {
            wfa_call_error (call, WFA_E_BAD_CURSOR, field, NULL, -1);
            return NULL;
        }
    return cursor;
}

//  Add to a call's reply, under key, the requests of an index in state.
void
wfa_store_pack_index (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                      const char *index, int64_t limit, const char *state, const char *key)
{
    redisReply *reply = s_list (redis, pemda, index, limit, state, NULL, NULL, NULL, false);
    const redisReply *requests = s_list_requests (call, reply, NULL);
    if (requests)
        wfa_store_pack_requests (wfa_call_reply (call, key), requests);
    if (reply)
        freeReplyObject (reply);
}

//  Call fn for every pemda in the registry.
int
wfa_store_each_pemda (wfa_redis_t *redis, wfa_pemda_fn *fn, void *arg)
{
    redisReply *pemdas = wfa_redis_command (redis, "SMEMBERS wfa:pemdas");
    if (!pemdas)
        return -1;
    for (size_t pemda_nbr = 0; pemdas->type == REDIS_REPLY_ARRAY && pemda_nbr < pemdas->elements;
         pemda_nbr++) {
        const char *pemda = pemdas->element [pemda_nbr]->str;
        if (!pemda || !wfa_pemda_valid (pemda))
            continue;
        char prefix [WFA_PREFIX_MAX];
        fn (redis, pemda, wfa_store_prefix (pemda, prefix, sizeof prefix), arg);
    }
    freeReplyObject (pemdas);
    return 0;
}

typedef struct {
    int64_t version;            //  Stored version (0: the defaults)
    wfa_policy_t *policy;       //  Parsed
} s_policy_entry_t;

static void
s_policy_entry_destroy (void **item_p)
{
    s_policy_entry_t *entry = (s_policy_entry_t *) *item_p;
    if (entry) {
        wfa_policy_destroy (&entry->policy);
        free (entry);
        *item_p = NULL;
    }
}

zhashx_t *
wfa_store_policy_cache_new (void)
{
    zhashx_t *cache = zhashx_new ();
    zhashx_set_destructor (cache, s_policy_entry_destroy);
    return cache;
}

//  The policy of a pemda at a version, parsed once. A stored text that no
//  longer parses (it was checked when set) falls back to the defaults, loudly.
wfa_policy_t *
wfa_store_policy (zhashx_t *cache, wfa_redis_t *redis, const char *pemda, int64_t version)
{
    s_policy_entry_t *entry = (s_policy_entry_t *) zhashx_lookup (cache, pemda);
    if (entry && entry->version == version)
        return entry->policy;
    wfa_policy_t *policy = NULL;
    if (version > 0) {
        char key [WFA_KEY_MAX];
        wfa_store_key (key, sizeof key, pemda, "policy:v%" PRId64, version);
        redisReply *reply = wfa_redis_command (redis, "GET %s", key);
        if (!reply)
            return NULL;
        if (reply->type == REDIS_REPLY_STRING)
            policy = wfa_policy_parse_stored (reply->str, reply->len, pemda);
        freeReplyObject (reply);
        if (!policy)
            wfa_log ("E", "policy v%" PRId64 " of %s does not parse; using the defaults", version, pemda);
    }
    if (!policy)
        policy = wfa_policy_default (pemda);
    entry = (s_policy_entry_t *) zmalloc (sizeof (s_policy_entry_t));
    entry->version = version;
    entry->policy = policy;
    zhashx_update (cache, pemda, entry);
    return policy;
}

//  The policy in force for a pemda.
wfa_policy_t *
wfa_store_policy_current (zhashx_t *cache, wfa_redis_t *redis, const char *pemda, int64_t *version)
{
    char key [WFA_KEY_MAX];
    redisReply *reply = wfa_redis_command (redis, "GET %s", wfa_store_key (key, sizeof key, pemda, "policy:current"));
    if (!reply)
        return NULL;
    *version = reply->type == REDIS_REPLY_STRING? atoll (reply->str): 0;
    freeReplyObject (reply);
    return wfa_store_policy (cache, redis, pemda, *version);
}

static int
s_compare_day (const void *left, const void *right)
{
    int one = *(const int *) left, two = *(const int *) right;
    return one < two? -1: one > two;
}

//  Two fields of an employee's record.
int
wfa_store_employee_fields (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                           const char *nip, const char *first, char *first_buf,
                           size_t first_size, const char *second, char *second_buf,
                           size_t second_size)
{
    char key [WFA_KEY_MAX];
    wfa_store_key (key, sizeof key, pemda, "emp:%s", nip);
    redisReply *reply = wfa_redis_command (redis, "HMGET %s %s %s", key, first, second);
    if (wfa_call_redis_down (call, reply))
        return -1;
    bool shaped = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2;
    const redisReply *values [2] = { shaped? reply->element [0]: NULL, shaped? reply->element [1]: NULL };
    snprintf (first_buf, first_size, "%s",
              values [0] && values [0]->type == REDIS_REPLY_STRING? values [0]->str: "");
    snprintf (second_buf, second_size, "%s",
              values [1] && values [1]->type == REDIS_REPLY_STRING? values [1]->str: "");
    freeReplyObject (reply);
    return 0;
}

const char *
wfa_store_hash_field (const redisReply *hash, const char *name)
{
    for (size_t item_nbr = 0; hash && hash->type == REDIS_REPLY_ARRAY
         && item_nbr + 1 < hash->elements; item_nbr += 2)
        if (hash->element [item_nbr]->str && streq (hash->element [item_nbr]->str, name))
            return hash->element [item_nbr + 1]->str? hash->element [item_nbr + 1]->str: "";
    return "";
}

void
wfa_store_judge_employee (const redisReply *hash, const char *nip, const char *position_asked,
                          wfa_judge_employee_t *employee)
{
    *employee = (wfa_judge_employee_t) {
        hash && hash->type == REDIS_REPLY_ARRAY && hash->elements > 0,
        wfa_store_hash_field (hash, "opd"), wfa_store_hash_field (hash, "working_days"),
        wfa_store_hash_field (hash, "field_based"), wfa_store_hash_field (hash, "special_circumstances"),
        { nip, wfa_store_hash_field (hash, "sanctions"), wfa_store_hash_field (hash, "suspended_until"),
          wfa_store_hash_field (hash, "service_start"), wfa_store_hash_field (hash, "predikat"),
          wfa_store_hash_field (hash, "position"), wfa_store_hash_field (hash, "position_eligible"),
          position_asked } };
}

int *
wfa_store_days_off (const redisReply *dates, size_t *count)
{
    size_t size = dates && dates->type == REDIS_REPLY_ARRAY? dates->elements: 0;
    int *days = (int *) calloc (size + 1, sizeof (int));
    assert (days);
    *count = 0;
    for (size_t date_nbr = 0; date_nbr < size; date_nbr++)
        if (dates->element [date_nbr]->type == REDIS_REPLY_STRING
        &&  wfa_date_parse (dates->element [date_nbr]->str, &days [*count]) == 0)
            (*count)++;
    qsort (days, *count, sizeof (int), s_compare_day);
    return days;
}

void
wfa_store_step_dues (const char *chain, int64_t now_ms, const redisReply *calendar, int tz_minutes,
                     char *buf, size_t size)
{
    *buf = 0;
    size_t off_count = 0;
    int *days_off = wfa_store_days_off (calendar, &off_count);
    const char *cursor = chain? chain: "";
    for (int step_nbr = 0; *cursor && step_nbr < WFA_POLICY_STEPS_MAX; step_nbr++) {
        size_t len = strcspn (cursor, ",");
        const char *colon = memchr (cursor, ':', len);
        int64_t due = wfa_store_step_due (now_ms, colon? atoll (colon + 1): 0, days_off, off_count,
                                          tz_minutes);
        snprintf (buf + strlen (buf), size - strlen (buf), "%s%" PRId64, step_nbr? ",": "", due);
        cursor += len + (cursor [len] == ',');
    }
    free (days_off);
}

int64_t
wfa_store_step_due (int64_t opened_ms, int64_t sla_ms, const int *days_off, size_t count, int tz_minutes)
{
    if (wfa_config_int (WFA_CFG_SLA_HOUR_MS) != 3600000)
        return opened_ms + sla_ms;
    return wfa_calendar_deadline (opened_ms, sla_ms, days_off, count, tz_minutes);
}

int
wfa_store_move_deadlines (wfa_redis_t *redis, const char *pemda, const int *days_off, size_t count,
                          int tz_minutes)
{
    if (wfa_config_int (WFA_CFG_SLA_HOUR_MS) != 3600000)
        return 0;               //  Elapsed time: the calendar moves nothing
    char prefix [WFA_PREFIX_MAX], timers_key [WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (timers_key, sizeof timers_key, pemda, "timers") };
    redisReply *waiting = wfa_store_step (redis, &wfa_script_timers_waiting, 2, keys, 0, NULL, NULL);
    if (!wfa_store_step_ok (waiting)) {
        if (waiting)
            freeReplyObject (waiting);
        return -1;
    }
    //  {"ok", timer, opened_ms, sla_ms, ...}
    size_t timers = (waiting->elements - 1) / 3;
    int *sorted = (int *) calloc (count + 1, sizeof (int));
    assert (sorted);
    memcpy (sorted, days_off, count * sizeof (int));
    qsort (sorted, count, sizeof (int), s_compare_day);
    //  {dues = {TIMER = DUE, ...}}: each timer's new due time
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 1);
    wfa_mp_pack_str (&pk, "dues");
    size_t given = 0;
    for (size_t timer_nbr = 0; timer_nbr < timers; timer_nbr++) {
        redisReply **item = waiting->element + 1 + 3 * timer_nbr;
        given += item [0]->type == REDIS_REPLY_STRING && item [1]->type == REDIS_REPLY_STRING
              && item [2]->type == REDIS_REPLY_STRING;
    }
    msgpack_pack_map (&pk, given);
    for (size_t timer_nbr = 0; timer_nbr < timers; timer_nbr++) {
        redisReply **item = waiting->element + 1 + 3 * timer_nbr;
        if (item [0]->type != REDIS_REPLY_STRING || item [1]->type != REDIS_REPLY_STRING
        ||  item [2]->type != REDIS_REPLY_STRING)
            continue;
        int64_t due = wfa_calendar_deadline (atoll (item [1]->str), atoll (item [2]->str), sorted,
                                             count, tz_minutes);
        wfa_mp_pack_kv_int (&pk, item [0]->str, due);
    }
    int moved = 0;
    if (given) {
        redisReply *reply = wfa_store_step_map (redis, &wfa_script_timers_move, 2, keys, &buffer);
        moved = wfa_store_step_ok (reply) && reply->elements == 2
             && reply->element [1]->type == REDIS_REPLY_INTEGER? (int) reply->element [1]->integer: -1;
        if (reply)
            freeReplyObject (reply);
    }
    msgpack_sbuffer_destroy (&buffer);
    free (sorted);
    freeReplyObject (waiting);
    return moved;
}

static const char *s_audit_fields [] = {
    "seq", "at", "request_id", "actor", "role", "on_behalf_of", "action", "from", "to",
    "reason", "policy_version", "prev", "hash", NULL
};

//  Pack one stored audit entry as a map; nil if it is malformed.
void
wfa_store_pack_audit (msgpack_packer *pk, const char *entry, size_t len)
{
    const char *fields [13];
    size_t lens [13];
    int count = 0;
    const char *cursor = entry, *end = entry + len;
    while (count < 13) {
        const char *separator = memchr (cursor, 31, (size_t) (end - cursor));
        fields [count] = cursor;
        lens [count] = separator? (size_t) (separator - cursor): (size_t) (end - cursor);
        count++;
        if (!separator)
            break;
        cursor = separator + 1;
    }
    if (count != 13 || cursor + lens [12] != end) {
        msgpack_pack_nil (pk);
        return;
    }
    msgpack_pack_map (pk, 13);
    for (int field_nbr = 0; field_nbr < 13; field_nbr++) {
        wfa_mp_pack_str (pk, s_audit_fields [field_nbr]);
        if (field_nbr == 0 || field_nbr == 1) {
            char number [24];
            snprintf (number, sizeof number, "%.*s", (int) (lens [field_nbr] < 23? lens [field_nbr]: 23),
                      fields [field_nbr]);
            msgpack_pack_int64 (pk, strtoll (number, NULL, 10));
        }
        else
            wfa_mp_pack_strn (pk, fields [field_nbr], lens [field_nbr]);
    }
}

//  Pemda code inside a request id.
int
wfa_store_pemda_of_request (const char *request_id, char *buf, size_t size)
{
    if (!request_id || strncmp (request_id, "REQ-", 4) != 0)
        return -1;
    const char *start = request_id + 4;
    const char *end = strrchr (start, '-');
    if (!end || end - start > 5 || end - start < 2)
        return -1;
    char pemda [8];
    snprintf (pemda, sizeof pemda, "%.*s", (int) (end - start), start);
    if (!wfa_pemda_valid (pemda) || strlen (end + 1) == 0 || strlen (end + 1) > 12)
        return -1;
    for (const char *digit = end + 1; *digit; digit++)
        if (!isdigit ((unsigned char) *digit))
            return -1;
    snprintf (buf, size, "%s", pemda);
    return 0;
}

//  Pack stored msgpack bytes as an object.
void
wfa_store_pack_blob (msgpack_packer *pk, const char *data, size_t size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    if (msgpack_unpack_next (&unpacked, data, size, &offset) == MSGPACK_UNPACK_SUCCESS
    &&  offset == size)
        msgpack_pack_object (pk, unpacked.data);
    else
        msgpack_pack_nil (pk);
    msgpack_unpacked_destroy (&unpacked);
}

//  An array of stored blobs, nil for a missing one.
void
wfa_store_pack_blobs (msgpack_packer *pk, const redisReply *list)
{
    size_t count = list && list->type == REDIS_REPLY_ARRAY? list->elements: 0;
    msgpack_pack_array (pk, count);
    for (size_t entry_nbr = 0; entry_nbr < count; entry_nbr++) {
        const redisReply *entry = list->element [entry_nbr];
        if (entry->type == REDIS_REPLY_STRING)
            wfa_store_pack_blob (pk, entry->str, entry->len);
        else
            msgpack_pack_nil (pk);
    }
}

//  A separated list as an array.
void
wfa_store_pack_list (msgpack_packer *pk, const char *text, size_t len, char separator)
{
    size_t count = len > 0? 1: 0;
    for (size_t char_nbr = 0; char_nbr < len; char_nbr++)
        count += text [char_nbr] == separator;
    msgpack_pack_array (pk, count);
    const char *cursor = text, *end = text + len;
    for (size_t item_nbr = 0; item_nbr < count; item_nbr++) {
        const char *next = (const char *) memchr (cursor, separator, end - cursor);
        size_t item_len = next? (size_t) (next - cursor): (size_t) (end - cursor);
        wfa_mp_pack_strn (pk, cursor, item_len);
        cursor += item_len + (next != NULL);
    }
}

static const char *s_int_fields [] = { "submitted_at", "decided_at", "version", "step", "steps",
                                       "step_opened_at", "waiting_since", "step_due",
                                       NULL };

//  Pack one stored field with its protocol type.
static void
s_pack_field (msgpack_packer *pk, const redisReply *name, const redisReply *value)
{
    wfa_mp_pack_strn (pk, name->str, name->len);
    if (value->type != REDIS_REPLY_STRING) {
        msgpack_pack_nil (pk);
        return;
    }
    if (streq (name->str, "dates")) {
        wfa_store_pack_list (pk, value->str, value->len, ',');
        return;
    }
    if (streq (name->str, "plan") || streq (name->str, "assessment")
    ||  streq (name->str, "proposal")) {
        wfa_store_pack_blob (pk, value->str, value->len);
        return;
    }
    for (int field_nbr = 0; s_int_fields [field_nbr]; field_nbr++)
        if (streq (name->str, s_int_fields [field_nbr])) {
            msgpack_pack_int64 (pk, strtoll (value->str, NULL, 10));
            return;
        }
    wfa_mp_pack_strn (pk, value->str, value->len);
}

//  Pack a request map.
void
wfa_store_pack_request (msgpack_packer *pk, const redisReply *fields, const redisReply *history)
{
    size_t pairs = 0;
    if (fields && fields->type == REDIS_REPLY_ARRAY) {
        for (size_t item_nbr = 0; item_nbr + 1 < fields->elements; item_nbr += 2)
            if (fields->element [item_nbr]->type == REDIS_REPLY_STRING)
                pairs++;
    }
    msgpack_pack_map (pk, pairs + (history? 1: 0));
    for (size_t item_nbr = 0; pairs && item_nbr + 1 < fields->elements; item_nbr += 2)
        if (fields->element [item_nbr]->type == REDIS_REPLY_STRING)
            s_pack_field (pk, fields->element [item_nbr], fields->element [item_nbr + 1]);
    if (history) {
        wfa_mp_pack_str (pk, "history");
        wfa_store_pack_blobs (pk, history);
    }
}

//  Pack an array of requests from list.lua.
void
wfa_store_pack_requests (msgpack_packer *pk, const redisReply *list)
{
    size_t count = list && list->type == REDIS_REPLY_ARRAY? list->elements: 0;
    msgpack_pack_array (pk, count);
    for (size_t item_nbr = 0; item_nbr < count; item_nbr++)
        wfa_store_pack_request (pk, list->element [item_nbr], NULL);
}

void
wfa_store_test (bool verbose)
{
    char buf [32];
    assert (streq (wfa_store_prefix ("35.08", buf, sizeof buf), "wfa:{35.08}:"));
    char key [WFA_KEY_MAX];
    assert (streq (wfa_store_key (key, sizeof key, "35.08", "emp:%s", "1985"), "wfa:{35.08}:emp:1985"));
    assert (streq (wfa_store_key (key, 12, "35.08", "emp:%s", "1985"), "wfa:{35.08}"));
    assert (wfa_store_pemda_of_request ("REQ-35.08-000042", buf, sizeof buf) == 0);
    assert (streq (buf, "35.08"));
    assert (wfa_store_pemda_of_request ("REQ-35-1", buf, sizeof buf) == 0 && streq (buf, "35"));
    assert (wfa_store_pemda_of_request ("REQ-35.8-1", buf, sizeof buf) == -1);
    assert (wfa_store_pemda_of_request ("REQ-35.08-", buf, sizeof buf) == -1);
    assert (wfa_store_pemda_of_request ("REQ-35.08-12a", buf, sizeof buf) == -1);
    assert (wfa_store_pemda_of_request ("35.08-1", buf, sizeof buf) == -1);
    assert (wfa_store_pemda_of_request (NULL, buf, sizeof buf) == -1);
    //  Every script is there and non-trivial
    const wfa_script_t *scripts [] = { &wfa_script_submit,
        &wfa_script_decide, &wfa_script_list, &wfa_script_import, &wfa_script_leave, &wfa_script_inbox_add,
        &wfa_script_count, &wfa_script_metrics_get, &wfa_script_audit_verify, &wfa_script_calendar_set, &wfa_script_policy_set, &wfa_script_context, &wfa_script_cancel, &wfa_script_delegate, &wfa_script_acting_index, &wfa_script_timers_due, &wfa_script_reopen_waiting, &wfa_script_step_context,
        &wfa_script_timers_waiting, &wfa_script_timers_move, &wfa_script_page, NULL };
    for (int script_nbr = 0; scripts [script_nbr]; script_nbr++) {
        char registered [96];
        snprintf (registered, sizeof registered, "function_name = '%s'", scripts [script_nbr]->name);
        assert (scripts [script_nbr]->library == &wfa_lua_wfa);
        assert (strstr (wfa_lua_wfa.source, registered));
    }
    assert (strlen (wfa_lua_wfa.version) == 40 && strstr (wfa_lua_wfa.source, "#!lua name=wfa\n") == wfa_lua_wfa.source);
    assert (wfa_script_list.read_only && !wfa_script_submit.read_only);

    //  A stored request becomes a typed map
    redisReply names [4], values [4], *items [8];
    const char *pairs [4][2] = { { "request_id", "REQ-35.08-000001" },
        { "dates", "2026-12-01,2026-12-02" }, { "submitted_at", "1700000000000" },
        { "plan", "\x91\xa1x" } };
    for (int pair_nbr = 0; pair_nbr < 4; pair_nbr++) {
        names [pair_nbr] = (redisReply) { .type = REDIS_REPLY_STRING,
            .str = (char *) pairs [pair_nbr][0], .len = strlen (pairs [pair_nbr][0]) };
        values [pair_nbr] = (redisReply) { .type = REDIS_REPLY_STRING,
            .str = (char *) pairs [pair_nbr][1], .len = strlen (pairs [pair_nbr][1]) };
        items [2 * pair_nbr] = &names [pair_nbr];
        items [2 * pair_nbr + 1] = &values [pair_nbr];
    }
    redisReply fields = { .type = REDIS_REPLY_ARRAY, .elements = 8, .element = items };
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_init (&buffer, &pk);
    wfa_store_pack_request (&pk, &fields, NULL);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    const msgpack_object *dates = wfa_mp_get (&unpacked.data, "dates");
    assert (dates && dates->type == MSGPACK_OBJECT_ARRAY && dates->via.array.size == 2);
    assert (wfa_mp_streq (&dates->via.array.ptr [1], "2026-12-02"));
    int64_t at = 0;
    assert (wfa_mp_int (wfa_mp_get (&unpacked.data, "submitted_at"), &at) == 0 && at == 1700000000000LL);
    const msgpack_object *plan = wfa_mp_get (&unpacked.data, "plan");
    assert (plan && plan->type == MSGPACK_OBJECT_ARRAY && wfa_mp_streq (&plan->via.array.ptr [0], "x"));
    msgpack_unpacked_destroy (&unpacked);

    //  Separated lists: empty is [], an empty last item stays
    msgpack_sbuffer_clear (&buffer);
    wfa_store_pack_list (&pk, "", 0, ';');
    wfa_store_pack_list (&pk, "pegawai;atasan;", 15, ';');
    msgpack_unpacked_init (&unpacked);
    offset = 0;
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    assert (unpacked.data.type == MSGPACK_OBJECT_ARRAY && unpacked.data.via.array.size == 0);
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    assert (unpacked.data.type == MSGPACK_OBJECT_ARRAY && unpacked.data.via.array.size == 3);
    assert (wfa_mp_streq (&unpacked.data.via.array.ptr [1], "atasan"));
    assert (wfa_mp_streq (&unpacked.data.via.array.ptr [2], ""));
    msgpack_unpacked_destroy (&unpacked);

    //  An audit entry becomes a map; a malformed one becomes nil
    const char *entry = "3\x1f" "1700\x1f" "REQ-35.08-000001\x1f" "198609262015051001\x1f" "pegawai\x1f\x1f"
                        "submit\x1f\x1f" "submitted\x1f" "alasan\x1f" "0\x1f" "aa\x1f" "bb";
    msgpack_sbuffer_clear (&buffer);
    wfa_store_pack_audit (&pk, entry, strlen (entry));
    wfa_store_pack_audit (&pk, "1\x1f" "2", 3);
    msgpack_unpacked_init (&unpacked);
    offset = 0;
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    assert (wfa_mp_int (wfa_mp_get (&unpacked.data, "seq"), &at) == 0 && at == 3);
    assert (wfa_mp_streq (wfa_mp_get (&unpacked.data, "action"), "submit"));
    assert (wfa_mp_streq (wfa_mp_get (&unpacked.data, "hash"), "bb"));
    assert (wfa_mp_streq (wfa_mp_get (&unpacked.data, "on_behalf_of"), ""));
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    assert (unpacked.data.type == MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    if (verbose)
        printf ("wfa_store: ok\n");
}
