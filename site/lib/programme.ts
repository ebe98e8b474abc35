// The DCANT roadmap: axes, actions and their status semester after semester, from data/programme/*.csv.
// The site otherwise reads the exports only; the roadmap is editorial content committed with the code (edited by the
// programme's board in a spreadsheet), not data computed by the pipelines, so it is read here directly, at build time.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const STATUTS = ['a_lancer', 'demarree', 'en_cours', 'terminee', 'abandonnee'] as const;
export type Statut = (typeof STATUTS)[number];

export const STATUT_LABELS: Record<Statut, string> = {
  a_lancer: 'à lancer',
  demarree: 'démarrée',
  en_cours: 'en cours',
  terminee: 'terminée',
  abandonnee: 'abandonnée',
};

export interface Axe {
  id: string;
  cle: string;
  libelle: string;
  description: string;
  source: string;
  aVerifier: boolean;
  note: string;
}

export interface Action {
  id: string;
  axe: string;
  libelle: string;
  /** Empty until known: owners are never guessed. */
  pilotes: string[];
  description: string;
  source: string;
  aVerifier: boolean;
  note: string;
}

export interface StatutAction {
  action: string;
  periode: string;
  statut: Statut;
  commentaire: string;
  source: string;
}

export interface Programme {
  dossier: string;
  axes: Axe[];
  actions: Action[];
  statuts: StatutAction[];
}

export const PROGRAMME_DIR = 'data/programme';

/** A roadmap file that cannot be used: says which file, which line (1 = header) and which value. */
export class ProgrammeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    message: string,
  ) {
    super(`${file}${line === null ? '' : `, ligne ${line}`} : ${message}`);
    this.name = 'ProgrammeError';
  }
}

interface Record_ {
  line: number;
  values: Record<string, string>;
}

/** RFC 4180 records, each with the physical line it starts on (a quoted field may span lines). */
export function readCsvRecords(text: string, file: string): { header: string[]; records: Record_[] } {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: start, fields });
    fields = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) throw new ProgrammeError(file, start, 'guillemet ouvert jamais refermé');
  if (field !== '' || fields.length > 0) endRecord();
  const [head, ...body] = rows;
  if (!head) throw new ProgrammeError(file, null, "fichier vide (une ligne d'en-tête est attendue)");
  const header = head.fields.map((h) => h.trim());
  const records = body.map((r) => {
    if (r.fields.length !== header.length) {
      throw new ProgrammeError(file, r.line, `${r.fields.length} champs au lieu de ${header.length} (${header.join(', ')}) ; un texte contenant une virgule doit être entre guillemets`);
    }
    return { line: r.line, values: Object.fromEntries(header.map((h, j) => [h, (r.fields[j] ?? '').trim()])) };
  });
  return { header, records };
}

function readTable(dir: string, name: string, columns: readonly string[]): { file: string; records: Record_[] } {
  const path = join(dir, name);
  // Errors name the file as the board knows it (data/programme/…), not by an absolute path.
  const rel = relative(process.cwd(), path);
  const file = rel === '' || rel.startsWith('..') ? path : rel;
  if (!existsSync(path)) throw new ProgrammeError(file, null, 'fichier introuvable');
  const { header, records } = readCsvRecords(readFileSync(path, 'utf8'), file);
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new ProgrammeError(file, 1, `colonne${missing.length > 1 ? 's' : ''} absente${missing.length > 1 ? 's' : ''} : ${missing.join(', ')} (en-tête attendu : ${columns.join(',')})`);
  return { file, records };
}

function aVerifier(value: string, file: string, line: number): boolean {
  if (value === '' || value === 'non') return false;
  if (value === 'oui') return true;
  throw new ProgrammeError(file, line, `a_verifier « ${value} » invalide (attendu : oui, non ou vide)`);
}

const PERIODE = /^\d{4}-S[12]$/;

/** Reads and validates the roadmap; any unknown axis, action, status or semester fails, naming file, line and value. */
export function loadProgramme(dir = resolve(process.cwd(), PROGRAMME_DIR)): Programme {
  const axesT = readTable(dir, 'axes.csv', ['id', 'cle', 'libelle', 'description', 'source', 'a_verifier', 'note']);
  const axes: Axe[] = [];
  for (const { line, values: v } of axesT.records) {
    if (!/^[A-Z]$/.test(v.id!)) throw new ProgrammeError(axesT.file, line, `identifiant d'axe « ${v.id} » invalide (une lettre majuscule : A, B, C…)`);
    if (axes.some((a) => a.id === v.id)) throw new ProgrammeError(axesT.file, line, `axe « ${v.id} » en double`);
    if (v.libelle === '') throw new ProgrammeError(axesT.file, line, `libellé vide pour l'axe « ${v.id} »`);
    axes.push({ id: v.id!, cle: v.cle!, libelle: v.libelle!, description: v.description!, source: v.source!, aVerifier: aVerifier(v.a_verifier!, axesT.file, line), note: v.note! });
  }

  const actionsT = readTable(dir, 'actions.csv', ['id', 'axe', 'libelle', 'pilotes', 'description', 'source', 'a_verifier', 'note']);
  const actions: Action[] = [];
  for (const { line, values: v } of actionsT.records) {
    if (!/^[A-Z]\d+$/.test(v.id!)) throw new ProgrammeError(actionsT.file, line, `identifiant d'action « ${v.id} » invalide (lettre de l'axe suivie d'un numéro, par exemple A1)`);
    if (actions.some((a) => a.id === v.id)) throw new ProgrammeError(actionsT.file, line, `action « ${v.id} » en double`);
    if (!axes.some((a) => a.id === v.axe)) throw new ProgrammeError(actionsT.file, line, `axe « ${v.axe} » inconnu (axes de axes.csv : ${axes.map((a) => a.id).join(', ')})`);
    if (!v.id!.startsWith(v.axe!)) throw new ProgrammeError(actionsT.file, line, `l'action « ${v.id} » est rangée dans l'axe « ${v.axe} » : son identifiant doit commencer par la lettre de son axe`);
    if (v.libelle === '') throw new ProgrammeError(actionsT.file, line, `libellé vide pour l'action « ${v.id} »`);
    const pilotes = v.pilotes!.split(';').map((p) => p.trim()).filter((p) => p !== '');
    actions.push({ id: v.id!, axe: v.axe!, libelle: v.libelle!, pilotes, description: v.description!, source: v.source!, aVerifier: aVerifier(v.a_verifier!, actionsT.file, line), note: v.note! });
  }

  const statutsT = readTable(dir, 'statuts.csv', ['action', 'periode', 'statut', 'commentaire', 'source']);
  const statuts: StatutAction[] = [];
  for (const { line, values: v } of statutsT.records) {
    if (!actions.some((a) => a.id === v.action)) throw new ProgrammeError(statutsT.file, line, `action « ${v.action} » inconnue (elle doit figurer dans actions.csv)`);
    if (!PERIODE.test(v.periode!)) throw new ProgrammeError(statutsT.file, line, `période « ${v.periode} » invalide (attendu : AAAA-S1 ou AAAA-S2, par exemple 2026-S2)`);
    if (!(STATUTS as readonly string[]).includes(v.statut!)) throw new ProgrammeError(statutsT.file, line, `statut « ${v.statut} » inconnu (attendu : ${STATUTS.join(', ')})`);
    if (statuts.some((s) => s.action === v.action && s.periode === v.periode)) throw new ProgrammeError(statutsT.file, line, `l'action « ${v.action} » a déjà un statut pour ${v.periode}`);
    statuts.push({ action: v.action!, periode: v.periode!, statut: v.statut as Statut, commentaire: v.commentaire!, source: v.source! });
  }
  return { dossier: dir, axes, actions, statuts };
}

/** The status an action had at a semester: its latest row whose semester is not after it; null when none yet. */
export function statutAu(programme: Programme, action: string, periode: string): StatutAction | null {
  return programme.statuts.filter((s) => s.action === action && s.periode <= periode).sort((a, b) => a.periode.localeCompare(b.periode)).at(-1) ?? null;
}

export interface FeuilleDeRouteAxe {
  axe: Axe;
  actions: { action: Action; statut: StatutAction | null }[];
}

/** Every axis with its actions (in file order) and their status at the semester. */
export function feuilleDeRoute(programme: Programme, periode: string): FeuilleDeRouteAxe[] {
  return programme.axes.map((axe) => ({
    axe,
    actions: programme.actions.filter((a) => a.axe === axe.id).map((action) => ({ action, statut: statutAu(programme, action.id, periode) })),
  }));
}

let cached: Programme | undefined;
/** The committed roadmap, read once per build. */
export function programme(): Programme {
  cached ??= loadProgramme();
  return cached;
}
