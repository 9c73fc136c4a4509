// Codex.connect() with a token function that never answers: the attempt is bounded by
// connectTimeoutMs and by its signal, and the error names what timed out, never the token.
import { describe, expect, test } from "vitest";
import { AbortError, Codex, TimeoutError } from "../../src/index.js";
import { within } from "../support/wait.js";

describe("Codex.connect() token function", () => {
  test("a token function that never settles fails with TimeoutError after connectTimeoutMs", async () => {
    const error = await within(
      Codex.connect("ws://127.0.0.1:9", { token: () => new Promise<string>(() => {}), connectTimeoutMs: 100 }).catch(
        (caught: unknown) => caught,
      ),
    );
    expect(TimeoutError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/token function did not answer within 100 ms/);
  });

  test("aborting the signal ends the wait for a token function with AbortError", async () => {
    const controller = new AbortController();
    const connecting = Codex.connect("ws://127.0.0.1:9", {
      token: () => new Promise<string>(() => {}),
      connectTimeoutMs: 60_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20).unref();
    const error = await within(connecting.catch((caught: unknown) => caught));
    expect(AbortError.isInstance(error), String(error)).toBe(true);
  });
});
