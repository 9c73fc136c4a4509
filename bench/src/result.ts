// The shape of one bench's results, as written to results/latest.json and rendered in RESULTS.md.
import type { RoundLoad } from "./load.js";
import { summarize, type Summary } from "./stats.js";

/** One side of a comparison. */
export interface ContenderResult {
  name: string;
  /** What it is, for the table. */
  label: string;
  summary: Summary;
  samples: number[];
  /** Per-contender facts beyond the samples (peak RSS, lost events, ...). */
  extra?: Record<string, number | string | boolean>;
}

/** A ratio between two contenders, with the target it is held to, if any. */
export interface Ratio {
  label: string;
  value: number;
  /** Human-readable target, e.g. "≤ 1.05". */
  target?: string;
  met?: boolean;
}

/** The outcome of one bench. */
export interface BenchResult {
  id: string;
  title: string;
  /** Unit of the samples, e.g. "ms" or "lines/s". */
  unit: string;
  /** Whether bigger samples are better (throughput) or worse (latency). */
  higherIsBetter: boolean;
  /** How it was measured, one paragraph. */
  method: string;
  contenders: ContenderResult[];
  ratios: Ratio[];
  notes: string[];
  /** Set when the bench could not run (e.g. the SDK side has not landed). */
  skipped?: string;
  durationMs: number;
  /**
   * The machine's load per round (or per bench, for benches without rounds): heavy rounds are
   * flagged in RESULTS.md.
   */
  rounds?: RoundLoad[];
  /** When it finished (ISO 8601); set by run.ts. A partial run (--only) keeps older benches' dates. */
  ranAt?: string;
}

/** Builds a contender entry from raw samples. */
export function contender(
  name: string,
  label: string,
  samples: number[],
  extra?: ContenderResult["extra"],
): ContenderResult {
  const result: ContenderResult = { name, label, summary: summarize(samples), samples };
  if (extra) result.extra = extra;
  return result;
}

/** The ratio of two contenders' medians (`of / to`). */
export function medianRatio(result: Pick<BenchResult, "contenders">, of: string, to: string): number {
  const a = result.contenders.find((c) => c.name === of);
  const b = result.contenders.find((c) => c.name === to);
  if (!a || !b) return Number.NaN;
  return a.summary.median / b.summary.median;
}

/** Options every bench receives from run.ts. */
export interface BenchOptions {
  /** Fewer rounds / smaller sizes: a smoke run of the harness, not a measurement. */
  quick: boolean;
  log: (line: string) => void;
}
