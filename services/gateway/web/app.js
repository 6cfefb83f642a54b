/* The monev dashboard: signs in with an API token (kept in sessionStorage),
   then reads MONEV.GET and SCHEDULE.GET through the gateway's /v1 API. */
'use strict';
(function () {
  const TEXT = window.FLEKSI_TEXT;
  let lang = sessionStorage.getItem('fleksi.lang') || 'id';
  let chart = null;
  const $ = (id) => document.getElementById(id);

  function t(key) { return TEXT[lang][key] || key; }
  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-text]').forEach((node) => { node.textContent = t(node.dataset.text); });
    $('lang').textContent = t('lang_switch');
  }
  function token() { return sessionStorage.getItem('fleksi.token'); }

  async function api(path, params) {
    const query = new URLSearchParams();
    Object.keys(params).forEach((name) => { if (params[name]) query.set(name, params[name]); });
    const response = await fetch(path + '?' + query.toString(), {
      headers: { 'Authorization': 'Bearer ' + token(), 'Accept-Language': lang } });
    const body = await response.json();
    if (!response.ok)
      throw new Error((body.error && body.error.message) || t('no_data'));
    return body;
  }
  function scope() {
    return { pemda: $('pemda').value.trim(), opd: $('opd').value, from: $('from').value, to: $('to').value };
  }
  function show(value) { return value === null || value === undefined ? '—' : String(value); }

  function fillFigures(period) {
    document.querySelectorAll('[data-figure]').forEach((node) => {
      const [group, name] = node.dataset.figure.split('.');
      node.textContent = show(period[group] ? period[group][name] : null);
    });
    const list = $('benchmarks');
    list.textContent = '';
    ['compliance', 'reports', 'attainment'].forEach((name) => {
      const mark = (period.benchmarks || {})[name] || {};
      const dt = document.createElement('dt');
      dt.textContent = t(name === 'compliance' ? 'compliance_pct' : name === 'reports' ? 'submission_pct' : 'attainment_pct');
      const dd = document.createElement('dd');
      dd.dataset.benchmark = name;
      dd.textContent = show(mark.result) + ' (≥ ' + show(mark.min_pct) + ')';
      list.append(dt, dd);
    });
  }
  function fillChart(periods) {
    const labels = periods.map((p) => p.period);
    const sets = [
      { label: t('compliance_pct'), data: periods.map((p) => p.checkins.compliance_pct) },
      { label: t('submission_pct'), data: periods.map((p) => p.reports.submission_pct) },
      { label: t('attainment_pct'), data: periods.map((p) => p.attainment.pct) }];
    if (chart) chart.destroy();
    chart = new window.Chart($('chart'), { type: 'line', data: { labels, datasets: sets },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } } });
  }
  function fillSchedule(entries) {
    const body = $('schedule').tBodies[0];
    body.textContent = '';
    entries.forEach((entry) => {
      const row = body.insertRow();
      [entry.nip, entry.name, entry.opd, entry.kind, entry.location].forEach((value) => {
        row.insertCell().textContent = show(value);
      });
    });
    if (!entries.length)
      body.insertRow().insertCell().textContent = t('none_today');
  }
  /* Pending requests per step role and age of the step (one page of REQUEST.LIST). */
  const ROLES = ['atasan', 'kepala_opd', 'bkd'];
  const DAY = 24 * 3600 * 1000;
  async function fillPending(s) {
    const list = await api('/v1/requests', { pemda: s.pemda, opd: s.opd, state: 'pending', limit: 1000 });
    const counts = {};
    ROLES.forEach((role) => { counts[role] = [0, 0, 0]; });
    const now = Date.now();
    (list.requests || []).forEach((request) => {
      if (!counts[request.step_role]) counts[request.step_role] = [0, 0, 0];
      const age = now - (request.step_opened_at || now);
      counts[request.step_role][age < DAY ? 0 : age <= 3 * DAY ? 1 : 2] += 1;
    });
    const body = $('pending').tBodies[0];
    body.textContent = '';
    Object.keys(counts).forEach((role) => {
      const row = body.insertRow();
      row.dataset.role = role;
      row.insertCell().textContent = role;
      counts[role].forEach((count) => { row.insertCell().textContent = String(count); });
    });
    $('pending-note').textContent = list.next_cursor ? t('first_1000') : '';
  }
  /* Employees whose suspended_until lies ahead (EMPLOYEE.LIST pages). */
  async function fillSuspended(s) {
    const body = $('suspended').tBodies[0];
    const rows = [];
    const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    let cursor = '';
    for (let page = 0; page < 20; page++) {
      const list = await api('/v1/employees', { pemda: s.pemda, opd: s.opd, limit: 200, cursor });
      (list.employees || []).forEach((employee) => {
        const until = employee.suspended_until;   // YYYY-MM-DD, the suspension's last day (WIB)
        if (until && until >= today) rows.push([employee.name, employee.nip, employee.opd, until]);
      });
      cursor = list.next_cursor;
      if (!cursor) break;
    }
    body.textContent = '';
    rows.forEach((values) => {
      const row = body.insertRow();
      values.forEach((value) => { row.insertCell().textContent = show(value); });
    });
    if (!rows.length)
      body.insertRow().insertCell().textContent = t('none_suspended');
  }
  async function fillOpds(pemda) {
    const select = $('opd');
    if (select.dataset.pemda === pemda) return;
    const seen = new Set();
    let cursor = '';
    for (let page = 0; page < 20; page++) {
      const list = await api('/v1/employees', { pemda, limit: 200, cursor });
      (list.employees || []).forEach((employee) => { if (employee.opd) seen.add(employee.opd); });
      cursor = list.next_cursor;
      if (!cursor) break;
    }
    while (select.options.length > 1) select.remove(1);
    [...seen].sort().forEach((opd) => select.add(new Option(opd, opd)));
    select.dataset.pemda = pemda;
  }

  async function load() {
    const s = scope();
    $('error').textContent = '';
    document.body.dataset.state = 'loading';
    try {
      await fillOpds(s.pemda).catch(() => {});
      const total = await api('/v1/monev', { ...s, by: 'total' });
      fillFigures(total.periods[0] || {});
      const series = await api('/v1/monev', { ...s, by: $('by').value });
      fillChart(series.periods);
      const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
      const schedule = await api('/v1/schedule', { date: $('to').value < today ? $('to').value : today,
        pemda: s.pemda, opd: s.opd, limit: 100 });
      fillSchedule(schedule.entries);
      await fillPending(s);
      await fillSuspended(s);
      document.body.dataset.state = 'ready';
    } catch (error) {
      $('error').textContent = error.message;
      document.body.dataset.state = 'error';
    }
  }
  function signedIn(yes) {
    $('signin').hidden = yes;
    $('dash').hidden = !yes;
    $('signout').hidden = !yes;
  }

  document.addEventListener('DOMContentLoaded', () => {
    applyLang();
    const params = new URLSearchParams(location.hash.slice(1));
    $('pemda').value = params.get('pemda') || sessionStorage.getItem('fleksi.pemda') || '';
    const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    $('to').value = params.get('to') || today;
    $('from').value = params.get('from') || today.slice(0, 8) + '01';
    $('lang').addEventListener('click', () => {
      lang = lang === 'id' ? 'en' : 'id';
      sessionStorage.setItem('fleksi.lang', lang);
      applyLang();
      if (token()) load();
    });
    $('signin-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      sessionStorage.setItem('fleksi.token', $('token').value.trim());
      $('token').value = '';
      signedIn(true);
      load();
    });
    $('signout').addEventListener('click', () => {
      sessionStorage.removeItem('fleksi.token');
      signedIn(false);
    });
    $('scope').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem('fleksi.pemda', $('pemda').value.trim());
      load();
    });
    $('opd').addEventListener('change', load);
    $('by').addEventListener('change', load);
    signedIn(Boolean(token()));
    if (token()) load();
  });
})();
