// One scenario per failure kind of the model endpoint, against the real app-server with codex's
// retries off: each asserts the exact `turn/completed` status and `turn.error.codexErrorInfo`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reply, type FakeReply } from "../src/replies.js";
import type { TurnRun } from "./support/json-rpc-driver.js";
import { openSession, type Session } from "./support/session.js";

let session: Session;
const durations: Array<{ scenario: string; ms: number }> = [];

beforeAll(async () => {
  session = await openSession();
}, 20_000);

afterAll(async () => {
  await session?.close();
  console.log(
    `[failure scenarios] turn/start -> turn/completed, retries off:\n${durations.map((d) => `  ${d.scenario.padEnd(34)} ${d.ms} ms`).join("\n")}`,
  );
}, 20_000);

/** Runs one turn on a fresh thread (so no scenario affects the next) and checks codex asked the model exactly once. */
async function failTurn(scenario: string, script: FakeReply): Promise<TurnRun> {
  const { driver, fake } = session;
  const threadId = await driver.startThread({});
  const before = fake.requests.length;
  fake.enqueue(script);
  const run = await driver.runTurn(threadId, `scenario: ${scenario}`, 10_000);
  durations.push({ scenario, ms: run.elapsedMs });
  // Exactly one request: with retries off, codex must not retry the failure.
  expect(fake.requests.length - before).toBe(1);
  expect(fake.requests[before]?.prompt).toBe(`scenario: ${scenario}`);
  expect(fake.pending).toBe(0);
  // The `error` notification precedes turn/completed, carries the same error and does not announce a retry.
  const errors = run.events.filter((n) => n.method === "error");
  expect(errors).toHaveLength(1);
  expect(errors[0]?.params["willRetry"]).toBe(false);
  expect(errors[0]?.params["error"]).toEqual(run.turn.error);
  expect(run.events.at(-1)?.method).toBe("turn/completed");
  expect(run.turn.status).toBe("failed");
  return run;
}

describe("failures of the model endpoint", () => {
  it('HTTP 400 fails the turn with codexErrorInfo "other" and the body as message', { timeout: 15_000 }, async () => {
    const run = await failTurn("http 400", reply.httpError(400, { message: "bad input from the fake" }));
    expect(run.turn.error?.codexErrorInfo).toBe("other");
    expect(JSON.parse(run.turn.error?.message ?? "")).toMatchObject({
      error: { message: "bad input from the fake", code: "invalid_request" },
    });
  });

  it("HTTP 401 fails with httpConnectionFailed 401", { timeout: 15_000 }, async () => {
    const run = await failTurn("http 401", reply.httpError(401));
    expect(run.turn.error?.codexErrorInfo).toEqual({ httpConnectionFailed: { httpStatusCode: 401 } });
    expect(run.turn.error?.message).toContain("unexpected status 401 Unauthorized");
  });

  it("HTTP 429 with retry-after fails at once with responseTooManyFailedAttempts 429", {
    timeout: 15_000,
  }, async () => {
    const run = await failTurn("http 429 retry-after", reply.httpError(429, { retryAfter: 30 }));
    expect(run.turn.error?.codexErrorInfo).toEqual({ responseTooManyFailedAttempts: { httpStatusCode: 429 } });
    expect(run.turn.error?.message).toBe("exceeded retry limit, last status: 429 Too Many Requests");
  });

  it("HTTP 429 insufficient_quota fails with usageLimitExceeded", { timeout: 15_000 }, async () => {
    const run = await failTurn("http 429 insufficient_quota", reply.httpError(429, { code: "insufficient_quota" }));
    expect(run.turn.error?.codexErrorInfo).toBe("usageLimitExceeded");
  });

  it("HTTP 500 fails with internalServerError", { timeout: 15_000 }, async () => {
    const run = await failTurn("http 500", reply.httpError(500));
    expect(run.turn.error?.codexErrorInfo).toBe("internalServerError");
  });

  it("HTTP 503 fails with httpConnectionFailed 503", { timeout: 15_000 }, async () => {
    const run = await failTurn("http 503", reply.httpError(503));
    expect(run.turn.error?.codexErrorInfo).toEqual({ httpConnectionFailed: { httpStatusCode: 503 } });
  });

  it('a malformed event fails with "other" (failed to parse)', { timeout: 15_000 }, async () => {
    const run = await failTurn("malformed event", reply.malformed());
    expect(run.turn.error?.codexErrorInfo).toBe("other");
    expect(run.turn.error?.message).toContain("failed to parse ResponseCompleted");
  });

  it('a stream that ends without response.completed fails with "other"', { timeout: 15_000 }, async () => {
    const run = await failTurn("unparseable data then end", reply.malformed({ data: "{not json" }));
    expect(run.turn.error?.codexErrorInfo).toBe("other");
    expect(run.turn.error?.message).toBe(
      "stream disconnected before completion: stream closed before response.completed",
    );
  });

  it('a dropped stream fails with "other" after the partial text arrived', { timeout: 15_000 }, async () => {
    const run = await failTurn("dropped stream", reply.drop({ partialText: "half an answ" }));
    expect(run.turn.error?.codexErrorInfo).toBe("other");
    expect(run.turn.error?.message).toMatch(/^stream disconnected before completion: /);
    const deltas = run.events.filter((n) => n.method === "item/agentMessage/delta").map((n) => n.params["delta"]);
    expect(deltas).toEqual(["half an answ"]);
  });

  it('response.failed fails with "other" and the model\'s message', { timeout: 15_000 }, async () => {
    const run = await failTurn("response.failed", reply.failed({ message: "the fake model gave up" }));
    expect(run.turn.error?.codexErrorInfo).toBe("other");
    expect(run.turn.error?.message).toBe("stream disconnected before completion: the fake model gave up");
  });

  it("response.failed context_length_exceeded fails with contextWindowExceeded", { timeout: 15_000 }, async () => {
    const run = await failTurn(
      "response.failed context",
      reply.failed({ code: "context_length_exceeded", message: "too long" }),
    );
    expect(run.turn.error?.codexErrorInfo).toBe("contextWindowExceeded");
  });

  it("response.failed insufficient_quota fails with usageLimitExceeded", { timeout: 15_000 }, async () => {
    const run = await failTurn("response.failed quota", reply.failed({ code: "insufficient_quota", message: "quota" }));
    expect(run.turn.error?.codexErrorInfo).toBe("usageLimitExceeded");
  });

  it("response.failed rate_limit_exceeded fails with rateLimitExceeded", { timeout: 15_000 }, async () => {
    const run = await failTurn(
      "response.failed rate limit",
      reply.failed({ code: "rate_limit_exceeded", message: "slow down" }),
    );
    expect(run.turn.error?.codexErrorInfo).toBe("rateLimitExceeded");
  });

  it('a hanging stream fails with "other" after codex\'s idle timeout', { timeout: 15_000 }, async () => {
    const run = await failTurn("hanging stream", reply.hang());
    expect(run.turn.error?.codexErrorInfo).toBe("other");
    expect(run.turn.error?.message).toBe("stream disconnected before completion: idle timeout waiting for SSE");
  });
});
