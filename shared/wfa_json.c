/*  wfa_json.c - msgpack to JSON, with proper string escaping. */
#include "wfa.h"

static void
s_put (zchunk_t *out, const char *text, size_t len)
{
    zchunk_extend (out, text, len);
}

//  A JSON string literal of len bytes.
static void
s_string (zchunk_t *out, const char *text, size_t len)
{
    s_put (out, "\"", 1);
    for (size_t char_nbr = 0; char_nbr < len; char_nbr++) {
        unsigned char letter = (unsigned char) text [char_nbr];
        char escaped [8];
        if (letter == '"' || letter == '\\') {
            escaped [0] = '\\';
            escaped [1] = (char) letter;
            s_put (out, escaped, 2);
        }
        else
        if (letter == '\n')
            s_put (out, "\\n", 2);
        else
        if (letter == '\t')
            s_put (out, "\\t", 2);
        else
        if (letter == '\r')
            s_put (out, "\\r", 2);
        else
        if (letter < 0x20) {
            snprintf (escaped, sizeof escaped, "\\u%04x", letter);
            s_put (out, escaped, 6);
        }
        else
            s_put (out, (const char *) &letter, 1);
    }
    s_put (out, "\"", 1);
}

void
wfa_json_append (zchunk_t *out, const msgpack_object *obj)
{
    char number [64];
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            s_put (out, "null", 4);
            break;
        case MSGPACK_OBJECT_BOOLEAN:
            if (obj->via.boolean)
                s_put (out, "true", 4);
            else
                s_put (out, "false", 5);
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            snprintf (number, sizeof number, "%" PRIu64, obj->via.u64);
            s_put (out, number, strlen (number));
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            snprintf (number, sizeof number, "%" PRId64, obj->via.i64);
            s_put (out, number, strlen (number));
            break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            //  15 significant digits: what a person reads, and round trips
            //  every figure Fleksi produces
            snprintf (number, sizeof number, "%.15g", obj->via.f64);
            s_put (out, number, strlen (number));
            break;
        case MSGPACK_OBJECT_STR:
            s_string (out, obj->via.str.ptr, obj->via.str.size);
            break;
        case MSGPACK_OBJECT_BIN:
            s_string (out, obj->via.bin.ptr, obj->via.bin.size);
            break;
        case MSGPACK_OBJECT_ARRAY:
            s_put (out, "[", 1);
            for (uint32_t item_nbr = 0; item_nbr < obj->via.array.size; item_nbr++) {
                if (item_nbr)
                    s_put (out, ",", 1);
                wfa_json_append (out, &obj->via.array.ptr [item_nbr]);
            }
            s_put (out, "]", 1);
            break;
        case MSGPACK_OBJECT_MAP:
            s_put (out, "{", 1);
            for (uint32_t entry_nbr = 0; entry_nbr < obj->via.map.size; entry_nbr++) {
                const msgpack_object_kv *entry = &obj->via.map.ptr [entry_nbr];
                if (entry_nbr)
                    s_put (out, ",", 1);
                if (entry->key.type == MSGPACK_OBJECT_STR)
                    s_string (out, entry->key.via.str.ptr, entry->key.via.str.size);
                else {
                    zchunk_t *key = zchunk_new (NULL, 32);
                    wfa_json_append (key, &entry->key);
                    s_string (out, (const char *) zchunk_data (key), zchunk_size (key));
                    zchunk_destroy (&key);
                }
                s_put (out, ":", 1);
                wfa_json_append (out, &entry->val);
            }
            s_put (out, "}", 1);
            break;
        default:
            s_put (out, "null", 4);
    }
}

char *
wfa_json_text (const msgpack_object *obj)
{
    zchunk_t *out = zchunk_new (NULL, 256);
    wfa_json_append (out, obj);
    char *text = (char *) malloc (zchunk_size (out) + 1);
    assert (text);
    memcpy (text, zchunk_data (out), zchunk_size (out));
    text [zchunk_size (out)] = 0;
    zchunk_destroy (&out);
    return text;
}

void
wfa_json_test (bool verbose)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    wfa_mp_pack_kv_str (&pk, "a", "x\"y\n\x01");
    wfa_mp_pack_kv_int (&pk, "n", -3);
    wfa_mp_pack_str (&pk, "l");
    msgpack_pack_array (&pk, 3);
    msgpack_pack_true (&pk);
    msgpack_pack_nil (&pk);
    msgpack_pack_uint64 (&pk, 18446744073709551615ULL);
    msgpack_pack_int (&pk, 5);
    msgpack_pack_false (&pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    char *text = wfa_json_text (&unpacked.data);
    assert (streq (text, "{\"a\":\"x\\\"y\\n\\u0001\",\"n\":-3,\"l\":[true,null,18446744073709551615],\"5\":false}"));
    if (verbose)
        printf ("%s\n", text);
    free (text);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
}
