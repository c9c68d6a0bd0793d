// The download modal's other formats, as a user gets them: certbot's four files in a .zip and
// a PKCS#12 file encrypted with a passphrase typed into the modal. Checked with Python's
// zipfile and `openssl pkcs12` (never with the service's own code).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  Api, launch, login, newUser, openssl, publicKeyOfPrivateKey, readLeaf, screenshot, verifiedZone,
} from './lib.mjs';

const execFileP = promisify(execFile);

describe('the download modal offers a .zip and a PKCS#12 file', () => {
  let browser, page, user, domain;

  before(async () => {
    user = await newUser('elite');
    const zone = await verifiedZone(user);
    domain = 'app.' + zone;
    const api = await Api.login(user);
    const id = await api.request(await api.zoneId(zone), domain);
    assert.equal((await api.settled(id)).status, 'issued');
    browser = await launch();
    page = browser.page;
  });
  after(async () => { await browser?.close('download-formats'); });

  async function download(dialog, buttonName) {
    const [file] = await Promise.all([
      page.waitForEvent('download', { timeout: 10000 }),
      dialog.getByRole('button', { name: buttonName, exact: true }).click(),
    ]);
    const target = path.join(browser.downloadsDir, file.suggestedFilename());
    await file.saveAs(target);
    return { name: file.suggestedFilename(), target };
  }

  it('downloads the zip and a .p12 that opens with the passphrase typed', async () => {
    await login(page, user);
    await page.getByRole('row').filter({ hasText: domain })
      .getByRole('button', { name: `Download certificate for ${domain}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Download Certificate' });
    await dialog.getByRole('heading', { name: 'Other formats' }).waitFor();

    const zip = await download(dialog, 'Download ZIP');
    assert.equal(zip.name, `${domain}.zip`);
    const { stdout: listed } = await execFileP('python3', ['-c',
      'import sys, zipfile; print(" ".join(zipfile.ZipFile(sys.argv[1]).namelist()))', zip.target]);
    assert.equal(listed.trim(), 'cert.pem chain.pem fullchain.pem privkey.pem');

    const p12Button = dialog.getByRole('button', { name: 'Download PKCS#12', exact: true });
    assert.equal(await p12Button.isDisabled(), true, 'no passphrase, no PKCS#12');
    const passphrase = 'typed in the modal 42';
    await dialog.getByLabel('PKCS#12 passphrase').fill(passphrase);
    await screenshot(page, 'download-formats-modal');
    const p12 = await download(dialog, 'Download PKCS#12');
    assert.equal(p12.name, `${domain}.p12`);
    assert.equal(await dialog.getByLabel('PKCS#12 passphrase').inputValue(), '', 'the passphrase is cleared');

    const leafFile = p12.target + '.crt';
    const keyFile = p12.target + '.key';
    await openssl('pkcs12', '-in', p12.target, '-passin', `pass:${passphrase}`, '-nokeys', '-clcerts', '-out', leafFile);
    await openssl('pkcs12', '-in', p12.target, '-passin', `pass:${passphrase}`, '-nocerts', '-noenc', '-out', keyFile);
    const leaf = await readLeaf(leafFile);
    assert.deepEqual(leaf.names, [domain]);
    assert.equal(leaf.pubkey.trim(), (await publicKeyOfPrivateKey(keyFile)).trim(), 'the key in the .p12 matches');
    await assert.rejects(openssl('pkcs12', '-in', p12.target, '-passin', 'pass:not it', '-noenc'),
      'another passphrase does not open it');
  });
});
