/*  wfa_authz.h - who may read what: the role matrix, in one place.

    Every call acts for the principal the broker authenticated by its
    CURVE key (wfa_keys.h): an employee's NIP, whose roles come from the
    personnel import of their pemda; a Kemendagri reader's key, the
    national read-only role; an integrator account of one pemda; or the
    person the gateway acts for ("as"). Each (action, role) pair has a scope,
    and a target (a request, an employee, an OPD, a pemda) is allowed when
    the widest scope among the actor's roles reaches it.

    The workflow writes (decide, cancel, revoke, delegate, policy and
    calendar changes) are judged where they happen, inside their Lua
    step, because who may act there depends on the request's state; the
    scopes below cover what is judged here: the reads, the import, and
    the tenant wall every call meets first (wfa_authz_actor). */
#ifndef WFA_AUTHZ_H_INCLUDED
#define WFA_AUTHZ_H_INCLUDED

typedef enum {
    WFA_ROLE_PEGAWAI,
    WFA_ROLE_ATASAN,
    WFA_ROLE_KEPALA_OPD,
    WFA_ROLE_BKD,
    WFA_ROLE_ADMIN_PEMDA,
    WFA_ROLE_INTEGRATOR,
    WFA_ROLE_KEMENDAGRI,
    WFA_ROLE_COUNT
} wfa_role_t;

typedef enum {
    WFA_ACT_REQUEST_READ,       //  REQUEST.GET, AUDIT.REQUEST
    WFA_ACT_REQUEST_LIST,       //  REQUEST.LIST (scope of the filter)
    WFA_ACT_EMPLOYEE_READ,      //  EMPLOYEE.GET
    WFA_ACT_METRICS_READ,       //  METRICS.GET
    WFA_ACT_AUDIT_VERIFY,       //  AUDIT.VERIFY
    WFA_ACT_SETTINGS_READ,      //  POLICY.GET, CALENDAR.GET
    WFA_ACT_IMPORT,             //  EMPLOYEE.IMPORT
    WFA_ACT_DEACTIVATE,         //  EMPLOYEE.DEACTIVATE, EMPLOYEE.REACTIVATE
    WFA_ACT_CREDENTIALS,        //  TOKEN.*, IDP.* (and the operator, who is no role)
    WFA_ACT_COUNT
} wfa_action_t;

typedef enum {
    WFA_SCOPE_NONE,             //  never
    WFA_SCOPE_SELF,             //  the actor's own records
    WFA_SCOPE_TEAM,             //  own, direct reports', and awaiting the actor
    WFA_SCOPE_OPD,              //  the actor's OPD
    WFA_SCOPE_PEMDA,            //  the actor's pemda
    WFA_SCOPE_NATIONAL          //  every pemda
} wfa_scope_t;

//  Who acts: loaded by wfa_authz_actor.
typedef struct {
    char nip [20];
    char pemda [16];            //  "" for a national-only actor
    char opd [48];
    unsigned roles;             //  bit (1 << wfa_role_t) per role held
} wfa_actor_t;

//  What is touched; NULL fields are not part of the target.
typedef struct {
    const char *pemda;
    const char *opd;            //  NULL: the whole pemda
    const char *nip;            //  the employee concerned, if any
    const char *supervisor;     //  that employee's atasan
    bool awaiting;              //  the actor is (acting for) an approver of it
} wfa_target_t;

//  Role name to role; WFA_ROLE_COUNT if unknown.
wfa_role_t wfa_role_lookup (const char *name, size_t len);
const char *wfa_role_name (wfa_role_t role);
const char *wfa_action_name (wfa_action_t action);
const char *wfa_scope_name (wfa_scope_t scope);

//  The matrix cell, and the widest scope of a set of roles.
wfa_scope_t wfa_authz_cell (wfa_action_t action, wfa_role_t role);
wfa_scope_t wfa_authz_scope (unsigned roles, wfa_action_t action);

//  True if the actor may do action on target. Pure: no I/O.
bool wfa_authz_allows (const wfa_actor_t *actor, wfa_action_t action, const wfa_target_t *target);

//  Load the actor of call from the principal the broker authenticated
//  (wfa_keys.h): an employee's pemda, OPD and roles from their record (the
//  gateway's "as" for the person it acts for); a Kemendagri reader's
//  national role; an integrator account's role in its pemda. A NIP not
//  on record gets UNKNOWN_EMPLOYEE, a principal that is no person FORBIDDEN,
//  Redis down REDIS_UNAVAILABLE. Returns 0, or -1 with the error recorded.
int wfa_authz_actor (wfa_call_t *call, wfa_redis_t *redis, wfa_actor_t *actor);
//  Check action on target for actor; records FORBIDDEN on call (with the
//  scope the actor has) and returns -1 when it is not allowed.
int wfa_authz_check (wfa_call_t *call, const wfa_actor_t *actor, wfa_action_t action,
                     const wfa_target_t *target);

//  Check a read of one employee, target (from wfa_authz_employee: pemda ""
//  when the NIP is on record nowhere): a NIP on record nowhere and one
//  outside the actor's reach both answer NOT_FOUND about field, the NIP as
//  detail, so the reply says nothing of who is on record elsewhere; an
//  actor who reaches nobody at all for action gets FORBIDDEN, whatever the
//  NIP. Returns 0 or -1.
int wfa_authz_check_person (wfa_call_t *call, const wfa_actor_t *actor, wfa_action_t action,
                            const wfa_target_t *target, const char *field);

//  A read of one employee's records (nip) for action, in one:
//  wfa_authz_employee, the call's actor, wfa_authz_check_person (field
//  "nip"). Their pemda into pemda ("" when on record nowhere, as only a
//  national reader gets past). Returns 0, or -1 with the error on call.
int wfa_authz_read_person (wfa_call_t *call, wfa_redis_t *redis, const char *nip,
                           wfa_action_t action, char *pemda, size_t size);

//  Load the call's actor and check action on target: 0, or -1 with the
//  error (UNKNOWN_EMPLOYEE, FORBIDDEN, REDIS_UNAVAILABLE) on call.
int wfa_authz_call (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action,
                    const wfa_target_t *target, wfa_actor_t *actor);

//  An employee as a target (pemda, OPD, supervisor), their pemda into
//  pemda ("" when not on record: reachable then by national readers only,
//  who learn it is unknown). The strings live in *held (caller frees, may
//  be NULL). Returns 0, or -1 with REDIS_UNAVAILABLE on call.
int wfa_authz_employee (wfa_call_t *call, wfa_redis_t *redis, const char *nip, char *pemda,
                        size_t size, wfa_target_t *target, redisReply **held);

//  The tenant wall for the workflow writes: the actor nip in "as" must be
//  on record in pemda. A national-only actor, or one of another pemda,
//  gets FORBIDDEN; an unknown one UNKNOWN_EMPLOYEE. Returns 0 or -1.
int wfa_authz_tenant (wfa_call_t *call, wfa_redis_t *redis, const char *nip, const char *pemda);

//  Print the matrix as a Markdown table (docs/rules.md is checked against it).
void wfa_authz_print (FILE *stream);

void wfa_authz_test (bool verbose);

#endif
