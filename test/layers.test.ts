// The house's layers (docs/architecture.md): foundations, referential, sources, indicators, site, commands, then
// bench and tests. An import points down or sideways, never up, and no file reaches itself through its imports;
// `import type` counts. The graph is read from the source text by test/helpers/imports.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { brokenImports, circles, importGraph, importsOf, layerOf, LAYERS, upwardImports } from './helpers/imports.ts';
import { scratch } from './helpers/env.ts';

const graph = importGraph(PROJECT_ROOT);

describe('the import graph of the project', () => {
  it('reads every layer’s files', () => {
    for (const layer of LAYERS) expect([...graph.keys()].some((f) => layerOf(f) === LAYERS.indexOf(layer)), layer.name).toBe(true);
    expect(graph.size).toBeGreaterThan(150);
  });

  it('has no circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('has no import from a lower layer to a higher one, and no file outside the layers', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('has no import of a file that does not exist', () => {
    expect(brokenImports(graph)).toEqual([]);
  });
});

describe('the check itself', () => {
  const tmp = scratch('barometre-couches-');
  afterAll(tmp.cleanup);
  const write = (path: string, text: string) => {
    mkdirSync(join(tmp.dir, path, '..'), { recursive: true });
    writeFileSync(join(tmp.dir, path), text);
  };

  it('sees type imports, re-exports, dynamic imports, multi-line lists and Astro frontmatter, and skips comments', () => {
    write('pipelines/base/a.ts', `import type { X } from '../sources/b.ts';\nexport * from './c.ts';\nconst m = await import('../../indicators/d.ts');\nimport {\n  e,\n  f,\n} from '../referential/e.ts';\n// import { g } from '../../site/g.ts';\n/* import '../../commands/h.ts'; */\n`);
    write('site/pages/p.astro', `---\nimport Base from '../layouts/Base.astro';\nimport { x } from '../../commands/cli.ts';\n---\n<Base />\n`);
    expect(importsOf(tmp.dir, 'pipelines/base/a.ts')).toEqual(['indicators/d.ts', 'pipelines/base/c.ts', 'pipelines/referential/e.ts', 'pipelines/sources/b.ts']);
    expect(importsOf(tmp.dir, 'site/pages/p.astro')).toEqual(['commands/cli.ts', 'site/layouts/Base.astro']);
  });

  it('finds an upward import and a circle of type imports', () => {
    const g = new Map([
      ['pipelines/base/warehouse.ts', ['indicators/types.ts']],
      ['indicators/types.ts', ['pipelines/base/warehouse.ts']],
      ['site/lib/a.ts', ['site/lib/b.ts']],
      ['site/lib/b.ts', ['site/lib/a.ts']],
      ['bench/index.ts', ['test/helpers/pages.ts']],
      ['test/helpers/pages.ts', []],
    ]);
    expect(upwardImports(g)).toEqual([
      'pipelines/base/warehouse.ts (foundations) → indicators/types.ts (indicators)',
      'bench/index.ts (bench) → test/helpers/pages.ts (tests)',
    ]);
    expect(circles(g)).toEqual([
      ['indicators/types.ts', 'pipelines/base/warehouse.ts'],
      ['site/lib/a.ts', 'site/lib/b.ts'],
    ]);
  });
});
