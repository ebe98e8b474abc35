// /indicateurs/<id>/donnees.fr.csv: the same rows for a French spreadsheet (BOM, ";", decimal comma).
import type { APIRoute } from 'astro';
import { loadSiteData } from '../../../lib/data.ts';
import { barometreCsv } from '../../../lib/export-csv.ts';
import { pageRows } from '../../../lib/indicateurs.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', () => loadSiteData().indicateurs.map((i) => ({ params: { id: i.id } })));
}

export const GET: APIRoute = ({ params }) =>
  new Response(barometreCsv(pageRows(loadSiteData(), params.id!), { french: true }), { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
