/*  wfa_employee.c - checking personnel rows and reading the CSV import.

    CSV follows RFC 4180 closely enough for spreadsheet exports: commas,
    double-quoted fields with "" for a quote, CRLF or LF line ends, and a
    UTF-8 byte order mark at the start is skipped. */
#include "wfa.h"

static const char *s_roles [] = {
    "pegawai", "atasan", "kepala_opd", "bkd", "admin_pemda", "integrator", NULL
};

//  The CSV columns in order; the first 7 are required in the header.
static const char *s_columns [WFA_EMPLOYEE_FIELDS + 1] = {
    "nip", "name", "pemda", "opd", "position", "supervisor_nip", "roles",
    "service_start", "sanctions", "predikat", "position_eligible", "field_based", "home",
    "special_circumstances", "home_geo", "unit", "working_days", "email", "lang", NULL
};
#define S_REQUIRED_COLUMNS 7

static const char *s_predikat [] = {
    "sangat_kurang", "kurang", "butuh_perbaikan", "baik", "sangat_baik", NULL
};

const char *
wfa_employee_field_name (int field_nbr)
{
    assert (field_nbr >= 0 && field_nbr < WFA_EMPLOYEE_FIELDS);
    return s_columns [field_nbr];
}

char **
wfa_employee_field (wfa_employee_t *row, int field_nbr)
{
    char **slots [WFA_EMPLOYEE_FIELDS] = { &row->nip, &row->name, &row->pemda, &row->opd,
        &row->position, &row->supervisor_nip, &row->roles, &row->service_start, &row->sanctions,
        &row->predikat, &row->position_eligible, &row->field_based, &row->home, &row->special, &row->home_geo,
        &row->unit, &row->working_days, &row->email, &row->lang };
    assert (field_nbr >= 0 && field_nbr < WFA_EMPLOYEE_FIELDS);
    return slots [field_nbr];
}

//  A plain addr-spec: dot-atoms on both sides of one '@', printable ASCII
//  only (so no CR/LF can reach a mail header), within the RFC 5321 sizes.
bool
wfa_email_valid (const char *email)
{
    static const char *specials = "!#$%&'*+/=?^_`{|}~-";
    const char *at = email? strchr (email, '@'): NULL;
    if (!at || strchr (at + 1, '@'))
        return false;
    size_t local = (size_t) (at - email), domain = strlen (at + 1);
    if (local < 1 || local > 64 || domain < 3 || domain > 253 || local + 1 + domain > WFA_EMAIL_MAX)
        return false;
    //  The local part: atext runs joined by single dots
    for (size_t char_nbr = 0; char_nbr < local; char_nbr++) {
        char c = email [char_nbr];
        if (c == '.') {
            if (char_nbr == 0 || char_nbr + 1 == local || email [char_nbr + 1] == '.')
                return false;
        }
        else
        if (!(isascii ((unsigned char) c) && isalnum ((unsigned char) c)) && !strchr (specials, c))
            return false;
    }
    //  The domain: at least two labels of letters, digits and inner hyphens
    const char *label = at + 1;
    int labels = 0;
    while (*label) {
        size_t len = strspn (label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
        if (len < 1 || len > 63 || label [0] == '-' || label [len - 1] == '-')
            return false;
        labels++;
        label += len;
        if (*label == '.') {
            label++;
            if (!*label)
                return false;
        }
        else
        if (*label)
            return false;
    }
    return labels >= 2;
}

//  Predikat as a rank, 5 best.
int
wfa_predikat_rank (const char *predikat)
{
    if (!predikat || !*predikat)
        return 0;
    for (int rank_nbr = 0; s_predikat [rank_nbr]; rank_nbr++)
        if (streq (predikat, s_predikat [rank_nbr]))
            return rank_nbr + 1;
    return -1;
}

//  yes/no in either language, or empty.
static bool
s_flag_valid (const char *flag)
{
    static const char *flags [] = { "", "yes", "no", "ya", "tidak", "true", "false", "1", "0", NULL };
    for (int flag_nbr = 0; flags [flag_nbr]; flag_nbr++)
        if (strcasecmp (flag, flags [flag_nbr]) == 0)
            return true;
    return false;
}

//  Ranges FROM..TO or FROM.. separated by ';', or empty.
static bool
s_sanctions_valid (const char *text)
{
    char *copy = strdup (text);
    bool valid = true;
    char *saveptr = NULL;
    for (char *range = strtok_r (copy, ";", &saveptr); range && valid;
         range = strtok_r (NULL, ";", &saveptr)) {
        char *dots = strstr (range, "..");
        int from = 0, to = 0;
        if (!dots)
            valid = false;
        else {
            *dots = 0;
            valid = wfa_date_parse (range, &from) == 0
                 && (dots [2] == 0 || (wfa_date_parse (dots + 2, &to) == 0 && to >= from));
        }
    }
    free (copy);
    return valid;
}

//  The number of the len digits at text.
static int
s_digits (const char *text, int len)
{
    int value = 0;
    for (int digit_nbr = 0; digit_nbr < len; digit_nbr++)
        value = value * 10 + (text [digit_nbr] - '0');
    return value;
}

//  True for a NIP: birth date, appointment, sex digit, serial.
bool
wfa_nip_valid (const char *nip)
{
    if (!nip || strlen (nip) != 18)
        return false;
    for (int digit_nbr = 0; digit_nbr < 18; digit_nbr++)
        if (!isdigit ((unsigned char) nip [digit_nbr]))
            return false;
    char birth [11];
    snprintf (birth, sizeof birth, "%.4s-%.2s-%.2s", nip, nip + 4, nip + 6);
    int days;
    if (wfa_date_parse (birth, &days))
        return false;
    //  Months since year 0 of the birth and of the appointment
    int born = s_digits (nip, 4) * 12 + s_digits (nip + 4, 2) - 1;
    int month = s_digits (nip + 12, 2);
    int appointed = s_digits (nip + 8, 4) * 12 + month - 1;
    if (month < 1 || month > 12
    ||  appointed < born + WFA_NIP_AGE_MIN * 12 || appointed > born + WFA_NIP_AGE_MAX * 12)
        return false;
    return nip [14] == '1' || nip [14] == '2';
}

//  True for a known role name of len bytes.
bool
wfa_role_valid (const char *role, size_t len)
{
    for (int role_nbr = 0; s_roles [role_nbr]; role_nbr++)
        if (strlen (s_roles [role_nbr]) == len && memcmp (s_roles [role_nbr], role, len) == 0)
            return true;
    return false;
}

//  True for an OPD code: letters, digits, '.', '_', '-', 1..64 bytes.
bool
wfa_opd_code_valid (const char *code)
{
    size_t len = code? strlen (code): 0;
    if (len == 0 || len > WFA_CODE_MAX)
        return false;
    for (size_t char_nbr = 0; char_nbr < len; char_nbr++) {
        char letter = code [char_nbr];
        if (!isalnum ((unsigned char) letter) && letter != '.' && letter != '_' && letter != '-')
            return false;
    }
    return true;
}

//  Validate one row.
int
wfa_employee_validate (const wfa_employee_t *row, wfa_employee_problem_fn *problem, void *arg)
{
    int count = 0;
#define S_PROBLEM(code, field) do { problem (arg, row, code, field); count++; } while (0)
    if (row->short_row)
        S_PROBLEM (WFA_E_BAD_VALUE, "columns");
    if (!row->nip || !*row->nip)
        S_PROBLEM (WFA_E_MISSING_FIELD, "nip");
    else
    if (!wfa_nip_valid (row->nip))
        S_PROBLEM (WFA_E_BAD_NIP, "nip");
    if (!row->name || !*row->name)
        S_PROBLEM (WFA_E_MISSING_FIELD, "name");
    else
    if (strlen (row->name) > WFA_NAME_MAX)
        S_PROBLEM (WFA_E_TOO_LARGE, "name");
    if (!row->pemda || !*row->pemda)
        S_PROBLEM (WFA_E_MISSING_FIELD, "pemda");
    else
    if (wfa_pemda_check (row->pemda))
        S_PROBLEM (wfa_pemda_check (row->pemda), "pemda");
    if (!row->opd || !*row->opd)
        S_PROBLEM (WFA_E_MISSING_FIELD, "opd");
    else
    if (!wfa_opd_code_valid (row->opd))
        S_PROBLEM (WFA_E_BAD_VALUE, "opd");
    else
    if (!wfa_utf8_valid (row->name, strlen (row->name)))
        S_PROBLEM (WFA_E_BAD_VALUE, "name");
    if (row->position && strlen (row->position) > WFA_NAME_MAX)
        S_PROBLEM (WFA_E_TOO_LARGE, "position");
    else
    if (row->position && !wfa_utf8_valid (row->position, strlen (row->position)))
        S_PROBLEM (WFA_E_BAD_VALUE, "position");
    if (row->supervisor_nip && *row->supervisor_nip) {
        if (!wfa_nip_valid (row->supervisor_nip))
            S_PROBLEM (WFA_E_BAD_NIP, "supervisor_nip");
        else
        if (row->nip && streq (row->nip, row->supervisor_nip))
            S_PROBLEM (WFA_E_BAD_VALUE, "supervisor_nip");
    }
    if (row->service_start && *row->service_start) {
        char full [16];
        int days = 0;
        snprintf (full, sizeof full, strlen (row->service_start) == 7? "%s-01": "%s", row->service_start);
        if (wfa_date_parse (full, &days))
            S_PROBLEM (WFA_E_BAD_DATE, "service_start");
    }
    if (row->sanctions && !s_sanctions_valid (row->sanctions))
        S_PROBLEM (WFA_E_BAD_VALUE, "sanctions");
    if (row->special && !s_sanctions_valid (row->special))
        S_PROBLEM (WFA_E_BAD_VALUE, "special_circumstances");
    if (row->home_geo && *row->home_geo) {
        double lat = 0, lon = 0;
        int used = 0;
        if (sscanf (row->home_geo, "%lf , %lf%n", &lat, &lon, &used) != 2 || row->home_geo [used]
        ||  lat < -90 || lat > 90 || lon < -180 || lon > 180)
            S_PROBLEM (WFA_E_BAD_VALUE, "home_geo");
    }
    if (row->unit && *row->unit && !wfa_opd_code_valid (row->unit))
        S_PROBLEM (WFA_E_BAD_VALUE, "unit");
    if (row->working_days && *row->working_days && !streq (row->working_days, "5")
    &&  !streq (row->working_days, "6") && !streq (row->working_days, "7"))
        S_PROBLEM (WFA_E_BAD_VALUE, "working_days");
    if (row->email && *row->email && !wfa_email_valid (row->email))
        S_PROBLEM (WFA_E_BAD_VALUE, "email");
    if (row->lang && *row->lang && !streq (row->lang, "id") && !streq (row->lang, "en"))
        S_PROBLEM (WFA_E_BAD_VALUE, "lang");
    if (row->predikat && wfa_predikat_rank (row->predikat) < 0)
        S_PROBLEM (WFA_E_BAD_VALUE, "predikat");
    if (row->position_eligible && !s_flag_valid (row->position_eligible))
        S_PROBLEM (WFA_E_BAD_VALUE, "position_eligible");
    if (row->field_based && !s_flag_valid (row->field_based))
        S_PROBLEM (WFA_E_BAD_VALUE, "field_based");
    if (row->home && (strlen (row->home) > 500 || !wfa_utf8_valid (row->home, strlen (row->home))))
        S_PROBLEM (WFA_E_BAD_VALUE, "home");
    const char *roles = row->roles? row->roles: "";
    while (*roles) {
        size_t len = strcspn (roles, ";");
        if (len > 0 && !wfa_role_valid (roles, len)) {
            S_PROBLEM (WFA_E_BAD_VALUE, "roles");
            break;
        }
        roles += len;
        if (*roles == ';')
            roles++;
    }
#undef S_PROBLEM
    return count;
}

//  Free the strings of a row.
void
wfa_employee_clear (wfa_employee_t *row)
{
    free (row->nip);
    free (row->name);
    free (row->pemda);
    free (row->opd);
    free (row->position);
    free (row->supervisor_nip);
    free (row->roles);
    free (row->service_start);
    free (row->sanctions);
    free (row->predikat);
    free (row->position_eligible);
    free (row->field_based);
    free (row->special);
    free (row->home_geo);
    free (row->home);
    free (row->unit);
    free (row->working_days);
    free (row->email);
    free (row->lang);
    memset (row, 0, sizeof *row);
}

static void
s_row_destroy (void **item_p)
{
    wfa_employee_t *row = (wfa_employee_t *) *item_p;
    if (row) {
        wfa_employee_clear (row);
        free (row);
        *item_p = NULL;
    }
}

//  Parse employees CSV text (through the one CSV reader).
zlistx_t *
wfa_employee_parse_csv (const char *text, char *error, size_t error_size)
{
    wfa_csv_t *csv = wfa_csv_new (text, strlen (text));
    size_t columns = wfa_csv_next (csv);
    int index [WFA_EMPLOYEE_FIELDS];
    bool complete = columns > 0;
    for (int column_nbr = 0; s_columns [column_nbr]; column_nbr++) {
        index [column_nbr] = -1;
        for (size_t field_nbr = 0; field_nbr < columns; field_nbr++)
            if (strcasecmp (wfa_csv_field (csv, field_nbr), s_columns [column_nbr]) == 0)
                index [column_nbr] = (int) field_nbr;
        if (index [column_nbr] < 0 && complete && column_nbr < S_REQUIRED_COLUMNS) {
            snprintf (error, error_size, "%s", s_columns [column_nbr]);
            complete = false;
        }
    }
    if (!complete) {
        if (columns == 0)
            snprintf (error, error_size, "nip");
        wfa_csv_destroy (&csv);
        return NULL;
    }
    zlistx_t *rows = zlistx_new ();
    zlistx_set_destructor (rows, s_row_destroy);
    size_t count;
    while ((count = wfa_csv_next (csv))) {
        if (count == 1 && *wfa_csv_field (csv, 0) == 0)
            continue;               //  One empty field (a line of ""): no row
        wfa_employee_t *row = (wfa_employee_t *) zmalloc (sizeof (wfa_employee_t));
        //  A column the header lacks stays NULL: that field is left as it is
        for (int column_nbr = 0; column_nbr < WFA_EMPLOYEE_FIELDS; column_nbr++)
            if (index [column_nbr] >= 0 && (size_t) index [column_nbr] < count)
                *wfa_employee_field (row, column_nbr) = strdup (wfa_csv_field (csv, index [column_nbr]));
            else
            if (index [column_nbr] >= 0)
                row->short_row = true;
        row->line = wfa_csv_line (csv);
        zlistx_add_end (rows, row);
    }
    wfa_csv_destroy (&csv);
    return rows;
}

static void
s_count_problem (void *arg, const wfa_employee_t *row, wfa_code_t code, const char *field)
{
    (void) row;
    char *log = (char *) arg;
    char entry [64];
    snprintf (entry, sizeof entry, "%s:%s ", wfa_error_name (code), field);
    strcat (log, entry);
}

void
wfa_employee_test (bool verbose)
{
    assert (wfa_nip_valid ("198609262015051001"));
    assert (!wfa_nip_valid ("198613262015051001"));     //  Month 13
    assert (!wfa_nip_valid ("19860926201505100"));      //  17 digits
    assert (!wfa_nip_valid ("19860926201505100x"));
    assert (!wfa_nip_valid ("198609262015001001"));     //  Appointed in month 00
    assert (!wfa_nip_valid ("198609262015131001"));     //  ... or 13
    assert (!wfa_nip_valid ("198609262015053001"));     //  Sex digit 3
    assert (!wfa_nip_valid ("198609262015050001"));     //  ... or 0
    assert (!wfa_nip_valid ("198609261985051001"));     //  Appointed before birth
    assert (!wfa_nip_valid ("198609262004081001"));     //  At 17
    assert (wfa_nip_valid ("198609262004091001"));      //  At 18
    assert (wfa_nip_valid ("198609262046092001"));      //  At 60
    assert (!wfa_nip_valid ("198609262046101001"));     //  Past 60

    assert (wfa_email_valid ("siti.rahayu@lumajangkab.go.id"));
    assert (wfa_email_valid ("a+b_c@x.id"));
    assert (!wfa_email_valid ("siti@localhost"));               //  One label
    assert (!wfa_email_valid ("siti@x.id\r\nBcc: all@x.id"));    //  Header injection
    assert (!wfa_email_valid ("si ti@x.id"));
    assert (!wfa_email_valid ("\"siti\"@x.id"));
    assert (!wfa_email_valid (".siti@x.id"));
    assert (!wfa_email_valid ("si..ti@x.id"));
    assert (!wfa_email_valid ("siti@-x.id"));
    assert (!wfa_email_valid ("siti@x..id"));
    assert (!wfa_email_valid ("siti@x.id."));
    assert (!wfa_email_valid ("a@b@x.id"));
    assert (!wfa_email_valid ("@x.id"));
    assert (!wfa_email_valid ("s\xC3\xADti@x.id"));
    char long_local [80];
    memset (long_local, 'a', 65);
    snprintf (long_local + 65, sizeof long_local - 65, "@x.id");
    assert (!wfa_email_valid (long_local));

    const char *text =
        "\xEF\xBB\xBFnip,name,pemda,opd,position,supervisor_nip,roles,extra\r\n"
        "198609262015051001,\"Siti, S.Kom\",35.08,DISKOMINFO,Pranata Komputer,197501012000031002,pegawai\r\n"
        "\n"
        "197501012000031002,Budi,35.08,DISKOMINFO,\"Kepala \"\"Bidang\"\"\",,pegawai;atasan,x\n"
        "19750101200003100,Bad,3508,,pos,197501012000031002,pegawai;raja\n"
        "198609262015051001,Self,35.08,A,,198609262015051001,\n";
    char error [64] = "";
    zlistx_t *rows = wfa_employee_parse_csv (text, error, sizeof error);
    assert (rows && zlistx_size (rows) == 4);
    wfa_employee_t *row = (wfa_employee_t *) zlistx_first (rows);
    assert (row->line == 2 && streq (row->name, "Siti, S.Kom"));
    char log [512] = "";
    assert (wfa_employee_validate (row, s_count_problem, log) == 0);
    row = (wfa_employee_t *) zlistx_next (rows);
    assert (row->line == 4 && streq (row->position, "Kepala \"Bidang\""));
    assert (streq (row->supervisor_nip, "") && streq (row->roles, "pegawai;atasan"));
    assert (wfa_employee_validate (row, s_count_problem, log) == 0);
    row = (wfa_employee_t *) zlistx_next (rows);
    assert (row->line == 5);
    assert (wfa_employee_validate (row, s_count_problem, log) == 4);
    assert (streq (log, "BAD_NIP:nip BAD_PEMDA:pemda MISSING_FIELD:opd BAD_VALUE:roles "));
    row = (wfa_employee_t *) zlistx_next (rows);
    log [0] = 0;
    assert (wfa_employee_validate (row, s_count_problem, log) == 1);
    assert (streq (log, "BAD_VALUE:supervisor_nip "));
    zlistx_destroy (&rows);

    //  Optional columns: checked when present, NULL when the header lacks them
    rows = wfa_employee_parse_csv (
        "nip,name,pemda,opd,position,supervisor_nip,roles,service_start,sanctions,predikat,field_based\n"
        "198609262015051001,A,35.08,X,,,pegawai,2015-05,2026-01-01..2026-06-30;2027-01-01..,baik,ya\n"
        "198609262015051002,B,35.08,X,,,pegawai,2015-13,2026-01-01..2025-01-01,hebat,maybe\n",
        error, sizeof error);
    assert (rows && zlistx_size (rows) == 2);
    row = (wfa_employee_t *) zlistx_first (rows);
    assert (streq (row->predikat, "baik") && row->home == NULL && row->position_eligible == NULL);
    log [0] = 0;
    assert (wfa_employee_validate (row, s_count_problem, log) == 0);
    row = (wfa_employee_t *) zlistx_next (rows);
    log [0] = 0;
    assert (wfa_employee_validate (row, s_count_problem, log) == 4);
    assert (streq (log, "BAD_DATE:service_start BAD_VALUE:sanctions BAD_VALUE:predikat BAD_VALUE:field_based "));
    zlistx_destroy (&rows);
    //  The unit of the OPD and the days a week it works
    rows = wfa_employee_parse_csv (
        "nip,name,pemda,opd,position,supervisor_nip,roles,unit,working_days\n"
        "198609262015051001,A,35.08,DINKES,,,pegawai,PKM-SUKODONO,6\n"
        "198609262015051002,B,35.08,DINKES,,,pegawai,,\n"
        "198609262015051003,C,35.08,DINKES,,,pegawai,PKM SUKODONO,4\n",
        error, sizeof error);
    assert (rows && zlistx_size (rows) == 3);
    row = (wfa_employee_t *) zlistx_first (rows);
    assert (streq (row->unit, "PKM-SUKODONO") && streq (row->working_days, "6"));
    assert (wfa_employee_validate (row, s_count_problem, log) == 0);
    row = (wfa_employee_t *) zlistx_next (rows);
    assert (wfa_employee_validate (row, s_count_problem, log) == 0);
    row = (wfa_employee_t *) zlistx_next (rows);
    log [0] = 0;
    assert (wfa_employee_validate (row, s_count_problem, log) == 2);
    assert (streq (log, "BAD_VALUE:unit BAD_VALUE:working_days "));
    zlistx_destroy (&rows);
    //  Where notices go and in which language
    rows = wfa_employee_parse_csv (
        "nip,name,pemda,opd,position,supervisor_nip,roles,email,lang\n"
        "198609262015051001,A,35.08,DINKES,,,pegawai,a@dinkes.go.id,en\n"
        "198609262015051002,B,35.08,DINKES,,,pegawai,\"b@x.id\r\nBcc: c@x.id\",fr\n",
        error, sizeof error);
    assert (rows && zlistx_size (rows) == 2);
    row = (wfa_employee_t *) zlistx_first (rows);
    assert (streq (row->email, "a@dinkes.go.id") && streq (row->lang, "en"));
    assert (wfa_employee_validate (row, s_count_problem, log) == 0);
    row = (wfa_employee_t *) zlistx_next (rows);
    log [0] = 0;
    assert (wfa_employee_validate (row, s_count_problem, log) == 2);
    assert (streq (log, "BAD_VALUE:email BAD_VALUE:lang "));
    zlistx_destroy (&rows);
    assert (wfa_predikat_rank ("sangat_baik") == 5 && wfa_predikat_rank ("") == 0);
    assert (wfa_predikat_rank ("hebat") == -1);

    //  A home address over two lines: the row after it names its own line
    rows = wfa_employee_parse_csv (
        "nip,name,pemda,opd,position,supervisor_nip,roles,home\r\n"
        "198609262015051001,\"Siti, S.Kom\",35.08,DINKES,,,pegawai,\"Jl. Merdeka 1\r\nRT 2\"\r\n"
        "19860926201505100,B,35.08,DINKES,,,pegawai,\r\n", error, sizeof error);
    assert (rows && zlistx_size (rows) == 2);
    row = (wfa_employee_t *) zlistx_first (rows);
    assert (row->line == 2 && streq (row->name, "Siti, S.Kom") && streq (row->home, "Jl. Merdeka 1\r\nRT 2"));
    row = (wfa_employee_t *) zlistx_next (rows);
    assert (row->line == 4 && streq (row->home, ""));
    zlistx_destroy (&rows);

    rows = wfa_employee_parse_csv ("nip,name,pemda\n1,2,3\n", error, sizeof error);
    assert (rows == NULL && streq (error, "opd"));
    //  Short row: missing fields fail validation rather than crash
    rows = wfa_employee_parse_csv ("nip,name,pemda,opd,position,supervisor_nip,roles\n198609262015051001\n",
                                   error, sizeof error);
    assert (rows && zlistx_size (rows) == 1);
    log [0] = 0;
    assert (wfa_employee_validate ((wfa_employee_t *) zlistx_first (rows), s_count_problem, log) == 4);
    assert (strstr (log, "BAD_VALUE:columns"));
    zlistx_destroy (&rows);
    if (verbose)
        printf ("wfa_employee: ok\n");
}
