// dashboard.js URL TOKEN PEMDA FROM TO OPD SHOTS_DIR - open the monev dashboard of the gateway at
// URL in Debian's Chromium (playwright-core), sign in with the API token, show PEMDA's figures
// for FROM..TO, then OPD's, then switch to English. Prints one JSON line: the figures shown
// each time, the page's texts, and every URL the page asked for (to check none left the gateway).
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

async function figures (page) {
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    return page.evaluate(() => {
        const shown = {};
        document.querySelectorAll('[data-figure]').forEach((node) => { shown[node.dataset.figure] = node.textContent; });
        return { state: document.body.dataset.state, error: document.getElementById('error').textContent,
                 figures: shown, title: document.querySelector('h1').textContent,
                 lang: document.documentElement.lang,
                 schedule: document.querySelectorAll('#schedule tbody tr').length,
                 opds: [...document.getElementById('opd').options].map((o) => o.value).filter(Boolean),
                 chart: Boolean(window.Chart),
                 pending: [...document.querySelectorAll('#pending tbody tr')].map((row) =>
                     [...row.cells].map((cell) => cell.textContent)),
                 pending_note: document.getElementById('pending-note').textContent,
                 suspended: [...document.querySelectorAll('#suspended tbody tr')].map((row) =>
                     [...row.cells].map((cell) => cell.textContent)) };
    });
}

async function main () {
    const [url, token, pemda, from, to, opd, shots] = process.argv.slice(2);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fleksi-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium', headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const asked = [];
    const result = { steps: [] };
    try {
        const page = await context.newPage();
        page.on('request', (request) => asked.push(request.url()));
        const errors = [];
        page.on('pageerror', (error) => errors.push(String(error)));
        page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
        await page.goto(url + '/#from=' + from + '&to=' + to, { waitUntil: 'load' });
        result.first_title = await page.textContent('h1');
        await page.fill('#token', token);
        await page.click('#signin-form button');
        await page.fill('#pemda', pemda);
        await page.click('#scope button');
        await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error');
        result.steps.push(await figures(page));
        await page.screenshot({ path: path.join(shots, 'dashboard-pemda.png'), fullPage: true });
        await page.evaluate(() => { document.body.dataset.state = 'loading'; });
        await page.selectOption('#opd', opd);
        result.steps.push(await figures(page));
        await page.screenshot({ path: path.join(shots, 'dashboard-opd.png'), fullPage: true });
        await page.evaluate(() => { document.body.dataset.state = 'loading'; });
        await page.click('#lang');
        result.steps.push(await figures(page));
        await page.screenshot({ path: path.join(shots, 'dashboard-en.png'), fullPage: true });
        await page.locator('#pending').screenshot({ path: path.join(shots, 'dashboard-pending.png') });
        result.stored = await page.evaluate(() => ({ session: sessionStorage.getItem('fleksi.token'),
                                                     local: localStorage.length }));
        await page.click('#signout');
        result.after_signout = await page.evaluate(() => sessionStorage.getItem('fleksi.token'));
        result.errors = errors;
    } finally {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
    }
    result.asked = asked;
    console.log(JSON.stringify(result));
}

main().catch((error) => { console.error(error); process.exit(1); });
