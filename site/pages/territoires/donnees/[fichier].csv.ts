// The same data files as CSV tables, for spreadsheets.
import type { APIRoute, GetStaticPaths } from 'astro';
import { contexte } from '../../../lib/territoires.ts';
import { fichierCsv, fichiersDonnees } from '../../../lib/territoires-fichiers.ts';
import { chemins } from '../../../lib/partie.ts';

export const getStaticPaths = (() => chemins('generale', '/territoires/donnees/[fichier].csv', () => fichiersDonnees(contexte()).map((fichier) => ({ params: { fichier } })))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) => new Response(fichierCsv(contexte(), params.fichier!), { headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
