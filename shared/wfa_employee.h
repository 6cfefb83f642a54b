/*  wfa_employee.h - personnel records: identifiers, validation, CSV rows.

    The same checks run in wfactl (before a file is sent) and in
    wfa-requests (before a batch is stored), so a row is judged the same
    way wherever it comes from. */
#ifndef WFA_EMPLOYEE_H_INCLUDED
#define WFA_EMPLOYEE_H_INCLUDED

#define WFA_NAME_MAX 200        //  name, position: bytes
#define WFA_CODE_MAX 64         //  opd code: bytes

typedef struct {
    char *nip;                  //  18 digits
    char *name;                 //  Full name
    char *pemda;                //  PP or PP.KK
    char *opd;                  //  OPD code within the pemda
    char *position;             //  Jabatan
    char *supervisor_nip;       //  Atasan langsung, "" if none
    char *roles;                //  ';'-separated role names
    //  Optional: NULL when the source does not carry them (left as they are)
    char *service_start;        //  Start of service, YYYY-MM or YYYY-MM-DD
    char *sanctions;            //  Disciplinary sanctions: FROM..TO[;FROM..] ranges
    char *predikat;             //  Latest predikat kinerja, e.g. baik
    char *position_eligible;    //  yes|no: position may work flexibly
    char *field_based;          //  yes|no: duties by nature outside the office
    char *home;                 //  Registered home address
    char *home_geo;             //  Home coordinates "LAT,LON" (geofence of rumah)
    char *special;              //  Approved special circumstances (keadaan
                                //  khusus): FROM..TO[;FROM..] ranges
    char *unit;                 //  Sub-unit of the OPD (bidang, UPT, Puskesmas), "" if none
    char *working_days;         //  Days a week the unit works: 5, 6 or 7; "" the policy's
    char *email;                //  Where notices are emailed, "" none (wfa_email_valid)
    char *lang;                 //  Language of notices: id|en, "" id
    int line;                   //  Line in the source file, or batch index
    bool short_row;             //  CSV row with fewer fields than the header
} wfa_employee_t;

//  Called once per problem found in a row.
typedef void (wfa_employee_problem_fn) (void *arg, const wfa_employee_t *row,
                                        wfa_code_t code, const char *field);

//  True for a NIP as BKN gives them: 18 digits, a valid birth date
//  YYYYMMDD, the appointment (TMT CPNS) YYYYMM with a month 01-12 at an
//  age of 18 to 60 (WFA_NIP_AGE_MIN, _MAX: so after the birth), a sex
//  digit 1 or 2, a 3-digit serial. The one check of every NIP.
#define WFA_NIP_AGE_MIN 18
#define WFA_NIP_AGE_MAX 60
bool wfa_nip_valid (const char *nip);

//  True for an OPD code: letters, digits, '.', '_', '-', 1..64 bytes.
bool wfa_opd_code_valid (const char *code);

//  True for a plain email address (addr-spec): dot-atom local part of 1..64
//  bytes, '@', a domain of two or more labels (letters, digits, inner '-'),
//  WFA_EMAIL_MAX bytes at most, printable ASCII only (no CR/LF, no spaces,
//  no quotes, no comments: nothing that could break a mail header).
#define WFA_EMAIL_MAX 254
bool wfa_email_valid (const char *email);

//  True for a known role name.
bool wfa_role_valid (const char *role, size_t len);

#define WFA_EMPLOYEE_FIELDS 19  //  Fields of a row: 7 required columns, 12 optional

//  Name of field n of a row (0..18), in the CSV column order.
const char *wfa_employee_field_name (int field_nbr);

//  Address of field n of a row.
char **wfa_employee_field (wfa_employee_t *row, int field_nbr);

//  Predikat kinerja as a rank: 5 sangat_baik .. 1 sangat_kurang; 0 if empty,
//  -1 if unknown.
int wfa_predikat_rank (const char *predikat);

//  Validate one row; calls problem for each problem; returns their count.
int wfa_employee_validate (const wfa_employee_t *row, wfa_employee_problem_fn *problem, void *arg);

//  Free the strings of a row (not the row itself).
void wfa_employee_clear (wfa_employee_t *row);

//  Parse employees CSV text (header first). Returns a list of
//  wfa_employee_t * (caller destroys the list; items free themselves), or
//  NULL with a message in error when the header lacks a required column.
//  Rows with too few columns keep NULL fields and fail validation.
zlistx_t *wfa_employee_parse_csv (const char *text, char *error, size_t error_size);

void wfa_employee_test (bool verbose);

#endif
