/*  wfa_jwt.h - OpenID Connect access tokens: JWS compact tokens signed
    RS256 or ES256, checked against a JWKS (RFC 7515, 7517, 7518, 7519).

    A JWKS is parsed once into OpenSSL keys (wfa_jwks_new); a token is then
    checked completely by wfa_jwt_verify: its shape, an allowed alg (never
    "none", never an HMAC one: the keys are public), the key its kid names,
    the signature, exp and nbf (with a leeway), iss and aud. Pure: no I/O,
    no clock of its own (the caller passes "now"). */
#ifndef WFA_JWT_H_INCLUDED
#define WFA_JWT_H_INCLUDED

//  Longest token accepted, in bytes.
#define WFA_JWT_MAX 8192

//  What a check found; wfa_jwt_reason names it.
typedef enum {
    WFA_JWT_OK,
    WFA_JWT_MALFORMED,          //  Not three base64url parts of JSON objects, a crit header, no exp
    WFA_JWT_ALG,                //  alg not RS256/ES256, or not the named key's kind
    WFA_JWT_UNKNOWN_KID,        //  No key of the JWKS has the token's kid
    WFA_JWT_SIGNATURE,          //  The signature does not verify
    WFA_JWT_EXPIRED,            //  now >= exp + leeway
    WFA_JWT_NOT_YET,            //  now < nbf - leeway
    WFA_JWT_ISSUER,             //  iss is not the expected issuer
    WFA_JWT_AUDIENCE            //  aud does not hold the expected audience
} wfa_jwt_result_t;

//  What a token must be: its issuer and audience, the time now (seconds
//  since the epoch) and the clock leeway (seconds) for exp and nbf.
typedef struct {
    const char *issuer;
    const char *audience;
    int64_t now;
    int64_t leeway;
} wfa_jwt_expect_t;

typedef struct _wfa_jwks_t wfa_jwks_t;

//  Parse a JWKS (JSON text {"keys": [...]}) into its usable keys: RSA keys
//  (n, e; at least 2048 bits) and P-256 EC keys (x, y), each with a kid, "use"
//  absent or "sig". Others are left out. NULL when the text is not a JWKS or
//  has no usable key.
wfa_jwks_t *wfa_jwks_new (const char *text, size_t size);

//  Destroy a JWKS; nulls the pointer.
void wfa_jwks_destroy (wfa_jwks_t **self_p);

//  Number of usable keys.
size_t wfa_jwks_size (wfa_jwks_t *self);

//  Read a token's claims without checking anything else (to find its
//  issuer before its keys): a new JSON object the caller decrefs, or NULL.
json_t *wfa_jwt_peek (const char *token);

//  Check token against jwks and expect. WFA_JWT_OK with *claims set (a new
//  reference the caller decrefs) or another result and *claims NULL.
wfa_jwt_result_t wfa_jwt_verify (const char *token, wfa_jwks_t *jwks,
                                 const wfa_jwt_expect_t *expect, json_t **claims);

//  A short English reason for a result: "expired", "bad signature", ...
const char *wfa_jwt_reason (wfa_jwt_result_t result);

//  base64url without padding (RFC 4648 section 5): the decoded bytes of
//  text into a new buffer (caller frees) and their count into *size, or
//  NULL on a character outside the alphabet or a bad length.
unsigned char *wfa_base64url_decode (const char *text, size_t len, size_t *size);

//  Encode bytes as base64url without padding: a new string, caller frees.
char *wfa_base64url_encode (const unsigned char *bytes, size_t size);

//  For selftests and test tools, the signing side: the public JWK of pkey
//  (RSA or P-256) with kid, a new JSON object.
json_t *wfa_jwk_of (EVP_PKEY *pkey, const char *kid);

//  A compact token of claims with header {alg, typ, kid}, signed with pkey
//  (SHA-256; ES256 as raw r||s); a NULL pkey leaves the signature "AA".
//  A new string, caller frees.
char *wfa_jwt_sign (EVP_PKEY *pkey, const char *alg, const char *kid, json_t *claims);

void wfa_jwt_test (bool verbose);

#endif
