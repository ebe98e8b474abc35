// Cron helpers shared by the scheduler (which runs the sources on their expressions) and the data-quality page
// (which says whether a source is late against its own calendar). node-cron reads the expressions.
import cron from 'node-cron';
import type { Config } from './config.ts';

/** The cron expression of a source: the configuration's override, else the registry's default. */
export function scheduleOf(config: Pick<Config, 'sources'>, source: { id: string; schedule: string }): string {
  return config.sources[source.id]?.schedule ?? source.schedule;
}

/** The most recent occurrence of `expression` at or before `now` (minute precision), within `maxDays`. */
export function previousOccurrence(expression: string, timezone: string, now: Date, maxDays = 400): Date | null {
  const task = cron.createTask(expression, () => undefined, { timezone });
  try {
    const t = new Date(now);
    t.setUTCSeconds(0, 0);
    for (let i = 0; i < maxDays * 24 * 60; i++) {
      if (task.match(t)) return t;
      t.setTime(t.getTime() - 60_000);
    }
    return null;
  } finally {
    void task.destroy();
  }
}
