/*  rebuild.c - MONEV.REBUILD: recompute the kept figures from the raw
    records (lua/monev_rebuild.lua) and compare them with what was kept
    (lua/monev_compare.lua), to prove they agree. */
#include "monev.h"


#define S_REBUILD_BATCH 200     //  Employees per rebuild step

//  Request events of a pemda the monev group has not acknowledged yet
//  (delivered or not): -1 if Redis cannot say.
static int64_t
s_events_pending (wfa_redis_t *redis, const char *pemda)
{
    int64_t lag = -1, pending = -1;
    if (wfa_outbox_behind (redis, pemda, "monev", &lag, &pending))
        return -1;
    return (lag > 0? lag: 0) + (pending > 0? pending: 0);
}

//  Add the members a command answers to a set of NIPs.
static void
s_add_members (wfa_redis_t *redis, zhashx_t *set, const char *format, const char *prefix, const char *name)
{
    redisReply *members = name? wfa_redis_command (redis, format, prefix, name):
                                wfa_redis_command (redis, format, prefix);
    for (size_t member_nbr = 0; members && members->type == REDIS_REPLY_ARRAY && member_nbr < members->elements; member_nbr++)
        if (members->element [member_nbr]->str)
            zhashx_insert (set, members->element [member_nbr]->str, (void *) 1);
    if (members)
        freeReplyObject (members);
}

//  Run a Lua step unless the call has failed already.
static redisReply *
s_failed_or_eval (wfa_call_t *call, wfa_redis_t *redis, const wfa_script_t *script, int argc, const char **argv)
{
    if (wfa_call_failed (call))
        return NULL;
    redisReply *reply = wfa_redis_fcall (redis, script, 1, argc, argv, NULL);
    if (wfa_call_redis_down (call, reply))
        return NULL;
    return reply;
}

void
monev_rebuild (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    bool apply = wfa_call_bool (call, "apply", false);
    if (wfa_call_failed (call))
        return;
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    wfa_actor_t actor;
    if (wfa_authz_call (call, redis, WFA_ACT_AUDIT_VERIFY, &target, &actor))
        return;
    //  Putting figures in force is a write: the pemda's own BKD or admin
    //  only; and a rebuild holds the pemda's rebuild lock, so a national
    //  reader, who changes nothing anywhere, does not start one at all
    if ((apply || wfa_call_national (call)) && !streq (actor.pemda, pemda)) {
        wfa_call_error (call, WFA_E_FORBIDDEN, "as", apply? "apply: bkd or admin_pemda of this pemda":
                        "kemendagri: read-only; a rebuild is the pemda's own", -1);
        return;
    }
    char prefix [WFA_PREFIX_MAX];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    //  One rebuild of a pemda at a time: they share the mv:r: workspace
    char token [32];
    snprintf (token, sizeof token, "%" PRId64 "-%d", zclock_usecs (), (int) getpid ());
    redisReply *reply = wfa_redis_command (redis, "SET %smv:rebuild:lock %s NX PX 600000", prefix, token);
    if (wfa_call_redis_down (call, reply))
        return;
    bool locked = reply->type == REDIS_REPLY_STATUS;
    freeReplyObject (reply);
    if (!locked) {
        wfa_call_error (call, WFA_E_BUSY, "pemda", "a rebuild of this pemda is running", -1);
        return;
    }
    //  Request events not yet counted would show as differences: an apply
    //  waits for them
    int64_t pending = s_events_pending (redis, pemda);
    if (apply && pending != 0)
        wfa_call_error (call, WFA_E_BUSY, "pemda", "request events still being counted", -1);
    const char *clear [] = { prefix, "clear" };
    reply = s_failed_or_eval (call, redis, &wfa_script_monev_rebuild, 2, clear);
    char writes [24] = "0";
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        snprintf (writes, sizeof writes, "%lld", reply->integer);
    if (reply)
        freeReplyObject (reply);
    //  Everyone with records (people since moved away too) and everyone on
    //  record, each once, a batch at a time
    zhashx_t *people = zhashx_new ();
    s_add_members (redis, people, "SMEMBERS %smv:people", prefix, NULL);
    redisReply *opds = wfa_call_failed (call)? NULL: wfa_redis_command (redis, "SMEMBERS %sopds", prefix);
    for (size_t opd_nbr = 0; opds && opds->type == REDIS_REPLY_ARRAY && opd_nbr < opds->elements; opd_nbr++)
        s_add_members (redis, people, "SMEMBERS %sopd:%s", prefix, opds->element [opd_nbr]->str);
    if (opds)
        freeReplyObject (opds);
    int64_t records = 0;
    zlistx_t *nips = zhashx_keys (people);
    const char *argv_batch [S_REBUILD_BATCH + 2];
    int argc = 0;
    for (const char *nip = (const char *) zlistx_first (nips); !wfa_call_failed (call); nip = (const char *) zlistx_next (nips)) {
        if (nip)
            argv_batch [2 + argc++] = nip;
        if (argc == S_REBUILD_BATCH || (!nip && argc > 0)) {
            argv_batch [0] = prefix;
            argv_batch [1] = "employees";
            reply = wfa_redis_fcall (redis, &wfa_script_monev_rebuild, 1, argc + 2, argv_batch, NULL);
            argc = 0;
            if (wfa_call_redis_down (call, reply))
                break;
            if (reply->type == REDIS_REPLY_INTEGER)
                records += reply->integer;
            else {
                wfa_log ("E", "monev_rebuild: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
                wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
            }
            freeReplyObject (reply);
        }
        if (!nip)
            break;
    }
    zlistx_destroy (&nips);
    zhashx_destroy (&people);
    reply = NULL;
    if (!wfa_call_failed (call)) {
        const char *argv [] = { prefix, apply? "apply": "check", writes };
        reply = wfa_redis_fcall (redis, &wfa_script_monev_compare, 1, 3, argv, NULL);
    }
    redisReply *unlock = wfa_redis_command (redis, "EVAL %s 1 %smv:rebuild:lock %s",
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        prefix, token);
    if (unlock)
        freeReplyObject (unlock);
    if (wfa_call_failed (call)) {
        if (reply)
            freeReplyObject (reply);
        return;
    }
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 6) {
        wfa_log ("E", "monev_compare: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return;
    }
    int64_t differences = reply->element [2]->integer;
    msgpack_pack_int64 (wfa_call_reply (call, "records"), records);
    msgpack_pack_int64 (wfa_call_reply (call, "days"), reply->element [0]->integer);
    msgpack_pack_int64 (wfa_call_reply (call, "months"), reply->element [1]->integer);
    msgpack_pack_int64 (wfa_call_reply (call, "differences"), differences);
    if (differences == 0)
        msgpack_pack_true (wfa_call_reply (call, "equal"));
    else
        msgpack_pack_false (wfa_call_reply (call, "equal"));
    if (reply->element [4]->integer)
        msgpack_pack_true (wfa_call_reply (call, "applied"));
    else
        msgpack_pack_false (wfa_call_reply (call, "applied"));
    //  Figures written meanwhile make differences that are no error: said
    if (reply->element [5]->integer)
        msgpack_pack_true (wfa_call_reply (call, "moved"));
    else
        msgpack_pack_false (wfa_call_reply (call, "moved"));
    msgpack_pack_int64 (wfa_call_reply (call, "events_pending"), pending);
    msgpack_packer *pk = wfa_call_reply (call, "examples");
    const redisReply *examples = reply->element [3];
    msgpack_pack_array (pk, examples->elements);
    for (size_t item_nbr = 0; item_nbr < examples->elements; item_nbr++)
        wfa_mp_pack_str (pk, examples->element [item_nbr]->str? examples->element [item_nbr]->str: "");
    freeReplyObject (reply);
}
