/*  prefs.c - which notices a person is emailed: PREFS.GET and
    PREFS.SET, by the person themself (the call's principal, as
    INBOX.LIST), and the check email.c makes before it mails a notice.

    prefs:NIP holds the types turned off; a type not in it is on, so a new
    notice kind is emailed to everyone until they turn it off. The inbox
    is not affected: every notice stays in it. */
#include "prefs.h"

//  Every kind of notice a person can be emailed; critical: cannot be muted.
static const struct {
    const char *kind;
    bool critical;
} s_kinds [] = {
    { "approval.pending", false },
    { "approval.reminder", false },
    { "approval.escalated", false },
    { "approval.no_approver", false },
    { "request.progress", false },      //  The employee's own request moving on
    { "request.cancelled", false },     //  To the approvers who held it
    { "request.approved", true },
    { "request.rejected", true },
    { "request.returned", true },
    { "request.revoked", true },
    { "request.expired", true },
    { "report.submitted", false },
    { "report.accepted", false },
    { "report.returned", false },
    { "report.reminder", false },
    { "monev.flagged", false },
    { "monev.suspended", true },        //  A monev.flagged with suspended_until
    { "monev.lifted", false },
    { "monev.unilateral", false },
    { "digest", false },                //  The daily digest (digest.c)
    { NULL, false }
};

//  Index of kind in s_kinds, or -1.
static int
s_kind_index (const char *kind, size_t len)
{
    for (int kind_nbr = 0; s_kinds [kind_nbr].kind; kind_nbr++)
        if (strlen (s_kinds [kind_nbr].kind) == len && memcmp (s_kinds [kind_nbr].kind, kind, len) == 0)
            return kind_nbr;
    return -1;
}

const char *
prefs_kind (const wfa_event_t *event, const char *kind)
{
    if (kind)
        return kind;
    if (streq (event->type, "monev.flagged")) {
        const msgpack_object *until = wfa_mp_get (event->data, "suspended_until");
        if (until && until->type == MSGPACK_OBJECT_STR && until->via.str.size > 0)
            return "monev.suspended";
    }
    return event->type;
}

bool
prefs_critical (const char *kind)
{
    int index = s_kind_index (kind, strlen (kind));
    return index >= 0 && s_kinds [index].critical;
}

int
prefs_wanted (const wfa_event_t *event, const char *told_as, wfa_redis_t *redis, const char *nip)
{
    const char *kind = prefs_kind (event, told_as);
    if (prefs_critical (kind))
        return 1;               //  Sent even if an old record says off
    char key [WFA_KEY_MAX];
    wfa_store_key (key, sizeof key, event->pemda, "prefs:%s", nip);
    redisReply *reply = wfa_redis_command (redis, "HMGET %s %s", key, kind);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 1) {
        if (reply)
            freeReplyObject (reply);
        return -1;
    }
    int wanted = reply->element [0]->str && streq (reply->element [0]->str, "off")? 0: 1;
    freeReplyObject (reply);
    return wanted;
}

//  Reply "email": every kind with on or off, as stored for nip.
static void
s_reply_prefs (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *nip)
{
    char key [WFA_KEY_MAX];
    wfa_store_key (key, sizeof key, pemda, "prefs:%s", nip);
    redisReply *stored = wfa_redis_command (redis, "HGETALL %s", key);
    if (wfa_call_redis_down (call, stored))
        return;
    size_t count = 0;
    while (s_kinds [count].kind)
        count++;
    msgpack_packer *pk = wfa_call_reply (call, "email");
    msgpack_pack_map (pk, count);
    for (size_t kind_nbr = 0; kind_nbr < count; kind_nbr++) {
        bool off = false;
        for (size_t item_nbr = 0; stored->type == REDIS_REPLY_ARRAY && item_nbr + 1 < stored->elements;
             item_nbr += 2)
            if (streq (stored->element [item_nbr]->str, s_kinds [kind_nbr].kind))
                off = streq (stored->element [item_nbr + 1]->str, "off");
        //  A critical kind is on whatever an old record says
        if (s_kinds [kind_nbr].critical)
            off = false;
        wfa_mp_pack_kv_str (pk, s_kinds [kind_nbr].kind, off? "off": "on");
    }
    freeReplyObject (stored);
}

// ---------------------------------------------------------------------
//  PREFS.GET

void
prefs_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_actor (call);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda))
        return;
    s_reply_prefs (call, redis, pemda, nip);
}

// ---------------------------------------------------------------------
//  PREFS.SET

void
prefs_set (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_writer (call);
    const msgpack_object *email = wfa_mp_get (wfa_call_body (call), "email");
    if (!email)
        wfa_call_error (call, WFA_E_MISSING_FIELD, "email", NULL, -1);
    else
    if (email->type != MSGPACK_OBJECT_MAP)
        wfa_call_error (call, WFA_E_WRONG_TYPE, "email", NULL, -1);
    if (wfa_call_failed (call))
        return;
    //  Every entry checked, every problem told; the kinds as two lists
    zchunk_t *lists [2] = { zchunk_new (NULL, 256), zchunk_new (NULL, 256) };
    for (uint32_t entry_nbr = 0; entry_nbr < email->via.map.size; entry_nbr++) {
        const msgpack_object *name = &email->via.map.ptr [entry_nbr].key;
        const msgpack_object *value = &email->via.map.ptr [entry_nbr].val;
        char field [96];
        int index = name->type == MSGPACK_OBJECT_STR? s_kind_index (name->via.str.ptr, name->via.str.size): -1;
        snprintf (field, sizeof field, "email.%s", index >= 0? s_kinds [index].kind: "?");
        if (index < 0) {
            char detail [96];
            snprintf (detail, sizeof detail, "email: %.*s",
                      name->type == MSGPACK_OBJECT_STR && name->via.str.size < 64? (int) name->via.str.size: 1,
                      name->type == MSGPACK_OBJECT_STR && name->via.str.size < 64? name->via.str.ptr: "?");
            wfa_call_error (call, WFA_E_BAD_VALUE, "email", detail, -1);
            continue;
        }
        bool on = value->type == MSGPACK_OBJECT_STR && value->via.str.size == 2
               && memcmp (value->via.str.ptr, "on", 2) == 0;
        bool off = value->type == MSGPACK_OBJECT_STR && value->via.str.size == 3
                && memcmp (value->via.str.ptr, "off", 3) == 0;
        if (!on && !off)
            wfa_call_error (call, WFA_E_BAD_VALUE, field, NULL, -1);
        else
        if (off && s_kinds [index].critical)
            wfa_call_error (call, WFA_E_CRITICAL_NOTICE, field, NULL, -1);
        else {
            zchunk_t *list = lists [on? 1: 0];
            zchunk_extend (list, " ", 1);
            zchunk_extend (list, s_kinds [index].kind, strlen (s_kinds [index].kind));
        }
    }
    zchunk_extend (lists [0], "", 1);
    zchunk_extend (lists [1], "", 1);
    char pemda [16];
    if (!wfa_call_failed (call) && !wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda)) {
        char prefix [WFA_PREFIX_MAX], ttl [24], keys_text [2][WFA_KEY_MAX];
        snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
        const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
            wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idem:prefs:%s:%s", nip, key),
            wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "prefs:%s", nip) };
        const char *args [] = { "off", (char *) zchunk_data (lists [0]),
                                "on", (char *) zchunk_data (lists [1]),
                                "ttl", ttl, "fp", wfa_call_fingerprint (call) };
        redisReply *reply = wfa_store_step (redis, &wfa_script_prefs_set, 3, keys,
                                            sizeof args / sizeof *args / 2, args, NULL);
        if (wfa_store_step_result (call, reply, "email"))
            s_reply_prefs (call, redis, pemda, nip);
        if (reply)
            freeReplyObject (reply);
    }
    zchunk_destroy (&lists [0]);
    zchunk_destroy (&lists [1]);
}

void
prefs_test (bool verbose)
{
    (void) verbose;
    assert (prefs_critical ("request.approved") && prefs_critical ("monev.suspended"));
    assert (!prefs_critical ("approval.pending") && !prefs_critical ("monev.flagged"));
    assert (!prefs_critical ("no.such"));
    assert (s_kind_index ("approval.pending", 16) == 0);
    assert (s_kind_index ("approval.pendin", 15) == -1);
}
