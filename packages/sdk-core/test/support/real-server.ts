// The one real-server harness of the integration tests: the pinned `codex app-server` binary,
// `@codex/sdk-testing`'s fake model, and a throwaway CODEX_HOME, all torn down by `await using`.
//
// `startRealServer()` reaches the server over the transport CODEX_SDK_TEST_TRANSPORT names:
// "stdio" (default: `Codex.start()` spawns it), "ws" (it listens on a loopback port with a
// capability token; `Codex.connect("ws://…")`) or "unix" (it listens on a unix socket;
// `Codex.connect("unix://…")`). vitest.config.ts runs the api suites once per transport. Tests
// that need a shape of their own (two clients on one CODEX_HOME, a launcher in between) build it
// from `createEnvironment`, `codexBin` and `startListeningServer` (sdk-testing's
// `startListeningAppServer` on a test environment).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  createTestEnvironment,
  type ListeningAppServer,
  reply,
  resolveCodexBin,
  startListeningAppServer,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from "@codex/sdk-testing";
import { afterAll } from "vitest";
import { Codex, type CodexOptions } from "../../src/index.js";
import { configToFlags } from "../../src/rpc.js";
import { childPids } from "./processes.js";

/** The native codex binary of the pinned runtime. */
export const codexBin = resolveCodexBin();

/** A transport the harness reaches the server over. */
export type TestTransport = "stdio" | "ws" | "unix";

/** The transport `startRealServer()` uses: CODEX_SDK_TEST_TRANSPORT, default stdio. */
export const TEST_TRANSPORT = (process.env["CODEX_SDK_TEST_TRANSPORT"] ?? "stdio") as TestTransport;
if (!["stdio", "ws", "unix"].includes(TEST_TRANSPORT))
  throw new Error(`CODEX_SDK_TEST_TRANSPORT must be stdio, ws or unix, got ${TEST_TRANSPORT}`);

const started = new Set<Codex>();

// Every app-server a test file started must be closed (and have exited) by the end of the file.
afterAll(async () => {
  const open = [...started].filter((codex) => !codex.client.isClosed);
  started.clear();
  await Promise.all(open.map((codex) => codex.close()));
  if (open.length > 0) throw new Error(`${open.length} Codex instance(s) were left open by this test file.`);
});

/**
 * A fake model and a throwaway CODEX_HOME pointing at it (`RUST_LOG=warn` unless `options.env`
 * says otherwise). Spread it into `Codex.start({ codexBin, ...env })`.
 */
export function createEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  return createTestEnvironment({ ...options, env: { RUST_LOG: "warn", ...options.env } });
}

/** A running app-server with its environment. Disposing closes codex, then the server, then the environment. */
export interface RealServer extends AsyncDisposable {
  codex: Codex;
  env: TestEnvironment;
  /** Pid of the app-server process. */
  pid: number;
}

/** Options of {@link startRealServer}. */
export interface RealServerOptions {
  environment?: TestEnvironmentOptions;
  codex?: CodexOptions;
}

/** Starts a fake model, a CODEX_HOME and the real app-server, and `Codex` on it. */
export async function startRealServer(options: RealServerOptions = {}): Promise<RealServer> {
  const env = await createEnvironment(options.environment);
  let codex: Codex;
  let pid: number;
  let server: ListeningAppServer | undefined;
  try {
    if (TEST_TRANSPORT === "stdio") {
      const before = new Set(childPids());
      codex = await Codex.start({ codexBin, ...env, ...options.codex });
      started.add(codex);
      const spawned = childPids().filter((child) => !before.has(child));
      if (spawned.length !== 1) {
        await codex.close();
        throw new Error(`expected one new child process (the app-server), found ${spawned.length}`);
      }
      pid = spawned[0]!;
    } else {
      ({ codex, server } = await connectOverSocket(env, options.codex ?? {}));
      started.add(codex);
      pid = server.pid;
    }
  } catch (error) {
    await env.dispose();
    throw error;
  }
  return {
    codex,
    env,
    pid,
    async [Symbol.asyncDispose]() {
      try {
        await codex.close();
      } finally {
        await server?.kill();
        await env.dispose();
      }
    },
  };
}

/**
 * Starts `codex app-server --listen` on `env` with the start-time options a spawned server would
 * get (config flags; cwd is the test's), then connects with the rest.
 */
async function connectOverSocket(
  env: TestEnvironment,
  options: CodexOptions,
): Promise<{ codex: Codex; server: ListeningAppServer }> {
  const {
    config,
    codexBin,
    appServerArgs,
    env: extraEnv,
    codexHome,
    cwd,
    launchArgs,
    transport,
    resolveCodexBin,
    ...connectOptions
  } = options;
  // What only a spawned server takes would be dropped here silently, and the test would pass
  // over a socket without exercising it: it runs under the stdio project only.
  const spawnOnly = { codexBin, appServerArgs, env: extraEnv, codexHome, cwd, launchArgs, transport, resolveCodexBin };
  const given = Object.entries(spawnOnly).filter(([, value]) => value !== undefined);
  if (given.length > 0) {
    throw new Error(
      `${given.map(([name]) => name).join(", ")} cannot be tested over a socket (a spawned server's options)`,
    );
  }
  const flags = config === undefined ? [] : configToFlags(config);
  if (TEST_TRANSPORT === "unix") {
    const server = await startListeningServer(env, `unix://${path.join(env.codexHome, "app-server.sock")}`, flags);
    try {
      return { codex: await Codex.connect(server.url, connectOptions), server };
    } catch (error) {
      await server.kill();
      throw error;
    }
  }
  const token = randomBytes(16).toString("hex");
  const tokenFile = path.join(env.codexHome, "ws-token");
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const server = await startListeningServer(env, "ws://127.0.0.1:0", [
    "--ws-auth",
    "capability-token",
    "--ws-token-file",
    tokenFile,
    ...flags,
  ]);
  try {
    return { codex: await Codex.connect(server.url, { ...connectOptions, token }), server };
  } catch (error) {
    await server.kill();
    throw error;
  }
}

/**
 * Starts `codex app-server --listen <listen> ...extraArgs` as its own process on `env` (its
 * CODEX_HOME and fake model), the way a user runs it on a build box or as a daemon; resolves once
 * it accepts connections. `kill()` is a crash; disposing stops it.
 */
export function startListeningServer(
  env: TestEnvironment,
  listen: string,
  extraArgs: readonly string[] = [],
): Promise<ListeningAppServer> {
  return startListeningAppServer({ home: env, listen, args: extraArgs, codexBin });
}

/** A reply streamed as `count` deltas `w0 w1 ...`, one every `delayMs`. */
export function slowWords(count: number, delayMs: number) {
  const chunks = Array.from({ length: count }, (_, index) => `w${index} `);
  return reply.text(chunks.join(""), { chunks, delayMs });
}
