// Screenshots of the main pages for a look by eye: node shots.mjs <outdir>
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || '/tmp/shots';
const dist = process.env.SERVICEBOOK_DIST || path.join(homedir(), '.cache', 'servicebook', 'dist-servicebook');
const server = spawn(process.execPath, [path.join(here, 'serve.mjs'), dist, '8799'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 800));
const base = 'http://127.0.0.1:8799/servicebook/';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
page.on('pageerror', (e) => console.log('pageerror', String(e)));
try {
  await page.goto(base);
  await page.getByTestId('welcome-name').fill('Dana');
  await page.getByTestId('welcome-submit').click();
  await page.locator('body[data-ready="true"]').waitFor();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('demo-count').fill('200');
  await page.getByTestId('demo-generate').click();
  await page.getByTestId('demo-result').waitFor();
  await page.getByTestId('nav-dashboard').click();
  await page.screenshot({ path: `${out}/dashboard.png`, fullPage: true });
  await page.getByTestId('nav-all').click();
  await page.screenshot({ path: `${out}/menu.png` });
  await page.getByTestId('menu-items').click();
  await page.screenshot({ path: `${out}/items.png` });
  await page.locator('[data-testid="record-row"] td.col-reference a').last().click();
  await page.getByTestId('record-ref').waitFor();
  await page.screenshot({ path: `${out}/item.png`, fullPage: true });
  await page.getByTestId('nav-problems').click();
  await page.locator('[data-testid="record-row"] td.col-reference a').first().click();
  await page.getByTestId('record-ref').waitFor();
  await page.screenshot({ path: `${out}/problem.png`, fullPage: true });
  await page.getByTestId('nav-incidents').click();
  await page.screenshot({ path: `${out}/incidents.png` });
  await page.getByTestId('new-record').click();
  await page.getByTestId('field-title').fill('Payroll repeatedly slow');
  await page.getByTestId('field-service').fill('Pay');
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/new-incident.png`, fullPage: true });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+k');
  await page.getByTestId('search-input').fill('mail');
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${out}/search.png` });
  await page.keyboard.press('Escape');
  await page.getByTestId('nav-calendar').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/calendar.png`, fullPage: true });
} finally {
  await browser.close();
  server.kill();
}
