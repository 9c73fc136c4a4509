// Dispatch throughput, in its own process (run by benches/dispatch.ts, so the 1M-line heap does
// not share a GC with the other benches): the same prepared chunks go through
//   bare:   line splitting + JSON.parse + a method check   (the floor)
//   client: the SDK's framing and routing (AppServerClient.onNotification)
//   sdk:    framing, routing and TurnHandle.stream() (Codex.start({ transport }) → thread → turn),
//           recorded (the default)
//   sdk-unrecorded: the same with TurnOptions.record: false (nothing kept for a replay)
// interleaved round by round. Prints one JSON line.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { startRound, type RoundLoad } from "../load.js";
import { loadSdk, type SdkModule } from "../sdk.js";
import { rotate } from "../stats.js";
import { cpuMicros, pump, ScriptedTransport } from "./scripted-transport.js";
import { buildTurnBytes, type TurnBytes } from "./wire.js";

const DELTA = "item/agentMessage/delta";
const COMPLETED = "turn/completed";

interface Run {
  ms: number;
  /** CPU time (all threads, GC included) over the same span. */
  cpuMs: number;
  deltas: number;
  completed: boolean;
}

/** Splits on "\n" bytes and parses each line; only the partial line at a chunk edge is copied. */
async function runBare(turn: TurnBytes): Promise<Run> {
  let remainder: Buffer | undefined;
  let deltas = 0;
  let completed = false;
  const handle = (text: string) => {
    const message = JSON.parse(text) as { method?: string };
    if (message.method === DELTA) deltas += 1;
    else if (message.method === COMPLETED) completed = true;
  };
  const started = performance.now();
  const startedCpu = cpuMicros();
  await pump(turn.chunks, (chunk) => {
    let start = 0;
    let newline = chunk.indexOf(10);
    if (remainder !== undefined && newline !== -1) {
      handle(Buffer.concat([remainder, chunk.subarray(0, newline)]).toString("utf8"));
      remainder = undefined;
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    while (newline !== -1) {
      if (newline > start) handle(chunk.toString("utf8", start, newline));
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length)
      remainder = remainder ? Buffer.concat([remainder, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
  });
  return { ms: performance.now() - started, cpuMs: (cpuMicros() - startedCpu) / 1000, deltas, completed };
}

async function runClient(sdk: SdkModule, turn: TurnBytes): Promise<Run> {
  const transport = new ScriptedTransport(turn, true);
  let deltas = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const client = new sdk.AppServerClient(sdk.createLineTransport(transport));
  client.onNotification(DELTA, () => {
    deltas += 1;
  });
  client.onNotification(COMPLETED, () => finished());
  await done;
  const ms = performance.now() - transport.pumpStartedAt;
  const cpuMs = (cpuMicros() - transport.pumpStartedCpu) / 1000;
  await client.close();
  return { ms, cpuMs, deltas, completed: true };
}

async function runSdk(sdk: SdkModule, turn: TurnBytes, record = true): Promise<Run> {
  const transport = new ScriptedTransport(turn);
  const codex = await sdk.Codex.start({
    transport: sdk.createLineTransport(transport),
    clientInfo: { name: "bench", version: "0.0.0" },
  });
  try {
    const thread = await codex.threadStart({});
    const handle = await thread.turn("go", record ? undefined : { record: false });
    let deltas = 0;
    let completed = false;
    for await (const notification of handle.stream()) {
      if (notification.method === DELTA) deltas += 1;
      else if (notification.method === COMPLETED) completed = true;
    }
    return {
      ms: performance.now() - transport.pumpStartedAt,
      cpuMs: (cpuMicros() - transport.pumpStartedCpu) / 1000,
      deltas,
      completed,
    };
  } finally {
    await codex.close();
  }
}

const count = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);
const turn = buildTurnBytes(count);
const loaded = await loadSdk();
const contenders: { name: string; run: () => Promise<Run> }[] = [{ name: "bare", run: () => runBare(turn) }];
if ("sdk" in loaded) {
  contenders.push({ name: "client", run: () => runClient(loaded.sdk, turn) });
  contenders.push({ name: "sdk", run: () => runSdk(loaded.sdk, turn) });
  contenders.push({ name: "sdk-unrecorded", run: () => runSdk(loaded.sdk, turn, false) });
}
// DISPATCH_ONLY=sdk (comma-separated) runs a subset, e.g. under --cpu-prof to find hot spots.
const only = process.env["DISPATCH_ONLY"]?.split(",");
if (only) contenders.splice(0, contenders.length, ...contenders.filter((c) => only.includes(c.name)));
// DISPATCH_PROFILE=<dir> writes one CPU profile per contender and round (<name>-<round>.cpuprofile)
// that covers the run alone, not the set-up (building the bytes, loading the SDK).
const profileDir = process.env["DISPATCH_PROFILE"];
let session: Session | undefined;
async function profiled(name: string, round: number, run: () => Promise<Run>): Promise<Run> {
  if (!session) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
  }
  await session.post("Profiler.start");
  const result = await run();
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(path.join(profileDir!, `${name}-${round}.cpuprofile`), JSON.stringify(profile));
  return result;
}
const gc = (globalThis as { gc?: () => void }).gc;
const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
const cpuSamples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
const errors: string[] = [];
const loads: RoundLoad[] = [];
for (let round = 0; round < rounds; round += 1) {
  const probe = startRound();
  for (const contender of rotate(contenders, round)) {
    gc?.();
    if (process.env["DISPATCH_DEBUG"])
      console.error(`before ${contender.name}: heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
    const result = profileDir ? await profiled(contender.name, round, contender.run) : await contender.run();
    if (result.deltas !== count || !result.completed) {
      errors.push(`${contender.name} round ${round}: ${result.deltas}/${count} deltas, completed=${result.completed}`);
    }
    samples[contender.name]!.push((turn.lines / result.ms) * 1000);
    cpuSamples[contender.name]!.push((turn.lines / result.cpuMs) * 1000);
  }
  loads.push(probe.stop(`round ${round + 1}`));
}
process.stdout.write(
  `${JSON.stringify({
    lines: turn.lines,
    deltas: count,
    bytes: turn.totalBytes,
    chunks: turn.chunks.length,
    samples,
    cpuSamples,
    errors,
    loads,
    missing: "missing" in loaded ? loaded.missing : undefined,
  })}\n`,
);
