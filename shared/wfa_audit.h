/*  wfa_audit.h - the audit trail that resists its own database.

    Each pemda's audit log (wfa:{P}:audit) is written by the Lua steps,
    entry by entry chained by SHA-1 (shared/lua/lib/workflow.lua). SHA-1
    needs no secret, so whoever can write Redis can rewrite an entry and
    recompute the chain. This module adds what Redis cannot forge:

    - the seal: mac_n = HMAC-SHA256 (key, mac_n-1 || entry n), with
      mac_0 = SHA-256 ("fleksi-audit:" || pemda), under a key that never
      enters Redis (WFA_KEYS/audit.key: 64 hex characters and a newline).
      The sealer (the requests service's housekeeping, one instance per
      pemda at a time under a lease) appends "KEYID:MAC" per entry to
      wfa:{P}:audit:mac, aligned by position with the log;
    - the anchor: at WFA_AUDIT_ANCHOR_MS, one line per pemda whose seal
      moved, "TIME PEMDA SEQ KEYID MAC", appended (O_APPEND, fsync) to
      WFA_AUDIT_ANCHORS, outside Redis, and written to the service's log;
    - verify: the SHA-1 chain, every seal recomputed with the key, and the
      chain reaching every anchored seq with the anchored seal, so an entry
      altered, inserted, removed or cut from the end before the last anchor
      is found even when the SHA-1 chain was recomputed.

    Retired keys (WFA_KEYS/audit.key.*) still check what they sealed; no
    entry may be sealed with a retired key after one sealed with the
    current key. */
#ifndef WFA_AUDIT_H_INCLUDED
#define WFA_AUDIT_H_INCLUDED

#define WFA_AUDIT_KEY_SIZE 32           //  Bytes of an audit key and of a seal
#define WFA_AUDIT_KEYID_SIZE 9          //  Key id: 8 hex characters and the terminator
#define WFA_AUDIT_SEAL_SIZE 74          //  "KEYID:MAC" with its terminator
#define WFA_AUDIT_HASH_SIZE 41          //  SHA-1 hex with its terminator

// ---------------------------------------------------------------------
//  The pure chain

//  The seal before a pemda's first entry: SHA-256 ("fleksi-audit:" pemda).
void wfa_audit_mac_genesis (const char *pemda, uint8_t *mac);

//  The seal of an entry: HMAC-SHA256 (key, prev || entry).
void wfa_audit_mac_next (const uint8_t *key, const uint8_t *prev, const char *entry,
                         size_t size, uint8_t *mac);

//  Check an entry's place in the SHA-1 chain: 13 fields, seq as expected,
//  following prev (40 hex), hash matching. Writes its hash into hash
//  (WFA_AUDIT_HASH_SIZE) and its time into *at_p (may be NULL). NULL when
//  it fits, else what is wrong.
const char *wfa_audit_link (const char *entry, size_t size, int64_t seq, const char *prev,
                            char *hash, int64_t *at_p);

//  Parse a key file's text: exactly 64 hex characters, then at most a
//  newline. 0, or -1.
int wfa_audit_key_parse (const char *text, size_t size, uint8_t *key);

//  A key's id: the first 8 hex characters of SHA-256 (key).
void wfa_audit_key_id (const uint8_t *key, char *id);

// ---------------------------------------------------------------------
//  The sealer and verify

typedef struct _wfa_audit_t wfa_audit_t;

//  What AUDIT.VERIFY answers.
typedef struct {
    bool valid;                 //  Nothing wrong found
    int64_t checked;            //  Entries checked (the SHA-1 chain)
    int64_t sealed;             //  Of them, sealed and their seal checked
    int64_t unsealed;           //  The newest entries, not sealed yet
    int64_t anchored;           //  Highest anchored seq checked (0: none)
    int64_t anchored_at;        //  When it was anchored (ms)
    int64_t broken_at;          //  Seq of the first entry that does not fit (0: none)
    char head [WFA_AUDIT_HASH_SIZE];    //  SHA-1 of the last entry
    char seal [WFA_AUDIT_SEAL_SIZE];    //  Seal of the last sealed entry
    char problem [256];         //  What is wrong, when not valid
} wfa_audit_report_t;

//  Start the sealer: keys from keys_dir (audit.key, and audit.key.* as
//  retired keys), anchors appended to anchors_path every anchor_ms. A
//  missing key is logged and looked for again every second: nothing is
//  sealed meanwhile.
wfa_audit_t *wfa_audit_new (const char *keys_dir, const char *anchors_path, int64_t anchor_ms);

//  Anchor what moved since the last anchor, then free.
void wfa_audit_destroy (wfa_audit_t **self_p);

//  Housekeeping: seal the new entries of every pemda (wfa:pemdas), and
//  anchor those whose seal moved when it is time.
void wfa_audit_seal (wfa_audit_t *self, wfa_redis_t *redis);

//  Check a pemda's log: chain, seals, anchors. -1 when Redis is down.
int wfa_audit_verify (wfa_audit_t *self, wfa_redis_t *redis, const char *pemda,
                      wfa_audit_report_t *report);

void wfa_audit_test (bool verbose);

#endif
