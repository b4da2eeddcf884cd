// The pages' code lives in modules of their own (src/ui/pages.rs), fetched when first shown
// and then in the background after start. A page whose module cannot be fetched says so and
// offers a reload; an app that has started keeps working with the network gone.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp, waitReady } from './fixtures';

test('a page whose code cannot be fetched says so, and opens on a later visit once it can', async ({ page }) => {
  const shareModule = '**/*-pages/split_share.wasm';
  let refused = 0;
  await page.route(shareModule, (route) => {
    refused += 1;
    return route.abort('internetdisconnected');
  });
  await freshApp(page);

  await page.getByTestId('nav-exchange').click();
  const alert = page.getByRole('alert').filter({ hasText: 'This page could not be loaded' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('Your records are safe');
  expect(refused).toBeGreaterThan(0);
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
  // The rest of the app still works.
  await page.getByTestId('nav-settings').click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();

  // Its button reloads the app, which asks for the module again.
  await page.getByTestId('nav-exchange').click();
  await expect(alert).toBeVisible();
  const before = refused;
  await alert.getByRole('button', { name: 'Reload Servicebook' }).click();
  await waitReady(page);
  await expect(alert).toBeVisible();
  expect(refused).toBeGreaterThan(before);

  // With the network back, the next visit fetches it: a failure is not remembered.
  await page.unroute(shareModule);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('nav-exchange').click();
  await expect(page.getByRole('heading', { name: 'Share with teammates' })).toBeVisible();
  await expect(alert).toHaveCount(0);
});

test('once started, every page works with the network gone', async ({ page, context }) => {
  await freshApp(page);
  await expect(page.locator('body[data-pages="loaded"]')).toHaveCount(1, { timeout: 30_000 });
  await context.setOffline(true);

  for (const [nav, heading] of [
    ['nav-settings', 'Settings'],
    ['nav-calendar', 'Change calendar'],
    ['nav-exchange', 'Share with teammates'],
    ['nav-review', 'Review'],
    ['nav-dashboard', 'Dashboard'],
  ] as const) {
    await page.getByTestId(nav).click();
    await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
  }
  // The form and the record page.
  const ref = await createIncident(page, { title: 'Printer offline', service: 'Printing', impact: 'low', urgency: 'low' });
  await expect(page.getByTestId('record-ref')).toContainText(ref);
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'could not be loaded' })).toHaveCount(0);
});
