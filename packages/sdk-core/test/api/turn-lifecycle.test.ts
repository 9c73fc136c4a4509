// Every turn ends, and every abort tells the truth: against a scripted server, for the replies
// the real one gives only under load or by chance (-32001 to an interrupt, a late or lost
// turn/start reply, another client's turn).
import { describe, expect, test } from "vitest";
import {
  AbortError,
  InterruptFailedError,
  InvalidInputError,
  ServerBusyError,
  TimeoutError,
  TurnLostError,
  type Notification,
} from "../../src/index.js";
import type { ClientInstrumentation } from "../../src/rpc.js";
import { startScripted, type ReceivedRequest, type ScriptedServer } from "../support/scripted-server.js";
import { turnEvents as e } from "../support/wire.js";
import { collect, until, within } from "../support/wait.js";

const TIMEOUT = { timeout: 15_000 };
const wireTurn = (id: string) => ({
  id,
  items: [],
  status: "inProgress",
  error: null,
  startedAt: 1,
  completedAt: null,
  durationMs: null,
});

function threadStartReplies(server: ScriptedServer): void {
  server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
}

/** Answers `turn/start` with turn-1, turn-2, ... and sends its turn/started; completes nothing. */
function startTurns(server: ScriptedServer): string[] {
  const ids: string[] = [];
  server.on("turn/start", async (request, s) => {
    const id = `turn-${ids.length + 1}`;
    ids.push(id);
    await s.reply(request.id, { turn: wireTurn(id) });
    // A test may close the client as soon as it has its handle.
    await s.notify("turn/started", e.started(id).params).catch(() => {});
  });
  return ids;
}

function replyError(server: ScriptedServer, request: ReceivedRequest, code: number, message: string): Promise<void> {
  return server.send({ id: request.id, error: { code, message } });
}

describe("abort tells the truth", () => {
  test(
    "an interrupt answered -32001 is sent again, and AbortError comes once the server accepted it",
    TIMEOUT,
    async () => {
      let interrupts = 0;
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        startTurns(server);
        server.on("turn/interrupt", async (request, s) => {
          interrupts++;
          if (interrupts < 3) return replyError(s, request, -32001, "Server overloaded; retry later.");
          await s.reply(request.id, {});
          await s.notify("turn/completed", e.completed("turn-1", "interrupted").params);
        });
      });
      const thread = await t.codex.threadStart();
      const controller = new AbortController();
      const turn = await thread.turn("hi", { signal: controller.signal });
      controller.abort();
      const error = await turn.run().catch((caught: unknown) => caught);
      expect(AbortError.isInstance(error), String(error)).toBe(true);
      expect(interrupts).toBe(3);
    },
  );

  test(
    "an interrupt the server keeps refusing ends in InterruptFailedError with its reply as cause: the turn may still run",
    TIMEOUT,
    async () => {
      let interrupts = 0;
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        startTurns(server);
        server.on("turn/interrupt", (request, s) => {
          interrupts++;
          return replyError(s, request, -32001, "Server overloaded; retry later.");
        });
      });
      const thread = await t.codex.threadStart();
      const controller = new AbortController();
      const turn = await thread.turn("hi", { signal: controller.signal });
      controller.abort();
      const error = await turn.run().catch((caught: unknown) => caught);
      expect(InterruptFailedError.isInstance(error), String(error)).toBe(true);
      expect(AbortError.isInstance(error)).toBe(false);
      expect(ServerBusyError.isInstance((error as Error).cause)).toBe(true);
      expect(interrupts).toBeGreaterThan(1);
      expect(turn.completed).toBe(false);
    },
  );

  test("an abort that fires after turn/completed returns the finished result", TIMEOUT, async () => {
    const controller = new AbortController();
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        // The whole turn arrives first (its turn/started is left out, so the reply is what
        // names the turn); the abort fires before the reply.
        await s.notify("item/completed", e.agentMessage("turn-1", "done").params);
        await s.notify("turn/completed", e.completed("turn-1").params);
        setTimeout(() => {
          controller.abort();
          void s.reply(request.id, { turn: wireTurn("turn-1") });
        }, 20);
      });
    });
    const thread = await t.codex.threadStart();
    const result = await thread.run("hi", { signal: controller.signal });
    expect(result).toMatchObject({ id: "turn-1", status: "completed", finalResponse: "done" });
  });
});

describe("turn/start", () => {
  test("answered after requestTimeoutMs: the turn is returned, not a TimeoutError", TIMEOUT, async () => {
    await using t = await startScripted(
      (server) => {
        threadStartReplies(server);
        server.on("turn/start", (request, s) => {
          setTimeout(
            () =>
              void s
                .reply(request.id, { turn: wireTurn("turn-1") })
                .then(() => s.notify("turn/completed", e.completed("turn-1").params)),
            1200,
          );
        });
      },
      { requestTimeoutMs: 400 },
    );
    const thread = await t.codex.threadStart();
    const outcome = await thread.run("hi").catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(outcome), String(outcome)).toBe(false);
    expect(outcome).toMatchObject({ id: "turn-1", status: "completed" });
  });

  test("a lost reply is recovered from the thread's turn/started, and its request slot is freed", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (_request, s) => {
        // No reply, ever.
        await s.notify("turn/started", e.started("turn-7").params);
        await s.notify("item/agentMessage/delta", e.delta("turn-7", "hello").params);
        await s.notify("turn/completed", e.completed("turn-7").params);
      });
    });
    const thread = await t.codex.threadStart();
    const result = await within(thread.run("hi"));
    expect(result).toMatchObject({ id: "turn-7", status: "completed", text: "hello" });
    expect(t.codex.load).toMatchObject({ pending: 0, inFlight: 0, turns: { turns: 0, reservations: 0, lanes: 0 } });
  });
});

describe("one turn per thread from this client", () => {
  test(
    "a second thread.turn() waits until the first has completed, and an abort ends the wait with nothing sent",
    TIMEOUT,
    async () => {
      let server!: ScriptedServer;
      await using t = await startScripted((s) => {
        server = s;
        threadStartReplies(s);
        startTurns(s);
      });
      const thread = await t.codex.threadStart();
      const first = await thread.turn("one");
      const controller = new AbortController();
      const waiting = thread.turn("two", { signal: controller.signal });
      const second = thread.turn("three");
      // Both calls wait for the first turn's thread.
      await until(() => t.codex.load.turns.waiting === 2);
      expect(server.requests.filter((r) => r.method === "turn/start")).toHaveLength(1);
      controller.abort();
      await expect(waiting).rejects.toSatisfy((error) => AbortError.isInstance(error));
      await server.notify("turn/completed", e.completed(first.id).params);
      const handle = await second;
      expect(handle.id).toBe("turn-2");
      expect(
        server.requests
          .filter((r) => r.method === "turn/start")
          .map((r) => (r.params["input"] as { text: string }[])[0]?.text),
      ).toEqual(["one", "three"]);
      await server.notify("turn/completed", e.completed("turn-2").params);
      await handle.run();
      expect(t.codex.load.turns).toMatchObject({ turns: 0, reservations: 0, lanes: 0 });
    },
  );

  test("input the server adds to another client's running turn is reported: turn.steered", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: wireTurn("other-turn") });
        await s.notify("turn/completed", e.completed("other-turn").params);
      });
    });
    const thread = await t.codex.threadStart();
    // Another client's turn is running on the thread.
    await t.server.notify("turn/started", e.started("other-turn").params);
    await until(() => t.codex.load.turns.running === 1);
    const turn = await thread.turn("mine too");
    expect(turn.steered).toBe(true);
    expect(turn.id).toBe("other-turn");
    await turn.run();
  });

  test("a turn of its own is not steered", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      startTurns(server);
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    expect(turn.steered).toBe(false);
    await t.server.notify("turn/completed", e.completed(turn.id).params);
    await turn.run();
  });
});

describe("a turn always ends", () => {
  test("thread/closed during a turn: run() and stream() reject with TurnLostError", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      startTurns(server);
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    await t.server.notify("thread/closed", { threadId: "thread-1" });
    const error = await within(turn.run().catch((caught: unknown) => caught));
    expect(TurnLostError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({ threadId: "thread-1", turnId: "turn-1" });
    await expect(collect(turn.stream())).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
    // The thread is free for the next turn.
    const next = await within(thread.turn("again"));
    expect(next).toMatchObject({ id: "turn-2" });
  });

  test("thread.unsubscribe() during a turn ends it with TurnLostError", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      startTurns(server);
      server.on("thread/unsubscribe", (request, s) => s.reply(request.id, { status: "unsubscribed" }));
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    await expect(thread.unsubscribe()).resolves.toBe("unsubscribed");
    await expect(within(turn.run())).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
  });

  test("a thread/unsubscribe sent on codex.client directly ends the turn too", TIMEOUT, async () => {
    const seen: string[] = [];
    const instrumentation: ClientInstrumentation = {
      request(method) {
        seen.push(`request ${method}`);
        return { end: (outcome) => seen.push(`end ${method} ${outcome.ok}`) };
      },
    };
    await using t = await startScripted(
      (server) => {
        threadStartReplies(server);
        startTurns(server);
        server.on("thread/unsubscribe", (request, s) => s.reply(request.id, { status: "unsubscribed" }));
      },
      { instrumentation },
    );
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    await t.codex.client.request("thread/unsubscribe", { threadId: thread.id });
    await expect(within(turn.run())).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
    // The user's instrumentation still sees the request and its end.
    expect(seen).toContain("request thread/unsubscribe");
    expect(seen).toContain("end thread/unsubscribe true");
  });

  test(
    "a thread/unsubscribe that times out ends the turn too: the server may have carried it out",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        startTurns(server);
        server.on("thread/unsubscribe", () => {}); // never answered
      });
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("hi");
      const error = await t.codex.client
        .request("thread/unsubscribe", { threadId: thread.id }, { timeoutMs: 50 })
        .catch((caught: unknown) => caught);
      expect(TimeoutError.isInstance(error), String(error)).toBe(true);
      await expect(within(turn.run())).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
    },
  );

  test("codex.threadArchive() during a turn ends it with TurnLostError", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      startTurns(server);
      server.on("thread/archive", (request, s) => s.reply(request.id, {}));
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("hi");
    await t.codex.threadArchive(thread.id);
    await expect(within(turn.run())).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
  });

  test(
    "thread/status/changed to notLoaded (an unloaded thread) ends its live turn with TurnLostError",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        startTurns(server);
      });
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("hi");
      await t.server.notify("thread/status/changed", { threadId: "thread-1", status: { type: "idle" } });
      await t.server.notify("thread/status/changed", { threadId: "thread-1", status: { type: "notLoaded" } });
      await expect(within(turn.run())).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
    },
  );

  test("thread/archived and thread/deleted from the server end a live turn with TurnLostError", TIMEOUT, async () => {
    for (const method of ["thread/archived", "thread/deleted"]) {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        startTurns(server);
      });
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("hi");
      await t.server.notify(method, { threadId: "thread-1" });
      await expect(within(turn.run()), method).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
    }
  });

  test("a thread lost while turn/start is unanswered ends that thread.turn() with TurnLostError", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", () => {});
    });
    const thread = await t.codex.threadStart();
    const pending = thread.turn("hi");
    await t.server.request("turn/start");
    await t.server.notify("thread/closed", { threadId: "thread-1" });
    await expect(within(pending)).rejects.toSatisfy((caught) => TurnLostError.isInstance(caught));
  });
});

describe("TurnOptions.record", () => {
  async function deltaTurn(record: boolean) {
    const t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: wireTurn("turn-1") });
        await s.notify("turn/started", e.started("turn-1").params);
        for (let index = 0; index < 50; index++)
          await s.notify("item/agentMessage/delta", e.delta("turn-1", `${index},`).params);
        await s.notify("item/completed", e.agentMessage("turn-1", "fifty").params);
        await s.notify("turn/completed", e.completed("turn-1").params);
      });
    });
    const thread = await t.codex.threadStart();
    return { t, turn: await thread.turn("go", { record }) };
  }

  test("record: false streams every event once, and run() still returns the whole result", TIMEOUT, async () => {
    const { t, turn } = await deltaTurn(false);
    await using _ = t;
    const events: Notification[] = await collect(turn.stream());
    expect(events.filter((n) => n.method === "item/agentMessage/delta")).toHaveLength(50);
    expect(events.at(-1)?.method).toBe("turn/completed");
    const result = await turn.run();
    expect(result.text.split(",")).toHaveLength(51);
    expect(result.finalResponse).toBe("fifty");
    await expect(collect(turn.stream())).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
  });

  test(
    "record: false and run() without stream(): the result is whole, and stream() afterwards is refused",
    TIMEOUT,
    async () => {
      const { t, turn } = await deltaTurn(false);
      await using _ = t;
      const result = await turn.run();
      expect(result.finalResponse).toBe("fifty");
      await expect(collect(turn.stream())).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
    },
  );

  test("record: true (the default) replays the turn on every stream()", TIMEOUT, async () => {
    const { t, turn } = await deltaTurn(true);
    await using _ = t;
    await turn.run();
    const first = await collect(turn.stream());
    const second = await collect(turn.stream());
    expect(second).toEqual(first);
  });
});
