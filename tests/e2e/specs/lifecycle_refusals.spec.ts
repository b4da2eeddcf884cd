// The record page offers only the moves the incident lifecycle allows; a resolution is needed
// to resolve; a closed incident is final.
import { expect, test } from '@playwright/test';
import { createIncident, freshApp, stateBadge, transition, transitionButtons } from './fixtures';

test('only allowed transitions are offered and closed is final', async ({ page }) => {
  await freshApp(page);
  await createIncident(page, { title: 'Printer queue stuck', service: 'Printing', impact: 'low', urgency: 'high' });

  // From New, only "start work".
  await expect(stateBadge(page)).toContainText('New');
  await expect(transitionButtons(page)).toHaveCount(1);
  await expect(page.getByTestId('transition-in_progress')).toBeVisible();

  await transition(page, 'in_progress');
  await expect(stateBadge(page)).toContainText('In progress');
  await expect(page.getByTestId('transition-closed')).toHaveCount(0);

  // Resolving without a resolution is refused.
  await page.getByTestId('transition-resolved').click();
  const panel = page.getByTestId('transition-panel');
  await expect(panel).toBeVisible();
  await panel.getByTestId('transition-confirm').click();
  await expect(page.getByTestId('error-resolution')).toBeVisible();
  await expect(page.getByTestId('error-resolution')).not.toHaveText('');
  await expect(stateBadge(page)).toContainText('In progress');

  await panel.getByTestId('field-resolution').fill('Restarted the spooler.');
  await panel.getByTestId('transition-confirm').click();
  await expect(stateBadge(page)).toContainText('Resolved');

  await transition(page, 'closed');
  await expect(stateBadge(page)).toContainText('Closed');
  await expect(transitionButtons(page)).toHaveCount(0);

  await page.reload();
  await expect(stateBadge(page)).toContainText('Closed');
  await expect(transitionButtons(page)).toHaveCount(0);
});
