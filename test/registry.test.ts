// Documentation is tested against the registries: an indicator or a source without its papers fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matching, natureOf, resolveChantiers } from '../indicators/chantiers-indicateurs.ts';
import { INDICATORS } from '../indicators/index.ts';
import { chantiers } from '../pipelines/referential/chantiers.ts';
import { AXES } from '../indicators/types.ts';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { SOURCES } from '../pipelines/sources/index.ts';

// Sources are documented in docs/sources.md, indicators in docs/indicateurs.md (the README links to both).
const sourcesDoc = readFileSync(resolve(PROJECT_ROOT, 'docs/sources.md'), 'utf8');
const indicateursDoc = readFileSync(resolve(PROJECT_ROOT, 'docs/indicateurs.md'), 'utf8');

describe.each(INDICATORS.map((i) => [i.id, i] as const))('indicator %s', (_id, indicator) => {
  it('has a label, a description, a methodology text, a version and a known DCANT axis', () => {
    expect(indicator.label.length).toBeGreaterThan(5);
    expect(indicator.description.length).toBeGreaterThan(20);
    expect(indicator.methodology.length).toBeGreaterThan(100);
    expect(indicator.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(AXES)).toContain(indicator.axe);
    expect(indicator.concernees.length).toBeGreaterThan(10);
  });
  it('names sources that exist in the source registry', () => {
    expect(indicator.sources.length).toBeGreaterThan(0);
    for (const s of indicator.sources) expect(SOURCES.map((x) => x.id)).toContain(s);
  });
  it('lists its current version in its version history', () => {
    expect(indicator.versions.map((v) => v.version)).toContain(indicator.version);
  });
  it('has levels in increasing order, each with a colour', () => {
    const mins = indicator.levels.map((l) => l.min);
    expect(mins).toEqual([...mins].sort((a, b) => a - b));
    for (const l of indicator.levels) expect(l.color).toMatch(/^#[0-9a-f]{6}$/i);
  });
  it('is documented in docs/indicateurs.md', () => {
    expect(indicateursDoc).toContain(`\`${indicator.id}\``);
  });
});

describe.each(SOURCES.map((s) => [s.id, s] as const))('source %s', (_id, source) => {
  it('has a producer, a licence, a live URL, a cron schedule and a fixture', () => {
    expect(source.producer.length).toBeGreaterThan(2);
    expect(source.licence.length).toBeGreaterThan(2);
    // A survey file has no public address: it is configured (sources.<id>.url) or loaded with --from,
    // and such a source never falls back to its sample file in a build.
    if (source.url === '') expect(source.fixtureFallback).toBe(false);
    else expect(source.url).toMatch(/^https:\/\//);
    expect(source.schedule.split(/\s+/).length).toBeGreaterThanOrEqual(5);
    expect(readFileSync(resolve(PROJECT_ROOT, source.fixture)).byteLength).toBeGreaterThan(0);
  });
  it('is documented in docs/sources.md', () => {
    expect(sourcesDoc).toContain(`\`${source.id}\``);
  });
  it('declares its volume guard: what a load is compared with, on its own tables', () => {
    const guard = source.volume;
    expect(guard, 'volume').toBeDefined();
    const names = source.tables.map((t) => t.name);
    for (const t of guard!.matched?.tables ?? []) expect(names).toContain(t);
    if (guard!.compareBy === 'partition') expect(Boolean(guard!.partsSql) || source.tables.some((t) => t.partitionBy?.length)).toBe(true);
    if (guard!.compareBy === 'planned') expect(source.crawler).toBe(true);
    if (guard!.ratio !== undefined) expect(guard!.ratio).toBeGreaterThan(0);
    // Its thresholds are documented (docs/sources.md, « Contrôle de volume »).
    const section = sourcesDoc.slice(sourcesDoc.indexOf('## Contrôle de volume'), sourcesDoc.indexOf('## Planification'));
    expect(section).toContain(`| \`${source.id}\` |`);
  });
});

it('ids are unique in both registries', () => {
  expect(new Set(INDICATORS.map((i) => i.id)).size).toBe(INDICATORS.length);
  expect(new Set(SOURCES.map((s) => s.id)).size).toBe(SOURCES.length);
});

describe('the workstreams (data/referentiels/chantiers.csv) and the indicators that measure them', () => {
  it('name only indicators of the registry, each family matching at least one', () => {
    const unknown = chantiers().flatMap((c) => c.indicateurs.filter((entry) => matching(entry, INDICATORS).length === 0).map((entry) => `${c.id}: ${entry}`));
    expect(unknown).toEqual([]);
    expect(() => resolveChantiers(chantiers(), INDICATORS)).not.toThrow();
  });

  it('measure every indicator of the registry: each belongs to one workstream', () => {
    const { chantiers: resolved } = resolveChantiers(chantiers(), INDICATORS);
    const placed = resolved.flatMap((c) => c.indicateurs.map((i) => i.id));
    expect(INDICATORS.map((i) => i.id).filter((id) => !placed.includes(id))).toEqual([]);
    expect(new Set(placed).size).toBe(placed.length);
  });

  it('fail the compute on an id the registry does not know, naming it and its workstream', () => {
    const [row] = chantiers();
    expect(() => resolveChantiers([{ ...row!, indicateurs: ['ouverture-donees'] }], INDICATORS)).toThrow(
      /chantiers\.csv, colonne indicateurs : indicateur inconnu du registre : ouverture-donees \(chantier franceconnect\)\. Attendu : un identifiant de indicators\/index\.ts \(ouverture-donnees, /,
    );
    expect(() => resolveChantiers([{ ...row!, indicateurs: ['inexistant-*'] }], INDICATORS)).toThrow(/inexistant-\* \(chantier franceconnect\)/);
  });

  it('put measured indicators before the survey, whatever the order of the column', () => {
    const marches = chantiers().find((c) => c.id === 'marches-publics')!;
    const { chantiers: [resolved] } = resolveChantiers([{ ...marches, indicateurs: ['chantier-marches-publics', 'demarches-en-ligne-ds'] }], INDICATORS);
    expect(resolved!.indicateurs.map((i) => [i.id, natureOf(i)])).toEqual([
      ['demarches-en-ligne-ds', 'mesure'],
      ['chantier-marches-publics', 'declaration'],
    ]);
  });

  it('cite the programme document that names each workstream, or say none does', () => {
    for (const c of chantiers()) expect(c.reference === '' || /^Programme DCANT, /.test(c.reference)).toBe(true);
    expect(chantiers().filter((c) => c.reference !== '').length).toBeGreaterThanOrEqual(10);
  });
});

// DESIGN.md: « The site never lists indicators or sources by id »: short labels, sentences, roles travel with the
// definitions in the exports. A quoted registry id in the site's code (comments aside) is a page that a new
// indicator or source would need edited.
/** The code of a site file without its comments (block, line and HTML comments; `https://` is not a comment). */
function sansCommentaires(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The registry ids (letters, digits, hyphens) quoted as a whole string literal ('vde', "ouverture-donnees", `contours`) in a piece of code. */
function idsCites(code: string, ids: readonly string[]): string[] {
  const sans = sansCommentaires(code);
  return ids.filter((id) => new RegExp("(['\"`])" + id + '\\1').test(sans));
}

function fichiersDuSite(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return fichiersDuSite(path);
    return /\.(ts|mts|mjs|js|astro)$/.test(e.name) ? [path] : [];
  });
}

describe('the site', () => {
  const ids = [...INDICATORS.map((i) => i.id), ...SOURCES.map((s) => s.id)];
  const fichiers = ['lib', 'pages', 'components', 'charts', 'layouts'].flatMap((d) => fichiersDuSite(resolve(PROJECT_ROOT, 'site', d)));

  it('finds a quoted id in code and not in a comment (the check itself)', () => {
    expect(idsCites(`const s = sources.find((x) => x.id === 'vde'); // not 'odt'\n/* nor "enquetes" */ <!-- nor 'ds' -->`, ids)).toEqual(['vde']);
    expect(idsCites('const u = `https://example.org/`; if (def.id === "ouverture-donnees") {}', ids)).toEqual(['ouverture-donnees']);
    expect(idsCites("const m = `${'contours'}`; const f = `contours-${niveau}s.geojson`;", ids)).toEqual(['contours']);
  });

  it('names no indicator and no source by id in its code: definitions and roles come from the exports', () => {
    expect(fichiers.length).toBeGreaterThan(50);
    const cites = fichiers.flatMap((f) => idsCites(readFileSync(f, 'utf8'), ids).map((id) => `${relative(PROJECT_ROOT, f)} : ${id}`));
    expect(cites).toEqual([]);
  });

  it('reads no referential file directly: only the exports', () => {
    const lus = fichiers.filter((f) => /(['"`])[^'"`\n]*data\/referentiels/.test(sansCommentaires(f.endsWith('.astro') ? (readFileSync(f, 'utf8').split(/^---$/m)[1] ?? '') : readFileSync(f, 'utf8'))));
    expect(lus.map((f) => relative(PROJECT_ROOT, f))).toEqual([]);
  });
});
