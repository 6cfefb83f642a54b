/*  wfa_csv.h - the one CSV reader, for every CSV file Fleksi reads.

    RFC 4180, read leniently: fields separated by commas, records by CRLF,
    LF or a lone CR; a field that starts with a double quote runs to the
    next lone quote, with "" for a quote inside and commas and line breaks
    kept as they are; what follows a closing quote up to the next comma is
    kept as written; a quote inside an unquoted field is an ordinary
    character; a quote left open runs to the end of the text. A UTF-8 byte
    order mark at the start is skipped; blank lines (no byte at all) are
    skipped, so a trailing line break makes no empty record. Each record
    knows the physical line it starts on, counted across the line breaks
    inside quoted fields, for the error messages that name it.

        wfa_csv_t *csv = wfa_csv_new (text, strlen (text));
        while (wfa_csv_next (csv))
            printf ("line %d: %s\n", wfa_csv_line (csv), wfa_csv_field (csv, 0));
        wfa_csv_destroy (&csv);
*/
#ifndef WFA_CSV_H_INCLUDED
#define WFA_CSV_H_INCLUDED

typedef struct _wfa_csv_t wfa_csv_t;

//  A reader over size bytes of text, which it does not copy: the text must
//  outlive the reader.
wfa_csv_t *wfa_csv_new (const char *text, size_t size);

//  Destroy the reader; nulls *self_p.
void wfa_csv_destroy (wfa_csv_t **self_p);

//  Read the next record: the number of its fields (1 or more), or 0 at the
//  end of the text.
size_t wfa_csv_next (wfa_csv_t *self);

//  Field field_nbr of the record read last, NUL-terminated, or NULL past its
//  last field. The text belongs to the reader and is good until the next
//  wfa_csv_next; a caller may change it in place (to trim it).
char *wfa_csv_field (wfa_csv_t *self, size_t field_nbr);

//  The number of fields of the record read last.
size_t wfa_csv_fields (wfa_csv_t *self);

//  The physical line (from 1) the record read last starts on.
int wfa_csv_line (wfa_csv_t *self);

//  Append len bytes of value to out as one CSV field, quoted when it holds a
//  comma, a quote or a line break (or starts with a space), so that the
//  reader gives back the same bytes.
void wfa_csv_append_field (zchunk_t *out, const char *value, size_t len);

void wfa_csv_test (bool verbose);

#endif
