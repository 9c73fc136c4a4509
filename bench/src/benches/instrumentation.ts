// Bench 7: what tracing costs. The same dispatch and turns with no `instrumentation` (the
// default), with `openTelemetryInstrumentation()` while OpenTelemetry is off (no SDK registered),
// and with it on (spans kept in memory). In its own process.
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
import { runWorker } from "../spawn-worker.js";
import { now } from "../stats.js";

function median(values: number[] | undefined): number {
  const sorted = [...(values ?? [])].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
}

interface WorkerOutput {
  deltas: number;
  lines: number;
  turnsPerRound: number;
  rounds: number;
  dispatch: Record<string, number[]>;
  dispatchCpu: Record<string, number[]>;
  turn: Record<string, number[]>;
  turnCpu: Record<string, number[]>;
}

const LABELS: Record<string, string> = {
  baseline: "the SDK built from before the hook existed (BENCH_BASELINE_SDK_MODULE)",
  none: "no instrumentation (default)",
  "otel-off": "openTelemetryInstrumentation(), OpenTelemetry off (no SDK registered)",
  "otel-on": "openTelemetryInstrumentation(), OpenTelemetry on (in-memory spans)",
};

/** Runs the instrumentation bench. */
export async function instrumentationBench(options: BenchOptions): Promise<BenchResult> {
  const started = now();
  const deltas = options.quick ? 50_000 : 300_000;
  const turns = options.quick ? 300 : 2_000;
  const rounds = options.quick ? 2 : 3;
  options.log(`instrumentation: ${deltas} deltas and ${turns} turns × ${rounds} rounds per contender`);
  const output = await runWorker<WorkerOutput>(
    "instrumentation-worker.ts",
    [String(deltas), String(turns), String(rounds)],
    ["--expose-gc"],
  );
  // Samples are µs per turn (lower is better); dispatch throughput goes into the ratios and notes.
  const names = Object.keys(LABELS).filter((name) => output.turn[name] !== undefined);
  const contenders = names.map((name) =>
    contender(name, LABELS[name]!, output.turn[name]!, {
      turnCpuMicrosMedian: Math.round(median(output.turnCpu[name])),
    }),
  );
  const result: BenchResult = {
    id: "instrumentation",
    title: "Instrumentation off: the cost of the tracing hook",
    unit: "µs/turn",
    higherIsBetter: false,
    method:
      `In one fresh Node process, contenders interleaved round by round, ${rounds} rounds after a warm-up: ` +
      `(1) µs per trivial \`thread.run()\` (${turns} turns per round) against an in-process server that answers at once with ` +
      "the notifications of a trivial turn (the samples below); (2) dispatch throughput of " +
      `${deltas.toLocaleString("en-US")} \`item/agentMessage/delta\` lines through \`AppServerClient\` in 64 KiB chunks (ratios). ` +
      '"Off" passes `openTelemetryInstrumentation()` with OpenTelemetry\'s global no-op tracer provider; "on" passes a ' +
      "`BasicTracerProvider` with a `SimpleSpanProcessor` into an `InMemorySpanExporter`.",
    contenders,
    ratios: [],
    notes: [],
    durationMs: now() - started,
  };
  if (output.turn["baseline"] !== undefined) {
    const turnCpu = median(output.turnCpu["none"]) / median(output.turnCpu["baseline"]);
    result.ratios.push({
      label: "turn CPU time, no instrumentation / before the hook",
      value: turnCpu,
      target: "≤ 1.05",
      met: turnCpu <= 1.05,
    });
    result.ratios.push({
      label: "turn time, no instrumentation / before the hook",
      value: medianRatio(result, "none", "baseline"),
    });
    const dispatchCpu = median(output.dispatchCpu["none"]) / median(output.dispatchCpu["baseline"]);
    result.ratios.push({
      label: "dispatch throughput per CPU-second, no instrumentation / before the hook",
      value: dispatchCpu,
      target: "≥ 0.95",
      met: dispatchCpu >= 0.95,
    });
    result.ratios.push({
      label: "dispatch throughput, no instrumentation / before the hook",
      value: median(output.dispatch["none"]) / median(output.dispatch["baseline"]),
    });
  } else {
    result.notes.push(
      "No baseline: set BENCH_BASELINE_SDK_MODULE to a build from before the hook to compare against it (bench/README.md).",
    );
  }
  const off = medianRatio(result, "otel-off", "none");
  result.ratios.push({ label: "turn time, OpenTelemetry off / no instrumentation", value: off });
  result.ratios.push({
    label: "turn time, OpenTelemetry on / no instrumentation",
    value: medianRatio(result, "otel-on", "none"),
  });
  const dispatchOff = median(output.dispatch["otel-off"]) / median(output.dispatch["none"]);
  result.ratios.push({ label: "dispatch throughput, OpenTelemetry off / no instrumentation", value: dispatchOff });
  result.ratios.push({
    label: "dispatch throughput, OpenTelemetry on / no instrumentation",
    value: median(output.dispatch["otel-on"]) / median(output.dispatch["none"]),
  });
  result.ratios.push({
    label: "dispatch throughput per CPU-second, OpenTelemetry off / no instrumentation",
    value: median(output.dispatchCpu["otel-off"]) / median(output.dispatchCpu["none"]),
  });
  for (const name of names) {
    result.notes.push(
      `${name}: dispatch median ${Math.round(median(output.dispatch[name])).toLocaleString("en-US")} lines/s; turn CPU median ${median(output.turnCpu[name]).toFixed(0)} µs`,
    );
  }
  return result;
}
