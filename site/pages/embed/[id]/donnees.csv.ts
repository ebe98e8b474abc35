import type { APIRoute } from 'astro';
import { sharedCharts, sharedChart } from '../../../lib/graphiques.ts';
import { chartCsv } from '../../../lib/partage.ts';

export function getStaticPaths() {
  return sharedCharts().map((c) => ({ params: { id: c.id } }));
}

export const GET: APIRoute = ({ params }) => new Response(chartCsv(sharedChart(params.id!)), { headers: { 'content-type': 'text/csv; charset=utf-8' } });
