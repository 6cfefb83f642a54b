/*  wfa_error.c - the table of error codes and messages, and the table of
    every other user-facing text (details and notices) by stable key.

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
    [WFA_E_BAD_FIELD] = { "BAD_FIELD",
        "Kolom tidak dikenal untuk perintah ini%s",
        "Field not known to this command%s" },
    [WFA_E_BAD_ID] = { "BAD_ID",
        "id harus str UTF-8 1-64 byte atau bilangan bulat%s",
        "id must be a UTF-8 str of 1-64 bytes or an int%s" },
    [WFA_E_IDEMPOTENCY_MISMATCH] = { "IDEMPOTENCY_MISMATCH",
        "Kunci idempotensi ini sudah dipakai untuk panggilan dengan isi lain%s",
        "This idempotency key was already used for a call with another body%s" },
    [WFA_E_BAD_NIP] = { "BAD_NIP",
        "NIP harus 18 digit: tanggal lahir, TMT CPNS (usia 18-60), jenis kelamin 1/2, nomor urut%s",
        "NIP must be 18 digits: birth date, appointment (TMT CPNS, at 18-60), sex 1/2, serial%s" },
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
        "Identitas pemanggil tidak terbukti: gunakan kunci atau token yang terdaftar dan masih berlaku%s",
        "The caller's identity is not proven: use a registered key or a valid token%s" },
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
    [WFA_E_BAD_CURSOR] = { "BAD_CURSOR",
        "Kursor halaman tidak dikenal; gunakan next_cursor dari jawaban sebelumnya%s",
        "Unknown page cursor; use the next_cursor of a previous reply%s" },
    [WFA_E_CURSOR_EXPIRED] = { "CURSOR_EXPIRED",
        "Kursor sinkronisasi sudah kedaluwarsa; mulai lagi dari awal%s",
        "The sync cursor has expired; start again from the beginning%s" },
    [WFA_E_CRITICAL_NOTICE] = { "CRITICAL_NOTICE",
        "Pemberitahuan ini wajib dan tidak dapat dimatikan%s",
        "This notice is critical and cannot be muted%s" },
    [WFA_E_EMPLOYEE_INACTIVE] = { "EMPLOYEE_INACTIVE",
        "Pegawai sudah tidak aktif%s",
        "The employee is no longer active%s" },
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
    [WFA_E_BAD_JSON] = { "BAD_JSON",
        "Isi permintaan bukan JSON yang sah%s",
        "The request body is not well-formed JSON%s" },
    [WFA_E_RATE_LIMITED] = { "RATE_LIMITED",
        "Terlalu banyak permintaan; coba lagi setelah beberapa detik (Retry-After)%s",
        "Too many requests; try again after a few seconds (Retry-After)%s" },
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

//  ---------------------------------------------------------------------
//  Texts that are not a code's message, by stable key

static const char *s_texts [WFA_T_COUNT][2] = {
    [WFA_T_POLICY_FILE_TOO_LARGE] = {
        "Berkas lebih besar dari %d byte (64 KiB)",
        "File is larger than %d bytes (64 KiB)" },
    [WFA_T_POLICY_TOO_MANY_LINES] = {
        "Berkas lebih dari %d baris",
        "File has more than %d lines" },
    [WFA_T_POLICY_CANNOT_OPEN] = {
        "Berkas %s tidak dapat dibuka: %s",
        "Cannot open file %s: %s" },
    [WFA_T_POLICY_LINE_TOO_LONG] = {
        "Baris lebih panjang dari %d byte",
        "Line is longer than %d bytes" },
    [WFA_T_POLICY_LINE_NOT_UTF8] = {
        "Baris bukan teks UTF-8 yang sah",
        "Line is not valid UTF-8 text" },
    [WFA_T_POLICY_OUTSIDE_SECTION] = {
        "Teks di luar bagian: mulailah dengan judul bagian seperti [limits]",
        "Text outside a section: start with a section header such as [limits]" },
    [WFA_T_POLICY_NOT_KEY_VALUE] = {
        "Baris harus berbentuk kunci = nilai",
        "A line must be key = value" },
    [WFA_T_POLICY_BAD_HEADER] = {
        "Judul bagian harus [nama] atau [opd KODE], diakhiri ']'",
        "A section header must be [name] or [opd CODE], ending with ']'" },
    [WFA_T_POLICY_BAD_OPD_CODE] = {
        "Kode OPD tidak sah di [opd KODE]: harus huruf, angka, '.', '_' atau '-', 1..64 byte",
        "Bad OPD code in [opd CODE]: must be letters, digits, '.', '_' or '-', 1..64 bytes" },
    [WFA_T_POLICY_DUPLICATE_OPD] = {
        "Bagian [opd %s] sudah ada di baris %d; tulis sekali saja",
        "Section [opd %s] was already given on line %d; give it once" },
    [WFA_T_POLICY_TOO_MANY_OPDS] = {
        "Terlalu banyak bagian [opd KODE]: paling banyak %d",
        "Too many [opd CODE] sections: at most %d" },
    [WFA_T_POLICY_DUPLICATE_SECTION] = {
        "Bagian [%s] sudah ada di baris %d; tulis sekali saja",
        "Section [%s] was already given on line %d; give it once" },
    [WFA_T_POLICY_UNKNOWN_SECTION] = {
        "Bagian tidak dikenal [%.*s]; yang boleh: [pemda], [kinds], [limits], "
        "[capacity], [eligibility], [monev], [chain], [opd KODE]",
        "Unknown section [%.*s]; allowed: [pemda], [kinds], [limits], "
        "[capacity], [eligibility], [monev], [chain], [opd CODE]" },
    [WFA_T_POLICY_DUPLICATE_KEY] = {
        "Kunci %s sudah ditulis di baris %d; tulis sekali saja",
        "Key %s was already given on line %d; give it once" },
    [WFA_T_POLICY_BAD_VALUE] = {
        "Nilai %s tidak sah: harus %s",
        "Bad value for %s: must be %s" },
    [WFA_T_POLICY_UNKNOWN_KEY] = {
        "Kunci tidak dikenal '%.*s' di %s; yang boleh: %s",
        "Unknown key '%.*s' in %s; allowed: %s" },
    [WFA_T_POLICY_DUPLICATE_DELEGATE] = {
        "Kunci chain.ppk_delegate sudah ada di baris %d; tulis sekali saja",
        "Key chain.ppk_delegate was already given on line %d; give it once" },
    [WFA_T_POLICY_BAD_DELEGATE] = {
        "Nilai ppk_delegate tidak sah: harus atasan, kepala_opd atau bkd",
        "Bad value for ppk_delegate: must be atasan, kepala_opd or bkd" },
    [WFA_T_POLICY_BAD_STEP] = {
        "Nilai step tidak sah: harus PERAN, sla_hours=N, on_timeout=TINDAKAN; PERAN "
        "atasan, kepala_opd atau bkd; N 1..720; TINDAKAN remind, escalate atau expire",
        "Bad value for step: must be ROLE, sla_hours=N, on_timeout=ACTION; ROLE atasan, "
        "kepala_opd or bkd; N 1..720; ACTION remind, escalate or expire" },
    [WFA_T_POLICY_TOO_MANY_STEPS] = {
        "Terlalu banyak step di [chain]: paling banyak %d",
        "Too many steps in [chain]: at most %d" },
    [WFA_T_POLICY_DUPLICATE_STEP_ROLE] = {
        "Nilai step tidak sah: peran %s sudah punya step; setiap peran paling banyak sekali",
        "Bad value for step: role %s already has a step; each role at most once" },
    [WFA_T_POLICY_CHAIN_EMPTY] = {
        "Bagian [chain] tanpa step: tulis paling sedikit satu "
        "step = PERAN, sla_hours=N, on_timeout=TINDAKAN",
        "Section [chain] has no step: give at least one "
        "step = ROLE, sla_hours=N, on_timeout=ACTION" },
    [WFA_T_POLICY_CHAIN_LAST_STEP] = {
        "Nilai step tidak sah: step terakhir [chain] harus %s; "
        "keputusan akhir diambil atas nama PPK oleh BKD atau delegasi PPK yang "
        "disebut ppk_delegate (PermenPAN-RB 4/2025 pasal 12)",
        "Bad value for step: the last step of [chain] must be %s; "
        "the final decision is made for the PPK by the BKD or the PPK's delegate "
        "named in ppk_delegate (PermenPAN-RB 4/2025 art. 12)" },
    [WFA_T_MUST_INT] = {
        "bilangan bulat %d..%d",
        "a whole number %d..%d" },
    [WFA_T_MUST_INT_LEGAL] = {
        "bilangan bulat %d..%d (%s)",
        "a whole number %d..%d (%s)" },
    [WFA_T_MUST_DECIMAL] = {
        "angka %d..%d, paling banyak 2 desimal dengan titik (mis. 37.5, bukan 37,5)",
        "a number %d..%d, at most 2 decimals after a point (e.g. 37.5, not 37,5)" },
    [WFA_T_MUST_YESNO] = { "yes atau no", "yes or no" },
    [WFA_T_MUST_MISSING] = { "deny atau allow", "deny or allow" },
    [WFA_T_MUST_TZ] = { "WIB, WITA atau WIT", "WIB, WITA or WIT" },
    [WFA_T_MUST_CLOCK] = {
        "jam HH:MM, 00:00..23:59",
        "a time HH:MM, 00:00..23:59" },
    [WFA_T_MUST_GEO] = {
        "LINTANG, BUJUR dalam derajat (mis. -8.1335, 113.2248), atau kosong",
        "LAT, LON in degrees (e.g. -8.1335, 113.2248), or empty" },
    [WFA_T_MUST_PREDIKAT] = {
        "none, sangat_kurang, kurang, butuh_perbaikan, baik atau sangat_baik",
        "none, sangat_kurang, kurang, butuh_perbaikan, baik or sangat_baik" },
    [WFA_T_MUST_LOCATION_KINDS] = {
        "daftar dipisah koma dari rumah, kantor_lain, lokasi_lain (masing-masing sekali), atau kosong",
        "a comma-separated list of rumah, kantor_lain, lokasi_lain (each at most once), or empty" },
    [WFA_T_MUST_TIME_KINDS] = {
        "daftar dipisah koma dari sif, dinamis (masing-masing sekali), atau kosong",
        "a comma-separated list of sif, dinamis (each at most once), or empty" },
    [WFA_T_MUST_EMPTY_RETIRED] = {
        "kosong: kunci ini %s",
        "empty: this key is %s" },
    [WFA_T_MUST_BLACKOUT_COUNT] = {
        "paling banyak %d tanggal atau rentang",
        "at most %d dates or ranges" },
    [WFA_T_MUST_BLACKOUT_ORDER] = {
        "rentang yang akhirnya tidak sebelum awalnya (entri ke-%zu)",
        "ranges that do not end before they start (entry %zu)" },
    [WFA_T_MUST_BLACKOUT_DATES] = {
        "daftar dipisah koma dari tanggal YYYY-MM-DD "
        "atau rentang YYYY-MM-DD..YYYY-MM-DD (entri ke-%zu salah)",
        "a comma-separated list of dates YYYY-MM-DD "
        "or ranges YYYY-MM-DD..YYYY-MM-DD (entry %zu is wrong)" },
    [WFA_T_LEGAL_WEEKLY_LOCATION_DAYS] = {
        "pasal 13 ayat (1) PermenPAN-RB 4/2025: fleksibilitas lokasi paling banyak 2 hari kerja seminggu; "
        "pemda boleh menurunkan, tidak menaikkan",
        "art. 13(1) PermenPAN-RB 4/2025: location flexibility at most 2 working days a week; "
        "a pemda may lower it, never raise it" },
    [WFA_T_RETIRED_RAMADAN] = {
        "tidak dipakai lagi: tanggal Ramadan kini di kalender pemda (CALENDAR.SET, jenis ramadan, "
        "mis. 2027-02-08..2027-03-09,ramadan,Ramadan 1448 H)",
        "no longer read: the dates of Ramadan now go in the pemda calendar (CALENDAR.SET, "
        "kind ramadan, e.g. 2027-02-08..2027-03-09,ramadan,Ramadan 1448 H)" },
    [WFA_T_DETAIL_ANOTHER_PEMDA] = { "pemda lain", "another pemda" },
    [WFA_T_DETAIL_NOT_THE_EMPLOYEES] = { "bukan milik pegawai itu", "not the employee's" },
    [WFA_T_DETAIL_ON_RECORD_ELSEWHERE] = { "terdaftar di pemda lain", "on record in another pemda" },
    [WFA_T_DETAIL_OWN_ROLES] = { "peran sendiri", "your own roles" },
    [WFA_T_DETAIL_YOURSELF] = { "diri sendiri", "yourself" },
    [WFA_T_DETAIL_DUPLICATE_NIP] = { "NIP ganda dalam batch", "duplicate NIP in batch" },
    [WFA_T_DETAIL_NO_EMPLOYEE] = { "%s: bukan pegawai", "%s: acts for no employee" },
    [WFA_T_DETAIL_ONLY_GATEWAY] = {
        "as: hanya gateway yang bertindak atas nama orang lain",
        "as: only the gateway acts for others" },
    [WFA_T_NOTICE_PENDING] = {
        "Pengajuan %s dari %s (%s) menunggu keputusan Anda",
        "Request %s from %s (%s) awaits your decision" },
    [WFA_T_NOTICE_REMINDER] = {
        "Pengingat: pengajuan %s dari %s masih menunggu keputusan Anda (batas waktu terlewati)",
        "Reminder: request %s from %s still awaits your decision (past its deadline)" },
    [WFA_T_NOTICE_ESCALATED] = {
        "Eskalasi: pengajuan %s dari %s melewati batas waktu dan kini menunggu keputusan Anda",
        "Escalated: request %s from %s is past its deadline and now awaits your decision" },
    [WFA_T_NOTICE_DECIDED] = {
        "Pengajuan %s %s oleh %s%s%s%s",
        "Request %s was %s by %s%s%s%s" },
    [WFA_T_NOTICE_NUMBER] = {
        " dengan nomor persetujuan %s",
        " under approval number %s" },
    [WFA_T_OUTCOME_APPROVED] = { "disetujui", "approved" },
    [WFA_T_OUTCOME_REJECTED] = { "ditolak", "rejected" },
    [WFA_T_OUTCOME_RETURNED] = { "dikembalikan untuk diperbaiki", "returned for revision" },
    [WFA_T_OUTCOME_REVOKED] = { "dicabut", "revoked" },
    [WFA_T_OUTCOME_EXPIRED] = { "kedaluwarsa tanpa keputusan", "expired undecided" },
    [WFA_T_NOTICE_NO_APPROVER] = {
        "Pengajuan %s dari %s (%s) menunggu: tidak ada pemegang peran %s yang dapat memutuskan tahap %d",
        "Request %s from %s (%s) waits: nobody on record holds %s to decide step %d" },
    [WFA_T_NOTICE_NO_APPROVER_OPD] = {
        "Pengajuan %s dari %s (%s) menunggu: tidak ada pemegang peran %s of %s yang dapat memutuskan "
        "tahap %d",
        "Request %s from %s (%s) waits: nobody on record holds %s of %s to decide step %d" },
    [WFA_T_NOTICE_RECEIVED] = {
        "Pengajuan %s Anda diterima dan menunggu keputusan tahap %d dari %d (%s: %s)",
        "Your request %s was received and awaits the decision of step %d of %d (%s: %s)" },
    [WFA_T_NOTICE_MOVED_ON] = {
        "Pengajuan %s Anda disetujui pada tahap %d oleh %s dan kini menunggu keputusan tahap %d dari %d "
        "(%s: %s)",
        "Your request %s was approved at step %d by %s and now awaits the decision of step %d of %d "
        "(%s: %s)" },
    [WFA_T_NOTICE_WAITS_AT] = {
        "Pengajuan %s Anda kini menunggu keputusan tahap %d dari %d (%s: %s)",
        "Your request %s now awaits the decision of step %d of %d (%s: %s)" },
    [WFA_T_NOTICE_OWN_NO_APPROVER] = {
        "Pengajuan %s Anda menunggu: tidak ada pemegang peran %s yang dapat memutuskan tahap %d; BKD dan "
        "admin pemda telah diberi tahu",
        "Your request %s waits: nobody on record holds %s to decide step %d; the BKD and admin pemda "
        "were told" },
    [WFA_T_NOTICE_OWN_ESCALATED] = {
        "Pengajuan %s Anda melewati batas waktu tahap %d dan kini juga menunggu keputusan %s",
        "Your request %s is past the deadline of step %d and now also awaits the decision of %s" },
    [WFA_T_NOTICE_CANCELLED] = {
        "Pengajuan %s dari %s dibatalkan oleh %s dan tidak perlu diputuskan lagi%s%s",
        "Request %s from %s was cancelled by %s and needs no decision any more%s%s" },
    [WFA_T_NOTICE_REPORT_SUBMITTED] = {
        "Laporan kinerja harian %s dari %s menunggu verifikasi Anda",
        "The daily report of %s from %s awaits your verification" },
    [WFA_T_NOTICE_REPORT_VERIFIED] = {
        "Laporan kinerja harian %s %s oleh %s%s%s",
        "Your daily report of %s was %s by %s%s%s" },
    [WFA_T_OUTCOME_ACCEPTED] = { "diterima", "accepted" },
    [WFA_T_NOTICE_REPORT_REMINDER] = {
        "Pengingat: laporan kinerja harian %s belum dikirim",
        "Reminder: the daily report of %s has not been sent" },
    [WFA_T_NOTICE_FLAGGED] = {
        "Pegawai %s (%s) di bawah tolok ukur monev %d minggu berturut-turut (%s)",
        "Employee %s (%s) stayed below the monev benchmarks for %d weeks running (%s)" },
    [WFA_T_NOTICE_SUSPENDED] = {
        "; kerja fleksibel ditangguhkan sampai %s",
        "; flexible work suspended until %s" },
    [WFA_T_NOTICE_LIFTED] = {
        "Penangguhan kerja fleksibel Anda telah berakhir",
        "Your suspension from flexible work has ended" },
    [WFA_T_NOTICE_UNILATERAL] = {
        "Pegawai %s (%s) bekerja fleksibel tanpa persetujuan pada %s (%s)",
        "Employee %s (%s) worked flexibly without approval on %s (%s)" },
    [WFA_T_NOTICE_WEBHOOK_PAUSED] = {
        "Webhook %s dijeda setelah %d kegagalan berturut-turut (%s); kirimannya ditahan sampai WEBHOOK.RESUME",
        "Webhook %s was paused after %d failures in a row (%s); its deliveries are held until WEBHOOK.RESUME" },
    [WFA_T_REFUSED_CHECKIN] = { "check-in ditolak", "check-in refused" },
    [WFA_T_REFUSED_REPORT] = { "laporan harian ditolak", "daily report refused" },
    [WFA_T_EMAIL_SUBJECT_PENDING] = {
        "[Fleksi] Pengajuan %s menunggu keputusan Anda",
        "[Fleksi] Request %s awaits your decision" },
    [WFA_T_EMAIL_SUBJECT_REMINDER] = {
        "[Fleksi] Pengingat: pengajuan %s masih menunggu",
        "[Fleksi] Reminder: request %s still waits" },
    [WFA_T_EMAIL_SUBJECT_ESCALATED] = {
        "[Fleksi] Eskalasi: pengajuan %s",
        "[Fleksi] Escalated: request %s" },
    [WFA_T_EMAIL_SUBJECT_PROGRESS] = {
        "[Fleksi] Perkembangan pengajuan %s",
        "[Fleksi] Progress of your request %s" },
    [WFA_T_EMAIL_SUBJECT_CANCELLED] = {
        "[Fleksi] Pengajuan %s dibatalkan, tidak perlu diputuskan",
        "[Fleksi] Request %s cancelled, no decision needed" },
    [WFA_T_EMAIL_SUBJECT_DECIDED] = {
        "[Fleksi] Pengajuan %s %s",
        "[Fleksi] Request %s %s" },
    [WFA_T_EMAIL_SUBJECT_NO_APPROVER] = {
        "[Fleksi] Pengajuan %s tidak dapat diputuskan",
        "[Fleksi] Request %s has nobody to decide it" },
    [WFA_T_EMAIL_SUBJECT_REPORT] = { "[Fleksi] Laporan harian", "[Fleksi] Daily report" },
    [WFA_T_EMAIL_SUBJECT_MONEV] = { "[Fleksi] Monitoring dan evaluasi", "[Fleksi] Monitoring and evaluation" },
    [WFA_T_EMAIL_SUBJECT_NOTICE] = { "[Fleksi] Pemberitahuan", "[Fleksi] Notice" },
    [WFA_T_EMAIL_GREETING] = { "Yth. %s,", "Dear %s," },
    [WFA_T_EMAIL_REQUEST] = { "Nomor pengajuan: %s", "Request number: %s" },
    [WFA_T_EMAIL_FOOTER] = {
        "Email ini dikirim otomatis oleh Fleksi karena alamat Anda tercatat pada data kepegawaian. "
        "Pemberitahuan yang sama ada di kotak masuk Fleksi Anda.",
        "Fleksi sent this email automatically because your address is on your personnel record. "
        "The same notice is in your Fleksi inbox." },
    [WFA_T_REPORT_TITLE] = {
        "Laporan Monev Kerja Fleksibel",
        "Flexible Work Monev Report" },
    [WFA_T_REPORT_MONTH] = {
        "Bulanan",
        "Monthly" },
    [WFA_T_REPORT_YEAR] = {
        "Tahunan",
        "Yearly" },
    [WFA_T_REPORT_PEMDA] = {
        "Pemerintah daerah",
        "Regional government" },
    [WFA_T_REPORT_LEVEL] = {
        "Tingkat",
        "Level" },
    [WFA_T_REPORT_TZ] = {
        "Zona waktu",
        "Time zone" },
    [WFA_T_REPORT_ALL_OPDS] = {
        "Semua OPD",
        "All OPDs" },
    [WFA_T_REPORT_PERIOD] = {
        "Periode",
        "Period" },
    [WFA_T_REPORT_DAYS] = {
        "Hari (waktu setempat)",
        "Days (local time)" },
    [WFA_T_REPORT_POLICY] = {
        "Versi kebijakan",
        "Policy version" },
    [WFA_T_REPORT_BENCHMARKS] = {
        "Tolok ukur",
        "Benchmarks" },
    [WFA_T_REPORT_BENCHMARK] = {
        "Tolok ukur",
        "Benchmark" },
    [WFA_T_REPORT_MINIMUM] = {
        "Batas minimum (%%)",
        "Minimum (%%)" },
    [WFA_T_REPORT_VALUE] = {
        "Nilai (%%)",
        "Value (%%)" },
    [WFA_T_REPORT_RESULT] = {
        "Hasil",
        "Result" },
    [WFA_T_REPORT_MEETS] = {
        "tercapai",
        "met" },
    [WFA_T_REPORT_BELOW] = {
        "di bawah",
        "below" },
    [WFA_T_REPORT_NONE] = {
        "tidak ada yang dinilai",
        "nothing to judge" },
    [WFA_T_REPORT_COMPLIANCE] = {
        "Kepatuhan presensi",
        "Check-in compliance" },
    [WFA_T_REPORT_REPORTS] = {
        "Pengiriman LKH",
        "Report submission" },
    [WFA_T_REPORT_ATTAINMENT] = {
        "Capaian e-kinerja",
        "E-kinerja attainment" },
    [WFA_T_REPORT_FIGURES] = {
        "Angka periode",
        "Figures of the period" },
    [WFA_T_REPORT_FIGURE] = {
        "Angka",
        "Figure" },
    [WFA_T_REPORT_BY_OPD] = {
        "Per OPD",
        "By OPD" },
    [WFA_T_REPORT_BY_MONTH] = {
        "Per bulan",
        "By month" },
    [WFA_T_REPORT_SUSPENDED] = {
        "Pegawai yang ditangguhkan",
        "Suspended employees" },
    [WFA_T_REPORT_UNTIL] = {
        "Sampai",
        "Until" },
    [WFA_T_REPORT_NOBODY] = {
        "Tidak ada.",
        "None." },
    [WFA_T_REPORT_VERIFICATION] = {
        "Verifikasi",
        "Verification" },
    [WFA_T_REPORT_AUDIT_SEQ] = {
        "Entri audit terakhir",
        "Last audit entry" },
    [WFA_T_REPORT_AUDIT_HEAD] = {
        "Kepala rantai audit",
        "Audit chain head" },
    [WFA_T_REPORT_GENERATED_AT] = {
        "Dibuat pada (UTC)",
        "Generated at (UTC)" },
    [WFA_T_REPORT_SHA256] = {
        "SHA-256 isi laporan",
        "SHA-256 of the content" },
    [WFA_T_REPORT_VERIFY_HOW] = {
        "Periksa: wfactl audit verify (AUDIT.VERIFY) harus lulus dan rantainya melewati kepala "
        "ini pada entri tersebut; SHA-256 dari CSV laporan tanpa baris terakhirnya harus sama.",
        "Check: wfactl audit verify (AUDIT.VERIFY) must pass with the chain passing through "
        "this head at that entry; the SHA-256 of the report's CSV without its last line must "
        "match." },
    [WFA_T_REPORT_FIG_FLEXIBLE_DAYS] = {
        "Hari kerja fleksibel",
        "Flexible work days" },
    [WFA_T_REPORT_FIG_FLEXIBLE_LOCATION_DAYS] = {
        "Hari fleksibel lokasi",
        "Flexible location days" },
    [WFA_T_REPORT_FIG_FLEXIBLE_JUDGED_DAYS] = {
        "Hari yang dinilai",
        "Days judged" },
    [WFA_T_REPORT_FIG_FLEXIBLE_WORKING_DAYS] = {
        "Hari kerja (x pegawai)",
        "Working days (x people)" },
    [WFA_T_REPORT_FIG_FLEXIBLE_CAP_USE_PCT] = {
        "Pemakaian batas mingguan (%%)",
        "Weekly cap used (%%)" },
    [WFA_T_REPORT_FIG_FLEXIBLE_UNAPPROVED_DAYS] = {
        "Hari kerja tanpa persetujuan",
        "Days worked without approval" },
    [WFA_T_REPORT_FIG_REPORTS_VERIFICATION_PCT] = {
        "Verifikasi LKH (%%)",
        "Report verification (%%)" },
    [WFA_T_REPORT_FIG_CHECKINS_ON_TIME] = {
        "Presensi tepat waktu",
        "Check-ins on time" },
    [WFA_T_REPORT_FIG_CHECKINS_LATE] = {
        "Presensi terlambat",
        "Check-ins late" },
    [WFA_T_REPORT_FIG_CHECKINS_MISSING] = {
        "Presensi tidak ada",
        "Check-ins missing" },
    [WFA_T_REPORT_FIG_CHECKINS_FLAGGED] = {
        "Presensi ditandai",
        "Check-ins flagged" },
    [WFA_T_REPORT_FIG_CHECKINS_COMPLIANCE_PCT] = {
        "Kepatuhan presensi (%%)",
        "Check-in compliance (%%)" },
    [WFA_T_REPORT_FIG_REPORTS_SUBMITTED] = {
        "LKH dikirim",
        "Daily reports submitted" },
    [WFA_T_REPORT_FIG_REPORTS_LATE] = {
        "LKH terlambat",
        "Daily reports late" },
    [WFA_T_REPORT_FIG_REPORTS_ACCEPTED] = {
        "LKH diterima",
        "Daily reports accepted" },
    [WFA_T_REPORT_FIG_REPORTS_RETURNED] = {
        "LKH dikembalikan",
        "Daily reports returned" },
    [WFA_T_REPORT_FIG_REPORTS_SUBMISSION_PCT] = {
        "Pengiriman LKH (%%)",
        "Report submission (%%)" },
    [WFA_T_REPORT_FIG_ATTAINMENT_RHKS] = {
        "RHK",
        "RHKs" },
    [WFA_T_REPORT_FIG_ATTAINMENT_WITH_TARGET] = {
        "RHK bertarget",
        "RHKs with a target" },
    [WFA_T_REPORT_FIG_ATTAINMENT_MET] = {
        "RHK tercapai",
        "RHKs met" },
    [WFA_T_REPORT_FIG_ATTAINMENT_PCT] = {
        "Capaian e-kinerja (%%)",
        "E-kinerja attainment (%%)" },
    [WFA_T_REPORT_FIG_APPROVALS_APPROVED] = {
        "Permohonan disetujui",
        "Requests approved" },
    [WFA_T_REPORT_FIG_APPROVALS_REJECTED] = {
        "Permohonan ditolak",
        "Requests rejected" },
    [WFA_T_REPORT_FIG_APPROVALS_REVOKED] = {
        "Persetujuan dicabut",
        "Approvals revoked" },
    [WFA_T_DIGEST_SUBJECT] = { "[Fleksi] Ringkasan harian %s", "[Fleksi] Daily digest %s" },
    [WFA_T_DIGEST_PENDING] = {
        "%d pengajuan menunggu keputusan Anda; yang tertua %s, sejak %d hari.",
        "%d requests await your decision; the oldest is %s, %d days old." },
    [WFA_T_DIGEST_ITEM] = { "%s: %s, tahap %d, %d hari", "%s: %s, step %d, %d days" },
    [WFA_T_DIGEST_FLAGGED] = {
        "%d pegawai sedang ditangguhkan dari kerja fleksibel oleh monev:",
        "%d employees are suspended from flexible work by monev:" },
    [WFA_T_DIGEST_FLAGGED_ITEM] = { "%s (NIP %s), sampai %s", "%s (NIP %s), until %s" },
    [WFA_T_DIGEST_FOOTER] = {
        "Ringkasan ini dikirim Fleksi sekali sehari. Anda dapat mematikannya pada pengaturan email (digest).",
        "Fleksi sends this digest once a day. You can turn it off in your email preferences (digest)." },
};

//  The template of a text in a language.
const char *
wfa_text (wfa_text_t key, wfa_lang_t lang)
{
    assert ((int) key >= 0 && key < WFA_T_COUNT);
    return s_texts [key][lang == WFA_LANG_EN];
}

//  Format a text from a va_list.
char *
wfa_text_vformat (wfa_text_t key, wfa_lang_t lang, char *buf, size_t size, va_list args)
{
    //  Templates come from the table above, never from input
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf (buf, size, wfa_text (key, lang), args);
#pragma GCC diagnostic pop
    return buf;
}

//  Format a text in one language.
char *
wfa_text_format (wfa_text_t key, wfa_lang_t lang, char *buf, size_t size, ...)
{
    va_list args;
    va_start (args, size);
    wfa_text_vformat (key, lang, buf, size, args);
    va_end (args);
    return buf;
}

//  Format a text in both languages from one argument list.
void
wfa_text_both (wfa_text_t key, char *text_id, char *text_en, size_t size, ...)
{
    va_list args, copy;
    va_start (args, size);
    va_copy (copy, args);
    wfa_text_vformat (key, WFA_LANG_ID, text_id, size, args);
    wfa_text_vformat (key, WFA_LANG_EN, text_en, size, copy);
    va_end (copy);
    va_end (args);
}

//  The conversions of a printf template, e.g. "d d s" for "%d..%d (%s)".
static void
s_conversions (const char *tmpl, char *buf, size_t size)
{
    size_t used = 0;
    buf [0] = 0;
    for (const char *scan = tmpl; *scan; scan++) {
        if (*scan != '%')
            continue;
        scan++;
        if (*scan == '%')
            continue;
        const char *start = scan;
        while (*scan && !isalpha ((unsigned char) *scan))
            scan++;         //  Flags, width, precision
        while (*scan == 'z' || *scan == 'l' || *scan == 'h')
            scan++;
        used += snprintf (buf + used, size - used, "%.*s ", (int) (scan - start + 1), start);
        assert (used < size);
    }
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
    //  Every text has two different templates that take the same arguments
    for (int text_nbr = 0; text_nbr < WFA_T_COUNT; text_nbr++) {
        const char *text_id = s_texts [text_nbr][0], *text_en = s_texts [text_nbr][1];
        assert (text_id && text_en && !streq (text_id, text_en));
        char conv_id [64], conv_en [64];
        s_conversions (text_id, conv_id, sizeof conv_id);
        s_conversions (text_en, conv_en, sizeof conv_en);
        assert (streq (conv_id, conv_en));
    }
    char text_id [256], text_en [256];
    wfa_text_both (WFA_T_MUST_INT, text_id, text_en, sizeof text_id, 0, 7);
    assert (streq (text_id, "bilangan bulat 0..7") && streq (text_en, "a whole number 0..7"));
    wfa_text_format (WFA_T_MUST_INT_LEGAL, WFA_LANG_EN, buf, sizeof buf, 0, 2,
                     wfa_text (WFA_T_LEGAL_WEEKLY_LOCATION_DAYS, WFA_LANG_EN));
    assert (strncmp (buf, "a whole number 0..2 (art. 13(1)", 31) == 0);
    assert (wfa_lang_parse ("en", 2) == WFA_LANG_EN);
    assert (wfa_lang_parse ("id", 2) == WFA_LANG_ID);
    assert (wfa_lang_parse (NULL, 0) == WFA_LANG_ID);
    if (verbose)
        printf ("%s\n", buf);
}
