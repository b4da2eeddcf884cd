// A note redacted in one browser (privacy, retention) loses its text in every browser its
// file reaches: the other browser's history says who redacted it and when, the text is in no
// file any more, and both browsers hold the same data (same fingerprint).
import { expect, test, type Page } from '@playwright/test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyFile, createIncident, exportFile, fingerprint, freshApp, openIncidents } from './fixtures';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../public/exchange.schema.json'), 'utf8')),
);

async function openRecord(page: Page, ref: string) {
  await openIncidents(page);
  await page.locator(`[data-testid="record-row"][data-ref="${ref}"] td.col-reference a`).click();
}

test('a note redacted in one browser is redacted in the other after the file is imported', async ({ browser }) => {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');
  const secret = 'Caller home number 555-0101';
  const ref = (await createIncident(ada, { title: 'VPN refuses logins', service: 'VPN', impact: 'low', urgency: 'low' })).split(' ')[0];
  await ada.getByTestId('note-input').fill(secret);
  await ada.getByTestId('note-submit').click();
  await expect(ada.getByTestId('note-entry').filter({ hasText: secret })).toHaveCount(1);

  // Bea has the note from an earlier file.
  await applyFile(bea, await exportFile(ada));
  await openRecord(bea, ref);
  await expect(bea.getByTestId('note-entry').filter({ hasText: secret })).toHaveCount(1);

  // Ada redacts it from the record's history, after confirming.
  await openRecord(ada, ref);
  const change = ada.getByTestId('history-change').filter({ hasText: secret });
  await change.getByTestId('redact').click();
  await expect(change.getByTestId('redact-confirm')).toBeVisible();
  await change.getByTestId('redact-confirm').click();
  const adaHistory = ada.getByTestId('history');
  await expect(adaHistory).toContainText('redacted by Ada at');
  await expect(adaHistory).not.toContainText('555-0101');
  await expect(ada.getByTestId('note-entry')).toContainText('(redacted)');
  await expect(ada.getByTestId('history-entry')).toHaveCount(3);

  // The next file carries only the redacted form; Bea's copy loses the text too.
  const file = await exportFile(ada);
  const text = readFileSync(file, 'utf8');
  expect(text).not.toContain('555-0101');
  expect(text).toContain('"redacted_note"');
  expect(validate(JSON.parse(text)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  await applyFile(bea, file);
  await openRecord(bea, ref);
  const beaHistory = bea.getByTestId('history');
  await expect(beaHistory).toContainText('redacted by Ada at');
  await expect(beaHistory).not.toContainText('555-0101');
  await expect(bea.getByTestId('note-entry')).toContainText('(redacted)');
  await expect(bea.getByTestId('history-entry')).toHaveCount(3);
  expect(await fingerprint(ada)).toBe(await fingerprint(bea));

  // Bea's own export holds no trace of the text either.
  expect(readFileSync(await exportFile(bea), 'utf8')).not.toContain('555-0101');
});
