// `pnpm bench`: runs every benchmark of the SDK against its alternatives, interleaved, and writes
//   bench/results/latest.json   machine description + every sample
//   bench/RESULTS.md            the tables and ratios
//   bench/results/chart.svg     the comparison chart
//
//   pnpm bench                       everything (under 8 minutes on 2 cores)
//   pnpm bench --only dispatch,startup   a subset, merged into the previous latest.json
//   pnpm bench --quick               a smoke run of the harness (small sizes; writes *.tmp.json only)
//   pnpm bench --no-build            skip building the packages under test
//   pnpm bench --render              only re-render RESULTS.md and the chart from latest.json
//
// bench/closing-note.md (hand-written: what the numbers mean, targets missed and why) is
// appended to RESULTS.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { codegenBench } from "./src/benches/codegen.js";
import { dispatchBench } from "./src/benches/dispatch.js";
import { instrumentationBench } from "./src/benches/instrumentation.js";
import { recordMemoryBench } from "./src/benches/record-memory.js";
import { scaleBench } from "./src/benches/scale.js";
import { startupBench } from "./src/benches/startup.js";
import { transportsBench } from "./src/benches/transports.js";
import { turnLatencyBench } from "./src/benches/turn-latency.js";
import { renderChart } from "./src/chart.js";
import { ensureBaselines, type Baselines } from "./src/baselines.js";
import { BENCH_HOME_NOTE, createBenchEnvironment } from "./src/environment.js";
import { startRound } from "./src/load.js";
import { describeMachine, sampleLoad } from "./src/machine.js";
import { renderMarkdown, type BenchReport } from "./src/report.js";
import type { BenchOptions, BenchResult } from "./src/result.js";
import { loadSdk } from "./src/sdk.js";

const benchDir = import.meta.dirname;
const rootDir = path.resolve(benchDir, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex === -1 ? undefined : (args[onlyIndex + 1] ?? "").split(",").filter(Boolean);
const ALL = [
  "startup",
  "turn-latency",
  "scale",
  "dispatch",
  "record-memory",
  "codegen",
  "transports",
  "instrumentation",
];
for (const name of only ?? []) {
  if (!ALL.includes(name)) {
    console.error(`Unknown bench "${name}"; known: ${ALL.join(", ")}`);
    process.exit(2);
  }
}
const selected = (name: string) => !only || only.includes(name);

const resultsDir = path.join(benchDir, "results");
const latestFile = path.join(resultsDir, quick ? "latest.tmp.json" : "latest.json");

/** A partial run (--only) replaces only the benches it ran; the others keep their earlier results. */
function mergeWithPrevious(results: BenchResult[]): BenchResult[] {
  if (!only || !existsSync(latestFile)) return results;
  const previous = JSON.parse(readFileSync(latestFile, "utf8")) as BenchReport;
  return ALL.map((id) => results.find((r) => r.id === id) ?? previous.benches.find((r) => r.id === id)).filter(
    (r): r is BenchResult => r !== undefined,
  );
}

/** Writes latest.json, and RESULTS.md + the chart (or, with --quick, prints the Markdown). */
function writeResults(report: BenchReport): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(latestFile, `${JSON.stringify(report, null, 2)}\n`);
  const closingNoteFile = path.join(benchDir, "closing-note.md");
  const closingNote = existsSync(closingNoteFile) ? readFileSync(closingNoteFile, "utf8") : undefined;
  const markdown = renderMarkdown(report, quick ? undefined : "results/chart.svg", closingNote);
  if (quick) {
    console.log(markdown);
    return;
  }
  writeFileSync(path.join(resultsDir, "chart.svg"), renderChart(report.benches));
  writeFileSync(path.join(benchDir, "RESULTS.md"), markdown);
  console.log("wrote bench/RESULTS.md, bench/results/latest.json, bench/results/chart.svg");
}

if (args.includes("--render")) {
  writeResults(JSON.parse(readFileSync(latestFile, "utf8")) as BenchReport);
  process.exit(0);
}

if (!args.includes("--no-build")) {
  console.log("building the packages under test…");
  const build = spawnSync(
    "pnpm",
    [
      "exec",
      "turbo",
      "run",
      "build",
      "--filter=@codex/sdk...",
      "--filter=@codex/sdk-testing",
      "--output-logs=errors-only",
    ],
    { cwd: rootDir, stdio: "inherit" },
  );
  if (build.status !== 0) {
    console.error("build failed; fix it or pass --no-build");
    process.exit(1);
  }
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const options: BenchOptions = { quick, log };
// The baselines (`@openai/codex-sdk` and the codex binary it brings) are not dependencies of the
// workspace: installed on first use into bench/.baselines/ (gitignored), only by the benches that use them.
const needsBaselines = selected("turn-latency") || selected("codegen");
const baselines: Baselines | undefined = needsBaselines ? ensureBaselines(log) : undefined;

const environment = await createBenchEnvironment();
const machine = describeMachine(
  environment.codexBin,
  baselines?.openaiSdkVersion ?? "not installed (no bench that uses it ran)",
);
machine.benchHome = BENCH_HOME_NOTE;
const loaded = await loadSdk();
const sdk = "sdk" in loaded ? loaded.sdk : undefined;
if (!sdk) log(`SDK side skipped everywhere: ${"missing" in loaded ? loaded.missing : ""}`);

const load = sampleLoad();
const results: BenchResult[] = [];
/** Runs one bench; one without rounds of its own gets the whole bench as its one round. */
const record = async (id: string, run: () => Promise<BenchResult>) => {
  const probe = startRound();
  const result = await run();
  const whole = probe.stop("whole bench");
  if (!result.rounds || result.rounds.length === 0) result.rounds = [whole];
  result.ranAt = new Date().toISOString();
  results.push(result);
  if (result.rounds.some((round) => round.heavy))
    log(
      `${id}: ${result.rounds.filter((round) => round.heavy).length} of ${result.rounds.length} rounds under heavy load (flagged in RESULTS.md)`,
    );
};
try {
  if (selected("startup")) await record("startup", () => startupBench(environment, sdk, options));
  if (selected("turn-latency"))
    await record("turn-latency", () => turnLatencyBench(environment, sdk, baselines, options));
  if (selected("scale")) await record("scale", () => scaleBench(environment, sdk !== undefined, options));
  if (selected("dispatch")) await record("dispatch", () => dispatchBench(options));
  if (selected("record-memory")) await record("record-memory", () => recordMemoryBench(options));
  if (selected("codegen")) await record("codegen", () => codegenBench(environment, baselines!, options));
  if (selected("transports")) await record("transports", () => transportsBench(environment, sdk, options));
  if (selected("instrumentation")) await record("instrumentation", () => instrumentationBench(options));
} finally {
  await environment.dispose();
}

machine.loadDuringRun = load.stop();
const report: BenchReport = { machine, benches: mergeWithPrevious(results) };
writeResults(report);
for (const bench of results) {
  for (const ratio of bench.ratios) {
    log(
      `${bench.title}: ${ratio.label} = ${ratio.value.toFixed(3)}${ratio.target ? ` (target ${ratio.target}: ${ratio.met ? "met" : "MISSED"})` : ""}`,
    );
  }
}
