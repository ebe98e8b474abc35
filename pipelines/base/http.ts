// Fetching with a timeout, retries with backoff, conditional requests, a size limit and truncation checks.
import { mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface HttpOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBytes: number;
  userAgent: string;
  /** Validators from the previous successful download, for a conditional request. */
  etag?: string | null;
  lastModified?: string | null;
  /** Content types accepted (prefix match); anything else fails. Empty: accept all. */
  accept?: readonly string[];
  /** Called before each retry (for logs). */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
  /** Replaceable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Stream the body to this file instead of memory (large files: DECP, catalogues). The file is complete when
   * the result comes back, and removed when the download fails.
   */
  toFile?: string;
}

export interface HttpResult {
  status: number;
  notModified: boolean;
  /** The body, unless it was streamed to `file` (then empty). */
  body: Uint8Array;
  /** Where the body was written when `toFile` was asked. */
  file?: string;
  url: string;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reads the body chunk by chunk, within `maxBytes`, handing each chunk to `sink`; returns the bytes read. */
async function readLimited(res: Response, url: string, maxBytes: number, signal: AbortSignal, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<number> {
  const declared = res.headers.get('content-length');
  const expected = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
  if (expected !== null && expected > maxBytes) {
    await res.body?.cancel();
    throw new HttpError(`${url} : la réponse annonce ${expected} octets, au-delà de la limite de ${maxBytes}.`, res.status, false);
  }
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    try {
      for (;;) {
        if (signal.aborted) throw new HttpError(`${url} : délai dépassé pendant la lecture de la réponse.`, res.status, true);
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel();
          throw new HttpError(`${url} : la réponse dépasse la limite de ${maxBytes} octets.`, res.status, false);
        }
        await sink(value);
      }
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(`${url} : réponse interrompue après ${total} octets (${(error as Error).message}).`, res.status, true);
    }
  }
  if (expected !== null && total !== expected && !res.headers.get('content-encoding')) {
    throw new HttpError(`${url} : réponse tronquée, ${total} octets reçus sur ${expected} annoncés.`, res.status, true);
  }
  return total;
}

/** The body in memory. */
async function readToMemory(res: Response, url: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const total = await readLimited(res, url, maxBytes, signal, (c) => void chunks.push(c));
  const body = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

/** The body streamed to `path` (created or truncated); the file is removed when the read fails. */
async function readToFile(res: Response, url: string, maxBytes: number, signal: AbortSignal, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  try {
    await readLimited(res, url, maxBytes, signal, async (c) => void (await file.write(c)));
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    rmSync(path, { force: true });
    throw error;
  }
}

async function attempt(url: string, o: HttpOptions): Promise<HttpResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  const headers: Record<string, string> = { 'user-agent': o.userAgent, accept: '*/*' };
  if (o.etag) headers['if-none-match'] = o.etag;
  if (o.lastModified) headers['if-modified-since'] = o.lastModified;
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      const reason = controller.signal.aborted ? `pas de réponse en ${o.timeoutMs} ms` : ((error as Error).cause as Error)?.message ?? (error as Error).message;
      throw new HttpError(`${url} : erreur réseau (${reason}).`, null, true);
    }
    const meta = {
      url: res.url || url,
      contentType: res.headers.get('content-type'),
      etag: res.headers.get('etag'),
      lastModified: res.headers.get('last-modified'),
    };
    if (res.status === 304) {
      await res.body?.cancel();
      return { status: 304, notModified: true, body: new Uint8Array(), ...meta, etag: meta.etag ?? o.etag ?? null, lastModified: meta.lastModified ?? o.lastModified ?? null };
    }
    if (!res.ok) {
      await res.body?.cancel();
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      throw new HttpError(`${url} : le serveur a répondu ${res.status} ${res.statusText}.`, res.status, retryable);
    }
    if (o.accept && o.accept.length > 0 && meta.contentType) {
      const type = meta.contentType.split(';')[0]!.trim().toLowerCase();
      if (!o.accept.some((a) => type.startsWith(a))) {
        await res.body?.cancel();
        throw new HttpError(`${url} : type de contenu inattendu « ${type} » (attendu : ${o.accept.join(', ')}).`, res.status, false);
      }
    }
    if (o.toFile) {
      await readToFile(res, url, o.maxBytes, controller.signal, o.toFile);
      return { status: res.status, notModified: false, body: new Uint8Array(), file: o.toFile, ...meta };
    }
    const body = await readToMemory(res, url, o.maxBytes, controller.signal);
    return { status: res.status, notModified: false, body, ...meta };
  } finally {
    clearTimeout(timer);
  }
}

/** GET with retries on network errors, timeouts, truncated bodies and 5xx; never on other 4xx. */
export async function fetchWithRetry(url: string, o: HttpOptions): Promise<HttpResult> {
  const sleep = o.sleep ?? defaultSleep;
  let lastError: HttpError | undefined;
  for (let i = 0; i <= o.retries; i++) {
    try {
      return await attempt(url, o);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(`${url} : ${(error as Error).message}`, null, true);
      lastError = e;
      if (!e.retryable || i === o.retries) break;
      const delay = o.backoffMs * 2 ** i;
      o.onRetry?.(i + 1, e.message, delay);
      await sleep(delay);
    }
  }
  throw new HttpError(
    `${lastError!.message}${lastError!.retryable && o.retries > 0 ? ` Abandon après ${o.retries + 1} tentatives.` : ''}`,
    lastError!.status,
    lastError!.retryable,
  );
}
