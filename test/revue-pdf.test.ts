// Printing the semester review to PDF at build time: which Chromium, and what a printed page carries.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../pipelines/base/log.ts';
import { pagesRevue, produireRevuesPdf, trouverChromium } from '../commands/revue-pdf.ts';
import { cheminRevuePdf, revuePdfProduite } from '../site/lib/revue-pdf.ts';
import { CHROMIUM } from './helpers/browser.ts';
import { scratch } from './helpers/env.ts';

const tmp = scratch('barometre-revue-pdf-');
afterAll(tmp.cleanup);

describe('choosing the Chromium that prints the review', () => {
  it('takes the configured one, else the first candidate found, and says why there is none', () => {
    const fake = join(tmp.dir, 'chromium');
    writeFileSync(fake, '');
    expect(trouverChromium({ chromium: fake })).toEqual({ chemin: fake, raison: '' });
    expect(trouverChromium({}, ['/nulle/part/chromium', fake])).toEqual({ chemin: fake, raison: '' });
    expect(trouverChromium({}, ['/nulle/part/chromium'])).toEqual({ chemin: null, raison: 'Chromium introuvable (/nulle/part/chromium)' });
    expect(trouverChromium({ chromium: '/nulle/part/chrome' }).raison).toBe('« /nulle/part/chrome » (clé « chromium » de la configuration) est introuvable');
    expect(trouverChromium({ chromium: false }, [fake])).toEqual({ chemin: null, raison: 'désactivé dans la configuration (« chromium »: false)' });
  });

  it('lets the pages link to the PDF only when the build said it prints them', () => {
    expect(revuePdfProduite({ BAROMETRE_REVUE_PDF: 'oui' })).toBe(true);
    expect(revuePdfProduite({ BAROMETRE_REVUE_PDF: 'non' })).toBe(false);
    expect(revuePdfProduite({})).toBe(false);
    expect(cheminRevuePdf('2025-S2')).toBe('/semestres/2025-S2/revue-2025-S2.pdf');
  });
});

describe.skipIf(!CHROMIUM)('printing a built review page', () => {
  it('writes revue-<période>.pdf beside each review page, from the build folder alone (no request leaves)', async () => {
    const dist = join(tmp.dir, 'dist');
    const dir = join(dist, 'semestres', '2025-S2');
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(dist, 'semestres', 'autre'), { recursive: true });
    writeFileSync(join(dist, 'style.css'), 'h1 { color: rgb(1, 2, 3); }');
    // An outside image would hang or leak a request: the interception refuses it, the PDF is still printed.
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Revue</title><link rel="stylesheet" href="/style.css"></head>' +
        '<body><main><h1>Revue du 2e semestre 2025</h1><p>Exports du <span data-exports-du="22 novembre 2026">22 novembre 2026</span>.</p><img src="https://example.com/x.png" alt=""></main></body></html>',
    );
    expect(pagesRevue(dist)).toEqual(['2025-S2']);
    const log = memoryLogger();
    const written = await produireRevuesPdf(dist, CHROMIUM!, log);
    expect(written).toEqual([join(dir, 'revue-2025-S2.pdf')]);
    const bytes = readFileSync(written[0]!);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(existsSync(join(dist, 'semestres', 'autre', 'revue-autre.pdf'))).toBe(false);
    const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await getDocument({ data: new Uint8Array(bytes) }).promise;
    const content = await (await doc.getPage(1)).getTextContent();
    const texte = content.items.map((x) => ('str' in x ? x.str : '')).join(' ').replace(/\s+/g, ' ');
    expect(texte).toContain('Baromètre DCANT — Revue du 2e semestre 2025');
    expect(texte).toContain('exports du 22 novembre 2026');
    expect(texte.replace(/\s/g, '')).toContain('page1/1');
    expect((await doc.getOutline())?.map((o) => o.title)).toEqual(['Revue du 2e semestre 2025']);
  });
});
