// The pages' code lives in modules of their own (src/ui/pages.rs), fetched when first shown
// and then in the background after start. A page whose module is on its way shows a progress
// bar; one whose module cannot be fetched says so and offers a reload; an app that has started
// keeps working with the network gone.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp, newRecord, waitReady } from './fixtures';

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
  // The quick search's dialog, whose code is a module of its own too.
  await page.getByTestId('nav-dashboard').click();
  await page.keyboard.press('Control+k');
  await page.getByTestId('search-input').fill('printer');
  await expect(page.getByTestId('search-hit')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'could not be loaded' })).toHaveCount(0);
});

test('a page whose code is on its way shows a progress bar until it arrives', async ({ page }) => {
  // The record page's module is held back (its preload after start included) until released.
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  await page.route('**/*-pages/split_record.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await freshApp(page);
  const bar = page.getByTestId('page-loading');
  await expect(bar).not.toHaveClass(/active/);

  await newRecord(page, 'services');
  await page.getByTestId('field-title').fill('Mail');
  await page.getByTestId('field-owner').fill('Ada');
  await page.getByTestId('form-submit').click();
  // Saved; the record page waits for its code, the form stays up meanwhile.
  await expect(bar).toHaveClass(/active/);
  await expect(bar).toBeVisible();
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'true');
  await expect(page.getByTestId('record-ref')).toHaveCount(0);
  // It cannot be saved twice meanwhile.
  await expect(page.getByTestId('form-submit')).toBeDisabled();
  await expect(page.getByTestId('form-submit')).toHaveText('Saved');

  release();
  await expect(page.getByTestId('record-ref')).toHaveText(/^\s*SVC-\d{6}/);
  await expect(bar).not.toHaveClass(/active/);
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false');
});

test('a quick search whose code cannot be fetched says so and closes again', async ({ page }) => {
  await page.route('**/*-pages/split_quick_search.wasm', (route) => route.abort('internetdisconnected'));
  await freshApp(page);
  await page.keyboard.press('Control+k');
  const message = page.getByTestId('search-not-loaded');
  await expect(message).toContainText('Search could not be loaded');
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
  await page.mouse.click(5, 5);
  await expect(message).toHaveCount(0);
  // The rest of the app still works.
  await page.getByTestId('nav-settings').click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
});

test('a first start whose welcome prompt cannot be fetched says so instead of a blank page', async ({ page }) => {
  await page.route('**/*-pages/split_welcome.wasm', (route) => route.abort('internetdisconnected'));
  await page.goto('./');
  await expect(page.getByRole('alert').filter({ hasText: 'This page could not be loaded' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('panic-screen')).toHaveCount(0);
  await expect(page.getByTestId('welcome-name')).toHaveCount(0);
});
