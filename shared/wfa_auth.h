/*  wfa_auth.h - the HTTP gateway's credentials: who a bearer token is.

    Two kinds of bearer credential (docs/security.md):
    - an API token of an integrator account, "fleksi_PEMDA_ID_SECRET"
      (TOKEN.CREATE): its record wfa:{PEMDA}:token:ID holds the SHA-256
      of SECRET, compared in constant time, its expiry and revocation;
    - an OpenID Connect access token (a JWT, RS256 or ES256) from the
      identity provider of a pemda (IDP.SET): its issuer leads to the pemda
      (wfa:idp:HASH), whose record names the audience, the NIP claim and
      the JWKS (inline, or fetched from jwks_uri and cached).
    The gateway then calls the services as its own principal, with "as"
    the NIP (a person) or "integrator:PEMDA:NAME" (an account). */
#ifndef WFA_AUTH_H_INCLUDED
#define WFA_AUTH_H_INCLUDED

typedef struct {
    wfa_principal_kind_t kind;  //  EMPLOYEE for a person (OIDC JWT), INTEGRATOR for an API token
    char pemda [16];            //  The pemda the credential belongs to
    char as [128];              //  What the gateway sends in "as": the NIP, or "integrator:PEMDA:NAME"
    char subject [80];          //  Stable id for rate limits and logs: "token:ID" or "oidc:PEMDA:SUB"
} wfa_auth_result_t;

typedef struct _wfa_auth_t wfa_auth_t;

//  A token id: 16 lowercase hex digits; the secret: 64; the hash kept: 64.
#define WFA_TOKEN_ID_LEN 16
#define WFA_TOKEN_SECRET_LEN 64
#define WFA_TOKEN_HASH_LEN 64
//  Longest API token text, with its terminator.
#define WFA_TOKEN_MAX 128

//  Create the checker, with its cache of identity providers' keys. The
//  clock leeway for exp and nbf is WFA_JWT_LEEWAY_S.
wfa_auth_t *wfa_auth_new (void);

//  Destroy the checker; nulls the pointer.
void wfa_auth_destroy (wfa_auth_t **self_p);

//  Check a bearer credential. WFA_OK and *out filled, or WFA_UNAUTHENTICATED (or
//  REDIS_UNAVAILABLE) with *detail a short static reason ("expired", "revoked", ...).
//  Thread-safe given one redis per calling thread.
wfa_code_t wfa_auth_check (wfa_auth_t *self, wfa_redis_t *redis, const char *bearer,
                           wfa_auth_result_t *out, const char **detail);

//  Make a new API token of pemda from 40 random bytes (RAND_bytes): its id
//  (WFA_TOKEN_ID_LEN + 1 bytes), the token text (WFA_TOKEN_MAX) and the hash
//  to keep (WFA_TOKEN_HASH_LEN + 1). 0, or -1 when OpenSSL has no randomness.
int wfa_auth_token_make (const char *pemda, char *id, char *token, char *hash);

//  True for a token id: WFA_TOKEN_ID_LEN lowercase hex digits.
bool wfa_auth_token_id_valid (const char *id);

//  The global key naming the pemda of an OIDC issuer: "wfa:idp:" and the
//  hex SHA-256 of the issuer. Returns buf.
char *wfa_auth_issuer_key (const char *issuer, char *buf, size_t size);

//  True if uri may be an identity provider's jwks_uri: https://..., or, only
//  when WFA_IDP_ALLOW_HTTP_LOOPBACK is 1 (for tests), http://127.0.0.1 or
//  http://localhost with an optional port.
bool wfa_auth_jwks_uri_allowed (const char *uri);

void wfa_auth_test (bool verbose);

#endif
