// Signing in and out: a page opened while signed out goes to the login form, a wrong password
// is explained in words, the right one opens the certificate list, and "Log out" ends the
// session (the dashboard is gone again).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { env, launch, login, newUser } from './lib.mjs';

describe('login and logout', () => {
  let browser, page, user;

  before(async () => {
    user = await newUser('pro');
    browser = await launch();
    page = browser.page;
  });
  after(async () => { await browser?.close('login'); });

  it('sends a signed-out visitor of / and /zones to the login form', async () => {
    for (const route of ['/', '/zones']) {
      await page.goto(env.baseUrl + route);
      await page.waitForURL((u) => u.pathname === '/login', { timeout: 10000 });
      await page.getByRole('heading', { name: 'Sign in to CertaDNS' }).waitFor();
    }
    const password = page.getByLabel('Password', { exact: true });
    assert.equal(await password.getAttribute('type'), 'password');
  });

  it('shows the API\'s reason when the password is wrong', async () => {
    await page.getByRole('textbox', { name: 'Email' }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Invalid email or password' });
    await alert.waitFor({ timeout: 10000 });
    assert.equal(new URL(page.url()).pathname, '/login');
  });

  it('signs in to the certificate list, and out again', async () => {
    await login(page, user);
    await page.getByRole('heading', { name: 'SSL Certificates' }).waitFor();
    assert.ok(await page.getByText('Pro', { exact: true }).first().isVisible(), 'plan shown');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/login', { timeout: 10000 });
    await page.goto(env.baseUrl + '/certificates');
    await page.waitForURL((u) => u.pathname === '/login', { timeout: 10000 });
    await page.getByRole('heading', { name: 'Sign in to CertaDNS' }).waitFor();
  });
});
