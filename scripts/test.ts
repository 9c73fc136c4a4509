// The project's one test command (`pnpm test`): every check CI relies on, in order, each counted,
// ending with a single `N passed, N failed` line. A failing step does not stop the later ones, so
// one run shows everything that is wrong; the exit code is non-zero if anything failed.
//
//   pnpm test                 everything
//   pnpm test --only unit     just the vitest suites (after build); see STEPS for names
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

interface Step {
  name: string;
  /** Shell-free argv, run from the repository root. */
  argv: string[];
  /** Counts the step's own tests instead of counting the step as one. */
  count?: (output: string) => { passed: number; failed: number } | undefined;
  before?: () => void;
  /** Lines of the step's output repeated in the final summary (e.g. one per JavaScript runtime). */
  highlights?: (output: string) => string[];
}

/** The JSON reports the vitest suites write: one per package, the scripts package's and the bench's. */
const vitestReports = () =>
  [
    ...readdirSync(path.join(root, "packages")).map((dir) => path.join(root, "packages", dir, ".vitest-report.json")),
    path.join(root, "scripts", ".vitest-report.json"),
    path.join(root, "bench", ".vitest-report.json"),
  ].filter((file) => existsSync(file));

const STEPS: Step[] = [
  // Biome: every handwritten file formatted, and the lint rules of biome.jsonc.
  { name: "format-lint", argv: ["pnpm", "--silent", "run", "lint"] },
  { name: "pins", argv: ["pnpm", "--silent", "run", "check-pins"] },
  // Package READMEs without links that die on the registry, repository fields.
  { name: "published-docs", argv: ["pnpm", "--silent", "run", "check-published-docs"], count: summaryLine },
  { name: "generated", argv: ["pnpm", "--silent", "run", "generate-types", "--check"] },
  { name: "build", argv: ["pnpm", "exec", "turbo", "run", "build", "--output-logs=errors-only"] },
  // The exported names and signatures of every entry point against the committed api-report/.
  { name: "api-report", argv: ["pnpm", "--silent", "run", "api-report", "--check"] },
  { name: "typecheck", argv: ["pnpm", "exec", "turbo", "run", "typecheck", "--output-logs=errors-only"] },
  {
    name: "unit",
    // One package at a time: integration suites spawn the real app-server and the machine has two cores.
    argv: [
      "pnpm",
      "exec",
      "turbo",
      "run",
      "test",
      "--concurrency=1",
      "--output-logs=full",
      "--",
      "--reporter=default",
      "--reporter=json",
      "--outputFile.json=.vitest-report.json",
    ],
    before: () => {
      for (const file of vitestReports()) rmSync(file);
    },
    count: () => {
      const files = vitestReports();
      if (files.length === 0) return undefined;
      let passed = 0;
      let failed = 0;
      for (const file of files) {
        const report = JSON.parse(readFileSync(file, "utf8")) as {
          numPassedTests: number;
          numFailedTests: number;
          testResults?: { status: string; assertionResults: unknown[] }[];
        };
        passed += report.numPassedTests;
        failed += report.numFailedTests;
        // A test file that fails to load has no assertion results but must still count as a failure.
        failed += (report.testResults ?? []).filter(
          (r) => r.status === "failed" && r.assertionResults.length === 0,
        ).length;
      }
      return { passed, failed };
    },
  },
  { name: "examples", argv: ["pnpm", "--silent", "run", "examples"], count: summaryLine },
  {
    name: "release-rehearsal",
    argv: ["pnpm", "--silent", "run", "release-rehearsal"],
    count: summaryLine,
    // The runtime matrix: one line per JavaScript runtime, passed, failed or skipped (with why).
    highlights: (output) =>
      [...output.matchAll(/^ {2}(ok {2}|FAIL|skip) {2}(runtime .*)$/gm)].map(
        (match) => `${match[1]!.trim().padEnd(4)}  ${match[2]}`,
      ),
  },
  { name: "api-docs", argv: ["pnpm", "--silent", "run", "docs:api", "--check"] },
];

/** The last `N passed, N failed` line a step printed (the examples and the rehearsal print one). */
function summaryLine(output: string): { passed: number; failed: number } | undefined {
  const matches = [...output.matchAll(/^(\d+) passed, (\d+) failed/gm)];
  const last = matches.at(-1);
  return last ? { passed: Number(last[1]), failed: Number(last[2]) } : undefined;
}

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]?.split(",") : undefined;
const rootScripts = (
  JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;

let passed = 0;
let failed = 0;
const failures: string[] = [];
const highlights: string[] = [];
for (const step of STEPS) {
  if (only && !only.includes(step.name)) continue;
  const script = step.argv[3];
  if (step.argv[2] === "run" && script && !rootScripts[script]) {
    // A step whose script went missing must not pass silently.
    console.log(`\n── ${step.name}: FAILED (the root package.json has no "${script}" script)`);
    failed += 1;
    failures.push(step.name);
    continue;
  }
  console.log(`\n── ${step.name}: ${step.argv.join(" ")}`);
  step.before?.();
  const started = Date.now();
  // Steps counted from their summary line are piped through (and echoed); the rest inherit the terminal.
  const result = spawnSync(step.argv[0]!, step.argv.slice(1), {
    cwd: root,
    stdio: step.count === summaryLine ? ["inherit", "pipe", "inherit"] : "inherit",
    env: process.env,
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = result.stdout?.toString() ?? "";
  if (output) process.stdout.write(output);
  const ok = result.status === 0;
  const counted = step.count?.(output);
  highlights.push(...(step.highlights?.(output) ?? []));
  if (counted) {
    passed += counted.passed;
    failed += counted.failed;
    if (!ok && counted.failed === 0) failed += 1; // the runner failed outside any test
  } else if (ok) passed += 1;
  else failed += 1;
  if (!ok) failures.push(step.name);
  console.log(
    `── ${step.name}: ${ok ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (highlights.length) console.log(`\n${highlights.join("\n")}`);
if (failures.length) console.log(`\nfailed steps: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && failures.length === 0 ? 0 : 1);
