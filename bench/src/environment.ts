// The shared world of the process benches: one codex binary, one fake model (from
// @codex/sdk-testing), one throwaway CODEX_HOME and one empty working directory. Every contender
// of a comparison uses the same ones, so only the client side differs.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createCodexHome,
  reply,
  resolveCodexBin,
  startFakeModel,
  type FakeModel,
  type TestCodexHome,
} from "@codex/sdk-testing";

/** How the bench's home is configured, for RESULTS.md. */
export const BENCH_HOME_NOTE =
  "CODEX_HOME config.toml: `[features] shell_snapshot = false` (no login shell per thread), plugins, apps and remote plugins off";

export { APP_SERVER_ARGV, deltasPrompt, deltasText } from "./prompts.js";

/** Everything a process bench needs. */
export interface BenchEnvironment {
  codexBin: string;
  fakeModel: FakeModel;
  home: TestCodexHome;
  /** The full environment for a codex process: `process.env` plus the home's variables. */
  env: Record<string, string>;
  /** An empty directory used as every thread's `cwd`. */
  workspace: string;
  dispose(): Promise<void>;
}

/** Starts the fake model and makes the home. */
export async function createBenchEnvironment(): Promise<BenchEnvironment> {
  const codexBin = resolveCodexBin();
  const fakeModel = await startFakeModel({
    defaultReply: (request) => {
      const match = /^deltas:(\d+)$/.exec(request.prompt ?? "");
      if (!match) return reply.text("ok", { chunks: ["ok"] });
      const count = Number(match[1]);
      const chunks = Array.from({ length: count }, (_, index) => `w${index} `);
      return reply.text(chunks.join(""), { chunks });
    },
    // A bench runs thousands of turns; keeping every request would only grow the heap.
    maxLoggedRequests: 50,
  });
  // shell_snapshot off (said explicitly, though it is createCodexHome's default): with the snapshot
  // on, codex runs the user's login shell for each new thread, and on a busy machine the benches
  // would time login shells instead of the clients. Discovery (plugins, apps) is off too (`quiet`).
  const home = await createCodexHome({
    fakeModel,
    streamIdleTimeoutMs: 10_000,
    env: { RUST_LOG: "warn" },
    quiet: true,
    shellSnapshot: false,
  });
  const workspace = mkdtempSync(path.join(os.tmpdir(), "codex-bench-workspace-"));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, home.env);
  return {
    codexBin,
    fakeModel,
    home,
    env,
    workspace,
    async dispose() {
      await fakeModel.close();
      await home.dispose();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}
