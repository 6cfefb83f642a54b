// report_pdf.js URL TOKEN OUT.pdf - open a monev report page of the gateway in Debian's
// Chromium (playwright-core, no browser of its own), signed in with the bearer TOKEN, and
// print it to OUT.pdf as the page's @page rules say (A4). Prints one JSON line: the page's
// title, the HTTP status and whether the page ran any script.
const { chromium } = require('playwright-core');

async function main () {
    const [url, token, out] = process.argv.slice(2);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                            args: ['--no-sandbox', '--disable-gpu'] });
    try {
        const context = await browser.newContext({ locale: 'id-ID',
                                                extraHTTPHeaders: { Authorization: 'Bearer ' + token } });
        const page = await context.newPage();
        const response = await page.goto(url, { waitUntil: 'load' });
        const scripts = await page.evaluate(() => document.scripts.length);
        await page.pdf({ path: out, preferCSSPageSize: true, printBackground: true });
        console.log(JSON.stringify({ status: response.status(), title: await page.title(), scripts }));
    } finally {
        await browser.close();
    }
}

main().catch((error) => { console.error(error); process.exit(1); });
