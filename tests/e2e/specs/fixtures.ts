// Page object for Servicebook: the steps a person takes, in terms of the app's data-testid hooks.
import { expect, type Page } from '@playwright/test';

export interface IncidentInput {
  title: string;
  service: string;
  impact: 'high' | 'medium' | 'low';
  urgency: 'high' | 'medium' | 'low';
  description?: string;
  assignee?: string;
}

/** Waits until the app has loaded its records (it marks `body[data-ready="true"]`). */
export async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('body[data-ready="true"]')).toHaveCount(1, { timeout: 30_000 });
}

/**
 * Opens the app on empty storage (each test has a fresh browser context) and answers the
 * welcome screen with a name.
 */
export async function freshApp(page: Page, name = 'Dana Tester'): Promise<void> {
  await page.goto('./');
  const nameInput = page.getByTestId('welcome-name');
  await expect(nameInput).toBeVisible({ timeout: 30_000 });
  await nameInput.fill(name);
  await page.getByTestId('welcome-submit').click();
  await waitReady(page);
  await expect(nameInput).toBeHidden();
}

/** Generates `count` sample incidents (with their landscape) from Settings. */
export async function addSampleData(page: Page, count: number, timeout = 30_000): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('demo-count').fill(String(count));
  await page.getByTestId('demo-generate').click();
  await expect(page.getByTestId('demo-result')).toBeVisible({ timeout });
}

/** Goes to the incident list through the navigation. */
export async function openIncidents(page: Page): Promise<void> {
  await page.getByTestId('nav-incidents').click();
  await expect(page.getByTestId('list-count')).toBeVisible();
}

/** Fills the incident form's fields that are given. */
export async function fillIncidentForm(page: Page, incident: Partial<IncidentInput>): Promise<void> {
  if (incident.title !== undefined) await page.getByTestId('field-title').fill(incident.title);
  if (incident.service !== undefined) await pickLink(page, 'service', incident.service);
  if (incident.impact !== undefined) await page.getByTestId('field-impact').selectOption(incident.impact);
  if (incident.urgency !== undefined) await page.getByTestId('field-urgency').selectOption(incident.urgency);
  if (incident.description !== undefined) await page.getByTestId('field-description').fill(incident.description);
  if (incident.assignee !== undefined) await page.getByTestId('field-assignee').fill(incident.assignee);
}

/**
 * Picks a record in a link field: types `text` into the picker and chooses the first
 * suggestion that contains it.
 */
export async function pickLink(page: Page, field: string, text: string): Promise<void> {
  const input = page.getByTestId(`field-${field}`);
  await input.fill(text);
  const option = page.locator(`#options-${field} [role="option"]`).filter({ hasText: text }).first();
  await expect(option).toBeVisible();
  await option.dispatchEvent('mousedown');
  await expect(page.locator('.field', { has: input }).getByTestId('chip').filter({ hasText: text })).toHaveCount(1);
}

/** Services created in each page so far, so an incident's service is created once. */
const servicesMade = new WeakMap<Page, Set<string>>();

/** Creates a service record (Services > New) and returns its reference. */
export async function createService(page: Page, name: string, owner = 'Ada'): Promise<string> {
  await newRecord(page, 'services');
  await page.getByTestId('field-title').fill(name);
  await page.getByTestId('field-owner').fill(owner);
  const ref = await save(page, 'SVC');
  const made = servicesMade.get(page) ?? new Set<string>();
  made.add(name);
  servicesMade.set(page, made);
  return ref;
}

/** Opens the new-record form of a kind through the app's own links (no reload). */
export async function newRecord(page: Page, slug: string): Promise<void> {
  await page.getByTestId('nav-all').click();
  await page.getByTestId(`menu-${slug}`).click();
  await page.getByTestId('new-record').click();
  await expect(page.getByTestId('field-title')).toBeVisible();
}

/** Saves the open form and waits for the record page; returns the reference shown. */
export async function save(page: Page, prefix: string): Promise<string> {
  await page.getByTestId('form-submit').click();
  const ref = page.getByTestId('record-ref');
  await expect(ref).toHaveText(new RegExp(`^\\s*${prefix}-\\d{6}`));
  return ((await ref.textContent()) ?? '').trim();
}

/**
 * Creates an incident through Incidents > New and the form, and waits for its record page.
 * Returns the reference shown (INC-000001).
 */
export async function createIncident(page: Page, incident: IncidentInput): Promise<string> {
  if (!servicesMade.get(page)?.has(incident.service)) await createService(page, incident.service);
  await openIncidents(page);
  await page.getByTestId('new-record').click();
  await expect(page.getByTestId('field-title')).toBeVisible();
  await fillIncidentForm(page, incident);
  await page.getByTestId('form-submit').click();
  const ref = page.getByTestId('record-ref');
  await expect(ref).toHaveText(/^\s*INC-\d{6}/);
  return ((await ref.textContent()) ?? '').trim();
}

/**
 * Moves the open record to `to` with its transition button; fills the transition panel's
 * fields when given (resolution for "resolved") and confirms.
 */
export async function transition(page: Page, to: string, fields: Record<string, string> = {}): Promise<void> {
  await page.getByTestId(`transition-${to}`).click();
  const names = Object.keys(fields);
  if (names.length > 0) {
    const panel = page.getByTestId('transition-panel');
    await expect(panel).toBeVisible();
    for (const name of names) {
      const field = panel.getByTestId(`field-${name}`);
      const tag = await field.evaluate((el) => el.tagName.toLowerCase());
      if (tag === 'select') await field.selectOption(fields[name]);
      else await field.fill(fields[name]);
    }
    await panel.getByTestId('transition-confirm').click();
    await expect(panel).toBeHidden();
  }
}

/** The state label shown on the record page. */
export function stateBadge(page: Page) {
  return page.getByTestId('record-state');
}

/** Transition buttons on the record page (not the panel or its confirm button). */
export function transitionButtons(page: Page) {
  return page.locator(
    '[data-testid^="transition-"]:not([data-testid="transition-panel"]):not([data-testid="transition-confirm"]):not([data-testid="transition-refused"])',
  );
}

/** Exports everything from the Share page; returns the downloaded file's path. */
export async function exportFile(page: Page): Promise<string> {
  await page.getByTestId('nav-exchange').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
  await expect(page.getByTestId('export-result')).toBeVisible();
  const path = await download.path();
  if (!path) throw new Error('the download was not saved');
  return path;
}

/** Opens the Share page and reads `path`; returns the import preview (not yet applied). */
export async function importFile(page: Page, path: string) {
  await page.getByTestId('nav-exchange').click();
  await page.getByTestId('import-files').setInputFiles(path);
  const summary = page.getByTestId('import-summary');
  await expect(summary).toBeVisible();
  return summary;
}

/** Imports a file through Share, waits for its preview, applies it and waits until it is done. */
export async function applyFile(page: Page, path: string): Promise<void> {
  await importFile(page, path);
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-done')).toBeVisible();
}

/** The shared-data fingerprint Settings shows (equal in browsers that hold the same edits). */
export async function fingerprint(page: Page): Promise<string> {
  await page.getByTestId('nav-settings').click();
  const value = page.getByTestId('fingerprint');
  await expect(value).toHaveText(/^[0-9a-f]{64}$/);
  return (await value.textContent()) ?? '';
}
