// Start-up speed of two or more builds, measured in turns (A, B, A, B, ...) on the same data,
// so that the noise of this machine falls on all of them alike. Each build gets its own origin
// holding N demo incidents; then each round reloads every build once and reads the app's own
// probes: the database asked for and open (ms since navigation), the start-up read of the
// records (`data-load-ms`) and the records loaded (ms since navigation). Prints every start
// and the medians.
//
//   DISTS=/tmp/dist-a,/tmp/dist-b node tests/e2e/start-ab.mjs
//
// Environment: DISTS (builds made for /servicebook/, comma-separated), N (default 50000),
// ROUNDS (default 7), BENCH_PORT (default 8805, one port per build from there), CHROMIUM
// (default /usr/bin/chromium). A figure, not a test: it never fails on speed.

import { builds, median } from './ab.mjs';

const n = Number(process.env.N || 50000);
const rounds = Number(process.env.ROUNDS || 7);
const { dists, base, started, close } = await builds(8805);

try {
  const pages = [];
  for (let i = 0; i < dists.length; i++) {
    const { page } = await started(i, 'Bench');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('demo-count').fill(String(n));
    await page.getByTestId('demo-generate').click();
    await page.getByTestId('demo-result').waitFor();
    // Let the work the app does after a bulk write (indexes, an export's body) finish.
    await page.waitForTimeout(15_000);
    pages.push(page);
  }
  const figures = dists.map(() => ({ open: [], load: [], loaded: [] }));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < dists.length; i++) {
      const page = pages[i];
      await page.goto(base(i));
      await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
      const attr = async (name) => Number(await page.locator('body').getAttribute(name));
      const f = figures[i];
      f.open.push((await attr('data-opened-at')) - (await attr('data-open-at')));
      f.load.push(await attr('data-load-ms'));
      f.loaded.push(await attr('data-loaded-at'));
      await page.waitForTimeout(2_000);
    }
  }
  for (let i = 0; i < dists.length; i++) {
    const f = figures[i];
    console.log(`${dists[i]}:`);
    console.log(`  open (ms):           ${f.open.map(Math.round).join(' ')}  median ${Math.round(median(f.open))}`);
    console.log(`  load (data-load-ms): ${f.load.map(Math.round).join(' ')}  median ${Math.round(median(f.load))}`);
    console.log(`  records loaded at:   ${f.loaded.map(Math.round).join(' ')}  median ${Math.round(median(f.loaded))}`);
  }
} finally {
  await close();
}
