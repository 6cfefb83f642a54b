/*  wfa_policy.c - reading, resolving and writing a pemda's policy file.

    One table (s_keys) holds every key of the sections that carry rules:
    its section, name, type, bounds, default and where its value lives in
    wfa_rules_t. The parser, the defaults, the OPD overrides and the
    canonical text all walk that table, so a new key is one new row.

    An OPD section keeps its own values and a bit per key it sets; the
    effective rules of that OPD are the pemda's with those keys copied over.
    Every limit (file size, line count, line length, list entries, OPD
    sections, steps) is checked before anything is allocated for it. A
    problem is reported by its key in the text table (wfa_error.c), which
    holds the sentence in both languages. */
#include "wfa.h"

typedef enum {
    S_SECTION_NONE = 0,         //  Before the first header
    S_SECTION_PEMDA,
    S_SECTION_KINDS,
    S_SECTION_LIMITS,
    S_SECTION_CAPACITY,
    S_SECTION_ELIGIBILITY,
    S_SECTION_MONEV,
    S_SECTION_CHAIN,
    S_SECTION_OPD,
    S_SECTION_SKIP,             //  Under a header that was refused
    S_SECTION_COUNT
} s_section_t;

static const char *s_section_names [] = {
    "", "pemda", "kinds", "limits", "capacity", "eligibility", "monev", "chain", "opd", ""
};

typedef enum {
    S_TYPE_INT,                 //  Whole number min..max
    S_TYPE_DECIMAL,             //  Number min..max, at most 2 decimals
    S_TYPE_YESNO,
    S_TYPE_LOCATION,            //  List of location kinds
    S_TYPE_TIME,                //  List of time kinds
    S_TYPE_PREDIKAT,
    S_TYPE_BLACKOUT,            //  List of dates and ranges
    S_TYPE_TZ,
    S_TYPE_CLOCK,               //  HH:MM, stored as minutes since midnight
    S_TYPE_GEO,                 //  "LAT, LON" in degrees, or empty
    S_TYPE_RETIRED,             //  A key no longer read: empty, or refused naming
                                //  where its rule went (s_retired)
    S_TYPE_MISSING              //  deny or allow, stored as a bool (allow: true)
} s_type_t;

typedef struct {
    s_section_t section;
    const char *name;
    s_type_t type;
    int min, max;
    size_t offset;              //  Where the value lives in wfa_rules_t
    size_t size;                //  and how many bytes it takes there
    const char *fallback;       //  Default as text; NULL: from the pemda code
} s_key_t;

#define S_FIELD(field) offsetof (wfa_rules_t, field), sizeof (((wfa_rules_t *) 0)->field)

static const s_key_t s_keys [] = {
    { S_SECTION_PEMDA, "timezone", S_TYPE_TZ, 0, 0, S_FIELD (tz_minutes), NULL },
    { S_SECTION_KINDS, "location", S_TYPE_LOCATION, 0, 0,
      offsetof (wfa_rules_t, kind_allowed), 3 * sizeof (bool), "rumah, kantor_lain, lokasi_lain" },
    { S_SECTION_KINDS, "time", S_TYPE_TIME, 0, 0,
      offsetof (wfa_rules_t, kind_allowed) + 3 * sizeof (bool), 2 * sizeof (bool), "sif, dinamis" },
    { S_SECTION_LIMITS, "weekly_location_days", S_TYPE_INT, 0, 2, S_FIELD (weekly_location_days), "2" },
    { S_SECTION_LIMITS, "min_notice_working_days", S_TYPE_INT, 0, 60,
      S_FIELD (min_notice_working_days), "0" },
    { S_SECTION_LIMITS, "max_days_per_request", S_TYPE_INT, 1, 31, S_FIELD (max_days_per_request), "10" },
    { S_SECTION_LIMITS, "blackout", S_TYPE_BLACKOUT, 0, 0, 0, 0, "" },
    { S_SECTION_LIMITS, "weekly_hours", S_TYPE_DECIMAL, 1, 60, S_FIELD (weekly_hours), "37.5" },
    { S_SECTION_LIMITS, "ramadan_weekly_hours", S_TYPE_DECIMAL, 1, 60,
      S_FIELD (ramadan_weekly_hours), "32.5" },
    { S_SECTION_LIMITS, "ramadan", S_TYPE_RETIRED, 0, 0, 0, 0, NULL },
    { S_SECTION_LIMITS, "break_minutes", S_TYPE_INT, 0, 240, S_FIELD (break_minutes), "60" },
    { S_SECTION_LIMITS, "friday_break_minutes", S_TYPE_INT, 0, 240, S_FIELD (friday_break_minutes), "90" },
    { S_SECTION_LIMITS, "ramadan_break_minutes", S_TYPE_INT, 0, 240, S_FIELD (ramadan_break_minutes), "30" },
    { S_SECTION_LIMITS, "ramadan_friday_break_minutes", S_TYPE_INT, 0, 240,
      S_FIELD (ramadan_friday_break_minutes), "60" },
    { S_SECTION_LIMITS, "working_days", S_TYPE_INT, 5, 7, S_FIELD (working_days), "5" },
    { S_SECTION_CAPACITY, "max_people_per_day", S_TYPE_INT, 0, 100000, S_FIELD (max_people_per_day), "0" },
    { S_SECTION_CAPACITY, "max_percent_per_day", S_TYPE_INT, 0, 100, S_FIELD (max_percent_per_day), "0" },
    { S_SECTION_CAPACITY, "unit_max_people_per_day", S_TYPE_INT, 0, 100000,
      S_FIELD (unit_max_people_per_day), "0" },
    { S_SECTION_CAPACITY, "unit_max_percent_per_day", S_TYPE_INT, 0, 100,
      S_FIELD (unit_max_percent_per_day), "0" },
    { S_SECTION_CAPACITY, "min_present_per_day", S_TYPE_INT, 0, 100000, S_FIELD (min_present_per_day), "0" },
    { S_SECTION_CAPACITY, "unit_min_present_per_day", S_TYPE_INT, 0, 100000,
      S_FIELD (unit_min_present_per_day), "0" },
    { S_SECTION_ELIGIBILITY, "block_when_sanctioned", S_TYPE_YESNO, 0, 0,
      S_FIELD (block_when_sanctioned), "yes" },
    { S_SECTION_ELIGIBILITY, "min_months_of_service", S_TYPE_INT, 0, 600,
      S_FIELD (min_months_of_service), "12" },
    { S_SECTION_ELIGIBILITY, "min_predikat", S_TYPE_PREDIKAT, 0, 0, S_FIELD (min_predikat), "none" },
    { S_SECTION_ELIGIBILITY, "require_position_eligible", S_TYPE_YESNO, 0, 0,
      S_FIELD (require_position_eligible), "yes" },
    { S_SECTION_ELIGIBILITY, "field_based_exempt_from_cap", S_TYPE_YESNO, 0, 0,
      S_FIELD (field_based_exempt_from_cap), "yes" },
    { S_SECTION_ELIGIBILITY, "special_circumstance_exempt_from_cap", S_TYPE_YESNO, 0, 0,
      S_FIELD (special_circumstance_exempt_from_cap), "yes" },
    { S_SECTION_ELIGIBILITY, "missing", S_TYPE_MISSING, 0, 0, S_FIELD (missing_allowed), "deny" },
    { S_SECTION_MONEV, "work_start", S_TYPE_CLOCK, 0, 0, S_FIELD (work_start), "07:30" },
    { S_SECTION_MONEV, "ramadan_work_start", S_TYPE_CLOCK, 0, 0, S_FIELD (ramadan_work_start), "08:00" },
    { S_SECTION_MONEV, "checkin_grace_minutes", S_TYPE_INT, 0, 240, S_FIELD (checkin_grace_minutes), "15" },
    { S_SECTION_MONEV, "report_deadline", S_TYPE_CLOCK, 0, 0, S_FIELD (report_deadline), "23:59" },
    { S_SECTION_MONEV, "geofence_radius_m", S_TYPE_INT, 10, 100000, S_FIELD (geofence_radius_m), "200" },
    { S_SECTION_MONEV, "office", S_TYPE_GEO, 0, 0, offsetof (wfa_rules_t, office_e6),
      sizeof (((wfa_rules_t *) 0)->office_e6), "" },
    { S_SECTION_MONEV, "min_checkin_compliance", S_TYPE_INT, 0, 100, S_FIELD (min_checkin_compliance), "95" },
    { S_SECTION_MONEV, "min_report_rate", S_TYPE_INT, 0, 100, S_FIELD (min_report_rate), "90" },
    { S_SECTION_MONEV, "min_attainment", S_TYPE_INT, 0, 1000, S_FIELD (min_attainment), "100" },
    { S_SECTION_MONEV, "flag_after_weeks", S_TYPE_INT, 1, 52, S_FIELD (flag_after_weeks), "2" },
    { S_SECTION_MONEV, "suspend_weeks", S_TYPE_INT, 0, 52, S_FIELD (suspend_weeks), "0" },
    { S_SECTION_NONE, NULL, S_TYPE_INT, 0, 0, 0, 0, NULL }
};
#define S_KEY_MAX 64            //  Keys fit one bit each in a uint64_t
#define S_BIT(key_nbr) ((uint64_t) 1 << (key_nbr))

//  Keys whose bounds are the regulation's, not the pemda's choice: a value
//  past them is refused naming the article (a pemda may tighten the rules,
//  never loosen them).
typedef struct {
    const char *name;           //  Key in [limits] (or limits.KEY of an OPD)
    wfa_text_t article;         //  The rule, in the text table
} s_legal_t;

static const s_legal_t s_legal [] = {
    { "weekly_location_days", WFA_T_LEGAL_WEEKLY_LOCATION_DAYS },
    { NULL, WFA_T_COUNT }
};

//  Retired keys: where their rule lives now.
typedef struct {
    const char *name;
    wfa_text_t moved;           //  Where its rule is now, in the text table
} s_retired_t;

static const s_retired_t s_retired [] = {
    { "ramadan", WFA_T_RETIRED_RAMADAN },
    { NULL, WFA_T_COUNT }
};

static const char *s_kind_names [] = { "rumah", "kantor_lain", "lokasi_lain", "sif", "dinamis" };
static const char *s_predikat_names [] = {
    "none", "sangat_kurang", "kurang", "butuh_perbaikan", "baik", "sangat_baik"
};
static const char *s_step_roles [] = { "atasan", "kepala_opd", "bkd", NULL };
static const char *s_step_actions [] = { "remind", "escalate", "expire", NULL };

//  One [opd CODE] section: the keys it sets and their values.
typedef struct {
    char code [WFA_CODE_MAX + 1];
    uint64_t set;               //  Bit per s_keys index
    wfa_rules_t values;         //  Meaningful for the keys set
    int *blackout;              //  Pairs from, to; when limits.blackout is set
    size_t blackout_count;
    int line;                   //  Its header line
    int key_line [S_KEY_MAX];   //  Line where each key was given, 0 if not
} s_opd_t;

struct _wfa_policy_t {
    wfa_rules_t rules;          //  The pemda's rules
    int *blackout;              //  Pairs from, to
    size_t blackout_count;
    wfa_step_t steps [WFA_POLICY_STEPS_MAX];
    size_t step_count;
    char ppk_delegate [16];     //  The role whose step decides for the PPK: last
    zhashx_t *opds;             //  s_opd_t by code
};

//  Parser state for one text.
typedef struct {
    wfa_policy_t *policy;
    zlistx_t *errors;           //  Errors found, in line order
    int line;                   //  Current line, 1-based
    s_section_t section;        //  Current section
    s_opd_t *opd;               //  Current OPD, in an [opd] section
    int section_line [S_SECTION_COUNT];
    int key_line [S_KEY_MAX];   //  Line of each pemda key, 0 if not given
    int step_lines;             //  step lines seen, good or bad
    bool stored;                //  A stored text (wfa_policy_parse_stored)
    int last_step_line;         //  Line of the last good step
    int delegate_line;          //  Line of ppk_delegate, 0 if not given
} s_parser_t;

#define S_WHY_MAX 200           //  "must be ..." text of a bad value, per language

//  ---------------------------------------------------------------------
//  Small helpers

//  Destroy an error item of a list.
static void
s_error_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  Cut both messages of a problem on a character boundary to fit 256 bytes.
static wfa_policy_error_t *
s_error_cut (wfa_policy_error_t *error)
{
    error->message_id [wfa_utf8_cut (error->message_id, strlen (error->message_id), 255)] = 0;
    error->message_en [wfa_utf8_cut (error->message_en, strlen (error->message_en), 255)] = 0;
    return error;
}

//  A new problem at line: text key of the message table in both languages.
static wfa_policy_error_t *
s_error_vnew (int line, wfa_text_t key, va_list args)
{
    wfa_policy_error_t *error = (wfa_policy_error_t *) zmalloc (sizeof (wfa_policy_error_t));
    error->line = line;
    va_list copy;
    va_copy (copy, args);
    wfa_text_vformat (key, WFA_LANG_ID, error->message_id, sizeof error->message_id, args);
    wfa_text_vformat (key, WFA_LANG_EN, error->message_en, sizeof error->message_en, copy);
    va_end (copy);
    return s_error_cut (error);
}

//  The same, from the template's arguments.
static wfa_policy_error_t *
s_error_new (int line, wfa_text_t key, ...)
{
    va_list args;
    va_start (args, key);
    wfa_policy_error_t *error = s_error_vnew (line, key, args);
    va_end (args);
    return error;
}

//  Record one problem (text key with its arguments) at a line.
static void
s_error_at (s_parser_t *self, int line, wfa_text_t key, ...)
{
    va_list args;
    va_start (args, key);
    zlistx_add_end (self->errors, s_error_vnew (line, key, args));
    va_end (args);
}

//  Record one problem (text key with its arguments) at the current line.
static void
s_error (s_parser_t *self, wfa_text_t key, ...)
{
    va_list args;
    va_start (args, key);
    zlistx_add_end (self->errors, s_error_vnew (self->line, key, args));
    va_end (args);
}

//  Trim spaces at both ends, in place.
static char *
s_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    size_t len = strlen (text);
    while (len > 0 && isspace ((unsigned char) text [len - 1]))
        text [--len] = 0;
    return text;
}

//  Next comma-separated item of *cursor, trimmed; NULL after the last.
//  The text is cut in place.
static char *
s_next_item (char **cursor)
{
    char *item = *cursor;
    if (!item)
        return NULL;
    char *comma = strchr (item, ',');
    if (comma) {
        *comma = 0;
        *cursor = comma + 1;
    }
    else
        *cursor = NULL;
    return s_trim (item);
}

//  Index of name in a NULL-terminated table; -1 if absent.
static int
s_lookup (const char **table, const char *name)
{
    for (int entry_nbr = 0; table [entry_nbr]; entry_nbr++)
        if (streq (table [entry_nbr], name))
            return entry_nbr;
    return -1;
}

//  Parse 1..9 digits into *number; -1 if not that.
static int
s_parse_int (const char *text, int *number)
{
    size_t len = strlen (text);
    if (len == 0 || len > 9 || strspn (text, "0123456789") != len)
        return -1;
    *number = atoi (text);
    return 0;
}

//  Parse digits with an optional '.' and 1..2 decimals into hundredths.
static int
s_parse_hundredths (const char *text, int *hundredths)
{
    size_t whole = strspn (text, "0123456789");
    if (whole == 0 || whole > 6)
        return -1;
    int value = atoi (text) * 100;
    const char *rest = text + whole;
    if (*rest == '.') {
        size_t decimals = strspn (rest + 1, "0123456789");
        if (decimals == 0 || decimals > 2 || rest [1 + decimals])
            return -1;
        value += (rest [1] - '0') * 10 + (decimals == 2? rest [2] - '0': 0);
    }
    else
    if (*rest)
        return -1;
    *hundredths = value;
    return 0;
}

//  Parse YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (in place); -1 if not a
//  date or range, -2 if the range ends before it starts.
static int
s_parse_range (char *text, int *from, int *to)
{
    char *dots = strstr (text, "..");
    if (dots)
        *dots = 0;
    if (wfa_date_parse (s_trim (text), from))
        return -1;
    *to = *from;
    if (dots && wfa_date_parse (s_trim (dots + 2), to))
        return -1;
    return *to < *from? -2: 0;
}

//  Set a list of kinds (in place) into allowed; false if bad.
static bool
s_parse_kinds (char *value, int first, int last, bool *allowed)
{
    bool listed [WFA_KIND_COUNT] = { false };
    if (*value) {
        char *cursor = value;
        char *item;
        while ((item = s_next_item (&cursor))) {
            int kind = wfa_kind_parse (item);
            if (kind < first || kind > last || listed [kind])
                return false;
            listed [kind] = true;
        }
    }
    for (int kind = first; kind <= last; kind++)
        allowed [kind - first] = listed [kind];
    return true;
}

//  ---------------------------------------------------------------------
//  Values

//  Set a key from its text (cut in place) into rules and, for the
//  blackout, into *blackout_p/*count_p. False if the value is bad, with
//  what it must be in why [WFA_LANG_ID] and why [WFA_LANG_EN].
static bool
s_value_set (const s_key_t *key, char *value, wfa_rules_t *rules, int **blackout_p,
             size_t *count_p, bool stored, char why [2][S_WHY_MAX])
{
    char *field = (char *) rules + key->offset;
    int number = 0;
    switch (key->type) {
        case S_TYPE_INT: {
            const s_legal_t *legal = s_legal;
            while (legal->name && !streq (legal->name, key->name))
                legal++;
            bool parsed = s_parse_int (value, &number) == 0;
            if (parsed && number > key->max && legal->name && stored)
                number = key->max;  //  Stored before the ceiling: read as the ceiling
            if (parsed && number >= key->min && number <= key->max) {
                *(int *) field = number;
                return true;
            }
            if (parsed && number > key->max && legal->name) {
                for (int lang = WFA_LANG_ID; lang <= WFA_LANG_EN; lang++)
                    wfa_text_format (WFA_T_MUST_INT_LEGAL, (wfa_lang_t) lang, why [lang], S_WHY_MAX,
                                     key->min, key->max, wfa_text (legal->article, (wfa_lang_t) lang));
                return false;
            }
            wfa_text_both (WFA_T_MUST_INT, why [0], why [1], S_WHY_MAX, key->min, key->max);
            return false;
        }
        case S_TYPE_DECIMAL:
            if (s_parse_hundredths (value, &number) == 0
            &&  number >= key->min * 100 && number <= key->max * 100) {
                *(double *) field = number / 100.0;
                return true;
            }
            wfa_text_both (WFA_T_MUST_DECIMAL, why [0], why [1], S_WHY_MAX, key->min, key->max);
            return false;
        case S_TYPE_YESNO:
            if (streq (value, "yes") || streq (value, "no")) {
                *(bool *) field = streq (value, "yes");
                return true;
            }
            wfa_text_both (WFA_T_MUST_YESNO, why [0], why [1], S_WHY_MAX);
            return false;
        case S_TYPE_MISSING:
            if (streq (value, "deny") || streq (value, "allow")) {
                *(bool *) field = streq (value, "allow");
                return true;
            }
            wfa_text_both (WFA_T_MUST_MISSING, why [0], why [1], S_WHY_MAX);
            return false;
        case S_TYPE_TZ:
            number = streq (value, "WIB")? WFA_TZ_WIB: streq (value, "WITA")? WFA_TZ_WITA:
                     streq (value, "WIT")? WFA_TZ_WIT: -1;
            if (number > 0) {
                *(int *) field = number;
                return true;
            }
            wfa_text_both (WFA_T_MUST_TZ, why [0], why [1], S_WHY_MAX);
            return false;
        case S_TYPE_CLOCK: {
            int hours = -1, minutes = -1;
            char rest = 0;
            if (strlen (value) == 5 && sscanf (value, "%2d:%2d%c", &hours, &minutes, &rest) == 2
            &&  isdigit ((unsigned char) value [0]) && isdigit ((unsigned char) value [3])
            &&  hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59) {
                *(int *) field = hours * 60 + minutes;
                return true;
            }
            wfa_text_both (WFA_T_MUST_CLOCK, why [0], why [1], S_WHY_MAX);
            return false;
        }
        case S_TYPE_GEO: {
            int *pair = (int *) field;
            if (*value == 0) {
                pair [0] = pair [1] = WFA_GEO_NONE;
                return true;
            }
            double lat = 0, lon = 0;
            int used = 0;
            if (sscanf (value, "%lf , %lf%n", &lat, &lon, &used) == 2 && value [used] == 0
            &&  lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
                pair [0] = (int) lround (lat * 1e6);
                pair [1] = (int) lround (lon * 1e6);
                return true;
            }
            wfa_text_both (WFA_T_MUST_GEO, why [0], why [1], S_WHY_MAX);
            return false;
        }
        case S_TYPE_PREDIKAT:
            number = wfa_predikat_parse (value);
            if (number >= 0) {
                *(int *) field = number;
                return true;
            }
            wfa_text_both (WFA_T_MUST_PREDIKAT, why [0], why [1], S_WHY_MAX);
            return false;
        case S_TYPE_LOCATION:
            if (s_parse_kinds (value, WFA_KIND_RUMAH, WFA_KIND_LOKASI_LAIN, (bool *) field))
                return true;
            wfa_text_both (WFA_T_MUST_LOCATION_KINDS, why [0], why [1], S_WHY_MAX);
            return false;
        case S_TYPE_TIME:
            if (s_parse_kinds (value, WFA_KIND_SIF, WFA_KIND_DINAMIS, (bool *) field))
                return true;
            wfa_text_both (WFA_T_MUST_TIME_KINDS, why [0], why [1], S_WHY_MAX);
            return false;
        case S_TYPE_RETIRED: {
            if (*value == 0 || stored)
                return true;        //  Older canonical texts write it empty
            for (const s_retired_t *retired = s_retired; retired->name; retired++)
                if (streq (retired->name, key->name)) {
                    for (int lang = WFA_LANG_ID; lang <= WFA_LANG_EN; lang++)
                        wfa_text_format (WFA_T_MUST_EMPTY_RETIRED, (wfa_lang_t) lang, why [lang],
                                         S_WHY_MAX, wfa_text (retired->moved, (wfa_lang_t) lang));
                }
            return false;
        }
        case S_TYPE_BLACKOUT: {
            size_t count = 0;
            if (*value) {
                count = 1;
                for (const char *scan = value; *scan; scan++)
                    count += *scan == ',';
            }
            if (count > WFA_POLICY_BLACKOUT_MAX) {
                wfa_text_both (WFA_T_MUST_BLACKOUT_COUNT, why [0], why [1], S_WHY_MAX,
                               WFA_POLICY_BLACKOUT_MAX);
                return false;
            }
            int *days = count? (int *) malloc (count * 2 * sizeof (int)): NULL;
            assert (days || count == 0);
            char *cursor = count? value: NULL;
            char *item;
            size_t item_nbr = 0;
            while ((item = s_next_item (&cursor))) {
                int rc = s_parse_range (item, &days [item_nbr * 2], &days [item_nbr * 2 + 1]);
                if (rc) {
                    free (days);
                    wfa_text_both (rc == -2? WFA_T_MUST_BLACKOUT_ORDER: WFA_T_MUST_BLACKOUT_DATES,
                                   why [0], why [1], S_WHY_MAX, item_nbr + 1);
                    return false;
                }
                item_nbr++;
            }
            free (*blackout_p);
            *blackout_p = days;
            *count_p = count;
            return true;
        }
    }
    return false;
}

//  Append printf-style text to a growing string.
static void __attribute__ ((format (printf, 2, 3)))
s_append (zchunk_t *text, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *piece = zsys_vprintf (format, args);
    va_end (args);
    assert (piece);
    zchunk_extend (text, piece, strlen (piece));
    free (piece);
}

//  Append a decimal with at most 2 decimals, shortest form.
static void
s_append_decimal (zchunk_t *text, double value)
{
    int hundredths = (int) (value * 100 + 0.5);
    if (hundredths % 100 == 0)
        s_append (text, "%d", hundredths / 100);
    else
    if (hundredths % 10 == 0)
        s_append (text, "%d.%d", hundredths / 100, (hundredths % 100) / 10);
    else
        s_append (text, "%d.%02d", hundredths / 100, hundredths % 100);
}

//  Append one date or range.
static void
s_append_range (zchunk_t *text, int from, int to)
{
    char from_text [11], to_text [11];
    wfa_date_format (from, from_text);
    if (from == to)
        s_append (text, "%s", from_text);
    else
        s_append (text, "%s..%s", from_text, wfa_date_format (to, to_text));
}

//  Append a key's value as text.
static void
s_value_append (zchunk_t *text, const s_key_t *key, const wfa_rules_t *rules,
                const int *blackout, size_t blackout_count)
{
    const char *field = (const char *) rules + key->offset;
    switch (key->type) {
        case S_TYPE_INT:
            s_append (text, "%d", *(const int *) field);
            break;
        case S_TYPE_DECIMAL:
            s_append_decimal (text, *(const double *) field);
            break;
        case S_TYPE_YESNO:
            s_append (text, "%s", *(const bool *) field? "yes": "no");
            break;
        case S_TYPE_MISSING:
            s_append (text, "%s", *(const bool *) field? "allow": "deny");
            break;
        case S_TYPE_TZ:
            s_append (text, "%s", wfa_tz_name (*(const int *) field));
            break;
        case S_TYPE_CLOCK:
            s_append (text, "%02d:%02d", *(const int *) field / 60, *(const int *) field % 60);
            break;
        case S_TYPE_GEO:
            if (((const int *) field) [0] != WFA_GEO_NONE)
                s_append (text, "%.6f, %.6f", ((const int *) field) [0] / 1e6, ((const int *) field) [1] / 1e6);
            break;
        case S_TYPE_PREDIKAT:
            s_append (text, "%s", wfa_predikat_name (*(const int *) field));
            break;
        case S_TYPE_LOCATION:
        case S_TYPE_TIME: {
            int first = key->type == S_TYPE_LOCATION? WFA_KIND_RUMAH: WFA_KIND_SIF;
            const char *separator = "";
            for (size_t kind_nbr = 0; kind_nbr < key->size / sizeof (bool); kind_nbr++)
                if (((const bool *) field) [kind_nbr]) {
                    s_append (text, "%s%s", separator, wfa_kind_name (first + (int) kind_nbr));
                    separator = ", ";
                }
            break;
        }
        case S_TYPE_RETIRED:
            break;
        case S_TYPE_BLACKOUT:
            for (size_t entry_nbr = 0; entry_nbr < blackout_count; entry_nbr++) {
                if (entry_nbr)
                    s_append (text, ", ");
                s_append_range (text, blackout [entry_nbr * 2], blackout [entry_nbr * 2 + 1]);
            }
            break;
    }
}

//  Destroy an OPD section (zhashx destructor).
static void
s_opd_destroy (void **item_p)
{
    s_opd_t *opd = (s_opd_t *) *item_p;
    if (opd) {
        free (opd->blackout);
        free (opd);
        *item_p = NULL;
    }
}

//  True if day falls in one of count ranges.
static bool
s_in_ranges (const int *ranges, size_t count, int day)
{
    for (size_t entry_nbr = 0; entry_nbr < count; entry_nbr++)
        if (day >= ranges [entry_nbr * 2] && day <= ranges [entry_nbr * 2 + 1])
            return true;
    return false;
}

//  ---------------------------------------------------------------------
//  Parsing

//  List the keys of a section, with a prefix each, into buf.
static void
s_key_list (s_section_t section, char *buf, size_t size)
{
    buf [0] = 0;
    for (int key_nbr = 0; s_keys [key_nbr].name; key_nbr++)
        if (s_keys [key_nbr].section == section) {
            size_t used = strlen (buf);
            snprintf (buf + used, size - used, "%s%s", used? ", ": "", s_keys [key_nbr].name);
        }
}

//  Index of a key of a section in s_keys; -1 if none.
static int
s_key_find (s_section_t section, const char *name)
{
    for (int key_nbr = 0; s_keys [key_nbr].name; key_nbr++)
        if (s_keys [key_nbr].section == section && streq (s_keys [key_nbr].name, name))
            return key_nbr;
    return -1;
}

//  Apply key = value to rules; label is the key as the messages name it.
static void
s_parse_value (s_parser_t *self, int key_nbr, const char *label, char *value,
               wfa_rules_t *rules, int **blackout_p, size_t *count_p, int *key_line)
{
    if (key_line [key_nbr]) {
        s_error (self, WFA_T_POLICY_DUPLICATE_KEY, label, key_line [key_nbr]);
        return;
    }
    key_line [key_nbr] = self->line;
    char why [2][S_WHY_MAX];
    if (!s_value_set (&s_keys [key_nbr], value, rules, blackout_p, count_p, self->stored, why)) {
        //  What it must be differs by language, so each is formatted alone
        wfa_policy_error_t *error = (wfa_policy_error_t *) zmalloc (sizeof (wfa_policy_error_t));
        error->line = self->line;
        wfa_text_format (WFA_T_POLICY_BAD_VALUE, WFA_LANG_ID, error->message_id,
                         sizeof error->message_id, label, why [WFA_LANG_ID]);
        wfa_text_format (WFA_T_POLICY_BAD_VALUE, WFA_LANG_EN, error->message_en,
                         sizeof error->message_en, label, why [WFA_LANG_EN]);
        zlistx_add_end (self->errors, s_error_cut (error));
    }
}

//  Report an unknown key of a section.
static void
s_unknown_key (s_parser_t *self, const char *key, const char *where, const char *allowed)
{
    int len = (int) wfa_utf8_cut (key, strlen (key), 40);
    s_error (self, WFA_T_POLICY_UNKNOWN_KEY, len, key, where, allowed);
}

//  Parse a step value (in place) into step; false if bad.
static bool
s_step_parse (char *value, wfa_step_t *step)
{
    char *cursor = value;
    char *role = s_next_item (&cursor);
    if (s_lookup (s_step_roles, role) < 0)
        return false;
    snprintf (step->role, sizeof step->role, "%s", role);
    step->sla_hours = 0;
    step->on_timeout [0] = 0;
    char *item;
    while ((item = s_next_item (&cursor))) {
        char *equals = strchr (item, '=');
        if (!equals)
            return false;
        *equals = 0;
        char *name = s_trim (item);
        char *setting = s_trim (equals + 1);
        if (streq (name, "sla_hours") && step->sla_hours == 0) {
            if (s_parse_int (setting, &step->sla_hours) || step->sla_hours < 1 || step->sla_hours > 720)
                return false;
        }
        else
        if (streq (name, "on_timeout") && !step->on_timeout [0]) {
            if (s_lookup (s_step_actions, setting) < 0)
                return false;
            snprintf (step->on_timeout, sizeof step->on_timeout, "%s", setting);
        }
        else
            return false;
    }
    return step->sla_hours > 0 && step->on_timeout [0];
}

//  A line in [chain].
static void
s_parse_step (s_parser_t *self, const char *key, char *value)
{
    wfa_policy_t *policy = self->policy;
    if (streq (key, "ppk_delegate")) {
        if (self->delegate_line) {
            s_error (self, WFA_T_POLICY_DUPLICATE_DELEGATE, self->delegate_line);
            return;
        }
        self->delegate_line = self->line;
        if (s_lookup (s_step_roles, value) < 0) {
            s_error (self, WFA_T_POLICY_BAD_DELEGATE);
            return;
        }
        snprintf (policy->ppk_delegate, sizeof policy->ppk_delegate, "%s", value);
        return;
    }
    if (!streq (key, "step")) {
        s_unknown_key (self, key, "[chain]", "step, ppk_delegate");
        return;
    }
    self->step_lines++;
    wfa_step_t step;
    if (!s_step_parse (value, &step)) {
        s_error (self, WFA_T_POLICY_BAD_STEP);
        return;
    }
    if (policy->step_count == WFA_POLICY_STEPS_MAX) {
        s_error (self, WFA_T_POLICY_TOO_MANY_STEPS, WFA_POLICY_STEPS_MAX);
        return;
    }
    for (size_t step_nbr = 0; step_nbr < policy->step_count; step_nbr++)
        if (streq (policy->steps [step_nbr].role, step.role)) {
            s_error (self, WFA_T_POLICY_DUPLICATE_STEP_ROLE, step.role);
            return;
        }
    policy->steps [policy->step_count++] = step;
    self->last_step_line = self->line;
}

//  A line in [opd CODE]: section.key = value.
static void
s_parse_opd_key (s_parser_t *self, const char *key, char *value)
{
    char where [WFA_CODE_MAX + 8];
    snprintf (where, sizeof where, "[opd %s]", self->opd->code);
    const char *dot = strchr (key, '.');
    s_section_t section = S_SECTION_NONE;
    if (dot) {
        for (int section_nbr = S_SECTION_KINDS; section_nbr <= S_SECTION_MONEV; section_nbr++)
            if (strlen (s_section_names [section_nbr]) == (size_t) (dot - key)
            &&  memcmp (s_section_names [section_nbr], key, dot - key) == 0)
                section = (s_section_t) section_nbr;
    }
    if (section == S_SECTION_NONE) {
        s_unknown_key (self, key, where, "kinds.KEY, limits.KEY, capacity.KEY, eligibility.KEY, monev.KEY");
        return;
    }
    int key_nbr = s_key_find (section, dot + 1);
    if (key_nbr < 0) {
        char allowed [256];
        s_key_list (section, allowed, sizeof allowed);
        char prefixed [300];
        snprintf (prefixed, sizeof prefixed, "%s.{%s}", s_section_names [section], allowed);
        s_unknown_key (self, key, where, prefixed);
        return;
    }
    s_parse_value (self, key_nbr, key, value, &self->opd->values, &self->opd->blackout,
                   &self->opd->blackout_count, self->opd->key_line);
    self->opd->set |= S_BIT (key_nbr);
}

//  A section header: [name] or [opd CODE].
static void
s_parse_header (s_parser_t *self, char *line)
{
    wfa_policy_t *policy = self->policy;
    self->section = S_SECTION_SKIP;
    self->opd = NULL;
    size_t len = strlen (line);
    if (len < 2 || line [len - 1] != ']') {
        s_error (self, WFA_T_POLICY_BAD_HEADER);
        return;
    }
    line [len - 1] = 0;
    char *name = s_trim (line + 1);
    if (strncmp (name, "opd", 3) == 0 && (name [3] == 0 || isspace ((unsigned char) name [3]))) {
        char *code = s_trim (name + 3);
        if (!wfa_opd_code_valid (code)) {
            s_error (self, WFA_T_POLICY_BAD_OPD_CODE);
            return;
        }
        s_opd_t *opd = (s_opd_t *) zhashx_lookup (policy->opds, code);
        if (opd) {
            s_error (self, WFA_T_POLICY_DUPLICATE_OPD, code, opd->line);
            return;
        }
        if (zhashx_size (policy->opds) == WFA_POLICY_OPDS_MAX) {
            s_error (self, WFA_T_POLICY_TOO_MANY_OPDS, WFA_POLICY_OPDS_MAX);
            return;
        }
        opd = (s_opd_t *) zmalloc (sizeof (s_opd_t));
        snprintf (opd->code, sizeof opd->code, "%s", code);
        opd->line = self->line;
        zhashx_insert (policy->opds, code, opd);
        self->opd = opd;
        self->section = S_SECTION_OPD;
        return;
    }
    for (int section_nbr = S_SECTION_PEMDA; section_nbr <= S_SECTION_CHAIN; section_nbr++)
        if (streq (name, s_section_names [section_nbr])) {
            if (self->section_line [section_nbr]) {
                s_error (self, WFA_T_POLICY_DUPLICATE_SECTION, name, self->section_line [section_nbr]);
                return;
            }
            self->section_line [section_nbr] = self->line;
            self->section = (s_section_t) section_nbr;
            if (section_nbr == S_SECTION_CHAIN)
                policy->step_count = 0;     //  The file's steps replace the default
            return;
        }
    int cut = (int) wfa_utf8_cut (name, strlen (name), 40);
    s_error (self, WFA_T_POLICY_UNKNOWN_SECTION, cut, name);
}

//  One line of len bytes, without its end.
static void
s_parse_line (s_parser_t *self, const char *start, size_t len)
{
    if (len > WFA_POLICY_LINE_MAX) {
        s_error (self, WFA_T_POLICY_LINE_TOO_LONG, WFA_POLICY_LINE_MAX);
        return;
    }
    if (memchr (start, 0, len) || !wfa_utf8_valid (start, len)) {
        s_error (self, WFA_T_POLICY_LINE_NOT_UTF8);
        return;
    }
    char buffer [WFA_POLICY_LINE_MAX + 1];
    memcpy (buffer, start, len);
    buffer [len] = 0;
    char *hash = strchr (buffer, '#');
    if (hash)
        *hash = 0;
    char *line = s_trim (buffer);
    if (*line == 0)
        return;
    if (*line == '[') {
        s_parse_header (self, line);
        return;
    }
    if (self->section == S_SECTION_NONE) {
        s_error (self, WFA_T_POLICY_OUTSIDE_SECTION);
        return;
    }
    if (self->section == S_SECTION_SKIP)
        return;                     //  Its header was already reported
    char *equals = strchr (line, '=');
    if (equals)
        *equals = 0;
    char *key = s_trim (line);
    if (!equals || !*key) {
        s_error (self, WFA_T_POLICY_NOT_KEY_VALUE);
        return;
    }
    char *value = s_trim (equals + 1);
    if (self->section == S_SECTION_CHAIN)
        s_parse_step (self, key, value);
    else
    if (self->section == S_SECTION_OPD)
        s_parse_opd_key (self, key, value);
    else {
        int key_nbr = s_key_find (self->section, key);
        if (key_nbr < 0) {
            char where [32], allowed [256];
            snprintf (where, sizeof where, "[%s]", s_section_names [self->section]);
            s_key_list (self->section, allowed, sizeof allowed);
            s_unknown_key (self, key, where, allowed);
            return;
        }
        char label [64];
        snprintf (label, sizeof label, "%s.%s", s_section_names [self->section], key);
        s_parse_value (self, key_nbr, label, value, &self->policy->rules, &self->policy->blackout,
                       &self->policy->blackout_count, self->key_line);
    }
}

//  ---------------------------------------------------------------------
//  Public API

//  New empty error list.
zlistx_t *
wfa_policy_errors_new (void)
{
    zlistx_t *errors = zlistx_new ();
    assert (errors);
    zlistx_set_destructor (errors, s_error_destroy);
    return errors;
}

//  The default policy of a pemda.
wfa_policy_t *
wfa_policy_default (const char *pemda)
{
    assert (pemda);
    wfa_policy_t *self = (wfa_policy_t *) zmalloc (sizeof (wfa_policy_t));
    for (int key_nbr = 0; s_keys [key_nbr].name; key_nbr++) {
        const s_key_t *key = &s_keys [key_nbr];
        if (key->fallback) {
            char value [64], why [2][S_WHY_MAX];
            snprintf (value, sizeof value, "%s", key->fallback);
            bool valid = s_value_set (key, value, &self->rules, &self->blackout,
                                      &self->blackout_count, false, why);
            assert (valid);
            (void) valid;
        }
    }
    self->rules.tz_minutes = wfa_pemda_tz (pemda);
    //  The seed's flow: the atasan assesses inside the OPD, the kepala OPD
    //  proposes, the BKD decides for the PPK
    self->steps [0] = (wfa_step_t) { "atasan", 24, "remind" };
    self->steps [1] = (wfa_step_t) { "kepala_opd", 48, "remind" };
    self->steps [2] = (wfa_step_t) { "bkd", 72, "remind" };
    self->step_count = 3;
    snprintf (self->ppk_delegate, sizeof self->ppk_delegate, "bkd");
    self->opds = zhashx_new ();
    assert (self->opds);
    zhashx_set_destructor (self->opds, s_opd_destroy);
    return self;
}

//  Make a chain end with the ppk_delegate role's step: moved last if the
//  chain has it, else added (replacing the last of a full chain).
static void
s_chain_end (wfa_policy_t *policy)
{
    size_t count = policy->step_count;
    if (count == 0 || streq (policy->steps [count - 1].role, policy->ppk_delegate))
        return;
    wfa_step_t final = { "", 72, "remind" };
    snprintf (final.role, sizeof final.role, "%s", policy->ppk_delegate);
    size_t kept = 0;
    for (size_t step_nbr = 0; step_nbr < count; step_nbr++)
        if (streq (policy->steps [step_nbr].role, policy->ppk_delegate))
            final = policy->steps [step_nbr];
        else
            policy->steps [kept++] = policy->steps [step_nbr];
    if (kept == WFA_POLICY_STEPS_MAX)
        kept--;
    policy->steps [kept++] = final;
    policy->step_count = kept;
}

//  Parse policy text, strictly or as a stored text.
static wfa_policy_t *
s_parse (const char *text, size_t size, const char *pemda, zlistx_t *errors, bool stored)
{
    assert (text || size == 0);
    assert (pemda);
    s_parser_t parser;
    memset (&parser, 0, sizeof parser);
    parser.stored = stored;
    parser.errors = zlistx_new ();
    assert (parser.errors);
    zlistx_set_destructor (parser.errors, s_error_destroy);
    const char *end = text + size;
    //  Whole-file limits first, before anything is allocated for the text
    if (size > WFA_POLICY_SIZE_MAX) {
        //  Report the line where the limit is crossed
        int line = 1;
        for (const char *scan = text; scan < text + WFA_POLICY_SIZE_MAX; scan++)
            line += *scan == '\n';
        s_error_at (&parser, line, WFA_T_POLICY_FILE_TOO_LARGE, WFA_POLICY_SIZE_MAX);
    }
    else {
        size_t lines = 0;
        for (const char *scan = text; scan < end; scan++)
            lines += *scan == '\n';
        lines += size > 0 && end [-1] != '\n';
        if (lines > WFA_POLICY_LINES_MAX) {
            s_error_at (&parser, WFA_POLICY_LINES_MAX + 1, WFA_T_POLICY_TOO_MANY_LINES,
                        WFA_POLICY_LINES_MAX);
        }
    }
    if (zlistx_size (parser.errors) == 0) {
        parser.policy = wfa_policy_default (pemda);
        const char *cursor = text;
        if (size >= 3 && memcmp (cursor, "\xEF\xBB\xBF", 3) == 0)
            cursor += 3;            //  Byte order mark from some editors
        while (cursor < end) {
            parser.line++;
            const char *eol = (const char *) memchr (cursor, '\n', end - cursor);
            size_t len = eol? (size_t) (eol - cursor): (size_t) (end - cursor);
            const char *next = eol? eol + 1: end;
            if (len > 0 && cursor [len - 1] == '\r')
                len--;
            s_parse_line (&parser, cursor, len);
            cursor = next;
        }
    }
    //  A [chain] section must have at least one step; its error goes in
    //  line order with the others
    wfa_policy_error_t *late = NULL;
    if (parser.policy && parser.section_line [S_SECTION_CHAIN] && parser.step_lines == 0) {
        late = s_error_new (parser.section_line [S_SECTION_CHAIN], WFA_T_POLICY_CHAIN_EMPTY);
    }
    //  The chain ends with the decision made for the PPK: the BKD's, or the
    //  role the policy names as the PPK's delegate. A text stored before
    //  that rule is read the new way: that role's step goes last, added
    //  (72 hours, remind) when the chain has none
    if (late == NULL && parser.policy && parser.stored)
        s_chain_end (parser.policy);
    if (late == NULL && parser.policy && parser.policy->step_count > 0
    &&  !streq (parser.policy->steps [parser.policy->step_count - 1].role,
                parser.policy->ppk_delegate)) {
        late = s_error_new (parser.last_step_line? parser.last_step_line: parser.delegate_line,
                            WFA_T_POLICY_CHAIN_LAST_STEP, parser.policy->ppk_delegate);
    }
    bool failed = late || zlistx_size (parser.errors) > 0;
    wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (parser.errors);
    while (error || late) {
        wfa_policy_error_t *item;
        if (late && (!error || late->line <= error->line)) {
            item = late;
            late = NULL;
        }
        else {
            item = (wfa_policy_error_t *) zlistx_detach_cur (parser.errors);
            error = (wfa_policy_error_t *) zlistx_first (parser.errors);
        }
        if (errors)
            zlistx_add_end (errors, item);
        else
            free (item);
    }
    zlistx_destroy (&parser.errors);
    if (failed)
        wfa_policy_destroy (&parser.policy);
    return parser.policy;
}

//  Parse policy text.
wfa_policy_t *
wfa_policy_parse (const char *text, size_t size, const char *pemda, zlistx_t *errors)
{
    return s_parse (text, size, pemda, errors, false);
}

//  Parse a policy text stored by an earlier version.
wfa_policy_t *
wfa_policy_parse_stored (const char *text, size_t size, const char *pemda)
{
    return s_parse (text, size, pemda, NULL, true);
}

//  Read and parse a policy file.
wfa_policy_t *
wfa_policy_load (const char *path, const char *pemda, zlistx_t *errors)
{
    assert (path);
    FILE *file = fopen (path, "rb");
    if (!file) {
        if (errors) {
            zlistx_add_end (errors, s_error_new (0, WFA_T_POLICY_CANNOT_OPEN, path, strerror (errno)));
        }
        return NULL;
    }
    //  One byte more than the limit is enough to know it is over
    char *text = (char *) malloc (WFA_POLICY_SIZE_MAX + 1);
    assert (text);
    size_t size = fread (text, 1, WFA_POLICY_SIZE_MAX + 1, file);
    fclose (file);
    wfa_policy_t *self = wfa_policy_parse (text, size, pemda, errors);
    free (text);
    return self;
}

//  Destroy a policy.
void
wfa_policy_destroy (wfa_policy_t **self_p)
{
    assert (self_p);
    wfa_policy_t *self = *self_p;
    if (self) {
        zhashx_destroy (&self->opds);
        free (self->blackout);
        free (self);
        *self_p = NULL;
    }
}

//  Effective rules for an OPD.
wfa_rules_t
wfa_policy_rules (wfa_policy_t *self, const char *opd)
{
    assert (self);
    wfa_rules_t rules = self->rules;
    s_opd_t *section = opd? (s_opd_t *) zhashx_lookup (self->opds, opd): NULL;
    if (section)
        for (int key_nbr = 0; s_keys [key_nbr].name; key_nbr++)
            if (section->set & S_BIT (key_nbr))
                memcpy ((char *) &rules + s_keys [key_nbr].offset,
                        (char *) &section->values + s_keys [key_nbr].offset, s_keys [key_nbr].size);
    return rules;
}

//  True if day is a blackout day of the pemda.
bool
wfa_policy_blackout (wfa_policy_t *self, int day)
{
    assert (self);
    return s_in_ranges (self->blackout, self->blackout_count, day);
}

//  True if day is a blackout day for an OPD.
bool
wfa_policy_opd_blackout (wfa_policy_t *self, const char *opd, int day)
{
    assert (self);
    int blackout = s_key_find (S_SECTION_LIMITS, "blackout");
    s_opd_t *section = opd? (s_opd_t *) zhashx_lookup (self->opds, opd): NULL;
    if (section && (section->set & S_BIT (blackout)))
        return s_in_ranges (section->blackout, section->blackout_count, day);
    return wfa_policy_blackout (self, day);
}

//  Number of approval steps.
size_t
wfa_policy_steps (wfa_policy_t *self)
{
    assert (self);
    return self->step_count;
}

//  Approval step by index.
const wfa_step_t *
wfa_policy_step (wfa_policy_t *self, size_t index)
{
    assert (self);
    return index < self->step_count? &self->steps [index]: NULL;
}

//  Compare two strings for sorting OPD codes.
static int
s_code_compare (const void *item1, const void *item2)
{
    return strcmp ((const char *) item1, (const char *) item2);
}

zlistx_t *
wfa_policy_opd_codes (wfa_policy_t *self)
{
    return zhashx_keys (self->opds);
}

size_t
wfa_policy_offices (wfa_policy_t *self, int (*pairs) [2], size_t max)
{
    size_t count = 0;
    if (count < max && self->rules.office_e6 [0] != WFA_GEO_NONE) {
        pairs [count] [0] = self->rules.office_e6 [0];
        pairs [count++] [1] = self->rules.office_e6 [1];
    }
    int office_key = s_key_find (S_SECTION_MONEV, "office");
    for (s_opd_t *opd = (s_opd_t *) zhashx_first (self->opds); opd && count < max;
         opd = (s_opd_t *) zhashx_next (self->opds))
        if ((opd->set & S_BIT (office_key)) && opd->values.office_e6 [0] != WFA_GEO_NONE) {
            pairs [count] [0] = opd->values.office_e6 [0];
            pairs [count++] [1] = opd->values.office_e6 [1];
        }
    return count;
}

//  Canonical text of a policy.
char *
wfa_policy_text (wfa_policy_t *self)
{
    assert (self);
    zchunk_t *text = zchunk_new (NULL, 4096);
    assert (text);
    s_section_t section = S_SECTION_NONE;
    for (int key_nbr = 0; s_keys [key_nbr].name; key_nbr++) {
        const s_key_t *key = &s_keys [key_nbr];
        if (key->type == S_TYPE_RETIRED)
            continue;
        if (key->section != section) {
            section = key->section;
            s_append (text, "%s[%s]\n", section == S_SECTION_PEMDA? "": "\n", s_section_names [section]);
        }
        s_append (text, "%s = ", key->name);
        s_value_append (text, key, &self->rules, self->blackout, self->blackout_count);
        s_append (text, "\n");
    }
    s_append (text, "\n[chain]\nppk_delegate = %s\n", self->ppk_delegate);
    for (size_t step_nbr = 0; step_nbr < self->step_count; step_nbr++)
        s_append (text, "step = %s, sla_hours=%d, on_timeout=%s\n", self->steps [step_nbr].role,
                  self->steps [step_nbr].sla_hours, self->steps [step_nbr].on_timeout);
    zlistx_t *codes = zhashx_keys (self->opds);
    assert (codes);
    zlistx_set_comparator (codes, s_code_compare);
    zlistx_sort (codes);
    for (const char *code = (const char *) zlistx_first (codes); code;
         code = (const char *) zlistx_next (codes)) {
        s_opd_t *opd = (s_opd_t *) zhashx_lookup (self->opds, code);
        s_append (text, "\n[opd %s]\n", code);
        for (int key_nbr = 0; s_keys [key_nbr].name; key_nbr++)
            if ((opd->set & S_BIT (key_nbr)) && s_keys [key_nbr].type != S_TYPE_RETIRED) {
                const s_key_t *key = &s_keys [key_nbr];
                s_append (text, "%s.%s = ", s_section_names [key->section], key->name);
                s_value_append (text, key, &opd->values, opd->blackout, opd->blackout_count);
                s_append (text, "\n");
            }
    }
    zlistx_destroy (&codes);
    char *result = (char *) malloc (zchunk_size (text) + 1);
    assert (result);
    memcpy (result, zchunk_data (text), zchunk_size (text));
    result [zchunk_size (text)] = 0;
    zchunk_destroy (&text);
    return result;
}

//  Kind of a name.
int
wfa_kind_parse (const char *name)
{
    for (int kind = 0; kind < WFA_KIND_COUNT; kind++)
        if (name && streq (name, s_kind_names [kind]))
            return kind;
    return -1;
}

//  Name of a kind.
const char *
wfa_kind_name (int kind)
{
    return kind >= 0 && kind < WFA_KIND_COUNT? s_kind_names [kind]: NULL;
}

//  Predikat of a name.
int
wfa_predikat_parse (const char *name)
{
    for (int predikat = 0; predikat <= 5; predikat++)
        if (name && streq (name, s_predikat_names [predikat]))
            return predikat;
    return -1;
}

//  Name of a predikat.
const char *
wfa_predikat_name (int predikat)
{
    return predikat >= 0 && predikat <= 5? s_predikat_names [predikat]: NULL;
}

//  ---------------------------------------------------------------------
//  Selftest

//  True if two sets of rules are the same, field by field.
static bool
s_rules_equal (const wfa_rules_t *one, const wfa_rules_t *two)
{
    for (int kind = 0; kind < WFA_KIND_COUNT; kind++)
        if (one->kind_allowed [kind] != two->kind_allowed [kind])
            return false;
    return one->tz_minutes == two->tz_minutes
        && one->weekly_location_days == two->weekly_location_days
        && one->min_notice_working_days == two->min_notice_working_days
        && one->max_days_per_request == two->max_days_per_request
        && one->weekly_hours == two->weekly_hours
        && one->ramadan_weekly_hours == two->ramadan_weekly_hours
        && one->break_minutes == two->break_minutes
        && one->friday_break_minutes == two->friday_break_minutes
        && one->ramadan_break_minutes == two->ramadan_break_minutes
        && one->ramadan_friday_break_minutes == two->ramadan_friday_break_minutes
        && one->working_days == two->working_days
        && one->unit_max_people_per_day == two->unit_max_people_per_day
        && one->unit_max_percent_per_day == two->unit_max_percent_per_day
        && one->min_present_per_day == two->min_present_per_day
        && one->unit_min_present_per_day == two->unit_min_present_per_day
        && one->ramadan_work_start == two->ramadan_work_start
        && one->max_people_per_day == two->max_people_per_day
        && one->max_percent_per_day == two->max_percent_per_day
        && one->block_when_sanctioned == two->block_when_sanctioned
        && one->require_position_eligible == two->require_position_eligible
        && one->field_based_exempt_from_cap == two->field_based_exempt_from_cap
        && one->special_circumstance_exempt_from_cap == two->special_circumstance_exempt_from_cap
        && one->missing_allowed == two->missing_allowed
        && one->min_months_of_service == two->min_months_of_service
        && one->min_predikat == two->min_predikat;
}

//  Parse text that must be valid; print its errors if it is not.
static wfa_policy_t *
s_test_parse (const char *text, const char *pemda)
{
    zlistx_t *errors = wfa_policy_errors_new ();
    wfa_policy_t *policy = wfa_policy_parse (text, strlen (text), pemda, errors);
    wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (errors);
    for (; error; error = (wfa_policy_error_t *) zlistx_next (errors))
        printf ("  line %d: %s / %s\n", error->line, error->message_id, error->message_en);
    assert (policy && zlistx_size (errors) == 0);
    zlistx_destroy (&errors);
    return policy;
}

//  Parse text that must fail with errors at exactly these lines (0 ends).
static void
s_test_errors (const char *text, size_t size, const int *lines)
{
    zlistx_t *errors = wfa_policy_errors_new ();
    wfa_policy_t *policy = wfa_policy_parse (text, size, "35.08", errors);
    assert (policy == NULL);
    size_t count = 0;
    wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (errors);
    for (; error; error = (wfa_policy_error_t *) zlistx_next (errors)) {
        if (lines [count] != error->line)
            printf ("  unexpected line %d: %s\n", error->line, error->message_en);
        assert (lines [count] == error->line);
        assert (*error->message_id && *error->message_en);
        assert (!streq (error->message_id, error->message_en));
        count++;
    }
    assert (lines [count] == 0);
    zlistx_destroy (&errors);
}

//  Round trip: text (parse (text (policy))) is the same text, and the
//  rules of the pemda and of each given OPD are equal.
static void
s_test_round_trip (wfa_policy_t *policy, const char **opds)
{
    char *text = wfa_policy_text (policy);
    wfa_policy_t *copy = s_test_parse (text, "91.71");     //  Zone comes from the text
    char *copy_text = wfa_policy_text (copy);
    assert (streq (text, copy_text));
    wfa_rules_t one = wfa_policy_rules (policy, NULL);
    wfa_rules_t two = wfa_policy_rules (copy, NULL);
    assert (s_rules_equal (&one, &two));
    for (int opd_nbr = 0; opds [opd_nbr]; opd_nbr++) {
        one = wfa_policy_rules (policy, opds [opd_nbr]);
        two = wfa_policy_rules (copy, opds [opd_nbr]);
        assert (s_rules_equal (&one, &two));
    }
    assert (wfa_policy_steps (policy) == wfa_policy_steps (copy));
    for (size_t step_nbr = 0; step_nbr < wfa_policy_steps (policy); step_nbr++) {
        const wfa_step_t *step = wfa_policy_step (policy, step_nbr);
        const wfa_step_t *copy_step = wfa_policy_step (copy, step_nbr);
        assert (streq (step->role, copy_step->role) && step->sla_hours == copy_step->sla_hours);
        assert (streq (step->on_timeout, copy_step->on_timeout));
    }
    free (text);
    free (copy_text);
    wfa_policy_destroy (&copy);
}

//  One key line: in a section, valid or not, and for a valid one a piece
//  the canonical text must then hold.
typedef struct {
    const char *section;
    const char *line;
    bool valid;
    const char *expect;
} s_case_t;

static const s_case_t s_cases [] = {
    { "pemda", "timezone = WITA", true, "timezone = WITA\n" },
    { "pemda", "timezone = WIT", true, "timezone = WIT\n" },
    { "pemda", "timezone = wib", false, NULL },
    { "pemda", "timezone = UTC+7", false, NULL },
    { "pemda", "zone = WIB", false, NULL },
    { "kinds", "location = rumah", true, "location = rumah\n" },
    { "kinds", "location = lokasi_lain ,kantor_lain", true, "location = kantor_lain, lokasi_lain\n" },
    { "kinds", "location =", true, "location = \n" },
    { "kinds", "location = rumah, sif", false, NULL },
    { "kinds", "location = rumah, rumah", false, NULL },
    { "kinds", "location = rumah,,kantor_lain", false, NULL },
    { "kinds", "location = rumah,", false, NULL },
    { "kinds", "time = dinamis", true, "time = dinamis\n" },
    { "kinds", "time = ", true, "time = \n\n[limits]" },
    { "kinds", "time = rumah", false, NULL },
    { "kinds", "time = shift", false, NULL },
    { "limits", "weekly_location_days = 0", true, "weekly_location_days = 0\n" },
    { "limits", "weekly_location_days = 2", true, "weekly_location_days = 2\n" },
    { "limits", "weekly_location_days = 3", false, NULL },
    { "limits", "weekly_location_days = 5", false, NULL },
    { "limits", "weekly_location_days = -1", false, NULL },
    { "limits", "weekly_location_days = 2.5", false, NULL },
    { "limits", "weekly_location_days =", false, NULL },
    { "limits", "min_notice_working_days = 60", true, "min_notice_working_days = 60\n" },
    { "limits", "min_notice_working_days = 61", false, NULL },
    { "limits", "max_days_per_request = 1", true, "max_days_per_request = 1\n" },
    { "limits", "max_days_per_request = 31", true, "max_days_per_request = 31\n" },
    { "limits", "max_days_per_request = 0", false, NULL },
    { "limits", "max_days_per_request = 32", false, NULL },
    { "limits", "max_days_per_request = 99999999999", false, NULL },
    { "limits", "blackout = 2026-08-17, 2026-12-24 .. 2026-12-26", true,
      "blackout = 2026-08-17, 2026-12-24..2026-12-26\n" },
    { "limits", "blackout =", true, "blackout = \n" },
    { "limits", "blackout = 2026-02-30", false, NULL },
    { "limits", "blackout = 2026-12-26..2026-12-24", false, NULL },
    { "limits", "blackout = 17-08-2026", false, NULL },
    { "limits", "blackout = 2026-08-17,", false, NULL },
    { "limits", "weekly_hours = 40", true, "weekly_hours = 40\n" },
    { "limits", "weekly_hours = 37.75", true, "weekly_hours = 37.75\n" },
    { "limits", "weekly_hours = 1.0", true, "weekly_hours = 1\n" },
    { "limits", "weekly_hours = 0.5", false, NULL },
    { "limits", "weekly_hours = 60.01", false, NULL },
    { "limits", "weekly_hours = 37,5", false, NULL },
    { "limits", "weekly_hours = 37.555", false, NULL },
    { "limits", "weekly_hours = 37.", false, NULL },
    { "limits", "ramadan_weekly_hours = 30", true, "ramadan_weekly_hours = 30\n" },
    { "limits", "ramadan_weekly_hours = 61", false, NULL },
    { "limits", "ramadan =", true, "[limits]\nweekly_location_days" },
    { "limits", "ramadan = 2026-02-18..2026-03-19", false, NULL },
    { "limits", "break_minutes = 45", true, "break_minutes = 45\n" },
    { "limits", "break_minutes = 241", false, NULL },
    { "limits", "friday_break_minutes = 120", true, "friday_break_minutes = 120\n" },
    { "limits", "friday_break_minutes = -1", false, NULL },
    { "limits", "ramadan_break_minutes = 0", true, "ramadan_break_minutes = 0\n" },
    { "limits", "ramadan_break_minutes = 30.5", false, NULL },
    { "limits", "ramadan_friday_break_minutes = 90", true, "ramadan_friday_break_minutes = 90\n" },
    { "limits", "ramadan_friday_break_minutes = x", false, NULL },
    { "limits", "working_days = 6", true, "working_days = 6\n" },
    { "limits", "working_days = 7", true, "working_days = 7\n" },
    { "limits", "working_days = 4", false, NULL },
    { "limits", "working_days = 8", false, NULL },
    { "limits", "weekly_days = 2", false, NULL },
    { "capacity", "max_people_per_day = 100000", true, "max_people_per_day = 100000\n" },
    { "capacity", "max_people_per_day = 100001", false, NULL },
    { "capacity", "max_people_per_day = ten", false, NULL },
    { "capacity", "max_percent_per_day = 30", true, "max_percent_per_day = 30\n" },
    { "capacity", "max_percent_per_day = 101", false, NULL },
    { "capacity", "max_percent_per_day = 30%", false, NULL },
    { "capacity", "unit_max_people_per_day = 3", true, "unit_max_people_per_day = 3\n" },
    { "capacity", "unit_max_people_per_day = -3", false, NULL },
    { "capacity", "unit_max_percent_per_day = 25", true, "unit_max_percent_per_day = 25\n" },
    { "capacity", "unit_max_percent_per_day = 101", false, NULL },
    { "capacity", "min_present_per_day = 10", true, "min_present_per_day = 10\n" },
    { "capacity", "min_present_per_day = many", false, NULL },
    { "capacity", "unit_min_present_per_day = 2", true, "unit_min_present_per_day = 2\n" },
    { "capacity", "unit_min_present_per_day = 100001", false, NULL },
    { "monev", "ramadan_work_start = 08:30", true, "ramadan_work_start = 08:30\n" },
    { "monev", "ramadan_work_start = 8:00", false, NULL },    { "eligibility", "block_when_sanctioned = no", true, "block_when_sanctioned = no\n" },
    { "eligibility", "block_when_sanctioned = ya", false, NULL },
    { "eligibility", "min_months_of_service = 600", true, "min_months_of_service = 600\n" },
    { "eligibility", "min_months_of_service = 601", false, NULL },
    { "eligibility", "min_predikat = baik", true, "min_predikat = baik\n" },
    { "eligibility", "min_predikat = none", true, "min_predikat = none\n" },
    { "eligibility", "min_predikat = good", false, NULL },
    { "eligibility", "require_position_eligible = no", true, "require_position_eligible = no\n" },
    { "eligibility", "require_position_eligible = true", false, NULL },
    { "eligibility", "field_based_exempt_from_cap = no", true, "field_based_exempt_from_cap = no\n" },
    { "eligibility", "field_based_exempt_from_cap =", false, NULL },
    { "eligibility", "special_circumstance_exempt_from_cap = no", true,
      "special_circumstance_exempt_from_cap = no\n" },
    { "eligibility", "special_circumstance_exempt_from_cap = 0", false, NULL },
    { "chain", "step = bkd, sla_hours=48, on_timeout=escalate", true,
      "[chain]\nppk_delegate = bkd\nstep = bkd, sla_hours=48, on_timeout=escalate\n" },
    { "chain", "step = kepala_opd, sla_hours=48, on_timeout=escalate", false, NULL },
    { "eligibility", "missing = allow", true, "missing = allow\n" },
    { "eligibility", "missing = deny", true, "missing = deny\n" },
    { "eligibility", "missing = yes", false, NULL },
    { "chain", "step = bkd,on_timeout = expire , sla_hours = 720", true,
      "step = bkd, sla_hours=720, on_timeout=expire\n" },
    { "chain", "step = camat, sla_hours=24, on_timeout=remind", false, NULL },
    { "chain", "step = atasan, sla_hours=0, on_timeout=remind", false, NULL },
    { "chain", "step = atasan, sla_hours=721, on_timeout=remind", false, NULL },
    { "chain", "step = atasan, sla_hours=24, on_timeout=ignore", false, NULL },
    { "chain", "step = atasan, sla_hours=24", false, NULL },
    { "chain", "step = atasan, sla_hours=24, sla_hours=24, on_timeout=remind", false, NULL },
    { "chain", "step = atasan, sla_hours=24, on_timeout=remind, colour=red", false, NULL },
    { "opd DINKES", "capacity.max_percent_per_day = 20", true,
      "[opd DINKES]\ncapacity.max_percent_per_day = 20\n" },
    { "opd DINKES", "limits.weekly_location_days = 1", true, "limits.weekly_location_days = 1\n" },
    { "opd DINKES", "limits.blackout = 2026-09-01", true, "limits.blackout = 2026-09-01\n" },
    { "opd DINKES", "limits.ramadan = 2026-02-18..2026-03-19", false, NULL },
    { "opd DINKES", "limits.weekly_location_days = 3", false, NULL },
    { "opd RSUD", "limits.working_days = 7", true, "[opd RSUD]\nlimits.working_days = 7\n" },
    { "opd PKM", "capacity.unit_min_present_per_day = 2", true,
      "[opd PKM]\ncapacity.unit_min_present_per_day = 2\n" },
    { "opd DINKES", "kinds.location = rumah", true, "kinds.location = rumah\n" },
    { "opd DINKES", "eligibility.min_predikat = sangat_baik", true,
      "eligibility.min_predikat = sangat_baik\n" },
    { "opd DINKES", "capacity.max_percent_per_day = 200", false, NULL },
    { "opd DINKES", "kinds.time = sif, sif", false, NULL },
    { "opd DINKES", "pemda.timezone = WIT", false, NULL },
    { "opd DINKES", "limits.unknown = 1", false, NULL },
    { "opd DINKES", "max_percent_per_day = 20", false, NULL },
    { "opd DINKES", "chain.step = bkd, sla_hours=24, on_timeout=remind", false, NULL },
    { NULL, NULL, false, NULL }
};

//  Every key with a passing and a failing value.
static void
s_test_cases (void)
{
    for (const s_case_t *test = s_cases; test->section; test++) {
        char text [512];
        snprintf (text, sizeof text, "[%s]\n%s\n", test->section, test->line);
        zlistx_t *errors = wfa_policy_errors_new ();
        wfa_policy_t *policy = wfa_policy_parse (text, strlen (text), "35.08", errors);
        if ((policy != NULL) != test->valid)
            printf ("  case '%s' in [%s]: expected %s\n", test->line, test->section,
                    test->valid? "valid": "invalid");
        assert ((policy != NULL) == test->valid);
        if (policy) {
            char *canonical = wfa_policy_text (policy);
            if (!strstr (canonical, test->expect))
                printf ("  case '%s': no '%s' in\n%s", test->line, test->expect, canonical);
            assert (strstr (canonical, test->expect));
            free (canonical);
            assert (zlistx_size (errors) == 0);
        }
        else {
            //  One error, on line 2, naming the key in both languages
            wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (errors);
            if (zlistx_size (errors) != 1)
                printf ("  case '%s': %zu errors, first on line %d: %s\n", test->line,
                        zlistx_size (errors), error->line, error->message_en);
            assert (zlistx_size (errors) == 1);
            char key [64];
            snprintf (key, sizeof key, "%.*s", (int) strcspn (test->line, " ="), test->line);
            assert (error->line == 2);
            assert (strstr (error->message_id, key) && strstr (error->message_en, key));
        }
        wfa_policy_destroy (&policy);
        zlistx_destroy (&errors);
    }
}

void
wfa_policy_test (bool verbose)
{
    //  Kinds and predikat names
    assert (wfa_kind_parse ("kantor_lain") == WFA_KIND_KANTOR_LAIN);
    assert (wfa_kind_parse ("dinamis") == WFA_KIND_DINAMIS);
    assert (wfa_kind_parse ("wfh") == -1 && wfa_kind_parse (NULL) == -1);
    for (int kind = 0; kind < WFA_KIND_COUNT; kind++)
        assert (wfa_kind_parse (wfa_kind_name (kind)) == kind);
    assert (wfa_kind_name (-1) == NULL && wfa_kind_name (WFA_KIND_COUNT) == NULL);
    assert (wfa_predikat_parse ("sangat_baik") == 5 && wfa_predikat_parse ("none") == 0);
    assert (wfa_predikat_parse ("kurang") == 2 && wfa_predikat_parse ("Baik") == -1);
    assert (streq (wfa_predikat_name (3), "butuh_perbaikan") && wfa_predikat_name (6) == NULL);

    //  Defaults, the default chain, the zone from the pemda code
    wfa_policy_t *policy = wfa_policy_default ("35.08");
    wfa_rules_t rules = wfa_policy_rules (policy, NULL);
    assert (rules.tz_minutes == WFA_TZ_WIB);
    for (int kind = 0; kind < WFA_KIND_COUNT; kind++)
        assert (rules.kind_allowed [kind]);
    assert (rules.weekly_location_days == 2 && rules.min_notice_working_days == 0);
    assert (rules.max_days_per_request == 10);
    assert (rules.weekly_hours == 37.5 && rules.ramadan_weekly_hours == 32.5);
    assert (rules.break_minutes == 60 && rules.friday_break_minutes == 90);
    assert (rules.ramadan_break_minutes == 30 && rules.ramadan_friday_break_minutes == 60);
    assert (rules.working_days == 5 && rules.ramadan_work_start == 8 * 60);
    assert (rules.unit_max_people_per_day == 0 && rules.unit_min_present_per_day == 0);
    assert (rules.max_people_per_day == 0 && rules.max_percent_per_day == 0);
    assert (rules.block_when_sanctioned && rules.require_position_eligible);
    assert (rules.field_based_exempt_from_cap && rules.special_circumstance_exempt_from_cap);
    assert (!rules.missing_allowed);
    assert (rules.min_months_of_service == 12 && rules.min_predikat == 0);
    assert (wfa_policy_steps (policy) == 3);
    const wfa_step_t *step = wfa_policy_step (policy, 0);
    assert (streq (step->role, "atasan") && step->sla_hours == 24 && streq (step->on_timeout, "remind"));
    assert (streq (wfa_policy_step (policy, 1)->role, "kepala_opd"));
    assert (streq (wfa_policy_step (policy, 2)->role, "bkd"));
    assert (wfa_policy_step (policy, 3) == NULL);
    //  Monev defaults, then a [monev] section with an OPD's own office
    assert (rules.work_start == 7 * 60 + 30 && rules.checkin_grace_minutes == 15);
    assert (rules.report_deadline == 23 * 60 + 59 && rules.geofence_radius_m == 200);
    assert (rules.office_e6 [0] == WFA_GEO_NONE && rules.min_checkin_compliance == 95);
    assert (rules.flag_after_weeks == 2 && rules.suspend_weeks == 0);
    {
        const char *monev = "[monev]\nwork_start = 08:00\noffice = -8.1335, 113.2248\n"
                            "suspend_weeks = 2\n[opd DINKES]\nmonev.office = -8.14,113.23\n";
        wfa_policy_t *parsed = wfa_policy_parse (monev, strlen (monev), "35.08", NULL);
        assert (parsed);
        wfa_rules_t pemda_rules = wfa_policy_rules (parsed, NULL);
        wfa_rules_t dinkes = wfa_policy_rules (parsed, "DINKES");
        assert (pemda_rules.work_start == 480 && pemda_rules.suspend_weeks == 2);
        assert (pemda_rules.office_e6 [0] == -8133500 && pemda_rules.office_e6 [1] == 113224800);
        assert (dinkes.office_e6 [0] == -8140000 && dinkes.work_start == 480);
        char *canonical = wfa_policy_text (parsed);
        assert (strstr (canonical, "office = -8.133500, 113.224800\n"));
        assert (strstr (canonical, "monev.office = -8.140000, 113.230000\n"));
        wfa_policy_t *again = wfa_policy_parse (canonical, strlen (canonical), "35.08", NULL);
        assert (again && wfa_policy_rules (again, "DINKES").office_e6 [1] == 113230000);
        wfa_policy_destroy (&again);
        free (canonical);
        wfa_policy_destroy (&parsed);
        const char *bad = "[monev]\nwork_start = 7:30\noffice = north\nreport_deadline = 24:00\n";
        zlistx_t *errors = wfa_policy_errors_new ();
        assert (wfa_policy_parse (bad, strlen (bad), "35.08", errors) == NULL);
        assert (zlistx_size (errors) == 3);
        zlistx_destroy (&errors);
    }
    assert (!wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 8, 17)));
    const char *no_opds [] = { NULL };
    s_test_round_trip (policy, no_opds);
    wfa_policy_destroy (&policy);
    assert (policy == NULL);
    wfa_policy_destroy (&policy);
    policy = wfa_policy_default ("91.71");
    assert (wfa_policy_rules (policy, NULL).tz_minutes == WFA_TZ_WIT);
    wfa_policy_destroy (&policy);
    //  Empty text: every default, zone from the pemda; no [chain]: default chain
    policy = s_test_parse ("", "51.71");
    assert (wfa_policy_rules (policy, NULL).tz_minutes == WFA_TZ_WITA);
    wfa_policy_destroy (&policy);
    policy = s_test_parse ("[limits]\nweekly_location_days = 1\n", "35.08");
    assert (wfa_policy_steps (policy) == 3);
    assert (streq (wfa_policy_step (policy, 0)->role, "atasan"));
    wfa_policy_destroy (&policy);

    //  Every key, passing and failing
    s_test_cases ();

    //  The regulation's ceiling names its article; a text stored before it
    //  (or with the retired limits.ramadan) still loads, read the new way
    {
        const char *old = "[limits]\nweekly_location_days = 3\nramadan = 2026-02-18..2026-03-19\n"
                          "[opd DINKES]\nlimits.weekly_location_days = 5\n"
                          "capacity.max_people_per_day = 4\n";
        zlistx_t *errors = wfa_policy_errors_new ();
        assert (wfa_policy_parse (old, strlen (old), "35.08", errors) == NULL);
        assert (zlistx_size (errors) == 3);
        wfa_policy_error_t *first = (wfa_policy_error_t *) zlistx_first (errors);
        assert (first->line == 2 && strstr (first->message_en, "art. 13(1)"));
        assert (strstr (first->message_id, "pasal 13 ayat (1)"));
        wfa_policy_error_t *second = (wfa_policy_error_t *) zlistx_next (errors);
        assert (second->line == 3 && strstr (second->message_en, "calendar"));
        zlistx_destroy (&errors);
        wfa_policy_t *stored = wfa_policy_parse_stored (old, strlen (old), "35.08");
        assert (stored);
        assert (wfa_policy_rules (stored, NULL).weekly_location_days == 2);
        assert (wfa_policy_rules (stored, "DINKES").weekly_location_days == 2);
        assert (wfa_policy_rules (stored, "DINKES").max_people_per_day == 4);
        char *canonical = wfa_policy_text (stored);
        assert (!strstr (canonical, "ramadan =") && strstr (canonical, "ramadan_weekly_hours"));
        wfa_policy_t *again = s_test_parse (canonical, "35.08");
        wfa_policy_destroy (&again);
        free (canonical);
        wfa_policy_destroy (&stored);
        //  A chain stored before it had to end with the BKD's decision: the
        //  bkd step goes last, added when it had none
        old = "[chain]\nstep = atasan, sla_hours=24, on_timeout=remind\n";
        stored = wfa_policy_parse_stored (old, strlen (old), "35.08");
        assert (stored && wfa_policy_steps (stored) == 2);
        assert (streq (wfa_policy_step (stored, 1)->role, "bkd"));
        assert (wfa_policy_step (stored, 1)->sla_hours == 72);
        wfa_policy_destroy (&stored);
        old = "[chain]\nstep = bkd, sla_hours=12, on_timeout=expire\n"
              "step = atasan, sla_hours=24, on_timeout=remind\n";
        stored = wfa_policy_parse_stored (old, strlen (old), "35.08");
        assert (stored && wfa_policy_steps (stored) == 2);
        assert (streq (wfa_policy_step (stored, 0)->role, "atasan"));
        assert (streq (wfa_policy_step (stored, 1)->role, "bkd"));
        assert (wfa_policy_step (stored, 1)->sla_hours == 12);
        wfa_policy_destroy (&stored);
        assert (wfa_policy_parse (old, strlen (old), "35.08", NULL) == NULL);
    }

    //  Many errors at once, each on its line, in line order
    const char *text =
        "# Kebijakan uji\n"                             //  1
        "[limits]\n"                                    //  2
        "weekly_location_days = 9\n"                    //  3  bad value
        "max_days_per_request = 10   # ok\n"            //  4
        "max_days_per_request = 11\n"                   //  5  duplicate key
        "bogus = 1\n"                                   //  6  unknown key
        "[capacity]\n"                                  //  7
        "max_percent_per_day = 101\n"                   //  8  bad value
        "[chain]\n"                                     //  9  no step (reported here)
        "steps = atasan, sla_hours=24, on_timeout=remind\n" //  10 unknown key
        "[opd DINKES]\n"                                //  11
        "limits.weekly_location_days = x\n"             //  12 bad value
        "[limits]\n"                                    //  13 duplicate section
        "weekly_location_days = 9\n"                    //  14 skipped
        "[limitz]\n"                                    //  15 unknown section
        "anything = at all\n"                           //  16 skipped
        "[opd DINKES]\n"                                //  17 duplicate OPD
        "[opd DINKES KOTA]\n"                           //  18 bad code
        "[eligibility\n"                                //  19 bad header
        "[pemda]\n"                                     //  20
        "timezone\n";                                   //  21 no '='
    int lines_1 [] = { 3, 5, 6, 8, 9, 10, 12, 13, 15, 17, 18, 19, 21, 0 };
    s_test_errors (text, strlen (text), lines_1);
    //  Text before any section; a NULL errors list is fine
    text = "weekly_location_days = 1\n[limits]\n";
    int lines_2 [] = { 1, 0 };
    s_test_errors (text, strlen (text), lines_2);
    assert (wfa_policy_parse (text, strlen (text), "35.08", NULL) == NULL);
    //  Steps: roles may not repeat; CRLF line ends and a BOM are fine
    text = "\xEF\xBB\xBF[chain]\r\n"
           "step = atasan, sla_hours=24, on_timeout=remind\r\n"
           "step = kepala_opd, sla_hours=48, on_timeout=escalate\r\n"
           "step = bkd, sla_hours=72, on_timeout=expire\r\n";
    policy = s_test_parse (text, "35.08");
    assert (wfa_policy_steps (policy) == 3);
    assert (streq (wfa_policy_step (policy, 2)->role, "bkd"));
    assert (wfa_policy_step (policy, 2)->sla_hours == 72);
    assert (streq (wfa_policy_step (policy, 1)->on_timeout, "escalate"));
    wfa_policy_destroy (&policy);
    text = "[chain]\n"
           "step = atasan, sla_hours=24, on_timeout=remind\n"
           "step = atasan, sla_hours=48, on_timeout=escalate\n";
    int lines_3 [] = { 2, 3, 0 };
    s_test_errors (text, strlen (text), lines_3);
    //  The chain ends with the decision for the PPK: bkd, or the role named
    //  as the PPK's delegate; the refusal cites the rule in both languages
    text = "[chain]\n"
           "step = atasan, sla_hours=24, on_timeout=remind\n"
           "step = kepala_opd, sla_hours=48, on_timeout=remind\n";
    zlistx_t *chain_errors = wfa_policy_errors_new ();
    assert (wfa_policy_parse (text, strlen (text), "35.08", chain_errors) == NULL);
    assert (zlistx_size (chain_errors) == 1);
    wfa_policy_error_t *chain_error = (wfa_policy_error_t *) zlistx_first (chain_errors);
    assert (chain_error->line == 3);
    assert (strstr (chain_error->message_id, "harus bkd") && strstr (chain_error->message_id, "pasal 12"));
    assert (strstr (chain_error->message_en, "must be bkd") && strstr (chain_error->message_en, "art. 12"));
    zlistx_destroy (&chain_errors);
    text = "[chain]\n"
           "ppk_delegate = kepala_opd\n"
           "step = atasan, sla_hours=24, on_timeout=remind\n"
           "step = kepala_opd, sla_hours=48, on_timeout=remind\n";
    policy = s_test_parse (text, "35.08");
    assert (wfa_policy_steps (policy) == 2);
    char *delegated = wfa_policy_text (policy);
    assert (strstr (delegated, "[chain]\nppk_delegate = kepala_opd\nstep = atasan"));
    wfa_policy_t *again = s_test_parse (delegated, "35.08");
    wfa_policy_destroy (&again);
    free (delegated);
    wfa_policy_destroy (&policy);
    text = "[chain]\n"
           "ppk_delegate = kepala_opd\n"
           "step = kepala_opd, sla_hours=48, on_timeout=remind\n"
           "step = bkd, sla_hours=72, on_timeout=remind\n";
    int lines_delegate [] = { 4, 0 };
    s_test_errors (text, strlen (text), lines_delegate);
    text = "[chain]\n"
           "ppk_delegate = camat\n"
           "step = bkd, sla_hours=72, on_timeout=remind\n"
           "ppk_delegate = bkd\n";
    int lines_bad_delegate [] = { 2, 4, 0 };
    s_test_errors (text, strlen (text), lines_bad_delegate);

    //  Limits: file size, line count, line length, UTF-8, list entries, OPDs
    char *big = (char *) malloc (WFA_POLICY_SIZE_MAX + 1000);
    assert (big);
    for (size_t byte_nbr = 0; byte_nbr < WFA_POLICY_SIZE_MAX + 1000; byte_nbr++)
        big [byte_nbr] = byte_nbr % 10 == 9? '\n': '#';
    int lines_4 [] = { WFA_POLICY_SIZE_MAX / 10 + 1, 0 };
    s_test_errors (big, WFA_POLICY_SIZE_MAX + 1, lines_4);
    wfa_policy_t *fits = wfa_policy_parse (big, 20000, "35.08", NULL);
    assert (fits);
    wfa_policy_destroy (&fits);
    memset (big, '\n', WFA_POLICY_LINES_MAX + 1);
    int lines_5 [] = { WFA_POLICY_LINES_MAX + 1, 0 };
    s_test_errors (big, WFA_POLICY_LINES_MAX + 1, lines_5);
    fits = wfa_policy_parse (big, WFA_POLICY_LINES_MAX, "35.08", NULL);
    assert (fits);
    wfa_policy_destroy (&fits);
    strcpy (big, "[limits]\n#");
    memset (big + 10, 'x', WFA_POLICY_LINE_MAX);
    strcpy (big + 9 + WFA_POLICY_LINE_MAX, "\nweekly_hours = 40\n");
    policy = s_test_parse (big, "35.08");                  //  1000 bytes
    wfa_policy_destroy (&policy);
    strcpy (big, "[limits]\n#");
    memset (big + 10, 'x', WFA_POLICY_LINE_MAX);
    strcpy (big + 10 + WFA_POLICY_LINE_MAX, "\nweekly_hours = 40\n");
    int lines_6 [] = { 2, 0 };
    s_test_errors (big, strlen (big), lines_6);            //  1001 bytes
    text = "[limits]\n# caf\xc3\xa9 ok\n# \xff\xfe bad\nweekly_hours = 40\n";
    int lines_7 [] = { 3, 0 };
    s_test_errors (text, strlen (text), lines_7);
    text = "[limits]\nweekly_hours = 4\0000\n";
    s_test_errors (text, 28, lines_6);                     //  A NUL byte
    //  A line of 1000 bytes holds 90 dates; more than 100 entries are
    //  refused before any is read
    strcpy (big, "[limits]\nblackout = ");
    for (int entry_nbr = 0; entry_nbr < 90; entry_nbr++) {
        char date [16];
        wfa_date_format (wfa_date_from_ymd (2026, 1, 1) + entry_nbr, date);
        strcat (big, entry_nbr? ",": "");
        strcat (big, date);
    }
    policy = s_test_parse (big, "35.08");
    assert (wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 3, 31)));
    assert (!wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 4, 1)));
    wfa_policy_destroy (&policy);
    strcpy (big, "[limits]\nblackout = x");
    for (int entry_nbr = 0; entry_nbr < WFA_POLICY_BLACKOUT_MAX; entry_nbr++)
        strcat (big, ",x");
    s_test_errors (big, strlen (big), lines_6);
    zlistx_t *too_many = wfa_policy_errors_new ();
    assert (wfa_policy_parse (big, strlen (big), "35.08", too_many) == NULL);
    assert (strstr (((wfa_policy_error_t *) zlistx_first (too_many))->message_en, "at most 100"));
    zlistx_destroy (&too_many);
    //  200 OPD sections fit, the 201st does not
    big [0] = 0;
    for (int opd_nbr = 0; opd_nbr <= WFA_POLICY_OPDS_MAX; opd_nbr++) {
        char section [64];
        snprintf (section, sizeof section, "[opd OPD-%03d]\ncapacity.max_people_per_day = %d\n",
                  opd_nbr, opd_nbr + 1);
        strcat (big, section);
    }
    int lines_8 [] = { WFA_POLICY_OPDS_MAX * 2 + 1, 0 };
    s_test_errors (big, strlen (big), lines_8);
    *strstr (big, "[opd OPD-200]") = 0;
    policy = s_test_parse (big, "35.08");
    assert (wfa_policy_rules (policy, "OPD-199").max_people_per_day == 200);
    wfa_policy_destroy (&policy);
    free (big);

    //  OPD overrides and blackout ranges
    text =
        "[pemda]\n"
        "timezone = WIB\n"
        "[kinds]\n"
        "location = rumah, kantor_lain\n"
        "[limits]\n"
        "weekly_location_days = 2\n"
        "blackout = 2026-08-17, 2026-12-24..2026-12-26, 2026-03-16..2026-03-20\n"
        "weekly_hours = 37.5\n"
        "[capacity]\n"
        "max_percent_per_day = 30\n"
        "[eligibility]\n"
        "min_predikat = butuh_perbaikan\n"
        "[chain]\n"
        "step = atasan, sla_hours=24, on_timeout=remind\n"
        "step = bkd, sla_hours=48, on_timeout=escalate\n"
        "[opd RSUD-dr.Haryoto]\n"
        "capacity.max_percent_per_day = 10\n"
        "kinds.location = kantor_lain, lokasi_lain\n"
        "kinds.time = sif\n"
        "[opd DINKES]\n"
        "limits.weekly_location_days = 1\n"
        "limits.blackout = 2026-09-01..2026-09-02\n"
        "eligibility.min_predikat = baik\n"
        "eligibility.block_when_sanctioned = no\n"
        "limits.weekly_hours = 35.25\n";
    policy = s_test_parse (text, "35.08");
    wfa_rules_t pemda_rules = wfa_policy_rules (policy, NULL);
    assert (pemda_rules.kind_allowed [WFA_KIND_RUMAH] && pemda_rules.kind_allowed [WFA_KIND_KANTOR_LAIN]);
    assert (!pemda_rules.kind_allowed [WFA_KIND_LOKASI_LAIN]);
    assert (pemda_rules.kind_allowed [WFA_KIND_SIF] && pemda_rules.kind_allowed [WFA_KIND_DINAMIS]);
    assert (pemda_rules.max_percent_per_day == 30 && pemda_rules.min_predikat == 3);
    wfa_rules_t unknown = wfa_policy_rules (policy, "BAPPEDA");
    assert (s_rules_equal (&unknown, &pemda_rules));
    wfa_rules_t rsud = wfa_policy_rules (policy, "RSUD-dr.Haryoto");
    assert (rsud.max_percent_per_day == 10 && rsud.weekly_location_days == 2);
    assert (!rsud.kind_allowed [WFA_KIND_RUMAH] && rsud.kind_allowed [WFA_KIND_KANTOR_LAIN]);
    assert (rsud.kind_allowed [WFA_KIND_LOKASI_LAIN]);
    assert (rsud.kind_allowed [WFA_KIND_SIF] && !rsud.kind_allowed [WFA_KIND_DINAMIS]);
    assert (rsud.min_predikat == 3 && rsud.working_days == 5);
    wfa_rules_t dinkes = wfa_policy_rules (policy, "DINKES");
    assert (dinkes.weekly_location_days == 1 && dinkes.min_predikat == 4);
    assert (!dinkes.block_when_sanctioned && dinkes.weekly_hours == 35.25);
    assert (dinkes.max_percent_per_day == 30 && dinkes.kind_allowed [WFA_KIND_RUMAH]);
    assert (dinkes.require_position_eligible && dinkes.tz_minutes == WFA_TZ_WIB);
    //  Codes are case-sensitive, as in the personnel data
    wfa_rules_t lower = wfa_policy_rules (policy, "dinkes");
    assert (lower.weekly_location_days == 2);
    //  Blackout: single days and ranges with both ends included
    assert (wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 8, 17)));
    assert (!wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 8, 16)));
    assert (!wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 8, 18)));
    assert (!wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 12, 23)));
    assert (wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 12, 24)));
    assert (wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 12, 25)));
    assert (wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 12, 26)));
    assert (!wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 12, 27)));
    assert (wfa_policy_blackout (policy, wfa_date_from_ymd (2026, 3, 18)));
    //  An OPD's own list replaces the pemda's
    assert (wfa_policy_opd_blackout (policy, "DINKES", wfa_date_from_ymd (2026, 9, 2)));
    assert (!wfa_policy_opd_blackout (policy, "DINKES", wfa_date_from_ymd (2026, 8, 17)));
    assert (wfa_policy_opd_blackout (policy, "RSUD-dr.Haryoto", wfa_date_from_ymd (2026, 8, 17)));
    assert (!wfa_policy_opd_blackout (policy, "RSUD-dr.Haryoto", wfa_date_from_ymd (2026, 9, 2)));
    assert (wfa_policy_opd_blackout (policy, NULL, wfa_date_from_ymd (2026, 8, 17)));
    //  Round trip: text -> policy -> text -> policy
    const char *opds [] = { "DINKES", "RSUD-dr.Haryoto", "BAPPEDA", NULL };
    s_test_round_trip (policy, opds);
    char *canonical = wfa_policy_text (policy);
    //  OPD sections sorted, only their overrides written
    assert (strstr (canonical, "[opd DINKES]\nlimits.weekly_location_days = 1\n"
                               "limits.blackout = 2026-09-01..2026-09-02\n"
                               "limits.weekly_hours = 35.25\n"));
    assert (strstr (canonical, "[opd DINKES]") < strstr (canonical, "[opd RSUD-dr.Haryoto]"));
    assert (strstr (canonical, "step = bkd, sla_hours=48, on_timeout=escalate\n"));
    assert (!strstr (canonical, "#"));
    if (verbose)
        printf ("%s", canonical);
    free (canonical);
    wfa_policy_destroy (&policy);

    //  The example file shipped in deploy/ parses cleanly and round-trips
    zlistx_t *errors = wfa_policy_errors_new ();
    policy = wfa_policy_load ("deploy/policy.example.ini", "35.08", errors);
    wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (errors);
    for (; error; error = (wfa_policy_error_t *) zlistx_next (errors))
        printf ("  deploy/policy.example.ini:%d: %s\n", error->line, error->message_en);
    assert (policy && zlistx_size (errors) == 0);
    rules = wfa_policy_rules (policy, NULL);
    assert (rules.tz_minutes == WFA_TZ_WIB && rules.weekly_location_days == 2);
    assert (wfa_policy_steps (policy) >= 1);
    const char *example_opds [] = { "DINKES", "RSUD", "SATPOLPP", NULL };
    s_test_round_trip (policy, example_opds);
    wfa_policy_destroy (&policy);
    //  A file that cannot be opened gives one error with line 0
    policy = wfa_policy_load ("deploy/no-such-policy.ini", "35.08", errors);
    assert (policy == NULL && zlistx_size (errors) == 1);
    error = (wfa_policy_error_t *) zlistx_first (errors);
    assert (error->line == 0 && strstr (error->message_en, "no-such-policy.ini"));
    zlistx_destroy (&errors);
    if (verbose)
        printf ("wfa_policy: ok\n");
}
