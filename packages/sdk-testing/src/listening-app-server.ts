import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { resolveCodexBin } from "./codex-bin.js";
import { QUIET_APP_SERVER_ARGS } from "./codex-home.js";

/** Options of {@link startListeningAppServer}. */
export interface ListeningAppServerOptions {
  /**
   * Where to listen: `ws://127.0.0.1:0` (the default: a free loopback port, read back from what
   * the server prints), `ws://127.0.0.1:PORT`, or `unix://PATH`.
   */
  listen?: string;
  /**
   * The throwaway home to run in (`createCodexHome()`, `createTestEnvironment()`, an example's
   * `options`): its `env` (CODEX_HOME, the API key variable) and its `appServerArgs`. Required, so
   * that a test server never runs in the user's own `~/.codex`.
   */
  home: { readonly env: Readonly<Record<string, string>>; readonly appServerArgs?: readonly string[] };
  /** More environment variables, over `process.env` and the home's. */
  env?: Readonly<Record<string, string>>;
  /** Arguments after `--listen <listen>`, e.g. `["--ws-auth", "capability-token", "--ws-token-file", file]`. */
  args?: readonly string[];
  /** The native codex binary (default: {@link resolveCodexBin}). */
  codexBin?: string;
  /** The server's working directory (and so every thread's, unless a thread names its own). */
  cwd?: string;
  /** How long to wait for the server to accept connections, in ms (default 30 000). */
  readyTimeoutMs?: number;
}

/** A running `codex app-server --listen ...`. `await using` stops it. */
export interface ListeningAppServer extends AsyncDisposable {
  /** What to pass to `Codex.connect()`: `ws://127.0.0.1:PORT` or `unix://PATH`. */
  readonly url: string;
  readonly pid: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash, for reconnect tests); resolves once the process has exited. Idempotent. */
  kill(): Promise<void>;
}

/**
 * Starts `codex app-server --listen <listen>` as a process of its own, the way it runs on a build
 * box or as a shared service, and resolves once it accepts connections: for `ws://`, when it has
 * printed its address; for `unix://`, once a connection to the socket succeeds. If it exits or does not get there
 * within `readyTimeoutMs`, the process is ended and the promise rejects with its stderr.
 *
 * ```ts
 * await using env = await createTestEnvironment();
 * await using server = await startListeningAppServer({ home: env });
 * await using codex = await Codex.connect(server.url);
 * ```
 */
export async function startListeningAppServer(options: ListeningAppServerOptions): Promise<ListeningAppServer> {
  const listen = options.listen ?? "ws://127.0.0.1:0";
  const codexBin = options.codexBin ?? resolveCodexBin();
  const appServerArgs = options.home.appServerArgs ?? QUIET_APP_SERVER_ARGS;
  const child = spawn(codexBin, ["app-server", ...appServerArgs, "--listen", listen, ...(options.args ?? [])], {
    env: { ...process.env, RUST_LOG: "warn", ...options.home.env, ...options.env },
    cwd: options.cwd,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  // "close" comes after "exit" once stderr is drained: an early exit's message needs all of it.
  const drained = new Promise<void>((resolve) => child.once("close", () => resolve()));
  // A failed spawn (no such file) emits "error" and never "exit".
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (running()) child.kill("SIGKILL");
    await Promise.race([exited, spawnError]);
  };
  const stop = async (): Promise<void> => {
    if (running()) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.race([exited, spawnError]);
  };
  // Stops the readiness loop when the spawn itself failed (no "exit" ever comes then).
  const gaveUp = { value: false };
  try {
    const url = await Promise.race([
      waitUntilListening(child, drained, listen, () => stderr, options.readyTimeoutMs ?? 30_000, gaveUp),
      spawnError.then((error) => {
        throw new Error(`could not start ${codexBin}: ${error.message}`);
      }),
    ]);
    return { url, pid: child.pid!, stderr: () => stderr, stop, kill, [Symbol.asyncDispose]: stop };
  } catch (error) {
    gaveUp.value = true;
    await kill();
    throw error;
  }
}

async function waitUntilListening(
  child: ChildProcess,
  drained: Promise<void>,
  listen: string,
  stderr: () => string,
  timeoutMs: number,
  gaveUp: { readonly value: boolean },
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp.value) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      throw new Error(`codex app-server exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr()}`);
    }
    if (listen.startsWith("unix://")) {
      // A socket file alone proves nothing (a killed server leaves its file behind): connect.
      if (await accepts(listen.slice("unix://".length))) return listen;
    } else {
      // It prints "listening on: ws://127.0.0.1:PORT" on stderr once it accepts connections.
      const match = /listening on: (ws:\/\/\S+)/.exec(stderr());
      if (match) return match[1]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`codex app-server did not listen on ${listen} within ${timeoutMs} ms: ${stderr()}`);
}

/** True if something accepts a connection on the unix socket at `socketPath`. */
function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    // A listening socket answers at once; one that does not within a second counts as not yet.
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
