// The app-server dies (kill -9) in the middle of a turn: everything waiting on it fails fast with
// TransportClosedError (exit signal included), nothing hangs, and no process is left behind.
import { afterEach, describe, expect, it } from "vitest";
import { JsonRpcError, TransportClosedError } from "../../src/index.js";
import type { Notification } from "../../src/index.js";
import { childPids, isProcessAlive } from "../support/processes.js";
import { until } from "../support/wait.js";
import { slowWords, startRealServer } from "../support/real-server.js";

afterEach(() => {
  // Whatever a test did, it must not leave an app-server running.
  expect(childPids()).toEqual([]);
});

describe("kill -9 mid-turn", () => {
  it("fails the running turn, its stream, pending and later requests with TransportClosedError", {
    timeout: 30_000,
  }, async () => {
    await using server = await startRealServer({ environment: { streamIdleTimeoutMs: 20_000 } });
    const { codex, pid } = server;
    server.env.fakeModel.enqueue(slowWords(200, 25));
    const thread = await codex.threadStart({});
    const turn = await thread.turn("stream slowly");

    // Read the stream until deltas flow, then kill the server mid-stream.
    const seen: Notification[] = [];
    const iterator = turn.stream()[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw new Error("the turn ended before the kill");
      seen.push(next.value);
      if (next.value.method === "item/agentMessage/delta") break;
    }
    const running = turn.run();
    const runOutcome = running.then(
      () => undefined,
      (error: unknown) => error,
    );
    process.kill(pid, "SIGKILL");

    const error = await runOutcome;
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect((error as TransportClosedError).signal).toBe("SIGKILL");

    // The stream that was being read ends with the same error (after anything still recorded).
    let streamError: unknown;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        expect(next.value.method).not.toBe("turn/completed");
      }
    } catch (caught) {
      streamError = caught;
    }
    expect(TransportClosedError.isInstance(streamError)).toBe(true);

    // A fresh replay of the stream fails too, after replaying what was recorded.
    const replayed: string[] = [];
    await expect(
      (async () => {
        for await (const n of turn.stream()) replayed.push(String(n.method));
      })(),
    ).rejects.toSatisfy((e: unknown) => TransportClosedError.isInstance(e));
    expect(replayed.slice(0, seen.length)).toEqual(seen.map((n) => n.method));

    const closed = await codex.client.closed;
    expect(closed.signal).toBe("SIGKILL");
    expect(codex.client.isClosed).toBe(true);

    // Later calls fail at once instead of hanging.
    await expect(codex.threadStart({})).rejects.toSatisfy((e: unknown) => TransportClosedError.isInstance(e));
    await expect(thread.run("again")).rejects.toSatisfy((e: unknown) => TransportClosedError.isInstance(e));

    // close() after the crash resolves, and is idempotent.
    await codex.close();
    await codex.close();
    await until(() => !isProcessAlive(pid), { timeoutMs: 5_000, what: "the killed app-server to be reaped" });
  });

  it("settles every request in flight when the server dies: answered, or TransportClosedError; the turn rejects", {
    timeout: 30_000,
  }, async () => {
    await using server = await startRealServer({ environment: { streamIdleTimeoutMs: 20_000 } });
    const { codex, pid } = server;
    server.env.fakeModel.enqueue(slowWords(400, 25));
    const thread = await codex.threadStart({});
    const turn = await thread.turn("stream slowly");
    // Several requests in flight at once; whichever are unanswered when the kill lands must reject.
    // One the server answered first may be an error reply (it can refuse `includeTurns` while the
    // thread's first turn is still being written): answered all the same.
    const inFlight = Array.from({ length: 8 }, () =>
      codex.client.request("thread/read", { threadId: thread.id, includeTurns: true }).then(
        () => "answered" as const,
        (error: unknown) =>
          TransportClosedError.isInstance(error)
            ? ("closed" as const)
            : JsonRpcError.isInstance(error)
              ? ("answered" as const)
              : error,
      ),
    );
    process.kill(pid, "SIGKILL");
    const outcomes = await Promise.all(inFlight);
    for (const outcome of outcomes) expect(["answered", "closed"]).toContain(outcome);
    await expect(turn.run()).rejects.toSatisfy((e: unknown) => TransportClosedError.isInstance(e));
    await until(() => !isProcessAlive(pid), { timeoutMs: 5_000, what: "the killed app-server to be reaped" });
  });
});
