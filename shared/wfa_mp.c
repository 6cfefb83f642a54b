/*  wfa_mp.c - strict msgpack checking and small packing helpers.

    The checker is a single pass over the bytes with an explicit cursor:
    it never allocates, so a frame claiming four billion entries costs
    five bytes of reading and one error reply. */
#include "wfa.h"

const wfa_mp_limits_t wfa_mp_protocol_limits = {
    .max_size = 1024 * 1024,
    .max_str = 4096,
    .max_bin = 64 * 1024,
    .max_items = 1024,
    .max_depth = 4,
};

typedef struct {
    const uint8_t *data;        //  Start of buffer
    size_t size;                //  Bytes in buffer
    size_t offset;              //  Cursor
    const wfa_mp_limits_t *limits;
} s_cursor_t;

//  Read an n-byte big-endian unsigned integer; -1 if past the end.
static int
s_read_be (s_cursor_t *cursor, int width, uint64_t *value)
{
    if (cursor->size - cursor->offset < (size_t) width)
        return -1;
    uint64_t result = 0;
    for (int byte_nbr = 0; byte_nbr < width; byte_nbr++)
        result = (result << 8) | cursor->data [cursor->offset + byte_nbr];
    cursor->offset += width;
    *value = result;
    return 0;
}

//  Skip len payload bytes if they are there.
static wfa_code_t
s_skip (s_cursor_t *cursor, uint64_t len)
{
    if (cursor->size - cursor->offset < len)
        return WFA_E_BAD_MSGPACK;
    cursor->offset += len;
    return WFA_OK;
}

//  A str or bin payload: check its length against its limit, then skip it.
static wfa_code_t
s_skip_bytes (s_cursor_t *cursor, uint64_t len, bool is_bin)
{
    if (len > (is_bin? cursor->limits->max_bin: cursor->limits->max_str))
        return WFA_E_TOO_LARGE;
    return s_skip (cursor, len);
}

static wfa_code_t s_check_value (s_cursor_t *cursor, int depth);

//  A container of items values (a map passes items = 2 * entries).
static wfa_code_t
s_check_container (s_cursor_t *cursor, uint64_t entries, uint64_t items, int depth)
{
    if (depth >= cursor->limits->max_depth)
        return WFA_E_BAD_MSGPACK;
    if (entries > cursor->limits->max_items)
        return WFA_E_TOO_LARGE;
    //  Each value takes at least one byte: a claim beyond that is a lie
    if (items > cursor->size - cursor->offset)
        return WFA_E_BAD_MSGPACK;
    for (uint64_t item_nbr = 0; item_nbr < items; item_nbr++) {
        wfa_code_t rc = s_check_value (cursor, depth + 1);
        if (rc != WFA_OK)
            return rc;
    }
    return WFA_OK;
}

//  Check one value at the cursor and move past it.
static wfa_code_t
s_check_value (s_cursor_t *cursor, int depth)
{
    if (cursor->offset >= cursor->size)
        return WFA_E_BAD_MSGPACK;
    uint8_t tag = cursor->data [cursor->offset++];
    uint64_t len = 0;

    if (tag <= 0x7f || tag >= 0xe0)
        return WFA_OK;                              //  fixint
    if (tag >= 0x80 && tag <= 0x8f)
        return s_check_container (cursor, tag & 0x0f, 2 * (tag & 0x0f), depth);
    if (tag >= 0x90 && tag <= 0x9f)
        return s_check_container (cursor, tag & 0x0f, tag & 0x0f, depth);
    if (tag >= 0xa0 && tag <= 0xbf)
        return s_skip_bytes (cursor, tag & 0x1f, false);    //  fixstr

    switch (tag) {
        case 0xc0: case 0xc2: case 0xc3:
            return WFA_OK;                          //  nil, false, true
        case 0xc4: case 0xd9:                       //  bin8, str8
            if (s_read_be (cursor, 1, &len)) return WFA_E_BAD_MSGPACK;
            return s_skip_bytes (cursor, len, tag == 0xc4);
        case 0xc5: case 0xda:                       //  bin16, str16
            if (s_read_be (cursor, 2, &len)) return WFA_E_BAD_MSGPACK;
            return s_skip_bytes (cursor, len, tag == 0xc5);
        case 0xc6: case 0xdb:                       //  bin32, str32
            if (s_read_be (cursor, 4, &len)) return WFA_E_BAD_MSGPACK;
            return s_skip_bytes (cursor, len, tag == 0xc6);
        case 0xca: return s_skip (cursor, 4);       //  float32
        case 0xcb: return s_skip (cursor, 8);       //  float64
        case 0xcc: case 0xd0: return s_skip (cursor, 1);
        case 0xcd: case 0xd1: return s_skip (cursor, 2);
        case 0xce: case 0xd2: return s_skip (cursor, 4);
        case 0xcf: case 0xd3: return s_skip (cursor, 8);
        case 0xdc:                                  //  array16
            if (s_read_be (cursor, 2, &len)) return WFA_E_BAD_MSGPACK;
            return s_check_container (cursor, len, len, depth);
        case 0xdd:                                  //  array32
            if (s_read_be (cursor, 4, &len)) return WFA_E_BAD_MSGPACK;
            return s_check_container (cursor, len, len, depth);
        case 0xde:                                  //  map16
            if (s_read_be (cursor, 2, &len)) return WFA_E_BAD_MSGPACK;
            return s_check_container (cursor, len, 2 * len, depth);
        case 0xdf:                                  //  map32
            if (s_read_be (cursor, 4, &len)) return WFA_E_BAD_MSGPACK;
            return s_check_container (cursor, len, 2 * len, depth);
        default:
            //  0xc1 (never used) and every ext type: not in the protocol
            return WFA_E_BAD_MSGPACK;
    }
}

//  Check that data is exactly one msgpack map within limits.
wfa_code_t
wfa_mp_check (const void *data, size_t size, const wfa_mp_limits_t *limits)
{
    if (size > limits->max_size)
        return WFA_E_TOO_LARGE;
    if (size == 0)
        return WFA_E_BAD_MSGPACK;
    s_cursor_t cursor = { data, size, 0, limits };
    uint8_t tag = cursor.data [0];
    if (!((tag >= 0x80 && tag <= 0x8f) || tag == 0xde || tag == 0xdf))
        return WFA_E_BAD_MSGPACK;
    wfa_code_t rc = s_check_value (&cursor, 0);
    if (rc == WFA_OK && cursor.offset != size)
        rc = WFA_E_BAD_MSGPACK;                     //  Trailing bytes
    return rc;
}

//  Value of key in a map object, or NULL.
const msgpack_object *
wfa_mp_get (const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t key_len = strlen (key);
    for (uint32_t entry_nbr = 0; entry_nbr < map->via.map.size; entry_nbr++) {
        const msgpack_object_kv *entry = &map->via.map.ptr [entry_nbr];
        if (entry->key.type == MSGPACK_OBJECT_STR
        &&  entry->key.via.str.size == key_len
        &&  memcmp (entry->key.via.str.ptr, key, key_len) == 0)
            return &entry->val;
    }
    return NULL;
}

//  True if obj is a str equal to text.
bool
wfa_mp_streq (const msgpack_object *obj, const char *text)
{
    size_t len = strlen (text);
    return obj && obj->type == MSGPACK_OBJECT_STR
        && obj->via.str.size == len && memcmp (obj->via.str.ptr, text, len) == 0;
}

//  NUL-terminated copy of a str object.
char *
wfa_mp_strdup (const msgpack_object *obj)
{
    if (!obj || obj->type != MSGPACK_OBJECT_STR)
        return NULL;
    char *copy = (char *) malloc (obj->via.str.size + 1);
    assert (copy);
    memcpy (copy, obj->via.str.ptr, obj->via.str.size);
    copy [obj->via.str.size] = 0;
    return copy;
}

//  Integer value of an int object.
int
wfa_mp_int (const msgpack_object *obj, int64_t *value)
{
    if (!obj)
        return -1;
    if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (obj->via.u64 > INT64_MAX)
            return -1;
        *value = (int64_t) obj->via.u64;
        return 0;
    }
    if (obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *value = obj->via.i64;
        return 0;
    }
    return -1;
}

//  True if len bytes are well-formed UTF-8.
bool
wfa_utf8_valid (const char *text, size_t len)
{
    const uint8_t *bytes = (const uint8_t *) text;
    size_t offset = 0;
    while (offset < len) {
        uint8_t lead = bytes [offset];
        size_t extra;
        uint32_t point;
        if (lead < 0x80) {
            offset++;
            continue;
        }
        else
        if (lead >= 0xc2 && lead <= 0xdf) {
            extra = 1;
            point = lead & 0x1f;
        }
        else
        if (lead >= 0xe0 && lead <= 0xef) {
            extra = 2;
            point = lead & 0x0f;
        }
        else
        if (lead >= 0xf0 && lead <= 0xf4) {
            extra = 3;
            point = lead & 0x07;
        }
        else
            return false;
        if (len - offset <= extra)
            return false;
        for (size_t byte_nbr = 1; byte_nbr <= extra; byte_nbr++) {
            uint8_t next = bytes [offset + byte_nbr];
            if ((next & 0xc0) != 0x80)
                return false;
            point = (point << 6) | (next & 0x3f);
        }
        if ((extra == 2 && point < 0x800) || (extra == 3 && (point < 0x10000 || point > 0x10ffff))
        ||  (point >= 0xd800 && point <= 0xdfff))
            return false;
        offset += extra + 1;
    }
    return true;
}

//  Length to cut text at so it is at most max bytes and whole characters.
size_t
wfa_utf8_cut (const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    while (cut > 0 && ((uint8_t) text [cut] & 0xc0) == 0x80)
        cut--;
    return cut;
}

//  Pack len bytes as a str.
void
wfa_mp_pack_strn (msgpack_packer *pk, const char *text, size_t len)
{
    msgpack_pack_str (pk, len);
    msgpack_pack_str_body (pk, text, len);
}

//  A packer writing into an empty buffer.
void
wfa_mp_writer_init (msgpack_sbuffer *buffer, msgpack_packer *pk)
{
    msgpack_sbuffer_init (buffer);
    msgpack_packer_init (pk, buffer, msgpack_sbuffer_write);
}

void
wfa_mp_writer_map (msgpack_sbuffer *buffer, msgpack_packer *pk, size_t count)
{
    wfa_mp_writer_init (buffer, pk);
    msgpack_pack_map (pk, count);
}

//  Pack a string, or nil for NULL.
void
wfa_mp_pack_str (msgpack_packer *pk, const char *text)
{
    if (text)
        wfa_mp_pack_strn (pk, text, strlen (text));
    else
        msgpack_pack_nil (pk);
}

//  Pack a key and a string value.
void
wfa_mp_pack_kv_str (msgpack_packer *pk, const char *key, const char *value)
{
    wfa_mp_pack_str (pk, key);
    wfa_mp_pack_str (pk, value);
}

//  Pack a key and an int value.
void
wfa_mp_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value)
{
    wfa_mp_pack_str (pk, key);
    msgpack_pack_int64 (pk, value);
}

//  Check a hand-written byte string.
static wfa_code_t
s_check_hex (const char *hex)
{
    uint8_t bytes [64];
    size_t size = strlen (hex) / 2;
    assert (size <= sizeof bytes);
    for (size_t byte_nbr = 0; byte_nbr < size; byte_nbr++) {
        unsigned int value;
        int rc = sscanf (hex + 2 * byte_nbr, "%2x", &value);
        assert (rc == 1);
        bytes [byte_nbr] = (uint8_t) value;
    }
    return wfa_mp_check (bytes, size, &wfa_mp_protocol_limits);
}

void
wfa_mp_test (bool verbose)
{
    //  Good maps
    assert (s_check_hex ("80") == WFA_OK);                  //  {}
    assert (s_check_hex ("81a17601") == WFA_OK);            //  {"v":1}
    assert (s_check_hex ("82a17601a16492a161c0") == WFA_OK);
    //  Not a map, truncated, trailing bytes
    assert (s_check_hex ("01") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("92a161") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a176") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a1760100") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a17601c3") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("") == WFA_E_BAD_MSGPACK);
    //  Lies about sizes are caught before anything is allocated
    assert (s_check_hex ("dfffffffff") == WFA_E_TOO_LARGE);
    assert (s_check_hex ("df000003e8") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a161dd000003e8") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a161dbffffffff") == WFA_E_TOO_LARGE);
    assert (s_check_hex ("81a161c6ffffffff") == WFA_E_TOO_LARGE);     //  bin over 64 KiB
    assert (s_check_hex ("81a161c6000010000000") == WFA_E_BAD_MSGPACK); //  4 KiB bin claimed, 3 bytes there
    assert (s_check_hex ("81a161db00000010") == WFA_E_BAD_MSGPACK);
    //  Ext types, the reserved byte, too deep
    assert (s_check_hex ("81a161d40102") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a161c1") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a1619191919101") == WFA_E_BAD_MSGPACK);
    assert (s_check_hex ("81a161919191c0") == WFA_OK);

    //  Round trip through msgpack-c and the getters
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    wfa_mp_pack_kv_int (&pk, "v", 1);
    wfa_mp_pack_kv_str (&pk, "kind", "rumah");
    wfa_mp_pack_kv_int (&pk, "neg", -5);
    assert (wfa_mp_check (buffer.data, buffer.size, &wfa_mp_protocol_limits) == WFA_OK);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    int rc = msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset);
    assert (rc == MSGPACK_UNPACK_SUCCESS && offset == buffer.size);
    const msgpack_object *map = &unpacked.data;
    int64_t value = 0;
    assert (wfa_mp_int (wfa_mp_get (map, "v"), &value) == 0 && value == 1);
    assert (wfa_mp_int (wfa_mp_get (map, "neg"), &value) == 0 && value == -5);
    assert (wfa_mp_int (wfa_mp_get (map, "kind"), &value) == -1);
    assert (wfa_mp_streq (wfa_mp_get (map, "kind"), "rumah"));
    assert (!wfa_mp_streq (wfa_mp_get (map, "kind"), "ruma"));
    assert (wfa_mp_get (map, "missing") == NULL);
    char *kind = wfa_mp_strdup (wfa_mp_get (map, "kind"));
    assert (streq (kind, "rumah"));
    free (kind);
    msgpack_unpacked_destroy (&unpacked);

    //  Oversize string against the limit
    msgpack_sbuffer_clear (&buffer);
    msgpack_pack_map (&pk, 1);
    char *big = (char *) calloc (1, 5000);
    memset (big, 'x', 4999);
    wfa_mp_pack_kv_str (&pk, "reason", big);
    assert (wfa_mp_check (buffer.data, buffer.size, &wfa_mp_protocol_limits) == WFA_E_TOO_LARGE);
    free (big);
    msgpack_sbuffer_destroy (&buffer);

    //  UTF-8: good text, bad bytes, overlong, surrogate, truncated
    assert (wfa_utf8_valid ("Dinas Kesehatan", 15));
    assert (wfa_utf8_valid ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    assert (!wfa_utf8_valid ("\xff", 1));
    assert (!wfa_utf8_valid ("\xc0\xaf", 2));
    assert (!wfa_utf8_valid ("\xed\xa0\x80", 3));
    assert (!wfa_utf8_valid ("caf\xc3", 4));
    //  Cutting never splits a character
    assert (wfa_utf8_cut ("caf\xc3\xa9", 5, 4) == 3);
    assert (wfa_utf8_cut ("caf\xc3\xa9", 5, 5) == 5);
    assert (wfa_utf8_cut ("abc", 3, 2) == 2);
    if (verbose)
        printf ("wfa_mp: ok\n");
}
