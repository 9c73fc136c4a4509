// `pnpm bench`: runs every benchmark of the SDK against its alternatives, interleaved, and writes
//   bench/results/latest.json   machine description + every sample
//   bench/RESULTS.md            the tables and ratios
//   bench/results/chart.svg     the comparison chart
//
//   pnpm bench                       everything (about 10 minutes on 2 cores)
//   pnpm bench --only dispatch,startup   a subset, merged into the previous latest.json
//   pnpm bench --quick               a smoke run of the harness (small sizes; writes *.tmp.json only)
//   pnpm bench --no-build            skip building the packages under test
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { codegenBench } from "./src/benches/codegen.js";
import { dispatchBench } from "./src/benches/dispatch.js";
import { scaleBench } from "./src/benches/scale.js";
import { startupBench } from "./src/benches/startup.js";
import { turnLatencyBench } from "./src/benches/turn-latency.js";
import { renderChart } from "./src/chart.js";
import { createBenchEnvironment } from "./src/environment.js";
import { describeMachine } from "./src/machine.js";
import { renderMarkdown, type BenchReport } from "./src/report.js";
import type { BenchOptions, BenchResult } from "./src/result.js";
import { loadSdk } from "./src/sdk.js";

const benchDir = import.meta.dirname;
const rootDir = path.resolve(benchDir, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex === -1 ? undefined : (args[onlyIndex + 1] ?? "").split(",").filter(Boolean);
const ALL = ["startup", "turn-latency", "scale", "dispatch", "codegen"];
for (const name of only ?? []) {
  if (!ALL.includes(name)) {
    console.error(`Unknown bench "${name}"; known: ${ALL.join(", ")}`);
    process.exit(2);
  }
}
const selected = (name: string) => !only || only.includes(name);

if (!args.includes("--no-build")) {
  console.log("building the packages under test…");
  const build = spawnSync(
    "pnpm",
    ["exec", "turbo", "run", "build", "--filter=@codex/sdk...", "--filter=@codex/sdk-testing", "--output-logs=errors-only"],
    { cwd: rootDir, stdio: "inherit" },
  );
  if (build.status !== 0) {
    console.error("build failed; fix it or pass --no-build");
    process.exit(1);
  }
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const options: BenchOptions = { quick, log };
// The package's exports map hides its package.json, so read it from the bench's node_modules.
const openaiSdkManifest = path.join(benchDir, "node_modules", "@openai", "codex-sdk", "package.json");
const openaiSdkVersion = (JSON.parse(readFileSync(openaiSdkManifest, "utf8")) as { version: string }).version;

const environment = await createBenchEnvironment();
const machine = describeMachine(environment.codexBin, openaiSdkVersion);
const loaded = await loadSdk();
const sdk = "sdk" in loaded ? loaded.sdk : undefined;
if (!sdk) log(`SDK side skipped everywhere: ${"missing" in loaded ? loaded.missing : ""}`);

const results: BenchResult[] = [];
try {
  if (selected("startup")) results.push(await startupBench(environment, sdk, options));
  if (selected("turn-latency")) results.push(await turnLatencyBench(environment, sdk, options));
  if (selected("scale")) results.push(await scaleBench(environment, sdk !== undefined, options));
  if (selected("dispatch")) results.push(await dispatchBench(options));
  if (selected("codegen")) results.push(await codegenBench(environment, options));
} finally {
  await environment.dispose();
}

const resultsDir = path.join(benchDir, "results");
mkdirSync(resultsDir, { recursive: true });
const latestFile = path.join(resultsDir, quick ? "latest.tmp.json" : "latest.json");
let benches = results;
if (only && existsSync(latestFile)) {
  // A partial run replaces only the benches it ran; the others keep their earlier results.
  const previous = JSON.parse(readFileSync(latestFile, "utf8")) as BenchReport;
  benches = ALL.map((id) => results.find((r) => r.id === id) ?? previous.benches.find((r) => r.id === id)).filter(
    (r): r is BenchResult => r !== undefined,
  );
}
const report: BenchReport = { machine, benches };
writeFileSync(latestFile, `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderMarkdown(report, quick ? undefined : "results/chart.svg");
if (quick) {
  console.log(markdown);
} else {
  writeFileSync(path.join(resultsDir, "chart.svg"), renderChart(benches));
  writeFileSync(path.join(benchDir, "RESULTS.md"), markdown);
  log(`wrote bench/RESULTS.md, bench/results/latest.json, bench/results/chart.svg`);
}
for (const bench of results) {
  for (const ratio of bench.ratios) {
    log(`${bench.title}: ${ratio.label} = ${ratio.value.toFixed(3)}${ratio.target ? ` (target ${ratio.target}: ${ratio.met ? "met" : "MISSED"})` : ""}`);
  }
}
