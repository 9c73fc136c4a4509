// Bench 4: scale — 32 concurrent turns on one client: wall time, peak RSS, lost events.
import type { BenchEnvironment } from "../environment.js";
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
import { runWorker } from "../spawn-worker.js";
import { now, rotate, summarize } from "../stats.js";

interface WorkerOutput {
  kind: string;
  wallMs: number;
  threadStartMs: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
  maxRssMiB: number;
  lost: number;
  wrongText: number;
}

/** Runs the scale bench. */
export async function scaleBench(env: BenchEnvironment, sdkAvailable: boolean, options: BenchOptions): Promise<BenchResult> {
  const started = now();
  const turns = 32;
  const deltas = options.quick ? 50 : 200;
  const rounds = options.quick ? 1 : 5;
  const kinds = sdkAvailable ? ["sdk", "raw"] : ["raw"];
  const shared = JSON.stringify({
    codexBin: env.codexBin,
    codexHome: env.home.codexHome,
    homeEnv: env.home.env,
    env: env.env,
    workspace: env.workspace,
  });
  const outputs: Record<string, WorkerOutput[]> = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const kind of rotate(kinds, round)) {
      options.log(`scale: round ${round + 1}/${rounds}, ${kind}`);
      outputs[kind]!.push(
        await runWorker<WorkerOutput>("scale-worker.ts", [kind, String(turns), String(deltas)], [], { BENCH_ENV: shared }),
      );
    }
  }
  const labels: Record<string, string> = {
    sdk: "@codex/sdk — 32 × (thread.turn() + stream())",
    raw: "hand-written JSON-RPC driver (floor)",
  };
  const result: BenchResult = {
    id: "scale",
    title: "Scale: 32 concurrent turns on one client",
    unit: "ms",
    higherIsBetter: false,
    method:
      `${turns} threads on one client, then ${turns} turns started at once, each streaming ${deltas} deltas ` +
      `(${turns * deltas} deltas in all); wall time from the first turn/start to the last turn/completed; each run in a fresh ` +
      `Node process (peak RSS sampled every 5 ms; the app-server's own memory is not included); ${rounds} rounds, interleaved.`,
    contenders: kinds.map((kind) => {
      const runs = outputs[kind]!;
      return contender(
        kind,
        labels[kind]!,
        runs.map((r) => r.wallMs),
        {
          peakRssMedianMiB: Number(summarize(runs.map((r) => r.peakRssMiB)).median.toFixed(1)),
          rssGrowthMedianMiB: Number(summarize(runs.map((r) => r.peakRssMiB - r.rssBeforeMiB)).median.toFixed(1)),
          threadStartMedianMs: Number(summarize(runs.map((r) => r.threadStartMs)).median.toFixed(1)),
          lostEvents: runs.reduce((sum, r) => sum + r.lost, 0),
          wrongTexts: runs.reduce((sum, r) => sum + r.wrongText, 0),
        },
      );
    }),
    ratios: [],
    notes: [],
    durationMs: now() - started,
  };
  if (sdkAvailable) {
    result.ratios.push({ label: "SDK / raw driver wall time (median)", value: medianRatio(result, "sdk", "raw") });
    const sdkLost = result.contenders.find((c) => c.name === "sdk")!.extra!["lostEvents"] as number;
    result.ratios.push({ label: "SDK lost events", value: sdkLost, target: "= 0", met: sdkLost === 0 });
  } else {
    result.skipped = "SDK side not run: @codex/sdk is not available yet";
  }
  return result;
}
