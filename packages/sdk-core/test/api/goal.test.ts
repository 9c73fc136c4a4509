// Goals against the real app-server: the fake model drives a goal across several automatic turns
// and completes it with the update_goal tool; a token budget, a failed turn and an abort end it too.
import { reply } from "@codex/sdk-testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AbortError, type Notification } from "../../src/index.js";
import { startRealServer, type RealServer } from "../support/real-server.js";
import { collect } from "../support/wait.js";

const TIMEOUT = { timeout: 60_000 };

const completeGoal = (text: string) => reply.toolCall({ name: "update_goal", arguments: { status: "complete" }, text });

describe("goals", () => {
  let t: RealServer;
  beforeAll(async () => {
    t = await startRealServer();
  });
  afterAll(async () => {
    await t?.[Symbol.asyncDispose]();
  });

  test("runGoal: the server runs turns on its own until the model marks the goal complete", TIMEOUT, async () => {
    const thread = await t.codex.threadStart();
    const fake = t.env.fakeModel;
    const before = fake.requests.length;
    fake.enqueueFor(
      { threadId: thread.id },
      reply.text("Step one: outline written.", { usage: { inputTokens: 100, outputTokens: 10 } }),
      reply.text("Step two: draft written.", { usage: { inputTokens: 100, outputTokens: 10 } }),
      completeGoal("Step three: polished."),
      reply.text("The essay is finished."),
    );
    const result = await thread.runGoal("Write a three-step essay", { tokenBudget: 100_000 });

    expect(result.status).toBe("complete");
    expect(result.threadId).toBe(thread.id);
    expect(result.goal).toMatchObject({
      objective: "Write a three-step essay",
      status: "complete",
      tokenBudget: 100_000,
    });
    expect(result.goal?.tokensUsed).toBeGreaterThan(0);
    expect(result.turns.map((turn) => turn.status)).toEqual(["completed", "completed", "completed"]);
    expect(result.turns.map((turn) => turn.finalResponse)).toEqual([
      "Step one: outline written.",
      "Step two: draft written.",
      "The essay is finished.",
    ]);
    expect(new Set(result.turns.map((turn) => turn.id)).size).toBe(3);
    expect(result.text).toBe(
      "Step one: outline written.\n\nStep two: draft written.\n\nStep three: polished.The essay is finished.",
    );
    expect(result.finalResponse).toBe("The essay is finished.");
    expect(result.usage).toEqual(thread.lastUsage);

    // Four model calls: one per turn, and one more after the update_goal tool ran.
    const requests = fake.requests.slice(before);
    expect(requests).toHaveLength(4);
    expect(JSON.stringify(requests[0]!.body)).toContain("Write a three-step essay");
    expect(requests[3]!.toolOutputs.at(-1)?.output).toContain("complete");
    expect((await t.codex.client.request("thread/goal/get", { threadId: thread.id })).goal?.status).toBe("complete");
  });

  test(
    "startGoal: stream() yields the goal's turns as one run, replayable, ending with the last turn/completed",
    TIMEOUT,
    async () => {
      const thread = await t.codex.threadStart();
      t.env.fakeModel.enqueueFor(
        { threadId: thread.id },
        reply.text("Working on it."),
        completeGoal("All done."),
        reply.text("Goal reached."),
      );
      const goal = await thread.startGoal("Reach the goal");
      const events = await collect(goal.stream());
      const methods = events.map((event) => event.method);
      expect(methods.filter((method) => method === "turn/completed")).toHaveLength(2);
      expect(methods.at(-1)).toBe("turn/completed");
      const updates = events.filter(
        (event): event is Extract<Notification, { method: "thread/goal/updated" }> =>
          event.method === "thread/goal/updated",
      );
      expect(updates.at(-1)?.params.goal.status).toBe("complete");
      const threadOf = (event: Notification) => {
        const params = event.params as { threadId?: string; thread?: { id?: string } };
        return params.threadId ?? params.thread?.id;
      };
      expect(events.every((event) => threadOf(event) === thread.id)).toBe(true);
      // A second stream() replays the same run; run() works after streaming.
      expect((await collect(goal.stream())).map((event) => event.method)).toEqual(methods);
      const result = await goal.run();
      expect(result.turns).toHaveLength(2);
      expect(goal.completed).toBe(true);
    },
  );

  test("a token budget ends the goal with budgetLimited", TIMEOUT, async () => {
    const thread = await t.codex.threadStart();
    const usage = { usage: { inputTokens: 100, outputTokens: 10 } };
    t.env.fakeModel.enqueueFor(
      { threadId: thread.id },
      reply.text("One.", usage),
      reply.text("Two.", usage),
      reply.text("Three.", usage),
      reply.text("Four.", usage),
    );
    const result = await thread.runGoal("Spend tokens", { tokenBudget: 150 });
    expect(result.status).toBe("budgetLimited");
    expect(result.goal?.tokensUsed).toBeGreaterThanOrEqual(150);
    expect(result.turns.length).toBeGreaterThanOrEqual(1);
    expect(result.turns.length).toBeLessThan(4);
  });

  test("a failed turn blocks the goal; the run ends with blocked and the failed turn", TIMEOUT, async () => {
    const thread = await t.codex.threadStart();
    t.env.fakeModel.enqueueFor(
      { threadId: thread.id },
      reply.text("Started."),
      reply.httpError(400, { message: "bad request" }),
    );
    const result = await thread.runGoal("Fail halfway");
    expect(result.status).toBe("blocked");
    expect(result.turns.map((turn) => turn.status)).toEqual(["completed", "failed"]);
    expect(result.turns[1]?.error?.message).toEqual(expect.any(String));
  });

  test("aborting the signal pauses the goal, interrupts its turn and rejects with AbortError", TIMEOUT, async () => {
    const thread = await t.codex.threadStart();
    t.env.fakeModel.enqueueFor({ threadId: thread.id }, reply.hang());
    const controller = new AbortController();
    const goal = await thread.startGoal("Never finishes", { signal: controller.signal });
    // Abort once the goal's first turn is running.
    for await (const event of goal.stream()) if (event.method === "turn/started") break;
    controller.abort();
    await expect(goal.run()).rejects.toSatisfy((error: unknown) => AbortError.isInstance(error));
    const events = await collect(goal.stream()).catch(() => undefined);
    expect(events).toBeUndefined();
    expect((await t.codex.client.request("thread/goal/get", { threadId: thread.id })).goal?.status).toBe("paused");
    const stored = await thread.read({ includeTurns: true });
    expect(stored.thread.turns?.at(-1)?.status).toBe("interrupted");
  });
});
