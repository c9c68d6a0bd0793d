// Shared helpers of the dashboard's browser tests: Debian's Chromium through playwright-core,
// the stack's services (the certadns CLI, the "world" PowerDNS, our PowerDNS, Pebble's
// management API), OpenSSL checks, axe-core. Everything talks to 127.0.0.1 only.
// The environment comes from tests/browser/run.sh.
import { chromium } from 'playwright-core';
import { it } from 'node:test';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through tests/browser/run.sh`);
  return value;
}

export const env = {
  get baseUrl() { return need('BROWSER_BASE_URL'); },
  get cli() { return need('BROWSER_CERTADNS_BIN'); },
  get config() { return need('BROWSER_CERTADNS_CONFIG'); },
  get shotsDir() { return need('BROWSER_SHOTS_DIR'); },
  get webDist() { return need('BROWSER_WEB_DIST'); },
  get worldUrl() { return need('WORLD_PDNS_API_URL'); },
  get worldKey() { return need('WORLD_PDNS_API_KEY'); },
  get pdnsUrl() { return need('CERTADNS_POWERDNS_API_URL'); },
  get pdnsKey() { return need('CERTADNS_POWERDNS_API_KEY'); },
  get pebbleMgmtUrl() { return need('PEBBLE_MGMT_URL'); },
  get pebbleCa() { return need('CERTADNS_ACME_CA_BUNDLE'); },
  get pebblePid() { return Number(need('BROWSER_PEBBLE_PID')); },
};

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions',
];

export function unique(prefix) {
  return prefix + randomBytes(5).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// Browser

/**
 * Debian's Chromium, headless, with a fresh profile; every request that is not to 127.0.0.1
 * is aborted (and remembered in `blocked`). Returns {context, page, blocked, consoleErrors,
 * downloadsDir, close()}.
 */
export async function launch({ viewport = { width: 1280, height: 900 }, bypassCSP = false } = {}) {
  // Under run.sh's temporary folder (removed by its cleanup even when a test is killed).
  const tmp = process.env.BROWSER_TMP ?? os.tmpdir();
  const profile = fs.mkdtempSync(path.join(tmp, 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
    bypassCSP,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000); // generous: make test runs this beside the sanitizer build
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  const downloadsDir = fs.mkdtempSync(path.join(tmp, 'downloads-'));
  return {
    context, page, blocked, consoleErrors, downloadsDir,
    /** Closes the browser; with `name`, first keeps the page's last state (screenshot and
     * ARIA snapshot) in build/web-shots/last/ for reading after a failure. */
    async close(name) {
      if (name) {
        const dir = path.join(env.shotsDir, 'last');
        fs.mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true }).catch(() => {});
        const aria = await page.locator('body').ariaSnapshot().catch((e) => String(e));
        fs.writeFileSync(path.join(dir, `${name}.aria.txt`),
          `${page.url()}\n${aria}\n--- console errors:\n${consoleErrors.join("\n")}\n`);
      }
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
      fs.rmSync(downloadsDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login form, as a user does, and waits for the certificate list. */
export async function login(page, user, { expectPath = '/certificates' } = {}) {
  await page.goto(env.baseUrl + '/login');
  await page.getByRole('textbox', { name: 'Email' }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === expectPath, { timeout: 15000 });
}

export async function screenshot(page, name) {
  fs.mkdirSync(env.shotsDir, { recursive: true });
  await page.screenshot({ path: path.join(env.shotsDir, `${name}.png`), fullPage: true });
}

/** axe-core on the page as it is: the violations of impact serious or critical. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: path.join(here, 'node_modules/axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function scrollWidth(page) {
  return page.evaluate(() => document.scrollingElement.scrollWidth);
}

// ---------------------------------------------------------------------------------------------
// The certadns CLI and API

export async function cli(...args) {
  const { stdout } = await execFileP(env.cli, [...args, '--config', env.config], {
    timeout: 30000, env: process.env,
  });
  return stdout;
}

/** A new user of `plan` made with `certadns user add`; returns {email, password, plan}. */
export async function newUser(plan) {
  const email = `${unique(plan + '-')}@browser.test`;
  const password = 'pw-' + randomBytes(9).toString('base64url');
  await cli('user', 'add', '--email', email, '--plan', plan, '--password', password);
  return { email, password, plan };
}

/** A zone imported and marked verified by the administrator's CLI (test setup only). */
export async function verifiedZone(user, name = unique('z') + '.browser.test') {
  await cli('zone', 'import', '--email', user.email, '--name', name, '--verified');
  return name;
}

/** The API as the user, through a session of its own (fast test setup, not what is tested). */
export class Api {
  static async login(user) {
    const api = new Api();
    const res = await fetch(env.baseUrl + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`login ${res.status}: ${JSON.stringify(body)}`);
    api.cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    api.csrf = body.csrf_token;
    return api;
  }

  async call(method, route, body) {
    const headers = { Cookie: this.cookie };
    if (method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(env.baseUrl + '/api/v1' + route, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }

  get(route) { return this.call('GET', route); }
  post(route, body = {}) { return this.call('POST', route, body); }

  async zoneId(name) {
    const r = await this.get('/zones');
    const zone = r.json?.zones?.find((z) => z.name === name);
    if (!zone) throw new Error(`zone ${name} not listed: ${r.text}`);
    return zone.id;
  }

  /** Requests a certificate; returns its id (throws unless 202). */
  async request(zoneId, domain, extra = {}) {
    const r = await this.post('/certificates', { zone_id: zoneId, domain, sans: [], ...extra });
    if (r.status !== 202) throw new Error(`POST /certificates ${r.status}: ${r.text}`);
    return r.json.id;
  }

  /** Waits (bounded) until the certificate leaves pending/validating; returns it. */
  async settled(id, limitMs = 90000) {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const r = await this.get('/certificates/' + id);
      if (r.status === 200 && !['pending', 'validating'].includes(r.json.status)) return r.json;
      if (Date.now() > deadline) throw new Error(`certificate ${id} not settled: ${r.text}`);
      await sleep(200);
    }
  }
}

export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

// ---------------------------------------------------------------------------------------------
// PowerDNS ("world": the public internet's DNS; ours: what the service serves)

async function pdns(baseUrl, key, method, route, body) {
  const res = await fetch(`${baseUrl}/api/v1/servers/localhost${route}`, {
    method,
    headers: { 'X-API-Key': key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`PowerDNS ${method} ${route}: ${res.status} ${text}`);
  return text;
}

const dot = (name) => (name.endsWith('.') ? name : name + '.');

export const world = {
  createZone(name, nameservers) {
    return pdns(env.worldUrl, env.worldKey, 'POST', '/zones',
      { name: dot(name), kind: 'Native', nameservers: nameservers.map(dot) });
  },
  replaceRrset(zone, name, type, ttl, contents) {
    return pdns(env.worldUrl, env.worldKey, 'PATCH', `/zones/${dot(zone)}`, {
      rrsets: [{ name: dot(name), type, ttl, changetype: 'REPLACE',
        records: contents.map((content) => ({ content, disabled: false })) }],
    });
  },
  deleteZone(name) {
    return pdns(env.worldUrl, env.worldKey, 'DELETE', `/zones/${dot(name)}`).catch(() => {});
  },
};

export const ourDns = {
  replaceRrset(zone, name, type, ttl, contents) {
    return pdns(env.pdnsUrl, env.pdnsKey, 'PATCH', `/zones/${dot(zone)}`, {
      rrsets: [{ name: dot(name), type, ttl, changetype: 'REPLACE',
        records: contents.map((content) => ({ content, disabled: false })) }],
    });
  },
  deleteZone(name) { return pdns(env.pdnsUrl, env.pdnsKey, 'DELETE', `/zones/${dot(name)}`); },
  async zoneExists(name) {
    try {
      await pdns(env.pdnsUrl, env.pdnsKey, 'GET', `/zones/${dot(name)}?rrsets=false`);
      return true;
    } catch (e) {
      if (/: 404 /.test(e.message) || /Could not find domain/.test(e.message)) return false;
      throw e;
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Pebble's management API and OpenSSL

/** GET on Pebble's management API (HTTPS with the stack's CA); {status, json}. */
export function pebbleGet(route) {
  const url = new URL(env.pebbleMgmtUrl + route);
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: fs.readFileSync(env.pebbleCa), timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error('Pebble management API timed out')));
    req.on('error', reject);
  });
}

/**
 * Pauses the CA (this run's Pebble, SIGSTOP) so that an issuance stays in progress while the
 * test looks at the page; returns the function that lets it go on (SIGCONT; idempotent).
 */
export function holdCa() {
  const pid = env.pebblePid;
  process.kill(pid, 'SIGSTOP');
  let held = true;
  return () => {
    if (held) process.kill(pid, 'SIGCONT');
    held = false;
  };
}

export async function openssl(...args) {
  const { stdout } = await execFileP('openssl', args, { timeout: 20000 });
  return stdout;
}

/** The leaf certificate of a PEM file: {serialHex (lower case), names (SAN DNS), notAfter, pubkey}. */
export async function readLeaf(file) {
  const text = await openssl('x509', '-in', file, '-noout', '-serial', '-enddate', '-ext', 'subjectAltName');
  const serial = /serial=([0-9A-Fa-f]+)/.exec(text)?.[1] ?? '';
  const notAfter = /notAfter=(.*)/.exec(text)?.[1]?.trim() ?? '';
  const names = [...text.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1]).sort();
  const pubkey = await openssl('x509', '-in', file, '-noout', '-pubkey');
  // Pebble's management API takes the serial as Go prints a big.Int: lower-case hex, no leading zeros.
  return { serialHex: serial.toLowerCase().replace(/^0+(?=.)/, ''), names, notAfter, pubkey };
}

export async function publicKeyOfPrivateKey(file) {
  return openssl('pkey', '-in', file, '-pubout');
}

/** Retries `check` (which throws while not yet true) every 100 ms for at most `limitMs`. */
export async function eventually(check, limitMs = 10000, what = 'condition') {
  const deadline = Date.now() + limitMs;
  let last;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not met within ${limitMs} ms: ${last?.message ?? last}`);
    }
    await sleep(100);
  }
}

/** Chooses `label` in a combobox: a native <select>, or a listbox of options. */
export async function chooseOption(page, combobox, label) {
  const tag = await combobox.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') {
    await combobox.selectOption({ label });
  } else {
    await combobox.click();
    await page.getByRole('option', { name: label, exact: true }).click();
  }
}

/**
 * `it` for steps that build on each other: once one fails, the later ones are skipped (with
 * the reason) instead of failing on the state the failure left behind.
 */
export function stepper() {
  let broken = false;
  return (name, fn) => it(name, async (t) => {
    if (broken) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      broken = true;
      throw e;
    }
  });
}

/**
 * The colour family of an element's text as the user sees it (computed `color`): 'gray' when
 * barely saturated, else by hue: red, orange, yellow (amber included), green, blue, purple.
 */
export async function colourOf(locator) {
  const rgb = await locator.evaluate((el) => getComputedStyle(el).color);
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => Number(v) / 255);
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  const l = (max + min) / 2;
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  if (s < 0.2 || d < 0.08) return 'gray';
  let h;
  if (max === r) h = 60 * (((g - b) / d) % 6);
  else if (max === g) h = 60 * ((b - r) / d + 2);
  else h = 60 * ((r - g) / d + 4);
  if (h < 0) h += 360;
  if (h < 10 || h >= 345) return 'red';
  if (h < 25) return 'orange';
  if (h < 70) return 'yellow';
  if (h < 170) return 'green';
  if (h < 260) return 'blue';
  return 'purple';
}

/**
 * What sticks out sideways at the current width, beyond document.scrollingElement.scrollWidth
 * (which `overflow-x: hidden` on html/body makes blind: there content is cut off instead of
 * scrolled): visible elements whose box ends past the viewport's right edge and that no
 * ancestor below <body> clips, and inner containers that scroll sideways. [] when none.
 */
export async function sidewaysOverflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const describe = (el) => {
      const label = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${label}"`;
    };
    const clippedByAncestor = (el) => {
      for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o !== 'visible') return true;
      }
      return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) continue; // visually-hidden helpers
      if (r.right > width + 1 && !clippedByAncestor(el)) {
        out.push(`${describe(el)} ends at ${Math.round(r.right)} px > ${width}`);
      }
      if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        out.push(`${describe(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
      }
      if (out.length >= 5) break;
    }
    return out;
  });
}
