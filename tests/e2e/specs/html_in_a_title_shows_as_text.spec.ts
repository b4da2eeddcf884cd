// Markup typed into a field is shown as text, never run, on the record page and in the list.
import { expect, test, type ConsoleMessage } from '@playwright/test';
import { createIncident, freshApp, openIncidents } from './fixtures';

const HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

test('HTML in a title shows as text and runs nothing', async ({ page }) => {
  const cspConsole: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(msg.text())) cspConsole.push(msg.text());
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });

  await freshApp(page);
  const ref = await createIncident(page, { title: HOSTILE, service: 'Web', impact: 'low', urgency: 'low' });

  const title = page.getByTestId('record-title');
  await expect(title).toBeVisible();
  expect((await title.textContent())?.trim()).toBe(HOSTILE);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);

  await openIncidents(page);
  const row = page.locator(`[data-testid="record-row"][data-ref="${ref}"]`);
  await expect(row).toHaveCount(1);
  expect(await row.textContent()).toContain(HOSTILE);
  expect(await page.locator('img[src="x"]').count()).toBe(0);

  // Give an injected onerror handler a moment to fire if it existed.
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(cspConsole).toEqual([]);
  expect(pageErrors).toEqual([]);
});
