// /indicateurs/<id>/donnees.fr.csv: the same rows for a French spreadsheet (BOM, ";", decimal comma).
import type { APIRoute } from 'astro';
import { loadSiteData } from '../../../lib/data.ts';
import { barometreCsv, barometreFields } from '../../../lib/export-csv.ts';
import { pageRows } from '../../../lib/indicateurs.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', '/indicateurs/[id]/donnees.fr.csv', () => loadSiteData().indicateurs.map((i) => ({ params: { id: i.id } })));
}

export const GET: APIRoute = ({ params }) => {
  const data = loadSiteData();
  return new Response(barometreCsv(pageRows(data, params.id!), barometreFields(data.folder), { french: true }), { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
};
