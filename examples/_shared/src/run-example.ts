// Self-checks and the frame every example runs in: a time limit, a summary line, and an exit
// code CI can trust (non-zero on any failed check, error or timeout).
import { bold, green, red } from "./terminal.js";
import { requestedMode } from "./environment.js";

/** A self-check of an example failed. */
export class CheckFailedError extends Error {
  override name = "CheckFailedError";
}

let checksPassed = 0;

/** Fails the example with `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailedError(message);
  checksPassed += 1;
}

/** Fails the example unless `actual` and `expected` are equal as JSON. */
export function checkEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

/** Options of {@link runExample}. */
export interface RunExampleOptions {
  /** Fail if the example has not finished by then (default 60 s offline, 5 min live). */
  timeoutMs?: number;
}

/**
 * Runs an example's `main`, prints `✔ name: N checks passed (T s)` or why it failed, and sets
 * the exit code. A run that outlives the time limit fails instead of hanging CI.
 */
export async function runExample(name: string, main: () => Promise<void>, options: RunExampleOptions = {}): Promise<void> {
  const started = performance.now();
  const live = process.env["CODEX_EXAMPLES_LIVE"] === "1";
  const timeoutMs = options.timeoutMs ?? (live ? 300_000 : 60_000);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${timeoutMs / 1000} s.`)), timeoutMs);
  });
  try {
    requestedMode();
    await Promise.race([main(), timedOut]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const checks = checksPassed === 0 ? "done" : `${checksPassed} checks passed`;
    console.log(`\n${green("✔")} ${bold(name)}: ${checks} (${seconds} s)`);
  } catch (error) {
    process.exitCode = 1;
    const what = error instanceof CheckFailedError ? "check failed" : "error";
    console.error(`\n${red("✘")} ${bold(name)}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    if (!(error instanceof CheckFailedError) && error instanceof Error && error.stack) console.error(error.stack);
  } finally {
    clearTimeout(timer);
  }
  // Nothing should keep the process alive now. If something does (a leaked process or socket),
  // say so and fail rather than hang; the timer itself does not hold the process open.
  setTimeout(() => {
    console.error(`${red("✘")} ${name}: still running 5 s after finishing; something was not closed.`);
    process.exit(1);
  }, 5_000).unref();
}
