// A start whose snapshot holds every stored change shows the records with the main module
// alone; changes stored after the snapshot are folded in by code fetched for them
// (src/ui/deferred.rs). When that code cannot be fetched the app says so, changes nothing,
// and the next start with the network back shows every record.
import { expect, test } from '@playwright/test';
import { addSampleData, createIncident, freshApp, waitReady } from './fixtures';

const deferredModule = '**/*-pages/split_deferred.wasm';

test('changes stored after the snapshot are read with code fetched for them, or the start says it needs a reload', async ({
  page,
}) => {
  await freshApp(page);
  // Sample data writes the snapshot; the incident after it is a chunk the snapshot lacks.
  await addSampleData(page, 20);
  const ref = await createIncident(page, { title: 'Badge reader offline', service: 'Printing', impact: 'low', urgency: 'low' });

  let refused = 0;
  await page.route(deferredModule, (route) => {
    refused += 1;
    return route.abort('internetdisconnected');
  });
  await page.reload();
  const banner = page.getByTestId('banner').filter({ hasText: 'part of Servicebook did not arrive' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('reload the page');
  await expect(page.getByTestId('storage-status')).toContainText('Not saving: reload needed');
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
  expect(refused).toBeGreaterThan(0);
  // Not a partial view presented as the whole: no records, and no count of them, but words.
  await expect(page.getByText('the message at the top says why and what to do')).toBeVisible();
  await expect(page.getByTestId('storage-status')).not.toContainText('record');

  await page.unroute(deferredModule);
  await page.reload();
  await waitReady(page);
  await expect(banner).toHaveCount(0);
  await page.getByTestId('nav-incidents').click();
  await page.getByTestId('list-search').fill('Badge reader');
  await expect(page.locator(`[data-testid="record-row"][data-ref="${ref}"]`)).toBeVisible();
});

test('a start with a current snapshot shows its records even when that code cannot be fetched', async ({ page }) => {
  await freshApp(page);
  await addSampleData(page, 20);
  // Sample data is one bulk write, which writes the snapshot with it.
  let fetched = 0;
  await page.route(deferredModule, (route) => {
    fetched += 1;
    return route.abort('internetdisconnected');
  });
  await page.reload();
  await waitReady(page);
  await page.getByTestId('nav-incidents').click();
  await expect(page.getByTestId('record-row').first()).toBeVisible();
  await expect(page.getByTestId('storage-status')).toContainText('Saved in this browser');
  // The indexes built after the start need it: their banner says what to do.
  await expect(page.getByTestId('banner').filter({ hasText: 'Search and Review are not up to date' })).toBeVisible();
  expect(fetched).toBeGreaterThan(0);
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
});
