/*  wfa_json.c - msgpack to JSON through jansson: valid UTF-8, no nan. */
#include "wfa.h"

//  Compact, and 15 significant digits: what a person reads, and round trips
//  every figure Fleksi produces
#define S_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION (15))

//  The length of the valid UTF-8 sequence at text (left bytes there), or 0
//  when the byte there does not begin one (RFC 3629, table 3-7 of Unicode).
static size_t
s_utf8_length (const unsigned char *text, size_t left)
{
    unsigned char lead = text [0];
    if (lead < 0x80)
        return 1;
    size_t length = lead >= 0xC2 && lead <= 0xDF? 2:
                    lead >= 0xE0 && lead <= 0xEF? 3:
                    lead >= 0xF0 && lead <= 0xF4? 4: 0;
    if (length == 0 || length > left)
        return 0;
    //  The second byte's range is narrower after E0, ED, F0 and F4: no
    //  overlong forms, no surrogates, nothing above U+10FFFF
    unsigned char low = lead == 0xE0? 0xA0: lead == 0xF0? 0x90: 0x80;
    unsigned char high = lead == 0xED? 0x9F: lead == 0xF4? 0x8F: 0xBF;
    if (text [1] < low || text [1] > high)
        return 0;
    for (size_t byte_nbr = 2; byte_nbr < length; byte_nbr++)
        if ((text [byte_nbr] & 0xC0) != 0x80)
            return 0;
    return length;
}

json_t *
wfa_json_string (const char *text, size_t len)
{
    const unsigned char *bytes = (const unsigned char *) text;
    size_t valid = 0;
    while (valid < len) {
        size_t length = s_utf8_length (bytes + valid, len - valid);
        if (!length)
            break;
        valid += length;
    }
    if (valid == len)
        return json_stringn (text, len);
    //  Each byte that begins no valid sequence becomes U+FFFD (3 bytes)
    char *clean = (char *) malloc (len * 3);
    assert (clean);
    size_t size = 0;
    for (size_t at = 0; at < len; ) {
        size_t length = s_utf8_length (bytes + at, len - at);
        if (length) {
            memcpy (clean + size, text + at, length);
            size += length;
            at += length;
        }
        else {
            memcpy (clean + size, "\xEF\xBF\xBD", 3);
            size += 3;
            at++;
        }
    }
    json_t *string = json_stringn (clean, size);
    free (clean);
    return string;
}

//  The text of a map key: a string's own bytes, else the key's JSON.
static json_t *
s_key (const msgpack_object *key)
{
    if (key->type == MSGPACK_OBJECT_STR)
        return wfa_json_string (key->via.str.ptr, key->via.str.size);
    char *text = wfa_json_text (key);
    json_t *string = json_string (text);
    free (text);
    return string;
}

json_t *
wfa_json_of (const msgpack_object *obj)
{
    json_t *json = NULL;
    char digits [24];
    switch (obj->type) {
        case MSGPACK_OBJECT_BOOLEAN:
            json = json_boolean (obj->via.boolean);
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (obj->via.u64 <= INT64_MAX)
                json = json_integer ((json_int_t) obj->via.u64);
            else {
                snprintf (digits, sizeof digits, "%" PRIu64, obj->via.u64);
                json = json_string (digits);
            }
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            json = json_integer ((json_int_t) obj->via.i64);
            break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            //  JSON has no nan or inf: json_real refuses them, they are null
            json = isfinite (obj->via.f64)? json_real (obj->via.f64): NULL;
            break;
        case MSGPACK_OBJECT_STR:
            json = wfa_json_string (obj->via.str.ptr, obj->via.str.size);
            break;
        case MSGPACK_OBJECT_BIN:
            json = wfa_json_string (obj->via.bin.ptr, obj->via.bin.size);
            break;
        case MSGPACK_OBJECT_ARRAY:
            json = json_array ();
            for (uint32_t item_nbr = 0; item_nbr < obj->via.array.size; item_nbr++)
                json_array_append_new (json, wfa_json_of (&obj->via.array.ptr [item_nbr]));
            break;
        case MSGPACK_OBJECT_MAP:
            json = json_object ();
            for (uint32_t entry_nbr = 0; entry_nbr < obj->via.map.size; entry_nbr++) {
                const msgpack_object_kv *entry = &obj->via.map.ptr [entry_nbr];
                json_t *key = s_key (&entry->key);
                json_object_setn_new (json, json_string_value (key), json_string_length (key),
                                      wfa_json_of (&entry->val));
                json_decref (key);
            }
            break;
        default:
            //  nil, and ext (no meaning Fleksi gives it)
            break;
    }
    return json? json: json_null ();
}

char *
wfa_json_text (const msgpack_object *obj)
{
    json_t *json = wfa_json_of (obj);
    char *text = json_dumps (json, S_DUMP_FLAGS | JSON_ENCODE_ANY);
    assert (text);
    json_decref (json);
    return text;
}

void
wfa_json_print (json_t **json_p)
{
    assert (json_p);
    json_t *json = *json_p? *json_p: json_null ();
    char *text = json_dumps (json, S_DUMP_FLAGS | JSON_ENCODE_ANY);
    assert (text);
    printf ("%s\n", text);
    free (text);
    json_decref (json);
    *json_p = NULL;
}

//  Pack one value at depth (its container's), recording the top key in field.
static wfa_code_t
s_pack (const json_t *json, msgpack_packer *pk, const wfa_mp_limits_t *limits, int depth,
        char *field, size_t field_size)
{
    switch (json_typeof (json)) {
        case JSON_STRING:
            if (json_string_length (json) > limits->max_str)
                return WFA_E_TOO_LARGE;
            wfa_mp_pack_strn (pk, json_string_value (json), json_string_length (json));
            return WFA_OK;
        case JSON_INTEGER:
            msgpack_pack_int64 (pk, json_integer_value (json));
            return WFA_OK;
        case JSON_REAL:
            msgpack_pack_double (pk, json_real_value (json));
            return WFA_OK;
        case JSON_TRUE:
            msgpack_pack_true (pk);
            return WFA_OK;
        case JSON_FALSE:
            msgpack_pack_false (pk);
            return WFA_OK;
        case JSON_NULL:
            return WFA_E_WRONG_TYPE;
        default:
            break;
    }
    if (depth + 1 > limits->max_depth)
        return WFA_E_BAD_JSON;
    if (json_is_array (json)) {
        size_t size = json_array_size (json);
        if (size > limits->max_items)
            return WFA_E_TOO_LARGE;
        msgpack_pack_array (pk, size);
        for (size_t item_nbr = 0; item_nbr < size; item_nbr++) {
            wfa_code_t code = s_pack (json_array_get (json, item_nbr), pk, limits, depth + 1,
                                      field, field_size);
            if (code != WFA_OK)
                return code;
        }
        return WFA_OK;
    }
    size_t size = json_object_size (json);
    if (size > limits->max_items)
        return WFA_E_TOO_LARGE;
    msgpack_pack_map (pk, size);
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *) json, key, value) {
        if (depth == 0)
            snprintf (field, field_size, "%s", key);
        if (strlen (key) > limits->max_str)
            return WFA_E_TOO_LARGE;
        wfa_mp_pack_str (pk, key);
        wfa_code_t code = s_pack (value, pk, limits, depth + 1, field, field_size);
        if (code != WFA_OK)
            return code;
    }
    return WFA_OK;
}

wfa_code_t
wfa_json_pack (const json_t *json, msgpack_packer *pk, const wfa_mp_limits_t *limits,
               char *field, size_t field_size)
{
    assert (json && pk && limits && field && field_size);
    *field = 0;
    return s_pack (json, pk, limits, 0, field, field_size);
}

wfa_code_t
wfa_json_precheck (const char *text, size_t size, const wfa_mp_limits_t *limits,
                   char *field, size_t field_size)
{
    assert (text || !size);
    assert (limits->max_depth < 64 && field && field_size);
    *field = 0;
    uint32_t items [64];        //  Entries so far of each open container
    bool empty [64];            //  Nothing in it yet
    int depth = 0;
    bool in_string = false, escaped = false, want_key = false, in_key = false;
    size_t key_size = 0;
    for (size_t at = 0; at < size; at++) {
        char ch = text [at];
        if (in_string) {
            if (escaped)
                escaped = false;
            else
            if (ch == '\\')
                escaped = true;
            else
            if (ch == '"') {
                in_string = in_key = false;
                if (key_size < field_size)
                    field [key_size] = 0;
                continue;
            }
            if (in_key && key_size + 1 < field_size)
                field [key_size++] = ch;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if (depth && empty [depth] && ch != ']' && ch != '}') {
            empty [depth] = false;
            items [depth] = 1;
        }
        if (ch == '"') {
            in_string = true;
            if (depth == 1 && want_key) {
                in_key = true;
                want_key = false;
                key_size = 0;
            }
        }
        else
        if (ch == '{' || ch == '[') {
            if (++depth > limits->max_depth)
                return WFA_E_BAD_JSON;
            items [depth] = 0;
            empty [depth] = true;
            want_key = depth == 1 && ch == '{';
        }
        else
        if (ch == '}' || ch == ']') {
            if (depth)
                depth--;
        }
        else
        if (ch == ',' && depth) {
            if (++items [depth] > limits->max_items)
                return WFA_E_TOO_LARGE;
            want_key = depth == 1;
        }
    }
    return WFA_OK;
}

//  Pack text as JSON into a fresh buffer: the code, and the field in field.
static wfa_code_t
s_pack_text (const char *text, msgpack_sbuffer *buffer, char *field, size_t field_size)
{
    json_error_t error;
    json_t *json = json_loads (text, JSON_REJECT_DUPLICATES, &error);
    assert (json);
    msgpack_packer pk;
    wfa_mp_writer_init (buffer, &pk);
    wfa_code_t code = wfa_json_pack (json, &pk, &wfa_mp_protocol_limits, field, field_size);
    json_decref (json);
    return code;
}

//  The JSON text of one msgpack value packed by pack_fn, for the selftest.
static char *
s_text_of_packed (void (*pack_fn) (msgpack_packer *pk))
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    pack_fn (&pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    char *text = wfa_json_text (&unpacked.data);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    return text;
}

static void
s_pack_plain (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 5);
    wfa_mp_pack_kv_str (pk, "a", "x\"y\n\x01/");
    wfa_mp_pack_kv_int (pk, "n", -3);
    wfa_mp_pack_str (pk, "l");
    msgpack_pack_array (pk, 4);
    msgpack_pack_true (pk);
    msgpack_pack_nil (pk);
    msgpack_pack_uint64 (pk, 18446744073709551615ULL);
    msgpack_pack_double (pk, 2.5);
    msgpack_pack_int (pk, 5);
    msgpack_pack_false (pk);
    wfa_mp_pack_kv_str (pk, "kota", "Bandar Lampung \xE2\x80\x94 Lampung");
}

//  Invalid UTF-8 in a value and a key: a stray continuation byte, an
//  overlong '/', a surrogate, a truncated tail
static void
s_pack_invalid (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 2);
    wfa_mp_pack_str (pk, "k\xFF");
    wfa_mp_pack_strn (pk, "a\x80" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE2\x82", 12);
    wfa_mp_pack_str (pk, "nul");
    wfa_mp_pack_strn (pk, "a\0b", 3);
}

static void
s_pack_nonfinite (msgpack_packer *pk)
{
    msgpack_pack_array (pk, 4);
    msgpack_pack_double (pk, NAN);
    msgpack_pack_double (pk, INFINITY);
    msgpack_pack_float (pk, -INFINITY);
    msgpack_pack_double (pk, 0.1);
}

static void
s_pack_binary (msgpack_packer *pk)
{
    msgpack_pack_array (pk, 3);
    msgpack_pack_bin (pk, 7);
    msgpack_pack_bin_body (pk, "max=3\n\xFE", 7);
    msgpack_pack_ext (pk, 2, 1);
    msgpack_pack_ext_body (pk, "xy", 2);
    msgpack_pack_bin (pk, 0);
}

void
wfa_json_test (bool verbose)
{
    //  Escapes, numbers, key order, a key that is not a string, UTF-8 kept
    char *text = s_text_of_packed (s_pack_plain);
    if (verbose)
        printf ("%s\n", text);
    assert (streq (text, "{\"a\":\"x\\\"y\\n\\u0001/\",\"n\":-3,"
                         "\"l\":[true,null,\"18446744073709551615\",2.5],\"5\":false,"
                         "\"kota\":\"Bandar Lampung \xE2\x80\x94 Lampung\"}"));
    json_error_t error;
    json_t *parsed = json_loads (text, 0, &error);
    assert (parsed && json_is_object (parsed));
    json_decref (parsed);
    free (text);

    //  Every invalid byte is U+FFFD, the valid ones stay, the text parses
    text = s_text_of_packed (s_pack_invalid);
    if (verbose)
        printf ("%s\n", text);
    assert (streq (text, "{\"k\xEF\xBF\xBD\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD"
                         "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD\","
                         "\"nul\":\"a\\u0000b\"}"));
    parsed = json_loads (text, JSON_ALLOW_NUL, &error);
    assert (parsed);
    json_decref (parsed);
    free (text);

    //  No nan, no inf
    text = s_text_of_packed (s_pack_nonfinite);
    if (verbose)
        printf ("%s\n", text);
    assert (streq (text, "[null,null,null,0.1]"));
    free (text);

    //  bin is its text (made valid), ext is null
    text = s_text_of_packed (s_pack_binary);
    if (verbose)
        printf ("%s\n", text);
    assert (streq (text, "[\"max=3\\n\xEF\xBF\xBD\",null,\"\"]"));
    free (text);

    //  JSON to msgpack and back again, one to one
    msgpack_sbuffer buffer;
    char field [64];
    const char *json_text = "{\"a\":\"x\",\"n\":-3,\"f\":2.5,\"l\":[true,false,{\"k\":1}]}";
    assert (s_pack_text (json_text, &buffer, field, sizeof field) == WFA_OK);
    assert (wfa_mp_check (buffer.data, buffer.size, &wfa_mp_protocol_limits) == WFA_OK);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset) == MSGPACK_UNPACK_SUCCESS);
    text = wfa_json_text (&unpacked.data);
    assert (streq (text, json_text));
    free (text);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    //  A null is a wrong type, named by its top key; too deep; too long
    assert (s_pack_text ("{\"a\":1,\"b\":[null]}", &buffer, field, sizeof field) == WFA_E_WRONG_TYPE);
    assert (streq (field, "b"));
    msgpack_sbuffer_destroy (&buffer);
    assert (s_pack_text ("{\"d\":[[[[1]]]]}", &buffer, field, sizeof field) == WFA_E_BAD_JSON);
    assert (streq (field, "d"));
    msgpack_sbuffer_destroy (&buffer);
    assert (s_pack_text ("{\"d\":[[[1]]]}", &buffer, field, sizeof field) == WFA_OK);
    msgpack_sbuffer_destroy (&buffer);
    char *long_text = (char *) malloc (5000);
    assert (long_text);
    memcpy (long_text, "{\"s\":\"", 6);
    memset (long_text + 6, 'x', 4097);
    memcpy (long_text + 6 + 4097, "\"}", 3);
    assert (s_pack_text (long_text, &buffer, field, sizeof field) == WFA_E_TOO_LARGE);
    assert (streq (field, "s"));
    msgpack_sbuffer_destroy (&buffer);
    free (long_text);

    //  The pass before parsing: depth, entries, and the key they are under
    const wfa_mp_limits_t *limits = &wfa_mp_protocol_limits;
    const char *deep = "{\"a\": \"[[[[[\", \"b\\\"\": 1, \"plan\": [[[[\"x\"]]]]}";
    assert (wfa_json_precheck (deep, strlen (deep), limits, field, sizeof field) == WFA_E_BAD_JSON);
    assert (streq (field, "plan"));
    const char *fine = "{\"plan\": [[[\"x\"]]], \"n\": [1, 2, {}]}";
    assert (wfa_json_precheck (fine, strlen (fine), limits, field, sizeof field) == WFA_OK);
    char *wide = (char *) malloc (4000);
    assert (wide);
    size_t wide_size = (size_t) sprintf (wide, "{\"k\": 1, \"rows\": [");
    for (int item_nbr = 0; item_nbr < 1025; item_nbr++)
        wide_size += (size_t) sprintf (wide + wide_size, "%s1", item_nbr? ",": "");
    wide_size += (size_t) sprintf (wide + wide_size, "]}");
    assert (wfa_json_precheck (wide, wide_size, limits, field, sizeof field) == WFA_E_TOO_LARGE);
    assert (streq (field, "rows"));
    wide_size -= 4;             //  1,024 entries: within the limit
    wide_size += (size_t) sprintf (wide + wide_size, "]}");
    assert (wfa_json_precheck (wide, wide_size, limits, field, sizeof field) == WFA_OK);
    free (wide);

    //  Strings made from C text go the same way
    json_t *string = wfa_json_string ("ok\xC3", 3);
    assert (streq (json_string_value (string), "ok\xEF\xBF\xBD"));
    json_decref (string);
}
