// Ctrl+K searches every kind by reference or words and opens the record with the keyboard.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp } from './fixtures';

test('Ctrl+K finds a record by words or reference and Enter opens it', async ({ page }) => {
  await freshApp(page);
  const ref = (await createIncident(page, { title: 'Badge readers offline at the north gate', service: 'Facilities', impact: 'low', urgency: 'medium' })).split(' ')[0];
  await page.getByTestId('nav-dashboard').click();

  await page.keyboard.press('Control+k');
  const input = page.getByTestId('search-input');
  await expect(input).toBeFocused();
  await input.fill('north gate');
  await expect(page.getByTestId('search-hit')).toHaveCount(1);
  await expect(page.getByTestId('search-hit').first()).toContainText(ref);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('record-ref')).toHaveText(new RegExp(ref));
  await expect(input).toHaveCount(0);

  // "/" opens it too; the service is found by its reference.
  await page.keyboard.press('/');
  await page.getByTestId('search-input').fill('SVC-1');
  await expect(page.getByTestId('search-hit').first()).toContainText('Facilities');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('search-input')).toHaveCount(0);
});
