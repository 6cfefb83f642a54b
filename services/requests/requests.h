/*  wfa-requests: what the service's files share (a private header).

    The service is split by domain: main.c (setup, route table,
    housekeeping), personnel.c (EMPLOYEE.*, KEYS.ALLOW), requests.c
    (REQUEST.*), schedule.c (SCHEDULE.GET), settings.c (POLICY.*, CALENDAR.*), tokens.c
    (TOKEN.*), idp.c (IDP.*) and audit.c (AUDIT.*).
    Each handler is a wfa_route_t function; state is the requests_t below. */
#ifndef REQUESTS_H_INCLUDED
#define REQUESTS_H_INCLUDED

#include "wfa.h"

//  The service's state: parsed policies, by pemda, at their stored version.
typedef struct {
    zhashx_t *policies;         //  wfa_store_policy_cache_new
    wfa_audit_t *audit;         //  The audit sealer, made once the config is loaded
    wfa_judge_verdict_t *verdict;   //  The judge's answer to the submission in hand
} requests_t;

//  personnel.c: EMPLOYEE.IMPORT, GET, LIST, DEACTIVATE and REACTIVATE, KEYS.ALLOW
void personnel_import (wfa_call_t *call, wfa_redis_t *redis, void *state);
void personnel_get (wfa_call_t *call, wfa_redis_t *redis, void *state);
void personnel_list (wfa_call_t *call, wfa_redis_t *redis, void *state);
void personnel_deactivate (wfa_call_t *call, wfa_redis_t *redis, void *state);
//  The pemda (16 bytes) and OPD (WFA_CODE_MAX + 1, "" for all) a list call
//  reads: "pemda" (default the actor's) and "opd" (default a one-OPD
//  reader's own), once the actor may do action there; -1 with the error on
//  call.
int personnel_list_reach (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action, char *pemda, char *opd);

//  schedule.c: SCHEDULE.GET
void schedule_get (wfa_call_t *call, wfa_redis_t *redis, void *state);
void personnel_keys_allow (wfa_call_t *call, wfa_redis_t *redis, void *state);

//  requests.c: REQUEST.SUBMIT and RESUBMIT, CANCEL and REVOKE, GET, LIST
void requests_submit (wfa_call_t *call, wfa_redis_t *redis, void *state);
void requests_end (wfa_call_t *call, wfa_redis_t *redis, void *state);
void requests_get (wfa_call_t *call, wfa_redis_t *redis, void *state);
void requests_list (wfa_call_t *call, wfa_redis_t *redis, void *state);
//  The request a call reads ("request_id").
typedef struct {
    const char *id;
    char pemda [16];
    char key [WFA_KEY_MAX];         //  Its hash, wfa:{PEMDA}:req:ID
} requests_one_t;
//  The request a call names, once the actor in "as" may read it, and the
//  reply of one read of it: command is a format whose one %s is the
//  request's key ("HGETALL %s"), answering a non-empty array (else the
//  request is NOT_FOUND). NULL with the error on call.
redisReply *requests_read (wfa_call_t *call, wfa_redis_t *redis, const char *command,
                           requests_one_t *request);

//  settings.c: POLICY.SET and GET, CALENDAR.SET and GET
void settings_policy_set (wfa_call_t *call, wfa_redis_t *redis, void *state);
void settings_policy_get (wfa_call_t *call, wfa_redis_t *redis, void *state);
void settings_calendar_set (wfa_call_t *call, wfa_redis_t *redis, void *state);
void settings_calendar_get (wfa_call_t *call, wfa_redis_t *redis, void *state);
//  The "pemda" of a call that reads a whole pemda, once the actor in "as"
//  may do action there; NULL with the error on call.
const char *settings_pemda_read (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action);

//  tokens.c: TOKEN.CREATE, LIST and REVOKE
void tokens_create (wfa_call_t *call, wfa_redis_t *redis, void *state);
void tokens_list (wfa_call_t *call, wfa_redis_t *redis, void *state);
void tokens_revoke (wfa_call_t *call, wfa_redis_t *redis, void *state);
//  Who manages a pemda's credentials (TOKEN.*, IDP.*).
typedef struct {
    char pemda [16];            //  The pemda whose credentials
    char as [WFA_PRINCIPAL_MAX];    //  The admin pemda's NIP, or "operator"
    bool operator;              //  The operator's key
} credentials_manager_t;
//  The pemda of a credentials call ("pemda"; a person's own when absent
//  and not pemda_required), once the caller may manage its credentials:
//  the operator, or an admin pemda of it. NULL with the error on call.
const char *credentials_manager (wfa_call_t *call, wfa_redis_t *redis, bool pemda_required,
                                 credentials_manager_t *manager);

//  idp.c: IDP.SET and IDP.GET
void idp_set (wfa_call_t *call, wfa_redis_t *redis, void *state);
void idp_get (wfa_call_t *call, wfa_redis_t *redis, void *state);

//  audit.c: AUDIT.REQUEST and AUDIT.VERIFY
void audit_request (wfa_call_t *call, wfa_redis_t *redis, void *state);
void audit_verify (wfa_call_t *call, wfa_redis_t *redis, void *state);
//  The audit sealer of this instance (wfa_audit.h), started on first use.
wfa_audit_t *audit_sealer (requests_t *self);

#endif
