/*  wfa_calendar.c - reading a pemda's calendar of days off. */
#include "wfa.h"

static const char *s_kinds [] = { "nasional", "cuti_bersama", "lokal", NULL };

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
    int line_nbr = 0;
    const char *cursor = text;
    while (*cursor) {
        line_nbr++;
        size_t len = strcspn (cursor, "\n");
        char *line = strndup (cursor, len);
        cursor += len + (cursor [len] == '\n');
        char *body = s_trim (line);
        if (*body == 0 || *body == '#') {
            free (line);
            continue;
        }
        char *date = body;
        char *kind = strchr (date, ',');
        char *name = kind? strchr (kind + 1, ','): NULL;
        int day = 0;
        if (!kind || !name) {
            problem (arg, line_nbr, WFA_E_BAD_VALUE, "line");
            problems++;
            free (line);
            continue;
        }
        *kind++ = 0;
        *name++ = 0;
        date = s_trim (date);
        kind = s_trim (kind);
        name = s_trim (name);
        bool good = true;
        if (wfa_date_parse (date, &day)) {
            problem (arg, line_nbr, WFA_E_BAD_DATE, "date");
            good = false;
        }
        if (!wfa_holiday_kind_valid (kind)) {
            problem (arg, line_nbr, WFA_E_BAD_VALUE, "kind");
            good = false;
        }
        if (!*name || strlen (name) > WFA_HOLIDAY_NAME_MAX || !wfa_utf8_valid (name, strlen (name))) {
            problem (arg, line_nbr, WFA_E_BAD_VALUE, "name");
            good = false;
        }
        for (size_t held_nbr = 0; good && held_nbr < *count; held_nbr++)
            if (list [held_nbr].day == day) {
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
            snprintf (holiday->date, sizeof holiday->date, "%s", date);
            snprintf (holiday->kind, sizeof holiday->kind, "%s", kind);
            snprintf (holiday->name, sizeof holiday->name, "%s", name);
        }
        else
            problems++;
        free (line);
    }
    if (problems) {
        free (list);
        *count = 0;
    }
    else
        *holidays = list;
    return problems;
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
        "2026-12-15,lokal,Hari Jadi Lumajang\n";
    assert (wfa_calendar_parse (good, &holidays, &count, s_log_problem, log) == 0);
    assert (count == 3 && holidays);
    assert (streq (holidays [1].kind, "cuti_bersama"));
    assert (streq (holidays [1].name, "Cuti Bersama Natal, Tahun 2026"));
    assert (streq (holidays [2].date, "2026-12-15"));
    free (holidays);

    const char *bad =
        "2026-12-25,nasional,Natal\n"
        "2026-02-30,nasional,Tanggal salah\n"
        "2026-12-26,libur,Jenis salah\n"
        "2026-12-25,lokal,Ganda\n"
        "tanpa koma\n"
        "2026-12-27,lokal,\n";
    assert (wfa_calendar_parse (bad, &holidays, &count, s_log_problem, log) == 5);
    assert (holidays == NULL && count == 0);
    assert (streq (log, "2:BAD_DATE:date 3:BAD_VALUE:kind 4:DUPLICATE_DATE:date 5:BAD_VALUE:line "
                        "6:BAD_VALUE:name "));
    if (verbose)
        printf ("wfa_calendar: ok\n");
}
