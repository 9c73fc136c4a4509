// `pnpm examples`: runs every example under examples/ one after another, offline (against the
// fake model), and ends with one `N passed, N failed` line. Each example checks its own outcome
// and exits non-zero when a check fails; this script adds a time limit and a summary.
//
//   pnpm examples                      all of them
//   pnpm examples --only run,approvals just these folders
//   pnpm examples --verbose            show every example's output, not only a failure's
//   pnpm examples --live               keep CODEX_EXAMPLES_LIVE / OPENAI_API_KEY (the real service)
//
// An example's package.json `start:ci` script (for example chat-cli's, which feeds a scripted
// conversation) is used when present, else `start`. Stdin is empty: nothing waits for a person.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const examplesDir = path.join(root, "examples");
/** Per example; CODEX_EXAMPLES_TIME_LIMIT_MS overrides it (each example also limits itself). */
const TIME_LIMIT_MS = Number(process.env["CODEX_EXAMPLES_TIME_LIMIT_MS"]) || 120_000;
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const live = args.includes("--live");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex === -1 ? undefined : (args[onlyIndex + 1] ?? "").split(",").filter(Boolean);

interface Example {
  folder: string;
  dir: string;
  script: string;
}

function findExamples(): Example[] {
  const found: Example[] = [];
  for (const folder of readdirSync(examplesDir).sort()) {
    const manifest = path.join(examplesDir, folder, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; scripts?: Record<string, string> };
    if (!pkg.name?.startsWith("@codex/example-")) continue; // e.g. the shared helper
    const script = pkg.scripts?.["start:ci"] ? "start:ci" : "start";
    if (!pkg.scripts?.[script]) throw new Error(`${manifest} has no "start" script.`);
    found.push({ folder, dir: path.join(examplesDir, folder), script });
  }
  // The quickstart first: when everything fails, its output is the one to read.
  return found.sort((a, b) => Number(b.folder === "quickstart") - Number(a.folder === "quickstart"));
}

function run(example: Example): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: process.env["NO_COLOR"] ?? (process.stdout.isTTY ? undefined : "1"),
  };
  if (!live) {
    // Offline means offline, whatever the shell exports.
    delete env["CODEX_EXAMPLES_LIVE"];
  }
  return new Promise((resolve) => {
    const child = spawn("pnpm", ["--silent", "run", example.script], {
      cwd: example.dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so a timeout can end the example and everything it started.
      detached: process.platform !== "win32",
    });
    let output = "";
    const collect = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      if (verbose) process.stdout.write(chunk);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(process.platform === "win32" ? child.pid : -child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }, TIME_LIMIT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

const examples = findExamples().filter((example) => !only || only.includes(example.folder));
if (only) {
  const unknown = only.filter((name) => !examples.some((example) => example.folder === name));
  if (unknown.length > 0) {
    console.error(`No such example: ${unknown.join(", ")}`);
    process.exit(2);
  }
}
console.log(`Running ${examples.length} examples ${live ? "(live if configured)" : "offline"}, one at a time.\n`);
let passed = 0;
let failed = 0;
const width = Math.max(...examples.map((example) => example.folder.length));
for (const example of examples) {
  const started = performance.now();
  const { code, output, timedOut } = await run(example);
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  if (code === 0 && !timedOut) {
    passed += 1;
    console.log(`  pass  ${example.folder.padEnd(width)}  ${seconds} s`);
  } else {
    failed += 1;
    const why = timedOut ? `timed out after ${TIME_LIMIT_MS / 1000} s` : `exit code ${code}`;
    console.log(`  FAIL  ${example.folder.padEnd(width)}  ${seconds} s  (${why})`);
    if (!verbose) {
      const tail = output.trimEnd().split("\n").slice(-40).join("\n");
      console.log(tail.replace(/^/gm, "        | "));
    }
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
