/*  wfa_calendar.h - a pemda's calendar of days off.

    National holidays (libur nasional), collective leave (cuti bersama) and
    local holidays (libur daerah) are set per pemda; working days are
    Monday to Friday minus these. The file format, one day a line:
        YYYY-MM-DD,KIND,NAME
    KIND is nasional, cuti_bersama or lokal; NAME is the rest of the line.
    Blank lines and lines starting with '#' are ignored. */
#ifndef WFA_CALENDAR_H_INCLUDED
#define WFA_CALENDAR_H_INCLUDED

#define WFA_CALENDAR_MAX 1000   //  Days in one calendar (one call carries them all)
#define WFA_HOLIDAY_NAME_MAX 200

typedef struct {
    int day;                    //  Day number (wfa_date)
    char date [11];             //  YYYY-MM-DD
    char kind [16];             //  nasional | cuti_bersama | lokal
    char name [WFA_HOLIDAY_NAME_MAX + 1];
} wfa_holiday_t;

//  Called once per bad line: its number and the code and field at fault.
typedef void (wfa_calendar_problem_fn) (void *arg, int line, wfa_code_t code, const char *field);

//  Parse calendar text into holidays (an array the caller frees, *count
//  entries). Returns the number of problems; on problems, *holidays is NULL.
int wfa_calendar_parse (const char *text, wfa_holiday_t **holidays, size_t *count,
                        wfa_calendar_problem_fn *problem, void *arg);

//  True for a known kind of day off.
bool wfa_holiday_kind_valid (const char *kind);

void wfa_calendar_test (bool verbose);

#endif
