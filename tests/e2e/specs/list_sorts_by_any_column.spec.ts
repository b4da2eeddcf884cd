// The list sorts by any column, a text column too, whether its rows' text was built already
// (after a click on the header) or not yet (a sorted address opened on a fresh start).
import { expect, test, type Page } from '@playwright/test';
import { addSampleData, freshApp, openIncidents, waitReady } from './fixtures';

/** The titles of the rows in view, in the order shown. */
async function titles(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid="record-row"] td.col-title')
    .evaluateAll((cells) => cells.map((c) => (c.textContent ?? '').trim()));
}

const inOrder = (list: string[], direction: 'asc' | 'desc') => {
  const lower = list.map((t) => t.toLowerCase());
  const sorted = [...lower].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(lower) === JSON.stringify(direction === 'asc' ? sorted : sorted.reverse());
};

test('a list sorts by a text column, also on a fresh start from a sorted address', async ({ page }) => {
  await freshApp(page);
  await addSampleData(page, 60, 30_000);

  await openIncidents(page);
  await page.getByTestId('sort-title').click();
  await expect(page.getByTestId('sort-title').locator('xpath=..')).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(async () => inOrder(await titles(page), 'asc')).toBe(true);
  const ascending = await titles(page);
  expect(ascending.length).toBeGreaterThan(5);
  expect(new Set(ascending).size).toBeGreaterThan(1);

  await page.getByTestId('sort-title').click();
  await expect.poll(async () => inOrder(await titles(page), 'desc')).toBe(true);

  // The sorted address on a fresh start: the sort builds the rows' text it needs.
  await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('title');
  const sorted = new URL(page.url());
  sorted.searchParams.set('dir', 'asc');
  await page.goto(sorted.toString());
  await waitReady(page);
  await expect.poll(() => titles(page)).toEqual(ascending);
});
