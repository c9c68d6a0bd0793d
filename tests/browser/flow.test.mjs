// A new Elite user, on their own, in the dashboard: signs in, imports a zone, reads the TXT
// record to publish, publishes it at "their DNS provider" (the stack's world PowerDNS), verifies
// the zone, requests a certificate with two SANs and watches it reach `issued` without a reload,
// downloads both files (checked with OpenSSL), renews it, turns auto-renew on and off, and
// deletes it with revocation (checked with Pebble).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  Api, chooseOption, colourOf, eventually, holdCa, launch, login, newUser, pebbleGet, publicKeyOfPrivateKey,
  readLeaf, screenshot, sleep, stepper, unique, world,
} from './lib.mjs';

const STATUS_WORDS = ['pending', 'validating', 'issued', 'failed', 'expired', 'revoked'];

describe('a new Elite user from sign-in to a downloaded, renewed and revoked certificate', () => {
  let browser, page, user;
  const parent = unique('p') + '.test';
  const zone = unique('z') + '.' + parent;
  const domain = 'app.' + zone;
  const sans = ['www.' + zone, 'api.' + zone];
  let mainFrameNavigations = 0;
  let firstLeaf;
  let release = () => {};

  // The steps build on each other: after a failure, the later ones are skipped (not failed).
  const step = stepper();

  // While the CA is held, the certificate is really in progress: the row must say so and
  // keep saying so (no made-up "issued").
  async function seeInProgressWhileHeld() {
    await eventually(async () => assert.match(String(await statusOf(certRow())), /^(pending|validating)$/),
      10000, 'pending or validating on screen');
    await sleep(1500);
    const status = String(await statusOf(certRow()));
    assert.match(status, /^(pending|validating)$/);
    assert.equal(await colourOf(certRow().getByText(status, { exact: true })), 'yellow', `${status} badge colour`);
  }

  const certRow = () => page.getByRole('row').filter({ hasText: domain });
  const zoneRow = () => page.getByRole('row').filter({ hasText: zone }).first();

  // Records each distinct text the certificate's row shows, as the page changes (no polling
  // gaps): proves the status moved on screen.
  async function recordRowTexts() {
    await page.evaluate((d) => {
      window.__rowTexts = [];
      const rec = () => {
        for (const tr of document.querySelectorAll('tr')) {
          if (!tr.innerText.includes(d)) continue;
          const t = tr.innerText;
          if (window.__rowTexts[window.__rowTexts.length - 1] !== t) window.__rowTexts.push(t);
        }
      };
      rec();
      window.__rowObserver?.disconnect();
      window.__rowObserver = new MutationObserver(rec);
      window.__rowObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
    }, domain);
  }
  async function statusesSeen() {
    const texts = await page.evaluate(() => window.__rowTexts ?? []);
    const seen = [];
    for (const t of texts) {
      const word = STATUS_WORDS.find((w) => new RegExp(`\\b${w}\\b`, 'i').test(t));
      if (word && seen[seen.length - 1] !== word) seen.push(word);
    }
    return seen;
  }
  async function statusOf(row) {
    const text = (await row.innerText()).toLowerCase();
    return STATUS_WORDS.find((w) => new RegExp(`\\b${w}\\b`).test(text));
  }

  async function download(buttonName, dir) {
    const [file] = await Promise.all([
      page.waitForEvent('download', { timeout: 10000 }),
      page.getByRole('button', { name: buttonName, exact: true }).click(),
    ]);
    const target = path.join(dir, file.suggestedFilename());
    await file.saveAs(target);
    return { name: file.suggestedFilename(), target };
  }

  before(async () => {
    user = await newUser('elite');
    browser = await launch();
    page = browser.page;
    page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) mainFrameNavigations++; });
  });

  after(async () => {
    release();
    await world.deleteZone(parent);
    await browser?.close('flow');
  });

  step('signs in and sees the shell with their email and plan', async () => {
    await login(page, user);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const link of ['Zones', 'SSL Certificates', 'Account']) {
      assert.ok(await nav.getByRole('link', { name: link }).isVisible(), `link ${link}`);
    }
    assert.ok(await page.getByText(user.email).first().isVisible(), 'email shown');
    assert.ok(await page.getByText('Elite', { exact: true }).first().isVisible(), 'plan shown');
    assert.ok(await page.getByRole('button', { name: 'Log out' }).isVisible());
  });

  step('imports a zone and reads the TXT record to publish', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Zones' }).click();
    await page.getByRole('heading', { name: 'Zones' }).waitFor();
    await page.getByText('No zones yet').waitFor();
    await page.getByRole('textbox', { name: 'Zone name' }).fill(zone);
    await page.getByRole('button', { name: 'Import zone' }).click();
    await zoneRow().getByText('Pending verification').waitFor();
    await page.getByText('No zones yet').waitFor({ state: 'hidden' });
    await page.getByText(`_certadns-verify.${zone}`).first().waitFor();
    for (const name of ['Copy TXT record name', 'Copy TXT record value', 'Copy nameservers']) {
      assert.ok(await page.getByRole('button', { name }).first().isVisible(), `button ${name}`);
    }
    await screenshot(page, 'flow-zones');
  });

  step('is told what Verify found while the record is missing, then verifies the zone', async () => {
    // What the user reads on screen is what they publish.
    const shown = page.getByText(/certadns-verify=[^\s"]+/).first();
    let txtValue;
    if (await shown.count()) {
      txtValue = /certadns-verify=[^\s"]+/.exec(await shown.innerText())[0];
    } else {
      for (const box of await page.getByRole('textbox').all()) {
        const v = await box.inputValue();
        if (/^certadns-verify=/.test(v)) txtValue = v;
      }
    }
    assert.ok(txtValue, 'the TXT record value is on screen');

    await world.createZone(parent, ['ns1.registry-e2e.test']);
    await page.getByRole('button', { name: `Verify ${zone}`, exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: zone });
    await alert.first().waitFor({ timeout: 15000 });
    assert.match(await alert.first().innerText(), new RegExp(zone.replace(/\./g, '\\.')));
    assert.ok(await zoneRow().getByText('Pending verification').isVisible());

    await world.replaceRrset(parent, `_certadns-verify.${zone}`, 'TXT', 60, [`"${txtValue}"`]);
    await page.getByRole('button', { name: `Verify ${zone}`, exact: true }).click();
    await zoneRow().getByText('Verified', { exact: true }).waitFor({ timeout: 15000 });
    // Then the delegation, at "their registrar", to the nameservers the service named: the
    // pre-flight checks want it before a certificate is ordered.
    const zones = (await (await Api.login(user)).get('/zones')).json.zones;
    const nameservers = zones.find((z) => z.name === zone).verification.nameservers;
    await world.replaceRrset(parent, zone, 'NS', 3600, nameservers.map((n) => (n.endsWith('.') ? n : n + '.')));
  });

  step('requests a certificate with two SANs and sees it reach issued without a reload', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SSL Certificates' }).click();
    await page.getByRole('heading', { name: 'SSL Certificates' }).waitFor();
    await page.getByText('No certificates yet').waitFor();
    const limits = page.getByRole('region', { name: 'Certificate limits' });
    await limits.getByText('0 / 100').waitFor();
    await limits.getByText('Wildcard Available').waitFor();
    await limits.getByText('Auto-Renewal Available').waitFor();
    assert.equal(await limits.getByRole('img', { name: 'Yes' }).count(), 2, 'Elite: wildcard and auto-renewal available');

    await page.getByRole('button', { name: 'Request Certificate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Certificate' });
    await dialog.waitFor();
    await chooseOption(page, dialog.getByRole('combobox', { name: 'Zone' }), zone);
    // Inline validation while typing.
    const domainBox = dialog.getByRole('textbox', { name: 'Domain' });
    await domainBox.fill('app.other-zone.test');
    await dialog.getByText(`app.other-zone.test is not under ${zone}`).waitFor({ timeout: 5000 });
    await domainBox.fill(domain);
    await dialog.getByText(`is not under ${zone}`).waitFor({ state: 'hidden', timeout: 5000 });
    await dialog.getByRole('textbox', { name: 'Additional SANs' }).fill(sans.join(', '));
    await screenshot(page, 'flow-create-modal');

    const navigationsBefore = mainFrameNavigations;
    release = holdCa();
    await dialog.getByRole('button', { name: 'Request Certificate' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10000 });
    await certRow().first().waitFor();
    await recordRowTexts();
    await seeInProgressWhileHeld();
    release();
    await eventually(async () => assert.equal(await statusOf(certRow()), 'issued'), 90000, 'issued on screen');
    const seen = await statusesSeen();
    assert.ok(seen.includes('pending') || seen.includes('validating'), `statuses seen: ${seen}`);
    assert.equal(seen[seen.length - 1], 'issued');
    assert.equal(mainFrameNavigations, navigationsBefore, 'the page was not reloaded');

    const row = certRow();
    assert.ok(await row.getByText(/in \d+ days/).isVisible(), 'Expires shows a countdown');
    assert.equal(await colourOf(row.getByText('issued', { exact: true })), 'green', 'issued badge colour');
    assert.equal(await colourOf(row.getByText(/in \d+ days/)), 'green', 'countdown > 30 days colour');
    assert.equal(await row.getByText(domain, { exact: true }).evaluate(
      (el) => /mono/i.test(getComputedStyle(el).fontFamily)), true, 'domain in monospace');
    assert.ok(await row.getByRole('cell', { name: '2', exact: true }).isVisible(), 'SANs count 2');
    assert.equal(await row.getByRole('time').count() >= 2, true, 'Issued and Expires as <time>');
    await page.getByRole('region', { name: 'Certificate limits' }).getByText('1 / 100').waitFor();
    await screenshot(page, 'flow-certificates');
  });

  step('downloads the certificate and key; OpenSSL says they match and hold the three names', async () => {
    await certRow().getByRole('button', { name: `Download certificate for ${domain}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Download Certificate' });
    await dialog.waitFor();
    assert.match(await dialog.getByRole('textbox', { name: 'Certificate (with chain)' }).inputValue(),
      /-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    assert.match(await dialog.getByRole('textbox', { name: 'Private key' }).inputValue(), /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    assert.match(await dialog.getByRole('note').innerText(), /Keep your private key secret/);
    for (const name of ['Copy certificate', 'Copy private key']) {
      assert.ok(await dialog.getByRole('button', { name }).isVisible(), name);
    }
    await screenshot(page, 'flow-download-modal');

    const crt = await download('Download Certificate', browser.downloadsDir);
    const key = await download('Download Private Key', browser.downloadsDir);
    assert.equal(crt.name, `${domain}.crt`);
    assert.equal(key.name, `${domain}.key`);
    firstLeaf = await readLeaf(crt.target);
    assert.equal(firstLeaf.pubkey.trim(), (await publicKeyOfPrivateKey(key.target)).trim(), 'the .key matches the .crt');
    assert.deepEqual(firstLeaf.names, [domain, ...sans].sort());
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  step('renews after confirming: validating, then issued with a new serial', async () => {
    const issuedBefore = await certRow().getByRole('time').first().getAttribute('datetime');
    await certRow().getByRole('button', { name: `Renew certificate for ${domain}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Renew certificate?' });
    await confirm.waitFor();
    await recordRowTexts();
    release = holdCa();
    await confirm.getByRole('button', { name: 'Renew', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    await seeInProgressWhileHeld();
    release();
    await eventually(async () => {
      assert.equal(await statusOf(certRow()), 'issued');
      assert.notEqual(await certRow().getByRole('time').first().getAttribute('datetime'), issuedBefore);
    }, 90000, 're-issued on screen');

    await certRow().getByRole('button', { name: `Download certificate for ${domain}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Download Certificate' });
    await dialog.waitFor();
    const crt = await download('Download Certificate', browser.downloadsDir);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    const renewed = await readLeaf(crt.target);
    assert.notEqual(renewed.serialHex, firstLeaf.serialHex, 'a new certificate');
    assert.ok(Date.parse(renewed.notAfter) >= Date.parse(firstLeaf.notAfter), 'expiry not earlier');
    firstLeaf = renewed;
  });

  step('turns auto-renew on and off from the row', async () => {
    const row = certRow();
    assert.equal(await row.getByRole('img', { name: 'Auto-renew on' }).count(), 0);
    await row.getByRole('button', { name: `Turn on auto-renew for ${domain}` }).click();
    await row.getByRole('img', { name: 'Auto-renew on' }).waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: `Turn off auto-renew for ${domain}` }).click();
    await row.getByRole('img', { name: 'Auto-renew on' }).waitFor({ state: 'detached', timeout: 10000 });
    await row.getByRole('button', { name: `Turn on auto-renew for ${domain}` }).waitFor();
  });

  step('deletes it with "Revoke with Let\'s Encrypt": the row goes and Pebble says Revoked', async () => {
    await certRow().getByRole('button', { name: `Delete certificate for ${domain}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete certificate?' });
    await confirm.waitFor();
    await confirm.getByRole('checkbox', { name: "Revoke with Let's Encrypt" }).check();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await certRow().first().waitFor({ state: 'detached', timeout: 15000 });
    await page.getByText('No certificates yet').waitFor();
    const status = await pebbleGet(`/cert-status-by-serial/${firstLeaf.serialHex}`);
    assert.equal(status.status, 200, status.text);
    assert.equal(status.json?.Status, 'Revoked', status.text);
  });

  it('never reached beyond loopback and broke no CSP rule', async () => {
    assert.deepEqual(browser.blocked, []);
    assert.deepEqual(browser.consoleErrors.filter((e) => /Content Security Policy/i.test(e)), []);
  });
});
