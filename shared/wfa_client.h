/*  wfa_client.h - the client side of the protocol: calls with
    correlation ids, timeouts and retries (Lazy Pirate).

    A call's fields are packed by the caller with wfa_client_field; the
    client adds v and id. A retry resends the same bytes, so the same
    idempotency key travels again and the service answers once. */
#ifndef WFA_CLIENT_H_INCLUDED
#define WFA_CLIENT_H_INCLUDED

typedef struct _wfa_client_t wfa_client_t;

//  Connect a DEALER to each endpoint (comma-separated), signed in with the
//  secret certificate at secret_path and the broker's key from WFA_KEYS
//  (NULL: no CURVE, for tests against a plain socket). NULL, with the
//  reason logged and in why, when a key is missing.
wfa_client_t *wfa_client_new (const char *endpoints, const char *secret_path, int timeout_ms,
                              int retries, char *why, size_t why_size);

void wfa_client_destroy (wfa_client_t **self_p);

//  Start a new call body: forget fields packed before.
void wfa_client_begin (wfa_client_t *self);

//  Pack a field key; returns the packer for its value.
msgpack_packer *wfa_client_field (wfa_client_t *self, const char *key);

//  Send the body built since wfa_client_begin as command, without waiting.
//  Returns the correlation id.
uint64_t wfa_client_send (wfa_client_t *self, const char *command);

//  Wait up to timeout_ms for any reply; on success fills *id and unpacked
//  (caller inits/destroys it) and returns 0; -1 on timeout or a malformed reply.
//  The decoded reply stays valid until the next recv or call on this client.
int wfa_client_recv (wfa_client_t *self, int timeout_ms, uint64_t *id, msgpack_unpacked *unpacked);

//  Send the body built since wfa_client_begin and wait for its reply,
//  retrying on timeout. Returns 0 with the reply in unpacked, or -1
//  after every try timed out.
int wfa_client_call (wfa_client_t *self, const char *command, msgpack_unpacked *unpacked);

//  The same, with a string correlation id (1-64 bytes, e.g. an HTTP request
//  id) that the reply must echo, and tries of timeout_ms each (0 for either:
//  the client's own).
int wfa_client_call_named (wfa_client_t *self, const char *command, const char *id,
                           int timeout_ms, int tries, msgpack_unpacked *unpacked);

//  The zsock of the client, for polling.
zsock_t *wfa_client_sock (wfa_client_t *self);

void wfa_client_test (bool verbose);

#endif
