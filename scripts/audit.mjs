#!/usr/bin/env node
// `npm run audit`: `npm audit --omit=dev` at high severity. Findings fail unless justified in docs/qualite.md
// (section "Exceptions à npm audit", one line per advisory: `- GHSA-xxxx-xxxx-xxxx : raison`). When the
// registry does not offer the audit endpoint (these machines' registry mirror answers 405), say so plainly.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let raw;
try {
  raw = execFileSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (error) {
  raw = error.stdout ?? '';
}
let report;
try {
  report = JSON.parse(raw);
} catch {
  report = null;
}
if (!report || report.error || !report.vulnerabilities) {
  const why = report?.message || report?.error?.summary || 'réponse illisible';
  console.log(`audit : le service d'audit du registre npm n'a pas répondu (${String(why).split('\n')[0]}). Aucun résultat : relancez « npm run audit » là où le registre public est joignable.`);
  process.exit(0);
}
const qualite = readFileSync(new URL('../docs/qualite.md', import.meta.url), 'utf8');
const section = qualite.split(/^### Exceptions à npm audit$/m)[1]?.split(/^#/m)[0] ?? '';
const justified = new Set([...section.matchAll(/^- (GHSA-[\w-]+)/gm)].map((m) => m[1]));
const findings = [];
for (const [name, v] of Object.entries(report.vulnerabilities)) {
  if (!['high', 'critical'].includes(v.severity)) continue;
  for (const via of v.via) {
    if (typeof via !== 'object') continue;
    const id = via.url?.split('/').pop() ?? via.source;
    if (!justified.has(id)) findings.push(`${name} : ${via.title} (${via.severity}, ${via.url ?? id})`);
  }
}
if (findings.length > 0) {
  console.error(`audit : ${findings.length} vulnérabilité(s) de gravité haute ou critique non justifiée(s) dans docs/qualite.md :\n${findings.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`audit : aucune vulnérabilité haute ou critique non justifiée (${justified.size} exception(s) justifiée(s)).`);
