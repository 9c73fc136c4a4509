// Runs in every test file: TMPDIR goes into this run's directory, and after the file every
// tracked fake model port must be closed, every codex process gone and every CODEX_HOME removed.
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, inject } from "vitest";
import { spawnedPids } from "./json-rpc-driver.js";
import { isPortOpen, isProcessAlive, listeningPorts } from "./processes.js";

const runDir = inject("sdkTestingRunDir");
const tmpDir = path.join(runDir, "tmp");
mkdirSync(tmpDir, { recursive: true });
// os.tmpdir() reads TMPDIR on every call, so createCodexHome() and codex itself use the run directory.
process.env["TMPDIR"] = tmpDir;

/** Resources the current test file opened, checked after it. */
export const tracked = { ports: new Set<number>(), dirs: new Set<string>() };

afterAll(async () => {
  const pidsDir = path.join(runDir, "pids");
  mkdirSync(pidsDir, { recursive: true });
  if (spawnedPids.size > 0)
    appendFileSync(path.join(pidsDir, `${process.pid}.txt`), [...spawnedPids].map((pid) => `${pid}\n`).join(""));
  const listening = listeningPorts();
  for (const port of tracked.ports) {
    expect(listening.has(port), `fake model port ${port} still listening`).toBe(false);
    expect(await isPortOpen(port), `fake model port ${port} still accepts connections`).toBe(false);
  }
  for (const pid of spawnedPids) expect(isProcessAlive(pid), `codex process ${pid} still running`).toBe(false);
  for (const dir of tracked.dirs) expect(existsSync(dir), `temporary directory ${dir} still exists`).toBe(false);
});
