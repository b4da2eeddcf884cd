// A file exported with a passphrase is encrypted (nothing of its content readable), imports
// only with that passphrase, and a wrong passphrase is said plainly and writes nothing. A file
// sealed by the reference implementation (RustCrypto, tests/corpus) opens too.
import { expect, test } from '@playwright/test';
import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createIncident, fingerprint, freshApp } from './fixtures';

const fixture = path.resolve(__dirname, '../../corpus/sealed_valid.json');
const schema = JSON.parse(readFileSync(path.resolve(__dirname, '../../../public/exchange-sealed.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

test('an encrypted export opens only with its passphrase', async ({ browser }) => {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');
  await createIncident(ada, { title: 'Payroll server unreachable', service: 'Payroll', impact: 'high', urgency: 'high' });

  // Ada asks for encryption; a mistyped repeat and a short passphrase export nothing.
  await ada.getByTestId('nav-exchange').click();
  await ada.getByTestId('export-encrypt').check();
  await ada.getByTestId('export-passphrase').fill('blue whale 42');
  await ada.getByTestId('export-passphrase-again').fill('blue whale 24');
  await ada.getByTestId('export-all').click();
  await expect(ada.getByTestId('export-error')).toContainText('The two passphrases differ.');
  await ada.getByTestId('export-passphrase').fill('short');
  await ada.getByTestId('export-passphrase-again').fill('short');
  await ada.getByTestId('export-all').click();
  await expect(ada.getByTestId('export-error')).toContainText('at least 8 characters');
  await ada.getByTestId('export-passphrase').fill('blue whale 42');
  await ada.getByTestId('export-passphrase-again').fill('blue whale 42');
  const [download] = await Promise.all([ada.waitForEvent('download'), ada.getByTestId('export-all').click()]);
  await expect(ada.getByTestId('export-result')).toContainText('encrypted');
  expect(download.suggestedFilename()).toMatch(/-encrypted\.json$/);
  const file = await download.path();
  if (!file) throw new Error('the download was not saved');
  const text = readFileSync(file, 'utf8');
  expect(JSON.parse(text)).toMatchObject({
    format: 'servicebook-exchange-sealed',
    cipher: 'AES-256-GCM',
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: 600000 },
  });
  expect(validate(JSON.parse(text)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  expect(validate(JSON.parse(readFileSync(fixture, 'utf8')))).toBe(true);
  expect(text).not.toContain('Payroll');
  expect(text).not.toContain('Ada');

  // Bea is asked for the passphrase; a wrong one is refused plainly and writes nothing.
  const before = await fingerprint(bea);
  await bea.getByTestId('nav-exchange').click();
  await bea.getByTestId('import-files').setInputFiles(file);
  await expect(bea.getByTestId('unlock-panel')).toBeVisible();
  await expect(bea.getByTestId('import-panel')).toHaveCount(0);
  await bea.getByTestId('import-passphrase').fill('blue whale 24');
  await bea.getByTestId('import-unlock').click();
  await expect(bea.getByTestId('import-error')).toContainText('The passphrase does not open this file');
  await expect(bea.getByTestId('import-panel')).toHaveCount(0);
  expect(await fingerprint(bea)).toBe(before);

  // The right passphrase shows the preview; applying imports Ada's records.
  await bea.getByTestId('nav-exchange').click();
  await bea.getByTestId('import-files').setInputFiles(file);
  await bea.getByTestId('import-passphrase').fill('blue whale 42');
  await bea.getByTestId('import-passphrase').press('Enter');
  const summary = bea.getByTestId('import-summary');
  await expect(summary).toHaveAttribute('data-new', '2');
  await expect(bea.getByTestId('import-preview')).toContainText('from Ada');
  await expect(bea.getByTestId('unlock-panel')).toHaveCount(0);
  await bea.getByTestId('import-apply').click();
  await expect(bea.getByTestId('import-done')).toBeVisible();
  expect(await fingerprint(bea)).toBe(await fingerprint(ada));
});

test('a file sealed by the reference implementation opens with its passphrase', async ({ page }) => {
  await freshApp(page);
  await page.getByTestId('nav-exchange').click();
  await page.getByTestId('import-files').setInputFiles(fixture);
  await page.getByTestId('import-passphrase').fill('correct horse battery staple');
  await page.getByTestId('import-unlock').click();
  await expect(page.getByTestId('import-preview')).toContainText('from Sealer');
  await expect(page.getByTestId('import-summary')).not.toHaveAttribute('data-new', '0');
});
