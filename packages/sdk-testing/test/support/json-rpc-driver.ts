// A minimal JSON-RPC driver for the real `codex app-server`, only for this package's own tests
// (the SDK proper lives in @codex/sdk-core, which this package must not depend on).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolveCodexBin } from "../../src/codex-bin.js";

/** A notification as received (the server adds `emittedAtMs`). */
export interface DriverNotification {
  method: string;
  params: Record<string, unknown> & { threadId?: string; turnId?: string };
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Every codex pid any driver spawned in this worker, for the leak check. */
export const spawnedPids = new Set<number>();

export interface DriverOptions {
  env: Record<string, string>;
  args?: readonly string[];
  /** Answers server requests (approvals); default: decline. */
  onServerRequest?: (method: string, params: unknown) => unknown;
}

export class AppServerDriver {
  readonly notifications: DriverNotification[] = [];
  readonly stderr: string[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(notification: DriverNotification) => void>();
  readonly #exited: Promise<void>;
  readonly #onServerRequest: (method: string, params: unknown) => unknown;
  #nextId = 1;
  #buffer = Buffer.alloc(0);
  #exitedFlag = false;

  constructor(options: DriverOptions) {
    this.#onServerRequest = options.onServerRequest ?? (() => ({ decision: "decline" }));
    this.#child = spawn(resolveCodexBin(), ["app-server", ...(options.args ?? [])], {
      env: { ...process.env, RUST_LOG: "warn", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (this.#child.pid !== undefined) spawnedPids.add(this.#child.pid);
    this.#exited = new Promise((resolve) => {
      this.#child.once("close", () => {
        this.#exitedFlag = true;
        for (const [, pending] of this.#pending) {
          clearTimeout(pending.timer);
          pending.reject(new Error(`app-server exited; stderr:\n${this.stderr.join("")}`));
        }
        this.#pending.clear();
        resolve();
      });
    });
    this.#child.on("error", () => {});
    this.#child.stdin.on("error", () => {});
    this.#child.stderr.setEncoding("utf8");
    this.#child.stderr.on("data", (text: string) => {
      this.stderr.push(text);
      if (this.stderr.length > 200) this.stderr.shift();
    });
    this.#child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (let newline = this.#buffer.indexOf(0x0a); newline >= 0; newline = this.#buffer.indexOf(0x0a)) {
      const line = this.#buffer.subarray(0, newline).toString("utf8");
      this.#buffer = this.#buffer.subarray(newline + 1);
      if (line.trim() === "") continue;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.stderr.push(`[driver] stdout line that is not JSON: ${line.slice(0, 200)}\n`);
        continue;
      }
      this.#onMessage(message);
    }
  }

  #onMessage(message: Record<string, unknown>): void {
    const id = message["id"];
    const method = message["method"];
    if (typeof method === "string" && id !== undefined) {
      Promise.resolve()
        .then(() => this.#onServerRequest(method, message["params"]))
        .then((result) => this.#write({ id, result }))
        .catch((error: unknown) => this.#write({ id, error: { code: -32603, message: String(error) } }));
      return;
    }
    if (typeof method === "string") {
      const notification = { method, params: (message["params"] ?? {}) as DriverNotification["params"] };
      this.notifications.push(notification);
      for (const listener of [...this.#listeners]) listener(notification);
      return;
    }
    const pending = typeof id === "number" ? this.#pending.get(id) : undefined;
    if (!pending || typeof id !== "number") return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    const error = message["error"] as { code: number; message: string } | undefined;
    if (error) pending.reject(new Error(`${error.code} ${error.message}`));
    else pending.resolve(message["result"]);
  }

  #write(message: unknown): void {
    if (this.#exitedFlag) return;
    this.#child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  request<T = Record<string, unknown>>(method: string, params: unknown, timeoutMs = 10_000): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms; stderr:\n${this.stderr.join("")}`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      this.#write({ id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.#write(params === undefined ? { method } : { method, params });
  }

  /** Resolves with the first notification (already received or future) matching `predicate`. */
  waitFor(predicate: (notification: DriverNotification) => boolean, timeoutMs = 10_000): Promise<DriverNotification> {
    const seen = this.notifications.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const listener = (notification: DriverNotification) => {
        if (!predicate(notification)) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(notification);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(
          new Error(
            `No matching notification within ${timeoutMs} ms; got ${this.notifications.map((n) => n.method).join(", ")}`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  async initialize(): Promise<Record<string, unknown>> {
    const result = await this.request("initialize", {
      clientInfo: { name: "sdk_testing_driver", title: "sdk-testing driver", version: "0.0.0" },
      capabilities: { experimentalApi: true },
    });
    this.notify("initialized");
    return result;
  }

  async startThread(params: Record<string, unknown> = {}): Promise<string> {
    const result = await this.request<{ thread: { id: string } }>("thread/start", params);
    return result.thread.id;
  }

  /** Starts a turn and collects this turn's notifications up to and including `turn/completed`. */
  async runTurn(threadId: string, text: string, timeoutMs = 15_000): Promise<TurnRun> {
    const started = Date.now();
    const result = await this.request<{ turn: { id: string } }>("turn/start", {
      threadId,
      input: [{ type: "text", text }],
    });
    const turnId = result.turn.id;
    const completed = await this.waitFor(
      (n) => n.method === "turn/completed" && (n.params["turn"] as { id?: string } | undefined)?.id === turnId,
      timeoutMs,
    );
    const elapsedMs = Date.now() - started;
    const events = this.notifications.filter(
      (n) => n.params.turnId === turnId || (n.params["turn"] as { id?: string } | undefined)?.id === turnId,
    );
    return { turnId, completed, turn: completed.params["turn"] as TurnRun["turn"], events, elapsedMs };
  }

  /** Closes stdin (a clean exit), then SIGKILLs after `graceMs`; resolves when the process is gone. */
  async close(graceMs = 3000): Promise<void> {
    if (!this.#exitedFlag) this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

export interface TurnRun {
  turnId: string;
  completed: DriverNotification;
  turn: {
    id: string;
    status: string;
    error: { message: string; codexErrorInfo: unknown; additionalDetails: unknown } | null;
    items: unknown[];
  };
  /** This turn's notifications (those carrying its turnId), in order. */
  events: DriverNotification[];
  elapsedMs: number;
}
