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

//  Run monev_rebuild.lua or monev_compare.lua (keys: the prefix and the
//  write count) with its map, unless the call has failed already. Returns
//  the reply {"ok", ...}, or NULL after recording the error on call.
static redisReply *
s_step (wfa_call_t *call, wfa_redis_t *redis, const wfa_script_t *script, const char *pemda,
        const msgpack_sbuffer *map)
{
    if (wfa_call_failed (call))
        return NULL;
    char prefix [WFA_PREFIX_MAX], writes_key [WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (writes_key, sizeof writes_key, pemda, "mv:writes") };
    return wfa_store_call_step (call, redis, script, 2, keys, map);
}

//  The map {action, NAME: VALUE} (value NULL: action only) into map.
static void
s_map (msgpack_sbuffer *map, const char *action, const char *name, const char *value)
{
    msgpack_packer pk;
    wfa_mp_writer_map (map, &pk, value? 2: 1);
    wfa_mp_pack_kv_str (&pk, "action", action);
    if (value)
        wfa_mp_pack_kv_str (&pk, name, value);
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
    char lock_key [WFA_KEY_MAX];
    wfa_store_key (lock_key, sizeof lock_key, pemda, "mv:rebuild:lock");
    redisReply *reply = wfa_redis_command (redis, "SET %s %s NX PX 600000", lock_key, token);
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
    msgpack_sbuffer map;
    s_map (&map, "clear", NULL, NULL);
    reply = s_step (call, redis, &wfa_script_monev_rebuild, pemda, &map);
    msgpack_sbuffer_destroy (&map);
    char writes [24] = "0";
    if (reply && reply->elements == 2 && reply->element [1]->type == REDIS_REPLY_INTEGER)
        snprintf (writes, sizeof writes, "%lld", reply->element [1]->integer);
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
    const char *batch [S_REBUILD_BATCH];
    int batch_size = 0;
    for (const char *nip = (const char *) zlistx_first (nips); !wfa_call_failed (call); nip = (const char *) zlistx_next (nips)) {
        if (nip)
            batch [batch_size++] = nip;
        if (batch_size == S_REBUILD_BATCH || (!nip && batch_size > 0)) {
            msgpack_packer pk;
            wfa_mp_writer_map (&map, &pk, 2);
            wfa_mp_pack_kv_str (&pk, "action", "employees");
            wfa_mp_pack_str (&pk, "nips");
            msgpack_pack_array (&pk, batch_size);
            for (int nip_nbr = 0; nip_nbr < batch_size; nip_nbr++)
                wfa_mp_pack_str (&pk, batch [nip_nbr]);
            reply = s_step (call, redis, &wfa_script_monev_rebuild, pemda, &map);
            msgpack_sbuffer_destroy (&map);
            batch_size = 0;
            if (!reply)
                break;
            if (reply->elements == 2 && reply->element [1]->type == REDIS_REPLY_INTEGER)
                records += reply->element [1]->integer;
            else {
                wfa_log ("E", "monev_rebuild: bad reply");
                wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
            }
            freeReplyObject (reply);
        }
        if (!nip)
            break;
    }
    zlistx_destroy (&nips);
    zhashx_destroy (&people);
    s_map (&map, apply? "apply": "check", "writes", writes);
    reply = s_step (call, redis, &wfa_script_monev_compare, pemda, &map);
    msgpack_sbuffer_destroy (&map);
    const char *unlock_keys [] = { prefix, lock_key };
    const char *unlock_args [] = { "token", token };
    redisReply *unlock = wfa_store_step (redis, &wfa_script_monev_unlock, 2, unlock_keys, 1, unlock_args, NULL);
    if (unlock)
        freeReplyObject (unlock);
    if (wfa_call_failed (call) || !reply) {
        if (reply)
            freeReplyObject (reply);
        return;
    }
    if (reply->elements != 7 || reply->element [4]->type != REDIS_REPLY_ARRAY) {
        wfa_log ("E", "monev_compare: bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return;
    }
    int64_t differences = reply->element [3]->integer;
    msgpack_pack_int64 (wfa_call_reply (call, "records"), records);
    msgpack_pack_int64 (wfa_call_reply (call, "days"), reply->element [1]->integer);
    msgpack_pack_int64 (wfa_call_reply (call, "months"), reply->element [2]->integer);
    msgpack_pack_int64 (wfa_call_reply (call, "differences"), differences);
    if (differences == 0)
        msgpack_pack_true (wfa_call_reply (call, "equal"));
    else
        msgpack_pack_false (wfa_call_reply (call, "equal"));
    if (reply->element [5]->integer)
        msgpack_pack_true (wfa_call_reply (call, "applied"));
    else
        msgpack_pack_false (wfa_call_reply (call, "applied"));
    //  Figures written meanwhile make differences that are no error: said
    if (reply->element [6]->integer)
        msgpack_pack_true (wfa_call_reply (call, "moved"));
    else
        msgpack_pack_false (wfa_call_reply (call, "moved"));
    msgpack_pack_int64 (wfa_call_reply (call, "events_pending"), pending);
    msgpack_packer *pk = wfa_call_reply (call, "examples");
    const redisReply *examples = reply->element [4];
    msgpack_pack_array (pk, examples->elements);
    for (size_t item_nbr = 0; item_nbr < examples->elements; item_nbr++)
        wfa_mp_pack_str (pk, examples->element [item_nbr]->str? examples->element [item_nbr]->str: "");
    freeReplyObject (reply);
}
