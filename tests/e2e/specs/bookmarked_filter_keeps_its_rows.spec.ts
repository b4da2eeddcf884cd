// A filtered list's address holds its filters: reloading it, or opening it in a new tab,
// shows the same rows.
import { expect, test, type Page } from '@playwright/test';
import { addSampleData, freshApp, openIncidents, waitReady } from './fixtures';

async function refs(page: Page): Promise<string[]> {
  return page.getByTestId('record-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ref') ?? ''));
}

test('a bookmarked filtered list shows the same rows after a reload', async ({ page, context }) => {
  await freshApp(page);
  await addSampleData(page, 60, 30_000);

  await openIncidents(page);
  // Sample data is random: take the filter values from a row, so some rows always match.
  await page.getByTestId('filter-state').selectOption('on_hold');
  const first = page.getByTestId('record-row').first();
  await expect(first).toBeVisible();
  const word = ((await first.locator('td.col-title').textContent()) ?? '').trim().split(' ')[0].toLowerCase();
  const priority = ((await first.locator('.badge[class*="priority-"]').textContent()) ?? '').trim();
  await page.getByTestId('filter-priority').selectOption(priority);
  await page.getByTestId('list-search').fill(word);
  await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe(word);
  const shown = await refs(page);
  expect(shown.length).toBeGreaterThan(0);
  await expect(page.getByTestId('list-count')).toHaveText(new RegExp(`^${shown.length} incidents?`));
  const bookmark = page.url();
  expect(new URL(bookmark).searchParams.get('state')).toBe('on_hold');
  expect(new URL(bookmark).searchParams.get('priority')).toBe(priority);

  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('filter-state')).toHaveValue('on_hold');
  await expect(page.getByTestId('list-search')).toHaveValue(word);
  await expect.poll(() => refs(page)).toEqual(shown);

  // The same address in a new tab.
  const other = await context.newPage();
  await other.goto(bookmark);
  await waitReady(other);
  await expect.poll(() => refs(other)).toEqual(shown);

  // Filter by service: the rows all belong to it.
  await openIncidents(page);
  const service = page.getByTestId('filter-service');
  const firstService = await service.locator('option').nth(1).getAttribute('value');
  await service.selectOption(firstService ?? '');
  await expect.poll(() => new URL(page.url()).searchParams.get('service')).toBe(firstService);
});
