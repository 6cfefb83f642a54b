/*  wfa-curve-bench - what CURVE costs on the system's own socket pattern.

    wfa-curve-bench [--calls N] [--big-calls N] [--connections N]
                    [--window W] [--clients C] [--rounds R]

    Three processes, as in the system: a broker (ROUTER for clients,
    ROUTER for workers, the same frames as wfa-broker), one worker (a
    DEALER that checks and unpacks each call and packs a reply, as a
    service does, but answers at once), and a client process with C
    DEALER sockets and W calls in flight in all. tcp on 127.0.0.1.
    Each run starts fresh processes, in one of two modes:

      plain  NULL mechanism: no keys, no ZAP (the system before issue 9)
      curve  CURVE on both broker ports, keys made by zcert_new, a zauth
             actor in the broker with the client and worker certificates
             as its CURVE allow-list folder, a ZAP domain set

    Three loads: a ~300-byte call with a ~200-byte reply (a REQUEST.SUBMIT
    and its answer) with W in flight, the same one at a time, and 64 KiB
    each way with W in flight. For each, plain and curve run in turn R
    times and the medians are printed: calls/s, mean, p50 and p99 µs per
    round trip, and the CPU time per call of all three processes
    (getrusage, every thread: the ZeroMQ I/O threads do the encryption).
    The first load's runs also open N new connections one after the other
    and time each from zsock_new to the first reply: the handshake's
    one-off cost, with its CPU per connection.

    The parent only forks and reads pipes; czmq lives in the children. */
#include "wfa.h"
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define S_TIMEOUT_MS 5000
#define S_MAX_CLIENTS 16
#define S_ZAP_DOMAIN "fleksi"

typedef struct {
    bool curve;                 //  CURVE + ZAP, or the NULL mechanism
    size_t call_size;           //  Body of each call, bytes
    size_t reply_size;          //  Body of each reply, bytes
    int calls;                  //  Measured round trips
    int warmup;                 //  Round trips before the measure
    int connections;            //  New connections timed (0: none)
    int window;                 //  Calls in flight, all sockets together
    int clients;                //  DEALER sockets, each its own key
    const char *keys;           //  Folder of the certificates
    char frontend [64];         //  Broker's client endpoint
    char backend [64];          //  Broker's worker endpoint
    int results;                //  Pipe to the parent
} s_config_t;

typedef struct {
    int calls;
    double seconds;
    double mean, p50, p99;      //  µs per round trip
    double cpu;                 //  µs of CPU per call, all three processes
    int connections;
    double hs_mean, hs_p50, hs_p99;
    double hs_cpu;              //  µs of CPU per new connection
    size_t call_size, reply_size;
} s_result_t;

static int64_t
s_now_us (void)
{
    return zclock_usecs ();
}

//  User + system CPU of this process, every thread, µs.
static int64_t
s_cpu_us (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return (int64_t) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

//  One line to the parent, in one write (shorter than PIPE_BUF, so the
//  three processes' lines never mix).
static void
s_report (int fd, const char *format, ...)
{
    char line [256];
    va_list args;
    va_start (args, format);
    int size = vsnprintf (line, sizeof line, format, args);
    va_end (args);
    if (size > 0 && (size_t) size < sizeof line && write (fd, line, (size_t) size) != size)
        fprintf (stderr, "wfa-curve-bench: lost a result line\n");
}

//  At a mark the client, the broker and the worker each report their CPU
//  time; the parent takes the differences between marks.
static void
s_mark (int fd, char role, int mark_nbr)
{
    s_report (fd, "M %c %d %" PRId64 "\n", role, mark_nbr, s_cpu_us ());
}

static int
s_compare_i64 (const void *left, const void *right)
{
    int64_t a = *(const int64_t *) left, b = *(const int64_t *) right;
    return a < b? -1: a > b? 1: 0;
}

static void
s_stats (int64_t *values, int count, double *mean, double *p50, double *p99)
{
    double sum = 0;
    for (int index = 0; index < count; index++)
        sum += (double) values [index];
    qsort (values, (size_t) count, sizeof (int64_t), s_compare_i64);
    *mean = count? sum / count: 0;
    *p50 = count? (double) values [count / 2]: 0;
    int p99_at = (int) ((int64_t) count * 99 / 100);
    *p99 = count? (double) values [p99_at < count? p99_at: count - 1]: 0;
}

//  Fill a map being packed with a "data" bin so that the whole body is
//  target bytes (the map's header already counts the field).
static void
s_pack_pad (msgpack_packer *pk, msgpack_sbuffer *buffer, size_t target)
{
    static char pattern [64 * 1024];
    if (!pattern [0])
        for (size_t index = 0; index < sizeof pattern; index++)
            pattern [index] = "Rekap data capaian kinerja triwulan; "[index % 37];
    wfa_mp_pack_str (pk, "data");
    //  bin 8, bin 16, bin 32 headers are 2, 3, 5 bytes
    size_t used = buffer->size, size = 0;
    if (target >= used + 2 && target - used - 2 < 256)
        size = target - used - 2;
    else
    if (target >= used + 3 && target - used - 3 < 65536)
        size = target - used - 3;
    else
    if (target >= used + 5)
        size = target - used - 5;
    if (size > sizeof pattern)
        size = sizeof pattern;
    msgpack_pack_bin (pk, size);
    msgpack_pack_bin_body (pk, pattern, size);
}

//  Start a body of fields entries (id the first) in buffer, emptied.
static void
s_pack_start (msgpack_sbuffer *buffer, msgpack_packer *pk, size_t fields, int64_t id)
{
    msgpack_sbuffer_clear (buffer);
    msgpack_packer_init (pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (pk, fields);
    wfa_mp_pack_kv_int (pk, "id", id);
}

//  A REQUEST.SUBMIT-shaped call body of target bytes.
static void
s_pack_call (msgpack_sbuffer *buffer, int64_t id, size_t target)
{
    msgpack_packer pk;
    s_pack_start (buffer, &pk, 9, id);
    char key [48];
    snprintf (key, sizeof key, "bench-1764547200000-s-%06" PRId64, id);
    wfa_mp_pack_kv_str (&pk, "key", key);
    wfa_mp_pack_kv_str (&pk, "as", "198502022010012001");
    wfa_mp_pack_kv_str (&pk, "kind", "rumah");
    wfa_mp_pack_str (&pk, "dates");
    msgpack_pack_array (&pk, 1);
    wfa_mp_pack_str (&pk, "2026-12-07");
    wfa_mp_pack_kv_str (&pk, "location", "Rumah, sesuai data kepegawaian");
    wfa_mp_pack_kv_str (&pk, "reason", "Penyusunan laporan triwulan");
    wfa_mp_pack_str (&pk, "plan");
    msgpack_pack_array (&pk, 2);
    wfa_mp_pack_str (&pk, "Draf laporan bab 1-2");
    wfa_mp_pack_str (&pk, "Rekap data capaian");
    s_pack_pad (&pk, buffer, target);
}

//  Its answer, of target bytes.
static void
s_pack_reply (msgpack_sbuffer *buffer, int64_t id, size_t target)
{
    msgpack_packer pk;
    s_pack_start (buffer, &pk, 4, id);
    wfa_mp_pack_str (&pk, "ok");
    msgpack_pack_true (&pk);
    wfa_mp_pack_str (&pk, "result");
    msgpack_pack_map (&pk, 4);
    wfa_mp_pack_kv_str (&pk, "request_id", "35.08-2026-000123");
    wfa_mp_pack_kv_str (&pk, "state", "submitted");
    wfa_mp_pack_kv_str (&pk, "step", "atasan");
    wfa_mp_pack_kv_int (&pk, "deadline_ms", 1764720000000);
    s_pack_pad (&pk, buffer, target);
}

//  The id of a checked, unpacked body, or -1.
static int64_t
s_body_id (zframe_t *body)
{
    int64_t id = -1;
    if (!body || wfa_mp_check (zframe_data (body), zframe_size (body),
                               &wfa_mp_protocol_limits) != WFA_OK)
        return -1;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    if (msgpack_unpack_next (&unpacked, (const char *) zframe_data (body), zframe_size (body),
                             &offset) == MSGPACK_UNPACK_SUCCESS
    &&  wfa_mp_int (wfa_mp_get (&unpacked.data, "id"), &id) != 0)
        id = -1;
    msgpack_unpacked_destroy (&unpacked);
    return id;
}

static zcert_t *
s_cert_load (const s_config_t *config, const char *name)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", config->keys, name);
    zcert_t *cert = zcert_load (path);
    if (!cert)
        fprintf (stderr, "wfa-curve-bench: cannot load %s\n", path);
    return cert;
}

//  A socket that connects to the broker: with its own key and the
//  broker's public key when curve is on.
static void
s_secure_client (const s_config_t *config, zsock_t *socket, zcert_t *own, zcert_t *broker)
{
    if (config->curve) {
        zcert_apply (own, socket);
        zsock_set_curve_serverkey (socket, zcert_public_txt (broker));
    }
}

//  The keys, once, in a child of their own: the broker's, the worker's and
//  each client's; the allow-list folder holds the public certificates of
//  those the broker admits.
static int
s_keygen (const char *keys, int clients)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/allow", keys);
    if (mkdir (path, 0700))
        return 1;
    int rc = 0;
    for (int cert_nbr = -1; cert_nbr <= clients; cert_nbr++) {
        char name [32];
        if (cert_nbr < 0)
            snprintf (name, sizeof name, "broker");
        else
        if (cert_nbr == clients)
            snprintf (name, sizeof name, "worker");
        else
            snprintf (name, sizeof name, "client-%d", cert_nbr);
        zcert_t *cert = zcert_new ();
        zcert_set_meta (cert, "name", "%s", name);
        snprintf (path, sizeof path, "%s/%s.cert", keys, name);
        rc |= zcert_save (cert, path);
        snprintf (path, sizeof path, cert_nbr < 0? "%s/%s-public.cert": "%s/allow/%s.cert",
                  keys, name);
        rc |= zcert_save_public (cert, path);
        zcert_destroy (&cert);
    }
    return rc? 1: 0;
}

//  The next message on one of poller's sockets (the socket in *which_p when
//  not NULL), or NULL when the process is to stop. The parent stops it with
//  SIGTERM: a signal between two calls would be missed by a wait without end.
static zmsg_t *
s_next (zpoller_t *poller, zsock_t **which_p)
{
    while (!zsys_interrupted) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, 100);
        if (!which) {
            if (zpoller_terminated (poller))
                return NULL;
            continue;
        }
        if (which_p)
            *which_p = which;
        return zmsg_recv (which);
    }
    return NULL;
}

//  The broker: the frames of wfa-broker ([client] command body from
//  clients; READY, CALL and REPLY with the worker), one worker.
static int
s_broker (s_config_t *config, int ready)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    zactor_t *auth = NULL;
    zcert_t *cert = NULL;
    if (config->curve) {
        char allow [PATH_MAX];
        snprintf (allow, sizeof allow, "%s/allow", config->keys);
        auth = zactor_new (zauth, NULL);
        zstr_sendx (auth, "CURVE", allow, NULL);
        zsock_wait (auth);
        cert = s_cert_load (config, "broker.cert");
        if (!cert)
            return 1;
    }
    zsock_t *frontend = zsock_new (ZMQ_ROUTER);
    zsock_t *backend = zsock_new (ZMQ_ROUTER);
    zsock_t *sockets [] = { frontend, backend };
    for (int index = 0; index < 2; index++) {
        zsock_set_linger (sockets [index], 0);
        zsock_set_sndhwm (sockets [index], 100000);
        zsock_set_rcvhwm (sockets [index], 100000);
        if (config->curve) {
            zcert_apply (cert, sockets [index]);
            zsock_set_curve_server (sockets [index], 1);
            zsock_set_zap_domain (sockets [index], S_ZAP_DOMAIN);
        }
    }
    int front = zsock_bind (frontend, "tcp://127.0.0.1:*");
    int back = zsock_bind (backend, "tcp://127.0.0.1:*");
    s_report (ready, "%d %d\n", front, back);
    zframe_t *worker = NULL;
    int mark_nbr = 0;
    zpoller_t *poller = zpoller_new (frontend, backend, NULL);
    zsock_t *which = NULL;
    zmsg_t *msg;
    while ((msg = s_next (poller, &which))) {
        if (which == frontend) {
            zframe_t *client = zmsg_pop (msg);
            char *command = zmsg_popstr (msg);
            zframe_t *body = zmsg_pop (msg);
            if (client && command && body && worker) {
                if (streq (command, "BENCH.MARK"))
                    s_mark (config->results, 'B', mark_nbr++);
                zmsg_t *out = zmsg_new ();
                zmsg_addmem (out, zframe_data (worker), zframe_size (worker));
                zmsg_addstr (out, "CALL");
                zmsg_addmem (out, zframe_data (client), zframe_size (client));
                zmsg_addstr (out, command);
                zmsg_addmem (out, zframe_data (body), zframe_size (body));
                if (zmsg_send (&out, backend))
                    zmsg_destroy (&out);
            }
            zframe_destroy (&client);
            zstr_free (&command);
            zframe_destroy (&body);
        }
        else {
            zframe_t *identity = zmsg_pop (msg);
            char *kind = zmsg_popstr (msg);
            if (identity && kind && streq (kind, "READY") && !worker) {
                worker = zframe_dup (identity);
                s_report (ready, "W\n");
            }
            else
            if (identity && kind && streq (kind, "REPLY") && zmsg_size (msg) == 3) {
                zframe_t *client = zmsg_pop (msg);
                char *command = zmsg_popstr (msg);
                zframe_t *body = zmsg_pop (msg);
                zmsg_t *out = zmsg_new ();
                zmsg_append (out, &client);
                zmsg_addstr (out, command);
                zmsg_append (out, &body);
                if (zmsg_send (&out, frontend))
                    zmsg_destroy (&out);
                zstr_free (&command);
            }
            zframe_destroy (&identity);
            zstr_free (&kind);
        }
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    zframe_destroy (&worker);
    zsock_destroy (&frontend);
    zsock_destroy (&backend);
    zcert_destroy (&cert);
    zactor_destroy (&auth);
    return 0;
}

//  The worker: says READY, then answers each call, checked and unpacked
//  as a service does.
static int
s_worker (s_config_t *config)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    zcert_t *cert = NULL, *broker = NULL;
    if (config->curve) {
        cert = s_cert_load (config, "worker.cert");
        broker = s_cert_load (config, "broker-public.cert");
        if (!cert || !broker)
            return 1;
    }
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    zsock_set_linger (dealer, 0);
    zsock_set_sndhwm (dealer, 100000);
    zsock_set_rcvhwm (dealer, 100000);
    s_secure_client (config, dealer, cert, broker);
    zsock_connect (dealer, "%s", config->backend);
    zstr_sendx (dealer, "READY", "bench", "worker-1", NULL);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    int mark_nbr = 0;
    zpoller_t *poller = zpoller_new (dealer, NULL);
    zmsg_t *msg;
    while ((msg = s_next (poller, NULL))) {
        char *kind = zmsg_popstr (msg);
        zframe_t *client = zmsg_pop (msg);
        char *command = zmsg_popstr (msg);
        zframe_t *body = zmsg_pop (msg);
        if (kind && streq (kind, "CALL") && client && command && body) {
            if (streq (command, "BENCH.MARK"))
                s_mark (config->results, 'W', mark_nbr++);
            s_pack_reply (&buffer, s_body_id (body), config->reply_size);
            zmsg_t *out = zmsg_new ();
            zmsg_addstr (out, "REPLY");
            zmsg_append (out, &client);
            zmsg_addstr (out, command);
            zmsg_addmem (out, buffer.data, buffer.size);
            if (zmsg_send (&out, dealer))
                zmsg_destroy (&out);
        }
        zstr_free (&kind);
        zframe_destroy (&client);
        zstr_free (&command);
        zframe_destroy (&body);
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    msgpack_sbuffer_destroy (&buffer);
    zsock_destroy (&dealer);
    zcert_destroy (&cert);
    zcert_destroy (&broker);
    return 0;
}

typedef struct {
    s_config_t *config;
    zsock_t *sockets [S_MAX_CLIENTS];
    int inflight [S_MAX_CLIENTS];
    zpoller_t *poller;
    msgpack_sbuffer buffer;
    int mark_nbr;
} s_client_t;

static int
s_client_send (s_client_t *self, int socket_nbr, const char *command, int64_t id)
{
    s_pack_call (&self->buffer, id, self->config->call_size);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, command);
    zmsg_addmem (msg, self->buffer.data, self->buffer.size);
    if (zmsg_send (&msg, self->sockets [socket_nbr])) {
        zmsg_destroy (&msg);
        return -1;
    }
    return 0;
}

//  A reply's id, or -1; the reply is checked and unpacked as wfa_client does.
static int64_t
s_client_recv (zsock_t *socket)
{
    zmsg_t *msg = zmsg_recv (socket);
    int64_t id = msg && zmsg_size (msg) == 2? s_body_id (zmsg_last (msg)): -1;
    zmsg_destroy (&msg);
    return id;
}

//  All three processes report their CPU time, with nothing else in flight.
static int
s_client_mark (s_client_t *self)
{
    if (s_client_send (self, 0, "BENCH.MARK", 0))
        return -1;
    zsock_set_rcvtimeo (self->sockets [0], S_TIMEOUT_MS);
    if (s_client_recv (self->sockets [0]) != 0)
        return -1;
    s_mark (self->config->results, 'C', self->mark_nbr++);
    return 0;
}

//  count round trips with the window full; latencies (µs) if wanted.
static int
s_client_drive (s_client_t *self, int count, int64_t *latencies, double *seconds)
{
    s_config_t *config = self->config;
    int64_t *sent_at = (int64_t *) calloc ((size_t) count, sizeof (int64_t));
    int per_socket = config->window / config->clients;
    if (per_socket < 1)
        per_socket = 1;
    int sent = 0, received = 0, rc = 0;
    int64_t started = s_now_us ();
    for (int socket_nbr = 0; socket_nbr < config->clients; socket_nbr++)
        for (int slot = 0; slot < per_socket && sent < count; slot++) {
            sent_at [sent] = s_now_us ();
            rc |= s_client_send (self, socket_nbr, "REQUEST.SUBMIT", sent);
            self->inflight [socket_nbr]++;
            sent++;
        }
    while (rc == 0 && received < count) {
        zsock_t *which = (zsock_t *) zpoller_wait (self->poller, S_TIMEOUT_MS);
        if (!which) {
            rc = -1;
            break;
        }
        int socket_nbr = 0;
        while (self->sockets [socket_nbr] != which)
            socket_nbr++;
        //  Everything that is there, then refill the window
        do {
            int64_t id = s_client_recv (which);
            if (id < 0 || id >= count || !sent_at [id]) {
                rc = -1;
                break;
            }
            if (latencies)
                latencies [received] = s_now_us () - sent_at [id];
            sent_at [id] = 0;
            received++;
            self->inflight [socket_nbr]--;
        } while (zsock_events (which) & ZMQ_POLLIN);
        while (rc == 0 && self->inflight [socket_nbr] < per_socket && sent < count) {
            sent_at [sent] = s_now_us ();
            rc |= s_client_send (self, socket_nbr, "REQUEST.SUBMIT", sent);
            self->inflight [socket_nbr]++;
            sent++;
        }
    }
    *seconds = (double) (s_now_us () - started) / 1e6;
    free (sent_at);
    return rc;
}

//  The client process: warm-up, mark, the measured calls, mark, the new
//  connections, mark; then its figures to the parent.
static int
s_client (s_config_t *config)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    s_client_t self = { .config = config };
    msgpack_sbuffer_init (&self.buffer);
    zcert_t *broker = NULL, *certs [S_MAX_CLIENTS] = { NULL };
    int rc = 0;
    if (config->curve) {
        broker = s_cert_load (config, "broker-public.cert");
        rc |= broker? 0: -1;
    }
    for (int socket_nbr = 0; socket_nbr < config->clients; socket_nbr++) {
        if (config->curve) {
            char name [32];
            snprintf (name, sizeof name, "client-%d.cert", socket_nbr);
            certs [socket_nbr] = s_cert_load (config, name);
            rc |= certs [socket_nbr]? 0: -1;
        }
        zsock_t *socket = zsock_new (ZMQ_DEALER);
        zsock_set_linger (socket, 0);
        zsock_set_sndhwm (socket, 100000);
        zsock_set_rcvhwm (socket, 100000);
        if (rc == 0)
            s_secure_client (config, socket, certs [socket_nbr], broker);
        zsock_connect (socket, "%s", config->frontend);
        self.sockets [socket_nbr] = socket;
        if (!self.poller)
            self.poller = zpoller_new (socket, NULL);
        else
            zpoller_add (self.poller, socket);
    }
    s_result_t result = { .calls = config->calls };
    int64_t *latencies = (int64_t *) calloc ((size_t) config->calls, sizeof (int64_t));
    double seconds = 0;
    if (rc == 0)
        rc = s_client_drive (&self, config->warmup, NULL, &seconds);
    if (rc == 0)
        rc = s_client_mark (&self);
    if (rc == 0)
        rc = s_client_drive (&self, config->calls, latencies, &result.seconds);
    if (rc == 0)
        rc = s_client_mark (&self);
    s_stats (latencies, config->calls, &result.mean, &result.p50, &result.p99);
    //  New connections, one after the other: socket, keys, connect, the
    //  handshake (and ZAP), the first call and its reply
    int64_t *handshakes = (int64_t *) calloc ((size_t) config->connections + 1, sizeof (int64_t));
    for (int conn_nbr = 0; rc == 0 && conn_nbr < config->connections; conn_nbr++) {
        int64_t started = s_now_us ();
        zsock_t *socket = zsock_new (ZMQ_DEALER);
        zsock_set_linger (socket, 0);
        s_secure_client (config, socket, certs [0], broker);
        zsock_connect (socket, "%s", config->frontend);
        s_pack_call (&self.buffer, conn_nbr, config->call_size);
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, "REQUEST.SUBMIT");
        zmsg_addmem (msg, self.buffer.data, self.buffer.size);
        if (zmsg_send (&msg, socket))
            zmsg_destroy (&msg);
        zsock_set_rcvtimeo (socket, S_TIMEOUT_MS);
        if (s_client_recv (socket) != conn_nbr)
            rc = -1;
        handshakes [conn_nbr] = s_now_us () - started;
        zsock_destroy (&socket);
    }
    if (rc == 0 && config->connections)
        rc = s_client_mark (&self);
    result.connections = config->connections;
    s_stats (handshakes, config->connections, &result.hs_mean, &result.hs_p50, &result.hs_p99);
    if (rc == 0)
        s_report (config->results, "R %.6f %.1f %.1f %.1f %.1f %.1f %.1f\n", result.seconds,
                  result.mean, result.p50, result.p99,
                  result.hs_mean, result.hs_p50, result.hs_p99);
    free (handshakes);
    free (latencies);
    zpoller_destroy (&self.poller);
    for (int socket_nbr = 0; socket_nbr < config->clients; socket_nbr++) {
        zsock_destroy (&self.sockets [socket_nbr]);
        zcert_destroy (&certs [socket_nbr]);
    }
    zcert_destroy (&broker);
    msgpack_sbuffer_destroy (&self.buffer);
    return rc? 1: 0;
}

//  Run a child; it never returns.
static void
s_child_exit (int rc)
{
    zsys_shutdown ();
    exit (rc);
}

//  One run: fresh broker, worker and client processes; the figures from
//  the client's line and the CPU marks of all three.
static int
s_run (s_config_t *config, s_result_t *result)
{
    int ready [2], results [2];
    if (pipe (ready) || pipe (results))
        return -1;
    config->results = results [1];
    fflush (stdout);
    fflush (stderr);
    pid_t broker = fork ();
    if (broker == 0) {
        close (ready [0]);
        close (results [0]);
        s_child_exit (s_broker (config, ready [1]));
    }
    close (ready [1]);
    FILE *from_broker = fdopen (ready [0], "r");
    int front = 0, back = 0;
    char line [256];
    pid_t worker = -1, client = -1;
    if (fgets (line, sizeof line, from_broker) && sscanf (line, "%d %d", &front, &back) == 2) {
        snprintf (config->frontend, sizeof config->frontend, "tcp://127.0.0.1:%d", front);
        snprintf (config->backend, sizeof config->backend, "tcp://127.0.0.1:%d", back);
        worker = fork ();
        if (worker == 0) {
            fclose (from_broker);
            close (results [0]);
            s_child_exit (s_worker (config));
        }
    }
    if (worker > 0 && fgets (line, sizeof line, from_broker) && line [0] == 'W') {
        client = fork ();
        if (client == 0) {
            fclose (from_broker);
            close (results [0]);
            s_child_exit (s_client (config));
        }
    }
    close (results [1]);
    int status = 1;
    if (client > 0)
        waitpid (client, &status, 0);
    if (worker > 0) {
        kill (worker, SIGTERM);
        waitpid (worker, NULL, 0);
    }
    kill (broker, SIGTERM);
    waitpid (broker, NULL, 0);
    fclose (from_broker);
    //  M role mark cpu, and the client's R line
    int64_t cpu [3][3] = { { 0 } };
    bool marked [3][3] = { { false } };
    bool figures = false;
    FILE *from_all = fdopen (results [0], "r");
    while (fgets (line, sizeof line, from_all)) {
        char role;
        int mark_nbr;
        int64_t value;
        if (sscanf (line, "M %c %d %" SCNd64, &role, &mark_nbr, &value) == 3
        &&  strchr ("CBW", role) && mark_nbr >= 0 && mark_nbr < 3) {
            int role_nbr = (int) (strchr ("CBW", role) - "CBW");
            cpu [role_nbr][mark_nbr] = value;
            marked [role_nbr][mark_nbr] = true;
        }
        else
        if (sscanf (line, "R %lf %lf %lf %lf %lf %lf %lf", &result->seconds,
                    &result->mean, &result->p50, &result->p99,
                    &result->hs_mean, &result->hs_p50, &result->hs_p99) == 7)
            figures = true;
    }
    fclose (from_all);
    if (!WIFEXITED (status) || WEXITSTATUS (status) || !figures)
        return -1;
    int64_t calls_cpu = 0, connections_cpu = 0;
    for (int role_nbr = 0; role_nbr < 3; role_nbr++) {
        if (!marked [role_nbr][0] || !marked [role_nbr][1]
        || (config->connections && !marked [role_nbr][2]))
            return -1;
        calls_cpu += cpu [role_nbr][1] - cpu [role_nbr][0];
        if (config->connections)
            connections_cpu += cpu [role_nbr][2] - cpu [role_nbr][1];
    }
    result->calls = config->calls;
    result->connections = config->connections;
    result->cpu = (double) calls_cpu / config->calls;
    result->hs_cpu = config->connections? (double) connections_cpu / config->connections: 0;
    result->call_size = config->call_size;
    result->reply_size = config->reply_size;
    return 0;
}

static void
s_print_row (const char *size, int window, const char *mode, const s_result_t *result)
{
    printf ("  %-15s %4d  %-6s %7d %8.0f/s %9.1f %9.1f %9.1f %11.1f\n", size, window, mode,
            result->calls, result->calls / result->seconds, result->mean, result->p50,
            result->p99, result->cpu);
}

static void
s_print_ratio (const s_result_t *plain, const s_result_t *curve, double low, double high)
{
    printf ("  %-15s %4s  %-6s %7s %8.2fx  %8.2fx %8.2fx %8.2fx %10.2fx  "
            "(+%.1f µs CPU a call; rounds %.1f to %.1f)\n",
            "", "", "ratio", "", (curve->calls / curve->seconds) / (plain->calls / plain->seconds),
            curve->mean / plain->mean, curve->p50 / plain->p50, curve->p99 / plain->p99,
            curve->cpu / plain->cpu, curve->cpu - plain->cpu, low, high);
}

static int
s_compare_double (const void *left, const void *right)
{
    double a = *(const double *) left, b = *(const double *) right;
    return a < b? -1: a > b? 1: 0;
}

//  Each figure's median over the rounds (each figure on its own).
static void
s_median (const s_result_t *rounds, int count, s_result_t *median)
{
    double values [count];
    *median = rounds [0];
#define S_MEDIAN(field) \
    for (int round_nbr = 0; round_nbr < count; round_nbr++) \
        values [round_nbr] = rounds [round_nbr].field; \
    qsort (values, (size_t) count, sizeof (double), s_compare_double); \
    median->field = count % 2? values [count / 2]: (values [count / 2 - 1] + values [count / 2]) / 2;
    S_MEDIAN (seconds) S_MEDIAN (mean) S_MEDIAN (p50) S_MEDIAN (p99) S_MEDIAN (cpu)
    S_MEDIAN (hs_mean) S_MEDIAN (hs_p50) S_MEDIAN (hs_p99) S_MEDIAN (hs_cpu)
#undef S_MEDIAN
}

//  Remove the keys folder (only the files this program made are in it).
static void
s_remove_keys (const char *keys)
{
    char path [PATH_MAX];
    for (int pass = 0; pass < 2; pass++) {
        snprintf (path, sizeof path, pass == 0? "%s/allow": "%s", keys);
        DIR *dir = opendir (path);
        struct dirent *entry;
        while (dir && (entry = readdir (dir)))
            if (strstr (entry->d_name, ".cert")) {
                char file [PATH_MAX + 300];
                snprintf (file, sizeof file, "%s/%s", path, entry->d_name);
                unlink (file);
            }
        if (dir)
            closedir (dir);
        rmdir (path);
    }
}

int
main (int argc, char *argv [])
{
    s_config_t config = { .window = 100, .clients = 2, .connections = 200 };
    int calls = 50000, big_calls = 3000, rounds = 3;
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        int *knob = NULL;
        if (streq (argv [arg_nbr], "--calls"))
            knob = &calls;
        else
        if (streq (argv [arg_nbr], "--big-calls"))
            knob = &big_calls;
        else
        if (streq (argv [arg_nbr], "--connections"))
            knob = &config.connections;
        else
        if (streq (argv [arg_nbr], "--window"))
            knob = &config.window;
        else
        if (streq (argv [arg_nbr], "--clients"))
            knob = &config.clients;
        else
        if (streq (argv [arg_nbr], "--rounds"))
            knob = &rounds;
        if (!knob || arg_nbr + 1 >= argc) {
            fprintf (stderr, "usage: wfa-curve-bench [--calls N] [--big-calls N] "
                     "[--connections N] [--window W] [--clients C] [--rounds R]\n");
            return 2;
        }
        *knob = atoi (argv [++arg_nbr]);
    }
    if (calls < 1 || big_calls < 1 || config.connections < 0 || config.window < 1
    ||  config.clients < 1 || config.clients > S_MAX_CLIENTS || rounds < 1 || rounds > 99)
        return 2;
    char keys [] = "/tmp/wfa-curve-XXXXXX";
    if (!mkdtemp (keys))
        return 2;
    config.keys = keys;
    fflush (stdout);
    pid_t keygen = fork ();
    if (keygen == 0)
        s_child_exit (s_keygen (keys, config.clients));
    int status = 1;
    waitpid (keygen, &status, 0);
    if (!WIFEXITED (status) || WEXITSTATUS (status)) {
        fprintf (stderr, "wfa-curve-bench: could not make the keys\n");
        s_remove_keys (keys);
        return 1;
    }
    printf ("wfa-curve-bench: broker, worker and client as three processes on tcp 127.0.0.1, "
            "the system's frames; plain = NULL mechanism (no keys), curve = CURVE + ZAP "
            "(zcert keys, zauth allow-list), as the system will run; fresh processes for each "
            "run, plain and curve in turn, %d rounds, medians; CPU = all three processes\n",
            rounds);
    printf ("  %-15s %4s  %-6s %7s %10s %9s %9s %9s %11s\n", "call / reply", "win", "mode",
            "calls", "rate", "mean µs", "p50 µs", "p99 µs", "CPU µs/call");
    //  The load (window full, over several DEALERs), then one call at a
    //  time (the system's own load is far below saturation), then 64 KiB
    const struct {
        const char *label;
        size_t call_size, reply_size;
        int calls, window, clients;
        bool connections;
    } runs [] = {
        { "300 B / 200 B", 300, 200, calls, config.window, config.clients, true },
        { "300 B / 200 B", 300, 200, calls / 10 > 100? calls / 10: 100, 1, 1, false },
        { "64 KiB / 64 KiB", 65536, 65536, big_calls, config.window, config.clients, false }
    };
    s_result_t each [2][99], median [2], handshakes [2];
    memset (handshakes, 0, sizeof handshakes);
    int connections = config.connections, rc = 0;
    for (int run_nbr = 0; rc == 0 && run_nbr < 3; run_nbr++) {
        //  Plain and curve in turn, so that whatever else the machine does
        //  falls on both alike
        for (int round_nbr = 0; rc == 0 && round_nbr < rounds; round_nbr++)
            for (int curve = 0; rc == 0 && curve < 2; curve++) {
                config.curve = curve;
                config.call_size = runs [run_nbr].call_size;
                config.reply_size = runs [run_nbr].reply_size;
                config.calls = runs [run_nbr].calls;
                config.window = runs [run_nbr].window;
                config.clients = runs [run_nbr].clients;
                config.warmup = config.calls / 10 > config.window? config.calls / 10: config.window;
                config.connections = runs [run_nbr].connections? connections: 0;
                rc = s_run (&config, &each [curve][round_nbr]);
                if (rc)
                    fprintf (stderr, "wfa-curve-bench: the %s run of %s, %d in flight, failed\n",
                             curve? "curve": "plain", runs [run_nbr].label, config.window);
            }
        if (rc)
            break;
        double low = 1e9, high = -1e9;
        for (int round_nbr = 0; round_nbr < rounds; round_nbr++) {
            double extra = each [1][round_nbr].cpu - each [0][round_nbr].cpu;
            low = extra < low? extra: low;
            high = extra > high? extra: high;
        }
        for (int curve = 0; curve < 2; curve++) {
            s_median (each [curve], rounds, &median [curve]);
            s_print_row (runs [run_nbr].label, runs [run_nbr].window, curve? "curve": "plain",
                         &median [curve]);
        }
        s_print_ratio (&median [0], &median [1], low, high);
        if (runs [run_nbr].connections) {
            handshakes [0] = median [0];
            handshakes [1] = median [1];
        }
    }
    if (rc == 0 && connections) {
        const s_result_t *plain = &handshakes [0], *curve = &handshakes [1];
        printf ("  new connection, zsock_new to first reply (%d, one after the other): "
                "plain %.0f µs (p50 %.0f, p99 %.0f; CPU %.0f µs), "
                "curve %.0f µs (p50 %.0f, p99 %.0f; CPU %.0f µs): %.1fx, +%.0f µs CPU each\n",
                connections, plain->hs_mean, plain->hs_p50, plain->hs_p99, plain->hs_cpu,
                curve->hs_mean, curve->hs_p50, curve->hs_p99, curve->hs_cpu,
                curve->hs_mean / plain->hs_mean, curve->hs_cpu - plain->hs_cpu);
    }
    s_remove_keys (keys);
    return rc? 1: 0;
}
