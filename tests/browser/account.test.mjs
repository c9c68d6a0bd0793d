// The account page and zone deletion, as a user sees them: an API key is created (shown once),
// works, shows its last use, and stops working once revoked; the password is changed (a
// wrong current password is refused in words); a zone with a certificate cannot be deleted
// (the reason is shown), a zone without one can.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Api, env, eventually, launch, login, newUser, verifiedZone } from './lib.mjs';

async function zonesWithKey(key) {
  const res = await fetch(env.baseUrl + '/api/v1/zones', { headers: { Authorization: `Bearer ${key}` } });
  return res.status;
}

describe('account: API keys and password; deleting zones', () => {
  let browser, page, user, usedZone, spareZone;

  before(async () => {
    user = await newUser('pro');
    usedZone = await verifiedZone(user);
    spareZone = await verifiedZone(user);
    const api = await Api.login(user);
    await api.request(await api.zoneId(usedZone), 'www.' + usedZone);
    browser = await launch();
    page = browser.page;
    await login(page, user);
  });
  after(async () => { await browser?.close('account'); });

  it('creates an API key that is shown once, works, and stops working when revoked', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByRole('button', { name: 'Create API key' }).click();
    const box = keys.getByRole('textbox', { name: 'New API key' });
    await box.waitFor();
    const key = await box.inputValue();
    assert.ok(key.length >= 20, 'a key is shown');
    assert.equal(await box.getAttribute('readonly') !== null, true, 'read-only');
    assert.ok(await keys.getByRole('button', { name: 'Copy API key' }).isVisible());
    assert.ok(await keys.getByText(/It is shown only once/).isVisible());
    for (const column of ['Prefix', 'Created', 'Last used']) {
      assert.ok(await keys.getByRole('columnheader', { name: column }).isVisible(), column);
    }
    const revoke = keys.getByRole('button', { name: /^Revoke API key / });
    assert.equal(await revoke.count(), 1);
    const prefix = (await revoke.getAttribute('aria-label')).replace('Revoke API key ', '');
    assert.ok(key.startsWith(prefix), `the listed prefix ${prefix} is the key's`);

    assert.equal(await zonesWithKey(key), 200, 'the new key works');
    await page.reload();
    const row = page.getByRole('region', { name: 'API keys' }).getByRole('row').filter({ hasText: prefix });
    await eventually(async () => assert.equal(await row.getByRole('time').count(), 2, 'Created and Last used'),
      10000, 'last use shown');
    assert.equal(await page.getByRole('textbox', { name: 'New API key' }).count(), 0, 'not shown again');

    await row.getByRole('button', { name: `Revoke API key ${prefix}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke API key?' });
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    await row.waitFor({ state: 'detached' });
    assert.equal(await zonesWithKey(key), 401, 'the revoked key is refused');
  });

  it('changes the password; a wrong current password is refused in words', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    const form = page.getByRole('region', { name: 'Change password' });
    const newPassword = 'new-' + user.password;
    await form.getByLabel('Current password').fill('not-my-password');
    await form.getByLabel('New password', { exact: true }).fill(newPassword);
    await form.getByLabel('Confirm new password').fill(newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').filter({ hasText: 'Current password is incorrect' }).waitFor();

    await form.getByLabel('Current password').fill(user.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await assert.rejects(Api.login(user), /login 401/, 'the old password no longer signs in');
    await Api.login({ ...user, password: newPassword });
    user.password = newPassword;
  });

  it('refuses to delete a zone that has certificates, and deletes one that has none', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Zones' }).click();
    await page.getByRole('heading', { name: 'Zones' }).waitFor();
    await page.getByRole('button', { name: `Delete zone ${usedZone}` }).click();
    let confirm = page.getByRole('dialog', { name: 'Delete zone?' });
    await confirm.getByRole('button', { name: 'Delete zone', exact: true }).click();
    await confirm.getByRole('alert').filter({ hasText: 'Zone has certificates; delete them first' }).waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.ok(await page.getByRole('button', { name: `Delete zone ${usedZone}` }).isVisible(), 'still listed');

    await page.getByRole('button', { name: `Delete zone ${spareZone}` }).click();
    confirm = page.getByRole('dialog', { name: 'Delete zone?' });
    await confirm.getByRole('button', { name: 'Delete zone', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: `Delete zone ${spareZone}` }).waitFor({ state: 'detached' });
    const api = await Api.login(user);
    const names = (await api.get('/zones')).json.zones.map((z) => z.name);
    assert.deepEqual(names.sort(), [usedZone]);
  });
});
