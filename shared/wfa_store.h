/*  wfa_store.h - the Redis data model: key names, the Lua steps, and
    turning stored records into protocol maps.

    Every key of a pemda starts with "wfa:{PEMDA}:" so that all of one
    pemda's keys share a Redis Cluster hash slot; each Lua step gets that
    prefix as KEYS[1] and touches keys of one pemda only. The global keys
    are wfa:pemdas (the registry) and wfa:nip:NIP (NIP -> pemda). */
#ifndef WFA_STORE_H_INCLUDED
#define WFA_STORE_H_INCLUDED

//  The Lua library "wfa" (shared/lua/*.lua, built by tools/build/lua-library.sh)
//  and its steps, wfa_script_NAME for shared/lua/NAME.lua.
extern const wfa_lua_library_t wfa_lua_wfa;
#define WFA_LUA_STEP(library, step, read_only) extern const wfa_script_t wfa_script_##step;
#include "lua/wfa.steps.h"
#undef WFA_LUA_STEP

#define WFA_PREFIX_MAX 32

//  Key prefix "wfa:{PEMDA}:" into buf.
char *wfa_store_prefix (const char *pemda, char *buf, size_t size);

//  The one place a pemda's key names are made: "wfa:{PEMDA}:" followed by
//  the printf-formatted rest, e.g. wfa_store_key (buf, sizeof buf, "35.08",
//  "emp:%s", nip). Returns buf. Pass the result as an argument (%s, or in an
//  argv), never as a format.
#define WFA_KEY_MAX 256
char *wfa_store_key (char *buf, size_t size, const char *pemda, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Pemda of an employee. Returns 0 and fills buf, -1 if unknown, -2 if
//  Redis is unavailable.
int wfa_store_pemda_of_nip (wfa_redis_t *redis, const char *nip, char *buf, size_t size);

//  A pemda's time zone (minutes east of UTC): its policy's (policy:tz),
//  else its province's.
int wfa_store_pemda_tz (wfa_redis_t *redis, const char *pemda);

//  Pemda of the person in field of call (e.g. "as"); records
//  UNKNOWN_EMPLOYEE (FORBIDDEN for a national read-only account) or
//  REDIS_UNAVAILABLE on the call and returns -1 if there is none.
int wfa_store_call_pemda (wfa_call_t *call, wfa_redis_t *redis, const char *field,
                          const char *nip, char *buf, size_t size);

//  Pemda of a request id in a call; records NOT_FOUND on field "request_id"
//  and returns -1 when the id names no pemda. A NULL id (already refused by
//  its getter) returns -1 and records nothing.
int wfa_store_call_request_pemda (wfa_call_t *call, const char *request_id, char *buf, size_t size);

//  An OPD a call's field (a filter) names in pemda: known when an employee
//  was ever imported into it (the pemda's set opds). Returns 0, or -1 with
//  NOT_FOUND about field (or REDIS_UNAVAILABLE) on call.
int wfa_store_call_opd (wfa_call_t *call, wfa_redis_t *redis, const char *field, const char *pemda,
                        const char *opd);

//  Run a Lua step with nkeys keys and one argument, a msgpack map of the
//  pair_count name/value pairs in pairs (name, value, name, value, ...; a
//  NULL value is left out; lens: per pair, the value's length, or NULL for
//  C strings). Returns what wfa_redis_fcall returns.
redisReply *wfa_store_step (wfa_redis_t *redis, const wfa_script_t *script, int nkeys,
                            const char **keys, size_t pair_count, const char **pairs,
                            const size_t *lens);

//  Run a Lua step with nkeys keys and one argument, the msgpack map the
//  caller packed into map (for a step whose map holds arrays or maps).
redisReply *wfa_store_step_map (wfa_redis_t *redis, const wfa_script_t *script, int nkeys,
                                const char **keys, const msgpack_sbuffer *map);

//  Read the reply of a Lua step, which answers {"ok"|"dup", value, ...} or
//  {"err", CODE, detail[, field]}: returns reply for "ok" or "dup", or NULL
//  after recording the error on call (REDIS_UNAVAILABLE for no reply, the
//  step's code about the step's field or else field, INTERNAL for any other
//  shape).
const redisReply *wfa_store_step_reply (wfa_call_t *call, const redisReply *reply, const char *field);

//  The answer an idempotency record (idem:...) keeps, as the Lua steps
//  write it (shared/lua/lib/idem.lua): "FINGERPRINT=ANSWER", or a bare
//  answer written before fingerprints. Returns the answer (within stored),
//  or NULL with IDEMPOTENCY_MISMATCH (field key) recorded on call when the
//  fingerprint is not the call's (wfa_call_fingerprint).
const char *wfa_store_idem_answer (wfa_call_t *call, const char *stored);

//  The value of an idempotency record for call's answer, into buf:
//  "FINGERPRINT=ANSWER".
const char *wfa_store_idem_value (wfa_call_t *call, const char *answer, char *buf, size_t size);

//  Run a Lua step for a call (wfa_store_step_map) and read its reply
//  (wfa_store_step_reply): the reply for "ok" or "dup", which the caller
//  frees; NULL, with the error recorded on call and nothing to free.
redisReply *wfa_store_call_step (wfa_call_t *call, wfa_redis_t *redis, const wfa_script_t *script,
                                 int nkeys, const char **keys, const msgpack_sbuffer *map);

//  The same, for a step whose value is a string: returns value, or NULL
//  after recording the error on call (INTERNAL when the value is not a
//  string). The value lives as long as reply.
const char *wfa_store_step_result (wfa_call_t *call, const redisReply *reply, const char *field);

//  True if a Lua step answered {"ok"|"dup", ...}: for a step no caller
//  answers (a consumer's, a timer's), whose errors only go to the log.
bool wfa_store_step_ok (const redisReply *reply);

//  Answer call with requests from an index of pemda (list.lua): fields
//  "requests", "count" and "next_cursor", the page after cursor (NULL or
//  "": the first). Filters may be NULL or "".
void wfa_store_reply_list (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                           const char *index, int64_t limit, const char *state,
                           const char *opd, const char *nip, const char *cursor);

//  Answer call with the requests of pemda changed after the sync cursor
//  changed_since ("" or "0": from the beginning), in the order of change:
//  "requests", "count", "next_cursor" and "sync_cursor". Filters as above.
void wfa_store_reply_changes (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                              int64_t limit, const char *state, const char *opd,
                              const char *nip, const char *changed_since);

//  One page of a sorted set of pemda (page.lua): its members after cursor
//  ("" for the first page), highest score first when desc. Returns the
//  step's reply ({"ok", members, next_cursor}: element 1 the members,
//  element 2 the next cursor; the caller frees it), or NULL with the error
//  on call.
redisReply *wfa_store_page (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                            const char *index, const char *cursor, int64_t limit, bool desc);

//  The optional "cursor" field of a list call (a next_cursor: lowercase
//  hex, at most 512 bytes), "" when absent; NULL after BAD_CURSOR.
const char *wfa_store_call_cursor (wfa_call_t *call, const char *field);

//  Add to a call's reply, under key, the requests of index in state (e.g.
//  "idx:no_approver", "pending", "no_approver").
void wfa_store_pack_index (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                           const char *index, int64_t limit, const char *state, const char *key);

//  Pemda code inside a request id (REQ-35.08-000001). Returns 0 or -1.
int wfa_store_pemda_of_request (const char *request_id, char *buf, size_t size);

//  Pack a request map from an HGETALL reply; with history (an LRANGE reply
//  of msgpack entries) when given.
void wfa_store_pack_request (msgpack_packer *pk, const redisReply *fields,
                             const redisReply *history);

//  Pack an array of requests from a list.lua reply.
void wfa_store_pack_requests (msgpack_packer *pk, const redisReply *list);

//  Pack one stored audit entry (13 fields joined by byte 31) as a map with
//  seq, at, request_id, actor, role, on_behalf_of, action, from, to,
//  reason, policy_version, prev, hash; nil if it is malformed.
void wfa_store_pack_audit (msgpack_packer *pk, const char *entry, size_t len);

//  Pack stored msgpack bytes as an object; nil if they do not decode.
void wfa_store_pack_blob (msgpack_packer *pk, const char *data, size_t size);

//  Pack the stored blobs of a Redis array (e.g. an HMGET's) as an array,
//  nil for a missing one; an empty array when list is NULL or no array.
void wfa_store_pack_blobs (msgpack_packer *pk, const redisReply *list);

//  Pack a stored list of len bytes, items split by separator (a request's
//  dates by ',', an employee's roles by ';'), as an array of str; "" is [].
void wfa_store_pack_list (msgpack_packer *pk, const char *text, size_t len, char separator);

//  Call fn for every pemda in the registry (wfa:pemdas), with its key
//  prefix. Returns -1 if Redis is unavailable.
typedef void (wfa_pemda_fn) (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg);
int wfa_store_each_pemda (wfa_redis_t *redis, wfa_pemda_fn *fn, void *arg);

//  A cache of parsed policies by pemda, each at its stored version.
zhashx_t *wfa_store_policy_cache_new (void);

//  The policy of a pemda at version (0: the defaults), parsed once and
//  kept in cache. NULL if Redis is unavailable.
wfa_policy_t *wfa_store_policy (zhashx_t *cache, wfa_redis_t *redis, const char *pemda,
                                int64_t version);

//  The policy in force for a pemda, and its version. NULL if Redis is unavailable.
wfa_policy_t *wfa_store_policy_current (zhashx_t *cache, wfa_redis_t *redis, const char *pemda,
                                        int64_t *version);

//  Two fields of an employee's record (HMGET wfa:{PEMDA}:emp:NIP first
//  second) into the buffers, each "" when absent. -1, answered on call
//  (REDIS_UNAVAILABLE), when Redis is out of reach.
int wfa_store_employee_fields (wfa_call_t *call, wfa_redis_t *redis, const char *pemda,
                               const char *nip, const char *first, char *first_buf,
                               size_t first_size, const char *second, char *second_buf,
                               size_t second_size);

//  Field of a flat HGETALL reply, or "" when absent.
const char *wfa_store_hash_field (const redisReply *hash, const char *name);

//  The employee of an HGETALL reply (NULL or empty: not on record) as the
//  judge reads them (wfa_judge.h); position_asked as wfa_eligibility_t says.
//  The texts point into hash.
void wfa_store_judge_employee (const redisReply *hash, const char *nip, const char *position_asked,
                               wfa_judge_employee_t *employee);

//  Day numbers of the dates in an array reply (HKEYS of a calendar),
//  sorted, bad ones left out: an array the caller frees, *count entries.
int *wfa_store_days_off (const redisReply *dates, size_t *count);

//  When a step opened at opened_ms with an SLA of sla_ms runs out: in the
//  pemda's working time (wfa_calendar_deadline). An SLA hour shortened for
//  tests (WFA_SLA_HOUR_MS) counts plain elapsed time, so a test with
//  one-second hours does not wait for Monday.
int64_t wfa_store_step_due (int64_t opened_ms, int64_t sla_ms, const int *days_off, size_t count,
                            int tz_minutes);

//  When each step of a chain ("role:sla_ms:on_timeout,...") opened at
//  now_ms runs out, comma-separated into buf, by the pemda's days off
//  (calendar: its dates, as HKEYS or HGETALL of the calendar give them).
void wfa_store_step_dues (const char *chain, int64_t now_ms, const redisReply *calendar,
                          int tz_minutes, char *buf, size_t size);

//  After a pemda's calendar changed: move every step deadline still
//  waiting to where the new days off (day numbers, in any order) put it,
//  counted from the step's opening. Returns the number moved, -1 if Redis
//  is unavailable.
int wfa_store_move_deadlines (wfa_redis_t *redis, const char *pemda, const int *days_off, size_t count,
                              int tz_minutes);

void wfa_store_test (bool verbose);

#endif
