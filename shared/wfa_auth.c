/*  wfa_auth.c - who a bearer credential is: API tokens and OIDC access
    tokens, for the HTTP gateway.

    An API token costs one HMGET. An OIDC token costs a GET (issuer to
    pemda), an HMGET (the provider's settings) and a GET (the NIP's pemda);
    the provider's keys are parsed once and cached by the record's
    updated_at, so IDP.SET takes effect at the next token. Keys fetched from
    a jwks_uri are fetched again when a token names a kid they lack (at most
    once a minute per pemda: a stream of made-up kids cannot make the gateway
    hammer the provider) and when they are an hour old.

    One lock guards the cache and the signature checks that use it (a few
    tens of microseconds); nothing waits on the network while holding it. */
#include "wfa.h"
#include <curl/curl.h>
#include <microhttpd.h>

#define S_REFETCH_MS 60000      //  Least time between two fetches of a pemda's jwks_uri
#define S_KEYS_MAX_AGE_MS 3600000   //  Fetched keys older than this are fetched again
#define S_JWKS_FETCH_MAX (256 * 1024)   //  Bytes of a fetched JWKS, at most
#define S_FETCH_TIMEOUT_MS 5000
#define S_RETRY_MS 2000         //  After a failed fetch, the least time before the next

//  The keys of one pemda's identity provider.
typedef struct {
    char stamp [24];            //  updated_at of the record they came from
    wfa_jwks_t *jwks;           //  NULL: none usable (yet)
    int64_t fetched_at;         //  Last good fetch from jwks_uri, ms (0: never)
    int64_t tried_at;           //  Last fetch started, ms (0: never)
    bool failed;                //  The last fetch gave no keys
    bool fetching;              //  A thread is fetching now
} s_idp_t;

struct _wfa_auth_t {
    pthread_mutex_t lock;       //  Guards idps and the keys in it
    pthread_cond_t fetched;     //  Broadcast when a fetch ends
    zhashx_t *idps;             //  pemda -> s_idp_t
    int64_t leeway;             //  s, for exp and nbf
    int refreshing;             //  Background refreshes running
};

static void
s_idp_destroy (void **item_p)
{
    s_idp_t *idp = (s_idp_t *) *item_p;
    if (idp) {
        wfa_jwks_destroy (&idp->jwks);
        free (idp);
        *item_p = NULL;
    }
}

wfa_auth_t *
wfa_auth_new (void)
{
    //  Once per process, before any thread fetches
    static bool curl_ready = false;
    if (!curl_ready && curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK)
        curl_ready = true;
    wfa_auth_t *self = (wfa_auth_t *) zmalloc (sizeof (wfa_auth_t));
    assert (self);
    pthread_mutex_init (&self->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->fetched, &attr);
    pthread_condattr_destroy (&attr);
    self->idps = zhashx_new ();
    zhashx_set_destructor (self->idps, s_idp_destroy);
    self->leeway = wfa_config_int (WFA_CFG_JWT_LEEWAY_S);
    return self;
}

void
wfa_auth_destroy (wfa_auth_t **self_p)
{
    assert (self_p);
    wfa_auth_t *self = *self_p;
    if (self) {
        //  A background refresh ends within its fetch's timeout
        pthread_mutex_lock (&self->lock);
        while (self->refreshing > 0)
            pthread_cond_wait (&self->fetched, &self->lock);
        pthread_mutex_unlock (&self->lock);
        zhashx_destroy (&self->idps);
        pthread_cond_destroy (&self->fetched);
        pthread_mutex_destroy (&self->lock);
        free (self);
        *self_p = NULL;
    }
}

// ---------------------------------------------------------------------
//  Small pieces

//  Hex of bytes into text (2 * size + 1 bytes).
static void
s_hex (const unsigned char *bytes, size_t size, char *text)
{
    for (size_t byte_nbr = 0; byte_nbr < size; byte_nbr++)
        sprintf (text + 2 * byte_nbr, "%02x", bytes [byte_nbr]);
    text [2 * size] = 0;
}

//  Hex SHA-256 of len bytes of text into hash (65 bytes).
static void
s_sha256_hex (const char *text, size_t len, char *hash)
{
    unsigned char digest [SHA256_DIGEST_LENGTH];
    SHA256 ((const unsigned char *) text, len, digest);
    s_hex (digest, sizeof digest, hash);
}

//  True if text is exactly len lowercase hex digits.
static bool
s_is_hex (const char *text, size_t len)
{
    return strlen (text) == len && strspn (text, "0123456789abcdef") == len;
}

bool
wfa_auth_token_id_valid (const char *id)
{
    return id && s_is_hex (id, WFA_TOKEN_ID_LEN);
}

int
wfa_auth_token_make (const char *pemda, char *id, char *token, char *hash)
{
    unsigned char random [WFA_TOKEN_ID_LEN / 2 + WFA_TOKEN_SECRET_LEN / 2];
    if (RAND_bytes (random, sizeof random) != 1)
        return -1;
    char secret [WFA_TOKEN_SECRET_LEN + 1];
    s_hex (random, WFA_TOKEN_ID_LEN / 2, id);
    s_hex (random + WFA_TOKEN_ID_LEN / 2, WFA_TOKEN_SECRET_LEN / 2, secret);
    snprintf (token, WFA_TOKEN_MAX, "fleksi_%s_%s_%s", pemda, id, secret);
    s_sha256_hex (secret, WFA_TOKEN_SECRET_LEN, hash);
    OPENSSL_cleanse (random, sizeof random);
    OPENSSL_cleanse (secret, sizeof secret);
    return 0;
}

char *
wfa_auth_issuer_key (const char *issuer, char *buf, size_t size)
{
    char hash [SHA256_DIGEST_LENGTH * 2 + 1];
    s_sha256_hex (issuer, strlen (issuer), hash);
    snprintf (buf, size, "wfa:idp:%s", hash);
    return buf;
}

//  A string element of an array reply, or "".
static const char *
s_element (const redisReply *reply, size_t index)
{
    if (reply && reply->type == REDIS_REPLY_ARRAY && index < reply->elements
    &&  reply->element [index]->type == REDIS_REPLY_STRING)
        return reply->element [index]->str;
    return "";
}

// ---------------------------------------------------------------------
//  API tokens: fleksi_PEMDA_ID_SECRET

static wfa_code_t
s_check_token (wfa_redis_t *redis, const char *bearer, wfa_auth_result_t *out, const char **detail)
{
    //  The pemda runs to the next '_'; the id and the secret have fixed lengths
    const char *pemda_at = bearer + strlen ("fleksi_");
    size_t pemda_len = strcspn (pemda_at, "_");
    char pemda [16], id [WFA_TOKEN_ID_LEN + 1], secret [WFA_TOKEN_SECRET_LEN + 1];
    const char *id_at = pemda_at + pemda_len + 1;
    if (pemda_len == 0 || pemda_len >= sizeof pemda || pemda_at [pemda_len] != '_'
    ||  strlen (id_at) != WFA_TOKEN_ID_LEN + 1 + WFA_TOKEN_SECRET_LEN || id_at [WFA_TOKEN_ID_LEN] != '_') {
        *detail = "malformed token";
        return WFA_E_UNAUTHENTICATED;
    }
    snprintf (pemda, sizeof pemda, "%.*s", (int) pemda_len, pemda_at);
    snprintf (id, sizeof id, "%.*s", WFA_TOKEN_ID_LEN, id_at);
    snprintf (secret, sizeof secret, "%s", id_at + WFA_TOKEN_ID_LEN + 1);
    if (wfa_pemda_check (pemda) != WFA_OK || !s_is_hex (id, WFA_TOKEN_ID_LEN)
    || !s_is_hex (secret, WFA_TOKEN_SECRET_LEN)) {
        *detail = "malformed token";
        return WFA_E_UNAUTHENTICATED;
    }
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, pemda, "token:%s", id);
    redisReply *reply = wfa_redis_command (redis, "HMGET %s hash name role expires_at revoked_at", record);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        if (reply)
            freeReplyObject (reply);
        *detail = "redis unavailable";
        return WFA_E_REDIS_UNAVAILABLE;
    }
    char hash [WFA_TOKEN_HASH_LEN + 1];
    s_sha256_hex (secret, WFA_TOKEN_SECRET_LEN, hash);
    OPENSSL_cleanse (secret, sizeof secret);
    const char *stored = s_element (reply, 0), *name = s_element (reply, 1), *role = s_element (reply, 2);
    int64_t expires_at = atoll (s_element (reply, 3));
    const char *revoked_at = s_element (reply, 4);
    wfa_code_t code = WFA_E_UNAUTHENTICATED;
    //  An unknown id and a wrong secret read the same; the compare takes
    //  the same time wherever the hashes differ
    if (strlen (stored) != WFA_TOKEN_HASH_LEN
    ||  CRYPTO_memcmp (stored, hash, WFA_TOKEN_HASH_LEN) != 0)
        *detail = "unknown token";
    else
    if (*revoked_at && !streq (revoked_at, "0"))
        *detail = "revoked";
    else
    if (expires_at > 0 && wfa_now_ms () >= expires_at)
        *detail = "expired";
    else
    if (!streq (role, "integrator") || !wfa_principal_name_valid (name))
        *detail = "unknown token";
    else {
        memset (out, 0, sizeof *out);
        out->kind = WFA_PRINCIPAL_INTEGRATOR;
        snprintf (out->pemda, sizeof out->pemda, "%s", pemda);
        snprintf (out->as, sizeof out->as, "integrator:%s:%s", pemda, name);
        snprintf (out->subject, sizeof out->subject, "token:%s", id);
        *detail = "ok";
        code = WFA_OK;
    }
    freeReplyObject (reply);
    return code;
}

// ---------------------------------------------------------------------
//  OIDC access tokens

//  libcurl's body callback: append to a chunk, up to S_JWKS_FETCH_MAX.
static size_t
s_fetch_write (char *data, size_t size, size_t count, void *arg)
{
    zchunk_t *body = (zchunk_t *) arg;
    size_t bytes = size * count;
    if (zchunk_size (body) + bytes > S_JWKS_FETCH_MAX)
        return 0;               //  Too large: libcurl stops with an error
    zchunk_extend (body, data, bytes);
    return bytes;
}

//  True if uri is http:// on a loopback host name (then a port or a path).
static bool
s_http_loopback (const char *uri)
{
    const char *hosts [] = { "http://127.0.0.1", "http://localhost" };
    for (size_t host_nbr = 0; host_nbr < sizeof hosts / sizeof *hosts; host_nbr++) {
        size_t len = strlen (hosts [host_nbr]);
        if (strncmp (uri, hosts [host_nbr], len) != 0)
            continue;
        //  Then :digits, then / or the end: no user info that moves the host
        const char *at = uri + len;
        if (*at == ':') {
            const char *digits = ++at;
            while (isdigit ((unsigned char) *at))
                at++;
            if (at == digits)
                return false;
        }
        return *at == 0 || *at == '/';
    }
    return false;
}

bool
wfa_auth_jwks_uri_allowed (const char *uri)
{
    if (!uri)
        return false;
    if (strncmp (uri, "https://", 8) == 0 && uri [8])
        return true;
    return wfa_config_int (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK) == 1 && s_http_loopback (uri);
}

//  Fetch a JWKS from uri (https; plain http only to loopback when the
//  test option allows it; no redirects, a timeout); the parsed keys, or
//  NULL (logged).
static wfa_jwks_t *
s_fetch (const char *uri)
{
    if (!wfa_auth_jwks_uri_allowed (uri)) {
        wfa_log ("W", "auth: jwks_uri %.120s refused: not https", uri);
        return NULL;
    }
    CURL *curl = curl_easy_init ();
    if (!curl)
        return NULL;
    zchunk_t *body = zchunk_new (NULL, 4096);
    curl_easy_setopt (curl, CURLOPT_URL, uri);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, strncmp (uri, "https://", 8) == 0? "https": "http");
    curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) S_FETCH_TIMEOUT_MS);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_fetch_write);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
    CURLcode rc = curl_easy_perform (curl);
    long status = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup (curl);
    wfa_jwks_t *jwks = NULL;
    if (rc == CURLE_OK && status == 200)
        jwks = wfa_jwks_new ((const char *) zchunk_data (body), zchunk_size (body));
    if (!jwks)
        wfa_log ("W", "auth: no usable JWKS from %s (%s, HTTP %ld)", uri,
                 rc == CURLE_OK? "fetched": curl_easy_strerror (rc), status);
    zchunk_destroy (&body);
    return jwks;
}

//  Under the lock: the cache entry of pemda at stamp, made anew (without
//  keys) when missing or of another stamp. Sets *keyless when it has no keys
//  yet (new, or another thread is still loading them: both load them, since
//  a request must not fail for being the second one).
static s_idp_t *
s_idp_at (wfa_auth_t *self, const char *pemda, const char *stamp, bool *keyless)
{
    s_idp_t *idp = (s_idp_t *) zhashx_lookup (self->idps, pemda);
    bool fresh = !idp || !streq (idp->stamp, stamp);
    *keyless = fresh || !idp->jwks;
    if (fresh) {
        idp = (s_idp_t *) zmalloc (sizeof (s_idp_t));
        assert (idp);
        snprintf (idp->stamp, sizeof idp->stamp, "%s", stamp);
        zhashx_update (self->idps, pemda, idp);
    }
    return idp;
}

//  Under the lock: give pemda's entry at stamp the keys (taking them),
//  unless the entry moved on meanwhile (then they are dropped).
static void
s_idp_keys (wfa_auth_t *self, const char *pemda, const char *stamp, wfa_jwks_t **jwks_p,
            int64_t fetched_at)
{
    s_idp_t *idp = (s_idp_t *) zhashx_lookup (self->idps, pemda);
    if (idp && streq (idp->stamp, stamp) && *jwks_p) {
        wfa_jwks_destroy (&idp->jwks);
        idp->jwks = *jwks_p;
        *jwks_p = NULL;
        if (fetched_at)
            idp->fetched_at = fetched_at;
    }
    wfa_jwks_destroy (jwks_p);
}

//  Verify token with pemda's cached keys, under the lock.
static wfa_jwt_result_t
s_verify (wfa_auth_t *self, const char *pemda, const char *token, const wfa_jwt_expect_t *expect,
          json_t **claims)
{
    pthread_mutex_lock (&self->lock);
    s_idp_t *idp = (s_idp_t *) zhashx_lookup (self->idps, pemda);
    wfa_jwt_result_t result = wfa_jwt_verify (token, idp? idp->jwks: NULL, expect, claims);
    pthread_mutex_unlock (&self->lock);
    return result;
}

//  Under the lock: may idp's jwks_uri be fetched now? Not while another
//  thread fetches it; for a kid the keys lack, when never tried, or not in
//  the last minute (the last S_RETRY_MS after a failure); else when the
//  fetched keys are an hour old. Claims the fetch.
static bool
s_may_fetch (s_idp_t *idp, bool unknown_kid)
{
    int64_t now = wfa_now_ms ();
    int64_t since = now - idp->tried_at;
    int64_t wait = idp->failed? S_RETRY_MS: S_REFETCH_MS;
    bool may = !idp->fetching
            && (unknown_kid? idp->tried_at == 0 || since >= wait
                           : idp->fetched_at != 0 && now - idp->fetched_at >= S_KEYS_MAX_AGE_MS
                             && since >= wait);
    if (may) {
        idp->fetching = true;
        idp->tried_at = now;
    }
    return may;
}

//  Fetch pemda's keys from uri (the fetch claimed), store them, and wake
//  whoever waits for them.
static void
s_fetch_into (wfa_auth_t *self, const char *pemda, const char *stamp, const char *uri)
{
    wfa_jwks_t *jwks = s_fetch (uri);
    pthread_mutex_lock (&self->lock);
    s_idp_t *idp = (s_idp_t *) zhashx_lookup (self->idps, pemda);
    if (idp && streq (idp->stamp, stamp)) {
        idp->fetching = false;
        idp->failed = jwks == NULL;
    }
    s_idp_keys (self, pemda, stamp, &jwks, wfa_now_ms ());
    pthread_cond_broadcast (&self->fetched);
    pthread_mutex_unlock (&self->lock);
}

//  Under the lock: wait (at most a fetch's timeout) while pemda's keys at
//  stamp are being fetched by another thread.
static void
s_await_fetch (wfa_auth_t *self, const char *pemda, const char *stamp)
{
    struct timespec deadline;
    clock_gettime (CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (S_FETCH_TIMEOUT_MS + 1000) / 1000;
    while (true) {
        s_idp_t *idp = (s_idp_t *) zhashx_lookup (self->idps, pemda);
        if (!idp || !streq (idp->stamp, stamp) || !idp->fetching
        ||  pthread_cond_timedwait (&self->fetched, &self->lock, &deadline) == ETIMEDOUT)
            break;
    }
}

//  The hourly refresh, on a thread of its own: the request that noticed
//  the keys' age is answered with the cached keys meanwhile.
typedef struct {
    wfa_auth_t *auth;
    char pemda [16];
    char stamp [24];
    char *uri;
} s_refresh_t;

static void *
s_refresh (void *arg)
{
    s_refresh_t *refresh = (s_refresh_t *) arg;
    s_fetch_into (refresh->auth, refresh->pemda, refresh->stamp, refresh->uri);
    pthread_mutex_lock (&refresh->auth->lock);
    refresh->auth->refreshing--;
    pthread_cond_broadcast (&refresh->auth->fetched);
    pthread_mutex_unlock (&refresh->auth->lock);
    free (refresh->uri);
    free (refresh);
    return NULL;
}

//  After a first verify: fetch the jwks_uri when a kid is unknown (or wait
//  for the fetch in flight), then verify again; refresh hour-old keys in
//  the background. The verify's result.
static wfa_jwt_result_t
s_keys_from_uri (wfa_auth_t *self, const char *pemda, const char *stamp, const char *uri,
                 wfa_jwt_result_t result, const char *token, const wfa_jwt_expect_t *expect,
                 json_t **claims)
{
    bool unknown_kid = result == WFA_JWT_UNKNOWN_KID;
    if (!unknown_kid && result != WFA_JWT_OK)
        return result;
    pthread_mutex_lock (&self->lock);
    s_idp_t *idp = (s_idp_t *) zhashx_lookup (self->idps, pemda);
    if (!idp || !streq (idp->stamp, stamp)) {
        pthread_mutex_unlock (&self->lock);
        return result;
    }
    if (unknown_kid && idp->fetching) {
        //  Another thread fetches: its keys may hold the kid
        s_await_fetch (self, pemda, stamp);
        pthread_mutex_unlock (&self->lock);
        return s_verify (self, pemda, token, expect, claims);
    }
    bool may = s_may_fetch (idp, unknown_kid);
    if (may && !unknown_kid) {
        s_refresh_t *refresh = (s_refresh_t *) zmalloc (sizeof (s_refresh_t));
        assert (refresh);
        refresh->auth = self;
        snprintf (refresh->pemda, sizeof refresh->pemda, "%s", pemda);
        snprintf (refresh->stamp, sizeof refresh->stamp, "%s", stamp);
        refresh->uri = strdup (uri);
        pthread_t thread;
        if (pthread_create (&thread, NULL, s_refresh, refresh) == 0) {
            self->refreshing++;
            pthread_detach (thread);
        }
        else {
            idp->fetching = false;
            free (refresh->uri);
            free (refresh);
        }
    }
    pthread_mutex_unlock (&self->lock);
    if (may && unknown_kid) {
        s_fetch_into (self, pemda, stamp, uri);
        result = s_verify (self, pemda, token, expect, claims);
    }
    return result;
}

static wfa_code_t
s_check_jwt (wfa_auth_t *self, wfa_redis_t *redis, const char *bearer, wfa_auth_result_t *out,
             const char **detail)
{
    //  Whose token: its issuer, read before anything is trusted
    json_t *peeked = wfa_jwt_peek (bearer);
    const char *iss = json_string_value (json_object_get (peeked, "iss"));
    if (!iss || strlen (iss) > 512) {
        json_decref (peeked);
        *detail = "malformed token";
        return WFA_E_UNAUTHENTICATED;
    }
    char index [WFA_KEY_MAX];
    wfa_auth_issuer_key (iss, index, sizeof index);
    json_decref (peeked);
    redisReply *owner = wfa_redis_command (redis, "GET %s", index);
    if (!owner || owner->type == REDIS_REPLY_ERROR) {
        if (owner)
            freeReplyObject (owner);
        *detail = "redis unavailable";
        return WFA_E_REDIS_UNAVAILABLE;
    }
    char pemda [16];
    snprintf (pemda, sizeof pemda, "%s", owner->type == REDIS_REPLY_STRING? owner->str: "");
    freeReplyObject (owner);
    if (!*pemda || wfa_pemda_check (pemda) != WFA_OK) {
        *detail = "unknown issuer";
        return WFA_E_UNAUTHENTICATED;
    }
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, pemda, "idp");
    redisReply *settings = wfa_redis_command (redis, "HMGET %s issuer audience nip_claim jwks_uri updated_at",
                                              record);
    if (!settings || settings->type != REDIS_REPLY_ARRAY || settings->elements != 5) {
        if (settings)
            freeReplyObject (settings);
        *detail = "redis unavailable";
        return WFA_E_REDIS_UNAVAILABLE;
    }
    const char *issuer = s_element (settings, 0), *audience = s_element (settings, 1);
    const char *nip_claim = s_element (settings, 2), *jwks_uri = s_element (settings, 3);
    const char *stamp = s_element (settings, 4);
    wfa_code_t code = WFA_E_UNAUTHENTICATED;
    if (!*issuer || !*stamp) {
        *detail = "unknown issuer";
        freeReplyObject (settings);
        return code;
    }
    //  The keys: cached at this stamp, else the record's inline JWKS, else
    //  (or on a kid the inline keys lack) the jwks_uri's
    pthread_mutex_lock (&self->lock);
    bool keyless = false;
    s_idp_at (self, pemda, stamp, &keyless);
    pthread_mutex_unlock (&self->lock);
    if (keyless) {
        redisReply *inline_keys = wfa_redis_command (redis, "HMGET %s jwks", record);
        if (!inline_keys || inline_keys->type == REDIS_REPLY_ERROR) {
            if (inline_keys)
                freeReplyObject (inline_keys);
            freeReplyObject (settings);
            *detail = "redis unavailable";
            return WFA_E_REDIS_UNAVAILABLE;
        }
        const redisReply *text = inline_keys->type == REDIS_REPLY_ARRAY && inline_keys->elements == 1?
                                 inline_keys->element [0]: NULL;
        wfa_jwks_t *jwks = text && text->type == REDIS_REPLY_STRING && text->len?
                           wfa_jwks_new (text->str, text->len): NULL;
        freeReplyObject (inline_keys);
        pthread_mutex_lock (&self->lock);
        s_idp_keys (self, pemda, stamp, &jwks, 0);
        pthread_mutex_unlock (&self->lock);
    }
    //  The system's clock, so that a test or demo clock (WFA_CLOCK_FILE) moves
    //  the tokens' times with everything else
    wfa_jwt_expect_t expect = { issuer, audience, wfa_now_ms () / 1000, self->leeway };
    json_t *claims = NULL;
    wfa_jwt_result_t result = s_verify (self, pemda, bearer, &expect, &claims);
    if (*jwks_uri)
        result = s_keys_from_uri (self, pemda, stamp, jwks_uri, result, bearer, &expect, &claims);
    if (result != WFA_JWT_OK) {
        *detail = wfa_jwt_reason (result);
        freeReplyObject (settings);
        return code;
    }
    //  The person: a NIP of this pemda in the configured claim
    const char *nip = json_string_value (json_object_get (claims, *nip_claim? nip_claim: "nip"));
    const char *sub = json_string_value (json_object_get (claims, "sub"));
    if (!nip || !wfa_nip_valid (nip)) {
        *detail = "no valid nip claim";
        json_decref (claims);
        freeReplyObject (settings);
        return code;
    }
    char nip_pemda [16] = "";
    int found = wfa_store_pemda_of_nip (redis, nip, nip_pemda, sizeof nip_pemda);
    if (found == -2) {
        *detail = "redis unavailable";
        code = WFA_E_REDIS_UNAVAILABLE;
    }
    else
    if (found == -1 || !streq (nip_pemda, pemda))
        *detail = "nip not of this pemda";
    else {
        memset (out, 0, sizeof *out);
        out->kind = WFA_PRINCIPAL_EMPLOYEE;
        snprintf (out->pemda, sizeof out->pemda, "%s", pemda);
        snprintf (out->as, sizeof out->as, "%s", nip);
        //  A long or odd sub is named by its hash, so the subject stays short
        bool plain = sub && *sub && strlen (sub) <= 48
                  && strspn (sub, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.@|:") == strlen (sub);
        char hashed [SHA256_DIGEST_LENGTH * 2 + 1], name [49];
        if (!plain) {
            s_sha256_hex (sub? sub: nip, strlen (sub? sub: nip), hashed);
            hashed [32] = 0;
        }
        snprintf (name, sizeof name, "%.48s", plain? sub: hashed);
        snprintf (out->subject, sizeof out->subject, "oidc:%s:%s", pemda, name);
        *detail = "ok";
        code = WFA_OK;
    }
    json_decref (claims);
    freeReplyObject (settings);
    return code;
}

wfa_code_t
wfa_auth_check (wfa_auth_t *self, wfa_redis_t *redis, const char *bearer,
                wfa_auth_result_t *out, const char **detail)
{
    assert (self && out && detail);
    memset (out, 0, sizeof *out);
    if (!bearer || !*bearer) {
        *detail = "missing";
        return WFA_E_UNAUTHENTICATED;
    }
    size_t len = strnlen (bearer, WFA_JWT_MAX + 1);
    if (len > WFA_JWT_MAX) {
        *detail = "malformed token";
        return WFA_E_UNAUTHENTICATED;
    }
    if (strncmp (bearer, "fleksi_", 7) == 0)
        return s_check_token (redis, bearer, out, detail);
    if (strchr (bearer, '.'))
        return s_check_jwt (self, redis, bearer, out, detail);
    *detail = "malformed token";
    return WFA_E_UNAUTHENTICATED;
}

// ---------------------------------------------------------------------
//  Selftest, against a throwaway redis-server and a JWKS served here

//  The JWKS the test's HTTP server answers (the text behind cls).
static enum MHD_Result
s_test_serve (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void) url; (void) method; (void) version; (void) upload_data; (void) upload_data_size; (void) con_cls;
    const char *text = *(const char **) cls;
    struct MHD_Response *response = MHD_create_response_from_buffer (strlen (text), (void *) text,
                                                                     MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response (connection, MHD_HTTP_OK, response);
    MHD_destroy_response (response);
    return rc;
}

//  A JWKS text of the keys given (NULL-terminated pairs key, kid).
static char *
s_test_jwks (EVP_PKEY *first, const char *first_kid, EVP_PKEY *second, const char *second_kid)
{
    json_t *keys = json_array ();
    json_array_append_new (keys, wfa_jwk_of (first, first_kid));
    if (second)
        json_array_append_new (keys, wfa_jwk_of (second, second_kid));
    json_t *jwks = json_pack ("{s:o}", "keys", keys);
    char *text = json_dumps (jwks, JSON_COMPACT);
    json_decref (jwks);
    return text;
}

//  Run an argv command, asserting Redis took it.
static void
s_test_argv (wfa_redis_t *redis, int argc, const char **argv)
{
    redisReply *reply = wfa_redis_argv (redis, argc, argv, NULL);
    assert (reply && reply->type != REDIS_REPLY_ERROR);
    freeReplyObject (reply);
}

//  A slow JWKS server for the selftest: answers after delay_ms, with
//  status (200 or a failure), counting the fetches.
typedef struct {
    const char *text;
    int delay_ms;
    unsigned status;
    int fetches;                //  Atomic
} s_test_slow_t;

static enum MHD_Result
s_test_serve_slow (void *cls, struct MHD_Connection *connection, const char *url,
                   const char *method, const char *version, const char *upload_data,
                   size_t *upload_data_size, void **con_cls)
{
    (void) url; (void) method; (void) version; (void) upload_data; (void) upload_data_size; (void) con_cls;
    s_test_slow_t *slow = (s_test_slow_t *) cls;
    __atomic_add_fetch (&slow->fetches, 1, __ATOMIC_RELAXED);
    zclock_sleep (slow->delay_ms);
    struct MHD_Response *response = MHD_create_response_from_buffer (strlen (slow->text),
                                                                     (void *) slow->text,
                                                                     MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response (connection, slow->status, response);
    MHD_destroy_response (response);
    return rc;
}

//  Many threads checking one token at once, each with its own Redis.
typedef struct {
    wfa_auth_t *auth;
    const char *address;
    const char *token;
    int checks;
    int passed;
} s_test_thread_t;

static void *
s_test_thread (void *arg)
{
    s_test_thread_t *test = (s_test_thread_t *) arg;
    wfa_redis_t *redis = wfa_redis_new (test->address, 1000);
    for (int check_nbr = 0; check_nbr < test->checks; check_nbr++) {
        wfa_auth_result_t out;
        const char *detail = NULL;
        if (wfa_auth_check (test->auth, redis, test->token, &out, &detail) == WFA_OK)
            test->passed++;
    }
    wfa_redis_destroy (&redis);
    return NULL;
}

void
wfa_auth_test (bool verbose)
{
    char dir [] = "/tmp/wfa-auth-XXXXXX";
    assert (mkdtemp (dir));
    int port = wfa_spare_port ();
    char address [32];
    snprintf (address, sizeof address, "127.0.0.1:%d", port);
    pid_t pid = wfa_redis_test_server (port, dir, false);
    wfa_redis_t *redis = wfa_redis_new (address, 1000);
    redisReply *reply = NULL;
    for (int try_nbr = 0; try_nbr < 100 && !reply; try_nbr++) {
        zclock_sleep (50);
        reply = wfa_redis_command (redis, "PING");
    }
    assert (reply);
    freeReplyObject (reply);
    wfa_auth_t *auth = wfa_auth_new ();
    wfa_auth_result_t out;
    const char *detail = NULL;

    //  Nothing, and what is neither kind of credential
    assert (wfa_auth_check (auth, redis, NULL, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "missing"));
    assert (wfa_auth_check (auth, redis, "hello", &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "malformed token"));

    //  jwks_uri: https only; http to loopback only with the test option
    assert (wfa_auth_jwks_uri_allowed ("https://sso.example.go.id/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("https://") && !wfa_auth_jwks_uri_allowed (NULL));
    assert (!wfa_auth_jwks_uri_allowed ("http://sso.example.go.id/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("http://127.0.0.1:8080/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("file:///etc/passwd"));
    wfa_config_set (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK, "1");
    assert (wfa_auth_jwks_uri_allowed ("http://127.0.0.1:8080/certs"));
    assert (wfa_auth_jwks_uri_allowed ("http://localhost/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("http://127.0.0.1:80@evil.example/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("http://127.0.0.1.evil.example/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("http://localhost:/certs"));
    assert (!wfa_auth_jwks_uri_allowed ("http://sso.example.go.id/certs"));
    wfa_config_set (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK, "0");

    //  An API token, stored as TOKEN.CREATE stores it: the hash only
    char id [WFA_TOKEN_ID_LEN + 1], token [WFA_TOKEN_MAX], hash [WFA_TOKEN_HASH_LEN + 1];
    assert (wfa_auth_token_make ("35.08", id, token, hash) == 0);
    assert (wfa_auth_token_id_valid (id) && strlen (hash) == WFA_TOKEN_HASH_LEN);
    assert (strncmp (token, "fleksi_35.08_", 13) == 0 && strlen (token) == 13 + 16 + 1 + 64);
    assert (!strstr (token, hash));
    char record [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, "35.08", "token:%s", id);
    const char *store [] = { "HSET", record, "hash", hash, "name", "simpeg.sync", "role", "integrator",
                             "expires_at", "0", "revoked_at", "0" };
    s_test_argv (redis, 12, store);
    assert (wfa_auth_check (auth, redis, token, &out, &detail) == WFA_OK);
    assert (out.kind == WFA_PRINCIPAL_INTEGRATOR && streq (out.pemda, "35.08"));
    assert (streq (out.as, "integrator:35.08:simpeg.sync"));
    char subject [64];
    snprintf (subject, sizeof subject, "token:%s", id);
    assert (streq (out.subject, subject));
    //  A wrong secret; an id unknown; another pemda's name for it
    char forged [WFA_TOKEN_MAX];
    snprintf (forged, sizeof forged, "%s", token);
    forged [strlen (forged) - 1] = forged [strlen (forged) - 1] == '0'? '1': '0';
    assert (wfa_auth_check (auth, redis, forged, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "unknown token") && out.kind == WFA_PRINCIPAL_NONE);
    snprintf (forged, sizeof forged, "fleksi_35.09_%s", token + 13);
    assert (wfa_auth_check (auth, redis, forged, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (wfa_auth_check (auth, redis, "fleksi_35.08_zz_00", &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "malformed token"));
    //  Expired, then revoked
    const char *expire [] = { "HSET", record, "expires_at", "1000" };
    s_test_argv (redis, 4, expire);
    assert (wfa_auth_check (auth, redis, token, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "expired"));
    const char *revoke [] = { "HSET", record, "expires_at", "0", "revoked_at", "1700000000000" };
    s_test_argv (redis, 6, revoke);
    assert (wfa_auth_check (auth, redis, token, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "revoked"));

    //  OIDC: a provider of 35.08 with its keys inline, a person on record
    EVP_PKEY *rsa = EVP_RSA_gen (2048), *ec = EVP_EC_gen ("P-256"), *rotated = EVP_EC_gen ("P-256");
    assert (rsa && ec && rotated);
    const char *issuer = "https://sso.lumajangkab.go.id/realms/asn";
    char *jwks_text = s_test_jwks (rsa, "rsa-1", NULL, NULL);
    char index [WFA_KEY_MAX];
    wfa_store_key (record, sizeof record, "35.08", "idp");
    const char *idp [] = { "HSET", record, "issuer", issuer, "audience", "fleksi", "nip_claim", "nip",
                           "jwks", jwks_text, "jwks_uri", "", "updated_at", "1" };
    s_test_argv (redis, 14, idp);
    const char *owner [] = { "SET", wfa_auth_issuer_key (issuer, index, sizeof index), "35.08" };
    s_test_argv (redis, 3, owner);
    const char *person [] = { "SET", "wfa:nip:198609262015051001", "35.08" };
    s_test_argv (redis, 3, person);
    const char *stranger [] = { "SET", "wfa:nip:197001011995031001", "35.09" };
    s_test_argv (redis, 3, stranger);
    free (jwks_text);
    int64_t now = wfa_now_ms () / 1000;
    json_t *claims = json_pack ("{s:s, s:s, s:s, s:s, s:I}", "iss", issuer, "aud", "fleksi", "sub", "f3a9-77",
                                "nip", "198609262015051001", "exp", (json_int_t) (now + 300));
    char *jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_OK);
    assert (out.kind == WFA_PRINCIPAL_EMPLOYEE && streq (out.as, "198609262015051001"));
    assert (streq (out.subject, "oidc:35.08:f3a9-77") && streq (out.pemda, "35.08"));
    free (jwt);
    //  Refused: expired, another audience, an unknown issuer, a NIP of another pemda
    json_object_set_new (claims, "exp", json_integer (now - 3600));
    jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "expired"));
    free (jwt);
    json_object_set_new (claims, "exp", json_integer (now + 300));
    json_object_set_new (claims, "aud", json_string ("other"));
    jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "wrong audience"));
    free (jwt);
    json_object_set_new (claims, "aud", json_string ("fleksi"));
    json_object_set_new (claims, "iss", json_string ("https://sso.elsewhere.example/"));
    jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "unknown issuer"));
    free (jwt);
    json_object_set_new (claims, "iss", json_string (issuer));
    json_object_set_new (claims, "nip", json_string ("197001011995031001"));
    jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "nip not of this pemda"));
    free (jwt);
    json_object_set_new (claims, "nip", json_string ("198609262015051001"));

    //  Key rotation through a jwks_uri: the provider serves the EC key; a
    //  token with its kid is unknown to the inline keys, so the uri is
    //  fetched, once; then the provider rotates to another kid, which
    //  waits for the minute between fetches
    //  (plain http to loopback: the test option allows it)
    wfa_config_set (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK, "1");
    char *served = s_test_jwks (rsa, "rsa-1", ec, "ec-1");
    int http_port = wfa_spare_port ();
    struct MHD_Daemon *daemon = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t) http_port,
                                                  NULL, NULL, s_test_serve, &served,
                                                  MHD_OPTION_END);
    assert (daemon);
    char uri [64];
    snprintf (uri, sizeof uri, "http://127.0.0.1:%d/jwks.json", http_port);
    const char *with_uri [] = { "HSET", record, "jwks_uri", uri, "updated_at", "2" };
    s_test_argv (redis, 6, with_uri);
    jwt = wfa_jwt_sign (ec, "ES256", "ec-1", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_OK);
    free (jwt);
    free (served);
    served = s_test_jwks (rotated, "ec-2", NULL, NULL);
    jwt = wfa_jwt_sign (rotated, "ES256", "ec-2", claims);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "unknown kid"));
    //  A new IDP.SET (another updated_at) starts anew: fetched at once
    const char *updated [] = { "HSET", record, "jwks", "", "updated_at", "3" };
    s_test_argv (redis, 6, updated);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_OK);
    free (jwt);
    MHD_stop_daemon (daemon);
    free (served);
    wfa_config_set (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK, "0");

    //  A provider just set, and eight threads with a token at once: none is
    //  refused for being the second to find the keys missing
    const char *again [] = { "HSET", record, "jwks_uri", "", "updated_at", "4" };
    jwks_text = s_test_jwks (rsa, "rsa-1", NULL, NULL);
    const char *inline_again [] = { "HSET", record, "jwks", jwks_text };
    s_test_argv (redis, 4, inline_again);
    s_test_argv (redis, 6, again);
    free (jwks_text);
    jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    pthread_t threads [8];
    s_test_thread_t tests [8];
    for (int thread_nbr = 0; thread_nbr < 8; thread_nbr++) {
        tests [thread_nbr] = (s_test_thread_t) { auth, address, jwt, 20, 0 };
        assert (pthread_create (&threads [thread_nbr], NULL, s_test_thread, &tests [thread_nbr]) == 0);
    }
    for (int thread_nbr = 0; thread_nbr < 8; thread_nbr++) {
        pthread_join (threads [thread_nbr], NULL);
        assert (tests [thread_nbr].passed == 20);
    }
    free (jwt);

    //  A provider with only a jwks_uri, just set, its server slow: eight
    //  threads at once all sign in (the others wait for the one fetch)
    wfa_config_set (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK, "1");
    jwks_text = s_test_jwks (rsa, "rsa-1", NULL, NULL);
    s_test_slow_t slow = { jwks_text, 500, MHD_HTTP_OK, 0 };
    http_port = wfa_spare_port ();
    daemon = MHD_start_daemon (MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                               (uint16_t) http_port, NULL, NULL, s_test_serve_slow, &slow,
                               MHD_OPTION_END);
    assert (daemon);
    snprintf (uri, sizeof uri, "http://127.0.0.1:%d/jwks.json", http_port);
    const char *slow_uri [] = { "HSET", record, "jwks", "", "jwks_uri", uri, "updated_at", "5" };
    s_test_argv (redis, 8, slow_uri);
    jwt = wfa_jwt_sign (rsa, "RS256", "rsa-1", claims);
    for (int thread_nbr = 0; thread_nbr < 8; thread_nbr++) {
        tests [thread_nbr] = (s_test_thread_t) { auth, address, jwt, 1, 0 };
        assert (pthread_create (&threads [thread_nbr], NULL, s_test_thread, &tests [thread_nbr]) == 0);
    }
    for (int thread_nbr = 0; thread_nbr < 8; thread_nbr++) {
        pthread_join (threads [thread_nbr], NULL);
        assert (tests [thread_nbr].passed == 1);
    }
    assert (slow.fetches == 1);
    //  A first fetch that fails is tried again after a short back-off, not
    //  after the minute that holds back made-up kids
    slow.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    slow.delay_ms = 0;
    const char *failing [] = { "HSET", record, "updated_at", "6" };
    s_test_argv (redis, 4, failing);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (streq (detail, "unknown kid") && slow.fetches == 2);
    slow.status = MHD_HTTP_OK;
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_E_UNAUTHENTICATED);
    assert (slow.fetches == 2);             //  Within the back-off: not again
    zclock_sleep (S_RETRY_MS + 100);
    assert (wfa_auth_check (auth, redis, jwt, &out, &detail) == WFA_OK);
    assert (slow.fetches == 3);
    free (jwt);
    MHD_stop_daemon (daemon);
    free (jwks_text);
    wfa_config_set (WFA_CFG_IDP_ALLOW_HTTP_LOOPBACK, "0");

    //  Redis gone: said as such, not as a bad credential
    kill (pid, SIGTERM);
    waitpid (pid, NULL, 0);
    assert (wfa_auth_check (auth, redis, token, &out, &detail) == WFA_E_REDIS_UNAVAILABLE);

    json_decref (claims);
    EVP_PKEY_free (rsa);
    EVP_PKEY_free (ec);
    EVP_PKEY_free (rotated);
    wfa_auth_destroy (&auth);
    assert (auth == NULL);
    wfa_redis_destroy (&redis);
    zsys_dir_delete (dir);
    if (verbose)
        printf ("wfa_auth: ok\n");
}
