/*  inbox.c - a person's own inbox: INBOX.LIST and INBOX.READ.

    The entries are those main.c writes (shared/lua/inbox_add.lua): a hash
    of msgpack maps by entry id (inbox:NIP), their order by time
    (inboxz:NIP), the unread ones (inboxu:NIP) and when each was read
    (inboxr:NIP). Both commands act on the inbox of the call's principal
    (wfa_call_actor): nobody reads or marks another person's entries. */
#include "notifications.h"

//  The keys of nip's inbox in pemda, in the order the inbox steps take them:
//  the prefix, inbox, inboxz, inboxu, inboxr.
typedef struct {
    char prefix [WFA_PREFIX_MAX], inbox [WFA_KEY_MAX], order [WFA_KEY_MAX];
    char unread [WFA_KEY_MAX], read_at [WFA_KEY_MAX];
} s_keys_t;

static void
s_keys (s_keys_t *keys, const char *pemda, const char *nip)
{
    wfa_store_prefix (pemda, keys->prefix, sizeof keys->prefix);
    wfa_store_key (keys->inbox, sizeof keys->inbox, pemda, "inbox:%s", nip);
    wfa_store_key (keys->order, sizeof keys->order, pemda, "inboxz:%s", nip);
    wfa_store_key (keys->unread, sizeof keys->unread, pemda, "inboxu:%s", nip);
    wfa_store_key (keys->read_at, sizeof keys->read_at, pemda, "inboxr:%s", nip);
}

//  INBOX.LIST: a page of the caller's entries, newest first (only the
//  unread ones with unread: true), each with read and read_at, beside
//  count (all entries) and unread_count; limit 0 answers only the counts.
void
notifications_inbox_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_actor (call);
    int64_t limit = wfa_call_int (call, "limit", 0, 1000, 100);
    bool unread = wfa_call_bool (call, "unread", false);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda))
        return;
    s_keys_t names;
    s_keys (&names, pemda, nip);
    const char *keys [] = { names.prefix, names.inbox, names.order, names.unread, names.read_at };
    char limit_text [24];
    snprintf (limit_text, sizeof limit_text, "%" PRId64, limit);
    const char *args [] = { "cursor", cursor, "limit", limit_text, "unread", unread? "1": "0" };
    redisReply *reply = wfa_store_step (redis, &wfa_script_inbox_list, 5, keys, 3, args, NULL);
    if (!wfa_store_step_reply (call, reply, "cursor")) {
        if (reply)
            freeReplyObject (reply);
        return;
    }
    //  {"ok", entries, count, unread_count, next_cursor}
    if (reply->elements != 5 || reply->element [1]->type != REDIS_REPLY_ARRAY
    ||  reply->element [2]->type != REDIS_REPLY_INTEGER || reply->element [3]->type != REDIS_REPLY_INTEGER
    ||  reply->element [4]->type != REDIS_REPLY_STRING)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    else {
        wfa_store_pack_blobs (wfa_call_reply (call, "entries"), reply->element [1]);
        msgpack_pack_int64 (wfa_call_reply (call, "count"), reply->element [2]->integer);
        msgpack_pack_int64 (wfa_call_reply (call, "unread_count"), reply->element [3]->integer);
        wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), reply->element [4]->str);
    }
    freeReplyObject (reply);
}

//  True if id has the form of an entry id (an event's stream id: MS-SEQ).
static bool
s_entry_id_valid (const char *id)
{
    size_t ms = strspn (id, "0123456789");
    size_t seq = strspn (id + ms + (id [ms] == '-'), "0123456789");
    return ms > 0 && ms <= 20 && id [ms] == '-' && seq > 0 && seq <= 20 && id [ms + 1 + seq] == 0;
}

//  INBOX.READ: mark read the caller's entries named in entry_ids (1 to
//  INBOX_READ_MAX), or with all: true every entry unread now, in one step
//  (shared/lua/inbox_read.lua). Replies marked (newly read), unknown (the
//  ids that are no entry of the caller's inbox, left alone) and
//  unread_count.
#define INBOX_READ_MAX 100
void
notifications_inbox_read (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_writer (call);
    bool all = wfa_call_bool (call, "all", false);
    const msgpack_object *given = wfa_mp_get (wfa_call_body (call), "entry_ids");
    zlist_t *ids = wfa_call_strs (call, "entry_ids", INBOX_READ_MAX, 64, false);
    if (!wfa_call_failed (call)) {
        if (all && given)
            wfa_call_error (call, WFA_E_BAD_VALUE, "entry_ids", "entry_ids or all: true, not both", -1);
        else
        if (!all && zlist_size (ids) == 0)
            wfa_call_error (call, WFA_E_MISSING_FIELD, "entry_ids", "entry_ids or all: true", -1);
        for (const char *id = (const char *) zlist_first (ids); id && !wfa_call_failed (call);
             id = (const char *) zlist_next (ids))
            if (!s_entry_id_valid (id))
                wfa_call_error (call, WFA_E_BAD_VALUE, "entry_ids", id, -1);
    }
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda))
        return;
    s_keys_t names;
    s_keys (&names, pemda, nip);
    char idem [WFA_KEY_MAX];
    const char *keys [] = { names.prefix, names.inbox, names.unread, names.read_at,
                            wfa_store_key (idem, sizeof idem, pemda, "idem:inbox_read:%s:%s", nip, key) };
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 4);
    if (all) {
        wfa_mp_pack_str (&pk, "all");
        msgpack_pack_true (&pk);
    }
    else {
        wfa_mp_pack_str (&pk, "ids");
        msgpack_pack_array (&pk, zlist_size (ids));
        for (const char *id = (const char *) zlist_first (ids); id; id = (const char *) zlist_next (ids))
            wfa_mp_pack_str (&pk, id);
    }
    wfa_mp_pack_kv_int (&pk, "now", wfa_now_ms ());
    wfa_mp_pack_kv_str (&pk, "fp", wfa_call_fingerprint (call));
    wfa_mp_pack_kv_int (&pk, "ttl", wfa_config_int (WFA_CFG_IDEM_TTL));
    redisReply *reply = wfa_store_call_step (call, redis, &wfa_script_inbox_read, 5, keys, &buffer);
    msgpack_sbuffer_destroy (&buffer);
    if (!reply)
        return;
    //  {"ok"|"dup", marked, unknown, unread_count}
    if (reply->elements != 4 || reply->element [1]->type != REDIS_REPLY_INTEGER
    ||  reply->element [2]->type != REDIS_REPLY_ARRAY || reply->element [3]->type != REDIS_REPLY_INTEGER)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    else {
        msgpack_pack_int64 (wfa_call_reply (call, "marked"), reply->element [1]->integer);
        msgpack_packer *unknown = wfa_call_reply (call, "unknown");
        msgpack_pack_array (unknown, reply->element [2]->elements);
        for (size_t id_nbr = 0; id_nbr < reply->element [2]->elements; id_nbr++)
            wfa_mp_pack_str (unknown, reply->element [2]->element [id_nbr]->str);
        msgpack_pack_int64 (wfa_call_reply (call, "unread_count"), reply->element [3]->integer);
    }
    freeReplyObject (reply);
}
