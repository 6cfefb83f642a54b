/*  wfactl - the Fleksi command line, over the native protocol.

    wfactl [--endpoint E] [--json] [--lang id|en] [--as NIP] COMMAND ...
    Human-readable output by default; --json prints the reply map as JSON.
    Exit 0 on success; 1 with the error code printed when the service
    refuses; 2 on a usage error; 3 when no reply came (TIMEOUT).
    Who acts is proven by a key: --as NIP (anywhere on the line, or
    WFA_AS) signs in with that person's key in the key folder (WFA_KEYS:
    people/NIP.key, or kemendagri/NIP.key for a national reader);
    --identity FILE with any secret certificate (an integrator's); neither, with the
    operator's key (operator.key). Without the key there is no call. */
#include "wfa.h"

#define S_IMPORT_BATCH 500
#define S_EKINERJA_BATCH 1000

static bool s_json = false;             //  --json
static const char *s_lang = "id";       //  --lang
static wfa_client_t *s_client = NULL;   //  Connection to the broker
static const char *s_as = NULL;         //  --as NIP, anywhere, or WFA_AS: who acts
static const char *s_key = NULL;        //  --identity FILE: sign in with this certificate
static bool s_as_given = false;         //  --as was on the command line (not only WFA_AS)

static int
s_usage (void)
{
    fprintf (stderr,
        "usage: wfactl [--endpoint E] [--json] [--lang id|en] [--as NIP | --identity FILE] COMMAND ...\n"
        "  (--as NIP signs in with WFA_KEYS/people/NIP.key; neither: the operator's key)\n"
        "  keys init [DIR]            (the broker's, services', operator's, gateway's and audit keys)\n"
        "  keys issue|revoke --nip NIP... | --kemendagri NIP | --integrator NAME --pemda CODE\n"
        "                   [--if-missing] (by the operator, or --as an admin_pemda of that pemda)\n"
        "  keys new FILE              (a key pair made by its holder; prints the public key)\n"
        "  keys issue --nip NIP --public KEY  (issue the public key a holder made)\n"
        "  keys list\n"
        "  import employees FILE.csv  (as an admin_pemda/integrator, or the operator)\n"
        "  submit --as NIP --kind rumah|kantor_lain|lokasi_lain|sif|dinamis --dates YYYY-MM-DD[,...]\n"
        "         --location TEXT --reason TEXT [--plan TEXT]... [--key KEY]\n"
        "         [--time-kind sif|dinamis] [--schedule DATE=HH:MM-HH:MM]... (time kinds)\n"
        "  resubmit REQUEST_ID --as NIP (the options of submit)\n"
        "  decide REQUEST_ID... --as NIP (--approve|--reject|--return) [--note TEXT] [--key KEY]\n"
        "         [--tasks-fit --targets-measurable]    (the atasan's assessment)\n"
        "         [--service-continues --capacity-ok]   (the kepala OPD's proposal)\n"
        "  cancel REQUEST_ID --as NIP [--from YYYY-MM-DD] [--reason TEXT]\n"
        "  revoke REQUEST_ID --as NIP --from YYYY-MM-DD --reason TEXT\n"
        "  delegate --as NIP --for NIP (--to NIP --from YYYY-MM-DD --until YYYY-MM-DD --order-ref TEXT\n"
        "           [--reason TEXT] | --withdraw)   (the kepala OPD or BKD appoints a Plt/Plh)\n"
        "  show REQUEST_ID --as NIP\n"
        "  list --as NIP [--pemda CODE] [--opd CODE] [--nip NIP] [--state STATE] [--limit N]\n"
        "  inbox --as NIP [--limit N]\n"
        "  approvals --as NIP\n"
        "  metrics --as NIP --pemda CODE [--opd CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
        "  policy set --pemda CODE FILE --as NIP | policy show --pemda CODE --as NIP\n"
        "  calendar set --pemda CODE FILE --as NIP | calendar show --pemda CODE --as NIP\n"
        "  audit REQUEST_ID --as NIP | audit verify --pemda CODE --as NIP\n"
        "  checkin|checkout --as NIP [--lat DEG --lon DEG]\n"
        "  report submit --as NIP [--date YYYY-MM-DD] --activity 'ACTIVITY|OUTPUT|QUANTITY|RHK[|EVIDENCE,...]'...\n"
        "  report verify NIP YYYY-MM-DD --as NIP (--accept|--return --note TEXT)\n"
        "  report list --as NIP | report show NIP YYYY-MM-DD --as NIP\n"
        "  ekinerja push FILE.csv --source NAME --as NIP  (id,type,nip,period,date,rhk,quantity,predikat)\n"
        "  monev|export [--pemda CODE] [--opd CODE] [--nip NIP] --from DATE --to DATE [--by total|day|week|month] --as NIP\n"
        "  metrics rebuild --pemda CODE --as NIP [--apply]\n"
        "  status [--pemda CODE --as NIP]\n"
        "Options also come from WFA_ENDPOINT, WFA_TIMEOUT_MS, WFA_RETRIES, WFA_AS,\n"
        "WFA_KEYS.\n");
    return 2;
}

//  A fresh random idempotency key.
static void
s_new_key (char *buf, size_t size)
{
    unsigned char random [12] = { 0 };
    FILE *source = fopen ("/dev/urandom", "rb");
    if (!source || fread (random, 1, sizeof random, source) != sizeof random) {
        int64_t now = wfa_now_ms ();
        memcpy (random, &now, sizeof now);
        random [8] = (unsigned char) getpid ();
    }
    if (source)
        fclose (source);
    char *cursor = buf;
    for (size_t byte_nbr = 0; byte_nbr < sizeof random && (size_t) (cursor - buf) + 3 < size; byte_nbr++)
        cursor += sprintf (cursor, "%02x", random [byte_nbr]);
}

//  Begin a call body with the language field.
static void
s_begin (void)
{
    wfa_client_begin (s_client);
    wfa_mp_pack_str (wfa_client_field (s_client, "lang"), s_lang);
    if (s_as)
        wfa_mp_pack_str (wfa_client_field (s_client, "as"), s_as);
}

static void
s_field_str (const char *key, const char *value)
{
    if (value)
        wfa_mp_pack_str (wfa_client_field (s_client, key), value);
}

//  Print a str/int field of a map, or "-".
static void
s_print_value (const msgpack_object *value)
{
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        printf ("-");
    else
    if (value->type == MSGPACK_OBJECT_STR)
        printf ("%.*s", (int) value->via.str.size, value->via.str.ptr);
    else
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        printf ("%.3f", value->via.f64);
    else {
        char *text = wfa_json_text (value);
        printf ("%s", text);
        free (text);
    }
}

static void
s_print_field (const msgpack_object *map, const char *key)
{
    s_print_value (wfa_mp_get (map, key));
}

//  Milliseconds since the epoch as local time text in the zone of the
//  pemda that request_id (a str object, may be NULL) belongs to.
static void
s_print_time (const msgpack_object *value, const msgpack_object *request_id)
{
    int64_t ms = 0;
    if (wfa_mp_int (value, &ms) || ms <= 0) {
        printf ("-");
        return;
    }
    char *id = wfa_mp_strdup (request_id);
    char pemda [16] = "";
    int tz = id && wfa_store_pemda_of_request (id, pemda, sizeof pemda) == 0?
             wfa_pemda_tz (pemda): WFA_TZ_WIB;
    free (id);
    int64_t local = ms + (int64_t) tz * 60000;
    char date [11];
    wfa_date_format (wfa_date_of_ms (ms, tz), date);
    int64_t in_day = ((local % 86400000) + 86400000) % 86400000;
    printf ("%s %02d:%02d:%02d %s", date, (int) (in_day / 3600000), (int) (in_day / 60000 % 60),
            (int) (in_day / 1000 % 60), wfa_tz_name (tz));
}

//  Send the call; print errors; returns 0 if the reply is ok.
//  With --json the whole reply is printed, ok or not.
static int
s_call (const char *command, msgpack_unpacked *reply, bool print_json)
{
    if (wfa_client_call (s_client, command, reply)) {
        char message [256];
        wfa_error_format (WFA_E_TIMEOUT, wfa_lang_parse (s_lang, strlen (s_lang)),
                          wfa_config_get (WFA_CFG_ENDPOINT), message, sizeof message);
        if (s_json) {
            json_t *json = json_pack ("{s:s, s:s, s:o}", "status", "error", "code", "TIMEOUT",
                                      "message", wfa_json_string (message, strlen (message)));
            wfa_json_print (&json);
        }
        else
            fprintf (stderr, "error: TIMEOUT: %s\n", message);
        return 3;
    }
    const msgpack_object *map = &reply->data;
    bool ok = wfa_mp_streq (wfa_mp_get (map, "status"), "ok");
    if (s_json && (print_json || !ok)) {
        json_t *json = wfa_json_of (map);
        wfa_json_print (&json);
    }
    if (ok)
        return 0;
    if (!s_json) {
        fprintf (stderr, "error: ");
        const msgpack_object *code = wfa_mp_get (map, "code");
        const msgpack_object *message = wfa_mp_get (map, "message");
        fprintf (stderr, "%.*s: %.*s\n",
                 code && code->type == MSGPACK_OBJECT_STR? (int) code->via.str.size: 1,
                 code && code->type == MSGPACK_OBJECT_STR? code->via.str.ptr: "?",
                 message && message->type == MSGPACK_OBJECT_STR? (int) message->via.str.size: 0,
                 message && message->type == MSGPACK_OBJECT_STR? message->via.str.ptr: "");
        const msgpack_object *errors = wfa_mp_get (map, "errors");
        if (errors && errors->type == MSGPACK_OBJECT_ARRAY && errors->via.array.size > 1)
            for (uint32_t error_nbr = 0; error_nbr < errors->via.array.size; error_nbr++) {
                const msgpack_object *error = &errors->via.array.ptr [error_nbr];
                const msgpack_object *text = wfa_mp_get (error, "message");
                const msgpack_object *error_code = wfa_mp_get (error, "code");
                if (text && text->type == MSGPACK_OBJECT_STR && error_code && error_code->type == MSGPACK_OBJECT_STR)
                    fprintf (stderr, "  - %.*s: %.*s\n", (int) error_code->via.str.size,
                             error_code->via.str.ptr, (int) text->via.str.size, text->via.str.ptr);
            }
    }
    return 1;
}

//  Options of a command: --name value pairs and flags; positional args kept.
typedef struct {
    const char *name;
    const char *value;
    zlist_t *values;            //  For repeatable options
} s_opt_t;

//  Parse argv against opts (NULL-name terminated). Flags (no value) are
//  recognised by a trailing '!' in their name. Returns -1 on an unknown
//  option or a missing value. Positionals go to positional.
static int
s_parse (int argc, char **argv, s_opt_t *opts, zlist_t *positional)
{
    for (int arg_nbr = 0; arg_nbr < argc; arg_nbr++) {
        char *arg = argv [arg_nbr];
        if (strncmp (arg, "--", 2) != 0) {
            zlist_append (positional, arg);
            continue;
        }
        s_opt_t *opt = opts;
        while (opt->name) {
            size_t len = strcspn (opt->name, "!");
            if (strlen (arg + 2) == len && strncmp (arg + 2, opt->name, len) == 0)
                break;
            opt++;
        }
        if (!opt->name) {
            fprintf (stderr, "wfactl: unknown option %s\n", arg);
            return -1;
        }
        if (strchr (opt->name, '!')) {
            opt->value = "1";
            continue;
        }
        if (arg_nbr + 1 >= argc) {
            fprintf (stderr, "wfactl: %s needs a value\n", arg);
            return -1;
        }
        opt->value = argv [++arg_nbr];
        if (opt->values)
            zlist_append (opt->values, (void *) opt->value);
    }
    return 0;
}

//  Parse options only: -1 on anything else.
static int
s_parse_options (int argc, char **argv, s_opt_t *opts)
{
    zlist_t *positional = zlist_new ();
    int rc = s_parse (argc, argv, opts, positional);
    if (zlist_size (positional) > 0) {
        fprintf (stderr, "wfactl: unexpected argument %s\n", (char *) zlist_first (positional));
        rc = -1;
    }
    zlist_destroy (&positional);
    return rc;
}

//  Print a request map in a few lines.
static void
s_print_request_line (const msgpack_object *request)
{
    s_print_field (request, "request_id");
    printf ("  ");
    s_print_field (request, "state");
    printf ("  ");
    s_print_field (request, "nip");
    printf ("  ");
    s_print_field (request, "opd");
    printf ("  ");
    s_print_field (request, "kind");
    printf ("  ");
    const msgpack_object *dates = wfa_mp_get (request, "dates");
    for (uint32_t date_nbr = 0; dates && dates->type == MSGPACK_OBJECT_ARRAY
         && date_nbr < dates->via.array.size; date_nbr++) {
        printf (date_nbr? ",": "");
        s_print_value (&dates->via.array.ptr [date_nbr]);
    }
    printf ("\n");
}

// ---------------------------------------------------------------------

typedef struct {
    size_t count;               //  Rows in the file
    int problems;               //  Problems found
    json_t *errors;             //  Problems as JSON objects, for --json
} s_import_t;

static void
s_import_problem (void *arg, const wfa_employee_t *row, wfa_code_t code, const char *field)
{
    s_import_t *import = (s_import_t *) arg;
    char message [256];
    wfa_error_format (code, wfa_lang_parse (s_lang, strlen (s_lang)), field, message, sizeof message);
    json_array_append_new (import->errors, json_pack ("{s:i, s:s, s:o, s:o}", "line", row->line,
        "code", wfa_error_name (code), "field", wfa_json_string (field, strlen (field)),
        "message", wfa_json_string (message, strlen (message))));
    if (!s_json)
        fprintf (stderr, "line %d: %s: %s\n", row->line, wfa_error_name (code), message);
    import->problems++;
}

//  The bytes of a file, at most max, or NULL (said on stderr). Caller
//  destroys the chunk.
static zchunk_t *
s_read_file (const char *name, size_t max)
{
    FILE *file = fopen (name, "rb");
    if (!file) {
        fprintf (stderr, "wfactl: cannot read %s: %s\n", name, strerror (errno));
        return NULL;
    }
    zchunk_t *chunk = zchunk_read (file, max);
    fclose (file);
    return chunk;
}

//  "set --pemda CODE FILE" or "show --pemda CODE" with --as and --key:
//  fills opts (pemda, as, key) and *file_name; returns 1 for set, 0 for
//  show, -1 for anything else.
static int
s_parse_set_show (int argc, char **argv, s_opt_t *opts, const char **file_name)
{
    zlist_t *positional = zlist_new ();
    int rc = argc >= 1? s_parse (argc - 1, argv + 1, opts, positional): -1;
    bool set = argc >= 1 && streq (argv [0], "set") && zlist_size (positional) == 1;
    bool show = argc >= 1 && streq (argv [0], "show") && zlist_size (positional) == 0;
    *file_name = set? (const char *) zlist_first (positional): NULL;    //  A pointer into argv
    zlist_destroy (&positional);
    if (rc || !opts [0].value || (!set && !show))
        return -1;
    return set? 1: 0;
}

//  A bad calendar line: printed, and kept as JSON for --json.
static void
s_calendar_problem (void *arg, int line, wfa_code_t code, const char *field)
{
    s_import_t *report = (s_import_t *) arg;
    wfa_employee_t row = { .line = line };
    s_import_problem (report, &row, code, field);
}

static int
s_cmd_import (int argc, char **argv)
{
    if (argc != 2 || !streq (argv [0], "employees"))
        return s_usage ();
    zchunk_t *chunk = s_read_file (argv [1], 64 * 1024 * 1024);
    if (!chunk)
        return 2;
    zchunk_extend (chunk, "", 1);
    char error [64] = "";
    zlistx_t *rows = wfa_employee_parse_csv ((char *) zchunk_data (chunk), error, sizeof error);
    zchunk_destroy (&chunk);
    if (!rows) {
        fprintf (stderr, "error: IMPORT_INVALID: line 1: the header lacks column '%s' "
                 "(needs nip,name,pemda,opd,position,supervisor_nip,roles)\n", error);
        return 1;
    }
    //  Check every row first: a file with any bad row loads nothing
    s_import_t import = { zlistx_size (rows), 0, json_array () };
    zhash_t *seen = zhash_new ();
    for (wfa_employee_t *row = (wfa_employee_t *) zlistx_first (rows); row;
         row = (wfa_employee_t *) zlistx_next (rows)) {
        if (wfa_employee_validate (row, s_import_problem, &import) == 0) {
            char line [16];
            snprintf (line, sizeof line, "%d", row->line);
            char *copy = strdup (line);
            if (zhash_insert (seen, row->nip, copy) != 0) {
                free (copy);
                char detail [96];
                snprintf (detail, sizeof detail, "NIP %s already on line %s", row->nip,
                          (char *) zhash_lookup (seen, row->nip));
                s_import_problem (&import, row, WFA_E_BAD_VALUE, "nip");
                if (!s_json)
                    fprintf (stderr, "  (%s)\n", detail);
            }
        }
    }
    for (char *line = (char *) zhash_first (seen); line; line = (char *) zhash_next (seen))
        free (line);
    zhash_destroy (&seen);
    if (import.problems && s_json) {
        json_t *json = json_pack ("{s:s, s:s, s:O}", "status", "error", "code", "IMPORT_INVALID",
                                  "errors", import.errors);
        wfa_json_print (&json);
    }
    else
    if (import.problems)
        fprintf (stderr, "error: IMPORT_INVALID: %d problem(s) in %s; nothing was loaded\n",
                 import.problems, argv [1]);
    json_decref (import.errors);
    if (import.problems) {
        zlistx_destroy (&rows);
        return 1;
    }
    char key [32];
    s_new_key (key, sizeof key);
    int64_t created = 0, updated = 0;
    size_t sent = 0;
    int rc = 0;
    wfa_employee_t *row = (wfa_employee_t *) zlistx_first (rows);
    for (int batch_nbr = 0; row && rc == 0; batch_nbr++) {
        size_t batch = 0;
        char batch_key [48];
        snprintf (batch_key, sizeof batch_key, "%s-%d", key, batch_nbr);
        s_begin ();
        s_field_str ("key", batch_key);
        msgpack_packer *pk = wfa_client_field (s_client, "rows");
        size_t left = import.count - sent;
        size_t size = left < S_IMPORT_BATCH? left: S_IMPORT_BATCH;
        msgpack_pack_array (pk, size);
        for (; row && batch < size; batch++, row = (wfa_employee_t *) zlistx_next (rows)) {
            //  Every column the file has; optional ones it lacks are not sent
            int present = 0;
            for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++)
                present += field_nbr < 7 || *wfa_employee_field (row, field_nbr);
            msgpack_pack_map (pk, present);
            for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++) {
                const char *value = *wfa_employee_field (row, field_nbr);
                if (field_nbr < 7 || value)
                    wfa_mp_pack_kv_str (pk, wfa_employee_field_name (field_nbr), value? value: "");
            }
        }
        msgpack_unpacked reply;
        msgpack_unpacked_init (&reply);
        rc = s_call ("EMPLOYEE.IMPORT", &reply, false);
        if (rc == 0) {
            int64_t value = 0;
            if (wfa_mp_int (wfa_mp_get (&reply.data, "created"), &value) == 0)
                created += value;
            if (wfa_mp_int (wfa_mp_get (&reply.data, "updated"), &value) == 0)
                updated += value;
            sent += batch;
        }
        msgpack_unpacked_destroy (&reply);
    }
    zlistx_destroy (&rows);
    if (rc)
        return rc;
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:s, s:I, s:I, s:I}", "status", "ok", "code", "OK",
                                  "imported", (json_int_t) sent, "created", (json_int_t) created,
                                  "updated", (json_int_t) updated);
        wfa_json_print (&json);
    }
    else
        printf ("Imported %zu employees from %s (%" PRId64 " new, %" PRId64 " updated)\n",
                sent, argv [1], created, updated);
    return 0;
}

static int
s_cmd_submit (int argc, char **argv, const char *request_id)
{
    zlist_t *plans = zlist_new ();
    zlist_t *schedule = zlist_new ();
    s_opt_t opts [] = { { "kind", NULL, NULL }, { "dates", NULL, NULL },
                        { "location", NULL, NULL }, { "reason", NULL, NULL },
                        { "plan", NULL, plans }, { "key", NULL, NULL },
                        { "schedule", NULL, schedule }, { "time-kind", NULL, NULL },
                        { NULL, NULL, NULL } };
    zlist_t *positional = zlist_new ();
    int rc = s_parse (argc, argv, opts, positional);
    if (rc || zlist_size (positional) > 0) {
        zlist_destroy (&plans);
        zlist_destroy (&schedule);
        zlist_destroy (&positional);
        return s_usage ();
    }
    char key [32];
    s_new_key (key, sizeof key);
    s_begin ();
    s_field_str ("key", opts [5].value? opts [5].value: key);
    s_field_str ("request_id", request_id);
    s_field_str ("kind", opts [0].value);
    s_field_str ("time_kind", opts [7].value);
    if (opts [1].value) {
        char *dates = strdup (opts [1].value);
        int count = 1;
        for (char *cursor = dates; *cursor; cursor++)
            count += *cursor == ',';
        msgpack_packer *pk = wfa_client_field (s_client, "dates");
        msgpack_pack_array (pk, count);
        char *cursor = dates;
        for (int date_nbr = 0; date_nbr < count; date_nbr++) {
            size_t len = strcspn (cursor, ",");
            wfa_mp_pack_strn (pk, cursor, len);
            cursor += len + (cursor [len] == ',');
        }
        free (dates);
    }
    s_field_str ("location", opts [2].value);
    s_field_str ("reason", opts [3].value);
    msgpack_packer *pk = wfa_client_field (s_client, "plan");
    msgpack_pack_array (pk, zlist_size (plans));
    for (char *item = (char *) zlist_first (plans); item; item = (char *) zlist_next (plans))
        wfa_mp_pack_str (pk, item);
    //  --schedule DATE=HH:MM-HH:MM, once per day of a time kind
    if (zlist_size (schedule)) {
        pk = wfa_client_field (s_client, "schedule");
        msgpack_pack_array (pk, zlist_size (schedule));
        for (char *item = (char *) zlist_first (schedule); item; item = (char *) zlist_next (schedule)) {
            char date [16] = "", start [8] = "", end [8] = "";
            sscanf (item, "%15[^=]=%7[^-]-%7s", date, start, end);
            msgpack_pack_map (pk, 3);
            wfa_mp_pack_kv_str (pk, "date", date);
            wfa_mp_pack_kv_str (pk, "start", start);
            wfa_mp_pack_kv_str (pk, "end", end);
        }
    }
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    rc = s_call (request_id? "REQUEST.RESUBMIT": "REQUEST.SUBMIT", &reply, true);
    if (rc == 0 && !s_json) {
        printf ("Request ");
        s_print_field (&reply.data, "request_id");
        printf (" %s; it now awaits the atasan's decision\n", request_id? "resubmitted": "submitted");
    }
    msgpack_unpacked_destroy (&reply);
    zlist_destroy (&plans);
    zlist_destroy (&schedule);
    zlist_destroy (&positional);
    return rc;
}

static int
s_cmd_decide (int argc, char **argv)
{
    s_opt_t opts [] = { { "approve!", NULL, NULL }, { "reject!", NULL, NULL },
                        { "note", NULL, NULL }, { "key", NULL, NULL }, { "return!", NULL, NULL },
                        { "tasks-fit!", NULL, NULL }, { "targets-measurable!", NULL, NULL },
                        { "service-continues!", NULL, NULL }, { "capacity-ok!", NULL, NULL },
                        { NULL, NULL, NULL } };
    //  What the step records, as APPROVAL.DECIDE names it
    static const char *attested [] = { "tasks_fit", "targets_measurable", "service_continues",
                                       "capacity_ok" };
    int given = 0;
    zlist_t *ids = zlist_new ();
    int rc = s_parse (argc, argv, opts, ids);
    for (int opt_nbr = 5; opt_nbr < 9; opt_nbr++)
        given += opts [opt_nbr].value != NULL;
    int decisions = (opts [0].value? 1: 0) + (opts [1].value? 1: 0) + (opts [4].value? 1: 0);
    if (rc || zlist_size (ids) == 0 || decisions != 1) {
        zlist_destroy (&ids);
        return s_usage ();
    }
    char key [32];
    s_new_key (key, sizeof key);
    const char *decision = opts [0].value? "approve": opts [1].value? "reject": "return";
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int worst = 0;
    s_begin ();
    if (zlist_size (ids) == 1) {
        //  One request: APPROVAL.DECIDE
        s_field_str ("key", opts [3].value? opts [3].value: key);
        s_field_str ("request_id", (const char *) zlist_first (ids));
        s_field_str ("decision", decision);
        s_field_str ("note", opts [2].value);
        for (int opt_nbr = 5; opt_nbr < 9; opt_nbr++)
            if (opts [opt_nbr].value)
                msgpack_pack_true (wfa_client_field (s_client, attested [opt_nbr - 5]));
        worst = s_call ("APPROVAL.DECIDE", &reply, true);
        if (worst == 0 && !s_json) {
            printf ("Request %s is now ", (const char *) zlist_first (ids));
            s_print_field (&reply.data, "state");
            const msgpack_object *number = wfa_mp_get (&reply.data, "approval_number");
            if (number) {
                printf (" (nomor persetujuan ");
                s_print_value (number);
                printf (")");
            }
            printf ("\n");
        }
    }
    else {
        //  Several: one APPROVAL.DECIDE_MANY, a result per request
        s_field_str ("key", opts [3].value? opts [3].value: key);
        msgpack_packer *pk = wfa_client_field (s_client, "items");
        msgpack_pack_array (pk, zlist_size (ids));
        for (char *id = (char *) zlist_first (ids); id; id = (char *) zlist_next (ids)) {
            msgpack_pack_map (pk, (opts [2].value? 3: 2) + given);
            wfa_mp_pack_kv_str (pk, "request_id", id);
            wfa_mp_pack_kv_str (pk, "decision", decision);
            if (opts [2].value)
                wfa_mp_pack_kv_str (pk, "note", opts [2].value);
            for (int opt_nbr = 5; opt_nbr < 9; opt_nbr++)
                if (opts [opt_nbr].value) {
                    wfa_mp_pack_str (pk, attested [opt_nbr - 5]);
                    msgpack_pack_true (pk);
                }
        }
        int rc = s_call ("APPROVAL.DECIDE_MANY", &reply, true);
        worst = rc;
        const msgpack_object *results = wfa_mp_get (&reply.data, "results");
        char *id = (char *) zlist_first (ids);
        for (uint32_t item_nbr = 0; rc == 0 && results && results->type == MSGPACK_OBJECT_ARRAY
             && item_nbr < results->via.array.size; item_nbr++, id = (char *) zlist_next (ids)) {
            const msgpack_object *result = &results->via.array.ptr [item_nbr];
            bool ok = wfa_mp_streq (wfa_mp_get (result, "status"), "ok");
            if (!s_json) {
                printf ("%s  ", id);
                s_print_field (result, ok? "state": "code");
                if (ok && wfa_mp_get (result, "approval_number")) {
                    printf (" (nomor persetujuan ");
                    s_print_field (result, "approval_number");
                    printf (")");
                }
                if (!ok) {
                    printf (": ");
                    s_print_field (result, "message");
                }
                printf ("\n");
            }
            if (!ok)
                worst = 1;
        }
    }
    msgpack_unpacked_destroy (&reply);
    zlist_destroy (&ids);
    return worst;
}

//  The pemda's name and code, for human output: "Kabupaten Lumajang (35.08)".
static const char *
s_pemda_label (const char *code)
{
    static char label [WFA_PEMDA_LABEL_MAX];
    return wfa_pemda_label (code, label, sizeof label);
}

//  Print a pemda code from a reply with its name.
static void
s_print_pemda (const msgpack_object *value)
{
    if (value && value->type == MSGPACK_OBJECT_STR && value->via.str.size <= 8) {
        char code [9];
        snprintf (code, sizeof code, "%.*s", (int) value->via.str.size, value->via.str.ptr);
        printf ("%s", s_pemda_label (code));
    }
    else
        s_print_value (value);
}

static int
s_cmd_show (int argc, char **argv)
{
    if (argc != 1)
        return s_usage ();
    s_begin ();
    s_field_str ("request_id", argv [0]);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("REQUEST.GET", &reply, true);
    if (rc == 0 && !s_json) {
        const msgpack_object *request = wfa_mp_get (&reply.data, "request");
        static const char *fields [] = { "request_id", "state", "pemda", "opd", "nip", "name",
            "kind", "dates", "location", "reason", "plan", "step_role", "approver", "decided_by",
            "note", NULL };
        for (int field_nbr = 0; fields [field_nbr]; field_nbr++) {
            printf ("%-13s ", fields [field_nbr]);
            if (streq (fields [field_nbr], "pemda"))
                s_print_pemda (wfa_mp_get (request, "pemda"));
            else
                s_print_field (request, fields [field_nbr]);
            printf ("\n");
        }
        //  A step waiting for a role nobody holds
        if (wfa_mp_get (request, "waiting")) {
            printf ("%-13s ", "waiting");
            s_print_field (request, "waiting");
            printf ("\n");
        }
        //  What each step recorded: the assessment, the proposal, the number
        static const char *records [] = { "assessment", "proposal", NULL };
        for (int record_nbr = 0; records [record_nbr]; record_nbr++) {
            const msgpack_object *record = wfa_mp_get (request, records [record_nbr]);
            if (!record || record->type != MSGPACK_OBJECT_MAP)
                continue;
            printf ("%-13s ", records [record_nbr]);
            static const char *keys [] = { "tasks_fit", "targets_measurable", "service_continues",
                                           "capacity_ok", "capacity_seen", "by", NULL };
            for (int key_nbr = 0; keys [key_nbr]; key_nbr++)
                if (wfa_mp_get (record, keys [key_nbr])) {
                    printf ("%s=", keys [key_nbr]);
                    s_print_field (record, keys [key_nbr]);
                    printf ("  ");
                }
            printf ("\n");
        }
        if (wfa_mp_get (request, "approval_number")) {
            printf ("%-13s ", "nomor");
            s_print_field (request, "approval_number");
            printf ("\n");
        }
        printf ("%-13s ", "submitted_at");
        const msgpack_object *request_id = wfa_mp_get (request, "request_id");
        s_print_time (wfa_mp_get (request, "submitted_at"), request_id);
        printf ("\n%-13s ", "decided_at");
        s_print_time (wfa_mp_get (request, "decided_at"), request_id);
        //  A step waiting: when its SLA runs out (working time), and why a
        //  final approval was refused
        const msgpack_object *state = wfa_mp_get (request, "state");
        if (state && state->type == MSGPACK_OBJECT_STR && state->via.str.size == 7
        &&  memcmp (state->via.str.ptr, "pending", 7) == 0) {
            printf ("\n%-13s ", "step_due");
            s_print_time (wfa_mp_get (request, "step_due"), request_id);
        }
        const msgpack_object *held = wfa_mp_get (request, "held");
        if (held && held->type == MSGPACK_OBJECT_STR) {
            printf ("\n%-13s ", "held");
            s_print_value (held);
        }
        printf ("\nhistory:\n");
        const msgpack_object *history = wfa_mp_get (request, "history");
        for (uint32_t entry_nbr = 0; history && history->type == MSGPACK_OBJECT_ARRAY
             && entry_nbr < history->via.array.size; entry_nbr++) {
            const msgpack_object *entry = &history->via.array.ptr [entry_nbr];
            printf ("  ");
            s_print_time (wfa_mp_get (entry, "at"), request_id);
            printf ("  ");
            s_print_field (entry, "action");
            printf (" by ");
            s_print_field (entry, "actor");
            printf (": ");
            s_print_field (entry, "from");
            printf (" -> ");
            s_print_field (entry, "to");
            const msgpack_object *note = wfa_mp_get (entry, "note");
            if (note && note->type == MSGPACK_OBJECT_STR && note->via.str.size) {
                printf ("  (");
                s_print_value (note);
                printf (")");
            }
            printf ("\n");
        }
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  Print a "requests" array reply.
static void
s_print_requests (const msgpack_object *map)
{
    const msgpack_object *requests = wfa_mp_get (map, "requests");
    uint32_t count = requests && requests->type == MSGPACK_OBJECT_ARRAY? requests->via.array.size: 0;
    for (uint32_t item_nbr = 0; item_nbr < count; item_nbr++)
        s_print_request_line (&requests->via.array.ptr [item_nbr]);
    printf ("%u request(s)\n", count);
}

static int
s_cmd_list (int argc, char **argv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { "opd", NULL, NULL }, { "nip", NULL, NULL },
                        { "state", NULL, NULL }, { "limit", NULL, NULL }, { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts))
        return s_usage ();
    int rc;
    s_begin ();
    s_field_str ("pemda", opts [0].value);
    s_field_str ("opd", opts [1].value);
    s_field_str ("nip", opts [2].value);
    s_field_str ("state", opts [3].value);
    if (opts [4].value)
        msgpack_pack_int64 (wfa_client_field (s_client, "limit"), atoll (opts [4].value));
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    rc = s_call ("REQUEST.LIST", &reply, true);
    if (rc == 0 && !s_json)
        s_print_requests (&reply.data);
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  inbox and approvals: one --as and an optional --limit.
static int
s_cmd_person (int argc, char **argv, const char *command)
{
    s_opt_t opts [] = { { "limit", NULL, NULL }, { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts))
        return s_usage ();
    int rc;
    s_begin ();
    if (opts [0].value)
        msgpack_pack_int64 (wfa_client_field (s_client, "limit"), atoll (opts [0].value));
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    rc = s_call (command, &reply, true);
    if (rc == 0 && !s_json && streq (command, "APPROVAL.LIST")) {
        s_print_requests (&reply.data);
        //  For the BKD and admin pemda: what waits for a role nobody holds
        const msgpack_object *waiting = wfa_mp_get (&reply.data, "no_approver");
        uint32_t count = waiting && waiting->type == MSGPACK_OBJECT_ARRAY? waiting->via.array.size: 0;
        for (uint32_t item_nbr = 0; item_nbr < count; item_nbr++) {
            const msgpack_object *request = &waiting->via.array.ptr [item_nbr];
            printf ("NO_APPROVER  ");
            s_print_field (request, "step_role");
            printf ("  ");
            s_print_request_line (request);
        }
        if (waiting)
            printf ("%u request(s) waiting with NO_APPROVER\n", count);
    }
    else
    if (rc == 0 && !s_json) {
        const msgpack_object *entries = wfa_mp_get (&reply.data, "entries");
        bool english = streq (s_lang, "en");
        for (uint32_t entry_nbr = 0; entries && entries->type == MSGPACK_OBJECT_ARRAY
             && entry_nbr < entries->via.array.size; entry_nbr++) {
            const msgpack_object *entry = &entries->via.array.ptr [entry_nbr];
            s_print_time (wfa_mp_get (entry, "at"), wfa_mp_get (entry, "request_id"));
            printf ("  ");
            s_print_field (entry, english? "message_en": "message_id");
            printf ("\n");
        }
        printf ("%s: ", english? "entries": "entri");
        s_print_field (&reply.data, "count");
        printf ("\n");
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

static int
s_cmd_metrics (int argc, char **argv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { "opd", NULL, NULL }, { "from", NULL, NULL },
                        { "to", NULL, NULL }, { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts))
        return s_usage ();
    int rc;
    s_begin ();
    s_field_str ("pemda", opts [0].value);
    s_field_str ("opd", opts [1].value);
    s_field_str ("from", opts [2].value);
    s_field_str ("to", opts [3].value);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    rc = s_call ("METRICS.GET", &reply, true);
    if (rc == 0 && !s_json) {
        const msgpack_object *map = &reply.data;
        printf ("pemda %s%s%s\n", s_pemda_label (opts [0].value), opts [1].value? " opd ": "",
                opts [1].value? opts [1].value: "");
        static const char *names [] = { "submitted", "approved", "rejected", "pending",
                                        "no_approver", NULL };
        for (int name_nbr = 0; names [name_nbr]; name_nbr++) {
            printf ("  %-10s ", names [name_nbr]);
            s_print_field (map, names [name_nbr]);
            printf ("\n");
        }
        const msgpack_object *lead = wfa_mp_get (map, "lead_time");
        printf ("  lead time  count ");
        s_print_field (lead, "count");
        printf (", p50 ");
        s_print_field (lead, "p50_s");
        printf (" s, p90 ");
        s_print_field (lead, "p90_s");
        printf (" s, max ");
        s_print_field (lead, "max_s");
        printf (" s\n");
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  cancel REQUEST_ID --as NIP [--from DATE] [--reason TEXT]
//  revoke REQUEST_ID --as NIP --from DATE --reason TEXT
static int
s_cmd_end (int argc, char **argv, const char *command)
{
    s_opt_t opts [] = { { "from", NULL, NULL }, { "reason", NULL, NULL },
                        { "key", NULL, NULL }, { NULL, NULL, NULL } };
    zlist_t *ids = zlist_new ();
    int rc = s_parse (argc, argv, opts, ids);
    const char *request_id = (const char *) zlist_first (ids);
    bool usable = rc == 0 && zlist_size (ids) == 1;
    if (!usable) {
        zlist_destroy (&ids);
        return s_usage ();
    }
    char key [32];
    s_new_key (key, sizeof key);
    s_begin ();
    s_field_str ("key", opts [2].value? opts [2].value: key);
    s_field_str ("request_id", request_id);
    s_field_str ("from", opts [0].value);
    s_field_str ("reason", opts [1].value);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    rc = s_call (command, &reply, true);
    if (rc == 0 && !s_json) {
        printf ("Request %s is now ", request_id);
        s_print_field (&reply.data, "state");
        printf ("\n");
    }
    msgpack_unpacked_destroy (&reply);
    zlist_destroy (&ids);
    return rc;
}

//  delegate --as NIP --for NIP --to NIP --from DATE --until DATE --order-ref TEXT [--reason TEXT]
//  delegate --as NIP --for NIP --withdraw
static int
s_cmd_delegate (int argc, char **argv)
{
    s_opt_t opts [] = { { "to", NULL, NULL }, { "from", NULL, NULL },
                        { "until", NULL, NULL }, { "reason", NULL, NULL }, { "withdraw!", NULL, NULL },
                        { "key", NULL, NULL }, { "for", NULL, NULL }, { "order-ref", NULL, NULL },
                        { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts))
        return s_usage ();
    char key [32];
    s_new_key (key, sizeof key);
    s_begin ();
    s_field_str ("key", opts [5].value? opts [5].value: key);
    if (opts [4].value)
        msgpack_pack_true (wfa_client_field (s_client, "withdraw"));
    s_field_str ("approver", opts [6].value);
    s_field_str ("to", opts [0].value);
    s_field_str ("from", opts [1].value);
    s_field_str ("until", opts [2].value);
    s_field_str ("order_ref", opts [7].value);
    s_field_str ("reason", opts [3].value);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("APPROVAL.DELEGATE", &reply, true);
    if (rc == 0 && !s_json) {
        if (opts [4].value)
            printf ("Plt/Plh of %s withdrawn\n", opts [6].value);
        else
            printf ("%s acts for %s from %s until %s (surat %s)\n", opts [0].value, opts [6].value,
                    opts [1].value, opts [2].value, opts [7].value);
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  policy set --pemda CODE FILE | policy show --pemda CODE
static int
s_cmd_policy (int argc, char **argv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { "key", NULL, NULL },
                        { NULL, NULL, NULL } };
    const char *file_name = NULL;
    int mode = s_parse_set_show (argc, argv, opts, &file_name);
    if (mode < 0)
        return s_usage ();
    bool set = mode == 1;
    int rc;
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    s_begin ();
    s_field_str ("pemda", opts [0].value);
    if (set) {
        zchunk_t *chunk = s_read_file (file_name, WFA_POLICY_SIZE_MAX + 1);
        if (!chunk) {
            msgpack_unpacked_destroy (&reply);
            return 2;
        }
        char key [32];
        s_new_key (key, sizeof key);
        s_field_str ("key", opts [1].value? opts [1].value: key);
        //  The file goes as it is; the service checks it line by line
        msgpack_packer *pk = wfa_client_field (s_client, "text");
        msgpack_pack_bin (pk, zchunk_size (chunk));
        msgpack_pack_bin_body (pk, zchunk_data (chunk), zchunk_size (chunk));
        zchunk_destroy (&chunk);
        rc = s_call ("POLICY.SET", &reply, true);
        if (rc == 0 && !s_json) {
            printf ("Policy of %s set: version ", s_pemda_label (opts [0].value));
            s_print_field (&reply.data, "version");
            printf ("\n");
        }
        else
        if (rc == 1 && !s_json) {
            //  Every problem with its line
            const msgpack_object *errors = wfa_mp_get (&reply.data, "errors");
            for (uint32_t error_nbr = 0; errors && errors->type == MSGPACK_OBJECT_ARRAY
                 && error_nbr < errors->via.array.size; error_nbr++) {
                const msgpack_object *error = &errors->via.array.ptr [error_nbr];
                fprintf (stderr, "  line ");
                int64_t line = 0;
                wfa_mp_int (wfa_mp_get (error, "index"), &line);
                const msgpack_object *message = wfa_mp_get (error, "message");
                fprintf (stderr, "%" PRId64 ": %.*s\n", line,
                         message && message->type == MSGPACK_OBJECT_STR? (int) message->via.str.size: 0,
                         message && message->type == MSGPACK_OBJECT_STR? message->via.str.ptr: "");
            }
        }
    }
    else {
        rc = s_call ("POLICY.GET", &reply, true);
        if (rc == 0 && !s_json) {
            printf ("# policy of %s, version ", s_pemda_label (opts [0].value));
            s_print_field (&reply.data, "version");
            printf ("\n");
            s_print_field (&reply.data, "text");
        }
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  calendar set --pemda CODE FILE | calendar show --pemda CODE
static int
s_cmd_calendar (int argc, char **argv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { "key", NULL, NULL },
                        { NULL, NULL, NULL } };
    const char *file_name = NULL;
    int mode = s_parse_set_show (argc, argv, opts, &file_name);
    if (mode < 0)
        return s_usage ();
    bool set = mode == 1;
    int rc;
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    if (set) {
        zchunk_t *chunk = s_read_file (file_name, 1024 * 1024);
        if (!chunk) {
            msgpack_unpacked_destroy (&reply);
            return 2;
        }
        zchunk_extend (chunk, "", 1);
        wfa_holiday_t *holidays = NULL;
        size_t count = 0;
        s_import_t report = { 0, 0, json_array () };
        wfa_calendar_parse ((char *) zchunk_data (chunk), &holidays, &count, s_calendar_problem, &report);
        zchunk_destroy (&chunk);
        if (report.problems && s_json) {
            json_t *json = json_pack ("{s:s, s:s, s:O}", "status", "error", "code", "BAD_VALUE",
                                      "errors", report.errors);
            wfa_json_print (&json);
        }
        else
        if (report.problems)
            fprintf (stderr, "error: BAD_VALUE: %d problem(s) in %s; the calendar in force stays\n",
                     report.problems, file_name);
        json_decref (report.errors);
        if (report.problems) {
            free (holidays);
            msgpack_unpacked_destroy (&reply);
            return 1;
        }
        char key [32];
        s_new_key (key, sizeof key);
        s_begin ();
        s_field_str ("key", opts [1].value? opts [1].value: key);
        s_field_str ("pemda", opts [0].value);
        msgpack_packer *pk = wfa_client_field (s_client, "days");
        msgpack_pack_array (pk, count);
        for (size_t day_nbr = 0; day_nbr < count; day_nbr++) {
            msgpack_pack_map (pk, 3);
            wfa_mp_pack_kv_str (pk, "date", holidays [day_nbr].date);
            wfa_mp_pack_kv_str (pk, "kind", holidays [day_nbr].kind);
            wfa_mp_pack_kv_str (pk, "name", holidays [day_nbr].name);
        }
        free (holidays);
        rc = s_call ("CALENDAR.SET", &reply, true);
        if (rc == 0 && !s_json) {
            printf ("Calendar of %s set: ", s_pemda_label (opts [0].value));
            s_print_field (&reply.data, "days");
            printf (" days off");
            const msgpack_object *ramadan = wfa_mp_get (&reply.data, "ramadan_days");
            if (ramadan && ramadan->type == MSGPACK_OBJECT_POSITIVE_INTEGER && ramadan->via.u64 > 0)
                printf (", %" PRIu64 " Ramadan days", ramadan->via.u64);
            //  Waiting steps count their working hours by the new calendar
            const msgpack_object *moved = wfa_mp_get (&reply.data, "deadlines_moved");
            if (moved && moved->type == MSGPACK_OBJECT_POSITIVE_INTEGER && moved->via.u64 > 0)
                printf ("; %" PRIu64 " waiting deadlines moved", moved->via.u64);
            printf ("\n");
        }
    }
    else {
        s_begin ();
        s_field_str ("pemda", opts [0].value);
        rc = s_call ("CALENDAR.GET", &reply, true);
        const msgpack_object *days = wfa_mp_get (&reply.data, "days");
        for (uint32_t day_nbr = 0; rc == 0 && !s_json && days && days->type == MSGPACK_OBJECT_ARRAY
             && day_nbr < days->via.array.size; day_nbr++) {
            const msgpack_object *day = &days->via.array.ptr [day_nbr];
            s_print_field (day, "date");
            printf ("  %-12s ", "");
            s_print_field (day, "kind");
            printf ("  ");
            s_print_field (day, "name");
            printf ("\n");
        }
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  audit REQUEST_ID | audit verify --pemda CODE
static int
s_cmd_audit (int argc, char **argv)
{
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc;
    if (argc >= 1 && streq (argv [0], "verify")) {
        s_opt_t opts [] = { { "pemda", NULL, NULL }, { NULL, NULL, NULL } };
        if (s_parse_options (argc - 1, argv + 1, opts) || !opts [0].value)
            return s_usage ();
        s_begin ();
        s_field_str ("pemda", opts [0].value);
        rc = s_call ("AUDIT.VERIFY", &reply, true);
        bool valid = rc == 0 && wfa_mp_get (&reply.data, "valid")
                  && wfa_mp_get (&reply.data, "valid")->type == MSGPACK_OBJECT_BOOLEAN
                  && wfa_mp_get (&reply.data, "valid")->via.boolean;
        if (rc == 0 && !s_json) {
            if (valid) {
                printf ("audit log of %s is intact: ", s_pemda_label (opts [0].value));
                s_print_field (&reply.data, "checked");
                printf (" entries (");
                s_print_field (&reply.data, "sealed");
                printf (" sealed, ");
                s_print_field (&reply.data, "unsealed");
                printf (" waiting for their seal), head ");
                s_print_field (&reply.data, "head");
                int64_t anchored = 0;
                if (wfa_mp_int (wfa_mp_get (&reply.data, "anchored"), &anchored) == 0 && anchored > 0) {
                    printf ("\nlast anchor: entry %" PRId64 " at ", anchored);
                    s_print_time (wfa_mp_get (&reply.data, "anchored_at"), NULL);
                }
                else
                    printf ("\nno anchor yet");
                printf ("\n");
            }
            else {
                const msgpack_object *problem = wfa_mp_get (&reply.data, "problem");
                int64_t seq = 0;
                wfa_mp_int (wfa_mp_get (&reply.data, "broken_at"), &seq);
                fprintf (stderr, "error: AUDIT_BROKEN: audit log of %s ", s_pemda_label (opts [0].value));
                if (seq > 0)
                    fprintf (stderr, "is broken at entry %" PRId64 ": ", seq);
                else
                    fprintf (stderr, "cannot be verified: ");
                fprintf (stderr, "%.*s\n",
                         problem && problem->type == MSGPACK_OBJECT_STR? (int) problem->via.str.size: 0,
                         problem && problem->type == MSGPACK_OBJECT_STR? problem->via.str.ptr: "");
            }
        }
        if (rc == 0 && !valid)
            rc = 1;
    }
    else
    if (argc == 1) {
        s_begin ();
        s_field_str ("request_id", argv [0]);
        rc = s_call ("AUDIT.REQUEST", &reply, true);
        const msgpack_object *entries = wfa_mp_get (&reply.data, "entries");
        for (uint32_t entry_nbr = 0; rc == 0 && !s_json && entries && entries->type == MSGPACK_OBJECT_ARRAY
             && entry_nbr < entries->via.array.size; entry_nbr++) {
            const msgpack_object *entry = &entries->via.array.ptr [entry_nbr];
            printf ("#");
            s_print_field (entry, "seq");
            printf ("  ");
            s_print_time (wfa_mp_get (entry, "at"), wfa_mp_get (entry, "request_id"));
            printf ("  ");
            s_print_field (entry, "action");
            printf ("  ");
            s_print_field (entry, "from");
            printf (" -> ");
            s_print_field (entry, "to");
            printf ("  by ");
            s_print_field (entry, "actor");
            printf (" (");
            s_print_field (entry, "role");
            const msgpack_object *behalf = wfa_mp_get (entry, "on_behalf_of");
            if (behalf && behalf->type == MSGPACK_OBJECT_STR && behalf->via.str.size) {
                printf (" for ");
                s_print_value (behalf);
            }
            printf (")  policy ");
            s_print_field (entry, "policy_version");
            const msgpack_object *reason = wfa_mp_get (entry, "reason");
            if (reason && reason->type == MSGPACK_OBJECT_STR && reason->via.str.size) {
                printf ("  \"");
                s_print_value (reason);
                printf ("\"");
            }
            printf ("\n    hash ");
            s_print_field (entry, "hash");
            printf ("\n");
        }
    }
    else
        rc = s_usage ();
    msgpack_unpacked_destroy (&reply);
    return rc;
}

static int
s_cmd_status (int argc, char **argv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts))
        return s_usage ();
    s_begin ();
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("SYSTEM.PING", &reply, true);
    if (rc == 0 && !s_json) {
        const msgpack_object *services = wfa_mp_get (&reply.data, "services");
        for (uint32_t entry_nbr = 0; services && services->type == MSGPACK_OBJECT_MAP
             && entry_nbr < services->via.map.size; entry_nbr++) {
            printf ("%-14s ", "");
            s_print_value (&services->via.map.ptr [entry_nbr].key);
            printf (": ");
            s_print_value (&services->via.map.ptr [entry_nbr].val);
            printf (" instance(s)\n");
        }
    }
    //  With a pemda (and a reader who may see its figures): the requests
    //  waiting for a role nobody holds, for the BKD and admin pemda to fix
    if (rc == 0 && opts [0].value) {
        msgpack_unpacked_destroy (&reply);
        msgpack_unpacked_init (&reply);
        s_begin ();
        s_field_str ("pemda", opts [0].value);
        rc = s_call ("METRICS.GET", &reply, true);
        if (rc == 0 && !s_json) {
            printf ("pemda %s: ", s_pemda_label (opts [0].value));
            s_print_field (&reply.data, "no_approver");
            printf (" request(s) waiting with NO_APPROVER\n");
        }
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

// ---------------------------------------------------------------------
//  Monev: check-ins, daily reports, e-kinerja data, figures

//  Pack "--lat X --lon Y" as numbers, when given.
static void
s_field_geo (const char *lat, const char *lon)
{
    if (lat)
        msgpack_pack_double (wfa_client_field (s_client, "lat"), atof (lat));
    if (lon)
        msgpack_pack_double (wfa_client_field (s_client, "lon"), atof (lon));
}

//  checkin|checkout --as NIP [--lat X --lon Y] [--key KEY]
static int
s_cmd_checkin (int argc, char **argv, bool in)
{
    s_opt_t opts [] = { { "lat", NULL, NULL }, { "lon", NULL, NULL }, { "key", NULL, NULL },
                        { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts))
        return s_usage ();
    char key [32];
    s_new_key (key, sizeof key);
    s_begin ();
    s_field_str ("key", opts [2].value? opts [2].value: key);
    s_field_geo (opts [0].value, opts [1].value);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call (in? "CHECKIN.IN": "CHECKIN.OUT", &reply, true);
    if (rc == 0 && !s_json) {
        printf ("%s on ", in? "Checked in": "Checked out");
        s_print_field (&reply.data, "date");
        if (in) {
            printf (": ");
            s_print_field (&reply.data, "timing");
            printf (", ");
            s_print_field (&reply.data, "where");
            const msgpack_object *distance = wfa_mp_get (&reply.data, "distance_m");
            int64_t metres = -1;
            if (wfa_mp_int (distance, &metres) == 0 && metres >= 0)
                printf (" (%" PRId64 " m)", metres);
            const msgpack_object *flagged = wfa_mp_get (&reply.data, "flagged");
            if (flagged && flagged->type == MSGPACK_OBJECT_BOOLEAN && flagged->via.boolean)
                printf ("; flagged for review");
        }
        printf ("\n");
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  Print a report map in a few lines.
static void
s_print_report (const msgpack_object *report)
{
    s_print_field (report, "nip");
    printf ("  ");
    s_print_field (report, "date");
    printf ("  ");
    s_print_field (report, "state");
    const msgpack_object *late = wfa_mp_get (report, "late");
    printf ("%s  quantity ", late && late->type == MSGPACK_OBJECT_BOOLEAN && late->via.boolean? " (late)": "");
    s_print_field (report, "quantity");
    printf ("\n");
    const msgpack_object *activities = wfa_mp_get (report, "activities");
    for (uint32_t item_nbr = 0; activities && activities->type == MSGPACK_OBJECT_ARRAY
         && item_nbr < activities->via.array.size; item_nbr++) {
        const msgpack_object *item = &activities->via.array.ptr [item_nbr];
        printf ("    - ");
        s_print_field (item, "activity");
        printf (" -> ");
        s_print_field (item, "output");
        printf (" x");
        s_print_field (item, "quantity");
        printf (" [");
        s_print_field (item, "rhk");
        printf ("]\n");
    }
}

//  report submit --as NIP [--date D] --activity "ACTIVITY|OUTPUT|QUANTITY|RHK[|EVIDENCE,...]"...
//  report verify NIP DATE --as NIP (--accept|--return) [--note TEXT]
//  report list --as NIP | report show NIP DATE --as NIP
static int
s_cmd_report (int argc, char **argv)
{
    if (argc < 1)
        return s_usage ();
    const char *verb = argv [0];
    zlist_t *activities = zlist_new ();
    zlist_t *positional = zlist_new ();
    s_opt_t opts [] = { { "date", NULL, NULL }, { "activity", NULL, activities }, { "note", NULL, NULL },
                        { "accept!", NULL, NULL }, { "return!", NULL, NULL }, { "key", NULL, NULL },
                        { "limit", NULL, NULL }, { NULL, NULL, NULL } };
    int rc = s_parse (argc - 1, argv + 1, opts, positional);
    const char *nip = (const char *) zlist_first (positional);
    const char *date = (const char *) zlist_next (positional);
    size_t words = zlist_size (positional);
    bool usable = rc == 0
        && ((streq (verb, "submit") && words == 0 && zlist_size (activities) > 0)
        ||  (streq (verb, "verify") && words == 2 && (opts [3].value != NULL) != (opts [4].value != NULL))
        ||  (streq (verb, "list") && words == 0)
        ||  (streq (verb, "show") && words == 2));
    if (!usable) {
        zlist_destroy (&activities);
        zlist_destroy (&positional);
        return s_usage ();
    }
    char key [32];
    s_new_key (key, sizeof key);
    s_begin ();
    const char *command = "REPORT.LIST";
    if (streq (verb, "submit")) {
        command = "REPORT.SUBMIT";
        s_field_str ("key", opts [5].value? opts [5].value: key);
        s_field_str ("date", opts [0].value);
        msgpack_packer *pk = wfa_client_field (s_client, "activities");
        msgpack_pack_array (pk, zlist_size (activities));
        for (char *spec = (char *) zlist_first (activities); spec; spec = (char *) zlist_next (activities)) {
            //  ACTIVITY|OUTPUT|QUANTITY|RHK[|EVIDENCE,EVIDENCE]
            char *copy = strdup (spec), *parts [5] = { "", "", "0", "", "" };
            char *cursor = copy;
            for (int part_nbr = 0; part_nbr < 5 && cursor; part_nbr++) {
                parts [part_nbr] = cursor;
                cursor = strchr (cursor, '|');
                if (cursor)
                    *cursor++ = 0;
            }
            msgpack_pack_map (pk, *parts [4]? 5: 4);
            wfa_mp_pack_kv_str (pk, "activity", parts [0]);
            wfa_mp_pack_kv_str (pk, "output", parts [1]);
            wfa_mp_pack_kv_int (pk, "quantity", atoll (parts [2]));
            wfa_mp_pack_kv_str (pk, "rhk", parts [3]);
            if (*parts [4]) {
                int refs = 1;
                for (char *at = parts [4]; *at; at++)
                    refs += *at == ',';
                wfa_mp_pack_str (pk, "evidence");
                msgpack_pack_array (pk, refs);
                for (char *ref = parts [4]; ref; ) {
                    char *comma = strchr (ref, ',');
                    wfa_mp_pack_strn (pk, ref, comma? (size_t) (comma - ref): strlen (ref));
                    ref = comma? comma + 1: NULL;
                }
            }
            free (copy);
        }
    }
    else
    if (streq (verb, "verify")) {
        command = "REPORT.VERIFY";
        s_field_str ("key", opts [5].value? opts [5].value: key);
        s_field_str ("nip", nip);
        s_field_str ("date", date);
        s_field_str ("decision", opts [3].value? "accept": "return");
        s_field_str ("note", opts [2].value);
    }
    else
    if (streq (verb, "show")) {
        command = "REPORT.GET";
        s_field_str ("nip", nip);
        s_field_str ("date", date);
    }
    else
    if (opts [6].value)
        msgpack_pack_int64 (wfa_client_field (s_client, "limit"), atoll (opts [6].value));
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    rc = s_call (command, &reply, true);
    if (rc == 0 && !s_json) {
        if (streq (verb, "list")) {
            const msgpack_object *reports = wfa_mp_get (&reply.data, "reports");
            for (uint32_t item_nbr = 0; reports && reports->type == MSGPACK_OBJECT_ARRAY
                 && item_nbr < reports->via.array.size; item_nbr++)
                s_print_report (&reports->via.array.ptr [item_nbr]);
            printf ("%u report(s) await verification\n",
                    reports && reports->type == MSGPACK_OBJECT_ARRAY? reports->via.array.size: 0);
        }
        else
        if (streq (verb, "show"))
            s_print_report (wfa_mp_get (&reply.data, "report"));
        else {
            printf ("Daily report of ");
            s_print_field (&reply.data, "date");
            printf (" is now ");
            s_print_field (&reply.data, "state");
            const msgpack_object *late = wfa_mp_get (&reply.data, "late");
            printf ("%s\n", late && late->type == MSGPACK_OBJECT_BOOLEAN && late->via.boolean?
                    " (after the deadline)": "");
        }
    }
    msgpack_unpacked_destroy (&reply);
    zlist_destroy (&activities);
    zlist_destroy (&positional);
    return rc;
}

//  ekinerja push FILE.csv --as NIP --source NAME
//  Columns: id,type,nip,period,date,rhk,quantity,predikat (a header line first).
static int
s_cmd_ekinerja (int argc, char **argv)
{
    s_opt_t opts [] = { { "source", NULL, NULL }, { NULL, NULL, NULL } };
    zlist_t *positional = zlist_new ();
    int rc = argc >= 1 && streq (argv [0], "push")? s_parse (argc - 1, argv + 1, opts, positional): -1;
    const char *file_name = (const char *) zlist_first (positional);
    bool usable = rc == 0 && zlist_size (positional) == 1 && opts [0].value;
    if (!usable) {
        zlist_destroy (&positional);
        return s_usage ();
    }
    zchunk_t *chunk = s_read_file (file_name, 64 * 1024 * 1024);
    zlist_destroy (&positional);
    if (!chunk)
        return 2;
    //  The records after the header, each its own item, by the one CSV
    //  reader; a first pass counts them
    const char *text = (const char *) zchunk_data (chunk);
    wfa_csv_t *csv = wfa_csv_new (text, zchunk_size (chunk));
    size_t total = 0;
    while (wfa_csv_next (csv))
        total++;
    wfa_csv_destroy (&csv);
    total = total? total - 1: 0;
    csv = wfa_csv_new (text, zchunk_size (chunk));
    wfa_csv_next (csv);         //  The header
    int64_t totals [4] = { 0, 0, 0, 0 };
    static const char *names [4] = { "created", "duplicates", "conflicts", "unknown" };
    static const char *columns [8] = { "id", "type", "nip", "period", "date", "rhk", "quantity", "predikat" };
    int lines [S_EKINERJA_BATCH];   //  The line each item of a batch starts on
    size_t sent = 0;
    while (sent < total && rc == 0) {
        size_t size = total - sent < S_EKINERJA_BATCH? total - sent: S_EKINERJA_BATCH;
        s_begin ();
        s_field_str ("source", opts [0].value);
        msgpack_packer *pk = wfa_client_field (s_client, "items");
        msgpack_pack_array (pk, size);
        for (size_t item_nbr = 0; item_nbr < size; item_nbr++) {
            size_t fields = wfa_csv_next (csv);
            lines [item_nbr] = wfa_csv_line (csv);
            int present = 0;
            for (size_t field_nbr = 0; field_nbr < 8 && field_nbr < fields; field_nbr++)
                present += *wfa_csv_field (csv, field_nbr) != 0;
            msgpack_pack_map (pk, present);
            for (size_t field_nbr = 0; field_nbr < 8 && field_nbr < fields; field_nbr++) {
                const char *field = wfa_csv_field (csv, field_nbr);
                if (!*field)
                    continue;
                if (field_nbr == 6)
                    wfa_mp_pack_kv_int (pk, columns [field_nbr], atoll (field));
                else
                    wfa_mp_pack_kv_str (pk, columns [field_nbr], field);
            }
        }
        msgpack_unpacked reply;
        msgpack_unpacked_init (&reply);
        rc = s_call ("EKINERJA.PUSH", &reply, false);
        for (int name_nbr = 0; rc == 0 && name_nbr < 4; name_nbr++) {
            int64_t value = 0;
            if (wfa_mp_int (wfa_mp_get (&reply.data, names [name_nbr]), &value) == 0)
                totals [name_nbr] += value;
        }
        //  Conflicts are said, item by item, with the line they came from
        const msgpack_object *results = rc == 0? wfa_mp_get (&reply.data, "results"): NULL;
        for (uint32_t item_nbr = 0; results && results->type == MSGPACK_OBJECT_ARRAY
             && item_nbr < results->via.array.size && !s_json; item_nbr++) {
            const msgpack_object *result = &results->via.array.ptr [item_nbr];
            if (wfa_mp_streq (wfa_mp_get (result, "result"), "created")
            ||  wfa_mp_streq (wfa_mp_get (result, "result"), "duplicate"))
                continue;
            fprintf (stderr, "line %d: ", item_nbr < size? lines [item_nbr]: 0);
            char *what = wfa_mp_strdup (wfa_mp_get (result, "result"));
            char *detail = wfa_mp_strdup (wfa_mp_get (result, "detail"));
            fprintf (stderr, "%s%s%s\n", what? what: "?", detail? ": ": "", detail? detail: "");
            free (what);
            free (detail);
        }
        sent += size;
        msgpack_unpacked_destroy (&reply);
    }
    wfa_csv_destroy (&csv);
    zchunk_destroy (&chunk);
    if (rc)
        return rc;
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "status", "ok", "code", "OK",
                                  "items", (json_int_t) sent, "created", (json_int_t) totals [0],
                                  "duplicates", (json_int_t) totals [1], "conflicts", (json_int_t) totals [2],
                                  "unknown", (json_int_t) totals [3]);
        wfa_json_print (&json);
    }
    else
        printf ("Pushed %zu items from %s: %" PRId64 " new, %" PRId64 " duplicates, %" PRId64 " conflicts, %"
                PRId64 " unknown employees or service accounts\n", sent, file_name, totals [0], totals [1], totals [2], totals [3]);
    return totals [2] || totals [3]? 1: 0;
}

//  A figure of a period map by path "group.key", as text ("-" for none).
static void
s_figure (const msgpack_object *period, const char *group, const char *key, char *buf, size_t size)
{
    const msgpack_object *value = wfa_mp_get (wfa_mp_get (period, group), key);
    int64_t number = 0;
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        snprintf (buf, size, "-");
    else
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        snprintf (buf, size, "%.2f", value->via.f64);
    else
    if (wfa_mp_int (value, &number) == 0)
        snprintf (buf, size, "%" PRId64, number);
    else
        snprintf (buf, size, "?");
}

//  The columns of monev and export, in order.
static const char *s_monev_columns [][3] = {
    { "flexible", "days", "flexible_days" }, { "flexible", "judged_days", "judged_days" },
    { "flexible", "working_days", "working_days" }, { "flexible", "cap_use_pct", "cap_use_pct" },
    { "checkins", "on_time", "checkin_on_time" }, { "checkins", "late", "checkin_late" },
    { "checkins", "missing", "checkin_missing" }, { "checkins", "flagged", "checkin_flagged" },
    { "checkins", "compliance_pct", "compliance_pct" },
    { "reports", "submitted", "reports_submitted" }, { "reports", "late", "reports_late" },
    { "reports", "accepted", "reports_accepted" }, { "reports", "returned", "reports_returned" },
    { "reports", "submission_pct", "report_submission_pct" },
    { "reports", "verification_pct", "report_verification_pct" },
    { "flexible", "unapproved_days", "unapproved_days" },
    { "attainment", "rhks", "rhks" }, { "attainment", "with_target", "rhks_with_target" },
    { "attainment", "met", "rhks_met" }, { "attainment", "pct", "attainment_pct" },
    { "per_day", "rhk_compared", "rhks_compared" },
    { "per_day", "flexible_vs_office_pct", "flexible_vs_office_pct" },
    { "approvals", "approved", "approved" }, { "approvals", "rejected", "rejected" },
    { "approvals", "revoked", "revoked" }, { "approvals", "rejection_pct", "rejection_pct" },
    { "approvals", "revocation_pct", "revocation_pct" }, { "capacity", "peak_away", "peak_away" },
    { NULL, NULL, NULL }
};

//  monev|export [--pemda P] [--opd O] [--nip N] --from D --to D [--by total|day|week|month] --as NIP
static int
s_cmd_monev (int argc, char **argv, bool csv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { "opd", NULL, NULL }, { "nip", NULL, NULL },
                        { "from", NULL, NULL }, { "to", NULL, NULL }, { "by", NULL, NULL },
                        { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts) || !opts [3].value || !opts [4].value)
        return s_usage ();
    s_begin ();
    s_field_str ("pemda", opts [0].value);
    s_field_str ("opd", opts [1].value);
    s_field_str ("nip", opts [2].value);
    s_field_str ("from", opts [3].value);
    s_field_str ("to", opts [4].value);
    s_field_str ("by", opts [5].value? opts [5].value: csv? "day": "total");
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("MONEV.GET", &reply, !csv);
    if (rc == 0 && (csv || !s_json)) {
        const msgpack_object *periods = wfa_mp_get (&reply.data, "periods");
        uint32_t count = periods && periods->type == MSGPACK_OBJECT_ARRAY? periods->via.array.size: 0;
        char value [32];
        if (csv) {
            printf ("pemda,opd,nip,period");
            for (int column_nbr = 0; s_monev_columns [column_nbr][0]; column_nbr++)
                printf (",%s", s_monev_columns [column_nbr][2]);
            printf ("\n");
        }
        const msgpack_object *scope = wfa_mp_get (&reply.data, "scope");
        const msgpack_object *scope_pemda = wfa_mp_get (scope, "pemda");
        if (!csv && scope_pemda && scope_pemda->type == MSGPACK_OBJECT_STR && scope_pemda->via.str.size) {
            printf ("pemda ");
            s_print_pemda (scope_pemda);
            printf ("\n");
        }
        for (uint32_t period_nbr = 0; period_nbr < count; period_nbr++) {
            const msgpack_object *period = &periods->via.array.ptr [period_nbr];
            if (csv) {
                s_print_field (scope, "pemda");
                printf (",");
                s_print_field (scope, "opd");
                printf (",");
                s_print_field (scope, "nip");
                printf (",");
                s_print_field (period, "period");
                for (int column_nbr = 0; s_monev_columns [column_nbr][0]; column_nbr++) {
                    s_figure (period, s_monev_columns [column_nbr][0], s_monev_columns [column_nbr][1],
                              value, sizeof value);
                    printf (",%s", streq (value, "-")? "": value);
                }
                printf ("\n");
                continue;
            }
            printf ("period ");
            s_print_field (period, "period");
            printf ("\n");
            for (int column_nbr = 0; s_monev_columns [column_nbr][0]; column_nbr++) {
                s_figure (period, s_monev_columns [column_nbr][0], s_monev_columns [column_nbr][1],
                          value, sizeof value);
                printf ("  %-24s %s\n", s_monev_columns [column_nbr][2], value);
            }
        }
        //  The before/after comparison of art. 35 (not for the nation)
        const msgpack_object *before_after = wfa_mp_get (&reply.data, "before_after");
        if (!csv && before_after && before_after->type == MSGPACK_OBJECT_MAP) {
            char compared [32], percent [32];
            s_figure (&reply.data, "before_after", "rhk_compared", compared, sizeof compared);
            s_figure (&reply.data, "before_after", "after_vs_before_pct", percent, sizeof percent);
            const msgpack_object *first_day = wfa_mp_get (before_after, "first_flexible_day");
            printf ("  %-24s ", "first_flexible_day");
            if (first_day && first_day->type == MSGPACK_OBJECT_STR)
                s_print_value (first_day);
            else
                printf ("-");
            printf ("\n  %-24s %s\n  %-24s %s\n", "rhks_compared_before", compared,
                    "after_vs_before_pct", percent);
        }
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  metrics rebuild --pemda CODE --as NIP [--apply]
static int
s_cmd_rebuild (int argc, char **argv)
{
    s_opt_t opts [] = { { "pemda", NULL, NULL }, { "apply!", NULL, NULL }, { NULL, NULL, NULL } };
    if (s_parse_options (argc, argv, opts) || !opts [0].value)
        return s_usage ();
    s_begin ();
    s_field_str ("pemda", opts [0].value);
    if (opts [1].value)
        msgpack_pack_true (wfa_client_field (s_client, "apply"));
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("MONEV.REBUILD", &reply, true);
    if (rc == 0) {
        const msgpack_object *equal = wfa_mp_get (&reply.data, "equal");
        bool same = equal && equal->type == MSGPACK_OBJECT_BOOLEAN && equal->via.boolean;
        if (!s_json) {
            printf ("Figures of %s rebuilt from ", s_pemda_label (opts [0].value));
            s_print_field (&reply.data, "records");
            printf (" raw records over ");
            s_print_field (&reply.data, "days");
            printf (" days and ");
            s_print_field (&reply.data, "months");
            printf (" months: %s", same? "equal to the kept figures": "DIFFERENT from the kept figures (");
            if (!same) {
                s_print_field (&reply.data, "differences");
                printf (" differences)");
            }
            const msgpack_object *applied = wfa_mp_get (&reply.data, "applied");
            const msgpack_object *moved = wfa_mp_get (&reply.data, "moved");
            bool in_force = applied && applied->type == MSGPACK_OBJECT_BOOLEAN && applied->via.boolean;
            bool written = moved && moved->type == MSGPACK_OBJECT_BOOLEAN && moved->via.boolean;
            printf ("%s%s\n", written? "; figures were written meanwhile, run it again to be sure": "",
                    opts [1].value? (in_force? "; the rebuilt figures are now in force":
                                     "; nothing was put in force"): "");
            const msgpack_object *examples = wfa_mp_get (&reply.data, "examples");
            for (uint32_t item_nbr = 0; examples && examples->type == MSGPACK_OBJECT_ARRAY
                 && item_nbr < examples->via.array.size; item_nbr++) {
                printf ("  ");
                s_print_value (&examples->via.array.ptr [item_nbr]);
                printf ("\n");
            }
        }
        rc = same? 0: 1;
    }
    msgpack_unpacked_destroy (&reply);
    return rc;
}

//  The secret certificate to sign in with: --identity, the --as person's in
//  the key folder, or the operator's. -1 (said why) when there is none.
static int
s_secret_path (char *path, size_t size)
{
    const char *keys = wfa_config_get (WFA_CFG_KEYS);
    if (s_key) {
        snprintf (path, size, "%s", s_key);
        return 0;
    }
    if (!s_as) {
        wfa_principal_t operator = { .kind = WFA_PRINCIPAL_OPERATOR };
        wfa_keys_path (keys, &operator, true, path, size);
        if (access (path, R_OK) == 0)
            return 0;
        fprintf (stderr, "error: NO_KEY: who acts? Give --as NIP (with that person's key in "
                 "%s/people/), or --identity FILE; the operator's key %s is not here\n"
                 "  (siapa yang bertindak? Berikan --as NIP atau --identity FILE)\n", keys, path);
        return -1;
    }
    //  Only a NIP names a key file, nothing else reaches the folder: the
    //  person's employee key, else their Kemendagri reader's
    wfa_principal_kind_t kinds [] = { WFA_PRINCIPAL_EMPLOYEE, WFA_PRINCIPAL_KEMENDAGRI };
    for (size_t kind_nbr = 0; kind_nbr < 2 && wfa_nip_valid (s_as); kind_nbr++) {
        wfa_principal_t person = { .kind = kinds [kind_nbr] };
        snprintf (person.nip, sizeof person.nip, "%s", s_as);
        wfa_keys_path (keys, &person, true, path, size);
        if (access (path, R_OK) == 0)
            return 0;
    }
    fprintf (stderr, "error: NO_KEY: no key for %s here (%s/people/%s.key): only the holder of "
             "a key acts as its person; the admin pemda or the operator issues one with "
             "wfactl keys issue --nip %s\n"
             "  (tidak ada kunci untuk %s di sini: hanya pemegang kunci yang bertindak atas namanya; "
             "admin pemda atau operator menerbitkannya)\n", s_as, keys, s_as, s_as, s_as);
    return -1;
}

//  keys init [DIR]: make what is missing of a key folder.
static int
s_cmd_keys_init (int argc, char **argv)
{
    if (argc > 1)
        return s_usage ();
    const char *dir = argc == 1? argv [0]: wfa_config_get (WFA_CFG_KEYS);
    int made = wfa_keys_init (dir, s_json? NULL: stdout);
    if (made < 0) {
        fprintf (stderr, "wfactl: cannot make the keys in %s: %s\n", dir, strerror (errno));
        return 1;
    }
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:i, s:o}", "status", "ok", "made", made,
                                  "keys", wfa_json_string (dir, strlen (dir)));
        wfa_json_print (&json);
    }
    else
        printf ("%d key(s) made in %s\n", made, dir);
    return 0;
}

//  keys new FILE: a key pair made where its holder is; the public key it
//  prints is what the issuer needs (keys issue --public KEY).
static int
s_cmd_keys_new (int argc, char **argv)
{
    if (argc != 1)
        return s_usage ();
    char public_key [41];
    if (access (argv [0], F_OK) == 0) {
        fprintf (stderr, "wfactl: %s exists; a new key goes to a new file\n", argv [0]);
        return 1;
    }
    if (wfa_keys_new (argv [0], public_key)) {
        fprintf (stderr, "wfactl: cannot write %s: %s\n", argv [0], strerror (errno));
        return 1;
    }
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:o, s:s}", "status", "ok",
                                  "secret_key", wfa_json_string (argv [0], strlen (argv [0])),
                                  "public_key", public_key);
        wfa_json_print (&json);
    }
    else
        printf ("%s\nYour secret key is %s (keep it; sign in with --identity %s).\n"
                "Give the public key above to your admin pemda or the operator:\n"
                "  wfactl keys issue --nip NIP --public '%s'\n", public_key, argv [0], argv [0],
                public_key);
    return 0;
}

//  keys list: the principals the broker admits.
static int
s_cmd_keys_list (void)
{
    char trusted [PATH_MAX];
    snprintf (trusted, sizeof trusted, "%s/trusted", wfa_config_get (WFA_CFG_KEYS));
    zdir_t *dir = zdir_new (trusted, NULL);
    if (!dir) {
        fprintf (stderr, "wfactl: no key folder %s (wfactl keys init)\n", trusted);
        return 1;
    }
    zlist_t *files = zdir_list (dir);
    zlist_t *lines = zlist_new ();
    zlist_autofree (lines);
    for (zfile_t *file = (zfile_t *) zlist_first (files); file; file = (zfile_t *) zlist_next (files)) {
        zcert_t *cert = zcert_load (zfile_filename (file, NULL));
        const char *principal = cert? zcert_meta (cert, "principal"): NULL;
        if (principal) {
            char line [WFA_PRINCIPAL_MAX + 64];
            snprintf (line, sizeof line, "%s %s", principal, zcert_public_txt (cert));
            zlist_append (lines, line);
        }
        zcert_destroy (&cert);
    }
    zlist_sort (lines, NULL);
    json_t *keys = json_array ();
    int count = 0;
    for (char *line = (char *) zlist_first (lines); line; line = (char *) zlist_next (lines)) {
        char *space = strchr (line, ' ');
        if (!space)
            continue;           //  A principal too long to be real
        *space = 0;
        if (s_json)
            json_array_append_new (keys, json_pack ("{s:o, s:o}",
                "principal", wfa_json_string (line, strlen (line)),
                "public_key", wfa_json_string (space + 1, strlen (space + 1))));
        else
            printf ("%-44s %s\n", line, space + 1);
        count++;
    }
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:O, s:i}", "status", "ok", "keys", keys, "count", count);
        wfa_json_print (&json);
    }
    json_decref (keys);
    zlist_destroy (&lines);
    zlist_destroy (&files);
    zdir_destroy (&dir);
    return 0;
}

static int s_key_change (const char *text, const char *action);
static bool s_keys_if_missing = false;  //  keys issue --if-missing
static bool s_keys_quiet = false;       //  Many keys: one line at the end
static bool s_keys_skipped = false;     //  The last one had a key already
static const char *s_keys_public = NULL;//  keys issue --public KEY: its holder made the pair

//  keys issue|revoke: the service says whether the one signed in may
//  (the operator; an admin pemda for its own people and integrators),
//  then the key folder changes here.
static int
s_cmd_keys (int argc, char **argv)
{
    if (argc < 1 || !(streq (argv [0], "issue") || streq (argv [0], "revoke")))
        return s_usage ();
    s_opt_t opts [] = { { "nip", NULL, zlist_new () }, { "kemendagri", NULL, NULL },
                        { "integrator", NULL, NULL }, { "pemda", NULL, NULL },
                        { "if-missing!", NULL, NULL }, { "public", NULL, NULL },
                        { NULL, NULL, NULL } };
    int rc = s_parse_options (argc - 1, argv + 1, opts);
    //  One key per --nip (repeatable), or one Kemendagri reader or integrator
    zlist_t *texts = zlist_new ();
    zlist_autofree (texts);
    char text [WFA_PRINCIPAL_MAX];
    for (const char *nip = (const char *) zlist_first (opts [0].values); nip;
         nip = (const char *) zlist_next (opts [0].values)) {
        snprintf (text, sizeof text, "employee:%s", nip);
        zlist_append (texts, text);
    }
    if (opts [1].value) {
        snprintf (text, sizeof text, "kemendagri:%s", opts [1].value);
        zlist_append (texts, text);
    }
    if (opts [2].value && opts [3].value) {
        snprintf (text, sizeof text, "integrator:%s:%s", opts [3].value, opts [2].value);
        zlist_append (texts, text);
    }
    zlist_destroy (&opts [0].values);
    if (rc || zlist_size (texts) == 0) {
        zlist_destroy (&texts);
        return s_usage ();
    }
    //  --if-missing: leave whoever has a key as they are (make demo, run twice)
    s_keys_if_missing = opts [4].value != NULL;
    s_keys_public = opts [5].value;
    if (s_keys_public && (zlist_size (texts) != 1 || !streq (argv [0], "issue"))) {
        zlist_destroy (&texts);
        return s_usage ();
    }
    s_keys_quiet = zlist_size (texts) > 1;
    int changed = 0;
    for (const char *each = (const char *) zlist_first (texts); each && rc == 0;
         each = (const char *) zlist_next (texts)) {
        rc = s_key_change (each, argv [0]);
        changed += rc == 0 && !s_keys_skipped;
    }
    if (s_keys_quiet && rc == 0 && !s_json)
        printf ("%s %d key(s) in %s (people/NIP.key, kemendagri/NIP.key), %zu already there\n",
                streq (argv [0], "issue")? "Issued": "Revoked", changed,
                wfa_config_get (WFA_CFG_KEYS), zlist_size (texts) - (size_t) changed);
    zlist_destroy (&texts);
    return rc;
}

//  Issue or revoke one key, once the service said the one signed in may.
static int
s_key_change (const char *text, const char *action)
{
    bool issue = streq (action, "issue");
    wfa_principal_t principal;
    if (wfa_principal_parse (text, &principal)) {
        fprintf (stderr, "wfactl: not a principal: %s (a NIP of 18 digits; an integrator name "
                 "of a-z, 0-9, - and _; a pemda code on the list)\n", text);
        return 2;
    }
    s_begin ();
    s_field_str ("principal", text);
    s_field_str ("action", action);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("KEYS.ALLOW", &reply, false);
    msgpack_unpacked_destroy (&reply);
    if (rc)
        return rc;
    const char *keys = wfa_config_get (WFA_CFG_KEYS);
    char why [PATH_MAX + 256] = "";
    char public [PATH_MAX];
    wfa_keys_path (keys, &principal, false, public, sizeof public);
    s_keys_skipped = issue && s_keys_if_missing && access (public, F_OK) == 0;
    if (s_keys_skipped)
        return 0;
    if (issue && s_keys_public)
        rc = wfa_keys_issue_public (keys, &principal, s_keys_public, why, sizeof why)? 1: 0;
    else
    if (issue)
        rc = wfa_keys_issue (keys, &principal, why, sizeof why)? 1: 0;
    else {
        rc = wfa_keys_revoke (keys, &principal)? 1: 0;
        if (rc)
            snprintf (why, sizeof why, "%s has no key in %s/trusted", text, keys);
    }
    if (rc)
        fprintf (stderr, "error: %s\n", why);
    else
    if (s_keys_quiet)
        ;
    else
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:o, s:o}", "status", "ok",
                                  "principal", wfa_json_string (text, strlen (text)),
                                  issue? "secret_key": "revoked", wfa_json_string (issue? why: "true",
                                  strlen (issue? why: "true")));
        wfa_json_print (&json);
    }
    else
    if (issue && s_keys_public)
        printf ("issued %s: the broker admits its holder's key from now on\n", text);
    else
    if (issue)
        printf ("issued %s: its secret key is %s (give it to its holder only)\n", text, why);
    else
        printf ("revoked %s: the broker refuses it from now on\n", text);
    return rc;
}

int
main (int argc, char *argv [])
{
    argc = wfa_config_load (argc, argv);
    s_as = getenv ("WFA_AS") && *getenv ("WFA_AS")? getenv ("WFA_AS"): NULL;
    int first = 1;
    while (first < argc && strncmp (argv [first], "--", 2) == 0) {
        if (streq (argv [first], "--json"))
            s_json = true;
        else
        if (streq (argv [first], "--lang") && first + 1 < argc) {
            s_lang = argv [++first];
            if (!streq (s_lang, "id") && !streq (s_lang, "en"))
                return s_usage ();
        }
        else
        if (streq (argv [first], "--as") && first + 1 < argc) {
            s_as = argv [++first];
            s_as_given = true;
        }
        else
        if (streq (argv [first], "--identity") && first + 1 < argc)
            s_key = argv [++first];
        else
        if (streq (argv [first], "--help"))
            return s_usage () == 2? 0: 0;
        else
            return s_usage ();
        first++;
    }
    if (first >= argc)
        return s_usage ();
    //  Later options may still carry --json / --lang
    int kept = first;
    for (int arg_nbr = first; arg_nbr < argc; arg_nbr++) {
        if (streq (argv [arg_nbr], "--json"))
            s_json = true;
        else
        if (streq (argv [arg_nbr], "--lang") && arg_nbr + 1 < argc)
            s_lang = argv [++arg_nbr];
        else
        if (streq (argv [arg_nbr], "--as") && arg_nbr + 1 < argc) {
            s_as = argv [++arg_nbr];
            s_as_given = true;
        }
        else
        if (streq (argv [arg_nbr], "--identity") && arg_nbr + 1 < argc)
            s_key = argv [++arg_nbr];
        else
            argv [kept++] = argv [arg_nbr];
    }
    argc = kept;
    zsys_init ();
    zsys_set_logstream (NULL);
    const char *command = argv [first];
    int rest = argc - first - 1;
    char **args = argv + first + 1;
    if (streq (command, "keys") && rest >= 1
    && (streq (args [0], "init") || streq (args [0], "list") || streq (args [0], "new"))) {
        int rc = streq (args [0], "init")? s_cmd_keys_init (rest - 1, args + 1):
                 streq (args [0], "new")?  s_cmd_keys_new (rest - 1, args + 1): s_cmd_keys_list ();
        zsys_shutdown ();
        return rc;
    }
    //  An import without --as is the operator's (a new pemda's first one,
    //  transfers between pemda), whoever WFA_AS names; so is a call signed in
    //  with --identity (an integrator's key acts as no person)
    if ((streq (command, "import") || streq (command, "keys") || s_key) && !s_as_given)
        s_as = NULL;
    //  Sign in: the person's key, the one given, or the operator's
    char secret [PATH_MAX], why [PATH_MAX + 64];
    if (s_secret_path (secret, sizeof secret)) {
        zsys_shutdown ();
        return 2;
    }
    s_client = wfa_client_new (wfa_config_get (WFA_CFG_ENDPOINT), secret,
                               (int) wfa_config_int (WFA_CFG_TIMEOUT_MS),
                               (int) wfa_config_int (WFA_CFG_RETRIES), why, sizeof why);
    if (!s_client) {
        fprintf (stderr, "wfactl: cannot sign in: %s\n", why);
        zsys_shutdown ();
        return 2;
    }
    int rc;
    if (streq (command, "keys"))
        rc = s_cmd_keys (rest, args);
    else
    if (streq (command, "import"))
        rc = s_cmd_import (rest, args);
    else
    if (streq (command, "submit"))
        rc = s_cmd_submit (rest, args, NULL);
    else
    if (streq (command, "resubmit"))
        rc = rest >= 1? s_cmd_submit (rest - 1, args + 1, args [0]): s_usage ();
    else
    if (streq (command, "cancel"))
        rc = s_cmd_end (rest, args, "REQUEST.CANCEL");
    else
    if (streq (command, "revoke"))
        rc = s_cmd_end (rest, args, "REQUEST.REVOKE");
    else
    if (streq (command, "decide"))
        rc = s_cmd_decide (rest, args);
    else
    if (streq (command, "show"))
        rc = s_cmd_show (rest, args);
    else
    if (streq (command, "list"))
        rc = s_cmd_list (rest, args);
    else
    if (streq (command, "inbox"))
        rc = s_cmd_person (rest, args, "INBOX.LIST");
    else
    if (streq (command, "approvals"))
        rc = s_cmd_person (rest, args, "APPROVAL.LIST");
    else
    if (streq (command, "metrics") && rest >= 1 && streq (args [0], "rebuild"))
        rc = s_cmd_rebuild (rest - 1, args + 1);
    else
    if (streq (command, "metrics"))
        rc = s_cmd_metrics (rest, args);
    else
    if (streq (command, "checkin") || streq (command, "checkout"))
        rc = s_cmd_checkin (rest, args, streq (command, "checkin"));
    else
    if (streq (command, "report"))
        rc = s_cmd_report (rest, args);
    else
    if (streq (command, "ekinerja"))
        rc = s_cmd_ekinerja (rest, args);
    else
    if (streq (command, "monev") || streq (command, "export"))
        rc = s_cmd_monev (rest, args, streq (command, "export"));
    else
    if (streq (command, "audit"))
        rc = s_cmd_audit (rest, args);
    else
    if (streq (command, "calendar"))
        rc = s_cmd_calendar (rest, args);
    else
    if (streq (command, "policy"))
        rc = s_cmd_policy (rest, args);
    else
    if (streq (command, "delegate"))
        rc = s_cmd_delegate (rest, args);
    else
    if (streq (command, "status"))
        rc = s_cmd_status (rest, args);
    else
        rc = s_usage ();
    wfa_client_destroy (&s_client);
    zsys_shutdown ();
    return rc;
}
