// Procedures of the State's observatory in which collectivités take part (data/referentiels/demarches-partagees.csv).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../base/config.ts';
import { parseCsv, requireColumns } from '../base/csv.ts';
import { cleDemarche } from './vde-definitions.ts';

export const NIVEAUX_COLLECTIVITE = ['commune', 'epci', 'departement', 'region'] as const;
export type NiveauCollectivite = (typeof NIVEAUX_COLLECTIVITE)[number];

export interface RegleDemarchePartagee {
  ligne: number;
  motif: string;
  niveaux: NiveauCollectivite[];
  note: string;
  test: (cle: string) => boolean;
}

export const PARTAGEES_PATH = resolve(PROJECT_ROOT, 'data/referentiels/demarches-partagees.csv');

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A `*` pattern, written as a title: each literal part goes through the same normalisation as titles, keeping
 * a space where the author put one next to a `*` (so `* apa *` means the word « apa »). The whole title must match.
 */
export function compileGlob(motif: string): RegExp {
  const parts = motif.split('*').map((part) => {
    const key = cleDemarche(part);
    if (key === '') return /\s/.test(part) ? ' ' : '';
    return `${/^\s/.test(part) ? ' ' : ''}${escapeRegex(key)}${/\s$/.test(part) ? ' ' : ''}`;
  });
  return new RegExp(`^ ?${parts.join('.*')} ?$`);
}

/** Reads and checks the file; any bad line fails with its number, since a silent mistake would misclassify procedures. */
export function loadDemarchesPartagees(path = PARTAGEES_PATH): RegleDemarchePartagee[] {
  const what = `référentiel des démarches partagées (${path})`;
  const table = parseCsv(readFileSync(path), { what });
  requireColumns(table, ['motif', 'niveau_collectivite', 'note'], what);
  if (table.malformed.length > 0) throw new Error(`${what} : ligne ${table.malformed[0]!.line} mal formée (${table.malformed[0]!.reason}).`);
  return table.rows.map(({ line, values }) => {
    const motif = (values.motif ?? '').trim();
    const fail = (why: string) => {
      throw new Error(`${what}, ligne ${line} : ${why}`);
    };
    if (motif === '') fail('motif vide.');
    const niveaux = (values.niveau_collectivite ?? '').split('|').map((n) => n.trim());
    for (const n of niveaux) {
      if (!(NIVEAUX_COLLECTIVITE as readonly string[]).includes(n)) fail(`niveau « ${n} » inconnu (attendu : ${NIVEAUX_COLLECTIVITE.join(', ')}, plusieurs séparés par « | »).`);
    }
    if ((values.note ?? '').trim() === '') fail(`note vide : dites pourquoi la démarche associe ce niveau de collectivité.`);
    let test: (cle: string) => boolean;
    if (motif.startsWith('re:')) {
      let re: RegExp;
      try {
        re = new RegExp(motif.slice(3), 'u');
      } catch (error) {
        return fail(`expression régulière invalide « ${motif.slice(3)} » (${(error as Error).message}).`);
      }
      test = (cle) => re.test(cle);
    } else {
      const re = compileGlob(motif);
      test = (cle) => re.test(` ${cle} `);
    }
    return { ligne: line, motif, niveaux: niveaux as NiveauCollectivite[], note: values.note!.trim(), test };
  });
}

let cached: RegleDemarchePartagee[] | undefined;
export function demarchesPartagees(): RegleDemarchePartagee[] {
  cached ??= loadDemarchesPartagees();
  return cached;
}

/** The collectivité levels of a procedure (`commune|epci`), from the first rule that matches its key; null: State only. */
export function niveauCollectivite(cle: string, regles = demarchesPartagees()): { niveau: string; motif: string } | null {
  const rule = regles.find((r) => r.test(cle));
  return rule ? { niveau: rule.niveaux.join('|'), motif: rule.motif } : null;
}
