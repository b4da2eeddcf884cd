// End-to-end tests of the release build, hosted under /servicebook/ as on GitHub Pages.
//
// Run through scripts/test (which builds first), or here with `npx playwright test` once a
// build exists in $SERVICEBOOK_DIST (default ~/.cache/servicebook/dist-servicebook).
// The browser is Debian's Chromium: Playwright cannot download its own on these machines.
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const dist = path.resolve(
  process.env.SERVICEBOOK_DIST ||
    path.join(process.env.SERVICEBOOK_CACHE || path.join(homedir(), '.cache', 'servicebook'), 'dist-servicebook'),
);
if (!existsSync(path.join(dist, 'index.html'))) {
  throw new Error(`No build at ${dist}: run scripts/test, or trunk build --release --public-url /servicebook/ --dist ${dist}`);
}
const port = Number(process.env.E2E_PORT || 8765);
const basePath = '/servicebook/';
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: './specs',
  // Two cores: one browser at a time keeps timings steady.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}${basePath}`,
    headless: true,
    testIdAttribute: 'data-testid',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: chromium, args: chromiumArgs },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'node serve.mjs',
    url: `http://127.0.0.1:${port}${basePath}`,
    env: { SERVICEBOOK_DIST: dist, PORT: String(port), BASE_PATH: basePath, HOST: '127.0.0.1' },
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
