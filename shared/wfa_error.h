/*  wfa_error.h - stable error codes and their human messages.
    One table holds every code the system can answer with, its Bahasa
    Indonesia and English sentences; replies and docs/protocol.md use it. */
#ifndef WFA_ERROR_H_INCLUDED
#define WFA_ERROR_H_INCLUDED

typedef enum {
    WFA_OK = 0,
    WFA_E_BAD_FRAME,
    WFA_E_BAD_MSGPACK,
    WFA_E_TOO_LARGE,
    WFA_E_BAD_VERSION,
    WFA_E_UNKNOWN_COMMAND,
    WFA_E_MISSING_FIELD,
    WFA_E_WRONG_TYPE,
    WFA_E_BAD_VALUE,
    WFA_E_BAD_NIP,
    WFA_E_BAD_PEMDA,
    WFA_E_UNKNOWN_PEMDA,
    WFA_E_BAD_DATE,
    WFA_E_DATE_NOT_FUTURE,
    WFA_E_NOT_WORKING_DAY,
    WFA_E_DUPLICATE_DATE,
    WFA_E_BAD_KIND,
    WFA_E_UNKNOWN_EMPLOYEE,
    WFA_E_NO_APPROVER,
    WFA_E_NOT_FOUND,
    WFA_E_NOT_YOUR_DECISION,
    WFA_E_NOT_PENDING,
    WFA_E_IMPORT_INVALID,
    WFA_E_OVERLAP,
    WFA_E_WEEKLY_CAP,
    WFA_E_KIND_NOT_ALLOWED,
    WFA_E_NOTICE_TOO_SHORT,
    WFA_E_TOO_MANY_DAYS,
    WFA_E_BLACKOUT,
    WFA_E_SANCTIONED,
    WFA_E_SERVICE_TOO_SHORT,
    WFA_E_PREDIKAT_TOO_LOW,
    WFA_E_POSITION_NOT_ELIGIBLE,
    WFA_E_POLICY_INVALID,
    WFA_E_CAPACITY_FULL,
    WFA_E_UNIT_CAPACITY_FULL,
    WFA_E_TOO_FEW_PRESENT,
    WFA_E_BAD_STATE,
    WFA_E_UNAUTHENTICATED,
    WFA_E_FORBIDDEN,
    WFA_E_HOURS_SHORT,
    WFA_E_NOT_FLEXIBLE_DAY,
    WFA_E_ALREADY_RECORDED,
    WFA_E_SUSPENDED,
    WFA_E_POSITION_CHANGED,
    WFA_E_SERVICE_START_MISSING,
    WFA_E_POSITION_ELIGIBILITY_MISSING,
    WFA_E_BUSY,
    WFA_E_ASSESSMENT_MISSING,
    WFA_E_REDIS_UNAVAILABLE,
    WFA_E_STORAGE_FULL,
    WFA_E_SERVICE_UNAVAILABLE,
    WFA_E_INTERNAL,
    WFA_E_TIMEOUT,
    WFA_E_COUNT
} wfa_code_t;

typedef enum { WFA_LANG_ID = 0, WFA_LANG_EN = 1 } wfa_lang_t;

//  Stable machine name of a code, e.g. "NOT_FOUND".
const char *wfa_error_name (wfa_code_t code);

//  Code for a machine name, or -1 when unknown.
int wfa_error_lookup (const char *name);

//  Write the human message for code in lang into buf, with detail (may be
//  NULL or "") woven in. Returns buf.
char *wfa_error_format (wfa_code_t code, wfa_lang_t lang, const char *detail,
                        char *buf, size_t size);

//  Language from a "lang" field value; default Indonesian.
wfa_lang_t wfa_lang_parse (const char *text, size_t len);

void wfa_error_test (bool verbose);

#endif
