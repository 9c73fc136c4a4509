// Per-turn server-request handlers and in-progress items are let go of when a turn ends without
// turn/completed: its thread archived, deleted, unloaded or unsubscribed, or the connection lost.
import { describe, expect, test } from "vitest";
import { startReconnectable, startScripted } from "../support/scripted-server.js";
import { until } from "../support/wait.js";
import { turnEvents as e } from "../support/wire.js";

const TIMEOUT = { timeout: 15_000 };
const handlers = { "item/commandExecution/requestApproval": () => ({ decision: "accept" as const }) };
const itemStarted = (turnId: string) => ({
  threadId: "thread-1",
  turnId,
  startedAtMs: 1,
  item: { type: "agentMessage", id: "msg-1", text: "", phase: null },
});

describe("a turn that ends without turn/completed", () => {
  for (const [name, ending] of [
    ["thread/archived", { method: "thread/archived", params: { threadId: "thread-1" } }],
    ["thread/deleted", { method: "thread/deleted", params: { threadId: "thread-1" } }],
    [
      "thread/status/changed notLoaded",
      { method: "thread/status/changed", params: { threadId: "thread-1", status: { type: "notLoaded" } } },
    ],
  ] as const) {
    test(`${name}: its handlers and items are dropped`, TIMEOUT, async () => {
      await using t = await startScripted((server) => {
        server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
        server.on("turn/start", async (request, s) => {
          await s.reply(request.id, { turn: e.started("turn-1").params.turn });
          await s.notify("turn/started", e.started("turn-1").params);
          await s.notify("item/started", itemStarted("turn-1"));
          await s.notify(ending.method, ending.params);
        });
      });
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("hi", { serverRequests: handlers });
      await turn.run().catch(() => {});
      await until(() => t.codex.load.turns.turns === 0);
      expect(t.codex.load.serverRequestScope).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
    });
  }

  test("a turn that completes before its turn/start reply keeps no handlers", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
      server.on("turn/start", async (request, s) => {
        // A fast turn: every event, turn/completed included, arrives before the reply.
        await s.notify("turn/started", e.started("turn-1").params);
        await s.notify("turn/completed", e.completed("turn-1").params);
        await s.reply(request.id, { turn: e.started("turn-1").params.turn });
      });
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi", { serverRequests: handlers });
    expect((await turn.run()).status).toBe("completed");
    expect(t.codex.load.serverRequestScope).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
  });

  test("thread.unsubscribe(): its handlers and items are dropped", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
      server.on("thread/unsubscribe", (request, s) => s.reply(request.id, { status: "unsubscribed" }));
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: e.started("turn-1").params.turn });
        await s.notify("turn/started", e.started("turn-1").params);
        await s.notify("item/started", itemStarted("turn-1"));
      });
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi", { serverRequests: handlers });
    await until(() => t.codex.load.serverRequestScope.turnsWithItems === 1);
    await thread.unsubscribe();
    await turn.run().catch(() => {});
    expect(t.codex.load.serverRequestScope).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
  });

  test("a reconnect: every turn's handlers and items are dropped", TIMEOUT, async () => {
    await using t = await startReconnectable(
      (server) => {
        server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
        server.on("thread/resume", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
        server.on("turn/start", async (request, s) => {
          await s.reply(request.id, { turn: e.started("turn-1").params.turn });
          await s.send(e.started("turn-1"));
          await s.send({ method: "item/started", params: itemStarted("turn-1") });
        });
        server.on("*", (request, s) => s.reply(request.id, {}));
      },
      { reconnect: { initialDelayMs: 1, maxAttempts: 3 } },
    );
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi", { serverRequests: handlers });
    await until(() => t.codex.load.serverRequestScope.turnsWithItems === 1);
    await t.servers[0]!.closeWith({ reason: "server restarted" });
    await turn.run().catch(() => {});
    expect(t.codex.load.serverRequestScope).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
  });
});
