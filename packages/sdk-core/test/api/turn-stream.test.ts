// `TurnHandle.stream()` as an async iterator, against a scripted server: the calls a `for await`
// makes and the ones a hand-driven reader can make (several `next()` at once, `return()` or
// `throw()` while a `next()` waits), an early stop, and the errors that end a stream after the
// events it had received.
import { describe, expect, test } from "vitest";
import {
  AbortError,
  InterruptFailedError,
  InvalidInputError,
  TransportClosedError,
  TurnLostError,
  type Notification,
  type TurnHandle,
} from "../../src/index.js";
import { startScripted, type ScriptedServer } from "../support/scripted-server.js";
import { turnEvents as e, wireTurn } from "../support/wire.js";
import { collect, flush, within } from "../support/wait.js";

const TIMEOUT = { timeout: 10_000 };

/** Answers thread/start with thread-1 and turn/start with turn-1 (and its turn/started); the test sends the rest. */
function answerTurn(server: ScriptedServer): void {
  server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: "thread-1" } }));
  server.on("turn/start", async (request, s) => {
    await s.reply(request.id, { turn: wireTurn("turn-1") });
    await s.notify("turn/started", e.started("turn-1").params);
  });
}

async function send(server: ScriptedServer, events: { method: string; params: unknown }[]): Promise<void> {
  for (const event of events) await server.notify(event.method, event.params);
}

function deltaTexts(events: Notification[]): string[] {
  return events.flatMap((event) => (event.method === "item/agentMessage/delta" ? [event.params.delta] : []));
}

/** Reads `stream` until it ends or throws: the events read, and the error (undefined when it ended). */
async function readAll(stream: AsyncIterable<Notification>): Promise<{ events: Notification[]; error: unknown }> {
  const events: Notification[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

async function startTurn(record = true) {
  const t = await startScripted(answerTurn);
  const thread = await t.codex.threadStart();
  const turn: TurnHandle = await thread.turn("go", { record });
  return { t, turn };
}

describe("stream() as an iterator", () => {
  test("several next() calls made at once are answered in the order the events arrive", TIMEOUT, async () => {
    const { t, turn } = await startTurn();
    await using _ = t;
    const stream = turn.stream();
    expect((await stream.next()).value?.method).toBe("turn/started");
    const pending = [stream.next(), stream.next(), stream.next(), stream.next()];
    await send(t.server, [e.delta("turn-1", "a"), e.delta("turn-1", "b"), e.completed("turn-1")]);
    const results = await within(Promise.all(pending));
    expect(results).not.toBe("still pending");
    const [a, b, completed, end] = results as IteratorResult<Notification, void>[];
    expect(a).toMatchObject({ done: false, value: { method: "item/agentMessage/delta", params: { delta: "a" } } });
    expect(b).toMatchObject({ done: false, value: { method: "item/agentMessage/delta", params: { delta: "b" } } });
    expect(completed).toMatchObject({ done: false, value: { method: "turn/completed" } });
    expect(end).toEqual({ value: undefined, done: true });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  test("calls settle in the order they were made, also one made in an earlier one's callback", TIMEOUT, async () => {
    const { t, turn } = await startTurn();
    await using _ = t;
    const stream = turn.stream();
    expect((await stream.next()).value?.method).toBe("turn/started");
    const settled: string[] = [];
    const record = (name: string) => (result: IteratorResult<Notification, void>) => {
      settled.push(`${name}:${result.done ? "done" : deltaTexts([result.value]).join("")}`);
      return result;
    };
    let c: Promise<IteratorResult<Notification, void>> | undefined;
    const a = stream.next().then((result) => {
      // Made after a and b, with an event already waiting: it must still settle after b.
      c = stream.next().then(record("c"));
      return record("a")(result);
    });
    const b = stream.next().then(record("b"));
    await send(t.server, [e.delta("turn-1", "1"), e.delta("turn-1", "2"), e.delta("turn-1", "3")]);
    await within(Promise.all([a, b]));
    await within(c!);
    expect(settled).toEqual(["a:1", "b:2", "c:3"]);
  });

  test("is itself its async iterator, and starts on its first next()", TIMEOUT, async () => {
    const { t, turn } = await startTurn(false);
    await using _ = t;
    const stream = turn.stream();
    expect(stream[Symbol.asyncIterator]()).toBe(stream);
    // Never read: with record: false it does not count as the turn's one stream, and return()
    // before the first next() ends it without reading anything.
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await send(t.server, [e.delta("turn-1", "a"), e.completed("turn-1")]);
    const events = await collect(turn.stream());
    expect(events.map((event) => event.method)).toEqual(["turn/started", "item/agentMessage/delta", "turn/completed"]);
  });

  test("a record: false stream made before run() but first read after it is refused", TIMEOUT, async () => {
    const { t, turn } = await startTurn(false);
    await using _ = t;
    const stream = turn.stream();
    const running = turn.run();
    await send(t.server, [e.delta("turn-1", "a"), e.completed("turn-1")]);
    expect((await running).text).toBe("a");
    await expect(stream.next()).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});

describe("stopping a stream early", () => {
  test("break leaves the turn running; run() and a new stream() (record: true) see every event", TIMEOUT, async () => {
    const { t, turn } = await startTurn();
    await using _ = t;
    await send(t.server, [e.delta("turn-1", "a"), e.delta("turn-1", "b")]);
    const read: Notification[] = [];
    for await (const event of turn.stream()) {
      read.push(event);
      if (event.method === "item/agentMessage/delta") break;
    }
    expect(deltaTexts(read)).toEqual(["a"]);
    expect(turn.completed).toBe(false);
    expect(t.server.requests.map((request) => request.method)).not.toContain("turn/interrupt");
    await send(t.server, [e.delta("turn-1", "c"), e.completed("turn-1")]);
    expect((await turn.run()).text).toBe("abc");
    const replay = await collect(turn.stream());
    expect(deltaTexts(replay)).toEqual(["a", "b", "c"]);
    expect(replay.at(-1)?.method).toBe("turn/completed");
  });

  test(
    "record: false: after a break stream() is refused, and run() still returns the whole result",
    TIMEOUT,
    async () => {
      const { t, turn } = await startTurn(false);
      await using _ = t;
      await send(t.server, [e.delta("turn-1", "a"), e.delta("turn-1", "b")]);
      for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
      // Its one reader gone, the handle keeps nothing for it: not the events left, not later ones.
      expect(turn.load.events).toBe(0);
      await send(t.server, [e.delta("turn-1", "c"), e.completed("turn-1")]);
      expect(turn.load.events).toBe(0);
      expect((await turn.run()).text).toBe("abc");
      await expect(collect(turn.stream())).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
    },
  );

  test(
    "return() while a next() waits: the waiting next() gets the next event first, then the stream ends",
    TIMEOUT,
    async () => {
      const { t, turn } = await startTurn();
      await using _ = t;
      const stream = turn.stream();
      expect((await stream.next()).value?.method).toBe("turn/started");
      const order: string[] = [];
      const waiting = stream.next().then((result) => {
        order.push("next");
        return result;
      });
      const returned = stream.return().then((result) => {
        order.push("return");
        return result;
      });
      await flush();
      expect(order).toEqual([]);
      await send(t.server, [e.delta("turn-1", "a"), e.delta("turn-1", "b")]);
      expect(await within(waiting)).toMatchObject({ done: false, value: { params: { delta: "a" } } });
      expect(await within(returned)).toEqual({ value: undefined, done: true });
      expect(order).toEqual(["next", "return"]);
      expect(await stream.next()).toEqual({ value: undefined, done: true });
      // The turn goes on, and the other readers see all of it.
      await send(t.server, [e.completed("turn-1")]);
      expect(deltaTexts(await collect(turn.stream()))).toEqual(["a", "b"]);
    },
  );

  test("throw() ends the stream with the given error; a waiting next() is answered first", TIMEOUT, async () => {
    const { t, turn } = await startTurn();
    await using _ = t;
    const stream = turn.stream();
    expect((await stream.next()).value?.method).toBe("turn/started");
    const waiting = stream.next();
    const reason = new Error("reader gave up");
    const thrown = stream.throw(reason).catch((error: unknown) => error);
    await send(t.server, [e.delta("turn-1", "a")]);
    expect(await within(waiting)).toMatchObject({ done: false, value: { params: { delta: "a" } } });
    expect(await within(thrown)).toBe(reason);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(turn.completed).toBe(false);
  });

  test("return(value) and throw() on an ended stream behave as a generator's", TIMEOUT, async () => {
    const { t, turn } = await startTurn();
    await using _ = t;
    await send(t.server, [e.completed("turn-1")]);
    const stream = turn.stream();
    expect((await collect(stream)).map((event) => event.method)).toEqual(["turn/started", "turn/completed"]);
    expect(await stream.return(Promise.resolve())).toEqual({ value: undefined, done: true });
    const reason = new Error("late");
    await expect(stream.throw(reason)).rejects.toBe(reason);
  });
});

describe("errors after received events", () => {
  test(
    "TurnLostError comes after the events received before the thread was lost, then the stream is done",
    TIMEOUT,
    async () => {
      const { t, turn } = await startTurn();
      await using _ = t;
      await send(t.server, [e.delta("turn-1", "a"), e.delta("turn-1", "b")]);
      await t.server.notify("thread/closed", { threadId: "thread-1" });
      await expect(within(turn.run())).rejects.toSatisfy((error) => TurnLostError.isInstance(error));
      const stream = turn.stream();
      const { events, error } = await readAll(stream);
      expect(deltaTexts(events)).toEqual(["a", "b"]);
      expect(TurnLostError.isInstance(error), String(error)).toBe(true);
      expect(await stream.next()).toEqual({ value: undefined, done: true });
    },
  );

  test(
    "record: false: a stream ended by InterruptFailedError (the turn may still run) keeps no later events",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        answerTurn(server);
        server.on("turn/interrupt", (request, s) =>
          s.send({ id: request.id, error: { code: -32001, message: "Server overloaded; retry later." } }),
        );
      });
      const thread = await t.codex.threadStart();
      const controller = new AbortController();
      const turn = await thread.turn("go", { record: false, signal: controller.signal });
      const reading = readAll(turn.stream());
      controller.abort();
      const { error } = await reading;
      expect(InterruptFailedError.isInstance(error), String(error)).toBe(true);
      await send(t.server, [e.delta("turn-1", "a"), e.delta("turn-1", "b")]);
      expect(turn.load.events).toBe(0);
    },
  );

  test("a reader waiting for the next event gets TurnLostError (record: false)", TIMEOUT, async () => {
    const { t, turn } = await startTurn(false);
    await using _ = t;
    await send(t.server, [e.delta("turn-1", "a")]);
    const reading = readAll(turn.stream());
    await flush();
    await t.server.notify("thread/closed", { threadId: "thread-1" });
    const { events, error } = await reading;
    expect(deltaTexts(events)).toEqual(["a"]);
    expect(TurnLostError.isInstance(error), String(error)).toBe(true);
  });

  test("a lost connection ends a waiting reader with TransportClosedError after its events", TIMEOUT, async () => {
    const { t, turn } = await startTurn();
    await send(t.server, [e.delta("turn-1", "a")]);
    const reading = readAll(turn.stream());
    await flush();
    await t.server.end.closeWith({ exitCode: 1, stderrTail: "panic" });
    const { events, error } = await reading;
    expect(deltaTexts(events)).toEqual(["a"]);
    expect(TransportClosedError.isInstance(error), String(error)).toBe(true);
    await t.codex.close();
  });

  test(
    "an abort: the events that arrive while the interrupt is answered come first, then AbortError",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        answerTurn(server);
        server.on("turn/interrupt", async (request, s) => {
          await s.notify("item/agentMessage/delta", e.delta("turn-1", "late").params);
          await s.reply(request.id, {});
          await s.notify("turn/completed", e.completed("turn-1", "interrupted").params);
        });
      });
      const controller = new AbortController();
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("go", { signal: controller.signal });
      await send(t.server, [e.delta("turn-1", "a")]);
      const stream = turn.stream();
      const reading = readAll(stream);
      await flush();
      controller.abort();
      const { events, error } = await reading;
      expect(deltaTexts(events)).toEqual(["a", "late"]);
      expect(events.at(-1)?.method).toBe("turn/completed");
      expect(AbortError.isInstance(error), String(error)).toBe(true);
      expect(await stream.next()).toEqual({ value: undefined, done: true });
      // A reader that starts afterwards reads the whole record, then the same AbortError.
      const replay = await readAll(turn.stream());
      expect(replay.events).toEqual(events);
      expect(replay.error).toBe(error);
    },
  );
});
