// /indicateurs/<id>/donnees.csv: exactly the rows the indicator's page shows.
import type { APIRoute } from 'astro';
import { loadSiteData } from '../../../lib/data.ts';
import { barometreCsv, barometreFields } from '../../../lib/export-csv.ts';
import { pageRows } from '../../../lib/indicateurs.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', '/indicateurs/[id]/donnees.csv', () => loadSiteData().indicateurs.map((i) => ({ params: { id: i.id } })));
}

export const GET: APIRoute = ({ params }) => {
  const data = loadSiteData();
  return new Response(barometreCsv(pageRows(data, params.id!), barometreFields(data.folder)), { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
};
