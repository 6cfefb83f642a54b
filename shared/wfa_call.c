/*  wfa_call.c - decoding a call, reading its fields, encoding its reply.

    Every getter is total: whatever arrives, it returns a usable value or
    NULL and records why. Handlers read all their fields first, then check
    wfa_call_failed once, so one reply names every problem. */
#include "wfa.h"

typedef struct {
    wfa_code_t code;            //  Stable code
    char *field;                //  Field name, or NULL
    char *message;              //  Human sentence in the call's language
    int index;                  //  Row in a batch, or -1
} s_problem_t;

struct _wfa_call_t {
    char command [WFA_COMMAND_MAX + 1];
    msgpack_unpacked unpacked;  //  Owns the decoded body
    const msgpack_object *body; //  The body map, or NULL
    const msgpack_object *id;   //  Correlation id to echo, or NULL
    msgpack_unpacked peeked;    //  Owns an id read from a body that did not decode
    wfa_lang_t lang;            //  Language of messages
    zlistx_t *problems;         //  s_problem_t items, in order found
    wfa_code_t summary;         //  Top-level code if set by the handler
    char *summary_detail;       //  Its detail
    zlist_t *strings;           //  Copies handed out by getters
    zlistx_t *lists;            //  Lists handed out by getters
    msgpack_sbuffer data;       //  Reply data fields, packed
    msgpack_packer packer;      //  Packs into data
    uint32_t data_count;        //  Number of data fields
    wfa_principal_t principal;  //  Who the broker authenticated
    const char *actor;          //  The NIP it acts as, once asked
    bool actor_asked;           //  wfa_call_actor ran (its error is recorded once)
    bool gateway_as;            //  An integrator named by the gateway's "as"
    char fingerprint [17];      //  Of the body, once asked ("" before)
};

static void
s_problem_destroy (void **item_p)
{
    s_problem_t *problem = (s_problem_t *) *item_p;
    if (problem) {
        free (problem->field);
        free (problem->message);
        free (problem);
        *item_p = NULL;
    }
}

static void
s_list_destroy (void **item_p)
{
    zlist_destroy ((zlist_t **) item_p);
}

//  True for an id to echo: an int, or a str of 1-64 bytes of UTF-8 with
//  no control characters.
static bool
s_id_valid (const msgpack_object *id)
{
    if (id->type == MSGPACK_OBJECT_POSITIVE_INTEGER || id->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return true;
    if (id->type != MSGPACK_OBJECT_STR || id->via.str.size < 1 || id->via.str.size > 64
    ||  !wfa_utf8_valid (id->via.str.ptr, id->via.str.size))
        return false;
    for (uint32_t byte_nbr = 0; byte_nbr < id->via.str.size; byte_nbr++) {
        unsigned char letter = (unsigned char) id->via.str.ptr [byte_nbr];
        if (letter < 0x20 || letter == 0x7f)
            return false;
    }
    return true;
}

//  True for a lang the messages are in: "id" or "en" (any case).
static bool
s_lang_valid (const msgpack_object *lang)
{
    return lang->type == MSGPACK_OBJECT_STR && lang->via.str.size == 2
        && (strncasecmp (lang->via.str.ptr, "id", 2) == 0 || strncasecmp (lang->via.str.ptr, "en", 2) == 0);
}

//  Read id and lang from the leading entries of a body that does not
//  decode (wfa_mp_peek): the reply echoes a valid id, in the language asked.
static void
s_peek (wfa_call_t *self, const void *body, size_t size)
{
    size_t offset = 0, len = 0, used = 0;
    if (wfa_mp_peek (body, size, "lang", &offset, &len) == 0) {
        msgpack_unpacked lang;
        msgpack_unpacked_init (&lang);
        if (msgpack_unpack_next (&lang, (const char *) body + offset, len, &used) == MSGPACK_UNPACK_SUCCESS
        &&  s_lang_valid (&lang.data))
            self->lang = wfa_lang_parse (lang.data.via.str.ptr, lang.data.via.str.size);
        msgpack_unpacked_destroy (&lang);
    }
    used = 0;
    if (wfa_mp_peek (body, size, "id", &offset, &len) == 0
    &&  msgpack_unpack_next (&self->peeked, (const char *) body + offset, len, &used) == MSGPACK_UNPACK_SUCCESS
    &&  s_id_valid (&self->peeked.data))
        self->id = &self->peeked.data;
}

//  Decode a call from a command and a body.
wfa_call_t *
wfa_call_new (const char *command, const void *body, size_t size)
{
    wfa_call_t *self = (wfa_call_t *) zmalloc (sizeof (wfa_call_t));
    assert (self);
    //  A command is 1-64 printable ASCII characters; anything else is not
    //  echoed into messages (they must stay valid UTF-8)
    bool command_ok = command && *command && strlen (command) <= WFA_COMMAND_MAX;
    for (const char *letter = command; command_ok && *letter; letter++)
        command_ok = isgraph ((unsigned char) *letter);
    snprintf (self->command, sizeof self->command, "%s", command_ok? command: "");
    self->problems = zlistx_new ();
    zlistx_set_destructor (self->problems, s_problem_destroy);
    self->strings = zlist_new ();
    zlist_autofree (self->strings);
    self->lists = zlistx_new ();
    zlistx_set_destructor (self->lists, s_list_destroy);
    wfa_mp_writer_init (&self->data, &self->packer);
    msgpack_unpacked_init (&self->unpacked);
    msgpack_unpacked_init (&self->peeked);

    char detail [128] = "";
    wfa_code_t rc = wfa_mp_check_detail (body, size, &wfa_mp_protocol_limits, detail, sizeof detail);
    size_t offset = 0;
    if (rc == WFA_OK
    && (msgpack_unpack_next (&self->unpacked, (const char *) body, size, &offset) != MSGPACK_UNPACK_SUCCESS
    ||  offset != size || self->unpacked.data.type != MSGPACK_OBJECT_MAP))
        rc = WFA_E_BAD_MSGPACK;
    if (rc != WFA_OK) {
        //  The id and lang, when the body's leading entries give them cheaply
        s_peek (self, body, size);
        wfa_call_error (self, rc, NULL, rc == WFA_E_TOO_LARGE && *detail? detail: NULL, -1);
        return self;
    }
    self->body = &self->unpacked.data;
    const msgpack_object *lang = wfa_mp_get (self->body, "lang");
    if (lang && lang->type == MSGPACK_OBJECT_STR)
        self->lang = wfa_lang_parse (lang->via.str.ptr, lang->via.str.size);
    const msgpack_object *id = wfa_mp_get (self->body, "id");
    if (id && s_id_valid (id))
        self->id = id;
    else
    if (id)
        wfa_call_error (self, WFA_E_BAD_ID, "id", NULL, -1);
    if (lang && !s_lang_valid (lang))
        wfa_call_error (self, lang->type == MSGPACK_OBJECT_STR? WFA_E_BAD_VALUE: WFA_E_WRONG_TYPE,
                        "lang", "lang: id | en", -1);
    int64_t version = 0;
    if (wfa_mp_int (wfa_mp_get (self->body, "v"), &version) || version != 1)
        wfa_call_error (self, WFA_E_BAD_VERSION, "v", NULL, -1);
    if (!command_ok)
        wfa_call_error (self, WFA_E_BAD_FRAME, NULL, "frame 0", -1);
    return self;
}

//  Destroy a call.
void
wfa_call_destroy (wfa_call_t **self_p)
{
    assert (self_p);
    wfa_call_t *self = *self_p;
    if (self) {
        zlistx_destroy (&self->problems);
        zlist_destroy (&self->strings);
        zlistx_destroy (&self->lists);
        free (self->summary_detail);
        msgpack_sbuffer_destroy (&self->data);
        msgpack_unpacked_destroy (&self->unpacked);
        msgpack_unpacked_destroy (&self->peeked);
        free (self);
        *self_p = NULL;
    }
}

const char *
wfa_call_command (wfa_call_t *self)
{
    return self->command;
}

const msgpack_object *
wfa_call_body (wfa_call_t *self)
{
    return self->body;
}

wfa_lang_t
wfa_call_lang (wfa_call_t *self)
{
    return self->lang;
}

bool
wfa_call_failed (wfa_call_t *self)
{
    return zlistx_size (self->problems) > 0 || self->summary != WFA_OK;
}

//  Code of the reply: the handler's summary, else the first problem.
wfa_code_t
wfa_call_code (wfa_call_t *self)
{
    if (self->summary != WFA_OK)
        return self->summary;
    s_problem_t *first = (s_problem_t *) zlistx_first (self->problems);
    return first? first->code: WFA_OK;
}

//  Record one problem.
void
wfa_call_error (wfa_call_t *self, wfa_code_t code, const char *field,
                const char *detail, int index)
{
    s_problem_t *problem = (s_problem_t *) zmalloc (sizeof (s_problem_t));
    assert (problem);
    char message [768];
    wfa_error_format (code, self->lang, detail? detail: field, message, sizeof message);
    problem->code = code;
    problem->field = field? strdup (field): NULL;
    problem->message = strdup (message);
    problem->index = index;
    zlistx_add_end (self->problems, problem);
}

//  True when the len bytes at name are one of the space-separated words.
static bool
s_word_in (const char *words, const char *name, size_t len)
{
    const char *cursor = words;
    while (cursor && *cursor) {
        size_t word = strcspn (cursor, " ");
        if (word == len && memcmp (cursor, name, len) == 0)
            return true;
        cursor += word;
        cursor += strspn (cursor, " ");
    }
    return false;
}

//  Check the keys of map against the accepted words (and the common ones
//  when common): record BAD_FIELD for each unknown or repeated one.
static int
s_check_keys (wfa_call_t *self, const msgpack_object *map, const char *common,
              const char *fields, const char *where, int index)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return 0;
    int rc = 0;
    for (uint32_t key_nbr = 0; key_nbr < map->via.map.size; key_nbr++) {
        const msgpack_object *key = &map->via.map.ptr [key_nbr].key;
        char detail [160];
        const char *prefix = where? where: "", *dot = where? ".": "";
        bool printable = key->type == MSGPACK_OBJECT_STR && key->via.str.size > 0
                      && key->via.str.size <= 64
                      && wfa_utf8_valid (key->via.str.ptr, key->via.str.size);
        for (uint32_t byte_nbr = 0; printable && byte_nbr < key->via.str.size; byte_nbr++) {
            unsigned char letter = (unsigned char) key->via.str.ptr [byte_nbr];
            printable = letter >= 0x20 && letter != 0x7f;
        }
        if (!printable) {
            snprintf (detail, sizeof detail, "%s%s#%u (%s)", prefix, dot, key_nbr + 1,
                      key->type == MSGPACK_OBJECT_STR? "not 1-64 printable UTF-8 bytes": "not a str");
            wfa_call_error (self, WFA_E_BAD_FIELD, NULL, detail, index);
            rc = -1;
            continue;
        }
        const char *name = key->via.str.ptr;
        size_t len = key->via.str.size;
        char field [65];
        snprintf (field, sizeof field, "%.*s", (int) len, name);
        bool repeated = false;
        for (uint32_t other_nbr = 0; other_nbr < key_nbr && !repeated; other_nbr++) {
            const msgpack_object *other = &map->via.map.ptr [other_nbr].key;
            repeated = other->type == MSGPACK_OBJECT_STR && other->via.str.size == len
                    && memcmp (other->via.str.ptr, name, len) == 0;
        }
        if (repeated) {
            snprintf (detail, sizeof detail, "%s%s%s (twice)", prefix, dot, field);
            wfa_call_error (self, WFA_E_BAD_FIELD, field, detail, index);
            rc = -1;
        }
        else
        if (!(common && s_word_in (common, name, len)) && !s_word_in (fields, name, len)) {
            snprintf (detail, sizeof detail, "%s%s%s", prefix, dot, field);
            wfa_call_error (self, WFA_E_BAD_FIELD, field, detail, index);
            rc = -1;
        }
    }
    return rc;
}

//  Refuse the body's fields that the command does not accept.
int
wfa_call_check_fields (wfa_call_t *self, const char *fields)
{
    return s_check_keys (self, self->body, WFA_CALL_COMMON_FIELDS, fields, NULL, -1);
}

//  Refuse a nested map's fields that the command does not accept.
int
wfa_call_check_map (wfa_call_t *self, const msgpack_object *map, const char *fields,
                    const char *where, int index)
{
    return s_check_keys (self, map, NULL, fields, where, index);
}

//  Compare two map entries by their keys' bytes (qsort).
static int
s_entry_compare (const void *left, const void *right)
{
    const msgpack_object *one = &((const msgpack_object_kv *) left)->key;
    const msgpack_object *two = &((const msgpack_object_kv *) right)->key;
    if (one->type != MSGPACK_OBJECT_STR || two->type != MSGPACK_OBJECT_STR)
        return (int) one->type - (int) two->type;
    size_t common = one->via.str.size < two->via.str.size? one->via.str.size: two->via.str.size;
    int rc = memcmp (one->via.str.ptr, two->via.str.ptr, common);
    if (rc)
        return rc;
    return one->via.str.size < two->via.str.size? -1: one->via.str.size > two->via.str.size;
}

//  Pack value canonically: maps with sorted keys; at the top level
//  without the fields that do not make the call what it is.
static void
s_pack_canonical (msgpack_packer *pk, const msgpack_object *value, bool top)
{
    if (value->type == MSGPACK_OBJECT_ARRAY) {
        msgpack_pack_array (pk, value->via.array.size);
        for (uint32_t item_nbr = 0; item_nbr < value->via.array.size; item_nbr++)
            s_pack_canonical (pk, &value->via.array.ptr [item_nbr], false);
        return;
    }
    if (value->type != MSGPACK_OBJECT_MAP) {
        msgpack_pack_object (pk, *value);
        return;
    }
    uint32_t size = value->via.map.size, kept = 0;
    msgpack_object_kv *entries = (msgpack_object_kv *) calloc (size + 1, sizeof (msgpack_object_kv));
    assert (entries);
    for (uint32_t entry_nbr = 0; entry_nbr < size; entry_nbr++) {
        const msgpack_object_kv *entry = &value->via.map.ptr [entry_nbr];
        bool ignored = top && (entry->val.type == MSGPACK_OBJECT_NIL
                    || (entry->key.type == MSGPACK_OBJECT_STR
                    &&  s_word_in ("v id lang key as", entry->key.via.str.ptr, entry->key.via.str.size)));
        if (!ignored)
            entries [kept++] = *entry;
    }
    qsort (entries, kept, sizeof (msgpack_object_kv), s_entry_compare);
    msgpack_pack_map (pk, kept);
    for (uint32_t entry_nbr = 0; entry_nbr < kept; entry_nbr++) {
        s_pack_canonical (pk, &entries [entry_nbr].key, false);
        s_pack_canonical (pk, &entries [entry_nbr].val, false);
    }
    free (entries);
}

//  The fingerprint of the call's body.
const char *
wfa_call_fingerprint (wfa_call_t *self)
{
    if (*self->fingerprint || !self->body)
        return self->fingerprint;
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_init (&buffer, &pk);
    s_pack_canonical (&pk, self->body, true);
    uint8_t digest [SHA256_DIGEST_LENGTH];
    SHA256 ((const uint8_t *) buffer.data, buffer.size, digest);
    msgpack_sbuffer_destroy (&buffer);
    for (int byte_nbr = 0; byte_nbr < 8; byte_nbr++)
        snprintf (self->fingerprint + 2 * byte_nbr, 3, "%02x", digest [byte_nbr]);
    return self->fingerprint;
}

//  Forget every recorded error (the handler found a better answer).
void
wfa_call_clear (wfa_call_t *self)
{
    zlistx_purge (self->problems);
    self->summary = WFA_OK;
}

//  Set the top-level code of an error reply (e.g. IMPORT_INVALID over the
//  row problems).
void
wfa_call_summary (wfa_call_t *self, wfa_code_t code, const char *detail)
{
    self->summary = code;
    free (self->summary_detail);
    self->summary_detail = detail? strdup (detail): NULL;
}

//  Look up field; record MISSING_FIELD if required and absent.
static const msgpack_object *
s_field (wfa_call_t *self, const char *field, bool required)
{
    const msgpack_object *value = self->body? wfa_mp_get (self->body, field): NULL;
    if (value && value->type == MSGPACK_OBJECT_NIL)
        value = NULL;
    if (!value && required && self->body)
        wfa_call_error (self, WFA_E_MISSING_FIELD, field, NULL, -1);
    return value;
}

//  The size of a str (bytes) or array (items) value of field: -1 after
//  recording WRONG_TYPE when it is not of type, TOO_LARGE when over max, or
//  MISSING_FIELD when it is empty and may not be.
static int64_t
s_size (wfa_call_t *self, const msgpack_object *value, msgpack_object_type type,
        const char *field, size_t max, bool allow_empty)
{
    if (value->type != type) {
        wfa_call_error (self, WFA_E_WRONG_TYPE, field, NULL, -1);
        return -1;
    }
    bool is_str = type == MSGPACK_OBJECT_STR;
    size_t size = is_str? value->via.str.size: value->via.array.size;
    if (size > max) {
        char detail [128];
        snprintf (detail, sizeof detail, "%s: %zu > %zu %s", field, size, max, is_str? "bytes": "items");
        wfa_call_error (self, WFA_E_TOO_LARGE, field, detail, -1);
        return -1;
    }
    if (!allow_empty && size == 0) {
        wfa_call_error (self, WFA_E_MISSING_FIELD, field, NULL, -1);
        return -1;
    }
    return (int64_t) size;
}

//  Validate a str object against max_len and copy it.
static char *
s_copy_str (wfa_call_t *self, const msgpack_object *value, const char *field,
            size_t max_len, bool required)
{
    if (s_size (self, value, MSGPACK_OBJECT_STR, field, max_len, !required) < 0)
        return NULL;
    if (memchr (value->via.str.ptr, 0, value->via.str.size)
    || !wfa_utf8_valid (value->via.str.ptr, value->via.str.size)) {
        wfa_call_error (self, WFA_E_BAD_VALUE, field, NULL, -1);
        return NULL;
    }
    //  The list keeps its own copy (autofree); hand that one out
    char *copy = wfa_mp_strdup (value);
    zlist_append (self->strings, copy);
    free (copy);
    return (char *) zlist_last (self->strings);
}

//  String field, copied and owned by the call.
const char *
wfa_call_str (wfa_call_t *self, const char *field, size_t max_len, bool required)
{
    const msgpack_object *value = s_field (self, field, required);
    return value? s_copy_str (self, value, field, max_len, required): NULL;
}

//  Optional int field in [min, max].
int64_t
wfa_call_int (wfa_call_t *self, const char *field, int64_t min, int64_t max, int64_t dflt)
{
    const msgpack_object *value = s_field (self, field, false);
    if (!value)
        return dflt;
    int64_t number = 0;
    if (wfa_mp_int (value, &number)) {
        wfa_call_error (self, WFA_E_WRONG_TYPE, field, NULL, -1);
        return dflt;
    }
    if (number < min || number > max) {
        char detail [128];
        snprintf (detail, sizeof detail, "%s %" PRId64 "..%" PRId64, field, min, max);
        wfa_call_error (self, WFA_E_BAD_VALUE, field, detail, -1);
        return dflt;
    }
    return number;
}

//  Optional bool field.
bool
wfa_call_bool (wfa_call_t *self, const char *field, bool dflt)
{
    const msgpack_object *value = s_field (self, field, false);
    if (!value)
        return dflt;
    if (value->type != MSGPACK_OBJECT_BOOLEAN) {
        wfa_call_error (self, WFA_E_WRONG_TYPE, field, NULL, -1);
        return dflt;
    }
    return value->via.boolean;
}

//  Array field.
const msgpack_object *
wfa_call_array (wfa_call_t *self, const char *field, size_t max_items, bool required,
                bool allow_empty)
{
    const msgpack_object *value = s_field (self, field, required);
    if (!value || s_size (self, value, MSGPACK_OBJECT_ARRAY, field, max_items, allow_empty) < 0)
        return NULL;
    return value;
}

//  Array-of-str field.
zlist_t *
wfa_call_strs (wfa_call_t *self, const char *field, size_t max_items,
               size_t max_len, bool required)
{
    zlist_t *list = zlist_new ();
    zlistx_add_end (self->lists, list);
    zlist_autofree (list);
    const msgpack_object *value = wfa_call_array (self, field, max_items, required, !required);
    if (!value)
        return list;
    for (uint32_t item_nbr = 0; item_nbr < value->via.array.size; item_nbr++) {
        char *item = s_copy_str (self, &value->via.array.ptr [item_nbr], field, max_len, true);
        if (!item)
            break;
        zlist_append (list, item);
    }
    return list;
}

void
wfa_call_set_principal (wfa_call_t *self, const wfa_principal_t *principal)
{
    self->principal = *principal;
    self->actor_asked = false;
    self->actor = NULL;
    self->gateway_as = false;
    //  The gateway acting for an integrator account it authenticated (an API
    //  token): the call is that integrator principal's, as if it came with
    //  the account's own key
    const msgpack_object *as = self->body? wfa_mp_get (self->body, "as"): NULL;
    if (principal->kind == WFA_PRINCIPAL_GATEWAY && as && as->type == MSGPACK_OBJECT_STR
    &&  as->via.str.size < WFA_PRINCIPAL_MAX && as->via.str.size > 11
    &&  memcmp (as->via.str.ptr, "integrator:", 11) == 0) {
        char text [WFA_PRINCIPAL_MAX];
        wfa_principal_t integrator;
        snprintf (text, sizeof text, "%.*s", (int) as->via.str.size, as->via.str.ptr);
        if (wfa_principal_parse (text, &integrator) == 0) {
            self->principal = integrator;
            self->gateway_as = true;
        }
    }
}

const wfa_principal_t *
wfa_call_principal (wfa_call_t *self)
{
    return &self->principal;
}

bool
wfa_call_national (wfa_call_t *self)
{
    return self->principal.kind == WFA_PRINCIPAL_KEMENDAGRI;
}

const char *
wfa_call_actor (wfa_call_t *self)
{
    if (self->actor_asked)
        return self->actor;
    self->actor_asked = true;
    wfa_principal_kind_t kind = self->principal.kind;
    if (kind == WFA_PRINCIPAL_GATEWAY)
        //  The gateway authenticated the person it acts for
        self->actor = wfa_call_nip (self, "as", true);
    else
    if (kind == WFA_PRINCIPAL_EMPLOYEE || kind == WFA_PRINCIPAL_KEMENDAGRI)
        //  Anyone else acts as themselves; "as" may only repeat who they are
        self->actor = wfa_call_check_as (self) == 0? self->principal.nip: NULL;
    else
    if (kind == WFA_PRINCIPAL_NONE)
        wfa_call_error (self, WFA_E_UNAUTHENTICATED, "as", NULL, -1);
    else {
        char principal [WFA_PRINCIPAL_MAX], detail [WFA_PRINCIPAL_MAX + 64];
        wfa_principal_format (&self->principal, principal, sizeof principal);
        wfa_text_format (WFA_T_DETAIL_NO_EMPLOYEE, wfa_call_lang (self), detail, sizeof detail, principal);
        wfa_call_error (self, WFA_E_FORBIDDEN, "as", detail, -1);
    }
    return self->actor;
}

int
wfa_call_check_as (wfa_call_t *self)
{
    const msgpack_object *as = s_field (self, "as", false);
    wfa_principal_kind_t kind = self->principal.kind;
    if (!as || kind == WFA_PRINCIPAL_GATEWAY || kind == WFA_PRINCIPAL_NONE || self->gateway_as)
        return 0;
    bool own = (kind == WFA_PRINCIPAL_EMPLOYEE || kind == WFA_PRINCIPAL_KEMENDAGRI)
            && as->type == MSGPACK_OBJECT_STR && as->via.str.size == strlen (self->principal.nip)
            && memcmp (as->via.str.ptr, self->principal.nip, as->via.str.size) == 0;
    if (own)
        return 0;
    wfa_call_error (self, WFA_E_FORBIDDEN, "as", wfa_text (WFA_T_DETAIL_ONLY_GATEWAY, wfa_call_lang (self)), -1);
    self->actor_asked = true;       //  Said once: the actor stays unknown
    return -1;
}

const char *
wfa_call_writer (wfa_call_t *self)
{
    if (self->principal.kind == WFA_PRINCIPAL_KEMENDAGRI) {
        //  Whatever its NIP holds in a pemda: that takes the person's own key
        if (!wfa_call_failed (self))
            wfa_call_error (self, WFA_E_FORBIDDEN, "as", "kemendagri: read-only", -1);
        self->actor_asked = true;
        self->actor = NULL;
        return NULL;
    }
    return wfa_call_actor (self);
}

//  Parse a date field's value into *day, or record BAD_DATE.
int
wfa_call_check_date (wfa_call_t *self, const char *field, const char *text, int *day)
{
    if (!text || wfa_date_parse (text, day) == 0)
        return 0;
    wfa_call_error (self, WFA_E_BAD_DATE, field, text, -1);
    return -1;
}

//  A NIP field.
const char *
wfa_call_nip (wfa_call_t *self, const char *field, bool required)
{
    const msgpack_object *value = s_field (self, field, required);
    if (!value)
        return NULL;
    const char *nip = s_copy_str (self, value, field, 64, required);
    if (nip && !wfa_nip_valid (nip)) {
        wfa_call_error (self, WFA_E_BAD_NIP, field, NULL, -1);
        return NULL;
    }
    return nip;
}

const char *
wfa_call_pemda (wfa_call_t *self, const char *field, bool required)
{
    const char *pemda = wfa_call_str (self, field, 8, required);
    if (!pemda || (!*pemda && !required))
        return pemda;
    wfa_code_t code = wfa_pemda_check (pemda);
    if (code) {
        wfa_call_error (self, code, field, pemda, -1);
        return NULL;
    }
    return pemda;
}

//  Start a data field in the reply.
msgpack_packer *
wfa_call_reply (wfa_call_t *self, const char *key)
{
    wfa_mp_pack_str (&self->packer, key);
    self->data_count++;
    return &self->packer;
}

//  Pack the common head of a reply map.
static void
s_pack_head (msgpack_packer *pk, const msgpack_object *id, wfa_code_t code,
             const char *message, uint32_t extra)
{
    msgpack_pack_map (pk, 4 + (id? 1: 0) + extra);
    wfa_mp_pack_kv_int (pk, "v", 1);
    if (id) {
        wfa_mp_pack_str (pk, "id");
        msgpack_pack_object (pk, *id);
    }
    wfa_mp_pack_kv_str (pk, "status", code == WFA_OK? "ok": "error");
    wfa_mp_pack_kv_str (pk, "code", wfa_error_name (code));
    wfa_mp_pack_kv_str (pk, "message", message);
}

//  Encode the reply body.
zframe_t *
wfa_call_encode_reply (wfa_call_t *self)
{
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_init (&buffer, &pk);
    if (!wfa_call_failed (self)) {
        char message [128];
        wfa_error_format (WFA_OK, self->lang, NULL, message, sizeof message);
        s_pack_head (&pk, self->id, WFA_OK, message, self->data_count);
        msgpack_sbuffer_write (&buffer, self->data.data, self->data.size);
    }
    else {
        wfa_code_t code = wfa_call_code (self);
        s_problem_t *first = (s_problem_t *) zlistx_first (self->problems);
        char message [768];
        if (self->summary != WFA_OK)
            wfa_error_format (code, self->lang, self->summary_detail, message, sizeof message);
        else
            snprintf (message, sizeof message, "%s", first->message);
        bool has_field = self->summary == WFA_OK && first->field;
        s_pack_head (&pk, self->id, code, message, 1 + (has_field? 1: 0));
        if (has_field)
            wfa_mp_pack_kv_str (&pk, "field", first->field);
        wfa_mp_pack_str (&pk, "errors");
        msgpack_pack_array (&pk, zlistx_size (self->problems));
        s_problem_t *problem = (s_problem_t *) zlistx_first (self->problems);
        while (problem) {
            msgpack_pack_map (&pk, 2 + (problem->field? 1: 0) + (problem->index >= 0? 1: 0));
            wfa_mp_pack_kv_str (&pk, "code", wfa_error_name (problem->code));
            wfa_mp_pack_kv_str (&pk, "message", problem->message);
            if (problem->field)
                wfa_mp_pack_kv_str (&pk, "field", problem->field);
            if (problem->index >= 0)
                wfa_mp_pack_kv_int (&pk, "index", problem->index);
            problem = (s_problem_t *) zlistx_next (self->problems);
        }
    }
    zframe_t *frame = zframe_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return frame;
}

//  A complete error reply for a message that is not a call.
zframe_t *
wfa_call_error_reply (wfa_code_t code, const char *detail, wfa_lang_t lang)
{
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_init (&buffer, &pk);
    char message [512];
    wfa_error_format (code, lang, detail, message, sizeof message);
    s_pack_head (&pk, NULL, code, message, 1);
    wfa_mp_pack_str (&pk, "errors");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    wfa_mp_pack_kv_str (&pk, "code", wfa_error_name (code));
    wfa_mp_pack_kv_str (&pk, "message", message);
    zframe_t *frame = zframe_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return frame;
}

//  Decode a reply frame for the tests below.
static const msgpack_object *
s_decode (zframe_t *frame, msgpack_unpacked *unpacked)
{
    size_t offset = 0;
    int rc = msgpack_unpack_next (unpacked, (const char *) zframe_data (frame),
                                  zframe_size (frame), &offset);
    assert (rc == MSGPACK_UNPACK_SUCCESS);
    return &unpacked->data;
}

void
wfa_call_test (bool verbose)
{
    //  A date field's value: parsed, absent (nothing to check), or BAD_DATE
    wfa_call_t *dated = wfa_call_new ("TEST.DATE", "\x81\xa1v\x01", 4);
    int day = -1;
    assert (wfa_call_check_date (dated, "from", NULL, &day) == 0 && day == -1);
    assert (wfa_call_check_date (dated, "from", "2026-12-07", &day) == 0 && day > 0);
    assert (!wfa_call_failed (dated));
    assert (wfa_call_check_date (dated, "to", "2026-02-30", &day) == -1);
    assert (wfa_call_code (dated) == WFA_E_BAD_DATE);
    wfa_call_destroy (&dated);
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 6);
    wfa_mp_pack_kv_int (&pk, "v", 1);
    wfa_mp_pack_kv_int (&pk, "id", 7);
    wfa_mp_pack_kv_str (&pk, "lang", "en");
    wfa_mp_pack_kv_str (&pk, "as", "198609262015051001");
    wfa_mp_pack_kv_int (&pk, "kind", 3);
    wfa_mp_pack_str (&pk, "dates");
    msgpack_pack_array (&pk, 2);
    wfa_mp_pack_str (&pk, "2026-12-01");
    wfa_mp_pack_str (&pk, "2026-12-02");

    //  Getters: good, wrong type, missing; all problems listed
    wfa_call_t *call = wfa_call_new ("REQUEST.SUBMIT", buffer.data, buffer.size);
    assert (!wfa_call_failed (call));
    assert (wfa_call_lang (call) == WFA_LANG_EN);
    assert (streq (wfa_call_nip (call, "as", true), "198609262015051001"));
    zlist_t *dates = wfa_call_strs (call, "dates", 31, 10, true);
    assert (zlist_size (dates) == 2);
    assert (streq ((char *) zlist_first (dates), "2026-12-01"));
    assert (wfa_call_str (call, "kind", 32, true) == NULL);
    assert (wfa_call_str (call, "reason", 32, true) == NULL);
    assert (wfa_call_failed (call));
    assert (wfa_call_code (call) == WFA_E_WRONG_TYPE);
    zframe_t *reply = wfa_call_encode_reply (call);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    const msgpack_object *map = s_decode (reply, &unpacked);
    int64_t id = 0;
    assert (wfa_mp_int (wfa_mp_get (map, "id"), &id) == 0 && id == 7);
    assert (wfa_mp_streq (wfa_mp_get (map, "status"), "error"));
    assert (wfa_mp_streq (wfa_mp_get (map, "code"), "WRONG_TYPE"));
    assert (wfa_mp_streq (wfa_mp_get (map, "field"), "kind"));
    assert (wfa_mp_streq (wfa_mp_get (map, "message"), "Field has the wrong type: kind"));
    const msgpack_object *errors = wfa_mp_get (map, "errors");
    assert (errors && errors->type == MSGPACK_OBJECT_ARRAY && errors->via.array.size == 2);
    assert (wfa_mp_streq (wfa_mp_get (&errors->via.array.ptr [1], "code"), "MISSING_FIELD"));
    zframe_destroy (&reply);
    wfa_call_destroy (&call);
    assert (call == NULL);

    //  An ok reply carries the data fields after the head
    call = wfa_call_new ("REQUEST.GET", buffer.data, buffer.size);
    wfa_mp_pack_str (wfa_call_reply (call, "request_id"), "REQ-35.08-000001");
    msgpack_pack_int (wfa_call_reply (call, "count"), 3);
    reply = wfa_call_encode_reply (call);
    map = s_decode (reply, &unpacked);
    assert (wfa_mp_streq (wfa_mp_get (map, "status"), "ok"));
    assert (wfa_mp_streq (wfa_mp_get (map, "request_id"), "REQ-35.08-000001"));
    assert (map->via.map.size == 7);
    zframe_destroy (&reply);
    wfa_call_destroy (&call);

    //  Bad bodies and versions
    call = wfa_call_new ("X", "\x81\xa1", 2);
    assert (wfa_call_code (call) == WFA_E_BAD_MSGPACK);
    wfa_call_destroy (&call);
    call = wfa_call_new ("X", "\x81\xa1v\xa1" "1", 5);
    assert (wfa_call_code (call) == WFA_E_BAD_VERSION);
    reply = wfa_call_encode_reply (call);
    map = s_decode (reply, &unpacked);
    assert (wfa_mp_streq (wfa_mp_get (map, "message"), "Versi protokol tidak didukung (harus v=1): v"));
    zframe_destroy (&reply);
    wfa_call_destroy (&call);

    //  Errors can be forgotten when a better answer is found
    call = wfa_call_new ("REQUEST.SUBMIT", buffer.data, buffer.size);
    wfa_call_error (call, WFA_E_BAD_DATE, "dates", NULL, -1);
    wfa_call_clear (call);
    assert (!wfa_call_failed (call));
    wfa_call_destroy (&call);

    //  Summary code over row problems
    call = wfa_call_new ("EMPLOYEE.IMPORT", buffer.data, buffer.size);
    wfa_call_error (call, WFA_E_BAD_NIP, "nip", NULL, 4);
    wfa_call_summary (call, WFA_E_IMPORT_INVALID, "1");
    reply = wfa_call_encode_reply (call);
    map = s_decode (reply, &unpacked);
    assert (wfa_mp_streq (wfa_mp_get (map, "code"), "IMPORT_INVALID"));
    errors = wfa_mp_get (map, "errors");
    assert (wfa_mp_int (wfa_mp_get (&errors->via.array.ptr [0], "index"), &id) == 0 && id == 4);
    zframe_destroy (&reply);
    wfa_call_destroy (&call);

    //  A command that is not printable ASCII is refused, not echoed
    call = wfa_call_new ("X\xbc~", buffer.data, buffer.size);
    assert (wfa_call_code (call) == WFA_E_BAD_FRAME);
    assert (streq (wfa_call_command (call), ""));
    wfa_call_destroy (&call);

    //  Fields: common ones pass, unknown and repeated ones are BAD_FIELD
    call = wfa_call_new ("REQUEST.SUBMIT", buffer.data, buffer.size);
    assert (wfa_call_check_fields (call, "kind dates") == 0 && !wfa_call_failed (call));
    assert (wfa_call_check_fields (call, "kind") == -1);
    assert (wfa_call_code (call) == WFA_E_BAD_FIELD);
    reply = wfa_call_encode_reply (call);
    map = s_decode (reply, &unpacked);
    assert (wfa_mp_streq (wfa_mp_get (map, "field"), "dates"));
    zframe_destroy (&reply);
    wfa_call_destroy (&call);
    call = wfa_call_new ("X", "\x83\xa1v\x01\xa1v\x01\xa2\xff\xfe\x01", 11);
    assert (wfa_call_check_fields (call, "") == -1);
    reply = wfa_call_encode_reply (call);
    map = s_decode (reply, &unpacked);
    errors = wfa_mp_get (map, "errors");
    assert (errors && errors->via.array.size == 2);
    assert (wfa_mp_streq (wfa_mp_get (&errors->via.array.ptr [0], "message"),
                          "Kolom tidak dikenal untuk perintah ini: v (twice)"));
    assert (wfa_mp_get (&errors->via.array.ptr [1], "field") == NULL);
    zframe_destroy (&reply);
    wfa_call_destroy (&call);
    call = wfa_call_new ("X", "\x81\xa1v\x01", 4);
    msgpack_object row = map->via.map.ptr [0].val;     //  any non-map: nothing to check
    assert (wfa_call_check_map (call, &row, "nip", "rows", 2) == 0);
    wfa_call_destroy (&call);

    //  The fingerprint: key order, v, id, lang, key and as do not count
    call = wfa_call_new ("X", "\x84\xa1v\x01\xa3key\xa1k\xa1" "a\x01\xa1" "b\x81\xa1y\x02", 19);
    wfa_call_t *same = wfa_call_new ("X", "\x84\xa1" "b\x81\xa1y\x02\xa1" "a\x01\xa1v\x01\xa2id\x07", 17);
    wfa_call_t *other = wfa_call_new ("X", "\x83\xa1" "b\x81\xa1y\x03\xa1" "a\x01\xa1v\x01", 13);
    assert (!wfa_call_failed (call) && !wfa_call_failed (same) && !wfa_call_failed (other));
    assert (strlen (wfa_call_fingerprint (call)) == 16);
    assert (streq (wfa_call_fingerprint (call), wfa_call_fingerprint (same)));
    assert (!streq (wfa_call_fingerprint (call), wfa_call_fingerprint (other)));
    wfa_call_destroy (&call);
    wfa_call_destroy (&same);
    wfa_call_destroy (&other);

    reply = wfa_call_error_reply (WFA_E_BAD_FRAME, NULL, WFA_LANG_ID);
    map = s_decode (reply, &unpacked);
    assert (wfa_mp_streq (wfa_mp_get (map, "code"), "BAD_FRAME"));
    zframe_destroy (&reply);

    //  The gateway's "as" naming an integrator account: the call is that
    //  integrator's; from anyone else the same "as" is FORBIDDEN
    msgpack_sbuffer as_buffer;
    wfa_mp_writer_map (&as_buffer, &pk, 2);
    wfa_mp_pack_kv_int (&pk, "v", 1);
    wfa_mp_pack_kv_str (&pk, "as", "integrator:35.08:simpeg.sync");
    wfa_principal_t gateway = { .kind = WFA_PRINCIPAL_GATEWAY }, operator = { .kind = WFA_PRINCIPAL_OPERATOR };
    call = wfa_call_new ("EMPLOYEE.IMPORT", as_buffer.data, as_buffer.size);
    wfa_call_set_principal (call, &gateway);
    assert (wfa_call_check_as (call) == 0);
    assert (wfa_call_principal (call)->kind == WFA_PRINCIPAL_INTEGRATOR);
    assert (streq (wfa_call_principal (call)->pemda, "35.08"));
    assert (streq (wfa_call_principal (call)->name, "simpeg.sync"));
    assert (wfa_call_actor (call) == NULL && wfa_call_code (call) == WFA_E_FORBIDDEN);
    wfa_call_destroy (&call);
    call = wfa_call_new ("EMPLOYEE.IMPORT", as_buffer.data, as_buffer.size);
    wfa_call_set_principal (call, &operator);
    assert (wfa_call_check_as (call) == -1 && wfa_call_code (call) == WFA_E_FORBIDDEN);
    assert (wfa_call_principal (call)->kind == WFA_PRINCIPAL_OPERATOR);
    wfa_call_destroy (&call);
    msgpack_sbuffer_destroy (&as_buffer);

    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    if (verbose)
        printf ("wfa_call: ok\n");
}
