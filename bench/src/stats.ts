// Summary statistics for bench samples: medians and p95 of each contender, and ratios of medians.

/** Summary of one contender's samples (all in the unit the bench measured, usually milliseconds). */
export interface Summary {
  n: number;
  median: number;
  /** 5th percentile: the bad tail of a throughput. */
  p5: number;
  /** 95th percentile: the bad tail of a latency. */
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/** The value at quantile `q` (0..1) of sorted samples, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  const high = sorted[upper]!;
  return low + (high - low) * (position - lower);
}

/** Summarises samples. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p5: quantile(sorted, 0.05),
    p95: quantile(sorted, 0.95),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** Rounds for display. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Rotates the order of contenders for round `round`, so that none of them always runs first (or
 * always right after another one) — the interleaving that keeps drift in machine load from
 * favouring one side.
 */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
