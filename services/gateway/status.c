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
    { "EMPLOYEE_INACTIVE", 422 }, { "CURSOR_EXPIRED", 422 },
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
    return true;
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
    if (verbose)
        gw_status_print (stdout);
}
