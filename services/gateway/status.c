/*  status.c - the HTTP status of every reply code: the one table, printed
    into docs/protocol.md ("HTTP") and compared with it by
    tests/system/test_gateway.py; and the small header parsers. */
#include "gateway.h"

typedef struct {
    const char *code;           //  Wire name of a reply code
    int status;                 //  Its HTTP status
} s_status_t;

//  400 a malformed call or one field refused; 401 no proven credential; 403
//  not allowed; 404 nothing of that name (in the caller's reach); 409 the
//  state does not allow it now; 413 over a size limit; 422 judged and
//  refused by the rules; 429 over the rate limit; 503 try again later.
static const s_status_t s_statuses [] = {
    { "OK", 200 },
    { "BAD_FRAME", 400 }, { "BAD_MSGPACK", 400 }, { "BAD_VERSION", 400 },
    { "BAD_JSON", 400 }, { "BAD_FIELD", 400 }, { "BAD_ID", 400 },
    { "MISSING_FIELD", 400 }, { "WRONG_TYPE", 400 }, { "BAD_VALUE", 400 },
    { "BAD_NIP", 400 }, { "BAD_PEMDA", 400 }, { "BAD_DATE", 400 }, { "BAD_KIND", 400 },
    { "DUPLICATE_DATE", 400 }, { "BAD_CURSOR", 400 },
    { "UNAUTHENTICATED", 401 },
    { "FORBIDDEN", 403 }, { "NOT_YOUR_DECISION", 403 },
    { "NOT_FOUND", 404 }, { "UNKNOWN_COMMAND", 404 }, { "UNKNOWN_EMPLOYEE", 404 },
    { "UNKNOWN_PEMDA", 404 }, { "UNKNOWN_OPD", 404 }, { "UNKNOWN_LANG", 400 },
    { "BAD_STATE", 409 }, { "NOT_PENDING", 409 }, { "IDEMPOTENCY_MISMATCH", 409 },
    { "ALREADY_RECORDED", 409 }, { "BUSY", 409 },
    { "TOO_LARGE", 413 },
    { "DATE_NOT_FUTURE", 422 }, { "NOT_WORKING_DAY", 422 }, { "NO_APPROVER", 422 },
    { "IMPORT_INVALID", 422 }, { "OVERLAP", 422 }, { "WEEKLY_CAP", 422 },
    { "KIND_NOT_ALLOWED", 422 }, { "NOTICE_TOO_SHORT", 422 }, { "TOO_MANY_DAYS", 422 },
    { "BLACKOUT", 422 }, { "SANCTIONED", 422 }, { "SERVICE_TOO_SHORT", 422 },
    { "PREDIKAT_TOO_LOW", 422 }, { "POSITION_NOT_ELIGIBLE", 422 }, { "POLICY_INVALID", 422 },
    { "CAPACITY_FULL", 422 }, { "UNIT_CAPACITY_FULL", 422 }, { "TOO_FEW_PRESENT", 422 },
    { "HOURS_SHORT", 422 }, { "NOT_FLEXIBLE_DAY", 422 }, { "SUSPENDED", 422 },
    { "POSITION_CHANGED", 422 }, { "SERVICE_START_MISSING", 422 },
    { "POSITION_ELIGIBILITY_MISSING", 422 }, { "ASSESSMENT_MISSING", 422 },
    { "EMPLOYEE_INACTIVE", 422 }, { "CURSOR_EXPIRED", 422 }, { "CRITICAL_NOTICE", 422 },
    { "RATE_LIMITED", 429 },
    { "INTERNAL", 500 },
    { "SERVICE_UNAVAILABLE", 503 }, { "REDIS_UNAVAILABLE", 503 }, { "TIMEOUT", 503 },
    { "STORAGE_FULL", 503 },
    { NULL, 0 }
};

int
gw_status (const char *code)
{
    for (const s_status_t *row = s_statuses; row->code; row++)
        if (streq (row->code, code))
            return row->status;
    //  A code newer than this table: by its family, else a rule's refusal
    if (strncmp (code, "BAD_", 4) == 0)
        return 400;
    if (strncmp (code, "UNKNOWN_", 8) == 0)
        return 404;
    return 422;
}

void
gw_status_print (FILE *stream)
{
    for (const s_status_t *row = s_statuses; row->code; row++)
        if (row->status != 200)
            fprintf (stream, "%s %d\n", row->code, row->status);
}

const char *
gw_lang (const char *accept_language)
{
    //  The first language named decides: "en", "en-US", "EN;q=0.8" are English
    if (!accept_language)
        return "id";
    while (*accept_language == ' ')
        accept_language++;
    if (strncasecmp (accept_language, "en", 2) == 0
    &&  (accept_language [2] == 0 || strchr ("-_;, ", accept_language [2])))
        return "en";
    return "id";
}

bool
gw_request_id_valid (const char *text)
{
    size_t len = text? strlen (text): 0;
    if (len == 0 || len > 64)
        return false;
    for (size_t char_nbr = 0; char_nbr < len; char_nbr++) {
        char ch = text [char_nbr];
        if (!(isalnum ((unsigned char) ch) || ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    //  Ids that look like the gateway's own are its alone
    return strncmp (text, GW_ID_PREFIX, strlen (GW_ID_PREFIX)) != 0;
}

void
gw_call_id (char *buffer, size_t size, const char *request_id, uint64_t sequence)
{
    //  The request id first (as much as fits), so the services' log lines
    //  still correlate; the suffix after the last '.' is the gateway's own
    //  number, unique per process, so no two calls share an id
    char suffix [24];
    snprintf (suffix, sizeof suffix, ".%" PRIx64, sequence);
    size_t room = GW_CALL_ID_MAX - strlen (suffix);
    snprintf (buffer, size, "%.*s%s", (int) room, request_id, suffix);
}

//  A fake service for the selftest: answers each call it is sent with the
//  call's own id and "seq" = the order it was received in.
static void
s_answer (zsock_t *server, zmsg_t *msg, const char *id, int seq)
{
    zframe_t *identity = zmsg_pop (msg);
    zmsg_destroy (&msg);
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 3);
    wfa_mp_pack_kv_str (&pk, "id", id);
    wfa_mp_pack_kv_str (&pk, "status", "ok");
    wfa_mp_pack_str (&pk, "seq");
    msgpack_pack_int (&pk, seq);
    zmsg_t *reply = zmsg_new ();
    zmsg_append (reply, &identity);
    zmsg_addstr (reply, "TEST.X");
    zmsg_addmem (reply, buffer.data, buffer.size);
    zmsg_send (&reply, server);
    msgpack_sbuffer_destroy (&buffer);
}

//  The id a received call carries, into buffer.
static void
s_call_id_of (zmsg_t *msg, char *buffer, size_t size)
{
    zframe_t *body = zmsg_last (msg);
    msgpack_unpacked call;
    msgpack_unpacked_init (&call);
    size_t offset = 0;
    msgpack_unpack_next (&call, (const char *) zframe_data (body), zframe_size (body), &offset);
    const msgpack_object *id = wfa_mp_get (&call.data, "id");
    assert (id && id->type == MSGPACK_OBJECT_STR);
    snprintf (buffer, size, "%.*s", (int) id->via.str.size, id->via.str.ptr);
    msgpack_unpacked_destroy (&call);
}

//  The fake service's actor: it leaves the first call unanswered until the
//  client has given up, then answers it late; when the second call comes it
//  answers the first again (a retry's duplicate) before the second.
static void
s_late_server (zsock_t *pipe, void *args)
{
    zsock_t *server = (zsock_t *) args;
    zsock_signal (pipe, 0);
    zmsg_t *first = zmsg_recv (server);
    char first_id [GW_CALL_ID_MAX + 1];
    s_call_id_of (first, first_id, sizeof first_id);
    zmsg_t *copy = zmsg_dup (first);
    zclock_sleep (150);
    s_answer (server, first, first_id, 1);
    zmsg_t *second = zmsg_recv (server);
    char second_id [GW_CALL_ID_MAX + 1];
    s_call_id_of (second, second_id, sizeof second_id);
    s_answer (server, copy, first_id, 1);
    s_answer (server, second, second_id, 2);
    zsock_wait (pipe);
}

//  A call that timed out is answered late (twice, as a retry's duplicate
//  would be); the next call with the same request id gets its own reply,
//  never the stale one.
static void
s_late_reply_test (void)
{
    zsock_t *server = zsock_new_router ("tcp://127.0.0.1:*");
    assert (server);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%s",
              strrchr (zsock_endpoint (server), ':') + 1);
    zactor_t *actor = zactor_new (s_late_server, server);
    char why [256];
    wfa_client_t *client = wfa_client_new (endpoint, NULL, 100, 1, why, sizeof why);
    assert (client);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    char call_id [GW_CALL_ID_MAX + 1];
    gw_call_id (call_id, sizeof call_id, "same", 1);
    wfa_client_begin (client);
    assert (wfa_client_call_named (client, "TEST.X", call_id, 100, 1, &reply) == -1);
    zclock_sleep (200);             //  The late reply is queued by now
    gw_call_id (call_id, sizeof call_id, "same", 2);
    assert (strncmp (call_id, "same.", 5) == 0);
    wfa_client_begin (client);
    assert (wfa_client_call_named (client, "TEST.X", call_id, 1000, 1, &reply) == 0);
    int64_t seq = 0;
    assert (wfa_mp_int (wfa_mp_get (&reply.data, "seq"), &seq) == 0 && seq == 2);
    zsock_signal (actor, 0);
    zactor_destroy (&actor);
    msgpack_unpacked_destroy (&reply);
    wfa_client_destroy (&client);
    zsock_destroy (&server);
}

void
gw_status_test (bool verbose)
{
    //  Every code this build knows has its row
    for (int code_nbr = 0; code_nbr < WFA_E_COUNT; code_nbr++) {
        const char *name = wfa_error_name ((wfa_code_t) code_nbr);
        bool found = false;
        for (const s_status_t *row = s_statuses; row->code && !found; row++)
            found = streq (row->code, name);
        if (!found)
            fprintf (stderr, "gw_status: %s has no HTTP status\n", name);
        assert (found);
    }
    assert (gw_status ("NOT_FOUND") == 404 && gw_status ("RATE_LIMITED") == 429);
    assert (gw_status ("BAD_SOMETHING_NEW") == 400 && gw_status ("UNKNOWN_THING") == 404);
    assert (streq (gw_lang ("en-US,en;q=0.9"), "en") && streq (gw_lang ("EN"), "en"));
    assert (streq (gw_lang ("id-ID"), "id") && streq (gw_lang (NULL), "id"));
    assert (streq (gw_lang ("eng"), "id") && streq (gw_lang ("fr, en"), "id"));
    assert (gw_request_id_valid ("abc-1.2_X") && !gw_request_id_valid (""));
    assert (!gw_request_id_valid ("a b") && !gw_request_id_valid ("x\xC3\xA9"));
    char long_id [66];
    memset (long_id, 'a', 65);
    long_id [65] = 0;
    assert (!gw_request_id_valid (long_id));
    long_id [64] = 0;
    assert (gw_request_id_valid (long_id));
    assert (!gw_request_id_valid ("gw-0badc0de-1") && gw_request_id_valid ("gwx"));
    char call_id [GW_CALL_ID_MAX + 1];
    gw_call_id (call_id, sizeof call_id, long_id, 0xabc);
    assert (strlen (call_id) == GW_CALL_ID_MAX && streq (call_id + GW_CALL_ID_MAX - 4, ".abc"));
    gw_call_id (call_id, sizeof call_id, "r1", 7);
    assert (streq (call_id, "r1.7"));
    s_late_reply_test ();
    if (verbose)
        gw_status_print (stdout);
}
