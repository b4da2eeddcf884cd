// Exports smaller than everything: what changed since the last export to a named teammate,
// and chosen records with the records linked to them, each with its whole history. A teammate
// who imports them ends with the same data as from full exports.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { applyFile, createIncident, fingerprint, freshApp } from './fixtures';

interface Exported {
  path: string;
  name: string;
  file: { change_sets: { record: string; edits: { field: string; op: unknown }[] }[] };
}

async function exportAs(page: Page, scope: 'all' | 'since' | 'chosen', to = ''): Promise<Exported> {
  if (!page.url().includes('/exchange')) await page.getByTestId('nav-exchange').click();
  await page.getByTestId('export-to').fill(to);
  await page.getByTestId(`export-scope-${scope}`).check();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
  await expect(page.getByTestId('export-result')).toBeVisible();
  const path = (await download.path()) ?? '';
  return { path, name: download.suggestedFilename(), file: JSON.parse(readFileSync(path, 'utf8')) };
}

function titles(file: Exported['file']): string[] {
  return file.change_sets.flatMap((cs) =>
    cs.edits.filter((e) => e.field === 'title').map((e) => JSON.stringify(e.op)),
  );
}

test('an export to a teammate holds only what they have not had from me', async ({ browser }) => {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');
  await createIncident(ada, { title: 'VPN drops every hour', service: 'Remote access', impact: 'medium', urgency: 'medium' });

  const first = await exportAs(ada, 'all', 'Bea');
  expect(first.name).toMatch(/^servicebook-ada-to-bea-\d{8}-\d{6}\.json$/);
  expect(first.file.change_sets.length).toBe(2);

  await createIncident(ada, { title: 'VPN client will not install', service: 'Remote access', impact: 'low', urgency: 'low' });
  await ada.getByTestId('nav-exchange').click();
  await ada.getByTestId('export-scope-since').check();
  await ada.getByTestId('export-to').fill('Cy');
  await expect(ada.getByTestId('export-since')).toContainText('You have not exported to Cy yet');
  await ada.getByTestId('export-to').fill('Bea');
  await expect(ada.getByTestId('export-since')).toContainText('Since your last export to Bea');
  const second = await exportAs(ada, 'since', 'Bea');
  expect(second.name).toContain('-to-bea-');
  expect(second.name).toContain('-changes');
  expect(second.file.change_sets.length).toBe(1);
  expect(titles(second.file).join()).toContain('will not install');
  expect(titles(second.file).join()).not.toContain('every hour');

  // Asking for changes without naming the teammate exports nothing.
  await ada.getByTestId('export-to').fill('');
  await ada.getByTestId('export-all').click();
  await expect(ada.getByTestId('export-error')).toContainText('name the teammate');

  await applyFile(bea, first.path);
  await applyFile(bea, second.path);
  await expect(bea.getByTestId('storage-status')).toContainText('3 records');
  expect(await fingerprint(bea)).toBe(await fingerprint(ada));
});

test('a record exported with its linked records carries their whole history and nothing else', async ({ browser }) => {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');
  await createIncident(ada, { title: 'Unrelated printer fault', service: 'Printing', impact: 'low', urgency: 'low' });
  await createIncident(ada, { title: 'Mail queue stuck', service: 'Email', impact: 'high', urgency: 'high' });
  await ada.getByTestId('edit-record').click();
  await ada.getByTestId('field-title').fill('Mail queue stuck on relay 2');
  await ada.getByTestId('form-submit').click();
  await expect(ada.getByTestId('record-title')).toHaveText('Mail queue stuck on relay 2');

  // Ada's team ranks high impact and high urgency P2, not P1.
  await ada.getByTestId('nav-settings').click();
  await ada.getByTestId('priority-high-high').selectOption('P2');
  await ada.goBack();
  await expect(ada.getByTestId('record-priority')).toContainText('P2');

  // From the record page: the record, the service it is linked to, and the shared settings.
  await ada.getByTestId('export-record').click();
  await expect(ada.getByTestId('export-scope-chosen')).toBeChecked();
  const chosen = ada.getByTestId('export-chosen');
  await expect(chosen).toHaveCount(3);
  await expect(chosen.filter({ hasText: 'Email' })).toContainText('linked');
  await expect(chosen.filter({ hasText: 'shared settings' })).toHaveCount(1);
  const [download] = await Promise.all([ada.waitForEvent('download'), ada.getByTestId('export-all').click()]);
  await expect(ada.getByTestId('export-result')).toContainText('3 records with their whole history');
  expect(download.suggestedFilename()).toContain('-partial');
  const file: Exported['file'] = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8'));
  expect(new Set(file.change_sets.map((cs) => cs.record)).size).toBe(3);
  expect(file.change_sets.length).toBe(4); // the service, the incident and its edit, the matrix cell
  expect(titles(file).join()).not.toContain('Unrelated');

  // Without linked records, and adding one through the finder.
  await ada.getByTestId('export-linked').uncheck();
  await expect(chosen).toHaveCount(2);
  await ada.getByTestId('export-find').fill('printer');
  await ada.getByTestId('export-find-hit').first().click();
  await expect(chosen).toHaveCount(3);

  // Bea gets the incident, its service and the matrix: the same priority.
  const path = (await download.path()) ?? '';
  await applyFile(bea, path);
  await expect(bea.getByTestId('storage-status')).toContainText('3 records');
  await bea.getByTestId('nav-incidents').click();
  await bea.locator('[data-testid="record-row"] td.col-reference a').first().click();
  await expect(bea.getByTestId('record-title')).toHaveText('Mail queue stuck on relay 2');
  await expect(bea.getByTestId('record-priority')).toContainText('P2');
});
