import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  InvalidInputError,
  InvalidParamsError,
  MethodNotFoundError,
  RetryLimitExceededError,
  ServerBusyError,
  TimeoutError,
  TransportClosedError,
} from "../../src/errors.js";
import { isRetryableError, retryOnOverload } from "../../src/rpc/retry.js";

const busy = (): ServerBusyError => new ServerBusyError(-32001, "Server overloaded; retry later.");

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("isRetryableError", () => {
  it("is true only for overload errors", () => {
    expect(isRetryableError(busy())).toBe(true);
    expect(isRetryableError(new RetryLimitExceededError(-32001, "retry limit"))).toBe(false);
    expect(isRetryableError(new InvalidParamsError(-32600, "Invalid request: missing field `x`"))).toBe(false);
    expect(isRetryableError(new MethodNotFoundError(-32600, "Invalid request: unknown variant `x`"))).toBe(false);
    expect(isRetryableError(new TransportClosedError())).toBe(false);
    expect(isRetryableError(new TimeoutError(10))).toBe(false);
    expect(isRetryableError(new Error("Server overloaded"))).toBe(false);
  });
});

describe("retryOnOverload", () => {
  it("backs off exponentially (250, 500 ms by default) and returns the first success", async () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    const promise = retryOnOverload(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw busy();
        return "done";
      },
      { jitterRatio: 0 },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(249);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(499);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(promise).resolves.toBe("done");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("caps each delay at maxDelayMs and keeps jitter within its ratio", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(1); // the largest jitter: +ratio
    const attempts: number[] = [];
    const promise = retryOnOverload(
      async (attempt) => {
        attempts.push(attempt);
        throw busy();
      },
      { maxAttempts: 4, initialDelayMs: 1000, maxDelayMs: 1500, jitterRatio: 0.2 },
    ).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1199);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    // Second delay: min(1500, 2000) * 1.2 = 1800.
    await vi.advanceTimersByTimeAsync(1799);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2, 3]);
    await vi.advanceTimersByTimeAsync(1800);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(ServerBusyError.isInstance(await promise)).toBe(true);
  });

  it("rethrows the last error after maxAttempts", async () => {
    let calls = 0;
    const errors: ServerBusyError[] = [];
    const error = await retryOnOverload(
      async () => {
        calls++;
        const next = busy();
        errors.push(next);
        throw next;
      },
      { maxAttempts: 3, initialDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBe(errors[2]);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    const invalid = new InvalidParamsError(-32602, "bad");
    await expect(
      retryOnOverload(async () => {
        calls++;
        throw invalid;
      }),
    ).rejects.toBe(invalid);
    expect(calls).toBe(1);
  });

  it("stops waiting with AbortError when the signal aborts", async () => {
    const controller = new AbortController();
    let calls = 0;
    const promise = retryOnOverload(
      async () => {
        calls++;
        throw busy();
      },
      { initialDelayMs: 60_000, signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(AbortError.isInstance(await promise.catch((e: unknown) => e))).toBe(true);
    expect(calls).toBe(1);
  });

  it("honours a custom isRetryable", async () => {
    let calls = 0;
    const result = await retryOnOverload(
      async () => {
        calls++;
        if (calls === 1) throw new TimeoutError(5);
        return calls;
      },
      { initialDelayMs: 1, isRetryable: (error) => TimeoutError.isInstance(error) },
    );
    expect(result).toBe(2);
  });
});

describe("retryOnOverload options", () => {
  it("refuses NaN and negative numbers (NaN attempts used to retry forever) without calling fn", async () => {
    const fn = vi.fn(async () => {
      throw busy();
    });
    for (const options of [
      { maxAttempts: Number.NaN },
      { initialDelayMs: -1 },
      { maxDelayMs: Number.NaN },
      { jitterRatio: Number.NaN },
    ]) {
      await expect(retryOnOverload(fn, { ...options, initialDelayMs: options.initialDelayMs ?? 0 })).rejects.toSatisfy(
        (error) => InvalidInputError.isInstance(error),
      );
    }
    expect(fn).not.toHaveBeenCalled();
  });
});
