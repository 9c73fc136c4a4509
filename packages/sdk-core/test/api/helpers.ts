// Shared set-up of the api integration tests: a fake model, a throwaway CODEX_HOME and a real
// app-server, all torn down by `await using`.
import { createTestEnvironment, resolveCodexBin, type TestEnvironment, type TestEnvironmentOptions } from "@codex/sdk-testing";
import { afterAll } from "vitest";
import { Codex, type CodexOptions } from "../../src/index.js";

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
  try {
    codex = await Codex.start({ codexBin, ...env, ...options.codex });
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
        await env.dispose();
      }
    },
  };
}

/** Collects a turn's stream into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
