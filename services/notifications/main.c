/*  wfa-notifications - tells the right people at each transition.

    Consumes approval.pending (the step's approvers are told a request
    awaits them, and the employee where it is now: received, approved at
    the step before by whom, waiting again), approval.reminder /
    approval.escalated (the approvers are told it is past its deadline; an
    escalation tells the employee too), request.approved / rejected /
    returned / revoked / expired (the employee is told what happened, with
    the approval number), request.cancelled (the approvers who held it are
    told it needs no decision), and the notices that name who to tell and
    carry the facts of their sentence (approval.no_approver for the BKD and
    admin pemda, and the employee; report.*, monev.*).
    Each becomes an in-app inbox entry whose texts come from the message
    table (wfa_error.c). The entry id is the event id and the write is
    HSETNX (shared/lua/inbox_add.lua), so a redelivered event never makes a
    second entry, nor makes a read entry unread. Telling a person is the
    inbox entry and then, when SMTP is set up and they have an address, an
    email in their language (email.c), recorded per event and person so it
    is sent once. Serves INBOX.LIST and INBOX.READ (inbox.c), PREFS.GET and
    PREFS.SET (prefs.c). */
#include "notifications.h"
#include "email.h"
#include "prefs.h"
#include "digest.h"
#include "hooks.h"
#include <curl/curl.h>

//  Tell nip about event: one inbox entry, then the email. kind: what the
//  notice is to this person when it is not the event's own type
//  (request.progress, request.cancelled; NULL: the type), which decides
//  their email preference and the subject.
static int
s_add_entry (const wfa_event_t *event, wfa_redis_t *redis, const char *nip, const char *kind,
             const char *message_id, const char *message_en)
{
    char *request_id = wfa_mp_strdup (wfa_mp_get (event->data, "request_id"));
    int64_t at = 0;
    wfa_mp_int (wfa_mp_get (event->data, "at"), &at);
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 6);
    wfa_mp_pack_kv_str (&pk, "entry_id", event->id);
    wfa_mp_pack_kv_int (&pk, "at", at);
    wfa_mp_pack_kv_str (&pk, "type", event->type);
    wfa_mp_pack_kv_str (&pk, "request_id", request_id);
    wfa_mp_pack_kv_str (&pk, "message_id", message_id);
    wfa_mp_pack_kv_str (&pk, "message_en", message_en);
    char prefix [WFA_PREFIX_MAX], inbox [WFA_KEY_MAX], order [WFA_KEY_MAX], unread [WFA_KEY_MAX];
    char at_text [24];
    const char *keys [] = { wfa_store_prefix (event->pemda, prefix, sizeof prefix),
                            wfa_store_key (inbox, sizeof inbox, event->pemda, "inbox:%s", nip),
                            wfa_store_key (order, sizeof order, event->pemda, "inboxz:%s", nip),
                            wfa_store_key (unread, sizeof unread, event->pemda, "inboxu:%s", nip) };
    snprintf (at_text, sizeof at_text, "%" PRId64, at);
    const char *args [] = { "entry_id", event->id, "entry", buffer.data, "at", at_text };
    const size_t lens [] = { strlen (event->id), buffer.size, strlen (at_text) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_inbox_add, 4, keys, 3, args, lens);
    int rc = wfa_store_step_ok (reply)? 0: -1;
    if (rc)
        wfa_log ("E", "inbox_add: %s", reply && reply->type == REDIS_REPLY_ERROR? reply->str: "no reply");
    //  Then by email (once per event and person: email.c keeps the record)
    if (rc == 0)
        rc = email_tell (event, redis, nip, kind, message_id, message_en);
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

//  Write the entry to the inbox of every valid NIP in the event's array
//  field name (none when it is absent). Returns -1 if a write failed.
static int
s_tell_each (const wfa_event_t *event, wfa_redis_t *redis, const char *name, const char *kind,
             const char *text_id, const char *text_en)
{
    const msgpack_object *people = wfa_mp_get (event->data, name);
    int rc = 0;
    for (uint32_t person_nbr = 0; people && people->type == MSGPACK_OBJECT_ARRAY
         && person_nbr < people->via.array.size; person_nbr++) {
        const msgpack_object *each = &people->via.array.ptr [person_nbr];
        char nip [32];
        if (each->type != MSGPACK_OBJECT_STR || each->via.str.size != 18)
            continue;
        snprintf (nip, sizeof nip, "%.18s", each->via.str.ptr);
        //  One person's failure (their email server down) does not keep the
        //  others waiting: each is told, and the event comes again for the
        //  one that failed (the others' entries and mails are kept once)
        if (wfa_nip_valid (nip) && s_add_entry (event, redis, nip, kind, text_id, text_en))
            rc = -1;
    }
    return rc;
}

//  The str items of the event data's array field name, joined by ", " into
//  buf ("" if absent); a long list is cut, never inside an item.
static const char *
s_joined (const wfa_event_t *event, const char *name, char *buf, size_t size)
{
    buf [0] = 0;
    const msgpack_object *items = wfa_mp_get (event->data, name);
    for (uint32_t item_nbr = 0; items && items->type == MSGPACK_OBJECT_ARRAY
         && item_nbr < items->via.array.size; item_nbr++) {
        const msgpack_object *each = &items->via.array.ptr [item_nbr];
        size_t used = strlen (buf);
        if (each->type != MSGPACK_OBJECT_STR)
            continue;
        if (used + each->via.str.size + 8 >= size) {
            snprintf (buf + used, size - used, "%s...", used? ", ": "");
            break;
        }
        snprintf (buf + used, size - used, "%s%.*s", used? ", ": "", (int) each->via.str.size,
                  each->via.str.ptr);
    }
    return buf;
}

//  An int field of the event data (0 if absent).
static int
s_int_field (const wfa_event_t *event, const char *name)
{
    int64_t value = 0;
    wfa_mp_int (wfa_mp_get (event->data, name), &value);
    return value < INT_MIN || value > INT_MAX? 0: (int) value;
}

//  The sentence of a notice that names who to tell (approval.no_approver,
//  report.*, monev.*), from its facts, in one language.
static void
s_notice_text (const wfa_event_t *event, wfa_lang_t lang, char *text, size_t size)
{
    char request_id [64], name [256], nip [32], role [32], opd [64], date [16], by [32];
    char note [512], week [16], until [16], what [16], suspended [128] = "";
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "name", name, sizeof name);
    s_field (event, "nip", nip, sizeof nip);
    s_field (event, "date", date, sizeof date);
    if (streq (event->type, "approval.no_approver")) {
        s_field (event, "role", role, sizeof role);
        s_field (event, "opd", opd, sizeof opd);
        int step = s_int_field (event, "step");
        //  A kepala OPD is named with the OPD that has none
        if (streq (role, "kepala_opd"))
            wfa_text_format (WFA_T_NOTICE_NO_APPROVER_OPD, lang, text, size, request_id, name, nip,
                             role, opd, step);
        else
            wfa_text_format (WFA_T_NOTICE_NO_APPROVER, lang, text, size, request_id, name, nip, role,
                             step);
    }
    else
    if (streq (event->type, "report.submitted"))
        wfa_text_format (WFA_T_NOTICE_REPORT_SUBMITTED, lang, text, size, date, nip);
    else
    if (streq (event->type, "report.accepted") || streq (event->type, "report.returned")) {
        s_field (event, "by", by, sizeof by);
        s_field (event, "note", note, sizeof note);
        //  A long note is cut for the inbox line, never inside a character
        note [wfa_utf8_cut (note, strlen (note), 300)] = 0;
        wfa_text_t outcome = streq (event->type, "report.accepted")? WFA_T_OUTCOME_ACCEPTED:
                                                                     WFA_T_OUTCOME_RETURNED;
        wfa_text_format (WFA_T_NOTICE_REPORT_VERIFIED, lang, text, size, date,
                         wfa_text (outcome, lang), by, *note? ": ": "", note);
    }
    else
    if (streq (event->type, "report.reminder"))
        wfa_text_format (WFA_T_NOTICE_REPORT_REMINDER, lang, text, size, date);
    else
    if (streq (event->type, "monev.flagged")) {
        s_field (event, "week", week, sizeof week);
        if (*s_field (event, "suspended_until", until, sizeof until))
            wfa_text_format (WFA_T_NOTICE_SUSPENDED, lang, suspended, sizeof suspended, until);
        wfa_text_format (WFA_T_NOTICE_FLAGGED, lang, text, size, name, nip,
                         s_int_field (event, "weeks"), week);
        snprintf (text + strlen (text), size - strlen (text), "%s", suspended);
    }
    else
    if (streq (event->type, "monev.lifted"))
        wfa_text_format (WFA_T_NOTICE_LIFTED, lang, text, size);
    else
    if (streq (event->type, "webhook.paused")) {
        char target [64], last_error [256];
        s_field (event, "target", target, sizeof target);
        s_field (event, "last_error", last_error, sizeof last_error);
        wfa_text_format (WFA_T_NOTICE_WEBHOOK_PAUSED, lang, text, size, target,
                         s_int_field (event, "failures"), last_error);
    }
    else {
        assert (streq (event->type, "monev.unilateral"));
        s_field (event, "what", what, sizeof what);
        wfa_text_format (WFA_T_NOTICE_UNILATERAL, lang, text, size, name, nip, date,
                         wfa_text (streq (what, "report")? WFA_T_REFUSED_REPORT: WFA_T_REFUSED_CHECKIN,
                                   lang));
    }
}

//  A notice that names who to tell in notify (approval.no_approver,
//  report.*, monev.*): its facts, said in both languages.
static int
s_on_notice (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char text [2][1024];
    for (int lang = WFA_LANG_ID; lang <= WFA_LANG_EN; lang++) {
        s_notice_text (event, (wfa_lang_t) lang, text [lang], sizeof text [lang]);
        text [lang][wfa_utf8_cut (text [lang], strlen (text [lang]), 500)] = 0;
    }
    return s_tell_each (event, redis, "notify", NULL, text [WFA_LANG_ID], text [WFA_LANG_EN]);
}

//  approval.pending, to the employee: where their request is now, from
//  why the step opened (opened: submitted, approved by `by`, reopened).
//  An event written before `opened` was in it tells nobody.
static int
s_tell_employee_step (const wfa_event_t *event, wfa_redis_t *redis)
{
    char nip [32], request_id [64], opened [16], by [32], role [32], approvers [400];
    char text_id [1024], text_en [1024];
    s_field (event, "nip", nip, sizeof nip);
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "by", by, sizeof by);
    s_field (event, "role", role, sizeof role);
    s_joined (event, "approvers", approvers, sizeof approvers);
    int step = s_int_field (event, "step"), steps = s_int_field (event, "steps");
    if (!*s_field (event, "opened", opened, sizeof opened) || !wfa_nip_valid (nip))
        return 0;
    if (streq (opened, "submitted"))
        wfa_text_both (WFA_T_NOTICE_RECEIVED, text_id, text_en, sizeof text_id, request_id, step, steps,
                       role, approvers);
    else
    if (streq (opened, "approved") && *by)
        wfa_text_both (WFA_T_NOTICE_MOVED_ON, text_id, text_en, sizeof text_id, request_id, step - 1, by,
                       step, steps, role, approvers);
    else
        wfa_text_both (WFA_T_NOTICE_WAITS_AT, text_id, text_en, sizeof text_id, request_id, step, steps,
                       role, approvers);
    return s_add_entry (event, redis, nip, "request.progress", text_id, text_en);
}

//  approval.pending: tell the approvers, and the employee where their
//  request is now.
static int
s_on_pending (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char approver [32], nip [32], name [256], request_id [64], text_id [512], text_en [512];
    s_field (event, "approver", approver, sizeof approver);
    s_field (event, "nip", nip, sizeof nip);
    s_field (event, "name", name, sizeof name);
    s_field (event, "request_id", request_id, sizeof request_id);
    wfa_text_both (WFA_T_NOTICE_PENDING, text_id, text_en, sizeof text_id, request_id, name, nip);
    //  Every approver of the step is told (a pool, for a bkd step)
    const msgpack_object *approvers = wfa_mp_get (event->data, "approvers");
    if (approvers && approvers->type == MSGPACK_OBJECT_ARRAY) {
        if (s_tell_each (event, redis, "approvers", NULL, text_id, text_en))
            return -1;
    }
    else
    if (!wfa_nip_valid (approver))
        wfa_log ("E", "approval.pending %s without a valid approver, not told", event->id);
    else
    if (s_add_entry (event, redis, approver, NULL, text_id, text_en))
        return -1;
    return s_tell_employee_step (event, redis);
}

//  approval.no_approver: tell the BKD and admin pemda (s_on_notice), and
//  the employee that their request waits for a role nobody holds.
static int
s_on_no_approver (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    if (s_on_notice (event, redis, state))
        return -1;
    char nip [32], request_id [64], role [32], opd [64], role_text [112], text_id [512], text_en [512];
    s_field (event, "nip", nip, sizeof nip);
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "role", role, sizeof role);
    s_field (event, "opd", opd, sizeof opd);
    if (!wfa_nip_valid (nip))
        return 0;
    //  A kepala OPD is named with the OPD that has none
    if (streq (role, "kepala_opd"))
        snprintf (role_text, sizeof role_text, "%s %s", role, opd);
    else
        snprintf (role_text, sizeof role_text, "%s", role);
    wfa_text_both (WFA_T_NOTICE_OWN_NO_APPROVER, text_id, text_en, sizeof text_id, request_id, role_text,
                   s_int_field (event, "step"));
    return s_add_entry (event, redis, nip, "request.progress", text_id, text_en);
}

//  request.cancelled: the approvers who held it (its step's, when it was
//  pending) are told it needs no decision any more. The employee, who
//  cancelled it or left, is not told.
static int
s_on_cancelled (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char request_id [64], nip [32], by [32], reason [512], text_id [1024], text_en [1024];
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "nip", nip, sizeof nip);
    s_field (event, "by", by, sizeof by);
    s_field (event, "reason", reason, sizeof reason);
    reason [wfa_utf8_cut (reason, strlen (reason), 300)] = 0;
    wfa_text_both (WFA_T_NOTICE_CANCELLED, text_id, text_en, sizeof text_id, request_id, nip, by,
                   *reason? ": ": "", reason);
    return s_tell_each (event, redis, "approvers", "request.cancelled", text_id, text_en);
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
    wfa_text_both (streq (event->type, "approval.reminder")? WFA_T_NOTICE_REMINDER: WFA_T_NOTICE_ESCALATED,
                   text_id, text_en, sizeof text_id, request_id, nip);
    if (s_tell_each (event, redis, "approvers", NULL, text_id, text_en))
        return -1;
    //  An escalation also tells the employee who now decides (a reminder
    //  is the approvers' business only)
    if (streq (event->type, "approval.reminder") || !wfa_nip_valid (nip))
        return 0;
    char added [400];
    s_joined (event, "approvers", added, sizeof added);
    wfa_text_both (WFA_T_NOTICE_OWN_ESCALATED, text_id, text_en, sizeof text_id, request_id,
                   s_int_field (event, "step"), added);
    return s_add_entry (event, redis, nip, "request.progress", text_id, text_en);
}

//  request.approved / request.rejected: tell the employee.
static int
s_on_decided (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    char nip [32], request_id [64], decided_by [32], note [512], text [2][1024];
    char number [64], number_text [2][96] = { "", "" };
    s_field (event, "nip", nip, sizeof nip);
    //  The final approval's number, for the employee to cite
    if (*s_field (event, "approval_number", number, sizeof number))
        wfa_text_both (WFA_T_NOTICE_NUMBER, number_text [0], number_text [1], sizeof number_text [0],
                       number);
    s_field (event, "request_id", request_id, sizeof request_id);
    s_field (event, "decided_by", decided_by, sizeof decided_by);
    s_field (event, "note", note, sizeof note);
    //  A long note is cut for the inbox line, never inside a character
    note [wfa_utf8_cut (note, strlen (note), 300)] = 0;
    if (!wfa_nip_valid (nip)) {
        wfa_log ("E", "%s %s without a valid nip, skipped", event->type, event->id);
        return 0;
    }
    //  What happened, from the event type
    static const struct { const char *type; wfa_text_t outcome; } outcomes [] = {
        { "request.approved", WFA_T_OUTCOME_APPROVED },
        { "request.rejected", WFA_T_OUTCOME_REJECTED },
        { "request.returned", WFA_T_OUTCOME_RETURNED },
        { "request.revoked", WFA_T_OUTCOME_REVOKED },
        { "request.expired", WFA_T_OUTCOME_EXPIRED },
    };
    int outcome = 0;
    for (int outcome_nbr = 0; outcome_nbr < 5; outcome_nbr++)
        if (streq (event->type, outcomes [outcome_nbr].type))
            outcome = outcome_nbr;
    if (!*decided_by)
        s_field (event, "by", decided_by, sizeof decided_by);
    if (!*note) {
        s_field (event, "reason", note, sizeof note);
        note [wfa_utf8_cut (note, strlen (note), 300)] = 0;
    }
    for (int lang = WFA_LANG_ID; lang <= WFA_LANG_EN; lang++)
        wfa_text_format (WFA_T_NOTICE_DECIDED, (wfa_lang_t) lang, text [lang], sizeof text [lang],
                         request_id, wfa_text (outcomes [outcome].outcome, (wfa_lang_t) lang),
                         decided_by, number_text [lang], *note? ": ": "", note);
    return s_add_entry (event, redis, nip, NULL, text [WFA_LANG_ID], text [WFA_LANG_EN]);
}

static const wfa_route_t s_routes [] = {
    { "INBOX.LIST", notifications_inbox_list,
      "limit cursor unread" },
    { "INBOX.READ", notifications_inbox_read,
      "key entry_ids all" },
    { "PREFS.GET", prefs_get, "" },
    { "PREFS.SET", prefs_set, "key email" },
    { "WEBHOOK.ADD", hooks_add, "key pemda url types" },
    { "WEBHOOK.LIST", hooks_list, "pemda limit cursor" },
    { "WEBHOOK.REMOVE", hooks_remove, "key pemda webhook_id" },
    { "WEBHOOK.REPLAY", hooks_replay, "key pemda webhook_id event_id from to" },
    { "WEBHOOK.RESUME", hooks_resume, "key pemda webhook_id" },
    { NULL, NULL, NULL }
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
    { "approval.no_approver", s_on_no_approver },
    { "request.cancelled", s_on_cancelled },
    { "report.submitted", s_on_notice },
    { "report.accepted", s_on_notice },
    { "report.returned", s_on_notice },
    { "report.reminder", s_on_notice },
    { "monev.flagged", s_on_notice },
    { "monev.lifted", s_on_notice },
    { "monev.unilateral", s_on_notice },
    { "webhook.paused", s_on_notice },
    { "*", hooks_on_event },
    { NULL, NULL }
};

//  Say at start whether the email channel is on (it reads its settings once),
//  then send the daily digests that are due (digest.c).
static void
s_housekeeping (wfa_redis_t *redis, void *state)
{
    (void) state;
    email_start ();
    digest_tick (redis);
    static bool registered;
    if (!registered) {
        registered = true;
        hooks_register ();
    }
    nt_deliver_housekeeping (redis, state);
}

//  wfa-notifications --selftest runs the selftest of its pure parts (the
//  email templates and message); anything else runs the service.
int
main (int argc, char *argv [])
{
    if (argc == 2 && streq (argv [1], "--selftest")) {
        email_test (false);
        prefs_test (false);
        nt_deliver_test (false);
        hooks_test (false);
        printf ("wfa-notifications: selftest passed\n");
        return 0;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    static const wfa_service_def_t def = { "notifications", s_routes, s_events, NULL, s_housekeeping };
    int rc = wfa_service_main (&def, argc, argv);
    digest_stop ();
    nt_deliver_stop ();
    curl_global_cleanup ();
    return rc;
}
