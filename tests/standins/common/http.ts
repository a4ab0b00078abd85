/**
 * @module
 * The HTTP plumbing both API stand-ins share: reading a request body, sending JSON, and a Node server
 * that listens, hands every request to the stand-in's own router and closes without waiting for
 * keep-alive clients. The protocols themselves (routes, error bodies, headers) stay in each stand-in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The whole request body. */
export async function readBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The whole request body as UTF-8 text. */
export async function readText(request: IncomingMessage): Promise<string> {
  return (await readBytes(request)).toString("utf8");
}

/** Sends `body` as JSON; `headers` may override the content type. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export type HttpStandinOptions = {
  port: number;
  host: string;
  /** Answers one request; `url` is absolute, so `url.origin` is the server's own address. */
  route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<unknown>;
  /** Answers, in the protocol's words, a request whose routing threw (in practice a body that is not JSON). */
  malformed(response: ServerResponse, error: Error): void;
};

export type HttpStandin = {
  url: string;
  port: number;
  close(): Promise<void>;
};

/**
 * Starts a server for a stand-in; `port: 0` picks a free port.
 * @example
 * const http = await startHttpStandin({ port: 0, host: "127.0.0.1", route, malformed });
 * await fetch(`${http.url}/v1/models`);
 * await http.close();
 */
export async function startHttpStandin(options: HttpStandinOptions): Promise<HttpStandin> {
  const { port, host, route, malformed } = options;
  let baseUrl = "";
  const server = createServer((request, response) => {
    route(request, response, new URL(request.url ?? "/", baseUrl)).catch((error: unknown) => {
      if (!response.headersSent) malformed(response, error as Error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${host}:${address.port}`;
  return {
    url: baseUrl,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets of SDK clients would otherwise hold the server open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
