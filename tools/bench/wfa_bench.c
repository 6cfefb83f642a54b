/*  wfa-bench - load generator on the native protocol.

    wfa-bench --endpoint E --pemda CODE --employees FILE.csv
              [--requests N] [--concurrency C] [--after-flow COMMAND]
    Drives N requests through submit -> decide -> inbox with C calls in
    flight, then the monev phases on the approved ones (check in, daily
    report, and MONEV.GET of the pemda as a national reader), and prints,
    per phase, calls/s and latency p50/p99; then the end-to-end rate
    (first submit to last decision seen in an inbox).
    The employees file is the one the system was loaded with: requests
    are made by employees with a supervisor, and decided through the
    default chain: that supervisor (with the assessment), the kepala OPD
    of their OPD (with the proposal), a BKD officer (the decision).
    --after-flow runs COMMAND (through the shell) once the flows are done
    and before the monev phases: bench.sh uses it to read what Redis did
    for the workflows alone.
    --gateway URL drives the same flows through the HTTP gateway at URL
    instead (libcurl, the same number in flight; each person signs in with
    their bearer credential from the --tokens FILE, lines "NIP TOKEN",
    which tools/bench/bench_tokens.py makes), without the monev phases; --first-week W moves every
    request W weeks later, so a second run in the same system asks for
    days of its own. */
#include "wfa.h"

//  libcurl is the bench's alone: no other program links it
#include <curl/curl.h>

typedef struct {
    char nip [19];              //  Employee
    char supervisor [19];       //  Who decides the atasan step
    char kepala [19];           //  Who decides the kepala_opd step
    char bkd [19];              //  Who decides the bkd step
    int step;                   //  Chain step the decide phase is at: 0, 1, 2
    char request_id [32];       //  Filled by submit
    int64_t sent_at;            //  When the current call left, µs
    int attempts;               //  Tries of the current call
    bool done;                  //  Current phase done for it
    int week;                   //  This employee's n-th request: its own week
} s_flow_t;

static int s_first_week;        //  --first-week: weeks every request moves later
static zhashx_t *s_bearers;     //  --tokens: NIP -> bearer credential

static int64_t
s_now_us (void)
{
    return zclock_usecs ();
}

static int
s_compare_i64 (const void *left, const void *right)
{
    int64_t a = *(const int64_t *) left, b = *(const int64_t *) right;
    return a < b? -1: a > b? 1: 0;
}

//  Pack a write's idempotency key, RUN-TAG-FLOW (with -STEP when step_nbr
//  is not negative), and who acts.
static void
s_pack_key_as (wfa_client_t *client, const char *run_key, const char *tag, int flow_nbr,
               int step_nbr, const char *as)
{
    char key [64];
    if (step_nbr >= 0)
        snprintf (key, sizeof key, "%s-%s-%d-%d", run_key, tag, flow_nbr, step_nbr);
    else
        snprintf (key, sizeof key, "%s-%s-%d", run_key, tag, flow_nbr);
    wfa_mp_pack_str (wfa_client_field (client, "key"), key);
    wfa_mp_pack_str (wfa_client_field (client, "as"), as);
}

//  Pack and send the call of a phase for one flow; returns its correlation id.
static uint64_t
s_send (wfa_client_t *client, int phase, s_flow_t *flow, int flow_nbr, const char *run_key)
{
    const char *command;
    wfa_client_begin (client);
    if (phase == 0) {
        s_pack_key_as (client, run_key, "s", flow_nbr, -1, flow->nip);
        wfa_mp_pack_str (wfa_client_field (client, "kind"), "rumah");
        //  The Monday of a week of its own for each of an employee's
        //  requests (flow_nbr / employees), so the load keeps the weekly cap
        int today = wfa_date_today (WFA_TZ_WIB);
        int monday = today + 7 - (wfa_date_weekday (today) + 6) % 7;
        int day = monday + 7 * (flow->week + s_first_week + 1);
        char date [11];
        wfa_date_format (day, date);
        msgpack_packer *pk = wfa_client_field (client, "dates");
        msgpack_pack_array (pk, 1);
        wfa_mp_pack_str (pk, date);
        wfa_mp_pack_str (wfa_client_field (client, "location"), "Rumah, sesuai data kepegawaian");
        wfa_mp_pack_str (wfa_client_field (client, "reason"), "Penyusunan laporan triwulan");
        pk = wfa_client_field (client, "plan");
        msgpack_pack_array (pk, 2);
        wfa_mp_pack_str (pk, "Draf laporan bab 1-2");
        wfa_mp_pack_str (pk, "Rekap data capaian");
        command = "REQUEST.SUBMIT";
    }
    else
    if (phase == 1) {
        //  Each step of the chain as its approver, with what the step records;
        //  one in five is rejected by the atasan
        s_pack_key_as (client, run_key, "d", flow_nbr, flow->step,
                       flow->step == 0? flow->supervisor: flow->step == 1? flow->kepala: flow->bkd);
        wfa_mp_pack_str (wfa_client_field (client, "request_id"), flow->request_id);
        wfa_mp_pack_str (wfa_client_field (client, "decision"), flow_nbr % 5? "approve": "reject");
        if (flow->step == 0) {
            msgpack_pack_true (wfa_client_field (client, "tasks_fit"));
            msgpack_pack_true (wfa_client_field (client, "targets_measurable"));
        }
        else
        if (flow->step == 1) {
            msgpack_pack_true (wfa_client_field (client, "service_continues"));
            msgpack_pack_true (wfa_client_field (client, "capacity_ok"));
        }
        command = "APPROVAL.DECIDE";
    }
    else
    if (phase == 2) {
        wfa_mp_pack_str (wfa_client_field (client, "as"), flow->nip);
        msgpack_pack_int (wfa_client_field (client, "limit"), 1000);
        command = "INBOX.LIST";
    }
    else
    if (phase == 3) {
        s_pack_key_as (client, run_key, "c", flow_nbr, -1, flow->nip);
        msgpack_pack_double (wfa_client_field (client, "lat"), -8.1335);
        msgpack_pack_double (wfa_client_field (client, "lon"), 113.2248);
        command = "CHECKIN.IN";
    }
    else
    if (phase == 4) {
        s_pack_key_as (client, run_key, "r", flow_nbr, -1, flow->nip);
        msgpack_packer *pk = wfa_client_field (client, "activities");
        msgpack_pack_array (pk, 2);
        for (int item_nbr = 0; item_nbr < 2; item_nbr++) {
            msgpack_pack_map (pk, 4);
            wfa_mp_pack_kv_str (pk, "activity", item_nbr? "Rekap data capaian": "Draf laporan bab 1-2");
            wfa_mp_pack_kv_str (pk, "output", "Dokumen");
            wfa_mp_pack_kv_int (pk, "quantity", 1 + item_nbr);
            wfa_mp_pack_kv_str (pk, "rhk", "RHK-1");
        }
        command = "REPORT.SUBMIT";
    }
    else {
        //  The month's figures of the whole pemda, as a national reader
        char from [11], to [11];
        int today = wfa_date_today (WFA_TZ_WIB);
        wfa_date_format (today - 15, from);
        wfa_date_format (today + 15, to);
        wfa_mp_pack_str (wfa_client_field (client, "as"), flow->nip);
        wfa_mp_pack_str (wfa_client_field (client, "pemda"), flow->supervisor);
        wfa_mp_pack_str (wfa_client_field (client, "from"), from);
        wfa_mp_pack_str (wfa_client_field (client, "to"), to);
        command = "MONEV.GET";
    }
    flow->sent_at = s_now_us ();
    flow->attempts++;
    return wfa_client_send (client, command);
}

//  True if the inbox reply holds a decision entry for the flow's request.
static bool
s_inbox_has (const msgpack_object *reply, const char *request_id)
{
    const msgpack_object *entries = wfa_mp_get (reply, "entries");
    for (uint32_t entry_nbr = 0; entries && entries->type == MSGPACK_OBJECT_ARRAY
         && entry_nbr < entries->via.array.size; entry_nbr++) {
        const msgpack_object *entry = &entries->via.array.ptr [entry_nbr];
        if (wfa_mp_streq (wfa_mp_get (entry, "request_id"), request_id)
        && !wfa_mp_streq (wfa_mp_get (entry, "type"), "approval.pending"))
            return true;
    }
    return false;
}

//  Run one phase over all flows with concurrency in flight. Returns 0 if
//  every flow finished the phase.
static int
s_phase (wfa_client_t *client, int phase, s_flow_t *flows, int count, int concurrency,
         const char *run_key, const char *name)
{
    //  In flight: correlation id -> flow index + 1
    int64_t *latencies = (int64_t *) calloc (count + 1, sizeof (int64_t));
    size_t latency_count = 0;
    zhashx_t *inflight = zhashx_new ();
    int next = 0, finished = 0, failures = 0, retries = 0;
    for (int flow_nbr = 0; flow_nbr < count; flow_nbr++) {
        flows [flow_nbr].done = false;
        flows [flow_nbr].attempts = 0;
    }
    zlistx_t *again = zlistx_new ();        //  Flows to send again (not yet ready)
    int64_t started = s_now_us ();
    msgpack_unpacked reply;
    msgpack_unpacked_init (&reply);
    while (finished + failures < count) {
        while ((int) zhashx_size (inflight) < concurrency && (next < count || zlistx_size (again))) {
            int flow_nbr;
            if (zlistx_size (again))
                flow_nbr = (int) (intptr_t) zlistx_detach (again, NULL) - 1;
            else
                flow_nbr = next++;
            uint64_t id = s_send (client, phase, &flows [flow_nbr], flow_nbr, run_key);
            char id_key [32];
            snprintf (id_key, sizeof id_key, "%" PRIu64, id);
            zhashx_insert (inflight, id_key, (void *) (intptr_t) (flow_nbr + 1));
        }
        uint64_t id = 0;
        if (wfa_client_recv (client, 5000, &id, &reply)) {
            fprintf (stderr, "wfa-bench: %s: no reply in 5 s, %zu calls lost\n", name,
                     zhashx_size (inflight));
            failures += (int) zhashx_size (inflight);
            break;
        }
        const msgpack_object *map = &reply.data;
        char id_key [32];
        snprintf (id_key, sizeof id_key, "%" PRIu64, id);
        int flow_nbr = (int) (intptr_t) zhashx_lookup (inflight, id_key) - 1;
        if (flow_nbr < 0)
            continue;           //  A late reply to an abandoned call
        zhashx_delete (inflight, id_key);
        s_flow_t *flow = &flows [flow_nbr];
        int64_t latency = s_now_us () - flow->sent_at;
        int finished_before = finished + failures;
        bool ok = wfa_mp_streq (wfa_mp_get (map, "status"), "ok");
        const msgpack_object *request_id = wfa_mp_get (map, "request_id");
        if (phase == 0 && ok && request_id && request_id->type == MSGPACK_OBJECT_STR) {
            snprintf (flow->request_id, sizeof flow->request_id, "%.*s",
                      (int) request_id->via.str.size, request_id->via.str.ptr);
            finished++;
        }
        else
        if (phase == 1 && (ok || (wfa_mp_streq (wfa_mp_get (map, "code"), "NOT_PENDING")
                                  && flow->attempts < 200))) {
            if (ok && wfa_mp_streq (wfa_mp_get (map, "state"), "pending") && flow->step < 2) {
                flow->step++;           //  The next step of the chain is open at once
                zlistx_add_end (again, (void *) (intptr_t) (flow_nbr + 1));
            }
            else
            if (ok)
                finished++;
            else {
                retries++;
                zlistx_add_end (again, (void *) (intptr_t) (flow_nbr + 1));
                zclock_sleep (1);
            }
        }
        else
        if (phase == 2 && ok && s_inbox_has (map, flow->request_id))
            finished++;
        else
        if (phase == 2 && ok && flow->attempts < 500) {
            retries++;
            zlistx_add_end (again, (void *) (intptr_t) (flow_nbr + 1));
            zclock_sleep (1);
        }
        else
        if (phase >= 3 && ok)
            finished++;
        else {
            const msgpack_object *code = wfa_mp_get (map, "code");
            fprintf (stderr, "wfa-bench: %s flow %d failed: %.*s\n", name, flow_nbr,
                     code? (int) code->via.str.size: 1, code? code->via.str.ptr: "?");
            failures++;
        }
        //  One latency per flow: the call that ended its phase
        if (finished + failures > finished_before && latency_count < (size_t) count)
            latencies [latency_count++] = latency;
    }
    int64_t elapsed = s_now_us () - started;
    qsort (latencies, latency_count, sizeof (int64_t), s_compare_i64);
    double rate = elapsed > 0? (double) finished * 1e6 / (double) elapsed: 0;
    printf ("%-8s %6d ok %4d failed  %8.0f/s  p50 %7.2f ms  p99 %7.2f ms  (%d re-polls)\n",
            name, finished, failures, rate,
            latency_count? latencies [latency_count / 2] / 1000.0: 0,
            latency_count? latencies [(latency_count * 99) / 100] / 1000.0: 0, retries);
    msgpack_unpacked_destroy (&reply);
    zlistx_destroy (&again);
    zhashx_destroy (&inflight);
    free (latencies);
    return failures? -1: 0;
}

//  -------------------------------------------------------------------------
//  The same flows through the HTTP gateway (--gateway)

typedef struct {
    CURL *easy;                 //  The transfer, while in flight
    struct curl_slist *headers;
    char *body;                 //  The request's JSON
    char *reply;                //  The response so far
    size_t reply_size;
    int flow_nbr;
} s_transfer_t;

static size_t
s_on_data (char *data, size_t size, size_t count, void *arg)
{
    s_transfer_t *transfer = (s_transfer_t *) arg;
    size_t bytes = size * count;
    char *grown = (char *) realloc (transfer->reply, transfer->reply_size + bytes + 1);
    assert (grown);
    transfer->reply = grown;
    memcpy (transfer->reply + transfer->reply_size, data, bytes);
    transfer->reply_size += bytes;
    transfer->reply [transfer->reply_size] = 0;
    return bytes;
}

//  Start the request of a phase for one flow on multi.
static void
s_http_send (CURLM *multi, s_transfer_t *transfer, const char *base, int phase, s_flow_t *flow,
             int flow_nbr, const char *run_key)
{
    char url [512], header [128], key [64];
    const char *as = flow->nip;
    json_t *body = NULL;
    key [0] = 0;
    if (phase == 0) {
        int today = wfa_date_today (WFA_TZ_WIB);
        int monday = today + 7 - (wfa_date_weekday (today) + 6) % 7;
        char date [11];
        wfa_date_format (monday + 7 * (flow->week + s_first_week + 1), date);
        body = json_pack ("{s:s, s:[s], s:s, s:s, s:[s,s]}", "kind", "rumah", "dates", date,
                          "location", "Rumah, sesuai data kepegawaian",
                          "reason", "Penyusunan laporan triwulan",
                          "plan", "Draf laporan bab 1-2", "Rekap data capaian");
        snprintf (url, sizeof url, "%s/v1/requests", base);
        snprintf (key, sizeof key, "%s-s-%d", run_key, flow_nbr);
    }
    else
    if (phase == 1) {
        as = flow->step == 0? flow->supervisor: flow->step == 1? flow->kepala: flow->bkd;
        body = json_pack ("{s:s}", "decision", flow_nbr % 5? "approve": "reject");
        if (flow->step == 0) {
            json_object_set_new (body, "tasks_fit", json_true ());
            json_object_set_new (body, "targets_measurable", json_true ());
        }
        else
        if (flow->step == 1) {
            json_object_set_new (body, "service_continues", json_true ());
            json_object_set_new (body, "capacity_ok", json_true ());
        }
        snprintf (url, sizeof url, "%s/v1/requests/%s/decision", base, flow->request_id);
        snprintf (key, sizeof key, "%s-d-%d-%d", run_key, flow_nbr, flow->step);
    }
    else
        snprintf (url, sizeof url, "%s/v1/inbox?limit=1000", base);
    memset (transfer, 0, sizeof *transfer);
    transfer->flow_nbr = flow_nbr;
    transfer->easy = curl_easy_init ();
    assert (transfer->easy);
    const char *bearer = (const char *) zhashx_lookup (s_bearers, as);
    char authorization [2048];
    snprintf (authorization, sizeof authorization, "Authorization: Bearer %s", bearer? bearer: "-");
    transfer->headers = curl_slist_append (NULL, authorization);
    if (body) {
        transfer->body = json_dumps (body, JSON_COMPACT);
        json_decref (body);
        snprintf (header, sizeof header, "Idempotency-Key: %s", key);
        transfer->headers = curl_slist_append (transfer->headers, header);
        transfer->headers = curl_slist_append (transfer->headers, "Content-Type: application/json");
        curl_easy_setopt (transfer->easy, CURLOPT_POSTFIELDS, transfer->body);
    }
    curl_easy_setopt (transfer->easy, CURLOPT_URL, url);
    curl_easy_setopt (transfer->easy, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt (transfer->easy, CURLOPT_WRITEFUNCTION, s_on_data);
    curl_easy_setopt (transfer->easy, CURLOPT_WRITEDATA, transfer);
    curl_easy_setopt (transfer->easy, CURLOPT_PRIVATE, transfer);
    curl_easy_setopt (transfer->easy, CURLOPT_TIMEOUT_MS, 10000L);
    flow->sent_at = s_now_us ();
    flow->attempts++;
    curl_multi_add_handle (multi, transfer->easy);
}

//  True if an inbox response holds a decision entry for request_id.
static bool
s_http_inbox_has (const json_t *reply, const char *request_id)
{
    size_t index;
    json_t *entry;
    json_array_foreach (json_object_get (reply, "entries"), index, entry) {
        const char *type = json_string_value (json_object_get (entry, "type"));
        const char *id = json_string_value (json_object_get (entry, "request_id"));
        if (id && streq (id, request_id) && !(type && streq (type, "approval.pending")))
            return true;
    }
    return false;
}

//  s_phase through the gateway: the same flows, the same rules for what
//  ends a flow's phase, one connection per transfer in flight (kept alive).
static int
s_http_phase (const char *base, int phase, s_flow_t *flows, int count, int concurrency,
              const char *run_key, const char *name)
{
    CURLM *multi = curl_multi_init ();
    curl_multi_setopt (multi, CURLMOPT_MAXCONNECTS, (long) concurrency);
    s_transfer_t *transfers = (s_transfer_t *) calloc (concurrency, sizeof (s_transfer_t));
    int *free_slots = (int *) calloc (concurrency, sizeof (int));
    int free_count = concurrency;
    for (int slot_nbr = 0; slot_nbr < concurrency; slot_nbr++)
        free_slots [slot_nbr] = concurrency - 1 - slot_nbr;
    int64_t *latencies = (int64_t *) calloc (count + 1, sizeof (int64_t));
    size_t latency_count = 0;
    int next = 0, finished = 0, failures = 0, retries = 0;
    for (int flow_nbr = 0; flow_nbr < count; flow_nbr++) {
        flows [flow_nbr].done = false;
        flows [flow_nbr].attempts = 0;
    }
    zlistx_t *again = zlistx_new ();
    int64_t started = s_now_us ();
    while (finished + failures < count) {
        while (free_count && (next < count || zlistx_size (again))) {
            int flow_nbr = zlistx_size (again)?
                (int) (intptr_t) zlistx_detach (again, NULL) - 1: next++;
            s_http_send (multi, &transfers [free_slots [--free_count]], base, phase,
                         &flows [flow_nbr], flow_nbr, run_key);
        }
        int running = 0;
        curl_multi_perform (multi, &running);
        CURLMsg *message;
        int left = 0;
        bool progressed = false;
        while ((message = curl_multi_info_read (multi, &left))) {
            if (message->msg != CURLMSG_DONE)
                continue;
            progressed = true;
            s_transfer_t *transfer = NULL;
            curl_easy_getinfo (message->easy_handle, CURLINFO_PRIVATE, (char **) &transfer);
            long status = 0;
            curl_easy_getinfo (message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            int flow_nbr = transfer->flow_nbr;
            s_flow_t *flow = &flows [flow_nbr];
            int64_t latency = s_now_us () - flow->sent_at;
            json_error_t error;
            json_t *reply = transfer->reply? json_loads (transfer->reply, 0, &error): NULL;
            const char *code = json_string_value (json_object_get (reply, "code"));
            const char *state = json_string_value (json_object_get (reply, "state"));
            const char *request_id = json_string_value (json_object_get (reply, "request_id"));
            int finished_before = finished + failures;
            if (phase == 0 && status == 200 && request_id) {
                snprintf (flow->request_id, sizeof flow->request_id, "%s", request_id);
                finished++;
            }
            else
            if (phase == 1 && (status == 200 || (code && streq (code, "NOT_PENDING")
                                                 && flow->attempts < 200))) {
                if (status == 200 && state && streq (state, "pending") && flow->step < 2) {
                    flow->step++;
                    zlistx_add_end (again, (void *) (intptr_t) (flow_nbr + 1));
                }
                else
                if (status == 200)
                    finished++;
                else {
                    retries++;
                    zlistx_add_end (again, (void *) (intptr_t) (flow_nbr + 1));
                }
            }
            else
            if (phase == 2 && status == 200 && s_http_inbox_has (reply, flow->request_id))
                finished++;
            else
            if (phase == 2 && status == 200 && flow->attempts < 500) {
                retries++;
                zlistx_add_end (again, (void *) (intptr_t) (flow_nbr + 1));
            }
            else {
                const char *text = json_string_value (json_object_get (reply, "message"));
                fprintf (stderr, "wfa-bench: %s flow %d failed: HTTP %ld %s %s\n", name, flow_nbr,
                         status, code? code: curl_easy_strerror (message->data.result),
                         text? text: "");
                failures++;
            }
            if (finished + failures > finished_before && latency_count < (size_t) count)
                latencies [latency_count++] = latency;
            json_decref (reply);
            curl_multi_remove_handle (multi, message->easy_handle);
            curl_easy_cleanup (message->easy_handle);
            curl_slist_free_all (transfer->headers);
            free (transfer->body);
            free (transfer->reply);
            free_slots [free_count++] = (int) (transfer - transfers);
        }
        if (!progressed)
            curl_multi_poll (multi, NULL, 0, 100, NULL);
    }
    int64_t elapsed = s_now_us () - started;
    qsort (latencies, latency_count, sizeof (int64_t), s_compare_i64);
    double rate = elapsed > 0? (double) finished * 1e6 / (double) elapsed: 0;
    printf ("http-%-6s %6d ok %4d failed  %8.0f/s  p50 %7.2f ms  p99 %7.2f ms  (%d re-polls)\n",
            name, finished, failures, rate,
            latency_count? latencies [latency_count / 2] / 1000.0: 0,
            latency_count? latencies [(latency_count * 99) / 100] / 1000.0: 0, retries);
    zlistx_destroy (&again);
    free (latencies);
    free (free_slots);
    free (transfers);
    curl_multi_cleanup (multi);
    return failures? -1: 0;
}

int
main (int argc, char *argv [])
{
    argc = wfa_config_load (argc, argv);
    int requests = 2000, concurrency = 64;
    const char *employees_file = NULL, *after_flow = NULL, *http = NULL, *tokens_file = NULL;
    for (int arg_nbr = 1; arg_nbr < argc; arg_nbr++) {
        if (streq (argv [arg_nbr], "--requests") && arg_nbr + 1 < argc)
            requests = atoi (argv [++arg_nbr]);
        else
        if (streq (argv [arg_nbr], "--concurrency") && arg_nbr + 1 < argc)
            concurrency = atoi (argv [++arg_nbr]);
        else
        if (streq (argv [arg_nbr], "--employees") && arg_nbr + 1 < argc)
            employees_file = argv [++arg_nbr];
        else
        if (streq (argv [arg_nbr], "--after-flow") && arg_nbr + 1 < argc)
            after_flow = argv [++arg_nbr];
        else
        if (streq (argv [arg_nbr], "--gateway") && arg_nbr + 1 < argc)
            http = argv [++arg_nbr];
        else
        if (streq (argv [arg_nbr], "--first-week") && arg_nbr + 1 < argc)
            s_first_week = atoi (argv [++arg_nbr]);
        else
        if (streq (argv [arg_nbr], "--tokens") && arg_nbr + 1 < argc)
            tokens_file = argv [++arg_nbr];
        else {
            fprintf (stderr, "usage: wfa-bench [--endpoint E] --employees FILE.csv "
                     "[--requests N] [--concurrency C] [--after-flow COMMAND] [--gateway URL "
                     "--tokens FILE] [--first-week W]\n");
            return 2;
        }
    }
    if (!employees_file || requests < 1 || concurrency < 1)
        return 2;
    FILE *file = fopen (employees_file, "rb");
    if (!file)
        return 2;
    zchunk_t *chunk = zchunk_read (file, 64 * 1024 * 1024);
    fclose (file);
    zchunk_extend (chunk, "", 1);
    char error [64];
    zlistx_t *rows = wfa_employee_parse_csv ((char *) zchunk_data (chunk), error, sizeof error);
    zchunk_destroy (&chunk);
    if (!rows)
        return 2;
    //  Employees who have a supervisor make the requests, round robin
    s_flow_t *flows = (s_flow_t *) calloc (requests, sizeof (s_flow_t));
    zlistx_t *askers = zlistx_new ();
    for (wfa_employee_t *row = (wfa_employee_t *) zlistx_first (rows); row;
         row = (wfa_employee_t *) zlistx_next (rows))
        if (row->supervisor_nip && *row->supervisor_nip)
            zlistx_add_end (askers, row);
    if (zlistx_size (askers) == 0)
        return 2;
    //  The chain's other approvers: the kepala OPD of each OPD, a BKD officer
    const char *bkd = NULL;
    for (wfa_employee_t *each = (wfa_employee_t *) zlistx_first (rows); each;
         each = (wfa_employee_t *) zlistx_next (rows))
        if (!bkd && each->roles && strstr (each->roles, "bkd"))
            bkd = each->nip;
    if (!bkd) {
        fprintf (stderr, "wfa-bench: the employees file has no BKD officer (role bkd)\n");
        return 2;
    }
    wfa_employee_t *row = (wfa_employee_t *) zlistx_first (askers);
    size_t asker_count = zlistx_size (askers);
    for (int flow_nbr = 0; flow_nbr < requests; flow_nbr++) {
        flows [flow_nbr].week = (int) (flow_nbr / asker_count);
        snprintf (flows [flow_nbr].nip, 19, "%s", row->nip);
        snprintf (flows [flow_nbr].supervisor, 19, "%s", row->supervisor_nip);
        snprintf (flows [flow_nbr].bkd, 19, "%s", bkd);
        for (wfa_employee_t *each = (wfa_employee_t *) zlistx_first (rows); each;
             each = (wfa_employee_t *) zlistx_next (rows))
            if (each->roles && strstr (each->roles, "kepala_opd") && streq (each->opd, row->opd))
                snprintf (flows [flow_nbr].kepala, 19, "%s", each->nip);
        row = (wfa_employee_t *) zlistx_next (askers);
        if (!row)
            row = (wfa_employee_t *) zlistx_first (askers);
    }
    zlistx_destroy (&askers);
    zlistx_destroy (&rows);
    char run_key [32];
    snprintf (run_key, sizeof run_key, "bench-%" PRId64, wfa_now_ms ());
    if (http) {
        //  Each person's bearer credential
        s_bearers = zhashx_new ();
        zhashx_set_destructor (s_bearers, (zhashx_destructor_fn *) zstr_free);
        FILE *tokens = tokens_file? fopen (tokens_file, "r"): NULL;
        if (!tokens) {
            fprintf (stderr, "wfa-bench: --gateway needs --tokens FILE (lines \"NIP TOKEN\")\n");
            zhashx_destroy (&s_bearers);
            free (flows);
            return 2;
        }
        char line [2200], nip [32], bearer [2048];
        while (fgets (line, sizeof line, tokens))
            if (sscanf (line, "%31s %2047s", nip, bearer) == 2)
                zhashx_update (s_bearers, nip, strdup (bearer));
        fclose (tokens);
        curl_global_init (CURL_GLOBAL_DEFAULT);
        printf ("wfa-bench: %d requests, %d in flight, through the gateway at %s\n", requests,
                concurrency, http);
        int64_t started = s_now_us ();
        int rc = s_http_phase (http, 0, flows, requests, concurrency, run_key, "submit");
        if (rc == 0)
            rc = s_http_phase (http, 1, flows, requests, concurrency, run_key, "decide");
        if (rc == 0)
            rc = s_http_phase (http, 2, flows, requests, concurrency, run_key, "inbox");
        double seconds = (double) (s_now_us () - started) / 1e6;
        printf ("http-flow %6d requests through submit -> decide -> inbox in %.2f s: %.0f flows/s\n",
                requests, seconds, requests / seconds);
        curl_global_cleanup ();
        zhashx_destroy (&s_bearers);
        free (flows);
        return rc? 1: 0;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    //  The bench acts for thousands of people: it signs in as the gateway,
    //  the one principal that acts for others ("as")
    wfa_principal_t gateway = { .kind = WFA_PRINCIPAL_GATEWAY };
    char secret [PATH_MAX], why [PATH_MAX + 64];
    wfa_keys_path (wfa_config_get (WFA_CFG_KEYS), &gateway, true, secret, sizeof secret);
    wfa_client_t *client = wfa_client_new (wfa_config_get (WFA_CFG_ENDPOINT), secret, 5000, 1,
                                           why, sizeof why);
    if (!client) {
        fprintf (stderr, "wfa-bench: cannot sign in: %s\n", why);
        free (flows);
        return 2;
    }
    printf ("wfa-bench: %d requests, %d in flight, endpoint %s\n", requests, concurrency,
            wfa_config_get (WFA_CFG_ENDPOINT));
    int64_t started = s_now_us ();
    int rc = s_phase (client, 0, flows, requests, concurrency, run_key, "submit");
    if (rc == 0)
        rc = s_phase (client, 1, flows, requests, concurrency, run_key, "decide");
    if (rc == 0)
        rc = s_phase (client, 2, flows, requests, concurrency, run_key, "inbox");
    double seconds = (double) (s_now_us () - started) / 1e6;
    printf ("flow     %6d requests through submit -> decide -> inbox in %.2f s: %.0f flows/s\n",
            requests, seconds, requests / seconds);
    fflush (stdout);
    if (rc == 0 && after_flow && system (after_flow) != 0)
        fprintf (stderr, "wfa-bench: --after-flow command failed\n");
    //  Monev: the services' clock moves to 08:00 of the first requests' day
    //  (WFA_CLOCK_FILE, which bench.sh gives them), where each approved one
    //  checks in and reports; then the month's figures are read
    const char *clock_file = getenv ("WFA_CLOCK_FILE");
    const char *reader = flows [0].bkd;
    if (rc == 0 && clock_file && *clock_file) {
        int64_t real = zclock_time ();
        int today = wfa_date_of_ms (real, WFA_TZ_WIB);
        int day = today + 7 - (wfa_date_weekday (today) + 6) % 7 + 7;
        int64_t target = ((int64_t) day * 86400 + 8 * 3600 - WFA_TZ_WIB * 60) * 1000;
        FILE *clock = fopen (clock_file, "w");
        if (clock) {
            fprintf (clock, "%" PRId64 "\n", target - real);
            fclose (clock);
        }
        s_flow_t *approved = (s_flow_t *) calloc (requests, sizeof (s_flow_t));
        int count = 0;
        for (int flow_nbr = 0; flow_nbr < requests; flow_nbr++)
            if (flows [flow_nbr].week == 0 && flow_nbr % 5)
                approved [count++] = flows [flow_nbr];
        rc = s_phase (client, 3, approved, count, concurrency, run_key, "checkin");
        if (rc == 0)
            rc = s_phase (client, 4, approved, count, concurrency, run_key, "report");
        //  Reads: as the BKD officer, of pemda 35.08
        int reads = 200;
        s_flow_t *queries = (s_flow_t *) calloc (reads, sizeof (s_flow_t));
        for (int query_nbr = 0; query_nbr < reads; query_nbr++) {
            snprintf (queries [query_nbr].nip, 19, "%.18s", reader);
            snprintf (queries [query_nbr].supervisor, 19, "35.08");
        }
        if (rc == 0)
            rc = s_phase (client, 5, queries, reads, concurrency < 8? concurrency: 8, run_key, "monev");
        free (queries);
        free (approved);
    }
    wfa_client_destroy (&client);
    free (flows);
    zsys_shutdown ();
    return rc? 1: 0;
}
