/*  wfa_auth.h - who a bearer credential of the HTTP gateway stands for.

    STAND-IN of the gateway's branch until helper auth's module (API tokens,
    OIDC JWT) lands: same interface, and only test credentials listed in a
    file named by WFA_AUTH_TEST_TOKENS. */
#ifndef WFA_AUTH_H_INCLUDED
#define WFA_AUTH_H_INCLUDED

typedef struct {
    wfa_principal_kind_t kind;  //  EMPLOYEE for a person (OIDC JWT), INTEGRATOR for an API token
    char pemda [16];            //  The pemda the credential belongs to
    char as [128];              //  What the gateway sends in "as": the NIP, or "integrator:PEMDA:NAME"
    char subject [80];          //  Stable id for rate limits and logs: "token:ID" or "oidc:PEMDA:SUB"
} wfa_auth_result_t;

typedef struct _wfa_auth_t wfa_auth_t;

wfa_auth_t *wfa_auth_new (void);
void wfa_auth_destroy (wfa_auth_t **self_p);

//  Check a bearer credential. WFA_OK and *out filled, or WFA_UNAUTHENTICATED (or
//  REDIS_UNAVAILABLE) with *detail a short static reason ("expired", "revoked", ...).
//  Thread-safe given one redis per calling thread.
wfa_code_t wfa_auth_check (wfa_auth_t *self, wfa_redis_t *redis, const char *bearer,
                           wfa_auth_result_t *out, const char **detail);

void wfa_auth_test (bool verbose);

#endif
