/*  wfa_json.h - msgpack objects as JSON, through jansson, for wfactl --json
    and the HTTP gateway; and JSON as msgpack, for the gateway's calls.

    What comes out is always valid JSON that any reader accepts:
    - strings are valid UTF-8: each byte that does not begin a valid UTF-8
      sequence (a stray continuation, an overlong form, a surrogate, a
      truncated tail) becomes U+FFFD; a NUL byte becomes \u0000;
    - a float that is not finite (nan, inf) becomes null;
    - bin becomes a string of its bytes read as UTF-8 (Fleksi sends text as
      bin: a policy file), under the same rule as str; ext becomes null;
    - an unsigned integer above INT64_MAX (jansson's limit) becomes a string
      of its decimal digits;
    - a map key that is not a string becomes the compact JSON of the key.
    Map keys keep their order. */
#ifndef WFA_JSON_H_INCLUDED
#define WFA_JSON_H_INCLUDED

//  A new JSON value of obj (never NULL). Caller owns it (json_decref).
json_t *wfa_json_of (const msgpack_object *obj);

//  A new JSON string of len bytes of text, made valid UTF-8 as above.
json_t *wfa_json_string (const char *text, size_t len);

//  Newly allocated compact JSON text of obj. Caller frees it.
char *wfa_json_text (const msgpack_object *obj);

//  Print *json_p as one compact line on stdout and drop it (takes ownership;
//  a NULL value prints null).
void wfa_json_print (json_t **json_p);

//  Pack json as msgpack within limits (max_str, max_items, max_depth: the
//  outermost container is depth 1), one to one: string to str, integer to
//  int, real to float64, true/false to bool, array, object to map. WFA_OK;
//  WRONG_TYPE for a null, TOO_LARGE for a string or container over its
//  limit, BAD_JSON for nesting deeper than the limit, with the outermost
//  object key above the offending value (or "") in field. A failed pack
//  leaves part of the value in pk: the caller drops the buffer.
wfa_code_t wfa_json_pack (const json_t *json, msgpack_packer *pk, const wfa_mp_limits_t *limits,
                          char *field, size_t field_size);

//  Before parsing size bytes of JSON text: nesting deeper than
//  limits->max_depth (BAD_JSON) and a container of more than max_items
//  entries (TOO_LARGE) are found by one pass over the bytes, so the parser
//  never builds them; field gets the outermost object key above the
//  offending container (or ""). WFA_OK when neither is there (the text may
//  still be malformed: the parser says so).
wfa_code_t wfa_json_precheck (const char *text, size_t size, const wfa_mp_limits_t *limits,
                              char *field, size_t field_size);

void wfa_json_test (bool verbose);

#endif
