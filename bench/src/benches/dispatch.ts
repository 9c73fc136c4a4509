// Bench 2: dispatch throughput of 1,000,000 `item/agentMessage/delta` lines, in process.
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
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
  missing?: string;
}

/** Runs the dispatch bench. */
export async function dispatchBench(options: BenchOptions): Promise<BenchResult> {
  const started = now();
  const count = options.quick ? 100_000 : 1_000_000;
  const rounds = options.quick ? 2 : 7;
  options.log(`dispatch: ${count} deltas × ${rounds} rounds per contender`);
  const output = await runWorker<WorkerOutput>("dispatch/worker.ts", [String(count), String(rounds)], [
    "--expose-gc",
    "--max-old-space-size=8192",
  ]);
  const cpuMedian = (name: string) => summarize(output.cpuSamples[name] ?? []).median;
  const cpuExtra = (name: string) => ({ cpuThroughputMedian: Math.round(cpuMedian(name)) });
  const contenders = [contender("bare", "line split + JSON.parse (floor)", output.samples["bare"] ?? [], cpuExtra("bare"))];
  if (output.samples["client"]) {
    contenders.push(contender("client", "SDK framing + routing (onNotification)", output.samples["client"], cpuExtra("client")));
  }
  if (output.samples["sdk"]) contenders.push(contender("sdk", "SDK framing + routing + turn.stream()", output.samples["sdk"], cpuExtra("sdk")));
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
      `also per CPU-second of the process (all threads, GC included), which a busy machine disturbs less.`,
    contenders,
    ratios: [],
    notes: [...output.errors.map((error) => `lost events: ${error}`)],
    durationMs: now() - started,
  };
  if (output.missing) result.skipped = `SDK side not run: ${output.missing}`;
  if (output.samples["sdk"]) {
    const value = medianRatio(result, "sdk", "bare");
    result.ratios.push({ label: "SDK stream() / bare JSON.parse", value, target: "≥ 0.50", met: value >= 0.5 });
    const cpuValue = cpuMedian("sdk") / cpuMedian("bare");
    result.ratios.push({ label: "SDK stream() / bare JSON.parse, per CPU-second", value: cpuValue, target: "≥ 0.50", met: cpuValue >= 0.5 });
  }
  if (output.samples["client"]) {
    result.ratios.push({ label: "SDK client (no stream) / bare JSON.parse", value: medianRatio(result, "client", "bare") });
  }
  return result;
}
