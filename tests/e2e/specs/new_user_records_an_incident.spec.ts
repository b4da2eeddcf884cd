// A new user names themselves, records an incident, finds it again after a reload, takes it
// through its whole lifecycle and keeps a work note.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp, openIncidents, stateBadge, transition, waitReady } from './fixtures';

test('a new user records an incident and works it to closure', async ({ page }) => {
  await freshApp(page);
  // The header names who acts (cut short on narrow screens, whole in its tooltip).
  await expect(page.locator('.member')).toHaveText('Dana Tester');
  await expect(page.locator('.member')).toHaveAttribute('title', 'You act as Dana Tester');

  const title = 'Mail delivery delayed for the sales team';
  const ref = await createIncident(page, {
    title,
    service: 'Email',
    impact: 'high',
    urgency: 'medium',
    description: 'Outbound mail waits 20 minutes in the queue.',
  });
  // The first incident on empty storage.
  expect(ref).toMatch(/^INC-000001\b/);
  await expect(page.getByTestId('record-title')).toHaveText(title);
  // Default matrix: impact high + urgency medium = P2.
  await expect(page.getByTestId('record-priority')).toContainText('P2');
  await expect(stateBadge(page)).toContainText('New');

  // It survives a reload and the list search finds it.
  await page.reload();
  await waitReady(page);
  await openIncidents(page);
  await page.getByTestId('list-search').fill('sales team');
  const rows = page.getByTestId('record-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-ref', 'INC-000001');
  await expect(rows.first()).toContainText(title);
  await expect(page.getByTestId('list-count')).toHaveText(/\b1 incident\b/);

  // The row's reference links to the record.
  await rows.first().getByRole('link', { name: 'INC-000001' }).click();
  await expect(page.getByTestId('record-ref')).toHaveText(/^\s*INC-000001/);

  // New -> In progress -> On hold -> In progress -> Resolved -> Closed.
  await transition(page, 'in_progress');
  await expect(stateBadge(page)).toContainText('In progress');
  await transition(page, 'on_hold');
  await expect(stateBadge(page)).toContainText('On hold');
  await transition(page, 'in_progress');
  await expect(stateBadge(page)).toContainText('In progress');
  await transition(page, 'resolved', { resolution: 'Cleared the stuck relay queue.' });
  await expect(stateBadge(page)).toContainText('Resolved');
  await transition(page, 'closed');
  await expect(stateBadge(page)).toContainText('Closed');

  // The history has the creation and one change set per transition.
  const history = page.getByTestId('history');
  await expect.poll(() => history.getByTestId('history-entry').count()).toBeGreaterThanOrEqual(6);
  const changes = history.getByTestId('history-change');
  for (const label of ['In progress', 'On hold', 'Resolved', 'Closed']) {
    await expect(changes.filter({ hasText: label }).first()).toBeVisible();
  }

  // A work note, kept across a reload.
  const note = 'Informed the sales lead that mail flows again.';
  await page.getByTestId('note-input').fill(note);
  await page.getByTestId('note-submit').click();
  await expect(page.getByTestId('note-entry').filter({ hasText: note })).toHaveCount(1);
  await expect(page.getByTestId('note-input')).toHaveValue('');

  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('record-ref')).toHaveText(/^\s*INC-000001/);
  await expect(page.getByTestId('note-entry').filter({ hasText: note })).toHaveCount(1);
  await expect(stateBadge(page)).toContainText('Closed');
});
