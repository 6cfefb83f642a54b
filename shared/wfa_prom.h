/*  wfa_prom.h - operational metrics for Prometheus: a registry of
    counters, gauges and histograms, its text exposition (format 0.0.4),
    and a small HTTP server that answers GET /metrics.

    Each process has one registry (wfa_prom ()). The worker actor, the
    consumer actor, the broker's loop and the HTTP server all touch it from
    their own threads; one mutex makes every update and every scrape
    atomic, which costs far less than a call's Redis round trip.

    A family is declared once with its label names; an update
    (wfa_prom_add, wfa_prom_set, wfa_prom_observe: the three ways of
    wfa_prom_update) names the family and gives the label values,
    NULL-terminated:

        wfa_prom_add (prom, "wfa_errors_total", 1, command, code, NULL);

    Label values must come from bounded sets (command names from a route
    table, reply codes, pemda codes); a family that still grows past
    WFA_PROM_MAX_SERIES folds further values into one "other" series.
    docs/operations.md lists every metric the programs export. */
#ifndef WFA_PROM_H_INCLUDED
#define WFA_PROM_H_INCLUDED

typedef struct _wfa_prom_t wfa_prom_t;

typedef enum {
    WFA_PROM_COUNTER,
    WFA_PROM_GAUGE,
    WFA_PROM_HISTOGRAM
} wfa_prom_kind_t;

#define WFA_PROM_MAX_LABELS 4           //  Label names per family, besides constant ones
#define WFA_PROM_MAX_SERIES 1000        //  Series per family before folding into "other"

//  Bucket upper bounds in seconds for call and event handling times:
//  a Lua step takes well under a millisecond, a slow Redis a second.
extern const double wfa_prom_latency_buckets [];
extern const size_t wfa_prom_latency_bucket_count;

//  A new, empty registry.
wfa_prom_t *wfa_prom_new (void);

//  Destroy a registry; nulls the pointer.
void wfa_prom_destroy (wfa_prom_t **self_p);

//  The process's registry, made on first use, never freed.
wfa_prom_t *wfa_prom (void);

//  Add name="value" to every series of the registry, e.g. service="requests".
void wfa_prom_const_label (wfa_prom_t *self, const char *name, const char *value);

//  Declare a family. labels: comma-separated label names, "" for none.
//  bounds: a histogram's bucket upper bounds, ascending (+Inf is added);
//  NULL for a counter or gauge. Declaring a name again changes nothing. A
//  family without labels starts with its one series at zero.
void wfa_prom_declare (wfa_prom_t *self, const char *name, wfa_prom_kind_t kind,
                       const char *help, const char *labels,
                       const double *bounds, size_t bound_count);

//  One row of a table of families (wfa_prom_declare_all).
typedef struct {
    const char *name;
    wfa_prom_kind_t kind;
    const char *labels;         //  Comma-separated label names, "" for none
    const char *help;
} wfa_prom_family_t;

//  Declare every family of a table that ends with a NULL name; a histogram
//  gets the latency buckets (wfa_prom_latency_buckets).
void wfa_prom_declare_all (wfa_prom_t *self, const wfa_prom_family_t *families);

//  How an update changes its series.
typedef enum {
    WFA_PROM_ADD,               //  Add value to a counter or gauge (created at zero if new)
    WFA_PROM_SET,               //  Set a gauge; or a counter that mirrors a count kept elsewhere
    WFA_PROM_OBSERVE            //  Record one observation in a histogram
} wfa_prom_update_t;

//  Update the series of family name with the label values that follow
//  value, ending with NULL; the three verbs below are its usual names.
void wfa_prom_update (wfa_prom_t *self, wfa_prom_update_t update, const char *name, double value, ...)
    __attribute__ ((sentinel));
#define wfa_prom_add(self, ...)     wfa_prom_update ((self), WFA_PROM_ADD, __VA_ARGS__)
#define wfa_prom_set(self, ...)     wfa_prom_update ((self), WFA_PROM_SET, __VA_ARGS__)
#define wfa_prom_observe(self, ...) wfa_prom_update ((self), WFA_PROM_OBSERVE, __VA_ARGS__)

//  Current value of a series: a counter's or gauge's value, a histogram's
//  count; NAN when the family or series does not exist.
double wfa_prom_value (wfa_prom_t *self, const char *name, ...)
    __attribute__ ((sentinel));

//  The exposition text, with its size in *size_p if not NULL. Caller frees.
char *wfa_prom_render (wfa_prom_t *self, size_t *size_p);

//  Seconds on a monotonic clock, for durations.
double wfa_prom_clock (void);

//  Serve self over HTTP on address: "host:port", ":port", "port" or
//  "[v6]:port"; port 0 picks a free one. While the port cannot be bound
//  the server logs once and tries again every second, so metrics never
//  stop a service from running. Returns NULL if address does not parse.
zactor_t *wfa_prom_server_new (wfa_prom_t *self, const char *address);

//  The port a server listens on, or 0 while it is not bound.
int wfa_prom_server_port (zactor_t *server);

//  For a program's main: label the process's registry with
//  service="<service>", record the start time, and serve it on
//  WFA_METRICS_ADDR if that is set. Returns the server, or NULL.
zactor_t *wfa_prom_start (const char *service);

void wfa_prom_test (bool verbose);

#endif
