import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchWithRetry, HttpError, type HttpOptions } from '../pipelines/base/http.ts';
import { hang, respond, scriptedServer, truncated, type ScriptedServer } from './helpers/server.ts';

const sleeps: number[] = [];
const options = (extra: Partial<HttpOptions> = {}): HttpOptions => ({
  // Generous: a loopback answer must never lose a race against the timeout on a loaded machine.
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 100,
  maxBytes: 1_000,
  userAgent: 'test',
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  ...extra,
});

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  sleeps.length = 0;
});

describe('fetchWithRetry against a loopback server', () => {
  it('retries 5xx with exponential backoff, then succeeds', async () => {
    server = await scriptedServer([respond(500), respond(503), respond(200, 'a,b\n1,2\n')]);
    const res = await fetchWithRetry(`${server.url}/f.csv`, options());
    expect(new TextDecoder().decode(res.body)).toBe('a,b\n1,2\n');
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('does not retry a 404, and says what the server answered', async () => {
    server = await scriptedServer([respond(404)]);
    await expect(fetchWithRetry(`${server.url}/absent.csv`, options())).rejects.toThrow(/a répondu 404/);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after the configured retries on persistent 500s', async () => {
    server = await scriptedServer([respond(500)]);
    await expect(fetchWithRetry(`${server.url}/f.csv`, options({ retries: 2 }))).rejects.toThrow(/Abandon après 3 tentatives/);
    expect(server.requests).toHaveLength(3);
  });

  it('detects a truncated body (fewer bytes than Content-Length) and retries', async () => {
    server = await scriptedServer([truncated('a,b\n1,', 200), respond(200, 'a,b\n1,2\n')]);
    const res = await fetchWithRetry(`${server.url}/f.csv`, options());
    expect(res.body.byteLength).toBe(8);
    expect(server.requests).toHaveLength(2);
  });

  it('streams a large body to a file when asked, and removes the file of a truncated download', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'http-'));
    try {
      const body = 'a,b\n' + '1,2\n'.repeat(250);
      server = await scriptedServer([truncated(body.slice(0, 100), body.length), respond(200, body)]);
      const path = join(dir, 'sub', 'f.csv');
      const seen: boolean[] = [];
      const res = await fetchWithRetry(`${server.url}/f.csv`, options({ maxBytes: 10_000, toFile: path, onRetry: () => seen.push(existsSync(path)) }));
      expect(res).toMatchObject({ status: 200, file: path });
      expect(res.body.byteLength).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe(body);
      // The truncated first attempt left nothing behind before the retry.
      expect(seen).toEqual([false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out on a server that never answers', async () => {
    server = await scriptedServer([hang]);
    const retries: string[] = [];
    const error = await fetchWithRetry(`${server.url}/f.csv`, options({ timeoutMs: 100, retries: 1, onRetry: (_n, reason) => retries.push(reason) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toMatch(/pas de réponse en 100 ms.*Abandon après 2 tentatives/);
    // Counted on the client's side: on a loaded machine the server may not have read a request before it was aborted.
    expect(retries).toEqual([expect.stringMatching(/pas de réponse en 100 ms/)]);
  });

  it('refuses a body over the size limit without retrying', async () => {
    server = await scriptedServer([respond(200, 'x'.repeat(5_000))]);
    await expect(fetchWithRetry(`${server.url}/f.csv`, options())).rejects.toThrow(/limite de 1000 octets/);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses an unexpected content type (an HTML page instead of CSV)', async () => {
    server = await scriptedServer([respond(200, '<html></html>', { 'content-type': 'text/html' })]);
    await expect(fetchWithRetry(`${server.url}/f.csv`, options({ accept: ['text/csv'] }))).rejects.toThrow(/type de contenu inattendu « text\/html »/);
  });

  it('sends ETag and Last-Modified back, and reports 304 as not modified', async () => {
    server = await scriptedServer([respond(304, '', { etag: '"v1"' })]);
    const res = await fetchWithRetry(`${server.url}/f.csv`, options({ etag: '"v1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' }));
    expect(res.notModified).toBe(true);
    expect(server.requests[0]!.headers['if-none-match']).toBe('"v1"');
    expect(server.requests[0]!.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
  });

  it('fails fast with a network error message when nothing listens', async () => {
    server = await scriptedServer([respond(200)]);
    const url = `${server.url}/f.csv`;
    await server.close();
    server = undefined;
    await expect(fetchWithRetry(url, options({ retries: 1 }))).rejects.toThrow(/erreur réseau/);
  });
});
