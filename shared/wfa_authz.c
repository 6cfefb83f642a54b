/*  wfa_authz.c - the role matrix and the checks that apply it.

    The matrix is data: one row per action, one scope per role. Adding a
    role or an action is one line here, and docs/rules.md prints the same
    table (tests/system/test_authz.py compares them). */
#include "wfa.h"

#define N WFA_SCOPE_NONE
#define S WFA_SCOPE_SELF
#define T WFA_SCOPE_TEAM
#define O WFA_SCOPE_OPD
#define P WFA_SCOPE_PEMDA
#define A WFA_SCOPE_NATIONAL

//                      pegawai atasan kepala_opd bkd admin_pemda integrator kemendagri
static const wfa_scope_t s_matrix [WFA_ACT_COUNT][WFA_ROLE_COUNT] = {
    [WFA_ACT_REQUEST_READ]  = { S, T, O, P, P, P, A },
    [WFA_ACT_REQUEST_LIST]  = { S, T, O, P, P, P, A },
    [WFA_ACT_EMPLOYEE_READ] = { S, T, O, P, P, P, A },
    [WFA_ACT_METRICS_READ]  = { N, N, O, P, P, P, A },
    [WFA_ACT_AUDIT_VERIFY]  = { N, N, N, P, P, N, A },
    [WFA_ACT_SETTINGS_READ] = { P, P, P, P, P, P, A },
    [WFA_ACT_IMPORT]        = { N, N, N, N, P, P, N },
    [WFA_ACT_DEACTIVATE]    = { N, N, N, P, P, P, N },
    [WFA_ACT_CREDENTIALS]   = { N, N, N, N, P, N, N },
};

#undef N
#undef S
#undef T
#undef O
#undef P
#undef A

static const char *s_role_names [WFA_ROLE_COUNT] = {
    "pegawai", "atasan", "kepala_opd", "bkd", "admin_pemda", "integrator", "kemendagri"
};

static const char *s_action_names [WFA_ACT_COUNT] = {
    "request.read", "request.list", "employee.read", "metrics.read",
    "audit.verify", "settings.read", "employee.import", "employee.deactivate",
    "credentials.manage"
};

static const char *s_scope_names [] = {
    "none", "own", "own + team", "own OPD", "own pemda", "all pemda"
};

wfa_role_t
wfa_role_lookup (const char *name, size_t len)
{
    for (int role_nbr = 0; role_nbr < WFA_ROLE_COUNT; role_nbr++)
        if (strlen (s_role_names [role_nbr]) == len && memcmp (s_role_names [role_nbr], name, len) == 0)
            return (wfa_role_t) role_nbr;
    return WFA_ROLE_COUNT;
}

const char *
wfa_role_name (wfa_role_t role)
{
    return role < WFA_ROLE_COUNT? s_role_names [role]: "?";
}

const char *
wfa_action_name (wfa_action_t action)
{
    return action < WFA_ACT_COUNT? s_action_names [action]: "?";
}

const char *
wfa_scope_name (wfa_scope_t scope)
{
    return scope <= WFA_SCOPE_NATIONAL? s_scope_names [scope]: "?";
}

wfa_scope_t
wfa_authz_cell (wfa_action_t action, wfa_role_t role)
{
    if (action >= WFA_ACT_COUNT || role >= WFA_ROLE_COUNT)
        return WFA_SCOPE_NONE;
    return s_matrix [action][role];
}

wfa_scope_t
wfa_authz_scope (unsigned roles, wfa_action_t action)
{
    wfa_scope_t widest = WFA_SCOPE_NONE;
    for (int role_nbr = 0; role_nbr < WFA_ROLE_COUNT; role_nbr++)
        if ((roles & (1u << role_nbr)) && wfa_authz_cell (action, (wfa_role_t) role_nbr) > widest)
            widest = wfa_authz_cell (action, (wfa_role_t) role_nbr);
    return widest;
}

static bool
s_same (const char *left, const char *right)
{
    return left && right && *left && streq (left, right);
}

bool
wfa_authz_allows (const wfa_actor_t *actor, wfa_action_t action, const wfa_target_t *target)
{
    wfa_scope_t scope = wfa_authz_scope (actor->roles, action);
    if (scope == WFA_SCOPE_NATIONAL)
        return true;
    if (scope == WFA_SCOPE_NONE || !s_same (actor->pemda, target->pemda))
        return false;
    if (scope == WFA_SCOPE_PEMDA)
        return true;
    //  Narrower scopes: the target's OPD, then the people in it
    if (scope == WFA_SCOPE_OPD && s_same (actor->opd, target->opd))
        return true;
    if (scope >= WFA_SCOPE_TEAM && (s_same (actor->nip, target->supervisor) || target->awaiting))
        return true;
    return s_same (actor->nip, target->nip);
}

int
wfa_authz_actor (wfa_call_t *call, wfa_redis_t *redis, wfa_actor_t *actor)
{
    memset (actor, 0, sizeof *actor);
    const wfa_principal_t *principal = wfa_call_principal (call);
    if (principal->kind == WFA_PRINCIPAL_INTEGRATOR) {
        //  A system account of one pemda: the integrator role there, no person
        snprintf (actor->pemda, sizeof actor->pemda, "%s", principal->pemda);
        actor->roles = 1u << WFA_ROLE_INTEGRATOR;
        return 0;
    }
    const char *nip = wfa_call_actor (call);
    if (!nip)
        return -1;
    snprintf (actor->nip, sizeof actor->nip, "%s", nip);
    if (wfa_call_national (call)) {
        //  A national reader's key reads every pemda and is nothing more,
        //  whatever its NIP holds in a pemda (that takes the person's own key)
        actor->roles = 1u << WFA_ROLE_KEMENDAGRI;
        return 0;
    }
    int found = wfa_store_pemda_of_nip (redis, nip, actor->pemda, sizeof actor->pemda);
    if (found == -2) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return -1;
    }
    if (found == -1) {
        wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, "as", nip, -1);
        return -1;
    }
    char key [WFA_KEY_MAX];
    wfa_store_key (key, sizeof key, actor->pemda, "emp:%s", nip);
    redisReply *reply = wfa_redis_command (redis, "HMGET %s opd roles active", key);
    if (wfa_call_redis_down (call, reply))
        return -1;
    //  A deactivated employee (EMPLOYEE.DEACTIVATE) reaches their own records only
    bool inactive = reply->type == REDIS_REPLY_ARRAY && reply->elements == 3
                 && reply->element [2]->type == REDIS_REPLY_STRING && streq (reply->element [2]->str, "0");
    if (inactive) {
        if (reply->element [0]->type == REDIS_REPLY_STRING)
            snprintf (actor->opd, sizeof actor->opd, "%s", reply->element [0]->str);
        actor->roles = 1u << WFA_ROLE_PEGAWAI;
    }
    else
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
        if (reply->element [0]->type == REDIS_REPLY_STRING)
            snprintf (actor->opd, sizeof actor->opd, "%s", reply->element [0]->str);
        //  Everyone on record is a pegawai, and an atasan of their direct
        //  reports (a relation: with none, it reaches only themselves)
        actor->roles |= (1u << WFA_ROLE_PEGAWAI) | (1u << WFA_ROLE_ATASAN);
        const char *roles = reply->element [1]->type == REDIS_REPLY_STRING? reply->element [1]->str: "";
        while (*roles) {
            size_t len = strcspn (roles, ";");
            wfa_role_t role = wfa_role_lookup (roles, len);
            if (role < WFA_ROLE_COUNT && role != WFA_ROLE_KEMENDAGRI)
                actor->roles |= 1u << role;
            roles += len + (roles [len] == ';');
        }
    }
    freeReplyObject (reply);
    return 0;
}

int
wfa_authz_check (wfa_call_t *call, const wfa_actor_t *actor, wfa_action_t action,
                 const wfa_target_t *target)
{
    if (wfa_authz_allows (actor, action, target))
        return 0;
    char detail [128];
    snprintf (detail, sizeof detail, "%s, scope %s", wfa_action_name (action),
              wfa_scope_name (wfa_authz_scope (actor->roles, action)));
    wfa_call_error (call, WFA_E_FORBIDDEN, "as", detail, -1);
    return -1;
}

int
wfa_authz_check_person (wfa_call_t *call, const wfa_actor_t *actor, wfa_action_t action,
                        const wfa_target_t *target, const char *field)
{
    if (wfa_authz_scope (actor->roles, action) == WFA_SCOPE_NONE)
        return wfa_authz_check (call, actor, action, target);
    if (target->pemda && *target->pemda && wfa_authz_allows (actor, action, target))
        return 0;
    wfa_call_error (call, WFA_E_NOT_FOUND, field, target->nip, -1);
    return -1;
}

int
wfa_authz_read_person (wfa_call_t *call, wfa_redis_t *redis, const char *nip,
                       wfa_action_t action, char *pemda, size_t size)
{
    wfa_target_t target;
    redisReply *held;
    if (wfa_authz_employee (call, redis, nip, pemda, size, &target, &held))
        return -1;
    wfa_actor_t actor;
    int denied = wfa_authz_actor (call, redis, &actor)
              || wfa_authz_check_person (call, &actor, action, &target, "nip");
    if (held)
        freeReplyObject (held);
    return denied? -1: 0;
}

int
wfa_authz_call (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action,
                const wfa_target_t *target, wfa_actor_t *actor)
{
    if (wfa_authz_actor (call, redis, actor))
        return -1;
    return wfa_authz_check (call, actor, action, target);
}

//  An employee as an authorization target: pemda "" when not on record
//  (reachable then by national readers only, who learn it is unknown).
//  The strings live in the held reply. Returns 0, or -1 if Redis is down.
int
wfa_authz_employee (wfa_call_t *call, wfa_redis_t *redis, const char *nip, char *pemda,
                    size_t size, wfa_target_t *target, redisReply **held)
{
    *held = NULL;
    memset (target, 0, sizeof *target);
    target->pemda = pemda;
    target->nip = nip;
    int found = wfa_store_pemda_of_nip (redis, nip, pemda, size);
    if (found == -2) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return -1;
    }
    if (found == -1) {
        *pemda = 0;
        return 0;
    }
    char key [WFA_KEY_MAX];
    wfa_store_key (key, sizeof key, pemda, "emp:%s", nip);
    *held = wfa_redis_command (redis, "HMGET %s opd supervisor_nip", key);
    if (wfa_call_redis_down (call, *held)) {
        *held = NULL;
        return -1;
    }
    if ((*held)->type == REDIS_REPLY_ARRAY && (*held)->elements == 2) {
        target->opd = (*held)->element [0]->str;
        target->supervisor = (*held)->element [1]->str;
    }
    return 0;
}

int
wfa_authz_tenant (wfa_call_t *call, wfa_redis_t *redis, const char *nip, const char *pemda)
{
    char own [16];
    if (wfa_store_call_pemda (call, redis, "as", nip, own, sizeof own))
        return -1;
    if (streq (own, pemda))
        return 0;
    wfa_call_error (call, WFA_E_FORBIDDEN, "as", wfa_text (WFA_T_DETAIL_ANOTHER_PEMDA, wfa_call_lang (call)), -1);
    return -1;
}

void
wfa_authz_print (FILE *stream)
{
    fprintf (stream, "| action |");
    for (int role_nbr = 0; role_nbr < WFA_ROLE_COUNT; role_nbr++)
        fprintf (stream, " %s |", s_role_names [role_nbr]);
    fprintf (stream, "\n| --- |");
    for (int role_nbr = 0; role_nbr < WFA_ROLE_COUNT; role_nbr++)
        fprintf (stream, " --- |");
    fprintf (stream, "\n");
    for (int action_nbr = 0; action_nbr < WFA_ACT_COUNT; action_nbr++) {
        fprintf (stream, "| %s |", s_action_names [action_nbr]);
        for (int role_nbr = 0; role_nbr < WFA_ROLE_COUNT; role_nbr++)
            fprintf (stream, " %s |", s_scope_names [s_matrix [action_nbr][role_nbr]]);
        fprintf (stream, "\n");
    }
}

void
wfa_authz_test (bool verbose)
{
    if (verbose)
        wfa_authz_print (stdout);
    assert (wfa_role_lookup ("bkd", 3) == WFA_ROLE_BKD);
    assert (wfa_role_lookup ("bk", 2) == WFA_ROLE_COUNT);
    assert (streq (wfa_role_name (WFA_ROLE_INTEGRATOR), "integrator"));

    const unsigned staff = (1u << WFA_ROLE_PEGAWAI) | (1u << WFA_ROLE_ATASAN);
    wfa_actor_t lilik = { "197812252005012003", "35.08", "DINKES", staff };
    wfa_actor_t kepala = { "197001011995031001", "35.08", "DINKES", staff | (1u << WFA_ROLE_KEPALA_OPD) };
    wfa_actor_t bkd = { "197501012000031001", "35.08", "BKD", staff | (1u << WFA_ROLE_BKD) };
    wfa_actor_t admin = { "198001012005011001", "35.08", "BKD", staff | (1u << WFA_ROLE_ADMIN_PEMDA) };
    wfa_actor_t pusat = { "196801011990031001", "", "", 1u << WFA_ROLE_KEMENDAGRI };

    //  Dewi's request, supervised by Lilik, in DINKES of 35.08
    wfa_target_t dewi = { "35.08", "DINKES", "198609262015051001", "197812252005012003", false };
    wfa_target_t other_opd = { "35.08", "DISDIK", "199001012015011001", "198501012010011001", false };
    wfa_target_t other_pemda = { "35.09", "DINKES", "199101012015011001", "197812252005012003", false };
    wfa_target_t whole = { "35.08", NULL, NULL, NULL, false };

    assert (wfa_authz_allows (&lilik, WFA_ACT_REQUEST_READ, &dewi));
    assert (!wfa_authz_allows (&lilik, WFA_ACT_REQUEST_READ, &other_opd));
    //  Same supervisor NIP, but another pemda: the tenant wall holds
    assert (!wfa_authz_allows (&lilik, WFA_ACT_REQUEST_READ, &other_pemda));
    assert (!wfa_authz_allows (&lilik, WFA_ACT_METRICS_READ, &whole));
    assert (!wfa_authz_allows (&lilik, WFA_ACT_REQUEST_LIST, &whole));
    wfa_target_t awaiting = other_opd;
    awaiting.awaiting = true;
    assert (wfa_authz_allows (&lilik, WFA_ACT_REQUEST_READ, &awaiting));

    assert (wfa_authz_allows (&kepala, WFA_ACT_REQUEST_READ, &dewi));
    assert (!wfa_authz_allows (&kepala, WFA_ACT_REQUEST_READ, &other_opd));
    wfa_target_t dinkes = { "35.08", "DINKES", NULL, NULL, false };
    assert (wfa_authz_allows (&kepala, WFA_ACT_METRICS_READ, &dinkes));
    assert (!wfa_authz_allows (&kepala, WFA_ACT_METRICS_READ, &whole));
    assert (!wfa_authz_allows (&kepala, WFA_ACT_AUDIT_VERIFY, &whole));

    assert (wfa_authz_allows (&bkd, WFA_ACT_REQUEST_READ, &other_opd));
    assert (wfa_authz_allows (&bkd, WFA_ACT_AUDIT_VERIFY, &whole));
    assert (!wfa_authz_allows (&bkd, WFA_ACT_REQUEST_READ, &other_pemda));
    assert (!wfa_authz_allows (&bkd, WFA_ACT_IMPORT, &whole));
    assert (wfa_authz_allows (&admin, WFA_ACT_IMPORT, &whole));
    wfa_target_t far = { "35.09", NULL, NULL, NULL, false };
    assert (!wfa_authz_allows (&admin, WFA_ACT_IMPORT, &far));
    //  Tokens and identity providers: the admin pemda of that pemda alone
    assert (wfa_authz_allows (&admin, WFA_ACT_CREDENTIALS, &whole));
    assert (!wfa_authz_allows (&admin, WFA_ACT_CREDENTIALS, &far));
    assert (!wfa_authz_allows (&bkd, WFA_ACT_CREDENTIALS, &whole));
    wfa_actor_t account = { "", "35.08", "", 1u << WFA_ROLE_INTEGRATOR };
    assert (!wfa_authz_allows (&account, WFA_ACT_CREDENTIALS, &whole));

    assert (wfa_authz_allows (&pusat, WFA_ACT_REQUEST_READ, &other_pemda));
    assert (wfa_authz_allows (&pusat, WFA_ACT_METRICS_READ, &far));
    assert (!wfa_authz_allows (&pusat, WFA_ACT_IMPORT, &far));
    //  Deactivating an employee: the pemda's BKD, admin pemda, integrators
    assert (wfa_authz_allows (&bkd, WFA_ACT_DEACTIVATE, &whole));
    assert (wfa_authz_allows (&admin, WFA_ACT_DEACTIVATE, &whole));
    assert (!wfa_authz_allows (&admin, WFA_ACT_DEACTIVATE, &far));
    assert (!wfa_authz_allows (&kepala, WFA_ACT_DEACTIVATE, &dinkes));
    assert (!wfa_authz_allows (&pusat, WFA_ACT_DEACTIVATE, &far));
    //  No roles at all reach nothing, not even with a matching NIP
    wfa_actor_t nobody = { "198609262015051001", "35.08", "DINKES", 0 };
    assert (!wfa_authz_allows (&nobody, WFA_ACT_REQUEST_READ, &dewi));
    assert (wfa_authz_scope (staff, WFA_ACT_REQUEST_READ) == WFA_SCOPE_TEAM);

}
