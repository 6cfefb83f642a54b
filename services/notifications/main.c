/*  wfa-notifications - tells the right people at each transition.

    Consumes approval.pending (the approver is told a request awaits
    them), approval.no_approver (the BKD and admin pemda are told a request
    waits for a role nobody holds) and request.approved / request.rejected
    (the employee is told the decision, with the approval number) and writes in-app inbox entries. The entry id is the
    event id and the write is HSETNX (shared/lua/inbox_add.lua), so a
    redelivered event never makes a second entry. Serves INBOX.LIST. */
#include "wfa.h"

//  Write one inbox entry for nip about event.
static int
s_add_entry (const wfa_event_t *event, wfa_redis_t *redis, const char *nip,
             const char *message_id, const char *message_en)
{
    char *request_id = wfa_mp_strdup (wfa_mp_get (event->data, "request_id"));
    int64_t at = 0;
    wfa_mp_int (wfa_mp_get (event->data, "at"), &at);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    wfa_mp_pack_kv_str (&pk, "entry_id", event->id);
    wfa_mp_pack_kv_int (&pk, "at", at);
    wfa_mp_pack_kv_str (&pk, "type", event->type);
    wfa_mp_pack_kv_str (&pk, "request_id", request_id);
    wfa_mp_pack_kv_str (&pk, "message_id", message_id);
    wfa_mp_pack_kv_str (&pk, "message_en", message_en);
    char prefix [WFA_PREFIX_MAX], at_text [24];
    wfa_store_prefix (event->pemda, prefix, sizeof prefix);
    snprintf (at_text, sizeof at_text, "%" PRId64, at);
    const char *argv [] = { prefix, nip, event->id, buffer.data, at_text };
    size_t lens [] = { strlen (prefix), strlen (nip), strlen (event->id), buffer.size,
                       strlen (at_text) };
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_inbox_add, 1, 5, argv, lens);
    int rc = reply && reply->type == REDIS_REPLY_INTEGER? 0: -1;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        wfa_log ("E", "inbox_add: %s", reply->str);
    if (reply)
        freeReplyObject (reply);
    msgpack_sbuffer_destroy (&buffer);
    free (request_id);
    return rc;
}

//  Copy a str field of the event data into buf ("" if absent).
static const char *
s_field (const wfa_event_t *event, const char *name, char *buf, size_t size)
{
    const msgpack_object *value = wfa_mp_get (event->data, name);
    if (value && value->type == MSGPACK_OBJECT_STR)
        snprintf (buf, size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    else
        buf [0] = 0;
    return buf;
}

//  Monev notices (report.*, monev.*): the event names who to tell and says
//  it in both languages.
static int
s_on_notice (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char text_id [512], text_en [512];
    s_field (event, "message_id", text_id, sizeof text_id);
    s_field (event, "message_en", text_en, sizeof text_en);
    text_id [wfa_utf8_cut (text_id, strlen (text_id), 500)] = 0;
    text_en [wfa_utf8_cut (text_en, strlen (text_en), 500)] = 0;
    const msgpack_object *notify = wfa_mp_get (event->data, "notify");
    for (uint32_t person_nbr = 0; notify && notify->type == MSGPACK_OBJECT_ARRAY
         && person_nbr < notify->via.array.size; person_nbr++) {
        const msgpack_object *each = &notify->via.array.ptr [person_nbr];
        char nip [32];
        if (each->type != MSGPACK_OBJECT_STR || each->via.str.size != 18)
            continue;
        snprintf (nip, sizeof nip, "%.18s", each->via.str.ptr);
        if (wfa_nip_valid (nip) && s_add_entry (event, redis, nip, text_id, text_en))
            return -1;
    }
    return 0;
}

//  approval.pending: tell the approver.
static int
s_on_pending (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char approver [32], nip [32], name [256], request_id [64], text_id [512], text_en [512];
    s_field (event, "approver", approver, sizeof approver);
    s_field (event, "nip", nip, sizeof nip);
    s_field (event, "name", name, sizeof name);
    s_field (event, "request_id", request_id, sizeof request_id);
    snprintf (text_id, sizeof text_id, "Pengajuan %s dari %s (%s) menunggu keputusan Anda",
              request_id, name, nip);
    snprintf (text_en, sizeof text_en, "Request %s from %s (%s) awaits your decision",
              request_id, name, nip);
    //  Every approver of the step is told (a pool, for a bkd step)
    const msgpack_object *approvers = wfa_mp_get (event->data, "approvers");
    if (approvers && approvers->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t approver_nbr = 0; approver_nbr < approvers->via.array.size; approver_nbr++) {
            const msgpack_object *each = &approvers->via.array.ptr [approver_nbr];
            if (each->type != MSGPACK_OBJECT_STR || each->via.str.size != 18)
                continue;
            snprintf (approver, sizeof approver, "%.18s", each->via.str.ptr);
            if (wfa_nip_valid (approver) && s_add_entry (event, redis, approver, text_id, text_en))
                return -1;
        }
        return 0;
    }
    if (!wfa_nip_valid (approver)) {
        wfa_log ("E", "approval.pending %s without a valid approver, skipped", event->id);
        return 0;
    }
    return s_add_entry (event, redis, approver, text_id, text_en);
}

//  approval.reminder / approval.escalated: tell the step's approvers (a
//  reminder) or the ones the step was escalated to.
static int
s_on_deadline (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char request_id [64], nip [32], text_id [512], text_en [512];
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "nip", nip, sizeof nip);
    bool reminder = streq (event->type, "approval.reminder");
    snprintf (text_id, sizeof text_id, reminder?
              "Pengingat: pengajuan %s dari %s masih menunggu keputusan Anda (batas waktu terlewati)":
              "Eskalasi: pengajuan %s dari %s melewati batas waktu dan kini menunggu keputusan Anda",
              request_id, nip);
    snprintf (text_en, sizeof text_en, reminder?
              "Reminder: request %s from %s still awaits your decision (past its deadline)":
              "Escalated: request %s from %s is past its deadline and now awaits your decision",
              request_id, nip);
    const msgpack_object *approvers = wfa_mp_get (event->data, "approvers");
    for (uint32_t approver_nbr = 0; approvers && approvers->type == MSGPACK_OBJECT_ARRAY
         && approver_nbr < approvers->via.array.size; approver_nbr++) {
        const msgpack_object *each = &approvers->via.array.ptr [approver_nbr];
        char approver [32];
        if (each->type != MSGPACK_OBJECT_STR || each->via.str.size != 18)
            continue;
        snprintf (approver, sizeof approver, "%.18s", each->via.str.ptr);
        if (wfa_nip_valid (approver) && s_add_entry (event, redis, approver, text_id, text_en))
            return -1;
    }
    return 0;
}

//  request.approved / request.rejected: tell the employee.
static int
s_on_decided (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char nip [32], request_id [64], decided_by [32], note [512], text_id [1024], text_en [1024];
    char number [64], number_id [96] = "", number_en [96] = "";
    s_field (event, "nip", nip, sizeof nip);
    //  The final approval's number, for the employee to cite
    if (*s_field (event, "approval_number", number, sizeof number)) {
        snprintf (number_id, sizeof number_id, " dengan nomor persetujuan %s", number);
        snprintf (number_en, sizeof number_en, " under approval number %s", number);
    }
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "decided_by", decided_by, sizeof decided_by);
    s_field (event, "note", note, sizeof note);
    //  A long note is cut for the inbox line, never inside a character
    note [wfa_utf8_cut (note, strlen (note), 300)] = 0;
    if (!wfa_nip_valid (nip)) {
        wfa_log ("E", "%s %s without a valid nip, skipped", event->type, event->id);
        return 0;
    }
    //  What happened, in both languages, from the event type
    static const char *outcomes [][3] = {
        { "request.approved", "disetujui", "approved" },
        { "request.rejected", "ditolak", "rejected" },
        { "request.returned", "dikembalikan untuk diperbaiki", "returned for revision" },
        { "request.revoked", "dicabut", "revoked" },
        { "request.expired", "kedaluwarsa tanpa keputusan", "expired undecided" },
    };
    int outcome = 0;
    for (int outcome_nbr = 0; outcome_nbr < 5; outcome_nbr++)
        if (streq (event->type, outcomes [outcome_nbr][0]))
            outcome = outcome_nbr;
    if (!*decided_by)
        s_field (event, "by", decided_by, sizeof decided_by);
    if (!*note) {
        s_field (event, "reason", note, sizeof note);
        note [wfa_utf8_cut (note, strlen (note), 300)] = 0;
    }
    snprintf (text_id, sizeof text_id, "Pengajuan %s %s oleh %s%s%s%s", request_id,
              outcomes [outcome][1], decided_by, number_id, *note? ": ": "", note);
    snprintf (text_en, sizeof text_en, "Request %s was %s by %s%s%s%s", request_id,
              outcomes [outcome][2], decided_by, number_en, *note? ": ": "", note);
    return s_add_entry (event, redis, nip, text_id, text_en);
}

static void
s_inbox_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_actor (call);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda))
        return;
    char index_key [WFA_KEY_MAX], inbox_key [WFA_KEY_MAX];
    wfa_store_key (index_key, sizeof index_key, pemda, "inboxz:%s", nip);
    wfa_store_key (inbox_key, sizeof inbox_key, pemda, "inbox:%s", nip);
    redisReply *ids = wfa_redis_command (redis, "ZREVRANGE %s 0 %" PRId64, index_key, limit - 1);
    if (wfa_call_redis_down (call, ids))
        return;
    redisReply *total = wfa_redis_command (redis, "ZCARD %s", index_key);
    redisReply *entries = NULL;
    if (!wfa_call_redis_down (call, total) && ids->type == REDIS_REPLY_ARRAY && ids->elements > 0) {
        const char **argv = (const char **) calloc (ids->elements + 2, sizeof (char *));
        argv [0] = "HMGET";
        argv [1] = inbox_key;
        for (size_t id_nbr = 0; id_nbr < ids->elements; id_nbr++)
            argv [id_nbr + 2] = ids->element [id_nbr]->str;
        entries = wfa_redis_argv (redis, (int) ids->elements + 2, argv, NULL);
        free (argv);
        wfa_call_redis_down (call, entries);
    }
    if (!wfa_call_failed (call)) {
        size_t count = entries && entries->type == REDIS_REPLY_ARRAY? entries->elements: 0;
        msgpack_packer *pk = wfa_call_reply (call, "entries");
        msgpack_pack_array (pk, count);
        for (size_t entry_nbr = 0; entry_nbr < count; entry_nbr++) {
            const redisReply *entry = entries->element [entry_nbr];
            if (entry->type == REDIS_REPLY_STRING)
                wfa_store_pack_blob (pk, entry->str, entry->len);
            else
                msgpack_pack_nil (pk);
        }
        msgpack_pack_int64 (wfa_call_reply (call, "count"),
                            total->type == REDIS_REPLY_INTEGER? total->integer: 0);
    }
    freeReplyObject (ids);
    if (total)
        freeReplyObject (total);
    if (entries)
        freeReplyObject (entries);
}

static const wfa_route_t s_routes [] = {
    { "INBOX.LIST", s_inbox_list },
    { NULL, NULL }
};

static const wfa_event_route_t s_events [] = {
    { "approval.pending", s_on_pending },
    { "request.approved", s_on_decided },
    { "request.rejected", s_on_decided },
    { "request.returned", s_on_decided },
    { "request.revoked", s_on_decided },
    { "request.expired", s_on_decided },
    { "approval.reminder", s_on_deadline },
    { "approval.escalated", s_on_deadline },
    { "approval.no_approver", s_on_notice },
    { "report.submitted", s_on_notice },
    { "report.accepted", s_on_notice },
    { "report.returned", s_on_notice },
    { "report.reminder", s_on_notice },
    { "monev.flagged", s_on_notice },
    { "monev.lifted", s_on_notice },
    { "monev.unilateral", s_on_notice },
    { NULL, NULL }
};

int
main (int argc, char *argv [])
{
    static const wfa_service_def_t def = { "notifications", s_routes, s_events, NULL, NULL };
    return wfa_service_main (&def, argc, argv);
}
