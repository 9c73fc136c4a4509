// Bench 3: start-up — `Codex.start()` against a raw spawn + `initialize`.
import { sdkStartOptions } from "../contenders.js";
import { APP_SERVER_ARGV, type BenchEnvironment } from "../environment.js";
import { RawDriver } from "../raw-driver.js";
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
import type { SdkModule } from "../sdk.js";
import { startRound, type RoundLoad } from "../load.js";
import { now, rotate, summarize } from "../stats.js";

interface Starter {
  name: string;
  label: string;
  /** Starts, returning the close function (closing is timed separately). */
  start(): Promise<() => Promise<void>>;
}

/** Runs the start-up bench. */
export async function startupBench(
  env: BenchEnvironment,
  sdk: SdkModule | undefined,
  options: BenchOptions,
): Promise<BenchResult> {
  const started = now();
  const rounds = options.quick ? 3 : 15;
  const starters: Starter[] = [
    {
      name: "raw",
      label: "spawn + initialize, hand-written (floor)",
      async start() {
        const driver = await RawDriver.start(env.codexBin, [...APP_SERVER_ARGV], env.env);
        return () => driver.close();
      },
    },
  ];
  if (sdk) {
    starters.unshift({
      name: "sdk",
      label: "Codex.start() (spawn, initialize, initialized)",
      async start() {
        const codex = await sdk.Codex.start(sdkStartOptions(env));
        return () => codex.close();
      },
    });
  }
  const samples: Record<string, number[]> = Object.fromEntries(starters.map((s) => [s.name, []]));
  const closeSamples: Record<string, number[]> = Object.fromEntries(starters.map((s) => [s.name, []]));
  options.log(`start-up: ${rounds} rounds`);
  const loads: RoundLoad[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const probe = startRound();
    for (const starter of rotate(starters, round)) {
      const t0 = now();
      const close = await starter.start();
      samples[starter.name]!.push(now() - t0);
      const t1 = now();
      await close();
      closeSamples[starter.name]!.push(now() - t1);
    }
    loads.push(probe.stop(`round ${round + 1}`));
  }
  const result: BenchResult = {
    id: "startup",
    title: "Start-up",
    unit: "ms",
    higherIsBetter: false,
    method:
      `${rounds} interleaved rounds; each start timed from the call until \`initialize\` has answered (and, for the SDK, ` +
      `\`initialized\` was sent); same binary, argv, CODEX_HOME. Closing (stdin EOF → exit) is timed separately.`,
    contenders: starters.map((s) =>
      contender(s.name, s.label, samples[s.name]!, {
        closeMedianMs: Number(summarize(closeSamples[s.name]!).median.toFixed(1)),
        closeP95Ms: Number(summarize(closeSamples[s.name]!).p95.toFixed(1)),
      }),
    ),
    ratios: [],
    notes: [],
    rounds: loads,
    durationMs: now() - started,
  };
  if (sdk)
    result.ratios.push({
      label: "Codex.start() / raw spawn + initialize (median)",
      value: medianRatio(result, "sdk", "raw"),
    });
  else result.skipped = "SDK side not run: @codex/sdk is not available yet";
  return result;
}
