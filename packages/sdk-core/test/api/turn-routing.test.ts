// TurnHandle and turn routing against a scripted server, for the orderings that matter: events
// before the turn/start response, interleaved threads, stragglers of older turns, lost
// connections and aborts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { AbortError, InvalidInputError, TransportClosedError, type Notification } from "../../src/index.js";
import { startScripted, type ScriptedServer } from "../support/scripted-server.js";
import { turnEvents as e } from "../support/wire.js";
import { collect } from "../support/wait.js";

const TIMEOUT = { timeout: 10_000 };

function threadStartReplies(server: ScriptedServer, ids = ["thread-1"]): void {
  let next = 0;
  server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: ids[next++] } }));
}

async function sendAll(server: ScriptedServer, events: { method: string; params: unknown }[]): Promise<void> {
  for (const event of events) await server.notify(event.method, event.params);
}

function methods(events: Notification[]): string[] {
  return events.map((event) => String(event.method));
}

describe("turn routing", () => {
  test(
    "a turn whose events all arrive before the turn/start response completes with every event",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        server.on("turn/start", async (request, s) => {
          await s.notify("warning", { threadId: "thread-1", message: "model metadata" });
          await sendAll(s, [
            e.status("active"),
            e.started("turn-1"),
            e.delta("turn-1", "Hel"),
            e.delta("turn-1", "lo"),
            e.agentMessage("turn-1", "Hello"),
            e.usage("turn-1", 42),
            e.status("idle"),
            e.completed("turn-1"),
          ]);
          await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
        });
      });
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("hi");
      const result = await turn.run();
      expect(result).toMatchObject({
        threadId: "thread-1",
        id: "turn-1",
        status: "completed",
        error: null,
        text: "Hello",
        finalResponse: "Hello",
        startedAt: 1,
        completedAt: 2,
        durationMs: 1000,
      });
      expect(result.usage?.total.totalTokens).toBe(42);
      expect(result.items.map((item) => item.type)).toEqual(["agentMessage"]);
      expect(methods(await collect(turn.stream()))).toEqual([
        "warning",
        "thread/status/changed",
        "turn/started",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "item/completed",
        "thread/tokenUsage/updated",
        "thread/status/changed",
        "turn/completed",
      ]);
    },
  );

  test(
    "events of other threads, of an older turn, and without a thread are not routed to a turn",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server, ["thread-1", "thread-2"]);
        server.on("turn/start", async (request, s) => {
          const threadId = request.params["threadId"] as string;
          const turnId = `${threadId}-turn`;
          await sendAll(s, [
            // A straggler of an older turn of the same thread, before the response.
            e.delta("old-turn", "stale", threadId),
            { method: "account/rateLimits/updated", params: { rateLimits: {} } },
            e.started(turnId, threadId),
          ]);
          await s.reply(request.id, { turn: { id: turnId, items: [], status: "inProgress", error: null } });
        });
      });
      const one = await t.codex.threadStart();
      const two = await t.codex.threadStart();
      const [turnOne, turnTwo] = await Promise.all([one.turn("a"), two.turn("b")]);
      await sendAll(t.server, [
        e.delta("thread-2-turn", "two-", "thread-2"),
        e.delta("thread-1-turn", "one-", "thread-1"),
        e.delta("old-turn", "stale", "thread-1"),
        e.delta("thread-1-turn", "done", "thread-1"),
        e.completed("thread-1-turn", "completed", null, "thread-1"),
        e.delta("thread-2-turn", "done", "thread-2"),
        e.completed("thread-2-turn", "completed", null, "thread-2"),
      ]);
      const [a, b] = await Promise.all([turnOne.run(), turnTwo.run()]);
      expect(a.text).toBe("one-done");
      expect(b.text).toBe("two-done");
      for (const [turn, threadId] of [
        [turnOne, "thread-1"],
        [turnTwo, "thread-2"],
      ] as const) {
        const events = await collect(turn.stream());
        expect(methods(events)).not.toContain("account/rateLimits/updated");
        for (const event of events) expect((event.params as { threadId: string }).threadId).toBe(threadId);
      }
    },
  );

  test("stream() replays from the first event on every call; run() works during and after it", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
        await sendAll(s, [e.started("turn-1"), e.delta("turn-1", "a")]);
      });
    });
    const turn = await (await t.codex.threadStart()).turn("go");
    const first = turn.stream();
    const seen: string[] = [];
    for await (const event of first) {
      seen.push(String(event.method));
      if (event.method === "item/agentMessage/delta") break;
    }
    const running = turn.run();
    const replay = collect(turn.stream());
    await sendAll(t.server, [e.delta("turn-1", "b"), e.agentMessage("turn-1", "ab"), e.completed("turn-1")]);
    const result = await running;
    expect(result.text).toBe("ab");
    expect(methods(await replay)).toEqual([
      "turn/started",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed",
      "turn/completed",
    ]);
    expect(methods(await collect(turn.stream()))).toEqual(methods(await replay));
    expect(await turn.run()).toBe(result);
    expect(seen).toEqual(["turn/started", "item/agentMessage/delta"]);
  });

  test(
    "only turn/completed ends a turn: an error with willRetry does not; a failed turn is returned",
    TIMEOUT,
    async () => {
      const turnError = { message: "boom", codexErrorInfo: "internalServerError", additionalDetails: null };
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        server.on("turn/start", async (request, s) => {
          await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
          await s.notify("error", { threadId: "thread-1", turnId: "turn-1", willRetry: true, error: turnError });
        });
      });
      const turn = await (await t.codex.threadStart()).turn("go");
      let settled = false;
      const running = turn.run().finally(() => (settled = true));
      await t.server.notify("error", { threadId: "thread-1", turnId: "turn-1", willRetry: false, error: turnError });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      await sendAll(t.server, [e.completed("turn-1", "failed", turnError)]);
      const result = await running;
      expect(result.status).toBe("failed");
      expect(result.error).toEqual(turnError);
      expect(result.finalResponse).toBeNull();
    },
  );

  test("finalResponse is the last final_answer or phase-less agent message", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
        await sendAll(s, [
          e.agentMessage("turn-1", "first answer", "final_answer"),
          e.agentMessage("turn-1", "thinking aloud", "commentary"),
          e.completed("turn-1"),
        ]);
      });
    });
    const result = await (await t.codex.threadStart()).run("go");
    expect(result.finalResponse).toBe("first answer");
    expect(result.items).toHaveLength(2);
  });

  test(
    "aborting a turn's signal sends turn/interrupt, then rejects run() and stream() with AbortError",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        server.on("turn/start", (request, s) =>
          s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } }),
        );
        server.on("turn/interrupt", async (request, s) => {
          await s.reply(request.id, {});
          await sendAll(s, [e.completed("turn-1", "interrupted")]);
        });
      });
      const controller = new AbortController();
      const turn = await (await t.codex.threadStart()).turn("go", { signal: controller.signal });
      const running = turn.run();
      const streaming = collect(turn.stream());
      controller.abort();
      await expect(running).rejects.toSatisfy((error) => AbortError.isInstance(error));
      await expect(streaming).rejects.toSatisfy((error) => AbortError.isInstance(error));
      const interrupt = await t.server.request("turn/interrupt");
      expect(interrupt.params).toEqual({ threadId: "thread-1", turnId: "turn-1" });
    },
  );

  test(
    "interrupt() and an abort stop waiting for a lost turn/interrupt reply once the turn completes",
    TIMEOUT,
    async () => {
      await using t = await startScripted(
        (server) => {
          threadStartReplies(server, ["thread-1", "thread-2"]);
          server.on("turn/start", async (request, s) => {
            const turnId = `turn-of-${String(request.params["threadId"])}`;
            await s.reply(request.id, { turn: { id: turnId, items: [], status: "inProgress", error: null } });
            await sendAll(s, [e.started(turnId, String(request.params["threadId"]))]);
          });
          // The reply to turn/interrupt is lost (an overloaded server drops replies); the turn still ends.
          server.on("turn/interrupt", (request, s) =>
            sendAll(s, [
              e.completed(String(request.params["turnId"]), "interrupted", null, String(request.params["threadId"])),
            ]),
          );
          server.on("thread/list", (request, s) => s.reply(request.id, { data: [], nextCursor: null }));
        },
        // One request at a time: a request left waiting would block every later one.
        { maxInFlight: 1 },
      );
      const controller = new AbortController();
      const aborted = await (await t.codex.threadStart()).turn("go", { signal: controller.signal });
      controller.abort();
      await expect(aborted.run()).rejects.toSatisfy((error) => AbortError.isInstance(error));
      const interrupted = await (await t.codex.threadStart()).turn("go");
      await interrupted.interrupt();
      expect((await interrupted.run()).status).toBe("interrupted");
      await expect(t.codex.threadList()).resolves.toMatchObject({ data: [] });
    },
  );

  test("aborting while turn/start is in flight interrupts the turn once its id is known", TIMEOUT, async () => {
    const controller = new AbortController();
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
      });
      server.on("turn/interrupt", async (request, s) => {
        await s.reply(request.id, {});
        await sendAll(s, [e.completed("turn-1", "interrupted")]);
      });
    });
    const thread = await t.codex.threadStart();
    await expect(thread.run("go", { signal: controller.signal })).rejects.toSatisfy((error) =>
      AbortError.isInstance(error),
    );
    expect((await t.server.request("turn/interrupt")).params).toEqual({ threadId: "thread-1", turnId: "turn-1" });
  });

  test("an already aborted signal sends nothing", TIMEOUT, async () => {
    await using t = await startScripted((server) => threadStartReplies(server));
    const thread = await t.codex.threadStart();
    await expect(thread.turn("go", { signal: AbortSignal.abort() })).rejects.toSatisfy((error) =>
      AbortError.isInstance(error),
    );
    expect(t.server.requests.map((r) => r.method)).toEqual(["initialize", "thread/start"]);
  });

  test("a lost connection rejects a running turn with TransportClosedError", TIMEOUT, async () => {
    const t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
        await sendAll(s, [e.started("turn-1")]);
      });
    });
    const turn = await (await t.codex.threadStart()).turn("go");
    const running = turn.run();
    const streaming = collect(turn.stream());
    await t.server.end.closeWith({ exitCode: 1, stderrTail: "panic" });
    await expect(running).rejects.toSatisfy((error) => TransportClosedError.isInstance(error));
    await expect(streaming).rejects.toSatisfy((error) => TransportClosedError.isInstance(error));
    await t.codex.close();
  });

  test(
    "steer() sends turn/steer with expectedTurnId; interrupt() after completion sends nothing",
    TIMEOUT,
    async () => {
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        server.on("turn/start", (request, s) =>
          s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } }),
        );
        server.on("turn/steer", (request, s) => s.reply(request.id, { turnId: "turn-1" }));
      });
      const turn = await (await t.codex.threadStart()).turn("go");
      await turn.steer("also this");
      expect((await t.server.request("turn/steer")).params).toEqual({
        threadId: "thread-1",
        expectedTurnId: "turn-1",
        input: [{ type: "text", text: "also this", text_elements: [] }],
      });
      await sendAll(t.server, [e.completed("turn-1")]);
      await turn.run();
      await turn.interrupt();
      expect(t.server.requests.map((r) => r.method)).not.toContain("turn/interrupt");
    },
  );

  test("codex.thread(id) binds without a request", TIMEOUT, async () => {
    await using t = await startScripted();
    const thread = t.codex.thread("existing-thread");
    expect(thread.id).toBe("existing-thread");
    expect(t.server.requests.map((r) => r.method)).toEqual(["initialize"]);
    expect(() => t.codex.thread("")).toThrow(InvalidInputError);
  });

  test("a server request's handler signal aborts when its turn completes", TIMEOUT, async () => {
    let handlerSignal: AbortSignal | undefined;
    await using t = await startScripted(threadStartReplies, {
      serverRequests: {
        "item/commandExecution/requestApproval": async (_params, { signal }) => {
          handlerSignal = signal;
          await new Promise((resolve) => signal.addEventListener("abort", resolve));
          return { decision: "accept" };
        },
      },
    });
    await t.server.send({
      id: 0,
      method: "item/commandExecution/requestApproval",
      params: { threadId: "thread-1", turnId: "turn-9", itemId: "item", command: "ls", cwd: "/" },
    });
    await expect.poll(() => handlerSignal).toBeDefined();
    expect(handlerSignal?.aborted).toBe(false);
    await sendAll(t.server, [e.completed("turn-9", "interrupted")]);
    await expect.poll(() => handlerSignal?.aborted).toBe(true);
    // Nobody waits for the answer any more: no reply is sent.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.server.replies).toEqual([]);
  });
});

describe("inputs are checked before anything is sent", () => {
  test("all five kinds and the string shorthand map to the wire's UserInput", TIMEOUT, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-inputs-"));
    try {
      const image = path.join(dir, "pixel.png");
      await writeFile(image, "not really a png");
      await using t = await startScripted((server) => {
        threadStartReplies(server);
        server.on("turn/start", async (request, s) => {
          await s.reply(request.id, {
            turn: { id: `turn-${request.id}`, items: [], status: "inProgress", error: null },
          });
          await sendAll(s, [e.completed(`turn-${request.id}`)]);
        });
      });
      const thread = await t.codex.threadStart();
      await thread.run("plain");
      await thread.run([
        { type: "text", text: "look" },
        { type: "image", url: "https://example.com/a.png" },
        { type: "localImage", path: image },
        { type: "skill", name: "deploy", path: "/skills/deploy/SKILL.md" },
        { type: "mention", name: "Linear", path: "app://linear" },
      ]);
      await thread.run({ type: "text", text: "single" });
      const inputs = t.server.requests.filter((r) => r.method === "turn/start").map((r) => r.params["input"]);
      expect(inputs).toEqual([
        [{ type: "text", text: "plain", text_elements: [] }],
        [
          { type: "text", text: "look", text_elements: [] },
          { type: "image", url: "https://example.com/a.png" },
          { type: "localImage", path: image },
          { type: "skill", name: "deploy", path: "/skills/deploy/SKILL.md" },
          { type: "mention", name: "Linear", path: "app://linear" },
        ],
        [{ type: "text", text: "single", text_elements: [] }],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ["a missing local image", [{ type: "localImage", path: "/definitely/not/here.png" }], /does not exist/],
    ["an empty list", [], /empty/],
    ["an unknown kind", [{ type: "video", url: "x" }], /unknown input type "video"/],
    ["a missing field", [{ type: "skill", name: "x" }], /"path" must be a non-empty string/],
    ["a non-object", [42], /must be a string or an input item/],
  ])("%s is an InvalidInputError and no request", TIMEOUT, async (_name, input, message) => {
    await using t = await startScripted(threadStartReplies);
    const thread = await t.codex.threadStart();
    const attempt = thread.run(input as never);
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(message);
    expect(t.server.requests.map((r) => r.method)).toEqual(["initialize", "thread/start"]);
  });
});

describe("answering a tool call", () => {
  test("an empty input is sent as [] with toolOutput (the server requires it empty)", TIMEOUT, async () => {
    await using t = await startScripted((server) => {
      threadStartReplies(server);
      server.on("turn/start", async (request, s) => {
        await s.reply(request.id, { turn: { id: "turn-1", items: [], status: "inProgress", error: null } });
        await sendAll(s, [e.started("turn-1"), e.completed("turn-1")]);
      });
    });
    const thread = await t.codex.threadStart();
    const toolOutput = { name: "lookup", output: "42" } as const;
    const result = await thread.run([], { toolOutput: toolOutput as never });
    expect(result.status).toBe("completed");
    const turnStart = t.server.requests.find((r) => r.method === "turn/start");
    expect(turnStart?.params).toMatchObject({ threadId: "thread-1", input: [], toolOutput });
  });

  test("without toolOutput an empty input is still refused before sending", TIMEOUT, async () => {
    await using t = await startScripted(threadStartReplies);
    const thread = await t.codex.threadStart();
    await expect(thread.run([], { toolOutput: null })).rejects.toThrow(InvalidInputError);
    expect(t.server.requests.map((r) => r.method)).toEqual(["initialize", "thread/start"]);
  });
});
