// What the scripts that compare builds in turns share (import-ab.mjs, start-ab.mjs): one static
// server per build, on its own port and so its own origin (its own IndexedDB), one headless
// Chromium, and a started app per build.
//
// Environment: DISTS (builds made for /servicebook/, comma-separated), BENCH_PORT (one port
// per build from there), CHROMIUM (default /usr/bin/chromium).

import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Long enough for any step at 50,000 records. */
export const LONG = 10 * 60 * 1000;

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Serves every build of DISTS (ports from BENCH_PORT, else `defaultPort`) and launches the
 * browser. `started(i, member, options)` opens build `i` in a new context and gives the
 * first start's name; `close()` ends it all.
 */
export async function builds(defaultPort) {
  const dists = (process.env.DISTS || '').split(',').filter(Boolean);
  if (!dists.length) throw new Error('DISTS: the builds to compare, comma-separated');
  const port = Number(process.env.BENCH_PORT || defaultPort);
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
  const close = async () => {
    await browser.close();
    for (const server of servers) server.kill();
  };
  const started = async (i, member, options = {}) => {
    const context = await browser.newContext({ baseURL: base(i), ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(LONG);
    page.on('pageerror', (e) => console.log('page error:', String(e)));
    await page.goto(base(i));
    await page.getByTestId('welcome-name').fill(member);
    await page.getByTestId('welcome-submit').click();
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
    return { context, page };
  };
  // The servers take a moment to listen.
  await new Promise((r) => setTimeout(r, 1500));
  return { dists, base, started, close };
}
