// Astro builds the static site from site/ into dist/. Pages read the exports only (data/exports).
import { cpSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sitemap from '@astrojs/sitemap';
import { defineConfig } from 'astro/config';

const exportsDir = process.env.BAROMETRE_EXPORTS ?? fileURLToPath(new URL('./data/exports/', import.meta.url));

/** Publishes the exports under /donnees/ with the site. */
function publishExports() {
  return {
    name: 'barometre-exports',
    hooks: {
      'astro:build:done': ({ dir }) => {
        if (!existsSync(exportsDir)) throw new Error(`Exports introuvables (${exportsDir}) : lancez d'abord « barometre compute ».`);
        cpSync(exportsDir, fileURLToPath(new URL('./donnees/', dir)), { recursive: true });
      },
    },
  };
}

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: './dist',
  site: 'https://barometre-dcant.example.org',
  trailingSlash: 'always',
  // Two pages at a time: PNG images render off the main thread, so the second core is used.
  build: { format: 'directory', inlineStylesheets: 'auto', concurrency: 2 },
  compressHTML: true,
  devToolbar: { enabled: false },
  // The sitemap lists the pages people read; the /embed/ twins point to them with a canonical link.
  integrations: [publishExports(), sitemap({ filter: (page) => !page.includes('/embed/') })],
  // Never inline scripts: the Content-Security-Policy allows scripts from the site only ('self').
  vite: { build: { assetsInlineLimit: 0 } },
});
