/*  wfa_hours.h - the working hours of Perpres 21/2023, judged purely.

    A week of an employee's schedule against the weekly hours: each day
    the unit works counts its scheduled shift less its break, or, without
    a schedule, its ordinary share of the week (weekly hours / days the
    unit works); a Ramadan day counts the Ramadan hours and breaks. A shift
    whose end is before its start crosses midnight and is dated by its
    start. No I/O: the request service reads the policy and the calendar
    and asks these functions. */
#ifndef WFA_HOURS_H_INCLUDED
#define WFA_HOURS_H_INCLUDED

//  One day of a week as the judge sees it.
typedef struct {
    bool ramadan;               //  The pemda calendar names it a Ramadan day
    int start, end;             //  The schedule, minutes since midnight; -1: none
} wfa_hours_day_t;

//  True if the unit works on a day, by its days a week (5 Mon-Fri, 6
//  Mon-Sat, 7 every day); days off of the calendar aside.
bool wfa_hours_working_day (int working_days, int day);

//  Break minutes of a day (day number): Friday or not, Ramadan or not.
int wfa_hours_break (const wfa_rules_t *rules, int day, bool ramadan);

//  Minutes a shift from start to end (minutes since midnight, 0..1439)
//  spans: end before start crosses midnight; -1 if start == end or either
//  is out of range.
int wfa_hours_span (int start, int end);

//  Minutes worked in a shift: its span less the break, never below 0; -1
//  if the span is not valid.
int wfa_hours_worked (int start, int end, int break_minutes);

//  True if a shift (start, end) crossing midnight runs into the next day's
//  shift starting at next_start.
bool wfa_hours_overlap (int start, int end, int next_start);

//  The week from monday (a day number; days [0] is Monday .. days [6]
//  Sunday): hours worked and hours required, to the minute.
void wfa_hours_week (const wfa_rules_t *rules, int monday, const wfa_hours_day_t *days,
                     double *worked, double *required);

void wfa_hours_test (bool verbose);

#endif
