// thread.compact() and thread.review() against scripted servers: each settles however its turn
// ends, and frees the thread for the next turn.
import { describe, expect, test } from "vitest";
import {
  Codex,
  GENERATED_FOR_CODEX_VERSION,
  TransportClosedError,
  TurnLostError,
  type CodexOptions,
} from "../../src/index.js";
import { createInMemoryTransportPair, type InMemoryTransport, type Transport } from "../../src/rpc.js";
import { startScripted, turnEvents as e, type ScriptedServer } from "./scripted-server.js";

const TIMEOUT = { timeout: 15_000 };

/** Settles within `ms`, or says it is still pending (a hang is a failure, not a timeout of the test). */
function within<T>(promise: Promise<T>, ms = 3000): Promise<T | "still pending"> {
  return Promise.race([
    promise,
    new Promise<"still pending">((resolve) => setTimeout(() => resolve("still pending"), ms).unref()),
  ]);
}

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
    const ends: InMemoryTransport[] = [];
    const open = async (): Promise<Transport> => {
      const [client, server] = createInMemoryTransportPair();
      ends.push(server);
      server.start({
        message: (raw) => {
          const message = raw as { id?: number | string; method?: string };
          if (message.id === undefined || message.method === undefined) return;
          const results: Record<string, unknown> = {
            initialize: {
              userAgent: `codex_sdk_ts/${GENERATED_FOR_CODEX_VERSION} (Scripted; test) scripted`,
              codexHome: "/home",
              platformFamily: "unix",
              platformOs: "linux",
            },
            "thread/start": { thread: { id: "thread-1" } },
            "thread/resume": { thread: { id: "thread-1" } },
          };
          void server.send({ id: message.id, result: results[message.method] ?? {} }).then(() => {
            // The compaction was accepted, then the connection drops before its item arrives.
            if (message.method === "thread/compact/start") void server.closeWith({ reason: "server restarted" });
          });
        },
      });
      return client;
    };
    const codex = await ReconnectableCodex.open(await open(), open, {
      reconnect: { initialDelayMs: 1, maxAttempts: 3 },
    });
    try {
      const thread = await codex.threadStart();
      const error = await within(thread.compact().catch((caught: unknown) => caught));
      expect(TransportClosedError.isInstance(error), String(error)).toBe(true);
      expect(codex.load.turns).toMatchObject({ reservations: 0, lanes: 0 });
    } finally {
      await codex.close();
    }
  });
});

describe("GoalHandle with reconnect", () => {
  test(
    "fails with TransportClosedError when the connection is interrupted: the goal's end may pass unseen",
    TIMEOUT,
    async () => {
      const open = async (): Promise<Transport> => {
        const [client, server] = createInMemoryTransportPair();
        server.start({
          message: (raw) => {
            const message = raw as { id?: number | string; method?: string };
            if (message.id === undefined || message.method === undefined) return;
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
            const results: Record<string, unknown> = {
              initialize: {
                userAgent: `codex_sdk_ts/${GENERATED_FOR_CODEX_VERSION} (Scripted; test) scripted`,
                codexHome: "/home",
                platformFamily: "unix",
                platformOs: "linux",
              },
              "thread/start": { thread: { id: "thread-1" } },
              "thread/resume": { thread: { id: "thread-1" } },
              "thread/goal/set": { goal },
            };
            void server.send({ id: message.id, result: results[message.method] ?? {} }).then(() => {
              if (message.method === "thread/goal/set") void server.closeWith({ reason: "server restarted" });
            });
          },
        });
        return client;
      };
      const codex = await ReconnectableCodex.open(await open(), open, {
        reconnect: { initialDelayMs: 1, maxAttempts: 3 },
      });
      try {
        const thread = await codex.threadStart();
        const goal = await thread.startGoal("goal");
        const error = await within(goal.run().catch((caught: unknown) => caught));
        expect(TransportClosedError.isInstance(error), String(error)).toBe(true);
      } finally {
        await codex.close();
      }
    },
  );
});

/** Exposes the protected constructor path with a transport the test can replace. */
class ReconnectableCodex extends Codex {
  static open(first: Transport, reopen: () => Promise<Transport>, options: CodexOptions): Promise<Codex> {
    return this.initializeOver(first, options, [], reopen);
  }
}

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
