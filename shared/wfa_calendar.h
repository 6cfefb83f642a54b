/*  wfa_calendar.h - a pemda's calendar: days off, and Ramadan.

    National holidays (libur nasional), collective leave (cuti bersama) and
    local holidays (libur daerah) are set per pemda; working days are
    Monday to Friday minus these. The days of Ramadan, when the Ramadan
    working hours hold (Perpres 21/2023 art. 4), are set in the same
    calendar: they are working days. The file format, one entry a line:
        YYYY-MM-DD,KIND,NAME
        YYYY-MM-DD..YYYY-MM-DD,ramadan,NAME     (Ramadan: a day or a range)
    KIND is nasional, cuti_bersama, lokal or ramadan; NAME is the rest of
    the line, or one quoted CSV field ("Hari ""Jadi"", 2026"): the file is
    read by the one CSV reader (wfa_csv), so CRLF, a byte order mark and
    quotes work as in any CSV. A Ramadan day may also be a day off (cuti
    bersama before Idul Fitri). Blank lines and lines starting with '#' are
    ignored. */
#ifndef WFA_CALENDAR_H_INCLUDED
#define WFA_CALENDAR_H_INCLUDED

#define WFA_CALENDAR_MAX 1000   //  Days in one calendar (one call carries them all)
#define WFA_HOLIDAY_NAME_MAX 200
#define WFA_RAMADAN_DAYS_MAX 31 //  Days in one Ramadan range

typedef struct {
    int day;                    //  Day number (wfa_date); the first of a range
    int last_day;               //  The last day of a Ramadan range; day otherwise
    char date [24];             //  YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD (ramadan)
    char kind [16];             //  nasional | cuti_bersama | lokal | ramadan
    char name [WFA_HOLIDAY_NAME_MAX + 1];
} wfa_holiday_t;

//  Called once per bad line: its number and the code and field at fault.
typedef void (wfa_calendar_problem_fn) (void *arg, int line, wfa_code_t code, const char *field);

//  Parse calendar text into holidays (an array the caller frees, *count
//  entries). Returns the number of problems; on problems, *holidays is NULL.
int wfa_calendar_parse (const char *text, wfa_holiday_t **holidays, size_t *count,
                        wfa_calendar_problem_fn *problem, void *arg);

//  When an SLA of sla_ms of working time, started at opened_ms, runs out
//  (ms since the epoch). Working time is every moment of a working day in
//  the pemda's zone (tz_minutes east of UTC), 24 hours a day: Monday to
//  Friday, not in days_off (sorted day numbers: holidays, cuti bersama).
//  Time on other days does not count; started on a day off, it counts from
//  the next working day's 00:00. A deadline never falls inside a day off:
//  one that ends a working day is the next working day's 00:00.
int64_t wfa_calendar_deadline (int64_t opened_ms, int64_t sla_ms, const int *days_off, size_t count,
                               int tz_minutes);

//  True for a known kind of calendar entry (a day off, or ramadan).
bool wfa_holiday_kind_valid (const char *kind);

void wfa_calendar_test (bool verbose);

#endif
