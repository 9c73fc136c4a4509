// An in-process app-server stand-in that speaks through the SDK's ByteStream contract (the bytes
// of a child's stdio; `createLineTransport` frames them into messages, as the stdio transport does): it answers
// initialize / thread/start / turn/start from `wire.ts`, and after the turn/start reply pumps a
// prepared turn, one pipe-sized chunk per event-loop turn (as a child's stdout pipe would).
import { setImmediate as nextTick } from "node:timers/promises";
import { resultFor, type TurnBytes } from "./wire.js";

/** How a transport ended (structurally the SDK's `TransportCloseInfo`). */
interface CloseInfo {
  exitCode: number | null;
  signal: string | null;
  stderrTail: string;
  reason?: string;
}

/** CPU time of this process so far (user + system, all threads), in µs. */
export function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Delivers `chunks` to `onData`, yielding to the event loop between chunks. */
export async function pump(chunks: readonly Buffer[], onData: (chunk: Buffer) => void): Promise<void> {
  for (const chunk of chunks) {
    onData(chunk);
    await nextTick();
  }
}

/** The scripted server, seen from the client as the byte stream under its line transport. */
export class ScriptedTransport {
  readonly closed: Promise<CloseInfo>;
  /** `performance.now()` when the turn's first notification was handed over. */
  pumpStartedAt = 0;
  /** `performance.now()` when the last chunk was handed over. */
  pumpEndedAt = 0;
  /** `process.cpuUsage()` (user + system, µs) when the turn's first notification was handed over. */
  pumpStartedCpu = 0;
  private resolveClosed!: (info: CloseInfo) => void;
  private onData: ((chunk: Buffer) => void) | undefined;
  private isClosed = false;
  private pending = "";

  constructor(
    private readonly turn: TurnBytes,
    private readonly pumpOnStart = false,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  start(onData: (chunk: Uint8Array) => void): void {
    this.onData = onData as (chunk: Buffer) => void;
    if (this.pumpOnStart) void nextTick().then(() => this.pumpTurn());
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error("write after close"));
    this.pending += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    let newline = this.pending.indexOf("\n");
    while (newline !== -1) {
      const text = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (text.trim() !== "") this.answer(JSON.parse(text) as { id?: number | string; method?: string });
      newline = this.pending.indexOf("\n");
    }
    return Promise.resolve();
  }

  private answer(message: { id?: number | string; method?: string }): void {
    // Notifications (`initialized`) and replies to server requests need no answer.
    if (message.id === undefined || message.method === undefined) return;
    const reply = Buffer.from(`${JSON.stringify({ id: message.id, result: resultFor(message.method) })}\n`);
    void nextTick().then(() => {
      this.onData?.(reply);
      if (message.method === "turn/start") void this.pumpTurn();
    });
  }

  private async pumpTurn(): Promise<void> {
    const onData = this.onData;
    if (!onData) return;
    this.pumpStartedAt = performance.now();
    this.pumpStartedCpu = cpuMicros();
    await pump(this.turn.chunks, (chunk) => {
      if (!this.isClosed) onData(chunk);
    });
    this.pumpEndedAt = performance.now();
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.resolveClosed({ exitCode: 0, signal: null, stderrTail: "", reason: "closed by the client" });
    }
    return this.closed.then(() => undefined);
  }
}
