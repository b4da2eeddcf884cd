// A merge never refuses good edits; what it leaves for a person to decide is listed on the
// Review page (with a count in the header) until someone settles it. Two browsers edit offline
// and swap files: a concurrent edit of a title is a conflict listed there, and "Keep this" on
// the Review page settles it; a change implemented by one person while the other rejected it is
// flagged there and on the change's page, not rolled back.
import { expect, test, type Browser, type Page } from '@playwright/test';
import {
  applyFile,
  createIncident,
  exportFile,
  freshApp,
  newRecord,
  openIncidents,
  save,
  stateBadge,
  transition,
} from './fixtures';

async function twoBrowsers(browser: Browser): Promise<[Page, Page]> {
  const ada = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const bea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await freshApp(ada, 'Ada');
  await freshApp(bea, 'Bea');
  return [ada, bea];
}

/** `to` imports everything `from` holds and applies it. */
async function send(from: Page, to: Page) {
  await applyFile(to, await exportFile(from));
}

async function openRecord(page: Page, list: string, ref: string) {
  await page.getByTestId(list).click();
  await expect(page.getByTestId('list-count')).toBeVisible();
  await page.locator(`[data-testid="record-row"][data-ref="${ref}"] td.col-reference a`).click();
  await expect(page.getByTestId('record-ref')).toContainText(ref);
}

test('a conflicting edit is listed on the Review page until "Keep this" there settles it', async ({ browser }) => {
  const [ada, bea] = await twoBrowsers(browser);
  const ref = (await createIncident(ada, { title: 'VPN drops hourly', service: 'VPN', impact: 'low', urgency: 'low' })).split(' ')[0];
  await send(ada, bea);

  // Nothing to review yet, and no count in the header.
  await ada.getByTestId('nav-review').click();
  await expect(ada.getByTestId('review-empty')).toHaveText('Nothing to review: no conflicts, no records breaking their lifecycle.');
  await expect(ada.getByTestId('nav-review-count')).toHaveCount(0);

  for (const [page, title] of [[ada, 'VPN drops every hour'], [bea, 'VPN drops hourly for remote staff']] as const) {
    await openRecord(page, 'nav-incidents', ref);
    await page.getByTestId('edit-record').click();
    await page.getByTestId('field-title').fill(title);
    await page.getByTestId('form-submit').click();
    await expect(page.getByTestId('record-title')).toHaveText(title);
  }
  await send(bea, ada);

  await expect(ada.getByTestId('nav-review-count')).toHaveText('1');
  await ada.getByTestId('nav-review').click();
  const item = ada.getByTestId('review-item');
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('data-ref', ref);
  await expect(item).toContainText('Incident');
  await expect(item.getByTestId('conflict-field')).toContainText('Title');
  await expect(item).toContainText('VPN drops every hour');
  await expect(item).toContainText('VPN drops hourly for remote staff');
  // The link leads to the record.
  await expect(item.getByTestId('review-link')).toHaveAttribute('href', /\/servicebook\/incidents\/[0-9a-f-]+$/);

  await item.locator('.conflict-value', { hasText: 'VPN drops hourly for remote staff' }).getByTestId('keep-value').click();
  await expect(ada.getByTestId('review-item')).toHaveCount(0);
  await expect(ada.getByTestId('review-empty')).toBeVisible();
  await expect(ada.getByTestId('nav-review-count')).toHaveCount(0);
  await openIncidents(ada);
  await expect(ada.locator(`[data-testid="record-row"][data-ref="${ref}"]`)).toContainText('VPN drops hourly for remote staff');
});

test('a change implemented while a teammate rejected it is flagged for review, not rolled back', async ({ browser }) => {
  const [ada, bea] = await twoBrowsers(browser);
  await newRecord(ada, 'changes');
  await ada.getByTestId('field-title').fill('Upgrade the mail relay');
  await ada.getByTestId('field-change_type').selectOption('normal');
  await ada.getByTestId('field-reason').fill('Security fixes');
  const ref = (await save(ada, 'CHG')).split(' ')[0];
  await transition(ada, 'assessing');
  await expect(stateBadge(ada)).toContainText('Assessing');
  await send(ada, bea);

  // Offline: Ada approves, Bea rejects, then Ada (not having seen the rejection) implements.
  await openRecord(ada, 'nav-changes', ref);
  await transition(ada, 'approved', {
    risk: 'low',
    impact_assessment: 'One relay at a time',
    approver: 'Grace',
    approval_date: '2026-11-20',
  });
  await expect(stateBadge(ada)).toContainText('Approved');
  await openRecord(bea, 'nav-changes', ref);
  await transition(bea, 'rejected', { approver: 'Linus', approval_date: '2026-11-21' });
  await expect(stateBadge(bea)).toContainText('Rejected');
  await transition(ada, 'implementing');
  await expect(stateBadge(ada)).toContainText('Implementing');
  await send(bea, ada);

  // The merge keeps every edit: the change stays implementing, its decision says rejected.
  await expect(ada.getByTestId('nav-review-count')).toHaveText('1');
  await ada.getByTestId('nav-review').click();
  const item = ada.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-ref', ref);
  await expect(item).toContainText('Change');
  await expect(item.getByTestId('review-finding')).toHaveText(
    'Implementing, but Approval decision is “Rejected”: A normal change cannot be implemented before it is approved.',
  );

  await item.getByTestId('review-link').click();
  await expect(ada.getByTestId('record-ref')).toContainText(ref);
  await expect(stateBadge(ada)).toContainText('Implementing');
  const flag = ada.getByTestId('review-flag');
  await expect(flag).toContainText('Flagged for review');
  await expect(flag).toContainText('A normal change cannot be implemented before it is approved.');

  // Keeping the approval settles the decision; the flag goes, on the page and in the review.
  await ada.locator('[data-testid="conflict-field"][data-field="approval_decision"] .conflict-value', { hasText: 'Approved' }).getByTestId('keep-value').click();
  await expect(ada.getByTestId('review-flag')).toHaveCount(0);
  await ada.getByTestId('nav-review').click();
  await expect(ada.getByTestId('review-item').getByTestId('review-finding')).toHaveCount(0);
});
