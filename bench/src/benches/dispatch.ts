// Bench 2: dispatch throughput of 1,000,000 `item/agentMessage/delta` lines, in process.
import type { RoundLoad } from "../load.js";
import { contender, type BenchOptions, type BenchResult } from "../result.js";
import { runWorker } from "../spawn-worker.js";
import { now, summarize } from "../stats.js";

interface WorkerOutput {
  lines: number;
  deltas: number;
  bytes: number;
  chunks: number;
  samples: Record<string, number[]>;
  /** Throughput per CPU-second (all threads, GC included): steadier than wall time on a shared machine. */
  cpuSamples: Record<string, number[]>;
  errors: string[];
  /** The machine's load per round (all contenders of the round). */
  loads: RoundLoad[];
  missing?: string;
}

/** Dispatch targets, per CPU-second against the bare floor. */
const STREAM_TARGET = 0.8;
const CLIENT_TARGET = 1.0;

/** Runs the dispatch bench. */
export async function dispatchBench(options: BenchOptions): Promise<BenchResult> {
  const started = now();
  const count = options.quick ? 100_000 : 1_000_000;
  const rounds = options.quick ? 2 : 5;
  options.log(`dispatch: ${count} deltas × ${rounds} rounds per contender`);
  const output = await runWorker<WorkerOutput>(
    "dispatch/worker.ts",
    [String(count), String(rounds)],
    ["--expose-gc", "--max-old-space-size=8192"],
  );
  // Ratios use the rounds that were not under heavy load (all rounds if every one was).
  const quiet = output.loads.map((load, index) => (load.heavy ? -1 : index)).filter((index) => index >= 0);
  const use = quiet.length > 0 ? quiet : output.loads.map((_, index) => index);
  const pick = (values: number[] | undefined) => (values ?? []).filter((_, index) => use.includes(index));
  const cpuMedian = (name: string) => summarize(pick(output.cpuSamples[name])).median;
  const wallMedian = (name: string) => summarize(pick(output.samples[name])).median;
  const cpuExtra = (name: string) => ({
    cpuThroughputMedian: Math.round(summarize(output.cpuSamples[name] ?? []).median),
  });
  const labels: Record<string, string> = {
    bare: "line split + JSON.parse (floor)",
    client: "SDK framing + routing (onNotification)",
    sdk: "SDK framing + routing + turn.stream() (record: true, the default)",
    "sdk-unrecorded": "SDK framing + routing + turn.stream() with record: false",
  };
  const contenders = Object.keys(labels)
    .filter((name) => output.samples[name] !== undefined)
    .map((name) => contender(name, labels[name]!, output.samples[name]!, cpuExtra(name)));
  const which =
    quiet.length === rounds
      ? ""
      : quiet.length > 0
        ? `; ${quiet.length} quiet of ${rounds} rounds`
        : "; every round under heavy load";
  const result: BenchResult = {
    id: "dispatch",
    title: "Dispatch throughput",
    unit: "lines/s",
    higherIsBetter: true,
    method:
      `${count.toLocaleString("en-US")} \`item/agentMessage/delta\` lines (${(output.bytes / 2 ** 20).toFixed(0)} MiB, ` +
      `as the app-server writes them) cut into ${output.chunks} 64 KiB chunks at arbitrary offsets, handed over one chunk per ` +
      `event-loop turn (like a stdout pipe), in a fresh Node process; contenders interleaved round by round, ${rounds} rounds each. ` +
      `Throughput = lines / (first chunk → consumer saw turn/completed); ` +
      `also per CPU-second of the process (all threads, GC included), which a busy machine disturbs less. The targets are per CPU-second.`,
    contenders,
    ratios: [],
    notes: [...output.errors.map((error) => `lost events: ${error}`)],
    rounds: output.loads,
    durationMs: now() - started,
  };
  if (output.missing) result.skipped = `SDK side not run: ${output.missing}`;
  for (const [name, label] of [
    ["sdk", "SDK stream() (record: true) / bare JSON.parse"],
    ["sdk-unrecorded", "SDK stream() (record: false) / bare JSON.parse"],
  ] as const) {
    if (!output.samples[name]) continue;
    const cpuValue = cpuMedian(name) / cpuMedian("bare");
    result.ratios.push({
      label: `${label}, per CPU-second${which}`,
      value: cpuValue,
      target: `≥ ${STREAM_TARGET}`,
      met: cpuValue >= STREAM_TARGET,
    });
    result.ratios.push({ label: `${label}, wall time${which}`, value: wallMedian(name) / wallMedian("bare") });
  }
  if (output.samples["client"]) {
    const cpuValue = cpuMedian("client") / cpuMedian("bare");
    result.ratios.push({
      label: `SDK client (no stream) / bare JSON.parse, per CPU-second${which}`,
      value: cpuValue,
      target: `≥ ${CLIENT_TARGET.toFixed(1)}`,
      met: cpuValue >= CLIENT_TARGET,
    });
    result.ratios.push({
      label: `SDK client (no stream) / bare JSON.parse, wall time${which}`,
      value: wallMedian("client") / wallMedian("bare"),
    });
  }
  return result;
}
