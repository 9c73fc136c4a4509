// The machine's load during each round of a bench: how much CPU the rest of the machine used
// while the round ran. On a shared machine a round that competed for the CPU measures the
// competition, so such rounds are flagged in the results (and left out of the ratios that say so),
// not averaged in silently.
//
// "Others" = the machine's busy CPU time (/proc/stat) minus this process's and its reaped
// children's (/proc/self/stat utime + stime + cutime + cstime; a worker's app-server is reaped by
// the worker, the worker by this process). Take a round's reading after its processes exited.
import { readFileSync } from "node:fs";
import os from "node:os";

/** Clock ticks per second of /proc (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** One round's load. */
export interface RoundLoad {
  /** Which round (e.g. "32 turns, round 2, sdk"). */
  label: string;
  /** Seconds the round took. */
  seconds: number;
  /** Average number of cores the rest of the machine kept busy during the round (Linux only). */
  othersCores?: number;
  /** The 1-minute load average when the round ended. */
  load1: number;
  /** Whether the round ran under heavy load (see {@link isHeavy}). */
  heavy: boolean;
}

/** The rest of the machine used at least this many cores on average: a quarter of the machine, at least half a core. */
export function heavyThresholdCores(): number {
  return Math.max(0.5, os.cpus().length / 4);
}

function machineBusyTicks(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return total - (fields[3] ?? 0) - (fields[4] ?? 0);
  } catch {
    return undefined;
  }
}

function ownTreeTicks(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime field 14.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return undefined;
  }
}

/** Measures one round: `const probe = startRound(); ...; rounds.push(probe.stop(label))`. */
export function startRound(): { stop(label: string): RoundLoad } {
  const startedAt = performance.now();
  const busy = machineBusyTicks();
  const own = ownTreeTicks();
  return {
    stop(label) {
      const seconds = (performance.now() - startedAt) / 1000;
      const busyNow = machineBusyTicks();
      const ownNow = ownTreeTicks();
      const load1 = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
      let othersCores: number | undefined;
      if (busy !== undefined && own !== undefined && busyNow !== undefined && ownNow !== undefined && seconds > 0) {
        othersCores = Math.max(0, (busyNow - busy - (ownNow - own)) / TICKS_PER_SECOND / seconds);
        othersCores = Math.round(othersCores * 100) / 100;
      }
      const heavy = othersCores !== undefined ? othersCores >= heavyThresholdCores() : load1 >= os.cpus().length * 1.5;
      const round: RoundLoad = { label, seconds: Math.round(seconds * 100) / 100, load1, heavy };
      if (othersCores !== undefined) round.othersCores = othersCores;
      return round;
    },
  };
}

/** One line for RESULTS.md about a bench's rounds. */
export function describeRounds(rounds: readonly RoundLoad[]): string {
  const heavy = rounds.filter((round) => round.heavy);
  const others = rounds
    .map((round) => round.othersCores)
    .filter((value): value is number => value !== undefined)
    .sort((a, b) => a - b);
  const range =
    others.length > 0
      ? `; the rest of the machine used ${others[0]!.toFixed(2)}–${others[others.length - 1]!.toFixed(2)} cores (median ${others[Math.floor(others.length / 2)]!.toFixed(2)})`
      : "";
  if (heavy.length === 0)
    return `Load: all ${rounds.length} rounds quiet (heavy = the rest of the machine used ≥ ${heavyThresholdCores()} cores)${range}.`;
  const listed = heavy
    .slice(0, 12)
    .map((round) => `${round.label} (${round.othersCores?.toFixed(2) ?? "?"} cores, load ${round.load1})`)
    .join("; ");
  return `**Load: ${heavy.length} of ${rounds.length} rounds ran under heavy load** (the rest of the machine used ≥ ${heavyThresholdCores()} cores): ${listed}${heavy.length > 12 ? "; …" : ""}${range}.`;
}
