/*  wfa_judge.c - the rules of a submission, judged purely (wfa_judge.h).

    Every rule is judged and every one broken recorded, so that a refused
    employee learns all that is wrong at once. The eligibility rules of
    art. 25 live in wfa_eligibility.c (wfa-approvals judges them again at
    the final approval); the working hours in wfa_hours.c. */
#include "wfa.h"

//  Record a rule broken (there is room for every rule the judge knows).
static void
s_problem (wfa_judge_verdict_t *verdict, wfa_code_t code, const char *field, const char *format, ...)
{
    assert (verdict->count < WFA_JUDGE_PROBLEMS_MAX);
    wfa_judge_problem_t *problem = &verdict->problems [verdict->count++];
    problem->code = code;
    problem->field = field;
    va_list args;
    va_start (args, format);
    vsnprintf (problem->detail, sizeof problem->detail, format, args);
    va_end (args);
}

//  The calendar's day off on day, or NULL.
static const wfa_judge_day_off_t *
s_day_off (const wfa_judge_calendar_t *calendar, int day)
{
    size_t low = 0, high = calendar? calendar->off_count: 0;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (calendar->days_off [middle].day == day)
            return &calendar->days_off [middle];
        if (calendar->days_off [middle].day < day)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

//  True if day is a Ramadan day of the calendar.
static bool
s_ramadan (const wfa_judge_calendar_t *calendar, int day)
{
    for (size_t day_nbr = 0; calendar && day_nbr < calendar->ramadan_count; day_nbr++)
        if (calendar->ramadan [day_nbr] == day)
            return true;
    return false;
}

//  Working days strictly between two days (Mon-Fri, not days off).
static int
s_working_days_between (int from, int to, const wfa_judge_calendar_t *calendar)
{
    int count = 0;
    for (int day = from + 1; day < to; day++)
        if (wfa_date_is_weekday (day) && !s_day_off (calendar, day))
            count++;
    return count;
}

//  Minutes since midnight of "HH:MM", or -1.
static int
s_clock (const char *text)
{
    int hours = 0, minutes = 0;
    char tail = 0;
    if (!text || strlen (text) != 5 || !isdigit ((unsigned char) text [0])
    ||  !isdigit ((unsigned char) text [1]) || text [2] != ':' || !isdigit ((unsigned char) text [3])
    ||  !isdigit ((unsigned char) text [4])
    ||  sscanf (text, "%2d:%2d%c", &hours, &minutes, &tail) != 2
    ||  hours > 23 || minutes > 59)
        return -1;
    return hours * 60 + minutes;
}

static int
s_compare_str (const void *left, const void *right)
{
    return strcmp (*(const char **) left, *(const char **) right);
}

wfa_rules_t
wfa_judge_rules (wfa_policy_t *policy, const wfa_judge_employee_t *employee)
{
    wfa_rules_t rules = wfa_policy_rules (policy, employee->opd);
    //  A unit that works other days than its OPD says so in the personnel data
    int working_days = atoi (employee->working_days? employee->working_days: "");
    if (working_days >= 5 && working_days <= 7)
        rules.working_days = working_days;
    return rules;
}

//  KIND, TIME_KIND. True if the kind is a location kind.
static bool
s_judge_kinds (const wfa_rules_t *rules, const wfa_judge_ask_t *ask, wfa_judge_verdict_t *verdict)
{
    int kind_nbr = ask->kind? wfa_kind_parse (ask->kind): -1;
    if (ask->kind && kind_nbr < 0)
        s_problem (verdict, WFA_E_BAD_KIND, "kind", "%s", "kind");
    else
    if (ask->kind && !rules->kind_allowed [kind_nbr])
        s_problem (verdict, WFA_E_KIND_NOT_ALLOWED, "kind", "%s", ask->kind);
    //  Location and time together (lokasi dan/atau waktu): a location kind
    //  with a time kind beside it
    bool location_kind = kind_nbr >= WFA_KIND_RUMAH && kind_nbr <= WFA_KIND_LOKASI_LAIN;
    if (ask->time_kind) {
        int time_nbr = wfa_kind_parse (ask->time_kind);
        if (time_nbr != WFA_KIND_SIF && time_nbr != WFA_KIND_DINAMIS)
            s_problem (verdict, WFA_E_BAD_KIND, "time_kind", "%s", ask->time_kind);
        else
        if (kind_nbr >= 0 && !location_kind)
            s_problem (verdict, WFA_E_BAD_KIND, "time_kind", "%s", ask->kind);  //  Only beside a location kind
        else
        if (!rules->kind_allowed [time_nbr])
            s_problem (verdict, WFA_E_KIND_NOT_ALLOWED, "time_kind", "%s", ask->time_kind);
    }
    return location_kind;
}

//  DATE, FUTURE, WORKING_DAY, BLACKOUT, ONCE, MAX_DAYS, NOTICE: the dates
//  that pass go sorted into the verdict.
static void
s_judge_dates (const wfa_rules_t *rules, wfa_policy_t *policy, const wfa_judge_employee_t *employee,
               const wfa_judge_calendar_t *calendar, const wfa_judge_ask_t *ask, int today,
               wfa_judge_verdict_t *verdict)
{
    for (size_t date_nbr = 0; date_nbr < ask->date_count; date_nbr++) {
        const char *date = ask->dates [date_nbr];
        const wfa_judge_day_off_t *day_off = NULL;
        int day = 0;
        if (wfa_date_parse (date, &day))
            s_problem (verdict, WFA_E_BAD_DATE, "dates", "%s", date);
        else
        if (day <= today)
            s_problem (verdict, WFA_E_DATE_NOT_FUTURE, "dates", "%s", date);
        else
        if (!wfa_hours_working_day (rules->working_days, day))
            s_problem (verdict, WFA_E_NOT_WORKING_DAY, "dates", "%s", date);
        else
        if ((day_off = s_day_off (calendar, day)))
            s_problem (verdict, WFA_E_NOT_WORKING_DAY, "dates", "%s (%s: %s)", date, day_off->kind,
                       day_off->name? day_off->name: "");
        else
        if (wfa_policy_opd_blackout (policy, employee->opd, day))
            s_problem (verdict, WFA_E_BLACKOUT, "dates", "%s", date);
        else
            verdict->dates [verdict->day_count++] = date;
    }
    qsort (verdict->dates, verdict->day_count, sizeof (char *), s_compare_str);
    for (size_t date_nbr = 0; date_nbr < verdict->day_count; date_nbr++) {
        wfa_date_parse (verdict->dates [date_nbr], &verdict->days [date_nbr]);
        if (date_nbr > 0 && streq (verdict->dates [date_nbr], verdict->dates [date_nbr - 1]))
            s_problem (verdict, WFA_E_DUPLICATE_DATE, "dates", "%s", verdict->dates [date_nbr]);
    }
    if (ask->date_count > (size_t) rules->max_days_per_request)
        s_problem (verdict, WFA_E_TOO_MANY_DAYS, "dates", "%zu > %d", ask->date_count,
                   rules->max_days_per_request);
    if (verdict->day_count > 0 && rules->min_notice_working_days > 0) {
        int notice = s_working_days_between (today, verdict->days [0], calendar);
        if (notice < rules->min_notice_working_days)
            s_problem (verdict, WFA_E_NOTICE_TOO_SHORT, "dates", "%s: %d < %d", verdict->dates [0],
                       notice, rules->min_notice_working_days);
    }
}

//  ELIGIBLE (art. 25): sanctions in force today or on a day asked for,
//  suspension, months of service, predikat, position.
static void
s_judge_employee (const wfa_rules_t *rules, const wfa_judge_employee_t *employee, int today,
                  wfa_judge_verdict_t *verdict)
{
    if (!employee->on_record)
        return;
    wfa_eligibility_problem_t problems [WFA_ELIGIBILITY_PROBLEMS_MAX];
    size_t count = wfa_eligibility_judge (rules, &employee->eligibility, today, verdict->days,
                                          verdict->day_count, problems);
    for (size_t problem_nbr = 0; problem_nbr < count; problem_nbr++)
        s_problem (verdict, problems [problem_nbr].code, "as", "%s", problems [problem_nbr].detail);
}

//  SCHEDULE, NIGHT_SHIFT, WEEKLY_HOURS: time flexibility (sif, dinamis)
//  keeps each ISO week touched at the pemda's weekly hours (wfa_hours_week:
//  breaks subtracted, Ramadan days at the Ramadan hours, the days the unit
//  works), the week's other days counting as ordinary days.
static void
s_judge_schedule (const wfa_rules_t *rules, const wfa_judge_calendar_t *calendar,
                  const wfa_judge_ask_t *ask, wfa_judge_verdict_t *verdict)
{
    const char **sorted = verdict->dates;
    const int *days = verdict->days;
    size_t count = verdict->day_count;
    char *text = verdict->schedule;
    if (!ask->shifts || ask->schedule_not_list) {
        s_problem (verdict, ask->schedule_not_list? WFA_E_WRONG_TYPE: WFA_E_MISSING_FIELD, "schedule", "%s",
                   "schedule");
        return;
    }
    int starts [WFA_JUDGE_DATES_MAX + 1], ends [WFA_JUDGE_DATES_MAX + 1];
    bool given [WFA_JUDGE_DATES_MAX + 1] = { false };
    for (size_t shift_nbr = 0; shift_nbr < ask->shift_count && shift_nbr < WFA_JUDGE_SHIFTS_MAX; shift_nbr++) {
        const wfa_judge_shift_t *shift = &ask->shifts [shift_nbr];
        int from = s_clock (shift->start), to = s_clock (shift->end);
        size_t date_nbr = 0;
        while (shift->date && date_nbr < count && !streq (sorted [date_nbr], shift->date))
            date_nbr++;
        if (!shift->date || date_nbr == count || given [date_nbr])
            s_problem (verdict, WFA_E_BAD_VALUE, "schedule", "%s", shift->date? shift->date: "date");
        else
        if (wfa_hours_span (from, to) < 0)
            s_problem (verdict, WFA_E_BAD_VALUE, "schedule", "%s", shift->date);
        else {
            starts [date_nbr] = from;
            ends [date_nbr] = to;
            given [date_nbr] = true;
            char item [40];
            snprintf (item, sizeof item, "%s%s=%02d:%02d-%02d:%02d", *text? ",": "", shift->date,
                      from / 60, from % 60, to / 60, to % 60);
            if (strlen (text) + strlen (item) < WFA_JUDGE_SCHEDULE_SIZE)
                strcat (text, item);
        }
    }
    for (size_t date_nbr = 0; date_nbr < count; date_nbr++)
        if (!given [date_nbr])
            s_problem (verdict, WFA_E_MISSING_FIELD, "schedule", "%s", sorted [date_nbr]);
    if (verdict->count > 0 || ask->fields_failed)
        return;
    //  A shift into the next morning must end before the next day's starts
    for (size_t date_nbr = 0; date_nbr + 1 < count; date_nbr++)
        if (days [date_nbr + 1] == days [date_nbr] + 1
        &&  wfa_hours_overlap (starts [date_nbr], ends [date_nbr], starts [date_nbr + 1]))
            s_problem (verdict, WFA_E_BAD_VALUE, "schedule", "%s: overlaps %s", sorted [date_nbr],
                       sorted [date_nbr + 1]);
    //  Each ISO week touched: scheduled days as scheduled, the others ordinary
    for (size_t date_nbr = 0; date_nbr < count; date_nbr++) {
        int monday = days [date_nbr] - (wfa_date_weekday (days [date_nbr]) + 6) % 7;
        if (date_nbr > 0 && monday == days [date_nbr - 1] - (wfa_date_weekday (days [date_nbr - 1]) + 6) % 7)
            continue;               //  Week already judged
        wfa_hours_day_t week [7];
        for (int day_nbr = 0; day_nbr < 7; day_nbr++) {
            week [day_nbr] = (wfa_hours_day_t) { s_ramadan (calendar, monday + day_nbr), -1, -1 };
            for (size_t match = 0; match < count; match++)
                if (days [match] == monday + day_nbr) {
                    week [day_nbr].start = starts [match];
                    week [day_nbr].end = ends [match];
                }
        }
        double worked = 0, required = 0;
        wfa_hours_week (rules, monday, week, &worked, &required);
        if (worked + 1e-9 < required) {
            //  Hours with one decimal, two when a quarter hour needs them (36.25)
            char week_name [9];
            int worked_decimals = fabs (worked * 10 - round (worked * 10)) > 1e-6? 2: 1;
            int required_decimals = fabs (required * 10 - round (required * 10)) > 1e-6? 2: 1;
            s_problem (verdict, WFA_E_HOURS_SHORT, "schedule", "%s: %.*f < %.*f",
                       wfa_date_iso_week (monday, week_name), worked_decimals, worked,
                       required_decimals, required);
        }
    }
}

void
wfa_judge_submission (const wfa_rules_t *rules, wfa_policy_t *policy,
                      const wfa_judge_employee_t *employee, const wfa_judge_calendar_t *calendar,
                      const wfa_judge_ask_t *ask, int today, wfa_judge_verdict_t *verdict)
{
    assert (ask->date_count <= WFA_JUDGE_DATES_MAX);
    verdict->count = 0;
    verdict->day_count = 0;
    verdict->schedule [0] = 0;
    bool location_kind = s_judge_kinds (rules, ask, verdict);
    s_judge_dates (rules, policy, employee, calendar, ask, today, verdict);
    s_judge_employee (rules, employee, today, verdict);
    //  WEEKLY_CAP: not held to it, field-based positions, and every day
    //  asked for within an approved special circumstance; time flexibility
    //  keeps the employee at the office, so it has no location cap
    bool exempt = rules->field_based_exempt_from_cap && wfa_flag_yes (employee->field_based);
    if (rules->special_circumstance_exempt_from_cap && verdict->day_count > 0
    &&  wfa_ranges_cover (employee->special_circumstances, verdict->days, verdict->day_count, true, NULL, 0))
        exempt = true;
    verdict->cap = exempt || !location_kind? -1: rules->weekly_location_days;
    //  The time part (a time kind, or a time kind beside a location kind) is
    //  held to the weekly hours
    int kind_nbr = ask->kind? wfa_kind_parse (ask->kind): -1;
    if ((kind_nbr == WFA_KIND_SIF || kind_nbr == WFA_KIND_DINAMIS || ask->time_kind) && verdict->day_count > 0)
        s_judge_schedule (rules, calendar, ask, verdict);
}

// ---------------------------------------------------------------------
//  Selftest: one block per rule, each a submission that passes and one
//  that breaks the rule, on Tuesday 2026-12-01 in Kabupaten Lumajang

//  The codes found, space-separated, into buf.
static const char *
s_codes (const wfa_judge_verdict_t *verdict, char *buf, size_t size)
{
    *buf = 0;
    for (size_t problem_nbr = 0; problem_nbr < verdict->count; problem_nbr++)
        snprintf (buf + strlen (buf), size - strlen (buf), "%s%s", problem_nbr? " ": "",
                  wfa_error_name (verdict->problems [problem_nbr].code));
    return buf;
}

//  The policy file text parsed (asserted), for a test.
static wfa_policy_t *
s_policy (const char *text)
{
    wfa_policy_t *policy = wfa_policy_parse (text, strlen (text), "35.08", NULL);
    assert (policy);
    return policy;
}

//  Judge ask for who by policy on Tuesday 2026-12-01, and assert what is
//  found: codes (space-separated, "" for none) and, when detail is not
//  NULL, the first problem's detail.
static void
s_expect (wfa_policy_t *policy, const wfa_judge_employee_t *who, const wfa_judge_calendar_t *calendar,
          const wfa_judge_ask_t *ask, wfa_judge_verdict_t *verdict, const char *codes, const char *detail)
{
    wfa_rules_t rules = wfa_judge_rules (policy, who);
    wfa_judge_submission (&rules, policy, who, calendar, ask, wfa_date_from_ymd (2026, 12, 1), verdict);
    char found [512];
    s_codes (verdict, found, sizeof found);
    if (!streq (found, codes) || (detail && !streq (verdict->problems [0].detail, detail)))
        printf ("wfa_judge: '%s' (%s), expected '%s' (%s)\n", found,
                verdict->count? verdict->problems [0].detail: "", codes, detail? detail: "");
    assert (streq (found, codes));
    assert (!detail || streq (verdict->problems [0].detail, detail));
}

void
wfa_judge_test (bool verbose)
{
    wfa_judge_verdict_t *verdict = (wfa_judge_verdict_t *) calloc (1, sizeof (wfa_judge_verdict_t));
    assert (verdict);
    int today = wfa_date_from_ymd (2026, 12, 1);        //  A Tuesday
    wfa_policy_t *policy = s_policy ("");               //  Every default
    //  Dewi, of Dinas Kesehatan: eligible, on record since 2015
    wfa_judge_employee_t dewi = { true, "DINKES", "", "", "",
        { "198609262015051001", "", "", "2015-05", "baik", "Analis", "yes", NULL } };
    wfa_judge_calendar_t none = { NULL, 0, NULL, 0 };
    const char *monday [] = { "2026-12-07" };
    wfa_judge_ask_t home = { "rumah", NULL, monday, 1, NULL, 0, false, false };

    //  A sound request passes every rule, and is held to the weekly cap
    s_expect (policy, &dewi, &none, &home, verdict, "", NULL);
    assert (verdict->cap == 2 && verdict->day_count == 1 && verdict->days [0] == today + 6);

    //  KIND: a known kind, allowed by the policy
    wfa_judge_ask_t ask = home;
    ask.kind = "pantai";
    s_expect (policy, &dewi, &none, &ask, verdict, "BAD_KIND", NULL);
    wfa_policy_t *no_home = s_policy ("[kinds]\nlocation = kantor_lain, lokasi_lain\n");
    s_expect (no_home, &dewi, &none, &home, verdict, "KIND_NOT_ALLOWED", NULL);
    ask.kind = "kantor_lain";
    s_expect (no_home, &dewi, &none, &ask, verdict, "", NULL);
    wfa_policy_destroy (&no_home);

    //  TIME_KIND: a time kind beside a location kind (with its schedule)
    wfa_judge_shift_t late = { "2026-12-07", "09:00", "17:30" };
    ask = home;
    ask.time_kind = "dinamis";
    ask.shifts = &late;
    ask.shift_count = 1;
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);
    assert (streq (verdict->schedule, "2026-12-07=09:00-17:30"));
    ask.time_kind = "rumah";
    s_expect (policy, &dewi, &none, &ask, verdict, "BAD_KIND", NULL);
    ask.kind = "sif";
    ask.time_kind = "dinamis";              //  Beside a time kind: no
    s_expect (policy, &dewi, &none, &ask, verdict, "BAD_KIND", NULL);
    assert (streq (verdict->problems [0].field, "time_kind"));

    //  DATE: real dates only
    const char *bad [] = { "2026-02-30" };
    ask = home;
    ask.dates = bad;
    s_expect (policy, &dewi, &none, &ask, verdict, "BAD_DATE", "2026-02-30");
    ask.dates = monday;
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);

    //  FUTURE: after today in the pemda's zone; tomorrow is the earliest
    const char *tuesday [] = { "2026-12-01" }, *wednesday [] = { "2026-12-02" };
    ask.dates = tuesday;
    s_expect (policy, &dewi, &none, &ask, verdict, "DATE_NOT_FUTURE", NULL);
    ask.dates = wednesday;
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);

    //  WORKING_DAY: a Saturday in a 5-day unit, or a day off, is not one;
    //  a unit that works 6 days (the personnel data says) works Saturday
    const char *saturday [] = { "2026-12-05" }, *christmas [] = { "2026-12-25" };
    ask.dates = saturday;
    s_expect (policy, &dewi, &none, &ask, verdict, "NOT_WORKING_DAY", NULL);
    wfa_judge_employee_t puskesmas = dewi;
    puskesmas.working_days = "6";
    s_expect (policy, &puskesmas, &none, &ask, verdict, "", NULL);
    wfa_judge_day_off_t off = { wfa_date_from_ymd (2026, 12, 25), "nasional", "Hari Raya Natal" };
    wfa_judge_calendar_t calendar = { &off, 1, NULL, 0 };
    ask.dates = christmas;
    s_expect (policy, &dewi, &calendar, &ask, verdict, "NOT_WORKING_DAY", "2026-12-25 (nasional: Hari Raya Natal)");
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);

    //  BLACKOUT: the pemda's dates, or the OPD's own list that replaces them
    wfa_policy_t *closing = s_policy ("[limits]\nblackout = 2026-12-07\n\n[opd RSUD]\nlimits.blackout = 2026-12-08\n");
    s_expect (closing, &dewi, &none, &home, verdict, "BLACKOUT", NULL);
    wfa_judge_employee_t nurse = dewi;
    nurse.opd = "RSUD";
    s_expect (closing, &nurse, &none, &home, verdict, "", NULL);
    wfa_policy_destroy (&closing);

    //  ONCE: each date once
    const char *twice [] = { "2026-12-07", "2026-12-08", "2026-12-07" };
    ask = home;
    ask.dates = twice;
    ask.date_count = 3;
    s_expect (policy, &dewi, &none, &ask, verdict, "DUPLICATE_DATE", NULL);
    ask.date_count = 2;
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);
    assert (verdict->day_count == 2 && streq (verdict->dates [0], "2026-12-07"));

    //  MAX_DAYS: at most max_days_per_request
    wfa_policy_t *short_one = s_policy ("[limits]\nmax_days_per_request = 1\n");
    s_expect (short_one, &dewi, &none, &ask, verdict, "TOO_MANY_DAYS", "2 > 1");
    s_expect (short_one, &dewi, &none, &home, verdict, "", NULL);
    wfa_policy_destroy (&short_one);

    //  NOTICE: 2 working days' notice from Tuesday: Friday at the earliest,
    //  and a day off between does not count
    wfa_policy_t *notice = s_policy ("[limits]\nmin_notice_working_days = 2\n");
    const char *thursday [] = { "2026-12-03" }, *friday [] = { "2026-12-04" };
    ask = home;
    ask.dates = thursday;
    s_expect (notice, &dewi, &none, &ask, verdict, "NOTICE_TOO_SHORT", "2026-12-03: 1 < 2");
    ask.dates = friday;
    s_expect (notice, &dewi, &none, &ask, verdict, "", NULL);
    wfa_judge_day_off_t holiday = { wfa_date_from_ymd (2026, 12, 2), "lokal", "Hari Jadi" };
    wfa_judge_calendar_t local = { &holiday, 1, NULL, 0 };
    s_expect (notice, &dewi, &local, &ask, verdict, "NOTICE_TOO_SHORT", NULL);
    wfa_policy_destroy (&notice);

    //  ELIGIBLE (art. 25): judged for an employee on record, every rule
    //  broken at once (wfa_eligibility_test runs each on its own)
    s_expect (policy, &dewi, &none, &home, verdict, "", NULL);
    wfa_judge_employee_t sanctioned = dewi;
    sanctioned.eligibility.sanctions = "2026-12-05..2026-12-31";
    sanctioned.eligibility.service_start = "2026-06";
    s_expect (policy, &sanctioned, &none, &home, verdict, "SANCTIONED SERVICE_TOO_SHORT", NULL);
    assert (streq (verdict->problems [0].field, "as"));
    sanctioned.on_record = false;           //  Not on record: the call says who is unknown
    s_expect (policy, &sanctioned, &none, &home, verdict, "", NULL);

    //  SCHEDULE: a shift for every date asked for, real times, dates asked
    const char *two_days [] = { "2026-12-07", "2026-12-08" };
    wfa_judge_shift_t shifts [] = { { "2026-12-07", "07:00", "15:30" }, { "2026-12-09", "07:00", "15:30" },
                                    { "2026-12-08", "25:00", "15:30" } };
    ask = (wfa_judge_ask_t) { "sif", NULL, two_days, 2, shifts, 1, false, false };
    s_expect (policy, &dewi, &none, &ask, verdict, "MISSING_FIELD", "2026-12-08");
    ask.shift_count = 3;
    s_expect (policy, &dewi, &none, &ask, verdict, "BAD_VALUE BAD_VALUE MISSING_FIELD", NULL);
    ask.shifts = NULL;
    s_expect (policy, &dewi, &none, &ask, verdict, "MISSING_FIELD", NULL);
    ask.schedule_not_list = true;
    s_expect (policy, &dewi, &none, &ask, verdict, "WRONG_TYPE", NULL);
    shifts [1].date = "2026-12-08";
    shifts [1].end = "16:00";
    ask = (wfa_judge_ask_t) { "sif", NULL, two_days, 2, shifts, 2, false, false };
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);
    assert (verdict->cap == -1);            //  Time flexibility has no location cap
    assert (streq (verdict->schedule, "2026-12-07=07:00-15:30,2026-12-08=07:00-16:00"));

    //  NIGHT_SHIFT: 22:00-06:30 runs into a next day starting at 05:00, not 06:30
    wfa_judge_shift_t nights [] = { { "2026-12-07", "22:00", "06:30" }, { "2026-12-08", "05:00", "13:30" } };
    ask.shifts = nights;
    s_expect (policy, &dewi, &none, &ask, verdict, "BAD_VALUE", "2026-12-07: overlaps 2026-12-08");
    nights [1].start = "06:30";
    nights [1].end = "15:00";
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);

    //  WEEKLY_HOURS: 37.5 h a week; a short shift leaves the week short,
    //  unless it is a Ramadan day (32.5 h a week, shorter days)
    wfa_judge_shift_t half = { "2026-12-07", "08:00", "12:00" };
    ask = (wfa_judge_ask_t) { "dinamis", NULL, monday, 1, &half, 1, false, false };
    s_expect (policy, &dewi, &none, &ask, verdict, "HOURS_SHORT", "2026-W50: 33.0 < 37.5");
    ask.fields_failed = true;               //  A call otherwise unsound: the hours wait
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);
    ask.fields_failed = false;
    half.end = "16:30";
    s_expect (policy, &dewi, &none, &ask, verdict, "", NULL);
    int ramadan [7];
    for (int day_nbr = 0; day_nbr < 7; day_nbr++)
        ramadan [day_nbr] = wfa_date_from_ymd (2026, 12, 7 + day_nbr);
    wfa_judge_calendar_t fasting = { NULL, 0, ramadan, 7 };
    half.end = "15:00";
    s_expect (policy, &dewi, &none, &ask, verdict, "HOURS_SHORT", NULL);
    s_expect (policy, &dewi, &fasting, &ask, verdict, "", NULL);

    //  WEEKLY_CAP: location days are held to the cap the policy sets,
    //  except a field-based position and days within a special circumstance
    wfa_policy_t *one = s_policy ("[limits]\nweekly_location_days = 1\n");
    s_expect (one, &dewi, &none, &home, verdict, "", NULL);
    assert (verdict->cap == 1);
    wfa_judge_employee_t field = dewi;
    field.field_based = "ya";
    s_expect (one, &field, &none, &home, verdict, "", NULL);
    assert (verdict->cap == -1);
    wfa_judge_employee_t caring = dewi;
    caring.special_circumstances = "2026-12-01..2026-12-07";
    s_expect (one, &caring, &none, &home, verdict, "", NULL);
    assert (verdict->cap == -1);
    ask = home;
    ask.dates = two_days;
    ask.date_count = 2;                     //  One day outside: held to the cap
    s_expect (one, &caring, &none, &ask, verdict, "", NULL);
    assert (verdict->cap == 1);
    wfa_policy_destroy (&one);
    wfa_policy_t *strict = s_policy ("[eligibility]\nfield_based_exempt_from_cap = no\n");
    s_expect (strict, &field, &none, &home, verdict, "", NULL);
    assert (verdict->cap == 2);
    wfa_policy_destroy (&strict);

    //  Every rule broken is reported, not just the first
    const char *many [] = { "2026-13-01", "2026-12-01", "2026-12-05" };
    ask = (wfa_judge_ask_t) { "pantai", NULL, many, 3, NULL, 0, false, false };
    s_expect (policy, &sanctioned, &none, &ask, verdict, "BAD_KIND BAD_DATE DATE_NOT_FUTURE NOT_WORKING_DAY", NULL);
    if (verbose)
        printf ("wfa_judge: ok\n");
    wfa_policy_destroy (&policy);
    free (verdict);
}
