// Turns against the real app-server and the fake model.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { reply } from "@codex/sdk-testing";
import { describe, expect, test } from "vitest";
import { AbortError, InvalidInputError, type Notification } from "../../src/index.js";
import { startRealServer } from "../support/real-server.js";
import { collect } from "../support/wait.js";

const TIMEOUT = { timeout: 30_000 };

function deltas(events: Notification[]): string[] {
  return events.flatMap((event) => (event.method === "item/agentMessage/delta" ? [event.params.delta] : []));
}

describe("turns on the real app-server", () => {
  test("a text turn: finalResponse, text from the deltas, usage, timings", TIMEOUT, async () => {
    await using t = await startRealServer();
    t.env.fakeModel.enqueue(
      reply.text("Hello from the fake!", {
        chunks: ["Hello ", "from ", "the fake!"],
        usage: { inputTokens: 321, outputTokens: 12, cachedInputTokens: 20, reasoningOutputTokens: 3 },
      }),
    );
    const thread = await t.codex.threadStart();
    const result = await thread.run("Say hello");
    expect(result.status).toBe("completed");
    expect(result.error).toBeNull();
    expect(result.threadId).toBe(thread.id);
    expect(result.text).toBe("Hello from the fake!");
    expect(result.finalResponse).toBe("Hello from the fake!");
    expect(result.items.map((item) => item.type)).toEqual(["userMessage", "agentMessage"]);
    expect(result.usage?.last).toMatchObject({
      inputTokens: 321,
      outputTokens: 12,
      cachedInputTokens: 20,
      reasoningOutputTokens: 3,
    });
    expect(result.startedAt).toEqual(expect.any(Number));
    expect(result.completedAt).toEqual(expect.any(Number));
    expect(result.completedAt! >= result.startedAt!).toBe(true);
    expect(result.durationMs).toEqual(expect.any(Number));
    expect(t.env.fakeModel.requests[0]?.prompt).toBe("Say hello");
  });

  test("deltas stream in order, and the stream ends with turn/completed", TIMEOUT, async () => {
    await using t = await startRealServer();
    const chunks = Array.from({ length: 20 }, (_, i) => `c${i} `);
    t.env.fakeModel.enqueue(reply.text(chunks.join(""), { chunks, delayMs: 5 }));
    const turn = await (await t.codex.threadStart()).turn("Count");
    const events = await collect(turn.stream());
    expect(deltas(events)).toEqual(chunks);
    expect(events.at(-1)?.method).toBe("turn/completed");
    const completedIndex = events.findIndex(
      (event) => event.method === "item/completed" && event.params.item.type === "agentMessage",
    );
    const lastDelta = events.findLastIndex((event) => event.method === "item/agentMessage/delta");
    expect(completedIndex).toBeGreaterThan(lastDelta);
    expect((await turn.run()).text).toBe(chunks.join(""));
  });

  test("8 turns on 8 threads at once: each handle sees only its own events", { timeout: 60_000 }, async () => {
    await using t = await startRealServer();
    const threads = await Promise.all(Array.from({ length: 8 }, () => t.codex.threadStart()));
    threads.forEach((thread, i) => {
      const words = Array.from({ length: 6 }, (_, w) => `t${i}w${w} `);
      t.env.fakeModel.enqueueFor({ threadId: thread.id }, reply.text(words.join(""), { chunks: words, delayMs: 10 }));
    });
    const turns = await Promise.all(threads.map((thread, i) => thread.turn(`Thread ${i}`)));
    const streams = await Promise.all(turns.map((turn) => collect(turn.stream())));
    const results = await Promise.all(turns.map((turn) => turn.run()));
    turns.forEach((turn, i) => {
      const expected = Array.from({ length: 6 }, (_, w) => `t${i}w${w} `);
      expect(results[i]?.status).toBe("completed");
      expect(results[i]?.text).toBe(expected.join(""));
      expect(deltas(streams[i]!)).toEqual(expected);
      for (const event of streams[i]!) {
        const params = event.params as { threadId?: string; turnId?: string; turn?: { id: string } };
        expect(params.threadId).toBe(turn.threadId);
        const turnId = params.turnId ?? params.turn?.id;
        if (turnId !== undefined) expect(turnId).toBe(turn.id);
      }
      expect(streams[i]!.filter((event) => event.method === "turn/completed")).toHaveLength(1);
    });
  });

  test("steer adds input to the running turn", TIMEOUT, async () => {
    await using t = await startRealServer({ environment: { streamIdleTimeoutMs: 10_000 } });
    const fake = t.env.fakeModel;
    fake.enqueue(reply.slow("Working on it, step by step, slowly.", { delayMs: 150 }), reply.text("Also did X."));
    const turn = await (await t.codex.threadStart()).turn("Do the thing");
    for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
    await turn.steer("also do X");
    const result = await turn.run();
    expect(result.status).toBe("completed");
    expect(fake.requests.map((request) => request.prompt)).toContain("also do X");
    const userTexts = result.items.flatMap((item) =>
      item.type === "userMessage" ? item.content.flatMap((part) => (part.type === "text" ? [part.text] : [])) : [],
    );
    expect(userTexts).toEqual(["Do the thing", "also do X"]);
  });

  test("interrupt() mid-stream gives status interrupted", TIMEOUT, async () => {
    await using t = await startRealServer({ environment: { streamIdleTimeoutMs: 10_000 } });
    t.env.fakeModel.enqueue(reply.hang({ partialText: "Starting" }));
    const turn = await (await t.codex.threadStart()).turn("Take your time");
    for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
    await turn.interrupt();
    const result = await turn.run();
    expect(result.status).toBe("interrupted");
    expect(result.text).toBe("Starting");
  });

  test("a turn's AbortSignal interrupts it on the server and rejects with AbortError", TIMEOUT, async () => {
    await using t = await startRealServer({ environment: { streamIdleTimeoutMs: 10_000 } });
    t.env.fakeModel.enqueue(reply.hang({ partialText: "Starting" }), reply.text("Next turn works."));
    const thread = await t.codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn("Take your time", { signal: controller.signal });
    for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
    controller.abort();
    await expect(turn.run()).rejects.toSatisfy((error) => AbortError.isInstance(error));
    // The turn is over on the server: the thread takes a new turn, and its history says interrupted.
    const next = await thread.run("Again");
    expect(next.finalResponse).toBe("Next turn works.");
    const { thread: stored } = await thread.read({ includeTurns: true });
    expect(stored.turns.map((storedTurn) => storedTurn.status)).toEqual(["interrupted", "completed"]);
  });

  test("model HTTP 500 → status failed with error.codexErrorInfo, not thrown", TIMEOUT, async () => {
    await using t = await startRealServer();
    t.env.fakeModel.enqueue(reply.httpError(500));
    const result = await (await t.codex.threadStart()).run("Hi");
    expect(result.status).toBe("failed");
    expect(result.error?.message).toEqual(expect.any(String));
    expect(result.error?.codexErrorInfo).toBe("internalServerError");
    expect(result.finalResponse).toBeNull();
  });

  test("images reach the model; a missing local image fails before any request", TIMEOUT, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-images-"));
    try {
      const png = path.join(dir, "dot.png");
      // A 1x1 transparent PNG; codex 0.169 accepts only inline data URLs for `image`.
      const dot = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
      await writeFile(png, Buffer.from(dot, "base64"));
      const dataUrl = `data:image/png;base64,${dot}`;
      await using t = await startRealServer();
      const thread = await t.codex.threadStart();
      await expect(
        thread.run([
          { type: "text", text: "see" },
          { type: "localImage", path: path.join(dir, "missing.png") },
        ]),
      ).rejects.toThrow(InvalidInputError);
      expect(t.env.fakeModel.requests).toHaveLength(0);
      t.env.fakeModel.enqueue(reply.text("A dot."));
      const result = await thread.run([
        { type: "text", text: "What is in these?" },
        { type: "image", url: dataUrl },
        { type: "localImage", path: png },
      ]);
      expect(result.finalResponse).toBe("A dot.");
      const images = JSON.stringify(t.env.fakeModel.requests[0]?.body).match(/"input_image"/g) ?? [];
      expect(images).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
