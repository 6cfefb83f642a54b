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
    char *detail;               //  What was over its limit, or NULL
    size_t detail_size;
    const uint8_t *field;       //  The top-level field being checked, or NULL
    size_t field_len;
} s_cursor_t;

//  Say what was over its limit: "FIELD: COUNT > MAX UNIT".
static wfa_code_t
s_too_large (s_cursor_t *cursor, uint64_t count, uint64_t max, const char *unit)
{
    if (cursor->detail) {
        bool named = cursor->field && cursor->field_len > 0 && cursor->field_len <= 64;
        for (size_t byte_nbr = 0; named && byte_nbr < cursor->field_len; byte_nbr++)
            named = isgraph (cursor->field [byte_nbr]) && cursor->field [byte_nbr] < 0x7f;
        snprintf (cursor->detail, cursor->detail_size, "%.*s%s%" PRIu64 " > %" PRIu64 " %s",
                  named? (int) cursor->field_len: 0, named? (const char *) cursor->field: "",
                  named? ": ": "", count, max, unit);
    }
    return WFA_E_TOO_LARGE;
}

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
    uint64_t max = is_bin? cursor->limits->max_bin: cursor->limits->max_str;
    if (len > max)
        return s_too_large (cursor, len, max, "bytes");
    return s_skip (cursor, len);
}

static wfa_code_t s_check_value (s_cursor_t *cursor, int depth);

//  The payload of the str at offset (its bytes after the header), or NULL
//  when it is no str.
static const uint8_t *
s_str_at (const s_cursor_t *cursor, size_t offset, size_t end, size_t *len)
{
    uint8_t tag = cursor->data [offset];
    size_t header = (tag >= 0xa0 && tag <= 0xbf)? 1: tag == 0xd9? 2: tag == 0xda? 3: tag == 0xdb? 5: 0;
    if (!header || offset + header > end)
        return NULL;
    *len = end - offset - header;
    return cursor->data + offset + header;
}

//  A container of items values (a map passes items = 2 * entries). The
//  keys of the top map name the field a limit is about.
static wfa_code_t
s_check_container (s_cursor_t *cursor, uint64_t entries, uint64_t items, int depth)
{
    if (depth >= cursor->limits->max_depth)
        return WFA_E_BAD_MSGPACK;
    bool is_map = items == 2 * entries && entries > 0;
    if (entries > cursor->limits->max_items)
        return s_too_large (cursor, entries, cursor->limits->max_items, is_map? "entries": "items");
    //  Each value takes at least one byte: a claim beyond that is a lie
    if (items > cursor->size - cursor->offset)
        return WFA_E_BAD_MSGPACK;
    for (uint64_t item_nbr = 0; item_nbr < items; item_nbr++) {
        size_t start = cursor->offset;
        wfa_code_t rc = s_check_value (cursor, depth + 1);
        if (rc != WFA_OK)
            return rc;
        if (depth == 0 && is_map && item_nbr % 2 == 0)
            cursor->field = s_str_at (cursor, start, cursor->offset, &cursor->field_len);
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
    return wfa_mp_check_detail (data, size, limits, NULL, 0);
}

//  The same, saying what was too large.
wfa_code_t
wfa_mp_check_detail (const void *data, size_t size, const wfa_mp_limits_t *limits,
                     char *detail, size_t detail_size)
{
    s_cursor_t cursor = { data, size, 0, limits, detail, detail_size, NULL, 0 };
    if (size > limits->max_size)
        return s_too_large (&cursor, size, limits->max_size, "bytes");
    if (size == 0)
        return WFA_E_BAD_MSGPACK;
    uint8_t tag = cursor.data [0];
    if (!((tag >= 0x80 && tag <= 0x8f) || tag == 0xde || tag == 0xdf))
        return WFA_E_BAD_MSGPACK;
    wfa_code_t rc = s_check_value (&cursor, 0);
    if (rc == WFA_OK && cursor.offset != size)
        rc = WFA_E_BAD_MSGPACK;                     //  Trailing bytes
    return rc;
}

//  The length of the one scalar value at offset (header and payload), or 0
//  for a container, an ext type, or one that runs past size.
static size_t
s_scalar_len (const uint8_t *data, size_t size, size_t offset)
{
    uint8_t tag = data [offset];
    size_t len = 0;
    if (tag <= 0x7f || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3)
        len = 1;
    else
    if (tag >= 0xa0 && tag <= 0xbf)
        len = 1 + (tag & 0x1f);
    else
    if (tag == 0xcc || tag == 0xd0) len = 2;
    else if (tag == 0xcd || tag == 0xd1) len = 3;
    else if (tag == 0xce || tag == 0xd2 || tag == 0xca) len = 5;
    else if (tag == 0xcf || tag == 0xd3 || tag == 0xcb) len = 9;
    else
    if (tag == 0xd9 || tag == 0xda || tag == 0xdb || tag == 0xc4 || tag == 0xc5 || tag == 0xc6) {
        int width = (tag == 0xd9 || tag == 0xc4)? 1: (tag == 0xda || tag == 0xc5)? 2: 4;
        if (size - offset < (size_t) (1 + width))
            return 0;
        uint64_t payload = 0;
        for (int byte_nbr = 0; byte_nbr < width; byte_nbr++)
            payload = (payload << 8) | data [offset + 1 + byte_nbr];
        if (payload > size)
            return 0;
        len = 1 + (size_t) width + (size_t) payload;
    }
    return len && len <= size - offset? len: 0;
}

//  Find key among the leading entries of the map at data.
int
wfa_mp_peek (const void *data, size_t size, const char *key, size_t *offset, size_t *len)
{
    const uint8_t *bytes = (const uint8_t *) data;
    if (!bytes || size < 1)
        return -1;
    size_t cursor = 1;
    uint64_t entries = 0;
    uint8_t tag = bytes [0];
    if (tag >= 0x80 && tag <= 0x8f)
        entries = tag & 0x0f;
    else
    if ((tag == 0xde && size >= 3) || (tag == 0xdf && size >= 5)) {
        int width = tag == 0xde? 2: 4;
        for (int byte_nbr = 0; byte_nbr < width; byte_nbr++)
            entries = (entries << 8) | bytes [1 + byte_nbr];
        cursor += width;
    }
    else
        return -1;
    size_t key_len = strlen (key);
    for (uint64_t entry_nbr = 0; entry_nbr < entries && entry_nbr < WFA_MP_PEEK_ENTRIES; entry_nbr++) {
        if (cursor >= size)
            return -1;
        uint8_t key_tag = bytes [cursor];
        size_t key_size = s_scalar_len (bytes, size, cursor);
        bool is_str = (key_tag >= 0xa0 && key_tag <= 0xbf) || key_tag == 0xd9
                   || key_tag == 0xda || key_tag == 0xdb;
        if (!key_size || !is_str)
            return -1;
        size_t header = key_tag <= 0xbf? 1: key_tag == 0xd9? 2: key_tag == 0xda? 3: 5;
        bool found = key_size - header == key_len && memcmp (bytes + cursor + header, key, key_len) == 0;
        cursor += key_size;
        if (cursor >= size)
            return -1;
        size_t value_size = s_scalar_len (bytes, size, cursor);
        if (!value_size)
            return -1;              //  A container: what follows is not cheap to find
        if (found) {
            *offset = cursor;
            *len = value_size;
            return 0;
        }
        cursor += value_size;
    }
    return -1;
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
    //  What was too large, with the top-level field it is in
    char detail [96] = "";
    assert (wfa_mp_check_detail ("\x82\xa1v\x01\xa4rows\xdd\x00\x00\x04\x4c", 14,
                                 &wfa_mp_protocol_limits, detail, sizeof detail) == WFA_E_TOO_LARGE);
    assert (streq (detail, "rows: 1100 > 1024 items"));
    assert (wfa_mp_check_detail ("\xdf\xff\xff\xff\xff", 5, &wfa_mp_protocol_limits,
                                 detail, sizeof detail) == WFA_E_TOO_LARGE);
    assert (streq (detail, "4294967295 > 1024 entries"));
    //  Peeking at the leading entries of a body that does not check out
    size_t offset = 0, len = 0;
    const char *peeked = "\x83\xa1v\x01\xa2id\xa3" "abc\xa4rows\xdd\xff\xff\xff\xff";
    assert (wfa_mp_peek (peeked, 21, "id", &offset, &len) == 0 && offset == 7 && len == 4);
    assert (wfa_mp_peek (peeked, 21, "rows", &offset, &len) == -1);     //  A container
    assert (wfa_mp_peek (peeked, 8, "id", &offset, &len) == -1);        //  Cut short
    assert (wfa_mp_peek ("\x82\xa1" "a\x91\x01\xa2id\x07", 9, "id", &offset, &len) == -1);
    assert (wfa_mp_peek ("\x92\xa2id\x07", 5, "id", &offset, &len) == -1);
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
    offset = 0;
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
