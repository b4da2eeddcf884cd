// Benchmark of the app's own store against plain-IndexedDB floors, in headless Chromium.
//
//   node tests/e2e/bench.mjs            (scripts/bench builds the release first)
//
// For each size N (BENCH_SIZES, default "1000 50000"), in a fresh browser context:
//   1. app write: Settings > demo data generates N incidents (creation, two state changes and a
//      work note each); the app reports its store's write time in demo-result[data-write-ms].
//   2. app load: reload; the app reports its start-up read of current records in body[data-load-ms].
//   3. list: from navigation start to the first incident row (with the app's milestones on the
//      way: database asked for, open, records loaded; rows prepared and sorted), and from a key
//      typed in the search box to the list count changing (all measured inside the page).
//   4. floors, in plain JavaScript on a separate database: N ticket-like records (~320 bytes)
//      put one value per record in one read-write transaction, then getAll; and the same records
//      as JSON strings in values of 1,000 records: write, then read + JSON.parse.
//   5. per keystroke (issue 4): typing "mail" into the list filter, and "mail relay" into the
//      Ctrl+K search, each key from keydown to the last DOM change it caused (two frames later);
//      and opening five record pages from the list (median and max), from the click event to the first frame painted
//      with the record page in it.
//   6. sync: export everything, timed from the click to the download starting and to the file saved
//      (twice: the second continues the first's kept body; the first continues the body the app
//      keeps ahead of exports, where it had the time: the export made right after step 1 says
//      what an export costs when it has not); preview a
//      one-record file against the N held; import the full file into an empty browser
//      (preview, then apply).
// Then the size of the .wasm and .js files of the build, raw and gzipped: what the first screen
// needs (the incident list, opened in a fresh browser with every page's module refused; the
// dashboard and a record page add their modules, as the pages' loader lists them), and all
// files.
//
// Environment: SERVICEBOOK_DIST (the build, made for /servicebook/), BENCH_SIZES, BENCH_PORT
// (default 8766), CHROMIUM (default /usr/bin/chromium), BENCH_JSON (also write results there).
// Exits 0 unless the app itself fails (a step times out or the page throws).

import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(
  process.env.SERVICEBOOK_DIST ||
    path.join(process.env.SERVICEBOOK_CACHE || path.join(homedir(), '.cache', 'servicebook'), 'dist-servicebook'),
);
const sizes = (process.env.BENCH_SIZES || '1000 50000').split(/[\s,]+/).filter(Boolean).map(Number);
const port = Number(process.env.BENCH_PORT || 8766);
const base = `http://127.0.0.1:${port}/servicebook/`;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Extra flags for experiments, e.g. BENCH_CHROME_ARGS="--js-flags=--no-wasm-dynamic-tiering".
  ...(process.env.BENCH_CHROME_ARGS || '').split(' ').filter(Boolean),
];
const TEN_MINUTES = 10 * 60 * 1000;

const log = (...a) => console.log(...a);

// ---- static server ------------------------------------------------------------------------

async function startServer() {
  const child = spawn(process.execPath, [path.join(here, 'serve.mjs'), dist, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BASE_PATH: '/servicebook/' },
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve.mjs exited with ${child.exitCode}`);
    try {
      const res = await fetch(base);
      if (res.ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('serve.mjs did not start');
}

// ---- the app ------------------------------------------------------------------------------

// Records, in the page, when the first incident row appears (ms since navigation start) and
// how long a key typed into the search box takes to change the list count.
function pageProbes() {
  const w = window;
  w.__bench = { firstRowMs: null, allRowsMs: null, keyAt: null, filteredMs: null, countBefore: null };
  const check = () => {
    const b = w.__bench;
    const row = document.querySelector('[data-testid="record-row"]');
    if (b.firstRowMs === null && row) {
      b.firstRowMs = performance.now();
    }
    // Every record read and listed: rows shown, no longer only the newest.
    if (b.allRowsMs === null && row && document.body.dataset.ready === 'true'
        && !document.querySelector('[data-testid="list-loading"]')) {
      b.allRowsMs = performance.now();
    }
    if (b.keyAt !== null && b.filteredMs === null) {
      const count = document.querySelector('[data-testid="list-count"]');
      if (count && count.textContent !== b.countBefore) b.filteredMs = performance.now() - b.keyAt;
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  document.addEventListener(
    'keydown',
    (e) => {
      const t = e.target;
      if (t && t.getAttribute && t.getAttribute('data-testid') === 'list-search' && w.__bench.keyAt === null) {
        const count = document.querySelector('[data-testid="list-count"]');
        w.__bench.countBefore = count ? count.textContent : null;
        w.__bench.keyAt = performance.now();
      }
    },
    true,
  );
}

// Installed in the page: the time of the latest keydown and of the latest DOM change.
function keystrokeProbe() {
  const w = window;
  w.__keys = { keyAt: null, changedAt: null };
  new MutationObserver(() => {
    w.__keys.changedAt = performance.now();
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  document.addEventListener('keydown', () => {
    w.__keys.keyAt = performance.now();
    w.__keys.changedAt = null;
  }, true);
}

// Types `text` one key at a time into the focused element; for each key, the time from
// keydown to the last DOM change it caused (0 when it changed nothing), in ms.
async function perKeystroke(page, text) {
  const times = [];
  for (const ch of text) {
    await page.keyboard.press(ch === ' ' ? 'Space' : ch);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    times.push(await page.evaluate(() => {
      const k = window.__keys;
      return k.changedAt === null ? 0 : k.changedAt - k.keyAt;
    }));
  }
  return times;
}

const stats = (xs) => (xs && xs.length ? { max: Math.max(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length } : null);

async function waitReady(page, timeout) {
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout });
}

async function appRun(browser, n) {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.addInitScript(pageProbes);
  page.setDefaultTimeout(60_000);
  const r = { n };
  try {
    // 1. Write N incidents through the app's demo data generator.
    await page.goto(base);
    await page.getByTestId('welcome-name').fill('Bench Mark');
    await page.getByTestId('welcome-submit').click();
    await waitReady(page, 60_000);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('demo-count').fill(String(n));
    await page.getByTestId('demo-generate').click();
    const result = page.locator('[data-testid="demo-result"][data-write-ms]');
    await result.waitFor({ state: 'attached', timeout: TEN_MINUTES });
    r.appWriteMs = Number(await result.getAttribute('data-write-ms'));
    r.appCount = Number(await result.getAttribute('data-count'));
    // An export at once: the body the app keeps ahead of exports is still being written (in
    // the digest worker), so the export waits for it to be put together, then is written from
    // it (or, if it was kept meanwhile, continues it).
    if (process.env.BENCH_SYNC !== '0') {
      await page.getByTestId('nav-exchange').click();
      const t = Date.now();
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: TEN_MINUTES }).then((d) => {
          r.exportAtOnceMs = Date.now() - t;
          return d;
        }),
        page.getByTestId('export-all').click(),
      ]);
      await download.path();
      r.exportAtOnceInHand = Number((await page.locator('body').getAttribute('data-export-in-hand')) ?? 0);
      r.exportAtOnceReadMs = Number(await page.locator('body').getAttribute('data-export-read-ms'));
      r.exportAtOnceWriteMs = Number(await page.locator('body').getAttribute('data-export-ms'));
    }

    // 2. Start-up read of the current records.
    const t0 = Date.now();
    await page.goto(base);
    await waitReady(page, TEN_MINUTES);
    r.readyOutsideMs = Date.now() - t0;
    r.appLoadMs = Number(await page.locator('body').getAttribute('data-load-ms'));
    r.memoryMb = Number(await page.locator('body').getAttribute('data-memory-mb'));

    // 3. The list: navigation start to first row, then a key to the filtered count.
    const t1 = Date.now();
    await page.goto('incidents');
    await page.getByTestId('record-row').first().waitFor({ state: 'visible', timeout: TEN_MINUTES });
    r.firstRowOutsideMs = Date.now() - t1;
    r.firstRowMs = await page.evaluate(() => window.__bench.firstRowMs);
    // The first rows may be the newest records only, shown while the rest are read.
    await page.waitForFunction(() => window.__bench.allRowsMs !== null, null, { timeout: TEN_MINUTES });
    r.allRowsMs = await page.evaluate(() => window.__bench.allRowsMs);
    // Where that time went: the app's own milestones, in ms since navigation, and the list's
    // preparation of its rows and their order.
    const attr = async (name) => Number(await page.locator('body').getAttribute(name));
    r.openAt = await attr('data-open-at');
    r.openedAt = await attr('data-opened-at');
    r.loadedAt = await attr('data-loaded-at');
    r.newestAt = await attr('data-newest-at');
    r.rowsMs = await attr('data-rows-ms');
    r.sortMs = await attr('data-sort-ms');
    r.countBefore = ((await page.getByTestId('list-count').textContent()) || '').trim();
    await page.getByTestId('list-search').press(process.env.BENCH_KEY || 'q');
    try {
      await page.waitForFunction(() => window.__bench.filteredMs !== null, null, { timeout: 120_000 });
      r.filterMs = await page.evaluate(() => window.__bench.filteredMs);
      r.countAfter = ((await page.getByTestId('list-count').textContent()) || '').trim();
    } catch {
      r.filterMs = null;
      r.note = 'list count did not change after a key in the search box';
    }

    // 5. Keystrokes in the list filter, opening a record, keystrokes in Ctrl+K search.
    await page.evaluate(keystrokeProbe);
    await page.getByTestId('list-search').fill('');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.getByTestId('list-search').focus();
    r.filterKeys = stats(await perKeystroke(page, 'mail'));
    r.filterComputeMs = Number(await page.locator('body').getAttribute('data-filter-ms'));
    // Timed from the click event itself (Playwright's own work before it dispatches the
    // click, scrolling and waiting for two stable frames, is not the app's) to the first frame
    // painted with the record page in it. Five records, back to the list between them.
    const opens = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) {
        await page.goBack();
        await page.getByTestId('record-row').first().waitFor({ state: 'visible' });
        await page.waitForTimeout(300);
      }
      await page.evaluate(() => {
        const open = { at: null, paintedAt: null };
        window.__open = open;
        document.addEventListener('click', () => { open.at = performance.now(); }, { capture: true, once: true });
        new MutationObserver((_, obs) => {
          if (document.querySelector('[data-testid="record-ref"]')) {
            obs.disconnect();
            requestAnimationFrame(() => setTimeout(() => { open.paintedAt = performance.now(); }, 0));
          }
        }).observe(document.body, { subtree: true, childList: true });
      });
      await page.locator('[data-testid="record-row"] td.col-reference a').nth(i).click();
      await page.waitForFunction(() => window.__open.paintedAt !== null);
      opens.push(await page.evaluate(() => window.__open.paintedAt - window.__open.at));
    }
    opens.sort((a, b) => a - b);
    r.openRecordMs = opens[Math.floor(opens.length / 2)];
    // When the pages' modules (record page included) had all arrived, since the list's start.
    r.pagesAt = Number(await page.locator('body').getAttribute('data-pages-at')) || null;
    r.openRecordMaxMs = opens[opens.length - 1];
    await page.keyboard.press('Control+k');
    await page.getByTestId('search-input').waitFor({ state: 'visible' });
    r.searchKeys = stats(await perKeystroke(page, 'mail relay'));
    r.searchFindMs = Number(await page.locator('body').getAttribute('data-search-ms'));
    await page.keyboard.press('Escape');

    // 6. Export everything, then import the file into an empty browser: preview, then apply.
    if (process.env.BENCH_SYNC !== '0') {
      await page.getByTestId('nav-exchange').click();
      const t2 = Date.now();
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: TEN_MINUTES }).then((d) => {
          r.exportStartedMs = Date.now() - t2;
          return d;
        }),
        page.getByTestId('export-all').click(),
      ]);
      const file = await download.path();
      r.exportOutsideMs = Date.now() - t2;
      r.exportWriteMs = Number(await page.locator('body').getAttribute('data-export-ms'));
      r.exportReadMs = Number(await page.locator('body').getAttribute('data-export-read-ms'));
      r.exportDownloadMs = Number(await page.locator('body').getAttribute('data-export-download-ms'));
      r.exportBytes = statSync(file).size;
      r.exportContinued = Number(await page.locator('body').getAttribute('data-export-continued'));
      // Again: the body kept by the first export is continued with what arrived since.
      const t3 = Date.now();
      const [again] = await Promise.all([
        page.waitForEvent('download', { timeout: TEN_MINUTES }).then((d) => {
          r.exportAgainStartedMs = Date.now() - t3;
          return d;
        }),
        page.getByTestId('export-all').click(),
      ]);
      await again.path();
      r.exportAgainMs = Date.now() - t3;
      r.exportAgainContinued = Number(await page.locator('body').getAttribute('data-export-continued'));
      // A small file (a record with the records linked to it) previewed here, against the N
      // incidents held: the everyday import between teammates.
      await page.goto('incidents');
      await page.getByTestId('record-row').first().waitFor({ state: 'visible' });
      await page.locator('[data-testid="record-row"] td.col-reference a').first().click();
      await page.getByTestId('export-record').click();
      const [small] = await Promise.all([
        page.waitForEvent('download', { timeout: TEN_MINUTES }),
        page.getByTestId('export-all').click(),
      ]);
      const smallFile = await small.path();
      await page.getByTestId('import-files').setInputFiles(smallFile);
      await page
        .locator('[data-testid="import-summary"], [data-testid="import-error"]')
        .first()
        .waitFor({ state: 'visible', timeout: TEN_MINUTES });
      r.smallPreviewMs = Number(await page.locator('body').getAttribute('data-preview-ms'));
      const other = await browser.newContext({ baseURL: base });
      const fresh = await other.newPage();
      fresh.setDefaultTimeout(TEN_MINUTES);
      fresh.on('pageerror', (e) => pageErrors.push(`import: ${e}`));
      await fresh.goto(base);
      await fresh.getByTestId('welcome-name').fill('Import Bench');
      await fresh.getByTestId('welcome-submit').click();
      await waitReady(fresh, 60_000);
      await fresh.getByTestId('nav-exchange').click();
      // The Share page's module arrives after the click (src/ui/pages.rs).
      await fresh.getByTestId('import-files').waitFor({ state: 'attached' });
      // The longest gap between two animation frames while the file is read and planned:
      // how long the page could not respond.
      const watchFrames = () =>
        fresh.evaluate(() => {
          // The longest gap between frames: in all, and from the input's change event (the
          // app's own work; before it, the test harness hands the file to the page).
          window.__gap = 0;
          window.__appGap = null;
          let last = performance.now();
          const input = document.querySelector('[data-testid="import-files"]');
          let changedAt = Infinity;
          input.addEventListener('change', () => { window.__appGap = 0; changedAt = performance.now(); }, { capture: true });
          const tick = (t) => {
            window.__gap = Math.max(window.__gap, t - last);
            if (window.__appGap !== null) window.__appGap = Math.max(window.__appGap, t - Math.max(last, changedAt));
            last = t;
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
      await watchFrames();
      await fresh.getByTestId('import-files').setInputFiles(file);
      await fresh
        .locator('[data-testid="import-summary"], [data-testid="import-error"]')
        .first()
        .waitFor({ state: 'visible', timeout: TEN_MINUTES });
      if (await fresh.getByTestId('import-error').count()) {
        throw new Error(`import refused: ${await fresh.getByTestId('import-error').first().textContent()}`);
      }
      r.previewMs = Number(await fresh.locator('body').getAttribute('data-preview-ms'));
      r.previewGapMs = await fresh.evaluate(() => window.__gap);
      r.previewAppGapMs = await fresh.evaluate(() => window.__appGap);
      r.previewReadMs = Number(await fresh.locator('body').getAttribute('data-preview-read-ms'));
      r.previewPlannedMs = Number(await fresh.locator('body').getAttribute('data-preview-planned-ms'));
      r.importNew = Number(await fresh.getByTestId('import-summary').getAttribute('data-new'));
      const applyClicked = await fresh.evaluate(() => performance.now());
      await fresh.getByTestId('import-apply').click();
      await fresh.getByTestId('import-done').waitFor({ state: 'visible', timeout: TEN_MINUTES });
      // The indexes (search, links, review) are built again over several turns after it, and
      // the snapshot of the records, for the next start, is kept in a transaction of its own:
      // from the click to each being in place (n/a when it did not happen within a minute).
      const after = async (attribute) => {
        try {
          await fresh.waitForFunction(([a, t]) => Number(document.body.dataset[a]) > t, [attribute, applyClicked], { timeout: 60_000 });
          return (await fresh.evaluate((a) => Number(document.body.dataset[a]), attribute)) - applyClicked;
        } catch {
          return undefined;
        }
      };
      r.applyIndexedMs = await after('indexedAt');
      r.applySnapshotMs = await after('snapshotKeptAt');
      r.applyMs = Number(await fresh.locator('body').getAttribute('data-apply-ms'));
      r.applyStoreMs = Number(await fresh.locator('body').getAttribute('data-apply-store-ms'));
      r.applyShowMs = Number(await fresh.locator('body').getAttribute('data-apply-show-ms'));
      await other.close();
    }
  } catch (err) {
    r.error = String(err).split('\n')[0];
  }
  if (pageErrors.length) r.pageErrors = pageErrors;

  // 4. Floors, in the same page (same origin, same browser state), on their own database.
  try {
    r.floor = await page.evaluate(floors, n);
  } catch (err) {
    r.floorError = String(err).split('\n')[0];
  }
  await context.close();
  return r;
}

// Runs in the page. Plain IndexedDB, no library.
async function floors(n) {
  const req = (request) =>
    new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const done = (tx) =>
    new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('aborted'));
    });
  const name = `bench-floor-${n}-${Math.random().toString(36).slice(2)}`;
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore('records', { keyPath: 'id' });
    open.result.createObjectStore('batches');
  };
  const db = await req(open);

  const services = ['Email', 'VPN', 'Payroll', 'Web shop', 'Printing', 'Telephony', 'CRM', 'Wi-Fi'];
  const levels = ['high', 'medium', 'low'];
  const states = ['new', 'in_progress', 'on_hold', 'resolved', 'closed'];
  const hex = (i, w) => i.toString(16).padStart(w, '0');
  const records = [];
  const t = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    records.push({
      id: `${hex(t + i, 12)}-${hex(i * 2654435761 >>> 0, 8)}-7a3c-9e1f-${hex(i, 12)}`,
      ref: `INC-${String(i + 1).padStart(6, '0')}`,
      title: `No ${services[i % 8]} at site ${i % 37}`,
      description: `Reported at ${i % 24}:00: timeouts after login.`,
      service: services[i % 8],
      impact: levels[i % 3],
      urgency: levels[(i >> 2) % 3],
      state: states[i % 5],
      assignee: `member-${i % 12}`,
      created: new Date(t + i * 60_000).toISOString(),
      updated: new Date(t + i * 90_000).toISOString(),
    });
  }
  const out = { bytesPerRecord: Math.round(JSON.stringify(records).length / n) };

  let t0 = performance.now();
  let tx = db.transaction('records', 'readwrite');
  const store = tx.objectStore('records');
  for (const r of records) store.put(r);
  await done(tx);
  out.putEachMs = performance.now() - t0;

  t0 = performance.now();
  tx = db.transaction('records', 'readonly');
  const all = await req(tx.objectStore('records').getAll());
  out.getAllMs = performance.now() - t0;
  if (all.length !== n) throw new Error(`getAll read ${all.length} of ${n}`);

  const BATCH = 1000;
  t0 = performance.now();
  tx = db.transaction('batches', 'readwrite');
  const batches = tx.objectStore('batches');
  for (let i = 0; i < n; i += BATCH) batches.put(JSON.stringify(records.slice(i, i + BATCH)), i / BATCH);
  await done(tx);
  out.batchWriteMs = performance.now() - t0;

  t0 = performance.now();
  tx = db.transaction('batches', 'readonly');
  const strings = await req(tx.objectStore('batches').getAll());
  const parsed = [];
  for (const s of strings) for (const r of JSON.parse(s)) parsed.push(r);
  out.batchReadParseMs = performance.now() - t0;
  if (parsed.length !== n) throw new Error(`batched read ${parsed.length} of ${n}`);

  db.close();
  await req(indexedDB.deleteDatabase(name)).catch(() => {});
  return out;
}

// ---- sizes of the build -------------------------------------------------------------------

function buildSizes() {
  const files = [];
  const walk = (dir) => {
    for (const f of readdirSync(path.join(dist, dir))) {
      const rel = dir ? `${dir}/${f}` : f;
      if (statSync(path.join(dist, rel)).isDirectory()) walk(rel);
      else if (/\.(wasm|js)$/.test(f)) {
        const data = readFileSync(path.join(dist, rel));
        files.push({ file: rel, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length });
      }
    }
  };
  walk('');
  return files;
}

/**
 * The .js and .wasm files a fresh browser (member name already given) fetches from navigation
 * to the incident list until it shows, with every page's module refused: the list needs none,
 * and the pages' modules preloaded at start are not part of its first screen.
 */
async function listFirstScreen(browser) {
  const context = await browser.newContext({ baseURL: base });
  try {
    await context.addInitScript(() => localStorage.setItem('servicebook.member', JSON.stringify('Bench Mark')));
    // The pages' loader (__wasm_split.js) is imported by the main module's glue itself.
    await context.route('**/*-pages/*.wasm', (route) => route.abort());
    const page = await context.newPage();
    const fetched = new Set();
    page.on('requestfinished', (request) => {
      const url = new URL(request.url());
      if (/\.(wasm|js)$/.test(url.pathname) && url.pathname.startsWith('/servicebook/')) {
        fetched.add(decodeURIComponent(url.pathname.slice('/servicebook/'.length)));
      }
    });
    await page.goto('incidents');
    await page.getByTestId('list-count').waitFor({ state: 'visible', timeout: 60_000 });
    return [...fetched];
  } finally {
    await context.close();
  }
}

/**
 * The files of one page's module (src/ui/pages.rs): its own and the shared ones it needs, read
 * from the loader that wasm-split-cli wrote.
 */
function pageFiles(split) {
  const dir = readdirSync(dist).find((f) => f.endsWith('-pages'));
  if (!dir) return [];
  const loader = readFileSync(path.join(dist, dir, '__wasm_split.js'), 'utf8');
  const chunks = new Map();
  for (const m of loader.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"/g)) {
    chunks.set(m[1], m[2]);
  }
  const own = new RegExp(
    `export const __wasm_split_load_${split} = wrapAsyncCb\\(makeLoad\\(\\(\\) => \\{\\s*const src = fetch\\(new URL\\("\\./([^"]+)"[\\s\\S]*?\\n, \\[([^\\]]*)\\]`,
  ).exec(loader);
  if (!own) return [];
  const deps = own[2].split(',').map((d) => d.trim()).filter(Boolean).map((d) => chunks.get(d));
  return [`${dir}/${own[1]}`, ...deps.map((f) => `${dir}/${f}`)];
}

// ---- report -------------------------------------------------------------------------------

const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(d));
const ratio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, j) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
      return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

function report(results, files, firstScreens) {
  const head = ['measure (ms unless noted)', ...results.map((r) => `N=${r.n}`)];
  const f = (r) => r.floor || {};
  const line = (label, get, d = 0) => [label, ...results.map((r) => fmt(get(r), d))];
  const rows = [
    head,
    line('app: write N incidents (demo)', (r) => r.appWriteMs),
    line('app: incidents written (data-count)', (r) => r.appCount),
    line('app: load at start (data-load-ms)', (r) => r.appLoadMs),
    line('app: navigation to ready (outside)', (r) => r.readyOutsideMs),
    line('app: WebAssembly memory after the start (MiB)', (r) => r.memoryMb),
    line('app: start, app running (database asked)', (r) => r.openAt),
    line('app: start, database open', (r) => r.openedAt),
    line('app: start, newest records shown', (r) => r.newestAt),
    line('app: start, records loaded', (r) => r.loadedAt),
    line('app: start, pages\' modules preloaded', (r) => r.pagesAt),
    line('app: list rows prepared', (r) => r.rowsMs),
    line('app: list rows sorted', (r) => r.sortMs),
    line('app: navigation to first list row', (r) => r.firstRowMs),
    line('app: navigation to every record listed', (r) => r.allRowsMs),
    line('app: key in search to list count', (r) => r.filterMs),
    line('app: list filter per key, mean', (r) => r.filterKeys?.mean, 1),
    line('app: list filter per key, max', (r) => r.filterKeys?.max, 1),
    line('app: list filter compute (last key)', (r) => r.filterComputeMs, 2),
    line('app: open a record, click to painted, median of 5', (r) => r.openRecordMs, 1),
    line('app: open a record, click to painted, max of 5', (r) => r.openRecordMaxMs, 1),
    line('app: Ctrl+K search per key, mean', (r) => r.searchKeys?.mean, 1),
    line('app: Ctrl+K search per key, max', (r) => r.searchKeys?.max, 1),
    line('app: Ctrl+K index lookup (last key)', (r) => r.searchFindMs, 2),
    line('sync: export right after writing N, click to download started', (r) => r.exportAtOnceMs),
    line('sync: export right after writing N, from the body put together ahead (1 = yes)', (r) => r.exportAtOnceInHand),
    line('sync: export right after writing N, read the store', (r) => r.exportAtOnceReadMs),
    line('sync: export right after writing N, write the file (checksum included)', (r) => r.exportAtOnceWriteMs),
    line('sync: export, read the stored change sets', (r) => r.exportReadMs),
    line('sync: export, write the file text', (r) => r.exportWriteMs),
    line('sync: export, hand the text to the browser', (r) => r.exportDownloadMs),
    line('sync: export, click to download started', (r) => r.exportStartedMs),
    line('sync: export, click to file saved', (r) => r.exportOutsideMs),
    line('sync: export file size (KB)', (r) => (r.exportBytes ? r.exportBytes / 1024 : null)),
    line('sync: export continued a kept body (1 = yes)', (r) => r.exportContinued),
    line('sync: export again, click to download started', (r) => r.exportAgainStartedMs),
    line('sync: export again, click to file saved', (r) => r.exportAgainMs),
    line('sync: import preview of one record\'s file, N held', (r) => r.smallPreviewMs),
    line('sync: export again continued the kept body (1 = yes)', (r) => r.exportAgainContinued),
    line('sync: import preview (read+plan)', (r) => r.previewMs),
    line('sync: import preview, of which reading', (r) => r.previewReadMs),
    line('sync: import preview, reading and planning (then the checksum is awaited)', (r) => r.previewPlannedMs),
    line('sync: import preview, longest frame gap', (r) => r.previewGapMs),
    line('sync: import preview, longest frame gap after the change event', (r) => r.previewAppGapMs),
    line('sync: import apply (one transaction)', (r) => r.applyMs),
    line('sync: import apply, of which the store', (r) => r.applyStoreMs),
    line('sync: import apply, of which showing the records', (r) => r.applyShowMs),
    line('sync: import apply, click to indexes rebuilt (after it, in turns)', (r) => r.applyIndexedMs),
    line('sync: import apply, click to snapshot kept (after it, in turns)', (r) => r.applySnapshotMs),
    line('sync: records new in the import', (r) => r.importNew),
    line('floor: put one value per record', (r) => f(r).putEachMs),
    line('floor: getAll one value per record', (r) => f(r).getAllMs),
    line('floor: write JSON batches of 1,000', (r) => f(r).batchWriteMs),
    line('floor: read + parse JSON batches', (r) => f(r).batchReadParseMs),
    line('floor: bytes per record (JSON)', (r) => f(r).bytesPerRecord),
    ['ratio: app write / put-per-record', ...results.map((r) => ratio(r.appWriteMs, f(r).putEachMs))],
    ['ratio: app load / batched read+parse', ...results.map((r) => ratio(r.appLoadMs, f(r).batchReadParseMs))],
    ['ratio: import (preview+apply) / put-per-record', ...results.map((r) => ratio(r.previewMs + r.applyMs, f(r).putEachMs))],
    ['ratio: import (preview+apply) / batched write', ...results.map((r) => ratio(r.previewMs + r.applyMs, f(r).batchWriteMs))],
  ];
  log(`\nServicebook store benchmark (${new Date().toISOString()}, ${executablePath})\n`);
  log(table(rows));
  for (const r of results) {
    for (const k of ['error', 'floorError', 'note']) if (r[k]) log(`N=${r.n}: ${k}: ${r[k]}`);
    if (r.pageErrors) log(`N=${r.n}: page errors: ${r.pageErrors.join(' | ')}`);
    if (r.countBefore) log(`N=${r.n}: list count "${r.countBefore}" -> "${r.countAfter ?? '?'}"`);
  }
  const sizeRows = [['build file', 'KB', 'gzip KB']];
  const sum = (list) => list.reduce((t, s) => [t[0] + s.bytes, t[1] + s.gzipBytes], [0, 0]);
  const kb = (b) => (b / 1024).toFixed(1);
  const parts = files.filter((s) => s.file.includes('/'));
  for (const s of files.filter((s) => !s.file.includes('/'))) sizeRows.push([s.file, kb(s.bytes), kb(s.gzipBytes)]);
  for (const s of parts.filter((s) => /\/split_/.test(s.file))) sizeRows.push([s.file, kb(s.bytes), kb(s.gzipBytes)]);
  const chunks = parts.filter((s) => !/\/split_/.test(s.file));
  const [chunkRaw, chunkGz] = sum(chunks);
  sizeRows.push([`${chunks.length} other files of the pages (shared code, loader)`, kb(chunkRaw), kb(chunkGz)]);
  for (const [label, fetched] of Object.entries(firstScreens)) {
    const [r, g] = sum(files.filter((s) => fetched.includes(s.file)));
    sizeRows.push([`first screen, ${label} (${fetched.length} files)`, kb(r), kb(g)]);
  }
  const [raw, gz] = sum(files);
  sizeRows.push(['wasm + js, every file', kb(raw), kb(gz)]);
  log(`\n${table(sizeRows)}\n`);
}

// ---- main ---------------------------------------------------------------------------------

let server;
let browser;
let appFailed = false;
try {
  statSync(path.join(dist, 'index.html'));
} catch {
  console.error(`bench: no build at ${dist} (scripts/bench builds it)`);
  process.exit(1);
}
try {
  server = await startServer();
  browser = await chromium.launch({ executablePath, args, headless: true });
  const results = [];
  for (const n of sizes) {
    log(`bench: N=${n} ...`);
    const started = Date.now();
    const r = await appRun(browser, n);
    log(`bench: N=${n} done in ${((Date.now() - started) / 1000).toFixed(0)} s${r.error ? ` (app error: ${r.error})` : ''}`);
    if (r.error || r.pageErrors) appFailed = true;
    results.push(r);
  }
  const files = buildSizes();
  const list = await listFirstScreen(browser);
  const firstScreens = {
    'incident list': list,
    dashboard: [...list, ...pageFiles('dashboard')],
    'incident list, then a record': [...list, ...pageFiles('record')],
  };
  report(results, files, firstScreens);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ results, files, firstScreens }, null, 2));
} catch (err) {
  console.error(`bench: ${err.stack || err}`);
  appFailed = true;
} finally {
  if (browser) await browser.close();
  if (server) server.kill();
}
process.exit(appFailed ? 1 : 0);
