// A static file server on loopback for the built site, applying the `_headers` file like common static hosts.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { createGzip } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
};

/**
 * Rules of a Cloudflare-style `_headers` file: a path pattern line, then indented `Name: value` lines;
 * `! Name` removes a header set by an earlier matching rule. Rules apply in order.
 */
export function parseHeadersFile(text: string): { pattern: RegExp; headers: [string, string | null][] }[] {
  const rules: { pattern: RegExp; headers: [string, string | null][] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      const glob = line.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      rules.push({ pattern: new RegExp(`^${glob}$`), headers: [] });
    } else if (rules.length > 0) {
      const t = line.trim();
      if (t.startsWith('!')) rules.at(-1)!.headers.push([t.slice(1).trim(), null]);
      else {
        const i = t.indexOf(':');
        rules.at(-1)!.headers.push([t.slice(0, i).trim(), t.slice(i + 1).trim()]);
      }
    }
  }
  return rules;
}

export async function serveStatic(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const base = resolve(root);
  const headersFile = join(base, '_headers');
  const rules = existsSync(headersFile) ? parseHeadersFile(readFileSync(headersFile, 'utf8')) : [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = normalize(join(base, decodeURIComponent(url.pathname)));
    if (!path.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!existsSync(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404');
      return;
    }
    for (const rule of rules) {
      if (!rule.pattern.test(url.pathname)) continue;
      for (const [k, v] of rule.headers) {
        if (v === null) res.removeHeader(k);
        else res.setHeader(k, v);
      }
    }
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    res.setHeader('content-type', type);
    // Compress text as every static host does, so that transferred sizes are the real ones.
    if (/gzip/.test(String(req.headers['accept-encoding'] ?? '')) && /text|json|xml|svg|javascript|geo/.test(type)) {
      res.setHeader('content-encoding', 'gzip');
      res.setHeader('vary', 'accept-encoding');
      createReadStream(path).pipe(createGzip()).pipe(res);
    } else {
      createReadStream(path).pipe(res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
