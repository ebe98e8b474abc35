// /territoires/donnees/<département>.json (its communes), epci.json, france.json (départements and régions).
import type { APIRoute, GetStaticPaths } from 'astro';
import { contexte } from '../../../lib/territoires.ts';
import { fichierDonnees, fichiersDonnees } from '../../../lib/territoires-fichiers.ts';
import { chemins } from '../../../lib/partie.ts';

export const getStaticPaths = (() => chemins('generale', '/territoires/donnees/[fichier].json', () => fichiersDonnees(contexte()).map((fichier) => ({ params: { fichier } })))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) =>
  new Response(JSON.stringify(fichierDonnees(contexte(), params.fichier!)), { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
