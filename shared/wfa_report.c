/*  wfa_report.c - a monev report as a printable HTML page or a sectioned
    CSV (the XLSX workbook is in wfa_report_xlsx.c). Both walk the same
    tables: the report's fields (s_cover), the figures of a period
    (wfa_report_figures) and the headings (s_texts), so every rendering
    shows the same things in the same order. The CSV is language-neutral and
    is the report's canonical content: its SHA-256, without the line that
    carries it, is the report's content_sha256. */
#include "wfa.h"
#include "wfa_report.h"

//  ---------------------------------------------------------------------
//  The tables

const wfa_report_figure_t wfa_report_figures [] = {
    { "flexible.days",           WFA_T_REPORT_FIG_FLEXIBLE_DAYS },
    { "flexible.location_days",  WFA_T_REPORT_FIG_FLEXIBLE_LOCATION_DAYS },
    { "flexible.judged_days",    WFA_T_REPORT_FIG_FLEXIBLE_JUDGED_DAYS },
    { "flexible.working_days",   WFA_T_REPORT_FIG_FLEXIBLE_WORKING_DAYS },
    { "flexible.cap_use_pct",    WFA_T_REPORT_FIG_FLEXIBLE_CAP_USE_PCT },
    { "flexible.unapproved_days", WFA_T_REPORT_FIG_FLEXIBLE_UNAPPROVED_DAYS },
    { "checkins.on_time",        WFA_T_REPORT_FIG_CHECKINS_ON_TIME },
    { "checkins.late",           WFA_T_REPORT_FIG_CHECKINS_LATE },
    { "checkins.missing",        WFA_T_REPORT_FIG_CHECKINS_MISSING },
    { "checkins.flagged",        WFA_T_REPORT_FIG_CHECKINS_FLAGGED },
    { "checkins.compliance_pct", WFA_T_REPORT_FIG_CHECKINS_COMPLIANCE_PCT },
    { "reports.submitted",       WFA_T_REPORT_FIG_REPORTS_SUBMITTED },
    { "reports.late",            WFA_T_REPORT_FIG_REPORTS_LATE },
    { "reports.accepted",        WFA_T_REPORT_FIG_REPORTS_ACCEPTED },
    { "reports.returned",        WFA_T_REPORT_FIG_REPORTS_RETURNED },
    { "reports.submission_pct",  WFA_T_REPORT_FIG_REPORTS_SUBMISSION_PCT },
    { "reports.verification_pct", WFA_T_REPORT_FIG_REPORTS_VERIFICATION_PCT },
    { "attainment.rhks",         WFA_T_REPORT_FIG_ATTAINMENT_RHKS },
    { "attainment.with_target",  WFA_T_REPORT_FIG_ATTAINMENT_WITH_TARGET },
    { "attainment.met",          WFA_T_REPORT_FIG_ATTAINMENT_MET },
    { "attainment.pct",          WFA_T_REPORT_FIG_ATTAINMENT_PCT },
    { "approvals.approved",      WFA_T_REPORT_FIG_APPROVALS_APPROVED },
    { "approvals.rejected",      WFA_T_REPORT_FIG_APPROVALS_REJECTED },
    { "approvals.revoked",       WFA_T_REPORT_FIG_APPROVALS_REVOKED },
    { NULL, WFA_T_COUNT }
};

//  The words of the documents by key: their texts are in the text table of
//  shared/wfa_error.c (id/en); OPD and NIP are the same in both.
static const struct { const char *key; wfa_text_t text; } s_texts [] = {
    { "title",        WFA_T_REPORT_TITLE },
    { "month",        WFA_T_REPORT_MONTH },
    { "year",         WFA_T_REPORT_YEAR },
    { "pemda",        WFA_T_REPORT_PEMDA },
    { "level",        WFA_T_REPORT_LEVEL },
    { "tz",           WFA_T_REPORT_TZ },
    { "all_opds",     WFA_T_REPORT_ALL_OPDS },
    { "period",       WFA_T_REPORT_PERIOD },
    { "days",         WFA_T_REPORT_DAYS },
    { "policy",       WFA_T_REPORT_POLICY },
    { "benchmarks",   WFA_T_REPORT_BENCHMARKS },
    { "benchmark",    WFA_T_REPORT_BENCHMARK },
    { "minimum",      WFA_T_REPORT_MINIMUM },
    { "value",        WFA_T_REPORT_VALUE },
    { "result",       WFA_T_REPORT_RESULT },
    { "meets",        WFA_T_REPORT_MEETS },
    { "below",        WFA_T_REPORT_BELOW },
    { "none",         WFA_T_REPORT_NONE },
    { "compliance",   WFA_T_REPORT_COMPLIANCE },
    { "reports",      WFA_T_REPORT_REPORTS },
    { "attainment",   WFA_T_REPORT_ATTAINMENT },
    { "figures",      WFA_T_REPORT_FIGURES },
    { "figure",       WFA_T_REPORT_FIGURE },
    { "by_opd",       WFA_T_REPORT_BY_OPD },
    { "by_month",     WFA_T_REPORT_BY_MONTH },
    { "suspended",    WFA_T_REPORT_SUSPENDED },
    { "until",        WFA_T_REPORT_UNTIL },
    { "nobody",       WFA_T_REPORT_NOBODY },
    { "verification", WFA_T_REPORT_VERIFICATION },
    { "audit_seq",    WFA_T_REPORT_AUDIT_SEQ },
    { "audit_head",   WFA_T_REPORT_AUDIT_HEAD },
    { "generated_at", WFA_T_REPORT_GENERATED_AT },
    { "sha256",       WFA_T_REPORT_SHA256 },
    { "verify_how",   WFA_T_REPORT_VERIFY_HOW },
    { NULL, WFA_T_COUNT }
};

const char *
wfa_report_label (wfa_text_t key, wfa_lang_t lang)
{
    //  The texts are templates ("%%" for a percent sign): formatted, without
    //  arguments, into one of a few buffers of this thread
    static _Thread_local char buffers [4][512];
    static _Thread_local int next = 0;
    char *buf = buffers [next];
    next = (next + 1) % 4;
    return wfa_text_format (key, lang, buf, sizeof buffers [0]);
}

const char *
wfa_report_text (const char *key, wfa_lang_t lang)
{
    for (size_t text_nbr = 0; s_texts [text_nbr].key; text_nbr++)
        if (streq (s_texts [text_nbr].key, key))
            return wfa_report_label (s_texts [text_nbr].text, lang);
    if (streq (key, "opd") || streq (key, "nip"))
        return streq (key, "opd")? "OPD": "NIP";
    return key;
}

int
wfa_report_format (const char *name)
{
    if (name && streq (name, "html"))
        return WFA_REPORT_HTML;
    if (name && streq (name, "csv"))
        return WFA_REPORT_CSV;
    if (name && streq (name, "xlsx"))
        return WFA_REPORT_XLSX;
    return -1;
}

const char *
wfa_report_content_type (wfa_report_format_t format)
{
    return format == WFA_REPORT_HTML? "text/html; charset=utf-8"
         : format == WFA_REPORT_CSV? "text/csv; charset=utf-8"
         : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

const char *
wfa_report_extension (wfa_report_format_t format)
{
    return format == WFA_REPORT_HTML? "html": format == WFA_REPORT_CSV? "csv": "xlsx";
}

const msgpack_object *
wfa_report_get (const msgpack_object *map, const char *path)
{
    char part [64];
    while (map && map->type == MSGPACK_OBJECT_MAP && *path) {
        const char *dot = strchr (path, '.');
        size_t len = dot? (size_t) (dot - path): strlen (path);
        if (len >= sizeof part)
            return NULL;
        memcpy (part, path, len);
        part [len] = 0;
        map = wfa_mp_get (map, part);
        if (!dot)
            return map;
        path = dot + 1;
    }
    return NULL;
}

const char *
wfa_report_scalar (const msgpack_object *value, char *buf, size_t size)
{
    *buf = 0;
    if (!value)
        return buf;
    if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf (buf, size, "%" PRIu64, value->via.u64);
    else
    if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        snprintf (buf, size, "%" PRId64, value->via.i64);
    else
    if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
        snprintf (buf, size, "%.2f", value->via.f64);
    else
    if (value->type == MSGPACK_OBJECT_BOOLEAN)
        snprintf (buf, size, "%s", value->via.boolean? "true": "false");
    else
    if (value->type == MSGPACK_OBJECT_STR)
        snprintf (buf, size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    return buf;
}

//  The text at path of map into buf ("" when absent).
static const char *
s_text (const msgpack_object *map, const char *path, char *buf, size_t size)
{
    return wfa_report_scalar (wfa_report_get (map, path), buf, size);
}

//  The array at path, NULL when it is not one.
static const msgpack_object_array *
s_array (const msgpack_object *map, const char *path)
{
    const msgpack_object *value = wfa_report_get (map, path);
    return value && value->type == MSGPACK_OBJECT_ARRAY? &value->via.array: NULL;
}

//  The report's own fields of the cover, in order, as dotted paths.
static const char *s_cover [] = {
    "pemda.code", "pemda.name", "pemda.level", "pemda.tz", "opd", "period", "kind", "from", "to",
    "days", "policy_version", NULL
};

//  ---------------------------------------------------------------------
//  CSV: sections, each a "section,NAME" line, a header line and rows

//  A text cell a spreadsheet would take for a formula (=, +, -, @, a tab or
//  a CR first: an imported OPD code or name can start so) gets a leading
//  quote, as spreadsheets themselves mark text; a number stays a number.
static void
s_csv_field (zchunk_t *out, const char *text, bool last)
{
    char *end = NULL;
    if (*text && strchr ("=+-@\t\r", *text)) {
        strtod (text, &end);
        if (end == text || *end) {
            char *marked = zsys_sprintf ("'%s", text);
            wfa_csv_append_field (out, marked, strlen (marked));
            zstr_free (&marked);
            zchunk_extend (out, last? "\r\n": ",", last? 2: 1);
            return;
        }
    }
    wfa_csv_append_field (out, text, strlen (text));
    zchunk_extend (out, last? "\r\n": ",", last? 2: 1);
}

static void
s_csv_pair (zchunk_t *out, const char *name, const char *value)
{
    s_csv_field (out, name, false);
    s_csv_field (out, value, true);
}

//  A table of periods: a first column (its name and each row's value at
//  key), then every figure.
static void
s_csv_periods (zchunk_t *out, const char *section, const char *first, const char *key,
               const char *figures_at, const msgpack_object_array *rows)
{
    char buf [256];
    zchunk_extend (out, "\r\n", 2);
    s_csv_pair (out, "section", section);
    s_csv_field (out, first, false);
    for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++)
        s_csv_field (out, wfa_report_figures [figure_nbr].path, !wfa_report_figures [figure_nbr + 1].path);
    for (size_t row_nbr = 0; rows && row_nbr < rows->size; row_nbr++) {
        const msgpack_object *row = &rows->ptr [row_nbr];
        const msgpack_object *figures = figures_at? wfa_report_get (row, figures_at): row;
        s_csv_field (out, s_text (row, key, buf, sizeof buf), false);
        for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++)
            s_csv_field (out, s_text (figures, wfa_report_figures [figure_nbr].path, buf, sizeof buf),
                         !wfa_report_figures [figure_nbr + 1].path);
    }
}

//  The whole CSV; without the content_sha256 line when canonical.
static zchunk_t *
s_csv (const msgpack_object *report, bool canonical)
{
    char buf [256];
    zchunk_t *out = zchunk_new (NULL, 4096);
    s_csv_pair (out, "section", "report");
    s_csv_pair (out, "field", "value");
    for (size_t field_nbr = 0; s_cover [field_nbr]; field_nbr++)
        s_csv_pair (out, s_cover [field_nbr], s_text (report, s_cover [field_nbr], buf, sizeof buf));
    zchunk_extend (out, "\r\n", 2);
    s_csv_pair (out, "section", "benchmarks");
    s_csv_field (out, "name", false);
    s_csv_field (out, "min_pct", false);
    s_csv_field (out, "pct", false);
    s_csv_field (out, "result", true);
    const msgpack_object_array *benchmarks = s_array (report, "benchmarks");
    for (size_t row_nbr = 0; benchmarks && row_nbr < benchmarks->size; row_nbr++) {
        const msgpack_object *row = &benchmarks->ptr [row_nbr];
        s_csv_field (out, s_text (row, "name", buf, sizeof buf), false);
        s_csv_field (out, s_text (row, "min_pct", buf, sizeof buf), false);
        s_csv_field (out, s_text (row, "pct", buf, sizeof buf), false);
        s_csv_field (out, s_text (row, "result", buf, sizeof buf), true);
    }
    zchunk_extend (out, "\r\n", 2);
    s_csv_pair (out, "section", "figures");
    s_csv_pair (out, "figure", "value");
    const msgpack_object *figures = wfa_report_get (report, "figures");
    for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++)
        s_csv_pair (out, wfa_report_figures [figure_nbr].path,
                    s_text (figures, wfa_report_figures [figure_nbr].path, buf, sizeof buf));
    s_csv_periods (out, "opds", "opd", "opd", "figures", s_array (report, "opds"));
    s_csv_periods (out, "months", "month", "period", NULL, s_array (report, "months"));
    zchunk_extend (out, "\r\n", 2);
    s_csv_pair (out, "section", "suspended");
    s_csv_field (out, "nip", false);
    s_csv_field (out, "opd", false);
    s_csv_field (out, "until", true);
    const msgpack_object_array *suspended = s_array (report, "suspended");
    for (size_t row_nbr = 0; suspended && row_nbr < suspended->size; row_nbr++) {
        const msgpack_object *row = &suspended->ptr [row_nbr];
        s_csv_field (out, s_text (row, "nip", buf, sizeof buf), false);
        s_csv_field (out, s_text (row, "opd", buf, sizeof buf), false);
        s_csv_field (out, s_text (row, "until", buf, sizeof buf), true);
    }
    zchunk_extend (out, "\r\n", 2);
    s_csv_pair (out, "section", "verification");
    s_csv_pair (out, "field", "value");
    s_csv_pair (out, "audit_seq", s_text (report, "verification.audit_seq", buf, sizeof buf));
    s_csv_pair (out, "audit_head", s_text (report, "verification.audit_head", buf, sizeof buf));
    s_csv_pair (out, "generated_at", s_text (report, "verification.generated_at", buf, sizeof buf));
    if (!canonical)
        s_csv_pair (out, "content_sha256", s_text (report, "verification.content_sha256", buf, sizeof buf));
    return out;
}

int
wfa_report_digest (const msgpack_object *report, char sha256 [65])
{
    if (!report || report->type != MSGPACK_OBJECT_MAP)
        return -1;
    zchunk_t *canonical = s_csv (report, true);
    uint8_t digest [SHA256_DIGEST_LENGTH];
    SHA256 (zchunk_data (canonical), zchunk_size (canonical), digest);
    for (int byte_nbr = 0; byte_nbr < SHA256_DIGEST_LENGTH; byte_nbr++)
        snprintf (sha256 + 2 * byte_nbr, 3, "%02x", digest [byte_nbr]);
    zchunk_destroy (&canonical);
    return 0;
}

//  ---------------------------------------------------------------------
//  HTML: one page, its CSS inline, no script, every text escaped

static void
s_html (zchunk_t *out, const char *text)
{
    zchunk_extend (out, text, strlen (text));
}

static void
s_html_escaped (zchunk_t *out, const char *text)
{
    for (; *text; text++) {
        const char *entity = *text == '<'? "&lt;": *text == '>'? "&gt;": *text == '&'? "&amp;"
                           : *text == '"'? "&quot;": *text == '\''? "&#39;": NULL;
        if (entity)
            s_html (out, entity);
        else
            zchunk_extend (out, text, 1);
    }
}

static void
s_html_cell (zchunk_t *out, const char *tag, const char *text)
{
    zchunk_extend (out, "<", 1);
    s_html (out, tag);
    zchunk_extend (out, ">", 1);
    s_html_escaped (out, text);
    s_html (out, "</");
    s_html (out, tag);
    s_html (out, ">");
}

static const char *s_css =
    "@page{size:A4;margin:18mm 15mm}"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;color:#111;margin:2em}"
    "h1{font-size:16pt;margin:0 0 .3em}h2{font-size:12pt;margin:1.4em 0 .4em;border-bottom:1px solid #999}"
    "table{border-collapse:collapse;width:100%;margin:.3em 0}"
    "th,td{border:1px solid #bbb;padding:2px 5px;text-align:left;vertical-align:top}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}"
    ".wide th,.wide td{font-size:7.5pt}.meets{color:#075e1f}.below{color:#9b1111;font-weight:bold}"
    ".verification{margin-top:2em;padding:.6em;border:1px solid #555;font-size:8.5pt;word-break:break-all}"
    "@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}"
    ".verification{break-inside:avoid}}";

//  A table of periods, one row each, every figure a column.
static void
s_html_periods (zchunk_t *out, const char *heading, const char *first, const char *key,
                const char *figures_at, const msgpack_object_array *rows, wfa_lang_t lang)
{
    char buf [256];
    s_html_cell (out, "h2", wfa_report_text (heading, lang));
    s_html (out, "<table class=\"wide\"><tr>");
    s_html_cell (out, "th", wfa_report_text (first, lang));
    for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++)
        s_html_cell (out, "th", wfa_report_label (wfa_report_figures [figure_nbr].label, lang));
    s_html (out, "</tr>");
    for (size_t row_nbr = 0; rows && row_nbr < rows->size; row_nbr++) {
        const msgpack_object *row = &rows->ptr [row_nbr];
        const msgpack_object *figures = figures_at? wfa_report_get (row, figures_at): row;
        s_html (out, "<tr>");
        s_html_cell (out, "td", s_text (row, key, buf, sizeof buf));
        for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++) {
            s_html (out, "<td class=\"n\">");
            s_html_escaped (out, s_text (figures, wfa_report_figures [figure_nbr].path, buf, sizeof buf));
            s_html (out, "</td>");
        }
        s_html (out, "</tr>");
    }
    s_html (out, "</table>");
}

static zchunk_t *
s_html_page (const msgpack_object *report, wfa_lang_t lang)
{
    char buf [256], more [256];
    zchunk_t *out = zchunk_new (NULL, 16384);
    s_html (out, lang == WFA_LANG_EN? "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                                    : "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">");
    s_html (out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    s_html (out, "<title>");
    s_html_escaped (out, wfa_report_text ("title", lang));
    s_html (out, " ");
    s_html_escaped (out, s_text (report, "pemda.name", buf, sizeof buf));
    s_html (out, " ");
    s_html_escaped (out, s_text (report, "period", buf, sizeof buf));
    s_html (out, "</title><style>");
    s_html (out, s_css);
    s_html (out, "</style></head><body>");
    //  The heading and the cover
    s_html (out, "<h1>");
    s_html_escaped (out, wfa_report_text ("title", lang));
    s_html (out, " &middot; ");
    s_html_escaped (out, wfa_report_text (s_text (report, "kind", buf, sizeof buf), lang));
    s_html (out, "</h1><table>");
    const char *opd = s_text (report, "opd", more, sizeof more);
    snprintf (buf, sizeof buf, "%s (%s)", s_text (report, "pemda.name", more, sizeof more),
              s_text (report, "pemda.code", more + 128, 128));
    const struct { const char *label, *path; } rows [] = {
        { "pemda", NULL }, { "level", "pemda.level" }, { "tz", "pemda.tz" }, { "opd", "opd" },
        { "period", "period" }, { "days", "days" }, { "policy", "policy_version" }, { NULL, NULL }
    };
    char pemda_label [256];
    snprintf (pemda_label, sizeof pemda_label, "%s", buf);
    for (size_t row_nbr = 0; rows [row_nbr].label; row_nbr++) {
        s_html (out, "<tr>");
        s_html_cell (out, "th", wfa_report_text (rows [row_nbr].label, lang));
        if (!rows [row_nbr].path)
            snprintf (buf, sizeof buf, "%s", pemda_label);
        else
        if (streq (rows [row_nbr].path, "opd")) {
            opd = s_text (report, "opd", more, sizeof more);
            snprintf (buf, sizeof buf, "%s", *opd? opd: wfa_report_text ("all_opds", lang));
        }
        else
        if (streq (rows [row_nbr].path, "period")) {
            char from [16], to [16];
            snprintf (buf, sizeof buf, "%s (%s .. %s)", s_text (report, "period", more, sizeof more),
                      s_text (report, "from", from, sizeof from), s_text (report, "to", to, sizeof to));
        }
        else
            s_text (report, rows [row_nbr].path, buf, sizeof buf);
        s_html_cell (out, "td", buf);
        s_html (out, "</tr>");
    }
    s_html (out, "</table>");
    //  The benchmarks
    s_html_cell (out, "h2", wfa_report_text ("benchmarks", lang));
    s_html (out, "<table><tr>");
    s_html_cell (out, "th", wfa_report_text ("benchmark", lang));
    s_html_cell (out, "th", wfa_report_text ("minimum", lang));
    s_html_cell (out, "th", wfa_report_text ("value", lang));
    s_html_cell (out, "th", wfa_report_text ("result", lang));
    s_html (out, "</tr>");
    const msgpack_object_array *benchmarks = s_array (report, "benchmarks");
    for (size_t row_nbr = 0; benchmarks && row_nbr < benchmarks->size; row_nbr++) {
        const msgpack_object *row = &benchmarks->ptr [row_nbr];
        s_html (out, "<tr>");
        s_html_cell (out, "td", wfa_report_text (s_text (row, "name", buf, sizeof buf), lang));
        s_html (out, "<td class=\"n\">");
        s_html_escaped (out, s_text (row, "min_pct", buf, sizeof buf));
        s_html (out, "</td><td class=\"n\">");
        s_html_escaped (out, s_text (row, "pct", buf, sizeof buf));
        s_html (out, "</td>");
        const char *result = s_text (row, "result", buf, sizeof buf);
        s_html (out, streq (result, "meets")? "<td class=\"meets\">": streq (result, "below")? "<td class=\"below\">": "<td>");
        s_html_escaped (out, wfa_report_text (*result? result: "none", lang));
        s_html (out, "</td></tr>");
    }
    s_html (out, "</table>");
    //  The figures of the period
    s_html_cell (out, "h2", wfa_report_text ("figures", lang));
    s_html (out, "<table><tr>");
    s_html_cell (out, "th", wfa_report_text ("figure", lang));
    s_html_cell (out, "th", wfa_report_text ("value", lang));
    s_html (out, "</tr>");
    const msgpack_object *figures = wfa_report_get (report, "figures");
    for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++) {
        s_html (out, "<tr>");
        s_html_cell (out, "td", wfa_report_label (wfa_report_figures [figure_nbr].label, lang));
        s_html (out, "<td class=\"n\">");
        s_html_escaped (out, s_text (figures, wfa_report_figures [figure_nbr].path, buf, sizeof buf));
        s_html (out, "</td></tr>");
    }
    s_html (out, "</table>");
    s_html_periods (out, "by_opd", "opd", "opd", "figures", s_array (report, "opds"), lang);
    const msgpack_object_array *months = s_array (report, "months");
    if (months && months->size)
        s_html_periods (out, "by_month", "period", "period", NULL, months, lang);
    //  The suspended
    s_html_cell (out, "h2", wfa_report_text ("suspended", lang));
    const msgpack_object_array *suspended = s_array (report, "suspended");
    if (!suspended || !suspended->size)
        s_html_cell (out, "p", wfa_report_text ("nobody", lang));
    else {
        s_html (out, "<table><tr>");
        s_html_cell (out, "th", wfa_report_text ("nip", lang));
        s_html_cell (out, "th", wfa_report_text ("opd", lang));
        s_html_cell (out, "th", wfa_report_text ("until", lang));
        s_html (out, "</tr>");
        for (size_t row_nbr = 0; row_nbr < suspended->size; row_nbr++) {
            s_html (out, "<tr>");
            s_html_cell (out, "td", s_text (&suspended->ptr [row_nbr], "nip", buf, sizeof buf));
            s_html_cell (out, "td", s_text (&suspended->ptr [row_nbr], "opd", buf, sizeof buf));
            s_html_cell (out, "td", s_text (&suspended->ptr [row_nbr], "until", buf, sizeof buf));
            s_html (out, "</tr>");
        }
        s_html (out, "</table>");
    }
    //  The verification line
    s_html (out, "<div class=\"verification\"><b>");
    s_html_escaped (out, wfa_report_text ("verification", lang));
    s_html (out, "</b>: ");
    const char *parts [] = { "audit_seq", "audit_head", "generated_at", NULL };
    for (size_t part_nbr = 0; parts [part_nbr]; part_nbr++) {
        snprintf (more, sizeof more, "verification.%s", parts [part_nbr]);
        s_html_escaped (out, wfa_report_text (parts [part_nbr], lang));
        s_html (out, " ");
        s_html_escaped (out, s_text (report, more, buf, sizeof buf));
        s_html (out, "; ");
    }
    s_html_escaped (out, wfa_report_text ("sha256", lang));
    s_html (out, " ");
    s_html_escaped (out, s_text (report, "verification.content_sha256", buf, sizeof buf));
    s_html (out, "<br>");
    s_html_escaped (out, wfa_report_text ("verify_how", lang));
    s_html (out, "</div></body></html>\n");
    return out;
}

zchunk_t *
wfa_report_render (const msgpack_object *report, wfa_report_format_t format, wfa_lang_t lang)
{
    if (!report || report->type != MSGPACK_OBJECT_MAP)
        return NULL;
    if (format == WFA_REPORT_CSV)
        return s_csv (report, false);
    if (format == WFA_REPORT_HTML)
        return s_html_page (report, lang);
    return NULL;
}

//  ---------------------------------------------------------------------

void
wfa_report_test (bool verbose)
{
    (void) verbose;
    //  A small report: a name to escape and to quote, one OPD, one benchmark
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wfa_mp_writer_map (&buffer, &pk, 6);
    wfa_mp_pack_str (&pk, "pemda");
    msgpack_pack_map (&pk, 2);
    wfa_mp_pack_kv_str (&pk, "code", "35.08");
    wfa_mp_pack_kv_str (&pk, "name", "Kab <A>, \"B\"");
    wfa_mp_pack_kv_str (&pk, "period", "2026-12");
    wfa_mp_pack_str (&pk, "figures");
    msgpack_pack_map (&pk, 2);
    wfa_mp_pack_str (&pk, "checkins");
    msgpack_pack_map (&pk, 1);
    wfa_mp_pack_kv_int (&pk, "on_time", 7);
    wfa_mp_pack_str (&pk, "compliance_pct");
    msgpack_pack_double (&pk, 87.5);
    wfa_mp_pack_str (&pk, "benchmarks");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 3);
    wfa_mp_pack_kv_str (&pk, "name", "compliance");
    wfa_mp_pack_kv_int (&pk, "min_pct", 80);
    wfa_mp_pack_kv_str (&pk, "result", "meets");
    wfa_mp_pack_str (&pk, "opds");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    wfa_mp_pack_kv_str (&pk, "opd", "DINKES");
    wfa_mp_pack_str (&pk, "figures");
    msgpack_pack_map (&pk, 1);
    wfa_mp_pack_str (&pk, "checkins");
    msgpack_pack_map (&pk, 1);
    wfa_mp_pack_kv_int (&pk, "on_time", 3);
    wfa_mp_pack_str (&pk, "verification");
    msgpack_pack_map (&pk, 2);
    wfa_mp_pack_kv_str (&pk, "audit_head", "abc");
    wfa_mp_pack_kv_str (&pk, "content_sha256", "f00");
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *report = &unpacked.data;
    char buf [64];
    assert (streq (s_text (report, "figures.checkins.on_time", buf, sizeof buf), "7"));
    assert (streq (s_text (report, "figures.compliance_pct", buf, sizeof buf), "87.50"));
    assert (streq (s_text (report, "figures.missing.path", buf, sizeof buf), ""));
    //  A cell a spreadsheet would run as a formula is marked text; numbers stay
    zchunk_t *cells = zchunk_new (NULL, 64);
    s_csv_field (cells, "=HYPERLINK(1)", false);
    s_csv_field (cells, "-1-1", false);
    s_csv_field (cells, "-2.5", false);
    s_csv_field (cells, "@x", true);
    assert (zchunk_size (cells) == strlen ("'=HYPERLINK(1),'-1-1,-2.5,'@x\r\n"));
    assert (memcmp (zchunk_data (cells), "'=HYPERLINK(1),'-1-1,-2.5,'@x\r\n", zchunk_size (cells)) == 0);
    zchunk_destroy (&cells);
    //  CSV: quoted, CRLF, the digest line last; the digest is of what precedes it
    zchunk_t *csv = wfa_report_render (report, WFA_REPORT_CSV, WFA_LANG_ID);
    assert (csv);
    char *text = strndup ((char *) zchunk_data (csv), zchunk_size (csv));
    assert (strstr (text, "pemda.name,\"Kab <A>, \"\"B\"\"\"\r\n"));
    assert (strstr (text, "checkins.on_time,7\r\n"));
    assert (strstr (text, "\r\nDINKES,"));
    const char *last = strstr (text, "content_sha256,f00\r\n");
    assert (last && last [strlen ("content_sha256,f00\r\n")] == 0);
    char sha256 [65];
    assert (wfa_report_digest (report, sha256) == 0);
    uint8_t digest [SHA256_DIGEST_LENGTH];
    SHA256 ((const uint8_t *) text, (size_t) (last - text), digest);
    char expected [65];
    for (int byte_nbr = 0; byte_nbr < SHA256_DIGEST_LENGTH; byte_nbr++)
        snprintf (expected + 2 * byte_nbr, 3, "%02x", digest [byte_nbr]);
    assert (streq (sha256, expected));
    free (text);
    zchunk_destroy (&csv);
    //  HTML: escaped, both languages, no script
    zchunk_t *html = wfa_report_render (report, WFA_REPORT_HTML, WFA_LANG_EN);
    text = strndup ((char *) zchunk_data (html), zchunk_size (html));
    assert (strstr (text, "Kab &lt;A&gt;, &quot;B&quot;"));
    assert (!strstr (text, "<A>"));
    assert (!strstr (text, "<script"));
    assert (strstr (text, "@page{size:A4"));
    assert (strstr (text, "Check-ins on time") && strstr (text, "Check-in compliance (%)"));
    assert (strstr (text, "abc"));
    free (text);
    zchunk_destroy (&html);
    html = wfa_report_render (report, WFA_REPORT_HTML, WFA_LANG_ID);
    text = strndup ((char *) zchunk_data (html), zchunk_size (html));
    assert (strstr (text, "Presensi tepat waktu") && strstr (text, "tercapai"));
    free (text);
    zchunk_destroy (&html);
    assert (wfa_report_render (NULL, WFA_REPORT_CSV, WFA_LANG_ID) == NULL);
    assert (wfa_report_format ("xlsx") == WFA_REPORT_XLSX && wfa_report_format ("pdf") == -1);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    printf ("wfa_report: ok\n");
}
