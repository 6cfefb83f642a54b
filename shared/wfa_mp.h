/*  wfa_mp.h - strict msgpack checking, reading and writing helpers.

    msgpack-c allocates for a container as soon as it reads the claimed
    length, so nothing from the network goes to msgpack_unpack before
    wfa_mp_check has walked the bytes and proved every claim fits the
    buffer and the limits. */
#ifndef WFA_MP_H_INCLUDED
#define WFA_MP_H_INCLUDED

typedef struct {
    size_t max_size;            //  Whole buffer, bytes
    size_t max_str;             //  Any str, bytes
    size_t max_bin;             //  Any bin (files such as a policy), bytes
    uint32_t max_items;         //  Entries in any map or array
    int max_depth;              //  Nesting of containers
} wfa_mp_limits_t;

//  The protocol's limits (docs/protocol.md, Limits).
extern const wfa_mp_limits_t wfa_mp_protocol_limits;

//  Check that data is exactly one msgpack map within limits. Returns
//  WFA_OK, WFA_E_BAD_MSGPACK or WFA_E_TOO_LARGE.
wfa_code_t wfa_mp_check (const void *data, size_t size, const wfa_mp_limits_t *limits);

//  The same, and on TOO_LARGE what was over its limit into detail (when
//  not NULL): "rows: 1100 > 1024 items", the top-level field it is in
//  when known ("FIELD: "), the count and the limit ("bytes" of a body or
//  str, "items" of an array, "entries" of a map).
wfa_code_t wfa_mp_check_detail (const void *data, size_t size, const wfa_mp_limits_t *limits,
                                char *detail, size_t detail_size);

//  Find key among the leading entries of the map at data without decoding
//  it (for a body that failed wfa_mp_check: too large, malformed further
//  on): the entries are read in order while each key is a str and each
//  value a scalar, at most WFA_MP_PEEK_ENTRIES of them, every length checked
//  against size. Returns 0 with the value's bytes (one scalar, header
//  included) at offset, len; -1 when not found so.
#define WFA_MP_PEEK_ENTRIES 16
int wfa_mp_peek (const void *data, size_t size, const char *key, size_t *offset, size_t *len);

//  Value of key in a map object, or NULL.
const msgpack_object *wfa_mp_get (const msgpack_object *map, const char *key);

//  True if obj is a str equal to text.
bool wfa_mp_streq (const msgpack_object *obj, const char *text);

//  Newly allocated NUL-terminated copy of a str object, or NULL if not a str.
char *wfa_mp_strdup (const msgpack_object *obj);

//  Integer value of a (positive or negative) int object into *value; -1 if
//  obj is not an int or does not fit int64.
int wfa_mp_int (const msgpack_object *obj, int64_t *value);

//  True if len bytes are well-formed UTF-8 (no overlongs, no surrogates).
bool wfa_utf8_valid (const char *text, size_t len);

//  Longest prefix of text, at most max bytes, that ends on a character
//  boundary: the length to cut at.
size_t wfa_utf8_cut (const char *text, size_t len, size_t max);

//  Start packing into an empty buffer; msgpack_sbuffer_destroy (buffer)
//  frees what was packed.
void wfa_mp_writer_init (msgpack_sbuffer *buffer, msgpack_packer *pk);

//  The same, the first thing packed a map of count pairs (a call's body, a
//  Lua step's argument).
void wfa_mp_writer_map (msgpack_sbuffer *buffer, msgpack_packer *pk, size_t count);

//  Pack a NUL-terminated string (NULL packs nil).
void wfa_mp_pack_str (msgpack_packer *pk, const char *text);
//  Pack len bytes as a str.
void wfa_mp_pack_strn (msgpack_packer *pk, const char *text, size_t len);
//  Pack a key and a string value.
void wfa_mp_pack_kv_str (msgpack_packer *pk, const char *key, const char *value);
//  Pack a key and an int value.
void wfa_mp_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value);

void wfa_mp_test (bool verbose);

#endif
