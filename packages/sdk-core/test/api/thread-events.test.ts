// thread.events(), thread.compact() and thread.review() against the real app-server.
import { reply } from "@codex/sdk-testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AbortError,
  Codex,
  InvalidRequestError,
  NotificationBufferOverflowError,
  type Notification,
} from "../../src/index.js";
import { codexBin, startRealServer, type RealServer } from "../support/real-server.js";
import { collect } from "../support/wait.js";

const TIMEOUT = { timeout: 40_000 };

function turnIdOf(notification: Notification): string | undefined {
  const params = notification.params as { turnId?: unknown; turn?: { id?: unknown } };
  const id = params.turnId ?? params.turn?.id;
  return typeof id === "string" ? id : undefined;
}

describe("thread.events, compact, review", () => {
  let t: RealServer;
  beforeAll(async () => {
    t = await startRealServer();
  });
  afterAll(async () => {
    await t?.[Symbol.asyncDispose]();
  });

  test(
    "events() yields every notification of the thread: any turn, however started, and the thread's own",
    TIMEOUT,
    async () => {
      const thread = await t.codex.threadStart();
      const other = await t.codex.threadStart();
      const controller = new AbortController();
      const events = thread.events({ signal: controller.signal });
      t.env.fakeModel.enqueueFor({ threadId: thread.id }, reply.text("First."), reply.text("Second."));
      t.env.fakeModel.enqueueFor({ threadId: other.id }, reply.text("Elsewhere."));

      const first = await thread.run("one");
      // A turn started below the SDK's TurnHandle (as another client would): still this thread's.
      const raw = await t.codex.client.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "two", text_elements: [] }],
      });
      await other.run("not this thread");
      await thread.setName("Followed");

      const seen: Notification[] = [];
      const turnsCompleted = new Set<string>();
      let error: unknown;
      try {
        for await (const event of events) {
          seen.push(event);
          if (event.method === "turn/completed") turnsCompleted.add(event.params.turn.id);
          if (event.method === "thread/name/updated") controller.abort();
        }
      } catch (caught) {
        error = caught;
      }
      expect(AbortError.isInstance(error)).toBe(true);
      expect([...turnsCompleted]).toEqual([first.id, raw.turn.id]);
      const methods = seen.map((event) => event.method);
      expect(methods).toEqual(
        expect.arrayContaining([
          "turn/started",
          "item/agentMessage/delta",
          "thread/status/changed",
          "thread/tokenUsage/updated",
        ]),
      );
      expect(seen.every((event) => (event.params as { threadId?: string }).threadId === thread.id)).toBe(true);
      expect(seen.filter((event) => event.method === "item/completed").map((event) => turnIdOf(event))).toEqual(
        expect.arrayContaining([first.id, raw.turn.id]),
      );
      expect(seen.at(-1)).toMatchObject({
        method: "thread/name/updated",
        params: { threadId: thread.id, threadName: "Followed" },
      });
    },
  );

  test(
    "events() subscribes at the call, and maxBuffered ends an unread iterator with NotificationBufferOverflowError",
    TIMEOUT,
    async () => {
      const thread = await t.codex.threadStart();
      const events = thread.events({ maxBuffered: 2 });
      t.env.fakeModel.enqueueFor({ threadId: thread.id }, reply.text("Many events."));
      await thread.run("Make events while nobody reads");
      const read: string[] = [];
      const error = await (async () => {
        for await (const event of events) read.push(String(event.method));
      })().catch((caught: unknown) => caught);
      expect(read).toHaveLength(2);
      expect(NotificationBufferOverflowError.isInstance(error)).toBe(true);
    },
  );

  test(
    "a second app-server on the same CODEX_HOME cannot take over a loaded thread (one writer per thread)",
    TIMEOUT,
    async () => {
      const thread = await t.codex.threadStart();
      t.env.fakeModel.enqueueFor({ threadId: thread.id }, reply.text("Stored."));
      await thread.run("Store me");
      await using second = await Codex.start({ codexBin, ...t.env });
      const error = await second.threadResume(thread.id).catch((caught: unknown) => caught);
      expect(InvalidRequestError.isInstance(error)).toBe(true);
      expect((error as InvalidRequestError).serverMessage).toMatch(/already has an active writer/);
    },
  );

  test("compact() returns the compaction's TurnHandle", TIMEOUT, async () => {
    const thread = await t.codex.threadStart();
    t.env.fakeModel.enqueueFor(
      { threadId: thread.id },
      reply.text("Hello."),
      reply.text("Summary of the conversation."),
    );
    await thread.run("Hello");
    const compaction = await thread.compact();
    const events = await collect(compaction.stream());
    expect(events.map((event) => event.method)).toContain("turn/started");
    expect(events.at(-1)?.method).toBe("turn/completed");
    const result = await compaction.run();
    expect(result.id).toBe(compaction.id);
    expect(result.status).toBe("completed");
    expect(result.items.map((item) => item.type)).toContain("contextCompaction");
    const kinds = t.env.fakeModel.requests
      .filter((request) => request.threadId === thread.id)
      .map((request) => request.requestKind);
    expect(kinds).toEqual(["turn", "compaction"]);
  });

  test(
    "compact() right after another turn of the thread started returns the compaction turn, not that one",
    TIMEOUT,
    async () => {
      const thread = await t.codex.threadStart();
      t.env.fakeModel.enqueueFor(
        { threadId: thread.id },
        reply.text("Hello."),
        reply.slow("A slow answer to be cut short.", { delayMs: 200 }),
      );
      await thread.run("Hello");
      // Its turn/started may arrive after the compaction request is written.
      const { turn: other } = await t.codex.client.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "Another", text_elements: [] }],
      });
      const compaction = await thread.compact();
      expect(compaction.id).not.toBe(other.id);
      const result = await compaction.run();
      expect(result.items.map((item) => item.type)).toContain("contextCompaction");
    },
  );

  test(
    "review() starts review/start and returns its TurnHandle; the review text is the final response",
    TIMEOUT,
    async () => {
      const thread = await t.codex.threadStart();
      // The review's model request runs under its own conversation id: route the reply by prompt.
      t.env.fakeModel.enqueueFor({ prompt: /Review the greeting module/ }, reply.text("No problems found."));
      const review = await thread.review({ type: "custom", instructions: "Review the greeting module" });
      const result = await review.run();
      expect(result).toMatchObject({ id: review.id, status: "completed", finalResponse: "No problems found." });
      expect(result.items.map((item) => item.type)).toEqual(
        expect.arrayContaining(["enteredReviewMode", "exitedReviewMode", "agentMessage"]),
      );
      expect(t.env.fakeModel.requests.at(-1)?.prompt).toContain("Review the greeting module");
    },
  );

  test("review() with an aborted signal interrupts the review turn and rejects with AbortError", TIMEOUT, async () => {
    const thread = await t.codex.threadStart();
    t.env.fakeModel.enqueueFor({ prompt: /Take forever/ }, reply.hang());
    const controller = new AbortController();
    const review = await thread.review({ type: "custom", instructions: "Take forever" }, { signal: controller.signal });
    controller.abort();
    await expect(review.run()).rejects.toSatisfy((error: unknown) => AbortError.isInstance(error));
    const stored = await thread.read({ includeTurns: true });
    expect(stored.thread.turns?.find((turn) => turn.id === review.id)?.status).toBe("interrupted");
  });
});
