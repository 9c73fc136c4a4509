// Aborting at every stage: before the spawn, during initialize, while turn/start is in flight,
// and mid-stream. Each rejects with AbortError, leaves no process, and never leaves a turn running.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, Codex } from "../../src/index.js";
import type { Notification } from "../../src/index.js";
import { childPids, FAKE_APP_SERVER, isProcessAlive } from "../support/processes.js";
import { scriptedPair } from "../support/scripted-server.js";
import { until } from "../support/wait.js";
import { answerThreadsAndTurns, wireTurn } from "../support/wire.js";
import { codexBin, slowWords, startRealServer } from "../support/real-server.js";

const isAbort = (error: unknown) => AbortError.isInstance(error);

/** Status of every turn/completed the client sees, by turn id. */
function recordCompletions(codex: Codex): Map<string, string> {
  const completions = new Map<string, string>();
  codex.client.onNotification("turn/completed", (params) => void completions.set(params.turn.id, params.turn.status));
  return completions;
}

afterEach(() => {
  expect(childPids()).toEqual([]);
});

describe("abort before the spawn", () => {
  it("an already-aborted signal: rejects at once, spawns nothing", { timeout: 10_000 }, async () => {
    const controller = new AbortController();
    controller.abort(new Error("user gave up"));
    await expect(Codex.start({ codexBin, signal: controller.signal })).rejects.toSatisfy(isAbort);
  });

  it("aborted while the runtime is being looked up: spawns nothing", { timeout: 10_000 }, async () => {
    const controller = new AbortController();
    let looked = false;
    const start = Codex.start({
      signal: controller.signal,
      resolveCodexBin: async () => {
        looked = true;
        controller.abort();
        return codexBin;
      },
    });
    await expect(start).rejects.toSatisfy(isAbort);
    expect(looked).toBe(true);
  });
});

describe("abort during initialize", () => {
  it("a server that never answers initialize: rejects with AbortError and the process is gone", {
    timeout: 15_000,
  }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "codex-abort-"));
    try {
      const pidFile = path.join(dir, "pid");
      const controller = new AbortController();
      const start = Codex.start({
        launchArgs: [process.execPath, FAKE_APP_SERVER, "mute", "--pid-file", pidFile],
        signal: controller.signal,
      });
      const outcome = start.then(
        () => "started",
        (error: unknown) => error,
      );
      await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", {
        timeoutMs: 10_000,
        what: "the stub to start",
      });
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      expect(isProcessAlive(pid), `stub ${pid} alive; children ${childPids().join(",")}`).toBe(true);
      controller.abort();
      const result = await outcome;
      expect(isAbort(result), String(result)).toBe(true);
      expect(isProcessAlive(pid)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the real binary, aborted as soon as its process exists", { timeout: 15_000 }, async () => {
    const controller = new AbortController();
    const start = Codex.start({
      codexBin,
      env: { RUST_LOG: "warn" },
      codexHome: await mkdtemp(path.join(os.tmpdir(), "codex-abort-home-")),
      signal: controller.signal,
    });
    const outcome = start.then(
      (codex) => codex,
      (error: unknown) => error,
    );
    await until(() => childPids().length > 0, { timeoutMs: 10_000, what: "the app-server process", intervalMs: 1 });
    const [pid] = childPids();
    controller.abort();
    const result = await outcome;
    // Start-up is fast: the abort may land during initialize or right after it; either way it wins.
    expect(isAbort(result)).toBe(true);
    await until(() => !isProcessAlive(pid!), { timeoutMs: 5_000, what: "the app-server to exit" });
  });
});

describe("abort while turn/start is in flight", () => {
  it("in-memory: the turn is interrupted by id as soon as the reply names it", { timeout: 10_000 }, async () => {
    const { clientEnd, server } = scriptedPair();
    server.answerInitialize();
    answerThreadsAndTurns(server, (message) => message.method === "turn/start");
    await using codex = await Codex.start({ transport: clientEnd });
    const thread = await codex.threadStart({});
    const controller = new AbortController();
    const turning = thread.turn("go", { signal: controller.signal }).then(
      () => "handle",
      (error: unknown) => error,
    );
    const request = await server.request("turn/start");
    controller.abort();
    await server.send({ method: "turn/started", params: { threadId: thread.id, turn: wireTurn("t-held") } });
    await server.reply(request.id, { turn: wireTurn("t-held") });
    const interrupt = await server.request("turn/interrupt");
    expect(interrupt.params).toEqual({ threadId: thread.id, turnId: "t-held" });
    await server.reply(interrupt.id, {});
    await server.send({
      method: "turn/completed",
      params: { threadId: thread.id, turn: wireTurn("t-held", "interrupted") },
    });
    expect(isAbort(await turning)).toBe(true);
  });

  it("real app-server: the turn does not keep running on the server", { timeout: 40_000 }, async () => {
    const controller = new AbortController();
    await using server = await startRealServer({
      environment: { streamIdleTimeoutMs: 20_000 },
      codex: {
        trace: true,
        logger: {
          debug: (message: string) => {
            // Abort the moment turn/start is handed to the transport: before any reply exists.
            if (message.startsWith("→") && message.includes('"method":"turn/start"')) controller.abort();
          },
        },
      },
    });
    server.env.fakeModel.enqueue(slowWords(400, 20));
    const completions = recordCompletions(server.codex);
    const thread = await server.codex.threadStart({});
    await expect(thread.turn("a long one", { signal: controller.signal })).rejects.toSatisfy(isAbort);
    // On the server the turn was interrupted, not left running.
    await until(() => completions.size === 1, { timeoutMs: 5_000, what: "turn/completed of the aborted turn" });
    expect([...completions.values()]).toEqual(["interrupted"]);
    const read = await thread.read();
    expect(read.thread.status.type).toBe("idle");
    // The interrupt may land before the model was even asked: drop the unused scripted reply.
    server.env.fakeModel.clearQueue();
    const next = await thread.run("are you there?");
    expect(next.status).toBe("completed");
    expect(next.finalResponse).toContain("are you there?");
  });
});

describe("abort mid-stream", () => {
  it("real app-server: run() and stream() reject with AbortError after the interrupted turn's events", {
    timeout: 40_000,
  }, async () => {
    await using server = await startRealServer({ environment: { streamIdleTimeoutMs: 20_000 } });
    server.env.fakeModel.enqueue(slowWords(400, 20));
    const completions = recordCompletions(server.codex);
    const thread = await server.codex.threadStart({});
    const controller = new AbortController();
    const turn = await thread.turn("a long one", { signal: controller.signal });
    const seen: Notification[] = [];
    let streamError: unknown;
    try {
      for await (const n of turn.stream()) {
        seen.push(n);
        if (n.method === "item/agentMessage/delta" && !controller.signal.aborted) controller.abort();
      }
    } catch (error) {
      streamError = error;
    }
    expect(isAbort(streamError)).toBe(true);
    await expect(turn.run()).rejects.toSatisfy(isAbort);
    // The server ended the turn as interrupted (seen by the client, whether or not the stream got
    // that far before the abort surfaced).
    await until(() => completions.has(turn.id), { timeoutMs: 5_000, what: "turn/completed of the aborted turn" });
    expect(completions.get(turn.id)).toBe("interrupted");
    // Far fewer than the 400 deltas: it was stopped, not waited out.
    expect(seen.filter((n) => n.method === "item/agentMessage/delta").length).toBeLessThan(400);
    server.env.fakeModel.clearQueue();
    const next = await thread.run("still there?");
    expect(next.status).toBe("completed");
    expect(next.finalResponse).toContain("still there?");
  });

  it("aborting after the turn completed changes nothing", { timeout: 20_000 }, async () => {
    await using server = await startRealServer({ environment: { streamIdleTimeoutMs: 20_000 } });
    const thread = await server.codex.threadStart({});
    const controller = new AbortController();
    const turn = await thread.turn("quick", { signal: controller.signal });
    const result = await turn.run();
    controller.abort();
    expect(result.status).toBe("completed");
    expect((await turn.run()).status).toBe("completed");
  });
});
