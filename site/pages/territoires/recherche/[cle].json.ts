// The search index, one small file per first letter of a name or first two characters of a code.
import type { APIRoute, GetStaticPaths } from 'astro';
import { contexte, indexRecherche } from '../../../lib/territoires.ts';
import { chemins } from '../../../lib/partie.ts';

export const getStaticPaths = (() => chemins('territoires', '/territoires/recherche/[cle].json', () => [...indexRecherche(contexte()).keys()].map((cle) => ({ params: { cle } })))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) =>
  new Response(JSON.stringify(indexRecherche(contexte()).get(params.cle!)), { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
