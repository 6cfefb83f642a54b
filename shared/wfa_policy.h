/*  wfa_policy.h - a pemda's flexible-work policy: the rules of
    PermenPAN-RB 4/2025 as that pemda sets them, with per-OPD overrides.

    The policy is a small line-oriented text file (docs/rules.md is the
    reference, deploy/policy.example.ini a commented example). The parser
    checks every line and reports every problem at once, each with its
    line number and a message in Bahasa Indonesia and in English (from the
    text table of wfa_error.c), so an admin pemda can fix a file in one pass. */
#ifndef WFA_POLICY_H_INCLUDED
#define WFA_POLICY_H_INCLUDED

#define WFA_POLICY_SIZE_MAX (64 * 1024)     //  bytes in a policy file
#define WFA_POLICY_LINE_MAX 1000            //  bytes in a line, without its end
#define WFA_POLICY_LINES_MAX 2000           //  lines in a file
#define WFA_POLICY_OPDS_MAX 200             //  [opd CODE] sections
#define WFA_POLICY_STEPS_MAX 5              //  approval steps
#define WFA_POLICY_BLACKOUT_MAX 100         //  blackout dates or ranges in one list

//  Kinds of flexibility: three by location (art. 12), two by time (art. 17).
typedef enum {
    WFA_KIND_RUMAH = 0,
    WFA_KIND_KANTOR_LAIN,
    WFA_KIND_LOKASI_LAIN,
    WFA_KIND_SIF,
    WFA_KIND_DINAMIS,
    WFA_KIND_COUNT
} wfa_kind_t;

typedef struct _wfa_policy_t wfa_policy_t;

//  One problem found in a policy file. line is 1-based; 0 only when the
//  file as a whole could not be read (wfa_policy_load).
typedef struct {
    int line;
    char message_id [256];          //  Bahasa Indonesia
    char message_en [256];          //  English
} wfa_policy_error_t;

//  The effective rules for one OPD: the pemda's rules with that OPD's
//  overrides applied.
typedef struct {
    int tz_minutes;                 //  WFA_TZ_WIB, WFA_TZ_WITA or WFA_TZ_WIT
    bool kind_allowed [WFA_KIND_COUNT];
    int weekly_location_days, min_notice_working_days, max_days_per_request;
    double weekly_hours, ramadan_weekly_hours;
    //  Breaks (minutes) of a working day: ordinary and Friday, outside and
    //  in Ramadan (Perpres 21/2023 art. 4); days the unit works a week (5
    //  Mon-Fri, 6 Mon-Sat, 7 every day)
    int break_minutes, friday_break_minutes, ramadan_break_minutes, ramadan_friday_break_minutes;
    int working_days;
    int max_people_per_day, max_percent_per_day;    //  0 = no limit
    //  A sub-unit (the personnel data's unit) of the OPD: at most N people or
    //  P percent of it away on one day; at least N of the OPD, and of each
    //  unit, at the office (0 = no limit)
    int unit_max_people_per_day, unit_max_percent_per_day, min_present_per_day,
        unit_min_present_per_day;
    bool block_when_sanctioned, require_position_eligible, field_based_exempt_from_cap,
         special_circumstance_exempt_from_cap;
    bool missing_allowed;           //  Eligibility data not on record passes (missing = allow)
    int min_months_of_service;
    int min_predikat;               //  0 none, else 1 sangat_kurang .. 5 sangat_baik
    //  Monev: working day start and check-in grace, the daily report's
    //  deadline (minutes since local midnight), the geofence, benchmarks
    int work_start, checkin_grace_minutes, report_deadline, geofence_radius_m;
    int ramadan_work_start;         //  Start of the working day in Ramadan
    int office_e6 [2];              //  Office lat, lon in microdegrees; WFA_GEO_NONE if unset
    int min_checkin_compliance, min_report_rate, min_attainment;    //  percent
    int flag_after_weeks, suspend_weeks;
} wfa_rules_t;

#define WFA_GEO_NONE INT_MIN        //  No coordinates

//  One approval step.
typedef struct {
    char role [16];                 //  atasan, kepala_opd or bkd
    int sla_hours;                  //  1..720
    char on_timeout [16];           //  remind, escalate or expire
} wfa_step_t;

//  New empty error list for wfa_policy_parse: its destructor frees the
//  wfa_policy_error_t items. The caller destroys it.
zlistx_t *wfa_policy_errors_new (void);

//  Parse size bytes of policy text for a pemda (its code gives the default
//  time zone). Returns a policy, or NULL when the text has any problem; then
//  each problem is appended to errors, in line order, if errors is not NULL.
//  errors must come from wfa_policy_errors_new (or free its items itself).
wfa_policy_t *wfa_policy_parse (const char *text, size_t size, const char *pemda, zlistx_t *errors);

//  Parse a policy text stored by an earlier version (POLICY.SET checked it
//  then): what later versions refuse is read the way they read it instead,
//  a weekly_location_days above the regulation's 2 as 2, the retired
//  limits.ramadan as nothing (Ramadan comes from the calendar). NULL if the
//  text does not parse even so.
wfa_policy_t *wfa_policy_parse_stored (const char *text, size_t size, const char *pemda);

//  Read and parse a policy file. A file that cannot be read gives one
//  error with line 0.
wfa_policy_t *wfa_policy_load (const char *path, const char *pemda, zlistx_t *errors);

//  The policy of a pemda with no policy file: every default.
wfa_policy_t *wfa_policy_default (const char *pemda);

//  Destroy a policy; nullifies the reference.
void wfa_policy_destroy (wfa_policy_t **self_p);

//  Effective rules for an OPD (NULL or an OPD without a section gives the
//  pemda's rules).
wfa_rules_t wfa_policy_rules (wfa_policy_t *self, const char *opd);

//  True if day (a wfa_date day number) is a blackout day of the pemda.
bool wfa_policy_blackout (wfa_policy_t *self, int day);

//  True if day is a blackout day for an OPD: the OPD's own list when its
//  section sets limits.blackout (it replaces the pemda's), else the pemda's.
bool wfa_policy_opd_blackout (wfa_policy_t *self, const char *opd, int day);

//  The OPD codes that have a section of their own (the only ones whose
//  rules may differ from the pemda's). Caller destroys the list.
zlistx_t *wfa_policy_opd_codes (wfa_policy_t *self);

//  Office coordinates (microdegrees) on record: the pemda's, then each OPD
//  section's own, into pairs (at most max); returns how many.
size_t wfa_policy_offices (wfa_policy_t *self, int (*pairs) [2], size_t max);

//  Number of approval steps (at least 1).
size_t wfa_policy_steps (wfa_policy_t *self);

//  Approval step by 0-based index; NULL past the end.
const wfa_step_t *wfa_policy_step (wfa_policy_t *self, size_t index);

//  Canonical text: no comments, sections in a fixed order, every pemda key
//  with its effective value, OPD sections sorted by code with only their
//  overrides. parse (text (p)) gives a policy equal to p. Caller frees.
char *wfa_policy_text (wfa_policy_t *self);

//  Kind of a name ("rumah" .. "dinamis"); -1 if unknown.
int wfa_kind_parse (const char *name);

//  Name of a kind; NULL if out of range.
const char *wfa_kind_name (int kind);

//  Predikat kinerja of a name: 1 sangat_kurang .. 5 sangat_baik, 0 for
//  "none"; -1 if unknown.
int wfa_predikat_parse (const char *name);

//  Name of a predikat 0..5 ("none" for 0); NULL if out of range.
const char *wfa_predikat_name (int predikat);

void wfa_policy_test (bool verbose);

#endif
