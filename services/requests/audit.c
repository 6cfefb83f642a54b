/*  wfa-requests: the audit trail. AUDIT.REQUEST (one request's entries)
    and AUDIT.VERIFY (the pemda's chain, seals and anchors); the sealer
    that housekeeping runs every second. */
#include "requests.h"

// ---------------------------------------------------------------------
//  AUDIT.REQUEST and AUDIT.VERIFY

//  Answer a request's audit entries, from their places (seqs) in the
//  pemda's audit log.
static void
s_pack_entries (wfa_call_t *call, wfa_redis_t *redis, const requests_one_t *request, const redisReply *seqs)
{
    const char *request_id = request->id;
    char audit [WFA_KEY_MAX];
    wfa_store_key (audit, sizeof audit, request->pemda, "audit");
    size_t count = seqs->elements;
    //  Entries by position: seq n is the n-th entry of an untouched log
    redisReply **entries = (redisReply **) calloc (count, sizeof (redisReply *));
    size_t found = 0;
    for (size_t seq_nbr = 0; seq_nbr < count && !wfa_call_failed (call); seq_nbr++) {
        long long seq = seqs->element [seq_nbr]->str? atoll (seqs->element [seq_nbr]->str): 0;
        redisReply *entry = wfa_redis_command (redis, "LINDEX %s %lld", audit, seq - 1);
        if (wfa_call_redis_down (call, entry))
            break;
        if (entry->type == REDIS_REPLY_STRING && memmem (entry->str, entry->len, request_id, strlen (request_id)))
            entries [found++] = entry;
        else
            freeReplyObject (entry);
    }
    if (!wfa_call_failed (call)) {
        msgpack_packer *pk = wfa_call_reply (call, "entries");
        msgpack_pack_array (pk, found);
        for (size_t entry_nbr = 0; entry_nbr < found; entry_nbr++)
            wfa_store_pack_audit (pk, entries [entry_nbr]->str, entries [entry_nbr]->len);
        msgpack_pack_uint64 (wfa_call_reply (call, "count"), found);
    }
    for (size_t entry_nbr = 0; entry_nbr < found; entry_nbr++)
        freeReplyObject (entries [entry_nbr]);
    free (entries);
}

void
audit_request (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    requests_one_t request;
    redisReply *seqs = requests_read (call, redis, "LRANGE %s:audit 0 999", &request);
    if (seqs) {
        s_pack_entries (call, redis, &request, seqs);
        freeReplyObject (seqs);
    }
}

//  The audit sealer of this instance (wfa_audit.h), started on first use.
wfa_audit_t *
audit_sealer (requests_t *self)
{
    if (!self->audit)
        self->audit = wfa_audit_new (wfa_config_get (WFA_CFG_KEYS),
                                     wfa_config_get (WFA_CFG_AUDIT_ANCHORS),
                                     wfa_config_int (WFA_CFG_AUDIT_ANCHOR_MS));
    return self->audit;
}

void
audit_verify (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    const char *pemda = settings_pemda_read (call, redis, WFA_ACT_AUDIT_VERIFY);
    if (!pemda)
        return;
    wfa_audit_report_t report;
    int rc = wfa_audit_verify (audit_sealer ((requests_t *) state), redis, pemda, &report);
    if (rc == -1)
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
    if (rc == -2)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    if (rc)
        return;
    if (report.valid)
        msgpack_pack_true (wfa_call_reply (call, "valid"));
    else
        msgpack_pack_false (wfa_call_reply (call, "valid"));
    msgpack_pack_int64 (wfa_call_reply (call, "checked"), report.checked);
    msgpack_pack_int64 (wfa_call_reply (call, "sealed"), report.sealed);
    msgpack_pack_int64 (wfa_call_reply (call, "unsealed"), report.unsealed);
    msgpack_pack_int64 (wfa_call_reply (call, "anchored"), report.anchored);
    msgpack_pack_int64 (wfa_call_reply (call, "anchored_at"), report.anchored_at);
    if (report.valid) {
        wfa_mp_pack_str (wfa_call_reply (call, "head"), report.head);
        wfa_mp_pack_str (wfa_call_reply (call, "seal"), report.seal);
    }
    else {
        msgpack_pack_int64 (wfa_call_reply (call, "broken_at"), report.broken_at);
        wfa_mp_pack_str (wfa_call_reply (call, "problem"), report.problem);
    }
}

