// A consumer that stops reading a turn's stream for a while: the SDK keeps reading the server
// (other traffic goes on), holds the turn's events at a bounded cost per event, loses nothing,
// and releases everything once the turn is done and dropped.
import { describe, expect, it } from "vitest";
import { Codex } from "../../src/index.js";
import type { Notification, TurnHandle } from "../../src/index.js";
import { childPids } from "../support/processes.js";
import { scriptedPair } from "../support/scripted-server.js";
import { answerThreadsAndTurns, wireTurn } from "../support/wire.js";
import { heapAfterGc } from "./helpers.js";
import { slowWords, startRealServer } from "../support/real-server.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a consumer that stops reading", () => {
  it("bounded memory while paused, nothing lost on resume, nothing kept after release (in-memory server)", {
    timeout: 30_000,
  }, async () => {
    const COUNT = 50_000;
    const { clientEnd, server } = scriptedPair();
    server.answerInitialize();
    answerThreadsAndTurns(server);
    await using codex = await Codex.start({ transport: clientEnd });
    const baseline = heapAfterGc();
    let turn: TurnHandle | undefined = await (await codex.threadStart({})).turn("go");
    const threadId = turn.threadId;
    const turnId = turn.id;

    // The consumer reads one event, then stops.
    let iterator: AsyncIterator<Notification> | undefined = turn.stream()[Symbol.asyncIterator]();
    await server.send({ method: "turn/started", params: { threadId, turn: wireTurn(turnId) } });
    expect((await iterator.next()).value?.method).toBe("turn/started");

    // Meanwhile the server streams the whole turn, in pipe-sized chunks.
    let batch = "";
    for (let index = 0; index < COUNT; index += 1) {
      batch += `${JSON.stringify({ method: "item/agentMessage/delta", params: { threadId, turnId, itemId: "m", delta: `d${index} ` }, emittedAtMs: 1 })}\n`;
      if (batch.length > 60_000) {
        await server.sendRaw(batch);
        batch = "";
      }
    }
    batch += `${JSON.stringify({ method: "turn/completed", params: { threadId, turn: wireTurn(turnId, "completed") } })}\n`;
    await server.sendRaw(batch);
    await sleep(100);
    expect(turn.completed).toBe(true);

    // Paused with the whole turn held: the cost per held event is bounded (no per-event timers,
    // promises or copies piling up). A delta line is ~150 bytes on the wire.
    const held = heapAfterGc() - baseline;
    expect(held / COUNT).toBeLessThan(2_000);
    expect(held / COUNT).toBeGreaterThan(0); // the events are really held (the probe works)

    // Resume: every delta, in order, then the end.
    let next = 0;
    for (;;) {
      const step = await iterator!.next();
      if (step.done) break;
      if (step.value.method === "item/agentMessage/delta") {
        expect(step.value.params.delta).toBe(`d${next} `);
        next += 1;
      }
    }
    expect(next).toBe(COUNT);
    const result = await turn.run();
    expect(result.text.length).toBeGreaterThan(COUNT * 3);

    // Dropping the handle (and its finished iterator) releases the turn: the connection keeps nothing of it.
    turn = undefined;
    iterator = undefined;
    await sleep(10);
    const after = heapAfterGc() - baseline;
    expect(after).toBeLessThan(Math.max(4 * 1024 * 1024, held / 10));
  });

  it("a paused stream on a real app-server does not block other traffic, and loses nothing", {
    timeout: 40_000,
  }, async () => {
    await using server = await startRealServer({ environment: { streamIdleTimeoutMs: 20_000 } });
    const { codex } = server;
    const COUNT = 1_500;
    server.env.fakeModel.enqueue(slowWords(COUNT, 0));
    const slowThread = await codex.threadStart({});
    const turn = await slowThread.turn("stream a lot");
    const iterator = turn.stream()[Symbol.asyncIterator]();
    // Read until the first delta, then stop reading.
    for (;;) {
      const step = await iterator.next();
      if (step.done) throw new Error("ended early");
      if (step.value.method === "item/agentMessage/delta") break;
    }
    // While paused: other requests and a whole other turn go through.
    const models = await codex.models({});
    expect(models.data.length).toBeGreaterThan(0);
    server.env.fakeModel.enqueue(slowWords(3, 0));
    const other = await (await codex.threadStart({})).run("another turn");
    expect(other.status).toBe("completed");
    await sleep(1_000);
    // Resume: the rest of the deltas, in order.
    let count = 1;
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      if (step.value.method === "item/agentMessage/delta") {
        expect(step.value.params.delta).toBe(`w${count} `);
        count += 1;
      }
    }
    expect(count).toBe(COUNT);
    const result = await turn.run();
    expect(result.status).toBe("completed");
    expect(result.text).toBe(Array.from({ length: COUNT }, (_, i) => `w${i} `).join(""));
  });

  it("leaves no process behind", () => {
    expect(childPids()).toEqual([]);
  });
});
