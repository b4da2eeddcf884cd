// The database's upgrade, as a person meets it: another tab of an older release holding the
// database open makes the app say so and wait, and it goes on by itself once that tab lets go;
// a database a newer release has moved on is refused with words, and left as it is, and the
// pages say its records could not be read rather than show an empty SMS.
import { expect, test, type Page } from '@playwright/test';
import { waitReady } from './fixtures';

/**
 * Opens the app and gives the first start's name (asked before the database is open). Returns
 * the page's uncaught errors, collected from then on.
 */
async function start(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('./');
  const name = page.getByTestId('welcome-name');
  await expect(name).toBeVisible({ timeout: 30_000 });
  await name.fill('Dana Tester');
  await page.getByTestId('welcome-submit').click();
  return errors;
}

/** Another page of the same site that runs no Servicebook: only a database connection. */
async function otherTab(page: Page): Promise<Page> {
  const other = await page.context().newPage();
  await other.goto('./exchange.schema.json');
  return other;
}

/**
 * In `tab`, opens the app's database (at `version`, or as it is) and says at which version it
 * opened. A connection held (`hold`) stays open, as an older release's tab would keep it, until
 * `letGo`; it does not close when another tab asks.
 */
async function openDatabase(tab: Page, version: number | undefined, hold: boolean): Promise<number> {
  return tab.evaluate(
    ([version, hold]) =>
      new Promise<number>((resolve, reject) => {
        const open = version === undefined ? indexedDB.open('servicebook') : indexedDB.open('servicebook', version);
        open.onsuccess = () => {
          const found = open.result.version;
          if (hold) (window as unknown as { held: IDBDatabase }).held = open.result;
          else open.result.close();
          resolve(found);
        };
        open.onerror = () => reject(open.error);
      }),
    [version, hold] as const,
  );
}

/** Closes the connection `openDatabase` held in `tab`. */
async function letGo(tab: Page): Promise<void> {
  await tab.evaluate(() => (window as unknown as { held: IDBDatabase }).held.close());
}

test('an older tab holding the database makes the app say so, and it goes on once that tab lets go', async ({ page }) => {
  const older = await otherTab(page);
  await openDatabase(older, 1, true);

  const errors = await start(page);
  const banner = page.getByTestId('banner').filter({ hasText: 'Another Servicebook tab uses an older version' });
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('body[data-ready="true"]')).toHaveCount(0);

  await letGo(older);
  await waitReady(page);
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('storage-status')).toContainText(/\b0 records\b/);
  expect(errors).toEqual([]);
});

test('a database a newer release has moved on is refused with words and left as it is', async ({ page }) => {
  const newer = await otherTab(page);
  await openDatabase(newer, 99, false);

  const errors = await start(page);
  const banner = page.getByTestId('banner').filter({ hasText: 'saved by a newer release of Servicebook' });
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(banner).toContainText('Reload the page');
  // No empty SMS is shown in place of the records this tab could not read.
  await expect(page.getByTestId('dashboard-reading')).toContainText('Your records could not be read');
  await expect(page.getByText('Nothing recorded yet.')).toHaveCount(0);
  await page.getByTestId('nav-incidents').click();
  await expect(page.getByTestId('list-unread')).toContainText('Your records could not be read');
  await expect(page.getByText('No incidents yet.')).toHaveCount(0);
  expect(await openDatabase(newer, undefined, false)).toBe(99);
  expect(errors).toEqual([]);
});
