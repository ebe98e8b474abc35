import type { APIRoute } from 'astro';
import { sharedCharts, sharedChart } from '../../../lib/graphiques.ts';
import { chartCsv } from '../../../lib/partage.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', '/embed/[id]/donnees.csv', () => sharedCharts().map((c) => ({ params: { id: c.id } })));
}

export const GET: APIRoute = ({ params }) => new Response(chartCsv(sharedChart(params.id!)), { headers: { 'content-type': 'text/csv; charset=utf-8' } });
