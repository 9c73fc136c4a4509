// Bench 4: scale — 1, 8, 32, 128 and 256 concurrent turns on one client: wall time against the
// raw driver, the SDK process's RSS (per turn), lost events.
import type { BenchEnvironment } from "../environment.js";
import { startRound, type RoundLoad } from "../load.js";
import { contender, type BenchOptions, type BenchResult, type ContenderResult } from "../result.js";
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

interface Run extends WorkerOutput {
  round: number;
  heavy: boolean;
}

/** Wall-time target: SDK / raw driver at every point. */
const RATIO_TARGET = 1.05;
/** Peak RSS target of the SDK process at the largest point. */
const RSS_TARGET_MIB = 100;

/** Runs the scale bench. */
export async function scaleBench(
  env: BenchEnvironment,
  sdkAvailable: boolean,
  options: BenchOptions,
): Promise<BenchResult> {
  const started = now();
  const points = options.quick ? [1, 8] : [1, 8, 32, 128, 256];
  const deltas = options.quick ? 50 : 200;
  const rounds = options.quick ? 1 : 2;
  const kinds = sdkAvailable ? ["sdk", "raw"] : ["raw"];
  const shared = JSON.stringify({
    codexBin: env.codexBin,
    codexHome: env.home.codexHome,
    homeEnv: env.home.env,
    env: env.env,
    workspace: env.workspace,
  });
  const runs = new Map<string, Run[]>();
  const loads: RoundLoad[] = [];
  // Round-major: every point is measured once before any is measured again, so a busy spell of
  // the machine lands on one round of several points rather than on every round of one.
  for (let round = 0; round < rounds; round += 1) {
    for (const turns of points) {
      for (const kind of rotate(kinds, round)) {
        options.log(`scale: round ${round + 1}/${rounds}, ${turns} turns, ${kind}`);
        const probe = startRound();
        const output = await runWorker<WorkerOutput>(
          "scale-worker.ts",
          [kind, String(turns), String(deltas)],
          [],
          { BENCH_ENV: shared },
          { bundled: true },
        );
        const load = probe.stop(`${turns} turns, round ${round + 1}, ${kind}`);
        loads.push(load);
        const key = `${kind}-${turns}`;
        runs.set(key, [...(runs.get(key) ?? []), { ...output, round, heavy: load.heavy }]);
      }
    }
  }
  const median = (values: number[]) => summarize(values).median;
  const contenders: ContenderResult[] = [];
  for (const turns of points) {
    for (const kind of kinds) {
      const list = runs.get(`${kind}-${turns}`)!;
      contenders.push(
        contender(
          `${kind}-${turns}`,
          `${kind === "sdk" ? "@codex/sdk" : "raw driver"} — ${turns} turn${turns === 1 ? "" : "s"}`,
          list.map((r) => r.wallMs),
          {
            peakRssMedianMiB: Number(median(list.map((r) => r.peakRssMiB)).toFixed(1)),
            rssPerTurnKiB: Math.round((median(list.map((r) => r.peakRssMiB - r.rssBeforeMiB)) / turns) * 1024),
            threadStartMedianMs: Number(median(list.map((r) => r.threadStartMs)).toFixed(1)),
            lostEvents: list.reduce((sum, r) => sum + r.lost, 0),
            wrongTexts: list.reduce((sum, r) => sum + r.wrongText, 0),
            heavyLoadRuns: list.filter((r) => r.heavy).length,
          },
        ),
      );
    }
  }
  const result: BenchResult = {
    id: "scale",
    title: "Scale: concurrent turns on one client",
    unit: "ms",
    higherIsBetter: false,
    method:
      `${points.join(", ")} threads on one client, then as many turns started at once, each streaming ${deltas} deltas ` +
      `(up to ${points[points.length - 1]! * deltas} deltas in all); wall time from the first turn/start to the last turn/completed; each run in a fresh ` +
      `Node process (peak RSS sampled every 5 ms; the app-server's own memory is not included; per turn = (peak − RSS once the client was up, before its threads) ÷ turns); ` +
      `${rounds} rounds, every point once per round, SDK and raw driver alternating. The ratios use the rounds in which neither run was under heavy load ` +
      `(all rounds when every round was), and say so.`,
    contenders,
    ratios: [],
    notes: [],
    rounds: loads,
    durationMs: now() - started,
  };
  if (!sdkAvailable) {
    result.skipped = "SDK side not run: @codex/sdk is not available yet";
    return result;
  }
  for (const turns of points) {
    const sdkRuns = runs.get(`sdk-${turns}`)!;
    const rawRuns = runs.get(`raw-${turns}`)!;
    const quietRounds = sdkRuns
      .filter((r) => !r.heavy && !rawRuns.find((o) => o.round === r.round)!.heavy)
      .map((r) => r.round);
    const use = quietRounds.length > 0 ? quietRounds : sdkRuns.map((r) => r.round);
    const value =
      median(sdkRuns.filter((r) => use.includes(r.round)).map((r) => r.wallMs)) /
      median(rawRuns.filter((r) => use.includes(r.round)).map((r) => r.wallMs));
    const which =
      quietRounds.length === rounds
        ? ""
        : quietRounds.length > 0
          ? `, ${quietRounds.length} quiet of ${rounds} rounds`
          : ", every round under heavy load";
    result.ratios.push({
      label: `${turns} turns: SDK / raw wall time (median${which})`,
      value,
      target: `≤ ${RATIO_TARGET}`,
      met: value <= RATIO_TARGET,
    });
    if (quietRounds.length < rounds) {
      const all = median(sdkRuns.map((r) => r.wallMs)) / median(rawRuns.map((r) => r.wallMs));
      result.notes.push(
        `${turns} turns: ${rounds - quietRounds.length} of ${rounds} rounds flagged (heavy load); over all rounds the ratio is ${all.toFixed(3)}.`,
      );
    }
  }
  const lost = kinds.reduce(
    (sum, kind) =>
      sum +
      points.reduce(
        (inner, turns) => inner + runs.get(`${kind}-${turns}`)!.reduce((s, r) => s + r.lost + r.wrongText, 0),
        0,
      ),
    0,
  );
  result.ratios.push({
    label: "lost events + wrong texts (all points, all rounds)",
    value: lost,
    target: "= 0",
    met: lost === 0,
  });
  const largest = points[points.length - 1]!;
  const sdkRss = median(runs.get(`sdk-${largest}`)!.map((r) => r.peakRssMiB));
  const rawRss = median(runs.get(`raw-${largest}`)!.map((r) => r.peakRssMiB));
  result.ratios.push({
    label: `${largest} turns: SDK process peak RSS, MiB (median)`,
    value: sdkRss,
    target: `< ${RSS_TARGET_MIB}`,
    met: sdkRss < RSS_TARGET_MIB,
  });
  result.notes.push(`${largest} turns: raw driver process peak RSS ${rawRss.toFixed(1)} MiB (median).`);
  return result;
}
