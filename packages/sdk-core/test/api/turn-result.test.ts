// buildTurnResult: a completion still marked inProgress is reported as a failure that says so; a
// long turn's text is whole; a recorded turn replays events whose params cannot be changed.
import type { Turn } from "@codex/protocol-types/experimental";
import { describe, expect, it } from "vitest";
import { openTurnHandle } from "../../src/api/turn-handle.js";
import { buildTurnResult } from "../../src/api/turn-result.js";
import { TurnRouter } from "../../src/api/turn-router.js";
import type { Notification } from "../../src/notification.js";
import type { AppServerClient } from "../../src/rpc/client.js";

describe("buildTurnResult", () => {
  it("keeps the terminal status of turn/completed", () => {
    const turn = { id: "t1", status: "interrupted", error: null, items: [] } as unknown as Turn;
    expect(buildTurnResult("th", turn, [])).toMatchObject({ status: "interrupted", error: null });
  });

  it("never reports inProgress for a finished turn", () => {
    const turn = { id: "t1", status: "inProgress", error: null, items: [] } as unknown as Turn;
    const result = buildTurnResult("th", turn, []);
    expect(result.status).toBe("failed");
    expect(result.error?.message).toContain("inProgress");
  });
});

describe("TurnResultBuilder", () => {
  it("joins every delta of a long turn in arrival order (across the runs it joins as it goes)", () => {
    const turn = { id: "t1", status: "completed", error: null, items: [] } as unknown as Turn;
    const deltas = Array.from({ length: 1000 }, (_, index) => `w${index} `);
    const events = deltas.map((delta) => ({
      method: "item/agentMessage/delta",
      params: { threadId: "th", turnId: "t1", itemId: "m", delta },
    })) as unknown as Notification[];
    expect(buildTurnResult("th", turn, events).text).toBe(deltas.join(""));
    expect(buildTurnResult("th", turn, events.slice(0, 256)).text).toBe(deltas.slice(0, 256).join(""));
    expect(buildTurnResult("th", turn, events.slice(0, 257)).text).toBe(deltas.slice(0, 257).join(""));
  });
});

describe("TurnHandle's record", () => {
  it("records and replays events whose params are frozen, ids and all", async () => {
    const router = new TurnRouter();
    const handle = openTurnHandle(await router.reserve("th"), {
      client: {} as AppServerClient,
      threadId: "th",
      turn: { id: "t1", status: "inProgress", error: null, items: [] } as unknown as Turn,
    });
    const freeze = (event: { method: string; params: object }) =>
      Object.freeze({ ...event, params: Object.freeze(event.params) }) as unknown as Notification;
    router.route(
      freeze({ method: "item/agentMessage/delta", params: { threadId: "th", turnId: "t1", itemId: "m", delta: "a" } }),
    );
    router.route(
      freeze({
        method: "item/agentMessage/delta",
        params: { threadId: `${"t"}h`, turnId: `t${1}`, itemId: "m", delta: "b" },
      }),
    );
    router.route(
      freeze({
        method: "turn/completed",
        params: { threadId: "th", turn: { id: "t1", status: "completed", error: null, items: [] } },
      }),
    );
    const seen: Notification[] = [];
    for await (const event of handle.stream()) seen.push(event);
    expect(seen.map((event) => (event.params as { threadId: string }).threadId)).toEqual(["th", "th", "th"]);
    expect(seen.map((event) => (event.params as { turnId?: string }).turnId)).toEqual(["t1", "t1", undefined]);
    expect((await handle.run()).text).toBe("ab");
  });
});
