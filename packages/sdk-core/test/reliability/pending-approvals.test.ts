// Approval handlers still pending when their turn ends: the handler's signal aborts, a late answer
// is dropped instead of sent, the turn and the connection carry on, and nothing is auto-accepted.
import { reply } from "@codex/sdk-testing";
import { describe, expect, it } from "vitest";
import { AbortError, Codex, TransportClosedError } from "../../src/index.js";
import type {
  CommandExecutionRequestApprovalParams,
  CommandExecutionRequestApprovalResponse,
} from "@codex/protocol-types/experimental";
import { childPids } from "../support/processes.js";
import { scriptedPair } from "../support/scripted-server.js";
import { flush, until } from "../support/wait.js";
import { answerThreadsAndTurns, wireTurn } from "../support/wire.js";
import { startRealServer } from "../support/real-server.js";

interface PendingCall {
  params: CommandExecutionRequestApprovalParams;
  signal: AbortSignal;
  resolve(result: CommandExecutionRequestApprovalResponse): void;
}

/** A handler that never answers by itself: the test holds each call. */
function heldHandler() {
  const calls: PendingCall[] = [];
  const handler = (params: CommandExecutionRequestApprovalParams, context: { signal: AbortSignal }) =>
    new Promise<CommandExecutionRequestApprovalResponse>((resolve) =>
      calls.push({ params, signal: context.signal, resolve }),
    );
  return { calls, handler };
}

/** Messages the client wrote, from a trace logger. */
function traceRecorder() {
  const sent: string[] = [];
  return {
    sent,
    logger: { debug: (message: string) => void (message.startsWith("→") && sent.push(message.slice(2))) },
  };
}

describe("approval handlers pending when their turn ends", () => {
  it("real app-server: interrupting the turn aborts the handler; its late answer is not sent", {
    timeout: 40_000,
  }, async () => {
    const held = heldHandler();
    const trace = traceRecorder();
    await using server = await startRealServer({
      environment: { streamIdleTimeoutMs: 20_000 },
      codex: {
        serverRequests: { "item/commandExecution/requestApproval": held.handler },
        logger: trace.logger,
        trace: true,
      },
    });
    const { codex } = server;
    server.env.fakeModel.enqueue(reply.toolCall({ cmd: "echo pending-approval" }));
    const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
    const turn = await thread.turn("run a command");
    await until(() => held.calls.length === 1, { timeoutMs: 20_000, what: "the approval request" });
    const call = held.calls[0]!;
    expect(call.params.turnId).toBe(turn.id);
    expect(call.signal.aborted).toBe(false);

    await turn.interrupt();
    const result = await turn.run();
    expect(result.status).toBe("interrupted");
    await until(() => call.signal.aborted, { timeoutMs: 5_000, what: "the handler's signal to abort" });
    expect(AbortError.isInstance(call.signal.reason)).toBe(true);

    // The human answers late: nothing goes to the server for that request. (The trace does see
    // what the client writes: the interrupt is there.)
    expect(trace.sent.some((line) => line.includes('"turn/interrupt"'))).toBe(true);
    const repliesBefore = trace.sent.filter((line) => line.includes('"decision"')).length;
    call.resolve({ decision: "accept" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(trace.sent.filter((line) => line.includes('"decision"')).length).toBe(repliesBefore);
    expect(trace.sent.some((line) => line.includes('"accept"'))).toBe(false);

    // The connection and the thread carry on.
    server.env.fakeModel.enqueue(reply.text("still here"));
    const next = await thread.run("hello again");
    expect(next.status).toBe("completed");
    expect(next.finalResponse).toBe("still here");
  });

  it("real app-server: a handler pending when the client closes is aborted with TransportClosedError", {
    timeout: 40_000,
  }, async () => {
    const held = heldHandler();
    const server = await startRealServer({
      environment: { streamIdleTimeoutMs: 20_000 },
      codex: { serverRequests: { "item/commandExecution/requestApproval": held.handler } },
    });
    try {
      server.env.fakeModel.enqueue(reply.toolCall({ cmd: "echo never-answered" }));
      const thread = await server.codex.threadStart({ approvalPolicy: "untrusted" });
      const turn = await thread.turn("run a command");
      await until(() => held.calls.length === 1, { timeoutMs: 20_000, what: "the approval request" });
      const running = turn.run().then(
        () => "resolved",
        (error: unknown) => error,
      );
      await server.codex.close();
      expect(held.calls[0]!.signal.aborted).toBe(true);
      expect(TransportClosedError.isInstance(held.calls[0]!.signal.reason)).toBe(true);
      expect(TransportClosedError.isInstance(await running)).toBe(true);
      // Answering after the close is harmless.
      held.calls[0]!.resolve({ decision: "accept" });
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await server[Symbol.asyncDispose]();
    }
  });

  it("in-memory: turn/completed alone (no serverRequest/resolved) aborts the handler; later turns are unaffected", {
    timeout: 10_000,
  }, async () => {
    const held = heldHandler();
    const { clientEnd, server } = scriptedPair();
    server.answerInitialize();
    answerThreadsAndTurns(server);
    await using codex = await Codex.start({
      transport: clientEnd,
      serverRequests: { "item/commandExecution/requestApproval": held.handler },
    });
    const thread = await codex.threadStart({});
    const turn = await thread.turn("go");
    const approval = (id: number, turnId: string) => ({
      id,
      method: "item/commandExecution/requestApproval",
      params: { threadId: thread.id, turnId, itemId: `item-${id}`, command: "rm -rf /", cwd: "/", commandActions: [] },
    });
    await server.send(approval(0, turn.id));
    await until(() => held.calls.length === 1, { timeoutMs: 2_000, what: "the handler call" });
    await server.send({
      method: "turn/completed",
      params: { threadId: thread.id, turn: wireTurn(turn.id, "interrupted") },
    });
    expect((await turn.run()).status).toBe("interrupted");
    await until(() => held.calls[0]!.signal.aborted, { timeoutMs: 2_000, what: "the abort" });
    expect(AbortError.isInstance(held.calls[0]!.signal.reason)).toBe(true);

    // A request of the next turn stays live while the old one is answered late.
    const second = await thread.turn("again");
    await server.send(approval(1, second.id));
    await until(() => held.calls.length === 2, { timeoutMs: 2_000, what: "the second handler call" });
    held.calls[0]!.resolve({ decision: "accept" });
    expect(held.calls[1]!.signal.aborted).toBe(false);
    held.calls[1]!.resolve({ decision: "decline" });
    const answer = await server.waitFor((m) => m.id === 1 && m.method === undefined);
    expect(answer.result).toEqual({ decision: "decline" });
    await flush();
    // Request 0 was never answered: its turn had ended before the handler returned.
    expect(server.received.filter((m) => m.id === 0 && m.method === undefined)).toEqual([]);
    await server.send({
      method: "turn/completed",
      params: { threadId: thread.id, turn: wireTurn(second.id, "completed") },
    });
    expect((await second.run()).status).toBe("completed");
  });

  it("leaves no process behind", () => {
    expect(childPids()).toEqual([]);
  });
});
