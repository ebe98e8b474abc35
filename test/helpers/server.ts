// A loopback HTTP server that plays a scripted sequence of responses (network only to 127.0.0.1).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ScriptedServer {
  url: string;
  requests: IncomingMessage[];
  close: () => Promise<void>;
}

/** Each request gets the next handler of `script`; the last one repeats. */
export async function scriptedServer(script: Handler[]): Promise<ScriptedServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const handler = script[Math.min(requests.length - 1, script.length - 1)]!;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const respond =
  (status: number, body = '', headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/csv; charset=utf-8', ...headers });
    res.end(body);
  };

/** Announces `declared` bytes, sends `body`, then cuts the connection. */
export const truncated =
  (body: string, declared: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(declared) });
    res.write(body);
    setTimeout(() => res.socket?.destroy(), 10);
  };

/** Never answers (until the connection is closed by the client). */
export const hang: Handler = () => undefined;
