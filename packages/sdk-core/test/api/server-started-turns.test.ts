// thread.compact() and thread.review() against scripted servers: each settles however its turn
// ends, and frees the thread for the next turn.
import { describe, expect, test } from "vitest";
import { TransportClosedError, TurnLostError } from "../../src/index.js";
import { type ScriptedServer, startReconnectable, startScripted } from "../support/scripted-server.js";
import { within } from "../support/wait.js";
import { turnEvents as e } from "../support/wire.js";

const TIMEOUT = { timeout: 15_000 };

function threadStartReplies(server: ScriptedServer): void {
  server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
}

/** Answers turn/start with `turn-N` and completes it at once, so the thread is free afterwards. */
function quickTurns(server: ScriptedServer): void {
  let n = 0;
  server.on("turn/start", async (request, s) => {
    const id = `turn-${++n}`;
    await s.reply(request.id, { turn: e.started(id).params.turn });
    await s.notify("turn/started", e.started(id).params);
    await s.notify("turn/completed", e.completed(id).params);
  });
}

describe("thread.compact()", () => {
  test(
    "rejects with TurnLostError when the thread is closed before the compaction item, and frees the thread",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        quickTurns(server);
        server.on("thread/compact/start", async (request, s) => {
          await s.reply(request.id, {});
          await s.notify("thread/closed", { threadId: "thread-1" });
        });
      });
      const thread = await t.codex.threadStart();
      const error = await within(thread.compact().catch((caught: unknown) => caught));
      expect(TurnLostError.isInstance(error), String(error)).toBe(true);
      // The reservation was released: a next turn is not blocked behind it.
      expect(await within(thread.turn("next").then((turn) => turn.run()))).toMatchObject({ id: "turn-1" });
      expect(t.codex.load.turns).toMatchObject({ reservations: 0, lanes: 0 });
    },
  );

  test("settles with the compaction's turn when that turn ends without a contextCompaction item", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("thread/compact/start", async (request, s) => {
        await s.reply(request.id, {});
        await s.notify("turn/started", e.started("compact-turn").params);
        await s.notify(
          "turn/completed",
          e.completed("compact-turn", "failed", {
            message: "compaction failed",
            codexErrorInfo: null,
            additionalDetails: null,
          }).params,
        );
      });
    });
    const thread = await t.codex.threadStart();
    const compaction = await within(thread.compact());
    expect(compaction).not.toBe("still pending");
    if (compaction === "still pending") return;
    expect(compaction.id).toBe("compact-turn");
    expect(await within(compaction.run())).toMatchObject({ id: "compact-turn", status: "failed" });
    expect(t.codex.load.turns).toMatchObject({ reservations: 0, lanes: 0, turns: 0 });
  });

  test("rejects with TransportClosedError when the connection is interrupted to reconnect", TIMEOUT, async () => {
    await using t = await startReconnectable(
      (server) => {
        server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
        server.on("thread/resume", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
        server.on("thread/compact/start", async (request, s) => {
          await s.reply(request.id, {});
          // The compaction was accepted, then the connection drops before its item arrives.
          void s.closeWith({ reason: "server restarted" });
        });
        server.on("*", (request, s) => s.reply(request.id, {}));
      },
      { reconnect: { initialDelayMs: 1, maxAttempts: 3 } },
    );
    const thread = await t.codex.threadStart();
    const error = await within(thread.compact().catch((caught: unknown) => caught));
    expect(TransportClosedError.isInstance(error), String(error)).toBe(true);
    expect(t.codex.load.turns).toMatchObject({ reservations: 0, lanes: 0 });
  });
});

describe("GoalHandle with reconnect", () => {
  test(
    "fails with TransportClosedError when the connection is interrupted: the goal's end may pass unseen",
    TIMEOUT,
    async () => {
      const goal = {
        threadId: "thread-1",
        objective: "goal",
        status: "active",
        tokenBudget: null,
        tokensUsed: 0,
        timeUsedSeconds: 0,
        createdAt: 1,
        updatedAt: 1,
      };
      await using t = await startReconnectable(
        (server) => {
          server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
          server.on("thread/resume", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
          server.on("thread/goal/set", async (request, s) => {
            await s.reply(request.id, { goal });
            void s.closeWith({ reason: "server restarted" });
          });
          server.on("*", (request, s) => s.reply(request.id, {}));
        },
        { reconnect: { initialDelayMs: 1, maxAttempts: 3 } },
      );
      const thread = await t.codex.threadStart();
      const handle = await thread.startGoal("goal");
      const error = await within(handle.run().catch((caught: unknown) => caught));
      expect(TransportClosedError.isInstance(error), String(error)).toBe(true);
    },
  );
});

describe("thread.review()", () => {
  test("is not bound by requestTimeoutMs: a late reply still gives the review's turn", TIMEOUT, async () => {
    let release!: () => void;
    const replyAllowed = new Promise<void>((resolve) => (release = resolve));
    await using t = await startScripted(
      (server) => {
        threadStartReplies(server);
        server.on("review/start", async (request, s) => {
          // Held past the request timeout; no turn/started comes before it.
          await replyAllowed;
          await s.reply(request.id, { turn: e.started("review-turn").params.turn, reviewThreadId: "thread-1" });
          await s.notify("turn/completed", e.completed("review-turn").params);
        });
      },
      { requestTimeoutMs: 100 },
    );
    const thread = await t.codex.threadStart();
    const review = thread.review({ type: "uncommittedChanges" });
    setTimeout(release, 400).unref();
    const handle = await within(review.catch((caught: unknown) => caught));
    expect(handle).toMatchObject({ id: "review-turn" });
  });

  test("recovers the review's turn from turn/started when the reply is lost", TIMEOUT, async () => {
    await using t = await startScripted(
      (server) => {
        threadStartReplies(server);
        server.on("review/start", async (_request, s) => {
          await s.notify("turn/started", e.started("review-turn").params);
          await s.notify("turn/completed", e.completed("review-turn").params);
        });
      },
      { requestTimeoutMs: 100 },
    );
    const thread = await t.codex.threadStart();
    const handle = await within(thread.review({ type: "uncommittedChanges" }).catch((caught: unknown) => caught));
    expect(handle).toMatchObject({ id: "review-turn" });
    if (handle === "still pending" || !(handle instanceof Object) || !("run" in handle)) return;
    expect(await within((handle as { run(): Promise<unknown> }).run())).toMatchObject({
      id: "review-turn",
      status: "completed",
    });
    expect(t.codex.load).toMatchObject({ pending: 0 });
  });
});
