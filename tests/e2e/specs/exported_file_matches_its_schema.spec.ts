// The file the app exports follows the published JSON Schema (public/exchange.schema.json),
// and so does the corpus' valid file.
import { expect, test } from '@playwright/test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addSampleData, freshApp } from './fixtures';

const root = path.resolve(__dirname, '../../..');
const schema = JSON.parse(readFileSync(path.join(root, 'public', 'exchange.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

test('an exported file and the corpus valid file follow the schema', async ({ page }) => {
  await freshApp(page);
  await addSampleData(page, 20);
  await page.getByTestId('nav-exchange').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
  const exported = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8'));
  expect(exported.change_sets.length).toBeGreaterThan(80);
  expect(validate(exported), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);

  const corpusFile = JSON.parse(readFileSync(path.join(root, 'tests', 'corpus', 'valid_with_markup.json'), 'utf8'));
  expect(validate(corpusFile), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  // A newer minor version's file, with kinds, fields, value types and operations this
  // release does not know, is valid too: they are kept and passed on.
  const newer = JSON.parse(
    readFileSync(path.join(root, 'tests', 'corpus', 'newer_minor_version_with_unknown_content.json'), 'utf8'),
  );
  expect(validate(newer), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  // And the schema does say something: a change set without edits is not valid.
  const broken = structuredClone(exported);
  broken.change_sets[0].edits = [];
  expect(validate(broken)).toBe(false);
  // Nor is a change set with a member the format does not have, or a malformed known value.
  const extra = structuredClone(exported);
  extra.change_sets[0].signature = 'added by hand';
  expect(validate(extra)).toBe(false);
  const malformed = structuredClone(exported);
  malformed.change_sets[0].edits[0].op = { set: { number: 'many' } };
  expect(validate(malformed)).toBe(false);
});
