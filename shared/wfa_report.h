/*  wfa_report.h - a monev report (MONEV.REPORT's reply, docs/protocol.md)
    rendered as a document: a printable, self-contained HTML page, a
    sectioned CSV, or (wfa_report_xlsx.c, linked with libxlsxwriter only by
    the programs that write workbooks) an XLSX workbook. The gateway and
    wfactl render the same reply the same way; wfa-monev renders the CSV
    without its last line to compute the report's SHA-256 (the canonical
    content, docs/monev.md "Checking a report"). */
#ifndef WFA_REPORT_H_INCLUDED
#define WFA_REPORT_H_INCLUDED

typedef enum {
    WFA_REPORT_HTML,            //  text/html; charset=utf-8
    WFA_REPORT_CSV,             //  text/csv; charset=utf-8 (RFC 4180, CRLF)
    WFA_REPORT_XLSX             //  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
} wfa_report_format_t;

//  The format named "html", "csv" or "xlsx"; -1 for any other name.
int wfa_report_format (const char *name);

//  The Content-Type and file extension of a format.
const char *wfa_report_content_type (wfa_report_format_t format);
const char *wfa_report_extension (wfa_report_format_t format);

//  Render report (a MONEV.REPORT reply map) as HTML or CSV in lang into a
//  new chunk the caller destroys; NULL if report is not such a map.
zchunk_t *wfa_report_render (const msgpack_object *report, wfa_report_format_t format, wfa_lang_t lang);

//  The canonical content of report: its CSV without the content_sha256
//  line, whose SHA-256 (hex, 65 bytes with the NUL) goes into sha256.
//  Returns 0, or -1 if report is not a report map.
int wfa_report_digest (const msgpack_object *report, char sha256 [65]);

//  Render report as an XLSX workbook into a new chunk, or NULL
//  (wfa_report_xlsx.c; link with pkg-config --libs xlsxwriter).
zchunk_t *wfa_report_xlsx (const msgpack_object *report, wfa_lang_t lang);

//  Access to the report's parts, shared by the renderers: the value at a
//  dotted path of a map ("checkins.on_time"), NULL when absent.
const msgpack_object *wfa_report_get (const msgpack_object *map, const char *path);

//  One figure of a report's tables: its dotted path in a MonevPeriod map and
//  its label (the text table of shared/wfa_error.c, id/en).
typedef struct {
    const char *path;
    wfa_text_t label;
} wfa_report_figure_t;

//  The figures every table shows, in order; NULL-terminated by path.
extern const wfa_report_figure_t wfa_report_figures [];

//  A text of the table as the documents show it (its template formatted:
//  "%%" is "%"), valid until this thread's fourth call after this one.
const char *wfa_report_label (wfa_text_t key, wfa_lang_t lang);

//  A heading or word of the documents by key, in lang (its text is in the
//  text table of shared/wfa_error.c); the key itself when unknown.
const char *wfa_report_text (const char *key, wfa_lang_t lang);

//  A scalar as text into buf ("" for nil or a container): integers as
//  they are, numbers with two decimals, booleans true/false.
const char *wfa_report_scalar (const msgpack_object *value, char *buf, size_t size);

void wfa_report_test (bool verbose);

#endif
