/*  wfa_eligibility.c - the employee rules of art. 25, judged purely.

    The judge reads plain strings (the personnel data on record) and the
    pemda's rules, and writes every rule broken with its code and detail:
    no Redis, no clock, so the selftest below runs each rule both ways. */
#include "wfa.h"

bool
wfa_flag_yes (const char *value)
{
    return value && (strcasecmp (value, "yes") == 0 || strcasecmp (value, "ya") == 0
        || strcasecmp (value, "true") == 0 || streq (value, "1"));
}

bool
wfa_ranges_cover (const char *ranges, const int *days, size_t count, bool every, char *buf, size_t size)
{
    char *copy = strdup (ranges? ranges: "");
    bool *covered = (bool *) calloc (count + 1, sizeof (bool));
    assert (copy && covered);
    char *saveptr = NULL;
    bool found = false;
    size_t uncovered = count;
    for (char *range = strtok_r (copy, ";", &saveptr); range && !found;
         range = strtok_r (NULL, ";", &saveptr)) {
        if (buf)
            snprintf (buf, size, "%s", range);
        char *dots = strstr (range, "..");
        int from = 0, to = INT_MAX;
        if (!dots)
            continue;
        *dots = 0;
        if (wfa_date_parse (range, &from) || (dots [2] && wfa_date_parse (dots + 2, &to)))
            continue;
        for (size_t day_nbr = 0; day_nbr < count && !found; day_nbr++) {
            bool inside = days [day_nbr] >= from && days [day_nbr] <= to;
            if (inside && !covered [day_nbr]) {
                covered [day_nbr] = true;
                uncovered--;
            }
            found = every? uncovered == 0: inside;
        }
    }
    free (covered);
    free (copy);
    return found;
}

//  Whole months of service on day from a start YYYY-MM[-DD], or -1 if the
//  start is not a date.
static int
s_months_since (const char *start, int day)
{
    int start_year = 0, start_month = 0, start_day = 1;
    if (sscanf (start, "%d-%d-%d", &start_year, &start_month, &start_day) < 2
    ||  start_year < 1900 || start_month < 1 || start_month > 12)
        return -1;
    char today [11];
    wfa_date_format (day, today);
    int year = atoi (today), month = atoi (today + 5), day_of_month = atoi (today + 8);
    return (year - start_year) * 12 + (month - start_month) - (day_of_month < start_day? 1: 0);
}

//  Append a problem.
static void
s_problem (wfa_eligibility_problem_t *problems, size_t *count, wfa_code_t code, const char *format, ...)
{
    if (*count >= WFA_ELIGIBILITY_PROBLEMS_MAX)
        return;
    problems [*count].code = code;
    va_list args;
    va_start (args, format);
    vsnprintf (problems [*count].detail, sizeof problems [*count].detail, format, args);
    va_end (args);
    (*count)++;
}

size_t
wfa_eligibility_judge (const wfa_rules_t *rules, const wfa_eligibility_t *who, int today,
                       const int *days, size_t count, wfa_eligibility_problem_t *problems)
{
    size_t found = 0;
    char range [160];
    //  No disciplinary sanction in force today or on a day asked for
    int *check = (int *) calloc (count + 1, sizeof (int));
    assert (check);
    check [0] = today;
    memcpy (check + 1, days, count * sizeof (int));
    if (rules->block_when_sanctioned
    &&  wfa_ranges_cover (who->sanctions, check, count + 1, false, range, sizeof range))
        s_problem (problems, &found, WFA_E_SANCTIONED, "%s", range);
    free (check);
    //  Suspended by the monev evaluation: no flexible day up to its end
    int until = 0;
    if (*who->suspended_until && wfa_date_parse (who->suspended_until, &until) == 0 && count > 0
    &&  days [0] <= until)
        s_problem (problems, &found, WFA_E_SUSPENDED, "%s", who->suspended_until);
    //  Not a new employee: the start of service from the personnel data;
    //  with missing = allow, the appointment month of a PNS NIP (digits
    //  9-14) stands in, and without either the rule is not applied
    if (rules->min_months_of_service > 0) {
        int months = *who->service_start? s_months_since (who->service_start, today): -1;
        if (months < 0 && rules->missing_allowed && who->nip && strlen (who->nip) == 18) {
            char appointed [8];
            snprintf (appointed, sizeof appointed, "%.4s-%.2s", who->nip + 8, who->nip + 12);
            months = s_months_since (appointed, today);
        }
        if (months < 0 && !rules->missing_allowed)
            s_problem (problems, &found, WFA_E_SERVICE_START_MISSING, "%s", who->nip? who->nip: "");
        else
        if (months >= 0 && months < rules->min_months_of_service)
            s_problem (problems, &found, WFA_E_SERVICE_TOO_SHORT, "%d < %d", months,
                       rules->min_months_of_service);
    }
    int rank = wfa_predikat_rank (who->predikat);
    if (rules->min_predikat > 0 && rank < rules->min_predikat)
        s_problem (problems, &found, WFA_E_PREDIKAT_TOO_LOW, "%s < %s",
                   rank > 0? who->predikat: "-", wfa_predikat_name (rules->min_predikat));
    //  The position: the same as when the request was assessed, and marked
    //  eligible (missing: as the policy says)
    if (who->position_asked && !streq (who->position_asked, who->position))
        s_problem (problems, &found, WFA_E_POSITION_CHANGED, "%s -> %s", who->position_asked,
                   who->position);
    if (rules->require_position_eligible) {
        if (!*who->position_eligible && !rules->missing_allowed)
            s_problem (problems, &found, WFA_E_POSITION_ELIGIBILITY_MISSING, "%s", who->position);
        else
        if (*who->position_eligible && !wfa_flag_yes (who->position_eligible))
            s_problem (problems, &found, WFA_E_POSITION_NOT_ELIGIBLE, "%s", who->position);
    }
    return found;
}

//  The codes found, space-separated, into buf.
static char *
s_codes (const wfa_eligibility_problem_t *problems, size_t count, char *buf, size_t size)
{
    *buf = 0;
    for (size_t problem_nbr = 0; problem_nbr < count; problem_nbr++)
        snprintf (buf + strlen (buf), size - strlen (buf), "%s%s", problem_nbr? " ": "",
                  wfa_error_name (problems [problem_nbr].code));
    return buf;
}

void
wfa_eligibility_test (bool verbose)
{
    wfa_policy_t *policy = wfa_policy_parse ("", 0, "35.08", NULL);
    assert (policy);
    wfa_rules_t rules = wfa_policy_rules (policy, NULL);
    assert (!rules.missing_allowed && rules.min_months_of_service == 12);
    int today = 0, day = 0;
    wfa_date_parse ("2026-12-01", &today);
    wfa_date_parse ("2026-12-07", &day);
    wfa_eligibility_problem_t problems [WFA_ELIGIBILITY_PROBLEMS_MAX];
    char codes [256];

    //  Each rule: the record that passes, then one field changed that fails
    //  it (the table runs top to bottom on one record)
    wfa_eligibility_t good = { "199002022015022002", "", "", "2015-02", "baik", "Analis",
                               "yes", NULL };
    assert (wfa_eligibility_judge (&rules, &good, today, &day, 1, problems) == 0);
    struct {
        const char *field;
        const char *value;
        const char *codes;
    } cases [] = {
        { "sanctions", "2026-12-05..2026-12-31", "SANCTIONED" },
        { "sanctions", "2026-11-01..", "SANCTIONED" },
        { "sanctions", "2025-01-01..2025-06-30", "" },
        { "suspended_until", "2026-12-07", "SUSPENDED" },
        { "suspended_until", "2026-12-06", "" },
        { "service_start", "2026-06-15", "SERVICE_TOO_SHORT" },
        { "service_start", "2025-12-01", "" },
        { "service_start", "", "SERVICE_START_MISSING" },
        { "position_eligible", "no", "POSITION_NOT_ELIGIBLE" },
        { "position_eligible", "tidak", "POSITION_NOT_ELIGIBLE" },
        { "position_eligible", "", "POSITION_ELIGIBILITY_MISSING" },
        { "position_eligible", "Ya", "" },
        { "position_asked", "Pranata Komputer", "POSITION_CHANGED" },
        { "position_asked", "Analis", "" },
    };
    for (size_t case_nbr = 0; case_nbr < sizeof cases / sizeof cases [0]; case_nbr++) {
        wfa_eligibility_t who = good;
        const char **slot = streq (cases [case_nbr].field, "sanctions")? &who.sanctions:
                            streq (cases [case_nbr].field, "suspended_until")? &who.suspended_until:
                            streq (cases [case_nbr].field, "service_start")? &who.service_start:
                            streq (cases [case_nbr].field, "position_eligible")? &who.position_eligible:
                            &who.position_asked;
        *slot = cases [case_nbr].value;
        size_t count = wfa_eligibility_judge (&rules, &who, today, &day, 1, problems);
        s_codes (problems, count, codes, sizeof codes);
        if (verbose || !streq (codes, cases [case_nbr].codes))
            printf ("%s=%s: '%s'\n", cases [case_nbr].field, cases [case_nbr].value, codes);
        assert (streq (codes, cases [case_nbr].codes));
    }
    //  Details name what was found
    wfa_eligibility_t sanctioned = good;
    sanctioned.sanctions = "2024-01-01..2024-02-01;2026-12-05..2026-12-31";
    assert (wfa_eligibility_judge (&rules, &sanctioned, today, &day, 1, problems) == 1);
    assert (streq (problems [0].detail, "2026-12-05..2026-12-31"));
    wfa_eligibility_t moved = good;
    moved.position_asked = "Analis Lama";
    wfa_eligibility_judge (&rules, &moved, today, &day, 1, problems);
    assert (streq (problems [0].detail, "Analis Lama -> Analis"));

    //  Missing data: every rule that needs it fails by default, all at once
    wfa_eligibility_t bare = { "199002022015022002", "", "", "", "", "Analis", "", NULL };
    size_t count = wfa_eligibility_judge (&rules, &bare, today, &day, 1, problems);
    assert (streq (s_codes (problems, count, codes, sizeof codes),
                   "SERVICE_START_MISSING POSITION_ELIGIBILITY_MISSING"));
    //  missing = allow: the NIP's appointment month (2015-02) stands in
    wfa_policy_destroy (&policy);
    const char *allow = "[eligibility]\nmissing = allow\n";
    policy = wfa_policy_parse (allow, strlen (allow), "35.08", NULL);
    assert (policy);
    rules = wfa_policy_rules (policy, NULL);
    assert (rules.missing_allowed);
    assert (wfa_eligibility_judge (&rules, &bare, today, &day, 1, problems) == 0);
    bare.nip = "199002022026112002";            //  appointed 2026-11: a new employee
    count = wfa_eligibility_judge (&rules, &bare, today, &day, 1, problems);
    assert (count == 1 && problems [0].code == WFA_E_SERVICE_TOO_SHORT);
    assert (streq (problems [0].detail, "1 < 12"));
    //  A rule not in force needs no data
    wfa_policy_destroy (&policy);
    const char *off = "[eligibility]\nmin_months_of_service = 0\nrequire_position_eligible = no\n";
    policy = wfa_policy_parse (off, strlen (off), "35.08", NULL);
    rules = wfa_policy_rules (policy, NULL);
    bare.nip = "199002022015022002";
    assert (wfa_eligibility_judge (&rules, &bare, today, &day, 1, problems) == 0);
    wfa_policy_destroy (&policy);

    //  Ranges: any day, or every day
    int days [2];
    wfa_date_parse ("2026-12-07", &days [0]);
    wfa_date_parse ("2026-12-14", &days [1]);
    assert (wfa_ranges_cover ("2026-12-01..2026-12-08", days, 2, false, NULL, 0));
    assert (!wfa_ranges_cover ("2026-12-01..2026-12-08", days, 2, true, NULL, 0));
    assert (wfa_ranges_cover ("2026-12-01..2026-12-08;2026-12-14..", days, 2, true, NULL, 0));
    assert (!wfa_ranges_cover ("", days, 2, false, NULL, 0));
    assert (wfa_flag_yes ("YES") && wfa_flag_yes ("1") && !wfa_flag_yes ("no") && !wfa_flag_yes (""));
}
