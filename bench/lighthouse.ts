// Lighthouse (the npm package) on the local Chromium: scores and transferred bytes of each page type,
// compared with the budgets in budgets.json.
//
// Two uses. The test gate (`test/budget.test.ts`) checks what does not depend on the machine's speed:
// accessibility, best-practices and SEO scores, transferred bytes and layout shift; it runs with Lighthouse's
// simulated throttling (short quiet windows) and several audits at once. The performance score is a measure of
// time: `npm run bench` checks it, one page after the other with observed timings, and prints it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { ARGUMENTS_CHROMIUM } from '../commands/chromium.ts';

export interface Budgets {
  /** Minimum Lighthouse scores (0–100) that do not depend on the machine's speed. */
  scores: Record<string, number>;
  /** Minimum performance score: timings, so checked by the bench on a quiet machine, never by a test. */
  performance: number;
  /** Maximum cumulative layout shift (a property of the page, not of the machine). */
  cumulativeLayoutShift: number;
  transferredBytes: Record<string, number>;
}

export interface PageAudit {
  type: string;
  path: string;
  scores: Record<string, number>;
  cumulativeLayoutShift: number;
  transferredBytes: number;
  scriptBytes: number;
}

export type Throttling = 'provided' | 'simulate';

export interface AuditOptions {
  chromePath?: string;
  /** Pages audited at once, each in its own process and Chromium (default 1). */
  concurrency?: number;
  /**
   * `provided`: observed timings (the performance score means something; 5.25 s quiet windows per page).
   * `simulate`: Lighthouse's simulated throttling (1 s windows), enough for the scores that are not timings.
   */
  throttling?: Throttling;
  /**
   * Whether to compute the performance score (default true). The test gate asks only for what it checks: the
   * three other categories, the layout shift and the network requests, without the simulated page loads that only
   * the performance score needs (half the audit's time on two cores).
   */
  performance?: boolean;
}

export function loadBudgets(path = resolve(PROJECT_ROOT, 'budgets.json')): Budgets {
  return JSON.parse(readFileSync(path, 'utf8')) as Budgets;
}

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

const CHROME_FLAGS = ['--headless=new', ...ARGUMENTS_CHROMIUM];

/** The audits outside the three categories that the gate reads: layout shift and transferred bytes. */
const GATE_AUDITS = ['cumulative-layout-shift', 'network-requests'];

async function auditPage(origin: string, type: string, path: string, port: number, throttling: Throttling, performance: boolean): Promise<PageAudit> {
  const categories = performance ? CATEGORIES : CATEGORIES.filter((c) => c !== 'performance');
  // The full-page screenshot (a picture of the whole page for the report) is never read.
  const result = await lighthouse(`${origin}${path}`, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: categories,
    ...(performance ? {} : { onlyAudits: GATE_AUDITS }),
    disableFullPageScreenshot: true,
    formFactor: 'desktop',
    screenEmulation: { disabled: true },
    throttlingMethod: throttling,
  });
  const lhr = result!.lhr;
  const items = (lhr.audits['network-requests']?.details as { items?: { transferSize?: number; resourceType?: string }[] } | undefined)?.items ?? [];
  return {
    type,
    path,
    scores: Object.fromEntries(categories.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])),
    cumulativeLayoutShift: lhr.audits['cumulative-layout-shift']?.numericValue ?? 0,
    transferredBytes: items.reduce((s, i) => s + (i.transferSize ?? 0), 0),
    scriptBytes: items.filter((i) => i.resourceType === 'Script').reduce((s, i) => s + (i.transferSize ?? 0), 0),
  };
}

/** Audits each page (served at `origin`) in this process, one after the other, with one headless Chromium. */
export async function auditPagesInProcess(origin: string, pages: [string, string][], chromePath: string, throttling: Throttling, performance = true): Promise<PageAudit[]> {
  const chrome = await chromeLauncher.launch({ chromePath, chromeFlags: CHROME_FLAGS });
  try {
    const out: PageAudit[] = [];
    for (const [type, path] of pages) out.push(await auditPage(origin, type, path, chrome.port, throttling, performance));
    return out;
  } finally {
    await chrome.kill();
  }
}

/**
 * Audits each page (served at `origin`). With `concurrency` > 1 the pages are split among child processes, each
 * with its own Chromium: Lighthouse keeps global state and cannot run two audits in one process, nor two in one
 * browser. Results come back in the order of `pages`.
 */
export async function auditPages(origin: string, pages: [string, string][], options: AuditOptions = {}): Promise<PageAudit[]> {
  const { chromePath = '/usr/bin/chromium', throttling = 'provided', performance = true } = options;
  const n = Math.max(1, Math.min(options.concurrency ?? 1, pages.length));
  if (n === 1) return auditPagesInProcess(origin, pages, chromePath, throttling, performance);
  // Round-robin keeps each worker's share of pages even.
  const shares = Array.from({ length: n }, (_, k) => pages.map((p, i) => [i, p] as const).filter(([i]) => i % n === k));
  const results = await Promise.all(
    shares.map((share) => runWorker({ origin, pages: share.map(([, p]) => p), chromePath, throttling, performance }).then((audits) => audits.map((a, j) => [share[j]![0], a] as const))),
  );
  return results.flat().sort((a, b) => a[0] - b[0]).map(([, a]) => a);
}

export interface WorkerInput {
  origin: string;
  pages: [string, string][];
  chromePath: string;
  throttling: Throttling;
  performance: boolean;
}

function runWorker(input: WorkerInput): Promise<PageAudit[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'lighthouse-worker.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`Lighthouse (processus enfant) a échoué avec le code ${code} sur ${input.pages.map(([, p]) => p).join(', ')}.`));
      resolvePromise(JSON.parse(out) as PageAudit[]);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** Territory pages have their own byte budget (the pages elected officials open on a phone). */
export function budgetCategory(type: string): string {
  return ['région', 'département', 'EPCI', 'commune'].includes(type) ? 'territoire' : type;
}

/**
 * Every way a page misses its budget, in words with the figures. `timings`: also check the performance
 * score, which only means something with observed timings on a quiet machine (the bench, not the tests).
 */
export function overBudget(audit: PageAudit, budgets: Budgets, { timings = false } = {}): string[] {
  const problems: string[] = [];
  const minimums = timings ? { ...budgets.scores, performance: budgets.performance } : budgets.scores;
  for (const [category, min] of Object.entries(minimums)) {
    const score = audit.scores[category] ?? 0;
    if (score < min) problems.push(`${audit.path} : score ${category} ${score} < ${min}`);
  }
  if (audit.cumulativeLayoutShift > budgets.cumulativeLayoutShift) {
    problems.push(`${audit.path} : décalage cumulé de mise en page ${audit.cumulativeLayoutShift.toFixed(3)} > ${budgets.cumulativeLayoutShift}`);
  }
  const maxBytes = budgets.transferredBytes[budgetCategory(audit.type)] ?? budgets.transferredBytes.default!;
  if (audit.transferredBytes > maxBytes) problems.push(`${audit.path} : ${audit.transferredBytes} octets transférés > ${maxBytes}`);
  return problems;
}

export function formatAudits(audits: PageAudit[]): string {
  const header = ['page', 'perf.', 'access.', 'bonnes pr.', 'SEO', 'CLS', 'octets', 'dont JS'];
  const rows = audits.map((a) => [`${a.type} ${a.path}`, ...CATEGORIES.map((c) => String(a.scores[c] ?? '–')), a.cumulativeLayoutShift.toFixed(3), String(a.transferredBytes), String(a.scriptBytes)]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
