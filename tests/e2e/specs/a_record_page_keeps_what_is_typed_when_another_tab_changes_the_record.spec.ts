// A record's page follows changes another tab makes to the record without being built again:
// a note half typed here is still there, and the other tab's note shows beside it.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp, waitReady } from './fixtures';

test('a note being typed survives another tab changing the same record', async ({ page }) => {
  await freshApp(page);
  const ref = await createIncident(page, { title: 'Printer jam', service: 'Printing', impact: 'low', urgency: 'low' });
  const other = await page.context().newPage();
  await other.goto(page.url());
  await waitReady(other);
  await expect(other.getByTestId('record-ref')).toContainText(ref);

  // Half a note typed here, while the other tab adds a note of its own.
  await page.getByTestId('note-input').fill('Called the vendor, waiting for');
  await other.getByTestId('note-input').fill('Paper tray replaced.');
  await other.getByTestId('note-submit').click();
  await expect(other.getByTestId('note-entry')).toHaveCount(1);

  // This tab shows the other's note, and what was typed here is still here.
  await expect(page.getByTestId('note-entry')).toContainText('Paper tray replaced.');
  await expect(page.getByTestId('note-input')).toHaveValue('Called the vendor, waiting for');
  await expect(page.getByTestId('note-input')).toBeFocused();
});
