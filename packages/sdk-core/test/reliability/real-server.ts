// Starts the real pinned app-server against a fake model in a throwaway CODEX_HOME, and tells
// which child process it is, for the reliability tests that kill it or count processes.
import {
  createTestEnvironment,
  reply,
  resolveCodexBin,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from "@codex/sdk-testing";
import { Codex, type CodexOptions } from "../../src/index.js";
import { childPids } from "./helpers.js";

/** The native codex binary of the pinned runtime. */
export const codexBin = resolveCodexBin();

/** A running app-server with its environment. Disposing closes both. */
export interface RealServer extends AsyncDisposable {
  codex: Codex;
  env: TestEnvironment;
  /** Pid of the app-server process. */
  pid: number;
}

/** Starts a fake model, a CODEX_HOME and `Codex` (spawning the real binary). */
export async function startRealServer(
  options: { environment?: TestEnvironmentOptions; codex?: CodexOptions } = {},
): Promise<RealServer> {
  const env = await createTestEnvironment({
    env: { RUST_LOG: "warn" },
    streamIdleTimeoutMs: 20_000,
    ...options.environment,
  });
  const before = new Set(childPids());
  let codex: Codex;
  try {
    codex = await Codex.start({ codexBin, ...env, ...options.codex });
  } catch (error) {
    await env.dispose();
    throw error;
  }
  const spawned = childPids().filter((pid) => !before.has(pid));
  if (spawned.length !== 1) {
    await codex.close();
    await env.dispose();
    throw new Error(`expected one new child process (the app-server), found ${spawned.length}`);
  }
  return {
    codex,
    env,
    pid: spawned[0]!,
    async [Symbol.asyncDispose]() {
      try {
        await codex.close();
      } finally {
        await env.dispose();
      }
    },
  };
}

/** A reply streamed as `count` deltas `w0 w1 ...`, one every `delayMs`. */
export function slowWords(count: number, delayMs: number) {
  const chunks = Array.from({ length: count }, (_, index) => `w${index} `);
  return reply.text(chunks.join(""), { chunks, delayMs });
}
