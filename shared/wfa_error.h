/*  wfa_error.h - stable error codes, their human messages, and every other
    user-facing text.
    One table holds every code the system can answer with, its Bahasa
    Indonesia and English sentences; replies and docs/protocol.md use it. A
    second table beside it holds the texts that are not a code's message:
    the details a message is given (what a policy value must be) and the
    notices written to an inbox, each under a stable key, in both languages. */
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
    WFA_E_BAD_FIELD,
    WFA_E_BAD_ID,
    WFA_E_IDEMPOTENCY_MISMATCH,
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
    WFA_E_BAD_CURSOR,
    WFA_E_CURSOR_EXPIRED,
    WFA_E_EMPLOYEE_INACTIVE,
    WFA_E_REDIS_UNAVAILABLE,
    WFA_E_STORAGE_FULL,
    WFA_E_SERVICE_UNAVAILABLE,
    WFA_E_INTERNAL,
    WFA_E_TIMEOUT,
    WFA_E_BAD_JSON,
    WFA_E_RATE_LIMITED,
    WFA_E_CRITICAL_NOTICE,
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

//  Keys of the text table: each names a printf template in both languages,
//  with the same conversions in the same order in both (its selftest
//  checks), so one argument list formats either.
typedef enum {
    //  Policy parser (wfa_policy.c): whole-file and line errors
    WFA_T_POLICY_FILE_TOO_LARGE,        //  %d bytes
    WFA_T_POLICY_TOO_MANY_LINES,        //  %d lines
    WFA_T_POLICY_CANNOT_OPEN,           //  %s path, %s reason
    WFA_T_POLICY_LINE_TOO_LONG,         //  %d bytes
    WFA_T_POLICY_LINE_NOT_UTF8,
    WFA_T_POLICY_OUTSIDE_SECTION,
    WFA_T_POLICY_NOT_KEY_VALUE,
    //  Sections
    WFA_T_POLICY_BAD_HEADER,
    WFA_T_POLICY_BAD_OPD_CODE,
    WFA_T_POLICY_DUPLICATE_OPD,         //  %s code, %d line
    WFA_T_POLICY_TOO_MANY_OPDS,         //  %d sections
    WFA_T_POLICY_DUPLICATE_SECTION,     //  %s name, %d line
    WFA_T_POLICY_UNKNOWN_SECTION,       //  %.*s name
    //  Keys and values
    WFA_T_POLICY_DUPLICATE_KEY,         //  %s key, %d line
    WFA_T_POLICY_BAD_VALUE,             //  %s key, %s what it must be
    WFA_T_POLICY_UNKNOWN_KEY,           //  %.*s key, %s section, %s allowed
    //  [chain]
    WFA_T_POLICY_DUPLICATE_DELEGATE,    //  %d line
    WFA_T_POLICY_BAD_DELEGATE,
    WFA_T_POLICY_BAD_STEP,
    WFA_T_POLICY_TOO_MANY_STEPS,        //  %d steps
    WFA_T_POLICY_DUPLICATE_STEP_ROLE,   //  %s role
    WFA_T_POLICY_CHAIN_EMPTY,
    WFA_T_POLICY_CHAIN_LAST_STEP,       //  %s role
    //  What a bad value must be (the %s of WFA_T_POLICY_BAD_VALUE)
    WFA_T_MUST_INT,                     //  %d..%d
    WFA_T_MUST_INT_LEGAL,               //  %d..%d, %s article
    WFA_T_MUST_DECIMAL,                 //  %d..%d
    WFA_T_MUST_YESNO,
    WFA_T_MUST_MISSING,
    WFA_T_MUST_TZ,
    WFA_T_MUST_CLOCK,
    WFA_T_MUST_GEO,
    WFA_T_MUST_PREDIKAT,
    WFA_T_MUST_LOCATION_KINDS,
    WFA_T_MUST_TIME_KINDS,
    WFA_T_MUST_EMPTY_RETIRED,           //  %s where the rule is now
    WFA_T_MUST_BLACKOUT_COUNT,          //  %d entries
    WFA_T_MUST_BLACKOUT_ORDER,          //  %zu entry
    WFA_T_MUST_BLACKOUT_DATES,          //  %zu entry
    //  The articles and moves those details cite
    WFA_T_LEGAL_WEEKLY_LOCATION_DAYS,
    WFA_T_RETIRED_RAMADAN,
    //  Details of a refusal, in the caller's language
    WFA_T_DETAIL_ANOTHER_PEMDA,
    WFA_T_DETAIL_NOT_THE_EMPLOYEES,     //  A pemda or OPD beside a NIP that is not theirs
    WFA_T_DETAIL_ON_RECORD_ELSEWHERE,
    WFA_T_DETAIL_OWN_ROLES,
    WFA_T_DETAIL_YOURSELF,
    WFA_T_DETAIL_DUPLICATE_NIP,
    WFA_T_DETAIL_NO_EMPLOYEE,           //  %s principal
    WFA_T_DETAIL_ONLY_GATEWAY,
    //  Inbox notices (notifications)
    WFA_T_NOTICE_PENDING,               //  %s request, %s name, %s nip
    WFA_T_NOTICE_REMINDER,              //  %s request, %s nip
    WFA_T_NOTICE_ESCALATED,             //  %s request, %s nip
    WFA_T_NOTICE_DECIDED,               //  %s request, %s outcome, %s by, %s number, %s ": ", %s note
    WFA_T_NOTICE_NUMBER,                //  %s approval number
    WFA_T_OUTCOME_APPROVED,
    WFA_T_OUTCOME_REJECTED,
    WFA_T_OUTCOME_RETURNED,
    WFA_T_OUTCOME_REVOKED,
    WFA_T_OUTCOME_EXPIRED,
    WFA_T_NOTICE_NO_APPROVER,           //  %s request, %s name, %s nip, %s role, %d step
    WFA_T_NOTICE_NO_APPROVER_OPD,       //  %s request, %s name, %s nip, %s role, %s opd, %d step
    //  The employee told of each step of their request, and approvers of a cancel
    WFA_T_NOTICE_RECEIVED,              //  %s request, %d step, %d steps, %s role, %s approvers
    WFA_T_NOTICE_MOVED_ON,              //  %s request, %d step, %s by, %d step, %d steps, %s role, %s approvers
    WFA_T_NOTICE_WAITS_AT,              //  %s request, %d step, %d steps, %s role, %s approvers
    WFA_T_NOTICE_OWN_NO_APPROVER,       //  %s request, %s role, %d step
    WFA_T_NOTICE_OWN_ESCALATED,         //  %s request, %d step, %s added approvers
    WFA_T_NOTICE_CANCELLED,             //  %s request, %s nip, %s by, %s ": ", %s reason
    //  Monev notices (notifications, from wfa-monev's events)
    WFA_T_NOTICE_REPORT_SUBMITTED,      //  %s date, %s nip
    WFA_T_NOTICE_REPORT_VERIFIED,       //  %s date, %s outcome, %s by, %s ": ", %s note
    WFA_T_OUTCOME_ACCEPTED,
    WFA_T_NOTICE_REPORT_REMINDER,       //  %s date
    WFA_T_NOTICE_FLAGGED,               //  %s name, %s nip, %d weeks, %s week
    WFA_T_NOTICE_SUSPENDED,             //  %s until (follows a flag)
    WFA_T_NOTICE_LIFTED,
    WFA_T_NOTICE_UNILATERAL,            //  %s name, %s nip, %s date, %s what was refused
    WFA_T_NOTICE_WEBHOOK_PAUSED,        //  %s endpoint id, %d failures, %s last error
    WFA_T_REFUSED_CHECKIN,
    WFA_T_REFUSED_REPORT,
    //  Email (notifications: services/notifications/email.c)
    WFA_T_EMAIL_SUBJECT_PENDING,        //  %s request
    WFA_T_EMAIL_SUBJECT_REMINDER,       //  %s request
    WFA_T_EMAIL_SUBJECT_ESCALATED,      //  %s request
    WFA_T_EMAIL_SUBJECT_PROGRESS,       //  %s request
    WFA_T_EMAIL_SUBJECT_CANCELLED,      //  %s request
    WFA_T_EMAIL_SUBJECT_DECIDED,        //  %s request, %s outcome
    WFA_T_EMAIL_SUBJECT_NO_APPROVER,    //  %s request
    WFA_T_EMAIL_SUBJECT_REPORT,
    WFA_T_EMAIL_SUBJECT_MONEV,
    WFA_T_EMAIL_SUBJECT_NOTICE,
    WFA_T_EMAIL_GREETING,               //  %s name
    WFA_T_EMAIL_REQUEST,                //  %s request
    WFA_T_EMAIL_FOOTER,
    //  The monev report's words (shared/wfa_report.c): headings, then figures
    WFA_T_REPORT_TITLE,
    WFA_T_REPORT_MONTH,
    WFA_T_REPORT_YEAR,
    WFA_T_REPORT_PEMDA,
    WFA_T_REPORT_LEVEL,
    WFA_T_REPORT_TZ,
    WFA_T_REPORT_ALL_OPDS,
    WFA_T_REPORT_PERIOD,
    WFA_T_REPORT_DAYS,
    WFA_T_REPORT_POLICY,
    WFA_T_REPORT_BENCHMARKS,
    WFA_T_REPORT_BENCHMARK,
    WFA_T_REPORT_MINIMUM,
    WFA_T_REPORT_VALUE,
    WFA_T_REPORT_RESULT,
    WFA_T_REPORT_MEETS,
    WFA_T_REPORT_BELOW,
    WFA_T_REPORT_NONE,
    WFA_T_REPORT_COMPLIANCE,
    WFA_T_REPORT_REPORTS,
    WFA_T_REPORT_ATTAINMENT,
    WFA_T_REPORT_FIGURES,
    WFA_T_REPORT_FIGURE,
    WFA_T_REPORT_BY_OPD,
    WFA_T_REPORT_BY_MONTH,
    WFA_T_REPORT_SUSPENDED,
    WFA_T_REPORT_UNTIL,
    WFA_T_REPORT_NOBODY,
    WFA_T_REPORT_VERIFICATION,
    WFA_T_REPORT_AUDIT_SEQ,
    WFA_T_REPORT_AUDIT_HEAD,
    WFA_T_REPORT_GENERATED_AT,
    WFA_T_REPORT_SHA256,
    WFA_T_REPORT_VERIFY_HOW,
    WFA_T_REPORT_FIG_FLEXIBLE_DAYS,
    WFA_T_REPORT_FIG_FLEXIBLE_LOCATION_DAYS,
    WFA_T_REPORT_FIG_FLEXIBLE_JUDGED_DAYS,
    WFA_T_REPORT_FIG_FLEXIBLE_WORKING_DAYS,
    WFA_T_REPORT_FIG_FLEXIBLE_CAP_USE_PCT,
    WFA_T_REPORT_FIG_FLEXIBLE_UNAPPROVED_DAYS,
    WFA_T_REPORT_FIG_CHECKINS_ON_TIME,
    WFA_T_REPORT_FIG_CHECKINS_LATE,
    WFA_T_REPORT_FIG_CHECKINS_MISSING,
    WFA_T_REPORT_FIG_CHECKINS_FLAGGED,
    WFA_T_REPORT_FIG_CHECKINS_COMPLIANCE_PCT,
    WFA_T_REPORT_FIG_REPORTS_SUBMITTED,
    WFA_T_REPORT_FIG_REPORTS_LATE,
    WFA_T_REPORT_FIG_REPORTS_ACCEPTED,
    WFA_T_REPORT_FIG_REPORTS_RETURNED,
    WFA_T_REPORT_FIG_REPORTS_SUBMISSION_PCT,
    WFA_T_REPORT_FIG_REPORTS_VERIFICATION_PCT,
    WFA_T_REPORT_FIG_ATTAINMENT_RHKS,
    WFA_T_REPORT_FIG_ATTAINMENT_WITH_TARGET,
    WFA_T_REPORT_FIG_ATTAINMENT_MET,
    WFA_T_REPORT_FIG_ATTAINMENT_PCT,
    WFA_T_REPORT_FIG_APPROVALS_APPROVED,
    WFA_T_REPORT_FIG_APPROVALS_REJECTED,
    WFA_T_REPORT_FIG_APPROVALS_REVOKED,
    WFA_T_DIGEST_SUBJECT,               //  %s date
    WFA_T_DIGEST_PENDING,               //  %d count, %s oldest request, %d its age in days
    WFA_T_DIGEST_ITEM,                  //  %s request, %s employee, %d step, %d age in days
    WFA_T_DIGEST_FLAGGED,               //  %d count
    WFA_T_DIGEST_FLAGGED_ITEM,          //  %s name, %s nip, %s suspended until
    WFA_T_DIGEST_FOOTER,
    WFA_T_COUNT
} wfa_text_t;

//  The template of text key in lang.
const char *wfa_text (wfa_text_t key, wfa_lang_t lang);

//  Format text key in lang into buf with the template's arguments. Returns buf.
char *wfa_text_format (wfa_text_t key, wfa_lang_t lang, char *buf, size_t size, ...);

//  The same, from a va_list.
char *wfa_text_vformat (wfa_text_t key, wfa_lang_t lang, char *buf, size_t size, va_list args);

//  Format text key in both languages from one argument list: into text_id
//  and text_en, each of size bytes.
void wfa_text_both (wfa_text_t key, char *text_id, char *text_en, size_t size, ...);

void wfa_error_test (bool verbose);

#endif
