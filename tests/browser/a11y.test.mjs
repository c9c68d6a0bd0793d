// Every screen, on a desktop and at 375 px wide: axe-core finds no serious or critical
// violation, nothing scrolls sideways at 375 px, and a screenshot of each lands in
// build/web-shots/. Also the dialogs' keyboard contract: Escape closes, focus returns to the
// opener.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Api, axeViolations, env, launch, login, newUser, screenshot, scrollWidth, sidewaysOverflow, unique,
  verifiedZone,
} from './lib.mjs';

const WIDTHS = [{ width: 1280, height: 900, tag: '' }, { width: 375, height: 812, tag: '-375' }];

describe('accessibility and small screens', () => {
  let user, zone, domain;

  before(async () => {
    // An Elite user with a verified zone, one issued certificate, and a second zone pending
    // (so the zones page shows its verification instructions).
    user = await newUser('elite');
    zone = await verifiedZone(user);
    domain = 'www.' + zone;
    const api = await Api.login(user);
    const id = await api.request(await api.zoneId(zone), domain, { sans: ['app.' + zone] });
    const settled = await api.settled(id);
    assert.equal(settled.status, 'issued', JSON.stringify(settled));
    const pending = await api.post('/zones', { name: unique('pending') + '.example.test' });
    assert.equal(pending.status, 201, pending.text);
  });

  for (const size of WIDTHS) {
    describe(`at ${size.width} px`, () => {
      let browser, page;
      const screens = [];

      before(async () => {
        browser = await launch({ viewport: { width: size.width, height: size.height }, bypassCSP: true });
        page = browser.page;
      });
      after(async () => { await browser?.close(`a11y${size.tag || '-desktop'}`); });

      async function check(name) {
        // Both checks run before either is asserted, so one failure does not hide the other.
        const problems = [];
        const violations = await axeViolations(page);
        if (violations.length) problems.push(`axe serious/critical violations: ${JSON.stringify(violations)}`);
        if (size.width === 375) {
          const width = await scrollWidth(page);
          if (width > 375) problems.push(`scrolls sideways: scrollWidth ${width} > 375`);
          problems.push(...await sidewaysOverflow(page));
        }
        await screenshot(page, name + size.tag);
        screens.push(name);
        assert.deepEqual(problems, [], `${name} at ${size.width} px`);
      }

      it('login', async () => {
        await page.goto(env.baseUrl + '/login');
        await page.getByRole('heading', { name: 'Sign in to CertaDNS' }).waitFor();
        await check('login');
      });

      it('zones (with a pending zone\'s instructions)', async () => {
        await login(page, user);
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Zones' }).click();
        await page.getByRole('heading', { name: 'Zones' }).waitFor();
        await page.getByText('Pending verification').first().waitFor();
        await page.getByRole('button', { name: 'Copy TXT record value' }).first().waitFor();
        await check('zones');
      });

      it('certificates list', async () => {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SSL Certificates' }).click();
        await page.getByRole('row').filter({ hasText: domain }).getByText('issued', { exact: true }).waitFor();
        await check('certificates');
      });

      it('create modal; Escape closes it and focus returns to the opener', async () => {
        const opener = page.getByRole('button', { name: 'Request Certificate' });
        await opener.focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'Create Certificate' });
        await dialog.waitFor();
        await check('create-modal');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
        assert.equal(await opener.evaluate((el) => el === document.activeElement), true, 'focus back on the opener');
      });

      it('download modal', async () => {
        await page.getByRole('button', { name: `Download certificate for ${domain}` }).click();
        const dialog = page.getByRole('dialog', { name: 'Download Certificate' });
        await dialog.waitFor();
        await check('download-modal');
        await dialog.getByRole('button', { name: 'Close', exact: true }).click();
        await dialog.waitFor({ state: 'hidden' });
      });

      it('account', async () => {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
        await page.getByRole('heading', { name: 'Account' }).waitFor();
        await page.getByRole('region', { name: 'API keys' }).waitFor();
        await check('account');
      });
    });
  }
});
