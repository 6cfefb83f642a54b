/*  wfa-requests: a pemda's API tokens, the HTTP gateway's credential for
    integrator accounts. TOKEN.CREATE, TOKEN.LIST and TOKEN.REVOKE, by the
    operator or an admin pemda of that pemda (credentials.manage).

    A token is "fleksi_PEMDA_ID_SECRET" (wfa_auth.h): the pemda and id say
    where its record is, and the record keeps only the SHA-256 of the
    secret, so the token is shown once, when it is made, and never again. */
#include "requests.h"

#define S_LIST_MAX 500          //  Tokens per TOKEN.LIST page, at most

// ---------------------------------------------------------------------
//  Who manages a pemda's credentials

const char *
credentials_manager (wfa_call_t *call, wfa_redis_t *redis, bool pemda_required,
                     credentials_manager_t *manager)
{
    memset (manager, 0, sizeof *manager);
    const char *pemda = wfa_call_pemda (call, "pemda", false);
    bool operator = wfa_call_principal (call)->kind == WFA_PRINCIPAL_OPERATOR;
    if (wfa_call_failed (call))
        return NULL;
    if (operator) {
        if (!pemda || !*pemda) {
            wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", NULL, -1);
            return NULL;
        }
        snprintf (manager->as, sizeof manager->as, "operator");
        snprintf (manager->pemda, sizeof manager->pemda, "%s", pemda);
        manager->operator = true;
        return manager->pemda;
    }
    //  A person: an admin pemda of that pemda (their own when none is named)
    wfa_actor_t actor;
    if (wfa_authz_actor (call, redis, &actor))
        return NULL;
    if (!pemda || !*pemda) {
        if (pemda_required || !*actor.pemda) {
            wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", NULL, -1);
            return NULL;
        }
        pemda = actor.pemda;
    }
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    if (wfa_authz_check (call, &actor, WFA_ACT_CREDENTIALS, &target))
        return NULL;
    snprintf (manager->as, sizeof manager->as, "%s", actor.nip);
    snprintf (manager->pemda, sizeof manager->pemda, "%s", pemda);
    return manager->pemda;
}

// ---------------------------------------------------------------------
//  TOKEN.CREATE

//  A time field of a record as an int (0 when absent).
static void
s_pack_time (msgpack_packer *pk, const redisReply *value)
{
    msgpack_pack_int64 (pk, value && value->type == REDIS_REPLY_STRING? atoll (value->str): 0);
}

//  A text field of a record ("" when absent).
static void
s_pack_text (msgpack_packer *pk, const redisReply *value)
{
    if (value && value->type == REDIS_REPLY_STRING)
        wfa_mp_pack_strn (pk, value->str, value->len);
    else
        wfa_mp_pack_str (pk, "");
}

//  A token's record: HMGET of s_fields, or NULL (REDIS_UNAVAILABLE on call).
static redisReply *
s_read (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *id)
{
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, pemda, "token:%s", id);
    redisReply *reply = wfa_redis_command (redis, "HMGET %s name role created_at created_by expires_at revoked_at",
                                           record);
    if (wfa_call_redis_down (call, reply))
        return NULL;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 6) {
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return NULL;
    }
    return reply;
}

void
tokens_create (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *role = wfa_call_str (call, "role", 32, true);
    const char *name = wfa_call_str (call, "name", 64, true);
    int64_t days = wfa_call_int (call, "expires_days", 1, 3650, 0);
    if (role && !streq (role, "integrator"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "role", "role: integrator", -1);
    if (name && !wfa_principal_name_valid (name))
        wfa_call_error (call, WFA_E_BAD_VALUE, "name", "name: [a-z0-9._-], 1-64", -1);
    if (wfa_call_failed (call))
        return;
    credentials_manager_t manager;
    const char *pemda = credentials_manager (call, redis, true, &manager);
    if (!pemda)
        return;
    char id [WFA_TOKEN_ID_LEN + 1], token [WFA_TOKEN_MAX], hash [WFA_TOKEN_HASH_LEN + 1];
    if (wfa_auth_token_make (pemda, id, token, hash)) {
        wfa_call_error (call, WFA_E_INTERNAL, NULL, "random", -1);
        return;
    }
    int64_t now = wfa_now_ms ();
    int64_t expires_at = days? now + days * 86400000: 0;
    char prefix [WFA_PREFIX_MAX], now_text [24], expires_text [24], ttl [24], keys_text [3][WFA_KEY_MAX];
    snprintf (now_text, sizeof now_text, "%" PRId64, now);
    snprintf (expires_text, sizeof expires_text, "%" PRId64, expires_at);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idem:token:%s:%s", manager.as, key),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "token:%s", id),
        wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "tokens") };
    const char *args [] = { "id", id, "name", name, "role", role, "hash", hash, "now", now_text,
                            "expires_at", expires_text, "as", manager.as,
                            "operator", manager.operator? "1": "", "ttl", ttl,
                            "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_token_create, 4, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    OPENSSL_cleanse (hash, sizeof hash);
    const char *stored = wfa_store_step_result (call, reply, "pemda");
    if (stored) {
        //  A retry answers the token it made, without its secret (kept nowhere)
        bool fresh = streq (reply->element [0]->str, "ok");
        redisReply *record = fresh? NULL: s_read (call, redis, pemda, stored);
        if (fresh || record) {
            wfa_mp_pack_str (wfa_call_reply (call, "token"), fresh? token: "");
            wfa_mp_pack_str (wfa_call_reply (call, "token_id"), stored);
            wfa_mp_pack_str (wfa_call_reply (call, "pemda"), pemda);
            if (fresh) {
                wfa_mp_pack_str (wfa_call_reply (call, "name"), name);
                wfa_mp_pack_str (wfa_call_reply (call, "role"), role);
                msgpack_pack_int64 (wfa_call_reply (call, "created_at"), now);
                msgpack_pack_int64 (wfa_call_reply (call, "expires_at"), expires_at);
            }
            else {
                s_pack_text (wfa_call_reply (call, "name"), record->element [0]);
                s_pack_text (wfa_call_reply (call, "role"), record->element [1]);
                s_pack_time (wfa_call_reply (call, "created_at"), record->element [2]);
                s_pack_time (wfa_call_reply (call, "expires_at"), record->element [4]);
                freeReplyObject (record);
            }
            if (fresh)
                wfa_log ("I", "token %s of integrator:%s:%s created by %s", stored, pemda, name, manager.as);
        }
    }
    OPENSSL_cleanse (token, sizeof token);
    if (reply)
        freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  TOKEN.LIST

void
tokens_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    int64_t limit = wfa_call_int (call, "limit", 1, S_LIST_MAX, 100);
    const char *cursor = wfa_call_str (call, "cursor", 32, false);
    //  The cursor is the place of the next token in creation order: tokens
    //  are never deleted and a new one comes last, so a place stays put
    int64_t start = 0;
    if (cursor && *cursor) {
        char *end = NULL;
        start = strtoll (cursor, &end, 10);
        if (*end || start < 0 || start > INT32_MAX)
            wfa_call_error (call, WFA_E_BAD_VALUE, "cursor", NULL, -1);
    }
    if (wfa_call_failed (call))
        return;
    credentials_manager_t manager;
    const char *pemda = credentials_manager (call, redis, false, &manager);
    if (!pemda)
        return;
    char index [WFA_KEY_MAX];
    wfa_store_key (index, sizeof index, pemda, "tokens");
    //  One more than the page says whether there is a next one
    redisReply *ids = wfa_redis_command (redis, "ZRANGE %s %" PRId64 " %" PRId64, index, start, start + limit);
    if (wfa_call_redis_down (call, ids))
        return;
    size_t count = ids->type == REDIS_REPLY_ARRAY? ids->elements: 0;
    size_t shown = count > (size_t) limit? (size_t) limit: count;
    zlistx_t *records = zlistx_new ();
    for (size_t id_nbr = 0; id_nbr < shown; id_nbr++) {
        redisReply *record = s_read (call, redis, pemda, ids->element [id_nbr]->str);
        if (!record)
            break;
        zlistx_add_end (records, record);
    }
    if (!wfa_call_failed (call)) {
        msgpack_packer *pk = wfa_call_reply (call, "tokens");
        msgpack_pack_array (pk, shown);
        static const char *names [] = { "name", "role", "created_at", "created_by", "expires_at", "revoked_at" };
        size_t id_nbr = 0;
        for (redisReply *record = (redisReply *) zlistx_first (records); record;
             record = (redisReply *) zlistx_next (records), id_nbr++) {
            msgpack_pack_map (pk, 7);
            wfa_mp_pack_kv_str (pk, "token_id", ids->element [id_nbr]->str);
            for (int field_nbr = 0; field_nbr < 6; field_nbr++) {
                wfa_mp_pack_str (pk, names [field_nbr]);
                if (strstr (names [field_nbr], "_at"))
                    s_pack_time (pk, record->element [field_nbr]);
                else
                    s_pack_text (pk, record->element [field_nbr]);
            }
        }
        char next [24] = "";
        if (count > shown)
            snprintf (next, sizeof next, "%" PRId64, start + limit);
        wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), next);
    }
    for (redisReply *record = (redisReply *) zlistx_first (records); record;
         record = (redisReply *) zlistx_next (records))
        freeReplyObject (record);
    zlistx_destroy (&records);
    freeReplyObject (ids);
}

// ---------------------------------------------------------------------
//  TOKEN.REVOKE

void
tokens_revoke (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *id = wfa_call_str (call, "token_id", WFA_TOKEN_ID_LEN, true);
    if (id && !wfa_auth_token_id_valid (id))
        wfa_call_error (call, WFA_E_BAD_VALUE, "token_id", NULL, -1);
    if (wfa_call_failed (call))
        return;
    credentials_manager_t manager;
    const char *pemda = credentials_manager (call, redis, true, &manager);
    if (!pemda)
        return;
    char prefix [WFA_PREFIX_MAX], now [24], ttl [24], keys_text [2][WFA_KEY_MAX];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idem:token_revoke:%s:%s", manager.as, key),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "token:%s", id) };
    const char *args [] = { "id", id, "now", now, "as", manager.as,
                            "operator", manager.operator? "1": "", "ttl", ttl,
                            "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_token_revoke, 3, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    const char *revoked = wfa_store_step_result (call, reply, "token_id");
    if (revoked) {
        wfa_mp_pack_str (wfa_call_reply (call, "token_id"), id);
        msgpack_pack_int64 (wfa_call_reply (call, "revoked_at"), atoll (revoked));
        wfa_log ("I", "token %s of %s revoked by %s", id, pemda, manager.as);
    }
    if (reply)
        freeReplyObject (reply);
}
