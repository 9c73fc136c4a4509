import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * True if `pid` runs. A zombie counts as gone: an orphan whose parent exited is reparented to
 * pid 1, which in some containers reaps late, so `kill(pid, 0)` alone would still succeed.
 */
export function isProcessAlive(pid: number): boolean {
  if (!answersSignalZero(pid)) return false;
  if (process.platform !== "linux") {
    // No /proc (macOS, BSD): ask ps for the state letter.
    const run = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" });
    return run.status === 0 && !run.stdout.trim().startsWith("Z");
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    // Reaped since the signal, or /proc unreadable here: ask the kernel again.
    return answersSignalZero(pid);
  }
  // The state letter is the field after the command name, which is in parentheses and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return state !== "Z" && state !== "X";
}

function answersSignalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
