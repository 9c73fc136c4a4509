// TurnRouter and TurnHandle together, without a server: the router hands a fully built handle the
// events it kept for the turn before the `turn/start` reply, then the later ones.
import type { Turn } from "@codex/protocol-types/experimental";
import { describe, expect, it } from "vitest";
import { openTurnHandle } from "../../src/api/turn-handle.js";
import { TurnRouter } from "../../src/api/turn-router.js";
import type { Notification } from "../../src/notification.js";
import type { AppServerClient } from "../../src/rpc/client.js";

const THREAD = "th";

function turn(id: string, status: Turn["status"] = "inProgress"): Turn {
  return { id, status, error: null, items: [] } as unknown as Turn;
}

const events = {
  started: (turnId: string) => ({ method: "turn/started", params: { threadId: THREAD, turn: turn(turnId) } }),
  delta: (turnId: string, delta: string) => ({
    method: "item/agentMessage/delta",
    params: { threadId: THREAD, turnId, itemId: "m", delta },
  }),
  completed: (turnId: string, status: Turn["status"] = "completed") => ({
    method: "turn/completed",
    params: { threadId: THREAD, turn: turn(turnId, status) },
  }),
  closed: () => ({ method: "thread/closed", params: { threadId: THREAD } }),
} satisfies Record<string, (...args: never[]) => { method: string; params: unknown }>;

/** A client that records the requests a handle sends (an aborted turn sends `turn/interrupt`) and answers `{}`. */
function recordingClient(): { client: AppServerClient; requests: string[] } {
  const requests: string[] = [];
  const client = {
    request: (method: string) => {
      requests.push(method);
      return Promise.resolve({});
    },
  } as unknown as AppServerClient;
  return { client, requests };
}

function route(router: TurnRouter, event: { method: string; params: unknown }): void {
  router.route(event as unknown as Notification);
}

describe("the router hands buffered events to a fully built handle", () => {
  it("replays what arrived before the turn/start reply, in order, then the later events", async () => {
    const router = new TurnRouter();
    const reservation = await router.reserve(THREAD);
    route(router, events.started("t1"));
    route(router, events.delta("t1", "a"));
    const { client } = recordingClient();
    const handle = openTurnHandle(reservation, { client, threadId: THREAD, turn: turn("t1") });
    expect(router.size).toMatchObject({ turns: 1, reservations: 0 });
    route(router, events.delta("t1", "b"));
    route(router, events.completed("t1"));
    const seen: string[] = [];
    for await (const event of handle.stream()) seen.push(String(event.method));
    expect(seen).toEqual(["turn/started", "item/agentMessage/delta", "item/agentMessage/delta", "turn/completed"]);
    expect((await handle.run()).text).toBe("ab");
    expect(router.size).toMatchObject({ turns: 0, lanes: 0 });
  });

  it("an already aborted signal does not interrupt a turn whose kept events include its turn/completed", async () => {
    const router = new TurnRouter();
    const reservation = await router.reserve(THREAD);
    route(router, events.started("t1"));
    route(router, events.delta("t1", "done"));
    route(router, events.completed("t1"));
    const { client, requests } = recordingClient();
    const handle = openTurnHandle(reservation, {
      client,
      threadId: THREAD,
      turn: turn("t1"),
      signal: AbortSignal.abort(),
    });
    expect(handle.completed).toBe(true);
    expect(await handle.run()).toMatchObject({ status: "completed", text: "done" });
    expect(requests).toEqual([]);
  });

  it("an already aborted signal interrupts a turn that has not completed", async () => {
    const router = new TurnRouter();
    const reservation = await router.reserve(THREAD);
    route(router, events.started("t1"));
    const { client, requests } = recordingClient();
    const handle = openTurnHandle(reservation, {
      client,
      threadId: THREAD,
      turn: turn("t1"),
      signal: AbortSignal.abort(),
    });
    const outcome = handle.run().catch((error: unknown) => error);
    expect(requests).toEqual(["turn/interrupt"]);
    route(router, events.completed("t1", "interrupted"));
    expect(await outcome).toMatchObject({ name: "AbortError" });
  });
});
