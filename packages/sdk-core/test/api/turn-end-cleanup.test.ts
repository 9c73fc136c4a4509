// Per-turn server-request handlers and in-progress items are let go of when a turn ends without
// turn/completed: its thread archived, deleted, unloaded or unsubscribed, or the connection lost.
import { describe, expect, test } from "vitest";
import { Codex, GENERATED_FOR_CODEX_VERSION, type CodexOptions } from "../../src/index.js";
import { createInMemoryTransportPair, type InMemoryTransport, type Transport } from "../../src/rpc.js";
import { startScripted, turnEvents as e } from "./scripted-server.js";

const TIMEOUT = { timeout: 15_000 };
const handlers = { "item/commandExecution/requestApproval": () => ({ decision: "accept" as const }) };
const itemStarted = (turnId: string) => ({
  threadId: "thread-1",
  turnId,
  startedAtMs: 1,
  item: { type: "agentMessage", id: "msg-1", text: "", phase: null },
});

async function until(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 1_000 && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

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
            "turn/start": { turn: e.started("turn-1").params.turn },
          };
          void server.send({ id: message.id, result: results[message.method] ?? {} }).then(async () => {
            if (message.method !== "turn/start") return;
            await server.send(e.started("turn-1"));
            await server.send({ method: "item/started", params: itemStarted("turn-1") });
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
      const turn = await thread.turn("hi", { serverRequests: handlers });
      await until(() => codex.load.serverRequestScope.turnsWithItems === 1);
      await ends[0]!.closeWith({ reason: "server restarted" });
      await turn.run().catch(() => {});
      expect(codex.load.serverRequestScope).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
    } finally {
      await codex.close();
    }
  });
});

/** Exposes the protected constructor path with a transport the test can replace. */
class ReconnectableCodex extends Codex {
  static open(first: Transport, reopen: () => Promise<Transport>, options: CodexOptions): Promise<Codex> {
    return this.initializeOver(first, options, [], reopen);
  }
}
