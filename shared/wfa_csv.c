/*  wfa_csv.c - the one CSV reader: quoted fields, line numbers kept right. */
#include "wfa.h"

struct _wfa_csv_t {
    const char *cursor;         //  Next byte to read
    const char *end;            //  End of the text
    int line;                   //  Physical line of the cursor, from 1
    int record_line;            //  Line the record read last starts on
    char *data;                 //  The record's fields, each NUL-terminated
    size_t data_size;           //  Bytes used in data
    size_t data_room;           //  Bytes allocated for data
    size_t *offsets;            //  Where each field starts in data
    size_t fields;              //  Fields of the record read last
    size_t field_room;          //  Entries allocated for offsets
};

wfa_csv_t *
wfa_csv_new (const char *text, size_t size)
{
    assert (text);
    wfa_csv_t *self = (wfa_csv_t *) zmalloc (sizeof (wfa_csv_t));
    self->cursor = text;
    self->end = text + size;
    if (size >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
        self->cursor += 3;
    self->line = 1;
    self->data_room = 256;
    self->data = (char *) malloc (self->data_room);
    self->field_room = 16;
    self->offsets = (size_t *) malloc (self->field_room * sizeof (size_t));
    assert (self->data && self->offsets);
    return self;
}

void
wfa_csv_destroy (wfa_csv_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free ((*self_p)->data);
        free ((*self_p)->offsets);
        freen (*self_p);
    }
}

//  Append one byte to the record's data.
static void
s_put (wfa_csv_t *self, char byte)
{
    if (self->data_size == self->data_room) {
        self->data_room *= 2;
        self->data = (char *) realloc (self->data, self->data_room);
        assert (self->data);
    }
    self->data [self->data_size++] = byte;
}

//  Start a new field of the record.
static void
s_begin_field (wfa_csv_t *self)
{
    if (self->fields == self->field_room) {
        self->field_room *= 2;
        self->offsets = (size_t *) realloc (self->offsets, self->field_room * sizeof (size_t));
        assert (self->offsets);
    }
    self->offsets [self->fields++] = self->data_size;
}

//  Step over a line break at the cursor (CRLF, LF or CR), if there is one.
static bool
s_line_break (wfa_csv_t *self)
{
    if (self->cursor < self->end && *self->cursor == '\r') {
        self->cursor++;
        if (self->cursor < self->end && *self->cursor == '\n')
            self->cursor++;
    }
    else
    if (self->cursor < self->end && *self->cursor == '\n')
        self->cursor++;
    else
        return false;
    self->line++;
    return true;
}

size_t
wfa_csv_next (wfa_csv_t *self)
{
    assert (self);
    self->fields = 0;
    self->data_size = 0;
    while (s_line_break (self))
        ;                       //  Blank lines
    if (self->cursor >= self->end)
        return 0;
    self->record_line = self->line;
    while (true) {
        s_begin_field (self);
        if (self->cursor < self->end && *self->cursor == '"') {
            self->cursor++;
            while (self->cursor < self->end) {
                char byte = *self->cursor;
                if (byte == '"' && self->cursor + 1 < self->end && self->cursor [1] == '"')
                    self->cursor++;
                else
                if (byte == '"') {
                    self->cursor++;
                    break;
                }
                else
                if (byte == '\n' || (byte == '\r' && (self->cursor + 1 == self->end
                                                  ||  self->cursor [1] != '\n')))
                    self->line++;
                s_put (self, byte);
                self->cursor++;
            }
        }
        while (self->cursor < self->end && *self->cursor != ','
           &&  *self->cursor != '\n' && *self->cursor != '\r')
            s_put (self, *self->cursor++);
        s_put (self, 0);
        if (self->cursor < self->end && *self->cursor == ',')
            self->cursor++;
        else {
            s_line_break (self);
            break;
        }
    }
    return self->fields;
}

char *
wfa_csv_field (wfa_csv_t *self, size_t field_nbr)
{
    assert (self);
    return field_nbr < self->fields? self->data + self->offsets [field_nbr]: NULL;
}

size_t
wfa_csv_fields (wfa_csv_t *self)
{
    assert (self);
    return self->fields;
}

int
wfa_csv_line (wfa_csv_t *self)
{
    assert (self);
    return self->record_line;
}

void
wfa_csv_append_field (zchunk_t *out, const char *value, size_t len)
{
    bool quoted = (len && value [0] == ' ') || memchr (value, ',', len) || memchr (value, '"', len)
               || memchr (value, '\n', len) || memchr (value, '\r', len);
    if (!quoted) {
        zchunk_extend (out, value, len);
        return;
    }
    zchunk_extend (out, "\"", 1);
    for (size_t byte_nbr = 0; byte_nbr < len; byte_nbr++) {
        if (value [byte_nbr] == '"')
            zchunk_extend (out, "\"", 1);
        zchunk_extend (out, value + byte_nbr, 1);
    }
    zchunk_extend (out, "\"", 1);
}

//  The fields of every record of text as "LINE:a|b|c;" for the selftest.
static char *
s_records (const char *text, size_t size)
{
    wfa_csv_t *csv = wfa_csv_new (text, size);
    zchunk_t *out = zchunk_new (NULL, 256);
    while (wfa_csv_next (csv)) {
        char number [16];
        snprintf (number, sizeof number, "%d:", wfa_csv_line (csv));
        zchunk_extend (out, number, strlen (number));
        for (size_t field_nbr = 0; field_nbr < wfa_csv_fields (csv); field_nbr++) {
            if (field_nbr)
                zchunk_extend (out, "|", 1);
            zchunk_extend (out, wfa_csv_field (csv, field_nbr), strlen (wfa_csv_field (csv, field_nbr)));
        }
        assert (wfa_csv_field (csv, wfa_csv_fields (csv)) == NULL);
        zchunk_extend (out, ";", 1);
    }
    assert (wfa_csv_next (csv) == 0);
    wfa_csv_destroy (&csv);
    assert (csv == NULL);
    zchunk_extend (out, "", 1);
    char *records = strdup ((char *) zchunk_data (out));
    zchunk_destroy (&out);
    return records;
}

void
wfa_csv_test (bool verbose)
{
    static const struct {
        const char *text;       //  The CSV
        const char *records;    //  What the reader gives, as LINE:fields;
    } cases [] = {
        //  Plain, with a trailing line break: no empty record
        { "a,b,c\n1,2,3\n", "1:a|b|c;2:1|2|3;" },
        //  Without one, and empty fields at both ends
        { ",x,\n,,", "1:|x|;2:||;" },
        //  A byte order mark, CRLF, a blank line in between
        { "\xEF\xBB\xBFnip,name\r\n\r\n1,Siti\r\n", "1:nip|name;3:1|Siti;" },
        //  A quoted comma, a doubled quote, an empty quoted field
        { "\"Siti, S.Kom\",\"Kepala \"\"Bidang\"\"\",\"\"\n", "1:Siti, S.Kom|Kepala \"Bidang\"|;" },
        //  A line break inside quotes: the next record still names its line
        { "1,\"Jl. Merdeka 1\nRT 2\r\nRW 3\",x\n2,y,z\n3,\"\",\"\n\"\n4\n",
          "1:1|Jl. Merdeka 1\nRT 2\r\nRW 3|x;4:2|y|z;5:3||\n;7:4;" },
        //  A quote inside an unquoted field is kept; text after a closing quote too
        { "5\" pipe,\"a\"b,c\n", "1:5\" pipe|ab|c;" },
        //  A lone CR ends a line (old Mac files)
        { "a\rb\r", "1:a;2:b;" },
        //  A quote left open runs to the end
        { "x,\"open\nstill", "1:x|open\nstill;" },
        //  Nothing at all
        { "", "" }, { "\n\r\n", "" }, { "\xEF\xBB\xBF", "" },
    };
    for (size_t case_nbr = 0; case_nbr < sizeof cases / sizeof cases [0]; case_nbr++) {
        char *records = s_records (cases [case_nbr].text, strlen (cases [case_nbr].text));
        if (verbose || !streq (records, cases [case_nbr].records))
            printf ("case %zu: %s\n", case_nbr, records);
        assert (streq (records, cases [case_nbr].records));
        free (records);
    }
    //  The size is the end, not a NUL
    char *records = s_records ("a,b\nc,d", 5);
    assert (streq (records, "1:a|b;2:c;"));
    free (records);
    //  Many fields and long ones grow the record
    zchunk_t *wide = zchunk_new (NULL, 4096);
    for (int field_nbr = 0; field_nbr < 100; field_nbr++)
        zchunk_extend (wide, "abcdefghij,", 11);
    wfa_csv_t *csv = wfa_csv_new ((char *) zchunk_data (wide), zchunk_size (wide));
    assert (wfa_csv_next (csv) == 101 && streq (wfa_csv_field (csv, 99), "abcdefghij"));
    assert (streq (wfa_csv_field (csv, 100), ""));
    wfa_csv_destroy (&csv);
    zchunk_destroy (&wide);
    //  What append_field writes reads back as the same bytes
    static const char *values [] = { "plain", "a, b", "say \"hi\"", "two\nlines", " lead", "", NULL };
    zchunk_t *line = zchunk_new (NULL, 256);
    for (int value_nbr = 0; values [value_nbr]; value_nbr++) {
        if (value_nbr)
            zchunk_extend (line, ",", 1);
        wfa_csv_append_field (line, values [value_nbr], strlen (values [value_nbr]));
    }
    csv = wfa_csv_new ((char *) zchunk_data (line), zchunk_size (line));
    assert (wfa_csv_next (csv) == 6);
    for (int value_nbr = 0; values [value_nbr]; value_nbr++)
        assert (streq (wfa_csv_field (csv, value_nbr), values [value_nbr]));
    wfa_csv_destroy (&csv);
    zchunk_destroy (&line);
}
