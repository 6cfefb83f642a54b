/*  wfa_pemda.c - the 552 regional governments (pemda) of Indonesia.

    The table is shared/data/pemda.csv turned into C by the build
    (build/gen/pemda.inc, sorted by code), so a lookup is a binary search
    over constant data: no file to find at run time, no Redis read, and the
    list every program uses is the one the repository ships. */
#include "wfa.h"

static const wfa_pemda_t s_pemdas [] = {
#include "pemda.inc"
};
#define S_PEMDA_ROWS (sizeof s_pemdas / sizeof s_pemdas [0])

//  True for PP or PP.KK.
bool
wfa_pemda_valid (const char *code)
{
    if (!code)
        return false;
    size_t len = strlen (code);
    if (len != 2 && len != 5)
        return false;
    for (size_t char_nbr = 0; char_nbr < len; char_nbr++) {
        if (char_nbr == 2) {
            if (code [char_nbr] != '.')
                return false;
        }
        else
        if (!isdigit ((unsigned char) code [char_nbr]))
            return false;
    }
    return true;
}

const wfa_pemda_t *
wfa_pemda_find (const char *code)
{
    if (!wfa_pemda_valid (code))
        return NULL;
    size_t low = 0, high = S_PEMDA_ROWS;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp (code, s_pemdas [middle].code);
        if (order == 0)
            return &s_pemdas [middle];
        if (order < 0)
            high = middle;
        else
            low = middle + 1;
    }
    return NULL;
}

wfa_code_t
wfa_pemda_check (const char *code)
{
    if (!wfa_pemda_valid (code))
        return WFA_E_BAD_PEMDA;
    return wfa_pemda_find (code)? WFA_OK: WFA_E_UNKNOWN_PEMDA;
}

const wfa_pemda_t *
wfa_pemda_at (size_t index)
{
    return index < S_PEMDA_ROWS? &s_pemdas [index]: NULL;
}

const char *
wfa_pemda_label (const char *code, char *buf, size_t size)
{
    const wfa_pemda_t *pemda = wfa_pemda_find (code);
    if (pemda)
        snprintf (buf, size, "%s (%s)", pemda->name, pemda->code);
    else
        snprintf (buf, size, "%s", code? code: "");
    return buf;
}

//  Provinces (Kemendagri codes) on WITA and WIT; the rest are on WIB. Used
//  for a code not on the list (the list carries each pemda's own zone).
static const int s_wita_provinces [] = { 51, 52, 53, 63, 64, 65, 71, 72, 73, 74, 75, 76, 0 };
static const int s_wit_provinces [] = { 81, 82, 91, 92, 93, 94, 95, 96, 0 };

static int
s_province_tz (const char *code)
{
    int province = code && isdigit ((unsigned char) code [0]) && isdigit ((unsigned char) code [1])?
                   (code [0] - '0') * 10 + (code [1] - '0'): 0;
    for (int entry_nbr = 0; s_wita_provinces [entry_nbr]; entry_nbr++)
        if (s_wita_provinces [entry_nbr] == province)
            return WFA_TZ_WITA;
    for (int entry_nbr = 0; s_wit_provinces [entry_nbr]; entry_nbr++)
        if (s_wit_provinces [entry_nbr] == province)
            return WFA_TZ_WIT;
    return WFA_TZ_WIB;
}

int
wfa_pemda_tz (const char *code)
{
    const wfa_pemda_t *pemda = wfa_pemda_find (code);
    return pemda? pemda->tz_minutes: s_province_tz (code);
}

const char *
wfa_tz_name (int tz_minutes)
{
    return tz_minutes == WFA_TZ_WITA? "WITA": tz_minutes == WFA_TZ_WIT? "WIT": "WIB";
}

void
wfa_pemda_test (bool verbose)
{
    assert (wfa_pemda_valid ("35") && wfa_pemda_valid ("35.08"));
    assert (!wfa_pemda_valid ("35.8") && !wfa_pemda_valid ("3508") && !wfa_pemda_valid (""));
    assert (!wfa_pemda_valid (NULL));
    //  The whole list: 38 provinces and 514 kabupaten/kota, sorted, each
    //  kabupaten/kota under a province on the list and in its time zone
    assert (S_PEMDA_ROWS == WFA_PEMDA_COUNT);
    int provinces = 0, kabupaten = 0, kota = 0;
    for (size_t row_nbr = 0; row_nbr < S_PEMDA_ROWS; row_nbr++) {
        const wfa_pemda_t *pemda = wfa_pemda_at (row_nbr);
        assert (wfa_pemda_valid (pemda->code) && *pemda->name && pemda->population > 0);
        assert (row_nbr == 0 || strcmp (s_pemdas [row_nbr - 1].code, pemda->code) < 0);
        assert (wfa_pemda_find (pemda->code) == pemda);
        assert (pemda->tz_minutes == s_province_tz (pemda->code));
        if (streq (pemda->level, "provinsi")) {
            assert (strlen (pemda->code) == 2);
            provinces++;
        }
        else {
            char province [3] = { pemda->code [0], pemda->code [1], 0 };
            assert (strlen (pemda->code) == 5 && wfa_pemda_find (province));
            assert (streq (pemda->level, "kabupaten") || streq (pemda->level, "kota"));
            if (streq (pemda->level, "kabupaten"))
                kabupaten++;
            else
                kota++;
        }
    }
    assert (provinces == 38 && kabupaten == 416 && kota == 98);
    assert (wfa_pemda_at (S_PEMDA_ROWS) == NULL);
    //  Lumajang (Jawa Timur) WIB, Denpasar (Bali) WITA, Jayapura (Papua) WIT
    assert (streq (wfa_pemda_find ("35.08")->name, "Kabupaten Lumajang"));
    assert (streq (wfa_pemda_find ("51.71")->name, "Kota Denpasar"));
    assert (wfa_pemda_tz ("35.08") == WFA_TZ_WIB);
    assert (wfa_pemda_tz ("51.71") == WFA_TZ_WITA);
    assert (wfa_pemda_tz ("64") == WFA_TZ_WITA);
    assert (wfa_pemda_tz ("61.71") == WFA_TZ_WIB);      //  Kalimantan Barat
    assert (wfa_pemda_tz ("91.71") == WFA_TZ_WIT);
    assert (wfa_pemda_tz ("81") == WFA_TZ_WIT);
    assert (streq (wfa_tz_name (WFA_TZ_WITA), "WITA"));
    //  Well-formed but not a pemda; malformed
    assert (wfa_pemda_find ("35.99") == NULL && wfa_pemda_find ("99") == NULL);
    assert (wfa_pemda_check ("35.08") == WFA_OK);
    assert (wfa_pemda_check ("35.99") == WFA_E_UNKNOWN_PEMDA);
    assert (wfa_pemda_check ("JATIM") == WFA_E_BAD_PEMDA);
    assert (wfa_pemda_check (NULL) == WFA_E_BAD_PEMDA);
    char label [WFA_PEMDA_LABEL_MAX];
    assert (streq (wfa_pemda_label ("35.08", label, sizeof label), "Kabupaten Lumajang (35.08)"));
    assert (streq (wfa_pemda_label ("35.99", label, sizeof label), "35.99"));
    if (verbose)
        printf ("wfa_pemda: ok\n");
}
