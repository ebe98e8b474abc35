// The page-budget gate: Lighthouse scores and transferred bytes of each page type against budgets.json.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditPages, formatAudits, loadBudgets, overBudget, type PageAudit } from '../bench/lighthouse.ts';
import { CHROMIUM } from './helpers/browser.ts';
import { pageTypes } from './helpers/pages.ts';
import { serveStatic } from './helpers/static-server.ts';

const dist = inject('siteDist');

describe.skipIf(!CHROMIUM)('page budgets (Lighthouse)', () => {
  let audits: PageAudit[] = [];
  let server: Awaited<ReturnType<typeof serveStatic>>;
  beforeAll(async () => {
    server = await serveStatic(dist);
    // Embeds are framed by other sites; their budget is checked like any page.
    audits = await auditPages(server.url, pageTypes(dist).filter(([, p]) => !p.includes('absent')), CHROMIUM!);
    console.log(`\n${formatAudits(audits)}\n`);
  }, 600_000);
  afterAll(() => server?.close());

  it('every page type is within its budget', () => {
    const budgets = loadBudgets();
    expect(audits.length).toBeGreaterThan(5);
    expect(audits.flatMap((a) => overBudget(a, budgets))).toEqual([]);
  });
});
