/*  wfa-notifications: webhooks, the "webhook" channel of the delivery
    queue (deliver.c).

    An endpoint of pemda P is the hash wfa:{P}:hook:ID (url, types, owner,
    secret, created_at), listed in the sorted set wfa:{P}:hooks by the time
    it was added. Every event of P whose type an endpoint takes (its types:
    exact names or "prefix.*"; none = every type) is queued for it: group
    "hook:ID", delivery id "hook:ID:EVENTID", payload "EVENTID\nBODY", the
    body {"type", "timestamp", "data"} as JSON. The sender POSTs it signed
    the Standard Webhooks way: webhook-id (the event id, the same on
    retries and replays), webhook-timestamp (this attempt) and
    webhook-signature "v1,base64(HMAC-SHA256(secret, id.timestamp.body))".

    WEBHOOK.ADD / LIST / REMOVE / REPLAY / RESUME are for the operator,
    an admin pemda of the pemda (credentials.manage), or an integrator
    account of it, which sees and manages only the endpoints it added. */
#include "notifications.h"
#include "hooks.h"
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define S_TYPES_MAX   32        //  Types one endpoint names, at most
#define S_URL_MAX     2048      //  Longest endpoint URL
#define S_ANSWER_MAX  (64 * 1024)   //  Answer body read, at most (then cut off)

// ---------------------------------------------------------------------
//  Pure parts: type filter, URL check, signature

bool
hooks_type_matches (const char *types, const char *type)
{
    if (!types || !*types)
        return true;
    size_t type_len = strlen (type);
    const char *cursor = types;
    while (*cursor) {
        while (*cursor == ' ')
            cursor++;
        size_t len = strcspn (cursor, " ");
        if (len == 0)
            break;
        if (len >= 2 && cursor [len - 1] == '*' && cursor [len - 2] == '.') {
            //  "prefix.*": any type that starts with "prefix."
            if (type_len > len - 1 && memcmp (cursor, type, len - 1) == 0)
                return true;
        }
        else
        if (len == type_len && memcmp (cursor, type, len) == 0)
            return true;
        cursor += len;
    }
    return false;
}

bool
hooks_url_valid (const char *url, bool allow_http_loopback)
{
    if (!url || strlen (url) > S_URL_MAX)
        return false;
    for (const char *byte = url; *byte; byte++)
        if ((unsigned char) *byte <= ' ' || (unsigned char) *byte >= 0x7f)
            return false;
    const char *host;
    if (strncmp (url, "https://", 8) == 0)
        host = url + 8;
    else
    if (allow_http_loopback && strncmp (url, "http://", 7) == 0) {
        host = url + 7;
        //  Only the loopback host, with or without a port
        const char *names [] = { "127.0.0.1", "localhost" };
        for (int name_nbr = 0; name_nbr < 2; name_nbr++) {
            size_t len = strlen (names [name_nbr]);
            if (strncmp (host, names [name_nbr], len) == 0
            &&  (host [len] == 0 || host [len] == ':' || host [len] == '/'))
                return true;
        }
        return false;
    }
    else
        return false;
    //  A host is there, with no user info
    size_t host_len = strcspn (host, "/?#");
    return host_len > 0 && memchr (host, '@', host_len) == NULL && host [0] != ':';
}

int
hooks_sign (const char *secret, const char *id, const char *timestamp, const char *body,
            size_t body_size, char *signature, size_t size)
{
    if (strncmp (secret, "whsec_", 6) != 0)
        return -1;
    const char *encoded = secret + 6;
    size_t encoded_len = strlen (encoded);
    if (encoded_len == 0 || encoded_len % 4 || encoded_len > 256)
        return -1;
    unsigned char key [256];
    int key_len = EVP_DecodeBlock (key, (const unsigned char *) encoded, (int) encoded_len);
    if (key_len < 0)
        return -1;
    //  EVP_DecodeBlock counts the padding's zero bytes: take them off
    for (size_t pad = encoded_len; pad > 0 && encoded [pad - 1] == '='; pad--)
        key_len--;
    size_t message_size = strlen (id) + strlen (timestamp) + body_size + 2;
    unsigned char *message = (unsigned char *) malloc (message_size);
    if (!message)
        return -1;
    int prefix_len = snprintf ((char *) message, message_size, "%s.%s.", id, timestamp);
    memcpy (message + prefix_len, body, body_size);
    unsigned char mac [EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    bool done = HMAC (EVP_sha256 (), key, key_len, message, message_size, mac, &mac_len) != NULL;
    free (message);
    if (!done || size < 4 + 4 * ((mac_len + 2) / 3))
        return -1;
    memcpy (signature, "v1,", 3);
    EVP_EncodeBlock ((unsigned char *) signature + 3, mac, (int) mac_len);
    return 0;
}

//  A new secret: "whsec_" + base64 of 24 random bytes. 0 or -1.
static int
s_new_secret (char *secret, size_t size)
{
    unsigned char bytes [24];
    if (size < 6 + 33 || RAND_bytes (bytes, sizeof bytes) != 1)
        return -1;
    memcpy (secret, "whsec_", 6);
    EVP_EncodeBlock ((unsigned char *) secret + 6, bytes, sizeof bytes);
    return 0;
}

// ---------------------------------------------------------------------
//  The sender

typedef struct {
    size_t size;
} s_answer_t;

//  The answer's body is read and dropped; past S_ANSWER_MAX the transfer stops.
static size_t
s_discard (char *data, size_t size, size_t count, void *arg)
{
    (void) data;
    s_answer_t *answer = (s_answer_t *) arg;
    answer->size += size * count;
    return answer->size > S_ANSWER_MAX? 0: size * count;
}

static nt_outcome_t
s_send (const nt_delivery_t *delivery, wfa_redis_t *redis, int *status, char *error,
        size_t error_size)
{
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, delivery->pemda, "hook:%s", delivery->target);
    redisReply *hook = wfa_redis_command (redis, "HMGET %s url secret", record);
    if (!hook || hook->type != REDIS_REPLY_ARRAY || hook->elements != 2) {
        snprintf (error, error_size, "redis: %s", hook && hook->type == REDIS_REPLY_ERROR? hook->str: "no reply");
        if (hook)
            freeReplyObject (hook);
        return NT_RETRY;
    }
    if (hook->element [0]->type != REDIS_REPLY_STRING || hook->element [1]->type != REDIS_REPLY_STRING) {
        snprintf (error, error_size, "endpoint removed");
        freeReplyObject (hook);
        return NT_DEAD;
    }
    //  The payload: the webhook id, a newline, the body
    const char *newline = memchr (delivery->payload, '\n', delivery->payload_size);
    if (!newline) {
        snprintf (error, error_size, "bad payload");
        freeReplyObject (hook);
        return NT_DEAD;
    }
    char id [NT_DELIVERY_ID_MAX + 1];
    snprintf (id, sizeof id, "%.*s", (int) (newline - delivery->payload), delivery->payload);
    const char *body = newline + 1;
    size_t body_size = delivery->payload_size - (size_t) (body - delivery->payload);
    char timestamp [24], signature [128];
    snprintf (timestamp, sizeof timestamp, "%" PRId64, (int64_t) time (NULL));
    if (hooks_sign (hook->element [1]->str, id, timestamp, body, body_size, signature,
                    sizeof signature)) {
        snprintf (error, error_size, "cannot sign");
        freeReplyObject (hook);
        return NT_DEAD;
    }
    CURL *curl = curl_easy_init ();
    if (!curl) {
        snprintf (error, error_size, "curl_easy_init failed");
        freeReplyObject (hook);
        return NT_RETRY;
    }
    char header [3][NT_DELIVERY_ID_MAX + 64];
    snprintf (header [0], sizeof header [0], "webhook-id: %s", id);
    snprintf (header [1], sizeof header [1], "webhook-timestamp: %s", timestamp);
    snprintf (header [2], sizeof header [2], "webhook-signature: %s", signature);
    struct curl_slist *headers = curl_slist_append (NULL, "content-type: application/json");
    for (int header_nbr = 0; header_nbr < 3; header_nbr++)
        headers = curl_slist_append (headers, header [header_nbr]);
    headers = curl_slist_append (headers, "Expect:");
    s_answer_t answer = { 0 };
    curl_easy_setopt (curl, CURLOPT_URL, hook->element [0]->str);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) wfa_config_int (WFA_CFG_DELIVER_TIMEOUT_MS));
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) body_size);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &answer);
    CURLcode rc = curl_easy_perform (curl);
    long code = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    freeReplyObject (hook);
    *status = (int) code;
    //  An answer cut off for its size still said its status
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && code > 0)) {
        snprintf (error, error_size, "%s", curl_easy_strerror (rc));
        return NT_RETRY;
    }
    if (code >= 200 && code < 300)
        return NT_SENT;
    snprintf (error, error_size, "HTTP %ld", code);
    return NT_RETRY;
}

void
hooks_register (void)
{
    static const nt_channel_t channel = { "webhook", s_send, 0, "webhook.paused" };
    nt_channel_t own = channel;
    own.pause_after = (int) wfa_config_int (WFA_CFG_DELIVER_PAUSE_AFTER);
    if (nt_deliver_channel (&own))
        wfa_log ("E", "notifications: cannot register the webhook channel");
}

// ---------------------------------------------------------------------
//  Events become deliveries

//  The body of an event's webhook: {"type", "timestamp", "data"}; the
//  timestamp is the outbox entry's (its id's milliseconds). Caller frees.
static char *
s_body (const wfa_event_t *event)
{
    int64_t ms = atoll (event->id);
    time_t seconds = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    char timestamp [40];
    size_t len = strftime (timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (timestamp + len, sizeof timestamp - len, ".%03dZ", (int) (ms % 1000));
    json_t *body = json_object ();
    json_object_set_new (body, "type", json_string (event->type));
    json_object_set_new (body, "timestamp", json_string (timestamp));
    json_t *data = event->data? wfa_json_of (event->data): NULL;
    json_object_set_new (body, "data", data? data: json_object ());
    char *text = json_dumps (body, JSON_COMPACT);
    json_decref (body);
    return text;
}

int
hooks_on_event (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char index [WFA_KEY_MAX];
    redisReply *ids = wfa_redis_command (redis, "ZRANGE %s 0 -1",
                                         wfa_store_key (index, sizeof index, event->pemda, "hooks"));
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        if (ids)
            freeReplyObject (ids);
        return -1;
    }
    int rc = 0;
    char *body = NULL;
    for (size_t id_nbr = 0; rc == 0 && id_nbr < ids->elements; id_nbr++) {
        const char *hook_id = ids->element [id_nbr]->str;
        char record [WFA_KEY_MAX];
        redisReply *types = wfa_redis_command (redis, "HGET %s types",
                                               wfa_store_key (record, sizeof record, event->pemda,
                                                              "hook:%s", hook_id));
        if (!types || (types->type != REDIS_REPLY_STRING && types->type != REDIS_REPLY_NIL))
            rc = -1;
        else
        if (types->type == REDIS_REPLY_STRING && hooks_type_matches (types->str, event->type)) {
            if (!body)
                body = s_body (event);
            char group [96], delivery_id [NT_DELIVERY_ID_MAX + 1];
            snprintf (group, sizeof group, "hook:%s", hook_id);
            snprintf (delivery_id, sizeof delivery_id, "hook:%s:%s", hook_id, event->id);
            size_t payload_size = strlen (event->id) + 1 + (body? strlen (body): 0);
            char *payload = (char *) malloc (payload_size + 1);
            snprintf (payload, payload_size + 1, "%s\n%s", event->id, body? body: "");
            if (nt_deliver_enqueue (redis, event->pemda, delivery_id, "webhook", hook_id, group,
                                    payload, payload_size, false) < 0)
                rc = -1;
            free (payload);
        }
        if (types)
            freeReplyObject (types);
    }
    free (body);
    freeReplyObject (ids);
    return rc;
}

// ---------------------------------------------------------------------
//  The commands

//  Who manages the webhooks of the call's pemda: the operator, an admin
//  pemda of it, or an integrator account of it (owner then names it, and
//  it reaches only its own endpoints). Writes the pemda and the owner;
//  returns 0, or -1 with the error on call.
static int
s_manager (wfa_call_t *call, wfa_redis_t *redis, char *pemda, char *owner, bool *integrator)
{
    const wfa_principal_t *principal = wfa_call_principal (call);
    const char *named = wfa_call_pemda (call, "pemda", false);
    *integrator = false;
    if (wfa_call_failed (call))
        return -1;
    if (principal->kind == WFA_PRINCIPAL_INTEGRATOR) {
        //  Its own pemda only
        if (named && *named && !streq (named, principal->pemda)) {
            wfa_call_error (call, WFA_E_FORBIDDEN, "pemda", named, -1);
            return -1;
        }
        snprintf (pemda, 16, "%s", principal->pemda);
        snprintf (owner, 128, "integrator:%s:%s", principal->pemda, principal->name);
        *integrator = true;
        return 0;
    }
    if (!named || !*named) {
        wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", NULL, -1);
        return -1;
    }
    if (principal->kind == WFA_PRINCIPAL_OPERATOR) {
        snprintf (pemda, 16, "%s", named);
        snprintf (owner, 128, "operator");
        return 0;
    }
    wfa_actor_t actor;
    if (wfa_authz_actor (call, redis, &actor))
        return -1;
    wfa_target_t target = { named, NULL, NULL, NULL, false };
    if (wfa_authz_check (call, &actor, WFA_ACT_CREDENTIALS, &target))
        return -1;
    snprintf (pemda, 16, "%s", named);
    snprintf (owner, 128, "%s", actor.nip);
    return 0;
}

//  The endpoint the call's webhook_id names, within the caller's reach:
//  its record's fields url types owner, or NULL with NOT_FOUND on call.
static redisReply *
s_endpoint (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *owner,
            bool integrator, const char *hook_id)
{
    char record [WFA_KEY_MAX];
    redisReply *hook = wfa_redis_command (redis, "HMGET %s url types owner",
                                          wfa_store_key (record, sizeof record, pemda, "hook:%s", hook_id));
    if (wfa_call_redis_down (call, hook))
        return NULL;
    if (hook->type != REDIS_REPLY_ARRAY || hook->elements != 3
    ||  hook->element [2]->type != REDIS_REPLY_STRING
    ||  (integrator && !streq (hook->element [2]->str, owner))) {
        wfa_call_error (call, WFA_E_NOT_FOUND, "webhook_id", hook_id, -1);
        freeReplyObject (hook);
        return NULL;
    }
    return hook;
}

void
hooks_add (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16], owner [128];
    bool integrator;
    if (s_manager (call, redis, pemda, owner, &integrator))
        return;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *url = wfa_call_str (call, "url", S_URL_MAX, true);
    zlist_t *types = wfa_call_strs (call, "types", S_TYPES_MAX, 64, false);
    if (wfa_call_failed (call)) {
        return;
    }
    if (!hooks_url_valid (url, wfa_config_int (WFA_CFG_WEBHOOK_ALLOW_HTTP_LOOPBACK) != 0)) {
        wfa_call_error (call, WFA_E_BAD_VALUE, "url", "url: https://HOST/...", -1);
        return;
    }
    char filter [S_TYPES_MAX * 66] = "";
    for (const char *type = types? (const char *) zlist_first (types): NULL; type;
         type = (const char *) zlist_next (types)) {
        size_t len = strlen (type);
        bool ok = len > 0;
        for (size_t byte = 0; byte < len; byte++)
            if (!(islower ((unsigned char) type [byte]) || isdigit ((unsigned char) type [byte])
               || type [byte] == '.' || type [byte] == '_'
               || (type [byte] == '*' && byte == len - 1 && byte > 0 && type [byte - 1] == '.')))
                ok = false;
        if (!ok) {
            wfa_call_error (call, WFA_E_BAD_VALUE, "types", type, -1);
            return;
        }
        snprintf (filter + strlen (filter), sizeof filter - strlen (filter), "%s%s",
                  *filter? " ": "", type);
    }
    unsigned char id_bytes [8];
    char hook_id [20], secret [64], now [24], prefix [WFA_PREFIX_MAX];
    if (RAND_bytes (id_bytes, sizeof id_bytes) != 1 || s_new_secret (secret, sizeof secret)) {
        wfa_call_error (call, WFA_E_INTERNAL, NULL, "random", -1);
        return;
    }
    for (int byte = 0; byte < 8; byte++)
        snprintf (hook_id + 2 * byte, 3, "%02x", id_bytes [byte]);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    char idem [WFA_KEY_MAX], ttl [24];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (idem, sizeof idem, pemda, "idem:hook:%s:%s", owner, key) };
    const char *args [] = { "id", hook_id, "url", url, "types", filter, "owner", owner,
                            "secret", secret, "now", now, "fp", wfa_call_fingerprint (call),
                            "ttl", ttl };
    redisReply *reply = wfa_store_step (redis, &wfa_script_hook_add, 2, keys, 8, args, NULL);
    const char *stored = wfa_store_step_result (call, reply, "key");
    if (stored) {
        //  A retry answers the endpoint it made, without its secret
        bool fresh = streq (reply->element [0]->str, "ok");
        wfa_mp_pack_str (wfa_call_reply (call, "webhook_id"), stored);
        wfa_mp_pack_str (wfa_call_reply (call, "secret"), fresh? secret: "");
        if (fresh)
            wfa_log ("I", "webhook %s of %s added by %s", hook_id, pemda, owner);
    }
    OPENSSL_cleanse (secret, sizeof secret);
    if (reply)
        freeReplyObject (reply);
}

//  The group record of an endpoint: paused, failures in a row, dead.
static void
s_pack_state (msgpack_packer *pk, wfa_redis_t *redis, const char *pemda, const char *hook_id)
{
    char group [WFA_KEY_MAX];
    redisReply *state = wfa_redis_command (redis, "HMGET %s paused in_a_row dead",
                                           wfa_store_key (group, sizeof group, pemda,
                                                          "dlvgrp:hook:%s", hook_id));
    const char *fields [3] = { "", "0", "0" };
    if (state && state->type == REDIS_REPLY_ARRAY && state->elements == 3)
        for (int field = 0; field < 3; field++)
            if (state->element [field]->type == REDIS_REPLY_STRING)
                fields [field] = state->element [field]->str;
    wfa_mp_pack_kv_str (pk, "state", *fields [0]? "paused": "active");
    wfa_mp_pack_kv_int (pk, "failures", atoll (fields [1]));
    wfa_mp_pack_kv_int (pk, "dead", atoll (fields [2]));
    if (state)
        freeReplyObject (state);
}

void
hooks_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16], owner [128];
    bool integrator;
    if (s_manager (call, redis, pemda, owner, &integrator))
        return;
    int64_t limit = wfa_call_int (call, "limit", 1, 500, 100);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    if (wfa_call_failed (call))
        return;
    redisReply *page = wfa_store_page (call, redis, pemda, "hooks", cursor, limit, false);
    if (!page)
        return;
    const redisReply *ids = page->element [1];
    //  An integrator's page holds its own endpoints only
    zlist_t *rows = zlist_new ();
    for (size_t id_nbr = 0; id_nbr < ids->elements && !wfa_call_failed (call); id_nbr++) {
        char record [WFA_KEY_MAX];
        redisReply *hook = wfa_redis_command (redis, "HMGET %s url types owner",
                                              wfa_store_key (record, sizeof record, pemda, "hook:%s",
                                                             ids->element [id_nbr]->str));
        if (wfa_call_redis_down (call, hook))
            break;
        if (hook->type == REDIS_REPLY_ARRAY && hook->elements == 3
        &&  hook->element [2]->type == REDIS_REPLY_STRING
        &&  (!integrator || streq (hook->element [2]->str, owner)))
            zlist_append (rows, (void *) ids->element [id_nbr]->str), zlist_append (rows, hook);
        else
            freeReplyObject (hook);
    }
    if (!wfa_call_failed (call)) {
        msgpack_packer *pk = wfa_call_reply (call, "webhooks");
        msgpack_pack_array (pk, zlist_size (rows) / 2);
        for (const char *hook_id = (const char *) zlist_first (rows); hook_id;
             hook_id = (const char *) zlist_next (rows)) {
            redisReply *hook = (redisReply *) zlist_next (rows);
            msgpack_pack_map (pk, 7);
            wfa_mp_pack_kv_str (pk, "webhook_id", hook_id);
            wfa_mp_pack_kv_str (pk, "url", hook->element [0]->str? hook->element [0]->str: "");
            msgpack_pack_str_with_body (pk, "types", 5);
            const char *types = hook->element [1]->str? hook->element [1]->str: "";
            int count = 0;
            for (const char *cursor_t = types; *cursor_t; ) {
                while (*cursor_t == ' ')
                    cursor_t++;
                size_t len = strcspn (cursor_t, " ");
                if (len)
                    count++;
                cursor_t += len;
            }
            msgpack_pack_array (pk, count);
            for (const char *cursor_t = types; *cursor_t; ) {
                while (*cursor_t == ' ')
                    cursor_t++;
                size_t len = strcspn (cursor_t, " ");
                if (len)
                    msgpack_pack_str_with_body (pk, cursor_t, len);
                cursor_t += len;
            }
            wfa_mp_pack_kv_str (pk, "owner", hook->element [2]->str);
            s_pack_state (pk, redis, pemda, hook_id);
        }
        wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), page->element [2]->str);
    }
    for (void *item = zlist_first (rows); item; item = zlist_next (rows)) {
        redisReply *hook = (redisReply *) zlist_next (rows);
        freeReplyObject (hook);
    }
    zlist_destroy (&rows);
    freeReplyObject (page);
}

void
hooks_remove (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16], owner [128], prefix [WFA_PREFIX_MAX], idem [WFA_KEY_MAX], ttl [24];
    bool integrator;
    if (s_manager (call, redis, pemda, owner, &integrator))
        return;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *hook_id = wfa_call_str (call, "webhook_id", 32, true);
    if (wfa_call_failed (call))
        return;
    //  Ownership is checked in the step, after the idempotency record: a
    //  retry answers the first removal, not NOT_FOUND
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (idem, sizeof idem, pemda, "idem:hook_remove:%s:%s", owner, key) };
    const char *args [] = { "id", hook_id, "owner", integrator? owner: "",
                            "fp", wfa_call_fingerprint (call), "ttl", ttl };
    redisReply *reply = wfa_store_step (redis, &wfa_script_hook_remove, 2, keys, 4, args, NULL);
    const char *removed = wfa_store_step_result (call, reply, "webhook_id");
    if (removed)
        wfa_mp_pack_str (wfa_call_reply (call, "webhook_id"), removed);
    if (reply)
        freeReplyObject (reply);
}

void
hooks_resume (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16], owner [128], group [96];
    bool integrator;
    if (s_manager (call, redis, pemda, owner, &integrator))
        return;
    const char *hook_id = wfa_call_str (call, "webhook_id", 32, true);
    if (wfa_call_failed (call))
        return;
    redisReply *hook = s_endpoint (call, redis, pemda, owner, integrator, hook_id);
    if (!hook)
        return;
    freeReplyObject (hook);
    snprintf (group, sizeof group, "hook:%s", hook_id);
    int queued = nt_deliver_resume (redis, pemda, group);
    if (queued < 0) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return;
    }
    wfa_mp_pack_str (wfa_call_reply (call, "webhook_id"), hook_id);
    msgpack_pack_int64 (wfa_call_reply (call, "queued"), queued);
}

//  WEBHOOK.REPLAY: the delivery of the named event (event_id) or the dead
//  letters dead between from and to (ms; both absent: all of them) are
//  queued anew, the same webhook-id (hook_replay.lua, once per key).
void
hooks_replay (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16], owner [128], group [96], prefix [WFA_PREFIX_MAX], idem [WFA_KEY_MAX];
    char ttl [24], now [24], from_text [24], to_text [24];
    bool integrator;
    if (s_manager (call, redis, pemda, owner, &integrator))
        return;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *hook_id = wfa_call_str (call, "webhook_id", 32, true);
    const char *event_id = wfa_call_str (call, "event_id", 40, false);
    int64_t from = wfa_call_int (call, "from", 0, INT64_MAX, 0);
    int64_t to = wfa_call_int (call, "to", 0, INT64_MAX, INT64_MAX);
    if (wfa_call_failed (call))
        return;
    redisReply *hook = s_endpoint (call, redis, pemda, owner, integrator, hook_id);
    if (!hook)
        return;
    freeReplyObject (hook);
    snprintf (group, sizeof group, "hook:%s", hook_id);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (from_text, sizeof from_text, "%" PRId64, from);
    snprintf (to_text, sizeof to_text, "%" PRId64, to);
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (idem, sizeof idem, pemda, "idem:hook_replay:%s:%s", owner, key) };
    const char *args [] = { "group", group, "event", event_id? event_id: "", "from", from_text,
                            "to", to_text, "now", now, "fp", wfa_call_fingerprint (call), "ttl", ttl };
    redisReply *reply = wfa_store_step (redis, &wfa_script_hook_replay, 2, keys, 7, args, NULL);
    const char *queued = wfa_store_step_result (call, reply, "webhook_id");
    if (queued) {
        wfa_mp_pack_str (wfa_call_reply (call, "webhook_id"), hook_id);
        msgpack_pack_int64 (wfa_call_reply (call, "queued"), atoll (queued));
    }
    if (reply)
        freeReplyObject (reply);
}

void
hooks_test (bool verbose)
{
    if (verbose)
        printf (" * hooks: ");
    assert (hooks_type_matches ("", "request.approved"));
    assert (hooks_type_matches ("request.approved", "request.approved"));
    assert (!hooks_type_matches ("request.approved", "request.rejected"));
    assert (hooks_type_matches ("monev.flagged request.*", "request.rejected"));
    assert (!hooks_type_matches ("request.*", "requests.x"));
    assert (!hooks_type_matches ("request.*", "request."));
    assert (!hooks_type_matches ("request.approve", "request.approved"));
    assert (hooks_url_valid ("https://example.org/hook", false));
    assert (!hooks_url_valid ("http://example.org/hook", true));
    assert (!hooks_url_valid ("http://127.0.0.1:8080/x", false));
    assert (hooks_url_valid ("http://127.0.0.1:8080/x", true));
    assert (hooks_url_valid ("http://localhost/x", true));
    assert (!hooks_url_valid ("http://localhost.evil.org/x", true));
    assert (!hooks_url_valid ("https://user@host/x", false));
    assert (!hooks_url_valid ("https:///x", false));
    assert (!hooks_url_valid ("https://a b/", false));
    assert (!hooks_url_valid ("ftp://host/", false));
    //  The example of the Standard Webhooks specification
    char signature [128];
    assert (hooks_sign ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                        "1614265330", "{\"test\": 2432232314}", 20, signature, sizeof signature) == 0);
    assert (streq (signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    assert (hooks_sign ("nope", "a", "1", "", 0, signature, sizeof signature) == -1);
    char secret [64];
    assert (s_new_secret (secret, sizeof secret) == 0 && strlen (secret) == 6 + 32);
    if (verbose)
        printf ("OK\n");
}
