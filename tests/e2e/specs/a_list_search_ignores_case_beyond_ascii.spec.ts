// The list's search box ignores case in any script: rows and the typed text are lowered
// alike (through the browser's toLowerCase for text that is not ASCII, see ui/format.rs).
import { expect, test } from '@playwright/test';
import { createIncident, freshApp } from './fixtures';

test('a list search finds accented and non-Latin titles whatever the case typed', async ({ page }) => {
  await freshApp(page);
  await createIncident(page, { title: 'Ölpumpe im Keller Ausgefallen', service: 'Facilities', impact: 'low', urgency: 'low' });
  await createIncident(page, { title: 'ΣΎΣΤΗΜΑ εκτός', service: 'Facilities', impact: 'low', urgency: 'low' });
  await createIncident(page, { title: 'Printer jammed', service: 'Printing', impact: 'low', urgency: 'low' });
  await page.getByTestId('nav-incidents').click();
  const count = page.getByTestId('list-count');
  await expect(count).toHaveText('3 incidents');
  const search = page.getByTestId('list-search');
  for (const [typed, title] of [
    ['ölpumpe', 'Ölpumpe'],
    ['ÖLPUMPE IM', 'Ölpumpe'],
    ['σύστημα', 'ΣΎΣΤΗΜΑ'],
    ['ΕΚΤΌΣ', 'ΣΎΣΤΗΜΑ'],
  ]) {
    await search.fill(typed);
    await expect(count).toHaveText('1 incident');
    await expect(page.getByTestId('record-row')).toContainText(title);
  }
  await search.fill('');
  await expect(count).toHaveText('3 incidents');
});
