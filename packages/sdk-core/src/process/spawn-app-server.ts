// The stdio Transport: spawns `codex app-server`, carries its stdin/stdout, keeps the tail of its
// stderr, and makes sure the child never outlives `close()` (or this Node process).

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import {
  abortErrorFrom,
  CodexError,
  InvalidInputError,
  RuntimeNotFoundError,
  TransportClosedError,
} from "../errors.js";
import { LineDecoder } from "../rpc/framing.js";
import { LineTransport } from "../rpc/line-transport.js";
import type { ByteStream } from "../rpc/line-transport.js";
import { normalizeLogger, redactSecretValues } from "../rpc/logger.js";
import { classifyStderrLine } from "../stderr-lines.js";
import type { Logger, NormalizedLogger } from "../rpc/logger.js";
import type { Transport, TransportCloseInfo } from "../rpc/transport.js";
import { configToFlags } from "./config-flags.js";
import type { TomlTable } from "./config-flags.js";
import { resolveRuntime, runtimeEnvironment } from "./resolve-runtime.js";
import { StderrTail } from "./stderr-tail.js";

/** Options of `spawnAppServer`. */
export interface SpawnAppServerOptions {
  /** Path of the native codex binary. Without it: the `CODEX_BIN` environment variable, then `resolveCodexBin`. */
  codexBin?: string | undefined;
  /** Finds the binary when neither `codexBin` nor `CODEX_BIN` is set. */
  resolveCodexBin?: (() => string | Promise<string>) | undefined;
  /**
   * Replaces the `[codexBin, "app-server"]` start of the command line (for wrappers and tests):
   * `launchArgs[0]` is the program. Config flags and `args` are still appended.
   */
  launchArgs?: readonly string[] | undefined;
  /** Extra arguments after the config flags (e.g. `["--disable", "plugins"]`). */
  args?: readonly string[] | undefined;
  /** Config overrides, passed as `--config key=<TOML literal>` flags. */
  config?: TomlTable | undefined;
  /** Environment variables merged over `process.env`; `undefined` removes a variable. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Sets `CODEX_HOME` for the server (wins over `env.CODEX_HOME`). */
  codexHome?: string | undefined;
  /** Working directory of the server. Default: this process's. */
  cwd?: string | undefined;
  /** Receives every stderr line, at the level the line names (known harmless lines as warnings). */
  logger?: Logger | undefined;
  /** Lines of stderr kept for `TransportClosedError.stderrTail`. Default 100. */
  stderrTailLines?: number | undefined;
  /** Characters of stderr kept for `stderrTail`. Default 16384. */
  stderrTailChars?: number | undefined;
  /** After closing stdin, how long to wait for a clean exit before SIGTERM. Default 2000 ms. */
  closeGraceMs?: number | undefined;
  /** After SIGTERM, how long to wait before SIGKILL. Default 2000 ms. */
  terminateGraceMs?: number | undefined;
  /** Aborting before the process has started rejects with `AbortError` and leaves no process. */
  signal?: AbortSignal | undefined;
  /** Largest incoming message (one stdout line) in bytes; longer ones are dropped and reported. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
}

/** A Transport over the stdio of a running `codex app-server` process: one JSON message per line. */
export interface ProcessTransport extends Transport {
  /** Process id of the app-server. */
  readonly pid: number;
  /** The command line that started it (program first). */
  readonly argv: readonly string[];
  /** The last stderr lines so far. */
  stderrTail(): string;
  /** True once the process has exited. */
  readonly exited: boolean;
}

/** Live children, killed if this Node process exits without closing them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: without it, a script that forgets close() (or calls process.exit()) leaves an
  // app-server running with nobody to talk to. Only synchronous work is possible here.
  process.on("exit", () => {
    for (const live of liveChildren) {
      try {
        live.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

/**
 * Starts `codex app-server` and resolves with its stdio Transport once the process is running.
 *
 * The command line is `[codexBin, "app-server", ...configFlags, ...args]` (or `launchArgs`
 * instead of the first two). The binary is found by `resolveRuntime` (without the installed
 * package, which only `@codex/sdk` knows); when it sits in a runtime layout, the layout's helper folders go on
 * the child's `PATH` (see `runtimeEnvironment`). Rejects with `RuntimeNotFoundError` when the
 * binary is missing or not executable, leaving no process behind.
 */
export async function spawnAppServer(options: SpawnAppServerOptions = {}): Promise<ProcessTransport> {
  const signal = options.signal;
  if (signal?.aborted) throw abortErrorFrom(signal, "Starting the app-server");
  const { head, env } = await launchHead(options, mergeEnv(options.env, options.codexHome));
  const argv = [...head, ...configFlags(options.config), ...(options.args ?? [])];
  if (options.cwd !== undefined && !isDirectory(options.cwd)) {
    throw new InvalidInputError(
      `Cannot start the codex app-server: its cwd ${options.cwd} is not a directory. Pass an existing directory as cwd.`,
    );
  }
  if (signal?.aborted) throw abortErrorFrom(signal, "Starting the app-server");
  const [program, ...args] = argv as [string, ...string[]];
  const child = spawn(program, args, { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
  await new Promise<void>((resolve, reject) => {
    const onSpawn = (): void => {
      child.off("error", onError);
      resolve();
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      child.off("spawn", onSpawn);
      reject(spawnError(error, program));
    };
    child.once("spawn", onSpawn);
    child.once("error", onError);
  });
  const transport = new StdioTransport(new StdioStream(child, argv, options), options);
  if (signal?.aborted) {
    await transport.close();
    throw abortErrorFrom(signal, "Starting the app-server");
  }
  return transport;
}

async function launchHead(
  options: SpawnAppServerOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ head: string[]; env: NodeJS.ProcessEnv }> {
  if (options.launchArgs !== undefined) {
    if (options.launchArgs.length === 0 || !options.launchArgs[0]) {
      throw new InvalidInputError('launchArgs must start with the program to run (e.g. [codexBin, "app-server"]).');
    }
    return { head: [...options.launchArgs], env };
  }
  const runtime = await resolveRuntime({ codexBin: options.codexBin, resolveCodexBin: options.resolveCodexBin });
  return { head: [runtime.codexBin, "app-server"], env: runtimeEnvironment(runtime, env) };
}

/** The `--config` flags of `config`; a value TOML cannot hold is an `InvalidInputError` like any other bad option. */
function configFlags(config: TomlTable | undefined): string[] {
  if (config === undefined) return [];
  try {
    return configToFlags(config);
  } catch (error) {
    if (error instanceof TypeError)
      throw new InvalidInputError(`Cannot pass the config option to codex: ${error.message}`, { cause: error });
    throw error;
  }
}

function mergeEnv(overrides: SpawnAppServerOptions["env"], codexHome: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  if (codexHome !== undefined) env["CODEX_HOME"] = codexHome;
  return env;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function spawnError(error: NodeJS.ErrnoException, program: string): CodexError {
  if (error.code === "ENOENT") {
    const looksLikePath = program.includes("/") || program.includes("\\");
    return new RuntimeNotFoundError(
      looksLikePath && !existsSync(program)
        ? `The codex binary ${program} does not exist.`
        : `Cannot run ${program}: not found.`,
      {
        path: program,
        fix: "Pass the path of an installed native codex executable as codexBin (or install the runtime package).",
        cause: error,
      },
    );
  }
  if (error.code === "EACCES" || error.code === "EPERM") {
    return new RuntimeNotFoundError(`The codex binary ${program} is not executable (${error.code}).`, {
      path: program,
      fix: `Make it executable (chmod +x ${program}), or point codexBin at the native executable.`,
      cause: error,
    });
  }
  return new CodexError(`Cannot start the codex app-server (${program}): ${error.message}`, { cause: error });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ESC that opens an ANSI colour code is what this strips.
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;

/** How long stdio may stay open after the process exited (a grandchild may hold it). */
const STDIO_DEADLINE_MS = 1000;
/** How many deadlines in a row may be extended because output was still arriving. */
const STDIO_DEADLINE_CHECKS = 10;

/** The message-level transport: line framing over the child's stdio. */
class StdioTransport extends LineTransport implements ProcessTransport {
  private readonly process: StdioStream;

  constructor(stream: StdioStream, options: SpawnAppServerOptions) {
    super(stream, { maxMessageBytes: options.maxMessageBytes, logger: options.logger });
    this.process = stream;
  }

  get pid(): number {
    return this.process.pid;
  }

  get argv(): readonly string[] {
    return this.process.argv;
  }

  get exited(): boolean {
    return this.process.exited;
  }

  stderrTail(): string {
    return this.process.stderrTail();
  }
}

/** The child's stdio as a byte stream, with its stderr ring and close sequence. */
class StdioStream implements ByteStream {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly closed: Promise<TransportCloseInfo>;
  exited = false;

  private readonly child: ChildProcess;
  private readonly logger: NormalizedLogger;
  private readonly tail: StderrTail;
  private readonly closeGraceMs: number;
  private readonly terminateGraceMs: number;
  private onData: ((chunk: Uint8Array) => void) | undefined;
  private early: Uint8Array[] = [];
  private closing = false;
  private closeReason: string | undefined;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private spawnFailure: unknown;
  /** Chunks read from stdout and stderr so far: tells whether the pipes still deliver. */
  private outputChunks = 0;
  private stdioClosed = false;

  constructor(child: ChildProcess, argv: readonly string[], options: SpawnAppServerOptions) {
    this.child = child;
    this.pid = child.pid!;
    this.argv = argv;
    this.logger = normalizeLogger(options.logger);
    this.tail = new StderrTail(options.stderrTailLines, options.stderrTailChars);
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    this.terminateGraceMs = options.terminateGraceMs ?? 2000;
    trackChild(child);

    const stdout = child.stdout!;
    const stderr = child.stderr!;
    const stdin = child.stdin!;
    stdout.on("data", (chunk: Buffer) => {
      this.outputChunks++;
      if (this.onData !== undefined) this.onData(chunk);
      else this.early.push(chunk);
    });
    // The server is unusable once its stdout ends: make sure the process goes too.
    stdout.on("end", () => {
      if (!this.exited) this.shutdown("stdout ended");
    });
    stdout.on("error", (error) => this.logger.debug(`app-server stdout error: ${error.message}`));
    // EPIPE when the server has exited: writes then reject through their callback.
    stdin.on("error", (error) => this.logger.debug(`app-server stdin error: ${error.message}`));

    const stderrLines = new LineDecoder(
      {
        line: (text) => this.stderrLine(text),
        oversized: (info) => this.stderrLine(`${info.prefix}… [stderr line of ${info.bytes}+ bytes cut]`),
      },
      64 * 1024,
    );
    stderr.on("data", (chunk: Buffer) => {
      this.outputChunks++;
      stderrLines.push(chunk);
    });
    stderr.on("error", (error) => this.logger.debug(`app-server stderr error: ${error.message}`));

    this.closed = new Promise<TransportCloseInfo>((resolve) => {
      child.on("error", (error) => {
        // After a successful spawn this is a failed kill or write; remember it for the report.
        this.spawnFailure = error;
        this.logger.debug(`app-server process error: ${error.message}`);
      });
      child.once("exit", () => {
        this.exited = true;
        liveChildren.delete(child);
        // 'close' waits for stdio to close; a grandchild holding our pipes open could delay it
        // forever. The process is gone, so stop waiting after a moment.
        this.stopWaitingForStdio(stdout, stderr, STDIO_DEADLINE_CHECKS);
      });
      child.once("close", (code: number | null, signalName: NodeJS.Signals | null) => {
        this.stdioClosed = true;
        this.exited = true;
        liveChildren.delete(child);
        for (const timer of this.timers) clearTimeout(timer);
        this.timers = [];
        stderrLines.end();
        resolve({
          exitCode: code,
          signal: signalName,
          stderrTail: this.tail.toString(),
          reason: this.closeReason ?? (code === 0 && signalName === null ? "exited" : "exited unexpectedly"),
          error: this.spawnFailure,
        });
      });
    });
  }

  /**
   * Destroys stdout and stderr `STDIO_DEADLINE_MS` after the exit, unless they close first.
   * After a stalled event loop the overdue timer runs before the pipes are read, and destroying
   * them then would throw away output already waiting in them (the server's last replies, the
   * stderr lines that say why it exited). So the destroy waits for one poll of the pipes
   * (setImmediate runs after it) and, while they still deliver, for another period.
   */
  private stopWaitingForStdio(stdout: Readable, stderr: Readable, checksLeft: number): void {
    this.timers.push(
      setTimeout(() => {
        const seen = this.outputChunks;
        setImmediate(() => {
          if (this.stdioClosed) return;
          if (this.outputChunks !== seen && checksLeft > 1) {
            this.stopWaitingForStdio(stdout, stderr, checksLeft - 1);
            return;
          }
          stdout.destroy();
          stderr.destroy();
        });
      }, STDIO_DEADLINE_MS),
    );
  }

  start(onData: (chunk: Uint8Array) => void): void {
    if (this.onData !== undefined) throw new Error("Transport.start() was called twice.");
    this.onData = onData;
    const early = this.early;
    this.early = [];
    for (const chunk of early) onData(chunk);
  }

  write(bytes: Uint8Array): Promise<void> {
    const stdin = this.child.stdin!;
    if (this.exited || this.closing || !stdin.writable) {
      return Promise.reject(
        new TransportClosedError({
          stderrTail: this.tail.toString(),
          reason: "write after the app-server's stdin closed",
        }),
      );
    }
    return new Promise((resolve, reject) => {
      stdin.write(bytes, (error) => {
        if (!error) {
          resolve();
          return;
        }
        // EPIPE means the server is gone or stopped reading: "write EPIPE" alone explains nothing.
        // Report how the process ended (exit code, stderr) instead; a process that only closed
        // its stdin is ended first, so the wait is bounded by the close sequence.
        this.shutdown("the app-server stopped reading its stdin");
        void this.closed.then((info) =>
          reject(
            new TransportClosedError({
              exitCode: info.exitCode,
              signal: info.signal,
              stderrTail: info.stderrTail,
              reason:
                info.reason === "exited unexpectedly" || info.reason === "exited"
                  ? `while a message was being written (${error.message})`
                  : info.reason,
              cause: error,
            }),
          ),
        );
      });
    });
  }

  stderrTail(): string {
    return this.tail.toString();
  }

  async close(reason?: string): Promise<void> {
    this.shutdown(reason ?? "closed by the client");
    await this.closed;
  }

  /** stdin EOF → (grace) → SIGTERM → (grace) → SIGKILL, unless the process exits on the way. */
  private shutdown(reason: string): void {
    if (this.closing || this.exited) return;
    this.closing = true;
    this.closeReason = reason;
    this.child.stdin!.end();
    this.timers.push(
      setTimeout(() => {
        if (this.exited) return;
        this.logger.debug(`app-server did not exit ${this.closeGraceMs} ms after stdin closed; sending SIGTERM.`);
        this.child.kill("SIGTERM");
        this.timers.push(
          setTimeout(() => {
            if (this.exited) return;
            this.logger.warn(`app-server ignored SIGTERM for ${this.terminateGraceMs} ms; sending SIGKILL.`);
            this.child.kill("SIGKILL");
          }, this.terminateGraceMs),
        );
      }, this.closeGraceMs),
    );
  }

  private stderrLine(raw: string): void {
    // Credentials the server echoes (a failing header, a logged command line) stay out of logs and errors.
    const text = redactSecretValues(raw.includes("\x1b") ? raw.replace(ANSI_ESCAPE, "") : raw);
    this.tail.add(text);
    this.logger[classifyStderrLine(text).level](`[codex] ${text}`);
  }
}
