// The last import can be undone while nothing was recorded or exported since: exactly its
// edits go, and the same file can be imported again.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp } from './fixtures';

test('an import is undone exactly, and then can be imported again', async ({ browser }) => {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext()).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');
  await createIncident(ada, { title: 'Wi-Fi drops in meeting rooms', service: 'Wi-Fi', impact: 'medium', urgency: 'medium' });
  await ada.getByTestId('nav-exchange').click();
  const [download] = await Promise.all([ada.waitForEvent('download'), ada.getByTestId('export-all').click()]);
  const file = (await download.path()) ?? '';

  await bea.getByTestId('nav-exchange').click();
  const apply = async () => {
    await bea.getByTestId('import-files').setInputFiles(file);
    await bea.getByTestId('import-apply').click();
    await expect(bea.getByTestId('import-done')).toBeVisible();
    await expect(bea.getByTestId('storage-status')).toContainText('2 records');
  };
  await apply();
  await expect(bea.getByTestId('last-import')).toContainText('It can be undone');
  await bea.getByTestId('undo-import').click();
  await expect(bea.getByTestId('undo-done')).toBeVisible();
  await expect(bea.getByTestId('storage-status')).toContainText('0 records');
  await bea.reload();
  await expect(bea.getByTestId('storage-status')).toContainText('0 records');

  // Again, then a change of Bea's own makes the import final.
  await bea.getByTestId('nav-exchange').click();
  await apply();
  await createIncident(bea, { title: 'Projector flickers', service: 'Meeting rooms', impact: 'low', urgency: 'low' });
  await bea.getByTestId('nav-exchange').click();
  await expect(bea.getByTestId('last-import')).toContainText('no longer be undone: something was recorded here after it');
  await expect(bea.getByTestId('undo-import')).toBeDisabled();
});
