// Logging: readable lines for people, one JSON object per line for machines (the scheduler).
// Progress is drawn only on an interactive terminal, never in CI logs.

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A transient progress line; a no-op off a terminal. */
  progress(message: string): void;
}

export interface LoggerOptions {
  json?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => Date;
  quiet?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function createLogger({ json = false, stream = process.stderr, now = () => new Date(), quiet = false, env = process.env }: LoggerOptions = {}): Logger {
  const interactive = Boolean(stream.isTTY) && !env.CI && !json;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) {
      stream.write('\r\x1b[2K');
      progressShown = false;
    }
  };
  const log = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    if (quiet && level !== 'error') return;
    clearProgress();
    if (json) {
      stream.write(`${JSON.stringify({ time: now().toISOString(), level, message, ...fields })}\n`);
    } else {
      const prefix = level === 'error' ? 'erreur : ' : level === 'warn' ? 'attention : ' : '';
      stream.write(`${prefix}${message}\n`);
    }
  };
  return {
    log,
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    progress(message) {
      if (!interactive || quiet) return;
      stream.write(`\r\x1b[2K${message.slice(0, 120)}`);
      progressShown = true;
    },
  };
}

/** A logger that keeps its lines in memory (tests). */
export function memoryLogger(): Logger & { lines: { level: Level; message: string; fields: Record<string, unknown> }[] } {
  const lines: { level: Level; message: string; fields: Record<string, unknown> }[] = [];
  const log = (level: Level, message: string, fields: Record<string, unknown> = {}) => lines.push({ level, message, fields });
  return { lines, log, info: (m, f) => log('info', m, f), warn: (m, f) => log('warn', m, f), error: (m, f) => log('error', m, f), progress() {} };
}
