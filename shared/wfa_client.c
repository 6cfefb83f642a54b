/*  wfa_client.c - calls over a DEALER socket, many in flight.

    Replies are matched on the echoed id. A reply to an earlier try that
    arrives late carries the same id and the same answer, so whichever
    comes first is taken and the rest are discarded. */
#include "wfa.h"

struct _wfa_client_t {
    zsock_t *dealer;            //  Connected to every endpoint
    int timeout_ms;             //  Per try
    int retries;                //  Tries in all
    uint64_t next_id;           //  Correlation ids
    msgpack_sbuffer fields;     //  Fields of the call being built
    msgpack_packer packer;      //  Packs into fields
    uint32_t field_count;       //  Fields packed
    zmsg_t *last_reply;         //  Holds the bytes the last decoded reply points into
};

//  Replies can be larger and deeper than calls (lists of requests).
static const wfa_mp_limits_t s_reply_limits = { 64 * 1024 * 1024, 1024 * 1024, 1024 * 1024, 100000, 8 };

wfa_client_t *
wfa_client_new (const char *endpoints, const char *secret_path, int timeout_ms, int retries,
                char *why, size_t why_size)
{
    wfa_client_t *self = (wfa_client_t *) zmalloc (sizeof (wfa_client_t));
    assert (self);
    self->dealer = zsock_new (ZMQ_DEALER);
    assert (self->dealer);
    if (secret_path
    &&  wfa_keys_client (self->dealer, wfa_config_get (WFA_CFG_KEYS), secret_path, why, why_size)) {
        zsock_destroy (&self->dealer);
        free (self);
        return NULL;
    }
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndhwm (self->dealer, 100000);
    zsock_set_rcvhwm (self->dealer, 100000);
    char *list = strdup (endpoints);
    char *saveptr = NULL;
    for (char *endpoint = strtok_r (list, ",", &saveptr); endpoint;
         endpoint = strtok_r (NULL, ",", &saveptr))
        zsock_connect (self->dealer, "%s", endpoint);
    free (list);
    self->timeout_ms = timeout_ms;
    self->retries = retries > 0? retries: 1;
    self->next_id = ((uint64_t) getpid () << 32) | (uint64_t) (wfa_now_ms () & 0xffffff) << 8;
    wfa_mp_writer_init (&self->fields, &self->packer);
    return self;
}

void
wfa_client_destroy (wfa_client_t **self_p)
{
    assert (self_p);
    wfa_client_t *self = *self_p;
    if (self) {
        zsock_destroy (&self->dealer);
        zmsg_destroy (&self->last_reply);
        msgpack_sbuffer_destroy (&self->fields);
        free (self);
        *self_p = NULL;
    }
}

void
wfa_client_begin (wfa_client_t *self)
{
    msgpack_sbuffer_clear (&self->fields);
    self->field_count = 0;
}

msgpack_packer *
wfa_client_field (wfa_client_t *self, const char *key)
{
    wfa_mp_pack_str (&self->packer, key);
    self->field_count++;
    return &self->packer;
}

zsock_t *
wfa_client_sock (wfa_client_t *self)
{
    return self->dealer;
}

//  Send the current body under id (a number, or the string name when given).
static void
s_send (wfa_client_t *self, const char *command, uint64_t id, const char *name)
{
    msgpack_sbuffer body;
    msgpack_packer pk;
    wfa_mp_writer_map (&body, &pk, self->field_count + 2);
    wfa_mp_pack_kv_int (&pk, "v", 1);
    wfa_mp_pack_str (&pk, "id");
    if (name)
        wfa_mp_pack_str (&pk, name);
    else
        msgpack_pack_uint64 (&pk, id);
    msgpack_sbuffer_write (&body, self->fields.data, self->fields.size);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, command);
    zmsg_addmem (msg, body.data, body.size);
    if (zmsg_send (&msg, self->dealer))
        zmsg_destroy (&msg);
    msgpack_sbuffer_destroy (&body);
}

uint64_t
wfa_client_send (wfa_client_t *self, const char *command)
{
    uint64_t id = ++self->next_id;
    s_send (self, command, id, NULL);
    return id;
}

int
wfa_client_recv (wfa_client_t *self, int timeout_ms, uint64_t *id, msgpack_unpacked *unpacked)
{
    zsock_set_rcvtimeo (self->dealer, timeout_ms);
    zmsg_t *msg = zmsg_recv (self->dealer);
    if (!msg)
        return -1;
    int rc = -1;
    zframe_t *body = zmsg_size (msg) == 2? zmsg_last (msg): NULL;
    size_t offset = 0;
    if (body
    &&  wfa_mp_check (zframe_data (body), zframe_size (body), &s_reply_limits) == WFA_OK
    &&  msgpack_unpack_next (unpacked, (const char *) zframe_data (body), zframe_size (body),
                             &offset) == MSGPACK_UNPACK_SUCCESS) {
        int64_t reply_id = 0;
        *id = wfa_mp_int (wfa_mp_get (&unpacked->data, "id"), &reply_id) == 0?
              (uint64_t) reply_id: 0;
        const msgpack_object *raw = wfa_mp_get (&unpacked->data, "id");
        if (raw && raw->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            *id = raw->via.u64;
        rc = 0;
    }
    //  msgpack-c's objects point into the frame: keep it until the next reply
    zmsg_destroy (&self->last_reply);
    self->last_reply = msg;
    return rc;
}

int
wfa_client_call (wfa_client_t *self, const char *command, msgpack_unpacked *unpacked)
{
    uint64_t id = ++self->next_id;
    for (int try_nbr = 0; try_nbr < self->retries; try_nbr++) {
        s_send (self, command, id, NULL);
        int64_t deadline = wfa_now_ms () + self->timeout_ms;
        int64_t left = self->timeout_ms;
        while (left > 0) {
            uint64_t reply_id = 0;
            if (wfa_client_recv (self, (int) left, &reply_id, unpacked) == 0 && reply_id == id)
                return 0;
            left = deadline - wfa_now_ms ();
        }
    }
    return -1;
}

int
wfa_client_call_named (wfa_client_t *self, const char *command, const char *id,
                       int timeout_ms, int tries, msgpack_unpacked *unpacked)
{
    assert (id && *id);
    timeout_ms = timeout_ms > 0? timeout_ms: self->timeout_ms;
    tries = tries > 0? tries: self->retries;
    for (int try_nbr = 0; try_nbr < tries; try_nbr++) {
        s_send (self, command, 0, id);
        int64_t deadline = wfa_now_ms () + timeout_ms;
        int64_t left = timeout_ms;
        while (left > 0) {
            uint64_t reply_id = 0;
            if (wfa_client_recv (self, (int) left, &reply_id, unpacked) == 0
            &&  wfa_mp_streq (wfa_mp_get (&unpacked->data, "id"), id))
                return 0;
            left = deadline - wfa_now_ms ();
        }
    }
    return -1;
}

void
wfa_client_test (bool verbose)
{
    //  A fake server that answers the second try only
    zsock_t *server = zsock_new_router ("tcp://127.0.0.1:*");
    assert (server);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%s", strrchr (zsock_endpoint (server), ':') + 1);
    char why [256];
    wfa_client_t *client = wfa_client_new (endpoint, NULL, 200, 3, why, sizeof why);
    assert (client);
    //  A key that is not there: no client, and why
    assert (!wfa_client_new (endpoint, "/nonexistent/people/x.key", 200, 3, why, sizeof why));
    assert (strstr (why, "no such key"));
    wfa_client_begin (client);
    wfa_mp_pack_str (wfa_client_field (client, "key"), "k1");
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);

    zactor_t *peer = NULL;
    (void) peer;
    //  Send in the background by hand: first try, ignored
    uint64_t id = wfa_client_send (client, "TEST.X");
    zmsg_t *msg = zmsg_recv (server);
    assert (msg && zmsg_size (msg) == 3);
    zmsg_destroy (&msg);
    //  Nothing answers: recv times out cleanly
    uint64_t got = 0;
    assert (wfa_client_recv (client, 50, &got, &reply) == -1);

    //  Now answer with the id we saw
    id = wfa_client_send (client, "TEST.X");
    msg = zmsg_recv (server);
    zframe_t *identity = zmsg_pop (msg);
    zmsg_destroy (&msg);
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 2);
    wfa_mp_pack_str (&pk, "id");
    msgpack_pack_uint64 (&pk, id);
    wfa_mp_pack_kv_str (&pk, "status", "ok");
    msg = zmsg_new ();
    zmsg_append (msg, &identity);
    zmsg_addstr (msg, "TEST.X");
    zmsg_addmem (msg, buffer.data, buffer.size);
    zmsg_send (&msg, server);
    assert (wfa_client_recv (client, 1000, &got, &reply) == 0 && got == id);
    assert (wfa_mp_streq (wfa_mp_get (&reply.data, "status"), "ok"));

    //  A synchronous call against silence times out after its tries
    int64_t started = wfa_now_ms ();
    assert (wfa_client_call (client, "TEST.X", &reply) == -1);
    assert (wfa_now_ms () - started >= 550);
    //  All three tries carried the same id and key
    uint64_t seen_id = 0;
    for (int try_nbr = 0; try_nbr < 3; try_nbr++) {
        msg = zmsg_recv (server);
        zframe_t *body = zmsg_last (msg);
        msgpack_unpacked call;
        msgpack_unpacked_init (&call);
        size_t offset = 0;
        msgpack_unpack_next (&call, (const char *) zframe_data (body), zframe_size (body), &offset);
        assert (wfa_mp_streq (wfa_mp_get (&call.data, "key"), "k1"));
        const msgpack_object *call_id = wfa_mp_get (&call.data, "id");
        assert (try_nbr == 0 || call_id->via.u64 == seen_id);
        seen_id = call_id->via.u64;
        msgpack_unpacked_destroy (&call);
        zmsg_destroy (&msg);
    }
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&reply);
    wfa_client_destroy (&client);
    zsock_destroy (&server);
    if (verbose)
        printf ("wfa_client: ok\n");
}
