/**
 * Headless Chromium from the system (Debian's /usr/bin/chromium; `.ci/run` installs it) driven by
 * playwright-core — no browser download. Screenshots go to test-artifacts/console/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.LOCKSMITH_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Fails the test on any console error or CSP violation the page reports. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Signs in through the form with the mouse-free path: Tab between fields, Enter to submit. */
export async function signInWithKeyboard(page: Page, creds: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in to Locksmith' }).waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type(creds.accessKeyId);
  await page.keyboard.press('Tab');
  await page.keyboard.type(creds.secretAccessKey);
  await page.keyboard.press('Tab'); // session token: none
  await page.keyboard.press('Tab'); // region: us-east-1 already
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
