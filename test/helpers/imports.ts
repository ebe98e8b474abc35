// The project's import graph, read from the source text: every `import`, `import type`, `export … from` and
// dynamic `import('…')` of a relative path, in TypeScript, JavaScript and Astro files (frontmatter and scripts).
// Type imports count: a type is a dependency too. Used by test/layers.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The layers, bottom up; a file may import from its own layer or a lower one, never a higher one. */
export const LAYERS: ReadonlyArray<{ name: string; folders: string[] }> = [
  { name: 'foundations', folders: ['pipelines/base'] },
  { name: 'referential', folders: ['pipelines/referential'] },
  { name: 'sources', folders: ['pipelines/sources'] },
  { name: 'indicators', folders: ['indicators'] },
  { name: 'site', folders: ['site', 'astro.config.mjs'] },
  { name: 'commands', folders: ['commands', 'bin'] },
  { name: 'bench', folders: ['bench', 'scripts'] },
  { name: 'tests', folders: ['test', 'vitest.config.ts'] },
];

const SOURCE_FOLDERS = ['pipelines', 'indicators', 'site', 'commands', 'bin', 'bench', 'scripts', 'test', 'astro.config.mjs', 'vitest.config.ts'];
const EXTENSIONS = /\.(ts|mts|mjs|js|astro)$/;
const SKIP = new Set(['node_modules', 'fixtures', 'public', '.astro']);

/** Files under `root` that the graph reads, relative, with forward slashes. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) return;
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) if (!SKIP.has(entry)) walk(join(path, entry));
    } else if (EXTENSIONS.test(path)) out.push(relative(root, path).split(sep).join('/'));
  };
  for (const folder of SOURCE_FOLDERS) walk(join(root, folder));
  return out.sort();
}

// `import x from '…'`, `import type { X } from '…'`, `export { x } from '…'`, `export * from '…'`, `import '…'`,
// `import('…')`; the specifier in single or double quotes. Multi-line import lists are matched by `[^;]*?`.
const STATIC = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const COMMENT = /\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/[^\n]*/g;

/** The relative specifiers a file imports, resolved to project paths (files outside the project are left out). */
export function importsOf(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8').replace(COMMENT, '$1');
  const specifiers = new Set<string>();
  for (const re of [STATIC, DYNAMIC]) for (const m of text.matchAll(re)) specifiers.add(m[1]!);
  const out: string[] = [];
  for (const s of specifiers) {
    if (!s.startsWith('.')) continue;
    const target = relative(root, resolve(root, dirname(file), s.replace(/\?.*$/, ''))).split(sep).join('/');
    if (!target.startsWith('..')) out.push(target);
  }
  return out.sort();
}

export type Graph = Map<string, string[]>;

export function importGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(root)) graph.set(file, importsOf(root, file));
  return graph;
}

/** The index of a file's layer, or -1 for a file no layer holds. */
export function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.folders.some((f) => file === f || file.startsWith(`${f}/`)));
}

/** Imports from a lower layer to a higher one (or from or to a file no layer holds). */
export function upwardImports(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (from < 0) out.push(`${file} (hors couche) → ${target}`);
      else if (to < 0) out.push(`${file} → ${target} (hors couche)`);
      else if (to > from) out.push(`${file} (${LAYERS[from]!.name}) → ${target} (${LAYERS[to]!.name})`);
    }
  }
  return out;
}

/** Every elementary circle's strongly connected component (Tarjan), each as its files in a stable order. */
export function circles(graph: Graph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) connect(v);
  return out;
}

/** Imports whose target is not a file of the project (a typo, or a file moved without its importers). */
export function brokenImports(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) for (const t of targets) if (!graph.has(t) && !/\.(json|csv|css|svg)$/.test(t)) out.push(`${file} → ${t}`);
  return out;
}
