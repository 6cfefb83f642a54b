/*  wfa_call.h - one protocol call: decode, read fields, build the reply.

    A call is made from the two frames of docs/protocol.md. Field getters
    record every problem (missing, wrong type, too long) instead of
    stopping at the first, so a reply can list them all. The reply is a
    msgpack map whose common fields (v, id, status, code, message) are
    written at the end, around whatever data fields the handler added. */
#ifndef WFA_CALL_H_INCLUDED
#define WFA_CALL_H_INCLUDED

typedef struct _wfa_call_t wfa_call_t;

#define WFA_COMMAND_MAX 64

//  Decode a call from a command and a body. Never returns NULL: a bad body
//  gives a call that already failed (see wfa_call_failed).
wfa_call_t *wfa_call_new (const char *command, const void *body, size_t size);

//  Destroy a call; nulls the pointer.
void wfa_call_destroy (wfa_call_t **self_p);

//  The command, e.g. "REQUEST.SUBMIT".
const char *wfa_call_command (wfa_call_t *self);

//  The decoded body map (NULL if the body did not decode).
const msgpack_object *wfa_call_body (wfa_call_t *self);

//  Language asked for.
wfa_lang_t wfa_call_lang (wfa_call_t *self);

//  True once any error was recorded.
bool wfa_call_failed (wfa_call_t *self);

//  Code of the first recorded error, or WFA_OK.
wfa_code_t wfa_call_code (wfa_call_t *self);

//  Record an error about field (may be NULL), with detail for the message
//  (may be NULL; defaults to the field name). Index is a row number for
//  batch calls, or -1.
void wfa_call_error (wfa_call_t *self, wfa_code_t code, const char *field,
                     const char *detail, int index);

//  The fields every call may carry: v, id, lang, as.
#define WFA_CALL_COMMON_FIELDS "v id lang as"

//  Refuse every field of the body that is neither common nor in fields
//  (space-separated names) as BAD_FIELD, field naming it (a name that is
//  not UTF-8 of at most 64 bytes is described, not echoed), and a name
//  given twice. Returns -1 when any was refused.
int wfa_call_check_fields (wfa_call_t *self, const char *fields);

//  The same for a nested map of the body (an import row, an item): each
//  unknown field is recorded with index (or -1) as BAD_FIELD "ARRAY.NAME".
int wfa_call_check_map (wfa_call_t *self, const msgpack_object *map, const char *fields,
                        const char *where, int index);

//  The fingerprint of the call's body, what an idempotency record keeps
//  beside its answer to tell a retry from a reuse of its key: 16 hex
//  digits of the SHA-256 of the body re-encoded canonically (every map's
//  keys sorted by their bytes; at the top level v, id, lang, key, as and
//  nil-valued fields left out). Key order does not change it.
const char *wfa_call_fingerprint (wfa_call_t *self);

//  Forget every recorded error, e.g. when a retried call turns out to have
//  been answered already.
void wfa_call_clear (wfa_call_t *self);

//  Set the top-level code of an error reply (e.g. IMPORT_INVALID over the
//  row problems), with detail for its message.
void wfa_call_summary (wfa_call_t *self, wfa_code_t code, const char *detail);

//  String field, copied and owned by the call; NULL (and an error recorded
//  when required) if absent, not a str, empty when required, or longer than max_len.
const char *wfa_call_str (wfa_call_t *self, const char *field, size_t max_len, bool required);

//  Optional int field in [min, max]; dflt when absent.
int64_t wfa_call_int (wfa_call_t *self, const char *field, int64_t min, int64_t max, int64_t dflt);

//  Optional bool field.
bool wfa_call_bool (wfa_call_t *self, const char *field, bool dflt);

//  Array field of at most max_items items (the items are not checked):
//  NULL, with MISSING_FIELD, WRONG_TYPE or TOO_LARGE recorded, when absent
//  (if required), not an array, too long, or empty unless allow_empty.
const msgpack_object *wfa_call_array (wfa_call_t *self, const char *field, size_t max_items,
                                      bool required, bool allow_empty);

//  Array-of-str field: up to max_items strings each at most max_len; returns
//  a list of copies owned by the call (empty list when absent and not required).
zlist_t *wfa_call_strs (wfa_call_t *self, const char *field, size_t max_items,
                        size_t max_len, bool required);

//  Parse text, the value of a date field (NULL when absent: nothing to
//  check), as YYYY-MM-DD into *day; a bad one is recorded as BAD_DATE.
//  Returns -1 when it was bad.
int wfa_call_check_date (wfa_call_t *self, const char *field, const char *text, int *day);

//  A NIP in field (wfa_nip_valid), or NULL with an error.
const char *wfa_call_nip (wfa_call_t *self, const char *field, bool required);

//  Who the broker authenticated this call as (wfa_keys.h); the worker
//  sets it from the frame the broker adds to every call. From the gateway
//  with "as" = "integrator:PEMDA:NAME" (an API token it checked), the call's
//  principal is that integrator account, exactly as with its own key.
void wfa_call_set_principal (wfa_call_t *self, const wfa_principal_t *principal);
const wfa_principal_t *wfa_call_principal (wfa_call_t *self);

//  True when the call comes from a Kemendagri reader's key.
bool wfa_call_national (wfa_call_t *self);

//  The NIP the call acts as, proven: an employee's or Kemendagri reader's
//  own (an "as" naming anyone else is FORBIDDEN), or the "as" of the
//  gateway, the one principal that acts for the people it authenticated.
//  NULL, with UNAUTHENTICATED (no principal) or FORBIDDEN (a principal
//  that is no person: operator, integrator) recorded once on the call.
const char *wfa_call_actor (wfa_call_t *self);

//  "as" is the gateway's alone: from any other principal it must name the
//  principal itself, or FORBIDDEN is recorded (once) and -1 returned. The
//  worker checks every call so before its handler runs.
int wfa_call_check_as (wfa_call_t *self);

//  The actor of a write: as wfa_call_actor, but a Kemendagri reader's key
//  is FORBIDDEN (read-only) whatever its NIP holds in a pemda.
const char *wfa_call_writer (wfa_call_t *self);

//  A pemda code in field that is on the Kemendagri list, or NULL with an
//  error (BAD_PEMDA malformed, UNKNOWN_PEMDA not on the list). An empty
//  string in a field that is not required passes as "" (no pemda).
const char *wfa_call_pemda (wfa_call_t *self, const char *field, bool required);

//  Start a data field in the reply: packs the key, returns the packer for
//  the value, which the caller must pack next.
msgpack_packer *wfa_call_reply (wfa_call_t *self, const char *key);

//  Encode the reply body (ok, or the recorded errors). Caller owns the frame.
zframe_t *wfa_call_encode_reply (wfa_call_t *self);

//  Make a complete error reply body for a message that could not become a
//  call at all (bad frames). Caller owns the frame.
zframe_t *wfa_call_error_reply (wfa_code_t code, const char *detail, wfa_lang_t lang);

void wfa_call_test (bool verbose);

#endif
