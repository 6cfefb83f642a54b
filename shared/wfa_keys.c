/*  wfa_keys.c - CURVE certificates, the key folder and principals.

    Certificates are czmq's zcert files; the broker's allow-list is
    czmq's zauth over a zcertstore of dir/trusted, which reloads itself
    when the folder changes, so an issued key is admitted, and a revoked
    one refused, from the next handshake on. Connections already open
    are cut off by the broker itself (wfa_keys_revoked_*). */
#include "wfa.h"
#include <sys/random.h>
#include <sys/stat.h>

static const char *s_kind_names [WFA_PRINCIPAL_COUNT] = {
    "none", "employee", "kemendagri", "integrator", "operator", "gateway", "service"
};

//  The services that run as workers, each with a key of its own.
static const char *s_services [] = { "requests", "approvals", "notifications", "metrics", "monev", NULL };

const char *
wfa_principal_kind_name (wfa_principal_kind_t kind)
{
    return kind < WFA_PRINCIPAL_COUNT? s_kind_names [kind]: "none";
}

//  A name of an integrator or service: [a-z0-9._-], 1 to 64 characters
//  (an API token's account name is an integrator name; docs/security.md).
static bool
s_name_valid (const char *name)
{
    size_t len = strlen (name);
    if (len == 0 || len > 64 || *name == '.')
        return false;
    for (const char *letter = name; *letter; letter++)
        if (!(islower ((unsigned char) *letter) || isdigit ((unsigned char) *letter)
        ||  *letter == '-' || *letter == '_' || *letter == '.'))
            return false;
    return true;
}

bool
wfa_principal_name_valid (const char *name)
{
    return name && s_name_valid (name);
}

int
wfa_principal_parse (const char *text, wfa_principal_t *principal)
{
    memset (principal, 0, sizeof *principal);
    if (!text)
        return -1;
    const char *colon = strchr (text, ':');
    size_t kind_len = colon? (size_t) (colon - text): strlen (text);
    const char *rest = colon? colon + 1: "";
    wfa_principal_kind_t kind = WFA_PRINCIPAL_NONE;
    for (int kind_nbr = 1; kind_nbr < WFA_PRINCIPAL_COUNT; kind_nbr++)
        if (strlen (s_kind_names [kind_nbr]) == kind_len
        &&  memcmp (s_kind_names [kind_nbr], text, kind_len) == 0)
            kind = (wfa_principal_kind_t) kind_nbr;
    bool valid = false;
    switch (kind) {
        case WFA_PRINCIPAL_EMPLOYEE:
        case WFA_PRINCIPAL_KEMENDAGRI:
            valid = wfa_nip_valid (rest);
            if (valid)
                snprintf (principal->nip, sizeof principal->nip, "%s", rest);
            break;
        case WFA_PRINCIPAL_INTEGRATOR: {
            const char *second = strchr (rest, ':');
            size_t pemda_len = second? (size_t) (second - rest): 0;
            if (second && pemda_len < sizeof principal->pemda) {
                memcpy (principal->pemda, rest, pemda_len);
                principal->pemda [pemda_len] = 0;
                snprintf (principal->name, sizeof principal->name, "%s", second + 1);
                valid = wfa_pemda_find (principal->pemda) && s_name_valid (second + 1);
            }
            break;
        }
        case WFA_PRINCIPAL_SERVICE:
            valid = s_name_valid (rest);
            if (valid)
                snprintf (principal->name, sizeof principal->name, "%s", rest);
            break;
        case WFA_PRINCIPAL_OPERATOR:
        case WFA_PRINCIPAL_GATEWAY:
            valid = !colon;
            break;
        default:
            break;
    }
    if (!valid) {
        memset (principal, 0, sizeof *principal);
        return -1;
    }
    principal->kind = kind;
    return 0;
}

void
wfa_principal_format (const wfa_principal_t *principal, char *buf, size_t size)
{
    const char *kind = wfa_principal_kind_name (principal->kind);
    switch (principal->kind) {
        case WFA_PRINCIPAL_EMPLOYEE:
        case WFA_PRINCIPAL_KEMENDAGRI:
            snprintf (buf, size, "%s:%s", kind, principal->nip);
            break;
        case WFA_PRINCIPAL_INTEGRATOR:
            snprintf (buf, size, "%s:%s:%s", kind, principal->pemda, principal->name);
            break;
        case WFA_PRINCIPAL_SERVICE:
            snprintf (buf, size, "%s:%s", kind, principal->name);
            break;
        default:
            snprintf (buf, size, "%s", kind);
    }
}

void
wfa_keys_path (const char *dir, const wfa_principal_t *principal, bool secret,
               char *buf, size_t size)
{
    const char *kind = wfa_principal_kind_name (principal->kind);
    const char *nip = principal->nip, *name = principal->name, *pemda = principal->pemda;
    if (!secret) {
        if (*nip)
            snprintf (buf, size, "%s/trusted/%s-%s.cert", dir, kind, nip);
        else
        if (principal->kind == WFA_PRINCIPAL_INTEGRATOR)
            snprintf (buf, size, "%s/trusted/%s-%s-%s.cert", dir, kind, pemda, name);
        else
        if (*name)
            snprintf (buf, size, "%s/trusted/%s-%s.cert", dir, kind, name);
        else
            snprintf (buf, size, "%s/trusted/%s.cert", dir, kind);
        return;
    }
    switch (principal->kind) {
        case WFA_PRINCIPAL_EMPLOYEE:
            snprintf (buf, size, "%s/people/%s.key", dir, nip);
            break;
        case WFA_PRINCIPAL_KEMENDAGRI:
            snprintf (buf, size, "%s/kemendagri/%s.key", dir, nip);
            break;
        case WFA_PRINCIPAL_INTEGRATOR:
            snprintf (buf, size, "%s/integrators/%s-%s.key", dir, pemda, name);
            break;
        case WFA_PRINCIPAL_SERVICE:
            snprintf (buf, size, "%s/services/%s.key", dir, name);
            break;
        default:
            snprintf (buf, size, "%s/%s.key", dir, kind);
    }
}

//  mkdir -p of the folder a path is in, mode 0700.
static int
s_make_parent (const char *path)
{
    char folder [PATH_MAX];
    snprintf (folder, sizeof folder, "%s", path);
    char *slash = strrchr (folder, '/');
    if (!slash)
        return 0;
    *slash = 0;
    for (char *next = folder + 1; *next; next++)
        if (*next == '/') {
            *next = 0;
            mkdir (folder, 0700);
            *next = '/';
        }
    return mkdir (folder, 0700) == 0 || errno == EEXIST? 0: -1;
}

static bool
s_exists (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0;
}

//  Write a new certificate for principal: public into trusted/, secret
//  to secret_path (mode 0600), or both secret and public beside each
//  other for the broker.
static int
s_write_cert (const char *secret_path, const char *public_path, const char *principal_text)
{
    zcert_t *cert = zcert_new ();
    if (!cert)
        return -1;
    zcert_set_meta (cert, "principal", "%s", principal_text);
    mode_t old = umask (077);
    int rc = s_make_parent (secret_path) || s_make_parent (public_path)? -1: 0;
    if (rc == 0)
        rc = zcert_save_secret (cert, secret_path);
    umask (022);
    if (rc == 0)
        rc = zcert_save_public (cert, public_path);
    umask (old);
    if (rc == 0)
        chmod (secret_path, 0600);
    zcert_destroy (&cert);
    return rc;
}

//  The audit key: 32 random bytes as 64 hex characters and a newline.
static int
s_write_audit_key (const char *path)
{
    unsigned char key [32];
    if (getrandom (key, sizeof key, 0) != (ssize_t) sizeof key)
        return -1;
    mode_t old = umask (077);
    FILE *file = s_make_parent (path) == 0? fopen (path, "w"): NULL;
    umask (old);
    if (!file)
        return -1;
    for (size_t byte_nbr = 0; byte_nbr < sizeof key; byte_nbr++)
        fprintf (file, "%02x", key [byte_nbr]);
    fprintf (file, "\n");
    explicit_bzero (key, sizeof key);
    return fclose (file) == 0? 0: -1;
}

int
wfa_keys_init (const char *dir, FILE *report)
{
    if (s_make_parent (dir) || (mkdir (dir, 0700) && errno != EEXIST))
        return -1;
    char secret [PATH_MAX], public [PATH_MAX];
    int made = 0;
    //  The broker's pair lives beside each other: every peer needs broker.cert
    snprintf (secret, sizeof secret, "%s/broker.key", dir);
    snprintf (public, sizeof public, "%s/broker.cert", dir);
    if (!s_exists (secret)) {
        if (s_write_cert (secret, public, "broker"))
            return -1;
        made++;
        if (report)
            fprintf (report, "made %s\n", secret);
    }
    wfa_principal_t principals [8];
    int count = 0;
    for (int service_nbr = 0; s_services [service_nbr]; service_nbr++) {
        wfa_principal_t *service = &principals [count++];
        memset (service, 0, sizeof *service);
        service->kind = WFA_PRINCIPAL_SERVICE;
        snprintf (service->name, sizeof service->name, "%s", s_services [service_nbr]);
    }
    principals [count++] = (wfa_principal_t) { .kind = WFA_PRINCIPAL_OPERATOR };
    principals [count++] = (wfa_principal_t) { .kind = WFA_PRINCIPAL_GATEWAY };
    for (int principal_nbr = 0; principal_nbr < count; principal_nbr++) {
        wfa_keys_path (dir, &principals [principal_nbr], true, secret, sizeof secret);
        if (s_exists (secret))
            continue;
        char why [256];
        if (wfa_keys_issue (dir, &principals [principal_nbr], why, sizeof why)) {
            if (report)
                fprintf (report, "%s\n", why);
            return -1;
        }
        made++;
        if (report)
            fprintf (report, "made %s\n", secret);
    }
    snprintf (secret, sizeof secret, "%s/audit.key", dir);
    if (!s_exists (secret)) {
        if (s_write_audit_key (secret))
            return -1;
        made++;
        if (report)
            fprintf (report, "made %s\n", secret);
    }
    //  The folders the broker watches exist from the start
    snprintf (public, sizeof public, "%s/revoked/x", dir);
    s_make_parent (public);
    return made;
}

int
wfa_keys_issue (const char *dir, const wfa_principal_t *principal, char *why, size_t size)
{
    char secret [PATH_MAX], public [PATH_MAX], text [WFA_PRINCIPAL_MAX];
    wfa_keys_path (dir, principal, true, secret, sizeof secret);
    wfa_keys_path (dir, principal, false, public, sizeof public);
    wfa_principal_format (principal, text, sizeof text);
    if (s_exists (public)) {
        snprintf (why, size, "%s already has a key (%s); revoke it first", text, public);
        return -1;
    }
    if (s_write_cert (secret, public, text)) {
        snprintf (why, size, "cannot write %s or %s: %s", secret, public, strerror (errno));
        return -1;
    }
    snprintf (why, size, "%s", secret);
    return 0;
}

int
wfa_keys_issue_public (const char *dir, const wfa_principal_t *principal,
                       const char *public_key, char *why, size_t size)
{
    char public [PATH_MAX], text [WFA_PRINCIPAL_MAX];
    wfa_keys_path (dir, principal, false, public, sizeof public);
    wfa_principal_format (principal, text, sizeof text);
    byte key [32];
    if (!public_key || strlen (public_key) != 40 || !zmq_z85_decode (key, public_key)) {
        snprintf (why, size, "not a public key (40 characters of Z85): %s", public_key? public_key: "");
        return -1;
    }
    if (s_exists (public)) {
        snprintf (why, size, "%s already has a key (%s); revoke it first", text, public);
        return -1;
    }
    //  A certificate with no secret: all a broker needs to admit its holder
    byte no_secret [32] = { 0 };
    zcert_t *cert = zcert_new_from (key, no_secret);
    int rc = cert? 0: -1;
    if (rc == 0) {
        zcert_set_meta (cert, "principal", "%s", text);
        rc = s_make_parent (public) || zcert_save_public (cert, public)? -1: 0;
    }
    zcert_destroy (&cert);
    snprintf (why, size, rc? "cannot write %s": "%s", public);
    return rc;
}

int
wfa_keys_new (const char *path, char *public_key)
{
    zcert_t *cert = zcert_new ();
    if (!cert)
        return -1;
    mode_t old = umask (077);
    int rc = s_make_parent (path) || zcert_save_secret (cert, path)? -1: 0;
    umask (old);
    if (rc == 0) {
        chmod (path, 0600);
        snprintf (public_key, 41, "%s", zcert_public_txt (cert));
    }
    zcert_destroy (&cert);
    return rc;
}

int
wfa_keys_revoke (const char *dir, const wfa_principal_t *principal)
{
    char secret [PATH_MAX], public [PATH_MAX], moved [PATH_MAX];
    wfa_keys_path (dir, principal, true, secret, sizeof secret);
    wfa_keys_path (dir, principal, false, public, sizeof public);
    const char *base = strrchr (public, '/') + 1;
    snprintf (moved, sizeof moved, "%s/revoked/%.*s-%" PRId64 ".cert", dir,
              (int) (strlen (base) - 5), base, wfa_now_ms ());
    if (s_make_parent (moved) || rename (public, moved))
        return -1;
    unlink (secret);
    return 0;
}

//  A public certificate alone loads with an all-zero secret key.
static bool
s_has_secret (zcert_t *cert)
{
    const byte *secret_key = zcert_secret_key (cert);
    bool has_secret = false;
    for (int byte_nbr = 0; byte_nbr < 32; byte_nbr++)
        has_secret = has_secret || secret_key [byte_nbr];
    return has_secret;
}

int
wfa_keys_client (zsock_t *sock, const char *dir, const char *secret_path, char *why, size_t size)
{
    char broker_path [PATH_MAX];
    snprintf (broker_path, sizeof broker_path, "%s/broker.cert", dir);
    zcert_t *broker = zcert_load (broker_path);
    zcert_t *own = broker? zcert_load (secret_path): NULL;
    int rc = 0;
    if (!broker || !own || !s_has_secret (own)) {
        snprintf (why, size, "%s: %s", !broker? broker_path: secret_path,
                  !broker || !own? "no such key (wfactl keys init / keys issue)": "not a secret key");
        rc = -1;
    }
    else {
        zcert_apply (own, sock);
        zsock_set_curve_serverkey (sock, zcert_public_txt (broker));
    }
    zcert_destroy (&own);
    zcert_destroy (&broker);
    return rc;
}

int
wfa_keys_server (zsock_t *sock, const char *dir)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/broker.key", dir);
    zcert_t *cert = zcert_load (path);
    if (!cert || !s_has_secret (cert)) {
        zcert_destroy (&cert);
        return -1;
    }
    zcert_apply (cert, sock);
    zsock_set_curve_server (sock, 1);
    zsock_set_zap_domain (sock, "fleksi");
    zcert_destroy (&cert);
    return 0;
}

zactor_t *
wfa_keys_auth (const char *dir)
{
    char trusted [PATH_MAX];
    snprintf (trusted, sizeof trusted, "%s/trusted/x", dir);
    s_make_parent (trusted);
    *strrchr (trusted, '/') = 0;
    zactor_t *auth = zactor_new (zauth, NULL);
    if (auth) {
        zstr_sendx (auth, "CURVE", trusted, NULL);
        zsock_wait (auth);
    }
    return auth;
}

// ---------------------------------------------------------------------
//  Revoked keys: the broker checks every message against them, so a
//  revoked key's open connection is cut off too

struct _wfa_revoked_t {
    char folder [PATH_MAX];
    zhash_t *keys;              //  Public key (Z85) -> ""
    int64_t modified;           //  Of the folder at the last load, ns
};

wfa_revoked_t *
wfa_keys_revoked_new (const char *dir)
{
    wfa_revoked_t *self = (wfa_revoked_t *) zmalloc (sizeof (wfa_revoked_t));
    snprintf (self->folder, sizeof self->folder, "%s/revoked", dir);
    self->keys = zhash_new ();
    self->modified = -1;
    wfa_keys_revoked_refresh (self);
    return self;
}

void
wfa_keys_revoked_destroy (wfa_revoked_t **self_p)
{
    wfa_revoked_t *self = *self_p;
    if (self) {
        zhash_destroy (&self->keys);
        free (self);
        *self_p = NULL;
    }
}

void
wfa_keys_revoked_refresh (wfa_revoked_t *self)
{
    struct stat info;
    if (stat (self->folder, &info))
        return;
    //  A folder's time moves in coarse ticks: two revocations in one tick
    //  would look like one, so while the last change is recent, load anyway
    int64_t modified = (int64_t) info.st_mtim.tv_sec * 1000000000 + info.st_mtim.tv_nsec;
    bool recent = (int64_t) time (NULL) - (int64_t) info.st_mtim.tv_sec <= 3;
    if (modified == self->modified && !recent)
        return;
    self->modified = modified;
    zdir_t *dir = zdir_new (self->folder, NULL);
    if (!dir)
        return;
    zlist_t *files = zdir_list (dir);
    zfile_t *file = (zfile_t *) zlist_first (files);
    while (file) {
        zcert_t *cert = zcert_load (zfile_filename (file, NULL));
        if (cert) {
            zhash_insert (self->keys, zcert_public_txt (cert), "");
            zcert_destroy (&cert);
        }
        file = (zfile_t *) zlist_next (files);
    }
    zlist_destroy (&files);
    zdir_destroy (&dir);
}

//  The services dir trusts.
zlist_t *
wfa_keys_services (const char *dir)
{
    zlist_t *names = zlist_new ();
    zlist_autofree (names);
    char trusted [PATH_MAX];
    snprintf (trusted, sizeof trusted, "%s/trusted", dir);
    DIR *folder = opendir (trusted);
    for (struct dirent *entry = folder? readdir (folder): NULL; entry; entry = readdir (folder)) {
        size_t len = strlen (entry->d_name);
        if (len > 13 && strncmp (entry->d_name, "service-", 8) == 0
        &&  streq (entry->d_name + len - 5, ".cert")) {
            char name [64];
            snprintf (name, sizeof name, "%.*s", (int) (len - 13), entry->d_name + 8);
            zlist_append (names, name);
        }
    }
    if (folder)
        closedir (folder);
    return names;
}

bool
wfa_keys_revoked_has (wfa_revoked_t *self, const char *public_key)
{
    return public_key && zhash_size (self->keys) && zhash_lookup (self->keys, public_key);
}

// ---------------------------------------------------------------------

//  True if a client with secret can exchange a message with server.
static bool
s_handshake (zsock_t *server, const char *dir, const char *secret, char *principal, size_t size)
{
    zsock_t *client = zsock_new (ZMQ_DEALER);
    char why [PATH_MAX + 64];
    if (wfa_keys_client (client, dir, secret, why, sizeof why)) {
        zsock_destroy (&client);
        return false;
    }
    zsock_set_linger (client, 0);
    zsock_connect (client, "%s", zsock_endpoint (server));
    zstr_send (client, "hello");
    zsock_set_rcvtimeo (server, 500);
    zmsg_t *msg = zmsg_recv (server);
    bool got = msg != NULL;
    if (msg) {
        const char *meta = zframe_meta (zmsg_last (msg), "principal");
        snprintf (principal, size, "%s", meta? meta: "");
    }
    zmsg_destroy (&msg);
    zsock_destroy (&client);
    return got;
}

void
wfa_keys_test (bool verbose)
{
    //  Principals as text, both ways
    const char *good [] = { "employee:198507142010011003", "kemendagri:196901011990031001",
                            "integrator:35.08:ekinerja", "operator", "gateway",
                            "service:requests", NULL };
    for (int text_nbr = 0; good [text_nbr]; text_nbr++) {
        wfa_principal_t principal;
        assert (wfa_principal_parse (good [text_nbr], &principal) == 0);
        char text [WFA_PRINCIPAL_MAX];
        wfa_principal_format (&principal, text, sizeof text);
        assert (streq (text, good [text_nbr]));
    }
    const char *bad [] = { "", "employee", "employee:123", "employee:198507142010011003x",
                           "integrator:35.08", "integrator:99.99:x", "integrator:35.08:Bad Name",
                           "operator:x", "root", "service:", NULL };
    for (int text_nbr = 0; bad [text_nbr]; text_nbr++) {
        wfa_principal_t principal;
        assert (wfa_principal_parse (bad [text_nbr], &principal) == -1);
        assert (principal.kind == WFA_PRINCIPAL_NONE);
    }

    //  A key folder, a server that admits its trusted certificates
    char dir [] = "/tmp/wfa-keys-XXXXXX";
    assert (mkdtemp (dir));
    char keys [64];
    snprintf (keys, sizeof keys, "%s/keys", dir);
    assert (wfa_keys_init (keys, NULL) == 9);
    assert (wfa_keys_init (keys, NULL) == 0);       //  Nothing missing the second time
    //  The services it trusts: one key each
    zlist_t *services = wfa_keys_services (keys);
    assert (zlist_size (services) == 5);
    zlist_comparefn (services, (zlist_compare_fn *) strcmp);
    assert (zlist_exists (services, "requests") && zlist_exists (services, "monev"));
    zlist_destroy (&services);
    char path [PATH_MAX];
    struct stat info;
    snprintf (path, sizeof path, "%s/operator.key", keys);
    assert (stat (path, &info) == 0 && (info.st_mode & 077) == 0);
    snprintf (path, sizeof path, "%s/audit.key", keys);
    assert (stat (path, &info) == 0 && info.st_size == 65 && (info.st_mode & 077) == 0);

    zactor_t *auth = wfa_keys_auth (keys);
    zsock_t *server = zsock_new (ZMQ_ROUTER);
    assert (wfa_keys_server (server, keys) == 0);
    assert (zsock_bind (server, "tcp://127.0.0.1:*") > 0);

    wfa_principal_t ani;
    assert (wfa_principal_parse ("employee:198507142010011003", &ani) == 0);
    char why [PATH_MAX + 64], secret [PATH_MAX], principal [WFA_PRINCIPAL_MAX];
    wfa_keys_path (keys, &ani, true, secret, sizeof secret);
    assert (!s_handshake (server, keys, secret, principal, sizeof principal));   //  No key yet
    assert (wfa_keys_issue (keys, &ani, why, sizeof why) == 0);
    assert (wfa_keys_issue (keys, &ani, why, sizeof why) == -1);                 //  Has one
    assert (s_handshake (server, keys, secret, principal, sizeof principal));
    assert (streq (principal, "employee:198507142010011003"));

    //  A certificate nobody trusted: made elsewhere, never in trusted/
    zcert_t *stranger = zcert_new ();
    snprintf (path, sizeof path, "%s/stranger.key", dir);
    zcert_save_secret (stranger, path);
    assert (!s_handshake (server, keys, path, principal, sizeof principal));
    //  A public certificate is no key
    wfa_keys_path (keys, &ani, false, path, sizeof path);
    assert (wfa_keys_client (server, keys, path, why, sizeof why) == -1);

    //  Revoked: refused from the next handshake, and listed for the broker
    wfa_revoked_t *revoked = wfa_keys_revoked_new (keys);
    zcert_t *held = zcert_load (secret);
    char held_key [41];
    snprintf (held_key, sizeof held_key, "%s", zcert_public_txt (held));
    zcert_destroy (&held);
    assert (!wfa_keys_revoked_has (revoked, held_key));
    zcert_t *copy = zcert_load (secret);         //  What a thief would keep
    snprintf (path, sizeof path, "%s/stolen.key", dir);
    zcert_save_secret (copy, path);
    zcert_destroy (&copy);
    assert (wfa_keys_revoke (keys, &ani) == 0);
    assert (wfa_keys_revoke (keys, &ani) == -1);
    assert (!s_exists (secret));
    zclock_sleep (1100);                         //  zcertstore sees folder changes by the second
    assert (!s_handshake (server, keys, path, principal, sizeof principal));
    wfa_keys_revoked_refresh (revoked);
    assert (wfa_keys_revoked_has (revoked, held_key));
    wfa_keys_revoked_destroy (&revoked);

    //  A key its holder made: only the public half is issued, and it signs in
    wfa_principal_t budi;
    assert (wfa_principal_parse ("employee:197812252005012003", &budi) == 0);
    char own [PATH_MAX], public_key [41];
    snprintf (own, sizeof own, "%s/budi-laptop.key", dir);
    assert (wfa_keys_new (own, public_key) == 0 && strlen (public_key) == 40);
    assert (stat (own, &info) == 0 && (info.st_mode & 077) == 0);
    assert (wfa_keys_issue_public (keys, &budi, "not-z85", why, sizeof why) == -1);
    assert (wfa_keys_issue_public (keys, &budi, public_key, why, sizeof why) == 0);
    assert (wfa_keys_issue_public (keys, &budi, public_key, why, sizeof why) == -1);
    wfa_keys_path (keys, &budi, true, path, sizeof path);
    assert (!s_exists (path));                   //  The issuer holds no secret of it
    assert (s_handshake (server, keys, own, principal, sizeof principal));
    assert (streq (principal, "employee:197812252005012003"));

    //  Principals of the services and the gateway are admitted
    wfa_principal_t gateway = { .kind = WFA_PRINCIPAL_GATEWAY };
    wfa_keys_path (keys, &gateway, true, secret, sizeof secret);
    assert (s_handshake (server, keys, secret, principal, sizeof principal));
    assert (streq (principal, "gateway"));

    zcert_destroy (&stranger);
    zsock_destroy (&server);
    zactor_destroy (&auth);
    zdir_t *tree = zdir_new (dir, NULL);
    zdir_remove (tree, true);
    zdir_destroy (&tree);
    if (verbose)
        printf ("wfa_keys: ok\n");
}
