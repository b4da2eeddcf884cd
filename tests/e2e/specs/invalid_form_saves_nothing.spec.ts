// Submitting the new-incident form empty shows what is missing and stores nothing.
import { expect, test } from '@playwright/test';
import { freshApp, openIncidents } from './fixtures';

test('an empty incident form shows what is required and saves nothing', async ({ page }) => {
  await freshApp(page);
  await openIncidents(page);
  await expect(page.getByTestId('list-count')).toHaveText(/\b0 incidents\b/);
  await expect(page.getByTestId('storage-status')).toContainText(/\b0 records\b/);

  await page.getByTestId('new-record').click();
  await expect(page.getByTestId('field-title')).toBeVisible();
  await page.getByTestId('form-submit').click();

  for (const field of ['title', 'service', 'impact', 'urgency']) {
    await expect(page.getByTestId(`error-${field}`), `error-${field}`).toHaveText('Required.');
  }
  await expect(page.getByTestId('form-error')).toBeVisible();
  // Still on the form: nothing was created.
  await expect(page.getByTestId('record-ref')).toHaveCount(0);

  await openIncidents(page);
  await expect(page.getByTestId('list-count')).toHaveText(/\b0 incidents\b/);
  await expect(page.getByTestId('record-row')).toHaveCount(0);
  await expect(page.getByTestId('storage-status')).toContainText(/\b0 records\b/);
});
