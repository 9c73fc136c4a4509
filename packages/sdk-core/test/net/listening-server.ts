// Runs the real pinned `codex app-server --listen ...` as a separate process, the way a user runs
// it on a build box or as a daemon, for the tests of `Codex.connect()`.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolveCodexBin, type TestEnvironment } from "@codex/sdk-testing";

/** The native codex binary of the pinned runtime. */
export const codexBin = resolveCodexBin();

/** A running listening app-server. */
export interface ListeningServer extends AsyncDisposable {
  /** The URL to pass to `Codex.connect()`. */
  url: string;
  pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Ends it with SIGKILL and waits for the exit. */
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts `codex app-server --listen <listen> ...extraArgs` on `env` (its CODEX_HOME and fake
 * model) and resolves once it accepts connections: for ws, when it printed its address; for a
 * unix socket, when the socket exists.
 */
export async function startListeningServer(
  env: TestEnvironment,
  listen: string,
  extraArgs: readonly string[] = [],
): Promise<ListeningServer> {
  const child = spawn(codexBin, ["app-server", ...env.appServerArgs, "--listen", listen, ...extraArgs], {
    env: { ...process.env, ...env.env, RUST_LOG: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  try {
    const url = await waitUntilReady(child, listen, () => stderr);
    return { url, pid: child.pid!, stderr: () => stderr, kill: stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilReady(child: ChildProcess, listen: string, stderr: () => string): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`app-server exited before listening: ${stderr()}`);
    if (listen.startsWith("unix://")) {
      if (existsSync(listen.slice("unix://".length))) return listen;
    } else {
      const match = /listening on: (ws:\/\/\S+)/.exec(stderr());
      if (match) return match[1]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`app-server did not listen within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}
