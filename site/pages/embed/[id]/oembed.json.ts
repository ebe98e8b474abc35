import type { APIRoute } from 'astro';
import { sharedCharts, sharedChart } from '../../../lib/graphiques.ts';
import { oembed } from '../../../lib/partage.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', '/embed/[id]/oembed.json', () => sharedCharts().map((c) => ({ params: { id: c.id } })));
}

export const GET: APIRoute = ({ params, site }) => new Response(JSON.stringify(oembed(sharedChart(params.id!), site!.href)), { headers: { 'content-type': 'application/json' } });
