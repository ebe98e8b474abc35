// Hostile content (markup, quotes, emoji, right-to-left marks, very long strings) flows through charts,
// embeds, SVG, CSV and JSON without breaking them or executing; configuration paths stay in the project.
import { JSDOM } from 'jsdom';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { tauxParStrateSvg } from '../site/charts/taux-par-strate.ts';
import { chartCsv, composeSvg, iframeSnippet, oembed, pngOf, type SharedChart } from '../site/lib/partage.ts';
import { parseConfig, PROJECT_ROOT } from '../pipelines/base/config.ts';
import { neutralise, toCsv } from '../pipelines/base/csv.ts';

const HOSTILE = [
  '<script>alert("x")</script>',
  `Saint-Martin-d'Hères "l'Isère" & <b>gras</b>`,
  'Émoji 😀🏛️ communes',
  '\u202eevil\u202c right-to-left \u200f',
  '=HYPERLINK("http://evil")',
  'x'.repeat(5_000),
  '</script><img src=x onerror=alert(1)>',
];

const xml = (s: string) => new JSDOM(s, { contentType: 'image/svg+xml' }).window.document;

describe('hostile labels in a chart', () => {
  const svg = tauxParStrateSvg(
    HOSTILE.map((label, i) => ({ label: `${i} ${label}`, taux: 0.1 * i, ic_bas: 0, ic_haut: 0.2 * i, soumise: true, withheld: false })),
    HOSTILE.join(' '),
  );
  it('stay text: the SVG parses as XML and has no script element or event handler', () => {
    const doc = xml(svg);
    expect(doc.querySelector('parsererror')).toBeNull();
    expect(doc.querySelectorAll('script, img, foreignObject')).toHaveLength(0);
    const handlers = [...doc.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith('on'));
    expect(handlers).toEqual([]);
    const texts = [...doc.querySelectorAll('text')].map((t) => t.textContent ?? '');
    expect(texts).toContain(`0 ${HOSTILE[0]}`);
    expect(texts.some((t) => t.includes('😀'))).toBe(true);
  });
});

describe('hostile titles in an embed', () => {
  const chart: SharedChart = {
    id: 'hostile',
    title: HOSTILE.slice(0, 5).join(' '),
    summary: HOSTILE.join(' '),
    svg: tauxParStrateSvg([{ label: HOSTILE[0]!, taux: 0.5, ic_bas: 0.4, ic_haut: 0.6, soumise: true, withheld: false }], 'x'),
    width: 720,
    height: 60,
    permalink: '/indicateurs/x/?periode=2021-S1#strates',
    columns: [{ key: 'a', label: 'A' }],
    rows: HOSTILE.map((a) => ({ a })),
    csvColumns: ['a', 'n'],
    csvRows: HOSTILE.map((a, n) => ({ a, n: -n })),
    fullExport: '/donnees/barometre.csv',
    sources: [{ id: 's', titre: HOSTILE[1]!, producteur: HOSTILE[0]!, licence: 'ODbL 1.0', licence_url: '', url: '', page: '', role: null, chargement: null, etat: 'echantillon', derniere_tentative: null }],
    dateDonnees: '2021-04-09',
    methodeVersion: '1.0.0',
    echantillon: true,
  };

  it('keep the standalone SVG valid, with the text as text, and render to PNG', async () => {
    const file = composeSvg(chart, 'https://example.org/');
    const doc = xml(file);
    expect(doc.querySelector('parsererror')).toBeNull();
    expect(doc.querySelectorAll('script')).toHaveLength(0);
    expect(doc.querySelector('title')!.textContent).toBe(chart.title);
    expect((await pngOf(file, 1, '')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('keep the iframe snippet one iframe with the exact title, and oEmbed JSON round-trips', () => {
    const doc = new JSDOM(iframeSnippet(chart, 'https://example.org/')).window.document;
    expect(doc.querySelectorAll('iframe')).toHaveLength(1);
    expect(doc.querySelector('iframe')!.getAttribute('title')).toBe(chart.title);
    expect(doc.querySelectorAll('script')).toHaveLength(1);
    const o = JSON.parse(JSON.stringify(oembed(chart, 'https://example.org/'))) as { title: string };
    expect(o.title).toBe(chart.title);
  });

  it('keep the CSV parseable, row for row, formulas neutralised and numbers untouched', () => {
    const rows = Papa.parse<Record<string, string>>(chartCsv(chart), { header: true, skipEmptyLines: true }).data;
    expect(rows).toHaveLength(HOSTILE.length);
    expect(rows.map((r) => r.a)).toEqual(HOSTILE.map(neutralise));
    expect(rows.map((r) => r.n)).toEqual(HOSTILE.map((_, n) => String(-n)));
  });
});

describe('hostile cells in the exports', () => {
  it('round-trip through CSV (quotes, line breaks, separators) and JSON', () => {
    const rows = HOSTILE.map((nom, i) => ({ nom: `${nom}\n;,"`, i }));
    const back = Papa.parse<Record<string, string>>(toCsv(['nom', 'i'], rows), { header: true, skipEmptyLines: true }).data;
    expect(back.map((r) => r.nom)).toEqual(rows.map((r) => r.nom));
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });
});

describe('paths in the configuration', () => {
  it.each([
    [{ dataDir: '../../etc' }, /dataDir : le chemin « \.\.\/\.\.\/etc » sort du dossier/],
    [{ dataDir: '/etc' }, /sort du dossier/],
    [{ warehouse: '../../../tmp/x.duckdb' }, /warehouse : le chemin .* sort du dossier/],
  ])('cannot escape the project’s data folder: %j', (raw, message) => {
    expect(() => parseConfig(raw, PROJECT_ROOT)).toThrow(message);
  });
  it('refuses unknown keys and wrong types with the path of the problem', () => {
    expect(() => parseConfig({ minEffectif: 'cinq' }, PROJECT_ROOT)).toThrow(/minEffectif/);
    expect(() => parseConfig({ dataDirectory: 'x' }, PROJECT_ROOT)).toThrow(/Configuration invalide/);
    expect(() => parseConfig({ sources: { odt: { url: 'file:///etc/passwd' } } }, PROJECT_ROOT)).toThrow(/sources\.odt\.url/);
  });
});
