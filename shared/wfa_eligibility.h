/*  wfa_eligibility.h - the employee's eligibility for flexible work
    (PermenPAN-RB 4/2025 art. 25), judged purely from the personnel data.

    One judge serves both moments the rules are applied: when a request is
    submitted (wfa-requests) and again at its final approval (wfa-approvals),
    where a sanction, a suspension or a change of position recorded while
    the request waited stops it. Data a rule in force needs but that is not
    on record (the start of service, the position's eligibility flag) fails
    the rule unless the policy says `missing = allow`. */
#ifndef WFA_ELIGIBILITY_H_INCLUDED
#define WFA_ELIGIBILITY_H_INCLUDED

#define WFA_ELIGIBILITY_PROBLEMS_MAX 8      //  One per rule at most

//  What the judge reads of one employee; every field "" when not on record.
typedef struct {
    const char *nip;
    const char *sanctions;          //  FROM..TO or FROM.. ranges, ';'-separated
    const char *suspended_until;    //  YYYY-MM-DD: suspended by the monev evaluation
    const char *service_start;      //  YYYY-MM or YYYY-MM-DD
    const char *predikat;           //  latest predikat kinerja
    const char *position;           //  position on record now
    const char *position_eligible;  //  yes/no flag in either language
    const char *position_asked;     //  position when submitted; NULL at submission
} wfa_eligibility_t;

//  One rule broken: its code and the numbers or names behind it.
typedef struct {
    wfa_code_t code;
    char detail [160];
} wfa_eligibility_problem_t;

//  Judge an employee by the eligibility rules on day today, for the sorted
//  days asked for (count). Writes each rule broken into problems (room for
//  WFA_ELIGIBILITY_PROBLEMS_MAX) and returns how many.
size_t wfa_eligibility_judge (const wfa_rules_t *rules, const wfa_eligibility_t *who, int today,
                              const int *days, size_t count, wfa_eligibility_problem_t *problems);

//  Ranges (FROM..TO or FROM.., ';'-separated) against days. With every
//  false: true if a range covers any day, that range copied into buf (if
//  given). With every true: true if each day lies in some range (and there
//  is at least one day).
bool wfa_ranges_cover (const char *ranges, const int *days, size_t count, bool every,
                       char *buf, size_t size);

//  True for a yes in either language (yes, ya, true, 1).
bool wfa_flag_yes (const char *value);

void wfa_eligibility_test (bool verbose);

#endif
