import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startWranglerDev } from "./wrangler";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(handler: RequestListener): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const port = await listen(() => undefined);
  servers.pop()?.close();
  return port;
}

const healthServer = (port: number) =>
  `require("node:http").createServer((q, s) => s.end(q.url === "/v1/health" ? "ok" : "")).listen(${port}, "127.0.0.1")`;

describe("startWranglerDev", () => {
  it("refuses a port that already answers", async () => {
    const port = await listen((_, response) => response.end("ok"));
    await expect(
      startWranglerDev({ command: process.execPath, args: ["-e", ""], port }),
    ).rejects.toMatchObject({
      code: "start.port_in_use",
    });
  });

  it("says so, with its output, when the process exits before it is ready", async () => {
    const port = await freePort();
    const started = startWranglerDev({
      command: process.execPath,
      args: ["-e", "console.error('no wrangler here'); process.exit(3)"],
      port,
    });
    await expect(started).rejects.toMatchObject({
      code: "start.service_exited",
      message: expect.stringContaining("no wrangler here"),
    });
  });

  it("resolves once /v1/health answers, and stop() ends the process", async () => {
    const port = await freePort();
    const dev = await startWranglerDev({ command: process.execPath, args: ["-e", healthServer(port)], port });
    expect(dev.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${dev.url}/v1/health`)).ok).toBe(true);
    await dev.stop();
    expect(dev.child.exitCode !== null || dev.child.signalCode !== null).toBe(true);
  });
});
