import type { APIRoute } from 'astro';
import { sharedCharts, sharedChart } from '../../../lib/graphiques.ts';
import { composeSvg, pngOf } from '../../../lib/partage.ts';
import { chemins } from '../../../lib/partie.ts';

export function getStaticPaths() {
  return chemins('generale', '/embed/[id]/graphique.png', () => sharedCharts().map((c) => ({ params: { id: c.id } })));
}

// Rendered at build time from the same SVG, at twice its size (cached between builds): no client library needed.
export const GET: APIRoute = async ({ params, site }) =>
  new Response(new Uint8Array(await pngOf(composeSvg(sharedChart(params.id!), site!.href), 2)), { headers: { 'content-type': 'image/png' } });
