/*  wfa-requests: a pemda's OpenID Connect identity provider, whose access
    tokens the HTTP gateway accepts for the pemda's people. IDP.SET and
    IDP.GET, by the operator or an admin pemda of that pemda.

    The provider is the record wfa:{PEMDA}:idp; the gateway finds the pemda
    of a token from its issuer through the global index wfa:idp:HASH
    (wfa_auth_issuer_key), which this file keeps: one issuer, one pemda. */
#include "requests.h"

#define S_JWKS_MAX (64 * 1024)  //  Bytes of a JWKS given inline

//  True for a claim name: [A-Za-z0-9_.-], 1-64.
static bool
s_claim_valid (const char *name)
{
    size_t len = strlen (name);
    return len >= 1 && len <= 64 && strspn (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                  "0123456789_.-") == len;
}

//  The pemda an issuer belongs to into pemda ("" for none): 0, or -1 with
//  REDIS_UNAVAILABLE on call.
static int
s_issuer_pemda (wfa_call_t *call, wfa_redis_t *redis, const char *issuer, char *pemda, size_t size)
{
    char index [WFA_KEY_MAX];
    redisReply *reply = wfa_redis_command (redis, "GET %s", wfa_auth_issuer_key (issuer, index, sizeof index));
    if (wfa_call_redis_down (call, reply))
        return -1;
    snprintf (pemda, size, "%s", reply->type == REDIS_REPLY_STRING? reply->str: "");
    freeReplyObject (reply);
    return 0;
}

void
idp_set (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *issuer = wfa_call_str (call, "issuer", 512, true);
    const char *audience = wfa_call_str (call, "audience", 256, true);
    const char *nip_claim = wfa_call_str (call, "nip_claim", 64, false);
    const char *jwks_uri = wfa_call_str (call, "jwks_uri", 1024, false);
    //  The JWKS as str, or as bin when longer than a protocol string
    const msgpack_object *jwks = wfa_mp_get (wfa_call_body (call), "jwks");
    const char *jwks_bytes = NULL;
    size_t jwks_size = 0;
    if (jwks && jwks->type == MSGPACK_OBJECT_STR) {
        jwks_bytes = jwks->via.str.ptr;
        jwks_size = jwks->via.str.size;
    }
    else
    if (jwks && jwks->type == MSGPACK_OBJECT_BIN) {
        jwks_bytes = jwks->via.bin.ptr;
        jwks_size = jwks->via.bin.size;
    }
    else
    if (jwks && jwks->type != MSGPACK_OBJECT_NIL)
        wfa_call_error (call, WFA_E_WRONG_TYPE, "jwks", NULL, -1);
    if (!nip_claim || !*nip_claim)
        nip_claim = "nip";
    else
    if (!s_claim_valid (nip_claim))
        wfa_call_error (call, WFA_E_BAD_VALUE, "nip_claim", "nip_claim: [A-Za-z0-9_.-], 1-64", -1);
    if (jwks_uri && *jwks_uri && !wfa_auth_jwks_uri_allowed (jwks_uri))
        wfa_call_error (call, WFA_E_BAD_VALUE, "jwks_uri", "jwks_uri: https://...", -1);
    if (jwks_size > S_JWKS_MAX)
        wfa_call_error (call, WFA_E_TOO_LARGE, "jwks", "jwks > 65536 bytes", -1);
    else
    if (jwks_size > 0) {
        wfa_jwks_t *parsed = wfa_jwks_new (jwks_bytes, jwks_size);
        if (!parsed)
            wfa_call_error (call, WFA_E_BAD_VALUE, "jwks", "jwks: a JWKS with an RSA or P-256 key and its kid", -1);
        wfa_jwks_destroy (&parsed);
    }
    else
    if (!jwks_uri || !*jwks_uri)
        wfa_call_error (call, WFA_E_MISSING_FIELD, "jwks", "jwks | jwks_uri", -1);
    if (wfa_call_failed (call))
        return;
    credentials_manager_t manager;
    const char *pemda = credentials_manager (call, redis, true, &manager);
    if (!pemda)
        return;
    //  One issuer names one pemda (the tokens say whose people they sign
    //  in): the step refuses another pemda's and claims the index, atomically
    char *jwks_text = (char *) malloc (jwks_size + 1);
    assert (jwks_text);
    memcpy (jwks_text, jwks_bytes? jwks_bytes: "", jwks_size);
    jwks_text [jwks_size] = 0;
    char prefix [WFA_PREFIX_MAX], now [24], ttl [24], keys_text [3][WFA_KEY_MAX];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idem:idp:%s:%s", manager.as, key),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "idp"),
        wfa_auth_issuer_key (issuer, keys_text [2], WFA_KEY_MAX) };
    const char *args [] = { "pemda", pemda, "issuer", issuer, "audience", audience, "nip_claim", nip_claim,
                            "jwks", jwks_text, "jwks_uri", jwks_uri? jwks_uri: "", "now", now,
                            "as", manager.as, "operator", manager.operator? "1": "", "ttl", ttl,
                            "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_idp_set, 4, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    free (jwks_text);
    const char *updated = wfa_store_step_result (call, reply, "issuer");
    if (updated && reply->elements == 3 && reply->element [2]->type == REDIS_REPLY_STRING) {
        //  The step claimed the new issuer; the issuer replaced no longer
        //  leads here
        const char *replaced = reply->element [2]->str;
        char index [WFA_KEY_MAX], replaced_owner [16] = "";
        if (*replaced && !streq (replaced, issuer)
        &&  s_issuer_pemda (call, redis, replaced, replaced_owner, sizeof replaced_owner) == 0
        &&  streq (replaced_owner, pemda)) {
            redisReply *del = wfa_redis_command (redis, "DEL %s", wfa_auth_issuer_key (replaced, index, sizeof index));
            if (!wfa_call_redis_down (call, del))
                freeReplyObject (del);
        }
        if (!wfa_call_failed (call)) {
            wfa_mp_pack_str (wfa_call_reply (call, "pemda"), pemda);
            wfa_mp_pack_str (wfa_call_reply (call, "issuer"), issuer);
            msgpack_pack_int64 (wfa_call_reply (call, "updated_at"), atoll (updated));
            wfa_log ("I", "identity provider of %s set by %s: %s", pemda, manager.as, issuer);
        }
    }
    else
    if (updated)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    if (reply)
        freeReplyObject (reply);
}

void
idp_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    credentials_manager_t manager;
    const char *pemda = credentials_manager (call, redis, true, &manager);
    if (!pemda)
        return;
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, pemda, "idp");
    redisReply *reply = wfa_redis_command (redis, "HMGET %s issuer audience nip_claim jwks jwks_uri updated_at updated_by",
                                           record);
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 7 || reply->element [0]->type != REDIS_REPLY_STRING)
        wfa_call_error (call, WFA_E_NOT_FOUND, "pemda", "idp", -1);
    else {
        static const char *names [] = { "issuer", "audience", "nip_claim", "jwks", "jwks_uri", "updated_at", "updated_by" };
        wfa_mp_pack_str (wfa_call_reply (call, "pemda"), pemda);
        for (int field_nbr = 0; field_nbr < 7; field_nbr++) {
            const redisReply *value = reply->element [field_nbr];
            msgpack_packer *pk = wfa_call_reply (call, names [field_nbr]);
            if (field_nbr == 5)
                msgpack_pack_int64 (pk, value->type == REDIS_REPLY_STRING? atoll (value->str): 0);
            else
            if (value->type == REDIS_REPLY_STRING)
                wfa_mp_pack_strn (pk, value->str, value->len);
            else
                wfa_mp_pack_str (pk, "");
        }
    }
    freeReplyObject (reply);
}
