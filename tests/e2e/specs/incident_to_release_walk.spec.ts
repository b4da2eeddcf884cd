// The operational processes hand work to each other through linked records: an incident
// raises a problem, the problem becomes a known error and raises a change, the change is
// approved, implemented and shipped in a release. Each link is visible from both sides.
import { expect, test, type Page } from '@playwright/test';
import { createIncident, freshApp, newRecord, pickLink, save, stateBadge, transition } from './fixtures';

/** The "Linked records" card of the open record lists `ref` under `heading`. */
async function expectLinkedFrom(page: Page, heading: string, ref: string) {
  const related = page.getByTestId('related');
  await expect(related.getByTestId('related-heading').filter({ hasText: heading })).toHaveCount(1);
  await expect(related.getByRole('link', { name: new RegExp(ref) })).toHaveCount(1);
}

test('incident to problem to known error to change to release, linked both ways', async ({ page }) => {
  await freshApp(page);

  // A configuration item for the service to run on.
  await newRecord(page, 'items');
  await page.getByTestId('field-title').fill('Mail relay');
  await page.getByTestId('field-ci_type').selectOption('service_component');
  const ci = await save(page, 'CI');

  const incident = await createIncident(page, {
    title: 'Outgoing mail stuck in the relay queue',
    service: 'Email',
    impact: 'high',
    urgency: 'high',
    description: 'Messages wait for an hour before leaving.',
  });

  // Raise a problem: the form starts from the incident.
  await page.getByTestId('raise-problem').click();
  await expect(page.getByTestId('raised-from')).toContainText(incident.split(' ')[0]);
  await expect(page.getByTestId('field-title')).toHaveValue('Outgoing mail stuck in the relay queue');
  await expect(page.getByTestId('field-symptoms')).toHaveValue('Messages wait for an hour before leaving.');
  await page.getByTestId('field-impact').selectOption('high');
  await page.getByTestId('field-urgency').selectOption('medium');
  await pickLink(page, 'items', 'Mail relay');
  const problem = await save(page, 'PRB');
  const problemRef = problem.split(' ')[0];
  const incidentRef = incident.split(' ')[0];
  await expectLinkedFrom(page, 'Incidents', incidentRef);

  // The incident shows its problem.
  await page.getByTestId('related').getByRole('link', { name: new RegExp(incidentRef) }).click();
  await expect(page.getByTestId('value-problem')).toContainText(problemRef);
  await page.getByTestId('value-problem').getByRole('link').click();
  await expect(page.getByTestId('record-ref')).toHaveText(new RegExp(problemRef));

  // A known error needs a root cause or a workaround.
  await transition(page, 'investigating');
  await page.getByTestId('transition-known_error').click();
  const panel = page.getByTestId('transition-panel');
  await panel.getByTestId('transition-confirm').click();
  await expect(page.getByTestId('error-root_cause')).toHaveText('Record the root cause or a workaround first.');
  await panel.getByTestId('field-workaround').fill('Restart the relay service.');
  await panel.getByTestId('transition-confirm').click();
  await expect(stateBadge(page)).toContainText('Known error');

  // Raise a change from the problem.
  await page.getByTestId('raise-change').click();
  await expect(page.locator('.field', { has: page.getByTestId('field-problem') }).getByTestId('chip')).toContainText(problemRef);
  await page.getByTestId('field-change_type').selectOption('normal');
  await page.getByTestId('field-reason').fill('Remove the cause of the stalled queue.');
  await page.getByTestId('field-planned_start').fill('2026-12-03T20:00');
  await page.getByTestId('field-planned_end').fill('2026-12-03T19:00');
  await page.getByTestId('form-submit').click();
  await expect(page.getByTestId('error-planned_end')).toHaveText('Must not be before planned start.');
  await page.getByTestId('field-planned_end').fill('2026-12-03T22:00');
  const change = await save(page, 'CHG');
  const changeRef = change.split(' ')[0];
  await expect(page.getByTestId('value-problem')).toContainText(problemRef);

  // A normal change cannot be implemented before it is approved.
  await page.getByTestId('transition-implementing').click();
  await expect(page.getByTestId('transition-refused')).toHaveText('A normal change cannot be implemented before it is approved.');
  await expect(stateBadge(page)).toContainText('Requested');
  await transition(page, 'assessing');
  await transition(page, 'approved', {
    risk: 'low',
    impact_assessment: 'Relay restarts once; queue drains.',
    approver: 'Grace',
    approval_date: '2026-12-01',
  });
  await expect(stateBadge(page)).toContainText('Approved');
  await transition(page, 'implementing');
  await expect(stateBadge(page)).toContainText('Implementing');

  // Raise a release carrying the change.
  await page.getByTestId('raise-release').click();
  await page.getByTestId('field-environment').selectOption('production');
  const release = await save(page, 'REL');
  await expect(page.getByTestId('value-changes')).toContainText(changeRef);
  await page.getByTestId('value-changes').getByRole('link').click();
  await expectLinkedFrom(page, 'Releases', release.split(' ')[0]);

  // The problem lists the change raised from it; the item lists incident-free problem and change.
  await page.getByTestId('value-problem').getByRole('link').click();
  await expectLinkedFrom(page, 'Changes', changeRef);
  await expectLinkedFrom(page, 'Incidents', incidentRef);
  await page.getByTestId('value-items').getByRole('link', { name: new RegExp(ci) }).click();
  await expectLinkedFrom(page, 'Problems', problemRef);

  // A new incident with similar words is offered the known error.
  await page.getByTestId('nav-incidents').click();
  await page.getByTestId('new-record').click();
  await page.getByTestId('field-title').fill('Relay queue is stuck again');
  const offered = page.getByTestId('known-errors');
  await expect(offered).toContainText(problemRef);
  await expect(offered).toContainText('Restart the relay service.');
  await offered.getByTestId('use-known-error').click();
  await expect(page.locator('.field', { has: page.getByTestId('field-problem') }).getByTestId('chip')).toContainText(problemRef);
});
