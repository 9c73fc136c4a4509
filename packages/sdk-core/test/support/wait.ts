// Bounded waits for tests: nothing here waits forever, and nothing asserts how long anything took.

/** Options of {@link until}. */
export interface UntilOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
  /** How often to check (default 2 ms). */
  intervalMs?: number;
}

/** Resolves once `condition` holds, checking every `intervalMs`; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, options: UntilOptions = {}): Promise<void> {
  const { timeoutMs = 5_000, what = "the condition", intervalMs = 2 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * `promise`'s value, or `"still pending"` if it has not settled after `ms`: lets a test assert
 * that something settles (or does not) without hanging when it does not.
 */
export function within<T>(promise: Promise<T>, ms = 3_000): Promise<T | "still pending"> {
  return Promise.race([
    promise,
    new Promise<"still pending">((resolve) => setTimeout(() => resolve("still pending"), ms).unref()),
  ]);
}

/** Lets queued setImmediate deliveries (the in-memory pairs use them) and microtasks run. */
export async function flush(rounds = 3): Promise<void> {
  for (let index = 0; index < rounds; index += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Collects an async iterable (a turn's stream) into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
