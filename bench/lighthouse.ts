// Lighthouse (the npm package) on the local Chromium: scores and transferred bytes of each page type,
// compared with the budgets in budgets.json.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { PROJECT_ROOT } from '../pipelines/config.ts';

export interface Budgets {
  scores: Record<string, number>;
  transferredBytes: Record<string, number>;
}

export interface PageAudit {
  type: string;
  path: string;
  scores: Record<string, number>;
  transferredBytes: number;
  scriptBytes: number;
}

export function loadBudgets(path = resolve(PROJECT_ROOT, 'budgets.json')): Budgets {
  return JSON.parse(readFileSync(path, 'utf8')) as Budgets;
}

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

/** Audits each page (served at `origin`) with a fresh headless Chromium. */
export async function auditPages(origin: string, pages: [string, string][], chromePath = '/usr/bin/chromium'): Promise<PageAudit[]> {
  const chrome = await chromeLauncher.launch({
    chromePath,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const out: PageAudit[] = [];
    for (const [type, path] of pages) {
      const result = await lighthouse(`${origin}${path}`, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES, formFactor: 'desktop', screenEmulation: { disabled: true }, throttlingMethod: 'provided' });
      const lhr = result!.lhr;
      const items = ((lhr.audits['network-requests']?.details as { items?: { transferSize?: number; resourceType?: string }[] } | undefined)?.items ?? []);
      out.push({
        type,
        path,
        scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])),
        transferredBytes: items.reduce((s, i) => s + (i.transferSize ?? 0), 0),
        scriptBytes: items.filter((i) => i.resourceType === 'Script').reduce((s, i) => s + (i.transferSize ?? 0), 0),
      });
    }
    return out;
  } finally {
    await chrome.kill();
  }
}

/** Territory pages have their own byte budget (the pages elected officials open on a phone). */
export function budgetCategory(type: string): string {
  return ['région', 'département', 'EPCI', 'commune'].includes(type) ? 'territoire' : type;
}

/** Every way a page misses its budget, in words with the figures. */
export function overBudget(audit: PageAudit, budgets: Budgets): string[] {
  const problems: string[] = [];
  for (const [category, min] of Object.entries(budgets.scores)) {
    const score = audit.scores[category] ?? 0;
    if (score < min) problems.push(`${audit.path} : score ${category} ${score} < ${min}`);
  }
  const maxBytes = budgets.transferredBytes[budgetCategory(audit.type)] ?? budgets.transferredBytes.default!;
  if (audit.transferredBytes > maxBytes) problems.push(`${audit.path} : ${audit.transferredBytes} octets transférés > ${maxBytes}`);
  return problems;
}

export function formatAudits(audits: PageAudit[]): string {
  const header = ['page', 'perf.', 'access.', 'bonnes pr.', 'SEO', 'octets', 'dont JS'];
  const rows = audits.map((a) => [`${a.type} ${a.path}`, ...CATEGORIES.map((c) => String(a.scores[c])), String(a.transferredBytes), String(a.scriptBytes)]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
