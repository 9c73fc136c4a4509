// The SDK's heap through a long turn, in its own process (run by benches/record-memory.ts, with
// --expose-gc): a scripted server streams `count` `item/commandExecution/outputDelta`
// notifications (command output, which a TurnResult does not keep) into one turn, generated
// lazily in 64 KiB pipe-sized chunks so the harness itself holds nothing that grows. Every
// ~64 chunks the worker collects garbage and samples `heapUsed`; the peak is what the turn kept.
//   contenders: `record: false` with `run()` · `record: false` with one `stream()` reader ·
//               `record: true` (the default) with `run()`, as the reference that grows
// Prints one JSON line: { samples: { "<contender>@<count>": peakHeapBytes[] }, errors }.
import { setImmediate as nextTick } from "node:timers/promises";
import { loadSdk, type SdkModule } from "../sdk.js";
import { rotate } from "../stats.js";
import { PIPE_CHUNK_BYTES, resultFor, THREAD_ID, TURN_ID } from "../dispatch/wire.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const collect = gc;

function line(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

function turn(status: "inProgress" | "completed") {
  return {
    id: TURN_ID,
    items: [],
    itemsView: "notLoaded",
    status,
    error: null,
    startedAt: 1,
    completedAt: status === "completed" ? 2 : null,
    durationMs: status === "completed" ? 1000 : null,
  };
}

const ITEM = "call_1";
function outputDeltaLine(index: number): string {
  return line({
    method: "item/commandExecution/outputDelta",
    params: { threadId: THREAD_ID, turnId: TURN_ID, itemId: ITEM, delta: `line ${index} of a long build log\n` },
    emittedAtMs: 1795626645380 + (index >> 10),
  });
}

/** The scripted server: answers the handshake, then streams the turn chunk by chunk, sampling the heap. */
class LazyTurnTransport {
  readonly closed: Promise<{ exitCode: number | null; signal: string | null; stderrTail: string }>;
  peakHeap = 0;
  private resolveClosed!: (info: { exitCode: number | null; signal: string | null; stderrTail: string }) => void;
  private onData: ((chunk: Uint8Array) => void) | undefined;
  private isClosed = false;
  private pending = "";
  private readonly encoder = new TextEncoder();

  constructor(private readonly count: number) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  start(onData: (chunk: Uint8Array) => void): void {
    this.onData = onData;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error("write after close"));
    this.pending += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    let newline = this.pending.indexOf("\n");
    while (newline !== -1) {
      const text = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      const message = JSON.parse(text) as { id?: number; method?: string };
      if (message.id !== undefined && message.method !== undefined) {
        const reply = this.encoder.encode(line({ id: message.id, result: resultFor(message.method) }));
        const method = message.method;
        void nextTick().then(() => {
          this.onData?.(reply);
          if (method === "turn/start") void this.streamTurn();
        });
      }
      newline = this.pending.indexOf("\n");
    }
    return Promise.resolve();
  }

  private sample(): void {
    collect();
    this.peakHeap = Math.max(this.peakHeap, process.memoryUsage().heapUsed);
  }

  private async send(text: string): Promise<void> {
    if (this.isClosed) return;
    this.onData?.(this.encoder.encode(text));
    await nextTick();
  }

  private async streamTurn(): Promise<void> {
    await this.send(
      line({ method: "turn/started", params: { threadId: THREAD_ID, turn: turn("inProgress") }, emittedAtMs: 1 }),
    );
    let text = "";
    let chunks = 0;
    // Sample about 16 times per turn (and at least every 64 chunks), so short turns are measured too.
    const every = Math.max(1, Math.min(64, Math.floor(this.count / 16 / 300)));
    for (let index = 0; index < this.count; index++) {
      text += outputDeltaLine(index);
      if (text.length >= PIPE_CHUNK_BYTES) {
        await this.send(text);
        text = "";
        if (++chunks % every === 0) this.sample();
      }
    }
    if (text !== "") await this.send(text);
    this.sample();
    await this.send(
      line({ method: "turn/completed", params: { threadId: THREAD_ID, turn: turn("completed") }, emittedAtMs: 2 }),
    );
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.resolveClosed({ exitCode: 0, signal: null, stderrTail: "" });
    }
    return this.closed.then(() => undefined);
  }
}

type Contender = "run-unrecorded" | "stream-unrecorded" | "run-recorded";

/** One turn of `count` deltas; resolves with the peak heap seen while it streamed. */
async function oneTurn(sdk: SdkModule, contender: Contender, count: number): Promise<number> {
  const transport = new LazyTurnTransport(count);
  const codex = await sdk.Codex.start({
    transport: sdk.createLineTransport(transport),
    clientInfo: { name: "bench", version: "0.0.0" },
  });
  try {
    collect();
    const thread = await codex.threadStart({});
    const handle = await thread.turn("go", { record: contender === "run-recorded" });
    if (contender === "stream-unrecorded") {
      let seen = 0;
      for await (const event of handle.stream()) if (event.method === "item/commandExecution/outputDelta") seen++;
      if (seen !== count) throw new Error(`stream() saw ${seen} of ${count} deltas`);
    }
    const result = await handle.run();
    if (result.status !== "completed") throw new Error(`turn ended ${result.status}`);
    return transport.peakHeap;
  } finally {
    await codex.close();
  }
}

const counts = (process.argv[2] ?? "1000,1000000").split(",").map(Number);
const rounds = Number(process.argv[3] ?? "3");
const contenders: Contender[] = (process.env["RECORD_MEMORY_ONLY"]?.split(",") as Contender[] | undefined) ?? [
  "run-unrecorded",
  "stream-unrecorded",
  "run-recorded",
];
const loaded = await loadSdk();
if (!("sdk" in loaded)) {
  console.log(JSON.stringify({ samples: {}, errors: [], missing: loaded.missing }));
} else {
  const samples: Record<string, number[]> = {};
  const errors: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      for (const count of counts) {
        try {
          const peak = await oneTurn(loaded.sdk, contender, count);
          const key = `${contender}@${count}`;
          const list = samples[key] ?? [];
          list.push(peak);
          samples[key] = list;
        } catch (error) {
          errors.push(`${contender}@${count}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }
  console.log(JSON.stringify({ samples, errors }));
}
