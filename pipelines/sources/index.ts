// The registry: the only list of sources. The CLI, the scheduler, the exports and the tests read it.
import { ban } from './ban.ts';
import { banPublications } from './ban-publications.ts';
import { anctServices } from './anct-services.ts';
import { contours } from './contours.ts';
import { datagouv } from './datagouv.ts';
import { decp } from './decp.ts';
import { ds } from './ds.ts';
import { enquetes } from './enquetes.ts';
import { odt } from './odt.ts';
import { odtHistorique } from './odt-historique.ts';
import { presenceNumerique } from './presence-numerique.ts';
import { sites } from './sites/source.ts';
import type { Config } from '../base/config.ts';
import type { Source } from './types.ts';
import { vde } from './vde.ts';

export const SOURCES: readonly Source[] = [odt, odtHistorique, contours, vde, ds, enquetes, datagouv, ban, banPublications, decp, anctServices, presenceNumerique, sites];

/** The live URL of a source: the configuration's override, else its own; null when it has none (a survey file). */
export function liveUrl(config: Config, source: Source): string | null {
  return config.sources[source.id]?.url ?? (source.url || null);
}

export function sourceById(id: string): Source {
  const source = SOURCES.find((s) => s.id === id);
  if (!source) throw new Error(`Source inconnue « ${id} ». Sources disponibles : ${SOURCES.map((s) => s.id).join(', ')}.`);
  return source;
}
