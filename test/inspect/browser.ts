// Debian's Chromium, headless, driven by playwright-core: what the page tests look through.
// scripts/chromium.sh installs it (make test runs it as root); without it the page tests are skipped loudly.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../support/tmp.js';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the test artefacts go (make test keeps .reports/). */
export const REPORTS = fileURLToPath(new URL('../../.reports/', import.meta.url));

export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `no ${CHROMIUM}: the inspector page's browser tests are SKIPPED (run scripts/chromium.sh install as root)`;
  process.stderr.write(`\n${'#'.repeat(100)}\n## ${why}\n${'#'.repeat(100)}\n`);
  return why;
}

export interface OpenBrowser {
  readonly page: Page;
  /** Messages the page logged as errors, and uncaught exceptions. */
  readonly errors: string[];
  /** Requests to anywhere but the page's own server. */
  readonly foreign: string[];
  close(): Promise<void>;
}

export async function openBrowser(origin: string): Promise<OpenBrowser> {
  const profile = await tempDir('kruised-chromium-');
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1600, height: 1000 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') && foreign.push(r.url()));
  return { page, errors, foreign, close: () => context.close() };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(REPORTS, { recursive: true });
  const path = `${REPORTS}${name}`;
  await page.screenshot({ path });
  return path;
}

/** The paths of the chart's states marked active (the machine's root is '' and always active). */
export function highlighted(page: Page): Promise<string[]> {
  return page.$$eval('svg.chart g.state[data-active="true"]', (els) => els.map((el) => el.getAttribute('data-path') ?? '?'));
}

/** Clicks the timeline row of step `index` and waits until the page shows it. */
export async function stepTo(page: Page, index: number): Promise<void> {
  await page.click(`#timeline li.row[data-index="${index}"]`);
  await page.waitForSelector(`#stage[data-step="${index}"][data-drawn="true"]`);
}
