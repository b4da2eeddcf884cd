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

import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dists = (process.env.DISTS || '').split(',').filter(Boolean);
if (!dists.length) throw new Error('DISTS: the builds to compare, comma-separated');
const n = Number(process.env.N || 50000);
const rounds = Number(process.env.ROUNDS || 7);
const port = Number(process.env.BENCH_PORT || 8805);
const LONG = 10 * 60 * 1000;

const servers = dists.map((dist, i) =>
  spawn(process.execPath, [path.join(here, 'serve.mjs'), dist, String(port + i)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BASE_PATH: '/servicebook/' },
  }),
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const base = (i) => `http://127.0.0.1:${port + i}/servicebook/`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await new Promise((r) => setTimeout(r, 500));
  const pages = [];
  for (let i = 0; i < dists.length; i++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base(i));
    await page.getByTestId('welcome-name').fill('Bench');
    await page.getByTestId('welcome-submit').click();
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: LONG });
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('demo-count').fill(String(n));
    await page.getByTestId('demo-generate').click();
    await page.getByTestId('demo-result').waitFor({ timeout: LONG });
    // Let the work the app does after a bulk write (indexes, an export's body) finish.
    await page.waitForTimeout(15_000);
    pages.push(page);
  }
  const figures = dists.map(() => ({ open: [], load: [], loaded: [] }));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < dists.length; i++) {
      const page = pages[i];
      await page.goto(base(i));
      await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: LONG });
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
  await browser.close();
  for (const s of servers) s.kill();
}
