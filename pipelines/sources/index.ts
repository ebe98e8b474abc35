// The registry: the only list of sources. The CLI, the scheduler, the exports and the tests read it.
import { odt } from './odt.ts';
import type { Source } from './types.ts';

export const SOURCES: readonly Source[] = [odt];

export function sourceById(id: string): Source {
  const source = SOURCES.find((s) => s.id === id);
  if (!source) throw new Error(`Source inconnue « ${id} ». Sources disponibles : ${SOURCES.map((s) => s.id).join(', ')}.`);
  return source;
}
