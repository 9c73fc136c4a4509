// The fake app-server script, and probes for leaked processes and file descriptors.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The stand-in for `codex app-server` (modes listed in its header); run it with `process.execPath`. */
export const FAKE_APP_SERVER = path.join(import.meta.dirname, "fake-app-server.mjs");

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

/** Pids of this process's live child processes (zombies excluded). */
export function childPids(parent: number = process.pid): number[] {
  if (process.platform !== "linux") {
    // No /proc: ask pgrep (macOS, BSD). It exits 1 when there is no child.
    const run = spawnSync("pgrep", ["-P", String(parent)], { encoding: "utf8" });
    return run.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number)
      .filter(isProcessAlive);
  }
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    const ppid = Number(fields[1]);
    if (ppid === parent && state !== "Z" && state !== "X") pids.push(Number(entry));
  }
  return pids;
}

/** Number of open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync(process.platform === "linux" ? "/proc/self/fd" : "/dev/fd").length;
}
