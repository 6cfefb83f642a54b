/*  wfa_hours.c - weekly hours, breaks and shifts (Perpres 21/2023 art. 4). */
#include "wfa.h"

//  True if the unit works on day.
bool
wfa_hours_working_day (int working_days, int day)
{
    int weekday = wfa_date_weekday (day);           //  0 Sunday .. 6 Saturday
    if (weekday == 0)
        return working_days >= 7;
    if (weekday == 6)
        return working_days >= 6;
    return true;
}

//  Break minutes of a day.
int
wfa_hours_break (const wfa_rules_t *rules, int day, bool ramadan)
{
    bool friday = wfa_date_weekday (day) == 5;
    if (ramadan)
        return friday? rules->ramadan_friday_break_minutes: rules->ramadan_break_minutes;
    return friday? rules->friday_break_minutes: rules->break_minutes;
}

//  Minutes a shift spans.
int
wfa_hours_span (int start, int end)
{
    if (start < 0 || start >= 1440 || end < 0 || end >= 1440 || start == end)
        return -1;
    return end > start? end - start: 1440 - start + end;
}

//  Minutes worked in a shift.
int
wfa_hours_worked (int start, int end, int break_minutes)
{
    int span = wfa_hours_span (start, end);
    if (span < 0)
        return -1;
    return span > break_minutes? span - break_minutes: 0;
}

//  True if a shift crossing midnight runs into the next day's shift.
bool
wfa_hours_overlap (int start, int end, int next_start)
{
    return end < start && next_start >= 0 && next_start < end;
}

//  Hours worked and required in a week.
void
wfa_hours_week (const wfa_rules_t *rules, int monday, const wfa_hours_day_t *days,
                double *worked, double *required)
{
    double worked_hours = 0, required_hours = 0;
    for (int day_nbr = 0; day_nbr < 7; day_nbr++) {
        int day = monday + day_nbr;
        if (!wfa_hours_working_day (rules->working_days, day))
            continue;
        double share = (days [day_nbr].ramadan? rules->ramadan_weekly_hours: rules->weekly_hours)
                     / rules->working_days;
        required_hours += share;
        if (days [day_nbr].start >= 0) {
            int minutes = wfa_hours_worked (days [day_nbr].start, days [day_nbr].end,
                                            wfa_hours_break (rules, day, days [day_nbr].ramadan));
            worked_hours += minutes > 0? minutes / 60.0: 0;
        }
        else
            worked_hours += share;
    }
    //  To the minute, so shares of a 6- or 7-day week add up exactly
    *worked = lround (worked_hours * 60) / 60.0;
    *required = lround (required_hours * 60) / 60.0;
}

//  ---------------------------------------------------------------------
//  Selftest

//  A week with the same shift on Monday to Thursday and another on Friday.
static double
s_test_week (const wfa_rules_t *rules, int monday, bool ramadan, int start, int end,
             int friday_start, int friday_end, double *required)
{
    wfa_hours_day_t days [7];
    for (int day_nbr = 0; day_nbr < 7; day_nbr++)
        days [day_nbr] = (wfa_hours_day_t) { ramadan, day_nbr < 4? start: day_nbr == 4? friday_start: -1,
                                             day_nbr < 4? end: day_nbr == 4? friday_end: -1 };
    double worked = 0;
    wfa_hours_week (rules, monday, days, &worked, required);
    return worked;
}

void
wfa_hours_test (bool verbose)
{
    wfa_policy_t *policy = wfa_policy_default ("35.08");
    wfa_rules_t rules = wfa_policy_rules (policy, NULL);
    wfa_policy_destroy (&policy);
    int monday = wfa_date_from_ymd (2027, 1, 4);
    assert (wfa_date_weekday (monday) == 1);
    //  Spans, midnight, breaks
    assert (wfa_hours_span (8 * 60, 15 * 60) == 7 * 60);
    assert (wfa_hours_span (22 * 60, 6 * 60) == 8 * 60);
    assert (wfa_hours_span (600, 600) == -1 && wfa_hours_span (-1, 600) == -1);
    assert (wfa_hours_span (0, 1440) == -1);
    assert (wfa_hours_worked (22 * 60, 6 * 60, 60) == 7 * 60);
    assert (wfa_hours_worked (9 * 60, 9 * 60 + 30, 60) == 0);
    assert (wfa_hours_overlap (22 * 60, 6 * 60, 5 * 60));
    assert (!wfa_hours_overlap (22 * 60, 6 * 60, 6 * 60));
    assert (!wfa_hours_overlap (7 * 60, 15 * 60, 5 * 60));
    assert (wfa_hours_break (&rules, monday, false) == 60);
    assert (wfa_hours_break (&rules, monday + 4, false) == 90);
    assert (wfa_hours_break (&rules, monday, true) == 30);
    assert (wfa_hours_break (&rules, monday + 4, true) == 60);
    //  Working days of 5-, 6- and 7-day units
    assert (wfa_hours_working_day (5, monday + 4) && !wfa_hours_working_day (5, monday + 5));
    assert (wfa_hours_working_day (6, monday + 5) && !wfa_hours_working_day (6, monday + 6));
    assert (wfa_hours_working_day (7, monday + 6));
    //  The ordinary week: 07:30-16:00, Friday 07:30-16:30, breaks 60/90: 37.5 h
    double required = 0;
    double worked = s_test_week (&rules, monday, false, 450, 960, 450, 990, &required);
    assert (worked == 37.5 && required == 37.5);
    //  The Ramadan week: 08:00-15:00, Friday 08:00-15:30, breaks 30/60: 32.5 h;
    //  the same week outside Ramadan loses the longer breaks: 30 h
    worked = s_test_week (&rules, monday, true, 480, 900, 480, 930, &required);
    assert (worked == 32.5 && required == 32.5);
    worked = s_test_week (&rules, monday, false, 480, 900, 480, 930, &required);
    assert (worked == 30 && required == 37.5);
    //  6 h a day in Ramadan: 30 h < 32.5 h
    worked = s_test_week (&rules, monday, true, 480, 870, 480, 900, &required);
    assert (worked == 30 && required == 32.5);
    //  A week where Ramadan begins on Thursday: 3 x 7.5 + 2 x 6.5
    wfa_hours_day_t days [7];
    for (int day_nbr = 0; day_nbr < 7; day_nbr++)
        days [day_nbr] = (wfa_hours_day_t) { day_nbr >= 3, -1, -1 };
    wfa_hours_week (&rules, monday, days, &worked, &required);
    assert (required == 35.5 && worked == 35.5);
    //  A night shift 22:00-06:00 on Monday: 7 h, the other days ordinary
    days [0] = (wfa_hours_day_t) { false, 22 * 60, 6 * 60 };
    for (int day_nbr = 1; day_nbr < 7; day_nbr++)
        days [day_nbr] = (wfa_hours_day_t) { false, -1, -1 };
    wfa_hours_week (&rules, monday, days, &worked, &required);
    assert (worked == 37 && required == 37.5);
    //  A 6-day unit: 37.5 h over six days, 6.25 h each; a Saturday shift counts
    rules.working_days = 6;
    days [0] = (wfa_hours_day_t) { false, -1, -1 };
    days [5] = (wfa_hours_day_t) { false, 7 * 60, 14 * 60 + 15 };
    wfa_hours_week (&rules, monday, days, &worked, &required);
    assert (required == 37.5 && worked == 37.5);
    days [5] = (wfa_hours_day_t) { false, 7 * 60, 13 * 60 };
    wfa_hours_week (&rules, monday, days, &worked, &required);
    assert (worked == 36.25);
    //  A 7-day week of ordinary shares (37.5 / 7 h) adds up to the weekly hours
    rules.working_days = 7;
    for (int day_nbr = 0; day_nbr < 7; day_nbr++)
        days [day_nbr] = (wfa_hours_day_t) { false, -1, -1 };
    wfa_hours_week (&rules, monday, days, &worked, &required);
    assert (worked == 37.5 && required == 37.5);
    if (verbose)
        printf ("wfa_hours: ok\n");
}
