// Astro builds the static site from site/ into dist/. Pages read the exports only (data/exports).
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sitemap from '@astrojs/sitemap';
import { defineConfig } from 'astro/config';
import { adressesTerritoires, partieConstruite } from './site/lib/partie.ts';

const exportsDir = process.env.BAROMETRE_EXPORTS ?? fileURLToPath(new URL('./data/exports/', import.meta.url));

/**
 * Links each export file into the site (a copy across file systems). The exports are never written in place — every
 * computation writes a new folder and swaps it — so the published files cannot change under the site; linking
 * spares copying their gigabyte and more at full scale.
 */
function linkTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [src, dest] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) linkTree(src, dest);
    else {
      try {
        linkSync(src, dest);
      } catch {
        copyFileSync(src, dest);
      }
    }
  }
}

/** Publishes the exports under /donnees/ with the site. */
function publishExports() {
  return {
    name: 'barometre-exports',
    hooks: {
      'astro:build:done': ({ dir }) => {
        if (!existsSync(exportsDir)) throw new Error(`Exports introuvables (${exportsDir}) : lancez d'abord « barometre compute ».`);
        linkTree(exportsDir, fileURLToPath(new URL('./donnees/', dir)));
      },
    },
  };
}

const site = 'https://barometre-dcant.example.org';

// Built in two parts side by side (commands/build.ts), the part of the territories adds only its pages: the exports
// and the sitemap belong to the other part, whose sitemap lists the territory pages from the data (same rule).
const partie = partieConstruite();
function pagesDesTerritoires() {
  const path = join(exportsDir, 'territoires.json');
  if (partie !== 'generale' || !existsSync(path)) return [];
  const max = process.env.BAROMETRE_TERRITOIRES_MAX ? Number(process.env.BAROMETRE_TERRITOIRES_MAX) : undefined;
  return adressesTerritoires(JSON.parse(readFileSync(path, 'utf8')), max).map((p) => new URL(p, site).href);
}

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: './dist',
  site,
  trailingSlash: 'always',
  // Four pages at a time: PNG images are drawn on worker threads (site/lib/png-workers.ts), which the main thread
  // keeps busy while it renders the other pages.
  build: { format: 'directory', inlineStylesheets: 'auto', concurrency: 4 },
  compressHTML: true,
  devToolbar: { enabled: false },
  // The sitemap lists the pages people read; the /embed/ twins point to them with a canonical link.
  integrations: partie === 'territoires' ? [] : [publishExports(), sitemap({ filter: (page) => !page.includes('/embed/'), customPages: pagesDesTerritoires() })],
  // Never inline scripts: the Content-Security-Policy allows scripts from the site only ('self').
  vite: { build: { assetsInlineLimit: 0 } },
});
