// Shared set-up of the api integration tests: a fake model, a throwaway CODEX_HOME and a real
// app-server, all torn down by `await using`. The transport comes from CODEX_SDK_TEST_TRANSPORT:
// "stdio" (default: `Codex.start()` spawns the server), "ws" (the server listens on a loopback
// port with a capability token; `Codex.connect("ws://…")`), or "unix" (it listens on a unix
// socket; `Codex.connect("unix://…")`). vitest.config.ts runs these suites once per transport.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  createTestEnvironment,
  resolveCodexBin,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from "@codex/sdk-testing";
import { afterAll } from "vitest";
import { Codex, type CodexOptions } from "../../src/index.js";
import { configToFlags } from "../../src/rpc.js";
import { startListeningServer, type ListeningServer } from "../net/listening-server.js";

/** The transport the api suites run over. */
export const TEST_TRANSPORT = (process.env["CODEX_SDK_TEST_TRANSPORT"] ?? "stdio") as "stdio" | "ws" | "unix";
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

/** A started `Codex` on a fresh test environment. Disposing closes codex, then the environment. */
export interface TestCodex extends AsyncDisposable {
  codex: Codex;
  env: TestEnvironment;
}

/** The native codex binary of the pinned runtime. */
export const codexBin = resolveCodexBin();

/** Starts a fake model, a CODEX_HOME pointing at it, and `Codex` on top. */
export async function startTestCodex(
  options: { environment?: TestEnvironmentOptions; codex?: CodexOptions } = {},
): Promise<TestCodex> {
  const env = await createTestEnvironment({ env: { RUST_LOG: "warn" }, ...options.environment });
  let codex: Codex;
  let server: ListeningServer | undefined;
  try {
    if (TEST_TRANSPORT === "stdio") {
      codex = await Codex.start({ codexBin, ...env, ...options.codex });
    } else {
      ({ codex, server } = await connectOverSocket(env, options.codex ?? {}));
    }
    started.add(codex);
  } catch (error) {
    await env.dispose();
    throw error;
  }
  return {
    codex,
    env,
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
 * get (config flags, cwd is the test's), then connects with the rest.
 */
async function connectOverSocket(
  env: TestEnvironment,
  options: CodexOptions,
): Promise<{ codex: Codex; server: ListeningServer }> {
  const {
    config,
    codexBin: _bin,
    appServerArgs: _args,
    env: _env,
    codexHome: _home,
    cwd,
    launchArgs,
    transport,
    resolveCodexBin: _resolve,
    reconnect: _reconnect,
    ...connectOptions
  } = options;
  if (launchArgs !== undefined || transport !== undefined || cwd !== undefined)
    throw new Error("launchArgs, transport and cwd cannot be tested over a socket");
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

/** Collects a turn's stream into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
