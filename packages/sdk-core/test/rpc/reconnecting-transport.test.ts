// The reconnecting transport with in-memory connections: what is in flight fails, what is sent
// while reconnecting waits for the handshake of the new connection, attempts are bounded, and a
// refused token or close() stops the loop.
import { describe, expect, it } from "vitest";
import { AuthenticationError, TransportClosedError } from "../../src/errors.js";
import { AppServerClient } from "../../src/rpc/client.js";
import { normalizeLogger } from "../../src/rpc/logger.js";
import {
  normalizeReconnect,
  ReconnectingTransport,
  reconnectDelay,
  type ConnectionState,
} from "../../src/rpc/reconnecting-transport.js";
import type { Transport } from "../../src/rpc/transport.js";
import { type ScriptedServer, scriptedPair } from "../support/scripted-server.js";
import { until } from "../support/wait.js";

/** A connection to a scripted server that echoes every request but `hold` (never answered). */
function serve(): { clientEnd: Transport; server: ScriptedServer } {
  const { clientEnd, server } = scriptedPair({ framing: "messages" });
  server.on("*", (request, s) => {
    if (request.method !== "hold") void s.reply(request.id, { method: request.method, params: request.params });
  });
  return { clientEnd, server };
}

function setup(options: { maxAttempts?: number; open?: () => Promise<Transport> } = {}) {
  const servers: ScriptedServer[] = [];
  const connect = (): Transport => {
    const { clientEnd, server } = serve();
    servers.push(server);
    return clientEnd;
  };
  const states: ConnectionState[] = [];
  const prepared: string[] = [];
  const transport = new ReconnectingTransport(connect(), {
    open: options.open ?? (async () => connect()),
    reconnect: normalizeReconnect({ initialDelayMs: 1, maxDelayMs: 5, maxAttempts: options.maxAttempts ?? 5 })!,
    logger: normalizeLogger(undefined),
    handshakeTimeoutMs: 5_000,
    prepare: async (handshake) => {
      const result = (await handshake.request("initialize", { again: true })) as { method: string };
      prepared.push(result.method);
      await handshake.notify("initialized");
    },
    onState: (state) => states.push(state),
  });
  const client = new AppServerClient(transport);
  return { servers, states, prepared, transport, client };
}

describe("reconnectDelay", () => {
  it("doubles from initialDelayMs, stops at maxDelayMs, and jitters by at most 20 %", () => {
    const options = normalizeReconnect({ initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 3 })!;
    expect(reconnectDelay(0, options, () => 0.5)).toBe(100);
    expect(reconnectDelay(2, options, () => 0.5)).toBe(400);
    expect(reconnectDelay(10, options, () => 0.5)).toBe(1000);
    expect(reconnectDelay(10, options, () => 1)).toBe(1200);
    expect(reconnectDelay(10, options, () => 0)).toBe(800);
  });

  it("rejects nonsense options", () => {
    expect(() => normalizeReconnect({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => normalizeReconnect({ initialDelayMs: Number.NaN })).toThrow(/initialDelayMs/);
    expect(normalizeReconnect(false)).toBeUndefined();
  });
});

describe("ReconnectingTransport", () => {
  it("fails what was in flight, holds what is sent while reconnecting, and sends it after the new handshake", async () => {
    const { servers, states, prepared, client } = setup();
    const held = client.requestUnchecked("hold", {});
    await until(() => servers[0]!.received.length === 1);
    await servers[0]!.closeWith({ reason: "server killed" });
    await expect(held).rejects.toSatisfy(
      (error: unknown) =>
        TransportClosedError.isInstance(error) && /server killed; reconnecting/.test((error as Error).message),
    );
    const after = client.requestUnchecked("echo", { n: 1 });
    await expect(after).resolves.toEqual({ method: "echo", params: { n: 1 } });
    expect(states).toEqual(["reconnecting", "connected"]);
    expect(prepared).toEqual(["initialize"]);
    // The handshake went first on the new connection; the client's request after it.
    expect(servers[1]!.received.map((message) => message["method"])).toEqual(["initialize", "initialized", "echo"]);
    await client.close();
    expect(states.at(-1)).toBe("closed");
  });

  it("never sends a request that timed out or was aborted while reconnecting", async () => {
    let openNow!: () => void;
    const gate = new Promise<void>((resolve) => (openNow = resolve));
    const { servers, states, client } = setup({
      open: async () => {
        await gate;
        const { clientEnd, server } = serve();
        servers.push(server);
        return clientEnd;
      },
    });
    await servers[0]!.closeWith({ reason: "server killed" });
    await until(() => states.at(-1) === "reconnecting");
    const timedOut = client.requestUnchecked("timed-out", {}, { timeoutMs: 20 });
    await expect(timedOut).rejects.toThrow(/timed-out/);
    const controller = new AbortController();
    const aborted = client.requestUnchecked("aborted", {}, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toThrow();
    const kept = client.requestUnchecked("kept", {});
    openNow();
    await expect(kept).resolves.toEqual({ method: "kept", params: {} });
    expect(servers[1]!.received.map((message) => message["method"])).toEqual(["initialize", "initialized", "kept"]);
    expect(client.load).toMatchObject({ pending: 0, inFlight: 0 });
    await client.close();
  });

  it("sends the held messages before telling listeners it is connected", async () => {
    const servers: ScriptedServer[] = [];
    const connect = (): Transport => {
      const { clientEnd, server } = serve();
      servers.push(server);
      return clientEnd;
    };
    let client!: AppServerClient;
    const fromListener: Promise<unknown>[] = [];
    const transport = new ReconnectingTransport(connect(), {
      open: async () => connect(),
      reconnect: normalizeReconnect({ initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 5 })!,
      logger: normalizeLogger(undefined),
      handshakeTimeoutMs: 5_000,
      prepare: async (handshake) => {
        await handshake.request("initialize", {});
        await handshake.notify("initialized");
      },
      // A listener that sends at once, as an app resynchronising on "connected" does.
      onState: (state) => {
        if (state === "connected") fromListener.push(client.requestUnchecked("from-listener", {}));
      },
    });
    client = new AppServerClient(transport);
    await servers[0]!.closeWith({ reason: "server killed" });
    const held = client.requestUnchecked("held", {});
    await expect(held).resolves.toEqual({ method: "held", params: {} });
    await until(() => fromListener.length === 1);
    await fromListener[0];
    expect(servers[1]!.received.map((message) => message["method"])).toEqual([
      "initialize",
      "initialized",
      "held",
      "from-listener",
    ]);
    await client.close();
  });

  it("gives up after maxAttempts: closed resolves and queued requests fail with TransportClosedError", async () => {
    let attempts = 0;
    const { servers, states, client, transport } = setup({
      maxAttempts: 3,
      open: async () => {
        attempts++;
        throw new TransportClosedError({ reason: "could not connect to ws://127.0.0.1:1: ECONNREFUSED" });
      },
    });
    await servers[0]!.closeWith({ reason: "gone" });
    const queued = client.requestUnchecked("echo", {});
    queued.catch(() => {});
    const info = await transport.closed;
    expect(attempts).toBe(3);
    expect(info.reason).toMatch(/reconnecting failed: could not connect/);
    await expect(queued).rejects.toSatisfy((error: unknown) => TransportClosedError.isInstance(error));
    expect(states).toEqual(["reconnecting", "closed"]);
    await expect(client.closed).resolves.toSatisfy((error: unknown) => TransportClosedError.isInstance(error));
  });

  it("stops at a refused token instead of retrying it", async () => {
    let attempts = 0;
    const { servers, transport } = setup({
      maxAttempts: 50,
      open: async () => {
        attempts++;
        throw new AuthenticationError("refused", { url: "ws://x", status: 401, tokenSent: true });
      },
    });
    await servers[0]!.closeWith({ reason: "gone" });
    const info = await transport.closed;
    expect(attempts).toBe(1);
    expect(info.reason).toMatch(/refused/);
  });

  it("close() while reconnecting ends the loop and resolves", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const opened: Transport[] = [];
    let opening = false;
    const { servers, states, client } = setup({
      open: async () => {
        opening = true;
        await blocked;
        const { clientEnd } = serve();
        opened.push(clientEnd);
        return clientEnd;
      },
    });
    await servers[0]!.closeWith({ reason: "gone" });
    await until(() => opening);
    const closing = client.close();
    release();
    await closing;
    expect(states.at(-1)).toBe("closed");
    // The connection that opened after close() was closed again, not kept.
    await until(() => opened.length === 1);
    await expect(opened[0]!.closed).resolves.toBeDefined();
  });
});
