// A certificate that really fails: the zone is verified (and live in our PowerDNS), then its
// copy in our PowerDNS is deleted behind the service's back (as an operator's mistake would),
// so publishing the ACME challenge finds no zone. The list shows the failed badge, and the
// certificate's logs say why, each event with its time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseOption, colourOf, eventually, launch, login, newUser, ourDns, verifiedZone,
} from './lib.mjs';

describe('a failed certificate', () => {
  let browser, page, user, zone, domain;

  before(async () => {
    user = await newUser('pro');
    zone = await verifiedZone(user);
    domain = 'app.' + zone;
    assert.equal(await ourDns.zoneExists(zone), true, 'the verified zone is live in our PowerDNS');
    await ourDns.deleteZone(zone);
    browser = await launch();
    page = browser.page;
  });
  after(async () => { await browser?.close('failed'); });

  it('shows the failed badge, and its logs say why', async () => {
    await login(page, user);
    await page.getByRole('button', { name: 'Request Certificate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Certificate' });
    await chooseOption(page, dialog.getByRole('combobox', { name: 'Zone' }), zone);
    await dialog.getByRole('textbox', { name: 'Domain' }).fill(domain);
    await dialog.getByRole('button', { name: 'Request Certificate' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const row = page.getByRole('row').filter({ hasText: domain });
    await eventually(async () => assert.match(await row.innerText(), /\bfailed\b/i), 60000, 'failed on screen');
    assert.ok(await row.getByText('failed', { exact: true }).isVisible(), 'the badge says failed');
    assert.equal(await colourOf(row.getByText('failed', { exact: true })), 'red', 'failed badge colour');
    assert.equal(await row.getByRole('button', { name: `Download certificate for ${domain}` }).count(), 0,
      'no download for a failed certificate');

    await row.getByRole('button', { name: `View logs for ${domain}` }).click();
    const logs = page.getByRole('dialog', { name: `Logs for ${domain}` });
    await logs.waitFor();
    await logs.getByText(/Issuance failed/).first().waitFor();
    const text = await logs.innerText();
    assert.match(text, /Issuance failed: .*HTTP 404/, 'the reason (PowerDNS has no such zone)');
    assert.match(text, /Certificate requested/);
    const times = logs.getByRole('time');
    assert.ok((await times.count()) >= 2, 'each event has a <time>');
    assert.match(await times.first().getAttribute('datetime'), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    await page.keyboard.press('Escape');
    await logs.waitFor({ state: 'hidden' });
  });
});
