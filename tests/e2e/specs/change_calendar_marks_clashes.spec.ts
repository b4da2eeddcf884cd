// Changes touching the same configuration item in overlapping windows show as a clash on the
// change calendar.
import { expect, test, type Page } from '@playwright/test';
import { freshApp, newRecord, pickLink, save } from './fixtures';

async function change(page: Page, title: string, start: string, end: string) {
  await newRecord(page, 'changes');
  await page.getByTestId('field-title').fill(title);
  await page.getByTestId('field-change_type').selectOption('standard');
  await page.getByTestId('field-reason').fill('Routine maintenance.');
  await pickLink(page, 'items', 'db-01');
  await page.getByTestId('field-planned_start').fill(start);
  await page.getByTestId('field-planned_end').fill(end);
  return (await save(page, 'CHG')).split(' ')[0];
}

test('two changes on one item in overlapping windows clash on the calendar', async ({ page }) => {
  await freshApp(page);
  await newRecord(page, 'items');
  await page.getByTestId('field-title').fill('db-01');
  await page.getByTestId('field-ci_type').selectOption('hardware');
  await save(page, 'CI');

  const first = await change(page, 'Patch database OS', '2027-03-10T20:00', '2027-03-10T23:00');
  const second = await change(page, 'Resize database disk', '2027-03-10T22:00', '2027-03-11T01:00');
  await change(page, 'Rotate database certificates', '2027-03-12T20:00', '2027-03-12T21:00');

  await page.getByTestId('nav-calendar').click();
  await page.goto('./calendar?month=2027-03');
  await expect(page.getByTestId('cal-month')).toHaveText('March 2027');
  await expect(page.getByTestId('cal-count')).toContainText('3 planned changes and releases');
  const clash = page.getByTestId('clash');
  await expect(clash).toHaveCount(1);
  await expect(clash).toContainText(first);
  await expect(clash).toContainText(second);
  await expect(page.locator('.cal-entry.clash')).not.toHaveCount(0);
  await page.getByTestId('cal-next').click();
  await expect(page.getByTestId('cal-month')).toHaveText('April 2027');
  await expect(page.getByTestId('clashes')).toHaveCount(0);
});
