/*  wfa_keys.h - who is calling: CURVE certificates and the principals
    they stand for (the Ironhouse pattern of the ZeroMQ guide).

    Every ZeroMQ socket runs CURVE. The broker is the CURVE server of
    both its ports; its ZAP handler (czmq's zauth) admits a connection
    only when the peer's public key is in the trusted folder, and hands
    the broker the principal written in that certificate's metadata.
    Services act on that principal, never on a field of the message.

    The key folder (WFA_KEYS, `wfactl keys init` makes it):

      broker.cert            the broker's public certificate (every peer needs it)
      broker.key             its secret certificate (brokers only; two brokers share it)
      audit.key              the audit chain's HMAC key (the requests service)
      services/NAME.key      a service's secret certificate
      operator.key           the operator's; gateway.key the HTTP gateway's
      people/NIP.key         an employee's, for wfactl --as NIP on this host
      kemendagri/NIP.key     a Kemendagri reader's
      integrators/P-NAME.key an integrator account of pemda P
      trusted/NAME.cert      public certificates the broker admits
      revoked/NAME.cert      revoked ones, kept as a record

    A principal is written "employee:NIP", "kemendagri:NIP",
    "integrator:PEMDA:NAME", "operator", "gateway" or "service:NAME". */
#ifndef WFA_KEYS_H_INCLUDED
#define WFA_KEYS_H_INCLUDED

typedef enum {
    WFA_PRINCIPAL_NONE,         //  Not authenticated
    WFA_PRINCIPAL_EMPLOYEE,     //  An ASN: acts as their NIP, roles from the personnel record
    WFA_PRINCIPAL_KEMENDAGRI,   //  A national reader: reads every pemda, writes nothing
    WFA_PRINCIPAL_INTEGRATOR,   //  A system account of one pemda (e-kinerja, SIMPEG)
    WFA_PRINCIPAL_OPERATOR,     //  Runs the deployment: first imports, keys
    WFA_PRINCIPAL_GATEWAY,      //  Acts for the people it authenticated ("as")
    WFA_PRINCIPAL_SERVICE,      //  A service worker (the broker's worker port only)
    WFA_PRINCIPAL_COUNT
} wfa_principal_kind_t;

typedef struct {
    wfa_principal_kind_t kind;
    char nip [20];              //  Employee and Kemendagri
    char pemda [16];            //  Integrator
    char name [72];             //  Integrator and service: [a-z0-9._-], 1-64
} wfa_principal_t;

//  Longest principal text, with its terminator.
#define WFA_PRINCIPAL_MAX 96

//  True for a name an integrator account or service may have: [a-z0-9._-],
//  1-64 characters, not starting with '.'.
bool wfa_principal_name_valid (const char *name);

//  Parse "employee:NIP" etc.; 0, or -1 if malformed (principal zeroed).
int wfa_principal_parse (const char *text, wfa_principal_t *principal);

//  Write a principal as text.
void wfa_principal_format (const wfa_principal_t *principal, char *buf, size_t size);

//  "employee", "kemendagri", ...
const char *wfa_principal_kind_name (wfa_principal_kind_t kind);

//  Path of a principal's secret certificate (secret) or of its public one
//  in trusted/ (!secret), under dir.
void wfa_keys_path (const char *dir, const wfa_principal_t *principal, bool secret,
                    char *buf, size_t size);

//  Make what is missing of a key folder: the broker's certificate, one per
//  service, the operator's and the gateway's, and the audit key. Names what
//  it made on report (may be NULL). Returns the number made, or -1.
int wfa_keys_init (const char *dir, FILE *report);

//  Issue a key pair for principal: the public certificate into trusted/,
//  the secret one to its path (wfa_keys_path). Fails (-1, reason in why)
//  if it already has one, or on a file error.
int wfa_keys_issue (const char *dir, const wfa_principal_t *principal, char *why, size_t size);

//  Issue principal a key whose pair its holder made (wfa_keys_new): only
//  the public certificate, from public_key (Z85, 40 characters), goes into
//  trusted/; the secret never leaves the holder. -1 (why) if it has one.
int wfa_keys_issue_public (const char *dir, const wfa_principal_t *principal,
                           const char *public_key, char *why, size_t size);

//  Make a new key pair for a holder: the secret certificate at path (mode
//  0600), its public key (Z85) into public_key (41 bytes). 0 or -1.
int wfa_keys_new (const char *path, char *public_key);

//  Revoke principal's key: its public certificate moves to revoked/ (the
//  broker refuses it from then on) and a local secret is deleted. -1 if
//  it had none.
int wfa_keys_revoke (const char *dir, const wfa_principal_t *principal);

//  Make sock a CURVE client of the broker: its own secret certificate
//  from secret_path, the broker's public key from dir. -1 (logged, with
//  the reason in why) when a file is missing or unreadable.
int wfa_keys_client (zsock_t *sock, const char *dir, const char *secret_path,
                     char *why, size_t size);

//  Make sock a CURVE server with the broker's certificate. -1 if missing.
int wfa_keys_server (zsock_t *sock, const char *dir);

//  Start the ZAP handler that admits the certificates of dir/trusted.
zactor_t *wfa_keys_auth (const char *dir);

//  The public keys (Z85) of the revoked certificates, reloaded when the
//  folder changed since the last call; the set lives until the next call
//  or wfa_keys_revoked_destroy.
typedef struct _wfa_revoked_t wfa_revoked_t;
wfa_revoked_t *wfa_keys_revoked_new (const char *dir);
void wfa_keys_revoked_destroy (wfa_revoked_t **self_p);
void wfa_keys_revoked_refresh (wfa_revoked_t *self);
bool wfa_keys_revoked_has (wfa_revoked_t *self, const char *public_key);

//  The names of the services whose keys dir trusts (trusted/service-NAME.cert),
//  as a new list the caller destroys.
zlist_t *wfa_keys_services (const char *dir);

void wfa_keys_test (bool verbose);

#endif
