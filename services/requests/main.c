/*  wfa-requests - personnel data and flexible-work requests.

    Serves EMPLOYEE.*, KEYS.ALLOW, REQUEST.*, POLICY.*, CALENDAR.*, TOKEN.*,
    IDP.* and AUDIT.*, one file per domain (requests.h). This file: the route table,
    the service's state and its housekeeping timer. A submission is checked
    completely (every problem is reported at once), then stored with its
    request.submitted event in one Lua step (shared/lua/submit.lua): the
    outbox is what makes the rest of the workflow happen, even if this
    process dies right after. */
#include "requests.h"

//  Every second: seal the new audit entries, anchor the seals that moved.
static void
s_housekeeping (wfa_redis_t *redis, void *state)
{
    wfa_audit_seal (audit_sealer ((requests_t *) state), redis);
}

static const wfa_route_t s_routes [] = {
    { "KEYS.ALLOW", personnel_keys_allow,
      "key principal action" },
    { "EMPLOYEE.IMPORT", personnel_import,
      "key rows dry_run" },
    { "EMPLOYEE.GET", personnel_get,
      "nip" },
    { "EMPLOYEE.LIST", personnel_list,
      "pemda opd include_inactive limit cursor" },
    { "EMPLOYEE.DEACTIVATE", personnel_deactivate,
      "key nip reason from note" },
    { "EMPLOYEE.REACTIVATE", personnel_deactivate,
      "key nip note" },
    { "SCHEDULE.GET", schedule_get,
      "pemda opd date limit cursor" },
    { "REQUEST.SUBMIT", requests_submit,
      "key kind time_kind dates location reason plan schedule" },
    { "REQUEST.RESUBMIT", requests_submit,
      "key request_id kind time_kind dates location reason plan schedule" },
    { "REQUEST.CANCEL", requests_end,
      "key request_id reason from" },
    { "REQUEST.REVOKE", requests_end,
      "key request_id reason from" },
    { "REQUEST.GET", requests_get,
      "request_id" },
    { "REQUEST.LIST", requests_list,
      "pemda opd nip state limit cursor changed_since" },
    { "POLICY.SET", settings_policy_set,
      "key pemda text" },
    { "POLICY.GET", settings_policy_get,
      "pemda" },
    { "CALENDAR.SET", settings_calendar_set,
      "key pemda days" },
    { "CALENDAR.GET", settings_calendar_get,
      "pemda" },
    { "TOKEN.CREATE", tokens_create,
      "key pemda role name expires_days" },
    { "TOKEN.LIST", tokens_list,
      "pemda limit cursor" },
    { "TOKEN.REVOKE", tokens_revoke,
      "key pemda token_id" },
    { "IDP.SET", idp_set,
      "key pemda issuer audience nip_claim jwks jwks_uri" },
    { "IDP.GET", idp_get,
      "pemda" },
    { "AUDIT.REQUEST", audit_request,
      "request_id" },
    { "AUDIT.VERIFY", audit_verify,
      "pemda" },
    { NULL, NULL, NULL }
};

int
main (int argc, char *argv [])
{
    requests_t self = { wfa_store_policy_cache_new (), NULL,
                        (wfa_judge_verdict_t *) calloc (1, sizeof (wfa_judge_verdict_t)) };
    assert (self.verdict);
    const wfa_service_def_t def = { "requests", s_routes, NULL, &self, s_housekeeping };
    int rc = wfa_service_main (&def, argc, argv);
    wfa_audit_destroy (&self.audit);        //  Anchors what moved since the last anchor
    zhashx_destroy (&self.policies);
    free (self.verdict);
    return rc;
}
