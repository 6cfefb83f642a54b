/*  wfactl - the Fleksi command line, over the native protocol.

    wfactl [--endpoint E] [--json] [--lang id|en] [--as NIP] COMMAND ...
    Human-readable output by default; --json prints the reply map as JSON.
    Exit 0 on success; 1 with the error code printed when the service
    refuses; 2 on a usage error; 3 when no reply came (TIMEOUT).
    Who acts is proven by a key: --as NIP (anywhere on the line, or
    WFA_AS) signs in with that person's key in the key folder (WFA_KEYS:
    people/NIP.key, or kemendagri/NIP.key for a national reader);
    --identity FILE with any secret certificate (an integrator's); neither, with the
    operator's key (operator.key). Without the key there is no call.

    Every command is one row of s_commands (at the end): its words, its
    synopsis and purpose (wfactl help prints them; README.md shows that text
    and a test compares them), its options and arguments, and what runs it.
    Most rows need no code of their own: s_cmd_call packs the options and
    arguments as the call's fields, makes the call and hands the reply to
    the row's printer. */
#include "wfa.h"

#define S_IMPORT_BATCH 500      //  Employees per EMPLOYEE.IMPORT
#define S_EKINERJA_BATCH 1000   //  Items per EKINERJA.PUSH
#define S_OPTS_MAX 12           //  Options of one command

static bool s_json = false;             //  --json
static const char *s_lang = "id";       //  --lang
static wfa_client_t *s_client = NULL;   //  Connection to the broker
static const char *s_as = NULL;         //  --as NIP, anywhere, or WFA_AS: who acts
static const char *s_key = NULL;        //  --identity FILE: sign in with this certificate
static bool s_as_given = false;         //  --as was on the command line (not only WFA_AS)

//  One option of a command, from its spec "name" plus any of: ! a flag
//  (packed true), # an integer, % a number, * repeatable (packed as an
//  array), ^ required, ~ not a field of the call, >field packed under
//  another name. A field is the option's name with '-' as '_'.
typedef struct {
    char name [24];             //  --name
    char field [24];            //  The call's field, "" for none
    char kind;                  //  's' text, 'i' integer, 'f' number, 't' flag, 'l' list
    bool required;              //  The command needs it
    const char *value;          //  The last value given (a pointer into argv), or NULL
    zlist_t *values;            //  Every value given, for a list
} s_opt_t;

typedef struct _s_args_t s_args_t;
typedef int (s_handler_fn) (s_args_t *args);
typedef int (s_print_fn) (const msgpack_object *reply, s_args_t *args);

//  How a call treats its reply.
typedef enum {
    S_SHOW,                     //  --json prints it; else print prints it
    S_JUDGE,                    //  --json prints it; print always sees it (its answer decides)
    S_TAKE                      //  --json does not print it; print always sees it
} s_mode_t;

enum {
    S_OFFLINE = 1,              //  Runs here, without signing in
    S_OPERATOR = 2,             //  The operator's unless --as is on the line (not WFA_AS)
    S_VERDICT = 4               //  Its printer decides the exit status, with --json too
};

//  One command: a row of s_commands.
typedef struct {
    const char *words;          //  "policy set"
    const char *synopsis;       //  Its arguments, as help prints them ('\n' goes on)
    const char *about;          //  What it does, one line
    const char *options;        //  Option specs, space-separated (s_opt_t)
    const char *arguments;      //  Argument names, space-separated: the call's fields,
                                //  ~ not a field, ? optional, + one or more
    s_handler_fn *handler;      //  What runs it: s_cmd_call, or its own
    const char *call;           //  The protocol command it makes
    s_print_fn *print;          //  Prints the reply for a person
    int flags;                  //  S_OFFLINE, S_OPERATOR
} s_command_t;

//  A command line, parsed against its row.
struct _s_args_t {
    const s_command_t *command; //  Its row
    s_opt_t opts [S_OPTS_MAX];  //  Its options, as the row declares them
    size_t opt_count;           //  Options declared
    zlist_t *words;             //  The other arguments (pointers into argv)
    char key [32];              //  --key, or a fresh idempotency key
    void *data;                 //  What a handler keeps across calls
};

static const s_command_t s_commands [];
static int s_usage (void);

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

//  Print the fields of map named in keys (NULL-terminated): before, then the
//  first, then between and the next, and so on.
static void
s_print_fields (const msgpack_object *map, const char *before, const char *between,
                const char **keys)
{
    for (int key_nbr = 0; keys [key_nbr]; key_nbr++) {
        printf ("%s", key_nbr? between: before);
        s_print_field (map, keys [key_nbr]);
    }
}

//  True when map's key is the boolean true.
static bool
s_true (const msgpack_object *map, const char *key)
{
    const msgpack_object *value = wfa_mp_get (map, key);
    return value && value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
}

//  The items of an array field of map, and their count through count.
static const msgpack_object *
s_items (const msgpack_object *map, const char *key, uint32_t *count)
{
    const msgpack_object *value = wfa_mp_get (map, key);
    bool array = value && value->type == MSGPACK_OBJECT_ARRAY;
    *count = array? value->via.array.size: 0;
    return array? value->via.array.ptr: NULL;
}

typedef void (s_item_fn) (const msgpack_object *item, const void *context);

//  Print an item on a line of its own, after the text in context.
static void
s_print_line (const msgpack_object *item, const void *context)
{
    printf ("%s", (const char *) context);
    s_print_value (item);
    printf ("\n");
}

//  Print each item of an array field of map with print; returns their count.
static uint32_t
s_each (const msgpack_object *map, const char *key, s_item_fn *print, const void *context)
{
    uint32_t count = 0;
    const msgpack_object *items = s_items (map, key, &count);
    for (uint32_t item_nbr = 0; item_nbr < count; item_nbr++)
        print (&items [item_nbr], context);
    return count;
}

//  Print a str field's text (nothing for anything else) to a stream.
static void
s_put_str (FILE *stream, const msgpack_object *value)
{
    if (value && value->type == MSGPACK_OBJECT_STR)
        fprintf (stream, "%.*s", (int) value->via.str.size, value->via.str.ptr);
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
//  With --json the whole reply is printed (when print_json), ok or not.
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
        const msgpack_object *code = wfa_mp_get (map, "code");
        fprintf (stderr, "error: ");
        if (code && code->type == MSGPACK_OBJECT_STR)
            s_put_str (stderr, code);
        else
            fprintf (stderr, "?");
        fprintf (stderr, ": ");
        s_put_str (stderr, wfa_mp_get (map, "message"));
        fprintf (stderr, "\n");
        uint32_t count = 0;
        const msgpack_object *errors = s_items (map, "errors", &count);
        for (uint32_t error_nbr = 0; count > 1 && error_nbr < count; error_nbr++) {
            const msgpack_object *text = wfa_mp_get (&errors [error_nbr], "message");
            const msgpack_object *error_code = wfa_mp_get (&errors [error_nbr], "code");
            if (text && text->type == MSGPACK_OBJECT_STR && error_code && error_code->type == MSGPACK_OBJECT_STR) {
                fprintf (stderr, "  - ");
                s_put_str (stderr, error_code);
                fprintf (stderr, ": ");
                s_put_str (stderr, text);
                fprintf (stderr, "\n");
            }
        }
    }
    return 1;
}

//  Make the call begun with s_begin and hand its reply, when ok, to print
//  (as mode says). Returns what s_call returns, or what print returns.
static int
s_call_print (s_args_t *args, const char *call, s_mode_t mode, s_print_fn *print)
{
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call (call, &reply, mode != S_TAKE);
    if (rc == 0 && print && (mode != S_SHOW || !s_json))
        rc = print (&reply.data, args);
    msgpack_unpacked_destroy (&reply);
    return rc;
}

// ---------------------------------------------------------------------
//  Options and arguments, as a row declares them

//  The value of option name, or NULL when not given.
static const char *
s_opt (s_args_t *args, const char *name)
{
    for (size_t opt_nbr = 0; opt_nbr < args->opt_count; opt_nbr++)
        if (streq (args->opts [opt_nbr].name, name))
            return args->opts [opt_nbr].value;
    assert (false);             //  A name the row does not declare
    return NULL;
}

//  Every value of repeatable option name.
static zlist_t *
s_opt_list (s_args_t *args, const char *name)
{
    for (size_t opt_nbr = 0; opt_nbr < args->opt_count; opt_nbr++)
        if (streq (args->opts [opt_nbr].name, name))
            return args->opts [opt_nbr].values;
    assert (false);
    return NULL;
}

//  Argument word_nbr (from 0), or NULL.
static const char *
s_word (s_args_t *args, size_t word_nbr)
{
    const char *word = (const char *) zlist_first (args->words);
    for (size_t skip_nbr = 0; word && skip_nbr < word_nbr; skip_nbr++)
        word = (const char *) zlist_next (args->words);
    return word;
}

//  Read one spec ("name" and its marks) into opt.
static void
s_opt_spec (const char *spec, size_t len, s_opt_t *opt)
{
    size_t name_len = strcspn (spec, "!#%*^~> ");
    name_len = name_len < len? name_len: len;
    assert (name_len < sizeof opt->name);
    memset (opt, 0, sizeof *opt);
    memcpy (opt->name, spec, name_len);
    opt->kind = 's';
    bool field = true;
    const char *rename = NULL;
    for (size_t at = name_len; at < len && !rename; at++)
        switch (spec [at]) {
            case '!': opt->kind = 't'; break;
            case '#': opt->kind = 'i'; break;
            case '%': opt->kind = 'f'; break;
            case '*': opt->kind = 'l'; break;
            case '^': opt->required = true; break;
            case '~': field = false; break;
            case '>': rename = spec + at + 1; break;
        }
    if (rename)
        snprintf (opt->field, sizeof opt->field, "%.*s", (int) (len - (size_t) (rename - spec)), rename);
    else
    if (field)
        for (size_t at = 0; at < name_len; at++)
            opt->field [at] = opt->name [at] == '-'? '_': opt->name [at];
    if (opt->kind == 'l')
        opt->values = zlist_new ();
}

//  The argument names of a row: how many it needs at least and at most.
static void
s_word_counts (const char *arguments, size_t *least, size_t *most)
{
    *least = *most = 0;
    for (const char *at = arguments; *at; ) {
        size_t len = strcspn (at, " ");
        bool optional = memchr (at, '?', len) != NULL, more = memchr (at, '+', len) != NULL;
        *least += optional? 0: 1;
        *most += more? 1000: 1;
        at += len + (at [len] == ' ');
    }
}

static void
s_args_destroy (s_args_t *args)
{
    for (size_t opt_nbr = 0; opt_nbr < args->opt_count; opt_nbr++)
        zlist_destroy (&args->opts [opt_nbr].values);
    zlist_destroy (&args->words);
}

//  Parse argv against the row's options and arguments. Returns -1 (said on
//  stderr) on an unknown option, a missing value, a required option not
//  given, or too few or too many arguments.
static int
s_args_parse (const s_command_t *command, int argc, char **argv, s_args_t *args)
{
    memset (args, 0, sizeof *args);
    args->command = command;
    args->words = zlist_new ();
    for (const char *at = command->options; *at; ) {
        size_t len = strcspn (at, " ");
        assert (args->opt_count < S_OPTS_MAX);
        s_opt_spec (at, len, &args->opts [args->opt_count++]);
        at += len + (at [len] == ' ');
    }
    for (int arg_nbr = 0; arg_nbr < argc; arg_nbr++) {
        char *arg = argv [arg_nbr];
        if (strncmp (arg, "--", 2) != 0) {
            zlist_append (args->words, arg);
            continue;
        }
        s_opt_t *opt = NULL;
        for (size_t opt_nbr = 0; opt_nbr < args->opt_count && !opt; opt_nbr++)
            if (streq (args->opts [opt_nbr].name, arg + 2))
                opt = &args->opts [opt_nbr];
        if (!opt) {
            fprintf (stderr, "wfactl: unknown option %s\n", arg);
            return -1;
        }
        if (opt->kind == 't') {
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
    for (size_t opt_nbr = 0; opt_nbr < args->opt_count; opt_nbr++)
        if (args->opts [opt_nbr].required && !args->opts [opt_nbr].value) {
            fprintf (stderr, "wfactl: %s needs --%s\n", command->words, args->opts [opt_nbr].name);
            return -1;
        }
    size_t least, most;
    s_word_counts (command->arguments, &least, &most);
    if (zlist_size (args->words) < least || zlist_size (args->words) > most) {
        fprintf (stderr, "wfactl: %s takes %s%s\n", command->words,
                 *command->arguments? "the arguments ": "no arguments", command->arguments);
        return -1;
    }
    const char *key = NULL;
    for (size_t opt_nbr = 0; opt_nbr < args->opt_count; opt_nbr++)
        if (streq (args->opts [opt_nbr].name, "key"))
            key = args->opts [opt_nbr].value;
    if (key)
        snprintf (args->key, sizeof args->key, "%s", key);
    else
        s_new_key (args->key, sizeof args->key);
    return 0;
}

//  Begin the call and pack what the row says is a field: the options
//  given (the key, given or fresh) and the arguments.
static void
s_begin_args (s_args_t *args)
{
    s_begin ();
    for (size_t opt_nbr = 0; opt_nbr < args->opt_count; opt_nbr++) {
        s_opt_t *opt = &args->opts [opt_nbr];
        if (!*opt->field || (!opt->value && opt->kind != 'l' && !streq (opt->name, "key")))
            continue;
        msgpack_packer *pk = wfa_client_field (s_client, opt->field);
        if (streq (opt->name, "key"))
            wfa_mp_pack_str (pk, args->key);
        else
        if (opt->kind == 't')
            msgpack_pack_true (pk);
        else
        if (opt->kind == 'i')
            msgpack_pack_int64 (pk, atoll (opt->value));
        else
        if (opt->kind == 'f')
            msgpack_pack_double (pk, atof (opt->value));
        else
        if (opt->kind == 'l') {
            msgpack_pack_array (pk, zlist_size (opt->values));
            for (char *item = (char *) zlist_first (opt->values); item; item = (char *) zlist_next (opt->values))
                wfa_mp_pack_str (pk, item);
        }
        else
            wfa_mp_pack_str (pk, opt->value);
    }
    const char *name = args->command->arguments;
    for (char *word = (char *) zlist_first (args->words); word && *name; word = (char *) zlist_next (args->words)) {
        size_t len = strcspn (name, " ");
        size_t name_len = strcspn (name, "~?+ ");
        if (!memchr (name, '~', len)) {
            char field [24];
            snprintf (field, sizeof field, "%.*s", (int) (name_len < sizeof field? name_len: sizeof field - 1), name);
            wfa_mp_pack_str (wfa_client_field (s_client, field), word);
        }
        if (!memchr (name, '+', len))
            name += len + (name [len] == ' ');
    }
}

//  The command of most rows: the fields the row declares, its call, its printer.
static int
s_cmd_call (s_args_t *args)
{
    s_begin_args (args);
    return s_call_print (args, args->command->call,
                         args->command->flags & S_VERDICT? S_JUDGE: S_SHOW, args->command->print);
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

// ---------------------------------------------------------------------
//  Requests: submit, decide, show, list, cancel, revoke, delegate

//  Print a request map in a line.
static void
s_print_request_line (const msgpack_object *request, const void *context)
{
    (void) context;
    static const char *keys [] = { "request_id", "state", "nip", "opd", "kind", NULL };
    s_print_fields (request, "", "  ", keys);
    printf ("  ");
    uint32_t count = 0;
    const msgpack_object *dates = s_items (request, "dates", &count);
    for (uint32_t date_nbr = 0; date_nbr < count; date_nbr++) {
        printf (date_nbr? ",": "");
        s_print_value (&dates [date_nbr]);
    }
    printf ("\n");
}

//  Print " (nomor persetujuan N)" when a reply or result has a number.
static void
s_print_number (const msgpack_object *map)
{
    if (wfa_mp_get (map, "approval_number")) {
        printf (" (nomor persetujuan ");
        s_print_field (map, "approval_number");
        printf (")");
    }
}

static int
s_print_submitted (const msgpack_object *reply, s_args_t *args)
{
    printf ("Request ");
    s_print_field (reply, "request_id");
    printf (" %s; it now awaits the atasan's decision\n",
            streq (args->command->words, "resubmit")? "resubmitted": "submitted");
    return 0;
}

//  submit and resubmit: the options as fields, with --dates split at commas
//  and --schedule DATE=HH:MM-HH:MM, once per day of a time kind, as maps
static int
s_cmd_submit (s_args_t *args)
{
    s_begin_args (args);
    const char *dates = s_opt (args, "dates");
    if (dates) {
        int count = 1;
        for (const char *cursor = dates; *cursor; cursor++)
            count += *cursor == ',';
        msgpack_packer *pk = wfa_client_field (s_client, "dates");
        msgpack_pack_array (pk, count);
        for (int date_nbr = 0; date_nbr < count; date_nbr++) {
            size_t len = strcspn (dates, ",");
            wfa_mp_pack_strn (pk, dates, len);
            dates += len + (dates [len] == ',');
        }
    }
    zlist_t *schedule = s_opt_list (args, "schedule");
    if (zlist_size (schedule)) {
        msgpack_packer *pk = wfa_client_field (s_client, "schedule");
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
    return s_call_print (args, args->command->call, S_SHOW, s_print_submitted);
}

//  What APPROVAL.DECIDE records, by the option that says it
static const char *s_attested [][2] = {
    { "tasks-fit", "tasks_fit" }, { "targets-measurable", "targets_measurable" },
    { "service-continues", "service_continues" }, { "capacity-ok", "capacity_ok" }
};

//  Where an entry named key goes: a field of the call (pk NULL), or the
//  next entry of the map pk packs.
static msgpack_packer *
s_entry (msgpack_packer *pk, const char *key)
{
    if (!pk)
        return wfa_client_field (s_client, key);
    wfa_mp_pack_str (pk, key);
    return pk;
}

//  Pack the decision, its note and what it attests: as fields of the call
//  (pk NULL), or as one map that pk packs, with the request_id.
static void
s_pack_decision (msgpack_packer *pk, s_args_t *args, const char *decision, const char *request_id)
{
    const char *note = s_opt (args, "note");
    if (pk) {
        int given = 0;
        for (size_t item_nbr = 0; item_nbr < 4; item_nbr++)
            given += s_opt (args, s_attested [item_nbr][0]) != NULL;
        msgpack_pack_map (pk, (note? 3: 2) + given);
    }
    wfa_mp_pack_str (s_entry (pk, "request_id"), request_id);
    wfa_mp_pack_str (s_entry (pk, "decision"), decision);
    if (note)
        wfa_mp_pack_str (s_entry (pk, "note"), note);
    for (size_t item_nbr = 0; item_nbr < 4; item_nbr++)
        if (s_opt (args, s_attested [item_nbr][0]))
            msgpack_pack_true (s_entry (pk, s_attested [item_nbr][1]));
}

static int
s_print_decided (const msgpack_object *reply, s_args_t *args)
{
    printf ("Request %s is now ", s_word (args, 0));
    s_print_field (reply, "state");
    s_print_number (reply);
    printf ("\n");
    return 0;
}

//  The result of each request of a DECIDE_MANY; 1 if any was refused.
static int
s_print_decided_many (const msgpack_object *reply, s_args_t *args)
{
    int worst = 0;
    uint32_t count = 0;
    const msgpack_object *results = s_items (reply, "results", &count);
    for (uint32_t item_nbr = 0; item_nbr < count; item_nbr++) {
        const msgpack_object *result = &results [item_nbr];
        bool ok = wfa_mp_streq (wfa_mp_get (result, "status"), "ok");
        if (!s_json) {
            printf ("%s  ", s_word (args, item_nbr));
            s_print_field (result, ok? "state": "code");
            if (ok)
                s_print_number (result);
            else {
                printf (": ");
                s_print_field (result, "message");
            }
            printf ("\n");
        }
        if (!ok)
            worst = 1;
    }
    return worst;
}

//  decide: one request by APPROVAL.DECIDE, several by one APPROVAL.DECIDE_MANY
static int
s_cmd_decide (s_args_t *args)
{
    int decisions = (s_opt (args, "approve")? 1: 0) + (s_opt (args, "reject")? 1: 0)
                  + (s_opt (args, "return")? 1: 0);
    if (decisions != 1)
        return s_usage ();
    const char *decision = s_opt (args, "approve")? "approve": s_opt (args, "reject")? "reject": "return";
    s_begin ();
    s_field_str ("key", args->key);
    if (zlist_size (args->words) == 1) {
        s_pack_decision (NULL, args, decision, s_word (args, 0));
        return s_call_print (args, "APPROVAL.DECIDE", S_SHOW, s_print_decided);
    }
    msgpack_packer *pk = wfa_client_field (s_client, "items");
    msgpack_pack_array (pk, zlist_size (args->words));
    for (char *id = (char *) zlist_first (args->words); id; id = (char *) zlist_next (args->words))
        s_pack_decision (pk, args, decision, id);
    return s_call_print (args, "APPROVAL.DECIDE_MANY", S_JUDGE, s_print_decided_many);
}

static int s_print_prefs (const msgpack_object *reply, s_args_t *args);

//  prefs set KIND=on|off...: the email map of PREFS.SET from the words.
static int
s_cmd_prefs_set (s_args_t *args)
{
    for (char *word = (char *) zlist_first (args->words); word; word = (char *) zlist_next (args->words))
        if (!strchr (word, '='))
            return s_usage ();
    s_begin ();
    s_field_str ("key", args->key);
    msgpack_packer *pk = wfa_client_field (s_client, "email");
    msgpack_pack_map (pk, zlist_size (args->words));
    for (char *word = (char *) zlist_first (args->words); word; word = (char *) zlist_next (args->words)) {
        size_t len = strcspn (word, "=");
        wfa_mp_pack_strn (pk, word, len);
        wfa_mp_pack_str (pk, word + len + 1);
    }
    return s_call_print (args, "PREFS.SET", S_SHOW, s_print_prefs);
}

//  Print "before", field key of entry and "after" when it is a string that is not empty.
static void
s_print_given (const msgpack_object *entry, const char *key, const char *before, const char *after)
{
    const msgpack_object *value = wfa_mp_get (entry, key);
    if (value && value->type == MSGPACK_OBJECT_STR && value->via.str.size) {
        printf ("%s", before);
        s_print_value (value);
        printf ("%s", after);
    }
}

//  One entry of a request's history; context is the request_id.
static void
s_print_history (const msgpack_object *entry, const void *context)
{
    printf ("  ");
    s_print_time (wfa_mp_get (entry, "at"), (const msgpack_object *) context);
    printf ("  ");
    s_print_field (entry, "action");
    printf (" by ");
    s_print_field (entry, "actor");
    printf (": ");
    s_print_field (entry, "from");
    printf (" -> ");
    s_print_field (entry, "to");
    s_print_given (entry, "note", "  (", ")");
    printf ("\n");
}

static int
s_print_request (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    const msgpack_object *request = wfa_mp_get (reply, "request");
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
    if (wfa_mp_streq (wfa_mp_get (request, "state"), "pending")) {
        printf ("\n%-13s ", "step_due");
        s_print_time (wfa_mp_get (request, "step_due"), request_id);
    }
    const msgpack_object *held = wfa_mp_get (request, "held");
    if (held && held->type == MSGPACK_OBJECT_STR) {
        printf ("\n%-13s ", "held");
        s_print_value (held);
    }
    printf ("\nhistory:\n");
    s_each (request, "history", s_print_history, request_id);
    return 0;
}

//  Print a "requests" array reply.
static int
s_print_requests (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("%u request(s)\n", s_each (reply, "requests", s_print_request_line, NULL));
    return 0;
}

//  A request waiting for a role nobody holds.
static void
s_print_waiting (const msgpack_object *request, const void *context)
{
    printf ("NO_APPROVER  ");
    s_print_field (request, "step_role");
    printf ("  ");
    s_print_request_line (request, context);
}

//  The approver's list, and for the BKD and admin pemda what waits for a
//  role nobody holds.
static int
s_print_approvals (const msgpack_object *reply, s_args_t *args)
{
    s_print_requests (reply, args);
    uint32_t count = s_each (reply, "no_approver", s_print_waiting, NULL);
    if (wfa_mp_get (reply, "no_approver"))
        printf ("%u request(s) waiting with NO_APPROVER\n", count);
    return 0;
}

//  A notification, in the --lang language.
static void
s_print_notice (const msgpack_object *entry, const void *context)
{
    (void) context;
    s_print_time (wfa_mp_get (entry, "at"), wfa_mp_get (entry, "request_id"));
    printf ("  ");
    s_print_field (entry, streq (s_lang, "en")? "message_en": "message_id");
    printf ("\n");
}

//  Every notice kind and whether it is emailed.
static int
s_print_prefs (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    const msgpack_object *email = wfa_mp_get (reply, "email");
    for (uint32_t entry_nbr = 0; email && email->type == MSGPACK_OBJECT_MAP
         && entry_nbr < email->via.map.size; entry_nbr++) {
        printf ("  ");
        s_print_value (&email->via.map.ptr [entry_nbr].key);
        printf ("  email ");
        s_print_value (&email->via.map.ptr [entry_nbr].val);
        printf ("\n");
    }
    return 0;
}

static int
s_print_inbox (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    s_each (reply, "entries", s_print_notice, NULL);
    printf ("%s: ", streq (s_lang, "en")? "entries": "entri");
    s_print_field (reply, "count");
    printf (", %s: ", streq (s_lang, "en")? "unread": "belum dibaca");
    s_print_field (reply, "unread_count");
    printf ("\n");
    return 0;
}

static int
s_print_metrics (const msgpack_object *reply, s_args_t *args)
{
    const char *opd = s_opt (args, "opd");
    printf ("pemda %s%s%s\n", s_pemda_label (s_opt (args, "pemda")), opd? " opd ": "", opd? opd: "");
    static const char *names [] = { "submitted", "approved", "rejected", "pending",
                                    "no_approver", NULL };
    for (int name_nbr = 0; names [name_nbr]; name_nbr++) {
        printf ("  %-10s ", names [name_nbr]);
        s_print_field (reply, names [name_nbr]);
        printf ("\n");
    }
    const msgpack_object *lead = wfa_mp_get (reply, "lead_time");
    printf ("  lead time  count ");
    s_print_field (lead, "count");
    printf (", p50 ");
    s_print_field (lead, "p50_s");
    printf (" s, p90 ");
    s_print_field (lead, "p90_s");
    printf (" s, max ");
    s_print_field (lead, "max_s");
    printf (" s\n");
    return 0;
}

//  cancel, revoke: the state the request is in now
//  One employee of a list: NIP, OPD, name, and "(inactive)" for one deactivated.
static void
s_print_employee_line (const msgpack_object *employee, const void *context)
{
    (void) context;
    static const char *keys [] = { "nip", "opd", "name", NULL };
    s_print_fields (employee, "", "  ", keys);
    const msgpack_object *active = wfa_mp_get (employee, "active");
    if (active && active->type == MSGPACK_OBJECT_BOOLEAN && !active->via.boolean)
        printf ("  (inactive)");
    printf ("\n");
}

//  The next page's cursor, when there is one: how to ask for it.
static void
s_print_next (const msgpack_object *reply)
{
    const msgpack_object *next = wfa_mp_get (reply, "next_cursor");
    if (next && next->type == MSGPACK_OBJECT_STR && next->via.str.size > 0)
        printf ("more: --cursor %.*s\n", (int) next->via.str.size, next->via.str.ptr);
}

static int
s_print_employees (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("%u employee(s)\n", s_each (reply, "employees", s_print_employee_line, NULL));
    s_print_next (reply);
    return 0;
}

//  One entry of a day's schedule: NIP, OPD, kind, hours, location, request.
static void
s_print_schedule_line (const msgpack_object *entry, const void *context)
{
    (void) context;
    static const char *keys [] = { "nip", "opd", "kind", NULL };
    s_print_fields (entry, "", "  ", keys);
    if (wfa_mp_get (entry, "start")) {
        static const char *hours [] = { "start", "end", NULL };
        s_print_fields (entry, "  ", "-", hours);
    }
    static const char *rest [] = { "location", "request_id", NULL };
    s_print_fields (entry, "  ", "  ", rest);
    printf ("\n");
}

static int
s_print_schedule (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("%u away on ", s_each (reply, "entries", s_print_schedule_line, NULL));
    s_print_field (reply, "date");
    printf ("\n");
    s_print_next (reply);
    return 0;
}

static int
s_print_employee_state (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("Employee ");
    s_print_field (reply, "nip");
    printf (s_true (reply, "active")? " is active\n": " is inactive\n");
    const msgpack_object *cancelled = wfa_mp_get (reply, "cancelled");
    if (cancelled) {
        printf ("  requests cancelled ");
        s_print_value (cancelled);
        printf (", steps reopened ");
        s_print_field (reply, "reopened");
        printf ("\n");
    }
    return 0;
}

static int
s_print_ended (const msgpack_object *reply, s_args_t *args)
{
    printf ("Request %s is now ", s_word (args, 0));
    s_print_field (reply, "state");
    printf ("\n");
    return 0;
}

static int
s_print_delegated (const msgpack_object *reply, s_args_t *args)
{
    (void) reply;
    if (s_opt (args, "withdraw"))
        printf ("Plt/Plh of %s withdrawn\n", s_opt (args, "for"));
    else
        printf ("%s acts for %s from %s until %s (surat %s)\n", s_opt (args, "to"), s_opt (args, "for"),
                s_opt (args, "from"), s_opt (args, "until"), s_opt (args, "order-ref"));
    return 0;
}

// ---------------------------------------------------------------------
//  Personnel, settings, audit, status

//  The problems of a file, as they are found: said on stderr, and kept as
//  JSON objects for --json.
typedef struct {
    int problems;               //  Problems found
    json_t *errors;             //  Problems as JSON objects, for --json
} s_problems_t;

//  One problem of a file: its line, the code and the field at fault.
static void
s_file_problem (s_problems_t *report, int line, wfa_code_t code, const char *field)
{
    char message [256];
    wfa_error_format (code, wfa_lang_parse (s_lang, strlen (s_lang)), field, message, sizeof message);
    json_array_append_new (report->errors, json_pack ("{s:i, s:s, s:o, s:o}", "line", line,
        "code", wfa_error_name (code), "field", wfa_json_string (field, strlen (field)),
        "message", wfa_json_string (message, strlen (message))));
    if (!s_json)
        fprintf (stderr, "line %d: %s: %s\n", line, wfa_error_name (code), message);
    report->problems++;
}

static void
s_import_problem (void *arg, const wfa_employee_t *row, wfa_code_t code, const char *field)
{
    s_file_problem ((s_problems_t *) arg, row->line, code, field);
}

static void
s_calendar_problem (void *arg, int line, wfa_code_t code, const char *field)
{
    s_file_problem ((s_problems_t *) arg, line, code, field);
}

//  The end of checking a file: with problems, say so (as JSON with --json:
//  code and every problem) and return 1; else 0. Drops the JSON.
static int
s_problems_end (s_problems_t *report, const char *code, const char *file_name, const char *what)
{
    if (report->problems && s_json) {
        json_t *json = json_pack ("{s:s, s:s, s:O}", "status", "error", "code", code,
                                  "errors", report->errors);
        wfa_json_print (&json);
    }
    else
    if (report->problems)
        fprintf (stderr, "error: %s: %d problem(s) in %s; %s\n", code, report->problems, file_name, what);
    json_decref (report->errors);
    report->errors = NULL;
    return report->problems? 1: 0;
}

//  Add the figures named in names (NULL-terminated) of a reply to totals.
static void
s_add_figures (const msgpack_object *reply, const char **names, int64_t *totals)
{
    for (int name_nbr = 0; names [name_nbr]; name_nbr++) {
        int64_t value = 0;
        if (wfa_mp_int (wfa_mp_get (reply, names [name_nbr]), &value) == 0)
            totals [name_nbr] += value;
    }
}

static const char *s_import_figures [] = { "created", "updated", NULL };

static int
s_import_counted (const msgpack_object *reply, s_args_t *args)
{
    s_add_figures (reply, s_import_figures, (int64_t *) args->data);
    return 0;
}

//  Check every row of an employees file; 0 when all are good.
static int
s_import_check (zlistx_t *rows, const char *file_name)
{
    s_problems_t report = { 0, json_array () };
    zhash_t *seen = zhash_new ();
    zhash_autofree (seen);
    for (wfa_employee_t *row = (wfa_employee_t *) zlistx_first (rows); row;
         row = (wfa_employee_t *) zlistx_next (rows)) {
        if (wfa_employee_validate (row, s_import_problem, &report))
            continue;
        char line [16];
        snprintf (line, sizeof line, "%d", row->line);
        if (zhash_insert (seen, row->nip, line) != 0) {
            s_import_problem (&report, row, WFA_E_BAD_VALUE, "nip");
            if (!s_json)
                fprintf (stderr, "  (NIP %s already on line %s)\n", row->nip,
                         (char *) zhash_lookup (seen, row->nip));
        }
    }
    zhash_destroy (&seen);
    return s_problems_end (&report, "IMPORT_INVALID", file_name, "nothing was loaded");
}

//  import employees FILE.csv: every row checked first (a file with any bad
//  row loads nothing), then sent in batches
static int
s_cmd_import (s_args_t *args)
{
    const char *file_name = s_word (args, 0);
    zchunk_t *chunk = s_read_file (file_name, 64 * 1024 * 1024);
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
    int rc = s_import_check (rows, file_name);
    int64_t totals [2] = { 0, 0 };
    args->data = totals;
    size_t sent = 0;
    wfa_employee_t *row = (wfa_employee_t *) zlistx_first (rows);
    for (int batch_nbr = 0; row && rc == 0; batch_nbr++) {
        char batch_key [48];
        snprintf (batch_key, sizeof batch_key, "%s-%d", args->key, batch_nbr);
        s_begin ();
        s_field_str ("key", batch_key);
        msgpack_packer *pk = wfa_client_field (s_client, "rows");
        size_t left = zlistx_size (rows) - sent;
        size_t size = left < S_IMPORT_BATCH? left: S_IMPORT_BATCH;
        msgpack_pack_array (pk, size);
        for (size_t batch = 0; row && batch < size; batch++, row = (wfa_employee_t *) zlistx_next (rows)) {
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
        rc = s_call_print (args, "EMPLOYEE.IMPORT", S_TAKE, s_import_counted);
        sent += rc == 0? size: 0;
    }
    zlistx_destroy (&rows);
    if (rc)
        return rc;
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:s, s:I, s:I, s:I}", "status", "ok", "code", "OK",
                                  "imported", (json_int_t) sent, "created", (json_int_t) totals [0],
                                  "updated", (json_int_t) totals [1]);
        wfa_json_print (&json);
    }
    else
        printf ("Imported %zu employees from %s (%" PRId64 " new, %" PRId64 " updated)\n",
                sent, file_name, totals [0], totals [1]);
    return 0;
}

static int
s_print_policy_set (const msgpack_object *reply, s_args_t *args)
{
    printf ("Policy of %s set: version ", s_pemda_label (s_opt (args, "pemda")));
    s_print_field (reply, "version");
    printf ("\n");
    return 0;
}

//  A problem of a policy file, with its line.
static void
s_print_policy_problem (const msgpack_object *error, const void *context)
{
    (void) context;
    int64_t line = 0;
    wfa_mp_int (wfa_mp_get (error, "index"), &line);
    fprintf (stderr, "  line %" PRId64 ": ", line);
    s_put_str (stderr, wfa_mp_get (error, "message"));
    fprintf (stderr, "\n");
}

//  policy set --pemda CODE FILE: the file goes as it is; the service checks
//  it line by line, and every problem is said with its line
static int
s_cmd_policy_set (s_args_t *args)
{
    zchunk_t *chunk = s_read_file (s_word (args, 0), WFA_POLICY_SIZE_MAX + 1);
    if (!chunk)
        return 2;
    s_begin_args (args);
    msgpack_packer *pk = wfa_client_field (s_client, "text");
    msgpack_pack_bin (pk, zchunk_size (chunk));
    msgpack_pack_bin_body (pk, zchunk_data (chunk), zchunk_size (chunk));
    zchunk_destroy (&chunk);
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    int rc = s_call ("POLICY.SET", &reply, true);
    if (rc == 0 && !s_json)
        s_print_policy_set (&reply.data, args);
    if (rc == 1 && !s_json)
        s_each (&reply.data, "errors", s_print_policy_problem, NULL);
    msgpack_unpacked_destroy (&reply);
    return rc;
}

static int
s_print_policy (const msgpack_object *reply, s_args_t *args)
{
    printf ("# policy of %s, version ", s_pemda_label (s_opt (args, "pemda")));
    s_print_field (reply, "version");
    printf ("\n");
    s_print_field (reply, "text");
    return 0;
}

//  Print ", N what" when a reply's count field is above 0.
static void
s_print_count (const msgpack_object *reply, const char *key, const char *before, const char *what)
{
    const msgpack_object *value = wfa_mp_get (reply, key);
    if (value && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER && value->via.u64 > 0)
        printf ("%s%" PRIu64 " %s", before, value->via.u64, what);
}

static int
s_print_calendar_set (const msgpack_object *reply, s_args_t *args)
{
    printf ("Calendar of %s set: ", s_pemda_label (s_opt (args, "pemda")));
    s_print_field (reply, "days");
    printf (" days off");
    s_print_count (reply, "ramadan_days", ", ", "Ramadan days");
    //  Waiting steps count their working hours by the new calendar
    s_print_count (reply, "deadlines_moved", "; ", "waiting deadlines moved");
    printf ("\n");
    return 0;
}

//  calendar set --pemda CODE FILE: checked here line by line first, then
//  sent as its days
static int
s_cmd_calendar_set (s_args_t *args)
{
    const char *file_name = s_word (args, 0);
    zchunk_t *chunk = s_read_file (file_name, 1024 * 1024);
    if (!chunk)
        return 2;
    zchunk_extend (chunk, "", 1);
    wfa_holiday_t *holidays = NULL;
    size_t count = 0;
    s_problems_t report = { 0, json_array () };
    wfa_calendar_parse ((char *) zchunk_data (chunk), &holidays, &count, s_calendar_problem, &report);
    zchunk_destroy (&chunk);
    if (s_problems_end (&report, "BAD_VALUE", file_name, "the calendar in force stays"))
        return 1;
    s_begin_args (args);
    msgpack_packer *pk = wfa_client_field (s_client, "days");
    msgpack_pack_array (pk, count);
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++) {
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "date", holidays [day_nbr].date);
        wfa_mp_pack_kv_str (pk, "kind", holidays [day_nbr].kind);
        wfa_mp_pack_kv_str (pk, "name", holidays [day_nbr].name);
    }
    free (holidays);
    return s_call_print (args, "CALENDAR.SET", S_SHOW, s_print_calendar_set);
}

static void
s_print_day (const msgpack_object *day, const void *context)
{
    (void) context;
    s_print_field (day, "date");
    printf ("  %-12s ", "");
    static const char *keys [] = { "kind", "name", NULL };
    s_print_fields (day, "", "  ", keys);
    printf ("\n");
}

static int
s_print_calendar (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    s_each (reply, "days", s_print_day, NULL);
    return 0;
}

//  audit verify: whether the chain holds; 1 when it does not
static int
s_print_verified (const msgpack_object *reply, s_args_t *args)
{
    bool valid = s_true (reply, "valid");
    const char *pemda = s_pemda_label (s_opt (args, "pemda"));
    if (s_json)
        ;
    else
    if (valid) {
        printf ("audit log of %s is intact: ", pemda);
        s_print_field (reply, "checked");
        printf (" entries (");
        s_print_field (reply, "sealed");
        printf (" sealed, ");
        s_print_field (reply, "unsealed");
        printf (" waiting for their seal), head ");
        s_print_field (reply, "head");
        int64_t anchored = 0;
        if (wfa_mp_int (wfa_mp_get (reply, "anchored"), &anchored) == 0 && anchored > 0) {
            printf ("\nlast anchor: entry %" PRId64 " at ", anchored);
            s_print_time (wfa_mp_get (reply, "anchored_at"), NULL);
        }
        else
            printf ("\nno anchor yet");
        printf ("\n");
    }
    else {
        int64_t seq = 0;
        wfa_mp_int (wfa_mp_get (reply, "broken_at"), &seq);
        fprintf (stderr, "error: AUDIT_BROKEN: audit log of %s ", pemda);
        if (seq > 0)
            fprintf (stderr, "is broken at entry %" PRId64 ": ", seq);
        else
            fprintf (stderr, "cannot be verified: ");
        s_put_str (stderr, wfa_mp_get (reply, "problem"));
        fprintf (stderr, "\n");
    }
    return valid? 0: 1;
}

//  One entry of the audit log.
static void
s_print_audit_entry (const msgpack_object *entry, const void *context)
{
    (void) context;
    printf ("#");
    s_print_field (entry, "seq");
    printf ("  ");
    s_print_time (wfa_mp_get (entry, "at"), wfa_mp_get (entry, "request_id"));
    static const char *keys [] = { "action", "from", NULL };
    s_print_fields (entry, "  ", "  ", keys);
    printf (" -> ");
    s_print_field (entry, "to");
    printf ("  by ");
    s_print_field (entry, "actor");
    printf (" (");
    s_print_field (entry, "role");
    s_print_given (entry, "on_behalf_of", " for ", "");
    printf (")  policy ");
    s_print_field (entry, "policy_version");
    s_print_given (entry, "reason", "  \"", "\"");
    printf ("\n    hash ");
    s_print_field (entry, "hash");
    printf ("\n");
}

static int
s_print_audit (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    s_each (reply, "entries", s_print_audit_entry, NULL);
    return 0;
}

static int
s_print_services (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    const msgpack_object *services = wfa_mp_get (reply, "services");
    for (uint32_t entry_nbr = 0; services && services->type == MSGPACK_OBJECT_MAP
         && entry_nbr < services->via.map.size; entry_nbr++) {
        printf ("%-14s ", "");
        s_print_value (&services->via.map.ptr [entry_nbr].key);
        printf (": ");
        s_print_value (&services->via.map.ptr [entry_nbr].val);
        printf (" instance(s)\n");
    }
    return 0;
}

static int
s_print_no_approver (const msgpack_object *reply, s_args_t *args)
{
    printf ("pemda %s: ", s_pemda_label (s_opt (args, "pemda")));
    s_print_field (reply, "no_approver");
    printf (" request(s) waiting with NO_APPROVER\n");
    return 0;
}

//  status: the live instances of each service; with a pemda (and a reader
//  who may see its figures), the requests waiting for a role nobody holds,
//  for the BKD and admin pemda to fix
static int
s_cmd_status (s_args_t *args)
{
    s_begin ();
    int rc = s_call_print (args, "SYSTEM.PING", S_SHOW, s_print_services);
    if (rc || !s_opt (args, "pemda"))
        return rc;
    s_begin_args (args);
    return s_call_print (args, "METRICS.GET", S_SHOW, s_print_no_approver);
}

// ---------------------------------------------------------------------
//  Monev: check-ins, daily reports, e-kinerja data, figures

static int
s_print_checked (const msgpack_object *reply, s_args_t *args)
{
    bool in = streq (args->command->words, "checkin");
    printf ("%s on ", in? "Checked in": "Checked out");
    s_print_field (reply, "date");
    if (in) {
        static const char *keys [] = { "timing", "where", NULL };
        s_print_fields (reply, ": ", ", ", keys);
        int64_t metres = -1;
        if (wfa_mp_int (wfa_mp_get (reply, "distance_m"), &metres) == 0 && metres >= 0)
            printf (" (%" PRId64 " m)", metres);
        if (s_true (reply, "flagged"))
            printf ("; flagged for review");
    }
    printf ("\n");
    return 0;
}

//  One activity of a daily report.
static void
s_print_activity (const msgpack_object *item, const void *context)
{
    (void) context;
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

//  Print a report map in a few lines.
static void
s_print_report (const msgpack_object *report, const void *context)
{
    (void) context;
    static const char *keys [] = { "nip", "date", "state", NULL };
    s_print_fields (report, "", "  ", keys);
    printf ("%s  quantity ", s_true (report, "late")? " (late)": "");
    s_print_field (report, "quantity");
    printf ("\n");
    s_each (report, "activities", s_print_activity, NULL);
}

//  report submit, report verify: the state the day's report is in now
static int
s_print_report_state (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("Daily report of ");
    s_print_field (reply, "date");
    printf (" is now ");
    s_print_field (reply, "state");
    printf ("%s\n", s_true (reply, "late")? " (after the deadline)": "");
    return 0;
}

static int
s_print_reports (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("%u report(s) await verification\n", s_each (reply, "reports", s_print_report, NULL));
    return 0;
}

static int
s_print_one_report (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    s_print_report (wfa_mp_get (reply, "report"), NULL);
    return 0;
}

//  Pack the parts of text split at sep, as an array of strings.
static void
s_pack_split (msgpack_packer *pk, const char *text, char sep)
{
    int count = 1;
    for (const char *at = text; *at; at++)
        count += *at == sep;
    msgpack_pack_array (pk, count);
    for (const char *part = text; part; ) {
        const char *end = strchr (part, sep);
        wfa_mp_pack_strn (pk, part, end? (size_t) (end - part): strlen (part));
        part = end? end + 1: NULL;
    }
}

//  report submit --activity "ACTIVITY|OUTPUT|QUANTITY|RHK[|EVIDENCE,...]"...
static int
s_cmd_report_submit (s_args_t *args)
{
    s_begin_args (args);
    zlist_t *activities = s_opt_list (args, "activity");
    msgpack_packer *pk = wfa_client_field (s_client, "activities");
    msgpack_pack_array (pk, zlist_size (activities));
    for (char *spec = (char *) zlist_first (activities); spec; spec = (char *) zlist_next (activities)) {
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
            wfa_mp_pack_str (pk, "evidence");
            s_pack_split (pk, parts [4], ',');
        }
        free (copy);
    }
    return s_call_print (args, "REPORT.SUBMIT", S_SHOW, s_print_report_state);
}

//  report verify NIP DATE (--accept|--return)
static int
s_cmd_report_verify (s_args_t *args)
{
    if ((s_opt (args, "accept") != NULL) == (s_opt (args, "return") != NULL))
        return s_usage ();
    s_begin_args (args);
    s_field_str ("decision", s_opt (args, "accept")? "accept": "return");
    return s_call_print (args, "REPORT.VERIFY", S_SHOW, s_print_report_state);
}

//  What a push counts, and where each item of the batch in flight starts.
typedef struct {
    int64_t totals [4];         //  As s_ekinerja_figures names them
    int lines [S_EKINERJA_BATCH];
} s_pushed_t;

static const char *s_ekinerja_figures [] = { "created", "duplicates", "conflicts", "unknown", NULL };

//  A batch pushed: its figures counted; conflicts said, item by item, with
//  the line they came from.
static int
s_ekinerja_counted (const msgpack_object *reply, s_args_t *args)
{
    s_pushed_t *pushed = (s_pushed_t *) args->data;
    s_add_figures (reply, s_ekinerja_figures, pushed->totals);
    uint32_t count = 0;
    const msgpack_object *results = s_items (reply, "results", &count);
    for (uint32_t item_nbr = 0; item_nbr < count && item_nbr < S_EKINERJA_BATCH && !s_json; item_nbr++) {
        const msgpack_object *result = wfa_mp_get (&results [item_nbr], "result");
        if (wfa_mp_streq (result, "created") || wfa_mp_streq (result, "duplicate"))
            continue;
        const msgpack_object *detail = wfa_mp_get (&results [item_nbr], "detail");
        fprintf (stderr, "line %d: ", pushed->lines [item_nbr]);
        if (result && result->type == MSGPACK_OBJECT_STR)
            s_put_str (stderr, result);
        else
            fprintf (stderr, "?");
        if (detail && detail->type == MSGPACK_OBJECT_STR) {
            fprintf (stderr, ": ");
            s_put_str (stderr, detail);
        }
        fprintf (stderr, "\n");
    }
    return 0;
}

//  ekinerja push FILE.csv --source NAME: the records after the header (id,
//  type, nip, period, date, rhk, quantity, predikat), each its own item, by
//  the one CSV reader; a first pass counts them
static int
s_cmd_ekinerja (s_args_t *args)
{
    const char *file_name = s_word (args, 0);
    zchunk_t *chunk = s_read_file (file_name, 64 * 1024 * 1024);
    if (!chunk)
        return 2;
    const char *text = (const char *) zchunk_data (chunk);
    wfa_csv_t *csv = wfa_csv_new (text, zchunk_size (chunk));
    size_t total = 0;
    while (wfa_csv_next (csv))
        total++;
    wfa_csv_destroy (&csv);
    total = total? total - 1: 0;
    csv = wfa_csv_new (text, zchunk_size (chunk));
    wfa_csv_next (csv);         //  The header
    static const char *columns [8] = { "id", "type", "nip", "period", "date", "rhk", "quantity", "predikat" };
    s_pushed_t *pushed = (s_pushed_t *) zmalloc (sizeof (s_pushed_t));
    args->data = pushed;
    size_t sent = 0;
    int rc = 0;
    while (sent < total && rc == 0) {
        size_t size = total - sent < S_EKINERJA_BATCH? total - sent: S_EKINERJA_BATCH;
        s_begin_args (args);
        msgpack_packer *pk = wfa_client_field (s_client, "items");
        msgpack_pack_array (pk, size);
        for (size_t item_nbr = 0; item_nbr < size; item_nbr++) {
            size_t fields = wfa_csv_next (csv);
            pushed->lines [item_nbr] = wfa_csv_line (csv);
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
        rc = s_call_print (args, "EKINERJA.PUSH", S_TAKE, s_ekinerja_counted);
        sent += size;
    }
    wfa_csv_destroy (&csv);
    zchunk_destroy (&chunk);
    int64_t *totals = pushed->totals;
    if (rc == 0 && s_json) {
        json_t *json = json_pack ("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "status", "ok", "code", "OK",
                                  "items", (json_int_t) sent, "created", (json_int_t) totals [0],
                                  "duplicates", (json_int_t) totals [1], "conflicts", (json_int_t) totals [2],
                                  "unknown", (json_int_t) totals [3]);
        wfa_json_print (&json);
    }
    else
    if (rc == 0)
        printf ("Pushed %zu items from %s: %" PRId64 " new, %" PRId64 " duplicates, %" PRId64 " conflicts, %"
                PRId64 " unknown employees or service accounts\n", sent, file_name, totals [0], totals [1],
                totals [2], totals [3]);
    if (rc == 0 && (totals [2] || totals [3]))
        rc = 1;
    free (pushed);
    return rc;
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

//  The figures of a period, in the order of s_monev_columns: a CSV line
//  (with the scope as context), or a block (context NULL).
static void
s_print_period (const msgpack_object *period, const void *context)
{
    static const char *keys [] = { "pemda", "opd", "nip", NULL };
    if (context) {
        s_print_fields ((const msgpack_object *) context, "", ",", keys);
        printf (",");
    }
    else
        printf ("period ");
    s_print_field (period, "period");
    printf (context? "": "\n");
    for (int column_nbr = 0; s_monev_columns [column_nbr][0]; column_nbr++) {
        char value [32];
        s_figure (period, s_monev_columns [column_nbr][0], s_monev_columns [column_nbr][1], value, sizeof value);
        if (context)
            printf (",%s", streq (value, "-")? "": value);
        else
            printf ("  %-24s %s\n", s_monev_columns [column_nbr][2], value);
    }
    printf (context? "\n": "");
}

//  export: a CSV line per period (with --json too: its output is the CSV)
static int
s_print_export (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("pemda,opd,nip,period");
    for (int column_nbr = 0; s_monev_columns [column_nbr][0]; column_nbr++)
        printf (",%s", s_monev_columns [column_nbr][2]);
    printf ("\n");
    s_each (reply, "periods", s_print_period, wfa_mp_get (reply, "scope"));
    return 0;
}

//  monev: a block per period, and the before/after comparison of art. 35
static int
s_print_monev (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    const msgpack_object *scope_pemda = wfa_mp_get (wfa_mp_get (reply, "scope"), "pemda");
    if (scope_pemda && scope_pemda->type == MSGPACK_OBJECT_STR && scope_pemda->via.str.size) {
        printf ("pemda ");
        s_print_pemda (scope_pemda);
        printf ("\n");
    }
    s_each (reply, "periods", s_print_period, NULL);
    //  Not for the nation
    const msgpack_object *before_after = wfa_mp_get (reply, "before_after");
    if (before_after && before_after->type == MSGPACK_OBJECT_MAP) {
        char compared [32], percent [32];
        s_figure (reply, "before_after", "rhk_compared", compared, sizeof compared);
        s_figure (reply, "before_after", "after_vs_before_pct", percent, sizeof percent);
        const msgpack_object *first_day = wfa_mp_get (before_after, "first_flexible_day");
        printf ("  %-24s ", "first_flexible_day");
        if (first_day && first_day->type == MSGPACK_OBJECT_STR)
            s_print_value (first_day);
        else
            printf ("-");
        printf ("\n  %-24s %s\n  %-24s %s\n", "rhks_compared_before", compared,
                "after_vs_before_pct", percent);
    }
    return 0;
}

//  monev, export: by total (monev) or by day (export) unless --by says
static int
s_cmd_monev (s_args_t *args)
{
    bool export = streq (args->command->words, "export");
    s_begin_args (args);
    if (!s_opt (args, "by"))
        s_field_str ("by", export? "day": "total");
    return s_call_print (args, "MONEV.GET", export? S_TAKE: S_SHOW, args->command->print);
}

//  Run argv (a NULL-terminated program and its arguments) and wait; its
//  exit status, or -1 when it could not run.
static int
s_run (char *const argv [])
{
    pid_t pid = fork ();
    if (pid == 0) {
        int null = open ("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2 (null, STDOUT_FILENO);
            dup2 (null, STDERR_FILENO);
        }
        execv (argv [0], argv);
        _exit (127);
    }
    int status = 0;
    if (pid < 0 || waitpid (pid, &status, 0) != pid)
        return -1;
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

//  The PDF of an HTML page, printed by headless Chromium (WFA_CHROMIUM,
//  else /usr/bin/chromium) into output. 0, or 1 said on stderr.
static int
s_print_pdf (zchunk_t *html, const char *output)
{
    const char *chromium = getenv ("WFA_CHROMIUM") && *getenv ("WFA_CHROMIUM")? getenv ("WFA_CHROMIUM")
                                                                            : "/usr/bin/chromium";
    if (access (chromium, X_OK) != 0) {
        fprintf (stderr, "wfactl: a PDF is printed by Chromium, and %s is not there "
                         "(apt-get install chromium, or set WFA_CHROMIUM)\n", chromium);
        return 1;
    }
    char folder [] = "/tmp/wfactl-pdf-XXXXXX";
    if (!mkdtemp (folder)) {
        fprintf (stderr, "wfactl: no temporary folder: %s\n", strerror (errno));
        return 1;
    }
    char page [PATH_MAX], url [PATH_MAX + 8], profile [PATH_MAX + 16], print_to [PATH_MAX + 16];
    snprintf (page, sizeof page, "%s/report.html", folder);
    snprintf (url, sizeof url, "file://%s", page);
    snprintf (profile, sizeof profile, "--user-data-dir=%s/profile", folder);
    snprintf (print_to, sizeof print_to, "--print-to-pdf=%s", output);
    int rc = 1;
    FILE *file = fopen (page, "wb");
    if (file && fwrite (zchunk_data (html), 1, zchunk_size (html), file) == zchunk_size (html)) {
        fclose (file);
        file = NULL;
        unlink (output);
        char *const argv [] = { (char *) chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                "--no-pdf-header-footer", profile, print_to, url, NULL };
        struct stat info;
        if (s_run (argv) == 0 && stat (output, &info) == 0 && info.st_size > 0)
            rc = 0;
        else
            fprintf (stderr, "wfactl: %s did not print %s\n", chromium, output);
    }
    else
        fprintf (stderr, "wfactl: cannot write %s\n", page);
    if (file)
        fclose (file);
    char *const remove [] = { "/bin/rm", "-rf", folder, NULL };
    s_run (remove);
    return rc;
}

//  report: the reply rendered as the document --format says, into --output
static int
s_print_report_file (const msgpack_object *reply, s_args_t *args)
{
    const char *format = s_opt (args, "format"), *output = s_opt (args, "output");
    wfa_lang_t lang = wfa_lang_parse (s_lang, strlen (s_lang));
    bool pdf = streq (format, "pdf");
    int kind = pdf? WFA_REPORT_HTML: wfa_report_format (format);
    zchunk_t *document = kind == WFA_REPORT_XLSX? wfa_report_xlsx (reply, lang)
                       : kind >= 0? wfa_report_render (reply, (wfa_report_format_t) kind, lang): NULL;
    if (!document) {
        fprintf (stderr, "wfactl: cannot render the report as %s\n", format);
        return 1;
    }
    int rc = 0;
    if (pdf)
        rc = s_print_pdf (document, output);
    else {
        FILE *file = fopen (output, "wb");
        if (!file || fwrite (zchunk_data (document), 1, zchunk_size (document), file) != zchunk_size (document)) {
            fprintf (stderr, "wfactl: cannot write %s: %s\n", output, strerror (errno));
            rc = 1;
        }
        if (file && fclose (file) != 0)
            rc = 1;
    }
    zchunk_destroy (&document);
    if (rc == 0 && !s_json)
        printf ("%s\n", output);
    return rc;
}

//  report PEMDA PERIOD: MONEV.REPORT, as a document
static int
s_cmd_report (s_args_t *args)
{
    const char *format = s_opt (args, "format");
    if (!streq (format, "pdf") && wfa_report_format (format) < 0) {
        fprintf (stderr, "wfactl: --format is html, csv, xlsx or pdf\n");
        return s_usage ();
    }
    s_begin_args (args);
    return s_call_print (args, "MONEV.REPORT", S_TAKE, s_print_report_file);
}

//  metrics rebuild: 0 when the recomputed figures equal the kept ones
static int
s_print_rebuilt (const msgpack_object *reply, s_args_t *args)
{
    bool same = s_true (reply, "equal");
    if (s_json)
        return same? 0: 1;
    printf ("Figures of %s rebuilt from ", s_pemda_label (s_opt (args, "pemda")));
    s_print_field (reply, "records");
    printf (" raw records over ");
    s_print_field (reply, "days");
    printf (" days and ");
    s_print_field (reply, "months");
    printf (" months: %s", same? "equal to the kept figures": "DIFFERENT from the kept figures (");
    if (!same) {
        s_print_field (reply, "differences");
        printf (" differences)");
    }
    bool in_force = s_true (reply, "applied");
    printf ("%s%s\n", s_true (reply, "moved")? "; figures were written meanwhile, run it again to be sure": "",
            s_opt (args, "apply")? (in_force? "; the rebuilt figures are now in force":
                                    "; nothing was put in force"): "");
    s_each (reply, "examples", s_print_line, "  ");
    return same? 0: 1;
}

// ---------------------------------------------------------------------
//  Keys

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
s_cmd_keys_init (s_args_t *args)
{
    const char *dir = s_word (args, 0)? s_word (args, 0): wfa_config_get (WFA_CFG_KEYS);
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
s_cmd_keys_new (s_args_t *args)
{
    const char *file = s_word (args, 0);
    char public_key [41];
    if (access (file, F_OK) == 0) {
        fprintf (stderr, "wfactl: %s exists; a new key goes to a new file\n", file);
        return 1;
    }
    if (wfa_keys_new (file, public_key)) {
        fprintf (stderr, "wfactl: cannot write %s: %s\n", file, strerror (errno));
        return 1;
    }
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:o, s:s}", "status", "ok",
                                  "secret_key", wfa_json_string (file, strlen (file)),
                                  "public_key", public_key);
        wfa_json_print (&json);
    }
    else
        printf ("%s\nYour secret key is %s (keep it; sign in with --identity %s).\n"
                "Give the public key above to your admin pemda or the operator:\n"
                "  wfactl keys issue --nip NIP --public '%s'\n", public_key, file, file, public_key);
    return 0;
}

//  keys list: the principals the broker admits.
static int
s_cmd_keys_list (s_args_t *args)
{
    (void) args;
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
    }
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:O, s:I}", "status", "ok", "keys", keys,
                                  "count", (json_int_t) json_array_size (keys));
        wfa_json_print (&json);
    }
    json_decref (keys);
    zlist_destroy (&lines);
    zlist_destroy (&files);
    zdir_destroy (&dir);
    return 0;
}

//  How keys issue|revoke goes, key by key.
typedef struct {
    bool issue;                 //  issue, else revoke
    bool if_missing;            //  --if-missing: leave whoever has a key as they are
    bool quiet;                 //  Many keys: one line at the end
    bool skipped;               //  The last one had a key already
    const char *public;         //  --public KEY: its holder made the pair
} s_keys_t;

//  Issue or revoke one key, once the service said the one signed in may.
static int
s_key_change (s_args_t *args, const char *text)
{
    s_keys_t *keys_run = (s_keys_t *) args->data;
    wfa_principal_t principal;
    if (wfa_principal_parse (text, &principal)) {
        fprintf (stderr, "wfactl: not a principal: %s (a NIP of 18 digits; an integrator name "
                 "of a-z, 0-9, - and _; a pemda code on the list)\n", text);
        return 2;
    }
    s_begin ();
    s_field_str ("principal", text);
    s_field_str ("action", keys_run->issue? "issue": "revoke");
    int rc = s_call_print (args, "KEYS.ALLOW", S_TAKE, NULL);
    if (rc)
        return rc;
    const char *keys = wfa_config_get (WFA_CFG_KEYS);
    char why [PATH_MAX + 256] = "";
    char public [PATH_MAX];
    wfa_keys_path (keys, &principal, false, public, sizeof public);
    keys_run->skipped = keys_run->issue && keys_run->if_missing && access (public, F_OK) == 0;
    if (keys_run->skipped)
        return 0;
    if (keys_run->issue && keys_run->public)
        rc = wfa_keys_issue_public (keys, &principal, keys_run->public, why, sizeof why)? 1: 0;
    else
    if (keys_run->issue)
        rc = wfa_keys_issue (keys, &principal, why, sizeof why)? 1: 0;
    else {
        rc = wfa_keys_revoke (keys, &principal)? 1: 0;
        if (rc)
            snprintf (why, sizeof why, "%s has no key in %s/trusted", text, keys);
    }
    const char *said = keys_run->issue? why: "true";
    if (rc)
        fprintf (stderr, "error: %s\n", why);
    else
    if (keys_run->quiet)
        ;
    else
    if (s_json) {
        json_t *json = json_pack ("{s:s, s:o, s:o}", "status", "ok",
                                  "principal", wfa_json_string (text, strlen (text)),
                                  keys_run->issue? "secret_key": "revoked", wfa_json_string (said, strlen (said)));
        wfa_json_print (&json);
    }
    else
    if (keys_run->issue && keys_run->public)
        printf ("issued %s: the broker admits its holder's key from now on\n", text);
    else
    if (keys_run->issue)
        printf ("issued %s: its secret key is %s (give it to its holder only)\n", text, why);
    else
        printf ("revoked %s: the broker refuses it from now on\n", text);
    return rc;
}

//  keys issue|revoke: the service says whether the one signed in may
//  (the operator; an admin pemda for its own people and integrators),
//  then the key folder changes here. One key per --nip (repeatable), or
//  one Kemendagri reader or integrator.
static int
s_cmd_keys (s_args_t *args)
{
    zlist_t *texts = zlist_new ();
    zlist_autofree (texts);
    char text [WFA_PRINCIPAL_MAX];
    zlist_t *nips = s_opt_list (args, "nip");
    for (const char *nip = (const char *) zlist_first (nips); nip; nip = (const char *) zlist_next (nips)) {
        snprintf (text, sizeof text, "employee:%s", nip);
        zlist_append (texts, text);
    }
    if (s_opt (args, "kemendagri")) {
        snprintf (text, sizeof text, "kemendagri:%s", s_opt (args, "kemendagri"));
        zlist_append (texts, text);
    }
    if (s_opt (args, "integrator") && s_opt (args, "pemda")) {
        snprintf (text, sizeof text, "integrator:%s:%s", s_opt (args, "pemda"), s_opt (args, "integrator"));
        zlist_append (texts, text);
    }
    s_keys_t keys_run = { streq (args->command->words, "keys issue"), s_opt (args, "if-missing") != NULL,
                          zlist_size (texts) > 1, false, s_opt (args, "public") };
    args->data = &keys_run;
    bool usable = zlist_size (texts) > 0 && (!keys_run.public || (keys_run.issue && zlist_size (texts) == 1));
    int rc = usable? 0: s_usage ();
    int changed = 0;
    for (const char *each = (const char *) zlist_first (texts); each && rc == 0;
         each = (const char *) zlist_next (texts)) {
        rc = s_key_change (args, each);
        changed += rc == 0 && !keys_run.skipped;
    }
    if (keys_run.quiet && rc == 0 && !s_json)
        printf ("%s %d key(s) in %s (people/NIP.key, kemendagri/NIP.key), %zu already there\n",
                keys_run.issue? "Issued": "Revoked", changed,
                wfa_config_get (WFA_CFG_KEYS), zlist_size (texts) - (size_t) changed);
    zlist_destroy (&texts);
    return rc;
}

// ---------------------------------------------------------------------
//  The HTTP gateway's credentials: API tokens and identity providers

//  A time in ms as the pemda's local date and time, "never" for 0.
static void
s_print_ms (const msgpack_object *value, const char *pemda, const char *zero)
{
    int64_t ms = 0;
    if (wfa_mp_int (value, &ms) || ms <= 0) {
        printf ("%s", zero);
        return;
    }
    int tz = wfa_pemda_tz (pemda);
    int64_t in_day = ((ms + (int64_t) tz * 60000) % 86400000 + 86400000) % 86400000;
    char date [11];
    wfa_date_format (wfa_date_of_ms (ms, tz), date);
    printf ("%s %02d:%02d %s", date, (int) (in_day / 3600000), (int) (in_day / 60000 % 60), wfa_tz_name (tz));
}

//  token create: the token on a line of its own, said this once
static int
s_print_token_created (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    const msgpack_object *token = wfa_mp_get (reply, "token");
    char pemda [16] = "";
    const msgpack_object *code = wfa_mp_get (reply, "pemda");
    if (code && code->type == MSGPACK_OBJECT_STR && code->via.str.size < sizeof pemda)
        snprintf (pemda, sizeof pemda, "%.*s", (int) code->via.str.size, code->via.str.ptr);
    if (token && token->type == MSGPACK_OBJECT_STR && token->via.str.size) {
        s_print_value (token);
        printf ("\n");
    }
    printf ("Token ");
    s_print_field (reply, "token_id");
    printf (" of integrator:%s:", pemda);
    s_print_field (reply, "name");
    printf (", expires ");
    s_print_ms (wfa_mp_get (reply, "expires_at"), pemda, "never");
    if (token && token->type == MSGPACK_OBJECT_STR && token->via.str.size)
        printf ("\nShown this once: keep it as a secret; only its hash is stored\n");
    else
        printf ("\nMade before with this --key; its secret is not shown again (revoke it and make another)\n");
    return 0;
}

//  The last line of a list: how many, and the cursor for more if any.
static void
s_print_listed (const msgpack_object *reply, uint32_t count, const char *what)
{
    printf ("%u %s", count, what);
    const msgpack_object *next = wfa_mp_get (reply, "next_cursor");
    if (next && next->type == MSGPACK_OBJECT_STR && next->via.str.size) {
        printf (", more with --cursor ");
        s_print_value (next);
    }
    printf ("\n");
}

//  A token of token list, a line.
static void
s_print_token_line (const msgpack_object *item, const void *context)
{
    const char *pemda = (const char *) context;
    s_print_field (item, "token_id");
    printf ("  ");
    s_print_field (item, "name");
    printf ("  ");
    s_print_field (item, "role");
    printf ("  created ");
    s_print_ms (wfa_mp_get (item, "created_at"), pemda, "-");
    printf (" by ");
    s_print_field (item, "created_by");
    printf ("  expires ");
    s_print_ms (wfa_mp_get (item, "expires_at"), pemda, "never");
    int64_t revoked = 0;
    if (wfa_mp_int (wfa_mp_get (item, "revoked_at"), &revoked) == 0 && revoked > 0) {
        printf ("  REVOKED ");
        s_print_ms (wfa_mp_get (item, "revoked_at"), pemda, "-");
    }
    printf ("\n");
}

static int
s_print_tokens (const msgpack_object *reply, s_args_t *args)
{
    const char *pemda = s_opt (args, "pemda");
    uint32_t count = s_each (reply, "tokens", s_print_token_line, pemda? pemda: "");
    s_print_listed (reply, count, "token(s)");
    return 0;
}

static int
s_print_token_revoked (const msgpack_object *reply, s_args_t *args)
{
    printf ("Token %s of %s revoked at ", s_word (args, 0), s_opt (args, "pemda"));
    s_print_ms (wfa_mp_get (reply, "revoked_at"), s_opt (args, "pemda"), "-");
    printf ("\n");
    return 0;
}

//  webhook add: the endpoint's id and its secret, said this once
static int
s_print_webhook_added (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    printf ("Webhook ");
    s_print_field (reply, "webhook_id");
    const msgpack_object *secret = wfa_mp_get (reply, "secret");
    if (secret && secret->type == MSGPACK_OBJECT_STR && secret->via.str.size) {
        printf (" added; its signing secret (shown this once; keep it as a secret):\n");
        s_print_value (secret);
        printf ("\n");
    }
    else
        printf (" added before with this --key; its secret is not shown again\n");
    return 0;
}

//  An endpoint of webhook list, a line.
static void
s_print_webhook_line (const msgpack_object *item, const void *context)
{
    (void) context;
    s_print_field (item, "webhook_id");
    printf ("  ");
    s_print_field (item, "state");
    printf ("  ");
    s_print_field (item, "url");
    printf ("  types ");
    const msgpack_object *types = wfa_mp_get (item, "types");
    if (types && types->type == MSGPACK_OBJECT_ARRAY && types->via.array.size)
        for (uint32_t type_nbr = 0; type_nbr < types->via.array.size; type_nbr++) {
            printf (type_nbr? ",": "");
            s_print_value (&types->via.array.ptr [type_nbr]);
        }
    else
        printf ("all");
    printf ("  owner ");
    s_print_field (item, "owner");
    printf ("  failures ");
    s_print_field (item, "failures");
    printf ("  dead ");
    s_print_field (item, "dead");
    printf ("\n");
}

static int
s_print_webhooks (const msgpack_object *reply, s_args_t *args)
{
    (void) args;
    uint32_t count = s_each (reply, "webhooks", s_print_webhook_line, "");
    s_print_listed (reply, count, "webhook endpoint(s)");
    return 0;
}

//  webhook remove / replay / resume: what was done
static int
s_print_webhook_done (const msgpack_object *reply, s_args_t *args)
{
    printf ("Webhook %s: done", s_word (args, 0));
    const msgpack_object *queued = wfa_mp_get (reply, "queued");
    if (queued) {
        printf (", ");
        s_print_value (queued);
        printf (" delivery(ies) queued");
    }
    printf ("\n");
    return 0;
}

//  idp set: the JWKS file goes as it is (bin); the service checks it
static int
s_cmd_idp_set (s_args_t *args)
{
    const char *file = s_opt (args, "jwks");
    if (!file == !s_opt (args, "jwks-uri")) {
        fprintf (stderr, "wfactl: idp set needs --jwks FILE or --jwks-uri URL\n");
        return 2;
    }
    zchunk_t *chunk = file? s_read_file (file, 64 * 1024 + 1): NULL;
    if (file && !chunk)
        return 2;
    s_begin_args (args);
    if (chunk) {
        msgpack_packer *pk = wfa_client_field (s_client, "jwks");
        msgpack_pack_bin (pk, zchunk_size (chunk));
        msgpack_pack_bin_body (pk, zchunk_data (chunk), zchunk_size (chunk));
        zchunk_destroy (&chunk);
    }
    return s_call_print (args, "IDP.SET", S_SHOW, args->command->print);
}

static int
s_print_idp_set (const msgpack_object *reply, s_args_t *args)
{
    printf ("Identity provider of %s set: ", s_pemda_label (s_opt (args, "pemda")));
    s_print_field (reply, "issuer");
    printf ("\n");
    return 0;
}

static int
s_print_idp (const msgpack_object *reply, s_args_t *args)
{
    const char *pemda = s_opt (args, "pemda");
    printf ("# identity provider of %s\n", s_pemda_label (pemda));
    static const char *keys [] = { "issuer", "audience", "nip_claim", "jwks_uri", NULL };
    for (int key_nbr = 0; keys [key_nbr]; key_nbr++) {
        printf ("%s: ", keys [key_nbr]);
        s_print_field (reply, keys [key_nbr]);
        printf ("\n");
    }
    printf ("updated: ");
    s_print_ms (wfa_mp_get (reply, "updated_at"), pemda, "-");
    printf (" by ");
    s_print_field (reply, "updated_by");
    printf ("\njwks: ");
    const msgpack_object *jwks = wfa_mp_get (reply, "jwks");
    if (jwks && jwks->type == MSGPACK_OBJECT_STR && jwks->via.str.size)
        s_print_value (jwks);
    else
        printf ("-");
    printf ("\n");
    return 0;
}

// ---------------------------------------------------------------------
//  The commands, their help, and main

static int s_cmd_help (s_args_t *args);

//  Every command: wfactl help prints this table, main dispatches by it.
static const s_command_t s_commands [] = {
    { "help", "", "this text: every command, its arguments and what it does",
      "", "", s_cmd_help, NULL, NULL, S_OFFLINE },
    { "keys init", "[DIR]",
      "make what is missing of a key folder: the broker's, services', operator's, gateway's and audit keys",
      "", "dir~?", s_cmd_keys_init, NULL, NULL, S_OFFLINE },
    { "keys new", "FILE", "a key pair made by its holder; prints the public key for keys issue --public",
      "", "file~", s_cmd_keys_new, NULL, NULL, S_OFFLINE },
    { "keys list", "", "the principals the broker admits",
      "", "", s_cmd_keys_list, NULL, NULL, S_OFFLINE },
    { "keys issue", "--nip NIP... | --kemendagri NIP | --integrator NAME --pemda CODE\n"
      "[--if-missing] [--public KEY]",
      "issue keys, by the operator or --as an admin_pemda of that pemda (--public: the key a holder made)",
      "nip* kemendagri integrator pemda if-missing! public", "", s_cmd_keys, "KEYS.ALLOW", NULL, S_OPERATOR },
    { "keys revoke", "--nip NIP... | --kemendagri NIP | --integrator NAME --pemda CODE",
      "revoke keys: the broker refuses them from now on",
      "nip* kemendagri integrator pemda if-missing! public", "", s_cmd_keys, "KEYS.ALLOW", NULL, S_OPERATOR },
    { "token create", "--pemda CODE --role integrator --name NAME [--expires DAYS] [--key KEY]",
      "an API token for the HTTP gateway (by the operator, or --as an admin_pemda); printed this once",
      "pemda^ role^ name^ expires#>expires_days key", "", s_cmd_call, "TOKEN.CREATE",
      s_print_token_created, S_OPERATOR },
    { "token list", "[--pemda CODE] [--limit N] [--cursor C]",
      "the pemda's API tokens (an admin_pemda's own pemda by default), never their secrets",
      "pemda limit# cursor", "", s_cmd_call, "TOKEN.LIST", s_print_tokens, S_OPERATOR },
    { "token revoke", "ID --pemda CODE [--key KEY]", "an API token stops working, at once",
      "pemda^ key", "token_id", s_cmd_call, "TOKEN.REVOKE", s_print_token_revoked, S_OPERATOR },
    { "webhook add", "--pemda CODE --url URL [--type TYPE...] [--key KEY]",
      "a webhook endpoint for the pemda's events (--type: TYPE or PREFIX.*); secret shown once",
      "pemda url^ type*>types key", "", s_cmd_call, "WEBHOOK.ADD", s_print_webhook_added, S_OPERATOR },
    { "webhook list", "[--pemda CODE] [--limit N] [--cursor C]",
      "the pemda's webhook endpoints: state (active|paused), failures in a row, dead letters",
      "pemda limit# cursor", "", s_cmd_call, "WEBHOOK.LIST", s_print_webhooks, S_OPERATOR },
    { "webhook remove", "ID --pemda CODE [--key KEY]", "a webhook endpoint is removed",
      "pemda key", "webhook_id", s_cmd_call, "WEBHOOK.REMOVE", s_print_webhook_done, S_OPERATOR },
    { "webhook replay", "ID --pemda CODE [--event EVENT_ID | --from MS --to MS] [--key KEY]",
      "send again one event's delivery, or the endpoint's dead letters (between --from and --to)",
      "pemda event>event_id from# to# key", "webhook_id", s_cmd_call, "WEBHOOK.REPLAY", s_print_webhook_done,
      S_OPERATOR },
    { "webhook resume", "ID --pemda CODE [--key KEY]",
      "a paused webhook endpoint is sent to again (its held deliveries queued)",
      "pemda key", "webhook_id", s_cmd_call, "WEBHOOK.RESUME", s_print_webhook_done, S_OPERATOR },
    { "idp set", "--pemda CODE --issuer URL --audience AUD [--nip-claim C]\n"
      "(--jwks FILE | --jwks-uri URL) [--key KEY]",
      "the pemda's OpenID Connect provider, whose access tokens sign its people in to the gateway",
      "pemda^ issuer^ audience^ nip-claim jwks~ jwks-uri key", "", s_cmd_idp_set, "IDP.SET",
      s_print_idp_set, S_OPERATOR },
    { "idp get", "--pemda CODE", "the pemda's identity provider",
      "pemda^", "", s_cmd_call, "IDP.GET", s_print_idp, S_OPERATOR },
    { "import employees", "FILE.csv",
      "load personnel data (as an admin_pemda/integrator, or the operator); a bad row loads nothing",
      "", "file~", s_cmd_import, "EMPLOYEE.IMPORT", NULL, S_OPERATOR },
    { "employees", "--as NIP [--pemda CODE] [--opd CODE] [--inactive] [--limit N] [--cursor C]",
      "the employees of a pemda or OPD, in NIP order (--inactive: the deactivated too)",
      "pemda opd inactive!>include_inactive limit# cursor", "", s_cmd_call, "EMPLOYEE.LIST",
      s_print_employees, 0 },
    { "employee deactivate", "NIP --reason pindah|mutasi|pensiun|berhenti|meninggal|cuti_luar_tanggungan\n"
      "[--from YYYY-MM-DD] [--note TEXT] [--key KEY]",
      "an employee leaves, history kept (as BKD/admin_pemda/integrator, or the operator)",
      "reason^ from note key", "nip", s_cmd_call, "EMPLOYEE.DEACTIVATE", s_print_employee_state, S_OPERATOR },
    { "employee reactivate", "NIP [--note TEXT] [--key KEY]", "a deactivated employee is active again",
      "note key", "nip", s_cmd_call, "EMPLOYEE.REACTIVATE", s_print_employee_state, S_OPERATOR },
    { "schedule", "--as NIP --date YYYY-MM-DD [--pemda CODE] [--opd CODE] [--limit N] [--cursor C]",
      "who works where on a date: the approved flexible work of a pemda or OPD",
      "date^ pemda opd limit# cursor", "", s_cmd_call, "SCHEDULE.GET", s_print_schedule, 0 },
    { "submit", "--as NIP --kind rumah|kantor_lain|lokasi_lain|sif|dinamis --dates YYYY-MM-DD[,...]\n"
      "--location TEXT --reason TEXT [--plan TEXT]... [--key KEY]\n"
      "[--time-kind sif|dinamis] [--schedule YYYY-MM-DD=HH:MM-HH:MM]...",
      "ask for flexible work on some dates (a time kind: one --schedule per date)",
      "kind dates~ location reason plan* key schedule*~ time-kind", "", s_cmd_submit, "REQUEST.SUBMIT", NULL, 0 },
    { "resubmit", "REQUEST_ID --as NIP (the options of submit)", "submit a returned request again",
      "kind dates~ location reason plan* key schedule*~ time-kind", "request_id",
      s_cmd_submit, "REQUEST.RESUBMIT", NULL, 0 },
    { "decide", "REQUEST_ID... --as NIP (--approve|--reject|--return) [--note TEXT] [--key KEY]\n"
      "[--tasks-fit --targets-measurable]     (the atasan's assessment, to approve)\n"
      "[--service-continues --capacity-ok]    (the kepala OPD's proposal, to approve)",
      "decide the step a request waits at; several requests at once, a result each",
      "approve!~ reject!~ return!~ note~ key tasks-fit!~ targets-measurable!~ service-continues!~ capacity-ok!~",
      "request_id+", s_cmd_decide, "APPROVAL.DECIDE", NULL, 0 },
    { "cancel", "REQUEST_ID --as NIP [--from YYYY-MM-DD] [--reason TEXT] [--key KEY]",
      "the employee withdraws a request, or its days from a date on",
      "from reason key", "request_id", s_cmd_call, "REQUEST.CANCEL", s_print_ended, 0 },
    { "revoke", "REQUEST_ID --as NIP --from YYYY-MM-DD --reason TEXT [--key KEY]",
      "end an approved request from a date on",
      "from reason key", "request_id", s_cmd_call, "REQUEST.REVOKE", s_print_ended, 0 },
    { "delegate", "--as NIP --for NIP (--to NIP --from YYYY-MM-DD --until YYYY-MM-DD --order-ref TEXT\n"
      "[--reason TEXT] | --withdraw)",
      "a kepala OPD or BKD appoints a Plt/Plh for an approver, or withdraws one",
      "for>approver to from until order-ref reason withdraw! key", "",
      s_cmd_call, "APPROVAL.DELEGATE", s_print_delegated, 0 },
    { "show", "REQUEST_ID --as NIP", "a request: its state, steps, records and history",
      "", "request_id", s_cmd_call, "REQUEST.GET", s_print_request, 0 },
    { "list", "--as NIP [--pemda CODE] [--opd CODE] [--nip NIP] [--state STATE] [--limit N]",
      "the requests the reader may see", "pemda opd nip state limit#", "",
      s_cmd_call, "REQUEST.LIST", s_print_requests, 0 },
    { "inbox", "--as NIP [--unread] [--limit N]", "the person's notifications (only the unread ones)",
      "unread! limit#", "", s_cmd_call, "INBOX.LIST", s_print_inbox, 0 },
    { "prefs", "--as NIP", "which notice kinds are emailed to the person",
      "", "", s_cmd_call, "PREFS.GET", s_print_prefs, 0 },
    { "prefs set", "KIND=on|off... --as NIP [--key KEY]",
      "turn email of notice kinds on or off (a decision on your own request, a suspension: always on)",
      "key", "setting~+", s_cmd_prefs_set, "PREFS.SET", s_print_prefs, 0 },
    { "approvals", "--as NIP [--limit N]",
      "what waits for the person's decision (BKD, admin pemda: and for a role nobody holds)",
      "limit#", "", s_cmd_call, "APPROVAL.LIST", s_print_approvals, 0 },
    { "metrics", "--as NIP --pemda CODE [--opd CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]",
      "the request figures of a pemda or OPD: counts and lead time",
      "pemda opd from to", "", s_cmd_call, "METRICS.GET", s_print_metrics, 0 },
    { "metrics rebuild", "--pemda CODE --as NIP [--apply]",
      "recompute the monev figures from the raw records and compare (exit 1 if they differ)",
      "pemda^ apply!", "", s_cmd_call, "MONEV.REBUILD", s_print_rebuilt, S_VERDICT },
    { "audit", "REQUEST_ID --as NIP", "a request's entries in the audit log",
      "", "request_id", s_cmd_call, "AUDIT.REQUEST", s_print_audit, 0 },
    { "audit verify", "--pemda CODE --as NIP",
      "check the pemda's audit chain, seals and anchor (exit 1 if broken)",
      "pemda^", "", s_cmd_call, "AUDIT.VERIFY", s_print_verified, S_VERDICT },
    { "policy set", "--pemda CODE FILE --as NIP [--key KEY]",
      "set the pemda's policy (format: docs/rules.md, deploy/policy.example.ini)",
      "pemda^ key", "file~", s_cmd_policy_set, "POLICY.SET", NULL, 0 },
    { "policy show", "--pemda CODE --as NIP", "the pemda's policy in force, as text",
      "pemda^", "", s_cmd_call, "POLICY.GET", s_print_policy, 0 },
    { "calendar set", "--pemda CODE FILE --as NIP [--key KEY]",
      "set the pemda's days off and Ramadan (CSV: YYYY-MM-DD,nasional|cuti_bersama|lokal|ramadan,NAME)",
      "pemda^ key", "file~", s_cmd_calendar_set, "CALENDAR.SET", NULL, 0 },
    { "calendar show", "--pemda CODE --as NIP", "the pemda's calendar in force",
      "pemda^", "", s_cmd_call, "CALENDAR.GET", s_print_calendar, 0 },
    { "checkin", "--as NIP [--lat DEG --lon DEG] [--key KEY]",
      "check in on a flexible day (judged against the geofence)",
      "lat% lon% key", "", s_cmd_call, "CHECKIN.IN", s_print_checked, 0 },
    { "checkout", "--as NIP [--lat DEG --lon DEG] [--key KEY]", "check out at the end of the day",
      "lat% lon% key", "", s_cmd_call, "CHECKIN.OUT", s_print_checked, 0 },
    { "report submit", "--as NIP [--date YYYY-MM-DD] --activity 'ACTIVITY|OUTPUT|QUANTITY|RHK[|EVIDENCE,...]'...",
      "write the daily report (LKH) of a flexible day",
      "date activity*^~ key", "", s_cmd_report_submit, "REPORT.SUBMIT", NULL, 0 },
    { "report verify", "NIP YYYY-MM-DD --as NIP (--accept|--return --note TEXT)",
      "the atasan accepts or returns a daily report",
      "accept!~ return!~ note key", "nip date", s_cmd_report_verify, "REPORT.VERIFY", NULL, 0 },
    { "report list", "--as NIP [--limit N]", "the daily reports that await the reader's verification",
      "limit#", "", s_cmd_call, "REPORT.LIST", s_print_reports, 0 },
    { "report show", "NIP YYYY-MM-DD --as NIP", "one daily report",
      "", "nip date", s_cmd_call, "REPORT.GET", s_print_one_report, 0 },
    { "ekinerja push", "FILE.csv --source NAME --as NIP  (id,type,nip,period,date,rhk,quantity,predikat)",
      "an integrator pushes e-kinerja targets, logs and ratings; a conflict is said with its line",
      "source^", "file~", s_cmd_ekinerja, "EKINERJA.PUSH", NULL, 0 },
    { "report", "PEMDA PERIOD [--opd CODE] --format html|csv|xlsx|pdf --output FILE --as NIP",
      "the monev report of a month (YYYY-MM) or a year (YYYY) as a document (docs/monev.md; pdf needs chromium)",
      "opd format^~ output^~", "pemda period", s_cmd_report, "MONEV.REPORT", NULL, 0 },
    { "monev", "[--pemda CODE] [--opd CODE] [--nip NIP] --from DATE --to DATE [--by total|day|week|month] --as NIP",
      "the monev figures of an employee, OPD, pemda or the nation (docs/monev.md)",
      "pemda opd nip from^ to^ by", "", s_cmd_monev, "MONEV.GET", s_print_monev, 0 },
    { "export", "[--pemda CODE] [--opd CODE] [--nip NIP] --from DATE --to DATE [--by total|day|week|month] --as NIP",
      "the same figures as CSV, a line a period (by day unless --by says)",
      "pemda opd nip from^ to^ by", "", s_cmd_monev, "MONEV.GET", s_print_export, 0 },
    { "status", "[--pemda CODE --as NIP]",
      "the live instances of each service; with a pemda, the requests waiting with NO_APPROVER",
      "pemda", "", s_cmd_status, "SYSTEM.PING", NULL, 0 },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

//  The help: the table, a command and its synopsis a line, what it does below.
static void
s_help (FILE *stream)
{
    fprintf (stream,
        "usage: wfactl [--endpoint E] [--json] [--lang id|en] [--as NIP | --identity FILE] COMMAND ...\n"
        "  (--as NIP signs in with WFA_KEYS/people/NIP.key; --identity FILE with that certificate;\n"
        "   neither: the operator's key)\n");
    for (const s_command_t *command = s_commands; command->words; command++) {
        fprintf (stream, "  %s%s", command->words, *command->synopsis? " ": "");
        for (const char *at = command->synopsis; *at; at++)
            fprintf (stream, *at == '\n'? "\n      ": "%c", *at);
        fprintf (stream, "\n      %s\n", command->about);
    }
    fprintf (stream, "Options also come from WFA_ENDPOINT, WFA_TIMEOUT_MS, WFA_RETRIES, WFA_AS, WFA_KEYS.\n");
}

static int
s_cmd_help (s_args_t *args)
{
    (void) args;
    s_help (stdout);
    return 0;
}

//  A usage error: the help on stderr, exit status 2.
static int
s_usage (void)
{
    s_help (stderr);
    return 2;
}

//  The row whose words start argv, the longest such; *used says how many.
static const s_command_t *
s_command_find (int argc, char **argv, int *used)
{
    const s_command_t *found = NULL;
    *used = 0;
    for (const s_command_t *command = s_commands; command->words; command++) {
        int words = 0;
        const char *at = command->words;
        while (*at && words < argc) {
            size_t len = strcspn (at, " ");
            if (strlen (argv [words]) != len || strncmp (argv [words], at, len) != 0)
                break;
            words++;
            at += len + (at [len] == ' ');
        }
        if (*at == 0 && words > *used) {
            found = command;
            *used = words;
        }
    }
    return found;
}

//  Take the options that hold for every command (--json, --lang, --as,
//  --identity) wherever they stand; before the command, anything else that
//  starts with -- is a usage error (--help: the help). Returns the new argc,
//  or -1 (usage), -2 (help).
static int
s_global_options (int argc, char **argv)
{
    int kept = 1;
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        const char *arg = argv [arg_nbr];
        bool value = arg_nbr + 1 < argc;
        if (streq (arg, "--json"))
            s_json = true;
        else
        if (streq (arg, "--lang") && value) {
            s_lang = argv [++arg_nbr];
            if (!streq (s_lang, "id") && !streq (s_lang, "en"))
                return -1;
        }
        else
        if (streq (arg, "--as") && value) {
            s_as = argv [++arg_nbr];
            s_as_given = true;
        }
        else
        if (streq (arg, "--identity") && value)
            s_key = argv [++arg_nbr];
        else
        if (kept == 1 && streq (arg, "--help"))
            return -2;
        else
        if (kept == 1 && strncmp (arg, "--", 2) == 0)
            return -1;
        else
            argv [kept++] = argv [arg_nbr];
    }
    return kept;
}

int
main (int argc, char *argv [])
{
    argc = wfa_config_load (argc, argv);
    s_as = getenv ("WFA_AS") && *getenv ("WFA_AS")? getenv ("WFA_AS"): NULL;
    argc = s_global_options (argc, argv);
    if (argc == -2) {
        s_help (stdout);
        return 0;
    }
    int used = 0;
    const s_command_t *command = argc > 1? s_command_find (argc - 1, argv + 1, &used): NULL;
    s_args_t args;
    if (!command || s_args_parse (command, argc - 1 - used, argv + 1 + used, &args)) {
        if (command)
            s_args_destroy (&args);
        return s_usage ();
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    int rc = 0;
    //  An import or a key change without --as is the operator's (a new
    //  pemda's first one, transfers between pemda), whoever WFA_AS names; so
    //  is a call signed in with --identity (an integrator's key acts as no person)
    if (((command->flags & S_OPERATOR) || s_key) && !s_as_given)
        s_as = NULL;
    //  Sign in: the person's key, the one given, or the operator's
    char secret [PATH_MAX], why [PATH_MAX + 64];
    if (!(command->flags & S_OFFLINE)) {
        if (s_secret_path (secret, sizeof secret))
            rc = 2;
        else {
            s_client = wfa_client_new (wfa_config_get (WFA_CFG_ENDPOINT), secret,
                                       (int) wfa_config_int (WFA_CFG_TIMEOUT_MS),
                                       (int) wfa_config_int (WFA_CFG_RETRIES), why, sizeof why);
            if (!s_client) {
                fprintf (stderr, "wfactl: cannot sign in: %s\n", why);
                rc = 2;
            }
        }
    }
    if (rc == 0)
        rc = command->handler (&args);
    s_args_destroy (&args);
    wfa_client_destroy (&s_client);
    zsys_shutdown ();
    return rc;
}
