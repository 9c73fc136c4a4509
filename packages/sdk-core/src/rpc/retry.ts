// Retrying requests the server refused because it was overloaded.

import { abortErrorFrom, InvalidInputError, RetryLimitExceededError, ServerBusyError } from "../errors.js";

/** Options of `retryOnOverload`. */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 3. */
  maxAttempts?: number | undefined;
  /** Delay before the second attempt; doubles each time. Default 250 ms. */
  initialDelayMs?: number | undefined;
  /** Upper bound of one delay. Default 2000 ms. */
  maxDelayMs?: number | undefined;
  /** Each delay is randomised by ± this fraction. Default 0.2. */
  jitterRatio?: number | undefined;
  /** Stops waiting and rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Which errors to retry. Default `isRetryableError`. */
  isRetryable?: ((error: unknown) => boolean) | undefined;
}

/**
 * True for errors that may succeed if the same request is sent again later: the server said it
 * is overloaded (`ServerBusyError`). Not for `RetryLimitExceededError` (the server already
 * retried), and never for `InvalidParamsError` or `MethodNotFoundError`: fix the input or the
 * server version instead.
 */
export function isRetryableError(error: unknown): boolean {
  return ServerBusyError.isInstance(error) && !RetryLimitExceededError.isInstance(error);
}

/**
 * Calls `fn` until it succeeds, retrying only retryable errors (see `isRetryableError`) with
 * exponential backoff and jitter. Rethrows the last error once `maxAttempts` is reached, and any
 * non-retryable error at once.
 *
 * ```ts
 * const threads = await retryOnOverload(() => client.request("thread/list", {}));
 * ```
 */
export async function retryOnOverload<T>(
  fn: (attempt: number) => Promise<T> | T,
  options: RetryOptions = {},
): Promise<T> {
  // NaN would slip through every comparison below: NaN attempts retry forever, a NaN delay is 0.
  const maxAttempts = Math.max(1, Math.floor(checkNumber("maxAttempts", options.maxAttempts, 3)));
  const initialDelayMs = checkNumber("initialDelayMs", options.initialDelayMs, 250);
  const maxDelayMs = checkNumber("maxDelayMs", options.maxDelayMs, 2000);
  const jitterRatio = Math.min(1, Math.max(0, checkNumber("jitterRatio", options.jitterRatio, 0.2)));
  const isRetryable = options.isRetryable ?? isRetryableError;
  const signal = options.signal;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortErrorFrom(signal, "The retried operation");
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
      const delay = Math.max(0, base * (1 + jitterRatio * (Math.random() * 2 - 1)));
      await sleep(delay, signal);
    }
  }
}

function checkNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new InvalidInputError(`retryOnOverload: ${name} must be a number of at least 0, got ${String(value)}.`);
  }
  return value;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortErrorFrom(signal, "The retried operation"));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortErrorFrom(signal!, "The retried operation"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
