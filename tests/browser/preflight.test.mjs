// The create form's "Check DNS": the pre-flight checks shown before submitting. A CAA record
// for another CA in the user's zone shows as a failed check naming it; submitting anyway is
// refused with the same words and nothing is created.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Api, chooseOption, launch, login, newUser, ourDns, screenshot, verifiedZone } from './lib.mjs';

describe('the create form checks DNS before submitting', () => {
  let browser, page, user, zone;

  before(async () => {
    user = await newUser('elite');
    zone = await verifiedZone(user);
    await ourDns.replaceRrset(zone, zone, 'CAA', 60, ['0 issue "ca.example.net"']);
    browser = await launch();
    page = browser.page;
  });
  after(async () => { await browser?.close('preflight'); });

  it('shows a CAA record that forbids Let\'s Encrypt, and the refusal', async () => {
    await login(page, user);
    await page.getByRole('button', { name: 'Request Certificate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Certificate' });
    await chooseOption(page, dialog.getByRole('combobox', { name: 'Zone' }), zone);
    await dialog.getByRole('textbox', { name: 'Domain' }).fill('app.' + zone);
    await dialog.getByRole('button', { name: 'Check DNS', exact: true }).click();
    const checks = dialog.getByRole('region', { name: 'DNS checks' });
    await checks.waitFor({ timeout: 10000 });
    const text = await checks.innerText();
    assert.match(text, /DNS would stop this certificate/);
    assert.match(text, /CAA allows Let's Encrypt: CAA at .* allows only ca\.example\.net/);
    assert.equal(await checks.getByRole('img', { name: 'failed' }).count(), 1, 'one failed check');
    await screenshot(page, 'preflight-create');

    await dialog.getByRole('button', { name: 'Request Certificate', exact: true }).click();
    await dialog.getByText(/allows only ca\.example\.net/).last().waitFor();
    const api = await Api.login(user);
    const list = await api.get('/certificates');
    assert.equal(list.json.certificates.length, 0, 'nothing was created');
  });
});
