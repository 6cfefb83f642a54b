/*  wfa_jwt.c - JWS compact tokens (RS256, ES256) against a JWKS, on
    OpenSSL 3 and jansson.

    The keys are built from their JWK members with OSSL_PARAM (RSA n, e;
    EC P-256 as the uncompressed point 04||x||y). An ES256 signature comes
    as the raw r||s of RFC 7518 section 3.4 and is turned into the DER that
    OpenSSL verifies. Every rule that refuses a token is one early return,
    in the order a reader would check: shape, alg, key, signature, times,
    issuer, audience. */
#include "wfa.h"

typedef enum { S_RS256, S_ES256 } s_alg_t;

typedef struct {
    char kid [128];             //  The JWK's kid
    s_alg_t alg;                //  What the key can verify
    EVP_PKEY *pkey;             //  The public key
} s_key_t;

struct _wfa_jwks_t {
    s_key_t *keys;              //  The usable keys
    size_t count;
};

// ---------------------------------------------------------------------
//  base64url

static int
s_b64_value (char letter)
{
    if (letter >= 'A' && letter <= 'Z')
        return letter - 'A';
    if (letter >= 'a' && letter <= 'z')
        return letter - 'a' + 26;
    if (letter >= '0' && letter <= '9')
        return letter - '0' + 52;
    if (letter == '-')
        return 62;
    if (letter == '_')
        return 63;
    return -1;
}

unsigned char *
wfa_base64url_decode (const char *text, size_t len, size_t *size)
{
    if (len % 4 == 1)
        return NULL;
    unsigned char *bytes = (unsigned char *) malloc (len * 3 / 4 + 3);
    assert (bytes);
    size_t out = 0;
    uint32_t bits = 0;
    int held = 0;
    for (size_t at = 0; at < len; at++) {
        int value = s_b64_value (text [at]);
        if (value < 0) {
            free (bytes);
            return NULL;
        }
        bits = (bits << 6) | (uint32_t) value;
        held += 6;
        if (held >= 8) {
            held -= 8;
            bytes [out++] = (unsigned char) (bits >> held);
        }
    }
    //  The bits left over must be zero (one canonical text per value)
    if (held > 0 && (bits & ((1u << held) - 1)) != 0) {
        free (bytes);
        return NULL;
    }
    *size = out;
    return bytes;
}

char *
wfa_base64url_encode (const unsigned char *bytes, size_t size)
{
    static const char alphabet [] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *text = (char *) malloc (size * 4 / 3 + 4);
    assert (text);
    size_t out = 0;
    uint32_t bits = 0;
    int held = 0;
    for (size_t at = 0; at < size; at++) {
        bits = (bits << 8) | bytes [at];
        held += 8;
        while (held >= 6) {
            held -= 6;
            text [out++] = alphabet [(bits >> held) & 63];
        }
    }
    if (held > 0)
        text [out++] = alphabet [(bits << (6 - held)) & 63];
    text [out] = 0;
    return text;
}

//  A base64url member of a JWK as a BIGNUM (NULL if absent or bad);
//  *len gets its byte count.
static BIGNUM *
s_jwk_bignum (json_t *jwk, const char *name, size_t *len)
{
    const char *text = json_string_value (json_object_get (jwk, name));
    size_t size = 0;
    unsigned char *bytes = text? wfa_base64url_decode (text, strlen (text), &size): NULL;
    if (!bytes || size == 0) {
        free (bytes);
        return NULL;
    }
    BIGNUM *number = BN_bin2bn (bytes, (int) size, NULL);
    free (bytes);
    if (len)
        *len = size;
    return number;
}

// ---------------------------------------------------------------------
//  Keys from a JWKS

//  An RSA public key from n and e, at least 2048 bits, e odd and at least 3
//  (e = 1 would make every "signature" its own message); NULL otherwise.
static EVP_PKEY *
s_rsa_key (json_t *jwk)
{
    size_t n_len = 0;
    BIGNUM *n = s_jwk_bignum (jwk, "n", &n_len);
    BIGNUM *e = s_jwk_bignum (jwk, "e", NULL);
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *build = OSSL_PARAM_BLD_new ();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (n && e && BN_num_bits (n) >= 2048 && BN_is_odd (e) && !BN_is_one (e)
    &&  OSSL_PARAM_BLD_push_BN (build, OSSL_PKEY_PARAM_RSA_N, n)
    &&  OSSL_PARAM_BLD_push_BN (build, OSSL_PKEY_PARAM_RSA_E, e)
    &&  (params = OSSL_PARAM_BLD_to_param (build))
    &&  (ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL))
    &&  EVP_PKEY_fromdata_init (ctx) == 1
    &&  EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free (ctx);
    OSSL_PARAM_free (params);
    OSSL_PARAM_BLD_free (build);
    BN_free (n);
    BN_free (e);
    return pkey;
}

//  A P-256 public key from x and y (32 bytes each, a point of the curve);
//  NULL otherwise.
static EVP_PKEY *
s_ec_key (json_t *jwk)
{
    const char *crv = json_string_value (json_object_get (jwk, "crv"));
    const char *x_text = json_string_value (json_object_get (jwk, "x"));
    const char *y_text = json_string_value (json_object_get (jwk, "y"));
    if (!crv || !streq (crv, "P-256") || !x_text || !y_text)
        return NULL;
    size_t x_size = 0, y_size = 0;
    unsigned char *x = wfa_base64url_decode (x_text, strlen (x_text), &x_size);
    unsigned char *y = wfa_base64url_decode (y_text, strlen (y_text), &y_size);
    EVP_PKEY *pkey = NULL;
    if (x && y && x_size == 32 && y_size == 32) {
        unsigned char point [65];
        point [0] = 0x04;
        memcpy (point + 1, x, 32);
        memcpy (point + 33, y, 32);
        OSSL_PARAM params [] = {
            OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME, (char *) "prime256v1", 0),
            OSSL_PARAM_construct_octet_string (OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
            OSSL_PARAM_construct_end ()
        };
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
        if (!ctx || EVP_PKEY_fromdata_init (ctx) != 1
        ||  EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
            pkey = NULL;
        EVP_PKEY_CTX_free (ctx);
        //  fromdata takes any bytes; a point off the curve fails the check
        EVP_PKEY_CTX *check = pkey? EVP_PKEY_CTX_new_from_pkey (NULL, pkey, NULL): NULL;
        if (pkey && (!check || EVP_PKEY_public_check (check) != 1)) {
            EVP_PKEY_free (pkey);
            pkey = NULL;
        }
        EVP_PKEY_CTX_free (check);
    }
    free (x);
    free (y);
    return pkey;
}

wfa_jwks_t *
wfa_jwks_new (const char *text, size_t size)
{
    json_t *root = text? json_loadb (text, size, JSON_REJECT_DUPLICATES, NULL): NULL;
    json_t *keys = json_object_get (root, "keys");
    if (!json_is_array (keys) || json_array_size (keys) == 0 || json_array_size (keys) > 64) {
        json_decref (root);
        return NULL;
    }
    wfa_jwks_t *self = (wfa_jwks_t *) zmalloc (sizeof (wfa_jwks_t));
    assert (self);
    self->keys = (s_key_t *) calloc (json_array_size (keys), sizeof (s_key_t));
    assert (self->keys);
    size_t index;
    json_t *jwk;
    json_array_foreach (keys, index, jwk) {
        const char *kid = json_string_value (json_object_get (jwk, "kid"));
        const char *kty = json_string_value (json_object_get (jwk, "kty"));
        const char *use = json_string_value (json_object_get (jwk, "use"));
        const char *alg = json_string_value (json_object_get (jwk, "alg"));
        if (!kid || !*kid || strlen (kid) >= sizeof self->keys [0].kid || !kty
        || (json_object_get (jwk, "use") && (!use || !streq (use, "sig"))))
            continue;
        s_key_t *key = &self->keys [self->count];
        if (streq (kty, "RSA") && (!alg || streq (alg, "RS256"))) {
            key->alg = S_RS256;
            key->pkey = s_rsa_key (jwk);
        }
        else
        if (streq (kty, "EC") && (!alg || streq (alg, "ES256"))) {
            key->alg = S_ES256;
            key->pkey = s_ec_key (jwk);
        }
        if (key->pkey) {
            snprintf (key->kid, sizeof key->kid, "%s", kid);
            self->count++;
        }
    }
    json_decref (root);
    if (self->count == 0)
        wfa_jwks_destroy (&self);
    return self;
}

void
wfa_jwks_destroy (wfa_jwks_t **self_p)
{
    assert (self_p);
    wfa_jwks_t *self = *self_p;
    if (self) {
        for (size_t key_nbr = 0; key_nbr < self->count; key_nbr++)
            EVP_PKEY_free (self->keys [key_nbr].pkey);
        free (self->keys);
        free (self);
        *self_p = NULL;
    }
}

size_t
wfa_jwks_size (wfa_jwks_t *self)
{
    return self? self->count: 0;
}

// ---------------------------------------------------------------------
//  Tokens

//  A token's three parts: where each starts and its length.
typedef struct {
    const char *part [3];
    size_t len [3];
} s_parts_t;

//  Split a compact JWS into its three non-empty parts; -1 if it is not one.
static int
s_split (const char *token, s_parts_t *parts)
{
    if (!token)
        return -1;
    size_t len = strnlen (token, WFA_JWT_MAX + 1);
    if (len == 0 || len > WFA_JWT_MAX)
        return -1;
    const char *at = token;
    for (int part_nbr = 0; part_nbr < 3; part_nbr++) {
        size_t part_len = strcspn (at, ".");
        parts->part [part_nbr] = at;
        parts->len [part_nbr] = part_len;
        if (part_len == 0 || (part_nbr < 2 && at [part_len] != '.') || (part_nbr == 2 && at [part_len]))
            return -1;
        at += part_len + 1;
    }
    return 0;
}

//  A base64url part as a JSON object (new reference), or NULL.
static json_t *
s_part_json (const s_parts_t *parts, int part_nbr)
{
    size_t size = 0;
    unsigned char *bytes = wfa_base64url_decode (parts->part [part_nbr], parts->len [part_nbr], &size);
    json_t *object = bytes? json_loadb ((const char *) bytes, size, JSON_REJECT_DUPLICATES, NULL): NULL;
    free (bytes);
    if (object && !json_is_object (object)) {
        json_decref (object);
        object = NULL;
    }
    return object;
}

json_t *
wfa_jwt_peek (const char *token)
{
    s_parts_t parts;
    return s_split (token, &parts) == 0? s_part_json (&parts, 1): NULL;
}

//  Verify signature over the signing input with key.
static bool
s_signature_ok (const s_key_t *key, const s_parts_t *parts)
{
    size_t size = 0;
    unsigned char *signature = wfa_base64url_decode (parts->part [2], parts->len [2], &size);
    if (!signature)
        return false;
    unsigned char *der = NULL;
    const unsigned char *checked = signature;
    int checked_size = (int) size;
    if (key->alg == S_ES256) {
        //  JWS sends r||s, 32 bytes each; OpenSSL verifies DER
        if (size != 64) {
            free (signature);
            return false;
        }
        ECDSA_SIG *sig = ECDSA_SIG_new ();
        assert (sig);
        ECDSA_SIG_set0 (sig, BN_bin2bn (signature, 32, NULL), BN_bin2bn (signature + 32, 32, NULL));
        checked_size = i2d_ECDSA_SIG (sig, &der);
        ECDSA_SIG_free (sig);
        checked = der;
    }
    bool ok = false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    size_t input_len = parts->len [0] + 1 + parts->len [1];
    if (ctx && checked_size > 0
    &&  EVP_DigestVerifyInit (ctx, NULL, EVP_sha256 (), NULL, key->pkey) == 1)
        ok = EVP_DigestVerify (ctx, checked, (size_t) checked_size,
                               (const unsigned char *) parts->part [0], input_len) == 1;
    EVP_MD_CTX_free (ctx);
    OPENSSL_free (der);
    free (signature);
    return ok;
}

//  The largest NumericDate taken: 2^53 (a double holds every integer up to
//  it, and sums with a leeway this size cannot overflow an int64_t).
#define S_TIME_MAX 9007199254740992LL

//  A NumericDate claim into *value: 1 if present and an integer within
//  +-2^53 (a real with an integral value counts), 0 if absent, -1 if
//  anything else (a string, a fraction, 1e300).
static int
s_time_claim (json_t *claims, const char *name, int64_t *value)
{
    json_t *claim = json_object_get (claims, name);
    if (!claim)
        return 0;
    if (json_is_integer (claim)) {
        json_int_t number = json_integer_value (claim);
        if (number < -S_TIME_MAX || number > S_TIME_MAX)
            return -1;
        *value = (int64_t) number;
        return 1;
    }
    if (!json_is_real (claim))
        return -1;
    double number = json_real_value (claim);
    if (!(number >= (double) -S_TIME_MAX && number <= (double) S_TIME_MAX)
    ||  number != (double) (int64_t) number)
        return -1;
    *value = (int64_t) number;
    return 1;
}

//  True if aud (a string, or an array of strings) holds audience.
static bool
s_audience_ok (json_t *aud, const char *audience)
{
    if (json_is_string (aud))
        return streq (json_string_value (aud), audience);
    size_t index;
    json_t *item;
    if (json_is_array (aud))
        json_array_foreach (aud, index, item)
            if (json_is_string (item) && streq (json_string_value (item), audience))
                return true;
    return false;
}

wfa_jwt_result_t
wfa_jwt_verify (const char *token, wfa_jwks_t *jwks, const wfa_jwt_expect_t *expect,
                json_t **claims_p)
{
    *claims_p = NULL;
    s_parts_t parts;
    if (s_split (token, &parts))
        return WFA_JWT_MALFORMED;
    json_t *header = s_part_json (&parts, 0);
    json_t *claims = header? s_part_json (&parts, 1): NULL;
    wfa_jwt_result_t result = WFA_JWT_OK;
    const char *alg = json_string_value (json_object_get (header, "alg"));
    const char *kid = json_string_value (json_object_get (header, "kid"));
    int64_t exp = 0, nbf = 0;
    //  No extension we do not understand, an expiry always, and times that
    //  are whole seconds in range
    int has_nbf = claims? s_time_claim (claims, "nbf", &nbf): 0;
    if (!header || !claims || json_object_get (header, "crit")
    ||  s_time_claim (claims, "exp", &exp) != 1 || has_nbf < 0)
        result = WFA_JWT_MALFORMED;
    else
    if (!alg || !(streq (alg, "RS256") || streq (alg, "ES256")))
        result = WFA_JWT_ALG;
    //  The key of that kid and of the token's alg: a provider may publish
    //  an RSA and an EC key under one kid
    const s_key_t *key = NULL;
    bool kid_known = false;
    for (size_t key_nbr = 0; !result && kid && !key && key_nbr < wfa_jwks_size (jwks); key_nbr++)
        if (streq (jwks->keys [key_nbr].kid, kid)) {
            kid_known = true;
            if (jwks->keys [key_nbr].alg == (streq (alg, "RS256")? S_RS256: S_ES256))
                key = &jwks->keys [key_nbr];
        }
    if (!result && !key)
        result = kid_known? WFA_JWT_ALG: WFA_JWT_UNKNOWN_KID;
    if (!result && !s_signature_ok (key, &parts))
        result = WFA_JWT_SIGNATURE;
    //  exp and nbf are within 2^53, the leeway held to that too: no overflow
    int64_t leeway = expect->leeway < 0? 0: expect->leeway > S_TIME_MAX? S_TIME_MAX: expect->leeway;
    if (!result && expect->now >= exp + leeway)
        result = WFA_JWT_EXPIRED;
    if (!result && has_nbf && expect->now < nbf - leeway)
        result = WFA_JWT_NOT_YET;
    const char *iss = json_string_value (json_object_get (claims, "iss"));
    if (!result && (!iss || !expect->issuer || !streq (iss, expect->issuer)))
        result = WFA_JWT_ISSUER;
    if (!result && (!expect->audience || !s_audience_ok (json_object_get (claims, "aud"), expect->audience)))
        result = WFA_JWT_AUDIENCE;
    json_decref (header);
    if (result == WFA_JWT_OK)
        *claims_p = claims;
    else
        json_decref (claims);
    return result;
}

const char *
wfa_jwt_reason (wfa_jwt_result_t result)
{
    static const char *reasons [] = {
        "ok", "malformed token", "alg not allowed", "unknown kid", "bad signature",
        "expired", "not yet valid", "wrong issuer", "wrong audience"
    };
    return result <= WFA_JWT_AUDIENCE? reasons [result]: "?";
}

// ---------------------------------------------------------------------
//  Signing, for selftests and test tools: the other side of the above

//  A BIGNUM parameter of pkey as base64url, at least pad bytes long.
static char *
s_b64_param (EVP_PKEY *pkey, const char *name, int pad)
{
    BIGNUM *number = NULL;
    assert (EVP_PKEY_get_bn_param (pkey, name, &number) == 1);
    int size = BN_num_bytes (number) > pad? BN_num_bytes (number): pad;
    unsigned char *bytes = (unsigned char *) malloc ((size_t) size);
    assert (BN_bn2binpad (number, bytes, size) == size);
    char *text = wfa_base64url_encode (bytes, (size_t) size);
    free (bytes);
    BN_free (number);
    return text;
}

json_t *
wfa_jwk_of (EVP_PKEY *pkey, const char *kid)
{
    bool ec = EVP_PKEY_is_a (pkey, "EC");
    char *first = s_b64_param (pkey, ec? OSSL_PKEY_PARAM_EC_PUB_X: OSSL_PKEY_PARAM_RSA_N, ec? 32: 0);
    char *second = s_b64_param (pkey, ec? OSSL_PKEY_PARAM_EC_PUB_Y: OSSL_PKEY_PARAM_RSA_E, ec? 32: 0);
    json_t *jwk = ec? json_pack ("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256",
                                 "kid", kid, "x", first, "y", second)
                    : json_pack ("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "kid", kid, "use", "sig",
                                 "n", first, "e", second);
    free (first);
    free (second);
    return jwk;
}

char *
wfa_jwt_sign (EVP_PKEY *pkey, const char *alg, const char *kid, json_t *claims)
{
    json_t *header = json_pack ("{s:s, s:s, s:s}", "alg", alg, "typ", "JWT", "kid", kid);
    char *header_text = json_dumps (header, JSON_COMPACT);
    char *claims_text = json_dumps (claims, JSON_COMPACT);
    char *header_b64 = wfa_base64url_encode ((unsigned char *) header_text, strlen (header_text));
    char *claims_b64 = wfa_base64url_encode ((unsigned char *) claims_text, strlen (claims_text));
    char *input = zsys_sprintf ("%s.%s", header_b64, claims_b64);
    char *signature_b64 = strdup ("AA");
    if (pkey) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
        size_t size = 0;
        assert (EVP_DigestSignInit (ctx, NULL, EVP_sha256 (), NULL, pkey) == 1);
        assert (EVP_DigestSign (ctx, NULL, &size, (unsigned char *) input, strlen (input)) == 1);
        unsigned char *signature = (unsigned char *) malloc (size);
        assert (EVP_DigestSign (ctx, signature, &size, (unsigned char *) input, strlen (input)) == 1);
        EVP_MD_CTX_free (ctx);
        free (signature_b64);
        if (streq (alg, "ES256") && EVP_PKEY_is_a (pkey, "EC")) {
            const unsigned char *at = signature;
            ECDSA_SIG *sig = d2i_ECDSA_SIG (NULL, &at, (long) size);
            assert (sig);
            unsigned char raw [64];
            BN_bn2binpad (ECDSA_SIG_get0_r (sig), raw, 32);
            BN_bn2binpad (ECDSA_SIG_get0_s (sig), raw + 32, 32);
            ECDSA_SIG_free (sig);
            signature_b64 = wfa_base64url_encode (raw, sizeof raw);
        }
        else
            signature_b64 = wfa_base64url_encode (signature, size);
        free (signature);
    }
    char *token = zsys_sprintf ("%s.%s", input, signature_b64);
    free (header_text);
    free (claims_text);
    free (header_b64);
    free (claims_b64);
    zstr_free (&input);
    free (signature_b64);
    json_decref (header);
    return token;
}

// ---------------------------------------------------------------------
//  Selftest: keys made here, tokens signed here

//  Check a token made from these claims; returns what verify found.
static wfa_jwt_result_t
s_test_check (wfa_jwks_t *jwks, const wfa_jwt_expect_t *expect, EVP_PKEY *pkey,
              const char *alg, const char *kid, json_t *claims)
{
    char *token = wfa_jwt_sign (pkey, alg, kid, claims);
    json_t *found = NULL;
    wfa_jwt_result_t result = wfa_jwt_verify (token, jwks, expect, &found);
    assert ((result == WFA_JWT_OK) == (found != NULL));
    json_decref (found);
    free (token);
    return result;
}

void
wfa_jwt_test (bool verbose)
{
    //  base64url round trips, and refuses what is not base64url
    const unsigned char bytes [] = { 0xfb, 0xff, 0x00, 'a', 'b' };
    for (size_t len = 0; len <= sizeof bytes; len++) {
        char *text = wfa_base64url_encode (bytes, len);
        size_t size = 0;
        unsigned char *back = wfa_base64url_decode (text, strlen (text), &size);
        assert (back && size == len && memcmp (back, bytes, len) == 0);
        free (back);
        free (text);
    }
    size_t size = 0;
    assert (wfa_base64url_decode ("a+b/", 4, &size) == NULL);
    assert (wfa_base64url_decode ("aGk=", 4, &size) == NULL);
    assert (wfa_base64url_decode ("a", 1, &size) == NULL);
    assert (wfa_base64url_decode ("aGl", 3, &size) == NULL);        //  Stray low bits

    //  An RSA and a P-256 key, made now; the JWKS of their public halves
    EVP_PKEY *rsa = EVP_RSA_gen (2048);
    EVP_PKEY *ec = EVP_EC_gen ("P-256");
    EVP_PKEY *other = EVP_EC_gen ("P-256");
    assert (rsa && ec && other);
    json_t *keys = json_pack ("{s:[o, o, {s:s, s:s, s:s}]}", "keys", wfa_jwk_of (rsa, "rsa-1"),
                              wfa_jwk_of (ec, "ec-1"), "kty", "oct", "kid", "hmac", "k", "c2VjcmV0");
    char *text = json_dumps (keys, JSON_COMPACT);
    wfa_jwks_t *jwks = wfa_jwks_new (text, strlen (text));
    assert (jwks && wfa_jwks_size (jwks) == 2);     //  The symmetric key is left out
    free (text);
    json_decref (keys);
    assert (wfa_jwks_new ("{\"keys\": []}", 12) == NULL);
    assert (wfa_jwks_new ("not json", 8) == NULL);

    int64_t now = 1796601600;               //  2026-12-07
    wfa_jwt_expect_t expect = { "https://sso.lumajangkab.go.id/realms/asn", "fleksi", now, 60 };
    json_t *claims = json_pack ("{s:s, s:s, s:s, s:I, s:I}", "iss", expect.issuer, "aud", "fleksi",
                                "nip", "198609262015051001", "exp", (json_int_t) (now + 300),
                                "nbf", (json_int_t) (now - 10));
    //  Good tokens, both algorithms; claims handed back
    assert (s_test_check (jwks, &expect, rsa, "RS256", "rsa-1", claims) == WFA_JWT_OK);
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_OK);
    char *token = wfa_jwt_sign (ec, "ES256", "ec-1", claims);
    json_t *found = NULL;
    assert (wfa_jwt_verify (token, jwks, &expect, &found) == WFA_JWT_OK);
    assert (streq (json_string_value (json_object_get (found, "nip")), "198609262015051001"));
    json_decref (found);
    json_t *peeked = wfa_jwt_peek (token);
    assert (streq (json_string_value (json_object_get (peeked, "iss")), expect.issuer));
    json_decref (peeked);
    //  A signature altered by one character; a token cut short
    char *last = token + strlen (token) - 2;
    *last = *last == 'A'? 'B': 'A';
    assert (wfa_jwt_verify (token, jwks, &expect, &found) == WFA_JWT_SIGNATURE && !found);
    *strrchr (token, '.') = 0;
    assert (wfa_jwt_verify (token, jwks, &expect, &found) == WFA_JWT_MALFORMED);
    free (token);
    assert (wfa_jwt_verify ("a.b.c", jwks, &expect, &found) == WFA_JWT_MALFORMED);
    assert (wfa_jwt_verify ("", jwks, &expect, &found) == WFA_JWT_MALFORMED);

    //  Signed by another key under a known kid; the alg of the other kind of key
    assert (s_test_check (jwks, &expect, other, "ES256", "ec-1", claims) == WFA_JWT_SIGNATURE);
    assert (s_test_check (jwks, &expect, rsa, "RS256", "ec-1", claims) == WFA_JWT_ALG);
    //  none, and HS256 with the public key's bytes as its secret: never
    assert (s_test_check (jwks, &expect, NULL, "none", "rsa-1", claims) == WFA_JWT_ALG);
    assert (s_test_check (jwks, &expect, NULL, "HS256", "rsa-1", claims) == WFA_JWT_ALG);
    assert (s_test_check (jwks, &expect, NULL, "HS256", "hmac", claims) == WFA_JWT_ALG);
    //  A kid the JWKS lacks
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-2", claims) == WFA_JWT_UNKNOWN_KID);

    //  exp past (beyond the leeway, and within it), nbf ahead, no exp at all
    json_object_set_new (claims, "exp", json_integer (now - 61));
    assert (s_test_check (jwks, &expect, rsa, "RS256", "rsa-1", claims) == WFA_JWT_EXPIRED);
    json_object_set_new (claims, "exp", json_integer (now - 30));
    assert (s_test_check (jwks, &expect, rsa, "RS256", "rsa-1", claims) == WFA_JWT_OK);
    json_object_set_new (claims, "nbf", json_integer (now + 120));
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_NOT_YET);
    json_object_set_new (claims, "nbf", json_integer (now - 10));
    json_object_del (claims, "exp");
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_MALFORMED);
    json_object_set_new (claims, "exp", json_integer (now + 300));
    //  Times that are not whole seconds in range are malformed, never
    //  overflowed into something that passes
    json_t *bad_times [] = { json_real (1e300), json_real (-1e300), json_real (now + 300.5),
                             json_integer (INT64_MAX), json_integer (S_TIME_MAX + 1),
                             json_string ("1796601900") };
    for (size_t bad_nbr = 0; bad_nbr < sizeof bad_times / sizeof *bad_times; bad_nbr++) {
        json_object_set (claims, "exp", bad_times [bad_nbr]);
        assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_MALFORMED);
        json_object_set_new (claims, "exp", json_integer (now + 300));
        json_object_set (claims, "nbf", bad_times [bad_nbr]);
        assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_MALFORMED);
        json_object_set_new (claims, "nbf", json_integer (now - 10));
        json_decref (bad_times [bad_nbr]);
    }
    json_object_set_new (claims, "exp", json_real ((double) (now + 300)));
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_OK);
    json_object_set_new (claims, "exp", json_integer (S_TIME_MAX));
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_OK);
    json_object_set_new (claims, "nbf", json_integer (-S_TIME_MAX));
    wfa_jwt_expect_t huge = expect;
    huge.leeway = INT64_MAX;
    assert (s_test_check (jwks, &huge, ec, "ES256", "ec-1", claims) == WFA_JWT_OK);
    json_object_set_new (claims, "nbf", json_integer (now - 10));
    json_object_set_new (claims, "exp", json_integer (now + 300));

    //  One kid for an RSA and an EC key: each token finds the key of its alg
    keys = json_pack ("{s:[o, o]}", "keys", wfa_jwk_of (rsa, "dup"), wfa_jwk_of (ec, "dup"));
    text = json_dumps (keys, JSON_COMPACT);
    wfa_jwks_t *twins = wfa_jwks_new (text, strlen (text));
    assert (twins && wfa_jwks_size (twins) == 2);
    free (text);
    json_decref (keys);
    assert (s_test_check (twins, &expect, rsa, "RS256", "dup", claims) == WFA_JWT_OK);
    assert (s_test_check (twins, &expect, ec, "ES256", "dup", claims) == WFA_JWT_OK);
    assert (s_test_check (twins, &expect, other, "ES256", "dup", claims) == WFA_JWT_SIGNATURE);
    wfa_jwks_destroy (&twins);
    //  An RSA key whose e is 1, even, or 0 is no key
    const char *bad_e [] = { "AQ", "Ag", "AAE", "AA", "AQAA" };
    for (size_t bad_nbr = 0; bad_nbr < sizeof bad_e / sizeof *bad_e; bad_nbr++) {
        json_t *jwk = wfa_jwk_of (rsa, "rsa-e");
        json_object_set_new (jwk, "e", json_string (bad_e [bad_nbr]));
        keys = json_pack ("{s:[o]}", "keys", jwk);
        text = json_dumps (keys, JSON_COMPACT);
        assert (wfa_jwks_new (text, strlen (text)) == NULL);
        free (text);
        json_decref (keys);
    }

    //  Another issuer; another audience; an audience among several
    json_object_set_new (claims, "iss", json_string ("https://sso.evil.example/"));
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_ISSUER);
    json_object_set_new (claims, "iss", json_string (expect.issuer));
    json_object_set_new (claims, "aud", json_string ("another-app"));
    assert (s_test_check (jwks, &expect, ec, "ES256", "ec-1", claims) == WFA_JWT_AUDIENCE);
    json_object_set_new (claims, "aud", json_pack ("[s, s]", "account", "fleksi"));
    assert (s_test_check (jwks, &expect, rsa, "RS256", "rsa-1", claims) == WFA_JWT_OK);
    json_object_set_new (claims, "aud", json_pack ("[s]", "account"));
    assert (s_test_check (jwks, &expect, rsa, "RS256", "rsa-1", claims) == WFA_JWT_AUDIENCE);
    assert (streq (wfa_jwt_reason (WFA_JWT_EXPIRED), "expired"));

    json_decref (claims);
    wfa_jwks_destroy (&jwks);
    assert (jwks == NULL);
    EVP_PKEY_free (rsa);
    EVP_PKEY_free (ec);
    EVP_PKEY_free (other);
    if (verbose)
        printf ("wfa_jwt: ok\n");
}
