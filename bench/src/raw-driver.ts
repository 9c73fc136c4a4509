// The smallest hand-written JSON-RPC driver for `codex app-server` that can run a turn: spawn,
// split stdout on "\n", JSON.parse, route responses by id and notifications to one callback.
// It is the floor the SDK is measured against: no validation, no typing, no abort, no retry.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

type Message = { id?: number | string; method?: string; params?: any; result?: any; error?: any };

/** A raw app-server session. */
export class RawDriver {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private readonly turnWaiters = new Map<string, (params: any) => void>();
  private buffered = "";
  /** Deltas received per turn id (for the lost-events check of the scale bench). */
  readonly deltaCountByTurn = new Map<string, number>();
  /** Delta text received per turn id. */
  readonly textByTurn = new Map<string, string>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onData(chunk));
    child.stderr.resume();
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("exit", () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error("app-server exited"));
      this.pending.clear();
    });
  }

  /** Spawns `bin argv...` and completes the handshake (`initialize` answered, `initialized` sent). */
  static async start(bin: string, argv: string[], env: Record<string, string>): Promise<RawDriver> {
    const driver = new RawDriver(spawn(bin, argv, { env, stdio: ["pipe", "pipe", "pipe"] }));
    await driver.request("initialize", {
      clientInfo: { name: "raw_bench", title: "Raw bench", version: "0.0.0" },
      capabilities: { experimentalApi: true },
    });
    driver.notify("initialized");
    return driver;
  }

  private onData(chunk: string): void {
    let text = this.buffered + chunk;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      if (line.length > 0) this.onMessage(JSON.parse(line) as Message);
      newline = text.indexOf("\n");
    }
    this.buffered = text;
  }

  private onMessage(message: Message): void {
    if (message.method === undefined) {
      const waiter = this.pending.get(message.id as number);
      if (!waiter) return;
      this.pending.delete(message.id as number);
      if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
      else waiter.resolve(message.result);
      return;
    }
    if (message.id !== undefined) {
      // A server request (approval): the bench never triggers one; decline to be safe.
      this.write({ id: message.id, result: { decision: "decline" } });
      return;
    }
    if (message.method === "item/agentMessage/delta") {
      const turnId = message.params.turnId as string;
      this.deltaCountByTurn.set(turnId, (this.deltaCountByTurn.get(turnId) ?? 0) + 1);
      this.textByTurn.set(turnId, (this.textByTurn.get(turnId) ?? "") + (message.params.delta as string));
    } else if (message.method === "turn/completed") {
      const threadId = message.params.threadId as string;
      const waiter = this.turnWaiters.get(threadId);
      if (waiter) {
        this.turnWaiters.delete(threadId);
        waiter(message.params);
      }
    }
  }

  private write(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * Sends a request and resolves with its result; an overloaded server (-32001) is asked again
   * after a short backoff, as it asks.
   */
  async request(method: string, params: unknown): Promise<any> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.send(method, params);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes('"code":-32001') || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  private send(method: string, params: unknown): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ id, method, params });
    });
  }

  /** Sends a notification. */
  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /** `thread/start` → the thread id. */
  async threadStart(params: Record<string, unknown> = {}): Promise<string> {
    const result = await this.request("thread/start", params);
    return result.thread.id as string;
  }

  /** Runs one text turn on `threadId` and resolves with the `turn/completed` params once both the
   * turn/start reply and turn/completed have arrived. */
  runTurn(threadId: string, text: string): Promise<any> {
    const completed = new Promise<any>((resolve) => this.turnWaiters.set(threadId, resolve));
    const started = this.request("turn/start", { threadId, input: [{ type: "text", text }] });
    return Promise.all([completed, started]).then(([params]) => params);
  }

  /** Closes stdin (the app-server exits cleanly on EOF) and waits for the exit; SIGKILL after 5 s. */
  async close(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** The child's pid. */
  get pid(): number | undefined {
    return this.child.pid;
  }
}
