// CPU profiles of the app in headless Chromium, at N incidents: where the time goes.
//
//   SERVICEBOOK_DIST=<a build keeping names> node tests/e2e/profile.mjs
//
// It writes N incidents through Settings > demo data, then profiles (PROFILE, default all of
// "ahead,start,open,export,import"):
//   ahead   the export body kept ahead of exports, written after the demo data (page thread);
//   start   a reload of the incident list, navigation to the first row;
//   open    opening a record from the list;
//   export  a full export (it continues the body kept ahead);
//   import  that file imported into an empty browser: the preview, then the apply.
// For each it prints the functions with the most self time, then the heaviest functions of
// each slice of time (a timeline).
//
// Function names: the release build strips them. Make a build that keeps them (wasm-opt's
// `-g`, passed by scripts/post-build.sh) in another directory:
//   SERVICEBOOK_WASM_OPT_EXTRA=-g trunk build --release --offline --public-url /servicebook/ --dist /tmp/dist-names
// Environment: SERVICEBOOK_DIST, N (default 50000), PROFILE, BENCH_PORT (default 8791),
// CHROMIUM (default /usr/bin/chromium), CALLERS_OF (functions whose self time to split by
// caller, e.g. `malloc,realloc`). Profiling slows the page: compare profiles with each
// other, and speed with bench.mjs.

import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.SERVICEBOOK_DIST;
if (!dist) throw new Error('SERVICEBOOK_DIST: the build to profile (made for /servicebook/)');
const port = Number(process.env.BENCH_PORT || 8791);
const n = Number(process.env.N || 50000);
const what = (process.env.PROFILE || 'ahead,start,open,export,import').split(',');
const base = `http://127.0.0.1:${port}/servicebook/`;
const LONG = 10 * 60 * 1000;

// ---- reading a profile ----------------------------------------------------------------------

const frameName = (f) => `${f.functionName || `(anonymous:${f.lineNumber + 1}:${f.columnNumber + 1})`}${f.url ? ` ${path.basename(f.url)}` : ''}`;

/** Milliseconds of self time per function, largest first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const key = frameName(byId.get(id).callFrame);
    self.set(key, (self.get(key) || 0) + (profile.timeDeltas[i] || 0) / 1000);
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]);
}

function summary(title, profile, top = 30) {
  const times = selfTimes(profile);
  const total = times.reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`\n== ${title}: ${total.toFixed(0)} ms sampled`);
  for (const [name, ms] of times.slice(0, top)) console.log(`${ms.toFixed(1).padStart(8)}  ${name.slice(0, 160)}`);
  callers(profile);
}

/**
 * For each function whose name contains one of CALLERS_OF (comma-separated, e.g. `malloc`):
 * its self time split by the chain of functions that called it (CALLER_DEPTH of them, default 2:
 * its caller and that one's caller).
 */
function callers(profile, top = 12) {
  const wanted = (process.env.CALLERS_OF || '').split(',').filter(Boolean);
  if (!wanted.length) return;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children || []) parent.set(child, node);
  const name = (node) => (node ? frameName(node.callFrame).slice(0, 110) : '(root)');
  const depth = Number(process.env.CALLER_DEPTH || 2);
  for (const part of wanted) {
    const by = new Map();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      if (!node.callFrame.functionName.includes(part)) return;
      const ms = (profile.timeDeltas[i] || 0) / 1000;
      // The chain of callers, CALLER_DEPTH deep (default 2).
      const chain = [];
      for (let up = parent.get(node.id); chain.length < depth; up = up && parent.get(up.id)) chain.push(name(up));
      const key = chain.join('  <-  ');
      by.set(key, (by.get(key) || 0) + ms);
      total += ms;
    });
    console.log(`-- callers of *${part}*: ${total.toFixed(0)} ms`);
    for (const [key, ms] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${ms.toFixed(1).padStart(8)}  ${key}`);
    }
  }
}

/** Per slice of `slice` ms: the busy time and the three heaviest functions (idle left out). */
function timeline(profile, slice) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const slices = new Map();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)') return;
    const at = Math.floor((t - profile.startTime) / (slice * 1000));
    if (!slices.has(at)) slices.set(at, new Map());
    const names = slices.get(at);
    const name = (f.functionName || '(anonymous)').slice(0, 80);
    names.set(name, (names.get(name) || 0) + profile.timeDeltas[i] / 1000);
  });
  console.log(`-- timeline, ${slice} ms slices: busy ms, heaviest functions`);
  for (const [at, names] of [...slices.entries()].sort((a, b) => a[0] - b[0])) {
    const busy = [...names.values()].reduce((a, b) => a + b, 0);
    const heaviest = [...names.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    console.log(`${String(at * slice).padStart(6)}  ${busy.toFixed(1).padStart(5)}  ${heaviest.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' | ')}`);
  }
}

async function profiled(cdp, run) {
  await cdp.send('Profiler.start');
  await run();
  return (await cdp.send('Profiler.stop')).profile;
}

async function newProfiledPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(LONG);
  page.on('pageerror', (e) => console.log('page error:', String(e)));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  return { page, cdp };
}

const ready = (page) => page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });

async function welcome(page, name) {
  await page.goto(base);
  await page.getByTestId('welcome-name').fill(name);
  await page.getByTestId('welcome-submit').click();
  await ready(page);
}

// ---- the run --------------------------------------------------------------------------------

const server = spawn(process.execPath, [path.join(here, 'serve.mjs'), dist, String(port)], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, BASE_PATH: '/servicebook/' },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  await new Promise((r) => setTimeout(r, 1500));
  const context = await browser.newContext({ baseURL: base, acceptDownloads: true });
  const { page, cdp } = await newProfiledPage(context);
  await welcome(page, 'Profile');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('demo-count').fill(String(n));
  await page.getByTestId('demo-generate').click();
  await page.locator('[data-testid="demo-result"][data-write-ms]').waitFor({ state: 'attached' });
  const firstRow = () => page.getByTestId('record-row').first().waitFor();

  if (what.includes('ahead')) {
    // The export body the app keeps ahead of exports, written once the demo data is stored:
    // what it costs the page's thread (most of it is the digest worker's, not profiled here).
    const profile = await profiled(cdp, async () => {
      await page.locator('body[data-export-kept-ahead]').waitFor({ state: 'attached', timeout: LONG });
    });
    summary('export body kept ahead (page thread)', profile, 15);
    timeline(profile, 50);
  }

  if (what.includes('start')) {
    await page.goto('incidents');
    await firstRow();
    const profile = await profiled(cdp, async () => {
      await page.goto('incidents');
      await firstRow();
      await ready(page);
    });
    const marks = await page.evaluate(() =>
      ['data-open-at', 'data-opened-at', 'data-loaded-at', 'data-rows-ms', 'data-sort-ms']
        .map((a) => `${a.slice(5)} ${document.body.getAttribute(a)}`)
        .join(', '),
    );
    summary(`start (${marks})`, profile);
    timeline(profile, 25);
  }
  if (what.includes('open')) {
    await page.goto('incidents');
    await firstRow();
    // The record page's module is preloaded after start (src/ui/pages.rs).
    await page.locator('body[data-pages]').waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    const profile = await profiled(cdp, async () => {
      await page.locator('[data-testid="record-row"] td.col-reference a').first().click();
      await page.getByTestId('record-ref').waitFor();
      await page.waitForTimeout(300);
    });
    summary('open a record', profile, 15);
    timeline(profile, 5);
  }
  if (what.includes('export') || what.includes('import')) {
    await page.getByTestId('nav-exchange').click();
    await page.waitForTimeout(500);
    let file;
    const profile = await profiled(cdp, async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
      file = await download.path();
    });
    if (what.includes('export')) {
      summary('export (continuing the body kept ahead, when it was ready)', profile);
      timeline(profile, 50);
    }
    if (what.includes('import')) {
      const other = await browser.newContext({ baseURL: base });
      const fresh = await newProfiledPage(other);
      await welcome(fresh.page, 'Importer');
      await fresh.page.getByTestId('nav-exchange').click();
      const preview = await profiled(fresh.cdp, async () => {
        await fresh.page.getByTestId('import-files').setInputFiles(file);
        await fresh.page.getByTestId('import-summary').waitFor();
      });
      summary('import preview', preview);
      timeline(preview, 50);
      const apply = await profiled(fresh.cdp, async () => {
        await fresh.page.getByTestId('import-apply').click();
        await fresh.page.getByTestId('import-done').waitFor();
      });
      summary('import apply', apply);
      await other.close();
    }
  }
} finally {
  await browser.close();
  server.kill();
}
