// Bench 6: the SDK's heap through a turn of 1,000,000 deltas with `TurnOptions.record: false`,
// as a ratio to a turn of 1,000 deltas (flat memory means a ratio near 1). In its own process.
import { contender, type BenchOptions, type BenchResult } from "../result.js";
import { runWorker } from "../spawn-worker.js";
import { now, summarize } from "../stats.js";

interface WorkerOutput {
  samples: Record<string, number[]>;
  errors: string[];
  missing?: string;
}

const LABELS: Record<string, string> = {
  "run-unrecorded": "record: false, run()",
  "stream-unrecorded": "record: false, one stream() reader",
  "run-recorded": "record: true (default), run()",
};

/** Runs the record-memory bench. */
export async function recordMemoryBench(options: BenchOptions): Promise<BenchResult> {
  const started = now();
  const small = 1_000;
  const large = options.quick ? 100_000 : 1_000_000;
  const rounds = options.quick ? 1 : 2;
  options.log(`record-memory: turns of ${small} and ${large} deltas × ${rounds} rounds per contender`);
  const output = await runWorker<WorkerOutput>(
    "record-memory/worker.ts",
    [`${small},${large}`, String(rounds)],
    ["--expose-gc", "--max-old-space-size=8192"],
  );
  const mib = (bytes: number[]) => bytes.map((value) => value / 2 ** 20);
  const contenders = [];
  const ratios = [];
  for (const [name, label] of Object.entries(LABELS)) {
    const few = output.samples[`${name}@${small}`];
    const many = output.samples[`${name}@${large}`];
    if (!few || !many) continue;
    contenders.push(contender(`${name}@${small}`, `${label}, ${small.toLocaleString("en-US")} deltas`, mib(few)));
    contenders.push(contender(`${name}@${large}`, `${label}, ${large.toLocaleString("en-US")} deltas`, mib(many)));
    const value = summarize(many).median / summarize(few).median;
    const flat = name !== "run-recorded";
    ratios.push({
      label: `${label}: peak heap, ${large.toLocaleString("en-US")} / ${small.toLocaleString("en-US")} deltas`,
      value,
      ...(flat ? { target: "≤ 1.10", met: value <= 1.1 } : {}),
    });
  }
  const result: BenchResult = {
    id: "record-memory",
    title: "Heap through a long turn (TurnOptions.record)",
    unit: "MiB",
    higherIsBetter: false,
    method:
      `One turn streams ${large.toLocaleString("en-US")} (and, for the baseline, ${small.toLocaleString("en-US")}) ` +
      "`item/commandExecution/outputDelta` notifications from an in-process scripted server (generated lazily, one 64 KiB " +
      "pipe-sized chunk per event-loop turn, so the harness holds nothing that grows) through `Codex.start({ transport })` → " +
      "`thread.turn()`. During the turn the worker forces a GC about every 64 chunks and records `heapUsed`; a sample is the " +
      `peak of those, in MiB, in a fresh Node process per bench run; ${rounds} rounds, contenders interleaved. ` +
      "The ratio is the median peak of the long turn over the median peak of the short one: 1.0 is perfectly flat.",
    contenders,
    ratios,
    notes: output.errors.map((error) => `error: ${error}`),
    durationMs: now() - started,
  };
  if (output.missing) result.skipped = `SDK side not run: ${output.missing}`;
  return result;
}
