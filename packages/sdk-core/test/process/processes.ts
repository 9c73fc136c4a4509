import { readFileSync } from "node:fs";

/**
 * True if `pid` runs. A zombie counts as gone: an orphan whose parent exited is reparented to
 * pid 1, which in some containers reaps late, so `kill(pid, 0)` alone would still succeed.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
