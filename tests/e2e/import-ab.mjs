// Import speed of two or more builds, measured in turns on one exchange file (A, B, A, B, ...),
// so that the noise of this machine falls on all of them alike. Prints each import's preview and
// apply times (the app's own probes: `data-preview-ms`, `data-apply-ms`) and the medians.
//
//   DISTS=/tmp/dist-a,/tmp/dist-b node tests/e2e/import-ab.mjs
//
// Environment: DISTS (builds made for /servicebook/, comma-separated), FILE (the exchange file to
// import; default: made once by the first build from N demo incidents and kept at
// /tmp/servicebook-ab-N.json), N (default 50000), ROUNDS (default 3), BENCH_PORT (default
// 8795, one port per build from there), CHROMIUM (default /usr/bin/chromium), PROBES (set: also
// print each import's probes, `data-preview-*` and `data-apply-*`, the parts of its time).
// A figure, not a test: it never fails on speed.

import { existsSync } from 'node:fs';
import { builds, median } from './ab.mjs';

const n = Number(process.env.N || 50000);
const rounds = Number(process.env.ROUNDS || 3);
const file = process.env.FILE || `/tmp/servicebook-ab-${n}.json`;
const { dists, started, close } = await builds(8795);

try {
  if (!existsSync(file)) {
    const { context, page } = await started(0, 'Importer', { acceptDownloads: true });
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('demo-count').fill(String(n));
    await page.getByTestId('demo-generate').click();
    await page.locator('[data-testid="demo-result"][data-write-ms]').waitFor({ state: 'attached' });
    await page.getByTestId('nav-exchange').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
    await download.saveAs(file);
    await context.close();
    console.log(`wrote ${file}`);
  }
  const times = dists.map(() => ({ preview: [], apply: [] }));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < dists.length; i++) {
      const { context, page } = await started(i, 'Importer');
      await page.getByTestId('nav-exchange').click();
      await page.getByTestId('import-files').setInputFiles(file);
      await page.locator('[data-testid="import-summary"], [data-testid="import-error"]').first().waitFor();
      if (await page.getByTestId('import-error').count()) {
        throw new Error(`${dists[i]}: import refused: ${await page.getByTestId('import-error').first().textContent()}`);
      }
      const preview = Number(await page.locator('body').getAttribute('data-preview-ms'));
      await page.getByTestId('import-apply').click();
      await page.getByTestId('import-done').waitFor();
      const apply = Number(await page.locator('body').getAttribute('data-apply-ms'));
      const probes = await page.evaluate(() =>
        [...document.body.attributes].filter((a) => /^data-(apply|preview)/.test(a.name)).map((a) => `${a.name.slice(5)}=${a.value}`).join(' '),
      );
      if (process.env.PROBES) console.log(`  ${probes}`);
      times[i].preview.push(preview);
      times[i].apply.push(apply);
      console.log(`round ${round + 1} ${dists[i]}: preview ${preview.toFixed(0)} ms, apply ${apply.toFixed(0)} ms`);
      await context.close();
    }
  }
  for (let i = 0; i < dists.length; i++) {
    const { preview, apply } = times[i];
    console.log(
      `${dists[i]}: median preview ${median(preview).toFixed(0)} ms, apply ${median(apply).toFixed(0)} ms, ` +
        `sum of medians ${(median(preview) + median(apply)).toFixed(0)} ms`,
    );
  }
} finally {
  await close();
}
