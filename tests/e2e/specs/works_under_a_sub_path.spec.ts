// The app is hosted under /servicebook/ (as on GitHub Pages): links stay under it, and deep
// links and reloads work through the host's 404.html fallback.
import { expect, test, type Page } from '@playwright/test';
import { createIncident, freshApp, waitReady } from './fixtures';

const BASE = '/servicebook/';

async function expectLinksUnderBase(page: Page) {
  const hrefs = await page.locator('a[href]').evaluateAll((links) =>
    links.map((a) => (a as HTMLAnchorElement).href),
  );
  const origin = new URL(page.url()).origin;
  const outside = hrefs.filter((h) => h.startsWith(origin) && !new URL(h).pathname.startsWith(BASE));
  expect(outside, 'same-site links outside /servicebook/').toEqual([]);
}

test('the app works under /servicebook/ with deep links and reloads', async ({ page }) => {
  await freshApp(page);
  expect(new URL(page.url()).pathname.startsWith(BASE)).toBe(true);
  await expectLinksUnderBase(page);

  for (const [nav, path] of [
    ['nav-incidents', /\/servicebook\/incidents\/?$/],
    ['nav-settings', /\/servicebook\/settings\/?$/],
    ['nav-dashboard', /\/servicebook\/?$/],
  ] as const) {
    await page.getByTestId(nav).click();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(path);
    await expectLinksUnderBase(page);
  }

  const ref = await createIncident(page, { title: 'VPN drops every hour', service: 'VPN', impact: 'medium', urgency: 'medium' });
  const recordUrl = page.url();
  expect(new URL(recordUrl).pathname.startsWith(BASE)).toBe(true);
  await expectLinksUnderBase(page);

  // Reload on the record page: served through 404.html, the app routes to the record.
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('record-ref')).toHaveText(new RegExp(`^\\s*${ref}`));
  await expect(page.getByTestId('record-title')).toHaveText('VPN drops every hour');

  // A deep link loaded directly.
  const response = await page.goto('incidents');
  expect(response?.status(), 'the host answers an unknown path with 404.html').toBe(404);
  await waitReady(page);
  await expect(page.getByTestId('list-count')).toHaveText(/\b1 incident\b/);
  await expect(page.locator(`[data-testid="record-row"][data-ref="${ref}"]`)).toHaveCount(1);
  await expectLinksUnderBase(page);
});
