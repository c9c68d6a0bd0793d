// What each plan sees (spec sections 6 and 10): a Plus user sees Wildcard and Auto-Renew
// disabled with the reasons, and at 5 certificates the request button disabled with the
// reason; a Free user is told why certificates need a paid plan and which plan to pick.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Api, env, eventually, launch, login, newUser, verifiedZone } from './lib.mjs';

/** The text of the elements an element's aria-describedby names. */
async function description(locator) {
  return locator.evaluate((el) => (el.getAttribute('aria-describedby') ?? '')
    .split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
}

describe('a Plus user', () => {
  let browser, page, user, zone;

  before(async () => {
    user = await newUser('plus');
    zone = await verifiedZone(user);
    browser = await launch();
    page = browser.page;
  });
  after(async () => { await browser?.close('plans-plus'); });

  it('sees wildcard and auto-renewal unavailable in the limits card', async () => {
    await login(page, user);
    const limits = page.getByRole('region', { name: 'Certificate limits' });
    await limits.getByText('0 / 5').waitFor();
    assert.equal(await limits.getByRole('img', { name: 'No' }).count(), 2, 'two red X');
    assert.equal(await limits.getByRole('img', { name: 'Yes' }).count(), 0);
  });

  it('sees Wildcard and Auto-Renew disabled in the create modal, each with its reason', async () => {
    await page.getByRole('button', { name: 'Request Certificate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Certificate' });
    await dialog.waitFor();
    const wildcard = dialog.getByRole('checkbox', { name: 'Wildcard' });
    const autoRenew = dialog.getByRole('checkbox', { name: 'Auto-Renew' });
    assert.equal(await wildcard.isDisabled(), true, 'Wildcard disabled');
    assert.equal(await autoRenew.isDisabled(), true, 'Auto-Renew disabled');
    const wildcardReason = 'Wildcard certificates require Elite plan';
    const autoRenewReason = 'Auto-renewal requires Pro or Elite plan';
    assert.ok(await dialog.getByText(wildcardReason).isVisible(), 'wildcard reason visible');
    assert.ok(await dialog.getByText(autoRenewReason).isVisible(), 'auto-renew reason visible');
    assert.match(await description(wildcard), new RegExp(wildcardReason));
    assert.match(await description(autoRenew), new RegExp(autoRenewReason));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('at 5 certificates sees "Request Certificate" disabled with the reason', async () => {
    const api = await Api.login(user);
    const zoneId = await api.zoneId(zone);
    for (let i = 0; i < 5; i++) await api.request(zoneId, `c${i}.${zone}`);
    await page.reload();
    const limits = page.getByRole('region', { name: 'Certificate limits' });
    await limits.getByText('5 / 5').waitFor();
    const button = page.getByRole('button', { name: 'Request Certificate' });
    assert.equal(await button.isDisabled(), true, 'disabled at the limit');
    const reason = 'Certificate limit reached for plan';
    const title = await button.getAttribute('title')
      ?? await button.locator('xpath=..').getAttribute('title');
    assert.equal(title, reason, 'reason as the tooltip (title)');
    // Visible on hover (a disabled button gets no pointer events in some UIs: hover its box).
    const box = await button.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await eventually(async () => assert.ok(
      await page.getByText(reason).first().isVisible(), 'tooltip shown on hover'), 5000, 'tooltip');
    // Plus has no auto-renewal: no toggle on its rows.
    assert.equal(await page.getByRole('button', { name: /^Turn (on|off) auto-renew for / }).count(), 0);
  });
});

describe('a Free user', () => {
  let browser, page, user;

  before(async () => {
    user = await newUser('free');
    browser = await launch();
    page = browser.page;
  });
  after(async () => { await browser?.close('plans-free'); });

  it('is told that certificates need a paid plan, and which plan to pick', async () => {
    await login(page, user);
    await page.getByRole('heading', { name: 'SSL Certificates' }).waitFor();
    const notice = page.getByRole('note').or(page.getByRole('region', { name: 'Upgrade' }))
      .filter({ hasText: 'Certificate management requires paid subscription' });
    await notice.first().waitFor();
    const text = await notice.first().innerText();
    for (const plan of ['Plus', 'Pro', 'Elite']) assert.match(text, new RegExp(`\\b${plan}\\b`), plan);
    assert.equal(await page.getByRole('button', { name: 'Request Certificate' }).isDisabled(), true);
  });

  it('is told on the account page that API keys need a paid plan', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await page.getByText('API keys require a paid plan').first().waitFor();
    const create = page.getByRole('button', { name: 'Create API key' });
    assert.ok((await create.count()) === 0 || (await create.isDisabled()), 'no enabled Create API key');
  });
});
