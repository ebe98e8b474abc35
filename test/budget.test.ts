// The page-budget gate: Lighthouse scores and transferred bytes of each page type against budgets.json.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { sharedSite } from './helpers/shared.ts';
import { auditPages, formatAudits, loadBudgets, overBudget, type PageAudit } from '../bench/lighthouse.ts';
import { CHROMIUM } from './helpers/browser.ts';
import { pageTypes } from '../bench/pages.ts';

const dist = await sharedSite();

describe.skipIf(!CHROMIUM)('page budgets (Lighthouse)', () => {
  let audits: PageAudit[] = [];
  beforeAll(async () => {
    const url = inject('siteUrl');
    // Embeds are framed by other sites; their budget is checked like any page.
    // Scores that are not timings, so simulated throttling (short quiet windows), three audits at once, and no
    // performance score (a timing, the bench's): only the audits the gate reads.
    audits = await auditPages(url, pageTypes(dist).filter(([, p]) => !p.includes('absent')), { chromePath: CHROMIUM!, concurrency: 3, throttling: 'simulate', performance: false });
    console.log(`\n${formatAudits(audits)}\n`);
  });

  it('every page type is within its budget', () => {
    const budgets = loadBudgets();
    expect(audits.map((a) => a.path)).toEqual(pageTypes(dist).filter(([, p]) => !p.includes('absent')).map(([, p]) => p));
    expect(audits.length).toBeGreaterThan(5);
    expect(audits.flatMap((a) => overBudget(a, budgets))).toEqual([]);
  });

  it('checks every budget it states: a page over any of them is reported with its figures', () => {
    const budgets = loadBudgets();
    const page = { ...audits[0]!, scores: { ...audits[0]!.scores, seo: 10, performance: 10 }, cumulativeLayoutShift: 0.5, transferredBytes: 10 ** 7 };
    const problems = overBudget(page, budgets);
    expect(problems).toEqual([
      expect.stringMatching(/score seo 10 < 95/),
      expect.stringMatching(/décalage cumulé de mise en page 0\.500 > 0\.1/),
      expect.stringMatching(/10000000 octets transférés > 250000/),
    ]);
    // The performance score (a timing) is the bench's, on a quiet machine.
    expect(overBudget(page, budgets, { timings: true })).toContainEqual(expect.stringMatching(/score performance 10 < 95/));
  });
});
