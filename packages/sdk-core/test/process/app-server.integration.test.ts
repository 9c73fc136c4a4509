// The transport and client against the real, pinned `codex app-server` (no model needed):
// handshake, concurrency, error mapping, a 1,000-request burst, kill -9 mid-request, close(),
// and config flattening checked through the server's own `config/read`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { codexBin } from "../support/real-server.js";
import { afterAll, describe, expect, it } from "vitest";
import { GENERATED_FOR_CODEX_VERSION } from "../../src/api/version.js";
import {
  InvalidParamsError,
  MethodNotFoundError,
  ServerBusyError,
  TimeoutError,
  TransportClosedError,
} from "../../src/errors.js";
import { spawnAppServer } from "../../src/process/spawn-app-server.js";
import type { SpawnAppServerOptions } from "../../src/process/spawn-app-server.js";
import { AppServerClient } from "../../src/rpc/client.js";
import type { AppServerClientOptions } from "../../src/rpc/client.js";
import { isProcessAlive } from "../support/processes.js";

const QUIET_ARGS = ["--disable", "plugins", "--disable", "apps", "--disable", "remote_plugin"];
const codexHome = mkdtempSync(path.join(os.tmpdir(), "sdk-core-app-server-"));
// An empty home with one setting: no model is contacted by any test here.
writeFileSync(path.join(codexHome, "config.toml"), 'model = "fake-model"\n');
const pids: number[] = [];
const clients: AppServerClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  for (const pid of pids) expect(isProcessAlive(pid), `codex process ${pid} still running`).toBe(false);
  rmSync(codexHome, { recursive: true, force: true });
}, 30_000);

async function startServer(spawnOptions: SpawnAppServerOptions = {}, clientOptions: AppServerClientOptions = {}) {
  const transport = await spawnAppServer({
    codexBin,
    codexHome,
    args: QUIET_ARGS,
    env: { RUST_LOG: "warn" },
    ...spawnOptions,
  });
  pids.push(transport.pid);
  const client = new AppServerClient(transport, clientOptions);
  clients.push(client);
  const initialize = await client.request("initialize", {
    clientInfo: { name: "sdk-core-test", title: "sdk-core test", version: "0.0.0" },
    capabilities: { experimentalApi: true },
  });
  await client.notify("initialized");
  return { transport, client, initialize };
}

describe("AppServerClient over the real app-server", () => {
  it("does the handshake", async () => {
    const { client, initialize } = await startServer();
    expect(initialize.userAgent.startsWith(`sdk-core-test/${GENERATED_FOR_CODEX_VERSION} `)).toBe(true);
    expect(initialize.codexHome).toBe(codexHome);
    // A second initialize is refused: proof the first one took.
    await expect(
      client.request("initialize", { clientInfo: { name: "x", version: "1" }, capabilities: null }),
    ).rejects.toThrow(/Already initialized/);
    await client.close();
  }, 30_000);

  it("answers 20 concurrent requests, each with its own result", async () => {
    const { client } = await startServer();
    const calls = Array.from({ length: 20 }, (_, index) => {
      switch (index % 4) {
        case 0:
          return client.request("thread/loaded/list", {}).then((result) => ["loaded", Array.isArray(result.data)]);
        case 1:
          return client.request("model/list", {}).then((result) => ["models", result.data.length > 0]);
        case 2:
          return client.request("thread/list", {}).then((result) => ["threads", Array.isArray(result.data)]);
        default:
          return client.request("config/read", {}).then((result) => ["config", result.config.model === "fake-model"]);
      }
    });
    const results = await Promise.all(calls);
    expect(results).toEqual(
      Array.from({ length: 20 }, (_, index) => [["loaded", "models", "threads", "config"][index % 4], true]),
    );
    await client.close();
  }, 30_000);

  it("maps an unknown method to MethodNotFoundError and bad params to InvalidParamsError", async () => {
    const { client } = await startServer();
    const unknown = await client.requestUnchecked("no/such", {}).catch((error: unknown) => error);
    expect(MethodNotFoundError.isInstance(unknown)).toBe(true);
    expect((unknown as MethodNotFoundError).code).toBe(-32600);
    const wrongType = await client
      .request("thread/read", { threadId: 42 as unknown as string })
      .catch((error: unknown) => error);
    expect(InvalidParamsError.isInstance(wrongType)).toBe(true);
    const missing = await client.request("thread/read", {} as never).catch((error: unknown) => error);
    expect(InvalidParamsError.isInstance(missing)).toBe(true);
    expect((missing as InvalidParamsError).serverMessage).toContain("missing field `threadId`");
    const badEnum = await client
      .request("thread/start", { approvalPolicy: "unlessTrusted" as never })
      .catch((error: unknown) => error);
    expect(InvalidParamsError.isInstance(badEnum)).toBe(true);
    await client.close();
  }, 30_000);

  it("settles 1,000 requests fired at once (in-flight cap)", async () => {
    const { client } = await startServer();
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 1000 }, () => client.request("thread/loaded/list", {})),
    );
    const elapsed = performance.now() - started;
    const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    console.log(
      `[measure] 1,000 requests, default in-flight cap: ${fulfilled} fulfilled, ${1000 - fulfilled} rejected, ${elapsed.toFixed(0)} ms`,
    );
    expect(fulfilled).toBe(1000);
    await client.close();
  }, 60_000);

  // Without the cap the server answers part of the burst with -32001 and, once its outbound
  // queue is full too, drops replies: only per-request timeouts settle those.
  it("settles 1,000 requests fired at once without a cap, through retry on busy and timeouts", async () => {
    const { client } = await startServer({}, { maxInFlight: 1000 });
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 1000 }, () =>
        client.request(
          "thread/loaded/list",
          {},
          { timeoutMs: 3000, retryOnBusy: { maxAttempts: 8, initialDelayMs: 50 } },
        ),
      ),
    );
    const elapsed = performance.now() - started;
    const count = (predicate: (error: unknown) => boolean) =>
      outcomes.filter((outcome) => outcome.status === "rejected" && predicate(outcome.reason)).length;
    const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    const busy = count((error) => ServerBusyError.isInstance(error));
    const timedOut = count((error) => TimeoutError.isInstance(error));
    const other = 1000 - fulfilled - busy - timedOut;
    console.log(
      `[measure] 1,000 requests, no cap, retryOnBusy: ${fulfilled} fulfilled, ${busy} still busy, ${timedOut} timed out, ${other} other, ${elapsed.toFixed(0)} ms`,
    );
    expect(outcomes).toHaveLength(1000);
    expect(other).toBe(0);
    expect(fulfilled).toBeGreaterThan(0);
    await client.close();
  }, 60_000);

  it("rejects every pending request with TransportClosedError (with the stderr tail) when the child is killed with SIGKILL", async () => {
    // RUST_LOG=info makes sure the server has written to stderr before it dies.
    const { transport, client } = await startServer({ env: { RUST_LOG: "info" } });
    const settledAt: number[] = [];
    const requests = Array.from({ length: 30 }, (_, index) =>
      (index % 2 === 0
        ? client.request("thread/start", {})
        : client.request("config/read", { includeLayers: true })
      ).then(
        (value) => {
          settledAt.push(performance.now());
          return value;
        },
        (error: unknown) => {
          settledAt.push(performance.now());
          throw error;
        },
      ),
    );
    const killedAt = performance.now();
    process.kill(transport.pid, "SIGKILL");
    const outcomes = await Promise.allSettled(requests);
    const settleMs = Math.max(...settledAt) - killedAt;
    const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    console.log(
      `[measure] kill -9 mid-request: ${rejected.length}/${requests.length} pending requests rejected, all settled ${settleMs.toFixed(1)} ms after the kill`,
    );
    expect(rejected.length).toBeGreaterThan(0);
    for (const { reason } of rejected) {
      expect(TransportClosedError.isInstance(reason)).toBe(true);
      expect((reason as TransportClosedError).signal).toBe("SIGKILL");
      expect((reason as TransportClosedError).stderrTail.length).toBeGreaterThan(0);
      expect((reason as TransportClosedError).stderrTail).toBe(transport.stderrTail());
    }
    // Generous bound (timings belong in bench/); the measured value is printed above.
    expect(settleMs).toBeLessThan(2000);
    expect(isProcessAlive(transport.pid)).toBe(false);
  }, 30_000);

  it("leaves no process behind after close()", async () => {
    const { transport, client } = await startServer();
    await client.close();
    expect(() => process.kill(transport.pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect((await client.closed).exitCode).toBe(0);
  }, 30_000);

  it("passes config objects as --config flags the server reads back unchanged", async () => {
    const config = {
      model: 'quoted "name" with \\ and ünïcödé 🎉 and \u2028',
      model_context_window: 123456,
      sandbox_workspace_write: { writable_roots: ["/tmp/a b", "/tmp/c"], network_access: true },
      x_sdk_test: {
        float: 1.5,
        small: 1e-7,
        negative: -42,
        yes: true,
        no: false,
        control: "tab\tnewline\nnul\u0000",
        mixed: [1, "two", [true], { inner: "table" }],
        "dotted.key": { value: 1 },
        empty: {},
      },
    };
    const { client } = await startServer({ config });
    const read = await client.request("config/read", { includeLayers: true });
    const flags = read.layers?.find((layer) => (layer.name as { type: string }).type === "sessionFlags");
    expect(flags).toBeDefined();
    const { features: _features, ...fromFlags } = flags!.config as Record<string, unknown>;
    expect(fromFlags).toEqual(config);
    // And the effective, typed config sees them too.
    expect(read.config.model).toBe(config.model);
    expect(read.config.model_context_window).toBe(123456);
    expect(read.config.sandbox_workspace_write).toMatchObject({
      writable_roots: ["/tmp/a b", "/tmp/c"],
      network_access: true,
    });
    await client.close();
  }, 30_000);
});
