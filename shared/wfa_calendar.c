/*  wfa_calendar.c - reading a pemda's calendar: days off and Ramadan. */
#include "wfa.h"

static const char *s_kinds [] = { "nasional", "cuti_bersama", "lokal", "ramadan", NULL };

bool
wfa_holiday_kind_valid (const char *kind)
{
    for (int kind_nbr = 0; s_kinds [kind_nbr]; kind_nbr++)
        if (streq (kind, s_kinds [kind_nbr]))
            return true;
    return false;
}

//  Trim spaces at both ends of text in place.
static char *
s_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    char *end = text + strlen (text);
    while (end > text && isspace ((unsigned char) end [-1]))
        *--end = 0;
    return text;
}

//  Parse calendar text.
int
wfa_calendar_parse (const char *text, wfa_holiday_t **holidays, size_t *count,
                    wfa_calendar_problem_fn *problem, void *arg)
{
    *holidays = NULL;
    *count = 0;
    size_t room = 16;
    wfa_holiday_t *list = (wfa_holiday_t *) calloc (room, sizeof (wfa_holiday_t));
    assert (list);
    int problems = 0;
    //  Through the one CSV reader: a quoted name may hold commas and quotes;
    //  an unquoted one is the rest of the line, commas and all
    wfa_csv_t *csv = wfa_csv_new (text, strlen (text));
    size_t fields;
    while ((fields = wfa_csv_next (csv))) {
        int line_nbr = wfa_csv_line (csv);
        char *date = s_trim (wfa_csv_field (csv, 0));
        if ((fields == 1 && *date == 0) || *date == '#')
            continue;
        int day = 0;
        if (fields < 3) {
            problem (arg, line_nbr, WFA_E_BAD_VALUE, "line");
            problems++;
            continue;
        }
        char *kind = s_trim (wfa_csv_field (csv, 1));
        zchunk_t *rest = zchunk_new (NULL, 256);
        for (size_t field_nbr = 2; field_nbr < fields; field_nbr++) {
            if (field_nbr > 2)
                zchunk_extend (rest, ",", 1);
            zchunk_extend (rest, wfa_csv_field (csv, field_nbr), strlen (wfa_csv_field (csv, field_nbr)));
        }
        zchunk_extend (rest, "", 1);
        char *line = strdup ((char *) zchunk_data (rest));
        zchunk_destroy (&rest);
        char *name = s_trim (line);
        bool good = true;
        bool ramadan = streq (kind, "ramadan");
        int last_day = 0;
        char *dots = ramadan? strstr (date, ".."): NULL;
        if (dots) {
            *dots = 0;
            if (wfa_date_parse (s_trim (date), &day) || wfa_date_parse (s_trim (dots + 2), &last_day)
            ||  last_day < day || last_day - day >= WFA_RAMADAN_DAYS_MAX) {
                problem (arg, line_nbr, WFA_E_BAD_DATE, "date");
                good = false;
            }
        }
        else
        if (wfa_date_parse (date, &day)) {
            problem (arg, line_nbr, WFA_E_BAD_DATE, "date");
            good = false;
        }
        else
            last_day = day;
        if (!wfa_holiday_kind_valid (kind)) {
            problem (arg, line_nbr, WFA_E_BAD_VALUE, "kind");
            good = false;
        }
        if (!*name || strlen (name) > WFA_HOLIDAY_NAME_MAX || !wfa_utf8_valid (name, strlen (name))
        ||  strpbrk (name, "\r\n")) {
            problem (arg, line_nbr, WFA_E_BAD_VALUE, "name");
            good = false;
        }
        //  A day once among the days off, once among the Ramadan days
        for (size_t held_nbr = 0; good && held_nbr < *count; held_nbr++)
            if (streq (list [held_nbr].kind, "ramadan") == ramadan
            &&  list [held_nbr].day <= last_day && day <= list [held_nbr].last_day) {
                problem (arg, line_nbr, WFA_E_DUPLICATE_DATE, "date");
                good = false;
            }
        if (good && *count >= WFA_CALENDAR_MAX) {
            problem (arg, line_nbr, WFA_E_TOO_LARGE, "line");
            good = false;
        }
        if (good) {
            if (*count == room) {
                room *= 2;
                list = (wfa_holiday_t *) realloc (list, room * sizeof (wfa_holiday_t));
                assert (list);
            }
            wfa_holiday_t *holiday = &list [(*count)++];
            holiday->day = day;
            holiday->last_day = last_day;
            if (last_day != day) {
                char last [11];
                snprintf (holiday->date, sizeof holiday->date, "%s..%s", date,
                          wfa_date_format (last_day, last));
            }
            else
                snprintf (holiday->date, sizeof holiday->date, "%s", date);
            snprintf (holiday->kind, sizeof holiday->kind, "%s", kind);
            snprintf (holiday->name, sizeof holiday->name, "%s", name);
        }
        else
            problems++;
        free (line);
    }
    wfa_csv_destroy (&csv);
    if (problems) {
        free (list);
        *count = 0;
    }
    else
        *holidays = list;
    return problems;
}

static int
s_compare_day (const void *left, const void *right)
{
    int one = *(const int *) left, two = *(const int *) right;
    return one < two? -1: one > two;
}

int64_t
wfa_calendar_deadline (int64_t opened_ms, int64_t sla_ms, const int *days_off, size_t count,
                       int tz_minutes)
{
    const int64_t day_ms = 86400000;
    int64_t offset_ms = (int64_t) tz_minutes * 60000;
    int64_t local_ms = opened_ms + offset_ms;
    int64_t day = local_ms >= 0? local_ms / day_ms: -((-local_ms + day_ms - 1) / day_ms);
    int64_t into_ms = local_ms - day * day_ms;
    int64_t remaining = sla_ms > 0? sla_ms: 0;
    //  At most 720 hours are 30 working days; a calendar of 1,000 days off
    //  and the weekends around them stay far below this bound
    for (int step_nbr = 0; step_nbr < 10000; step_nbr++, day++, into_ms = 0) {
        int day_nbr = (int) day;
        bool off = !wfa_date_is_weekday (day_nbr)
                || (count && bsearch (&day_nbr, days_off, count, sizeof (int), s_compare_day));
        if (off)
            continue;
        if (remaining < day_ms - into_ms)
            return day * day_ms + into_ms + remaining - offset_ms;
        remaining -= day_ms - into_ms;
    }
    return opened_ms + sla_ms;          //  Not reached with a real calendar
}

//  Local moment "YYYY-MM-DD HH:MM" in a zone as ms since the epoch.
static int64_t
s_local_ms (const char *text, int tz_minutes)
{
    char date [11];
    int hours = 0, minutes = 0, day = 0;
    snprintf (date, sizeof date, "%s", text);
    sscanf (text + 11, "%d:%d", &hours, &minutes);
    assert (wfa_date_parse (date, &day) == 0);
    return ((int64_t) day * 1440 + hours * 60 + minutes - tz_minutes) * 60000;
}

static void
s_log_problem (void *arg, int line, wfa_code_t code, const char *field)
{
    char entry [64];
    snprintf (entry, sizeof entry, "%d:%s:%s ", line, wfa_error_name (code), field);
    strcat ((char *) arg, entry);
}

void
wfa_calendar_test (bool verbose)
{
    wfa_holiday_t *holidays = NULL;
    size_t count = 0;
    char log [512] = "";
    const char *good =
        "# Kalender Kabupaten Lumajang 2026\n"
        "2026-12-25,nasional,Hari Raya Natal\n"
        "\n"
        "2026-12-24, cuti_bersama , Cuti Bersama Natal, Tahun 2026\n"
        "2026-12-15,lokal,Hari Jadi Lumajang\r\n"
        "2026-12-16,lokal,\"Hari \"\"Jadi\"\", Tahun 2026\"\n";
    assert (wfa_calendar_parse (good, &holidays, &count, s_log_problem, log) == 0);
    assert (count == 4 && holidays);
    assert (streq (holidays [3].name, "Hari \"Jadi\", Tahun 2026"));
    assert (streq (holidays [1].kind, "cuti_bersama"));
    assert (streq (holidays [1].name, "Cuti Bersama Natal, Tahun 2026"));
    assert (streq (holidays [2].date, "2026-12-15"));
    free (holidays);

    //  Ramadan: a range (at most 31 days) or single days; a Ramadan day may
    //  also be a day off, but is a Ramadan day once
    const char *ramadan =
        "2027-02-08 .. 2027-03-09,ramadan,Ramadan 1448 H\n"
        "2027-03-08,cuti_bersama,Cuti Bersama Idul Fitri\n"
        "2028-01-28,ramadan,Ramadan 1449 H (hari pertama)\n";
    assert (wfa_calendar_parse (ramadan, &holidays, &count, s_log_problem, log) == 0);
    assert (count == 3 && streq (holidays [0].date, "2027-02-08..2027-03-09"));
    assert (holidays [0].last_day - holidays [0].day == 29);
    assert (holidays [2].day == holidays [2].last_day);
    free (holidays);
    const char *bad_ramadan =
        "2027-02-08..2027-03-11,ramadan,Too long\n"
        "2027-03-09..2027-02-08,ramadan,Backwards\n"
        "2027-02-08..2027-02-10,nasional,Range of days off\n"
        "2027-02-08..2027-02-20,ramadan,One\n"
        "2027-02-20,ramadan,Twice\n";
    log [0] = 0;
    assert (wfa_calendar_parse (bad_ramadan, &holidays, &count, s_log_problem, log) == 4);
    assert (streq (log, "1:BAD_DATE:date 2:BAD_DATE:date 3:BAD_DATE:date 5:DUPLICATE_DATE:date "));
    log [0] = 0;

    const char *bad =
        "2026-12-25,nasional,Natal\n"
        "2026-02-30,nasional,Tanggal salah\n"
        "2026-12-26,libur,Jenis salah\n"
        "2026-12-25,lokal,Ganda\n"
        "tanpa koma\n"
        "2026-12-27,lokal,\n"
        "2026-12-28,lokal,\"Dua\nbaris\"\n"
        "2026-12-28,lokal\n";
    assert (wfa_calendar_parse (bad, &holidays, &count, s_log_problem, log) == 7);
    assert (holidays == NULL && count == 0);
    assert (streq (log, "2:BAD_DATE:date 3:BAD_VALUE:kind 4:DUPLICATE_DATE:date 5:BAD_VALUE:line "
                        "6:BAD_VALUE:name 7:BAD_VALUE:name 9:BAD_VALUE:line "));

    //  SLA deadlines in working time: (opened, hours, zone) -> due, with the
    //  long weekend of 2026-12-04 (Friday) .. 2026-12-07 (a holiday Monday)
    //  and Christmas (24 cuti bersama, 25 nasional)
    int off [3];
    wfa_date_parse ("2026-12-07", &off [0]);
    wfa_date_parse ("2026-12-24", &off [1]);
    wfa_date_parse ("2026-12-25", &off [2]);
    struct {
        const char *opened;
        int hours;
        int tz;
        const char *due;
    } slas [] = {
        { "2026-12-04 10:00", 72, WFA_TZ_WIB, "2026-12-10 10:00" },     //  Fri; Sat, Sun, Mon off
        { "2026-12-04 10:00", 14, WFA_TZ_WIB, "2026-12-08 00:00" },     //  ends Friday: next working day
        { "2026-12-04 10:00", 13, WFA_TZ_WIB, "2026-12-04 23:00" },
        { "2026-12-02 09:30", 24, WFA_TZ_WIB, "2026-12-03 09:30" },     //  midweek: as the clock
        { "2026-12-05 09:00", 8, WFA_TZ_WITA, "2026-12-08 08:00" },     //  opened on Saturday
        { "2026-12-07 23:59", 1, WFA_TZ_WIT, "2026-12-08 01:00" },      //  opened on the holiday
        { "2026-12-23 12:00", 24, WFA_TZ_WIB, "2026-12-28 12:00" },     //  over Christmas
        { "2026-12-11 16:00", 720, WFA_TZ_WIB, "2027-01-26 16:00" },    //  30 working days
    };
    for (size_t sla_nbr = 0; sla_nbr < sizeof slas / sizeof slas [0]; sla_nbr++) {
        int64_t due = wfa_calendar_deadline (s_local_ms (slas [sla_nbr].opened, slas [sla_nbr].tz),
                                             (int64_t) slas [sla_nbr].hours * 3600000, off, 3,
                                             slas [sla_nbr].tz);
        int64_t want = s_local_ms (slas [sla_nbr].due, slas [sla_nbr].tz);
        if (verbose || due != want)
            printf ("%s + %dh: %" PRId64 " min off\n", slas [sla_nbr].opened, slas [sla_nbr].hours,
                    (due - want) / 60000);
        assert (due == want);
    }
    //  Without days off, only weekends pause it
    assert (wfa_calendar_deadline (s_local_ms ("2026-12-04 10:00", WFA_TZ_WIB), 72 * 3600000LL,
                                   NULL, 0, WFA_TZ_WIB) == s_local_ms ("2026-12-09 10:00", WFA_TZ_WIB));
    if (verbose)
        printf ("wfa_calendar: ok\n");
}
