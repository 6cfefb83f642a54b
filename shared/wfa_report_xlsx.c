/*  wfa_report_xlsx.c - a monev report as an XLSX workbook (libxlsxwriter):
    a cover sheet (the report's fields, the benchmarks and the verification
    line), then one sheet per table: the figures, by OPD, by month, the
    suspended. Numbers are written as numbers, so a spreadsheet can add
    them up. Only the programs that write workbooks (the gateway, wfactl,
    the selftest) link this module and libxlsxwriter. */
#include "wfa.h"
#include "wfa_report.h"
#include <xlsxwriter.h>

//  One cell: a number when value is one, else its text ("" for nil).
static void
s_cell (lxw_worksheet *sheet, lxw_row_t row, lxw_col_t col, const msgpack_object *value)
{
    if (value && (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER || value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER))
        worksheet_write_number (sheet, row, col, value->type == MSGPACK_OBJECT_POSITIVE_INTEGER
                                ? (double) value->via.u64: (double) value->via.i64, NULL);
    else
    if (value && (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32))
        worksheet_write_number (sheet, row, col, value->via.f64, NULL);
    else {
        char buf [256];
        wfa_report_scalar (value, buf, sizeof buf);
        if (*buf)
            worksheet_write_string (sheet, row, col, buf, NULL);
    }
}

//  A sheet of periods: a first column, then every figure.
static void
s_periods (lxw_workbook *book, const char *name, const char *first, const char *key,
           const char *figures_at, const msgpack_object *rows)
{
    lxw_worksheet *sheet = workbook_add_worksheet (book, name);
    worksheet_write_string (sheet, 0, 0, first, NULL);
    for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++)
        worksheet_write_string (sheet, 0, (lxw_col_t) (figure_nbr + 1), wfa_report_figures [figure_nbr].path, NULL);
    for (size_t row_nbr = 0; rows && rows->type == MSGPACK_OBJECT_ARRAY && row_nbr < rows->via.array.size; row_nbr++) {
        const msgpack_object *row = &rows->via.array.ptr [row_nbr];
        const msgpack_object *figures = figures_at? wfa_report_get (row, figures_at): row;
        s_cell (sheet, (lxw_row_t) (row_nbr + 1), 0, wfa_report_get (row, key));
        for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++)
            s_cell (sheet, (lxw_row_t) (row_nbr + 1), (lxw_col_t) (figure_nbr + 1),
                    wfa_report_get (figures, wfa_report_figures [figure_nbr].path));
    }
}

zchunk_t *
wfa_report_xlsx (const msgpack_object *report, wfa_lang_t lang)
{
    if (!report || report->type != MSGPACK_OBJECT_MAP)
        return NULL;
    //  libxlsxwriter writes a file: a private temporary one, read back
    char path [] = "/tmp/wfa-report-XXXXXX";
    int fd = mkstemp (path);
    if (fd < 0)
        return NULL;
    close (fd);
    lxw_workbook *book = workbook_new (path);
    if (!book) {
        unlink (path);
        return NULL;
    }
    //  The cover: the report's fields, the benchmarks, the verification
    lxw_worksheet *cover = workbook_add_worksheet (book, "cover");
    const char *fields [] = { "pemda.code", "pemda.name", "pemda.level", "pemda.tz", "opd", "period", "kind",
                              "from", "to", "days", "policy_version", NULL };
    lxw_row_t row = 0;
    worksheet_write_string (cover, row, 0, wfa_report_text ("title", lang), NULL);
    row += 2;
    for (size_t field_nbr = 0; fields [field_nbr]; field_nbr++, row++) {
        worksheet_write_string (cover, row, 0, fields [field_nbr], NULL);
        s_cell (cover, row, 1, wfa_report_get (report, fields [field_nbr]));
    }
    row++;
    worksheet_write_string (cover, row, 0, wfa_report_text ("benchmarks", lang), NULL);
    row++;
    const char *columns [] = { "name", "min_pct", "pct", "result", NULL };
    for (size_t column_nbr = 0; columns [column_nbr]; column_nbr++)
        worksheet_write_string (cover, row, (lxw_col_t) column_nbr, columns [column_nbr], NULL);
    row++;
    const msgpack_object *benchmarks = wfa_report_get (report, "benchmarks");
    for (size_t bench_nbr = 0; benchmarks && benchmarks->type == MSGPACK_OBJECT_ARRAY
         && bench_nbr < benchmarks->via.array.size; bench_nbr++, row++)
        for (size_t column_nbr = 0; columns [column_nbr]; column_nbr++)
            s_cell (cover, row, (lxw_col_t) column_nbr,
                    wfa_report_get (&benchmarks->via.array.ptr [bench_nbr], columns [column_nbr]));
    row++;
    worksheet_write_string (cover, row, 0, wfa_report_text ("verification", lang), NULL);
    row++;
    const char *checks [] = { "audit_seq", "audit_head", "generated_at", "content_sha256", NULL };
    for (size_t check_nbr = 0; checks [check_nbr]; check_nbr++, row++) {
        char path_text [64];
        snprintf (path_text, sizeof path_text, "verification.%s", checks [check_nbr]);
        worksheet_write_string (cover, row, 0, checks [check_nbr], NULL);
        s_cell (cover, row, 1, wfa_report_get (report, path_text));
    }
    worksheet_write_string (cover, row + 1, 0, wfa_report_text ("verify_how", lang), NULL);
    worksheet_set_column (cover, 0, 0, 22, NULL);
    worksheet_set_column (cover, 1, 1, 70, NULL);
    //  The figures of the period, one per row
    lxw_worksheet *sheet = workbook_add_worksheet (book, "figures");
    worksheet_write_string (sheet, 0, 0, "figure", NULL);
    worksheet_write_string (sheet, 0, 1, "value", NULL);
    worksheet_write_string (sheet, 0, 2, "label", NULL);
    const msgpack_object *figures = wfa_report_get (report, "figures");
    for (size_t figure_nbr = 0; wfa_report_figures [figure_nbr].path; figure_nbr++) {
        worksheet_write_string (sheet, (lxw_row_t) (figure_nbr + 1), 0, wfa_report_figures [figure_nbr].path, NULL);
        s_cell (sheet, (lxw_row_t) (figure_nbr + 1), 1, wfa_report_get (figures, wfa_report_figures [figure_nbr].path));
        worksheet_write_string (sheet, (lxw_row_t) (figure_nbr + 1), 2,
                                wfa_report_label (wfa_report_figures [figure_nbr].label, lang), NULL);
    }
    s_periods (book, "opds", "opd", "opd", "figures", wfa_report_get (report, "opds"));
    s_periods (book, "months", "month", "period", NULL, wfa_report_get (report, "months"));
    sheet = workbook_add_worksheet (book, "suspended");
    const char *people [] = { "nip", "opd", "until", NULL };
    for (size_t column_nbr = 0; people [column_nbr]; column_nbr++)
        worksheet_write_string (sheet, 0, (lxw_col_t) column_nbr, people [column_nbr], NULL);
    const msgpack_object *suspended = wfa_report_get (report, "suspended");
    for (size_t row_nbr = 0; suspended && suspended->type == MSGPACK_OBJECT_ARRAY
         && row_nbr < suspended->via.array.size; row_nbr++)
        for (size_t column_nbr = 0; people [column_nbr]; column_nbr++)
            s_cell (sheet, (lxw_row_t) (row_nbr + 1), (lxw_col_t) column_nbr,
                    wfa_report_get (&suspended->via.array.ptr [row_nbr], people [column_nbr]));
    zchunk_t *out = NULL;
    if (workbook_close (book) == LXW_NO_ERROR)
        out = zchunk_slurp (path, 0);
    unlink (path);
    return out;
}
