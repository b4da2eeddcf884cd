// A large file is read in steps: the page shows how far it got and stays usable, and Stop
// ends the reading with nothing written; read to the end, the preview follows.
import { expect, test } from '@playwright/test';
import { addSampleData, fingerprint, freshApp } from './fixtures';

test('a large import shows progress and can be stopped before anything is written', async ({ browser }) => {
  test.setTimeout(180_000);
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await addSampleData(ada, 10000, 120_000);
  await ada.getByTestId('nav-exchange').click();
  const [download] = await Promise.all([
    ada.waitForEvent('download', { timeout: 60_000 }),
    ada.getByTestId('export-all').click(),
  ]);
  const file = (await download.path()) ?? '';

  const bea = await (await browser.newContext()).newPage();
  await freshApp(bea, 'Bea');
  const empty = await fingerprint(bea);
  await bea.getByTestId('nav-exchange').click();
  // A slower processor, so that reading lasts long enough to be stopped on any machine.
  const cdp = await bea.context().newCDPSession(bea);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
  await bea.getByTestId('import-files').setInputFiles(file);
  const progress = bea.getByTestId('import-progress');
  await expect(progress).toContainText(/Reading .*: [\d.]+ \w+ of [\d.]+ \w+, \d+ change sets|Comparing .*: \d+ of \d+ new change sets/, { timeout: 90_000 });
  await bea.getByTestId('import-stop').click();
  await expect(bea.getByTestId('import-done')).toHaveText('Import cancelled: nothing was written.');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await expect(bea.getByTestId('import-panel')).toHaveCount(0);
  expect(await fingerprint(bea)).toBe(empty);

  await bea.getByTestId('nav-exchange').click();
  await bea.getByTestId('import-files').setInputFiles(file);
  await expect(bea.getByTestId('import-summary')).toBeVisible({ timeout: 60_000 });
  expect(Number(await bea.getByTestId('import-summary').getAttribute('data-new'))).toBeGreaterThan(10_000);
  // Its checksum was checked by the digest worker, which read the file while the page read
  // the change sets (a digest that did not hold would have made the page read it again).
  await expect(bea.locator('body')).toHaveAttribute('data-import-checksums', 'off-thread');
});
