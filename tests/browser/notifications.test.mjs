// Notifications on the Account page, as a user sees them: a webhook is added and its signing secret is
// shown once (never again after a reload, nor in the API's list), a test event is sent and
// its delivery is listed, and the webhook is deleted. The email settings are saved.
// run.sh sets notifications.allow_private_targets, so a loopback URL is accepted; nothing
// listens there, so the test delivery is listed with its connection error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Api, eventually, launch, login, newUser } from './lib.mjs';

describe('notifications: webhooks and email settings', () => {
  let browser, page, user;

  before(async () => {
    user = await newUser('pro');
    browser = await launch();
    page = browser.page;
    await login(page, user);
  });
  after(async () => { await browser?.close('notifications'); });

  it('adds a webhook whose secret is shown once, sends a test event and deletes it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    const url = 'http://127.0.0.1:9/certadns-hook';
    await hooks.getByRole('textbox', { name: 'Webhook URL' }).fill(url);
    await hooks.getByRole('checkbox', { name: 'Renewal overdue' }).check();
    await hooks.getByRole('button', { name: 'Add webhook' }).click();

    const box = hooks.getByRole('textbox', { name: 'Signing secret' });
    await box.waitFor();
    const secret = await box.inputValue();
    assert.match(secret, /^whsec_[0-9a-f]{64}$/, 'the secret is shown');
    assert.ok(await hooks.getByText(/it is shown only once/).isVisible());
    assert.ok(await hooks.getByRole('button', { name: 'Copy signing secret' }).isVisible());
    const row = hooks.getByRole('row').filter({ hasText: url });
    await row.waitFor();
    assert.match(await row.innerText(), /Issued, Failed, Renewal overdue/);

    const api = await Api.login(user);
    const listed = (await api.get('/webhooks')).json.webhooks;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].url, url);
    assert.ok(!JSON.stringify(listed).includes(secret), 'the list never holds the secret');

    await page.reload();
    await hooks.getByRole('row').filter({ hasText: url }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Signing secret' }).count(), 0, 'not shown again');
    assert.ok(!(await page.content()).includes(secret), 'nowhere on the page');

    await hooks.getByRole('button', { name: `Send a test event to ${url}` }).click();
    await hooks.getByRole('status').filter({ hasText: 'Test event queued' }).waitFor();
    const deliveries = page.getByRole('region', { name: 'Recent deliveries' });
    const test = deliveries.getByRole('row').filter({ hasText: 'webhook.test' });
    await eventually(async () => assert.match(await test.innerText(), /Connection refused|refused|pending/i),
      15000, 'the test delivery is listed');

    await hooks.getByRole('button', { name: `Delete webhook ${url}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete webhook?' });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    await hooks.getByRole('row').filter({ hasText: url }).waitFor({ state: 'detached' });
    assert.equal((await api.get('/webhooks')).json.webhooks.length, 0);
  });

  it('refuses a URL that is not http(s), in words', async () => {
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    await hooks.getByRole('textbox', { name: 'Webhook URL' }).fill('ftp://127.0.0.1/x');
    await hooks.getByRole('button', { name: 'Add webhook' }).click();
    await hooks.getByRole('alert').filter({ hasText: 'url must be http:// or https://' }).waitFor();
  });

  it('saves the email settings', async () => {
    const email = page.getByRole('region', { name: 'Email notifications' });
    const success = email.getByRole('checkbox', { name: /issued or renewed/ });
    assert.equal(await success.isChecked(), false, 'off by default');
    await success.check();
    await email.getByRole('status').filter({ hasText: 'Email settings saved' }).waitFor();
    const api = await Api.login(user);
    const settings = (await api.get('/notifications')).json;
    assert.equal(settings.email.success, true);
    assert.equal(settings.email.enabled, true);
    assert.equal(settings.email.address, user.email);
  });
});
