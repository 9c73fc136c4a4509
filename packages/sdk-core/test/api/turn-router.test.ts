// TurnRouter and TurnHandle together, without a server: the router hands a fully built handle the
// events it kept for the turn before the `turn/start` reply, then the later ones.
import type { Turn } from "@codex/protocol-types/experimental";
import { describe, expect, it } from "vitest";
import { openTurnHandle } from "../../src/api/turn-handle.js";
import { type TurnEnd, TurnRouter } from "../../src/api/turn-router.js";
import { TransportClosedError, TurnLostError } from "../../src/errors.js";
import type { Notification } from "../../src/notification.js";
import type { AppServerClient } from "../../src/rpc/client.js";
import { turnEvents, wireTurn } from "../support/wire.js";

const THREAD = turnEvents.threadId;

const turn = (id: string, status: Turn["status"] = "inProgress"): Turn => wireTurn(id, status) as Turn;

const events = {
  started: (turnId: string) => turnEvents.started(turnId),
  delta: (turnId: string, delta: string) => turnEvents.delta(turnId, delta),
  completed: (turnId: string, status: Turn["status"] = "completed") => turnEvents.completed(turnId, status),
  closed: () => ({ method: "thread/closed", params: { threadId: THREAD } }),
};

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

describe("one place knows a turn has ended", () => {
  /** A router with a handle on turn t1 of THREAD, and the ends it announced. */
  async function routedTurn() {
    const router = new TurnRouter();
    const ends: TurnEnd[] = [];
    router.onTurnEnd((end) => ends.push(end));
    const reservation = await router.reserve(THREAD);
    route(router, events.started("t1"));
    const handle = openTurnHandle(reservation, {
      client: recordingClient().client,
      threadId: THREAD,
      turn: turn("t1"),
    });
    const outcome = handle.run().then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    return { router, ends, handle, outcome };
  }

  it("turn/completed: the handle resolves, the thread is free, and the turn's end is announced", async () => {
    const { router, ends, handle, outcome } = await routedTurn();
    route(router, events.delta("t1", "x"));
    route(router, events.completed("t1"));
    expect(handle.completed).toBe(true);
    expect((await outcome).result).toMatchObject({ status: "completed", text: "x" });
    expect(ends).toEqual([{ threadId: THREAD, turnId: "t1", error: undefined }]);
    expect(router.size).toEqual({ turns: 0, reservations: 0, lanes: 0, waiting: 0, running: 0 });
  });

  it("thread/closed: the handle rejects with TurnLostError, and the thread's end is announced", async () => {
    const { router, ends, outcome } = await routedTurn();
    route(router, events.closed());
    const { error } = await outcome;
    expect(TurnLostError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ threadId: THREAD, turnId: "t1" });
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ threadId: THREAD, turnId: undefined });
    expect(TurnLostError.isInstance(ends[0]!.error)).toBe(true);
    expect(router.size).toEqual({ turns: 0, reservations: 0, lanes: 0, waiting: 0, running: 0 });
  });

  it("the connection ends (the process exited): the handle rejects with its error, announced once", async () => {
    const { router, ends, outcome } = await routedTurn();
    const closed = new TransportClosedError({ exitCode: 1, signal: null, stderrTail: "", reason: "exited" });
    router.fail(closed);
    expect((await outcome).error).toBe(closed);
    expect(ends).toEqual([{ threadId: undefined, turnId: undefined, error: closed }]);
    await expect(router.reserve(THREAD)).rejects.toBe(closed);
  });

  it("the connection is reopened: the handle rejects, and the thread takes the next turn", async () => {
    const { router, ends, outcome } = await routedTurn();
    const lost = new TransportClosedError({ reason: "the connection was lost; reconnecting" });
    router.interrupt(lost);
    expect((await outcome).error).toBe(lost);
    expect(ends).toEqual([{ threadId: undefined, turnId: undefined, error: lost }]);
    const next = await router.reserve(THREAD);
    next.release();
    expect(router.size.lanes).toBe(0);
  });

  it("a turn this client does not follow (another client's) is announced when it completes", () => {
    const router = new TurnRouter();
    const ends: TurnEnd[] = [];
    router.onTurnEnd((end) => ends.push(end));
    route(router, events.started("other"));
    expect(router.size.running).toBe(1);
    route(router, events.completed("other"));
    expect(ends).toEqual([{ threadId: THREAD, turnId: "other", error: undefined }]);
    expect(router.size.running).toBe(0);
  });

  it("a turn whose kept events hold its turn/completed ends once, completed, even if the thread was lost meanwhile", async () => {
    const router = new TurnRouter();
    const ends: TurnEnd[] = [];
    router.onTurnEnd((end) => ends.push(end));
    const reservation = await router.reserve(THREAD);
    route(router, events.started("t1"));
    route(router, events.completed("t1"));
    route(router, events.closed());
    const handle = openTurnHandle(reservation, {
      client: recordingClient().client,
      threadId: THREAD,
      turn: turn("t1"),
    });
    expect(await handle.run()).toMatchObject({ status: "completed" });
    expect(ends.map((end) => end.turnId)).toEqual(["t1", undefined]);
    expect(router.size).toEqual({ turns: 0, reservations: 0, lanes: 0, waiting: 0, running: 0 });
  });
});
