/*  wfa_judge.h - the regulation's rules for a submission, judged purely.

    The request service reads everything a submission needs (the policy,
    the employee on record, the pemda's calendar, what was asked, today in
    the pemda's zone) into the plain structs below; the judge returns every
    rule broken as a (code, field, detail) record, and what the atomic step
    needs (the dates sorted, the weekly cap, the schedule). No Redis, no
    clock, no call: the selftest runs each rule both ways.

    The rules, in the order they are judged (PermenPAN-RB 4/2025 unless
    said otherwise; docs/rules.md says them in plain words):
        KIND          art. 12, 17   a known kind (BAD_KIND), allowed by the
                                    policy for the OPD (KIND_NOT_ALLOWED)
        TIME_KIND     art. 12, 17   a time kind (sif, dinamis) only beside a
                                    location kind, and allowed (BAD_KIND,
                                    KIND_NOT_ALLOWED)
        DATE                        a real YYYY-MM-DD (BAD_DATE)
        FUTURE                      after today in the pemda's zone
                                    (DATE_NOT_FUTURE)
        WORKING_DAY   Perpres 21/2023  a day the unit works (the policy's
                                    working_days, or the personnel data's),
                                    not a day off of the calendar
                                    (NOT_WORKING_DAY)
        BLACKOUT                    not a blackout date of the pemda, or of
                                    the OPD's own list (BLACKOUT)
        ONCE                        each date once (DUPLICATE_DATE)
        MAX_DAYS                    at most max_days_per_request dates
                                    (TOO_MANY_DAYS)
        NOTICE                      at least min_notice_working_days working
                                    days between today and the first day
                                    (NOTICE_TOO_SHORT)
        ELIGIBLE      art. 25       the employee on record: no sanction, not
                                    suspended, months of service, predikat,
                                    the position (wfa_eligibility.h)
        SCHEDULE      art. 17       time flexibility: one shift {date, start,
                                    end} for each date asked for, HH:MM
                                    (MISSING_FIELD, WRONG_TYPE, BAD_VALUE)
        NIGHT_SHIFT   Perpres 21/2023  a shift across midnight ends before
                                    the next day's shift starts (BAD_VALUE)
        WEEKLY_HOURS  Perpres 21/2023 art. 4  each ISO week touched reaches
                                    the weekly hours, Ramadan days at the
                                    Ramadan hours (HOURS_SHORT)
        WEEKLY_CAP    art. 13(1)    at most weekly_location_days location days
                                    a week, except field-based positions and
                                    days within an approved special
                                    circumstance: the judge gives the cap,
                                    the atomic step counts the week's days
                                    (parallel submissions see each other). */
#ifndef WFA_JUDGE_H_INCLUDED
#define WFA_JUDGE_H_INCLUDED

#define WFA_JUDGE_DATES_MAX 31          //  Dates in one request (the call caps them)
#define WFA_JUDGE_SHIFTS_MAX 64         //  Schedule entries judged
#define WFA_JUDGE_PROBLEMS_MAX 256      //  More than the rules above can find
#define WFA_JUDGE_SCHEDULE_SIZE (WFA_JUDGE_DATES_MAX * 40)

//  One shift of a schedule as asked; any field NULL when not given.
typedef struct {
    const char *date;               //  YYYY-MM-DD, one of the dates asked for
    const char *start, *end;        //  HH:MM; end before start crosses midnight
} wfa_judge_shift_t;

//  What a submission asks for.
typedef struct {
    const char *kind;               //  NULL: not given (the call says so)
    const char *time_kind;          //  NULL: none beside the kind
    const char **dates;             //  As given, date_count of them
    size_t date_count;
    const wfa_judge_shift_t *shifts;    //  The schedule; NULL: no schedule given
    size_t shift_count;
    bool schedule_not_list;         //  A schedule was given, but not as a list
    bool fields_failed;             //  The call's fields already have problems:
                                    //  the week's hours wait for a sound call
} wfa_judge_ask_t;

//  The employee as on record; every text "" when not on record.
typedef struct {
    bool on_record;                 //  False: no eligibility to judge
    const char *opd;
    const char *working_days;       //  The unit's days a week, "5".."7" or ""
    const char *field_based;        //  yes/no: a field-based position
    const char *special_circumstances;  //  Approved FROM..TO ranges, ';'-separated
    wfa_eligibility_t eligibility;  //  What art. 25 reads
} wfa_judge_employee_t;

//  One day off of a pemda's calendar.
typedef struct {
    int day;                        //  Day number (wfa_date)
    char kind [16];                 //  nasional | cuti_bersama | lokal
    const char *name;
} wfa_judge_day_off_t;

//  A pemda's calendar as the judge reads it; both lists sorted by day.
typedef struct {
    const wfa_judge_day_off_t *days_off;
    size_t off_count;
    const int *ramadan;             //  Ramadan days (working days, Ramadan hours)
    size_t ramadan_count;
} wfa_judge_calendar_t;

//  One rule broken.
typedef struct {
    wfa_code_t code;
    const char *field;              //  The call's field: kind, time_kind, dates, as, schedule
    char detail [512];              //  The numbers or names behind it
} wfa_judge_problem_t;

//  The judge's answer (large: the caller allocates it).
typedef struct {
    wfa_judge_problem_t problems [WFA_JUDGE_PROBLEMS_MAX];
    size_t count;                   //  Problems found; 0: the submission may go on
    const char *dates [WFA_JUDGE_DATES_MAX + 1];    //  The dates that passed, sorted
    int days [WFA_JUDGE_DATES_MAX + 1];             //  Their day numbers
    size_t day_count;
    int cap;                        //  Location days a week for the atomic step; -1 none
    char schedule [WFA_JUDGE_SCHEDULE_SIZE];        //  "DATE=HH:MM-HH:MM,..." (time kinds)
} wfa_judge_verdict_t;

//  The rules for an employee: the policy's for their OPD, with the days
//  a week their unit works when the personnel data says (5..7).
wfa_rules_t wfa_judge_rules (wfa_policy_t *policy, const wfa_judge_employee_t *employee);

//  Judge a submission by every rule above on day today (in the pemda's
//  zone), by rules (from wfa_judge_rules) and policy (for the blackout
//  dates). Fills verdict.
void wfa_judge_submission (const wfa_rules_t *rules, wfa_policy_t *policy,
                           const wfa_judge_employee_t *employee, const wfa_judge_calendar_t *calendar,
                           const wfa_judge_ask_t *ask, int today, wfa_judge_verdict_t *verdict);

void wfa_judge_test (bool verbose);

#endif
