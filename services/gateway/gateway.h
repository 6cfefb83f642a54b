/*  gateway.h - wfa-gateway, the HTTP/JSON door: its route table (generated
    from docs/openapi.yaml), the HTTP status of each reply code, and the rate
    limit shared by every gateway through Redis.

    A request goes down once: route (404/405), credential (401), rate limit
    (429), the call's fields from path, query and JSON body (400/413), one
    native call with the gateway's key acting "as" the credential's person or
    integrator account (Lazy Pirate retries with the same idempotency key),
    and back up as JSON with the status of the reply's code. */
#ifndef GATEWAY_H_INCLUDED
#define GATEWAY_H_INCLUDED

#include "wfa.h"

//  Where a parameter comes from
typedef enum { GW_IN_PATH, GW_IN_QUERY } gw_in_t;

//  What a parameter's text becomes in the call
typedef enum { GW_TYPE_STRING, GW_TYPE_INTEGER, GW_TYPE_BOOLEAN } gw_type_t;

typedef struct {
    const char *name;           //  Parameter name, also the call field's
    gw_in_t in;                 //  Path or query
    gw_type_t type;             //  From its schema
    bool required;              //  A path parameter always is
} gw_param_t;

typedef struct {
    const char *method;         //  "GET" or "POST"
    const char *path;           //  Template, e.g. "/v1/requests/{request_id}"
    const char *operation;      //  operationId: the metrics' and logs' route label
    const char *command;        //  Native command (x-fleksi-command), or NULL
    const char *local;          //  The gateway's own handler (x-fleksi-local), or NULL
    bool body;                  //  A JSON object body is expected
    const char *bins;           //  Body fields sent as bin (x-fleksi-bin), space-separated, or NULL
    const gw_param_t *params;   //  Ends with a NULL name
    const char *render;         //  The reply as a document (x-fleksi-render: html, csv, xlsx), or NULL: JSON
} gw_route_t;

//  The largest request body, as the native protocol's largest call (1 MiB).
#define GW_BODY_MAX (1024 * 1024)

//  Longest path segments a template or URL may have.
#define GW_SEGMENTS_MAX 16

//  -------------------------------------------------------------------------
//  route.c

//  The route for method and path: the route, with its path parameters'
//  values. NULL when none: then *status is 404 (no such path) or 405 (the
//  path exists with other methods, listed comma-separated in allow).
typedef struct {
    const char *names [GW_SEGMENTS_MAX];    //  Path parameters matched
    char *values [GW_SEGMENTS_MAX];         //  Their values (point into the copy)
    size_t count;
    char copy [2048];                       //  The path, cut into segments
} gw_match_t;

const gw_route_t *gw_route_find (const char *method, const char *path, gw_match_t *match,
                                 int *status, char *allow, size_t allow_size);

//  Every route of the table, ending with a NULL method.
const gw_route_t *gw_routes (void);

//  The text of docs/openapi.yaml the table was generated from.
const char *gw_openapi_text (void);

//  The value of query argument name, NULL if absent; given by the caller.
typedef const char *(gw_query_fn) (void *arg, const char *name);

//  Pack the call fields of route into client (after wfa_client_begin): its
//  path parameters from match, its query parameters (converted by type),
//  and the JSON object body's fields. WFA_OK, or the code and field of the
//  first problem (MISSING_FIELD, WRONG_TYPE, BAD_FIELD, BAD_JSON, TOO_LARGE).
wfa_code_t gw_route_fields (const gw_route_t *route, const gw_match_t *match,
                            gw_query_fn *query, void *query_arg, zlist_t *query_names,
                            const json_t *body, wfa_client_t *client,
                            char *field, size_t field_size);

void gw_route_test (bool verbose);

//  -------------------------------------------------------------------------
//  static.c: the dashboard's files (a fixed table, no credential)

typedef struct {
    const char *url;            //  Exact path, e.g. "/dash/app.js"
    const char *file;           //  Its file in the web folder, NULL: redirect to /dash/
    const char *type;           //  Content-Type
} gw_static_t;

//  The file served at url, or NULL.
const gw_static_t *gw_static_find (const char *url);

//  The file's bytes (free them), NULL if it cannot be read.
char *gw_static_read (const gw_static_t *file, size_t *size);

//  -------------------------------------------------------------------------
//  status.c

//  The HTTP status of a reply code (by its wire name): the one table of
//  docs/protocol.md, "HTTP".
int gw_status (const char *code);

//  Print the table, one "CODE STATUS" line per code, for the docs' test.
void gw_status_print (FILE *stream);

//  "en" or "id" for an Accept-Language header value (NULL: "id").
const char *gw_lang (const char *accept_language);

//  The prefix of the request ids the gateway makes; a client's id may not
//  start with it.
#define GW_ID_PREFIX "gw-"

//  True if text is a request id a client may choose: 1-64 of [A-Za-z0-9._-],
//  not starting with GW_ID_PREFIX.
bool gw_request_id_valid (const char *text);

//  The longest call id: the native protocol's limit.
#define GW_CALL_ID_MAX 64

//  The correlation id of one call: as much of the request id as fits, then
//  "." and sequence in hex. Only replies with exactly this id are taken, so a
//  late reply to an earlier call (a client may choose its request id, and
//  reuse it) is never taken for another's. buffer holds GW_CALL_ID_MAX + 1.
void gw_call_id (char *buffer, size_t size, const char *request_id, uint64_t sequence);

void gw_status_test (bool verbose);

//  -------------------------------------------------------------------------
//  rate.c

//  Take one request from the limits of subject and of pemda (one FCALL of
//  gateway_rate.lua, so every gateway shares them). 0 when allowed; 1 when
//  refused, with the seconds to wait in *retry_after; -1 when Redis cannot
//  be reached.
int gw_rate_take (wfa_redis_t *redis, const char *subject, const char *pemda, int *retry_after);

//  0 if the rate options make sense (a burst of at least 1 wherever a rate
//  is set); else -1 with why.
int gw_rate_config_check (char *why, size_t size);

void gw_rate_test (bool verbose);

#endif
