/*  wfa-requests - personnel data and flexible-work requests.

    Serves EMPLOYEE.IMPORT, EMPLOYEE.GET, REQUEST.SUBMIT, REQUEST.GET and
    REQUEST.LIST. A submission is checked completely (every problem is
    reported at once), then stored with its request.submitted event in
    one Lua step (shared/lua/submit.lua): the outbox is what makes the
    rest of the workflow happen, even if this process dies right after. */
#include "wfa.h"

#define S_ROWS_MAX 1000
#define S_DATES_MAX 31
#define S_PLAN_MAX 20




// ---------------------------------------------------------------------
//  EMPLOYEE.IMPORT

typedef struct {
    wfa_call_t *call;           //  Where problems go
} s_import_t;

static void
s_row_problem (void *arg, const wfa_employee_t *row, wfa_code_t code, const char *field)
{
    s_import_t *import = (s_import_t *) arg;
    wfa_call_error (import->call, code, field, NULL, row->line);
}

//  A str field of a row map, copied; "" when absent; NULL (and a problem)
//  when of the wrong type or too long.
static char *
s_row_str (wfa_call_t *call, const msgpack_object *row, const char *field, int index,
           bool *bad)
{
    const msgpack_object *value = wfa_mp_get (row, field);
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        return strdup ("");
    if (value->type != MSGPACK_OBJECT_STR) {
        wfa_call_error (call, WFA_E_WRONG_TYPE, field, NULL, index);
        *bad = true;
        return NULL;
    }
    if (value->via.str.size > 1000 || memchr (value->via.str.ptr, 0, value->via.str.size)) {
        wfa_call_error (call, WFA_E_TOO_LARGE, field, NULL, index);
        *bad = true;
        return NULL;
    }
    return wfa_mp_strdup (value);
}

//  Roles as an array of str (or a ';'-separated str), joined with ';'.
static char *
s_row_roles (wfa_call_t *call, const msgpack_object *row, int index, bool *bad)
{
    const msgpack_object *value = wfa_mp_get (row, "roles");
    if (value && value->type == MSGPACK_OBJECT_ARRAY) {
        zchunk_t *joined = zchunk_new (NULL, 64);
        for (uint32_t role_nbr = 0; role_nbr < value->via.array.size; role_nbr++) {
            const msgpack_object *role = &value->via.array.ptr [role_nbr];
            if (role->type != MSGPACK_OBJECT_STR || role->via.str.size > 32) {
                wfa_call_error (call, WFA_E_WRONG_TYPE, "roles", NULL, index);
                *bad = true;
                break;
            }
            if (role_nbr)
                zchunk_extend (joined, ";", 1);
            zchunk_extend (joined, role->via.str.ptr, role->via.str.size);
        }
        zchunk_extend (joined, "", 1);
        char *text = strdup ((char *) zchunk_data (joined));
        zchunk_destroy (&joined);
        return text;
    }
    return s_row_str (call, row, "roles", index, bad);
}

//  True if a reply is what a step that worked returns; records why not.
static bool
s_reply_is (wfa_call_t *call, redisReply *reply, int type)
{
    if (wfa_call_redis_down (call, reply))
        return false;
    if (reply->type == type)
        return true;
    wfa_log ("E", "unexpected Redis reply: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "?");
    wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    return false;
}

//  True if the ';'-separated role lists hold the same roles.
static bool
s_same_roles (const char *left, const char *right)
{
    unsigned sets [2] = { 0, 0 };
    const char *lists [2] = { left? left: "", right? right: "" };
    for (int list_nbr = 0; list_nbr < 2; list_nbr++)
        for (const char *cursor = lists [list_nbr]; *cursor; ) {
            size_t len = strcspn (cursor, ";");
            sets [list_nbr] |= 1u << wfa_role_lookup (cursor, len);
            cursor += len + (cursor [len] == ';');
        }
    return sets [0] == sets [1];
}

//  Who may import these rows: the operator (key), or an admin pemda or
//  integrator of each row's pemda, and then only for people not on record
//  in another pemda (a transfer between pemda is the operator's). Nobody
//  changes their own roles or makes themselves someone's atasan; only an
//  admin pemda grants or takes away roles (an integrator passes the roles
//  on record through, and gives new people pegawai and atasan only).
//  Problems by row, all of them.
static void
s_import_allowed (wfa_call_t *call, wfa_redis_t *redis, const wfa_actor_t *actor,
                  wfa_employee_t *employees, uint32_t count, bool operator)
{
    bool admin = actor && (actor->roles & (1u << WFA_ROLE_ADMIN_PEMDA)) != 0;
    for (uint32_t row_nbr = 0; row_nbr < count; row_nbr++) {
        const wfa_employee_t *employee = &employees [row_nbr];
        int index = (int) row_nbr;
        if (operator)
            continue;
        wfa_target_t target = { employee->pemda, NULL, NULL, NULL, false };
        if (!wfa_authz_allows (actor, WFA_ACT_IMPORT, &target)) {
            wfa_call_error (call, WFA_E_FORBIDDEN, "pemda", "admin_pemda or integrator of this pemda", index);
            continue;
        }
        char old_pemda [16];
        int found = wfa_store_pemda_of_nip (redis, employee->nip, old_pemda, sizeof old_pemda);
        if (found == -2) {
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
            return;
        }
        if (found == 0 && !streq (old_pemda, employee->pemda)) {
            wfa_call_error (call, WFA_E_FORBIDDEN, "nip",
                            "on record in another pemda / terdaftar di pemda lain", index);
            continue;
        }
        char roles [256] = "", supervisor [24] = "";
        if (found == 0) {
            redisReply *stored = wfa_redis_command (redis, "HMGET wfa:{%s}:emp:%s roles supervisor_nip",
                                                    employee->pemda, employee->nip);
            if (wfa_call_redis_down (call, stored))
                return;
            if (stored->type == REDIS_REPLY_ARRAY && stored->elements == 2) {
                if (stored->element [0]->type == REDIS_REPLY_STRING)
                    snprintf (roles, sizeof roles, "%s", stored->element [0]->str);
                if (stored->element [1]->type == REDIS_REPLY_STRING)
                    snprintf (supervisor, sizeof supervisor, "%s", stored->element [1]->str);
            }
            freeReplyObject (stored);
        }
        bool same = found == 0 && s_same_roles (roles, employee->roles);
        //  What anyone may give a newcomer: pegawai, atasan
        bool plain = s_same_roles (employee->roles, "pegawai") || s_same_roles (employee->roles, "")
                  || s_same_roles (employee->roles, "pegawai;atasan") || s_same_roles (employee->roles, "atasan");
        //  (an integrator account is no person: it has no roles or team of its own)
        if (*actor->nip && streq (employee->nip, actor->nip) && !same)
            wfa_call_error (call, WFA_E_FORBIDDEN, "roles", "your own roles / peran sendiri", index);
        else
        if (!admin && !same && (found == 0 || !plain))
            wfa_call_error (call, WFA_E_FORBIDDEN, "roles", "only an admin_pemda grants roles", index);
        if (*actor->nip && employee->supervisor_nip && streq (employee->supervisor_nip, actor->nip)
        &&  !streq (supervisor, actor->nip))
            wfa_call_error (call, WFA_E_FORBIDDEN, "supervisor_nip", "yourself / diri sendiri", index);
    }
}

//  Store a validated batch. A retry with the same key gets the first
//  answer; a batch cut short by a crash is completed by its retry, since
//  every step below is an upsert.
static void
s_import_store (wfa_call_t *call, wfa_redis_t *redis, const char *key,
                wfa_employee_t *employees, uint32_t count, const char *importer, bool operator)
{
    //  Keys are the importer's own: another importer's key is another key
    redisReply *reply = wfa_redis_command (redis, "GET wfa:idem:import:%s:%s", importer, key);
    if (wfa_call_redis_down (call, reply))
        return;
    int created = 0, updated = 0;
    if (reply->type == REDIS_REPLY_STRING && sscanf (reply->str, "%d,%d", &created, &updated) == 2) {
        freeReplyObject (reply);
        msgpack_pack_int (wfa_call_reply (call, "imported"), created + updated);
        msgpack_pack_int (wfa_call_reply (call, "created"), created);
        msgpack_pack_int (wfa_call_reply (call, "updated"), updated);
        return;
    }
    freeReplyObject (reply);
    //  Each pemda gets its outbox and consumer groups before its people
    for (uint32_t row_nbr = 0; row_nbr < count; row_nbr++)
        if (row_nbr == 0 || !streq (employees [row_nbr].pemda, employees [row_nbr - 1].pemda))
            if (wfa_outbox_register (redis, employees [row_nbr].pemda)) {
                wfa_call_redis_down (call, NULL);       //  Out of reach, or full
                return;
            }
    for (uint32_t row_nbr = 0; row_nbr < count; row_nbr++) {
        wfa_employee_t *employee = &employees [row_nbr];
        char old_pemda [16] = "";
        int found = wfa_store_pemda_of_nip (redis, employee->nip, old_pemda, sizeof old_pemda);
        if (found == -2) {
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
            return;
        }
        char prefix [WFA_PREFIX_MAX];
        bool moved = found == 0 && !streq (old_pemda, employee->pemda);
        if (moved && !operator) {
            //  Another import moved this NIP in since the check: refused
            wfa_call_error (call, WFA_E_FORBIDDEN, "nip",
                            "on record in another pemda / terdaftar di pemda lain", (int) row_nbr);
            return;
        }
        if (moved) {
            //  Leave the old pemda first: a crash later leaves wfa:nip on the
            //  old pemda, so the retry takes this path again
            wfa_store_prefix (old_pemda, prefix, sizeof prefix);
            const char *argv [] = { prefix, employee->nip };
            reply = wfa_redis_eval (redis, &wfa_script_leave, 1, 2, argv, NULL);
            if (!s_reply_is (call, reply, REDIS_REPLY_INTEGER)) {
                if (reply)
                    freeReplyObject (reply);
                return;
            }
            freeReplyObject (reply);
        }
        wfa_store_prefix (employee->pemda, prefix, sizeof prefix);
        //  The 7 required fields, then name/value pairs of the optional ones given
        const char *argv [8 + 2 * WFA_EMPLOYEE_FIELDS];
        int argc = 0;
        argv [argc++] = prefix;
        for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++) {
            const char *value = *wfa_employee_field (employee, field_nbr);
            if (field_nbr < 7)
                argv [argc++] = value? value: "";
            else
            if (value) {
                argv [argc++] = wfa_employee_field_name (field_nbr);
                argv [argc++] = value;
            }
        }
        reply = wfa_redis_eval (redis, &wfa_script_import, 1, argc, argv, NULL);
        if (!s_reply_is (call, reply, REDIS_REPLY_INTEGER)) {
            if (reply)
                freeReplyObject (reply);
            return;
        }
        if (reply->integer == 1 || moved)
            created++;
        else
            updated++;
        freeReplyObject (reply);
        reply = wfa_redis_command (redis, "SET wfa:nip:%s %s", employee->nip, employee->pemda);
        if (!s_reply_is (call, reply, REDIS_REPLY_STATUS)) {
            if (reply)
                freeReplyObject (reply);
            return;
        }
        freeReplyObject (reply);
    }
    reply = wfa_redis_command (redis, "SET wfa:idem:import:%s:%s %d,%d EX %" PRId64, importer, key, created,
                               updated, wfa_config_int (WFA_CFG_IDEM_TTL));
    if (reply)
        freeReplyObject (reply);
    msgpack_pack_int (wfa_call_reply (call, "imported"), (int) count);
    msgpack_pack_int (wfa_call_reply (call, "created"), created);
    msgpack_pack_int (wfa_call_reply (call, "updated"), updated);
}

static void
s_employee_import (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    bool dry_run = wfa_call_bool (call, "dry_run", false);
    //  Who imports: the operator's key, or an admin pemda or integrator
    bool operator = wfa_call_principal (call)->kind == WFA_PRINCIPAL_OPERATOR;
    wfa_actor_t actor;
    if (!operator)
        wfa_authz_actor (call, redis, &actor);
    const msgpack_object *rows = wfa_call_array (call, "rows", S_ROWS_MAX, true, true);
    if (wfa_call_failed (call))
        return;

    uint32_t count = rows->via.array.size;
    wfa_employee_t *employees = (wfa_employee_t *) calloc (count + 1, sizeof (wfa_employee_t));
    assert (employees);
    s_import_t import = { call };
    zhash_t *seen = zhash_new ();
    for (uint32_t row_nbr = 0; row_nbr < count; row_nbr++) {
        const msgpack_object *row = &rows->via.array.ptr [row_nbr];
        wfa_employee_t *employee = &employees [row_nbr];
        employee->line = (int) row_nbr;
        if (row->type != MSGPACK_OBJECT_MAP) {
            wfa_call_error (call, WFA_E_WRONG_TYPE, "rows", NULL, (int) row_nbr);
            continue;
        }
        bool bad = false;
        //  Required fields ("" when absent), then roles, then the optional
        //  ones (NULL when absent: left as they are)
        for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++) {
            const char *name = wfa_employee_field_name (field_nbr);
            if (streq (name, "roles"))
                employee->roles = s_row_roles (call, row, (int) row_nbr, &bad);
            else
            if (field_nbr < 7 || wfa_mp_get (row, name))
                *wfa_employee_field (employee, field_nbr) = s_row_str (call, row, name, (int) row_nbr, &bad);
        }
        if (bad)
            continue;
        if (wfa_employee_validate (employee, s_row_problem, &import) == 0) {
            if (zhash_insert (seen, employee->nip, employee) != 0)
                wfa_call_error (call, WFA_E_BAD_VALUE, "nip", "NIP ganda dalam batch / duplicate NIP in batch",
                                (int) row_nbr);
        }
    }
    zhash_destroy (&seen);
    if (!wfa_call_failed (call) && !operator)
        s_import_allowed (call, redis, &actor, employees, count, false);
    if (!wfa_call_failed (call) && operator)
        s_import_allowed (call, redis, NULL, employees, count, true);
    if (wfa_call_code (call) == WFA_E_FORBIDDEN || wfa_call_code (call) == WFA_E_REDIS_UNAVAILABLE)
        ;   //  Said as it is: not a problem of the file
    else
    if (wfa_call_failed (call))
        wfa_call_summary (call, WFA_E_IMPORT_INVALID, NULL);
    else
    if (!dry_run) {
        //  Who imported, for the record: a NIP, or the account that is no person
        char importer [WFA_PRINCIPAL_MAX];
        if (!operator && *actor.nip)
            snprintf (importer, sizeof importer, "%s", actor.nip);
        else
            wfa_principal_format (wfa_call_principal (call), importer, sizeof importer);
        s_import_store (call, redis, key, employees, count, importer, operator);
    }
    else {
        msgpack_pack_int (wfa_call_reply (call, "imported"), 0);
        msgpack_pack_int (wfa_call_reply (call, "created"), 0);
        msgpack_pack_int (wfa_call_reply (call, "updated"), 0);
    }
    for (uint32_t row_nbr = 0; row_nbr < count; row_nbr++)
        wfa_employee_clear (&employees [row_nbr]);
    free (employees);
}

// ---------------------------------------------------------------------
//  KEYS.ALLOW: may the one signed in issue (or revoke) a key for this
//  principal? The operator may for anyone, on record or not yet; an admin
//  pemda for the people on record in its pemda and for the pemda's
//  integrator accounts.
//  Kemendagri readers and the deployment's own keys are the operator's.
//  wfactl asks before it changes the key folder.

static void
s_keys_allow (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *text = wfa_call_str (call, "principal", WFA_PRINCIPAL_MAX - 1, true);
    const char *action = wfa_call_str (call, "action", 8, true);
    wfa_principal_t principal;
    if (text && wfa_principal_parse (text, &principal))
        wfa_call_error (call, WFA_E_BAD_VALUE, "principal",
                        "employee:NIP | kemendagri:NIP | integrator:PEMDA:NAME", -1);
    if (action && !streq (action, "issue") && !streq (action, "revoke"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "action", "issue | revoke", -1);
    if (wfa_call_failed (call))
        return;
    //  An employee's pemda is where they are on record; the operator may
    //  also key someone not imported yet (a new pemda's first admin)
    bool operator = wfa_call_principal (call)->kind == WFA_PRINCIPAL_OPERATOR;
    char pemda [16] = "";
    if (principal.kind == WFA_PRINCIPAL_EMPLOYEE) {
        int found = wfa_store_pemda_of_nip (redis, principal.nip, pemda, sizeof pemda);
        if (found == -2)
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        else
        if (found == -1 && !operator)
            wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, "principal", principal.nip, -1);
    }
    else
    if (principal.kind == WFA_PRINCIPAL_INTEGRATOR)
        snprintf (pemda, sizeof pemda, "%s", principal.pemda);
    if (wfa_call_failed (call))
        return;
    if (!operator) {
        wfa_actor_t actor;
        if (wfa_authz_actor (call, redis, &actor))
            return;
        bool admin = (actor.roles & (1u << WFA_ROLE_ADMIN_PEMDA)) && *pemda
                  && streq (actor.pemda, pemda);
        if (!admin) {
            wfa_call_error (call, WFA_E_FORBIDDEN, "principal",
                            *pemda? "keys: admin_pemda of this pemda, or the operator"
                                  : "keys: the operator only", -1);
            return;
        }
    }
    wfa_mp_pack_str (wfa_call_reply (call, "principal"), text);
    wfa_mp_pack_str (wfa_call_reply (call, "pemda"), pemda);
    wfa_log ("I", "keys: %s of %s allowed", action, text);
}

// ---------------------------------------------------------------------
//  EMPLOYEE.GET

static void
s_employee_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_nip (call, "nip", true);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    wfa_target_t target;
    wfa_actor_t actor;
    redisReply *held;
    if (wfa_authz_employee (call, redis, nip, pemda, sizeof pemda, &target, &held))
        return;
    int denied = wfa_authz_call (call, redis, WFA_ACT_EMPLOYEE_READ, &target, &actor);
    if (held)
        freeReplyObject (held);
    if (denied)
        return;
    if (!*pemda) {
        wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, "nip", nip, -1);
        return;
    }
    redisReply *reply = wfa_redis_command (redis, "HGETALL wfa:{%s}:emp:%s", pemda, nip);
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, "nip", nip, -1);
    else {
        msgpack_packer *pk = wfa_call_reply (call, "employee");
        msgpack_pack_map (pk, reply->elements / 2);
        for (size_t item_nbr = 0; item_nbr + 1 < reply->elements; item_nbr += 2) {
            const redisReply *name = reply->element [item_nbr];
            const redisReply *value = reply->element [item_nbr + 1];
            wfa_mp_pack_strn (pk, name->str, name->len);
            if (streq (name->str, "roles")) {
                //  Stored ';'-separated, answered as an array
                int roles = value->len? 1: 0;
                for (size_t char_nbr = 0; char_nbr < value->len; char_nbr++)
                    roles += value->str [char_nbr] == ';';
                msgpack_pack_array (pk, roles);
                const char *cursor = value->str;
                for (int role_nbr = 0; role_nbr < roles; role_nbr++) {
                    size_t len = strcspn (cursor, ";");
                    wfa_mp_pack_strn (pk, cursor, len);
                    cursor += len + (cursor [len] == ';');
                }
            }
            else
                wfa_mp_pack_strn (pk, value->str, value->len);
        }
    }
    freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  REQUEST.SUBMIT

static int
s_compare_str (const void *left, const void *right)
{
    return strcmp (*(const char **) left, *(const char **) right);
}


//  The service's state: parsed policies, by pemda, at their stored version.
typedef struct {
    zhashx_t *policies;         //  wfa_store_policy_cache_new
    wfa_audit_t *audit;         //  The audit sealer, made once the config is loaded
} s_requests_t;

//  Working days strictly between two days (Mon-Fri, not on the calendar).
static int
s_working_days_between (int from, int to, const redisReply *calendar)
{
    int count = 0;
    for (int day = from + 1; day < to; day++) {
        char date [11];
        if (wfa_date_is_weekday (day) && !*wfa_store_hash_field (calendar, wfa_date_format (day, date)))
            count++;
    }
    return count;
}

//  If key was already answered for nip, replace the call's errors with that
//  answer and return 1; 0 if not; -1 if Redis is unavailable (errors kept).
static int
s_submit_answered (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *nip,
                   const char *key)
{
    const char *again = streq (wfa_call_command (call), "REQUEST.RESUBMIT")?
                        wfa_call_str (call, "request_id", 64, false): "";
    redisReply *reply = wfa_redis_command (redis, "GET wfa:{%s}:idem:submit:%s:%s:%s", pemda, nip,
                                           again? again: "", key);
    if (!reply)
        return -1;
    int answered = reply->type == REDIS_REPLY_STRING? 1: 0;
    if (answered) {
        wfa_call_clear (call);
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), reply->str);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), "submitted");
    }
    freeReplyObject (reply);
    return answered;
}

//  Judge a submission by every rule of the pemda's policy that can be
//  judged before the atomic step: dates, kind, days, notice, blackout,
//  eligibility. Records every problem; returns the weekly cap to enforce
//  (-1: none) for the atomic step.
static int
s_judge (wfa_call_t *call, const wfa_rules_t *rules, wfa_policy_t *policy, const char *nip,
         const char *kind, const char *time_kind, zlist_t *dates, const redisReply *employee,
         const redisReply *calendar, int today, const char **sorted, size_t *sorted_count,
         int *days_sorted)
{
    char detail [300];
    const char *opd = wfa_store_hash_field (employee, "opd");
    int kind_nbr = kind? wfa_kind_parse (kind): -1;
    if (kind && kind_nbr < 0)
        wfa_call_error (call, WFA_E_BAD_KIND, "kind", NULL, -1);
    else
    if (kind && !rules->kind_allowed [kind_nbr])
        wfa_call_error (call, WFA_E_KIND_NOT_ALLOWED, "kind", kind, -1);
    //  Location and time together (lokasi dan/atau waktu): a location kind
    //  with a time kind beside it
    bool location_kind = kind_nbr >= WFA_KIND_RUMAH && kind_nbr <= WFA_KIND_LOKASI_LAIN;
    if (time_kind) {
        int time_nbr = wfa_kind_parse (time_kind);
        if (time_nbr != WFA_KIND_SIF && time_nbr != WFA_KIND_DINAMIS)
            wfa_call_error (call, WFA_E_BAD_KIND, "time_kind", time_kind, -1);
        else
        if (kind_nbr >= 0 && !location_kind)
            wfa_call_error (call, WFA_E_BAD_KIND, "time_kind", kind, -1);    //  Only beside a location kind
        else
        if (!rules->kind_allowed [time_nbr])
            wfa_call_error (call, WFA_E_KIND_NOT_ALLOWED, "time_kind", time_kind, -1);
    }

    //  Dates: real, after today in the pemda's zone, days the unit works,
    //  not days off or in a blackout, once each
    *sorted_count = 0;
    for (char *date = (char *) zlist_first (dates); date; date = (char *) zlist_next (dates)) {
        int day = 0;
        const char *day_off = "";
        if (wfa_date_parse (date, &day))
            wfa_call_error (call, WFA_E_BAD_DATE, "dates", date, -1);
        else
        if (day <= today)
            wfa_call_error (call, WFA_E_DATE_NOT_FUTURE, "dates", date, -1);
        else
        if (!wfa_hours_working_day (rules->working_days, day))
            wfa_call_error (call, WFA_E_NOT_WORKING_DAY, "dates", date, -1);
        else
        if (*(day_off = wfa_store_hash_field (calendar, date))) {
            //  A day off of the pemda's calendar: "kind|name"
            const char *bar = strchr (day_off, '|');
            snprintf (detail, sizeof detail, "%s (%.*s: %s)", date,
                      bar? (int) (bar - day_off): 0, day_off, bar? bar + 1: "");
            wfa_call_error (call, WFA_E_NOT_WORKING_DAY, "dates", detail, -1);
        }
        else
        if (wfa_policy_opd_blackout (policy, opd, day))
            wfa_call_error (call, WFA_E_BLACKOUT, "dates", date, -1);
        else
            sorted [(*sorted_count)++] = date;
    }
    qsort (sorted, *sorted_count, sizeof (char *), s_compare_str);
    for (size_t date_nbr = 0; date_nbr < *sorted_count; date_nbr++) {
        wfa_date_parse (sorted [date_nbr], &days_sorted [date_nbr]);
        if (date_nbr > 0 && streq (sorted [date_nbr], sorted [date_nbr - 1]))
            wfa_call_error (call, WFA_E_DUPLICATE_DATE, "dates", sorted [date_nbr], -1);
    }
    size_t date_count = zlist_size (dates);
    if (date_count > (size_t) rules->max_days_per_request) {
        snprintf (detail, sizeof detail, "%zu > %d", date_count, rules->max_days_per_request);
        wfa_call_error (call, WFA_E_TOO_MANY_DAYS, "dates", detail, -1);
    }
    if (*sorted_count > 0 && rules->min_notice_working_days > 0) {
        int notice = s_working_days_between (today, days_sorted [0], calendar);
        if (notice < rules->min_notice_working_days) {
            snprintf (detail, sizeof detail, "%s: %d < %d", sorted [0], notice,
                      rules->min_notice_working_days);
            wfa_call_error (call, WFA_E_NOTICE_TOO_SHORT, "dates", detail, -1);
        }
    }
    //  Eligibility (art. 25): sanctions in force today or on a day asked
    //  for, suspension, months of service, predikat, position; judged again
    //  at the final approval (wfa-approvals)
    if (employee && employee->type == REDIS_REPLY_ARRAY && employee->elements > 0) {
        wfa_eligibility_t who = { nip, wfa_store_hash_field (employee, "sanctions"),
            wfa_store_hash_field (employee, "suspended_until"), wfa_store_hash_field (employee, "service_start"),
            wfa_store_hash_field (employee, "predikat"), wfa_store_hash_field (employee, "position"),
            wfa_store_hash_field (employee, "position_eligible"), NULL };
        wfa_eligibility_problem_t problems [WFA_ELIGIBILITY_PROBLEMS_MAX];
        size_t count = wfa_eligibility_judge (rules, &who, today, days_sorted, *sorted_count, problems);
        for (size_t problem_nbr = 0; problem_nbr < count; problem_nbr++)
            wfa_call_error (call, problems [problem_nbr].code, "as", problems [problem_nbr].detail, -1);
    }
    //  Not held to the cap: field-based positions, and every day asked for
    //  within an approved special circumstance; time flexibility keeps the
    //  employee at the office, so it has no location cap
    bool exempt = rules->field_based_exempt_from_cap && wfa_flag_yes (wfa_store_hash_field (employee, "field_based"));
    if (rules->special_circumstance_exempt_from_cap && *sorted_count > 0
    &&  wfa_ranges_cover (wfa_store_hash_field (employee, "special_circumstances"), days_sorted, *sorted_count,
                          true, NULL, 0))
        exempt = true;
    return exempt || !location_kind? -1: rules->weekly_location_days;
}

//  Minutes since midnight of "HH:MM", or -1.
static int
s_clock (const char *text)
{
    int hours = 0, minutes = 0;
    char tail = 0;
    if (!text || strlen (text) != 5 || !isdigit ((unsigned char) text [0])
    ||  !isdigit ((unsigned char) text [1]) || text [2] != ':' || !isdigit ((unsigned char) text [3])
    ||  !isdigit ((unsigned char) text [4])
    ||  sscanf (text, "%2d:%2d%c", &hours, &minutes, &tail) != 2
    ||  hours > 23 || minutes > 59)
        return -1;
    return hours * 60 + minutes;
}

//  Time flexibility (sif, dinamis): a schedule for every date asked for,
//  {date, start, end}, so that each ISO week touched still reaches the
//  pemda's weekly hours (wfa_hours_week: breaks subtracted, Ramadan days of
//  the calendar at the Ramadan hours, the days the unit works). A shift
//  whose end is before its start crosses midnight, dated by its start.
//  Records problems; writes the schedule as "DATE=HH:MM-HH:MM,..." to text.
static void
s_judge_schedule (wfa_call_t *call, const wfa_rules_t *rules, const char **sorted,
                  const int *days_sorted, size_t count, const redisReply *ramadan,
                  char *text, size_t size)
{
    *text = 0;
    const msgpack_object *schedule = wfa_mp_get (wfa_call_body (call), "schedule");
    if (!schedule || schedule->type != MSGPACK_OBJECT_ARRAY) {
        wfa_call_error (call, schedule? WFA_E_WRONG_TYPE: WFA_E_MISSING_FIELD, "schedule", NULL, -1);
        return;
    }
    int starts [S_DATES_MAX], ends [S_DATES_MAX];
    bool given [S_DATES_MAX] = { false };
    for (uint32_t entry_nbr = 0; entry_nbr < schedule->via.array.size && entry_nbr < 64; entry_nbr++) {
        const msgpack_object *entry = &schedule->via.array.ptr [entry_nbr];
        char *date = wfa_mp_strdup (wfa_mp_get (entry, "date"));
        char *start = wfa_mp_strdup (wfa_mp_get (entry, "start"));
        char *end = wfa_mp_strdup (wfa_mp_get (entry, "end"));
        int from = s_clock (start), to = s_clock (end);
        size_t date_nbr = 0;
        while (date && date_nbr < count && !streq (sorted [date_nbr], date))
            date_nbr++;
        if (!date || date_nbr == count || given [date_nbr])
            wfa_call_error (call, WFA_E_BAD_VALUE, "schedule", date? date: "date", -1);
        else
        if (wfa_hours_span (from, to) < 0)
            wfa_call_error (call, WFA_E_BAD_VALUE, "schedule", date, -1);
        else {
            starts [date_nbr] = from;
            ends [date_nbr] = to;
            given [date_nbr] = true;
            char item [40];
            snprintf (item, sizeof item, "%s%s=%02d:%02d-%02d:%02d", *text? ",": "", date,
                      from / 60, from % 60, to / 60, to % 60);
            if (strlen (text) + strlen (item) < size)
                strcat (text, item);
        }
        free (date);
        free (start);
        free (end);
    }
    for (size_t date_nbr = 0; date_nbr < count; date_nbr++)
        if (!given [date_nbr])
            wfa_call_error (call, WFA_E_MISSING_FIELD, "schedule", sorted [date_nbr], -1);
    if (wfa_call_failed (call))
        return;
    //  A shift into the next morning must end before the next day's starts
    for (size_t date_nbr = 0; date_nbr + 1 < count; date_nbr++)
        if (days_sorted [date_nbr + 1] == days_sorted [date_nbr] + 1
        &&  wfa_hours_overlap (starts [date_nbr], ends [date_nbr], starts [date_nbr + 1])) {
            char detail [64];
            snprintf (detail, sizeof detail, "%s: overlaps %s", sorted [date_nbr], sorted [date_nbr + 1]);
            wfa_call_error (call, WFA_E_BAD_VALUE, "schedule", detail, -1);
        }
    //  Each ISO week touched: scheduled days as scheduled, the others ordinary
    for (size_t date_nbr = 0; date_nbr < count; date_nbr++) {
        int monday = days_sorted [date_nbr] - (wfa_date_weekday (days_sorted [date_nbr]) + 6) % 7;
        if (date_nbr > 0 && monday == days_sorted [date_nbr - 1] - (wfa_date_weekday (days_sorted [date_nbr - 1]) + 6) % 7)
            continue;               //  Week already judged
        wfa_hours_day_t week [7];
        for (int day_nbr = 0; day_nbr < 7; day_nbr++) {
            char date [11];
            week [day_nbr] = (wfa_hours_day_t) {
                *wfa_store_hash_field (ramadan, wfa_date_format (monday + day_nbr, date)) != 0, -1, -1 };
            for (size_t match = 0; match < count; match++)
                if (days_sorted [match] == monday + day_nbr) {
                    week [day_nbr].start = starts [match];
                    week [day_nbr].end = ends [match];
                }
        }
        double worked = 0, required = 0;
        wfa_hours_week (rules, monday, week, &worked, &required);
        if (worked + 1e-9 < required) {
            //  Hours with one decimal, two when a quarter hour needs them (36.25)
            char week_name [9], detail [64];
            int worked_decimals = fabs (worked * 10 - round (worked * 10)) > 1e-6? 2: 1;
            int required_decimals = fabs (required * 10 - round (required * 10)) > 1e-6? 2: 1;
            snprintf (detail, sizeof detail, "%s: %.*f < %.*f", wfa_date_iso_week (monday, week_name),
                      worked_decimals, worked, required_decimals, required);
            wfa_call_error (call, WFA_E_HOURS_SHORT, "schedule", detail, -1);
        }
    }
}

static void
s_request_submit (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    s_requests_t *self = (s_requests_t *) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_writer (call);
    const char *kind = wfa_call_str (call, "kind", 32, true);
    const char *time_kind = wfa_call_str (call, "time_kind", 32, false);
    zlist_t *dates = wfa_call_strs (call, "dates", S_DATES_MAX, 32, true);
    const char *location = wfa_call_str (call, "location", 500, true);
    const char *reason = wfa_call_str (call, "reason", 2000, true);
    zlist_t *plan = wfa_call_strs (call, "plan", S_PLAN_MAX, 500, false);
    //  REQUEST.RESUBMIT: the same rules, for a request returned for revision
    bool resubmit = streq (wfa_call_command (call), "REQUEST.RESUBMIT");
    const char *again = resubmit? wfa_call_str (call, "request_id", 64, true): "";

    //  The employee's pemda, then in one round trip what judging needs:
    //  the policy version in force, the employee, the calendar
    char pemda [16] = "";
    if (nip && wfa_store_call_pemda (call, redis, "as", nip, pemda, sizeof pemda)
    &&  wfa_call_code (call) == WFA_E_REDIS_UNAVAILABLE)
        return;
    char again_pemda [16];
    if (resubmit && again && *pemda && wfa_store_pemda_of_request (again, again_pemda, sizeof again_pemda) == 0
    &&  !streq (again_pemda, pemda))
        wfa_call_error (call, WFA_E_FORBIDDEN, "request_id", "another pemda / pemda lain", -1);
    redisReply *context = NULL;
    wfa_policy_t *policy = NULL;
    char prefix [WFA_PREFIX_MAX], policy_version [24] = "0";
    if (*pemda) {
        wfa_store_prefix (pemda, prefix, sizeof prefix);
        const char *argv [] = { prefix, nip };
        context = wfa_redis_eval (redis, &wfa_script_context, 1, 2, argv, NULL);
        if (wfa_call_redis_down (call, context))
            return;
        if (context->type != REDIS_REPLY_ARRAY || context->elements != 4) {
            wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
            freeReplyObject (context);
            return;
        }
        if (context->element [0]->type == REDIS_REPLY_STRING)
            snprintf (policy_version, sizeof policy_version, "%s", context->element [0]->str);
        policy = wfa_store_policy (self->policies, redis, pemda, atoll (policy_version));
        if (!policy) {
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
            freeReplyObject (context);
            return;
        }
    }
    wfa_policy_t *fallback = policy? NULL: wfa_policy_default ("35");
    const redisReply *employee = context? context->element [1]: NULL;
    const redisReply *calendar = context? context->element [2]: NULL;
    const redisReply *ramadan = context? context->element [3]: NULL;
    wfa_rules_t rules = wfa_policy_rules (policy? policy: fallback, wfa_store_hash_field (employee, "opd"));
    //  A unit that works other days than its OPD says so in the personnel data
    int working_days = atoi (wfa_store_hash_field (employee, "working_days"));
    if (working_days >= 5 && working_days <= 7)
        rules.working_days = working_days;
    int today = wfa_date_of_ms (wfa_now_ms (), rules.tz_minutes);
    const char *sorted [S_DATES_MAX + 1];
    int days_sorted [S_DATES_MAX + 1];
    size_t sorted_count = 0;
    int cap = s_judge (call, &rules, policy? policy: fallback, nip? nip: "", kind, time_kind, dates,
                       employee, calendar, today, sorted, &sorted_count, days_sorted);
    //  The time part (a time kind, or a time kind beside a location kind)
    //  is held to the weekly hours; the location part to the weekly cap
    char schedule [S_DATES_MAX * 40] = "";
    int kind_nbr = kind? wfa_kind_parse (kind): -1;
    if ((kind_nbr == WFA_KIND_SIF || kind_nbr == WFA_KIND_DINAMIS || time_kind) && sorted_count > 0)
        s_judge_schedule (call, &rules, sorted, days_sorted, sorted_count, ramadan, schedule,
                          sizeof schedule);
    wfa_policy_destroy (&fallback);
    if (context)
        freeReplyObject (context);

    //  A refused call may be the retry of one answered before the clock
    //  moved on (23:59 -> 00:00): then the first answer stands
    if (wfa_call_failed (call) && *pemda && key && nip
    &&  s_submit_answered (call, redis, pemda, nip, key) != 0)
        return;
    if (wfa_call_failed (call))
        return;
    //  Dates and their ISO weeks joined; plan packed as a msgpack array
    char joined [S_DATES_MAX * 11 + 1] = "", weeks [S_DATES_MAX * 9 + 1] = "";
    for (size_t date_nbr = 0; date_nbr < sorted_count; date_nbr++) {
        char week [9];
        if (date_nbr) {
            strcat (joined, ",");
            strcat (weeks, ",");
        }
        strcat (joined, sorted [date_nbr]);
        strcat (weeks, wfa_date_iso_week (days_sorted [date_nbr], week));
    }
    msgpack_sbuffer plan_buffer;
    msgpack_sbuffer_init (&plan_buffer);
    msgpack_packer plan_packer;
    msgpack_packer_init (&plan_packer, &plan_buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&plan_packer, zlist_size (plan));
    for (char *item = (char *) zlist_first (plan); item; item = (char *) zlist_next (plan))
        wfa_mp_pack_str (&plan_packer, item);

    //  The approval chain, as the policy says for the employee's OPD today
    char chain [WFA_POLICY_STEPS_MAX * 48] = "";
    wfa_policy_t *chain_policy = policy? policy: NULL;
    for (size_t step_nbr = 0; chain_policy && step_nbr < wfa_policy_steps (chain_policy); step_nbr++) {
        const wfa_step_t *step = wfa_policy_step (chain_policy, step_nbr);
        char entry [48];
        //  The SLA goes in ms, so the timer needs no clock arithmetic in Lua
        snprintf (entry, sizeof entry, "%s%s:%" PRId64 ":%s", step_nbr? ",": "", step->role,
                  (int64_t) step->sla_hours * wfa_config_int (WFA_CFG_SLA_HOUR_MS), step->on_timeout);
        strcat (chain, entry);
    }
    char ttl [24], now [24], cap_text [16];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (cap_text, sizeof cap_text, "%d", cap);
    //  Still undecided when the first day begins (local midnight), it expires
    char starts [24];
    snprintf (starts, sizeof starts, "%" PRId64,
              (int64_t) days_sorted [0] * 86400000 - (int64_t) rules.tz_minutes * 60000);
    const char *argv [] = { prefix, pemda, key, ttl, nip, kind, joined, location, reason,
                            plan_buffer.data, now, weeks, cap_text, policy_version, chain,
                            again? again: "", starts, schedule, time_kind? time_kind: "" };
    size_t lens [19];
    for (int arg_nbr = 0; arg_nbr < 19; arg_nbr++)
        lens [arg_nbr] = arg_nbr == 9? plan_buffer.size: strlen (argv [arg_nbr]);
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_submit, 1, 19, argv, lens);
    msgpack_sbuffer_destroy (&plan_buffer);
    if (wfa_call_redis_down (call, reply))
        return;
    bool shaped = reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
               && reply->element [0]->type == REDIS_REPLY_STRING;
    if (!shaped)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    else
    if (streq (reply->element [0]->str, "errs")) {
        //  Every rule the atomic step found broken: code, detail pairs
        for (size_t item_nbr = 1; item_nbr + 1 < reply->elements; item_nbr += 2) {
            int code = wfa_error_lookup (reply->element [item_nbr]->str);
            wfa_call_error (call, code < 0? WFA_E_INTERNAL: (wfa_code_t) code, "dates",
                            reply->element [item_nbr + 1]->str, -1);
        }
    }
    else
    if (streq (reply->element [0]->str, "err"))
        wfa_store_step_result (call, reply, "as");
    else {
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), reply->element [1]->str);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), "submitted");
        wfa_mp_pack_str (wfa_call_reply (call, "policy_version"), policy_version);
    }
    freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  REQUEST.CANCEL and REQUEST.REVOKE

static void
s_request_end (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    bool revoke = streq (wfa_call_command (call), "REQUEST.REVOKE");
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_writer (call);
    const char *request_id = wfa_call_str (call, "request_id", 64, true);
    const char *from = wfa_call_str (call, "from", 10, false);
    const char *reason = wfa_call_str (call, "reason", 2000, revoke);
    int from_day = 0;
    if (from && wfa_date_parse (from, &from_day))
        wfa_call_error (call, WFA_E_BAD_DATE, "from", from, -1);
    char pemda [16];
    wfa_store_call_request_pemda (call, request_id, pemda, sizeof pemda);
    if (wfa_call_failed (call) || wfa_authz_tenant (call, redis, actor, pemda))
        return;
    char prefix [WFA_PREFIX_MAX], ttl [24], now [24], today [11];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    int64_t now_ms = wfa_now_ms ();
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    wfa_date_format (wfa_date_of_ms (now_ms, wfa_store_pemda_tz (redis, pemda)), today);
    const char *argv [] = { prefix, request_id, actor, revoke? "revoke": "cancel", from? from: "",
                            reason? reason: "", key, ttl, now, today };
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_cancel, 1, 10, argv, NULL);
    const char *outcome = wfa_store_step_result (call, reply, "request_id");
    if (outcome) {
        wfa_mp_pack_str (wfa_call_reply (call, "request_id"), request_id);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), outcome);
    }
    if (reply)
        freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  POLICY.SET and POLICY.GET

//  The "pemda" of a call that reads a whole pemda, once the actor in "as"
//  may do action there; NULL with the error on call.
static const char *
s_pemda_read (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action)
{
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    if (wfa_call_failed (call))
        return NULL;
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    wfa_actor_t actor;
    return wfa_authz_call (call, redis, action, &target, &actor)? NULL: pemda;
}

static void
s_policy_set (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    const char *actor = wfa_call_writer (call);
    const msgpack_object *text = wfa_mp_get (wfa_call_body (call), "text");
    if (!text)
        wfa_call_error (call, WFA_E_MISSING_FIELD, "text", NULL, -1);
    else
    if (text->type != MSGPACK_OBJECT_STR && text->type != MSGPACK_OBJECT_BIN)
        wfa_call_error (call, WFA_E_WRONG_TYPE, "text", NULL, -1);
    if (wfa_call_failed (call))
        return;
    //  A policy file may be longer than a protocol string: it comes as bin
    //  or str up to the policy limit, checked by the parser
    const char *bytes = text->type == MSGPACK_OBJECT_STR? text->via.str.ptr: text->via.bin.ptr;
    size_t size = text->type == MSGPACK_OBJECT_STR? text->via.str.size: text->via.bin.size;
    zlistx_t *errors = wfa_policy_errors_new ();
    wfa_policy_t *policy = wfa_policy_parse (bytes, size, pemda, errors);
    if (!policy) {
        bool english = wfa_call_lang (call) == WFA_LANG_EN;
        for (wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (errors); error;
             error = (wfa_policy_error_t *) zlistx_next (errors)) {
            char detail [300];
            snprintf (detail, sizeof detail, "%s", english? error->message_en: error->message_id);
            wfa_call_error (call, WFA_E_BAD_VALUE, "text", detail, error->line);
        }
        wfa_call_summary (call, WFA_E_POLICY_INVALID, NULL);
        zlistx_destroy (&errors);
        return;
    }
    zlistx_destroy (&errors);
    char *canonical = wfa_policy_text (policy);
    char tz [16];
    snprintf (tz, sizeof tz, "%d", wfa_policy_rules (policy, NULL).tz_minutes);
    wfa_policy_destroy (&policy);
    char prefix [WFA_PREFIX_MAX], now [24];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    char ttl [24];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *argv [] = { prefix, canonical, actor, now, key, ttl, tz };
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_policy_set, 1, 7, argv, NULL);
    free (canonical);
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type == REDIS_REPLY_INTEGER)
        msgpack_pack_int64 (wfa_call_reply (call, "version"), reply->integer);
    else
    if (reply->type == REDIS_REPLY_ARRAY)
        wfa_store_step_result (call, reply, "as");
    else
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    freeReplyObject (reply);
}

static void
s_policy_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    s_requests_t *self = (s_requests_t *) state;
    const char *pemda = s_pemda_read (call, redis, WFA_ACT_SETTINGS_READ);
    if (!pemda)
        return;
    int64_t version = 0;
    wfa_policy_t *policy = wfa_store_policy_current (self->policies, redis, pemda, &version);
    if (!policy) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return;
    }
    char *text = wfa_policy_text (policy);
    msgpack_pack_int64 (wfa_call_reply (call, "version"), version);
    wfa_mp_pack_str (wfa_call_reply (call, "text"), text);
    free (text);
}

// ---------------------------------------------------------------------
//  REQUEST.GET and REQUEST.LIST

//  True if actor is one of the comma-separated approvers of a pending
//  request's step, or the acting official (Plt/Plh) one of them named for
//  today.
static bool
s_awaits (wfa_redis_t *redis, const char *pemda, const char *approvers, const char *actor)
{
    bool awaits = false;
    char today [11];
    wfa_date_format (wfa_date_of_ms (wfa_now_ms (), wfa_store_pemda_tz (redis, pemda)), today);
    while (approvers && *approvers && !awaits) {
        size_t len = strcspn (approvers, ",");
        char approver [24];
        snprintf (approver, sizeof approver, "%.*s", (int) (len < 23? len: 23), approvers);
        awaits = streq (approver, actor);
        if (!awaits) {
            redisReply *to = wfa_redis_command (redis, "HMGET wfa:{%s}:delegation:%s to from until",
                                                pemda, approver);
            awaits = to && to->type == REDIS_REPLY_ARRAY && to->elements == 3
                  && to->element [0]->str && streq (to->element [0]->str, actor)
                  && to->element [1]->str && strcmp (to->element [1]->str, today) <= 0
                  && to->element [2]->str && strcmp (today, to->element [2]->str) <= 0;
            if (to)
                freeReplyObject (to);
        }
        approvers += len + (approvers [len] == ',');
    }
    return awaits;
}

//  The "request_id" of a call that reads one request, once the actor in
//  "as" may read it (the employee, their atasan, whoever it awaits, and
//  the wider roles of the matrix); NULL with the error on call. A request
//  of another pemda is FORBIDDEN before it is looked up.
static const char *
s_request_read (wfa_call_t *call, wfa_redis_t *redis, char *pemda, size_t size)
{
    const char *request_id = wfa_call_str (call, "request_id", 64, true);
    if (wfa_call_failed (call) || wfa_store_call_request_pemda (call, request_id, pemda, size))
        return NULL;
    wfa_actor_t actor;
    if (wfa_authz_actor (call, redis, &actor))
        return NULL;
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    if (wfa_authz_check (call, &actor, WFA_ACT_REQUEST_READ, &target) == 0)
        return request_id;      //  Reaches the whole pemda
    if (!streq (actor.pemda, pemda))
        return NULL;            //  Another pemda: nothing more to look at
    wfa_call_clear (call);
    redisReply *fields = wfa_redis_command (redis, "HMGET wfa:{%s}:req:%s opd nip supervisor_nip approver state",
                                            pemda, request_id);
    if (wfa_call_redis_down (call, fields))
        return NULL;
    if (fields->type == REDIS_REPLY_ARRAY && fields->elements == 5) {
        target.opd = fields->element [0]->str;
        target.nip = fields->element [1]->str;
        target.supervisor = fields->element [2]->str;
        //  Only a step that is open awaits anyone
        target.awaiting = fields->element [4]->str && streq (fields->element [4]->str, "pending")
                       && s_awaits (redis, pemda, fields->element [3]->str, actor.nip);
    }
    int denied = wfa_authz_check (call, &actor, WFA_ACT_REQUEST_READ, &target);
    freeReplyObject (fields);
    return denied? NULL: request_id;
}

static void
s_request_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16];
    const char *request_id = s_request_read (call, redis, pemda, sizeof pemda);
    if (!request_id)
        return;
    redisReply *fields = wfa_redis_command (redis, "HGETALL wfa:{%s}:req:%s", pemda, request_id);
    if (wfa_call_redis_down (call, fields))
        return;
    redisReply *history = wfa_redis_command (redis, "LRANGE wfa:{%s}:req:%s:hist 0 -1",
                                             pemda, request_id);
    if (!wfa_call_redis_down (call, history)) {
        if (fields->type != REDIS_REPLY_ARRAY || fields->elements == 0)
            wfa_call_error (call, WFA_E_NOT_FOUND, "request_id", request_id, -1);
        else
            wfa_store_pack_request (wfa_call_reply (call, "request"), fields, history);
        freeReplyObject (history);
    }
    freeReplyObject (fields);
}

static void
s_request_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *pemda = wfa_call_pemda (call, "pemda", false);
    const char *opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    const char *nip = wfa_call_str (call, "nip", 18, false);
    const char *wanted = wfa_call_str (call, "state", 32, false);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    wfa_actor_t actor;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return;
    if (!pemda || !*pemda) {
        pemda = actor.pemda;    //  By default, the actor's own pemda
        if (!*pemda) {
            wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", NULL, -1);
            return;
        }
    }
    //  Without a filter, a narrow reader lists what they reach: an OPD
    //  head their OPD, anyone else their own requests
    wfa_scope_t scope = wfa_authz_scope (actor.roles, WFA_ACT_REQUEST_LIST);
    if ((!nip || !*nip) && (!opd || !*opd) && scope < WFA_SCOPE_PEMDA) {
        if (scope == WFA_SCOPE_OPD)
            opd = actor.opd;
        else
            nip = actor.nip;
    }
    //  The filter is the target: one employee, one OPD, or the pemda
    wfa_target_t target = { pemda, opd && *opd? opd: NULL, NULL, NULL, false };
    redisReply *held = NULL;
    char nip_pemda [16];
    if (nip && *nip) {
        if (wfa_authz_employee (call, redis, nip, nip_pemda, sizeof nip_pemda, &target, &held))
            return;
        target.pemda = pemda;   //  What is listed is this pemda's index
    }
    int denied = wfa_authz_check (call, &actor, WFA_ACT_REQUEST_LIST, &target);
    if (held)
        freeReplyObject (held);
    if (denied)
        return;
    char index [128];
    if (nip && *nip)
        snprintf (index, sizeof index, "idx:nip:%s", nip);
    else
    if (opd && *opd && wanted && *wanted)
        snprintf (index, sizeof index, "idx:opd:%s:state:%s", opd, wanted);
    else
    if (opd && *opd)
        snprintf (index, sizeof index, "idx:opd:%s", opd);
    else
    if (wanted && *wanted)
        snprintf (index, sizeof index, "idx:state:%s", wanted);
    else
        snprintf (index, sizeof index, "idx:all");
    wfa_store_reply_list (call, redis, pemda, index, limit, wanted, opd, nip);
}

// ---------------------------------------------------------------------
//  CALENDAR.SET and CALENDAR.GET

//  A bad calendar line becomes a problem on the call, by its index.
static void
s_calendar_problem (void *arg, int line, wfa_code_t code, const char *field)
{
    wfa_call_error ((wfa_call_t *) arg, code, field, NULL, line - 1);
}

typedef struct {
    char date [24];             //  YYYY-MM-DD, or a Ramadan range FROM..TO
    const char *stored;         //  "kind|name"
} s_day_off_t;

static int
s_compare_day_off (const void *left, const void *right)
{
    const s_day_off_t *a = (const s_day_off_t *) left, *b = (const s_day_off_t *) right;
    return strcmp (a->date, b->date);
}

static void
s_calendar_set (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    const char *actor = wfa_call_writer (call);
    const msgpack_object *days = wfa_call_array (call, "days", WFA_CALENDAR_MAX, true, true);
    if (wfa_call_failed (call))
        return;
    //  Each day as its text line, through the same parser as the file
    zchunk_t *text = zchunk_new (NULL, 1024);
    for (uint32_t day_nbr = 0; day_nbr < days->via.array.size; day_nbr++) {
        const msgpack_object *day = &days->via.array.ptr [day_nbr];
        const char *names [] = { "date", "kind", "name" };
        for (int field_nbr = 0; field_nbr < 3; field_nbr++) {
            const msgpack_object *value = day->type == MSGPACK_OBJECT_MAP?
                                          wfa_mp_get (day, names [field_nbr]): NULL;
            bool is_str = value && value->type == MSGPACK_OBJECT_STR && value->via.str.size <= 256
                       && !memchr (value->via.str.ptr, '\n', value->via.str.size)
                       && (field_nbr == 2 || !memchr (value->via.str.ptr, ',', value->via.str.size));
            if (field_nbr)
                zchunk_extend (text, ",", 1);
            if (is_str)
                zchunk_extend (text, value->via.str.ptr, value->via.str.size);
        }
        zchunk_extend (text, "\n", 1);
    }
    zchunk_extend (text, "", 1);
    wfa_holiday_t *holidays = NULL;
    size_t count = 0;
    wfa_calendar_parse ((char *) zchunk_data (text), &holidays, &count, s_calendar_problem, call);
    zchunk_destroy (&text);
    if (wfa_call_failed (call)) {
        wfa_call_summary (call, WFA_E_BAD_VALUE, "days");
        return;
    }
    //  A Ramadan range goes day by day (its days are looked up one by one)
    size_t entries = 0;
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++)
        entries += (size_t) (holidays [day_nbr].last_day - holidays [day_nbr].day + 1);
    const char **argv = (const char **) calloc (3 * entries + 6, sizeof (char *));
    char (*dates) [11] = (char (*) [11]) calloc (entries + 1, 11);
    char prefix [WFA_PREFIX_MAX], now [24], ttl [24];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    int argc = 0;
    argv [argc++] = prefix;
    argv [argc++] = actor;
    argv [argc++] = now;
    argv [argc++] = key;
    argv [argc++] = ttl;
    size_t entry_nbr = 0;
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++)
        for (int day = holidays [day_nbr].day; day <= holidays [day_nbr].last_day; day++) {
            argv [argc++] = wfa_date_format (day, dates [entry_nbr++]);
            argv [argc++] = holidays [day_nbr].kind;
            argv [argc++] = holidays [day_nbr].name;
        }
    redisReply *reply = wfa_redis_eval (redis, &wfa_script_calendar_set, 1, argc, argv, NULL);
    free (argv);
    free (dates);
    //  The days off as day numbers (Ramadan days are working days), for the
    //  deadlines still waiting
    int *days_off = (int *) calloc (count + 1, sizeof (int));
    assert (days_off);
    size_t off_count = 0;
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++)
        if (!streq (holidays [day_nbr].kind, "ramadan"))
            days_off [off_count++] = holidays [day_nbr].day;
    free (holidays);
    if (wfa_call_redis_down (call, reply)) {
        free (days_off);
        return;
    }
    //  {days off, Ramadan days} stored
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
    &&  reply->element [0]->type == REDIS_REPLY_INTEGER && reply->element [1]->type == REDIS_REPLY_INTEGER) {
        msgpack_pack_int64 (wfa_call_reply (call, "days"), reply->element [0]->integer);
        msgpack_pack_int64 (wfa_call_reply (call, "ramadan_days"), reply->element [1]->integer);
        //  A step waiting now counts its working time by the new calendar,
        //  from its opening: its deadline moves (earlier or later)
        s_requests_t *self = (s_requests_t *) state;
        int64_t version = 0;
        wfa_policy_t *policy = wfa_store_policy_current (self->policies, redis, pemda, &version);
        int tz = policy? wfa_policy_rules (policy, NULL).tz_minutes: wfa_pemda_tz (pemda);
        int moved = wfa_store_move_deadlines (redis, pemda, days_off, off_count, tz);
        if (moved < 0)
            wfa_log ("E", "calendar of %s set, but its waiting deadlines were not moved", pemda);
        msgpack_pack_int64 (wfa_call_reply (call, "deadlines_moved"), moved > 0? moved: 0);
    }
    else
    if (reply->type == REDIS_REPLY_ARRAY)
        wfa_store_step_result (call, reply, "as");
    else
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    freeReplyObject (reply);
    free (days_off);
}

static void
s_calendar_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *pemda = s_pemda_read (call, redis, WFA_ACT_SETTINGS_READ);
    if (!pemda)
        return;
    redisReply *reply = wfa_redis_command (redis, "HGETALL wfa:{%s}:calendar", pemda);
    if (wfa_call_redis_down (call, reply))
        return;
    redisReply *ramadan = wfa_redis_command (redis, "HGETALL wfa:{%s}:ramadan", pemda);
    if (wfa_call_redis_down (call, ramadan)) {
        freeReplyObject (reply);
        return;
    }
    size_t count = reply->type == REDIS_REPLY_ARRAY? reply->elements / 2: 0;
    size_t ramadan_count = ramadan->type == REDIS_REPLY_ARRAY? ramadan->elements / 2: 0;
    //  Sorted by date: dates are YYYY-MM-DD, so text order is date order
    s_day_off_t *days = (s_day_off_t *) calloc (count + ramadan_count + 1, sizeof (s_day_off_t));
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++) {
        snprintf (days [day_nbr].date, sizeof days [day_nbr].date, "%s",
                  reply->element [2 * day_nbr]->str? reply->element [2 * day_nbr]->str: "");
        days [day_nbr].stored = reply->element [2 * day_nbr + 1]->str;
    }
    //  Ramadan days (date -> "ramadan|name") as the ranges they were set as:
    //  runs of days in a row with the same name
    s_day_off_t *run = days + count;
    for (size_t day_nbr = 0; day_nbr < ramadan_count; day_nbr++) {
        snprintf (run [day_nbr].date, sizeof run [day_nbr].date, "%s",
                  ramadan->element [2 * day_nbr]->str? ramadan->element [2 * day_nbr]->str: "");
        run [day_nbr].stored = ramadan->element [2 * day_nbr + 1]->str;
    }
    qsort (run, ramadan_count, sizeof (s_day_off_t), s_compare_day_off);
    size_t ranges = 0;
    for (size_t day_nbr = 0; day_nbr < ramadan_count; day_nbr++) {
        int day = 0, last = -2;
        wfa_date_parse (run [day_nbr].date, &day);
        if (ranges > 0) {
            char *dots = strstr (run [ranges - 1].date, "..");
            wfa_date_parse (dots? dots + 2: run [ranges - 1].date, &last);
        }
        if (ranges > 0 && day == last + 1 && streq (run [day_nbr].stored? run [day_nbr].stored: "",
                                                    run [ranges - 1].stored? run [ranges - 1].stored: "")) {
            run [ranges - 1].date [10] = 0;
            strcat (run [ranges - 1].date, "..");
            strcat (run [ranges - 1].date, run [day_nbr].date);
        }
        else
            run [ranges++] = run [day_nbr];
    }
    count += ranges;
    qsort (days, count, sizeof (s_day_off_t), s_compare_day_off);
    msgpack_packer *pk = wfa_call_reply (call, "days");
    msgpack_pack_array (pk, count);
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++) {
        const char *stored = days [day_nbr].stored? days [day_nbr].stored: "";
        const char *bar = strchr (stored, '|');
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "date", days [day_nbr].date);
        wfa_mp_pack_str (pk, "kind");
        wfa_mp_pack_strn (pk, stored, bar? (size_t) (bar - stored): 0);
        wfa_mp_pack_kv_str (pk, "name", bar? bar + 1: "");
    }
    msgpack_pack_uint64 (wfa_call_reply (call, "count"), count);
    free (days);
    freeReplyObject (reply);
    freeReplyObject (ramadan);
}

// ---------------------------------------------------------------------
//  AUDIT.REQUEST and AUDIT.VERIFY

static void
s_audit_request (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    char pemda [16];
    const char *request_id = s_request_read (call, redis, pemda, sizeof pemda);
    if (!request_id)
        return;
    redisReply *seqs = wfa_redis_command (redis, "LRANGE wfa:{%s}:req:%s:audit 0 999", pemda, request_id);
    if (wfa_call_redis_down (call, seqs))
        return;
    size_t count = seqs->type == REDIS_REPLY_ARRAY? seqs->elements: 0;
    if (count == 0) {
        wfa_call_error (call, WFA_E_NOT_FOUND, "request_id", request_id, -1);
        freeReplyObject (seqs);
        return;
    }
    //  Entries by position: seq n is the n-th entry of an untouched log
    redisReply **entries = (redisReply **) calloc (count, sizeof (redisReply *));
    size_t found = 0;
    for (size_t seq_nbr = 0; seq_nbr < count && !wfa_call_failed (call); seq_nbr++) {
        long long seq = seqs->element [seq_nbr]->str? atoll (seqs->element [seq_nbr]->str): 0;
        redisReply *entry = wfa_redis_command (redis, "LINDEX wfa:{%s}:audit %lld", pemda, seq - 1);
        if (wfa_call_redis_down (call, entry))
            break;
        if (entry->type == REDIS_REPLY_STRING && memmem (entry->str, entry->len, request_id, strlen (request_id)))
            entries [found++] = entry;
        else
            freeReplyObject (entry);
    }
    if (!wfa_call_failed (call)) {
        msgpack_packer *pk = wfa_call_reply (call, "entries");
        msgpack_pack_array (pk, found);
        for (size_t entry_nbr = 0; entry_nbr < found; entry_nbr++)
            wfa_store_pack_audit (pk, entries [entry_nbr]->str, entries [entry_nbr]->len);
        msgpack_pack_uint64 (wfa_call_reply (call, "count"), found);
    }
    for (size_t entry_nbr = 0; entry_nbr < found; entry_nbr++)
        freeReplyObject (entries [entry_nbr]);
    free (entries);
    freeReplyObject (seqs);
}

//  The audit sealer of this instance (wfa_audit.h), started on first use.
static wfa_audit_t *
s_audit (s_requests_t *self)
{
    if (!self->audit)
        self->audit = wfa_audit_new (wfa_config_get (WFA_CFG_KEYS),
                                     wfa_config_get (WFA_CFG_AUDIT_ANCHORS),
                                     wfa_config_int (WFA_CFG_AUDIT_ANCHOR_MS));
    return self->audit;
}

static void
s_audit_verify (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    const char *pemda = s_pemda_read (call, redis, WFA_ACT_AUDIT_VERIFY);
    if (!pemda)
        return;
    wfa_audit_report_t report;
    int rc = wfa_audit_verify (s_audit ((s_requests_t *) state), redis, pemda, &report);
    if (rc == -1)
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
    if (rc == -2)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    if (rc)
        return;
    if (report.valid)
        msgpack_pack_true (wfa_call_reply (call, "valid"));
    else
        msgpack_pack_false (wfa_call_reply (call, "valid"));
    msgpack_pack_int64 (wfa_call_reply (call, "checked"), report.checked);
    msgpack_pack_int64 (wfa_call_reply (call, "sealed"), report.sealed);
    msgpack_pack_int64 (wfa_call_reply (call, "unsealed"), report.unsealed);
    msgpack_pack_int64 (wfa_call_reply (call, "anchored"), report.anchored);
    msgpack_pack_int64 (wfa_call_reply (call, "anchored_at"), report.anchored_at);
    if (report.valid) {
        wfa_mp_pack_str (wfa_call_reply (call, "head"), report.head);
        wfa_mp_pack_str (wfa_call_reply (call, "seal"), report.seal);
    }
    else {
        msgpack_pack_int64 (wfa_call_reply (call, "broken_at"), report.broken_at);
        wfa_mp_pack_str (wfa_call_reply (call, "problem"), report.problem);
    }
}

//  Every second: seal the new audit entries, anchor the seals that moved.
static void
s_housekeeping (wfa_redis_t *redis, void *state)
{
    wfa_audit_seal (s_audit ((s_requests_t *) state), redis);
}

static const wfa_route_t s_routes [] = {
    { "KEYS.ALLOW", s_keys_allow },
    { "EMPLOYEE.IMPORT", s_employee_import },
    { "EMPLOYEE.GET", s_employee_get },
    { "REQUEST.SUBMIT", s_request_submit },
    { "REQUEST.RESUBMIT", s_request_submit },
    { "REQUEST.CANCEL", s_request_end },
    { "REQUEST.REVOKE", s_request_end },
    { "REQUEST.GET", s_request_get },
    { "REQUEST.LIST", s_request_list },
    { "POLICY.SET", s_policy_set },
    { "POLICY.GET", s_policy_get },
    { "CALENDAR.SET", s_calendar_set },
    { "CALENDAR.GET", s_calendar_get },
    { "AUDIT.REQUEST", s_audit_request },
    { "AUDIT.VERIFY", s_audit_verify },
    { NULL, NULL }
};

int
main (int argc, char *argv [])
{
    s_requests_t self = { wfa_store_policy_cache_new (), NULL };
    const wfa_service_def_t def = { "requests", s_routes, NULL, &self, s_housekeeping };
    int rc = wfa_service_main (&def, argc, argv);
    wfa_audit_destroy (&self.audit);        //  Anchors what moved since the last anchor
    zhashx_destroy (&self.policies);
    return rc;
}
