// Once per `vitest run`: a run directory that every test file uses as TMPDIR, and a final check
// that the run left no codex process alive and nothing in that directory.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { isProcessAlive } from "./processes.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** This run's directory: `tmp/` is every test file's TMPDIR, `pids/` lists spawned codex pids. */
    sdkTestingRunDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const runDir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-testing-run-"));
  project.provide("sdkTestingRunDir", runDir);
  return () => {
    const problems: string[] = [];
    let alive = 0;
    const pidsDir = path.join(runDir, "pids");
    const pids = existsSync(pidsDir)
      ? readdirSync(pidsDir).flatMap((file) =>
          readFileSync(path.join(pidsDir, file), "utf8").split("\n").filter(Boolean).map(Number),
        )
      : [];
    for (const pid of pids) {
      if (!isProcessAlive(pid)) continue;
      alive += 1;
      problems.push(`codex process ${pid} is still running`);
    }
    const tmpDir = path.join(runDir, "tmp");
    const left = existsSync(tmpDir) ? readdirSync(tmpDir) : [];
    for (const entry of left) problems.push(`temporary entry left behind: ${entry}`);
    rmSync(runDir, { recursive: true, force: true });
    console.log(
      `[leak check] run: ${pids.length} codex processes spawned, ${alive} still alive; ${left.length} entries left in the run's temporary directory`,
    );
    if (problems.length > 0) throw new Error(`The test run leaked resources:\n${problems.join("\n")}`);
  };
}
