// Chromium for the e2e tests (system binary, playwright-core only), sign-in and screenshot helpers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './server.js';

/**
 * Where screenshots go: e2e/artifacts (committed) when E2E_SCREENSHOTS=1 (`npm run screenshots`), otherwise
 * e2e/artifacts/last-run (ignored by git), so an ordinary test run leaves the tree as it was.
 */
export const ARTIFACTS =
  process.env.E2E_SCREENSHOTS === '1' ? join(ROOT, 'e2e', 'artifacts') : join(ROOT, 'e2e', 'artifacts', 'last-run');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TrackedPage {
  context: BrowserContext;
  page: Page;
  /** uncaught errors in the page; a test asserts this stays empty */
  pageErrors: string[];
}

export async function openPage(browser: Browser, baseUrl: string, viewport = DESKTOP): Promise<TrackedPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page, pageErrors };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** Writes <name>-1440x900.png and <name>-390x844.png into ARTIFACTS. */
export async function screenshots(page: Page, name: string, ready?: () => Promise<void>): Promise<string[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  const written: string[] = [];
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await ready?.();
    // Let the chart and layout settle after the resize.
    await page.waitForTimeout(400);
    // Responsive means no sideways scrolling of the page itself (tables fit their card: e2e/layout.test.ts).
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (pageWidth > size.width) throw new Error(`${name} is ${pageWidth}px wide at a ${size.width}px viewport`);
    const path = join(ARTIFACTS, `${name}-${size.width}x${size.height}.png`);
    await page.screenshot({ path, fullPage: true });
    written.push(path);
  }
  await page.setViewportSize(original);
  return written;
}
