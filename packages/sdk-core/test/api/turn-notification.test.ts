// The generator's turn and thread notification lists against the real app-server: everything a
// turn's stream yields is in them, and every notification that carries a turn id is a turn one.
import { reply } from "@codex/sdk-testing";
import { THREAD_NOTIFICATION_METHODS, TURN_NOTIFICATION_METHODS } from "@codex/protocol-types/experimental";
import { describe, expect, test } from "vitest";
import { isUnknownNotification, type Notification } from "../../src/index.js";
import { startRealServer } from "../support/real-server.js";
import { collect } from "../support/wait.js";

const turnMethods = new Set<string>(TURN_NOTIFICATION_METHODS);
const threadMethods = new Set<string>(THREAD_NOTIFICATION_METHODS);

describe("turn notification lists", () => {
  test("a turn's stream holds only turn and thread notifications; those naming a turn are turn ones", {
    timeout: 40_000,
  }, async () => {
    await using t = await startRealServer();
    const all: Notification[] = [];
    t.codex.client.onNotification("*", (notification) => all.push(notification));
    t.env.fakeModel.enqueue(
      reply.toolCall({ cmd: "echo listed", yieldTimeMs: 15_000 }),
      reply.text("It printed listed.", { usage: { inputTokens: 5, outputTokens: 2 } }),
    );
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("Run echo");
    const events = await collect(turn.stream());
    expect((await turn.run()).status).toBe("completed");

    const streamed = new Set(events.map((event) => String(event.method)));
    expect([...streamed].filter((method) => !turnMethods.has(method) && !threadMethods.has(method))).toEqual([]);
    for (const method of [
      "turn/started",
      "item/started",
      "item/completed",
      "item/agentMessage/delta",
      "thread/tokenUsage/updated",
      "turn/completed",
    ]) {
      expect(streamed.has(method)).toBe(true);
    }
    // On the whole connection: a notification whose params name a turn is in the turn list.
    const namingATurn = all.filter((notification) => {
      const params = notification.params as { turnId?: unknown; turn?: unknown } | null;
      return (
        !isUnknownNotification(notification) &&
        typeof params === "object" &&
        params !== null &&
        (typeof params.turnId === "string" || typeof params.turn === "object")
      );
    });
    expect(namingATurn.length).toBeGreaterThan(0);
    expect(
      namingATurn.map((notification) => String(notification.method)).filter((method) => !turnMethods.has(method)),
    ).toEqual([]);
    // Connection-wide notifications arrived too, and are in neither list.
    expect(all.some((notification) => notification.method === "account/rateLimits/updated")).toBe(true);
    expect(turnMethods.has("account/rateLimits/updated") || threadMethods.has("account/rateLimits/updated")).toBe(
      false,
    );
  });
});
