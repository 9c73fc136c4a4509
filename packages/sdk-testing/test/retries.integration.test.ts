// With codex's retries turned back on (one of each), a failed attempt is retried against the next
// scripted reply and the turn completes: the `error` notification with `willRetry: true` is what
// an SDK must not mistake for the end of a turn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reply, type FakeReply } from "../src/replies.js";
import type { TurnRun } from "./support/json-rpc-driver.js";
import { openSession, type Session } from "./support/session.js";

let session: Session;
const gaps: Array<{ scenario: string; ms: number }> = [];

beforeAll(async () => {
  session = await openSession({ home: { requestMaxRetries: 1, streamMaxRetries: 1 } });
}, 20_000);

afterAll(async () => {
  await session?.close();
  console.log(
    `[retries] time between the failed attempt and the retry:\n${gaps.map((g) => `  ${g.scenario.padEnd(24)} ${g.ms} ms`).join("\n")}`,
  );
}, 20_000);

async function recover(scenario: string, failure: FakeReply): Promise<TurnRun> {
  const { driver, fake } = session;
  const threadId = await driver.startThread({});
  const before = fake.requests.length;
  fake.enqueue(failure, reply.text("recovered"));
  const run = await driver.runTurn(threadId, scenario, 10_000);
  const requests = fake.requests.slice(before);
  expect(requests.map((request) => request.prompt)).toEqual([scenario, scenario]);
  gaps.push({ scenario, ms: (requests[1]?.receivedAt ?? 0) - (requests[0]?.receivedAt ?? 0) });
  expect(run.turn.status).toBe("completed");
  expect(run.turn.error).toBeNull();
  expect(run.turn.items).toMatchObject([{ type: "agentMessage", text: "recovered" }]);
  return run;
}

function retryErrors(run: TurnRun) {
  return run.events.filter((n) => n.method === "error").map((n) => n.params);
}

describe("retries on", () => {
  it("reconnects after a dropped stream, announcing it with willRetry: true", { timeout: 15_000 }, async () => {
    const run = await recover("dropped stream", reply.drop());
    expect(retryErrors(run)).toMatchObject([
      {
        willRetry: true,
        error: {
          message: "Reconnecting... 1/1",
          codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } },
        },
      },
    ]);
  });

  it("reconnects after response.failed", { timeout: 15_000 }, async () => {
    const run = await recover("response.failed", reply.failed({ message: "try again" }));
    expect(retryErrors(run)).toMatchObject([
      {
        willRetry: true,
        error: {
          codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } },
          additionalDetails: "stream disconnected before completion: try again",
        },
      },
    ]);
  });

  it("retries a 429 after its retry-after, announcing it with the status", { timeout: 15_000 }, async () => {
    const run = await recover("http 429 retry-after 1", reply.httpError(429, { retryAfter: 1 }));
    expect(retryErrors(run)).toMatchObject([
      { willRetry: true, error: { codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: 429 } } } },
    ]);
  });

  it("retries an HTTP 500 without any notification", { timeout: 15_000 }, async () => {
    const run = await recover("http 500", reply.httpError(500));
    expect(retryErrors(run)).toEqual([]);
  });
});
