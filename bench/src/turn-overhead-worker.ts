// Turn latency's companion measurement: the SDK's own cost per trivial turn, with no app-server.
// An in-process server answers turn/start at once with the notifications a real trivial turn
// produces (same methods and order as app-server 0.169.0), so all that is timed is the SDK (plus
// this small stand-in). Prints one JSON line: µs per `thread.run()`, wall and CPU.
import { resultFor } from "./dispatch/wire.js";
import { loadSdk } from "./sdk.js";

const THREAD = "01a213b0-370d-7f01-8629-b7f8047eee60";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

class InstantServer {
  readonly closed = new Promise<never>(() => {});
  private onData: ((chunk: Uint8Array) => void) | undefined;
  private turns = 0;

  start(onData: (chunk: Uint8Array) => void): void {
    this.onData = onData;
  }

  private send(lines: unknown[]): void {
    const bytes = encoder.encode(lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
    setImmediate(() => this.onData?.(bytes));
  }

  write(bytes: Uint8Array): Promise<void> {
    for (const line of decoder.decode(bytes).split("\n")) {
      if (line === "") continue;
      const message = JSON.parse(line) as { id?: number; method?: string };
      if (message.id === undefined || message.method === undefined) continue;
      if (message.method !== "turn/start") {
        this.send([{ id: message.id, result: resultFor(message.method) }]);
        continue;
      }
      const id = `turn-${++this.turns}`;
      const turn = (status: string) => ({
        id,
        items: [],
        itemsView: "notLoaded",
        status,
        error: null,
        startedAt: 1,
        completedAt: null,
        durationMs: null,
      });
      const scope = { threadId: THREAD, turnId: id };
      this.send([
        { method: "warning", params: { threadId: THREAD, message: "Model metadata not found" }, emittedAtMs: 1 },
        { id: message.id, result: { turn: turn("inProgress") } },
      ]);
      this.send(
        [
          {
            method: "thread/status/changed",
            params: { threadId: THREAD, status: { type: "active", activeFlags: [] } },
          },
          { method: "turn/started", params: { threadId: THREAD, turn: turn("inProgress") } },
          {
            method: "item/started",
            params: { ...scope, item: { type: "userMessage", id: "u", content: [{ type: "text", text: "hi" }] } },
          },
          {
            method: "item/completed",
            params: { ...scope, item: { type: "userMessage", id: "u", content: [{ type: "text", text: "hi" }] } },
          },
          {
            method: "item/started",
            params: { ...scope, item: { type: "agentMessage", id: "m", text: "", phase: null } },
          },
          { method: "item/agentMessage/delta", params: { ...scope, itemId: "m", delta: "ok" } },
          {
            method: "item/completed",
            params: { ...scope, item: { type: "agentMessage", id: "m", text: "ok", phase: null } },
          },
          {
            method: "thread/tokenUsage/updated",
            params: { ...scope, tokenUsage: { total: {}, last: {}, modelContextWindow: 258400 } },
          },
          { method: "account/rateLimits/updated", params: { rateLimits: { limitId: "codex" } } },
          { method: "thread/readState/changed", params: { threadId: THREAD, readState: {} } },
          { method: "thread/status/changed", params: { threadId: THREAD, status: { type: "idle" } } },
          { method: "turn/completed", params: { threadId: THREAD, turn: turn("completed") } },
        ].map((n) => ({ ...n, emittedAtMs: 1 })),
      );
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const loaded = await loadSdk();
if (!("sdk" in loaded)) throw new Error(loaded.missing);
const codex = await loaded.sdk.Codex.start({ transport: loaded.sdk.createLineTransport(new InstantServer()) });
const thread = await codex.threadStart({});
const turns = Number(process.argv[2] ?? 3000);
const rounds = Number(process.argv[3] ?? 5);
const wallMicros: number[] = [];
const cpuMicros: number[] = [];
for (let index = 0; index < 500; index += 1) await thread.run("warm up");
for (let round = 0; round < rounds; round += 1) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let index = 0; index < turns; index += 1) {
    const result = await thread.run("hi");
    if (result.text !== "ok") throw new Error(`unexpected text ${result.text}`);
  }
  const cpu = process.cpuUsage(c0);
  wallMicros.push(((performance.now() - t0) * 1000) / turns);
  cpuMicros.push((cpu.user + cpu.system) / turns);
}
process.stdout.write(`${JSON.stringify({ turns, rounds, wallMicros, cpuMicros })}\n`);
process.exit(0);
