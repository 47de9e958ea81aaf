// axe-core in the browser tests: the WCAG 2.1 A and AA rules on a page or an open dialog. Critical and serious
// violations come back as one line each, naming the rule, the elements (selectors) and the page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING = new Set(['critical', 'serious']);
const SHOWN_TARGETS = 8;

let source: string | undefined;
function axeSource(): string {
  source ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return source;
}

/** Waits until no placeholder, loading state or busy button is left, and the layout has settled. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      !document.querySelector('.skeleton, [aria-busy="true"], .state[role="status"]') &&
      document.fonts.status === 'loaded',
  );
  await page.waitForTimeout(300);
}

/**
 * Critical and serious WCAG 2.1 AA violations on the page, or inside `scope` (a CSS selector, e.g. 'dialog[open]':
 * the page behind a modal is inert and checked on its own), as "where (url): rule [impact] help — targets".
 */
export async function axeFindings(page: Page, where: string, scope?: string): Promise<string[]> {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') refuses an injected <script> tag.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  const violations = await page.evaluate(
    async ({ tags, selector }) => {
      const { axe } = window as unknown as {
        axe: { run: (context: Element | Document, options: object) => Promise<AxeResults> };
      };
      const context = selector ? document.querySelector(selector) : document;
      if (!context) throw new Error(`axe: nothing on the page matches ${selector}`);
      const result = await axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? 'unknown',
        help: v.help,
        targets: v.nodes.map((n) => n.target.map(String).join(' ')),
      }));
    },
    { tags: WCAG_21_AA, selector: scope ?? null },
  );
  const url = new URL(page.url());
  return violations
    .filter((v) => BLOCKING.has(v.impact))
    .map((v) => {
      const more = v.targets.length > SHOWN_TARGETS ? ` (+${v.targets.length - SHOWN_TARGETS} more)` : '';
      const targets = v.targets.slice(0, SHOWN_TARGETS).join(' | ');
      return `${where} (${url.pathname}${url.search}): ${v.id} [${v.impact}] ${v.help} — ${targets}${more}`;
    });
}
