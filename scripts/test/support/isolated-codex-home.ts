// Every test process gets a throwaway CODEX_HOME: a test that starts codex without naming a home
// must never write to the user's ~/.codex. Removed after the run.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const home = mkdtempSync(path.join(os.tmpdir(), "codex-scripts-tests-home-"));
  const saved = process.env["CODEX_HOME"];
  // Set before the workers start, so they inherit it.
  process.env["CODEX_HOME"] = home;
  return () => {
    if (saved === undefined) delete process.env["CODEX_HOME"];
    else process.env["CODEX_HOME"] = saved;
    rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  };
}
