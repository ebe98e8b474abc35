// Simulated collectivités' sites for `npm run bench -- observatoire`, in a process of their own (so that the
// crawler's memory is measured alone): `argv[2]` servers on loopback, each holding its share of `argv[3]` sites
// of eight pages under /s<i>/. Prints the servers' addresses as one JSON line, then serves until killed.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const servers = Number(process.argv[2] ?? 50);
const sites = Number(process.argv[3] ?? 5000);

/** About 20 KB of ordinary content: a commune's news. */
const remplissage = Array.from({ length: 60 }, (_, i) => `<article><h3>Actualité ${i}</h3><p>La mairie informe les habitants des travaux de voirie prévus rue de la République, du ${(i % 28) + 1} au ${(i % 28) + 2} mars. Renseignements à l'accueil.</p></article>`).join('');

function page(site: string, chemin: string): string {
  const nav = ['accessibilite', 'plan-du-site', 'deliberations', 'demarches', 'urbanisme', 'mentions-legales', 'contact'].map((p) => `<li><a href="/${site}/${p}">${p.replace(/-/g, ' ')}</a></li>`).join('');
  const corps: Record<string, string> = {
    '': `<h1>Commune ${site}</h1>${remplissage}<footer><a href="/${site}/accessibilite">Accessibilité : partiellement conforme</a></footer>`,
    accessibilite: `<h1>Déclaration d'accessibilité</h1><h2>État de conformité</h2><h2>Résultats des tests</h2><p>64 % des critères du RGAA sont respectés.</p><h2>Établissement de cette déclaration d'accessibilité</h2><p>Cette déclaration a été établie le 3 février 2025.</p><h2>Voies de recours</h2>`,
    'plan-du-site': `<h1>Plan du site</h1><ul>${nav}</ul>`,
    deliberations: `<h1>Délibérations du conseil municipal</h1><ul>${Array.from({ length: 30 }, (_, i) => `<li><a href="/${site}/docs/deliberation-${i}.pdf">Séance du ${(i % 28) + 1} janvier 2026</a></li>`).join('')}</ul>`,
    demarches: `<h1>Démarches</h1><a href="https://www.payfip.gouv.fr/tpa/accueil">Payer en ligne</a><a href="https://rdv.anct.gouv.fr/">Prendre rendez-vous</a>`,
    urbanisme: `<h1>Urbanisme</h1><a href="https://gnau1.operis.fr/${site}/gnau/">Déposer une demande d'urbanisme</a>`,
    'mentions-legales': `<h1>Mentions légales</h1>${remplissage.slice(0, 4000)}`,
    contact: `<h1>Contact</h1><form><label>Message <textarea></textarea></label></form>`,
  };
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${chemin || 'Accueil'}</title></head><body><nav><ul>${nav}</ul></nav><main>${corps[chemin] ?? '<h1>Page</h1>'}</main></body></html>`;
}

const adresses: string[] = [];
for (let i = 0; i < servers; i++) {
  const server = createServer((req, res) => {
    if (req.url === '/robots.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /admin/\n');
    const m = /^\/(s\d+)\/([\w-]*)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('absente');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(m[1]!, m[2]!));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  adresses.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}
process.stdout.write(`${JSON.stringify({ adresses, sites })}\n`);
