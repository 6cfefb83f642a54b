/* The dashboard's words, Bahasa Indonesia (default) and English. */
'use strict';
window.FLEKSI_TEXT = {
  id: { title: 'Monev kerja fleksibel', signin: 'Masuk', signout: 'Keluar', token: 'Token API',
    pemda: 'Pemda', opd: 'OPD', all_opd: 'Semua OPD', from: 'Dari', to: 'Sampai', show: 'Tampilkan',
    compliance: 'Kepatuhan presensi', on_time: 'Tepat waktu', late: 'Terlambat', missing: 'Tidak hadir',
    flagged: 'Ditandai', compliance_pct: 'Kepatuhan %', reports: 'Laporan harian', submitted: 'Dikirim',
    accepted: 'Diterima', returned: 'Dikembalikan', submission_pct: 'Pengiriman %',
    attainment: 'Capaian e-kinerja', rhks: 'RHK', met: 'Tercapai', attainment_pct: 'Capaian %',
    flexible: 'Kerja fleksibel', days: 'Hari fleksibel', cap_use_pct: 'Pemakaian kuota %',
    peak_pct: 'Puncak kapasitas %', benchmarks: 'Status tolok ukur', over_time: 'Dari waktu ke waktu',
    by: 'Per', by_day: 'hari', by_week: 'minggu', by_month: 'bulan',
    schedule: 'Siapa bekerja di mana hari ini', nip: 'NIP', name: 'Nama', kind: 'Jenis', location: 'Lokasi',
    lang_switch: 'English', none_today: 'Tidak ada jadwal lain hari ini',
    bad_token: 'Token ditolak', no_data: 'Data tidak dapat dibaca' },
  en: { title: 'Flexible work monitoring', signin: 'Sign in', signout: 'Sign out', token: 'API token',
    pemda: 'Pemda', opd: 'OPD', all_opd: 'All OPDs', from: 'From', to: 'To', show: 'Show',
    compliance: 'Check-in compliance', on_time: 'On time', late: 'Late', missing: 'Missing',
    flagged: 'Flagged', compliance_pct: 'Compliance %', reports: 'Daily reports', submitted: 'Submitted',
    accepted: 'Accepted', returned: 'Returned', submission_pct: 'Submission %',
    attainment: 'E-kinerja attainment', rhks: 'RHKs', met: 'Met', attainment_pct: 'Attainment %',
    flexible: 'Flexible work', days: 'Flexible days', cap_use_pct: 'Cap use %',
    peak_pct: 'Peak capacity %', benchmarks: 'Benchmark status', over_time: 'Over time',
    by: 'By', by_day: 'day', by_week: 'week', by_month: 'month',
    schedule: 'Who works where today', nip: 'NIP', name: 'Name', kind: 'Kind', location: 'Location',
    lang_switch: 'Bahasa Indonesia', none_today: 'No other schedule today',
    bad_token: 'Token refused', no_data: 'The data could not be read' }
};
