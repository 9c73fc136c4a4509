// Shared tools of the reliability suite: a scripted server on an in-memory transport, a
// transport whose incoming bytes the test hands over itself, and probes for leaked processes,
// file descriptors and memory.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { isProcessAlive as isAlive } from "../process/processes.js";
import { GENERATED_FOR_CODEX_VERSION } from "../../src/api/version.js";
import { LineDecoder } from "../../src/rpc/framing.js";
import { createInMemoryByteStreamPair, createLineTransport } from "../../src/rpc/line-transport.js";
import type { ByteStream, InMemoryByteStream, LineTransportOptions } from "../../src/rpc/line-transport.js";
import type { Transport, TransportCloseInfo } from "../../src/rpc/transport.js";

/** A message the client sent, parsed. */
export interface SentMessage {
  id?: number | string;
  method?: string;
  params?: any;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** The far end of an in-memory transport pair, acting as the app-server. */
export class ScriptedServer {
  readonly received: SentMessage[] = [];
  readonly #encoder = new TextEncoder();
  #listeners: ((message: SentMessage) => void)[] = [];

  constructor(readonly end: InMemoryByteStream) {
    const decoder = new LineDecoder({
      line: (text) => {
        const message = JSON.parse(text) as SentMessage;
        this.received.push(message);
        for (const listener of [...this.#listeners]) listener(message);
      },
      oversized: () => {
        throw new Error("the client sent an oversized line");
      },
    });
    end.start((chunk) => decoder.push(chunk));
  }

  /** Calls `listener` for every message the client sends from now on. */
  onMessage(listener: (message: SentMessage) => void): void {
    this.#listeners.push(listener);
  }

  /** Resolves with the first message (already received or future) that matches. */
  waitFor(match: (message: SentMessage) => boolean): Promise<SentMessage> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const listener = (message: SentMessage) => {
        if (!match(message)) return;
        this.#listeners = this.#listeners.filter((l) => l !== listener);
        resolve(message);
      };
      this.#listeners.push(listener);
    });
  }

  /** Resolves with the client's request of `method` (the first one not yet taken by `skip`). */
  request(method: string, skip = 0): Promise<SentMessage> {
    let seen = 0;
    return this.waitFor((m) => m.method === method && m.id !== undefined && seen++ === skip);
  }

  sendRaw(data: string | Uint8Array): Promise<void> {
    return this.end.write(typeof data === "string" ? this.#encoder.encode(data) : data);
  }

  send(message: object): Promise<void> {
    return this.sendRaw(`${JSON.stringify(message)}\n`);
  }

  reply(id: number | string | undefined, result: unknown): Promise<void> {
    return this.send({ id, result });
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.send({ method, params, emittedAtMs: Date.now() });
  }

  /** Answers `initialize` (and ignores `initialized`) the way the pinned app-server does. */
  answerInitialize(): void {
    this.onMessage((message) => {
      if (message.method === "initialize" && message.id !== undefined) {
        void this.reply(message.id, {
          userAgent: `reliability/${GENERATED_FOR_CODEX_VERSION} (Debian 12.0.0; x86_64) test (reliability; 0.0.0)`,
          codexHome: "/codex-home",
          platformFamily: "unix",
          platformOs: "linux",
        });
      }
    });
  }
}

/** A `Turn` object as the server sends it. */
export function wireTurn(id: string, status: "inProgress" | "completed" | "interrupted" = "inProgress") {
  const done = status !== "inProgress";
  return {
    id,
    items: [],
    itemsView: "notLoaded",
    status,
    error: null,
    startedAt: 1,
    completedAt: done ? 2 : null,
    durationMs: done ? 1000 : null,
  };
}

/** A `Thread` object as the server sends it. */
export function wireThread(id: string) {
  return {
    id,
    sessionId: id,
    forkedFromId: null,
    preview: "",
    ephemeral: false,
    modelProvider: "fake",
    model: "fake-model",
    createdAt: 1,
    updatedAt: 1,
    status: { type: "idle" },
    path: null,
    cwd: "/workspace",
    cliVersion: GENERATED_FOR_CODEX_VERSION,
    source: "vscode",
    gitInfo: null,
    name: null,
    turns: [],
  };
}

/**
 * Answers `thread/start` with thread ids `thread-1`, `thread-2`, ... and `turn/start` with turn
 * ids `<threadId>/turn-1`, ... (unless `holdTurnStart` returns true for that request; then the
 * test replies itself). Returns the turn ids given out, in order.
 */
export function answerThreadsAndTurns(
  server: ScriptedServer,
  holdTurnStart: (message: SentMessage) => boolean = () => false,
): string[] {
  const turnIds: string[] = [];
  let threads = 0;
  const turnsPerThread = new Map<string, number>();
  server.onMessage((message) => {
    if (message.id === undefined) return;
    if (message.method === "thread/start") {
      threads += 1;
      void server.reply(message.id, {
        thread: wireThread(`thread-${threads}`),
        model: "fake-model",
        modelProvider: "fake",
        cwd: "/workspace",
        approvalPolicy: "never",
        sandbox: { type: "readOnly" },
        reasoningEffort: null,
      });
    } else if (message.method === "turn/start" && !holdTurnStart(message)) {
      const threadId = message.params.threadId as string;
      const count = (turnsPerThread.get(threadId) ?? 0) + 1;
      turnsPerThread.set(threadId, count);
      const turnId = `${threadId}/turn-${count}`;
      turnIds.push(turnId);
      void server.reply(message.id, { turn: wireTurn(turnId) });
    }
  });
  return turnIds;
}

/**
 * An in-memory pair carrying bytes as stdio does: the client's end (line framing, with
 * `options` such as maxMessageBytes and the logger of bad lines) and a scripted server on the other.
 */
export function scriptedPair(options: LineTransportOptions = {}): { clientEnd: Transport; server: ScriptedServer } {
  const [byteEnd, serverEnd] = createInMemoryByteStreamPair();
  return { clientEnd: createLineTransport(byteEnd, options), server: new ScriptedServer(serverEnd) };
}

/**
 * A byte stream whose incoming bytes the test feeds synchronously with `deliver`, so an exception
 * thrown by the client's reader surfaces right there instead of as an uncaught error. Wrap it in
 * `createLineTransport` for the client.
 */
export class ManualTransport implements ByteStream {
  readonly written: string[] = [];
  readonly closed: Promise<TransportCloseInfo>;
  #onData: ((chunk: Uint8Array) => void) | undefined;
  #resolveClosed!: (info: TransportCloseInfo) => void;
  #isClosed = false;
  readonly #decoder = new TextDecoder();

  constructor() {
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  start(onData: (chunk: Uint8Array) => void): void {
    this.#onData = onData;
  }

  deliver(chunk: Uint8Array): void {
    if (!this.#onData) throw new Error("the client never started the transport");
    this.#onData(chunk);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#isClosed) return Promise.reject(new Error("closed"));
    this.written.push(this.#decoder.decode(bytes));
    return Promise.resolve();
  }

  /** Every complete message the client wrote, parsed. */
  sentMessages(): SentMessage[] {
    return this.written
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as SentMessage);
  }

  close(): Promise<void> {
    return this.closeWith({});
  }

  closeWith(info: Partial<TransportCloseInfo>): Promise<void> {
    if (!this.#isClosed) {
      this.#isClosed = true;
      this.#resolveClosed({
        exitCode: info.exitCode ?? null,
        signal: info.signal ?? null,
        stderrTail: info.stderrTail ?? "",
        reason: info.reason ?? "closed",
      });
    }
    return this.closed.then(() => undefined);
  }
}

/** True while `pid` is a live (non-zombie) process. */
export { isAlive };

/** Pids of this process's live child processes (zombies excluded). */
export function childPids(parent: number = process.pid): number[] {
  if (process.platform !== "linux") {
    // No /proc: ask pgrep (macOS, BSD). It exits 1 when there is no child.
    const run = spawnSync("pgrep", ["-P", String(parent)], { encoding: "utf8" });
    return run.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number)
      .filter(isAlive);
  }
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    const ppid = Number(fields[1]);
    if (ppid === parent && state !== "Z" && state !== "X") pids.push(Number(entry));
  }
  return pids;
}

/** Number of open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync(process.platform === "linux" ? "/proc/self/fd" : "/dev/fd").length;
}

let gcFunction: (() => void) | undefined;

/** Runs a full garbage collection (enabling `gc` at run time if Node was started without --expose-gc). */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString("--expose-gc");
    gcFunction = runInNewContext("gc") as () => void;
  }
  gcFunction();
  gcFunction();
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Waits until `condition` holds, checking every `intervalMs`; rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Lets queued setImmediate deliveries and microtasks run. */
export async function flush(rounds = 3): Promise<void> {
  for (let index = 0; index < rounds; index += 1) await new Promise((resolve) => setImmediate(resolve));
}
