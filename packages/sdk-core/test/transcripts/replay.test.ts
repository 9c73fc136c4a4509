// The high-level API (`Codex`, `Thread`, `TurnHandle`) driven through recorded sessions of the
// real app-server, replayed in memory: what a user sees for a text turn, an accepted approval,
// a model HTTP 500, an interrupted turn and a resume in a fresh process.
import type { CommandExecutionRequestApprovalParams, ThreadStartResponse } from "@codex/protocol-types/experimental";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  AbortError,
  Codex,
  GENERATED_FOR_CODEX_VERSION,
  JsonRpcError,
  type CodexOptions,
  type Notification,
} from "../../src/index.js";
import { AppServerClient } from "../../src/rpc.js";
import { collect } from "../support/wait.js";
import { startReplay, type ReplayServer } from "./replay-server.js";
import {
  fixtureUrl,
  kindOf,
  loadTranscript,
  parseTranscript,
  type ScenarioName,
  type TranscriptSession,
  type WireMessage,
} from "./transcript.js";

/** The cwd the tests pass; the replay writes it wherever the recording has `<CWD>`. */
const CWD = "/srv/project";

const opened: Codex[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((codex) => codex.close()));
});

function session(scenario: ScenarioName, index = 0): TranscriptSession {
  const found = loadTranscript(fixtureUrl(scenario)).sessions[index];
  if (found === undefined) throw new Error(`${scenario} has no session ${index}`);
  return found;
}

/** Starts a replay of `recorded` and a `Codex` on it. */
async function replayed(
  recorded: TranscriptSession,
  codex: Omit<CodexOptions, "transport"> = {},
): Promise<{ codex: Codex; replay: ReplayServer }> {
  const replay = startReplay(recorded, { placeholders: { "<CWD>": CWD } });
  const started = await Codex.start({ ...codex, transport: replay.transport });
  opened.push(started);
  return { codex: started, replay };
}

/** The client did exactly what was recorded, and the whole session was played. */
function expectFaithful(replay: ReplayServer): void {
  expect(replay.problems).toEqual([]);
  expect(replay.remaining().map((entry) => `${entry.direction} ${entry.message.method ?? "response"}`)).toEqual([]);
}

function recordedThreadId(recorded: TranscriptSession): string {
  const response = recorded.messages.find(
    (entry) => entry.direction === "in" && (entry.message.result as Partial<ThreadStartResponse> | undefined)?.thread,
  );
  return (response!.message.result as ThreadStartResponse).thread.id;
}

function deltasOf(events: readonly Notification[]): string[] {
  return events.flatMap((event) => (event.method === "item/agentMessage/delta" ? [event.params.delta] : []));
}

describe("a text turn", () => {
  test("run() gives the text, final response, items and usage", async () => {
    const recorded = session("text-turn");
    const { codex, replay } = await replayed(recorded);
    expect(codex.metadata.serverVersion).toBe(GENERATED_FOR_CODEX_VERSION);
    const thread = await codex.threadStart({ cwd: CWD });
    expect(thread.id).toBe(recordedThreadId(recorded));
    const turn = await thread.turn("Say hello");
    const events = await collect<Notification>(turn.stream());
    const result = await turn.run();

    expect(result.status).toBe("completed");
    expect(result.error).toBeNull();
    expect(result.threadId).toBe(thread.id);
    expect(result.id).toBe(turn.id);
    expect(result.text).toBe("Hello from the transcript. Each word is a delta.");
    expect(result.finalResponse).toBe("Hello from the transcript. Each word is a delta.");
    // Streamed word by word, and the deltas join to the text.
    expect(deltasOf(events).length).toBeGreaterThan(1);
    expect(deltasOf(events).join("")).toBe(result.text);
    expect(events.at(-1)?.method).toBe("turn/completed");
    expect(result.items.map((item) => item.type)).toEqual(["userMessage", "agentMessage"]);
    // The usage the fake model reported: input 120 (20 cached), output 9.
    expect(result.usage?.last).toMatchObject({
      inputTokens: 120,
      cachedInputTokens: 20,
      outputTokens: 9,
      totalTokens: 129,
    });
    expect(result.usage?.total.totalTokens).toBe(129);
    expect(result.startedAt).toEqual(expect.any(Number));
    expect(result.completedAt).toEqual(expect.any(Number));
    expect(result.durationMs).toEqual(expect.any(Number));
    expectFaithful(replay);
  });

  test("the turn's stream holds only its own thread's notifications", async () => {
    const { codex, replay } = await replayed(session("text-turn"));
    const thread = await codex.threadStart({ cwd: CWD });
    const turn = await thread.turn("Say hello");
    const events = await collect<Notification>(turn.stream());
    for (const event of events) {
      const params = event.params as { threadId?: string; turnId?: string; turn?: { id: string } };
      const threadId = params.threadId;
      expect(threadId, `${event.method} has no threadId`).toBe(thread.id);
      const turnId = params.turnId ?? params.turn?.id;
      if (turnId !== undefined) expect(turnId).toBe(turn.id);
    }
    // Account-wide notifications (rate limits) reach the client but no turn.
    expect(events.some((event) => event.method === "account/rateLimits/updated")).toBe(false);
    // Every notification keeps the server's emit time, typed on the Notification union.
    for (const event of events) expect(typeof event.emittedAtMs).toBe("number");
    expectFaithful(replay);
  });
});

describe("a tool call under approvalPolicy untrusted", () => {
  test("the approval handler gets typed params; its accept is sent; the command completes", async () => {
    const recorded = session("approval-accepted");
    const asked: CommandExecutionRequestApprovalParams[] = [];
    const { codex, replay } = await replayed(recorded, {
      serverRequests: {
        "item/commandExecution/requestApproval": (params) => {
          asked.push(params);
          return { decision: "accept" };
        },
      },
    });
    const thread = await codex.threadStart({ cwd: CWD, approvalPolicy: "untrusted", sandbox: "workspace-write" });
    const result = await thread.run("Create approved.txt");

    expect(asked).toHaveLength(1);
    const params = asked[0]!;
    expect(params.threadId).toBe(thread.id);
    expect(params.turnId).toBe(result.id);
    expect(params.itemId).toBe("call_transcript_touch");
    expect(params.command).toBe("/bin/bash -lc 'touch approved.txt'");
    expect(params.cwd).toBe(CWD);
    expect(params.proposedExecpolicyAmendment).toEqual(["touch", "approved.txt"]);
    // On the wire (experimentalApi is on by default) but only in the experimental types.
    expect((params as { availableDecisions?: unknown[] }).availableDecisions).toContain("accept");
    // The reply went out under the server's own request id.
    const approvalId = recorded.messages.find(
      (entry) => entry.message.method === "item/commandExecution/requestApproval",
    )!.message.id;
    expect(replay.received).toContainEqual({ id: approvalId, result: { decision: "accept" } });

    expect(result.status).toBe("completed");
    const command = result.items.find((item) => item.type === "commandExecution");
    expect(command).toMatchObject({ type: "commandExecution", status: "completed", exitCode: 0, cwd: CWD });
    expect(result.finalResponse).toBe("Created approved.txt.");
    expectFaithful(replay);
  });

  test("a different decision does not match the recording: the replay reports it", async () => {
    const { codex, replay } = await replayed(session("approval-accepted"), {
      serverRequests: { "item/commandExecution/requestApproval": () => ({ decision: "decline" }) },
    });
    const thread = await codex.threadStart({ cwd: CWD, approvalPolicy: "untrusted", sandbox: "workspace-write" });
    const running = thread.run("Create approved.txt");
    await vi.waitFor(() => expect(replay.problems).toHaveLength(1));
    expect(replay.problems[0]).toMatch(/reply to server request 0/);
    expect(replay.problems[0]).toMatch(/result\.decision: "decline", not "accept"/);
    // The recording stops there; closing ends the turn with TransportClosedError.
    await codex.close();
    await expect(running).rejects.toThrow();
  });
});

describe("a model HTTP 500", () => {
  test("run() resolves with status failed and error.codexErrorInfo", async () => {
    const { codex, replay } = await replayed(session("http-500"));
    const thread = await codex.threadStart({ cwd: CWD });
    const turn = await thread.turn("Hi");
    const events = await collect<Notification>(turn.stream());
    const result = await turn.run();

    expect(result.status).toBe("failed");
    expect(result.error?.codexErrorInfo).toBe("internalServerError");
    expect(result.error?.message).toEqual(expect.any(String));
    expect(result.finalResponse).toBeNull();
    expect(result.text).toBe("");
    expect(result.items.map((item) => item.type)).toEqual(["userMessage"]);
    // The `error` notification came first, saying codex will not retry.
    const error = events.find((event) => event.method === "error");
    expect(error?.method === "error" && error.params.willRetry).toBe(false);
    expectFaithful(replay);
  });
});

describe("an interrupted turn", () => {
  test("interrupt() after the first delta: status interrupted, the partial text kept", async () => {
    const recorded = session("interrupted");
    const { codex, replay } = await replayed(recorded);
    const thread = await codex.threadStart({ cwd: CWD });
    const turn = await thread.turn("Take your time");
    for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
    await turn.interrupt();
    const result = await turn.run();

    expect(result.status).toBe("interrupted");
    expect(result.error).toBeNull();
    expect(result.text).toBe("Starting");
    // The interrupted agent message never completed: no item, no final response.
    expect(result.finalResponse).toBeNull();
    expect(result.items.map((item) => item.type)).toEqual(["userMessage"]);
    expect(replay.received).toContainEqual(
      expect.objectContaining({ method: "turn/interrupt", params: { threadId: thread.id, turnId: turn.id } }),
    );
    expectFaithful(replay);
  });

  test("aborting the turn's signal sends the same turn/interrupt and rejects run() with AbortError", async () => {
    const { codex, replay } = await replayed(session("interrupted"));
    const thread = await codex.threadStart({ cwd: CWD });
    const controller = new AbortController();
    const turn = await thread.turn("Take your time", { signal: controller.signal });
    for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
    controller.abort();
    const error = await turn.run().catch((caught: unknown) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    // The turn did end on the server: its turn/completed (interrupted) was played and received.
    expect(turn.completed).toBe(true);
    expectFaithful(replay);
  });
});

describe("a resume in a fresh process", () => {
  test("the second process resumes the thread by id and continues it", async () => {
    const first = session("resume-fresh-process", 0);
    const second = session("resume-fresh-process", 1);
    const one = await replayed(first);
    const thread = await one.codex.threadStart({ cwd: CWD });
    const firstResult = await thread.run("Remember the word banana.");
    expect(firstResult.finalResponse).toBe("Noted: banana.");
    await one.codex.close();
    expectFaithful(one.replay);

    const two = await replayed(second);
    const resumed = await two.codex.threadResume(thread.id);
    expect(resumed.id).toBe(thread.id);
    const resumeRequest = two.replay.received.find((message) => message.method === "thread/resume");
    expect(resumeRequest?.params).toEqual({ threadId: thread.id });
    const result = await resumed.run("Which word?");
    expect(result.status).toBe("completed");
    expect(result.threadId).toBe(thread.id);
    expect(result.id).not.toBe(firstResult.id);
    expect(result.finalResponse).toBe("The word was banana.");
    expectFaithful(two.replay);
  });
});

describe("the replay server", () => {
  test("answers with the request ids the client used, not the recorded ones", async () => {
    // Shift every recorded client request id by 100; the client still numbers from 1.
    const recorded = session("text-turn");
    const shifted: TranscriptSession = {
      meta: recorded.meta,
      messages: recorded.messages.map((entry) => {
        const kind = kindOf(entry.message);
        const isClientRequest = entry.direction === "out" && kind === "request";
        const isReplyToClient = entry.direction === "in" && kind === "response";
        if (!isClientRequest && !isReplyToClient) return entry;
        const message: WireMessage = { ...entry.message, id: Number(entry.message.id) + 100 };
        return { ...entry, message, line: JSON.stringify(message) };
      }),
    };
    const { codex, replay } = await replayed(shifted);
    const result = await (await codex.threadStart({ cwd: CWD })).run("Say hello");
    expect(result.finalResponse).toBe("Hello from the transcript. Each word is a delta.");
    expect(replay.received.filter((message) => kindOf(message) === "request").map((message) => message.id)).toEqual([
      1, 2, 3,
    ]);
    expectFaithful(replay);
  });

  test("a request that differs from the recording is reported and answered with an error", async () => {
    const { codex, replay } = await replayed(session("text-turn"));
    const error = await codex.threadStart({ cwd: "/somewhere/else" }).catch((caught: unknown) => caught);
    expect(JsonRpcError.isInstance(error)).toBe(true);
    expect(replay.problems).toHaveLength(1);
    expect(replay.problems[0]).toMatch(/params\.cwd: "\/somewhere\/else", not "\/srv\/project"/);
  });

  test("ids compare by type, except an id the replay handed out for something else", async () => {
    const lines = [
      {
        direction: "meta",
        session: 0,
        scenario: "hand-made",
        codexVersion: "0.169.0",
        description: "two threads are known",
      },
      { direction: "out", line: JSON.stringify({ id: 1, method: "thread/read", params: { threadId: "thread-a" } }) },
      { direction: "in", line: JSON.stringify({ id: 1, result: { thread: { id: "thread-a" } } }) },
      { direction: "in", line: JSON.stringify({ method: "thread/started", params: { thread: { id: "thread-b" } } }) },
      { direction: "out", line: JSON.stringify({ id: 2, method: "thread/read", params: { threadId: "thread-a" } }) },
      { direction: "in", line: JSON.stringify({ id: 2, result: { thread: { id: "thread-a" } } }) },
    ];
    const recorded = parseTranscript("hand-made", lines.map((line) => JSON.stringify(line)).join("\n")).sessions[0]!;
    const replay = startReplay(recorded);
    const client = new AppServerClient(replay.transport);
    try {
      // Not known yet when sent: only the type counts.
      await client.request("thread/read", { threadId: "thread-z" });
      expect(replay.problems).toEqual([]);
      // thread-b was handed out for another thread: sending it where thread-a was recorded is caught.
      await expect(client.request("thread/read", { threadId: "thread-b" })).rejects.toSatisfy((error) =>
        JsonRpcError.isInstance(error),
      );
      expect(replay.problems[0]).toMatch(/params\.threadId: "thread-b" is the id of something else/);
      await client.request("thread/read", { threadId: "thread-a" });
      expect(replay.problems).toHaveLength(1);
      expect(replay.remaining()).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
