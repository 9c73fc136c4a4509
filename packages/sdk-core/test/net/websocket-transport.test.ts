// The WebSocket transport against small local servers (the `ws` package's, or a bare HTTP/TCP
// server that misbehaves): framing, heartbeat, size limit, refusals that must not hang, aborts,
// and URL checks. The real app-server is in connect.integration.test.ts.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import {
  AbortError,
  AuthenticationError,
  InvalidInputError,
  TimeoutError,
  TransportClosedError,
} from "../../src/errors.js";
import { connectWebSocket, defaultControlSocketPath, parseAppServerUrl } from "../../src/net/websocket-transport.js";
import { until } from "../support/wait.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function wsServer(
  options: { autoPong?: boolean } = {},
): Promise<{ url: string; sockets: ServerSocket[]; server: WebSocketServer }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, autoPong: options.autoPong ?? true });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const sockets: ServerSocket[] = [];
  server.on("connection", (socket) => sockets.push(socket));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  );
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, sockets, server };
}

async function listen<T extends HttpServer | TcpServer>(server: T): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const open = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe("WebSocket transport", () => {
  it("sends one JSON-RPC message per text frame and delivers each frame as one message; a frame that is not JSON is logged and skipped", async () => {
    const { url, sockets } = await wsServer();
    const warnings: string[] = [];
    const transport = await connectWebSocket(url, { logger: { warn: (message: string) => warnings.push(message) } });
    const received: unknown[] = [];
    transport.start({ message: (message) => received.push(message) });
    await until(() => sockets.length === 1);
    const frames: { text: string; binary: boolean }[] = [];
    sockets[0]!.on("message", (data, isBinary) => frames.push({ text: String(data), binary: isBinary }));
    await transport.send({ id: 1, method: "a", params: {} });
    await transport.send({ method: "b" });
    await until(() => frames.length === 2);
    expect(frames).toEqual([
      { text: '{"id":1,"method":"a","params":{}}', binary: false },
      { text: '{"method":"b"}', binary: false },
    ]);
    sockets[0]!.send('{"id":1,"result":{"ok":true}}');
    sockets[0]!.send("not json, Bearer s3cr3t-token");
    sockets[0]!.send('{"method":"n","params":{}}');
    await until(() => received.length === 2);
    expect(received).toEqual([
      { id: 1, result: { ok: true } },
      { method: "n", params: {} },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not JSON/);
    expect(warnings[0]).not.toContain("s3cr3t-token");
    await transport.close();
    await expect(transport.send({ method: "late" })).rejects.toSatisfy((error: unknown) =>
      TransportClosedError.isInstance(error),
    );
    expect((await transport.closed).reason).toBe("closed by the client");
  });

  it("a server that answers no ping is dropped after the heartbeat; one that answers stays connected", async () => {
    const silent = await wsServer({ autoPong: false });
    const dead = await connectWebSocket(silent.url, { heartbeatMs: 50 });
    dead.start({ message: () => {} });
    const info = await dead.closed;
    expect(info.reason).toMatch(/not even a ping/);

    const alive = await wsServer();
    const live = await connectWebSocket(alive.url, { heartbeatMs: 50 });
    live.start({ message: () => {} });
    let pings = 0;
    await until(() => alive.sockets.length === 1);
    alive.sockets[0]!.on("ping", () => pings++);
    await until(() => pings >= 3);
    let closed = false;
    void live.closed.then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    await live.close();
  });

  it("a message over maxMessageBytes ends the connection with a reason that names the limit", async () => {
    const { url, sockets } = await wsServer();
    const transport = await connectWebSocket(url, { maxMessageBytes: 1024 });
    transport.start({ message: () => {} });
    await until(() => sockets.length === 1);
    sockets[0]!.send(JSON.stringify({ method: "big", params: { pad: "x".repeat(4096) } }));
    expect((await transport.closed).reason).toMatch(/maxMessageBytes/);
  });

  it("a 401 whose body never ends is still an AuthenticationError, not a hang", async () => {
    const server = createHttpServer();
    server.on("upgrade", (_request, socket: Socket) => {
      socket.write(
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\ninvalid websocket bearer token",
      );
    });
    const url = await listen(server);
    const error = await connectWebSocket(url, { token: "tok-never-shown", connectTimeoutMs: 60_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).not.toContain("tok-never-shown");
  });

  it("a server that accepts TCP but never answers the upgrade: TimeoutError naming the URL, or AbortError from the signal", async () => {
    const url = await listen(createTcpServer(() => {}));
    const timedOut = await connectWebSocket(url, { connectTimeoutMs: 100 }).catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(timedOut)).toBe(true);
    expect((timedOut as Error).message).toContain(url);

    const controller = new AbortController();
    const pending = connectWebSocket(url, { signal: controller.signal, connectTimeoutMs: 60_000 });
    controller.abort();
    await expect(pending).rejects.toSatisfy((error: unknown) => AbortError.isInstance(error));
  });

  it("reads the URL forms and refuses the wrong ones", () => {
    expect(parseAppServerUrl("ws://127.0.0.1:4500").target).toBe("ws://127.0.0.1:4500/");
    expect(parseAppServerUrl("unix:///run/codex.sock")).toMatchObject({
      socketPath: "/run/codex.sock",
      target: "ws+unix:///run/codex.sock:/",
    });
    expect(parseAppServerUrl("unix://", "/home/me/.codex").socketPath).toBe(
      defaultControlSocketPath("/home/me/.codex"),
    );
    expect(defaultControlSocketPath("/home/me/.codex")).toBe(
      "/home/me/.codex/app-server-control/app-server-control.sock",
    );
    for (const bad of ["", "http://127.0.0.1:1", "unix://relative.sock", "ws://user:pass@127.0.0.1:1", "not a url"]) {
      expect(() => parseAppServerUrl(bad)).toThrow(InvalidInputError);
    }
  });

  it("never shows a URL's query in errors: a ?token= there stays secret", async () => {
    const address = parseAppServerUrl("ws://127.0.0.1:9/socket?token=s3cret#frag");
    expect(address.url).toBe("ws://127.0.0.1:9/socket?…");
    expect(address.target).toContain("s3cret");
    expect(() => parseAppServerUrl("http://127.0.0.1:9/?token=s3cret")).toThrow(/^(?!.*s3cret)/s);
    // Nothing listens on port 9: the connection error names the URL, redacted.
    const error = await connectWebSocket("ws://127.0.0.1:9/?token=s3cret", { connectTimeoutMs: 2_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(String((error as Error).message)).toContain("ws://127.0.0.1:9/?…");
    expect(String((error as Error).message)).not.toContain("s3cret");
  });
});
