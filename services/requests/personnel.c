/*  wfa-requests: personnel data. EMPLOYEE.IMPORT (who may import which
    rows, then an upsert per row that a retry completes), EMPLOYEE.GET,
    and KEYS.ALLOW (may the caller issue or revoke a key for someone). */
#include "requests.h"

#define S_ROWS_MAX 1000

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
    if (value->via.str.size > 1000) {
        char detail [96];
        snprintf (detail, sizeof detail, "%s: %u > 1000 bytes", field, value->via.str.size);
        wfa_call_error (call, WFA_E_TOO_LARGE, field, detail, index);
        *bad = true;
        return NULL;
    }
    //  Every value is echoed in replies one day (EMPLOYEE.GET): UTF-8 only
    if (memchr (value->via.str.ptr, 0, value->via.str.size)
    || !wfa_utf8_valid (value->via.str.ptr, value->via.str.size)) {
        wfa_call_error (call, WFA_E_BAD_VALUE, field, NULL, index);
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
                            wfa_text (WFA_T_DETAIL_ON_RECORD_ELSEWHERE, wfa_call_lang (call)), index);
            continue;
        }
        char roles [256] = "", supervisor [24] = "";
        if (found == 0) {
            char employee_key [WFA_KEY_MAX];
            redisReply *stored = wfa_redis_command (redis, "HMGET %s roles supervisor_nip",
                                                    wfa_store_key (employee_key, sizeof employee_key,
                                                                   employee->pemda, "emp:%s", employee->nip));
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
            wfa_call_error (call, WFA_E_FORBIDDEN, "roles", wfa_text (WFA_T_DETAIL_OWN_ROLES, wfa_call_lang (call)), index);
        else
        if (!admin && !same && (found == 0 || !plain))
            wfa_call_error (call, WFA_E_FORBIDDEN, "roles", "only an admin_pemda grants roles", index);
        if (*actor->nip && employee->supervisor_nip && streq (employee->supervisor_nip, actor->nip)
        &&  !streq (supervisor, actor->nip))
            wfa_call_error (call, WFA_E_FORBIDDEN, "supervisor_nip", wfa_text (WFA_T_DETAIL_YOURSELF, wfa_call_lang (call)), index);
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
    const char *first = reply->type == REDIS_REPLY_STRING? wfa_store_idem_answer (call, reply->str): NULL;
    if (reply->type == REDIS_REPLY_STRING && !first) {
        freeReplyObject (reply);        //  The key was used for another batch
        return;
    }
    if (first && sscanf (first, "%d,%d", &created, &updated) == 2) {
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
    char today_pemda [16] = "", today [11] = "";
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
                            wfa_text (WFA_T_DETAIL_ON_RECORD_ELSEWHERE, wfa_call_lang (call)), (int) row_nbr);
            return;
        }
        if (moved) {
            //  Leave the old pemda first: a crash later leaves wfa:nip on the
            //  old pemda, so the retry takes this path again
            char ekey [WFA_KEY_MAX];
            const char *keys [] = { wfa_store_prefix (old_pemda, prefix, sizeof prefix),
                                    wfa_store_key (ekey, sizeof ekey, old_pemda, "emp:%s", employee->nip) };
            char now [24], today [11];
            snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
            wfa_date_format (wfa_date_today (wfa_store_pemda_tz (redis, old_pemda)), today);
            const char *args [] = { "nip", employee->nip, "to", employee->pemda, "now", now,
                                    "today", today };
            reply = wfa_store_step (redis, &wfa_script_leave, 2, keys, 4, args, NULL);
            if (!wfa_store_step_result (call, reply, "nip")) {
                if (reply)
                    freeReplyObject (reply);
                return;
            }
            freeReplyObject (reply);
        }
        //  {employee = {FIELD = VALUE, ...}}: the 7 required fields, then the optional ones given
        const char *pemda = employee->pemda;
        char keys_text [3][WFA_KEY_MAX];
        const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
            wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "emp:%s", employee->nip),
            wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "opd:%s", employee->opd? employee->opd: ""),
            wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "opds") };
        msgpack_sbuffer map;
        msgpack_packer pk;
        wfa_mp_writer_init (&map, &pk);
        size_t given = 0;
        for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++)
            given += field_nbr < 7 || *wfa_employee_field (employee, field_nbr);
        if (!streq (today_pemda, pemda)) {
            //  The pemda's local day, once per pemda of the rows
            snprintf (today_pemda, sizeof today_pemda, "%s", pemda);
            wfa_date_format (wfa_date_today (wfa_store_pemda_tz (redis, pemda)), today);
        }
        msgpack_pack_map (&pk, 2);
        wfa_mp_pack_kv_str (&pk, "today", today);
        wfa_mp_pack_str (&pk, "employee");
        msgpack_pack_map (&pk, given);
        for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++) {
            const char *value = *wfa_employee_field (employee, field_nbr);
            if (field_nbr < 7 || value)
                wfa_mp_pack_kv_str (&pk, wfa_employee_field_name (field_nbr), value? value: "");
        }
        reply = wfa_store_step_map (redis, &wfa_script_import, 4, keys, &map);
        msgpack_sbuffer_destroy (&map);
        const char *outcome = wfa_store_step_result (call, reply, "nip");
        if (!outcome) {
            if (reply)
                freeReplyObject (reply);
            return;
        }
        if (streq (outcome, "created") || moved)
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
    char answer [48], value [72];
    snprintf (answer, sizeof answer, "%d,%d", created, updated);
    reply = wfa_redis_command (redis, "SET wfa:idem:import:%s:%s %s EX %" PRId64, importer, key,
                               wfa_store_idem_value (call, answer, value, sizeof value),
                               wfa_config_int (WFA_CFG_IDEM_TTL));
    if (reply)
        freeReplyObject (reply);
    msgpack_pack_int (wfa_call_reply (call, "imported"), (int) count);
    msgpack_pack_int (wfa_call_reply (call, "created"), created);
    msgpack_pack_int (wfa_call_reply (call, "updated"), updated);
}

void
personnel_import (wfa_call_t *call, wfa_redis_t *redis, void *state)
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
    //  The fields a row may have: the columns of the CSV
    char columns [WFA_EMPLOYEE_FIELDS * 24] = "";
    for (int field_nbr = 0; field_nbr < WFA_EMPLOYEE_FIELDS; field_nbr++)
        snprintf (columns + strlen (columns), sizeof columns - strlen (columns), "%s%s",
                  field_nbr? " ": "", wfa_employee_field_name (field_nbr));
    zhash_t *seen = zhash_new ();
    for (uint32_t row_nbr = 0; row_nbr < count; row_nbr++) {
        const msgpack_object *row = &rows->via.array.ptr [row_nbr];
        wfa_employee_t *employee = &employees [row_nbr];
        employee->line = (int) row_nbr;
        if (row->type != MSGPACK_OBJECT_MAP) {
            wfa_call_error (call, WFA_E_WRONG_TYPE, "rows", NULL, (int) row_nbr);
            continue;
        }
        bool bad = wfa_call_check_map (call, row, columns, "rows", (int) row_nbr) != 0;
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
                wfa_call_error (call, WFA_E_BAD_VALUE, "nip", wfa_text (WFA_T_DETAIL_DUPLICATE_NIP, wfa_call_lang (call)),
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

void
personnel_keys_allow (wfa_call_t *call, wfa_redis_t *redis, void *state)
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
//  An employee as EMPLOYEE.GET and EMPLOYEE.LIST answer it

//  Pack a stored employee (an HGETALL array) as a map: roles as an array,
//  active as a bool (true unless deactivated), the rest as stored.
static void
s_pack_employee (msgpack_packer *pk, const redisReply *reply)
{
    bool active = true;
    for (size_t item_nbr = 0; item_nbr + 1 < reply->elements; item_nbr += 2)
        if (streq (reply->element [item_nbr]->str, "active"))
            active = !streq (reply->element [item_nbr + 1]->str, "0");
    bool stored = !active;      //  The field is only stored while inactive
    msgpack_pack_map (pk, reply->elements / 2 + (stored? 0: 1));
    for (size_t item_nbr = 0; item_nbr + 1 < reply->elements; item_nbr += 2) {
        const redisReply *name = reply->element [item_nbr];
        const redisReply *value = reply->element [item_nbr + 1];
        wfa_mp_pack_strn (pk, name->str, name->len);
        if (streq (name->str, "roles"))
            wfa_store_pack_list (pk, value->str, value->len, ';');     //  Stored ';'-separated
        else
        if (streq (name->str, "active"))
            msgpack_pack_false (pk);
        else
            wfa_mp_pack_strn (pk, value->str, value->len);
    }
    if (!stored) {
        wfa_mp_pack_str (pk, "active");
        msgpack_pack_true (pk);
    }
}

// ---------------------------------------------------------------------
//  EMPLOYEE.GET

void
personnel_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_nip (call, "nip", true);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_authz_read_person (call, redis, nip, WFA_ACT_EMPLOYEE_READ, pemda, sizeof pemda))
        return;
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, pemda, "emp:%s", nip);
    redisReply *reply = wfa_redis_command (redis, "HGETALL %s", record);
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        wfa_call_error (call, WFA_E_NOT_FOUND, "nip", nip, -1);
    else
        s_pack_employee (wfa_call_reply (call, "employee"), reply);
    freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  EMPLOYEE.LIST

//  The pemda and OPD a list call reads ("pemda", default the actor's;
//  "opd", default a kepala OPD's own), once the actor may do action there
//  (the whole pemda, or the OPD); -1 with the error on call. pemda is
//  WFA_CODE_MAX, opd WFA_CODE_MAX + 1.
int
personnel_list_reach (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action, char *pemda, char *opd)
{
    const char *asked_pemda = wfa_call_pemda (call, "pemda", false);
    const char *asked_opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    wfa_actor_t actor;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return -1;
    snprintf (pemda, 16, "%s", asked_pemda && *asked_pemda? asked_pemda: actor.pemda);
    if (!*pemda) {
        wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", NULL, -1);
        return -1;
    }
    //  A reader of one OPD lists their OPD unless they name one
    bool narrow = wfa_authz_scope (actor.roles, action) == WFA_SCOPE_OPD;
    snprintf (opd, WFA_CODE_MAX + 1, "%s", asked_opd && *asked_opd? asked_opd: narrow? actor.opd: "");
    wfa_target_t target = { pemda, *opd? opd: NULL, NULL, NULL, false };
    if (wfa_authz_check (call, &actor, action, &target))
        return -1;
    //  An OPD asked for is one of the pemda's (NOT_FOUND otherwise)
    return asked_opd && *asked_opd? wfa_store_call_opd (call, redis, "opd", pemda, opd): 0;
}

void
personnel_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    bool inactive_too = wfa_call_bool (call, "include_inactive", false);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    char pemda [16], opd [WFA_CODE_MAX + 1];
    if (wfa_call_failed (call) || personnel_list_reach (call, redis, WFA_ACT_EMPLOYEE_READ, pemda, opd))
        return;
    char prefix [WFA_PREFIX_MAX], list [WFA_KEY_MAX], limit_text [24];
    if (*opd)
        wfa_store_key (list, sizeof list, pemda, "emps:opd:%s%s", opd, inactive_too? "": ":active");
    else
        wfa_store_key (list, sizeof list, pemda, "emps%s", inactive_too? "": ":active");
    snprintf (limit_text, sizeof limit_text, "%" PRId64, limit);
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix), list };
    const char *args [] = { "cursor", cursor, "limit", limit_text };
    redisReply *reply = wfa_store_step (redis, &wfa_script_employees, 2, keys, 2, args, NULL);
    if (wfa_store_step_reply (call, reply, "cursor")) {
        if (reply->elements == 3 && reply->element [1]->type == REDIS_REPLY_ARRAY
        &&  reply->element [2]->type == REDIS_REPLY_STRING) {
            const redisReply *employees = reply->element [1];
            msgpack_packer *pk = wfa_call_reply (call, "employees");
            msgpack_pack_array (pk, employees->elements);
            for (size_t item_nbr = 0; item_nbr < employees->elements; item_nbr++)
                s_pack_employee (pk, employees->element [item_nbr]);
            msgpack_pack_uint64 (wfa_call_reply (call, "count"), employees->elements);
            wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), reply->element [2]->str);
        }
        else
            wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    }
    if (reply)
        freeReplyObject (reply);
}

// ---------------------------------------------------------------------
//  EMPLOYEE.DEACTIVATE and EMPLOYEE.REACTIVATE

//  Why an employee leaves: the reasons EMPLOYEE.DEACTIVATE takes.
static const char *s_leave_reasons [] = {
    "pindah", "mutasi", "pensiun", "berhenti", "meninggal", "cuti_luar_tanggungan", NULL
};

void
personnel_deactivate (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    bool deactivate = streq (wfa_call_command (call), "EMPLOYEE.DEACTIVATE");
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_nip (call, "nip", true);
    const char *reason = deactivate? wfa_call_str (call, "reason", 32, true): "";
    const char *from = deactivate? wfa_call_str (call, "from", 10, false): NULL;
    const char *note = wfa_call_str (call, "note", 500, false);
    int from_day = 0;
    if (from)
        wfa_call_check_date (call, "from", from, &from_day);
    bool known = !deactivate;
    for (size_t reason_nbr = 0; !known && reason && s_leave_reasons [reason_nbr]; reason_nbr++)
        known = streq (reason, s_leave_reasons [reason_nbr]);
    if (reason && !known)
        wfa_call_error (call, WFA_E_BAD_VALUE, "reason",
                        "pindah | mutasi | pensiun | berhenti | meninggal | cuti_luar_tanggungan", -1);
    if (wfa_call_failed (call))
        return;
    //  Who: the operator, or employee.deactivate of the employee's pemda
    bool operator = wfa_call_principal (call)->kind == WFA_PRINCIPAL_OPERATOR;
    char pemda [16];
    wfa_target_t target;
    redisReply *held;
    if (wfa_authz_employee (call, redis, nip, pemda, sizeof pemda, &target, &held))
        return;
    wfa_actor_t actor;
    int denied = 0;
    char who [WFA_PRINCIPAL_MAX], role [24] = "operator";
    if (operator)
        wfa_principal_format (wfa_call_principal (call), who, sizeof who);
    else {
        denied = wfa_authz_call (call, redis, WFA_ACT_DEACTIVATE, &target, &actor);
        if (!denied && *actor.nip)
            snprintf (who, sizeof who, "%s", actor.nip);
        else
        if (!denied)
            wfa_principal_format (wfa_call_principal (call), who, sizeof who);
        //  The widest role that allows it, for the record
        for (int role_nbr = WFA_ROLE_COUNT - 1; !denied && role_nbr >= 0; role_nbr--)
            if ((actor.roles & (1u << role_nbr))
            &&  wfa_authz_cell (WFA_ACT_DEACTIVATE, (wfa_role_t) role_nbr) >= WFA_SCOPE_PEMDA) {
                snprintf (role, sizeof role, "%s", wfa_role_name ((wfa_role_t) role_nbr));
                break;
            }
    }
    if (held)
        freeReplyObject (held);
    if (denied)
        return;
    if (!*pemda) {
        wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, "nip", nip, -1);
        return;
    }
    char today [11], ttl [24], now [24];
    wfa_date_format (wfa_date_today (wfa_store_pemda_tz (redis, pemda)), today);
    if (!from)
        from = today;
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *action = deactivate? "deactivate": "reactivate";
    char prefix [WFA_PREFIX_MAX], ekey [WFA_KEY_MAX], idem [WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (ekey, sizeof ekey, pemda, "emp:%s", nip),
                            wfa_store_key (idem, sizeof idem, pemda, "idem:employee:%s:%s:%s:%s",
                                           action, who, nip, key) };
    const char *args [] = { "action", action, "nip", nip, "reason", reason, "from", from,
                            "note", note? note: "", "actor", who, "role", role, "now", now, "today", today,
                            "ttl", ttl, "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_deactivate, 3, keys, sizeof args / sizeof *args / 2,
                                        args, NULL);
    if (wfa_store_step_result (call, reply, "nip")) {
        wfa_mp_pack_str (wfa_call_reply (call, "nip"), nip);
        msgpack_pack_object (wfa_call_reply (call, "active"),
                             (msgpack_object) { .type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = !deactivate });
        if (deactivate && reply->elements == 3 && reply->element [2]->type == REDIS_REPLY_STRING) {
            msgpack_pack_int64 (wfa_call_reply (call, "cancelled"), atoll (reply->element [1]->str));
            msgpack_pack_int64 (wfa_call_reply (call, "reopened"), atoll (reply->element [2]->str));
        }
    }
    if (reply)
        freeReplyObject (reply);
}
