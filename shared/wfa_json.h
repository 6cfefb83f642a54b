/*  wfa_json.h - msgpack objects as JSON text, for wfactl --json. */
#ifndef WFA_JSON_H_INCLUDED
#define WFA_JSON_H_INCLUDED

//  Append obj as JSON to out (a growing string). Binary data becomes a
//  string of its bytes; map keys that are not strings are printed as strings.
void wfa_json_append (zchunk_t *out, const msgpack_object *obj);

//  Newly allocated JSON text of obj.
char *wfa_json_text (const msgpack_object *obj);

void wfa_json_test (bool verbose);

#endif
