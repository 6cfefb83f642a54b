/*  wfa_pemda.h - the 552 regional governments (pemda) of Indonesia.

    The list ships with Fleksi (shared/data/pemda.csv, from Kepmendagri
    No. 300.2.2-2138 Tahun 2025 on the codes of administrative areas) and is
    compiled into the library, so every program knows every pemda's name,
    level and time zone without a file or a Redis read. A code that is not
    on it is refused wherever a pemda is named. */
#ifndef WFA_PEMDA_H_INCLUDED
#define WFA_PEMDA_H_INCLUDED

#define WFA_PEMDA_COUNT 552     //  38 provinces, 416 kabupaten, 98 kota
#define WFA_PEMDA_LABEL_MAX 96  //  "Kabupaten Kepulauan ... (PP.KK)" with room

typedef struct {
    const char *code;           //  PP (province) or PP.KK (kabupaten/kota)
    const char *name;           //  e.g. "Kabupaten Lumajang"
    const char *level;          //  "provinsi", "kabupaten" or "kota"
    int tz_minutes;             //  WFA_TZ_WIB, WFA_TZ_WITA or WFA_TZ_WIT
    long population;            //  For sizing synthetic data in proportion
} wfa_pemda_t;

//  True for a code of the form PP or PP.KK (digits), known or not.
bool wfa_pemda_valid (const char *code);

//  The pemda of a code; NULL when the code is not on the list.
const wfa_pemda_t *wfa_pemda_find (const char *code);

//  WFA_OK for a pemda on the list, WFA_E_BAD_PEMDA for a malformed code,
//  WFA_E_UNKNOWN_PEMDA for a well-formed code that names no pemda.
wfa_code_t wfa_pemda_check (const char *code);

//  The pemda by 0-based index in code order; NULL past the end.
const wfa_pemda_t *wfa_pemda_at (size_t index);

//  "Kabupaten Lumajang (35.08)" into buf, for human output; the code alone
//  when it is not on the list. Returns buf.
const char *wfa_pemda_label (const char *code, char *buf, size_t size);

//  UTC offset in minutes of a pemda's local time: from the list, or for a
//  code not on it from its province (the first two digits).
int wfa_pemda_tz (const char *code);

//  Name of a UTC offset: "WIB", "WITA" or "WIT".
const char *wfa_tz_name (int tz_minutes);

void wfa_pemda_test (bool verbose);

#endif
