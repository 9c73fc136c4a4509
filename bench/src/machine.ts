// A description of the machine a bench ran on, for the results table.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

/** What the results were measured on. */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  codexVersion: string;
  codexSdkVersion: string;
  loadAverageAtStart: number[];
  /** 1-minute load average sampled every 5 s during the run: min, median, max. */
  loadDuringRun?: { min: number; median: number; max: number; samples: number };
  /** How the bench's CODEX_HOME is configured (shell_snapshot off). */
  benchHome?: string;
  date: string;
}

/** Samples the 1-minute load average every 5 s until `stop()`; other work on the machine shows up here. */
export function sampleLoad(): { stop(): MachineDescription["loadDuringRun"] } {
  const samples: number[] = [os.loadavg()[0] ?? 0];
  const timer = setInterval(() => samples.push(os.loadavg()[0] ?? 0), 5000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(os.loadavg()[0] ?? 0);
      const sorted = [...samples].sort((a, b) => a - b);
      const round = (value: number) => Math.round(value * 100) / 100;
      return {
        min: round(sorted[0]!),
        median: round(sorted[Math.floor(sorted.length / 2)]!),
        max: round(sorted[sorted.length - 1]!),
        samples: sorted.length,
      };
    },
  };
}

function cpuModel(): string {
  const fromNode = os.cpus()[0]?.model?.trim();
  if (fromNode && fromNode !== "unknown") return fromNode;
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    return line?.split(":")[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Describes this machine and the codex binary `codexBin`. */
export function describeMachine(codexBin: string, codexSdkVersion: string): MachineDescription {
  let codexVersion = "unknown";
  try {
    codexVersion = execFileSync(codexBin, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // A binary that cannot report its version still runs the benches; the table says "unknown".
  }
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    codexVersion,
    codexSdkVersion,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
    date: new Date().toISOString(),
  };
}
