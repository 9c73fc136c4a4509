// Per-turn server-request handlers in orderings the real server produces only sometimes: a
// request (and its item) arriving before the turn/start reply names the turn. Scripted server.
import { describe, expect, test } from "vitest";
import { startScripted } from "../support/scripted-server.js";
import { turnEvents as e } from "../support/wire.js";

const TIMEOUT = { timeout: 10_000 };
const THREAD = e.threadId;

const commandItem = (turnId: string) => ({
  method: "item/started",
  params: {
    threadId: THREAD,
    turnId,
    startedAtMs: 1,
    item: {
      type: "commandExecution",
      id: "call-1",
      command: "touch x",
      cwd: "/",
      processId: null,
      status: "inProgress",
      commandActions: [],
      aggregatedOutput: null,
      exitCode: null,
      durationMs: null,
    },
  },
});

describe("per-turn handlers before the turn/start reply", () => {
  test(
    "a request that arrives before its turn is named waits for the reply, then goes to that turn's handler",
    TIMEOUT,
    async () => {
      const connectionWide: string[] = [];
      let scripted: Promise<void> = Promise.resolve();
      await using t = await startScripted(
        (server) => {
          server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: THREAD } }));
          server.on("turn/start", (request, s) => {
            // The item and its approval request come first (no turn/started yet, which would name
            // the turn); the reply naming the turn after them.
            scripted = (async () => {
              const item = commandItem("turn-1");
              await s.notify(item.method, item.params);
              await s.send({
                id: 0,
                method: "item/commandExecution/requestApproval",
                params: { threadId: THREAD, turnId: "turn-1", itemId: "call-1", command: "touch x", cwd: "/" },
              });
              await new Promise((resolve) => setTimeout(resolve, 20));
              await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
            })();
          });
        },
        {
          serverRequests: {
            "item/commandExecution/requestApproval": () => {
              connectionWide.push("asked");
              return { decision: "decline" };
            },
          },
        },
      );
      const thread = await t.codex.threadStart();
      const items: unknown[] = [];
      const turn = await thread.turn("go", {
        serverRequests: {
          "item/commandExecution/requestApproval": (_params, context) => {
            items.push(context.item);
            return { decision: "accept" };
          },
        },
      });
      await scripted;
      await t.server.until(() => t.server.replies.length > 0);
      expect(t.server.replies[0]).toEqual({ id: 0, result: { decision: "accept" } });
      expect(connectionWide).toEqual([]);
      expect(items).toEqual([expect.objectContaining({ type: "commandExecution", id: "call-1" })]);
      await t.server.notify("turn/completed", e.completed(turn.id).params);
      await turn.run();
    },
  );

  test("a result JSON cannot encode sends the safe reply instead (and nothing hangs)", TIMEOUT, async () => {
    const warnings: string[] = [];
    await using t = await startScripted(() => {}, {
      logger: { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} },
      serverRequests: { "item/commandExecution/requestApproval": () => ({ decision: "accept", extra: 1n }) as never },
    });
    await t.server.send({
      id: 7,
      method: "item/commandExecution/requestApproval",
      params: { threadId: THREAD, turnId: "turn-x", itemId: "i", command: "ls", cwd: "/" },
    });
    await t.server.until(() => t.server.replies.length > 0);
    expect(t.server.replies[0]).toEqual({ id: 7, result: { decision: "decline" } });
    expect(warnings.some((warning) => /JSON cannot encode/.test(warning))).toBe(true);
  });
});
