/*  wfa_date.h - calendar dates as day numbers, in a pemda's local time.
    A date is the count of days since 1970-01-01; no time zone database is
    needed because Indonesia's zones (WIB, WITA, WIT) are fixed offsets. */
#ifndef WFA_DATE_H_INCLUDED
#define WFA_DATE_H_INCLUDED

#define WFA_TZ_WIB (7 * 60)     //  Minutes east of UTC
#define WFA_TZ_WITA (8 * 60)
#define WFA_TZ_WIT (9 * 60)

//  Day number of y-m-d; no validation.
int wfa_date_from_ymd (int year, int month, int day);

//  Parse a strict YYYY-MM-DD into a day number; -1 if not a real date.
int wfa_date_parse (const char *text, int *days);

//  Format a day number as YYYY-MM-DD into buf (at least 11 bytes).
char *wfa_date_format (int days, char *buf);

//  Day of the week, 0 = Sunday .. 6 = Saturday.
int wfa_date_weekday (int days);

//  True on Monday to Friday.
bool wfa_date_is_weekday (int days);

//  ISO 8601 week of a day, "YYYY-Www", into buf (at least 9 bytes).
char *wfa_date_iso_week (int days, char *buf);

//  Local day number of a moment in ms since the epoch, tz in minutes.
int wfa_date_of_ms (int64_t ms, int tz_minutes);

//  A moment (ms since the epoch) as UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf
//  (at least WFA_DATE_MS_SIZE bytes), as log lines and audit anchors show it.
#define WFA_DATE_MS_SIZE 25
char *wfa_date_format_ms (int64_t ms, char *buf);

//  Parse that form back into ms; -1 if it is not exactly that.
int wfa_date_parse_ms (const char *text, int64_t *ms);

//  Milliseconds since the epoch, now (moved by the test clock: a file
//  named by WFA_CLOCK_FILE holding milliseconds to add).
int64_t wfa_now_ms (void);

//  Today in a pemda's zone (tz in minutes east of UTC) as a day number, by
//  the same clock as wfa_now_ms: the one way to ask "what day is it there".
int wfa_date_today (int tz_minutes);

void wfa_date_test (bool verbose);

#endif
