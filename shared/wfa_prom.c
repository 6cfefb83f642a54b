/*  wfa_prom.c - the metrics registry, its exposition and its HTTP server.

    The registry is a list of families, each with its series in creation
    order and an index by rendered labels (name="value",...), which is
    unique because values are escaped. Everything is under one mutex: an
    update is a hash lookup, a scrape renders a few kilobytes.

    The HTTP server is libmicrohttpd with its own epoll thread, on a
    socket an actor binds (again every second while the port is busy).
    Its limits answer slow clients: at most S_CONNECTIONS connections,
    S_PER_IP from one address, S_MEMORY bytes of request each, and one
    idle for s_timeout_s seconds is closed, so a few hosts that hold
    connections open cannot fill it or delay a scrape. */
#include "wfa.h"
#include <microhttpd.h>

const double wfa_prom_latency_buckets [] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};
const size_t wfa_prom_latency_bucket_count =
    sizeof (wfa_prom_latency_buckets) / sizeof (wfa_prom_latency_buckets [0]);

#define S_LABELS_MAX    1024        //  Rendered labels of one series, bytes
#define S_VALUE_MAX     128         //  Bytes of a label value kept

typedef struct {
    char *labels;               //  Rendered pairs, name="value",... ("" for none)
    double value;               //  Counter or gauge value; a histogram's sum
    uint64_t count;             //  Histogram: observations
    uint64_t *buckets;          //  Histogram: observations per bucket, the last +Inf
} s_series_t;

typedef struct {
    char *name;                 //  e.g. "wfa_messages_in_total"
    char *help;                 //  One line
    wfa_prom_kind_t kind;
    char *label_names [WFA_PROM_MAX_LABELS];
    size_t label_count;
    double *bounds;             //  Histogram bucket upper bounds
    size_t bound_count;
    zlist_t *series;            //  s_series_t, in creation order
    zhash_t *index;             //  Rendered labels -> s_series_t
} s_family_t;

struct _wfa_prom_t {
    pthread_mutex_t mutex;      //  Guards everything below
    zlist_t *families;          //  s_family_t, in declaration order
    zhash_t *by_name;           //  Name -> s_family_t
    char *const_labels;         //  Rendered constant pairs, "" for none
};

//  Free a series; its family's list calls it (zlist_freefn).
static void
s_series_free (void *item)
{
    s_series_t *self = (s_series_t *) item;
    free (self->labels);
    free (self->buckets);
    free (self);
}

//  Free a family and its series; the registry's list calls it.
static void
s_family_free (void *item)
{
    s_family_t *self = (s_family_t *) item;
    zlist_destroy (&self->series);
    zhash_destroy (&self->index);
    for (size_t label_nbr = 0; label_nbr < self->label_count; label_nbr++)
        free (self->label_names [label_nbr]);
    free (self->bounds);
    free (self->name);
    free (self->help);
    free (self);
}

wfa_prom_t *
wfa_prom_new (void)
{
    wfa_prom_t *self = (wfa_prom_t *) zmalloc (sizeof (wfa_prom_t));
    assert (self);
    pthread_mutex_init (&self->mutex, NULL);
    self->families = zlist_new ();
    self->by_name = zhash_new ();
    self->const_labels = strdup ("");
    return self;
}

void
wfa_prom_destroy (wfa_prom_t **self_p)
{
    assert (self_p);
    wfa_prom_t *self = *self_p;
    if (self) {
        zlist_destroy (&self->families);    //  Frees each family (s_family_free)
        zhash_destroy (&self->by_name);
        free (self->const_labels);
        pthread_mutex_destroy (&self->mutex);
        free (self);
        *self_p = NULL;
    }
}

static wfa_prom_t *s_process_prom;
static pthread_once_t s_process_once = PTHREAD_ONCE_INIT;

static void
s_process_new (void)
{
    s_process_prom = wfa_prom_new ();
}

//  The process's registry.
wfa_prom_t *
wfa_prom (void)
{
    pthread_once (&s_process_once, s_process_new);
    return s_process_prom;
}

//  Append text to buf at *used, escaped for a label value (quote true) or
//  HELP text: backslash and newline always, the double quote in values.
//  Bytes outside printable ASCII become '?', so the output is always valid
//  UTF-8. At most max_text bytes of text are used. False if buf is full.
static bool
s_escape (char *buf, size_t size, size_t *used, const char *text, size_t max_text, bool quote)
{
    for (size_t byte_nbr = 0; text [byte_nbr] && byte_nbr < max_text; byte_nbr++) {
        unsigned char byte = (unsigned char) text [byte_nbr];
        char escaped [3] = { 0 };
        if (byte == '\\')
            memcpy (escaped, "\\\\", 2);
        else
        if (byte == '\n')
            memcpy (escaped, "\\n", 2);
        else
        if (byte == '"' && quote)
            memcpy (escaped, "\\\"", 2);
        else
            escaped [0] = byte >= 0x20 && byte < 0x7f? (char) byte: '?';
        size_t len = strlen (escaped);
        if (*used + len >= size)
            return false;
        memcpy (buf + *used, escaped, len);
        *used += len;
    }
    buf [*used] = 0;
    return true;
}

//  Append name="value" (with a comma before it unless buf is empty).
static bool
s_pair (char *buf, size_t size, size_t *used, const char *name, const char *value)
{
    int len = snprintf (buf + *used, size - *used, "%s%s=\"", *used? ",": "", name);
    if (len < 0 || *used + (size_t) len >= size)
        return false;
    *used += (size_t) len;
    if (!s_escape (buf, size, used, value, S_VALUE_MAX, true) || *used + 2 > size)
        return false;
    buf [(*used)++] = '"';
    buf [*used] = 0;
    return true;
}

//  A family by name and the label values from args, rendered into labels.
//  NULL (logged: a bug in the caller) if the family is unknown or the
//  values do not match its labels. Call with the mutex held.
static s_family_t *
s_lookup (wfa_prom_t *self, const char *name, va_list args, char *labels, size_t size)
{
    s_family_t *family = (s_family_t *) zhash_lookup (self->by_name, name);
    const char *values [WFA_PROM_MAX_LABELS + 1];
    size_t value_count = 0;
    const char *value = va_arg (args, const char *);
    while (value && value_count <= WFA_PROM_MAX_LABELS) {
        values [value_count++] = value;
        value = va_arg (args, const char *);
    }
    if (!family || value_count != family->label_count) {
        wfa_log ("E", "metric %s: %s", name, family? "wrong number of label values": "not declared");
        return NULL;
    }
    size_t used = 0;
    labels [0] = 0;
    bool fits = true;
    for (size_t label_nbr = 0; label_nbr < value_count && fits; label_nbr++)
        fits = s_pair (labels, size, &used, family->label_names [label_nbr], values [label_nbr]);
    if (!fits || (!zhash_lookup (family->index, labels)
              &&  zlist_size (family->series) >= WFA_PROM_MAX_SERIES)) {
        //  Too many series (or absurd values): count under "other"
        used = 0;
        labels [0] = 0;
        for (size_t label_nbr = 0; label_nbr < value_count; label_nbr++)
            s_pair (labels, size, &used, family->label_names [label_nbr], "other");
    }
    return family;
}

//  The series of family with rendered labels, made if new.
static s_series_t *
s_series (s_family_t *family, const char *labels)
{
    s_series_t *series = (s_series_t *) zhash_lookup (family->index, labels);
    if (!series) {
        series = (s_series_t *) zmalloc (sizeof (s_series_t));
        assert (series);
        series->labels = strdup (labels);
        if (family->kind == WFA_PROM_HISTOGRAM) {
            series->buckets = (uint64_t *) calloc (family->bound_count + 1, sizeof (uint64_t));
            assert (series->buckets);
        }
        zhash_insert (family->index, labels, series);
        zlist_append (family->series, series);
        zlist_freefn (family->series, series, s_series_free, true);
    }
    return series;
}

void
wfa_prom_const_label (wfa_prom_t *self, const char *name, const char *value)
{
    char labels [S_LABELS_MAX];
    pthread_mutex_lock (&self->mutex);
    size_t used = strlen (self->const_labels);
    snprintf (labels, sizeof labels, "%s", self->const_labels);
    if (s_pair (labels, sizeof labels, &used, name, value)) {
        free (self->const_labels);
        self->const_labels = strdup (labels);
    }
    pthread_mutex_unlock (&self->mutex);
}

void
wfa_prom_declare (wfa_prom_t *self, const char *name, wfa_prom_kind_t kind,
                  const char *help, const char *labels,
                  const double *bounds, size_t bound_count)
{
    pthread_mutex_lock (&self->mutex);
    if (!zhash_lookup (self->by_name, name)) {
        s_family_t *family = (s_family_t *) zmalloc (sizeof (s_family_t));
        assert (family);
        family->name = strdup (name);
        family->help = strdup (help);
        family->kind = kind;
        char *names = strdup (labels);
        char *saveptr = NULL;
        for (char *label = strtok_r (names, ",", &saveptr); label;
             label = strtok_r (NULL, ",", &saveptr)) {
            assert (family->label_count < WFA_PROM_MAX_LABELS);
            family->label_names [family->label_count++] = strdup (label);
        }
        free (names);
        if (kind == WFA_PROM_HISTOGRAM) {
            assert (bounds && bound_count > 0);
            family->bounds = (double *) malloc (bound_count * sizeof (double));
            assert (family->bounds);
            memcpy (family->bounds, bounds, bound_count * sizeof (double));
            family->bound_count = bound_count;
        }
        family->series = zlist_new ();
        family->index = zhash_new ();
        zhash_insert (self->by_name, name, family);
        zlist_append (self->families, family);
        zlist_freefn (self->families, family, s_family_free, true);
        if (family->label_count == 0)
            s_series (family, "");      //  So it reads 0 before anything happens
    }
    pthread_mutex_unlock (&self->mutex);
}

//  Declare a table of families.
void
wfa_prom_declare_all (wfa_prom_t *self, const wfa_prom_family_t *families)
{
    for (const wfa_prom_family_t *family = families; family->name; family++) {
        bool histogram = family->kind == WFA_PROM_HISTOGRAM;
        wfa_prom_declare (self, family->name, family->kind, family->help, family->labels,
                          histogram? wfa_prom_latency_buckets: NULL,
                          histogram? wfa_prom_latency_bucket_count: 0);
    }
}

//  What an update does to its series.

static void
s_update (wfa_prom_t *self, const char *name, wfa_prom_update_t update, double value, va_list args)
{
    char labels [S_LABELS_MAX];
    pthread_mutex_lock (&self->mutex);
    s_family_t *family = s_lookup (self, name, args, labels, sizeof labels);
    bool histogram = family && family->kind == WFA_PROM_HISTOGRAM;
    if (family && histogram != (update == WFA_PROM_OBSERVE))
        wfa_log ("E", "metric %s: %s", name, histogram? "a histogram only observes":
                                                       "only a histogram observes");
    else
    if (family) {
        s_series_t *series = s_series (family, labels);
        if (update == WFA_PROM_ADD)
            series->value += value;
        else
        if (update == WFA_PROM_SET)
            series->value = value;
        else
        if (!isnan (value)) {
            //  The first bucket whose upper bound is at least value ("le")
            size_t bucket_nbr = 0;
            while (bucket_nbr < family->bound_count && value > family->bounds [bucket_nbr])
                bucket_nbr++;
            series->buckets [bucket_nbr]++;
            series->count++;
            series->value += value;
        }
    }
    pthread_mutex_unlock (&self->mutex);
}

void
wfa_prom_update (wfa_prom_t *self, wfa_prom_update_t update, const char *name, double value, ...)
{
    va_list args;
    va_start (args, value);
    s_update (self, name, update, value, args);
    va_end (args);
}

double
wfa_prom_value (wfa_prom_t *self, const char *name, ...)
{
    char labels [S_LABELS_MAX];
    va_list args;
    va_start (args, name);
    pthread_mutex_lock (&self->mutex);
    double value = NAN;
    s_family_t *family = s_lookup (self, name, args, labels, sizeof labels);
    s_series_t *series = family? (s_series_t *) zhash_lookup (family->index, labels): NULL;
    if (series)
        value = family->kind == WFA_PROM_HISTOGRAM? (double) series->count: series->value;
    pthread_mutex_unlock (&self->mutex);
    va_end (args);
    return value;
}

//  A sample value as Prometheus reads it: the shortest text that reads
//  back as the same double, and NaN, +Inf, -Inf.
static void
s_number (char *buf, size_t size, double value)
{
    if (isnan (value))
        snprintf (buf, size, "NaN");
    else
    if (isinf (value))
        snprintf (buf, size, value > 0? "+Inf": "-Inf");
    else {
        snprintf (buf, size, "%.15g", value);
        if (strtod (buf, NULL) != value)
            snprintf (buf, size, "%.17g", value);
    }
}

//  One sample line: name{const,labels,le} value.
static void
s_sample (FILE *out, const char *name, const char *suffix, const char *const_labels,
          const char *labels, const char *le, const char *value)
{
    fprintf (out, "%s%s", name, suffix);
    if (*const_labels || *labels || le) {
        fprintf (out, "{%s", const_labels);
        if (*labels)
            fprintf (out, "%s%s", *const_labels? ",": "", labels);
        if (le)
            fprintf (out, "%sle=\"%s\"", *const_labels || *labels? ",": "", le);
        fprintf (out, "}");
    }
    fprintf (out, " %s\n", value);
}

char *
wfa_prom_render (wfa_prom_t *self, size_t *size_p)
{
    static const char *kinds [] = { "counter", "gauge", "histogram" };
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    assert (out);
    pthread_mutex_lock (&self->mutex);
    s_family_t *family = (s_family_t *) zlist_first (self->families);
    while (family) {
        char help [1024];
        size_t used = 0;
        help [0] = 0;
        s_escape (help, sizeof help, &used, family->help, sizeof help, false);
        fprintf (out, "# HELP %s %s\n# TYPE %s %s\n", family->name, help,
                 family->name, kinds [family->kind]);
        s_series_t *series = (s_series_t *) zlist_first (family->series);
        while (series) {
            char value [64];
            if (family->kind == WFA_PROM_HISTOGRAM) {
                //  Buckets are cumulative: each counts everything up to its bound
                uint64_t cumulative = 0;
                for (size_t bucket_nbr = 0; bucket_nbr <= family->bound_count; bucket_nbr++) {
                    char le [64];
                    if (bucket_nbr < family->bound_count)
                        s_number (le, sizeof le, family->bounds [bucket_nbr]);
                    else
                        snprintf (le, sizeof le, "+Inf");
                    cumulative += series->buckets [bucket_nbr];
                    snprintf (value, sizeof value, "%" PRIu64, cumulative);
                    s_sample (out, family->name, "_bucket", self->const_labels, series->labels,
                              le, value);
                }
                s_number (value, sizeof value, series->value);
                s_sample (out, family->name, "_sum", self->const_labels, series->labels, NULL, value);
                snprintf (value, sizeof value, "%" PRIu64, series->count);
                s_sample (out, family->name, "_count", self->const_labels, series->labels, NULL, value);
            }
            else {
                s_number (value, sizeof value, series->value);
                s_sample (out, family->name, "", self->const_labels, series->labels, NULL, value);
            }
            series = (s_series_t *) zlist_next (family->series);
        }
        family = (s_family_t *) zlist_next (self->families);
    }
    pthread_mutex_unlock (&self->mutex);
    fclose (out);
    if (size_p)
        *size_p = size;
    return text;
}

double
wfa_prom_clock (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}


//  --------------------------------------------------------------------
//  The HTTP server

#define S_CONNECTIONS   512         //  Connections libmicrohttpd serves at once
#define S_PER_IP        64          //  Of those, from one client address
#define S_MEMORY        16384       //  Bytes a connection may use for its request

//  Seconds a connection may stay idle, sending or taking nothing, before
//  it is closed. Prometheus sends its request at once; the selftest
//  shortens this.
static unsigned s_timeout_s = 5;

typedef struct {
    wfa_prom_t *prom;               //  What we serve
    char address [300];             //  As configured, for logs
    char host [256];                //  "" for every interface
    char port [8];
    struct MHD_Daemon *daemon;      //  NULL while not bound
    int bound_port;                 //  0 while not bound
    int64_t next_bind;              //  Monotonic ms of the next bind attempt
    bool bind_failed;               //  A failure was logged
} s_server_t;

//  Split "host:port", ":port", "port", "*:port" or "[v6]:port".
static bool
s_parse_address (const char *address, char *host, size_t host_size, char *port, size_t port_size)
{
    const char *colon = strrchr (address, ':');
    const char *port_text = colon? colon + 1: address;
    const char *host_text = address;
    size_t host_len = colon? (size_t) (colon - address): 0;
    size_t port_len = strlen (port_text);
    if (port_len == 0 || port_len > 5 || strspn (port_text, "0123456789") != port_len
    ||  atoi (port_text) > 65535)
        return false;
    if (host_len >= 2 && host_text [0] == '[' && host_text [host_len - 1] == ']') {
        host_text++;
        host_len -= 2;
    }
    else
    if (memchr (host_text, ':', host_len))
        return false;           //  A bare IPv6 address: where does it end?
    if (host_len == 1 && host_text [0] == '*')
        host_len = 0;
    if (host_len >= host_size)
        return false;
    snprintf (host, host_size, "%.*s", (int) host_len, host_text);
    snprintf (port, port_size, "%s", port_text);
    return true;
}

//  Count an answer by its status code.
static void
s_count (wfa_prom_t *prom, unsigned status)
{
    char code [12];
    snprintf (code, sizeof code, "%u", status);
    wfa_prom_add (prom, "wfa_http_requests_total", 1, code, NULL);
}

//  A request whose headers have arrived: the metrics for GET or HEAD
//  /metrics, 404 for another path, 405 for another method. libmicrohttpd
//  leaves out the body for HEAD and answers malformed, oversized and
//  slow requests itself.
static enum MHD_Result
s_handle (void *args, struct MHD_Connection *connection, const char *url,
          const char *method, const char *version, const char *upload,
          size_t *upload_size, void **request_context)
{
    (void) version;
    (void) upload;
    (void) upload_size;
    (void) request_context;
    wfa_prom_t *prom = (wfa_prom_t *) args;
    bool get = streq (method, MHD_HTTP_METHOD_GET) || streq (method, MHD_HTTP_METHOD_HEAD);
    unsigned status = !get? MHD_HTTP_METHOD_NOT_ALLOWED:
                      streq (url, "/metrics")? MHD_HTTP_OK: MHD_HTTP_NOT_FOUND;
    char *body = NULL;
    size_t body_size = 0;
    if (status == MHD_HTTP_OK)
        body = wfa_prom_render (prom, &body_size);
    else {
        char text [128];
        snprintf (text, sizeof text, "%u %s%s\n", status,
                  MHD_get_reason_phrase_for (status),
                  status == MHD_HTTP_NOT_FOUND? ": the metrics are at /metrics": "");
        body = strdup (text);
        body_size = strlen (body);
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer_with_free_callback (body_size, body, free);
    if (!response) {
        free (body);
        return MHD_NO;
    }
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, status == MHD_HTTP_OK?
                             "text/plain; version=0.0.4; charset=utf-8": "text/plain; charset=utf-8");
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONNECTION, "close");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result result = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return result;
}

//  Every connection is counted once, when it ends: by the status of the
//  answer to its request, whether we gave it or libmicrohttpd did (431
//  for headers too large), or as "none" when libmicrohttpd closed it
//  before it had a request line: too slow, gone, not HTTP, or a request
//  line it refused (its own 400 or 414, which it does not report).
//  libmicrohttpd reports a request's end only to a server that saw its
//  URI, hence the URI callback.
static void *
s_uri (void *args, const char *uri, struct MHD_Connection *connection)
{
    (void) args;
    (void) uri;
    (void) connection;
    return NULL;
}

static void
s_completed (void *args, struct MHD_Connection *connection, void **request_context,
             enum MHD_RequestTerminationCode code)
{
    (void) request_context;
    (void) code;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (connection, MHD_CONNECTION_INFO_HTTP_STATUS);
    const union MHD_ConnectionInfo *socket =
        MHD_get_connection_info (connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info && info->http_status && socket && socket->socket_context) {
        s_count ((wfa_prom_t *) args, info->http_status);
        *(bool *) socket->socket_context = true;
    }
}

static void
s_connection (void *args, struct MHD_Connection *connection, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    (void) connection;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = zmalloc (sizeof (bool));      //  Counted yet?
        assert (*socket_context);
    }
    else {
        bool *counted = (bool *) *socket_context;
        if (counted && !*counted)
            wfa_prom_add ((wfa_prom_t *) args, "wfa_http_requests_total", 1, "none", NULL);
        free (counted);
        *socket_context = NULL;
    }
}

//  Try to listen on the configured address; on success, hand the socket
//  to a libmicrohttpd daemon that serves it on its own thread.
static void
s_bind (s_server_t *self)
{
    self->next_bind = zclock_mono () + 1000;
    struct addrinfo hints;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    struct addrinfo *found = NULL;
    int rc = getaddrinfo (*self->host? self->host: NULL, self->port, &hints, &found);
    const char *problem = rc? gai_strerror (rc): "no address";
    for (struct addrinfo *item = rc? NULL: found; item; item = item->ai_next) {
        int fd = socket (item->ai_family, item->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         item->ai_protocol);
        if (fd < 0) {
            problem = strerror (errno);
            continue;
        }
        //  A restarted service gets its port back at once
        int on = 1;
        setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (bind (fd, item->ai_addr, item->ai_addrlen) == 0 && listen (fd, 64) == 0) {
            self->daemon = MHD_start_daemon (
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
                0, NULL, NULL, s_handle, self->prom,
                MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                MHD_OPTION_CONNECTION_TIMEOUT, s_timeout_s,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned) S_CONNECTIONS,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) S_PER_IP,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) S_MEMORY,
                MHD_OPTION_NOTIFY_CONNECTION, s_connection, self->prom,
                MHD_OPTION_URI_LOG_CALLBACK, s_uri, NULL,
                MHD_OPTION_NOTIFY_COMPLETED, s_completed, self->prom,
                MHD_OPTION_END);
            if (!self->daemon) {
                problem = "libmicrohttpd did not start";
                close (fd);
                continue;
            }
            struct sockaddr_storage bound;
            socklen_t bound_size = sizeof bound;
            char numeric [NI_MAXHOST] = "?";
            char service [NI_MAXSERV] = "0";
            if (getsockname (fd, (struct sockaddr *) &bound, &bound_size) == 0)
                getnameinfo ((struct sockaddr *) &bound, bound_size, numeric, sizeof numeric,
                             service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV);
            self->bound_port = atoi (service);
            wfa_log ("I", "metrics for Prometheus: http://%s%s%s:%d/metrics",
                     strchr (numeric, ':')? "[": "", numeric, strchr (numeric, ':')? "]": "",
                     self->bound_port);
            break;
        }
        problem = strerror (errno);
        close (fd);
    }
    if (found)
        freeaddrinfo (found);
    if (!self->daemon && !self->bind_failed) {
        wfa_log ("E", "metrics: cannot listen on %s: %s; trying again every second",
                 self->address, problem);
        self->bind_failed = true;
    }
}

//  The server actor: binds (again every second until it can), answers
//  PORT, and stops the daemon on $TERM. libmicrohttpd's thread does the
//  serving.
static void
s_server_actor (zsock_t *pipe, void *args)
{
    s_server_t *self = (s_server_t *) args;
    s_bind (self);              //  Before the signal, so the port is known at once
    zsock_signal (pipe, 0);
    bool running = true;
    while (running) {
        int64_t now = zclock_mono ();
        long wait = -1;
        if (!self->daemon)
            wait = self->next_bind > now? (long) (self->next_bind - now): 0;
        zmq_pollitem_t items [] = { { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 } };
        int rc = zmq_poll (items, 1, wait);
        if (rc < 0 && errno != EINTR)
            break;              //  The context is going away
        if (rc > 0 && (items [0].revents & ZMQ_POLLIN)) {
            char *command = zstr_recv (pipe);
            if (!command || streq (command, "$TERM"))
                running = false;
            else
            if (streq (command, "PORT"))
                zstr_sendf (pipe, "%d", self->bound_port);
            free (command);
        }
        if (running && !self->daemon && zclock_mono () >= self->next_bind)
            s_bind (self);
    }
    if (self->daemon)
        MHD_stop_daemon (self->daemon);     //  Closes the listening socket too
    free (self);
}

zactor_t *
wfa_prom_server_new (wfa_prom_t *prom, const char *address)
{
    s_server_t *self = (s_server_t *) zmalloc (sizeof (s_server_t));
    assert (self);
    if (!s_parse_address (address, self->host, sizeof self->host, self->port, sizeof self->port)) {
        free (self);
        return NULL;
    }
    snprintf (self->address, sizeof self->address, "%s", address);
    self->prom = prom;
    wfa_prom_declare (prom, "wfa_http_requests_total", WFA_PROM_COUNTER,
                      "Connections to this metrics endpoint, by HTTP status answered (none: closed before a request line).",
                      "code", NULL, 0);
    return zactor_new (s_server_actor, self);
}

int
wfa_prom_server_port (zactor_t *server)
{
    zstr_send (server, "PORT");
    char *reply = zstr_recv (server);
    int port = reply? atoi (reply): 0;
    free (reply);
    return port;
}

zactor_t *
wfa_prom_start (const char *service)
{
    wfa_prom_t *prom = wfa_prom ();
    wfa_prom_const_label (prom, "service", service);
    wfa_prom_declare (prom, "wfa_process_start_time_seconds", WFA_PROM_GAUGE,
                      "When this process started, in seconds since the Unix epoch.",
                      "", NULL, 0);
    wfa_prom_set (prom, "wfa_process_start_time_seconds", (double) wfa_now_ms () / 1000.0, NULL);
    const char *address = wfa_config_get (WFA_CFG_METRICS_ADDR);
    if (!*address)
        return NULL;
    zactor_t *server = wfa_prom_server_new (prom, address);
    if (!server)
        wfa_log ("E", "WFA_METRICS_ADDR %s is not host:port: no metrics served", address);
    return server;
}


//  --------------------------------------------------------------------
//  Selftest

//  Send request to 127.0.0.1:port and read until the server closes.
//  The answer is malloc'd text, "" if the connection failed.
static char *
s_http (int port, const char *request, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert (fd >= 0);
    struct timeval patience = { 10, 0 };     //  A hung server fails the test, not the run
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons ((uint16_t) port);
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    char *text = NULL;
    size_t text_size = 0;
    FILE *out = open_memstream (&text, &text_size);
    if (connect (fd, (struct sockaddr *) &address, sizeof address) == 0) {
        size_t sent = 0;
        while (sent < size) {
            ssize_t put = send (fd, request + sent, size - sent, MSG_NOSIGNAL);
            if (put <= 0)
                break;          //  The server answered early and stopped reading
            sent += (size_t) put;
        }
        char buf [4096];
        ssize_t got;
        while ((got = recv (fd, buf, sizeof buf, 0)) > 0)
            fwrite (buf, 1, (size_t) got, out);
    }
    fclose (out);
    close (fd);
    return text;
}

static bool
s_starts (const char *text, const char *prefix)
{
    return strncmp (text, prefix, strlen (prefix)) == 0;
}

typedef struct {
    wfa_prom_t *prom;
    int rounds;
} s_worker_args_t;

static void *
s_hammer (void *args)
{
    s_worker_args_t *worker = (s_worker_args_t *) args;
    for (int round_nbr = 0; round_nbr < worker->rounds; round_nbr++) {
        wfa_prom_add (worker->prom, "t_calls_total", 1, "HAMMER", NULL);
        wfa_prom_observe (worker->prom, "t_seconds", 0.5, "HAMMER", NULL);
    }
    return NULL;
}

void
wfa_prom_test (bool verbose)
{
    //  The exposition, exactly
    wfa_prom_t *prom = wfa_prom_new ();
    wfa_prom_const_label (prom, "service", "test");
    wfa_prom_declare (prom, "t_calls_total", WFA_PROM_COUNTER, "Calls by command.",
                      "command", NULL, 0);
    wfa_prom_declare (prom, "t_up", WFA_PROM_GAUGE, "Back\\slash and\nnewline.", "", NULL, 0);
    static const double bounds [] = { 0.25, 1 };
    wfa_prom_declare (prom, "t_seconds", WFA_PROM_HISTOGRAM, "Durations.", "command", bounds, 2);
    wfa_prom_declare (prom, "t_seconds", WFA_PROM_GAUGE, "Again: ignored.", "", NULL, 0);
    wfa_prom_add (prom, "t_calls_total", 2, "A.B", NULL);
    wfa_prom_add (prom, "t_calls_total", 1, "say \"hi\"\\\n", NULL);
    wfa_prom_set (prom, "t_up", 0.005, NULL);
    //  Bucket math: le is "less than or equal", buckets are cumulative
    const double observed [] = { 0.125, 0.25, 0.5, 2 };
    for (int value_nbr = 0; value_nbr < 4; value_nbr++)
        wfa_prom_observe (prom, "t_seconds", observed [value_nbr], "A.B", NULL);
    const char *expected =
        "# HELP t_calls_total Calls by command.\n"
        "# TYPE t_calls_total counter\n"
        "t_calls_total{service=\"test\",command=\"A.B\"} 2\n"
        "t_calls_total{service=\"test\",command=\"say \\\"hi\\\"\\\\\\n\"} 1\n"
        "# HELP t_up Back\\\\slash and\\nnewline.\n"
        "# TYPE t_up gauge\n"
        "t_up{service=\"test\"} 0.005\n"
        "# HELP t_seconds Durations.\n"
        "# TYPE t_seconds histogram\n"
        "t_seconds_bucket{service=\"test\",command=\"A.B\",le=\"0.25\"} 2\n"
        "t_seconds_bucket{service=\"test\",command=\"A.B\",le=\"1\"} 3\n"
        "t_seconds_bucket{service=\"test\",command=\"A.B\",le=\"+Inf\"} 4\n"
        "t_seconds_sum{service=\"test\",command=\"A.B\"} 2.875\n"
        "t_seconds_count{service=\"test\",command=\"A.B\"} 4\n";
    size_t size = 0;
    char *text = wfa_prom_render (prom, &size);
    if (!streq (text, expected))
        printf ("got:\n%s\nexpected:\n%s", text, expected);
    assert (streq (text, expected) && size == strlen (expected));
    free (text);
    assert (wfa_prom_value (prom, "t_calls_total", "A.B", NULL) == 2);
    assert (wfa_prom_value (prom, "t_seconds", "A.B", NULL) == 4);
    assert (isnan (wfa_prom_value (prom, "t_calls_total", "C.D", NULL)));
    //  Misuse is logged and ignored, never a crash
    wfa_prom_add (prom, "t_nothing_total", 1, NULL);
    wfa_prom_add (prom, "t_calls_total", 1, "A.B", "extra", NULL);
    wfa_prom_observe (prom, "t_calls_total", 1, "A.B", NULL);
    wfa_prom_add (prom, "t_seconds", 1, "A.B", NULL);
    assert (isnan (wfa_prom_value (prom, "t_nothing_total", NULL)));
    assert (wfa_prom_value (prom, "t_calls_total", "A.B", NULL) == 2);
    assert (wfa_prom_value (prom, "t_seconds", "A.B", NULL) == 4);

    //  Numbers: shortest exact text, NaN and infinities as Prometheus spells them
    char number [64];
    s_number (number, sizeof number, 0.1);
    assert (streq (number, "0.1"));
    s_number (number, sizeof number, 0.1 + 0.2);
    assert (strtod (number, NULL) == 0.1 + 0.2);
    s_number (number, sizeof number, 12345678901.0);
    assert (streq (number, "12345678901"));
    s_number (number, sizeof number, NAN);
    assert (streq (number, "NaN"));
    s_number (number, sizeof number, -INFINITY);
    assert (streq (number, "-Inf"));

    //  The default latency buckets: an observation on a bound counts in it
    wfa_prom_declare (prom, "t_latency_seconds", WFA_PROM_HISTOGRAM, "Latency.", "",
                      wfa_prom_latency_buckets, wfa_prom_latency_bucket_count);
    wfa_prom_observe (prom, "t_latency_seconds", wfa_prom_latency_buckets [0], NULL);
    wfa_prom_observe (prom, "t_latency_seconds", 60, NULL);
    wfa_prom_observe (prom, "t_latency_seconds", NAN, NULL);
    text = wfa_prom_render (prom, NULL);
    assert (strstr (text, "t_latency_seconds_bucket{service=\"test\",le=\"0.0005\"} 1\n"));
    assert (strstr (text, "t_latency_seconds_bucket{service=\"test\",le=\"5\"} 1\n"));
    assert (strstr (text, "t_latency_seconds_bucket{service=\"test\",le=\"+Inf\"} 2\n"));
    assert (strstr (text, "t_latency_seconds_count{service=\"test\"} 2\n"));
    free (text);

    //  Unbounded label values fold into "other"
    wfa_prom_declare (prom, "t_many_total", WFA_PROM_COUNTER, "Many.", "key", NULL, 0);
    for (int key_nbr = 0; key_nbr < WFA_PROM_MAX_SERIES + 5; key_nbr++) {
        char key [16];
        snprintf (key, sizeof key, "k%d", key_nbr);
        wfa_prom_add (prom, "t_many_total", 1, key, NULL);
    }
    assert (wfa_prom_value (prom, "t_many_total", "k0", NULL) == 1);
    assert (wfa_prom_value (prom, "t_many_total", "k999", NULL) == 1);
    assert (wfa_prom_value (prom, "t_many_total", "other", NULL) == 5);
    text = wfa_prom_render (prom, NULL);
    assert (!strstr (text, "\"k1000\""));
    free (text);

    //  Threads: no update lost while others update and scrape
    pthread_t threads [4];
    s_worker_args_t args = { prom, 20000 };
    for (int thread_nbr = 0; thread_nbr < 4; thread_nbr++)
        assert (pthread_create (&threads [thread_nbr], NULL, s_hammer, &args) == 0);
    for (int scrape_nbr = 0; scrape_nbr < 20; scrape_nbr++)
        free (wfa_prom_render (prom, NULL));
    for (int thread_nbr = 0; thread_nbr < 4; thread_nbr++)
        pthread_join (threads [thread_nbr], NULL);
    assert (wfa_prom_value (prom, "t_calls_total", "HAMMER", NULL) == 80000);
    assert (wfa_prom_value (prom, "t_seconds", "HAMMER", NULL) == 80000);

    //  Addresses
    char host [64], port_text [8];
    assert (s_parse_address ("127.0.0.1:9100", host, sizeof host, port_text, sizeof port_text)
            && streq (host, "127.0.0.1") && streq (port_text, "9100"));
    assert (s_parse_address (":0", host, sizeof host, port_text, sizeof port_text) && !*host);
    assert (s_parse_address ("9100", host, sizeof host, port_text, sizeof port_text) && !*host);
    assert (s_parse_address ("*:9100", host, sizeof host, port_text, sizeof port_text) && !*host);
    assert (s_parse_address ("[::1]:9100", host, sizeof host, port_text, sizeof port_text)
            && streq (host, "::1"));
    assert (!s_parse_address ("::1:9100", host, sizeof host, port_text, sizeof port_text));
    assert (!s_parse_address ("host:", host, sizeof host, port_text, sizeof port_text));
    assert (!s_parse_address ("host:70000", host, sizeof host, port_text, sizeof port_text));
    assert (!s_parse_address ("host:9x", host, sizeof host, port_text, sizeof port_text));
    assert (wfa_prom_server_new (prom, "nonsense:") == NULL);

    //  The server: answers, errors, and it keeps serving
    s_timeout_s = 1;
    zactor_t *server = wfa_prom_server_new (prom, "127.0.0.1:0");
    assert (server);
    int port = wfa_prom_server_port (server);
    assert (port > 0);
    const char *get = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.1 200 OK\r\n"));
    assert (strstr (text, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    char *body = strstr (text, "\r\n\r\n");
    assert (body);
    body += 4;
    char *length = strstr (text, "\r\nContent-Length: ");
    assert (length && (size_t) atol (length + 18) == strlen (body));
    assert (s_starts (body, "# HELP t_calls_total Calls by command.\n"));
    free (text);
    //  libmicrohttpd answers what is not HTTP, and closes on what never
    //  ends, without an answer ("")
    struct {
        const char *request;
        const char *status;
    } cases [] = {
        { "GET /metrics?x=1 HTTP/1.0\n\n", "HTTP/1.1 200 " },
        { "HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200 " },
        { "GET /other HTTP/1.0\r\n\r\n", "HTTP/1.1 404 " },
        { "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 " },
        { "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.1 405 " },
        { "DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 " },
        { "get /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 " },
        { "hello there\r\n\r\n", "HTTP/1.1 400 " },
        { "garbage\r\n\r\n", "" },
        { "GET /metrics\r\n\r\n", "HTTP/1.1 400 " },
        { "GET /metrics HTTP/1.1 extra\r\n\r\n", "HTTP/1.1 400 " },
        { "\x16\x03\x01\x02\x05\x01\x07\x01\xfc\x03\x03\n", "" },
        { "GET /metrics HTTP/1.1\r\n", "" },         //  Never ends its headers
        { "GET /met", "" },
        { "", "" },
    };
    for (size_t case_nbr = 0; case_nbr < sizeof cases / sizeof cases [0]; case_nbr++) {
        text = s_http (port, cases [case_nbr].request, strlen (cases [case_nbr].request));
        if (!s_starts (text, cases [case_nbr].status) || (!*cases [case_nbr].status && *text))
            fprintf (stderr, "request %zu: got %.60s\n", case_nbr, text);
        assert (s_starts (text, cases [case_nbr].status));
        assert (*cases [case_nbr].status || !*text);
        if (case_nbr == 1)
            assert (strstr (text, "\r\n\r\n") [4] == 0);       //  HEAD: no body
        if (strstr (cases [case_nbr].status, "405"))
            assert (strstr (text, "\r\nAllow: GET, HEAD\r\n"));
        free (text);
    }
    //  Huge: a line that never ends, and endless headers
    size_t huge_size = 256 * 1024;
    char *huge = (char *) malloc (huge_size);
    memset (huge, 'A', huge_size);
    text = s_http (port, huge, huge_size);
    assert (s_starts (text, "HTTP/1.1 414 "));
    free (text);
    memcpy (huge, "GET /metrics HTTP/1.1\r\n", 23);
    for (size_t byte_nbr = 23; byte_nbr + 8 < huge_size; byte_nbr += 8)
        memcpy (huge + byte_nbr, "X: y\r\n  ", 8);
    text = s_http (port, huge, huge_size);
    assert (s_starts (text, "HTTP/1.1 431 "));
    free (text);
    free (huge);
    //  A slow client does not hold up the others, and is cut off
    int slow = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons ((uint16_t) port);
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert (connect (slow, (struct sockaddr *) &address, sizeof address) == 0);
    assert (send (slow, "GET /me", 7, MSG_NOSIGNAL) == 7);
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.1 200 "));
    free (text);
    char answer [64] = "";
    struct timeval patience = { 10, 0 };
    setsockopt (slow, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    assert (recv (slow, answer, sizeof answer - 1, 0) == 0);
    close (slow);
    //  Many clients at once: all served
    int many [48];
    for (int conn_nbr = 0; conn_nbr < 48; conn_nbr++) {
        many [conn_nbr] = socket (AF_INET, SOCK_STREAM, 0);
        setsockopt (many [conn_nbr], SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
        assert (connect (many [conn_nbr], (struct sockaddr *) &address, sizeof address) == 0);
        assert (send (many [conn_nbr], get, strlen (get), MSG_NOSIGNAL) == (ssize_t) strlen (get));
    }
    for (int conn_nbr = 0; conn_nbr < 48; conn_nbr++) {
        memset (answer, 0, sizeof answer);
        assert (recv (many [conn_nbr], answer, sizeof answer - 1, 0) > 0);
        assert (s_starts (answer, "HTTP/1.1 200 "));
        close (many [conn_nbr]);
    }
    //  A connection is counted when it closes: wait for the last ones
    for (int wait_nbr = 0; wait_nbr < 100
         && wfa_prom_value (prom, "wfa_http_requests_total", "200", NULL) < 52; wait_nbr++)
        zclock_sleep (20);
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.1 200 "));
    if (!strstr (text, "wfa_http_requests_total{service=\"test\",code=\"none\"} 10\n"))
        fprintf (stderr, "%s", strstr (text, "# HELP wfa_http"));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"none\"} 10\n"));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"404\"} 2\n"));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"405\"} 3\n"));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"431\"} 1\n"));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"200\"} 52\n"));
    assert (!strstr (text, "code=\"400\"") && !strstr (text, "code=\"408\""));
    free (text);
    zactor_destroy (&server);

    //  A busy port: the server waits for it, then serves
    int blocker = socket (AF_INET, SOCK_STREAM, 0);
    address.sin_port = 0;
    assert (bind (blocker, (struct sockaddr *) &address, sizeof address) == 0);
    assert (listen (blocker, 1) == 0);
    socklen_t address_size = sizeof address;
    assert (getsockname (blocker, (struct sockaddr *) &address, &address_size) == 0);
    port = ntohs (address.sin_port);
    char wanted [32];
    snprintf (wanted, sizeof wanted, "127.0.0.1:%d", port);
    server = wfa_prom_server_new (prom, wanted);
    assert (server && wfa_prom_server_port (server) == 0);
    close (blocker);
    for (int wait_nbr = 0; wait_nbr < 100 && wfa_prom_server_port (server) == 0; wait_nbr++)
        zclock_sleep (50);
    assert (wfa_prom_server_port (server) == port);
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.1 200 "));
    free (text);
    zactor_destroy (&server);
    s_timeout_s = 5;
    wfa_prom_destroy (&prom);
    assert (prom == NULL);

    //  A table of families: a histogram gets the latency buckets
    static const wfa_prom_family_t families [] = {
        { "t_done_total", WFA_PROM_COUNTER, "", "Done." },
        { "t_wait_seconds", WFA_PROM_HISTOGRAM, "queue", "Waits, by queue." },
        { NULL, WFA_PROM_COUNTER, NULL, NULL }
    };
    prom = wfa_prom_new ();
    wfa_prom_declare_all (prom, families);
    assert (wfa_prom_value (prom, "t_done_total", NULL) == 0);
    wfa_prom_observe (prom, "t_wait_seconds", 0.003, "q1", NULL);
    assert (wfa_prom_value (prom, "t_wait_seconds", "q1", NULL) == 1);
    text = wfa_prom_render (prom, NULL);
    char bucket [64];
    snprintf (bucket, sizeof bucket, "t_wait_seconds_bucket{queue=\"q1\",le=\"%g\"}",
              wfa_prom_latency_buckets [wfa_prom_latency_bucket_count - 1]);
    assert (strstr (text, bucket));
    free (text);
    wfa_prom_destroy (&prom);

    //  The process registry and its service label
    zactor_t *none = wfa_prom_start ("selftest");
    assert (none == NULL);          //  WFA_METRICS_ADDR is off by default
    text = wfa_prom_render (wfa_prom (), NULL);
    assert (strstr (text, "wfa_process_start_time_seconds{service=\"selftest\"} "));
    free (text);
    if (verbose)
        printf ("wfa_prom: ok\n");
}
