/*  wfa_prom.c - the metrics registry, its exposition and its HTTP server.

    The registry is a list of families, each with its series in creation
    order and an index by rendered labels (name="value",...), which is
    unique because values are escaped. Everything is under one mutex: an
    update is a hash lookup, a scrape renders a few kilobytes.

    The HTTP server is one actor thread polling its pipe, a plain POSIX
    listening socket and up to S_CONNECTIONS non-blocking connections.
    Each connection lives at most s_timeout_ms to send its request and
    s_timeout_ms more to take the answer, reads at most S_REQUEST_MAX
    bytes, gets one HTTP/1.0 answer and is closed, so no client, however
    slow, garbled or large, holds memory or the thread for long.
    (Sockets come from czmq's prelude: only this module uses them.) */
#include "wfa.h"

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

static void
s_series_destroy (s_series_t **self_p)
{
    s_series_t *self = *self_p;
    if (self) {
        free (self->labels);
        free (self->buckets);
        free (self);
        *self_p = NULL;
    }
}

static void
s_family_destroy (s_family_t **self_p)
{
    s_family_t *self = *self_p;
    if (self) {
        s_series_t *series = (s_series_t *) zlist_first (self->series);
        while (series) {
            s_series_destroy (&series);
            series = (s_series_t *) zlist_next (self->series);
        }
        zlist_destroy (&self->series);
        zhash_destroy (&self->index);
        for (size_t label_nbr = 0; label_nbr < self->label_count; label_nbr++)
            free (self->label_names [label_nbr]);
        free (self->bounds);
        free (self->name);
        free (self->help);
        free (self);
        *self_p = NULL;
    }
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
        s_family_t *family = (s_family_t *) zlist_first (self->families);
        while (family) {
            s_family_destroy (&family);
            family = (s_family_t *) zlist_next (self->families);
        }
        zlist_destroy (&self->families);
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
        if (family->label_count == 0)
            s_series (family, "");      //  So it reads 0 before anything happens
    }
    pthread_mutex_unlock (&self->mutex);
}

//  What an update does to its series.
typedef enum { S_ADD, S_SET, S_OBSERVE } s_update_t;

static void
s_update (wfa_prom_t *self, const char *name, s_update_t update, double value, va_list args)
{
    char labels [S_LABELS_MAX];
    pthread_mutex_lock (&self->mutex);
    s_family_t *family = s_lookup (self, name, args, labels, sizeof labels);
    bool histogram = family && family->kind == WFA_PROM_HISTOGRAM;
    if (family && histogram != (update == S_OBSERVE))
        wfa_log ("E", "metric %s: %s", name, histogram? "a histogram only observes":
                                                       "only a histogram observes");
    else
    if (family) {
        s_series_t *series = s_series (family, labels);
        if (update == S_ADD)
            series->value += value;
        else
        if (update == S_SET)
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
wfa_prom_add (wfa_prom_t *self, const char *name, double value, ...)
{
    va_list args;
    va_start (args, value);
    s_update (self, name, S_ADD, value, args);
    va_end (args);
}

void
wfa_prom_set (wfa_prom_t *self, const char *name, double value, ...)
{
    va_list args;
    va_start (args, value);
    s_update (self, name, S_SET, value, args);
    va_end (args);
}

void
wfa_prom_observe (wfa_prom_t *self, const char *name, double value, ...)
{
    va_list args;
    va_start (args, value);
    s_update (self, name, S_OBSERVE, value, args);
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

#define S_REQUEST_MAX   8192        //  Bytes of a request line and headers
#define S_CONNECTIONS   16          //  Connections served at once; more wait in the backlog
#define S_DRAIN_MS      1000        //  Reading what a client still sends after its answer

//  Time a client has to send its request, and again to take the answer.
//  Prometheus sends its request at once; the selftest shortens this.
static int s_timeout_ms = 5000;

typedef enum { S_FREE, S_READING, S_WRITING, S_DRAINING } s_state_t;

typedef struct {
    s_state_t state;
    int fd;
    char request [S_REQUEST_MAX];   //  What arrived so far
    size_t received;
    char *response;                 //  Status line, headers and body
    size_t size;
    size_t sent;
    int64_t deadline;               //  Monotonic ms
} s_conn_t;

typedef struct {
    wfa_prom_t *prom;               //  What we serve
    char address [300];             //  As configured, for logs
    char host [256];                //  "" for every interface
    char port [8];
    int listener;                   //  -1 while not bound
    int bound_port;                 //  0 while not bound
    int64_t next_bind;              //  Monotonic ms of the next bind attempt
    int64_t accept_after;           //  Pause accepting after an accept error
    bool bind_failed;               //  A failure was logged
    s_conn_t conns [S_CONNECTIONS];
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

//  Try to listen on the configured address.
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
            struct sockaddr_storage bound;
            socklen_t bound_size = sizeof bound;
            char numeric [NI_MAXHOST] = "?";
            char service [NI_MAXSERV] = "0";
            if (getsockname (fd, (struct sockaddr *) &bound, &bound_size) == 0)
                getnameinfo ((struct sockaddr *) &bound, bound_size, numeric, sizeof numeric,
                             service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV);
            self->listener = fd;
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
    if (self->listener < 0 && !self->bind_failed) {
        wfa_log ("E", "metrics: cannot listen on %s: %s; trying again every second",
                 self->address, problem);
        self->bind_failed = true;
    }
}

static void
s_close (s_conn_t *conn)
{
    if (conn->fd >= 0)
        close (conn->fd);
    free (conn->response);
    conn->response = NULL;
    conn->fd = -1;
    conn->state = S_FREE;
}

static void s_write (s_conn_t *conn);

//  Answer a request with status; the metrics themselves for 200.
static void
s_answer (s_server_t *self, s_conn_t *conn, int status, bool head)
{
    const char *reason = status == 200? "OK":
                         status == 400? "Bad Request":
                         status == 404? "Not Found":
                         status == 405? "Method Not Allowed":
                         status == 408? "Request Timeout": "Request Header Fields Too Large";
    char *body = NULL;
    size_t body_size = 0;
    if (status == 200)
        body = wfa_prom_render (self->prom, &body_size);
    else {
        char text [128];
        snprintf (text, sizeof text, "%d %s%s\n", status, reason,
                  status == 404? ": the metrics are at /metrics": "");
        body = strdup (text);
        body_size = strlen (body);
    }
    char header [512];
    int header_size = snprintf (header, sizeof header,
        "HTTP/1.0 %d %s\r\n"
        "Content-Type: %s\r\n"
        "Content-Length: %zu\r\n"
        "%s"
        "Connection: close\r\n"
        "\r\n", status, reason,
        status == 200? "text/plain; version=0.0.4; charset=utf-8": "text/plain; charset=utf-8",
        body_size, status == 405? "Allow: GET, HEAD\r\n": "");
    conn->size = (size_t) header_size + (head? 0: body_size);
    conn->response = (char *) malloc (conn->size);
    assert (conn->response);
    memcpy (conn->response, header, (size_t) header_size);
    if (!head)
        memcpy (conn->response + header_size, body, body_size);
    free (body);
    conn->sent = 0;
    conn->state = S_WRITING;
    conn->deadline = zclock_mono () + s_timeout_ms;
    char code [8];
    snprintf (code, sizeof code, "%d", status);
    wfa_prom_add (self->prom, "wfa_http_requests_total", 1, code, NULL);
    s_write (conn);
}

//  Look at what arrived: a bad request line is answered at once, a good
//  request once its headers are complete.
static void
s_parse (s_server_t *self, s_conn_t *conn)
{
    const char *line = conn->request;
    const char *line_end = (const char *) memchr (line, '\n', conn->received);
    if (!line_end) {
        if (conn->received == S_REQUEST_MAX)
            s_answer (self, conn, 431, false);
        return;
    }
    size_t line_len = (size_t) (line_end - line);
    if (line_len > 0 && line [line_len - 1] == '\r')
        line_len--;
    //  METHOD SP TARGET SP HTTP/d.d
    const char *space1 = (const char *) memchr (line, ' ', line_len);
    const char *space2 = space1? (const char *) memchr (space1 + 1, ' ',
                                                        line_len - (size_t) (space1 + 1 - line)): NULL;
    size_t method_len = space1? (size_t) (space1 - line): 0;
    const char *target = space1? space1 + 1: NULL;
    size_t target_len = space2? (size_t) (space2 - target): 0;
    const char *version = space2? space2 + 1: NULL;
    size_t version_len = space2? line_len - (size_t) (version - line): 0;
    bool valid = method_len >= 1 && method_len <= 16 && target_len >= 1 && target [0] == '/'
              && version_len == 8 && memcmp (version, "HTTP/", 5) == 0
              && isdigit ((unsigned char) version [5]) && version [6] == '.'
              && isdigit ((unsigned char) version [7]);
    for (size_t byte_nbr = 0; valid && byte_nbr < method_len; byte_nbr++)
        valid = line [byte_nbr] >= 'A' && line [byte_nbr] <= 'Z';
    for (size_t byte_nbr = 0; valid && byte_nbr < target_len; byte_nbr++)
        valid = isgraph ((unsigned char) target [byte_nbr]);
    if (!valid) {
        s_answer (self, conn, 400, false);
        return;
    }
    bool complete = memmem (line, conn->received, "\r\n\r\n", 4)
                 || memmem (line, conn->received, "\n\n", 2);
    if (!complete) {
        if (conn->received == S_REQUEST_MAX)
            s_answer (self, conn, 431, false);
        return;
    }
    bool head = method_len == 4 && memcmp (line, "HEAD", 4) == 0;
    bool get = method_len == 3 && memcmp (line, "GET", 3) == 0;
    const char *query = (const char *) memchr (target, '?', target_len);
    size_t path_len = query? (size_t) (query - target): target_len;
    if (!get && !head)
        s_answer (self, conn, 405, false);
    else
    if (path_len != 8 || memcmp (target, "/metrics", 8) != 0)
        s_answer (self, conn, 404, head);
    else
        s_answer (self, conn, 200, head);
}

//  Read what the client sent.
static void
s_read (s_server_t *self, s_conn_t *conn)
{
    while (conn->state == S_READING && conn->received < S_REQUEST_MAX) {
        ssize_t got = recv (conn->fd, conn->request + conn->received,
                            S_REQUEST_MAX - conn->received, 0);
        if (got > 0) {
            conn->received += (size_t) got;
            s_parse (self, conn);
        }
        else
        if (got < 0 && errno == EINTR)
            continue;
        else {
            if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                s_close (conn);         //  Gone before a whole request: nobody to answer
            return;
        }
    }
}

//  Send what is left of the answer; then stop writing and drain.
static void
s_write (s_conn_t *conn)
{
    while (conn->sent < conn->size) {
        ssize_t put = send (conn->fd, conn->response + conn->sent, conn->size - conn->sent,
                            MSG_NOSIGNAL);
        if (put > 0)
            conn->sent += (size_t) put;
        else
        if (put < 0 && errno == EINTR)
            continue;
        else {
            if (put == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                s_close (conn);
            return;
        }
    }
    //  Closing while the client still sends would reset the connection
    //  and could destroy the answer before it is read: half-close, then
    //  read and drop until the client closes or S_DRAIN_MS pass
    shutdown (conn->fd, SHUT_WR);
    free (conn->response);
    conn->response = NULL;
    conn->state = S_DRAINING;
    int64_t drain_until = zclock_mono () + S_DRAIN_MS;
    if (drain_until < conn->deadline)
        conn->deadline = drain_until;
}

static void
s_drain (s_conn_t *conn)
{
    char scrap [4096];
    while (true) {
        ssize_t got = recv (conn->fd, scrap, sizeof scrap, 0);
        if (got > 0)
            continue;
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            s_close (conn);
        return;
    }
}

//  Take new connections while there is room.
static void
s_accept (s_server_t *self)
{
    for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS; conn_nbr++) {
        s_conn_t *conn = &self->conns [conn_nbr];
        if (conn->state != S_FREE)
            continue;
        int fd = accept4 (self->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            //  Out of descriptors, say: pause rather than spin on the listener
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                self->accept_after = zclock_mono () + 100;
            return;
        }
        conn->fd = fd;
        conn->state = S_READING;
        conn->received = 0;
        conn->deadline = zclock_mono () + s_timeout_ms;
    }
}

//  The server actor.
static void
s_server_actor (zsock_t *pipe, void *args)
{
    s_server_t *self = (s_server_t *) args;
    for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS; conn_nbr++)
        self->conns [conn_nbr].fd = -1;
    s_bind (self);              //  Before the signal, so the port is known at once
    zsock_signal (pipe, 0);
    zmq_pollitem_t items [2 + S_CONNECTIONS];
    s_conn_t *polled [2 + S_CONNECTIONS];
    bool running = true;
    while (running) {
        int64_t now = zclock_mono ();
        int64_t wake = now + 1000;
        int count = 0;
        items [count] = (zmq_pollitem_t) { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 };
        polled [count++] = NULL;
        bool room = false;
        for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS; conn_nbr++) {
            s_conn_t *conn = &self->conns [conn_nbr];
            if (conn->state == S_FREE) {
                room = true;
                continue;
            }
            items [count] = (zmq_pollitem_t) { NULL, conn->fd,
                (short) (conn->state == S_WRITING? ZMQ_POLLOUT: ZMQ_POLLIN), 0 };
            polled [count++] = conn;
            if (conn->deadline < wake)
                wake = conn->deadline;
        }
        int listener_item = -1;
        if (self->listener >= 0 && room && now >= self->accept_after) {
            listener_item = count;
            items [count] = (zmq_pollitem_t) { NULL, self->listener, ZMQ_POLLIN, 0 };
            polled [count++] = NULL;
        }
        if (self->listener < 0 && self->next_bind < wake)
            wake = self->next_bind;
        if (self->listener >= 0 && room && self->accept_after > now && self->accept_after < wake)
            wake = self->accept_after;
        int rc = zmq_poll (items, count, (long) (wake > now? wake - now: 0));
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
        for (int item_nbr = 1; rc > 0 && running && item_nbr < count; item_nbr++) {
            s_conn_t *conn = polled [item_nbr];
            if (!items [item_nbr].revents)
                continue;
            if (item_nbr == listener_item)
                s_accept (self);
            else
            if (conn->state == S_READING)
                s_read (self, conn);
            else
            if (conn->state == S_WRITING)
                s_write (conn);
            else
            if (conn->state == S_DRAINING)
                s_drain (conn);
        }
        now = zclock_mono ();
        for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS; conn_nbr++) {
            s_conn_t *conn = &self->conns [conn_nbr];
            if (conn->state == S_FREE || conn->deadline > now)
                continue;
            if (conn->state == S_READING)
                s_answer (self, conn, 408, false);      //  Too slow: tell it, then close
            else
                s_close (conn);
        }
        if (self->listener < 0 && now >= self->next_bind)
            s_bind (self);
    }
    for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS; conn_nbr++)
        if (self->conns [conn_nbr].state != S_FREE)
            s_close (&self->conns [conn_nbr]);
    if (self->listener >= 0)
        close (self->listener);
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
    self->listener = -1;
    wfa_prom_declare (prom, "wfa_http_requests_total", WFA_PROM_COUNTER,
                      "Requests to this metrics endpoint, by HTTP status answered.",
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
    s_timeout_ms = 500;
    zactor_t *server = wfa_prom_server_new (prom, "127.0.0.1:0");
    assert (server);
    int port = wfa_prom_server_port (server);
    assert (port > 0);
    const char *get = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.0 200 OK\r\n"));
    assert (strstr (text, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    char *body = strstr (text, "\r\n\r\n");
    assert (body);
    body += 4;
    char *length = strstr (text, "\r\nContent-Length: ");
    assert (length && (size_t) atol (length + 18) == strlen (body));
    assert (s_starts (body, "# HELP t_calls_total Calls by command.\n"));
    free (text);
    struct {
        const char *request;
        const char *status;
    } cases [] = {
        { "GET /metrics?x=1 HTTP/1.0\n\n", "HTTP/1.0 200 " },
        { "HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 " },
        { "GET /other HTTP/1.0\r\n\r\n", "HTTP/1.0 404 " },
        { "GET / HTTP/1.1\r\n\r\n", "HTTP/1.0 404 " },
        { "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.0 405 " },
        { "DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.0 405 " },
        { "garbage\r\n\r\n", "HTTP/1.0 400 " },
        { "\x16\x03\x01\x02\x05\x01\x07\x01\xfc\x03\x03\n", "HTTP/1.0 400 " },
        { "GET /metrics\r\n\r\n", "HTTP/1.0 400 " },
        { "GET  /metrics HTTP/1.1\r\n\r\n", "HTTP/1.0 400 " },
        { "get /metrics HTTP/1.1\r\n\r\n", "HTTP/1.0 400 " },
        { "GET /metrics HTTP/1.1\r\n", "HTTP/1.0 408 " },     //  Never ends its headers
        { "GET /met", "HTTP/1.0 408 " },
        { "", "HTTP/1.0 408 " },
    };
    for (size_t case_nbr = 0; case_nbr < sizeof cases / sizeof cases [0]; case_nbr++) {
        text = s_http (port, cases [case_nbr].request, strlen (cases [case_nbr].request));
        if (!s_starts (text, cases [case_nbr].status))
            printf ("request %zu: got %.60s\n", case_nbr, text);
        assert (s_starts (text, cases [case_nbr].status));
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
    assert (s_starts (text, "HTTP/1.0 431 "));
    free (text);
    memcpy (huge, "GET /metrics HTTP/1.1\r\n", 23);
    for (size_t byte_nbr = 23; byte_nbr + 8 < huge_size; byte_nbr += 8)
        memcpy (huge + byte_nbr, "X: y\r\n  ", 8);
    text = s_http (port, huge, huge_size);
    assert (s_starts (text, "HTTP/1.0 431 "));
    free (text);
    free (huge);
    //  A slow client does not hold up the others
    int slow = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons ((uint16_t) port);
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert (connect (slow, (struct sockaddr *) &address, sizeof address) == 0);
    assert (send (slow, "GET /me", 7, MSG_NOSIGNAL) == 7);
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.0 200 "));
    free (text);
    char answer [64] = "";
    struct timeval patience = { 10, 0 };
    setsockopt (slow, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    assert (recv (slow, answer, sizeof answer - 1, 0) > 0);
    assert (s_starts (answer, "HTTP/1.0 408 "));
    close (slow);
    //  More clients at once than connection slots: all served in turn
    int many [S_CONNECTIONS * 2];
    for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS * 2; conn_nbr++) {
        many [conn_nbr] = socket (AF_INET, SOCK_STREAM, 0);
        setsockopt (many [conn_nbr], SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
        assert (connect (many [conn_nbr], (struct sockaddr *) &address, sizeof address) == 0);
        assert (send (many [conn_nbr], get, strlen (get), MSG_NOSIGNAL) == (ssize_t) strlen (get));
    }
    for (int conn_nbr = 0; conn_nbr < S_CONNECTIONS * 2; conn_nbr++) {
        memset (answer, 0, sizeof answer);
        assert (recv (many [conn_nbr], answer, sizeof answer - 1, 0) > 0);
        assert (s_starts (answer, "HTTP/1.0 200 "));
        close (many [conn_nbr]);
    }
    text = s_http (port, get, strlen (get));
    assert (s_starts (text, "HTTP/1.0 200 "));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"400\"} 5\n"));
    assert (strstr (text, "wfa_http_requests_total{service=\"test\",code=\"408\"} 4\n"));
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
    assert (s_starts (text, "HTTP/1.0 200 "));
    free (text);
    zactor_destroy (&server);
    s_timeout_ms = 5000;
    wfa_prom_destroy (&prom);
    assert (prom == NULL);

    //  The process registry and its service label
    zactor_t *none = wfa_prom_start ("selftest");
    assert (none == NULL);          //  WFA_METRICS_ADDR is off by default
    text = wfa_prom_render (wfa_prom (), NULL);
    assert (strstr (text, "wfa_process_start_time_seconds{service=\"selftest\"} "));
    free (text);
    if (verbose)
        printf ("wfa_prom: ok\n");
}
