/*  wfa_error.c - the table of error codes and messages.

    Codes are part of the protocol: never renumber or rename one. The
    numeric enum is internal; the wire carries the name. Each message has
    a "%s" where the detail (a field name, a date, a limit) goes. */
#include "wfa.h"

typedef struct {
    const char *name;           //  Stable code on the wire
    const char *msg_id;         //  Bahasa Indonesia template
    const char *msg_en;         //  English template
} s_error_t;

static const s_error_t s_errors [WFA_E_COUNT] = {
    [WFA_OK] = { "OK", "Berhasil%s", "Done%s" },
    [WFA_E_BAD_FRAME] = { "BAD_FRAME",
        "Pesan harus terdiri dari 2 frame (perintah dan isi)%s",
        "A call must have 2 frames (command and body)%s" },
    [WFA_E_BAD_MSGPACK] = { "BAD_MSGPACK",
        "Isi pesan bukan satu map msgpack yang sah%s",
        "The body is not one well-formed msgpack map%s" },
    [WFA_E_TOO_LARGE] = { "TOO_LARGE",
        "Ukuran melebihi batas%s", "Size over the limit%s" },
    [WFA_E_BAD_VERSION] = { "BAD_VERSION",
        "Versi protokol tidak didukung (harus v=1)%s",
        "Unsupported protocol version (must be v=1)%s" },
    [WFA_E_UNKNOWN_COMMAND] = { "UNKNOWN_COMMAND",
        "Perintah tidak dikenal%s", "Unknown command%s" },
    [WFA_E_MISSING_FIELD] = { "MISSING_FIELD",
        "Kolom wajib tidak ada%s", "Required field missing%s" },
    [WFA_E_WRONG_TYPE] = { "WRONG_TYPE",
        "Tipe data kolom salah%s", "Field has the wrong type%s" },
    [WFA_E_BAD_VALUE] = { "BAD_VALUE",
        "Nilai kolom tidak diizinkan%s", "Value not allowed%s" },
    [WFA_E_BAD_NIP] = { "BAD_NIP",
        "NIP harus 18 digit dengan tanggal lahir yang sah%s",
        "NIP must be 18 digits with a valid birth date%s" },
    [WFA_E_BAD_PEMDA] = { "BAD_PEMDA",
        "Kode pemda harus PP atau PP.KK%s",
        "Pemda code must be PP or PP.KK%s" },
    [WFA_E_UNKNOWN_PEMDA] = { "UNKNOWN_PEMDA",
        "Kode pemda tidak ada dalam daftar kode wilayah Kemendagri%s",
        "No pemda has this code in the Kemendagri list of area codes%s" },
    [WFA_E_BAD_DATE] = { "BAD_DATE",
        "Tanggal harus berformat YYYY-MM-DD dan sah%s",
        "Date must be a valid YYYY-MM-DD%s" },
    [WFA_E_DATE_NOT_FUTURE] = { "DATE_NOT_FUTURE",
        "Tanggal harus setelah hari ini%s",
        "Date must be after today%s" },
    [WFA_E_NOT_WORKING_DAY] = { "NOT_WORKING_DAY",
        "Tanggal bukan hari kerja (Senin-Jumat)%s",
        "Date is not a working day (Mon-Fri)%s" },
    [WFA_E_DUPLICATE_DATE] = { "DUPLICATE_DATE",
        "Tanggal disebut lebih dari sekali%s",
        "Date is listed more than once%s" },
    [WFA_E_BAD_KIND] = { "BAD_KIND",
        "Jenis harus rumah, kantor_lain, lokasi_lain, sif atau dinamis%s",
        "Kind must be rumah, kantor_lain, lokasi_lain, sif or dinamis%s" },
    [WFA_E_UNKNOWN_EMPLOYEE] = { "UNKNOWN_EMPLOYEE",
        "Pegawai dengan NIP ini tidak terdaftar%s",
        "No employee with this NIP%s" },
    [WFA_E_NO_APPROVER] = { "NO_APPROVER",
        "Pegawai belum memiliki atasan langsung dalam data kepegawaian%s",
        "The employee has no supervisor on record%s" },
    [WFA_E_NOT_FOUND] = { "NOT_FOUND",
        "Data tidak ditemukan%s", "Not found%s" },
    [WFA_E_NOT_YOUR_DECISION] = { "NOT_YOUR_DECISION",
        "Anda bukan penyetuju untuk tahap ini%s",
        "You are not the approver of this step%s" },
    [WFA_E_NOT_PENDING] = { "NOT_PENDING",
        "Pengajuan tidak sedang menunggu keputusan%s",
        "The request is not awaiting a decision%s" },
    [WFA_E_IMPORT_INVALID] = { "IMPORT_INVALID",
        "Data impor memiliki baris yang salah; tidak ada yang disimpan%s",
        "The import has bad rows; nothing was stored%s" },
    [WFA_E_OVERLAP] = { "OVERLAP",
        "Tanggal sudah diajukan dalam pengajuan lain yang masih berlaku%s",
        "The date is already in another active request%s" },
    [WFA_E_WEEKLY_CAP] = { "WEEKLY_CAP",
        "Melebihi batas hari kerja fleksibel lokasi per minggu (terpakai + diminta > batas)%s",
        "Over the weekly cap of location-flexible days (used + asked > cap)%s" },
    [WFA_E_KIND_NOT_ALLOWED] = { "KIND_NOT_ALLOWED",
        "Jenis fleksibilitas ini tidak diizinkan oleh kebijakan pemda%s",
        "This kind of flexibility is not allowed by the pemda's policy%s" },
    [WFA_E_NOTICE_TOO_SHORT] = { "NOTICE_TOO_SHORT",
        "Pengajuan kurang dari batas minimal hari kerja sebelum tanggal pertama%s",
        "Submitted with fewer working days' notice than required%s" },
    [WFA_E_TOO_MANY_DAYS] = { "TOO_MANY_DAYS",
        "Jumlah hari melebihi batas per pengajuan%s",
        "More days than one request may hold%s" },
    [WFA_E_BLACKOUT] = { "BLACKOUT",
        "Tanggal termasuk periode larangan kerja fleksibel%s",
        "The date is in a blackout period%s" },
    [WFA_E_SANCTIONED] = { "SANCTIONED",
        "Pegawai sedang menjalani hukuman disiplin%s",
        "The employee is under a disciplinary sanction%s" },
    [WFA_E_SERVICE_TOO_SHORT] = { "SERVICE_TOO_SHORT",
        "Masa kerja belum memenuhi syarat (pegawai baru)%s",
        "Not enough months of service (new employee)%s" },
    [WFA_E_PREDIKAT_TOO_LOW] = { "PREDIKAT_TOO_LOW",
        "Predikat kinerja di bawah syarat minimal%s",
        "Performance rating below the required minimum%s" },
    [WFA_E_POSITION_NOT_ELIGIBLE] = { "POSITION_NOT_ELIGIBLE",
        "Jabatan tidak termasuk yang dapat bekerja fleksibel%s",
        "The position is not eligible for flexible work%s" },
    [WFA_E_POLICY_INVALID] = { "POLICY_INVALID",
        "Berkas kebijakan memiliki kesalahan; kebijakan yang berlaku tetap dipakai%s",
        "The policy file has errors; the policy in force stays%s" },
    [WFA_E_CAPACITY_FULL] = { "CAPACITY_FULL",
        "Kuota pegawai OPD yang bekerja fleksibel pada hari itu sudah penuh%s",
        "The OPD's quota of people away on that day is full%s" },
    [WFA_E_UNIT_CAPACITY_FULL] = { "UNIT_CAPACITY_FULL",
        "Kuota pegawai unit kerja (bidang, UPT, Puskesmas) yang bekerja fleksibel pada hari itu "
        "sudah penuh%s",
        "The unit's (bidang, UPT, Puskesmas) quota of people away on that day is full%s" },
    [WFA_E_TOO_FEW_PRESENT] = { "TOO_FEW_PRESENT",
        "Pegawai yang tetap di kantor pada hari itu akan kurang dari jumlah minimum%s",
        "Fewer than the minimum would stay at the office on that day%s" },
    [WFA_E_BAD_STATE] = { "BAD_STATE",
        "Pengajuan dalam keadaan yang tidak mengizinkan tindakan ini%s",
        "The request's state does not allow this action%s" },
    [WFA_E_UNAUTHENTICATED] = { "UNAUTHENTICATED",
        "Identitas pemanggil tidak terbukti: hubungkan dengan kunci yang terdaftar%s",
        "The caller's identity is not proven: connect with a registered key%s" },
    [WFA_E_FORBIDDEN] = { "FORBIDDEN",
        "Anda tidak berwenang melakukan tindakan ini%s",
        "You are not allowed to do this%s" },
    [WFA_E_HOURS_SHORT] = { "HOURS_SHORT",
        "Jadwal tidak memenuhi jam kerja mingguan (jam terjadwal < jam wajib)%s",
        "The schedule falls short of the weekly working hours (scheduled < required)%s" },
    [WFA_E_NOT_FLEXIBLE_DAY] = { "NOT_FLEXIBLE_DAY",
        "Tidak ada kerja fleksibel yang disetujui pada hari itu%s",
        "There is no approved flexible work on that day%s" },
    [WFA_E_ALREADY_RECORDED] = { "ALREADY_RECORDED",
        "Sudah tercatat sebelumnya; catatan yang ada tetap%s",
        "Already recorded; the record stays as it is%s" },
    [WFA_E_SUSPENDED] = { "SUSPENDED",
        "Hak kerja fleksibel sedang ditangguhkan karena capaian di bawah tolok ukur%s",
        "Flexible work is suspended: results stayed below the benchmarks%s" },
    [WFA_E_POSITION_CHANGED] = { "POSITION_CHANGED",
        "Jabatan pegawai berubah sejak pengajuan; tugasnya perlu dinilai ulang%s",
        "The employee's position changed since the request; its duties must be assessed again%s" },
    [WFA_E_SERVICE_START_MISSING] = { "SERVICE_START_MISSING",
        "Tanggal mulai masa kerja (service_start) tidak tercatat dalam data kepegawaian%s",
        "No start of service (service_start) in the personnel data%s" },
    [WFA_E_POSITION_ELIGIBILITY_MISSING] = { "POSITION_ELIGIBILITY_MISSING",
        "Kelayakan jabatan (position_eligible) tidak tercatat dalam data kepegawaian%s",
        "No position eligibility (position_eligible) in the personnel data%s" },
    [WFA_E_BUSY] = { "BUSY",
        "Proses lain sedang berjalan untuk data ini; coba lagi nanti%s",
        "Another run is working on this data; try again later%s" },
    [WFA_E_ASSESSMENT_MISSING] = { "ASSESSMENT_MISSING",
        "Persetujuan tahap ini wajib memuat penilaian yang diminta peraturan (PermenPAN-RB 4/2025)%s",
        "Approving this step needs the assessment the regulation asks of it (PermenPAN-RB 4/2025)%s" },
    [WFA_E_REDIS_UNAVAILABLE] = { "REDIS_UNAVAILABLE",
        "Penyimpanan data tidak dapat dihubungi; coba lagi nanti%s",
        "The data store cannot be reached; try again later%s" },
    [WFA_E_STORAGE_FULL] = { "STORAGE_FULL",
        "Penyimpanan data penuh; tidak ada yang disimpan, coba lagi nanti%s",
        "The data store is full; nothing was stored, try again later%s" },
    [WFA_E_SERVICE_UNAVAILABLE] = { "SERVICE_UNAVAILABLE",
        "Layanan sedang tidak tersedia; coba lagi nanti%s",
        "The service is not available; try again later%s" },
    [WFA_E_INTERNAL] = { "INTERNAL",
        "Terjadi kesalahan internal; silakan coba lagi%s",
        "Internal error; please retry%s" },
    [WFA_E_TIMEOUT] = { "TIMEOUT",
        "Tidak ada jawaban dari server%s", "No answer from the server%s" },
};

//  Stable machine name of a code.
const char *
wfa_error_name (wfa_code_t code)
{
    if ((int) code < 0 || code >= WFA_E_COUNT)
        return "INTERNAL";
    return s_errors [code].name;
}

//  Code for a machine name, or -1.
int
wfa_error_lookup (const char *name)
{
    for (int code_nbr = 0; code_nbr < WFA_E_COUNT; code_nbr++)
        if (streq (s_errors [code_nbr].name, name))
            return code_nbr;
    return -1;
}

//  Human message for a code, with detail appended after ": ".
char *
wfa_error_format (wfa_code_t code, wfa_lang_t lang, const char *detail,
                  char *buf, size_t size)
{
    if ((int) code < 0 || code >= WFA_E_COUNT)
        code = WFA_E_INTERNAL;
    const char *tmpl = lang == WFA_LANG_EN? s_errors [code].msg_en: s_errors [code].msg_id;
    char suffix [512] = "";
    if (detail && *detail)
        snprintf (suffix, sizeof suffix, ": %s", detail);
    //  Templates come from the table above, never from input
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf (buf, size, tmpl, suffix);
#pragma GCC diagnostic pop
    return buf;
}

//  Language from a "lang" field; anything but "en" means Indonesian.
wfa_lang_t
wfa_lang_parse (const char *text, size_t len)
{
    if (text && len == 2 && (memcmp (text, "en", 2) == 0 || memcmp (text, "EN", 2) == 0))
        return WFA_LANG_EN;
    return WFA_LANG_ID;
}

void
wfa_error_test (bool verbose)
{
    char buf [256];
    assert (streq (wfa_error_name (WFA_E_NOT_FOUND), "NOT_FOUND"));
    assert (wfa_error_lookup ("NOT_PENDING") == WFA_E_NOT_PENDING);
    assert (wfa_error_lookup ("NOPE") == -1);
    //  Every code has a name and two different sentences
    for (int code_nbr = 1; code_nbr < WFA_E_COUNT; code_nbr++) {
        assert (s_errors [code_nbr].name);
        assert (wfa_error_lookup (s_errors [code_nbr].name) == code_nbr);
        assert (!streq (s_errors [code_nbr].msg_id, s_errors [code_nbr].msg_en));
    }
    wfa_error_format (WFA_E_MISSING_FIELD, WFA_LANG_EN, "dates", buf, sizeof buf);
    assert (streq (buf, "Required field missing: dates"));
    wfa_error_format (WFA_E_MISSING_FIELD, WFA_LANG_ID, NULL, buf, sizeof buf);
    assert (streq (buf, "Kolom wajib tidak ada"));
    assert (wfa_lang_parse ("en", 2) == WFA_LANG_EN);
    assert (wfa_lang_parse ("id", 2) == WFA_LANG_ID);
    assert (wfa_lang_parse (NULL, 0) == WFA_LANG_ID);
    if (verbose)
        printf ("%s\n", buf);
}
