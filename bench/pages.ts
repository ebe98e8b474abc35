// One page of each type of the built site: the list that the browser gates (axe, Lighthouse, screenshots) walk.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One page of each type; the semester is the latest of the fixture site. */
export function pageTypes(distDir: string): [string, string][] {
  const semestres = existsSync(join(distDir, 'semestres')) ? readdirSync(join(distDir, 'semestres')).filter((d) => /^\d{4}-S[12]$/.test(d)).sort() : [];
  const embeds = existsSync(join(distDir, 'embed')) ? findFirstIndex(join(distDir, 'embed'), '/embed/') : null;
  return [
    ['accueil', '/'],
    ['baromètre', '/barometre/'],
    ['indicateur', '/indicateurs/ouverture-donnees/'],
    ['région', '/territoires/region/53/'],
    ['département', '/territoires/departement/35/'],
    ['EPCI', '/territoires/epci/243500139/'],
    ['commune', '/territoires/commune/35238/'],
    ['recherche de territoires', '/territoires/'],
    ['semestre', `/semestres/${semestres.at(-1) ?? 'absent'}/`],
    ['démarches', '/demarches/'],
    ['programme', '/programme/'],
    ['données', '/donnees/'],
    ['méthodologie', '/methodologie/'],
    ['accessibilité', '/accessibilite/'],
    ...(embeds ? ([['intégration', embeds]] as [string, string][]) : []),
  ];
}

function findFirstIndex(dir: string, prefix: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) {
      if (existsSync(join(dir, entry.name, 'index.html'))) return `${prefix}${entry.name}/`;
      const deeper = findFirstIndex(join(dir, entry.name), `${prefix}${entry.name}/`);
      if (deeper) return deeper;
    }
  }
  return null;
}

