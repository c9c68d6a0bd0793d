// The dashboard's benchmark (run through `BROWSER_RUN=bench tests/browser/run.sh`, which
// `make bench` does): prints a table of
//   1. the gzipped size of the JS and CSS the first load fetches (index.html's assets in web/dist);
//   2. the time to interactive of the certificate list with 100 certificates (an Elite user
//      with 100 issued certificates; from navigation start to the 100th row in the DOM and the
//      Request button in its final state, measured in the page; median of 5, each in a fresh
//      context). 100 is the Elite limit, so that final state is "disabled, with the reason
//      Certificate limit reached for plan" (the button is enabled below the limit);
//   3. the server's cost of 100 open dashboards idle for BENCH_IDLE_S (60) seconds: CPU
//      seconds of the certadns process (/proc/<pid>/stat utime+stime), its threads and RSS
//      (/proc/<pid>/status) before and after, and the requests the pages made meanwhile.
// Timings only: nothing here passes or fails on a number.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Api, CHROMIUM_ARGS, env, newUser, sleep, verifiedZone } from './lib.mjs';

const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const PAGES = Number(process.env.BENCH_PAGES ?? 100);
const CERTS = 100;
const rows = [];
const out = (what, value, note = '') => rows.push([what, value, note]);

// --- 1. First-load size -----------------------------------------------------------------------
function firstLoadAssets(dist) {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const refs = new Set();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1]);
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    if (!/rel="(stylesheet|modulepreload)"/.test(tag)) continue;
    const href = /href="([^"]+)"/.exec(tag)?.[1];
    if (href) refs.add(href);
  }
  return [...refs].filter((r) => /\.(m?js|css)(\?|$)/.test(r) && !/^https?:/.test(r));
}

function sizeTable() {
  const dist = env.webDist;
  let raw = 0, gz = 0;
  const files = firstLoadAssets(dist);
  for (const ref of files) {
    const data = fs.readFileSync(path.join(dist, ref.replace(/^\//, '').split('?')[0]));
    const zipped = zlib.gzipSync(data, { level: 9 }).length;
    raw += data.length;
    gz += zipped;
    out(`  ${ref}`, `${(zipped / 1024).toFixed(1)} KiB gz`, `${(data.length / 1024).toFixed(1)} KiB raw`);
  }
  rows.splice(rows.length - files.length, 0,
    ['first load JS+CSS (gzip -9)', `${(gz / 1024).toFixed(1)} KiB`, `${(raw / 1024).toFixed(1)} KiB raw, ${files.length} files`]);
}

// --- helpers ---------------------------------------------------------------------------------
function sessionCookies(api) {
  const host = new URL(env.baseUrl).hostname;
  return api.cookie.split('; ').map((pair) => {
    const i = pair.indexOf('=');
    return { name: pair.slice(0, i), value: pair.slice(i + 1), domain: host, path: '/' };
  });
}

function procStats(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const threads = Number(/Threads:\s+(\d+)/.exec(status)[1]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { cpuS: ticks / 100, threads, rssMiB: rssKb / 1024 }; // CLK_TCK is 100 on Linux
}

// In the page: the first moment (performance.now(), from navigation start) when 100 rows are in
// a table body and the "Request Certificate" button is in its final state: at the limit,
// disabled with the reason as its tooltip (title on it or on its wrapper).
const TTI_PROBE = `
  window.__tti = null;
  const probe = () => {
    if (window.__tti !== null) return;
    const rows = document.querySelectorAll('tbody tr');
    const button = [...document.querySelectorAll('button')]
      .find((b) => b.textContent.trim() === 'Request Certificate' || b.getAttribute('aria-label') === 'Request Certificate');
    if (!button || rows.length < ${CERTS}) return;
    const reason = (button.getAttribute('title') || button.parentElement?.getAttribute('title') || '');
    if (button.disabled && reason.includes('Certificate limit reached')) window.__tti = performance.now();
  };
  new MutationObserver(probe).observe(document, { subtree: true, childList: true, attributes: true });
`;

async function main() {
  sizeTable();

  // --- setup: an Elite user with 100 issued certificates ---------------------------------------
  const user = await newUser('elite');
  const zone = await verifiedZone(user);
  const api = await Api.login(user);
  const zoneId = await api.zoneId(zone);
  const started = Date.now();
  const ids = [];
  for (let i = 0; i < CERTS; i++) ids.push(await api.request(zoneId, `host${i}.${zone}`));
  let issued = 0;
  for (const id of ids) if ((await api.settled(id, 600000)).status === 'issued') issued++;
  out('setup: certificates issued', `${issued}/${CERTS}`, `${((Date.now() - started) / 1000).toFixed(1)} s`);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const loopbackOnly = (context) => context.route('**/*', (route) =>
    (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')));
  try {
    // --- 2. time to interactive, median of 5 cold loads ------------------------------------------
    const times = [];
    for (let run = 0; run < 5; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await loopbackOnly(context);
      await context.addCookies(sessionCookies(api));
      await context.addInitScript(TTI_PROBE);
      const page = await context.newPage();
      await page.goto(env.baseUrl + '/certificates');
      await page.waitForFunction(() => window.__tti !== null, null, { timeout: 60000 });
      times.push(await page.evaluate(() => window.__tti));
      // The same as a user sees it: the 100th row is visible (after scrolling to it).
      await page.getByRole('row').nth(CERTS).scrollIntoViewIfNeeded();
      await context.close();
    }
    const sorted = [...times].sort((a, b) => a - b);
    out(`time to interactive, list of ${CERTS} (median of 5, cold cache)`, `${sorted[2].toFixed(0)} ms`,
      `runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);

    // --- 3. 100 idle dashboards --------------------------------------------------------------------
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await loopbackOnly(context);
    await context.addCookies(sessionCookies(api));
    const pages = [];
    for (let i = 0; i < PAGES; i++) {
      const page = await context.newPage();
      await page.goto(env.baseUrl + '/certificates');
      pages.push(page);
    }
    for (const page of pages) await page.getByRole('row').nth(CERTS).waitFor({ state: 'attached', timeout: 120000 });
    await sleep(2000); // let the loads' own requests finish
    const visible = (await Promise.all(pages.map((p) => p.evaluate(() => document.visibilityState))))
      .filter((v) => v === 'visible').length;
    let requests = 0;
    context.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) requests++; });
    const pid = Number(process.env.BROWSER_CERTADNS_PID);
    const before = procStats(pid);
    await sleep(IDLE_S * 1000);
    const afterStats = procStats(pid);
    out(`${PAGES} dashboards idle ${IDLE_S} s: certadns CPU`, `${(afterStats.cpuS - before.cpuS).toFixed(2)} s`,
      `${((afterStats.cpuS - before.cpuS) / IDLE_S * 100).toFixed(2)} % of a core`);
    out('  threads before -> after', `${before.threads} -> ${afterStats.threads}`);
    out('  RSS before -> after', `${before.rssMiB.toFixed(1)} -> ${afterStats.rssMiB.toFixed(1)} MiB`);
    out('  pages whose document is visible', `${visible}/${PAGES}`, 'a hidden tab does not poll');
    out('  API requests the pages made', `${requests}`, `${(requests / PAGES / IDLE_S * 60).toFixed(1)} per page per minute`);
    await context.close();
  } finally {
    await browser.close();
  }

}

function printTable() {
  if (rows.length === 0) return;
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => String(r[1]).length));
  console.log('\n== dashboard benchmark');
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${String(b).padStart(w1)}  ${c}`);
}

main().then(printTable, (e) => { printTable(); console.error(e); process.exit(1); });
