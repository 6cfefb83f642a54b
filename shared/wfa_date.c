/*  wfa_date.c - civil dates to day numbers and back.

    The conversion is the classic era-based algorithm for the proleptic
    Gregorian calendar: exact for every date the system will meet. */
#include "wfa.h"

//  Day number of y-m-d.
int
wfa_date_from_ymd (int year, int month, int day)
{
    year -= month <= 2;
    int era = (year >= 0? year: year - 399) / 400;
    int year_of_era = year - era * 400;
    int day_of_year = (153 * (month + (month > 2? -3: 9)) + 2) / 5 + day - 1;
    int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

//  Year, month and day of a day number.
static void
s_to_ymd (int days, int *year, int *month, int *day)
{
    days += 719468;
    int era = (days >= 0? days: days - 146096) / 146097;
    int day_of_era = days - era * 146097;
    int year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524
                      - day_of_era / 146096) / 365;
    int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int month_index = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * month_index + 2) / 5 + 1;
    *month = month_index < 10? month_index + 3: month_index - 9;
    *year = year_of_era + era * 400 + (*month <= 2);
}

//  Parse a strict YYYY-MM-DD.
int
wfa_date_parse (const char *text, int *days)
{
    if (!text || strlen (text) != 10 || text [4] != '-' || text [7] != '-')
        return -1;
    for (int char_nbr = 0; char_nbr < 10; char_nbr++)
        if (char_nbr != 4 && char_nbr != 7 && !isdigit ((unsigned char) text [char_nbr]))
            return -1;
    int year = atoi (text);
    int month = atoi (text + 5);
    int day = atoi (text + 8);
    if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || day > 31)
        return -1;
    int number = wfa_date_from_ymd (year, month, day);
    int check_year, check_month, check_day;
    s_to_ymd (number, &check_year, &check_month, &check_day);
    if (check_month != month || check_day != day)
        return -1;                  //  e.g. 2026-02-30
    *days = number;
    return 0;
}

//  Format a day number as YYYY-MM-DD.
char *
wfa_date_format (int days, char *buf)
{
    int year, month, day;
    s_to_ymd (days, &year, &month, &day);
    char text [32];
    snprintf (text, sizeof text, "%04d-%02d-%02d", year, month, day);
    memcpy (buf, text, 10);
    buf [10] = 0;
    return buf;
}

//  Day of the week, 0 = Sunday.
int
wfa_date_weekday (int days)
{
    int weekday = (days + 4) % 7;   //  1970-01-01 was a Thursday
    return weekday < 0? weekday + 7: weekday;
}

bool
wfa_date_is_weekday (int days)
{
    int weekday = wfa_date_weekday (days);
    return weekday >= 1 && weekday <= 5;
}

//  ISO week: the week belongs to the year of its Thursday.
char *
wfa_date_iso_week (int days, char *buf)
{
    int weekday = wfa_date_weekday (days);
    int thursday = days - (weekday == 0? 6: weekday - 1) + 3;
    int year, month, day;
    s_to_ymd (thursday, &year, &month, &day);
    int week = (thursday - wfa_date_from_ymd (year, 1, 1)) / 7 + 1;
    char text [32];
    snprintf (text, sizeof text, "%04d-W%02d", year, week);
    memcpy (buf, text, 8);
    buf [8] = 0;
    return buf;
}

//  Local day of a moment.
int
wfa_date_of_ms (int64_t ms, int tz_minutes)
{
    int64_t local_ms = ms + (int64_t) tz_minutes * 60000;
    int64_t day = local_ms / 86400000;
    if (local_ms < 0 && local_ms % 86400000)
        day--;
    return (int) day;
}

int64_t
wfa_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    int64_t ms = (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
    //  Tests and demos move the clock: WFA_CLOCK_FILE names a file holding
    //  milliseconds to add (a simulated month runs in seconds). Read on
    //  every call, so a test can move time while the services run.
    const char *path = getenv ("WFA_CLOCK_FILE");
    if (path && *path) {
        FILE *file = fopen (path, "r");
        long long offset = 0;
        if (file && fscanf (file, "%lld", &offset) == 1)
            ms += offset;
        if (file)
            fclose (file);
    }
    return ms;
}

int
wfa_date_today (int tz_minutes)
{
    return wfa_date_of_ms (wfa_now_ms (), tz_minutes);
}

//  A moment as UTC text.
char *
wfa_date_format_ms (int64_t ms, char *buf)
{
    int days = wfa_date_of_ms (ms, 0);
    int64_t of_day = ms - (int64_t) days * 86400000;
    char date [11];
    snprintf (buf, WFA_DATE_MS_SIZE, "%sT%02d:%02d:%02d.%03dZ", wfa_date_format (days, date),
              (int) (of_day / 3600000), (int) (of_day / 60000 % 60), (int) (of_day / 1000 % 60),
              (int) (of_day % 1000));
    return buf;
}

//  Parse UTC text back.
int
wfa_date_parse_ms (const char *text, int64_t *ms)
{
    char date [11];
    int days, hour, minute, second, milli, used = 0;
    if (!text || strlen (text) != WFA_DATE_MS_SIZE - 1 || text [10] != 'T')
        return -1;
    memcpy (date, text, 10);
    date [10] = 0;
    if (wfa_date_parse (date, &days)
    ||  sscanf (text + 11, "%2d:%2d:%2d.%3dZ%n", &hour, &minute, &second, &milli, &used) != 4
    ||  used != 13 || hour > 23 || minute > 59 || second > 59 || hour < 0 || minute < 0
    ||  second < 0 || milli < 0)
        return -1;
    *ms = (int64_t) days * 86400000 + hour * 3600000 + minute * 60000 + second * 1000 + milli;
    return 0;
}

void
wfa_date_test (bool verbose)
{
    int days = 0;
    char buf [11];
    assert (wfa_date_parse ("1970-01-01", &days) == 0 && days == 0);
    assert (wfa_date_parse ("2026-11-28", &days) == 0);
    assert (streq (wfa_date_format (days, buf), "2026-11-28"));
    assert (wfa_date_weekday (days) == 6);          //  A Saturday
    assert (!wfa_date_is_weekday (days));
    assert (wfa_date_is_weekday (days + 2));        //  Monday 30th
    assert (wfa_date_parse ("2024-02-29", &days) == 0);
    assert (wfa_date_parse ("2026-02-29", &days) == -1);
    assert (wfa_date_parse ("2026-13-01", &days) == -1);
    assert (wfa_date_parse ("2026-1-01", &days) == -1);
    assert (wfa_date_parse ("2026-01-01x", &days) == -1);
    assert (wfa_date_parse ("20a6-01-01", &days) == -1);
    assert (wfa_date_parse (NULL, &days) == -1);
    //  Round trip over a long span
    for (int day_nbr = -1000; day_nbr < 40000; day_nbr += 7) {
        wfa_date_format (day_nbr, buf);
        int back = 0;
        assert (wfa_date_parse (buf, &back) == 0 || day_nbr < -700);
        assert (day_nbr < -700 || back == day_nbr);
    }
    //  16:59:59 UTC is 23:59:59 WIB the same day; 17:00 UTC is the next day
    int64_t ms = (int64_t) wfa_date_from_ymd (2026, 11, 30) * 86400000 + 16 * 3600000 + 3599000;
    assert (wfa_date_of_ms (ms, WFA_TZ_WIB) == wfa_date_from_ymd (2026, 11, 30));
    assert (wfa_date_of_ms (ms + 1000, WFA_TZ_WIB) == wfa_date_from_ymd (2026, 12, 1));
    assert (wfa_date_of_ms (ms - 3600000, WFA_TZ_WITA) == wfa_date_from_ymd (2026, 11, 30));
    assert (wfa_date_of_ms (ms - 3600000 + 1000, WFA_TZ_WITA) == wfa_date_from_ymd (2026, 12, 1));
    assert (wfa_date_of_ms (-1, 0) == -1);
    assert (wfa_now_ms () > 1700000000000LL);
    //  Today in a pemda follows the test clock: ten days on, it is ten days
    //  later there (unless the real day turned while asking)
    int real_before = wfa_date_today (WFA_TZ_WIT);
    const char *saved = getenv ("WFA_CLOCK_FILE");
    char *saved_copy = saved? strdup (saved): NULL;
    char clock_path [] = "/tmp/wfa_date_test_XXXXXX";
    int clock_fd = mkstemp (clock_path);
    assert (clock_fd >= 0);
    FILE *clock_file = fdopen (clock_fd, "w");
    assert (clock_file);
    fprintf (clock_file, "%lld\n", 10LL * 86400000);
    fclose (clock_file);
    setenv ("WFA_CLOCK_FILE", clock_path, 1);
    int moved = wfa_date_today (WFA_TZ_WIT);
    int moved_utc = wfa_date_today (0);
    if (saved_copy)
        setenv ("WFA_CLOCK_FILE", saved_copy, 1);
    else
        unsetenv ("WFA_CLOCK_FILE");
    free (saved_copy);
    unlink (clock_path);
    if (wfa_date_today (WFA_TZ_WIT) == real_before)
        assert (moved == real_before + 10);
    //  WIT is 9 hours ahead of UTC: the same day there, or the next one
    assert (moved - moved_utc == 0 || moved - moved_utc == 1);
    //  ISO weeks, including the ones that straddle a new year
    char week [9];
    assert (streq (wfa_date_iso_week (wfa_date_from_ymd (2026, 12, 1), week), "2026-W49"));
    assert (streq (wfa_date_iso_week (wfa_date_from_ymd (2026, 11, 30), week), "2026-W49"));
    assert (streq (wfa_date_iso_week (wfa_date_from_ymd (2026, 12, 6), week), "2026-W49"));
    assert (streq (wfa_date_iso_week (wfa_date_from_ymd (2027, 1, 1), week), "2026-W53"));
    assert (streq (wfa_date_iso_week (wfa_date_from_ymd (2025, 12, 29), week), "2026-W01"));
    assert (streq (wfa_date_iso_week (wfa_date_from_ymd (2024, 12, 30), week), "2025-W01"));
    //  Moments as UTC text, and back
    char moment [WFA_DATE_MS_SIZE];
    assert (streq (wfa_date_format_ms (1764589529123LL, moment), "2025-12-01T11:45:29.123Z"));
    assert (wfa_date_parse_ms (moment, &ms) == 0 && ms == 1764589529123LL);
    assert (streq (wfa_date_format_ms (0, moment), "1970-01-01T00:00:00.000Z"));
    assert (wfa_date_parse_ms ("2025-12-01T11:45:29.123", &ms) == -1);
    assert (wfa_date_parse_ms ("2025-12-01T24:45:29.123Z", &ms) == -1);
    assert (wfa_date_parse_ms ("2025-12-01 11:45:29.123Z", &ms) == -1);
    if (verbose)
        printf ("wfa_date: ok\n");
}
