/*  route.c - the gateway's routes: the table generated from docs/openapi.yaml
    (tools/build/routes.py), matching a method and path against it, and the
    call fields of a request from its path, query and JSON body. */
#include "gateway.h"

#include "gateway_routes.inc"

static const char s_openapi [] =
#include "gateway_openapi.inc"

//  Fields a body may not carry: the call's envelope, which the gateway fills
static const char *s_reserved [] = { "v", "id", "key", "as", "lang", NULL };

const gw_route_t *
gw_routes (void)
{
    return s_routes;
}

const char *
gw_openapi_text (void)
{
    return s_openapi;
}

//  Cut path (copied into buf) at '/' into segments; their count, or -1 if
//  there are too many or one is empty.
static int
s_segments (const char *path, char *buf, size_t size, char **segments)
{
    if (strlen (path) >= size || *path != '/')
        return -1;
    strcpy (buf, path);
    int count = 0;
    char *cursor = buf + 1;
    while (true) {
        if (count == GW_SEGMENTS_MAX)
            return -1;
        segments [count++] = cursor;
        char *slash = strchr (cursor, '/');
        if (!slash)
            break;
        *slash = 0;
        cursor = slash + 1;
    }
    for (int segment_nbr = 0; segment_nbr < count; segment_nbr++)
        if (!*segments [segment_nbr])
            return -1;
    return count;
}

//  True if the template matches the URL's segments; fills match's
//  parameters. *literal counts the segments matched literally.
static bool
s_match (const char *template, char **segments, int count, gw_match_t *match, int *literal)
{
    char buf [512];
    char *parts [GW_SEGMENTS_MAX];
    int part_count = s_segments (template, buf, sizeof buf, parts);
    if (part_count != count)
        return false;
    *literal = 0;
    if (match)
        match->count = 0;
    for (int part_nbr = 0; part_nbr < count; part_nbr++) {
        char *part = parts [part_nbr];
        size_t len = strlen (part);
        //  A parameter with a literal extension, "{period}.html": the
        //  segment ends with the extension (a literal match), the rest is the value
        const char *close = part [0] == '{'? strchr (part, '}'): NULL;
        if (close && close [1] == '.' && close - part > 1) {
            size_t extension = strlen (close + 1), given = strlen (segments [part_nbr]);
            if (given <= extension || !streq (segments [part_nbr] + given - extension, close + 1))
                return false;
            (*literal)++;
            if (match) {
                match->names [match->count] = strstr (template, part) + 1;
                segments [part_nbr][given - extension] = 0;
                match->values [match->count++] = segments [part_nbr];
            }
        }
        else
        if (len > 2 && part [0] == '{' && part [len - 1] == '}') {
            if (match) {
                //  The name points into the template in the table, up to its '}'
                const char *name = strstr (template, part) + 1;
                match->names [match->count] = name;
                match->values [match->count++] = segments [part_nbr];
            }
        }
        else
        if (streq (part, segments [part_nbr]))
            (*literal)++;
        else
            return false;
    }
    return true;
}

const gw_route_t *
gw_route_find (const char *method, const char *path, gw_match_t *match, int *status,
               char *allow, size_t allow_size)
{
    assert (method && path && match && status && allow && allow_size);
    *allow = 0;
    *status = 404;
    char *segments [GW_SEGMENTS_MAX];
    int count = s_segments (path, match->copy, sizeof match->copy, segments);
    if (count < 0)
        return NULL;
    //  The route of this method that matches most segments literally
    const gw_route_t *best = NULL;
    int best_literal = -1;
    for (const gw_route_t *route = s_routes; route->method; route++) {
        int literal = 0;
        if (!s_match (route->path, segments, count, NULL, &literal))
            continue;
        if (streq (route->method, method)) {
            if (literal > best_literal) {
                best = route;
                best_literal = literal;
            }
        }
        else
        if (!strstr (allow, route->method)) {
            size_t used = strlen (allow);
            snprintf (allow + used, allow_size - used, "%s%s", used? ", ": "", route->method);
        }
    }
    if (!best) {
        *status = *allow? 405: 404;
        return NULL;
    }
    int literal = 0;
    s_match (best->path, segments, count, match, &literal);
    *status = 200;
    return best;
}

//  Pack a parameter's text as its type; -1 if it does not convert.
static int
s_pack_param (msgpack_packer *pk, const gw_param_t *param, const char *text)
{
    if (param->type == GW_TYPE_STRING) {
        wfa_mp_pack_str (pk, text);
        return 0;
    }
    if (param->type == GW_TYPE_BOOLEAN) {
        if (streq (text, "true"))
            msgpack_pack_true (pk);
        else
        if (streq (text, "false"))
            msgpack_pack_false (pk);
        else
            return -1;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long value = strtoll (text, &end, 10);
    if (!*text || *end || errno || isspace ((unsigned char) *text))
        return -1;
    msgpack_pack_int64 (pk, value);
    return 0;
}

//  The name of a path parameter as it appears in a template: up to '}'.
static bool
s_name_is (const char *template_name, const char *name)
{
    size_t len = strlen (name);
    return strncmp (template_name, name, len) == 0 && template_name [len] == '}';
}

//  The route's parameter named name in place in, or NULL.
static const gw_param_t *
s_param (const gw_route_t *route, const char *name, gw_in_t in)
{
    for (const gw_param_t *param = route->params; param->name; param++)
        if (param->in == in && streq (param->name, name))
            return param;
    return NULL;
}

//  True if the route sends its body's field name as bin.
static bool
s_is_bin (const gw_route_t *route, const char *name)
{
    size_t len = strlen (name);
    for (const char *at = route->bins; at && *at; ) {
        const char *end = strchr (at, ' ');
        size_t word = end? (size_t) (end - at): strlen (at);
        if (word == len && memcmp (at, name, len) == 0)
            return true;
        at = end? end + 1: at + word;
    }
    return false;
}

static wfa_code_t
s_problem (wfa_code_t code, const char *name, char *field, size_t field_size)
{
    snprintf (field, field_size, "%s", name);
    return code;
}

wfa_code_t
gw_route_fields (const gw_route_t *route, const gw_match_t *match,
                 gw_query_fn *query, void *query_arg, zlist_t *query_names,
                 const json_t *body, wfa_client_t *client, char *field, size_t field_size)
{
    *field = 0;
    //  Every query argument must be one the route declares
    for (const char *name = query_names? (const char *) zlist_first (query_names): NULL; name;
         name = (const char *) zlist_next (query_names))
        if (!s_param (route, name, GW_IN_QUERY))
            return s_problem (WFA_E_BAD_FIELD, name, field, field_size);
    for (const gw_param_t *param = route->params; param->name; param++) {
        const char *text = NULL;
        if (param->in == GW_IN_PATH) {
            for (size_t value_nbr = 0; value_nbr < match->count && !text; value_nbr++)
                if (s_name_is (match->names [value_nbr], param->name))
                    text = match->values [value_nbr];
        }
        else
            text = query (query_arg, param->name);
        if (!text || !*text) {
            if (param->required)
                return s_problem (WFA_E_MISSING_FIELD, param->name, field, field_size);
            continue;
        }
        if (strlen (text) > wfa_mp_protocol_limits.max_str)
            return s_problem (WFA_E_TOO_LARGE, param->name, field, field_size);
        if (param->type != GW_TYPE_STRING) {
            //  Check the conversion before the key is packed
            msgpack_sbuffer scratch;
            msgpack_packer pk;
            wfa_mp_writer_init (&scratch, &pk);
            int rc = s_pack_param (&pk, param, text);
            msgpack_sbuffer_destroy (&scratch);
            if (rc)
                return s_problem (WFA_E_WRONG_TYPE, param->name, field, field_size);
        }
        s_pack_param (wfa_client_field (client, param->name), param, text);
    }
    if (!body)
        return WFA_OK;
    if (!json_is_object (body))
        return s_problem (WFA_E_BAD_JSON, "", field, field_size);
    if (json_object_size (body) > wfa_mp_protocol_limits.max_items)
        return s_problem (WFA_E_TOO_LARGE, "", field, field_size);
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *) body, key, value) {
        for (int reserved_nbr = 0; s_reserved [reserved_nbr]; reserved_nbr++)
            if (streq (key, s_reserved [reserved_nbr]))
                return s_problem (WFA_E_BAD_FIELD, key, field, field_size);
        //  A field named twice (in the path or query and in the body)
        if (s_param (route, key, GW_IN_PATH) || s_param (route, key, GW_IN_QUERY))
            return s_problem (WFA_E_BAD_FIELD, key, field, field_size);
        if (json_is_null (value))
            return s_problem (WFA_E_WRONG_TYPE, key, field, field_size);
    }
    //  Each member: a file's text (x-fleksi-bin) as bin, within the bin limit; any
    //  other value one to one within the str, entry and depth limits (the body
    //  itself is the first level). A failed pack leaves the call half-packed: it
    //  is never sent, and wfa_client_begin starts the next one afresh.
    wfa_mp_limits_t limits = wfa_mp_protocol_limits;
    limits.max_depth--;
    wfa_code_t code = WFA_OK;
    json_object_foreach ((json_t *) body, key, value) {
        if (strlen (key) > wfa_mp_protocol_limits.max_str)
            return s_problem (WFA_E_TOO_LARGE, "", field, field_size);
        msgpack_packer *pk = wfa_client_field (client, key);
        if (s_is_bin (route, key)) {
            if (!json_is_string (value))
                return s_problem (WFA_E_WRONG_TYPE, key, field, field_size);
            size_t size = json_string_length (value);
            if (size > wfa_mp_protocol_limits.max_bin)
                return s_problem (WFA_E_TOO_LARGE, key, field, field_size);
            msgpack_pack_bin (pk, size);
            msgpack_pack_bin_body (pk, json_string_value (value), size);
            continue;
        }
        char inner [256];
        code = wfa_json_pack (value, pk, &limits, inner, sizeof inner);
        if (code != WFA_OK)
            return s_problem (code, key, field, field_size);
    }
    return code;
}

//  A query of the selftest: "limit" and "cursor" from a fixed list.
static const char *
s_test_query (void *arg, const char *name)
{
    const char **pairs = (const char **) arg;
    for (int pair_nbr = 0; pairs [pair_nbr]; pair_nbr += 2)
        if (streq (pairs [pair_nbr], name))
            return pairs [pair_nbr + 1];
    return NULL;
}

void
gw_route_test (bool verbose)
{
    gw_match_t match;
    int status = 0;
    char allow [64];
    //  A template with a parameter; a literal beats a template
    const gw_route_t *route = gw_route_find ("GET", "/v1/requests/REQ-35.08-000001", &match,
                                             &status, allow, sizeof allow);
    assert (route && status == 200 && streq (route->command, "REQUEST.GET"));
    assert (match.count == 1 && s_name_is (match.names [0], "request_id"));
    assert (streq (match.values [0], "REQ-35.08-000001"));
    route = gw_route_find ("POST", "/v1/employees/import", &match, &status, allow, sizeof allow);
    assert (route && streq (route->command, "EMPLOYEE.IMPORT") && route->body);
    route = gw_route_find ("GET", "/v1/health", &match, &status, allow, sizeof allow);
    assert (route && streq (route->local, "health"));
    //  A parameter with a literal extension beats the bare parameter; its value is the rest
    route = gw_route_find ("GET", "/v1/pemda/35.08/reports/2026-12.csv", &match, &status, allow, sizeof allow);
    assert (route && streq (route->render, "csv") && match.count == 2);
    assert (s_name_is (match.names [1], "period") && streq (match.values [1], "2026-12"));
    route = gw_route_find ("GET", "/v1/pemda/35.08/reports/2026-12", &match, &status, allow, sizeof allow);
    assert (route && !route->render && streq (match.values [1], "2026-12"));
    route = gw_route_find ("GET", "/v1/pemda/35.08/reports/.csv", &match, &status, allow, sizeof allow);
    assert (route && !route->render && streq (match.values [1], ".csv"));
    //  Unknown path, wrong method, empty segments
    assert (!gw_route_find ("GET", "/v1/nothing", &match, &status, allow, sizeof allow));
    assert (status == 404);
    assert (!gw_route_find ("DELETE", "/v1/requests", &match, &status, allow, sizeof allow));
    assert (status == 405 && strstr (allow, "GET") && strstr (allow, "POST"));
    assert (!gw_route_find ("GET", "/v1//requests", &match, &status, allow, sizeof allow));
    assert (status == 404);

    //  Fields: path, query converted, body; the envelope refused
    char field [64];
    wfa_client_t *client = wfa_client_new ("tcp://127.0.0.1:1", NULL, 100, 1, field, sizeof field);
    assert (client);
    route = gw_route_find ("GET", "/v1/requests", &match, &status, allow, sizeof allow);
    const char *good [] = { "limit", "10", "state", "pending", NULL };
    zlist_t *names = zlist_new ();
    zlist_append (names, (void *) "limit");
    zlist_append (names, (void *) "state");
    wfa_client_begin (client);
    assert (gw_route_fields (route, &match, s_test_query, good, names, NULL, client,
                             field, sizeof field) == WFA_OK);
    const char *bad [] = { "limit", "ten", NULL };
    assert (gw_route_fields (route, &match, s_test_query, bad, NULL, NULL, client,
                             field, sizeof field) == WFA_E_WRONG_TYPE && streq (field, "limit"));
    zlist_append (names, (void *) "colour");
    assert (gw_route_fields (route, &match, s_test_query, good, names, NULL, client,
                             field, sizeof field) == WFA_E_BAD_FIELD && streq (field, "colour"));
    zlist_destroy (&names);
    route = gw_route_find ("POST", "/v1/requests/R1/decision", &match, &status, allow, sizeof allow);
    json_error_t error;
    json_t *body = json_loads ("{\"decision\":\"approve\",\"as\":\"x\"}", 0, &error);
    assert (gw_route_fields (route, &match, s_test_query, good, NULL, body, client,
                             field, sizeof field) == WFA_E_BAD_FIELD && streq (field, "as"));
    json_decref (body);
    body = json_loads ("{\"decision\":\"approve\",\"request_id\":\"R2\"}", 0, &error);
    assert (gw_route_fields (route, &match, s_test_query, good, NULL, body, client,
                             field, sizeof field) == WFA_E_BAD_FIELD && streq (field, "request_id"));
    json_decref (body);
    body = json_loads ("{\"decision\":null}", 0, &error);
    assert (gw_route_fields (route, &match, s_test_query, good, NULL, body, client,
                             field, sizeof field) == WFA_E_WRONG_TYPE && streq (field, "decision"));
    json_decref (body);
    body = json_loads ("[1]", 0, &error);
    assert (gw_route_fields (route, &match, s_test_query, good, NULL, body, client,
                             field, sizeof field) == WFA_E_BAD_JSON);
    json_decref (body);
    body = json_loads ("{\"decision\":\"approve\",\"tasks_fit\":true}", 0, &error);
    assert (gw_route_fields (route, &match, s_test_query, good, NULL, body, client,
                             field, sizeof field) == WFA_OK);
    json_decref (body);
    wfa_client_destroy (&client);
    //  The file is served as generated
    assert (strncmp (gw_openapi_text (), "openapi: 3.1", 12) == 0);
    if (verbose)
        printf ("gw_route: ok\n");
}
