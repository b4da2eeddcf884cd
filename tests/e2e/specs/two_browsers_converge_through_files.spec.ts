// Two browsers with their own storage edit the same incident offline, exchange files both
// ways, and end identical: the same fingerprint, the concurrent edit shown as a conflict with
// both values, and importing a file again changes nothing.
import { expect, test, type Page } from '@playwright/test';
import { createIncident, exportFile, fingerprint, freshApp, importFile, openIncidents } from './fixtures';

async function editTitle(page: Page, ref: string, title: string) {
  await openIncidents(page);
  await page.locator(`[data-testid="record-row"][data-ref="${ref}"] td.col-reference a`).click();
  await page.getByTestId('edit-record').click();
  await page.getByTestId('field-title').fill(title);
  await page.getByTestId('form-submit').click();
  await expect(page.getByTestId('record-title')).toHaveText(title);
}

test('two browsers edit offline, swap files and end identical with the conflict shown', async ({ browser }) => {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');

  const ref = (await createIncident(ada, { title: 'Printer jam on floor 3', service: 'Printing', impact: 'low', urgency: 'low' })).split(' ')[0];
  const first = await exportFile(ada);

  // Bea previews, then applies: the service and the incident are new to her.
  const preview = await importFile(bea, first);
  await expect(preview).toHaveAttribute('data-new', '2');
  await expect(preview).toHaveAttribute('data-conflicts', '0');
  await bea.getByTestId('import-apply').click();
  await expect(bea.getByTestId('import-done')).toBeVisible();
  await expect(bea.getByTestId('storage-status')).toContainText('2 records');

  // Both change the title without seeing each other's change.
  await editTitle(ada, ref, 'Printer jam on floor 3, tray 2');
  await editTitle(bea, ref, 'Printer jam, third floor');
  const fromAda = await exportFile(ada);
  const fromBea = await exportFile(bea);

  const adaPreview = await importFile(ada, fromBea);
  await expect(adaPreview).toHaveAttribute('data-updated', '1');
  await expect(adaPreview).toHaveAttribute('data-conflicts', '1');
  await ada.getByTestId('import-apply').click();
  await expect(ada.getByTestId('import-done')).toBeVisible();
  await importFile(bea, fromAda);
  await bea.getByTestId('import-apply').click();
  await expect(bea.getByTestId('import-done')).toBeVisible();

  // Identical data, the conflict in view on both sides, both values in the history.
  expect(await fingerprint(ada)).toBe(await fingerprint(bea));
  for (const page of [ada, bea]) {
    await openIncidents(page);
    await page.locator(`[data-testid="record-row"][data-ref="${ref}"] td.col-reference a`).click();
    const conflict = page.locator('.conflict');
    await expect(conflict).toContainText('Printer jam on floor 3, tray 2');
    await expect(conflict).toContainText('Printer jam, third floor');
    const history = page.getByTestId('history');
    await expect(history).toContainText('Printer jam on floor 3, tray 2');
    await expect(history).toContainText('Printer jam, third floor');
  }

  // The same file again: nothing new.
  const again = await importFile(bea, fromAda);
  await expect(again).toHaveAttribute('data-new', '0');
  await expect(again).toHaveAttribute('data-updated', '0');
  await expect(bea.getByTestId('import-nothing-new')).toBeVisible();
  await expect(bea.getByTestId('import-apply')).toBeDisabled();
  await bea.getByTestId('import-cancel').click();

  // Ada settles the conflict by keeping Bea's title; the choice travels like any edit.
  await openIncidents(ada);
  await ada.locator(`[data-testid="record-row"][data-ref="${ref}"] td.col-reference a`).click();
  await ada.locator('.conflict-value', { hasText: 'Printer jam, third floor' }).getByTestId('keep-value').click();
  await expect(ada.getByTestId('conflicts')).toHaveCount(0);
  await expect(ada.getByTestId('record-title')).toHaveText('Printer jam, third floor');
  const settled = await exportFile(ada);
  await importFile(bea, settled);
  await bea.getByTestId('import-apply').click();
  await expect(bea.getByTestId('import-done')).toBeVisible();
  await openIncidents(bea);
  await bea.locator(`[data-testid="record-row"][data-ref="${ref}"] td.col-reference a`).click();
  await expect(bea.getByTestId('conflicts')).toHaveCount(0);
  await expect(bea.getByTestId('record-title')).toHaveText('Printer jam, third floor');
  expect(await fingerprint(ada)).toBe(await fingerprint(bea));
});

test('a file that is not an exchange file is refused and nothing changes', async ({ page }) => {
  await freshApp(page);
  const before = await fingerprint(page);
  await page.getByTestId('nav-exchange').click();
  await page.getByTestId('import-files').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":"<img src=x onerror=alert(1)>"}') });
  await expect(page.getByTestId('import-error')).toContainText('not a Servicebook exchange file');
  await expect(page.getByTestId('import-panel')).toHaveCount(0);
  expect(await fingerprint(page)).toBe(before);
});
