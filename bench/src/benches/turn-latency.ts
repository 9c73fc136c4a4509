// Bench 1: turn latency — 20 sequential trivial turns on one thread, per session.
import { openaiSdkContender, rawContender, sdkContender, type TurnContender, type TurnSession } from "../contenders.js";
import type { Baselines } from "../baselines.js";
import type { BenchEnvironment } from "../environment.js";
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
import type { SdkModule } from "../sdk.js";
import { runWorker } from "../spawn-worker.js";
import { startRound, type RoundLoad } from "../load.js";
import { now, rotate, summarize } from "../stats.js";

const TURNS_PER_SESSION = 20;

/** Runs the turn-latency bench. */
export async function turnLatencyBench(
  env: BenchEnvironment,
  sdk: SdkModule | undefined,
  baselines: Baselines | undefined,
  options: BenchOptions,
): Promise<BenchResult> {
  const started = now();
  const sessions = options.quick ? 1 : 3;
  const turns = options.quick ? 5 : TURNS_PER_SESSION;
  const contenders: TurnContender[] = [rawContender];
  if (baselines) contenders.push(openaiSdkContender(baselines));
  if (sdk) contenders.unshift(sdkContender(sdk));
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const errors: string[] = [];
  const loads: RoundLoad[] = [];
  for (let session = 0; session < sessions; session += 1) {
    options.log(`turn latency: session ${session + 1}/${sessions}`);
    const probe = startRound();
    // Sessions open one after another so start-ups do not overlap; opening is not timed.
    const open: Record<string, TurnSession> = {};
    for (const c of contenders) open[c.name] = await c.open(env);
    try {
      for (let index = 0; index < turns; index += 1) {
        for (const c of rotate(contenders, session * turns + index)) {
          const t0 = now();
          const text = await open[c.name]!.turn("hi");
          samples[c.name]!.push(now() - t0);
          if (text !== "ok") errors.push(`${c.name}: turn ${index} returned ${JSON.stringify(text)}`);
        }
      }
    } finally {
      for (const c of contenders) await open[c.name]!.close();
    }
    loads.push(probe.stop(`session ${session + 1}`));
  }
  const result: BenchResult = {
    id: "turn-latency",
    title: "Turn latency",
    unit: "ms",
    higherIsBetter: false,
    method:
      `${sessions} sessions × ${turns} sequential trivial turns ("hi" → "ok") on one thread per contender; same native binary, ` +
      `same fake model, same CODEX_HOME and argv; each turn timed from the call to the final result; contenders interleaved ` +
      `turn by turn with a rotating order. Start-up and thread creation are not timed.`,
    contenders: contenders.map((c) => contender(c.name, c.label, samples[c.name]!)),
    ratios: [],
    notes: errors.slice(0, 10),
    rounds: loads,
    durationMs: now() - started,
  };
  if (!sdk) result.skipped = "SDK side not run: @codex/sdk is not available yet";
  if (sdk) {
    const value = medianRatio(result, "sdk", "raw");
    result.ratios.push({ label: "SDK / raw driver (median)", value, target: "< 1.05", met: value < 1.05 });
    // Paired difference: each SDK turn against the raw turn of the same round.
    const sdkSamples = samples["sdk"]!;
    const rawSamples = samples["raw"]!;
    const paired = summarize(sdkSamples.map((value, index) => value - (rawSamples[index] ?? Number.NaN)));
    result.notes.unshift(
      `SDK − raw, paired by round: median ${paired.median.toFixed(2)} ms, p95 ${paired.p95.toFixed(2)} ms.`,
    );
    result.ratios.push({
      label: "@openai/codex-sdk / SDK (median)",
      value: medianRatio(result, "openai-codex-sdk", "sdk"),
    });
    // The SDK's own share, measured without an app-server (see turn-overhead-worker.ts).
    const overhead = await runWorker<{ wallMicros: number[]; cpuMicros: number[] }>(
      "turn-overhead-worker.ts",
      options.quick ? ["500", "2"] : ["3000", "5"],
    );
    const own = summarize(overhead.wallMicros).median;
    const rawMedian = result.contenders.find((c) => c.name === "raw")!.summary.median;
    result.notes.push(
      `The SDK's own cost per trivial turn, against an in-process stand-in server (no app-server): median ` +
        `${own.toFixed(0)} µs wall, ${summarize(overhead.cpuMicros).median.toFixed(0)} µs CPU — ` +
        `${((own / 1000 / rawMedian) * 100).toFixed(2)}% of the raw driver's median turn.`,
    );
  }
  result.ratios.push({
    label: "@openai/codex-sdk / raw driver (median)",
    value: medianRatio(result, "openai-codex-sdk", "raw"),
  });
  return result;
}
