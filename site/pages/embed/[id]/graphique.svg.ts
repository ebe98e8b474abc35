import type { APIRoute } from 'astro';
import { sharedCharts, sharedChart } from '../../../lib/graphiques.ts';
import { composeSvg } from '../../../lib/partage.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', '/embed/[id]/graphique.svg', () => sharedCharts().map((c) => ({ params: { id: c.id } })));
}

export const GET: APIRoute = ({ params, site }) =>
  new Response(composeSvg(sharedChart(params.id!), site!.href), { headers: { 'content-type': 'image/svg+xml' } });
