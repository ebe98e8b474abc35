// Reading the roadmap (programme.ts): data/programme/*.csv, each file checked against the others; any unknown axis,
// action, owner, document, status or semester fails with a ProgrammeError naming file, line and value.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  STATUTS,
  type Action,
  type Axe,
  type Citation,
  type Conviction,
  type DocumentProgramme,
  type Historique,
  type Organisation,
  type Programme,
  type Resultat,
  type Statut,
  type StatutAction,
} from './programme-modele.ts';

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

const PERIODE = /^\d{4}-S[12]$/;
const IDENTIFIANT = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ADRESSE = /^https?:\/\/\S+$/;

/** Values separated by « ; », blanks dropped. */
const liste = (value: string) =>
  value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');

function checkPeriode(value: string, file: string, line: number, column = 'periode'): string {
  if (!PERIODE.test(value)) throw new ProgrammeError(file, line, `${column} « ${value} » invalide (attendu : AAAA-S1 ou AAAA-S2, par exemple 2026-S2)`);
  return value;
}

function nonVide(value: string, what: string, file: string, line: number): string {
  if (value === '') throw new ProgrammeError(file, line, `${what} vide`);
  return value;
}

/** A row's citation: a document of documents.csv and the section it comes from, both required. */
function citation(v: Record<string, string>, file: string, line: number, documents: DocumentProgramme[]): Citation {
  const document = v.document!;
  if (!documents.some((d) => d.id === document)) {
    throw new ProgrammeError(file, line, `document « ${document} » inconnu : chaque ligne cite un document de documents.csv (${documents.map((d) => d.id).join(', ')})`);
  }
  return { document, section: nonVide(v.section!, `section du document « ${document} »`, file, line) };
}

/** Reads and validates the roadmap; any unknown axis, action, owner, document, status or semester fails, naming file, line and value. */
export function loadProgramme(dir = resolve(process.cwd(), PROGRAMME_DIR)): Programme {
  const docsT = readTable(dir, 'documents.csv', ['id', 'titre', 'editeur', 'date', 'fichier', 'adresse']);
  const documents: DocumentProgramme[] = [];
  for (const { line, values: v } of docsT.records) {
    if (!IDENTIFIANT.test(v.id!)) throw new ProgrammeError(docsT.file, line, `identifiant de document « ${v.id} » invalide (minuscules, chiffres et tirets, par exemple bilan-2019-s2)`);
    if (documents.some((d) => d.id === v.id)) throw new ProgrammeError(docsT.file, line, `document « ${v.id} » en double`);
    if (!/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/.test(v.date!)) throw new ProgrammeError(docsT.file, line, `date « ${v.date} » invalide (attendu : AAAA, AAAA-MM ou AAAA-MM-JJ)`);
    if (v.adresse !== '' && !ADRESSE.test(v.adresse!)) throw new ProgrammeError(docsT.file, line, `adresse « ${v.adresse} » invalide (attendu : une adresse http(s)://…, ou vide)`);
    documents.push({ id: v.id!, titre: nonVide(v.titre!, 'titre', docsT.file, line), editeur: v.editeur!, date: v.date!, fichier: v.fichier!, adresse: v.adresse! });
  }

  const orgT = readTable(dir, 'organisations.csv', ['id', 'nom', 'note']);
  const organisations: Organisation[] = [];
  for (const { line, values: v } of orgT.records) {
    nonVide(v.id!, 'identifiant', orgT.file, line);
    if (organisations.some((o) => o.id === v.id)) throw new ProgrammeError(orgT.file, line, `organisation « ${v.id} » en double`);
    organisations.push({ id: v.id!, nom: nonVide(v.nom!, `nom de « ${v.id} »`, orgT.file, line), note: v.note! });
  }

  const axesT = readTable(dir, 'axes.csv', ['id', 'cle', 'libelle', 'ambition', 'document', 'section']);
  const axes: Axe[] = [];
  for (const { line, values: v } of axesT.records) {
    if (!/^[A-Z]$/.test(v.id!)) throw new ProgrammeError(axesT.file, line, `identifiant d'axe « ${v.id} » invalide (une lettre majuscule : A, B, C…)`);
    if (axes.some((a) => a.id === v.id)) throw new ProgrammeError(axesT.file, line, `axe « ${v.id} » en double`);
    if (!IDENTIFIANT.test(v.cle!)) throw new ProgrammeError(axesT.file, line, `clé « ${v.cle} » invalide (minuscules et tirets, par exemple socle-commun)`);
    axes.push({
      id: v.id!,
      cle: v.cle!,
      libelle: nonVide(v.libelle!, `libellé de l'axe « ${v.id} »`, axesT.file, line),
      ambition: nonVide(v.ambition!, `ambition de l'axe « ${v.id} »`, axesT.file, line),
      ...citation(v, axesT.file, line, documents),
    });
  }
  const axeConnu = (id: string, file: string, line: number) => {
    if (!axes.some((a) => a.id === id)) throw new ProgrammeError(file, line, `axe « ${id} » inconnu (axes de axes.csv : ${axes.map((a) => a.id).join(', ')})`);
    return id;
  };

  const convT = readTable(dir, 'convictions.csv', ['axe', 'ordre', 'texte', 'document', 'section']);
  const convictions: Conviction[] = convT.records.map(({ line, values: v }) => {
    if (!/^\d+$/.test(v.ordre!)) throw new ProgrammeError(convT.file, line, `ordre « ${v.ordre} » invalide (un nombre entier : 1, 2, 3…)`);
    return { axe: axeConnu(v.axe!, convT.file, line), ordre: Number(v.ordre), texte: nonVide(v.texte!, 'texte', convT.file, line), ...citation(v, convT.file, line, documents) };
  });

  const orgConnue = (ids: string[], column: string, file: string, line: number) => {
    for (const id of ids) {
      if (!organisations.some((o) => o.id === id)) throw new ProgrammeError(file, line, `${column} : « ${id} » inconnu (ajoutez-le à organisations.csv, ou corrigez l'orthographe ; plusieurs séparés par « ; »)`);
    }
    return ids;
  };

  const actionsT = readTable(dir, 'actions.csv', ['id', 'axe', 'periode', 'libelle', 'porteurs', 'partenaires', 'indicateurs', 'mesure', 'document', 'section']);
  const actions: Action[] = [];
  for (const { line, values: v } of actionsT.records) {
    if (!/^[A-Z]\d+$/.test(v.id!)) throw new ProgrammeError(actionsT.file, line, `identifiant d'action « ${v.id} » invalide (lettre de l'axe suivie d'un numéro, par exemple A1)`);
    if (actions.some((a) => a.id === v.id && a.periode === v.periode)) throw new ProgrammeError(actionsT.file, line, `action « ${v.id} » en double pour ${v.periode}`);
    axeConnu(v.axe!, actionsT.file, line);
    if (!v.id!.startsWith(v.axe!)) throw new ProgrammeError(actionsT.file, line, `l'action « ${v.id} » est rangée dans l'axe « ${v.axe} » : son identifiant doit commencer par la lettre de son axe`);
    const porteurs = orgConnue(liste(v.porteurs!), 'porteurs', actionsT.file, line);
    if (porteurs.length === 0) throw new ProgrammeError(actionsT.file, line, `porteurs vides pour l'action « ${v.id} » : le document dit qui porte chaque action`);
    const indicateurs = liste(v.indicateurs!);
    for (const id of indicateurs) {
      if (!IDENTIFIANT.test(id)) throw new ProgrammeError(actionsT.file, line, `indicateur « ${id} » invalide (un identifiant d'indicateur : minuscules, chiffres et tirets, par exemple ouverture-donnees ; plusieurs séparés par « ; »)`);
    }
    actions.push({
      id: v.id!,
      axe: v.axe!,
      periode: checkPeriode(v.periode!, actionsT.file, line),
      libelle: nonVide(v.libelle!, `libellé de l'action « ${v.id} »`, actionsT.file, line),
      porteurs,
      partenaires: orgConnue(liste(v.partenaires!), 'partenaires', actionsT.file, line),
      indicateurs,
      mesure: nonVide(v.mesure!, `mesure de l'action « ${v.id} » (dites ce que mesurent ses indicateurs, ou pourquoi aucun ne la mesure)`, actionsT.file, line),
      ...citation(v, actionsT.file, line, documents),
    });
  }
  const actionConnue = (id: string, file: string, line: number) => {
    if (!actions.some((a) => a.id === id)) throw new ProgrammeError(file, line, `action « ${id} » inconnue (elle doit figurer dans actions.csv)`);
    return id;
  };

  const resT = readTable(dir, 'resultats.csv', ['id', 'axe', 'periode', 'intitule', 'texte', 'suite', 'document', 'section']);
  const resultats: Resultat[] = [];
  for (const { line, values: v } of resT.records) {
    if (!/^R[A-Z]\d+$/.test(v.id!)) throw new ProgrammeError(resT.file, line, `identifiant de résultat « ${v.id} » invalide (R, la lettre de l'axe, un numéro : RA1, RC4…)`);
    if (resultats.some((r) => r.id === v.id && r.periode === v.periode)) throw new ProgrammeError(resT.file, line, `résultat « ${v.id} » en double pour ${v.periode}`);
    axeConnu(v.axe!, resT.file, line);
    if (v.id![1] !== v.axe) throw new ProgrammeError(resT.file, line, `le résultat « ${v.id} » est rangé dans l'axe « ${v.axe} » : sa deuxième lettre doit être celle de son axe`);
    resultats.push({
      id: v.id!,
      axe: v.axe!,
      periode: checkPeriode(v.periode!, resT.file, line),
      intitule: nonVide(v.intitule!, 'intitulé', resT.file, line),
      texte: nonVide(v.texte!, 'texte', resT.file, line),
      suite: liste(v.suite!).map((id) => actionConnue(id, resT.file, line)),
      ...citation(v, resT.file, line, documents),
    });
  }

  const histT = readTable(dir, 'historique.csv', ['programme', 'type', 'id', 'parent', 'libelle', 'document', 'section']);
  const historique: Historique[] = [];
  for (const { line, values: v } of histT.records) {
    if (!/^\d{4}-\d{4}$/.test(v.programme!)) throw new ProgrammeError(histT.file, line, `programme « ${v.programme} » invalide (attendu : ses années, par exemple 2018-2020)`);
    if (v.type !== 'axe' && v.type !== 'recommandation') throw new ProgrammeError(histT.file, line, `type « ${v.type} » inconnu (attendu : axe ou recommandation)`);
    nonVide(v.id!, 'identifiant', histT.file, line);
    if (historique.some((h) => h.id === v.id)) throw new ProgrammeError(histT.file, line, `identifiant « ${v.id} » en double`);
    if (v.type === 'recommandation' && !historique.some((h) => h.type === 'axe' && h.programme === v.programme && h.id === v.parent)) {
      throw new ProgrammeError(histT.file, line, `la recommandation « ${v.id} » doit avoir pour parent un axe de son programme déclaré plus haut (trouvé : « ${v.parent} »)`);
    }
    if (v.type === 'axe' && v.parent !== '') axeConnu(v.parent!, histT.file, line);
    historique.push({ programme: v.programme!, type: v.type, id: v.id!, parent: v.parent!, libelle: nonVide(v.libelle!, 'libellé', histT.file, line), ...citation(v, histT.file, line, documents) });
  }

  const statutsT = readTable(dir, 'statuts.csv', ['action', 'periode', 'statut', 'commentaire', 'document', 'section']);
  const statuts: StatutAction[] = [];
  for (const { line, values: v } of statutsT.records) {
    actionConnue(v.action!, statutsT.file, line);
    checkPeriode(v.periode!, statutsT.file, line);
    if (!(STATUTS as readonly string[]).includes(v.statut!)) throw new ProgrammeError(statutsT.file, line, `statut « ${v.statut} » inconnu (attendu : ${STATUTS.join(', ')})`);
    if (statuts.some((s) => s.action === v.action && s.periode === v.periode)) throw new ProgrammeError(statutsT.file, line, `l'action « ${v.action} » a déjà un statut pour ${v.periode}`);
    if (v.document !== '' && !ADRESSE.test(v.document!) && !documents.some((d) => d.id === v.document)) {
      throw new ProgrammeError(statutsT.file, line, `document « ${v.document} » inconnu (attendu : un document de documents.csv, une adresse http(s)://…, ou vide)`);
    }
    statuts.push({ action: v.action!, periode: v.periode!, statut: v.statut as Statut, commentaire: v.commentaire!, document: v.document!, section: v.section! });
  }
  return { dossier: dir, documents, organisations, axes, convictions, resultats, actions, historique, statuts };
}
