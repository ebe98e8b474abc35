import type { APIRoute } from 'astro';
import { sharedCharts, sharedChart } from '../../../lib/graphiques.ts';
import { composeSvg, svgToPng } from '../../../lib/partage.ts';

export function getStaticPaths() {
  return sharedCharts().map((c) => ({ params: { id: c.id } }));
}

// Rendered at build time from the same SVG, at twice its size: no client library needed.
export const GET: APIRoute = ({ params, site }) =>
  new Response(new Uint8Array(svgToPng(composeSvg(sharedChart(params.id!), site!.href), 2)), { headers: { 'content-type': 'image/png' } });
