/*  wfa_audit.c - the audit seals, their anchors and verify.

    The Lua steps keep writing the entries, atomically with what they
    record; this module never writes an entry. It runs in the requests
    service: every second its housekeeping seals what is new (one Lua call
    hands out the entries past the last seal under a per-pemda lease and
    appends the seals computed from them in C, only if nobody sealed in
    between, so a killed sealer or two instances never seal an entry
    twice), and every WFA_AUDIT_ANCHOR_MS it anchors, outside Redis, the
    seal of every pemda that moved. verify walks the log in chunks and
    recomputes everything with the key.

    The sealer never seals over what it knows was sealed: when Redis holds
    fewer seals than this instance made (settled) or anchored, or an entry
    past the last seal does not fit the SHA-1 chain, it stops sealing that
    pemda, logs why, and sets wfa_audit_seal_refused; verify reports it.
    Seals are anchored once they are S_SETTLE_MS old, so that an anchor
    does not name what a Redis crash with appendfsync everysec could lose. */
#include "wfa.h"


#define S_KEYS_MAX 16               //  The current key and retired ones
#define S_CHUNK 1000                //  Entries per Lua call, sealing or verifying
#define S_CHUNKS_PER_TICK 10        //  Chunks one pemda seals per second, at most
#define S_TICK_MS 100               //  Past this, each pemda seals one chunk a second
#define S_LEASE_MS 5000             //  A pemda's sealing lease; renewed every second
#define S_SETTLE_MS 2000            //  Age of a seal before it is anchored
#define S_RECENT 4                  //  Seals made here kept per pemda, one a second
#define S_UNSEALED_MAX_MS 300000    //  An entry older than this unsealed is a problem
#define S_GENESIS_HASH "0000000000000000000000000000000000000000"

//  A key: the current one, or a retired one that still checks its seals.
typedef struct {
    uint8_t key [WFA_AUDIT_KEY_SIZE];
    char id [WFA_AUDIT_KEYID_SIZE];
} s_key_t;

//  A seal at a place in a pemda's log: made here, or anchored.
typedef struct {
    int64_t seq;                    //  Entry sealed (1-based)
    uint8_t mac [WFA_AUDIT_KEY_SIZE];
    char id [WFA_AUDIT_KEYID_SIZE]; //  Key it was made with
    int64_t at;                     //  When it was made or anchored (ms)
} s_point_t;

//  What this instance knows of one pemda's seals.
typedef struct {
    s_point_t recent [S_RECENT];    //  Seals made here, newest first (seq 0: none)
    int64_t anchored;               //  Highest seq anchored (the anchor log, or here)
    int64_t anchored_at;            //  When this instance last anchored (ms; 0: anchor soon)
    char refused [200];             //  Why sealing stopped, logged once; "" while sealing
} s_pemda_t;

struct _wfa_audit_t {
    char *keys_dir;                 //  WFA_KEYS
    char *anchors_path;             //  WFA_AUDIT_ANCHORS
    int64_t anchor_ms;              //  WFA_AUDIT_ANCHOR_MS
    s_key_t keys [S_KEYS_MAX];      //  keys [0] is the current one
    size_t key_count;               //  0: no key (nothing sealed, nothing checked)
    char key_problem [PATH_MAX + 64];   //  Why there is no key, logged once
    zhashx_t *pemdas;               //  s_pemda_t by pemda code
    char (*seals) [WFA_AUDIT_SEAL_SIZE];    //  S_CHUNK seals on their way to Redis
    int64_t tick_started;           //  When this second's sealing began (zclock_mono)
};

// ---------------------------------------------------------------------
//  The pure chain

static void
s_hex (const uint8_t *bytes, size_t size, char *text)
{
    for (size_t byte_nbr = 0; byte_nbr < size; byte_nbr++)
        snprintf (text + 2 * byte_nbr, 3, "%02x", bytes [byte_nbr]);
}

//  size bytes from 2 * size hex characters; -1 if text is not that.
static int
s_unhex (const char *text, size_t size, uint8_t *bytes)
{
    for (size_t byte_nbr = 0; byte_nbr < size; byte_nbr++) {
        unsigned value = 0;
        for (int half = 0; half < 2; half++) {
            char c = (char) tolower ((unsigned char) text [2 * byte_nbr + half]);
            if (!isxdigit ((unsigned char) c))
                return -1;
            value = value * 16 + (unsigned) (isdigit ((unsigned char) c)? c - '0': c - 'a' + 10);
        }
        bytes [byte_nbr] = (uint8_t) value;
    }
    return 0;
}

//  a || b, in buf when it fits, else in a new block (free it when it is
//  not buf); NULL when out of memory.
static uint8_t *
s_join (uint8_t *buf, size_t size, const void *a, size_t a_size, const void *b, size_t b_size)
{
    uint8_t *joined = a_size + b_size <= size? buf: (uint8_t *) malloc (a_size + b_size);
    if (joined) {
        memcpy (joined, a, a_size);
        memcpy (joined + a_size, b, b_size);
    }
    return joined;
}

void
wfa_audit_mac_genesis (const char *pemda, uint8_t *mac)
{
    char text [64];
    snprintf (text, sizeof text, "fleksi-audit:%s", pemda);
    SHA256 ((const uint8_t *) text, strlen (text), mac);
}

void
wfa_audit_mac_next (const uint8_t *key, const uint8_t *prev, const char *entry, size_t size,
                    uint8_t *mac)
{
    uint8_t buf [4096];
    uint8_t *joined = s_join (buf, sizeof buf, prev, WFA_AUDIT_KEY_SIZE, entry, size);
    assert (joined);
    unsigned mac_size = WFA_AUDIT_KEY_SIZE;
    HMAC (EVP_sha256 (), key, WFA_AUDIT_KEY_SIZE, joined, WFA_AUDIT_KEY_SIZE + size, mac, &mac_size);
    if (joined != buf)
        free (joined);
}

//  A field of an entry as a number (-1 when it is not one).
static int64_t
s_field_int (const char *field, size_t size)
{
    char text [24];
    if (size == 0 || size >= sizeof text)
        return -1;
    memcpy (text, field, size);
    text [size] = 0;
    char *end;
    long long value = strtoll (text, &end, 10);
    return *end? -1: value;
}

const char *
wfa_audit_link (const char *entry, size_t size, int64_t seq, const char *prev, char *hash,
                int64_t *at_p)
{
    const char *fields [13];
    size_t lens [13], count = 0;
    const char *field = entry, *end = entry + size;
    while (count < 13) {
        const char *unit = (const char *) memchr (field, '\x1f', (size_t) (end - field));
        fields [count] = field;
        lens [count++] = (size_t) ((unit? unit: end) - field);
        if (!unit)
            break;
        field = unit + 1;
    }
    if (count != 13 || fields [12] + lens [12] != end || lens [12] != 40)
        return "malformed entry";
    if (s_field_int (fields [0], lens [0]) != seq)
        return "sequence does not follow the one before (entry removed or inserted)";
    if (lens [11] != 40 || memcmp (fields [11], prev, 40) != 0)
        return "entry does not follow the one before (chain broken)";
    char head [42];
    snprintf (head, sizeof head, "%s\x1f", prev);
    uint8_t buf [4096], digest [20];
    size_t body = (size_t) (fields [10] + lens [10] - entry);
    uint8_t *joined = s_join (buf, sizeof buf, head, 41, entry, body);
    assert (joined);
    SHA1 (joined, 41 + body, digest);
    if (joined != buf)
        free (joined);
    s_hex (digest, sizeof digest, hash);
    if (memcmp (hash, fields [12], 40) != 0)
        return "entry content does not match its hash (altered)";
    if (at_p)
        *at_p = s_field_int (fields [1], lens [1]);
    return NULL;
}

int
wfa_audit_key_parse (const char *text, size_t size, uint8_t *key)
{
    if (size < 64 || size > 65 || (size == 65 && text [64] != '\n'))
        return -1;
    return s_unhex (text, WFA_AUDIT_KEY_SIZE, key);
}

void
wfa_audit_key_id (const uint8_t *key, char *id)
{
    uint8_t digest [32];
    SHA256 (key, WFA_AUDIT_KEY_SIZE, digest);
    s_hex (digest, 4, id);
}

//  "KEYID:MAC" into a point's id and mac; -1 if malformed.
static int
s_seal_parse (const char *text, size_t size, s_point_t *point)
{
    if (size != WFA_AUDIT_SEAL_SIZE - 1 || text [8] != ':'
    ||  s_unhex (text + 9, WFA_AUDIT_KEY_SIZE, point->mac))
        return -1;
    uint8_t id [4];
    if (s_unhex (text, sizeof id, id))
        return -1;
    memcpy (point->id, text, 8);
    point->id [8] = 0;
    return 0;
}

static void
s_seal_format (const char *id, const uint8_t *mac, char *text)
{
    memcpy (text, id, 8);
    text [8] = ':';
    s_hex (mac, WFA_AUDIT_KEY_SIZE, text + 9);
}

// ---------------------------------------------------------------------
//  Keys

//  Read one key file; 0, or -1 with the reason in why.
static int
s_key_read (const char *path, s_key_t *key, char *why, size_t why_size)
{
    char text [80];
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (why, why_size, "cannot read %s: %s", path, strerror (errno));
        return -1;
    }
    struct stat info;
    if (fstat (fileno (file), &info) == 0 && (info.st_mode & 077))
        wfa_log ("W", "audit key %s can be read by others (mode %03o): chmod 600 it", path,
                 (unsigned) (info.st_mode & 0777));
    size_t size = fread (text, 1, sizeof text, file);
    fclose (file);
    int rc = wfa_audit_key_parse (text, size, key->key);
    explicit_bzero (text, sizeof text);
    if (rc) {
        snprintf (why, why_size, "%s is not an audit key (64 hex characters and a newline)", path);
        return -1;
    }
    wfa_audit_key_id (key->key, key->id);
    return 0;
}

//  The current key, then the retired ones (audit.key.* beside it).
static void
s_keys_load (wfa_audit_t *self)
{
    char path [PATH_MAX], why [PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/audit.key", self->keys_dir);
    if (s_key_read (path, &self->keys [0], why, sizeof why)) {
        if (!streq (why, self->key_problem))
            wfa_log ("W", "no audit key (%s): audit entries are not sealed and AUDIT.VERIFY "
                     "cannot check seals; `wfactl keys init %s` makes one", why, self->keys_dir);
        snprintf (self->key_problem, sizeof self->key_problem, "%s", why);
        wfa_prom_set (wfa_prom (), "wfa_audit_key_missing", 1, NULL);
        return;
    }
    self->key_count = 1;
    DIR *dir = opendir (self->keys_dir);
    struct dirent *item;
    while (dir && (item = readdir (dir)) && self->key_count < S_KEYS_MAX) {
        if (strncmp (item->d_name, "audit.key.", 10) != 0)
            continue;
        snprintf (path, sizeof path, "%s/%s", self->keys_dir, item->d_name);
        s_key_t *retired = &self->keys [self->key_count];
        if (s_key_read (path, retired, why, sizeof why))
            wfa_log ("W", "retired audit key skipped: %s", why);
        else
        if (!streq (retired->id, self->keys [0].id))
            self->key_count++;
    }
    if (dir)
        closedir (dir);
    wfa_log ("I", "audit key %s loaded (%zu retired key(s) for checking)", self->keys [0].id,
             self->key_count - 1);
    *self->key_problem = 0;
    wfa_prom_set (wfa_prom (), "wfa_audit_key_missing", 0, NULL);
}

static const s_key_t *
s_key_find (const s_key_t *keys, size_t count, const char *id)
{
    for (size_t key_nbr = 0; key_nbr < count; key_nbr++)
        if (streq (keys [key_nbr].id, id))
            return &keys [key_nbr];
    return NULL;
}

// ---------------------------------------------------------------------
//  The anchor log: "TIME PEMDA SEQ KEYID MAC" a line

//  An anchor line into its pemda and point; -1 if malformed.
static int
s_anchor_parse (const char *line, char *pemda, size_t pemda_size, s_point_t *point)
{
    char time [32], code [16], seal [80];
    long long seq;
    int used = 0;
    if (sscanf (line, "%31s %15s %lld %8s %79s%n", time, code, &seq, point->id, seal, &used) != 5
    ||  (line [used] && line [used] != '\n') || seq < 1 || strlen (point->id) != 8
    ||  strlen (seal) != 64 || s_unhex (seal, WFA_AUDIT_KEY_SIZE, point->mac)
    ||  wfa_date_parse_ms (time, &point->at))
        return -1;
    point->seq = seq;
    snprintf (pemda, pemda_size, "%s", code);
    return 0;
}

static int
s_point_compare (const void *a, const void *b)
{
    int64_t seq_a = ((const s_point_t *) a)->seq, seq_b = ((const s_point_t *) b)->seq;
    return (seq_a > seq_b) - (seq_a < seq_b);
}

//  Call fn with every well-formed line of the anchor log, in file order.
//  Returns the lines read, -1 if the file cannot be read (a missing file
//  has none).
typedef void (s_anchor_fn) (void *arg, const char *pemda, const s_point_t *point);

static int
s_anchors_each (const char *path, s_anchor_fn *fn, void *arg)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return errno == ENOENT? 0: -1;
    char *line = NULL;
    size_t size = 0;
    int lines = 0, bad = 0;
    while (getline (&line, &size, file) > 0) {
        lines++;
        char pemda [16];
        s_point_t point;
        if (s_anchor_parse (line, pemda, sizeof pemda, &point) == 0)
            fn (arg, pemda, &point);
        else
            bad++;
    }
    free (line);
    fclose (file);
    if (bad)
        wfa_log ("W", "audit anchor log %s: %d malformed line(s) skipped", path, bad);
    return lines;
}

typedef struct {
    const char *pemda;              //  Whose anchors
    s_point_t *points;
    size_t count, size;
} s_anchors_t;

static void
s_anchors_collect (void *arg, const char *pemda, const s_point_t *point)
{
    s_anchors_t *anchors = (s_anchors_t *) arg;
    if (!streq (pemda, anchors->pemda))
        return;
    if (anchors->count == anchors->size) {
        size_t size = anchors->size? 2 * anchors->size: 64;
        s_point_t *points = (s_point_t *) realloc (anchors->points, size * sizeof *points);
        if (!points)
            return;
        anchors->points = points;
        anchors->size = size;
    }
    anchors->points [anchors->count++] = *point;
}

static s_pemda_t *s_pemda (wfa_audit_t *self, const char *pemda);

static void
s_anchors_highest (void *arg, const char *pemda, const s_point_t *point)
{
    s_pemda_t *state = s_pemda ((wfa_audit_t *) arg, pemda);
    if (point->seq > state->anchored)
        state->anchored = point->seq;
}

//  Append lines (and fsync): 0, or -1 logged.
static int
s_anchors_append (const char *path, const char *lines, size_t size)
{
    char folder [PATH_MAX];
    snprintf (folder, sizeof folder, "%s", path);
    char *slash = strrchr (folder, '/');
    if (slash && slash != folder) {
        *slash = 0;
        zsys_dir_create ("%s", folder);
    }
    int handle = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    ssize_t written = handle >= 0? write (handle, lines, size): -1;
    int rc = written == (ssize_t) size && fsync (handle) == 0? 0: -1;
    if (rc)
        wfa_log ("E", "cannot append to the audit anchor log %s: %s; trying again", path,
                 strerror (errno));
    if (handle >= 0)
        close (handle);
    return rc;
}

// ---------------------------------------------------------------------
//  Checking a log: the SHA-1 chain, the seals, the anchors

typedef struct {
    const s_key_t *keys;            //  keys [0] current
    size_t key_count;               //  0: no key, seals not checked
    const s_point_t *anchors;       //  The pemda's, by seq
    size_t anchor_count, anchor_next;
    int64_t seq;                    //  Entries that fit so far
    char prev [WFA_AUDIT_HASH_SIZE];    //  Hash of the last of them
    uint8_t mac [WFA_AUDIT_KEY_SIZE];   //  Its seal, recomputed
    int64_t retired_until [S_KEYS_MAX]; //  Each key's last anchored seq (a retired key seals no further)
    bool current_seen;              //  An entry sealed with the current key was seen
    int64_t first_unsealed;         //  Seq of the first entry without a seal (0: none)
    int64_t first_unsealed_at;      //  Its time
    wfa_audit_report_t *report;
} s_check_t;

static void
s_check_init (s_check_t *check, const s_key_t *keys, size_t key_count, const char *pemda,
              const s_point_t *anchors, size_t anchor_count, wfa_audit_report_t *report)
{
    memset (check, 0, sizeof *check);
    memset (report, 0, sizeof *report);
    check->keys = keys;
    check->key_count = key_count;
    check->anchors = anchors;
    check->anchor_count = anchor_count;
    for (size_t anchor_nbr = 0; anchor_nbr < anchor_count; anchor_nbr++) {
        const s_key_t *key = s_key_find (keys, key_count, anchors [anchor_nbr].id);
        int64_t *until = key? &check->retired_until [key - keys]: NULL;
        if (until && anchors [anchor_nbr].seq > *until)
            *until = anchors [anchor_nbr].seq;
    }
    snprintf (check->prev, sizeof check->prev, S_GENESIS_HASH);
    wfa_audit_mac_genesis (pemda, check->mac);
    check->report = report;
}

static bool
s_check_fail (s_check_t *check, int64_t seq, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Record the problem at seq; returns false.
static bool
s_check_fail (s_check_t *check, int64_t seq, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (check->report->problem, sizeof check->report->problem, format, args);
    va_end (args);
    check->report->broken_at = seq;
    check->report->checked = check->seq;
    return false;
}

//  Check the next entry and its seal (NULL: not sealed); false at a problem.
static bool
s_check_entry (s_check_t *check, const char *entry, size_t size, const char *seal, size_t seal_size)
{
    int64_t seq = check->seq + 1, at = 0;
    char hash [WFA_AUDIT_HASH_SIZE];
    const char *problem = wfa_audit_link (entry, size, seq, check->prev, hash, &at);
    if (problem)
        return s_check_fail (check, seq, "%s", problem);
    if (check->key_count) {
        uint8_t mac [WFA_AUDIT_KEY_SIZE];
        if (seal) {
            s_point_t stored;
            if (s_seal_parse (seal, seal_size, &stored))
                return s_check_fail (check, seq, "its seal is malformed (seal altered)");
            const s_key_t *key = s_key_find (check->keys, check->key_count, stored.id);
            if (!key)
                return s_check_fail (check, seq, "sealed with key %s, which this service does not "
                                     "have (a retired key removed, or a forged seal)", stored.id);
            int64_t until = check->retired_until [key - check->keys];
            if (key != check->keys && (check->current_seen || seq > until))
                return s_check_fail (check, seq, "sealed with the retired key %s %s (forged with "
                                     "an old key, or the key retired without a clean stop)",
                                     stored.id, check->current_seen? "after the current key took over":
                                     "past its last anchor");
            check->current_seen |= key == check->keys;
            wfa_audit_mac_next (key->key, check->mac, entry, size, mac);
            if (memcmp (mac, stored.mac, sizeof mac) != 0)
                return s_check_fail (check, seq, "entry does not match its seal (altered, with its "
                                     "SHA-1 chain recomputed, or its seal replaced)");
        }
        else {
            wfa_audit_mac_next (check->keys [0].key, check->mac, entry, size, mac);
            if (!check->first_unsealed) {
                check->first_unsealed = seq;
                check->first_unsealed_at = at;
            }
        }
        while (check->anchor_next < check->anchor_count
           &&  check->anchors [check->anchor_next].seq <= seq) {
            const s_point_t *anchor = &check->anchors [check->anchor_next++];
            char when [WFA_DATE_MS_SIZE];
            if (memcmp (anchor->mac, mac, sizeof mac) != 0)
                return s_check_fail (check, seq, "the log differs from its anchor of %s at this "
                                     "entry (entries altered, inserted or removed up to here)",
                                     wfa_date_format_ms (anchor->at, when));
            check->report->anchored = seq;
            check->report->anchored_at = anchor->at;
        }
        if (seal) {
            check->report->sealed++;
            snprintf (check->report->seal, sizeof check->report->seal, "%.*s", (int) seal_size, seal);
        }
        memcpy (check->mac, mac, sizeof mac);
    }
    snprintf (check->prev, sizeof check->prev, "%s", hash);
    check->seq = seq;
    return true;
}

//  The end of the log: its length, seals, stored head and seq against what
//  was walked; known: seals this instance knows were made. Fills the report.
static void
s_check_end (s_check_t *check, int64_t sealed, const char *head, int64_t last_seq, int64_t known,
             int64_t now)
{
    wfa_audit_report_t *report = check->report;
    int64_t length = check->seq;
    const s_point_t *last_anchor = check->anchor_count?
                                   &check->anchors [check->anchor_count - 1]: NULL;
    char when [WFA_DATE_MS_SIZE];
    if (!streq (head, check->prev) || last_seq != length)
        s_check_fail (check, length + 1, "log ends at %" PRId64 " but %" PRId64 " entries were "
                      "written (entries removed at the end)", length, last_seq);
    else
    if (last_anchor && last_anchor->seq > length)
        s_check_fail (check, length + 1, "log ends at %" PRId64 " but entry %" PRId64 " was "
                      "anchored at %s (entries removed at the end: truncated)", length,
                      last_anchor->seq, wfa_date_format_ms (last_anchor->at, when));
    else
    if (!check->key_count)
        s_check_fail (check, 0, "no audit key in this service (WFA_KEYS/audit.key): "
                      "the seals cannot be checked");
    else
    if (sealed > length)
        s_check_fail (check, length + 1, "%" PRId64 " seals for %" PRId64 " entries (entries "
                      "removed at the end)", sealed, length);
    else
    if (report->anchored > sealed)
        s_check_fail (check, sealed + 1, "entry %" PRId64 " was anchored at %s but only %" PRId64
                      " entries are sealed (seals removed)", report->anchored,
                      wfa_date_format_ms (report->anchored_at, when), sealed);
    else
    if (known > sealed)
        s_check_fail (check, sealed + 1, "only %" PRId64 " entries are sealed but %" PRId64
                      " were (seals removed)", sealed, known);
    else
    if (check->first_unsealed && now - check->first_unsealed_at > S_UNSEALED_MAX_MS)
        s_check_fail (check, check->first_unsealed, "entries from here on have not been sealed "
                      "for %" PRId64 " s (seals removed, or sealing stopped: see the requests "
                      "service's log)", (now - check->first_unsealed_at) / 1000);
    report->valid = !*report->problem;
    report->checked = length;
    report->unsealed = length - report->sealed;
    snprintf (report->head, sizeof report->head, "%s", check->prev);
}

// ---------------------------------------------------------------------
//  The sealer

static void
s_pemda_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static s_pemda_t *
s_pemda (wfa_audit_t *self, const char *pemda)
{
    s_pemda_t *state = (s_pemda_t *) zhashx_lookup (self->pemdas, pemda);
    if (!state) {
        state = (s_pemda_t *) calloc (1, sizeof *state);
        assert (state);
        zhashx_insert (self->pemdas, pemda, state);
    }
    return state;
}

//  The newest seal made here at least settle_ms ago, or NULL.
static const s_point_t *
s_settled (const s_pemda_t *state, int64_t now, int64_t settle_ms)
{
    for (int point_nbr = 0; point_nbr < S_RECENT; point_nbr++)
        if (state->recent [point_nbr].seq && state->recent [point_nbr].at <= now - settle_ms)
            return &state->recent [point_nbr];
    return NULL;
}

//  Seals this instance knows were made and cannot have been lost since.
static int64_t
s_known (const s_pemda_t *state, int64_t now)
{
    const s_point_t *settled = s_settled (state, now, S_SETTLE_MS);
    return settled && settled->seq > state->anchored? settled->seq: state->anchored;
}

//  Stop sealing a pemda, saying why once.
static void
s_refuse (s_pemda_t *state, const char *pemda, const char *why)
{
    if (!streq (state->refused, why))
        wfa_log ("E", "audit of %s: %s; not sealing it until this is resolved "
                 "(wfactl audit verify --pemda %s)", pemda, why, pemda);
    snprintf (state->refused, sizeof state->refused, "%s", why);
    wfa_prom_set (wfa_prom (), "wfa_audit_seal_refused", 1, pemda, NULL);
}

//  Check the next entries follow the last seal and seal them into
//  self->seals; returns how many, *problem set when one does not fit.
static size_t
s_seal_entries (wfa_audit_t *self, const char *pemda, s_pemda_t *state, const redisReply *reply,
                int64_t sealed, uint8_t *mac, char *problem, size_t problem_size)
{
    char prev [WFA_AUDIT_HASH_SIZE] = S_GENESIS_HASH;
    if (sealed == 0)
        wfa_audit_mac_genesis (pemda, mac);
    else {
        s_point_t last;
        const redisReply *seal = reply->element [2], *entry = reply->element [3];
        if (s_seal_parse (seal->str, seal->len, &last)) {
            snprintf (problem, problem_size, "seal %" PRId64 " is malformed", sealed);
            return 0;
        }
        if (entry->len < 40) {
            snprintf (problem, problem_size, "%" PRId64 " seals for fewer entries (entries removed "
                      "at the end)", sealed);
            return 0;
        }
        memcpy (mac, last.mac, WFA_AUDIT_KEY_SIZE);
        memcpy (prev, entry->str + entry->len - 40, 40);
        if (!streq (last.id, self->keys [0].id)) {
            wfa_log ("I", "audit of %s: sealing goes on with key %s after key %s at entry %" PRId64,
                     pemda, self->keys [0].id, last.id, sealed);
            state->anchored_at = 0;         //  Anchor the change soon
        }
    }
    size_t count = 0;
    for (size_t entry_nbr = 4; entry_nbr < reply->elements && count < S_CHUNK; entry_nbr++) {
        const redisReply *entry = reply->element [entry_nbr];
        int64_t seq = sealed + (int64_t) count + 1;
        char hash [WFA_AUDIT_HASH_SIZE];
        const char *link = entry->type == REDIS_REPLY_STRING?
                           wfa_audit_link (entry->str, entry->len, seq, prev, hash, NULL):
                           "malformed entry";
        if (link) {
            snprintf (problem, problem_size, "entry %" PRId64 " does not fit the SHA-1 chain: %s",
                      seq, link);
            break;
        }
        wfa_audit_mac_next (self->keys [0].key, mac, entry->str, entry->len, mac);
        s_seal_format (self->keys [0].id, mac, self->seals [count++]);
        memcpy (prev, hash, sizeof prev);
    }
    return count;
}

//  Seal what is new in one pemda: a chunk, and more (up to S_CHUNKS_PER_TICK)
//  while this second's sealing has taken less than S_TICK_MS, so that the
//  worker thread goes back to its calls soon and no pemda waits for another.
static void
s_seal_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    wfa_audit_t *self = (wfa_audit_t *) arg;
    s_pemda_t *state = s_pemda (self, pemda);
    char lease [16], chunk [16], follows [24] = "";
    snprintf (lease, sizeof lease, "%d", S_LEASE_MS);
    snprintf (chunk, sizeof chunk, "%d", S_CHUNK);
    uint8_t mac [WFA_AUDIT_KEY_SIZE];
    size_t count = 0;
    char problem [sizeof state->refused] = "";
    for (int chunk_nbr = 0; chunk_nbr <= S_CHUNKS_PER_TICK; chunk_nbr++) {
        bool last = chunk_nbr == S_CHUNKS_PER_TICK || *problem
                 || (chunk_nbr > 0 && zclock_mono () - self->tick_started > S_TICK_MS);
        //  {instance, lease_ms, count, sealed, seals = [SEAL, ...]}
        char keys_text [3][WFA_KEY_MAX];
        const char *keys [] = { prefix,
            wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "audit:lease"),
            wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "audit:mac"),
            wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "audit") };
        msgpack_sbuffer map;
        msgpack_packer pk;
        wfa_mp_writer_map (&map, &pk, *follows? 5: 3);
        wfa_mp_pack_kv_str (&pk, "instance", wfa_instance_id ());
        wfa_mp_pack_kv_str (&pk, "lease_ms", lease);
        wfa_mp_pack_kv_str (&pk, "count", last? "0": chunk);
        if (*follows) {
            wfa_mp_pack_kv_str (&pk, "sealed", follows);
            wfa_mp_pack_str (&pk, "seals");
            msgpack_pack_array (&pk, count);
            for (size_t seal_nbr = 0; seal_nbr < count; seal_nbr++)
                wfa_mp_pack_str (&pk, self->seals [seal_nbr]);
        }
        redisReply *reply = wfa_store_step_map (redis, &wfa_script_audit_seal, 4, keys, &map);
        msgpack_sbuffer_destroy (&map);
        bool shaped = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1
                   && reply->element [0]->type == REDIS_REPLY_STRING;
        bool ok = shaped && streq (reply->element [0]->str, "ok") && reply->elements >= 4
               && reply->element [1]->type == REDIS_REPLY_INTEGER
               && reply->element [2]->type == REDIS_REPLY_STRING
               && reply->element [3]->type == REDIS_REPLY_STRING;
        if (!ok) {
            if (reply && !shaped)
                wfa_log ("E", "audit of %s: unexpected reply to the seal step", pemda);
            freeReplyObject (reply);
            return;                         //  BUSY (another instance), MOVED, or Redis down
        }
        int64_t sealed = reply->element [1]->integer;
        if (count) {
            //  One place a second in the ring, so it reaches back S_RECENT seconds
            s_point_t *recent = state->recent;
            if (!recent [0].seq || wfa_now_ms () - recent [0].at > 500)
                memmove (recent + 1, recent, (S_RECENT - 1) * sizeof *recent);
            recent [0].seq = sealed;
            memcpy (recent [0].mac, mac, sizeof mac);
            snprintf (recent [0].id, sizeof recent [0].id, "%s", self->keys [0].id);
            recent [0].at = wfa_now_ms ();
            wfa_prom_add (wfa_prom (), "wfa_audit_seals_total", (double) count, pemda, NULL);
            count = 0;
        }
        int64_t known = s_known (state, wfa_now_ms ());
        if (sealed < known && !*problem)
            snprintf (problem, sizeof problem, "only %" PRId64 " entries are sealed but %" PRId64
                      " were (seals removed)", sealed, known);
        if (!last && !*problem && reply->elements > 4)
            count = s_seal_entries (self, pemda, state, reply, sealed, mac, problem, sizeof problem);
        freeReplyObject (reply);
        snprintf (follows, sizeof follows, "%" PRId64, sealed);
        if (count == 0)
            break;
    }
    if (*problem)
        s_refuse (state, pemda, problem);
    else
    if (*state->refused) {
        wfa_log ("I", "audit of %s: sealing again", pemda);
        *state->refused = 0;
        wfa_prom_set (wfa_prom (), "wfa_audit_seal_refused", 0, pemda, NULL);
    }
}

//  Anchor every pemda whose seal moved: the newest seal made here at
//  least settle_ms ago, when anchor_ms passed since the pemda's last anchor.
static void
s_anchor (wfa_audit_t *self, int64_t settle_ms, int64_t anchor_ms)
{
    int64_t now = wfa_now_ms ();
    s_pemda_t **due = (s_pemda_t **) calloc (zhashx_size (self->pemdas) + 1, sizeof *due);
    char *lines = NULL;
    size_t size = 0, due_count = 0;
    FILE *text = open_memstream (&lines, &size);
    assert (due && text);
    for (s_pemda_t *state = (s_pemda_t *) zhashx_first (self->pemdas); state;
         state = (s_pemda_t *) zhashx_next (self->pemdas)) {
        const s_point_t *point = s_settled (state, now, settle_ms);
        if (!point || point->seq <= state->anchored || now - state->anchored_at < anchor_ms)
            continue;
        char when [WFA_DATE_MS_SIZE], mac [2 * WFA_AUDIT_KEY_SIZE + 1];
        s_hex (point->mac, WFA_AUDIT_KEY_SIZE, mac);
        fprintf (text, "%s %s %" PRId64 " %s %s\n", wfa_date_format_ms (now, when),
                 (const char *) zhashx_cursor (self->pemdas), point->seq, point->id, mac);
        due [due_count++] = state;
    }
    fclose (text);
    if (due_count && s_anchors_append (self->anchors_path, lines, size) == 0) {
        for (size_t due_nbr = 0; due_nbr < due_count; due_nbr++) {
            due [due_nbr]->anchored = s_settled (due [due_nbr], now, settle_ms)->seq;
            due [due_nbr]->anchored_at = now;
        }
        for (char *line = strtok (lines, "\n"); line; line = strtok (NULL, "\n"))
            wfa_log ("I", "audit anchor %s", line);
    }
    free (due);
    free (lines);
}

wfa_audit_t *
wfa_audit_new (const char *keys_dir, const char *anchors_path, int64_t anchor_ms)
{
    wfa_audit_t *self = (wfa_audit_t *) calloc (1, sizeof *self);
    assert (self);
    self->keys_dir = strdup (keys_dir);
    self->anchors_path = strdup (anchors_path);
    self->anchor_ms = anchor_ms;
    self->pemdas = zhashx_new ();
    zhashx_set_destructor (self->pemdas, s_pemda_free);
    self->seals = calloc (S_CHUNK, WFA_AUDIT_SEAL_SIZE);
    assert (self->keys_dir && self->anchors_path && self->pemdas && self->seals);
    wfa_prom_t *prom = wfa_prom ();
    wfa_prom_declare (prom, "wfa_audit_seals_total", WFA_PROM_COUNTER,
                      "Audit entries sealed (HMAC-SHA256) by this instance, by pemda.", "pemda",
                      NULL, 0);
    wfa_prom_declare (prom, "wfa_audit_seal_refused", WFA_PROM_GAUGE,
                      "1 while this instance refuses to seal a pemda's audit log (tampering "
                      "or loss: see its log).", "pemda", NULL, 0);
    wfa_prom_declare (prom, "wfa_audit_key_missing", WFA_PROM_GAUGE,
                      "1 while this instance has no audit key (nothing is sealed).", "", NULL, 0);
    s_keys_load (self);
    //  What was anchored before is never sealed over
    if (s_anchors_each (self->anchors_path, s_anchors_highest, self) < 0)
        wfa_log ("W", "cannot read the audit anchor log %s: %s", self->anchors_path,
                 strerror (errno));
    return self;
}

void
wfa_audit_destroy (wfa_audit_t **self_p)
{
    assert (self_p);
    wfa_audit_t *self = *self_p;
    if (self) {
        s_anchor (self, 0, 0);
        explicit_bzero (self->keys, sizeof self->keys);
        zhashx_destroy (&self->pemdas);
        free (self->seals);
        free (self->keys_dir);
        free (self->anchors_path);
        free (self);
        *self_p = NULL;
    }
}

void
wfa_audit_seal (wfa_audit_t *self, wfa_redis_t *redis)
{
    if (!self->key_count)
        s_keys_load (self);
    if (!self->key_count)
        return;
    self->tick_started = zclock_mono ();
    wfa_store_each_pemda (redis, s_seal_pemda, self);
    s_anchor (self, S_SETTLE_MS, self->anchor_ms);
}

int
wfa_audit_verify (wfa_audit_t *self, wfa_redis_t *redis, const char *pemda,
                  wfa_audit_report_t *report)
{
    if (!self->key_count)
        s_keys_load (self);
    s_anchors_t anchors = { pemda, NULL, 0, 0 };
    s_anchors_each (self->anchors_path, s_anchors_collect, &anchors);
    if (anchors.count)
        qsort (anchors.points, anchors.count, sizeof *anchors.points, s_point_compare);
    s_check_t check;
    s_check_init (&check, self->keys, self->key_count, pemda, anchors.points, anchors.count, report);
    char prefix [WFA_PREFIX_MAX], start [24], count [16], keys_text [4][WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "audit"),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "audit:mac"),
        wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "audit:head"),
        wfa_store_key (keys_text [3], WFA_KEY_MAX, pemda, "audit:seq") };
    snprintf (count, sizeof count, "%d", S_CHUNK);
    int rc = 0;
    //  Chunks of S_CHUNK entries, so one check never holds Redis long
    while (true) {
        snprintf (start, sizeof start, "%" PRId64, check.seq);
        const char *args [] = { "start", start, "count", count };
        redisReply *reply = wfa_store_step (redis, &wfa_script_audit_verify, 5, keys, 2, args, NULL);
        if (!reply) {
            rc = -1;
            break;
        }
        //  {"ok", entries, seals, length, sealed, head, seq}
        bool ok = wfa_store_step_ok (reply) && reply->elements == 7;
        redisReply **parts = ok? reply->element + 1: NULL;
        bool shaped = ok && parts [0]->type == REDIS_REPLY_ARRAY && parts [1]->type == REDIS_REPLY_ARRAY
                   && parts [3]->type == REDIS_REPLY_INTEGER && parts [4]->type == REDIS_REPLY_STRING
                   && parts [5]->type == REDIS_REPLY_STRING;
        if (!shaped) {
            rc = -2;
            freeReplyObject (reply);
            break;
        }
        bool fits = true;
        const redisReply *entries = parts [0], *seals = parts [1];
        for (size_t entry_nbr = 0; entry_nbr < entries->elements && fits; entry_nbr++) {
            const redisReply *entry = entries->element [entry_nbr];
            const redisReply *seal = entry_nbr < seals->elements? seals->element [entry_nbr]: NULL;
            bool sealed = seal && seal->type == REDIS_REPLY_STRING;
            fits = entry->type == REDIS_REPLY_STRING
                 ? s_check_entry (&check, entry->str, entry->len, sealed? seal->str: NULL,
                                  sealed? seal->len: 0)
                 : s_check_fail (&check, check.seq + 1, "malformed entry");
        }
        bool ended = !fits || entries->elements < S_CHUNK;
        if (fits && ended) {
            s_pemda_t *state = (s_pemda_t *) zhashx_lookup (self->pemdas, pemda);
            int64_t now = wfa_now_ms ();
            s_check_end (&check, parts [3]->integer, parts [4]->str, atoll (parts [5]->str),
                         state? s_known (state, now): 0, now);
        }
        freeReplyObject (reply);
        if (ended)
            break;
    }
    free (anchors.points);
    return rc;
}

// ---------------------------------------------------------------------
//  Selftest

//  Append entry seq (reason as given) after prev, as wfa_audit in the Lua
//  library writes it; the new hash into hash.
static void
s_test_entry (int64_t seq, const char *reason, const char *prev, char *entry, size_t size, char *hash)
{
    char body [512], joined [600];
    snprintf (body, sizeof body, "%" PRId64 "\x1f" "1764589529000\x1fREQ-35.08-000001\x1f"
              "198001012005011001\x1f" "atasan\x1f\x1f" "approve\x1fpending\x1fpending\x1f%s\x1f" "1",
              seq, reason);
    snprintf (joined, sizeof joined, "%s\x1f%s", prev, body);
    uint8_t digest [20];
    SHA1 ((const uint8_t *) joined, strlen (joined), digest);
    s_hex (digest, sizeof digest, hash);
    snprintf (entry, size, "%s\x1f%s\x1f%s", body, prev, hash);
}

//  A log of count entries and their seals under key, the way the Lua steps
//  and the sealer make them.
#define S_TEST_ENTRIES 5
typedef struct {
    char entries [S_TEST_ENTRIES][700];
    char seals [S_TEST_ENTRIES][WFA_AUDIT_SEAL_SIZE];
    uint8_t macs [S_TEST_ENTRIES][WFA_AUDIT_KEY_SIZE];
    char head [WFA_AUDIT_HASH_SIZE];
} s_test_log_t;

static void
s_test_log (s_test_log_t *log, const s_key_t *key, const char *tampered_reason, int tampered)
{
    char prev [WFA_AUDIT_HASH_SIZE] = S_GENESIS_HASH;
    uint8_t mac [WFA_AUDIT_KEY_SIZE];
    wfa_audit_mac_genesis ("35.08", mac);
    for (int entry_nbr = 0; entry_nbr < S_TEST_ENTRIES; entry_nbr++) {
        char reason [32];
        snprintf (reason, sizeof reason, "alasan %d", entry_nbr);
        s_test_entry (entry_nbr + 1, entry_nbr == tampered? tampered_reason: reason, prev,
                      log->entries [entry_nbr], sizeof log->entries [entry_nbr], log->head);
        snprintf (prev, sizeof prev, "%s", log->head);
        wfa_audit_mac_next (key->key, mac, log->entries [entry_nbr],
                            strlen (log->entries [entry_nbr]), mac);
        memcpy (log->macs [entry_nbr], mac, sizeof mac);
        s_seal_format (key->id, mac, log->seals [entry_nbr]);
    }
}

//  Run the checker over the first entries of log, the first sealed of them
//  with seals; returns the report.
static wfa_audit_report_t
s_test_check (const s_test_log_t *log, const s_key_t *keys, size_t key_count, int entries,
              int sealed, const s_point_t *anchors, size_t anchor_count, int64_t known)
{
    wfa_audit_report_t report;
    s_check_t check;
    s_check_init (&check, keys, key_count, "35.08", anchors, anchor_count, &report);
    bool fits = true;
    for (int entry_nbr = 0; entry_nbr < entries && fits; entry_nbr++)
        fits = s_check_entry (&check, log->entries [entry_nbr], strlen (log->entries [entry_nbr]),
                              entry_nbr < sealed? log->seals [entry_nbr]: NULL,
                              entry_nbr < sealed? WFA_AUDIT_SEAL_SIZE - 1: 0);
    if (fits) {
        const char *head = entries? log->entries [entries - 1] + strlen (log->entries [entries - 1]) - 40
                                  : S_GENESIS_HASH;
        s_check_end (&check, sealed, head, entries, known, 1764589530000LL);
    }
    return report;
}

void
wfa_audit_test (bool verbose)
{
    //  The chain's vectors (docs/protocol.md; any language gets the same)
    uint8_t mac [WFA_AUDIT_KEY_SIZE], genesis [WFA_AUDIT_KEY_SIZE];
    char text [2 * WFA_AUDIT_KEY_SIZE + 1];
    wfa_audit_mac_genesis ("35.08", genesis);
    s_hex (genesis, sizeof genesis, text);
    assert (streq (text, "4efb8118df48eda54d45c332d7e060c3a9d1b1408878618e4a2be8b49131904f"));
    s_key_t key, other;
    for (int byte_nbr = 0; byte_nbr < WFA_AUDIT_KEY_SIZE; byte_nbr++) {
        key.key [byte_nbr] = (uint8_t) byte_nbr;
        other.key [byte_nbr] = (uint8_t) (255 - byte_nbr);
    }
    wfa_audit_key_id (key.key, key.id);
    wfa_audit_key_id (other.key, other.id);
    assert (streq (key.id, "630dcd29"));
    wfa_audit_mac_next (key.key, genesis, "entry one", 9, mac);
    s_hex (mac, sizeof mac, text);
    assert (streq (text, "245da0b48a1d83bafa2ffb3523aaa17e2ead581009ee74e5c74cbe9153dca4ae"));
    //  A long entry goes through the heap, with the same result as by hand
    size_t long_size = 10000;
    char *long_entry = (char *) malloc (long_size);
    uint8_t *joined = (uint8_t *) malloc (WFA_AUDIT_KEY_SIZE + long_size), by_hand [32];
    assert (long_entry && joined);
    memset (long_entry, 'x', long_size);
    memcpy (joined, genesis, WFA_AUDIT_KEY_SIZE);
    memcpy (joined + WFA_AUDIT_KEY_SIZE, long_entry, long_size);
    unsigned by_hand_size = sizeof by_hand;
    HMAC (EVP_sha256 (), key.key, 32, joined, WFA_AUDIT_KEY_SIZE + long_size, by_hand, &by_hand_size);
    wfa_audit_mac_next (key.key, genesis, long_entry, long_size, mac);
    assert (memcmp (mac, by_hand, sizeof mac) == 0);
    free (long_entry);
    free (joined);

    //  Key files: exactly 64 hex characters and at most a newline
    uint8_t parsed [WFA_AUDIT_KEY_SIZE];
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    char key_text [80];
    snprintf (key_text, sizeof key_text, "%s\n", hex);
    assert (wfa_audit_key_parse (key_text, 65, parsed) == 0 && memcmp (parsed, key.key, 32) == 0);
    assert (wfa_audit_key_parse (key_text, 64, parsed) == 0);
    assert (wfa_audit_key_parse (key_text, 63, parsed) == -1);
    snprintf (key_text, sizeof key_text, "%s\n\n", hex);
    assert (wfa_audit_key_parse (key_text, 66, parsed) == -1);
    snprintf (key_text, sizeof key_text, "%s ", hex);
    assert (wfa_audit_key_parse (key_text, 65, parsed) == -1);
    snprintf (key_text, sizeof key_text, "g%s", hex + 1);
    assert (wfa_audit_key_parse (key_text, 64, parsed) == -1);

    //  One link of the SHA-1 chain
    char entry [700], hash [WFA_AUDIT_HASH_SIZE], next [WFA_AUDIT_HASH_SIZE];
    int64_t at = 0;
    s_test_entry (1, "alasan", S_GENESIS_HASH, entry, sizeof entry, hash);
    assert (!wfa_audit_link (entry, strlen (entry), 1, S_GENESIS_HASH, next, &at));
    assert (streq (next, hash) && at == 1764589529000LL);
    assert (strstr (wfa_audit_link (entry, strlen (entry), 2, S_GENESIS_HASH, next, NULL), "removed"));
    assert (strstr (wfa_audit_link (entry, strlen (entry), 1, hash, next, NULL), "chain broken"));
    assert (strstr (wfa_audit_link (entry, strlen (entry) - 1, 1, S_GENESIS_HASH, next, NULL), "malformed"));
    char *reason = strstr (entry, "alasan");
    *reason = 'A';
    assert (strstr (wfa_audit_link (entry, strlen (entry), 1, S_GENESIS_HASH, next, NULL), "altered"));

    //  Seals as stored
    s_point_t point;
    char seal [WFA_AUDIT_SEAL_SIZE];
    s_seal_format (key.id, mac, seal);
    assert (strlen (seal) == WFA_AUDIT_SEAL_SIZE - 1 && s_seal_parse (seal, strlen (seal), &point) == 0);
    assert (streq (point.id, key.id) && memcmp (point.mac, mac, sizeof mac) == 0);
    assert (s_seal_parse (seal, strlen (seal) - 1, &point) == -1);
    seal [8] = '-';
    assert (s_seal_parse (seal, strlen (seal), &point) == -1);

    //  An untouched log verifies; its newest entries may wait for their seal
    s_test_log_t log, forged;
    s_test_log (&log, &key, NULL, -1);
    wfa_audit_report_t report = s_test_check (&log, &key, 1, 5, 5, NULL, 0, 0);
    assert (report.valid && report.checked == 5 && report.sealed == 5 && report.unsealed == 0);
    assert (streq (report.head, log.head) && strlen (report.seal) == WFA_AUDIT_SEAL_SIZE - 1);
    report = s_test_check (&log, &key, 1, 5, 3, NULL, 0, 0);
    assert (report.valid && report.sealed == 3 && report.unsealed == 2);
    report = s_test_check (&log, &key, 1, 0, 0, NULL, 0, 0);
    assert (report.valid && report.checked == 0);

    //  Entry 3 rewritten and the SHA-1 chain recomputed after it: the seal
    //  of 3 no longer fits, whatever the attacker did to the hashes
    s_test_log (&forged, &key, "alasan palsu", 2);
    memcpy (forged.seals, log.seals, sizeof log.seals);
    report = s_test_check (&forged, &key, 1, 5, 5, NULL, 0, 0);
    assert (!report.valid && report.broken_at == 3 && strstr (report.problem, "altered"));
    assert (report.checked == 2);
    //  ...and with it unsealed, the anchor of entry 4 still catches it
    s_point_t anchors [2] = { { 4, { 0 }, "", 1764589529500LL }, { 5, { 0 }, "", 1764589529600LL } };
    memcpy (anchors [0].mac, log.macs [3], sizeof mac);
    memcpy (anchors [1].mac, log.macs [4], sizeof mac);
    report = s_test_check (&forged, &key, 1, 5, 2, anchors, 1, 0);
    assert (!report.valid && report.broken_at == 4 && strstr (report.problem, "anchor"));
    report = s_test_check (&log, &key, 1, 5, 5, anchors, 2, 0);
    assert (report.valid && report.anchored == 5 && report.anchored_at == 1764589529600LL);

    //  Cut from the end, with head and seq fixed: the anchor of 5 tells
    report = s_test_check (&log, &key, 1, 3, 3, anchors, 2, 0);
    assert (!report.valid && report.broken_at == 4 && strstr (report.problem, "truncated"));
    //  Seals removed: below an anchor, or below what this instance sealed
    report = s_test_check (&log, &key, 1, 5, 0, anchors, 2, 0);
    assert (!report.valid && report.broken_at == 1 && strstr (report.problem, "seals removed"));
    report = s_test_check (&log, &key, 1, 5, 2, NULL, 0, 4);
    assert (!report.valid && report.broken_at == 3 && strstr (report.problem, "seals removed"));
    //  More seals than entries
    report = s_test_check (&log, &key, 1, 4, 5, NULL, 0, 0);
    assert (!report.valid && strstr (report.problem, "removed at the end"));

    //  Keys: an unknown one; a retired one checks what it sealed, but not
    //  after the current key took over
    report = s_test_check (&log, &other, 1, 5, 5, NULL, 0, 0);
    assert (!report.valid && report.broken_at == 1 && strstr (report.problem, "does not have"));
    s_key_t ring [2] = { other, key };
    report = s_test_check (&log, ring, 2, 5, 5, NULL, 0, 0);
    assert (!report.valid && report.broken_at == 1 && strstr (report.problem, "past its last anchor"));
    snprintf (anchors [1].id, sizeof anchors [1].id, "%s", key.id);
    report = s_test_check (&log, ring, 2, 5, 5, anchors + 1, 1, 0);
    assert (report.valid && report.sealed == 5);
    //  Entries 1 to 3 sealed with the retired key (anchored at 3), 4 and 5 with the new one
    s_point_t rotation = { 3, { 0 }, "", 1764589529400LL };
    memcpy (rotation.mac, log.macs [2], sizeof mac);
    snprintf (rotation.id, sizeof rotation.id, "%s", key.id);
    s_test_log_t rotated = log;
    uint8_t fourth [WFA_AUDIT_KEY_SIZE];
    wfa_audit_mac_next (other.key, log.macs [2], log.entries [3], strlen (log.entries [3]), fourth);
    s_seal_format (other.id, fourth, rotated.seals [3]);
    wfa_audit_mac_next (other.key, fourth, log.entries [4], strlen (log.entries [4]), mac);
    s_seal_format (other.id, mac, rotated.seals [4]);
    report = s_test_check (&rotated, ring, 2, 5, 5, &rotation, 1, 0);
    assert (report.valid && report.sealed == 5);
    //  Entry 5 sealed again with the retired key, as whoever stole it would;
    //  and entries 4 and 5, as if the key had never changed
    wfa_audit_mac_next (key.key, fourth, log.entries [4], strlen (log.entries [4]), mac);
    s_seal_format (key.id, mac, rotated.seals [4]);
    report = s_test_check (&rotated, ring, 2, 5, 5, &rotation, 1, 0);
    assert (!report.valid && report.broken_at == 5 && strstr (report.problem, "after the current"));
    report = s_test_check (&log, ring, 2, 5, 5, &rotation, 1, 0);
    assert (!report.valid && report.broken_at == 4 && strstr (report.problem, "past its last anchor"));
    //  No key: the chain is checked, the seals cannot be
    report = s_test_check (&log, &key, 0, 5, 5, NULL, 0, 0);
    assert (!report.valid && report.broken_at == 0 && strstr (report.problem, "no audit key"));

    //  The anchor log: appended, read back by pemda, malformed lines skipped
    char folder [] = "/tmp/wfa-audit-test-XXXXXX", path [PATH_MAX];
    assert (mkdtemp (folder));
    snprintf (path, sizeof path, "%s/audit/anchors.log", folder);
    s_hex (log.macs [4], WFA_AUDIT_KEY_SIZE, text);
    char lines [600];
    snprintf (lines, sizeof lines, "2025-12-01T11:45:29.600Z 35.08 5 %s %s\nnot an anchor\n"
              "2025-12-01T11:45:29.700Z 35.09 7 %s %s\n", key.id, text, key.id, text);
    assert (s_anchors_append (path, lines, strlen (lines)) == 0);
    s_anchors_t found = { "35.08", NULL, 0, 0 };
    assert (s_anchors_each (path, s_anchors_collect, &found) == 3);
    assert (found.count == 1 && found.points [0].seq == 5 && found.points [0].at == 1764589529600LL);
    assert (memcmp (found.points [0].mac, log.macs [4], sizeof mac) == 0);
    free (found.points);
    //  A sealer started on that log never seals below what it anchored
    snprintf (path, sizeof path, "%s/audit.key", folder);
    FILE *file = fopen (path, "w");
    assert (file);
    fprintf (file, "%s\n", hex);
    fclose (file);
    chmod (path, 0600);
    char anchors_path [PATH_MAX];
    snprintf (anchors_path, sizeof anchors_path, "%s/audit/anchors.log", folder);
    wfa_audit_t *audit = wfa_audit_new (folder, anchors_path, 60000);
    assert (audit->key_count == 1 && streq (audit->keys [0].id, key.id));
    assert (s_known (s_pemda (audit, "35.08"), wfa_now_ms ()) == 5);
    assert (s_known (s_pemda (audit, "35.09"), wfa_now_ms ()) == 7);
    wfa_audit_destroy (&audit);
    wfa_audit_destroy (&audit);
    remove (anchors_path);
    remove (path);
    snprintf (path, sizeof path, "%s/audit", folder);
    rmdir (path);
    rmdir (folder);
    if (verbose)
        printf ("wfa_audit: ok\n");
}
